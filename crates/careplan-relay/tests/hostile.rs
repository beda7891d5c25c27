//! The relay against a hostile peer: slow, parallel, replayed, timed and absurd requests, each
//! an attack that succeeded once and must fail now.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A TLS connection to the relay without a client certificate, spoken to byte by byte.
async fn raw_tls(relay: &Relay) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    careplan_relay::tls::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(relay.ca_pem().as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let addr = relay.url.strip_prefix("https://").unwrap();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap()
}

/// Reads until the relay closes the connection; what it said, or `None` if it stayed open
/// for `within`.
async fn closed_within<S: tokio::io::AsyncRead + Unpin>(
    s: &mut S,
    within: Duration,
) -> Option<String> {
    let mut said = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => said.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&said).into_owned())
}

fn audit_rows(relay: &Relay, event: &str, office: &str) -> Vec<String> {
    relay.db().column(
        "SELECT detail FROM audit WHERE event = ?1 AND office = ?2",
        &[event, office],
    )
}

async fn enroll_body(relay: &Relay, body: &Value) -> reqwest::Response {
    client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll", relay.url))
        .json(body)
        .send()
        .await
        .unwrap()
}

// --- 1. slow bodies, too many connections, oversize bodies ---

#[tokio::test]
async fn a_body_that_stalls_is_cut_and_its_connection_closed() {
    let relay = Relay::start(&[("KIZUNA_RELAY_BODY_IDLE_SECS", "1")]);
    let mut tls = raw_tls(&relay).await;
    tls.write_all(
        b"POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let said = closed_within(&mut tls, Duration::from_secs(15))
        .await
        .expect("the relay closes a connection whose body stalls");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // If it answered before closing, it answered in JSON.
    if !said.is_empty() {
        assert!(said.contains("application/json"), "{said}");
    }
}

#[tokio::test]
async fn headers_that_never_end_are_cut_and_their_connection_closed() {
    let relay = Relay::start(&[("KIZUNA_RELAY_BODY_IDLE_SECS", "1")]);
    let mut tls = raw_tls(&relay).await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        .await
        .unwrap();
    let started = Instant::now();
    closed_within(&mut tls, Duration::from_secs(15))
        .await
        .expect("the relay closes a connection whose headers never end");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_over_a_clients_share_get_503_and_the_relay_keeps_answering() {
    let relay = Relay::start(&[("KIZUNA_RELAY_MAX_CONNECTIONS_PER_IP", "4")]);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(raw_tls(&relay).await);
    }
    // Held connections count once the relay has taken them in.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = client(&relay.ca_pem(), None)
        .get(format!("{}/healthz", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(refused).await, "too_many_connections");
    drop(held);
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let r = client(&relay.ca_pem(), None)
            .get(format!("{}/healthz", relay.url))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < until,
            "healthz answers again once they are gone"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_relay_as_a_whole_holds_no_more_than_its_connection_limit() {
    let relay = Relay::start(&[("KIZUNA_RELAY_MAX_CONNECTIONS", "3")]);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw_tls(&relay).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = client(&relay.ca_pem(), None)
        .get(format!("{}/healthz", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn an_unauthenticated_body_over_64_kib_is_refused_with_a_json_413() {
    let relay = Relay::start(&[]);
    let r = enroll_body(
        &relay,
        &json!({ "office": KYOTAKU, "password": "x".repeat(100_000), "csr_pem": "", "encryption_key": AGE }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(r).await, "too_large");
}

#[tokio::test]
async fn every_refusal_has_a_json_body_even_from_the_framework() {
    let relay = Relay::start(&[]);
    let c = client(&relay.ca_pem(), None);
    let unknown = c
        .get(format!("{}/v1/nothing", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(unknown).await, "not_found");
    let not_json = c
        .post(format!("{}/v1/enroll", relay.url))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert!(not_json.status().is_client_error());
    assert!(!error_code(not_json).await.is_empty());
}

#[tokio::test]
async fn a_forged_office_field_never_reaches_the_audit_log_verbatim() {
    let relay = Relay::start(&[]);
    let forged = format!("{KYOTAKU}\n2026-12-01 login.ok {}", "x".repeat(50_000));
    let r = enroll_body(
        &relay,
        &json!({ "office": forged, "password": PASSWORD, "csr_pem": "", "encryption_key": AGE }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "bad_office_number");
    let db = relay.db();
    let longest: i64 = db
        .value(
            "SELECT COALESCE(MAX(LENGTH(detail) + LENGTH(COALESCE(office, ''))), 0) FROM audit",
            &[],
        )
        .parse()
        .unwrap();
    assert!(longest < 1_000, "{longest}");
    let broken = db
        .column("SELECT detail || COALESCE(office, '') FROM audit", &[])
        .into_iter()
        .filter(|t| t.contains('\n'))
        .count();
    assert_eq!(broken, 0);
}

// --- 2. and 3. password checks that cannot be raced or timed ---

#[tokio::test]
async fn sixty_parallel_wrong_passwords_are_checked_five_times_and_lock_the_office() {
    let relay = Relay::start(&[]);
    let (ca, url) = (relay.ca_pem(), relay.url.clone());
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let (ca, url) = (ca.clone(), url.clone());
            tokio::spawn(async move {
                client(&ca, None)
                    .post(format!("{url}/v1/enroll"))
                    .json(&json!({ "office": KYOTAKU, "password": format!("wrong-{i}"), "csr_pem": "", "encryption_key": AGE }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::LOCKED)
        .count();
    assert_eq!((wrong, locked), (4, 56), "{statuses:?}");
    assert_eq!(audit_rows(&relay, "login.failed", KYOTAKU).len(), 5);
    // The right password, right after: the office is locked for it too.
    assert_eq!(
        enroll(&relay, KYOTAKU, PASSWORD).await.status(),
        StatusCode::LOCKED
    );
}

#[tokio::test]
async fn an_unknown_office_answers_and_locks_exactly_like_a_registered_one() {
    let relay = Relay::start(&[]);
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..6 {
        known.push(enroll(&relay, KYOTAKU, "wrong").await.status());
        unknown.push(enroll(&relay, "1399999999", "wrong").await.status());
    }
    assert_eq!(known, unknown);
    assert_eq!(known.last(), Some(&StatusCode::LOCKED));
}

#[tokio::test]
async fn a_one_time_code_is_accepted_once() {
    let relay = Relay::start(&[]);
    let out = relay.admin(&["office", "totp", KYOTAKU]);
    let secret = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = careplan_relay::totp::code(&secret, now).unwrap();
    let (_, csr) = greedy_csr();
    let body = json!({ "office": KYOTAKU, "password": PASSWORD, "csr_pem": csr, "encryption_key": AGE, "totp": code });
    assert_eq!(enroll_body(&relay, &body).await.status(), StatusCode::OK);
    let again = enroll_body(&relay, &body).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(again).await, "wrong_credentials");
}

// --- 4. replay ---

fn plan_name() -> String {
    format!("UPPLAN_202512_{KYOTAKU}_43_{SERVICE}_11_20251125093100.CSV")
}

async fn upload(
    relay: &Relay,
    id: &(String, String),
    key: &str,
    manifest: &str,
) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&id.0, &id.1)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-file-name", plan_name())
        .header("idempotency-key", key)
        .header("x-kizuna-manifest", manifest)
        .body("ciphertext")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_captured_body_and_manifest_posted_again_under_a_new_key_is_refused() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    let manifest = manifest_for(&plan_name(), "first-key");
    assert_eq!(
        upload(&relay, &kyotaku, "first-key", &manifest)
            .await
            .status(),
        StatusCode::CREATED
    );
    let replay = upload(&relay, &kyotaku, "second-key", &manifest).await;
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(replay).await, "manifest_mismatch");
    // The same key again is the same message, not a second one.
    let again = upload(&relay, &kyotaku, "first-key", &manifest).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_manifest_for_another_file_or_recipient_is_refused() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    let other = format!("UPPLAN_202512_{KYOTAKU}_43_1320000009_11_20251125093100.CSV");
    let r = upload(&relay, &kyotaku, "k1", &manifest_for(&other, "k1")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(&relay, &kyotaku, "k2", "not a manifest").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

// --- 5. rights that end, files that are private ---

async fn stream_ends_when(relay: &Relay, id: &(String, String), end: impl FnOnce()) {
    let mut resp = client(&relay.ca_pem(), Some((&id.0, &id.1)))
        .get(format!("{}/v1/events", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("connected"));
    end();
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, resp.chunk()).await {
            Err(_) => panic!("the stream is still open 10 s later"),
            Ok(Ok(Some(_))) => continue, // heartbeats until the relay notices
            Ok(_) => return,
        }
    }
}

#[tokio::test]
async fn revoking_a_certificate_ends_its_open_event_stream() {
    let (relay, kyotaku, _) = two_offices(&[("KIZUNA_RELAY_HEARTBEAT_SECS", "1")]).await;
    let serial = serial_of(&kyotaku.0);
    stream_ends_when(&relay, &kyotaku, || {
        assert!(relay.admin(&["cert", "revoke", &serial]).status.success());
    })
    .await;
}

#[tokio::test]
async fn disabling_an_office_ends_its_open_event_stream() {
    let (relay, _, service) = two_offices(&[("KIZUNA_RELAY_HEARTBEAT_SECS", "1")]).await;
    stream_ends_when(&relay, &service, || {
        assert!(
            relay
                .admin(&["office", "disable", SERVICE])
                .status
                .success()
        );
    })
    .await;
}

fn serial_of(cert_pem: &str) -> String {
    let der = CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let raw = cert.raw_serial();
    hex::encode(&raw[raw.iter().take_while(|b| **b == 0).count()..])
}

#[cfg(unix)]
#[test]
fn the_database_and_the_data_folder_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let relay = Relay::start(&[]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    if std::env::var_os("KIZUNA_TEST_PG_URL").is_none() {
        assert_eq!(mode(&relay.data().join("relay.db")), 0o600);
    }
    if bodies_in_data_folder() {
        assert_eq!(mode(&relay.data().join("blobs").join("bodies.db")), 0o600);
    }
    assert_eq!(mode(&relay.data()), 0o700);
    for key in ["server.key", "ca/ca.key"] {
        let p = relay.data().join(key);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{key}");
        }
    }
}

// --- the audit log: a cut tail and a recomputed chain show ---

fn verify_audit_output(relay: &Relay) -> (bool, String) {
    let out = relay.admin(&["audit", "verify"]);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn logged_and_signed() -> Relay {
    let relay = Relay::start(&[]);
    enroll(&relay, KYOTAKU, "wrong-password").await;
    enrolled(&relay).await;
    let signed = relay.admin(&["audit", "checkpoint"]);
    assert!(signed.status.success());
    let (ok, said) = verify_audit_output(&relay);
    assert!(ok, "{said}");
    relay
}

#[tokio::test]
async fn cutting_the_audit_logs_tail_is_found() {
    let relay = logged_and_signed().await;
    relay
        .db()
        .execute("DELETE FROM audit WHERE seq > (SELECT MAX(seq) - 2 FROM audit)");
    let (ok, said) = verify_audit_output(&relay);
    assert!(!ok, "{said}");
    assert!(said.contains("Cut"), "{said}");
}

#[tokio::test]
async fn an_edited_entry_with_its_chain_recomputed_is_found() {
    let relay = logged_and_signed().await;
    let db = relay.db();
    // The failed login never happened: its detail changed, every hash from there recomputed.
    db.execute("UPDATE audit SET detail = 'nothing to see' WHERE event = 'login.failed'");
    let rows = db.rows(
        "SELECT seq, at, event, office, message_id, remote, detail,
         office IS NULL, message_id IS NULL, remote IS NULL FROM audit ORDER BY seq",
        &[],
    );
    let mut prev = String::new();
    for r in rows {
        let maybe = |v: &str, null: &str| (null != "1").then(|| v.to_owned());
        let e = careplan_relay::store::AuditEvent {
            event: r[2].clone(),
            office: maybe(&r[3], &r[7]),
            message_id: maybe(&r[4], &r[8]),
            remote: maybe(&r[5], &r[9]),
            detail: r[6].clone(),
        };
        let hash = careplan_relay::store::audit_hash(&prev, r[1].parse().unwrap(), &e);
        db.execute(&format!(
            "UPDATE audit SET prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            r[0]
        ));
        prev = hash;
    }
    let (ok, said) = verify_audit_output(&relay);
    assert!(!ok, "{said}");
    assert!(said.contains("Rewritten"), "{said}");
}

#[tokio::test]
async fn a_checkpoint_not_signed_by_the_relay_is_found() {
    let relay = logged_and_signed().await;
    let file = relay.data().join("audit-checkpoints");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("999 0000 1 bm90IGEgc2lnbmF0dXJl\n");
    std::fs::write(&file, text).unwrap();
    let (ok, said) = verify_audit_output(&relay);
    assert!(!ok && said.contains("Forged"), "{said}");
}

// --- large bodies are streamed, not held ---

fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn twenty_parallel_16_mib_uploads_are_streamed_to_disk_not_held_in_memory() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let before = peak_rss_mb(relay.child.id());
    let body: Vec<u8> = (0..16u32 << 20).map(|i| (i % 251) as u8).collect();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (ca, url, id, body) = (
                relay.ca_pem(),
                relay.url.clone(),
                kyotaku.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let key = format!("big-{i}");
                let name = format!(
                    "UPPLAN_202512_{KYOTAKU}_43_{SERVICE}_11_2025112509{:04}.CSV",
                    3100 + i
                );
                client(&ca, Some((&id.0, &id.1)))
                    .post(format!("{url}/v1/messages"))
                    .header("x-kizuna-manifest", manifest_for(&name, &key))
                    .header("x-kizuna-file-name", name)
                    .header("idempotency-key", key)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let grew = peak_rss_mb(relay.child.id()) - before;
    assert!(
        grew < 100,
        "the relay's peak memory grew by {grew} MB for 320 MB of uploads"
    );
    // And what was stored is what was sent.
    let inbox: Value = client(&relay.ca_pem(), Some((&service.0, &service.1)))
        .get(format!("{}/v1/inbox", relay.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = inbox["messages"][0]["id"].as_str().unwrap();
    let got = client(&relay.ca_pem(), Some((&service.0, &service.1)))
        .get(format!("{}/v1/messages/{first}/body", relay.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(got[..] == body[..], "byte-identical");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_while_it_arrives_and_leaves_nothing() {
    let (relay, kyotaku, _) = two_offices(&[("KIZUNA_RELAY_MAX_UPLOAD_BYTES", "1000000")]).await;
    // Sent without a length, so the limit is found while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![7u8; 300_000])).collect();
    let stream = futures_stream(chunks);
    let key = "over";
    let name = plan_name();
    let r = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-manifest", manifest_for(&name, key))
        .header("x-kizuna-file-name", &name)
        .header("idempotency-key", key)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    let staging = if bodies_in_data_folder() {
        relay.data().join("blobs").join("tmp")
    } else {
        relay.data().join("staging")
    };
    let left: Vec<_> = std::fs::read_dir(staging).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl tokio_stream::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    tokio_stream::iter(chunks)
}
