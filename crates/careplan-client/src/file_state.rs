//! The history's vocabulary: which way a file went and the states it passes through. Stored as
//! text in the profile's database and sent to the app as these names; their words for people
//! are in [`crate::messages::state_label`].

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// Which way a file went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// This office sent it.
    Sent,
    /// This office received it.
    Received,
}

/// A state of a sent or received file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// Validated and waiting to be uploaded.
    Queued,
    /// Accepted by the relay, held there.
    Uploaded,
    /// The recipient is fetching it.
    Delivered,
    /// Receipt signed: by the partner for a sent file, by us for a received one.
    Acknowledged,
    /// The recipient could not verify it.
    Rejected,
    /// Never fetched; the relay deleted it.
    Expired,
    /// Refused; will not be sent.
    Failed,
    /// Received, verified and saved.
    Saved,
    /// Received but not verifiable: kept encrypted, not saved.
    Quarantined,
    /// Received again with a manifest already seen: refused.
    Replayed,
    /// Saved once more from the kept copy.
    SavedAgain,
    /// Received and verified, kept here sealed but not saved into a folder: another device
    /// of the office saves arrivals.
    Kept,
}

impl Direction {
    /// Both directions.
    pub const ALL: [Direction; 2] = [Direction::Sent, Direction::Received];

    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Sent => "sent",
            Direction::Received => "received",
        }
    }
}

impl FileState {
    /// Every state.
    pub const ALL: [FileState; 12] = [
        FileState::Queued,
        FileState::Uploaded,
        FileState::Delivered,
        FileState::Acknowledged,
        FileState::Rejected,
        FileState::Expired,
        FileState::Failed,
        FileState::Saved,
        FileState::Quarantined,
        FileState::Replayed,
        FileState::SavedAgain,
        FileState::Kept,
    ];

    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Queued => "queued",
            FileState::Uploaded => "uploaded",
            FileState::Delivered => "delivered",
            FileState::Acknowledged => "acknowledged",
            FileState::Rejected => "rejected",
            FileState::Expired => "expired",
            FileState::Failed => "failed",
            FileState::Saved => "saved",
            FileState::Quarantined => "quarantined",
            FileState::Replayed => "replayed",
            FileState::SavedAgain => "saved_again",
            FileState::Kept => "kept",
        }
    }
}

/// A name that is none of the kind's.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0:?} is not a known name")]
pub struct UnknownName(pub String);

macro_rules! named {
    ($t:ty) => {
        impl std::str::FromStr for $t {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, UnknownName> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName(s.to_owned()))
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

named!(Direction);
named!(FileState);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_name() {
        for s in FileState::ALL {
            assert_eq!(s.as_str().parse::<FileState>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn every_direction_reads_back_from_its_name() {
        for d in Direction::ALL {
            assert_eq!(d.as_str().parse::<Direction>().unwrap(), d);
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
    }
}
