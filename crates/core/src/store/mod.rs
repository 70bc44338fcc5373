//! Store ports: the narrow persistence interface the core needs. One crate per engine
//! implements them (SQLite, PostgreSQL); the conformance suite in `tessera-store-tests`
//! holds both to the same behaviour. Methods that must be atomic (a change plus the
//! outbox message it causes, a code consumed once) are single methods, so each engine
//! can run them in one transaction.

mod files;
mod identities;
mod invites;
pub mod memory;
mod roles;
mod todos;
mod tokens;

pub use files::{FileInsert, FileLimits, FileStore};
pub use identities::{BindOutcome, ExternalBinding, IdentityStore};
pub use invites::InviteStore;
pub use roles::RoleStore;
pub use todos::TodoStore;
pub use tokens::TokenStore;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{
    AuditEvent, LoginEvent, NewUser, OneTimeCode, OutboxMessage, Phone, Session, SessionId, User,
    UserId,
};

/// Which unique constraint a write hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    /// users.email (normalised).
    Email,
    /// users.username (normalised).
    Username,
    /// users.phone.
    Phone,
    /// Any other unique constraint.
    Other,
}

/// Store failures, mapped to domain errors by the core.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint, identified by constraint name (never by parsing messages).
    #[error("unique constraint violated: {0:?}")]
    Conflict(UniqueField),
    /// The row to change does not exist.
    #[error("not found")]
    NotFound,
    /// The engine failed (connection, I/O, corrupt data); the text is for logs only.
    #[error("store backend error: {0}")]
    Backend(String),
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Which of a user's sessions a credential change ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeSessions {
    /// None (e.g. a transparent rehash).
    None,
    /// Every session of the user.
    All,
    /// Every session but this one (the one making the change).
    AllExcept(SessionId),
}

/// Persistent state of a lockout key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutState {
    /// Failures counted in the current window.
    pub failures: i32,
    /// Start of the current counting window.
    pub window_started_at: OffsetDateTime,
    /// Refused until then, even with the right secret.
    pub locked_until: Option<OffsetDateTime>,
}

/// Parameters of one failure being recorded, computed by the core so no engine does time
/// arithmetic in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureUpdate {
    /// Now.
    pub now: OffsetDateTime,
    /// A window that started at or before this instant is over: counting restarts at 1.
    pub window_cutoff: OffsetDateTime,
    /// Failures (after this one) at which the key locks.
    pub max_failures: i32,
    /// When the lock set by this failure ends.
    pub lock_until: OffsetDateTime,
}

/// A page of accounts for the admin listings. Uses the `(created_at, id)` index, and the
/// unique indexes on the normalised e-mail and username for the filter, so a page stays
/// fast with millions of accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Lowercase prefix of the normalised e-mail or username; None for all accounts.
    pub prefix: Option<String>,
    /// Newest first when true.
    pub descending: bool,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
    /// Include deleted (erased) accounts.
    pub include_deleted: bool,
}

/// Everything erased with an account, in one transaction (GDPR erasure).
#[derive(Debug, Clone)]
pub struct Erasure {
    /// The account row as it stays: personal fields blanked, `deleted_at` set. Written
    /// like [`UserStore::update_user`], and the password hash and TOTP state are cleared.
    pub user: User,
    /// One-time codes whose subject is one of these are deleted (the id, the old e-mail).
    pub code_subjects: Vec<String>,
    /// Outbox messages to these recipients (the old e-mail, the phone) are deleted, sent
    /// or not: they hold personal data.
    pub recipients: Vec<String>,
    /// When.
    pub now: OffsetDateTime,
}

/// Accounts.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts an account and, in the same transaction, any outbox messages.
    /// Errors with `Conflict(Email|Username)` on a duplicate.
    async fn insert_user(&self, user: &NewUser, outbox: &[OutboxMessage]) -> StoreResult<User>;
    /// By id.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;
    /// By e-mail, case-insensitively (pass [`crate::domain::Email::normalized`]).
    async fn user_by_email(&self, email_normalized: &str) -> StoreResult<Option<User>>;
    /// By phone.
    async fn user_by_phone(&self, phone: &Phone) -> StoreResult<Option<User>>;
    /// By username, case-insensitively (pass the lowercase form).
    async fn user_by_username(&self, username_normalized: &str) -> StoreResult<Option<User>>;
    /// Writes every mutable field of `user` except `id`, `created_at`, `password_hash` and
    /// `totp_last_step`: those two change only through [`UserStore::set_password_hash`] and
    /// [`UserStore::advance_totp_step`], so a concurrent profile edit can never write back
    /// an old password or reopen a used TOTP step. Errors with `NotFound` or `Conflict(..)`.
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Sets the password hash and ends sessions as asked, in one transaction, with any
    /// outbox messages. Returns the ids of the sessions it revoked.
    async fn set_password_hash(
        &self,
        user_id: UserId,
        hash: &str,
        now: OffsetDateTime,
        revoke: RevokeSessions,
        outbox: &[OutboxMessage],
    ) -> StoreResult<Vec<SessionId>>;
    /// Records that `step` was used, only if it is later than the last used step.
    /// Returns false when the step (or a later one) was already used: a replay.
    async fn advance_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool>;
    /// A page of accounts ordered by creation time, then id.
    async fn list_users(&self, offset: i64, limit: i64) -> StoreResult<Vec<User>>;
    /// Number of accounts.
    async fn count_users(&self) -> StoreResult<i64>;
    /// A filtered page of accounts ordered by creation time, then id (see [`UserQuery`]).
    async fn search_users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
    /// Erases an account: writes the blanked row, clears password and TOTP, revokes every
    /// session, deletes its token pairs, codes, to-dos, role assignments, file rows, login
    /// history and invite quota, and the outbox messages to its addresses; blanks the IP and
    /// user agent of its sessions; deletes its social identity bindings; and removes the IP
    /// from audit events about it (which stay, pseudonymised by the random id). Returns the
    /// revoked session ids.
    async fn erase_user(&self, erasure: &Erasure) -> StoreResult<Vec<SessionId>>;
}

/// Sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Inserts a session. With `single_per_user`, the user's other unrevoked sessions of
    /// the same dialect are revoked in the same transaction (other dialects' sessions are
    /// left alone); their ids are returned.
    async fn create_session(
        &self,
        session: &Session,
        single_per_user: bool,
    ) -> StoreResult<Vec<SessionId>>;
    /// By id, revoked or not.
    async fn session_by_id(&self, id: SessionId) -> StoreResult<Option<Session>>;
    /// Moves `last_seen_at` forward (never backward).
    async fn touch_session(&self, id: SessionId, seen_at: OffsetDateTime) -> StoreResult<()>;
    /// Revokes one session; false if it was unknown or already revoked.
    async fn revoke_session(&self, id: SessionId, now: OffsetDateTime) -> StoreResult<bool>;
    /// Revokes all of a user's unrevoked sessions, except one; returns their ids.
    async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        except: Option<SessionId>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionId>>;
    /// The user's sessions that are not revoked (expiry is for the caller to judge).
    async fn list_user_sessions(&self, user_id: UserId) -> StoreResult<Vec<Session>>;
    /// Revokes the unrevoked sessions of one user (`Some`) or of every user (`None`) whose
    /// absolute end (`expires_at`) is after `now`; returns their ids. Sessions past that end
    /// are left alone: nothing can use them again, and since sessions are never deleted,
    /// ending "everything" would otherwise return (and broadcast) every session ever made.
    /// Sessions that look idle are revoked: a node may have renewed one in its cache
    /// without writing that back yet.
    async fn revoke_unexpired_sessions(
        &self,
        user_id: Option<UserId>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionId>>;
}

/// One-time codes.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Replaces any code for the same (purpose, subject) with this one and, in the same
    /// transaction, enqueues the outbox message that delivers it.
    async fn put_code(&self, code: &OneTimeCode, outbox: Option<&OutboxMessage>)
        -> StoreResult<()>;
    /// The newest unconsumed code for (purpose, subject), expired or not.
    async fn live_code(&self, purpose: &str, subject: &str) -> StoreResult<Option<OneTimeCode>>;
    /// Spends one attempt atomically; returns the attempts left after it, or None when
    /// none were left (or the code is gone).
    async fn spend_code_attempt(&self, id: Uuid) -> StoreResult<Option<i32>>;
    /// Marks the code used; true for exactly one caller, however many race.
    async fn consume_code(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool>;
    /// Deletes every code for (purpose, subject).
    async fn delete_codes(&self, purpose: &str, subject: &str) -> StoreResult<()>;
    /// Deletes codes that expired before `before`; returns how many.
    async fn purge_codes(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Failure counters for lockout.
#[async_trait]
pub trait LockoutStore: Send + Sync {
    /// Current state of a key.
    async fn lockout_get(&self, key: &str) -> StoreResult<Option<LockoutState>>;
    /// Atomically counts one failure (restarting the window when it is over) and locks
    /// the key when the count reaches the maximum. Returns the new state.
    async fn lockout_record_failure(
        &self,
        key: &str,
        update: FailureUpdate,
    ) -> StoreResult<LockoutState>;
    /// Forgets a key (after a success).
    async fn lockout_clear(&self, key: &str) -> StoreResult<()>;
}

/// Login history and audit trail.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a sign-in attempt.
    async fn record_login(&self, event: &LoginEvent) -> StoreResult<()>;
    /// Number of successful sign-ins and the latest one.
    async fn login_summary(&self, user_id: UserId) -> StoreResult<(i64, Option<LoginEvent>)>;
    /// Appends an audit event.
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Newest first, optionally only about (actor or target) one user.
    async fn list_audit(&self, user: Option<UserId>, limit: i64) -> StoreResult<Vec<AuditEvent>>;
    /// Deletes audit and login events older than `before`; returns how many.
    async fn purge_audit(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Outgoing mail and SMS.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Enqueues a message on its own.
    async fn enqueue(&self, message: &OutboxMessage) -> StoreResult<()>;
    /// Claims up to `limit` messages due at `now` (not sent, not dead) by moving their
    /// `next_attempt_at` to `lease_until`, so another node does not take them meanwhile.
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>>;
    /// Delivered. The body and parameters are blanked in the same write: a delivered
    /// message may carry a code, a link or a generated password, and the outbox must not
    /// keep secrets readable at rest. Metadata (recipient, subject, times) stays.
    async fn mark_sent(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Failed: count the attempt, keep the error, retry at `next_attempt_at` or give up
    /// (`dead`, which blanks the body as [`OutboxStore::mark_sent`] does).
    async fn mark_failed(
        &self,
        id: Uuid,
        error: &str,
        next_attempt_at: OffsetDateTime,
        dead: bool,
    ) -> StoreResult<()>;
    /// A message by id (for tests and operators).
    async fn outbox_message(&self, id: Uuid) -> StoreResult<Option<OutboxMessage>>;
}

/// Server keys and settings.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Returns the stored secret `name`, storing `candidate` first if none exists. Safe
    /// when several nodes start at once: all get the same value.
    async fn secret_get_or_insert(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>>;
    /// A runtime setting.
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Sets a runtime setting.
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}

/// What a node hears about sessions revoked anywhere in the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationEvent {
    /// These sessions were revoked (by any node): drop them from the cache.
    Revoked(Vec<SessionId>),
    /// Events may have been missed (the feed reconnected): drop the whole cache.
    Reset,
}

/// The whole store, as the services use it.
#[async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + CodeStore
    + LockoutStore
    + AuditStore
    + OutboxStore
    + KeyStore
    + TodoStore
    + TokenStore
    + InviteStore
    + RoleStore
    + FileStore
    + IdentityStore
{
    /// Cheap liveness check for `/readyz`.
    async fn ping(&self) -> StoreResult<()>;
    /// Engine name for logs and metrics (`sqlite`, `postgres`).
    fn engine(&self) -> &'static str;
    /// Tells the other nodes that these (already committed) revocations happened. Engines
    /// whose feed finds revocations in the data itself (SQLite polls) need not do anything.
    async fn publish_revocations(&self, _ids: &[SessionId]) -> StoreResult<()> {
        Ok(())
    }
    /// A feed of revocations made by any node or process sharing the store, so a running
    /// server drops them from its session cache (PostgreSQL: LISTEN/NOTIFY; SQLite: polling
    /// the file, for the CLI and imports). `None` when nothing else can revoke.
    async fn revocation_feed(
        &self,
    ) -> StoreResult<Option<tokio::sync::mpsc::Receiver<RevocationEvent>>> {
        Ok(None)
    }
}

/// Shared handle to the store.
pub type SharedStore = Arc<dyn Store>;
