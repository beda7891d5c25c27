//! Offices: enrolment, renewal, the caller's own office, the directory.

use serde::{Deserialize, Serialize};

/// The kind of an office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename_all = "lowercase"))]
pub enum OfficeKind {
    /// 居宅介護支援事業所 (or 地域包括支援センター).
    Kyotaku,
    /// 介護サービス事業所.
    Service,
    /// Both.
    Both,
}

/// One office of the demo relay with its password, as `kizuna-relay demo` writes them to
/// `demo-offices.json` and `kizuna demo-partners` reads them. Demo only: a real relay never
/// writes a password anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoOffice {
    /// 事業所番号.
    pub number: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: OfficeKind,
    /// Its password for this run of the demo.
    pub password: String,
}

impl OfficeKind {
    /// Every kind.
    pub const ALL: [OfficeKind; 3] = [OfficeKind::Kyotaku, OfficeKind::Service, OfficeKind::Both];

    /// The kind as it is sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OfficeKind::Kyotaku => "kyotaku",
            OfficeKind::Service => "service",
            OfficeKind::Both => "both",
        }
    }
}

impl std::str::FromStr for OfficeKind {
    type Err = String;

    fn from_str(s: &str) -> Result<OfficeKind, String> {
        OfficeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("{s:?} is no office kind (kyotaku, service or both)"))
    }
}

impl std::fmt::Display for OfficeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An office as the relay describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OfficeInfo {
    /// 事業所番号.
    pub number: String,
    /// 事業所名.
    pub name: String,
    /// Its kind.
    pub kind: OfficeKind,
}

/// `POST /v1/enroll`: office number + password (+ one-time code) + CSR + encryption key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// 事業所番号.
    pub office: String,
    /// The office's password.
    pub password: String,
    /// PKCS#10 request (PEM) over the office's signing key; only its public key is used.
    pub csr_pem: String,
    /// The office's age X25519 recipient, bound in the certificate.
    pub encryption_key: String,
    /// The current one-time code, for offices with a second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
    /// What the office calls this PC (or CLI profile), e.g. 事務所PC; at most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
}

/// What enrolment and renewal return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The office's new certificate (PEM).
    pub certificate_pem: String,
    /// The relay CA (PEM).
    pub ca_pem: String,
    /// Certificate serial (hex).
    pub serial: String,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// The office as registered.
    pub office: OfficeInfo,
}

/// `POST /v1/renew`: a new certificate for the key of the one in use, without the password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewRequest {
    /// PKCS#10 request (PEM) for the key of the certificate in use.
    pub csr_pem: String,
    /// The device's new encryption key (age recipient) to bind in the new certificate; none
    /// keeps the one in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<String>,
}

/// `GET /v1/me`: the caller's own office and certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Me {
    /// The office.
    pub office: OfficeInfo,
    /// Serial of the certificate used.
    pub serial: String,
    /// Its end of validity, unix seconds.
    pub not_after: i64,
    /// The device the certificate belongs to.
    #[serde(default)]
    pub device: String,
}

/// `GET /v1/directory/{number}`: what a sender needs to encrypt to an office: every device of it
/// that may receive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectoryEntry {
    /// The office.
    #[serde(flatten)]
    pub office: OfficeInfo,
    /// Whether it can receive.
    pub active: bool,
    /// Its devices with a valid, unrevoked certificate; none before enrolment. A file is
    /// encrypted to all of them.
    #[serde(default)]
    pub devices: Vec<DeviceKey>,
}

/// One device of an office (a PC, a CLI profile) as the directory gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKey {
    /// The device's id at the relay (kept across renewals).
    pub device: String,
    /// What the office calls it.
    pub name: String,
    /// Its current certificate (PEM), which binds its encryption key.
    pub certificate_pem: String,
    /// The encryption key (age recipient) bound in that certificate.
    pub encryption_key: String,
    /// End of the certificate's validity, unix seconds.
    pub not_after: i64,
}

/// `GET /v1/office/devices`: a device of the caller's own office, as its staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeDevice {
    /// The device's id at the relay.
    pub device: String,
    /// What the office calls it.
    pub name: String,
    /// End of its current certificate, unix seconds.
    pub not_after: i64,
    /// When it last called the relay (to within a few minutes), unix seconds; none before the
    /// relay kept this.
    pub last_seen: Option<i64>,
    /// Whether it is the device asking.
    pub here: bool,
}

/// `GET /v1/directory?q=`: offices whose number starts with, or whose name contains, the text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchResult {
    /// Matching offices (at most 50), by number.
    pub offices: Vec<DirectoryHit>,
}

/// An office found in the directory, and whether it can receive now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectoryHit {
    /// The office.
    #[serde(flatten)]
    pub office: OfficeInfo,
    /// Active with at least one device holding a valid certificate: files sent to it are
    /// fetched. `None` from relays older than this field.
    #[serde(default)]
    pub connected: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_office_kind_reads_back_from_its_text() {
        for kind in OfficeKind::ALL {
            assert_eq!(kind.as_str().parse::<OfficeKind>(), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert!("other".parse::<OfficeKind>().is_err());
    }

    #[test]
    fn a_directory_entry_carries_the_office_fields_at_its_top_level() {
        let json = r#"{"number":"1320000001","name":"ひまわり","kind":"service","active":true,"devices":[]}"#;
        let e: DirectoryEntry = serde_json::from_str(json).unwrap();
        assert_eq!(e.office.kind, OfficeKind::Service);
        assert_eq!(serde_json::to_string(&e).unwrap(), json);
    }

    #[test]
    fn an_enrolment_without_a_one_time_code_leaves_the_field_out() {
        let r = EnrollRequest {
            office: "1310000001".into(),
            password: "p".into(),
            csr_pem: "c".into(),
            encryption_key: "age1x".into(),
            totp: None,
            device_name: None,
        };
        assert!(!serde_json::to_string(&r).unwrap().contains("totp"));
    }
}
