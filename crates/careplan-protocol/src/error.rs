//! Refusals: a stable code per reason, each with the one HTTP status it is sent with.

use serde::{Deserialize, Serialize};

/// Declares the codes once: variant, wire text and HTTP status side by side.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal, $status:literal;)*) => {
        /// Why the relay refused a request: the `error` of every refusal's JSON body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $text)] #[cfg_attr(feature = "ts", ts(rename = $text))] $variant,)*
            /// A code this version does not know (a newer relay).
            #[serde(rename = "unknown")]
            #[cfg_attr(feature = "ts", ts(rename = "unknown"))]
            Unknown,
        }

        impl ErrorCode {
            /// Every code this version knows.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it is sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                    ErrorCode::Unknown => "unknown",
                }
            }

            /// The HTTP status the relay sends it with.
            pub fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                    ErrorCode::Unknown => 400,
                }
            }
        }
    };
}

codes! {
    // Enrolment and login.
    /// Wrong office number or password (the same answer for both).
    WrongCredentials = "wrong_credentials", 401;
    /// The office needs its one-time code: ask for it and try again (not a failed attempt).
    TotpRequired = "totp_required", 401;
    /// Too many failed attempts: the office is locked for a while.
    OfficeLocked = "office_locked", 423;
    /// The office is disabled by the relay's administrator.
    OfficeDisabled = "office_disabled", 403;
    /// An office number that is not 10 digits.
    BadOfficeNumber = "bad_office_number", 400;
    /// An empty or oversized password.
    BadPassword = "bad_password", 400;
    /// An oversized CSR or encryption key.
    BadKey = "bad_key", 400;
    /// An oversized one-time code.
    BadTotp = "bad_totp", 400;
    /// A device name that is too long or holds control characters.
    BadDeviceName = "bad_device_name", 400;
    /// A CSR that cannot be read.
    BadCsr = "bad_csr", 400;
    /// An encryption key that is no age recipient.
    BadEncryptionKey = "bad_encryption_key", 400;
    /// A renewal asked for another key than the certificate's.
    OtherKey = "other_key", 400;
    // The client certificate.
    /// An authenticated route called without a client certificate.
    ClientCertificateRequired = "client_certificate_required", 401;
    /// The certificate was revoked.
    CertificateRevoked = "certificate_revoked", 401;
    /// The certificate is past its end of validity.
    CertificateExpired = "certificate_expired", 401;
    /// The certificate is not one this relay issued.
    CertificateUnknown = "certificate_unknown", 401;
    // Uploads.
    /// No file name header.
    FileNameMissing = "file_name_missing", 400;
    /// No idempotency key header.
    IdempotencyKeyMissing = "idempotency_key_missing", 400;
    /// No manifest header.
    ManifestMissing = "manifest_missing", 400;
    /// A header too long or of the wrong shape.
    BadHeader = "bad_header", 400;
    /// Not a standard file name.
    BadFileName = "bad_file_name", 422;
    /// The file name's sender is not the caller.
    SenderMismatch = "sender_mismatch", 403;
    /// The manifest cannot be read.
    BadManifest = "bad_manifest", 400;
    /// The signed manifest does not name this upload (a replay, or another file's manifest).
    ManifestMismatch = "manifest_mismatch", 422;
    /// The recipient is not registered.
    UnknownRecipient = "unknown_recipient", 404;
    /// The recipient is disabled.
    RecipientDisabled = "recipient_disabled", 409;
    /// The body is over the limit.
    TooLarge = "too_large", 413;
    /// The body broke off or stalled.
    BodyBrokenOff = "body_broken_off", 400;
    // Staff.
    /// The call needs a signed-in member of staff (a session of this device).
    SignInRequired = "sign_in_required", 401;
    /// The signed-in person's role does not allow this (an administrator's task).
    Forbidden = "forbidden", 403;
    /// A login name, person's name or password of the wrong shape.
    BadStaff = "bad_staff", 400;
    /// An administrator without a second factor cannot sign in until the relay's administrator
    /// gives them one (`kizuna-relay office staff totp`).
    SecondFactorMissing = "second_factor_missing", 403;
    /// Too many failed sign-ins: this person is locked for a while.
    StaffLocked = "staff_locked", 403;
    /// The office already has a member of staff with that login.
    StaffExists = "staff_exists", 409;
    /// No member of the office's staff with that login (or device with that id).
    NoSuchStaff = "no_such_staff", 404;
    // Adding a device by approval.
    /// No request of the office (or of the caller's secret) with that id.
    NoSuchRequest = "no_such_request", 404;
    /// The office already has as many devices waiting for approval as it may.
    TooManyRequests = "too_many_requests", 429;
    /// The request was already decided or has lapsed.
    RequestClosed = "request_closed", 409;
    // Messages and the directory.
    /// No message of the caller's with that id.
    NoSuchMessage = "no_such_message", 404;
    /// Acknowledged or expired: the body is gone.
    MessageGone = "message_gone", 410;
    /// A receipt that is not a signed statement.
    BadReceipt = "bad_receipt", 400;
    /// An activity report out of bounds (a place too long or with control characters).
    BadActivity = "bad_activity", 400;
    /// The message was reported saved as often as the relay keeps.
    TooManySaves = "too_many_saves", 429;
    /// No office with that number.
    UnknownOffice = "unknown_office", 404;
    /// An empty or oversized search.
    BadQuery = "bad_query", 400;
    // The server and the framework.
    /// The caller made as many calls of this kind as it may within the hour: try again later.
    RateLimited = "rate_limited", 429;
    /// The client's or the relay's share of connections is used up: try again shortly.
    TooManyConnections = "too_many_connections", 503;
    /// The relay cannot answer now.
    Unavailable = "unavailable", 503;
    /// Something failed inside the relay (it is in the relay's log).
    Internal = "internal", 500;
    /// A request the relay cannot read.
    BadRequest = "bad_request", 400;
    /// A JSON body of the wrong shape.
    BadRequestBody = "bad_request_body", 422;
    /// No such route.
    NotFound = "not_found", 404;
    /// The route exists, with another method.
    MethodNotAllowed = "method_not_allowed", 405;
    /// The request took too long to arrive.
    RequestTimeout = "request_timeout", 408;
    /// A body that is not JSON where JSON is expected.
    UnsupportedMediaType = "unsupported_media_type", 415;
    /// Any other refusal.
    Refused = "refused", 400;
}

impl ErrorCode {
    /// The code for a refusal that no handler made (the framework's), by its status.
    pub fn for_status(status: u16) -> ErrorCode {
        match status {
            400 => ErrorCode::BadRequest,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::RequestTimeout,
            413 => ErrorCode::TooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::BadRequestBody,
            503 => ErrorCode::Unavailable,
            s if s >= 500 => ErrorCode::Internal,
            _ => ErrorCode::Refused,
        }
    }

    /// Whether the client's certificate was refused (revoked, expired, unknown or missing).
    pub fn is_certificate_refusal(self) -> bool {
        matches!(
            self,
            ErrorCode::ClientCertificateRequired
                | ErrorCode::CertificateRevoked
                | ErrorCode::CertificateExpired
                | ErrorCode::CertificateUnknown
        )
    }
}

impl ErrorCode {
    /// The code for its text; [`ErrorCode::Unknown`] for one this version does not know.
    pub fn parse(text: &str) -> ErrorCode {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .unwrap_or(ErrorCode::Unknown)
    }
}

// By hand rather than derived: an unknown code is read, not refused.
impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(ErrorCode::parse(&text))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    /// Why.
    pub error: ErrorCode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_sent_as_its_text_and_read_back() {
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&ErrorBody { error: code }).unwrap();
            assert_eq!(json, format!("{{\"error\":\"{}\"}}", code.as_str()));
            let back: ErrorBody = serde_json::from_str(&json).unwrap();
            assert_eq!(back.error, code);
        }
    }

    #[test]
    fn a_code_from_a_newer_relay_is_read_as_unknown() {
        let body: ErrorBody = serde_json::from_str(r#"{"error":"quota_exceeded"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
    }

    #[test]
    fn no_two_codes_share_a_text() {
        let mut texts: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_code_is_a_refusal_status() {
        for &code in ErrorCode::ALL {
            assert!((400..600).contains(&code.status()), "{code}");
        }
    }
}
