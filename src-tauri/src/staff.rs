//! The commands of 事業所の設定: who is signed in on this PC, the office's staff and devices.
//! Each is one call into careplan-client; the relay decides what a role may do.

use careplan_client::Device;
use careplan_client::protocol::{NewStaff, Role, SecondFactor, StaffMember};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::state::{AppState, UiError};

type Res<T> = Result<T, UiError>;

/// Signs a member of staff in on this PC.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    login: String,
    password: String,
    totp: Option<String>,
) -> Res<StaffMember> {
    let client = state.client()?;
    let totp = totp.filter(|t| !t.trim().is_empty());
    client
        .sign_in(login.trim(), &password, totp.as_deref().map(str::trim))
        .await
        .map_err(|e| state.error(&e))
}

/// Signs out on this PC (also when the app locks after being idle).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Res<()> {
    let client = state.client()?;
    client.sign_out().await.map_err(|e| state.error(&e))
}

/// The office's staff (administrators).
#[tauri::command]
pub async fn staff_list(state: State<'_, AppState>) -> Res<Vec<StaffMember>> {
    let client = state.client()?;
    client.staff().await.map_err(|e| state.error(&e))
}

/// What the form to add a member of staff sends.
#[derive(Deserialize, ts_rs::TS)]
pub struct NewStaffArgs {
    login: String,
    name: String,
    role: Role,
    password: String,
}

/// A member of staff just added, with an administrator's second factor to register (and its QR
/// code) shown this once.
#[derive(Serialize, ts_rs::TS)]
pub struct StaffAddedView {
    person: StaffMember,
    second_factor: Option<SecondFactor>,
    /// An SVG document of the second factor's address.
    qr_svg: Option<String>,
}

/// Adds a member of staff (administrators).
#[tauri::command]
pub async fn add_staff(state: State<'_, AppState>, args: NewStaffArgs) -> Res<StaffAddedView> {
    let client = state.client()?;
    let added = client
        .add_staff(&NewStaff {
            login: args.login.trim().to_owned(),
            name: args.name.trim().to_owned(),
            role: args.role,
            password: args.password,
        })
        .await
        .map_err(|e| state.error(&e))?;
    let qr_svg = added
        .second_factor
        .as_ref()
        .and_then(|f| careplan_client::qr_svg(&f.uri));
    Ok(StaffAddedView {
        person: added.person,
        second_factor: added.second_factor,
        qr_svg,
    })
}

/// Stops a member of staff signing in (administrators).
#[tauri::command]
pub async fn remove_staff(state: State<'_, AppState>, login: String) -> Res<()> {
    let client = state.client()?;
    client
        .remove_staff(&login)
        .await
        .map_err(|e| state.error(&e))
}

/// The office's devices, this PC marked.
#[tauri::command]
pub async fn devices(state: State<'_, AppState>) -> Res<Vec<Device>> {
    let client = state.client()?;
    client.devices().await.map_err(|e| state.error(&e))
}

/// Revokes a device of the office (administrators).
#[tauri::command]
pub async fn revoke_device(state: State<'_, AppState>, device: String) -> Res<()> {
    let client = state.client()?;
    client
        .revoke_device(&device)
        .await
        .map_err(|e| state.error(&e))
}
