//! The signed-in user's own account: overview, profile fields, password, phone, unbinding.

use super::accounts::check_name;
use super::codes::IssueCode;
use super::credential_change::CredentialChange;
use super::lockout::account_key;
use super::sessions::AuthContext;
use super::{messages, Core};
use crate::domain::{CodePurpose, Email, LoginEvent, Password, Phone, RequestContext, User};
use crate::error::{CoreError, CoreResult};
use crate::security::passwords::PasswordContext;
use crate::security::random;
use crate::store::RevokeSessions;

/// What the profile page shows.
#[derive(Debug, Clone)]
pub struct UserOverview {
    /// The account.
    pub user: User,
    /// Successful sign-ins recorded.
    pub successful_logins: i64,
    /// The latest successful sign-in.
    pub last_login: Option<LoginEvent>,
}

/// A profile field a user may change directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileField {
    /// New e-mail address (marks it unconfirmed).
    Email(String),
    /// New display name.
    Name(String),
    /// New avatar URL or reference.
    Avatar(String),
}

/// Longest avatar reference accepted.
const MAX_AVATAR_LEN: usize = 2048;

impl Core {
    /// The signed-in account, refused with `Restricted` when it restricted processing
    /// of its data (GDPR art. 18): for every change but those the right itself keeps open
    /// (sign-in, password, export, erasure).
    pub(crate) async fn unrestricted_user(&self, auth: AuthContext) -> CoreResult<User> {
        let user = self.current_user(auth).await?;
        if user.restricted {
            return Err(CoreError::Restricted);
        }
        Ok(user)
    }

    pub(crate) async fn current_user(&self, auth: AuthContext) -> CoreResult<User> {
        // A token outliving its account (deleted) is as good as a revoked one.
        self.inner
            .store
            .user_by_id(auth.user_id)
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(CoreError::SessionInvalid)
    }

    /// The signed-in user's overview.
    pub async fn overview(&self, auth: AuthContext) -> CoreResult<UserOverview> {
        let user = self.current_user(auth).await?;
        let (successful_logins, last_login) = self.inner.store.login_summary(user.id).await?;
        Ok(UserOverview {
            user,
            successful_logins,
            last_login,
        })
    }

    /// Changes one profile field.
    pub async fn set_profile_field(
        &self,
        auth: AuthContext,
        field: ProfileField,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let mut user = self.unrestricted_user(auth).await?;
        let old_email = user.email.as_str().to_owned();
        let mut address_changed = false;
        let what = match field {
            ProfileField::Email(raw) => {
                let email = Email::parse(&raw)?;
                if email.normalized() != user.email.normalized() {
                    self.require_recent_sign_in(auth).await?;
                    user.email_verified_at = None;
                    address_changed = true;
                }
                user.email = email;
                "email"
            }
            ProfileField::Name(name) => {
                user.name = check_name(&name)?;
                "name"
            }
            ProfileField::Avatar(avatar) => {
                let a = avatar.trim();
                if a.len() > MAX_AVATAR_LEN || a.chars().any(char::is_control) {
                    return Err(CoreError::field("avatar", "max"));
                }
                user.avatar = a.to_owned();
                "avatar"
            }
        };
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.audit(
            Some(user.id),
            "profile.update",
            Some(user.id),
            ctx,
            "ok",
            serde_json::json!({ "field": what }),
        )
        .await;
        if address_changed {
            let change = CredentialChange::Email {
                new: user.email.as_str(),
            };
            self.after_credential_change(auth, &old_email, change)
                .await?;
        }
        Ok(())
    }

    /// Changes the e-mail address. The new address is unconfirmed; when confirmation is
    /// required, a link `<link_base><token>` valid `ttl_secs` is mailed to it.
    pub async fn change_email(
        &self,
        auth: AuthContext,
        new_email: &str,
        link_base: &str,
        ttl_secs: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let mut user = self.unrestricted_user(auth).await?;
        let email = Email::parse(new_email)?;
        if email.normalized() == user.email.normalized() {
            return Ok(());
        }
        self.require_recent_sign_in(auth).await?;
        let old_email = std::mem::replace(&mut user.email, email);
        user.email_verified_at = None;
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.audit(
            Some(user.id),
            "profile.update",
            Some(user.id),
            ctx,
            "ok",
            serde_json::json!({ "field": "email" }),
        )
        .await;
        let change = CredentialChange::Email {
            new: user.email.as_str(),
        };
        self.after_credential_change(auth, old_email.as_str(), change)
            .await?;
        if self.email_confirmation_required().await? {
            self.send_confirmation(&user, link_base, ttl_secs).await?;
        }
        Ok(())
    }

    /// Changes the password after checking the current one; the user's other sessions end.
    pub async fn change_password(
        &self,
        auth: AuthContext,
        old: &Password,
        new: &Password,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let user = self.current_user(auth).await?;
        let key = account_key(user.id);
        self.ensure_not_locked(&key).await?;
        let v = self
            .inner
            .hasher
            .verify(old, user.password_hash.as_deref())
            .await?;
        if !v.ok {
            self.record_failure(&key).await?;
            self.audit(
                Some(user.id),
                "password.change",
                Some(user.id),
                ctx,
                "password_mismatch",
                serde_json::Value::Null,
            )
            .await;
            return Err(CoreError::PasswordMismatch);
        }
        self.inner
            .policy
            .check_for(new, &PasswordContext::of_user(&user))?;
        let hash = self.inner.hasher.hash(new).await?;
        let notice = messages::mail_password_changed(user.email.as_str(), self.now());
        let revoked = self
            .inner
            .store
            .set_password_hash(
                user.id,
                &hash,
                self.now(),
                RevokeSessions::AllExcept(auth.session_id),
                &[notice],
            )
            .await?;
        self.sessions_revoked(&revoked).await;
        self.signal_outbox();
        self.clear_failures(&key).await?;
        self.audit(
            Some(user.id),
            "password.change",
            Some(user.id),
            ctx,
            "ok",
            serde_json::json!({ "sessions_revoked": revoked.len() }),
        )
        .await;
        Ok(())
    }

    fn bind_subject(auth: AuthContext, phone: &Phone) -> String {
        format!("{}:{}", auth.user_id, phone.as_str())
    }

    /// Texts a code to a phone the user wants to bind.
    pub async fn request_phone_bind_code(
        &self,
        auth: AuthContext,
        phone: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let phone = Phone::parse(phone)?;
        self.unrestricted_user(auth).await?;
        self.require_recent_sign_in(auth).await?;
        self.count_code_request("sms", phone.as_str()).await?;
        if let Some(other) = self.inner.store.user_by_phone(&phone).await? {
            if other.id != auth.user_id {
                return Err(CoreError::PhoneTaken);
            }
        }
        let code = random::digits(6);
        let ttl = self.inner.config.codes.sms_ttl_secs;
        let msg = messages::sms_bind_code(phone.as_str(), &code, (ttl / 60).max(1), self.now());
        self.issue_code(IssueCode {
            purpose: CodePurpose::PhoneBind,
            subject: &Self::bind_subject(auth, &phone),
            code: &code,
            ttl_secs: ttl,
            data: None,
            outbox: Some(msg),
            cooldown: true,
        })
        .await
    }

    /// Binds a phone with the code texted to it.
    pub async fn bind_phone(
        &self,
        auth: AuthContext,
        phone: &str,
        code: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let phone = Phone::parse(phone)?;
        if code.trim().is_empty() {
            return Err(CoreError::field("code", "required"));
        }
        let mut user = self.current_user(auth).await?;
        self.require_recent_sign_in(auth).await?;
        let key = account_key(user.id);
        self.ensure_not_locked(&key).await?;
        match self
            .redeem_code(
                CodePurpose::PhoneBind,
                &Self::bind_subject(auth, &phone),
                code.trim(),
            )
            .await
        {
            Ok(_) => {}
            Err(e @ (CoreError::CodeInvalid | CoreError::CodeExpired)) => {
                self.record_failure(&key).await?;
                return Err(e);
            }
            Err(e) => return Err(e),
        }
        user.phone = Some(phone);
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.audit(
            Some(user.id),
            "factor.phone.bind",
            Some(user.id),
            ctx,
            "ok",
            serde_json::Value::Null,
        )
        .await;
        self.after_credential_change(auth, user.email.as_str(), CredentialChange::PhoneBound)
            .await?;
        Ok(())
    }

    /// Removes the phone.
    pub async fn unset_phone(&self, auth: AuthContext, ctx: &RequestContext) -> CoreResult<()> {
        self.unset(auth, ctx, CredentialChange::PhoneRemoved, |u| {
            u.phone.take().is_some()
        })
        .await
    }

    /// Removes TOTP.
    pub async fn unset_totp(&self, auth: AuthContext, ctx: &RequestContext) -> CoreResult<()> {
        self.unset(auth, ctx, CredentialChange::TotpRemoved, |u| {
            u.totp_secret.take().is_some()
        })
        .await
    }

    /// Removes the Lark link.
    pub async fn unset_lark(&self, auth: AuthContext, ctx: &RequestContext) -> CoreResult<()> {
        self.unset(auth, ctx, CredentialChange::LarkUnlinked, |u| {
            u.lark.take().is_some()
        })
        .await
    }

    /// Applies `change` (which says whether there was anything to remove); a real removal
    /// is audited and followed by [`Core::after_credential_change`].
    async fn unset(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
        what: CredentialChange<'static>,
        change: impl FnOnce(&mut User) -> bool,
    ) -> CoreResult<()> {
        let mut user = self.current_user(auth).await?;
        if !change(&mut user) {
            return Ok(());
        }
        self.require_recent_sign_in(auth).await?;
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.audit(
            Some(user.id),
            what.audit_action(),
            Some(user.id),
            ctx,
            "ok",
            serde_json::Value::Null,
        )
        .await;
        self.after_credential_change(auth, user.email.as_str(), what)
            .await?;
        Ok(())
    }
}
