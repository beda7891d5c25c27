//! The commands the window calls. Each is a thin wrapper over careplan-client.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use careplan_client::plan::SendPlan;
use careplan_client::settings::Settings;
use careplan_client::{Client, Enrolment, HistoryEntry, HistoryQuery, Partner, Received};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_autostart::ManagerExt;

use crate::state::{AppState, UiError};

type Res<T> = Result<T, UiError>;

/// Who this app is and how it stands.
#[derive(Serialize, ts_rs::TS)]
pub struct StatusView {
    enrolled: bool,
    unlocked: bool,
    office: Option<String>,
    office_name: Option<String>,
    office_kind: Option<String>,
    relay_url: Option<String>,
    cert_serial: Option<String>,
    cert_not_after: Option<i64>,
    cert_days_left: Option<i64>,
    needs_passphrase: bool,
    unread: usize,
    receive_dir: String,
    settings: Settings,
    /// Prefilled set-up values (e.g. from the demo launcher).
    preset_relay: Option<String>,
    preset_fingerprint: Option<String>,
    /// The desktop end-to-end test's hooks are on (`KIZUNA_TEST_HOOKS=1`).
    test_hooks: bool,
}

fn passphrase_env() -> Option<String> {
    std::env::var("KIZUNA_KEY_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
}

/// Opens the profile at start when it needs no passphrase (or one is in the environment).
pub fn open_at_start(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(config) = careplan_client::profile::ProfileConfig::load(&state.profile) else {
        return;
    };
    let pass = passphrase_env();
    if matches!(
        config.protection,
        careplan_client::keys::Protection::Passphrase
    ) && pass.is_none()
    {
        return;
    }
    if let Ok(client) = Client::open(&state.profile, pass.as_deref()) {
        install(app, client);
    }
}

fn install(app: &AppHandle, client: Client) {
    let client = Arc::new(client);
    let state = app.state::<AppState>();
    let unread = client.unread_count().unwrap_or(0);
    state.unread.store(unread, Ordering::SeqCst);
    crate::tray::show_unread(app, unread);
    *state.client.write().unwrap_or_else(|p| p.into_inner()) = Some(client.clone());
    crate::background::start(app, client);
}

#[tauri::command]
pub async fn status(app: AppHandle, state: State<'_, AppState>) -> Res<StatusView> {
    let client = state.current();
    let config = careplan_client::profile::ProfileConfig::load(&state.profile).ok();
    let settings = state.settings();
    let receive_dir = settings
        .receive_dir
        .clone()
        .unwrap_or_else(|| crate::background::default_receive_dir(&app));
    Ok(StatusView {
        enrolled: config.is_some(),
        unlocked: client.is_some(),
        office: config.as_ref().map(|c| c.office.clone()),
        office_name: config.as_ref().map(|c| c.office_name.clone()),
        office_kind: config.as_ref().map(|c| c.office_kind.clone()),
        relay_url: config.as_ref().map(|c| c.relay_url.clone()),
        cert_serial: config.as_ref().map(|c| c.cert_serial.clone()),
        cert_not_after: config.as_ref().map(|c| c.cert_not_after),
        cert_days_left: client.as_ref().map(|c| c.certificate_days_left()),
        needs_passphrase: config
            .as_ref()
            .is_some_and(|c| matches!(c.protection, careplan_client::keys::Protection::Passphrase)),
        unread: state.unread.load(Ordering::SeqCst),
        receive_dir: receive_dir.display().to_string(),
        settings,
        preset_relay: std::env::var("KIZUNA_RELAY_URL").ok(),
        preset_fingerprint: std::env::var("KIZUNA_CA_FINGERPRINT").ok(),
        test_hooks: std::env::var("KIZUNA_TEST_HOOKS").is_ok_and(|v| v == "1"),
    })
}

/// What the set-up screen sends.
#[derive(Deserialize, ts_rs::TS)]
pub struct EnrollArgs {
    relay_url: String,
    ca_fingerprint: String,
    office: String,
    password: String,
    totp: Option<String>,
    passphrase: Option<String>,
    proxy: Option<String>,
}

#[tauri::command]
pub async fn enroll(
    app: AppHandle,
    state: State<'_, AppState>,
    args: EnrollArgs,
) -> Res<StatusView> {
    let passphrase = args
        .passphrase
        .filter(|p| !p.is_empty())
        .or_else(passphrase_env);
    let result = Client::enroll(
        &state.profile,
        Enrolment {
            relay_url: args.relay_url.trim(),
            ca_fingerprint: &args.ca_fingerprint,
            office: args.office.trim(),
            password: &args.password,
            totp: args.totp.as_deref().filter(|t| !t.trim().is_empty()),
            passphrase: passphrase.as_deref(),
            proxy: args.proxy.as_deref(),
        },
    )
    .await;
    match result {
        Ok(client) => {
            // Enrolment keeps the proxy it went through in the profile's settings.
            if let Ok(saved) = Settings::load(&state.profile) {
                *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = saved;
            }
            install(&app, client);
            status(app.clone(), state).await
        }
        Err(e) => Err(state.error(&e)),
    }
}

#[tauri::command]
pub async fn unlock(
    app: AppHandle,
    state: State<'_, AppState>,
    passphrase: String,
) -> Res<StatusView> {
    match Client::open(&state.profile, Some(&passphrase)) {
        Ok(client) => {
            install(&app, client);
            status(app.clone(), state).await
        }
        Err(e) => Err(state.error(&e)),
    }
}

/// Set-up values from an enrolment file handed out by the relay's administrator.
#[derive(Serialize, Deserialize, ts_rs::TS)]
pub struct EnrolmentFile {
    relay_url: String,
    ca_fingerprint: String,
    #[serde(default)]
    office: Option<String>,
}

#[tauri::command]
pub async fn read_enrolment_file(path: String) -> Res<EnrolmentFile> {
    let bytes = std::fs::read(&path).map_err(|e| UiError::other(format!("{path}: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|_| {
        UiError::other("登録用ファイルの形式が正しくありません。管理者から受け取ったファイルか確認してください。")
    })
}

fn paths(list: Vec<String>) -> Vec<PathBuf> {
    list.into_iter().map(PathBuf::from).collect()
}

#[tauri::command]
pub async fn plan_send(state: State<'_, AppState>, files: Vec<String>) -> Res<SendPlan> {
    let client = state.client().await?;
    client
        .plan(&paths(files), state.lang())
        .await
        .map_err(|e| state.error(&e))
}

/// How sending one file ended.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SentOutcome {
    /// The relay accepted it.
    Sent,
    /// Queued: the recipient has not enrolled yet (or is disabled); it goes once they can receive.
    WaitingForPartner,
    /// Queued: the relay could not be reached; it goes when the connection is back.
    WaitingForConnection,
    /// Refused; the message says why.
    Failed,
}

/// The result of sending one file.
#[derive(Serialize, ts_rs::TS)]
pub struct SentView {
    file_name: String,
    recipient: String,
    outcome: SentOutcome,
    message: Option<String>,
}

/// Sends `files` (validated, queued, uploaded) and answers how each of them went; with
/// `again`, also files that went to the same partner before with the same content.
#[tauri::command]
pub async fn send(
    state: State<'_, AppState>,
    files: Vec<String>,
    again: bool,
) -> Res<Vec<SentView>> {
    let client = state.client().await?;
    let ids = client
        .queue(&paths(files), again)
        .map_err(|e| state.error(&e))?;
    let uploads = client
        .send_queued(&ids)
        .await
        .map_err(|e| state.error(&e))?;
    let lang = state.lang();
    Ok(uploads
        .into_iter()
        .map(|u| {
            let outcome = match &u.result {
                Ok(()) => SentOutcome::Sent,
                Err(e) if e.waits_for_recipient() => SentOutcome::WaitingForPartner,
                Err(e) if e.is_transient() => SentOutcome::WaitingForConnection,
                Err(_) => SentOutcome::Failed,
            };
            SentView {
                outcome,
                message: u
                    .result
                    .as_ref()
                    .err()
                    .map(|e| careplan_client::messages::error_text(e, lang)),
                file_name: u.file_name,
                recipient: u.recipient,
            }
        })
        .collect())
}

/// Filters from the history screen.
#[derive(Deserialize, Default, ts_rs::TS)]
pub struct HistoryArgs {
    direction: Option<String>,
    partner: Option<String>,
    month: Option<String>,
    kind: Option<String>,
    state: Option<String>,
    text: Option<String>,
}

fn query(a: HistoryArgs) -> HistoryQuery {
    HistoryQuery {
        direction: a.direction,
        partner: a.partner,
        month: a.month,
        kind: a.kind,
        state: a.state,
        text: a.text,
        limit: 500,
    }
}

#[tauri::command]
pub async fn history(state: State<'_, AppState>, filter: HistoryArgs) -> Res<Vec<HistoryEntry>> {
    let client = state.client().await?;
    client.history(&query(filter)).map_err(|e| state.error(&e))
}

#[tauri::command]
pub async fn mark_read(app: AppHandle, state: State<'_, AppState>) -> Res<()> {
    let client = state.client().await?;
    client.mark_all_read().map_err(|e| state.error(&e))?;
    state.unread.store(0, Ordering::SeqCst);
    crate::tray::show_unread(&app, 0);
    Ok(())
}

#[tauri::command]
pub async fn export_history(
    state: State<'_, AppState>,
    filter: HistoryArgs,
    path: String,
) -> Res<usize> {
    let client = state.client().await?;
    let mut q = query(filter);
    q.limit = 0;
    let entries = client.history(&q).map_err(|e| state.error(&e))?;
    std::fs::write(&path, careplan_client::export::history_csv(&entries))
        .map_err(|e| UiError::other(format!("{path}: {e}")))?;
    Ok(entries.len())
}

#[tauri::command]
pub async fn partners_search(state: State<'_, AppState>, text: String) -> Res<Vec<Partner>> {
    let client = state.client().await?;
    client
        .search_partners(&text)
        .await
        .map_err(|e| state.error(&e))
}

#[tauri::command]
pub async fn favourites(state: State<'_, AppState>) -> Res<Vec<Partner>> {
    let client = state.client().await?;
    client.favourites().map_err(|e| state.error(&e))
}

#[tauri::command]
pub async fn set_favourite(state: State<'_, AppState>, number: String, favourite: bool) -> Res<()> {
    let client = state.client().await?;
    client
        .set_favourite(&number, favourite)
        .map_err(|e| state.error(&e))
}

#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> Res<Settings> {
    settings.check_proxy().map_err(|e| state.error(&e))?;
    let proxy_changed = settings.proxy != state.settings().proxy;
    settings.save(&state.profile).map_err(|e| state.error(&e))?;
    if let (true, Some(client)) = (proxy_changed, state.current()) {
        client.reconnect().map_err(|e| state.error(&e))?;
    }
    let autostart = app.autolaunch();
    let _ = if settings.start_at_login {
        autostart.enable()
    } else {
        autostart.disable()
    };
    *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings.clone();
    Ok(settings)
}

/// Renews the office certificate with the one in use (no password); answers the new status.
#[tauri::command]
pub async fn renew_certificate(app: AppHandle, state: State<'_, AppState>) -> Res<StatusView> {
    let client = state.client().await?;
    client
        .renew_certificate()
        .await
        .map_err(|e| state.error(&e))?;
    status(app.clone(), state).await
}

/// Saves a received file again from its kept copy into `folder`, or the receive folder when
/// none is chosen; answers where it now is.
#[tauri::command]
pub async fn save_again(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    folder: Option<String>,
) -> Res<String> {
    let client = state.client().await?;
    let dir = folder.map(PathBuf::from).unwrap_or_else(|| {
        state
            .settings()
            .receive_dir
            .unwrap_or_else(|| crate::background::default_receive_dir(&app))
    });
    let path = tauri::async_runtime::spawn_blocking(move || client.save_again(id, &dir))
        .await
        .map_err(|e| UiError::other(e.to_string()))?
        .map_err(|e| state.error(&e))?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn open_folder(app: AppHandle, path: String) -> Res<()> {
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_path(&path, None::<&str>)
        .map_err(|e| UiError::other(e.to_string()))
}

/// Names of the offices that sent `files`, for the notification.
pub fn partner_names(app: &AppHandle, files: &[Received]) -> String {
    let state = app.state::<AppState>();
    let client = state.current();
    let mut names: Vec<String> = Vec::new();
    for f in files {
        let name = client
            .as_ref()
            .and_then(|c| c.partner_name(&f.sender))
            .unwrap_or_else(|| f.sender.clone());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join("、")
}

/// The window has drawn its first screen: with `KIZUNA_STARTUP_PROBE=1` the time since the process
/// started is printed (docs/benchmarks.md measures cold start with it).
#[tauri::command]
pub fn first_screen(state: State<'_, AppState>) {
    if std::env::var("KIZUNA_STARTUP_PROBE").is_ok_and(|v| v == "1") {
        eprintln!(
            "first screen after {} ms",
            state.started.elapsed().as_millis()
        );
    }
}
