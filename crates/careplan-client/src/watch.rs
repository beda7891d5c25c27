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
use crate::settings::WatchMode;

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

    /// When a unit waiting for its files to settle (or for the give-up time) should next be
    /// looked at, if any is waiting.
    pub fn next_look(&self, now: Instant) -> Option<Instant> {
        let answered = |p: &PathBuf, s: &Seen| {
            self.answered.iter().any(|a| {
                a.iter()
                    .any(|(ap, size, m)| ap == p && *size == s.size && *m == s.modified)
            })
        };
        self.files
            .iter()
            .filter(|(p, s)| {
                !answered(p, s)
                    && FileName::parse(&p.file_name().unwrap_or_default().to_string_lossy()).is_ok()
            })
            .flat_map(|(_, s)| [s.unchanged_since + self.quiet, s.first_seen + self.give_up])
            .filter(|t| *t > now)
            .min()
    }
}

/// The folder sent files are moved into, inside the watched folder.
pub const SENT_FOLDER: &str = "送信済み";

/// What became of a unit of the watched folder.
#[derive(Debug)]
pub enum Handled {
    /// Sent (or queued for a partner or a connection not there yet), one outcome per file.
    Sent(Vec<Upload>),
    /// Checked without errors and left for a person to send (確認してから送信).
    Ready,
    /// Every file went to its partner before: nothing sent again.
    AlreadySent,
    /// Files with errors: nothing sent; the findings say what is wrong.
    Invalid(Vec<FileReport>),
    /// The unit stayed incomplete: nothing sent; these file types are missing.
    Incomplete(Vec<&'static str>),
}

/// The folder a watcher looks at and what it does with a ready unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchSetup {
    /// The care software's export folder.
    pub dir: PathBuf,
    /// Send at once, or check and leave for a person.
    pub mode: WatchMode,
    /// Move sent files into [`SENT_FOLDER`].
    pub move_sent: bool,
}

/// What the folder loop tells its host.
#[derive(Debug)]
pub enum FolderEvent {
    /// A unit was answered: sent, left ready, refused, or found sent before.
    Handled {
        /// The unit.
        unit: WatchedUnit,
        /// What became of it.
        outcome: Handled,
    },
    /// A unit could not be handled (the history or a file could not be read or moved); it is
    /// looked at again when its files change.
    Failed {
        /// The unit.
        unit: WatchedUnit,
        /// Why.
        error: ClientError,
    },
    /// The folder cannot be read (removed, a network drive gone); said once until it can be
    /// read again.
    Unreadable {
        /// The folder.
        dir: PathBuf,
        /// Why, from the system.
        error: String,
    },
}

/// What the folder loop asks of its host.
pub trait FolderHost {
    /// The folder to watch now (settings may change while the loop runs); `None`: none.
    fn folder(&self) -> Option<WatchSetup>;
    /// Tells the host what happened.
    fn report(&self, event: FolderEvent);
    /// Whether to stop.
    fn stopping(&self) -> bool;
}

/// How often the folder is looked at without an OS file event: network drives send none.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

/// The folder loop's waits.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// How long a unit's files stay unchanged before they count as written.
    pub quiet: Duration,
    /// How long an incomplete unit is waited for.
    pub give_up: Duration,
    /// How often the folder is looked at without an OS file event.
    pub poll: Duration,
}

impl Default for Waits {
    fn default() -> Self {
        Waits {
            quiet: QUIET,
            give_up: GIVE_UP,
            poll: POLL_EVERY,
        }
    }
}

/// OS file events for one folder: each one only makes the next look come sooner.
struct Events {
    _watcher: notify::RecommendedWatcher,
}

impl Events {
    // Best effort: a folder the OS cannot watch (some network drives) is polled only.
    fn start(dir: &Path, wake: &std::sync::Arc<tokio::sync::Notify>) -> Option<Events> {
        use notify::Watcher as _;
        let wake = wake.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if event.is_ok() {
                    wake.notify_one();
                }
            })
            .map_err(|e| tracing::info!(error = %e, "no file events; polling only"))
            .ok()?;
        watcher
            .watch(dir, notify::RecursiveMode::NonRecursive)
            .map_err(|e| tracing::info!(error = %e, dir = %dir.display(), "no file events; polling only"))
            .ok()?;
        Some(Events { _watcher: watcher })
    }
}

/// Returns once the host says stop.
async fn stopped(host: &impl FolderHost) {
    while !host.stopping() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

impl Client {
    /// Watches the host's export folder until the host says stop: each unit, once complete
    /// and written, is checked and sent (自動送信) or left ready for a person (確認してから送信);
    /// units with errors, incomplete ones and ones sent before are never sent. The folder is
    /// looked at on every OS file event and every [`POLL_EVERY`] besides.
    pub async fn watch_folder(&self, host: &impl FolderHost) {
        self.watch_folder_with(host, Waits::default()).await
    }

    /// [`Client::watch_folder`] with other waits (tests).
    pub async fn watch_folder_with(&self, host: &impl FolderHost, waits: Waits) {
        let wake = std::sync::Arc::new(tokio::sync::Notify::new());
        let mut current: Option<(WatchSetup, Watcher, Option<Events>)> = None;
        let mut unreadable = false;
        while !host.stopping() {
            let setup = host.folder();
            if setup.as_ref() != current.as_ref().map(|c| &c.0) {
                current = setup.map(|s| {
                    let events = Events::start(&s.dir, &wake);
                    let watcher = Watcher::with_waits(&s.dir, waits.quiet, waits.give_up);
                    (s, watcher, events)
                });
                unreadable = false;
            }
            if let Some((setup, watcher, events)) = &mut current {
                match watcher.poll(Instant::now()) {
                    Ok(units) => {
                        // Readable again (a drive connected again): its events may work now. A
                        // folder that never gave events is not asked again at every look.
                        if std::mem::replace(&mut unreadable, false) && events.is_none() {
                            *events = Events::start(&setup.dir, &wake);
                        }
                        // Partners' files (an export folder that is also the import folder) are
                        // not this office's to send: left alone, without a word.
                        for unit in units.into_iter().filter(|u| self.sends(u)) {
                            let event = match self
                                .handle_watched(&unit, setup.mode, setup.move_sent)
                                .await
                            {
                                Ok(outcome) => FolderEvent::Handled { unit, outcome },
                                Err(error) => FolderEvent::Failed { unit, error },
                            };
                            host.report(event);
                        }
                    }
                    Err(e) => {
                        *events = None;
                        if !std::mem::replace(&mut unreadable, true) {
                            host.report(FolderEvent::Unreadable {
                                dir: setup.dir.clone(),
                                error: e.to_string(),
                            });
                        }
                    }
                }
            }
            let now = Instant::now();
            let due = current
                .as_ref()
                .and_then(|c| c.1.next_look(now))
                .map_or(waits.poll, |t| (t - now).min(waits.poll));
            tokio::select! {
                _ = wake.notified() => {
                    // A burst of events (a file written in pieces) is one look.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ = tokio::time::sleep(due) => {}
                _ = stopped(host) => {}
            }
        }
    }

    /// Whether every file of `unit` is named as sent by this office.
    fn sends(&self, unit: &WatchedUnit) -> bool {
        unit.files.iter().all(|p| {
            p.file_name()
                .and_then(|n| FileName::parse(&n.to_string_lossy()).ok())
                .is_some_and(|n| n.sender.office.as_str() == self.office)
        })
    }

    /// Answers a unit the watcher gave: incomplete, with errors or sent before (remembered in
    /// the history, so across restarts) → nothing sent; else sent (`Auto`) or checked and left
    /// for a person (`Confirm`). Sent files are moved into [`SENT_FOLDER`] when `move_sent`.
    pub async fn handle_watched(
        &self,
        unit: &WatchedUnit,
        mode: WatchMode,
        move_sent: bool,
    ) -> Result<Handled> {
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
                self.move_into_sent(&unit.files)?;
            }
            return Ok(Handled::AlreadySent);
        }
        if mode == WatchMode::Confirm {
            let reports = self.check(&unit.files)?;
            return Ok(if reports.iter().any(|r| !r.is_valid()) {
                Handled::Invalid(reports)
            } else {
                Handled::Ready
            });
        }
        match self.send_files(&unit.files, false).await {
            Ok(uploads) => {
                if move_sent {
                    self.move_into_sent(&unit.files)?;
                }
                Ok(Handled::Sent(uploads))
            }
            Err(ClientError::Invalid(reports)) => Ok(Handled::Invalid(reports)),
            Err(ClientError::AlreadySent { .. }) => Ok(Handled::AlreadySent),
            Err(e) => Err(e),
        }
    }
}

impl Client {
    /// Moves files a person sent from the watched folder `dir` into its [`SENT_FOLDER`] (files
    /// elsewhere are left where they are).
    pub fn put_away_sent(&self, dir: &Path, files: &[PathBuf]) -> Result<()> {
        let Ok(dir) = dir.canonicalize() else {
            return Ok(());
        };
        let ours: Vec<PathBuf> = files
            .iter()
            .filter(|f| {
                f.is_file()
                    && f.parent().and_then(|p| p.canonicalize().ok()).as_deref() == Some(&*dir)
            })
            .cloned()
            .collect();
        self.move_into_sent(&ours)
    }

    // Into 送信済み beside them, never over a file already there; the history follows them, so
    // a sent unit still opens as forms and counts in 予実.
    fn move_into_sent(&self, files: &[PathBuf]) -> Result<()> {
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
            self.db()
                .sent_moved(&f.display().to_string(), &to.display().to_string())?;
        }
        Ok(())
    }
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
    fn the_next_look_is_when_a_waiting_unit_has_been_quiet_long_enough_and_none_once_answered() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut w = watcher(dir.path());
        assert_eq!(w.next_look(t0), None, "nothing to wait for");
        for f in schedule_unit() {
            std::fs::write(dir.path().join(f.name.to_string()), &f.bytes).unwrap();
        }
        w.poll(t0).unwrap();
        assert_eq!(w.next_look(t0), Some(t0 + 5 * S));
        assert_eq!(w.poll(t0 + 5 * S).unwrap().len(), 1);
        assert_eq!(w.next_look(t0 + 5 * S), None);
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
