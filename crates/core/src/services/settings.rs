//! Settings an administrator changes at run time (registration, e-mail confirmation). They
//! are kept in the store, so every node sees a change at once; until one is set, the
//! configuration file's value holds.

use super::Core;
use crate::config::RegistrationMode;
use crate::domain::RequestContext;
use crate::error::CoreResult;

const REGISTRATION_MODE: &str = "registration.mode";
const CONFIRM_EMAIL: &str = "registration.confirm_email";

impl Core {
    /// The registration mode in force: the administrator's choice, else the configuration.
    pub async fn registration_mode(&self) -> CoreResult<RegistrationMode> {
        Ok(
            match self
                .inner
                .store
                .setting(REGISTRATION_MODE)
                .await?
                .as_deref()
            {
                Some("open") => RegistrationMode::Open,
                Some("invite") => RegistrationMode::Invite,
                Some("close") => RegistrationMode::Close,
                _ => self.inner.config.registration.mode,
            },
        )
    }

    /// Whether e-mail confirmation is required before sign-in (Ugene's
    /// `comfirmation-email`): the administrator's choice, else the configuration.
    pub async fn email_confirmation_required(&self) -> CoreResult<bool> {
        Ok(
            match self.inner.store.setting(CONFIRM_EMAIL).await?.as_deref() {
                Some("true") => true,
                Some("false") => false,
                _ => self.inner.config.require_email_confirmation,
            },
        )
    }

    pub(crate) async fn store_registration_mode(
        &self,
        mode: RegistrationMode,
        ctx: &RequestContext,
        actor: crate::domain::UserId,
    ) -> CoreResult<()> {
        let value = match mode {
            RegistrationMode::Open => "open",
            RegistrationMode::Invite => "invite",
            RegistrationMode::Close => "close",
        };
        self.inner
            .store
            .set_setting(REGISTRATION_MODE, value)
            .await?;
        self.audit(
            Some(actor),
            "admin.registration",
            None,
            ctx,
            "ok",
            serde_json::json!({ "mode": value }),
        )
        .await;
        Ok(())
    }

    pub(crate) async fn store_email_confirmation(
        &self,
        required: bool,
        ctx: &RequestContext,
        actor: crate::domain::UserId,
    ) -> CoreResult<()> {
        self.inner
            .store
            .set_setting(CONFIRM_EMAIL, if required { "true" } else { "false" })
            .await?;
        self.audit(
            Some(actor),
            "admin.confirm_email",
            None,
            ctx,
            "ok",
            serde_json::json!({ "required": required }),
        )
        .await;
        Ok(())
    }
}
