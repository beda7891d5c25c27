//! The relay's HTTPS API. Routes and JSON shapes are documented in `docs/api.md`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::ca::Ca;
use crate::config::Config;
use crate::store::{AuditEvent, CertRecord, MetaStore, Office, OfficeKind};

/// Everything a handler needs.
pub struct AppState {
    /// Metadata.
    pub store: Arc<dyn MetaStore>,
    /// The CA that issues office certificates.
    pub ca: Ca,
    /// Settings.
    pub config: Config,
}

/// What the TLS handshake told about a connection.
#[derive(Clone, Debug)]
struct ConnInfo {
    remote: SocketAddr,
    /// Serial (lowercase hex) of the verified client certificate, if one was presented.
    client_serial: Option<String>,
}

/// An API error: an HTTP status and a stable code clients turn into a message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorBody { error: self.code })).into_response()
    }
}

fn err(status: StatusCode, code: &'static str) -> ApiError {
    ApiError { status, code }
}

fn internal<E: std::fmt::Display>(e: E) -> ApiError {
    tracing::error!(error = %e, "internal error");
    err(StatusCode::INTERNAL_SERVER_ERROR, "internal")
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(internal)
}

fn audit(state: &AppState, event: &str, office: Option<&str>, remote: SocketAddr, detail: String) {
    let e = AuditEvent {
        event: event.to_owned(),
        office: office.map(str::to_owned),
        message_id: None,
        remote: Some(remote.ip().to_string()),
        detail,
    };
    if let Err(error) = state.store.audit(now_ms(), &e) {
        tracing::error!(%error, event, "audit write failed");
    }
}

/// An office authenticated by its client certificate: current, unrevoked, of an active office.
pub struct Authed {
    /// The office.
    pub office: Office,
    /// Its certificate.
    pub cert: CertRecord,
}

impl FromRequestParts<Arc<AppState>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<ConnInfo>()
            .cloned()
            .ok_or_else(|| internal("no connection info"))?;
        let serial = info
            .client_serial
            .ok_or(err(StatusCode::UNAUTHORIZED, "client_certificate_required"))?;
        let st = state.clone();
        let found = blocking(move || {
            let cert = st.store.certificate(&serial)?;
            let office = match &cert {
                Some(c) => st.store.office(&c.office)?,
                None => None,
            };
            Ok::<_, crate::store::StoreError>((cert, office))
        })
        .await?
        .map_err(internal)?;
        match found {
            (Some(cert), Some(office)) => {
                if cert.revoked_at.is_some() {
                    return Err(err(StatusCode::UNAUTHORIZED, "certificate_revoked"));
                }
                if cert.not_after < now() {
                    return Err(err(StatusCode::UNAUTHORIZED, "certificate_expired"));
                }
                if !office.active {
                    return Err(err(StatusCode::FORBIDDEN, "office_disabled"));
                }
                Ok(Authed { office, cert })
            }
            // Signed by our CA but unknown to the database: never issued here (or data lost).
            _ => Err(err(StatusCode::UNAUTHORIZED, "certificate_unknown")),
        }
    }
}

/// Enrolment request: office number + password (+ TOTP) + CSR + encryption key.
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

async fn enroll(
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
        let c = &state.config;
        let failures = store
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
            format!("wrong password ({failures})"),
        );
        if failures >= c.lockout_failures {
            audit(
                state,
                "office.locked",
                Some(&office.number),
                remote,
                format!("{} minutes", c.lockout_minutes),
            );
            return Err(err(StatusCode::LOCKED, "office_locked"));
        }
        return Err(err(StatusCode::UNAUTHORIZED, "wrong_credentials"));
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
    let valid = time::Duration::days(state.config.cert_days);
    let issued = state
        .ca
        .issue_office(&office.number, &req.csr_pem, &req.encryption_key, valid)
        .map_err(|e| match e {
            crate::ca::CaError::BadCsr => err(StatusCode::BAD_REQUEST, "bad_csr"),
            crate::ca::CaError::BadEncryptionKey => {
                err(StatusCode::BAD_REQUEST, "bad_encryption_key")
            }
            e => internal(e),
        })?;
    let record = CertRecord {
        serial: issued.serial.clone(),
        office: office.number.clone(),
        encryption_key: req.encryption_key,
        pem: issued.pem.clone(),
        issued_at: now(),
        not_after: issued.not_after.unix_timestamp(),
        revoked_at: None,
    };
    store.add_certificate(&record).map_err(internal)?;
    audit(
        state,
        "enroll",
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

async fn me(a: Authed) -> Json<Me> {
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

async fn healthz() -> &'static str {
    "ok"
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enroll", post(enroll))
        .route("/v1/me", get(me))
        .with_state(state)
}

// The serial of a DER certificate, as lowercase hex without leading zero bytes.
fn serial_of(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let raw = cert.raw_serial();
    let trimmed = &raw[raw.iter().take_while(|b| **b == 0).count()..];
    Some(hex::encode(trimmed))
}

/// Serves HTTPS on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    let app = router(state);
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            r = listener.accept() => r?,
            () = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let tls =
                match tokio::time::timeout(Duration::from_secs(15), acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        tracing::debug!(%remote, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                };
            let client_serial = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| serial_of(c));
            let info = ConnInfo {
                remote,
                client_serial,
            };
            let service = TowerToHyperService::new(app.layer(Extension(info)));
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            if let Err(e) = builder.serve_connection(TokioIo::new(tls), service).await {
                tracing::debug!(%remote, error = %e, "connection ended with an error");
            }
        });
    }
}
