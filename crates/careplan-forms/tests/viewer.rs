//! The viewer's model: every form of the standard opens per user, codes get their names, the
//! 第6表 is a calendar with the 実績 beside the plan, and what the spec leaves open is shown as
//! found.

mod common;

use careplan_csv::FileKind;
use careplan_csv::record::{self, write};
use careplan_csv::sample::every_kind;
use careplan_csv::values::YearMonth;
use careplan_forms::view::{Form, LimitPlacement, SikyuRowKind};
use careplan_forms::{Bundle, UserKey};
use common::{golden, sample};

fn every_kind_bundle() -> Bundle {
    Bundle::new(
        every_kind(YearMonth::parse("202612").unwrap())
            .into_iter()
            .map(|f| (f.name.to_string(), f.bytes)),
    )
}

fn kinds(forms: &[Form]) -> Vec<&'static str> {
    forms.iter().map(|f| f.source().kind).collect()
}

#[test]
fn every_user_of_the_sample_is_listed_with_their_name_and_kana() {
    let (plan, _) = sample();
    let users = plan.users();
    assert_eq!(users.len(), 5);
    assert!(
        users.iter().all(|u| u.name.is_some() && u.kana.is_some()),
        "{users:?}"
    );
    assert_eq!(users[0].name.as_deref(), Some("髙橋　花子"));
}

#[test]
fn every_file_type_of_the_standard_opens_as_a_form_of_its_user() {
    let bundle = every_kind_bundle();
    let mut seen: Vec<&str> = bundle
        .users()
        .iter()
        .flat_map(|u| kinds(&bundle.forms(&u.key).unwrap().forms))
        .collect();
    seen.sort();
    seen.dedup();
    let mut all: Vec<&str> = FileKind::ALL.iter().map(|k| k.prefix()).collect();
    all.sort();
    assert_eq!(seen, all);
}

#[test]
fn forms_come_in_the_order_staff_read_them() {
    let (plan, jisseki) = sample();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for b in [&jisseki, &plan] {
        for f in b.files() {
            files.push((f.name.clone(), record::write(&f.records).bytes));
        }
    }
    let both = Bundle::new(files);
    let key = &both.users()[0].key;
    let order = kinds(&both.forms(key).unwrap().forms);
    let rank = |k: &str| order.iter().position(|o| *o == k).unwrap();
    assert!(rank("UP1KYO") < rank("UP2KYO"));
    assert!(rank("UP2KYO") < rank("UP3KYO"));
    assert!(rank("UP3KYO") < rank("UPPLAN"));
    assert!(rank("UPPLAN") < rank("UPSIKYU"));
    assert!(rank("UPSIKYU") < rank("UPJSK"));
}

#[test]
fn codes_are_shown_with_the_names_of_the_spec_tables() {
    let (plan, _) = sample();
    let key = &plan.users()[0].key;
    let forms = plan.forms(key).unwrap().forms;
    let Some(Form::Sheet(hosoku)) = forms.iter().find(|f| f.source().kind == "UPHOSOKU") else {
        panic!("no 補足")
    };
    let level = hosoku.items.iter().find(|i| i.no == 18).unwrap();
    assert_eq!(
        (level.value.as_str(), level.shown.as_str()),
        ("21", "21 要介護１")
    );
    let birth = hosoku.items.iter().find(|i| i.no == 8).unwrap();
    assert!(birth.shown.starts_with("昭和"), "{birth:?}");
}

#[test]
fn items_the_spec_is_unsure_of_are_marked_and_shown_as_they_are() {
    let (plan, _) = sample();
    let key = &plan.users()[0].key;
    let forms = plan.forms(key).unwrap().forms;
    let Some(Form::Sheet(hosoku)) = forms.iter().find(|f| f.source().kind == "UPHOSOKU") else {
        panic!("no 補足")
    };
    // 利用者氏名フリガナ (No.5) is required with medium confidence (shared/spec/README.md §10).
    let kana = hosoku.items.iter().find(|i| i.no == 5).unwrap();
    assert!(kana.uncertain);
    assert_eq!(kana.value, kana.shown);
    assert!(hosoku.items.iter().any(|i| !i.uncertain));
}

#[test]
fn the_schedule_is_a_calendar_of_the_month_with_the_jisseki_beside_the_plan() {
    let (plan, jisseki) = sample();
    let jsk = jisseki
        .files()
        .iter()
        .find(|f| f.name.starts_with("UPJSK_202612_1320000001_"))
        .unwrap();
    let mut files: Vec<(String, Vec<u8>)> = plan
        .files()
        .iter()
        .filter(|f| f.name.contains("_1320000001_11_"))
        .map(|f| (f.name.clone(), write(&f.records).bytes))
        .collect();
    files.push((jsk.name.clone(), write(&jsk.records).bytes));
    let both = Bundle::new(files);
    let first = &both.users()[0];
    let forms = both.forms(&first.key).unwrap().forms;
    let Some(Form::Schedule(s)) = forms.iter().find(|f| f.source().kind == "UPPLAN") else {
        panic!("no 第6表")
    };
    assert_eq!(s.month_shown, "令和8年12月");
    assert_eq!(s.weekdays.len(), 31);
    assert_eq!(s.weekdays[0], 2, "2026-12-01 is a Tuesday");
    assert_eq!(s.actual_file.as_deref(), Some(jsk.name.as_str()));
    let visit = s.rows.iter().find(|r| r.code == "111211").unwrap();
    assert_eq!(visit.start, "9:30");
    assert_eq!(visit.service_type.as_deref(), Some("訪問介護"));
    // Planned Mon/Wed/Fri; the last one (the 30th) was not delivered.
    assert_eq!(visit.counts[29], 1);
    assert_eq!(visit.actual.as_ref().unwrap()[29], 0);
    assert_eq!(visit.total, visit.actual_total.unwrap() + 1);
    assert!(s.unplaced.is_empty());
}

#[test]
fn the_sample_sikyu_keeps_limit_units_on_the_rows_that_close_a_group() {
    let (plan, _) = sample();
    let key = &plan.users()[1].key;
    let forms = plan.forms(key).unwrap().forms;
    let Some(Form::Sikyu(s)) = forms.iter().find(|f| f.source().kind == "UPSIKYU") else {
        panic!("no 第7表")
    };
    assert_eq!(s.limits_on, LimitPlacement::ClosingRows);
    assert!(s.rows.iter().any(|r| r.row == SikyuRowKind::Subtotal));
    assert_eq!(s.rows.last().unwrap().row, SikyuRowKind::GrandTotal);
}

#[test]
fn a_sikyu_with_limit_units_on_detail_rows_is_shown_so() {
    let (plan, _) = sample();
    let file = plan
        .files()
        .iter()
        .find(|f| f.kind == Some(FileKind::UpSikyu))
        .unwrap();
    // Another vendor's reading: No.22 on each detail row, none on the subtotal.
    let mut records = file.records.clone();
    for r in &mut records {
        let code = r.get(9).to_owned();
        if code.ends_with("AAAA") {
            r.set(21, "").set(22, "");
        } else if code != "999999" {
            let units = r.get(17).to_owned();
            r.set(22, units);
        }
    }
    let bundle = Bundle::new([(file.name.clone(), write(&records).bytes)]);
    let mut placements = bundle
        .users()
        .iter()
        .filter_map(|u| {
            bundle
                .forms(&u.key)
                .unwrap()
                .forms
                .into_iter()
                .find_map(|f| match f {
                    Form::Sikyu(s) => Some(s.limits_on),
                    _ => None,
                })
        })
        .collect::<Vec<_>>();
    placements.sort_by_key(|p| *p as u8);
    assert!(placements.contains(&LimitPlacement::Both), "{placements:?}");
}

#[test]
fn an_unreadable_file_is_named_with_its_problem_and_the_others_still_open() {
    let (plan, _) = sample();
    let mut files: Vec<(String, Vec<u8>)> = plan
        .files()
        .iter()
        .map(|f| (f.name.clone(), write(&f.records).bytes))
        .collect();
    let broken = files[0].0.clone();
    files[0].1 = b"202407,131210,\"0001000100\r\n".to_vec();
    let bundle = Bundle::new(files);
    let f = bundle.files().iter().find(|f| f.name == broken).unwrap();
    assert!(
        f.problem.as_deref().unwrap().contains("1行目"),
        "{:?}",
        f.problem
    );
    assert_eq!(bundle.users().len(), 5);
}

#[test]
fn a_file_whose_name_is_not_the_standard_s_is_named_as_unknown() {
    let bundle = Bundle::new([("notes.csv".to_owned(), b"a,b\r\n".to_vec())]);
    assert!(bundle.files()[0].problem.is_some());
    assert!(bundle.users().is_empty());
}

#[test]
fn a_user_not_in_the_bundle_has_no_forms() {
    let (plan, _) = sample();
    let nobody = UserKey {
        insurer: "999999".into(),
        insured: "0000000000".into(),
    };
    assert!(plan.forms(&nobody).is_none());
}

#[test]
fn the_family_picture_opens_with_the_basic_information_that_names_it() {
    let bundle = every_kind_bundle();
    let with_picture = bundle.users().into_iter().find_map(|u| {
        let forms = bundle.forms(&u.key).unwrap().forms;
        forms.into_iter().find_map(|f| match f {
            Form::Image(i) => Some(i),
            _ => None,
        })
    });
    let image = with_picture.expect("the 家族構成 JPEG");
    assert!(
        image.jpeg_base64.starts_with("/9j/"),
        "a JPEG starts FF D8 FF"
    );
}

#[test]
fn the_first_sample_user_s_forms_match_the_golden_model() {
    let (plan, jisseki) = sample();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for b in [&plan, &jisseki] {
        for f in b
            .files()
            .iter()
            .filter(|f| f.name.contains("_1320000001_11_"))
        {
            files.push((f.name.clone(), write(&f.records).bytes));
        }
    }
    let bundle = Bundle::new(files);
    let forms = bundle.forms(&bundle.users()[0].key).unwrap();
    golden(
        "viewer-first-user.json",
        &serde_json::to_string_pretty(&forms).unwrap(),
    );
}

#[test]
fn a_jisseki_s_users_take_their_names_from_the_supplementary_information_sent_before() {
    let (plan, jisseki) = sample();
    let mut alone = Bundle::new(
        jisseki
            .files()
            .iter()
            .map(|f| (f.name.clone(), write(&f.records).bytes)),
    );
    assert!(
        alone.users().iter().all(|u| u.name.is_none()),
        "第6表 carries no name"
    );
    alone.borrow_names(&plan);
    let users = alone.users();
    assert!(
        users.iter().all(|u| u.name.is_some() && u.kana.is_some()),
        "{users:?}"
    );
    assert_eq!(alone.forms(&users[0].key).unwrap().user.name, users[0].name);
}

#[test]
fn a_unit_sent_to_several_offices_shows_each_form_once() {
    let (plan, _) = sample();
    // The second user is served by two offices: the 居宅 sent them the same plan twice.
    let key = &plan.users()[1].key;
    let files_with_user = plan
        .files()
        .iter()
        .filter(|f| {
            f.kind == Some(FileKind::Up1Kyo) && f.records.iter().any(|r| r.get(3) == key.insured)
        })
        .count();
    assert!(
        files_with_user > 1,
        "the sample sends the plan to two offices"
    );
    let forms = plan.forms(key).unwrap().forms;
    assert_eq!(kinds(&forms).iter().filter(|k| **k == "UP1KYO").count(), 1);
}
