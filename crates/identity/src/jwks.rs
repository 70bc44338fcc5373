//! A cached JSON Web Key Set: the provider's RSA signing keys by key id (`kid`).
//!
//! Keys are fetched on first use and kept for [`MAX_AGE`]. A token signed with a key id the
//! cache does not know triggers a refetch (the provider rotated its keys), but at most once
//! per [`MIN_REFETCH_INTERVAL`], so a stream of tokens with made-up key ids cannot make the
//! server hammer the provider. Fetches are single-flight: concurrent misses wait for one
//! request. When a refetch fails, keys already known are still used.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use tessera_core::clock::Clock;
use tessera_core::ports::IdentityError;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::http::{self, short};

/// How long fetched keys are trusted without asking again.
pub(crate) const MAX_AGE: time::Duration = time::Duration::hours(1);
/// The shortest time between two fetches.
pub(crate) const MIN_REFETCH_INTERVAL: time::Duration = time::Duration::minutes(1);

/// One key of the set, as published; only RSA signature keys are used.
#[derive(Debug, Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The published document.
#[derive(Debug, Deserialize)]
struct RawJwkSet {
    keys: Vec<RawJwk>,
}

/// What the cache holds.
#[derive(Default)]
struct Cached {
    keys: HashMap<String, Arc<DecodingKey>>,
    /// When the last successful fetch happened.
    fetched_at: Option<OffsetDateTime>,
}

/// The signing keys behind one JWKS URL.
pub(crate) struct JwksCache {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    cached: Mutex<Cached>,
}

impl JwksCache {
    /// A cache for the set at `url`; nothing is fetched until the first lookup.
    pub(crate) fn new(
        client: reqwest::Client,
        url: String,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            url,
            timeout,
            clock,
            cached: Mutex::new(Cached::default()),
        }
    }

    /// The key with id `kid`.
    ///
    /// # Errors
    /// `Invalid` when the provider does not publish that key; `Unavailable` when the set
    /// could not be fetched and the key is not cached.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, IdentityError> {
        let mut cached = self.cached.lock().await;
        let now = self.clock.now();
        let age = cached.fetched_at.map(|at| now - at);
        if age.is_some_and(|age| age < MAX_AGE) {
            if let Some(key) = cached.keys.get(kid) {
                return Ok(Arc::clone(key));
            }
        }
        if age.is_none_or(|age| age >= MIN_REFETCH_INTERVAL || age < time::Duration::ZERO) {
            match self.fetch().await {
                Ok(keys) => {
                    cached.keys = keys;
                    cached.fetched_at = Some(now);
                }
                Err(error) => match cached.keys.get(kid) {
                    Some(key) => {
                        tracing::warn!(%error, "jwks refresh failed; using the cached key");
                        return Ok(Arc::clone(key));
                    }
                    None => return Err(error),
                },
            }
        }
        cached.keys.get(kid).map(Arc::clone).ok_or_else(|| {
            IdentityError::Invalid(format!(
                "token signed with an unknown key id `{}`",
                short(kid)
            ))
        })
    }

    /// Downloads and parses the key set.
    async fn fetch(&self) -> Result<HashMap<String, Arc<DecodingKey>>, IdentityError> {
        let answer = http::send(self.client.get(&self.url), self.timeout, "jwks endpoint").await?;
        if !answer.status.is_success() {
            return Err(if answer.is_transient() {
                IdentityError::Unavailable(format!("jwks endpoint answered {}", answer.status))
            } else {
                IdentityError::Misconfigured(format!(
                    "jwks endpoint answered {} (check jwks_url)",
                    answer.status
                ))
            });
        }
        let set: RawJwkSet = serde_json::from_slice(&answer.body).map_err(|e| {
            IdentityError::Unavailable(format!("jwks endpoint sent no key set: {e}"))
        })?;
        let mut keys = HashMap::new();
        for jwk in set.keys {
            let usable = jwk.kty == "RSA"
                && jwk.usage.as_deref().is_none_or(|u| u == "sig")
                && jwk.alg.as_deref().is_none_or(|a| a == "RS256");
            let (Some(kid), Some(n), Some(e), true) = (jwk.kid, jwk.n, jwk.e, usable) else {
                continue;
            };
            match DecodingKey::from_rsa_components(&n, &e) {
                Ok(key) => {
                    keys.insert(kid, Arc::new(key));
                }
                Err(error) => tracing::warn!(%error, kid, "jwks: skipping a malformed key"),
            }
        }
        if keys.is_empty() {
            return Err(IdentityError::Unavailable(
                "jwks endpoint published no usable RS256 key".to_owned(),
            ));
        }
        Ok(keys)
    }
}
