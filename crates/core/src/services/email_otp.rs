//! Sign-in by login name (username or e-mail) with an optional second factor sent by
//! e-mail (Ugene's two-factor switch).
//!
//! With the switch on, a right password alone does not open a session: it e-mails a
//! one-time code and hands back a *pending* token. That token is not a session and is
//! refused by every session check; it only lets the client ask for the code again. The
//! client then repeats the sign-in with the code. Codes are single-use, attempt-limited and
//! expire; wrong codes count against the account's lockout like wrong passwords.

use time::{Duration, OffsetDateTime};

use super::codes::IssueCode;
use super::credential_change::CredentialChange;
use super::lockout::{account_key, unknown_login_key};
use super::sessions::AuthContext;
use super::{messages, Core, SessionOptions, SignedIn};
use crate::domain::{CodePurpose, Email, Password, RequestContext, User, UserId};
use crate::error::{CoreError, CoreResult};
use crate::security::{keyed, random};

/// Lifetime of an e-mailed sign-in code and of the pending token that goes with it.
pub const EMAIL_OTP_TTL_SECS: i64 = 600;
const PENDING_PREFIX: &str = "pending.";

/// The outcome of a password sign-in that may need a second factor.
#[derive(Debug, Clone)]
pub enum PasswordSignIn {
    /// Signed in.
    Complete(SignedIn),
    /// The password was right; a code was e-mailed and the client must sign in again
    /// with it.
    OtpSent(PendingSignIn),
}

/// A sign-in waiting for its e-mailed code.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    /// The account.
    pub user: User,
    /// Token that only allows asking for the code again.
    pub token: String,
    /// When the token (and the code) expire.
    pub expires_at: OffsetDateTime,
}

impl Core {
    fn pending_mac(&self, user: UserId, exp: i64) -> String {
        hex::encode(keyed::hash(
            &self.inner.keys.pepper,
            &[
                b"pending-otp",
                user.to_simple().as_bytes(),
                &exp.to_be_bytes(),
            ],
        ))
    }

    fn pending_token(&self, user: UserId, expires_at: OffsetDateTime) -> String {
        let exp = expires_at.unix_timestamp();
        format!(
            "{PENDING_PREFIX}{}.{exp}.{}",
            user.to_simple(),
            self.pending_mac(user, exp)
        )
    }

    /// Whether a bearer string has the shape of a pending token (so a dialect can answer
    /// "code required" rather than "signed out").
    pub fn is_pending_token(token: &str) -> bool {
        token.starts_with(PENDING_PREFIX)
    }

    /// The account a pending token was issued to, if it is genuine and unexpired.
    pub async fn verify_pending_token(&self, token: &str) -> CoreResult<User> {
        let rest = token
            .strip_prefix(PENDING_PREFIX)
            .filter(|r| r.len() < 200)
            .ok_or(CoreError::SessionInvalid)?;
        let mut parts = rest.split('.');
        let (Some(uid), Some(exp), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CoreError::SessionInvalid);
        };
        let user_id = UserId::parse(uid).ok_or(CoreError::SessionInvalid)?;
        let exp: i64 = exp.parse().map_err(|_| CoreError::SessionInvalid)?;
        let expected = self.pending_mac(user_id, exp);
        if !keyed::equal(expected.as_bytes(), mac.as_bytes()) {
            return Err(CoreError::SessionInvalid);
        }
        if exp <= self.now().unix_timestamp() {
            return Err(CoreError::SessionInvalid);
        }
        self.inner
            .store
            .user_by_id(user_id)
            .await?
            .filter(|u| u.is_usable() && u.email_otp)
            .ok_or(CoreError::SessionInvalid)
    }

    async fn user_by_login(&self, login: &str) -> CoreResult<(Option<User>, String)> {
        let login = login.trim();
        if login.is_empty() {
            return Err(CoreError::field("login", "required"));
        }
        if login.len() > 254 {
            return Err(CoreError::InvalidCredentials);
        }
        if login.contains('@') {
            let email = Email::parse(login)?;
            let norm = email.normalized();
            let user = self.inner.store.user_by_email(&norm).await?;
            Ok((user.filter(User::is_usable), unknown_login_key(&norm)))
        } else {
            let norm = login.to_lowercase();
            let user = self.inner.store.user_by_username(&norm).await?;
            Ok((user.filter(User::is_usable), unknown_login_key(&norm)))
        }
    }

    async fn send_email_otp(&self, user: &User) -> CoreResult<()> {
        self.count_code_request("email", &user.email.normalized())
            .await?;
        let code = random::digits(6);
        let mail = messages::mail_sign_in_otp(
            user.email.as_str(),
            &code,
            EMAIL_OTP_TTL_SECS / 60,
            self.now(),
        );
        self.issue_code(IssueCode {
            purpose: CodePurpose::EmailOtp,
            subject: &user.id.to_simple(),
            code: &code,
            ttl_secs: EMAIL_OTP_TTL_SECS,
            data: None,
            outbox: Some(mail),
            cooldown: false,
        })
        .await
    }

    /// Sign-in by username or e-mail and password, with the e-mailed code when the
    /// account has two-factor on. When e-mail confirmation is required, an unconfirmed
    /// account is refused (`EmailNotConfirmed`) after the password was checked, so the
    /// answer reveals nothing to someone without the password.
    pub async fn sign_in_login_name(
        &self,
        login: &str,
        password: &Password,
        otp: Option<&str>,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<PasswordSignIn> {
        self.limit_ip(super::rate_limits::Action::SignIn, ctx)
            .await?;
        let (user, unknown_key) = self.user_by_login(login).await?;
        let user = self
            .check_password(user, &unknown_key, password, ctx)
            .await?;
        if user.email_verified_at.is_none() && self.email_confirmation_required().await? {
            self.log_login(Some(user.id), "password", ctx, false).await;
            return Err(CoreError::EmailNotConfirmed);
        }
        let otp = otp.map(str::trim).filter(|c| !c.is_empty());
        if let Some(sealed_secret) = user.totp_secret.as_deref() {
            if self.inner.config.enforce_second_factors {
                // A bound TOTP is asked here too, in the `otp` field; the e-mailed code
                // (when also on) remains the other way in.
                if let Some(code) = otp {
                    if self.totp_code_fresh(&user, sealed_secret, code).await? {
                        let done = self
                            .finish_sign_in(user, "password+totp", ctx, opts)
                            .await?;
                        return Ok(PasswordSignIn::Complete(done));
                    }
                    if !user.email_otp {
                        let key = account_key(user.id);
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
                } else if !user.email_otp {
                    self.refuse_password_alone(&user, ctx).await?;
                }
            }
        }
        if !user.email_otp {
            let done = self.finish_sign_in(user, "password", ctx, opts).await?;
            return Ok(PasswordSignIn::Complete(done));
        }
        match otp {
            Some(code) => {
                let key = account_key(user.id);
                match self
                    .redeem_code(CodePurpose::EmailOtp, &user.id.to_simple(), code)
                    .await
                {
                    Ok(_) => {
                        let done = self
                            .finish_sign_in(user, "password+email_otp", ctx, opts)
                            .await?;
                        Ok(PasswordSignIn::Complete(done))
                    }
                    Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)) => Err(self
                        .fail_sign_in(Some(&user), &key, "password+email_otp", ctx, e)
                        .await),
                    Err(e) => Err(e),
                }
            }
            None => {
                self.send_email_otp(&user).await?;
                let expires_at = self.now() + Duration::seconds(EMAIL_OTP_TTL_SECS);
                let token = self.pending_token(user.id, expires_at);
                self.audit(
                    Some(user.id),
                    "login.otp_sent",
                    Some(user.id),
                    ctx,
                    "ok",
                    serde_json::Value::Null,
                )
                .await;
                Ok(PasswordSignIn::OtpSent(PendingSignIn {
                    user,
                    token,
                    expires_at,
                }))
            }
        }
    }

    /// E-mails a new sign-in code for a pending sign-in (the previous code stops working).
    /// Subject to the resend cooldown and the per-address limit.
    pub async fn resend_email_otp(
        &self,
        pending_token: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let user = self.verify_pending_token(pending_token).await?;
        let subject = user.id.to_simple();
        let cooldown = Duration::seconds(self.inner.config.codes.resend_cooldown_secs);
        if let Some(live) = self
            .inner
            .store
            .live_code(CodePurpose::EmailOtp.as_str(), &subject)
            .await?
        {
            if live.expires_at > self.now() && live.created_at + cooldown > self.now() {
                return Err(CoreError::CodeRequestedTooOften);
            }
        }
        self.send_email_otp(&user).await
    }

    /// Turns the e-mailed second factor on or off; returns the account as it now is.
    pub async fn toggle_email_otp(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
    ) -> CoreResult<User> {
        let mut user = self.unrestricted_user(auth).await?;
        self.require_recent_sign_in(auth).await?;
        user.email_otp = !user.email_otp;
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.audit(
            Some(user.id),
            "mfa.email_otp",
            Some(user.id),
            ctx,
            "ok",
            serde_json::json!({ "enabled": user.email_otp }),
        )
        .await;
        let change = CredentialChange::EmailOtp { on: user.email_otp };
        self.after_credential_change(auth, user.email.as_str(), change)
            .await?;
        Ok(user)
    }
}
