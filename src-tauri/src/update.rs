//! Updates of the app: a manifest at a configured address names the newest version and a package
//! per platform, each signed with the release key (the Tauri updater's minisign format). A
//! package whose signature does not verify, or that was signed for another version than the
//! manifest announces (a replayed old release), is never installed.
//!
//! Where to look and which key to trust are set when the app is built (`KIZUNA_UPDATE_URL`,
//! `KIZUNA_UPDATE_PUBKEY`), or in the environment for a self-hosted channel; an empty value (the
//! demo) turns updates off, as does the office's setting.

use std::time::Duration;

use careplan_client::messages::{Notice, notice};
use careplan_csv::Lang;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, Url};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::state::{AppState, UiError};

/// Event to the window: a newer version is available (payload [`UpdateView`]).
pub const UPDATE_EVENT: &str = "kizuna://update";

/// How long a check or a download may take before it is given up.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Where updates come from.
#[derive(Debug, Clone)]
pub struct UpdateSource {
    /// The manifest's address (`https://`; `{{target}}`, `{{arch}}`, `{{current_version}}` are
    /// filled in).
    pub url: Url,
    /// The release key's public half, as `tauri signer generate` prints it.
    pub pubkey: String,
    /// A CA certificate (PEM) the update server's certificate may chain to besides the system's.
    pub ca_pem: Option<String>,
}

impl UpdateSource {
    /// From the environment, else from what the build was given; `None` when either the address
    /// or the key is missing or empty.
    pub fn from_env() -> Option<UpdateSource> {
        let pick = |name: &str, built: Option<&'static str>| {
            std::env::var(name)
                .ok()
                .or(built.map(str::to_owned))
                .filter(|v| !v.trim().is_empty())
        };
        let url = pick("KIZUNA_UPDATE_URL", option_env!("KIZUNA_UPDATE_URL"))?;
        let pubkey = pick("KIZUNA_UPDATE_PUBKEY", option_env!("KIZUNA_UPDATE_PUBKEY"))?;
        let ca_pem = pick("KIZUNA_UPDATE_CA", None).and_then(|p| std::fs::read_to_string(p).ok());
        Some(UpdateSource {
            url: url.trim().parse().ok()?,
            pubkey: pubkey.trim().to_owned(),
            ca_pem,
        })
    }
}

/// What the settings screen shows about updates.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct UpdateView {
    /// Updates are configured and the office lets the app look for them.
    pub enabled: bool,
    /// The version running.
    pub current: String,
    /// A newer version, if one is available.
    pub available: Option<String>,
    /// What the newer version changes, as its publisher wrote it.
    pub notes: Option<String>,
}

fn failure(e: &tauri_plugin_updater::Error, lang: Lang) -> UiError {
    use tauri_plugin_updater::Error as E;
    log::warn!("update: {e}");
    let unsigned = matches!(
        e,
        E::Minisign(_)
            | E::Base64(_)
            | E::SignatureUtf8(_)
            | E::SignedVersionMismatch { .. }
            | E::MissingSignedVersion
    );
    UiError {
        code: if unsigned {
            "update_unsigned"
        } else {
            "update_failed"
        },
        message: if unsigned {
            notice(Notice::UpdateUnsigned, lang)
        } else {
            notice(
                Notice::UpdateFailed {
                    reason: &e.to_string(),
                },
                lang,
            )
        },
    }
}

/// Looks for a newer version; `Ok(None)` when updates are off.
async fn find<R: Runtime>(app: &AppHandle<R>) -> Result<Option<Update>, UiError> {
    let state = app.state::<AppState>();
    let lang = state.lang();
    let Some(source) = state.update.clone() else {
        return Ok(None);
    };
    if !state.settings().check_updates {
        return Ok(None);
    }
    let mut builder = app
        .updater_builder()
        .endpoints(vec![source.url])
        .map_err(|e| failure(&e, lang))?
        .pubkey(source.pubkey)
        .timeout(TIMEOUT);
    if let Some(pem) = source.ca_pem {
        let cert = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| UiError {
            code: "update_failed",
            message: notice(
                Notice::UpdateFailed {
                    reason: &format!("KIZUNA_UPDATE_CA: {e}"),
                },
                lang,
            ),
        })?;
        builder = builder.configure_client(move |c| c.add_root_certificate(cert.clone()));
    }
    let updater = builder.build().map_err(|e| failure(&e, lang))?;
    updater.check().await.map_err(|e| failure(&e, lang))
}

/// Whether updates are on, and the newer version if there is one.
pub async fn check<R: Runtime>(app: &AppHandle<R>) -> Result<UpdateView, UiError> {
    let state = app.state::<AppState>();
    let enabled = state.update.is_some() && state.settings().check_updates;
    let update = find(app).await?;
    Ok(UpdateView {
        enabled,
        current: app.package_info().version.to_string(),
        available: update.as_ref().map(|u| u.version.clone()),
        notes: update.and_then(|u| u.body),
    })
}

/// Downloads the newer version and checks its signature; the version kept for [`install`], or
/// `None` when there is nothing newer. Nothing that fails the check is kept.
pub async fn download<R: Runtime>(app: &AppHandle<R>) -> Result<Option<String>, UiError> {
    let state = app.state::<AppState>();
    let lang = state.lang();
    let Some(update) = find(app).await? else {
        return Ok(None);
    };
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(|e| failure(&e, lang))?;
    log::info!(
        "version {} downloaded and its signature verified",
        update.version
    );
    let version = update.version.clone();
    *state.downloaded.lock().unwrap_or_else(|p| p.into_inner()) = Some((update, bytes));
    Ok(Some(version))
}

/// Installs the version [`download`] kept and starts it (on Windows the installer restarts the
/// app); `false` when none was downloaded.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> Result<bool, UiError> {
    let state = app.state::<AppState>();
    let kept = state
        .downloaded
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let Some((update, bytes)) = kept else {
        return Ok(false);
    };
    log::info!("installing version {}", update.version);
    update
        .install(bytes)
        .map_err(|e| failure(&e, state.lang()))?;
    app.restart();
}

/// A while after start, looks once for a newer version and tells the window and the log.
pub fn check_later<R: Runtime>(app: &AppHandle<R>) {
    if app.state::<AppState>().update.is_none() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Not while the office is starting its day's work with the app.
        tokio::time::sleep(Duration::from_secs(30)).await;
        match check(&app).await {
            Ok(view) if view.available.is_some() => {
                log::info!("version {:?} is available", view.available);
                let _ = app.emit(UPDATE_EVENT, view);
            }
            Ok(_) => {}
            Err(e) => log::warn!("update check: {}", e.message),
        }
    });
}
