//! Opening files for the forms viewer and 予実突合: what was picked, dropped, received or sent is
//! read (each file bounded in size) into a [`Bundle`]. A file that cannot be read stays in the
//! bundle with the reason, so the others still open.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use careplan_csv::FileKind;
use careplan_forms::compare::{Comparison, compare};
use careplan_forms::{Bundle, UserEntry, UserKey};
use serde::Serialize;

use crate::client::Client;
use crate::envelope;
use crate::error::{ClientError, Result};
use crate::file_state::Direction;
use crate::send::{MAX_FILE_BYTES, expand};
use crate::store::StoredFile;

/// A file opened for the viewer: what it is, and why it could not be read when it could not.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenedFile {
    /// Its name.
    pub name: String,
    /// File type prefix, when the name is the standard's.
    pub kind: Option<&'static str>,
    /// The form's name as staff know it.
    pub title: Option<&'static str>,
    /// Why it could not be read, and what to do (Japanese); `None` when it was read.
    pub problem: Option<String>,
}

/// What a viewer shows first: the files and the users in them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opened {
    /// Every file, in the order opened.
    pub files: Vec<OpenedFile>,
    /// The users, in order of first appearance.
    pub users: Vec<UserEntry>,
}

/// The files and users of a bundle.
pub fn summary(bundle: &Bundle) -> Opened {
    Opened {
        files: bundle
            .files()
            .iter()
            .map(|f| OpenedFile {
                name: f.name.clone(),
                kind: f.kind.map(FileKind::prefix),
                title: f.kind.map(careplan_forms::view::title),
                problem: f.problem.clone(),
            })
            .collect(),
        users: bundle.users(),
    }
}

/// 予実突合 of one month over the history: every 実績 of the month against the plans.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthComparison {
    /// YYYYMM.
    pub month: String,
    /// One per service office (and サービス種類) that sent or received a 実績 of the month.
    pub comparisons: Vec<Comparison>,
    /// Files of the month that could not be read (moved, deleted, damaged), with why.
    pub problems: Vec<OpenedFile>,
}

/// Reads files and folders (the `.csv` and `.jpg` files directly in them) into a bundle.
/// Fails only when a path given does not exist or cannot be listed; unreadable or oversize files are kept with
/// their problem.
pub fn open(paths: &[PathBuf]) -> Result<Bundle> {
    for p in paths {
        std::fs::metadata(p).map_err(|e| ClientError::io(p, e))?;
    }
    let mut bundle = Bundle::default();
    for path in expand(paths)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match read_bounded(&path) {
            Ok(bytes) => bundle.add(name, bytes),
            Err(problem) => bundle.add_unreadable(name, problem),
        }
    }
    Ok(bundle)
}

impl Client {
    /// Opens a file of the history, or with `whole_unit` every file of its unit (same direction,
    /// partner and serial). Received files open from the copy kept sealed in the profile, so a
    /// file the care software moved away still opens; sent files open from where they were picked.
    pub fn open_history(&self, direction: Direction, id: i64, whole_unit: bool) -> Result<Bundle> {
        let Some(file) = self.db().stored_file(direction, id)? else {
            return Ok(Bundle::default());
        };
        let files = if whole_unit {
            let serial = serial_of(&file.file_name);
            self.db()
                .files_with(direction, Some(&file.partner), None)?
                .into_iter()
                .filter(|f| serial.is_some() && serial_of(&f.file_name) == serial)
                .collect()
        } else {
            vec![file]
        };
        let months: BTreeSet<String> = files
            .iter()
            .filter_map(|f| careplan_csv::FileName::parse(&f.file_name).ok())
            // Files without a month (第1–3表) come with the 補足 of their plan unit, 000000.
            .map(|n| {
                n.month
                    .map_or_else(|| "000000".to_owned(), |m| m.to_string())
            })
            .collect();
        let mut bundle = self.bundle_of(latest_of_each_name(files));
        bundle.borrow_names(&self.names_of(&months)?);
        Ok(bundle)
    }

    /// The 利用者補足情報 of these months (YYYYMM, or 000000 for plan units) in the history, both
    /// directions: where the users of a 第6表 or 実績 get their names.
    fn names_of(&self, months: &BTreeSet<String>) -> Result<Bundle> {
        let mut files = Vec::new();
        for direction in [Direction::Sent, Direction::Received] {
            for month in months {
                files.extend(
                    self.db()
                        .files_with(direction, None, Some(month))?
                        .into_iter()
                        .filter(|f| {
                            careplan_csv::FileKind::match_name_prefix(&f.file_name)
                                == Some(FileKind::UpHosoku)
                        }),
                );
            }
        }
        Ok(self.bundle_of(latest_of_each_name(files)))
    }

    /// 予実突合 of a month over the whole history, both directions: a 居宅 compares its partners'
    /// 実績 with the plans it sent, a service office its own 実績 with the plans it received.
    pub fn compare_month(&self, month: &str) -> Result<MonthComparison> {
        let mut plan_files = Vec::new();
        let mut jisseki_files = Vec::new();
        for direction in [Direction::Sent, Direction::Received] {
            for f in self.db().files_with(direction, None, Some(month))? {
                match careplan_csv::FileKind::match_name_prefix(&f.file_name) {
                    Some(FileKind::UpPlan | FileKind::UpHosoku) => plan_files.push(f),
                    Some(FileKind::UpJsk) => jisseki_files.push(f),
                    _ => {}
                }
            }
        }
        let plan = self.bundle_of(latest_of_each_name(plan_files));
        let jisseki = self.bundle_of(latest_of_each_name(jisseki_files));
        let problems = [&plan, &jisseki]
            .into_iter()
            .flat_map(|b| summary(b).files)
            .filter(|f| f.problem.is_some())
            .collect();
        Ok(MonthComparison {
            month: month.to_owned(),
            comparisons: compare(&plan, &jisseki),
            problems,
        })
    }

    /// Writes the differences of one office's 実績 of `month` (from [`Client::compare_month`]) as
    /// CSV to `path`; answers how many differences.
    pub fn export_comparison(
        &self,
        month: &str,
        office: &str,
        service_type: &str,
        path: &Path,
    ) -> Result<usize> {
        let found = self.compare_month(month)?;
        let c = found
            .comparisons
            .iter()
            .find(|c| c.office == office && c.service_type == service_type)
            .ok_or_else(|| ClientError::NoJisseki {
                month: month.to_owned(),
                office: office.to_owned(),
            })?;
        crate::profile::write_atomic(path, &c.to_csv(), false)?;
        Ok(c.differences)
    }

    /// Months (YYYYMM, newest first) for which the history holds a 実績.
    pub fn jisseki_months(&self) -> Result<Vec<String>> {
        let mut months: Vec<String> = self
            .history(&crate::store::HistoryQuery {
                kind: Some(FileKind::UpJsk.prefix().to_owned()),
                ..Default::default()
            })?
            .into_iter()
            .filter_map(|e| e.month)
            .collect();
        months.sort_unstable_by(|a, b| b.cmp(a));
        months.dedup();
        Ok(months)
    }

    fn bundle_of(&self, files: Vec<StoredFile>) -> Bundle {
        let mut bundle = Bundle::default();
        for f in files {
            match self.read_stored(&f) {
                Ok(bytes) => bundle.add(f.file_name, bytes),
                Err(problem) => bundle.add_unreadable(f.file_name, problem),
            }
        }
        bundle
    }

    // A received file's kept copy first (it cannot have been moved or changed), then the file
    // where it was saved or picked.
    fn read_stored(&self, f: &StoredFile) -> std::result::Result<Vec<u8>, String> {
        if f.direction == Direction::Received
            && f.kept
            && let Ok(Some((_, sha, sealed))) = self.db().received_copy(f.id)
            && let Ok(plain) = envelope::decrypt(&self.keys, &sealed)
            && envelope::sha256_hex(&plain) == sha
        {
            return Ok(plain);
        }
        match &f.path {
            Some(p) if Path::new(p).exists() => read_bounded(Path::new(p)),
            Some(p) => Err(format!(
                "{p} にありません（移動または削除されました）。ケアソフトから出力し直すか、受信箱から保存し直してください。"
            )),
            None => Err(
                "このパソコンには保存されていません。受信箱の「このPCに保存」で保存してください。"
                    .to_owned(),
            ),
        }
    }
}

fn serial_of(name: &str) -> Option<String> {
    careplan_csv::FileName::parse(name).ok().map(|n| n.serial)
}

// The same file sent or received twice (a resend, a replay) is opened once: the newest row.
fn latest_of_each_name(mut files: Vec<StoredFile>) -> Vec<StoredFile> {
    files.sort_by_key(|f| std::cmp::Reverse(f.id));
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert((f.direction, f.file_name.clone())));
    files.sort_by_key(|f| f.id);
    files
}

/// The Japanese font PDFs are set in (found once: looking reads font files).
pub(crate) fn pdf_font() -> Result<careplan_print::PdfFont> {
    static FONT: std::sync::OnceLock<std::result::Result<careplan_print::PdfFont, String>> =
        std::sync::OnceLock::new();
    FONT.get_or_init(|| careplan_print::PdfFont::find().map_err(|e| e.to_string()))
        .clone()
        .map_err(|_| ClientError::NoFont)
}

pub(crate) fn print_error(e: careplan_print::PrintError) -> ClientError {
    match e {
        careplan_print::PrintError::NoFont => ClientError::NoFont,
        other => ClientError::Print(other.to_string()),
    }
}

/// The forms of `users` (all users of the bundle when empty) as one PDF at `path`, printed by
/// `office` today. Answers how many users it holds.
pub fn save_pdf(bundle: &Bundle, users: &[UserKey], office: &str, path: &Path) -> Result<usize> {
    let keys: Vec<UserKey> = if users.is_empty() {
        bundle.users().into_iter().map(|u| u.key).collect()
    } else {
        users.to_vec()
    };
    let forms: Vec<_> = keys.iter().filter_map(|k| bundle.forms(k)).collect();
    let bytes = careplan_print::pdf(
        &forms,
        &careplan_print::Printed::today(office),
        &pdf_font()?,
    )
    .map_err(print_error)?;
    crate::profile::write_atomic(path, &bytes, false)?;
    Ok(forms.len())
}

/// One PDF per user of the bundle in `dir` (created when missing), named by 被保険者番号 and
/// name, for a partner who takes paper: answers the files written.
pub fn save_pdf_per_user(bundle: &Bundle, office: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| ClientError::io(dir, e))?;
    let font = pdf_font()?;
    let printed = careplan_print::Printed::today(office);
    let mut written = Vec::new();
    for u in bundle.users() {
        let Some(forms) = bundle.forms(&u.key) else {
            continue;
        };
        let bytes = careplan_print::pdf(std::slice::from_ref(&forms), &printed, &font)
            .map_err(print_error)?;
        let name: String = u
            .name
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace() && !r#"/\:*?"<>|"#.contains(*c))
            .collect();
        let file = if name.is_empty() {
            format!("{}.pdf", u.key.insured)
        } else {
            format!("{}_{name}.pdf", u.key.insured)
        };
        let path = dir.join(file);
        crate::profile::write_atomic(&path, &bytes, false)?;
        written.push(path);
    }
    Ok(written)
}

// Reads at most one byte past the limit, so an oversize (or growing) file costs no more memory
// than a file at the limit.
fn read_bounded(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| ClientError::io(path, e).to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ClientError::io(path, e).to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "{} MB を超えるため開きません。ケアソフトから月ごと・事業所ごとに分けて出力してください。",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_opens_with_its_files_and_an_oversize_file_is_kept_with_its_problem() {
        let dir = tempfile::tempdir().unwrap();
        for f in crate::testing::sample_exchange(2) {
            std::fs::write(dir.path().join(f.name.to_string()), f.bytes).unwrap();
        }
        let big = dir
            .path()
            .join("UPPLAN_202612_1310000001_43_1320000009_11_20261125093100.CSV");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let bundle = open(&[dir.path().to_owned()]).unwrap();
        assert_eq!(bundle.users().len(), 2);
        let f = bundle
            .files()
            .iter()
            .find(|f| f.name.ends_with("1320000009_11_20261125093100.CSV"));
        assert!(
            f.unwrap()
                .problem
                .as_deref()
                .unwrap()
                .contains("MB を超える")
        );
    }

    #[test]
    fn each_user_prints_to_a_pdf_of_their_own_named_after_them() {
        let dir = tempfile::tempdir().unwrap();
        for f in crate::testing::sample_exchange(2) {
            std::fs::write(dir.path().join(f.name.to_string()), f.bytes).unwrap();
        }
        let bundle = open(&[dir.path().to_owned()]).unwrap();
        let out = dir.path().join("pdf");
        let written = save_pdf_per_user(&bundle, "居宅介護支援事業所さくら", &out).unwrap();
        assert_eq!(written.len(), 2);
        for p in &written {
            let name = p.file_name().unwrap().to_string_lossy();
            assert!(name.ends_with(".pdf") && name.contains('_'), "{name}");
            assert!(std::fs::read(p).unwrap().starts_with(b"%PDF-"));
        }
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let e = open(&[PathBuf::from("/nonexistent/kizuna")]).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/kizuna"), "{e}");
    }
}
