//! The recovery path for a lost second factor (ASVS V6.4.4). There is no self-service
//! way around a factor: a reset link or code proves control of the address, which is
//! less than the factor the owner chose, so accepting it would make the factor pointless.
//! Instead an operator, after checking the owner's identity out of band (docs/security.md
//! describes the procedure), removes the account's second factors. Every session ends,
//! so the owner signs in again with the password and re-enrols; the owner is told, and
//! the action is audited.

use super::credential_change::CredentialChange;
use super::Core;
use crate::domain::{RequestContext, UserId};
use crate::error::{CoreError, CoreResult};

/// What a factor reset removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FactorsRemoved {
    /// A TOTP secret was bound.
    pub totp: bool,
    /// A phone was bound.
    pub phone: bool,
    /// The e-mailed sign-in code was on.
    pub email_otp: bool,
    /// Sessions that ended.
    pub sessions: usize,
}

impl Core {
    /// Removes the account's TOTP, phone and e-mailed code, ends all its sessions and
    /// mails the owner a notice. `actor` is the administrator (none for the CLI).
    pub async fn reset_second_factors(
        &self,
        actor: Option<UserId>,
        user: UserId,
        ctx: &RequestContext,
    ) -> CoreResult<FactorsRemoved> {
        let mut account = self
            .inner
            .store
            .user_by_id(user)
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(CoreError::NotFound)?;
        let mut removed = FactorsRemoved {
            totp: account.totp_secret.take().is_some(),
            phone: account.phone.take().is_some(),
            email_otp: std::mem::take(&mut account.email_otp),
            sessions: 0,
        };
        if removed.totp || removed.phone || removed.email_otp {
            account.updated_at = self.now();
            self.inner.store.update_user(&account).await?;
        }
        removed.sessions = self.revoke_user_sessions(user, None).await?;
        self.notify_credential_change(
            account.email.as_str(),
            CredentialChange::FactorsReset,
            removed.sessions,
        )
        .await?;
        self.audit(
            actor,
            "admin.factors.reset",
            Some(user),
            ctx,
            "ok",
            serde_json::json!({
                "totp": removed.totp, "phone": removed.phone, "email_otp": removed.email_otp,
                "sessions": removed.sessions, "via": ctx.dialect,
            }),
        )
        .await;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::testing::{harness, test_ctx};
    use super::super::SessionOptions;
    use crate::domain::Password;
    use crate::error::CoreError;
    use crate::store::{AuditStore, UserStore};

    const PW: &str = "Correct-horse-1";

    #[tokio::test]
    async fn an_operator_removes_every_factor_ends_every_session_and_the_owner_is_told() {
        let h = harness();
        let u = h.account("lost@example.com", None, Some(PW), false).await;
        let s = h
            .core
            .sign_in_password(
                "lost@example.com",
                &Password::new(PW),
                &test_ctx(),
                SessionOptions::default(),
            )
            .await
            .unwrap();
        h.core
            .toggle_email_otp(s.auth(), &test_ctx())
            .await
            .unwrap();
        let mut stored = h.store.user_by_id(u.id).await.unwrap().unwrap();
        stored.totp_secret = Some(b"sealed".to_vec());
        h.store.update_user(&stored).await.unwrap();
        assert!(matches!(
            h.core
                .sign_in_password(
                    "lost@example.com",
                    &Password::new(PW),
                    &test_ctx(),
                    SessionOptions::default(),
                )
                .await,
            Err(CoreError::SecondFactorRequired)
        ));

        let removed = h
            .core
            .reset_second_factors(None, u.id, &test_ctx())
            .await
            .unwrap();
        assert!(removed.totp && removed.email_otp && !removed.phone);
        assert_eq!(removed.sessions, 1);
        let now = h.store.user_by_id(u.id).await.unwrap().unwrap();
        assert!(now.totp_secret.is_none() && !now.email_otp);
        let notice = h.mails_to("lost@example.com").pop().unwrap();
        assert!(
            notice.body_text.contains("second factors"),
            "{}",
            notice.body_text
        );
        let trail = h.store.list_audit(Some(u.id), 10).await.unwrap();
        assert!(trail.iter().any(|e| e.action == "admin.factors.reset"));
        // The password alone signs in again, so the owner can re-enrol.
        h.core
            .sign_in_password(
                "lost@example.com",
                &Password::new(PW),
                &test_ctx(),
                SessionOptions::default(),
            )
            .await
            .unwrap();
        assert!(matches!(
            h.core
                .reset_second_factors(None, crate::domain::UserId::new(), &test_ctx())
                .await,
            Err(CoreError::NotFound)
        ));
    }
}
