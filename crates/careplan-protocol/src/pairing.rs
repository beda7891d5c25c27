//! Adding a device by an administrator's approval instead of the office password: the new
//! device asks, both screens show the same short code, an administrator of the office approves.

use serde::{Deserialize, Serialize};

use crate::office::EnrollResponse;

/// Header that carries the secret a new device got with its request.
pub const REQUEST_SECRET_HEADER: &str = "x-kizuna-request-secret";

/// `POST /v1/enroll/requests`: a new device asks to be added to its office (no password).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRequest {
    /// 事業所番号.
    pub office: String,
    /// PKCS#10 request (PEM) over the device's signing key.
    pub csr_pem: String,
    /// The device's age X25519 recipient.
    pub encryption_key: String,
    /// What the office calls this PC; at most 64 characters.
    pub device_name: String,
}

/// What asking answers: where to wait, the secret that proves it is this device asking, and
/// the code to show so the administrator approves the right request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRequestCreated {
    /// The request's id.
    pub request: String,
    /// Sent back in `x-kizuna-request-secret` while waiting.
    pub secret: String,
    /// Six digits, shown on the new device and to the approving administrator.
    pub code: String,
    /// When the request lapses, unix seconds.
    pub expires_at: i64,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename_all = "lowercase"))]
pub enum RequestState {
    /// Waiting for an administrator.
    Pending,
    /// Approved: the certificate is issued.
    Approved,
    /// An administrator said no.
    Refused,
    /// Nobody decided in time.
    Expired,
}

impl RequestState {
    /// The state as it is sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Refused => "refused",
            RequestState::Expired => "expired",
        }
    }
}

/// `GET /v1/enroll/requests/{id}`: the request's state and, once approved, the certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRequestStatus {
    /// Where it stands.
    pub state: RequestState,
    /// The enrolment, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment: Option<EnrollResponse>,
}

/// `GET /v1/office/device-requests`: a device waiting for approval, as an administrator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PendingDevice {
    /// The request's id.
    pub request: String,
    /// What the new device calls itself.
    pub device_name: String,
    /// The code the new device shows.
    pub code: String,
    /// When it asked, unix seconds.
    pub created_at: i64,
    /// When it lapses, unix seconds.
    pub expires_at: i64,
}

/// Whether `code` has the shape of a pairing code (six digits).
pub fn valid_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}
