//! PostgreSQL engine for Tessera's store ports (for several stateless nodes).
//!
//! A connection pool, embedded migrations (run under sqlx's advisory lock, so nodes that
//! start together migrate once), `timestamptz` columns and named unique constraints that
//! map to domain conflicts. Every check-and-change is one statement or one transaction,
//! so concurrent nodes see the same rules hold: `claim_due` uses `FOR UPDATE SKIP LOCKED`
//! so two dispatchers never claim the same outbox row.
//!
//! Precision: `timestamptz` keeps microseconds; instants are rounded down to the
//! microsecond before they are written, exactly as the SQLite engine does.

mod audit;
mod codec;
mod codes;
mod erasure;
mod files;
mod identities;
mod invites;
mod keys;
mod lockout;
mod outbox;
mod revocations;
mod roles;
mod sessions;
mod todos;
mod tokens;
mod users;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use tessera_core::domain::SessionId;
use tessera_core::store::{RevocationEvent, Store, StoreError, StoreResult};

use crate::codec::db_err;

/// Connections per node; PostgreSQL's own limit is shared by every node.
const MAX_CONNECTIONS: u32 = 10;

/// The PostgreSQL store: a connection pool with the schema migrated.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://...`) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect(url)
            .await
            .map_err(db_err)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrating: {e}")))?;
        Ok(Self { pool })
    }

    /// Closes every connection (e.g. before the database is dropped in tests).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction (READ COMMITTED: each statement's row locks and
    /// conditions make the check-and-change atomic).
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(db_err)
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    fn engine(&self) -> &'static str {
        "postgres"
    }

    async fn publish_revocations(&self, ids: &[SessionId]) -> StoreResult<()> {
        revocations::publish(&self.pool, ids).await
    }

    async fn revocation_feed(
        &self,
    ) -> StoreResult<Option<tokio::sync::mpsc::Receiver<RevocationEvent>>> {
        revocations::feed(&self.pool).await.map(Some)
    }
}
