//! CSV syntax of the standard (R4–R7): streaming records, then fields.
//!
//! Records are found on raw bytes: in MS932 the bytes of `"`, `,`, CR and LF never occur inside a
//! double-byte character (trail bytes are 0x40–0x7E, 0x80–0xFC), so quote-aware splitting on bytes
//! is exact and needs no decoding. Fields are split after decoding, on the text.

use std::borrow::Cow;
use std::io::{self, Read};

const CHUNK: usize = 64 * 1024;

/// One record as found in the byte stream, before decoding.
#[derive(Debug)]
pub struct RawRecord<'a> {
    /// Physical line (1-based) on which the record starts.
    pub line: u64,
    /// Byte offset of the record's first byte in the file (after any BOM).
    pub offset: u64,
    /// The record's bytes without its line terminator.
    pub bytes: &'a [u8],
    /// Whether the file ended inside a quoted item.
    pub unterminated_quote: bool,
}

/// Reads records one at a time from any byte source; memory stays at one record plus one chunk.
pub struct RecordReader<R> {
    src: R,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
    line: u64,
    offset: u64,
}

/// Where the scanner is inside a record. Only a quote at the start of an item opens quoting, as
/// in the field splitter, so a stray `"` inside an unquoted item cannot swallow the next lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    ItemStart,
    Unquoted,
    Quoted,
    /// Just after a quote inside a quoted item: `"` continues it (escaped), anything else ends it.
    AfterQuote,
}

impl<R: Read> RecordReader<R> {
    /// Wraps a byte source.
    pub fn new(src: R) -> Self {
        RecordReader {
            src,
            buf: Vec::with_capacity(CHUNK),
            start: 0,
            eof: false,
            line: 1,
            offset: 0,
        }
    }

    /// The next record, or `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<RawRecord<'_>>> {
        let mut scan = self.start;
        let mut state = Scan::ItemStart;
        loop {
            if let Some((end, next)) = find_end(&self.buf, &mut scan, &mut state) {
                return Ok(Some(self.take(end, next, false)));
            }
            if self.eof {
                if self.start >= self.buf.len() {
                    return Ok(None);
                }
                let end = self.buf.len();
                return Ok(Some(self.take(end, end, state == Scan::Quoted)));
            }
            // Keep the unfinished record, drop what was handed out, read more.
            if self.start > 0 {
                self.buf.drain(..self.start);
                scan -= self.start;
                self.start = 0;
            }
            let old = self.buf.len();
            self.buf.resize(old + CHUNK, 0);
            let n = loop {
                match self.src.read(&mut self.buf[old..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(old);
                        return Err(e);
                    }
                }
            };
            self.buf.truncate(old + n);
            self.eof = n == 0;
        }
    }

    fn take(&mut self, end: usize, next: usize, unterminated_quote: bool) -> RawRecord<'_> {
        let start = self.start;
        let mut content_end = end;
        if content_end > start && self.buf[content_end - 1] == b'\r' {
            content_end -= 1;
        }
        let line = self.line;
        let offset = self.offset;
        let bytes = &self.buf[start..content_end];
        self.line += memchr::memchr_iter(b'\n', &self.buf[start..next]).count() as u64;
        self.offset += (next - start) as u64;
        self.start = next;
        RawRecord {
            line,
            offset,
            bytes,
            unterminated_quote,
        }
    }
}

// Finds the LF that ends the record (outside quotes). Returns (end of content, start of next).
fn find_end(buf: &[u8], scan: &mut usize, state: &mut Scan) -> Option<(usize, usize)> {
    let mut i = *scan;
    while i < buf.len() {
        match *state {
            Scan::Quoted => match memchr::memchr(b'"', &buf[i..]) {
                Some(k) => {
                    i += k + 1;
                    *state = Scan::AfterQuote;
                }
                None => i = buf.len(),
            },
            Scan::ItemStart | Scan::AfterQuote if buf[i] == b'"' => {
                i += 1;
                *state = Scan::Quoted;
            }
            // An unquoted item (or text after a closing quote) runs to the next comma or LF.
            _ => match memchr::memchr2(b',', b'\n', &buf[i..]) {
                Some(k) if buf[i + k] == b',' => {
                    i += k + 1;
                    *state = Scan::ItemStart;
                }
                Some(k) => {
                    *scan = i + k + 1;
                    return Some((i + k, i + k + 1));
                }
                None => {
                    i = buf.len();
                    *state = Scan::Unquoted;
                }
            },
        }
    }
    *scan = i;
    None
}

/// One item of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The value, with quotes removed and `""` unescaped.
    pub value: Cow<'a, str>,
    /// Whether the item was written inside quotes.
    pub quoted: bool,
    /// Offset of the item's first character in the decoded record text.
    pub at: usize,
}

/// Empties a vector of items and hands its allocation to items borrowing from other text, so a
/// loop over records allocates the vector once.
pub fn recycle<'b>(mut v: Vec<Field<'_>>) -> Vec<Field<'b>> {
    v.clear();
    v.into_iter().map(|_| unreachable!("cleared")).collect()
}

/// A syntax problem inside one record (R5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxIssue {
    /// A `"` inside an unquoted item.
    StrayQuote {
        /// 0-based item index.
        field: usize,
    },
    /// Characters between a closing quote and the next comma.
    TextAfterQuote {
        /// 0-based item index.
        field: usize,
    },
}

/// Splits decoded record text into items. Never fails: syntax problems are collected and the
/// item is read as leniently as possible so that the rest of the record can still be checked.
pub fn split_fields<'a>(text: &'a str, fields: &mut Vec<Field<'a>>, issues: &mut Vec<SyntaxIssue>) {
    fields.clear();
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        let index = fields.len();
        let at = i;
        if b.get(i) == Some(&b'"') {
            // Quoted item: runs to the next quote that is not doubled.
            let mut owned: Option<String> = None;
            let mut seg_start = i + 1;
            let mut j = i + 1;
            let value_end;
            loop {
                match memchr::memchr(b'"', &b[j..]) {
                    Some(k) if b.get(j + k + 1) == Some(&b'"') => {
                        let o = owned.get_or_insert_with(String::new);
                        o.push_str(&text[seg_start..j + k + 1]);
                        j += k + 2;
                        seg_start = j;
                    }
                    Some(k) => {
                        value_end = j + k;
                        j = value_end + 1;
                        break;
                    }
                    None => {
                        // Unterminated: the reader reports it; take the rest as the value.
                        value_end = b.len();
                        j = b.len();
                        break;
                    }
                }
            }
            let value = match owned {
                Some(mut o) => {
                    o.push_str(&text[seg_start..value_end]);
                    Cow::Owned(o)
                }
                None => Cow::Borrowed(&text[seg_start..value_end]),
            };
            let next_comma = memchr::memchr(b',', &b[j..]).map(|k| j + k);
            let tail_end = next_comma.unwrap_or(b.len());
            if tail_end > j {
                issues.push(SyntaxIssue::TextAfterQuote { field: index });
            }
            fields.push(Field {
                value,
                quoted: true,
                at,
            });
            match next_comma {
                Some(c) => i = c + 1,
                None => return,
            }
        } else {
            let end = memchr::memchr(b',', &b[i..]).map_or(b.len(), |k| i + k);
            let raw = &text[i..end];
            if raw.contains('"') {
                issues.push(SyntaxIssue::StrayQuote { field: index });
            }
            fields.push(Field {
                value: Cow::Borrowed(raw),
                quoted: false,
                at,
            });
            if end == b.len() {
                return;
            }
            i = end + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        let mut r = RecordReader::new(input);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().unwrap() {
            out.push((rec.line, rec.bytes.to_vec(), rec.unterminated_quote));
        }
        out
    }

    fn fields(text: &str) -> (Vec<(String, bool)>, Vec<SyntaxIssue>) {
        let mut f = Vec::new();
        let mut issues = Vec::new();
        split_fields(text, &mut f, &mut issues);
        (
            f.into_iter()
                .map(|f| (f.value.into_owned(), f.quoted))
                .collect(),
            issues,
        )
    }

    #[test]
    fn crlf_and_lf_both_end_records_and_the_last_break_is_optional() {
        let r = records(b"a,b\r\nc,d\ne,f");
        assert_eq!(
            r,
            vec![
                (1, b"a,b".to_vec(), false),
                (2, b"c,d".to_vec(), false),
                (3, b"e,f".to_vec(), false)
            ]
        );
    }

    #[test]
    fn line_breaks_inside_quotes_are_data_and_lines_are_counted_physically() {
        let r = records(b"1,\"x\r\ny\",2\r\n3,4\r\n");
        assert_eq!(r[0], (1, b"1,\"x\r\ny\",2".to_vec(), false));
        assert_eq!(r[1].0, 3);
    }

    #[test]
    fn a_stray_quote_in_an_unquoted_item_does_not_open_quoting() {
        let r = records(b"1,ab\"c,2\r\n3,4\r\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1], (2, b"3,4".to_vec(), false));
    }

    #[test]
    fn unterminated_quote_runs_to_the_end_and_is_flagged() {
        let r = records(b"1,\"abc\r\n2,3\r\n");
        assert_eq!(r.len(), 1);
        assert!(r[0].2);
    }

    #[test]
    fn records_longer_than_a_chunk_are_read_whole() {
        let long = "x".repeat(CHUNK * 3);
        let input = format!("1,\"{long}\"\r\n2,3\r\n");
        let r = records(input.as_bytes());
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].1.len(), long.len() + 4);
        assert_eq!(r[1].0, 2);
    }

    #[test]
    fn quoted_items_keep_commas_line_breaks_and_doubled_quotes() {
        let (f, issues) = fields("202407,\"a,b\r\nc \"\"d\"\"\",,\"\"");
        assert!(issues.is_empty());
        assert_eq!(
            f,
            vec![
                ("202407".into(), false),
                ("a,b\r\nc \"d\"".into(), true),
                (String::new(), false),
                (String::new(), true)
            ]
        );
    }

    #[test]
    fn a_quote_inside_an_unquoted_item_is_a_syntax_issue() {
        let (f, issues) = fields("1,ab\"c,2");
        assert_eq!(f.len(), 3);
        assert_eq!(issues, vec![SyntaxIssue::StrayQuote { field: 1 }]);
    }

    #[test]
    fn text_after_a_closing_quote_is_a_syntax_issue() {
        let (f, issues) = fields("1,\"ab\"c,2");
        assert_eq!(f[1].0, "ab");
        assert_eq!(f.len(), 3);
        assert_eq!(issues, vec![SyntaxIssue::TextAfterQuote { field: 1 }]);
    }

    #[test]
    fn an_empty_record_is_one_empty_item() {
        assert_eq!(fields("").0, vec![(String::new(), false)]);
        assert_eq!(
            fields("a,").0,
            vec![("a".into(), false), (String::new(), false)]
        );
    }
}
