//! The desktop shell under Tauri's mock runtime: its commands answer as the window calls them,
//! the same way the CLI does, and its background exchange is kept running.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kizuna_desktop::{AppState, Options};
use kizuna_e2e::{HOUMON, KYOTAKU, PASSPHRASE, TSUSHO, World, text};
use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, Manager, WebviewWindow, WebviewWindowBuilder};

/// What the tests' shells start with: no tray, no process-wide logger.
fn options(profile: &Path, receive_dir: &Path) -> Options {
    Options {
        profile: Some(profile.to_owned()),
        receive_dir: Some(receive_dir.to_owned()),
        no_tray: true,
        no_logger: true,
        ..Options::default()
    }
}

/// The shell on the mock runtime over `profile`, with its window.
fn app(profile: &Path, receive_dir: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with(options(profile, receive_dir))
}

/// The shell on the mock runtime started with `options`, with its window.
fn app_with(options: Options) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    careplan_client::tls::install_crypto_provider();
    let mut app = kizuna_desktop::shell(mock_builder(), options, Instant::now())
        .build(tauri::generate_context!("tauri.conf.json", test = true))
        .expect("the shell builds on the mock runtime");
    // One turn of the event loop runs the set-up (state, opening the profile); it is not
    // turned in a loop, which the deprecation warns of.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let window = match app.get_webview_window("main") {
        Some(w) => w,
        None => WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("a window"),
    };
    (app, window)
}

/// Calls a command as the window does; the error side is the `UiError` the window gets.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|b| b.deserialize::<Value>().unwrap())
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn a_window_without_a_profile_is_told_that_enrolment_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(&dir.path().join("profile"), &dir.path().join("inbox"));
    let status = invoke(&window, "status", json!({})).unwrap();
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["profile"], Value::Null);
    let history = invoke(&window, "history", json!({ "filter": {} })).unwrap_err();
    assert_eq!(history["code"], "not_enrolled", "{history}");
    assert!(
        history["message"].as_str().unwrap().contains("登録"),
        "{history}"
    );
}

/// Every `invoke("command", { arg, … })` in ui/src/api.ts: the command and its argument names.
fn ui_calls() -> Vec<(String, Vec<String>)> {
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/api.ts"))
        .expect("ui/src/api.ts");
    let mut calls = Vec::new();
    for part in api.split("invoke<").skip(1) {
        let Some(start) = part.find("(\"") else {
            continue;
        };
        let rest = &part[start + 2..];
        let Some(end) = rest.find('"') else { continue };
        let name = rest[..end].to_owned();
        let after = &rest[end + 1..];
        let args = match (after.trim_start().strip_prefix(','), after.find(')')) {
            (Some(more), Some(_)) => {
                let inside = more.trim_start().trim_start_matches('{');
                let inside = &inside[..inside.find('}').unwrap_or(0)];
                inside
                    .split(',')
                    .map(|a| a.split(':').next().unwrap().trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect()
            }
            _ => Vec::new(),
        };
        calls.push((name, args));
    }
    calls
}

#[test]
fn every_command_the_ui_calls_exists_with_the_argument_names_it_uses() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(&dir.path().join("profile"), &dir.path().join("inbox"));
    let calls = ui_calls();
    assert!(calls.len() >= 15, "api.ts read: {calls:?}");
    for (name, args) in calls {
        // Values are left null: a wrong type is refused after the names were found.
        let body: serde_json::Map<String, Value> =
            args.iter().map(|a| (a.clone(), Value::Null)).collect();
        let answer = invoke(&window, &name, Value::Object(body));
        let text = format!("{answer:?}");
        for refusal in ["not found", "not allowed", "missing required key"] {
            assert!(!text.contains(refusal), "{name}({args:?}): {text}");
        }
    }
}

#[test]
fn a_command_called_with_a_renamed_argument_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(&dir.path().join("profile"), &dir.path().join("inbox"));
    let answer = invoke(&window, "send", json!({ "paths": [], "again": false })).unwrap_err();
    assert!(
        answer.to_string().contains("missing required key files"),
        "{answer}"
    );
}

#[test]
fn the_app_and_the_cli_send_the_same_files_with_the_same_outcome() {
    let w = World::new(&[KYOTAKU, HOUMON, TSUSHO]);
    w.enroll(&KYOTAKU);
    w.enroll(&HOUMON);
    // The same office on the app's PC: a copy of its profile taken before anything is sent.
    let app_profile = w.folder("app-profile");
    copy_folder(&w.profile(&KYOTAKU), &app_profile);
    let sample = w.sample(&[HOUMON, TSUSHO]);
    // Plans to 訪問 (enrolled) and to 通所 (registered, not enrolled yet).
    let files: Vec<PathBuf> = [HOUMON, TSUSHO]
        .iter()
        .flat_map(|o| World::files_between(&sample, &KYOTAKU, Some(o)))
        .collect();
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();

    let mut args = vec!["send", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let out = w.kizuna(&KYOTAKU, &args);
    assert_eq!(out.status.code(), Some(1), "not all sent: {}", text(&out));
    let from_cli: Value = serde_json::from_slice(&out.stdout).unwrap();

    let (_app, window) = app(&app_profile, &w.folder("app-inbox"));
    invoke(&window, "unlock", json!({ "passphrase": PASSPHRASE })).unwrap();
    let from_app = invoke(&window, "send", json!({ "files": paths, "again": false })).unwrap();

    assert_eq!(from_app, from_cli);
    let outcomes: Vec<&str> = from_app
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.len(), files.len(), "one outcome per file given");
    assert!(outcomes.contains(&"sent") && outcomes.contains(&"waiting_for_partner"));
}

#[test]
fn an_arrival_seen_in_the_inbox_no_longer_takes_the_window_there_at_the_next_focus() {
    let w = World::new(&[KYOTAKU, HOUMON]);
    w.enroll(&KYOTAKU);
    let app_profile = w.folder("app-profile");
    copy_folder(&w.profile(&KYOTAKU), &app_profile);
    let (app, window) = app(&app_profile, &w.folder("app-inbox"));
    invoke(&window, "unlock", json!({ "passphrase": PASSPHRASE })).unwrap();
    // A file arrived while nobody was looking.
    let state = app.state::<AppState>();
    state.open_inbox.store(true, Ordering::SeqCst);
    assert!(state.wants_inbox());

    invoke(&window, "mark_read", json!({ "ids": [] })).unwrap();

    assert!(
        !state.wants_inbox(),
        "the inbox was shown; focus keeps the screen"
    );
}

#[test]
fn a_pc_joins_from_the_set_up_screen_once_an_administrator_approves_its_code() {
    let w = World::new(&[KYOTAKU]);
    w.enroll(&KYOTAKU);
    let key = w.add_staff(&KYOTAKU, "sato", "admin", "kanri-password-1");
    w.sign_in(
        &w.profile(&KYOTAKU),
        "sato",
        "kanri-password-1",
        key.as_deref(),
    );
    let (_app, window) = app(&w.folder("new-pc"), &w.folder("new-pc-inbox"));

    let asked = invoke(
        &window,
        "ask_to_join",
        json!({ "args": {
            "relay_url": w.url, "ca_fingerprint": w.fingerprint(), "office": KYOTAKU.number,
            "password": "", "totp": null, "passphrase": PASSPHRASE, "proxy": null,
            "device_name": "受付のPC",
        }}),
    )
    .unwrap();
    let code = str_of(&asked["code"]).to_owned();
    // The administrator, on the office PC, approves the request that shows the same code.
    let approver = std::thread::spawn({
        let office_pc = w.profile(&KYOTAKU);
        let kizuna = kizuna_e2e::bin("kizuna");
        move || {
            let waiting = std::process::Command::new(&kizuna)
                .args(["devices", "waiting", "--json", "--profile"])
                .arg(&office_pc)
                .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE)
                .output()
                .unwrap();
            let waiting: Value = serde_json::from_slice(&waiting.stdout).unwrap();
            let request = waiting
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["code"] == code.as_str())
                .expect("the administrator sees the code the new PC shows");
            let approved = std::process::Command::new(&kizuna)
                .args(["devices", "approve", request["request"].as_str().unwrap()])
                .arg("--profile")
                .arg(&office_pc)
                .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE)
                .output()
                .unwrap();
            assert!(approved.status.success());
        }
    });
    let opened = invoke(&window, "await_approval", json!({})).unwrap();
    approver.join().unwrap();
    assert_eq!(opened["enrolled"], true);
    assert_eq!(opened["profile"]["office"], KYOTAKU.number);
}

#[test]
fn a_background_loop_that_fails_is_started_again_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _window) = app(&dir.path().join("profile"), &dir.path().join("inbox"));
    let heard = Arc::new(Mutex::new(Vec::<Value>::new()));
    app.listen(kizuna_desktop::ACTIVITY_EVENT, {
        let heard = heard.clone();
        move |e| {
            heard
                .lock()
                .unwrap()
                .push(serde_json::from_str(e.payload()).unwrap())
        }
    });
    let runs = Arc::new(AtomicUsize::new(0));
    kizuna_desktop::supervise(app.handle().clone(), {
        let runs = runs.clone();
        move || {
            let run = runs.fetch_add(1, Ordering::SeqCst);
            async move {
                if run < 2 {
                    panic!("loop failure {run}");
                }
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while runs.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "started again after each failure"
    );
    let health = app.state::<AppState>().health();
    assert_eq!(health.restarts, 2);
    assert!(!health.running, "the third run ended by itself");
    assert!(health.last_failure.unwrap().contains("loop failure 1"));
    let troubles = heard
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "trouble")
        .count();
    assert_eq!(troubles, 2, "the window hears of each failure");
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

const FINGERPRINT: &str = "94abe8db0c6a5a6b2a7d4c1e9f0b3a5d6c7e8f90123456789abcdef012345678";

#[test]
fn an_invitation_file_the_app_is_opened_with_fills_the_set_up_screen() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("1370000001.kizuna");
    let invite = careplan_client::protocol::Invite {
        relay_url: "https://relay.example.jp:8443".into(),
        ca_fingerprint: FINGERPRINT.into(),
        office: Some("1370000001".into()),
    };
    std::fs::write(&file, invite.to_file()).unwrap();
    let (_app, window) = app_with(Options {
        open: vec!["--hidden".into(), file.display().to_string()],
        ..options(&dir.path().join("profile"), &dir.path().join("inbox"))
    });
    let status = invoke(&window, "status", json!({})).unwrap();
    assert_eq!(
        status["invite"]["invite"]["relay_url"],
        "https://relay.example.jp:8443"
    );
    assert_eq!(status["invite"]["invite"]["ca_fingerprint"], FINGERPRINT);
    assert_eq!(status["invite"]["invite"]["office"], "1370000001");
    assert_eq!(status["invite"]["problem"], Value::Null);
}

#[test]
fn an_invitation_link_to_a_relay_without_https_is_shown_as_a_problem_not_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let link = format!("kizuna://enrol?relay=http%3A%2F%2Fevil.example&fingerprint={FINGERPRINT}");
    let (_app, window) = app_with(Options {
        open: vec![link],
        ..options(&dir.path().join("profile"), &dir.path().join("inbox"))
    });
    let status = invoke(&window, "status", json!({})).unwrap();
    assert_eq!(status["invite"]["invite"], Value::Null);
    assert_eq!(status["invite"]["problem"]["code"], "bad_invite");
    assert!(
        str_of(&status["invite"]["problem"]["message"]).contains("https://"),
        "{status}"
    );
}

#[test]
fn an_app_opened_without_an_invitation_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(Options {
        open: vec!["--hidden".into(), "C:/export/UPPLAN.csv".into()],
        ..options(&dir.path().join("profile"), &dir.path().join("inbox"))
    });
    let status = invoke(&window, "status", json!({})).unwrap();
    assert_eq!(status["invite"], Value::Null);
}

#[test]
fn the_log_file_is_written_in_the_log_folder_the_status_names() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    // The only test that installs the process-wide logger.
    let (_app, window) = app_with(Options {
        log_dir: Some(logs.clone()),
        no_logger: false,
        ..options(&dir.path().join("profile"), &dir.path().join("inbox"))
    });
    let status = invoke(&window, "status", json!({})).unwrap();
    let file = PathBuf::from(str_of(&status["log_file"]));
    assert_eq!(file, logs.join("kizuna.log"));
    assert_eq!(status["log_problem"], Value::Null);
    let written = std::fs::read_to_string(&file).expect("the log file");
    assert!(written.contains("Kizuna 0.1.0 started"), "{written}");
}

#[test]
fn an_app_that_cannot_write_its_log_still_starts_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the log folder should be.
    let not_a_folder = dir.path().join("logs");
    std::fs::write(&not_a_folder, "").unwrap();
    let (_app, window) = app_with(Options {
        log_dir: Some(not_a_folder),
        no_logger: false,
        ..options(&dir.path().join("profile"), &dir.path().join("inbox"))
    });
    let status = invoke(&window, "status", json!({})).unwrap();
    assert!(
        str_of(&status["log_problem"]).contains("送受信はいつも通り"),
        "{status}"
    );
}

/// An update server over TLS: a manifest announcing `announced` and a package signed for
/// `signed_for` with `key` (as `tauri signer sign` does).
struct UpdateServer {
    url: String,
    ca_pem: String,
    pubkey: String,
}

impl UpdateServer {
    fn start(
        announced: &str,
        signed_for: &str,
        signing: &minisign::KeyPair,
        trusted: &minisign::KeyPair,
    ) -> UpdateServer {
        use base64::Engine;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
        let package = b"the new Kizuna, packaged".to_vec();
        let comment = format!("timestamp:1764900000\tfile:kizuna.tar.gz\tversion:{signed_for}");
        let signature = minisign::sign(None, &signing.sk, &package[..], Some(&comment), None)
            .unwrap()
            .to_string();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let config = rustls_config(leaf.der().to_vec(), leaf_key.serialize_der());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let manifest = json!({
            "version": announced,
            "notes": "受信箱の表示を改善しました。",
            "pub_date": "2026-12-01T00:00:00Z",
            "platforms": Value::Object(
                ["linux-x86_64", "linux-aarch64", "darwin-x86_64", "darwin-aarch64", "windows-x86_64"]
                    .iter()
                    .map(|t| (t.to_string(), json!({ "url": format!("{url}/package"), "signature": b64(signature.clone()) })))
                    .collect()
            ),
        })
        .to_string();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    let acceptor = acceptor.clone();
                    let (manifest, package) = (manifest.clone(), package.clone());
                    tokio::spawn(async move {
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let mut request = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => request.extend_from_slice(&buf[..n]),
                            }
                        }
                        let body = if request.starts_with(b"GET /package") {
                            package
                        } else {
                            manifest.into_bytes()
                        };
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = tls.write_all(head.as_bytes()).await;
                        let _ = tls.write_all(&body).await;
                        let _ = tls.shutdown().await;
                    });
                }
            });
        });
        UpdateServer {
            url: format!("{url}/manifest.json"),
            ca_pem: ca.pem(),
            pubkey: b64(trusted.pk.to_box().unwrap().to_string()),
        }
    }

    /// The shell's update settings for this server (its CA written to `dir`).
    fn source(&self, dir: &Path) -> kizuna_desktop::UpdateSource {
        let _ = dir;
        kizuna_desktop::UpdateSource {
            url: self.url.parse().unwrap(),
            pubkey: self.pubkey.clone(),
            ca_pem: Some(self.ca_pem.clone()),
        }
    }
}

fn rustls_config(cert: Vec<u8>, key: Vec<u8>) -> Arc<tokio_rustls::rustls::ServerConfig> {
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    Arc::new(
        tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert)],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )
            .unwrap(),
    )
}

fn updating_app(
    server: &UpdateServer,
    dir: &Path,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with(Options {
        update: Some(server.source(dir)),
        ..options(&dir.join("profile"), &dir.join("inbox"))
    })
}

#[test]
fn without_an_update_source_the_app_never_looks_for_updates() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(&dir.path().join("profile"), &dir.path().join("inbox"));
    let view = invoke(&window, "check_update", json!({})).unwrap();
    assert_eq!(view["enabled"], false);
    assert_eq!(view["available"], Value::Null);
    assert_eq!(
        invoke(&window, "download_update", json!({})).unwrap(),
        Value::Null
    );
}

#[test]
fn a_newer_signed_version_is_found_downloaded_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let key = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let server = UpdateServer::start("9.9.9", "9.9.9", &key, &key);
    let (_app, window) = updating_app(&server, dir.path());
    let view = invoke(&window, "check_update", json!({})).unwrap();
    assert_eq!(view["enabled"], true, "{view}");
    assert_eq!(view["current"], "0.1.0");
    assert_eq!(view["available"], "9.9.9");
    assert_eq!(view["notes"], "受信箱の表示を改善しました。");
    let downloaded = invoke(&window, "download_update", json!({}));
    assert_eq!(downloaded, Ok(json!("9.9.9")));
}

#[test]
fn a_package_signed_with_another_key_is_refused_and_nothing_is_kept_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let ours = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let attacker = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let server = UpdateServer::start("9.9.9", "9.9.9", &attacker, &ours);
    let (_app, window) = updating_app(&server, dir.path());
    let refused = invoke(&window, "download_update", json!({})).unwrap_err();
    assert_eq!(refused["code"], "update_unsigned", "{refused}");
    assert!(str_of(&refused["message"]).contains("署名"), "{refused}");
    assert_eq!(
        invoke(&window, "install_update", json!({})),
        Ok(json!(false))
    );
}

#[test]
fn an_old_release_announced_as_a_new_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    // A genuine, validly signed old package replayed under a newer version number.
    let server = UpdateServer::start("9.9.9", "0.0.9", &key, &key);
    let (_app, window) = updating_app(&server, dir.path());
    let refused = invoke(&window, "download_update", json!({})).unwrap_err();
    assert_eq!(refused["code"], "update_unsigned", "{refused}");
}

#[test]
fn an_office_that_turns_update_checks_off_is_not_told_of_new_versions() {
    let dir = tempfile::tempdir().unwrap();
    let key = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let server = UpdateServer::start("9.9.9", "9.9.9", &key, &key);
    let (_app, window) = updating_app(&server, dir.path());
    let mut settings = invoke(&window, "status", json!({})).unwrap()["settings"].clone();
    settings["check_updates"] = json!(false);
    invoke(&window, "save_settings", json!({ "settings": settings })).unwrap();
    let view = invoke(&window, "check_update", json!({})).unwrap();
    assert_eq!(view["enabled"], false);
    assert_eq!(view["available"], Value::Null);
}

#[test]
fn the_window_size_and_place_are_kept_in_the_profile_they_belong_to() {
    use tauri_plugin_window_state::{AppHandleExt, StateFlags};
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let (app, _window) = app(&profile, &dir.path().join("inbox"));
    app.handle().save_window_state(StateFlags::all()).unwrap();
    let saved: Value =
        serde_json::from_slice(&std::fs::read(profile.join("window-state.json")).unwrap()).unwrap();
    assert!(saved.get("main").is_some(), "{saved}");
}

/// The events of kind `kind` the window heard so far.
fn heard_of(heard: &Mutex<Vec<Value>>, kind: &str) -> Vec<Value> {
    heard
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

/// 居宅 and 訪問 enrolled, 居宅's files for 訪問 from the sample, and the app over a copy of
/// 居宅's profile, unlocked, watching an export folder: what its window hears is kept.
struct Watching {
    // Dropped in this order: the app before the relay of its world.
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    heard: Arc<Mutex<Vec<Value>>>,
    files: Vec<PathBuf>,
    export: PathBuf,
    w: World,
}

impl Watching {
    /// The export folder watched in `mode` ("confirm" or "auto").
    fn new(mode: &str) -> Watching {
        let w = World::new(&[KYOTAKU, HOUMON]);
        w.enroll(&KYOTAKU);
        w.enroll(&HOUMON);
        let sample = w.sample(&[HOUMON]);
        let files = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
        let export = w.folder("export");
        let app_profile = w.folder("app-profile");
        copy_folder(&w.profile(&KYOTAKU), &app_profile);
        let (app, window) = app(&app_profile, &w.folder("app-inbox"));
        let heard = Arc::new(Mutex::new(Vec::<Value>::new()));
        app.listen(kizuna_desktop::ACTIVITY_EVENT, {
            let heard = heard.clone();
            move |e| {
                heard
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str(e.payload()).unwrap())
            }
        });
        let status = invoke(&window, "unlock", json!({ "passphrase": PASSPHRASE })).unwrap();
        let mut settings = status["settings"].clone();
        settings["watch_dir"] = json!(export);
        settings["watch_mode"] = json!(mode);
        invoke(&window, "save_settings", json!({ "settings": settings })).unwrap();
        Watching {
            _app: app,
            window,
            heard,
            files,
            export,
            w,
        }
    }

    /// The files sent, as the history lists them.
    fn sent(&self) -> Vec<Value> {
        invoke(
            &self.window,
            "history",
            json!({ "filter": { "direction": "sent" } }),
        )
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
    }
}

/// Writes `files` into `export` one by one, a pause between them, as a slow care program does.
fn export_slowly(files: &[PathBuf], export: &Path) {
    for f in files {
        std::fs::copy(f, export.join(f.file_name().unwrap())).unwrap();
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// How many units `files` make (files sharing sender, recipient and serial).
fn units_in(files: &[PathBuf]) -> usize {
    let units: std::collections::BTreeSet<String> = files
        .iter()
        .map(|f| {
            careplan_csv::FileName::parse(&f.file_name().unwrap().to_string_lossy())
                .unwrap()
                .middle()
        })
        .collect();
    units.len()
}

/// Waits up to a minute for `n` folder events, then a little more for any extra one.
fn wait_for_folder_events(heard: &Mutex<Vec<Value>>, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while heard_of(heard, "folder").len() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    // Past the quiet time again: a unit answered twice would show by now.
    std::thread::sleep(Duration::from_secs(7));
    heard_of(heard, "folder")
}

#[test]
fn a_unit_exported_file_by_file_is_offered_once_with_one_notification_and_not_sent() {
    let t = Watching::new("confirm");
    let files = &t.files;

    export_slowly(files, &t.export);
    let told = wait_for_folder_events(&t.heard, units_in(files));

    assert_eq!(
        told.len(),
        units_in(files),
        "one notification per unit: {told:?}"
    );
    assert!(told.iter().all(|e| e["waiting"] == true));
    let waiting = invoke(&t.window, "waiting_units", json!({})).unwrap();
    let offered: usize = waiting
        .as_array()
        .unwrap()
        .iter()
        .inspect(|u| assert_eq!(u["ready"], true, "{u}"))
        .map(|u| u["files"].as_array().unwrap().len())
        .sum();
    assert_eq!(offered, files.len());
    assert_eq!(
        t.sent(),
        [] as [Value; 0],
        "nothing sent before a person says so"
    );
}

#[test]
fn a_unit_a_person_sends_from_the_export_folder_moves_to_the_sent_folder_and_stops_waiting() {
    let t = Watching::new("confirm");
    let (files, export, window) = (&t.files, &t.export, &t.window);
    for f in files {
        std::fs::copy(f, export.join(f.file_name().unwrap())).unwrap();
    }
    wait_for_folder_events(&t.heard, units_in(files));

    let waiting = invoke(window, "waiting_units", json!({})).unwrap();
    let paths: Vec<Value> = waiting
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["files"].as_array().unwrap().clone())
        .collect();
    invoke(window, "send", json!({ "files": paths, "again": false })).unwrap();

    let left = invoke(window, "waiting_units", json!({})).unwrap();
    assert_eq!(left, json!([]));
    for f in files {
        let name = f.file_name().unwrap();
        assert!(!export.join(name).exists(), "{name:?} moved away");
        assert!(
            export.join("送信済み").join(name).exists(),
            "{name:?} in 送信済み"
        );
    }
    // The history follows the files: what was sent still opens as forms.
    for entry in t.sent() {
        let opened = invoke(
            window,
            "open_history_forms",
            json!({ "direction": "sent", "id": entry["id"] }),
        )
        .unwrap();
        let files = opened["opened"]["files"].as_array().unwrap();
        assert!(
            files.iter().all(|f| f["problem"].is_null()),
            "{}: {files:?}",
            entry["file_name"]
        );
    }
}

#[test]
fn in_automatic_mode_a_unit_exported_file_by_file_is_sent_exactly_once() {
    let t = Watching::new("auto");
    let files = &t.files;

    export_slowly(files, &t.export);
    let told = wait_for_folder_events(&t.heard, units_in(files));

    assert_eq!(told.len(), units_in(files), "{told:?}");
    assert!(told.iter().all(|e| e["waiting"] == false));
    let sent = t.sent();
    let mut names: Vec<&str> = sent
        .iter()
        .map(|e| e["file_name"].as_str().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected, "each file sent once");
    // The partner receives each file once.
    let out = t.w.kizuna(&HOUMON, &["receive", "--keep", "--json"]);
    let received: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        received.as_array().unwrap().len(),
        files.len(),
        "{}",
        text(&out)
    );
}

#[test]
fn a_file_too_large_to_send_in_the_export_folder_is_told_and_never_offered() {
    let t = Watching::new("confirm");
    let schedule: Vec<&PathBuf> = t
        .files
        .iter()
        .filter(|f| {
            let n = f.file_name().unwrap().to_string_lossy();
            n.starts_with("UPPLAN_") || n.starts_with("UPSIKYU_") || n.starts_with("UPHOSOKU_2")
        })
        .collect();
    assert_eq!(schedule.len(), 3);
    for f in &schedule {
        std::fs::copy(f, t.export.join(f.file_name().unwrap())).unwrap();
    }
    // The 予定 grown past what the relay takes (the care software went wrong, or someone did).
    let big = t.export.join(schedule[0].file_name().unwrap());
    std::fs::OpenOptions::new()
        .append(true)
        .open(&big)
        .unwrap()
        .set_len(21 * 1024 * 1024)
        .unwrap();

    let told = wait_for_folder_events(&t.heard, 1);

    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["waiting"], false);
    assert!(
        told[0]["message"].as_str().unwrap().contains("MB"),
        "{}",
        told[0]
    );
    assert_eq!(
        invoke(&t.window, "waiting_units", json!({})).unwrap(),
        json!([])
    );
    assert_eq!(t.sent(), [] as [Value; 0]);
}
