//! Validation throughput of a ~50 MB sample exchange, against a bare MS932 decode of the same
//! bytes with encoding_rs (the floor any validator of this format pays). Results and how to
//! read them: docs/benchmarks.md.

use std::path::PathBuf;

use careplan_csv::sample::{SampleOptions, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};
use careplan_csv::{Input, Mode, validate_with_threads};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn dataset(dir: &std::path::Path) -> (Vec<PathBuf>, Vec<Vec<u8>>) {
    let opts = SampleOptions {
        kyotaku: OfficeNumber::parse("1310000001").unwrap(),
        services: ["11", "15", "17", "13"]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    OfficeNumber::parse(&format!("132000000{}", i + 1)).unwrap(),
                    ServiceType::parse(t).unwrap(),
                )
            })
            .collect(),
        month: YearMonth::parse("202512").unwrap(),
        users: 4000,
    };
    let files = exchange(&opts).unwrap();
    let mut paths = Vec::new();
    let mut bytes = Vec::new();
    for f in files {
        let p = dir.join(f.name.to_string());
        std::fs::write(&p, &f.bytes).unwrap();
        paths.push(p);
        bytes.push(f.bytes);
    }
    (paths, bytes)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (paths, bytes) = dataset(dir.path());
    let total: u64 = bytes.iter().map(|b| b.len() as u64).sum();
    eprintln!(
        "data set: {} files, {:.1} MB",
        paths.len(),
        total as f64 / 1e6
    );
    let mut g = c.benchmark_group("exchange_50mb");
    g.throughput(Throughput::Bytes(total));
    g.sample_size(10);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for threads in [1, cores] {
        g.bench_function(format!("validate_{threads}_thread"), |b| {
            b.iter(|| {
                let reports =
                    validate_with_threads(paths.iter().map(Input::path), Mode::Send, threads);
                assert!(reports.iter().all(|r| r.is_valid()));
                reports
            })
        });
    }
    g.bench_function("encoding_rs_decode", |b| {
        b.iter(|| {
            bytes
                .iter()
                .map(|b| {
                    encoding_rs::SHIFT_JIS
                        .decode_without_bom_handling(b)
                        .0
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
