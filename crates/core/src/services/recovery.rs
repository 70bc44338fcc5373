//! Password recovery by an e-mailed code.

use super::codes::IssueCode;
use super::lockout::{account_key, destination_key};
use super::{messages, Core};
use crate::domain::{CodePurpose, Email, Password, RequestContext, UserStatus};
use crate::error::{CoreError, CoreResult};
use crate::security::passwords::PasswordContext;
use crate::security::random;
use crate::store::RevokeSessions;

impl Core {
    /// E-mails a reset code. For an address with no active account nothing is sent, but a
    /// code is recorded all the same, so answers and cooldowns do not reveal who exists.
    pub async fn request_password_reset(
        &self,
        email: &str,
        ttl_secs: Option<i64>,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::Reset, ctx)
            .await?;
        let email = Email::parse(email)?;
        let norm = email.normalized();
        self.count_code_request("email", &norm).await?;
        let user = self
            .inner
            .store
            .user_by_email(&norm)
            .await?
            .filter(|u| u.status == UserStatus::Active);
        let code = random::digits(6);
        let ttl = ttl_secs.unwrap_or(self.inner.config.codes.reset_ttl_secs);
        let outbox = user.as_ref().map(|u| {
            messages::mail_reset_code(
                u.email.as_str(),
                &u.name,
                &code,
                (ttl / 60).max(1),
                self.now(),
            )
        });
        self.issue_code(IssueCode {
            purpose: CodePurpose::PasswordReset,
            subject: &norm,
            code: &code,
            ttl_secs: ttl,
            data: None,
            outbox,
            cooldown: true,
        })
        .await
    }

    /// Checks a reset code without spending it (a form's "validate" step). Wrong codes
    /// spend an attempt and count against the account's lockout.
    pub async fn check_password_reset_code(&self, email: &str, code: &str) -> CoreResult<()> {
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
            None => destination_key("reset", &norm),
        };
        self.ensure_not_locked(&key).await?;
        match self
            .check_code(CodePurpose::PasswordReset, &norm, code.trim())
            .await
        {
            Ok(_) if user.is_some() => Ok(()),
            Ok(_) => Err(CoreError::CodeInvalid),
            Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)) => {
                self.record_failure(&key).await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Sets a new password with a reset code. The code works once; wrong codes count against
    /// the account's lockout; every session of the account ends.
    pub async fn reset_password(
        &self,
        email: &str,
        code: &str,
        new_password: &Password,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::Reset, ctx)
            .await?;
        let email = Email::parse(email)?;
        if code.trim().is_empty() {
            return Err(CoreError::field("code", "required"));
        }
        // Before the lookup only the typed address counts, so the answer does not depend
        // on whether an account exists; its other words are checked once the code is.
        let typed = PasswordContext {
            email: Some(email.as_str()),
            ..PasswordContext::default()
        };
        self.inner.policy.check_for(new_password, &typed)?;
        let norm = email.normalized();
        let user = self
            .inner
            .store
            .user_by_email(&norm)
            .await?
            .filter(|u| u.status == UserStatus::Active);
        let key = match &user {
            Some(u) => account_key(u.id),
            None => destination_key("reset", &norm),
        };
        self.ensure_not_locked(&key).await?;
        let checked = self
            .check_code(CodePurpose::PasswordReset, &norm, code.trim())
            .await;
        let (live, user) = match (checked, user) {
            (Ok(live), Some(user)) => (live, user),
            (Ok(_), None) => return Err(CoreError::CodeInvalid),
            (Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)), _) => {
                self.record_failure(&key).await?;
                return Err(e);
            }
            (Err(e), _) => return Err(e),
        };
        self.inner
            .policy
            .check_for(new_password, &PasswordContext::of_user(&user))?;
        self.complete_reset(&user, &live, new_password, &key, "code", ctx)
            .await
    }
}

impl Core {
    /// E-mails a reset link `<link_base><token>` valid `ttl_secs` (SSPanel's recovery). The
    /// token is the account id (hex) followed by a random secret, stored only as a keyed
    /// hash; a new request replaces the previous link. For an address with no active
    /// account nothing is sent, and the answer is the same.
    pub async fn request_password_reset_link(
        &self,
        email: &str,
        link_base: &str,
        ttl_secs: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::Reset, ctx)
            .await?;
        let email = Email::parse(email)?;
        let norm = email.normalized();
        self.count_code_request("email", &norm).await?;
        let Some(user) = self
            .inner
            .store
            .user_by_email(&norm)
            .await?
            .filter(|u| u.status == UserStatus::Active)
        else {
            // Same work as a real request, minus the mail.
            let _ = random::alphanumeric(32);
            return Ok(());
        };
        let subject = user.id.to_simple();
        let secret = random::alphanumeric(32);
        let link = format!("{link_base}{subject}{secret}");
        let mail = messages::mail_reset_link(
            user.email.as_str(),
            &link,
            (ttl_secs / 60).max(1),
            self.now(),
        );
        self.issue_code(IssueCode {
            purpose: CodePurpose::PasswordResetLink,
            subject: &subject,
            code: &secret,
            ttl_secs,
            data: None,
            outbox: Some(mail),
            cooldown: false,
        })
        .await
    }

    /// Sets a new password with a reset link token. The link works once; wrong secrets
    /// spend the link's attempts; every session of the account ends.
    pub async fn reset_password_with_link(
        &self,
        token: &str,
        new_password: &Password,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::Reset, ctx)
            .await?;
        let (user, live, key) = self.check_reset_link(token).await?;
        self.inner
            .policy
            .check_for(new_password, &PasswordContext::of_user(&user))?;
        self.complete_reset(&user, &live, new_password, &key, "link", ctx)
            .await
    }

    /// E-mails a code proving `email` before registration (SSPanel's `/auth/send`). Refused
    /// with `EmailTaken` for a registered address (the registration form reveals that
    /// anyway); subject to the per-address code request limits.
    pub async fn request_registration_code(
        &self,
        email: &str,
        ttl_secs: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let email = Email::parse(email)?;
        let norm = email.normalized();
        if self.inner.store.user_by_email(&norm).await?.is_some() {
            return Err(CoreError::EmailTaken);
        }
        self.count_code_request("email", &norm).await?;
        let code = random::digits(6);
        let mail = messages::mail_registration_code(
            email.as_str(),
            &code,
            (ttl_secs / 60).max(1),
            self.now(),
        );
        self.issue_code(IssueCode {
            purpose: CodePurpose::RegistrationEmail,
            subject: &norm,
            code: &code,
            ttl_secs,
            data: None,
            outbox: Some(mail),
            cooldown: true,
        })
        .await
    }

    /// Spends a registration code for `email` (once; wrong guesses spend attempts).
    pub async fn redeem_registration_code(&self, email: &str, code: &str) -> CoreResult<()> {
        let email = Email::parse(email)?;
        if code.trim().is_empty() {
            return Err(CoreError::CodeInvalid);
        }
        self.redeem_code(
            CodePurpose::RegistrationEmail,
            &email.normalized(),
            code.trim(),
        )
        .await?;
        Ok(())
    }

    /// The end of every reset, whatever proved the right to it: store the new hash, spend
    /// the code or link, end every session, mail a notice, clear the lockout, audit.
    async fn complete_reset(
        &self,
        user: &crate::domain::User,
        live: &crate::domain::OneTimeCode,
        new_password: &Password,
        key: &str,
        by: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let notice = messages::mail_password_changed(user.email.as_str(), self.now());
        self.complete_reset_with_notice(user, live, new_password, key, by, notice, ctx)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn complete_reset_with_notice(
        &self,
        user: &crate::domain::User,
        live: &crate::domain::OneTimeCode,
        new_password: &Password,
        key: &str,
        by: &str,
        notice: crate::domain::OutboxMessage,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let hash = self.inner.hasher.hash(new_password).await?;
        self.consume(live).await?;
        let revoked = self
            .inner
            .store
            .set_password_hash(user.id, &hash, self.now(), RevokeSessions::All, &[notice])
            .await?;
        self.sessions_revoked(&revoked).await;
        self.signal_outbox();
        self.clear_failures(key).await?;
        self.audit(
            Some(user.id),
            "password.reset",
            Some(user.id),
            ctx,
            "ok",
            serde_json::json!({ "sessions_revoked": revoked.len(), "by": by }),
        )
        .await;
        Ok(())
    }
}

impl Core {
    /// The account and live code a reset link token names, checked without spending it:
    /// the link must be well-formed, its account usable and not locked, its secret right
    /// and unexpired. A wrong or expired secret counts against the account's lockout.
    /// Returns the lockout key too, for the completion to clear.
    async fn check_reset_link(
        &self,
        token: &str,
    ) -> CoreResult<(crate::domain::User, crate::domain::OneTimeCode, String)> {
        if token.len() != 64 || !token.is_ascii() {
            return Err(CoreError::CodeInvalid);
        }
        let (uid, secret) = token.split_at(32);
        let user_id = crate::domain::UserId::parse(uid).ok_or(CoreError::CodeInvalid)?;
        let user = self
            .inner
            .store
            .user_by_id(user_id)
            .await?
            .filter(crate::domain::User::is_usable)
            .ok_or(CoreError::CodeInvalid)?;
        let key = account_key(user.id);
        self.ensure_not_locked(&key).await?;
        match self
            .check_code(CodePurpose::PasswordResetLink, uid, secret)
            .await
        {
            Ok(live) => Ok((user, live, key)),
            Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)) => {
                self.record_failure(&key).await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}

/// Length of a password the server generates (62 symbols: about 95 bits).
const GENERATED_PASSWORD_LEN: usize = 16;

impl Core {
    /// E-mails a reset link for the account named by `login` (username or e-mail), valid
    /// `ttl_secs` (Ugene's restore-pwd). Unlike [`Core::request_password_reset_link`], an
    /// unknown name is reported (`NotFound`) only when `reveal_unknown` is set, since the
    /// Ugene document shows that answer; otherwise the answer is the same as for a known one.
    pub async fn request_password_reset_by_login(
        &self,
        login: &str,
        link_base: &str,
        ttl_secs: i64,
        reveal_unknown: bool,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let login = login.trim();
        if login.is_empty() || login.len() > 254 {
            return Err(CoreError::field("login", "required"));
        }
        let user = if login.contains('@') {
            let email = Email::parse(login)?;
            self.inner.store.user_by_email(&email.normalized()).await?
        } else {
            self.inner
                .store
                .user_by_username(&login.to_lowercase())
                .await?
        }
        .filter(crate::domain::User::is_usable);
        match user {
            Some(user) => {
                self.request_password_reset_link(user.email.as_str(), link_base, ttl_secs, ctx)
                    .await
            }
            None if reveal_unknown => Err(CoreError::NotFound),
            None => {
                // Counted as a known name's request is (per IP and per name), so the
                // limits reveal nothing.
                self.limit_ip(super::rate_limits::Action::Reset, ctx)
                    .await?;
                self.count_code_request("email", &login.to_lowercase())
                    .await?;
                let _ = random::alphanumeric(32);
                Ok(())
            }
        }
    }

    /// Completes a reset link by generating a strong password and e-mailing it (Ugene's
    /// verify-pwd). The link works once; every session of the account ends.
    pub async fn reset_password_generated(
        &self,
        token: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::Reset, ctx)
            .await?;
        let (user, live, key) = self.check_reset_link(token).await?;
        let generated = generate_password();
        let notice = messages::mail_generated_password(user.email.as_str(), &generated, self.now());
        let password = Password::new(generated);
        self.complete_reset_with_notice(&user, &live, &password, &key, "generated", notice, ctx)
            .await
    }
}

/// A random password with at least one digit, one lowercase and one uppercase letter, so
/// it passes every dialect's rules.
fn generate_password() -> String {
    loop {
        let p = random::alphanumeric(GENERATED_PASSWORD_LEN);
        if p.chars().any(|c| c.is_ascii_digit())
            && p.chars().any(|c| c.is_ascii_lowercase())
            && p.chars().any(|c| c.is_ascii_uppercase())
        {
            return p;
        }
    }
}
