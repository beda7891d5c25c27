//! Server-sent events per office, resumable from the last event id.

use super::*;
use axum::response::sse::{Event, Sse};
use careplan_protocol::CertificateEvent;

/// Days before a certificate's end at which its event stream starts reminding.
pub const CERT_REMINDER_DAYS: i64 = 30;

// One server-sent event (axum writes a `data:` line per line of `data`).
fn sse_frame(id: Option<i64>, kind: &str, data: &str) -> Event {
    let event = Event::default().event(kind).data(data);
    match id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}

pub(super) async fn events(
    State(state): State<Arc<AppState>>,
    a: Authed,
    headers: HeaderMap,
    Query(c): Query<Cursor>,
) -> Response {
    // Resume point: the standard header, or `?after=` for clients that cannot set headers.
    let mut last: i64 = header(&headers, "last-event-id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(c.after);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, std::convert::Infallible>>(32);
    // Subscribe before the first read, so nothing committed in between is missed.
    let mut wake = state.wake.subscribe();
    let mut stopping = state.stopping.subscribe();
    let mut rights = state.rights_ended.subscribe();
    let serial = a.cert.serial.clone();
    let office = a.office.number.clone();
    let days_left = (a.cert.not_after - now()) / 86_400;
    tokio::spawn(async move {
        let _open = state.metrics.stream_opened();
        let send = |e: Event| tx.send(Ok(e));
        if send(Event::default().comment("connected")).await.is_err() {
            return;
        }
        if days_left <= CERT_REMINDER_DAYS {
            let data = serde_json::to_string(&CertificateEvent {
                days_left,
                not_after: a.cert.not_after,
            })
            .unwrap_or_default();
            let kind = EventKind::Certificate.as_str();
            if send(sse_frame(None, kind, &data)).await.is_err() {
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
                    Ok(o) => dirty = o == office || o == crate::store::WAKE_ALL,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => dirty = true,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = heartbeat.tick() => {
                    if send(Event::default().comment("heartbeat")).await.is_err() {
                        return;
                    }
                }
                () = tx.closed() => return,
                // The relay is stopping: end the stream so the connection can close.
                _ = stopping.changed() => return,
                // Its certificate was revoked or its office disabled: nothing more for it.
                r = rights.recv() => match r {
                    Ok(ended) if ended.serials.contains(&serial) || ended.offices.contains(&office) => return,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        if !still_allowed(&state, &serial).await {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    });
    // The heartbeat is the loop's own (it also notices a connection gone), so no keep-alive.
    Sse::new(tokio_stream::wrappers::ReceiverStream::new(rx)).into_response()
}

// Whether the certificate `serial` is still unrevoked and its office active (asked when the
// stream missed notices).
async fn still_allowed(state: &Arc<AppState>, serial: &str) -> bool {
    let (st, serial) = (state.clone(), serial.to_owned());
    tokio::task::spawn_blocking(move || {
        let cert = st.store.certificate(&serial).ok().flatten()?;
        let office = st.store.office(&cert.office).ok().flatten()?;
        Some(cert.revoked_at.is_none() && office.active)
    })
    .await
    .ok()
    .flatten()
    .unwrap_or(false)
}
