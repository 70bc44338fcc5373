//! Store port for invite codes and per-inviter quotas.
//!
//! A quota is a number of invitations left: positive counts down, zero refuses, a negative
//! value is unlimited (SSPanel's convention). A user without a quota row has zero. Spending
//! a use is one conditional update, so concurrent registrations can never overspend.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{InviteCode, InviteTake, UserId};

/// Invite codes.
#[async_trait]
pub trait InviteStore: Send + Sync {
    /// Stores a new code. `Conflict(Other)` when the hash exists; `NotFound` when the owner
    /// does not exist.
    async fn insert_invite(&self, code: &InviteCode) -> StoreResult<()>;
    /// Every code, oldest first.
    async fn list_invites(&self) -> StoreResult<Vec<InviteCode>>;
    /// Sets a user's quota. `NotFound` when the user does not exist.
    async fn set_invite_quota(&self, user: UserId, remaining: i64) -> StoreResult<()>;
    /// A user's quota (zero when none was ever set).
    async fn invite_quota(&self, user: UserId) -> StoreResult<i64>;
    /// Spends one use of the code with this hash, if it has one to give.
    async fn take_invite(&self, code_hash: &str) -> StoreResult<InviteTake>;
    /// Gives back a use spent by [`InviteStore::take_invite`] (the registration failed).
    async fn return_invite(&self, code_hash: &str) -> StoreResult<()>;
}
