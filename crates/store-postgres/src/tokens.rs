//! Opaque OAuth2 token pairs and numeric user ids.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use tessera_core::domain::{TokenPair, UserId};
use tessera_core::store::{StoreResult, TokenStore};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{db_err, get, truncate, truncate_opt};
use crate::PgStore;

const COLUMNS: &str = "id, session_id, user_id, access_hash, refresh_hash, lifespan_secs, \
                       created_at, access_expires_at, refresh_expires_at, spent_at";

fn pair_from_row(row: &PgRow) -> StoreResult<TokenPair> {
    Ok(TokenPair {
        id: get(row, "id")?,
        session_id: tessera_core::domain::SessionId(get(row, "session_id")?),
        user_id: UserId(get(row, "user_id")?),
        access_hash: get(row, "access_hash")?,
        refresh_hash: get(row, "refresh_hash")?,
        lifespan_secs: get(row, "lifespan_secs")?,
        created_at: get(row, "created_at")?,
        access_expires_at: get(row, "access_expires_at")?,
        refresh_expires_at: get(row, "refresh_expires_at")?,
        spent_at: get(row, "spent_at")?,
    })
}

impl PgStore {
    async fn pair_where(&self, column: &str, hash: &[u8]) -> StoreResult<Option<TokenPair>> {
        let sql = format!("SELECT {COLUMNS} FROM token_pairs WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(pair_from_row).transpose()
    }
}

#[async_trait]
impl TokenStore for PgStore {
    async fn insert_token_pair(&self, pair: &TokenPair) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO token_pairs (id, session_id, user_id, access_hash, refresh_hash, \
             lifespan_secs, created_at, access_expires_at, refresh_expires_at, spent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(pair.id)
        .bind(pair.session_id.0)
        .bind(pair.user_id.0)
        .bind(&pair.access_hash)
        .bind(&pair.refresh_hash)
        .bind(pair.lifespan_secs)
        .bind(truncate(pair.created_at))
        .bind(truncate(pair.access_expires_at))
        .bind(truncate(pair.refresh_expires_at))
        .bind(truncate_opt(pair.spent_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn token_by_access_hash(&self, hash: &[u8]) -> StoreResult<Option<TokenPair>> {
        self.pair_where("access_hash", hash).await
    }

    async fn token_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<TokenPair>> {
        self.pair_where("refresh_hash", hash).await
    }

    async fn spend_refresh_token(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE token_pairs SET spent_at = $2 WHERE id = $1 AND spent_at IS NULL")
                .bind(id)
                .bind(truncate(now))
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_token_pairs(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM token_pairs WHERE refresh_expires_at < $1")
            .bind(truncate(before))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn user_number(&self, user: UserId) -> StoreResult<i64> {
        // Insert-if-absent then read: the unique user_id makes racing inserts agree.
        sqlx::query(
            "INSERT INTO user_numbers (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user.0)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        let row = sqlx::query("SELECT num FROM user_numbers WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        get(&row, "num")
    }
}
