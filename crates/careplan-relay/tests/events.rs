//! The directory and the event stream of the real relay.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An open event stream, read chunk by chunk.
struct Stream {
    resp: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(relay: &Relay, id: &(String, String), last_event_id: Option<i64>) -> Stream {
        let mut req =
            client(&relay.ca_pem(), Some((&id.0, &id.1))).get(format!("{}/v1/events", relay.url));
        if let Some(l) = last_event_id {
            req = req.header("last-event-id", l.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Stream {
            resp,
            buf: String::new(),
        }
    }

    /// The next block (up to a blank line), waiting at most 10 s.
    async fn next_block(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block = self.buf[..end].to_owned();
                self.buf.drain(..end + 2);
                return block;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.resp.chunk())
                .await
                .expect("an event in time")
                .unwrap()
                .expect("stream open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next real event (comments skipped): (id, kind, data).
    async fn next_event(&mut self) -> (Option<i64>, String, Value) {
        loop {
            let block = self.next_block().await;
            if block.starts_with(':') {
                continue;
            }
            let mut id = None;
            let mut kind = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.parse().ok();
                } else if let Some(v) = line.strip_prefix("event: ") {
                    kind = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            return (id, kind, serde_json::from_str(&data).unwrap());
        }
    }
}

#[tokio::test]
async fn a_new_message_reaches_the_recipients_open_stream() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let mut stream = Stream::open(&relay, &service, None).await;
    assert_eq!(stream.next_block().await, ": connected");
    let id = upload_plan(&relay, &kyotaku, "a").await;
    let (event_id, kind, data) = stream.next_event().await;
    assert!(event_id.is_some());
    assert_eq!(kind, "message");
    assert_eq!(data["id"], id.as_str());
    assert_eq!(data["sender"], KYOTAKU);
}

#[tokio::test]
async fn a_reconnecting_stream_resumes_after_the_last_event_id_without_gaps() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let mut stream = Stream::open(&relay, &service, None).await;
    let first = upload_plan(&relay, &kyotaku, "1").await;
    let (seen, _, data) = stream.next_event().await;
    assert_eq!(data["id"], first.as_str());
    drop(stream);
    // Offline for a while: two more arrive.
    let second = upload_plan(&relay, &kyotaku, "2").await;
    let third = upload_plan(&relay, &kyotaku, "3").await;
    let mut again = Stream::open(&relay, &service, seen).await;
    let (_, _, d2) = again.next_event().await;
    let (_, _, d3) = again.next_event().await;
    assert_eq!(
        (d2["id"].as_str().unwrap(), d3["id"].as_str().unwrap()),
        (second.as_str(), third.as_str())
    );
}

#[tokio::test]
async fn idle_streams_get_heartbeats() {
    let (relay, _, service) = two_offices(&[("KIZUNA_RELAY_HEARTBEAT_SECS", "1")]).await;
    let mut stream = Stream::open(&relay, &service, None).await;
    assert_eq!(stream.next_block().await, ": connected");
    assert_eq!(stream.next_block().await, ": heartbeat");
}

#[tokio::test]
async fn the_receipt_reaches_the_senders_stream() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let mut senders = Stream::open(&relay, &kyotaku, None).await;
    let id = upload_plan(&relay, &kyotaku, "r").await;
    let ack = client(&relay.ca_pem(), Some((&service.0, &service.1)))
        .post(format!("{}/v1/messages/{id}/ack", relay.url))
        .json(&json!({ "receipt": "cmVjZWlwdA" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status(), StatusCode::OK);
    let (_, kind, data) = senders.next_event().await;
    assert_eq!(kind, "receipt");
    assert_eq!(data["id"], id.as_str());
    assert_eq!(data["receipt"], "cmVjZWlwdA");
}

#[tokio::test]
async fn a_certificate_near_its_end_is_announced_on_the_stream() {
    let (relay, _, service) = two_offices(&[("KIZUNA_RELAY_CERT_DAYS", "20")]).await;
    let mut stream = Stream::open(&relay, &service, None).await;
    let (id, kind, data) = stream.next_event().await;
    assert_eq!((id, kind.as_str()), (None, "certificate"));
    assert!(data["days_left"].as_i64().unwrap() <= 20);
}

/// Enrols another device of `office` with its own encryption key and name.
async fn second_device(relay: &Relay, office: &str, password: &str, key: &str, name: &str) {
    let (_, csr) = greedy_csr();
    let r = client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll", relay.url))
        .json(
            &json!({ "office": office, "password": password, "csr_pem": csr,
            "encryption_key": key, "device_name": name }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

const LAPTOP_KEY: &str = "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp";

async fn directory(relay: &Relay, as_office: &(String, String), number: &str) -> Value {
    client(&relay.ca_pem(), Some((&as_office.0, &as_office.1)))
        .get(format!("{}/v1/directory/{number}", relay.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_directory_gives_every_device_of_an_office_with_its_key() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    second_device(&relay, SERVICE, SERVICE_PW, LAPTOP_KEY, "ノートPC").await;
    let e = directory(&relay, &kyotaku, SERVICE).await;
    assert_eq!(e["number"], SERVICE);
    assert_eq!(e["name"], "ひまわり訪問介護ステーション");
    assert_eq!(e["active"], true);
    let devices = e["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2, "{e}");
    assert_eq!(devices[0]["encryption_key"], AGE);
    assert_eq!(devices[1]["encryption_key"], LAPTOP_KEY);
    assert_eq!(devices[1]["name"], "ノートPC");
    assert_ne!(devices[0]["device"], devices[1]["device"]);
    assert!(
        devices[1]["certificate_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let missing = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)))
        .get(format!("{}/v1/directory/1399999999", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_revoked_device_leaves_the_directory_and_the_others_stay() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    second_device(&relay, SERVICE, SERVICE_PW, LAPTOP_KEY, "ノートPC").await;
    let e = directory(&relay, &kyotaku, SERVICE).await;
    let laptop = e["devices"][1]["device"].as_str().unwrap().to_owned();
    let out = relay.admin(&["office", "device", "revoke", SERVICE, &laptop]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = directory(&relay, &kyotaku, SERVICE).await;
    let keys: Vec<&str> = e["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["encryption_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [AGE]);
    let listed =
        String::from_utf8(relay.admin(&["office", "device", "list", SERVICE]).stdout).unwrap();
    assert!(!listed.contains(&laptop), "{listed}");
}

#[tokio::test]
async fn the_office_sees_its_devices_with_when_each_last_called_and_partners_do_not() {
    let (relay, kyotaku, office_pc) = two_offices(&[]).await;
    second_device(&relay, SERVICE, SERVICE_PW, LAPTOP_KEY, "ノートPC").await;
    let list = |id: &(String, String)| {
        client(&relay.ca_pem(), Some((&id.0, &id.1)))
            .get(format!("{}/v1/office/devices", relay.url))
            .send()
    };
    let listed: Value = list(&office_pc).await.unwrap().json().await.unwrap();
    let devices = listed.as_array().unwrap();
    assert_eq!(devices.len(), 2, "{listed}");
    let before = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
    assert_eq!(devices[0]["here"], true);
    assert!(
        devices[0]["last_seen"].as_i64().unwrap() >= before,
        "{listed}"
    );
    assert_eq!(devices[1]["name"], "ノートPC");
    assert_eq!(devices[1]["here"], false);
    assert_eq!(
        devices[1]["last_seen"],
        Value::Null,
        "it never called since enrolling"
    );
    // A partner sees only its own office's devices.
    let theirs: Value = list(&kyotaku).await.unwrap().json().await.unwrap();
    assert_eq!(theirs.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_device_name_with_control_characters_is_refused() {
    let relay = Relay::start(&[]);
    let (_, csr) = greedy_csr();
    let r = client(&relay.ca_pem(), None)
        .post(format!("{}/v1/enroll", relay.url))
        .json(
            &json!({ "office": KYOTAKU, "password": PASSWORD, "csr_pem": csr,
            "encryption_key": AGE, "device_name": "PC\u{1b}[31m" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await, "bad_device_name");
}

#[tokio::test]
async fn the_directory_is_searched_by_name_or_number_prefix_and_needs_a_certificate() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    let c = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)));
    let search = |q: &str| {
        c.get(format!("{}/v1/directory", relay.url))
            .query(&[("q", q)])
            .send()
    };
    let by_name: Value = search("ひまわり").await.unwrap().json().await.unwrap();
    assert_eq!(by_name["offices"][0]["number"], SERVICE);
    let by_prefix: Value = search("131").await.unwrap().json().await.unwrap();
    assert_eq!(by_prefix["offices"].as_array().unwrap().len(), 1);
    let wildcard: Value = search("%").await.unwrap().json().await.unwrap();
    assert!(wildcard["offices"].as_array().unwrap().is_empty());
    let anonymous = client(&relay.ca_pem(), None)
        .get(format!("{}/v1/directory?q=1", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_message_taken_by_one_node_reaches_a_stream_open_on_another() {
    if !scaled_out() {
        eprintln!("one node only (no PostgreSQL and object store): scripts/test runs this one");
        return;
    }
    let (node_a, kyotaku, service) = two_offices(&[]).await;
    let node_b = node_a.another_node();
    let mut stream = Stream::open(&node_b, &service, None).await;
    // Nothing happened on node B itself: it hears of the upload from the database.
    let id = upload_plan(&node_a, &kyotaku, "k-across").await;
    let (seq, kind, data) = stream.next_event().await;
    assert_eq!(kind, "message");
    assert_eq!(data["id"], id.as_str());
    assert!(seq.is_some());
    // And the body, stored by node A, is there for node B to give.
    let body = client(&node_b.ca_pem(), Some((&service.0, &service.1)))
        .get(format!("{}/v1/messages/{id}/body", node_b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(body.status(), StatusCode::OK);
    // Node B issues certificates from the same CA, its key given as a secret: a laptop enrolled
    // there is a device of the office for node A too.
    enrolled_device(&node_b, SERVICE, SERVICE_PW, LAPTOP_KEY).await;
    let keys: Vec<String> = directory(&node_a, &kyotaku, SERVICE).await["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["encryption_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, [AGE, LAPTOP_KEY]);
}

#[tokio::test]
async fn the_directory_says_which_offices_receive_now_and_which_are_not_connected_yet() {
    let (relay, kyotaku, _) = two_offices(&[]).await;
    relay.add_office(
        "1320000009",
        "けやきデイサービス",
        "service",
        "not-enrolled-pass-9",
    );
    let c = client(&relay.ca_pem(), Some((&kyotaku.0, &kyotaku.1)));
    let found: Value = c
        .get(format!("{}/v1/directory", relay.url))
        .query(&[("q", "132")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let connected = |number: &str| {
        found["offices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["number"] == number)
            .map(|o| o["connected"].clone())
    };
    assert_eq!(connected(SERVICE), Some(Value::Bool(true)));
    assert_eq!(connected("1320000009"), Some(Value::Bool(false)));
}
