//! The relay's own certificate authority: it issues the server certificate and one client
//! certificate per enrolled office.
//!
//! The CA takes only the public key from an office's CSR and sets every other field itself
//! (subject, validity, key usage, extensions): a CSR cannot ask for more than an office
//! certificate (rcgen would otherwise copy what the CSR requests).

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType,
    SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// URI prefix of the subject-alternative name naming the office in its certificate.
pub const OFFICE_URI: &str = "urn:kizuna:office:";
/// URI prefix of the subject-alternative name that binds the office's encryption public key (an
/// age X25519 recipient) to its certificate. A URI SAN needs no private object identifier.
pub const AGE_URI: &str = "urn:kizuna:age:";

/// Why the CA could not do something.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Reading or writing the CA files failed.
    #[error("CA files: {0}")]
    Io(#[from] std::io::Error),
    /// Certificate generation or parsing failed.
    #[error("certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// The CSR could not be read.
    #[error("the certificate request is not a valid CSR")]
    BadCsr,
    /// The encryption key is not an age X25519 recipient.
    #[error("the encryption key is not an age X25519 recipient")]
    BadEncryptionKey,
    /// A renewal asked for a key other than the certificate's.
    #[error("the certificate request is for another key")]
    OtherKey,
    /// The CA key given to this node is not the key of the CA certificate in its data folder.
    #[error("the CA key given ({0}) is not the key of the CA certificate")]
    WrongCaKey(&'static str),
}

/// Where a node takes the CA key from when it is not kept in the data folder: a PEM in this
/// variable (an environment secret) …
pub const CA_KEY_ENV: &str = "KIZUNA_RELAY_CA_KEY";
/// … or in the file this variable names (a mounted secret).
pub const CA_KEY_FILE_ENV: &str = "KIZUNA_RELAY_CA_KEY_FILE";

/// The CA: its certificate and its signing key.
pub struct Ca {
    cert_pem: String,
    cert_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate issued to an office.
#[derive(Debug, Clone)]
pub struct Issued {
    /// PEM of the certificate.
    pub pem: String,
    /// Serial number as lowercase hex.
    pub serial: String,
    /// Last moment of validity (UTC).
    pub not_after: OffsetDateTime,
}

const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca.key";

fn random_serial() -> (SerialNumber, String) {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7F; // positive
    bytes[0] |= 0x01; // no leading zero byte, so the hex form is stable
    (SerialNumber::from_slice(&bytes), hex::encode(bytes))
}

impl Ca {
    /// Creates a new CA in `dir` (files `ca.pem`, `ca.key`; the key readable by the owner only).
    pub fn create(dir: &Path, name: &str) -> Result<Ca, CaError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} CA"));
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Kizuna relay");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(365 * 20);
        params.serial_number = Some(random_serial().0);
        let cert = params.self_signed(&key)?;
        std::fs::create_dir_all(dir)?;
        write_private(&dir.join(CA_KEY), key.serialize_pem().as_bytes())?;
        std::fs::write(dir.join(CA_CERT), cert.pem())?;
        Ca::load(dir)
    }

    /// Loads the CA from `dir`, its key from [`CA_KEY_ENV`] or [`CA_KEY_FILE_ENV`] when one is
    /// set (every node of a relay shares one CA; its key need not lie in each data folder).
    pub fn load(dir: &Path) -> Result<Ca, CaError> {
        Ca::load_with(dir, |k| std::env::var(k).ok())
    }

    /// [`Ca::load`] with the environment given.
    pub fn load_with(dir: &Path, var: impl Fn(&str) -> Option<String>) -> Result<Ca, CaError> {
        let cert_pem = std::fs::read_to_string(dir.join(CA_CERT))?;
        let (key_pem, from) = match (var(CA_KEY_ENV), var(CA_KEY_FILE_ENV)) {
            (Some(pem), _) => (pem, CA_KEY_ENV),
            (None, Some(path)) => (std::fs::read_to_string(path)?, CA_KEY_FILE_ENV),
            (None, None) => (std::fs::read_to_string(dir.join(CA_KEY))?, "ca/ca.key"),
        };
        let key = KeyPair::from_pem(&key_pem).map_err(|_| CaError::WrongCaKey(from))?;
        // A key that is not the certificate's would issue certificates nobody can verify.
        let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes())
            .map_err(|_| CaError::Cert(rcgen::Error::CouldNotParseCertificate))?;
        let cert = pem
            .parse_x509()
            .map_err(|_| CaError::Cert(rcgen::Error::CouldNotParseCertificate))?;
        if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
            return Err(CaError::WrongCaKey(from));
        }
        let issuer = Issuer::from_ca_cert_pem(&cert_pem, key)?;
        let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|_| CaError::Cert(rcgen::Error::CouldNotParseCertificate))?
            .to_vec();
        Ok(Ca {
            cert_pem,
            cert_der,
            issuer,
        })
    }

    /// The CA certificate (PEM), which clients pin.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// SHA-256 of the CA certificate (DER), lowercase hex: what offices compare when enrolling.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.cert_der))
    }

    /// The fingerprint of the CA certificate in `dir`, without its key.
    pub fn fingerprint_in(dir: &Path) -> Result<String, CaError> {
        let pem = std::fs::read_to_string(dir.join(CA_CERT))?;
        let der = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| CaError::Cert(rcgen::Error::CouldNotParseCertificate))?;
        Ok(hex::encode(Sha256::digest(&der)))
    }

    /// Issues the relay's TLS server certificate for `hostnames` (names or IP addresses) with a
    /// new key; returns (certificate PEM, key PEM).
    pub fn issue_server(
        &self,
        hostnames: &[String],
        days: i64,
    ) -> Result<(String, String), CaError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(hostnames.to_vec())?;
        params.distinguished_name.push(
            DnType::CommonName,
            hostnames.first().cloned().unwrap_or_default(),
        );
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(days);
        params.serial_number = Some(random_serial().0);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// Issues an office's client certificate from its CSR: only the CSR's public key is used.
    /// The subject is the office number; the encryption recipient is bound in an extension.
    pub fn issue_office(
        &self,
        office: &str,
        csr_pem: &str,
        encryption_key: &str,
        valid: Duration,
    ) -> Result<Issued, CaError> {
        let csr =
            CertificateSigningRequestParams::from_pem(csr_pem).map_err(|_| CaError::BadCsr)?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, office);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Kizuna office");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + valid;
        let (serial, serial_hex) = random_serial();
        params.serial_number = Some(serial);
        if !age_recipient_shaped(encryption_key) {
            return Err(CaError::BadEncryptionKey);
        }
        params.subject_alt_names = vec![
            SanType::URI(format!("{OFFICE_URI}{office}").try_into()?),
            SanType::URI(format!("{AGE_URI}{encryption_key}").try_into()?),
        ];
        let cert = params.signed_by(&csr.public_key, &self.issuer)?;
        Ok(Issued {
            pem: cert.pem(),
            serial: serial_hex,
            not_after: params.not_after,
        })
    }
}

/// Checks that a CSR asks for the same public key as a certificate (renewal keeps the key, so a
/// certificate in the wrong hands cannot be turned into one for a key of their choosing).
pub fn same_key(csr_pem: &str, cert_pem: &str) -> Result<(), CaError> {
    let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(|_| CaError::BadCsr)?;
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).map_err(|_| CaError::OtherKey)?;
    let cert = pem.parse_x509().map_err(|_| CaError::OtherKey)?;
    if cert.public_key().subject_public_key.data.as_ref() == csr.public_key.der_bytes() {
        Ok(())
    } else {
        Err(CaError::OtherKey)
    }
}

/// Writes a secret file readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Whether `key` looks like an age X25519 recipient (what a certificate may bind).
fn age_recipient_shaped(key: &str) -> bool {
    key.starts_with("age1")
        && key.len() < 100
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// Checks, without issuing anything, that a CSR can be read and the encryption key could be
/// bound: what [`Ca::issue_office`] would refuse is refused here first.
pub fn check_request(csr_pem: &str, encryption_key: &str) -> Result<(), CaError> {
    CertificateSigningRequestParams::from_pem(csr_pem).map_err(|_| CaError::BadCsr)?;
    if !age_recipient_shaped(encryption_key) {
        return Err(CaError::BadEncryptionKey);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_takes_the_ca_key_from_a_secret_when_its_folder_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::create(dir.path(), "Kizuna relay").unwrap();
        let key = std::fs::read_to_string(dir.path().join(CA_KEY)).unwrap();
        std::fs::remove_file(dir.path().join(CA_KEY)).unwrap();
        assert!(
            Ca::load_with(dir.path(), |_| None).is_err(),
            "no key anywhere"
        );
        let from_env = Ca::load_with(dir.path(), |k| (k == CA_KEY_ENV).then(|| key.clone()));
        assert_eq!(from_env.unwrap().fingerprint(), ca.fingerprint());
        let file = dir.path().join("secret.pem");
        std::fs::write(&file, &key).unwrap();
        let path = file.display().to_string();
        let from_file = Ca::load_with(dir.path(), |k| (k == CA_KEY_FILE_ENV).then(|| path.clone()));
        assert_eq!(from_file.unwrap().fingerprint(), ca.fingerprint());
    }

    #[test]
    fn a_ca_key_that_is_not_the_certificates_is_refused() {
        let (ours, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        Ca::create(ours.path(), "Kizuna relay").unwrap();
        Ca::create(theirs.path(), "another relay").unwrap();
        let wrong = std::fs::read_to_string(theirs.path().join(CA_KEY)).unwrap();
        let loaded = Ca::load_with(ours.path(), |k| (k == CA_KEY_ENV).then(|| wrong.clone()));
        assert!(matches!(loaded, Err(CaError::WrongCaKey(CA_KEY_ENV))));
        let garbage = Ca::load_with(ours.path(), |k| (k == CA_KEY_ENV).then(|| "x".to_owned()));
        assert!(matches!(garbage, Err(CaError::WrongCaKey(_))));
    }

    #[test]
    fn the_fingerprint_is_read_without_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let ca = Ca::create(dir.path(), "Kizuna relay").unwrap();
        std::fs::remove_file(dir.path().join(CA_KEY)).unwrap();
        assert_eq!(Ca::fingerprint_in(dir.path()).unwrap(), ca.fingerprint());
    }
}
