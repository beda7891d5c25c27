//! A profile: one enrolled office on this machine, kept in one folder.
//!
//! ```text
//! profile.toml   relay, pinned CA fingerprint, office, certificate dates, key protection
//! keys.age       the office's private keys, sealed (see `keys`)
//! ca.pem         the relay's CA certificate (its fingerprint equals the pin)
//! office.pem     the office certificate
//! kizuna.db      outbox, received files, history
//! quarantine/    received files that failed verification, still encrypted
//! ```
//! `profile.toml` is written last at enrolment: a folder without it is not enrolled.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};
use crate::keys::Protection;
use careplan_protocol::OfficeKind;

/// The profile's settings file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileConfig {
    /// Base URL of the relay.
    pub relay_url: String,
    /// Further addresses of the same relay (its other nodes, where no load balancer fronts
    /// them), tried in turn when one cannot be reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_relays: Vec<String>,
    /// SHA-256 of the relay's CA certificate, hex.
    pub ca_fingerprint: String,
    /// 事業所番号.
    pub office: String,
    /// 事業所名 as registered at the relay.
    pub office_name: String,
    /// 居宅, service office or both.
    pub office_kind: OfficeKind,
    /// Serial of the office certificate.
    pub cert_serial: String,
    /// End of the certificate's validity, unix seconds.
    pub cert_not_after: i64,
    /// How the private keys are protected.
    pub protection: Protection,
    /// Where received files are saved by default.
    #[serde(default)]
    pub receive_dir: Option<PathBuf>,
}

/// File names inside a profile folder.
pub(crate) struct Paths {
    pub config: PathBuf,
    pub keys: PathBuf,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub db: PathBuf,
    pub quarantine: PathBuf,
}

impl Paths {
    pub fn new(dir: &Path) -> Paths {
        Paths {
            config: dir.join("profile.toml"),
            keys: dir.join("keys.age"),
            ca: dir.join("ca.pem"),
            cert: dir.join("office.pem"),
            db: dir.join("kizuna.db"),
            quarantine: dir.join("quarantine"),
        }
    }
}

impl ProfileConfig {
    /// Reads the profile's settings; `NotEnrolled` when there are none.
    pub fn load(dir: &Path) -> Result<ProfileConfig> {
        let path = Paths::new(dir).config;
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ClientError::NotEnrolled(dir.display().to_string()));
            }
            Err(e) => return Err(ClientError::io(&path, e)),
        };
        toml::from_str(&text).map_err(|e| ClientError::Format(format!("{}: {e}", path.display())))
    }

    /// Writes the settings atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| ClientError::Format(e.to_string()))?;
        write_atomic(&Paths::new(dir).config, text.as_bytes(), false)
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers never see half a
/// file; `private` makes it readable by the owner only.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts.open(&tmp).map_err(|e| ClientError::io(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| ClientError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ClientError::io(path, e))
}
