//! Joining the office as a new PC by an administrator's approval (set-up screen), and
//! approving PCs that ask (事業所の設定). The client does the work; this holds the waiting PC's
//! request between the screen's calls.

use std::time::Duration;

use careplan_client::protocol::PendingDevice;
use careplan_client::{Client, ClientError};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::commands::{EnrollArgs, StatusView};
use crate::state::{AppState, UiError};

type Res<T> = Result<T, UiError>;

/// How often a waiting PC asks whether it was approved.
const ASK_EVERY: Duration = Duration::from_secs(2);

/// What the set-up screen shows while the PC waits.
#[derive(Serialize, ts_rs::TS)]
pub struct JoiningView {
    /// The six digits the administrator compares.
    code: String,
    /// When the request lapses, unix seconds.
    expires_at: i64,
}

/// Asks to join the office without its password; the code to show.
#[tauri::command]
pub async fn ask_to_join(state: State<'_, AppState>, args: EnrollArgs) -> Res<JoiningView> {
    let passphrase = args.passphrase();
    let pairing = Client::ask_to_join(&state.profile, args.enrolment(passphrase.as_deref()))
        .await
        .map_err(|e| state.error(&e))?;
    let view = JoiningView {
        code: pairing.code().to_owned(),
        expires_at: pairing.expires_at(),
    };
    *state.joining.lock().unwrap_or_else(|p| p.into_inner()) = Some(pairing);
    Ok(view)
}

/// Waits until an administrator approves (the app opens) or refuses, or the person cancels.
#[tauri::command]
pub async fn await_approval<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Res<StatusView> {
    let pairing = state
        .joining
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .ok_or_else(|| state.error(&ClientError::RequestClosed))?;
    let cancelled = state.joining_cancelled.notified();
    let answer = tokio::select! {
        answer = pairing.wait(ASK_EVERY) => answer,
        () = cancelled => Err(ClientError::RequestClosed),
    };
    match answer {
        Ok(client) => crate::commands::enrolled(&app, state, client).await,
        Err(e) => Err(state.error(&e)),
    }
}

/// Stops waiting for approval (the request lapses at the relay by itself).
#[tauri::command]
pub fn cancel_joining(state: State<'_, AppState>) {
    state
        .joining
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    state.joining_cancelled.notify_waiters();
}

/// The office's PCs waiting for approval (administrators).
#[tauri::command]
pub async fn pending_devices(state: State<'_, AppState>) -> Res<Vec<PendingDevice>> {
    let client = state.client()?;
    client.pending_devices().await.map_err(|e| state.error(&e))
}

/// Approves or refuses a PC waiting (administrators).
#[tauri::command]
pub async fn decide_device(state: State<'_, AppState>, request: String, approve: bool) -> Res<()> {
    let client = state.client()?;
    client
        .decide_device(&request, approve)
        .await
        .map_err(|e| state.error(&e))
}
