//! Load benchmark for the relay (docs/benchmarks.md): certificate-holding clients uploading
//! 20 KB messages concurrently, then thousands of idle event streams.
//!
//! `cargo build --release -p careplan-relay && cargo run --release -p careplan-relay --example load -- [SENDERS] [SECONDS] [STREAMS] [RATE]`
//!
//! RATE (uploads per second, all senders together) makes the load open-loop at that rate;
//! without it every sender uploads as fast as the relay answers.
//!
//! It starts the release `kizuna-relay` in a temporary folder on 127.0.0.1 and talks to it only.
//! `KIZUNA_LOAD_WRAP="heaptrack -o /tmp/relay"` runs the relay under a profiler.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{CertificateParams, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

const RECIPIENT: &str = "1399999999";
const PASSWORD: &str = "load-test-password";
const AGE: &str = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";

/// A manifest naming this upload, as a client signs one (the relay reads, never verifies, it).
fn manifest(file_name: &str, sender: &str, key: &str) -> String {
    let json = format!(
        r#"{{"type":"kizuna-manifest/1","file_name":"{file_name}","sha256":"00","size":20480,"sender":"{sender}","recipient":"{RECIPIENT}","created_at":0,"idempotency_key":"{key}"}}"#
    );
    format!(
        "{}.c2ln",
        data_encoding::BASE64URL_NOPAD.encode(json.as_bytes())
    )
}

fn relay_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .unwrap()
        .join("kizuna-relay")
}

fn admin(data: &Path, args: &[&str], stdin: Option<&str>) {
    let mut c = Command::new(relay_bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(c.stdin.take());
    assert!(c.wait().unwrap().success(), "kizuna-relay {args:?}");
}

fn client(ca: &str, cert: &str, key: &str) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_protocol_versions(&[&rustls::version::TLS13])
        .with_root_certificates(roots)
        .with_client_auth_cert(
            CertificateDer::pem_slice_iter(cert.as_bytes())
                .map(Result::unwrap)
                .collect(),
            PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
        )
        .unwrap();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

async fn enroll(url: &str, ca: &str, office: &str) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let csr = CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_protocol_versions(&[&rustls::version::TLS13])
        .with_root_certificates(roots)
        .with_no_client_auth();
    let anon = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap();
    let r: serde_json::Value = anon
        .post(format!("{url}/v1/enroll"))
        .json(&serde_json::json!({ "office": office, "password": PASSWORD, "csr_pem": csr, "encryption_key": AGE }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        r["certificate_pem"].as_str().expect("enrolled").to_owned(),
        key.serialize_pem(),
    )
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    careplan_relay::tls::install_crypto_provider();
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().unwrap());
    let senders = args.next().unwrap_or(64);
    let seconds = args.next().unwrap_or(10) as u64;
    let streams = args.next().unwrap_or(10_000);
    // Total uploads per second offered by all senders together; 0: each as fast as answered.
    let rate = args.next().unwrap_or(0);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    admin(&data, &["init", "--hostname", "127.0.0.1"], None);
    let offices: Vec<String> = (0..senders).map(|i| format!("13{:08}", i + 1)).collect();
    for o in offices.iter().chain([&RECIPIENT.to_owned()]) {
        admin(
            &data,
            &[
                "office",
                "add",
                "--number",
                o,
                "--name",
                "load",
                "--kind",
                "both",
                "--password-stdin",
            ],
            Some(PASSWORD),
        );
    }
    let mut relay: Child = Command::new("sh")
        .arg("-c")
        // KIZUNA_LOAD_WRAP runs the relay under a profiler, e.g. "heaptrack -o /tmp/relay".
        .arg(format!(
            "ulimit -n 20000; exec {} {} --data {} serve --listen 127.0.0.1:0",
            std::env::var("KIZUNA_LOAD_WRAP").unwrap_or_default(),
            relay_bin().display(),
            data.display()
        ))
        .env(
            "KIZUNA_RELAY_LOG",
            std::env::var("KIZUNA_LOAD_RELAY_LOG").unwrap_or_else(|_| "warn".into()),
        )
        // Every connection of the load comes from 127.0.0.1: the per-address limit, which is
        // not what is measured here, would refuse all but the first few hundred streams.
        .env(
            "KIZUNA_RELAY_MAX_CONNECTIONS_PER_IP",
            (streams + senders + 100).to_string(),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line that names the address (a profiler may print its own lines first).
    let url = BufReader::new(relay.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.trim().strip_prefix("listening on ").map(str::to_owned))
        .expect("the relay's address");
    let ca = std::fs::read_to_string(data.join("ca/ca.pem")).unwrap();
    let mut clients = Vec::new();
    for o in &offices {
        let (cert, key) = enroll(&url, &ca, o).await;
        clients.push((o.clone(), client(&ca, &cert, &key)));
    }
    let (rcert, rkey) = enroll(&url, &ca, RECIPIENT).await;

    // Uploads: every sender as fast as the relay answers, for `seconds`.
    let body = vec![0x5Au8; 20 * 1024];
    // Open-loop runs measure the steady state: the first WARMUP seconds at the same rate are
    // not counted (connections, caches and the database file are still being set up then).
    let warmup = if rate > 0 {
        Duration::from_secs(std::env::var("KIZUNA_LOAD_WARMUP").map_or(3, |w| w.parse().unwrap()))
    } else {
        Duration::ZERO
    };
    let deadline = Instant::now() + warmup + Duration::from_secs(seconds);
    let started = Instant::now();
    let measured_from = started + warmup;
    let mut tasks = Vec::new();
    let interval = (rate > 0).then(|| Duration::from_secs_f64(senders as f64 / rate as f64));
    for (k, (office, c)) in clients.into_iter().enumerate() {
        let body = body.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failed = 0;
            let mut i = 0;
            while Instant::now() < deadline {
                i += 1;
                let t = match interval {
                    // Open loop: each upload has its moment, and its latency counts from that
                    // moment even when the sender is late (no coordinated omission).
                    Some(every) => {
                        let at =
                            started + every.mul_f64(i as f64 - 1.0 + k as f64 / senders as f64);
                        tokio::time::sleep_until(at.into()).await;
                        at
                    }
                    None => Instant::now(),
                };
                let name = format!("UPPLAN_202512_{office}_43_{RECIPIENT}_11_20251125093100.CSV");
                let key = format!("{office}-{i}");
                let r = c
                    .post(format!("{url}/v1/messages"))
                    .header("x-kizuna-manifest", manifest(&name, &office, &key))
                    .header("x-kizuna-file-name", name)
                    .header("idempotency-key", key)
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let l = t.elapsed();
                        if std::env::var_os("KIZUNA_LOAD_SLOW").is_some()
                            && l > Duration::from_millis(100)
                        {
                            eprintln!("slow {:.2}s {:?}", (t - started).as_secs_f64(), l);
                        }
                        if t >= measured_from {
                            lat.push(l)
                        }
                    }
                    _ => failed += 1,
                }
            }
            (lat, failed)
        }));
    }
    let mut lat = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (l, f) = t.await.unwrap();
        lat.extend(l);
        failed += f;
    }
    let elapsed = measured_from.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "uploads: {senders} senders, {seconds} s, 20 KiB each: {} accepted ({failed} failed), {:.0} msgs/s, p50 {:.1} ms, p99 {:.1} ms; relay RSS {:.0} MB",
        lat.len(),
        lat.len() as f64 / elapsed,
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        rss_mb(relay.id())
    );

    // Idle event streams: many connections, each holding one open stream.
    let before = rss_mb(relay.id());
    let mut open = Vec::with_capacity(streams);
    let mut refused = 0usize;
    let per_client = 500;
    for chunk in 0..streams.div_ceil(per_client) {
        let c = client(&ca, &rcert, &rkey);
        let n = per_client.min(streams - chunk * per_client);
        let futs: Vec<_> = (0..n)
            .map(|_| c.get(format!("{url}/v1/events?after=999999999")).send())
            .collect();
        for r in futures_join(futs).await {
            let r = r.expect("stream answered");
            if r.status().is_success() {
                open.push(r);
            } else {
                refused += 1;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "event streams: {} open ({refused} refused); relay RSS {:.0} MB (was {:.0} MB before opening them)",
        open.len(),
        rss_mb(relay.id()),
        before
    );
    drop(open);
    let _ = relay.kill();
    let _ = relay.wait();
}

// Awaits all futures concurrently (no extra crate for one join).
async fn futures_join<F: std::future::Future + Send + 'static>(futs: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
