//! The care software's export folder, watched while the app runs (window closed too): ready
//! units are sent (自動送信) or offered on the send screen with a notification (確認してから送信).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use careplan_client::Client;
use careplan_client::watch::{FolderEvent, FolderHost, Handled, WatchSetup, WatchedUnit};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use crate::background::{ACTIVITY_EVENT, ActivityEvent};
use crate::state::AppState;

/// A unit of the watched folder waiting for a person, as the send screen lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WaitingUnit {
    /// Its files (full paths), for checking and sending as if dropped.
    pub files: Vec<String>,
    /// Checked without errors: it can be sent.
    pub ready: bool,
    /// What the notification said.
    pub message: String,
}

/// The units of the watched folder waiting for a person.
pub type Waiting = std::sync::Mutex<Vec<WaitingUnit>>;

struct DesktopFolder<R: Runtime> {
    app: AppHandle<R>,
    client: Arc<Client>,
}

impl<R: Runtime> FolderHost for DesktopFolder<R> {
    fn folder(&self) -> Option<WatchSetup> {
        let settings = self.app.state::<AppState>().settings();
        settings.watch_dir.map(|dir| WatchSetup {
            dir,
            mode: settings.watch_mode,
            move_sent: settings.move_sent,
        })
    }

    fn report(&self, event: FolderEvent) {
        let state = self.app.state::<AppState>();
        let lang = state.lang();
        let name_of = |number: &str| {
            self.client
                .partner_name(number)
                .unwrap_or_else(|| number.to_owned())
        };
        let told = careplan_client::messages::folder_notice(&event, &name_of, lang);
        if let FolderEvent::Handled { unit, outcome } = &event {
            let waiting = match outcome {
                Handled::Ready => Some(true),
                Handled::Invalid(_) | Handled::Incomplete(_) => Some(false),
                Handled::Sent(_) | Handled::AlreadySent => None,
            };
            let mut list = state.waiting.lock().unwrap_or_else(|p| p.into_inner());
            let files = paths_of(unit);
            list.retain(|w| w.files != files);
            if let Some(ready) = waiting {
                list.push(WaitingUnit {
                    files,
                    ready,
                    message: told.as_ref().map(|t| t.1.clone()).unwrap_or_default(),
                });
            }
        }
        let Some((title, body)) = told else { return };
        let opens_send = matches!(
            &event,
            FolderEvent::Handled {
                outcome: Handled::Ready | Handled::Invalid(_) | Handled::Incomplete(_),
                ..
            }
        );
        crate::background::notify(&self.app, &title, &body, opens_send.then_some("send"));
        let payload = ActivityEvent::Folder {
            title,
            message: body,
            waiting: opens_send,
        };
        let _ = self.app.emit(ACTIVITY_EVENT, payload);
    }

    fn stopping(&self) -> bool {
        self.app.state::<AppState>().stopping.load(Ordering::SeqCst)
    }
}

fn paths_of(unit: &WatchedUnit) -> Vec<String> {
    unit.files.iter().map(|p| p.display().to_string()).collect()
}

/// Starts watching the export folder the settings name (now or later) for `client`, once.
pub fn start<R: Runtime>(app: &AppHandle<R>, client: Arc<Client>) {
    if app
        .state::<AppState>()
        .folder_loop
        .swap(true, Ordering::SeqCst)
    {
        return;
    }
    let host_app = app.clone();
    crate::background::supervise_quietly(move || {
        let host = DesktopFolder {
            app: host_app.clone(),
            client: client.clone(),
        };
        async move { host.client.clone().watch_folder(&host).await }
    });
}

/// The units of the watched folder that wait for a person (ready, or with what is wrong).
#[tauri::command]
pub fn waiting_units(state: State<'_, AppState>) -> Vec<WaitingUnit> {
    state
        .waiting
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// After a person sent `files`: those from the watched folder leave its waiting list and, as
/// the settings say, move into 送信済み.
pub fn sent_by_hand(
    state: &AppState,
    client: &Client,
    files: &[PathBuf],
) -> careplan_client::Result<()> {
    let settings = state.settings();
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    state
        .waiting
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|w| !w.files.iter().all(|f| names.contains(f)));
    match settings.watch_dir {
        Some(dir) if settings.move_sent => client.put_away_sent(&dir, files),
        _ => Ok(()),
    }
}
