//! What the shell keeps while it runs: the profile folder, the opened client, the settings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use careplan_client::messages::{Notice, notice};
use careplan_client::settings::Settings;
use careplan_client::{Client, ClientError};
use careplan_csv::Lang;
use serde::Serialize;

use crate::opening::InviteOpened;
use crate::update::UpdateSource;

/// Shared by commands, the tray and the background loop.
pub struct AppState {
    /// The office's profile folder.
    pub profile: PathBuf,
    /// The opened client, once enrolled and unlocked.
    pub client: std::sync::RwLock<Option<Arc<Client>>>,
    /// Desktop settings (kept in the profile folder).
    pub settings: Mutex<Settings>,
    /// Received files not yet looked at.
    pub unread: AtomicUsize,
    /// The inbox should open when the window is next shown (a notification was raised).
    pub open_inbox: AtomicBool,
    /// Set when the app quits: the background loop ends.
    pub stopping: Arc<AtomicBool>,
    /// Whether the background loop runs.
    pub background: AtomicBool,
    /// When the process started, for the start-up measurement.
    pub started: std::time::Instant,
    /// Where received files go when the settings name no folder.
    pub default_receive_dir: PathBuf,
    /// How the background exchange is doing.
    pub health: Mutex<LoopHealth>,
    /// Held while the profile is opened at start, so the first status waits for it.
    pub opening: Arc<tokio::sync::Mutex<()>>,
    /// The invitation last opened (file or link), for the set-up screen.
    pub invite: Mutex<Option<InviteOpened>>,
    /// Where updates come from; `None`: no updates.
    pub update: Option<UpdateSource>,
    /// The log file.
    pub log_file: PathBuf,
    /// Why the log file could not be written, if it could not.
    pub log_problem: Option<String>,
    /// The version running.
    pub version: String,
    /// This PC's request to join its office, while it waits for an administrator.
    pub joining: Mutex<Option<careplan_client::Pairing>>,
    /// Told when the person stops waiting for approval.
    pub joining_cancelled: tokio::sync::Notify,
    /// A newer version, downloaded and its signature verified, waiting to be installed.
    pub downloaded: Mutex<Option<(tauri_plugin_updater::Update, Vec<u8>)>>,
    /// The files the viewer opened last.
    pub forms: crate::forms::OpenForms,
    /// Units of the watched export folder waiting for a person.
    pub waiting: crate::watching::Waiting,
    /// Whether the export folder's loop runs.
    pub folder_loop: AtomicBool,
}

/// The background exchange as the status view and the tray show it.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct LoopHealth {
    /// The loop runs.
    pub running: bool,
    /// Times it stopped unexpectedly and was started again.
    pub restarts: u32,
    /// What stopped it last, for people.
    pub last_failure: Option<String>,
}

impl AppState {
    /// The state of a shell over the profile in `profile`.
    pub fn new(
        profile: PathBuf,
        default_receive_dir: PathBuf,
        started: std::time::Instant,
    ) -> AppState {
        let settings = Settings::load(&profile).unwrap_or_default();
        AppState {
            profile,
            client: std::sync::RwLock::new(None),
            settings: Mutex::new(settings),
            unread: AtomicUsize::new(0),
            open_inbox: AtomicBool::new(false),
            stopping: Arc::new(AtomicBool::new(false)),
            background: AtomicBool::new(false),
            started,
            default_receive_dir,
            health: Mutex::new(LoopHealth::default()),
            opening: Arc::new(tokio::sync::Mutex::new(())),
            invite: Mutex::new(None),
            update: None,
            log_file: PathBuf::new(),
            log_problem: None,
            version: String::new(),
            joining: Mutex::new(None),
            joining_cancelled: tokio::sync::Notify::new(),
            downloaded: Mutex::new(None),
            forms: Default::default(),
            waiting: Default::default(),
            folder_loop: AtomicBool::new(false),
        }
    }

    /// Whether the inbox should open when the window is next shown.
    pub fn wants_inbox(&self) -> bool {
        self.open_inbox.load(Ordering::SeqCst)
    }

    /// Where received files go now.
    pub fn receive_dir(&self) -> PathBuf {
        self.settings()
            .receive_dir
            .unwrap_or_else(|| self.default_receive_dir.clone())
    }

    /// The background exchange's health as it is now.
    pub fn health(&self) -> LoopHealth {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes the background exchange's health.
    pub fn set_health(&self, f: impl FnOnce(&mut LoopHealth)) {
        f(&mut self.health.lock().unwrap_or_else(|p| p.into_inner()));
    }
    /// Settings as they are now.
    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The language chosen for messages.
    pub fn lang(&self) -> Lang {
        if self.settings().language == "en" {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    /// The opened client, or the error that says enrolment or unlocking comes first.
    pub fn client(&self) -> Result<Arc<Client>, UiError> {
        self.current().ok_or_else(|| {
            self.error(&ClientError::NotEnrolled(
                self.profile.display().to_string(),
            ))
        })
    }

    /// The opened client, if there is one. (Never held across an await: a plain lock.)
    pub fn current(&self) -> Option<Arc<Client>> {
        self.client
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// An error as the window shows it.
    pub fn error(&self, e: &ClientError) -> UiError {
        UiError::from_client(e, self.lang())
    }

    /// The invitation last opened, if any.
    pub fn invite(&self) -> Option<InviteOpened> {
        self.invite
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds to the unread count; returns the new count.
    pub fn add_unread(&self, n: usize) -> usize {
        self.unread.fetch_add(n, Ordering::SeqCst) + n
    }
}

/// An error for the window: a stable code for the UI's logic and a sentence for people.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct UiError {
    /// Stable code, e.g. `wrong_credentials`.
    pub code: &'static str,
    /// What happened and what to do.
    pub message: String,
}

impl UiError {
    /// From a client error in `lang`.
    pub fn from_client(e: &ClientError, lang: Lang) -> UiError {
        let code = e.code();
        UiError {
            code,
            message: careplan_client::messages::error_text(e, lang),
        }
    }

    /// Work that stopped unexpectedly (a panic on its thread): the details go to the log, the
    /// person is told to try again and where the log is.
    pub fn stopped(e: &dyn std::fmt::Display, lang: Lang) -> UiError {
        log::error!("a command stopped unexpectedly: {e}");
        UiError {
            code: "internal",
            message: notice(Notice::Stopped, lang),
        }
    }

    /// The system could not open `path` (file manager, default program).
    pub fn cannot_open(path: &std::path::Path, e: &dyn std::fmt::Display, lang: Lang) -> UiError {
        UiError {
            code: "cannot_open",
            message: notice(
                Notice::CannotOpen {
                    path: &path.display().to_string(),
                    reason: &e.to_string(),
                },
                lang,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_that_stopped_is_told_as_a_sentence_not_as_its_panic_text() {
        let e = UiError::stopped(&"index out of bounds: the len is 0", Lang::Ja);
        assert_eq!(e.code, "internal");
        assert!(!e.message.contains("index out of bounds"), "{}", e.message);
        assert!(e.message.contains("ログファイル"), "{}", e.message);
    }
}
