//! Helpers shared by the unit tests.

use careplan_csv::sample::{SampleFile, SampleOptions, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};

/// The sample exchange of 居宅 1310000001 with 1320000001 (訪問介護) and 1320000002 (通所介護)
/// for December 2026.
pub(crate) fn sample_exchange(users: usize) -> Vec<SampleFile> {
    let office = |n: &str| OfficeNumber::parse(n).unwrap();
    let opts = SampleOptions {
        kyotaku: office("1310000001"),
        services: vec![
            (office("1320000001"), ServiceType::parse("11").unwrap()),
            (office("1320000002"), ServiceType::parse("15").unwrap()),
        ],
        month: YearMonth::parse("202612").unwrap(),
        users,
    };
    exchange(&opts).unwrap()
}
