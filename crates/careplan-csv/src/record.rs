//! Records as values, and their exact MS932 form: generation and strict parsing.

use std::io::Read;

use crate::encoding::{self, Conversion, TextEncoding};
use crate::kind::FileKind;
use crate::reader::{RecordReader, Splitter, SyntaxIssue};
use crate::spec::spec;

/// One record of a file type: its item values, No.1..N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    kind: FileKind,
    values: Vec<String>,
}

/// A record that does not fit its layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Wrong number of values.
    #[error("{kind} records have {expected} items, not {actual}")]
    ColumnCount {
        /// File type.
        kind: FileKind,
        /// Values given.
        actual: usize,
        /// Items of the layout.
        expected: usize,
    },
    /// The image kind has no records.
    #[error("{0} is not a CSV file type")]
    NotCsv(FileKind),
}

impl Record {
    /// A record of `kind` with every item empty.
    pub fn new(kind: FileKind) -> Record {
        Record {
            kind,
            values: vec![String::new(); kind.column_count()],
        }
    }

    /// A record from all of its values, in item order.
    pub fn from_values(kind: FileKind, values: Vec<String>) -> Result<Record, RecordError> {
        if kind.is_image() {
            return Err(RecordError::NotCsv(kind));
        }
        let expected = kind.column_count();
        if values.len() != expected {
            return Err(RecordError::ColumnCount {
                kind,
                actual: values.len(),
                expected,
            });
        }
        Ok(Record { kind, values })
    }

    /// The file type.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// Item No. `no` (1-based).
    ///
    /// # Panics
    /// When `no` is not an item of the layout: item numbers are fixed by the standard, so a wrong
    /// one is a programming error.
    pub fn get(&self, no: u16) -> &str {
        &self.values[usize::from(no) - 1]
    }

    /// Sets item No. `no` (1-based); panics like [`Record::get`].
    pub fn set(&mut self, no: u16, value: impl Into<String>) -> &mut Record {
        self.values[usize::from(no) - 1] = value.into();
        self
    }

    /// All values in item order.
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

/// A character the writer replaced, and where (R3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenConversion {
    /// Index of the record in the input.
    pub record: usize,
    /// Item No.
    pub column: u16,
    /// What was replaced.
    pub conversion: Conversion,
}

/// The bytes of a file, and every character that had to be replaced to write them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// MS932, CRLF, quoted as the standard says.
    pub bytes: Vec<u8>,
    /// Replacements made (R3); empty when every value was MS932-clean.
    pub conversions: Vec<WrittenConversion>,
}

/// Writes records as the standard's CSV: MS932, CRLF after every record, free-text items in
/// double quotes with `"` doubled, other items unquoted (R5–R7). A non-free-text value that
/// holds a comma, quote or line break is quoted too, since parsers accept quotes anywhere and
/// the record would otherwise break.
pub fn write(records: &[Record]) -> Written {
    let mut bytes = Vec::new();
    let mut conversions = Vec::new();
    for (ri, r) in records.iter().enumerate() {
        let layout = spec().file(r.kind);
        for (col, value) in layout.columns.iter().zip(&r.values) {
            if col.no > 1 {
                bytes.push(b',');
            }
            let prepared = encoding::prepare(value);
            conversions.extend(prepared.conversions.into_iter().map(|conversion| {
                WrittenConversion {
                    record: ri,
                    column: col.no,
                    conversion,
                }
            }));
            let text = prepared.text;
            let quote = col.format.is_quoted() || text.contains([',', '"', '\r', '\n']);
            if quote {
                bytes.push(b'"');
                encoding::encode(&text.replace('"', "\"\""), &mut bytes);
                bytes.push(b'"');
            } else {
                encoding::encode(&text, &mut bytes);
            }
        }
        bytes.extend_from_slice(b"\r\n");
    }
    Written { bytes, conversions }
}

/// Why a file could not be parsed into records.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Reading failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not MS932 (or hold 外字) on this line.
    #[error("line {line}: not MS932")]
    Encoding {
        /// Physical line.
        line: u64,
    },
    /// Quoting is broken on this line.
    #[error("line {line}: broken quoting")]
    Syntax {
        /// Physical line.
        line: u64,
    },
    /// Wrong number of items on this line.
    #[error("line {line}: {source}")]
    Record {
        /// Physical line.
        line: u64,
        /// What is wrong.
        source: RecordError,
    },
}

/// Parses a whole file strictly: any encoding or syntax problem is an error. Use
/// [`crate::validate()`] to learn everything that is wrong; use this to read a valid file.
/// Empty lines are skipped and a UTF-8 BOM is ignored; the file must still be MS932.
pub fn parse(kind: FileKind, src: impl Read) -> Result<Vec<Record>, ParseError> {
    let mut out = Vec::new();
    let mut reader = RecordReader::new(src);
    let sample = reader.peek()?;
    let skip = if sample.starts_with(encoding::UTF8_BOM) {
        encoding::UTF8_BOM.len()
    } else {
        0
    };
    if encoding::sniff(&sample[skip..]) == TextEncoding::Utf8 {
        return Err(ParseError::Encoding { line: 1 });
    }
    reader.skip(skip);
    let mut splitter = Splitter::default();
    let mut issues: Vec<SyntaxIssue> = Vec::new();
    while let Some(rec) =
        reader.next_record(&mut splitter, TextEncoding::Ms932, &[], &mut issues)?
    {
        if rec.bytes.is_empty() {
            continue;
        }
        if rec.unterminated_quote {
            return Err(ParseError::Syntax { line: rec.line });
        }
        let items = rec.items;
        if !items.clean() {
            return Err(ParseError::Encoding { line: rec.line });
        }
        if !issues.is_empty() {
            return Err(ParseError::Syntax { line: rec.line });
        }
        let values = (0..items.len())
            .map(|k| items.text(k).into_owned())
            .collect();
        let record = Record::from_values(kind, values).map_err(|source| ParseError::Record {
            line: rec.line,
            source,
        })?;
        out.push(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dlt(insured: &str) -> Record {
        Record::from_values(
            FileKind::Dlt1Kyo,
            vec![
                "202407".into(),
                "131016".into(),
                insured.into(),
                "20250401".into(),
            ],
        )
        .unwrap()
    }

    #[test]
    fn records_end_with_crlf_and_items_are_unquoted_unless_free_text() {
        let w = write(&[dlt("0000012345"), dlt("H000012346")]);
        assert_eq!(
            w.bytes,
            b"202407,131016,0000012345,20250401\r\n202407,131016,H000012346,20250401\r\n"
        );
        assert!(w.conversions.is_empty());
    }

    #[test]
    fn free_text_is_quoted_with_doubled_quotes_and_kept_line_breaks() {
        let mut r = Record::new(FileKind::UpKihonSub1);
        r.set(1, "202407")
            .set(2, "131016")
            .set(3, "0000012345")
            .set(4, "20250401");
        r.set(5, "6:00").set(6, "起床、\"体操\"\r\n朝食").set(7, "");
        let w = write(std::slice::from_ref(&r));
        let mut expected = b"202407,131016,0000012345,20250401,\"6:00\",\"".to_vec();
        encoding::encode("起床、\"\"体操\"\"\r\n朝食", &mut expected);
        expected.extend_from_slice(b"\",\"\"\r\n");
        assert_eq!(w.bytes, expected);
        assert_eq!(parse(FileKind::UpKihonSub1, &w.bytes[..]).unwrap(), vec![r]);
    }

    #[test]
    fn characters_outside_ms932_are_replaced_and_reported() {
        let mut r = Record::new(FileKind::UpKihonSub1);
        r.set(6, "9時〜10時");
        let w = write(&[r]);
        assert_eq!(
            w.conversions,
            vec![WrittenConversion {
                record: 0,
                column: 6,
                conversion: Conversion {
                    from: '〜',
                    to: '～'
                }
            }]
        );
    }

    #[test]
    fn wrong_value_count_is_refused() {
        let e = Record::from_values(FileKind::Dlt1Kyo, vec![String::new(); 5]).unwrap_err();
        assert_eq!(
            e,
            RecordError::ColumnCount {
                kind: FileKind::Dlt1Kyo,
                actual: 5,
                expected: 4
            }
        );
    }

    #[test]
    fn parse_refuses_broken_files_with_the_line() {
        assert!(matches!(
            parse(FileKind::Dlt1Kyo, &b"202407,1,2,3\r\n202407,1,2\r\n"[..]),
            Err(ParseError::Record { line: 2, .. })
        ));
        assert!(matches!(
            parse(FileKind::Dlt1Kyo, &b"202407,\"1,2,3\r\n"[..]),
            Err(ParseError::Syntax { line: 1 })
        ));
        assert!(matches!(
            parse(FileKind::Dlt1Kyo, &b"202407,\xF0\x40,2,3\r\n"[..]),
            Err(ParseError::Encoding { line: 1 })
        ));
    }
}
