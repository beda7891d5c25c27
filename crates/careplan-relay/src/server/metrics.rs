//! Counters and gauges for Prometheus at `/metrics`: counts only, never contents or names.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use super::*;

/// The relay's counters.
#[derive(Default)]
pub struct Metrics {
    pub(super) uploads: AtomicU64,
    pub(super) upload_bytes: AtomicU64,
    pub(super) downloads: AtomicU64,
    pub(super) acks: AtomicU64,
    pub(super) logins_ok: AtomicU64,
    pub(super) logins_failed: AtomicU64,
    pub(super) expired: AtomicU64,
    pub(super) connections_refused: AtomicU64,
    pub(super) streams_open: AtomicI64,
}

/// Adds `n` to a counter.
pub(super) fn inc(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Relaxed);
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let counters = [
            ("kizuna_uploads_total", "Messages stored.", &self.uploads),
            (
                "kizuna_upload_bytes_total",
                "Ciphertext bytes stored.",
                &self.upload_bytes,
            ),
            (
                "kizuna_downloads_total",
                "Message bodies fetched.",
                &self.downloads,
            ),
            (
                "kizuna_acknowledgements_total",
                "Signed receipts recorded.",
                &self.acks,
            ),
            (
                "kizuna_logins_total",
                "Successful enrolment logins.",
                &self.logins_ok,
            ),
            (
                "kizuna_logins_failed_total",
                "Failed enrolment logins.",
                &self.logins_failed,
            ),
            (
                "kizuna_expired_total",
                "Messages expired undelivered.",
                &self.expired,
            ),
            (
                "kizuna_connections_refused_total",
                "Connections answered 503 because a client or the relay had too many.",
                &self.connections_refused,
            ),
        ];
        let mut out = String::new();
        for (name, help, v) in counters {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                v.load(Relaxed)
            ));
        }
        let open = self.streams_open.load(Relaxed);
        out.push_str(&format!("# HELP kizuna_event_streams Open event streams.\n# TYPE kizuna_event_streams gauge\nkizuna_event_streams {open}\n"));
        out
    }

    /// Counts an open event stream until the guard is dropped.
    pub(super) fn stream_opened(self: &Arc<Self>) -> StreamGuard {
        self.streams_open.fetch_add(1, Relaxed);
        StreamGuard(self.clone())
    }
}

/// Decrements the open-stream gauge when dropped.
pub(super) struct StreamGuard(Arc<Metrics>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.streams_open.fetch_sub(1, Relaxed);
    }
}

/// `/metrics`, answered only on loopback: operators scrape it locally or through their proxy.
pub(super) async fn metrics(
    State(state): State<Arc<AppState>>,
    Extension(info): Extension<ConnInfo>,
) -> Response {
    if !info.remote.ip().is_loopback() {
        return err(ErrorCode::NotFound).into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
        .into_response()
}
