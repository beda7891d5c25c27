//! Message bodies: opaque ciphertext, stored durably before the relay answers an upload.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};

/// Where message bodies live: a local directory by default, or an S3-compatible bucket.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `id`; when this returns, the bytes survive a crash.
    fn put(&self, id: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// Stores several bodies; when this returns, all of them survive a crash. Stores that can
    /// flush many writes at once (group commit) override it.
    fn put_many(&self, items: &[(&str, &[u8])]) -> std::io::Result<()> {
        items.iter().try_for_each(|(id, bytes)| self.put(id, bytes))
    }
    /// Where a body too large to hold in memory is written as it arrives, before
    /// [`BlobStore::put_batch`] makes it durable under `id`.
    fn staging_path(&self, id: &str) -> std::io::Result<PathBuf>;
    /// How many batches may usefully store their bodies at the same time. One on this
    /// machine's disk: small bodies go through one SQLite writer, and a flush waits for the
    /// disk's earlier writes anyway.
    fn batches_at_once(&self) -> usize {
        1
    }
    /// Stores bodies held in memory (`items`) and bodies written to their staging paths
    /// (`staged`, by id); when this returns, all of them survive a crash.
    fn put_batch(&self, items: &[(&str, &[u8])], staged: &[&str]) -> std::io::Result<()> {
        self.put_many(items)?;
        for id in staged {
            let path = self.staging_path(id)?;
            self.put(id, &std::fs::read(&path)?)?;
            std::fs::remove_file(path)?;
        }
        Ok(())
    }
    /// The bytes stored under `id`.
    fn get(&self, id: &str) -> std::io::Result<Vec<u8>>;
    /// Removes `id`; removing what is not there is not an error.
    fn delete(&self, id: &str) -> std::io::Result<()>;
}

/// Bodies on this machine: those small enough to arrive in memory in one SQLite file
/// (`bodies.db`), large ones as files under the directory, two-level fan-out by id.
pub struct LocalBlobs {
    dir: PathBuf,
    /// A batch of small bodies is one append to this database's log and one flush. As files,
    /// each body cost a flush of its own metadata (inode, directory entry, journal) too, which
    /// made a batch's flush grow faster than its bytes.
    small: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
}

/// Connections that read small bodies for downloads while batches are written.
const READERS: usize = 4;

fn db_error(e: rusqlite::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl LocalBlobs {
    /// Uses (and creates) `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<LocalBlobs> {
        let dir = dir.into();
        // What is in tmp/ was never made durable (nobody was answered for it): left by a crash.
        let _ = std::fs::remove_dir_all(dir.join("tmp"));
        std::fs::create_dir_all(dir.join("tmp"))?;
        let path = dir.join("bodies.db");
        crate::store::only_owner_reads(&path).map_err(|e| std::io::Error::other(e.to_string()))?;
        let small = Connection::open(&path).map_err(db_error)?;
        small
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| small.pragma_update(None, "synchronous", "FULL"))
            .and_then(|()| small.busy_timeout(std::time::Duration::from_secs(5)))
            .and_then(|()| {
                small.execute_batch(
                    "CREATE TABLE IF NOT EXISTS bodies (id TEXT PRIMARY KEY, body BLOB NOT NULL)",
                )
            })
            .map_err(db_error)?;
        let readers = (0..READERS)
            .map(|_| {
                let r = Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                r.busy_timeout(std::time::Duration::from_secs(5))?;
                Ok(Mutex::new(r))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()
            .map_err(db_error)?;
        Ok(LocalBlobs {
            dir,
            small: Mutex::new(small),
            readers,
        })
    }

    fn path(&self, id: &str) -> std::io::Result<PathBuf> {
        let id = checked_id(id)?;
        Ok(self.dir.join(&id[..2]).join(id))
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.small.lock().unwrap_or_else(|p| p.into_inner())
    }

    // A free read connection, else the first.
    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.readers
            .iter()
            .find_map(|r| r.try_lock().ok())
            .unwrap_or_else(|| self.readers[0].lock().unwrap_or_else(|p| p.into_inner()))
    }

    // Moves staged bodies into place and makes them durable.
    fn place_staged(&self, staged: &[&str]) -> std::io::Result<()> {
        let mut parents = Vec::new();
        for id in staged {
            let path = self.path(id)?;
            let parent = path.parent().expect("fan-out directory").to_owned();
            std::fs::create_dir_all(&parent)?;
            let from = self.staging_path(id)?;
            std::fs::File::open(&from)?.sync_all()?;
            std::fs::rename(from, &path)?;
            if !parents.contains(&parent) {
                parents.push(parent);
            }
        }
        parents.iter().try_for_each(|p| sync_dir(p))
    }
}

/// `id` when it is one the relay makes (hex, at least 4 digits): ids are generated by the relay,
/// but none may ever name a path or key outside the store.
pub(crate) fn checked_id(id: &str) -> std::io::Result<&str> {
    if id.len() < 4 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "bad blob id",
        ));
    }
    Ok(id)
}

fn sync_dir(dir: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl BlobStore for LocalBlobs {
    fn put(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.put_batch(&[(id, bytes)], &[])
    }

    fn put_many(&self, items: &[(&str, &[u8])]) -> std::io::Result<()> {
        self.put_batch(items, &[])
    }

    fn staging_path(&self, id: &str) -> std::io::Result<PathBuf> {
        self.path(id)?;
        Ok(self.dir.join("tmp").join(id))
    }

    fn put_batch(&self, items: &[(&str, &[u8])], staged: &[&str]) -> std::io::Result<()> {
        if !items.is_empty() {
            let mut db = self.writer();
            let tx = db.transaction().map_err(db_error)?;
            {
                let mut insert = tx
                    .prepare_cached("INSERT OR REPLACE INTO bodies (id, body) VALUES (?1, ?2)")
                    .map_err(db_error)?;
                for (id, bytes) in items {
                    insert.execute((checked_id(id)?, bytes)).map_err(db_error)?;
                }
            }
            tx.commit().map_err(db_error)?;
        }
        self.place_staged(staged)
    }

    fn get(&self, id: &str) -> std::io::Result<Vec<u8>> {
        let small: Option<Vec<u8>> = self
            .reader()
            .query_row(
                "SELECT body FROM bodies WHERE id = ?1",
                [checked_id(id)?],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_error)?;
        match small {
            Some(body) => Ok(body),
            // A large body, or one stored before bodies.db existed.
            None => std::fs::read(self.path(id)?),
        }
    }

    fn delete(&self, id: &str) -> std::io::Result<()> {
        self.writer()
            .execute("DELETE FROM bodies WHERE id = ?1", [checked_id(id)?])
            .map_err(db_error)?;
        match std::fs::remove_file(self.path(id)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_put_is_read_back_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        b.put("0123abcd", b"ciphertext").unwrap();
        assert_eq!(b.get("0123abcd").unwrap(), b"ciphertext");
        b.delete("0123abcd").unwrap();
        assert!(b.get("0123abcd").is_err());
        b.delete("0123abcd").unwrap();
    }

    #[test]
    fn a_batch_put_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        b.put_many(&[("aa01", b"one"), ("bb02", b"two")]).unwrap();
        assert_eq!(b.get("aa01").unwrap(), b"one");
        assert_eq!(b.get("bb02").unwrap(), b"two");
        assert!(b.put_many(&[("../x", b"no")]).is_err());
    }

    #[test]
    fn a_staged_body_is_stored_under_its_id_with_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        std::fs::write(b.staging_path("cc03").unwrap(), b"large").unwrap();
        b.put_batch(&[("aa01", b"one")], &["cc03"]).unwrap();
        assert_eq!(b.get("cc03").unwrap(), b"large");
        assert_eq!(b.get("aa01").unwrap(), b"one");
        assert!(!b.staging_path("cc03").unwrap().exists());
    }

    #[test]
    fn a_body_stored_as_a_file_by_an_earlier_version_is_still_read_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ee")).unwrap();
        std::fs::write(dir.path().join("ee").join("ee05"), b"older").unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        assert_eq!(b.get("ee05").unwrap(), b"older");
        b.delete("ee05").unwrap();
        assert!(b.get("ee05").is_err());
    }

    #[test]
    fn small_bodies_stay_after_the_store_is_opened_again() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        b.put_many(&[("aa01", b"one"), ("bb02", b"two")]).unwrap();
        drop(b);
        let b = LocalBlobs::open(dir.path()).unwrap();
        assert_eq!(b.get("bb02").unwrap(), b"two");
    }

    #[test]
    fn what_a_crash_left_staged_is_gone_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        let left = b.staging_path("dd04").unwrap();
        std::fs::write(&left, b"half").unwrap();
        drop(b);
        LocalBlobs::open(dir.path()).unwrap();
        assert!(!left.exists());
    }

    #[test]
    fn ids_cannot_escape_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBlobs::open(dir.path()).unwrap();
        assert!(b.put("../../etc/passwd", b"x").is_err());
    }
}
