//! A freedesktop notification service for the desktop end-to-end test (tests/e2e-desktop/run):
//! it owns `org.freedesktop.Notifications` on the session bus, writes every notification it is
//! given to `$NOTIFY_SERVER_LOG` (`id<TAB>summary<TAB>body<TAB>actions`), and, like a person,
//! clicks a notification that offers a default action `$CLICK_AFTER_MS` milliseconds after it
//! appeared (no click when unset).

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

struct Service {
    last_id: u32,
    log: Option<std::path::PathBuf>,
    click_after: Option<Duration>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Service {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.last_id += 1;
        let id = self.last_id;
        if let Some(path) = &self.log {
            let line = format!("{id}\t{summary}\t{body}\t{}\n", actions.join(","));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path);
            if let Ok(mut f) = file {
                let _ = f.write_all(line.as_bytes());
            }
        }
        // Actions come as pairs: key, label.
        let clickable = actions.chunks(2).any(|pair| pair[0] == "default");
        if let (true, Some(after)) = (clickable, self.click_after) {
            let emitter = emitter.into_owned();
            std::thread::spawn(move || {
                std::thread::sleep(after);
                let _ = zbus::block_on(Service::action_invoked(&emitter, id, "default"));
            });
        }
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "kizuna-test-notifications".into(),
            "kizuna".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;
}

fn main() -> zbus::Result<()> {
    let service = Service {
        last_id: 0,
        log: std::env::var_os("NOTIFY_SERVER_LOG").map(Into::into),
        click_after: std::env::var("CLICK_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis),
    };
    let _connection = zbus::blocking::connection::Builder::session()?
        .name("org.freedesktop.Notifications")?
        .serve_at("/org/freedesktop/Notifications", service)?
        .build()?;
    println!("notification service ready");
    loop {
        std::thread::park();
    }
}
