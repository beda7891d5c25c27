//! Sending: validate, queue durably (sealed to ourselves), then sign, encrypt to the recipient
//! and upload with the idempotency key chosen at queueing, so retries never double-send.

use std::path::{Path, PathBuf};

use careplan_csv::{FileReport, Input, Lang, Mode};
use serde::Serialize;

use crate::client::Client;
use crate::envelope::{self, MANIFEST_TYPE, Manifest};
use crate::error::{ClientError, Result, Unsendable};
use crate::store::{NewSent, now};

/// The outcome of one upload attempt.
#[derive(Debug)]
pub struct Upload {
    /// Outbox row.
    pub id: i64,
    /// Standard file name.
    pub file_name: String,
    /// Recipient office.
    pub recipient: String,
    /// Who sent it ("name (login)"), when a person was signed in.
    pub sent_by: Option<String>,
    /// Accepted by the relay, or why not (transient errors stay queued).
    pub result: Result<()>,
}

/// How sending one file ended, as the CLI and the app both tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SendOutcome {
    /// The relay accepted it.
    Sent,
    /// Queued: the recipient has not enrolled yet (or is disabled); it goes once they can receive.
    WaitingForPartner,
    /// Queued: the relay could not be reached; it goes when the connection is back.
    WaitingForConnection,
    /// Refused; the message says why. It will not be sent.
    Failed,
}

impl SendOutcome {
    /// Every outcome.
    pub const ALL: [SendOutcome; 4] = [
        SendOutcome::Sent,
        SendOutcome::WaitingForPartner,
        SendOutcome::WaitingForConnection,
        SendOutcome::Failed,
    ];

    /// The name as the app hears it.
    pub fn as_str(self) -> &'static str {
        match self {
            SendOutcome::Sent => "sent",
            SendOutcome::WaitingForPartner => "waiting_for_partner",
            SendOutcome::WaitingForConnection => "waiting_for_connection",
            SendOutcome::Failed => "failed",
        }
    }

    /// The outcome of one upload attempt's result.
    fn of(result: &Result<()>) -> SendOutcome {
        match result {
            Ok(()) => SendOutcome::Sent,
            Err(e) if e.waits_for_recipient() => SendOutcome::WaitingForPartner,
            Err(e) if e.stays_queued() => SendOutcome::WaitingForConnection,
            Err(_) => SendOutcome::Failed,
        }
    }
}

/// One file's result of a send, in the language asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SentFile {
    /// Standard file name.
    pub file_name: String,
    /// Recipient office.
    pub recipient: String,
    /// Who sent it ("name (login)"), when a person was signed in: the manifest names them.
    pub sent_by: Option<String>,
    /// How it ended.
    pub outcome: SendOutcome,
    /// The error's stable code, when it did not go.
    pub code: Option<String>,
    /// What happened and what to do, when it did not go.
    pub message: Option<String>,
}

impl Upload {
    /// This upload as the user is told about it, in `lang`.
    pub fn view(&self, lang: Lang) -> SentFile {
        let error = self.result.as_ref().err();
        SentFile {
            file_name: self.file_name.clone(),
            recipient: self.recipient.clone(),
            sent_by: self.sent_by.clone(),
            outcome: SendOutcome::of(&self.result),
            code: error.map(|e| e.code().to_owned()),
            message: error.map(|e| crate::messages::error_text(e, lang)),
        }
    }
}

/// Expands folders into the files in them (standard files are `.csv`, images `.jpg`).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| ClientError::io(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().is_some_and(|x| {
                            x.eq_ignore_ascii_case("csv") || x.eq_ignore_ascii_case("jpg")
                        })
                })
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// Largest file sent: the relay's default upload limit (20 MiB), which no month of plans nears.
pub(crate) const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// A file's bytes, if it is one a sending takes: a regular file (not a device, not a FIFO) of
/// a size the relay takes.
fn read_sendable(f: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(f).map_err(|e| ClientError::io(f, e))?;
    let refuse = |reason| ClientError::NotSendable {
        path: f.display().to_string(),
        reason,
    };
    if !meta.is_file() {
        return Err(refuse(Unsendable::NotAFile));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(Unsendable::TooLarge));
    }
    std::fs::read(f).map_err(|e| ClientError::io(f, e))
}

/// The files' bytes read by [`read_sendable`], checked as a send (units grouped by serial).
fn validate_read(files: &[PathBuf], bytes: &[Vec<u8>]) -> Vec<FileReport> {
    careplan_csv::validate(
        files.iter().zip(bytes).map(|(f, b)| {
            let mut input = Input::bytes(file_name_of(f), b.clone());
            input.display = f.display().to_string();
            input
        }),
        Mode::Send,
    )
}

fn backoff(attempts: i64) -> i64 {
    (30_i64 << attempts.clamp(0, 7)).min(3_600)
}

impl Client {
    /// Validates files as they would be sent (units grouped by serial), without sending.
    /// Files a sending would refuse before reading them (not a regular file, too large) are
    /// refused here the same way.
    pub fn check(&self, paths: &[PathBuf]) -> Result<Vec<FileReport>> {
        let files = expand(paths)?;
        let bytes = files
            .iter()
            .map(|f| read_sendable(f))
            .collect::<Result<Vec<_>>>()?;
        Ok(validate_read(&files, &bytes))
    }

    /// Validates and queues files for sending. Nothing is queued when any file has an error
    /// (`Invalid` carries every finding), is not this office's to send, or — unless `again` —
    /// was sent to the same partner before with the same bytes (`AlreadySent`).
    pub fn queue(&self, paths: &[PathBuf], again: bool) -> Result<Vec<i64>> {
        let files = expand(paths)?;
        if files.is_empty() {
            return Err(ClientError::NotSendable {
                path: paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                reason: Unsendable::NoFiles,
            });
        }
        let bytes = files
            .iter()
            .map(|f| read_sendable(f))
            .collect::<Result<Vec<_>>>()?;
        // Validate exactly the bytes that will be sent, not the file as it may be later.
        let reports = validate_read(&files, &bytes);
        if !reports.iter().all(FileReport::is_valid) {
            return Err(ClientError::Invalid(reports));
        }
        let mut rows = Vec::new();
        for ((report, b), path) in reports.iter().zip(&bytes).zip(&files) {
            let not_sendable = |reason| ClientError::NotSendable {
                path: path.display().to_string(),
                reason,
            };
            let name = report
                .file_name
                .as_ref()
                .ok_or_else(|| not_sendable(Unsendable::BadName))?;
            if name.sender.office.as_str() != self.office {
                return Err(not_sendable(Unsendable::OtherSender(
                    name.sender.office.to_string(),
                )));
            }
            let sha256 = envelope::sha256_hex(b);
            let recipient = name.recipient.office.to_string();
            if !again {
                if let Some(at) = self.db.sent_before(&sha256, &recipient)? {
                    return Err(ClientError::AlreadySent {
                        path: path.display().to_string(),
                        recipient,
                        at,
                    });
                }
            }
            rows.push(NewSent {
                idempotency_key: idempotency_key(),
                file_name: file_name_of(path),
                source_path: path.display().to_string(),
                kind: name.kind.prefix(),
                month: name.month.as_ref().map(|m| m.to_string()),
                serial: name.serial.clone(),
                recipient,
                users: report.users as i64,
                size: b.len() as i64,
                sha256,
                sealed: envelope::encrypt(&[self.keys.encryption_recipient()], b)?,
                person: self.person_label(),
            });
        }
        self.db.queue(&rows)
    }

    /// Sends files and folders of files: validated and queued as one (nothing goes when any has
    /// an error, see [`Client::queue`]), then uploaded. Answers one upload per file given, in
    /// their order; those waiting for the partner or the connection stay queued.
    pub async fn send_files(&self, paths: &[PathBuf], again: bool) -> Result<Vec<Upload>> {
        self.ensure_certificate_valid()?;
        // Held from queueing on: the background loop would otherwise take the new rows as due
        // and this send could not tell how they went.
        let _one_at_a_time = self.flushing.lock().await;
        let ids = crate::work::heavy(|| self.queue(paths, again))?;
        // Queued rows are numbered in the order given, and are uploaded in that order.
        let due = self.db.queued_among(&ids)?;
        self.upload_all(due).await
    }

    /// Sends everything waiting in the outbox now, due or not.
    pub async fn send_waiting(&self) -> Result<Vec<Upload>> {
        self.flush_outbox(true).await
    }

    /// Uploads what is queued and due (everything queued with `force`). Transient failures stay
    /// queued with a back-off; refusals mark the file failed with the reason.
    pub(crate) async fn flush_outbox(&self, force: bool) -> Result<Vec<Upload>> {
        self.ensure_certificate_valid()?;
        let _one_at_a_time = self.flushing.lock().await;
        let due = self.db.due(force)?;
        self.upload_all(due).await
    }

    async fn upload_all(&self, due: Vec<crate::store::DueSent>) -> Result<Vec<Upload>> {
        let mut results = Vec::new();
        let mut unreachable = false;
        // One directory look-up per recipient and round, not one per file of its units.
        let mut recipients = std::collections::HashMap::new();
        for due in due {
            let result = if unreachable {
                // No point knocking again in the same round once the relay did not answer.
                Err(ClientError::Unreachable(
                    "relay did not answer earlier in this round".into(),
                ))
            } else {
                self.upload_one(&due, &mut recipients).await
            };
            let result = match result {
                Ok(relay_id) => {
                    self.db.mark_uploaded(due.id, &relay_id)?;
                    Ok(())
                }
                Err(e) if e.stays_queued() => {
                    unreachable |= matches!(e, ClientError::Unreachable(_));
                    self.db
                        .mark_retry(due.id, &e.to_string(), backoff(due.attempts))?;
                    Err(e)
                }
                Err(e) => {
                    self.db.mark_failed(due.id, &e.to_string())?;
                    Err(e)
                }
            };
            results.push(Upload {
                id: due.id,
                file_name: due.file_name,
                recipient: due.recipient,
                sent_by: due.person,
                result,
            });
        }
        Ok(results)
    }

    async fn upload_one(
        &self,
        due: &crate::store::DueSent,
        recipients: &mut std::collections::HashMap<String, Vec<String>>,
    ) -> Result<String> {
        let keys = match recipients.get(&due.recipient) {
            Some(keys) => keys.clone(),
            None => {
                // Every device of the partner: any of them can read the file.
                let keys: Vec<String> = self
                    .partner_devices(&due.recipient)
                    .await?
                    .into_iter()
                    .map(|c| c.encryption_key)
                    .collect();
                recipients.insert(due.recipient.clone(), keys.clone());
                keys
            }
        };
        let (manifest, ciphertext) = crate::work::heavy(|| self.seal_for(due, &keys))?;
        let uploaded = self
            .api()
            .upload(&due.file_name, &due.idempotency_key, &manifest, ciphertext)
            .await?;
        Ok(uploaded.id)
    }

    /// The signed manifest and the file encrypted to the recipient, from the outbox's copy.
    fn seal_for(
        &self,
        due: &crate::store::DueSent,
        recipient_keys: &[String],
    ) -> Result<(String, Vec<u8>)> {
        let plain = envelope::decrypt(&self.keys, &due.sealed)
            .map_err(|e| ClientError::Crypto(e.to_string()))?;
        let manifest = envelope::sign(
            &self.keys,
            &Manifest {
                r#type: MANIFEST_TYPE.to_owned(),
                file_name: due.file_name.clone(),
                sha256: envelope::sha256_hex(&plain),
                size: plain.len() as u64,
                sender: self.office.clone(),
                recipient: due.recipient.clone(),
                created_at: now(),
                idempotency_key: due.idempotency_key.clone(),
                recipients: recipient_keys.to_vec(),
                // Who queued it, signed with the device's key: the partner's history shows them.
                sent_by: due.person.clone(),
            },
        )?;
        let ciphertext = envelope::encrypt(recipient_keys, &plain)?;
        Ok((manifest, ciphertext))
    }
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn idempotency_key() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}
