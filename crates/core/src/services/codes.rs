//! One-time codes: stored as keyed hashes, expiring, attempt-limited, single-use, with a
//! resend cooldown. A new code for the same purpose and subject replaces the old one.

use time::Duration;
use uuid::Uuid;

use super::Core;
use crate::domain::{CodePurpose, OneTimeCode, OutboxMessage};
use crate::error::{CoreError, CoreResult};
use crate::security::keyed;

/// How a code is issued.
pub(crate) struct IssueCode<'a> {
    pub purpose: CodePurpose,
    pub subject: &'a str,
    pub code: &'a str,
    pub ttl_secs: i64,
    pub data: Option<Vec<u8>>,
    pub outbox: Option<OutboxMessage>,
    pub cooldown: bool,
}

impl Core {
    fn code_hash(&self, purpose: CodePurpose, subject: &str, code: &str) -> Vec<u8> {
        keyed::hash(
            &self.inner.keys.pepper,
            &[
                b"code",
                purpose.as_str().as_bytes(),
                subject.as_bytes(),
                code.as_bytes(),
            ],
        )
    }

    /// Stores a new code (and, atomically, the message that delivers it).
    pub(crate) async fn issue_code(&self, req: IssueCode<'_>) -> CoreResult<()> {
        let now = self.now();
        if req.cooldown {
            let cooldown = Duration::seconds(self.inner.config.codes.resend_cooldown_secs);
            if let Some(live) = self
                .inner
                .store
                .live_code(req.purpose.as_str(), req.subject)
                .await?
            {
                if live.expires_at > now && live.created_at + cooldown > now {
                    return Err(CoreError::CodeRequestedTooOften);
                }
            }
        }
        let code = OneTimeCode {
            id: Uuid::now_v7(),
            purpose: req.purpose.as_str().to_owned(),
            subject: req.subject.to_owned(),
            code_hash: self.code_hash(req.purpose, req.subject, req.code),
            data: req.data,
            created_at: now,
            expires_at: now + Duration::seconds(req.ttl_secs),
            attempts_left: self.inner.config.codes.max_attempts,
            consumed_at: None,
        };
        let has_message = req.outbox.is_some();
        self.inner
            .store
            .put_code(&code, req.outbox.as_ref())
            .await?;
        if has_message {
            self.signal_outbox();
        }
        Ok(())
    }

    /// Checks a code without spending it: the live code when `code` matches. A mismatch
    /// spends one attempt.
    pub(crate) async fn check_code(
        &self,
        purpose: CodePurpose,
        subject: &str,
        code: &str,
    ) -> CoreResult<OneTimeCode> {
        let now = self.now();
        let live = self
            .inner
            .store
            .live_code(purpose.as_str(), subject)
            .await?
            .ok_or(CoreError::CodeInvalid)?;
        if live.attempts_left <= 0 {
            return Err(CoreError::CodeInvalid);
        }
        if code.is_empty() || code.len() > 512 {
            self.inner.store.spend_code_attempt(live.id).await?;
            return Err(CoreError::CodeInvalid);
        }
        let expected = self.code_hash(purpose, subject, code);
        if !keyed::equal(&expected, &live.code_hash) {
            self.inner.store.spend_code_attempt(live.id).await?;
            return Err(CoreError::CodeInvalid);
        }
        if live.expires_at <= now {
            return Err(CoreError::CodeExpired);
        }
        Ok(live)
    }

    /// Spends a checked code; fails for every caller but one when several race.
    pub(crate) async fn consume(&self, code: &OneTimeCode) -> CoreResult<()> {
        if self.inner.store.consume_code(code.id, self.now()).await? {
            Ok(())
        } else {
            Err(CoreError::CodeInvalid)
        }
    }

    /// Checks and spends a code in one go.
    pub(crate) async fn redeem_code(
        &self,
        purpose: CodePurpose,
        subject: &str,
        code: &str,
    ) -> CoreResult<OneTimeCode> {
        let live = self.check_code(purpose, subject, code).await?;
        self.consume(&live).await?;
        Ok(live)
    }
}
