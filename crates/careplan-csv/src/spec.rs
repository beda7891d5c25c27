//! The machine-readable standard (`spec/careplan-v41.json`), loaded once.
//!
//! The JSON is the single source of truth for layouts, code lists and service types; nothing in
//! this crate repeats a column table by hand. A test keeps the embedded copy equal to
//! `shared/spec/careplan-v41.json` when that folder is present.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::kind::FileKind;

/// The embedded JSON text of the standard.
pub const SPEC_JSON: &str = include_str!("../spec/careplan-v41.json");

/// The CSV version this crate generates.
pub const CURRENT_CSV_VERSION: &str = "202407";

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    let mut spec: Spec =
        serde_json::from_str(SPEC_JSON).expect("embedded careplan-v41.json is valid");
    spec.check_consistency();
    for column in spec.files.iter_mut().flat_map(|f| f.columns.iter_mut()) {
        column.packed_codes = column
            .codes
            .as_ref()
            .and_then(|codes| codes.keys().map(|c| pack_code(c.as_bytes())).collect());
    }
    spec
});

/// The standard, parsed.
pub fn spec() -> &'static Spec {
    &SPEC
}

/// The whole standard as far as this crate uses it.
#[derive(Debug, Deserialize)]
pub struct Spec {
    /// Edition, e.g. "4.1".
    pub edition: String,
    /// Every CSV version value that has existed.
    pub known_csv_versions: BTreeMap<String, KnownVersion>,
    /// Service types in and out of scope.
    pub service_types: ServiceTypes,
    /// Named code tables.
    pub code_tables: BTreeMap<String, CodeTable>,
    /// Allowed send-unit combinations.
    pub send_units: Vec<SendUnitSpec>,
    /// One entry per file type.
    pub files: Vec<FileSpec>,
}

/// One historical CSVバージョン value.
#[derive(Debug, Deserialize)]
pub struct KnownVersion {
    /// Edition that introduced it.
    pub edition: String,
    /// First service month it applies to, as written in the spec ("2025-04", sometimes annotated).
    pub applies_from: String,
}

/// The service-type tables of spec §1.3/§1.4.
#[derive(Debug, Deserialize)]
pub struct ServiceTypes {
    /// Code → name for every in-scope type.
    pub in_scope: BTreeMap<String, String>,
    /// Code → name for every out-of-scope type.
    pub out_of_scope: BTreeMap<String, String>,
}

/// A named code table.
#[derive(Debug, Deserialize)]
pub struct CodeTable {
    /// Code → meaning.
    pub values: BTreeMap<String, String>,
}

/// One allowed combination of files sharing a serial.
#[derive(Debug, Deserialize)]
pub struct SendUnitSpec {
    /// K1…K6, Y1…Y9.
    pub id: String,
    /// 居宅 or 介護予防.
    pub domain: String,
    /// Prefixes that make up the unit.
    pub files: Vec<String>,
}

/// One file type of the standard.
#[derive(Debug, Deserialize)]
pub struct FileSpec {
    /// File-name prefix, e.g. "UPPLAN".
    pub prefix: String,
    /// Japanese name of the file type.
    pub name_ja: String,
    /// Whether the file name carries a YYYYMM segment.
    pub has_month_in_name: bool,
    /// Number of items per record (0 for the image).
    pub column_count: usize,
    /// The items, No.1..N.
    pub columns: Vec<ColumnSpec>,
}

/// One item (column) of a layout.
#[derive(Debug, Deserialize)]
pub struct ColumnSpec {
    /// Item No., 1-based.
    pub no: u16,
    /// Exact item name, used in user-facing messages.
    pub name_ja: String,
    /// Maximum length from 項目長; `None` when the spec gives none.
    pub max_len: Option<usize>,
    /// Whether the item must be filled.
    pub required: Required,
    /// Value format.
    pub format: Format,
    /// Allowed values for `code` items.
    pub codes: Option<BTreeMap<String, String>>,
    /// `codes` packed into numbers when every code is one or two bytes (all of them are): code
    /// items are a quarter of all items, and string look-ups in the map showed in profiles.
    #[serde(skip)]
    packed_codes: Option<Vec<u32>>,
    /// How sure the re-alignment of the source table is.
    pub confidence: Confidence,
    /// Where readings of the source differ.
    pub disagreement: Option<String>,
}

/// Whether an item must be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// ○ in the source.
    Yes,
    /// No mark.
    No,
    /// Required only in a situation given in the notes.
    Conditional,
}

impl<'de> Deserialize<'de> for Required {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(true) => Ok(Required::Yes),
            Raw::Bool(false) => Ok(Required::No),
            Raw::Text(t) if t == "conditional" => Ok(Required::Conditional),
            Raw::Text(t) => Err(serde::de::Error::custom(format!(
                "unknown required value {t}"
            ))),
        }
    }
}

/// Confidence of the spec reading for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Certain.
    High,
    /// Re-aligned by counting.
    Medium,
    /// A guess between readings.
    Low,
}

/// The format vocabulary of the JSON (`format_vocabulary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// YYYYMM.
    Yyyymm,
    /// YYYYMMDD, a real date.
    Yyyymmdd,
    /// HHMM.
    Hhmm,
    /// HHMM or 9999.
    #[serde(rename = "hhmm_or_9999")]
    HhmmOr9999,
    /// ASCII digits up to max_len.
    Digits,
    /// 10 digits or H + 9 digits.
    InsuredNumber,
    /// 10-digit 事業所番号.
    OfficeNumber,
    /// 2 characters [0-9A-Z].
    ServiceType,
    /// 6 characters: type + item.
    ServiceCode,
    /// 31 characters of 0/1.
    Bitstring31,
    /// 99.99.
    #[serde(rename = "decimal_99_99")]
    Decimal9999,
    /// XXX-XXXX.
    PostalCode,
    /// ASCII digits up to max_len.
    Integer,
    /// Quoted free text.
    FreeText,
    /// Text with a length but no format.
    Text,
    /// One of `codes`.
    Code,
    /// Not used: leave empty.
    Unused,
}

impl Format {
    /// Whether the item is written inside double quotes by generators.
    pub fn is_quoted(self) -> bool {
        self == Format::FreeText
    }
}

impl ColumnSpec {
    /// Whether `value` is one of the item's codes (false for an item without a code list).
    pub fn has_code(&self, value: impl AsRef<[u8]>) -> bool {
        let value = value.as_ref();
        match &self.packed_codes {
            Some(packed) => pack_code(value).is_some_and(|v| packed.contains(&v)),
            None => self
                .codes
                .as_ref()
                .is_some_and(|c| std::str::from_utf8(value).is_ok_and(|v| c.contains_key(v))),
        }
    }
}

// A code of one or two bytes as one number (the length keeps "1" apart from "1\0").
fn pack_code(code: &[u8]) -> Option<u32> {
    match *code {
        [a] => Some(1 << 16 | u32::from(a) << 8),
        [a, b] => Some(2 << 16 | u32::from(a) << 8 | u32::from(b)),
        _ => None,
    }
}

impl Spec {
    /// The entry for a file kind.
    pub fn file(&self, kind: FileKind) -> &FileSpec {
        self.files
            .iter()
            .find(|f| f.prefix == kind.prefix())
            .expect("every FileKind has an entry in the spec")
    }

    /// Whether a service-type code is in scope of the standard.
    pub fn is_in_scope(&self, code: &str) -> bool {
        self.service_types.in_scope.contains_key(code)
    }

    /// Where a service type stands, looked up in a table built once: validation asks this for
    /// every service code, and two map look-ups per item showed in profiles.
    pub fn scope_of(&self, t: crate::values::ServiceType) -> Scope {
        static TABLE: LazyLock<Vec<Scope>> = LazyLock::new(|| {
            let mut table = vec![Scope::Unknown; 36 * 36];
            let spec = spec();
            for (codes, scope) in [
                (&spec.service_types.in_scope, Scope::In),
                (&spec.service_types.out_of_scope, Scope::Out),
            ] {
                for code in codes.keys() {
                    if let Some(i) = crate::values::ServiceType::parse(code).map(scope_index) {
                        table[i] = scope;
                    }
                }
            }
            table
        });
        TABLE[scope_index(t)]
    }

    /// Whether a service-type code is explicitly out of scope.
    pub fn is_out_of_scope(&self, code: &str) -> bool {
        self.service_types.out_of_scope.contains_key(code)
    }

    /// Name of a service type, in or out of scope.
    pub fn service_type_name(&self, code: &str) -> Option<&str> {
        self.service_types
            .in_scope
            .get(code)
            .or_else(|| self.service_types.out_of_scope.get(code))
            .map(String::as_str)
    }

    // The crate's own enums must agree with the data; a mismatch is a packaging bug, so it panics
    // at first use (and in the test suite) rather than producing wrong findings.
    fn check_consistency(&self) {
        for kind in FileKind::ALL {
            let f = self
                .files
                .iter()
                .find(|f| f.prefix == kind.prefix())
                .unwrap_or_else(|| panic!("spec has no entry for {}", kind.prefix()));
            assert_eq!(f.column_count, f.columns.len(), "{}", f.prefix);
            assert_eq!(
                f.has_month_in_name,
                kind.has_month_in_name(),
                "{}",
                f.prefix
            );
            for (i, c) in f.columns.iter().enumerate() {
                assert_eq!(
                    usize::from(c.no),
                    i + 1,
                    "{} columns numbered without gaps",
                    f.prefix
                );
            }
        }
    }
}

/// Whether a service type is one the standard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// In the standard's scope.
    In,
    /// Named by the standard as out of its scope.
    Out,
    /// Not a type the standard knows.
    Unknown,
}

// 0–9 and A–Z in each of the two places.
fn scope_index(t: crate::values::ServiceType) -> usize {
    let digit = |c: u8| match c {
        b'0'..=b'9' => usize::from(c - b'0'),
        _ => usize::from(c.saturating_sub(b'A')) + 10,
    };
    let b = t.as_str().as_bytes();
    (digit(b[0]) * 36 + digit(b[1])).min(36 * 36 - 1)
}

impl FileSpec {
    /// The column with item No. `no` (1-based).
    pub fn column(&self, no: u16) -> &ColumnSpec {
        &self.columns[usize::from(no) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::ServiceType;

    #[test]
    fn packed_code_lists_agree_with_the_spec_maps() {
        let mut values: Vec<String> = vec![String::new(), "100".into(), "1\0".into()];
        let bytes = (0x20u8..0x7F).map(char::from);
        for a in bytes.clone() {
            values.push(a.to_string());
            values.extend(bytes.clone().map(|b| format!("{a}{b}")));
        }
        let columns = spec().files.iter().flat_map(|f| &f.columns);
        let mut checked = 0;
        for col in columns.filter(|c| c.codes.is_some()) {
            assert!(
                col.packed_codes.is_some(),
                "{}: codes longer than two bytes",
                col.name_ja
            );
            let codes = col.codes.as_ref().unwrap();
            for v in &values {
                assert_eq!(
                    col.has_code(v),
                    codes.contains_key(v),
                    "{} {v:?}",
                    col.name_ja
                );
            }
            checked += 1;
        }
        assert!(checked > 40, "the spec has about fifty code lists");
    }

    #[test]
    fn the_scope_table_agrees_with_the_spec_for_every_two_character_type() {
        let spec = spec();
        let chars = ('0'..='9').chain('A'..='Z');
        for a in chars.clone() {
            for b in chars.clone() {
                let code = format!("{a}{b}");
                let t = ServiceType::parse(&code).unwrap();
                let expected = if spec.is_out_of_scope(&code) {
                    Scope::Out
                } else if spec.is_in_scope(&code) {
                    Scope::In
                } else {
                    Scope::Unknown
                };
                assert_eq!(spec.scope_of(t), expected, "{code}");
            }
        }
    }
}
