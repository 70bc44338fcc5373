//! Store port for opaque OAuth2 token pairs (the clumsy-tools dialect).

use async_trait::async_trait;

/// Opaque access/refresh token pairs.
#[async_trait]
pub trait TokenStore: Send + Sync {}
