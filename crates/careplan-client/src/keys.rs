//! The office's private keys: made on this machine, never sent anywhere, encrypted at rest.
//!
//! Two keys: ECDSA P-256 for TLS client authentication and for signing manifests and receipts,
//! and X25519 (age) for receiving encrypted files. The encryption key is replaced at each
//! renewal; the one before stays for [`EARLIER_KEY_DAYS`] so that files already on their way to
//! it can still be opened, then it is erased. Both are kept in one file sealed with age:
//! either to a random wrapping key that lives in the OS key store (Windows Credential Manager,
//! macOS Keychain, Secret Service), or, where there is no key store (headless machines, CI), to a
//! passphrase the office chose explicitly. They are never written in the clear.

use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use data_encoding::BASE64;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};

/// scrypt work factor (log2 N) for passphrase-sealed keys: about a tenth of a second here, so
/// every command can unlock the keys, while guessing stays costly.
const PASSPHRASE_WORK_FACTOR: u8 = 16;

/// Name the wrapping keys are filed under in the OS key store.
const KEYSTORE_SERVICE: &str = "Kizuna";

/// How the office keys are protected at rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "method")]
pub enum Protection {
    /// Sealed to a wrapping key stored in the OS key store under this account name.
    OsKeyStore {
        /// The key store entry's account name.
        account: String,
    },
    /// Sealed to a passphrase (scrypt) the user gives each time.
    Passphrase,
}

/// Days an encryption key replaced at renewal stays usable for files sent to it before: longer
/// than the relay keeps an unfetched file (30 days unless its administrator changed it).
pub const EARLIER_KEY_DAYS: i64 = 45;

/// The device's private keys.
pub struct OfficeKeys {
    signing_pkcs8: Vec<u8>,
    signer: EcdsaKeyPair,
    // Replaced at renewal while the client is shared.
    encryption: std::sync::RwLock<EncryptionKeys>,
}

/// The encryption key in use and the ones kept beside it.
#[derive(Clone)]
struct EncryptionKeys {
    current: age::x25519::Identity,
    earlier: Vec<EarlierKey>,
}

/// An encryption key other than the current one: replaced at renewal (kept until `until`), or
/// made for a renewal that has not been confirmed yet (`until` none), which the relay may have
/// bound to a certificate all the same.
#[derive(Clone)]
struct EarlierKey {
    identity: age::x25519::Identity,
    until: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    signing_pkcs8: String,
    encryption: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    earlier: Vec<SealedEarlier>,
}

#[derive(Serialize, Deserialize)]
struct SealedEarlier {
    encryption: String,
    until: Option<i64>,
}

fn crypto(e: impl std::fmt::Display) -> ClientError {
    ClientError::Crypto(e.to_string())
}

impl OfficeKeys {
    /// Makes new keys.
    pub fn generate() -> Result<OfficeKeys> {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
                .map_err(crypto)?;
        Self::from_parts(
            pkcs8.as_ref().to_vec(),
            EncryptionKeys {
                current: age::x25519::Identity::generate(),
                earlier: Vec::new(),
            },
        )
    }

    fn from_parts(signing_pkcs8: Vec<u8>, encryption: EncryptionKeys) -> Result<OfficeKeys> {
        let signer = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &signing_pkcs8,
            &SystemRandom::new(),
        )
        .map_err(crypto)?;
        Ok(OfficeKeys {
            signing_pkcs8,
            signer,
            encryption: std::sync::RwLock::new(encryption),
        })
    }

    fn encryption(&self) -> EncryptionKeys {
        self.encryption
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Makes a new encryption key for a renewal and keeps it beside the current one (so the keys
    /// can be sealed with it before the relay is asked); answers its recipient.
    pub fn add_next_encryption_key(&self) -> String {
        let next = age::x25519::Identity::generate();
        let recipient = next.to_public().to_string();
        self.encryption
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .earlier
            .push(EarlierKey {
                identity: next,
                until: None,
            });
        recipient
    }

    /// Makes the key made for a renewal (`recipient`) the current one; the one before, and any
    /// made for renewals never confirmed, are kept until `until` for files sent to them.
    pub fn rotate_to(&self, recipient: &str, until: i64) -> Result<()> {
        let mut keys = self.encryption.write().unwrap_or_else(|p| p.into_inner());
        let i = keys
            .earlier
            .iter()
            .position(|k| k.until.is_none() && k.identity.to_public().to_string() == recipient)
            .ok_or_else(|| crypto("no key was made for this renewal"))?;
        let next = keys.earlier.remove(i).identity;
        let before = std::mem::replace(&mut keys.current, next);
        keys.earlier.push(EarlierKey {
            identity: before,
            until: Some(until),
        });
        for k in &mut keys.earlier {
            k.until.get_or_insert(until);
        }
        Ok(())
    }

    /// Erases the earlier keys whose time ended by `now`; answers whether any was.
    pub fn erase_earlier_keys(&self, now: i64) -> bool {
        let mut keys = self.encryption.write().unwrap_or_else(|p| p.into_inner());
        let before = keys.earlier.len();
        keys.earlier
            .retain(|k| k.until.is_none_or(|until| until > now));
        keys.earlier.len() != before
    }

    /// When the next earlier key is due to be erased, if one is.
    pub fn next_erasure(&self) -> Option<i64> {
        self.encryption()
            .earlier
            .iter()
            .filter_map(|k| k.until)
            .min()
    }

    /// A certificate signing request for the relay's CA (only its public key is used there).
    pub fn csr_pem(&self, office: &str) -> Result<String> {
        let key = self.rcgen_key()?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(crypto)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, office);
        params
            .serialize_request(&key)
            .and_then(|csr| csr.pem())
            .map_err(crypto)
    }

    fn rcgen_key(&self) -> Result<rcgen::KeyPair> {
        let der = rustls::pki_types::PrivatePkcs8KeyDer::from(self.signing_pkcs8.as_slice());
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(crypto)
    }

    /// The signing key as PKCS#8 DER, for the TLS client configuration.
    pub fn signing_pkcs8(&self) -> &[u8] {
        &self.signing_pkcs8
    }

    /// The public signing key (uncompressed point), to check a certificate is ours.
    pub fn signing_public_key(&self) -> &[u8] {
        self.signer.public_key().as_ref()
    }

    /// The age recipient others encrypt to (`age1…`).
    pub fn encryption_recipient(&self) -> String {
        self.encryption().current.to_public().to_string()
    }

    /// The recipients of every encryption key this device holds: the current one and those kept
    /// beside it.
    pub fn recipients(&self) -> Vec<String> {
        let keys = self.encryption();
        std::iter::once(&keys.current)
            .chain(keys.earlier.iter().map(|k| &k.identity))
            .map(|i| i.to_public().to_string())
            .collect()
    }

    /// Decrypts what was encrypted to this device's current key or to one it still keeps.
    pub fn decrypt(&self, ciphertext: &[u8]) -> std::result::Result<Vec<u8>, age::DecryptError> {
        let keys = self.encryption();
        let identities: Vec<&dyn age::Identity> = std::iter::once(&keys.current)
            .chain(keys.earlier.iter().map(|k| &k.identity))
            .map(|i| i as &dyn age::Identity)
            .collect();
        let decryptor = age::Decryptor::new_buffered(ciphertext)?;
        let mut reader = decryptor.decrypt(identities.into_iter())?;
        let mut plain = Vec::with_capacity(ciphertext.len());
        std::io::Read::read_to_end(&mut reader, &mut plain)?;
        Ok(plain)
    }

    /// ECDSA P-256 / SHA-256 signature (ASN.1 DER) over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.signer
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(crypto)
    }

    /// Seals the keys for storage under `protection`; `passphrase` is needed for
    /// [`Protection::Passphrase`].
    pub fn seal(&self, protection: &Protection, passphrase: Option<&str>) -> Result<Vec<u8>> {
        self.seal_with(protection, passphrase, true)
    }

    /// Seals the keys again, as [`OfficeKeys::seal`] but with the wrapping key already in the OS
    /// key store: a crash between the two writes never leaves keys no wrapping key opens.
    pub fn reseal(&self, protection: &Protection, passphrase: Option<&str>) -> Result<Vec<u8>> {
        self.seal_with(protection, passphrase, false)
    }

    fn seal_with(
        &self,
        protection: &Protection,
        passphrase: Option<&str>,
        new_wrapping: bool,
    ) -> Result<Vec<u8>> {
        let keys = self.encryption();
        let plain = serde_json::to_vec(&Sealed {
            signing_pkcs8: BASE64.encode(&self.signing_pkcs8),
            encryption: keys.current.to_string().expose_secret().to_owned(),
            earlier: keys
                .earlier
                .iter()
                .map(|k| SealedEarlier {
                    encryption: k.identity.to_string().expose_secret().to_owned(),
                    until: k.until,
                })
                .collect(),
        })
        .map_err(crypto)?;
        match protection {
            Protection::OsKeyStore { account } if new_wrapping => {
                let wrapping = age::x25519::Identity::generate();
                keystore_set(account, wrapping.to_string().expose_secret())?;
                age::encrypt(&wrapping.to_public(), &plain).map_err(crypto)
            }
            Protection::OsKeyStore { account } => {
                let wrapping = age::x25519::Identity::from_str(&keystore_get(account)?)
                    .map_err(|e| ClientError::KeysLocked(e.to_string()))?;
                age::encrypt(&wrapping.to_public(), &plain).map_err(crypto)
            }
            Protection::Passphrase => {
                let pass = passphrase.ok_or_else(|| {
                    ClientError::KeysLocked("a passphrase is required".to_owned())
                })?;
                let mut recipient =
                    age::scrypt::Recipient::new(SecretString::from(pass.to_owned()));
                recipient.set_work_factor(PASSPHRASE_WORK_FACTOR);
                age::encrypt(&recipient, &plain).map_err(crypto)
            }
        }
    }

    /// Opens keys sealed by [`OfficeKeys::seal`].
    pub fn unseal(
        sealed: &[u8],
        protection: &Protection,
        passphrase: Option<&str>,
    ) -> Result<Self> {
        let plain = match protection {
            Protection::OsKeyStore { account } => {
                let wrapping = age::x25519::Identity::from_str(&keystore_get(account)?)
                    .map_err(|e| ClientError::KeysLocked(e.to_string()))?;
                age::decrypt(&wrapping, sealed)
            }
            Protection::Passphrase => {
                let pass = passphrase.ok_or_else(|| {
                    ClientError::KeysLocked("a passphrase is required".to_owned())
                })?;
                age::decrypt(
                    &age::scrypt::Identity::new(SecretString::from(pass.to_owned())),
                    sealed,
                )
            }
        }
        .map_err(|e| ClientError::KeysLocked(e.to_string()))?;
        let sealed: Sealed = serde_json::from_slice(&plain).map_err(crypto)?;
        let identity = |s: &str| age::x25519::Identity::from_str(s).map_err(crypto);
        Self::from_parts(
            BASE64
                .decode(sealed.signing_pkcs8.as_bytes())
                .map_err(crypto)?,
            EncryptionKeys {
                current: identity(&sealed.encryption)?,
                earlier: sealed
                    .earlier
                    .iter()
                    .map(|k| {
                        Ok(EarlierKey {
                            identity: identity(&k.encryption)?,
                            until: k.until,
                        })
                    })
                    .collect::<Result<_>>()?,
            },
        )
    }

    /// Removes the wrapping key from the OS key store (when a profile is deleted).
    pub fn forget(protection: &Protection) {
        if let Protection::OsKeyStore { account } = protection {
            let _ =
                keyring::Entry::new(KEYSTORE_SERVICE, account).and_then(|e| e.delete_credential());
        }
    }
}

fn keystore_set(account: &str, secret: &str) -> Result<()> {
    keyring::Entry::new(KEYSTORE_SERVICE, account)
        .and_then(|entry| entry.set_password(secret))
        .map_err(|e| ClientError::KeyStoreUnavailable(e.to_string()))
}

fn keystore_get(account: &str) -> Result<String> {
    keyring::Entry::new(KEYSTORE_SERVICE, account)
        .and_then(|entry| entry.get_password())
        .map_err(|e| ClientError::KeysLocked(format!("OS key store: {e}")))
}

/// The passphrase given in `KIZUNA_KEY_PASSPHRASE` (scripts, tests and PCs without a key store
/// opt in with it); unset or empty is none.
pub fn passphrase_from_env() -> Option<String> {
    std::env::var("KIZUNA_KEY_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrase_sealed_keys_open_with_the_same_passphrase_only() {
        let keys = OfficeKeys::generate().unwrap();
        let sealed = keys.seal(&Protection::Passphrase, Some("梅-2026")).unwrap();
        let back = OfficeKeys::unseal(&sealed, &Protection::Passphrase, Some("梅-2026")).unwrap();
        assert_eq!(back.signing_pkcs8(), keys.signing_pkcs8());
        assert_eq!(back.encryption_recipient(), keys.encryption_recipient());
        assert!(matches!(
            OfficeKeys::unseal(&sealed, &Protection::Passphrase, Some("wrong")),
            Err(ClientError::KeysLocked(_))
        ));
    }

    #[test]
    fn sealed_keys_hold_no_key_material_in_the_clear() {
        let keys = OfficeKeys::generate().unwrap();
        let sealed = keys.seal(&Protection::Passphrase, Some("p")).unwrap();
        let identity = keys
            .encryption()
            .current
            .to_string()
            .expose_secret()
            .to_owned();
        let sealed_text = String::from_utf8_lossy(&sealed);
        assert!(!sealed_text.contains(&identity));
        assert!(!sealed_text.contains(&BASE64.encode(keys.signing_pkcs8())));
        assert!(
            !sealed
                .windows(keys.signing_pkcs8().len())
                .any(|w| w == keys.signing_pkcs8())
        );
    }

    fn sealed_to(recipient: &str, plain: &[u8]) -> Vec<u8> {
        let r = age::x25519::Recipient::from_str(recipient).unwrap();
        age::encrypt(&r, plain).unwrap()
    }

    #[test]
    fn after_a_rotation_files_to_the_key_before_open_until_it_is_erased() {
        let keys = OfficeKeys::generate().unwrap();
        let before = keys.encryption_recipient();
        let in_flight = sealed_to(&before, b"plan");
        let next = keys.add_next_encryption_key();
        keys.rotate_to(&next, 1_000).unwrap();
        assert_eq!(keys.encryption_recipient(), next);
        assert_eq!(keys.decrypt(&in_flight).unwrap(), b"plan");
        assert_eq!(keys.decrypt(&sealed_to(&next, b"new")).unwrap(), b"new");
        assert_eq!(keys.next_erasure(), Some(1_000));
        assert!(!keys.erase_earlier_keys(999));
        assert!(keys.erase_earlier_keys(1_000));
        assert!(keys.decrypt(&in_flight).is_err(), "erased");
        assert_eq!(keys.next_erasure(), None);
    }

    #[test]
    fn a_key_made_for_a_renewal_that_never_finished_still_opens_files_and_is_kept() {
        let keys = OfficeKeys::generate().unwrap();
        // The relay bound it to a certificate, then the answer was lost.
        let lost = keys.add_next_encryption_key();
        let sealed = keys.seal(&Protection::Passphrase, Some("p")).unwrap();
        let back = OfficeKeys::unseal(&sealed, &Protection::Passphrase, Some("p")).unwrap();
        let to_lost = sealed_to(&lost, b"sent meanwhile");
        assert_eq!(back.decrypt(&to_lost).unwrap(), b"sent meanwhile");
        assert_eq!(back.next_erasure(), None, "kept until a renewal finishes");
        let next = back.add_next_encryption_key();
        back.rotate_to(&next, 5_000).unwrap();
        assert_eq!(back.decrypt(&to_lost).unwrap(), b"sent meanwhile");
        assert!(back.erase_earlier_keys(5_000));
        assert!(back.decrypt(&to_lost).is_err());
    }

    #[test]
    fn a_rotation_to_a_key_never_made_here_is_refused() {
        let keys = OfficeKeys::generate().unwrap();
        let stranger = age::x25519::Identity::generate().to_public().to_string();
        assert!(keys.rotate_to(&stranger, 1).is_err());
        assert_ne!(keys.encryption_recipient(), stranger);
    }

    #[test]
    fn csr_carries_the_signing_public_key() {
        let keys = OfficeKeys::generate().unwrap();
        let pem = keys.csr_pem("1310000001").unwrap();
        let csr = rcgen::CertificateSigningRequestParams::from_pem(&pem).unwrap();
        use rcgen::PublicKeyData;
        assert_eq!(csr.public_key.der_bytes(), keys.signing_public_key());
    }
}
