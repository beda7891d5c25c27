//! The tray icon: unread count in tooltip and menu, trouble, open, quit — in the chosen language.

use std::sync::atomic::Ordering;

use careplan_client::messages::{Notice, notice};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::AppState;

const TRAY_ID: &str = "kizuna";

/// The tray menu's items whose words change.
struct TrayItems<R: Runtime> {
    unread: MenuItem<R>,
    open: MenuItem<R>,
    quit: MenuItem<R>,
}

/// Builds the tray icon.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let lang = app.state::<AppState>().lang();
    let unread = MenuItem::with_id(
        app,
        "unread",
        notice(Notice::Unread(0), lang),
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(app, "open", notice(Notice::Open, lang), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", notice(Notice::Quit, lang), true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&unread, &open, &quit])?;
    app.manage(TrayItems { unread, open, quit });
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Kizuna")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_window(app),
            "quit" => {
                app.state::<AppState>()
                    .stopping
                    .store(true, Ordering::SeqCst);
                app.exit(0);
            }
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Shows the unread count in the tray.
pub fn show_unread<R: Runtime>(app: &AppHandle<R>, n: usize) {
    let lang = app.state::<AppState>().lang();
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let tip = if n == 0 {
            "Kizuna".to_owned()
        } else {
            format!("Kizuna — {}", notice(Notice::Unread(n), lang))
        };
        let _ = tray.set_tooltip(Some(tip));
    }
    if let Some(items) = app.try_state::<TrayItems<R>>() {
        let _ = items.unread.set_text(notice(Notice::Unread(n), lang));
    }
}

/// Shows in the tooltip that the background exchange is in trouble (`None`: no longer).
pub fn show_trouble<R: Runtime>(app: &AppHandle<R>, message: Option<&str>) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = match message {
            Some(m) => tray.set_tooltip(Some(format!("Kizuna — {m}"))),
            None => tray.set_tooltip(Some("Kizuna")),
        };
    }
}

/// Puts the tray menu into the language now chosen.
pub fn relabel<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let lang = state.lang();
    if let Some(items) = app.try_state::<TrayItems<R>>() {
        let _ = items.open.set_text(notice(Notice::Open, lang));
        let _ = items.quit.set_text(notice(Notice::Quit, lang));
    }
    show_unread(app, state.unread.load(Ordering::SeqCst));
}

/// Brings the window back (from the tray, a second start, or a notification); opens the inbox
/// when files arrived since.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    if app
        .state::<AppState>()
        .open_inbox
        .swap(false, Ordering::SeqCst)
    {
        let _ = app.emit(crate::background::NAVIGATE_EVENT, "inbox");
    }
}
