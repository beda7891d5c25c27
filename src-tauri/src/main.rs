//! Kizuna desktop: the window, the tray and the background exchange for office staff. A thin
//! shell: everything it does is careplan-client's; this wires it to commands, events, tray,
//! dialogs and notifications.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod background;
#[cfg(test)]
mod bindings;
mod commands;
mod state;
mod tray;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize};

use careplan_client::settings::Settings;
use tauri::{Manager, WindowEvent};

fn main() {
    let started = std::time::Instant::now();
    careplan_client::tls::install_crypto_provider();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KIZUNA_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tauri::Builder::default()
        // First, so a second start only brings the running window forward.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tray::show_window(app);
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .setup(move |app| {
            // KIZUNA_PROFILE points the app at another profile (demo, tests).
            let profile = match std::env::var_os("KIZUNA_PROFILE") {
                Some(p) => p.into(),
                None => app.path().app_data_dir()?.join("profile"),
            };
            std::fs::create_dir_all(&profile)?;
            let settings = Settings::load(&profile).unwrap_or_default();
            app.manage(state::AppState {
                profile,
                client: std::sync::RwLock::new(None),
                settings: Mutex::new(settings),
                unread: AtomicUsize::new(0),
                open_inbox: AtomicBool::new(false),
                stopping: std::sync::Arc::new(AtomicBool::new(false)),
                background: AtomicBool::new(false),
                started,
            });
            tray::build(app.handle())?;
            commands::open_at_start(app.handle());
            // Started at login: stay in the tray.
            if std::env::args().any(|a| a == "--hidden") {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.hide();
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
                if app
                    .state::<state::AppState>()
                    .open_inbox
                    .load(std::sync::atomic::Ordering::SeqCst)
                {
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
        .run(tauri::generate_context!())
        .expect("Kizuna could not start");
}
