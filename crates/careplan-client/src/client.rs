//! An opened profile: keys unlocked, relay connection ready, database open.

use std::path::{Path, PathBuf};

use crate::envelope::{self, OfficeCertificate};
use crate::error::{ClientError, Result};
use crate::keys::{OfficeKeys, Protection};
use crate::profile::{Paths, ProfileConfig, write_atomic};
use crate::relay::{EnrollRequest, RelayApi};
use crate::store::{Db, now};
use crate::tls;

/// What an office gives to enrol.
pub struct Enrolment<'a> {
    /// Base URL of the relay, e.g. `https://relay.example:8443`.
    pub relay_url: &'a str,
    /// SHA-256 fingerprint of the relay's CA as handed out by its administrator.
    pub ca_fingerprint: &'a str,
    /// 事業所番号.
    pub office: &'a str,
    /// The office's password.
    pub password: &'a str,
    /// One-time code, for offices with a second factor.
    pub totp: Option<&'a str>,
    /// Seal the keys with this passphrase instead of the OS key store.
    pub passphrase: Option<&'a str>,
}

/// One enrolled office, ready to send and receive.
pub struct Client {
    pub(crate) dir: PathBuf,
    pub(crate) config: ProfileConfig,
    pub(crate) keys: OfficeKeys,
    pub(crate) ca_der: Vec<u8>,
    pub(crate) api: RelayApi,
    pub(crate) db: Db,
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| ClientError::io(path, e))
}

impl Client {
    /// Enrols an office into the profile folder `dir` and opens it.
    pub async fn enroll(dir: &Path, e: Enrolment<'_>) -> Result<Client> {
        let paths = Paths::new(dir);
        if paths.config.exists() {
            return Err(ClientError::AlreadyEnrolled(dir.display().to_string()));
        }
        let pin =
            tls::normalise_fingerprint(e.ca_fingerprint).ok_or(ClientError::BadFingerprint)?;
        std::fs::create_dir_all(dir).map_err(|err| ClientError::io(dir, err))?;
        let keys = OfficeKeys::generate()?;
        let protection = match e.passphrase {
            Some(_) => Protection::Passphrase,
            None => Protection::OsKeyStore {
                account: format!("{}-{}", e.office, hex::encode(rand::random::<[u8; 6]>())),
            },
        };
        // Sealing first: an unusable key store shows before the relay issues anything.
        let sealed = keys.seal(&protection, e.passphrase)?;
        let api = RelayApi::pinned(e.relay_url, &pin)?;
        let csr = keys.csr_pem(e.office)?;
        let answer = api
            .enroll(&EnrollRequest {
                office: e.office,
                password: e.password,
                csr_pem: &csr,
                encryption_key: &keys.encryption_recipient(),
                totp: e.totp,
            })
            .await?;
        let ca_der = envelope::pem_to_der(&answer.ca_pem)
            .ok_or_else(|| ClientError::Format("CA certificate".into()))?;
        if tls::fingerprint(&ca_der) != pin {
            return Err(ClientError::FingerprintMismatch);
        }
        let cert = OfficeCertificate::verify(&answer.certificate_pem, &ca_der, now())
            .map_err(|err| ClientError::Crypto(err.to_string()))?;
        if cert.office != e.office || cert.encryption_key != keys.encryption_recipient() {
            return Err(ClientError::Crypto(
                "the relay issued a certificate for other keys".into(),
            ));
        }
        write_atomic(&paths.keys, &sealed, true)?;
        write_atomic(&paths.ca, answer.ca_pem.as_bytes(), false)?;
        write_atomic(&paths.cert, answer.certificate_pem.as_bytes(), false)?;
        let config = ProfileConfig {
            relay_url: e.relay_url.trim_end_matches('/').to_owned(),
            ca_fingerprint: pin,
            office: answer.office.number.clone(),
            office_name: answer.office.name.clone(),
            office_kind: answer.office.kind.clone(),
            cert_serial: answer.serial.clone(),
            cert_not_after: answer.not_after,
            protection,
            receive_dir: None,
        };
        config.save(dir)?;
        Client::open(dir, e.passphrase)
    }

    /// Opens an enrolled profile; `passphrase` for profiles sealed with one.
    pub fn open(dir: &Path, passphrase: Option<&str>) -> Result<Client> {
        let config = ProfileConfig::load(dir)?;
        let paths = Paths::new(dir);
        let keys = OfficeKeys::unseal(&read(&paths.keys)?, &config.protection, passphrase)?;
        let ca_pem = String::from_utf8_lossy(&read(&paths.ca)?).into_owned();
        let ca_der = envelope::pem_to_der(&ca_pem)
            .ok_or_else(|| ClientError::Format("CA certificate".into()))?;
        if tls::fingerprint(&ca_der) != config.ca_fingerprint {
            return Err(ClientError::FingerprintMismatch);
        }
        let cert_pem = String::from_utf8_lossy(&read(&paths.cert)?).into_owned();
        let cert_der = envelope::pem_to_der(&cert_pem)
            .ok_or_else(|| ClientError::Format("office certificate".into()))?;
        let api = RelayApi::office(&config.relay_url, &ca_der, &cert_der, keys.signing_pkcs8())?;
        let db = Db::open(&paths.db)?;
        Ok(Client {
            dir: dir.to_owned(),
            config,
            keys,
            ca_der,
            api,
            db,
        })
    }

    /// The profile's settings.
    pub fn config(&self) -> &ProfileConfig {
        &self.config
    }

    /// The profile's database (history, counts).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The relay connection.
    pub fn api(&self) -> &RelayApi {
        &self.api
    }

    /// Days until the office certificate ends (negative once it has).
    pub fn certificate_days_left(&self) -> i64 {
        (self.config.cert_not_after - now()).div_euclid(86_400)
    }

    /// Refuses early, with a clear reason, when the office certificate has ended.
    pub(crate) fn ensure_certificate_valid(&self) -> Result<()> {
        if self.config.cert_not_after <= now() {
            return Err(ClientError::CertificateRefused(
                "certificate_expired".into(),
            ));
        }
        Ok(())
    }

    /// A partner's certificate from the directory, checked against the pinned CA; its name is
    /// remembered for the history.
    pub(crate) async fn partner_certificate(&self, office: &str) -> Result<OfficeCertificate> {
        let entry = self.api.directory(office).await?;
        self.db
            .remember_partner(&entry.number, &entry.name, &entry.kind)?;
        if !entry.active {
            return Err(ClientError::RecipientUnavailable(office.to_owned()));
        }
        let pem = entry
            .certificate_pem
            .ok_or_else(|| ClientError::RecipientUnavailable(office.to_owned()))?;
        let cert = OfficeCertificate::verify(&pem, &self.ca_der, now()).map_err(|e| {
            ClientError::PartnerCertificate {
                office: office.to_owned(),
                reason: e.to_string(),
            }
        })?;
        if cert.office != office {
            return Err(ClientError::PartnerCertificate {
                office: office.to_owned(),
                reason: format!("certificate names {}", cert.office),
            });
        }
        Ok(cert)
    }

    /// Where quarantined files go.
    pub(crate) fn quarantine_dir(&self) -> PathBuf {
        Paths::new(&self.dir).quarantine
    }
}
