//! The real `kizuna-relay` binary on 127.0.0.1 with real TLS: enrolment and who may call what.

mod common;

use common::*;
use reqwest::StatusCode;
use rustls::pki_types::{CertificateDer, pem::PemObject};
use serde_json::Value;

#[tokio::test]
async fn enrolment_gives_a_client_certificate_naming_the_office_and_nothing_the_csr_asked_for() {
    let relay = Relay::start(&[]);
    let (cert, key, _) = enrolled(&relay).await;
    let der = CertificateDer::from_pem_slice(cert.as_bytes()).unwrap();
    let (_, x) = x509_parser::parse_x509_certificate(&der).unwrap();
    let cn: Vec<_> = x
        .subject()
        .iter_common_name()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(cn, [KYOTAKU]);
    assert!(!x.is_ca());
    let eku = x.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth && !eku.server_auth && !eku.code_signing);
    let sans: Vec<String> = x
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|n| format!("{n}"))
        .collect();
    assert_eq!(
        sans,
        [
            format!("URI(urn:kizuna:office:{KYOTAKU})"),
            format!("URI(urn:kizuna:age:{AGE})")
        ]
    );
    let r = me(&relay, Some((&cert, &key))).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["office"]["number"], KYOTAKU);
    assert_eq!(v["office"]["name"], "居宅介護支援事業所さくら");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_office_get_the_same_answer() {
    let relay = Relay::start(&[]);
    let wrong = enroll(&relay, KYOTAKU, "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "wrong_credentials");
    let unknown = enroll(&relay, "1399999999", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(unknown).await, "wrong_credentials");
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_office_even_for_the_right_one() {
    let relay = Relay::start(&[]);
    for _ in 0..4 {
        assert_eq!(
            enroll(&relay, KYOTAKU, "wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let fifth = enroll(&relay, KYOTAKU, "wrong-password").await;
    assert_eq!(fifth.status(), StatusCode::LOCKED);
    let right = enroll(&relay, KYOTAKU, PASSWORD).await;
    assert_eq!(right.status(), StatusCode::LOCKED);
    assert_eq!(error_code(right).await, "office_locked");
    // The administrator's new password lifts the lock.
    let out = admin(
        &relay.data(),
        &["office", "passwd", KYOTAKU, "--password-stdin"],
        Some("a-new-password"),
    );
    assert!(out.status.success());
    assert_eq!(
        enroll(&relay, KYOTAKU, "a-new-password").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn authenticated_routes_refuse_a_connection_without_a_certificate() {
    let relay = Relay::start(&[]);
    let r = me(&relay, None).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(r).await, "client_certificate_required");
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_at_the_handshake() {
    let relay = Relay::start(&[]);
    let other = tempfile::tempdir().unwrap();
    let ca = careplan_relay::ca::Ca::create(other.path(), "Somebody else").unwrap();
    let (key, csr) = greedy_csr();
    let foreign = ca
        .issue_office(KYOTAKU, &csr, AGE, time::Duration::days(30))
        .unwrap();
    let result = me(&relay, Some((&foreign.pem, &key.serialize_pem()))).await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn tls_1_2_is_refused() {
    let relay = Relay::start(&[]);
    let r = client_with(&relay.ca_pem(), None, &[&rustls::version::TLS12])
        .get(format!("{}/healthz", relay.url))
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
    let ok = client(&relay.ca_pem(), None)
        .get(format!("{}/healthz", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn a_revoked_certificate_is_refused() {
    let relay = Relay::start(&[]);
    let (cert, key, serial) = enrolled(&relay).await;
    assert!(relay.admin(&["cert", "revoke", &serial]).status.success());
    let r = me(&relay, Some((&cert, &key))).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(r).await, "certificate_revoked");
}

#[tokio::test]
async fn a_disabled_office_can_neither_call_nor_enrol() {
    let relay = Relay::start(&[]);
    let (cert, key, _) = enrolled(&relay).await;
    assert!(
        relay
            .admin(&["office", "disable", KYOTAKU])
            .status
            .success()
    );
    let r = me(&relay, Some((&cert, &key))).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(r).await, "office_disabled");
    assert_eq!(
        enroll(&relay, KYOTAKU, PASSWORD).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let relay = Relay::start(&[("KIZUNA_RELAY_CERT_DAYS", "0")]);
    let (cert, key, _) = enrolled(&relay).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(me(&relay, Some((&cert, &key))).await.is_err());
}

#[tokio::test]
async fn the_audit_log_records_logins_and_detects_tampering() {
    let relay = Relay::start(&[]);
    enroll(&relay, KYOTAKU, "wrong-password").await;
    enrolled(&relay).await;
    let ok = relay.admin(&["audit", "verify"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let events = relay
        .db()
        .column("SELECT event FROM audit ORDER BY seq", &[]);
    for e in [
        "admin.init",
        "admin.office.add",
        "login.failed",
        "login.ok",
        "enroll",
    ] {
        assert!(events.iter().any(|x| x == e), "{e} in {events:?}");
    }
    // Someone edits history: the failed login never happened.
    relay
        .db()
        .execute("UPDATE audit SET detail = 'nothing to see' WHERE event = 'login.failed'");
    let broken = relay.admin(&["audit", "verify"]);
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("Altered"));
}

#[tokio::test]
async fn an_office_with_a_second_factor_needs_the_current_one_time_code() {
    let relay = Relay::start(&[]);
    let out = relay.admin(&["office", "totp", KYOTAKU]);
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let secret = printed.lines().next().unwrap().to_owned();
    assert!(printed.contains(&format!("otpauth://totp/Kizuna:{KYOTAKU}?secret={secret}")));
    let (_, csr) = greedy_csr();
    let attempt = |totp: Option<String>| {
        let csr = csr.clone();
        let ca = relay.ca_pem();
        let url = relay.url.clone();
        async move {
            client(&ca, None)
                .post(format!("{url}/v1/enroll"))
                .json(&serde_json::json!({ "office": KYOTAKU, "password": PASSWORD, "csr_pem": csr, "encryption_key": AGE, "totp": totp }))
                .send()
                .await
                .unwrap()
        }
    };
    let missing = attempt(None).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(missing).await, "totp_required");
    let wrong = attempt(Some("000000".into())).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "wrong_credentials");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = careplan_relay::totp::code(&secret, now).unwrap();
    assert_eq!(attempt(Some(code)).await.status(), StatusCode::OK);
    // Turned off again, the password alone is enough.
    assert!(
        relay
            .admin(&["office", "totp", KYOTAKU, "--off"])
            .status
            .success()
    );
    assert_eq!(attempt(None).await.status(), StatusCode::OK);
}

/// Every route that needs a certificate, with a request that would otherwise be valid.
/// A CSR for the key in `key_pem`.
async fn renew(relay: &Relay, identity: (&str, &str), csr: &str) -> reqwest::Response {
    client(&relay.ca_pem(), Some(identity))
        .post(format!("{}/v1/renew", relay.url))
        .json(&serde_json::json!({ "csr_pem": csr }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_valid_certificate_renews_for_the_same_keys_without_the_password() {
    let relay = Relay::start(&[]);
    let (cert, key, serial) = enrolled(&relay).await;
    let r = renew(&relay, (&cert, &key), &csr_for(&key)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let renewed = v["certificate_pem"].as_str().unwrap();
    assert_ne!(v["serial"], serial.as_str());
    assert_eq!(v["office"]["number"], KYOTAKU);
    let der = CertificateDer::from_pem_slice(renewed.as_bytes()).unwrap();
    let (_, x) = x509_parser::parse_x509_certificate(&der).unwrap();
    let sans = format!("{:?}", x.subject_alternative_name().unwrap().unwrap().value);
    assert!(sans.contains(AGE), "the encryption key stays bound: {sans}");

    let r = me(&relay, Some((renewed, &key))).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_ne!(v["serial"], serial.as_str());

    let renewals = relay
        .db()
        .value("SELECT count(*) FROM audit WHERE event = 'renew'", &[]);
    assert_eq!(renewals, "1", "the renewal is audited");
}

#[tokio::test]
async fn a_renewal_with_a_new_encryption_key_binds_it_and_the_directory_gives_it() {
    let relay = Relay::start(&[]);
    let (cert, key, _) = enrolled(&relay).await;
    let next = "age1nextkeyqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";
    let r = client(&relay.ca_pem(), Some((&cert, &key)))
        .post(format!("{}/v1/renew", relay.url))
        .json(&serde_json::json!({ "csr_pem": csr_for(&key), "encryption_key": next }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let renewed = r.json::<serde_json::Value>().await.unwrap()["certificate_pem"]
        .as_str()
        .unwrap()
        .to_owned();
    let entry: serde_json::Value = client(&relay.ca_pem(), Some((&renewed, &key)))
        .get(format!("{}/v1/directory/{KYOTAKU}", relay.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let devices = entry["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{entry}");
    assert_eq!(devices[0]["encryption_key"], next);
}

#[tokio::test]
async fn a_renewal_with_an_encryption_key_that_is_no_key_is_refused() {
    let relay = Relay::start(&[]);
    let (cert, key, _) = enrolled(&relay).await;
    let r = client(&relay.ca_pem(), Some((&cert, &key)))
        .post(format!("{}/v1/renew", relay.url))
        .json(&serde_json::json!({ "csr_pem": csr_for(&key), "encryption_key": "age1\nforged" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "bad_encryption_key");
}

#[tokio::test]
async fn a_renewal_for_another_key_is_refused() {
    let relay = Relay::start(&[]);
    let (cert, key, _) = enrolled(&relay).await;
    let (_, other) = greedy_csr();
    let r = renew(&relay, (&cert, &key), &other).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(r).await, "other_key");
}

fn authenticated_routes(
    relay: &Relay,
    c: &reqwest::Client,
) -> Vec<(&'static str, reqwest::RequestBuilder)> {
    let u = &relay.url;
    vec![
        ("me", c.get(format!("{u}/v1/me"))),
        (
            "renew",
            c.post(format!("{u}/v1/renew"))
                .json(&serde_json::json!({"csr_pem": greedy_csr().1})),
        ),
        ("inbox", c.get(format!("{u}/v1/inbox"))),
        ("sent", c.get(format!("{u}/v1/sent"))),
        ("events", c.get(format!("{u}/v1/events"))),
        ("saves", c.get(format!("{u}/v1/saves"))),
        ("office devices", c.get(format!("{u}/v1/office/devices"))),
        (
            "activity",
            c.post(format!("{u}/v1/activity")).json(
                &serde_json::json!({"activity": {"kind": "exported", "what": "history", "rows": 1}}),
            ),
        ),
        ("directory", c.get(format!("{u}/v1/directory?q=1"))),
        (
            "directory entry",
            c.get(format!("{u}/v1/directory/{KYOTAKU}")),
        ),
        (
            "download",
            c.get(format!(
                "{u}/v1/messages/00112233445566778899aabbccddeeff/body"
            )),
        ),
        (
            "ack",
            c.post(format!(
                "{u}/v1/messages/00112233445566778899aabbccddeeff/ack"
            ))
            .json(&serde_json::json!({"receipt": "r"})),
        ),
        (
            "upload",
            c.post(format!("{u}/v1/messages"))
                .header(
                    "x-kizuna-file-name",
                    format!("UPPLAN_202512_{KYOTAKU}_43_1320000001_11_20251125093100.CSV"),
                )
                .header("idempotency-key", "k")
                .header("x-kizuna-manifest", "m")
                .body("x"),
        ),
    ]
}

async fn refused_everywhere(
    relay: &Relay,
    identity: Option<(&str, &str)>,
    status: StatusCode,
    code: &str,
) {
    let c = client(&relay.ca_pem(), identity);
    for (route, req) in authenticated_routes(relay, &c) {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), status, "{route}");
        assert_eq!(error_code(r).await, code, "{route}");
    }
}

#[tokio::test]
async fn every_authenticated_route_refuses_no_certificate_a_revoked_one_and_a_disabled_office() {
    let relay = Relay::start(&[]);
    refused_everywhere(
        &relay,
        None,
        StatusCode::UNAUTHORIZED,
        "client_certificate_required",
    )
    .await;
    let (cert, key, serial) = enrolled(&relay).await;
    assert!(
        relay
            .admin(&["office", "disable", KYOTAKU])
            .status
            .success()
    );
    refused_everywhere(
        &relay,
        Some((&cert, &key)),
        StatusCode::FORBIDDEN,
        "office_disabled",
    )
    .await;
    assert!(relay.admin(&["office", "enable", KYOTAKU]).status.success());
    assert!(relay.admin(&["cert", "revoke", &serial]).status.success());
    refused_everywhere(
        &relay,
        Some((&cert, &key)),
        StatusCode::UNAUTHORIZED,
        "certificate_revoked",
    )
    .await;
}

#[tokio::test]
async fn the_relay_log_never_contains_passwords_or_keys() {
    let relay = Relay::start(&[("KIZUNA_RELAY_LOG", "trace")]);
    enroll(&relay, KYOTAKU, "a-wrong-password-123").await;
    let (_, key, _) = enrolled(&relay).await;
    let log = std::fs::read_to_string(relay.dir.path().join("relay.log")).unwrap();
    assert!(!log.is_empty(), "the relay logged something at trace level");
    assert!(!log.contains(PASSWORD) && !log.contains("a-wrong-password-123"));
    let key_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!log.contains(&key_body[..40]));
}
