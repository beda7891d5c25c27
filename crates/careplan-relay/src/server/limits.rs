//! Limits on what a peer controls: how many connections it holds, how slowly it sends a body,
//! and how refusals read (always a JSON body with a stable code).

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use careplan_protocol::{ErrorBody, ErrorCode};
use http_body::{Body, Frame, SizeHint};

/// Open connections, in total and per client address.
pub(super) struct Connections {
    max_total: usize,
    max_per_ip: usize,
    total: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; dropping it frees its place.
pub(super) struct Admitted<'a> {
    connections: &'a Connections,
    ip: IpAddr,
}

impl Connections {
    pub(super) fn new(max_total: usize, max_per_ip: usize) -> Connections {
        Connections {
            max_total,
            max_per_ip,
            total: AtomicUsize::new(0),
            per_ip: Mutex::new(HashMap::new()),
        }
    }

    /// A place for a connection from `ip`, or `None` when it or the relay has too many.
    pub(super) fn admit(&self, ip: IpAddr) -> Option<Admitted<'_>> {
        let mut per_ip = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        let mine = per_ip.entry(ip).or_insert(0);
        if *mine >= self.max_per_ip || self.total.load(Ordering::SeqCst) >= self.max_total {
            if *mine == 0 {
                per_ip.remove(&ip);
            }
            return None;
        }
        *mine += 1;
        self.total.fetch_add(1, Ordering::SeqCst);
        Some(Admitted {
            connections: self,
            ip,
        })
    }

    /// Connections open now.
    pub(super) fn open(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        let mut per_ip = self
            .connections
            .per_ip
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per_ip.remove(&self.ip);
            }
        }
        self.connections.total.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A request body that fails when the client sends nothing for `idle`: a body that stalls is
/// cut, and its connection with it, instead of holding them forever.
pub(super) struct IdleTimeoutBody<B> {
    inner: B,
    idle: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

/// The error of a body that stalled.
#[derive(Debug, thiserror::Error)]
#[error("request body stalled")]
pub(super) struct BodyStalled;

impl<B> IdleTimeoutBody<B> {
    pub(super) fn new(inner: B, idle: Duration) -> IdleTimeoutBody<B> {
        IdleTimeoutBody {
            inner,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

impl<B> Body for IdleTimeoutBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let deadline = tokio::time::Instant::now() + this.idle;
                this.timer.as_mut().reset(deadline);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(BodyStalled.into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Gives every refusal a JSON body `{"error": code}`: the handlers' own already have one; the
/// framework's (413 for a body over the limit, 404 for an unknown route, …) get one here.
pub(super) async fn json_refusals(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = ErrorBody {
        error: ErrorCode::for_status(status.as_u16()),
    };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_address_gets_at_most_its_share_and_frees_it_when_done() {
        let c = Connections::new(10, 2);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = c.admit(ip).unwrap();
        let b = c.admit(ip).unwrap();
        assert!(c.admit(ip).is_none(), "a third from the same address");
        assert!(c.admit("192.0.2.2".parse().unwrap()).is_some());
        drop(a);
        assert!(c.admit(ip).is_some());
        drop(b);
    }

    #[test]
    fn the_relay_admits_no_more_than_its_total() {
        let c = Connections::new(3, 2);
        let held: Vec<_> = (1..=3)
            .filter_map(|i| c.admit(format!("192.0.2.{i}").parse().unwrap()))
            .collect();
        assert_eq!(held.len(), 3);
        assert!(c.admit("192.0.2.9".parse().unwrap()).is_none());
        assert_eq!(c.open(), 3);
        drop(held);
        assert_eq!(c.open(), 0);
    }

    #[tokio::test]
    async fn a_body_that_stalls_fails_after_the_idle_time() {
        use http_body_util::BodyExt;
        use tokio_stream::StreamExt;
        // One byte, then nothing ever again.
        let first: Result<Frame<Bytes>, std::convert::Infallible> =
            Ok(Frame::data(Bytes::from_static(b"{")));
        let stream = tokio_stream::iter([first]).chain(tokio_stream::pending());
        let mut timed = IdleTimeoutBody::new(
            http_body_util::StreamBody::new(stream),
            Duration::from_millis(200),
        );
        assert!(
            timed.frame().await.unwrap().is_ok(),
            "the first byte arrives"
        );
        let stalled = timed.frame().await.unwrap();
        assert!(stalled.is_err(), "then nothing for the idle time");
    }
}
