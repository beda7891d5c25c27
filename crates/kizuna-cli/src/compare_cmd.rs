//! `kizuna compare`: 予実突合 of service offices' 実績 against the 居宅's plan.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use careplan_client::forms::compare::{Comparison, Difference, Visit, compare};
use careplan_client::forms::display;
use careplan_client::viewer;
use careplan_csv::values::{Date, YearMonth};

#[derive(clap::Args)]
pub struct CompareArgs {
    /// A file or folder with the plan: 第6表 予定 (UPPLAN) and 利用者補足情報 of the month.
    #[arg(required_unless_present = "month", requires = "jisseki")]
    plan: Option<PathBuf>,
    /// A file or folder with the 実績 (UPJSK) to check; each office and month is compared.
    jisseki: Option<PathBuf>,
    /// Compare a month (YYYYMM) of the office's history instead: every 実績 sent or received
    /// against the plans sent or received (needs --profile).
    #[arg(long, conflicts_with = "plan")]
    month: Option<String>,
    /// Print the comparisons as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Also write the differences as CSV (MS932, for a spreadsheet) into this folder, one file
    /// per office and month.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
}

/// Exit code 0 when the 実績 match the plan, 1 when there are differences (like `diff`).
pub fn run(args: &CompareArgs, profile: Option<&Path>) -> Result<ExitCode> {
    let (all, problems, source) = match (&args.month, &args.plan, &args.jisseki) {
        (Some(month), _, _) => {
            let Some(profile) = profile else {
                bail!("--month には事業所のプロファイル（--profile）が必要です");
            };
            if YearMonth::parse(month).is_none() {
                bail!("年月「{month}」は YYYYMM ではありません");
            }
            let client = crate::exchange_cmd::open_client(profile)?;
            let m = client.compare_month(month)?;
            (m.comparisons, m.problems, format!("{month} の送受信履歴"))
        }
        (None, Some(plan), Some(jisseki)) => {
            let plan_bundle = viewer::open(std::slice::from_ref(plan))?;
            let jisseki_bundle = viewer::open(std::slice::from_ref(jisseki))?;
            let problems = [&plan_bundle, &jisseki_bundle]
                .into_iter()
                .flat_map(|b| viewer::summary(b).files)
                .filter(|f| f.problem.is_some())
                .collect();
            (
                compare(&plan_bundle, &jisseki_bundle),
                problems,
                jisseki.display().to_string(),
            )
        }
        _ => bail!("予定と実績のフォルダ、または --month を指定してください"),
    };
    for f in &problems {
        eprintln!("{}: {}", f.name, f.problem.as_deref().unwrap_or_default());
    }
    if all.is_empty() {
        bail!("{source} に 実績（UPJSK）のファイルがありません");
    }
    if let Some(dir) = &args.csv {
        std::fs::create_dir_all(dir).with_context(|| format!("{} を作れません", dir.display()))?;
        for c in &all {
            let path = dir.join(format!("予実突合_{}_{}.csv", c.month, c.office));
            std::fs::write(&path, c.to_csv())
                .with_context(|| format!("{} に書き込めません", path.display()))?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for c in &all {
            print!("{}", report(c));
        }
    }
    let differences: usize = all.iter().map(|c| c.differences).sum();
    Ok(if differences == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn visit(v: &Option<Visit>) -> String {
    match v {
        Some(v) if v.times().is_empty() => format!("{}回", v.count),
        Some(v) => format!("{} {}回", v.times(), v.count),
        None => "なし".to_owned(),
    }
}

fn line(d: &Difference) -> String {
    const WEEKDAYS: [&str; 8] = ["", "月", "火", "水", "木", "金", "土", "日"];
    let day = match Date::parse(&d.date) {
        Some(date) => format!(
            "{}月{}日({})",
            date.ym.month,
            date.day,
            WEEKDAYS[usize::from(date.weekday())]
        ),
        None => "月全体".to_owned(),
    };
    let service = if d.code.is_empty() {
        String::new()
    } else {
        format!(" {} {}", d.code, d.service_type.as_deref().unwrap_or(""))
    };
    let sides = if d.planned.is_none() && d.actual.is_none() {
        String::new()
    } else {
        format!("  予定 {} / 実績 {}", visit(&d.planned), visit(&d.actual))
    };
    format!(
        "    {day}{service}  {}{sides}  {}{}単位\n",
        d.check.label(),
        if d.units > 0 { "+" } else { "" },
        display::thousands(d.units)
    )
}

fn report(c: &Comparison) -> String {
    let mut out = format!(
        "予実突合 {} {}（{}・{}）\n  実績: {}\n  予定: {}\n",
        c.month_shown,
        c.office_name.as_deref().unwrap_or("事業所"),
        c.office,
        display::service_type(&c.service_type).unwrap_or(&c.service_type),
        c.jisseki_file,
        if c.plan_files.is_empty() {
            "見つかりません".to_owned()
        } else {
            c.plan_files.join(", ")
        }
    );
    for u in &c.users {
        let limit = u
            .limit
            .map(|l| {
                format!(
                    "（区分支給限度基準額 {}単位、計画全体 {}→{}単位）",
                    display::thousands(l),
                    display::thousands(u.plan_total),
                    display::thousands(u.projected_total)
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}（{} {}）予定 {}単位 → 実績 {}単位{limit}\n",
            u.name.as_deref().unwrap_or("氏名不明"),
            u.key.insurer,
            u.key.insured,
            display::thousands(u.planned_units),
            display::thousands(u.actual_units),
        ));
        for d in &u.differences {
            out.push_str(&line(d));
        }
    }
    out.push_str(&format!("  差異 {}件\n\n", c.differences));
    out
}
