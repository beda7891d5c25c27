//! File names (README §4, rules R13–R24): the routing of the exchange lives here.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::kind::FileKind;
use crate::values::{OfficeNumber, ServiceType, YearMonth, all_digits, is_datetime14};

/// The month segment of a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameMonth {
    /// A service month (YYYYMM).
    Month(YearMonth),
    /// `000000`: an UPHOSOKU that belongs to a plan (1–3表) unit.
    PlanUnit,
}

impl fmt::Display for NameMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameMonth::Month(m) => m.fmt(f),
            NameMonth::PlanUnit => f.write_str("000000"),
        }
    }
}

/// An office and the service type it acts as, as named in a file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Party {
    /// 事業所番号.
    pub office: OfficeNumber,
    /// サービス種類コード.
    pub service_type: ServiceType,
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.office, self.service_type)
    }
}

/// Which party of a file name a segment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// 送信元.
    Sender,
    /// 送信先.
    Recipient,
}

/// A parsed, well-formed file name of the standard.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName {
    /// File type.
    pub kind: FileKind,
    /// Month segment, for the six kinds that carry one.
    pub month: Option<NameMonth>,
    /// 送信元.
    pub sender: Party,
    /// 送信先.
    pub recipient: Party,
    /// ファイル連番 (YYYYMMDDHHMMSS), shared by all files of a send unit.
    pub serial: String,
    /// Image number (UPKIHON_IMAGE only).
    pub branch: Option<String>,
}

/// Why a name is not a file name of the standard.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileNameError {
    /// The name does not start with one of the standard's prefixes.
    #[error("unknown prefix in {name}")]
    UnknownPrefix {
        /// The whole name.
        name: String,
    },
    /// The extension is not `.CSV` (data) or `.jpg` (image).
    #[error("extension {found:?} where {expected} is expected")]
    WrongExtension {
        /// Extension as written, without the dot.
        found: String,
        /// What the kind needs.
        expected: &'static str,
    },
    /// A v3.x name: no service-type segments.
    #[error("v3-style name without service types")]
    V3Style {
        /// The file type.
        kind: FileKind,
    },
    /// Month segment missing on a kind that needs one (R14).
    #[error("{kind} needs a month segment")]
    MissingMonth {
        /// The file type.
        kind: FileKind,
    },
    /// Month segment present on a kind that has none (R14).
    #[error("{kind} has no month segment")]
    UnexpectedMonth {
        /// The file type.
        kind: FileKind,
    },
    /// The month segment is not a real YYYYMM (R15).
    #[error("month segment {value:?} is not a valid YYYYMM")]
    BadMonth {
        /// The file type.
        kind: FileKind,
        /// The segment.
        value: String,
    },
    /// An office-number segment is not 10 digits.
    #[error("office number {value:?} is not 10 digits")]
    BadOfficeNumber {
        /// Whose number.
        role: Role,
        /// The segment.
        value: String,
    },
    /// A service-type segment is not 2 characters of [0-9A-Z].
    #[error("service type {value:?} is not 2 characters of [0-9A-Z]")]
    BadServiceType {
        /// Whose type.
        role: Role,
        /// The segment.
        value: String,
    },
    /// The serial is not 14 digits.
    #[error("serial {value:?} is not 14 digits")]
    BadSerial {
        /// The segment.
        value: String,
    },
    /// The image number is not 4 digits.
    #[error("image number {value:?} is not 4 digits")]
    BadBranch {
        /// The segment.
        value: String,
    },
    /// Wrong number of `_`-separated segments.
    #[error("{found} segments after the prefix where {expected} are expected")]
    WrongSegmentCount {
        /// The file type.
        kind: FileKind,
        /// Segments found.
        found: usize,
        /// Segments the grammar has.
        expected: usize,
    },
    /// Sender and recipient are the same office and service type (R22).
    #[error("sender and recipient are the same office and service type")]
    SameParty,
}

impl FileNameError {
    /// The rule of `rules.md` this error breaks.
    pub fn rule(&self) -> &'static str {
        match self {
            FileNameError::MissingMonth { .. } | FileNameError::UnexpectedMonth { .. } => "R14",
            FileNameError::BadMonth { .. } => "R15",
            FileNameError::WrongExtension { .. } => "R18",
            FileNameError::SameParty => "R22",
            _ => "R13",
        }
    }
}

/// Something about a valid name that deserves a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameWarning {
    /// The serial is not a real date and time (R16).
    SerialNotDateTime,
    /// Sender and recipient share an office number with different service types (R22).
    SameOfficeDifferentType,
    /// A service-type segment is neither in scope nor a care-management code (R21).
    UnknownServiceType(Role, ServiceType),
}

impl NameWarning {
    /// The rule of `rules.md` this warning comes from.
    pub fn rule(&self) -> &'static str {
        match self {
            NameWarning::SerialNotDateTime => "R16",
            NameWarning::SameOfficeDifferentType => "R22",
            NameWarning::UnknownServiceType(..) => "R21",
        }
    }
}

impl FileName {
    /// Parses a bare file name (no directory).
    pub fn parse(name: &str) -> Result<FileName, FileNameError> {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let kind =
            FileKind::match_name_prefix(stem).ok_or_else(|| FileNameError::UnknownPrefix {
                name: name.to_owned(),
            })?;
        let expected_ext: &'static str = if kind.is_image() { ".jpg" } else { ".CSV" };
        let ext_ok = if kind.is_image() {
            ext.eq_ignore_ascii_case("jpg") || ext.eq_ignore_ascii_case("jpeg")
        } else {
            ext.eq_ignore_ascii_case("csv")
        };
        if !ext_ok {
            return Err(FileNameError::WrongExtension {
                found: ext.to_owned(),
                expected: expected_ext,
            });
        }
        let rest = &stem[kind.prefix().len() + 1..];
        let segs: Vec<&str> = rest.split('_').collect();
        let expected = 5 + usize::from(kind.has_month_in_name()) + usize::from(kind.is_image());
        if segs.len() != expected {
            return Err(shape_error(kind, &segs, expected));
        }
        let mut it = segs.into_iter();
        let month = if kind.has_month_in_name() {
            let m = it.next().unwrap_or_default();
            Some(match (m, YearMonth::parse(m)) {
                ("000000", _) if kind == FileKind::UpHosoku => NameMonth::PlanUnit,
                (_, Some(ym)) => NameMonth::Month(ym),
                _ => {
                    return Err(FileNameError::BadMonth {
                        kind,
                        value: m.to_owned(),
                    });
                }
            })
        } else {
            None
        };
        let sender = party(Role::Sender, it.next(), it.next())?;
        let recipient = party(Role::Recipient, it.next(), it.next())?;
        let serial = it.next().unwrap_or_default();
        if serial.len() != 14 || !all_digits(serial.as_bytes()) {
            return Err(FileNameError::BadSerial {
                value: serial.to_owned(),
            });
        }
        let branch = if kind.is_image() {
            let b = it.next().unwrap_or_default();
            if b.len() != 4 || !all_digits(b.as_bytes()) {
                return Err(FileNameError::BadBranch {
                    value: b.to_owned(),
                });
            }
            Some(b.to_owned())
        } else {
            None
        };
        if sender == recipient {
            return Err(FileNameError::SameParty);
        }
        Ok(FileName {
            kind,
            month,
            sender,
            recipient,
            serial: serial.to_owned(),
            branch,
        })
    }

    /// Warnings about an otherwise valid name (R16, R21, R22).
    pub fn warnings(&self) -> Vec<NameWarning> {
        let mut w = Vec::new();
        if !is_datetime14(&self.serial) {
            w.push(NameWarning::SerialNotDateTime);
        }
        if self.sender.office == self.recipient.office {
            w.push(NameWarning::SameOfficeDifferentType);
        }
        for (role, p) in [
            (Role::Sender, &self.sender),
            (Role::Recipient, &self.recipient),
        ] {
            // Care-management codes are not in the scope table; 43 is the one every example
            // uses, and the 包括 code is not stated, so only flag what is plainly unknown.
            let t = p.service_type;
            let known = t.is_in_scope() || matches!(t.as_str(), "43" | "46" | "AF");
            if !known {
                w.push(NameWarning::UnknownServiceType(role, t));
            }
        }
        w
    }

    /// The part a derived file repeats from its parent: sender office through serial (R23).
    pub fn middle(&self) -> String {
        format!("{}_{}_{}", self.sender, self.recipient, self.serial)
    }

    /// The service month named in the file, if any (not for `000000`).
    pub fn service_month(&self) -> Option<YearMonth> {
        match self.month {
            Some(NameMonth::Month(m)) => Some(m),
            _ => None,
        }
    }
}

impl fmt::Display for FileName {
    /// The canonical name, as a generator writes it (`.CSV`, `.jpg`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_", self.kind.prefix())?;
        if let Some(m) = self.month {
            write!(f, "{m}_")?;
        }
        write!(f, "{}", self.middle())?;
        match &self.branch {
            Some(b) => write!(f, "_{b}.jpg"),
            None => f.write_str(".CSV"),
        }
    }
}

impl FromStr for FileName {
    type Err = FileNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FileName::parse(s)
    }
}

fn party(role: Role, office: Option<&str>, ty: Option<&str>) -> Result<Party, FileNameError> {
    let (office, ty) = (office.unwrap_or_default(), ty.unwrap_or_default());
    let office = OfficeNumber::parse(office).ok_or_else(|| FileNameError::BadOfficeNumber {
        role,
        value: office.to_owned(),
    })?;
    let service_type = ServiceType::parse(ty).ok_or_else(|| FileNameError::BadServiceType {
        role,
        value: ty.to_owned(),
    })?;
    Ok(Party {
        office,
        service_type,
    })
}

// A wrong segment count usually has a recognisable cause: a v3 name without service types, a month
// where none belongs (the spec's own `UPKIHON_000000_…` example) or a missing month.
fn shape_error(kind: FileKind, segs: &[&str], expected: usize) -> FileNameError {
    let numeric = |s: &&str| all_digits(s.as_bytes());
    let has_type_segment = segs.iter().any(|s| s.len() == 2 || s.len() == 3);
    if segs.len() + 2 == expected && segs.iter().all(numeric) && !has_type_segment {
        return FileNameError::V3Style { kind };
    }
    if !kind.has_month_in_name()
        && segs.len() == expected + 1
        && segs[0].len() == 6
        && numeric(&segs[0])
    {
        return FileNameError::UnexpectedMonth { kind };
    }
    if kind.has_month_in_name() && segs.len() + 1 == expected && segs[0].len() != 6 {
        return FileNameError::MissingMonth { kind };
    }
    FileNameError::WrongSegmentCount {
        kind,
        found: segs.len(),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(name: &str) -> FileNameError {
        FileName::parse(name).unwrap_err()
    }

    #[test]
    fn every_consistent_example_of_the_spec_parses() {
        for n in [
            "UP1KYO_0300000100_43_0300000005_11_20191025200201.CSV",
            "UPHOSOKU_000000_0300000100_43_0300000005_11_20191025200201.CSV",
            "UPHOSOKU_201909_0300000100_43_0300000005_11_20191025200201.CSV",
            "UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.CSV",
            "UPKIHON_SUB1_0300000100_43_0300000005_11_20191025200201.CSV",
            "UPKIHON_IMAGE_0300000100_43_0300000005_11_20191025200201_0001.JPG",
            "UPJSK_201912_0300000005_11_0300000100_43_20191025200201.CSV",
        ] {
            let f = FileName::parse(n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(f.to_string().to_ascii_lowercase(), n.to_ascii_lowercase());
        }
    }

    #[test]
    fn every_prefix_parses_into_its_kind() {
        for kind in FileKind::ALL {
            let month = if kind.has_month_in_name() {
                "202504_"
            } else {
                ""
            };
            let tail = if kind.is_image() { "_0001.jpg" } else { ".CSV" };
            let n = format!(
                "{}_{month}0300000100_43_0300000005_11_20250401120000{tail}",
                kind.prefix()
            );
            let f = FileName::parse(&n).unwrap();
            assert_eq!(f.kind, kind);
            assert_eq!(f.sender.office.as_str(), "0300000100");
            assert_eq!(f.recipient.service_type.as_str(), "11");
            assert_eq!(f.serial, "20250401120000");
            assert_eq!(f.to_string(), n);
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let f =
            FileName::parse("UPYOBO_SUB_0300000100_43_0300000005_A1_20250401120000.CSV").unwrap();
        assert_eq!(f.kind, FileKind::UpYoboSub);
        let f =
            FileName::parse("UPKIHON_SUB2_0300000100_43_0300000005_A1_20250401120000.csv").unwrap();
        assert_eq!(f.kind, FileKind::UpKihonSub2);
    }

    #[test]
    fn unknown_prefix_is_rejected() {
        assert!(matches!(
            err("UPPLANX_201912_0300000100_43_0300000005_11_20191025200201.CSV"),
            FileNameError::UnknownPrefix { .. }
        ));
        assert!(matches!(
            err("readme.txt"),
            FileNameError::UnknownPrefix { .. }
        ));
    }

    #[test]
    fn nine_digit_office_number_of_the_spec_text_is_rejected() {
        let e = err("UP1KYO_123456789_43_2468135790_11_20191110102233.CSV");
        assert_eq!(
            e,
            FileNameError::BadOfficeNumber {
                role: Role::Sender,
                value: "123456789".into()
            }
        );
        assert_eq!(e.rule(), "R13");
    }

    #[test]
    fn fifteen_digit_serial_is_rejected() {
        let e = err("UP1KYO_0300000100_43_2468135790_11_201911110102233.CSV");
        assert!(matches!(e, FileNameError::BadSerial { .. }));
    }

    #[test]
    fn month_on_a_kind_without_month_is_rejected() {
        let e = err("UPKIHON_000000_0300000100_43_2468135790_11_20191110102233.CSV");
        assert_eq!(
            e,
            FileNameError::UnexpectedMonth {
                kind: FileKind::UpKihon
            }
        );
        assert_eq!(e.rule(), "R14");
    }

    #[test]
    fn missing_month_is_rejected() {
        let e = err("UPPLAN_0300000100_43_0300000005_11_20191025200201.CSV");
        assert_eq!(
            e,
            FileNameError::MissingMonth {
                kind: FileKind::UpPlan
            }
        );
    }

    #[test]
    fn impossible_month_is_rejected() {
        let e = err("UPPLAN_201913_0300000100_43_0300000005_11_20191025200201.CSV");
        assert!(matches!(e, FileNameError::BadMonth { .. }));
        assert_eq!(e.rule(), "R15");
        // 000000 belongs to UPHOSOKU only.
        assert!(matches!(
            err("UPPLAN_000000_0300000100_43_0300000005_11_20191025200201.CSV"),
            FileNameError::BadMonth { .. }
        ));
    }

    #[test]
    fn impossible_serial_timestamp_is_a_warning() {
        let f = FileName::parse("UPPLAN_201912_0300000100_43_0300000005_11_20191325200201.CSV")
            .unwrap();
        assert_eq!(f.warnings(), vec![NameWarning::SerialNotDateTime]);
    }

    #[test]
    fn sender_equal_to_recipient_is_rejected() {
        assert_eq!(
            err("UPPLAN_201912_0300000100_43_0300000100_43_20191025200201.CSV"),
            FileNameError::SameParty
        );
        let f = FileName::parse("UPPLAN_201912_0300000100_43_0300000100_11_20191025200201.CSV")
            .unwrap();
        assert_eq!(f.warnings(), vec![NameWarning::SameOfficeDifferentType]);
    }

    #[test]
    fn v3_name_without_service_types_is_recognised() {
        let e = err("UPPLAN_201912_0300000100_0300000005_20191025200201.CSV");
        assert_eq!(
            e,
            FileNameError::V3Style {
                kind: FileKind::UpPlan
            }
        );
        let e = err("UP1KYO_0300000100_0300000005_20191025200201.CSV");
        assert_eq!(
            e,
            FileNameError::V3Style {
                kind: FileKind::Up1Kyo
            }
        );
    }

    #[test]
    fn wrong_extension_is_rejected() {
        let e = err("UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.TXT");
        assert_eq!(
            e,
            FileNameError::WrongExtension {
                found: "TXT".into(),
                expected: ".CSV"
            }
        );
        let e = err("UPKIHON_IMAGE_0300000100_43_0300000005_11_20191025200201_0001.png");
        assert_eq!(e.rule(), "R18");
    }

    #[test]
    fn lower_case_service_type_is_rejected() {
        let e = err("UPPLAN_201912_0300000100_43_0300000005_a1_20191025200201.CSV");
        assert_eq!(
            e,
            FileNameError::BadServiceType {
                role: Role::Recipient,
                value: "a1".into()
            }
        );
    }

    #[test]
    fn unknown_service_type_is_a_warning() {
        let f = FileName::parse("UPPLAN_201912_0300000100_43_0300000005_ZZ_20191025200201.CSV")
            .unwrap();
        assert!(matches!(
            f.warnings()[..],
            [NameWarning::UnknownServiceType(Role::Recipient, _)]
        ));
    }
}
