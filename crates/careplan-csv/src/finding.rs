//! Findings: what validation reports, as data. Sentences are made in `messages`.

use serde::Serialize;

use crate::filename::{FileNameError, NameWarning};
use crate::kind::FileKind;
use crate::spec::{Confidence, Format};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file must not be sent (or is not what the standard allows).
    Error,
    /// Acceptable, but the user should look at it.
    Warning,
}

/// Language of user-facing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 日本語 (default).
    #[default]
    Ja,
    /// English.
    En,
}

/// Where in the file a finding points: record line and item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    /// Physical line where the record starts (1-based); `None` for the file as a whole.
    pub line: Option<u64>,
    /// The spec's item No.; `None` for the record or file as a whole.
    pub column: Option<u16>,
}

/// One thing validation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Rule code: an R-number of `rules.md`, or `COL-…` for the column rules of the JSON.
    pub code: &'static str,
    /// Line and item.
    pub location: Location,
    /// The item's name from the spec, when the finding is about one item.
    pub column_name: Option<&'static str>,
    /// What is wrong, as data.
    pub problem: Problem,
    /// The spec entry whose reading is uncertain, when that made this a warning.
    pub uncertain: Option<(FileKind, u16)>,
}

impl Finding {
    /// The message in the requested language.
    pub fn message(&self, lang: Lang) -> String {
        let mut m = crate::messages::message(&self.problem, lang);
        if let Some((kind, no)) = self.uncertain {
            m.push_str(&crate::messages::uncertain_note(kind, no, lang));
        }
        m
    }

    /// Whether this finding blocks sending.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Which rule of the per-column checks fired (codes `COL-…`).
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    // --- file name and file as a whole ---
    /// The file name breaks the grammar.
    FileName(FileNameError),
    /// The file name is valid but questionable.
    NameWarning(NameWarning),
    /// The file is UTF-8, not MS932.
    Utf8,
    /// A UTF-8 BOM was found and ignored.
    Bom,
    /// Bytes that are not MS932.
    Undecodable {
        /// Byte offset in the file.
        offset: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A 外字.
    Gaiji {
        /// Byte offset in the file.
        offset: u64,
        /// The bytes.
        bytes: [u8; 2],
    },
    /// The file ends inside a quoted item.
    UnterminatedQuote,
    /// A `"` inside an unquoted item.
    StrayQuote,
    /// Text between a closing quote and the next comma.
    TextAfterQuote,
    /// A free-text item written without quotes.
    FreeTextNotQuoted,
    /// Wrong number of items in a record.
    ColumnCount {
        /// File type.
        kind: FileKind,
        /// Items found.
        actual: usize,
        /// Items the layout has.
        expected: usize,
    },
    /// A first row that looks like a header was skipped.
    HeaderSkipped,
    /// An empty line between records.
    EmptyLine,
    /// No records at all.
    NoRecords,
    /// An image that is not JPEG.
    NotJpeg,
    /// A care-management file sent by a service office (R81).
    WrongDirection {
        /// The file type.
        kind: FileKind,
    },
    /// The file could not be read.
    Unreadable(String),
    /// The path is no regular file (a folder, a device, a FIFO).
    NotAFile,
    /// A NUL byte: a binary file, not text.
    NulByte,
    /// A record longer than [`crate::reader::MAX_RECORD_BYTES`]; reading stopped there.
    RecordTooLong,

    // --- one item ---
    /// A required item is empty.
    Required {
        /// How sure the spec reading is.
        confidence: Confidence,
        /// File type, to point at the JSON entry.
        kind: FileKind,
        /// Item No.
        no: u16,
    },
    /// More characters than 項目長.
    TooLong {
        /// Characters found.
        len: usize,
        /// Maximum.
        max: usize,
    },
    /// Within 項目長 in characters, but not in MS932 bytes.
    TooManyBytes {
        /// Bytes.
        bytes: usize,
        /// Maximum.
        max: usize,
    },
    /// The value does not have the item's format.
    BadFormat {
        /// Expected format.
        format: Format,
        /// The value (shortened).
        value: String,
    },
    /// A negative number where the spec says nothing about signs.
    Negative {
        /// The value.
        value: String,
    },
    /// A code outside the item's list.
    NotInCodeList {
        /// The value (shortened).
        value: String,
        /// Allowed codes.
        allowed: Vec<String>,
    },
    /// 識別子 is filled although unused.
    UnusedFilled,
    /// 被保険者番号 is neither 10 digits nor H + 9 digits.
    BadInsuredNumber {
        /// The value (shortened).
        value: String,
    },
    /// A service-type code the standard does not know.
    UnknownServiceType {
        /// The value.
        value: String,
    },
    /// A service type outside the standard's scope.
    OutOfScope {
        /// The two-character type.
        service_type: String,
    },
    // --- one record or one file ---
    /// CSVバージョン differs from the file's first record.
    VersionMixed {
        /// The first record's value.
        first: String,
        /// This record's value.
        found: String,
    },
    /// CSVバージョン unknown.
    VersionUnknown {
        /// The value.
        value: String,
    },
    /// CSVバージョン of the v3 layouts or older.
    VersionOld {
        /// The value.
        value: String,
    },
    /// CSVバージョン 202504 (4.0): same layout, accepted.
    Version40,
    /// The version was not yet in force for the service month.
    VersionNotInForce {
        /// The value.
        value: String,
        /// The service month.
        month: String,
    },
    /// The record's month differs from the file name's.
    MonthNotName {
        /// Month in the record.
        record: String,
        /// Month in the name.
        name: String,
    },
    /// The file holds more than one service month.
    MonthMixed {
        /// The first month seen.
        first: String,
        /// This record's month.
        found: String,
    },
    /// サービス利用日 outside 対象年月.
    DateOutsideMonth {
        /// The date.
        date: String,
        /// The month.
        month: String,
    },
    /// 福祉用具貸与 without TAIS or 届出 code.
    EquipmentCodeMissing {
        /// Item No. of the TAIS code.
        tais: u16,
        /// Item No. of the 届出 code.
        notified: u16,
    },
    /// 明細判別コード on a service other than 17/67.
    DiscriminatorNotEquipment,
    /// 日割対象日 marks days after the month's last day.
    DaysBeyondMonthEnd {
        /// Days in the month.
        days: u8,
    },
    /// One of start/end time is 9999 and the other is not.
    TimesInconsistent,
    /// UPHOSOKU key items do not match the unit type (R30).
    HosokuKey {
        /// Whether the file is in a plan (000000) unit.
        plan_unit: bool,
        /// Which item.
        no: u16,
    },
    /// A user in a 利用票 has no service of the receiving office.
    UnrelatedUser,
    /// A 実績 record of another office or service type.
    ForeignService {
        /// Whether the office (rather than the type) differs.
        office: bool,
    },
    /// 更新業者コード is not the sender.
    UpdaterNotSender {
        /// The value.
        value: String,
        /// The sender in the file name.
        sender: String,
    },
    /// Wrong number of 第7表 grand-total rows for a user.
    GrandTotalCount {
        /// Rows found.
        count: usize,
    },
    /// A type with several 第7表 detail rows has no AAAA subtotal.
    SubtotalMissing {
        /// The type.
        service_type: String,
    },
    /// A 第7表 subtotal or total row carries detail values.
    SubtotalValues,
    /// 第7表 No.34 should be 9999999999.
    FixedOfficeCode,
    /// UPHOSOKU per-type limit slots have a gap.
    SlotGap {
        /// The first filled slot after an empty one.
        slot: u16,
    },
    /// UPHOSOKU per-type slot holds 23 or 2A.
    SlotShortStayType {
        /// The type.
        service_type: String,
    },
    /// A code that calls for a follow-up text has none.
    FollowUpMissing {
        /// The code item.
        code_no: u16,
        /// The text item.
        text_no: u16,
    },
    /// 第2表 records out of printed order.
    Plan2Order,
    /// 第3表 record mixes groups.
    Plan3Mixed,

    // --- send units ---
    /// The files sharing a serial are not an allowed combination.
    UnitNotAllowed {
        /// The kinds found.
        kinds: Vec<FileKind>,
    },
    /// A unit lacks its parent file.
    UnitMissingParent {
        /// The parent that is missing.
        parent: FileKind,
    },
    /// A unit lacks a companion file.
    UnitMissingCompanion {
        /// The companion.
        missing: FileKind,
    },
    /// A derived file's parent is not in the unit.
    DerivedWithoutParent {
        /// The parent.
        parent: FileKind,
    },
    /// A parent travels without its 別表.
    SubMissing {
        /// The missing 別表.
        sub: FileKind,
    },
    /// A dependent record has no parent record.
    NoParentRecord {
        /// The parent file type.
        parent: FileKind,
        /// The key, for display.
        key: String,
    },
    /// An image named in UPKIHON No.62 is not in the unit.
    ImageMissing {
        /// The name.
        name: String,
    },
    /// An image of the unit is not named by any UPKIHON record.
    ImageUnreferenced,
}
