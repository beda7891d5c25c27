//! The forms viewer and 予実突合: thin commands over careplan-client. The files opened last stay
//! here, so choosing another user reads nothing again.

use std::path::PathBuf;
use std::sync::Mutex;

use careplan_client::forms::{Bundle, UserForms, UserKey};
use careplan_client::viewer::{self, MonthComparison, Opened};
use careplan_client::{ClientError, Direction};
use serde::Serialize;
use tauri::State;

use crate::commands::{Res, with_client};
use crate::state::{AppState, UiError};

/// The files opened last, and which opening they came from.
#[derive(Default)]
pub struct OpenForms(Mutex<Option<(u64, Bundle)>>);

/// Files opened in the viewer.
#[derive(Serialize, ts_rs::TS)]
pub struct OpenedView {
    /// This opening: the forms of a user are asked for with it, so a later opening is never
    /// mixed with an earlier one.
    view: u64,
    /// The files and the users.
    opened: Opened,
}

fn keep(state: &AppState, bundle: Bundle) -> OpenedView {
    let opened = viewer::summary(&bundle);
    let mut slot = state.forms.0.lock().unwrap_or_else(|p| p.into_inner());
    let view = slot.as_ref().map_or(1, |(v, _)| v + 1);
    *slot = Some((view, bundle));
    OpenedView { view, opened }
}

/// Opens picked or dropped files and folders (before or without enrolment too).
#[tauri::command]
pub async fn open_forms(state: State<'_, AppState>, files: Vec<String>) -> Res<OpenedView> {
    let lang = state.lang();
    let paths: Vec<PathBuf> = files.into_iter().map(PathBuf::from).collect();
    let bundle = tauri::async_runtime::spawn_blocking(move || viewer::open(&paths))
        .await
        .map_err(|e| UiError::stopped(&e, lang))?
        .map_err(|e| UiError::from_client(&e, lang))?;
    Ok(keep(&state, bundle))
}

/// Opens the unit a file of the history belongs to.
#[tauri::command]
pub async fn open_history_forms(
    state: State<'_, AppState>,
    direction: Direction,
    id: i64,
) -> Res<OpenedView> {
    let bundle = with_client(&state, move |c| c.open_history(direction, id, true)).await?;
    Ok(keep(&state, bundle))
}

/// One user's forms, of the opening `view`.
#[tauri::command]
pub async fn user_forms(state: State<'_, AppState>, view: u64, key: UserKey) -> Res<UserForms> {
    let slot = state.forms.0.lock().unwrap_or_else(|p| p.into_inner());
    let stale = || {
        // The window asked about files it no longer shows: it reopens them.
        UiError::from_client(
            &ClientError::Format("the viewer's files were replaced".into()),
            state.lang(),
        )
    };
    match slot.as_ref() {
        Some((v, bundle)) if *v == view => bundle.forms(&key).ok_or_else(stale),
        _ => Err(stale()),
    }
}

/// Months with a 実績 in the history, newest first.
#[tauri::command]
pub async fn jisseki_months(state: State<'_, AppState>) -> Res<Vec<String>> {
    with_client(&state, |c| c.jisseki_months()).await
}

/// 予実突合 of a month over the history.
#[tauri::command]
pub async fn compare_month(state: State<'_, AppState>, month: String) -> Res<MonthComparison> {
    with_client(&state, move |c| c.compare_month(&month)).await
}

/// Writes one office's differences of a month as CSV; answers how many.
#[tauri::command]
pub async fn export_comparison(
    state: State<'_, AppState>,
    month: String,
    office: String,
    service_type: String,
    path: String,
) -> Res<usize> {
    with_client(&state, move |c| {
        c.export_comparison(&month, &office, &service_type, std::path::Path::new(&path))
    })
    .await
}

/// The name of this office, printed at the foot of every page (empty before enrolment).
fn office_name(state: &AppState) -> String {
    careplan_client::Enrolled::read(&state.profile)
        .map(|e| e.office_name)
        .unwrap_or_default()
}

/// Saves the forms of `users` of the opening `view` (every user when empty) as one PDF.
#[tauri::command]
pub async fn save_forms_pdf(
    state: State<'_, AppState>,
    view: u64,
    users: Vec<UserKey>,
    path: String,
) -> Res<usize> {
    let office = office_name(&state);
    let lang = state.lang();
    let slot = state.forms.0.lock().unwrap_or_else(|p| p.into_inner());
    match slot.as_ref() {
        Some((v, bundle)) if *v == view => {
            viewer::save_pdf(bundle, &users, &office, std::path::Path::new(&path))
                .map_err(|e| UiError::from_client(&e, lang))
        }
        _ => Err(UiError::from_client(
            &ClientError::Format("the viewer's files were replaced".into()),
            lang,
        )),
    }
}

/// Prints files (a unit on the send screen) as one PDF per user into `dir`; answers how many.
#[tauri::command]
pub async fn save_unit_pdf(
    state: State<'_, AppState>,
    files: Vec<String>,
    dir: String,
) -> Res<usize> {
    let office = office_name(&state);
    let lang = state.lang();
    let paths: Vec<PathBuf> = files.into_iter().map(PathBuf::from).collect();
    tauri::async_runtime::spawn_blocking(move || {
        let bundle = viewer::open(&paths)?;
        viewer::save_pdf_per_user(&bundle, &office, std::path::Path::new(&dir)).map(|w| w.len())
    })
    .await
    .map_err(|e| UiError::stopped(&e, lang))?
    .map_err(|e| UiError::from_client(&e, lang))
}
