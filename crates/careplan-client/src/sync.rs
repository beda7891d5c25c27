//! Keeping up with the relay: states and receipts of sent files, and waiting for events.

use std::collections::HashMap;
use std::time::Duration;

use crate::client::Client;
use crate::envelope::{OfficeCertificate, RECEIPT_TYPE, Receipt};
use crate::error::Result;
use crate::events::Event;

impl Client {
    /// Fetches the relay's view of sent files (delivered, acknowledged, expired) and verifies
    /// receipts against the recipients' certificates. Returns how many files changed state.
    pub async fn refresh_sent(&self) -> Result<usize> {
        let cursor = self.db.cursor("sent_cursor")?;
        let mut after = match self.db.oldest_open_sent_seq()? {
            Some(open) => (open - 1).min(cursor),
            None => cursor,
        };
        let mut certs: HashMap<String, Vec<OfficeCertificate>> = HashMap::new();
        let mut changed = 0;
        loop {
            let page = self.api().sent(after).await?;
            for msg in &page.messages {
                let receipt = match &msg.receipt {
                    Some(signed) => {
                        if !certs.contains_key(&msg.recipient) {
                            let devices = self
                                .partner_devices(&msg.recipient)
                                .await
                                .unwrap_or_default();
                            certs.insert(msg.recipient.clone(), devices);
                        }
                        // Signed by whichever of the partner's devices received it.
                        let verified = certs[&msg.recipient]
                            .iter()
                            .find_map(|c| c.open::<Receipt>(signed).ok())
                            .filter(|r| {
                                r.r#type == RECEIPT_TYPE
                                    && r.message_id == msg.id
                                    && r.recipient == msg.recipient
                            });
                        if verified.is_none() {
                            tracing::warn!(message = %msg.id, "receipt does not verify; not recorded");
                        }
                        verified.map(|r| (signed.as_str(), r.outcome))
                    }
                    None => None,
                };
                let receipt = receipt.as_ref().map(|(s, o)| (*s, o.as_str()));
                if self
                    .db
                    .update_sent(&msg.id, msg.seq, msg.state.as_str(), receipt)?
                {
                    changed += 1;
                }
            }
            if let Some(last) = page.messages.last() {
                after = last.seq;
                if after > cursor {
                    self.db.set_meta("sent_cursor", &after.to_string())?;
                }
            }
            if page.next.is_none() || page.messages.is_empty() {
                break;
            }
        }
        Ok(changed)
    }

    /// Waits up to `timeout` for the next event from the relay, resuming after the last one
    /// seen; `None` when none came.
    pub async fn next_event(
        &self,
        stream: &mut Option<crate::events::EventStream>,
        timeout: Duration,
    ) -> Result<Option<Event>> {
        if stream.is_none() {
            let after = self.db.cursor("event_cursor")?;
            *stream = Some(self.api().events(Some(after)).await?);
        }
        let Some(s) = stream.as_mut() else {
            return Ok(None);
        };
        match tokio::time::timeout(timeout, s.next()).await {
            Err(_) => Ok(None),
            Ok(Ok(Some(event))) => {
                if let Some(id) = event.id {
                    self.db.set_meta("event_cursor", &id.to_string())?;
                }
                Ok(Some(event))
            }
            Ok(Ok(None)) => {
                // The relay ended the stream (restart): reconnect next time.
                *stream = None;
                Ok(None)
            }
            Ok(Err(e)) => {
                *stream = None;
                Err(e)
            }
        }
    }
}
