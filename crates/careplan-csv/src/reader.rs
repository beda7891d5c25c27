//! CSV syntax of the standard (R4–R7): streaming records, then items.
//!
//! Everything structural is done on raw bytes: in MS932 (and in UTF-8) the bytes of `"`, `,`, CR
//! and LF never occur inside a multi-byte character (MS932 trail bytes are 0x40–0x7E, 0x80–0xFC),
//! so quote-aware splitting needs no decoding. ASCII items (most of every layout) are used in
//! place; items holding other bytes are decoded, except those the caller marks opaque (free
//! text, which validation only needs to be clean MS932): they are checked, and decoded only when
//! asked for.

use std::io::{self, Read};

use crate::encoding::{self, TextEncoding};
use crate::values::{same, u64_at};

const CHUNK: usize = 64 * 1024;

/// Longest record the reader takes, in bytes: the longest real one (a 利用者基本情報 full of
/// free text) is a few kilobytes. A longer one is no CSV of the standard; reading stops there,
/// with memory bounded, as an error of kind `InvalidData` wrapping [`RecordTooLong`].
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The error a record longer than [`MAX_RECORD_BYTES`] ends reading with.
#[derive(Debug, thiserror::Error)]
#[error("a record is longer than {MAX_RECORD_BYTES} bytes")]
pub struct RecordTooLong;

/// One record as read from the byte stream, split into its items.
#[derive(Debug)]
pub struct RawRecord<'a> {
    /// Physical line (1-based) on which the record starts.
    pub line: u64,
    /// Byte offset of the record's first byte in the stream.
    pub offset: u64,
    /// The record's bytes without its line terminator.
    pub bytes: &'a [u8],
    /// Whether the input ended inside a quoted item.
    pub unterminated_quote: bool,
    /// The items.
    pub items: Items<'a>,
}

/// Where the scanner stopped inside an unfinished record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Outside quotes: the next LF ends the record.
    Outside,
    /// Inside a quoted item.
    Quoted,
    /// At a quote inside a quoted item whose next byte is not read yet: `""` continues the item.
    QuoteInQuoted,
}

/// The record being read: from the reader's `start` to `lf`.
#[derive(Debug, Clone, Copy)]
struct Current {
    /// The LF that ends it, or `None` when it runs to the end of the input.
    lf: Option<usize>,
    /// Line breaks inside quoted items.
    breaks: u64,
}

/// Reads records one at a time from any byte source; memory stays at one record plus one chunk.
///
/// A record is taken to end at the next LF and split; only when the splitter ends inside a
/// quoted item are the quotes followed to the record's real end. Line breaks inside items are
/// rare, so almost every byte is looked at by one LF search and the splitter, with no separate
/// pass to follow quotes.
pub struct RecordReader<R> {
    src: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    line: u64,
    offset: u64,
    current: Option<Current>,
}

impl<R: Read> RecordReader<R> {
    /// Wraps a byte source.
    pub fn new(src: R) -> Self {
        RecordReader {
            src,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            line: 1,
            offset: 0,
            current: None,
        }
    }

    /// The first bytes of the input (up to one chunk), without consuming them.
    pub fn peek(&mut self) -> io::Result<&[u8]> {
        while self.end < CHUNK.min(self.buf.len()) && !self.eof {
            self.fill()?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    /// Drops `n` bytes at the start of the input (a BOM), counting them in offsets.
    pub fn skip(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// The next record, split by `splitter` (see [`Splitter::split`]), or `None` at the end of
    /// the input. `issues` gets the record's syntax issues.
    pub fn next_record<'a>(
        &'a mut self,
        splitter: &'a mut Splitter,
        enc: TextEncoding,
        opaque: &[bool],
        issues: &mut Vec<SyntaxIssue>,
    ) -> io::Result<Option<RawRecord<'a>>> {
        self.advance();
        let lf = self.find_lf(self.start)?;
        if lf.is_none() && self.start >= self.end {
            return Ok(None);
        }
        let mut current = Current { lf, breaks: 0 };
        let before = issues.len();
        let content = self.content(current.lf);
        let mut open = splitter.scan(&self.buf[self.start..content], enc, opaque, issues, true);
        if open && current.lf.is_some() {
            // A line break inside a quoted item (rare): the quotes are followed from the start
            // of the record to its real end, and the whole is split once more. Adding a line at
            // a time would split a record of n lines n times.
            current = self.find_record_end()?;
            issues.truncate(before);
            let content = self.content(current.lf);
            open = splitter.scan(&self.buf[self.start..content], enc, opaque, issues, false);
        }
        self.current = Some(current);
        let bytes = &self.buf[self.start..self.content(current.lf)];
        Ok(Some(RawRecord {
            line: self.line,
            offset: self.offset,
            bytes,
            unterminated_quote: open,
            items: splitter.items(bytes),
        }))
    }

    // The end of the record starting at `start`, following its quotes.
    fn find_record_end(&mut self) -> io::Result<Current> {
        let mut scan = self.start;
        let mut state = Scan::Outside;
        let mut breaks = 0;
        loop {
            let buf = &self.buf[..self.end];
            if let Some(lf) = find_end(buf, self.start, &mut scan, &mut state, &mut breaks) {
                return Ok(Current {
                    lf: Some(lf),
                    breaks,
                });
            }
            if self.eof {
                return Ok(Current { lf: None, breaks });
            }
            let shift = self.start;
            self.fill()?;
            scan -= shift - self.start;
        }
    }

    // Where the current record's content ends: before its LF (and a CR before that).
    fn content(&self, lf: Option<usize>) -> usize {
        let end = lf.unwrap_or(self.end);
        if end > self.start && self.buf[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    // Moves past the record last returned.
    fn advance(&mut self) {
        if let Some(c) = self.current.take() {
            let next = c.lf.map_or(self.end, |lf| lf + 1);
            self.line += c.breaks + u64::from(c.lf.is_some());
            self.offset += (next - self.start) as u64;
            self.start = next;
        }
    }

    // The first LF at or after `from`, reading more as needed; `None` at the end of the input.
    // Reading may move the record to the front of the buffer: positions are kept relative to it.
    fn find_lf(&mut self, mut from: usize) -> io::Result<Option<usize>> {
        loop {
            if let Some(k) = memchr::memchr(b'\n', &self.buf[from..self.end]) {
                return Ok(Some(from + k));
            }
            if self.eof {
                return Ok(None);
            }
            let shift = self.start;
            let searched = self.end;
            self.fill()?;
            from = searched - shift;
        }
    }

    // Moves the unfinished record to the front, grows the buffer if it is full, reads once.
    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Err(io::Error::new(io::ErrorKind::InvalidData, RecordTooLong));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }
}

// Finds the LF that ends the record starting at `start`, resuming at `scan` in `state`. Only a
// quote at the start of an item opens quoting, as in the item splitter, so a stray `"` inside an
// unquoted item cannot swallow the following lines. LFs inside quoted items are counted in `lfs`.
fn find_end(
    buf: &[u8],
    start: usize,
    scan: &mut usize,
    state: &mut Scan,
    lfs: &mut u64,
) -> Option<usize> {
    let mut i = *scan;
    loop {
        match *state {
            Scan::Outside => match memchr::memchr2(b'"', b'\n', &buf[i..]) {
                Some(k) if buf[i + k] == b'\n' => {
                    *scan = i + k;
                    return Some(i + k);
                }
                Some(k) => {
                    let q = i + k;
                    i = q + 1;
                    if q == start || buf[q - 1] == b',' {
                        *state = Scan::Quoted;
                    }
                }
                None => {
                    *scan = buf.len();
                    return None;
                }
            },
            // Line breaks are rare inside items; counting them here saves a pass over the record.
            Scan::Quoted => match memchr::memchr2(b'"', b'\n', &buf[i..]) {
                Some(k) if buf[i + k] == b'\n' => {
                    *lfs += 1;
                    i += k + 1;
                }
                Some(k) => {
                    i += k + 1;
                    *state = Scan::QuoteInQuoted;
                }
                None => {
                    *scan = buf.len();
                    return None;
                }
            },
            Scan::QuoteInQuoted => match buf.get(i) {
                Some(b'"') => {
                    i += 1;
                    *state = Scan::Quoted;
                }
                Some(_) => *state = Scan::Outside,
                None => {
                    *scan = i;
                    return None;
                }
            },
        }
    }
}

/// One item of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The value as UTF-8, with quotes removed and `""` unescaped. Empty for an opaque item that
    /// is not ASCII (see [`Splitter::split`]): [`Items::text`] decodes it when it is wanted.
    /// Bytes, not `str`: checks read items as bytes, and proving each item UTF-8 again to make
    /// it a `str` was a tenth of validation. [`Items::text`] gives the `str`.
    pub value: &'a [u8],
    /// Whether the item was written inside quotes.
    pub quoted: bool,
    /// Length of the value in the file's encoding, in bytes (MS932 counts a 全角 character as 2);
    /// 0 exactly when the item is empty.
    pub bytes: usize,
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

/// Longest record split into items. The rest of a longer one (no real file has one; it is
/// reported as having the wrong number of items) is not split, so that every offset into the
/// record and into its decoded text, at most three times as long, fits the `u32`s of a [`Span`].
const MAX_RECORD: usize = 1 << 30;

/// Where one item's value is. Kept to 16 bytes so that pushing one stays in registers (a wider
/// one was assembled on the stack and cost a store-forwarding stall per item).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
    /// Unescaped length in the file's encoding.
    bytes: u32,
    kind: SpanKind,
    /// Length of the item in the record, quotes included, up to its comma; `u16::MAX` for that
    /// or more (such an item is never taken over from the record before).
    raw: u16,
}

impl Span {
    // Offsets are below 4 GiB by [`MAX_RECORD`]; a saturating conversion here cost 2 % of
    // validation.
    fn new(start: usize, end: usize, bytes: usize, kind: SpanKind, raw: usize) -> Span {
        debug_assert!(end < 1 << 32);
        Span {
            start: start as u32,
            end: end as u32,
            bytes: bytes as u32,
            kind,
            raw: raw.min(usize::from(u16::MAX)) as u16,
        }
    }

    fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpanKind {
    /// ASCII at `start..end` of the record; quoted or not.
    Ascii { quoted: bool },
    /// `start..end` of the text buffer (decoded or unescaped); quoted or not.
    Text { quoted: bool },
    /// Not decoded: `start..end` of the text buffer holds the item's bytes as in the file
    /// (quoted, `""` still doubled when `escaped`).
    Opaque { escaped: bool },
}

/// How an item was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Unquoted,
    /// In quotes; `escaped` when it holds `""`; `opaque` when the caller does not need its text.
    Quoted {
        escaped: bool,
        opaque: bool,
    },
}

/// Splits records into items; reuses its buffers from record to record.
#[derive(Debug, Default)]
pub struct Splitter {
    spans: Vec<Span>,
    /// Unescaped and decoded items as UTF-8, and opaque items as they are in the file (an ASCII
    /// item without `""` is read in place).
    text: Vec<u8>,
    /// A copy of the record, to compare the next one with.
    record: Vec<u8>,
    /// Whether the record was clean text.
    clean: bool,
    /// Whether the record had no syntax issue.
    plain: bool,
    /// How many leading items were taken over from the record before.
    repeated: usize,
    /// The record split before this one.
    prev: Previous,
}

/// The record split before the current one. Records of a file repeat much of the record before
/// (user, dates, month, office and the care manager's name open every 第6表 record): leading
/// items the same byte for byte are taken over, split as they were, and free text the same as in
/// a clean record before is clean and need not be scanned again.
#[derive(Debug, Default)]
struct Previous {
    record: Vec<u8>,
    text: Vec<u8>,
    spans: Vec<Span>,
    clean: bool,
    plain: bool,
}

/// The items of one record, as [`Splitter::split`] found them.
#[derive(Debug, Clone, Copy)]
pub struct Items<'a> {
    record: &'a [u8],
    text: &'a [u8],
    spans: &'a [Span],
    clean: bool,
    repeated: usize,
}

impl<'a> Items<'a> {
    /// How many leading items are byte for byte those of the record split before, which was
    /// clean and without syntax issues: checks of them find what they found there.
    pub fn repeated(&self) -> usize {
        self.repeated
    }

    /// Number of items (at least one: an empty record is one empty item).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no items (never, for a split record).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Whether every byte was clean text in the record's encoding. When not, the bad bytes were
    /// replaced, and [`encoding::scan`] on the record tells where they are.
    pub fn clean(&self) -> bool {
        self.clean
    }

    /// Item `i` (0-based).
    pub fn get(&self, i: usize) -> Option<Field<'a>> {
        self.spans.get(i).map(|s| self.field(s))
    }

    /// Every item in order.
    pub fn iter(&self) -> impl Iterator<Item = Field<'a>> + '_ {
        self.spans.iter().map(|s| self.field(s))
    }

    /// Every item in order, `None` for an empty one, whose field is then not built (a third of
    /// all items are empty).
    pub fn filled(&self) -> impl Iterator<Item = Option<Field<'a>>> + '_ {
        self.spans
            .iter()
            .map(|s| (s.bytes > 0).then(|| self.field(s)))
    }

    /// The text of item `i`, decoding it now if it was split as opaque.
    pub fn text(&self, i: usize) -> std::borrow::Cow<'a, str> {
        match self.spans.get(i) {
            Some(
                s @ &Span {
                    kind: SpanKind::Opaque { escaped },
                    ..
                },
            ) => {
                let mut text = String::new();
                let raw = self.text.get(s.range()).unwrap_or_default();
                encoding::decode_append(raw, &mut text);
                if escaped {
                    text = text.replace("\"\"", "\"");
                }
                text.into()
            }
            // ASCII, or UTF-8 made by decoding: never lossy.
            Some(s) => String::from_utf8_lossy(self.field(s).value),
            None => "".into(),
        }
    }

    fn field(&self, s: &Span) -> Field<'a> {
        let (value, quoted) = match s.kind {
            SpanKind::Ascii { quoted } => (self.record.get(s.range()).unwrap_or_default(), quoted),
            SpanKind::Text { quoted } => (self.text.get(s.range()).unwrap_or_default(), quoted),
            SpanKind::Opaque { .. } => (&[][..], true),
        };
        Field {
            value,
            quoted,
            bytes: s.bytes as usize,
        }
    }
}

impl Splitter {
    /// Splits `record` into items. Never fails: syntax problems go to `issues` and the item is
    /// read as leniently as possible so the rest can still be checked. Items whose index is
    /// `true` in `opaque` are only checked to be clean text, not decoded, when they are not
    /// ASCII: validation needs no more of free text, which is most of the non-ASCII bytes.
    /// Leading items the same as in the record split before are taken over from it (see
    /// [`Items::repeated`]).
    pub fn split<'a>(
        &'a mut self,
        record: &'a [u8],
        enc: TextEncoding,
        opaque: &[bool],
        issues: &mut Vec<SyntaxIssue>,
    ) -> Items<'a> {
        self.scan(record, enc, opaque, issues, true);
        self.items(record)
    }

    // The items of the last scanned record.
    fn items<'a>(&'a self, record: &'a [u8]) -> Items<'a> {
        Items {
            record,
            text: &self.text,
            spans: &self.spans,
            clean: self.clean,
            repeated: self.repeated,
        }
    }

    // Splits `record` into the spans and text buffer; true when it ends inside a quoted item. A
    // `fresh` record follows the one last scanned; one that is not is that one again, read on to
    // its end (a line break in a quoted item), and is compared with the same record before.
    fn scan(
        &mut self,
        record: &[u8],
        enc: TextEncoding,
        opaque: &[bool],
        issues: &mut Vec<SyntaxIssue>,
        fresh: bool,
    ) -> bool {
        let record = &record[..record.len().min(MAX_RECORD)];
        if fresh {
            std::mem::swap(&mut self.spans, &mut self.prev.spans);
            std::mem::swap(&mut self.text, &mut self.prev.text);
            std::mem::swap(&mut self.record, &mut self.prev.record);
            self.prev.clean = self.clean;
            self.prev.plain = self.plain;
        }
        self.spans.clear();
        self.text.clear();
        let issues_before = issues.len();
        let mut clean = true;
        let mut open = false;
        let b = record;
        let len = b.len();
        let mut i = self.take_over(record);
        self.repeated = self.spans.len();
        loop {
            let index = self.spans.len();
            let first = b.get(i).copied();
            if first == Some(b',') {
                // An empty item (a third of all items): nothing to scan.
                let kind = SpanKind::Ascii { quoted: false };
                self.spans.push(Span::new(i, i, 0, kind, 0));
                i += 1;
            } else if first == Some(b'"')
                && b.get(i + 1) == Some(&b'"')
                && b.get(i + 2).is_none_or(|&c| c == b',')
            {
                // `""` as a whole item: empty free text, a third of the quoted items.
                let kind = SpanKind::Ascii { quoted: true };
                self.spans.push(Span::new(i + 1, i + 1, 0, kind, 2));
                if i + 2 == len {
                    break;
                }
                i += 3;
            } else if first == Some(b'"') {
                let opaque = opaque.get(index).copied().unwrap_or(false);
                let content = i + 1;
                let mut j = content;
                let mut escaped = false;
                let content_end = loop {
                    match memchr::memchr(b'"', &b[j..]) {
                        Some(k) if b.get(j + k + 1) == Some(&b'"') => {
                            escaped = true;
                            j += k + 2;
                        }
                        Some(k) => {
                            j += k + 1;
                            break j - 1;
                        }
                        None => {
                            // Unterminated: the reader adds the next line, or reports it at
                            // the end of the input; the rest is the value.
                            open = true;
                            j = len;
                            break len;
                        }
                    }
                };
                // Almost always the very next byte.
                let comma = if b.get(j) == Some(&b',') {
                    Some(j)
                } else {
                    memchr::memchr(b',', &b[j..]).map(|k| j + k)
                };
                if comma.unwrap_or(len) > j {
                    issues.push(SyntaxIssue::TextAfterQuote { field: index });
                }
                let how = Quoting::Quoted { escaped, opaque };
                let raw = comma.unwrap_or(len) - i;
                self.push_text(b, content, content_end, raw, enc, how, &mut clean);
                match comma {
                    Some(c) => i = c + 1,
                    None => break,
                }
            } else {
                let (j, high, quote) = scan_item(b, i);
                if quote {
                    issues.push(SyntaxIssue::StrayQuote { field: index });
                }
                // Pushed in each branch: a span chosen at a join was assembled on the stack.
                if high {
                    self.push_text(b, i, j, j - i, enc, Quoting::Unquoted, &mut clean);
                } else {
                    self.spans.push(Span::new(
                        i,
                        j,
                        j - i,
                        SpanKind::Ascii { quoted: false },
                        j - i,
                    ));
                }
                if j == len {
                    break;
                }
                i = j + 1;
            }
        }
        self.record.clear();
        self.record.extend_from_slice(record);
        self.clean = clean;
        self.plain = issues.len() == issues_before && !open;
        open
    }

    // Takes over the leading items that are byte for byte those of the record before, up to and
    // including their commas, when that record was clean and without syntax issues; returns
    // where the rest of `record` starts. The spans are the same: ASCII items are at the same
    // offsets, and the text of the others is copied to the same place of the text buffer.
    fn take_over(&mut self, record: &[u8]) -> usize {
        let prev = &self.prev;
        if !(prev.clean && prev.plain) {
            return 0;
        }
        let same = common_prefix(record, &prev.record);
        let (mut taken, mut at, mut text_end) = (0, 0, 0);
        for s in &prev.spans {
            let comma = at + usize::from(s.raw);
            if comma >= same || s.raw == u16::MAX {
                break;
            }
            if !matches!(s.kind, SpanKind::Ascii { .. }) {
                text_end = s.end as usize;
            }
            taken += 1;
            at = comma + 1;
        }
        self.spans.extend_from_slice(&prev.spans[..taken]);
        self.text.extend_from_slice(&prev.text[..text_end]);
        at
    }

    // Pushes the span of one item's value from `record[from..to]`, `raw` bytes long with its
    // quotes: ASCII in place (or unescaped into the text buffer), an opaque item checked and kept
    // as it is in the file, anything else decoded.
    // Pushed here rather than returned: a returned span went through the stack, and the store
    // that pushed it waited for it (a tenth of the splitter's samples).
    #[allow(clippy::too_many_arguments)]
    fn push_text(
        &mut self,
        record: &[u8],
        from: usize,
        to: usize,
        raw: usize,
        enc: TextEncoding,
        how: Quoting,
        clean: &mut bool,
    ) {
        let bytes = &record[from..to];
        let (escaped, opaque) = match how {
            Quoting::Unquoted => (false, false),
            Quoting::Quoted { escaped, opaque } => (escaped, opaque),
        };
        let quoted = how != Quoting::Unquoted;
        if bytes.is_ascii() {
            if !escaped {
                let kind = SpanKind::Ascii { quoted };
                return self.spans.push(Span::new(from, to, to - from, kind, raw));
            }
            let quoted = SpanKind::Text { quoted };
            let start = self.text.len();
            self.text.extend_from_slice(bytes);
            unescape(&mut self.text, start);
            let end = self.text.len();
            return self
                .spans
                .push(Span::new(start, end, end - start, quoted, raw));
        }
        // `""` stands for one byte; a `"` never occurs inside an MS932 character.
        let doubled = if escaped {
            memchr::memmem::find_iter(bytes, b"\"\"").count()
        } else {
            0
        };
        if opaque && enc == TextEncoding::Ms932 {
            // The same bytes as in a clean record before are clean.
            let index = self.spans.len();
            let repeated = self.prev.clean
                && self.prev.spans.get(index).is_some_and(|p| {
                    p.kind == SpanKind::Opaque { escaped }
                        && same(self.prev.text.get(p.range()).unwrap_or_default(), bytes)
                });
            *clean &= repeated || encoding::is_clean(bytes);
            // Kept with the decoded text (only free text, not the whole record) to compare the
            // next record with, and to decode if a rule asks.
            let start = self.text.len();
            self.text.extend_from_slice(bytes);
            let kind = SpanKind::Opaque { escaped };
            let span = Span::new(start, self.text.len(), bytes.len() - doubled, kind, raw);
            return self.spans.push(span);
        }
        let start = self.text.len();
        match enc {
            TextEncoding::Ms932 => *clean &= encoding::decode_append_utf8(bytes, &mut self.text),
            TextEncoding::Utf8 => self
                .text
                .extend_from_slice(String::from_utf8_lossy(bytes).as_bytes()),
        }
        if escaped {
            // UTF-8 continuation bytes are never `"`, so this unescapes characters, not bytes.
            unescape(&mut self.text, start);
        }
        let end = self.text.len();
        let kind = SpanKind::Text { quoted };
        self.spans
            .push(Span::new(start, end, bytes.len() - doubled, kind, raw));
    }
}

/// How many leading bytes `a` and `b` have in common, compared eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let diff = u64_at(a, i) ^ u64_at(b, i);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Where the unquoted item starting at `i` ends (its `,`, or the end of the record), and whether
/// it holds a byte ≥ 0x80 or a `"`. Items are a few bytes long, too short for memchr to pay, so
/// eight bytes are looked at at once in a `u64` (exact per-byte tests, no false matches).
fn scan_item(b: &[u8], mut j: usize) -> (usize, bool, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // 0x80 in every byte of `x` that is zero, nothing elsewhere (no carries between bytes).
    let zero_bytes = |x: u64| !(((x & SEVEN) + SEVEN) | x | SEVEN);
    let (mut high, mut quote) = (false, false);
    while let Some(chunk) = b.get(j..j + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let commas = zero_bytes(w ^ (ONES * u64::from(b',')));
        let quotes = zero_bytes(w ^ (ONES * u64::from(b'"')));
        let highs = w & HIGH;
        if commas != 0 {
            // Every bit below the first comma's flag: the bytes before it.
            let before = (commas & commas.wrapping_neg()) - 1;
            high |= highs & before != 0;
            quote |= quotes & before != 0;
            return (j + (commas.trailing_zeros() / 8) as usize, high, quote);
        }
        high |= highs != 0;
        quote |= quotes != 0;
        j += 8;
    }
    while let Some(&c) = b.get(j) {
        if c == b',' {
            break;
        }
        high |= c >= 0x80;
        quote |= c == b'"';
        j += 1;
    }
    (j, high, quote)
}

// Turns each `""` after `start` into `"`, in place.
fn unescape(buf: &mut Vec<u8>, start: usize) {
    let mut w = start;
    let mut r = start;
    while r < buf.len() {
        buf[w] = buf[r];
        r += if buf[r] == b'"' && buf.get(r + 1) == Some(&b'"') {
            2
        } else {
            1
        };
        w += 1;
    }
    buf.truncate(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        records_from(input)
    }

    // A source that hands out at most three bytes per read, so records cross many reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(3);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn records_from(input: impl Read) -> Vec<(u64, Vec<u8>, bool)> {
        let mut r = RecordReader::new(input);
        let mut s = Splitter::default();
        let mut out = Vec::new();
        while let Some(rec) = r
            .next_record(&mut s, TextEncoding::Ms932, &[], &mut Vec::new())
            .unwrap()
        {
            out.push((rec.line, rec.bytes.to_vec(), rec.unterminated_quote));
        }
        out
    }

    fn fields(bytes: &[u8]) -> (Vec<(String, bool)>, Vec<SyntaxIssue>) {
        let mut s = Splitter::default();
        let mut issues = Vec::new();
        let items = s.split(bytes, TextEncoding::Ms932, &[], &mut issues);
        let f = items
            .iter()
            .map(|f| (String::from_utf8(f.value.to_vec()).unwrap(), f.quoted))
            .collect();
        (f, issues)
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
    fn doubled_quotes_inside_a_quoted_item_do_not_end_it() {
        let r = records(b"1,\"a\"\",\r\nb\",2\r\n3\r\n");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1], (3, b"3".to_vec(), false));
    }

    #[test]
    fn unterminated_quote_runs_to_the_end_and_is_flagged() {
        let r = records(b"1,\"abc\r\n2,3\r\n");
        assert_eq!(r.len(), 1);
        assert!(r[0].2);
    }

    // Records as the quote-following state machine finds them over the whole input at once.
    fn records_by_quotes(input: &[u8]) -> Vec<(u64, Vec<u8>, bool)> {
        let strip_cr = |b: &[u8]| b.strip_suffix(b"\r").unwrap_or(b).to_vec();
        let (mut start, mut line, mut out) = (0, 1, Vec::new());
        while start < input.len() {
            let (mut scan, mut state, mut lfs) = (start, Scan::Outside, 0);
            match find_end(input, start, &mut scan, &mut state, &mut lfs) {
                Some(lf) => {
                    out.push((line, strip_cr(&input[start..lf]), false));
                    line += lfs + 1;
                    start = lf + 1;
                }
                None => {
                    out.push((line, strip_cr(&input[start..]), state == Scan::Quoted));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn records_end_where_the_quotes_say_for_any_mix_of_quotes_commas_and_line_breaks() {
        let pieces: [&[u8]; 8] = [
            b"a",
            b",",
            b"\"",
            b"\r\n",
            b"\n",
            b"\"\"",
            b"\x82\xA0",
            b",\"",
        ];
        for input in crate::testing::mixes(&pieces, 16, |r| (r >> 8) as usize) {
            let expected = records_by_quotes(&input);
            assert_eq!(records(&input), expected, "{input:02X?}");
            assert_eq!(records_from(Trickle(&input)), expected, "{input:02X?}");
        }
    }

    #[test]
    fn a_record_continued_on_the_next_line_reports_its_syntax_issues_once() {
        let mut r = RecordReader::new(&b"1,a\"b,\"x\r\ny\",2\r\n3\r\n"[..]);
        let (mut s, mut issues) = (Splitter::default(), Vec::new());
        let rec = r
            .next_record(&mut s, TextEncoding::Ms932, &[], &mut issues)
            .unwrap()
            .unwrap();
        assert_eq!(rec.items.len(), 4);
        assert_eq!(issues, vec![SyntaxIssue::StrayQuote { field: 1 }]);
    }

    #[test]
    fn a_closed_quote_at_the_very_end_of_the_input_is_not_unterminated() {
        assert_eq!(records(b"1,\"ab\""), vec![(1, b"1,\"ab\"".to_vec(), false)]);
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
    fn a_quote_pair_split_across_chunks_is_still_an_escape() {
        // Put the two quotes of an escape exactly at a chunk boundary.
        let pad = "y".repeat(CHUNK - 3);
        let input = format!("1,\"{pad}\"\",\r\nz\",2\r\n3\r\n");
        let r = records(input.as_bytes());
        assert_eq!(r.len(), 2);
        assert_eq!(r[1], (3, b"3".to_vec(), false));
    }

    #[test]
    fn quoted_items_keep_commas_line_breaks_and_doubled_quotes() {
        let (f, issues) = fields(b"202407,\"a,b\r\nc \"\"d\"\"\",,\"\"");
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
    fn non_ascii_items_are_decoded_from_ms932() {
        let (f, _) = fields(b"1,\x8E\x52\x96\x7B,\"\xFB\xFC\x8B\xB4\"\"\x89\xD4\"");
        assert_eq!(f[1].0, "山本");
        assert_eq!(f[2].0, "髙橋\"花");
    }

    #[test]
    fn items_know_their_length_in_file_bytes_after_unescaping() {
        let mut s = Splitter::default();
        let items = s.split(
            b"ab,\x8E\x52\x96\x7B,\"\x8E\x52\"\"\",\"a\"\"\"",
            TextEncoding::Ms932,
            &[],
            &mut Vec::new(),
        );
        let lens: Vec<usize> = items.iter().map(|f| f.bytes).collect();
        assert_eq!(lens, vec![2, 4, 3, 2]);
    }

    #[test]
    fn the_word_scan_finds_the_same_item_ends_as_a_byte_scan() {
        let bytes: Vec<u8> = b"ab,\x81\x40\",xyz\"0123456789,\xE0\x40,,\x80,1234567,12345678,"
            .iter()
            .copied()
            .cycle()
            .take(300)
            .collect();
        for from in 0..bytes.len() {
            for to in from..bytes.len().min(from + 40) {
                let b = &bytes[..to];
                let mut j = from;
                let (mut high, mut quote) = (false, false);
                while j < b.len() && b[j] != b',' {
                    high |= b[j] >= 0x80;
                    quote |= b[j] == b'"';
                    j += 1;
                }
                assert_eq!(scan_item(b, from), (j, high, quote), "{from}..{to}");
            }
        }
    }

    // A record's items as a byte-at-a-time reading of the standard's quoting finds them: raw
    // value with `""` unescaped and whether it was quoted; the syntax issues; whether the
    // record ended inside quotes.
    type ByBytes = (Vec<(Vec<u8>, bool)>, Vec<SyntaxIssue>, bool);

    fn items_by_bytes(b: &[u8]) -> ByBytes {
        let (mut items, mut issues, mut i) = (Vec::new(), Vec::new(), 0);
        loop {
            let field = items.len();
            let mut value = Vec::new();
            if b.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    match (b.get(i), b.get(i + 1)) {
                        (None, _) => {
                            items.push((value, true));
                            return (items, issues, true);
                        }
                        (Some(b'"'), Some(b'"')) => {
                            value.push(b'"');
                            i += 2;
                        }
                        (Some(b'"'), _) => break i += 1,
                        (Some(&c), _) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                let after = i;
                while b.get(i).is_some_and(|&c| c != b',') {
                    i += 1;
                }
                if i > after {
                    issues.push(SyntaxIssue::TextAfterQuote { field });
                }
                items.push((value, true));
            } else {
                while let Some(&c) = b.get(i).filter(|&&c| c != b',') {
                    value.push(c);
                    i += 1;
                }
                if value.contains(&b'"') {
                    issues.push(SyntaxIssue::StrayQuote { field });
                }
                items.push((value, false));
            }
            if i >= b.len() {
                return (items, issues, false);
            }
            i += 1;
        }
    }

    // Splits `record` with `s` and holds the result to `items_by_bytes`; returns how many leading
    // items were taken over from the record before.
    fn assert_split_as_by_bytes(s: &mut Splitter, record: &[u8]) -> usize {
        let (expected, expected_issues, expected_open) = items_by_bytes(record);
        let mut issues = Vec::new();
        let open = s.scan(record, TextEncoding::Ms932, &[true; 8], &mut issues, true);
        assert_eq!(open, expected_open, "{record:02X?}");
        assert_eq!(issues, expected_issues, "{record:02X?}");
        let items = s.items(record);
        assert_eq!(items.len(), expected.len(), "{record:02X?}");
        for (k, (value, quoted)) in expected.iter().enumerate() {
            let mut decoded = String::new();
            encoding::decode_append(value, &mut decoded);
            let f = items.get(k).unwrap();
            assert_eq!(
                (items.text(k).as_ref(), f.quoted, f.bytes),
                (decoded.as_str(), *quoted, value.len()),
                "item {k} of {record:02X?}"
            );
        }
        s.repeated
    }

    // Each mix, then again, longer, shorter, and with a byte put before a comma halfway:
    // records that share leading items with the one before, as records of a real file do, and
    // differ at an item's end. Returns how many items were taken over.
    fn assert_mixes_split_as_by_bytes(pieces: &[&[u8]]) -> usize {
        let mut s = Splitter::default();
        let mut taken_over = 0;
        for mix in crate::testing::mixes(pieces, 24, |r| (r >> 8) as usize) {
            let mut longer = mix.clone();
            longer.extend_from_slice(b",9\"");
            let shorter = mix[..mix.len() / 2].to_vec();
            let comma = mix.len() / 2 + memchr::memchr(b',', &mix[mix.len() / 2..]).unwrap_or(0);
            let mut changed = mix.clone();
            changed.insert(comma, b'7');
            for record in [mix.clone(), mix.clone(), longer, shorter, mix, changed] {
                taken_over += assert_split_as_by_bytes(&mut s, &record);
            }
        }
        taken_over
    }

    #[test]
    fn items_are_split_as_a_byte_at_a_time_reading_splits_them_for_any_mix() {
        let pieces: [&[u8]; 9] = [
            b"a",
            b",",
            b"\"",
            b"\"\"",
            b"\x82\xA0",
            b",\"",
            b"12345678",
            b"\x82",
            b"\",,",
        ];
        assert_mixes_split_as_by_bytes(&pieces);
    }

    #[test]
    fn items_the_same_as_in_the_record_before_are_taken_over_as_they_were_split() {
        // Well-formed items, so that records are clean and without syntax issues.
        let pieces: [&[u8]; 8] = [
            b"1,",
            b"202512,",
            b",",
            b"\"\",",
            b"\"\x8E\x52\x96\x7B\",",
            b"\"a\"\"b,c\",",
            b"\x82\xA0,",
            b"12345678901234567,",
        ];
        let taken_over = assert_mixes_split_as_by_bytes(&pieces);
        assert!(taken_over > 100_000, "items taken over: {taken_over}");
    }

    #[test]
    fn items_of_64_kib_or_more_are_split_again_not_taken_over() {
        // An item's length up to its comma is held in 16 bits; one that does not fit must not
        // be taken over, or the items after it would be read at the wrong offsets.
        for raw in [65_533, 65_534, 65_535, 65_536, 70_000] {
            let long = [&b"\""[..], &vec![b'a'; raw - 2], b"\""].concat();
            let fits = raw < 65_535;
            let mut s = Splitter::default();
            let record = |parts: &[&[u8]]| parts.join(&b","[..]);
            let expected = [
                (record(&[b"1", &long, b"2"]), 0),
                (record(&[b"1", &long, b"3"]), if fits { 2 } else { 1 }),
                (record(&[b"1", &long, b"3"]), if fits { 2 } else { 1 }),
                (record(&[&long, b"4"]), 0),
                (record(&[&long, b"5"]), if fits { 1 } else { 0 }),
            ];
            for (r, taken_over) in expected {
                assert_eq!(assert_split_as_by_bytes(&mut s, &r), taken_over, "{raw}");
            }
        }
    }

    #[test]
    fn opaque_items_are_checked_not_decoded_and_decode_on_demand() {
        let mut s = Splitter::default();
        let record = b"1,\"\x8E\x52\"\"\x96\x7B\",\"\x85\x40\"";
        let items = s.split(
            record,
            TextEncoding::Ms932,
            &[false, true, true],
            &mut Vec::new(),
        );
        assert!(!items.clean(), "the undecodable opaque item is found");
        let f = items.get(1).unwrap();
        assert_eq!((f.value, f.quoted, f.bytes), (&b""[..], true, 5));
        assert_eq!(items.text(1), "山\"本");
        assert_eq!(items.text(0), "1");
    }

    #[test]
    fn undecodable_items_make_the_split_unclean() {
        let mut s = Splitter::default();
        let items = s.split(b"1,\x85\x40", TextEncoding::Ms932, &[], &mut Vec::new());
        assert!(!items.clean());
    }

    #[test]
    fn a_quote_inside_an_unquoted_item_is_a_syntax_issue() {
        let (f, issues) = fields(b"1,ab\"c,2");
        assert_eq!(f.len(), 3);
        assert_eq!(issues, vec![SyntaxIssue::StrayQuote { field: 1 }]);
    }

    #[test]
    fn text_after_a_closing_quote_is_a_syntax_issue() {
        let (f, issues) = fields(b"1,\"ab\"c,2");
        assert_eq!(f[1].0, "ab");
        assert_eq!(f.len(), 3);
        assert_eq!(issues, vec![SyntaxIssue::TextAfterQuote { field: 1 }]);
    }

    #[test]
    fn an_empty_record_is_one_empty_item() {
        assert_eq!(fields(b"").0, vec![(String::new(), false)]);
        assert_eq!(
            fields(b"a,").0,
            vec![("a".into(), false), (String::new(), false)]
        );
    }
}
