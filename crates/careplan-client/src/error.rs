//! What can go wrong in the client, as data; `messages` turns it into Japanese for people.

use careplan_csv::FileReport;
use careplan_protocol::ErrorCode;

/// Why a path cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsendable {
    /// A folder without a single `.csv` or `.jpg` file.
    NoFiles,
    /// Not a regular file (a device, a FIFO, a folder).
    NotAFile,
    /// Over the size the relay takes.
    TooLarge,
    /// Not a file name of the standard.
    BadName,
    /// A file whose sender is another office (this one).
    OtherSender(String),
}

/// Why the relay would not take the office certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRefusal {
    /// Past its end of validity.
    Expired,
    /// Revoked by the relay's administrator.
    Revoked,
    /// Not one the relay knows, or none was presented.
    Unknown,
    /// The relay ended the TLS handshake over it.
    Handshake,
}

/// Everything the client core can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The relay did not answer at the TCP/TLS level (down, wrong address, no network).
    #[error("relay unreachable: {0}")]
    Unreachable(String),
    /// The fingerprint typed in is not 64 hex digits.
    #[error("not a SHA-256 fingerprint")]
    BadFingerprint,
    /// The relay's CA does not have the fingerprint the office was given.
    #[error("the relay's CA does not match the fingerprint")]
    FingerprintMismatch,
    /// Wrong office number or password (the relay does not say which).
    #[error("wrong office number or password")]
    WrongCredentials,
    /// The office needs a one-time code from its authenticator.
    #[error("a one-time code (TOTP) is required")]
    TotpRequired,
    /// Too many failed attempts; the relay locked the office for a while.
    #[error("office locked after too many failed attempts")]
    OfficeLocked,
    /// The relay administrator disabled the office.
    #[error("office disabled")]
    OfficeDisabled,
    /// The relay refused the office certificate.
    #[error("certificate refused: {0:?}")]
    CertificateRefused(CertRefusal),
    /// The recipient office is not registered at the relay.
    #[error("unknown office {0}")]
    UnknownOffice(String),
    /// The recipient office is registered but has not enrolled yet: it has no key to encrypt to.
    #[error("office {0} has not enrolled yet")]
    RecipientNotEnrolled(String),
    /// The relay administrator disabled the recipient office.
    #[error("office {0} is disabled")]
    RecipientDisabled(String),
    /// The partner's certificate in the directory is not acceptable.
    #[error("certificate of {office} not acceptable: {reason}")]
    PartnerCertificate {
        /// The partner office.
        office: String,
        /// Why.
        reason: String,
    },
    /// The relay answered with an error code this client did not expect.
    #[error("relay error {status}: {code}")]
    Relay {
        /// HTTP status.
        status: u16,
        /// The relay's error code.
        code: ErrorCode,
    },
    /// Files have validation errors and were not sent: the report of every file given.
    #[error("{} validation errors", .0.iter().map(FileReport::error_count).sum::<usize>())]
    Invalid(Vec<FileReport>),
    /// A path could not be used as a file of the standard.
    #[error("{path}: {reason:?}")]
    NotSendable {
        /// The file.
        path: String,
        /// Why.
        reason: Unsendable,
    },
    /// The same bytes went to the same partner before (queued or accepted at `at`).
    #[error("{path} was sent to {recipient} before")]
    AlreadySent {
        /// The file.
        path: String,
        /// The partner.
        recipient: String,
        /// When it was queued, unix seconds.
        at: i64,
    },
    /// The profile is missing or not enrolled.
    #[error("no enrolled profile in {0}")]
    NotEnrolled(String),
    /// The profile is already enrolled.
    #[error("profile {0} is already enrolled")]
    AlreadyEnrolled(String),
    /// The OS key store cannot be used and no passphrase was given.
    #[error("no OS key store: {0}")]
    KeyStoreUnavailable(String),
    /// The office keys could not be unlocked (wrong passphrase, key store entry gone).
    #[error("office keys could not be unlocked: {0}")]
    KeysLocked(String),
    /// The proxy setting is not a proxy address.
    #[error("not a proxy address: {0}")]
    BadProxy(String),
    /// No Japanese font to set a PDF in.
    #[error("no Japanese font for the PDF")]
    NoFont,
    /// The forms could not be made into a PDF.
    #[error("printing: {0}")]
    Print(String),
    /// No 実績 of this office and month is in the history to compare.
    #[error("no jisseki of {office} for {month} in the history")]
    NoJisseki {
        /// YYYYMM.
        month: String,
        /// The service office.
        office: String,
    },
    /// A received file has no kept copy (quarantined, or received before copies were kept).
    #[error("no kept copy of this received file")]
    NotKept,
    /// A cryptographic operation failed.
    #[error("crypto: {0}")]
    Crypto(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// An invitation file or link that cannot be used.
    #[error("{what}: {reason}")]
    Invite {
        /// The file or link (shortened).
        what: String,
        /// Why.
        reason: careplan_protocol::InviteError,
    },
    /// This needs a signed-in member of staff (none, or the session ended).
    #[error("sign-in required")]
    SignInRequired,
    /// The signed-in person's role does not allow this.
    #[error("not allowed for this role")]
    Forbidden,
    /// Too many failed sign-ins: this person is locked for a while.
    #[error("person locked after too many failed sign-ins")]
    StaffLocked,
    /// The office has as many new devices waiting for approval as it may.
    #[error("too many devices waiting for approval")]
    TooManyDeviceRequests,
    /// The relay refused more calls of this kind from this PC (or address) within the hour.
    #[error("too many calls of this kind within the hour")]
    RateLimited,
    /// A device request that was decided, lapsed or never was.
    #[error("device request closed")]
    RequestClosed,
    /// An administrator refused this device.
    #[error("device refused by an administrator")]
    DeviceRefused,
    /// Nobody approved this device in time.
    #[error("device request lapsed")]
    DeviceRequestExpired,
    /// An administrator without a second factor: the relay's administrator must give them one.
    #[error("administrator without a second factor")]
    SecondFactorMissing,
    /// The login is taken in this office.
    #[error("login {0} exists")]
    StaffExists(String),
    /// No member of staff (or device) by that name.
    #[error("no {0}")]
    NoSuchStaff(String),
    /// The history database was written by a newer Kizuna.
    #[error("{0} was written by a newer version")]
    NewerHistory(String),
    /// A relay address that is not an `https://` address (or none at all).
    #[error("not a relay address: {0:?}")]
    BadRelayAddress(String),
    /// The local database failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// Something the client sent or got could not be (de)serialised.
    #[error("format: {0}")]
    Format(String),
}

impl ClientError {
    /// A stable code for callers' logic (the app's window, scripts): one per kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Unreachable(_) => "unreachable",
            ClientError::BadFingerprint => "bad_fingerprint",
            ClientError::FingerprintMismatch => "fingerprint_mismatch",
            ClientError::WrongCredentials => "wrong_credentials",
            ClientError::TotpRequired => "totp_required",
            ClientError::OfficeLocked => "office_locked",
            ClientError::OfficeDisabled => "office_disabled",
            ClientError::CertificateRefused(_) => "certificate_refused",
            ClientError::UnknownOffice(_) => "unknown_office",
            ClientError::RecipientNotEnrolled(_) => "recipient_not_enrolled",
            ClientError::RecipientDisabled(_) => "recipient_disabled",
            ClientError::PartnerCertificate { .. } => "partner_certificate",
            ClientError::Relay { .. } => "relay_error",
            ClientError::Invalid(_) => "invalid",
            ClientError::NotSendable { .. } => "not_sendable",
            ClientError::AlreadySent { .. } => "already_sent",
            ClientError::NotEnrolled(_) => "not_enrolled",
            ClientError::AlreadyEnrolled(_) => "already_enrolled",
            ClientError::KeyStoreUnavailable(_) => "key_store_unavailable",
            ClientError::KeysLocked(_) => "keys_locked",
            ClientError::BadProxy(_) => "bad_proxy",
            ClientError::NotKept => "not_kept",
            ClientError::NoJisseki { .. } => "no_jisseki",
            ClientError::NoFont => "no_font",
            ClientError::Print(_) => "failed",
            ClientError::Invite { .. } => "bad_invite",
            ClientError::NewerHistory(_) => "newer_history",
            ClientError::BadRelayAddress(_) => "bad_relay_address",
            ClientError::SignInRequired => "sign_in_required",
            ClientError::Forbidden => "forbidden",
            ClientError::StaffLocked => "staff_locked",
            ClientError::SecondFactorMissing => "second_factor_missing",
            ClientError::TooManyDeviceRequests => "too_many_requests",
            ClientError::RateLimited => "rate_limited",
            ClientError::RequestClosed => "request_closed",
            ClientError::DeviceRefused => "device_refused",
            ClientError::DeviceRequestExpired => "device_request_expired",
            ClientError::StaffExists(_) => "staff_exists",
            ClientError::NoSuchStaff(_) => "no_such_staff",
            ClientError::Crypto(_)
            | ClientError::Io { .. }
            | ClientError::Db(_)
            | ClientError::Format(_) => "failed",
        }
    }

    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ClientError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// Whether a file waits for its recipient to be able to receive (not enrolled or disabled
    /// yet); it stays queued and goes once the recipient can take it.
    pub fn waits_for_recipient(&self) -> bool {
        matches!(
            self,
            ClientError::RecipientNotEnrolled(_) | ClientError::RecipientDisabled(_)
        )
    }

    /// Whether a file that failed to send with this error stays queued to be sent later.
    pub fn stays_queued(&self) -> bool {
        self.is_transient() || self.waits_for_recipient()
    }

    /// Whether trying again later may succeed (network, relay down), as opposed to a refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable(_) => true,
            ClientError::Relay { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// Shorthand for the client's results.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
