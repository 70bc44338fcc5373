//! Throw-away PostgreSQL databases for tests: one fresh database per test, dropped at the
//! end, so no test depends on another's data.
//!
//! The admin URL comes from `TESSERA_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When PostgreSQL cannot be reached the
//! test fails loudly, unless `TESSERA_TEST_POSTGRES=off`, in which case PostgreSQL
//! variants are skipped with a notice.

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Environment variable holding the admin URL (a role allowed to create databases).
pub const ADMIN_URL_ENV: &str = "TESSERA_TEST_POSTGRES_URL";

/// Environment switch: `off` skips PostgreSQL tests instead of failing them.
pub const SWITCH_ENV: &str = "TESSERA_TEST_POSTGRES";

/// Admin URL used when [`ADMIN_URL_ENV`] is not set (local server, trust auth).
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Creates a fresh database `tessera_t_<random>` and returns its URL with a guard that
/// drops it. Returns `None` (after printing a notice) when `TESSERA_TEST_POSTGRES=off`.
///
/// # Panics
/// When PostgreSQL cannot be reached or refuses to create the database: a test that was
/// meant to cover PostgreSQL must not pass silently without it.
pub async fn fresh_postgres_url() -> Option<(String, DropGuard)> {
    if std::env::var(SWITCH_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        eprintln!("notice: {SWITCH_ENV}=off, skipping a PostgreSQL test");
        return None;
    }
    let admin_url = std::env::var(ADMIN_URL_ENV).unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
    let name = format!("tessera_t_{}", Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at {admin_url} ({e}). Start it, point \
             {ADMIN_URL_ENV} at it, or set {SWITCH_ENV}=off to skip PostgreSQL tests."
        )
    });
    if let Err(e) = sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
    {
        panic!("creating test database {name} via {admin_url} failed: {e}");
    }
    let _ = conn.close().await;
    let url = database_url(&admin_url, &name)
        .unwrap_or_else(|| panic!("{ADMIN_URL_ENV}={admin_url} is not a valid URL"));
    Some((
        url,
        DropGuard {
            admin_url,
            name,
            dropped: false,
        },
    ))
}

/// `admin_url` with its database replaced by `name`, keeping host, user and parameters.
fn database_url(admin_url: &str, name: &str) -> Option<String> {
    let mut url = url::Url::parse(admin_url).ok()?;
    url.set_path(&format!("/{name}"));
    Some(url.into())
}

/// Drops the test database it names: call [`DropGuard::cleanup`] at the end of a test;
/// if the test panics first, `Drop` does it (best effort, on a helper thread).
#[derive(Debug)]
pub struct DropGuard {
    admin_url: String,
    name: String,
    dropped: bool,
}

impl DropGuard {
    /// Name of the database, e.g. for log lines.
    pub fn database(&self) -> &str {
        &self.name
    }

    /// Drops the database now (connections still open to it are terminated).
    pub async fn cleanup(mut self) {
        self.dropped = true;
        drop_database(&self.admin_url, &self.name).await;
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside a runtime (a panicking test): use a thread with its own.
        let worker = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_database(&admin_url, &name));
            }
        });
        let _ = worker.join();
    }
}

/// `DROP DATABASE ... WITH (FORCE)`, best effort: a leftover database is only litter.
async fn drop_database(admin_url: &str, name: &str) {
    match PgConnection::connect(admin_url).await {
        Ok(mut conn) => {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = sqlx::raw_sql(&sql).execute(&mut conn).await {
                eprintln!("warning: dropping test database {name}: {e}");
            }
            let _ = conn.close().await;
        }
        Err(e) => eprintln!("warning: dropping test database {name}: {e}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_database() {
        assert_eq!(
            database_url(
                "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
                "x"
            )
            .unwrap(),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://u:p@h/", "y").unwrap(),
            "postgres://u:p@h/y"
        );
    }
}
