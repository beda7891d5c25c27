//! The committed fixtures (`tests/fixtures/valid/`: one valid file of every kind, in complete
//! units) are exactly what the generator writes, and validate without a finding. Other vendors
//! can import them as a reference. Run with `KIZUNA_BLESS=1` to rewrite them after a deliberate
//! change of the generator (with `-- --test-threads=1`, as blessing rewrites the folder).

use std::path::PathBuf;

use careplan_csv::sample::every_kind;
use careplan_csv::values::YearMonth;
use careplan_csv::{FileKind, Input, Mode, validate};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid")
}

#[test]
fn committed_fixtures_are_what_the_generator_writes() {
    let files = every_kind(YearMonth::parse("202506").unwrap());
    if std::env::var_os("KIZUNA_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(dir());
        std::fs::create_dir_all(dir()).unwrap();
        for f in &files {
            std::fs::write(dir().join(f.name.to_string()), &f.bytes).unwrap();
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(dir())
        .expect("fixtures folder (bless with KIZUNA_BLESS=1)")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut generated: Vec<String> = files.iter().map(|f| f.name.to_string()).collect();
    generated.sort();
    assert_eq!(on_disk, generated);
    for f in &files {
        let committed = std::fs::read(dir().join(f.name.to_string())).unwrap();
        assert!(
            committed == f.bytes,
            "{} differs from the generator; bless deliberately",
            f.name
        );
    }
}

#[test]
fn committed_fixtures_cover_every_kind_and_validate_clean() {
    let paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let reports = validate(paths.iter().map(Input::path), Mode::Send);
    let mut kinds: Vec<FileKind> = reports.iter().filter_map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    let mut all = FileKind::ALL.to_vec();
    all.sort();
    assert_eq!(kinds, all);
    for r in &reports {
        assert!(r.findings.is_empty(), "{}: {:?}", r.name, r.findings);
    }
}

#[test]
fn the_embedded_spec_is_the_shared_spec() {
    // In a checkout with `shared/` beside it, the copy built into the crate must not drift.
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/careplan-v41.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        assert!(
            text == careplan_csv::spec::SPEC_JSON,
            "crates/careplan-csv/spec/careplan-v41.json differs from {}",
            shared.display()
        );
    }
}
