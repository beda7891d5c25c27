//! Everything the sample generator writes is valid, and parses back to what was generated.

use careplan_csv::record::{self, Record};
use careplan_csv::sample::{SampleOptions, every_kind, exchange};
use careplan_csv::values::{OfficeNumber, ServiceType, YearMonth};
use careplan_csv::{FileKind, Input, Lang, Mode, validate};

fn opts(services: &[(&str, &str)], users: usize) -> SampleOptions {
    SampleOptions {
        kyotaku: OfficeNumber::parse("1310000001").unwrap(),
        services: services
            .iter()
            .map(|(o, t)| {
                (
                    OfficeNumber::parse(o).unwrap(),
                    ServiceType::parse(t).unwrap(),
                )
            })
            .collect(),
        month: YearMonth::parse("202512").unwrap(),
        users,
    }
}

fn assert_all_valid(files: Vec<careplan_csv::sample::SampleFile>) {
    let inputs = files
        .into_iter()
        .map(|f| Input::bytes(f.name.to_string(), f.bytes));
    for report in validate(inputs, Mode::Send) {
        let msgs: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {:?}:{:?} {}",
                    f.code,
                    f.location.line,
                    f.location.column,
                    f.message(Lang::En)
                )
            })
            .collect();
        assert!(report.findings.is_empty(), "{}: {msgs:#?}", report.name);
    }
}

#[test]
fn the_sample_exchange_validates_without_any_finding() {
    assert_all_valid(
        exchange(&opts(
            &[
                ("1310000002", "11"),
                ("1310000003", "15"),
                ("1310000004", "17"),
            ],
            7,
        ))
        .unwrap(),
    );
}

#[test]
fn hundreds_of_users_still_give_a_valid_exchange() {
    assert_all_valid(exchange(&opts(&[("1310000002", "11"), ("1310000003", "17")], 150)).unwrap());
}

#[test]
fn every_in_scope_service_type_gives_a_valid_exchange() {
    let spec = careplan_csv::spec::spec();
    let services: Vec<(String, String)> = spec
        .service_types
        .in_scope
        .keys()
        .enumerate()
        .map(|(i, t)| (format!("13200{i:05}"), t.clone()))
        .collect();
    let refs: Vec<(&str, &str)> = services
        .iter()
        .map(|(o, t)| (o.as_str(), t.as_str()))
        .collect();
    assert_all_valid(exchange(&opts(&refs, 12)).unwrap());
}

#[test]
fn one_file_of_every_kind_validates_without_any_finding() {
    let files = every_kind(YearMonth::parse("202506").unwrap());
    let mut kinds: Vec<FileKind> = files.iter().map(|f| f.name.kind).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), FileKind::ALL.len());
    assert_all_valid(files);
}

#[test]
fn each_service_office_gets_only_its_own_users_and_the_jisseki_goes_back() {
    let files = exchange(&opts(&[("1310000002", "11"), ("1310000003", "15")], 4)).unwrap();
    for f in &files {
        if f.name.kind == FileKind::UpJsk {
            assert_eq!(f.name.recipient.office.as_str(), "1310000001");
            let records = record::parse(FileKind::UpJsk, &f.bytes[..]).unwrap();
            assert!(
                records
                    .iter()
                    .all(|r| r.get(20) == f.name.sender.office.as_str())
            );
        } else {
            assert_eq!(f.name.sender.office.as_str(), "1310000001");
        }
    }
    assert_eq!(files.len(), 2 * 8);
}

#[test]
fn sheet7_limit_units_sit_on_the_row_that_closes_each_office_and_type() {
    // shared/spec/README.md §10: No.19–22 on the `<type>AAAA` subtotal when a type has several
    // code rows, on the code row itself when it has one, and the totals on the grand-total row.
    let files = exchange(&opts(&[("1310000002", "15"), ("1310000003", "17")], 6)).unwrap();
    let limits = |r: &Record| (19..=22).any(|no| !r.get(no).is_empty());
    let mut checked = 0;
    for f in files.iter().filter(|f| f.name.kind == FileKind::UpSikyu) {
        let records = record::parse(FileKind::UpSikyu, &f.bytes[..]).unwrap();
        // Code rows per user, office and service type.
        let group = |r: &Record| {
            (
                r.get(3).to_owned(),
                r.get(7).to_owned(),
                r.get(9)[..2].to_owned(),
            )
        };
        let subtotal = |r: &Record| matches!(&r.get(9)[2..], "AAAA" | "EEEE" | "ZZZZ");
        let mut code_rows = std::collections::HashMap::new();
        for r in records
            .iter()
            .filter(|r| r.get(9) != "999999" && !subtotal(r))
        {
            *code_rows.entry(group(r)).or_insert(0) += 1;
        }
        for r in &records {
            let grand_total = r.get(9) == "999999";
            let closes = grand_total || subtotal(r) || code_rows[&group(r)] == 1;
            assert_eq!(limits(r), closes, "{}: {:?}", f.name, r);
            if grand_total {
                assert!(!r.get(21).is_empty() && !r.get(22).is_empty(), "{r:?}");
            }
            checked += 1;
        }
        assert!(
            code_rows.values().any(|n| *n > 1),
            "a type with several code rows"
        );
    }
    assert!(checked > 0);
}

#[test]
fn parse_of_generated_bytes_gives_back_the_records() {
    for f in every_kind(YearMonth::parse("202507").unwrap()) {
        if f.name.kind.is_image() {
            continue;
        }
        let records: Vec<Record> = record::parse(f.name.kind, &f.bytes[..]).unwrap();
        assert!(!records.is_empty());
        assert_eq!(record::write(&records).bytes, f.bytes, "{}", f.name);
    }
}

#[test]
fn parallel_validation_reports_the_same_findings_in_input_order() {
    let mut files = exchange(&opts(&[("1310000002", "11"), ("1310000003", "15")], 6)).unwrap();
    // Break one file so there is something to compare, and drop one so a unit is incomplete.
    let half = files[4].bytes.len() / 2;
    files[4].bytes.truncate(half);
    files.remove(1);
    let inputs = || {
        files
            .iter()
            .map(|f| Input::bytes(f.name.to_string(), f.bytes.clone()))
    };
    let one = careplan_csv::validate_with_threads(inputs(), Mode::Send, 1);
    let many = careplan_csv::validate_with_threads(inputs(), Mode::Send, 4);
    type Seen = (&'static str, Option<u64>, Option<u16>);
    let view = |rs: &[careplan_csv::FileReport]| -> Vec<(String, Vec<Seen>)> {
        rs.iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.findings
                        .iter()
                        .map(|f| (f.code, f.location.line, f.location.column))
                        .collect(),
                )
            })
            .collect()
    };
    assert_eq!(view(&one), view(&many));
    assert!(one.iter().any(|r| !r.is_valid()));
    assert_eq!(
        one.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        files.iter().map(|f| f.name.to_string()).collect::<Vec<_>>()
    );
}
