//! The data-subject rights: restriction of processing, access (shown and e-mailed as
//! JSON), and erasure.
//!
//! Erasure keeps the account row only as a tombstone: its random id stays, so the audit
//! trail about it stays meaningful but names nobody (pseudonymised); every personal field,
//! secret, session, code, file, to-do, social sign-in binding and login record goes.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::sessions::AuthContext;
use super::{messages, Core};
use crate::domain::{Email, RequestContext, User, UserId};
use crate::error::{CoreError, CoreResult};
use crate::store::Erasure;

/// Most audit events included in an export.
const EXPORT_AUDIT_LIMIT: i64 = 1000;

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn unix_opt(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::from(t.unix_timestamp()))
}

impl Core {
    /// Restricts processing of the signed-in account's data (GDPR art. 18): from now on
    /// it can only sign in, read, export and erase. Idempotent.
    pub async fn restrict_processing(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let mut user = self.current_user(auth).await?;
        if !user.restricted {
            user.restricted = true;
            user.updated_at = self.now();
            self.inner.store.update_user(&user).await?;
        }
        self.audit(
            Some(user.id),
            "gdpr.restrict",
            Some(user.id),
            ctx,
            "ok",
            Value::Null,
        )
        .await;
        Ok(())
    }

    /// Everything held on the signed-in account, as JSON (secrets only as "present").
    pub async fn personal_data(&self, auth: AuthContext) -> CoreResult<Value> {
        let user = self.current_user(auth).await?;
        self.collect_personal_data(&user).await
    }

    async fn collect_personal_data(&self, user: &User) -> CoreResult<Value> {
        let store = &self.inner.store;
        let sessions = store.list_user_sessions(user.id).await?;
        let (logins, last_login) = store.login_summary(user.id).await?;
        let audit = store.list_audit(Some(user.id), EXPORT_AUDIT_LIMIT).await?;
        let files = store.user_files(user.id).await?;
        let roles = store.user_roles(user.id).await?;
        let todos = store.list_open_todos(user.id).await?;
        let quota = store.invite_quota(user.id).await?;
        let identities = store.identities_of_user(user.id).await?;
        Ok(json!({
            "account": {
                "id": user.id.to_simple(),
                "email": user.email.as_str(),
                "email_confirmed_at": unix_opt(user.email_verified_at),
                "username": user.username,
                "name": user.name,
                "phone": user.phone.as_ref().map(|p| p.as_str().to_owned()),
                "source": user.source.0,
                "status": user.status.as_str(),
                "admin": user.is_admin,
                "restricted": user.restricted,
                "two_factor_email": user.email_otp,
                "password_set": user.password_hash.is_some(),
                "totp_bound": user.totp_secret.is_some(),
                "lark_linked": user.lark.is_some(),
                "created_by": user.created_by.map(|u| u.to_simple()),
                "created_at": unix(user.created_at),
                "updated_at": unix(user.updated_at),
                "last_login_at": unix_opt(user.last_login_at),
                "invite_quota": quota,
            },
            "sessions": sessions.iter().map(|s| json!({
                "created_at": unix(s.created_at),
                "last_seen_at": unix(s.last_seen_at),
                "expires_at": unix(s.expires_at),
                "ip": s.ip,
                "user_agent": s.user_agent,
                "method": s.method,
                "dialect": s.dialect,
            })).collect::<Vec<_>>(),
            "logins": {
                "successful": logins,
                "last": last_login.map(|l| json!({
                    "at": unix(l.at), "ip": l.ip, "user_agent": l.user_agent, "method": l.method,
                })),
            },
            // The social providers' user ids this account signs in with.
            "external_identities": identities.iter().map(|b| json!({
                "provider": b.provider, "subject": b.subject, "created_at": unix(b.created_at),
            })).collect::<Vec<_>>(),
            "roles": roles.iter().map(|r| json!({ "id": r.id, "name": r.name })).collect::<Vec<_>>(),
            "files": files.iter().map(|f| json!({
                "id": f.id, "kind": f.kind.as_str(), "name": f.name,
                "content_type": f.content_type, "size": f.size, "sha256": f.sha256,
                "created_at": unix(f.created_at),
            })).collect::<Vec<_>>(),
            "todos": todos.iter().map(|t| json!({
                "id": t.id, "task": t.task, "more_info": t.more_info,
                "date": t.date.map(|d| d.to_string()), "finished": t.finished,
                "created_at": unix(t.created_at),
            })).collect::<Vec<_>>(),
            "audit": audit.iter().map(|e| json!({
                "at": unix(e.at), "action": e.action, "outcome": e.outcome, "ip": e.ip,
                "by_self": e.actor == Some(user.id),
            })).collect::<Vec<_>>(),
        }))
    }

    /// E-mails the export of [`Core::personal_data`] to the account's address.
    pub async fn email_personal_data(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        self.limit_ip(super::rate_limits::Action::SendCode, ctx)
            .await?;
        let user = self.current_user(auth).await?;
        self.count_code_request("export", &user.id.to_simple())
            .await?;
        let data = self.collect_personal_data(&user).await?;
        let text = serde_json::to_string_pretty(&data).map_err(CoreError::internal)?;
        let mail = messages::mail_data_export(user.email.as_str(), &text, self.now());
        self.inner.store.enqueue(&mail).await?;
        self.signal_outbox();
        self.audit(
            Some(user.id),
            "gdpr.export",
            Some(user.id),
            ctx,
            "ok",
            Value::Null,
        )
        .await;
        Ok(())
    }

    /// Erases the signed-in account (delete-account and forget-me).
    pub async fn erase_own_account(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let user = self.current_user(auth).await?;
        self.erase_account(&user, Some(user.id), ctx).await
    }

    /// Erases an account: personal data, secrets, sessions (ended at once everywhere),
    /// codes, files (and their bytes), to-dos, social sign-in bindings and login history. A
    /// notice goes to the old address first when configured.
    pub(crate) async fn erase_account(
        &self,
        user: &User,
        actor: Option<UserId>,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let now = self.now();
        let files = self.inner.store.user_files(user.id).await?;
        let simple = user.id.to_simple();
        let tombstone_email = Email::parse(&format!("erased-{simple}@erased.invalid"))?;
        let erased = User {
            email: tombstone_email,
            username: None,
            name: String::new(),
            avatar: String::new(),
            phone: None,
            password_hash: None,
            email_verified_at: None,
            is_admin: false,
            totp_secret: None,
            totp_last_step: None,
            lark: None,
            updated_at: now,
            last_login_at: None,
            restricted: true,
            email_otp: false,
            created_by: None,
            confirmation_sent_at: None,
            deleted_at: Some(now),
            ..user.clone()
        };
        let revoked = self
            .inner
            .store
            .erase_user(&Erasure {
                user: erased,
                code_subjects: [
                    Some(simple),
                    Some(user.email.normalized()),
                    user.phone.as_ref().map(|p| p.as_str().to_owned()),
                ]
                .into_iter()
                .flatten()
                .collect(),
                recipients: [
                    Some(user.email.as_str().to_owned()),
                    user.phone.as_ref().map(|p| p.as_str().to_owned()),
                ]
                .into_iter()
                .flatten()
                .collect(),
                now,
            })
            .await?;
        self.sessions_revoked(&revoked).await;
        // Told only once it is done (and after the erasure removed the older mail).
        if self.inner.config.mail_on_delete {
            let notice = messages::mail_account_deleted(user.email.as_str(), now);
            if let Err(e) = self.inner.store.enqueue(&notice).await {
                tracing::error!(error = %e, "could not queue the deletion notice");
            }
            self.signal_outbox();
        }
        for f in files {
            if let Err(e) = self.inner.media.blobs.delete(&f.blob_key).await {
                tracing::error!(error = %e, key = %f.blob_key, "could not delete an erased file");
            }
        }
        // The request context of an erasure is the subject's own: keep no IP with it.
        let anonymous = RequestContext {
            ip: None,
            user_agent: None,
            dialect: ctx.dialect,
        };
        self.audit(
            actor,
            "account.erase",
            Some(user.id),
            &anonymous,
            "ok",
            json!({ "sessions_revoked": revoked.len() }),
        )
        .await;
        Ok(())
    }
}
