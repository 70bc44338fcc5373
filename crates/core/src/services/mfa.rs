//! TOTP enrolment: a pending secret offered as an `otpauth://` URI, bound only after two
//! different valid codes prove the authenticator has it. Seeds are sealed at rest.

use super::codes::IssueCode;
use super::credential_change::CredentialChange;
use super::lockout::account_key;
use super::sessions::AuthContext;
use super::Core;
use crate::domain::{CodePurpose, RequestContext};
use crate::error::{CoreError, CoreResult};
use crate::security::{sealed, totp};

/// How long a pending enrolment lives (seconds).
const ENROLMENT_TTL_SECS: i64 = 300;

impl Core {
    /// Starts (or restarts) TOTP enrolment; returns the `otpauth://` URI to show as a QR code.
    pub async fn start_totp_enrolment(&self, auth: AuthContext) -> CoreResult<String> {
        let user = self.unrestricted_user(auth).await?;
        self.require_recent_sign_in(auth).await?;
        let secret = totp::generate_secret();
        let uri = totp::otpauth_uri(&self.inner.config.issuer, user.email.as_str(), &secret);
        let sealed_secret = sealed::seal(&self.inner.keys.seal, secret.as_bytes())?;
        self.issue_code(IssueCode {
            purpose: CodePurpose::TotpEnrolment,
            subject: &auth.user_id.to_simple(),
            code: &uri,
            ttl_secs: ENROLMENT_TTL_SECS,
            data: Some(sealed_secret),
            outbox: None,
            cooldown: false,
        })
        .await?;
        Ok(uri)
    }

    /// Binds the pending secret named by `uri` after checking two different current codes.
    pub async fn confirm_totp_enrolment(
        &self,
        auth: AuthContext,
        uri: &str,
        codes: &[String],
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        if uri.trim().is_empty() {
            return Err(CoreError::field("totp", "required"));
        }
        let [a, b] = codes else {
            return Err(CoreError::field("tss", "len"));
        };
        if a == b {
            return Err(CoreError::TotpInvalid);
        }
        self.require_recent_sign_in(auth).await?;
        let key = account_key(auth.user_id);
        self.ensure_not_locked(&key).await?;
        let subject = auth.user_id.to_simple();
        let pending = match self
            .check_code(CodePurpose::TotpEnrolment, &subject, uri.trim())
            .await
        {
            Ok(p) => p,
            Err(CoreError::CodeInvalid | CoreError::CodeExpired) => {
                return Err(CoreError::TotpInvalid)
            }
            Err(e) => return Err(e),
        };
        let sealed_secret = pending
            .data
            .clone()
            .ok_or_else(|| CoreError::internal("enrolment without secret"))?;
        let secret = String::from_utf8(sealed::open(&self.inner.keys.seal, &sealed_secret)?)
            .map_err(CoreError::internal)?;
        let now_step = totp::step_of(self.now().unix_timestamp());
        let sa = totp::check(&secret, a.trim(), now_step, 1);
        let sb = totp::check(&secret, b.trim(), now_step, 1);
        let (Some(sa), Some(sb)) = (sa, sb) else {
            self.inner.store.spend_code_attempt(pending.id).await?;
            self.record_failure(&key).await?;
            return Err(CoreError::TotpInvalid);
        };
        self.consume(&pending).await?;
        let mut user = self.user(auth.user_id).await?;
        user.totp_secret = Some(sealed_secret);
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        // Both enrolment codes are spent: neither may sign in afterwards.
        self.inner
            .store
            .advance_totp_step(user.id, sa.max(sb))
            .await?;
        self.audit(
            Some(user.id),
            "factor.totp.bind",
            Some(user.id),
            ctx,
            "ok",
            serde_json::Value::Null,
        )
        .await;
        self.after_credential_change(auth, user.email.as_str(), CredentialChange::TotpBound)
            .await?;
        Ok(())
    }
}
