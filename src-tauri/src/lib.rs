//! Kizuna desktop: the window, the tray and the background exchange for office staff. A thin
//! shell: everything it does is careplan-client's; this wires it to commands, events, tray,
//! dialogs and notifications. [`shell`] builds it on any Tauri runtime, so the commands and the
//! background host run under the mock runtime in tests.

mod background;
#[cfg(test)]
mod bindings;
mod commands;
mod state;
mod tray;

use std::path::PathBuf;

use tauri::{Builder, Manager, Runtime, WindowEvent};

pub use background::{ACTIVITY_EVENT, NAVIGATE_EVENT, supervise};
pub use state::AppState;

/// Where the shell keeps and puts things; [`Options::from_env`] for the app, explicit in tests.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The office profile folder; `None` for the platform's app data folder.
    pub profile: Option<PathBuf>,
    /// Where received files go unless the settings say otherwise; `None` for
    /// Documents/Kizuna/受信.
    pub receive_dir: Option<PathBuf>,
    /// Start in the tray, without the window (started at login).
    pub hidden: bool,
    /// Without a tray icon: the tests' mock runtime has no desktop to put one in.
    pub no_tray: bool,
}

impl Options {
    /// From the environment: `KIZUNA_PROFILE` and `KIZUNA_RECEIVE_DIR` point the app elsewhere
    /// (the demo, tests), `--hidden` starts it in the tray.
    pub fn from_env() -> Options {
        let dir = |name| {
            std::env::var_os(name)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
        };
        Options {
            profile: dir("KIZUNA_PROFILE"),
            receive_dir: dir("KIZUNA_RECEIVE_DIR"),
            hidden: std::env::args().any(|a| a == "--hidden"),
            no_tray: false,
        }
    }
}

/// Runs the desktop app until it quits.
pub fn run() {
    let started = std::time::Instant::now();
    careplan_client::tls::install_crypto_provider();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KIZUNA_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // First, so a second start only brings the running window forward.
    let builder =
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tray::show_window(app)
        }));
    let app = shell(builder, Options::from_env(), started).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            // Nothing else can tell the user: there is no window.
            eprintln!("Kizuna を起動できませんでした: {e}");
            std::process::exit(1);
        }
    }
}

/// The app on runtime `R`: plugins, state, tray, commands and the background exchange.
pub fn shell<R: Runtime>(
    builder: Builder<R>,
    options: Options,
    started: std::time::Instant,
) -> Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .setup(move |app| {
            let profile = match options.profile.clone() {
                Some(p) => p,
                None => app.path().app_data_dir()?.join("profile"),
            };
            std::fs::create_dir_all(&profile)?;
            let receive_dir = options
                .receive_dir
                .clone()
                .unwrap_or_else(|| background::documents_receive_dir(app.handle()));
            app.manage(AppState::new(profile, receive_dir, started));
            if !options.no_tray {
                tray::build(app.handle())?;
            }
            commands::open_at_start(app.handle());
            if options.hidden {
                if let Some(w) = app.get_webview_window("main") {
                    w.hide()?;
                }
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Kizuna receiving in the tray; quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
            if let WindowEvent::Focused(true) = event {
                let app = window.app_handle();
                if app.state::<AppState>().wants_inbox() {
                    tray::show_window(app);
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::enroll,
            commands::unlock,
            commands::read_enrolment_file,
            commands::plan_send,
            commands::send,
            commands::history,
            commands::mark_read,
            commands::export_history,
            commands::partners_search,
            commands::favourites,
            commands::set_favourite,
            commands::save_settings,
            commands::open_folder,
            commands::save_again,
            commands::renew_certificate,
            commands::first_screen,
        ])
}
