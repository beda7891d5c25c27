//! The living demo without a window: the real demo relay (`kizuna-relay demo`), its service
//! offices run by `kizuna demo-partners`, and the `kizuna` CLI as the 居宅 the app plays.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kizuna_e2e::{PASSPHRASE, bin, text};

const KYOTAKU: &str = "1310000001";
const PARTNERS: [&str; 3] = ["1320000001", "1320000002", "1320000003"];

struct Demo {
    dir: tempfile::TempDir,
    relay: Child,
    partners: Child,
    url: String,
    fingerprint: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        for c in [&mut self.partners, &mut self.relay] {
            let _ = c.kill();
            let _ = c.wait();
        }
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("partners.log"));
            eprintln!("--- partners log ---\n{}", log.unwrap_or_default());
        }
    }
}

fn kizuna(args: &[&str]) -> Command {
    let mut cmd = Command::new(bin("kizuna"));
    cmd.args(args).env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE);
    cmd
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Demo {
    /// Everything scripts/run starts, with partners that answer after a second.
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        ok(kizuna(&["sample", "--by-office", "--users", "3", "--out"])
            .arg(d)
            .args(["--service", "1320000001:11,1320000002:15,1320000003:17"]));
        let mut relay = Command::new(bin("kizuna-relay"))
            .arg("--data")
            .arg(d.join("relay"))
            .args(["demo", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(d.join("relay.log")).unwrap())
            .spawn()
            .unwrap();
        let mut url = String::new();
        let mut password = String::new();
        for line in BufReader::new(relay.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(u) = line.strip_prefix("listening on ") {
                url = u.to_owned();
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.first() == Some(&KYOTAKU) {
                password = words[1].to_owned();
            }
            if line.starts_with("終了するには") {
                break;
            }
        }
        assert!(
            !url.is_empty() && !password.is_empty(),
            "the demo relay printed its offices"
        );
        let fingerprint = ok(Command::new(bin("kizuna-relay"))
            .arg("--data")
            .arg(d.join("relay"))
            .arg("ca-fingerprint"))
        .trim()
        .to_owned();
        let partners = Command::new(bin("kizuna"))
            .args([
                "demo-partners",
                "--relay",
                &url,
                "--ca-fingerprint",
                &fingerprint,
            ])
            .arg("--offices")
            .arg(d.join("relay").join("demo-offices.json"))
            .arg("--dir")
            .arg(d)
            .args(["--reply-after", "1"])
            .stdout(std::fs::File::create(d.join("partners.log")).unwrap())
            .stderr(std::fs::File::create(d.join("partners.err")).unwrap())
            .spawn()
            .unwrap();
        let demo = Demo {
            dir,
            relay,
            partners,
            url,
            fingerprint,
        };
        demo.wait_for_log("ready", Duration::from_secs(60));
        let mut enroll = kizuna(&[
            "enroll",
            "--relay",
            &demo.url,
            "--ca-fingerprint",
            &demo.fingerprint,
            "--office",
            KYOTAKU,
            "--password-stdin",
            "--profile",
        ]);
        enroll
            .arg(demo.profile())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = enroll.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        assert!(
            child.wait().unwrap().success(),
            "the 居宅 enrols with the printed password"
        );
        demo
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn profile(&self) -> PathBuf {
        self.path("kyotaku-profile")
    }

    /// The folder of an office's outgoing files (`NUMBER-NAME`).
    fn outgoing(&self, office: &str) -> PathBuf {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("{office}-"))
            })
            .unwrap_or_else(|| panic!("a folder for {office}"))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("partners.log")).unwrap_or_default()
    }

    fn wait_for_log(&self, text: &str, timeout: Duration) {
        let until = Instant::now() + timeout;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < until,
                "partners never said {text:?}:\n{}\n{}",
                self.log(),
                std::fs::read_to_string(self.path("partners.err")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn send(&self, paths: &[PathBuf]) {
        ok(kizuna(&["send", "--profile"])
            .arg(self.profile())
            .args(paths));
    }

    /// Sends files that were sent before, on purpose.
    fn send_again(&self, paths: &[PathBuf]) {
        ok(kizuna(&["send", "--again", "--profile"])
            .arg(self.profile())
            .args(paths));
    }

    /// Receives until `n` files are in `inbox` or `timeout` passes; the files there.
    fn receive(&self, inbox: &Path, n: usize, timeout: Duration) -> Vec<String> {
        let until = Instant::now() + timeout;
        loop {
            ok(kizuna(&["receive", "--wait", "2", "--profile"])
                .arg(self.profile())
                .arg("--out")
                .arg(inbox));
            let mut names: Vec<String> = std::fs::read_dir(inbox)
                .map(|d| {
                    d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            if names.len() >= n || Instant::now() >= until {
                return names;
            }
        }
    }
}

#[test]
fn demo_partners_return_receipts_and_answer_a_schedule_with_their_jisseki() {
    let demo = Demo::start();
    demo.send(&[demo.outgoing(KYOTAKU)]);
    let inbox = demo.path("inbox");
    let got = demo.receive(&inbox, 3, Duration::from_secs(60));
    assert_eq!(got.len(), 3, "one 実績 from each partner: {got:?}");
    for partner in PARTNERS {
        let name = got
            .iter()
            .find(|n| n.starts_with("UPJSK_") && n.contains(&format!("_{partner}_")))
            .unwrap_or_else(|| panic!("実績 of {partner} in {got:?}"));
        let original = std::fs::read(demo.outgoing(partner).join(name)).unwrap();
        assert_eq!(
            std::fs::read(inbox.join(name)).unwrap(),
            original,
            "{name} byte-identical"
        );
    }
    // Every file sent has the partner's signed receipt.
    let history = ok(kizuna(&["history", "--json", "--profile"]).arg(demo.profile()));
    let entries: Vec<serde_json::Value> = serde_json::from_str(&history).unwrap();
    let sent: Vec<_> = entries
        .iter()
        .filter(|e| e["direction"] == "sent")
        .collect();
    assert!(!sent.is_empty());
    for e in sent {
        assert_eq!(e["state"], "acknowledged", "{e}");
    }
}

#[test]
fn a_schedule_sent_again_is_received_again_but_answered_only_once() {
    let demo = Demo::start();
    let partner = PARTNERS[0];
    let schedule: Vec<PathBuf> = std::fs::read_dir(demo.outgoing(KYOTAKU))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            careplan_csv::FileName::parse(&n).is_ok_and(|f| {
                f.recipient.office.as_str() == partner
                    && matches!(f.month, Some(careplan_csv::NameMonth::Month(_)))
            })
        })
        .collect();
    assert!(
        schedule
            .iter()
            .any(|p| p.to_string_lossy().contains("UPPLAN_"))
    );
    let inbox = demo.path("inbox");
    demo.send(&schedule);
    assert_eq!(demo.receive(&inbox, 1, Duration::from_secs(60)).len(), 1);
    demo.send_again(&schedule);
    // The partner takes the second copy (and signs for it) ...
    let until = Instant::now() + Duration::from_secs(60);
    while demo.log().matches("受信しました UPPLAN_").count() < 2 {
        assert!(
            Instant::now() < until,
            "the second copy arrives:\n{}",
            demo.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // ... but its 実績 went already: nothing more comes.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        demo.receive(&inbox, 2, Duration::from_secs(4)).len(),
        1,
        "{}",
        demo.log()
    );
    assert_eq!(
        demo.log().matches("実績を送りました").count(),
        1,
        "{}",
        demo.log()
    );
}
