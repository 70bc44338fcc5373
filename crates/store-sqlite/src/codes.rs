//! One-time codes: at most one per (purpose, subject), attempt-limited, single-use.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_core::domain::{OneTimeCode, OutboxMessage};
use tessera_core::store::{CodeStore, StoreResult};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{db_err, get, micros, micros_opt, ts, ts_opt};
use crate::outbox::insert_outbox;
use crate::SqliteStore;

/// Columns of `one_time_codes`, as [`code_from_row`] reads them.
const CODE_COLUMNS: &str =
    "id, purpose, subject, code_hash, data, created_at, expires_at, attempts_left, consumed_at";

fn code_from_row(row: &SqliteRow) -> StoreResult<OneTimeCode> {
    Ok(OneTimeCode {
        id: get(row, "id")?,
        purpose: get(row, "purpose")?,
        subject: get(row, "subject")?,
        code_hash: get(row, "code_hash")?,
        data: get(row, "data")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        attempts_left: get(row, "attempts_left")?,
        consumed_at: ts_opt(row, "consumed_at")?,
    })
}

#[async_trait]
impl CodeStore for SqliteStore {
    async fn put_code(
        &self,
        code: &OneTimeCode,
        outbox: Option<&OutboxMessage>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        // The unique (purpose, subject) index makes "replace" one atomic upsert.
        sqlx::query(
            "INSERT INTO one_time_codes (id, purpose, subject, code_hash, data, created_at, \
             expires_at, attempts_left, consumed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (purpose, subject) DO UPDATE SET id = excluded.id, \
             code_hash = excluded.code_hash, data = excluded.data, \
             created_at = excluded.created_at, expires_at = excluded.expires_at, \
             attempts_left = excluded.attempts_left, consumed_at = excluded.consumed_at",
        )
        .bind(code.id)
        .bind(&code.purpose)
        .bind(&code.subject)
        .bind(&code.code_hash)
        .bind(code.data.as_deref())
        .bind(micros(code.created_at))
        .bind(micros(code.expires_at))
        .bind(code.attempts_left)
        .bind(micros_opt(code.consumed_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some(message) = outbox {
            insert_outbox(&mut *tx, message).await?;
        }
        tx.commit().await.map_err(db_err)
    }

    async fn live_code(&self, purpose: &str, subject: &str) -> StoreResult<Option<OneTimeCode>> {
        let sql = format!(
            "SELECT {CODE_COLUMNS} FROM one_time_codes \
             WHERE purpose = ?1 AND subject = ?2 AND consumed_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(purpose)
            .bind(subject)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(code_from_row).transpose()
    }

    async fn spend_code_attempt(&self, id: Uuid) -> StoreResult<Option<i32>> {
        sqlx::query_scalar(
            "UPDATE one_time_codes SET attempts_left = attempts_left - 1 \
             WHERE id = ?1 AND attempts_left > 0 AND consumed_at IS NULL \
             RETURNING attempts_left",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)
    }

    async fn consume_code(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE one_time_codes SET consumed_at = ?2 WHERE id = ?1 AND consumed_at IS NULL",
        )
        .bind(id)
        .bind(micros(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_codes(&self, purpose: &str, subject: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM one_time_codes WHERE purpose = ?1 AND subject = ?2")
            .bind(purpose)
            .bind(subject)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn purge_codes(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM one_time_codes WHERE expires_at < ?1")
            .bind(micros(before))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
