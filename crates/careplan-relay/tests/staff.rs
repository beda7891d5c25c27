//! Staff of an office: sign-in on a device, roles checked by the relay itself.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, Ordering};

const ADMIN_PW: &str = "kanri-sakura-2026";
const STAFF_PW: &str = "ippan-sakura-2026";

/// An administrator's second factor, as their authenticator app holds it.
struct AdminKey {
    secret: String,
    /// Codes handed out so far: each sign-in takes the next 30-second step, as the relay takes
    /// each code once.
    used: AtomicI64,
}

impl AdminKey {
    fn new(secret: &str) -> AdminKey {
        AdminKey {
            secret: secret.to_owned(),
            used: AtomicI64::new(0),
        }
    }

    /// A code the relay has not taken yet (the one before now, now, then the one after).
    fn code(&self) -> String {
        let n = self.used.fetch_add(1, Ordering::SeqCst);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        careplan_relay::totp::code(&self.secret, now - 30 + 30 * n).unwrap()
    }
}

/// The 居宅 office with an administrator (sato) and a member of staff (suzuki), and the office PC
/// enrolled: (relay, the PC's identity, sato's second factor).
async fn office_with_staff() -> (Relay, (String, String), AdminKey) {
    let relay = Relay::start(&[]);
    let mut key = None;
    for (login, name, role, pw) in [
        ("sato", "佐藤 花子", "admin", ADMIN_PW),
        ("suzuki", "鈴木 一郎", "staff", STAFF_PW),
    ] {
        let out = admin(
            &relay.data(),
            &[
                "office",
                "staff",
                "add",
                KYOTAKU,
                "--login",
                login,
                "--name",
                name,
                "--role",
                role,
                "--password-stdin",
            ],
            Some(pw),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if role == "admin" {
            // The administrator's second factor: the key, then its otpauth address.
            let printed = String::from_utf8(out.stdout).unwrap();
            let mut lines = printed.lines();
            let secret = lines.next().unwrap();
            assert!(lines.next().unwrap().starts_with("otpauth://totp/"));
            key = Some(AdminKey::new(secret));
        }
    }
    let (cert, pc_key, _) = enrolled(&relay).await;
    (relay, (cert, pc_key), key.unwrap())
}

async fn sign_in(
    relay: &Relay,
    device: &(String, String),
    login: &str,
    pw: &str,
) -> reqwest::Response {
    sign_in_with_code(relay, device, login, pw, None).await
}

async fn sign_in_with_code(
    relay: &Relay,
    device: &(String, String),
    login: &str,
    pw: &str,
    totp: Option<String>,
) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&device.0, &device.1)))
        .post(format!("{}/v1/session", relay.url))
        .json(&json!({ "login": login, "password": pw, "totp": totp }))
        .send()
        .await
        .unwrap()
}

/// sato, the administrator, signed in on `device` with password and a fresh code.
async fn admin_token(relay: &Relay, device: &(String, String), key: &AdminKey) -> String {
    let r = sign_in_with_code(relay, device, "sato", ADMIN_PW, Some(key.code())).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn token(relay: &Relay, device: &(String, String), login: &str, pw: &str) -> String {
    let r = sign_in(relay, device, login, pw).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn add_staff(
    relay: &Relay,
    device: &(String, String),
    token: Option<&str>,
) -> reqwest::Response {
    let mut req = client(&relay.ca_pem(), Some((&device.0, &device.1)))
        .post(format!("{}/v1/office/staff", relay.url))
        .json(&json!({ "login": "tanaka", "name": "田中 三郎", "role": "admin", "password": "tanaka-pass-1" }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn an_administrator_adds_staff_sees_them_and_the_audit_names_them() {
    let (relay, pc, key) = office_with_staff().await;
    let t = admin_token(&relay, &pc, &key).await;
    let r = add_staff(&relay, &pc, Some(&t)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Value = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
        .get(format!("{}/v1/office/staff", relay.url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let logins: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["sato", "suzuki", "tanaka"]);
    // The audit names who did it and on which device.
    let db = rusqlite::Connection::open(relay.data().join("relay.db")).unwrap();
    let detail: String = db
        .query_row(
            "SELECT detail FROM audit WHERE event = 'staff.add'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        detail.starts_with("tanaka admin by sato on device "),
        "{detail}"
    );
}

#[tokio::test]
async fn a_member_of_staff_cannot_add_staff_or_revoke_devices_whatever_the_client_sends() {
    let (relay, pc, _) = office_with_staff().await;
    let t = token(&relay, &pc, "suzuki", STAFF_PW).await;
    let r = add_staff(&relay, &pc, Some(&t)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(r).await, "forbidden");
    let r = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
        .post(format!("{}/v1/office/devices/anything/revoke", relay.url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, "forbidden");
    let listed =
        String::from_utf8(relay.admin(&["office", "staff", "list", KYOTAKU]).stdout).unwrap();
    assert!(!listed.contains("tanaka"), "{listed}");
}

#[tokio::test]
async fn without_a_session_the_staff_routes_ask_for_sign_in() {
    let (relay, pc, _) = office_with_staff().await;
    let r = add_staff(&relay, &pc, None).await;
    assert_eq!(error_code(r).await, "sign_in_required");
    let r = add_staff(&relay, &pc, Some("0123456789abcdef")).await;
    assert_eq!(error_code(r).await, "sign_in_required");
}

#[tokio::test]
async fn a_session_is_good_only_on_the_device_it_was_opened_on() {
    let (relay, pc, key) = office_with_staff().await;
    let laptop_key = "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";
    let (lc, lk, _) = enrolled_device(&relay, KYOTAKU, PASSWORD, laptop_key).await;
    let t = admin_token(&relay, &pc, &key).await;
    let r = add_staff(&relay, &(lc, lk), Some(&t)).await;
    assert_eq!(error_code(r).await, "sign_in_required");
}

#[tokio::test]
async fn an_administrator_revokes_another_device_of_the_office() {
    let (relay, pc, key) = office_with_staff().await;
    let laptop_key = "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";
    let (lc, lk, _) = enrolled_device(&relay, KYOTAKU, PASSWORD, laptop_key).await;
    let listed =
        String::from_utf8(relay.admin(&["office", "device", "list", KYOTAKU]).stdout).unwrap();
    let laptop = listed
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    let t = admin_token(&relay, &pc, &key).await;
    let r = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
        .post(format!("{}/v1/office/devices/{laptop}/revoke", relay.url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = me(&relay, Some((&lc, &lk))).await;
    assert!(
        r.is_err() || r.unwrap().status() != StatusCode::OK,
        "the revoked laptop still gets in"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_person_and_not_the_office() {
    let (relay, pc, key) = office_with_staff().await;
    for _ in 0..5 {
        let r = sign_in(&relay, &pc, "suzuki", "wrong-password").await;
        assert_eq!(r.status().as_u16() / 100, 4);
    }
    let r = sign_in(&relay, &pc, "suzuki", STAFF_PW).await;
    assert_eq!(error_code(r).await, "staff_locked");
    // The administrator still signs in on the same PC.
    admin_token(&relay, &pc, &key).await;
}

#[tokio::test]
async fn an_unknown_login_answers_as_a_known_one_through_every_failure() {
    let (relay, pc, _) = office_with_staff().await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        known.push(error_code(sign_in(&relay, &pc, "suzuki", "wrong-password").await).await);
        unknown.push(error_code(sign_in(&relay, &pc, "nobody", "wrong-password").await).await);
    }
    assert_eq!(unknown, known, "the answers tell no login apart");
    assert_eq!(known.last().map(String::as_str), Some("staff_locked"));
}

#[tokio::test]
async fn a_removed_member_of_staff_loses_their_session_at_once() {
    let (relay, pc, key) = office_with_staff().await;
    let t = admin_token(&relay, &pc, &key).await;
    assert!(
        relay
            .admin(&["office", "staff", "remove", KYOTAKU, "sato"])
            .status
            .success()
    );
    let r = add_staff(&relay, &pc, Some(&t)).await;
    assert_eq!(error_code(r).await, "sign_in_required");
    let r = sign_in(&relay, &pc, "sato", ADMIN_PW).await;
    assert_eq!(error_code(r).await, "wrong_credentials");
}

#[tokio::test]
async fn the_audit_names_the_person_and_the_device_that_sent_and_the_device_alone_otherwise() {
    let (relay, pc, _) = office_with_staff().await;
    relay.add_office(
        SERVICE,
        "ひまわり訪問介護ステーション",
        "service",
        SERVICE_PW,
    );
    enrolled_as(&relay, SERVICE, SERVICE_PW).await;
    let t = token(&relay, &pc, "suzuki", STAFF_PW).await;
    let name = format!("UPPLAN_202512_{KYOTAKU}_43_{SERVICE}_11_20251125093100.CSV");
    for (key, bearer) in [("k-person", Some(&t)), ("k-device", None)] {
        let mut req = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
            .post(format!("{}/v1/messages", relay.url))
            .header("x-kizuna-file-name", &name)
            .header("idempotency-key", key)
            .header("x-kizuna-manifest", manifest_for(&name, key))
            .body(b"x".to_vec());
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::CREATED);
    }
    let db = rusqlite::Connection::open(relay.data().join("relay.db")).unwrap();
    let details: Vec<String> = db
        .prepare("SELECT detail FROM audit WHERE event = 'upload' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(details.len(), 2);
    assert!(
        details[0].contains("by suzuki on device "),
        "{}",
        details[0]
    );
    assert!(
        details[1].contains(" on device ") && !details[1].contains("by "),
        "{}",
        details[1]
    );
}

#[tokio::test]
async fn an_administrator_with_a_second_factor_needs_a_fresh_code_each_time() {
    let (relay, pc, _) = office_with_staff().await;
    let out = relay.admin(&["office", "staff", "totp", KYOTAKU, "sato"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let r = sign_in(&relay, &pc, "sato", ADMIN_PW).await;
    assert_eq!(error_code(r).await, "totp_required");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = careplan_relay::totp::code(&secret, now).unwrap();
    let with_code = |code: String| {
        client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
            .post(format!("{}/v1/session", relay.url))
            .json(&json!({ "login": "sato", "password": ADMIN_PW, "totp": code }))
            .send()
    };
    assert_eq!(
        with_code(code.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    // The same code overheard and replayed is refused.
    let replayed = with_code(code).await.unwrap();
    assert_eq!(error_code(replayed).await, "wrong_credentials");
}

#[tokio::test]
async fn an_administrator_added_comes_with_a_second_factor_and_needs_its_code() {
    let (relay, pc, key) = office_with_staff().await;
    let t = admin_token(&relay, &pc, &key).await;
    let added: Value = add_staff(&relay, &pc, Some(&t)).await.json().await.unwrap();
    assert_eq!(added["person"]["login"], "tanaka");
    let secret = added["second_factor"]["secret"].as_str().unwrap();
    let uri = added["second_factor"]["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Kizuna:") && uri.contains(secret),
        "{uri}"
    );

    let without = sign_in(&relay, &pc, "tanaka", "tanaka-pass-1").await;
    assert_eq!(error_code(without).await, "totp_required");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = careplan_relay::totp::code(secret, now).unwrap();
    let with = sign_in_with_code(&relay, &pc, "tanaka", "tanaka-pass-1", Some(code)).await;
    assert_eq!(with.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_member_of_staff_added_has_no_second_factor_to_register() {
    let (relay, pc, key) = office_with_staff().await;
    let t = admin_token(&relay, &pc, &key).await;
    let added: Value = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
        .post(format!("{}/v1/office/staff", relay.url))
        .bearer_auth(&t)
        .json(&json!({ "login": "tanaka", "name": "田中 三郎", "role": "staff", "password": "tanaka-pass-1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(added.get("second_factor").is_none(), "{added}");
}

#[tokio::test]
async fn an_administrator_without_a_second_factor_is_refused_after_the_right_password_only() {
    let (relay, pc, _) = office_with_staff().await;
    // An administrator kept from before a second factor was required.
    let db = rusqlite::Connection::open(relay.data().join("relay.db")).unwrap();
    db.execute(
        "UPDATE staff SET totp_secret = NULL WHERE login = 'sato'",
        [],
    )
    .unwrap();

    let wrong = sign_in(&relay, &pc, "sato", "not-the-password").await;
    assert_eq!(error_code(wrong).await, "wrong_credentials");
    let right = sign_in(&relay, &pc, "sato", ADMIN_PW).await;
    assert_eq!(error_code(right).await, "second_factor_missing");
}

#[tokio::test]
async fn the_relay_administrator_cannot_take_an_administrators_second_factor_away() {
    let (relay, _, _) = office_with_staff().await;
    let off = relay.admin(&["office", "staff", "totp", KYOTAKU, "sato", "--off"]);
    assert!(!off.status.success());
    assert!(String::from_utf8_lossy(&off.stderr).contains("administrator"));
    // A member of staff's may be turned on and off.
    assert!(
        relay
            .admin(&["office", "staff", "totp", KYOTAKU, "suzuki"])
            .status
            .success()
    );
    let off = relay.admin(&["office", "staff", "totp", KYOTAKU, "suzuki", "--off"]);
    assert!(off.status.success());
}
