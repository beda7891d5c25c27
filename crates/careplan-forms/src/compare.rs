//! 予実突合: the 居宅's plan (第6表 予定) set against what a service office reports it delivered
//! (実績), per user and day, with the units that follow and the user's totals against the
//! 区分支給限度基準額. Each [`Check`] is one rule of `docs/compare.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use careplan_csv::FileKind;
use careplan_csv::values::{Date, YearMonth};
use serde::Serialize;

use crate::bundle::{Bundle, ReadFile, UserKey};
use crate::display;
use crate::schedule::Line;

/// One named check of 予実突合.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A planned service with no 実績 on that day.
    PlannedNotDelivered,
    /// A 実績 with no planned service on that day.
    DeliveredNotPlanned,
    /// Planned and delivered on the same day at different times.
    TimeChanged,
    /// Planned and delivered on the same day a different number of times.
    CountChanged,
    /// Planned and delivered on the same day with different 単位数.
    UnitsChanged,
    /// The 実績 names a user the plan files have no 予定 for, for the month.
    NoPlan,
    /// With the 実績 in place of this office's plan, the user's month goes over the
    /// 区分支給限度基準額 that the plan kept to.
    OverLimit,
}

impl Check {
    /// Every check, in report order.
    pub const ALL: [Check; 7] = [
        Check::PlannedNotDelivered,
        Check::DeliveredNotPlanned,
        Check::TimeChanged,
        Check::CountChanged,
        Check::UnitsChanged,
        Check::NoPlan,
        Check::OverLimit,
    ];

    /// The check's name as staff read it.
    pub fn label(self) -> &'static str {
        match self {
            Check::PlannedNotDelivered => "予定あり・実績なし",
            Check::DeliveredNotPlanned => "実績あり・予定なし",
            Check::TimeChanged => "提供時間が違う",
            Check::CountChanged => "回数が違う",
            Check::UnitsChanged => "単位数が違う",
            Check::NoPlan => "予定が見つからない",
            Check::OverLimit => "区分支給限度基準額を超える",
        }
    }
}

/// A service on one day, as planned or as delivered.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    /// サービス開始時刻 as written (HHMM or 9999).
    pub start: String,
    /// サービス終了時刻 as written.
    pub end: String,
    /// サービス回数.
    pub count: u32,
    /// 単位数 of one service; `None` when not filled.
    pub units: Option<i64>,
}

impl Visit {
    fn of(l: &Line) -> Visit {
        Visit {
            start: l.start.to_owned(),
            end: l.end.to_owned(),
            count: l.count.unwrap_or(1),
            units: l.units,
        }
    }

    fn total(&self) -> i64 {
        self.units.unwrap_or(0) * i64::from(self.count)
    }

    /// `9:30～10:30`, or empty for a service without times.
    pub fn times(&self) -> String {
        let (s, e) = (display::time(&self.start), display::time(&self.end));
        if s.is_empty() && e.is_empty() {
            String::new()
        } else {
            format!("{s}～{e}")
        }
    }
}

/// One difference between plan and 実績.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Which check found it.
    pub check: Check,
    /// The day (YYYYMMDD); empty for a whole-month check.
    pub date: String,
    /// サービスコード; empty for a whole-month check.
    pub code: String,
    /// サービス種類 of the code.
    pub service_type: Option<String>,
    /// As planned.
    pub planned: Option<Visit>,
    /// As delivered.
    pub actual: Option<Visit>,
    /// Units delivered minus units planned (単位数 × 回数).
    pub units: i64,
}

/// One row of the calendar grid: a service at its planned time (or at the delivered time, for a
/// service that was not planned), with planned and delivered counts per day.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridRow {
    /// サービスコード.
    pub code: String,
    /// サービス種類 of the code.
    pub service_type: Option<String>,
    /// Start and end, `H:MM～H:MM`, or empty.
    pub times: String,
    /// Planned count per day (index 0 = day 1).
    pub planned: Vec<u32>,
    /// Delivered count per day.
    pub actual: Vec<u32>,
    /// The check that marks a day, when the day differs.
    pub marks: Vec<Option<Check>>,
}

/// One user of a 予実突合.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserComparison {
    /// The user.
    pub key: UserKey,
    /// 利用者氏名, when a file of either side names the user.
    pub name: Option<String>,
    /// Units this office was planned to deliver (単位数 × 回数).
    pub planned_units: i64,
    /// Units this office reports delivered.
    pub actual_units: i64,
    /// Units of the user's whole plan, all offices.
    pub plan_total: i64,
    /// The plan total with this office's 実績 in place of its plan.
    pub projected_total: i64,
    /// 区分支給限度基準額 (利用者補足情報 No.19), when the plan files give it.
    pub limit: Option<i64>,
    /// Differences, by day then service.
    pub differences: Vec<Difference>,
    /// The calendar grid.
    pub grid: Vec<GridRow>,
}

/// 予実突合 of one service office's 実績 for one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The service office (実績 sender).
    pub office: String,
    /// Its サービス種類.
    pub service_type: String,
    /// Its name, from the files.
    pub office_name: Option<String>,
    /// 対象年月 (YYYYMM).
    pub month: String,
    /// 対象年月 shown.
    pub month_shown: String,
    /// 曜日 of each day (1 = Monday).
    pub weekdays: Vec<u8>,
    /// The 実績 file.
    pub jisseki_file: String,
    /// The plan files the 予定 came from.
    pub plan_files: Vec<String>,
    /// Users, in the 実績's order, then users planned but absent from it.
    pub users: Vec<UserComparison>,
    /// Differences over all users.
    pub differences: usize,
}

/// The plan of one user for a month: the newest UPPLAN holding them (updates replace, R56).
struct Plan<'a> {
    file: &'a ReadFile,
    lines: Vec<Line<'a>>,
}

/// Of equal serials (one unit sent to several offices holds the same lines), the file sent to
/// `office` is preferred, so the comparison names the plan that office received.
fn newest_plans<'a>(
    plan: &'a Bundle,
    month: YearMonth,
    office: &str,
) -> BTreeMap<UserKey, Plan<'a>> {
    let mut out: BTreeMap<UserKey, Plan> = BTreeMap::new();
    for file in plan.files() {
        if file.kind != Some(FileKind::UpPlan) {
            continue;
        }
        let rank = |f: &ReadFile| {
            f.file_name
                .as_ref()
                .map(|n| (n.serial.clone(), n.recipient.office.as_str() == office))
        };
        let mut mine: BTreeMap<UserKey, Vec<Line>> = BTreeMap::new();
        for r in &file.records {
            let Some(l) = Line::of(r).filter(|l| l.month == Some(month)) else {
                continue;
            };
            mine.entry(UserKey {
                insurer: l.insurer.to_owned(),
                insured: l.insured.to_owned(),
            })
            .or_default()
            .push(l);
        }
        for (key, lines) in mine {
            let newer = out.get(&key).is_none_or(|p| rank(p.file) < rank(file));
            if newer {
                out.insert(key, Plan { file, lines });
            }
        }
    }
    out
}

/// 区分支給限度基準額 per user from the plan side's 利用者補足情報 of the month.
fn limits(plan: &Bundle, month: YearMonth) -> BTreeMap<UserKey, i64> {
    let m = month.to_string();
    let mut out = BTreeMap::new();
    for file in plan
        .files()
        .iter()
        .filter(|f| f.kind == Some(FileKind::UpHosoku))
    {
        for r in file.records.iter().filter(|r| r.get(63) == m) {
            if let Ok(limit) = r.get(19).parse() {
                out.insert(UserKey::of(r), limit);
            }
        }
    }
    out
}

/// 予実突合 of every 実績 in `jisseki` (one per service office and month; of several, the newest
/// replaces the older) against the 予定 in `plan`.
pub fn compare(plan: &Bundle, jisseki: &Bundle) -> Vec<Comparison> {
    let mut newest: BTreeMap<(String, String, String), &ReadFile> = BTreeMap::new();
    for f in jisseki
        .files()
        .iter()
        .filter(|f| f.kind == Some(FileKind::UpJsk))
    {
        let Some(n) = f.file_name.as_ref() else {
            continue;
        };
        let Some(month) = n.service_month() else {
            continue;
        };
        let key = (
            n.sender.office.to_string(),
            n.sender.service_type.to_string(),
            month.to_string(),
        );
        if newest
            .get(&key)
            .is_none_or(|old| old.file_name.as_ref().is_some_and(|o| o.serial < n.serial))
        {
            newest.insert(key, f);
        }
    }
    newest
        .into_iter()
        .filter_map(|((office, ty, month), file)| {
            let month = YearMonth::parse(&month)?;
            Some(compare_one(plan, jisseki, file, &office, &ty, month))
        })
        .collect()
}

fn compare_one(
    plan: &Bundle,
    jisseki: &Bundle,
    file: &ReadFile,
    office: &str,
    ty: &str,
    month: YearMonth,
) -> Comparison {
    let plans = newest_plans(plan, month, office);
    let limits = limits(plan, month);
    let ours = |l: &Line| l.office == office && l.code.get(..2) == Some(ty);
    // The 実績 per user, in file order; `at` finds a user's place (a month has thousands).
    let mut actual: Vec<(UserKey, Vec<Line>)> = Vec::new();
    let mut at: HashMap<UserKey, usize> = HashMap::new();
    for l in file.records.iter().filter_map(Line::of) {
        let key = UserKey {
            insurer: l.insurer.to_owned(),
            insured: l.insured.to_owned(),
        };
        match at.get(&key) {
            Some(&i) => actual[i].1.push(l),
            None => {
                at.insert(key.clone(), actual.len());
                actual.push((key, vec![l]));
            }
        }
    }
    let mut keys: Vec<UserKey> = actual.iter().map(|(k, _)| k.clone()).collect();
    for (k, p) in &plans {
        if !at.contains_key(k) && p.lines.iter().any(ours) {
            keys.push(k.clone());
        }
    }
    let name = |k: &UserKey| {
        [plan, jisseki]
            .into_iter()
            .find_map(|b| b.user(k).and_then(|u| u.name))
    };
    let mut plan_files = BTreeSet::new();
    let users: Vec<UserComparison> = keys
        .into_iter()
        .map(|key| {
            let delivered: Vec<&Line> = at
                .get(&key)
                .map(|&i| actual[i].1.iter().collect())
                .unwrap_or_default();
            let user_plan = plans.get(&key);
            if let Some(p) = user_plan {
                plan_files.insert(p.file.name.clone());
            }
            let planned: Vec<&Line> = user_plan
                .map(|p| p.lines.iter().filter(|l| ours(l)).collect())
                .unwrap_or_default();
            let plan_total: i64 = user_plan
                .map(|p| p.lines.iter().filter_map(Line::total_units).sum())
                .unwrap_or(0);
            let mut u = user(&key, month, &planned, &delivered);
            u.name = name(&key);
            u.plan_total = plan_total;
            u.projected_total = plan_total - u.planned_units + u.actual_units;
            u.limit = limits.get(&key).copied();
            if user_plan.is_none() {
                u.differences
                    .insert(0, whole_month(Check::NoPlan, u.actual_units));
            } else if let Some(limit) = u.limit
                && u.plan_total <= limit
                && u.projected_total > limit
            {
                u.differences
                    .push(whole_month(Check::OverLimit, u.projected_total - limit));
            }
            u
        })
        .collect();
    let office_name = file
        .records
        .iter()
        .filter_map(Line::of)
        .map(|l| l.office_name)
        .find(|n| !n.is_empty())
        .map(str::to_owned);
    Comparison {
        office: office.to_owned(),
        service_type: ty.to_owned(),
        office_name,
        month: month.to_string(),
        month_shown: display::month(month),
        weekdays: (1..=month.days())
            .map(|day| Date { ym: month, day }.weekday())
            .collect(),
        jisseki_file: file.name.clone(),
        plan_files: plan_files.into_iter().collect(),
        differences: users.iter().map(|u| u.differences.len()).sum(),
        users,
    }
}

fn whole_month(check: Check, units: i64) -> Difference {
    Difference {
        check,
        date: String::new(),
        code: String::new(),
        service_type: None,
        planned: None,
        actual: None,
        units,
    }
}

/// One service on one day: the lines of each side.
type Slot<'a> = (Vec<&'a Line<'a>>, Vec<&'a Line<'a>>);

fn user(key: &UserKey, month: YearMonth, planned: &[&Line], delivered: &[&Line]) -> UserComparison {
    let days = usize::from(month.days());
    // (service, day) → (planned, delivered). Lines whose date is not in the month cannot be
    // placed; the validator reports them (R64).
    let mut slots: BTreeMap<((&str, &str, &str), u8), Slot> = BTreeMap::new();
    for (side, lines) in [(0, planned), (1, delivered)] {
        for l in lines {
            let Some(d) = l.date.filter(|d| d.ym == month) else {
                continue;
            };
            let slot = slots.entry((l.service(), d.day)).or_default();
            if side == 0 {
                slot.0.push(l)
            } else {
                slot.1.push(l)
            }
        }
    }
    let mut differences = Vec::new();
    let mut grid: BTreeMap<(&str, &str, &str, String), GridRow> = BTreeMap::new();
    for (((office, code, disc), day), (mut p, mut a)) in slots {
        let date = Date { ym: month, day }.to_string();
        // Same times pair first; what is left pairs in file order.
        let mut pairs: Vec<(Option<&Line>, Option<&Line>)> = Vec::new();
        p.retain(|pl| {
            match a
                .iter()
                .position(|al| (al.start, al.end) == (pl.start, pl.end))
            {
                Some(i) => {
                    pairs.push((Some(pl), Some(a.remove(i))));
                    false
                }
                None => true,
            }
        });
        let (mut p, mut a) = (p.into_iter(), a.into_iter());
        loop {
            match (p.next(), a.next()) {
                (None, None) => break,
                pair => pairs.push(pair),
            }
        }
        for (pl, al) in pairs {
            let (pv, av) = (pl.map(|l| Visit::of(l)), al.map(|l| Visit::of(l)));
            let units = av.as_ref().map_or(0, Visit::total) - pv.as_ref().map_or(0, Visit::total);
            let mut found = Vec::new();
            match (&pv, &av) {
                (Some(_), None) => found.push(Check::PlannedNotDelivered),
                (None, Some(_)) => found.push(Check::DeliveredNotPlanned),
                (Some(x), Some(y)) => {
                    if (&x.start, &x.end) != (&y.start, &y.end) {
                        found.push(Check::TimeChanged);
                    }
                    if x.count != y.count {
                        found.push(Check::CountChanged);
                    }
                    if x.units != y.units {
                        found.push(Check::UnitsChanged);
                    }
                }
                (None, None) => {}
            }
            let shown_at = pv.as_ref().or(av.as_ref()).expect("a pair has a side");
            let row = grid
                .entry((office, code, disc, shown_at.times()))
                .or_insert_with(|| GridRow {
                    code: code.to_owned(),
                    service_type: display::service_type(code).map(str::to_owned),
                    times: shown_at.times(),
                    planned: vec![0; days],
                    actual: vec![0; days],
                    marks: vec![None; days],
                });
            let i = usize::from(day) - 1;
            row.planned[i] += pv.as_ref().map_or(0, |v| v.count);
            row.actual[i] += av.as_ref().map_or(0, |v| v.count);
            if let Some(first) = found.first() {
                row.marks[i] = Some(row.marks[i].map_or(*first, |m| m.min(*first)));
            }
            for (n, check) in found.into_iter().enumerate() {
                differences.push(Difference {
                    check,
                    date: date.clone(),
                    code: code.to_owned(),
                    service_type: display::service_type(code).map(str::to_owned),
                    planned: pv.clone(),
                    actual: av.clone(),
                    // A pair's units are counted once, on its first finding.
                    units: if n == 0 { units } else { 0 },
                });
            }
        }
    }
    differences.sort_by(|x, y| (&x.date, &x.code, x.check).cmp(&(&y.date, &y.code, y.check)));
    UserComparison {
        key: key.clone(),
        name: None,
        planned_units: planned.iter().filter_map(|l| l.total_units()).sum(),
        actual_units: delivered.iter().filter_map(|l| l.total_units()).sum(),
        plan_total: 0,
        projected_total: 0,
        limit: None,
        differences,
        grid: grid.into_values().collect(),
    }
}

impl Comparison {
    /// The differences as CSV (MS932, CRLF) for a spreadsheet: one row per difference.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut text = String::from(
            "利用者氏名,保険者番号,被保険者番号,サービス提供日,サービスコード,サービス種類,確認項目,予定時間,予定回数,実績時間,実績回数,単位数の差\r\n",
        );
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        for u in &self.users {
            for d in &u.differences {
                let side = |v: &Option<Visit>| match v {
                    Some(v) => (v.times(), v.count.to_string()),
                    None => (String::new(), String::new()),
                };
                let (pt, pc) = side(&d.planned);
                let (at, ac) = side(&d.actual);
                let fields = [
                    q(u.name.as_deref().unwrap_or("")),
                    u.key.insurer.clone(),
                    u.key.insured.clone(),
                    d.date.clone(),
                    d.code.clone(),
                    q(d.service_type.as_deref().unwrap_or("")),
                    q(d.check.label()),
                    pt,
                    pc,
                    at,
                    ac,
                    d.units.to_string(),
                ];
                text.push_str(&fields.join(","));
                text.push_str("\r\n");
            }
        }
        let mut out = Vec::new();
        careplan_csv::encoding::encode(&text, &mut out);
        out
    }
}
