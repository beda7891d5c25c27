//! Values written out as staff read them on paper: 和暦 dates, times with a colon, and codes with
//! the names of the spec's code tables. A value that does not fit its format is shown unchanged.

use careplan_csv::FileKind;
use careplan_csv::spec::{Format, spec};
use careplan_csv::values::{Date, YearMonth};

/// The eras a date of birth or of a plan can fall in, newest first: (first day, name).
const ERAS: [((u16, u8, u8), &str); 5] = [
    ((2019, 5, 1), "令和"),
    ((1989, 1, 8), "平成"),
    ((1926, 12, 25), "昭和"),
    ((1912, 7, 30), "大正"),
    ((1868, 10, 23), "明治"),
];

fn era(year: u16, month: u8, day: u8) -> Option<(&'static str, u16)> {
    ERAS.iter()
        .find(|(start, _)| (year, month, day) >= *start)
        .map(|((from, _, _), name)| (*name, year - from + 1))
}

fn era_year(name: &str, n: u16) -> String {
    if n == 1 {
        format!("{name}元年")
    } else {
        format!("{name}{n}年")
    }
}

/// A date as 和暦, e.g. `20251120` → 令和7年11月20日.
pub fn date(d: Date) -> String {
    match era(d.ym.year, d.ym.month, d.day) {
        Some((name, n)) => format!("{}{}月{}日", era_year(name, n), d.ym.month, d.day),
        None => format!("{}年{}月{}日", d.ym.year, d.ym.month, d.day),
    }
}

/// A month as 和暦, e.g. `202612` → 令和8年12月 (the era of the month's last day).
pub fn month(m: YearMonth) -> String {
    match era(m.year, m.month, m.days()) {
        Some((name, n)) => format!("{}{}月", era_year(name, n), m.month),
        None => format!("{}年{}月", m.year, m.month),
    }
}

/// `HHMM` as `H:MM`; `9999` (no displayed time) and anything else that is not a time as empty.
pub fn time(hhmm: &str) -> String {
    if !careplan_csv::values::is_hhmm(hhmm) {
        return String::new();
    }
    let h: u8 = hhmm[..2].parse().unwrap_or(0);
    format!("{h}:{}", &hhmm[2..])
}

/// The name a code has in the column's code table, e.g. 要介護状態区分 `23` → 要介護３.
pub fn code_name(kind: FileKind, no: u16, value: &str) -> Option<&'static str> {
    spec()
        .file(kind)
        .columns
        .get(usize::from(no).checked_sub(1)?)?
        .codes
        .as_ref()?
        .get(value)
        .map(String::as_str)
}

/// The name of a サービス種類 (the first two characters of a サービスコード).
pub fn service_type(code: &str) -> Option<&'static str> {
    spec().service_type_name(code.get(..2)?)
}

/// Item `no` of `kind` as shown: dates and months as 和暦, times with a colon, codes with their
/// names after them. Values that do not fit are shown as they are; empty stays empty.
pub fn item(kind: FileKind, no: u16, raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let Some(column) = spec().file(kind).columns.get(usize::from(no) - 1) else {
        return raw.to_owned();
    };
    let shown = match column.format {
        Format::Yyyymmdd => Date::parse(raw).map(date),
        Format::Yyyymm => YearMonth::parse(raw).map(month),
        Format::Hhmm | Format::HhmmOr9999 if raw == "9999" => Some("時間指定なし".to_owned()),
        Format::Hhmm | Format::HhmmOr9999 => Some(time(raw)).filter(|t| !t.is_empty()),
        Format::Code => code_name(kind, no, raw).map(|n| format!("{raw} {n}")),
        Format::ServiceType => service_type(raw).map(|n| format!("{raw} {n}")),
        _ => None,
    };
    shown.unwrap_or_else(|| raw.to_owned())
}

/// A number grouped by thousands, as forms and reports print amounts: 6131 → 6,131.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {

    #[test]
    fn amounts_are_grouped_by_thousands_with_their_sign() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(67_733), "67,733");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
    }
    use super::*;

    #[test]
    fn dates_are_written_in_the_japanese_era() {
        let d = |s| date(Date::parse(s).unwrap());
        assert_eq!(d("20251120"), "令和7年11月20日");
        assert_eq!(d("20190501"), "令和元年5月1日");
        assert_eq!(d("20190430"), "平成31年4月30日");
        assert_eq!(d("19400302"), "昭和15年3月2日");
        assert_eq!(d("19260101"), "大正15年1月1日");
        assert_eq!(month(YearMonth::parse("202612").unwrap()), "令和8年12月");
    }

    #[test]
    fn times_get_a_colon_and_no_time_stays_empty() {
        assert_eq!(time("0930"), "9:30");
        assert_eq!(time("1640"), "16:40");
        assert_eq!(time("9999"), "");
        assert_eq!(time("93"), "");
    }

    #[test]
    fn codes_are_shown_with_their_names_and_unknown_codes_as_they_are() {
        assert_eq!(item(FileKind::UpHosoku, 18, "23"), "23 要介護３");
        assert_eq!(item(FileKind::UpHosoku, 7, "2"), "2 女性");
        assert_eq!(item(FileKind::UpHosoku, 18, "99"), "99");
        assert_eq!(item(FileKind::UpPlan, 12, "9999"), "時間指定なし");
        assert_eq!(item(FileKind::UpHosoku, 20, "11"), "11 訪問介護");
        assert_eq!(item(FileKind::UpHosoku, 8, "19400230"), "19400230");
    }
}
