//! Messages: upload, inbox and sent lists, acknowledgement.

use serde::{Deserialize, Serialize};

/// Upload header: the standard file name (the routing is in it).
pub const FILE_NAME_HEADER: &str = "x-kizuna-file-name";
/// Upload header: the sender's signed manifest.
pub const MANIFEST_HEADER: &str = "x-kizuna-manifest";
/// Upload header: the key that makes a retried upload store nothing twice.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename_all = "lowercase"))]
pub enum MessageState {
    /// Stored durably, not yet fetched.
    Stored,
    /// Fetched by the recipient.
    Delivered,
    /// The recipient sent its signed receipt.
    Acknowledged,
    /// Not fetched in time; the body was deleted.
    Expired,
}

impl MessageState {
    /// Every state.
    pub const ALL: [MessageState; 4] = [
        MessageState::Stored,
        MessageState::Delivered,
        MessageState::Acknowledged,
        MessageState::Expired,
    ];

    /// The state as it is sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Stored => "stored",
            MessageState::Delivered => "delivered",
            MessageState::Acknowledged => "acknowledged",
            MessageState::Expired => "expired",
        }
    }

    /// Whether the body is gone and nothing more can be taken.
    pub fn is_final(self) -> bool {
        matches!(self, MessageState::Acknowledged | MessageState::Expired)
    }
}

impl std::str::FromStr for MessageState {
    type Err = String;

    fn from_str(s: &str) -> Result<MessageState, String> {
        MessageState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("{s:?} is no message state"))
    }
}

/// A message's metadata, as the inbox and the sent list show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Cursor position.
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// Sending office.
    pub sender: String,
    /// Receiving office.
    pub recipient: String,
    /// Standard file name.
    pub file_name: String,
    /// Ciphertext size.
    pub size: i64,
    /// SHA-256 of the ciphertext, hex.
    pub sha256: String,
    /// The sender's signed manifest (opaque to the relay).
    pub manifest: String,
    /// The sender's idempotency key.
    pub idempotency_key: String,
    /// Where it is.
    pub state: MessageState,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub delivered_at: Option<i64>,
    /// Unix seconds.
    pub acknowledged_at: Option<i64>,
    /// When an unfetched body is deleted, unix seconds.
    pub expires_at: i64,
    /// The recipient's signed receipt (opaque to the relay).
    pub receipt: Option<String>,
}

/// A page of `GET /v1/inbox` or `GET /v1/sent`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page {
    /// The messages, oldest first.
    pub messages: Vec<Message>,
    /// Cursor for the next page, when there may be more.
    pub next: Option<i64>,
}

/// What `POST /v1/messages` returns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadResponse {
    /// The message id.
    pub id: String,
    /// Its state.
    pub state: MessageState,
    /// Whether this upload repeated an earlier one (same idempotency key) and stored nothing.
    pub duplicate: bool,
}

/// `POST /v1/messages/{id}/ack`: the recipient's signed receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AckRequest {
    /// Signed receipt (opaque to the relay), passed to the sender.
    pub receipt: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_state_reads_back_from_its_text() {
        for s in MessageState::ALL {
            assert_eq!(s.as_str().parse::<MessageState>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
