//! What travels end to end: the file encrypted to the recipient (age/X25519), a manifest signed
//! by the sender and a receipt signed by the recipient. The relay carries all three and can read
//! none of the care data.
//!
//! A signed statement is `base64url(JSON) "." base64url(ECDSA P-256 SHA-256 signature over the
//! JSON bytes)`: compact, header-safe and checked against the signer's certificate from the
//! relay's CA.

use data_encoding::BASE64URL_NOPAD;
use rustls::pki_types::{CertificateDer, UnixTime};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::error::{ClientError, Result};
use crate::keys::OfficeKeys;

pub(crate) const OFFICE_URI: &str = "urn:kizuna:office:";
pub(crate) const AGE_URI: &str = "urn:kizuna:age:";

/// The manifest is part of the relay's contract (the relay reads its routing fields).
pub use careplan_protocol::{MANIFEST_TYPE, Manifest};

/// Receipt type tag.
pub const RECEIPT_TYPE: &str = "kizuna-receipt/1";

/// What the recipient signs after receiving: proof of delivery for audits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Always `kizuna-receipt/1`.
    pub r#type: String,
    /// The relay's message id.
    pub message_id: String,
    /// The standard file name.
    pub file_name: String,
    /// SHA-256 of the bytes received (after decryption), hex; empty when they could not be read.
    pub sha256: String,
    /// Sender office.
    pub sender: String,
    /// Recipient office (the signer).
    pub recipient: String,
    /// Unix seconds.
    pub received_at: i64,
    /// `accepted`, or `rejected` when the file failed verification.
    pub outcome: String,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Signs `value` as a compact statement.
pub fn sign<T: Serialize>(keys: &OfficeKeys, value: &T) -> Result<String> {
    let json = serde_json::to_vec(value).map_err(|e| ClientError::Format(e.to_string()))?;
    let sig = keys.sign(&json)?;
    Ok(format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(&json),
        BASE64URL_NOPAD.encode(&sig)
    ))
}

/// Why a signed statement or an envelope was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a statement of this format.
    #[error("malformed signed statement")]
    Malformed,
    /// The signature does not match the signer's certificate.
    #[error("signature does not verify")]
    BadSignature,
    /// The certificate does not chain to the relay's CA, is outside its validity or lacks the
    /// office binding.
    #[error("signer certificate not acceptable: {0}")]
    Certificate(String),
    /// The statement was made by another office than the one it claims.
    #[error("signed by {actual}, claims {claimed}")]
    WrongSigner {
        /// Office in the statement.
        claimed: String,
        /// Office in the certificate.
        actual: String,
    },
    /// The ciphertext could not be decrypted with this office's key.
    #[error("cannot decrypt: {0}")]
    Decrypt(String),
    /// The decrypted bytes are not the ones the sender signed.
    #[error("content does not match the signed hash")]
    HashMismatch,
    /// The manifest does not describe this message (file name, parties).
    #[error("manifest does not match the message: {0}")]
    Mismatch(String),
}

/// An office certificate that chains to the relay's CA, with what it binds.
#[derive(Debug, Clone)]
pub struct OfficeCertificate {
    /// The office number bound in it.
    pub office: String,
    /// The office's age recipient bound in it.
    pub encryption_key: String,
    /// End of validity (unix seconds).
    pub not_after: i64,
    der: Vec<u8>,
}

impl OfficeCertificate {
    /// Checks `pem` against the CA (`ca_der`) at `now` and reads the office bindings.
    pub fn verify(pem: &str, ca_der: &[u8], now: i64) -> Result<Self, VerifyError> {
        let der = pem_to_der(pem).ok_or(VerifyError::Malformed)?;
        let bad = |e: &dyn std::fmt::Display| VerifyError::Certificate(e.to_string());
        let ca = CertificateDer::from(ca_der);
        let anchor = webpki::anchor_from_trusted_cert(&ca).map_err(|e| bad(&e))?;
        let cert_der = CertificateDer::from(der.as_slice());
        let ee = webpki::EndEntityCert::try_from(&cert_der).map_err(|e| bad(&e))?;
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &[anchor],
            &[],
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(now.max(0) as u64)),
            webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .map_err(|e| bad(&e))?;
        let (_, x509) = x509_parser::parse_x509_certificate(&der).map_err(|e| bad(&e))?;
        let mut office = None;
        let mut encryption_key = None;
        if let Ok(Some(san)) = x509.subject_alternative_name() {
            for name in &san.value.general_names {
                if let x509_parser::extensions::GeneralName::URI(uri) = name {
                    if let Some(o) = uri.strip_prefix(OFFICE_URI) {
                        office = Some(o.to_owned());
                    } else if let Some(k) = uri.strip_prefix(AGE_URI) {
                        encryption_key = Some(k.to_owned());
                    }
                }
            }
        }
        Ok(OfficeCertificate {
            office: office.ok_or_else(|| bad(&"no office binding"))?,
            encryption_key: encryption_key.ok_or_else(|| bad(&"no encryption key binding"))?,
            not_after: x509.validity().not_after.timestamp(),
            der,
        })
    }

    /// Opens a statement signed with this certificate's key.
    pub fn open<T: DeserializeOwned>(&self, statement: &str) -> Result<T, VerifyError> {
        let (body, sig) = statement.split_once('.').ok_or(VerifyError::Malformed)?;
        let json = BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| VerifyError::Malformed)?;
        let sig = BASE64URL_NOPAD
            .decode(sig.as_bytes())
            .map_err(|_| VerifyError::Malformed)?;
        let der = CertificateDer::from(self.der.as_slice());
        let ee = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| VerifyError::Certificate(e.to_string()))?;
        ee.verify_signature(webpki::ring::ECDSA_P256_SHA256, &json, &sig)
            .map_err(|_| VerifyError::BadSignature)?;
        serde_json::from_slice(&json).map_err(|_| VerifyError::Malformed)
    }
}

/// Reads a statement's content without checking it (to learn who claims to have signed it).
pub fn peek<T: DeserializeOwned>(statement: &str) -> Result<T, VerifyError> {
    let body = statement.split_once('.').ok_or(VerifyError::Malformed)?.0;
    let json = BASE64URL_NOPAD
        .decode(body.as_bytes())
        .map_err(|_| VerifyError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| VerifyError::Malformed)
}

/// The DER of the first certificate in a PEM text.
pub fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()?
        .ok()
        .map(|c| c.to_vec())
}

/// SHA-256, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Encrypts `plain` to an age recipient (`age1…`).
pub fn encrypt(recipients: &[String], plain: &[u8]) -> Result<Vec<u8>> {
    let recipients = recipients
        .iter()
        .map(|r| {
            r.parse::<age::x25519::Recipient>()
                .map_err(|e: &str| ClientError::Crypto(e.to_owned()))
        })
        .collect::<Result<Vec<_>>>()?;
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| ClientError::Crypto(e.to_string()))?;
    let mut out = Vec::with_capacity(plain.len() + 256);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| ClientError::Crypto(e.to_string()))?;
    std::io::Write::write_all(&mut writer, plain)
        .and_then(|()| writer.finish().map(drop))
        .map_err(|e| ClientError::Crypto(e.to_string()))?;
    Ok(out)
}

/// Decrypts a file sent to this office.
pub fn decrypt(keys: &OfficeKeys, ciphertext: &[u8]) -> Result<Vec<u8>, VerifyError> {
    keys.decrypt(ciphertext)
        .map_err(|e| VerifyError::Decrypt(e.to_string()))
}

/// Checks a received envelope: the manifest is signed by the sender's certificate, names this
/// message, and the decrypted bytes are the ones it signed. Returns the plaintext.
pub fn open_envelope(
    keys: &OfficeKeys,
    sender_cert: &OfficeCertificate,
    manifest: &str,
    ciphertext: &[u8],
    expect: (&str, &str, &str),
) -> Result<(Manifest, Vec<u8>), VerifyError> {
    let (file_name, sender, recipient) = expect;
    let m: Manifest = sender_cert.open(manifest)?;
    if m.sender != sender_cert.office {
        return Err(VerifyError::WrongSigner {
            claimed: m.sender,
            actual: sender_cert.office.clone(),
        });
    }
    if m.r#type != MANIFEST_TYPE
        || m.file_name != file_name
        || m.sender != sender
        || m.recipient != recipient
    {
        return Err(VerifyError::Mismatch(format!(
            "{} {} → {}",
            m.file_name, m.sender, m.recipient
        )));
    }
    let plain = decrypt(keys, ciphertext)?;
    if plain.len() as u64 != m.size || sha256_hex(&plain) != m.sha256 {
        return Err(VerifyError::HashMismatch);
    }
    Ok((m, plain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ca, office_cert};

    /// The sending office 1320000001: its keys and its verified certificate.
    fn sender() -> (OfficeKeys, OfficeCertificate) {
        let ca = ca();
        let keys = OfficeKeys::generate().unwrap();
        let pem = office_cert(&ca, "1320000001", &keys);
        let cert = OfficeCertificate::verify(&pem, &ca.der, now()).unwrap();
        (keys, cert)
    }

    fn manifest(sha: &str, size: u64) -> Manifest {
        Manifest {
            r#type: MANIFEST_TYPE.into(),
            file_name: "UPJSK_x.CSV".into(),
            sha256: sha.into(),
            size,
            sender: "1320000001".into(),
            recipient: "1310000001".into(),
            created_at: 1,
            idempotency_key: "k".into(),
            recipients: Vec::new(),
            sent_by: None,
        }
    }

    fn now() -> i64 {
        crate::store::now()
    }

    #[test]
    fn a_signed_envelope_opens_for_its_recipient_with_the_exact_bytes() {
        let (sender, cert) = sender();
        let recipient = OfficeKeys::generate().unwrap();
        assert_eq!(cert.office, "1320000001");
        assert_eq!(cert.encryption_key, sender.encryption_recipient());
        let bytes = "ｹｱﾌﾟﾗﾝ,髙橋\r\n".as_bytes();
        let signed = sign(&sender, &manifest(&sha256_hex(bytes), bytes.len() as u64)).unwrap();
        let ct = encrypt(&[recipient.encryption_recipient()], bytes).unwrap();
        let expect = ("UPJSK_x.CSV", "1320000001", "1310000001");
        let (_, plain) = open_envelope(&recipient, &cert, &signed, &ct, expect).unwrap();
        assert_eq!(plain, bytes);
    }

    #[test]
    fn a_manifest_edited_after_signing_does_not_verify() {
        let (sender, cert) = sender();
        let signed = sign(&sender, &manifest("aa", 1)).unwrap();
        let (_, sig) = signed.split_once('.').unwrap();
        let edited = format!(
            "{}.{sig}",
            BASE64URL_NOPAD.encode(&serde_json::to_vec(&manifest("bb", 1)).unwrap())
        );
        assert_eq!(
            cert.open::<Manifest>(&edited),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn bytes_other_than_the_signed_ones_are_refused() {
        let (sender, cert) = sender();
        let recipient = OfficeKeys::generate().unwrap();
        let signed = sign(&sender, &manifest(&sha256_hex(b"signed"), 6)).unwrap();
        let ct = encrypt(&[recipient.encryption_recipient()], b"other!").unwrap();
        let expect = ("UPJSK_x.CSV", "1320000001", "1310000001");
        assert_eq!(
            open_envelope(&recipient, &cert, &signed, &ct, expect).unwrap_err(),
            VerifyError::HashMismatch
        );
    }

    #[test]
    fn a_certificate_from_another_ca_is_not_accepted() {
        let (ours, theirs) = (ca(), ca());
        let keys = OfficeKeys::generate().unwrap();
        let pem = office_cert(&theirs, "1320000001", &keys);
        assert!(matches!(
            OfficeCertificate::verify(&pem, &ours.der, now()),
            Err(VerifyError::Certificate(_))
        ));
    }

    #[test]
    fn a_manifest_for_another_message_is_refused() {
        let (sender, cert) = sender();
        let recipient = OfficeKeys::generate().unwrap();
        let signed = sign(&sender, &manifest(&sha256_hex(b"x"), 1)).unwrap();
        let ct = encrypt(&[recipient.encryption_recipient()], b"x").unwrap();
        let other = ("UPJSK_other.CSV", "1320000001", "1310000001");
        assert!(matches!(
            open_envelope(&recipient, &cert, &signed, &ct, other),
            Err(VerifyError::Mismatch(_))
        ));
    }
}
