//! Timing that must not tell anything. In a test binary of its own: the suites run one binary
//! at a time, so the heavy tests beside it (hundreds of password hashes in parallel) cannot
//! skew what it measures.

mod common;

use std::time::Instant;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn a_wrong_password_takes_as_long_for_an_unknown_office_as_for_a_registered_one() {
    // No lock in the way: every attempt is a full check.
    let relay = Relay::start(&[("KIZUNA_RELAY_LOCKOUT_FAILURES", "1000")]);
    // Taken in turns, so a warming cache or a busy moment falls on both alike.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..15 {
        for (office, times) in [(KYOTAKU, &mut known), ("1399999999", &mut unknown)] {
            let started = Instant::now();
            let r = enroll(&relay, office, "wrong-password").await;
            times.push(started.elapsed());
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
    }
    let median = |mut times: Vec<std::time::Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (known, unknown) = (median(known), median(unknown));
    let ratio = known.as_secs_f64() / unknown.as_secs_f64();
    assert!(
        (0.6..=1.6).contains(&ratio),
        "registered {known:?}, unknown {unknown:?}"
    );
}
