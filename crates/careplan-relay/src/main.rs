//! `kizuna-relay`: set up, administer and run a Kizuna relay.

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use careplan_protocol::{DemoOffice, Invite, Role};
use careplan_relay::ca::{Ca, write_private};
use careplan_relay::checkpoint::{self, Checkpoint, Checkpointer};
use careplan_relay::config::Config;
use careplan_relay::pg_store::PgStore;
use careplan_relay::server::{AppState, serve};
use careplan_relay::store::{
    AuditEvent, LoginSubject, MetaStore, OfficeKind, SqliteStore, verify_audit,
};
use careplan_relay::{password, tls};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "kizuna-relay", version, about = "Kizuna relay (連携基盤)")]
struct Cli {
    /// Data folder: CA, server certificate, settings, database.
    #[arg(
        long,
        global = true,
        env = "KIZUNA_RELAY_DATA",
        default_value = "relay-data"
    )]
    data: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the CA, the server certificate, the settings and the database.
    Init {
        /// Host names or addresses clients use to reach the relay (repeatable).
        #[arg(long = "hostname")]
        hostnames: Vec<String>,
    },
    /// Print the SHA-256 fingerprint of the CA certificate (hex), for offices to pin.
    CaFingerprint,
    /// Manage offices.
    #[command(subcommand)]
    Office(OfficeCmd),
    /// Manage issued certificates.
    #[command(subcommand)]
    Cert(CertCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Try Kizuna: initialise (if needed), register demo offices with fresh passwords, print
    /// them (and write them to demo-offices.json in the data folder), and serve.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: String,
    },
    /// Run the relay.
    Serve {
        /// Address to listen on (overrides the settings).
        #[arg(long)]
        listen: Option<String>,
    },
}

#[derive(Subcommand)]
enum OfficeCmd {
    /// Register an office; prints a generated initial password unless one is given on stdin.
    Add {
        /// 事業所番号 (10 digits).
        #[arg(long)]
        number: String,
        /// Office name.
        #[arg(long)]
        name: String,
        /// Kind of office.
        #[arg(long, value_parser = office_kind())]
        kind: OfficeKind,
        /// Read the initial password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List offices.
    List,
    /// Stop an office from logging in and receiving.
    Disable {
        /// 事業所番号.
        number: String,
    },
    /// Allow a disabled office again.
    Enable {
        /// 事業所番号.
        number: String,
    },
    /// Require a one-time code (authenticator app) at enrolment; prints the secret to set up.
    Totp {
        /// 事業所番号.
        number: String,
        /// Stop requiring it.
        #[arg(long)]
        off: bool,
    },
    /// Write the invitation file (`NUMBER.kizuna`) the office opens to enrol, and print its
    /// `kizuna://` link: the relay's address and CA fingerprint, never the password.
    Invite {
        /// 事業所番号.
        number: String,
        /// The address offices reach the relay at (default: the first hostname and the port
        /// the relay listens on).
        #[arg(long)]
        url: Option<String>,
        /// Where to write the file (default: NUMBER.kizuna in the current folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The office's devices (PCs, CLI profiles): list them, or revoke one.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// The office's staff: add (the first administrator, say), list, remove.
    #[command(subcommand)]
    Staff(StaffCmd),
    /// Set a new password (and lift a lock).
    Passwd {
        /// 事業所番号.
        number: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Add a member of staff; prints a generated first password unless one is given on stdin.
    Add {
        /// 事業所番号.
        number: String,
        /// Login name: 1–32 of a-z 0-9 . _ -
        #[arg(long)]
        login: String,
        /// The person's name.
        #[arg(long)]
        name: String,
        /// admin (管理者) or staff (一般).
        #[arg(long, value_parser = role())]
        role: Role,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the office's staff: login, role, active, name.
    List {
        /// 事業所番号.
        number: String,
    },
    /// Require a one-time code (authenticator app) when this person signs in; prints the secret
    /// and the otpauth URI to set up.
    Totp {
        /// 事業所番号.
        number: String,
        /// Login name.
        login: String,
        /// Stop requiring it.
        #[arg(long)]
        off: bool,
    },
    /// Stop a member of staff from signing in (and end their sessions).
    Remove {
        /// 事業所番号.
        number: String,
        /// Login name.
        login: String,
    },
}

fn role() -> clap::builder::ValueParser {
    clap::builder::ValueParser::new(|s: &str| s.parse::<Role>())
}

#[derive(Subcommand)]
enum DeviceCmd {
    /// Every device with a valid certificate: id, name, certificate end, serial.
    List {
        /// 事業所番号.
        number: String,
    },
    /// Revoke every certificate of a device: it can no longer connect, and nothing sent after
    /// this moment is encrypted to it.
    Revoke {
        /// 事業所番号.
        number: String,
        /// The device id, as listed.
        device: String,
    },
}

#[derive(Subcommand)]
enum CertCmd {
    /// List issued certificates.
    List,
    /// Revoke a certificate by serial (hex).
    Revoke {
        /// Serial as listed.
        serial: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Check that the hash chain of the audit log is intact and that every signed checkpoint
    /// (the data folder's, and those in FILEs kept elsewhere) still holds: nothing cut off the
    /// end, no chain recomputed.
    Verify {
        /// More checkpoint files to check, e.g. copies the administrator kept.
        #[arg(long = "checkpoints")]
        checkpoints: Vec<PathBuf>,
    },
    /// Sign a checkpoint of the log as it is now and print it (to keep a copy elsewhere).
    Checkpoint,
    /// Print the public key checkpoints are verified with (hex).
    PublicKey,
}

/// Signs a checkpoint of the audit log as it is now, if it has entries.
fn checkpoint_now(data: &Path, store: &dyn MetaStore) -> Result<Option<Checkpoint>> {
    let Some((seq, hash)) = store.last_audit()? else {
        return Ok(None);
    };
    let at = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    Ok(Some(Checkpointer::open(data)?.append(seq, &hash, at)?))
}

fn verify_log(data: &Path, more: &[PathBuf]) -> Result<()> {
    let store = open_store(data)?;
    let log = store.audit_log()?;
    let n = match verify_audit(&log) {
        Ok(n) => n,
        Err(b) => bail!("audit log broken: {b:?}"),
    };
    let key = Checkpointer::open(data)?;
    let last = log.last().map_or(0, |e| e.seq);
    let hash_of = |seq: i64| {
        usize::try_from(seq - 1)
            .ok()
            .and_then(|i| log.get(i))
            .filter(|e| e.seq == seq)
            .map(|e| e.hash.clone())
    };
    let mut held = 0;
    for file in std::iter::once(data.join(checkpoint::CHECKPOINTS_FILE)).chain(more.iter().cloned())
    {
        let found = checkpoint::read(&file)?;
        match checkpoint::verify(&found, key.public_key(), hash_of, last) {
            Ok(k) => held += k,
            Err(b) => bail!("audit log broken: {b:?} ({})", file.display()),
        }
    }
    println!("audit log intact: {n} entries, {held} signed checkpoints hold");
    Ok(())
}

/// The relay's metadata: PostgreSQL when `database_url` is set, else `relay.db` in the folder.
fn open_store(data: &Path) -> Result<Arc<dyn MetaStore>> {
    let db = data.join("relay.db");
    if !data.join(careplan_relay::config::FILE).exists() && !db.exists() {
        bail!(
            "{} is not an initialised relay data folder (run `kizuna-relay init` first)",
            data.display()
        );
    }
    let config = Config::load(data)?;
    match config.database_url {
        Some(url) => Ok(Arc::new(
            PgStore::open(&url, config.database_ca_file.as_deref())
                .context("opening the PostgreSQL database")?,
        )),
        None => Ok(Arc::new(
            SqliteStore::open(&db).context("opening the database")?,
        )),
    }
}

fn admin_audit(
    store: &dyn MetaStore,
    event: &str,
    office: Option<&str>,
    detail: String,
) -> Result<()> {
    let at = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let e = AuditEvent {
        event: event.into(),
        office: office.map(Into::into),
        message_id: None,
        remote: None,
        detail,
    };
    store.audit(at, &e)?;
    Ok(())
}

/// Prints a person's new second factor: the key and its address on stdout (for scripts), and a
/// QR code of the address for an authenticator app when a person is at the terminal.
fn print_second_factor(secret: &str, number: &str, login: &str) {
    use std::io::IsTerminal;
    let uri = careplan_relay::totp::uri(secret, &format!("{number}:{login}"));
    println!("{secret}");
    println!("{uri}");
    if std::io::stderr().is_terminal() {
        if let Ok(qr) = qrcode::QrCode::new(uri.as_bytes()) {
            eprintln!(
                "{}",
                qr.render::<qrcode::render::unicode::Dense1x2>()
                    .quiet_zone(true)
                    .build()
            );
        }
        eprintln!(
            "Scan this with {login}'s authenticator app, or type the key above; it is shown only now."
        );
    }
}

fn read_password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        let p = s.trim_end_matches(['\r', '\n']).to_owned();
        if p.len() < 8 {
            bail!("the password must have at least 8 characters");
        }
        Ok((p, false))
    } else {
        Ok((password::generate(), true))
    }
}

fn valid_office_number(n: &str) -> Result<()> {
    if n.len() != 10 || !n.bytes().all(|b| b.is_ascii_digit()) {
        bail!("事業所番号 must be 10 digits: {n}");
    }
    Ok(())
}

/// `https://` + the first hostname + the port of the listening address in the relay's settings.
fn default_url(data: &Path) -> String {
    let config = Config::load(data).unwrap_or_default();
    let host = config.hostnames.first().map_or("localhost", |h| h.as_str());
    let port = config.listen.rsplit_once(':').map_or("8443", |(_, p)| p);
    format!("https://{host}:{port}")
}

fn init(data: &Path, hostnames: Vec<String>) -> Result<()> {
    if data.join("relay.db").exists() {
        bail!("{} is already initialised", data.display());
    }
    std::fs::create_dir_all(data)?;
    // The data folder holds the CA key, password hashes and message bodies: its owner's only.
    #[cfg(unix)]
    std::fs::set_permissions(data, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    let mut config = Config::default();
    if !hostnames.is_empty() {
        config.hostnames = hostnames;
    }
    let ca = Ca::create(&data.join("ca"), "Kizuna relay")?;
    let (cert, key) = ca.issue_server(&config.hostnames, 825)?;
    // The CA goes with the server certificate so that a client enrolling with only the CA's
    // fingerprint can find the CA in the handshake and check the pin before it trusts anything.
    std::fs::write(data.join("server.pem"), format!("{cert}{}", ca.cert_pem()))?;
    write_private(&data.join("server.key"), key.as_bytes())?;
    config.save(data)?;
    let store = open_store(data)?;
    admin_audit(
        &*store,
        "admin.init",
        None,
        format!("hostnames {}", config.hostnames.join(",")),
    )?;
    checkpoint_now(data, &*store)?;
    println!("relay initialised in {}", data.display());
    println!("CA fingerprint (SHA-256): {}", ca.fingerprint());
    Ok(())
}

async fn run_server(
    data: &Path,
    listen: Option<String>,
    banner: Option<&dyn Fn(std::net::SocketAddr) -> String>,
) -> Result<()> {
    let mut config = Config::load(data)?;
    if let Some(l) = listen {
        config.listen = l;
    }
    // The PostgreSQL client blocks: opened, like every store call, off the async threads.
    let folder = data.to_owned();
    let store = tokio::task::spawn_blocking(move || open_store(&folder)).await??;
    let ca = Ca::load(&data.join("ca"))?;
    let tls = tls::server_config(data)?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let blobs: Arc<dyn careplan_relay::blobs::BlobStore> =
        match config.s3(|k| std::env::var(k).ok())? {
            Some(s3) => {
                let (staging, endpoint) = (data.join("staging"), s3.endpoint.clone());
                // Its calls block: made from a blocking thread, as the handlers make theirs.
                let opened = tokio::task::spawn_blocking(move || {
                    careplan_relay::s3::S3Blobs::open(&s3, staging)
                })
                .await?;
                Arc::new(opened.with_context(|| format!("opening the object store {endpoint}"))?)
            }
            None => Arc::new(careplan_relay::blobs::LocalBlobs::open(data.join("blobs"))?),
        };
    let state = Arc::new(
        AppState::new(store, blobs, ca, config).with_checkpoints(Checkpointer::open(data)?),
    );
    // The first line on stdout is the address, so scripts and tests can use port 0.
    // Whoever started the relay may have closed stdout; that must not stop it.
    let say = |text: String| {
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{text}").and_then(|()| std::io::stdout().flush());
    };
    say(format!("listening on https://{addr}"));
    if let Some(banner) = banner {
        say(banner(addr));
    }
    tracing::info!(%addr, "relay started");
    serve(listener, tls, state, shutdown_signal()).await?;
    tracing::info!("relay stopped");
    Ok(())
}

/// Where `demo` writes the demo offices' numbers, names, kinds and passwords (mode 0600).
const DEMO_OFFICES_FILE: &str = "demo-offices.json";

/// The demo offices: the same numbers and names `kizuna sample` writes files for.
const DEMO_OFFICES: [(&str, &str, OfficeKind); 4] = [
    (
        "1310000001",
        "居宅介護支援事業所さくら",
        OfficeKind::Kyotaku,
    ),
    (
        "1320000001",
        "ひまわり訪問介護ステーション",
        OfficeKind::Service,
    ),
    (
        "1320000002",
        "デイサービスセンターけやき",
        OfficeKind::Service,
    ),
    ("1320000003", "あおば福祉用具レンタル", OfficeKind::Service),
];

fn demo(data: &Path, listen: String) -> Result<()> {
    if !data.join("relay.db").exists() {
        init(data, vec!["localhost".into(), "127.0.0.1".into()])?;
    }
    let store = open_store(data)?;
    let mut rows = Vec::new();
    let mut credentials = Vec::new();
    for (number, name, kind) in DEMO_OFFICES {
        // A fresh password each run, so the printed one always works.
        let pw = password::generate();
        if store.office(number)?.is_some() {
            store.set_password(number, &password::hash(&pw))?;
            store.set_active(number, true)?;
        } else {
            store.add_office(number, name, kind, &password::hash(&pw))?;
        }
        admin_audit(&*store, "admin.demo", Some(number), String::new())?;
        rows.push(format!("  {number}  {pw}  {name}"));
        credentials.push(DemoOffice {
            number: number.into(),
            name: name.into(),
            kind,
            password: pw,
        });
    }
    drop(store);
    // The demo's simulated partner offices (`kizuna demo-partners`) enrol with these.
    write_private(
        &data.join(DEMO_OFFICES_FILE),
        serde_json::to_string_pretty(&credentials)?.as_bytes(),
    )?;
    let fingerprint = Ca::fingerprint_in(&data.join("ca"))?;
    let banner = move |addr: std::net::SocketAddr| {
        format!(
            "\nKizuna デモ用の連携基盤が起動しました。\n  接続先: https://localhost:{}\n  CA フィンガープリント: {fingerprint}\n\nデモ事業所（事業所番号・パスワード・名称）:\n{}\n\n終了するには Ctrl+C を押してください。",
            addr.port(),
            rows.join("\n")
        )
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run_server(data, Some(listen), Some(&banner)))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn run(cli: Cli) -> Result<()> {
    let data = cli.data;
    match cli.command {
        Command::Init { hostnames } => init(&data, hostnames),
        Command::CaFingerprint => {
            println!("{}", Ca::fingerprint_in(&data.join("ca"))?);
            Ok(())
        }
        Command::Office(cmd) => {
            let store = open_store(&data)?;
            match cmd {
                OfficeCmd::Add {
                    number,
                    name,
                    kind,
                    password_stdin,
                } => {
                    valid_office_number(&number)?;
                    let (pw, generated) = read_password(password_stdin)?;
                    store.add_office(&number, &name, kind, &password::hash(&pw))?;
                    admin_audit(&*store, "admin.office.add", Some(&number), name)?;
                    if generated {
                        println!("{number} {pw}");
                    }
                }
                OfficeCmd::List => {
                    for o in store.offices()? {
                        let state = if !o.active {
                            "disabled"
                        } else if store
                            .login_lock(&LoginSubject::Office(&o.number))?
                            .is_some_and(|t| t > time::OffsetDateTime::now_utc().unix_timestamp())
                        {
                            "locked"
                        } else {
                            "active"
                        };
                        println!("{}\t{:?}\t{state}\t{}", o.number, o.kind, o.name);
                    }
                }
                OfficeCmd::Disable { number } => {
                    if !store.set_active(&number, false)? {
                        bail!("no office {number}");
                    }
                    admin_audit(
                        &*store,
                        "admin.office.disable",
                        Some(&number),
                        String::new(),
                    )?;
                }
                OfficeCmd::Enable { number } => {
                    if !store.set_active(&number, true)? {
                        bail!("no office {number}");
                    }
                    admin_audit(&*store, "admin.office.enable", Some(&number), String::new())?;
                }
                OfficeCmd::Totp { number, off } => {
                    let secret = (!off).then(careplan_relay::totp::generate_secret);
                    if !store.set_totp(&number, secret.as_deref())? {
                        bail!("no office {number}");
                    }
                    admin_audit(
                        &*store,
                        if off {
                            "admin.office.totp.off"
                        } else {
                            "admin.office.totp.on"
                        },
                        Some(&number),
                        String::new(),
                    )?;
                    if let Some(secret) = secret {
                        println!("{secret}");
                        println!("{}", careplan_relay::totp::uri(&secret, &number));
                    }
                }
                OfficeCmd::Invite { number, url, out } => {
                    if store.office(&number)?.is_none() {
                        bail!("no office {number}");
                    }
                    let invite = Invite {
                        relay_url: url.unwrap_or_else(|| default_url(&data)),
                        ca_fingerprint: Ca::fingerprint_in(&data.join("ca"))?,
                        office: Some(number.clone()),
                    };
                    // Written through the reader, so a file this prints is one the app opens.
                    let bytes = invite.to_file();
                    let invite = Invite::from_file(&bytes)
                        .map_err(|e| anyhow::anyhow!("invitation not usable: {e}"))?;
                    let out = out.unwrap_or_else(|| PathBuf::from(format!("{number}.kizuna")));
                    std::fs::write(&out, bytes)
                        .with_context(|| format!("writing {}", out.display()))?;
                    println!("{}\n{}", out.display(), invite.to_link());
                }
                OfficeCmd::Staff(StaffCmd::Add {
                    number,
                    login,
                    name,
                    role,
                    password_stdin,
                }) => {
                    if !careplan_protocol::valid_login(&login) {
                        bail!("a login is 1–32 of a-z 0-9 . _ -");
                    }
                    if store.office(&number)?.is_none() {
                        bail!("no office {number}");
                    }
                    let (pw, generated) = read_password(password_stdin)?;
                    // Administrators sign in with a second factor, always.
                    let secret = (role == Role::Admin).then(careplan_relay::totp::generate_secret);
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    store.add_staff(
                        &careplan_relay::store::Staff {
                            office: number.clone(),
                            login: login.clone(),
                            name,
                            role,
                            password_hash: password::hash(&pw),
                            active: true,
                            totp_secret: secret.clone(),
                        },
                        now,
                    )?;
                    admin_audit(
                        &*store,
                        "admin.staff.add",
                        Some(&number),
                        format!("{login} {}", role.as_str()),
                    )?;
                    if generated {
                        println!("{login} {pw}");
                    }
                    if let Some(secret) = secret {
                        print_second_factor(&secret, &number, &login);
                    }
                }
                OfficeCmd::Staff(StaffCmd::List { number }) => {
                    for s in store.staff_list(&number)? {
                        let active = if s.active { "active" } else { "removed" };
                        println!("{}\t{}\t{active}\t{}", s.login, s.role.as_str(), s.name);
                    }
                }
                OfficeCmd::Staff(StaffCmd::Totp { number, login, off }) => {
                    let admin = store
                        .staff(&number, &login)?
                        .is_some_and(|s| s.role == Role::Admin);
                    if off && admin {
                        bail!(
                            "an administrator keeps a second factor: give a new one instead of none"
                        );
                    }
                    let secret = (!off).then(careplan_relay::totp::generate_secret);
                    if !store.set_staff_totp(&number, &login, secret.as_deref())? {
                        bail!("no member {login} of office {number}");
                    }
                    let event = if off {
                        "admin.staff.totp.off"
                    } else {
                        "admin.staff.totp.on"
                    };
                    admin_audit(&*store, event, Some(&number), login.clone())?;
                    if let Some(secret) = secret {
                        print_second_factor(&secret, &number, &login);
                    }
                }
                OfficeCmd::Staff(StaffCmd::Remove { number, login }) => {
                    if !store.set_staff_active(&number, &login, false)? {
                        bail!("no member {login} of office {number}");
                    }
                    admin_audit(&*store, "admin.staff.remove", Some(&number), login)?;
                }
                OfficeCmd::Device(DeviceCmd::List { number }) => {
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    for d in store.current_devices(&number, now)? {
                        let until = time::OffsetDateTime::from_unix_timestamp(d.not_after)?.date();
                        println!("{}\t{}\t{until}\t{}", d.device, d.device_name, d.serial);
                    }
                }
                OfficeCmd::Device(DeviceCmd::Revoke { number, device }) => {
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    if store.revoke_device(&number, &device, now)? == 0 {
                        bail!("no device {device} of office {number} with a valid certificate");
                    }
                    admin_audit(&*store, "admin.device.revoke", Some(&number), device)?;
                }
                OfficeCmd::Passwd {
                    number,
                    password_stdin,
                } => {
                    let (pw, generated) = read_password(password_stdin)?;
                    if !store.set_password(&number, &password::hash(&pw))? {
                        bail!("no office {number}");
                    }
                    admin_audit(&*store, "admin.office.passwd", Some(&number), String::new())?;
                    if generated {
                        println!("{number} {pw}");
                    }
                }
            }
            // What an administrator did is signed for at once.
            checkpoint_now(&data, &*store)?;
            Ok(())
        }
        Command::Cert(cmd) => {
            let store = open_store(&data)?;
            match cmd {
                CertCmd::List => {
                    for c in store.certificates()? {
                        let state = if c.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "valid"
                        };
                        println!("{}\t{}\t{state}\tuntil {}", c.serial, c.office, c.not_after);
                    }
                }
                CertCmd::Revoke { serial } => {
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    if !store.revoke(&serial, now)? {
                        bail!("no valid certificate {serial}");
                    }
                    admin_audit(&*store, "admin.cert.revoke", None, serial)?;
                }
            }
            checkpoint_now(&data, &*store)?;
            Ok(())
        }
        Command::Audit(AuditCmd::Verify { checkpoints }) => verify_log(&data, &checkpoints),
        Command::Audit(AuditCmd::Checkpoint) => {
            let store = open_store(&data)?;
            match checkpoint_now(&data, &*store)? {
                Some(c) => println!("{}", c.line()),
                None => println!("the audit log is empty"),
            }
            Ok(())
        }
        Command::Audit(AuditCmd::PublicKey) => {
            println!("{}", hex::encode(Checkpointer::open(&data)?.public_key()));
            Ok(())
        }
        Command::Serve { listen } => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(run_server(&data, listen, None))
        }
        Command::Demo { listen } => demo(&data, listen),
    }
}

fn main() -> ExitCode {
    // Logs go to stderr (stdout carries the listening address); one JSON object per line with
    // KIZUNA_RELAY_LOG_FORMAT=json, for log shippers.
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIZUNA_RELAY_LOG")
        .unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("KIZUNA_RELAY_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kizuna-relay: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `--kind`: the protocol's office kinds, listed in the help and completed by shells.
fn office_kind() -> impl clap::builder::TypedValueParser<Value = OfficeKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(OfficeKind::ALL.map(OfficeKind::as_str))
        .map(|kind| kind.parse::<OfficeKind>().expect("one of the listed kinds"))
}
