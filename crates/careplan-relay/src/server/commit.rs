//! Group commit: uploads that arrive while batches are being made durable wait for the next batch,
//! which then shares one flush of all bodies and one database transaction. Nobody is answered
//! before their message is durable; under load, many are answered per flush.
//!
//! With an object store a few batches are made durable at once, so one batch's bodies are
//! stored while another's rows commit: each step waits on a different server, and one batch at
//! a time left each idle half of the time (see [`BlobStore::batches_at_once`]). Every batch
//! still stores its bodies before its rows.

use tokio::sync::{mpsc, oneshot};

use super::*;

/// Most uploads made durable together.
const MAX_BATCH: usize = 256;

/// An upload's body: in memory, or (a large one) already written to its staging path.
pub(super) enum UploadBody {
    /// Held in memory.
    Memory(Bytes),
    /// At the blob store's staging path for the message id.
    Staged,
}

struct Pending {
    message: Message,
    audit: AuditEvent,
    body: UploadBody,
    reply: oneshot::Sender<Result<(Message, bool), ApiError>>,
}

/// The handle uploads are submitted through.
pub(super) struct Committer {
    queue: mpsc::Sender<Pending>,
}

impl Committer {
    /// Starts the committing task (within the current Tokio runtime).
    pub(super) fn start(
        store: Arc<dyn MetaStore>,
        blobs: Arc<dyn BlobStore>,
        metrics: Arc<Metrics>,
        wake: tokio::sync::broadcast::Sender<String>,
    ) -> Committer {
        let (queue, rx) = mpsc::channel(1024);
        tokio::spawn(run(rx, store, blobs, metrics, wake));
        Committer { queue }
    }

    /// Makes a new message durable (body, row, event, audit entry); returns it as stored, or the
    /// earlier message with the same idempotency key (`false`).
    pub(super) async fn commit(
        &self,
        message: Message,
        audit: AuditEvent,
        body: UploadBody,
    ) -> Result<(Message, bool), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending {
                message,
                audit,
                body,
                reply,
            })
            .await
            .map_err(|_| internal("committer stopped"))?;
        answer
            .await
            .map_err(|_| internal("committer dropped an upload"))?
    }
}

async fn run(
    mut rx: mpsc::Receiver<Pending>,
    store: Arc<dyn MetaStore>,
    blobs: Arc<dyn BlobStore>,
    metrics: Arc<Metrics>,
    wake: tokio::sync::broadcast::Sender<String>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(blobs.batches_at_once().max(1)));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        // A slot first: while all are busy, uploads gather into the next batch.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        if rx.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let (jobs, replies): (Vec<_>, Vec<_>) = batch
            .drain(..)
            .map(|p| ((p.message, p.audit, p.body), p.reply))
            .unzip();
        let (store, blobs, metrics, wake) =
            (store.clone(), blobs.clone(), metrics.clone(), wake.clone());
        tokio::spawn(async move {
            let outcome = tokio::task::spawn_blocking(move || make_durable(&*store, &*blobs, jobs))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r);
            drop(slot);
            answer(outcome, replies, &metrics, &wake);
        });
    }
}

fn answer(
    outcome: Result<Vec<(Message, bool)>, String>,
    replies: Vec<oneshot::Sender<Result<(Message, bool), ApiError>>>,
    metrics: &Metrics,
    wake: &tokio::sync::broadcast::Sender<String>,
) {
    match outcome {
        Ok(stored) => {
            for (reply, (m, new)) in replies.into_iter().zip(stored) {
                if new {
                    let _ = wake.send(m.recipient.clone());
                    metrics::inc(&metrics.uploads, 1);
                    metrics::inc(&metrics.upload_bytes, m.size as u64);
                }
                let _ = reply.send(Ok((m, new)));
            }
        }
        Err(e) => replies
            .into_iter()
            .for_each(|r| drop(r.send(Err(internal(&e))))),
    }
}

// Bodies first, then rows: a row never points at a missing body.
fn make_durable(
    store: &dyn MetaStore,
    blobs: &dyn BlobStore,
    jobs: Vec<(Message, AuditEvent, UploadBody)>,
) -> Result<Vec<(Message, bool)>, String> {
    let mut bodies: Vec<(&str, &[u8])> = Vec::new();
    let mut staged: Vec<&str> = Vec::new();
    for (m, _, b) in &jobs {
        match b {
            UploadBody::Memory(bytes) => bodies.push((m.id.as_str(), &bytes[..])),
            UploadBody::Staged => staged.push(m.id.as_str()),
        }
    }
    let started = std::time::Instant::now();
    blobs
        .put_batch(&bodies, &staged)
        .map_err(|e| e.to_string())?;
    let bodies_done = started.elapsed();
    let batch: Vec<(Message, AuditEvent)> = jobs.into_iter().map(|(m, a, _)| (m, a)).collect();
    let stored = store
        .add_messages(&batch, now_ms())
        .map_err(|e| e.to_string())?;
    tracing::debug!(
        uploads = batch.len(),
        bodies_ms = bodies_done.as_secs_f64() * 1e3,
        total_ms = started.elapsed().as_secs_f64() * 1e3,
        "batch durable"
    );
    // A message that turned out to repeat an earlier one had its body written for nothing.
    for ((written, _), (_, new)) in batch.iter().zip(&stored) {
        if !new {
            let _ = blobs.delete(&written.id);
        }
    }
    Ok(stored)
}
