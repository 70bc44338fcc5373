//! Sign-in with a code e-mailed on request (the clumsy-tools "random login code").

use super::codes::IssueCode;
use super::lockout::{account_key, destination_key};
use super::{messages, Core, SessionOptions, SignedIn};
use crate::domain::{CodePurpose, Email, RequestContext, UserStatus};
use crate::error::{CoreError, CoreResult};
use crate::security::random;

impl Core {
    /// E-mails a 6-digit sign-in code valid `ttl_secs`. Unknown addresses and accounts that
    /// sign in elsewhere (social) get the same answer and no mail.
    pub async fn request_login_code(
        &self,
        email: &str,
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
            .filter(|u| u.status == UserStatus::Active && u.password_hash.is_some());
        let code = random::digits(6);
        let outbox = user.as_ref().map(|u| {
            messages::mail_login_code(u.email.as_str(), &code, (ttl_secs / 60).max(1), self.now())
        });
        self.issue_code(IssueCode {
            purpose: CodePurpose::LoginCode,
            subject: &norm,
            code: &code,
            ttl_secs,
            data: None,
            outbox,
            cooldown: true,
        })
        .await
    }

    /// Signs in with an e-mailed code; the code works once and wrong codes count against
    /// the account's lockout.
    pub async fn sign_in_login_code(
        &self,
        email: &str,
        code: &str,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.limit_ip(super::rate_limits::Action::SignIn, ctx)
            .await?;
        let email = Email::parse(email)?;
        if code.trim().is_empty() {
            return Err(CoreError::field("code", "required"));
        }
        let norm = email.normalized();
        let user = self
            .inner
            .store
            .user_by_email(&norm)
            .await?
            .filter(|u| u.status == UserStatus::Active);
        let key = match &user {
            Some(u) => account_key(u.id),
            None => destination_key("login-code", &norm),
        };
        self.ensure_not_locked(&key).await?;
        match self
            .redeem_code(CodePurpose::LoginCode, &norm, code.trim())
            .await
        {
            Ok(_) => match user {
                Some(user) => self.finish_sign_in(user, "login_code", ctx, opts).await,
                None => Err(CoreError::CodeInvalid),
            },
            Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)) => {
                self.record_failure(&key).await?;
                self.log_login(user.as_ref().map(|u| u.id), "login_code", ctx, false)
                    .await;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}
