//! An opened profile: keys unlocked, relay connection ready, database open.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use crate::envelope::{self, OfficeCertificate};
use crate::error::{CertRefusal, ClientError, Result};
use crate::keys::{OfficeKeys, Protection};
use crate::profile::{Paths, ProfileConfig, write_atomic};
use crate::relay::RelayApi;
use crate::store::{Db, now};
use crate::tls;
use careplan_protocol::{
    DeviceRequest, DeviceRequestCreated, EnrollRequest, EnrollResponse, RequestState,
};

/// The relay's address as given (`https://relay.example:8443`), or several of its nodes'
/// separated by commas or spaces: the first, and the others.
fn relay_addresses(given: &str) -> (String, Vec<String>) {
    let mut all = given
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .map(|a| a.trim_end_matches('/').to_owned());
    let first = all.next().unwrap_or_default();
    (first, all.collect())
}

/// What an office gives to enrol.
pub struct Enrolment<'a> {
    /// Base URL of the relay, e.g. `https://relay.example:8443` (or the addresses of its nodes,
    /// separated by commas).
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
    /// HTTPS proxy to reach the relay through (kept in the settings); `None` for the system's.
    pub proxy: Option<&'a str>,
    /// What the office calls this PC or profile; `None` for the computer's name.
    pub device_name: Option<&'a str>,
}

/// The computer's name, as a device name when none is given.
fn computer_name() -> Option<String> {
    ["COMPUTERNAME", "HOSTNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|n| n.trim().chars().take(64).collect::<String>())
        .filter(|n| !n.is_empty())
}

/// The meta entry naming the key the kept copies are sealed to.
const SEALED_TO: &str = "sealed_to";

/// One enrolled office, ready to send and receive.
pub struct Client {
    pub(crate) dir: PathBuf,
    /// This office's number (never changes for a profile).
    pub(crate) office: String,
    // Renewal replaces the certificate, and with it the connection, while the client is shared.
    config: RwLock<ProfileConfig>,
    pub(crate) keys: OfficeKeys,
    pub(crate) ca_der: Vec<u8>,
    api: RwLock<Arc<RelayApi>>,
    pub(crate) db: Db,
    /// The passphrase the keys were opened with, for sealing them again when the encryption key
    /// changes (renewal, erasure of an earlier key); none for keys in the OS key store.
    passphrase: Option<age::secrecy::SecretString>,
    /// Held while the outbox is flushed: the app's send button and the background loop may both
    /// flush, and each would otherwise upload (and record) the same queued file.
    pub(crate) flushing: tokio::sync::Mutex<()>,
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| ClientError::io(path, e))
}

/// The proxy setting of the profile in `dir`, if any.
fn proxy_setting(dir: &Path) -> Option<String> {
    crate::settings::Settings::load(dir)
        .ok()
        .and_then(|s| s.proxy)
}

// The mutually authenticated connection with the certificate on disk.
fn connect(
    dir: &Path,
    config: &ProfileConfig,
    ca_der: &[u8],
    keys: &OfficeKeys,
) -> Result<RelayApi> {
    let cert_pem = String::from_utf8_lossy(&read(&Paths::new(dir).cert)?).into_owned();
    let cert_der = envelope::pem_to_der(&cert_pem)
        .ok_or_else(|| ClientError::Format("office certificate".into()))?;
    Ok(RelayApi::office(
        &config.relay_url,
        ca_der,
        &cert_der,
        keys.signing_pkcs8(),
        proxy_setting(dir).as_deref(),
    )?
    .with_other_nodes(&config.other_relays))
}

impl Client {
    /// Enrols an office into the profile folder `dir` and opens it.
    pub async fn enroll(dir: &Path, e: Enrolment<'_>) -> Result<Client> {
        let p = Prepared::new(dir, &e).await?;
        let answer = p
            .api
            .enroll(&EnrollRequest {
                office: e.office.to_owned(),
                password: e.password.to_owned(),
                csr_pem: p.csr.clone(),
                encryption_key: p.keys.encryption_recipient(),
                totp: e.totp.map(str::to_owned),
                device_name: e.device_name.map(str::to_owned).or_else(computer_name),
            })
            .await?;
        p.finish(dir, &Given::from(&e), answer)
    }

    /// Asks to join the office as a new device without its password: an administrator of the
    /// office approves it on an enrolled device, comparing the code both show. `e.password`
    /// and `e.totp` are not used. Wait on the answer with [`Pairing::wait`].
    pub async fn ask_to_join(dir: &Path, e: Enrolment<'_>) -> Result<Pairing> {
        let p = Prepared::new(dir, &e).await?;
        let device_name = e
            .device_name
            .map(str::to_owned)
            .or_else(computer_name)
            .unwrap_or_else(|| "PC".into());
        let asked = p
            .api
            .ask_device(&DeviceRequest {
                office: e.office.to_owned(),
                csr_pem: p.csr.clone(),
                encryption_key: p.keys.encryption_recipient(),
                device_name,
            })
            .await?;
        Ok(Pairing {
            dir: dir.to_owned(),
            what: (&e).into(),
            prepared: p,
            asked,
        })
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
        let api = connect(dir, &config, &ca_der, &keys)?;
        let db = Db::open(&paths.db)?;
        let client = Client {
            dir: dir.to_owned(),
            office: config.office.clone(),
            config: RwLock::new(config),
            keys,
            ca_der,
            api: RwLock::new(Arc::new(api)),
            db,
            passphrase: passphrase.map(|p| age::secrecy::SecretString::from(p.to_owned())),
            flushing: tokio::sync::Mutex::new(()),
        };
        client.restore_session();
        // Tried again every round; a profile that cannot be written to still opens.
        if let Err(e) = client.keep_keys_tidy() {
            tracing::warn!(error = %e, "earlier encryption keys not tidied");
        }
        Ok(client)
    }

    /// The profile's settings as they are now.
    pub fn config(&self) -> ProfileConfig {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The profile's database (history, counts).
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// The relay connection (a renewal or a new proxy setting replaces it).
    pub(crate) fn api(&self) -> Arc<RelayApi> {
        self.api.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sets this PC's relay addresses (the relay's name, or its nodes' addresses, separated by
    /// commas or spaces; the first is tried first) and connects with them; answers them as kept.
    /// The pinned CA stays: an address of anything but this relay cannot be used.
    pub fn set_relay_addresses(&self, given: &str) -> Result<Vec<String>> {
        let (first, others) = relay_addresses(given);
        let mut all: Vec<String> = Vec::new();
        for a in std::iter::once(first).chain(others) {
            if !careplan_protocol::is_relay_address(&a) {
                return Err(ClientError::BadRelayAddress(a));
            }
            if !all.contains(&a) {
                all.push(a);
            }
        }
        let mut config = self.config();
        config.relay_url = all[0].clone();
        config.other_relays = all[1..].to_vec();
        config.save(&self.dir)?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        self.reconnect()?;
        Ok(all)
    }

    /// Connects again with the certificate and proxy setting now in the profile.
    pub fn reconnect(&self) -> Result<()> {
        let api = connect(&self.dir, &self.config(), &self.ca_der, &self.keys)?;
        *self.api.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(api);
        self.restore_session();
        Ok(())
    }

    /// Renews the office certificate with the one in use, before it ends: a new validity and a
    /// new encryption key, no password. The key before stays for files already on their way to
    /// it ([`crate::keys::EARLIER_KEY_DAYS`]), then is erased. Answers the days left afterwards.
    pub async fn renew_certificate(&self) -> Result<i64> {
        self.ensure_certificate_valid()?;
        // Files this device keeps are sealed to its current key; noted before anything changes,
        // so a renewal cut off half-way is finished at the next start.
        if self.db.meta(SEALED_TO)?.is_none() {
            self.db
                .set_meta(SEALED_TO, &self.keys.encryption_recipient())?;
        }
        // The next key is sealed into the profile before the relay hears of it: whatever
        // happens after, what is sent to it can be opened here.
        let next = self.keys.add_next_encryption_key();
        self.save_keys()?;
        let csr = self.keys.csr_pem(&self.office)?;
        let answer = self.api().renew(&csr, &next).await?;
        let cert = OfficeCertificate::verify(&answer.certificate_pem, &self.ca_der, now())
            .map_err(|err| ClientError::Crypto(err.to_string()))?;
        if cert.office != self.office || cert.encryption_key != next {
            return Err(ClientError::Crypto(
                "the relay issued a certificate for other keys".into(),
            ));
        }
        self.keys
            .rotate_to(&next, now() + crate::keys::EARLIER_KEY_DAYS * 86_400)?;
        self.save_keys()?;
        // Certificate next: a crash before the profile is updated leaves it with an earlier end
        // date than the real one, which only makes the app remind too early.
        let paths = Paths::new(&self.dir);
        write_atomic(&paths.cert, answer.certificate_pem.as_bytes(), false)?;
        let mut config = self.config();
        config.cert_serial = answer.serial;
        config.cert_not_after = answer.not_after;
        config.save(&self.dir)?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        self.reconnect()?;
        self.reseal_kept_copies()?;
        tracing::info!(office = %self.office, "certificate renewed with a new encryption key");
        Ok(self.certificate_days_left())
    }

    /// Writes the keys as they are now into the profile, sealed as they were.
    fn save_keys(&self) -> Result<()> {
        let config = self.config();
        let pass = self
            .passphrase
            .as_ref()
            .map(|p| age::secrecy::ExposeSecret::expose_secret(p).to_owned());
        let sealed = crate::work::heavy(|| self.keys.reseal(&config.protection, pass.as_deref()))?;
        write_atomic(&Paths::new(&self.dir).keys, &sealed, true)
    }

    /// Seals the copies this device keeps (sent files waiting, received files) to its current
    /// encryption key, once that key changed: no kept file depends on a key about to be erased.
    fn reseal_kept_copies(&self) -> Result<()> {
        let current = self.keys.encryption_recipient();
        if self.db.meta(SEALED_TO)?.is_none_or(|to| to == current) {
            return self.db.set_meta(SEALED_TO, &current);
        }
        let moved = self.db.reseal(|sealed| {
            let plain = self.keys.decrypt(sealed).ok()?;
            envelope::encrypt(std::slice::from_ref(&current), &plain).ok()
        })?;
        self.db.set_meta(SEALED_TO, &current)?;
        tracing::info!(
            copies = moved,
            "kept copies sealed to the new encryption key"
        );
        Ok(())
    }

    /// Finishes a renewal cut off half-way and erases earlier encryption keys whose time is up;
    /// cheap when there is nothing to do, so every round may call it.
    pub(crate) fn keep_keys_tidy(&self) -> Result<()> {
        self.reseal_kept_copies()?;
        if self.keys.next_erasure().is_some_and(|t| t <= now())
            && self.keys.erase_earlier_keys(now())
        {
            self.save_keys()?;
            tracing::info!(office = %self.office, "an earlier encryption key was erased");
        }
        Ok(())
    }

    /// Days until the office certificate ends (negative once it has).
    pub fn certificate_days_left(&self) -> i64 {
        crate::status::days_left(self.config().cert_not_after)
    }

    /// Refuses early, with a clear reason, when the office certificate has ended.
    pub(crate) fn ensure_certificate_valid(&self) -> Result<()> {
        if self.config().cert_not_after <= now() {
            return Err(ClientError::CertificateRefused(CertRefusal::Expired));
        }
        Ok(())
    }

    /// A partner's devices from the directory, each certificate checked against the pinned CA
    /// and naming the office and the key the directory gives; its name is remembered for the
    /// history.
    pub(crate) async fn partner_devices(&self, office: &str) -> Result<Vec<OfficeCertificate>> {
        let entry = self.api().directory(office).await?;
        self.db.remember_partner(
            &entry.office.number,
            &entry.office.name,
            entry.office.kind.as_str(),
        )?;
        if !entry.active {
            return Err(ClientError::RecipientDisabled(office.to_owned()));
        }
        if entry.devices.is_empty() {
            return Err(ClientError::RecipientNotEnrolled(office.to_owned()));
        }
        let refused = |reason: String| ClientError::PartnerCertificate {
            office: office.to_owned(),
            reason,
        };
        entry
            .devices
            .iter()
            .map(|d| {
                let cert = OfficeCertificate::verify(&d.certificate_pem, &self.ca_der, now())
                    .map_err(|e| refused(e.to_string()))?;
                if cert.office != office {
                    return Err(refused(format!("certificate names {}", cert.office)));
                }
                if cert.encryption_key != d.encryption_key {
                    return Err(refused("the key listed is not the certificate's".into()));
                }
                Ok(cert)
            })
            .collect()
    }

    /// Where quarantined files go.
    pub(crate) fn quarantine_dir(&self) -> PathBuf {
        Paths::new(&self.dir).quarantine
    }
}

/// What an enrolment keeps of what the office gave, once the relay has answered.
#[derive(Clone)]
struct Given {
    relay_url: String,
    office: String,
    passphrase: Option<String>,
    proxy: Option<String>,
}

impl From<&Enrolment<'_>> for Given {
    fn from(e: &Enrolment<'_>) -> Given {
        Given {
            relay_url: e.relay_url.to_owned(),
            office: e.office.to_owned(),
            passphrase: e.passphrase.map(str::to_owned),
            proxy: e.proxy.map(str::to_owned),
        }
    }
}

/// A profile's new keys, sealed and ready, and the pinned connection to ask for a certificate.
struct Prepared {
    pin: String,
    api: RelayApi,
    keys: OfficeKeys,
    sealed: Vec<u8>,
    protection: Protection,
    csr: String,
}

impl Prepared {
    async fn new(dir: &Path, e: &Enrolment<'_>) -> Result<Prepared> {
        let paths = Paths::new(dir);
        if paths.config.exists() {
            return Err(ClientError::AlreadyEnrolled(dir.display().to_string()));
        }
        let pin =
            tls::normalise_fingerprint(e.ca_fingerprint).ok_or(ClientError::BadFingerprint)?;
        // Before anything is made: a wrong proxy setting leaves nothing behind.
        let (first, others) = relay_addresses(e.relay_url);
        let api = RelayApi::pinned(&first, &pin, e.proxy)?.with_other_nodes(&others);
        std::fs::create_dir_all(dir).map_err(|err| ClientError::io(dir, err))?;
        let keys = crate::work::heavy(OfficeKeys::generate)?;
        let protection = match e.passphrase {
            Some(_) => Protection::Passphrase,
            None => Protection::OsKeyStore {
                account: format!("{}-{}", e.office, hex::encode(rand::random::<[u8; 6]>())),
            },
        };
        // Sealing first: an unusable key store shows before the relay issues anything.
        let sealed = crate::work::heavy(|| keys.seal(&protection, e.passphrase))?;
        let csr = keys.csr_pem(e.office)?;
        Ok(Prepared {
            pin,
            api,
            keys,
            sealed,
            protection,
            csr,
        })
    }

    /// Checks the relay's answer against the pinned CA and these keys, writes the profile and
    /// opens it.
    fn finish(self, dir: &Path, e: &Given, answer: EnrollResponse) -> Result<Client> {
        let paths = Paths::new(dir);
        let ca_der = envelope::pem_to_der(&answer.ca_pem)
            .ok_or_else(|| ClientError::Format("CA certificate".into()))?;
        if tls::fingerprint(&ca_der) != self.pin {
            return Err(ClientError::FingerprintMismatch);
        }
        let cert = OfficeCertificate::verify(&answer.certificate_pem, &ca_der, now())
            .map_err(|err| ClientError::Crypto(err.to_string()))?;
        if cert.office != e.office || cert.encryption_key != self.keys.encryption_recipient() {
            return Err(ClientError::Crypto(
                "the relay issued a certificate for other keys".into(),
            ));
        }
        write_atomic(&paths.keys, &self.sealed, true)?;
        write_atomic(&paths.ca, answer.ca_pem.as_bytes(), false)?;
        write_atomic(&paths.cert, answer.certificate_pem.as_bytes(), false)?;
        let (relay_url, other_relays) = relay_addresses(&e.relay_url);
        let config = ProfileConfig {
            relay_url,
            other_relays,
            ca_fingerprint: self.pin,
            office: answer.office.number.clone(),
            office_name: answer.office.name.clone(),
            office_kind: answer.office.kind,
            cert_serial: answer.serial.clone(),
            cert_not_after: answer.not_after,
            protection: self.protection,
            receive_dir: None,
        };
        config.save(dir)?;
        if let Some(proxy) = e.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            let mut settings = crate::settings::Settings::load(dir)?;
            settings.proxy = Some(proxy.trim().to_owned());
            settings.save(dir)?;
        }
        crate::work::heavy(|| Client::open(dir, e.passphrase.as_deref()))
    }
}

/// A device that asked to join its office and waits for an administrator's approval.
pub struct Pairing {
    dir: PathBuf,
    what: Given,
    prepared: Prepared,
    asked: DeviceRequestCreated,
}

impl Pairing {
    /// The six digits to show: the administrator approves the request showing the same.
    pub fn code(&self) -> &str {
        &self.asked.code
    }

    /// When the request lapses, unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.asked.expires_at
    }

    /// Asks the relay once; the enrolment when approved, `None` while waiting.
    async fn answer(&self) -> Result<Option<EnrollResponse>> {
        let status = self
            .prepared
            .api
            .device_request(&self.asked.request, &self.asked.secret)
            .await?;
        match status.state {
            RequestState::Pending => Ok(None),
            RequestState::Approved => status
                .enrolment
                .map(Some)
                .ok_or_else(|| ClientError::Format("approval without a certificate".into())),
            RequestState::Refused => Err(ClientError::DeviceRefused),
            RequestState::Expired => Err(ClientError::DeviceRequestExpired),
        }
    }

    /// Waits for the administrator, asking every `every`, and finishes the enrolment when they
    /// approve; a refusal or a lapsed request is the error.
    pub async fn wait(self, every: std::time::Duration) -> Result<Client> {
        loop {
            if let Some(answer) = self.answer().await? {
                return self.prepared.finish(&self.dir, &self.what, answer);
            }
            tokio::time::sleep(every).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewReceived;
    use crate::testing::{ca, office_cert};

    const PASS: &str = "梅-2026";

    fn sealed_to(recipient: &str, plain: &[u8]) -> Vec<u8> {
        envelope::encrypt(&[recipient.to_owned()], plain).unwrap()
    }

    /// A profile of an office that renewed (its earlier encryption key kept until `until`) and
    /// was cut off before its kept copies were sealed to the new key; one received file is kept,
    /// sealed to the earlier key. Answers the earlier key's recipient and the file's id.
    #[test]
    fn a_relay_given_as_several_addresses_is_its_first_and_its_other_nodes() {
        assert_eq!(
            relay_addresses(" https://a.example:8443/, https://b.example:8443  https://c:1 "),
            (
                "https://a.example:8443".to_owned(),
                vec![
                    "https://b.example:8443".to_owned(),
                    "https://c:1".to_owned()
                ]
            )
        );
        assert_eq!(
            relay_addresses("https://a"),
            ("https://a".to_owned(), vec![])
        );
    }

    fn renewed_profile(dir: &Path, until: i64) -> (String, i64) {
        let keys = OfficeKeys::generate().unwrap();
        let earlier = keys.encryption_recipient();
        let next = keys.add_next_encryption_key();
        keys.rotate_to(&next, until).unwrap();
        let ca = ca();
        let paths = Paths::new(dir);
        let sealed = keys.seal(&Protection::Passphrase, Some(PASS)).unwrap();
        std::fs::write(&paths.keys, sealed).unwrap();
        std::fs::write(&paths.ca, &ca.pem).unwrap();
        std::fs::write(&paths.cert, office_cert(&ca, "1310000001", &keys)).unwrap();
        ProfileConfig {
            relay_url: "https://127.0.0.1:9".into(),
            other_relays: Vec::new(),
            ca_fingerprint: tls::fingerprint(&ca.der),
            office: "1310000001".into(),
            office_name: "居宅介護支援事業所さくら".into(),
            office_kind: careplan_protocol::OfficeKind::Kyotaku,
            cert_serial: "01".into(),
            cert_not_after: now() + 365 * 86_400,
            protection: Protection::Passphrase,
            receive_dir: None,
        }
        .save(dir)
        .unwrap();
        let db = Db::open(&paths.db).unwrap();
        let id = db
            .record_received(&NewReceived {
                relay_id: "m1",
                relay_seq: 1,
                sender: "1320000001",
                file_name: "UPJSK.CSV",
                kind: None,
                month: None,
                users: None,
                size: Some(4),
                sha256: Some(&envelope::sha256_hex(b"plan")),
                state: "saved",
                saved_path: None,
                sealed: Some(&sealed_to(&earlier, b"plan")),
                reason: None,
                findings: None,
                errors: 0,
                warnings: 0,
                receipt: "",
                manifest_key: Some("k1"),
                sent_by: None,
                received_by: None,
            })
            .unwrap();
        db.set_meta(SEALED_TO, &earlier).unwrap();
        (earlier, id)
    }

    fn keys_on_disk(dir: &Path) -> OfficeKeys {
        let sealed = std::fs::read(Paths::new(dir).keys).unwrap();
        OfficeKeys::unseal(&sealed, &Protection::Passphrase, Some(PASS)).unwrap()
    }

    #[test]
    fn an_earlier_key_past_its_time_is_erased_and_what_it_sealed_is_sealed_again_first() {
        let dir = tempfile::tempdir().unwrap();
        let (earlier, id) = renewed_profile(dir.path(), now() - 1);
        let client = Client::open(dir.path(), Some(PASS)).unwrap();
        let to_earlier = sealed_to(&earlier, b"late");
        assert!(client.keys.decrypt(&to_earlier).is_err(), "erased here");
        assert!(
            keys_on_disk(dir.path()).decrypt(&to_earlier).is_err(),
            "and on disk"
        );
        let out = tempfile::tempdir().unwrap();
        let saved = client.save_again(id, out.path()).unwrap();
        assert_eq!(std::fs::read(saved).unwrap(), b"plan");
    }

    #[test]
    fn an_earlier_key_within_its_time_still_opens_what_was_sent_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let (earlier, id) = renewed_profile(dir.path(), now() + 86_400);
        let client = Client::open(dir.path(), Some(PASS)).unwrap();
        let to_earlier = sealed_to(&earlier, b"on its way");
        assert_eq!(client.keys.decrypt(&to_earlier).unwrap(), b"on its way");
        assert_eq!(
            client.db.meta(SEALED_TO).unwrap(),
            Some(client.keys.encryption_recipient())
        );
        let (_, _, sealed) = client.db.received_copy(id).unwrap().unwrap();
        let only_current = keys_on_disk(dir.path());
        only_current.erase_earlier_keys(i64::MAX);
        assert_eq!(
            only_current.decrypt(&sealed).unwrap(),
            b"plan",
            "sealed to the new key"
        );
    }
}
