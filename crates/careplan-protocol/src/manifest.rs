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
    /// Reads a signed manifest (`base64url(JSON).signature`) without checking its signature,
    /// for what is routed and kept by (the relay) or decided before a download (whether it is
    /// for this device); `None` when it is not one. Whoever acts on its content checks the
    /// signature first.
    pub fn read_unverified(signed: &str) -> Option<Manifest> {
        if signed.len() > MAX_MANIFEST {
            return None;
        }
        let body = signed.split_once('.')?.0;
        let json = data_encoding::BASE64URL_NOPAD
            .decode(body.as_bytes())
            .ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// Whether the manifest names exactly this upload: file, sender, recipient and key.
    pub fn names(&self, file_name: &str, sender: &str, recipient: &str, key: &str) -> bool {
        self.r#type == MANIFEST_TYPE
            && self.file_name == file_name
            && self.sender == sender
            && self.recipient == recipient
            && self.idempotency_key == key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(json: &str) -> String {
        format!(
            "{}.c2ln",
            data_encoding::BASE64URL_NOPAD.encode(json.as_bytes())
        )
    }

    const GOOD: &str = r#"{"type":"kizuna-manifest/1","file_name":"F.CSV","sender":"1310000001","recipient":"1320000001","idempotency_key":"k1","sha256":"00","size":1,"created_at":0}"#;

    #[test]
    fn a_manifest_names_the_upload_it_was_signed_for() {
        let m = Manifest::read_unverified(&manifest(GOOD)).unwrap();
        assert!(m.names("F.CSV", "1310000001", "1320000001", "k1"));
    }

    #[test]
    fn a_manifest_does_not_name_an_upload_under_another_key() {
        let m = Manifest::read_unverified(&manifest(GOOD)).unwrap();
        assert!(!m.names("F.CSV", "1310000001", "1320000001", "k2"));
        assert!(!m.names("F.CSV", "1310000001", "1320000002", "k1"));
    }

    #[test]
    fn what_is_not_a_manifest_is_not_read() {
        assert!(Manifest::read_unverified("no-dot").is_none());
        assert!(Manifest::read_unverified("!!!.sig").is_none());
        assert!(Manifest::read_unverified(&manifest("[1,2]")).is_none());
        let huge = manifest(&format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_MANIFEST)));
        assert!(Manifest::read_unverified(&huge).is_none());
    }
}
