//! The viewer's model: one user's forms, built from a [`Bundle`] when the user is opened. The
//! desktop window and the PDF printer draw this and nothing else, so what is shown and what is
//! printed cannot differ.

use std::collections::BTreeMap;

use careplan_csv::FileKind;
use careplan_csv::record::Record;
use careplan_csv::spec::{Confidence, Format, spec};
use careplan_csv::values::{Date, YearMonth};
use serde::Serialize;

use crate::bundle::{Bundle, ReadFile, UserEntry, UserKey};
use crate::display;
use crate::schedule::Line;

/// Which file a form was read from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// File type prefix, e.g. `UPPLAN`.
    pub kind: &'static str,
    /// The form's name as staff know it, e.g. サービス利用票（第6表）.
    pub title: &'static str,
    /// The file's name.
    pub file: String,
    /// Sending office number, from the name.
    pub sender: Option<String>,
    /// Receiving office number, from the name.
    pub recipient: Option<String>,
    /// ファイル連番.
    pub serial: Option<String>,
}

/// One labelled item of a form laid out as items (第1表, 補足, 基本情報, …).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Item No. of the layout.
    pub no: u16,
    /// Item name from the spec.
    pub label: &'static str,
    /// The value as the file holds it.
    pub value: String,
    /// The value as shown: 和暦, times, code names.
    pub shown: String,
    /// The spec's reading of this item is not certain (shown as it is, never corrected).
    pub uncertain: bool,
}

/// A form laid out as labelled items.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sheet {
    /// Where it was read from.
    pub source: Source,
    /// Items in layout order (key, version and unused items left out).
    pub items: Vec<Item>,
}

/// A column of a [`Table`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Item No. of the layout.
    pub no: u16,
    /// Item name from the spec.
    pub label: &'static str,
}

/// A form of rows (第2表, 基本情報 別表, 支援計画 別表).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Where it was read from.
    pub source: Source,
    /// The columns shown.
    pub columns: Vec<Column>,
    /// Rows in printed order, values as shown.
    pub rows: Vec<Vec<String>>,
}

/// A weekly service of 第3表.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeeklyService {
    /// 曜日, 1 = Monday … 7 = Sunday; 0 when the file's value is not one.
    pub weekday: u8,
    /// Start, `H:MM`.
    pub start: String,
    /// End, `H:MM`.
    pub end: String,
    /// 介護サービス内容.
    pub content: String,
}

/// A main daily activity of 第3表.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyActivity {
    /// Start, `H:MM`.
    pub start: String,
    /// End, `H:MM`.
    pub end: String,
    /// 主な日常生活上の活動.
    pub content: String,
}

/// 週間サービス計画表 (第3表).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekPlan {
    /// Where it was read from.
    pub source: Source,
    /// 週間サービス計画表作成年月日, shown.
    pub created: String,
    /// Weekly services, in file order.
    pub services: Vec<WeeklyService>,
    /// Daily activities, in file order.
    pub activities: Vec<DailyActivity>,
    /// 週単位以外のサービス.
    pub other: Vec<String>,
}

/// One row of サービス利用票: a service from one office at one time, with its days.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRow {
    /// 提供時間帯 start, `H:MM` (empty for services without a time).
    pub start: String,
    /// 提供時間帯 end.
    pub end: String,
    /// サービスコード.
    pub code: String,
    /// サービス種類 of the code, from the spec's table.
    pub service_type: Option<String>,
    /// サービス事業者コード.
    pub office: String,
    /// サービス事業所名.
    pub office_name: String,
    /// 用具名称 or TAIS/届出コード, for 福祉用具.
    pub equipment: String,
    /// 単位数 of one service, as the file gives it.
    pub units: Option<i64>,
    /// This file's count per day of the month (index 0 = day 1).
    pub counts: Vec<u32>,
    /// Sum of `counts`.
    pub total: u32,
    /// 実績 per day, when the 実績 of the same month was opened with the 予定.
    pub actual: Option<Vec<u32>>,
    /// Sum of `actual`.
    pub actual_total: Option<u32>,
}

/// サービス利用票 (第6表) 予定, or 実績 in the same layout, as the month's calendar.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Where it was read from.
    pub source: Source,
    /// Whether this is 実績 (UPJSK) rather than 予定.
    pub is_jisseki: bool,
    /// 対象年月 (YYYYMM).
    pub month: String,
    /// 対象年月 shown, e.g. 令和8年12月.
    pub month_shown: String,
    /// 曜日 of each day of the month (1 = Monday … 7 = Sunday).
    pub weekdays: Vec<u8>,
    /// 作成年月日, shown.
    pub created: String,
    /// プラン担当業者コード.
    pub manager_office: String,
    /// プラン担当者名.
    pub manager: String,
    /// Rows, by time then service.
    pub rows: Vec<ScheduleRow>,
    /// The 実績 file merged into `actual`, when there was one.
    pub actual_file: Option<String>,
    /// Lines whose date is not a day of the month: they cannot be placed (R64), so they are
    /// listed as written.
    pub unplaced: Vec<String>,
}

/// What kind of 第7表 row.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SikyuRowKind {
    /// A service code.
    Detail,
    /// `<type>AAAA` / `EEEE` / `ZZZZ`.
    Subtotal,
    /// `999999` for all offices.
    GrandTotal,
}

/// One row of 別表 (第7表), values as the file holds them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SikyuRow {
    /// Detail, subtotal or grand total.
    pub row: SikyuRowKind,
    /// サービス事業所名 (No.6).
    pub office_name: String,
    /// サービス事業所コード (No.7).
    pub office: String,
    /// サービスコード (No.9).
    pub code: String,
    /// サービス種類 of the code.
    pub service_type: Option<String>,
    /// 用具名称 (No.12).
    pub equipment: String,
    /// No.13 単位数, No.14 割引後率, No.15 割引後単位数, No.16 回数／日数, No.17 サービス単位
    /// 金額, No.18 給付管理単位数, No.19–22 種類/区分支給限度基準 超/内, No.23 単位数単価,
    /// No.24 費用総額, No.25 給付率, No.26 請求額, No.27 定額負担単価, No.28 利用者負担,
    /// No.29 全額負担分, No.30–32 短期入所の日数, No.33 ３０日超区分: item No. → value.
    pub values: BTreeMap<u16, String>,
}

/// Where a 第7表 holds No.19–22 (the spec leaves it open; shared/spec/README.md §10).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitPlacement {
    /// On the row closing each office × type group and on the grand total: our reading.
    ClosingRows,
    /// On detail rows of groups that have a subtotal: another vendor's reading.
    DetailRows,
    /// Both.
    Both,
    /// Nowhere.
    Absent,
}

/// 別表 (第7表): units, limits and costs per service, with subtotals and the total.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sikyu {
    /// Where it was read from.
    pub source: Source,
    /// 対象年月 shown.
    pub month_shown: String,
    /// 作成年月日 shown.
    pub created: String,
    /// Rows in file order.
    pub rows: Vec<SikyuRow>,
    /// Where No.19–22 were found.
    pub limits_on: LimitPlacement,
}

/// 家族構成 画像 (UPKIHON_IMAGE) named by a 利用者基本情報 (No.62).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// Where it was read from.
    pub source: Source,
    /// The JPEG, base64 (a `data:` URL's payload).
    pub jpeg_base64: String,
}

/// One form of a user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Form {
    /// Labelled items.
    Sheet(Sheet),
    /// Rows.
    Table(Table),
    /// 第3表.
    Week(WeekPlan),
    /// 第6表 予定 or 実績.
    Schedule(Schedule),
    /// 第7表.
    Sikyu(Sikyu),
    /// 家族構成 画像.
    Image(Image),
}

impl Form {
    /// Which file the form was read from.
    pub fn source(&self) -> &Source {
        match self {
            Form::Sheet(f) => &f.source,
            Form::Table(f) => &f.source,
            Form::Week(f) => &f.source,
            Form::Schedule(f) => &f.source,
            Form::Sikyu(f) => &f.source,
            Form::Image(f) => &f.source,
        }
    }
}

/// Everything a bundle holds about one user, as forms.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserForms {
    /// The user.
    pub user: UserEntry,
    /// Forms in the order staff read them: plan, schedule, 実績, 介護予防, deletes.
    pub forms: Vec<Form>,
}

/// Title of each kind as the paper form is called.
pub fn title(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Up1Kyo => "居宅サービス計画書（第1表）",
        FileKind::Up2Kyo => "居宅サービス計画書（第2表）",
        FileKind::Up3Kyo => "週間サービス計画表（第3表）",
        FileKind::UpPlan => "サービス利用票（第6表）予定",
        FileKind::UpJsk => "サービス利用票（第6表）実績",
        FileKind::UpSikyu => "サービス利用票別表（第7表）",
        _ => kind.name_ja(),
    }
}

/// The order forms are read in.
fn rank(kind: FileKind) -> u8 {
    use FileKind::*;
    match kind {
        Up1Kyo => 0,
        Up2Kyo => 1,
        Up3Kyo => 2,
        UpHosoku => 3,
        UpPlan => 4,
        UpSikyu => 5,
        UpJsk => 6,
        UpKihon => 7,
        UpKihonSub1 => 8,
        UpKihonSub2 => 9,
        UpKihonImage => 10,
        UpYobo => 11,
        UpYoboSub => 12,
        _ => 20,
    }
}

fn source(file: &ReadFile, kind: FileKind) -> Source {
    let n = file.file_name.as_ref();
    Source {
        kind: kind.prefix(),
        title: title(kind),
        file: file.name.clone(),
        sender: n.map(|n| n.sender.office.to_string()),
        recipient: n.map(|n| n.recipient.office.to_string()),
        serial: n.map(|n| n.serial.clone()),
    }
}

/// Items shown on a form: not the version, not the user key (it heads the viewer), not the
/// unused 識別子, not the updating office.
fn shown_columns(kind: FileKind) -> impl Iterator<Item = &'static careplan_csv::spec::ColumnSpec> {
    spec()
        .file(kind)
        .columns
        .iter()
        .filter(|c| c.no > 3 && c.format != Format::Unused && c.name_ja != "更新業者コード")
}

fn sheet(file: &ReadFile, kind: FileKind, r: &Record) -> Sheet {
    Sheet {
        source: source(file, kind),
        items: shown_columns(kind)
            .map(|c| Item {
                no: c.no,
                label: c.name_ja.as_str(),
                value: r.get(c.no).to_owned(),
                shown: display::item(kind, c.no, r.get(c.no)),
                uncertain: c.confidence != Confidence::High,
            })
            .collect(),
    }
}

fn table(file: &ReadFile, kind: FileKind, records: &[&Record]) -> Table {
    // The link-key dates are the same on every row; the parent form shows them.
    let key_dates = if kind == FileKind::Up2Kyo { 5 } else { 4 };
    let columns: Vec<_> = shown_columns(kind).filter(|c| c.no > key_dates).collect();
    let mut rows: Vec<&Record> = records.to_vec();
    if kind == FileKind::Up2Kyo {
        // R73: 課題ＮＯ, 援助目標ＮＯ, 援助内容ＮＯ give the printed order.
        let n = |r: &Record, no| r.get(no).parse::<u32>().unwrap_or(u32::MAX);
        rows.sort_by_key(|r| (n(r, 6), n(r, 8), n(r, 13)));
    }
    Table {
        source: source(file, kind),
        columns: columns
            .iter()
            .map(|c| Column {
                no: c.no,
                label: c.name_ja.as_str(),
            })
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .map(|c| display::item(kind, c.no, r.get(c.no)))
                    .collect()
            })
            .collect(),
    }
}

fn week(file: &ReadFile, records: &[&Record]) -> WeekPlan {
    let mut w = WeekPlan {
        source: source(file, FileKind::Up3Kyo),
        created: records
            .first()
            .map(|r| display::item(FileKind::Up3Kyo, 4, r.get(4)))
            .unwrap_or_default(),
        services: Vec::new(),
        activities: Vec::new(),
        other: Vec::new(),
    };
    // R75: a record is a weekly service (No.6–9), an activity (No.10–12) or other (No.13).
    for r in records {
        if !r.get(6).is_empty() || !r.get(7).is_empty() {
            w.services.push(WeeklyService {
                weekday: r
                    .get(7)
                    .parse()
                    .ok()
                    .filter(|d| (1..=7).contains(d))
                    .unwrap_or(0),
                start: display::time(r.get(8)),
                end: display::time(r.get(9)),
                content: r.get(6).to_owned(),
            });
        }
        if !r.get(10).is_empty() {
            w.activities.push(DailyActivity {
                start: display::time(r.get(11)),
                end: display::time(r.get(12)),
                content: r.get(10).to_owned(),
            });
        }
        if !r.get(13).is_empty() {
            w.other.push(r.get(13).to_owned());
        }
    }
    w
}

/// What makes lines one row of the calendar: the service and its times.
type RowKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

fn row_key<'a>(l: &Line<'a>) -> RowKey<'a> {
    (
        l.start,
        l.end,
        l.office,
        l.code,
        l.discriminator,
        l.satellite,
    )
}

fn schedule(
    file: &ReadFile,
    kind: FileKind,
    records: &[&Record],
    jisseki: Option<(&ReadFile, Vec<&Record>)>,
) -> Schedule {
    let lines: Vec<Line> = records.iter().filter_map(|r| Line::of(r)).collect();
    let month = lines
        .iter()
        .find_map(|l| l.month)
        .or_else(|| file.file_name.as_ref().and_then(|n| n.service_month()));
    let days = month.map_or(31, YearMonth::days);
    let first = records.first();
    let mut s = Schedule {
        source: source(file, kind),
        is_jisseki: kind == FileKind::UpJsk,
        month: month.map(|m| m.to_string()).unwrap_or_default(),
        month_shown: month.map(display::month).unwrap_or_default(),
        weekdays: month
            .map(|ym| (1..=days).map(|day| Date { ym, day }.weekday()).collect())
            .unwrap_or_default(),
        created: first
            .map(|r| display::item(kind, 4, r.get(4)))
            .unwrap_or_default(),
        manager_office: first.map(|r| r.get(6).to_owned()).unwrap_or_default(),
        manager: first.map(|r| r.get(7).to_owned()).unwrap_or_default(),
        rows: Vec::new(),
        actual_file: None,
        unplaced: Vec::new(),
    };
    let mut rows: BTreeMap<RowKey, ScheduleRow> = BTreeMap::new();
    let new_row = |l: &Line| ScheduleRow {
        start: display::time(l.start),
        end: display::time(l.end),
        code: l.code.to_owned(),
        service_type: display::service_type(l.code).map(str::to_owned),
        office: l.office.to_owned(),
        office_name: l.office_name.to_owned(),
        equipment: [l.equipment, l.tais, l.notified]
            .into_iter()
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_owned(),
        units: l.units,
        counts: vec![0; usize::from(days)],
        total: 0,
        actual: None,
        actual_total: None,
    };
    let place = |l: &Line| {
        l.date
            .filter(|d| Some(d.ym) == month)
            .map(|d| usize::from(d.day) - 1)
    };
    for l in &lines {
        match place(l) {
            Some(day) => {
                let row = rows.entry(row_key(l)).or_insert_with(|| new_row(l));
                row.counts[day] += l.count.unwrap_or(1);
                row.total += l.count.unwrap_or(1);
            }
            None => s.unplaced.push(format!("{} {}", l.code, l.start)),
        }
    }
    if let Some((jfile, jrecords)) = jisseki {
        s.actual_file = Some(jfile.name.clone());
        for row in rows.values_mut() {
            row.actual = Some(vec![0; usize::from(days)]);
            row.actual_total = Some(0);
        }
        for l in jrecords.iter().filter_map(|r| Line::of(r)) {
            let Some(day) = place(&l) else { continue };
            let row = rows.entry(row_key(&l)).or_insert_with(|| {
                let mut row = new_row(&l);
                row.actual = Some(vec![0; usize::from(days)]);
                row.actual_total = Some(0);
                row
            });
            let n = l.count.unwrap_or(1);
            if let (Some(a), Some(t)) = (row.actual.as_mut(), row.actual_total.as_mut()) {
                a[day] += n;
                *t += n;
            }
        }
    }
    s.rows = rows.into_values().collect();
    s
}

fn sikyu(file: &ReadFile, records: &[&Record]) -> Sikyu {
    let kind = FileKind::UpSikyu;
    let row_kind = |code: &str| match code.get(2..) {
        _ if code == "999999" => SikyuRowKind::GrandTotal,
        Some("AAAA" | "EEEE" | "ZZZZ") => SikyuRowKind::Subtotal,
        _ => SikyuRowKind::Detail,
    };
    let rows: Vec<SikyuRow> = records
        .iter()
        .map(|r| SikyuRow {
            row: row_kind(r.get(9)),
            office_name: r.get(6).to_owned(),
            office: r.get(7).to_owned(),
            code: r.get(9).to_owned(),
            service_type: display::service_type(r.get(9)).map(str::to_owned),
            equipment: [r.get(12), r.get(10), r.get(11)]
                .into_iter()
                .find(|v| !v.is_empty())
                .unwrap_or_default()
                .to_owned(),
            values: (13..=33)
                .filter(|&no| !r.get(no).is_empty())
                .map(|no| (no, r.get(no).to_owned()))
                .collect(),
        })
        .collect();
    let first = records.first();
    Sikyu {
        source: source(file, kind),
        month_shown: first
            .map(|r| display::item(kind, 5, r.get(5)))
            .unwrap_or_default(),
        created: first
            .map(|r| display::item(kind, 4, r.get(4)))
            .unwrap_or_default(),
        limits_on: limit_placement(&rows),
        rows,
    }
}

/// Where No.19–22 are: on closing rows (subtotal, single code row of a group, grand total) or on
/// detail rows of groups that have a subtotal.
pub fn limit_placement(rows: &[SikyuRow]) -> LimitPlacement {
    let has = |r: &SikyuRow| (19..=22).any(|no| r.values.contains_key(&no));
    let group = |r: &SikyuRow| (r.office.clone(), r.code.get(..2).unwrap_or("").to_owned());
    let subtotalled: Vec<_> = rows
        .iter()
        .filter(|r| r.row == SikyuRowKind::Subtotal)
        .map(group)
        .collect();
    let (mut closing, mut detail) = (false, false);
    for r in rows.iter().filter(|r| has(r)) {
        if r.row == SikyuRowKind::Detail && subtotalled.contains(&group(r)) {
            detail = true;
        } else {
            closing = true;
        }
    }
    match (closing, detail) {
        (true, false) => LimitPlacement::ClosingRows,
        (false, true) => LimitPlacement::DetailRows,
        (true, true) => LimitPlacement::Both,
        (false, false) => LimitPlacement::Absent,
    }
}

impl Bundle {
    /// The images of the bundle whose names 利用者基本情報 No.62 mentions.
    fn images_named<'a>(&'a self, no62: &'a str) -> impl Iterator<Item = Image> + 'a {
        self.files().iter().filter_map(move |f| {
            let jpeg = f.image.as_ref()?;
            (!no62.is_empty() && no62.contains(f.name.as_str())).then(|| Image {
                source: source(f, FileKind::UpKihonImage),
                jpeg_base64: data_encoding::BASE64.encode(jpeg),
            })
        })
    }

    /// One user's forms, in reading order; `None` when the bundle has no record of them.
    pub fn forms(&self, key: &UserKey) -> Option<UserForms> {
        let user = self.user(key)?;
        // The user's records per file, files in bundle order.
        let mut per_file: Vec<(&ReadFile, Vec<&Record>)> = Vec::new();
        for (file, r) in self.records_of(key) {
            match per_file.last_mut() {
                Some((f, rs)) if std::ptr::eq(*f, file) => rs.push(r),
                _ => per_file.push((file, vec![r])),
            }
        }
        per_file.sort_by_key(|(f, _)| f.kind.map_or(u8::MAX, rank));
        // A unit sent to several offices holds the same records in each office's file: one
        // form per content is enough.
        let mut kept: Vec<(&ReadFile, Vec<&Record>)> = Vec::new();
        for (f, rs) in per_file {
            if !kept
                .iter()
                .any(|(k, other)| k.kind == f.kind && *other == rs)
            {
                kept.push((f, rs));
            }
        }
        let per_file = kept;
        let month_of = |rs: &[&Record]| rs.first().map(|r| r.get(5).to_owned());
        let mut forms = Vec::new();
        for (file, records) in &per_file {
            let Some(kind) = file.kind else { continue };
            let form = match kind {
                FileKind::Up2Kyo | FileKind::UpKihonSub1 | FileKind::UpKihonSub2 => {
                    Form::Table(table(file, kind, records))
                }
                FileKind::UpYoboSub => Form::Table(table(file, kind, records)),
                FileKind::Up3Kyo => Form::Week(week(file, records)),
                FileKind::UpPlan => {
                    let jisseki = per_file
                        .iter()
                        .find(|(f, rs)| {
                            f.kind == Some(FileKind::UpJsk) && month_of(rs) == month_of(records)
                        })
                        .map(|(f, rs)| (*f, rs.clone()));
                    Form::Schedule(schedule(file, kind, records, jisseki))
                }
                FileKind::UpJsk => Form::Schedule(schedule(file, kind, records, None)),
                FileKind::UpSikyu => Form::Sikyu(sikyu(file, records)),
                _ => {
                    for r in records {
                        forms.push(Form::Sheet(sheet(file, kind, r)));
                        if kind == FileKind::UpKihon {
                            forms.extend(self.images_named(r.get(62)).map(Form::Image));
                        }
                    }
                    continue;
                }
            };
            forms.push(form);
        }
        Some(UserForms { user, forms })
    }
}
