//! The data set of the validation benchmark and the throughput probe (docs/benchmarks.md).

use std::path::{Path, PathBuf};

use careplan_csv::sample::{SampleOptions, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};

/// `kizuna sample` for one 居宅 office, four service offices (11, 15, 17, 13) and 4,000 users in
/// one month, written into `dir`: about 50 MB in 32 files. Returns the paths and the bytes.
pub fn write_dataset(dir: &Path) -> (Vec<PathBuf>, Vec<Vec<u8>>) {
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
    let mut paths = Vec::new();
    let mut bytes = Vec::new();
    for f in exchange(&opts).unwrap() {
        let p = dir.join(f.name.to_string());
        std::fs::write(&p, &f.bytes).unwrap();
        paths.push(p);
        bytes.push(f.bytes);
    }
    (paths, bytes)
}
