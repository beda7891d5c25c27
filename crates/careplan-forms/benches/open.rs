//! Opening a month of 4,000 users (one 利用票 unit: 第6表 予定, 第7表, 補足) until the first
//! user's forms are built: what a viewer waits for before it shows anything.

use criterion::{Criterion, criterion_group, criterion_main};

use careplan_csv::sample::{SampleOptions, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};
use careplan_csv::{FileKind, NameMonth};
use careplan_forms::Bundle;

/// A month of `users` for one 訪問介護 office: the 居宅's files and the office's 実績.
fn month(users: usize) -> Vec<careplan_csv::sample::SampleFile> {
    let opts = SampleOptions {
        kyotaku: OfficeNumber::parse("1310000001").unwrap(),
        services: vec![(
            OfficeNumber::parse("1320000001").unwrap(),
            ServiceType::parse("11").unwrap(),
        )],
        month: YearMonth::parse("202612").unwrap(),
        users,
    };
    exchange(&opts).unwrap()
}

fn unit(users: usize) -> Vec<(String, Vec<u8>)> {
    month(users)
        .into_iter()
        .filter(|f| {
            matches!(f.name.month, Some(NameMonth::Month(_))) && f.name.kind != FileKind::UpJsk
        })
        .map(|f| (f.name.to_string(), f.bytes))
        .collect()
}

fn open(c: &mut Criterion) {
    let files = unit(4_000);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    eprintln!("{} files, {} bytes", files.len(), bytes);
    let mut g = c.benchmark_group("open");
    g.sample_size(10);
    g.bench_function("4000_users_to_first_user_forms", |b| {
        b.iter(|| {
            let bundle = Bundle::new(files.clone());
            let users = bundle.users();
            bundle.forms(&users[0].key).unwrap()
        })
    });
    let bundle = Bundle::new(files.clone());
    let users = bundle.users();
    g.bench_function("next_user_forms", |b| {
        b.iter(|| bundle.forms(&users[1234].key).unwrap())
    });
    // 予実突合 of the office's 実績 of the month against the plan, files already open.
    let (jisseki, plan): (Vec<_>, Vec<_>) = month(4_000)
        .into_iter()
        .map(|f| (f.name.to_string(), f.bytes))
        .partition(|(n, _)| n.starts_with("UPJSK_"));
    let (plan, jisseki) = (Bundle::new(plan), Bundle::new(jisseki));
    g.bench_function("compare_4000_users", |b| {
        b.iter(|| careplan_forms::compare(&plan, &jisseki))
    });
    g.finish();
}

criterion_group!(benches, open);
criterion_main!(benches);
