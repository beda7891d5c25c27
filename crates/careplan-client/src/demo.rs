//! A partner office for the demo: a real enrolled office (its own keys, certificate and signed
//! receipts) that keeps receiving and, a few seconds after a 利用票 (UPPLAN) arrives, answers with
//! its 実績 for that month from its export folder, as a service office does at month end. With
//! it a newcomer sees receipts, a notification and 実績 arrive without a second person.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use careplan_csv::{FileKind, FileName, NameMonth};

use crate::background::{Activity, Host};
use crate::client::{Client, Enrolment};
use crate::error::{ClientError, Result};

/// The passphrase demo partners seal their keys with: they are no one's real office, and the
/// demo must not leave entries in the OS key store of the machine it runs on.
pub const DEMO_PASSPHRASE: &str = "kizuna-demo-partner";

/// What a demo partner reports as it works, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerEvent {
    /// A file arrived, was verified and saved (its receipt goes back signed).
    Received {
        /// Standard file name.
        file_name: String,
        /// The sending office.
        sender: String,
    },
    /// 実績 answering a 利用票 were sent.
    Replied {
        /// The files sent.
        file_names: Vec<String>,
        /// The office they went to.
        recipient: String,
    },
    /// Something went wrong; the partner keeps going.
    Trouble(String),
}

/// A 利用票 to answer: its sender and month, and when.
struct Reply {
    to: String,
    month: careplan_csv::values::YearMonth,
    at: Instant,
}

/// One simulated partner office.
pub struct DemoPartner {
    client: Client,
    outgoing: PathBuf,
    inbox: PathBuf,
    reply_after: Duration,
    pending: Mutex<Vec<Reply>>,
}

impl DemoPartner {
    /// Opens the partner's profile in `profile`, enrolling it first when it is new.
    /// `outgoing` holds the office's exported files; received files are saved in `inbox`.
    pub async fn open_or_enrol(
        profile: &Path,
        enrolment: Enrolment<'_>,
        outgoing: PathBuf,
        inbox: PathBuf,
        reply_after: Duration,
    ) -> Result<DemoPartner> {
        let client = match Client::open(profile, Some(DEMO_PASSPHRASE)) {
            Ok(c) => c,
            Err(ClientError::NotEnrolled(_)) => {
                Client::enroll(
                    profile,
                    Enrolment {
                        passphrase: Some(DEMO_PASSPHRASE),
                        ..enrolment
                    },
                )
                .await?
            }
            Err(e) => return Err(e),
        };
        Ok(DemoPartner {
            client,
            outgoing,
            inbox,
            reply_after,
            pending: Mutex::new(Vec::new()),
        })
    }

    /// This partner's office number.
    pub fn office(&self) -> &str {
        &self.client.office
    }

    /// Receives, acknowledges and answers until `stop` is set; `report` hears what happens.
    pub async fn run(&self, stop: &AtomicBool, report: &(dyn Fn(PartnerEvent) + Sync)) {
        let host = PartnerHost {
            partner: self,
            stop,
            report,
        };
        tokio::join!(self.client.watch(&host), self.answer(stop, report));
    }

    // Sends the 実績 of each due reply, checking every half second.
    async fn answer(&self, stop: &AtomicBool, report: &(dyn Fn(PartnerEvent) + Sync)) {
        while !stop.load(Ordering::SeqCst) {
            let due: Vec<Reply> = {
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                let (due, later) = pending.drain(..).partition(|r| r.at <= Instant::now());
                *pending = later;
                due
            };
            for reply in due {
                match self.send_results(&reply).await {
                    Ok(file_names) if file_names.is_empty() => {}
                    Ok(file_names) => report(PartnerEvent::Replied {
                        file_names,
                        recipient: reply.to.clone(),
                    }),
                    Err(e) => report(PartnerEvent::Trouble(e.to_string())),
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Sends the office's 実績 files for `reply`'s month to its sender, each once.
    async fn send_results(&self, reply: &Reply) -> Result<Vec<String>> {
        let files = results_for(&self.outgoing, &self.client.office, &reply.to, reply.month)?;
        let mut unsent = Vec::new();
        for f in files {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !self.client.db.was_sent(&name, &reply.to)? {
                unsent.push(f);
            }
        }
        if unsent.is_empty() {
            return Ok(Vec::new());
        }
        let uploads = self.client.send_files(&unsent, false).await?;
        if let Some(e) = uploads.into_iter().find_map(|u| u.result.err()) {
            return Err(e);
        }
        Ok(unsent
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect())
    }

    fn received(&self, files: &[crate::Received], report: &(dyn Fn(PartnerEvent) + Sync)) {
        for r in files.iter().filter(|r| r.saved_path.is_some()) {
            report(PartnerEvent::Received {
                file_name: r.file_name.clone(),
                sender: r.sender.clone(),
            });
            let Ok(name) = FileName::parse(&r.file_name) else {
                continue;
            };
            if let (FileKind::UpPlan, Some(NameMonth::Month(month))) = (name.kind, name.month) {
                self.pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Reply {
                        to: r.sender.clone(),
                        month,
                        at: Instant::now() + self.reply_after,
                    });
            }
        }
    }
}

/// The 実績 (UPJSK) files in `folder` that `office` sends to `to` for `month`.
fn results_for(
    folder: &Path,
    office: &str,
    to: &str,
    month: careplan_csv::values::YearMonth,
) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in crate::expand(&[folder.to_owned()])? {
        let Some(name) = path
            .file_name()
            .and_then(|n| FileName::parse(&n.to_string_lossy()).ok())
        else {
            continue;
        };
        if name.kind == FileKind::UpJsk
            && name.sender.office.as_str() == office
            && name.recipient.office.as_str() == to
            && name.month == Some(NameMonth::Month(month))
        {
            found.push(path);
        }
    }
    Ok(found)
}

struct PartnerHost<'a> {
    partner: &'a DemoPartner,
    stop: &'a AtomicBool,
    report: &'a (dyn Fn(PartnerEvent) + Sync),
}

impl Host for PartnerHost<'_> {
    fn import_dir(&self) -> Option<PathBuf> {
        Some(self.partner.inbox.clone())
    }

    fn activity(&self, activity: Activity) {
        match activity {
            Activity::Received(files) => self.partner.received(&files, self.report),
            Activity::Trouble(e) => (self.report)(PartnerEvent::Trouble(e.to_string())),
            _ => {}
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use careplan_csv::values::YearMonth;

    #[test]
    fn the_results_for_a_month_are_the_offices_jisseki_to_that_kyotaku() {
        let dir = tempfile::tempdir().unwrap();
        for f in crate::testing::sample_exchange(3) {
            std::fs::write(dir.path().join(f.name.to_string()), f.bytes).unwrap();
        }
        let month = YearMonth::parse("202612").unwrap();
        let found = results_for(dir.path(), "1320000001", "1310000001", month).unwrap();
        assert!(!found.is_empty());
        for p in &found {
            let name = p.file_name().unwrap().to_string_lossy();
            assert!(
                name.starts_with("UPJSK_202612_1320000001_11_1310000001_"),
                "{name}"
            );
        }
        let other_month = YearMonth::parse("202611").unwrap();
        assert!(
            results_for(dir.path(), "1320000001", "1310000001", other_month)
                .unwrap()
                .is_empty()
        );
    }
}
