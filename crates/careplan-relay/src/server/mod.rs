//! The relay's HTTPS API. Routes and JSON shapes are documented in `docs/api.md`.

mod activity;
mod allowance;
mod commit;
mod directory;
mod enroll;
mod events;
mod limits;
mod login;
mod messages;
mod metrics;
mod pairing;
mod staff;

pub use directory::Search;
pub use enroll::check_enroll;
pub use events::CERT_REMINDER_DAYS;
pub use messages::Cursor;
pub use metrics::Metrics;

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
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use sha2::Digest;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::blobs::BlobStore;
use crate::ca::Ca;
use crate::config::Config;
use crate::store::{
    AuditEvent, CertRecord, LoginSubject, Message, MessageState, MetaStore, Office, StoreError,
};
use careplan_protocol::{
    AckRequest, DeviceKey, DirectoryEntry, DirectoryHit, EnrollRequest, EnrollResponse, ErrorBody,
    ErrorCode, EventKind, Me, OfficeInfo, Page, RenewRequest, SearchResult, UploadResponse,
};

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
    /// Becomes true when the relay stops: event streams end so connections can finish.
    stopping: tokio::sync::watch::Sender<bool>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Makes uploads durable in batches.
    committer: commit::Committer,
    /// Open connections, in total and per client address.
    connections: limits::Connections,
    /// Password checks under way.
    logins: login::Logins,
    /// Certificates revoked and offices disabled lately: their open event streams end.
    rights_ended: tokio::sync::broadcast::Sender<Arc<RightsEnded>>,
    /// Signs checkpoints of the audit log, when the relay has its key.
    checkpoints: Option<crate::checkpoint::Checkpointer>,
    /// When this node last wrote each device's last call: written again only after
    /// [`SEEN_EVERY`], so a busy device costs no write per request.
    seen: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

/// Seconds between two writes of a device's last call.
const SEEN_EVERY: i64 = 300;

/// Rights that ended since the last look.
#[derive(Debug, Default)]
struct RightsEnded {
    /// Revoked certificate serials.
    serials: Vec<String>,
    /// Disabled offices.
    offices: Vec<String>,
}

impl AppState {
    /// Puts the parts together and starts the group committer (call within a Tokio runtime).
    pub fn new(
        store: Arc<dyn MetaStore>,
        blobs: Arc<dyn BlobStore>,
        ca: Ca,
        config: Config,
    ) -> AppState {
        let (wake, _) = tokio::sync::broadcast::channel(1024);
        // Events other nodes record wake this node's streams too.
        let news = wake.clone();
        store.on_events(Arc::new(move |office: &str| {
            let _ = news.send(office.to_owned());
        }));
        let (stopping, _) = tokio::sync::watch::channel(false);
        let metrics = Arc::<Metrics>::default();
        let committer =
            commit::Committer::start(store.clone(), blobs.clone(), metrics.clone(), wake.clone());
        let connections =
            limits::Connections::new(config.max_connections, config.max_connections_per_ip);
        let logins = login::Logins::new(config.hash_concurrency);
        let (rights_ended, _) = tokio::sync::broadcast::channel(64);
        AppState {
            store,
            blobs,
            ca,
            config,
            wake,
            stopping,
            metrics,
            committer,
            connections,
            logins,
            rights_ended,
            checkpoints: None,
            seen: std::sync::Mutex::default(),
        }
    }

    /// Signs a checkpoint of the audit log every few seconds while it grows, and on stopping.
    pub fn with_checkpoints(mut self, c: crate::checkpoint::Checkpointer) -> AppState {
        self.checkpoints = Some(c);
        self
    }

    // Signs a checkpoint when the log grew past `signed`; returns the entry signed for.
    fn checkpoint(&self, signed: i64) -> i64 {
        let Some(c) = &self.checkpoints else {
            return signed;
        };
        match self.store.last_audit() {
            Ok(Some((seq, hash))) if seq > signed => match c.append(seq, &hash, now_ms()) {
                Ok(_) => seq,
                Err(e) => {
                    tracing::error!(error = %e, "cannot sign an audit checkpoint");
                    signed
                }
            },
            Ok(_) => signed,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the audit log");
                signed
            }
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

/// An API error: a stable code clients turn into a message, sent with its own HTTP status.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { error: self.code })).into_response()
    }
}

fn err(code: ErrorCode) -> ApiError {
    ApiError { code }
}

fn internal<E: std::fmt::Display>(e: E) -> ApiError {
    tracing::error!(error = %e, "internal error");
    err(ErrorCode::Internal)
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

/// Characters of an audit entry's detail at most.
const MAX_AUDIT_DETAIL: usize = 300;

/// `text` as it may go into the audit log: at most `max` characters, control characters (line
/// breaks among them) shown as `?`, so no request can forge or bloat entries.
fn printable(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
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
        office: office.map(|o| printable(o, 10)),
        message_id: message.map(|m| printable(m, 64)),
        remote: Some(remote.ip().to_string()),
        detail: printable(&detail, MAX_AUDIT_DETAIL),
    };
    // Handlers audit from async code as well as from their blocking closures; the write blocks
    // (a disk flush, a database round trip), so the worker's other tasks move elsewhere meanwhile.
    if let Err(error) = tokio::task::block_in_place(|| state.store.audit(now_ms(), &e)) {
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
            .ok_or(err(ErrorCode::ClientCertificateRequired))?;
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
                    return Err(err(ErrorCode::CertificateRevoked));
                }
                if cert.not_after < now() {
                    return Err(err(ErrorCode::CertificateExpired));
                }
                if !office.active {
                    return Err(err(ErrorCode::OfficeDisabled));
                }
                note_seen(state, &office.number, &cert.device).await;
                Ok(Authed {
                    office,
                    cert,
                    remote: info.remote,
                })
            }
            // Signed by our CA but unknown to the database: never issued here (or data lost).
            _ => Err(err(ErrorCode::CertificateUnknown)),
        }
    }
}

/// Records that a device called, at most once per [`SEEN_EVERY`] per node; a failure to record
/// never refuses the call.
async fn note_seen(state: &Arc<AppState>, office: &str, device: &str) {
    let now = now();
    {
        let mut seen = state.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.get(device).is_some_and(|t| now - t < SEEN_EVERY) {
            return;
        }
        seen.insert(device.to_owned(), now);
    }
    let (st, office, device) = (state.clone(), office.to_owned(), device.to_owned());
    if let Ok(Err(error)) = blocking(move || st.store.device_seen(&office, &device, now)).await {
        tracing::warn!(%error, "last call of a device not recorded");
    }
}

/// Enrolment request: office number + password (+ TOTP) + CSR + encryption key.
async fn healthz() -> &'static str {
    "ok"
}

/// Largest body of any request but an upload: enrolment, renewal and receipts are small JSON.
const MAX_SMALL_BODY: usize = 64 * 1024;

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    // The upload handler answers 413 with its own code; this only stops unbounded bodies.
    let upload_limit = usize::try_from(state.config.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/v1/enroll", post(enroll::enroll))
        .route("/v1/me", get(enroll::me))
        .route("/v1/renew", post(enroll::renew))
        .route(
            "/v1/messages",
            post(messages::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/v1/messages/{id}/body", get(messages::download))
        .route("/v1/messages/{id}/ack", post(messages::acknowledge))
        .route("/v1/inbox", get(messages::inbox))
        .route("/v1/sent", get(messages::sent))
        .route("/v1/events", get(events::events))
        .route("/v1/activity", post(activity::report))
        .route("/v1/saves", get(activity::saves))
        .route("/v1/directory", get(directory::directory_search))
        .route("/v1/directory/{number}", get(directory::directory_entry))
        .route("/v1/session", post(staff::sign_in).delete(staff::sign_out))
        .route(
            "/v1/office/staff",
            get(staff::list_staff).post(staff::add_staff),
        )
        .route(
            "/v1/office/staff/{login}",
            axum::routing::delete(staff::remove_staff),
        )
        .route("/v1/office/devices", get(staff::office_devices))
        .route(
            "/v1/office/devices/{device}/revoke",
            post(staff::revoke_device),
        )
        .route("/v1/enroll/requests", post(pairing::ask))
        .route("/v1/enroll/requests/{id}", get(pairing::state_of))
        .route("/v1/office/device-requests", get(pairing::pending))
        .route(
            "/v1/office/device-requests/{id}/approve",
            post(pairing::approve),
        )
        .route(
            "/v1/office/device-requests/{id}/refuse",
            post(pairing::refuse),
        )
        .layer(DefaultBodyLimit::max(MAX_SMALL_BODY))
        .layer(axum::middleware::map_response(limits::json_refusals))
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
    let app = router(state.clone());
    let expiry = tokio::spawn(expire_loop(state.clone()));
    let rights = tokio::spawn(rights_loop(state.clone()));
    let checkpoints = tokio::spawn(checkpoint_loop(state.clone()));
    let mut connections = tokio::task::JoinSet::new();
    let refusing = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                // Out of file descriptors and the like: keep serving the open connections.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        // Answers go out as they are written: without this, a response written in two parts
        // waits for the client's delayed acknowledgement of the first (Nagle), tens of
        // milliseconds on every request that happens to split.
        let _ = tcp.set_nodelay(true);
        let st = state.clone();
        let (acceptor, app) = (acceptor.clone(), app.clone());
        let stopping = state.stopping.subscribe();
        if refusing.load(std::sync::atomic::Ordering::SeqCst) >= MAX_REFUSING
            && st.connections.open() >= st.config.max_connections
        {
            // Flooded: not even a 503 for this one, so the relay keeps its file descriptors.
            drop(tcp);
            continue;
        }
        let refusing = refusing.clone();
        connections.spawn(async move {
            match st.connections.admit(remote.ip()) {
                Some(_admitted) => connection(acceptor, app, tcp, remote, stopping, &st).await,
                None => {
                    refusing.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    metrics::inc(&st.metrics.connections_refused, 1);
                    refuse(acceptor, tcp).await;
                    refusing.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        });
    }
    // Stop: no new connections; streams end; requests under way (uploads) finish, for a while.
    drop(listener);
    expiry.abort();
    rights.abort();
    checkpoints.abort();
    let _ = state.stopping.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(30), drain)
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 30 s; stopping anyway");
    }
    let st = state.clone();
    let _ = tokio::task::spawn_blocking(move || st.checkpoint(0)).await;
    Ok(())
}

/// Connections being answered 503 at once, at most; beyond, new connections are closed unanswered.
const MAX_REFUSING: usize = 256;

// A connection over the limits: answered 503 with a JSON body, then closed, all within seconds.
async fn refuse(acceptor: TlsAcceptor, tcp: tokio::net::TcpStream) {
    let answer = async {
        let tls = acceptor.accept(tcp).await.ok()?;
        let service = hyper::service::service_fn(|_req| async {
            let mut response = err(ErrorCode::TooManyConnections).into_response();
            let headers = response.headers_mut();
            headers.insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            headers.insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("10"),
            );
            Ok::<_, std::convert::Infallible>(response)
        });
        hyper::server::conn::http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(tls), service)
            .await
            .ok()
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), answer).await;
}

async fn connection(
    acceptor: TlsAcceptor,
    app: Router,
    tcp: tokio::net::TcpStream,
    remote: SocketAddr,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    state: &AppState,
) {
    let tls = match tokio::time::timeout(Duration::from_secs(15), acceptor.accept(tcp)).await {
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
    // The connection's identity rides in each request's extensions. (Layering the router per
    // connection would rebuild its route table for every connection: kilobytes each, times
    // thousands of idle event streams.)
    let idle = Duration::from_secs(state.config.body_idle_secs.max(1));
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        // A body that stalls is cut (and the connection with it), not waited for forever.
        let mut req = req.map(|body| limits::IdleTimeoutBody::new(body, idle));
        req.extensions_mut().insert(info.clone());
        tower::ServiceExt::oneshot(app.clone(), req)
    });
    // HTTP/1.1 only: what the clients speak; the version-detecting builder costs memory per
    // connection for nothing.
    // Headers that trickle in are cut like a stalled body.
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(idle)
        .serve_connection(TokioIo::new(tls), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        () = async { drop(stopping.wait_for(|s| *s).await) } => {
            // Finish the request under way, then close.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%remote, error = %e, "connection ended with an error");
    }
}

/// Seconds between signed checkpoints of a growing audit log: the most of its tail that could
/// be cut unnoticed by the relay's own checkpoints.
const CHECKPOINT_SECS: u64 = 10;

async fn checkpoint_loop(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(CHECKPOINT_SECS));
    let mut signed = 0;
    loop {
        tick.tick().await;
        let st = state.clone();
        match tokio::task::spawn_blocking(move || st.checkpoint(signed)).await {
            Ok(s) => signed = s,
            Err(e) => tracing::error!(error = %e, "checkpoint task failed"),
        }
    }
}

// Looks for certificates revoked and offices disabled (by `kizuna-relay` from another process,
// or another node) once per heartbeat, and tells the event streams, which end theirs.
async fn rights_loop(state: Arc<AppState>) {
    let every = Duration::from_secs(state.config.heartbeat_secs.max(1));
    let mut tick = tokio::time::interval(every);
    let mut since = now();
    loop {
        tick.tick().await;
        // Overlapping looks: a change in the second of the last look is not missed.
        let from = since - 1;
        since = now();
        let st = state.clone();
        match tokio::task::spawn_blocking(move || st.store.rights_ended_since(from)).await {
            Ok(Ok((serials, offices))) if !(serials.is_empty() && offices.is_empty()) => {
                let _ = state
                    .rights_ended
                    .send(Arc::new(RightsEnded { serials, offices }));
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "cannot look for revoked rights"),
            Err(e) => tracing::error!(error = %e, "rights task failed"),
        }
    }
}

// Expires messages nobody fetched in time: the body goes, the sender is told.
async fn expire_loop(state: Arc<AppState>) {
    let mut tick =
        tokio::time::interval(Duration::from_secs(state.config.expiry_check_secs.max(1)));
    loop {
        tick.tick().await;
        let st = state.clone();
        let expired = tokio::task::spawn_blocking(move || -> Result<usize, String> {
            // Bodies kept for devices that never fetched them go when the message would expire.
            for m in st.store.held_past_expiry(now()).map_err(|e| e.to_string())? {
                if let Err(e) = st.blobs.delete(&m.id) {
                    tracing::error!(message = %m.id, error = %e, "could not delete a held body");
                }
                st.store.body_gone(&m.id).map_err(|e| e.to_string())?;
            }
            let due = st.store.expire_due(now()).map_err(|e| e.to_string())?;
            for m in &due {
                if let Err(e) = st.blobs.delete(&m.id) {
                    tracing::error!(message = %m.id, error = %e, "could not delete an expired body");
                }
                let e = AuditEvent {
                    event: "expire".into(),
                    office: Some(m.sender.clone()),
                    message_id: Some(m.id.clone()),
                    remote: None,
                    detail: format!("to {} unfetched", m.recipient),
                };
                if let Err(error) = st.store.audit(now_ms(), &e) {
                    tracing::error!(%error, "audit write failed");
                }
                st.wake(&m.sender);
            }
            Ok(due.len())
        })
        .await;
        match expired {
            Ok(Ok(n)) => metrics::inc(&state.metrics.expired, n as u64),
            Ok(Err(e)) => tracing::error!(error = %e, "expiry failed"),
            Err(e) => tracing::error!(error = %e, "expiry task failed"),
        }
    }
}
