//! Store-and-forward: upload, inbox, download, acknowledgement, the sender's view.

use super::*;
use careplan_protocol::{MAX_MANIFEST, Manifest};

/// Whether an idempotency key is one a client makes: 1–128 letters, digits, `-` or `_`.
fn good_key(key: &str) -> bool {
    (1..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Bodies up to this size are held in memory until they are durable; larger ones are written
/// to the blob store's staging file as they arrive, so memory stays bounded whatever is sent.
const IN_MEMORY_BODY: usize = 256 * 1024;

pub(super) async fn upload(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let name = header(&headers, "x-kizuna-file-name")
        .ok_or(err(ErrorCode::FileNameMissing))?
        .to_owned();
    let key = header(&headers, "idempotency-key")
        .ok_or(err(ErrorCode::IdempotencyKeyMissing))?
        .to_owned();
    let manifest = header(&headers, "x-kizuna-manifest")
        .ok_or(err(ErrorCode::ManifestMissing))?
        .to_owned();
    if name.len() > 255 || !good_key(&key) || manifest.len() > MAX_MANIFEST {
        return Err(err(ErrorCode::BadHeader));
    }
    let too_large = || err(ErrorCode::TooLarge);
    let declared = header(&headers, "content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.max_upload_bytes) {
        return Err(too_large());
    }
    // Routing is in the standard file name; the relay checks it but never opens the body.
    let parsed = careplan_csv::FileName::parse(&name).map_err(|_| err(ErrorCode::BadFileName))?;
    if parsed.sender.office.as_str() != a.office.number {
        audit(
            &state,
            "upload.refused",
            Some(&a.office.number),
            a.remote,
            format!("sender mismatch {name}"),
        );
        return Err(err(ErrorCode::SenderMismatch));
    }
    let recipient = parsed.recipient.office.to_string();
    let Some(signed) = Manifest::read_unverified(&manifest) else {
        return Err(err(ErrorCode::BadManifest));
    };
    if !signed.names(&name, &a.office.number, &recipient, &key) {
        audit(
            &state,
            "upload.refused",
            Some(&a.office.number),
            a.remote,
            format!("manifest does not name this upload: {name}"),
        );
        return Err(err(ErrorCode::ManifestMismatch));
    }
    // The recipient and a repeated key are known before the body is read.
    let st = state.clone();
    let sender = a.office.number.clone();
    let (rcpt, k) = (recipient.clone(), key.clone());
    let earlier = blocking(move || -> Result<Option<Message>, ApiError> {
        match st.store.office(&rcpt).map_err(internal)? {
            None => return Err(err(ErrorCode::UnknownRecipient)),
            Some(o) if !o.active => return Err(err(ErrorCode::RecipientDisabled)),
            Some(_) => {}
        }
        st.store.sent_by_key(&sender, &k).map_err(internal)
    })
    .await??;
    if let Some(m) = earlier {
        // The same upload again (a retry): answered at once, nothing stored twice.
        return Ok(uploaded(m, false));
    }
    let id = hex::encode(rand::random::<[u8; 16]>());
    let received = receive_body(&state, &id, body).await?;
    let created = now();
    let m = Message {
        seq: 0,
        id,
        sender: a.office.number.clone(),
        recipient,
        file_name: name,
        size: received.size as i64,
        sha256: received.sha256,
        manifest,
        idempotency_key: key,
        state: MessageState::Stored,
        created_at: created,
        delivered_at: None,
        acknowledged_at: None,
        expires_at: created + state.config.expiry_days * 86_400,
        receipt: None,
    };
    let audit = AuditEvent {
        event: "upload".into(),
        office: Some(m.sender.clone()),
        message_id: Some(m.id.clone()),
        remote: Some(a.remote.ip().to_string()),
        detail: format!(
            "{} to {} ({} bytes) {}",
            m.file_name,
            m.recipient,
            m.size,
            staff::who(&state, &a, &headers).await
        ),
    };
    let (m, new) = state.committer.commit(m, audit, received.body).await?;
    Ok(uploaded(m, new))
}

fn uploaded(m: Message, new: bool) -> Response {
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(UploadResponse {
            id: m.id,
            state: m.state,
            duplicate: !new,
        }),
    )
        .into_response()
}

/// A body as read: where it is, its size and hash.
struct ReceivedBody {
    body: commit::UploadBody,
    size: u64,
    sha256: String,
}

// Reads an upload's body, bounded by `max_upload_bytes`: in memory while small, then into the
// staging file of message `id`. A body over the limit, or one that breaks off, leaves nothing.
async fn receive_body(
    state: &AppState,
    id: &str,
    body: axum::body::Body,
) -> Result<ReceivedBody, ApiError> {
    use http_body_util::BodyExt;
    use tokio::io::AsyncWriteExt;
    let max = state.config.max_upload_bytes;
    let mut body = body;
    let mut hasher = sha2::Sha256::new();
    let mut size: u64 = 0;
    let mut held = axum::body::Bytes::new();
    let mut memory: Vec<u8> = Vec::new();
    let mut staged: Option<(std::path::PathBuf, tokio::fs::File)> = None;
    let result: Result<(), ApiError> = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| err(ErrorCode::BodyBrokenOff))?;
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            size += chunk.len() as u64;
            if size > max {
                return Err(err(ErrorCode::TooLarge));
            }
            hasher.update(&chunk);
            if let Some((_, file)) = staged.as_mut() {
                file.write_all(&chunk).await.map_err(internal)?;
            } else if held.is_empty() && memory.is_empty() {
                // Most bodies arrive in one piece: kept as they came, not copied.
                held = chunk;
            } else {
                if memory.is_empty() {
                    memory.extend_from_slice(&held);
                    held = axum::body::Bytes::new();
                }
                memory.extend_from_slice(&chunk);
                if memory.len() > IN_MEMORY_BODY {
                    let path = state.blobs.staging_path(id).map_err(internal)?;
                    let mut file = tokio::fs::File::create(&path).await.map_err(internal)?;
                    file.write_all(&memory).await.map_err(internal)?;
                    memory = Vec::new();
                    staged = Some((path, file));
                }
            }
        }
        if let Some((_, file)) = staged.as_mut() {
            file.flush().await.map_err(internal)?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        if let Some((path, file)) = staged.take() {
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
        }
        return Err(e);
    }
    let body = match staged {
        Some(_) => commit::UploadBody::Staged,
        None if memory.is_empty() => commit::UploadBody::Memory(held),
        None => commit::UploadBody::Memory(memory.into()),
    };
    Ok(ReceivedBody {
        body,
        size,
        sha256: hex::encode(hasher.finalize()),
    })
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
pub(super) fn own_message(state: &AppState, a: &Authed, id: &str) -> Result<Message, ApiError> {
    match state.store.message(id).map_err(internal)? {
        Some(m) if m.recipient == a.office.number => Ok(m),
        _ => Err(err(ErrorCode::NoSuchMessage)),
    }
}

pub(super) async fn download(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = staff::who(&state, &a, &headers).await;
    let st = state.clone();
    blocking(move || {
        let m = own_message(&st, &a, &id)?;
        // An acknowledged message is still there for the office's other devices until each
        // has fetched it.
        if m.state == MessageState::Expired {
            return Err(err(ErrorCode::MessageGone));
        }
        let body = match st.blobs.get(&m.id) {
            Ok(body) => body,
            Err(_) if m.state == MessageState::Acknowledged => {
                return Err(err(ErrorCode::MessageGone));
            }
            Err(e) => return Err(internal(e)),
        };
        st.store.mark_delivered(&m.id, now()).map_err(internal)?;
        st.store
            .record_fetch(&m.id, &a.cert.encryption_key, now())
            .map_err(internal)?;
        if m.state == MessageState::Acknowledged {
            release_body(&st, &m)?;
        }
        metrics::inc(&st.metrics.downloads, 1);
        audit_message(
            &st,
            "download",
            Some(&a.office.number),
            Some(&m.id),
            a.remote,
            who,
        );
        Ok((
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            body,
        )
            .into_response())
    })
    .await?
}

pub(super) async fn acknowledge(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(req): Json<AckRequest>,
) -> Result<StatusCode, ApiError> {
    let who = staff::who(&state, &a, &headers).await;
    if req.receipt.is_empty() || req.receipt.len() > MAX_MANIFEST {
        return Err(err(ErrorCode::BadReceipt));
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
                _ => Err(err(ErrorCode::MessageGone)),
            };
        }
        st.wake(&m.sender);
        metrics::inc(&st.metrics.acks, 1);
        release_body(&st, &m)?;
        audit_message(
            &st,
            "ack",
            Some(&a.office.number),
            Some(&m.id),
            a.remote,
            who,
        );
        Ok(StatusCode::OK)
    })
    .await?
}

/// Deletes an acknowledged message's body once every device it was encrypted to that is still
/// enrolled has fetched it: then the relay keeps no copy of the (encrypted) care data. Manifests
/// that name no devices (clients from before devices) go at the acknowledgement.
fn release_body(st: &AppState, m: &Message) -> Result<(), ApiError> {
    let named: Vec<String> = Manifest::read_unverified(&m.manifest)
        .map(|r| r.recipients)
        .unwrap_or_default();
    if !named.is_empty() {
        // By device, not by key: a device that renewed since (with a new encryption key) still
        // fetches what was encrypted to its key before, and keeps that key for it.
        let key_devices = st.store.key_devices(&m.recipient).map_err(internal)?;
        let device_of = |key: &String| {
            key_devices
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, d)| d.clone())
        };
        let enrolled: Vec<String> = st
            .store
            .current_devices(&m.recipient, now())
            .map_err(internal)?
            .into_iter()
            .map(|c| c.device)
            .collect();
        let fetched: Vec<String> = st
            .store
            .fetched_by(&m.id)
            .map_err(internal)?
            .iter()
            .filter_map(device_of)
            .collect();
        let waiting = named
            .iter()
            .filter_map(device_of)
            .any(|d| enrolled.contains(&d) && !fetched.contains(&d));
        if waiting {
            return Ok(());
        }
    }
    st.blobs.delete(&m.id).map_err(internal)?;
    st.store.body_gone(&m.id).map_err(internal)
}
