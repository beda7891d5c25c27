//! The desktop settings of a profile (`settings.json` beside `profile.toml`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};
use crate::profile::write_atomic;

/// What office staff can set in the app.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where received files are saved (the care software's import folder).
    pub receive_dir: Option<PathBuf>,
    /// This PC saves arrivals into the receive folder (the office's other PCs still receive and
    /// keep them, and can save them there later).
    pub save_arrivals: bool,
    /// `auto_receive` of earlier versions' settings files, read once into `save_arrivals`.
    #[doc(hidden)]
    #[serde(rename = "auto_receive", skip_serializing)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub legacy_auto_receive: Option<bool>,
    /// Start the app when the user logs in.
    pub start_at_login: bool,
    /// Show an OS notification when files arrive.
    pub notifications: bool,
    /// `ja` or `en`.
    pub language: String,
    /// HTTPS proxy, e.g. `http://proxy.example:8080`.
    pub proxy: Option<String>,
    /// Look for newer versions of the app (where updates are configured).
    pub check_updates: bool,
    /// Minutes without a key or a click after which a signed-in person is signed out (1–480).
    pub idle_lock_minutes: u32,
    /// The care software's export folder, watched for units to send; `None`: not watched.
    pub watch_dir: Option<PathBuf>,
    /// What happens to a unit that appears there, complete and without errors.
    pub watch_mode: WatchMode,
    /// Sent files are moved into the folder's 送信済み (else left where they are).
    pub move_sent: bool,
    /// The cost-effect simulator's unit costs, as this office set them.
    pub costs: careplan_cost::UnitCosts,
}

/// What the watched export folder does with a unit that is ready.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchMode {
    /// 確認してから送信: shown ready on the send screen with a notification; a person sends it.
    #[default]
    Confirm,
    /// 自動送信: sent at once.
    Auto,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            receive_dir: None,
            save_arrivals: true,
            legacy_auto_receive: None,
            start_at_login: false,
            notifications: true,
            language: "ja".into(),
            proxy: None,
            check_updates: true,
            idle_lock_minutes: 15,
            watch_dir: None,
            watch_mode: WatchMode::Confirm,
            move_sent: true,
            costs: careplan_cost::UnitCosts::default(),
        }
    }
}

impl Settings {
    /// Reads the settings in `dir`, defaults when there are none yet.
    pub fn load(dir: &Path) -> Result<Settings> {
        let path = dir.join("settings.json");
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut s: Settings = serde_json::from_slice(&bytes)
                    .map_err(|e| ClientError::Format(format!("{}: {e}", path.display())))?;
                // Auto-receive off meant "this PC does not put files into the folder".
                if let Some(old) = s.legacy_auto_receive.take() {
                    s.save_arrivals = old;
                }
                Ok(s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(ClientError::io(&path, e)),
        }
    }

    /// The settings with every number within its bounds (an idle lock of 1 minute to 8 hours).
    pub fn normalised(self) -> Settings {
        Settings {
            idle_lock_minutes: self.idle_lock_minutes.clamp(1, 480),
            costs: self.costs.normalised(),
            ..self
        }
    }

    /// Refuses a proxy setting that is not a proxy address (empty means the system's).
    pub fn check_proxy(&self) -> Result<()> {
        crate::relay::proxy_from(self.proxy.as_deref()).map(drop)
    }

    /// Writes the settings into `dir` atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| ClientError::io(dir, e))?;
        let bytes =
            serde_json::to_vec_pretty(self).map_err(|e| ClientError::Format(e.to_string()))?;
        write_atomic(&dir.join("settings.json"), &bytes, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_default_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Settings::default());
        let s = Settings {
            receive_dir: Some("/取込".into()),
            language: "en".into(),
            ..Settings::default()
        };
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), s);
    }

    #[test]
    fn a_watched_folder_asks_before_sending_and_moves_what_was_sent_unless_set_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        // Settings written before the watched folder existed.
        std::fs::write(dir.path().join("settings.json"), r#"{"language": "ja"}"#).unwrap();
        let s = Settings::load(dir.path()).unwrap();
        assert_eq!(
            (s.watch_dir.clone(), s.watch_mode, s.move_sent),
            (None, WatchMode::Confirm, true)
        );
        let auto = Settings {
            watch_dir: Some("/書き出し".into()),
            watch_mode: WatchMode::Auto,
            move_sent: false,
            ..s
        };
        auto.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), auto);
    }

    #[test]
    fn an_office_that_turned_auto_receive_off_keeps_this_pc_from_saving_arrivals() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("settings.json"),
            r#"{"auto_receive": false}"#,
        )
        .unwrap();
        assert!(!Settings::load(dir.path()).unwrap().save_arrivals);
    }

    #[test]
    fn an_idle_lock_is_kept_between_a_minute_and_eight_hours() {
        let with = |m| {
            Settings {
                idle_lock_minutes: m,
                ..Settings::default()
            }
            .normalised()
            .idle_lock_minutes
        };
        assert_eq!((with(0), with(15), with(100_000)), (1, 15, 480));
    }
}
