//! The commands the window calls. Each is a thin wrapper over careplan-client.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use careplan_client::invite;
use careplan_client::keys::passphrase_from_env;
use careplan_client::messages::{Notice, notice};
use careplan_client::plan::SendPlan;
use careplan_client::protocol::Invite;
use careplan_client::settings::Settings;
use careplan_client::{
    Client, Enrolled, Enrolment, HistoryEntry, HistoryQuery, Partner, Received, SentFile,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::ManagerExt;

use crate::opening::InviteOpened;
use crate::state::{AppState, LoopHealth, UiError};
use crate::update::UpdateView;

pub(crate) type Res<T> = Result<T, UiError>;

/// Runs `f` with the open client on a thread where blocking (disk, key store) is fine.
pub(crate) async fn with_client<T, F>(state: &AppState, f: F) -> Res<T>
where
    T: Send + 'static,
    F: FnOnce(&Client) -> careplan_client::Result<T> + Send + 'static,
{
    let client = state.client()?;
    let lang = state.lang();
    tauri::async_runtime::spawn_blocking(move || f(&client))
        .await
        .map_err(|e| UiError::stopped(&e, lang))?
        .map_err(|e| UiError::from_client(&e, lang))
}

/// Who this app is and how it stands.
#[derive(Serialize, ts_rs::TS)]
pub struct StatusView {
    enrolled: bool,
    unlocked: bool,
    /// The enrolled office, its relay and certificate.
    profile: Option<Enrolled>,
    unread: usize,
    receive_dir: String,
    settings: Settings,
    /// How the background exchange is doing.
    background: LoopHealth,
    /// Prefilled set-up values (e.g. from the demo launcher).
    preset_relay: Option<String>,
    preset_fingerprint: Option<String>,
    /// The desktop end-to-end test's hooks are on (`KIZUNA_TEST_HOOKS=1`).
    test_hooks: bool,
    /// An invitation the app was opened with (file or link), for the set-up screen.
    invite: Option<InviteOpened>,
    /// The app's log file, to send to whoever helps the office.
    log_file: String,
    /// Why there is no log file, for people (the app works without it).
    log_problem: Option<String>,
    /// The version running.
    version: String,
    /// Updates are configured for this app (the office may still turn them off).
    updates_configured: bool,
    /// The member of staff signed in on this PC.
    person: Option<careplan_client::protocol::StaffMember>,
}

/// Opens the profile at start, off the main thread, when it needs no passphrase (or one is in
/// the environment); the first status waits for it.
pub fn open_at_start<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let Ok(opening) = state.opening.clone().try_lock_owned() else {
        return;
    };
    let profile = state.profile.clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let opened = tauri::async_runtime::spawn_blocking(move || {
            Enrolled::read(&profile)?;
            Client::open(&profile, passphrase_from_env().as_deref()).ok()
        })
        .await;
        if let Ok(Some(client)) = opened {
            install(&app, client);
        }
        drop(opening);
    });
}

fn install<R: Runtime>(app: &AppHandle<R>, client: Client) {
    let client = Arc::new(client);
    let state = app.state::<AppState>();
    let unread = client.unread_count().unwrap_or(0);
    state.unread.store(unread, Ordering::SeqCst);
    crate::tray::show_unread(app, unread);
    *state.client.write().unwrap_or_else(|p| p.into_inner()) = Some(client.clone());
    crate::background::start(app, client.clone());
    crate::watching::start(app, client);
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Res<StatusView> {
    // Not before the profile opened at start is open.
    drop(state.opening.lock().await);
    let profile = Enrolled::read(&state.profile);
    Ok(StatusView {
        enrolled: profile.is_some(),
        unlocked: state.current().is_some(),
        profile,
        unread: state.unread.load(Ordering::SeqCst),
        receive_dir: state.receive_dir().display().to_string(),
        settings: state.settings(),
        background: state.health(),
        preset_relay: std::env::var("KIZUNA_RELAY_URL").ok(),
        preset_fingerprint: std::env::var("KIZUNA_CA_FINGERPRINT").ok(),
        test_hooks: std::env::var("KIZUNA_TEST_HOOKS").is_ok_and(|v| v == "1"),
        invite: state.invite(),
        log_file: state.log_file.display().to_string(),
        log_problem: state.log_problem.as_ref().map(|reason| {
            notice(
                Notice::LogUnavailable {
                    file: &state.log_file.display().to_string(),
                    reason,
                },
                state.lang(),
            )
        }),
        version: state.version.clone(),
        updates_configured: state.update.is_some(),
        person: state.current().and_then(|c| c.signed_in()),
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
    /// What the office calls this PC; empty for the computer's name.
    device_name: Option<String>,
}

impl EnrollArgs {
    /// The passphrase given, or the environment's.
    pub(crate) fn passphrase(&self) -> Option<String> {
        self.passphrase
            .clone()
            .filter(|p| !p.is_empty())
            .or_else(passphrase_from_env)
    }

    /// What the client enrols with.
    pub(crate) fn enrolment<'a>(&'a self, passphrase: Option<&'a str>) -> Enrolment<'a> {
        Enrolment {
            relay_url: self.relay_url.trim(),
            ca_fingerprint: &self.ca_fingerprint,
            office: self.office.trim(),
            password: &self.password,
            totp: self.totp.as_deref().filter(|t| !t.trim().is_empty()),
            passphrase,
            proxy: self.proxy.as_deref(),
            device_name: self.device_name.as_deref().filter(|n| !n.trim().is_empty()),
        }
    }
}

#[tauri::command]
pub async fn enroll<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    args: EnrollArgs,
) -> Res<StatusView> {
    let passphrase = args.passphrase();
    let result = Client::enroll(&state.profile, args.enrolment(passphrase.as_deref())).await;
    match result {
        Ok(client) => enrolled(&app, state, client).await,
        Err(e) => Err(state.error(&e)),
    }
}

/// The profile is enrolled: its settings read again and its client put to work.
pub(crate) async fn enrolled<R: Runtime>(
    app: &AppHandle<R>,
    state: State<'_, AppState>,
    client: Client,
) -> Res<StatusView> {
    // Enrolment keeps the proxy it went through in the profile's settings.
    if let Ok(saved) = Settings::load(&state.profile) {
        *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = saved;
    }
    install(app, client);
    status(state).await
}

#[tauri::command]
pub async fn unlock<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    passphrase: String,
) -> Res<StatusView> {
    let profile = state.profile.clone();
    let opened =
        tauri::async_runtime::spawn_blocking(move || Client::open(&profile, Some(&passphrase)))
            .await
            .map_err(|e| UiError::stopped(&e, state.lang()))?;
    match opened {
        Ok(client) => {
            install(&app, client);
            status(state).await
        }
        Err(e) => Err(state.error(&e)),
    }
}

/// The invitation in a `.kizuna` file the person chose on the set-up screen.
#[tauri::command]
pub async fn read_invite(state: State<'_, AppState>, path: String) -> Res<Invite> {
    let lang = state.lang();
    tauri::async_runtime::spawn_blocking(move || invite::read_file(std::path::Path::new(&path)))
        .await
        .map_err(|e| UiError::stopped(&e, lang))?
        .map_err(|e| UiError::from_client(&e, lang))
}

fn paths(list: Vec<String>) -> Vec<PathBuf> {
    list.into_iter().map(PathBuf::from).collect()
}

#[tauri::command]
pub async fn plan_send(state: State<'_, AppState>, files: Vec<String>) -> Res<SendPlan> {
    let client = state.client()?;
    client
        .plan(&paths(files), state.lang())
        .await
        .map_err(|e| state.error(&e))
}

/// Sends `files` (validated, queued, uploaded) and answers how each of them went; with
/// `again`, also files that went to the same partner before with the same content.
#[tauri::command]
pub async fn send(
    state: State<'_, AppState>,
    files: Vec<String>,
    again: bool,
) -> Res<Vec<SentFile>> {
    let client = state.client()?;
    let lang = state.lang();
    let files = paths(files);
    let uploads = client
        .send_files(&files, again)
        .await
        .map_err(|e| state.error(&e))?;
    // Queued files are kept sealed in the outbox: the export folder's copies can move away.
    crate::watching::sent_by_hand(&state, &client, &files).map_err(|e| state.error(&e))?;
    Ok(uploads.iter().map(|u| u.view(lang)).collect())
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
    let q = query(filter);
    with_client(&state, move |c| c.history(&q)).await
}

/// The inbox showed these received files: they are read. Answers how many are still unread.
#[tauri::command]
pub async fn mark_read<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    ids: Vec<i64>,
) -> Res<usize> {
    let unread = with_client(&state, move |c| c.mark_read(&ids)).await?;
    // The person has the inbox in front of them: a later focus must not take them there again
    // (a flag left from an arrival would otherwise pull them away from whatever they do next).
    state.open_inbox.store(false, Ordering::SeqCst);
    state.unread.store(unread, Ordering::SeqCst);
    crate::tray::show_unread(&app, unread);
    Ok(unread)
}

#[tauri::command]
pub async fn export_history(
    state: State<'_, AppState>,
    filter: HistoryArgs,
    path: String,
) -> Res<usize> {
    let mut q = query(filter);
    q.limit = 0;
    with_client(&state, move |c| {
        c.export_history(&q, std::path::Path::new(&path))
    })
    .await
}

#[tauri::command]
pub async fn partners_search(state: State<'_, AppState>, text: String) -> Res<Vec<Partner>> {
    let client = state.client()?;
    client
        .search_partners(&text)
        .await
        .map_err(|e| state.error(&e))
}

#[tauri::command]
pub async fn favourites(state: State<'_, AppState>) -> Res<Vec<Partner>> {
    let client = state.client()?;
    let mut partners = with_client(&state, |c| c.favourites()).await?;
    for p in &mut partners {
        p.connected = client.is_connected(&p.number).await;
    }
    Ok(partners)
}

#[tauri::command]
pub async fn set_favourite(state: State<'_, AppState>, number: String, favourite: bool) -> Res<()> {
    with_client(&state, move |c| c.set_favourite(&number, favourite)).await
}

#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Res<Settings> {
    let settings = settings.normalised();
    settings.check_proxy().map_err(|e| state.error(&e))?;
    let before = state.settings();
    settings.save(&state.profile).map_err(|e| state.error(&e))?;
    *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings.clone();
    if let (true, Some(client)) = (settings.proxy != before.proxy, state.current()) {
        client.reconnect().map_err(|e| state.error(&e))?;
    }
    if settings.language != before.language {
        crate::tray::relabel(&app);
    }
    let autostart = app.autolaunch();
    let changed = if settings.start_at_login {
        autostart.enable()
    } else {
        autostart.disable()
    };
    if let Err(e) = changed {
        let reason = e.to_string();
        return Err(UiError {
            code: "autostart",
            message: notice(Notice::AutostartFailed { reason: &reason }, state.lang()),
        });
    }
    Ok(settings)
}

/// Renews the office certificate with the one in use (no password); answers the new status.
#[tauri::command]
pub async fn renew_certificate(state: State<'_, AppState>) -> Res<StatusView> {
    let client = state.client()?;
    client
        .renew_certificate()
        .await
        .map_err(|e| state.error(&e))?;
    status(state).await
}

/// Sets this PC's relay addresses (comma-separated, the first tried first); answers the status
/// with them.
#[tauri::command]
pub async fn set_relay_addresses(state: State<'_, AppState>, addresses: String) -> Res<StatusView> {
    let client = state.client()?;
    client
        .set_relay_addresses(&addresses)
        .map_err(|e| state.error(&e))?;
    status(state).await
}

/// Saves a received file again from its kept copy into `folder`, or the receive folder when
/// none is chosen; answers where it now is.
#[tauri::command]
pub async fn save_again(
    state: State<'_, AppState>,
    id: i64,
    folder: Option<String>,
) -> Res<String> {
    let dir = folder
        .map(PathBuf::from)
        .unwrap_or_else(|| state.receive_dir());
    let path = with_client(&state, move |c| c.save_again(id, &dir)).await?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn open_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    path: String,
) -> Res<()> {
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_path(&path, None::<&str>)
        .map_err(|e| UiError::cannot_open(std::path::Path::new(&path), &e, state.lang()))
}

/// Shows the log file in the system's file manager.
#[tauri::command]
pub async fn open_log_folder<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Res<()> {
    use tauri_plugin_opener::OpenerExt;
    let file = state.log_file.clone();
    let shown = if file.exists() {
        app.opener().reveal_item_in_dir(&file)
    } else {
        app.opener().open_path(
            file.parent().unwrap_or(&file).display().to_string(),
            None::<&str>,
        )
    };
    shown.map_err(|e| UiError::cannot_open(&file, &e, state.lang()))
}

/// Whether updates are on and whether a newer version is available.
#[tauri::command]
pub async fn check_update<R: Runtime>(app: AppHandle<R>) -> Res<UpdateView> {
    crate::update::check(&app).await
}

/// Downloads the newer version and checks its signature; the version ready to install, or
/// `None` when there is nothing newer.
#[tauri::command]
pub async fn download_update<R: Runtime>(app: AppHandle<R>) -> Res<Option<String>> {
    crate::update::download(&app).await
}

/// Installs the downloaded version and restarts; `false` when none was downloaded.
#[tauri::command]
pub async fn install_update<R: Runtime>(app: AppHandle<R>) -> Res<bool> {
    let installer = app.clone();
    let lang = app.state::<AppState>().lang();
    tauri::async_runtime::spawn_blocking(move || crate::update::install(&installer))
        .await
        .map_err(|e| UiError::stopped(&e, lang))?
}

/// Names of the offices (and people) that sent `files`, for the notification.
pub fn partner_names<R: Runtime>(app: &AppHandle<R>, files: &[Received]) -> String {
    let state = app.state::<AppState>();
    let client = state.current();
    careplan_client::messages::senders(
        files,
        |number| client.as_ref().and_then(|c| c.partner_name(number)),
        state.lang(),
    )
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
