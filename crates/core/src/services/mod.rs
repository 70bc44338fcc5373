//! Core services: each business rule, once. `Core` is a cheap, cloneable handle that every
//! dialect and the CLI share; the rules are grouped by area in the files below, each an
//! `impl Core` block.

mod accounts;
mod admin;
mod audit;
mod auth;
mod codes;
mod credential_change;
mod email_otp;
mod email_verification;
mod external;
mod factor_reset;
mod files;
mod gdpr;
mod import;
mod invites;
mod lockout;
mod login_codes;
mod messages;
mod mfa;
mod outbox;
mod profile;
mod rate_limits;
mod recovery;
mod session_admin;
mod sessions;
mod settings;
mod todos;
mod tokens;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::CoreConfig;
use crate::error::CoreResult;
use crate::ports::{MemoryBlobStore, RefuseAvatars, SharedAvatarProcessor, SharedBlobStore};
use crate::security::jwt::JwtCodec;
use crate::security::keys::ServerKeys;
use crate::security::passwords::{PasswordHasher, PasswordPolicy};
use crate::store::SharedStore;

pub use accounts::{check_password_classes, CreateUser};
pub use admin::{AdminUserQuery, RoleInput};
pub use auth::{SessionOptions, SignedIn};
pub use email_otp::{PasswordSignIn, PendingSignIn};
pub use factor_reset::FactorsRemoved;
pub use files::Download;
pub use import::{ImportOptions, ImportOutcome, ImportedUser};
pub use outbox::{Dispatcher, RetryPolicy};
pub use profile::{ProfileField, UserOverview};
pub use sessions::{AuthContext, SessionCache};
pub use todos::{
    RepeatInput, TodoInput, TodoView, MAX_DETAIL_BYTES, MAX_MORE_INFO_CHARS, MAX_OPEN_TODOS,
    MAX_TASK_CHARS,
};
pub use tokens::IssuedTokens;

struct Inner {
    store: SharedStore,
    clock: SharedClock,
    keys: ServerKeys,
    config: CoreConfig,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    jwt: JwtCodec,
    cache: SessionCache,
    outbox_signal: Notify,
    media: Media,
}

/// Where uploads go and how avatars are checked.
#[derive(Clone)]
pub struct Media {
    /// Bytes of uploads.
    pub blobs: SharedBlobStore,
    /// Avatar decoding and re-encoding.
    pub avatars: SharedAvatarProcessor,
}

impl Default for Media {
    /// Memory blobs and no avatar support: what unit tests and tools that never upload need.
    fn default() -> Self {
        Self {
            blobs: Arc::new(MemoryBlobStore::default()),
            avatars: Arc::new(RefuseAvatars),
        }
    }
}

/// The account core. Clone freely: all clones share one state.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("engine", &self.inner.store.engine())
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Builds the core from its ports and configuration, with [`Media::default`].
    pub fn new(
        store: SharedStore,
        clock: SharedClock,
        keys: ServerKeys,
        config: CoreConfig,
    ) -> CoreResult<Self> {
        Self::with_media(store, clock, keys, config, Media::default())
    }

    /// Builds the core with the given upload storage and avatar processing.
    pub fn with_media(
        store: SharedStore,
        clock: SharedClock,
        keys: ServerKeys,
        config: CoreConfig,
        media: Media,
    ) -> CoreResult<Self> {
        let hasher = PasswordHasher::with_priority(
            config.password.hash,
            config.password.max_concurrent_hashes,
            config.password.hash_low_priority,
        )?;
        let policy = PasswordPolicy::new(config.password.clone()).with_service_name(&config.issuer);
        let jwt = JwtCodec::new(&keys.jwt, &config.issuer);
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                clock,
                keys,
                config,
                hasher,
                policy,
                jwt,
                cache: SessionCache::new(100_000),
                outbox_signal: Notify::new(),
                media,
            }),
        })
    }

    /// The store, for operations the CLI and health checks need directly.
    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    /// The configuration in force.
    pub fn config(&self) -> &CoreConfig {
        &self.inner.config
    }

    /// The server keys (dialects sign CSRF tokens with `csrf`).
    pub fn keys(&self) -> &ServerKeys {
        &self.inner.keys
    }

    /// The injected clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// The password hasher (benchmarks and the CLI use it directly).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// The password policy in force, for dialects that check a form before the account
    /// exists (so a refused password does not spend an e-mailed code).
    pub fn password_policy(&self) -> &PasswordPolicy {
        &self.inner.policy
    }

    /// The JWT codec of JWT-speaking dialects.
    pub fn jwt(&self) -> &JwtCodec {
        &self.inner.jwt
    }

    /// Wakes the outbox dispatcher after a message was enqueued.
    fn signal_outbox(&self) {
        self.inner.outbox_signal.notify_one();
    }
}

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod email_otp_tests;
#[cfg(test)]
mod external_tests;
#[cfg(test)]
mod files_tests;
#[cfg(test)]
mod gdpr_tests;
#[cfg(test)]
mod password_context_tests;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
mod second_factor_tests;
#[cfg(test)]
pub(crate) mod testing;
