//! A real relay process and real TLS clients for the integration tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, SanType};
use reqwest::StatusCode;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use serde_json::{Value, json};

pub const KYOTAKU: &str = "1310000001";
pub const PASSWORD: &str = "sakura-2025-pass";
pub const AGE: &str = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_kizuna-relay")
}

/// A relay process with its own data folder; killed when dropped.
pub struct Relay {
    pub dir: tempfile::TempDir,
    pub child: Child,
    pub url: String,
}

pub fn admin(data: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(bin());
    cmd.arg("--data")
        .arg(data)
        .envs(database_env(data))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

impl Relay {
    pub fn start(envs: &[(&str, &str)]) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert!(
            admin(&data, &["init", "--hostname", "127.0.0.1"], None)
                .status
                .success()
        );
        let add = admin(
            &data,
            &[
                "office",
                "add",
                "--number",
                KYOTAKU,
                "--name",
                "居宅介護支援事業所さくら",
                "--kind",
                "kyotaku",
                "--password-stdin",
            ],
            Some(PASSWORD),
        );
        assert!(
            add.status.success(),
            "{}",
            String::from_utf8_lossy(&add.stderr)
        );
        let (child, url) = serve(&data, dir.path(), envs);
        Relay { dir, child, url }
    }

    /// Kills the relay at once (SIGKILL, as a crash) and starts it again on the same data.
    pub fn crash_and_restart(&mut self, envs: &[(&str, &str)]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, url) = serve(&self.data(), self.dir.path(), envs);
        self.child = child;
        self.url = url;
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(self.data().join("ca/ca.pem")).unwrap()
    }

    pub fn admin(&self, args: &[&str]) -> std::process::Output {
        admin(&self.data(), args, None)
    }

    /// Registers another office with `password`.
    pub fn add_office(&self, number: &str, name: &str, kind: &str, password: &str) {
        let out = admin(
            &self.data(),
            &[
                "office",
                "add",
                "--number",
                number,
                "--name",
                name,
                "--kind",
                kind,
                "--password-stdin",
            ],
            Some(password),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Starts `kizuna-relay serve` on a free port; returns the process and its base URL.
/// With `KIZUNA_TEST_S3_ENDPOINT` set (scripts/test starts an S3-compatible server whose keys are
/// `test` / `test-secret`), the relay
/// keeps bodies in a bucket of its own there (the same one for the same data folder, so a
/// restart finds them); otherwise in its data folder.
pub fn object_store_env(data: &Path) -> Vec<(String, String)> {
    let Ok(endpoint) = std::env::var("KIZUNA_TEST_S3_ENDPOINT") else {
        return Vec::new();
    };
    vec![
        ("KIZUNA_RELAY_S3_ENDPOINT".into(), endpoint),
        // (Bucket names take no underscores.)
        (
            "KIZUNA_RELAY_S3_BUCKET".into(),
            name_for(data).replace('_', "-"),
        ),
        ("KIZUNA_RELAY_S3_ACCESS_KEY_ID".into(), "test".into()),
        (
            "KIZUNA_RELAY_S3_SECRET_ACCESS_KEY".into(),
            "test-secret".into(),
        ),
    ]
}

/// A name of the relay's own for the data folder `data`: its bucket, its database.
fn name_for(data: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    format!("kizuna_{:016x}", h.finish())
}

/// With `KIZUNA_TEST_PG_URL` set (scripts/test starts a PostgreSQL server), the relay keeps its
/// metadata in a database of its own there, made on first use; otherwise in `relay.db`.
pub fn database_env(data: &Path) -> Vec<(String, String)> {
    let Ok(server) = std::env::var("KIZUNA_TEST_PG_URL") else {
        return Vec::new();
    };
    let name = name_for(data);
    let admin_url = format!("{server}/postgres");
    let db = name.clone();
    // The blocking client, on a thread of its own: the tests run in an async runtime.
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
        if c.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
            .unwrap()
            .is_none()
        {
            c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
        }
    })
    .join()
    .unwrap();
    // With the server's certificate given, the relay must speak TLS to it and check it.
    match std::env::var("KIZUNA_TEST_PG_CA") {
        Ok(ca) => vec![
            (
                "KIZUNA_RELAY_DATABASE_URL".into(),
                format!("{server}/{name}?sslmode=require"),
            ),
            ("KIZUNA_RELAY_DATABASE_CA_FILE".into(), ca),
        ],
        Err(_) => vec![(
            "KIZUNA_RELAY_DATABASE_URL".into(),
            format!("{server}/{name}"),
        )],
    }
}

/// Whether bodies are in the data folder (not in an object store): tests that look at the
/// folder itself only mean something then.
pub fn bodies_in_data_folder() -> bool {
    std::env::var_os("KIZUNA_TEST_S3_ENDPOINT").is_none()
}

pub fn serve(data: &Path, logs: &Path, envs: &[(&str, &str)]) -> (Child, String) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join("relay.log"))
        .unwrap();
    let mut child = Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .envs(object_store_env(data))
        .envs(database_env(data))
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_owned();
    (child, url)
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test shows what the relay logged.
        if std::thread::panicking() {
            if let Ok(log) = std::fs::read_to_string(self.dir.path().join("relay.log")) {
                eprintln!("--- relay log ---\n{log}");
            }
        }
    }
}

pub fn client_with(
    ca_pem: &str,
    identity: Option<(&str, &str)>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> reqwest::Client {
    careplan_relay::tls::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_protocol_versions(versions)
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_slice_iter(cert.as_bytes())
                    .map(Result::unwrap)
                    .collect(),
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap()
}

pub fn client(ca_pem: &str, identity: Option<(&str, &str)>) -> reqwest::Client {
    client_with(ca_pem, identity, &[&rustls::version::TLS13])
}

/// An office's key and a CSR that asks for far more than an office certificate.
pub fn greedy_csr() -> (KeyPair, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["relay.example".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "9999999999");
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::CodeSigning,
    ];
    params.subject_alt_names.push(SanType::URI(
        "urn:kizuna:office:9999999999".try_into().unwrap(),
    ));
    let csr = params.serialize_request(&key).unwrap().pem().unwrap();
    (key, csr)
}

pub async fn enroll(relay: &Relay, office: &str, password: &str) -> reqwest::Response {
    let (_, csr) = greedy_csr();
    client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll", relay.url))
        .json(&json!({ "office": office, "password": password, "csr_pem": csr, "encryption_key": AGE }))
        .send()
        .await
        .unwrap()
}

/// Enrols the 居宅 office and returns (certificate PEM, key PEM, serial).
pub async fn enrolled(relay: &Relay) -> (String, String, String) {
    enrolled_as(relay, KYOTAKU, PASSWORD).await
}

/// Enrols an office and returns (certificate PEM, key PEM, serial).
pub async fn enrolled_as(relay: &Relay, office: &str, password: &str) -> (String, String, String) {
    enrolled_device(relay, office, password, AGE).await
}

/// Enrols a device of an office with encryption key `age`: (certificate PEM, key PEM, serial).
pub async fn enrolled_device(
    relay: &Relay,
    office: &str,
    password: &str,
    age: &str,
) -> (String, String, String) {
    let (key, csr) = greedy_csr();
    let r = client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll", relay.url))
        .json(&json!({ "office": office, "password": password, "csr_pem": csr, "encryption_key": age }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    (
        v["certificate_pem"].as_str().unwrap().to_owned(),
        key.serialize_pem(),
        v["serial"].as_str().unwrap().to_owned(),
    )
}

pub async fn me(
    relay: &Relay,
    identity: Option<(&str, &str)>,
) -> Result<reqwest::Response, reqwest::Error> {
    client(&relay.ca_pem(), identity)
        .get(format!("{}/v1/me", relay.url))
        .send()
        .await
}

pub async fn error_code(r: reqwest::Response) -> String {
    r.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The service office used next to the 居宅 office in two-office tests.
pub const SERVICE: &str = "1320000001";
/// Its password.
pub const SERVICE_PW: &str = "himawari-2025-pw";

/// A relay with the 居宅 office and a service office, both enrolled: (relay, 居宅 id, service id),
/// each id being (certificate PEM, key PEM).
pub async fn two_offices(envs: &[(&str, &str)]) -> (Relay, (String, String), (String, String)) {
    let relay = Relay::start(envs);
    relay.add_office(
        SERVICE,
        "ひまわり訪問介護ステーション",
        "service",
        SERVICE_PW,
    );
    let (kc, kk, _) = enrolled_as(&relay, KYOTAKU, PASSWORD).await;
    let (sc, sk, _) = enrolled_as(&relay, SERVICE, SERVICE_PW).await;
    (relay, (kc, kk), (sc, sk))
}

/// A manifest as a client makes one for an upload of `file_name` with idempotency `key`: the
/// relay reads its routing fields (the signature is the recipient's to check, so a dummy one).
pub fn manifest_for(file_name: &str, key: &str) -> String {
    manifest_to_devices(file_name, key, &[])
}

/// The same, naming the recipient devices' encryption keys the file was encrypted to.
pub fn manifest_to_devices(file_name: &str, key: &str, recipients: &[&str]) -> String {
    // A name that is not a standard one is refused before the manifest is read.
    let parties = careplan_csv::FileName::parse(file_name)
        .map_or((String::new(), String::new()), |n| {
            (n.sender.office.to_string(), n.recipient.office.to_string())
        });
    let json = json!({
        "type": "kizuna-manifest/1",
        "file_name": file_name,
        "sha256": "00",
        "size": 1,
        "sender": parties.0,
        "recipient": parties.1,
        "created_at": 0,
        "idempotency_key": key,
        "recipients": recipients,
    });
    format!(
        "{}.c2ln",
        data_encoding::BASE64URL_NOPAD.encode(json.to_string().as_bytes())
    )
}

/// A certificate request for the key in `key_pem` (a renewal asks for the same key).
pub fn csr_for(key_pem: &str) -> String {
    let key = rcgen::KeyPair::from_pem(key_pem).unwrap();
    rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap()
}

/// The relay's metadata database, whichever it is (relay.db, or the relay's own PostgreSQL
/// database when `KIZUNA_TEST_PG_URL` is set), for tests that look at it or tamper with it.
/// SQL is written with `?1`-style parameters; every value comes back as text.
pub struct Db {
    data: PathBuf,
}

/// Whether the relay runs scaled out (PostgreSQL and an object store, as scripts/test's second
/// run has it): only then can several nodes share one relay's data.
pub fn scaled_out() -> bool {
    std::env::var_os("KIZUNA_TEST_PG_URL").is_some()
        && std::env::var_os("KIZUNA_TEST_S3_ENDPOINT").is_some()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_folder(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

impl Relay {
    /// Another node of this relay: a copy of its data folder (CA certificate, server
    /// certificate, settings) but for the CA key, which it is given as a secret in its
    /// environment, serving the same database and bucket. Scaled out only.
    pub fn another_node(&self) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        copy_folder(&self.data(), &data);
        let key = data.join("ca").join("ca.key");
        let ca_key = std::fs::read_to_string(&key).unwrap();
        std::fs::remove_file(&key).unwrap();
        let shared: Vec<(String, String)> = database_env(&self.data())
            .into_iter()
            .chain(object_store_env(&self.data()))
            .chain([("KIZUNA_RELAY_CA_KEY".to_owned(), ca_key)])
            .collect();
        let envs: Vec<(&str, &str)> = shared
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (child, url) = serve(&data, dir.path(), &envs);
        Relay { dir, child, url }
    }

    /// Its metadata database.
    pub fn db(&self) -> Db {
        Db { data: self.data() }
    }
}

impl Db {
    /// Every row of `sql`, each column as text (NULL as an empty string).
    pub fn rows(&self, sql: &str, params: &[&str]) -> Vec<Vec<String>> {
        let owned: Vec<String> = params.iter().map(|p| p.to_string()).collect();
        match database_env(&self.data).into_iter().next() {
            Some((_, url)) => {
                // The tests' own look needs no TLS (the server takes both).
                let url = url.split('?').next().unwrap_or_default().to_owned();
                let sql = dollar_params(sql);
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    let params: Vec<&(dyn postgres::types::ToSql + Sync)> = owned
                        .iter()
                        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                        .collect();
                    c.query(&sql, &params)
                        .unwrap()
                        .iter()
                        .map(|r| (0..r.len()).map(|i| pg_text(r, i)).collect())
                        .collect()
                })
                .join()
                .unwrap()
            }
            None => {
                let db = rusqlite::Connection::open(self.data.join("relay.db")).unwrap();
                let mut stmt = db.prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map(rusqlite::params_from_iter(owned.iter()), |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get::<_, rusqlite::types::Value>(i)? {
                                rusqlite::types::Value::Null => String::new(),
                                rusqlite::types::Value::Integer(v) => v.to_string(),
                                rusqlite::types::Value::Real(v) => v.to_string(),
                                rusqlite::types::Value::Text(v) => v,
                                rusqlite::types::Value::Blob(v) => hex::encode(v),
                            })
                        })
                        .collect()
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
            }
        }
    }

    /// The first column of every row.
    pub fn column(&self, sql: &str, params: &[&str]) -> Vec<String> {
        self.rows(sql, params)
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect()
    }

    /// The first column of the first row.
    pub fn value(&self, sql: &str, params: &[&str]) -> String {
        self.column(sql, params).remove(0)
    }

    /// Runs a statement that changes rows (a test tampering with the database).
    pub fn execute(&self, sql: &str) -> u64 {
        match database_env(&self.data).into_iter().next() {
            Some((_, url)) => {
                // The tests' own look needs no TLS (the server takes both).
                let url = url.split('?').next().unwrap_or_default().to_owned();
                let sql = sql.to_owned();
                std::thread::spawn(move || {
                    postgres::Client::connect(&url, postgres::NoTls)
                        .unwrap()
                        .execute(&sql, &[])
                        .unwrap()
                })
                .join()
                .unwrap()
            }
            None => rusqlite::Connection::open(self.data.join("relay.db"))
                .unwrap()
                .execute(sql, [])
                .unwrap() as u64,
        }
    }
}

/// `?1` parameters as PostgreSQL writes them (`$1`).
fn dollar_params(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_text(r: &postgres::Row, i: usize) -> String {
    if let Ok(v) = r.try_get::<_, Option<String>>(i) {
        return v.unwrap_or_default();
    }
    if let Ok(v) = r.try_get::<_, Option<i64>>(i) {
        return v.map(|v| v.to_string()).unwrap_or_default();
    }
    if let Ok(v) = r.try_get::<_, Option<i32>>(i) {
        return v.map(|v| v.to_string()).unwrap_or_default();
    }
    if let Ok(v) = r.try_get::<_, Option<bool>>(i) {
        return v.map(|v| (v as i64).to_string()).unwrap_or_default();
    }
    panic!("column {i} of a type the tests do not read")
}

/// An upload of a plan from the 居宅 office to the service office under idempotency `key`, to
/// the relay (node) at `url` with `http`; its body is still to be given.
pub fn plan_upload(http: &reqwest::Client, url: &str, key: &str) -> reqwest::RequestBuilder {
    let name = format!("UPPLAN_202512_{KYOTAKU}_43_{SERVICE}_11_20251125093100.CSV");
    http.post(format!("{url}/v1/messages"))
        .header("x-kizuna-file-name", &name)
        .header("idempotency-key", key)
        .header("x-kizuna-manifest", manifest_for(&name, key))
}

/// Uploads a plan from the 居宅 office to the service office as `id` (a sender of the 居宅
/// office) under idempotency `key`; answers the message id.
pub async fn upload_plan(relay: &Relay, id: &(String, String), key: &str) -> String {
    let http = client(&relay.ca_pem(), Some((&id.0, &id.1)));
    let r = plan_upload(&http, &relay.url, key)
        .body("c")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
