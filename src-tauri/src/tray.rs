//! The tray icon: unread count in tooltip and menu, open, quit.

use std::sync::atomic::Ordering;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

const TRAY_ID: &str = "kizuna";

/// Holds the menu item that shows the unread count.
pub struct UnreadItem(pub MenuItem<tauri::Wry>);

fn unread_text(n: usize) -> String {
    if n == 0 {
        "未読のファイルはありません".to_owned()
    } else {
        format!("未読 {n} 件")
    }
}

/// Builds the tray icon.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let unread = MenuItem::with_id(app, "unread", unread_text(0), false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Kizuna を開く", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "終了", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&unread, &open, &quit])?;
    app.manage(UnreadItem(unread));
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
pub fn show_unread(app: &AppHandle, n: usize) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let tip = if n == 0 {
            "Kizuna".to_owned()
        } else {
            format!("Kizuna — 未読 {n} 件")
        };
        let _ = tray.set_tooltip(Some(tip));
    }
    if let Some(item) = app.try_state::<UnreadItem>() {
        let _ = item.0.set_text(unread_text(n));
    }
}

/// Brings the window back (from the tray, a second start, or a notification); opens the inbox
/// when files arrived since.
pub fn show_window(app: &AppHandle) {
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
