//! Enrolment: office number + password → a certificate from the relay's CA.

use super::*;

/// Enrolment request: office number + password (+ one-time code) + CSR + encryption key.
#[derive(Deserialize)]
pub struct EnrollRequest {
    /// 事業所番号.
    pub office: String,
    /// The office's password.
    pub password: String,
    /// PKCS#10 request (PEM); only its public key is used.
    pub csr_pem: String,
    /// age X25519 recipient to bind in the certificate.
    pub encryption_key: String,
    /// The current one-time code, for offices with a second factor.
    #[serde(default)]
    pub totp: Option<String>,
}

/// What enrolment returns.
#[derive(Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The office's new certificate (PEM).
    pub certificate_pem: String,
    /// The relay CA (PEM).
    pub ca_pem: String,
    /// Certificate serial (hex).
    pub serial: String,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// The office as registered.
    pub office: OfficeInfo,
}

/// An office as the directory shows it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct OfficeInfo {
    /// 事業所番号.
    pub number: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OfficeKind,
}

pub(super) async fn enroll(
    State(state): State<Arc<AppState>>,
    Extension(info): Extension<ConnInfo>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let st = state.clone();
    blocking(move || enroll_blocking(&st, info.remote, req))
        .await?
        .map(Json)
}

fn enroll_blocking(
    state: &AppState,
    remote: SocketAddr,
    req: EnrollRequest,
) -> Result<EnrollResponse, ApiError> {
    let store = &state.store;
    // Unknown office and wrong password answer alike, so numbers cannot be probed.
    let Some(office) = store.office(&req.office).map_err(internal)? else {
        audit(
            state,
            "login.failed",
            Some(&req.office),
            remote,
            "unknown office".into(),
        );
        return Err(err(StatusCode::UNAUTHORIZED, "wrong_credentials"));
    };
    if office.locked_until.is_some_and(|t| t > now()) {
        audit(
            state,
            "login.refused",
            Some(&office.number),
            remote,
            "locked".into(),
        );
        return Err(err(StatusCode::LOCKED, "office_locked"));
    }
    if !crate::password::verify(&req.password, &office.password_hash) {
        return Err(failed_login(state, &office, remote, "wrong password")?);
    }
    if let Some(secret) = &office.totp_secret {
        match &req.totp {
            // The client asks the user for the code and tries again; not a failed attempt.
            None => return Err(err(StatusCode::UNAUTHORIZED, "totp_required")),
            Some(code) if !crate::totp::verify(secret, code, now()) => {
                return Err(failed_login(state, &office, remote, "wrong one-time code")?);
            }
            Some(_) => {}
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
        return Err(err(StatusCode::FORBIDDEN, "office_disabled"));
    }
    store.login_succeeded(&office.number).map_err(internal)?;
    audit(
        state,
        "login.ok",
        Some(&office.number),
        remote,
        String::new(),
    );
    metrics::inc(&state.metrics.logins_ok, 1);
    issue(
        state,
        office,
        &req.csr_pem,
        req.encryption_key,
        remote,
        "enroll",
    )
}

/// Renewal: a new certificate for the same keys, asked for with the current one, so an office
/// renews before expiry without its password.
#[derive(Deserialize)]
pub struct RenewRequest {
    /// PKCS#10 request (PEM) for the key of the certificate in use.
    pub csr_pem: String,
}

pub(super) async fn renew(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Json(req): Json<RenewRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let st = state.clone();
    blocking(move || {
        crate::ca::same_key(&req.csr_pem, &a.cert.pem).map_err(ca_refusal)?;
        let key = a.cert.encryption_key.clone();
        issue(&st, a.office, &req.csr_pem, key, a.remote, "renew")
    })
    .await?
    .map(Json)
}

fn ca_refusal(e: crate::ca::CaError) -> ApiError {
    match e {
        crate::ca::CaError::BadCsr => err(StatusCode::BAD_REQUEST, "bad_csr"),
        crate::ca::CaError::BadEncryptionKey => err(StatusCode::BAD_REQUEST, "bad_encryption_key"),
        crate::ca::CaError::OtherKey => err(StatusCode::BAD_REQUEST, "other_key"),
        e => internal(e),
    }
}

// Issues, stores and audits an office certificate (`event` says why: enroll or renew).
fn issue(
    state: &AppState,
    office: Office,
    csr_pem: &str,
    encryption_key: String,
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
    };
    state.store.add_certificate(&record).map_err(internal)?;
    audit(
        state,
        event,
        Some(&office.number),
        remote,
        format!("certificate {}", issued.serial),
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

/// The caller's own office and certificate.
#[derive(Serialize, Deserialize, Debug)]
pub struct Me {
    /// The office.
    pub office: OfficeInfo,
    /// Serial of the certificate used.
    pub serial: String,
    /// Its end of validity, unix seconds.
    pub not_after: i64,
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
    })
}

// Counts a failed login, locks the office after too many, audits; returns the answer to give.
fn failed_login(
    state: &AppState,
    office: &Office,
    remote: SocketAddr,
    why: &str,
) -> Result<ApiError, ApiError> {
    let c = &state.config;
    let failures = state
        .store
        .login_failed(
            &office.number,
            now(),
            c.lockout_failures,
            c.lockout_minutes * 60,
        )
        .map_err(internal)?;
    audit(
        state,
        "login.failed",
        Some(&office.number),
        remote,
        format!("{why} ({failures})"),
    );
    metrics::inc(&state.metrics.logins_failed, 1);
    if failures >= c.lockout_failures {
        audit(
            state,
            "office.locked",
            Some(&office.number),
            remote,
            format!("{} minutes", c.lockout_minutes),
        );
        return Ok(err(StatusCode::LOCKED, "office_locked"));
    }
    Ok(err(StatusCode::UNAUTHORIZED, "wrong_credentials"))
}
