//! What the relay reads of a sender's signed manifest: the fields it routes by.
//!
//! The relay does not check the signature (it cannot read the file the manifest speaks of; the
//! recipient checks both), but a manifest must name the very upload it comes with, so a captured
//! body and manifest posted again under a new idempotency key is refused, and altering the key
//! inside the manifest breaks its signature.

pub use careplan_protocol::MAX_MANIFEST;
use careplan_protocol::Manifest;

/// Reads a manifest (`base64url(JSON).signature`) without checking its signature; `None` when it
/// is not one.
pub fn read(manifest: &str) -> Option<Manifest> {
    if manifest.len() > MAX_MANIFEST {
        return None;
    }
    let body = manifest.split_once('.')?.0;
    let json = data_encoding::BASE64URL_NOPAD
        .decode(body.as_bytes())
        .ok()?;
    serde_json::from_slice(&json).ok()
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
        let m = read(&manifest(GOOD)).unwrap();
        assert!(m.names("F.CSV", "1310000001", "1320000001", "k1"));
    }

    #[test]
    fn a_manifest_does_not_name_an_upload_under_another_key() {
        let m = read(&manifest(GOOD)).unwrap();
        assert!(!m.names("F.CSV", "1310000001", "1320000001", "k2"));
        assert!(!m.names("F.CSV", "1310000001", "1320000002", "k1"));
    }

    #[test]
    fn what_is_not_a_manifest_is_not_read() {
        assert!(read("no-dot").is_none());
        assert!(read("!!!.sig").is_none());
        assert!(read(&manifest("[1,2]")).is_none());
        let huge = manifest(&format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_MANIFEST)));
        assert!(read(&huge).is_none());
    }
}
