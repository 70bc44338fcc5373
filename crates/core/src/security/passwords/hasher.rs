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
use tokio::sync::Semaphore;

use crate::config::HashParams;
use crate::domain::Password;
use crate::error::CoreError;

/// Stored hashes asking for more memory than this (KiB) are refused rather than verified:
/// a hostile or corrupt hash must not make the server allocate gigabytes.
const MAX_VERIFY_MEMORY_KIB: u64 = 1024 * 1024;
/// Stored hashes asking for more passes than this are refused likewise.
const MAX_VERIFY_ITERATIONS: u64 = 64;

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

/// Hashes and verifies passwords on the blocking pool, at most N at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    params: HashParams,
    permits: Arc<Semaphore>,
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

fn verify_blocking(params: HashParams, password: &str, stored: &str) -> Verification {
    let Some(phc) = parse_phc(stored) else {
        return Verification::NO;
    };
    if phc.version != 0x13
        || phc.memory_kib > MAX_VERIFY_MEMORY_KIB
        || phc.iterations > MAX_VERIFY_ITERATIONS
        || phc.parallelism > 16
    {
        tracing::warn!("refusing to verify a stored argon2 hash with out-of-range parameters");
        return Verification::NO;
    }
    let Ok(hash) = VecPwHash::from_string(stored) else {
        return Verification::NO;
    };
    let ok = hash.verify(&password.as_bytes().to_vec()).is_ok();
    let current = phc.argon2id
        && phc.memory_kib == u64::from(params.memory_kib)
        && phc.iterations == u64::from(params.iterations)
        && phc.parallelism == u64::from(params.parallelism);
    Verification {
        ok,
        needs_rehash: ok && !current,
    }
}

impl PasswordHasher {
    /// A hasher with these parameters, running at most `max_concurrent` hashes at once
    /// (0 = the number of CPUs).
    pub fn new(params: HashParams, max_concurrent: usize) -> Result<Self, CoreError> {
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
            permits: Arc::new(Semaphore::new(n)),
            dummy: Arc::new(dummy),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(HashParams) -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let _permit = self.permits.acquire().await.map_err(CoreError::internal)?;
        let params = self.params;
        tokio::task::spawn_blocking(move || f(params))
            .await
            .map_err(CoreError::internal)
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
        let v = self.run(move |p| verify_blocking(p, &pw, &target)).await?;
        Ok(if real { v } else { Verification::NO })
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
