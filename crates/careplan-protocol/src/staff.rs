//! Staff of an office: named people with a role, who sign in on one of the office's devices.

use serde::{Deserialize, Serialize};

/// What a member of staff may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename_all = "lowercase"))]
pub enum Role {
    /// 管理者: manages staff and devices, sees the audit; and everything 一般 does.
    Admin,
    /// 一般: sends, receives, reads the history.
    Staff,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 2] = [Role::Admin, Role::Staff];

    /// The role as it is sent and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("{s:?} is no role (admin or staff)"))
    }
}

/// The name a member of staff signs in with: 1–32 of `a-z 0-9 . _ -`.
pub fn valid_login(login: &str) -> bool {
    (1..=32).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Header that carries a signed-in person's session token (`Bearer TOKEN`).
pub const SESSION_HEADER: &str = "authorization";

/// `POST /v1/session`: a member of staff signs in on the calling device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    /// The login name.
    pub login: String,
    /// The person's password.
    pub password: String,
    /// The current one-time code, for people with a second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<String>,
}

/// What signing in answers: the session, good on this device only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInResponse {
    /// The bearer token (`authorization: Bearer …`).
    pub token: String,
    /// When it stops being accepted, unix seconds.
    pub expires_at: i64,
    /// Who signed in.
    pub person: StaffMember,
}

/// A member of an office's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffMember {
    /// The login name.
    pub login: String,
    /// The person's name, as the history and the audit show it.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Whether they may sign in.
    pub active: bool,
}

/// `POST /v1/office/staff`: an administrator adds a member of staff.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewStaff {
    /// The login name.
    pub login: String,
    /// The person's name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Their first password (they should change it).
    pub password: String,
}

/// A second factor for a person: the key their authenticator app keeps, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SecondFactor {
    /// The key, base32 (what is typed into an authenticator app by hand).
    pub secret: String,
    /// The `otpauth://` address (what the QR code holds).
    pub uri: String,
}

/// What adding a member of staff answers: who was added and, for an administrator, the second
/// factor they must register before they can sign in (the relay shows it this once only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffAdded {
    /// The new member.
    pub person: StaffMember,
    /// Administrators only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub second_factor: Option<SecondFactor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_reads_back_from_its_text() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
    }

    #[test]
    fn a_login_is_short_lowercase_and_plain() {
        for good in ["yamada", "k.sato", "staff_01", "a"] {
            assert!(valid_login(good), "{good}");
        }
        for bad in ["", "Yamada", "山田", "a b", "x;drop", &"a".repeat(33)] {
            assert!(!valid_login(bad), "{bad}");
        }
    }
}
