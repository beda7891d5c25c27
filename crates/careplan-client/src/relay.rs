//! The relay's HTTP API (docs/api.md) as typed calls; errors become [`ClientError`]s.

use std::sync::Arc;
use std::time::Duration;

use careplan_protocol::{
    AckRequest, ActivityReport, DeviceRequest, DeviceRequestCreated, DeviceRequestStatus,
    DirectoryHit, EnrollRequest, ErrorBody, ErrorCode, FILE_NAME_HEADER, IDEMPOTENCY_KEY_HEADER,
    MANIFEST_HEADER, NewStaff, OfficeDevice, PendingDevice, REQUEST_SECRET_HEADER, RenewRequest,
    SavesPage, SearchResult, SignInRequest, SignInResponse, StaffAdded, StaffMember,
};
use serde::de::DeserializeOwned;

use crate::error::{CertRefusal, ClientError, Result};
use crate::tls;

/// How long one ordinary call may take before the relay counts as unreachable.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// A connection to one relay, at one address or several (its nodes).
#[derive(Clone)]
pub struct RelayApi {
    http: reqwest::Client,
    /// The relay's addresses: the first as enrolled, then its other nodes.
    bases: Arc<Vec<String>>,
    /// The address that answered last, tried first.
    current: Arc<std::sync::atomic::AtomicUsize>,
    /// The signed-in person's session token: sends, receipts and downloads carry it, so the
    /// relay's audit names the person as well as the device.
    session: Arc<std::sync::RwLock<Option<String>>>,
}

pub use careplan_protocol::{DirectoryEntry, EnrollResponse, Page, UploadResponse};

/// Turns a transport error into what it means for the user, by the typed errors in its chain.
pub(crate) fn transport_error(e: reqwest::Error) -> ClientError {
    let mut chain = String::new();
    let mut refusal = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push_str(" / ");
        // rustls' error travels inside io::Errors (sometimes nested), whose `source` skips it.
        let mut candidate = Some(s);
        while let Some(c) = candidate {
            if let Some(tls) = c.downcast_ref::<rustls::Error>() {
                refusal = refusal.or(tls_refusal(tls));
            }
            candidate = c
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static));
        }
        source = s.source();
    }
    refusal.unwrap_or(ClientError::Unreachable(chain))
}

// What a TLS failure means for the user, when it means more than "unreachable".
fn tls_refusal(e: &rustls::Error) -> Option<ClientError> {
    match e {
        rustls::Error::Other(other) if other.0.downcast_ref::<tls::PinMismatch>().is_some() => {
            Some(ClientError::FingerprintMismatch)
        }
        // The relay ended the handshake: it did not accept our certificate.
        rustls::Error::AlertReceived(_) => {
            Some(ClientError::CertificateRefused(CertRefusal::Handshake))
        }
        _ => None,
    }
}

fn refusal(status: u16, code: ErrorCode) -> ClientError {
    match code {
        ErrorCode::WrongCredentials => ClientError::WrongCredentials,
        ErrorCode::TotpRequired => ClientError::TotpRequired,
        ErrorCode::OfficeLocked => ClientError::OfficeLocked,
        ErrorCode::OfficeDisabled => ClientError::OfficeDisabled,
        ErrorCode::CertificateExpired => ClientError::CertificateRefused(CertRefusal::Expired),
        ErrorCode::CertificateRevoked => ClientError::CertificateRefused(CertRefusal::Revoked),
        ErrorCode::ClientCertificateRequired | ErrorCode::CertificateUnknown => {
            ClientError::CertificateRefused(CertRefusal::Unknown)
        }
        ErrorCode::SignInRequired => ClientError::SignInRequired,
        ErrorCode::Forbidden => ClientError::Forbidden,
        ErrorCode::StaffLocked => ClientError::StaffLocked,
        ErrorCode::SecondFactorMissing => ClientError::SecondFactorMissing,
        ErrorCode::TooManyRequests => ClientError::TooManyDeviceRequests,
        ErrorCode::RateLimited => ClientError::RateLimited,
        ErrorCode::NoSuchRequest | ErrorCode::RequestClosed => ClientError::RequestClosed,
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
        Err(_) => ErrorCode::for_status(status.as_u16()),
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
            bases: Arc::new(vec![base.trim_end_matches('/').to_owned()]),
            current: Arc::default(),
            session: Arc::default(),
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

    /// Calls from now on are made as the person with this session token (`None`: the device).
    pub(crate) fn set_session(&self, token: Option<String>) {
        *self.session.write().unwrap_or_else(|p| p.into_inner()) = token;
    }

    /// `req` as the signed-in person, when one is.
    fn as_signed_in(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &*self.session.read().unwrap_or_else(|p| p.into_inner()) {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    /// The same relay at further addresses (its other nodes), tried in turn when one cannot be
    /// reached.
    pub fn with_other_nodes(mut self, others: &[String]) -> RelayApi {
        let mut bases = (*self.bases).clone();
        bases.extend(others.iter().map(|b| b.trim_end_matches('/').to_owned()));
        self.bases = Arc::new(bases);
        self
    }

    /// Sends the request `make` builds for an address of the relay (`https://host:port`),
    /// trying its other addresses in turn when no connection could be made to one — then the
    /// request never reached it, so nothing is done twice. The address that answered is tried
    /// first next time.
    async fn send(
        &self,
        make: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response> {
        use std::sync::atomic::Ordering;
        let n = self.bases.len();
        let start = self.current.load(Ordering::Relaxed);
        for i in 0..n {
            let k = (start + i) % n;
            match make(&self.bases[k]).send().await {
                Ok(resp) => {
                    self.current.store(k, Ordering::Relaxed);
                    return Ok(resp);
                }
                Err(e) if e.is_connect() && i + 1 < n => {
                    tracing::info!(address = %self.bases[k], error = %e, "relay node unreachable; trying the next");
                }
                Err(e) => return Err(transport_error(e)),
            }
        }
        Err(ClientError::Unreachable("no relay address".into()))
    }

    async fn get(&self, path: &str) -> Result<reqwest::Response> {
        self.send(|b| {
            self.as_signed_in(self.http.get(format!("{b}{path}")))
                .timeout(CALL_TIMEOUT)
        })
        .await
    }

    /// POSTs `body` as JSON (with this connection's certificate, if any) and reads the JSON
    /// answer.
    async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T> {
        let resp = self
            .send(|b| {
                self.http
                    .post(format!("{b}{path}"))
                    .timeout(CALL_TIMEOUT)
                    .json(body)
            })
            .await?;
        json(resp).await
    }

    /// Renews the certificate in use: a CSR for the same key (and the device's next encryption
    /// key) → a new certificate.
    pub async fn renew(&self, csr_pem: &str, encryption_key: &str) -> Result<EnrollResponse> {
        let req = RenewRequest {
            csr_pem: csr_pem.to_owned(),
            encryption_key: Some(encryption_key.to_owned()),
        };
        self.post_json("/v1/renew", &req).await
    }

    /// Enrols: password + CSR + encryption key → certificate.
    pub async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse> {
        self.post_json("/v1/enroll", req).await
    }

    /// Asks to join the office as a new device, to be approved by an administrator.
    pub async fn ask_device(&self, req: &DeviceRequest) -> Result<DeviceRequestCreated> {
        self.post_json("/v1/enroll/requests", req).await
    }

    /// Where this device's request stands.
    pub async fn device_request(&self, id: &str, secret: &str) -> Result<DeviceRequestStatus> {
        let resp = self
            .send(|b| {
                self.http
                    .get(format!("{b}/v1/enroll/requests/{id}"))
                    .timeout(CALL_TIMEOUT)
                    .header(REQUEST_SECRET_HEADER, secret)
            })
            .await?;
        json(resp).await
    }

    /// The office's devices waiting for approval (administrators only).
    pub async fn pending_devices(&self, token: &str) -> Result<Vec<PendingDevice>> {
        let path = "/v1/office/device-requests";
        json(
            self.as_person(reqwest::Method::GET, path, token, None::<&()>)
                .await?,
        )
        .await
    }

    /// Approves (`true`) or refuses a device waiting (administrators only).
    pub async fn decide_device(&self, token: &str, request: &str, approve: bool) -> Result<()> {
        let verb = if approve { "approve" } else { "refuse" };
        let path = format!("/v1/office/device-requests/{request}/{verb}");
        self.as_person(reqwest::Method::POST, &path, token, None::<&()>)
            .await
            .map(drop)
    }

    /// Signs a member of staff in on this device.
    pub async fn sign_in(&self, req: &SignInRequest) -> Result<SignInResponse> {
        self.post_json("/v1/session", req).await
    }

    /// A call as the signed-in person with `token`.
    async fn as_person(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&impl serde::Serialize>,
    ) -> Result<reqwest::Response> {
        let resp = self
            .send(|b| {
                let req = self
                    .http
                    .request(method.clone(), format!("{b}{path}"))
                    .timeout(CALL_TIMEOUT)
                    .bearer_auth(token);
                match body {
                    Some(body) => req.json(body),
                    None => req,
                }
            })
            .await?;
        check(resp).await
    }

    /// Ends the session.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        self.as_person(reqwest::Method::DELETE, "/v1/session", token, None::<&()>)
            .await
            .map(drop)
    }

    /// The office's staff (administrators only).
    pub async fn staff(&self, token: &str) -> Result<Vec<StaffMember>> {
        let resp = self
            .as_person(reqwest::Method::GET, "/v1/office/staff", token, None::<&()>)
            .await?;
        resp.json()
            .await
            .map_err(|e| ClientError::Format(e.to_string()))
    }

    /// Adds a member of staff (administrators only).
    pub async fn add_staff(&self, token: &str, new: &NewStaff) -> Result<StaffAdded> {
        let r = self
            .as_person(reqwest::Method::POST, "/v1/office/staff", token, Some(new))
            .await;
        match r {
            Err(ClientError::Relay {
                code: ErrorCode::StaffExists,
                ..
            }) => Err(ClientError::StaffExists(new.login.clone())),
            r => r?
                .json()
                .await
                .map_err(|e| ClientError::Format(e.to_string())),
        }
    }

    /// Stops a member of staff signing in (administrators only).
    pub async fn remove_staff(&self, token: &str, login: &str) -> Result<()> {
        let path = format!("/v1/office/staff/{login}");
        let r = self
            .as_person(reqwest::Method::DELETE, &path, token, None::<&()>)
            .await;
        no_such(r, login)
    }

    /// The office's devices with when each last called.
    pub async fn office_devices(&self) -> Result<Vec<OfficeDevice>> {
        json(self.get("/v1/office/devices").await?).await
    }

    /// Revokes a device of the office (administrators only).
    pub async fn revoke_device(&self, token: &str, device: &str) -> Result<()> {
        let path = format!("/v1/office/devices/{device}/revoke");
        let r = self
            .as_person(reqwest::Method::POST, &path, token, None::<&()>)
            .await;
        no_such(r, device)
    }

    /// An office's directory entry.
    pub async fn directory(&self, number: &str) -> Result<DirectoryEntry> {
        match json(self.get(&format!("/v1/directory/{number}")).await?).await {
            Err(ClientError::Relay {
                code: ErrorCode::UnknownOffice,
                ..
            }) => Err(ClientError::UnknownOffice(number.to_owned())),
            other => other,
        }
    }

    /// Offices whose number starts with, or whose name contains, `text`.
    pub async fn search(&self, text: &str) -> Result<Vec<DirectoryHit>> {
        let resp = self
            .send(|b| {
                self.http
                    .get(format!("{b}/v1/directory"))
                    .query(&[("q", text)])
                    .timeout(CALL_TIMEOUT)
            })
            .await?;
        Ok(json::<SearchResult>(resp).await?.offices)
    }

    /// Uploads one encrypted file.
    pub async fn upload(
        &self,
        file_name: &str,
        idempotency_key: &str,
        manifest: &str,
        body: Vec<u8>,
    ) -> Result<UploadResponse> {
        let resp = self
            .send(|b| {
                self.as_signed_in(self.http.post(format!("{b}/v1/messages")))
                    .header(FILE_NAME_HEADER, file_name)
                    .header(IDEMPOTENCY_KEY_HEADER, idempotency_key)
                    .header(MANIFEST_HEADER, manifest)
                    .timeout(CALL_TIMEOUT)
                    .body(body.clone())
            })
            .await?;
        match json(resp).await {
            Err(ClientError::Relay {
                code: ErrorCode::UnknownRecipient,
                ..
            }) => Err(ClientError::UnknownOffice(recipient_of(file_name))),
            Err(ClientError::Relay {
                code: ErrorCode::RecipientDisabled,
                ..
            }) => Err(ClientError::RecipientDisabled(recipient_of(file_name))),
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
        let ack = AckRequest {
            receipt: receipt.to_owned(),
        };
        let resp = self
            .send(|b| {
                self.as_signed_in(self.http.post(format!("{b}/v1/messages/{id}/ack")))
                    .timeout(CALL_TIMEOUT)
                    .json(&ack)
            })
            .await?;
        match check(resp).await {
            Ok(_) => Ok(()),
            // Already acknowledged elsewhere or expired: nothing more to do here.
            Err(ClientError::Relay {
                code: ErrorCode::MessageGone,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reports what this device did (a save, an export), as the signed-in person when one is.
    pub async fn report(&self, report: &ActivityReport) -> Result<()> {
        let resp = self
            .send(|b| {
                self.as_signed_in(self.http.post(format!("{b}/v1/activity")))
                    .timeout(CALL_TIMEOUT)
                    .json(report)
            })
            .await?;
        check(resp).await.map(drop)
    }

    /// Where and by whom the office's devices saved its received files, after `after`.
    pub async fn saves(&self, after: i64) -> Result<SavesPage> {
        json(
            self.get(&format!("/v1/saves?after={after}&limit=500"))
                .await?,
        )
        .await
    }

    /// Opens the event stream, resuming after event `after`.
    pub async fn events(&self, after: Option<i64>) -> Result<crate::events::EventStream> {
        let resp = self
            .send(|b| {
                let req = self.http.get(format!("{b}/v1/events"));
                match after {
                    Some(id) => req.header("last-event-id", id.to_string()),
                    None => req,
                }
            })
            .await?;
        Ok(crate::events::EventStream::new(check(resp).await?))
    }
}

/// An administrator's call on `who` (a login or a device): the relay's "no such" named.
fn no_such(r: Result<reqwest::Response>, who: &str) -> Result<()> {
    match r {
        Err(ClientError::Relay {
            code: ErrorCode::NoSuchStaff,
            ..
        }) => Err(ClientError::NoSuchStaff(who.to_owned())),
        r => r.map(drop),
    }
}

fn recipient_of(file_name: &str) -> String {
    careplan_csv::FileName::parse(file_name)
        .map(|n| n.recipient.office.to_string())
        .unwrap_or_default()
}
