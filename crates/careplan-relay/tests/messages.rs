//! Store-and-forward through the real relay: upload checks, idempotency, inbox, download,
//! acknowledgement and what each side may see.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const OTHER: &str = "1320000002";
const OTHER_PW: &str = "keyaki-2025-pass";

fn plan_name(from: &str, to: &str) -> String {
    format!("UPPLAN_202512_{from}_43_{to}_11_20251125093100.CSV")
}

/// A relay with a 居宅 office and two service offices, all enrolled: (relay, [(cert, key)]).
async fn three_offices() -> (Relay, Vec<(String, String)>) {
    let relay = Relay::start(&[("KIZUNA_RELAY_MAX_UPLOAD_BYTES", "4096")]);
    relay.add_office(
        SERVICE,
        "ひまわり訪問介護ステーション",
        "service",
        SERVICE_PW,
    );
    relay.add_office(OTHER, "デイサービスセンターけやき", "service", OTHER_PW);
    let mut ids = Vec::new();
    for (o, p) in [
        (KYOTAKU, PASSWORD),
        (SERVICE, SERVICE_PW),
        (OTHER, OTHER_PW),
    ] {
        let (c, k, _) = enrolled_as(&relay, o, p).await;
        ids.push((c, k));
    }
    (relay, ids)
}

async fn upload(
    relay: &Relay,
    id: &(String, String),
    name: &str,
    key: &str,
    body: &[u8],
) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&id.0, &id.1)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-file-name", name)
        .header("idempotency-key", key)
        .header("x-kizuna-manifest", manifest_for(name, key))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

async fn get(relay: &Relay, id: &(String, String), path: &str) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&id.0, &id.1)))
        .get(format!("{}{path}", relay.url))
        .send()
        .await
        .unwrap()
}

async fn ack(relay: &Relay, id: &(String, String), msg: &str) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&id.0, &id.1)))
        .post(format!("{}/v1/messages/{msg}/ack", relay.url))
        .json(&json!({ "receipt": "c2lnbmVkIHJlY2VpcHQ" }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_message_goes_from_sender_to_recipient_and_the_receipt_comes_back() {
    let (relay, ids) = three_offices().await;
    let (kyotaku, service) = (&ids[0], &ids[1]);
    let r = upload(
        &relay,
        kyotaku,
        &plan_name(KYOTAKU, SERVICE),
        "k-1",
        b"ciphertext one",
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let up: Value = r.json().await.unwrap();
    let id = up["id"].as_str().unwrap().to_owned();
    assert_eq!(up["state"], "stored");

    let inbox: Value = get(&relay, service, "/v1/inbox")
        .await
        .json()
        .await
        .unwrap();
    let msgs = inbox["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["id"], id.as_str());
    assert_eq!(msgs[0]["sender"], KYOTAKU);
    assert_eq!(msgs[0]["file_name"], plan_name(KYOTAKU, SERVICE));

    let body = get(&relay, service, &format!("/v1/messages/{id}/body")).await;
    assert_eq!(body.status(), StatusCode::OK);
    assert_eq!(body.bytes().await.unwrap().as_ref(), b"ciphertext one");
    let sent: Value = get(&relay, kyotaku, "/v1/sent").await.json().await.unwrap();
    assert_eq!(sent["messages"][0]["state"], "delivered");

    assert_eq!(ack(&relay, service, &id).await.status(), StatusCode::OK);
    let sent: Value = get(&relay, kyotaku, "/v1/sent").await.json().await.unwrap();
    assert_eq!(sent["messages"][0]["state"], "acknowledged");
    assert_eq!(sent["messages"][0]["receipt"], "c2lnbmVkIHJlY2VpcHQ");
    // Confirmed: the relay keeps no copy of the body.
    assert_eq!(
        get(&relay, service, &format!("/v1/messages/{id}/body"))
            .await
            .status(),
        StatusCode::GONE
    );
    if bodies_in_data_folder() {
        let blobs = relay.data().join("blobs");
        let small: i64 = rusqlite::Connection::open(blobs.join("bodies.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM bodies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(small, 0);
        assert!(
            std::fs::read_dir(&blobs)
                .unwrap()
                .flatten()
                .filter(|e| e.file_type().unwrap().is_dir() && e.file_name() != "tmp")
                .all(|d| std::fs::read_dir(d.path()).unwrap().next().is_none())
        );
    }
}

#[tokio::test]
async fn a_re_upload_with_the_same_idempotency_key_is_stored_once() {
    let (relay, ids) = three_offices().await;
    let first: Value = upload(
        &relay,
        &ids[0],
        &plan_name(KYOTAKU, SERVICE),
        "same-key",
        b"x",
    )
    .await
    .json()
    .await
    .unwrap();
    let again = upload(
        &relay,
        &ids[0],
        &plan_name(KYOTAKU, SERVICE),
        "same-key",
        b"x",
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["duplicate"], true);
    let inbox: Value = get(&relay, &ids[1], "/v1/inbox")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_upload_sent_many_times_at_once_is_stored_once() {
    let (relay, ids) = three_offices().await;
    // Scaled out, every other copy goes through a second node on the same database and bucket.
    let second = scaled_out().then(|| relay.another_node());
    let nodes: Vec<(String, String)> = std::iter::once(&relay)
        .chain(second.as_ref())
        .map(|r| (r.url.clone(), r.ca_pem()))
        .collect();
    let copies: Vec<_> = (0..24)
        .map(|i| {
            let ((url, ca), id) = (nodes[i % nodes.len()].clone(), ids[0].clone());
            tokio::spawn(async move {
                let r = plan_upload(&client(&ca, Some((&id.0, &id.1))), &url, "at-once")
                    .body("x")
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                (status, r.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for c in copies {
        answers.push(c.await.unwrap());
    }
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| s.is_success()), "{answers:?}");
    let id = &answers[0].1["id"];
    assert!(answers.iter().all(|(_, a)| &a["id"] == id), "{answers:?}");
    let inbox: Value = get(&relay, &ids[1], "/v1/inbox")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inbox["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_office_cannot_send_in_another_offices_name() {
    let (relay, ids) = three_offices().await;
    // The service office sends a file whose name says the 居宅 office sent it.
    let r = upload(&relay, &ids[1], &plan_name(KYOTAKU, OTHER), "spoof", b"x").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(r).await, "sender_mismatch");
}

#[tokio::test]
async fn unknown_and_disabled_recipients_are_refused() {
    let (relay, ids) = three_offices().await;
    let r = upload(
        &relay,
        &ids[0],
        &plan_name(KYOTAKU, "1399999999"),
        "u",
        b"x",
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "unknown_recipient");
    assert!(relay.admin(&["office", "disable", OTHER]).status.success());
    let r = upload(&relay, &ids[0], &plan_name(KYOTAKU, OTHER), "d", b"x").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(r).await, "recipient_disabled");
}

#[tokio::test]
async fn a_name_that_is_not_a_standard_file_name_is_refused() {
    let (relay, ids) = three_offices().await;
    let r = upload(&relay, &ids[0], "report.xlsx", "n", b"x").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(r).await, "bad_file_name");
}

#[tokio::test]
async fn an_oversize_upload_is_refused_with_413() {
    let (relay, ids) = three_offices().await;
    let r = upload(
        &relay,
        &ids[0],
        &plan_name(KYOTAKU, SERVICE),
        "big",
        &vec![7u8; 4097],
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let ok = upload(
        &relay,
        &ids[0],
        &plan_name(KYOTAKU, SERVICE),
        "fits",
        &vec![7u8; 4096],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_stays_until_every_device_it_was_encrypted_to_has_fetched_it() {
    let (relay, ids) = three_offices().await;
    let laptop_key = "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";
    let (lc, lk, _) = enrolled_device(&relay, SERVICE, SERVICE_PW, laptop_key).await;
    let (office_pc, laptop) = (&ids[1], &(lc, lk));
    let name = plan_name(KYOTAKU, SERVICE);
    let r = client(&relay.ca_pem(), Some((&ids[0].0, &ids[0].1)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-file-name", &name)
        .header("idempotency-key", "k-devices")
        .header(
            "x-kizuna-manifest",
            manifest_to_devices(&name, "k-devices", &[AGE, laptop_key]),
        )
        .body(b"to both devices".to_vec())
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = format!("/v1/messages/{id}/body");
    // The office PC takes it and sends the receipt: the laptop can still fetch it.
    assert_eq!(get(&relay, office_pc, &body).await.status(), StatusCode::OK);
    assert_eq!(ack(&relay, office_pc, &id).await.status(), StatusCode::OK);
    let r = get(&relay, laptop, &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..], b"to both devices");
    // Every device has it now: the relay keeps no copy.
    assert_eq!(
        get(&relay, office_pc, &body).await.status(),
        StatusCode::GONE
    );
}

#[tokio::test]
async fn a_body_stays_for_a_device_that_renewed_with_a_new_key_since_it_was_sent() {
    let (relay, ids) = three_offices().await;
    let laptop_key = "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";
    let (lc, lk, _) = enrolled_device(&relay, SERVICE, SERVICE_PW, laptop_key).await;
    let name = plan_name(KYOTAKU, SERVICE);
    let r = client(&relay.ca_pem(), Some((&ids[0].0, &ids[0].1)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-file-name", &name)
        .header("idempotency-key", "k-renewed")
        .header(
            "x-kizuna-manifest",
            manifest_to_devices(&name, "k-renewed", &[AGE, laptop_key]),
        )
        .body(b"to the laptop's key before".to_vec())
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The laptop renews with a new encryption key while the file waits.
    let r = client(&relay.ca_pem(), Some((&lc, &lk)))
        .post(format!("{}/v1/renew", relay.url))
        .json(&json!({ "csr_pem": csr_for(&lk),
            "encryption_key": "age1renewedqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqg" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let renewed = r.json::<Value>().await.unwrap()["certificate_pem"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = format!("/v1/messages/{id}/body");
    assert_eq!(get(&relay, &ids[1], &body).await.status(), StatusCode::OK);
    assert_eq!(ack(&relay, &ids[1], &id).await.status(), StatusCode::OK);
    let r = get(&relay, &(renewed, lk), &body).await;
    assert_eq!(r.status(), StatusCode::OK, "kept for the renewed laptop");
    assert_eq!(&r.bytes().await.unwrap()[..], b"to the laptop's key before");
    assert_eq!(get(&relay, &ids[1], &body).await.status(), StatusCode::GONE);
}

#[tokio::test]
async fn a_body_is_not_kept_for_a_device_revoked_since() {
    let (relay, ids) = three_offices().await;
    let laptop_key = "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";
    let (_, _, serial) = enrolled_device(&relay, SERVICE, SERVICE_PW, laptop_key).await;
    let name = plan_name(KYOTAKU, SERVICE);
    let r = client(&relay.ca_pem(), Some((&ids[0].0, &ids[0].1)))
        .post(format!("{}/v1/messages", relay.url))
        .header("x-kizuna-file-name", &name)
        .header("idempotency-key", "k-revoked")
        .header(
            "x-kizuna-manifest",
            manifest_to_devices(&name, "k-revoked", &[AGE, laptop_key]),
        )
        .body(b"to both devices".to_vec())
        .send()
        .await
        .unwrap();
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(relay.admin(&["cert", "revoke", &serial]).status.success());
    let body = format!("/v1/messages/{id}/body");
    assert_eq!(get(&relay, &ids[1], &body).await.status(), StatusCode::OK);
    assert_eq!(ack(&relay, &ids[1], &id).await.status(), StatusCode::OK);
    assert_eq!(get(&relay, &ids[1], &body).await.status(), StatusCode::GONE);
}

#[tokio::test]
async fn only_the_recipient_may_download_or_acknowledge() {
    let (relay, ids) = three_offices().await;
    let up: Value = upload(
        &relay,
        &ids[0],
        &plan_name(KYOTAKU, SERVICE),
        "k",
        b"secret",
    )
    .await
    .json()
    .await
    .unwrap();
    let id = up["id"].as_str().unwrap();
    for outsider in [&ids[0], &ids[2]] {
        assert_eq!(
            get(&relay, outsider, &format!("/v1/messages/{id}/body"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ack(&relay, outsider, id).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let other_inbox: Value = get(&relay, &ids[2], "/v1/inbox")
        .await
        .json()
        .await
        .unwrap();
    assert!(other_inbox["messages"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_inbox_pages_with_a_cursor_without_gaps() {
    let (relay, ids) = three_offices().await;
    for i in 0..5 {
        let r = upload(
            &relay,
            &ids[0],
            &plan_name(KYOTAKU, SERVICE),
            &format!("k{i}"),
            format!("m{i}").as_bytes(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = get(&relay, &ids[1], &format!("/v1/inbox?after={after}&limit=2"))
            .await
            .json()
            .await
            .unwrap();
        for m in page["messages"].as_array().unwrap() {
            seen.push(m["idempotency_key"].as_str().unwrap().to_owned());
        }
        match page["next"].as_i64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(seen, ["k0", "k1", "k2", "k3", "k4"]);
}
