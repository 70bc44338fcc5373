//! Runs every conformance case against SQLite (a fresh temp file per test) and
//! PostgreSQL (a fresh database per test), plus engine checks: schema parity and SQLite
//! URL forms. One binary for both engines keeps link times down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use sqlx::{Connection, Row};
use tessera_core::store::SharedStore;
use tessera_store_postgres::PgStore;
use tessera_store_sqlite::SqliteStore;

/// A migrated SQLite store in a new temp dir (in a subdirectory that does not exist yet,
/// to prove `connect` creates it). Keep the dir alive for the test.
async fn sqlite_store() -> (SharedStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("tessera.db");
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    (Arc::new(store), dir)
}

macro_rules! engine_tests {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let (store, _dir) = super::sqlite_store().await;
                    tessera_store_tests::cases::$case(store).await;
                }
            )*
        }

        /// The core's in-memory reference store is held to the same behaviour, so the
        /// core's unit tests (which run on it) test what the real engines do.
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let store = std::sync::Arc::new(tessera_core::store::memory::MemoryStore::new());
                    tessera_store_tests::cases::$case(store).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some((url, guard)) = tessera_store_tests::fresh_postgres_url().await
                    else {
                        return;
                    };
                    let store = super::PgStore::connect(&url).await.unwrap();
                    tessera_store_tests::cases::$case(std::sync::Arc::new(store.clone())).await;
                    store.close().await;
                    guard.cleanup().await;
                }
            )*
        }
    };
}

tessera_store_tests::all_cases!(engine_tests);

type Schema = BTreeMap<String, BTreeSet<String>>;

/// Both engines' migrated schemas have the same tables with the same column names.
#[tokio::test]
async fn schema_parity() {
    let Some((url, guard)) = tessera_store_tests::fresh_postgres_url().await else {
        return;
    };
    let (_store, dir) = sqlite_store().await;
    let sqlite = sqlite_schema(&dir.path().join("data").join("tessera.db")).await;
    let pg_store = PgStore::connect(&url).await.unwrap();
    let postgres = postgres_schema(&url).await;
    pg_store.close().await;
    guard.cleanup().await;

    for table in [
        "users",
        "sessions",
        "one_time_codes",
        "lockouts",
        "login_events",
        "audit_events",
        "outbox",
        "server_secrets",
        "settings",
    ] {
        assert!(sqlite.contains_key(table), "sqlite lacks {table}");
    }
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (table, columns) in &sqlite {
        assert_eq!(Some(columns), postgres.get(table), "columns of {table}");
    }
}

/// SQLite tables and columns, without SQLite's and sqlx's bookkeeping tables.
async fn sqlite_schema(path: &std::path::Path) -> Schema {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS table_name, p.name AS column_name \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    collect(
        rows.iter()
            .map(|r| (r.get("table_name"), r.get("column_name"))),
    )
}

/// PostgreSQL tables and columns of the public schema, without sqlx's bookkeeping.
async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    collect(
        rows.iter()
            .map(|r| (r.get("table_name"), r.get("column_name"))),
    )
}

fn collect(pairs: impl Iterator<Item = (String, String)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column) in pairs {
        schema.entry(table).or_default().insert(column);
    }
    schema
}

/// `connect` accepts `sqlite://path`, `sqlite:path` and a bare path, creates missing
/// directories, and reopening an existing file keeps its data (migrations are idempotent).
#[tokio::test]
async fn sqlite_connect_url_forms() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().display().to_string();
    for url in [
        format!("sqlite://{base}/a/one.db"),
        format!("sqlite:{base}/b/c/two.db"),
        format!("{base}/three.db"),
    ] {
        let store = SqliteStore::connect(&url).await.unwrap();
        tessera_core::store::Store::ping(&store).await.unwrap();
        tessera_core::store::KeyStore::set_setting(&store, "k", &url)
            .await
            .unwrap();
        store.close().await;
        let again = SqliteStore::connect(&url).await.unwrap();
        let kept = tessera_core::store::KeyStore::setting(&again, "k")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some(url.as_str()));
        assert_eq!(tessera_core::store::Store::engine(&again), "sqlite");
    }
    assert!(dir.path().join("a/one.db").exists());
    assert!(dir.path().join("b/c/two.db").exists());
    assert!(dir.path().join("three.db").exists());
}
