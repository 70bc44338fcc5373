//! Request limits per client IP and action (sign-in, registration, code sending, reset,
//! refresh), shared by every dialect and, through the store, by every node.
//!
//! They sit next to the per-account lockout and the per-destination code limits: those
//! stop guessing at one account and flooding one inbox; these stop one client from
//! spraying passwords over many accounts or sending mail to many addresses. Calls without
//! a client IP (the CLI, imports) are not limited. The request that reaches the limit is
//! served; the next ones are refused with `TooManyRequests` until the window ends.

use time::Duration;

use super::Core;
use crate::config::Limit;
use crate::domain::RequestContext;
use crate::error::{CoreError, CoreResult};
use crate::store::{FailureUpdate, LockoutState};

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Sign-in attempts of any factor.
    SignIn,
    /// Registrations.
    Register,
    /// Requests that send a code or a link.
    SendCode,
    /// Password reset requests and completions.
    Reset,
    /// Token refreshes.
    Refresh,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Register => "register",
            Self::SendCode => "send_code",
            Self::Reset => "reset",
            Self::Refresh => "refresh",
        }
    }
}

/// Lockout-store key of an (action, IP) counter.
fn key(action: Action, ip: &str) -> String {
    format!("rate:{}:{ip}", action.name())
}

impl Core {
    fn limit_of(&self, action: Action) -> Limit {
        let l = &self.inner.config.rate_limits;
        match action {
            Action::SignIn => l.sign_in,
            Action::Register => l.register,
            Action::SendCode => l.send_code,
            Action::Reset => l.reset,
            Action::Refresh => l.refresh,
        }
    }

    /// Counts one request of `action` from the caller's IP; refuses with
    /// `TooManyRequests(seconds left)` once the IP has used its share of the window.
    pub(crate) async fn limit_ip(&self, action: Action, ctx: &RequestContext) -> CoreResult<()> {
        let Some(ip) = ctx.ip.as_deref() else {
            return Ok(());
        };
        let limit = self.limit_of(action);
        if limit.max <= 0 || limit.window_secs <= 0 {
            return Ok(());
        }
        let key = key(action, ip);
        let now = self.now();
        if let Some(LockoutState {
            locked_until: Some(until),
            ..
        }) = self.inner.store.lockout_get(&key).await?
        {
            if until > now {
                let secs = (until - now).whole_seconds().max(1);
                return Err(CoreError::TooManyRequests(secs));
            }
        }
        let window = Duration::seconds(limit.window_secs);
        self.inner
            .store
            .lockout_record_failure(
                &key,
                FailureUpdate {
                    now,
                    window_cutoff: now - window,
                    max_failures: limit.max,
                    lock_until: now + window,
                },
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use time::Duration;

    use super::*;
    use crate::services::testing::harness_with;

    fn from(ip: &str) -> RequestContext {
        RequestContext {
            ip: Some(ip.to_owned()),
            user_agent: None,
            dialect: "test",
        }
    }

    #[tokio::test]
    async fn an_ip_gets_its_share_per_window_and_others_are_unaffected() {
        let h = harness_with(|c| {
            c.rate_limits.sign_in = Limit {
                max: 3,
                window_secs: 60,
            };
        });
        let a = from("198.51.100.1");
        for _ in 0..3 {
            h.core.limit_ip(Action::SignIn, &a).await.unwrap();
        }
        let refused = h.core.limit_ip(Action::SignIn, &a).await;
        assert!(
            matches!(refused, Err(CoreError::TooManyRequests(s)) if (1..=60).contains(&s)),
            "{refused:?}"
        );
        // Another IP, another action, and calls without an IP are not affected.
        h.core
            .limit_ip(Action::SignIn, &from("198.51.100.2"))
            .await
            .unwrap();
        h.core.limit_ip(Action::Register, &a).await.unwrap();
        h.core
            .limit_ip(Action::SignIn, &RequestContext::default())
            .await
            .unwrap();
        // The wait shrinks with time, and after the window the IP is served again.
        h.clock.advance(Duration::seconds(45));
        assert!(matches!(
            h.core.limit_ip(Action::SignIn, &a).await,
            Err(CoreError::TooManyRequests(s)) if s <= 15
        ));
        h.clock.advance(Duration::seconds(16));
        h.core.limit_ip(Action::SignIn, &a).await.unwrap();
    }

    #[tokio::test]
    async fn a_zero_limit_is_off() {
        let h = harness_with(|c| {
            c.rate_limits.refresh = Limit {
                max: 0,
                window_secs: 60,
            };
        });
        for _ in 0..100 {
            h.core
                .limit_ip(Action::Refresh, &from("198.51.100.1"))
                .await
                .unwrap();
        }
    }
}
