//! `JwtCodec::verify` on hostile input. The first byte picks the mode:
//!
//! - 0: the rest, as (lossy) UTF-8, is a token verified at a fixed time;
//! - 1: round trip: a token issued for ids taken from the input, with bytes flipped at
//!   input-chosen offsets, verified at the same time: it must fail or name the same subject
//!   (and with no flip it must verify);
//! - 2: the rest is a claims payload (any bytes) signed with the codec's key and a real
//!   HS256 header, so the checks after the signature (time claims, ids) meet any claims.
//!
//! Never panics; [`JwtCodec::verify`] answers `Ok` or `Err` for everything.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;
use tessera_core::domain::{SessionId, UserId};
use tessera_core::security::jwt::{JwtCodec, TokenSubject};
use time::OffsetDateTime;
use uuid::Uuid;

const KEY: &[u8] = b"tessera-fuzz-jwt-key-0123456789!";
const ISSUER: &str = "tessera";
/// 2026-01-01T00:00:00Z: every mode verifies at this fixed instant.
const NOW_UNIX: i64 = 1_767_225_600;
const LIFETIME_SECS: i64 = 7200;

fn codec() -> &'static JwtCodec {
    static CODEC: OnceLock<JwtCodec> = OnceLock::new();
    CODEC.get_or_init(|| JwtCodec::new(KEY, ISSUER))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW_UNIX).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn id_bytes(data: &[u8], at: usize) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = data.get(at + i).copied().unwrap_or(0);
    }
    out
}

fn round_trip(data: &[u8]) {
    let user_id = UserId(Uuid::from_bytes(id_bytes(data, 0)));
    let session_id = SessionId(Uuid::from_bytes(id_bytes(data, 16)));
    let token = codec()
        .issue(user_id, session_id, now(), LIFETIME_SECS)
        .expect("issuing a token for valid ids");
    let want = TokenSubject {
        user_id,
        session_id,
    };
    let mut bytes = token.into_bytes();
    let flips = data.get(32..).unwrap_or_default();
    // Each flip is three bytes: a 16-bit offset (modulo the token's length) and a XOR mask.
    let mut changed = false;
    for f in flips.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([f[0], f[1]])) % bytes.len();
        if f[2] != 0 {
            bytes[at] ^= f[2];
            changed = true;
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    match codec().verify(&text, now()) {
        Ok(got) => assert_eq!(got, want, "a changed token verified for another subject"),
        Err(_) => assert!(changed, "an untouched token did not verify"),
    }
}

fn signed_claims(payload: &[u8]) {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // What jsonwebtoken writes for `Header::new(Algorithm::HS256)`.
    let header = b64.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let message = format!("{header}.{}", b64.encode(payload));
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(KEY),
        Algorithm::HS256,
    )
    .expect("HMAC signing");
    let token = format!("{message}.{signature}");
    let _ = codec().verify(&token, now());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let _ = codec().verify(&String::from_utf8_lossy(rest), now());
        }
        1 => round_trip(rest),
        _ => signed_claims(rest),
    }
});
