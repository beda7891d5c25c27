//! Per-item checks from the column tables of `careplan-v41.json`: required, length, format, codes.

use crate::finding::{Problem, Severity};
use crate::kind::FileKind;
use crate::reader::Field;
use crate::spec::{ColumnSpec, Confidence, Format, Required, Scope};
use crate::validate::sink::Sink;
use crate::values::{Date, ServiceType, YearMonth, all_digits, is_hhmm, packed};

/// Longest value quoted back in a message.
const SHOWN: usize = 24;

pub(crate) fn shown(v: impl AsRef<[u8]>) -> String {
    // Items are ASCII or decoded text: UTF-8, so nothing is lost.
    let v = String::from_utf8_lossy(v.as_ref());
    if v.chars().count() <= SHOWN {
        v.into_owned()
    } else {
        let mut s: String = v.chars().take(SHOWN).collect();
        s.push('…');
        s
    }
}

/// Checks one item (`None` when it is empty) against its column spec; `held` is the column's last
/// month, date, time or service code that passed. Runs for every item of every record, and
/// almost every item is valid: the checks are inlined into the record loop, and everything that
/// builds a finding is out of line in [`flag`], behind closures that only run when something is
/// wrong.
#[inline(always)]
pub(crate) fn check(
    kind: FileKind,
    col: &'static ColumnSpec,
    f: Option<Field<'_>>,
    line: u64,
    held: &mut Option<u64>,
    sink: &mut Sink,
) {
    // Built where a finding is made, not per item.
    macro_rules! at {
        () => {
            At { kind, col, line }
        };
    }
    // Findings about an item whose spec reading is uncertain are warnings that point at the entry.
    macro_rules! report {
        ($code:expr, $problem:expr) => {
            flag(sink, at!(), $code, Grade::Spec, || $problem)
        };
    }
    macro_rules! warn {
        ($code:expr, $problem:expr) => {
            flag(sink, at!(), $code, Grade::Warning, || $problem)
        };
    }

    let Some(f) = f else {
        match col.required {
            Required::Yes => report!(
                "COL-REQUIRED",
                Problem::Required {
                    confidence: col.confidence,
                    kind,
                    no: col.no
                }
            ),
            // 委託の有無 is "to be filled by both" but carries only one of its two marks.
            Required::Conditional if col.format == Format::Code => {
                flag(sink, at!(), "COL-REQUIRED", Grade::WarningAtEntry, || {
                    Problem::Required {
                        confidence: col.confidence,
                        kind,
                        no: col.no,
                    }
                })
            }
            // TAIS/届出 and 明細判別コード depend on the service code: see the record rules.
            _ => {}
        }
        return;
    };
    // Empty for an opaque (free text) item, whose text is not decoded: its checks use `f`.
    let v: &[u8] = f.value;
    match col.format {
        Format::FreeText => {
            if !f.quoted {
                // R5 makes it an error; a receiver keeps the file, whose meaning is clear.
                flag(sink, at!(), "R5", Grade::Strict, || {
                    Problem::FreeTextNotQuoted
                });
            }
        }
        Format::Unused => warn!("R77", Problem::UnusedFilled),
        Format::Yyyymm | Format::Yyyymmdd => {
            // Months and dates mostly repeat the record before (version, 作成年月日, 対象年月):
            // one the same as the last that passed in this column is not parsed again. So are
            // times and service codes below.
            let packed = pack(v, if col.format == Format::Yyyymm { 6 } else { 8 });
            if packed.is_some() && packed == *held {
                return;
            }
            let ok = if col.format == Format::Yyyymm {
                YearMonth::parse(v).is_some()
                    || (kind == FileKind::UpHosoku && col.no == 63 && v == b"000000")
            } else {
                Date::parse(v).is_some()
                    || (kind == FileKind::UpHosoku && col.no == 4 && v == b"00000000")
            };
            if ok {
                *held = packed;
            } else {
                report!("COL-FORMAT", bad(col, v));
            }
        }
        Format::Hhmm | Format::HhmmOr9999 => {
            let packed = pack(v, 4);
            if packed.is_some() && packed == *held {
                return;
            }
            if is_hhmm(v) || (col.format == Format::HhmmOr9999 && v == b"9999") {
                *held = packed;
            } else if col.format == Format::Hhmm {
                report!("COL-FORMAT", bad(col, v));
            } else {
                report!("R63", bad(col, v));
            }
        }
        Format::Digits | Format::OfficeNumber => {
            let exact = (col.format == Format::OfficeNumber).then_some(10);
            if !all_digits(v) || exact.is_some_and(|n| v.len() != n) {
                report!("COL-FORMAT", bad(col, v));
            } else if let Some(max) = col.max_len.filter(|m| v.len() > *m) {
                report!("COL-LENGTH", Problem::TooLong { len: v.len(), max });
            }
        }
        Format::Integer => {
            let (neg, digits) = match v.strip_prefix(b"-") {
                Some(d) => (true, d),
                None => (false, v),
            };
            // 明細判別コード has no 項目長 in the source: accept 1–2 digits (README §10).
            let max = col.max_len.unwrap_or(2);
            if !all_digits(digits) {
                report!("COL-FORMAT", bad(col, v));
            } else if digits.len() > max {
                report!(
                    "COL-LENGTH",
                    Problem::TooLong {
                        len: digits.len(),
                        max
                    }
                );
            } else if neg {
                warn!("COL-FORMAT", Problem::Negative { value: shown(v) });
            }
        }
        Format::InsuredNumber => {
            let ok = (v.len() == 10 && all_digits(v))
                || (v.len() == 10 && v[0] == b'H' && all_digits(&v[1..]));
            if !ok {
                report!("R80", Problem::BadInsuredNumber { value: shown(v) });
            }
        }
        Format::ServiceType => match ServiceType::parse(v) {
            None => report!("COL-FORMAT", bad(col, v)),
            Some(t) => {
                scope(sink, || at!(), t);
            }
        },
        Format::ServiceCode => {
            let packed = pack(v, 6);
            if packed.is_some() && packed == *held {
                return;
            }
            let ok = v.len() == 6
                && v.iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
            if !ok {
                report!("COL-FORMAT", bad(col, v));
            } else if v == b"999999"
                || ServiceType::parse(&v[..2]).is_none_or(|t| scope(sink, || at!(), t))
            {
                *held = packed;
            }
        }
        Format::Bitstring31 => {
            if v.len() != 31 || !v.iter().all(|&c| c == b'0' || c == b'1') {
                report!("R62", bad(col, v));
            }
        }
        Format::Decimal9999 => {
            let ok = match v
                .iter()
                .position(|&c| c == b'.')
                .map(|p| (&v[..p], &v[p + 1..]))
            {
                Some((i, d)) => {
                    (1..=2).contains(&i.len())
                        && all_digits(i)
                        && (1..=2).contains(&d.len())
                        && all_digits(d)
                }
                None => (1..=2).contains(&v.len()) && all_digits(v),
            };
            if !ok {
                report!("COL-FORMAT", bad(col, v));
            }
        }
        Format::PostalCode => {
            let ok = v.len() == 8 && v[3] == b'-' && all_digits(&v[..3]) && all_digits(&v[4..]);
            if !ok {
                report!("COL-FORMAT", bad(col, v));
            }
        }
        Format::Text => {
            if memchr::memchr2(b'\r', b'\n', v).is_some() {
                report!("COL-FORMAT", bad(col, v));
            } else if let Some(max) = col.max_len.filter(|m| v.len() > *m || f.bytes > *m) {
                // Within the limit in both encodings, so in characters too: nothing to count.
                let chars = String::from_utf8_lossy(v).chars().count();
                if chars > max {
                    report!("COL-LENGTH", Problem::TooLong { len: chars, max });
                } else if f.bytes > max {
                    // The file's own bytes: 全角 counts twice, as in the spec's 項目長.
                    warn!(
                        "COL-LENGTH",
                        Problem::TooManyBytes {
                            bytes: f.bytes,
                            max,
                        }
                    );
                }
            }
        }
        Format::Code => {
            if !col.has_code(v) {
                let allowed = col
                    .codes
                    .as_ref()
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default();
                report!(
                    "COL-CODE",
                    Problem::NotInCodeList {
                        value: shown(v),
                        allowed
                    }
                );
            }
        }
    }
}

/// A value of `len` bytes (four to eight) as one number, the same exactly when the bytes are;
/// `None` for a value of any other length.
#[inline(always)]
fn pack(v: &[u8], len: usize) -> Option<u64> {
    (v.len() == len && (4..=8).contains(&len)).then(|| packed(v))
}

/// Where an item is: enough to build its finding.
#[derive(Clone, Copy)]
struct At {
    kind: FileKind,
    col: &'static ColumnSpec,
    line: u64,
}

/// How serious a finding about an item is.
#[derive(Clone, Copy)]
enum Grade {
    /// An error where the spec reading is certain, else a warning that points at the entry.
    Spec,
    /// A warning.
    Warning,
    /// An error before sending, a warning on receipt.
    Strict,
    /// A warning that points at the spec entry.
    WarningAtEntry,
}

/// Records a finding about an item.
#[cold]
#[inline(never)]
fn flag(
    sink: &mut Sink,
    at: At,
    code: &'static str,
    grade: Grade,
    problem: impl FnOnce() -> Problem,
) {
    let certain = at.col.confidence == Confidence::High;
    let (severity, pointer) = match grade {
        Grade::Spec if certain => (Severity::Error, false),
        Grade::Spec | Grade::WarningAtEntry => (Severity::Warning, true),
        Grade::Warning => (Severity::Warning, false),
        Grade::Strict => (sink.strict(), false),
    };
    sink.column(at.line, at.kind, at.col, code, severity, problem(), pointer);
}

fn bad(col: &ColumnSpec, v: &[u8]) -> Problem {
    Problem::BadFormat {
        format: col.format,
        value: shown(v),
    }
}

// Out-of-scope types are warned about when received (R33); unknown ones too (R21). True when
// the type is in scope.
#[inline]
fn scope(sink: &mut Sink, at: impl FnOnce() -> At, t: ServiceType) -> bool {
    let scope = crate::spec::spec().scope_of(t);
    if scope == Scope::In {
        return true;
    }
    let code = t.as_str();
    let at = at();
    if scope == Scope::Out {
        flag(sink, at, "R33", Grade::Warning, || Problem::OutOfScope {
            service_type: code.to_owned(),
        });
    } else if scope == Scope::Unknown {
        flag(sink, at, "R21", Grade::Warning, || {
            Problem::UnknownServiceType {
                value: code.to_owned(),
            }
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::pack;

    #[test]
    fn a_packed_value_is_the_same_exactly_when_its_bytes_are() {
        for (base, len) in [
            (&b"20251201"[..], 8),
            (&b"202512"[..], 6),
            (&b"0930"[..], 4),
        ] {
            let packed = pack(base, len);
            assert!(packed.is_some());
            for i in 0..len {
                let mut other = base.to_vec();
                other[i] ^= 1;
                assert_ne!(pack(&other, len), packed, "{other:?}");
            }
            let mut longer = base.to_vec();
            longer.push(0);
            assert_eq!(pack(&longer, len), None);
            assert_eq!(pack(&base[..len - 1], len), None);
        }
    }
}
