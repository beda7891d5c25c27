//! `kizuna report`: the cost-effect simulator over the office's history — what its plans,
//! schedules and 実績 would have cost on paper, per month and partner.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use careplan_client::cost::{CostReport, Counts, MonthCost};
use careplan_client::forms::display::thousands;
use careplan_client::settings::Settings;
use careplan_csv::values::YearMonth;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Only this month (YYYYMM); without it, every month of the history.
    #[arg(long)]
    month: Option<String>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Also write it as CSV (MS932, for a spreadsheet) to this file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also write it as a one-page PDF to this file.
    #[arg(long, value_name = "FILE")]
    pdf: Option<PathBuf>,
}

/// Counts from the history of `profile`, at the unit costs its settings hold (the app's
/// 効果 screen edits them).
pub fn run(args: &ReportArgs, profile: Option<&Path>) -> Result<ExitCode> {
    let Some(profile) = profile else {
        bail!("事業所のプロファイル（--profile）が必要です");
    };
    let month = match &args.month {
        Some(m) => match YearMonth::parse(m) {
            Some(ym) => Some(ym),
            None => bail!("年月「{m}」は YYYYMM ではありません"),
        },
        None => None,
    };
    let client = crate::exchange_cmd::open_client(profile)?;
    let costs = Settings::load(profile)?.costs;
    let report = client.cost_report(&costs, month)?;
    if let Some(path) = &args.csv {
        client.save_cost_csv(&report, path)?;
    }
    if let Some(path) = &args.pdf {
        client.save_cost_pdf(&report, path)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn counts(c: &Counts) -> String {
    format!(
        "計画 {}・予定 {}・実績 {}（{} 人分）",
        c.plans, c.schedules, c.jisseki, c.user_documents
    )
}

fn month_line(m: &MonthCost) -> String {
    format!(
        "{}{}  送った {}  受け取った {}\n    印刷 {} 枚・届けた {} 回・職員 {} 分 → 削減 {} 円（人件費を除くと {} 円）\n",
        m.month,
        if m.projected { "（見込み）" } else { "" },
        counts(&m.sent),
        counts(&m.received),
        m.sheets,
        m.deliveries,
        thousands(m.staff_minutes),
        thousands(m.total_yen),
        thousands(m.without_staff_yen)
    )
}

/// The report for a terminal.
fn text(r: &CostReport) -> String {
    let mut s = String::new();
    if r.months.is_empty() {
        s.push_str("この期間の送受信の記録はありません。\n");
        return s;
    }
    for m in &r.months {
        s.push_str(&month_line(m));
    }
    s.push_str("\n取引先ごと:\n");
    for p in &r.partners {
        s.push_str(&format!(
            "  {} {} {}  送った {}  受け取った {}\n",
            p.month,
            p.partner,
            p.name.as_deref().unwrap_or(""),
            counts(&p.sent),
            counts(&p.received)
        ));
    }
    if let Some(p) = r.projected.first() {
        s.push_str(&format!(
            "\n{} から先の {} か月は記録した月の平均で見込みます: 1 か月 {} 円。\n",
            p.month,
            r.projected.len(),
            thousands(p.total_yen)
        ));
    }
    s.push_str(&format!(
        "1 年間の削減額の見込み: {} 円（人件費を除くと {} 円）\n\n単価（設定で変更できます）:\n",
        thousands(r.year_total_yen),
        thousands(r.year_without_staff_yen)
    ));
    for c in &r.costs {
        s.push_str(&format!(
            "  {}: {} {}（{}）\n",
            c.label, c.value, c.unit, c.source
        ));
    }
    s
}
