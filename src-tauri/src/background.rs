//! The background loop's host: notifications, tray and window events for what the client does.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use careplan_client::background::{Activity, Host};
use tauri::{AppHandle, Emitter, Manager};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// The window's event for everything the background loop reports.
pub const ACTIVITY_EVENT: &str = "kizuna://activity";

/// The window's event asking it to show a screen (its name is the payload).
pub const NAVIGATE_EVENT: &str = "kizuna://navigate";

/// What the window hears on [`ACTIVITY_EVENT`].
#[derive(Clone, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityEvent {
    /// Files arrived and were saved (or quarantined).
    Received {
        /// How many just now.
        count: usize,
        /// Unread in total.
        unread: usize,
    },
    /// Sent files changed state (delivered, receipt, expired).
    SentChanged {
        /// How many.
        count: usize,
    },
    /// Queued files reached the relay.
    Uploaded {
        /// How many.
        count: usize,
    },
    /// The office certificate ends soon.
    Certificate {
        /// Days left.
        days_left: i64,
    },
    /// The relay cannot be reached or refused; the message says what to do.
    Trouble {
        /// In the app's language.
        message: String,
    },
    /// Connected (again) to the relay.
    Connected,
}

/// Default folder for received files: Documents/Kizuna/受信, or `KIZUNA_RECEIVE_DIR` (the demo
/// keeps everything it writes in its own folder).
pub fn default_receive_dir(app: &AppHandle) -> PathBuf {
    if let Some(dir) = std::env::var_os("KIZUNA_RECEIVE_DIR").filter(|d| !d.is_empty()) {
        return dir.into();
    }
    // Not every Linux desktop declares a documents folder; the home folder outlives a reboot,
    // unlike the temporary one.
    let path = app.path();
    path.document_dir()
        .or_else(|_| path.home_dir())
        .unwrap_or_else(|_| std::env::temp_dir())
        .join("Kizuna")
        .join("受信")
}

struct DesktopHost {
    app: AppHandle,
}

impl DesktopHost {
    fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }

    // `opens_inbox`: clicking the notification brings the window back on the inbox.
    fn notify(&self, title: &str, body: &str, opens_inbox: bool) {
        if !self.state().settings().notifications {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            notify_clickable(&self.app, title, body, opens_inbox);
        }
        #[cfg(not(target_os = "linux"))]
        {
            // Windows and macOS bring the app forward on a click; the focus handler then opens
            // the inbox.
            let _ = opens_inbox;
            let _ = self
                .app
                .notification()
                .builder()
                .title(title)
                .body(body)
                .show();
        }
    }
}

/// Shows a desktop notification through the freedesktop service directly: the notification
/// plugin offers no click callback on Linux. A thread waits for the click (or the close).
#[cfg(target_os = "linux")]
fn notify_clickable(app: &AppHandle, title: &str, body: &str, opens_inbox: bool) {
    let app = app.clone();
    let mut n = notify_rust::Notification::new();
    n.appname("Kizuna").summary(title).body(body);
    if opens_inbox {
        n.action("default", "受信箱を開く");
    }
    std::thread::spawn(move || match n.show() {
        Ok(handle) if opens_inbox => handle.wait_for_action(|action| {
            if action == "default" {
                app.state::<AppState>()
                    .open_inbox
                    .store(true, Ordering::SeqCst);
                crate::tray::show_window(&app);
            }
        }),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "no desktop notification"),
    });
}

impl Host for DesktopHost {
    fn receive_dir(&self) -> Option<PathBuf> {
        let s = self.state().settings();
        s.auto_receive.then(|| {
            s.receive_dir
                .unwrap_or_else(|| default_receive_dir(&self.app))
        })
    }

    fn activity(&self, activity: Activity) {
        let payload = match &activity {
            Activity::Received(files) => {
                // A refused copy of a file already received is in the history, not news.
                let files: Vec<_> = files.iter().filter(|f| !f.replayed).cloned().collect();
                if files.is_empty() {
                    return;
                }
                let unread = self.state().add_unread(files.len());
                crate::tray::show_unread(&self.app, unread);
                self.state().open_inbox.store(true, Ordering::SeqCst);
                let partners = crate::commands::partner_names(&self.app, &files);
                self.notify(
                    "新しいケアプランが届きました",
                    &format!("{} から {} 件", partners, files.len()),
                    true,
                );
                ActivityEvent::Received {
                    count: files.len(),
                    unread,
                }
            }
            Activity::SentChanged(n) => ActivityEvent::SentChanged { count: *n },
            Activity::Uploaded(n) => ActivityEvent::Uploaded { count: *n },
            Activity::CertificateEnding { days_left } => {
                self.notify(
                    "電子証明書の更新が必要です",
                    &format!(
                        "有効期限まであと {days_left} 日です。「証明書」画面から更新してください。"
                    ),
                    false,
                );
                ActivityEvent::Certificate {
                    days_left: *days_left,
                }
            }
            Activity::Trouble(e) => ActivityEvent::Trouble {
                message: careplan_client::messages::error_text(e, self.state().lang()),
            },
            Activity::Connected => ActivityEvent::Connected,
        };
        let _ = self.app.emit(ACTIVITY_EVENT, payload);
    }

    fn stopping(&self) -> bool {
        self.state().stopping.load(Ordering::SeqCst)
    }
}

/// Starts the background loop once a client is open (again after re-enrolment it keeps the
/// running one).
pub fn start(app: &AppHandle, client: Arc<careplan_client::Client>) {
    let state = app.state::<AppState>();
    if state.background.swap(true, Ordering::SeqCst) {
        return;
    }
    let host = DesktopHost { app: app.clone() };
    tauri::async_runtime::spawn(async move {
        client.run_background(&host).await;
    });
}
