//! PostgreSQL metadata store: what several relay nodes share. The same [`MetaStore`] as the
//! embedded SQLite store, table for table (`migrations-pg/`); the relay's integration suite runs
//! against both.
//!
//! Orders that a reader resumes from (events, the audit chain) are given under a transaction-level
//! advisory lock, so their sequence numbers commit in order and a reader that has seen number
//! N never later finds an N−1 it skipped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use careplan_protocol::{
    EventKind, ExpiredEvent, MessageEvent, OfficeKind, ReceiptEvent, RequestState,
};
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::{
    AuditEntry, AuditEvent, CERT_COLS, CertRecord, DeviceRequestRow, Event, LoginSubject,
    MESSAGE_COLS, Message, MetaStore, OFFICE_COLS, Office, REQUEST_COLS, STAFF_COLS, SaveRow,
    Session, Staff, StoreError, WAKE_ALL, audit_hash, event_data,
};

/// Schema changes, applied in order; `schema_version` counts them.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations-pg/0001_init.sql"),
    include_str!("../migrations-pg/0002_allowances.sql"),
];

/// Advisory lock keys (any 64-bit numbers no other program on the database uses).
const LOCK_MIGRATE: i64 = 0x004b_495a_0001;
const LOCK_AUDIT: i64 = 0x004b_495a_0002;
const LOCK_EVENTS: i64 = 0x004b_495a_0003;

/// The channel on which every node hears of new events (the payload is the office).
const EVENTS_CHANNEL: &str = "kizuna_events";

/// Connections a node opens at most. A request that finds them all busy waits for one: opening
/// more under load would cost the database a new backend and a TLS handshake per request.
const POOL: usize = 16;

/// How long a request waits for a free connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// The node's connections: the idle ones, and how many are open in all.
#[derive(Default)]
struct Pool {
    idle: Vec<Pooled>,
    open: usize,
}

/// The PostgreSQL store.
pub struct PgStore {
    url: String,
    /// TLS for every connection the URL's `sslmode` asks for (`prefer` by default, `require`
    /// to refuse a server without it): the system's roots and the relay's own CA file, if any.
    tls: MakeRustlsConnect,
    pool: Mutex<Pool>,
    /// Told whenever a connection is returned or closed.
    returned: Condvar,
    /// Ends the thread listening for other nodes' events.
    stopping: Arc<AtomicBool>,
}

/// An open connection and the statements prepared on it.
struct Pooled {
    client: Client,
    /// Each statement text is parsed by the server once per connection: a query then takes one
    /// round trip, not two.
    statements: HashMap<String, Statement>,
}

/// A connection taken from the pool; it goes back when dropped, unless it broke.
struct Conn<'a> {
    store: &'a PgStore,
    pooled: Option<Pooled>,
}

impl<'a> Conn<'a> {
    fn pooled(&mut self) -> &mut Pooled {
        self.pooled.as_mut().expect("held until dropped")
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        let p = self.pooled();
        if let Some(s) = p.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = p.client.prepare(sql)?;
        p.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    // A failed statement is prepared afresh next time: the failure may be a schema that
    // changed under it (another node upgraded the database).
    fn run<T>(
        &mut self,
        sql: &str,
        call: impl FnOnce(&mut Client, &Statement) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let statement = self.statement(sql)?;
        let p = self.pooled();
        call(&mut p.client, &statement).map_err(|e| {
            p.statements.remove(sql);
            e.into()
        })
    }

    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StoreError> {
        self.run(sql, |c, s| c.query(s, params))
    }

    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, StoreError> {
        self.run(sql, |c, s| c.query_one(s, params))
    }

    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        self.run(sql, |c, s| c.query_opt(s, params))
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        self.run(sql, |c, s| c.execute(s, params))
    }

    fn batch_execute(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.pooled().client.batch_execute(sql)?)
    }

    /// Begins a transaction, rolled back unless committed.
    fn transaction(&mut self) -> Result<Tx<'_, 'a>, StoreError> {
        self.batch_execute("BEGIN")?;
        Ok(Tx {
            conn: self,
            open: true,
        })
    }
}

/// A transaction on a pooled connection (statements through it are prepared once too).
struct Tx<'c, 'a> {
    conn: &'c mut Conn<'a>,
    open: bool,
}

impl Tx<'_, '_> {
    fn commit(mut self) -> Result<(), StoreError> {
        self.open = false;
        self.conn.batch_execute("COMMIT")
    }
}

impl<'a> std::ops::Deref for Tx<'_, 'a> {
    type Target = Conn<'a>;
    fn deref(&self) -> &Conn<'a> {
        self.conn
    }
}

impl<'a> std::ops::DerefMut for Tx<'_, 'a> {
    fn deref_mut(&mut self) -> &mut Conn<'a> {
        self.conn
    }
}

impl Drop for Tx<'_, '_> {
    fn drop(&mut self) {
        // A connection whose transaction could not be ended is not given to anyone else.
        if self.open && self.conn.batch_execute("ROLLBACK").is_err() {
            self.conn.pooled.take();
            self.conn.store.closed();
        }
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(p) = self.pooled.take() else { return };
        if p.client.is_closed() {
            self.store.closed();
            return;
        }
        if self.store.pool().idle.len() < POOL {
            self.store.pool().idle.push(p);
        } else {
            self.store.closed();
        }
        self.store.returned.notify_one();
    }
}

impl Drop for PgStore {
    // A blocking client owns a runtime of its own, which must not be dropped where async code
    // runs (the relay drops its store as its last task ends): they go on a thread of their own.
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let pool = self.pool.get_mut().unwrap_or_else(|p| p.into_inner());
        let idle = std::mem::take(&mut pool.idle);
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db?sslmode=require`) and brings the schema
    /// up to date; nodes starting together take turns. The server's certificate is checked
    /// against the system's roots and, when given, the CA certificates in `ca_file` (PEM).
    pub fn open(url: &str, ca_file: Option<&std::path::Path>) -> Result<PgStore, StoreError> {
        let store = PgStore {
            url: url.to_owned(),
            tls: tls_to(ca_file)?,
            pool: Mutex::default(),
            returned: Condvar::new(),
            stopping: Arc::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Notes that a connection taken from the pool was closed.
    fn closed(&self) {
        self.pool().open -= 1;
        self.returned.notify_one();
    }

    fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection, a new one while fewer than [`POOL`] are open, or else the first one
    /// returned.
    fn conn(&self) -> Result<Conn<'_>, StoreError> {
        let deadline = std::time::Instant::now() + POOL_WAIT;
        let mut pool = self.pool();
        loop {
            if let Some(pooled) = pool.idle.pop() {
                return Ok(Conn {
                    store: self,
                    pooled: Some(pooled),
                });
            }
            if pool.open < POOL {
                pool.open += 1;
                drop(pool);
                return match Client::connect(&self.url, self.tls.clone()) {
                    Ok(client) => Ok(Conn {
                        store: self,
                        pooled: Some(Pooled {
                            client,
                            statements: HashMap::new(),
                        }),
                    }),
                    Err(e) => {
                        self.closed();
                        Err(e.into())
                    }
                };
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(StoreError::Io(format!(
                    "all {POOL} connections to the database stayed busy for {} s",
                    POOL_WAIT.as_secs()
                )));
            }
            pool = self
                .returned
                .wait_timeout(pool, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_MIGRATE])?;
        // (Not IF NOT EXISTS: that has the server send a notice, which would go to the log.)
        let fresh = tx
            .query_one("SELECT to_regclass('schema_version') IS NULL", &[])?
            .get::<_, bool>(0);
        if fresh {
            tx.batch_execute("CREATE TABLE schema_version (version BIGINT NOT NULL)")?;
        }
        let version: i64 = tx
            .query_opt("SELECT version FROM schema_version", &[])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::Io(format!(
                "the database is at schema {version}, newer than this relay's {}",
                MIGRATIONS.len()
            )));
        }
        for sql in &MIGRATIONS[version as usize..] {
            tx.batch_execute(sql)?;
        }
        tx.execute("DELETE FROM schema_version", &[])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(MIGRATIONS.len() as i64)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn query<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        row: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        self.conn()?.query(sql, params)?.iter().map(row).collect()
    }

    fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        row: impl Fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.conn()?
            .query_opt(sql, params)?
            .as_ref()
            .map(row)
            .transpose()
    }

    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        self.conn()?.execute(sql, params)
    }
}

/// The TLS the relay speaks to PostgreSQL with: the system's roots and those in `ca_file`.
fn tls_to(ca_file: Option<&std::path::Path>) -> Result<MakeRustlsConnect, StoreError> {
    crate::tls::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        }
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// A column holding one of the protocol's names, read back into its type.
fn named<T: std::str::FromStr<Err = String>>(r: &Row, i: usize) -> Result<T, StoreError> {
    r.try_get::<_, String>(i)?
        .parse()
        .map_err(|e: String| StoreError::Io(format!("column {i}: {e}")))
}

fn office_row(r: &Row) -> Result<Office, StoreError> {
    Ok(Office {
        number: r.try_get(0)?,
        name: r.try_get(1)?,
        kind: named(r, 2)?,
        active: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        totp_secret: r.try_get(5)?,
    })
}

fn cert_row(r: &Row) -> Result<CertRecord, StoreError> {
    Ok(CertRecord {
        serial: r.try_get(0)?,
        office: r.try_get(1)?,
        encryption_key: r.try_get(2)?,
        pem: r.try_get(3)?,
        issued_at: r.try_get(4)?,
        not_after: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
        device: r.try_get(7)?,
        device_name: r.try_get(8)?,
    })
}

fn message_row(r: &Row) -> Result<Message, StoreError> {
    Ok(Message {
        seq: r.try_get(0)?,
        id: r.try_get(1)?,
        sender: r.try_get(2)?,
        recipient: r.try_get(3)?,
        file_name: r.try_get(4)?,
        size: r.try_get(5)?,
        sha256: r.try_get(6)?,
        manifest: r.try_get(7)?,
        idempotency_key: r.try_get(8)?,
        state: named(r, 9)?,
        created_at: r.try_get(10)?,
        delivered_at: r.try_get(11)?,
        acknowledged_at: r.try_get(12)?,
        expires_at: r.try_get(13)?,
        receipt: r.try_get(14)?,
    })
}

fn staff_row(r: &Row) -> Result<Staff, StoreError> {
    Ok(Staff {
        office: r.try_get(0)?,
        login: r.try_get(1)?,
        name: r.try_get(2)?,
        role: named(r, 3)?,
        password_hash: r.try_get(4)?,
        active: r.try_get(5)?,
        totp_secret: r.try_get(6)?,
    })
}

fn request_row(r: &Row) -> Result<DeviceRequestRow, StoreError> {
    Ok(DeviceRequestRow {
        id: r.try_get(0)?,
        office: r.try_get(1)?,
        secret_hash: r.try_get(2)?,
        code: r.try_get(3)?,
        csr_pem: r.try_get(4)?,
        encryption_key: r.try_get(5)?,
        device_name: r.try_get(6)?,
        created_at: r.try_get(7)?,
        expires_at: r.try_get(8)?,
        state: r.try_get(9)?,
        decided_by: r.try_get(10)?,
        enrolment: r.try_get(11)?,
    })
}

fn event_row(r: &Row) -> Result<Event, StoreError> {
    Ok(Event {
        seq: r.try_get(0)?,
        office: r.try_get(1)?,
        kind: r.try_get(2)?,
        message_id: r.try_get(3)?,
        data: r.try_get(4)?,
        at: r.try_get(5)?,
    })
}

fn audit_row(r: &Row) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        event: AuditEvent {
            event: r.try_get(2)?,
            office: r.try_get(3)?,
            message_id: r.try_get(4)?,
            remote: r.try_get(5)?,
            detail: r.try_get(6)?,
        },
        prev_hash: r.try_get(7)?,
        hash: r.try_get(8)?,
    })
}

fn save_row(r: &Row) -> Result<SaveRow, StoreError> {
    Ok(SaveRow {
        seq: r.try_get(0)?,
        office: r.try_get(1)?,
        message_id: r.try_get(2)?,
        device: r.try_get(3)?,
        device_name: r.try_get(4)?,
        person: r.try_get(5)?,
        place: r.try_get(6)?,
        again: r.try_get(7)?,
        at: r.try_get(8)?,
    })
}

/// Forgets `subject`'s failed logins and lock, within whatever transaction `c` is in.
fn clear_login(c: &mut Conn<'_>, subject: &LoginSubject<'_>) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM login_failures WHERE subject = $1",
        &[&subject.key()],
    )?;
    Ok(())
}

/// An event to record: office, kind, message, data, time.
type NewEvent<'a> = (&'a str, &'a str, Option<&'a str>, String, i64);

/// Records events within the caller's transaction, their numbers given in commit order (and,
/// within one call, in the order given); returns the numbers.
fn insert_events(c: &mut Conn<'_>, events: &[NewEvent<'_>]) -> Result<Vec<i64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let column = |f: fn(&NewEvent<'_>) -> Option<String>| events.iter().map(f).collect::<Vec<_>>();
    let offices = column(|e| Some(e.0.to_owned()));
    let kinds = column(|e| Some(e.1.to_owned()));
    let ids = column(|e| e.2.map(str::to_owned));
    let data = column(|e| Some(e.3.clone()));
    let at: Vec<i64> = events.iter().map(|e| e.4).collect();
    c.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_EVENTS])?;
    // Every node's streams of these offices look again once the transaction commits (the
    // server sends a repeated notification once).
    c.execute(
        "SELECT pg_notify($1, o) FROM UNNEST($2::text[]) AS o",
        &[&EVENTS_CHANNEL, &offices],
    )?;
    let rows = c.query(
        "INSERT INTO events (office, kind, message_id, data, at)
         SELECT o, k, m, d, a FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
             WITH ORDINALITY AS e (o, k, m, d, a, n)
         ORDER BY n
         RETURNING seq",
        &[&offices, &kinds, &ids, &data, &at],
    )?;
    let mut seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    // RETURNING does not promise an order; numbers were given in insertion order.
    seqs.sort_unstable();
    Ok(seqs)
}

/// Records one event for `office` within the caller's transaction.
fn insert_event(
    c: &mut Conn<'_>,
    office: &str,
    kind: &str,
    message_id: Option<&str>,
    data: &str,
    at: i64,
) -> Result<i64, StoreError> {
    let seqs = insert_events(c, &[(office, kind, message_id, data.to_owned(), at)])?;
    seqs.first()
        .copied()
        .ok_or_else(|| StoreError::Io("an event was not recorded".into()))
}

/// Appends entries to the audit chain within the caller's transaction: one writer at a time,
/// whichever node, so the chain never forks.
fn append_audits(
    c: &mut Conn<'_>,
    at: i64,
    events: &[&AuditEvent],
) -> Result<Vec<AuditEntry>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    c.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_AUDIT])?;
    let last = c.query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
    let (mut seq, mut prev_hash) = match last {
        Some(r) => (r.get::<_, i64>(0), r.get::<_, String>(1)),
        None => (0, String::new()),
    };
    let mut entries = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let hash = audit_hash(&prev_hash, at, e);
        entries.push(AuditEntry {
            seq,
            at,
            event: (*e).clone(),
            prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
        });
    }
    let column = |f: fn(&AuditEntry) -> Option<String>| entries.iter().map(f).collect::<Vec<_>>();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    c.execute(
        "INSERT INTO audit (seq, at, event, office, message_id, remote, detail, prev_hash, hash)
         SELECT s, $1, e, o, m, r, d, p, h
         FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[]) AS a (s, e, o, m, r, d, p, h)",
        &[
            &at,
            &seqs,
            &column(|a| Some(a.event.event.clone())),
            &column(|a| a.event.office.clone()),
            &column(|a| a.event.message_id.clone()),
            &column(|a| a.event.remote.clone()),
            &column(|a| Some(a.event.detail.clone())),
            &column(|a| Some(a.prev_hash.clone())),
            &column(|a| Some(a.hash.clone())),
        ],
    )?;
    Ok(entries)
}

/// Appends one entry to the audit chain within the caller's transaction.
fn append_audit(c: &mut Conn<'_>, at: i64, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
    append_audits(c, at, &[e])?
        .pop()
        .ok_or_else(|| StoreError::Io("an audit entry was not recorded".into()))
}

impl MetaStore for PgStore {
    fn add_office(
        &self,
        number: &str,
        name: &str,
        kind: OfficeKind,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        match self.execute(
            "INSERT INTO offices (number, name, kind, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&number, &name, &kind.as_str(), &password_hash, &now],
        ) {
            Err(StoreError::Postgres(e)) if unique_violation(&e) => {
                Err(StoreError::Duplicate(number.to_owned()))
            }
            r => r.map(drop),
        }
    }

    fn office(&self, number: &str) -> Result<Option<Office>, StoreError> {
        self.query_opt(
            &format!("SELECT {OFFICE_COLS} FROM offices WHERE number = $1"),
            &[&number],
            office_row,
        )
    }

    fn offices(&self) -> Result<Vec<Office>, StoreError> {
        self.query(
            &format!("SELECT {OFFICE_COLS} FROM offices ORDER BY number"),
            &[],
            office_row,
        )
    }

    fn set_active(&self, number: &str, active: bool) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE offices SET active = $2,
             disabled_at = CASE WHEN $2 THEN NULL ELSE EXTRACT(EPOCH FROM now())::BIGINT END
             WHERE number = $1",
            &[&number, &active],
        )? == 1)
    }

    fn set_password(&self, number: &str, password_hash: &str) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let n = tx.execute(
            "UPDATE offices SET password_hash = $2 WHERE number = $1",
            &[&number, &password_hash],
        )?;
        clear_login(&mut tx, &LoginSubject::Office(number))?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn set_totp(&self, number: &str, secret: Option<&str>) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE offices SET totp_secret = $2 WHERE number = $1",
            &[&number, &secret],
        )? == 1)
    }

    fn login_lock(&self, subject: &LoginSubject<'_>) -> Result<Option<i64>, StoreError> {
        Ok(self
            .query_opt(
                "SELECT locked_until FROM login_failures WHERE subject = $1",
                &[&subject.key()],
                |r| Ok(r.try_get::<_, Option<i64>>(0)?),
            )?
            .flatten())
    }

    fn login_failed(
        &self,
        subject: &LoginSubject<'_>,
        now: i64,
        max_failures: u32,
        lock_secs: i64,
    ) -> Result<u32, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.execute(
            "DELETE FROM login_failures
             WHERE last_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
            &[&(now - lock_secs), &now],
        )?;
        let failures: i64 = tx
            .query_one(
                "INSERT INTO login_failures AS f (subject, failures, last_at) VALUES ($1, 1, $2)
                 ON CONFLICT (subject) DO UPDATE SET
                     failures = CASE WHEN f.last_at < $2 - $3 THEN 1 ELSE f.failures + 1 END,
                     last_at = $2
                 RETURNING failures",
                &[&subject.key(), &now, &lock_secs],
            )?
            .get(0);
        if failures >= i64::from(max_failures) {
            tx.execute(
                "UPDATE login_failures SET locked_until = $2, failures = 0 WHERE subject = $1",
                &[&subject.key(), &(now + lock_secs)],
            )?;
        }
        tx.commit()?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    fn login_cleared(&self, subject: &LoginSubject<'_>) -> Result<(), StoreError> {
        clear_login(&mut self.conn()?, subject)
    }

    fn take_totp_step(&self, number: &str, step: i64) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE offices SET totp_last_step = $2
             WHERE number = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            &[&number, &step],
        )? == 1)
    }

    fn rights_ended_since(&self, since: i64) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let serials = self.query(
            "SELECT serial FROM certificates WHERE revoked_at >= $1",
            &[&since],
            |r| Ok(r.try_get(0)?),
        )?;
        let offices = self.query(
            "SELECT number FROM offices WHERE disabled_at >= $1",
            &[&since],
            |r| Ok(r.try_get(0)?),
        )?;
        Ok((serials, offices))
    }

    fn add_certificate(&self, c: &CertRecord) -> Result<(), StoreError> {
        self.execute(
            &format!(
                "INSERT INTO certificates ({CERT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ),
            &[
                &c.serial,
                &c.office,
                &c.encryption_key,
                &c.pem,
                &c.issued_at,
                &c.not_after,
                &c.revoked_at,
                &c.device,
                &c.device_name,
            ],
        )?;
        Ok(())
    }

    fn certificate(&self, serial: &str) -> Result<Option<CertRecord>, StoreError> {
        self.query_opt(
            &format!("SELECT {CERT_COLS} FROM certificates WHERE serial = $1"),
            &[&serial],
            cert_row,
        )
    }

    fn certificates(&self) -> Result<Vec<CertRecord>, StoreError> {
        self.query(
            &format!("SELECT {CERT_COLS} FROM certificates ORDER BY issued_at DESC, serial"),
            &[],
            cert_row,
        )
    }

    fn revoke(&self, serial: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE certificates SET revoked_at = $2 WHERE serial = $1 AND revoked_at IS NULL",
            &[&serial, &now],
        )? == 1)
    }

    // A few statements for the whole batch, whatever its size: the batch's time is the
    // database's round trips, not its work.
    fn add_messages(
        &self,
        batch: &[(Message, AuditEvent)],
        at_ms: i64,
    ) -> Result<Vec<(Message, bool)>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let column =
            |f: fn(&Message) -> String| batch.iter().map(|(m, _)| f(m)).collect::<Vec<_>>();
        let number = |f: fn(&Message) -> i64| batch.iter().map(|(m, _)| f(m)).collect::<Vec<_>>();
        let (senders, keys) = (
            column(|m| m.sender.clone()),
            column(|m| m.idempotency_key.clone()),
        );
        // A key already taken (earlier, by another node, or earlier in this batch) is skipped
        // here and answered with the message that holds it below.
        let inserted = tx.query(
            "INSERT INTO messages (id, sender, recipient, file_name, size, sha256, manifest,
                 idempotency_key, state, created_at, expires_at)
             SELECT i, s, r, f, z, h, m, k, t, c, x
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                         $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[])
                 WITH ORDINALITY AS n (i, s, r, f, z, h, m, k, t, c, x, o)
             ORDER BY o
             ON CONFLICT (sender, idempotency_key) DO NOTHING
             RETURNING id, seq",
            &[
                &column(|m| m.id.clone()),
                &senders,
                &column(|m| m.recipient.clone()),
                &column(|m| m.file_name.clone()),
                &number(|m| m.size),
                &column(|m| m.sha256.clone()),
                &column(|m| m.manifest.clone()),
                &keys,
                &column(|m| m.state.as_str().to_owned()),
                &number(|m| m.created_at),
                &number(|m| m.expires_at),
            ],
        )?;
        let seqs: std::collections::HashMap<String, i64> =
            inserted.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut holders = std::collections::HashMap::new();
        if seqs.len() < batch.len() {
            let rows = tx.query(
                &format!(
                    "SELECT {MESSAGE_COLS} FROM messages
                     WHERE (sender, idempotency_key) IN
                         (SELECT * FROM UNNEST($1::text[], $2::text[]))"
                ),
                &[&senders, &keys],
            )?;
            for r in &rows {
                let m = message_row(r)?;
                holders.insert((m.sender.clone(), m.idempotency_key.clone()), m);
            }
        }
        let mut out = Vec::with_capacity(batch.len());
        let (mut events, mut audits) = (Vec::new(), Vec::new());
        for (m, audit) in batch {
            match seqs.get(&m.id) {
                Some(&seq) => {
                    let data = event_data(&MessageEvent {
                        id: m.id.clone(),
                        sender: m.sender.clone(),
                        file_name: m.file_name.clone(),
                        size: m.size,
                    });
                    events.push((
                        m.recipient.as_str(),
                        EventKind::Message.as_str(),
                        Some(m.id.as_str()),
                        data,
                        m.created_at,
                    ));
                    audits.push(audit);
                    out.push((Message { seq, ..m.clone() }, true));
                }
                None => {
                    let holder = holders
                        .get(&(m.sender.clone(), m.idempotency_key.clone()))
                        .ok_or_else(|| {
                            StoreError::Io(format!("message {} neither stored nor found", m.id))
                        })?;
                    out.push((holder.clone(), false));
                }
            }
        }
        insert_events(&mut tx, &events)?;
        append_audits(&mut tx, at_ms, &audits)?;
        tx.commit()?;
        Ok(out)
    }

    fn message(&self, id: &str) -> Result<Option<Message>, StoreError> {
        self.query_opt(
            &format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = $1"),
            &[&id],
            message_row,
        )
    }

    fn sent_by_key(&self, sender: &str, key: &str) -> Result<Option<Message>, StoreError> {
        self.query_opt(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE sender = $1 AND idempotency_key = $2"
            ),
            &[&sender, &key],
            message_row,
        )
    }

    fn inbox(&self, recipient: &str, after: i64, limit: u32) -> Result<Vec<Message>, StoreError> {
        self.query(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE recipient = $1 AND seq > $2
                 ORDER BY seq LIMIT $3"
            ),
            &[&recipient, &after, &i64::from(limit)],
            message_row,
        )
    }

    fn sent(&self, sender: &str, after: i64, limit: u32) -> Result<Vec<Message>, StoreError> {
        self.query(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages WHERE sender = $1 AND seq > $2
                 ORDER BY seq LIMIT $3"
            ),
            &[&sender, &after, &i64::from(limit)],
            message_row,
        )
    }

    fn mark_delivered(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE messages SET state = 'delivered', delivered_at = $2
             WHERE id = $1 AND state = 'stored'",
            &[&id, &now],
        )?;
        Ok(())
    }

    fn expire_due(&self, now: i64) -> Result<Vec<Message>, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        // Several nodes look at once: each due message is taken by one of them.
        let due = tx
            .query(
                &format!(
                    "SELECT {MESSAGE_COLS} FROM messages
                     WHERE state IN ('stored', 'delivered') AND expires_at <= $1
                     ORDER BY seq LIMIT 500 FOR UPDATE SKIP LOCKED"
                ),
                &[&now],
            )?
            .iter()
            .map(message_row)
            .collect::<Result<Vec<_>, _>>()?;
        for m in &due {
            tx.execute(
                "UPDATE messages SET state = 'expired', body_held = FALSE WHERE id = $1",
                &[&m.id],
            )?;
            let data = event_data(&ExpiredEvent {
                id: m.id.clone(),
                recipient: m.recipient.clone(),
                file_name: m.file_name.clone(),
            });
            insert_event(
                &mut tx,
                &m.sender,
                EventKind::Expired.as_str(),
                Some(&m.id),
                &data,
                now,
            )?;
        }
        tx.commit()?;
        Ok(due)
    }

    fn acknowledge(&self, id: &str, receipt: &str, now: i64) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let acked = tx.query_opt(
            "UPDATE messages SET state = 'acknowledged', acknowledged_at = $3, receipt = $2,
             delivered_at = COALESCE(delivered_at, $3)
             WHERE id = $1 AND state IN ('stored', 'delivered')
             RETURNING sender, recipient, file_name",
            &[&id, &receipt, &now],
        )?;
        if let Some(r) = &acked {
            let (sender, recipient, file_name): (String, String, String) =
                (r.get(0), r.get(1), r.get(2));
            let data = event_data(&ReceiptEvent {
                id: id.to_owned(),
                recipient,
                file_name,
                receipt: receipt.to_owned(),
            });
            insert_event(
                &mut tx,
                &sender,
                EventKind::Receipt.as_str(),
                Some(id),
                &data,
                now,
            )?;
        }
        tx.commit()?;
        Ok(acked.is_some())
    }

    fn add_staff(&self, m: &Staff, now: i64) -> Result<(), StoreError> {
        match self.execute(
            "INSERT INTO staff (office, login, name, role, password_hash, active, created_at,
             totp_secret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &m.office,
                &m.login,
                &m.name,
                &m.role.as_str(),
                &m.password_hash,
                &m.active,
                &now,
                &m.totp_secret,
            ],
        ) {
            Err(StoreError::Postgres(e)) if unique_violation(&e) => {
                Err(StoreError::Duplicate(m.login.clone()))
            }
            r => r.map(drop),
        }
    }

    fn staff(&self, office: &str, login: &str) -> Result<Option<Staff>, StoreError> {
        self.query_opt(
            &format!("SELECT {STAFF_COLS} FROM staff WHERE office = $1 AND login = $2"),
            &[&office, &login],
            staff_row,
        )
    }

    fn staff_list(&self, office: &str) -> Result<Vec<Staff>, StoreError> {
        self.query(
            &format!("SELECT {STAFF_COLS} FROM staff WHERE office = $1 ORDER BY login"),
            &[&office],
            staff_row,
        )
    }

    fn set_staff_active(
        &self,
        office: &str,
        login: &str,
        active: bool,
    ) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let n = tx.execute(
            "UPDATE staff SET active = $3 WHERE office = $1 AND login = $2",
            &[&office, &login, &active],
        )?;
        clear_login(&mut tx, &LoginSubject::Staff(office, login))?;
        if !active {
            tx.execute(
                "DELETE FROM sessions WHERE office = $1 AND login = $2",
                &[&office, &login],
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
        Ok(self.execute(
            "UPDATE staff SET totp_secret = $3, totp_last_step = NULL
             WHERE office = $1 AND login = $2",
            &[&office, &login, &secret],
        )? == 1)
    }

    fn take_staff_totp_step(
        &self,
        office: &str,
        login: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE staff SET totp_last_step = $3
             WHERE office = $1 AND login = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
            &[&office, &login, &step],
        )? == 1)
    }

    fn open_session(&self, token_hash: &str, s: &Session, now: i64) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        clear_login(&mut tx, &LoginSubject::Staff(&s.office, &s.login))?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
        tx.execute(
            "INSERT INTO sessions (token_hash, office, login, device, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &token_hash,
                &s.office,
                &s.login,
                &s.device,
                &now,
                &s.expires_at,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        self.query_opt(
            "SELECT office, login, device, expires_at FROM sessions WHERE token_hash = $1",
            &[&token_hash],
            |r| {
                Ok(Session {
                    office: r.try_get(0)?,
                    login: r.try_get(1)?,
                    device: r.try_get(2)?,
                    expires_at: r.try_get(3)?,
                })
            },
        )
    }

    fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    fn current_devices(&self, office: &str, now: i64) -> Result<Vec<CertRecord>, StoreError> {
        self.query(
            &format!(
                "SELECT {CERT_COLS} FROM certificates c
                 WHERE office = $1 AND revoked_at IS NULL AND not_after > $2
                 AND NOT EXISTS (SELECT 1 FROM certificates n
                     WHERE n.office = c.office AND n.device = c.device
                     AND n.revoked_at IS NULL AND n.not_after > $2
                     AND (n.issued_at, n.issued_seq) > (c.issued_at, c.issued_seq))
                 ORDER BY issued_at, issued_seq"
            ),
            &[&office, &now],
            cert_row,
        )
    }

    fn revoke_device(&self, office: &str, device: &str, now: i64) -> Result<usize, StoreError> {
        Ok(self.execute(
            "UPDATE certificates SET revoked_at = $3
             WHERE office = $1 AND device = $2 AND revoked_at IS NULL",
            &[&office, &device, &now],
        )? as usize)
    }

    fn add_device_request(
        &self,
        r: &DeviceRequestRow,
        max_pending: usize,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        // Requests of one office are counted one node at a time.
        tx.execute(
            "SELECT 1 FROM offices WHERE number = $1 FOR UPDATE",
            &[&r.office],
        )?;
        let waiting: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM device_requests
                 WHERE office = $1 AND state = 'pending' AND expires_at > $2",
                &[&r.office, &now],
            )?
            .get(0);
        if waiting >= max_pending as i64 {
            return Ok(false);
        }
        tx.execute(
            "DELETE FROM device_requests WHERE state = 'pending' AND expires_at < $1",
            &[&(now - 86_400)],
        )?;
        tx.execute(
            &format!(
                "INSERT INTO device_requests ({REQUEST_COLS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', NULL, NULL)"
            ),
            &[
                &r.id,
                &r.office,
                &r.secret_hash,
                &r.code,
                &r.csr_pem,
                &r.encryption_key,
                &r.device_name,
                &r.created_at,
                &r.expires_at,
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn device_request(&self, id: &str) -> Result<Option<DeviceRequestRow>, StoreError> {
        self.query_opt(
            &format!("SELECT {REQUEST_COLS} FROM device_requests WHERE id = $1"),
            &[&id],
            request_row,
        )
    }

    fn pending_device_requests(
        &self,
        office: &str,
        now: i64,
    ) -> Result<Vec<DeviceRequestRow>, StoreError> {
        self.query(
            &format!(
                "SELECT {REQUEST_COLS} FROM device_requests
                 WHERE office = $1 AND state = 'pending' AND expires_at > $2
                 ORDER BY created_at, id"
            ),
            &[&office, &now],
            request_row,
        )
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
        Ok(self.execute(
            "UPDATE device_requests SET state = $3, enrolment = $4, decided_by = $5,
             decided_at = $6
             WHERE id = $1 AND office = $2 AND state = 'pending' AND expires_at > $6",
            &[&id, &office, &state, &approved, &decided_by, &now],
        )? == 1)
    }

    fn record_fetch(&self, id: &str, encryption_key: &str, now: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO fetches (message_id, encryption_key, at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&id, &encryption_key, &now],
        )?;
        Ok(())
    }

    fn key_devices(&self, office: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.query(
            "SELECT DISTINCT encryption_key, device FROM certificates WHERE office = $1",
            &[&office],
            |r| Ok((r.try_get(0)?, r.try_get(1)?)),
        )
    }

    fn fetched_by(&self, id: &str) -> Result<Vec<String>, StoreError> {
        self.query(
            "SELECT encryption_key FROM fetches WHERE message_id = $1",
            &[&id],
            |r| Ok(r.try_get(0)?),
        )
    }

    fn body_gone(&self, id: &str) -> Result<(), StoreError> {
        self.execute(
            "UPDATE messages SET body_held = FALSE WHERE id = $1",
            &[&id],
        )?;
        Ok(())
    }

    fn held_past_expiry(&self, now: i64) -> Result<Vec<Message>, StoreError> {
        self.query(
            &format!(
                "SELECT {MESSAGE_COLS} FROM messages
                 WHERE state = 'acknowledged' AND body_held AND expires_at <= $1
                 ORDER BY seq LIMIT 500"
            ),
            &[&now],
            message_row,
        )
    }

    fn search_offices(&self, q: &str, limit: u32) -> Result<Vec<Office>, StoreError> {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        self.query(
            &format!(
                "SELECT {OFFICE_COLS} FROM offices
                 WHERE number LIKE $1 || '%' ESCAPE '\\' OR name LIKE '%' || $1 || '%' ESCAPE '\\'
                 ORDER BY number LIMIT $2"
            ),
            &[&escaped, &i64::from(limit)],
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
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let seq = insert_event(&mut tx, office, kind, message_id, data, at)?;
        tx.commit()?;
        Ok(seq)
    }

    fn device_seen(&self, office: &str, device: &str, at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO device_seen AS s (office, device, at) VALUES ($1, $2, $3)
             ON CONFLICT (office, device) DO UPDATE SET at = GREATEST(s.at, excluded.at)",
            &[&office, &device, &at],
        )?;
        Ok(())
    }

    fn count_call(&self, key: &str, now: i64, window: i64) -> Result<i64, StoreError> {
        let start = now - now.rem_euclid(window);
        let mut c = self.conn()?;
        c.execute(
            "DELETE FROM allowances WHERE key = $1 AND window_start < $2",
            &[&key, &start],
        )?;
        // One statement: two nodes counting at once both count.
        let used: i64 = c
            .query_one(
                "INSERT INTO allowances (key, window_start, used) VALUES ($1, $2, 1)
                 ON CONFLICT (key, window_start) DO UPDATE SET used = allowances.used + 1
                 RETURNING used",
                &[&key, &start],
            )?
            .get(0);
        Ok(used)
    }

    fn devices_seen(&self, office: &str) -> Result<Vec<(String, i64)>, StoreError> {
        self.query(
            "SELECT device, at FROM device_seen WHERE office = $1",
            &[&office],
            |r| Ok((r.try_get(0)?, r.try_get(1)?)),
        )
    }

    fn add_save(&self, v: &SaveRow, max: usize) -> Result<Option<i64>, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        // One message's saves are counted one node at a time.
        tx.execute(
            "SELECT 1 FROM messages WHERE id = $1 FOR UPDATE",
            &[&v.message_id],
        )?;
        let kept: i64 = tx
            .query_one(
                "SELECT count(*) FROM saves WHERE message_id = $1",
                &[&v.message_id],
            )?
            .get(0);
        if kept >= max as i64 {
            return Ok(None);
        }
        let seq: i64 = tx
            .query_one(
                "INSERT INTO saves (office, message_id, device, device_name, person, place,
                 again, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
                &[
                    &v.office,
                    &v.message_id,
                    &v.device,
                    &v.device_name,
                    &v.person,
                    &v.place,
                    &v.again,
                    &v.at,
                ],
            )?
            .get(0);
        let data = event_data(&careplan_protocol::SavedEvent {
            id: v.message_id.clone(),
            seq,
        });
        insert_event(
            &mut tx,
            &v.office,
            EventKind::Saved.as_str(),
            Some(&v.message_id),
            &data,
            v.at,
        )?;
        tx.commit()?;
        Ok(Some(seq))
    }

    fn saves(&self, office: &str, after: i64, limit: u32) -> Result<Vec<SaveRow>, StoreError> {
        self.query(
            "SELECT seq, office, message_id, device, device_name, person, place, again, at
             FROM saves WHERE office = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&office, &after, &i64::from(limit)],
            save_row,
        )
    }

    fn events(&self, office: &str, after: i64, limit: u32) -> Result<Vec<Event>, StoreError> {
        self.query(
            "SELECT seq, office, kind, message_id, data, at FROM events
             WHERE office = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&office, &after, &i64::from(limit)],
            event_row,
        )
    }

    fn audit(&self, at: i64, e: &AuditEvent) -> Result<AuditEntry, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let entry = append_audit(&mut tx, at, e)?;
        tx.commit()?;
        Ok(entry)
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.query(
            "SELECT seq, at, event, office, message_id, remote, detail, prev_hash, hash
             FROM audit ORDER BY seq",
            &[],
            audit_row,
        )
    }

    fn on_events(&self, wake: Arc<dyn Fn(&str) + Send + Sync>) {
        let (url, stopping, tls) = (self.url.clone(), self.stopping.clone(), self.tls.clone());
        std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let listened = Client::connect(&url, tls.clone()).and_then(|mut c| {
                    c.batch_execute(&format!("LISTEN {EVENTS_CHANNEL}"))?;
                    // Whatever was recorded while nobody listened is looked for now.
                    wake(WAKE_ALL);
                    while !stopping.load(Ordering::SeqCst) {
                        let mut news = c.notifications();
                        let mut heard = news.timeout_iter(Duration::from_secs(1));
                        while let Some(n) = heard.next()? {
                            wake(n.payload());
                        }
                    }
                    Ok(())
                });
                if let Err(error) = listened {
                    tracing::warn!(%error, "not listening for other nodes' events; trying again");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        });
    }

    fn last_audit(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.query_opt(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            &[],
            |r| Ok((r.try_get(0)?, r.try_get(1)?)),
        )
    }
}
