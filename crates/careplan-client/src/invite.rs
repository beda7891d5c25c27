//! Invitations handed to the app: a `.kizuna` file opened by double-click or a `kizuna://` link.

use std::io::Read;
use std::path::Path;

use careplan_protocol::{INVITE_EXTENSION, INVITE_LINK_PREFIX, Invite, MAX_INVITE_BYTES};

use crate::error::{ClientError, Result};

/// The invitation in a program argument, if it is one: a `kizuna://` link or a `.kizuna` file.
/// Other arguments (flags, other files) are `None`.
pub fn from_argument(arg: &str) -> Option<Result<Invite>> {
    if arg
        .get(..INVITE_LINK_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(INVITE_LINK_PREFIX))
        || arg.starts_with("kizuna:")
    {
        return Some(
            Invite::from_link(arg).map_err(|reason| ClientError::Invite {
                what: shortened(arg),
                reason,
            }),
        );
    }
    let path = Path::new(arg.strip_prefix("file://").unwrap_or(arg));
    let is_invite = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(INVITE_EXTENSION));
    is_invite.then(|| read_file(path))
}

/// The invitation in a `.kizuna` file; a file larger than an invitation is not read through.
pub fn read_file(path: &Path) -> Result<Invite> {
    let file = std::fs::File::open(path).map_err(|e| ClientError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_INVITE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ClientError::io(path, e))?;
    Invite::from_file(&bytes).map_err(|reason| ClientError::Invite {
        what: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        reason,
    })
}

/// A link as it can be shown in a message: not more than a line.
fn shortened(link: &str) -> String {
    let mut short: String = link.chars().take(60).collect();
    if short.len() < link.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use careplan_protocol::InviteError;

    fn invite() -> Invite {
        Invite {
            relay_url: "https://relay.example.jp:8443".into(),
            ca_fingerprint: "ab".repeat(32),
            office: None,
        }
    }

    #[test]
    fn a_link_argument_is_read_as_an_invitation() {
        let got = from_argument(&invite().to_link()).unwrap().unwrap();
        assert_eq!(got, invite());
    }

    #[test]
    fn a_kizuna_file_argument_is_read_as_an_invitation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("事業所の登録.KIZUNA");
        std::fs::write(&path, invite().to_file()).unwrap();
        let got = from_argument(path.to_str().unwrap()).unwrap().unwrap();
        assert_eq!(got, invite());
    }

    #[test]
    fn flags_and_other_files_are_not_invitations() {
        for arg in ["--hidden", "C:/export/UPPLAN.csv", "kizuna-desktop"] {
            assert!(from_argument(arg).is_none(), "{arg}");
        }
    }

    #[test]
    fn a_huge_file_named_kizuna_is_refused_without_reading_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.kizuna");
        std::fs::write(&path, vec![b' '; 10 * MAX_INVITE_BYTES]).unwrap();
        let err = read_file(&path).unwrap_err();
        assert!(
            matches!(
                err,
                ClientError::Invite {
                    reason: InviteError::TooLarge,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_broken_link_is_named_shortened_in_its_error() {
        let link = format!("kizuna://enrol?relay=http://{}", "a".repeat(500));
        let Some(Err(ClientError::Invite { what, reason })) = from_argument(&link) else {
            panic!("not refused");
        };
        assert_eq!(reason, InviteError::NotAnInvite);
        assert!(what.chars().count() <= 61, "{what}");
    }
}
