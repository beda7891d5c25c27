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

/// The shell on the mock runtime over `profile`, with its window.
fn app(profile: &Path, receive_dir: &Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    careplan_client::tls::install_crypto_provider();
    let options = Options {
        profile: Some(profile.to_owned()),
        receive_dir: Some(receive_dir.to_owned()),
        hidden: false,
        no_tray: true,
    };
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
