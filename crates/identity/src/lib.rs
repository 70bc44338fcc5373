//! Social sign-in adapters: Google (ID tokens, authorization codes) and Facebook (access
//! tokens, authorization codes).
//!
//! The core defines the [`IdentityProvider`](tessera_core::ports::IdentityProvider) port;
//! this crate implements it for each provider and builds the enabled ones from config, once,
//! at start-up ([`build_providers`]). Every endpoint is configurable so tests (and staging
//! setups) can point the adapters at a local fake provider. All providers share one HTTP
//! client. Config errors name the offending key so `tessera config check` can point at it.

pub mod config;
pub mod facebook;
pub mod google;
mod http;
mod jwks;

use std::collections::HashMap;
use std::sync::Arc;

use tessera_core::clock::{Clock, SystemClock};
use tessera_core::ports::SharedIdentityProvider;

pub use config::{FacebookConfig, GoogleConfig, IdentityConfig};
pub use facebook::FacebookProvider;
pub use google::GoogleProvider;
pub use http::http_client;

/// Validates `cfg` and builds every enabled provider, keyed by its name (`google`,
/// `facebook`). Disabled providers are absent from the map and their keys are not checked.
///
/// # Errors
/// A message naming the bad key, e.g. `identity.google.web_client_id is required when
/// identity.google.enabled = true`.
pub fn build_providers(
    cfg: &IdentityConfig,
) -> Result<HashMap<&'static str, SharedIdentityProvider>, String> {
    build_providers_with_clock(cfg, Arc::new(SystemClock))
}

/// [`build_providers`] with an injected clock (token expiry, key-cache refresh).
///
/// # Errors
/// As [`build_providers`].
pub fn build_providers_with_clock(
    cfg: &IdentityConfig,
    clock: Arc<dyn Clock>,
) -> Result<HashMap<&'static str, SharedIdentityProvider>, String> {
    let mut providers: HashMap<&'static str, SharedIdentityProvider> = HashMap::new();
    if !cfg.google.enabled && !cfg.facebook.enabled {
        return Ok(providers);
    }
    let client = http_client()?;
    if cfg.google.enabled {
        let google = GoogleProvider::new(&cfg.google, client.clone(), clock)?;
        providers.insert("google", Arc::new(google));
    }
    if cfg.facebook.enabled {
        let facebook = FacebookProvider::new(&cfg.facebook, client)?;
        providers.insert("facebook", Arc::new(facebook));
    }
    Ok(providers)
}
