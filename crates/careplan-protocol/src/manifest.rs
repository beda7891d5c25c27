//! The manifest: what the sending device signs about a file it sends. The recipient checks the
//! signature and every field; the relay cannot check the signature (it never sees the file) and
//! reads only what it routes and keeps by: the parties, the file name, the upload's key and the
//! recipient devices.

use serde::{Deserialize, Serialize};

/// The manifest type tag.
pub const MANIFEST_TYPE: &str = "kizuna-manifest/1";
/// Largest signed manifest accepted, in bytes: a small signed JSON document.
pub const MAX_MANIFEST: usize = 16 * 1024;

/// What the sender signs about a file it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_TYPE`].
    pub r#type: String,
    /// The standard file name.
    pub file_name: String,
    /// SHA-256 of the exact file bytes, hex.
    pub sha256: String,
    /// Size of the file in bytes.
    pub size: u64,
    /// Sender office.
    pub sender: String,
    /// Recipient office.
    pub recipient: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The upload's idempotency key: ties the manifest to one sending, so a replay shows.
    pub idempotency_key: String,
    /// The recipient devices' encryption keys the file is encrypted to (the relay keeps the
    /// body until each of them fetched it).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The member of staff who sent it ("name (login)"), when one was signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<String>,
}

impl Manifest {
    /// Whether the manifest names exactly this upload: file, sender, recipient and key.
    pub fn names(&self, file_name: &str, sender: &str, recipient: &str, key: &str) -> bool {
        self.r#type == MANIFEST_TYPE
            && self.file_name == file_name
            && self.sender == sender
            && self.recipient == recipient
            && self.idempotency_key == key
    }
}
