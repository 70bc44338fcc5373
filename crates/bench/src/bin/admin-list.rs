//! `admin-list`: how fast the admin account listing (`show-users`, `users-info`) answers
//! with a million accounts, on SQLite or PostgreSQL.
//!
//! 1. Creates a fresh database through the store crate's own `connect` (which migrates
//!    it): SQLite in a temporary file, PostgreSQL as a new `tessera_bench_<random>`
//!    database created through the admin URL (as `tessera-store-tests` does) and dropped
//!    at the end, also after an error.
//! 2. Seeds N accounts with direct SQL on a separate connection, in transactions of
//!    `--batch` rows (default 10 000): multi-row `INSERT`s on SQLite, one `INSERT ...
//!    SELECT FROM UNNEST(...)` per transaction on PostgreSQL. Account i (from 0) has the
//!    e-mail `user{i}@example{i%100}.com`, the username `User{i}` (normalised `user{i}`),
//!    a v7 id and `created_at` = 2024-01-01 + 31 s * i, so creation order is i order.
//!    No account is erased. PostgreSQL then gets `VACUUM (ANALYZE) users`, the state
//!    autovacuum reaches on its own after such an insert; SQLite gets nothing (the store
//!    never runs `ANALYZE`), only a WAL checkpoint.
//! 3. Times `UserStore::search_users` on the store object itself (its pool, its SQL):
//!    after a warm-up, `--reps` runs of each case (stopping early at `--case-seconds`),
//!    p50/p95/p99 in ms, and checks each answer (row count, first e-mail). Besides the
//!    pages and the prefixes matching many/one/none, two harder prefix cases: `user1`
//!    newest first (its matches are the oldest accounts, since the seeded number follows
//!    creation order) and `u`, which every account matches.
//! 4. Prints the query plans (`EXPLAIN QUERY PLAN` / `EXPLAIN`, plus the generic plan on
//!    PostgreSQL) of the SQL the store runs, copied here for that purpose only, and a
//!    Markdown table of the timings.
//!
//! `--sqlite-analyze` runs `ANALYZE` on SQLite after seeding (to show what statistics
//! change); `--keep` keeps the database for manual experiments.
//!
//! Progress goes to stderr, results to stdout.

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Row};
use tessera_core::store::{UserQuery, UserStore};
use tessera_store_postgres::PgStore;
use tessera_store_sqlite::SqliteStore;
use time::OffsetDateTime;
use uuid::{NoContext, Timestamp, Uuid};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T> = std::result::Result<T, BoxError>;

/// Admin URL used for PostgreSQL when neither `--db` nor the variable is given (the same
/// default and variable as `tessera-store-tests`).
const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// First account's creation time: 2024-01-01T00:00:00Z.
const BASE_UNIX_SECONDS: i64 = 1_704_067_200;
/// Seconds between two accounts' creation (a million accounts span about a year).
const STEP_SECONDS: i64 = 31;

/// A realistic-length argon2id PHC string; never verified.
const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkLXNhbHQtYmVuY2g\
     $Zm9yLWJlbmNobWFyay1vbmx5LW5ldmVyLXZlcmlmaWVkLWhhc2g";

/// Rows per multi-row INSERT statement on SQLite (10 parameters each, well under SQLite's
/// 32 766).
const SQLITE_ROWS_PER_STATEMENT: usize = 1000;

/// Columns the store selects (copied from the store crates' `USER_COLUMNS`, for EXPLAIN).
const USER_COLUMNS: &str = "id, email, username, name, avatar, phone, password_hash, source, \
     email_verified_at, status, is_admin, totp_secret, totp_last_step, lark, created_at, \
     updated_at, last_login_at, restricted, email_otp, created_by, confirmation_sent_at, \
     deleted_at";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    Sqlite,
    Postgres,
}

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "admin-list",
    about = "Times the admin account listing (UserStore::search_users) over N seeded accounts"
)]
struct Args {
    /// Store engine.
    #[arg(long, value_enum)]
    engine: Engine,
    /// Accounts to seed.
    #[arg(long, default_value_t = 1_000_000)]
    users: u64,
    /// SQLite: path of the database file to create (must not exist; kept afterwards).
    /// Default: a file in a temporary directory, removed at the end. PostgreSQL: the admin
    /// URL (a role allowed to create databases) under which a fresh database is created
    /// and dropped. Default: $TESSERA_TEST_POSTGRES_URL, else
    /// postgres://postgres@127.0.0.1:5432/postgres.
    #[arg(long)]
    db: Option<String>,
    /// Timed runs per case.
    #[arg(long, default_value_t = 200)]
    reps: usize,
    /// Untimed runs per case first.
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Stop a case's timed runs after this many seconds (the table shows the runs done).
    #[arg(long, default_value_t = 120.0)]
    case_seconds: f64,
    /// Rows per seeding transaction.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Give up (and clean up) when seeding takes longer than this many seconds.
    #[arg(long, default_value_t = 600.0)]
    seed_seconds: f64,
    /// SQLite: run `ANALYZE` after seeding (the store never does; this shows what
    /// statistics change).
    #[arg(long)]
    sqlite_analyze: bool,
    /// Keep the database afterwards (the temporary SQLite file, the PostgreSQL database)
    /// for manual experiments; its location is printed.
    #[arg(long)]
    keep: bool,
}

/// One seeded account.
struct Seed {
    id: Uuid,
    email: String,
    username: String,
    username_norm: String,
    name: String,
    created_at: OffsetDateTime,
}

fn seed(i: u64) -> Result<Seed> {
    let seconds = BASE_UNIX_SECONDS + STEP_SECONDS * i64::try_from(i)?;
    let created_at = OffsetDateTime::from_unix_timestamp(seconds)?;
    let id = Uuid::new_v7(Timestamp::from_unix(NoContext, u64::try_from(seconds)?, 0));
    Ok(Seed {
        id,
        email: format!("user{i}@example{}.com", i % 100),
        username: format!("User{i}"),
        username_norm: format!("user{i}"),
        name: format!("Bench User {i}"),
        created_at,
    })
}

/// Unix microseconds, SQLite's time representation.
fn micros(t: OffsetDateTime) -> Result<i64> {
    Ok(i64::try_from(t.unix_timestamp_nanos() / 1000)?)
}

/// Stops seeding when it runs over its budget.
struct SeedClock {
    start: Instant,
    limit: Duration,
    next_report: u64,
}

impl SeedClock {
    fn new(limit_seconds: f64) -> Self {
        Self {
            start: Instant::now(),
            limit: Duration::from_secs_f64(limit_seconds),
            next_report: 100_000,
        }
    }

    fn tick(&mut self, done: u64, total: u64) -> Result<()> {
        let elapsed = self.start.elapsed();
        if done >= self.next_report || done == total {
            eprintln!(
                "  seeded {done}/{total} in {:.1} s ({:.0} rows/s)",
                elapsed.as_secs_f64(),
                done as f64 / elapsed.as_secs_f64()
            );
            self.next_report = done + 100_000;
        }
        if elapsed > self.limit && done < total {
            return Err(format!(
                "seeding exceeded {:.0} s after {done} of {total} rows; retry with fewer --users",
                self.limit.as_secs_f64()
            )
            .into());
        }
        Ok(())
    }
}

async fn seed_sqlite(conn: &mut SqliteConnection, args: &Args) -> Result<()> {
    let mut clock = SeedClock::new(args.seed_seconds);
    let mut next = 0u64;
    while next < args.users {
        let end = (next + args.batch as u64).min(args.users);
        let mut tx = conn.begin().await?;
        while next < end {
            let stop = (next + SQLITE_ROWS_PER_STATEMENT as u64).min(end);
            let rows = (next..stop).map(seed).collect::<Result<Vec<_>>>()?;
            let values =
                vec!["(?, ?, ?, ?, ?, ?, '', ?, 'local', ?, 'active', 0, ?, ?, 0, 0)"; rows.len()];
            let sql = format!(
                "INSERT INTO users (id, email, email_norm, username, username_norm, name, \
                 avatar, password_hash, source, email_verified_at, status, is_admin, \
                 created_at, updated_at, restricted, email_otp) VALUES {}",
                values.join(", ")
            );
            let mut insert = sqlx::query(&sql);
            for row in &rows {
                let t = micros(row.created_at)?;
                insert = insert
                    .bind(row.id)
                    .bind(row.email.as_str())
                    .bind(row.email.as_str())
                    .bind(row.username.as_str())
                    .bind(row.username_norm.as_str())
                    .bind(row.name.as_str())
                    .bind(PASSWORD_HASH)
                    .bind(t)
                    .bind(t)
                    .bind(t);
            }
            insert.execute(&mut *tx).await?;
            next = stop;
        }
        tx.commit().await?;
        clock.tick(next, args.users)?;
    }
    Ok(())
}

async fn seed_postgres(conn: &mut PgConnection, args: &Args) -> Result<()> {
    let mut clock = SeedClock::new(args.seed_seconds);
    let mut next = 0u64;
    while next < args.users {
        let end = (next + args.batch as u64).min(args.users);
        let rows = (next..end).map(seed).collect::<Result<Vec<_>>>()?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, email, email_norm, username, username_norm, name, avatar, \
             password_hash, source, email_verified_at, status, is_admin, created_at, \
             updated_at, restricted, email_otp) \
             SELECT id, email, email, username, username_norm, name, '', $7, 'local', \
             created_at, 'active', false, created_at, created_at, false, false \
             FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::timestamptz[]) AS t(id, email, username, username_norm, name, created_at)",
        )
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.email.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.username.clone()).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|r| r.username_norm.clone())
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
        .bind(PASSWORD_HASH)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        next = end;
        clock.tick(next, args.users)?;
    }
    Ok(())
}

/// One timed listing.
struct Case {
    name: &'static str,
    query: UserQuery,
    /// Rows the answer must have.
    rows: usize,
    /// E-mail of the first row, when known.
    first: Option<String>,
}

fn query(prefix: Option<&str>, descending: bool, offset: i64, limit: i64) -> UserQuery {
    UserQuery {
        prefix: prefix.map(str::to_owned),
        descending,
        offset,
        limit,
        include_deleted: false,
    }
}

fn email(i: u64) -> String {
    format!("user{i}@example{}.com", i % 100)
}

/// The cases, with the answers N seeded accounts must give.
fn cases(n: u64) -> Vec<Case> {
    let page = |offset: u64| -> (usize, Option<String>) {
        let rows = n.saturating_sub(offset).min(10) as usize;
        (rows, (rows > 0).then(|| email(offset)))
    };
    let (p1, p1_first) = page(0);
    let (p1000, p1000_first) = page(9990);
    let (p50000, p50000_first) = page(499_990);
    // Accounts whose e-mail (and username) starts with "user1": 1, 10..19, 100..199, ...
    let mut many = 0u64;
    let mut width = 1u64;
    while width <= n {
        many += width.min(n.saturating_sub(width));
        width *= 10;
    }
    let many_rows = many.min(10) as usize;
    // The newest account starting with "user1": the largest i < n whose digits start with 1.
    let newest_one = (0..n).rev().find(|i| i.to_string().starts_with('1'));
    vec![
        Case {
            name: "first page, oldest first",
            query: query(None, false, 0, 10),
            rows: p1,
            first: p1_first.clone(),
        },
        Case {
            name: "first page, newest first",
            query: query(None, true, 0, 10),
            rows: p1,
            first: (n > 0).then(|| email(n - 1)),
        },
        Case {
            name: "page 1000 (offset 9990)",
            query: query(None, false, 9990, 10),
            rows: p1000,
            first: p1000_first,
        },
        Case {
            name: "page 50000 (offset 499990)",
            query: query(None, false, 499_990, 10),
            rows: p50000,
            first: p50000_first,
        },
        Case {
            name: "prefix `user1` (many match), first page",
            query: query(Some("user1"), false, 0, 10),
            rows: many_rows,
            first: (many > 0).then(|| email(1)),
        },
        Case {
            name: "prefix `user1` (many match), newest first",
            query: query(Some("user1"), true, 0, 10),
            rows: many_rows,
            first: newest_one.map(email),
        },
        Case {
            name: "prefix `u` (every account matches), first page",
            query: query(Some("u"), false, 0, 10),
            rows: p1,
            first: p1_first,
        },
        Case {
            name: "prefix `user999999@` (one match)",
            query: query(Some("user999999@"), false, 0, 10),
            rows: usize::from(n >= 1_000_000),
            first: (n >= 1_000_000).then(|| email(999_999)),
        },
        Case {
            name: "prefix `zzz` (no match)",
            query: query(Some("zzz"), false, 0, 10),
            rows: 0,
            first: None,
        },
    ]
}

/// Timings of one case.
struct Timing {
    runs: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

/// Nearest-rank percentile of sorted milliseconds.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn time_case<S: UserStore>(store: &S, case: &Case, args: &Args) -> Result<Timing> {
    let check = |users: &[tessera_core::domain::User]| -> Result<()> {
        let first = users.first().map(|u| u.email.as_str().to_owned());
        if users.len() != case.rows || first != case.first {
            return Err(format!(
                "{}: expected {} rows starting with {:?}, got {} starting with {:?}",
                case.name,
                case.rows,
                case.first,
                users.len(),
                first
            )
            .into());
        }
        Ok(())
    };
    for _ in 0..args.warmup {
        check(&store.search_users(&case.query).await?)?;
    }
    let budget = Duration::from_secs_f64(args.case_seconds);
    let start = Instant::now();
    let mut ms = Vec::with_capacity(args.reps);
    while ms.len() < args.reps && start.elapsed() < budget {
        let t = Instant::now();
        let users = store.search_users(&case.query).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        check(&users)?;
    }
    ms.sort_by(f64::total_cmp);
    Ok(Timing {
        runs: ms.len(),
        p50: percentile(&ms, 0.50),
        p95: percentile(&ms, 0.95),
        p99: percentile(&ms, 0.99),
        max: ms.last().copied().unwrap_or(f64::NAN),
    })
}

async fn time_all<S: UserStore>(store: &S, args: &Args) -> Result<Vec<(Case, Timing)>> {
    let mut out = Vec::new();
    for case in cases(args.users) {
        eprintln!("timing: {}", case.name);
        let timing = time_case(store, &case, args).await?;
        eprintln!(
            "  p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms ({} runs)",
            timing.p50, timing.p95, timing.p99, timing.runs
        );
        out.push((case, timing));
    }
    Ok(out)
}

/// The store's SQL for a listing (copied from `search_users` of the store crates).
fn listing_sql(engine: Engine, filtered: bool, descending: bool) -> String {
    let order = if descending {
        "created_at DESC, id DESC"
    } else {
        "created_at, id"
    };
    let (range, limit) = match engine {
        Engine::Sqlite => (
            "((email_norm >= ?3 AND email_norm < ?4) \
             OR (username_norm >= ?3 AND username_norm < ?4))",
            "LIMIT ?1 OFFSET ?2",
        ),
        Engine::Postgres => (
            "((email_norm COLLATE \"C\" >= $3 AND email_norm COLLATE \"C\" < $4) \
             OR (username_norm COLLATE \"C\" >= $3 AND username_norm COLLATE \"C\" < $4))",
            "LIMIT $1 OFFSET $2",
        ),
    };
    let filter = if filtered {
        format!("WHERE deleted_at IS NULL AND {range}")
    } else {
        "WHERE deleted_at IS NULL".to_owned()
    };
    format!("SELECT {USER_COLUMNS} FROM users {filter} ORDER BY {order} {limit}")
}

/// `p` with its last character replaced by the next one (the store's upper bound; the
/// prefixes used here are ASCII and do not end in U+10FFFF).
fn upper_bound(p: &str) -> Result<String> {
    let mut chars: Vec<char> = p.chars().collect();
    let last = chars.pop().ok_or("empty prefix")?;
    chars.push(char::from_u32(u32::from(last) + 1).ok_or("no successor")?);
    Ok(chars.into_iter().collect())
}

/// The plans EXPLAIN shows: (title, sql, offset, prefix).
fn plan_cases() -> Vec<(&'static str, bool, i64, Option<&'static str>)> {
    vec![
        ("unfiltered, oldest first, offset 0", false, 0, None),
        ("unfiltered, newest first, offset 0", true, 0, None),
        (
            "unfiltered, oldest first, offset 499990",
            false,
            499_990,
            None,
        ),
        ("prefix `user1`", false, 0, Some("user1")),
        ("prefix `user1`, newest first", true, 0, Some("user1")),
        ("prefix `u`", false, 0, Some("u")),
        ("prefix `user999999@`", false, 0, Some("user999999@")),
        ("prefix `zzz`", false, 0, Some("zzz")),
    ]
}

async fn explain_sqlite(conn: &mut SqliteConnection) -> Result<()> {
    println!("### Query plans (SQLite `EXPLAIN QUERY PLAN`)\n");
    for (title, descending, offset, prefix) in plan_cases() {
        let sql = listing_sql(Engine::Sqlite, prefix.is_some(), descending);
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query(&explain).bind(10i64).bind(offset);
        if let Some(p) = prefix {
            q = q.bind(p).bind(upper_bound(p)?);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        println!("{title}:\n```");
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let parent: i64 = row.try_get(1)?;
            let detail: String = row.try_get(3)?;
            println!("{id:>3} {parent:>3}  {detail}");
        }
        println!("```");
    }
    println!(
        "\nSQL (filtered, oldest first): `{}`\n",
        listing_sql(Engine::Sqlite, true, false)
    );
    Ok(())
}

async fn explain_postgres(conn: &mut PgConnection) -> Result<()> {
    println!("### Query plans (PostgreSQL `EXPLAIN`, custom plans for these values)\n");
    for (title, descending, offset, prefix) in plan_cases() {
        let sql = listing_sql(Engine::Postgres, prefix.is_some(), descending);
        let explain = format!("EXPLAIN {sql}");
        let mut q = sqlx::query(&explain).bind(10i64).bind(offset);
        if let Some(p) = prefix {
            q = q.bind(p).bind(upper_bound(p)?);
        }
        print_pg_plan(title, q.fetch_all(&mut *conn).await?)?;
    }
    // sqlx runs the store's SQL as a named prepared statement, so after five executions
    // PostgreSQL may switch to a generic plan (chosen without the parameter values).
    println!("Generic plans (`plan_cache_mode = force_generic_plan`, the plan a prepared statement may settle on):\n");
    sqlx::raw_sql("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *conn)
        .await?;
    let prepared = [
        (
            "bench_all",
            listing_sql(Engine::Postgres, false, false),
            "(bigint, bigint)",
        ),
        (
            "bench_prefix",
            listing_sql(Engine::Postgres, true, false),
            "(bigint, bigint, text, text)",
        ),
    ];
    for (name, sql, types) in &prepared {
        sqlx::raw_sql(&format!("PREPARE {name} {types} AS {sql}"))
            .execute(&mut *conn)
            .await?;
    }
    let generic = [
        ("generic: unfiltered", "EXPLAIN EXECUTE bench_all(10, 0)"),
        (
            "generic: prefix (any value)",
            "EXPLAIN EXECUTE bench_prefix(10, 0, 'user1', 'user2')",
        ),
    ];
    for (title, sql) in generic {
        let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
        print_pg_plan(title, rows)?;
    }
    sqlx::raw_sql("DEALLOCATE ALL; RESET plan_cache_mode")
        .execute(&mut *conn)
        .await?;
    println!(
        "SQL (filtered, oldest first): `{}`\n",
        listing_sql(Engine::Postgres, true, false)
    );
    Ok(())
}

fn print_pg_plan(title: &str, rows: Vec<sqlx::postgres::PgRow>) -> Result<()> {
    println!("{title}:\n```");
    for row in rows {
        let line: String = row.try_get(0)?;
        println!("{line}");
    }
    println!("```");
    Ok(())
}

fn print_table(engine: Engine, args: &Args, seed_s: f64, results: &[(Case, Timing)]) {
    let engine = match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    println!(
        "### {engine}, {} accounts (seeded in {seed_s:.1} s)\n",
        args.users
    );
    println!("| query | offset | limit | rows | runs | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (case, t) in results {
        println!(
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            case.name,
            case.query.offset,
            case.query.limit,
            case.rows,
            t.runs,
            t.p50,
            t.p95,
            t.p99,
            t.max
        );
    }
    println!();
}

async fn run_sqlite(args: &Args) -> Result<()> {
    let mut temp = tempfile::tempdir()?;
    temp.disable_cleanup(args.keep);
    let path = match &args.db {
        Some(p) => {
            if std::path::Path::new(p).exists() {
                return Err(format!("{p} exists; admin-list needs a fresh database").into());
            }
            std::path::PathBuf::from(p)
        }
        None => temp.path().join("admin-list.db"),
    };
    let url = path.to_str().ok_or("non-UTF-8 database path")?;
    eprintln!("SQLite database: {url}");
    let store = SqliteStore::connect(url).await?;
    // Seeding connection: durability off for the load only (the store's own connections
    // keep synchronous = NORMAL), a large page cache for the index inserts.
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144")
        .connect()
        .await?;
    eprintln!("seeding {} accounts", args.users);
    let start = Instant::now();
    seed_sqlite(&mut conn, args).await?;
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await?;
    let seed_s = start.elapsed().as_secs_f64();
    if args.sqlite_analyze {
        let analyze = Instant::now();
        sqlx::raw_sql("ANALYZE").execute(&mut conn).await?;
        eprintln!("ANALYZE took {:.1} s", analyze.elapsed().as_secs_f64());
    }
    let size = std::fs::metadata(&path)?.len();
    eprintln!(
        "seeded in {seed_s:.1} s, file {:.0} MiB",
        size as f64 / 1048576.0
    );
    let results = time_all(&store, args).await?;
    print_table(Engine::Sqlite, args, seed_s, &results);
    let stats = if args.sqlite_analyze {
        "`ANALYZE` run after seeding (`--sqlite-analyze`; the store never runs it)"
    } else {
        "no `ANALYZE` (the store never runs it)"
    };
    println!(
        "Database file: {:.0} MiB; {stats}.\n",
        size as f64 / 1048576.0
    );
    explain_sqlite(&mut conn).await?;
    conn.close().await?;
    store.close().await;
    if args.keep {
        eprintln!("kept {url}");
    }
    Ok(())
}

async fn run_postgres(args: &Args) -> Result<()> {
    let admin_url = match &args.db {
        Some(u) => u.clone(),
        None => std::env::var("TESSERA_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_owned()),
    };
    let name = format!("tessera_bench_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    eprintln!("PostgreSQL database: {name}");
    let mut url = url::Url::parse(&admin_url)?;
    url.set_path(&format!("/{name}"));
    let outcome = bench_postgres(url.as_str(), args).await;
    if args.keep {
        admin.close().await?;
        eprintln!("kept database {name}: {url}");
        return outcome;
    }
    let dropped = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await;
    admin.close().await?;
    outcome?;
    dropped?;
    eprintln!("dropped {name}");
    Ok(())
}

async fn bench_postgres(url: &str, args: &Args) -> Result<()> {
    let store = PgStore::connect(url).await?;
    let mut conn = PgConnection::connect(url).await?;
    // Durability off for the load only (this session), as on the SQLite side.
    sqlx::raw_sql("SET synchronous_commit = off")
        .execute(&mut conn)
        .await?;
    eprintln!("seeding {} accounts", args.users);
    let start = Instant::now();
    seed_postgres(&mut conn, args).await?;
    let seed_s = start.elapsed().as_secs_f64();
    eprintln!("seeded in {seed_s:.1} s; VACUUM (ANALYZE) users");
    let vacuum = Instant::now();
    sqlx::raw_sql("VACUUM (ANALYZE) users")
        .execute(&mut conn)
        .await?;
    let vacuum_s = vacuum.elapsed().as_secs_f64();
    let size: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('users')")
        .fetch_one(&mut conn)
        .await?;
    let results = time_all(&store, args).await?;
    print_table(Engine::Postgres, args, seed_s, &results);
    println!(
        "`users` with its indexes: {:.0} MiB. `VACUUM (ANALYZE) users` after seeding took {vacuum_s:.1} s.\n",
        size as f64 / 1048576.0
    );
    explain_postgres(&mut conn).await?;
    conn.close().await?;
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.batch == 0 || args.reps == 0 {
        return Err("--batch and --reps must be positive".into());
    }
    match args.engine {
        Engine::Sqlite => run_sqlite(&args).await,
        Engine::Postgres => run_postgres(&args).await,
    }
}
