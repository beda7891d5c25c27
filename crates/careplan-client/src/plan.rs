//! What a set of picked files would send: one card per transmission unit (sender, recipient,
//! serial), with kinds, month, number of users, the recipient's name and every finding. The
//! desktop app shows these before anything is sent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use careplan_csv::{FileReport, Lang};
use serde::Serialize;

use crate::client::Client;
use crate::error::{ClientError, Result};

/// One finding, ready to show.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// Rule code.
    pub code: &'static str,
    /// Physical line where the record starts.
    pub line: Option<u64>,
    /// Item No. of the spec.
    pub column: Option<u16>,
    /// Item name.
    pub column_name: Option<&'static str>,
    /// What is wrong and what to do, in the chosen language.
    pub message: String,
}

/// One file of a unit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    /// Where it was picked.
    pub path: String,
    /// Its name.
    pub name: String,
    /// File type prefix, when the name is a standard one.
    pub kind: Option<&'static str>,
    /// File type in Japanese.
    pub kind_name: Option<&'static str>,
    /// Users in it.
    pub users: usize,
    /// Findings.
    pub findings: Vec<FindingView>,
    /// Errors among them.
    pub errors: usize,
}

/// One transmission unit as it would be sent.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct UnitCard {
    /// Recipient office number (empty when the names could not be read).
    pub recipient: String,
    /// Recipient's name from the directory, when it could be looked up.
    pub recipient_name: Option<String>,
    /// Whether the recipient receives through the exchange now (`false`: not enrolled yet, the
    /// unit waits and a PDF is how it gets the forms meanwhile); `None` when unknown.
    pub recipient_connected: Option<bool>,
    /// Month (YYYYMM, or 000000 for a plan unit).
    pub month: Option<String>,
    /// Serial shared by the unit's files.
    pub serial: String,
    /// Largest number of users in a file of the unit.
    pub users: usize,
    /// The files.
    pub files: Vec<FileView>,
    /// Errors in all files.
    pub errors: usize,
    /// Warnings in all files.
    pub warnings: usize,
    /// Whether the unit may be sent: it has a recipient and no errors.
    pub sendable: bool,
}

/// A picked file another office sends (e.g. a partner's 実績 in the same export folder): it is
/// not this office's to send, and is listed apart from the units.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ForeignFile {
    /// Where it was picked.
    pub path: String,
    /// Its name.
    pub name: String,
    /// The office that sends it.
    pub sender: String,
    /// That office's name, when known.
    pub sender_name: Option<String>,
}

/// What a set of picked files would send.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SendPlan {
    /// This office's units, one card each.
    pub units: Vec<UnitCard>,
    /// Files of other offices among the picked ones.
    pub foreign: Vec<ForeignFile>,
}

/// A finding as the window and the history show it.
pub(crate) fn finding_view(f: &careplan_csv::Finding, lang: Lang) -> FindingView {
    FindingView {
        severity: if f.is_error() { "error" } else { "warning" },
        code: f.code,
        line: f.location.line,
        column: f.location.column,
        column_name: f.column_name,
        message: f.message(lang),
    }
}

fn file_view(r: &FileReport, lang: Lang) -> FileView {
    FileView {
        path: r.display.clone(),
        name: r.name.clone(),
        kind: r.kind.map(|k| k.prefix()),
        kind_name: r.kind.map(|k| k.name_ja()),
        users: r.users,
        errors: r.error_count(),
        findings: r.findings.iter().map(|f| finding_view(f, lang)).collect(),
    }
}

/// Groups validation reports into this office's unit cards and the files of other offices (no
/// network); `office` is the sending office.
pub fn cards(reports: &[FileReport], office: &str, lang: Lang) -> SendPlan {
    let mut units: BTreeMap<(String, String), UnitCard> = BTreeMap::new();
    let mut foreign = Vec::new();
    for r in reports {
        let (recipient, serial, month) = match &r.file_name {
            Some(n) if n.sender.office.as_str() != office => {
                foreign.push(ForeignFile {
                    path: r.display.clone(),
                    name: r.name.clone(),
                    sender: n.sender.office.to_string(),
                    sender_name: None,
                });
                continue;
            }
            Some(n) => (
                n.recipient.office.to_string(),
                n.serial.clone(),
                n.month.as_ref().map(|m| m.to_string()),
            ),
            None => (String::new(), r.name.clone(), None),
        };
        let card = units
            .entry((recipient.clone(), serial.clone()))
            .or_insert_with(|| UnitCard {
                recipient,
                recipient_name: None,
                recipient_connected: None,
                month: None,
                serial,
                users: 0,
                files: Vec::new(),
                errors: 0,
                warnings: 0,
                sendable: true,
            });
        if card.month.is_none() || card.month.as_deref() == Some("000000") {
            card.month = month.or(card.month.take());
        }
        card.users = card.users.max(r.users);
        card.errors += r.error_count();
        card.warnings += r.warning_count();
        card.files.push(file_view(r, lang));
    }
    let units = units
        .into_values()
        .map(|mut c| {
            c.sendable = c.errors == 0 && !c.recipient.is_empty();
            c
        })
        .collect();
    SendPlan { units, foreign }
}

impl Client {
    /// Validates picked files and folders and shows them as unit cards, with the recipients'
    /// names from the directory where the relay answers (offline, names are left out).
    pub async fn plan(&self, paths: &[PathBuf], lang: Lang) -> Result<SendPlan> {
        let reports = crate::work::heavy(|| self.check(paths))?;
        let mut plan = cards(&reports, &self.office, lang);
        for c in &mut plan.units {
            if c.recipient.is_empty() {
                continue;
            }
            match self.api().directory(&c.recipient).await {
                Ok(entry) => {
                    let _ = self.db.remember_partner(
                        &entry.office.number,
                        &entry.office.name,
                        entry.office.kind.as_str(),
                    );
                    c.recipient_connected = Some(entry.active && !entry.devices.is_empty());
                    c.recipient_name = Some(entry.office.name);
                }
                Err(e) => {
                    if matches!(e, ClientError::UnknownOffice(_)) {
                        c.recipient_connected = Some(false);
                    }
                    if let Ok(Some(name)) = self.db.partner_name(&c.recipient) {
                        c.recipient_name = Some(name);
                    }
                }
            }
        }
        for f in &mut plan.foreign {
            f.sender_name = self.db.partner_name(&f.sender).ok().flatten();
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use careplan_csv::{Input, Mode};

    fn sample_reports() -> Vec<FileReport> {
        let files = crate::testing::sample_exchange(2);
        careplan_csv::validate(
            files
                .into_iter()
                .map(|f| Input::bytes(f.name.to_string(), f.bytes)),
            Mode::Send,
        )
    }

    #[test]
    fn files_of_one_serial_and_recipient_make_one_card() {
        let plan = cards(&sample_reports(), "1310000001", Lang::Ja);
        assert_eq!(
            plan.units.len(),
            4,
            "plan and schedule unit for each of two offices"
        );
        for c in &plan.units {
            let serials: std::collections::BTreeSet<_> = c
                .files
                .iter()
                .map(|f| f.name.rsplit('_').next().unwrap().to_owned())
                .collect();
            assert_eq!(serials.len(), 1, "{c:?}");
            assert!(c.sendable, "{c:?}");
        }
    }

    #[test]
    fn files_another_office_sends_are_listed_apart_and_never_on_a_card() {
        // The sample folder also holds the service offices' 実績, addressed to the 居宅 itself.
        let plan = cards(&sample_reports(), "1310000001", Lang::Ja);
        assert!(!plan.foreign.is_empty());
        assert!(plan.foreign.iter().all(|f| f.name.starts_with("UPJSK_")));
        assert!(plan.units.iter().all(|c| c.recipient != "1310000001"));
        assert!(
            plan.units
                .iter()
                .flat_map(|c| &c.files)
                .all(|f| !f.name.starts_with("UPJSK_"))
        );
    }

    #[test]
    fn an_office_with_none_of_the_files_gets_no_card() {
        let plan = cards(&sample_reports(), "9999999999", Lang::Ja);
        assert!(plan.units.is_empty());
        assert_eq!(plan.foreign.len(), sample_reports().len());
    }
}
