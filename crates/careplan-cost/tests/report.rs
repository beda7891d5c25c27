//! The simulator's numbers on known histories.

use careplan_cost::{Exchanged, UnitCosts, Way, report};
use careplan_csv::FileKind;
use careplan_csv::values::YearMonth;

/// Days since 1970-01-01 of 2026-12-01.
const DEC_1: u64 = 20_788;
/// Days since 1970-01-01 of 2027-01-04.
const JAN_4: u64 = DEC_1 + 34;

fn row(day: u64, way: Way, partner: &str, unit: &str, kind: FileKind, users: u32) -> Exchanged {
    Exchanged {
        day,
        way,
        partner: partner.into(),
        partner_name: Some(format!("事業所{partner}")),
        kind,
        unit: unit.into(),
        users,
    }
}

/// A schedule unit (第6表, 第7表, 補足) of `users` users sent to `partner` on `day`.
fn schedule(day: u64, partner: &str, unit: &str, users: u32) -> Vec<Exchanged> {
    [FileKind::UpPlan, FileKind::UpSikyu, FileKind::UpHosoku]
        .into_iter()
        .map(|k| row(day, Way::Sent, partner, unit, k, users))
        .collect()
}

/// A plan unit (第1–3表, 補足) of `users` users sent to `partner` on `day`.
fn plan(day: u64, partner: &str, unit: &str, users: u32) -> Vec<Exchanged> {
    [
        FileKind::Up1Kyo,
        FileKind::Up2Kyo,
        FileKind::Up3Kyo,
        FileKind::UpHosoku,
    ]
    .into_iter()
    .map(|k| row(day, Way::Sent, partner, unit, k, users))
    .collect()
}

#[test]
fn the_month_is_from_the_day_the_file_went() {
    let r = report(
        &schedule(DEC_1, "1320000001", "a", 1),
        &UnitCosts::default(),
        None,
    );
    assert_eq!(r.months[0].month, "202612");
}

#[test]
fn a_schedule_unit_sent_is_one_document_of_two_sheets_a_user_and_one_delivery() {
    let r = report(
        &schedule(DEC_1, "1320000001", "a", 10),
        &UnitCosts::default(),
        None,
    );
    let m = &r.months[0];
    assert_eq!(
        (m.sent.schedules, m.sent.plans, m.sent.user_documents),
        (1, 0, 10)
    );
    assert_eq!(
        m.sheets, 20,
        "第6表 and 第7表, one sheet each per user; 補足 none"
    );
    assert_eq!(m.deliveries, 1);
    // 20 × 5 yen printed, one delivery at 60 yen; 10 × 2 + 5 minutes of staff at 2,000 yen/h.
    assert_eq!(m.paper_yen, 100);
    assert_eq!(m.delivery_yen, 60);
    assert_eq!(m.without_staff_yen, 160);
    assert_eq!(m.staff_minutes, 25);
    assert_eq!(m.staff_yen, 833);
    assert_eq!(m.total_yen, 993);
}

#[test]
fn a_plan_unit_takes_four_sheets_a_user() {
    let r = report(
        &plan(DEC_1, "1320000001", "a", 3),
        &UnitCosts::default(),
        None,
    );
    assert_eq!(r.months[0].sent.plans, 1);
    assert_eq!(r.months[0].sheets, 12, "第1表 1, 第2表 2, 第3表 1");
}

#[test]
fn units_to_one_partner_on_one_day_go_in_one_delivery_and_other_days_in_another() {
    let mut rows = plan(DEC_1, "1320000001", "a", 1);
    rows.extend(schedule(DEC_1, "1320000001", "b", 1));
    rows.extend(schedule(DEC_1 + 3, "1320000001", "c", 1));
    rows.extend(schedule(DEC_1, "1320000002", "d", 1));
    let m = &report(&rows, &UnitCosts::default(), None).months[0];
    assert_eq!((m.sent.plans, m.sent.schedules), (1, 3));
    assert_eq!(m.deliveries, 3);
}

#[test]
fn received_forms_cost_only_the_staff_time_to_re_type_them() {
    let rows = vec![row(
        DEC_1,
        Way::Received,
        "1320000001",
        "j",
        FileKind::UpJsk,
        10,
    )];
    let m = &report(&rows, &UnitCosts::default(), None).months[0];
    assert_eq!((m.received.jisseki, m.received.user_documents), (1, 10));
    assert_eq!((m.sheets, m.deliveries, m.without_staff_yen), (0, 0, 0));
    assert_eq!(m.staff_minutes, 40);
    assert_eq!(m.total_yen, 1_333);
}

#[test]
fn deletions_and_a_lone_supplement_are_not_documents() {
    let rows = vec![
        row(DEC_1, Way::Sent, "1320000001", "x", FileKind::DltPlan, 2),
        row(DEC_1, Way::Sent, "1320000001", "y", FileKind::UpHosoku, 2),
    ];
    let r = report(&rows, &UnitCosts::default(), None);
    assert!(r.months.is_empty(), "{:?}", r.months);
}

#[test]
fn every_partner_has_its_counts_per_month_with_its_name() {
    let mut rows = schedule(DEC_1, "1320000001", "a", 4);
    rows.push(row(
        DEC_1 + 30,
        Way::Received,
        "1320000001",
        "j",
        FileKind::UpJsk,
        4,
    ));
    rows.extend(schedule(JAN_4, "1320000001", "b", 4));
    let r = report(&rows, &UnitCosts::default(), None);
    assert_eq!(r.partners.len(), 2);
    let dec = &r.partners[0];
    assert_eq!(
        (dec.month.as_str(), dec.name.as_deref()),
        ("202612", Some("事業所1320000001"))
    );
    assert_eq!((dec.sent.schedules, dec.received.jisseki), (1, 1));
    assert_eq!(r.partners[1].month, "202701");
}

#[test]
fn a_month_with_nothing_exchanged_between_two_counts_as_zero() {
    let mut rows = schedule(DEC_1, "1320000001", "a", 1);
    rows.extend(schedule(JAN_4 + 31, "1320000001", "b", 1));
    let r = report(&rows, &UnitCosts::default(), None);
    let months: Vec<_> = r
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.total_yen))
        .collect();
    assert_eq!(months[1], ("202701", 0));
    assert_eq!(months.len(), 3);
}

#[test]
fn the_year_is_completed_with_months_at_the_recorded_average() {
    let mut rows = schedule(DEC_1, "1320000001", "a", 10);
    rows.extend(schedule(JAN_4, "1320000001", "b", 20));
    let r = report(&rows, &UnitCosts::default(), None);
    assert_eq!(r.months.len() + r.projected.len(), 12);
    assert_eq!(r.projected[0].month, "202702");
    assert!(
        r.projected
            .iter()
            .all(|m| m.projected && m.sent.user_documents == 15)
    );
    let recorded: i64 = r.months.iter().map(|m| m.total_yen).sum();
    assert_eq!(r.year_total_yen, recorded + 10 * r.projected[0].total_yen);
}

#[test]
fn with_more_than_a_year_recorded_the_year_is_the_last_twelve_months() {
    let mut rows = Vec::new();
    for i in 0..14u64 {
        // One user more each month: the year's total tells which months it took.
        rows.extend(schedule(
            DEC_1 + i * 31,
            "1320000001",
            &format!("u{i}"),
            1 + i as u32,
        ));
    }
    let r = report(&rows, &UnitCosts::default(), None);
    assert_eq!(r.months.len(), 14);
    assert!(r.projected.is_empty());
    let last_twelve: i64 = r.months[2..].iter().map(|m| m.total_yen).sum();
    assert_eq!(r.year_total_yen, last_twelve);
}

#[test]
fn one_month_asked_for_is_counted_alone() {
    let mut rows = schedule(DEC_1, "1320000001", "a", 10);
    rows.extend(schedule(JAN_4, "1320000001", "b", 20));
    let r = report(&rows, &UnitCosts::default(), YearMonth::parse("202701"));
    assert_eq!(r.months.len(), 1);
    assert_eq!(r.months[0].sent.user_documents, 20);
}

#[test]
fn edited_unit_costs_change_the_numbers_and_are_reported_with_their_sources() {
    let costs = UnitCosts {
        print_yen_per_sheet: 10.0,
        ..UnitCosts::default()
    };
    let r = report(&schedule(DEC_1, "1320000001", "a", 10), &costs, None);
    assert_eq!(r.months[0].paper_yen, 200);
    let print = r
        .costs
        .iter()
        .find(|c| c.key == "print_yen_per_sheet")
        .unwrap();
    assert_eq!((print.value, print.default), (10.0, 5.0));
    assert!(r.costs.iter().all(|c| !c.source.is_empty()));
    assert!(r.costs.iter().any(|c| c.source.contains("日本郵便")));
}

/// A month of an average 居宅介護支援事業所 as the national survey pictures it: 100 users,
/// each with about 2.5 services from 25 partner offices of about 10 users each; every month a
/// schedule to each partner (one day, the start of the month), a changed plan for one user in
/// six (to each of their partners, on another day), and a 実績 back from each partner.
fn average_kyotaku_month(first_day: u64) -> Vec<Exchanged> {
    let mut rows = Vec::new();
    for p in 0..25u32 {
        let partner = format!("13200000{p:02}");
        rows.extend(schedule(first_day, &partner, &format!("s{p}"), 10));
        // 17 changed plans reach about 42 user-partner pairs: two users here, one in every
        // other office.
        rows.extend(plan(
            first_day + 10,
            &partner,
            &format!("p{p}"),
            1 + (p % 2) + u32::from(p < 8),
        ));
        rows.push(row(
            first_day + 30,
            Way::Received,
            &partner,
            &format!("j{p}"),
            FileKind::UpJsk,
            10,
        ));
    }
    rows
}

#[test]
fn an_average_kyotaku_office_reproduces_the_surveys_order_of_magnitude() {
    let r = report(&average_kyotaku_month(DEC_1), &UnitCosts::default(), None);
    let m = &r.months[0];
    // The survey: about ¥68,000 a month with staff time, about ¥6,000 without; the defaults
    // land within a tenth of both.
    assert!((61_000..=75_000).contains(&m.total_yen), "{m:?}");
    assert!((5_400..=6_600).contains(&m.without_staff_yen), "{m:?}");
}

#[test]
fn the_csv_is_ms932_with_months_projection_and_sources() {
    let r = report(
        &schedule(DEC_1, "1320000001", "a", 10),
        &UnitCosts::default(),
        None,
    );
    let csv = r.to_csv();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&csv);
    assert!(!bad);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("年月,区分,送った計画"));
    assert!(lines[1].starts_with("202612,\"実績\",0,1,0,10,"));
    assert!(lines[2].starts_with("202701,\"見込み\""));
    assert!(text.contains("日本郵便"));
}

#[test]
fn a_negative_unit_cost_counts_as_zero() {
    let costs = UnitCosts {
        delivery_yen: -60.0,
        ..UnitCosts::default()
    }
    .normalised();
    assert_eq!(costs.delivery_yen, 0.0);
    assert_eq!(costs.print_yen_per_sheet, 5.0);
}
