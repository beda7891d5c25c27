//! 予実突合: one test per named check (docs/compare.md), and the sample exchange's 実績, which
//! differs from its plan in exactly four ways.

mod common;

use careplan_csv::FileKind;
use careplan_forms::Bundle;
use careplan_forms::compare::{Check, Comparison, compare};
use common::{Line, bundle, golden, hosoku, sample};

fn run(plan: &[Line], jisseki: &[Line]) -> Comparison {
    let plan = bundle(FileKind::UpPlan, plan);
    let jisseki = bundle(FileKind::UpJsk, jisseki);
    let mut all = compare(&plan, &jisseki);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn checks(c: &Comparison) -> Vec<(Check, String, i64)> {
    c.users
        .iter()
        .flat_map(|u| {
            u.differences
                .iter()
                .map(|d| (d.check, d.date.clone(), d.units))
        })
        .collect()
}

#[test]
fn the_same_plan_and_jisseki_differ_in_nothing() {
    let visits = [Line::on(3), Line::on(10)];
    let c = run(&visits, &visits);
    assert_eq!(c.differences, 0);
    assert_eq!(c.users[0].planned_units, c.users[0].actual_units);
}

#[test]
fn a_planned_service_with_no_jisseki_that_day_is_planned_not_delivered() {
    let c = run(&[Line::on(3), Line::on(10)], &[Line::on(3)]);
    assert_eq!(
        checks(&c),
        [(Check::PlannedNotDelivered, "20261210".into(), -387)]
    );
}

#[test]
fn a_jisseki_on_a_day_with_no_plan_is_delivered_not_planned() {
    let c = run(&[Line::on(3)], &[Line::on(3), Line::on(4)]);
    assert_eq!(
        checks(&c),
        [(Check::DeliveredNotPlanned, "20261204".into(), 387)]
    );
}

#[test]
fn the_same_service_on_the_same_day_at_other_times_is_time_changed() {
    let c = run(&[Line::on(3)], &[Line::on(3).at("1000", "1100")]);
    assert_eq!(checks(&c), [(Check::TimeChanged, "20261203".into(), 0)]);
    let d = &c.users[0].differences[0];
    assert_eq!(d.planned.as_ref().unwrap().times(), "9:30～10:30");
    assert_eq!(d.actual.as_ref().unwrap().times(), "10:00～11:00");
}

#[test]
fn the_same_service_on_the_same_day_another_number_of_times_is_count_changed() {
    let c = run(&[Line::on(3)], &[Line::on(3).count(2)]);
    assert_eq!(checks(&c), [(Check::CountChanged, "20261203".into(), 387)]);
}

#[test]
fn the_same_service_on_the_same_day_with_other_units_is_units_changed() {
    let c = run(&[Line::on(3)], &[Line::on(3).units(400)]);
    assert_eq!(checks(&c), [(Check::UnitsChanged, "20261203".into(), 13)]);
}

#[test]
fn a_jisseki_for_a_user_the_plan_does_not_have_is_no_plan() {
    let stranger = Line::on(3).user("0009999999");
    let c = run(&[Line::on(3)], &[Line::on(3), stranger]);
    let u = c
        .users
        .iter()
        .find(|u| u.key.insured == "0009999999")
        .unwrap();
    assert_eq!(u.differences[0].check, Check::NoPlan);
    // Its visits are still listed as not planned, so the month's grid shows them.
    assert!(
        u.differences[1..]
            .iter()
            .all(|d| d.check == Check::DeliveredNotPlanned)
    );
}

#[test]
fn a_jisseki_that_takes_the_month_over_the_limit_the_plan_kept_is_over_limit() {
    let plan = [Line::on(3), Line::on(10)];
    let jisseki = [Line::on(3), Line::on(10), Line::on(17)];
    let mut plan_bundle = common::files(FileKind::UpPlan, &plan);
    plan_bundle.push(hosoku(800));
    let plan = Bundle::new(plan_bundle);
    let c = compare(&plan, &bundle(FileKind::UpJsk, &jisseki)).remove(0);
    let u = &c.users[0];
    assert_eq!(
        (u.limit, u.plan_total, u.projected_total),
        (Some(800), 774, 1161)
    );
    assert_eq!(
        checks(&c),
        [
            (Check::DeliveredNotPlanned, "20261217".into(), 387),
            (Check::OverLimit, String::new(), 361)
        ]
    );
}

#[test]
fn a_plan_already_over_the_limit_is_not_reported_again() {
    let mut plan_bundle = common::files(FileKind::UpPlan, &[Line::on(3), Line::on(10)]);
    plan_bundle.push(hosoku(500));
    let plan = Bundle::new(plan_bundle);
    let jisseki = bundle(FileKind::UpJsk, &[Line::on(3), Line::on(10), Line::on(17)]);
    let c = compare(&plan, &jisseki).remove(0);
    assert!(
        c.users[0]
            .differences
            .iter()
            .all(|d| d.check != Check::OverLimit)
    );
}

#[test]
fn services_of_other_offices_in_the_plan_are_not_compared() {
    let other = Line::on(5).office("1320000009");
    let c = run(&[Line::on(3), other.clone()], &[Line::on(3)]);
    assert_eq!(c.differences, 0);
    // …but they count in the user's total against the limit.
    assert_eq!(c.users[0].plan_total, 2 * 387);
}

#[test]
fn of_two_plans_for_a_month_the_newer_serial_is_the_plan() {
    let old = common::file_named(FileKind::UpPlan, "20261125093000", &[Line::on(3)]);
    let new = common::file_named(FileKind::UpPlan, "20261128093000", &[Line::on(4)]);
    let plan = Bundle::new([new, old]);
    let c = compare(&plan, &bundle(FileKind::UpJsk, &[Line::on(4)])).remove(0);
    assert_eq!(c.differences, 0);
}

#[test]
fn of_two_jisseki_for_a_month_the_newer_serial_is_compared() {
    let old = common::file_named(FileKind::UpJsk, "20270103170000", &[Line::on(4)]);
    let new = common::file_named(FileKind::UpJsk, "20270105170000", &[Line::on(3)]);
    let c = compare(
        &bundle(FileKind::UpPlan, &[Line::on(3)]),
        &Bundle::new([old, new.clone()]),
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].jisseki_file, new.0);
    assert_eq!(c[0].differences, 0);
}

#[test]
fn the_grid_marks_each_differing_day_with_its_check() {
    let c = run(
        &[Line::on(3), Line::on(10)],
        &[Line::on(3).at("1000", "1100"), Line::on(11)],
    );
    let grid = &c.users[0].grid;
    let planned_row = grid.iter().find(|r| r.times == "9:30～10:30").unwrap();
    assert_eq!(planned_row.planned[2], 1);
    assert_eq!(planned_row.actual[2], 1);
    assert_eq!(planned_row.marks[2], Some(Check::TimeChanged));
    assert_eq!(planned_row.marks[9], Some(Check::PlannedNotDelivered));
    assert_eq!(planned_row.marks[10], Some(Check::DeliveredNotPlanned));
    assert_eq!(planned_row.marks[0], None);
}

#[test]
fn the_csv_export_has_a_header_and_one_row_per_difference_in_ms932() {
    let c = run(&[Line::on(3), Line::on(10)], &[Line::on(3).count(2)]);
    let bytes = c.to_csv();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 1 + c.differences);
    assert!(rows[0].starts_with("利用者氏名,保険者番号,被保険者番号,サービス提供日"));
    assert!(
        rows.iter()
            .any(|r| r.contains("回数が違う") && r.contains("20261203"))
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("予定あり・実績なし") && r.ends_with(",-387"))
    );
}

#[test]
fn the_sample_jisseki_differs_from_its_plan_in_exactly_the_four_ways() {
    let (plan, jisseki) = sample();
    let all = compare(&plan, &jisseki);
    assert_eq!(all.len(), 3, "one comparison per service office");
    for c in &all {
        let mut found: Vec<Check> = c
            .users
            .iter()
            .flat_map(|u| u.differences.iter().map(|d| d.check))
            .collect();
        found.sort();
        if c.service_type == "17" {
            // 福祉用具貸与 has no times: its 実績 is its plan.
            assert!(found.is_empty(), "{found:?}");
        } else {
            assert_eq!(
                found,
                [
                    Check::PlannedNotDelivered,
                    Check::DeliveredNotPlanned,
                    Check::TimeChanged,
                    Check::CountChanged
                ],
                "{}",
                c.office
            );
        }
    }
    golden("compare.json", &serde_json::to_string_pretty(&all).unwrap());
}
