//! Properties over arbitrary input: round trips hold and nothing panics.

use careplan_csv::record::{self, Record};
use careplan_csv::{FileKind, FileName, Input, Mode, validate_one};
use proptest::prelude::*;

// Characters a care record may hold, all MS932-clean: ASCII, kana, kanji incl. IBM/NEC
// extensions, full-width symbols, and the characters that quoting must protect.
fn ms932_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "Z",
        "0",
        "9",
        " ",
        ",",
        "\"",
        "\r\n",
        "\n",
        "-",
        "ｱ",
        "ﾞ",
        "あ",
        "ア",
        "髙",
        "﨑",
        "①",
        "㈱",
        "～",
        "－",
        "￥",
        "　",
        "介護",
        "利用者",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

fn csv_kind() -> impl Strategy<Value = FileKind> {
    prop::sample::select(
        FileKind::ALL
            .iter()
            .copied()
            .filter(|k| !k.is_image())
            .collect::<Vec<_>>(),
    )
}

fn records() -> impl Strategy<Value = (FileKind, Vec<Record>)> {
    csv_kind().prop_flat_map(|kind| {
        let n = kind.column_count();
        prop::collection::vec(prop::collection::vec(ms932_text(), n..=n), 1..5).prop_map(
            move |rows| {
                // A record whose every item is empty is written as a line of commas; keep item 1
                // filled so no record is mistaken for an empty line.
                let rs = rows
                    .into_iter()
                    .map(|mut v| {
                        v[0] = "202407".into();
                        Record::from_values(kind, v).unwrap()
                    })
                    .collect();
                (kind, rs)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_of_write_is_identity((kind, rs) in records()) {
        let written = record::write(&rs);
        prop_assert!(written.conversions.is_empty());
        let back = record::parse(kind, &written.bytes[..]).unwrap();
        prop_assert_eq!(back, rs);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_validator(bytes in prop::collection::vec(any::<u8>(), 0..2048), kind in csv_kind()) {
        let name = format!("{}_{}1310000001_43_1320000001_11_20250525093000.CSV", kind.prefix(), if kind.has_month_in_name() { "202506_" } else { "" });
        let report = validate_one(Input::bytes(name, bytes.clone()), Mode::Receive);
        for f in &report.findings {
            let _ = f.message(careplan_csv::Lang::Ja);
            let _ = f.message(careplan_csv::Lang::En);
        }
        let _ = record::parse(kind, &bytes[..]);
    }

    #[test]
    fn csv_like_noise_never_panics_the_validator(lines in prop::collection::vec(prop::collection::vec(prop::sample::select(vec!["202407", "", "\"", "\"a,b\"", "x\"y", "20250631", "171001", "999999", "15AAAA", "9999", "H12345678", "\r", "あ", "\u{80}"]), 0..80), 0..20)) {
        let text: Vec<String> = lines.iter().map(|l| l.join(",")).collect();
        let mut bytes = Vec::new();
        careplan_csv::encoding::encode(&text.join("\r\n"), &mut bytes);
        for kind in [FileKind::UpPlan, FileKind::UpSikyu, FileKind::UpHosoku, FileKind::Up2Kyo] {
            let name = format!("{}_{}1310000001_43_1320000001_11_20250525093000.CSV", kind.prefix(), if kind.has_month_in_name() { "202506_" } else { "" });
            let _ = validate_one(Input::bytes(name, bytes.clone()), Mode::Send);
        }
    }

    #[test]
    fn arbitrary_names_never_panic_and_valid_names_print_back(name in "[A-Z0-9_.]{0,80}") {
        if let Ok(n) = FileName::parse(&name) {
            prop_assert_eq!(n.to_string().to_ascii_uppercase(), name.to_ascii_uppercase().replace(".JPEG", ".JPG"));
        }
    }
}
