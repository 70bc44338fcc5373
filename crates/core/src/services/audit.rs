//! Login history and the audit trail. Writing them never fails the operation that caused
//! them (the failure is logged), so an audit hiccup cannot lock users out.

use serde_json::Value;
use uuid::Uuid;

use super::Core;
use crate::domain::{AuditEvent, LoginEvent, RequestContext, UserId};
use crate::error::CoreResult;

impl Core {
    /// Records a sign-in attempt.
    pub(crate) async fn log_login(
        &self,
        user_id: Option<UserId>,
        method: &str,
        ctx: &RequestContext,
        success: bool,
    ) {
        let event = LoginEvent {
            id: Uuid::now_v7(),
            user_id,
            at: self.now(),
            ip: ctx.ip.clone(),
            user_agent: ctx
                .user_agent
                .as_deref()
                .map(|u| super::sessions::truncate(u, 512)),
            method: method.to_owned(),
            dialect: ctx.dialect.to_owned(),
            success,
        };
        if let Err(e) = self.inner.store.record_login(&event).await {
            tracing::error!(error = %e, "failed to record login event");
        }
    }

    /// Appends an audit event.
    pub(crate) async fn audit(
        &self,
        actor: Option<UserId>,
        action: &str,
        target: Option<UserId>,
        ctx: &RequestContext,
        outcome: &str,
        detail: Value,
    ) {
        let event = AuditEvent {
            id: Uuid::now_v7(),
            at: self.now(),
            actor,
            action: action.to_owned(),
            target,
            ip: ctx.ip.clone(),
            outcome: outcome.to_owned(),
            detail,
        };
        if let Err(e) = self.inner.store.append_audit(&event).await {
            tracing::error!(error = %e, action, "failed to append audit event");
        }
    }

    /// The audit trail, newest first, optionally about one user.
    pub async fn audit_trail(
        &self,
        user: Option<UserId>,
        limit: i64,
    ) -> CoreResult<Vec<AuditEvent>> {
        Ok(self
            .inner
            .store
            .list_audit(user, limit.clamp(1, 10_000))
            .await?)
    }

    /// Deletes audit and login events older than the retention period.
    pub async fn purge_old_audit(&self) -> CoreResult<u64> {
        let days = self.inner.config.audit_retention_days.max(1);
        Ok(self
            .inner
            .store
            .purge_audit(self.now() - time::Duration::days(days))
            .await?)
    }
}
