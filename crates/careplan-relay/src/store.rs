//! Relay metadata: offices, certificates, audit log. One trait, so that handlers do not care
//! whether SQLite (embedded default) or PostgreSQL (scale-out) is behind it.

use std::path::Path;
use std::sync::{Arc, Mutex};

use careplan_protocol::{EventKind, ExpiredEvent, MessageEvent, ReceiptEvent, RequestState};
pub use careplan_protocol::{Message, MessageState, OfficeKind, Role};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// An office with this number exists already.
    #[error("office {0} is already registered")]
    Duplicate(String),
    /// The database file could not be prepared.
    #[error("database file: {0}")]
    Io(String),
    /// PostgreSQL refused or failed.
    #[error("database: {0}")]
    Postgres(#[from] postgres::Error),
    /// The database's schema could not be brought to this relay's (or is a newer relay's).
    #[error("database schema: {0}")]
    Schema(#[from] sqlite_migrations::MigrationError),
}

/// An event's payload as it is stored and streamed.
pub(crate) fn event_data(payload: &impl serde::Serialize) -> String {
    serde_json::to_string(payload).unwrap_or_default()
}

/// A column holding one of the protocol's names (a kind, a state), read back into its type.
fn text_column<T: std::str::FromStr<Err = String>>(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<T> {
    r.get::<_, String>(i)?.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

/// A registered office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    /// 事業所番号.
    pub number: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OfficeKind,
    /// Whether it may log in and receive.
    pub active: bool,
    /// argon2id hash of its password.
    pub password_hash: String,
    /// TOTP secret, when a second factor is set.
    pub totp_secret: Option<String>,
}

/// A member of an office's staff, as the relay keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The office.
    pub office: String,
    /// Login name.
    pub login: String,
    /// The person's name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// argon2id hash of their password.
    pub password_hash: String,
    /// Whether they may sign in.
    pub active: bool,
    /// TOTP secret, when they have a second factor.
    pub totp_secret: Option<String>,
}

/// Whose logins are counted and locked: an office number or a member of staff, whether they
/// exist or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginSubject<'a> {
    /// An office number, logging in with the office password.
    Office(&'a str),
    /// A login name within an office, signing in with a personal password.
    Staff(&'a str, &'a str),
}

impl LoginSubject<'_> {
    /// Its key in the store.
    pub fn key(&self) -> String {
        match self {
            LoginSubject::Office(number) => format!("office/{number}"),
            LoginSubject::Staff(office, login) => format!("staff/{office}/{login}"),
        }
    }
}

/// A signed-in person's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The office.
    pub office: String,
    /// Who.
    pub login: String,
    /// The device it was opened on.
    pub device: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A device's request to join its office by an administrator's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequestRow {
    /// The request's id.
    pub id: String,
    /// The office.
    pub office: String,
    /// SHA-256 of the asking device's secret, hex.
    pub secret_hash: String,
    /// The six digits both screens show.
    pub code: String,
    /// The device's CSR (PEM).
    pub csr_pem: String,
    /// The device's age recipient.
    pub encryption_key: String,
    /// What the device calls itself.
    pub device_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// `pending`, `approved` or `refused` (a pending one past `expires_at` has lapsed).
    pub state: String,
    /// The administrator who decided, and on which device: "LOGIN on device ID".
    pub decided_by: Option<String>,
    /// The `EnrollResponse` (JSON) once approved.
    pub enrolment: Option<String>,
}

/// A certificate issued to an office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRecord {
    /// Serial, lowercase hex.
    pub serial: String,
    /// Office number.
    pub office: String,
    /// Bound age recipient.
    pub encryption_key: String,
    /// PEM.
    pub pem: String,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds.
    pub not_after: i64,
    /// Unix seconds, when revoked.
    pub revoked_at: Option<i64>,
    /// The device it belongs to (kept across renewals).
    pub device: String,
    /// What the office calls that device.
    pub device_name: String,
}

/// An event for one office.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Event id: increasing, usable as `Last-Event-ID`.
    pub seq: i64,
    /// The office it is for.
    pub office: String,
    /// `message`, `receipt` or `expired`.
    pub kind: String,
    /// The message concerned.
    pub message_id: Option<String>,
    /// JSON payload.
    pub data: String,
    /// Unix seconds.
    pub at: i64,
}

/// A device's report that it saved a received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRow {
    /// Cursor position (0 before it is stored).
    pub seq: i64,
    /// The receiving office.
    pub office: String,
    /// The message.
    pub message_id: String,
    /// The device's id.
    pub device: String,
    /// What the office calls the device.
    pub device_name: String,
    /// Who was signed in on it, `name (login)`.
    pub person: Option<String>,
    /// Where it was written.
    pub place: String,
    /// Written again from the kept copy.
    pub again: bool,
    /// Unix seconds.
    pub at: i64,
}

/// One audit event to append.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AuditEvent {
    /// What happened, e.g. `login.failed`.
    pub event: String,
    /// The office concerned.
    pub office: Option<String>,
    /// The message concerned.
    pub message_id: Option<String>,
    /// Remote address.
    pub remote: Option<String>,
    /// More, as short text (never secrets or contents).
    pub detail: String,
}

/// A stored audit entry.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Sequence number, from 1.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// The event.
    pub event: AuditEvent,
    /// Hash of the previous entry ("" before the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and every field, length-prefixed so
/// that no two different entries can serialise alike.
pub fn audit_hash(prev_hash: &str, at: i64, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash,
        &at.to_string(),
        &e.event,
        e.office.as_deref().unwrap_or("\u{0}"),
        e.message_id.as_deref().unwrap_or("\u{0}"),
        e.remote.as_deref().unwrap_or("\u{0}"),
        &e.detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Relay metadata storage.
pub trait MetaStore: Send + Sync {
    /// Registers an office.
    fn add_office(
        &self,
        number: &str,
        name: &str,
        kind: OfficeKind,
        password_hash: &str,
    ) -> Result<(), StoreError>;
    /// One office.
    fn office(&self, number: &str) -> Result<Option<Office>, StoreError>;
    /// Every office, by number.
    fn offices(&self) -> Result<Vec<Office>, StoreError>;
    /// Enables or disables an office; false when there is no such office.
    fn set_active(&self, number: &str, active: bool) -> Result<bool, StoreError>;
    /// Replaces an office's password and clears its lock; false when there is no such office.
    fn set_password(&self, number: &str, password_hash: &str) -> Result<bool, StoreError>;
    /// Sets or clears an office's second-factor secret; false when there is no such office.
    fn set_totp(&self, number: &str, secret: Option<&str>) -> Result<bool, StoreError>;
    /// Until when (unix seconds) `subject`'s logins are locked, if a lock was set.
    fn login_lock(&self, subject: &LoginSubject<'_>) -> Result<Option<i64>, StoreError>;
    /// Counts a failed login of `subject`, registered or not: failures older than `lock_secs`
    /// are forgotten, and at `max_failures` it is locked for `lock_secs` (the count starts
    /// again). Returns the failures counted so far.
    fn login_failed(
        &self,
        subject: &LoginSubject<'_>,
        now: i64,
        max_failures: u32,
        lock_secs: i64,
    ) -> Result<u32, StoreError>;
    /// Forgets `subject`'s failed logins and lock.
    fn login_cleared(&self, subject: &LoginSubject<'_>) -> Result<(), StoreError>;
    /// Takes the one-time code of 30-second `step` for `number`: true only the first time, and
    /// only when no later step was taken (codes are single-use).
    fn take_totp_step(&self, number: &str, step: i64) -> Result<bool, StoreError>;
    /// Serials revoked and offices disabled at or after `since` (unix seconds).
    fn rights_ended_since(&self, since: i64) -> Result<(Vec<String>, Vec<String>), StoreError>;
    /// Stores an issued certificate.
    fn add_certificate(&self, cert: &CertRecord) -> Result<(), StoreError>;
    /// One certificate by serial.
    fn certificate(&self, serial: &str) -> Result<Option<CertRecord>, StoreError>;
    /// Every certificate, newest first.
    fn certificates(&self) -> Result<Vec<CertRecord>, StoreError>;
    /// Revokes a certificate; false when unknown or already revoked.
    fn revoke(&self, serial: &str, now: i64) -> Result<bool, StoreError>;
    /// Records stored messages, each with its `message` event and audit entry, in one
    /// transaction (group commit). For a message whose sender already used its idempotency key,
    /// returns the earlier message instead and records nothing (`false`).
    fn add_messages(
        &self,
        batch: &[(Message, AuditEvent)],
        at_ms: i64,
    ) -> Result<Vec<(Message, bool)>, StoreError>;
    /// One message by id.
    fn message(&self, id: &str) -> Result<Option<Message>, StoreError>;
    /// The message a sender uploaded with `key`, if any.
    fn sent_by_key(&self, sender: &str, key: &str) -> Result<Option<Message>, StoreError>;
    /// A recipient's messages after `after` (cursor), oldest first, at most `limit`.
    fn inbox(&self, recipient: &str, after: i64, limit: u32) -> Result<Vec<Message>, StoreError>;
    /// A sender's messages after `after` (cursor), oldest first, at most `limit`.
    fn sent(&self, sender: &str, after: i64, limit: u32) -> Result<Vec<Message>, StoreError>;
    /// Marks a stored message delivered (no change in other states).
    fn mark_delivered(&self, id: &str, now: i64) -> Result<(), StoreError>;
    /// Marks every message not acknowledged by `now` past its expiry as expired, records an
    /// `expired` event for each sender, and returns those messages (their bodies are to go).
    fn expire_due(&self, now: i64) -> Result<Vec<Message>, StoreError>;
    /// Records the recipient's receipt; false when the message was already acknowledged or expired.
    fn acknowledge(&self, id: &str, receipt: &str, now: i64) -> Result<bool, StoreError>;
    /// Adds a member of staff; `Duplicate` when the login is taken.
    fn add_staff(&self, staff: &Staff, now: i64) -> Result<(), StoreError>;
    /// One member of staff.
    fn staff(&self, office: &str, login: &str) -> Result<Option<Staff>, StoreError>;
    /// The office's staff, by login.
    fn staff_list(&self, office: &str) -> Result<Vec<Staff>, StoreError>;
    /// Lets a member of staff sign in or not; ending it also ends their sessions. False when
    /// there is no such member.
    fn set_staff_active(&self, office: &str, login: &str, active: bool)
    -> Result<bool, StoreError>;
    /// Sets or clears a member of staff's TOTP secret; false when there is no such member.
    fn set_staff_totp(
        &self,
        office: &str,
        login: &str,
        secret: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// Takes a member of staff's one-time code of `step`: true only the first time, and only
    /// when no later step was taken.
    fn take_staff_totp_step(
        &self,
        office: &str,
        login: &str,
        step: i64,
    ) -> Result<bool, StoreError>;
    /// Clears failed sign-ins and records a session.
    fn open_session(&self, token_hash: &str, session: &Session, now: i64)
    -> Result<(), StoreError>;
    /// A session by its token's hash.
    fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError>;
    /// Ends a session.
    fn end_session(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Each device of the office with a certificate that is neither revoked nor expired: its
    /// newest such certificate, oldest device first.
    fn current_devices(&self, office: &str, now: i64) -> Result<Vec<CertRecord>, StoreError>;
    /// Revokes every certificate of an office's device; how many were revoked.
    fn revoke_device(&self, office: &str, device: &str, now: i64) -> Result<usize, StoreError>;
    /// Records a device's request unless the office already has `max_pending` waiting; false
    /// then.
    fn add_device_request(
        &self,
        r: &DeviceRequestRow,
        max_pending: usize,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// One request by id.
    fn device_request(&self, id: &str) -> Result<Option<DeviceRequestRow>, StoreError>;
    /// The office's requests still waiting at `now`, oldest first.
    fn pending_device_requests(
        &self,
        office: &str,
        now: i64,
    ) -> Result<Vec<DeviceRequestRow>, StoreError>;
    /// Decides a request of `office` that is still waiting at `now` (`approved` with the
    /// enrolment, or `refused`); false when there is none such.
    fn decide_device_request(
        &self,
        id: &str,
        office: &str,
        approved: Option<&str>,
        decided_by: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Records that the device with `encryption_key` fetched a message.
    fn record_fetch(&self, id: &str, encryption_key: &str, now: i64) -> Result<(), StoreError>;
    /// Every encryption key an office's certificates ever bound, with the device it was bound
    /// to (a device's key changes at renewal).
    fn key_devices(&self, office: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// The encryption keys of the devices that fetched a message.
    fn fetched_by(&self, id: &str) -> Result<Vec<String>, StoreError>;
    /// Records that a message's body is gone.
    fn body_gone(&self, id: &str) -> Result<(), StoreError>;
    /// Acknowledged messages past their expiry whose body is still held (some device never
    /// fetched it), at most 500.
    fn held_past_expiry(&self, now: i64) -> Result<Vec<Message>, StoreError>;
    /// Offices whose number starts with `q` or whose name contains it, at most `limit`.
    fn search_offices(&self, q: &str, limit: u32) -> Result<Vec<Office>, StoreError>;
    /// Records an event for an office; returns its id.
    fn add_event(
        &self,
        office: &str,
        kind: &str,
        message_id: Option<&str>,
        data: &str,
        at: i64,
    ) -> Result<i64, StoreError>;
    /// Notes that a device called the relay at `at`.
    fn device_seen(&self, office: &str, device: &str, at: i64) -> Result<(), StoreError>;
    /// Counts one more call of `key` in the window of `window` seconds that holds `now`;
    /// returns the calls counted in it so far, this one included. Windows before are forgotten.
    fn count_call(&self, key: &str, now: i64, window: i64) -> Result<i64, StoreError>;
    /// When each device of an office last called the relay: (device, unix seconds).
    fn devices_seen(&self, office: &str) -> Result<Vec<(String, i64)>, StoreError>;
    /// Records that a device of the receiving office saved a message, unless it was reported
    /// saved `max` times already; returns the save's cursor position, `None` when refused.
    fn add_save(&self, save: &SaveRow, max: usize) -> Result<Option<i64>, StoreError>;
    /// The saves of an office's messages after `after`, oldest first, at most `limit`.
    fn saves(&self, office: &str, after: i64, limit: u32) -> Result<Vec<SaveRow>, StoreError>;
    /// An office's events after `after`, oldest first, at most `limit`.
    fn events(&self, office: &str, after: i64, limit: u32) -> Result<Vec<Event>, StoreError>;
    /// Appends to the audit log, chaining the hash; returns the entry.
    fn audit(&self, at: i64, event: &AuditEvent) -> Result<AuditEntry, StoreError>;
    /// The whole audit log in order.
    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError>;
    /// The last audit entry's sequence number and hash, if any.
    fn last_audit(&self) -> Result<Option<(i64, String)>, StoreError>;
    /// For a store that several relay nodes share: has `wake` called with an office's number
    /// whenever any node records an event for it, and with [`WAKE_ALL`] after a gap in that
    /// news (a reconnection), so every node's streams look. A store of one node has nothing to
    /// add to its own wake-ups.
    fn on_events(&self, wake: Arc<dyn Fn(&str) + Send + Sync>) {
        let _ = wake;
    }
}

/// Passed to the wake-up of [`MetaStore::on_events`]: events of any office may have come.
pub const WAKE_ALL: &str = "*";

/// SQLite (WAL) metadata store: the embedded default.
pub struct SqliteStore {
    /// The one writer.
    conn: Mutex<Connection>,
    /// Read-only connections: with WAL, reads (authentication on every request, lookups) need
    /// not wait while the writer commits and flushes.
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
}

/// Read-only connections per store.
const READERS: usize = 4;

/// Schema changes, applied in order, each in its own transaction; `user_version` counts them.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_messages.sql"),
    include_str!("../migrations/0003_events.sql"),
    include_str!("../migrations/0004_rights.sql"),
    include_str!("../migrations/0005_devices.sql"),
    include_str!("../migrations/0006_staff.sql"),
    include_str!("../migrations/0007_staff_totp.sql"),
    include_str!("../migrations/0008_device_requests.sql"),
    include_str!("../migrations/0009_login_failures.sql"),
    include_str!("../migrations/0010_saves.sql"),
    include_str!("../migrations/0011_device_seen.sql"),
    include_str!("../migrations/0012_allowances.sql"),
];

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        only_owner_reads(path)?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        sqlite_migrations::migrate(&mut conn, MIGRATIONS)?;
        let readers = (0..READERS)
            .map(|_| {
                let r = Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                r.busy_timeout(std::time::Duration::from_secs(5))?;
                Ok(Mutex::new(r))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            readers,
            next_reader: Default::default(),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    // A free read connection if there is one, else the next in turn.
    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Makes the database file (created empty when missing) readable by its owner only: it holds
/// password hashes and one-time-code secrets. SQLite gives its `-wal` and `-shm` files the same
/// mode.
pub(crate) fn only_owner_reads(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Io(e.to_string());
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        for p in [
            path.to_owned(),
            path.with_extension("db-wal"),
            path.with_extension("db-shm"),
        ] {
            match std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

// Every row of a query, each made by `row`.
fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let all = stmt
        .query_map(params, row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(all)
}

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        seq: r.get(0)?,
        office: r.get(1)?,
        kind: r.get(2)?,
        message_id: r.get(3)?,
        data: r.get(4)?,
        at: r.get(5)?,
    })
}

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        event: AuditEvent {
            event: r.get(2)?,
            office: r.get(3)?,
            message_id: r.get(4)?,
            remote: r.get(5)?,
            detail: r.get(6)?,
        },
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

fn office_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Office> {
    Ok(Office {
        number: r.get(0)?,
        name: r.get(1)?,
        kind: text_column(r, 2)?,
        active: r.get(3)?,
        password_hash: r.get(4)?,
        totp_secret: r.get(5)?,
    })
}

fn cert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CertRecord> {
    Ok(CertRecord {
        serial: r.get(0)?,
        office: r.get(1)?,
        encryption_key: r.get(2)?,
        pem: r.get(3)?,
        issued_at: r.get(4)?,
        not_after: r.get(5)?,
        revoked_at: r.get(6)?,
        device: r.get(7)?,
        device_name: r.get(8)?,
    })
}

/// The columns both stores read in this order (their row mappers depend on it).
pub(crate) const MESSAGE_COLS: &str = "seq, id, sender, recipient, file_name, size, sha256, manifest, idempotency_key, state, created_at, delivered_at, acknowledged_at, expires_at, receipt";

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        seq: r.get(0)?,
        id: r.get(1)?,
        sender: r.get(2)?,
        recipient: r.get(3)?,
        file_name: r.get(4)?,
        size: r.get(5)?,
        sha256: r.get(6)?,
        manifest: r.get(7)?,
        idempotency_key: r.get(8)?,
        state: text_column(r, 9)?,
        created_at: r.get(10)?,
        delivered_at: r.get(11)?,
        acknowledged_at: r.get(12)?,
        expires_at: r.get(13)?,
        receipt: r.get(14)?,
    })
}

impl SqliteStore {
    fn messages_where(
        &self,
        column: &str,
        office: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        rows(
            &self.reader(),
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE {column} = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            ),
            params![office, after, limit],
            message_row,
        )
    }
}

/// The columns both stores read in this order (their row mappers depend on it).
pub(crate) const REQUEST_COLS: &str = "id, office, secret_hash, code, csr_pem, encryption_key, device_name, created_at, expires_at, state, decided_by, enrolment";

fn request_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRequestRow> {
    Ok(DeviceRequestRow {
        id: r.get(0)?,
        office: r.get(1)?,
        secret_hash: r.get(2)?,
        code: r.get(3)?,
        csr_pem: r.get(4)?,
        encryption_key: r.get(5)?,
        device_name: r.get(6)?,
        created_at: r.get(7)?,
        expires_at: r.get(8)?,
        state: r.get(9)?,
        decided_by: r.get(10)?,
        enrolment: r.get(11)?,
    })
}

/// Forgets `subject`'s failed logins and lock, within whatever transaction `conn` is in.
fn clear_login(conn: &rusqlite::Connection, subject: &LoginSubject<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM login_failures WHERE subject = ?1",
        [subject.key()],
    )
    .map(drop)
}

/// The columns both stores read in this order (their row mappers depend on it).
pub(crate) const STAFF_COLS: &str = "office, login, name, role, password_hash, active, totp_secret";

fn staff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Staff> {
    Ok(Staff {
        office: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: text_column(r, 3)?,
        password_hash: r.get(4)?,
        active: r.get(5)?,
        totp_secret: r.get(6)?,
    })
}

/// The columns both stores read in this order (their row mappers depend on it).
pub(crate) const OFFICE_COLS: &str = "number, name, kind, active, password_hash, totp_secret";
/// The columns both stores read in this order (their row mappers depend on it).
pub(crate) const CERT_COLS: &str =
    "serial, office, encryption_key, pem, issued_at, not_after, revoked_at, device, device_name";

impl MetaStore for SqliteStore {
    fn add_office(
        &self,
        number: &str,
        name: &str,
        kind: OfficeKind,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let r = self.conn().execute(
            "INSERT INTO offices (number, name, kind, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![number, name, kind.as_str(), password_hash, now],
        );
        match r {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::Duplicate(number.to_owned()))
            }
            r => r.map(drop).map_err(Into::into),
        }
    }

    fn office(&self, number: &str) -> Result<Option<Office>, StoreError> {
        let sql = format!("SELECT {OFFICE_COLS} FROM offices WHERE number = ?1");
        Ok(self
            .reader()
            .query_row(&sql, [number], office_row)
            .optional()?)
    }

    fn offices(&self) -> Result<Vec<Office>, StoreError> {
        rows(
            &self.reader(),
            &format!("SELECT {OFFICE_COLS} FROM offices ORDER BY number"),
            [],
            office_row,
        )
    }

    fn set_active(&self, number: &str, active: bool) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE offices SET active = ?2,
             disabled_at = CASE WHEN ?2 THEN NULL ELSE CAST(strftime('%s', 'now') AS INTEGER) END
             WHERE number = ?1",
            params![number, active],
        )? == 1)
    }

    fn set_password(&self, number: &str, password_hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE offices SET password_hash = ?2 WHERE number = ?1",
            params![number, password_hash],
        )?;
        clear_login(&tx, &LoginSubject::Office(number))?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn set_totp(&self, number: &str, secret: Option<&str>) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE offices SET totp_secret = ?2 WHERE number = ?1",
            params![number, secret],
        )? == 1)
    }

    fn login_lock(&self, subject: &LoginSubject<'_>) -> Result<Option<i64>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT locked_until FROM login_failures WHERE subject = ?1",
                [subject.key()],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    fn login_failed(
        &self,
        subject: &LoginSubject<'_>,
        now: i64,
        max_failures: u32,
        lock_secs: i64,
    ) -> Result<u32, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // Rows of guesses long past (most of them at numbers nobody has) are of no use; this
        // keeps the table as small as the guessing of one lock period.
        tx.execute(
            "DELETE FROM login_failures
             WHERE last_at < ?1 AND (locked_until IS NULL OR locked_until < ?2)",
            params![now - lock_secs, now],
        )?;
        let failures: u32 = tx.query_row(
            "INSERT INTO login_failures (subject, failures, last_at) VALUES (?1, 1, ?2)
             ON CONFLICT (subject) DO UPDATE SET
                 failures = CASE WHEN last_at < ?2 - ?3 THEN 1 ELSE failures + 1 END,
                 last_at = ?2
             RETURNING failures",
            params![subject.key(), now, lock_secs],
            |r| r.get(0),
        )?;
        if failures >= max_failures {
            tx.execute(
                "UPDATE login_failures SET locked_until = ?2, failures = 0 WHERE subject = ?1",
                params![subject.key(), now + lock_secs],
            )?;
        }
        tx.commit()?;
        Ok(failures)
    }

    fn login_cleared(&self, subject: &LoginSubject<'_>) -> Result<(), StoreError> {
        Ok(clear_login(&self.conn(), subject)?)
    }

    fn take_totp_step(&self, number: &str, step: i64) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE offices SET totp_last_step = ?2
             WHERE number = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![number, step],
        )? == 1)
    }

    fn rights_ended_since(&self, since: i64) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let conn = self.reader();
        let serials = rows(
            &conn,
            "SELECT serial FROM certificates WHERE revoked_at >= ?1",
            [since],
            |r| r.get(0),
        )?;
        let offices = rows(
            &conn,
            "SELECT number FROM offices WHERE disabled_at >= ?1",
            [since],
            |r| r.get(0),
        )?;
        Ok((serials, offices))
    }

    fn add_certificate(&self, c: &CertRecord) -> Result<(), StoreError> {
        self.conn().execute(
            &format!(
                "INSERT INTO certificates ({CERT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                c.serial,
                c.office,
                c.encryption_key,
                c.pem,
                c.issued_at,
                c.not_after,
                c.revoked_at,
                c.device,
                c.device_name
            ],
        )?;
        Ok(())
    }

    fn certificate(&self, serial: &str) -> Result<Option<CertRecord>, StoreError> {
        let sql = format!("SELECT {CERT_COLS} FROM certificates WHERE serial = ?1");
        Ok(self
            .reader()
            .query_row(&sql, [serial], cert_row)
            .optional()?)
    }

    fn certificates(&self) -> Result<Vec<CertRecord>, StoreError> {
        rows(
            &self.reader(),
            &format!("SELECT {CERT_COLS} FROM certificates ORDER BY issued_at DESC, serial"),
            [],
            cert_row,
        )
    }

    fn revoke(&self, serial: &str, now: i64) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE certificates SET revoked_at = ?2 WHERE serial = ?1 AND revoked_at IS NULL",
            params![serial, now],
        )?;
        Ok(n == 1)
    }

    fn add_messages(
        &self,
        batch: &[(Message, AuditEvent)],
        at_ms: i64,
    ) -> Result<Vec<(Message, bool)>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(batch.len());
        for (m, audit) in batch {
            let earlier = tx
                .query_row(
                    &format!("SELECT {MESSAGE_COLS} FROM messages WHERE sender = ?1 AND idempotency_key = ?2"),
                    params![m.sender, m.idempotency_key],
                    message_row,
                )
                .optional()?;
            if let Some(earlier) = earlier {
                out.push((earlier, false));
                continue;
            }
            tx.execute(
                "INSERT INTO messages (id, sender, recipient, file_name, size, sha256, manifest, idempotency_key, state, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    m.id, m.sender, m.recipient, m.file_name, m.size, m.sha256, m.manifest, m.idempotency_key,
                    m.state.as_str(), m.created_at, m.expires_at
                ],
            )?;
            let seq = tx.last_insert_rowid();
            let data = event_data(&MessageEvent {
                id: m.id.clone(),
                sender: m.sender.clone(),
                file_name: m.file_name.clone(),
                size: m.size,
            });
            tx.execute(
                "INSERT INTO events (office, kind, message_id, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.recipient, EventKind::Message.as_str(), m.id, data, m.created_at],
            )?;
            append_audit(&tx, at_ms, audit)?;
            out.push((Message { seq, ..m.clone() }, true));
        }
        tx.commit()?;
        Ok(out)
    }

    fn message(&self, id: &str) -> Result<Option<Message>, StoreError> {
        let sql = format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1");
        Ok(self
            .reader()
            .query_row(&sql, [id], message_row)
            .optional()?)
    }

    fn sent_by_key(&self, sender: &str, key: &str) -> Result<Option<Message>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE sender = ?1 AND idempotency_key = ?2"
        );
        Ok(self
            .reader()
            .query_row(&sql, [sender, key], message_row)
            .optional()?)
    }

    fn inbox(&self, recipient: &str, after: i64, limit: u32) -> Result<Vec<Message>, StoreError> {
        self.messages_where("recipient", recipient, after, limit)
    }

    fn sent(&self, sender: &str, after: i64, limit: u32) -> Result<Vec<Message>, StoreError> {
        self.messages_where("sender", sender, after, limit)
    }

    fn expire_due(&self, now: i64) -> Result<Vec<Message>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let due = rows(
            &tx,
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE state IN ('stored', 'delivered') AND expires_at <= ?1 ORDER BY seq LIMIT 500"
            ),
            [now],
            message_row,
        )?;
        for m in &due {
            tx.execute(
                "UPDATE messages SET state = 'expired', body_held = 0 WHERE id = ?1",
                [&m.id],
            )?;
            let data = event_data(&ExpiredEvent {
                id: m.id.clone(),
                recipient: m.recipient.clone(),
                file_name: m.file_name.clone(),
            });
            tx.execute(
                "INSERT INTO events (office, kind, message_id, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.sender, EventKind::Expired.as_str(), m.id, data, now],
            )?;
        }
        tx.commit()?;
        Ok(due)
    }

    fn mark_delivered(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE messages SET state = 'delivered', delivered_at = ?2 WHERE id = ?1 AND state = 'stored'",
            params![id, now],
        )?;
        Ok(())
    }

    fn acknowledge(&self, id: &str, receipt: &str, now: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE messages SET state = 'acknowledged', acknowledged_at = ?3, receipt = ?2,
             delivered_at = COALESCE(delivered_at, ?3) WHERE id = ?1 AND state IN ('stored', 'delivered')",
            params![id, receipt, now],
        )?;
        if n == 1 {
            let (sender, recipient, file_name): (String, String, String) = tx.query_row(
                "SELECT sender, recipient, file_name FROM messages WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let data = event_data(&ReceiptEvent {
                id: id.to_owned(),
                recipient,
                file_name,
                receipt: receipt.to_owned(),
            });
            tx.execute(
                "INSERT INTO events (office, kind, message_id, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sender, EventKind::Receipt.as_str(), id, data, now],
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    fn add_staff(&self, m: &Staff, now: i64) -> Result<(), StoreError> {
        let r = self.conn().execute(
            "INSERT INTO staff (office, login, name, role, password_hash, active, created_at, totp_secret)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                m.office,
                m.login,
                m.name,
                m.role.as_str(),
                m.password_hash,
                m.active,
                now,
                m.totp_secret
            ],
        );
        match r {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::Duplicate(m.login.clone()))
            }
            other => other.map(drop).map_err(Into::into),
        }
    }

    fn staff(&self, office: &str, login: &str) -> Result<Option<Staff>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                &format!("SELECT {STAFF_COLS} FROM staff WHERE office = ?1 AND login = ?2"),
                params![office, login],
                staff_row,
            )
            .optional()?)
    }

    fn staff_list(&self, office: &str) -> Result<Vec<Staff>, StoreError> {
        rows(
            &self.reader(),
            &format!("SELECT {STAFF_COLS} FROM staff WHERE office = ?1 ORDER BY login"),
            [office],
            staff_row,
        )
    }

    fn set_staff_active(
        &self,
        office: &str,
        login: &str,
        active: bool,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE staff SET active = ?3 WHERE office = ?1 AND login = ?2",
            params![office, login, active],
        )?;
        clear_login(&tx, &LoginSubject::Staff(office, login))?;
        if !active {
            tx.execute(
                "DELETE FROM sessions WHERE office = ?1 AND login = ?2",
                params![office, login],
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    fn set_staff_totp(
        &self,
        office: &str,
        login: &str,
        secret: Option<&str>,
    ) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE staff SET totp_secret = ?3, totp_last_step = NULL WHERE office = ?1 AND login = ?2",
            params![office, login, secret],
        )? == 1)
    }

    fn take_staff_totp_step(
        &self,
        office: &str,
        login: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE staff SET totp_last_step = ?3
             WHERE office = ?1 AND login = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?3)",
            params![office, login, step],
        )? == 1)
    }

    fn open_session(&self, token_hash: &str, s: &Session, now: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        clear_login(&tx, &LoginSubject::Staff(&s.office, &s.login))?;
        // Sessions that ended are of no use to keep.
        tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        tx.execute(
            "INSERT INTO sessions (token_hash, office, login, device, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash, s.office, s.login, s.device, now, s.expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT office, login, device, expires_at FROM sessions WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(Session {
                        office: r.get(0)?,
                        login: r.get(1)?,
                        device: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn current_devices(&self, office: &str, now: i64) -> Result<Vec<CertRecord>, StoreError> {
        let sql = format!(
            "SELECT {CERT_COLS} FROM certificates c WHERE office = ?1 AND revoked_at IS NULL AND not_after > ?2 \
             AND NOT EXISTS (SELECT 1 FROM certificates n WHERE n.office = c.office AND n.device = c.device \
                 AND n.revoked_at IS NULL AND n.not_after > ?2 AND (n.issued_at, n.rowid) > (c.issued_at, c.rowid)) \
             ORDER BY issued_at, rowid"
        );
        rows(&self.reader(), &sql, params![office, now], cert_row)
    }

    fn revoke_device(&self, office: &str, device: &str, now: i64) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE certificates SET revoked_at = ?3 WHERE office = ?1 AND device = ?2 AND revoked_at IS NULL",
            params![office, device, now],
        )?)
    }

    fn add_device_request(
        &self,
        r: &DeviceRequestRow,
        max_pending: usize,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let waiting: i64 = tx.query_row(
            "SELECT COUNT(*) FROM device_requests WHERE office = ?1 AND state = 'pending' AND expires_at > ?2",
            params![r.office, now],
            |row| row.get(0),
        )?;
        if waiting >= max_pending as i64 {
            return Ok(false);
        }
        // Lapsed requests of a day ago are of no use to keep (decided ones stay: they say who
        // approved a device).
        tx.execute(
            "DELETE FROM device_requests WHERE state = 'pending' AND expires_at < ?1",
            [now - 86_400],
        )?;
        tx.execute(
            "INSERT INTO device_requests (id, office, secret_hash, code, csr_pem, encryption_key, device_name, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.id,
                r.office,
                r.secret_hash,
                r.code,
                r.csr_pem,
                r.encryption_key,
                r.device_name,
                r.created_at,
                r.expires_at
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn device_request(&self, id: &str) -> Result<Option<DeviceRequestRow>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                &format!("SELECT {REQUEST_COLS} FROM device_requests WHERE id = ?1"),
                [id],
                request_row,
            )
            .optional()?)
    }

    fn pending_device_requests(
        &self,
        office: &str,
        now: i64,
    ) -> Result<Vec<DeviceRequestRow>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REQUEST_COLS} FROM device_requests
             WHERE office = ?1 AND state = 'pending' AND expires_at > ?2 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map(params![office, now], request_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn decide_device_request(
        &self,
        id: &str,
        office: &str,
        approved: Option<&str>,
        decided_by: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let state = if approved.is_some() {
            RequestState::Approved
        } else {
            RequestState::Refused
        }
        .as_str();
        Ok(self.conn().execute(
            "UPDATE device_requests SET state = ?3, enrolment = ?4, decided_by = ?5, decided_at = ?6
             WHERE id = ?1 AND office = ?2 AND state = 'pending' AND expires_at > ?6",
            params![id, office, state, approved, decided_by, now],
        )? == 1)
    }

    fn record_fetch(&self, id: &str, encryption_key: &str, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO fetches (message_id, encryption_key, at) VALUES (?1, ?2, ?3)",
            params![id, encryption_key, now],
        )?;
        Ok(())
    }

    fn key_devices(&self, office: &str) -> Result<Vec<(String, String)>, StoreError> {
        rows(
            &self.reader(),
            "SELECT DISTINCT encryption_key, device FROM certificates WHERE office = ?1",
            [office],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn fetched_by(&self, id: &str) -> Result<Vec<String>, StoreError> {
        rows(
            &self.conn(),
            "SELECT encryption_key FROM fetches WHERE message_id = ?1",
            [id],
            |r| r.get(0),
        )
    }

    fn body_gone(&self, id: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE messages SET body_held = 0 WHERE id = ?1", [id])?;
        Ok(())
    }

    fn held_past_expiry(&self, now: i64) -> Result<Vec<Message>, StoreError> {
        rows(
            &self.reader(),
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE state = 'acknowledged' AND body_held = 1 AND expires_at <= ?1 ORDER BY seq LIMIT 500"
            ),
            [now],
            message_row,
        )
    }

    fn search_offices(&self, q: &str, limit: u32) -> Result<Vec<Office>, StoreError> {
        // LIKE patterns from user text: escape the wildcards so they match themselves.
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        rows(
            &self.reader(),
            &format!(
                "SELECT {OFFICE_COLS} FROM offices WHERE number LIKE ?1 || '%' ESCAPE '\\' OR name LIKE '%' || ?1 || '%' ESCAPE '\\' ORDER BY number LIMIT ?2"
            ),
            params![escaped, limit],
            office_row,
        )
    }

    fn add_event(
        &self,
        office: &str,
        kind: &str,
        message_id: Option<&str>,
        data: &str,
        at: i64,
    ) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO events (office, kind, message_id, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![office, kind, message_id, data, at],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn device_seen(&self, office: &str, device: &str, at: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO device_seen (office, device, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (office, device) DO UPDATE SET at = max(at, excluded.at)",
            params![office, device, at],
        )?;
        Ok(())
    }

    fn count_call(&self, key: &str, now: i64, window: i64) -> Result<i64, StoreError> {
        let start = now - now.rem_euclid(window);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM allowances WHERE key = ?1 AND window_start < ?2",
            params![key, start],
        )?;
        let used: i64 = tx.query_row(
            "INSERT INTO allowances (key, window_start, used) VALUES (?1, ?2, 1)
             ON CONFLICT (key, window_start) DO UPDATE SET used = used + 1 RETURNING used",
            params![key, start],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(used)
    }

    fn devices_seen(&self, office: &str) -> Result<Vec<(String, i64)>, StoreError> {
        rows(
            &self.reader(),
            "SELECT device, at FROM device_seen WHERE office = ?1",
            [office],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn add_save(&self, v: &SaveRow, max: usize) -> Result<Option<i64>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let kept: i64 = tx.query_row(
            "SELECT count(*) FROM saves WHERE message_id = ?1",
            [&v.message_id],
            |r| r.get(0),
        )?;
        if kept >= max as i64 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO saves (office, message_id, device, device_name, person, place, again, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                v.office,
                v.message_id,
                v.device,
                v.device_name,
                v.person,
                v.place,
                v.again,
                v.at
            ],
        )?;
        let seq = tx.last_insert_rowid();
        // The office's other devices hear of it at once and show it beside the file.
        let data = event_data(&careplan_protocol::SavedEvent {
            id: v.message_id.clone(),
            seq,
        });
        tx.execute(
            "INSERT INTO events (office, kind, message_id, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                v.office,
                EventKind::Saved.as_str(),
                v.message_id,
                data,
                v.at
            ],
        )?;
        tx.commit()?;
        Ok(Some(seq))
    }

    fn saves(&self, office: &str, after: i64, limit: u32) -> Result<Vec<SaveRow>, StoreError> {
        rows(
            &self.reader(),
            "SELECT seq, office, message_id, device, device_name, person, place, again, at
             FROM saves WHERE office = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            params![office, after, limit],
            |r| {
                Ok(SaveRow {
                    seq: r.get(0)?,
                    office: r.get(1)?,
                    message_id: r.get(2)?,
                    device: r.get(3)?,
                    device_name: r.get(4)?,
                    person: r.get(5)?,
                    place: r.get(6)?,
                    again: r.get(7)?,
                    at: r.get(8)?,
                })
            },
        )
    }

    fn events(&self, office: &str, after: i64, limit: u32) -> Result<Vec<Event>, StoreError> {
        rows(
            &self.reader(),
            "SELECT seq, office, kind, message_id, data, at FROM events WHERE office = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            params![office, after, limit],
            event_row,
        )
    }

    fn audit(&self, at: i64, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let mut conn = self.conn();
        // One writer at a time (the mutex, and IMMEDIATE for other processes): the chain must
        // not fork.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let entry = append_audit(&tx, at, e)?;
        tx.commit()?;
        Ok(entry)
    }

    fn last_audit(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        rows(
            &self.reader(),
            "SELECT seq, at, event, office, message_id, remote, detail, prev_hash, hash FROM audit ORDER BY seq",
            [],
            audit_row,
        )
    }
}

// Appends one entry to the audit chain inside the caller's transaction.
fn append_audit(
    tx: &rusqlite::Transaction<'_>,
    at: i64,
    e: &AuditEvent,
) -> Result<AuditEntry, StoreError> {
    let prev_hash: String = tx
        .query_row(
            "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    let hash = audit_hash(&prev_hash, at, e);
    tx.execute(
        "INSERT INTO audit (at, event, office, message_id, remote, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![at, e.event, e.office, e.message_id, e.remote, e.detail, prev_hash, hash],
    )?;
    Ok(AuditEntry {
        seq: tx.last_insert_rowid(),
        at,
        event: e.clone(),
        prev_hash,
        hash,
    })
}

/// Where the audit chain breaks, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditBreak {
    /// An entry's stored hash is not the hash of its content.
    Altered {
        /// The entry.
        seq: i64,
    },
    /// An entry does not point at the entry before it (one was removed or inserted).
    Unlinked {
        /// The entry.
        seq: i64,
    },
}

/// Checks the whole chain; `Ok(n)` with the number of entries when intact.
pub fn verify_audit(entries: &[AuditEntry]) -> Result<usize, AuditBreak> {
    let mut prev = String::new();
    for e in entries {
        if e.prev_hash != prev {
            return Err(AuditBreak::Unlinked { seq: e.seq });
        }
        if audit_hash(&e.prev_hash, e.at, &e.event) != e.hash {
            return Err(AuditBreak::Altered { seq: e.seq });
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_applied() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        assert_eq!(sqlite_migrations::files_in(&dir), MIGRATIONS.len());
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&tmp.path().join("t.db")).unwrap();
        let version: i64 = store
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        // Opening again applies nothing twice.
        drop(store);
        SqliteStore::open(&tmp.path().join("t.db")).unwrap();
    }

    #[test]
    fn the_audit_chain_detects_a_removed_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&tmp.path().join("t.db")).unwrap();
        for i in 0..3 {
            store
                .audit(
                    i,
                    &AuditEvent {
                        event: format!("e{i}"),
                        ..AuditEvent::default()
                    },
                )
                .unwrap();
        }
        let mut log = store.audit_log().unwrap();
        assert_eq!(verify_audit(&log), Ok(3));
        log.remove(1);
        assert_eq!(verify_audit(&log), Err(AuditBreak::Unlinked { seq: 3 }));
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&tmp.path().join("t.db")).unwrap();
        (tmp, store)
    }

    /// A store holding one registered office, 1310000001.
    fn store_with_office() -> (tempfile::TempDir, SqliteStore) {
        let (tmp, store) = store();
        store
            .add_office("1310000001", "居宅", OfficeKind::Kyotaku, "hash")
            .unwrap();
        (tmp, store)
    }

    #[test]
    fn a_lock_set_before_the_upgrade_still_holds_after_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.db");
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        // The schema before failed logins had their own table.
        sqlite_migrations::migrate(&mut conn, &MIGRATIONS[..8]).unwrap();
        conn.execute(
            "INSERT INTO offices (number, name, kind, password_hash, created_at, failed_logins, locked_until)
             VALUES ('1310000001', '居宅', 'kyotaku', 'hash', 0, 0, 5000)",
            [],
        )
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store
                .login_lock(&LoginSubject::Office("1310000001"))
                .unwrap(),
            Some(5000)
        );
    }

    #[test]
    fn a_number_nobody_has_is_counted_and_locked_like_a_registered_one() {
        let (_tmp, store) = store_with_office();
        for subject in [
            LoginSubject::Office("1310000001"),
            LoginSubject::Office("1399999999"),
        ] {
            let counts: Vec<u32> = (0..5)
                .map(|_| store.login_failed(&subject, 100, 5, 900).unwrap())
                .collect();
            assert_eq!(counts, [1, 2, 3, 4, 5]);
            assert_eq!(store.login_lock(&subject).unwrap(), Some(1000));
        }
    }

    #[test]
    fn failures_older_than_the_lock_period_are_forgotten() {
        let (_tmp, store) = store();
        let subject = LoginSubject::Staff("1310000001", "sato");
        for _ in 0..4 {
            store.login_failed(&subject, 100, 5, 900).unwrap();
        }
        assert_eq!(store.login_failed(&subject, 100 + 901, 5, 900).unwrap(), 1);
        assert_eq!(store.login_lock(&subject).unwrap(), None);
    }

    #[test]
    fn guesses_long_past_leave_no_row_behind() {
        let (_tmp, store) = store();
        for n in 0..50 {
            let number = format!("13{n:08}");
            store
                .login_failed(&LoginSubject::Office(&number), 100, 5, 900)
                .unwrap();
        }
        store
            .login_failed(&LoginSubject::Office("1310000001"), 2000, 5, 900)
            .unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM login_failures", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_new_password_clears_the_lock() {
        let (_tmp, store) = store_with_office();
        let office = LoginSubject::Office("1310000001");
        store.login_failed(&office, 100, 1, 900).unwrap();
        assert!(store.login_lock(&office).unwrap().is_some());
        store.set_password("1310000001", "new").unwrap();
        assert_eq!(store.login_lock(&office).unwrap(), None);
    }
}
