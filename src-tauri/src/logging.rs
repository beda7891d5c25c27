//! The app's log file: what the background exchange and the commands did, in the platform's log
//! folder, for the office to send to whoever helps them. It names files and office numbers,
//! never the contents of care files.

use std::path::{Path, PathBuf};

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_log::{RotationStrategy, Target, TargetKind};

/// The log file's name, without `.log`.
const FILE_STEM: &str = "kizuna";
/// When the file is started afresh (the older ones are kept, see [`KEEP`]).
const MAX_FILE_BYTES: u128 = 2 * 1024 * 1024;
/// Older log files kept besides the current one.
const KEEP: usize = 4;

/// The folder the log goes to: the one given, or the platform's (e.g. `%LOCALAPPDATA%\…\logs`,
/// `~/Library/Logs/…`).
pub fn folder<R: Runtime>(app: &AppHandle<R>, given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_path_buf)
        .or_else(|| app.path().app_log_dir().ok())
        .unwrap_or_else(std::env::temp_dir)
}

/// The log file in `folder`.
pub fn file(folder: &Path) -> PathBuf {
    folder.join(FILE_STEM).with_extension("log")
}

/// The logger: the file in `folder` and standard error. `KIZUNA_LOG` (error, warn, info, debug,
/// trace) sets how much Kizuna itself writes; the libraries under it only warn.
pub fn plugin<R: Runtime>(folder: PathBuf) -> TauriPlugin<R> {
    let ours = std::env::var("KIZUNA_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(log::LevelFilter::Info);
    let mut builder = tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::Folder {
                path: folder,
                file_name: Some(FILE_STEM.into()),
            }),
            Target::new(TargetKind::Stderr),
        ])
        .max_file_size(MAX_FILE_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(KEEP))
        .level(log::LevelFilter::Warn);
    for module in ["kizuna_desktop", "careplan_client", "careplan_csv"] {
        builder = builder.level_for(module, ours);
    }
    builder.build()
}
