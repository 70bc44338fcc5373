//! Confirming an e-mail address by a link: one live link per account (a new request
//! replaces it), a secret stored only as a keyed hash, single use.

use super::codes::IssueCode;
use super::sessions::AuthContext;
use super::{messages, Core};
use crate::domain::{CodePurpose, Email, RequestContext, UserId};
use crate::error::{CoreError, CoreResult};
use crate::security::random;

impl Core {
    /// Mails a confirmation link `<link_base><token>` valid `ttl_secs`.
    pub async fn start_email_verification(
        &self,
        auth: AuthContext,
        link_base: &str,
        ttl_secs: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let user = self
            .user(auth.user_id)
            .await
            .map_err(|_| CoreError::SessionInvalid)?;
        if user.email_verified_at.is_some() {
            return Err(CoreError::AlreadyVerified);
        }
        self.send_confirmation(&user, link_base, ttl_secs).await
    }

    /// Queues the confirmation mail for `user` (replacing any earlier link) and records
    /// when it was sent.
    pub(crate) async fn send_confirmation(
        &self,
        user: &crate::domain::User,
        link_base: &str,
        ttl_secs: i64,
    ) -> CoreResult<()> {
        let subject = user.id.to_simple();
        let secret = random::alphanumeric(32);
        let link = format!("{link_base}{subject}{secret}");
        let mail = messages::mail_verify_email(user.email.as_str(), &link, self.now());
        self.issue_code(IssueCode {
            purpose: CodePurpose::EmailVerification,
            subject: &subject,
            code: &secret,
            ttl_secs,
            // The address the link proves: after a change of address it confirms nothing.
            data: Some(user.email.normalized().into_bytes()),
            outbox: Some(mail),
            cooldown: false,
        })
        .await?;
        let mut sent = user.clone();
        sent.confirmation_sent_at = Some(self.now());
        self.inner.store.update_user(&sent).await?;
        Ok(())
    }

    /// Mails a new confirmation link to the account with this address, if it exists and
    /// is unconfirmed. Answers the same whether or not anything was sent, so it reveals no
    /// account; the per-address code limit applies either way.
    pub async fn resend_confirmation(
        &self,
        email: &str,
        link_base: &str,
        ttl_secs: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let email = Email::parse(email)?;
        let norm = email.normalized();
        self.count_code_request("email", &norm).await?;
        let user = self
            .inner
            .store
            .user_by_email(&norm)
            .await?
            .filter(|u| u.is_usable() && u.email_verified_at.is_none());
        match user {
            Some(user) => self.send_confirmation(&user, link_base, ttl_secs).await,
            None => Ok(()),
        }
    }

    /// Confirms the address named by a link token. An account already confirmed answers
    /// success (a second click on the same link).
    pub async fn confirm_email(&self, token: &str, ctx: &RequestContext) -> CoreResult<()> {
        if token.len() != 64 || !token.is_ascii() {
            return Err(CoreError::CodeInvalid);
        }
        let (uid, secret) = token.split_at(32);
        let user_id = UserId::parse(uid).ok_or(CoreError::CodeInvalid)?;
        let mut user = self
            .inner
            .store
            .user_by_id(user_id)
            .await?
            .ok_or(CoreError::CodeInvalid)?;
        if user.email_verified_at.is_some() {
            return Ok(());
        }
        let live = self
            .check_code(CodePurpose::EmailVerification, uid, secret)
            .await?;
        if live.data.as_deref() != Some(user.email.normalized().as_bytes()) {
            return Err(CoreError::CodeInvalid);
        }
        self.consume(&live).await?;
        user.email_verified_at = Some(self.now());
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.audit(
            Some(user.id),
            "email.verify",
            Some(user.id),
            ctx,
            "ok",
            serde_json::Value::Null,
        )
        .await;
        Ok(())
    }
}
