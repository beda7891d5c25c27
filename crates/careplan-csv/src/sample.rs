//! Realistic sample exchanges: what a 居宅介護支援事業所 and its service offices send in a month.
//!
//! Used for demo data, tests and benchmarks. Content is deterministic for the same options, varied
//! enough to exercise the standard (quoted text with commas and line breaks, IBM-extension kanji
//! such as 髙 and 﨑, 生保単独 numbers, welfare-equipment codes, multi-code 第7表 subtotals).

use std::collections::BTreeMap;

use crate::filename::{FileName, NameMonth, Party};
use crate::kind::FileKind;
use crate::record::{Record, write};
use crate::spec::CURRENT_CSV_VERSION;
use crate::values::{Date, OfficeNumber, ServiceType, YearMonth};

/// The family-structure JPEG sent with 利用者基本情報 samples.
pub const FAMILY_JPEG: &[u8] = include_bytes!("../assets/family.jpg");

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// The 居宅介護支援事業所 (service type 43).
    pub kyotaku: OfficeNumber,
    /// The service offices and the type each provides.
    pub services: Vec<(OfficeNumber, ServiceType)>,
    /// The service month of the 利用票 and 実績.
    pub month: YearMonth,
    /// Number of clients.
    pub users: usize,
}

/// Why options cannot make a valid exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// No service office given.
    #[error("at least one service office is needed")]
    NoServiceOffice,
    /// A type outside the standard's scope.
    #[error("service type {0} is out of scope of the standard")]
    OutOfScope(String),
    /// The same office number twice, or equal to the 居宅's.
    #[error("office {0} appears twice")]
    DuplicateOffice(String),
    /// Zero clients.
    #[error("at least one user is needed")]
    NoUsers,
    /// 202407 applies from 2025-04.
    #[error("month {0} is before 2025-04, when edition 4.1 applies")]
    MonthTooEarly(String),
}

/// One generated file.
#[derive(Debug, Clone)]
pub struct SampleFile {
    /// Its name, which carries kind and routing.
    pub name: FileName,
    /// Its exact bytes (MS932, CRLF).
    pub bytes: Vec<u8>,
}

const KYOTAKU_TYPE: &str = "43";

/// The sample 居宅's short name; its full name is [`KYOTAKU_NAME`].
const KYOTAKU_SHORT_NAME: &str = "さくら";
const KYOTAKU_NAME: &str = "居宅介護支援事業所さくら";

struct Menu {
    /// The 4 characters after the service type in the サービスコード.
    item: &'static str,
    name: &'static str,
    units: u32,
    times: (&'static str, &'static str),
    weekdays: &'static [u8],
    equipment: Option<(&'static str, &'static str)>,
}

const fn m(
    item: &'static str,
    name: &'static str,
    units: u32,
    times: (&'static str, &'static str),
    weekdays: &'static [u8],
) -> Menu {
    Menu {
        item,
        name,
        units,
        times,
        weekdays,
        equipment: None,
    }
}

const fn rental(
    item: &'static str,
    name: &'static str,
    units: u32,
    tais: &'static str,
    model: &'static str,
) -> Menu {
    Menu {
        item,
        name,
        units,
        times: ("9999", "9999"),
        weekdays: &[],
        equipment: Some((tais, model)),
    }
}

// A plausible weekly pattern per service type; codes follow the サービスコード shape (type + 4).
static HOMEHELP: [Menu; 2] = [
    m("1211", "身体介護２", 387, ("0930", "1030"), &[1, 3, 5]),
    m("2311", "生活援助３", 220, ("1500", "1600"), &[2]),
];
static BATH: [Menu; 1] = [m("1111", "訪問入浴介護Ⅰ", 1266, ("1400", "1500"), &[2])];
static NURSING: [Menu; 1] = [m("1121", "訪看Ⅰ３", 823, ("1300", "1400"), &[4])];
static REHAB: [Menu; 1] = [m("1111", "訪問リハⅠ", 308, ("1000", "1040"), &[2])];
static DAY: [Menu; 2] = [
    m("1153", "通所介護Ⅰ３３", 753, ("0930", "1640"), &[1, 4]),
    m(
        "5051",
        "通所介護入浴介助加算Ⅰ",
        40,
        ("0930", "1640"),
        &[1, 4],
    ),
];
static DAY_REHAB: [Menu; 1] = [m("1133", "通所リハⅠ３３", 762, ("0930", "1600"), &[3, 6])];
static EQUIPMENT: [Menu; 2] = [
    rental(
        "1001",
        "車いす貸与",
        500,
        "00170-000123",
        "自走式車いす　ＫＺ－２２",
    ),
    rental(
        "1002",
        "特殊寝台貸与",
        900,
        "00312-000045",
        "電動ベッド　３モーター",
    ),
];
static COMMUNITY_DAY: [Menu; 1] = [m("1153", "地域通所介護３３", 753, ("0930", "1640"), &[3])];

fn menu(t: ServiceType) -> &'static [Menu] {
    static OTHER: [Menu; 1] = [m("1111", "サービス", 500, ("1000", "1100"), &[5])];
    match t.as_str() {
        "11" => &HOMEHELP,
        "12" => &BATH,
        "13" => &NURSING,
        "14" => &REHAB,
        "15" => &DAY,
        "16" => &DAY_REHAB,
        "17" | "67" => &EQUIPMENT,
        "78" => &COMMUNITY_DAY,
        // Other in-scope types get one weekly visit under a code of their own type.
        _ => &OTHER,
    }
}

struct Person {
    kana: &'static str,
    name: &'static str,
    sex: &'static str,
    birth: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        kana: "タカハシ ハナコ",
        name: "髙橋　花子",
        sex: "2",
        birth: "19380412",
    },
    Person {
        kana: "ヤマザキ マサオ",
        name: "山﨑　正雄",
        sex: "1",
        birth: "19350903",
    },
    Person {
        kana: "サトウ トメ",
        name: "佐藤　トメ",
        sex: "2",
        birth: "19321128",
    },
    Person {
        kana: "スズキ キヨシ",
        name: "鈴木　清",
        sex: "1",
        birth: "19400115",
    },
    Person {
        kana: "タナカ カズコ",
        name: "田中　和子",
        sex: "2",
        birth: "19420630",
    },
    Person {
        kana: "イトウ シゲル",
        name: "伊藤　茂",
        sex: "1",
        birth: "19370221",
    },
    Person {
        kana: "ワタナベ サチコ",
        name: "渡邉　幸子",
        sex: "2",
        birth: "19411007",
    },
    Person {
        kana: "ナカムラ ヒサコ",
        name: "中村　久子",
        sex: "2",
        birth: "19361214",
    },
    Person {
        kana: "コバヤシ イサム",
        name: "小林　勇",
        sex: "1",
        birth: "19390518",
    },
    Person {
        kana: "サイトウ フミ",
        name: "齋藤　フミ",
        sex: "2",
        birth: "19330801",
    },
];

const STREETS: &[&str] = &[
    "練馬区豊玉北",
    "杉並区阿佐谷南",
    "中野区鷺宮",
    "板橋区常盤台",
    "世田谷区経堂",
];
const OFFICE_NAMES: &[&str] = &[
    "ひまわり",
    "けやき",
    "あおば",
    "つばさ",
    "こもれび",
    "さつき",
    "わかば",
    "すみれ",
];

struct User {
    insurer: String,
    insured: String,
    person: &'static Person,
    level: &'static str,
    limit: u32,
    postal: String,
    address: String,
    phone: String,
    /// Indexes into the service offices this user uses.
    offices: Vec<usize>,
}

struct Ctx<'a> {
    opts: &'a SampleOptions,
    users: Vec<User>,
    plan_date: String,
    first_plan_date: String,
    cert: (String, String, String),
    manager: &'static str,
    kyotaku_name: &'static str,
}

impl SampleOptions {
    /// What `kizuna sample` writes by default for `month`: 居宅 1310000001 with 訪問介護
    /// 1320000001, 通所介護 1320000002 and 福祉用具貸与 1320000003, and `users` clients.
    pub fn three_partners(month: YearMonth, users: usize) -> SampleOptions {
        let office = |n: &str| OfficeNumber::parse(n).expect("10 digits");
        let service = |t: &str| ServiceType::parse(t).expect("a service type");
        SampleOptions {
            kyotaku: office("1310000001"),
            services: vec![
                (office("1320000001"), service("11")),
                (office("1320000002"), service("15")),
                (office("1320000003"), service("17")),
            ],
            month,
            users,
        }
    }

    fn check(&self) -> Result<(), SampleError> {
        if self.services.is_empty() {
            return Err(SampleError::NoServiceOffice);
        }
        if self.users == 0 {
            return Err(SampleError::NoUsers);
        }
        if self.month
            < (YearMonth {
                year: 2025,
                month: 4,
            })
        {
            return Err(SampleError::MonthTooEarly(self.month.to_string()));
        }
        let mut seen = vec![self.kyotaku.clone()];
        for (o, t) in &self.services {
            if !t.is_in_scope() {
                return Err(SampleError::OutOfScope(t.to_string()));
            }
            if seen.contains(o) {
                return Err(SampleError::DuplicateOffice(o.to_string()));
            }
            seen.push(o.clone());
        }
        Ok(())
    }
}

/// Each office of a sample with its name and the short name folders are named by
/// (`1310000001-さくら`): the 居宅 first, then the service offices in order.
pub fn offices(opts: &SampleOptions) -> Vec<(OfficeNumber, String, &'static str)> {
    let mut all = vec![(
        opts.kyotaku.clone(),
        KYOTAKU_NAME.to_owned(),
        KYOTAKU_SHORT_NAME,
    )];
    for (i, (o, t)) in opts.services.iter().enumerate() {
        all.push((
            o.clone(),
            office_name(*t, i),
            OFFICE_NAMES[i % OFFICE_NAMES.len()],
        ));
    }
    all
}

fn office_name(t: ServiceType, i: usize) -> String {
    let flower = OFFICE_NAMES[i % OFFICE_NAMES.len()];
    match t.as_str() {
        "11" => format!("{flower}訪問介護ステーション"),
        "13" => format!("訪問看護ステーション{flower}"),
        "15" | "78" => format!("デイサービスセンター{flower}"),
        "16" => format!("{flower}通所リハビリテーション"),
        "17" => format!("{flower}福祉用具レンタル"),
        _ => format!("{}{flower}", t.name_ja().unwrap_or("介護サービス")),
    }
}

fn prev_month(m: YearMonth) -> YearMonth {
    if m.month == 1 {
        YearMonth {
            year: m.year - 1,
            month: 12,
        }
    } else {
        YearMonth {
            year: m.year,
            month: m.month - 1,
        }
    }
}

fn users(opts: &SampleOptions) -> Vec<User> {
    let k = opts.services.len();
    let n = opts.users;
    (0..n)
        .map(|i| {
            let person = &PEOPLE[i % PEOPLE.len()];
            let (level, limit) = [
                ("21", 16765),
                ("22", 19705),
                ("23", 27048),
                ("24", 30938),
                ("25", 36217),
            ][i % 5];
            // Every user has a main office; some have a second. Every office gets a user.
            let mut offices = vec![i % k];
            if i % 2 == 1 && k > 1 {
                offices.push((i + 1) % k);
            }
            for j in (0..k).filter(|j| j % n == i) {
                if !offices.contains(&j) {
                    offices.push(j);
                }
            }
            offices.sort();
            let insured = if i == 3 {
                format!("H{:09}", 100 + i)
            } else {
                format!("{:010}", 1_000_100 + i * 7)
            };
            User {
                insurer: format!("1312{:02}", 10 + i % 3),
                insured,
                person,
                level,
                limit,
                postal: format!("17{}-{:04}", 6 + i % 3, 10 + i % 9000),
                address: format!(
                    "東京都{}{}丁目{}番{}号",
                    STREETS[i % STREETS.len()],
                    ["一", "二", "三", "四"][i % 4],
                    3 + i,
                    1 + i % 9
                ),
                phone: format!("03-39{:02}-{:04}", i % 100, (1200 + i * 13) % 10_000),
                offices,
            }
        })
        .collect()
}

impl Ctx<'_> {
    fn service(&self, idx: usize) -> &(OfficeNumber, ServiceType) {
        &self.opts.services[idx]
    }

    fn month_str(&self) -> String {
        self.opts.month.to_string()
    }

    fn name(
        &self,
        kind: FileKind,
        month: Option<NameMonth>,
        from: Party,
        to: Party,
        serial: &str,
    ) -> FileName {
        FileName {
            kind,
            month,
            sender: from,
            recipient: to,
            serial: serial.to_owned(),
            branch: None,
        }
    }

    fn kyotaku(&self) -> Party {
        Party {
            office: self.opts.kyotaku.clone(),
            service_type: ServiceType::parse(KYOTAKU_TYPE).expect("43"),
        }
    }

    fn office(&self, idx: usize) -> Party {
        let (office, service_type) = self.service(idx).clone();
        Party {
            office,
            service_type,
        }
    }

    // Every planned 第6表 line of a user, over all of the user's offices (R32).
    fn schedule(&self, u: &User) -> Vec<(usize, &'static Menu, Date)> {
        let mut out = Vec::new();
        let m = self.opts.month;
        for &o in &u.offices {
            for item in menu(self.service(o).1) {
                if item.weekdays.is_empty() {
                    out.push((o, item, Date { ym: m, day: 1 }));
                    continue;
                }
                for day in 1..=m.days() {
                    let d = Date { ym: m, day };
                    if item.weekdays.contains(&d.weekday()) {
                        out.push((o, item, d));
                    }
                }
            }
        }
        out.sort_by(|a, b| (a.2, a.0, a.1.item).cmp(&(b.2, b.0, b.1.item)));
        out
    }

    fn schedule_record(
        &self,
        kind: FileKind,
        u: &User,
        o: usize,
        item: &Menu,
        d: Date,
        updater: &str,
    ) -> Record {
        let (office, _) = self.service(o);
        let mut r = Record::new(kind);
        r.set(1, CURRENT_CSV_VERSION)
            .set(2, &u.insurer)
            .set(3, &u.insured)
            .set(4, &self.plan_date);
        r.set(5, self.month_str())
            .set(6, self.opts.kyotaku.as_str())
            .set(7, self.manager);
        r.set(8, item.units.to_string()).set(10, d.to_string());
        r.set(12, item.times.0)
            .set(13, item.times.1)
            .set(14, "1")
            .set(15, format!("{}{}", self.service(o).1, item.item));
        if let Some((tais, model)) = item.equipment {
            r.set(16, tais).set(18, model);
        }
        r.set(20, office.as_str())
            .set(21, office_name(self.service(o).1, o))
            .set(23, "0")
            .set(24, updater);
        r
    }

    fn hosoku(&self, u: &User, plan_unit: bool) -> Record {
        let mut r = Record::new(FileKind::UpHosoku);
        r.set(1, CURRENT_CSV_VERSION)
            .set(2, &u.insurer)
            .set(3, &u.insured);
        r.set(
            4,
            if plan_unit {
                self.plan_date.clone()
            } else {
                "00000000".into()
            },
        );
        r.set(5, u.person.kana)
            .set(6, u.person.name)
            .set(7, u.person.sex)
            .set(8, u.person.birth);
        r.set(9, &u.postal)
            .set(10, &u.address)
            .set(11, "")
            .set(12, &u.phone);
        r.set(13, &self.cert.0)
            .set(14, &self.cert.1)
            .set(15, &self.cert.2)
            .set(16, "2");
        r.set(18, u.level)
            .set(19, u.limit.to_string())
            .set(56, "0")
            .set(59, u.level);
        r.set(60, self.opts.kyotaku.as_str())
            .set(61, self.opts.kyotaku.as_str());
        r.set(
            63,
            if plan_unit {
                "000000".into()
            } else {
                self.month_str()
            },
        );
        r
    }

    fn plan1(&self, i: usize, u: &User) -> Record {
        let mut r = Record::new(FileKind::Up1Kyo);
        r.set(1, CURRENT_CSV_VERSION)
            .set(2, &u.insurer)
            .set(3, &u.insured)
            .set(4, &self.plan_date);
        r.set(5, &u.postal)
            .set(6, &u.address)
            .set(8, self.manager)
            .set(9, self.kyotaku_name);
        r.set(10, "176-0001")
            .set(11, "東京都練馬区練馬一丁目17番1号")
            .set(12, "ケアセンター２階");
        r.set(13, self.opts.kyotaku.as_str())
            .set(14, &self.plan_date)
            .set(15, &self.first_plan_date);
        r.set(16, "21")
            .set(17, "2")
            .set(18, &self.cert.0)
            .set(19, &self.cert.1)
            .set(20, &self.cert.2)
            .set(21, u.level);
        r.set(22, "本人：住み慣れた自宅で、できるだけ自分のことは自分でしたい。\r\n家族（長女）：転倒が心配なので、入浴は見守りがほしい。仕事があるため, 平日の日中は不在です。");
        r.set(23, "特になし");
        r.set(
            24,
            "転倒を防ぎ、自宅での生活を続けられるよう支援します。\r\n緊急連絡先：長女 090-1234-56"
                .to_owned()
                + &format!("{:02}", i % 100),
        );
        if i == 0 {
            r.set(25, "1");
        }
        r.set(27, self.opts.kyotaku.as_str());
        r
    }

    fn plan2(&self, u: &User) -> Vec<Record> {
        let needs = [
            (
                "一人で安全に入浴したい",
                "自宅の浴室で安全に入浴できる",
                "見守りのもとで週２回入浴する",
            ),
            (
                "足腰の力を保ち、転ばずに歩きたい",
                "屋内を杖で安全に歩ける",
                "下肢筋力を維持する",
            ),
        ];
        let period_long = "令和７年４月１日～令和８年３月31日";
        let period_short = "令和７年４月１日～令和７年９月30日";
        let mut out = Vec::new();
        for (n, (need, long, short)) in needs.iter().enumerate() {
            for (k, &o) in u.offices.iter().enumerate() {
                let (office, t) = self.service(o);
                let mut r = Record::new(FileKind::Up2Kyo);
                r.set(1, CURRENT_CSV_VERSION)
                    .set(2, &u.insurer)
                    .set(3, &u.insured)
                    .set(4, &self.plan_date)
                    .set(5, &self.plan_date);
                r.set(6, (n + 1).to_string())
                    .set(8, "1")
                    .set(13, (k + 1).to_string());
                // Print style (R73): need and goal text only on their first row.
                if k == 0 {
                    r.set(7, *need)
                        .set(9, *long)
                        .set(10, *short)
                        .set(11, period_long)
                        .set(12, period_short);
                }
                let first = &menu(*t)[0];
                r.set(
                    14,
                    format!("{}（{}）", t.name_ja().unwrap_or(""), first.name),
                )
                .set(15, "Y");
                r.set(16, t.name_ja().unwrap_or(""))
                    .set(17, office.as_str())
                    .set(18, office_name(*t, o));
                let per_week = first.weekdays.len();
                r.set(
                    19,
                    if per_week == 0 {
                        "毎日".to_owned()
                    } else {
                        format!("週{per_week}回")
                    },
                )
                .set(20, period_short);
                r.set(21, self.opts.kyotaku.as_str());
                out.push(r);
            }
        }
        out
    }

    fn plan3(&self, u: &User) -> Vec<Record> {
        let base = |r: &mut Record| {
            r.set(1, CURRENT_CSV_VERSION)
                .set(2, &u.insurer)
                .set(3, &u.insured)
                .set(4, &self.plan_date)
                .set(5, &self.plan_date);
        };
        let mut out = Vec::new();
        let mut equipment = Vec::new();
        for &o in &u.offices {
            let t = self.service(o).1;
            for item in menu(t) {
                if item.weekdays.is_empty() {
                    equipment.push(item.name);
                }
                for &w in item.weekdays {
                    let mut r = Record::new(FileKind::Up3Kyo);
                    base(&mut r);
                    r.set(6, format!("{}（{}）", t.name_ja().unwrap_or(""), item.name))
                        .set(7, w.to_string());
                    r.set(8, item.times.0).set(9, item.times.1);
                    out.push(r);
                }
            }
        }
        for (what, from, to) in [
            ("起床・朝食", "0700", "0800"),
            ("昼食", "1200", "1300"),
            ("夕食・服薬", "1800", "1900"),
            ("就寝", "2100", "2130"),
        ] {
            let mut r = Record::new(FileKind::Up3Kyo);
            base(&mut r);
            r.set(10, what).set(11, from).set(12, to);
            out.push(r);
        }
        let mut r = Record::new(FileKind::Up3Kyo);
        base(&mut r);
        let mut text = String::from("月１回　かかりつけ医受診（長女付き添い）");
        for e in equipment {
            text.push_str(&format!("、福祉用具（{e}）"));
        }
        r.set(13, text);
        out.push(r);
        out
    }

    // 第7表 for one user: detail rows, subtotals for multi-code types, the grand total (R66–R68).
    fn sikyu(&self, u: &User) -> Vec<Record> {
        let mut per_code: BTreeMap<(usize, &'static str), (&Menu, u32)> = BTreeMap::new();
        for (o, item, _) in self.schedule(u) {
            per_code.entry((o, item.item)).or_insert((item, 0)).1 += 1;
        }
        let base = |r: &mut Record| {
            r.set(1, CURRENT_CSV_VERSION)
                .set(2, &u.insurer)
                .set(3, &u.insured)
                .set(4, &self.plan_date)
                .set(5, self.month_str());
            r.set(33, "0")
                .set(34, "9999999999")
                .set(36, self.opts.kyotaku.as_str());
        };
        let money = |r: &mut Record, units: u32| {
            let cost = units * 1140 / 100; // 1級地 訪問系 11.40 円
            let claim = cost * 9 / 10;
            r.set(22, units.to_string())
                .set(23, "11.40")
                .set(24, cost.to_string())
                .set(25, "90");
            r.set(26, claim.to_string())
                .set(28, (cost - claim).to_string())
                .set(29, "0");
            cost
        };
        let mut out = Vec::new();
        let (mut total_units, mut total_cost, mut total_claim) = (0, 0, 0);
        let mut by_office: BTreeMap<usize, Vec<(&Menu, u32)>> = BTreeMap::new();
        for ((o, _), v) in per_code {
            by_office.entry(o).or_default().push(v);
        }
        for (o, items) in by_office {
            let (office, t) = self.service(o);
            let name = office_name(*t, o);
            let type_units: u32 = items.iter().map(|(m, n)| m.units * n).sum();
            let several = items.len() > 1;
            for (item, count) in &items {
                let units = item.units * count;
                let mut r = Record::new(FileKind::UpSikyu);
                base(&mut r);
                r.set(6, &name)
                    .set(7, office.as_str())
                    .set(9, format!("{t}{}", item.item))
                    .set(13, item.units.to_string())
                    .set(16, count.to_string());
                if let Some((tais, model)) = item.equipment {
                    r.set(10, tais).set(12, model);
                }
                r.set(17, units.to_string()).set(18, units.to_string());
                if !several {
                    r.set(21, "0");
                    money(&mut r, units);
                }
                out.push(r);
            }
            if several {
                let mut r = Record::new(FileKind::UpSikyu);
                base(&mut r);
                // 回数／日数 is required on every row; a subtotal has no count of its own.
                r.set(6, &name)
                    .set(7, office.as_str())
                    .set(9, format!("{t}AAAA"))
                    .set(13, "0")
                    .set(16, "0");
                r.set(17, type_units.to_string())
                    .set(18, type_units.to_string())
                    .set(21, "0");
                money(&mut r, type_units);
                out.push(r);
            }
            let cost = type_units * 1140 / 100;
            total_units += type_units;
            total_cost += cost;
            total_claim += cost * 9 / 10;
        }
        let mut r = Record::new(FileKind::UpSikyu);
        base(&mut r);
        r.set(7, "9999999999")
            .set(9, "999999")
            .set(13, "0")
            .set(16, "0");
        r.set(17, total_units.to_string())
            .set(18, total_units.to_string())
            .set(21, "0")
            .set(22, total_units.to_string());
        r.set(24, total_cost.to_string())
            .set(26, total_claim.to_string())
            .set(28, (total_cost - total_claim).to_string());
        out.push(r);
        out
    }
}

/// One 第6表 line of a user as delivered: what the plan said, or what happened instead.
struct Visit {
    item: &'static Menu,
    date: Date,
    start: String,
    end: String,
    count: u32,
}

impl Visit {
    fn planned(item: &'static Menu, date: Date) -> Visit {
        Visit {
            item,
            date,
            start: item.times.0.to_owned(),
            end: item.times.1.to_owned(),
            count: 1,
        }
    }

    fn has_times(&self) -> bool {
        self.start != "9999"
    }
}

/// The plan of one office's users (in user order) turned into its 実績, differing in exactly four
/// ways when the office's services have times: the first user's last visit did not happen, the
/// second user's first visit started and ended 30 minutes later, the third user's last visit
/// counted twice, and the last user had an extra visit the day after their first one (on a day
/// that service was not planned). Users are taken modulo their number, so one user gets all four;
/// an office with only untimed services (福祉用具貸与) delivers exactly its plan.
fn jisseki_differences(mut users: Vec<Vec<Visit>>) -> Vec<Vec<Visit>> {
    let n = users.len();
    let timed = |visits: &[Visit]| visits.iter().filter(|v| v.has_times()).count();
    // Three timed visits each keep the four apart when one user gets them all.
    if n == 0 || users.iter().any(|v| timed(v) < 3) {
        return users;
    }
    let last_timed = |visits: &[Visit]| visits.iter().rposition(Visit::has_times);
    let first_timed = |visits: &[Visit]| visits.iter().position(Visit::has_times);
    // Missed visit.
    if let Some(i) = last_timed(&users[0]) {
        users[0].remove(i);
    }
    // Changed time.
    if let Some(i) = first_timed(&users[1 % n]) {
        let v = &mut users[1 % n][i];
        v.start = later(&v.start, 30);
        v.end = later(&v.end, 30);
    }
    // Changed count.
    if let Some(i) = last_timed(&users[2 % n]) {
        users[2 % n][i].count = 2;
    }
    // Extra visit.
    let extra = users[n - 1]
        .iter()
        .find(|v| v.has_times())
        .and_then(|first| {
            let day = first.date.day + 1;
            let planned = users[n - 1]
                .iter()
                .any(|v| v.item.item == first.item.item && v.date.day == day);
            (day <= first.date.ym.days() && !planned).then(|| Visit {
                date: Date { day, ..first.date },
                ..Visit::planned(first.item, first.date)
            })
        });
    if let Some(v) = extra {
        let at = users[n - 1]
            .iter()
            .position(|w| w.date > v.date)
            .unwrap_or(users[n - 1].len());
        users[n - 1].insert(at, v);
    }
    users
}

/// `hhmm` plus `minutes`, within the same day.
fn later(hhmm: &str, minutes: u32) -> String {
    let h: u32 = hhmm[..2].parse().unwrap_or(0);
    let m: u32 = hhmm[2..].parse().unwrap_or(0);
    let t = (h * 60 + m + minutes).min(23 * 60 + 59);
    format!("{:02}{:02}", t / 60, t % 60)
}

fn file(name: FileName, records: &[Record]) -> SampleFile {
    SampleFile {
        name,
        bytes: write(records).bytes,
    }
}

/// A complete month of exchange: for each service office, the 居宅's plan unit (K1: 第1–3表 +
/// 補足) and 利用票 unit (K2: 第6表 予定 + 第7表 + 補足), and the office's 実績 (K5) back.
/// Each office receives only the users it serves; the 第6表/第7表 show all of a user's services.
pub fn exchange(opts: &SampleOptions) -> Result<Vec<SampleFile>, SampleError> {
    opts.check()?;
    let prev = prev_month(opts.month);
    let cert_start = Date {
        ym: YearMonth {
            year: prev.year - 1,
            month: prev.month,
        },
        day: 1,
    };
    let cert_end = Date {
        ym: prev_month(YearMonth {
            year: opts.month.year + 1,
            month: opts.month.month,
        }),
        day: 1,
    };
    let cert_end = Date {
        day: cert_end.ym.days(),
        ..cert_end
    };
    let ctx = Ctx {
        opts,
        users: users(opts),
        plan_date: Date { ym: prev, day: 20 }.to_string(),
        first_plan_date: Date {
            ym: YearMonth {
                year: prev.year - 2,
                month: prev.month,
            },
            day: 10,
        }
        .to_string(),
        cert: (
            Date {
                ym: cert_start.ym,
                day: 15.min(cert_start.ym.days()),
            }
            .to_string(),
            cert_start.to_string(),
            cert_end.to_string(),
        ),
        manager: "山本　由美",
        kyotaku_name: KYOTAKU_NAME,
    };
    let plan_serial = format!("{prev}25093000");
    let schedule_serial = format!("{prev}25093100");
    let result_serial = format!("{}03170000", opts.month.next());
    let mut files = Vec::new();
    for o in 0..opts.services.len() {
        let users: Vec<(usize, &User)> = ctx
            .users
            .iter()
            .enumerate()
            .filter(|(_, u)| u.offices.contains(&o))
            .collect();
        if users.is_empty() {
            continue;
        }
        let (from, to) = (ctx.kyotaku(), ctx.office(o));
        let month = Some(NameMonth::Month(opts.month));
        let to_office = |kind, month, serial: &str, records: &[Record]| {
            file(
                ctx.name(kind, month, from.clone(), to.clone(), serial),
                records,
            )
        };
        // K1: the care plan.
        let p1: Vec<Record> = users.iter().map(|(i, u)| ctx.plan1(*i, u)).collect();
        let p2: Vec<Record> = users.iter().flat_map(|(_, u)| ctx.plan2(u)).collect();
        let p3: Vec<Record> = users.iter().flat_map(|(_, u)| ctx.plan3(u)).collect();
        let h0: Vec<Record> = users.iter().map(|(_, u)| ctx.hosoku(u, true)).collect();
        files.push(to_office(FileKind::Up1Kyo, None, &plan_serial, &p1));
        files.push(to_office(FileKind::Up2Kyo, None, &plan_serial, &p2));
        files.push(to_office(FileKind::Up3Kyo, None, &plan_serial, &p3));
        files.push(to_office(
            FileKind::UpHosoku,
            Some(NameMonth::PlanUnit),
            &plan_serial,
            &h0,
        ));
        // K2: the month's schedule.
        let kyotaku = opts.kyotaku.as_str();
        let plan: Vec<Record> = users
            .iter()
            .flat_map(|(_, u)| {
                ctx.schedule(u).into_iter().map(|(so, item, d)| {
                    ctx.schedule_record(FileKind::UpPlan, u, so, item, d, kyotaku)
                })
            })
            .collect();
        let sikyu: Vec<Record> = users.iter().flat_map(|(_, u)| ctx.sikyu(u)).collect();
        let hm: Vec<Record> = users.iter().map(|(_, u)| ctx.hosoku(u, false)).collect();
        files.push(to_office(FileKind::UpPlan, month, &schedule_serial, &plan));
        files.push(to_office(
            FileKind::UpSikyu,
            month,
            &schedule_serial,
            &sikyu,
        ));
        files.push(to_office(FileKind::UpHosoku, month, &schedule_serial, &hm));
        // K5: what the office actually delivered, its own services only (R36), with the four
        // differences from the plan that 予実突合 must find (`jisseki_differences`).
        let office = opts.services[o].0.as_str();
        let delivered = jisseki_differences(
            users
                .iter()
                .map(|(_, u)| {
                    ctx.schedule(u)
                        .into_iter()
                        .filter(|(so, _, _)| *so == o)
                        .map(|(_, item, date)| Visit::planned(item, date))
                        .collect()
                })
                .collect(),
        );
        let mut jsk: Vec<Record> = Vec::new();
        for ((_, u), visits) in users.iter().zip(delivered) {
            for v in visits {
                let mut r = ctx.schedule_record(FileKind::UpJsk, u, o, v.item, v.date, office);
                r.set(12, &v.start)
                    .set(13, &v.end)
                    .set(14, v.count.to_string());
                jsk.push(r);
            }
        }
        files.push(file(
            ctx.name(
                FileKind::UpJsk,
                month,
                to.clone(),
                from.clone(),
                &result_serial,
            ),
            &jsk,
        ));
    }
    Ok(files)
}

/// One valid file of every kind of the standard, in their units: the `exchange` for one office
/// plus the delete files (K3, K4, K6) and a 介護予防 unit with images (Y2) and its deletes (Y5, Y6).
pub fn every_kind(month: YearMonth) -> Vec<SampleFile> {
    let kyotaku = OfficeNumber::parse("1370000101").expect("10 digits");
    let service = (
        OfficeNumber::parse("1370000202").expect("10 digits"),
        ServiceType::parse("17").expect("17"),
    );
    let opts = SampleOptions {
        kyotaku: kyotaku.clone(),
        services: vec![service.clone()],
        month,
        users: 2,
    };
    let mut files = exchange(&opts).expect("fixed options are valid");
    let ctx_users = users(&opts);
    let u = &ctx_users[0];
    let prev = prev_month(month);
    let plan_date = Date { ym: prev, day: 20 }.to_string();
    let k = Party {
        office: kyotaku,
        service_type: ServiceType::parse("43").expect("43"),
    };
    let s = Party {
        office: service.0,
        service_type: service.1,
    };
    let name = |kind, m: Option<NameMonth>, from: &Party, to: &Party, serial: &str| FileName {
        kind,
        month: m,
        sender: from.clone(),
        recipient: to.clone(),
        serial: serial.to_owned(),
        branch: None,
    };
    let rec = |kind, values: &[&str]| {
        Record::from_values(kind, values.iter().map(|v| (*v).to_owned()).collect()).expect("layout")
    };
    let m = Some(NameMonth::Month(month));
    let ms = month.to_string();
    files.push(file(
        name(FileKind::Dlt1Kyo, None, &k, &s, &format!("{prev}28100000")),
        &[rec(
            FileKind::Dlt1Kyo,
            &[CURRENT_CSV_VERSION, &u.insurer, &u.insured, &plan_date],
        )],
    ));
    files.push(file(
        name(FileKind::DltPlan, m, &k, &s, &format!("{prev}28100100")),
        &[rec(
            FileKind::DltPlan,
            &[CURRENT_CSV_VERSION, &u.insurer, &u.insured, &ms],
        )],
    ));
    files.push(file(
        name(
            FileKind::DltJsk,
            m,
            &s,
            &k,
            &format!("{}05100000", month.next()),
        ),
        &[rec(
            FileKind::DltJsk,
            &[
                CURRENT_CSV_VERSION,
                &u.insurer,
                &u.insured,
                &ms,
                s.office.as_str(),
                s.service_type.as_str(),
            ],
        )],
    ));
    files.extend(yobo(month));
    files
}

// 介護予防: a 地域包括支援センター (type 46) sends 利用者基本情報 and the 支援計画書 to a
// 総合事業 通所型 office (A6), with the family-structure image.
fn yobo(month: YearMonth) -> Vec<SampleFile> {
    let houkatsu = Party {
        office: OfficeNumber::parse("1370000303").expect("10"),
        service_type: ServiceType::parse("46").expect("46"),
    };
    let day = Party {
        office: OfficeNumber::parse("1370000404").expect("10"),
        service_type: ServiceType::parse("A6").expect("A6"),
    };
    let prev = prev_month(month);
    let consult = Date { ym: prev, day: 8 }.to_string();
    let plan = Date { ym: prev, day: 18 }.to_string();
    let serial = format!("{prev}26110000");
    let name = |kind, branch: Option<&str>, serial: &str| FileName {
        kind,
        month: None,
        sender: houkatsu.clone(),
        recipient: day.clone(),
        serial: serial.to_owned(),
        branch: branch.map(str::to_owned),
    };
    let image = name(FileKind::UpKihonImage, Some("0001"), &serial);
    let (insurer, insured) = ("131210", "0002000301");
    let mut kihon = Record::new(FileKind::UpKihon);
    kihon
        .set(1, CURRENT_CSV_VERSION)
        .set(2, insurer)
        .set(3, insured)
        .set(4, &consult)
        .set(5, "2")
        .set(6, "1");
    kihon
        .set(7, "地域包括支援センター　石神井　社会福祉士　森田")
        .set(8, "01")
        .set(10, "01")
        .set(12, "01");
    kihon
        .set(14, "ｲｼｶﾜ ﾐﾖ")
        .set(15, "石川　ミヨ")
        .set(16, "2")
        .set(17, "19440310");
    kihon
        .set(18, "東京都練馬区石神井町五丁目２番１号")
        .set(19, "03-3995-0101")
        .set(21, "11")
        .set(22, "02")
        .set(23, "12");
    kihon
        .set(27, "1")
        .set(28, &consult)
        .set(29, "0")
        .set(30, "0")
        .set(31, "0")
        .set(32, "0")
        .set(34, "05")
        .set(35, "1")
        .set(36, "2");
    kihon
        .set(37, "1")
        .set(38, "0")
        .set(39, "0")
        .set(40, "0")
        .set(42, "石川　良子")
        .set(45, "長女");
    kihon
        .set(46, "石川　良子")
        .set(47, "長女")
        .set(48, "東京都練馬区関町北二丁目")
        .set(49, "090-2345-6789");
    kihon
        .set(62, image.to_string())
        .set(63, "夫は５年前に他界。長女が近所に住み、週２回訪問。");
    kihon
        .set(64, "商店を営み、65歳で引退。町内会の役員を長く務めた。")
        .set(65, "午前は散歩、午後は自宅でテレビ。");
    kihon
        .set(66, "俳句、園芸")
        .set(67, "近所の友人と週１回お茶会")
        .set(70, &consult)
        .set(71, "石川　ミヨ");
    let mut sub1 = Vec::new();
    for (t, me, fam) in [
        ("6:30", "起床、体操", ""),
        ("12:00", "昼食（自分で調理）", "長女が訪問する日は一緒に"),
        ("21:00", "就寝", ""),
    ] {
        let mut r = Record::new(FileKind::UpKihonSub1);
        r.set(1, CURRENT_CSV_VERSION)
            .set(2, insurer)
            .set(3, insured)
            .set(4, &consult)
            .set(5, t)
            .set(6, me)
            .set(7, fam);
        sub1.push(r);
    }
    let mut sub2 = Record::new(FileKind::UpKihonSub2);
    sub2.set(1, CURRENT_CSV_VERSION)
        .set(2, insurer)
        .set(3, insured)
        .set(4, &consult);
    sub2.set(5, "令和5年6月")
        .set(6, "変形性膝関節症")
        .set(7, "石神井整形外科　吉川医師")
        .set(8, "1")
        .set(9, "03-3996-1111")
        .set(10, "01")
        .set(11, "湿布、月１回のリハビリ");
    let mut yobo = Record::new(FileKind::UpYobo);
    yobo.set(1, CURRENT_CSV_VERSION)
        .set(2, insurer)
        .set(3, insured)
        .set(4, &plan)
        .set(5, "2")
        .set(6, "1")
        .set(8, "石川　ミヨ");
    yobo.set(12, "11")
        .set(13, "2")
        .set(14, "3")
        .set(15, "森田　恵")
        .set(17, "地域包括支援センター　石神井")
        .set(19, "03-3995-0000");
    yobo.set(20, &plan)
        .set(21, "地域包括支援センター　石神井")
        .set(22, "毎朝の散歩を続ける")
        .set(23, "俳句の会に通い続ける");
    yobo.set(24, "膝の痛みで長く歩けない")
        .set(25, "痛みなく歩けるようになりたい")
        .set(26, "1")
        .set(27, "膝関節症による痛み、筋力低下");
    for no in [30u16, 34, 38] {
        yobo.set(no, "2");
    }
    for no in 43u16..=48 {
        yobo.set(no, if no == 43 { "3" } else { "0" });
    }
    for no in 49u16..=54 {
        yobo.set(no, if no == 49 { "1" } else { "2" });
    }
    yobo.set(56, &plan).set(57, "石川　ミヨ");
    let mut ysub = Record::new(FileKind::UpYoboSub);
    ysub.set(1, CURRENT_CSV_VERSION)
        .set(2, insurer)
        .set(3, insured)
        .set(4, &plan)
        .set(5, "1")
        .set(6, "膝の痛みによる歩行距離の低下");
    ysub.set(7, "通所型サービスで膝周りの筋力をつける")
        .set(8, "本人：また町内を一周歩きたい")
        .set(9, "30分続けて歩ける")
        .set(10, "1");
    ysub.set(11, "無理のない運動から始める")
        .set(12, "自宅で毎朝の体操")
        .set(13, "通所型サービス（運動機能向上）")
        .set(14, "1");
    ysub.set(15, "通所型サービス（独自）")
        .set(16, "デイサービスセンターけやき")
        .set(17, "令和７年４月～令和７年９月");
    let delete_serial = format!("{prev}27090000");
    let records = |kind, r: Vec<Record>, s: &str| file(name(kind, None, s), &r);
    vec![
        records(FileKind::UpKihon, vec![kihon], &serial),
        records(FileKind::UpKihonSub1, sub1, &serial),
        records(FileKind::UpKihonSub2, vec![sub2], &serial),
        SampleFile {
            name: image,
            bytes: FAMILY_JPEG.to_vec(),
        },
        records(FileKind::UpYobo, vec![yobo], &serial),
        records(FileKind::UpYoboSub, vec![ysub], &serial),
        records(
            FileKind::DltKihon,
            vec![
                Record::from_values(
                    FileKind::DltKihon,
                    vec![
                        CURRENT_CSV_VERSION.into(),
                        insurer.into(),
                        insured.into(),
                        consult.clone(),
                    ],
                )
                .expect("4"),
            ],
            &delete_serial,
        ),
        records(
            FileKind::DltYobo,
            vec![
                Record::from_values(
                    FileKind::DltYobo,
                    vec![
                        CURRENT_CSV_VERSION.into(),
                        insurer.into(),
                        insured.into(),
                        plan.clone(),
                    ],
                )
                .expect("4"),
            ],
            &format!("{prev}27090100"),
        ),
    ]
}
