//! Durability under crashes: the relay is killed (SIGKILL, as a power cut) again and again while
//! several offices send at once and the recipient receives; afterwards every file must have
//! arrived exactly once, byte for byte.
//!
//! `cargo build --release -p kizuna-cli -p careplan-relay`
//! `cargo run --release -p kizuna-e2e --example durability -- [KILLS] [SENDERS]`
//!
//! Each of SENDERS 訪問介護 offices sends its 実績 file over and over (a new serial each time, so
//! each is its own unit) through the real client library: queue, then flush until the relay has
//! accepted it, retrying whatever a crash interrupted. The 居宅 office receives meanwhile. The
//! relay is killed KILLS times, at random moments 0.2–1.2 s apart, and restarted on the same data
//! folder and port. Counted at the end: files the senders saw accepted but the recipient never
//! got (lost), files the relay stored or delivered twice (duplicated), and files whose bytes
//! differ from those sent or were quarantined (corrupted), and files saved that no receive
//! reported to its caller; the audit log must verify.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use careplan_client::Client;
use kizuna_e2e::*;

/// A small pseudo-random sequence (xorshift): kill moments need no cryptographic randomness.
struct Jitter(u64);

impl Jitter {
    fn next_ms(&mut self, from: u64, to: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        from + self.0 % (to - from)
    }
}

fn service_office(i: usize) -> Office {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Office {
        number: leak(format!("13200001{i:02}")),
        name: leak(format!("訪問介護{i}")),
        kind: "service",
        service_type: "11",
    }
}

/// The file `original` under a new serial (the name's trailing timestamp): a new unit.
fn renamed(original: &std::path::Path, n: usize) -> String {
    let stem = original.file_name().unwrap().to_string_lossy().into_owned();
    let (head, _) = stem.split_at(stem.len() - 18);
    format!(
        "{head}202612{:02}{:02}{:02}{:02}.CSV",
        1 + n / 86400 % 28,
        n / 3600 % 24,
        n / 60 % 60,
        n % 60
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kills: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let senders: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(6);
    let services: Vec<Office> = (1..=senders).map(service_office).collect();
    let mut offices = vec![KYOTAKU];
    offices.extend(services.iter().copied());
    let w = World::enrolled(&offices);
    let sample = w.sample(&services);
    let outgoing = w.folder("outgoing");
    let inbox = w.folder("inbox");
    // What each sender sends, by file name: the bytes of its 実績 file to the 居宅.
    let originals: Vec<(Office, Vec<u8>, PathBuf)> = services
        .iter()
        .map(|s| {
            let f = World::files_between(&sample, s, Some(&KYOTAKU))
                .into_iter()
                .next()
                .expect("a 実績 file");
            (*s, std::fs::read(&f).unwrap(), f)
        })
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    let (accepted, received) = rt.block_on(async {
        let mut tasks = Vec::new();
        for (i, (office, bytes, original)) in originals.iter().enumerate() {
            let client = Client::open(&w.profile(office), Some(PASSPHRASE)).unwrap();
            let dir = outgoing.join(office.number);
            std::fs::create_dir_all(&dir).unwrap();
            let (bytes, original, stop) = (bytes.clone(), original.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let mut accepted = Vec::new();
                let mut n = i * 100_000;
                while !stop.load(Ordering::Relaxed) {
                    let name = renamed(&original, n);
                    n += 1;
                    let path = dir.join(&name);
                    std::fs::write(&path, &bytes).unwrap();
                    client.queue(std::slice::from_ref(&path), true).unwrap();
                    // Until the relay has taken it: a crash only delays it.
                    loop {
                        match client.send_waiting().await {
                            Ok(ups) if ups.iter().all(|u| u.result.is_ok()) => break,
                            _ => tokio::time::sleep(Duration::from_millis(50)).await,
                        }
                    }
                    accepted.push(name);
                }
                accepted
            }));
        }
        let receiver = Client::open(&w.profile(&KYOTAKU), Some(PASSPHRASE)).unwrap();
        let (inbox2, stop2) = (inbox.clone(), stop.clone());
        let receiving = tokio::spawn(async move {
            let mut got = Vec::new();
            while !stop2.load(Ordering::Relaxed) {
                if let Ok(r) = receiver.receive(Some(&inbox2)).await {
                    got.extend(r);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (receiver, got)
        });

        // The killer, on its own thread: the relay process is the world's.
        let mut w = w;
        let stop3 = stop.clone();
        let killer = std::thread::spawn(move || {
            let mut jitter = Jitter(0x9E37_79B9_7F4A_7C15 ^ started.elapsed().as_nanos() as u64);
            for k in 0..kills {
                std::thread::sleep(Duration::from_millis(jitter.next_ms(200, 1200)));
                w.kill_relay();
                std::thread::sleep(Duration::from_millis(jitter.next_ms(0, 300)));
                w.start_relay();
                eprintln!("kill {} of {kills}", k + 1);
            }
            // Some calm for the last retries to go through.
            std::thread::sleep(Duration::from_secs(2));
            stop3.store(true, Ordering::Relaxed);
            w
        });
        let mut accepted = Vec::new();
        for t in tasks {
            accepted.extend(t.await.unwrap());
        }
        let (receiver, mut got) = receiving.await.unwrap();
        let w = killer.join().unwrap();
        // Whatever is still on its way is fetched now, with the relay up.
        let deadline = Instant::now() + Duration::from_secs(60);
        while names_in(&inbox).len() < accepted.len() && Instant::now() < deadline {
            got.extend(receiver.receive(Some(&inbox)).await.unwrap());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        (accepted, (got, w))
    });
    let (got, w) = received;

    // What counts is what the recipient's folder holds: a receive cut short by a kill saved
    // files it could not report, and the next one only sends their receipts.
    let sent_bytes: HashMap<&str, &[u8]> = originals
        .iter()
        .map(|(o, b, _)| (o.number, b.as_slice()))
        .collect();
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    let mut corrupted = 0;
    for name in names_in(&inbox) {
        // A second copy of a name would be saved as `… (2).CSV`.
        let unit = match name.split_once(" (") {
            Some((stem, _)) => format!("{stem}.CSV"),
            None => name.clone(),
        };
        let sender = careplan_csv::FileName::parse(&unit)
            .map(|f| f.sender.office.to_string())
            .unwrap_or_default();
        let bytes = std::fs::read(inbox.join(&name)).unwrap();
        if sent_bytes.get(sender.as_str()) != Some(&bytes.as_slice()) {
            corrupted += 1;
            eprintln!("not the bytes sent: {name}");
        }
        *times.entry(unit).or_default() += 1;
    }
    // Every file saved is also reported by some receive, even one that was cut off.
    let reported: std::collections::BTreeSet<&str> = got
        .iter()
        .filter(|r| r.saved_path.is_some())
        .map(|r| r.file_name.as_str())
        .collect();
    let unreported = times
        .keys()
        .filter(|n| !reported.contains(n.as_str()))
        .count();
    for r in got.iter().filter(|r| r.saved_path.is_none()) {
        corrupted += 1;
        eprintln!(
            "not saved: {} (quarantined {:?}, replayed {})",
            r.file_name, r.quarantined, r.replayed
        );
    }
    let lost: Vec<&String> = accepted
        .iter()
        .filter(|n| !times.contains_key(n.as_str()))
        .collect();
    let delivered_twice = times.values().filter(|&&n| n > 1).count();
    let db = rusqlite::Connection::open(w.data().join("relay.db")).unwrap();
    let stored_twice: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM (SELECT file_name FROM messages GROUP BY file_name HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let stored: i64 = db
        .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    let verify = w.relay_admin(&["audit", "verify"], None);
    println!(
        "{kills} relay kills in {:.0} s, {senders} senders: {} files accepted, {stored} stored, {} saved",
        started.elapsed().as_secs_f64(),
        accepted.len(),
        times.len()
    );
    println!(
        "lost {}, duplicated {} (stored twice {stored_twice}, delivered twice {delivered_twice}), corrupted {corrupted}, saved but never reported {unreported}",
        lost.len(),
        stored_twice as usize + delivered_twice,
    );
    println!(
        "audit verify: {}",
        String::from_utf8_lossy(&verify.stdout).trim()
    );
    let ok = lost.is_empty()
        && stored_twice == 0
        && delivered_twice == 0
        && corrupted == 0
        && unreported == 0
        && stored as usize == accepted.len()
        && verify.status.success();
    if !ok {
        for n in lost.iter().take(10) {
            let state: String = db
                .query_row(
                    "SELECT state || ' seq ' || seq FROM messages WHERE file_name = ?1",
                    [n.as_str()],
                    |r| r.get(0),
                )
                .unwrap_or_else(|e| e.to_string());
            eprintln!("lost: {n} (at the relay: {state})");
        }
        std::process::exit(1);
    }
}
