//! Any bytes, under any file type, through the validator, the strict parser and the name parser:
//! nothing may panic. Run: `cargo fuzz run validate` (see docs/benchmarks.md for how it was run).
#![no_main]

use careplan_csv::{FileKind, FileName, Input, Mode, record, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, content)) = data.split_first() else {
        return;
    };
    let kind = FileKind::ALL[usize::from(selector) % FileKind::ALL.len()];
    let month = if kind.has_month_in_name() {
        "202506_"
    } else {
        ""
    };
    let tail = if kind.is_image() { "_0001.jpg" } else { ".CSV" };
    let name = format!(
        "{}_{month}1310000001_43_1320000001_11_20250525093000{tail}",
        kind.prefix()
    );
    let mode = if selector & 0x80 == 0 {
        Mode::Send
    } else {
        Mode::Receive
    };
    // The same bytes also stand in for a companion file, so the unit rules run on garbage too.
    let companion = format!("UPPLAN_202506_1310000001_43_1320000001_11_20250525093000.CSV");
    let reports = validate(
        [
            Input::bytes(name, content.to_vec()),
            Input::bytes(companion, content.to_vec()),
        ],
        mode,
    );
    for r in &reports {
        for f in &r.findings {
            let _ = f.message(careplan_csv::Lang::Ja);
        }
    }
    if !kind.is_image() {
        let _ = record::parse(kind, content);
    }
    if let Ok(text) = std::str::from_utf8(content) {
        let _ = FileName::parse(text);
    }
});
