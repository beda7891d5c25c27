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

impl EnrollRequest {
    /// Checks that every field is bounded and shaped before it reaches the store, a log or the
    /// audit log; the refusal's error code when not.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.office.len() != 10 || !self.office.bytes().all(|b| b.is_ascii_digit()) {
            return Err("bad_office_number");
        }
        if self.password.is_empty() || self.password.len() > 1024 {
            return Err("bad_password");
        }
        if self.csr_pem.len() > 16 * 1024 || self.encryption_key.len() > 256 {
            return Err("bad_key");
        }
        if self.totp.as_ref().is_some_and(|t| t.len() > 16) {
            return Err("bad_totp");
        }
        Ok(())
    }
}

pub(super) async fn enroll(
    State(state): State<Arc<AppState>>,
    Extension(info): Extension<ConnInfo>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    req.check()
        .map_err(|code| err(StatusCode::BAD_REQUEST, code))?;
    let remote = info.remote;
    // One check per office number at a time: the failure count is read, and written, before
    // the next guess is looked at, however many arrive at once.
    let _turn = state.logins.turn(&req.office).await;
    let st = state.clone();
    let number = req.office.clone();
    let office = blocking(move || st.store.office(&number))
        .await?
        .map_err(internal)?;
    let now = now();
    let locked = match &office {
        Some(o) => o.locked_until.is_some_and(|t| t > now),
        None => state.logins.unknown_locked(&req.office, now),
    };
    if locked {
        audit(
            &state,
            "login.refused",
            Some(&req.office),
            remote,
            "locked".into(),
        );
        return Err(err(StatusCode::LOCKED, "office_locked"));
    }
    // Unknown numbers are checked against a hash too: they cost, answer and lock the same.
    let hash = office.as_ref().map(|o| o.password_hash.clone());
    let right = state.logins.verify(req.password.clone(), hash).await;
    let st = state.clone();
    blocking(move || match office {
        None => Err(unknown_failed(&st, &req.office, remote)),
        Some(office) if !right => Err(failed_login(&st, &office, remote, "wrong password")?),
        Some(office) => enroll_checked(&st, remote, office, req),
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
            return Err(err(StatusCode::UNAUTHORIZED, "totp_required"));
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
                &office,
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

// A failed login for a number that is not registered: counted and locked like a registered one.
fn unknown_failed(state: &AppState, number: &str, remote: SocketAddr) -> ApiError {
    let c = &state.config;
    let failures =
        state
            .logins
            .unknown_failed(number, now(), c.lockout_failures, c.lockout_minutes * 60);
    audit(
        state,
        "login.failed",
        Some(number),
        remote,
        format!("unknown office ({failures})"),
    );
    metrics::inc(&state.metrics.logins_failed, 1);
    if failures >= c.lockout_failures {
        return err(StatusCode::LOCKED, "office_locked");
    }
    err(StatusCode::UNAUTHORIZED, "wrong_credentials")
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
