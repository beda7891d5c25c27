//! What devices did with the office's files: saves into folders (shown to the office's other
//! devices) and exports, each in the audit log with device and person.

use careplan_protocol::{Activity, ActivityReport, MAX_SAVES_PER_MESSAGE, Save, SavesPage};

use super::allowance::Allowance;
use super::messages::own_message;
use super::*;
use crate::store::SaveRow;

/// `POST /v1/activity`.
pub(super) async fn report(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    Json(report): Json<ActivityReport>,
) -> Result<StatusCode, ApiError> {
    if !report.is_well_formed() {
        return Err(err(ErrorCode::BadActivity));
    }
    // The person is named only when the report comes with their own session: a report queued
    // while one person was signed in and sent after another signed in is the device's alone.
    let person = match staff::signed_in(&state, &a, &headers).await? {
        Some((staff, _)) if report.by.as_deref() == Some(staff.login.as_str()) => Some(staff),
        _ => None,
    };
    let by = match &person {
        Some(p) => format!("by {} on device {}", p.login, a.cert.device),
        None => format!("on device {}", a.cert.device),
    };
    let st = state.clone();
    blocking(move || {
        Allowance::Activity.take(&st, &a.cert.device, Some(&a.office.number), a.remote)?;
        match report.activity {
            Activity::Saved {
                message_id,
                place,
                again,
            } => {
                let m = own_message(&st, &a, &message_id)?;
                let save = SaveRow {
                    seq: 0,
                    office: a.office.number.clone(),
                    message_id: m.id.clone(),
                    device: a.cert.device.clone(),
                    device_name: a.cert.device_name.clone(),
                    person: person.map(|p| format!("{} ({})", p.name, p.login)),
                    place: place.clone(),
                    again,
                    at: now(),
                };
                if st
                    .store
                    .add_save(&save, MAX_SAVES_PER_MESSAGE)
                    .map_err(internal)?
                    .is_none()
                {
                    return Err(err(ErrorCode::TooManySaves));
                }
                st.wake(&a.office.number);
                audit_message(
                    &st,
                    if again { "save_again" } else { "save" },
                    Some(&a.office.number),
                    Some(&m.id),
                    a.remote,
                    format!("{} to {place} {by}", m.file_name),
                );
                Ok(StatusCode::NO_CONTENT)
            }
            Activity::Exported { what, rows } => {
                let what = what.as_str();
                audit(
                    &st,
                    "export",
                    Some(&a.office.number),
                    a.remote,
                    format!("{what}, {rows} rows {by}"),
                );
                Ok(StatusCode::NO_CONTENT)
            }
        }
    })
    .await?
}

/// `GET /v1/saves?after=`: where and by whom the office's devices saved its received files.
pub(super) async fn saves(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Query(c): Query<Cursor>,
) -> Result<Json<SavesPage>, ApiError> {
    let limit = c.limit.unwrap_or(100).clamp(1, 500);
    let rows = blocking(move || {
        let rows = state.store.saves(&a.office.number, c.after, limit)?;
        Ok::<_, StoreError>((rows, a.cert.device))
    })
    .await?
    .map_err(internal)?;
    let (rows, here) = rows;
    let saves: Vec<Save> = rows
        .into_iter()
        .map(|r| Save {
            seq: r.seq,
            here: r.device == here,
            message_id: r.message_id,
            device: r.device,
            device_name: r.device_name,
            person: r.person,
            place: r.place,
            again: r.again,
            at: r.at,
        })
        .collect();
    let next = (saves.len() as u32 == limit)
        .then(|| saves.last().map(|s| s.seq))
        .flatten();
    Ok(Json(SavesPage { saves, next }))
}
