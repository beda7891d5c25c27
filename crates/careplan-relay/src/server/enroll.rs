//! Enrolment: office number + password → a certificate from the relay's CA.

use super::*;

/// Checks that every field of an enrolment request is bounded and shaped before it reaches the
/// store, a log or the audit log; the refusal's code when not.
pub fn check_enroll(req: &EnrollRequest) -> Result<(), ErrorCode> {
    if req.office.len() != 10 || !req.office.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorCode::BadOfficeNumber);
    }
    if req.password.is_empty() || req.password.len() > 1024 {
        return Err(ErrorCode::BadPassword);
    }
    if req.csr_pem.len() > 16 * 1024 || req.encryption_key.len() > 256 {
        return Err(ErrorCode::BadKey);
    }
    if req.totp.as_ref().is_some_and(|t| t.len() > 16) {
        return Err(ErrorCode::BadTotp);
    }
    if req
        .device_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 64 || n.chars().any(char::is_control))
    {
        return Err(ErrorCode::BadDeviceName);
    }
    Ok(())
}

pub(super) async fn enroll(
    State(state): State<Arc<AppState>>,
    Extension(info): Extension<ConnInfo>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    check_enroll(&req).map_err(err)?;
    let remote = info.remote;
    // One check per office number at a time: the failure count is read, and written, before
    // the next guess is looked at, however many arrive at once.
    let _turn = state.logins.turn(&req.office).await;
    let st = state.clone();
    let number = req.office.clone();
    // A number nobody has is looked up, counted and locked in the same store, the same way.
    let (office, lock) = blocking(move || {
        let lock = st.store.login_lock(&LoginSubject::Office(&number))?;
        Ok::<_, StoreError>((st.store.office(&number)?, lock))
    })
    .await?
    .map_err(internal)?;
    if lock.is_some_and(|t| t > now()) {
        audit(
            &state,
            "login.refused",
            Some(&req.office),
            remote,
            "locked".into(),
        );
        return Err(err(ErrorCode::OfficeLocked));
    }
    // Unknown numbers are checked against a hash too: they cost, answer and lock the same.
    let hash = office.as_ref().map(|o| o.password_hash.clone());
    let right = state.logins.verify(req.password.clone(), hash).await;
    let st = state.clone();
    blocking(move || match office {
        Some(office) if right => enroll_checked(&st, remote, office, req),
        Some(_) => Err(failed_login(&st, &req.office, remote, "wrong password")?),
        None => Err(failed_login(&st, &req.office, remote, "unknown office")?),
    })
    .await?
    .map(Json)
}

// The password was right: the second factor, then the certificate.
fn enroll_checked(
    state: &AppState,
    remote: SocketAddr,
    office: Office,
    req: EnrollRequest,
) -> Result<EnrollResponse, ApiError> {
    let store = &state.store;
    if let Some(secret) = &office.totp_secret {
        let Some(code) = &req.totp else {
            // The client asks the user for the code and tries again; not a failed attempt.
            return Err(err(ErrorCode::TotpRequired));
        };
        let step = crate::totp::matching_step(secret, code, now());
        // A code is good once: one seen (or overheard) before is a wrong code.
        let fresh = match step {
            Some(step) => store
                .take_totp_step(&office.number, step)
                .map_err(internal)?,
            None => false,
        };
        if !fresh {
            return Err(failed_login(
                state,
                &office.number,
                remote,
                "wrong or used one-time code",
            )?);
        }
    }
    if !office.active {
        audit(
            state,
            "login.refused",
            Some(&office.number),
            remote,
            "disabled".into(),
        );
        return Err(err(ErrorCode::OfficeDisabled));
    }
    store
        .login_cleared(&LoginSubject::Office(&office.number))
        .map_err(internal)?;
    audit(
        state,
        "login.ok",
        Some(&office.number),
        remote,
        String::new(),
    );
    metrics::inc(&state.metrics.logins_ok, 1);
    // Every enrolment is a new device of the office; its keys are its own.
    let device = Device {
        id: hex::encode(rand::random::<[u8; 8]>()),
        name: req.device_name.unwrap_or_default().trim().to_owned(),
    };
    issue(
        state,
        office,
        &req.csr_pem,
        req.encryption_key,
        device,
        remote,
        "enroll",
    )
}

pub(super) async fn renew(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Json(req): Json<RenewRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let st = state.clone();
    blocking(move || {
        crate::ca::same_key(&req.csr_pem, &a.cert.pem).map_err(ca_refusal)?;
        // A new encryption key at each renewal: what was sent to the one before stays readable
        // on the device for a while, then that key is erased there.
        let key = req
            .encryption_key
            .clone()
            .unwrap_or_else(|| a.cert.encryption_key.clone());
        // The same device, renewed: same id, same name.
        let device = Device {
            id: a.cert.device.clone(),
            name: a.cert.device_name.clone(),
        };
        issue(&st, a.office, &req.csr_pem, key, device, a.remote, "renew")
    })
    .await?
    .map(Json)
}

pub(super) fn ca_refusal(e: crate::ca::CaError) -> ApiError {
    match e {
        crate::ca::CaError::BadCsr => err(ErrorCode::BadCsr),
        crate::ca::CaError::BadEncryptionKey => err(ErrorCode::BadEncryptionKey),
        crate::ca::CaError::OtherKey => err(ErrorCode::OtherKey),
        e => internal(e),
    }
}

/// A device of an office: its id at the relay and what the office calls it.
pub(super) struct Device {
    pub(super) id: String,
    pub(super) name: String,
}

// Issues, stores and audits a device's certificate (`event` says why: enroll or renew).
pub(super) fn issue(
    state: &AppState,
    office: Office,
    csr_pem: &str,
    encryption_key: String,
    device: Device,
    remote: SocketAddr,
    event: &str,
) -> Result<EnrollResponse, ApiError> {
    let valid = time::Duration::days(state.config.cert_days);
    let issued = state
        .ca
        .issue_office(&office.number, csr_pem, &encryption_key, valid)
        .map_err(ca_refusal)?;
    let record = CertRecord {
        serial: issued.serial.clone(),
        office: office.number.clone(),
        encryption_key,
        pem: issued.pem.clone(),
        issued_at: now(),
        not_after: issued.not_after.unix_timestamp(),
        revoked_at: None,
        device: device.id,
        device_name: device.name,
    };
    state.store.add_certificate(&record).map_err(internal)?;
    audit(
        state,
        event,
        Some(&office.number),
        remote,
        // Made printable and cut by `audit`, like every detail.
        format!(
            "certificate {} device {} {}",
            issued.serial, record.device, record.device_name
        ),
    );
    Ok(EnrollResponse {
        certificate_pem: issued.pem,
        ca_pem: state.ca.cert_pem().to_owned(),
        serial: issued.serial,
        not_after: record.not_after,
        office: OfficeInfo {
            number: office.number,
            name: office.name,
            kind: office.kind,
        },
    })
}

pub(super) async fn me(a: Authed) -> Json<Me> {
    Json(Me {
        office: OfficeInfo {
            number: a.office.number,
            name: a.office.name,
            kind: a.office.kind,
        },
        serial: a.cert.serial,
        not_after: a.cert.not_after,
        device: a.cert.device,
    })
}

// Counts a failed login of an office number, registered or not, locks it after too many,
// audits; returns the answer to give.
fn failed_login(
    state: &AppState,
    number: &str,
    remote: SocketAddr,
    why: &str,
) -> Result<ApiError, ApiError> {
    let c = &state.config;
    let failures = state
        .store
        .login_failed(
            &LoginSubject::Office(number),
            now(),
            c.lockout_failures,
            c.lockout_minutes * 60,
        )
        .map_err(internal)?;
    audit(
        state,
        "login.failed",
        Some(number),
        remote,
        format!("{why} ({failures})"),
    );
    metrics::inc(&state.metrics.logins_failed, 1);
    if failures >= c.lockout_failures {
        audit(
            state,
            "office.locked",
            Some(number),
            remote,
            format!("{} minutes", c.lockout_minutes),
        );
        return Ok(err(ErrorCode::OfficeLocked));
    }
    Ok(err(ErrorCode::WrongCredentials))
}
