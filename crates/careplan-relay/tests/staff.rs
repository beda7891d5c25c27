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
    let detail = relay
        .db()
        .value("SELECT detail FROM audit WHERE event = 'staff.add'", &[]);
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
    let details = relay.db().column(
        "SELECT detail FROM audit WHERE event = 'upload' ORDER BY seq",
        &[],
    );
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
    relay
        .db()
        .execute("UPDATE staff SET totp_secret = NULL WHERE login = 'sato'");

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

/// A new PC asks to join the 居宅 office without the password: (its key, the answer).
async fn ask_to_join(
    relay: &Relay,
    office: &str,
    name: &str,
) -> (rcgen::KeyPair, reqwest::Response) {
    let (key, csr) = greedy_csr();
    let r = client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll/requests", relay.url))
        .json(&json!({ "office": office, "csr_pem": csr, "encryption_key": AGE, "device_name": name }))
        .send()
        .await
        .unwrap();
    (key, r)
}

async fn request_state(relay: &Relay, id: &str, secret: &str) -> reqwest::Response {
    client(&relay.ca_pem(), None)
        .get(format!("{}/v1/enroll/requests/{id}", relay.url))
        .header("x-kizuna-request-secret", secret)
        .send()
        .await
        .unwrap()
}

async fn as_admin(
    relay: &Relay,
    pc: &(String, String),
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
        .request(method, format!("{}{path}", relay.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_pc_shows_the_code_the_administrator_sees_and_joins_once_approved() {
    let (relay, pc, key) = office_with_staff().await;
    let (pc2_key, r) = ask_to_join(&relay, KYOTAKU, "ノートPC").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let asked: Value = r.json().await.unwrap();
    let (id, secret, code) = (
        asked["request"].as_str().unwrap(),
        asked["secret"].as_str().unwrap(),
        asked["code"].as_str().unwrap(),
    );
    assert!(careplan_protocol::valid_code(code), "{code}");
    let waiting: Value = request_state(&relay, id, secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["state"], "pending");
    assert!(waiting.get("enrolment").is_none());

    let t = admin_token(&relay, &pc, &key).await;
    let list: Value = as_admin(
        &relay,
        &pc,
        &t,
        reqwest::Method::GET,
        "/v1/office/device-requests",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(list[0]["code"], code, "both screens show the same code");
    assert_eq!(list[0]["device_name"], "ノートPC");
    let path = format!("/v1/office/device-requests/{id}/approve");
    let r = as_admin(&relay, &pc, &t, reqwest::Method::POST, &path).await;
    assert_eq!(r.status(), StatusCode::OK);

    let approved: Value = request_state(&relay, id, secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["state"], "approved");
    let cert = approved["enrolment"]["certificate_pem"].as_str().unwrap();
    let pc2_pem = pc2_key.serialize_pem();
    let me = me(&relay, Some((cert, &pc2_pem))).await.unwrap();
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the new PC is a device of the office"
    );
    // The relay records who approved it, on which device.
    let db = relay.db();
    let detail = db.value(
        "SELECT detail FROM audit WHERE event = 'device.approve'",
        &[],
    );
    assert!(detail.contains("ノートPC by sato on device "), "{detail}");
    let by = db.value(
        "SELECT decided_by FROM device_requests WHERE id = ?1",
        &[id],
    );
    assert!(by.starts_with("sato on device "), "{by}");
    // Approving twice issues nothing more.
    let again = as_admin(&relay, &pc, &t, reqwest::Method::POST, &path).await;
    assert_eq!(error_code(again).await, "request_closed");
}

#[tokio::test]
async fn only_the_pc_that_asked_can_collect_its_certificate() {
    let (relay, _, _) = office_with_staff().await;
    let (_, r) = ask_to_join(&relay, KYOTAKU, "ノートPC").await;
    let asked: Value = r.json().await.unwrap();
    let id = asked["request"].as_str().unwrap();
    let wrong = request_state(&relay, id, &"0".repeat(64)).await;
    assert_eq!(error_code(wrong).await, "no_such_request");
    let none = client(&relay.ca_pem(), None)
        .get(format!("{}/v1/enroll/requests/{id}", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(none).await, "no_such_request");
}

#[tokio::test]
async fn a_member_of_staff_cannot_approve_a_new_pc() {
    let (relay, pc, _) = office_with_staff().await;
    let (_, r) = ask_to_join(&relay, KYOTAKU, "ノートPC").await;
    let asked: Value = r.json().await.unwrap();
    let t = token(&relay, &pc, "suzuki", STAFF_PW).await;
    let path = format!(
        "/v1/office/device-requests/{}/approve",
        asked["request"].as_str().unwrap()
    );
    let r = as_admin(&relay, &pc, &t, reqwest::Method::POST, &path).await;
    assert_eq!(error_code(r).await, "forbidden");
    let r = as_admin(
        &relay,
        &pc,
        &t,
        reqwest::Method::GET,
        "/v1/office/device-requests",
    )
    .await;
    assert_eq!(error_code(r).await, "forbidden");
}

#[tokio::test]
async fn an_administrator_of_another_office_cannot_approve_a_pc_asking_to_join_this_one() {
    let (relay, pc, key) = office_with_staff().await;
    relay.add_office(SERVICE, "ひまわり訪問介護", "service", SERVICE_PW);
    let (_, r) = ask_to_join(&relay, SERVICE, "よそのPC").await;
    let asked: Value = r.json().await.unwrap();
    let t = admin_token(&relay, &pc, &key).await;
    let path = format!(
        "/v1/office/device-requests/{}/approve",
        asked["request"].as_str().unwrap()
    );
    let r = as_admin(&relay, &pc, &t, reqwest::Method::POST, &path).await;
    assert_eq!(error_code(r).await, "no_such_request");
    let list: Value = as_admin(
        &relay,
        &pc,
        &t,
        reqwest::Method::GET,
        "/v1/office/device-requests",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(list, json!([]), "another office's requests are not listed");
}

#[tokio::test]
async fn an_office_has_at_most_three_pcs_waiting_for_approval() {
    let (relay, _, _) = office_with_staff().await;
    for n in 0..3 {
        let (_, r) = ask_to_join(&relay, KYOTAKU, &format!("PC{n}")).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (_, r) = ask_to_join(&relay, KYOTAKU, "PC3").await;
    assert_eq!(error_code(r).await, "too_many_requests");
}

#[tokio::test]
async fn one_address_may_ask_to_join_only_so_often_whichever_office_it_names() {
    let relay = Relay::start(&[("KIZUNA_RELAY_JOIN_REQUESTS_PER_HOUR", "2")]);
    relay.add_office(
        SERVICE,
        "ひまわり訪問介護ステーション",
        "service",
        SERVICE_PW,
    );
    // Scaled out, the second request goes through another node: the count is the relay's.
    let second = scaled_out().then(|| relay.another_node());
    let (_, r) = ask_to_join(&relay, KYOTAKU, "PC1").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (_, r) = ask_to_join(second.as_ref().unwrap_or(&relay), SERVICE, "PC2").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for office in [SERVICE, KYOTAKU] {
        let (_, r) = ask_to_join(&relay, office, "PC3").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error_code(r).await, "rate_limited");
    }
    // Refusals do not grow the audit log: the first of the hour is noted, no more.
    let noted = relay.db().column(
        "SELECT detail FROM audit WHERE event = 'limit.reached'",
        &[],
    );
    assert_eq!(noted.len(), 1, "{noted:?}");
    assert!(noted[0].starts_with("join by 127.0.0.1"), "{noted:?}");
}

#[tokio::test]
async fn a_refused_pc_is_told_and_gets_no_certificate() {
    let (relay, pc, key) = office_with_staff().await;
    let (_, r) = ask_to_join(&relay, KYOTAKU, "知らないPC").await;
    let asked: Value = r.json().await.unwrap();
    let (id, secret) = (
        asked["request"].as_str().unwrap(),
        asked["secret"].as_str().unwrap(),
    );
    let t = admin_token(&relay, &pc, &key).await;
    let r = as_admin(
        &relay,
        &pc,
        &t,
        reqwest::Method::POST,
        &format!("/v1/office/device-requests/{id}/refuse"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let state: Value = request_state(&relay, id, secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["state"], "refused");
    assert!(state.get("enrolment").is_none());
    let late = as_admin(
        &relay,
        &pc,
        &t,
        reqwest::Method::POST,
        &format!("/v1/office/device-requests/{id}/approve"),
    )
    .await;
    assert_eq!(error_code(late).await, "request_closed");
}

#[tokio::test]
async fn a_pc_asking_with_keys_the_ca_would_refuse_is_refused_at_once() {
    let (relay, _, _) = office_with_staff().await;
    let (_, csr) = greedy_csr();
    let r = client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll/requests", relay.url))
        .json(&json!({ "office": KYOTAKU, "csr_pem": csr, "encryption_key": "not-an-age-key", "device_name": "PC" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, "bad_encryption_key");
    let (_, r) = ask_to_join(&relay, "1399999999", "PC").await;
    assert_eq!(error_code(r).await, "unknown_office");
    let (_, r) = ask_to_join(&relay, KYOTAKU, "改行\nのあるPC").await;
    assert_eq!(error_code(r).await, "bad_device_name");
}

#[tokio::test]
async fn a_save_names_the_person_only_with_the_session_of_the_person_it_claims() {
    let (relay, pc, _) = office_with_staff().await;
    relay.add_office(
        SERVICE,
        "ひまわり訪問介護ステーション",
        "service",
        SERVICE_PW,
    );
    let (sc, sk, _) = enrolled_as(&relay, SERVICE, SERVICE_PW).await;
    let name = format!("UPJSK_202512_{SERVICE}_11_{KYOTAKU}_43_20251225093100.CSV");
    let r = client(&relay.ca_pem(), Some((&sc, &sk)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-file-name", &name)
        .header("idempotency-key", "k1")
        .header("x-kizuna-manifest", manifest_for(&name, "k1"))
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = token(&relay, &pc, "suzuki", STAFF_PW).await;
    // Saved while suzuki was signed in; then a report queued under sato, sent with suzuki's
    // session: it must not be put on either of them.
    for by in ["suzuki", "sato"] {
        let r = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
            .post(format!("{}/v1/activity", relay.url))
            .bearer_auth(&t)
            .json(&json!({ "activity": { "kind": "saved", "message_id": id, "place": "/取込", "again": by == "sato" }, "by": by }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let page: Value = client(&relay.ca_pem(), Some((&pc.0, &pc.1)))
        .get(format!("{}/v1/saves", relay.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let saves = page["saves"].as_array().unwrap();
    assert_eq!(saves[0]["person"], "鈴木 一郎 (suzuki)");
    assert_eq!(saves[1]["person"], Value::Null);
}
