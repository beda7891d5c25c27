//! Telling the office what this device did: saves of received files and exports go to the relay
//! (its audit log names device and person; the office's other devices list the saves), queued
//! here first so that none is lost while the relay cannot be reached.

use careplan_protocol::{Activity, ActivityReport, ErrorCode};

use crate::client::Client;
use crate::error::{ClientError, Result};

impl Client {
    /// Queues a report of `activity`, naming whoever is signed in now.
    pub(crate) fn note(&self, activity: Activity) -> Result<()> {
        let report = ActivityReport {
            activity,
            by: self.signed_in().map(|p| p.login),
        };
        let body =
            serde_json::to_string(&report).map_err(|e| ClientError::Format(e.to_string()))?;
        self.db.queue_report(&body)
    }

    /// Sends the queued reports, oldest first; answers how many the relay took. A report the
    /// relay refuses for good (a message it no longer knows, one saved too often) is dropped;
    /// on any other trouble the rest wait for the next round.
    pub async fn flush_reports(&self) -> Result<usize> {
        let mut sent = 0;
        for (id, body) in self.db.due_reports()? {
            let Ok(report) = serde_json::from_str::<ActivityReport>(&body) else {
                self.db.report_done(id)?;
                continue;
            };
            match self.api().report(&report).await {
                Ok(()) => sent += 1,
                Err(
                    e @ ClientError::Relay {
                        code:
                            ErrorCode::TooManySaves | ErrorCode::NoSuchMessage | ErrorCode::BadActivity,
                        ..
                    },
                ) => tracing::warn!(error = %e, "activity report refused; dropped"),
                Err(e) => return Err(e),
            }
            self.db.report_done(id)?;
        }
        Ok(sent)
    }

    /// Fetches where and by whom the office's devices saved received files since the last
    /// look; answers how many saves were new.
    pub async fn pull_saves(&self) -> Result<usize> {
        let mut after = self.db.cursor("saves_cursor")?;
        let mut new = 0;
        loop {
            let page = self.api().saves(after).await?;
            self.db.add_office_saves(&page.saves)?;
            new += page.saves.len();
            if let Some(last) = page.saves.last() {
                after = last.seq;
                self.db.set_meta("saves_cursor", &after.to_string())?;
            }
            if page.next.is_none() || page.saves.is_empty() {
                return Ok(new);
            }
        }
    }

    /// Reports what is queued and learns what the office's other devices saved; trouble is
    /// logged, never in the way of a receive.
    pub(crate) async fn share_activity(&self) -> usize {
        if let Err(e) = self.flush_reports().await {
            tracing::debug!(error = %e, "activity reports wait");
        }
        self.pull_saves().await.unwrap_or_else(|e| {
            tracing::debug!(error = %e, "saves of the office not fetched");
            0
        })
    }
}
