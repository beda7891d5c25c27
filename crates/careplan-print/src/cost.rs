//! The cost-effect simulator's report on one A4 page, for the office's management: the year's
//! saving, a chart of the months (recorded and projected), the months' counts and the unit
//! costs with their sources.

use careplan_cost::{CostReport, MonthCost};
use careplan_forms::display::thousands as yen;

use crate::layout::{Align, Cell, Col, Heading, Pages, Row, Table};
use crate::page::MARGIN;
use crate::{PdfFont, PrintError, Printed};

fn month_label(m: &MonthCost) -> String {
    let (y, mm) = m.month.split_at(4.min(m.month.len()));
    format!("{y}年{}月", mm.trim_start_matches('0'))
}

/// The report as a one-page PDF (a long history runs onto more pages).
pub fn cost_pdf(
    report: &CostReport,
    printed: &Printed,
    font: &PdfFont,
) -> Result<Vec<u8>, PrintError> {
    let mut pages = Pages::new(font);
    let span = match (report.months.first(), report.months.last()) {
        (Some(a), Some(b)) if a.month != b.month => {
            format!("{}〜{}", month_label(a), month_label(b))
        }
        (Some(a), _) => month_label(a),
        _ => "送受信の記録なし".to_owned(),
    };
    pages.form(
        Heading {
            title: "ケアプランデータ連携の費用対効果".to_owned(),
            user: format!("{}　{span}の送受信から", printed.office),
            source: "紙でやり取りした場合の印刷・郵送・FAX・持参と職員の時間を、実際に送受信した計画・予定・実績の数から計算しています。単価と出典は下の表のとおりで、事業所に合わせて変えられます。".to_owned(),
        },
        false,
    );
    pages.paragraph(
        &format!(
            "1年間の削減額の見込み：{} 円（人件費を除くと {} 円）",
            yen(report.year_total_yen),
            yen(report.year_without_staff_yen)
        ),
        12.0,
    );
    chart(&mut pages, report);
    pages.table(&months_table(report));
    pages.y += 8.0;
    pages.table(&costs_table(report));
    let pages = pages.finish();
    let footer = format!("印刷 {}　{}　Kizuna", printed.on, printed.office);
    crate::page::write(
        &pages,
        font,
        &crate::page::Footer { left: &footer },
        "ケアプランデータ連携の費用対効果",
    )
}

/// The twelve months the year's figure is of: the last recorded, then the projected.
fn year(report: &CostReport) -> Vec<&MonthCost> {
    let all: Vec<&MonthCost> = report.months.iter().chain(&report.projected).collect();
    all[all.len().saturating_sub(12)..].to_vec()
}

/// Bars of each month's saving: recorded dark, projected light; the part without staff time
/// darker at the foot of each bar.
fn chart(pages: &mut Pages<'_>, report: &CostReport) {
    let months = year(report);
    if months.is_empty() {
        return;
    }
    let height = 120.0;
    let label = 14.0;
    if pages.room() < height + 2.0 * label {
        pages.new_page();
    }
    let top = pages.y + label;
    let width = pages.width();
    let slot = width / months.len() as f32;
    let most = months.iter().map(|m| m.total_yen).max().unwrap_or(0).max(1) as f32;
    for (i, m) in months.iter().enumerate() {
        let x = MARGIN + i as f32 * slot + slot * 0.15;
        let w = slot * 0.7;
        let h = height * m.total_yen.max(0) as f32 / most;
        let base = top + height;
        pages.shade(x, base - h, w, h, if m.projected { 200 } else { 120 });
        let inner = height * m.without_staff_yen.max(0) as f32 / most;
        pages.shade(
            x,
            base - inner,
            w,
            inner,
            if m.projected { 150 } else { 60 },
        );
        let value = format!(
            "{}万",
            (m.total_yen as f32 / 10_000.0 * 10.0).round() / 10.0
        );
        pages.text(x, base - h - 2.0, 6.5, &value);
        let mm = m.month.get(4..).unwrap_or("").trim_start_matches('0');
        pages.text(x, base + 9.0, 7.0, &format!("{mm}月"));
    }
    pages.y = top + height + label;
    pages.paragraph(
        "濃い棒：記録した月　薄い棒：見込み（記録した月の平均）　下の濃い部分：人件費を除いた額",
        7.0,
    );
}

fn months_table(report: &CostReport) -> Table {
    let head = |s: &str| Some(Cell::head(s, 225));
    let cols = vec![
        Col::new(62.0, Align::Left),
        Col::new(34.0, Align::Center),
        Col::new(70.0, Align::Right),
        Col::new(70.0, Align::Right),
        Col::new(44.0, Align::Right),
        Col::new(40.0, Align::Right),
        Col::new(52.0, Align::Right),
        Col::new(80.0, Align::Right),
        Col::new(87.0, Align::Right),
    ];
    let counts = |c: &careplan_cost::Counts| format!("{}・{}・{}", c.plans, c.schedules, c.jisseki);
    let rows = year(report)
        .into_iter()
        .map(|m| {
            let cell = |s: String| {
                Some(if m.projected {
                    Cell::grey(s, 245)
                } else {
                    Cell::new(s)
                })
            };
            Row::of(vec![
                cell(month_label(m)),
                cell(if m.projected { "見込み" } else { "記録" }.to_owned()),
                cell(counts(&m.sent)),
                cell(counts(&m.received)),
                cell(m.sheets.to_string()),
                cell(m.deliveries.to_string()),
                cell(m.staff_minutes.to_string()),
                cell(yen(m.without_staff_yen)),
                cell(yen(m.total_yen)),
            ])
        })
        .collect();
    Table {
        cols,
        head: vec![Row::of(vec![
            head("年月"),
            head("区分"),
            head("送った 計画・予定・実績"),
            head("受け取った 計画・予定・実績"),
            head("印刷枚数"),
            head("届けた回数"),
            head("職員の時間(分)"),
            head("削減額 人件費除く(円)"),
            head("削減額(円)"),
        ])],
        rows,
        size: 7.5,
    }
}

fn costs_table(report: &CostReport) -> Table {
    let head = |s: &str| Some(Cell::head(s, 225));
    Table {
        cols: vec![
            Col::new(110.0, Align::Left),
            Col::new(70.0, Align::Right),
            Col::new(359.0, Align::Left),
        ],
        head: vec![Row::of(vec![
            head("単価"),
            head("値"),
            head("出典・考え方"),
        ])],
        rows: report
            .costs
            .iter()
            .map(|c| {
                Row::of(vec![
                    Some(Cell::new(c.label)),
                    Some(Cell::new(format!("{} {}", c.value, c.unit))),
                    Some(Cell::new(c.source)),
                ])
            })
            .collect(),
        size: 7.0,
    }
}
