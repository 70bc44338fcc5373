//! Creating and finding accounts.

use super::Core;
use crate::domain::{
    Email, NewUser, Password, RequestContext, User, UserId, UserSource, UserStatus,
};
use crate::error::{CoreError, CoreResult};
use crate::security::passwords::PasswordContext;

/// A request to create an account.
#[derive(Debug, Clone)]
pub struct CreateUser {
    /// Address (unique, case-insensitive).
    pub email: String,
    /// Password; the policy applies. None for accounts without one (social, invited).
    pub password: Option<Password>,
    /// Display name.
    pub name: String,
    /// Optional username (unique, case-insensitive).
    pub username: Option<String>,
    /// Administrator.
    pub is_admin: bool,
    /// Mark the address as confirmed (admin-created accounts).
    pub email_verified: bool,
}

/// Longest display name accepted.
pub(crate) const MAX_NAME_CHARS: usize = 100;

pub(crate) fn check_name(name: &str) -> CoreResult<String> {
    let n = name.trim();
    if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) {
        return Err(CoreError::field("name", "max"));
    }
    Ok(n.to_owned())
}

pub(crate) fn check_username(raw: &str) -> CoreResult<String> {
    let u = raw.trim();
    let ok_chars = u
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if u.is_empty() || u.chars().count() > 64 || !ok_chars {
        return Err(CoreError::field("username", "format"));
    }
    Ok(u.to_owned())
}

/// Refuses a password without a digit, a lowercase and an uppercase letter: the rule
/// Ugene's document states for its clients, on top of the server's policy.
pub fn check_password_classes(password: &Password) -> CoreResult<()> {
    let p = password.expose();
    let ok = p.chars().any(|c| c.is_ascii_digit())
        && p.chars().any(char::is_lowercase)
        && p.chars().any(char::is_uppercase);
    if ok {
        Ok(())
    } else {
        Err(CoreError::WeakPassword(
            "needs a digit, a lowercase and an uppercase letter",
        ))
    }
}

impl Core {
    /// Creates an account after checking the address, name, username and password policy.
    pub async fn create_user(&self, req: CreateUser, ctx: &RequestContext) -> CoreResult<User> {
        self.create_user_as(req, UserStatus::Active, None, ctx)
            .await
    }

    /// Creates an account with a status, recording the administrator who made it.
    pub(crate) async fn create_user_as(
        &self,
        req: CreateUser,
        status: UserStatus,
        created_by: Option<UserId>,
        ctx: &RequestContext,
    ) -> CoreResult<User> {
        let email = Email::parse(&req.email)?;
        let name = check_name(&req.name)?;
        let username = req.username.as_deref().map(check_username).transpose()?;
        let password_hash = match &req.password {
            Some(pw) => {
                let context = PasswordContext {
                    email: Some(email.as_str()),
                    username: username.as_deref(),
                    name: Some(&name),
                };
                self.inner.policy.check_for(pw, &context)?;
                Some(self.inner.hasher.hash(pw).await?)
            }
            None => None,
        };
        let now = self.now();
        let new = NewUser {
            id: UserId::new(),
            email,
            username,
            name,
            password_hash,
            source: UserSource::local(),
            is_admin: req.is_admin,
            email_verified_at: req.email_verified.then_some(now),
            created_at: now,
            status,
            created_by,
        };
        let user = self.inner.store.insert_user(&new, &[]).await?;
        self.audit(
            created_by,
            "account.create",
            Some(user.id),
            ctx,
            "ok",
            serde_json::json!({ "admin": user.is_admin }),
        )
        .await;
        Ok(user)
    }

    /// Creates an account and signs it in (registration by a client), under the
    /// registration mode, without an invite code.
    pub async fn register(
        &self,
        req: CreateUser,
        ctx: &RequestContext,
        opts: super::SessionOptions,
    ) -> CoreResult<super::SignedIn> {
        self.register_with_invite(req, None, ctx, opts).await
    }

    /// Registration that does not sign in (Ugene's sign-up): only in open mode; when
    /// e-mail confirmation is required, a confirmation link `<link_base><token>` valid
    /// `ttl_secs` is mailed.
    pub async fn register_unconfirmed(
        &self,
        req: CreateUser,
        link_base: &str,
        ttl_secs: i64,
        ctx: &RequestContext,
    ) -> CoreResult<User> {
        self.limit_ip(super::rate_limits::Action::Register, ctx)
            .await?;
        self.check_open_registration().await?;
        let user = self.create_user(req, ctx).await?;
        if self.email_confirmation_required().await? {
            self.send_confirmation(&user, link_base, ttl_secs).await?;
            return self.user(user.id).await;
        }
        Ok(user)
    }

    /// An account by id.
    pub async fn user(&self, id: UserId) -> CoreResult<User> {
        self.inner
            .store
            .user_by_id(id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// An account by e-mail (case-insensitive).
    pub async fn user_by_email(&self, email: &str) -> CoreResult<Option<User>> {
        let email = Email::parse(email)?;
        Ok(self.inner.store.user_by_email(&email.normalized()).await?)
    }

    /// A page of accounts.
    pub async fn list_users(&self, offset: i64, limit: i64) -> CoreResult<Vec<User>> {
        Ok(self
            .inner
            .store
            .list_users(offset.max(0), limit.clamp(1, 1000))
            .await?)
    }
}
