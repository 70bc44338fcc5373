//! argon2id hashing off the async runtime, with bounded concurrency so a storm of sign-ins
//! cannot starve token verification, a dummy verify for unknown accounts so timing does not
//! reveal who exists, and a rehash signal when stored parameters are older than the config.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::config::HashParams;
use crate::domain::Password;
use crate::error::CoreError;

/// Outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password matched.
    pub ok: bool,
    /// It matched, but the stored hash should be replaced (older parameters or format).
    pub needs_rehash: bool,
}

/// Hashes and verifies passwords on the blocking pool, at most N at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
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

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(params: &Params, password: &str) -> Result<String, CoreError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2(params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(CoreError::internal)
}

fn verify_blocking(params: &Params, password: &str, stored: &str) -> Verification {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verification {
            ok: false,
            needs_rehash: false,
        };
    };
    if parsed.algorithm.as_str() != "argon2id" && parsed.algorithm.as_str() != "argon2i" {
        return Verification {
            ok: false,
            needs_rehash: false,
        };
    }
    // Verify with the parameters stored in the hash, whatever they are.
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    let current = Params::try_from(&parsed).ok();
    let same_params = current.is_some_and(|p| {
        p.m_cost() == params.m_cost()
            && p.t_cost() == params.t_cost()
            && p.p_cost() == params.p_cost()
    });
    let needs_rehash = ok
        && (parsed.algorithm.as_str() != "argon2id"
            || parsed.version != Some(0x13)
            || !same_params);
    Verification { ok, needs_rehash }
}

impl PasswordHasher {
    /// A hasher with these parameters, running at most `max_concurrent` hashes at once
    /// (0 = the number of CPUs).
    pub fn new(params: HashParams, max_concurrent: usize) -> Result<Self, CoreError> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(32),
        )
        .map_err(|e| CoreError::internal(format!("invalid argon2 parameters: {e}")))?;
        let n = if max_concurrent == 0 {
            std::thread::available_parallelism()
                .map(std::num::NonZero::get)
                .unwrap_or(2)
        } else {
            max_concurrent
        };
        let dummy = hash_blocking(&params, &super::super::random::alphanumeric(24))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(n)),
            dummy: Arc::new(dummy),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(Params) -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let _permit = self.permits.acquire().await.map_err(CoreError::internal)?;
        let params = self.params.clone();
        tokio::task::spawn_blocking(move || f(params))
            .await
            .map_err(CoreError::internal)
    }

    /// A new PHC string for `password`.
    pub async fn hash(&self, password: &Password) -> Result<String, CoreError> {
        let pw = password.expose().to_owned();
        self.run(move |p| hash_blocking(&p, &pw)).await?
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
        let v = self.run(move |p| verify_blocking(&p, &pw, &target)).await?;
        Ok(if real {
            v
        } else {
            Verification {
                ok: false,
                needs_rehash: false,
            }
        })
    }

    /// Hashes without the pool, for benchmarks and the CLI.
    pub fn hash_now(&self, password: &str) -> Result<String, CoreError> {
        hash_blocking(&self.params, password)
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
        assert!(stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
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
    async fn unknown_account_and_garbage_hash_never_verify() {
        let h = PasswordHasher::new(cheap(), 2).unwrap();
        assert!(!h.verify(&Password::new("x"), None).await.unwrap().ok);
        for junk in [
            "",
            "garbage",
            "$argon2id$v=19$m=1024,t=1,p=1$bad$bad",
            "$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAA",
        ] {
            assert!(
                !h.verify(&Password::new("x"), Some(junk)).await.unwrap().ok,
                "{junk}"
            );
        }
    }

    #[tokio::test]
    async fn older_params_ask_for_a_rehash() {
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
    }

    #[test]
    fn verifies_the_weplanx_format() {
        // Produced with the original's parameters (m=65536,t=4,p=1) by this crate.
        let p = Params::new(65536, 4, 1, Some(32)).unwrap();
        let stored = hash_blocking(&p, "pass@VAN1234").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=65536,t=4,p=1$"));
        let ours = Params::new(19456, 2, 1, Some(32)).unwrap();
        let v = verify_blocking(&ours, "pass@VAN1234", &stored);
        assert!(v.ok && v.needs_rehash);
    }
}
