//! The cost-effect report as one A4 page: the year's projection, every month, the unit costs
//! and their sources are text in it, and it renders.

use std::path::Path;
use std::process::Command;

use careplan_cost::{Exchanged, UnitCosts, Way, report};
use careplan_csv::FileKind;
use careplan_print::{PdfFont, Printed, cost_pdf};

/// Three months of a 居宅 sending a schedule of 10 users to each of 25 partners at the start
/// of the month and receiving their 実績 at its end.
fn three_months() -> Vec<Exchanged> {
    let mut rows = Vec::new();
    for (month, first_day) in [20_788u64, 20_819, 20_850].into_iter().enumerate() {
        for p in 0..25 {
            for (day, way, kind) in [
                (first_day, Way::Sent, FileKind::UpPlan),
                (first_day, Way::Sent, FileKind::UpSikyu),
                (first_day + 27, Way::Received, FileKind::UpJsk),
            ] {
                rows.push(Exchanged {
                    day,
                    way,
                    partner: format!("13200000{p:02}"),
                    partner_name: Some(format!("訪問介護{p}")),
                    kind,
                    unit: format!("{month}-{p}-{way:?}"),
                    users: 10,
                });
            }
        }
    }
    rows
}

fn text_of(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn the_report_is_one_page_with_the_year_every_month_and_the_sources() {
    let r = report(&three_months(), &UnitCosts::default(), None);
    let font = PdfFont::find().expect("a Japanese font (scripts/test installs fonts-noto-cjk)");
    let printed = Printed {
        office: "居宅介護支援事業所さくら".into(),
        on: "令和8年12月6日".into(),
    };
    let bytes = cost_pdf(&r, &printed, &font).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cost-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("cost.pdf");
    std::fs::write(&pdf, &bytes).unwrap();

    let text = text_of(&pdf);
    assert!(text.contains("1年間の削減額の見込み"), "{text}");
    for m in ["2026年12月", "2027年1月", "2027年2月", "2027年11月"] {
        assert!(text.contains(m), "{m} in {text}");
    }
    assert!(text.contains("日本郵便"));
    assert!(text.contains("1/1"), "one page: {text}");
    let out = Command::new("pdftoppm")
        .args(["-r", "60", "-png"])
        .arg(&pdf)
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(out.status.success(), "{out:?}");
}
