//! `GET /v1/events`: server-sent events, each with a kind and a JSON payload.

use serde::{Deserialize, Serialize};

/// What an event is about: its SSE `event:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename_all = "lowercase"))]
pub enum EventKind {
    /// A message arrived for the office ([`MessageEvent`]).
    Message,
    /// A recipient acknowledged one of the office's messages ([`ReceiptEvent`]).
    Receipt,
    /// One of the office's messages expired unfetched ([`ExpiredEvent`]).
    Expired,
    /// The certificate in use nears its end ([`CertificateEvent`]); not stored, no id.
    Certificate,
    /// A device of the office saved one of its received files ([`SavedEvent`]).
    Saved,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 5] = [
        EventKind::Message,
        EventKind::Receipt,
        EventKind::Expired,
        EventKind::Certificate,
        EventKind::Saved,
    ];

    /// The kind as it is sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::Receipt => "receipt",
            EventKind::Expired => "expired",
            EventKind::Certificate => "certificate",
            EventKind::Saved => "saved",
        }
    }

    /// The kind of an SSE `event:` field; `None` for one this version does not know.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A message arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEvent {
    /// Message id.
    pub id: String,
    /// Sending office.
    pub sender: String,
    /// Standard file name.
    pub file_name: String,
    /// Ciphertext size.
    pub size: i64,
}

/// A recipient acknowledged a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptEvent {
    /// Message id.
    pub id: String,
    /// Receiving office.
    pub recipient: String,
    /// Standard file name.
    pub file_name: String,
    /// The recipient's signed receipt.
    pub receipt: String,
}

/// A message expired unfetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredEvent {
    /// Message id.
    pub id: String,
    /// Receiving office.
    pub recipient: String,
    /// Standard file name.
    pub file_name: String,
}

/// A device of the office saved one of its received files: where and by whom is in
/// `GET /v1/saves`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedEvent {
    /// Message id.
    pub id: String,
    /// The save's position in `GET /v1/saves`.
    pub seq: i64,
}

/// The certificate in use nears its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateEvent {
    /// Whole days left.
    pub days_left: i64,
    /// End of validity, unix seconds.
    pub not_after: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_kind_reads_back_from_its_text_and_an_unknown_one_is_none() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(EventKind::parse("ping"), None);
    }
}
