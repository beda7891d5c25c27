//! Where one file's findings are collected, with a cap so a broken 50 MB file cannot flood memory.

use crate::finding::{Finding, Location, Problem, Severity};
use crate::kind::FileKind;
use crate::spec::ColumnSpec;
use crate::validate::Mode;

/// Most findings kept per file; the rest are counted.
pub const MAX_FINDINGS_PER_FILE: usize = 1000;

#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub findings: Vec<Finding>,
    /// Findings beyond the cap, by severity: (errors, warnings).
    pub dropped: (usize, usize),
    /// Which side checks.
    pub mode: Mode,
}

impl Sink {
    /// An empty sink for checking as `mode`.
    pub fn new(mode: Mode) -> Sink {
        Sink {
            mode,
            ..Sink::default()
        }
    }

    /// The severity of a rule that blocks sending but keeps what was received: an error
    /// before sending, a warning on receipt.
    pub fn strict(&self) -> Severity {
        match self.mode {
            Mode::Send => Severity::Error,
            Mode::Receive => Severity::Warning,
        }
    }

    /// Findings so far, kept or not.
    pub fn count(&self) -> usize {
        self.findings.len() + self.dropped.0 + self.dropped.1
    }

    pub fn push(&mut self, f: Finding) {
        if self.findings.len() < MAX_FINDINGS_PER_FILE {
            self.findings.push(f);
        } else if f.is_error() {
            self.dropped.0 += 1;
        } else {
            self.dropped.1 += 1;
        }
    }

    /// A finding about the file as a whole.
    pub fn file(&mut self, code: &'static str, severity: Severity, problem: Problem) {
        self.push(Finding {
            severity,
            code,
            location: Location::default(),
            column_name: None,
            problem,
            uncertain: None,
        });
    }

    /// A finding about a record (no particular item).
    pub fn record(&mut self, line: u64, code: &'static str, severity: Severity, problem: Problem) {
        let location = Location {
            line: Some(line),
            column: None,
        };
        self.push(Finding {
            severity,
            code,
            location,
            column_name: None,
            problem,
            uncertain: None,
        });
    }

    /// A finding about one item.
    #[allow(clippy::too_many_arguments)]
    pub fn column(
        &mut self,
        line: u64,
        kind: FileKind,
        col: &'static ColumnSpec,
        code: &'static str,
        severity: Severity,
        problem: Problem,
        uncertain: bool,
    ) {
        let location = Location {
            line: Some(line),
            column: Some(col.no),
        };
        let uncertain = uncertain.then_some((kind, col.no));
        self.push(Finding {
            severity,
            code,
            location,
            column_name: Some(&col.name_ja),
            problem,
            uncertain,
        });
    }

    /// A finding about item `no` of `kind`.
    pub fn item(
        &mut self,
        line: u64,
        kind: FileKind,
        no: u16,
        code: &'static str,
        severity: Severity,
        problem: Problem,
    ) {
        let col = crate::spec::spec().file(kind).column(no);
        self.column(line, kind, col, code, severity, problem, false);
    }
}
