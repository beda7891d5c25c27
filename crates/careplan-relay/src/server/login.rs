//! Password checks that can be neither raced nor timed: one check per office number at a time
//! (so the failure count is read and written before the next guess is looked at), a bound on
//! hashes computed at once, and unknown numbers checked against a hash of the same cost (their
//! failures are counted in the store, like those of registered ones).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedMutexGuard, Semaphore};

/// The state of password checks.
pub(super) struct Logins {
    /// Office numbers with a check under way.
    busy: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Password hashes computed at once.
    hashing: Semaphore,
    /// What a password for an unknown number is checked against, with the same cost.
    dummy_hash: String,
}

/// The right to check a password for one office number; the next waits until it is dropped.
pub(super) struct Turn<'a> {
    logins: &'a Logins,
    number: String,
    lock: Option<Arc<tokio::sync::Mutex<()>>>,
    _guard: OwnedMutexGuard<()>,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut busy = self.logins.busy.lock().unwrap_or_else(|p| p.into_inner());
        // Ours, the map's and the guard's: nobody else waits, so the number is forgotten.
        if let Some(lock) = self.lock.take() {
            if Arc::strong_count(&lock) <= 3 {
                busy.remove(&self.number);
            }
        }
    }
}

impl Logins {
    /// `concurrency` hashes at once (0: one per CPU core).
    pub(super) fn new(concurrency: usize) -> Logins {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let permits = if concurrency == 0 { cores } else { concurrency };
        Logins {
            busy: Mutex::new(HashMap::new()),
            hashing: Semaphore::new(permits.max(1)),
            dummy_hash: crate::password::hash(&crate::password::generate()),
        }
    }

    /// Waits for this number's turn.
    pub(super) async fn turn(&self, number: &str) -> Turn<'_> {
        let lock = {
            let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
            busy.entry(number.to_owned()).or_default().clone()
        };
        let guard = lock.clone().lock_owned().await;
        Turn {
            logins: self,
            number: number.to_owned(),
            lock: Some(lock),
            _guard: guard,
        }
    }

    /// Whether `password` matches `phc` (or, with `None`, a hash nobody knows the password of,
    /// at the same cost); waits for a free hashing slot.
    pub(super) async fn verify(&self, password: String, phc: Option<String>) -> bool {
        let Ok(_slot) = self.hashing.acquire().await else {
            return false;
        };
        let phc = phc.unwrap_or_else(|| self.dummy_hash.clone());
        tokio::task::spawn_blocking(move || crate::password::verify(&password, &phc))
            .await
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn checks_for_one_number_never_overlap() {
        let logins = Arc::new(Logins::new(4));
        let inside = Arc::new(AtomicUsize::new(0));
        let overlaps = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (logins, inside, overlaps) = (logins.clone(), inside.clone(), overlaps.clone());
                tokio::spawn(async move {
                    let _turn = logins.turn("1310000001").await;
                    if inside.fetch_add(1, Ordering::SeqCst) > 0 {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(overlaps.load(Ordering::SeqCst), 0);
        assert!(
            logins.busy.lock().unwrap().is_empty(),
            "numbers are forgotten after"
        );
    }

    #[tokio::test]
    async fn an_unknown_number_is_checked_against_a_real_hash() {
        let logins = Logins::new(1);
        assert!(logins.dummy_hash.starts_with("$argon2id$"));
        assert!(!logins.verify("anything".into(), None).await);
    }
}
