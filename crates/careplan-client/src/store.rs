//! The profile's SQLite database: outbox, received files, partners, timeline, cursors.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{ClientError, Result};
use crate::file_state::{Direction, FileState};

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_received_copy.sql"),
    include_str!("../migrations/0003_manifest_key.sql"),
    include_str!("../migrations/0004_reported.sql"),
    include_str!("../migrations/0005_people.sql"),
    include_str!("../migrations/0006_saves.sql"),
];

/// Seconds a newly queued file is left to whoever queued it before a background flush takes it.
pub const QUEUE_HOLD: i64 = 30;

/// Unix seconds now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The database of one profile.
pub struct Db {
    conn: Mutex<Connection>,
}

/// A file to be sent, as queued.
pub struct NewSent {
    /// Fresh idempotency key.
    pub idempotency_key: String,
    /// Standard file name.
    pub file_name: String,
    /// Where it was picked from.
    pub source_path: String,
    /// File type prefix.
    pub kind: &'static str,
    /// Month segment, if any.
    pub month: Option<String>,
    /// Serial of the transmission unit.
    pub serial: String,
    /// Recipient office.
    pub recipient: String,
    /// Number of users in the file.
    pub users: i64,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// The bytes sealed to the office's own key.
    pub sealed: Vec<u8>,
    /// Who queued it (the member of staff signed in), as the history names them.
    pub person: Option<String>,
}

/// A queued file due for upload.
pub struct DueSent {
    /// Row id.
    pub id: i64,
    /// Idempotency key.
    pub idempotency_key: String,
    /// Standard file name.
    pub file_name: String,
    /// Recipient office.
    pub recipient: String,
    /// Bytes sealed to the office's own key.
    pub sealed: Vec<u8>,
    /// Attempts so far.
    pub attempts: i64,
    /// Who queued it.
    pub person: Option<String>,
}

/// A received file not yet reported to the caller of a receive.
#[derive(Debug, Clone)]
pub struct Unreported {
    /// Row id.
    pub id: i64,
    /// Relay message id.
    pub relay_id: String,
    /// Sender office.
    pub sender: String,
    /// Standard file name.
    pub file_name: String,
    /// saved, kept, quarantined or replayed.
    pub state: String,
    /// Where it was saved.
    pub saved_path: Option<String>,
    /// Why it was not saved.
    pub reason: Option<String>,
    /// Validation errors.
    pub errors: usize,
    /// Validation warnings.
    pub warnings: usize,
    /// Who sent it at the partner.
    pub sent_by: Option<String>,
}

/// A received file as recorded.
pub struct NewReceived<'a> {
    /// Relay message id.
    pub relay_id: &'a str,
    /// Relay cursor.
    pub relay_seq: i64,
    /// Sender office.
    pub sender: &'a str,
    /// Standard file name.
    pub file_name: &'a str,
    /// File type prefix.
    pub kind: Option<&'a str>,
    /// Month segment.
    pub month: Option<&'a str>,
    /// Users in the file.
    pub users: Option<i64>,
    /// Size of the plaintext.
    pub size: Option<i64>,
    /// SHA-256 of the plaintext.
    pub sha256: Option<&'a str>,
    /// saved or quarantined.
    pub state: &'a str,
    /// Where it was saved (or quarantined).
    pub saved_path: Option<&'a str>,
    /// The file encrypted to the office's own key, kept to save it again.
    pub sealed: Option<&'a [u8]>,
    /// Why it was quarantined.
    pub reason: Option<&'a str>,
    /// Validation findings, JSON.
    pub findings: Option<&'a str>,
    /// Error findings.
    pub errors: i64,
    /// Warning findings.
    pub warnings: i64,
    /// The receipt sent back (empty for a refused replay, which gets none).
    pub receipt: &'a str,
    /// The sender's idempotency key from its signed manifest, when it could be read.
    pub manifest_key: Option<&'a str>,
    /// Who sent it at the partner (from the signed manifest).
    pub sent_by: Option<&'a str>,
    /// Who was signed in here when it was received.
    pub received_by: Option<&'a str>,
}

/// One line of the history: a file sent or received.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Which way it went.
    pub direction: Direction,
    /// Row id within its direction.
    pub id: i64,
    /// Standard file name.
    pub file_name: String,
    /// The other office.
    pub partner: String,
    /// Its name, when known.
    pub partner_name: Option<String>,
    /// File type prefix.
    pub kind: Option<String>,
    /// File type as office staff name it (第6表（サービス利用票）予定 …).
    pub kind_name: Option<String>,
    /// Month segment.
    pub month: Option<String>,
    /// Users in the file.
    pub users: Option<i64>,
    /// Current state.
    pub state: FileState,
    /// Last error or quarantine reason.
    pub detail: Option<String>,
    /// Where a received file was saved.
    pub saved_path: Option<String>,
    /// The signed receipt, when there is one.
    pub receipt: Option<String>,
    /// Unix seconds of the first event.
    pub created_at: i64,
    /// Every state with its time.
    pub timeline: Vec<(FileState, i64)>,
    /// Who in this office handled it: sent it, or was signed in when it arrived.
    pub person: Option<String>,
    /// Who sent it at the partner (received files, from the signed manifest).
    pub partner_person: Option<String>,
    /// Where and by whom the office's devices saved it (received files).
    pub saves: Vec<OfficeSave>,
}

/// A file of the history and where its bytes can be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Which way it went.
    pub direction: Direction,
    /// Row id within its direction.
    pub id: i64,
    /// Standard file name.
    pub file_name: String,
    /// Where it was picked (sent) or saved (received), when known.
    pub path: Option<String>,
    /// A copy sealed to the office's key is kept.
    pub kept: bool,
    /// The other office.
    pub partner: String,
}

// A row of `id, file_name, path, kept, partner`, as both file queries select them.
fn stored_file_row(direction: Direction, r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredFile> {
    Ok(StoredFile {
        direction,
        id: r.get(0)?,
        file_name: r.get(1)?,
        path: r.get(2)?,
        kept: r.get(3)?,
        partner: r.get(4)?,
    })
}

/// Where and by whom a device of the office saved a received file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OfficeSave {
    /// What the office calls the device.
    pub device_name: String,
    /// Whether it is this device.
    pub here: bool,
    /// Who was signed in on it, `name (login)`.
    pub person: Option<String>,
    /// Where it was written.
    pub place: String,
    /// Written again from the kept copy.
    pub again: bool,
    /// Unix seconds.
    pub at: i64,
}

/// Filters for [`Db::history`]; empty fields match everything.
#[derive(Debug, Default, Clone)]
pub struct HistoryQuery {
    /// `sent` or `received`.
    pub direction: Option<String>,
    /// Partner office number.
    pub partner: Option<String>,
    /// Month segment (YYYYMM).
    pub month: Option<String>,
    /// File type prefix.
    pub kind: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Text in the file name or partner name.
    pub text: Option<String>,
    /// At most this many, newest first (0 = all).
    pub limit: usize,
}

impl Db {
    /// Opens (and migrates) the database at `path`.
    pub fn open(path: &Path) -> Result<Db> {
        // The history names clients' files and partners: the owner's only (SQLite gives the
        // -wal and -shm files the same mode).
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .and_then(|_| {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                })
                .map_err(|e| ClientError::io(path, e))?;
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        sqlite_migrations::migrate(&mut conn, MIGRATIONS).map_err(|e| match e {
            sqlite_migrations::MigrationError::Sqlite(e) => ClientError::Db(e),
            sqlite_migrations::MigrationError::Newer { .. } => {
                ClientError::NewerHistory(path.display().to_string())
            }
        })?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A value kept in `meta`.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a value in `meta`.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// A number kept in `meta` (cursors), 0 when unset.
    pub fn cursor(&self, key: &str) -> Result<i64> {
        Ok(self.meta(key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn timeline(
        conn: &Connection,
        direction: &str,
        item: i64,
        state: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        conn.execute(
            "INSERT INTO timeline (direction, item, state, at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![direction, item, state, now(), detail],
        )?;
        Ok(())
    }

    /// Queues files for sending, all or none. They are not due for [`QUEUE_HOLD`] seconds: the
    /// caller uploads them itself now, and a background flush takes them only if it did not.
    pub fn queue(&self, files: &[NewSent]) -> Result<Vec<i64>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut ids = Vec::new();
        let t = now();
        for f in files {
            tx.execute(
                "INSERT INTO sent (idempotency_key, file_name, source_path, kind, month, serial,
                 recipient, users, size, sha256, sealed, state, next_attempt_at, created_at, updated_at,
                 person)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'queued', ?12 + ?13, ?12, ?12, ?14)",
                params![
                    f.idempotency_key,
                    f.file_name,
                    f.source_path,
                    f.kind,
                    f.month,
                    f.serial,
                    f.recipient,
                    f.users,
                    f.size,
                    f.sha256,
                    f.sealed,
                    t,
                    QUEUE_HOLD,
                    f.person
                ],
            )?;
            let id = tx.last_insert_rowid();
            Self::timeline(&tx, "sent", id, "queued", None)?;
            ids.push(id);
        }
        tx.commit()?;
        Ok(ids)
    }

    /// When the same bytes (by SHA-256) were queued for `recipient`, if ever; files that failed
    /// for good do not count.
    pub fn sent_before(&self, sha256: &str, recipient: &str) -> Result<Option<i64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT created_at FROM sent WHERE sha256 = ?1 AND recipient = ?2
                 AND state <> 'failed' ORDER BY id LIMIT 1",
                [sha256, recipient],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sent files that were at `from` are now at `to` (moved into 送信済み): the history keeps
    /// finding them.
    pub fn sent_moved(&self, from: &str, to: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE sent SET source_path = ?2 WHERE source_path = ?1",
            [from, to],
        )?;
        Ok(())
    }

    /// Whether a file of this name was already sent (or is queued) to `recipient`; files that
    /// failed for good do not count.
    pub fn was_sent(&self, file_name: &str, recipient: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM sent WHERE file_name = ?1 AND recipient = ?2 AND state <> 'failed'",
                [file_name, recipient],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Queued files whose next attempt is due (all of them with `force`).
    pub fn due(&self, force: bool) -> Result<Vec<DueSent>> {
        self.queued_where("(?1 OR next_attempt_at <= ?2)", params![force, now()])
    }

    /// Those of `ids` that are still queued.
    pub fn queued_among(&self, ids: &[i64]) -> Result<Vec<DueSent>> {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        self.queued_where(&format!("id IN ({})", list.join(",")), params![])
    }

    fn queued_where(&self, condition: &str, params: impl rusqlite::Params) -> Result<Vec<DueSent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT id, idempotency_key, file_name, recipient, sealed, attempts, person FROM sent
             WHERE state = 'queued' AND {condition} ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(params, |r| {
                Ok(DueSent {
                    id: r.get(0)?,
                    idempotency_key: r.get(1)?,
                    file_name: r.get(2)?,
                    recipient: r.get(3)?,
                    sealed: r.get(4)?,
                    attempts: r.get(5)?,
                    person: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The relay accepted a file: keep its id, drop the sealed copy.
    pub fn mark_uploaded(&self, id: i64, relay_id: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sent SET state = 'uploaded', relay_id = ?2, sealed = NULL, last_error = NULL,
             attempts = attempts + 1, updated_at = ?3 WHERE id = ?1",
            params![id, relay_id, now()],
        )?;
        Self::timeline(&tx, "sent", id, "uploaded", None)?;
        tx.commit()?;
        Ok(())
    }

    /// An attempt failed in a way that may pass: try again after `retry_in` seconds.
    pub fn mark_retry(&self, id: i64, error: &str, retry_in: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE sent SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
             updated_at = ?4 WHERE id = ?1",
            params![id, error, now() + retry_in, now()],
        )?;
        Ok(())
    }

    /// The relay refused a file for good.
    pub fn mark_failed(&self, id: i64, error: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sent SET state = 'failed', last_error = ?2, sealed = NULL, attempts = attempts + 1,
             updated_at = ?3 WHERE id = ?1",
            params![id, error, now()],
        )?;
        Self::timeline(&tx, "sent", id, "failed", Some(error))?;
        tx.commit()?;
        Ok(())
    }

    /// Applies the relay's view of a sent message; returns whether anything changed.
    pub fn update_sent(
        &self,
        relay_id: &str,
        seq: i64,
        state: &str,
        receipt: Option<(&str, &str)>,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let row: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, state FROM sent WHERE relay_id = ?1",
                [relay_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((id, old)) = row else {
            return Ok(false);
        };
        // A receipt that says the recipient rejected the file is its own final state.
        let state = match receipt {
            Some((_, "rejected")) => "rejected",
            _ => state,
        };
        let rank = |s: &str| match s {
            "queued" => 0,
            "uploaded" | "stored" => 1,
            "delivered" => 2,
            _ => 3,
        };
        let changed = rank(state) > rank(&old);
        tx.execute(
            "UPDATE sent SET relay_seq = ?2 WHERE id = ?1",
            params![id, seq],
        )?;
        if changed {
            tx.execute(
                "UPDATE sent SET state = ?2, receipt = COALESCE(?3, receipt), updated_at = ?4 WHERE id = ?1",
                params![id, state, receipt.map(|r| r.0), now()],
            )?;
            // Record the intermediate step too when the relay skipped past it between looks.
            if rank(&old) < 2 && rank(state) == 3 && state != "expired" {
                Self::timeline(&tx, "sent", id, "delivered", None)?;
            }
            Self::timeline(&tx, "sent", id, state, None)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Whether a received message was already handled (and acknowledged).
    pub fn received_state(&self, relay_id: &str) -> Result<Option<(i64, bool, String)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, acknowledged, receipt FROM received WHERE relay_id = ?1",
                [relay_id],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get(2)?)),
            )
            .optional()?)
    }

    /// Whether a file with this sender's manifest key was received and saved already.
    pub fn manifest_seen(&self, sender: &str, key: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM received WHERE sender = ?1 AND manifest_key = ?2
                 AND state IN ('saved', 'kept')",
                [sender, key],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Records a received file (before acknowledging it).
    pub fn record_received(&self, r: &NewReceived<'_>) -> Result<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO received (relay_id, relay_seq, sender, file_name, kind, month, users, size,
             sha256, state, saved_path, reason, findings, errors, warnings, receipt, received_at,
             sealed, manifest_key, acknowledged, reported, sent_by, received_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, 0, ?21, ?22)",
            params![
                r.relay_id,
                r.relay_seq,
                r.sender,
                r.file_name,
                r.kind,
                r.month,
                r.users,
                r.size,
                r.sha256,
                r.state,
                r.saved_path,
                r.reason,
                r.findings,
                r.errors,
                r.warnings,
                r.receipt,
                now(),
                r.sealed,
                r.manifest_key,
                // A refused replay owes no receipt: nothing is left to acknowledge.
                r.state == "replayed",
                r.sent_by,
                r.received_by
            ],
        )?;
        let id = tx.last_insert_rowid();
        Self::timeline(&tx, "received", id, r.state, r.reason)?;
        tx.commit()?;
        Ok(id)
    }

    /// Received files no receive has reported to its caller yet, oldest first.
    pub fn unreported(&self) -> Result<Vec<Unreported>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, relay_id, sender, file_name, state, saved_path, reason, errors, warnings,
             sent_by FROM received WHERE reported = 0 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Unreported {
                id: r.get(0)?,
                relay_id: r.get(1)?,
                sender: r.get(2)?,
                file_name: r.get(3)?,
                state: r.get(4)?,
                saved_path: r.get(5)?,
                reason: r.get(6)?,
                errors: r.get::<_, i64>(7)? as usize,
                warnings: r.get::<_, i64>(8)? as usize,
                sent_by: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Notes that received files were reported to the caller of a receive.
    pub fn mark_reported(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for id in ids {
            tx.execute("UPDATE received SET reported = 1 WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The kept copy of a received file: its name, hash and sealed bytes, when there is one.
    pub fn received_copy(&self, id: i64) -> Result<Option<(String, String, Vec<u8>)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT file_name, sha256, sealed FROM received
                 WHERE id = ?1 AND sealed IS NOT NULL AND sha256 IS NOT NULL",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// A received file was written again, to `path` (or for the first time, when it was only
    /// kept): returns its relay id, for the report to the office.
    pub fn mark_saved_again(&self, id: i64, path: &str) -> Result<String> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let (relay_id, state): (String, FileState) = tx.query_row(
            "SELECT relay_id, state FROM received WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let now_state = if state == FileState::Kept {
            FileState::Saved
        } else {
            FileState::SavedAgain
        };
        tx.execute(
            "UPDATE received SET saved_path = ?2, state = CASE WHEN state = 'kept' THEN 'saved'
             ELSE state END WHERE id = ?1",
            params![id, path],
        )?;
        Self::timeline(&tx, "received", id, now_state.as_str(), Some(path))?;
        tx.commit()?;
        Ok(relay_id)
    }

    /// Replaces every kept sealed copy (sent and received files) by what `f` makes of it; a copy
    /// `f` cannot open stays as it was. Answers how many were replaced.
    pub fn reseal(&self, f: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut moved = 0;
        for table in ["sent", "received"] {
            let rows: Vec<(i64, Vec<u8>)> = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT id, sealed FROM {table} WHERE sealed IS NOT NULL"
                ))?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for (id, sealed) in rows {
                match f(&sealed) {
                    Some(again) => {
                        tx.execute(
                            &format!("UPDATE {table} SET sealed = ?2 WHERE id = ?1"),
                            params![id, again],
                        )?;
                        moved += 1;
                    }
                    None => tracing::warn!(table, id, "a kept copy does not open; left as it is"),
                }
            }
        }
        tx.commit()?;
        Ok(moved)
    }

    /// Keeps a report for the relay until it has it.
    pub fn queue_report(&self, body: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO reports (body, created_at) VALUES (?1, ?2)",
            params![body, now()],
        )?;
        Ok(())
    }

    /// Reports not yet at the relay, oldest first, at most 100.
    pub fn due_reports(&self) -> Result<Vec<(i64, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, body FROM reports ORDER BY id LIMIT 100")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A report the relay has (or refused for good).
    pub fn report_done(&self, id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM reports WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Remembers saves of the office's devices as the relay lists them (each once).
    pub fn add_office_saves(&self, saves: &[careplan_protocol::Save]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for v in saves {
            tx.execute(
                "INSERT OR IGNORE INTO office_saves
                 (seq, relay_id, device_name, here, person, place, again, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    v.seq,
                    v.message_id,
                    v.device_name,
                    v.here,
                    v.person,
                    v.place,
                    v.again,
                    v.at
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The receipt of a received file reached the relay.
    pub fn mark_acknowledged(&self, id: i64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE received SET acknowledged = 1 WHERE id = ?1", [id])?;
        Self::timeline(&tx, "received", id, "acknowledged", None)?;
        tx.commit()?;
        Ok(())
    }

    /// Remembers a partner's name.
    pub fn remember_partner(&self, number: &str, name: &str, kind: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO partners (number, name, kind, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (number) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             updated_at = excluded.updated_at",
            params![number, name, kind, now()],
        )?;
        Ok(())
    }

    /// A partner's remembered name.
    pub fn partner_name(&self, number: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name FROM partners WHERE number = ?1",
                [number],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Marks or unmarks a partner as favourite.
    pub fn set_favourite(&self, number: &str, favourite: bool) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE partners SET favourite = ?2 WHERE number = ?1",
            params![number, favourite],
        )? == 1)
    }

    /// Partners marked as favourite, by name.
    pub fn favourites(&self) -> Result<Vec<(String, String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT number, name, kind FROM partners WHERE favourite = 1 ORDER BY name, number",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Marks these received files as seen.
    pub fn mark_seen(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare("UPDATE received SET seen = 1 WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Counts of sent files by state and of received files not yet seen.
    pub fn counts(&self) -> Result<(Vec<(String, i64)>, i64)> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT state, count(*) FROM sent GROUP BY state ORDER BY state")?;
        let sent = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let unseen = conn.query_row("SELECT count(*) FROM received WHERE seen = 0", [], |r| {
            r.get(0)
        })?;
        Ok((sent, unseen))
    }

    /// Sent files the relay has not finished with, by relay cursor.
    pub fn oldest_open_sent_seq(&self) -> Result<Option<i64>> {
        Ok(self.conn().query_row(
            "SELECT min(relay_seq) FROM sent WHERE state IN ('uploaded', 'delivered') AND relay_seq IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// The files of one direction exchanged with `partner`: id, name, where the file is on this
    /// PC (picked for sending, or saved when received) and whether a sealed copy is kept.
    pub fn files_with(
        &self,
        direction: Direction,
        partner: Option<&str>,
        month: Option<&str>,
    ) -> Result<Vec<StoredFile>> {
        let sql = match direction {
            Direction::Sent => {
                "SELECT id, file_name, source_path, sealed IS NOT NULL, recipient FROM sent
                 WHERE (?1 IS NULL OR recipient = ?1) AND (?2 IS NULL OR month = ?2)
                   AND state <> 'failed' ORDER BY id"
            }
            Direction::Received => {
                "SELECT id, file_name, saved_path, sealed IS NOT NULL, sender FROM received
                 WHERE (?1 IS NULL OR sender = ?1) AND (?2 IS NULL OR month = ?2)
                   AND state <> 'quarantined' ORDER BY id"
            }
        };
        let conn = self.conn();
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt
            .query_map(params![partner, month], |r| stored_file_row(direction, r))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every file sent or received (not failed, refused, quarantined or a replay), as the
    /// cost-effect simulator counts them.
    pub fn exchanged(&self) -> Result<Vec<careplan_cost::Exchanged>> {
        use careplan_cost::{Exchanged, Way};
        let sql = "SELECT 0, s.file_name, s.kind, s.recipient, p.name, s.users, s.created_at
                     FROM sent s LEFT JOIN partners p ON p.number = s.recipient
                    WHERE s.state NOT IN ('failed', 'rejected')
                   UNION ALL
                   SELECT 1, r.file_name, r.kind, r.sender, p.name, r.users, r.received_at
                     FROM received r LEFT JOIN partners p ON p.number = r.sender
                    WHERE r.state NOT IN ('quarantined', 'replayed')";
        let conn = self.conn();
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (way, file_name, kind, partner, partner_name, users, at) = row?;
            let (Some(kind), Ok(name)) = (
                kind.as_deref()
                    .and_then(careplan_csv::FileKind::from_prefix),
                careplan_csv::FileName::parse(&file_name),
            ) else {
                continue;
            };
            out.push(Exchanged {
                // Offices count their months in Japan time.
                day: (at.max(0) as u64 + 9 * 3600) / 86_400,
                way: if way == 0 { Way::Sent } else { Way::Received },
                partner,
                partner_name,
                kind,
                unit: name.middle(),
                users: users.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
            });
        }
        Ok(out)
    }

    /// One file of the history, as [`Db::files_with`] lists them.
    pub fn stored_file(&self, direction: Direction, id: i64) -> Result<Option<StoredFile>> {
        let (table, partner) = match direction {
            Direction::Sent => ("sent", "recipient"),
            Direction::Received => ("received", "sender"),
        };
        let path = if direction == Direction::Sent {
            "source_path"
        } else {
            "saved_path"
        };
        Ok(self
            .conn()
            .query_row(
                &format!(
                    "SELECT id, file_name, {path}, sealed IS NOT NULL, {partner} FROM {table} WHERE id = ?1"
                ),
                [id],
                |r| stored_file_row(direction, r),
            )
            .optional()?)
    }

    /// The history, newest first. A blank filter (empty or spaces) filters nothing, whoever
    /// passes it.
    pub fn history(&self, q: &HistoryQuery) -> Result<Vec<HistoryEntry>> {
        fn blank(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let conn = self.conn();
        let sql = "SELECT * FROM (
               SELECT 'sent' AS direction, s.id, s.file_name, s.recipient AS partner, p.name,
                      s.kind, s.month, s.users, s.state, s.last_error AS detail, NULL AS saved_path,
                      s.receipt, s.created_at, s.person, NULL AS partner_person
               FROM sent s LEFT JOIN partners p ON p.number = s.recipient
               UNION ALL
               SELECT 'received', r.id, r.file_name, r.sender, p.name, r.kind, r.month, r.users,
                      CASE WHEN r.acknowledged = 1 AND r.state = 'saved' THEN 'acknowledged' ELSE r.state END,
                      r.reason, r.saved_path, r.receipt, r.received_at, r.received_by, r.sent_by
               FROM received r LEFT JOIN partners p ON p.number = r.sender)
             WHERE (?1 IS NULL OR direction = ?1) AND (?2 IS NULL OR partner = ?2)
               AND (?3 IS NULL OR month = ?3) AND (?4 IS NULL OR kind = ?4)
               AND (?5 IS NULL OR state = ?5)
               AND (?6 IS NULL OR instr(file_name, ?6) > 0 OR instr(coalesce(name, ''), ?6) > 0
                    OR instr(partner, ?6) > 0)
             ORDER BY created_at DESC, id DESC";
        let mut stmt = conn.prepare(sql)?;
        let mut entries = stmt
            .query_map(
                params![
                    blank(&q.direction),
                    blank(&q.partner),
                    blank(&q.month),
                    blank(&q.kind),
                    blank(&q.state),
                    blank(&q.text)
                ],
                |r| {
                    Ok(HistoryEntry {
                        direction: r.get(0)?,
                        id: r.get(1)?,
                        file_name: r.get(2)?,
                        partner: r.get(3)?,
                        partner_name: r.get(4)?,
                        kind: r.get(5)?,
                        kind_name: None,
                        month: r.get(6)?,
                        users: r.get(7)?,
                        state: r.get(8)?,
                        detail: r.get(9)?,
                        saved_path: r.get(10)?,
                        receipt: r.get(11)?,
                        created_at: r.get(12)?,
                        timeline: Vec::new(),
                        person: r.get(13)?,
                        partner_person: r.get(14)?,
                        saves: Vec::new(),
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        if q.limit > 0 {
            entries.truncate(q.limit);
        }
        let mut stmt = conn.prepare(
            "SELECT state, at FROM timeline WHERE direction = ?1 AND item = ?2 ORDER BY id",
        )?;
        let mut saves = conn.prepare(
            "SELECT o.device_name, o.here, o.person, o.place, o.again, o.at
             FROM office_saves o JOIN received r ON r.relay_id = o.relay_id
             WHERE r.id = ?1 ORDER BY o.seq",
        )?;
        for e in &mut entries {
            if e.direction == Direction::Received {
                e.saves = saves
                    .query_map([e.id], |r| {
                        Ok(OfficeSave {
                            device_name: r.get(0)?,
                            here: r.get(1)?,
                            person: r.get(2)?,
                            place: r.get(3)?,
                            again: r.get(4)?,
                            at: r.get(5)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
            }
            e.kind_name = e
                .kind
                .as_deref()
                .and_then(careplan_csv::FileKind::from_prefix)
                .map(|k| k.name_ja().to_owned());
            e.timeline = stmt
                .query_map(params![e.direction, e.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_applied() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        assert_eq!(sqlite_migrations::files_in(&dir), MIGRATIONS.len());
    }

    #[test]
    fn a_history_written_by_a_newer_kizuna_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.db");
        drop(Db::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1)
            .unwrap();
        let err = Db::open(&path).err().expect("refused");
        assert_eq!(err.code(), "newer_history");
    }

    fn sent(key: &str, name: &str, recipient: &str, kind: &'static str, month: &str) -> NewSent {
        NewSent {
            idempotency_key: key.into(),
            file_name: name.into(),
            source_path: name.into(),
            kind,
            month: Some(month.into()),
            serial: "20261025093100".into(),
            recipient: recipient.into(),
            users: 3,
            size: 10,
            sha256: "00".into(),
            sealed: b"sealed".to_vec(),
            person: Some("佐藤 花子 (sato)".into()),
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_database_is_the_owners_only_even_where_it_was_readable_before() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        std::fs::write(&path, b"").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let db = Db::open(&path).unwrap();
        db.queue(&[sent(
            "k1",
            "UPPLAN_202612_a.CSV",
            "1320000001",
            "UPPLAN",
            "202612",
        )])
        .unwrap();
        for f in std::fs::read_dir(dir.path()).unwrap() {
            let f = f.unwrap();
            let mode = f.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{:?}", f.file_name());
        }
    }

    fn db_with_history() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        db.queue(&[
            sent(
                "k1",
                "UPPLAN_202612_a.CSV",
                "1320000001",
                "UPPLAN",
                "202612",
            ),
            sent(
                "k2",
                "UPPLAN_202611_b.CSV",
                "1320000002",
                "UPPLAN",
                "202611",
            ),
            sent(
                "k3",
                "UPSIKYU_202612_c.CSV",
                "1320000001",
                "UPSIKYU",
                "202612",
            ),
        ])
        .unwrap();
        db.remember_partner("1320000001", "ひまわり訪問介護", "service")
            .unwrap();
        db.mark_uploaded(1, "m1").unwrap();
        db.update_sent("m1", 7, "acknowledged", Some(("receipt", "accepted")))
            .unwrap();
        let id = db
            .record_received(&NewReceived {
                relay_id: "r1",
                relay_seq: 3,
                sender: "1320000001",
                file_name: "UPJSK_202612_d.CSV",
                kind: Some("UPJSK"),
                month: Some("202612"),
                users: Some(3),
                size: Some(10),
                sha256: Some("00"),
                state: "saved",
                saved_path: Some("/in/UPJSK_202612_d.CSV"),
                sealed: None,
                reason: None,
                findings: None,
                errors: 0,
                warnings: 0,
                receipt: "receipt",
                manifest_key: None,
                sent_by: Some("鈴木 一郎 (suzuki)"),
                received_by: Some("佐藤 花子 (sato)"),
            })
            .unwrap();
        db.mark_acknowledged(id).unwrap();
        (dir, db)
    }

    #[test]
    fn a_blank_history_filter_filters_nothing_however_it_is_blank() {
        let (_dir, db) = db_with_history();
        let all = db.history(&HistoryQuery::default()).unwrap().len();
        assert!(all > 1);
        for blank in ["", "  ", "\u{3000}"] {
            let q = HistoryQuery {
                direction: Some(blank.into()),
                partner: Some(blank.into()),
                month: Some(blank.into()),
                kind: Some(blank.into()),
                state: Some(blank.into()),
                text: Some(blank.into()),
                limit: 0,
            };
            assert_eq!(db.history(&q).unwrap().len(), all, "{blank:?}");
        }
    }

    #[test]
    fn a_received_file_is_reported_until_a_receive_says_so_and_then_never_again() {
        let (_dir, db) = db_with_history();
        let unreported = db.unreported().unwrap();
        assert_eq!(unreported.len(), 1);
        assert_eq!(unreported[0].file_name, "UPJSK_202612_d.CSV");
        assert_eq!(
            unreported[0].saved_path.as_deref(),
            Some("/in/UPJSK_202612_d.CSV")
        );
        db.mark_reported(&[unreported[0].id]).unwrap();
        assert!(db.unreported().unwrap().is_empty());
    }

    #[test]
    fn a_received_file_is_read_once_the_inbox_showed_it_and_others_stay_unread() {
        let (_dir, db) = db_with_history();
        assert_eq!(db.counts().unwrap().1, 1);
        db.mark_seen(&[999]).unwrap();
        assert_eq!(
            db.counts().unwrap().1,
            1,
            "another file shown: still unread"
        );
        let id = db.unreported().unwrap()[0].id;
        db.mark_seen(&[id]).unwrap();
        assert_eq!(db.counts().unwrap().1, 0);
    }

    #[test]
    fn a_newly_queued_file_is_left_to_whoever_queued_it_before_a_background_flush_takes_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        let ids = db
            .queue(&[sent("k1", "UPPLAN_a.CSV", "1320000001", "UPPLAN", "202612")])
            .unwrap();
        assert!(
            db.due(false).unwrap().is_empty(),
            "not due for the background loop yet"
        );
        assert_eq!(
            db.queued_among(&ids).unwrap().len(),
            1,
            "the sender takes it now"
        );
        assert_eq!(
            db.due(true).unwrap().len(),
            1,
            "an explicit retry takes it too"
        );
        db.mark_uploaded(ids[0], "m1").unwrap();
        assert!(
            db.queued_among(&ids).unwrap().is_empty(),
            "and nobody twice"
        );
    }

    #[test]
    fn a_file_sent_before_is_known_by_name_and_recipient_unless_it_failed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        let ids = db
            .queue(&[
                sent("k1", "UPJSK_a.CSV", "1310000001", "UPJSK", "202612"),
                sent("k2", "UPJSK_b.CSV", "1310000001", "UPJSK", "202612"),
            ])
            .unwrap();
        db.mark_failed(ids[1], "refused").unwrap();
        assert!(db.was_sent("UPJSK_a.CSV", "1310000001").unwrap());
        assert!(!db.was_sent("UPJSK_a.CSV", "1310000002").unwrap());
        assert!(!db.was_sent("UPJSK_b.CSV", "1310000001").unwrap());
    }

    fn names(db: &Db, q: HistoryQuery) -> Vec<String> {
        let mut n: Vec<String> = db
            .history(&q)
            .unwrap()
            .into_iter()
            .map(|e| e.file_name)
            .collect();
        n.sort();
        n
    }

    #[test]
    fn history_names_who_sent_here_who_received_here_and_who_sent_at_the_partner() {
        let (_dir, db) = db_with_history();
        let all = db.history(&HistoryQuery::default()).unwrap();
        let received = all
            .iter()
            .find(|e| e.direction == Direction::Received)
            .unwrap();
        assert_eq!(received.person.as_deref(), Some("佐藤 花子 (sato)"));
        assert_eq!(
            received.partner_person.as_deref(),
            Some("鈴木 一郎 (suzuki)")
        );
        let sent = all.iter().find(|e| e.direction == Direction::Sent).unwrap();
        assert_eq!(sent.person.as_deref(), Some("佐藤 花子 (sato)"));
        assert_eq!(sent.partner_person, None);
    }

    #[test]
    fn history_filters_by_partner_month_kind_state_and_text() {
        let (_dir, db) = db_with_history();
        let q = HistoryQuery::default;
        assert_eq!(db.history(&q()).unwrap().len(), 4);
        assert_eq!(
            names(
                &db,
                HistoryQuery {
                    partner: Some("1320000001".into()),
                    ..q()
                }
            ),
            [
                "UPJSK_202612_d.CSV",
                "UPPLAN_202612_a.CSV",
                "UPSIKYU_202612_c.CSV"
            ]
        );
        assert_eq!(
            names(
                &db,
                HistoryQuery {
                    month: Some("202611".into()),
                    ..q()
                }
            ),
            ["UPPLAN_202611_b.CSV"]
        );
        assert_eq!(
            names(
                &db,
                HistoryQuery {
                    kind: Some("UPPLAN".into()),
                    ..q()
                }
            ),
            ["UPPLAN_202611_b.CSV", "UPPLAN_202612_a.CSV"]
        );
        assert_eq!(
            names(
                &db,
                HistoryQuery {
                    state: Some("acknowledged".into()),
                    ..q()
                }
            ),
            ["UPJSK_202612_d.CSV", "UPPLAN_202612_a.CSV"]
        );
        assert_eq!(
            names(
                &db,
                HistoryQuery {
                    text: Some("ひまわり".into()),
                    direction: Some("received".into()),
                    ..q()
                }
            ),
            ["UPJSK_202612_d.CSV"]
        );
    }

    #[test]
    fn the_timeline_records_every_state_with_delivery_filled_in() {
        let (_dir, db) = db_with_history();
        let entries = db
            .history(&HistoryQuery {
                kind: Some("UPPLAN".into()),
                month: Some("202612".into()),
                ..Default::default()
            })
            .unwrap();
        let steps: Vec<&str> = entries[0]
            .timeline
            .iter()
            .map(|(s, _)| s.as_str())
            .collect();
        assert_eq!(steps, ["queued", "uploaded", "delivered", "acknowledged"]);
        assert_eq!(entries[0].receipt.as_deref(), Some("receipt"));
        assert_eq!(
            entries[0].kind_name.as_deref(),
            Some(
                careplan_csv::FileKind::from_prefix("UPPLAN")
                    .unwrap()
                    .name_ja()
            )
        );
    }

    #[test]
    fn a_rejecting_receipt_is_its_own_final_state() {
        let (_dir, db) = db_with_history();
        db.mark_uploaded(2, "m2").unwrap();
        assert!(
            db.update_sent("m2", 8, "acknowledged", Some(("r", "rejected")))
                .unwrap()
        );
        let e = db
            .history(&HistoryQuery {
                month: Some("202611".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(e[0].state, FileState::Rejected);
        // A later look that says "delivered" does not move it back.
        assert!(!db.update_sent("m2", 8, "delivered", None).unwrap());
    }

    #[test]
    fn uploaded_files_no_longer_keep_their_sealed_copy() {
        let (_dir, db) = db_with_history();
        let sealed: Option<Vec<u8>> = db
            .conn()
            .query_row("SELECT sealed FROM sent WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert!(sealed.is_none());
        assert_eq!(db.due(true).unwrap().len(), 2);
    }
}
