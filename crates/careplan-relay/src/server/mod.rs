//! The relay's HTTPS API. Routes and JSON shapes are documented in `docs/api.md`.

mod directory;
mod enroll;
mod events;
mod messages;

pub use directory::{DirectoryEntry, Search, SearchResult};
pub use enroll::{EnrollRequest, EnrollResponse, Me, OfficeInfo};
pub use events::CERT_REMINDER_DAYS;
pub use messages::{AckRequest, Cursor, Page, UploadResponse};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::blobs::BlobStore;
use crate::ca::Ca;
use crate::config::Config;
use crate::store::{AuditEvent, CertRecord, Message, MessageState, MetaStore, Office, OfficeKind};

/// Everything a handler needs.
pub struct AppState {
    /// Metadata.
    pub store: Arc<dyn MetaStore>,
    /// Message bodies.
    pub blobs: Arc<dyn BlobStore>,
    /// The CA that issues office certificates.
    pub ca: Ca,
    /// Settings.
    pub config: Config,
    /// Wakes event streams: carries the office that has a new event. The events themselves are
    /// read from the store, so a stream that misses a wake-up still misses no event.
    wake: tokio::sync::broadcast::Sender<String>,
}

impl AppState {
    /// Puts the parts together.
    pub fn new(
        store: Arc<dyn MetaStore>,
        blobs: Arc<dyn BlobStore>,
        ca: Ca,
        config: Config,
    ) -> AppState {
        let (wake, _) = tokio::sync::broadcast::channel(1024);
        AppState {
            store,
            blobs,
            ca,
            config,
            wake,
        }
    }

    fn wake(&self, office: &str) {
        // No receiver is fine: nobody is listening right now.
        let _ = self.wake.send(office.to_owned());
    }
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
    audit_message(state, event, office, None, remote, detail);
}

fn audit_message(
    state: &AppState,
    event: &str,
    office: Option<&str>,
    message: Option<&str>,
    remote: SocketAddr,
    detail: String,
) {
    let e = AuditEvent {
        event: event.to_owned(),
        office: office.map(str::to_owned),
        message_id: message.map(str::to_owned),
        remote: Some(remote.ip().to_string()),
        detail,
    };
    if let Err(error) = state.store.audit(now_ms(), &e) {
        tracing::error!(%error, event, "audit write failed");
    }
}

/// A header's value, when present, text and not empty.
pub(crate) fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// An office authenticated by its client certificate: current, unrevoked, of an active office.
pub struct Authed {
    /// The office.
    pub office: Office,
    /// Its certificate.
    pub cert: CertRecord,
    /// Where the call comes from.
    pub remote: SocketAddr,
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
                Ok(Authed {
                    office,
                    cert,
                    remote: info.remote,
                })
            }
            // Signed by our CA but unknown to the database: never issued here (or data lost).
            _ => Err(err(StatusCode::UNAUTHORIZED, "certificate_unknown")),
        }
    }
}

/// Enrolment request: office number + password (+ TOTP) + CSR + encryption key.
async fn healthz() -> &'static str {
    "ok"
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enroll", post(enroll::enroll))
        .route("/v1/me", get(enroll::me))
        .route("/v1/messages", post(messages::upload))
        .route("/v1/messages/{id}/body", get(messages::download))
        .route("/v1/messages/{id}/ack", post(messages::acknowledge))
        .route("/v1/inbox", get(messages::inbox))
        .route("/v1/sent", get(messages::sent))
        .route("/v1/events", get(events::events))
        .route("/v1/directory", get(directory::directory_search))
        .route("/v1/directory/{number}", get(directory::directory_entry))
        // The handler answers 413 with its own code; this only stops unbounded bodies.
        .layer(DefaultBodyLimit::max(
            usize::try_from(state.config.max_upload_bytes)
                .unwrap_or(usize::MAX)
                .saturating_add(1),
        ))
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
