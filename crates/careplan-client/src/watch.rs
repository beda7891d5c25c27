//! The care software's export folder, watched: which units in it are complete and no longer being
//! written, so they can be checked and sent (or offered) once. Polling the folder is the one
//! method that works on every file system, network drives included; OS file events only make
//! the poll come sooner. Time is passed in, so the rules are tested without waiting.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use careplan_csv::{FileKind, FileName, FileReport, NameMonth};

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::send::Upload;

/// How long a unit's files must stay unchanged before they count as written.
pub const QUIET: Duration = Duration::from_secs(5);
/// How long an incomplete unit is waited for before it is reported as incomplete.
pub const GIVE_UP: Duration = Duration::from_secs(10 * 60);

/// A unit of the watched folder ready to be checked: its files, and what it lacks when it was
/// given up on incomplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedUnit {
    /// Its files, sorted.
    pub files: Vec<PathBuf>,
    /// File types (prefixes) the unit needs but does not have; empty when complete.
    pub missing: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    /// Since when size and time have not changed.
    unchanged_since: Instant,
    first_seen: Instant,
}

/// The state of one watched folder.
#[derive(Debug)]
pub struct Watcher {
    dir: PathBuf,
    quiet: Duration,
    give_up: Duration,
    files: HashMap<PathBuf, Seen>,
    /// Units already answered, by their files and each file's size and time: a unit written
    /// again (other content) is answered again, the same one never.
    answered: HashSet<Vec<(PathBuf, u64, Option<SystemTime>)>>,
}

/// A unit's identity: sender, recipient and serial (the part of the name its files share).
type UnitKey = String;

impl Watcher {
    /// Watches `dir` (its files, not its subfolders) with the default waits.
    pub fn new(dir: impl Into<PathBuf>) -> Watcher {
        Watcher::with_waits(dir, QUIET, GIVE_UP)
    }

    /// Watches `dir` with other waits (tests, network drives).
    pub fn with_waits(dir: impl Into<PathBuf>, quiet: Duration, give_up: Duration) -> Watcher {
        Watcher {
            dir: dir.into(),
            quiet,
            give_up,
            files: HashMap::new(),
            answered: HashSet::new(),
        }
    }

    /// The folder watched.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Looks at the folder at `now`: answers each unit that became complete with every file
    /// unchanged for the quiet time, or that stayed incomplete past the give-up time. Each unit is
    /// answered once.
    pub fn poll(&mut self, now: Instant) -> std::io::Result<Vec<WatchedUnit>> {
        let mut present: HashMap<PathBuf, (u64, Option<SystemTime>)> = HashMap::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let Ok(entry) = entry else { continue };
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() {
                present.insert(entry.path(), (meta.len(), meta.modified().ok()));
            }
        }
        self.files.retain(|p, _| present.contains_key(p));
        for (path, (size, modified)) in &present {
            match self.files.get_mut(path) {
                Some(seen) if seen.size == *size && seen.modified == *modified => {}
                Some(seen) => {
                    seen.size = *size;
                    seen.modified = *modified;
                    seen.unchanged_since = now;
                }
                None => {
                    self.files.insert(
                        path.clone(),
                        Seen {
                            size: *size,
                            modified: *modified,
                            unchanged_since: now,
                            first_seen: now,
                        },
                    );
                }
            }
        }
        let mut units: BTreeMap<UnitKey, Vec<(PathBuf, FileName)>> = BTreeMap::new();
        for path in self.files.keys() {
            let Some(name) = path
                .file_name()
                .and_then(|n| FileName::parse(&n.to_string_lossy()).ok())
            else {
                continue;
            };
            units
                .entry(name.middle())
                .or_default()
                .push((path.clone(), name));
        }
        let mut ready = Vec::new();
        for (_, mut files) in units {
            files.sort_by(|a, b| a.0.cmp(&b.0));
            let seen: Vec<&Seen> = files.iter().map(|(p, _)| &self.files[p]).collect();
            let settled = seen
                .iter()
                .all(|s| now.saturating_duration_since(s.unchanged_since) >= self.quiet);
            if !settled {
                continue;
            }
            let missing = missing(&files.iter().map(|(_, n)| n).collect::<Vec<_>>());
            let waited = seen
                .iter()
                .map(|s| now.saturating_duration_since(s.first_seen))
                .min()
                .unwrap_or_default();
            if !missing.is_empty() && waited < self.give_up {
                continue;
            }
            let identity: Vec<_> = files
                .iter()
                .map(|(p, _)| (p.clone(), self.files[p].size, self.files[p].modified))
                .collect();
            if self.answered.insert(identity) {
                ready.push(WatchedUnit {
                    files: files.into_iter().map(|(p, _)| p).collect(),
                    missing,
                });
            }
        }
        Ok(ready)
    }
}

/// The folder sent files are moved into, inside the watched folder.
pub const SENT_FOLDER: &str = "送信済み";

/// What became of a unit of the watched folder.
#[derive(Debug)]
pub enum Handled {
    /// Sent (or queued for a partner or a connection not there yet), one outcome per file.
    Sent(Vec<Upload>),
    /// Every file went to its partner before: nothing sent again.
    AlreadySent,
    /// Files with errors: nothing sent; the findings say what is wrong.
    Invalid(Vec<FileReport>),
    /// The unit stayed incomplete: nothing sent; these file types are missing.
    Incomplete(Vec<&'static str>),
}

impl Client {
    /// Sends a unit the watcher answered, unless it is incomplete, has errors or was sent before
    /// (remembered in the history, so across restarts). Sent files are moved into
    /// [`SENT_FOLDER`] when `move_sent`.
    pub async fn send_watched(&self, unit: &WatchedUnit, move_sent: bool) -> Result<Handled> {
        if !unit.missing.is_empty() {
            return Ok(Handled::Incomplete(unit.missing.clone()));
        }
        let mut all_sent = true;
        for path in &unit.files {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let sent = match name.as_deref().and_then(|n| FileName::parse(n).ok()) {
                Some(n) => self
                    .db()
                    .was_sent(&n.to_string(), n.recipient.office.as_str())?,
                None => false,
            };
            all_sent &= sent;
        }
        if all_sent {
            if move_sent {
                move_into_sent(&unit.files)?;
            }
            return Ok(Handled::AlreadySent);
        }
        match self.send_files(&unit.files, false).await {
            Ok(uploads) => {
                if move_sent {
                    move_into_sent(&unit.files)?;
                }
                Ok(Handled::Sent(uploads))
            }
            Err(ClientError::Invalid(reports)) => Ok(Handled::Invalid(reports)),
            Err(ClientError::AlreadySent { .. }) => Ok(Handled::AlreadySent),
            Err(e) => Err(e),
        }
    }
}

// Into 送信済み beside them, never over a file already there.
fn move_into_sent(files: &[PathBuf]) -> Result<()> {
    for f in files {
        let Some(dir) = f.parent() else { continue };
        let sent = dir.join(SENT_FOLDER);
        std::fs::create_dir_all(&sent).map_err(|e| ClientError::io(&sent, e))?;
        let name = f.file_name().map(PathBuf::from).unwrap_or_default();
        let mut to = sent.join(&name);
        let mut n = 2;
        while to.exists() {
            to = sent.join(format!("{}.{n}", name.display()));
            n += 1;
        }
        std::fs::rename(f, &to).map_err(|e| ClientError::io(f, e))?;
    }
    Ok(())
}

/// What a unit lacks to be complete (R41/R42, R23/R43): a plan unit needs 第1–3表 and the 補足
/// of the plan; a 利用票 unit its 予定, 別表 and the month's 補足; a 介護予防 別表 its parent.
fn missing(names: &[&FileName]) -> Vec<&'static str> {
    let has = |k: FileKind| names.iter().any(|n| n.kind == k);
    let hosoku = |plan: bool| {
        names
            .iter()
            .any(|n| n.kind == FileKind::UpHosoku && (n.month == Some(NameMonth::PlanUnit)) == plan)
    };
    let mut need: Vec<FileKind> = Vec::new();
    let plan_unit = [FileKind::Up1Kyo, FileKind::Up2Kyo, FileKind::Up3Kyo]
        .into_iter()
        .any(has)
        || hosoku(true);
    let schedule_unit = has(FileKind::UpPlan) || has(FileKind::UpSikyu) || hosoku(false);
    if plan_unit {
        need.extend([FileKind::Up1Kyo, FileKind::Up2Kyo, FileKind::Up3Kyo]);
    }
    if schedule_unit {
        need.extend([FileKind::UpPlan, FileKind::UpSikyu]);
    }
    if has(FileKind::UpKihonSub1) || has(FileKind::UpKihonSub2) || has(FileKind::UpKihonImage) {
        need.push(FileKind::UpKihon);
    }
    if has(FileKind::UpYoboSub) {
        need.push(FileKind::UpYobo);
    }
    let mut out: Vec<&'static str> = need
        .into_iter()
        .filter(|k| !has(*k))
        .map(FileKind::prefix)
        .collect();
    if (plan_unit && !hosoku(true)) || (schedule_unit && !hosoku(false)) {
        out.push(FileKind::UpHosoku.prefix());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn schedule_unit() -> Vec<careplan_csv::sample::SampleFile> {
        crate::testing::sample_exchange(2)
            .into_iter()
            .filter(|f| {
                f.name.recipient.office.as_str() == "1320000001"
                    && matches!(f.name.month, Some(NameMonth::Month(_)))
            })
            .collect()
    }

    fn watcher(dir: &Path) -> Watcher {
        Watcher::with_waits(dir, 5 * S, 60 * S)
    }

    #[test]
    fn a_unit_written_all_at_once_is_ready_after_the_quiet_time_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        for f in schedule_unit() {
            std::fs::write(dir.path().join(f.name.to_string()), &f.bytes).unwrap();
        }
        assert!(w.poll(t0).unwrap().is_empty(), "just written");
        assert!(
            w.poll(t0 + 4 * S).unwrap().is_empty(),
            "not quiet long enough"
        );
        let ready = w.poll(t0 + 5 * S).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].files.len(), 3);
        assert!(ready[0].missing.is_empty());
        assert!(w.poll(t0 + 20 * S).unwrap().is_empty(), "answered once");
    }

    #[test]
    fn a_file_still_growing_holds_its_unit_back() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        let files = schedule_unit();
        for f in &files {
            let half = &f.bytes[..f.bytes.len() / 2];
            std::fs::write(dir.path().join(f.name.to_string()), half).unwrap();
        }
        w.poll(t0).unwrap();
        // The care software writes the rest of one file later.
        let f = &files[0];
        std::fs::write(dir.path().join(f.name.to_string()), &f.bytes).unwrap();
        assert!(
            w.poll(t0 + 6 * S).unwrap().is_empty(),
            "a file changed since"
        );
        assert_eq!(w.poll(t0 + 11 * S).unwrap().len(), 1);
    }

    #[test]
    fn a_unit_completed_later_waits_for_its_last_file() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        let files = schedule_unit();
        for f in &files[..2] {
            std::fs::write(dir.path().join(f.name.to_string()), &f.bytes).unwrap();
        }
        assert!(w.poll(t0 + 10 * S).unwrap().is_empty(), "incomplete: waits");
        std::fs::write(dir.path().join(files[2].name.to_string()), &files[2].bytes).unwrap();
        w.poll(t0 + 20 * S).unwrap();
        let ready = w.poll(t0 + 25 * S).unwrap();
        assert_eq!(ready.len(), 1);
        assert!(ready[0].missing.is_empty());
    }

    #[test]
    fn a_unit_left_incomplete_past_the_give_up_time_is_answered_with_what_it_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        let files = schedule_unit();
        let plan = files
            .iter()
            .find(|f| f.name.kind == FileKind::UpPlan)
            .unwrap();
        std::fs::write(dir.path().join(plan.name.to_string()), &plan.bytes).unwrap();
        w.poll(t0).unwrap();
        assert!(w.poll(t0 + 59 * S).unwrap().is_empty());
        let ready = w.poll(t0 + 60 * S).unwrap();
        assert_eq!(ready[0].missing, ["UPSIKYU", "UPHOSOKU"]);
    }

    #[test]
    fn a_unit_written_again_with_other_content_is_answered_again() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        let files = schedule_unit();
        for f in &files {
            std::fs::write(dir.path().join(f.name.to_string()), &f.bytes).unwrap();
        }
        w.poll(t0).unwrap();
        assert_eq!(w.poll(t0 + 5 * S).unwrap().len(), 1);
        let mut changed = files[0].bytes.clone();
        changed.extend_from_slice(&files[0].bytes[..10]);
        std::fs::write(dir.path().join(files[0].name.to_string()), changed).unwrap();
        w.poll(t0 + 6 * S).unwrap();
        assert_eq!(w.poll(t0 + 11 * S).unwrap().len(), 1);
    }

    #[test]
    fn files_not_named_by_the_standard_and_subfolders_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        std::fs::write(dir.path().join("memo.txt"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("送信済み")).unwrap();
        w.poll(t0).unwrap();
        assert!(w.poll(t0 + 120 * S).unwrap().is_empty());
    }

    #[test]
    fn a_single_file_unit_needs_nothing_more() {
        let files: Vec<_> = crate::testing::sample_exchange(1)
            .into_iter()
            .filter(|f| f.name.kind == FileKind::UpJsk)
            .collect();
        assert!(missing(&[&files[0].name]).is_empty());
    }
}
