//! argon2id hashing off the async runtime, with bounded concurrency so a storm of sign-ins
//! cannot starve token verification, a dummy verify for unknown accounts so timing does not
//! reveal who exists, and a rehash signal when stored parameters differ from the config.
//!
//! The implementation is `dryoc` (pure Rust, AVX2/AVX-512 kernels picked at run time): on
//! this project's machines it hashed about 25–30% faster per core than RustCrypto's
//! `argon2` at equal parameters, and the hash rate is the ceiling of sign-in throughput.
//! Its PHC strings are standard; a differential test below checks both directions against
//! RustCrypto. dryoc creates hashes with one lane only (p = 1, as every OWASP argon2id
//! setting), and verifies any p.

use std::sync::Arc;

use dryoc::pwhash::{Config, VecPwHash};

use super::legacy::{self, ImportHashError};
use super::pool::HashPool;
use crate::config::HashParams;
use crate::domain::Password;
use crate::error::CoreError;

/// Stored hashes asking for more memory than this (KiB) are refused rather than verified:
/// a hostile or corrupt hash must not make the server allocate gigabytes.
const MAX_VERIFY_MEMORY_KIB: u64 = 1024 * 1024;
/// Stored hashes asking for more passes than this are refused likewise.
const MAX_VERIFY_ITERATIONS: u64 = 64;
/// Stored hashes asking for more lanes than this are refused likewise.
const MAX_VERIFY_PARALLELISM: u64 = 16;

/// Outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password matched.
    pub ok: bool,
    /// It matched, but the stored hash should be replaced (other parameters or variant).
    pub needs_rehash: bool,
}

impl Verification {
    const NO: Self = Self {
        ok: false,
        needs_rehash: false,
    };
}

/// The parts of a PHC argon2 string that decide whether to verify and whether to rehash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PhcParams {
    argon2id: bool,
    version: u32,
    memory_kib: u64,
    iterations: u64,
    parallelism: u64,
}

fn parse_phc(stored: &str) -> Option<PhcParams> {
    let mut parts = stored.split('$');
    if !parts.next()?.is_empty() {
        return None;
    }
    let argon2id = match parts.next()? {
        "argon2id" => true,
        "argon2i" => false,
        _ => return None,
    };
    let version = parts.next()?.strip_prefix("v=")?.parse().ok()?;
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in parts.next()?.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u64 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    // Salt and hash must follow.
    parts.next()?;
    parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    Some(PhcParams {
        argon2id,
        version,
        memory_kib: m?,
        iterations: t?,
        parallelism: p?,
    })
}

/// Hashes and verifies passwords on dedicated low-priority threads, N at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    params: HashParams,
    pool: HashPool,
    dummy: Arc<String>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

fn hash_blocking(params: HashParams, password: &str) -> Result<String, CoreError> {
    let memlimit = usize::try_from(params.memory_kib)
        .ok()
        .and_then(|m| m.checked_mul(1024))
        .ok_or_else(|| CoreError::internal("argon2 memory cost too large"))?;
    let config = Config::interactive()
        .with_opslimit(u64::from(params.iterations))
        .with_memlimit(memlimit)
        .with_hash_length(32);
    let salt = super::super::random::bytes(16);
    let hash = VecPwHash::hash_with_salt(&password.as_bytes().to_vec(), salt, config)
        .map_err(|e| CoreError::internal(format!("argon2: {e}")))?;
    hash.to_encoded_string()
        .map_err(|e| CoreError::internal(format!("argon2: {e}")))
}

fn argon2_in_bounds(phc: &PhcParams) -> bool {
    phc.version == 0x13
        && phc.memory_kib <= MAX_VERIFY_MEMORY_KIB
        && (1..=MAX_VERIFY_ITERATIONS).contains(&phc.iterations)
        && (1..=MAX_VERIFY_PARALLELISM).contains(&phc.parallelism)
        && phc.memory_kib >= 8 * phc.parallelism
}

/// Checks that an argon2 PHC string (from an import) can be verified: argon2i or argon2id,
/// version 19, parameters within the verify bounds, salt and hash well encoded.
pub(super) fn check_argon2(stored: &str) -> Result<(), ImportHashError> {
    use base64::Engine;
    let phc = parse_phc(stored).ok_or(ImportHashError::Malformed)?;
    if !argon2_in_bounds(&phc) {
        return Err(ImportHashError::OutOfRange);
    }
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let mut parts = stored.rsplitn(3, '$');
    let (Some(hash), Some(salt)) = (parts.next(), parts.next()) else {
        return Err(ImportHashError::Malformed);
    };
    let salt = b64.decode(salt).map_err(|_| ImportHashError::Malformed)?;
    let hash = b64.decode(hash).map_err(|_| ImportHashError::Malformed)?;
    if !(8..=64).contains(&salt.len()) || !(4..=64).contains(&hash.len()) {
        return Err(ImportHashError::Malformed);
    }
    VecPwHash::from_string(stored).map_err(|_| ImportHashError::Malformed)?;
    Ok(())
}

fn verify_blocking(params: HashParams, password: &str, stored: &str) -> Verification {
    if legacy::is_legacy(stored) {
        // Imported from another backend: any match is replaced with argon2id at sign-in.
        let ok = legacy::verify(password, stored);
        return Verification {
            ok,
            needs_rehash: ok,
        };
    }
    let Some(phc) = parse_phc(stored) else {
        return Verification::NO;
    };
    if !argon2_in_bounds(&phc) {
        tracing::warn!("refusing to verify a stored argon2 hash with out-of-range parameters");
        return Verification::NO;
    }
    let Ok(hash) = VecPwHash::from_string(stored) else {
        return Verification::NO;
    };
    let ok = hash.verify(&password.as_bytes().to_vec()).is_ok();
    Verification {
        ok,
        needs_rehash: ok && !is_current_phc(params, &phc),
    }
}

fn is_current_phc(params: HashParams, phc: &PhcParams) -> bool {
    phc.argon2id
        && phc.memory_kib == u64::from(params.memory_kib)
        && phc.iterations == u64::from(params.iterations)
        && phc.parallelism == u64::from(params.parallelism)
}

impl PasswordHasher {
    /// A hasher with these parameters, running at most `max_concurrent` hashes at once
    /// (0 = the number of CPUs) on low-priority threads.
    pub fn new(params: HashParams, max_concurrent: usize) -> Result<Self, CoreError> {
        Self::with_priority(params, max_concurrent, true)
    }

    /// As [`PasswordHasher::new`], choosing whether the hashing threads run at low priority
    /// (`core.password.hash_low_priority`).
    pub fn with_priority(
        params: HashParams,
        max_concurrent: usize,
        low_priority: bool,
    ) -> Result<Self, CoreError> {
        if params.parallelism != 1 {
            return Err(CoreError::internal("argon2 parallelism must be 1"));
        }
        if params.memory_kib < 8 || params.iterations < 1 {
            return Err(CoreError::internal(
                "argon2 needs memory_kib >= 8 and iterations >= 1",
            ));
        }
        let n = if max_concurrent == 0 {
            std::thread::available_parallelism()
                .map(std::num::NonZero::get)
                .unwrap_or(2)
        } else {
            max_concurrent
        };
        let dummy = hash_blocking(params, &super::super::random::alphanumeric(24))?;
        Ok(Self {
            params,
            pool: HashPool::start(n, low_priority)?,
            dummy: Arc::new(dummy),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(HashParams) -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let params = self.params;
        self.pool.run(move || f(params)).await
    }

    /// A new PHC string for `password`.
    pub async fn hash(&self, password: &Password) -> Result<String, CoreError> {
        let pw = password.expose().to_owned();
        self.run(move |p| hash_blocking(p, &pw)).await?
    }

    /// Checks `password` against `stored`; with `None` (unknown account, social-only
    /// account) it spends the same time on a dummy hash and answers "no".
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verification, CoreError> {
        let pw = password.expose().to_owned();
        let (target, real) = match stored {
            Some(s) => (s.to_owned(), true),
            None => (self.dummy.as_ref().clone(), false),
        };
        // Legacy digests (md5, sha256, a low-count PBKDF2) take microseconds: spend a dummy
        // argon2 check too, so the answer time does not tell imported accounts apart from
        // unknown addresses.
        let pad = (real && legacy::is_legacy(&target) && legacy::is_cheap(&target))
            .then(|| self.dummy.as_ref().clone());
        let v = self
            .run(move |p| {
                if let Some(dummy) = pad {
                    verify_blocking(p, &pw, &dummy);
                }
                verify_blocking(p, &pw, &target)
            })
            .await?;
        Ok(if real { v } else { Verification::NO })
    }

    /// Whether `stored` is an argon2id hash at the configured parameters, i.e. one this
    /// server wrote (or would write), as opposed to an imported legacy hash.
    pub fn is_current(&self, stored: &str) -> bool {
        parse_phc(stored).is_some_and(|phc| is_current_phc(self.params, &phc))
    }

    /// Hashes on the calling thread, without the pool (benchmarks, the CLI).
    pub fn hash_now(&self, password: &str) -> Result<String, CoreError> {
        hash_blocking(self.params, password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> HashParams {
        HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = PasswordHasher::new(cheap(), 2).unwrap();
        let stored = h.hash(&Password::new("correct horse")).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
            "{stored}"
        );
        let ok = h
            .verify(&Password::new("correct horse"), Some(&stored))
            .await
            .unwrap();
        assert_eq!(
            ok,
            Verification {
                ok: true,
                needs_rehash: false
            }
        );
        let bad = h
            .verify(&Password::new("wrong horse"), Some(&stored))
            .await
            .unwrap();
        assert!(!bad.ok);
    }

    #[tokio::test]
    async fn unknown_account_and_garbage_hashes_never_verify() {
        let h = PasswordHasher::new(cheap(), 2).unwrap();
        assert!(!h.verify(&Password::new("x"), None).await.unwrap().ok);
        for junk in [
            "",
            "garbage",
            "$argon2id$v=19$m=1024,t=1,p=1$bad$bad",
            "$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAA",
            "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$AAAA",
            "$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHQ$AAAA",
        ] {
            assert!(
                !h.verify(&Password::new("x"), Some(junk)).await.unwrap().ok,
                "{junk}"
            );
        }
    }

    #[tokio::test]
    async fn other_params_ask_for_a_rehash() {
        let old = PasswordHasher::new(cheap(), 1).unwrap();
        let stored = old.hash(&Password::new("pw-pw-pw-pw")).await.unwrap();
        let new = PasswordHasher::new(
            HashParams {
                memory_kib: 2048,
                iterations: 1,
                parallelism: 1,
            },
            1,
        )
        .unwrap();
        let v = new
            .verify(&Password::new("pw-pw-pw-pw"), Some(&stored))
            .await
            .unwrap();
        assert_eq!(
            v,
            Verification {
                ok: true,
                needs_rehash: true
            }
        );
        let v = new
            .verify(&Password::new("wrong"), Some(&stored))
            .await
            .unwrap();
        assert_eq!(v, Verification::NO, "no rehash signal without a match");
    }

    #[test]
    fn parallelism_other_than_one_is_refused() {
        assert!(PasswordHasher::new(
            HashParams {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 2
            },
            1
        )
        .is_err());
    }

    /// dryoc's hashes verify with RustCrypto and RustCrypto's (argon2id with p > 1, argon2i,
    /// the original weplanx parameters) verify with dryoc.
    #[test]
    fn differential_against_rustcrypto() {
        use argon2::password_hash::{
            PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
        };
        let ours = hash_blocking(cheap(), "pass@VAN1234").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(b"pass@VAN1234", &parsed)
            .is_ok());
        assert!(argon2::Argon2::default()
            .verify_password(b"other", &parsed)
            .is_err());

        let cases = [
            (argon2::Algorithm::Argon2id, 65536, 4, 1), // weplanx's parameters
            (argon2::Algorithm::Argon2id, 1024, 2, 4),
            (argon2::Algorithm::Argon2i, 1024, 3, 1),
        ];
        for (alg, m, t, p) in cases {
            let a = argon2::Argon2::new(
                alg,
                argon2::Version::V0x13,
                argon2::Params::new(m, t, p, Some(32)).unwrap(),
            );
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let theirs = a.hash_password(b"pass@VAN1234", &salt).unwrap().to_string();
            let v = verify_blocking(HashParams::default(), "pass@VAN1234", &theirs);
            assert!(v.ok && v.needs_rehash, "{theirs}");
            assert!(!verify_blocking(HashParams::default(), "nope", &theirs).ok);
        }
    }

    /// argon2 strings made by PHP 8.2 `password_hash` (SSPanel) and by Python's argon2-cffi
    /// (the reference C implementation), including several lanes, verify and ask for a rehash.
    #[test]
    fn php_and_python_argon2_vectors() {
        let cases = [
            // PHP: password_hash("php-legacy-pw1", PASSWORD_ARGON2I) (defaults m=64 MiB, t=4).
            (
                "php-legacy-pw1",
                "$argon2i$v=19$m=65536,t=4,p=1$U3BKcENmRS9BMEFiS3FuMA$vTfhOqGHMRYQth4jUMeFlMHJHTT8l5LcnZg86vL/cVk",
            ),
            // PHP: password_hash("php-legacy-pw1", PASSWORD_ARGON2ID).
            (
                "php-legacy-pw1",
                "$argon2id$v=19$m=65536,t=4,p=1$cUpzMTlINlQwejdFb0lTcQ$Me6Da5tS5f9YZ+1JUdZEmasHNlUgayglKlPfhdYvD7A",
            ),
            // PHP: PASSWORD_ARGON2ID with threads=4, memory_cost=1024, time_cost=2.
            (
                "php-legacy-pw1",
                "$argon2id$v=19$m=1024,t=2,p=4$VlBsVmR5cW80OTFCeG15VA$VDMBNPu27fuDy45dpr1nYkHJ4PJ+GiXOVHi1ReEXnsw",
            ),
            // argon2-cffi: PasswordHasher(time_cost=2, memory_cost=2048, parallelism=4).
            (
                "weplanx-p4-pw",
                "$argon2id$v=19$m=2048,t=2,p=4$tcLzpHcRa1rs0KqGpws6Tw$t7230NZb2DeYwbWEfhuzs+nNeUuKdOgCOKv1sAo5gp0",
            ),
            // argon2-cffi: Type.I, time_cost=3, memory_cost=4096.
            (
                "argon2i-pw",
                "$argon2i$v=19$m=4096,t=3,p=1$0lR5UNNV6rg5+D8KvNctaw$P9Cx32xncd0MuTxp2YgZJ9ZEM8kG6Dy1lIy9ciTV05Q",
            ),
        ];
        for (pw, stored) in cases {
            let v = verify_blocking(cheap(), pw, stored);
            assert_eq!(
                v,
                Verification {
                    ok: true,
                    needs_rehash: true
                },
                "{stored}"
            );
            assert!(!verify_blocking(cheap(), "php-legacy-pw2", stored).ok);
            assert_eq!(check_argon2(stored), Ok(()));
            assert_eq!(
                legacy::encode_imported("argon2", stored, None).as_deref(),
                Ok(stored)
            );
        }
    }

    #[tokio::test]
    async fn legacy_hashes_verify_and_always_ask_for_a_rehash() {
        let h = PasswordHasher::new(cheap(), 2).unwrap();
        let md5 =
            legacy::encode_imported("md5", "10eecfff3b3337bd5d4e9862ab86ec89", Some("s@lt$x"))
                .unwrap();
        for (pw, stored) in [
            (
                "dhde8212",
                "pbkdf2_sha256$10548$qZFRFfsx7E$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=",
            ),
            (
                "php-legacy-pw1",
                "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG",
            ),
            ("sspanel-pw", md5.as_str()),
        ] {
            let v = h.verify(&Password::new(pw), Some(stored)).await.unwrap();
            assert_eq!(
                v,
                Verification {
                    ok: true,
                    needs_rehash: true
                },
                "{stored}"
            );
            assert!(!h.is_current(stored));
            let bad = h
                .verify(&Password::new("nope"), Some(stored))
                .await
                .unwrap();
            assert_eq!(bad, Verification::NO);
        }
        let ours = h.hash(&Password::new("fresh-one-here")).await.unwrap();
        assert!(h.is_current(&ours));
    }

    #[test]
    fn hostile_argon2_parameters_are_refused_on_import() {
        for (stored, want) in [
            (
                "$argon2id$v=19$m=1024,t=65,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                ImportHashError::OutOfRange,
            ),
            (
                "$argon2id$v=19$m=1024,t=1,p=17$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                ImportHashError::OutOfRange,
            ),
            (
                "$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                ImportHashError::OutOfRange,
            ),
            (
                "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                ImportHashError::Malformed,
            ),
            (
                "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$!!",
                ImportHashError::Malformed,
            ),
        ] {
            assert_eq!(check_argon2(stored), Err(want), "{stored}");
        }
    }

    #[test]
    fn phc_parsing() {
        let p = parse_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").unwrap();
        assert_eq!(
            p,
            PhcParams {
                argon2id: true,
                version: 19,
                memory_kib: 19456,
                iterations: 2,
                parallelism: 1
            }
        );
        for bad in [
            "$argon2id$v=19$m=1,t=2$s$h",
            "argon2id$v=19$m=1,t=1,p=1$s$h",
            "$argon2id$v=19$m=1,t=1,p=1,x=2$s$h",
            "$argon2id$v=19$m=1,t=1,p=1$s$h$extra",
        ] {
            assert!(parse_phc(bad).is_none(), "{bad}");
        }
    }
}
