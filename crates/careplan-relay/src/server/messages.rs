//! Store-and-forward: upload, inbox, download, acknowledgement, the sender's view.

use super::*;

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

/// Largest manifest accepted, in bytes: it is a small signed JSON document.
const MAX_MANIFEST: usize = 16 * 1024;

/// What the relay reads of a sender's manifest: the fields it routes by. It does not check the
/// signature (it cannot read the file the manifest speaks of; the recipient checks both), but a
/// manifest must name this very upload, so a captured body and manifest posted again under a
/// new idempotency key is refused, and altering the key inside breaks the signature.
#[derive(Deserialize)]
struct Routed {
    r#type: String,
    file_name: String,
    sender: String,
    recipient: String,
    idempotency_key: String,
}

fn routed(manifest: &str) -> Option<Routed> {
    let body = manifest.split_once('.')?.0;
    let json = data_encoding::BASE64URL_NOPAD
        .decode(body.as_bytes())
        .ok()?;
    serde_json::from_slice(&json).ok()
}

/// Whether an idempotency key is one a client makes: 1–128 letters, digits, `-` or `_`.
fn good_key(key: &str) -> bool {
    (1..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) async fn upload(
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
    if name.len() > 255 || !good_key(&key) || manifest.len() > MAX_MANIFEST {
        return Err(err(StatusCode::BAD_REQUEST, "bad_header"));
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
    let Some(signed) = routed(&manifest) else {
        return Err(err(StatusCode::BAD_REQUEST, "bad_manifest"));
    };
    if signed.r#type != "kizuna-manifest/1"
        || signed.file_name != name
        || signed.sender != a.office.number
        || signed.recipient != recipient
        || signed.idempotency_key != key
    {
        audit(
            &state,
            "upload.refused",
            Some(&a.office.number),
            a.remote,
            format!("manifest does not name this upload: {name}"),
        );
        return Err(err(StatusCode::UNPROCESSABLE_ENTITY, "manifest_mismatch"));
    }
    let st = state.clone();
    let sender = a.office.number.clone();
    let body_for_hash = body.clone();
    // Checks and hashing off the async threads; the durable part goes to the group committer.
    let prepared = blocking(move || -> Result<Result<Message, Message>, ApiError> {
        match st.store.office(&recipient).map_err(internal)? {
            None => return Err(err(StatusCode::NOT_FOUND, "unknown_recipient")),
            Some(o) if !o.active => return Err(err(StatusCode::CONFLICT, "recipient_disabled")),
            Some(_) => {}
        }
        // An earlier upload with this key answers at once, without storing the body again.
        if let Some(m) = st.store.sent_by_key(&sender, &key).map_err(internal)? {
            return Ok(Err(m));
        }
        let created = now();
        Ok(Ok(Message {
            seq: 0,
            id: hex::encode(rand::random::<[u8; 16]>()),
            sender,
            recipient,
            file_name: name,
            size: body_for_hash.len() as i64,
            sha256: hex::encode(sha2::Sha256::digest(&body_for_hash)),
            manifest,
            idempotency_key: key,
            state: MessageState::Stored,
            created_at: created,
            delivered_at: None,
            acknowledged_at: None,
            expires_at: created + st.config.expiry_days * 86_400,
            receipt: None,
        }))
    })
    .await??;
    let stored = match prepared {
        Err(earlier) => (earlier, false),
        Ok(m) => {
            let audit = AuditEvent {
                event: "upload".into(),
                office: Some(m.sender.clone()),
                message_id: Some(m.id.clone()),
                remote: Some(a.remote.ip().to_string()),
                detail: format!("{} to {} ({} bytes)", m.file_name, m.recipient, m.size),
            };
            state.committer.commit(m, audit, body).await?
        }
    };
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

pub(super) async fn inbox(
    state: State<Arc<AppState>>,
    a: Authed,
    c: Query<Cursor>,
) -> Result<Json<Page>, ApiError> {
    list(state, a, c, true).await
}

pub(super) async fn sent(
    state: State<Arc<AppState>>,
    a: Authed,
    c: Query<Cursor>,
) -> Result<Json<Page>, ApiError> {
    list(state, a, c, false).await
}

// A page of the caller's received (`inbox`) or sent messages.
async fn list(
    State(state): State<Arc<AppState>>,
    a: Authed,
    Query(c): Query<Cursor>,
    inbox: bool,
) -> Result<Json<Page>, ApiError> {
    let limit = c.limit.unwrap_or(100).clamp(1, 500);
    let list = blocking(move || {
        let office = &a.office.number;
        if inbox {
            state.store.inbox(office, c.after, limit)
        } else {
            state.store.sent(office, c.after, limit)
        }
    })
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

pub(super) async fn download(
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
        metrics::inc(&st.metrics.downloads, 1);
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

pub(super) async fn acknowledge(
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
        metrics::inc(&st.metrics.acks, 1);
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
