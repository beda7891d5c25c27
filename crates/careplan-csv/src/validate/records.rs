//! Rules across the items of a record and across the records of one file (rules.md C, D, G).

use std::collections::{BTreeMap, BTreeSet};

// Keys and users are hashed once or more per record: a fast hash with a per-process seed.
use foldhash::{HashMap, HashSet};

use crate::filename::{FileName, NameMonth};
use crate::finding::{Problem, Severity};
use crate::kind::FileKind;
use crate::reader::Items;
use crate::spec::CURRENT_CSV_VERSION;
use crate::validate::sink::Sink;
use crate::values::{Date, YearMonth, same};

/// 保険者番号, 被保険者番号 and the third key item of a family (a date or a month), joined by
/// [`KEY_SEPARATOR`]. A valid key is at most 28 bytes and is held inline, so that the tens of
/// thousands of keys of a send unit are neither allocated nor freed one by one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// Length in the first byte, then the text.
    Short([u8; 32]),
    /// Longer than 31 bytes (only in a broken file).
    Long(String),
}

impl Key {
    fn new(items: [&[u8]; 3]) -> Key {
        let len = items.iter().map(|i| i.len()).sum::<usize>() + 2;
        if len > 31 {
            return Key::Long(text(&items.join(KEY_SEPARATOR.as_bytes())));
        }
        let mut b = [0u8; 32];
        b[0] = len as u8;
        let mut at = 1;
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                b[at] = KEY_SEPARATOR.as_bytes()[0];
                at += 1;
            }
            b[at..at + item.len()].copy_from_slice(item);
            at += item.len();
        }
        Key::Short(b)
    }

    /// The key's items as a user reads them: "131016 / 0001000100 / 20251120".
    pub fn shown(&self) -> String {
        let text = match self {
            Key::Short(b) => String::from_utf8_lossy(&b[1..=usize::from(b[0])]),
            Key::Long(s) => s.into(),
        };
        text.replace(KEY_SEPARATOR, " / ")
    }
}

/// Between the items of a [`Key`] (a control character, which no valid item holds).
const KEY_SEPARATOR: &str = "\u{1f}";

/// The key items of the record before, in buffers reused from record to record.
#[derive(Debug, Default)]
struct LastKey {
    items: [Vec<u8>; 3],
    set: bool,
}

/// What one file contributes to the checks across the files of a unit.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub records: u64,
    pub users: usize,
    /// Keys this file offers to its dependents (UP1KYO, UPPLAN, UPKIHON, UPYOBO).
    pub parent_keys: HashSet<Key>,
    /// Keys this file needs from its parent, with the first line each appears on.
    pub child_keys: HashMap<Key, u64>,
    /// Image names in UPKIHON No.62, with their lines.
    pub image_refs: Vec<(String, u64)>,
    /// Service month found in the records.
    pub month: Option<YearMonth>,
}

/// Per-user state for rules that need all of a user's records.
#[derive(Debug, Default)]
struct UserAgg {
    first_line: u64,
    has_receiver: bool,
    grand_totals: usize,
    /// Per service type (its two characters): detail rows, and whether it has an AAAA subtotal.
    detail_rows: BTreeMap<[u8; 2], usize>,
    aaaa: BTreeSet<[u8; 2]>,
    last_order: Option<(u32, u32, u32)>,
    order_reported: bool,
}

pub(crate) struct FileState<'n> {
    kind: FileKind,
    name: Option<&'n FileName>,
    version: Option<String>,
    month: Option<String>,
    once: HashSet<&'static str>,
    /// Per user, in the order of their first records; found by 保険者番号 + [`KEY_SEPARATOR`] +
    /// 被保険者番号 in `user_index`. Records of a user are almost always adjacent, so the map is
    /// only consulted when the user changes (`current`: the key and place of the last user).
    users: Vec<UserAgg>,
    user_index: HashMap<Vec<u8>, usize>,
    current: Option<(Vec<u8>, usize)>,
    last_child_key: LastKey,
    last_parent_key: LastKey,
    pub facts: Facts,
}

/// The text of item No. `no` (1-based). Free text is not decoded when split: rules that read it
/// use [`Items::text`] or [`filled`].
fn get<'a>(f: &Items<'a>, no: u16) -> &'a [u8] {
    let item = f.get(usize::from(no) - 1);
    debug_assert!(
        item.is_none_or(|i| !i.value.is_empty() || i.bytes == 0),
        "item No.{no} is free text: read it with Items::text"
    );
    item.map_or(b"".as_slice(), |i| i.value)
}

/// An item's bytes as text for a message (items are ASCII or decoded: nothing is lost).
fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Whether item No. `no` (1-based) holds anything.
fn filled(f: &Items<'_>, no: u16) -> bool {
    f.get(usize::from(no) - 1).is_some_and(|i| i.bytes > 0)
}

fn num(s: &[u8]) -> u32 {
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl<'n> FileState<'n> {
    pub fn new(kind: FileKind, name: Option<&'n FileName>) -> Self {
        FileState {
            kind,
            name,
            version: None,
            month: None,
            once: HashSet::default(),
            users: Vec::new(),
            user_index: HashMap::default(),
            current: None,
            last_child_key: LastKey::default(),
            last_parent_key: LastKey::default(),
            facts: Facts::default(),
        }
    }

    fn once(&mut self, code: &'static str) -> bool {
        self.once.insert(code)
    }

    /// Checks one record whose item count is right.
    pub fn record(&mut self, line: u64, f: &Items<'_>, sink: &mut Sink) {
        self.facts.records += 1;
        self.version(line, get(f, 1), sink);
        let kind = self.kind;
        let user = (get(f, 2), get(f, 3));
        match kind {
            FileKind::UpPlan | FileKind::UpJsk => self.schedule(line, f, sink),
            FileKind::UpSikyu => self.sikyu(line, f, sink),
            FileKind::UpHosoku => self.hosoku(line, f, sink),
            FileKind::DltPlan | FileKind::DltJsk => {
                self.month(line, 4, get(f, 4), sink);
            }
            FileKind::Up1Kyo => {
                self.follow_up(line, f, 25, "3", 26, sink);
                self.updater(line, 27, get(f, 27), sink);
                self.parent_key(f, 14);
            }
            FileKind::Up2Kyo => {
                self.plan2_order(line, user, f, sink);
                self.updater(line, 21, get(f, 21), sink);
                self.child_key(line, f, 5);
            }
            FileKind::Up3Kyo => {
                let groups = [6..=9u16, 10..=12, 13..=13]
                    .into_iter()
                    .filter(|g| g.clone().any(|no| filled(f, no)))
                    .count();
                if groups > 1 {
                    sink.record(line, "R75", Severity::Warning, Problem::Plan3Mixed);
                }
                self.child_key(line, f, 5);
            }
            FileKind::UpKihon => {
                self.follow_up(line, f, 8, "03", 9, sink);
                self.follow_up(line, f, 12, "02", 13, sink);
                self.parent_key(f, 4);
                let image = get(f, 62);
                if !image.is_empty() {
                    self.facts.image_refs.push((text(image), line));
                }
            }
            FileKind::UpYobo => self.parent_key(f, 4),
            FileKind::UpKihonSub1 | FileKind::UpKihonSub2 | FileKind::UpYoboSub => {
                self.child_key(line, f, 4)
            }
            FileKind::Dlt1Kyo | FileKind::DltKihon | FileKind::DltYobo | FileKind::UpKihonImage => {
            }
        }
        self.user(line, user);
    }

    fn user(&mut self, line: u64, (insurer, insured): (&[u8], &[u8])) -> &mut UserAgg {
        // Looked at in place: taking the key out and putting it back moved it twice per record.
        let at = match &self.current {
            Some((key, at))
                if key.len() == insurer.len() + KEY_SEPARATOR.len() + insured.len()
                    && same(&key[..insurer.len()], insurer)
                    && same(&key[key.len() - insured.len()..], insured) =>
            {
                *at
            }
            _ => {
                // The key's buffer is reused; it is copied only for a new user.
                let (mut key, _) = self.current.take().unwrap_or_default();
                key.clear();
                key.extend_from_slice(insurer);
                key.extend_from_slice(KEY_SEPARATOR.as_bytes());
                key.extend_from_slice(insured);
                let at = match self.user_index.get(&key) {
                    Some(&at) => at,
                    None => {
                        self.users.push(UserAgg {
                            first_line: line,
                            ..UserAgg::default()
                        });
                        self.user_index.insert(key.clone(), self.users.len() - 1);
                        self.users.len() - 1
                    }
                };
                self.current = Some((key, at));
                at
            }
        };
        &mut self.users[at]
    }

    // Keys repeat on consecutive records of a user; only a new key is stored.
    fn new_key(last: &mut LastKey, f: &Items<'_>, third: u16) -> Option<Key> {
        let items = [get(f, 2), get(f, 3), get(f, third)];
        if last.set && last.items.iter().zip(items).all(|(x, y)| same(x, y)) {
            return None;
        }
        last.set = true;
        for (buf, item) in last.items.iter_mut().zip(items) {
            buf.clear();
            buf.extend_from_slice(item);
        }
        Some(Key::new(items))
    }

    fn parent_key(&mut self, f: &Items<'_>, third: u16) {
        if let Some(key) = Self::new_key(&mut self.last_parent_key, f, third) {
            self.facts.parent_keys.insert(key);
        }
    }

    fn child_key(&mut self, line: u64, f: &Items<'_>, third: u16) {
        if let Some(key) = Self::new_key(&mut self.last_child_key, f, third) {
            self.facts.child_keys.entry(key).or_insert(line);
        }
    }

    // R25–R27.
    fn version(&mut self, line: u64, v: &[u8], sink: &mut Sink) {
        // Nearly every record repeats the first record's value, which was checked then.
        if self.version.as_ref().is_some_and(|first| same(first, v)) {
            return;
        }
        if YearMonth::parse(v).is_none() {
            return; // the column check reports the format
        }
        // A value equal to the first returned above.
        match &self.version {
            Some(first) => {
                let first = first.clone();
                if self.once("R25") {
                    let p = Problem::VersionMixed {
                        first,
                        found: text(v),
                    };
                    sink.item(line, self.kind, 1, "R25", Severity::Error, p);
                }
            }
            None => {
                let v = text(v);
                self.version = Some(v.clone());
                let known = crate::spec::spec().known_csv_versions.contains_key(&v);
                let p = match v.as_str() {
                    CURRENT_CSV_VERSION => None,
                    "202504" => Some((Severity::Warning, Problem::Version40)),
                    _ if known => Some((
                        Severity::Error,
                        Problem::VersionOld {
                            value: v.to_owned(),
                        },
                    )),
                    _ => Some((
                        Severity::Error,
                        Problem::VersionUnknown {
                            value: v.to_owned(),
                        },
                    )),
                };
                if let Some((severity, p)) = p {
                    sink.item(line, self.kind, 1, "R26", severity, p);
                }
            }
        }
    }

    // R28/R29 (and R27, which needs the month).
    fn month(&mut self, line: u64, no: u16, v: &[u8], sink: &mut Sink) -> Option<YearMonth> {
        // As for the version: the first record's month was checked against the name then.
        if let (Some(first), Some(ym)) = (&self.month, self.facts.month) {
            if same(first, v) {
                return Some(ym);
            }
        }
        let ym = YearMonth::parse(v)?;
        if let Some(name) = self.name.and_then(FileName::service_month) {
            if name != ym && self.once("R29") {
                let p = Problem::MonthNotName {
                    record: text(v),
                    name: name.to_string(),
                };
                sink.item(line, self.kind, no, "R29", Severity::Error, p);
            }
        }
        match &self.month {
            Some(first) => {
                let first = first.clone();
                if self.once("R28") {
                    let p = Problem::MonthMixed {
                        first,
                        found: text(v),
                    };
                    sink.item(line, self.kind, no, "R28", Severity::Error, p);
                }
            }
            None => {
                self.month = Some(text(v));
                self.facts.month = Some(ym);
                let in_force_from = YearMonth {
                    year: 2025,
                    month: 4,
                };
                if self.version.as_deref() == Some(CURRENT_CSV_VERSION) && ym < in_force_from {
                    let p = Problem::VersionNotInForce {
                        value: CURRENT_CSV_VERSION.into(),
                        month: text(v),
                    };
                    sink.item(line, self.kind, 1, "R27", Severity::Warning, p);
                }
            }
        }
        Some(ym)
    }

    // R78: 更新業者コード names the sender.
    fn updater(&mut self, line: u64, no: u16, v: &[u8], sink: &mut Sink) {
        let Some(name) = self.name else { return };
        if !v.is_empty() && !same(v, name.sender.office.as_str()) && self.once("R78") {
            let p = Problem::UpdaterNotSender {
                value: text(v),
                sender: name.sender.office.to_string(),
            };
            sink.item(line, self.kind, no, "R78", Severity::Warning, p);
        }
    }

    // R76: a code that calls for a follow-up text.
    fn follow_up(
        &mut self,
        line: u64,
        f: &Items<'_>,
        code_no: u16,
        code: &str,
        text_no: u16,
        sink: &mut Sink,
    ) {
        if get(f, code_no) == code.as_bytes() && f.text(usize::from(text_no) - 1).trim().is_empty()
        {
            sink.item(
                line,
                self.kind,
                text_no,
                "R76",
                Severity::Warning,
                Problem::FollowUpMissing { code_no, text_no },
            );
        }
    }

    // 第6表 予定/実績 (UPPLAN, UPJSK): R28/R29, R33, R35, R36, R60–R64, R78.
    fn schedule(&mut self, line: u64, f: &Items<'_>, sink: &mut Sink) {
        let kind = self.kind;
        let month = self.month(line, 5, get(f, 5), sink);
        if let (Some(m), Some(d)) = (month, Date::parse(get(f, 10))) {
            if d.ym != m {
                let p = Problem::DateOutsideMonth {
                    date: text(get(f, 10)),
                    month: m.to_string(),
                };
                sink.item(line, kind, 10, "R64", Severity::Error, p);
            }
        }
        let code = get(f, 15);
        let ty = code.get(..2).unwrap_or_default();
        let equipment = matches!(ty, b"17" | b"67");
        if equipment && get(f, 16).is_empty() && get(f, 17).is_empty() {
            sink.item(
                line,
                kind,
                16,
                "R60",
                Severity::Error,
                Problem::EquipmentCodeMissing {
                    tais: 16,
                    notified: 17,
                },
            );
        }
        if !equipment && !code.is_empty() && !get(f, 19).is_empty() {
            sink.item(
                line,
                kind,
                19,
                "R61",
                Severity::Warning,
                Problem::DiscriminatorNotEquipment,
            );
        }
        let days = get(f, 11);
        if let (Some(m), 31) = (month, days.len()) {
            if days[usize::from(m.days())..].contains(&b'1') {
                sink.item(
                    line,
                    kind,
                    11,
                    "R62",
                    Severity::Warning,
                    Problem::DaysBeyondMonthEnd { days: m.days() },
                );
            }
        }
        let (start, end) = (get(f, 12), get(f, 13));
        if (start == b"9999") != (end == b"9999") && !start.is_empty() && !end.is_empty() {
            sink.item(
                line,
                kind,
                13,
                "R63",
                Severity::Warning,
                Problem::TimesInconsistent,
            );
        }
        self.updater(line, 24, get(f, 24), sink);
        let provider = get(f, 20);
        if let Some(name) = self.name {
            if kind == FileKind::UpJsk {
                if !provider.is_empty()
                    && !same(provider, name.sender.office.as_str())
                    && self.once("R36-office")
                {
                    sink.item(
                        line,
                        kind,
                        20,
                        "R36",
                        Severity::Warning,
                        Problem::ForeignService { office: true },
                    );
                }
                if ty.len() == 2
                    && ty != name.sender.service_type.as_bytes()
                    && self.once("R36-type")
                {
                    sink.item(
                        line,
                        kind,
                        15,
                        "R36",
                        Severity::Warning,
                        Problem::ForeignService { office: false },
                    );
                }
            } else {
                let to_receiver = same(provider, name.recipient.office.as_str());
                let agg = self.user(line, (get(f, 2), get(f, 3)));
                agg.has_receiver |= to_receiver;
            }
        }
        if kind == FileKind::UpPlan {
            self.parent_key(f, 5);
        }
    }

    // 第7表 (UPSIKYU): R28/R29, R35, R60, R66–R68, R70, R78.
    //
    // No.19–22 (種類/区分支給限度基準 超/内 単位数) belong on the row that closes each office ×
    // service-type group: the `<type>AAAA` subtotal when the type has several code rows, the
    // single code row when it has one; the grand-total row carries the totals of No.21/22
    // (shared/spec/README.md §10). No rule of rules.md makes this a finding, because importers
    // that sum detail rows instead also exist; the sample writes it so (tests/sample.rs).
    fn sikyu(&mut self, line: u64, f: &Items<'_>, sink: &mut Sink) {
        let kind = self.kind;
        self.month(line, 5, get(f, 5), sink);
        let code = get(f, 9);
        let ty = code.get(..2).unwrap_or_default();
        let suffix = code.get(2..).unwrap_or_default();
        let grand_total = code == b"999999";
        let subtotal = matches!(suffix, b"AAAA" | b"EEEE" | b"ZZZZ");
        if grand_total || subtotal {
            if get(f, 13) != b"0" || !get(f, 14).is_empty() || !get(f, 15).is_empty() {
                sink.record(line, "R68", Severity::Warning, Problem::SubtotalValues);
            }
        } else if matches!(ty, b"17" | b"67") && get(f, 10).is_empty() && get(f, 11).is_empty() {
            sink.item(
                line,
                kind,
                10,
                "R60",
                Severity::Error,
                Problem::EquipmentCodeMissing {
                    tais: 10,
                    notified: 11,
                },
            );
        }
        let fixed = get(f, 34);
        if !fixed.is_empty() && fixed != b"9999999999" && self.once("R70") {
            sink.item(
                line,
                kind,
                34,
                "R70",
                Severity::Warning,
                Problem::FixedOfficeCode,
            );
        }
        self.updater(line, 36, get(f, 36), sink);
        let provider_is_receiver = self
            .name
            .is_some_and(|n| n.recipient.office.as_str().as_bytes() == get(f, 7));
        // The column check has reported a service code that is not 6 characters.
        let ty = <[u8; 2]>::try_from(ty).unwrap_or_default();
        let agg = self.user(line, (get(f, 2), get(f, 3)));
        if grand_total {
            agg.grand_totals += 1;
        } else if suffix == b"AAAA" {
            agg.aaaa.insert(ty);
        } else if !subtotal {
            *agg.detail_rows.entry(ty).or_default() += 1;
            agg.has_receiver |= provider_is_receiver;
        }
        self.child_key(line, f, 5);
    }

    // 利用者補足情報 (UPHOSOKU): R30, R72, R78.
    fn hosoku(&mut self, line: u64, f: &Items<'_>, sink: &mut Sink) {
        let kind = self.kind;
        let name_month = self.name.and_then(|n| n.month);
        let (no4, no63) = (get(f, 4), get(f, 63));
        match name_month {
            Some(NameMonth::PlanUnit) => {
                if no63 != b"000000" {
                    sink.item(
                        line,
                        kind,
                        63,
                        "R30",
                        Severity::Error,
                        Problem::HosokuKey {
                            plan_unit: true,
                            no: 63,
                        },
                    );
                }
                if Date::parse(no4).is_none() && !no4.is_empty() {
                    sink.item(
                        line,
                        kind,
                        4,
                        "R30",
                        Severity::Error,
                        Problem::HosokuKey {
                            plan_unit: true,
                            no: 4,
                        },
                    );
                }
                self.child_key(line, f, 4);
            }
            Some(NameMonth::Month(m)) => {
                if YearMonth::parse(no63) != Some(m) && !no63.is_empty() {
                    sink.item(
                        line,
                        kind,
                        63,
                        "R30",
                        Severity::Error,
                        Problem::HosokuKey {
                            plan_unit: false,
                            no: 63,
                        },
                    );
                } else {
                    self.month(line, 63, no63, sink);
                }
                if no4 != b"00000000" && !no4.is_empty() {
                    sink.item(
                        line,
                        kind,
                        4,
                        "R30",
                        Severity::Error,
                        Problem::HosokuKey {
                            plan_unit: false,
                            no: 4,
                        },
                    );
                }
                self.child_key(line, f, 63);
            }
            None => {}
        }
        let mut gap = false;
        for slot in 0..9u16 {
            let no = 20 + slot * 4;
            let t = get(f, no);
            if t.is_empty() {
                gap = true;
                continue;
            }
            if gap {
                sink.item(
                    line,
                    kind,
                    no,
                    "R72",
                    Severity::Warning,
                    Problem::SlotGap { slot: slot + 1 },
                );
                gap = false;
            }
            if matches!(t, b"23" | b"2A") {
                sink.item(
                    line,
                    kind,
                    no,
                    "R72",
                    Severity::Warning,
                    Problem::SlotShortStayType {
                        service_type: text(t),
                    },
                );
            }
        }
        self.updater(line, 61, get(f, 61), sink);
    }

    // R73: 第2表 in printed order per user.
    fn plan2_order(&mut self, line: u64, user: (&[u8], &[u8]), f: &Items<'_>, sink: &mut Sink) {
        let order = (num(get(f, 6)), num(get(f, 8)), num(get(f, 13)));
        let agg = self.user(line, user);
        let out_of_order = agg.last_order.is_some_and(|last| order < last);
        agg.last_order = Some(order);
        if out_of_order && !agg.order_reported {
            agg.order_reported = true;
            sink.record(line, "R73", Severity::Warning, Problem::Plan2Order);
        }
    }

    /// Rules that need every record of a user: R35, R66, R67.
    pub fn finish(mut self, sink: &mut Sink) -> Facts {
        self.facts.users = self.users.len();
        // Already in the order of their first lines.
        let users = self.users;
        let related_check =
            self.name.is_some() && matches!(self.kind, FileKind::UpPlan | FileKind::UpSikyu);
        for u in &users {
            if related_check && !u.has_receiver {
                sink.record(
                    u.first_line,
                    "R35",
                    Severity::Warning,
                    Problem::UnrelatedUser,
                );
            }
            if self.kind == FileKind::UpSikyu {
                if u.grand_totals != 1 {
                    sink.record(
                        u.first_line,
                        "R66",
                        Severity::Error,
                        Problem::GrandTotalCount {
                            count: u.grand_totals,
                        },
                    );
                }
                for (ty, n) in &u.detail_rows {
                    if *n > 1 && !u.aaaa.contains(ty) {
                        let p = Problem::SubtotalMissing {
                            service_type: String::from_utf8_lossy(ty).into_owned(),
                        };
                        sink.record(u.first_line, "R67", Severity::Warning, p);
                    }
                }
            }
        }
        self.facts
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    fn key(items: [&str; 3]) -> Key {
        Key::new(items.map(str::as_bytes))
    }

    #[test]
    fn keys_are_shown_item_by_item_whether_held_inline_or_not() {
        let short = key(["131016", "0001000100", "20251120"]);
        assert!(matches!(short, Key::Short(_)));
        assert_eq!(short.shown(), "131016 / 0001000100 / 20251120");
        let long = key(["131016", "利用者番号がとても長い", "20251120"]);
        assert!(matches!(long, Key::Long(_)));
        assert_eq!(long.shown(), "131016 / 利用者番号がとても長い / 20251120");
        assert_ne!(key(["1", "23", "4"]), key(["12", "3", "4"]));
        assert_eq!(key(["", "", ""]).shown(), " /  / ");
    }
}
