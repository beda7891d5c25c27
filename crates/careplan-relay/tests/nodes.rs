//! Several relay nodes on one database and one bucket (scaled out only: scripts/test's second
//! run): one of them killed in the middle of the senders' work loses nothing and stores nothing
//! twice.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Uploads `key`'s body to the node at `url`; the relay's answer, or none when the node could
/// not be reached.
async fn upload_to(url: &str, ca: &str, id: &(String, String), key: &str) -> Option<StatusCode> {
    plan_upload(&client(ca, Some((&id.0, &id.1))), url, key)
        .body(format!("sealed body {key}").into_bytes())
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

const UPLOADS: usize = 120;

#[tokio::test(flavor = "multi_thread")]
async fn with_a_node_killed_mid_load_every_acknowledged_upload_is_delivered_once() {
    if !scaled_out() {
        eprintln!("one node only (no PostgreSQL and object store): scripts/test runs this one");
        return;
    }
    let (a, kyotaku, service) = two_offices(&[]).await;
    let mut b = a.another_node();
    let c = a.another_node();
    let ca = a.ca_pem();
    let urls = vec![a.url.clone(), b.url.clone(), c.url.clone()];
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = tokio::task::JoinSet::new();
    // Eight senders at once, each upload tried on the next node when one cannot be reached or
    // fails, with the same key, as the client's outbox does.
    let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    for i in 0..UPLOADS {
        let (urls, ca, id, done) = (urls.clone(), ca.clone(), kyotaku.clone(), done.clone());
        let turns = turns.clone();
        senders.spawn(async move {
            let _turn = turns.acquire_owned().await.unwrap();
            let key = format!("k{i:03}");
            for round in 0..20 {
                let url = &urls[(i + round) % urls.len()];
                if upload_to(url, &ca, &id, &key)
                    .await
                    .is_some_and(|s| s.is_success())
                {
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return Some(key);
                }
            }
            None
        });
    }
    // A crash, not a shutdown, while uploads are under way on every node.
    while done.load(std::sync::atomic::Ordering::SeqCst) < UPLOADS / 4 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let mut acknowledged = Vec::new();
    while let Some(r) = senders.join_next().await {
        acknowledged.extend(r.unwrap());
    }
    acknowledged.sort();
    assert_eq!(
        acknowledged.len(),
        UPLOADS,
        "every upload was taken by some node"
    );
    // The recipient, on a surviving node: each acknowledged upload exactly once, byte for byte.
    let inbox: Value = client(&ca, Some((&service.0, &service.1)))
        .get(format!("{}/v1/inbox?limit=500", c.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages = inbox["messages"].as_array().unwrap();
    let mut keys: Vec<&str> = messages
        .iter()
        .map(|m| m["idempotency_key"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(keys, acknowledged, "each once, none missing");
    for m in messages {
        let (id, key) = (
            m["id"].as_str().unwrap(),
            m["idempotency_key"].as_str().unwrap(),
        );
        let body = client(&ca, Some((&service.0, &service.1)))
            .get(format!("{}/v1/messages/{id}/body", a.url))
            .send()
            .await
            .unwrap();
        assert_eq!(body.status(), StatusCode::OK, "{key}");
        assert_eq!(
            body.bytes().await.unwrap(),
            format!("sealed body {key}").as_bytes()
        );
    }
}
