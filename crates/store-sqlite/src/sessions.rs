//! Sessions: one sign-in on one device.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_core::domain::{Session, SessionId, UserId};
use tessera_core::store::{SessionStore, StoreResult};
use time::OffsetDateTime;

use crate::codec::{db_err, get, micros, micros_opt, ts, ts_opt};
use crate::users::revoke_in_tx;
use crate::SqliteStore;

/// Columns of `sessions`, as [`session_from_row`] reads them.
const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at, expires_at, \
     idle_timeout_secs, ip, user_agent, method, dialect, revoked_at";

fn session_from_row(row: &SqliteRow) -> StoreResult<Session> {
    Ok(Session {
        id: SessionId(get(row, "id")?),
        user_id: UserId(get(row, "user_id")?),
        created_at: ts(row, "created_at")?,
        last_seen_at: ts(row, "last_seen_at")?,
        expires_at: ts(row, "expires_at")?,
        idle_timeout_secs: get(row, "idle_timeout_secs")?,
        ip: get(row, "ip")?,
        user_agent: get(row, "user_agent")?,
        method: get(row, "method")?,
        dialect: get(row, "dialect")?,
        revoked_at: ts_opt(row, "revoked_at")?,
    })
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(
        &self,
        session: &Session,
        single_per_user: bool,
    ) -> StoreResult<Vec<SessionId>> {
        let mut tx = self.begin_write().await?;
        let revoked = if single_per_user {
            {
                // Only this dialect's sessions: one dialect's "single session" rule must not
                // sign the user out of another dialect's clients.
                let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
                    "UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND dialect = ?3 \
                     AND revoked_at IS NULL RETURNING id",
                )
                .bind(micros(session.created_at))
                .bind(session.user_id.0)
                .bind(&session.dialect)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
                ids.into_iter().map(SessionId).collect()
            }
        } else {
            Vec::new()
        };
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, \
             idle_timeout_secs, ip, user_agent, method, dialect, revoked_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(session.id.0)
        .bind(session.user_id.0)
        .bind(micros(session.created_at))
        .bind(micros(session.last_seen_at))
        .bind(micros(session.expires_at))
        .bind(session.idle_timeout_secs)
        .bind(session.ip.as_deref())
        .bind(session.user_agent.as_deref())
        .bind(&session.method)
        .bind(&session.dialect)
        .bind(micros_opt(session.revoked_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(revoked)
    }

    async fn session_by_id(&self, id: SessionId) -> StoreResult<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(session_from_row).transpose()
    }

    async fn touch_session(&self, id: SessionId, seen_at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1 AND last_seen_at < ?2")
            .bind(id.0)
            .bind(micros(seen_at))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn revoke_session(&self, id: SessionId, now: OffsetDateTime) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
                .bind(id.0)
                .bind(micros(now))
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        except: Option<SessionId>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionId>> {
        let mut tx = self.begin_write().await?;
        let ids = revoke_in_tx(&mut tx, user_id, except, now).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(ids)
    }

    async fn list_user_sessions(&self, user_id: UserId) -> StoreResult<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(user_id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(session_from_row).collect()
    }

    async fn revoke_unexpired_sessions(
        &self,
        user_id: Option<UserId>,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SessionId>> {
        // Two statements rather than `(?2 IS NULL OR user_id = ?2)`, so one user's revocation
        // uses the user index instead of scanning every session.
        let query = match user_id {
            Some(user) => sqlx::query_scalar(
                "UPDATE sessions SET revoked_at = ?1 \
                 WHERE user_id = ?2 AND revoked_at IS NULL AND expires_at > ?1 RETURNING id",
            )
            .bind(micros(now))
            .bind(user.0),
            None => sqlx::query_scalar(
                "UPDATE sessions SET revoked_at = ?1 \
                 WHERE revoked_at IS NULL AND expires_at > ?1 RETURNING id",
            )
            .bind(micros(now)),
        };
        let ids: Vec<uuid::Uuid> = query.fetch_all(&self.pool).await.map_err(db_err)?;
        Ok(ids.into_iter().map(SessionId).collect())
    }
}
