//! Peak memory of validating one large UPPLAN file: prints size and peak RSS (VmHWM).
//!
//! `cargo run --release --example validate_memory -- MB [users]` builds a file of about MB
//! megabytes by repeating the schedule of a fixed set of users, so that only the file size grows,
//! then validates it from disk. Used for docs/benchmarks.md.

use std::io::Write;

use careplan_csv::sample::{SampleOptions, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};
use careplan_csv::{FileKind, Input, Mode, validate_one};

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let users: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let opts = SampleOptions {
        kyotaku: OfficeNumber::parse("1310000001").unwrap(),
        services: vec![(
            OfficeNumber::parse("1320000001").unwrap(),
            ServiceType::parse("11").unwrap(),
        )],
        month: YearMonth::parse("202512").unwrap(),
        users,
    };
    let plan = exchange(&opts)
        .unwrap()
        .into_iter()
        .find(|f| f.name.kind == FileKind::UpPlan)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(plan.name.to_string());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut written = 0u64;
    while written < mb * 1_000_000 {
        out.write_all(&plan.bytes).unwrap();
        written += plan.bytes.len() as u64;
    }
    out.flush().unwrap();
    drop(out);
    let before = peak_rss_kb();
    let started = std::time::Instant::now();
    let report = validate_one(Input::path(&path), Mode::Receive);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "file {:.1} MB, {} records, {} users: peak RSS {:.1} MB before validation, {:.1} MB after; {:.0} MB/s; {} errors",
        written as f64 / 1e6,
        report.records,
        report.users,
        before as f64 / 1024.0,
        peak_rss_kb() as f64 / 1024.0,
        written as f64 / 1e6 / secs,
        report.error_count()
    );
}
