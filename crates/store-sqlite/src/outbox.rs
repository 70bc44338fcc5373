//! The mail/SMS outbox: messages are written in the transaction of the change that caused
//! them and claimed by dispatchers with a lease.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, Sqlite};
use tessera_core::domain::{OutboxChannel, OutboxMessage};
use tessera_core::store::{OutboxStore, StoreError, StoreResult};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{db_err, get, json, json_text, micros, micros_opt, ts, ts_opt};
use crate::SqliteStore;

/// Columns of `outbox`, as [`message_from_row`] reads them.
const OUTBOX_COLUMNS: &str = "id, channel, recipient, subject, body_text, body_html, params, \
     created_at, attempts, next_attempt_at, sent_at, last_error, dead";

fn message_from_row(row: &SqliteRow) -> StoreResult<OutboxMessage> {
    let channel: String = get(row, "channel")?;
    Ok(OutboxMessage {
        id: get(row, "id")?,
        channel: OutboxChannel::from_stored(&channel)
            .ok_or_else(|| StoreError::Backend(format!("unknown outbox channel {channel:?}")))?,
        recipient: get(row, "recipient")?,
        subject: get(row, "subject")?,
        body_text: get(row, "body_text")?,
        body_html: get(row, "body_html")?,
        params: json(row, "params")?,
        created_at: ts(row, "created_at")?,
        attempts: get(row, "attempts")?,
        next_attempt_at: ts(row, "next_attempt_at")?,
        sent_at: ts_opt(row, "sent_at")?,
        last_error: get(row, "last_error")?,
        dead: get(row, "dead")?,
    })
}

/// Inserts one message with `executor` (the pool, or the transaction of the change that
/// caused it).
pub(crate) async fn insert_outbox<'e, E>(executor: E, m: &OutboxMessage) -> StoreResult<()>
where
    E: Executor<'e, Database = Sqlite>,
{
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, subject, body_text, body_html, params, \
         created_at, attempts, next_attempt_at, sent_at, last_error, dead) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .bind(m.id)
    .bind(m.channel.as_str())
    .bind(&m.recipient)
    .bind(&m.subject)
    .bind(&m.body_text)
    .bind(m.body_html.as_deref())
    .bind(json_text(&m.params)?)
    .bind(micros(m.created_at))
    .bind(m.attempts)
    .bind(micros(m.next_attempt_at))
    .bind(micros_opt(m.sent_at))
    .bind(m.last_error.as_deref())
    .bind(m.dead)
    .execute(executor)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn enqueue(&self, message: &OutboxMessage) -> StoreResult<()> {
        insert_outbox(&self.pool, message).await
    }

    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        // One statement: it holds the single write lock from its start, so two claimers
        // can never pick the same row.
        let sql = format!(
            "UPDATE outbox SET next_attempt_at = ?2 WHERE id IN (\
             SELECT id FROM outbox WHERE sent_at IS NULL AND dead = 0 AND next_attempt_at <= ?1 \
             ORDER BY next_attempt_at, id LIMIT ?3) RETURNING {OUTBOX_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(micros(now))
            .bind(micros(lease_until))
            .bind(limit.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut claimed = rows
            .iter()
            .map(message_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        claimed.sort_by_key(|m| (m.created_at, m.id));
        Ok(claimed)
    }

    async fn mark_sent(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE outbox SET sent_at = ?2, body_text = '', body_html = NULL, params = '{}' \
             WHERE id = ?1",
        )
        .bind(id)
        .bind(micros(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        error: &str,
        next_attempt_at: OffsetDateTime,
        dead: bool,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3, \
             dead = ?4, \
             body_text = CASE WHEN ?4 THEN '' ELSE body_text END, \
             body_html = CASE WHEN ?4 THEN NULL ELSE body_html END, \
             params = CASE WHEN ?4 THEN '{}' ELSE params END \
             WHERE id = ?1",
        )
        .bind(id)
        .bind(error)
        .bind(micros(next_attempt_at))
        .bind(dead)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn outbox_message(&self, id: Uuid) -> StoreResult<Option<OutboxMessage>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(message_from_row).transpose()
    }
}
