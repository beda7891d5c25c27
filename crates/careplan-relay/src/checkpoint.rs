//! Signed checkpoints of the audit log. The hash chain alone shows an edited entry, but not one
//! whose chain was recomputed from there on, nor a tail cut off. So the relay signs, now and
//! then, "entry N has hash H" with an Ed25519 key kept apart from the database
//! (`audit-key.pk8`, mode 0600) and appends it to `audit-checkpoints` in the data folder; the
//! administrator can keep copies elsewhere (`kizuna-relay audit checkpoint` prints the latest).
//! `audit verify` then finds a rewritten chain (the hash at a checkpoint differs) and a cut tail
//! (a checkpoint names an entry that is gone).

use std::io::Write;
use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

/// The key file, in the data folder.
pub const KEY_FILE: &str = "audit-key.pk8";
/// The checkpoints file, in the data folder.
pub const CHECKPOINTS_FILE: &str = "audit-checkpoints";

/// What went wrong with the checkpoint key or file.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The key or checkpoints file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The key file is not an Ed25519 key.
    #[error("{0} is not an Ed25519 key")]
    BadKey(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// One signed statement: entry `seq` of the audit log has `hash` (at `at`, unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The entry.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// When the checkpoint was made, unix milliseconds.
    pub at: i64,
    /// Ed25519 signature over [`Checkpoint::message`], base64.
    pub signature: String,
}

impl Checkpoint {
    fn message(seq: i64, hash: &str, at: i64) -> String {
        format!("kizuna-audit-checkpoint/1\n{seq}\n{hash}\n{at}")
    }

    /// The line it is kept as.
    pub fn line(&self) -> String {
        format!("{} {} {} {}", self.seq, self.hash, self.at, self.signature)
    }

    /// Reads a line written by [`Checkpoint::line`].
    pub fn parse(line: &str) -> Option<Checkpoint> {
        let mut parts = line.split_whitespace();
        let c = Checkpoint {
            seq: parts.next()?.parse().ok()?,
            hash: parts.next()?.to_owned(),
            at: parts.next()?.parse().ok()?,
            signature: parts.next()?.to_owned(),
        };
        parts.next().is_none().then_some(c)
    }

    /// Whether the signature is the holder of `public_key`'s.
    pub fn verifies(&self, public_key: &[u8]) -> bool {
        let Ok(sig) = BASE64.decode(self.signature.as_bytes()) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(
                Self::message(self.seq, &self.hash, self.at).as_bytes(),
                &sig,
            )
            .is_ok()
    }
}

/// The signing key and where checkpoints go.
pub struct Checkpointer {
    key: Ed25519KeyPair,
    file: PathBuf,
}

impl Checkpointer {
    /// Loads the key from the data folder `data`, making one (0600) when there is none.
    pub fn open(data: &Path) -> Result<Checkpointer, CheckpointError> {
        let path = data.join(KEY_FILE);
        let pkcs8 = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let rng = ring::rand::SystemRandom::new();
                let doc = Ed25519KeyPair::generate_pkcs8(&rng)
                    .map_err(|_| CheckpointError::BadKey(path.display().to_string()))?;
                crate::ca::write_private(&path, doc.as_ref()).map_err(io(&path))?;
                doc.as_ref().to_vec()
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| CheckpointError::BadKey(path.display().to_string()))?;
        Ok(Checkpointer {
            key,
            file: data.join(CHECKPOINTS_FILE),
        })
    }

    /// The public key, to verify checkpoints without being able to make them.
    pub fn public_key(&self) -> &[u8] {
        self.key.public_key().as_ref()
    }

    /// Signs "entry `seq` has `hash`" and appends it, durably, to the checkpoints file.
    pub fn append(&self, seq: i64, hash: &str, at: i64) -> Result<Checkpoint, CheckpointError> {
        let sig = self.key.sign(Checkpoint::message(seq, hash, at).as_bytes());
        let c = Checkpoint {
            seq,
            hash: hash.to_owned(),
            at,
            signature: BASE64.encode(sig.as_ref()),
        };
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
            .map_err(io(&self.file))?;
        writeln!(f, "{}", c.line())
            .and_then(|()| f.sync_all())
            .map_err(io(&self.file))?;
        Ok(c)
    }
}

/// The checkpoints in a file (none when it does not exist); lines that are not checkpoints are
/// returned as `None`, so a damaged file shows.
pub fn read(path: &Path) -> Result<Vec<Option<Checkpoint>>, CheckpointError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(Checkpoint::parse)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(io(path)(e)),
    }
}

/// What a checkpoint says about the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointBreak {
    /// A line that is no checkpoint, or one not signed by the relay's key.
    Forged {
        /// Its line number in the file, from 1.
        line: usize,
    },
    /// A checkpoint names an entry that is no longer there: the log's tail was cut.
    Cut {
        /// The entry signed for.
        seq: i64,
        /// The last entry there is.
        last: i64,
    },
    /// The entry a checkpoint names has another hash now: the chain was rewritten.
    Rewritten {
        /// The entry.
        seq: i64,
    },
}

/// Checks `checkpoints` against the log's entries `(seq, hash)`; returns how many held.
pub fn verify(
    checkpoints: &[Option<Checkpoint>],
    public_key: &[u8],
    hash_of: impl Fn(i64) -> Option<String>,
    last: i64,
) -> Result<usize, CheckpointBreak> {
    for (i, c) in checkpoints.iter().enumerate() {
        let Some(c) = c.as_ref().filter(|c| c.verifies(public_key)) else {
            return Err(CheckpointBreak::Forged { line: i + 1 });
        };
        match hash_of(c.seq) {
            None => return Err(CheckpointBreak::Cut { seq: c.seq, last }),
            Some(h) if h != c.hash => return Err(CheckpointBreak::Rewritten { seq: c.seq }),
            Some(_) => {}
        }
    }
    Ok(checkpoints.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Vec<(i64, String)> {
        (1..=5).map(|s| (s, format!("h{s}"))).collect()
    }

    fn hash_in(log: &[(i64, String)]) -> impl Fn(i64) -> Option<String> + '_ {
        |seq| log.iter().find(|(s, _)| *s == seq).map(|(_, h)| h.clone())
    }

    #[test]
    fn a_checkpoint_holds_for_the_log_it_was_made_of() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::open(dir.path()).unwrap();
        c.append(5, "h5", 1).unwrap();
        let read = read(&dir.path().join(CHECKPOINTS_FILE)).unwrap();
        let log = log();
        assert_eq!(verify(&read, c.public_key(), hash_in(&log), 5), Ok(1));
    }

    #[test]
    fn a_cut_tail_and_a_rewritten_entry_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::open(dir.path()).unwrap();
        let signed = vec![Some(c.append(5, "h5", 1).unwrap())];
        let cut: Vec<_> = log().into_iter().take(3).collect();
        assert_eq!(
            verify(&signed, c.public_key(), hash_in(&cut), 3),
            Err(CheckpointBreak::Cut { seq: 5, last: 3 })
        );
        let mut rewritten = log();
        rewritten[4].1 = "recomputed".into();
        assert_eq!(
            verify(&signed, c.public_key(), hash_in(&rewritten), 5),
            Err(CheckpointBreak::Rewritten { seq: 5 })
        );
    }

    #[test]
    fn a_checkpoint_not_signed_with_the_key_is_forged() {
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpointer::open(dir.path()).unwrap();
        let other = tempfile::tempdir().unwrap();
        let stranger = Checkpointer::open(other.path()).unwrap();
        let forged = vec![Some(stranger.append(5, "h5", 1).unwrap())];
        let log = log();
        assert_eq!(
            verify(&forged, c.public_key(), hash_in(&log), 5),
            Err(CheckpointBreak::Forged { line: 1 })
        );
        assert_eq!(
            verify(&[None], c.public_key(), hash_in(&log), 5),
            Err(CheckpointBreak::Forged { line: 1 })
        );
    }

    #[test]
    fn the_same_key_is_loaded_again_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = Checkpointer::open(dir.path())
            .unwrap()
            .public_key()
            .to_vec();
        let b = Checkpointer::open(dir.path())
            .unwrap()
            .public_key()
            .to_vec();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
