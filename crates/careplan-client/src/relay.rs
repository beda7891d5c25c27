//! The relay's HTTP API (docs/api.md) as typed calls; errors become [`ClientError`]s.

use std::time::Duration;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::{ClientError, Result};
use crate::tls;

/// How long one ordinary call may take before the relay counts as unreachable.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// A connection to one relay.
#[derive(Clone)]
pub struct RelayApi {
    http: reqwest::Client,
    base: String,
}

/// What enrolment sends.
#[derive(Serialize)]
pub struct EnrollRequest<'a> {
    /// 事業所番号.
    pub office: &'a str,
    /// The office's password.
    pub password: &'a str,
    /// CSR over the office's signing key.
    pub csr_pem: &'a str,
    /// The office's age recipient.
    pub encryption_key: &'a str,
    /// One-time code, for offices with a second factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp: Option<&'a str>,
}

/// An office as the relay describes it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct OfficeInfo {
    /// 事業所番号.
    pub number: String,
    /// 事業所名.
    pub name: String,
    /// kyotaku, service or both.
    pub kind: String,
}

/// What enrolment returns.
#[derive(Debug, Deserialize)]
pub struct EnrollResponse {
    /// The office certificate.
    pub certificate_pem: String,
    /// The relay's CA certificate.
    pub ca_pem: String,
    /// Serial of the certificate (hex).
    pub serial: String,
    /// End of validity (unix seconds).
    pub not_after: i64,
    /// The office.
    pub office: OfficeInfo,
}

/// An office's directory entry.
#[derive(Debug, Clone, Deserialize)]
pub struct DirectoryEntry {
    /// 事業所番号.
    pub number: String,
    /// 事業所名.
    pub name: String,
    /// kyotaku, service or both.
    pub kind: String,
    /// Whether the office may receive.
    pub active: bool,
    /// Its certificate, once enrolled.
    pub certificate_pem: Option<String>,
}

/// A message as listed in the inbox or the sent list.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RelayMessage {
    /// Cursor position.
    pub seq: i64,
    /// Message id.
    pub id: String,
    /// Sender office.
    pub sender: String,
    /// Recipient office.
    pub recipient: String,
    /// The standard file name.
    pub file_name: String,
    /// Ciphertext size.
    pub size: i64,
    /// The sender's signed manifest.
    pub manifest: String,
    /// stored, delivered, acknowledged or expired.
    pub state: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub delivered_at: Option<i64>,
    /// Unix seconds.
    pub acknowledged_at: Option<i64>,
    /// The recipient's signed receipt.
    pub receipt: Option<String>,
}

/// One page of a message list.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// The messages, oldest first.
    pub messages: Vec<RelayMessage>,
    /// Cursor for the next page, if there is one.
    pub next: Option<i64>,
}

/// The relay's answer to an upload.
#[derive(Debug, Deserialize)]
pub struct Uploaded {
    /// Message id at the relay.
    pub id: String,
    /// Whether the idempotency key had been seen before.
    pub duplicate: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

#[derive(Deserialize)]
struct Offices {
    offices: Vec<OfficeInfo>,
}

/// Turns a transport error into what it means for the user.
pub(crate) fn transport_error(e: reqwest::Error) -> ClientError {
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push_str(" / ");
        source = s.source();
    }
    if chain.contains(tls::PIN_MISMATCH) {
        ClientError::FingerprintMismatch
    } else if chain.contains("AlertReceived") || chain.contains("received fatal alert") {
        // The relay ended the handshake: it did not accept our certificate.
        ClientError::CertificateRefused(chain)
    } else {
        ClientError::Unreachable(chain)
    }
}

fn refusal(status: u16, code: String) -> ClientError {
    match code.as_str() {
        "wrong_credentials" => ClientError::WrongCredentials,
        "totp_required" => ClientError::TotpRequired,
        "office_locked" => ClientError::OfficeLocked,
        "office_disabled" => ClientError::OfficeDisabled,
        "client_certificate_required"
        | "certificate_revoked"
        | "certificate_expired"
        | "certificate_unknown" => ClientError::CertificateRefused(code),
        _ => ClientError::Relay { status, code },
    }
}

async fn check(resp: reqwest::Response) -> Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let code = match resp.json::<ErrorBody>().await {
        Ok(b) => b.error,
        Err(_) => format!("http_{}", status.as_u16()),
    };
    Err(refusal(status.as_u16(), code))
}

async fn json<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T> {
    check(resp)
        .await?
        .json()
        .await
        .map_err(|e| ClientError::Format(e.to_string()))
}

/// The proxy a setting names: `None` when it is empty (the system's applies), an error when it
/// is not a proxy address.
pub(crate) fn proxy_from(setting: Option<&str>) -> Result<Option<reqwest::Proxy>> {
    match setting.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => reqwest::Proxy::all(url)
            .map(Some)
            .map_err(|_| ClientError::BadProxy(url.to_owned())),
        None => Ok(None),
    }
}

impl RelayApi {
    fn build(base: &str, config: rustls::ClientConfig, proxy: Option<&str>) -> Result<RelayApi> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60));
        // Without a proxy of its own the office gets the system's (HTTPS_PROXY and the like).
        if let Some(p) = proxy_from(proxy)? {
            builder = builder.proxy(p);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Crypto(e.to_string()))?;
        Ok(RelayApi {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// A connection for enrolment, trusting only a CA with fingerprint `pin`; through `proxy`
    /// when given.
    pub fn pinned(base: &str, pin: &str, proxy: Option<&str>) -> Result<RelayApi> {
        Self::build(base, tls::pinned_config(pin)?, proxy)
    }

    /// A mutually authenticated connection as an enrolled office; through `proxy` when given.
    pub fn office(
        base: &str,
        ca_der: &[u8],
        cert_der: &[u8],
        key_pkcs8: &[u8],
        proxy: Option<&str>,
    ) -> Result<RelayApi> {
        Self::build(
            base,
            tls::office_config(ca_der, cert_der, key_pkcs8)?,
            proxy,
        )
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Result<reqwest::Response> {
        self.http
            .get(self.url(path))
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(transport_error)
    }

    /// Renews the certificate in use: a CSR for the same key → a new certificate.
    pub async fn renew(&self, csr_pem: &str) -> Result<EnrollResponse> {
        let resp = self
            .http
            .post(self.url("/v1/renew"))
            .timeout(CALL_TIMEOUT)
            .json(&serde_json::json!({ "csr_pem": csr_pem }))
            .send()
            .await
            .map_err(transport_error)?;
        json(resp).await
    }

    /// Enrols: password + CSR + encryption key → certificate.
    pub async fn enroll(&self, req: &EnrollRequest<'_>) -> Result<EnrollResponse> {
        let resp = self
            .http
            .post(self.url("/v1/enroll"))
            .timeout(CALL_TIMEOUT)
            .json(req)
            .send()
            .await
            .map_err(transport_error)?;
        json(resp).await
    }

    /// An office's directory entry.
    pub async fn directory(&self, number: &str) -> Result<DirectoryEntry> {
        match json(self.get(&format!("/v1/directory/{number}")).await?).await {
            Err(ClientError::Relay { code, .. }) if code == "unknown_office" => {
                Err(ClientError::UnknownOffice(number.to_owned()))
            }
            other => other,
        }
    }

    /// Offices whose number starts with, or whose name contains, `text`.
    pub async fn search(&self, text: &str) -> Result<Vec<OfficeInfo>> {
        let resp = self
            .http
            .get(self.url("/v1/directory"))
            .query(&[("q", text)])
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(transport_error)?;
        Ok(json::<Offices>(resp).await?.offices)
    }

    /// Uploads one encrypted file.
    pub async fn upload(
        &self,
        file_name: &str,
        idempotency_key: &str,
        manifest: &str,
        body: Vec<u8>,
    ) -> Result<Uploaded> {
        let resp = self
            .http
            .post(self.url("/v1/messages"))
            .header("x-kizuna-file-name", file_name)
            .header("idempotency-key", idempotency_key)
            .header("x-kizuna-manifest", manifest)
            .timeout(CALL_TIMEOUT)
            .body(body)
            .send()
            .await
            .map_err(transport_error)?;
        match json(resp).await {
            Err(ClientError::Relay { code, .. }) if code == "unknown_recipient" => {
                Err(ClientError::UnknownOffice(recipient_of(file_name)))
            }
            Err(ClientError::Relay { code, .. }) if code == "recipient_disabled" => {
                Err(ClientError::RecipientDisabled(recipient_of(file_name)))
            }
            other => other,
        }
    }

    /// Received messages after `after`.
    pub async fn inbox(&self, after: i64) -> Result<Page> {
        json(
            self.get(&format!("/v1/inbox?after={after}&limit=500"))
                .await?,
        )
        .await
    }

    /// Sent messages after `after`, with their states and receipts.
    pub async fn sent(&self, after: i64) -> Result<Page> {
        json(
            self.get(&format!("/v1/sent?after={after}&limit=500"))
                .await?,
        )
        .await
    }

    /// The ciphertext of a received message; `None` when it is gone (acknowledged or expired).
    pub async fn body(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let resp = self.get(&format!("/v1/messages/{id}/body")).await?;
        if resp.status() == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        let resp = check(resp).await?;
        resp.bytes()
            .await
            .map(|b| Some(b.to_vec()))
            .map_err(transport_error)
    }

    /// Acknowledges a received message with a signed receipt.
    pub async fn ack(&self, id: &str, receipt: &str) -> Result<()> {
        let resp = self
            .http
            .post(self.url(&format!("/v1/messages/{id}/ack")))
            .timeout(CALL_TIMEOUT)
            .json(&serde_json::json!({ "receipt": receipt }))
            .send()
            .await
            .map_err(transport_error)?;
        match check(resp).await {
            Ok(_) => Ok(()),
            // Already acknowledged elsewhere or expired: nothing more to do here.
            Err(ClientError::Relay { status: 410, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Opens the event stream, resuming after event `after`.
    pub async fn events(&self, after: Option<i64>) -> Result<crate::events::EventStream> {
        let mut req = self.http.get(self.url("/v1/events"));
        if let Some(id) = after {
            req = req.header("last-event-id", id.to_string());
        }
        let resp = req.send().await.map_err(transport_error)?;
        Ok(crate::events::EventStream::new(check(resp).await?))
    }
}

fn recipient_of(file_name: &str) -> String {
    careplan_csv::FileName::parse(file_name)
        .map(|n| n.recipient.office.to_string())
        .unwrap_or_default()
}
