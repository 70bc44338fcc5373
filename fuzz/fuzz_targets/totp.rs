//! `tessera_core::security::totp`: `check` and `code_at_step` with any secret and code
//! strings and any time step, i64 extremes included, and the skews a deployment could use.
//!
//! Input: 8 bytes of step (little-endian i64; bytes 8.. of a short input read as 0), one
//! byte of skew (-1..=3), then `secret \0 code` (lossy UTF-8).
//!
//! Properties: nothing panics; `check` matches only six ASCII digits, and what it matches
//! lies in `step - skew ..= step + skew`; the code `code_at_step` gives for the step is six
//! digits and is accepted by `check` at that step with skew 0.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::security::totp;

fuzz_target!(|data: &[u8]| {
    let mut step = [0u8; 8];
    for (i, b) in step.iter_mut().enumerate() {
        *b = data.get(i).copied().unwrap_or(0);
    }
    let step = i64::from_le_bytes(step);
    let skew = i64::from(data.get(8).copied().unwrap_or(0) % 5) - 1;
    let rest = data.get(9..).unwrap_or_default();
    let mut parts = rest.splitn(2, |&b| b == 0);
    let secret = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let code = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();

    if let Some(matched) = totp::check(&secret, &code, step, skew) {
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{code:?} matched"
        );
        assert!(
            (i128::from(step) - i128::from(skew)..=i128::from(step) + i128::from(skew))
                .contains(&i128::from(matched)),
            "matched {matched} outside {step}±{skew}"
        );
    }
    if let Some(expected) = totp::code_at_step(&secret, step) {
        assert!(
            expected.len() == 6 && expected.bytes().all(|b| b.is_ascii_digit()),
            "{expected:?}"
        );
        assert_eq!(totp::check(&secret, &expected, step, 0), Some(step));
    }
    let _ = totp::step_of(step);
    let _ = totp::otpauth_uri(&code, &secret, &secret);
});
