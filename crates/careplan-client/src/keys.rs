//! The office's private keys: made on this machine, never sent anywhere, encrypted at rest.
//!
//! Two keys: ECDSA P-256 for TLS client authentication and for signing manifests and receipts,
//! and X25519 (age) for receiving encrypted files. Both are kept in one file sealed with age:
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

/// The office's two private keys.
pub struct OfficeKeys {
    signing_pkcs8: Vec<u8>,
    signer: EcdsaKeyPair,
    encryption: age::x25519::Identity,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    signing_pkcs8: String,
    encryption: String,
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
        Self::from_parts(pkcs8.as_ref().to_vec(), age::x25519::Identity::generate())
    }

    fn from_parts(signing_pkcs8: Vec<u8>, encryption: age::x25519::Identity) -> Result<OfficeKeys> {
        let signer = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &signing_pkcs8,
            &SystemRandom::new(),
        )
        .map_err(crypto)?;
        Ok(OfficeKeys {
            signing_pkcs8,
            signer,
            encryption,
        })
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
        self.encryption.to_public().to_string()
    }

    /// The identity that decrypts files sent to this office.
    pub fn encryption_identity(&self) -> &age::x25519::Identity {
        &self.encryption
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
        let plain = serde_json::to_vec(&Sealed {
            signing_pkcs8: BASE64.encode(&self.signing_pkcs8),
            encryption: self.encryption.to_string().expose_secret().to_owned(),
        })
        .map_err(crypto)?;
        match protection {
            Protection::OsKeyStore { account } => {
                let wrapping = age::x25519::Identity::generate();
                keystore_set(account, wrapping.to_string().expose_secret())?;
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
        Self::from_parts(
            BASE64
                .decode(sealed.signing_pkcs8.as_bytes())
                .map_err(crypto)?,
            age::x25519::Identity::from_str(&sealed.encryption).map_err(crypto)?,
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
        let identity = keys.encryption.to_string().expose_secret().to_owned();
        let sealed_text = String::from_utf8_lossy(&sealed);
        assert!(!sealed_text.contains(&identity));
        assert!(!sealed_text.contains(&BASE64.encode(keys.signing_pkcs8())));
        assert!(
            !sealed
                .windows(keys.signing_pkcs8().len())
                .any(|w| w == keys.signing_pkcs8())
        );
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
