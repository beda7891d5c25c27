//! Quick check of the validation throughput ratio (docs/benchmarks.md): the same data set as the
//! criterion benchmark, but validation and the bare encoding_rs decode are timed alternately and
//! the best of N rounds is kept, which is steadier on a shared machine than separate runs.
//!
//! `cargo run --release -p careplan-csv --example throughput [ROUNDS]`
//!
//! `throughput --validate-only DIR` validates the files of DIR once, on one thread, and prints
//! nothing: under `valgrind --tool=cachegrind` it counts the instructions of one validation (this
//! machine has no hardware counters), the steadiest measure of a change here. Write DIR with
//! `kizuna sample --service 1320000001:11,1320000002:15,1320000003:17,1320000004:13 --month
//! 202512 --users 4000`, the same set as below.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use careplan_csv::{Input, Mode, validate_with_threads};

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--validate-only") {
        let dir = std::env::args().nth(2).expect("--validate-only DIR");
        let paths = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
        let reports = validate_with_threads(paths.map(Input::path), Mode::Send, 1);
        assert!(reports.iter().all(|r| r.is_valid()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (paths, bytes) = common::write_dataset(dir.path());
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(12, |a| a.parse().expect("ROUNDS is a number"));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut decode = f64::MAX;
    let mut validate = [f64::MAX, f64::MAX];
    for _ in 0..rounds {
        let t = Instant::now();
        let n: usize = bytes
            .iter()
            .map(|b| {
                encoding_rs::SHIFT_JIS
                    .decode_without_bom_handling(b)
                    .0
                    .len()
            })
            .sum();
        std::hint::black_box(n);
        decode = decode.min(t.elapsed().as_secs_f64());
        for (i, threads) in [1, cores].into_iter().enumerate() {
            let t = Instant::now();
            let reports = validate_with_threads(paths.iter().map(Input::path), Mode::Send, threads);
            assert!(reports.iter().all(|r| r.is_valid()));
            validate[i] = validate[i].min(t.elapsed().as_secs_f64());
        }
    }
    let mb = bytes.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!("{mb:.1} MB, best of {rounds}:");
    println!("  encoding_rs decode   {:6.1} ms", decode * 1e3);
    for (i, threads) in [1, cores].into_iter().enumerate() {
        println!(
            "  validate, {threads} thread(s) {:6.1} ms  ratio {:.2}",
            validate[i] * 1e3,
            decode / validate[i]
        );
    }
}
