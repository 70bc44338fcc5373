//! Sessions: creation, verification on the hot path, idle and absolute expiry, revocation.
//!
//! Verification must not cost a database round trip for a session known to be live, so
//! each node keeps a cache of live sessions. The cache is only an accelerator: every
//! revocation goes to the store first and then drops the cached entries, and a cache miss
//! reads the store. `last_seen_at` is written back at most once per `touch_interval`.

use std::collections::HashMap;
use std::sync::RwLock;

use time::{Duration, OffsetDateTime};

use super::Core;
use crate::domain::{RequestContext, Session, SessionId, UserId};
use crate::error::{CoreError, CoreResult};
use crate::security::jwt::TokenSubject;
use crate::store::RevocationEvent;

/// Who a verified request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthContext {
    /// The account.
    pub user_id: UserId,
    /// The session the token belongs to.
    pub session_id: SessionId,
}

#[derive(Debug, Clone, Copy)]
struct Cached {
    user_id: UserId,
    expires_at: OffsetDateTime,
    idle: Duration,
    last_seen: OffsetDateTime,
    last_written: OffsetDateTime,
    loaded_at: OffsetDateTime,
}

/// Per-node cache of live sessions (bounded). When the store is shared by several nodes,
/// entries are also re-checked against the store after `SHARED_REVALIDATE_SECS`, which
/// bounds staleness should a revocation broadcast be lost.
#[derive(Debug)]
pub struct SessionCache {
    map: RwLock<HashMap<SessionId, Cached>>,
    capacity: usize,
    enabled: std::sync::atomic::AtomicBool,
    shared: std::sync::atomic::AtomicBool,
}

/// Longest time a cached entry is trusted without reading the store, on shared stores.
pub const SHARED_REVALIDATE_SECS: i64 = 30;

impl SessionCache {
    /// A cache holding at most `capacity` sessions.
    pub fn new(capacity: usize) -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
            capacity,
            enabled: std::sync::atomic::AtomicBool::new(true),
            shared: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Turns caching on or off (off: every verification reads the store).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, std::sync::atomic::Ordering::SeqCst);
        if !on {
            self.clear();
        }
    }

    fn enabled(&self) -> bool {
        self.enabled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Marks the store as shared by several nodes (entries then expire from the cache).
    pub fn set_shared(&self, shared: bool) {
        self.shared
            .store(shared, std::sync::atomic::Ordering::SeqCst);
    }

    fn shared(&self) -> bool {
        self.shared.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<SessionId, Cached>> {
        self.map
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<SessionId, Cached>> {
        self.map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn insert(&self, id: SessionId, entry: Cached, now: OffsetDateTime) {
        if !self.enabled() {
            return;
        }
        let mut map = self.write();
        if map.len() >= self.capacity {
            map.retain(|_, c| now < c.expires_at && now < c.last_seen + c.idle);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(id, entry);
    }

    /// Drops sessions (after they were revoked in the store).
    pub fn forget(&self, ids: &[SessionId]) {
        if ids.is_empty() {
            return;
        }
        let mut map = self.write();
        for id in ids {
            map.remove(id);
        }
    }

    /// Drops every cached session (e.g. when a cross-node revocation feed was lost).
    pub fn clear(&self) {
        self.write().clear();
    }

    /// Number of cached sessions.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}

impl Core {
    /// Starts a session for a user who just proved who they are.
    pub(crate) async fn start_session(
        &self,
        user_id: UserId,
        method: &str,
        ctx: &RequestContext,
        opts: super::SessionOptions,
    ) -> CoreResult<Session> {
        let cfg = &self.inner.config.session;
        let now = self.now();
        let idle = opts.idle_timeout_secs.unwrap_or(cfg.idle_timeout_secs);
        let session = Session {
            id: SessionId::new(),
            user_id,
            created_at: now,
            last_seen_at: now,
            expires_at: now
                + Duration::seconds(
                    opts.lifetime_secs
                        .unwrap_or_else(|| cfg.absolute_lifetime_secs.max(idle)),
                ),
            idle_timeout_secs: idle,
            ip: ctx.ip.clone(),
            user_agent: ctx.user_agent.as_deref().map(|ua| truncate(ua, 512)),
            method: method.to_owned(),
            dialect: ctx.dialect.to_owned(),
            revoked_at: None,
        };
        let revoked = self
            .inner
            .store
            .create_session(&session, opts.single_per_user)
            .await?;
        self.sessions_revoked(&revoked).await;
        self.cache_session(&session, now);
        Ok(session)
    }

    fn cache_session(&self, s: &Session, now: OffsetDateTime) {
        self.inner.cache.insert(
            s.id,
            Cached {
                user_id: s.user_id,
                expires_at: s.expires_at,
                idle: Duration::seconds(s.idle_timeout_secs),
                last_seen: s.last_seen_at,
                last_written: s.last_seen_at,
                loaded_at: now,
            },
            now,
        );
    }

    /// Verifies an HS256 access token and the session it names. A revoked, expired or idle
    /// session fails at once; a live one has its idle timer renewed.
    pub async fn verify_access_token(&self, token: &str) -> CoreResult<AuthContext> {
        let subject = self.inner.jwt.verify(token, self.now())?;
        self.verify_session(subject).await
    }

    /// Verifies that the session named by a token is live and belongs to the token's user.
    pub async fn verify_session(&self, subject: TokenSubject) -> CoreResult<AuthContext> {
        let now = self.now();
        let touch_every = Duration::seconds(self.inner.config.session.touch_interval_secs);
        let cache = &self.inner.cache;
        let cached = cache.read().get(&subject.session_id).copied().filter(|c| {
            !cache.shared() || now - c.loaded_at < Duration::seconds(SHARED_REVALIDATE_SECS)
        });
        let ctx = AuthContext {
            user_id: subject.user_id,
            session_id: subject.session_id,
        };
        if let Some(c) = cached {
            if c.user_id != subject.user_id {
                return Err(CoreError::SessionInvalid);
            }
            if now >= c.expires_at || now >= c.last_seen + c.idle {
                self.inner.cache.forget(&[subject.session_id]);
                return Err(CoreError::SessionInvalid);
            }
            let write_back = now - c.last_written >= touch_every;
            {
                let mut map = self.inner.cache.write();
                if let Some(e) = map.get_mut(&subject.session_id) {
                    e.last_seen = now;
                    if write_back {
                        e.last_written = now;
                    }
                }
            }
            if write_back {
                self.inner
                    .store
                    .touch_session(subject.session_id, now)
                    .await?;
            }
            return Ok(ctx);
        }
        let session = self
            .inner
            .store
            .session_by_id(subject.session_id)
            .await?
            .ok_or(CoreError::SessionInvalid)?;
        if session.user_id != subject.user_id || !session.is_live(now) {
            return Err(CoreError::SessionInvalid);
        }
        self.inner.store.touch_session(session.id, now).await?;
        let mut fresh = session;
        fresh.last_seen_at = now;
        self.cache_session(&fresh, now);
        Ok(ctx)
    }

    /// Ends one session.
    pub async fn revoke_session(&self, session_id: SessionId) -> CoreResult<()> {
        self.inner
            .store
            .revoke_session(session_id, self.now())
            .await?;
        self.sessions_revoked(&[session_id]).await;
        Ok(())
    }

    /// Ends all of a user's sessions, or all but one.
    pub async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        except: Option<SessionId>,
    ) -> CoreResult<usize> {
        let ids = self
            .inner
            .store
            .revoke_user_sessions(user_id, except, self.now())
            .await?;
        self.sessions_revoked(&ids).await;
        Ok(ids.len())
    }

    /// The user's live sessions.
    pub async fn live_sessions(&self, user_id: UserId) -> CoreResult<Vec<Session>> {
        let now = self.now();
        let mut all = self.inner.store.list_user_sessions(user_id).await?;
        all.retain(|s| s.is_live(now));
        Ok(all)
    }

    /// Issues a token for a live session that expires with it after `ttl_secs` (a cookie
    /// session whose lifetime the dialect sets).
    pub fn issue_session_token(&self, ctx: AuthContext, ttl_secs: i64) -> CoreResult<String> {
        self.inner
            .jwt
            .issue(ctx.user_id, ctx.session_id, self.now(), ttl_secs)
    }

    /// Issues an access token for a live session.
    pub fn issue_access_token(&self, ctx: AuthContext) -> CoreResult<String> {
        self.inner.jwt.issue(
            ctx.user_id,
            ctx.session_id,
            self.now(),
            self.inner.config.session.access_token_secs,
        )
    }

    /// After revocations were committed: drop them from this node's cache and tell the
    /// other nodes. A failed broadcast is logged; other nodes then rely on their cache's
    /// revalidation interval.
    pub(crate) async fn sessions_revoked(&self, ids: &[SessionId]) {
        if ids.is_empty() {
            return;
        }
        self.inner.cache.forget(ids);
        if let Err(e) = self.inner.store.publish_revocations(ids).await {
            tracing::error!(error = %e, "could not broadcast session revocations");
        }
    }

    /// Applies revocations heard from other nodes (PostgreSQL) or other processes on the
    /// same file (SQLite: the CLI, an import) until the feed ends. Returns at once when the
    /// engine has no feed (the in-memory store, a single process).
    pub async fn follow_revocations(&self) -> CoreResult<()> {
        let Some(mut feed) = self.inner.store.revocation_feed().await? else {
            return Ok(());
        };
        self.inner.cache.set_shared(true);
        while let Some(event) = feed.recv().await {
            match event {
                RevocationEvent::Revoked(ids) => self.inner.cache.forget(&ids),
                RevocationEvent::Reset => self.inner.cache.clear(),
            }
        }
        // The feed is gone: without it the cache could serve revoked sessions.
        self.inner.cache.clear();
        self.inner.cache.set_enabled(false);
        tracing::error!("session revocation feed ended; session cache disabled");
        Ok(())
    }

    /// Stops caching sessions on this node: every verification then reads the store.
    pub fn disable_session_cache(&self) {
        self.inner.cache.set_enabled(false);
    }

    /// Drops this node's whole session cache.
    pub fn clear_session_cache(&self) {
        self.inner.cache.clear();
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}
