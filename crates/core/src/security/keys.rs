//! Server keys: generated on first start and kept in the store (or given in config), so a
//! fresh install needs no setup and every node of a cluster shares them.

use crate::error::CoreError;
use crate::store::KeyStore;

/// The secrets the core signs, hashes and encrypts with.
#[derive(Clone)]
pub struct ServerKeys {
    /// Signs HS256 access tokens.
    pub jwt: Vec<u8>,
    /// Pepper for keyed hashes of codes and opaque tokens.
    pub pepper: Vec<u8>,
    /// Encrypts TOTP seeds (32 bytes).
    pub seal: Vec<u8>,
    /// Signs CSRF tokens.
    pub csrf: Vec<u8>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys(<redacted>)")
    }
}

/// Keys given explicitly in configuration (each overrides the stored one).
#[derive(Debug, Default, Clone)]
pub struct KeyOverrides {
    /// JWT signing key.
    pub jwt: Option<Vec<u8>>,
    /// Pepper.
    pub pepper: Option<Vec<u8>>,
    /// Seal key (must be 32 bytes).
    pub seal: Option<Vec<u8>>,
    /// CSRF key.
    pub csrf: Option<Vec<u8>>,
}

impl ServerKeys {
    /// Loads each key from the store, generating and storing it on first use.
    pub async fn load_or_create(
        store: &dyn KeyStore,
        overrides: KeyOverrides,
    ) -> Result<Self, CoreError> {
        async fn one(
            store: &dyn KeyStore,
            name: &str,
            given: Option<Vec<u8>>,
        ) -> Result<Vec<u8>, CoreError> {
            match given {
                Some(k) => Ok(k),
                None => Ok(store
                    .secret_get_or_insert(name, &super::random::bytes(32))
                    .await?),
            }
        }
        let seal = one(store, "seal", overrides.seal).await?;
        if seal.len() != 32 {
            return Err(CoreError::internal("the seal key must be exactly 32 bytes"));
        }
        Ok(Self {
            jwt: one(store, "jwt", overrides.jwt).await?,
            pepper: one(store, "pepper", overrides.pepper).await?,
            seal,
            csrf: one(store, "csrf", overrides.csrf).await?,
        })
    }

    /// Fixed keys for tests.
    pub fn for_tests() -> Self {
        Self {
            jwt: vec![1; 32],
            pepper: vec![2; 32],
            seal: vec![3; 32],
            csrf: vec![4; 32],
        }
    }
}
