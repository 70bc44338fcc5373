//! Ending sessions as an operator, without blocking anyone: one account's sessions (a
//! stolen laptop, a suspected takeover) or every account's (a leaked signing key, a bad
//! deploy). Blocking an account also ends its sessions (`admin.rs`), but locks its owner
//! out; these leave the accounts alone, so their owners simply sign in again.
//!
//! Every ending goes through the revocation path of logouts and password changes: the
//! store first, then this node's session cache and the broadcast to the other nodes
//! ([`Core::sessions_revoked`]). Every call is audited with who asked (no actor: the
//! operator's CLI), about whom, from where and through what.
//!
//! There is no permission check here: the callers are trusted (the CLI, which holds the
//! database anyway). A dialect offering this to signed-in administrators must call
//! [`Core::authorize`] first.

use super::Core;
use crate::domain::{RequestContext, Session, UserId};
use crate::error::{CoreError, CoreResult};

impl Core {
    /// The account's live sessions, oldest first, so an operator can see where and on
    /// what it is signed in before ending them. Audited: the list shows addresses and
    /// devices, which are personal data.
    pub async fn sessions_for_operator(
        &self,
        actor: Option<UserId>,
        user: UserId,
        ctx: &RequestContext,
    ) -> CoreResult<Vec<Session>> {
        self.existing_account(user).await?;
        let sessions = self.live_sessions(user).await?;
        self.audit(
            actor,
            "admin.sessions.list",
            Some(user),
            ctx,
            "ok",
            serde_json::json!({ "rows": sessions.len(), "via": ctx.dialect }),
        )
        .await;
        Ok(sessions)
    }

    /// Ends every session of one account, in every dialect and on every node, and leaves
    /// the account usable. Returns how many sessions ended (those not yet past their
    /// absolute end, idle-looking ones included: a node may still hold one as live).
    pub async fn end_user_sessions(
        &self,
        actor: Option<UserId>,
        user: UserId,
        ctx: &RequestContext,
    ) -> CoreResult<usize> {
        self.existing_account(user).await?;
        let ids = self
            .inner
            .store
            .revoke_unexpired_sessions(Some(user), self.now())
            .await?;
        self.sessions_revoked(&ids).await;
        self.audit(
            actor,
            "admin.sessions.end",
            Some(user),
            ctx,
            "ok",
            serde_json::json!({ "scope": "user", "sessions": ids.len(), "via": ctx.dialect }),
        )
        .await;
        Ok(ids.len())
    }

    /// Ends every session of every account, on every node; the accounts stay usable.
    /// Returns how many sessions ended (as [`Core::end_user_sessions`] counts them).
    pub async fn end_all_sessions(
        &self,
        actor: Option<UserId>,
        ctx: &RequestContext,
    ) -> CoreResult<usize> {
        let ids = self
            .inner
            .store
            .revoke_unexpired_sessions(None, self.now())
            .await?;
        self.sessions_revoked(&ids).await;
        self.audit(
            actor,
            "admin.sessions.end",
            None,
            ctx,
            "ok",
            serde_json::json!({ "scope": "all", "sessions": ids.len(), "via": ctx.dialect }),
        )
        .await;
        Ok(ids.len())
    }

    /// `NotFound` for an id that names no account, so a mistyped id is not reported as
    /// "0 sessions ended".
    async fn existing_account(&self, user: UserId) -> CoreResult<()> {
        self.inner
            .store
            .user_by_id(user)
            .await?
            .map(|_| ())
            .ok_or(CoreError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use time::Duration;

    use super::*;
    use crate::domain::{AuditEvent, Password};
    use crate::services::testing::{harness, test_ctx, Harness};
    use crate::services::{IssuedTokens, SessionOptions};

    const PW: &str = "correct-horse-1";

    /// What the CLI passes: no address, no actor.
    fn cli() -> RequestContext {
        RequestContext {
            ip: None,
            user_agent: None,
            dialect: "cli",
        }
    }

    /// Signs `email` in twice: once with a cookie-style JWT, once with an opaque token pair.
    async fn two_sessions(h: &Harness, email: &str) -> (String, IssuedTokens) {
        let s = h
            .core
            .sign_in_password(
                email,
                &Password::new(PW),
                &test_ctx(),
                SessionOptions::default(),
            )
            .await
            .unwrap();
        let jwt = h.core.issue_access_token(s.auth()).unwrap();
        let opts = h.core.token_session_options(false);
        let t = h
            .core
            .sign_in_password(email, &Password::new(PW), &test_ctx(), opts)
            .await
            .unwrap();
        let tokens = h.core.issue_tokens(t, false).await.unwrap();
        // Verified once each, so this node holds both sessions in its cache.
        h.core.verify_access_token(&jwt).await.unwrap();
        h.core.verify_bearer(&tokens.access_token).await.unwrap();
        (jwt, tokens)
    }

    async fn dead(h: &Harness, (jwt, tokens): &(String, IssuedTokens)) -> bool {
        matches!(
            h.core.verify_access_token(jwt).await,
            Err(CoreError::SessionInvalid)
        ) && matches!(
            h.core.verify_bearer(&tokens.access_token).await,
            Err(CoreError::SessionInvalid)
        ) && matches!(
            h.core
                .refresh_tokens(&tokens.refresh_token, &test_ctx())
                .await,
            Err(CoreError::InvalidGrant)
        )
    }

    async fn alive(h: &Harness, (jwt, tokens): &(String, IssuedTokens)) -> bool {
        h.core.verify_access_token(jwt).await.is_ok()
            && h.core.verify_bearer(&tokens.access_token).await.is_ok()
    }

    async fn events(h: &Harness, action: &str) -> Vec<AuditEvent> {
        let mut all = h.core.audit_trail(None, 10_000).await.unwrap();
        all.retain(|e| e.action == action);
        all
    }

    #[tokio::test]
    async fn ending_a_users_sessions_kills_their_tokens_spares_others_and_is_audited() {
        let h = harness();
        let a = h.account("a@example.com", None, Some(PW), false).await;
        let b = h.account("b@example.com", None, Some(PW), false).await;
        let a_tokens = two_sessions(&h, "a@example.com").await;
        let b_tokens = two_sessions(&h, "b@example.com").await;

        let listed = h
            .core
            .sessions_for_operator(None, a.id, &cli())
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|s| s.user_id == a.id));
        assert_eq!(
            listed[0].ip.as_deref(),
            Some("127.0.0.1"),
            "where it signed in"
        );

        let ended = h.core.end_user_sessions(None, a.id, &cli()).await.unwrap();
        assert_eq!(ended, 2);
        assert!(
            dead(&h, &a_tokens).await,
            "every token of the user fails at once, cached or not"
        );
        assert!(alive(&h, &b_tokens).await, "other users are left alone");
        assert!(h
            .core
            .sessions_for_operator(None, a.id, &cli())
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            h.core.end_user_sessions(None, a.id, &cli()).await.unwrap(),
            0,
            "nothing left to end"
        );

        // Not blocked: the owner signs in again at once.
        let again = two_sessions(&h, "a@example.com").await;
        assert!(alive(&h, &again).await);

        let ends = events(&h, "admin.sessions.end").await;
        assert_eq!(ends.len(), 2, "{ends:?}");
        let first = ends.last().unwrap();
        assert_eq!(first.actor, None, "the CLI acts as no account");
        assert_eq!(first.target, Some(a.id));
        assert_eq!(first.outcome, "ok");
        assert_eq!(first.detail["scope"], "user");
        assert_eq!(first.detail["sessions"], 2);
        assert_eq!(first.detail["via"], "cli");
        let lists = events(&h, "admin.sessions.list").await;
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].target, Some(a.id));

        // An administrator acting through a dialect is recorded as the actor, with the
        // address the request came from.
        h.core
            .end_user_sessions(Some(b.id), a.id, &test_ctx())
            .await
            .unwrap();
        let newest = events(&h, "admin.sessions.end").await.remove(0);
        assert_eq!(newest.actor, Some(b.id));
        assert_eq!(newest.ip.as_deref(), Some("127.0.0.1"));
        assert!(dead(&h, &again).await);
    }

    #[tokio::test]
    async fn ending_every_session_ends_everyones_and_blocks_nobody() {
        let h = harness();
        let mut tokens = Vec::new();
        for email in ["x@example.com", "y@example.com", "z@example.com"] {
            h.account(email, None, Some(PW), false).await;
            tokens.push(two_sessions(&h, email).await);
        }
        // A session already past its absolute end is not counted as ended now.
        h.account("old@example.com", None, Some(PW), false).await;
        h.core
            .sign_in_password(
                "old@example.com",
                &Password::new(PW),
                &test_ctx(),
                SessionOptions {
                    lifetime_secs: Some(60),
                    ..SessionOptions::default()
                },
            )
            .await
            .unwrap();
        h.clock.advance(Duration::seconds(61));

        let ended = h.core.end_all_sessions(None, &cli()).await.unwrap();
        assert_eq!(ended, 6);
        for t in &tokens {
            assert!(dead(&h, t).await);
        }
        assert_eq!(h.core.end_all_sessions(None, &cli()).await.unwrap(), 0);

        let ends = events(&h, "admin.sessions.end").await;
        let all = ends.last().unwrap();
        assert_eq!(all.actor, None);
        assert_eq!(all.target, None, "about everyone");
        assert_eq!(all.detail["scope"], "all");
        assert_eq!(all.detail["sessions"], 6);
        assert_eq!(all.detail["via"], "cli");

        for email in ["x@example.com", "y@example.com", "z@example.com"] {
            let fresh = two_sessions(&h, email).await;
            assert!(alive(&h, &fresh).await, "{email} signs in again");
        }
    }

    #[tokio::test]
    async fn an_unknown_account_is_not_found_and_nothing_is_audited() {
        let h = harness();
        let nobody = UserId::new();
        assert!(matches!(
            h.core.end_user_sessions(None, nobody, &cli()).await,
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            h.core.sessions_for_operator(None, nobody, &cli()).await,
            Err(CoreError::NotFound)
        ));
        assert!(events(&h, "admin.sessions.end").await.is_empty());
        assert!(events(&h, "admin.sessions.list").await.is_empty());
    }
}
