//! Running the relay for real: expiry, metrics, stopping, and crashing mid-upload.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn name() -> String {
    format!("UPPLAN_202512_{KYOTAKU}_43_{SERVICE}_11_20251125093100.CSV")
}

async fn upload_with(
    c: &reqwest::Client,
    url: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<reqwest::Response, reqwest::Error> {
    c.post(format!("{url}/v1/messages"))
        .header("x-kizuna-file-name", name())
        .header("idempotency-key", key)
        .header("x-kizuna-manifest", manifest_for(&name(), key))
        .body(body)
        .send()
        .await
}

async fn json(c: &reqwest::Client, url: String) -> Value {
    c.get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn an_undelivered_message_expires_its_body_goes_and_the_sender_is_told() {
    let env = [
        ("KIZUNA_RELAY_EXPIRY_DAYS", "0"),
        ("KIZUNA_RELAY_EXPIRY_CHECK_SECS", "1"),
    ];
    let (relay, kyotaku, service) = two_offices(&env).await;
    let k = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)));
    let up: Value = upload_with(&k, &relay.url, "e", b"body".to_vec())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = up["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sent = json(&k, format!("{}/v1/sent", relay.url)).await;
        if sent["messages"][0]["state"] == "expired" {
            break;
        }
        assert!(Instant::now() < deadline, "not expired in time: {sent}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let s = client(&relay.ca_pem(), Some((&service.0, &service.1)));
    let gone = s
        .get(format!("{}/v1/messages/{id}/body", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::GONE);
    // The sender's stream, replayed from the start, says so.
    let mut events = k
        .get(format!("{}/v1/events", relay.url))
        .send()
        .await
        .unwrap();
    let mut text = String::new();
    while !text.contains("event: expired") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), events.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(text.contains(&id));
}

#[tokio::test]
async fn metrics_count_what_happened() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    let k = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)));
    upload_with(&k, &relay.url, "m", vec![1; 100])
        .await
        .unwrap();
    let text = client(&relay.ca_pem(), None)
        .get(format!("{}/metrics", relay.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("kizuna_uploads_total 1\n"), "{text}");
    assert!(text.contains("kizuna_upload_bytes_total 100\n"), "{text}");
    assert!(text.contains("kizuna_logins_total 2\n"), "{text}");
    assert!(text.contains("# TYPE kizuna_event_streams gauge"), "{text}");
}

#[tokio::test]
async fn sigterm_ends_event_streams_and_stops_promptly() {
    let (mut relay, _, service) = two_offices(&[]).await;
    let s = client(&relay.ca_pem(), Some((&service.0, &service.1)));
    let mut stream = s
        .get(format!("{}/v1/events", relay.url))
        .send()
        .await
        .unwrap();
    let first = stream.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b": connected\n\n");
    let started = Instant::now();
    let pid = relay.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // The stream ends (rather than hanging) and the process exits cleanly.
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "stream still open after SIGTERM");
    let status = relay.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_crash_during_concurrent_uploads_loses_no_answered_upload_and_stores_none_twice() {
    let (mut relay, kyotaku, service) = two_offices(&[]).await;
    let k = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)));
    let url = relay.url.clone();
    // Four senders upload distinct bodies until the relay dies under them.
    let mut tasks = Vec::new();
    for t in 0..4 {
        let (k, url) = (k.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            for i in 0..200 {
                let key = format!("t{t}-{i}");
                let body = format!("ciphertext {key} {}", "x".repeat(500 + i)).into_bytes();
                match upload_with(&k, &url, &key, body.clone()).await {
                    Ok(r) if r.status().is_success() => answered.push((key, body)),
                    _ => break,
                }
            }
            answered
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    relay.crash_and_restart(&[]);
    let mut answered: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for t in tasks {
        answered.extend(t.await.unwrap());
    }
    assert!(
        answered.len() > 10,
        "the crash came too early to prove anything ({} answered)",
        answered.len()
    );

    // Every answered upload is stored, intact.
    let k = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)));
    let s = client(&relay.ca_pem(), Some((&service.0, &service.1)));
    let mut stored: BTreeMap<String, Value> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = json(&k, format!("{}/v1/sent?after={after}&limit=500", relay.url)).await;
        for m in page["messages"].as_array().unwrap() {
            let key = m["idempotency_key"].as_str().unwrap().to_owned();
            assert!(
                stored.insert(key.clone(), m.clone()).is_none(),
                "{key} stored twice"
            );
        }
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    for (key, body) in &answered {
        let m = stored
            .get(key)
            .unwrap_or_else(|| panic!("answered upload {key} lost"));
        assert_eq!(
            m["sha256"].as_str().unwrap(),
            hex::encode(Sha256::digest(body))
        );
        let id = m["id"].as_str().unwrap();
        let got = s
            .get(format!("{}/v1/messages/{id}/body", relay.url))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&got[..], &body[..], "{key} body differs");
    }
    // Retrying every answered upload after the crash stores nothing new.
    for (key, body) in answered.iter().take(20) {
        let r = upload_with(&k, &relay.url, key, body.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{key}");
    }
}

#[tokio::test]
async fn demo_prints_office_passwords_that_enrol() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(bin())
        .arg("--data")
        .arg(dir.path().join("data"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap);
    let url = lines
        .by_ref()
        .find_map(|l| l.strip_prefix("listening on ").map(str::to_owned))
        .unwrap();
    let office_line = lines
        .by_ref()
        .find(|l| l.trim_start().starts_with(SERVICE))
        .unwrap();
    let password = office_line.split_whitespace().nth(1).unwrap().to_owned();
    assert!(office_line.contains("ひまわり訪問介護ステーション"));
    let ca = std::fs::read_to_string(dir.path().join("data/ca/ca.pem")).unwrap();
    let (_, csr) = greedy_csr();
    let r = client(&ca, None)
        .post(format!("{url}/v1/enroll"))
        .json(&serde_json::json!({ "office": SERVICE, "password": password, "csr_pem": csr, "encryption_key": AGE }))
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn logs_can_be_json_lines() {
    let relay = Relay::start(&[("KIZUNA_RELAY_LOG_FORMAT", "json")]);
    drop(relay.admin(&["office", "list"]));
    let log = std::fs::read_to_string(relay.dir.path().join("relay.log")).unwrap();
    let first = log.lines().next().expect("a log line");
    let v: Value = serde_json::from_str(first).unwrap();
    assert_eq!(v["fields"]["message"], "relay started");
    assert_eq!(v["level"], "INFO");
}

#[test]
fn an_invitation_names_the_relay_and_its_ca_and_never_the_password() {
    let relay = Relay::start(&[]);
    relay.add_office(SERVICE, "ひまわり訪問介護", "service", "s3cret-Passw0rd");
    let file = relay.dir.path().join("invite.kizuna");
    let out = relay.admin(&[
        "office",
        "invite",
        SERVICE,
        "--url",
        &relay.url,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&file).unwrap();
    let invite = careplan_protocol::Invite::from_file(&bytes).unwrap();
    let fingerprint = String::from_utf8(relay.admin(&["ca-fingerprint"]).stdout).unwrap();
    assert_eq!(invite.ca_fingerprint, fingerprint.trim());
    assert_eq!(invite.relay_url, relay.url);
    assert_eq!(invite.office.as_deref(), Some(SERVICE));
    assert!(!String::from_utf8_lossy(&bytes).contains("s3cret"));
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.contains(&invite.to_link()), "{printed}");
}

#[test]
fn no_invitation_is_written_for_an_office_the_relay_does_not_have() {
    let relay = Relay::start(&[]);
    let file = relay.dir.path().join("nobody.kizuna");
    let out = relay.admin(&[
        "office",
        "invite",
        "1399999999",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(!file.exists());
}

#[tokio::test]
async fn the_relays_connections_to_postgresql_are_encrypted() {
    if std::env::var_os("KIZUNA_TEST_PG_CA").is_none() {
        eprintln!("no PostgreSQL with TLS (KIZUNA_TEST_PG_CA): scripts/test runs this one");
        return;
    }
    let (relay, _, _) = two_offices(&[]).await;
    // The relay's connections to its database, as the server sees them (the test's own look
    // is left out).
    let ssl = relay.db().column(
        "SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
         WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()",
        &[],
    );
    assert!(!ssl.is_empty(), "the relay is connected");
    assert!(ssl.iter().all(|s| s == "true"), "{ssl:?}");
}

#[tokio::test]
async fn a_node_refuses_to_start_on_a_database_whose_certificate_it_cannot_check() {
    if std::env::var_os("KIZUNA_TEST_PG_CA").is_none() {
        eprintln!("no PostgreSQL with TLS (KIZUNA_TEST_PG_CA): scripts/test runs this one");
        return;
    }
    let relay = Relay::start(&[]);
    // The relay's own CA signed nothing of the database's: trusting it alone (and the
    // system's roots) must not let a connection through.
    let other_ca = relay.data().join("ca").join("ca.pem");
    assert!(other_ca.exists());
    let out = std::process::Command::new(bin())
        .arg("--data")
        .arg(relay.data())
        .envs(database_env(&relay.data()))
        .env("KIZUNA_RELAY_DATABASE_CA_FILE", &other_ca)
        .args(["office", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("PostgreSQL") && said.contains("certificate"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn under_load_a_node_keeps_to_its_pool_of_database_connections() {
    if !scaled_out() {
        eprintln!("not scaled out: scripts/test's second run of the relay's tests runs this one");
        return;
    }
    let (relay, kyotaku, _) = two_offices(&[]).await;
    // Sessions the server has begun for the relay's database (each of these looks is one):
    // a node that opened new connections under load, a backend and a TLS handshake each,
    // would show many more than its pool.
    let sessions = |db: &Db| -> i64 {
        // The server counts a session at once but publishes its counts within a second.
        std::thread::sleep(Duration::from_millis(1500));
        db.column(
            "SELECT sessions::text FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )[0]
        .parse()
        .unwrap()
    };
    let db = relay.db();
    let before = tokio::task::block_in_place(|| sessions(&db));
    // Senders that keep their connection, so that the relay's time goes to their uploads.
    let mut senders = tokio::task::JoinSet::new();
    for s in 0..64 {
        let (url, ca, id) = (relay.url.clone(), relay.ca_pem(), kyotaku.clone());
        senders.spawn(async move {
            let http = client(&ca, Some((&id.0, &id.1)));
            for i in 0..10 {
                let status = plan_upload(&http, &url, &format!("pool-{s}-{i}"))
                    .body("c")
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, StatusCode::CREATED);
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done.unwrap();
    }
    let opened = tokio::task::block_in_place(|| sessions(&db)) - before - 1;
    // At most the pool (16), whatever the relay had open already.
    assert!(opened <= 16, "{opened} connections opened under load");
}
