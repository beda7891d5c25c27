//! The `kizuna` binary as users and scripts call it.

use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::kizuna;

fn sample(dir: &Path) {
    let out = kizuna(&[
        "sample",
        "--out",
        dir.to_str().unwrap(),
        "--month",
        "202601",
        "--users",
        "4",
        "--service",
        "1320000001:11,1320000002:17",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The file in `dir` whose name starts with `prefix`.
fn file_starting(dir: &Path, prefix: &str) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap()
}

#[test]
fn validate_calls_everything_sample_writes_valid() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let written = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(written, 16);
    let out = kizuna(&["validate", dir.path().to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("16 ファイルすべて、標準仕様に沿っています。"),
        "{text}"
    );
}

#[test]
fn sample_uses_defaults_when_given_only_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = kizuna(&[
        "sample",
        "--out",
        dir.path().to_str().unwrap(),
        "--month",
        "202512",
    ]);
    assert!(out.status.success());
    assert_eq!(
        kizuna(&["validate", dir.path().to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn json_report_has_exactly_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let plan = file_starting(dir.path(), "UPPLAN_");
    // Break one date (editing bytes: the file is MS932); validate the file alone, so its unit
    // is also incomplete.
    let mut bytes = std::fs::read(&plan).unwrap();
    let at = bytes
        .windows(10)
        .position(|w| w == b",20260105,")
        .expect("a Monday visit on the 5th");
    bytes[at + 7..at + 9].copy_from_slice(b"32");
    std::fs::write(&plan, &bytes).unwrap();
    let out = kizuna(&["validate", "--json", "--lang", "en", plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.keys().collect::<Vec<_>>(), ["files"]);
    let file = &v["files"][0];
    let mut keys: Vec<&String> = file.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["findings", "kind", "path", "valid"]);
    assert_eq!(file["kind"], "UPPLAN");
    assert_eq!(file["valid"], false);
    let findings = file["findings"].as_array().unwrap();
    let date = findings.iter().find(|f| f["code"] == "COL-FORMAT").unwrap();
    let mut fkeys: Vec<&String> = date.as_object().unwrap().keys().collect();
    fkeys.sort();
    assert_eq!(
        fkeys,
        [
            "code",
            "column",
            "column_name",
            "line",
            "message",
            "severity"
        ]
    );
    assert_eq!(date["severity"], "error");
    assert_eq!(date["column"], 10);
    assert_eq!(date["column_name"], "サービス利用日");
    assert!(date["line"].as_u64().unwrap() >= 1);
    assert!(date["message"].as_str().unwrap().contains("20260132"));
    let unit = findings.iter().find(|f| f["code"] == "R42").unwrap();
    assert!(unit["line"].is_null() && unit["column"].is_null() && unit["column_name"].is_null());
}

#[test]
fn a_missing_path_is_exit_2() {
    let out = kizuna(&["validate", "/nonexistent/UPPLAN_x.CSV"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("開けません"));
}

#[test]
fn usage_errors_are_exit_2() {
    assert_eq!(kizuna(&["validate"]).status.code(), Some(2));
    assert_eq!(
        kizuna(&["validate", "--lang", "fr", "x"]).status.code(),
        Some(2)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = kizuna(&[
        "sample",
        "--out",
        dir.path().to_str().unwrap(),
        "--service",
        "1320000001:33",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn text_report_names_file_line_item_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("UPPLAN_202601_1310000001_43_1320000001_11_20251225093100.CSV");
    std::fs::write(&path, "202407,131210,0001000100,20251220,202601,1310000001,\"山本\",387,,20260105,,0930,1030,1,111211,,,\"\",,1320000001,\"ひまわり\",,0,1310000001,\r\n").unwrap();
    let out = kizuna(&["validate", path.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("UTF-8 で保存されています"), "{text}");
    assert!(
        text.contains("第7表（サービス利用票別表）（UPSIKYU）がありません"),
        "{text}"
    );
    assert!(
        text.contains("エラーを直してから送信してください"),
        "{text}"
    );
}

#[test]
fn receiving_mode_turns_incomplete_units_into_warnings() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let plan = file_starting(dir.path(), "UPPLAN_");
    assert_eq!(
        kizuna(&["validate", plan.to_str().unwrap()]).status.code(),
        Some(1)
    );
    assert_eq!(
        kizuna(&["validate", "--receiving", plan.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
}

/// Runs `kizuna` with a deadline: a validator that hangs on its input fails the test.
#[cfg(unix)]
fn kizuna_within(args: &[&str], seconds: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kizuna"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > until {
            let _ = child.kill();
            panic!("kizuna {args:?} still runs after {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn validate_refuses_a_symlink_to_a_device_and_a_fifo_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir
        .path()
        .join("UPPLAN_202601_1310000001_43_1320000001_11_20251225093100.CSV");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = dir
        .path()
        .join("UP1KYO_1310000001_43_1320000001_11_20251225093000.CSV");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for path in [&zero, &fifo] {
        let out = kizuna_within(&["validate", path.to_str().unwrap()], 10);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains("通常のファイルではありません"), "{text}");
    }
}
