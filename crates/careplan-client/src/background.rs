//! Keeping an office in step with the relay while the app runs: upload what is queued,
//! receive (saving into the import folder where this device imports), follow states and
//! receipts, and wait on the event stream (polling once a minute as a fallback). The desktop app runs this; so can any long-lived shell.

use std::path::{Path, PathBuf};
use std::time::Duration;

use careplan_protocol::EventKind;

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::receive::Received;

/// Something the user may want to know about, as it happens.
#[derive(Debug)]
pub enum Activity {
    /// Files arrived and were saved (or quarantined).
    Received(Vec<Received>),
    /// Devices of the office saved received files (this one or others): the inbox may show
    /// more.
    OfficeSaved,
    /// Sent files changed state (delivered, acknowledged, rejected, expired); how many.
    SentChanged(usize),
    /// Queued files were accepted by the relay; how many.
    Uploaded(usize),
    /// The office certificate ends within 30 days.
    CertificateEnding {
        /// Days left.
        days_left: i64,
    },
    /// The relay cannot be reached or refused us; the loop keeps trying.
    Trouble(ClientError),
    /// The relay answers again after trouble.
    Connected,
}

/// What the loop asks of its host each round.
pub trait Host {
    /// Where this device saves arrivals (the care software's import folder); `None`: it only
    /// keeps them, another device of the office saves them.
    fn import_dir(&self) -> Option<PathBuf>;
    /// Tells the host what happened.
    fn activity(&self, activity: Activity);
    /// Whether to stop.
    fn stopping(&self) -> bool;
}

/// Sleeps for `pause`, or less when the host asks to stop.
async fn pause(host: &impl Host, pause: Duration) {
    let step = Duration::from_millis(250);
    let mut left = pause;
    while !left.is_zero() && !host.stopping() {
        let now = step.min(left);
        tokio::time::sleep(now).await;
        left -= now;
    }
}

/// Longest wait before a device whose event stream broke connects again.
const RECONNECT_SPREAD: Duration = Duration::from_secs(5);

/// A wait of up to `longest`, different for every device: when a relay node stops, the
/// thousands of devices whose streams it held come back spread over a few seconds, not all in
/// the same instant to the nodes left.
fn spread(longest: Duration) -> Duration {
    longest.mul_f64(rand::random::<f64>())
}

impl Client {
    /// Receives what is waiting into `dir` (or keeps it, with none), once: due files are
    /// uploaded first, then what this device did is reported and what the office's devices saved
    /// fetched, and the states of sent files refreshed (their failures stay in the outbox and
    /// the status).
    pub async fn receive_once(&self, dir: Option<&Path>) -> Result<Vec<Received>> {
        if let Err(e) = self.flush_outbox(false).await {
            tracing::debug!(error = %e, "outbox not flushed");
        }
        let received = self.receive(dir).await?;
        self.share_activity().await;
        if let Err(e) = self.refresh_sent().await {
            tracing::debug!(error = %e, "sent states not refreshed");
        }
        Ok(received)
    }

    /// One round: upload due files, receive, refresh sent states. Errors are reported to the
    /// host; returns whether the relay answered.
    pub async fn sync_once(&self, host: &impl Host) -> bool {
        let mut ok = true;
        // An app left running for weeks erases an earlier encryption key when its time is up.
        if let Err(e) = self.keep_keys_tidy() {
            tracing::warn!(error = %e, "earlier encryption keys not tidied");
        }
        match self.flush_outbox(false).await {
            Ok(ups) => {
                let n = ups.iter().filter(|u| u.result.is_ok()).count();
                if n > 0 {
                    host.activity(Activity::Uploaded(n));
                }
                if let Some(e) = ups.into_iter().find_map(|u| u.result.err()) {
                    ok &= !e.is_transient();
                }
            }
            Err(e) => {
                host.activity(Activity::Trouble(e));
                return false;
            }
        }
        // Every device receives (and keeps a sealed copy); only those that import save.
        let dir = host.import_dir();
        match self.receive(dir.as_deref()).await {
            Ok(r) if !r.is_empty() => host.activity(Activity::Received(r)),
            Ok(_) => {}
            Err(e) => {
                host.activity(Activity::Trouble(e));
                return false;
            }
        }
        if self.share_activity().await > 0 {
            host.activity(Activity::OfficeSaved);
        }
        match self.refresh_sent().await {
            Ok(0) => {}
            Ok(n) => host.activity(Activity::SentChanged(n)),
            Err(e) => {
                host.activity(Activity::Trouble(e));
                return false;
            }
        }
        ok
    }

    /// Keeps the office in step with the relay until the host says stop: a round now, then one
    /// whenever the relay announces something (or a quiet minute passed), backing off while it
    /// cannot be reached.
    pub async fn watch(&self, host: &impl Host) {
        let mut stream = None;
        let mut healthy = true;
        let mut backoff = Duration::from_secs(2);
        let days = self.certificate_days_left();
        if days <= 30 {
            host.activity(Activity::CertificateEnding { days_left: days });
        }
        while !host.stopping() {
            let ok = self.sync_once(host).await;
            if ok && !healthy {
                host.activity(Activity::Connected);
            }
            healthy = ok;
            if !ok {
                stream = None;
                pause(host, backoff / 2 + spread(backoff / 2)).await;
                backoff = (backoff * 2).min(Duration::from_secs(60));
                continue;
            }
            backoff = Duration::from_secs(2);
            // Wait for something to happen (or a minute, then look anyway), checking for a stop
            // request every second.
            let mut quiet_seconds = 0;
            loop {
                if host.stopping() {
                    return;
                }
                match self.next_event(&mut stream, Duration::from_secs(1)).await {
                    Ok(Some(e)) if e.kind == Some(EventKind::Certificate) => continue,
                    Ok(Some(_)) => break,
                    Ok(None) if stream.is_none() => break,
                    Ok(None) => {
                        quiet_seconds += 1;
                        if quiet_seconds >= 60 {
                            break;
                        }
                    }
                    Err(_) => {
                        stream = None;
                        pause(host, spread(RECONNECT_SPREAD)).await;
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod spread_tests {
    use super::*;

    #[test]
    fn devices_wait_different_times_within_the_spread_before_they_reconnect() {
        let waits: Vec<Duration> = (0..200).map(|_| spread(RECONNECT_SPREAD)).collect();
        assert!(waits.iter().all(|w| *w <= RECONNECT_SPREAD));
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 150, "{distinct:?}");
        // Spread over the whole time, not bunched at one end.
        let late = waits.iter().filter(|w| **w > RECONNECT_SPREAD / 2).count();
        assert!((50..150).contains(&late), "{late} of 200 in the later half");
    }
}
