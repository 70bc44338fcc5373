//! RFC 6238 TOTP (SHA-1, 6 digits, 30 s): secrets, `otpauth://` URIs, and checks that
//! return the matched time step so the caller can refuse a replay.

use totp_rs::{Algorithm, TOTP};

/// Seconds per step.
pub const STEP_SECS: i64 = 30;

/// A fresh 160-bit secret (RFC 4226 recommends 160 bits), base32 without padding.
pub fn generate_secret() -> String {
    data_encoding::BASE32_NOPAD.encode(&super::random::bytes(20))
}

/// The time step containing `unix_secs`.
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

fn totp_for(secret_b32: &str) -> Option<TOTP> {
    let bytes = data_encoding::BASE32_NOPAD
        .decode(secret_b32.trim_end_matches('=').as_bytes())
        .ok()?;
    if bytes.is_empty() {
        return None;
    }
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECS as u64,
        bytes,
    ))
}

/// The code for a given step (for tests and enrolment checks).
pub fn code_at_step(secret_b32: &str, step: i64) -> Option<String> {
    let t = totp_for(secret_b32)?;
    Some(t.generate(u64::try_from(step.checked_mul(STEP_SECS)?).ok()?))
}

/// Checks `code` against the steps `now_step - skew ..= now_step + skew`; returns the
/// matched step. Input that is not exactly six ASCII digits never matches. An empty or
/// undecodable secret never matches (the original accepted codes for an empty secret).
pub fn check(secret_b32: &str, code: &str, now_step: i64, skew: i64) -> Option<i64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp_for(secret_b32)?;
    let mut matched = None;
    // Check every candidate so timing does not reveal which step matched.
    // Steps at the ends of the i64 range (never a real clock) are skipped, not wrapped.
    for step in now_step.saturating_sub(skew)..=now_step.saturating_add(skew) {
        let Some(at) = step
            .checked_mul(STEP_SECS)
            .and_then(|secs| u64::try_from(secs).ok())
        else {
            continue;
        };
        let expected = t.generate(at);
        if super::keyed::equal(expected.as_bytes(), code.as_bytes()) {
            matched = Some(step);
        }
    }
    matched
}

/// Percent-encodes like Go's `url.PathEscape` (what the original's URIs used).
fn path_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'_' | b'~' | b'$' | b'&' | b'+' | b':' | b'=' | b'@'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a query value like Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `otpauth://totp/<issuer>:<account>?issuer=<issuer>&secret=<secret>`, keys sorted as the
/// original's Go encoder did.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?issuer={}&secret={}",
        path_escape(issuer),
        path_escape(account),
        query_escape(issuer),
        secret_b32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", truncated to 6 digits.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc6238_vectors() {
        assert_eq!(code_at_step(RFC_SECRET, step_of(59)).unwrap(), "287082");
        assert_eq!(
            code_at_step(RFC_SECRET, step_of(1_111_111_109)).unwrap(),
            "081804"
        );
        assert_eq!(
            code_at_step(RFC_SECRET, step_of(1_234_567_890)).unwrap(),
            "005924"
        );
    }

    #[test]
    fn check_returns_the_step_and_respects_skew() {
        let now = step_of(1_234_567_890);
        assert_eq!(check(RFC_SECRET, "005924", now, 0), Some(now));
        let prev = code_at_step(RFC_SECRET, now - 1).unwrap();
        assert_eq!(check(RFC_SECRET, &prev, now, 0), None);
        assert_eq!(check(RFC_SECRET, &prev, now, 1), Some(now - 1));
    }

    #[test]
    fn malformed_codes_and_empty_secrets_never_match() {
        let now = step_of(1_234_567_890);
        for bad in ["", "00592", "0059240", "00592a", "٠٠٥٩٢٤"] {
            assert_eq!(check(RFC_SECRET, bad, now, 1), None, "{bad:?}");
        }
        assert_eq!(check("", "005924", now, 1), None);
        assert_eq!(check("!!!", "005924", now, 1), None);
    }

    #[test]
    fn uri_matches_the_original_format() {
        assert_eq!(
            otpauth_uri("weplanx", "a@b.com", "ABCD"),
            "otpauth://totp/weplanx:a@b.com?issuer=weplanx&secret=ABCD"
        );
        assert!(otpauth_uri("my app", "x/y@b.c", "S")
            .starts_with("otpauth://totp/my%20app:x%2Fy@b.c?issuer=my+app"));
        assert_eq!(generate_secret().len(), 32);
    }

    /// Found by the `totp` fuzz target: steps near the ends of the i64 range overflowed
    /// the step-to-seconds multiplication (a panic with overflow checks). They never match
    /// now, and never panic.
    #[test]
    fn extreme_steps_never_panic_or_match() {
        let secret = generate_secret();
        for step in [
            i64::MIN,
            i64::MIN + 1,
            i64::MAX / 30 + 1,
            i64::MAX - 1,
            i64::MAX,
        ] {
            assert_eq!(code_at_step(&secret, step), None, "{step}");
            for skew in [0, 1, 3] {
                assert_eq!(check(&secret, "123456", step, skew), None, "{step}±{skew}");
            }
        }
        let now = step_of(1_800_000_000);
        let code = code_at_step(&secret, now).unwrap();
        assert_eq!(check(&secret, &code, now, 1), Some(now));
    }
}
