//! Stored password-hash strings (PHC argon2, bcrypt, Django pbkdf2_sha256, the SSPanel
//! salted digests) through the public API of `tessera_core::security::passwords`: format
//! detection and naming, import checks (`encode_imported`), `PasswordHasher::is_current`,
//! and `PasswordHasher::verify` on the hashing pool.
//!
//! Input: one flag byte, then `password \0 stored \0 salt \0 format` (each lossy UTF-8, the
//! missing ones empty), at most 512 bytes in all. Flags: bits 0-2 pick the `hash_format`
//! given to `encode_imported` (detect, argon2, bcrypt, pbkdf2_sha256, md5, sha256, the
//! input's own, `ARGON2ID`); bit 3 passes the salt; bit 4 also hashes the password with the
//! hasher's (tiny) parameters and checks the round trip.
//!
//! Properties: nothing panics; a string `encode_imported` accepts can be verified; a fresh
//! hash verifies for its password, is current and asks for no rehash, and refuses another
//! password.
//!
//! Cost: the core verifies stored hashes up to bcrypt cost 16, 10^7 PBKDF2 iterations and
//! argon2 at 1 GiB x 64 passes, which is bounded but takes seconds to minutes. So that the
//! fuzzer keeps moving, strings whose parameters ask for more than a few milliseconds are
//! parsed and import-checked but not verified, unless `TESSERA_FUZZ_SLOW=1` is set (to time
//! one input: `TESSERA_FUZZ_SLOW=1 cargo +nightly fuzz run password_hash_strings FILE`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tessera_core::config::HashParams;
use tessera_core::domain::Password;
use tessera_core::security::passwords::{encode_imported, LegacyFormat, PasswordHasher};
use tokio::runtime::Runtime;

const MAX_INPUT: usize = 512;
/// Largest work verified per input: bcrypt cost, PBKDF2 iterations, argon2 KiB x passes.
const CHEAP_BCRYPT_COST: u32 = 6;
const CHEAP_PBKDF2_ITERATIONS: u64 = 20_000;
const CHEAP_ARGON2_KIB_PASSES: u64 = 4096;

const FORMATS: [&str; 8] = [
    "",
    "argon2",
    "bcrypt",
    "pbkdf2_sha256",
    "md5",
    "sha256",
    "<input>",
    "ARGON2ID",
];

struct Env {
    rt: Runtime,
    hasher: PasswordHasher,
    slow_ok: bool,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| Env {
        rt: tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime"),
        hasher: PasswordHasher::with_priority(
            HashParams {
                memory_kib: 8,
                iterations: 1,
                parallelism: 1,
            },
            1,
            false,
        )
        .expect("a hasher with tiny parameters"),
        slow_ok: std::env::var_os("TESSERA_FUZZ_SLOW").is_some_and(|v| v == "1"),
    })
}

/// Whether verifying `stored` would cost more than a few milliseconds, reading the cost as
/// the core does (argon2's `parse_phc`: keys in any order, the last of a repeated key wins;
/// bcrypt's two digits; pbkdf2's decimal count). Forms the core cannot read are cheap.
fn expensive(stored: &str) -> bool {
    if let Some(rest) = stored.strip_prefix("$2") {
        // `$2y$NN$...`: the digits sit at bytes 4 and 5 of the whole string.
        let b = rest.as_bytes();
        return match (b.get(2), b.get(3)) {
            (Some(d1), Some(d2)) if d1.is_ascii_digit() && d2.is_ascii_digit() => {
                u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0') > CHEAP_BCRYPT_COST
            }
            _ => false,
        };
    }
    if let Some(rest) = stored.strip_prefix("pbkdf2_sha256$") {
        let iter = rest.split('$').next().unwrap_or_default();
        return iter
            .parse::<u64>()
            .is_ok_and(|n| n > CHEAP_PBKDF2_ITERATIONS);
    }
    if stored.starts_with("$argon2") {
        let Some(params) = stored.split('$').nth(3) else {
            return false;
        };
        let (mut m, mut t) = (0u64, 0u64);
        for kv in params.split(',') {
            let Some((k, v)) = kv.split_once('=') else {
                return false;
            };
            let Ok(v) = v.parse::<u64>() else {
                return false;
            };
            match k {
                "m" => m = v,
                "t" => t = v,
                _ => {}
            }
        }
        return m.saturating_mul(t) > CHEAP_ARGON2_KIB_PASSES;
    }
    false
}

fn verify(env: &Env, password: &str, stored: &str) -> bool {
    if !env.slow_ok && expensive(stored) {
        return false;
    }
    let v = env
        .rt
        .block_on(env.hasher.verify(&Password::new(password), Some(stored)))
        .expect("the hashing pool answers");
    assert!(
        !v.needs_rehash || v.ok,
        "a rehash asked for without a match"
    );
    v.ok
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(4, |&b| b == 0);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (password, stored, salt, own_format) = (next(), next(), next(), next());
    let env = env();

    let _ = LegacyFormat::detect(&stored);
    let _ = own_format.parse::<LegacyFormat>();
    let _ = env.hasher.is_current(&stored);

    let format = match FORMATS[usize::from(flags & 7)] {
        "<input>" => own_format.as_str(),
        f => f,
    };
    let salt = (flags & 8 != 0).then_some(salt.as_str());
    if let Ok(encoded) = encode_imported(format, &stored, salt) {
        // What an import accepts is stored as it is and must be verifiable.
        let _ = verify(env, &password, &encoded);
        let _ = env.hasher.is_current(&encoded);
    }
    let _ = verify(env, &password, &stored);

    if flags & 16 != 0 {
        let fresh = env.hasher.hash_now(&password).expect("hashing");
        assert!(env.hasher.is_current(&fresh), "{fresh}");
        let v = env
            .rt
            .block_on(
                env.hasher
                    .verify(&Password::new(password.as_str()), Some(&fresh)),
            )
            .expect("the hashing pool answers");
        assert!(v.ok && !v.needs_rehash, "{fresh} for {password:?}: {v:?}");
        let other = format!("{password}x");
        assert!(
            !verify(env, &other, &fresh),
            "{fresh} verified another password"
        );
    }
});
