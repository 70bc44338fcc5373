//! Store port for the links between social providers' accounts and Tessera accounts.
//!
//! The provider's stable user id (Google `sub`, Facebook `id`) identifies the person, not
//! the address the provider reports today: addresses get changed, and a provider may hand
//! a released address to someone else (ASVS 5.0 V10.5.2). Each (provider, subject) belongs
//! to at most one account, and an account has at most one subject per provider. Both are
//! unique constraints in the engines, so no interleaving of sign-ins can break them.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use crate::domain::{NewUser, User, UserId};

/// A (provider, subject) pair bound to an account. The subject is personal data: erasure
/// deletes the account's bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalBinding {
    /// The provider, as in the accounts' source: `google`, `facebook`.
    pub provider: String,
    /// The provider's stable user id.
    pub subject: String,
    /// The account it signs in to.
    pub user_id: UserId,
    /// When it was bound (the first sign-in that carried the subject).
    pub created_at: OffsetDateTime,
}

/// What [`IdentityStore::bind_external`] did. The refusals are answers, not errors: the
/// caller decides which account (if any) the sign-in reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    /// Stored now, or exactly this binding already existed (a repeated first use).
    Bound,
    /// The subject is bound to this other account. Nothing was written.
    SubjectTaken(UserId),
    /// The account already has another subject of this provider. Nothing was written.
    AccountBound,
}

/// Social identities.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// The account bound to (provider, subject), compared exactly.
    async fn user_by_external(&self, provider: &str, subject: &str) -> StoreResult<Option<UserId>>;
    /// The account's bindings, oldest first (then by provider). The subject is personal
    /// data, so the access right (the GDPR export) must be able to show it; an unknown or
    /// erased account has none.
    async fn identities_of_user(&self, user_id: UserId) -> StoreResult<Vec<ExternalBinding>>;
    /// Binds a subject to an existing account, checking both uniqueness rules and writing
    /// in one step, so concurrent binds of one subject (or of one account and provider)
    /// leave exactly one binding. `NotFound` when the account does not exist or was erased.
    async fn bind_external(&self, binding: &ExternalBinding) -> StoreResult<BindOutcome>;
    /// Inserts a new account (as [`super::UserStore::insert_user`], without outbox) bound
    /// to (provider, subject), in one transaction: when either write is refused neither
    /// happens, so a first sign-in that lost a race leaves no second account behind.
    /// `Conflict(Email|Username|Phone)` as `insert_user`; `Conflict(Other)` when the
    /// subject is bound already. The binding's time is the account's `created_at`.
    async fn insert_external_user(
        &self,
        user: &NewUser,
        provider: &str,
        subject: &str,
    ) -> StoreResult<User>;
}
