//! Latency benchmark (issue 4): from `send` returning to the recipient's event, and to the file
//! saved in its folder, over N messages on loopback through a real relay.
//!
//! `cargo build --release -p kizuna-cli -p careplan-relay`
//! `cargo run --release -p kizuna-e2e --example latency -- [N] [GAP_MS]`
//!
//! A 訪問介護 office sends its 実績 file N times (each its own unit, a new serial each time),
//! one after the other with GAP_MS between them; the 居宅 office listens on the event stream
//! and receives as events arrive, exactly as `kizuna receive --watch` and the desktop app do.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use careplan_client::Client;
use kizuna_e2e::*;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "{what}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0)
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let gap = Duration::from_millis(args.next().and_then(|a| a.parse().ok()).unwrap_or(10));
    let w = World::new(&[KYOTAKU, HOUMON]);
    w.enroll(&KYOTAKU);
    w.enroll(&HOUMON);
    let sample = w.sample(&[HOUMON]);
    let original = World::files_between(&sample, &HOUMON, Some(&KYOTAKU))
        .into_iter()
        .next()
        .expect("a 実績 file");
    let bytes = std::fs::read(&original).unwrap();
    let stem = original.file_name().unwrap().to_string_lossy().into_owned();
    let outgoing = w.folder("outgoing");
    let files: Vec<PathBuf> = (0..n)
        .map(|i| {
            // Same file, a new serial (the trailing timestamp) each time: a new unit.
            let name = format!(
                "{}{:02}{:02}.CSV",
                &stem[..stem.len() - 8],
                i / 60 % 60,
                i % 60
            );
            let name = if i >= 3600 {
                name.replacen("_2026120", &format!("_202612{}", i / 3600 % 10), 1)
            } else {
                name
            };
            let p = outgoing.join(name);
            std::fs::write(&p, &bytes).unwrap();
            p
        })
        .collect();
    let inbox = w.folder("inbox");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sender = Client::open(&w.profile(&HOUMON), Some(PASSPHRASE)).unwrap();
        let receiver = Client::open(&w.profile(&KYOTAKU), Some(PASSPHRASE)).unwrap();
        let inbox2 = inbox.clone();
        let listening = tokio::spawn(async move {
            let mut events = HashMap::new();
            let mut saved = HashMap::new();
            let mut stream = None;
            while saved.len() < n {
                match receiver
                    .next_event(&mut stream, Duration::from_secs(30))
                    .await
                {
                    Ok(Some(e))
                        if e.kind == Some(careplan_client::protocol::EventKind::Message) =>
                    {
                        let data: serde_json::Value = serde_json::from_str(&e.data).unwrap();
                        events.insert(
                            data["file_name"].as_str().unwrap().to_owned(),
                            Instant::now(),
                        );
                    }
                    Ok(_) => continue,
                    Err(e) => panic!("event stream: {e}"),
                }
                for r in receiver.receive(Some(&inbox2)).await.unwrap() {
                    saved.insert(r.file_name, Instant::now());
                }
            }
            (events, saved)
        });
        // Let the listener connect before the first send.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut sent = HashMap::new();
        let mut started = HashMap::new();
        for f in &files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            started.insert(name, Instant::now());
            sender.queue(std::slice::from_ref(f), false).unwrap();
            let up = sender.send_waiting().await.unwrap();
            assert!(up.iter().all(|u| u.result.is_ok()));
            sent.insert(
                f.file_name().unwrap().to_string_lossy().into_owned(),
                Instant::now(),
            );
            tokio::time::sleep(gap).await;
        }
        let (events, saved) = listening.await.unwrap();
        let ms_from =
            |from: &HashMap<String, Instant>, to: &HashMap<String, Instant>| -> Vec<f64> {
                from.iter()
                    .filter_map(|(name, t0)| {
                        to.get(name)
                            .map(|t| t.saturating_duration_since(*t0).as_secs_f64() * 1000.0)
                    })
                    .collect()
            };
        println!(
            "{n} messages, {} ms apart, 実績 file of {} bytes",
            gap.as_millis(),
            bytes.len()
        );
        report("send returned → recipient's event", ms_from(&sent, &events));
        report("send returned → file saved", ms_from(&sent, &saved));
        // The relay announces a message as soon as it is durable, often before its answer
        // reaches the sender: from the start of the send shows the whole way.
        report(
            "send started → recipient's event",
            ms_from(&started, &events),
        );
        report("send started → file saved", ms_from(&started, &saved));
    });
}
