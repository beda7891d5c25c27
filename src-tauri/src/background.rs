//! The background loop's host: notifications, tray and window events for what the client does.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use careplan_client::background::{Activity, Host};
use tauri::{AppHandle, Emitter, Manager};
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

/// Default folder for received files: Documents/Kizuna/受信.
pub fn default_receive_dir(app: &AppHandle) -> PathBuf {
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

    fn notify(&self, title: &str, body: &str) {
        if self.state().settings().notifications {
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
                let unread = self.state().add_unread(files.len());
                crate::tray::show_unread(&self.app, unread);
                self.state().open_inbox.store(true, Ordering::SeqCst);
                let partners = crate::commands::partner_names(&self.app, files);
                self.notify(
                    "新しいケアプランが届きました",
                    &format!("{} から {} 件", partners, files.len()),
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
