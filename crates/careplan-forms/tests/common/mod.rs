//! Files for the tests: 第6表 lines built one by one, the sample exchange, golden files.
#![allow(dead_code)]

use careplan_csv::record::{Record, write};
use careplan_csv::sample::{SampleOptions, exchange};
use careplan_csv::values::YearMonth;
use careplan_csv::{FileKind, FileName};
use careplan_forms::Bundle;

pub const KYOTAKU: &str = "1310000001";
pub const OFFICE: &str = "1320000001";
pub const INSURER: &str = "131210";
pub const INSURED: &str = "0001000100";

/// A 第6表 line of 身体介護２ (387 units, 9:30–10:30) on a day of 2026-12.
#[derive(Clone)]
pub struct Line {
    day: u8,
    start: &'static str,
    end: &'static str,
    count: u32,
    units: u32,
    office: &'static str,
    insured: &'static str,
}

impl Line {
    pub fn on(day: u8) -> Line {
        Line {
            day,
            start: "0930",
            end: "1030",
            count: 1,
            units: 387,
            office: OFFICE,
            insured: INSURED,
        }
    }
    pub fn at(self, start: &'static str, end: &'static str) -> Line {
        Line { start, end, ..self }
    }
    pub fn count(self, count: u32) -> Line {
        Line { count, ..self }
    }
    pub fn units(self, units: u32) -> Line {
        Line { units, ..self }
    }
    pub fn office(self, office: &'static str) -> Line {
        Line { office, ..self }
    }
    pub fn user(self, insured: &'static str) -> Line {
        Line { insured, ..self }
    }

    fn record(&self, kind: FileKind) -> Record {
        let mut r = Record::new(kind);
        r.set(1, "202407").set(2, INSURER).set(3, self.insured);
        r.set(4, "20261120")
            .set(5, "202612")
            .set(6, KYOTAKU)
            .set(7, "山本　由美");
        r.set(8, self.units.to_string())
            .set(10, format!("202612{:02}", self.day))
            .set(12, self.start)
            .set(13, self.end)
            .set(14, self.count.to_string())
            .set(15, "111211")
            .set(20, self.office)
            .set(21, "ひまわり訪問介護ステーション")
            .set(23, "0");
        r
    }
}

/// A file of `kind` holding `lines`, named as the standard names it, with `serial`.
pub fn file_named(kind: FileKind, serial: &str, lines: &[Line]) -> (String, Vec<u8>) {
    let (from, to) = if kind == FileKind::UpJsk {
        (format!("{OFFICE}_11"), format!("{KYOTAKU}_43"))
    } else {
        (format!("{KYOTAKU}_43"), format!("{OFFICE}_11"))
    };
    let name = format!("{}_202612_{from}_{to}_{serial}.CSV", kind.prefix());
    FileName::parse(&name).expect("a standard name");
    let records: Vec<Record> = lines.iter().map(|l| l.record(kind)).collect();
    (name, write(&records).bytes)
}

/// [`file_named`] with the sample's serials.
pub fn files(kind: FileKind, lines: &[Line]) -> Vec<(String, Vec<u8>)> {
    let serial = if kind == FileKind::UpJsk {
        "20270103170000"
    } else {
        "20261125093100"
    };
    vec![file_named(kind, serial, lines)]
}

pub fn bundle(kind: FileKind, lines: &[Line]) -> Bundle {
    Bundle::new(files(kind, lines))
}

/// 利用者補足情報 of the month for the test user with a 区分支給限度基準額.
pub fn hosoku(limit: u32) -> (String, Vec<u8>) {
    let mut r = Record::new(FileKind::UpHosoku);
    r.set(1, "202407")
        .set(2, INSURER)
        .set(3, INSURED)
        .set(4, "00000000");
    r.set(6, "佐藤　花子")
        .set(19, limit.to_string())
        .set(63, "202612");
    (
        format!("UPHOSOKU_202612_{KYOTAKU}_43_{OFFICE}_11_20261125093100.CSV"),
        write(&[r]).bytes,
    )
}

/// `kizuna sample`'s exchange for 2026-12 (5 users; 訪問介護, 通所介護, 福祉用具貸与): the 居宅's
/// files and the offices' 実績, as two bundles.
pub fn sample() -> (Bundle, Bundle) {
    let opts = SampleOptions::three_partners(YearMonth::parse("202612").unwrap(), 5);
    let files = exchange(&opts).unwrap();
    let (jisseki, plan): (Vec<_>, Vec<_>) = files
        .into_iter()
        .map(|f| (f.name.to_string(), f.bytes))
        .partition(|(n, _)| n.starts_with("UPJSK_"));
    (Bundle::new(plan), Bundle::new(jisseki))
}

/// Compares `actual` with `tests/golden/NAME`; `KIZUNA_BLESS=1` writes it instead.
pub fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("KIZUNA_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{actual}\n")).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with KIZUNA_BLESS=1", path.display()));
    assert!(
        expected.trim_end() == actual.trim_end(),
        "{name} differs from its golden file; look at the difference and rerun with KIZUNA_BLESS=1 if it is right"
    );
}
