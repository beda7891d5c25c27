//! Receiving: download → decrypt → verify the sender's signature and hash → validate → save the
//! exact bytes under their own name (atomically, never overwriting) → record → signed receipt.
//! Whatever fails verification is kept encrypted in quarantine and never saved as a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use careplan_csv::{FileName, Input, Lang, Mode};
use serde::Serialize;

use crate::client::Client;
use crate::envelope::{self, RECEIPT_TYPE, Receipt, VerifyError};
use crate::error::{ClientError, Result};
use crate::file_state::FileState;
use crate::store::{NewReceived, Unreported, now};
use careplan_protocol::{Activity, Message as RelayMessage, MessageState};

/// What happened to one received message.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    /// Relay message id.
    pub relay_id: String,
    /// Sender office.
    pub sender: String,
    /// Standard file name.
    pub file_name: String,
    /// Where the file was saved, when it was.
    pub saved_path: Option<PathBuf>,
    /// Why it was quarantined, when it was.
    pub quarantined: Option<String>,
    /// Refused as a copy of a file already received (same signed manifest): not saved, no
    /// receipt.
    pub replayed: bool,
    /// Verified and kept here, not saved into a folder: this device leaves that to another of
    /// the office.
    pub kept: bool,
    /// Who sent it at the partner, `name (login)`, from the signed manifest.
    pub sent_by: Option<String>,
    /// Validation errors in the received file (saved all the same: the sender's problem).
    pub errors: usize,
    /// Validation warnings.
    pub warnings: usize,
}

impl From<Unreported> for Received {
    fn from(u: Unreported) -> Received {
        Received {
            relay_id: u.relay_id,
            sender: u.sender,
            file_name: u.file_name,
            // A quarantined file's path is its encrypted copy in quarantine, not a saved file.
            saved_path: u
                .saved_path
                .filter(|_| u.state == FileState::Saved.as_str())
                .map(PathBuf::from),
            quarantined: (u.state == "quarantined").then(|| u.reason.unwrap_or_default()),
            replayed: u.state == "replayed",
            kept: u.state == "kept",
            sent_by: u.sent_by,
            errors: u.errors,
            warnings: u.warnings,
        }
    }
}

struct Opened {
    msg: RelayMessage,
    manifest: envelope::Manifest,
    plain: Vec<u8>,
}

impl Client {
    /// Takes every message waiting at the relay and saves it into `out_dir`; with none, each is
    /// verified and kept here (sealed, for saving later) and another device of the office saves
    /// it. The receipt goes either way; the relay passes on only the first of the office's.
    pub async fn receive(&self, out_dir: Option<&Path>) -> Result<Vec<Received>> {
        self.ensure_certificate_valid()?;
        if let Some(dir) = out_dir {
            std::fs::create_dir_all(dir).map_err(|e| ClientError::io(dir, e))?;
        }
        let mut after = self.db.cursor("inbox_cursor")?;
        loop {
            let page = self.api().inbox(after).await?;
            let mut opened = Vec::new();
            for msg in &page.messages {
                if let Some((id, acknowledged, receipt)) = self.db.received_state(&msg.id)? {
                    // Handled before a crash or cut-off: only the receipt may still be owed.
                    if !acknowledged {
                        self.acknowledge(id, &msg.id, &receipt).await?;
                    }
                    continue;
                }
                // Acknowledged by another device of this office: still this device's to take
                // (its receipt went once, from the other device). Expired: gone.
                if msg.state == MessageState::Expired {
                    continue;
                }
                // Encrypted to other devices of the office only (sent before this one joined):
                // not this device's to open, and no receipt of its may reject it.
                if !self.may_open(msg) {
                    tracing::info!(message = %msg.id, "not encrypted to this device; left to the others");
                    continue;
                }
                match self.open_message(msg).await? {
                    // Acknowledged or expired since it was listed: nothing to take any more.
                    None => {}
                    // The same sending again (a replayed envelope, a copied message): refused.
                    Some(Ok((manifest, _)))
                        if self
                            .db
                            .manifest_seen(&msg.sender, &manifest.idempotency_key)?
                            || opened.iter().any(|o: &Opened| {
                                o.msg.sender == msg.sender
                                    && o.manifest.idempotency_key == manifest.idempotency_key
                            }) =>
                    {
                        self.refuse_replay(msg, &manifest)?;
                    }
                    Some(Ok((manifest, plain))) => opened.push(Opened {
                        msg: msg.clone(),
                        manifest,
                        plain,
                    }),
                    Some(Err(why)) => {
                        self.quarantine(msg, why).await?;
                    }
                }
            }
            // Files of one unit arrive together and are validated together.
            let reports = crate::work::heavy(|| {
                careplan_csv::validate(
                    opened
                        .iter()
                        .map(|o| Input::bytes(o.msg.file_name.clone(), o.plain.clone())),
                    Mode::Receive,
                )
            });
            for (o, report) in opened.iter().zip(reports) {
                self.save(o, &report, out_dir).await?;
            }
            if let Some(last) = page.messages.last() {
                after = last.seq;
                self.db.set_meta("inbox_cursor", &after.to_string())?;
            }
            if page.next.is_none() || page.messages.is_empty() {
                break;
            }
        }
        // What this receive saved, quarantined or refused, and what an earlier one did but was
        // cut off before it could say (its receipts went out above): each reported once.
        let unreported = self.db.unreported()?;
        self.db
            .mark_reported(&unreported.iter().map(|u| u.id).collect::<Vec<_>>())?;
        Ok(unreported.into_iter().map(Received::from).collect())
    }

    /// Whether the message was encrypted to a key this device holds, by what its manifest says
    /// (not verified yet: a manifest naming no devices, from an older sender, may be for any).
    fn may_open(&self, msg: &RelayMessage) -> bool {
        let named = careplan_protocol::Manifest::read_unverified(&msg.manifest)
            .map(|m| m.recipients)
            .unwrap_or_default();
        named.is_empty() || {
            let mine = self.keys.recipients();
            named.iter().any(|k| mine.contains(k))
        }
    }

    /// Downloads and verifies one message. The outer error is for the caller (network); `None`
    /// when the body is gone; the inner result is the verdict on the message.
    async fn open_message(
        &self,
        msg: &RelayMessage,
    ) -> Result<Option<Result<(envelope::Manifest, Vec<u8>), VerifyError>>> {
        let Some(ciphertext) = self.api().body(&msg.id).await? else {
            return Ok(None);
        };
        let devices = match self.partner_devices(&msg.sender).await {
            Ok(devices) => devices,
            Err(ClientError::PartnerCertificate { reason, .. }) => {
                return Ok(Some(Err(VerifyError::Certificate(reason))));
            }
            Err(ClientError::RecipientNotEnrolled(_) | ClientError::RecipientDisabled(_)) => {
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        // Signed by one of the sender's devices: the one whose signature verifies. A device
        // revoked since it signed is no longer among them, and its files are not accepted.
        let mut verdict = Err(VerifyError::Certificate(
            "no enrolled device of the sender".into(),
        ));
        for cert in &devices {
            verdict = envelope::open_envelope(
                &self.keys,
                cert,
                &msg.manifest,
                &ciphertext,
                (&msg.file_name, &msg.sender, &self.office),
            );
            if !matches!(verdict, Err(VerifyError::BadSignature)) {
                break;
            }
        }
        Ok(Some(verdict.inspect_err(|_| {
            // Keep the ciphertext for inspection.
            let _ = self.keep_quarantined(&msg.id, &ciphertext);
        })))
    }

    fn keep_quarantined(&self, id: &str, ciphertext: &[u8]) -> Result<()> {
        let dir = self.quarantine_dir();
        std::fs::create_dir_all(&dir).map_err(|e| ClientError::io(&dir, e))?;
        let path = dir.join(format!("{}.age", safe_component(id)));
        std::fs::write(&path, ciphertext).map_err(|e| ClientError::io(&path, e))
    }

    // A second message with a manifest already accepted: recorded as refused, not saved, no
    // receipt (the relay lets it expire).
    fn refuse_replay(&self, msg: &RelayMessage, manifest: &envelope::Manifest) -> Result<()> {
        let name = FileName::parse(&msg.file_name).ok();
        let reason = "a copy of a file already received (same signed manifest)";
        let me = self.person_label();
        self.db.record_received(&NewReceived {
            relay_id: &msg.id,
            relay_seq: msg.seq,
            sender: &msg.sender,
            file_name: &msg.file_name,
            kind: name.as_ref().map(|n| n.kind.prefix()),
            month: None,
            users: None,
            size: None,
            sha256: Some(&manifest.sha256),
            state: "replayed",
            saved_path: None,
            sealed: None,
            reason: Some(reason),
            findings: None,
            errors: 0,
            warnings: 0,
            receipt: "",
            manifest_key: Some(&manifest.idempotency_key),
            sent_by: manifest.sent_by.as_deref(),
            received_by: me.as_deref(),
        })?;
        tracing::warn!(message = %msg.id, sender = %msg.sender, "replayed file refused");
        Ok(())
    }

    async fn quarantine(&self, msg: &RelayMessage, why: VerifyError) -> Result<()> {
        let reason = why.to_string();
        let receipt = self.receipt(msg, "", "rejected", Some(&reason))?;
        let path = self
            .quarantine_dir()
            .join(format!("{}.age", safe_component(&msg.id)));
        let path_text = path.display().to_string();
        let name = FileName::parse(&msg.file_name).ok();
        let id = self.db.record_received(&NewReceived {
            relay_id: &msg.id,
            relay_seq: msg.seq,
            sender: &msg.sender,
            file_name: &msg.file_name,
            kind: name.as_ref().map(|n| n.kind.prefix()),
            month: None,
            users: None,
            size: None,
            sha256: None,
            state: "quarantined",
            saved_path: path.exists().then_some(path_text.as_str()),
            sealed: None,
            reason: Some(&reason),
            findings: None,
            errors: 0,
            warnings: 0,
            receipt: &receipt,
            manifest_key: None,
            // Unverified: whatever the manifest says of its sender is not taken.
            sent_by: None,
            received_by: self.person_label().as_deref(),
        })?;
        tracing::warn!(message = %msg.id, sender = %msg.sender, %reason, "received file quarantined");
        self.acknowledge(id, &msg.id, &receipt).await?;
        Ok(())
    }

    async fn save(
        &self,
        o: &Opened,
        report: &careplan_csv::FileReport,
        out_dir: Option<&Path>,
    ) -> Result<()> {
        let msg = &o.msg;
        let saved = match out_dir {
            Some(dir) => Some(write_new_file(dir, &msg.file_name, &o.plain)?),
            None => None,
        };
        let sha = envelope::sha256_hex(&o.plain);
        let sealed = envelope::encrypt(&[self.keys.encryption_recipient()], &o.plain)?;
        let receipt = self.receipt(msg, &sha, "accepted", None)?;
        let findings: Vec<_> = report
            .findings
            .iter()
            .map(|f| crate::plan::finding_view(f, Lang::Ja))
            .collect();
        let name = report.file_name.as_ref();
        let month = name.and_then(|n| n.month.as_ref().map(|m| m.to_string()));
        let saved_text = saved.as_ref().map(|p| p.display().to_string());
        let findings_json = serde_json::to_string(&findings).unwrap_or_default();
        let id = self.db.record_received(&NewReceived {
            relay_id: &msg.id,
            relay_seq: msg.seq,
            sender: &msg.sender,
            file_name: &msg.file_name,
            kind: name.map(|n| n.kind.prefix()),
            month: month.as_deref(),
            users: Some(report.users as i64),
            size: Some(o.plain.len() as i64),
            sha256: Some(&sha),
            state: if saved.is_some() {
                FileState::Saved
            } else {
                FileState::Kept
            }
            .as_str(),
            saved_path: saved_text.as_deref(),
            sealed: Some(&sealed),
            reason: None,
            findings: Some(&findings_json),
            errors: report.error_count() as i64,
            warnings: report.warning_count() as i64,
            receipt: &receipt,
            manifest_key: Some(&o.manifest.idempotency_key),
            sent_by: o.manifest.sent_by.as_deref(),
            received_by: self.person_label().as_deref(),
        })?;
        if let Some(place) = saved_text {
            self.note(Activity::Saved {
                message_id: msg.id.clone(),
                place,
                again: false,
            })?;
        }
        self.acknowledge(id, &msg.id, &receipt).await?;
        Ok(())
    }

    /// Writes a received file again from its kept copy into `dir` (normally the receive folder),
    /// never over another file: for when the care software moved or deleted it, or when this
    /// device only kept it.
    pub fn save_again(&self, id: i64, dir: &Path) -> Result<PathBuf> {
        let (file_name, sha, sealed) = self.db.received_copy(id)?.ok_or(ClientError::NotKept)?;
        let plain = envelope::decrypt(&self.keys, &sealed)
            .map_err(|e| ClientError::Crypto(e.to_string()))?;
        if envelope::sha256_hex(&plain) != sha {
            return Err(ClientError::Crypto(
                "kept copy does not match its hash".into(),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| ClientError::io(dir, e))?;
        let path = write_new_file(dir, &file_name, &plain)?;
        let place = path.display().to_string();
        let message_id = self.db.mark_saved_again(id, &place)?;
        self.note(Activity::Saved {
            message_id,
            place,
            again: true,
        })?;
        Ok(path)
    }

    /// Sends the receipt of a recorded message and notes that it reached the relay.
    async fn acknowledge(&self, row: i64, relay_id: &str, receipt: &str) -> Result<()> {
        self.api().ack(relay_id, receipt).await?;
        self.db.mark_acknowledged(row)
    }

    fn receipt(
        &self,
        msg: &RelayMessage,
        sha: &str,
        outcome: &str,
        reason: Option<&str>,
    ) -> Result<String> {
        envelope::sign(
            &self.keys,
            &Receipt {
                r#type: RECEIPT_TYPE.to_owned(),
                message_id: msg.id.clone(),
                file_name: msg.file_name.clone(),
                sha256: sha.to_owned(),
                sender: msg.sender.clone(),
                recipient: self.office.clone(),
                received_at: now(),
                outcome: outcome.to_owned(),
                reason: reason.map(str::to_owned),
            },
        )
    }
}

/// Only the characters an id from the relay should have, so it cannot name another folder.
fn safe_component(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Writes `bytes` as `name` in `dir` without ever replacing a file: when the name is taken by
/// other bytes the new file gets ` (2)`, ` (3)`… before the extension; when it holds the same
/// bytes already (a receive repeated after a crash) that file is the result.
pub fn write_new_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| ClientError::Format(format!("file name {name}")))?;
    let tmp = dir.join(format!(
        ".{name}.{}.part",
        hex::encode(rand::random::<[u8; 4]>())
    ));
    {
        let mut f = std::fs::File::create(&tmp).map_err(|e| ClientError::io(&tmp, e))?;
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| ClientError::io(&tmp, e))?;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name.as_str(), ""),
    };
    let result = (1..1000).find_map(|n| {
        let candidate = if n == 1 {
            dir.join(&name)
        } else {
            dir.join(format!("{stem} ({n}){ext}"))
        };
        if std::fs::read(&candidate).is_ok_and(|existing| existing == bytes) {
            return Some(Ok(candidate));
        }
        // A hard link fails when the name exists, so nothing is ever overwritten, even by a
        // file that appears between the check and the link.
        match std::fs::hard_link(&tmp, &candidate) {
            Ok(()) => Some(Ok(candidate)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => Some(Err(ClientError::io(&candidate, e))),
        }
    });
    let _ = std::fs::remove_file(&tmp);
    result.unwrap_or_else(|| Err(ClientError::Format(format!("no free name for {name}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_file_never_replaces_another() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_new_file(dir.path(), "UPPLAN_a.csv", b"one").unwrap();
        let second = write_new_file(dir.path(), "UPPLAN_a.csv", b"two").unwrap();
        assert_eq!(first, dir.path().join("UPPLAN_a.csv"));
        assert_eq!(second, dir.path().join("UPPLAN_a (2).csv"));
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
    }

    #[test]
    fn the_same_bytes_received_again_are_not_saved_twice() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_new_file(dir.path(), "UPPLAN_a.csv", b"one").unwrap();
        let again = write_new_file(dir.path(), "UPPLAN_a.csv", b"one").unwrap();
        assert_eq!(first, again);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
