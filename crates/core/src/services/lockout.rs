//! Lockout: failures of every factor (password, SMS code, TOTP, reset code) count against
//! the account within a window; at the limit the account is refused for a period even with
//! the right secret. Code requests are limited per destination the same way.

use time::Duration;

use super::Core;
use crate::domain::UserId;
use crate::error::{CoreError, CoreResult};
use crate::store::{FailureUpdate, LockoutState};

/// Lockout key of an account.
pub(crate) fn account_key(user: UserId) -> String {
    format!("account:{user}")
}

/// Lockout key for sign-in attempts on an address with no account, so unknown addresses
/// lock exactly like known ones and lockout reveals nothing.
pub(crate) fn unknown_login_key(email_normalized: &str) -> String {
    format!("unknown:{email_normalized}")
}

/// Key counting code requests to one destination (phone or e-mail).
pub(crate) fn destination_key(kind: &str, destination: &str) -> String {
    format!("dest:{kind}:{destination}")
}

impl Core {
    /// Refuses with `AccountLocked` while `key` is locked.
    pub(crate) async fn ensure_not_locked(&self, key: &str) -> CoreResult<()> {
        let now = self.now();
        match self.inner.store.lockout_get(key).await? {
            Some(LockoutState {
                locked_until: Some(until),
                ..
            }) if until > now => Err(CoreError::AccountLocked),
            _ => Ok(()),
        }
    }

    /// Counts one failed attempt against `key`.
    pub(crate) async fn record_failure(&self, key: &str) -> CoreResult<LockoutState> {
        let cfg = &self.inner.config.lockout;
        let now = self.now();
        let update = FailureUpdate {
            now,
            window_cutoff: now - Duration::seconds(cfg.window_secs),
            max_failures: cfg.max_failures,
            lock_until: now + Duration::seconds(cfg.lock_secs),
        };
        Ok(self.inner.store.lockout_record_failure(key, update).await?)
    }

    /// Forgets failures after a success.
    pub(crate) async fn clear_failures(&self, key: &str) -> CoreResult<()> {
        Ok(self.inner.store.lockout_clear(key).await?)
    }

    /// Counts a request for a code to `destination`; refuses with `RateLimited` once the
    /// destination has had its share within the window.
    pub(crate) async fn count_code_request(&self, kind: &str, destination: &str) -> CoreResult<()> {
        let cfg = &self.inner.config.lockout;
        let key = destination_key(kind, destination);
        let now = self.now();
        if let Some(LockoutState {
            locked_until: Some(until),
            ..
        }) = self.inner.store.lockout_get(&key).await?
        {
            if until > now {
                return Err(CoreError::RateLimited);
            }
        }
        let window = Duration::seconds(cfg.code_request_window_secs);
        let update = FailureUpdate {
            now,
            window_cutoff: now - window,
            // The request that reaches the limit is still served; the next one is refused.
            max_failures: cfg.max_code_requests,
            lock_until: now + window,
        };
        self.inner
            .store
            .lockout_record_failure(&key, update)
            .await?;
        Ok(())
    }
}
