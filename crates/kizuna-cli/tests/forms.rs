//! `kizuna compare` and `kizuna pdf` on the sample exchange: exactly the four deliberate
//! differences per office, as JSON and as CSV, the exit code saying whether there were any; and a
//! PDF per user that names them.

use std::path::Path;
use std::process::Command;

mod common;

use common::kizuna;

fn sample(dir: &Path) {
    let out = kizuna(&[
        "sample",
        "--out",
        dir.to_str().unwrap(),
        "--month",
        "202612",
        "--by-office",
    ]);
    assert!(out.status.success(), "{out:?}");
}

fn checks(json: &serde_json::Value) -> Vec<String> {
    let mut found: Vec<String> = json[0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["differences"].as_array().unwrap().clone())
        .map(|d| d["check"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

#[test]
fn compare_json_reports_exactly_the_sample_s_four_differences() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let plan = dir.path().join("1310000001-さくら");
    for office in ["1320000001-ひまわり", "1320000002-けやき"] {
        let out = kizuna(&[
            "compare",
            plan.to_str().unwrap(),
            dir.path().join(office).to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(1), "differences exit with 1");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 1);
        assert_eq!(
            checks(&json),
            [
                "count_changed",
                "delivered_not_planned",
                "planned_not_delivered",
                "time_changed"
            ],
            "{office}"
        );
    }
}

#[test]
fn compare_exits_0_when_the_jisseki_is_the_plan_and_writes_the_csv_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let csv = dir.path().join("csv");
    let out = kizuna(&[
        "compare",
        dir.path().join("1310000001-さくら").to_str().unwrap(),
        dir.path().join("1320000003-あおば").to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("差異 0件"), "{text}");
    let written = std::fs::read(csv.join("予実突合_202612_1320000003.csv")).unwrap();
    assert!(written.starts_with(&encoding_rs::SHIFT_JIS.encode("利用者氏名").0));
}

#[test]
fn compare_without_any_jisseki_says_so_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let plan = dir.path().join("1310000001-さくら");
    let out = kizuna(&["compare", plan.to_str().unwrap(), plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("実績（UPJSK）のファイルがありません"));
}

#[test]
fn pdf_prints_each_user_of_a_unit_to_a_file_whose_text_names_them() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let out = dir.path().join("pdf");
    let run = kizuna(&[
        "pdf",
        dir.path().join("1310000001-さくら").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--office",
        "居宅介護支援事業所さくら",
    ]);
    assert!(run.status.success(), "{run:?}");
    let written: Vec<String> = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(written.len(), 5, "one PDF per user: {written:?}");
    for path in &written {
        let text = Command::new("pdftotext")
            .args([path, "-"])
            .output()
            .unwrap();
        let text: String = String::from_utf8(text.stdout)
            .unwrap()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let name = Path::new(path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .split_once('_')
            .unwrap()
            .1
            .to_owned();
        assert!(text.contains(&name), "{path} names {name}");
        assert!(
            text.contains("居宅介護支援事業所さくら"),
            "the printing office is on the page"
        );
    }
}
