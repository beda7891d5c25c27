//! What a device did with the office's files (saved one into a folder, exported the history):
//! reported to the relay for its audit log and for the office's other devices, which show
//! where and by whom each received file was saved.

use serde::{Deserialize, Serialize};

/// Longest place (a folder path on the device) a report may name, in characters.
pub const MAX_PLACE: usize = 1024;

/// Most saves the relay keeps of one message: beyond them a report is refused, so no device
/// can grow the office's list without end.
pub const MAX_SAVES_PER_MESSAGE: usize = 50;

/// What was exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The exchange history as the audit CSV.
    History,
}

impl ExportKind {
    /// The kind as it is sent and audited.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::History => "history",
        }
    }
}

/// One thing a device did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Activity {
    /// A received file was written into a folder of the device.
    Saved {
        /// The relay's message id.
        message_id: String,
        /// Where it was written (the file's path on the device).
        place: String,
        /// Written again from the kept copy, not on arrival.
        again: bool,
    },
    /// Files of the office left Kizuna as an export.
    Exported {
        /// What.
        what: ExportKind,
        /// How many rows.
        rows: u32,
    },
}

/// `POST /v1/activity`: a report of what the device did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityReport {
    /// What happened.
    pub activity: Activity,
    /// The login of the person signed in on the device when it happened, if anyone was. The
    /// relay names them only when the report comes with that same person's session, so a queued
    /// report sent later is never put on whoever is signed in by then.
    #[serde(default)]
    pub by: Option<String>,
}

impl ActivityReport {
    /// Whether the report is within bounds: a place of 1–[`MAX_PLACE`] characters without
    /// control characters, a message id and login of sane length.
    pub fn is_well_formed(&self) -> bool {
        let login_ok = self
            .by
            .as_deref()
            .is_none_or(|l| !l.is_empty() && l.len() <= 64);
        login_ok
            && match &self.activity {
                Activity::Saved {
                    message_id, place, ..
                } => {
                    (1..=64).contains(&message_id.len())
                        && !place.is_empty()
                        && place.chars().count() <= MAX_PLACE
                        && !place.chars().any(char::is_control)
                }
                Activity::Exported { .. } => true,
            }
    }
}

/// Where and by whom a device of the office saved a received file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Save {
    /// Cursor position.
    pub seq: i64,
    /// The relay's message id.
    pub message_id: String,
    /// The device's id at the relay.
    pub device: String,
    /// What the office calls the device.
    pub device_name: String,
    /// Whether the device asking is the one that saved it.
    pub here: bool,
    /// Who was signed in on it, `name (login)`; none when nobody was.
    pub person: Option<String>,
    /// Where it was written.
    pub place: String,
    /// Written again from the kept copy.
    pub again: bool,
    /// When the relay heard of it, unix seconds.
    pub at: i64,
}

/// A page of `GET /v1/saves`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavesPage {
    /// The saves, oldest first.
    pub saves: Vec<Save>,
    /// Cursor for the next page, when there may be more.
    pub next: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(place: &str) -> ActivityReport {
        ActivityReport {
            activity: Activity::Saved {
                message_id: "m1".into(),
                place: place.into(),
                again: false,
            },
            by: None,
        }
    }

    #[test]
    fn an_export_kind_is_sent_as_its_name() {
        let json = serde_json::to_value(ExportKind::History).unwrap();
        assert_eq!(json, ExportKind::History.as_str());
    }

    #[test]
    fn a_report_reads_back_from_its_json() {
        let r = saved("C:\\取込\\UPPLAN.csv");
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""kind":"saved""#), "{json}");
        assert_eq!(serde_json::from_str::<ActivityReport>(&json).unwrap(), r);
    }

    #[test]
    fn a_place_with_a_line_break_or_past_its_length_is_not_well_formed() {
        assert!(saved("/取込/a.csv").is_well_formed());
        assert!(!saved("").is_well_formed());
        assert!(!saved("/取込\n/a.csv").is_well_formed());
        assert!(!saved(&"あ".repeat(MAX_PLACE + 1)).is_well_formed());
    }
}
