//! Login history and the audit trail: append-only, read newest first, purged by age.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use tessera_core::domain::{AuditEvent, LoginEvent, UserId};
use tessera_core::store::{AuditStore, StoreResult};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{db_err, get, truncate};
use crate::PgStore;

fn login_from_row(row: &PgRow) -> StoreResult<LoginEvent> {
    Ok(LoginEvent {
        id: get(row, "id")?,
        user_id: get::<Option<Uuid>>(row, "user_id")?.map(UserId),
        at: get(row, "at")?,
        ip: get(row, "ip")?,
        user_agent: get(row, "user_agent")?,
        method: get(row, "method")?,
        dialect: get(row, "dialect")?,
        success: get(row, "success")?,
    })
}

fn audit_from_row(row: &PgRow) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        id: get(row, "id")?,
        at: get(row, "at")?,
        actor: get::<Option<Uuid>>(row, "actor")?.map(UserId),
        action: get(row, "action")?,
        target: get::<Option<Uuid>>(row, "target")?.map(UserId),
        ip: get(row, "ip")?,
        outcome: get(row, "outcome")?,
        detail: get(row, "detail")?,
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn record_login(&self, event: &LoginEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO login_events (id, user_id, at, ip, user_agent, method, dialect, success) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.id)
        .bind(event.user_id.map(|u| u.0))
        .bind(truncate(event.at))
        .bind(event.ip.as_deref())
        .bind(event.user_agent.as_deref())
        .bind(&event.method)
        .bind(&event.dialect)
        .bind(event.success)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn login_summary(&self, user_id: UserId) -> StoreResult<(i64, Option<LoginEvent>)> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_events WHERE user_id = $1 AND success")
                .bind(user_id.0)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
        let latest = sqlx::query(
            "SELECT id, user_id, at, ip, user_agent, method, dialect, success FROM login_events \
             WHERE user_id = $1 AND success ORDER BY at DESC, id DESC LIMIT 1",
        )
        .bind(user_id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok((count, latest.as_ref().map(login_from_row).transpose()?))
    }

    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (id, at, actor, action, target, ip, outcome, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.id)
        .bind(truncate(event.at))
        .bind(event.actor.map(|u| u.0))
        .bind(&event.action)
        .bind(event.target.map(|u| u.0))
        .bind(event.ip.as_deref())
        .bind(&event.outcome)
        .bind(&event.detail)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn list_audit(&self, user: Option<UserId>, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        const COLUMNS: &str = "id, at, actor, action, target, ip, outcome, detail";
        let rows = match user {
            Some(user) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM audit_events WHERE actor = $1 OR target = $1 \
                     ORDER BY at DESC, id DESC LIMIT $2"
                );
                sqlx::query(&sql)
                    .bind(user.0)
                    .bind(limit.max(0))
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM audit_events ORDER BY at DESC, id DESC LIMIT $1"
                );
                sqlx::query(&sql)
                    .bind(limit.max(0))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(db_err)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn purge_audit(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let audit = sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(truncate(before))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let logins = sqlx::query("DELETE FROM login_events WHERE at < $1")
            .bind(truncate(before))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(audit.rows_affected() + logins.rows_affected())
    }
}
