//! Sign-in with an identity a social provider vouched for. A new address creates an
//! account of that source, already confirmed and without a password; an address that
//! belongs to an account of another source is refused (no silent account linking).

use super::{Core, SessionOptions, SignedIn};
use crate::domain::{Email, NewUser, RequestContext, UserId, UserSource};
use crate::error::{CoreError, CoreResult};
use crate::ports::ExternalIdentity;

impl Core {
    /// Signs in (creating the account on first use) with a verified external identity.
    pub async fn sign_in_external(
        &self,
        identity: &ExternalIdentity,
        ctx: &RequestContext,
        opts: SessionOptions,
    ) -> CoreResult<SignedIn> {
        self.limit_ip(super::rate_limits::Action::SignIn, ctx)
            .await?;
        if !identity.email_verified {
            // An address the provider has not confirmed proves nothing about its owner.
            return Err(CoreError::InvalidInput(vec![crate::error::FieldError {
                field: "email",
                tag: "unverified",
            }]));
        }
        let email = Email::parse(&identity.email)?;
        let source = UserSource(identity.provider.clone());
        let user = match self.inner.store.user_by_email(&email.normalized()).await? {
            Some(u) if u.source != source => {
                self.audit(
                    None,
                    "login.failure",
                    Some(u.id),
                    ctx,
                    "email_taken",
                    serde_json::json!({ "method": identity.provider }),
                )
                .await;
                return Err(CoreError::EmailTaken);
            }
            Some(u) if !u.is_usable() => return Err(CoreError::InvalidCredentials),
            Some(u) => u,
            None => {
                // A first social sign-in is a registration.
                self.check_open_registration().await?;
                let now = self.now();
                let new = NewUser {
                    id: UserId::new(),
                    email,
                    username: None,
                    name: identity
                        .name
                        .clone()
                        .unwrap_or_default()
                        .chars()
                        .take(100)
                        .collect(),
                    password_hash: None,
                    source,
                    is_admin: false,
                    email_verified_at: Some(now),
                    created_at: now,
                    status: crate::domain::UserStatus::Active,
                    created_by: None,
                };
                let created = self.inner.store.insert_user(&new, &[]).await?;
                self.audit(
                    None,
                    "account.create",
                    Some(created.id),
                    ctx,
                    "ok",
                    serde_json::json!({ "source": identity.provider }),
                )
                .await;
                created
            }
        };
        self.finish_sign_in(user, &identity.provider, ctx, opts)
            .await
    }
}
