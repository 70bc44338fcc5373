//! SQLite engine for Tessera's store ports (the embedded default).
//!
//! One file in the data directory, WAL journal, foreign keys on, a 5 s busy timeout and
//! `synchronous = NORMAL`. SQLite has a single writer, so every multi-statement write
//! transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front and waits
//! on the busy timeout, instead of failing with `SQLITE_BUSY` when a read lock cannot be
//! upgraded. Single-statement writes take the write lock when they start, so they need no
//! explicit transaction.
//!
//! Several processes may share the file (a running server, the CLI, an import). SQLite
//! cannot notify one of another's writes, so the revocation feed, which keeps a server's
//! session cache honest, polls the file for sessions revoked elsewhere (`revocations.rs`).
//!
//! Representation: timestamps are INTEGER unix microseconds (UTC), truncated to the
//! microsecond on the way in so that a value read back equals the value written; ids are
//! 16-byte UUID blobs; JSON is TEXT; booleans are 0/1.

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

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use tessera_core::store::{RevocationEvent, Store, StoreError, StoreResult};

use crate::codec::db_err;

/// Connections in the pool: readers run in parallel under WAL; writers queue on the lock.
const MAX_CONNECTIONS: u32 = 8;

/// How long a writer waits for the write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store: a connection pool on one database file, with the schema migrated.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating the file and its parent directory when missing) and migrates the
    /// database at `url`: `sqlite://path`, `sqlite:path` or a bare file path. This is how
    /// `tessera serve` works with no setup.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(db_err)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal);
        create_parent_dir(options.get_filename()).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(db_err)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrating: {e}")))?;
        // Statistics for the query planner, gathered on a bounded sample so start-up stays
        // quick on big files: without them SQLite plans every prefix search of the admin
        // listing the same way, and a broad prefix sorts all its matches (1.7 s at a
        // million accounts, 0.3 ms with statistics). Only tables that need it are analysed.
        sqlx::query("PRAGMA analysis_limit = 1000")
            .execute(&pool)
            .await
            .map_err(db_err)?;
        sqlx::query("PRAGMA optimize = 0x10002")
            .execute(&pool)
            .await
            .map_err(db_err)?;
        Ok(Self { pool })
    }

    /// Closes every connection, so the file can be removed or copied safely.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction holding the write lock from its first statement.
    ///
    /// The `BEGIN` runs on its own task so it always completes: when a request is
    /// cancelled (the client went away) while `BEGIN IMMEDIATE` waits for the lock, sqlx
    /// would otherwise return the connection to the pool inside a transaction it no longer
    /// tracks, and every later `BEGIN` on it fails ("non-zero transaction depth") while it
    /// holds the write lock. A completed but unused transaction is rolled back on drop.
    async fn begin_write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        let pool = self.pool.clone();
        tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
            .await
            .map_err(|e| StoreError::Backend(format!("begin task failed: {e}")))?
            .map_err(db_err)
    }
}

/// Creates the directory a database file lives in, when the path has one.
async fn create_parent_dir(file: &Path) -> StoreResult<()> {
    let in_memory = file.as_os_str().is_empty() || file.to_string_lossy().starts_with(":memory:");
    match file.parent() {
        Some(dir) if !in_memory && !dir.as_os_str().is_empty() => tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| StoreError::Backend(format!("creating {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    fn engine(&self) -> &'static str {
        "sqlite"
    }

    /// Polls the file, so that sessions revoked by other processes on it (`tessera
    /// sessions end`, `tessera import`, another server) leave this server's cache too.
    async fn revocation_feed(
        &self,
    ) -> StoreResult<Option<tokio::sync::mpsc::Receiver<RevocationEvent>>> {
        revocations::feed(&self.pool).await.map(Some)
    }
}
