//! Heavy work inside async methods: validation, encryption, the OS key store.

/// Runs `f` (CPU- or disk-heavy, or waiting on the OS key store) without stalling the other
/// tasks of a multi-threaded runtime such as the app's: the worker hands its other tasks on
/// first. On a current-thread runtime (the CLI) or outside one, it simply runs.
pub(crate) fn heavy<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn heavy_work_leaves_the_other_tasks_running() {
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    ticks.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let before = ticks.load(Ordering::SeqCst);
        // On the only worker: without the hand-over the ticker could not run meanwhile.
        let during = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                heavy(|| {
                    std::thread::sleep(Duration::from_millis(300));
                    ticks.load(Ordering::SeqCst)
                })
            }
        })
        .await
        .unwrap();
        ticker.abort();
        assert!(during > before + 3, "ticks {before} → {during}");
    }

    #[test]
    fn outside_a_runtime_heavy_work_just_runs() {
        assert_eq!(heavy(|| 7), 7);
    }
}
