//! How an office stands: what the profile says without unlocking anything, and what the relay and
//! the outbox say once it is open. The CLI's `status` and the app's status view both show this.

use std::collections::BTreeMap;
use std::path::Path;

use careplan_csv::Lang;
use careplan_protocol::OfficeKind;
use serde::Serialize;

use crate::client::Client;
use crate::file_state::FileState;
use crate::keys::Protection;
use crate::profile::ProfileConfig;
use crate::settings::Settings;
use crate::store::now;

/// An enrolled profile as read from its folder, before its keys are unlocked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Enrolled {
    /// 事業所番号.
    pub office: String,
    /// 事業所名.
    pub office_name: String,
    /// Its kind.
    pub office_kind: OfficeKind,
    /// The relay's address.
    pub relay_url: String,
    /// Further addresses of the relay, tried in turn when one cannot be reached.
    pub other_relays: Vec<String>,
    /// The HTTPS proxy set for this profile; `None` for the system's.
    pub proxy: Option<String>,
    /// Serial of the office certificate.
    pub certificate_serial: String,
    /// End of the certificate's validity, unix seconds.
    pub certificate_not_after: i64,
    /// Days until the certificate ends (negative once it has).
    pub certificate_days_left: i64,
    /// The keys are sealed with a passphrase that must be given to open the profile.
    pub needs_passphrase: bool,
}

impl Enrolled {
    /// The office enrolled in `dir`, if one is.
    pub fn read(dir: &Path) -> Option<Enrolled> {
        let c = ProfileConfig::load(dir).ok()?;
        Some(Enrolled {
            proxy: Settings::load(dir).ok().and_then(|s| s.proxy),
            certificate_days_left: days_left(c.cert_not_after),
            needs_passphrase: matches!(c.protection, Protection::Passphrase),
            office: c.office,
            office_name: c.office_name,
            office_kind: c.office_kind,
            relay_url: c.relay_url,
            other_relays: c.other_relays,
            certificate_serial: c.cert_serial,
            certificate_not_after: c.cert_not_after,
        })
    }
}

/// Whole days from now until `not_after` (negative once it has passed).
pub(crate) fn days_left(not_after: i64) -> i64 {
    (not_after - now()).div_euclid(86_400)
}

/// An open office's standing, after asking the relay.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    /// The profile.
    #[serde(flatten)]
    pub enrolled: Enrolled,
    /// The relay answered (and the states of sent files are up to date).
    pub relay_reachable: bool,
    /// Why it did not and what to do, in the language asked for.
    pub relay_problem: Option<String>,
    /// Sent files by state.
    pub sent: BTreeMap<FileState, i64>,
    /// Received files not yet shown in the inbox.
    pub received_unseen: i64,
}

impl Client {
    /// The office's standing, with sentences in `lang`: the profile, the relay's answer and the
    /// outbox. Asking the relay also brings the states of sent files up to date.
    pub async fn status(&self, lang: Lang) -> crate::Result<Status> {
        let online = self.refresh_sent().await;
        let (sent, received_unseen) = self.counts()?;
        let enrolled = Enrolled::read(&self.dir)
            .ok_or_else(|| crate::ClientError::NotEnrolled(self.dir.display().to_string()))?;
        Ok(Status {
            enrolled,
            relay_reachable: online.is_ok(),
            relay_problem: online.err().map(|e| crate::messages::error_text(&e, lang)),
            sent: sent
                .into_iter()
                .filter_map(|(state, n)| Some((state.parse().ok()?, n)))
                .collect(),
            received_unseen,
        })
    }
}
