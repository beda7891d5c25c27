//! Harness for the end-to-end tests: the real `kizuna-relay` and `kizuna` binaries, a relay
//! data folder and office profiles in a temporary folder, everything on 127.0.0.1.
//!
//! The binaries are the ones `cargo test --workspace` builds next to this test's executable
//! (the relay's and the CLI's own tests need them, so they are always fresh there).

mod proxy;

pub use proxy::ConnectProxy;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The folder the workspace's binaries are built into.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("target folder")
        .to_owned()
}

/// Path of a workspace binary; says how to build it when it is missing.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace` (scripts/test), which builds it",
        path.display()
    );
    path
}

/// The passphrase test profiles seal their keys with (CI has no OS key store).
pub const PASSPHRASE: &str = "e2e-passphrase";

/// An office of the tests.
#[derive(Clone, Copy)]
pub struct Office {
    /// 事業所番号.
    pub number: &'static str,
    /// 事業所名.
    pub name: &'static str,
    /// kyotaku or service.
    pub kind: &'static str,
    /// サービス種類コード the sample uses for it.
    pub service_type: &'static str,
}

/// 居宅介護支援事業所.
pub const KYOTAKU: Office = Office {
    number: "1310000001",
    name: "居宅介護支援事業所さくら",
    kind: "kyotaku",
    service_type: "43",
};
/// 訪問介護.
pub const HOUMON: Office = Office {
    number: "1320000001",
    name: "ひまわり訪問介護",
    kind: "service",
    service_type: "11",
};
/// 通所介護.
pub const TSUSHO: Office = Office {
    number: "1320000002",
    name: "すみれデイサービス",
    kind: "service",
    service_type: "15",
};

/// A relay process with its data folder, and the profiles of the offices using it.
pub struct World {
    /// Everything lives under here.
    pub dir: tempfile::TempDir,
    relay: Option<Child>,
    /// https://127.0.0.1:PORT
    pub url: String,
    port: u16,
}

/// The password an office is registered with.
pub fn password(o: &Office) -> String {
    format!("pw-{}-あいう", o.number)
}

impl World {
    /// Initialises a relay, registers `offices` and starts it.
    pub fn new(offices: &[Office]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let mut w = World {
            dir,
            relay: None,
            url: String::new(),
            port: 0,
        };
        let out = w.relay_admin(&["init", "--hostname", "127.0.0.1"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for o in offices {
            let out = w.relay_admin(
                &[
                    "office",
                    "add",
                    "--number",
                    o.number,
                    "--name",
                    o.name,
                    "--kind",
                    o.kind,
                    "--password-stdin",
                ],
                Some(&password(o)),
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        w.start_relay();
        w
    }

    /// A relay with `offices`, every one of them enrolled.
    pub fn enrolled(offices: &[Office]) -> World {
        let w = World::new(offices);
        for o in offices {
            w.enroll(o);
        }
        w
    }

    /// The relay's data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("relay")
    }

    /// Runs a `kizuna-relay` admin command.
    pub fn relay_admin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run(
            Command::new(bin("kizuna-relay"))
                .arg("--data")
                .arg(self.data())
                .args(args),
            stdin,
        )
    }

    /// Starts the relay (on the port it had before, after a stop).
    pub fn start_relay(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("relay.log"))
            .unwrap();
        let mut child = Command::new(bin("kizuna-relay"))
            .arg("--data")
            .arg(self.data())
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("relay did not start: {line:?}"))
            .to_owned();
        self.port = url.rsplit(':').next().unwrap().parse().unwrap();
        self.url = url;
        self.relay = Some(child);
    }

    /// Kills the relay at once (SIGKILL, as a crash or power cut).
    pub fn kill_relay(&mut self) {
        if let Some(mut c) = self.relay.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The profile folder of an office.
    pub fn profile(&self, o: &Office) -> PathBuf {
        self.dir.path().join("profiles").join(o.number)
    }

    /// A folder under the world (created).
    pub fn folder(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    /// Runs `kizuna ARGS… --profile <office>` with the office's passphrase.
    pub fn kizuna(&self, o: &Office, args: &[&str]) -> Output {
        self.kizuna_in(&self.profile(o), args)
    }

    /// Runs `kizuna ARGS… --profile PROFILE` (another device of an office) with the passphrase.
    pub fn kizuna_in(&self, profile: &Path, args: &[&str]) -> Output {
        self.kizuna_input(profile, args, None)
    }

    /// The same, with `stdin` on its standard input (a password).
    pub fn kizuna_input(&self, profile: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(bin("kizuna"));
        cmd.args(args)
            .arg("--profile")
            .arg(profile)
            .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE);
        run(&mut cmd, stdin)
    }

    /// Enrols another device of `o` in `profile`, named `name`; panics on failure.
    pub fn enroll_device(&self, o: &Office, profile: &Path, name: &str) {
        let mut cmd = Command::new(bin("kizuna"));
        cmd.args(["enroll", "--relay", &self.url, "--ca-fingerprint"])
            .arg(self.fingerprint())
            .args([
                "--device-name",
                name,
                "--office",
                o.number,
                "--password-stdin",
            ])
            .arg("--profile")
            .arg(profile)
            .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE);
        let out = run(&mut cmd, Some(&password(o)));
        assert!(
            out.status.success(),
            "enrol {} as {name}: {}",
            o.number,
            text(&out)
        );
    }

    /// Adds a member of staff to `o` with the relay's CLI; an administrator's second-factor key.
    pub fn add_staff(&self, o: &Office, login: &str, role: &str, password: &str) -> Option<String> {
        let out = self.relay_admin(
            &[
                "office",
                "staff",
                "add",
                o.number,
                "--login",
                login,
                "--name",
                login,
                "--role",
                role,
                "--password-stdin",
            ],
            Some(password),
        );
        assert!(out.status.success(), "{}", text(&out));
        // The key is the first line the relay prints for an administrator.
        (role == "admin").then(|| {
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_owned()
        })
    }

    /// Signs `login` in on the device in `profile`, with a code from `key` for an administrator.
    pub fn sign_in(&self, profile: &Path, login: &str, password: &str, key: Option<&str>) {
        let code = key.map(totp_now);
        let mut args = vec!["login", "--login", login, "--password-stdin"];
        if let Some(code) = &code {
            args.extend(["--totp", code]);
        }
        let out = self.kizuna_input(profile, &args, Some(password));
        assert!(out.status.success(), "sign in {login}: {}", text(&out));
    }

    /// The relay CA's fingerprint.
    pub fn fingerprint(&self) -> String {
        let out = self.relay_admin(&["ca-fingerprint"], None);
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Enrols an office with its password; panics on failure.
    pub fn enroll(&self, o: &Office) {
        let out = self.enroll_with(o, &password(o), &self.fingerprint());
        assert!(out.status.success(), "enrol {}: {}", o.number, text(&out));
    }

    /// Runs `kizuna enroll` with the given password and fingerprint.
    pub fn enroll_with(&self, o: &Office, password: &str, fingerprint: &str) -> Output {
        self.enroll_args(o, password, fingerprint, &[])
    }

    /// Runs `kizuna enroll` with the given password, fingerprint and further arguments.
    pub fn enroll_args(
        &self,
        o: &Office,
        password: &str,
        fingerprint: &str,
        extra: &[&str],
    ) -> Output {
        self.enroll_at(o, &self.url, password, fingerprint, extra)
    }

    /// Runs `kizuna enroll` at the relay address(es) `relay`.
    pub fn enroll_at(
        &self,
        o: &Office,
        relay: &str,
        password: &str,
        fingerprint: &str,
        extra: &[&str],
    ) -> Output {
        let mut cmd = Command::new(bin("kizuna"));
        cmd.args(["enroll", "--relay", relay, "--ca-fingerprint", fingerprint])
            .args(extra)
            .args(["--office", o.number, "--password-stdin", "--profile"])
            .arg(self.profile(o))
            .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE);
        run(&mut cmd, Some(password))
    }

    /// Writes the sample exchange for the kyotaku office and `services` into a folder.
    pub fn sample(&self, services: &[Office]) -> PathBuf {
        let out = self.folder("sample");
        let service = services
            .iter()
            .map(|s| format!("{}:{}", s.number, s.service_type))
            .collect::<Vec<_>>()
            .join(",");
        let mut cmd = Command::new(bin("kizuna"));
        cmd.args(["sample", "--out"]).arg(&out).args([
            "--kyotaku",
            KYOTAKU.number,
            "--service",
            &service,
            "--users",
            "4",
        ]);
        let o = run(&mut cmd, None);
        assert!(o.status.success(), "{}", text(&o));
        out
    }

    /// Files in `dir` sent by `from` (and to `to`, when given), sorted.
    pub fn files_between(dir: &Path, from: &Office, to: Option<&Office>) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy().into_owned();
                let Ok(name) = careplan_csv::FileName::parse(&n) else {
                    return false;
                };
                name.sender.office.as_str() == from.number
                    && to.is_none_or(|t| name.recipient.office.as_str() == t.number)
            })
            .collect();
        files.sort();
        files
    }

    /// The relay's log so far.
    pub fn relay_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("relay.log")).unwrap_or_default()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.kill_relay();
        if std::thread::panicking() {
            eprintln!("--- relay log ---\n{}", self.relay_log());
        }
    }
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// stdout and stderr of a command, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Sorted names of the regular files in `dir`.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Sorted file names of `paths`.
pub fn names_of(paths: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The code an authenticator app holding `secret` shows now.
pub fn totp_now(secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    careplan_relay::totp::code(secret, now as i64).unwrap()
}
