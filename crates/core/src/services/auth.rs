//! Sign-in by password, SMS code and TOTP; the lockout and enumeration rules they share.

use super::codes::IssueCode;
use super::lockout::{account_key, destination_key, unknown_login_key};
use super::messages;
use super::sessions::AuthContext;
use super::Core;
use crate::domain::{
    CodePurpose, Email, Password, Phone, RequestContext, Session, User, UserStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::security::{random, sealed, totp};
use crate::store::RevokeSessions;

/// How a dialect wants its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionOptions {
    /// A new sign-in ends the user's other sessions.
    pub single_per_user: bool,
    /// Inactivity after which the session ends, if not the configured default (seconds).
    pub idle_timeout_secs: Option<i64>,
    /// Absolute lifetime, if not the configured default (seconds): for dialects whose
    /// cookies carry their own lifetime (SSPanel's one day, or a week with "remember me").
    pub lifetime_secs: Option<i64>,
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub user: User,
    /// The new session.
    pub session: Session,
}

impl SignedIn {
    /// The request identity of the new session.
    pub fn auth(&self) -> AuthContext {
        AuthContext {
            user_id: self.user.id,
            session_id: self.session.id,
        }
    }
}

impl Core {
    async fn active_user_by_email(&self, email: &Email) -> CoreResult<Option<User>> {
        let user = self.inner.store.user_by_email(&email.normalized()).await?;
        Ok(user.filter(User::is_usable))
    }

    /// The password step every password sign-in shares. `user` is the usable account the
    /// login name found, if any; `unknown_key` is the lockout key for a name with no
    /// account. Unknown account, lock and wrong password cost the same hashing work; a
    /// failure counts against the lockout and is recorded; a legacy hash is upgraded.
    pub(crate) async fn check_password(
        &self,
        user: Option<User>,
        unknown_key: &str,
        password: &Password,
        ctx: &RequestContext,
    ) -> CoreResult<User> {
        if password.expose().is_empty() {
            return Err(CoreError::field("password", "required"));
        }
        if password.expose().len() > 1024 {
            return Err(CoreError::InvalidCredentials);
        }
        let Some(user) = user else {
            self.ensure_not_locked(unknown_key).await?;
            self.inner.hasher.verify(password, None).await?;
            return Err(self
                .fail_sign_in(
                    None,
                    unknown_key,
                    "password",
                    ctx,
                    CoreError::InvalidCredentials,
                )
                .await);
        };
        let key = account_key(user.id);
        if let Err(e) = self.ensure_not_locked(&key).await {
            self.inner.hasher.verify(password, None).await?;
            self.log_login(Some(user.id), "password", ctx, false).await;
            return Err(e);
        }
        let v = self
            .inner
            .hasher
            .verify(password, user.password_hash.as_deref())
            .await?;
        if !v.ok {
            return Err(self
                .fail_sign_in(
                    Some(&user),
                    &key,
                    "password",
                    ctx,
                    CoreError::InvalidCredentials,
                )
                .await);
        }
        let mut user = user;
        if v.needs_rehash {
            let hash = self.inner.hasher.hash(password).await?;
            self.inner
                .store
                .set_password_hash(user.id, &hash, self.now(), RevokeSessions::None, &[])
                .await?;
            user.password_hash = Some(hash);
        }
        Ok(user)
    }

    pub(crate) async fn finish_sign_in(
        &self,
        user: User,
        method: &str,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.clear_failures(&account_key(user.id)).await?;
        let session = self.start_session(user.id, method, ctx, opts).await?;
        let mut updated = user;
        updated.last_login_at = Some(session.created_at);
        // Not touching updated_at: a sign-in is not a profile change.
        if let Err(e) = self.inner.store.update_user(&updated).await {
            tracing::warn!(error = %e, "could not record last_login_at");
        }
        self.log_login(Some(updated.id), method, ctx, true).await;
        self.audit(
            Some(updated.id),
            "login.success",
            Some(updated.id),
            ctx,
            "ok",
            serde_json::json!({ "method": method, "session": session.id.to_simple() }),
        )
        .await;
        Ok(SignedIn {
            user: updated,
            session,
        })
    }

    pub(crate) async fn fail_sign_in(
        &self,
        user: Option<&User>,
        key: &str,
        method: &str,
        ctx: &RequestContext,
        err: CoreError,
    ) -> CoreError {
        if let Err(e) = self.record_failure(key).await {
            return e;
        }
        self.log_login(user.map(|u| u.id), method, ctx, false).await;
        self.audit(
            None,
            "login.failure",
            user.map(|u| u.id),
            ctx,
            err.code(),
            serde_json::json!({ "method": method }),
        )
        .await;
        err
    }

    /// Sign-in with e-mail and password. Unknown address, blocked account and wrong
    /// password all answer `InvalidCredentials` after the same hashing work; repeated
    /// failures lock the account (and an unknown address locks the same way).
    pub async fn sign_in_password(
        &self,
        email: &str,
        password: &Password,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.sign_in_password_2fa(email, password, None, ctx, opts)
            .await
    }

    /// Sign-in with e-mail, password and, when the account has TOTP bound, its current
    /// code (SSPanel's login form). A missing or wrong code is `TotpInvalid` and counts
    /// against the lockout like a wrong password; a code is accepted once. Dialects with
    /// no field for the code pass `None`: an account with a bound TOTP or the e-mailed
    /// code on is then refused (`SecondFactorRequired`) unless `enforce_second_factors`
    /// is off.
    pub async fn sign_in_password_2fa(
        &self,
        email: &str,
        password: &Password,
        totp_code: Option<&str>,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.limit_ip(super::rate_limits::Action::SignIn, ctx)
            .await?;
        let email = Email::parse(email)?;
        let user = self.active_user_by_email(&email).await?;
        let user = self
            .check_password(user, &unknown_login_key(&email.normalized()), password, ctx)
            .await?;
        let key = account_key(user.id);
        if let (Some(code), Some(sealed_secret)) = (totp_code, user.totp_secret.as_deref()) {
            if !self.totp_code_fresh(&user, sealed_secret, code).await? {
                return Err(self
                    .fail_sign_in(
                        Some(&user),
                        &key,
                        "password+totp",
                        ctx,
                        CoreError::TotpInvalid,
                    )
                    .await);
            }
            return self.finish_sign_in(user, "password+totp", ctx, opts).await;
        }
        if user.totp_secret.is_some() || user.email_otp {
            self.refuse_password_alone(&user, ctx).await?;
        }
        self.finish_sign_in(user, "password", ctx, opts).await
    }

    /// The password was right but the account has a second factor this sign-in could not
    /// ask for. With `enforce_second_factors` on this is `SecondFactorRequired`, recorded
    /// as a failed sign-in but not counted toward the lockout (the password was right,
    /// and counting it would let anyone who knows it lock the owner out).
    pub(crate) async fn refuse_password_alone(
        &self,
        user: &User,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        if !self.inner.config.enforce_second_factors {
            return Ok(());
        }
        self.log_login(Some(user.id), "password", ctx, false).await;
        self.audit(
            None,
            "login.failure",
            Some(user.id),
            ctx,
            CoreError::SecondFactorRequired.code(),
            serde_json::json!({ "method": "password" }),
        )
        .await;
        Err(CoreError::SecondFactorRequired)
    }

    /// Sends an SMS sign-in code to a phone. For a phone with no active account nothing is
    /// sent but a code is still recorded, so the answer and the cooldown are the same.
    pub async fn request_sms_login_code(
        &self,
        phone: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let phone = Phone::parse(phone)?;
        self.count_code_request("sms", phone.as_str()).await?;
        let user = self
            .inner
            .store
            .user_by_phone(&phone)
            .await?
            .filter(|u| u.status == UserStatus::Active);
        let code = random::digits(6);
        let ttl = self.inner.config.codes.sms_ttl_secs;
        let outbox = user.as_ref().map(|_| {
            messages::sms_login_code(phone.as_str(), &code, (ttl / 60).max(1), self.now())
        });
        self.issue_code(IssueCode {
            purpose: CodePurpose::SmsLogin,
            subject: phone.as_str(),
            code: &code,
            ttl_secs: ttl,
            data: None,
            outbox,
            cooldown: true,
        })
        .await
    }

    /// Sign-in with a phone and the SMS code sent to it. Wrong codes count against the
    /// account's lockout; a code works once.
    pub async fn sign_in_sms(
        &self,
        phone: &str,
        code: &str,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.limit_ip(super::rate_limits::Action::SignIn, ctx)
            .await?;
        let phone = Phone::parse(phone)?;
        if code.trim().is_empty() {
            return Err(CoreError::field("code", "required"));
        }
        let user = self
            .inner
            .store
            .user_by_phone(&phone)
            .await?
            .filter(|u| u.status == UserStatus::Active);
        let key = match &user {
            Some(u) => account_key(u.id),
            None => destination_key("sms-login", phone.as_str()),
        };
        self.ensure_not_locked(&key).await?;
        let checked = self
            .redeem_code(CodePurpose::SmsLogin, phone.as_str(), code.trim())
            .await;
        match (checked, user) {
            (Ok(_), Some(user)) => self.finish_sign_in(user, "sms", ctx, opts).await,
            (Ok(_), None) => Err(self
                .fail_sign_in(None, &key, "sms", ctx, CoreError::CodeInvalid)
                .await),
            (Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)), user) => {
                Err(self.fail_sign_in(user.as_ref(), &key, "sms", ctx, e).await)
            }
            (Err(e), _) => Err(e),
        }
    }

    /// Sign-in with e-mail and a TOTP code. Only accounts that bound TOTP can use it, and
    /// each code (time step) is accepted once.
    pub async fn sign_in_totp(
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
        let Some(user) = self.active_user_by_email(&email).await? else {
            let key = unknown_login_key(&email.normalized());
            self.ensure_not_locked(&key).await?;
            return Err(self
                .fail_sign_in(None, &key, "totp", ctx, CoreError::TotpInvalid)
                .await);
        };
        let key = account_key(user.id);
        self.ensure_not_locked(&key).await?;
        let Some(sealed_secret) = user.totp_secret.as_deref() else {
            return Err(self
                .fail_sign_in(Some(&user), &key, "totp", ctx, CoreError::TotpNotEnrolled)
                .await);
        };
        if !self.totp_code_fresh(&user, sealed_secret, code).await? {
            return Err(self
                .fail_sign_in(Some(&user), &key, "totp", ctx, CoreError::TotpInvalid)
                .await);
        }
        self.finish_sign_in(user, "totp", ctx, opts).await
    }

    /// Whether `code` is the account's current TOTP code (±1 step) and was not used before;
    /// a match spends its step, so the code works once.
    pub(crate) async fn totp_code_fresh(
        &self,
        user: &User,
        sealed_secret: &[u8],
        code: &str,
    ) -> CoreResult<bool> {
        let secret = String::from_utf8(sealed::open(&self.inner.keys.seal, sealed_secret)?)
            .map_err(CoreError::internal)?;
        let now_step = totp::step_of(self.now().unix_timestamp());
        match totp::check(&secret, code.trim(), now_step, 1) {
            Some(step) => Ok(self.inner.store.advance_totp_step(user.id, step).await?),
            None => Ok(false),
        }
    }

    /// Ends every session of the caller's account, this one included.
    pub async fn sign_out_everywhere(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
    ) -> CoreResult<usize> {
        let ended = self.revoke_user_sessions(auth.user_id, None).await?;
        self.audit(
            Some(auth.user_id),
            "session.revoke_all",
            Some(auth.user_id),
            ctx,
            "ok",
            serde_json::json!({ "sessions_revoked": ended }),
        )
        .await;
        Ok(ended)
    }

    /// Ends the caller's session (sign-out).
    pub async fn sign_out(&self, auth: AuthContext, ctx: &RequestContext) -> CoreResult<()> {
        self.revoke_session(auth.session_id).await?;
        self.audit(
            Some(auth.user_id),
            "session.revoke",
            Some(auth.user_id),
            ctx,
            "ok",
            serde_json::json!({ "session": auth.session_id.to_simple(), "reason": "logout" }),
        )
        .await;
        Ok(())
    }

    /// Issues a short-lived, single-use code that lets the session get a new access token.
    pub async fn issue_refresh_code(&self, auth: AuthContext) -> CoreResult<String> {
        let code = random::uuid_shaped();
        self.issue_code(IssueCode {
            purpose: CodePurpose::Refresh,
            subject: &auth.session_id.to_simple(),
            code: &code,
            ttl_secs: self.inner.config.codes.refresh_ttl_secs,
            data: None,
            outbox: None,
            cooldown: false,
        })
        .await?;
        Ok(code)
    }

    /// Spends a refresh code and issues a new access token for the same session.
    pub async fn redeem_refresh_code(&self, auth: AuthContext, code: &str) -> CoreResult<String> {
        if code.trim().is_empty() {
            return Err(CoreError::field("code", "required"));
        }
        self.redeem_code(
            CodePurpose::Refresh,
            &auth.session_id.to_simple(),
            code.trim(),
        )
        .await?;
        self.issue_access_token(auth)
    }
}
