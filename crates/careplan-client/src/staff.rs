//! Staff on this device: who is signed in (the session is kept in the profile, readable by its
//! owner only, and good on this device alone), and the administrator's tasks.

use careplan_protocol::{
    NewStaff, PendingDevice, SignInRequest, SignInResponse, StaffAdded, StaffMember,
};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{ClientError, Result};
use crate::profile::write_atomic;
use crate::store::now;

/// The session file in the profile folder.
const SESSION_FILE: &str = "session.json";

#[derive(Serialize, Deserialize)]
struct Kept {
    token: String,
    expires_at: i64,
    person: StaffMember,
}

impl Client {
    fn session_path(&self) -> std::path::PathBuf {
        self.dir.join(SESSION_FILE)
    }

    fn kept_session(&self) -> Option<Kept> {
        let bytes = std::fs::read(self.session_path()).ok()?;
        serde_json::from_slice::<Kept>(&bytes)
            .ok()
            .filter(|k| k.expires_at > now())
    }

    /// The relay calls carry the kept session, if there is one.
    pub(crate) fn restore_session(&self) {
        self.api().set_session(self.kept_session().map(|k| k.token));
    }

    fn token(&self) -> Result<String> {
        self.kept_session()
            .map(|k| k.token)
            .ok_or(ClientError::SignInRequired)
    }

    /// Signs a member of staff in on this device; the session is kept until it ends or
    /// [`Client::sign_out`].
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<StaffMember> {
        let SignInResponse {
            token,
            expires_at,
            person,
        } = self
            .api()
            .sign_in(&SignInRequest {
                login: login.to_owned(),
                password: password.to_owned(),
                totp: totp.map(str::to_owned),
            })
            .await?;
        let kept = Kept {
            token,
            expires_at,
            person: person.clone(),
        };
        let bytes = serde_json::to_vec(&kept).map_err(|e| ClientError::Format(e.to_string()))?;
        write_atomic(&self.session_path(), &bytes, true)?;
        self.restore_session();
        Ok(person)
    }

    /// Who is signed in on this device, if anyone (and the session has not ended).
    pub fn signed_in(&self) -> Option<StaffMember> {
        self.kept_session().map(|k| k.person)
    }

    /// The signed-in person as the history and a manifest name them: `name (login)`.
    pub(crate) fn person_label(&self) -> Option<String> {
        self.signed_in()
            .map(|p| format!("{} ({})", p.name, p.login))
    }

    /// Ends the session here and at the relay.
    pub async fn sign_out(&self) -> Result<()> {
        let token = self.token();
        let _ = std::fs::remove_file(self.session_path());
        self.restore_session();
        match token {
            Ok(t) => match self.api().sign_out(&t).await {
                Err(ClientError::SignInRequired) | Ok(()) => Ok(()),
                Err(e) => Err(e),
            },
            Err(_) => Ok(()),
        }
    }

    /// The office's staff (administrators only).
    pub async fn staff(&self) -> Result<Vec<StaffMember>> {
        self.api().staff(&self.token()?).await
    }

    /// Adds a member of staff (administrators only).
    pub async fn add_staff(&self, new: &NewStaff) -> Result<StaffAdded> {
        self.api().add_staff(&self.token()?, new).await
    }

    /// Stops a member of staff signing in (administrators only).
    pub async fn remove_staff(&self, login: &str) -> Result<()> {
        self.api().remove_staff(&self.token()?, login).await
    }

    /// The office's new devices waiting for approval (administrators only).
    pub async fn pending_devices(&self) -> Result<Vec<PendingDevice>> {
        self.api().pending_devices(&self.token()?).await
    }

    /// Approves (`true`) or refuses a new device waiting (administrators only).
    pub async fn decide_device(&self, request: &str, approve: bool) -> Result<()> {
        self.api()
            .decide_device(&self.token()?, request, approve)
            .await
    }

    /// Revokes a device of this office (administrators only).
    pub async fn revoke_device(&self, device: &str) -> Result<()> {
        self.api().revoke_device(&self.token()?, device).await
    }
}

/// A QR code of `text` (a second factor's `otpauth://` address) as an SVG document, for an
/// authenticator app to scan from the screen.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
    )
}

/// The same QR code drawn with block characters, for a terminal.
pub fn qr_text(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
    )
}
