//! Crash safety: the real `tessera` binary, killed with SIGKILL in the middle of concurrent
//! registrations and sign-ins, then started again on the same database. Whatever the server
//! acknowledged before it died must be there afterwards: every account whose registration
//! was answered with success exists and signs in, every session whose token was handed out
//! still verifies, and the database is intact (SQLite `integrity_check` and
//! `foreign_key_check`; on both engines the CLI opens it and lists no account nobody asked
//! for). Several kill/restart rounds per engine, each bounded in requests and time.
//!
//! Needs `target/<profile>/tessera` (see [`tessera_e2e::tessera_binary`]).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_api::dialects::sspanel::messages as m;
use tessera_e2e::{
    client_from, cookie_value, on_both_engines, ChildDatabase, Engine, ServerProcess,
};

/// Passes clumsy-tools' pattern (a digit and a letter, 6–20), SSPanel's length and the policy.
const PW: &str = "mosaic99x";
/// Accounts registered before the first round; the sign-ins of the load use them.
const SEEDS: usize = 6;
/// Load tasks per round.
const WORKERS: usize = 6;
/// How long the load runs, once it is under way, before the kill (one entry per round).
const KILL_AFTER: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_millis(600),
    Duration::from_millis(1000),
];
/// Hard cap on requests per round (the kill comes before it is reached).
const MAX_REQUESTS: usize = 600;
/// Acknowledged requests a round waits for before its kill timer starts.
const WARM_ACKS: usize = 10;
/// Bound on waiting for those.
const WARM_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests checking the survivors at once.
const CHECK_CONCURRENCY: usize = 8;
/// Every sign-in is independent (weplanx's default ends the previous session of the user,
/// which would make an acknowledged token legitimately invalid).
const SERVER_ENV: &[(&str, &str)] = &[("TESSERA_HTTP__WEPLANX__SINGLE_SESSION", "false")];

/// A token the server handed out, and how to verify it.
#[derive(Debug, Clone)]
enum Token {
    /// A signed access token (weplanx `TOKEN` cookie, SSPanel `key` cookie): weplanx
    /// `GET /verify` with the `TOKEN` cookie.
    Jwt(String),
    /// A clumsy-tools opaque access token: `GET /fo/rest/token/test/protected-resource`.
    Bearer(String),
}

/// What one round did.
#[derive(Default)]
struct Round {
    /// Set just before the kill: a failed request after it was cut off, not refused.
    killed: AtomicBool,
    issued: AtomicUsize,
    acked: AtomicUsize,
    cut: AtomicUsize,
    /// E-mails of every registration sent (acknowledged or not).
    attempted: Mutex<BTreeSet<String>>,
    /// E-mails of acknowledged registrations.
    accounts: Mutex<Vec<String>>,
    /// Acknowledged sessions, with what created them.
    tokens: Mutex<Vec<(String, Token)>>,
    /// Complete answers that were not the success expected, and requests left without an
    /// answer before the kill.
    unexpected: Mutex<Vec<String>>,
}

/// Why a request did not succeed.
enum Failure {
    /// No complete answer (connection refused, reset, body cut off).
    Transport(String),
    /// A complete answer that is not the success expected.
    Answer(String),
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        Self::Transport(e.to_string())
    }
}

/// A client of its own for each request: every request of the load and of the checks comes
/// from another loopback address, as from many users, so per-IP request limits (not what
/// this test is about) never refuse one.
fn client() -> reqwest::Client {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    client_from(Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 1, 0, 1)) + n))
}

/// clumsy-tools `POST /fo/rest/token/new/by-register/local`: the account and its first
/// session, answered after both are committed.
async fn clumsy_register(c: &reqwest::Client, base: &str, email: &str) -> Result<Token, Failure> {
    let res = c
        .post(format!("{base}/fo/rest/token/new/by-register/local"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", PW),
        ])
        .send()
        .await?;
    bearer_of(res, "clumsy register").await
}

/// clumsy-tools `POST /fo/rest/token/new/local`.
async fn clumsy_login(c: &reqwest::Client, base: &str, email: &str) -> Result<Token, Failure> {
    let res = c
        .post(format!("{base}/fo/rest/token/new/local"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", PW),
        ])
        .send()
        .await?;
    bearer_of(res, "clumsy login").await
}

async fn bearer_of(res: reqwest::Response, what: &str) -> Result<Token, Failure> {
    let status = res.status();
    let text = res.text().await?;
    let token = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["access_token"].as_str().map(str::to_owned));
    match token {
        Some(t) if status == StatusCode::OK => Ok(Token::Bearer(t)),
        _ => Err(Failure::Answer(format!("{what}: {status} {text}"))),
    }
}

/// SSPanel `POST /auth/register`: the account, signed in (the `key` cookie).
async fn sspanel_register(c: &reqwest::Client, base: &str, email: &str) -> Result<Token, Failure> {
    let res = c
        .post(format!("{base}/auth/register"))
        .form(&[
            ("name", "Crash"),
            ("email", email),
            ("passwd", PW),
            ("repasswd", PW),
            ("imtype", "1"),
            ("wechat", "crash_wx"),
        ])
        .send()
        .await?;
    let status = res.status();
    let key = cookie_value(res.headers(), "key");
    let text = res.text().await?;
    let ok = serde_json::from_str::<Value>(&text)
        .is_ok_and(|v| v == json!({"ret": 1, "msg": m::REGISTER_OK}));
    match key {
        Some(k) if ok && status == StatusCode::OK => Ok(Token::Jwt(k)),
        _ => Err(Failure::Answer(format!(
            "sspanel register: {status} {text}"
        ))),
    }
}

/// weplanx `POST /login`: 204 and the `TOKEN` cookie.
async fn weplanx_login(c: &reqwest::Client, base: &str, email: &str) -> Result<Token, Failure> {
    let res = c
        .post(format!("{base}/login"))
        .json(&json!({"email": email, "password": PW}))
        .send()
        .await?;
    let status = res.status();
    let token = cookie_value(res.headers(), "TOKEN");
    let text = res.text().await?;
    match token {
        Some(t) if status == StatusCode::NO_CONTENT => Ok(Token::Jwt(t)),
        _ => Err(Failure::Answer(format!("weplanx login: {status} {text}"))),
    }
}

/// Whether a token still opens a session (`Ok(false)`: refused).
async fn verifies(c: &reqwest::Client, base: &str, token: &Token) -> Result<bool, Failure> {
    let res = match token {
        Token::Jwt(t) => {
            c.get(format!("{base}/verify"))
                .header("cookie", format!("TOKEN={t}"))
                .send()
                .await?
        }
        Token::Bearer(t) => {
            c.get(format!("{base}/fo/rest/token/test/protected-resource"))
                .bearer_auth(t)
                .send()
                .await?
        }
    };
    Ok(matches!(
        res.status(),
        StatusCode::NO_CONTENT | StatusCode::OK
    ))
}

/// One load task: registrations through two dialects and sign-ins through two others, in
/// turn, until the server dies or the round's cap is reached.
async fn worker(
    base: String,
    id: usize,
    round_no: usize,
    seeds: Arc<Vec<String>>,
    round: Arc<Round>,
) {
    for n in 0.. {
        if round.killed.load(Ordering::SeqCst)
            || round.issued.fetch_add(1, Ordering::SeqCst) >= MAX_REQUESTS
        {
            return;
        }
        let c = client();
        let email = format!("crash-r{round_no}-w{id}-{n}@example.com");
        let seed = &seeds[(id + n) % seeds.len()];
        let (registers, outcome) = match (id + n) % 4 {
            0 => {
                round.attempted.lock().unwrap().insert(email.clone());
                (true, clumsy_register(&c, &base, &email).await)
            }
            1 => {
                round.attempted.lock().unwrap().insert(email.clone());
                (true, sspanel_register(&c, &base, &email).await)
            }
            2 => (false, weplanx_login(&c, &base, seed).await),
            _ => (false, clumsy_login(&c, &base, seed).await),
        };
        match outcome {
            Ok(token) => {
                let what = if registers {
                    round.accounts.lock().unwrap().push(email.clone());
                    format!("registration of {email}")
                } else {
                    format!("sign-in of {seed}")
                };
                round.tokens.lock().unwrap().push((what, token));
                round.acked.fetch_add(1, Ordering::SeqCst);
            }
            // No complete answer after the kill: cut off, neither acknowledged nor refused.
            // (A complete answer is judged whenever it came: a refusal is never expected.)
            Err(Failure::Transport(_)) if round.killed.load(Ordering::SeqCst) => {
                round.cut.fetch_add(1, Ordering::SeqCst);
                return;
            }
            Err(Failure::Transport(e)) => {
                round
                    .unexpected
                    .lock()
                    .unwrap()
                    .push(format!("before the kill, no answer: {e}"));
                return;
            }
            Err(Failure::Answer(a)) => round.unexpected.lock().unwrap().push(a),
        }
    }
}

/// SQLite's own checks on the file the killed server left behind (WAL included).
async fn sqlite_intact(db: &ChildDatabase) {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{Connection, Row};
    let opts = SqliteConnectOptions::new()
        .filename(db.sqlite_path())
        .create_if_missing(false);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    let integrity: Vec<String> = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert_eq!(integrity, ["ok"], "SQLite integrity_check after SIGKILL");
    let orphans: Vec<String> = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}: rowid {:?}",
                r.get::<String, _>(0),
                r.get::<Option<i64>, _>(1)
            )
        })
        .collect();
    assert!(
        orphans.is_empty(),
        "rows pointing at nothing after SIGKILL: {orphans:?}"
    );
    conn.close().await.unwrap();
}

/// With the server dead: the database opens (the CLI lists its accounts), every
/// acknowledged account is there once, and nothing is there that was never asked for.
/// Returns how many accounts exist.
async fn check_offline(
    db: &ChildDatabase,
    attempted: &BTreeSet<String>,
    accounts: &[String],
) -> usize {
    if db.engine == Engine::Sqlite {
        sqlite_intact(db).await;
    }
    let listed: Vec<String> = db
        .cli(&["user", "list", "--json", "--limit", "1000"])
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v["email"].as_str().unwrap().to_lowercase()
        })
        .collect();
    assert!(listed.len() < 1000, "more accounts than one page lists");
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "an e-mail listed twice: {listed:?}"
    );
    let missing: Vec<&String> = accounts.iter().filter(|a| !unique.contains(a)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged registrations lost after SIGKILL ({} of {}): {missing:?}",
        missing.len(),
        accounts.len()
    );
    let phantom: Vec<&&String> = unique.iter().filter(|e| !attempted.contains(**e)).collect();
    assert!(
        phantom.is_empty(),
        "accounts nobody registered: {phantom:?}"
    );
    listed.len()
}

/// With the server restarted: every acknowledged account signs in and every acknowledged
/// session token still verifies. Collects every loss before failing, so a report names them.
async fn check_online(server: &ServerProcess, accounts: &[String], tokens: &[(String, Token)]) {
    let mut lost = Vec::new();
    for chunk in accounts.chunks(CHECK_CONCURRENCY) {
        let mut set = tokio::task::JoinSet::new();
        for email in chunk {
            let (c, base, email) = (client(), server.base.clone(), email.clone());
            set.spawn(async move {
                match clumsy_login(&c, &base, &email).await {
                    Ok(_) => None,
                    Err(Failure::Answer(a) | Failure::Transport(a)) => {
                        Some(format!("account {email} cannot sign in: {a}"))
                    }
                }
            });
        }
        while let Some(r) = set.join_next().await {
            lost.extend(r.unwrap());
        }
    }
    for chunk in tokens.chunks(CHECK_CONCURRENCY) {
        let mut set = tokio::task::JoinSet::new();
        for (what, token) in chunk {
            let (c, base) = (client(), server.base.clone());
            let (what, token) = (what.clone(), token.clone());
            set.spawn(async move {
                match verifies(&c, &base, &token).await {
                    Ok(true) => None,
                    Ok(false) => Some(format!(
                        "session from {what} no longer verifies ({token:?})"
                    )),
                    Err(Failure::Answer(a) | Failure::Transport(a)) => {
                        Some(format!("verifying the session from {what}: {a}"))
                    }
                }
            });
        }
        while let Some(r) = set.join_next().await {
            lost.extend(r.unwrap());
        }
    }
    assert!(
        lost.is_empty(),
        "acknowledged writes lost across SIGKILL + restart ({}):\n{}\nserver log:\n{}",
        lost.len(),
        lost.join("\n"),
        server.log_tail()
    );
}

async fn acknowledged_writes_survive_sigkill(engine: Engine) {
    let Some(db) = ChildDatabase::fresh(engine).await else {
        return;
    };
    let started = Instant::now();
    let mut server = ServerProcess::start(&db, SERVER_ENV).await;
    let mut attempted = BTreeSet::new();
    let mut accounts = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..SEEDS {
        let email = format!("seed-{i}@example.com");
        attempted.insert(email.clone());
        match clumsy_register(&client(), &server.base, &email).await {
            Ok(t) => tokens.push((format!("registration of {email}"), t)),
            Err(Failure::Answer(a) | Failure::Transport(a)) => {
                panic!("seeding {email}: {a}\n{}", server.log_tail())
            }
        }
        accounts.push(email);
    }
    let seeds = Arc::new(accounts.clone());
    let mut cut_total = 0;

    for (round_no, kill_after) in KILL_AFTER.iter().enumerate() {
        let round = Arc::new(Round::default());
        let workers: Vec<_> = (0..WORKERS)
            .map(|id| {
                tokio::spawn(worker(
                    server.base.clone(),
                    id,
                    round_no,
                    seeds.clone(),
                    round.clone(),
                ))
            })
            .collect();
        // Let the load get under way, then kill the server while requests are in flight.
        let deadline = Instant::now() + WARM_TIMEOUT;
        while round.acked.load(Ordering::SeqCst) < WARM_ACKS {
            assert!(
                Instant::now() < deadline && !server.has_exited(),
                "round {round_no}: the load never got going: {:?}\n{}",
                round.unexpected.lock().unwrap(),
                server.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let until = Instant::now() + *kill_after;
        while Instant::now() < until
            && round.issued.load(Ordering::SeqCst) < MAX_REQUESTS - 2 * WORKERS
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        round.killed.store(true, Ordering::SeqCst);
        server.kill();
        for w in workers {
            tokio::time::timeout(Duration::from_secs(30), w)
                .await
                .expect("load task ends after the kill")
                .unwrap();
        }
        let unexpected = round.unexpected.lock().unwrap().clone();
        assert!(
            unexpected.is_empty(),
            "round {round_no}: refusals, or no answer before the kill: {unexpected:?}\n{}",
            server.log_tail()
        );
        let new_accounts = round.accounts.lock().unwrap().clone();
        let new_tokens = round.tokens.lock().unwrap().clone();
        attempted.extend(round.attempted.lock().unwrap().iter().cloned());
        accounts.extend(new_accounts.iter().cloned());
        tokens.extend(new_tokens.iter().cloned());
        let cut = round.cut.load(Ordering::SeqCst);
        cut_total += cut;

        let existing = check_offline(&db, &attempted, &accounts).await;
        server = ServerProcess::start(&db, SERVER_ENV).await;
        check_online(&server, &accounts, &tokens).await;
        eprintln!(
            "crash {engine:?} round {round_no}: {} requests, {} acknowledged ({} registrations, \
             {} sessions), {cut} cut off by SIGKILL; {} accounts exist, {} of them committed \
             without an acknowledgement; {:.1?} so far",
            round.issued.load(Ordering::SeqCst).min(MAX_REQUESTS),
            round.acked.load(Ordering::SeqCst),
            new_accounts.len(),
            new_tokens.len(),
            existing,
            existing - accounts.len(),
            started.elapsed()
        );
    }
    assert!(
        cut_total > 0,
        "no request was in flight at any kill: the test did not crash the server mid-load"
    );
    server.kill();
    drop(server);
    db.cleanup().await;
}

on_both_engines!(acknowledged_writes_survive_sigkill);
