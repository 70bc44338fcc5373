//! Opaque OAuth2 tokens (the clumsy-tools dialect): random access and refresh tokens,
//! stored only as keyed hashes, each pair inside a session.
//!
//! Refreshing spends the refresh token and issues a new pair in the same session. A spent
//! refresh token presented again within the grace window gets another fresh pair (a client
//! that fired several refreshes at once must not sign itself out); after the window it is
//! a replay, so the whole session is revoked. Revoking the session (logout, password change,
//! blocking) kills every pair in it at once.

use time::Duration;
use uuid::Uuid;

use super::sessions::AuthContext;
use super::{Core, SessionOptions, SignedIn};
use crate::domain::{RequestContext, TokenPair, User};
use crate::error::{CoreError, CoreResult};
use crate::security::{keyed, random};

/// Tokens handed to a client.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    /// Bearer access token.
    pub access_token: String,
    /// Refresh token (single use).
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
    /// The account.
    pub user: User,
    /// The session the tokens belong to.
    pub auth: AuthContext,
}

impl Core {
    fn token_hash(&self, kind: &[u8], token: &str) -> Vec<u8> {
        keyed::hash(
            &self.inner.keys.pepper,
            &[b"opaque-token", kind, token.as_bytes()],
        )
    }

    /// Session options for a token session: it lives as long as its refresh tokens can.
    pub fn token_session_options(&self, long: bool) -> SessionOptions {
        let t = &self.inner.config.tokens;
        let lifespan = if long {
            t.long_access_secs
        } else {
            t.access_secs
        };
        SessionOptions {
            single_per_user: false,
            idle_timeout_secs: Some(lifespan + t.refresh_extra_secs),
            lifetime_secs: None,
        }
    }

    async fn issue_pair(
        &self,
        auth: AuthContext,
        lifespan_secs: i64,
    ) -> CoreResult<(String, String)> {
        let now = self.now();
        let access = random::uuid_shaped();
        let refresh = random::uuid_shaped();
        let pair = TokenPair {
            id: Uuid::now_v7(),
            session_id: auth.session_id,
            user_id: auth.user_id,
            access_hash: self.token_hash(b"access", &access),
            refresh_hash: self.token_hash(b"refresh", &refresh),
            lifespan_secs,
            created_at: now,
            access_expires_at: now + Duration::seconds(lifespan_secs),
            refresh_expires_at: now
                + Duration::seconds(lifespan_secs + self.inner.config.tokens.refresh_extra_secs),
            spent_at: None,
        };
        self.inner.store.insert_token_pair(&pair).await?;
        Ok((access, refresh))
    }

    /// The first token pair of a session that was just signed in (with the options from
    /// [`Core::token_session_options`]).
    pub async fn issue_tokens(&self, signed_in: SignedIn, long: bool) -> CoreResult<IssuedTokens> {
        let t = &self.inner.config.tokens;
        let lifespan = if long {
            t.long_access_secs
        } else {
            t.access_secs
        };
        let auth = signed_in.auth();
        let (access_token, refresh_token) = self.issue_pair(auth, lifespan).await?;
        Ok(IssuedTokens {
            access_token,
            refresh_token,
            expires_in: lifespan,
            user: signed_in.user,
            auth,
        })
    }

    /// A refresh token (with its opaque access twin) for a session whose access tokens a
    /// dialect issues itself, living `lifespan_secs` plus the configured refresh extra.
    pub async fn issue_tokens_with_lifespan(
        &self,
        signed_in: &SignedIn,
        lifespan_secs: i64,
    ) -> CoreResult<IssuedTokens> {
        let auth = signed_in.auth();
        let (access_token, refresh_token) = self.issue_pair(auth, lifespan_secs).await?;
        Ok(IssuedTokens {
            access_token,
            refresh_token,
            expires_in: lifespan_secs,
            user: signed_in.user.clone(),
            auth,
        })
    }

    /// Verifies a bearer access token: unknown, superseded or revoked tokens are
    /// `SessionInvalid`; a known one past its lifetime is `TokenExpired`.
    pub async fn verify_bearer(&self, token: &str) -> CoreResult<AuthContext> {
        if token.is_empty() || token.len() > 512 {
            return Err(CoreError::SessionInvalid);
        }
        let pair = self
            .inner
            .store
            .token_by_access_hash(&self.token_hash(b"access", token))
            .await?
            .ok_or(CoreError::SessionInvalid)?;
        if pair.spent_at.is_some() {
            return Err(CoreError::SessionInvalid);
        }
        let auth = AuthContext {
            user_id: pair.user_id,
            session_id: pair.session_id,
        };
        self.verify_session(crate::security::jwt::TokenSubject {
            user_id: auth.user_id,
            session_id: auth.session_id,
        })
        .await?;
        if pair.access_expires_at <= self.now() {
            return Err(CoreError::TokenExpired);
        }
        Ok(auth)
    }

    /// Exchanges a refresh token for a new pair in the same session (see the module notes
    /// for the grace window and replay handling).
    pub async fn refresh_tokens(
        &self,
        refresh_token: &str,
        ctx: &RequestContext,
    ) -> CoreResult<IssuedTokens> {
        self.limit_ip(super::rate_limits::Action::Refresh, ctx)
            .await?;
        if refresh_token.is_empty() || refresh_token.len() > 512 {
            return Err(CoreError::InvalidGrant);
        }
        let now = self.now();
        let pair = self
            .inner
            .store
            .token_by_refresh_hash(&self.token_hash(b"refresh", refresh_token))
            .await?
            .ok_or(CoreError::InvalidGrant)?;
        if pair.refresh_expires_at <= now {
            return Err(CoreError::InvalidGrant);
        }
        let auth = AuthContext {
            user_id: pair.user_id,
            session_id: pair.session_id,
        };
        let subject = crate::security::jwt::TokenSubject {
            user_id: auth.user_id,
            session_id: auth.session_id,
        };
        self.verify_session(subject).await.map_err(|e| match e {
            CoreError::SessionInvalid => CoreError::InvalidGrant,
            other => other,
        })?;
        if !self.inner.store.spend_refresh_token(pair.id, now).await? {
            let spent_at = self
                .inner
                .store
                .token_by_refresh_hash(&pair.refresh_hash)
                .await?
                .and_then(|p| p.spent_at)
                .unwrap_or(now);
            let grace = Duration::seconds(self.inner.config.tokens.refresh_grace_secs);
            if now - spent_at > grace {
                self.revoke_session(auth.session_id).await?;
                self.audit(
                    Some(auth.user_id),
                    "token.replay",
                    Some(auth.user_id),
                    ctx,
                    "session_revoked",
                    serde_json::json!({ "session": auth.session_id.to_simple() }),
                )
                .await;
                return Err(CoreError::InvalidGrant);
            }
        }
        let user = self
            .user(auth.user_id)
            .await
            .map_err(|_| CoreError::InvalidGrant)?;
        let (access_token, refresh_token) = self.issue_pair(auth, pair.lifespan_secs).await?;
        Ok(IssuedTokens {
            access_token,
            refresh_token,
            expires_in: pair.lifespan_secs,
            user,
            auth,
        })
    }

    /// A stable positive number for the account, for wire formats with numeric user ids.
    pub async fn user_number(&self, user: crate::domain::UserId) -> CoreResult<i64> {
        Ok(self.inner.store.user_number(user).await?)
    }
}
