//! Sign-in with an identity a social provider vouched for.
//!
//! The provider's stable user id (Google `sub`, Facebook `id`) is the identity (ASVS 5.0
//! V10.5.2): once bound to an account, it signs in to that account whatever address the
//! provider reports later, and the account's address is left as it is. An identity not
//! bound yet falls back to the address: a new address creates an account of that source
//! (confirmed, without a password) bound to the subject; an account of the same source
//! with no subject for this provider yet (made before subjects were kept) is bound on this
//! first use; an address that belongs to an account of another source, or to one already
//! bound to a different subject, is refused (no silent account linking).

use super::{Core, SessionOptions, SignedIn};
use crate::domain::{Email, NewUser, RequestContext, User, UserId, UserSource};
use crate::error::{CoreError, CoreResult};
use crate::ports::ExternalIdentity;
use crate::store::{BindOutcome, ExternalBinding, StoreError};

/// Rounds of the lookup before giving up. A round is repeated only when a concurrent
/// sign-in committed a binding or an account between this round's lookup and its own
/// write; the next round sees that write and follows it, so even one repeat is rare.
const ROUNDS: usize = 3;

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
        if identity.subject.trim().is_empty() {
            // The adapters refuse such tokens; an empty subject here is a server bug, and
            // binding it would let every such sign-in reach one account.
            return Err(CoreError::internal(format!(
                "{} identity without a subject",
                identity.provider
            )));
        }
        let email = Email::parse(&identity.email)?;
        for _ in 0..ROUNDS {
            if let Some(user) = self.external_round(identity, &email, ctx).await? {
                return self
                    .finish_sign_in(user, &identity.provider, ctx, opts)
                    .await;
            }
        }
        Err(CoreError::internal(format!(
            "{} sign-in still racing after {ROUNDS} rounds",
            identity.provider
        )))
    }

    /// One lookup: by subject, then by address, binding or creating as the module says.
    /// `None` when a concurrent sign-in changed what it looked at: look again.
    async fn external_round(
        &self,
        identity: &ExternalIdentity,
        email: &Email,
        ctx: &RequestContext,
    ) -> CoreResult<Option<User>> {
        let store = &self.inner.store;
        if let Some(id) = store
            .user_by_external(&identity.provider, &identity.subject)
            .await?
        {
            return match store.user_by_id(id).await? {
                Some(u) if u.is_usable() => Ok(Some(u)),
                _ => Err(CoreError::InvalidCredentials),
            };
        }
        let source = UserSource(identity.provider.clone());
        match store.user_by_email(&email.normalized()).await? {
            Some(u) if u.source != source => {
                self.refuse_address(&u, identity, ctx, "email_taken").await;
                Err(CoreError::EmailTaken)
            }
            Some(u) if !u.is_usable() => Err(CoreError::InvalidCredentials),
            Some(u) => self.bind_on_first_use(u, identity, ctx).await,
            None => self.create_external(identity, email, ctx).await,
        }
    }

    /// An account of this source found by address and not by subject: bound now when it
    /// has no subject of this provider yet (an account made before subjects were kept).
    async fn bind_on_first_use(
        &self,
        user: User,
        identity: &ExternalIdentity,
        ctx: &RequestContext,
    ) -> CoreResult<Option<User>> {
        let binding = ExternalBinding {
            provider: identity.provider.clone(),
            subject: identity.subject.clone(),
            user_id: user.id,
            created_at: self.now(),
        };
        match self.inner.store.bind_external(&binding).await {
            Ok(BindOutcome::Bound) => {
                self.audit(
                    None,
                    "identity.bind",
                    Some(user.id),
                    ctx,
                    "ok",
                    serde_json::json!({ "provider": identity.provider, "first_use": true }),
                )
                .await;
                Ok(Some(user))
            }
            Ok(BindOutcome::AccountBound) => {
                // Another person of the same provider now reports this address (or the
                // owner's provider account was replaced): the address is not the identity.
                self.refuse_address(&user, identity, ctx, "subject_mismatch")
                    .await;
                Err(CoreError::EmailTaken)
            }
            // A concurrent sign-in bound the subject (to this account or another): the
            // next round signs in to wherever it is bound.
            Ok(BindOutcome::SubjectTaken(_)) => Ok(None),
            // Erased since the lookup: the next round no longer finds it by address.
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A first social sign-in with an unknown address is a registration: the account and
    /// its binding are written together, so a lost race leaves no second account.
    async fn create_external(
        &self,
        identity: &ExternalIdentity,
        email: &Email,
        ctx: &RequestContext,
    ) -> CoreResult<Option<User>> {
        self.check_open_registration().await?;
        let now = self.now();
        let new = NewUser {
            id: UserId::new(),
            email: email.clone(),
            username: None,
            name: identity
                .name
                .clone()
                .unwrap_or_default()
                .chars()
                .take(100)
                .collect(),
            password_hash: None,
            source: UserSource(identity.provider.clone()),
            is_admin: false,
            email_verified_at: Some(now),
            created_at: now,
            status: crate::domain::UserStatus::Active,
            created_by: None,
        };
        match self
            .inner
            .store
            .insert_external_user(&new, &identity.provider, &identity.subject)
            .await
        {
            Ok(created) => {
                self.audit(
                    None,
                    "account.create",
                    Some(created.id),
                    ctx,
                    "ok",
                    serde_json::json!({ "source": identity.provider }),
                )
                .await;
                Ok(Some(created))
            }
            // A concurrent sign-in took the address or bound the subject first; the next
            // round finds what it wrote (and refuses it if it is someone else's).
            Err(StoreError::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Records a social sign-in refused because the address belongs to an account this
    /// identity may not enter.
    async fn refuse_address(
        &self,
        user: &User,
        identity: &ExternalIdentity,
        ctx: &RequestContext,
        outcome: &str,
    ) {
        self.audit(
            None,
            "login.failure",
            Some(user.id),
            ctx,
            outcome,
            serde_json::json!({ "method": identity.provider }),
        )
        .await;
    }
}
