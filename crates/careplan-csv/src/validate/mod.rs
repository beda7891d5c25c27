//! Validation of files and send units against the standard.
//!
//! Each file is read once, as a stream: memory holds one record, the findings (capped) and the
//! per-user keys needed by the checks across files. Nothing here writes to a file.

mod columns;
mod records;
mod sink;
mod units;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::encoding::{self, TextEncoding, UTF8_BOM};
use crate::filename::FileName;
use crate::finding::{Finding, Problem, Severity};
use crate::kind::FileKind;
use crate::reader::{RecordReader, Splitter, SyntaxIssue};
use crate::spec::Format;
use crate::values::{YearMonth, all_digits};

pub use sink::MAX_FINDINGS_PER_FILE;

use records::{Facts, FileState};
use sink::Sink;

/// Which side of an exchange is checking: some unit rules are errors before sending and only
/// warnings on receipt (R40, R42).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Before sending: incomplete or mixed units are errors.
    #[default]
    Send,
    /// After receiving: the same are warnings, so nothing received is thrown away.
    Receive,
}

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Read from disk, streaming.
    Path(PathBuf),
    /// Already in memory.
    Bytes(Vec<u8>),
}

/// One file to validate.
#[derive(Debug, Clone)]
pub struct Input {
    /// How the file is shown to the user (its path as given).
    pub display: String,
    /// The bare file name, which carries kind and routing.
    pub name: String,
    /// The bytes.
    pub source: Source,
}

impl Input {
    /// A file on disk.
    pub fn path(path: impl AsRef<Path>) -> Input {
        let path = path.as_ref();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Input {
            display: path.display().to_string(),
            name,
            source: Source::Path(path.to_owned()),
        }
    }

    // Bytes to read, for scheduling (0 when unknown).
    fn size(&self) -> u64 {
        match &self.source {
            Source::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            Source::Bytes(b) => b.len() as u64,
        }
    }

    /// A file held in memory under `name`.
    pub fn bytes(name: impl Into<String>, bytes: Vec<u8>) -> Input {
        let name = name.into();
        Input {
            display: name.clone(),
            name,
            source: Source::Bytes(bytes),
        }
    }
}

/// Everything found in one file, plus what the file holds.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as given.
    pub display: String,
    /// The bare file name.
    pub name: String,
    /// The parsed name, when it is valid.
    pub file_name: Option<FileName>,
    /// The file type, when the prefix is known (even if the rest of the name is wrong).
    pub kind: Option<FileKind>,
    /// Findings, file-level first, then by line and item.
    pub findings: Vec<Finding>,
    /// Findings beyond [`MAX_FINDINGS_PER_FILE`], not kept: (errors, warnings).
    pub dropped: (usize, usize),
    /// Number of records read.
    pub records: u64,
    /// Number of distinct users (保険者番号 + 被保険者番号).
    pub users: usize,
    /// Service month found in the records, if the kind has one.
    pub month: Option<YearMonth>,
}

impl FileReport {
    /// Whether nothing blocks sending this file.
    pub fn is_valid(&self) -> bool {
        self.dropped.0 == 0 && !self.findings.iter().any(Finding::is_error)
    }

    /// Number of errors, including dropped ones.
    pub fn error_count(&self) -> usize {
        self.dropped.0 + self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// Number of warnings, including dropped ones.
    pub fn warning_count(&self) -> usize {
        self.dropped.1 + self.findings.iter().filter(|f| !f.is_error()).count()
    }

    /// Whether the file could not be read at all.
    pub fn is_unreadable(&self) -> bool {
        self.findings
            .iter()
            .any(|f| matches!(f.problem, Problem::Unreadable(_)))
    }
}

/// A file under validation, before the checks across files.
pub(crate) struct Checked {
    pub display: String,
    pub name: String,
    pub file_name: Option<FileName>,
    pub kind: Option<FileKind>,
    pub facts: Option<Facts>,
    pub sink: Sink,
}

/// Validates files together: each file alone (on every core), then the send units they form
/// (by serial). Reports come back in the order of the inputs.
pub fn validate(inputs: impl IntoIterator<Item = Input>, mode: Mode) -> Vec<FileReport> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    validate_with_threads(inputs, mode, threads)
}

/// [`validate`] with at most `threads` files read at once (at least one).
pub fn validate_with_threads(
    inputs: impl IntoIterator<Item = Input>,
    mode: Mode,
    threads: usize,
) -> Vec<FileReport> {
    let inputs: Vec<Input> = inputs.into_iter().collect();
    let threads = threads.clamp(1, inputs.len().max(1));
    let check_file = |input| check_file(input, mode);
    let mut checked: Vec<Checked> = if threads == 1 {
        inputs.into_iter().map(check_file).collect()
    } else {
        // Files are independent until the unit checks: workers take the next unread file,
        // largest first, so that no worker is left with a big file while the other idles.
        let mut queued: Vec<(usize, Input)> = inputs.into_iter().enumerate().collect();
        queued.sort_by_key(|(_, input)| std::cmp::Reverse(input.size()));
        let queue = std::sync::Mutex::new(queued.into_iter());
        let next = || queue.lock().unwrap_or_else(|e| e.into_inner()).next();
        let mut done: Vec<(usize, Checked)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        std::iter::from_fn(next)
                            .map(|(i, input)| (i, check_file(input)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a validation worker panicked"))
                .collect()
        });
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, c)| c).collect()
    };
    units::check(&mut checked, mode);
    checked.into_iter().map(into_report).collect()
}

/// Validates one file on its own (a single file is also a unit, so companions will be missing).
pub fn validate_one(input: Input, mode: Mode) -> FileReport {
    validate([input], mode)
        .pop()
        .expect("one input gives one report")
}

fn into_report(c: Checked) -> FileReport {
    let mut findings = c.sink.findings;
    // File-level findings first, then by line and item; the sort is stable so rule order stays.
    findings.sort_by_key(|f| {
        (
            f.location.line.is_some(),
            f.location.line,
            f.location.column,
        )
    });
    let facts = c.facts.unwrap_or_default();
    FileReport {
        display: c.display,
        name: c.name,
        file_name: c.file_name,
        kind: c.kind,
        findings,
        dropped: c.sink.dropped,
        records: facts.records,
        users: facts.users,
        month: facts.month,
    }
}

fn check_file(input: Input, mode: Mode) -> Checked {
    let mut sink = Sink::new(mode);
    let parsed = FileName::parse(&input.name);
    let kind = match &parsed {
        Ok(n) => Some(n.kind),
        Err(_) => FileKind::match_name_prefix(&input.name),
    };
    let file_name = match parsed {
        Ok(n) => {
            for w in n.warnings() {
                sink.file(w.rule(), Severity::Warning, Problem::NameWarning(w));
            }
            // R81: plans go from the care-management side; a service office sends only 実績.
            if n.kind.is_care_management_side() && n.sender.service_type.is_in_scope() {
                sink.file(
                    "R81",
                    Severity::Warning,
                    Problem::WrongDirection { kind: n.kind },
                );
            }
            Some(n)
        }
        Err(e) => {
            sink.file(e.rule(), Severity::Error, Problem::FileName(e));
            None
        }
    };
    let mut facts = None;
    if let Some(kind) = kind {
        let result = match &input.source {
            // Only a regular file is read: a symlink to a device or a FIFO would never end
            // (or never begin).
            Source::Path(p) => match std::fs::metadata(p) {
                Ok(m) if !m.is_file() => {
                    sink.file("NOT-CSV", Severity::Error, Problem::NotAFile);
                    Ok(None)
                }
                _ => File::open(p)
                    .and_then(|f| check_content(kind, file_name.as_ref(), f, &mut sink)),
            },
            Source::Bytes(b) => check_content(kind, file_name.as_ref(), &b[..], &mut sink),
        };
        match result {
            Ok(f) => facts = f,
            Err(e)
                if e.get_ref()
                    .is_some_and(|inner| inner.is::<crate::reader::RecordTooLong>()) =>
            {
                sink.file("NOT-CSV", Severity::Error, Problem::RecordTooLong)
            }
            Err(e) => sink.file("IO", Severity::Error, Problem::Unreadable(e.to_string())),
        }
    }
    Checked {
        display: input.display,
        name: input.name,
        file_name,
        kind,
        facts,
        sink,
    }
}

fn check_content<R: Read>(
    kind: FileKind,
    name: Option<&FileName>,
    src: R,
    sink: &mut Sink,
) -> io::Result<Option<Facts>> {
    let mut reader = RecordReader::new(src);
    if kind.is_image() {
        // R49: the image is JPEG.
        if !reader.peek()?.starts_with(&[0xFF, 0xD8, 0xFF]) {
            sink.file("R49", Severity::Error, Problem::NotJpeg);
        }
        return Ok(None);
    }
    check_csv(kind, name, reader, sink).map(Some)
}

fn check_csv<R: Read>(
    kind: FileKind,
    name: Option<&FileName>,
    mut reader: RecordReader<R>,
    sink: &mut Sink,
) -> io::Result<Facts> {
    let layout = crate::spec::spec().file(kind);
    let sample = reader.peek()?;
    let bom = sample.starts_with(UTF8_BOM);
    let skip = if bom { UTF8_BOM.len() } else { 0 };
    let enc = encoding::sniff(&sample[skip..]);
    if bom {
        sink.file("R9", Severity::Warning, Problem::Bom);
    }
    if enc == TextEncoding::Utf8 {
        sink.file("R1", Severity::Error, Problem::Utf8);
    }
    reader.skip(skip);

    let mut state = FileState::new(kind, name);
    let mut splitter = Splitter::default();
    let mut issues: Vec<SyntaxIssue> = Vec::new();
    // Free text is only checked to be clean and present, so it need not be decoded.
    let opaque: Vec<bool> = layout
        .columns
        .iter()
        .map(|c| c.format == Format::FreeText)
        .collect();
    // Per column, the last month, date, time or service code that passed its check.
    let mut held: Vec<Option<u64>> = vec![None; layout.columns.len()];
    let mut pending_empty: Option<u64> = None;
    let mut first = true;
    // Whether the record before had its items checked and none found wrong: items it repeats
    // byte for byte (`Items::repeated`) are then fine again.
    let mut passed = false;
    while let Some(rec) = reader.next_record(&mut splitter, enc, &opaque, &mut issues)? {
        let after_pass = std::mem::take(&mut passed);
        if rec.bytes.is_empty() {
            issues.clear();
            // R10: skipped; warned about only when a record follows.
            pending_empty.get_or_insert(rec.line);
            continue;
        }
        if let Some(l) = pending_empty.take() {
            sink.record(l, "R10", Severity::Warning, Problem::EmptyLine);
        }
        let line = rec.line;
        // A NUL byte is in no text file: the rest is not read.
        if memchr::memchr(0, rec.bytes).is_some() {
            sink.record(line, "NOT-CSV", Severity::Error, Problem::NulByte);
            return Ok(state.finish(sink));
        }
        let items = rec.items;
        if !items.clean() {
            for issue in encoding::scan(rec.bytes) {
                let at = issue.offset();
                let issue_line = line + memchr::memchr_iter(b'\n', &rec.bytes[..at]).count() as u64;
                let offset = rec.offset + at as u64;
                let (code, problem) = match issue {
                    encoding::ByteIssue::Undecodable { bytes, .. } => {
                        ("R1", Problem::Undecodable { offset, bytes })
                    }
                    encoding::ByteIssue::Gaiji { bytes, .. } => {
                        ("R2", Problem::Gaiji { offset, bytes })
                    }
                };
                sink.record(issue_line, code, Severity::Error, problem);
            }
        }
        if rec.unterminated_quote {
            sink.record(line, "R5", Severity::Error, Problem::UnterminatedQuote);
        }
        for issue in issues.drain(..) {
            let (field, problem) = match issue {
                SyntaxIssue::StrayQuote { field } => (field, Problem::StrayQuote),
                SyntaxIssue::TextAfterQuote { field } => (field, Problem::TextAfterQuote),
            };
            match u16::try_from(field + 1) {
                Ok(no) if field < layout.column_count => {
                    sink.item(line, kind, no, "R5", Severity::Error, problem)
                }
                _ => sink.record(line, "R5", Severity::Error, problem),
            }
        }
        let first_item = items.get(0).map_or(&[][..], |f| f.value);
        if std::mem::take(&mut first) && !(first_item.len() == 6 && all_digits(first_item)) {
            sink.record(line, "R8", Severity::Warning, Problem::HeaderSkipped);
            continue;
        }
        if items.len() != layout.column_count {
            let p = Problem::ColumnCount {
                kind,
                actual: items.len(),
                expected: layout.column_count,
            };
            sink.record(line, "R11", Severity::Error, p);
            state.facts.records += 1;
        } else {
            let skip = if after_pass { items.repeated() } else { 0 };
            let before = sink.count();
            let columns = layout.columns.iter().zip(held.iter_mut());
            for ((col, held), f) in columns.zip(items.filled()).skip(skip) {
                columns::check(kind, col, f, line, held, sink);
            }
            passed = sink.count() == before;
            state.record(line, &items, sink);
        }
    }
    let facts = state.finish(sink);
    if facts.records == 0 {
        // Nothing of its kind in it: not sent, but a received one is kept to look at.
        let severity = sink.strict();
        sink.file("R12", severity, Problem::NoRecords);
    }
    Ok(facts)
}
