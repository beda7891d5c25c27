//! Saves and exports reported by devices: listed for the office's devices, audited, bounded.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

type Id = (String, String);

async fn report(relay: &Relay, device: &Id, body: Value) -> reqwest::Response {
    client(&relay.ca_pem(), Some((&device.0, &device.1)))
        .post(format!("{}/v1/activity", relay.url))
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn saved(message: &str, place: &str) -> Value {
    json!({ "activity": { "kind": "saved", "message_id": message, "place": place, "again": false } })
}

async fn saves(relay: &Relay, device: &Id) -> Vec<Value> {
    let r = client(&relay.ca_pem(), Some((&device.0, &device.1)))
        .get(format!("{}/v1/saves?after=0", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["saves"]
        .as_array()
        .unwrap()
        .clone()
}

fn audit_details(relay: &Relay, event: &str) -> Vec<String> {
    relay.db().column(
        "SELECT detail FROM audit WHERE event = ?1 ORDER BY seq",
        &[event],
    )
}

#[tokio::test]
async fn a_save_reported_by_one_device_is_listed_for_every_device_of_the_office() {
    let (relay, kyotaku, office_pc) = two_offices(&[]).await;
    let (c, k, _) = enrolled_device(
        &relay,
        SERVICE,
        SERVICE_PW,
        "age1laptopqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgp",
    )
    .await;
    let laptop = (c, k);
    let id = upload_plan(&relay, &kyotaku, "k1").await;
    let place = "C:\\介護ソフト\\取込\\UPPLAN.CSV";
    assert_eq!(
        report(&relay, &office_pc, saved(&id, place)).await.status(),
        StatusCode::NO_CONTENT
    );
    let seen_here = saves(&relay, &office_pc).await;
    let seen_there = saves(&relay, &laptop).await;
    assert_eq!(seen_here.len(), 1);
    assert_eq!(seen_here[0]["message_id"], id.as_str());
    assert_eq!(seen_here[0]["place"], place);
    assert_eq!(seen_here[0]["here"], true);
    assert_eq!(seen_there[0]["here"], false, "the laptop did not save it");
    assert_eq!(seen_here[0]["person"], Value::Null, "nobody was signed in");
    assert!(
        saves(&relay, &kyotaku).await.is_empty(),
        "the sender sees none"
    );
    let audited = audit_details(&relay, "save");
    assert_eq!(audited.len(), 1);
    assert!(
        audited[0].contains(place) && audited[0].contains("on device "),
        "{}",
        audited[0]
    );
    // The office's devices are told at once, through their event stream.
    let told = relay
        .db()
        .column("SELECT office FROM events WHERE kind = 'saved'", &[]);
    assert_eq!(told, [SERVICE]);
}

#[tokio::test]
async fn a_save_of_a_message_the_office_did_not_receive_is_refused_as_unknown() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let id = upload_plan(&relay, &kyotaku, "k1").await;
    // The sender knows the id but did not receive the message.
    let r = report(&relay, &kyotaku, saved(&id, "/tmp/x.csv")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "no_such_message");
    let r = report(
        &relay,
        &service,
        saved("00000000000000000000000000000000", "/x"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(saves(&relay, &service).await.is_empty());
}

#[tokio::test]
async fn a_place_with_a_line_break_or_too_long_is_refused_and_not_audited() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let id = upload_plan(&relay, &kyotaku, "k1").await;
    for place in [
        "C:\\取込\nsaved by the administrator".to_owned(),
        "a".repeat(1025),
        String::new(),
    ] {
        let r = report(&relay, &service, saved(&id, &place)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(r).await, "bad_activity");
    }
    assert!(saves(&relay, &service).await.is_empty());
    assert!(audit_details(&relay, "save").is_empty());
}

#[tokio::test]
async fn a_message_is_listed_as_saved_at_most_fifty_times() {
    let (relay, kyotaku, service) = two_offices(&[]).await;
    let id = upload_plan(&relay, &kyotaku, "k1").await;
    for n in 0..50 {
        let r = report(&relay, &service, saved(&id, &format!("/取込/{n}.csv"))).await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "save {n}");
    }
    let r = report(&relay, &service, saved(&id, "/取込/51.csv")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(r).await, "too_many_saves");
    assert_eq!(saves(&relay, &service).await.len(), 50);
}

#[tokio::test]
async fn an_export_is_audited_with_its_rows_and_the_device() {
    let (relay, _, service) = two_offices(&[]).await;
    let r = report(
        &relay,
        &service,
        json!({ "activity": { "kind": "exported", "what": "history", "rows": 12 } }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let audited = audit_details(&relay, "export");
    assert_eq!(audited.len(), 1);
    assert!(
        audited[0].starts_with("history, 12 rows on device "),
        "{}",
        audited[0]
    );
}

#[tokio::test]
async fn a_device_may_report_only_so_much_activity_within_the_hour() {
    let (relay, kyotaku, _) = two_offices(&[("KIZUNA_RELAY_ACTIVITY_PER_HOUR", "3")]).await;
    // Scaled out, the second report goes through another node: the count is the relay's.
    let second = scaled_out().then(|| relay.another_node());
    let exported = json!({ "activity": { "kind": "exported", "what": "history", "rows": 1 } });
    for n in 0..5 {
        let node = match (n, &second) {
            (1, Some(b)) => b,
            _ => &relay,
        };
        let r = report(node, &kyotaku, exported.clone()).await;
        if n < 3 {
            assert_eq!(r.status(), StatusCode::NO_CONTENT, "report {n}");
        } else {
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "report {n}");
            assert_eq!(error_code(r).await, "rate_limited");
        }
    }
    assert_eq!(audit_details(&relay, "export").len(), 3);
    assert_eq!(audit_details(&relay, "limit.reached").len(), 1);
}
