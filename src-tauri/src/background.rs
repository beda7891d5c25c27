//! The background loop's host: notifications, tray and window events for what the client does.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use careplan_client::background::{Activity, Host};
use careplan_client::messages::{Notice, notice};
use tauri::{AppHandle, Emitter, Manager, Runtime};
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
    /// Devices of the office saved received files: the inbox shows where and by whom.
    OfficeSaved,
    /// The watched export folder sent a unit, or has one waiting for a person (ready or wrong).
    Folder {
        /// The notification's title.
        title: String,
        /// What happened and what to do.
        message: String,
        /// A unit waits on the send screen.
        waiting: bool,
    },
}

/// Documents/Kizuna/受信: where received files go unless chosen otherwise.
pub fn documents_receive_dir<R: Runtime>(app: &AppHandle<R>) -> PathBuf {
    // Not every Linux desktop declares a documents folder; the home folder outlives a reboot,
    // unlike the temporary one.
    let path = app.path();
    path.document_dir()
        .or_else(|_| path.home_dir())
        .unwrap_or_else(|_| std::env::temp_dir())
        .join("Kizuna")
        .join("受信")
}

struct DesktopHost<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> DesktopHost<R> {
    fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }
}

/// Shows a desktop notification unless the settings turned them off; a click brings the window
/// back on the screen `opens` names ("inbox", "send"), where the platform tells of clicks.
pub fn notify<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    body: &str,
    opens: Option<&'static str>,
) {
    if !app.state::<AppState>().settings().notifications {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        notify_clickable(app, title, body, opens);
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Windows and macOS bring the app forward on a click; the focus handler then opens
        // the inbox.
        let _ = opens;
        let _ = app.notification().builder().title(title).body(body).show();
    }
}

/// Shows a desktop notification through the freedesktop service directly: the notification
/// plugin offers no click callback on Linux. A thread waits for the click (or the close).
#[cfg(target_os = "linux")]
fn notify_clickable<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    body: &str,
    opens: Option<&'static str>,
) {
    let app = app.clone();
    let mut n = notify_rust::Notification::new();
    n.appname("Kizuna").summary(title).body(body);
    if opens.is_some() {
        let lang = app.state::<AppState>().lang();
        let label = match opens {
            Some("inbox") => notice(Notice::OpenInbox, lang),
            _ => notice(Notice::Open, lang),
        };
        n.action("default", &label);
    }
    std::thread::spawn(move || match n.show() {
        Ok(handle) if opens.is_some() => handle.wait_for_action(|action| {
            if action != "default" {
                return;
            }
            if opens == Some("inbox") {
                app.state::<AppState>()
                    .open_inbox
                    .store(true, Ordering::SeqCst);
            }
            crate::tray::show_window(&app);
            if let Some(screen) = opens.filter(|s| *s != "inbox") {
                let _ = app.emit(NAVIGATE_EVENT, screen);
            }
        }),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "no desktop notification"),
    });
}

impl<R: Runtime> Host for DesktopHost<R> {
    fn import_dir(&self) -> Option<PathBuf> {
        let state = self.state();
        state.settings().save_arrivals.then(|| state.receive_dir())
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
                // Someone not looking at the window (hidden in the tray, minimised, behind other
                // windows) gets the inbox when they come back, as a click on the notification does
                // where it has no callback; someone working in it keeps their screen.
                let looking = self.app.get_webview_window("main").is_some_and(|w| {
                    w.is_visible().unwrap_or(false)
                        && !w.is_minimized().unwrap_or(false)
                        && w.is_focused().unwrap_or(false)
                });
                if !looking {
                    self.state().open_inbox.store(true, Ordering::SeqCst);
                }
                let partners = crate::commands::partner_names(&self.app, &files);
                let lang = self.state().lang();
                notify(
                    &self.app,
                    &notice(Notice::ArrivedTitle, lang),
                    &notice(
                        Notice::Arrived {
                            from: &partners,
                            count: files.len(),
                            kept: files.iter().all(|f| f.kept),
                        },
                        lang,
                    ),
                    Some("inbox"),
                );
                ActivityEvent::Received {
                    count: files.len(),
                    unread,
                }
            }
            Activity::OfficeSaved => ActivityEvent::OfficeSaved,
            Activity::SentChanged(n) => ActivityEvent::SentChanged { count: *n },
            Activity::Uploaded(n) => ActivityEvent::Uploaded { count: *n },
            Activity::CertificateEnding { days_left } => {
                let lang = self.state().lang();
                notify(
                    &self.app,
                    &notice(Notice::CertificateTitle, lang),
                    &notice(
                        Notice::CertificateEnding {
                            days_left: *days_left,
                        },
                        lang,
                    ),
                    None,
                );
                ActivityEvent::Certificate {
                    days_left: *days_left,
                }
            }
            Activity::Trouble(e) => ActivityEvent::Trouble {
                message: careplan_client::messages::error_text(e, self.state().lang()),
            },
            Activity::Connected => {
                crate::tray::show_trouble(&self.app, None);
                ActivityEvent::Connected
            }
        };
        let _ = self.app.emit(ACTIVITY_EVENT, payload);
    }

    fn stopping(&self) -> bool {
        self.state().stopping.load(Ordering::SeqCst)
    }
}

/// Starts the background exchange once a client is open (after re-enrolment it keeps the
/// running one). It is supervised: should it ever stop unexpectedly it starts again after a
/// pause that grows, and the failure shows in the tray and the status view.
pub fn start<R: Runtime>(app: &AppHandle<R>, client: Arc<careplan_client::Client>) {
    let state = app.state::<AppState>();
    if state.background.swap(true, Ordering::SeqCst) {
        return;
    }
    let host_app = app.clone();
    supervise(app.clone(), move || {
        let client = client.clone();
        let host = DesktopHost {
            app: host_app.clone(),
        };
        async move { client.watch(&host).await }
    });
}

/// Runs the loop `run` makes again after a pause whenever it fails (panics), until it ends by
/// itself, without the main loop's health reporting (the export folder's loop).
pub fn supervise_quietly<F, Fut>(run: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tauri::async_runtime::spawn(async move {
        let mut pause = FIRST_RESTART_PAUSE;
        while let Err(e) = tauri::async_runtime::spawn(run()).await {
            tracing::error!(error = %e, "a background loop stopped; starting it again");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_RESTART_PAUSE);
        }
    });
}

/// First pause before the loop is started again; it doubles up to [`MAX_RESTART_PAUSE`].
const FIRST_RESTART_PAUSE: Duration = Duration::from_secs(1);
const MAX_RESTART_PAUSE: Duration = Duration::from_secs(300);

/// Runs the loop `run` makes, again and again while it fails (panics), until it ends by itself
/// (the app quits).
pub fn supervise<R, F, Fut>(app: AppHandle<R>, run: F)
where
    R: Runtime,
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tauri::async_runtime::spawn(async move {
        let mut pause = FIRST_RESTART_PAUSE;
        loop {
            app.state::<AppState>().set_health(|h| h.running = true);
            let ended = tauri::async_runtime::spawn(run()).await;
            let state = app.state::<AppState>();
            let failure = match ended {
                Ok(()) => {
                    state.set_health(|h| h.running = false);
                    return;
                }
                Err(e) => e.to_string(),
            };
            tracing::error!(error = %failure, "background exchange stopped; starting it again");
            let message = notice(Notice::LoopStopped, state.lang());
            state.set_health(|h| {
                h.running = false;
                h.restarts += 1;
                h.last_failure = Some(failure);
            });
            crate::tray::show_trouble(&app, Some(&message));
            let _ = app.emit(ACTIVITY_EVENT, ActivityEvent::Trouble { message });
            if state.stopping.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_RESTART_PAUSE);
        }
    });
}
