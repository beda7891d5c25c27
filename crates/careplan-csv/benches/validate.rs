//! Validation throughput of a ~50 MB sample exchange, against a bare MS932 decode of the same
//! bytes with encoding_rs (the floor any validator of this format pays). Results and how to
//! read them: docs/benchmarks.md.

mod common;

use careplan_csv::{Input, Mode, validate_with_threads};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (paths, bytes) = common::write_dataset(dir.path());
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
