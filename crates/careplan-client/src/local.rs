//! What the profile knows without asking anyone: the history, unread files, partners and
//! favourites. The CLI and the app read these through [`Client`] (or, for the history without
//! unlocking the keys, [`history_of`]), never through the database.

use std::path::Path;

use careplan_protocol::OfficeKind;
use serde::Serialize;

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::store::{Db, HistoryEntry, HistoryQuery};

/// A device of this office: a PC or a CLI profile with its own keys.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    /// Its id at the relay.
    pub device: String,
    /// What the office calls it.
    pub name: String,
    /// End of its certificate, unix seconds.
    pub not_after: i64,
    /// When it last called the relay, unix seconds (to within a few minutes).
    pub last_seen: Option<i64>,
    /// It is the device asking.
    pub this_device: bool,
}

/// A partner office as the send and partner screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Partner {
    /// 事業所番号.
    pub number: String,
    /// 事業所名.
    pub name: String,
    /// 居宅, service office or both.
    pub kind: OfficeKind,
    /// Marked as a favourite on this PC.
    pub favourite: bool,
    /// It receives through the exchange now (enrolled, active); `false`: not yet, so files for
    /// it wait, and paper (PDF) is how it gets them meanwhile; `None`: the relay did not say.
    pub connected: Option<bool>,
}

/// The history of the profile in `dir`, read without unlocking its keys.
pub fn history_of(dir: &Path, q: &HistoryQuery) -> Result<Vec<HistoryEntry>> {
    let db_path = dir.join("kizuna.db");
    if !db_path.exists() {
        return Err(ClientError::NotEnrolled(dir.display().to_string()));
    }
    Db::open(&db_path)?.history(q)
}

impl Client {
    /// The history, newest first; blank filters filter nothing.
    pub fn history(&self, q: &HistoryQuery) -> Result<Vec<HistoryEntry>> {
        self.db().history(q)
    }

    /// Writes the history matching `q` as the audit CSV to `path`; answers how many entries.
    pub fn export_history(&self, q: &HistoryQuery, path: &Path) -> Result<usize> {
        let entries = self.history(q)?;
        crate::profile::write_atomic(path, &crate::export::history_csv(&entries), false)?;
        self.note(careplan_protocol::Activity::Exported {
            what: careplan_protocol::ExportKind::History,
            rows: u32::try_from(entries.len()).unwrap_or(u32::MAX),
        })?;
        Ok(entries.len())
    }

    /// Received files not yet shown in the inbox.
    pub fn unread_count(&self) -> Result<usize> {
        Ok(self.db().counts()?.1 as usize)
    }

    /// Sent files by state, and received files not yet shown.
    pub fn counts(&self) -> Result<(Vec<(String, i64)>, i64)> {
        self.db().counts()
    }

    /// Notes that these received files were shown; answers how many are still unread.
    pub fn mark_read(&self, ids: &[i64]) -> Result<usize> {
        self.db().mark_seen(ids)?;
        self.unread_count()
    }

    /// A partner's name as last seen in the directory.
    pub fn partner_name(&self, number: &str) -> Option<String> {
        self.db().partner_name(number).ok().flatten()
    }

    /// Offices whose number starts with, or whose name contains, `text`; their names are
    /// remembered for the history.
    /// This office's devices (PCs, CLI profiles) that can receive, as the relay lists them.
    pub async fn devices(&self) -> Result<Vec<Device>> {
        Ok(self
            .api()
            .office_devices()
            .await?
            .into_iter()
            .map(|d| Device {
                this_device: d.here,
                device: d.device,
                name: d.name,
                not_after: d.not_after,
                last_seen: d.last_seen,
            })
            .collect())
    }

    pub async fn search_partners(&self, text: &str) -> Result<Vec<Partner>> {
        let favourites: Vec<String> = self
            .db()
            .favourites()?
            .into_iter()
            .map(|(number, ..)| number)
            .collect();
        let found = self.api().search(text.trim()).await?;
        for hit in &found {
            let o = &hit.office;
            self.db()
                .remember_partner(&o.number, &o.name, o.kind.as_str())?;
        }
        Ok(found
            .into_iter()
            .map(|hit| Partner {
                favourite: favourites.contains(&hit.office.number),
                number: hit.office.number,
                name: hit.office.name,
                kind: hit.office.kind,
                connected: hit.connected,
            })
            .collect())
    }

    /// The partners marked as favourites, by name.
    pub fn favourites(&self) -> Result<Vec<Partner>> {
        Ok(self
            .db()
            .favourites()?
            .into_iter()
            // Kinds are stored from the directory's answer; one that no longer reads is skipped.
            .filter_map(|(number, name, kind)| {
                Some(Partner {
                    kind: kind.parse().ok()?,
                    number,
                    name,
                    favourite: true,
                    connected: None,
                })
            })
            .collect())
    }

    /// Whether a partner receives through the exchange now, as the directory says; `None` when
    /// the relay cannot be asked.
    pub async fn is_connected(&self, number: &str) -> Option<bool> {
        match self.api().directory(number).await {
            Ok(entry) => Some(entry.active && !entry.devices.is_empty()),
            Err(ClientError::UnknownOffice(_)) => Some(false),
            Err(_) => None,
        }
    }

    /// Marks or unmarks a partner as a favourite.
    pub fn set_favourite(&self, number: &str, favourite: bool) -> Result<()> {
        self.db().set_favourite(number, favourite)?;
        Ok(())
    }
}
