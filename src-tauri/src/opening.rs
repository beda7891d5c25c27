//! What the app is asked to open: an invitation file (`.kizuna`, double-clicked) or a
//! `kizuna://enrol?…` link. They come as program arguments (Windows, Linux), as the arguments of
//! a second start handed to the running app (single instance), or as the system's open event
//! (macOS). The invitation only fills in the set-up screen; the person still checks it and types
//! the password.

use careplan_client::protocol::Invite;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::{AppState, UiError};

/// Event to the window: an invitation was opened (payload [`InviteOpened`]).
pub const INVITE_EVENT: &str = "kizuna://invite";

/// An invitation the app was asked to open, or why it could not be used.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct InviteOpened {
    /// What it says.
    pub invite: Option<Invite>,
    /// Why it cannot be used.
    pub problem: Option<UiError>,
}

/// Looks through `args` for an invitation (the last one counts), keeps it for the set-up screen
/// and tells the window; `false` when there was none.
pub fn open_arguments<R: Runtime>(
    app: &AppHandle<R>,
    args: impl IntoIterator<Item = String>,
) -> bool {
    let Some(found) = args
        .into_iter()
        .filter_map(|a| careplan_client::invite::from_argument(&a))
        .last()
    else {
        return false;
    };
    let state = app.state::<AppState>();
    let opened = match found {
        Ok(invite) => InviteOpened {
            invite: Some(invite),
            problem: None,
        },
        Err(e) => {
            log::warn!("an invitation could not be used: {e}");
            InviteOpened {
                invite: None,
                problem: Some(state.error(&e)),
            }
        }
    };
    *state.invite.lock().unwrap_or_else(|p| p.into_inner()) = Some(opened.clone());
    let _ = app.emit(INVITE_EVENT, opened);
    true
}
