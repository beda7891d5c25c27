//! Small value types of the standard: months, dates, office numbers, service types.

use std::fmt;

use serde::Serialize;

/// A calendar month (YYYYMM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    /// Year, 1900..=2999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
}

impl YearMonth {
    /// Parses exactly six ASCII digits forming a real year-month.
    pub fn parse(s: impl AsRef<[u8]>) -> Option<YearMonth> {
        let b: &[u8; 6] = s.as_ref().try_into().ok()?;
        if !all_digits(b) {
            return None;
        }
        YearMonth::from_digits(b)
    }

    // The year-month that six bytes already checked to be digits make, if they make one.
    fn from_digits(b: &[u8]) -> Option<YearMonth> {
        let year = digits4([b[0], b[1], b[2], b[3]]);
        let month = digits2(b[4], b[5]);
        ((1900..=2999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    /// Number of days in this month.
    pub fn days(self) -> u8 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if is_leap(self.year) => 29,
            2 => 28,
            _ => 31,
        }
    }

    /// The following month.
    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}", self.year, self.month)
    }
}

/// A calendar date (YYYYMMDD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year and month.
    pub ym: YearMonth,
    /// Day of month, 1-based.
    pub day: u8,
}

impl Date {
    /// Parses exactly eight ASCII digits forming a real calendar date.
    #[inline]
    pub fn parse(s: impl AsRef<[u8]>) -> Option<Date> {
        // Nearly a tenth of all items are dates: the eight digits are tested in one word.
        let b: &[u8; 8] = s.as_ref().try_into().ok()?;
        if !all_digits(b) {
            return None;
        }
        let ym = YearMonth::from_digits(b)?;
        let day = digits2(b[6], b[7]);
        (1..=ym.days()).contains(&day).then_some(Date { ym, day })
    }
}

impl Date {
    /// The date `days` days after 1970-01-01 (Howard Hinnant's civil_from_days).
    pub fn from_days(days: u64) -> Date {
        let z = days as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Date {
            ym: YearMonth { year, month },
            day,
        }
    }

    /// Day of the week as the standard codes it (曜日): 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        // Sakamoto's method; gives 0 = Sunday.
        const T: [u32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let m = u32::from(self.ym.month);
        let y = u32::from(self.ym.year) - u32::from(m < 3);
        let w = (y + y / 4 - y / 100 + y / 400 + T[(m - 1) as usize] + u32::from(self.day)) % 7;
        if w == 0 { 7 } else { w as u8 }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:02}", self.ym, self.day)
    }
}

/// Whether `s` is HHMM with 00–23 hours and 00–59 minutes (2400 accepted as an end of day).
pub fn is_hhmm(s: impl AsRef<[u8]>) -> bool {
    let b = s.as_ref();
    if b.len() != 4 || !all_digits(b) {
        return false;
    }
    let h = num(&b[..2]);
    let m = num(&b[2..]);
    (h < 24 && m < 60) || (h == 24 && m == 0)
}

/// Whether a 14-digit serial is a real date and time (YYYYMMDDHHMMSS, R16).
pub fn is_datetime14(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 14 || !all_digits(b) {
        return false;
    }
    Date::parse(&s[..8]).is_some()
        && num(&b[8..10]) < 24
        && num(&b[10..12]) < 60
        && num(&b[12..14]) < 60
}

/// A 10-digit 事業所番号.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OfficeNumber(String);

impl OfficeNumber {
    /// Accepts exactly ten ASCII digits.
    pub fn parse(s: &str) -> Option<OfficeNumber> {
        (s.len() == 10 && all_digits(s.as_bytes())).then(|| OfficeNumber(s.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 2-character サービス種類コード (digits and capital letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceType([u8; 2]);

impl ServiceType {
    /// Accepts exactly two characters of `[0-9A-Z]`.
    pub fn parse(s: impl AsRef<[u8]>) -> Option<ServiceType> {
        let b = s.as_ref();
        (b.len() == 2
            && b.iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
        .then(|| ServiceType([b[0], b[1]]))
    }

    /// The two characters as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The two characters.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// Whether the type is in scope of the standard (spec §1.3, §1.4).
    pub fn is_in_scope(&self) -> bool {
        crate::spec::spec().is_in_scope(self.as_str())
    }

    /// Japanese name of the type when it is a known code.
    pub fn name_ja(&self) -> Option<&'static str> {
        if self.as_str() == "43" {
            return Some("居宅介護支援");
        }
        crate::spec::spec().service_type_name(self.as_str())
    }
}

impl fmt::Display for ServiceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ServiceType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Whether `b` is one or more ASCII digits. Runs for about half of all items: items of up to
/// 16 bytes are tested in two overlapping words each, without a loop whose exit depends on the
/// length.
pub(crate) fn all_digits(b: &[u8]) -> bool {
    // Every byte's high nibble is 3 and its low nibble ≤ 9 (adding 6 carries into the high
    // nibble exactly from 10 up, and never into the next byte).
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const LOW: u64 = 0x0F0F_0F0F_0F0F_0F0F;
    let digits =
        |w: u64, threes: u64| w & HIGH == threes && ((w & LOW) + 0x0606_0606_0606_0606) & HIGH == 0;
    let n = b.len();
    match n {
        0 => false,
        4..=8 => digits(packed(b), 0x3030_3030_3030_3030),
        9..=16 => {
            digits(u64_at(b, 0), 0x3030_3030_3030_3030)
                && digits(u64_at(b, n - 8), 0x3030_3030_3030_3030)
        }
        _ => b.iter().all(u8::is_ascii_digit),
    }
}

/// Whether two short strings are equal, compared in at most two loads each: validation compares
/// items of every record with values held and with the record before, and the calls to `memcmp`
/// that `==` makes showed in profiles.
#[inline]
pub(crate) fn same(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two overlapping words cover every byte.
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=8 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        9..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8),
        _ => a == b,
    }
}

/// The four to eight bytes of `b` as one number, from two overlapping loads: values of the same
/// length pack the same exactly when their bytes are the same.
#[inline(always)]
pub(crate) fn packed(b: &[u8]) -> u64 {
    u64::from(u32_at(b, 0)) | u64::from(u32_at(b, b.len() - 4)) << 32
}

/// The four bytes of `b` from `i` as one number.
#[inline(always)]
pub(crate) fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The eight bytes of `b` from `i` as one number.
#[inline(always)]
pub(crate) fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

// The value of four ASCII digits (already checked to be digits).
fn digits4(b: [u8; 4]) -> u16 {
    let d = |c: u8| u16::from(c - b'0');
    d(b[0]) * 1000 + d(b[1]) * 100 + d(b[2]) * 10 + d(b[3])
}

// The value of two ASCII digits (already checked to be digits).
fn digits2(tens: u8, ones: u8) -> u8 {
    (tens - b'0') * 10 + (ones - b'0')
}

fn num(b: &[u8]) -> u32 {
    b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

fn is_leap(y: u16) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_1970_are_calendar_dates() {
        assert_eq!(Date::from_days(0).to_string(), "19700101");
        assert_eq!(Date::from_days(20_427).to_string(), "20251205");
        assert_eq!(Date::from_days(19_782).to_string(), "20240229");
    }

    #[test]
    fn short_strings_are_equal_exactly_when_their_bytes_are() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "1310000001",
            "131000000",
            "202512",
            "20251201",
        ];
        for n in 0..=20 {
            let base: String = "0123456789abcdefghij"[..n].to_owned();
            for i in 0..n {
                let mut other = base.clone().into_bytes();
                other[i] = b'x';
                let other = String::from_utf8(other).unwrap();
                assert!(!same(&base, &other), "{base} {other}");
            }
            assert!(same(&base, base.clone()));
        }
        for a in words {
            for b in words {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn all_digits_agrees_with_a_byte_test_at_every_length_and_position() {
        let odd = [
            b'/', b':', b'0', b'9', b'5', 0x3A, 0xB0, 0xB9, b' ', b'-', 0x00, 0xFF,
        ];
        for n in 0..=20 {
            let base: Vec<u8> = (0..n).map(|i| b'0' + (i % 10) as u8).collect();
            assert_eq!(all_digits(&base), n > 0, "{n} digits");
            for i in 0..n {
                for &c in &odd {
                    let mut b = base.clone();
                    b[i] = c;
                    let expected = b.iter().all(u8::is_ascii_digit);
                    assert_eq!(all_digits(&b), expected, "{b:02X?}");
                }
            }
        }
    }

    #[test]
    fn a_date_is_exactly_eight_digits_of_a_real_day() {
        assert_eq!(
            Date::parse("20250430").map(|d| (d.ym.year, d.ym.month, d.day)),
            Some((2025, 4, 30))
        );
        for bad in [
            "20250431",
            "2025043",
            "202504301",
            "2025-4-1",
            "2025043a",
            "１2250430",
            "",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            YearMonth::parse("299912"),
            Some(YearMonth {
                year: 2999,
                month: 12
            })
        );
        assert!(YearMonth::parse("189912").is_none());
    }

    #[test]
    fn leap_day_is_a_date_only_in_leap_years() {
        assert!(Date::parse("20240229").is_some());
        assert!(Date::parse("20250229").is_none());
        assert!(Date::parse("19000229").is_none());
        assert!(Date::parse("20000229").is_some());
    }

    #[test]
    fn weekday_follows_the_standard_monday_is_one() {
        assert_eq!(Date::parse("20250401").unwrap().weekday(), 2); // Tuesday
        assert_eq!(Date::parse("20261124").unwrap().weekday(), 2);
        assert_eq!(Date::parse("20250406").unwrap().weekday(), 7); // Sunday
        assert_eq!(Date::parse("20240101").unwrap().weekday(), 1);
    }

    #[test]
    fn month_thirteen_is_not_a_month() {
        assert!(YearMonth::parse("202513").is_none());
        assert!(YearMonth::parse("202500").is_none());
        assert!(YearMonth::parse("000000").is_none());
    }

    #[test]
    fn hhmm_accepts_2400_but_not_2401_or_0060() {
        assert!(is_hhmm("0000"));
        assert!(is_hhmm("2359"));
        assert!(is_hhmm("2400"));
        assert!(!is_hhmm("2401"));
        assert!(!is_hhmm("0060"));
        assert!(!is_hhmm("930"));
    }

    #[test]
    fn serial_must_be_a_real_datetime() {
        assert!(is_datetime14("20191025200201"));
        assert!(!is_datetime14("20191325200201"));
        assert!(!is_datetime14("20191025250201"));
    }
}
