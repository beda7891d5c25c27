//! What the shell keeps while it runs: the profile folder, the opened client, the settings.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use careplan_client::settings::Settings;
use careplan_client::{Client, ClientError};
use careplan_csv::Lang;
use serde::Serialize;

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
}

impl AppState {
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
    pub async fn client(&self) -> Result<Arc<Client>, UiError> {
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

    /// Adds to the unread count; returns the new count.
    pub fn add_unread(&self, n: usize) -> usize {
        self.unread.fetch_add(n, Ordering::SeqCst) + n
    }
}

/// An error for the window: a stable code for the UI's logic and a sentence for people.
#[derive(Debug, Serialize, ts_rs::TS)]
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

    /// A plain failure with a message.
    pub fn other(message: impl Into<String>) -> UiError {
        UiError {
            code: "failed",
            message: message.into(),
        }
    }
}
