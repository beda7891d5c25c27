//! From the history's rows to what each month's exchange would have cost on paper.

use std::collections::{BTreeMap, BTreeSet};

use careplan_csv::FileKind;
use careplan_csv::values::{Date, YearMonth};
use serde::Serialize;

use crate::costs::{CostItem, UnitCosts};

/// Which way a file went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Way {
    /// This office sent it.
    Sent,
    /// This office received it.
    Received,
}

/// What a document is, as offices count them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 居宅サービス計画書 第1–3表, 利用者基本情報, 介護予防サービス・支援計画書.
    Plan,
    /// サービス利用票（予定）第6表 and 別表 第7表.
    Schedule,
    /// 実績.
    Jisseki,
}

impl Category {
    /// The category a file type belongs to; `None` for files with no paper of their own
    /// (補足, deletions).
    fn of(kind: FileKind) -> Option<Category> {
        use FileKind::*;
        match kind {
            Up1Kyo | Up2Kyo | Up3Kyo | UpKihon | UpKihonSub1 | UpKihonSub2 | UpKihonImage
            | UpYobo | UpYoboSub => Some(Category::Plan),
            UpPlan | UpSikyu => Some(Category::Schedule),
            UpJsk => Some(Category::Jisseki),
            _ => None,
        }
    }
}

/// A4 sheets one user's part of a file of `kind` takes on paper (the official 様式).
fn sheets_per_user(kind: FileKind) -> u64 {
    use FileKind::*;
    match kind {
        Up2Kyo | UpKihon | UpYobo => 2,
        Up1Kyo | Up3Kyo | UpPlan | UpSikyu | UpJsk => 1,
        _ => 0,
    }
}

/// One file of the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanged {
    /// The day it was sent or received: days since 1970-01-01, Japan time.
    pub day: u64,
    /// Sent or received.
    pub way: Way,
    /// The partner's office number.
    pub partner: String,
    /// The partner's name, when known.
    pub partner_name: Option<String>,
    /// Its file type.
    pub kind: FileKind,
    /// What the files of one unit share (sender, recipient and serial of the name).
    pub unit: String,
    /// Users in it.
    pub users: u32,
}

/// Counts of one month, or one partner's month: documents (a unit to or from a partner on a
/// day) by category, and user documents (a user's forms in them).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Plans (第1–3表 and the like).
    pub plans: u64,
    /// Schedules (第6・7表).
    pub schedules: u64,
    /// 実績.
    pub jisseki: u64,
    /// Users' forms in them.
    pub user_documents: u64,
}

impl Counts {
    fn add(&mut self, category: Category, users: u64) {
        match category {
            Category::Plan => self.plans += 1,
            Category::Schedule => self.schedules += 1,
            Category::Jisseki => self.jisseki += 1,
        }
        self.user_documents += users;
    }
}

/// What one month's exchange would have cost on paper.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthCost {
    /// YYYYMM.
    pub month: String,
    /// Projected from the months recorded, not counted.
    pub projected: bool,
    /// What was sent.
    pub sent: Counts,
    /// What was received.
    pub received: Counts,
    /// A4 sheets the sent documents take.
    pub sheets: u64,
    /// Deliveries: a partner on a day something went to it.
    pub deliveries: u64,
    /// Printing (yen).
    pub paper_yen: i64,
    /// Postage, fax and travel (yen).
    pub delivery_yen: i64,
    /// Staff minutes.
    pub staff_minutes: i64,
    /// Staff time (yen).
    pub staff_yen: i64,
    /// Saved without staff time (yen).
    pub without_staff_yen: i64,
    /// Saved with staff time (yen).
    pub total_yen: i64,
}

/// One partner's month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerMonth {
    /// YYYYMM.
    pub month: String,
    /// The partner's office number.
    pub partner: String,
    /// Its name, when known.
    pub name: Option<String>,
    /// Sent to it.
    pub sent: Counts,
    /// Received from it.
    pub received: Counts,
}

/// The simulator's answer: the months recorded, the months projected to a year, per partner.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    /// The unit costs used, with their sources.
    pub costs: Vec<CostItem>,
    /// Months from the first recorded to the last, gaps included.
    pub months: Vec<MonthCost>,
    /// The months after them that make a year, each the average of the recorded ones.
    pub projected: Vec<MonthCost>,
    /// Per partner and month.
    pub partners: Vec<PartnerMonth>,
    /// Saved over a year — the last twelve months recorded, completed by the projection while
    /// there are fewer — with staff time (yen).
    pub year_total_yen: i64,
    /// The same year without staff time (yen).
    pub year_without_staff_yen: i64,
}

fn month_of(day: u64) -> YearMonth {
    Date::from_days(day).ym
}

/// A document: a unit to or from a partner on a day.
#[derive(Debug, Default)]
struct Document {
    category: Option<Category>,
    users: u64,
    sheets: u64,
}

/// What `rows` would have cost at `costs`; only the month `only` when given (its projection
/// is then that month times twelve).
pub fn report(rows: &[Exchanged], costs: &UnitCosts, only: Option<YearMonth>) -> CostReport {
    let mut documents: BTreeMap<(u64, Way, &str, &str), Document> = BTreeMap::new();
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rows {
        if only.is_some_and(|m| month_of(r.day) != m) {
            continue;
        }
        if let Some(n) = &r.partner_name {
            names.insert(&r.partner, n);
        }
        let d = documents
            .entry((r.day, r.way, &r.partner, &r.unit))
            .or_default();
        // A unit is what its main forms are: a 第6表 with its 補足 is a schedule.
        d.category = d.category.max(Category::of(r.kind));
        if Category::of(r.kind).is_some() {
            d.users = d.users.max(u64::from(r.users));
        }
        d.sheets += u64::from(r.users) * sheets_per_user(r.kind);
    }
    let mut months: BTreeMap<YearMonth, MonthCost> = BTreeMap::new();
    let mut partners: BTreeMap<(YearMonth, &str), PartnerMonth> = BTreeMap::new();
    let mut deliveries: BTreeSet<(u64, &str)> = BTreeSet::new();
    for ((day, way, partner, _), d) in &documents {
        let Some(category) = d.category else { continue };
        let ym = month_of(*day);
        let m = months.entry(ym).or_default();
        let p = partners
            .entry((ym, partner))
            .or_insert_with(|| PartnerMonth {
                month: ym.to_string(),
                partner: partner.to_string(),
                name: names.get(partner).map(|n| n.to_string()),
                sent: Counts::default(),
                received: Counts::default(),
            });
        match way {
            Way::Sent => {
                m.sent.add(category, d.users);
                p.sent.add(category, d.users);
                m.sheets += d.sheets;
                if deliveries.insert((*day, partner)) {
                    m.deliveries += 1;
                }
            }
            Way::Received => {
                m.received.add(category, d.users);
                p.received.add(category, d.users);
            }
        }
    }
    // Gaps are months with nothing exchanged: they count, as zero.
    if let (Some(first), Some(last)) =
        (months.keys().next().copied(), months.keys().last().copied())
    {
        let mut ym = first;
        while ym < last {
            ym = ym.next();
            months.entry(ym).or_default();
        }
    }
    let months: Vec<MonthCost> = months
        .into_iter()
        .map(|(ym, m)| {
            priced(
                MonthCost {
                    month: ym.to_string(),
                    ..m
                },
                costs,
            )
        })
        .collect();
    let projected = project(&months, costs);
    // The year: the last twelve months recorded, or those there are and the projection.
    let year: Vec<&MonthCost> = months
        .iter()
        .skip(months.len().saturating_sub(12))
        .chain(&projected)
        .collect();
    let year_total_yen = year.iter().map(|m| m.total_yen).sum();
    let year_without_staff_yen = year.iter().map(|m| m.without_staff_yen).sum();
    CostReport {
        costs: costs.items(),
        months,
        projected,
        partners: partners.into_values().collect(),
        year_total_yen,
        year_without_staff_yen,
    }
}

/// The month's counts priced at `costs`.
fn priced(m: MonthCost, c: &UnitCosts) -> MonthCost {
    let paper = m.sheets as f64 * c.print_yen_per_sheet;
    let delivery = m.deliveries as f64 * c.delivery_yen;
    let minutes = m.sent.user_documents as f64 * c.minutes_per_sent_document
        + m.deliveries as f64 * c.minutes_per_delivery
        + m.received.user_documents as f64 * c.minutes_per_received_document;
    let staff = minutes / 60.0 * c.staff_yen_per_hour;
    let paper_yen = paper.round() as i64;
    let delivery_yen = delivery.round() as i64;
    let staff_yen = staff.round() as i64;
    MonthCost {
        paper_yen,
        delivery_yen,
        staff_minutes: minutes.round() as i64,
        staff_yen,
        without_staff_yen: paper_yen + delivery_yen,
        total_yen: paper_yen + delivery_yen + staff_yen,
        ..m
    }
}

/// The months after `months` that complete twelve, each the recorded months' average.
fn project(months: &[MonthCost], costs: &UnitCosts) -> Vec<MonthCost> {
    let Some(last) = months.last() else {
        return Vec::new();
    };
    let n = months.len() as u64;
    let avg = |f: &dyn Fn(&MonthCost) -> u64| (months.iter().map(f).sum::<u64>() + n / 2) / n;
    let counts = |f: &dyn Fn(&MonthCost) -> &Counts| Counts {
        plans: avg(&|m| f(m).plans),
        schedules: avg(&|m| f(m).schedules),
        jisseki: avg(&|m| f(m).jisseki),
        user_documents: avg(&|m| f(m).user_documents),
    };
    let average = MonthCost {
        projected: true,
        sent: counts(&|m| &m.sent),
        received: counts(&|m| &m.received),
        sheets: avg(&|m| m.sheets),
        deliveries: avg(&|m| m.deliveries),
        ..MonthCost::default()
    };
    let mut ym = YearMonth::parse(&last.month).unwrap_or(YearMonth {
        year: 2000,
        month: 1,
    });
    (months.len()..12)
        .map(|_| {
            ym = ym.next();
            priced(
                MonthCost {
                    month: ym.to_string(),
                    ..average.clone()
                },
                costs,
            )
        })
        .collect()
}

impl CostReport {
    /// The report as CSV (MS932, as office software opens it): the months, then the unit costs
    /// with their sources.
    pub fn to_csv(&self) -> Vec<u8> {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut text = String::from(
            "年月,区分,送った計画,送った予定,送った実績,送った利用者分,受け取った計画,受け取った予定,受け取った実績,受け取った利用者分,印刷枚数,届けた回数,印刷(円),郵送・FAX・持参(円),職員の時間(分),人件費(円),削減額・人件費を除く(円),削減額(円)\r\n",
        );
        for m in self.months.iter().chain(&self.projected) {
            let fields = [
                m.month.clone(),
                q(if m.projected { "見込み" } else { "実績" }),
                m.sent.plans.to_string(),
                m.sent.schedules.to_string(),
                m.sent.jisseki.to_string(),
                m.sent.user_documents.to_string(),
                m.received.plans.to_string(),
                m.received.schedules.to_string(),
                m.received.jisseki.to_string(),
                m.received.user_documents.to_string(),
                m.sheets.to_string(),
                m.deliveries.to_string(),
                m.paper_yen.to_string(),
                m.delivery_yen.to_string(),
                m.staff_minutes.to_string(),
                m.staff_yen.to_string(),
                m.without_staff_yen.to_string(),
                m.total_yen.to_string(),
            ];
            text.push_str(&fields.join(","));
            text.push_str("\r\n");
        }
        text.push_str(&format!(
            "1年間,{},,,,,,,,,,,,,,,{},{}\r\n",
            q("合計"),
            self.year_without_staff_yen,
            self.year_total_yen
        ));
        text.push_str("\r\n項目,値,単位,出典\r\n");
        for c in &self.costs {
            text.push_str(&format!(
                "{},{},{},{}\r\n",
                q(c.label),
                c.value,
                q(c.unit),
                q(c.source)
            ));
        }
        let mut out = Vec::new();
        careplan_csv::encoding::encode(&text, &mut out);
        out
    }
}
