//! Load benchmark for the relay (docs/benchmarks.md): certificate-holding clients uploading
//! 20 KB messages concurrently, then thousands of idle event streams.
//!
//! `cargo build --release -p careplan-relay && cargo run --release -p careplan-relay --example load -- [SENDERS] [SECONDS] [STREAMS] [RATE] [--nodes N] [--backend sqlite|postgres]`
//!
//! RATE (uploads per second, all senders together) makes the load open-loop at that rate;
//! without it every sender uploads as fast as the relay answers.
//!
//! It starts the release `kizuna-relay` in a temporary folder on 127.0.0.1 and talks to it only.
//! `--backend postgres` puts the metadata in a new database on the PostgreSQL server
//! `KIZUNA_LOAD_PG_SERVER` (`postgres://user@host:port`) and the bodies in a new bucket of the
//! S3-compatible store `KIZUNA_LOAD_S3_ENDPOINT` (keys `test` / `test-secret`, as
//! `scripts/lib/setup.sh`'s `start_postgres` and `start_s3_server` give them; with
//! `KIZUNA_LOAD_PG_CA` the relay speaks TLS to PostgreSQL and trusts that CA); `--nodes N`
//! starts N nodes on them and spreads senders and streams over the nodes.
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

/// What every relay process of a postgres run is given: its database and its bucket.
static SHARED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

fn shared_env() -> &'static [(String, String)] {
    SHARED.get().map_or(&[], Vec::as_slice)
}

fn admin(data: &Path, args: &[&str], stdin: Option<&str>) {
    let mut c = Command::new(relay_bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .envs(shared_env().iter().map(|(k, v)| (k, v)))
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
    let mut nodes = 1usize;
    let mut backend = "sqlite".to_owned();
    let mut numbers = Vec::new();
    let mut given = std::env::args().skip(1);
    while let Some(a) = given.next() {
        match a.as_str() {
            "--nodes" => nodes = given.next().unwrap().parse().unwrap(),
            "--backend" => backend = given.next().unwrap(),
            n => numbers.push(n.parse::<usize>().unwrap()),
        }
    }
    assert!(
        nodes == 1 || backend == "postgres",
        "several nodes share PostgreSQL and a bucket: --backend postgres"
    );
    if backend == "postgres" {
        let run = format!("kizuna_load_{:08x}", rand_u32());
        let server = std::env::var("KIZUNA_LOAD_PG_SERVER").expect("KIZUNA_LOAD_PG_SERVER");
        let s3 = std::env::var("KIZUNA_LOAD_S3_ENDPOINT").expect("KIZUNA_LOAD_S3_ENDPOINT");
        let admin_url = format!("{server}/postgres");
        let db = run.clone();
        std::thread::spawn(move || {
            postgres::Client::connect(&admin_url, postgres::NoTls)
                .unwrap()
                .batch_execute(&format!("CREATE DATABASE {db}"))
                .unwrap();
        })
        .join()
        .unwrap();
        // The server's CA (start_postgres gives it as PG_CA): TLS, as a real deployment has it.
        let (params, ca) = match std::env::var("KIZUNA_LOAD_PG_CA") {
            Ok(ca) => (
                "?sslmode=require",
                vec![("KIZUNA_RELAY_DATABASE_CA_FILE".into(), ca)],
            ),
            Err(_) => ("", Vec::new()),
        };
        let mut shared: Vec<(String, String)> = vec![
            (
                "KIZUNA_RELAY_DATABASE_URL".into(),
                format!("{server}/{run}{params}"),
            ),
            ("KIZUNA_RELAY_S3_ENDPOINT".into(), s3),
            ("KIZUNA_RELAY_S3_BUCKET".into(), run.replace('_', "-")),
            ("KIZUNA_RELAY_S3_ACCESS_KEY_ID".into(), "test".into()),
            (
                "KIZUNA_RELAY_S3_SECRET_ACCESS_KEY".into(),
                "test-secret".into(),
            ),
        ];
        shared.extend(ca);
        let _ = SHARED.set(shared);
    }
    let mut args = numbers.into_iter();
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
    // Node 1 serves the folder made above; the others copies of it, on the same database and
    // bucket.
    let mut relays: Vec<Child> = Vec::new();
    let mut urls = Vec::new();
    for n in 0..nodes {
        let folder = if n == 0 {
            data.clone()
        } else {
            let copy = dir.path().join(format!("node{n}"));
            copy_folder(&data, &copy);
            copy
        };
        let (child, url) = start_node(&folder, streams + senders + 100);
        relays.push(child);
        urls.push(url);
    }
    let url = urls[0].clone();
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
        let url = urls[k % urls.len()].clone();
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
        "uploads ({backend}, {nodes} node(s)): {senders} senders, {seconds} s, 20 KiB each: {} accepted ({failed} failed), {:.0} msgs/s, p50 {:.1} ms, p99 {:.1} ms; relay RSS {} MB",
        lat.len(),
        lat.len() as f64 / elapsed,
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        rss_all(&relays)
    );

    // Idle event streams: many connections, each holding one open stream.
    let before = rss_all(&relays);
    let mut open = Vec::with_capacity(streams);
    let mut refused = 0usize;
    let per_client = 500;
    for chunk in 0..streams.div_ceil(per_client) {
        let c = client(&ca, &rcert, &rkey);
        let n = per_client.min(streams - chunk * per_client);
        let futs: Vec<_> = (0..n)
            .map(|_| {
                let url = &urls[chunk % urls.len()];
                c.get(format!("{url}/v1/events?after=999999999")).send()
            })
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
        "event streams: {} open ({refused} refused); relay RSS {} MB per node (was {} MB before opening them)",
        open.len(),
        rss_all(&relays),
        before
    );
    drop(open);
    for mut relay in relays {
        let _ = relay.kill();
        let _ = relay.wait();
    }
}

/// The RSS of every node, `a / b / c`.
fn rss_all(relays: &[Child]) -> String {
    relays
        .iter()
        .map(|r| format!("{:.0}", rss_mb(r.id())))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn rand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ std::process::id())
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_folder(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Starts a node on `data`; answers it and its address.
fn start_node(data: &Path, connections: usize) -> (Child, String) {
    let mut relay: Child = Command::new("sh")
        .arg("-c")
        // KIZUNA_LOAD_WRAP runs the relay under a profiler, e.g. "heaptrack -o /tmp/relay".
        .arg(format!(
            "ulimit -n 20000; exec {} {} --data {} serve --listen 127.0.0.1:0",
            std::env::var("KIZUNA_LOAD_WRAP").unwrap_or_default(),
            relay_bin().display(),
            data.display()
        ))
        .envs(shared_env().iter().map(|(k, v)| (k, v)))
        .env(
            "KIZUNA_RELAY_LOG",
            std::env::var("KIZUNA_LOAD_RELAY_LOG").unwrap_or_else(|_| "warn".into()),
        )
        // Every connection of the load comes from 127.0.0.1: the per-address limit, which is
        // not what is measured here, would refuse all but the first few hundred streams.
        .env(
            "KIZUNA_RELAY_MAX_CONNECTIONS_PER_IP",
            connections.to_string(),
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
    (relay, url)
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
