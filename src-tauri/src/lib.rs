//! Kizuna desktop: the window, the tray and the background exchange for office staff. A thin
//! shell: everything it does is careplan-client's; this wires it to commands, events, tray,
//! dialogs and notifications. [`shell`] builds it on any Tauri runtime, so the commands and the
//! background host run under the mock runtime in tests.

mod background;
#[cfg(test)]
mod bindings;
mod commands;
mod forms;
mod joining;
mod logging;
mod opening;
mod savings;
mod staff;
mod state;
mod tray;
mod update;
mod watching;

use std::path::PathBuf;

use tauri::{Builder, Manager, Runtime, WindowEvent};
use tauri_plugin_window_state::StateFlags;

pub use background::{ACTIVITY_EVENT, NAVIGATE_EVENT, supervise};
pub use opening::INVITE_EVENT;
pub use state::AppState;
pub use update::{UPDATE_EVENT, UpdateSource};

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
    /// The log folder; `None` for the platform's.
    pub log_dir: Option<PathBuf>,
    /// Without the log file: a process has one logger, and tests run several shells.
    pub no_logger: bool,
    /// What the app was asked to open: program arguments with `.kizuna` files or links.
    pub open: Vec<String>,
    /// Where updates come from; `None`: no updates.
    pub update: Option<UpdateSource>,
}

impl Options {
    /// From the environment: `KIZUNA_PROFILE`, `KIZUNA_RECEIVE_DIR` and `KIZUNA_LOG_DIR` point
    /// the app elsewhere (the demo, tests), `--hidden` starts it in the tray, other arguments
    /// may be invitations to open; updates as [`UpdateSource::from_env`].
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
            log_dir: dir("KIZUNA_LOG_DIR"),
            no_logger: false,
            open: std::env::args().skip(1).collect(),
            update: UpdateSource::from_env(),
        }
    }
}

/// Runs the desktop app until it quits.
pub fn run() {
    let started = std::time::Instant::now();
    careplan_client::tls::install_crypto_provider();
    // First, so a second start only brings the running window forward, with what it was asked
    // to open (a double-clicked invitation, a link).
    let builder =
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            opening::open_arguments(app, argv);
            tray::show_window(app)
        }));
    let app = shell(builder, Options::from_env(), started).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_app, _event| {
            // macOS hands files and links to the running app as an event, not as arguments.
            #[cfg(target_os = "macos")]
            if let tauri::RunEvent::Opened { urls } = _event {
                let args = urls.into_iter().map(|u| match u.to_file_path() {
                    Ok(path) => path.display().to_string(),
                    Err(()) => u.to_string(),
                });
                if opening::open_arguments(_app, args) {
                    tray::show_window(_app);
                }
            }
        }),
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
    let window_state = tauri_plugin_window_state::Builder::default()
        // Whether the window shows is the app's to decide (started at login: in the tray).
        .with_state_flags(StateFlags::all() - StateFlags::VISIBLE);
    // Beside the profile it belongs to (an absolute name replaces the config folder it is
    // joined to), so each office profile and each test keeps its own.
    let window_state = match &options.profile {
        Some(p) => window_state.with_filename(p.join("window-state.json").display().to_string()),
        None => window_state,
    };
    builder
        .plugin(window_state.build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .setup(move |app| {
            let log_dir = logging::folder(app.handle(), options.log_dir.as_deref());
            // Without its log the app still works: it says so in the window instead of not
            // starting.
            let mut log_problem = None;
            if !options.no_logger {
                if let Err(e) = app.handle().plugin(logging::plugin(log_dir.clone())) {
                    eprintln!("Kizuna: no log file in {}: {e}", log_dir.display());
                    log_problem = Some(e.to_string());
                }
            }
            log::info!("Kizuna {} started", app.package_info().version);
            let profile = match options.profile.clone() {
                Some(p) => p,
                None => app.path().app_data_dir()?.join("profile"),
            };
            std::fs::create_dir_all(&profile)?;
            let receive_dir = options
                .receive_dir
                .clone()
                .unwrap_or_else(|| background::documents_receive_dir(app.handle()));
            app.manage(AppState {
                update: options.update.clone(),
                log_file: logging::file(&log_dir),
                log_problem,
                version: app.package_info().version.to_string(),
                ..AppState::new(profile, receive_dir, started)
            });
            if !options.no_tray {
                tray::build(app.handle())?;
            }
            commands::open_at_start(app.handle());
            opening::open_arguments(app.handle(), options.open.clone());
            update::check_later(app.handle());
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
            commands::read_invite,
            commands::plan_send,
            commands::send,
            commands::history,
            commands::mark_read,
            commands::export_history,
            commands::partners_search,
            commands::favourites,
            commands::set_favourite,
            commands::save_settings,
            commands::set_relay_addresses,
            commands::open_folder,
            commands::save_again,
            commands::renew_certificate,
            commands::first_screen,
            commands::check_update,
            commands::download_update,
            commands::install_update,
            commands::open_log_folder,
            staff::sign_in,
            staff::sign_out,
            staff::staff_list,
            staff::add_staff,
            joining::ask_to_join,
            joining::await_approval,
            joining::cancel_joining,
            joining::pending_devices,
            joining::decide_device,
            staff::remove_staff,
            staff::devices,
            staff::revoke_device,
            forms::open_forms,
            forms::open_history_forms,
            forms::user_forms,
            forms::jisseki_months,
            forms::compare_month,
            forms::export_comparison,
            forms::save_forms_pdf,
            forms::save_unit_pdf,
            watching::waiting_units,
            savings::cost_report,
            savings::set_costs,
            savings::save_cost_report,
        ])
}
