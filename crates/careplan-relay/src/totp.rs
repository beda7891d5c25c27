//! Optional second factor at enrolment: time-based one-time passwords (RFC 6238, HMAC-SHA1,
//! 6 digits, 30-second steps), as every authenticator app implements them.

use hmac::{Hmac, Mac};

const STEP: i64 = 30;

/// A new secret: 20 random bytes, base32 without padding (what authenticator apps expect).
pub fn generate_secret() -> String {
    data_encoding::BASE32_NOPAD.encode(&rand::random::<[u8; 20]>())
}

/// The 6-digit code for `unix_time`, or `None` when the secret is not base32.
pub fn code(secret: &str, unix_time: i64) -> Option<String> {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret.trim_end_matches('=').as_bytes())
        .ok()?;
    Some(code_for_key(&key, unix_time.div_euclid(STEP)))
}

fn code_for_key(key: &[u8], counter: i64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0F);
    let bin = u32::from_be_bytes([
        h[offset] & 0x7F,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!("{:06}", bin % 1_000_000)
}

/// The 30-second step whose code `given` is: the current one or one either side (clock drift).
/// A code is single-use: the caller takes the step it answers (see the store).
pub fn matching_step(secret: &str, given: &str, now: i64) -> Option<i64> {
    let given = given.trim();
    if given.len() != 6 {
        return None;
    }
    (-1..=1)
        .map(|d| now + d * STEP)
        .find(|t| code(secret, *t).is_some_and(|c| c == given))
        .map(|t| t.div_euclid(STEP))
}

/// Whether `given` is the code of the current step or one step either side (clock drift).
pub fn verify(secret: &str, given: &str, now: i64) -> bool {
    matching_step(secret, given, now).is_some()
}

/// The `otpauth://` URI an authenticator app reads (usually from a QR code).
pub fn uri(secret: &str, office: &str) -> String {
    format!(
        "otpauth://totp/Kizuna:{office}?secret={secret}&issuer=Kizuna&algorithm=SHA1&digits=6&period=30"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector_for_sha1() {
        // RFC 6238 appendix B: key "12345678901234567890", T = 59 s → 94287082 (8 digits).
        assert_eq!(code_for_key(b"12345678901234567890", 59 / 30), "287082");
        assert_eq!(
            code_for_key(b"12345678901234567890", 1_111_111_109 / 30),
            "081804"
        );
    }

    #[test]
    fn codes_of_neighbouring_steps_verify_and_others_do_not() {
        let s = generate_secret();
        let now = 1_800_000_000;
        assert!(verify(&s, &code(&s, now).unwrap(), now));
        assert!(verify(&s, &code(&s, now - 30).unwrap(), now));
        assert!(!verify(&s, &code(&s, now - 90).unwrap(), now));
        assert!(!verify(&s, "12345", now));
    }
}
