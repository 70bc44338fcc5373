//! What follows every change to how an account signs in or is recovered: the owner is told,
//! and sessions started before the change end (ASVS V6.3.7, V7.4.3).
//!
//! A stolen session is the usual way an attacker makes such a change (add their phone,
//! switch the address, remove the authenticator); ending the other sessions keeps the
//! owner's current one and throws out everyone else, and the notice to the address that
//! was on the account before the change lets the owner notice a change they did not make.

use time::Duration;

use super::sessions::AuthContext;
use super::{messages, Core};
use crate::error::{CoreError, CoreResult};

/// A change of sign-in or recovery details, worded for the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialChange<'a> {
    /// A new e-mail address (masked in the notice to the old one).
    Email { new: &'a str },
    /// A phone was bound (or replaced).
    PhoneBound,
    /// The phone was removed.
    PhoneRemoved,
    /// An authenticator (TOTP) was bound.
    TotpBound,
    /// The authenticator was removed.
    TotpRemoved,
    /// The e-mailed sign-in code was switched on or off.
    EmailOtp { on: bool },
    /// The Lark sign-in link was removed.
    LarkUnlinked,
    /// An operator removed every second factor (a lost factor).
    FactorsReset,
}

impl CredentialChange<'_> {
    /// The audit trail's name for the change (the names the audit trail already used).
    pub(crate) fn audit_action(&self) -> &'static str {
        match self {
            Self::Email { .. } => "profile.update",
            Self::PhoneBound => "factor.phone.bind",
            Self::PhoneRemoved => "factor.phone.unbind",
            Self::TotpBound => "factor.totp.bind",
            Self::TotpRemoved => "factor.totp.unbind",
            Self::EmailOtp { .. } => "mfa.email_otp",
            Self::LarkUnlinked => "identity.lark.unlink",
            Self::FactorsReset => "admin.factors.reset",
        }
    }

    /// One sentence for the notice.
    fn sentence(&self) -> String {
        match self {
            Self::Email { new } => format!(
                "The e-mail address of your account was changed to {}.",
                mask_address(new)
            ),
            Self::PhoneBound => "A phone number was bound to your account.".into(),
            Self::PhoneRemoved => "The phone number was removed from your account.".into(),
            Self::TotpBound => "An authenticator app was bound to your account.".into(),
            Self::TotpRemoved => "The authenticator app was removed from your account.".into(),
            Self::EmailOtp { on: true } => {
                "Sign-in codes by e-mail were switched on for your account.".into()
            }
            Self::EmailOtp { on: false } => {
                "Sign-in codes by e-mail were switched off for your account.".into()
            }
            Self::LarkUnlinked => "The Lark sign-in was unlinked from your account.".into(),
            Self::FactorsReset => "An administrator removed the second factors of your account \
                                   (authenticator, phone, e-mailed codes), as you asked; sign in \
                                   with your password and set them up again."
                .into(),
        }
    }
}

/// `jo***@example.com`: enough for the owner to recognise an address, not to learn it.
fn mask_address(addr: &str) -> String {
    match addr.split_once('@') {
        Some((local, domain)) => {
            let shown: String = local.chars().take(2).collect();
            format!("{shown}***@{domain}")
        }
        None => "***".into(),
    }
}

impl Core {
    /// Refuses (`ReauthRequired`) unless the session signed in within
    /// `core.session.recent_sign_in_secs`: checked before every change of the address or
    /// of a second factor (a password change asks for the current password instead).
    pub(crate) async fn require_recent_sign_in(&self, auth: AuthContext) -> CoreResult<()> {
        let window = self.inner.config.session.recent_sign_in_secs;
        if window <= 0 {
            return Ok(());
        }
        let session = self
            .inner
            .store
            .session_by_id(auth.session_id)
            .await?
            .filter(|s| s.user_id == auth.user_id)
            .ok_or(CoreError::SessionInvalid)?;
        if self.now() - session.created_at > Duration::seconds(window) {
            return Err(CoreError::ReauthRequired);
        }
        Ok(())
    }

    /// Ends the user's sessions other than `auth`'s and mails `notify_to` (the address on
    /// the account before the change) a notice. Returns how many sessions ended.
    pub(crate) async fn after_credential_change(
        &self,
        auth: AuthContext,
        notify_to: &str,
        change: CredentialChange<'_>,
    ) -> CoreResult<usize> {
        let ended = self
            .revoke_user_sessions(auth.user_id, Some(auth.session_id))
            .await?;
        self.notify_credential_change(notify_to, change, ended)
            .await?;
        Ok(ended)
    }

    /// Mails `to` the notice of `change` (and of the `ended` sessions).
    pub(crate) async fn notify_credential_change(
        &self,
        to: &str,
        change: CredentialChange<'_>,
        ended: usize,
    ) -> CoreResult<()> {
        let notice =
            messages::mail_sign_in_details_changed(to, &change.sentence(), ended, self.now());
        self.inner.store.enqueue(&notice).await?;
        self.signal_outbox();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_but_recognisable() {
        assert_eq!(mask_address("joanna@example.com"), "jo***@example.com");
        assert_eq!(mask_address("j@example.com"), "j***@example.com");
        assert_eq!(mask_address("nonsense"), "***");
        let s = CredentialChange::Email {
            new: "mallory@evil.test",
        }
        .sentence();
        assert!(
            s.contains("ma***@evil.test") && !s.contains("mallory"),
            "{s}"
        );
    }
}
