//! The relay's HTTPS API. Routes and JSON shapes are documented in `docs/api.md`.

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

/// What an upload returns.
#[derive(Serialize, Deserialize, Debug)]
pub struct UploadResponse {
    /// The message id.
    pub id: String,
    /// Its state.
    pub state: MessageState,
    /// Whether this upload repeated an earlier one (same idempotency key) and stored nothing.
    pub duplicate: bool,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// Largest manifest accepted, in bytes: it is a small signed JSON document.
const MAX_MANIFEST: usize = 16 * 1024;

async fn upload(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = header(&headers, "x-kizuna-file-name")
        .ok_or(err(StatusCode::BAD_REQUEST, "file_name_missing"))?
        .to_owned();
    let key = header(&headers, "idempotency-key")
        .ok_or(err(StatusCode::BAD_REQUEST, "idempotency_key_missing"))?
        .to_owned();
    let manifest = header(&headers, "x-kizuna-manifest")
        .ok_or(err(StatusCode::BAD_REQUEST, "manifest_missing"))?
        .to_owned();
    if key.len() > 128 || manifest.len() > MAX_MANIFEST {
        return Err(err(StatusCode::BAD_REQUEST, "header_too_long"));
    }
    if body.len() as u64 > state.config.max_upload_bytes {
        return Err(err(StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    }
    // Routing is in the standard file name; the relay checks it but never opens the body.
    let parsed = careplan_csv::FileName::parse(&name)
        .map_err(|_| err(StatusCode::UNPROCESSABLE_ENTITY, "bad_file_name"))?;
    if parsed.sender.office.as_str() != a.office.number {
        audit(
            &state,
            "upload.refused",
            Some(&a.office.number),
            a.remote,
            format!("sender mismatch {name}"),
        );
        return Err(err(StatusCode::FORBIDDEN, "sender_mismatch"));
    }
    let recipient = parsed.recipient.office.to_string();
    let st = state.clone();
    let body_len = body.len();
    let stored = blocking(move || -> Result<(Message, bool), ApiError> {
        match st.store.office(&recipient).map_err(internal)? {
            None => return Err(err(StatusCode::NOT_FOUND, "unknown_recipient")),
            Some(o) if !o.active => return Err(err(StatusCode::CONFLICT, "recipient_disabled")),
            Some(_) => {}
        }
        // An earlier upload with this key answers at once, without storing the body again.
        if let Some(m) = st
            .store
            .sent_by_key(&a.office.number, &key)
            .map_err(internal)?
        {
            return Ok((m, false));
        }
        let id = hex::encode(rand::random::<[u8; 16]>());
        let sha256 = hex::encode(sha2::Sha256::digest(&body));
        // Body first, then the row: a row never points at a missing body.
        st.blobs.put(&id, &body).map_err(internal)?;
        let created = now();
        let m = Message {
            seq: 0,
            id,
            sender: a.office.number.clone(),
            recipient,
            file_name: name,
            size: body_len as i64,
            sha256,
            manifest,
            idempotency_key: key,
            state: MessageState::Stored,
            created_at: created,
            delivered_at: None,
            acknowledged_at: None,
            expires_at: created + st.config.expiry_days * 86_400,
            receipt: None,
        };
        let (m, new) = st.store.add_message(&m).map_err(internal)?;
        if new {
            audit_message(
                &st,
                "upload",
                Some(&m.sender),
                Some(&m.id),
                a.remote,
                format!("{} to {} ({} bytes)", m.file_name, m.recipient, m.size),
            );
            st.wake(&m.recipient);
        }
        Ok((m, new))
    })
    .await??;
    let (m, new) = stored;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(UploadResponse {
            id: m.id,
            state: m.state,
            duplicate: !new,
        }),
    )
        .into_response())
}

/// A page of messages.
#[derive(Serialize, Deserialize, Debug)]
pub struct Page {
    /// The messages, oldest first.
    pub messages: Vec<Message>,
    /// Cursor for the next page, when there may be more.
    pub next: Option<i64>,
}

/// Cursor parameters.
#[derive(Deserialize)]
pub struct Cursor {
    /// Return messages after this cursor.
    #[serde(default)]
    pub after: i64,
    /// At most this many (1–500, default 100).
    pub limit: Option<u32>,
}

fn page(messages: Vec<Message>, limit: u32) -> Page {
    let next = (messages.len() as u32 == limit)
        .then(|| messages.last().map(|m| m.seq))
        .flatten();
    Page { messages, next }
}

async fn inbox(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Query(c): Query<Cursor>,
) -> Result<Json<Page>, ApiError> {
    let limit = c.limit.unwrap_or(100).clamp(1, 500);
    let st = state.clone();
    let list = blocking(move || st.store.inbox(&a.office.number, c.after, limit))
        .await?
        .map_err(internal)?;
    Ok(Json(page(list, limit)))
}

async fn sent(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Query(c): Query<Cursor>,
) -> Result<Json<Page>, ApiError> {
    let limit = c.limit.unwrap_or(100).clamp(1, 500);
    let st = state.clone();
    let list = blocking(move || st.store.sent(&a.office.number, c.after, limit))
        .await?
        .map_err(internal)?;
    Ok(Json(page(list, limit)))
}

// The recipient's message, or 404 for anyone else: others may not even learn that it exists.
fn own_message(state: &AppState, a: &Authed, id: &str) -> Result<Message, ApiError> {
    match state.store.message(id).map_err(internal)? {
        Some(m) if m.recipient == a.office.number => Ok(m),
        _ => Err(err(StatusCode::NOT_FOUND, "no_such_message")),
    }
}

async fn download(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let st = state.clone();
    blocking(move || {
        let m = own_message(&st, &a, &id)?;
        if matches!(m.state, MessageState::Acknowledged | MessageState::Expired) {
            return Err(err(StatusCode::GONE, "message_gone"));
        }
        let body = st.blobs.get(&m.id).map_err(internal)?;
        st.store.mark_delivered(&m.id, now()).map_err(internal)?;
        audit_message(
            &st,
            "download",
            Some(&a.office.number),
            Some(&m.id),
            a.remote,
            String::new(),
        );
        Ok((
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            body,
        )
            .into_response())
    })
    .await?
}

/// The recipient's signed receipt.
#[derive(Serialize, Deserialize)]
pub struct AckRequest {
    /// Signed receipt (opaque to the relay), passed to the sender.
    pub receipt: String,
}

async fn acknowledge(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Path(id): Path<String>,
    Json(req): Json<AckRequest>,
) -> Result<StatusCode, ApiError> {
    if req.receipt.is_empty() || req.receipt.len() > MAX_MANIFEST {
        return Err(err(StatusCode::BAD_REQUEST, "bad_receipt"));
    }
    let st = state.clone();
    blocking(move || {
        let m = own_message(&st, &a, &id)?;
        if !st
            .store
            .acknowledge(&m.id, &req.receipt, now())
            .map_err(internal)?
        {
            // Acknowledging twice is fine; acknowledging an expired message is not.
            return match m.state {
                MessageState::Acknowledged => Ok(StatusCode::OK),
                _ => Err(err(StatusCode::GONE, "message_gone")),
            };
        }
        st.wake(&m.sender);
        // Delivered and confirmed: the relay keeps no copy of the (encrypted) care data.
        st.blobs.delete(&m.id).map_err(internal)?;
        audit_message(
            &st,
            "ack",
            Some(&a.office.number),
            Some(&m.id),
            a.remote,
            String::new(),
        );
        Ok(StatusCode::OK)
    })
    .await?
}

/// A directory entry: what a sender needs to encrypt to an office.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct DirectoryEntry {
    /// The office.
    #[serde(flatten)]
    pub office: OfficeInfo,
    /// Whether it can receive.
    pub active: bool,
    /// Its current certificate (PEM), which binds its encryption key; none before enrolment.
    pub certificate_pem: Option<String>,
    /// The encryption key (age recipient) bound in that certificate.
    pub encryption_key: Option<String>,
    /// End of the certificate's validity, unix seconds.
    pub not_after: Option<i64>,
}

async fn directory_entry(
    State(state): State<Arc<AppState>>,
    _a: Authed,
    Path(number): Path<String>,
) -> Result<Json<DirectoryEntry>, ApiError> {
    let st = state.clone();
    blocking(move || {
        let office = st
            .store
            .office(&number)
            .map_err(internal)?
            .ok_or(err(StatusCode::NOT_FOUND, "unknown_office"))?;
        let cert = st
            .store
            .current_certificate(&office.number, now())
            .map_err(internal)?;
        Ok(Json(DirectoryEntry {
            active: office.active,
            office: OfficeInfo {
                number: office.number,
                name: office.name,
                kind: office.kind,
            },
            certificate_pem: cert.as_ref().map(|c| c.pem.clone()),
            encryption_key: cert.as_ref().map(|c| c.encryption_key.clone()),
            not_after: cert.map(|c| c.not_after),
        }))
    })
    .await?
}

/// Directory search parameters.
#[derive(Deserialize)]
pub struct Search {
    /// Number prefix or part of the name.
    pub q: String,
}

/// Directory search results.
#[derive(Serialize, Deserialize, Debug)]
pub struct SearchResult {
    /// Matching offices (at most 50), by number.
    pub offices: Vec<OfficeInfo>,
}

async fn directory_search(
    State(state): State<Arc<AppState>>,
    _a: Authed,
    Query(s): Query<Search>,
) -> Result<Json<SearchResult>, ApiError> {
    if s.q.trim().is_empty() || s.q.len() > 100 {
        return Err(err(StatusCode::BAD_REQUEST, "bad_query"));
    }
    let st = state.clone();
    let found = blocking(move || st.store.search_offices(s.q.trim(), 50))
        .await?
        .map_err(internal)?;
    Ok(Json(SearchResult {
        offices: found
            .into_iter()
            .map(|o| OfficeInfo {
                number: o.number,
                name: o.name,
                kind: o.kind,
            })
            .collect(),
    }))
}

/// Days before a certificate's end at which its event stream starts reminding.
const CERT_REMINDER_DAYS: i64 = 30;

// One server-sent event.
fn sse_frame(id: Option<i64>, kind: &str, data: &str) -> Bytes {
    let mut s = String::new();
    if let Some(id) = id {
        s.push_str(&format!("id: {id}\n"));
    }
    s.push_str(&format!("event: {kind}\n"));
    for line in data.lines() {
        s.push_str(&format!("data: {line}\n"));
    }
    s.push('\n');
    Bytes::from(s)
}

async fn events(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    Query(c): Query<Cursor>,
) -> Response {
    // Resume point: the standard header, or `?after=` for clients that cannot set headers.
    let mut last: i64 = header(&headers, "last-event-id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(c.after);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::convert::Infallible>>(32);
    // Subscribe before the first read, so nothing committed in between is missed.
    let mut wake = state.wake.subscribe();
    let office = a.office.number.clone();
    let days_left = (a.cert.not_after - now()) / 86_400;
    tokio::spawn(async move {
        let send = |b: Bytes| tx.send(Ok(b));
        if send(Bytes::from_static(b": connected\n\n")).await.is_err() {
            return;
        }
        if days_left <= CERT_REMINDER_DAYS {
            let data = serde_json::json!({ "days_left": days_left, "not_after": a.cert.not_after })
                .to_string();
            if send(sse_frame(None, "certificate", &data)).await.is_err() {
                return;
            }
        }
        let mut heartbeat =
            tokio::time::interval(Duration::from_secs(state.config.heartbeat_secs.max(1)));
        heartbeat.tick().await;
        let mut dirty = true;
        loop {
            while dirty {
                let (st, o) = (state.clone(), office.clone());
                let batch =
                    match tokio::task::spawn_blocking(move || st.store.events(&o, last, 100)).await
                    {
                        Ok(Ok(b)) => b,
                        _ => return,
                    };
                dirty = batch.len() == 100;
                for e in batch {
                    last = e.seq;
                    if send(sse_frame(Some(e.seq), &e.kind, &e.data))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
            tokio::select! {
                w = wake.recv() => match w {
                    Ok(o) => dirty = o == office,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => dirty = true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = heartbeat.tick() => {
                    if send(Bytes::from_static(b": heartbeat\n\n")).await.is_err() {
                        return;
                    }
                }
                () = tx.closed() => return,
            }
        }
    });
    let body = axum::body::Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/event-stream"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
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
        .route("/v1/messages", post(upload))
        .route("/v1/messages/{id}/body", get(download))
        .route("/v1/messages/{id}/ack", post(acknowledge))
        .route("/v1/inbox", get(inbox))
        .route("/v1/sent", get(sent))
        .route("/v1/events", get(events))
        .route("/v1/directory", get(directory_search))
        .route("/v1/directory/{number}", get(directory_entry))
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
