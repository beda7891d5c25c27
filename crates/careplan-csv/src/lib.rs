//! ケアプランデータ連携標準仕様 v4.1 (CSV version 202407) as a library: file names, MS932,
//! parsing, validation and generation of every file type of the standard.
//!
//! This crate knows the standard and nothing else: no transport, no storage, no UI. It never
//! rewrites the bytes of a file it validates; decoding is for checking and display only.
//! The layouts come from the embedded `spec/careplan-v41.json`; rule codes in findings are the
//! R-numbers of `spec/rules.md`, or `COL-…` for the per-item rules of the JSON.

pub mod encoding;
pub mod filename;
pub mod finding;
pub mod kind;
mod messages;
pub mod reader;
pub mod record;
pub mod sample;
pub mod spec;
pub mod validate;
pub mod values;

#[cfg(test)]
mod testing;

pub use filename::{FileName, FileNameError, NameMonth, Party, Role};
pub use finding::{Finding, Lang, Location, Problem, Severity};
pub use kind::FileKind;
pub use validate::{
    FileReport, Input, Mode, Source, validate, validate_one, validate_with_threads,
};
