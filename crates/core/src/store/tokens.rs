//! Store port for opaque OAuth2 token pairs (the clumsy-tools dialect), and for the numeric
//! user ids that dialect's wire format carries.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;
use crate::domain::{TokenPair, UserId};

/// Opaque access/refresh token pairs.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new pair. Hashes are unique.
    async fn insert_token_pair(&self, pair: &TokenPair) -> StoreResult<()>;
    /// The pair whose access token hashes to `hash`.
    async fn token_by_access_hash(&self, hash: &[u8]) -> StoreResult<Option<TokenPair>>;
    /// The pair whose refresh token hashes to `hash`.
    async fn token_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<TokenPair>>;
    /// Marks the pair's refresh token used; true for exactly one caller, however many race.
    async fn spend_refresh_token(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool>;
    /// Deletes pairs whose refresh token ended before `before`; returns how many.
    async fn purge_token_pairs(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// A stable positive integer for the account (assigned on first request, in order),
    /// for wire formats with numeric user ids.
    async fn user_number(&self, user: UserId) -> StoreResult<i64>;
}
