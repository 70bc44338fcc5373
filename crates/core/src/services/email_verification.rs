//! Confirming an e-mail address by a link: one live link per account (a new request
//! replaces it), a secret stored only as a keyed hash, single use.

use super::codes::IssueCode;
use super::sessions::AuthContext;
use super::{messages, Core};
use crate::domain::{CodePurpose, RequestContext, UserId};
use crate::error::{CoreError, CoreResult};
use crate::security::random;

impl Core {
    /// Mails a confirmation link `<link_base><token>` valid `ttl_secs`.
    pub async fn start_email_verification(
        &self,
        auth: AuthContext,
        link_base: &str,
        ttl_secs: i64,
        _ctx: &RequestContext,
    ) -> CoreResult<()> {
        let user = self
            .user(auth.user_id)
            .await
            .map_err(|_| CoreError::SessionInvalid)?;
        if user.email_verified_at.is_some() {
            return Err(CoreError::AlreadyVerified);
        }
        let subject = user.id.to_simple();
        let secret = random::alphanumeric(32);
        let link = format!("{link_base}{subject}{secret}");
        let mail = messages::mail_verify_email(user.email.as_str(), &link, self.now());
        self.issue_code(IssueCode {
            purpose: CodePurpose::EmailVerification,
            subject: &subject,
            code: &secret,
            ttl_secs,
            data: None,
            outbox: Some(mail),
            cooldown: false,
        })
        .await
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
        self.redeem_code(CodePurpose::EmailVerification, uid, secret)
            .await?;
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
