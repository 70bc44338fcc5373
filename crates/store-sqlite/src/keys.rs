//! Server secrets (generated once, shared by every node) and runtime settings.

use async_trait::async_trait;
use tessera_core::store::{KeyStore, StoreResult};

use crate::codec::db_err;
use crate::SqliteStore;

#[async_trait]
impl KeyStore for SqliteStore {
    async fn secret_get_or_insert(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>> {
        // The first insert wins; everyone then reads the winner's value.
        sqlx::query(
            "INSERT INTO server_secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = ?1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}
