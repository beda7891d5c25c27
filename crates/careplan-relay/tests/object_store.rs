//! Bodies in an S3-compatible object store (scripts/test starts one and sets
//! `KIZUNA_TEST_S3_ENDPOINT`): what an outage of the store does to uploads.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

/// A TCP gate in front of the object store: while shut, every connection through it is cut,
/// open or new, as when the store's network goes away.
struct Gate {
    url: String,
    open: Arc<AtomicBool>,
    shut: tokio::sync::watch::Sender<u64>,
}

impl Gate {
    async fn start(upstream: String) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let open = Arc::new(AtomicBool::new(true));
        let (shut, _) = tokio::sync::watch::channel(0u64);
        let (is_open, shut_tx) = (open.clone(), shut.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !is_open.load(Ordering::SeqCst) {
                    continue;
                }
                let upstream = upstream.clone();
                let mut shut = shut_tx.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = shut.changed() => {}
                    }
                });
            }
        });
        Gate { url, open, shut }
    }

    fn set(&self, open: bool) {
        self.open.store(open, Ordering::SeqCst);
        if !open {
            self.shut.send_modify(|n| *n += 1);
        }
    }
}

async fn upload(relay: &Relay, id: &(String, String), key: &str) -> reqwest::Response {
    plan_upload(
        &client(&relay.ca_pem(), Some((&id.0, &id.1))),
        &relay.url,
        key,
    )
    .body(format!("sealed body {key}").into_bytes())
    .send()
    .await
    .unwrap()
}

async fn inbox(relay: &Relay, id: &(String, String)) -> Vec<Value> {
    client(&relay.ca_pem(), Some((&id.0, &id.1)))
        .get(format!("{}/v1/inbox", relay.url))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["messages"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_while_the_object_store_is_away_is_refused_and_taken_once_it_is_back() {
    let Ok(endpoint) = std::env::var("KIZUNA_TEST_S3_ENDPOINT") else {
        eprintln!("no object store (KIZUNA_TEST_S3_ENDPOINT): scripts/test runs this one");
        return;
    };
    let gate = Gate::start(endpoint.trim_start_matches("http://").to_owned()).await;
    let (relay, kyotaku, service) =
        two_offices(&[("KIZUNA_RELAY_S3_ENDPOINT", gate.url.as_str())]).await;
    assert_eq!(
        upload(&relay, &kyotaku, "k1").await.status(),
        StatusCode::CREATED
    );

    gate.set(false);
    let r = upload(&relay, &kyotaku, "k2").await;
    assert!(r.status().is_server_error(), "{}", r.status());
    assert_eq!(
        inbox(&relay, &service).await.len(),
        1,
        "nothing half-stored is listed"
    );

    gate.set(true);
    assert_eq!(
        upload(&relay, &kyotaku, "k2").await.status(),
        StatusCode::CREATED
    );
    let listed = inbox(&relay, &service).await;
    assert_eq!(listed.len(), 2);
    let id = listed[1]["id"].as_str().unwrap();
    let body = client(&relay.ca_pem(), Some((&service.0, &service.1)))
        .get(format!("{}/v1/messages/{id}/body", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(body.status(), StatusCode::OK);
    assert_eq!(&body.bytes().await.unwrap()[..], b"sealed body k2");
}
