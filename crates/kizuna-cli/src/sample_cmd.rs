//! `kizuna sample`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use careplan_csv::sample::{SampleOptions, exchange, offices};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};

/// Types given to service offices listed without one, in turn.
const DEFAULT_TYPES: [&str; 4] = ["11", "15", "17", "13"];

#[derive(clap::Args)]
pub struct SampleArgs {
    /// Folder to write the files to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The 居宅介護支援事業所 number.
    #[arg(long, default_value = "1310000001")]
    kyotaku: String,
    /// Service offices: NUMBER or NUMBER:TYPE, comma-separated (types default to 11, 15, 17, 13).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1320000001,1320000002,1320000003"
    )]
    service: Vec<String>,
    /// Service month YYYYMM (default: this month).
    #[arg(long)]
    month: Option<String>,
    /// Number of clients.
    #[arg(long, default_value_t = 5)]
    users: usize,
    /// Write each office's outgoing files into a folder of its own, named NUMBER-NAME
    /// (e.g. 1310000001-さくら), as each office would export them.
    #[arg(long)]
    by_office: bool,
}

fn office(s: &str) -> Result<OfficeNumber> {
    OfficeNumber::parse(s).ok_or_else(|| anyhow!("事業所番号「{s}」は10桁の数字ではありません"))
}

fn parse_service(i: usize, s: &str) -> Result<(OfficeNumber, ServiceType)> {
    let (number, ty) = s
        .split_once(':')
        .unwrap_or((s, DEFAULT_TYPES[i % DEFAULT_TYPES.len()]));
    let ty = ServiceType::parse(ty)
        .ok_or_else(|| anyhow!("サービス種類コード「{ty}」は英数字2文字ではありません"))?;
    Ok((office(number)?, ty))
}

/// The current month from the system clock (UTC is close enough for a default).
fn this_month() -> YearMonth {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    careplan_csv::values::Date::from_days(days).ym
}

pub fn run(args: &SampleArgs) -> Result<ExitCode> {
    let month = match &args.month {
        Some(m) => {
            YearMonth::parse(m).ok_or_else(|| anyhow!("年月「{m}」は YYYYMM ではありません"))?
        }
        None => this_month(),
    };
    let services = args
        .service
        .iter()
        .enumerate()
        .map(|(i, s)| parse_service(i, s))
        .collect::<Result<Vec<_>>>()?;
    let opts = SampleOptions {
        kyotaku: office(&args.kyotaku)?,
        services,
        month,
        users: args.users,
    };
    let files = exchange(&opts).map_err(|e| anyhow!("{e}"))?;
    let folders: Vec<(OfficeNumber, String)> = offices(&opts)
        .into_iter()
        .map(|(number, _, short)| {
            let folder = format!("{number}-{short}");
            (number, folder)
        })
        .collect();
    for f in &files {
        let dir = match folders.iter().find(|(n, _)| *n == f.name.sender.office) {
            Some((_, folder)) if args.by_office => args.out.join(folder),
            _ => args.out.clone(),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("{} を作れません", dir.display()))?;
        let path = dir.join(f.name.to_string());
        std::fs::write(&path, &f.bytes)
            .with_context(|| format!("{} に書き込めません", path.display()))?;
        println!("{}", path.display());
    }
    eprintln!(
        "{} ファイルを書き出しました（{month} 分、利用者 {}人）。",
        files.len(),
        args.users
    );
    Ok(ExitCode::SUCCESS)
}
