//! Opaque OAuth2 token pairs.

use async_trait::async_trait;
use tessera_core::store::TokenStore;

use crate::PgStore;

#[async_trait]
impl TokenStore for PgStore {}
