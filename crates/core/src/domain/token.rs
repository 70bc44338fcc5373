//! Opaque OAuth2 token pairs (the clumsy-tools dialect): an access token and a refresh
//! token, stored only as keyed hashes, each pair belonging to one session.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{SessionId, UserId};

/// One issued access/refresh pair. Refreshing spends the pair's refresh token and issues a
/// new pair in the same session; revoking the session kills every pair in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// Row id.
    pub id: Uuid,
    /// The session the pair belongs to.
    pub session_id: SessionId,
    /// The account.
    pub user_id: UserId,
    /// Keyed hash of the access token.
    pub access_hash: Vec<u8>,
    /// Keyed hash of the refresh token.
    pub refresh_hash: Vec<u8>,
    /// Access-token lifetime in seconds (kept across refreshes: a long session stays long).
    pub lifespan_secs: i64,
    /// Issue time.
    pub created_at: OffsetDateTime,
    /// End of the access token.
    pub access_expires_at: OffsetDateTime,
    /// End of the refresh token.
    pub refresh_expires_at: OffsetDateTime,
    /// When the refresh token was used (the pair is then superseded).
    pub spent_at: Option<OffsetDateTime>,
}
