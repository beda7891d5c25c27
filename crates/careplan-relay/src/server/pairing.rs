//! Adding a device by an administrator's approval: the new device asks without the office
//! password and shows a six-digit code; an administrator of the office, signed in on one of
//! its devices, sees the same code and approves (or refuses). The relay records who decided.

use super::allowance::Allowance;
use super::enroll::{Device, issue};
use super::staff::{Admin, by};
use super::*;
use crate::store::DeviceRequestRow;
use careplan_protocol::{
    DeviceRequest, DeviceRequestCreated, DeviceRequestStatus, EnrollResponse, PendingDevice,
    REQUEST_SECRET_HEADER, RequestState,
};

/// How long a request waits for an administrator.
const REQUEST_SECS: i64 = 10 * 60;
/// Requests an office may have waiting at once: enough for a few PCs set up together, too few
/// to bury the one an administrator is looking for.
const MAX_PENDING: usize = 3;

fn secret_hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

fn check(req: &DeviceRequest) -> Result<(), ErrorCode> {
    if req.office.len() != 10 || !req.office.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorCode::BadOfficeNumber);
    }
    if req.csr_pem.len() > 16 * 1024 || req.encryption_key.len() > 256 {
        return Err(ErrorCode::BadKey);
    }
    let name = req.device_name.trim();
    if !(1..=64).contains(&name.chars().count()) || name.chars().any(char::is_control) {
        return Err(ErrorCode::BadDeviceName);
    }
    Ok(())
}

pub(super) async fn ask(
    State(state): State<Arc<AppState>>,
    Extension(info): Extension<ConnInfo>,
    Json(req): Json<DeviceRequest>,
) -> Result<(StatusCode, Json<DeviceRequestCreated>), ApiError> {
    check(&req).map_err(err)?;
    // The keys are checked now, not when an administrator approves: a request the CA would
    // refuse never reaches anyone's screen.
    crate::ca::check_request(&req.csr_pem, &req.encryption_key)
        .map_err(super::enroll::ca_refusal)?;
    let st = state.clone();
    blocking(move || {
        Allowance::JoinRequest.take(
            &st,
            &info.remote.ip().to_string(),
            Some(&req.office),
            info.remote,
        )?;
        match st.store.office(&req.office).map_err(internal)? {
            None => return Err(err(ErrorCode::UnknownOffice)),
            Some(o) if !o.active => return Err(err(ErrorCode::OfficeDisabled)),
            Some(_) => {}
        }
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let now = now();
        let row = DeviceRequestRow {
            id: hex::encode(rand::random::<[u8; 8]>()),
            office: req.office.clone(),
            secret_hash: secret_hash(&secret),
            code: format!("{:06}", rand::random::<u32>() % 1_000_000),
            csr_pem: req.csr_pem,
            encryption_key: req.encryption_key,
            device_name: req.device_name.trim().to_owned(),
            created_at: now,
            expires_at: now + REQUEST_SECS,
            state: RequestState::Pending.as_str().into(),
            decided_by: None,
            enrolment: None,
        };
        if !st
            .store
            .add_device_request(&row, MAX_PENDING, now)
            .map_err(internal)?
        {
            audit(
                &st,
                "device.request.refused",
                Some(&row.office),
                info.remote,
                "too many waiting".into(),
            );
            return Err(err(ErrorCode::TooManyRequests));
        }
        audit(
            &st,
            "device.request",
            Some(&row.office),
            info.remote,
            format!("request {} {}", row.id, row.device_name),
        );
        Ok((
            StatusCode::CREATED,
            Json(DeviceRequestCreated {
                request: row.id,
                secret,
                code: row.code,
                expires_at: row.expires_at,
            }),
        ))
    })
    .await?
}

pub(super) async fn state_of(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<DeviceRequestStatus>, ApiError> {
    let secret = headers
        .get(REQUEST_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| s.len() <= 128)
        .ok_or_else(|| err(ErrorCode::NoSuchRequest))?
        .to_owned();
    let st = state.clone();
    let row = blocking(move || st.store.device_request(&id))
        .await?
        .map_err(internal)?
        // Only the device that asked may see its request.
        .filter(|r| r.secret_hash == secret_hash(&secret))
        .ok_or_else(|| err(ErrorCode::NoSuchRequest))?;
    let (state_now, enrolment) = match row.state.as_str() {
        s if s == RequestState::Approved.as_str() => (
            RequestState::Approved,
            row.enrolment
                .as_deref()
                .map(serde_json::from_str::<EnrollResponse>)
                .transpose()
                .map_err(internal)?,
        ),
        s if s == RequestState::Refused.as_str() => (RequestState::Refused, None),
        _ if row.expires_at <= now() => (RequestState::Expired, None),
        _ => (RequestState::Pending, None),
    };
    Ok(Json(DeviceRequestStatus {
        state: state_now,
        enrolment,
    }))
}

pub(super) async fn pending(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
) -> Result<Json<Vec<PendingDevice>>, ApiError> {
    let st = state.clone();
    let rows = blocking(move || {
        st.store
            .pending_device_requests(&p.authed.office.number, now())
    })
    .await?
    .map_err(internal)?;
    Ok(Json(rows.into_iter().map(pending_device).collect()))
}

pub(super) async fn approve(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
    Path(id): Path<String>,
) -> Result<Json<PendingDevice>, ApiError> {
    // Two administrators approving at once issue one certificate, not two.
    let _turn = state.logins.turn(&format!("request/{id}")).await;
    let st = state.clone();
    blocking(move || {
        let office_number = p.authed.office.number.clone();
        let row = open_request(&st, &id, &office_number)?;
        let office = st
            .store
            .office(&office_number)
            .map_err(internal)?
            .ok_or_else(|| err(ErrorCode::UnknownOffice))?;
        let device = Device {
            id: hex::encode(rand::random::<[u8; 8]>()),
            name: row.device_name.clone(),
        };
        let device_id = device.id.clone();
        let enrolment = issue(
            &st,
            office,
            &row.csr_pem,
            row.encryption_key.clone(),
            device,
            p.authed.remote,
            "enroll.approved",
        )?;
        let json = serde_json::to_string(&enrolment).map_err(internal)?;
        let decided_by = format!("{} on device {}", p.staff.login, p.authed.cert.device);
        st.store
            .decide_device_request(&id, &office_number, Some(&json), &decided_by, now())
            .map_err(internal)?;
        audit(
            &st,
            "device.approve",
            Some(&office_number),
            p.authed.remote,
            format!("{device_id} {} {}", row.device_name, by(&p)),
        );
        Ok(Json(pending_device(row)))
    })
    .await?
}

pub(super) async fn refuse(
    State(state): State<Arc<AppState>>,
    Admin(p): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _turn = state.logins.turn(&format!("request/{id}")).await;
    let st = state.clone();
    blocking(move || {
        let office = p.authed.office.number.clone();
        let row = open_request(&st, &id, &office)?;
        let decided_by = format!("{} on device {}", p.staff.login, p.authed.cert.device);
        st.store
            .decide_device_request(&id, &office, None, &decided_by, now())
            .map_err(internal)?;
        audit(
            &st,
            "device.refuse",
            Some(&office),
            p.authed.remote,
            format!("request {} {} {}", row.id, row.device_name, by(&p)),
        );
        Ok(StatusCode::NO_CONTENT)
    })
    .await?
}

// A request of `office` still waiting for a decision; another office's is "no such".
fn open_request(st: &AppState, id: &str, office: &str) -> Result<DeviceRequestRow, ApiError> {
    let row = st
        .store
        .device_request(id)
        .map_err(internal)?
        .filter(|r| r.office == office)
        .ok_or_else(|| err(ErrorCode::NoSuchRequest))?;
    if row.state != RequestState::Pending.as_str() || row.expires_at <= now() {
        return Err(err(ErrorCode::RequestClosed));
    }
    Ok(row)
}

fn pending_device(r: DeviceRequestRow) -> PendingDevice {
    PendingDevice {
        request: r.id,
        device_name: r.device_name,
        code: r.code,
        created_at: r.created_at,
        expires_at: r.expires_at,
    }
}
