//! Lockout counters: one atomic upsert per failure, so concurrent failures all count.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_core::store::{FailureUpdate, LockoutState, LockoutStore, StoreResult};

use crate::codec::{db_err, get, micros, ts, ts_opt};
use crate::SqliteStore;

fn state_from_row(row: &SqliteRow) -> StoreResult<LockoutState> {
    Ok(LockoutState {
        failures: get(row, "failures")?,
        window_started_at: ts(row, "window_started_at")?,
        locked_until: ts_opt(row, "locked_until")?,
    })
}

#[async_trait]
impl LockoutStore for SqliteStore {
    async fn lockout_get(&self, key: &str) -> StoreResult<Option<LockoutState>> {
        let row = sqlx::query(
            "SELECT failures, window_started_at, locked_until FROM lockouts WHERE key = ?1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        row.as_ref().map(state_from_row).transpose()
    }

    async fn lockout_record_failure(
        &self,
        key: &str,
        update: FailureUpdate,
    ) -> StoreResult<LockoutState> {
        // ?2 now, ?3 window_cutoff, ?4 max_failures, ?5 lock_until. SET expressions see the
        // old row, so the new count is spelled out again where the lock is decided.
        let row = sqlx::query(
            "INSERT INTO lockouts (key, failures, window_started_at, locked_until) \
             VALUES (?1, 1, ?2, CASE WHEN 1 >= ?4 THEN ?5 ELSE NULL END) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN lockouts.window_started_at <= ?3 THEN 1 \
                 ELSE lockouts.failures + 1 END, \
             window_started_at = CASE WHEN lockouts.window_started_at <= ?3 THEN ?2 \
                 ELSE lockouts.window_started_at END, \
             locked_until = CASE WHEN (CASE WHEN lockouts.window_started_at <= ?3 THEN 1 \
                 ELSE lockouts.failures + 1 END) >= ?4 THEN ?5 ELSE lockouts.locked_until END \
             RETURNING failures, window_started_at, locked_until",
        )
        .bind(key)
        .bind(micros(update.now))
        .bind(micros(update.window_cutoff))
        .bind(update.max_failures)
        .bind(micros(update.lock_until))
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        state_from_row(&row)
    }

    async fn lockout_clear(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM lockouts WHERE key = ?1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
