//! The invitation a relay's administrator hands an office: where the relay is and which CA to
//! trust, as a `.kizuna` file (JSON) or a `kizuna://enrol?…` link. It never carries a password,
//! and whatever it says is only filled into the set-up screen for the person to check.

use serde::{Deserialize, Serialize};

/// The file extension of an invitation file (opened by double-click).
pub const INVITE_EXTENSION: &str = "kizuna";
/// The start of an invitation link.
pub const INVITE_LINK_PREFIX: &str = "kizuna://enrol";
/// Larger files or links are not invitations: nothing is parsed from them.
pub const MAX_INVITE_BYTES: usize = 16 * 1024;

/// Where an office enrols: the relay's address, its CA fingerprint and, optionally, the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Invite {
    /// `https://` address of the relay.
    pub relay_url: String,
    /// SHA-256 fingerprint of the relay's CA certificate: 64 lowercase hex digits.
    pub ca_fingerprint: String,
    /// The office's 事業所番号, when the invitation is for one office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

/// Why something is not an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteError {
    /// Over [`MAX_INVITE_BYTES`].
    TooLarge,
    /// Not the JSON of an invitation, or not a `kizuna://enrol` link.
    NotAnInvite,
    /// The relay address is not an `https://` address.
    BadRelayUrl,
    /// The fingerprint is not 64 hex digits.
    BadFingerprint,
    /// The office number is not 10 digits.
    BadOffice,
}

/// Whether `url` can be a relay's address: `https://` and a host, of a sane length, nothing
/// that could hide another address (spaces, control characters, user info first).
pub fn is_relay_address(url: &str) -> bool {
    url.strip_prefix("https://").is_some_and(|host| {
        !host.is_empty()
            && !host.starts_with(['/', ':', '@'])
            && url.len() <= 512
            && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

impl std::fmt::Display for InviteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InviteError::TooLarge => "too large for an invitation",
            InviteError::NotAnInvite => "not an invitation",
            InviteError::BadRelayUrl => "the relay address is not an https:// address",
            InviteError::BadFingerprint => "the CA fingerprint is not 64 hex digits",
            InviteError::BadOffice => "the office number is not 10 digits",
        })
    }
}

impl std::error::Error for InviteError {}

impl Invite {
    /// An invitation from the contents of a `.kizuna` file.
    pub fn from_file(bytes: &[u8]) -> Result<Invite, InviteError> {
        if bytes.len() > MAX_INVITE_BYTES {
            return Err(InviteError::TooLarge);
        }
        let invite: Invite = serde_json::from_slice(bytes).map_err(|_| InviteError::NotAnInvite)?;
        invite.checked()
    }

    /// The contents of a `.kizuna` file.
    pub fn to_file(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// An invitation from a `kizuna://enrol?relay=…&fingerprint=…[&office=…]` link; other
    /// parameters are ignored.
    pub fn from_link(link: &str) -> Result<Invite, InviteError> {
        if link.len() > MAX_INVITE_BYTES {
            return Err(InviteError::TooLarge);
        }
        let query = link
            .strip_prefix(INVITE_LINK_PREFIX)
            .map(|rest| rest.trim_start_matches('/'))
            .and_then(|rest| rest.strip_prefix('?'))
            .ok_or(InviteError::NotAnInvite)?;
        let (mut relay, mut fingerprint, mut office) = (None, None, None);
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value).ok_or(InviteError::NotAnInvite)?;
            match key {
                "relay" => relay = Some(value),
                "fingerprint" => fingerprint = Some(value),
                "office" if !value.is_empty() => office = Some(value),
                _ => {}
            }
        }
        Invite {
            relay_url: relay.ok_or(InviteError::NotAnInvite)?,
            ca_fingerprint: fingerprint.ok_or(InviteError::NotAnInvite)?,
            office,
        }
        .checked()
    }

    /// The `kizuna://enrol?…` link of this invitation.
    pub fn to_link(&self) -> String {
        let mut link = format!(
            "{INVITE_LINK_PREFIX}?relay={}&fingerprint={}",
            percent_encode(&self.relay_url),
            self.ca_fingerprint
        );
        if let Some(office) = &self.office {
            link.push_str("&office=");
            link.push_str(office);
        }
        link
    }

    /// The invitation with its fingerprint in canonical form, or why it cannot be used.
    fn checked(mut self) -> Result<Invite, InviteError> {
        let url = self.relay_url.trim();
        if !is_relay_address(url) {
            return Err(InviteError::BadRelayUrl);
        }
        self.relay_url = url.to_string();
        let hex: String = self
            .ca_fingerprint
            .chars()
            .filter(|c| !matches!(c, ':' | ' '))
            .collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(InviteError::BadFingerprint);
        }
        self.ca_fingerprint = hex.to_ascii_lowercase();
        if let Some(office) = &self.office {
            if office.len() != 10 || !office.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InviteError::BadOffice);
            }
        }
        Ok(self)
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut input = s.bytes();
    while let Some(b) = input.next() {
        bytes.push(match b {
            b'%' => {
                let hi = (input.next()? as char).to_digit(16)?;
                let lo = (input.next()? as char).to_digit(16)?;
                (hi * 16 + lo) as u8
            }
            b'+' => b' ',
            b => b,
        });
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "94abe8db0c6a5a6b2a7d4c1e9f0b3a5d6c7e8f90123456789abcdef012345678";

    fn invite() -> Invite {
        Invite {
            relay_url: "https://relay.example.jp:8443".into(),
            ca_fingerprint: FP.into(),
            office: Some("1370000001".into()),
        }
    }

    #[test]
    fn an_invitation_survives_its_file_and_its_link() {
        assert_eq!(Invite::from_file(&invite().to_file()), Ok(invite()));
        assert_eq!(Invite::from_link(&invite().to_link()), Ok(invite()));
    }

    #[test]
    fn a_fingerprint_with_colons_and_capitals_is_read_in_canonical_form() {
        let pairs: Vec<String> = FP
            .as_bytes()
            .chunks(2)
            .map(|p| String::from_utf8_lossy(p).to_uppercase())
            .collect();
        let link = format!(
            "kizuna://enrol?relay=https%3A%2F%2Frelay.example.jp%3A8443&fingerprint={}",
            pairs.join("%3A")
        );
        assert_eq!(Invite::from_link(&link).unwrap().ca_fingerprint, FP);
    }

    #[test]
    fn a_link_never_brings_a_password_or_anything_else_it_does_not_know() {
        let link = format!("{}&password=secret&totp=123456", invite().to_link());
        assert_eq!(Invite::from_link(&link), Ok(invite()));
    }

    #[test]
    fn a_relay_that_is_not_https_is_refused() {
        for url in [
            "http://relay.example.jp",
            "javascript:alert(1)",
            "https://",
            "https:///etc/passwd",
            "https://evil.example\n.jp",
            "file:///C:/Windows",
        ] {
            let bad = Invite {
                relay_url: url.into(),
                ..invite()
            };
            assert_eq!(
                Invite::from_file(&bad.to_file()),
                Err(InviteError::BadRelayUrl),
                "{url:?}"
            );
        }
    }

    #[test]
    fn a_short_or_non_hex_fingerprint_is_refused() {
        for fp in ["94abe8db", &FP.replace('a', "g"), ""] {
            let bad = Invite {
                ca_fingerprint: fp.into(),
                ..invite()
            };
            assert_eq!(
                Invite::from_link(&bad.to_link()),
                Err(InviteError::BadFingerprint)
            );
        }
    }

    #[test]
    fn an_office_number_must_have_ten_digits() {
        for office in ["137000000", "13700000011", "137000000x"] {
            let bad = Invite {
                office: Some(office.into()),
                ..invite()
            };
            assert_eq!(
                Invite::from_file(&bad.to_file()),
                Err(InviteError::BadOffice)
            );
        }
    }

    #[test]
    fn an_oversize_file_or_link_is_not_parsed() {
        let mut big = invite().to_file();
        big.resize(MAX_INVITE_BYTES + 1, b' ');
        assert_eq!(Invite::from_file(&big), Err(InviteError::TooLarge));
        let long = format!("{}&x={}", invite().to_link(), "a".repeat(MAX_INVITE_BYTES));
        assert_eq!(Invite::from_link(&long), Err(InviteError::TooLarge));
    }

    #[test]
    fn other_links_and_broken_escapes_are_not_invitations() {
        for link in [
            "kizuna://send?relay=x",
            "https://relay.example.jp",
            "kizuna://enrol",
            "kizuna://enrol?relay=%E3%8&fingerprint=00",
            "kizuna://enrol?relay=%FF%FE&fingerprint=00",
        ] {
            assert_eq!(
                Invite::from_link(link),
                Err(InviteError::NotAnInvite),
                "{link}"
            );
        }
        assert_eq!(
            Invite::from_file(b"\x82\xa0 not json"),
            Err(InviteError::NotAnInvite)
        );
    }
}
