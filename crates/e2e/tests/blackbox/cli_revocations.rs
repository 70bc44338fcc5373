//! A running `tessera serve` while other `tessera` processes (the operator's CLI, an
//! import) revoke sessions in the same database: the server's revocation feed (PostgreSQL
//! `LISTEN/NOTIFY`; on SQLite a poll of the file) makes sessions it has cached stop working
//! there too.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::{cookie_value, on_both_engines, ChildDatabase, Engine, ServerProcess};

/// Upper bound for a revocation to reach the server (it polls about every second): only
/// there so that a broken feed fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(20);

const PASSWORD: &str = "correct-horse-battery";

/// `GET /verify` with a weplanx `TOKEN` cookie.
async fn verify(server: &ServerProcess, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(server.url("/verify"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

/// Polls (bounded by [`PATIENCE`]) until the server refuses `token`; the status it last
/// answered.
async fn refused_soon(server: &ServerProcess, token: &str) -> StatusCode {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let status = verify(server, token).await;
        if status == StatusCode::UNAUTHORIZED || tokio::time::Instant::now() >= deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs in through weplanx and verifies once, so the server has the session cached.
async fn cached_session(server: &ServerProcess, email: &str) -> String {
    let res = reqwest::Client::new()
        .post(server.url("/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "login of {email}");
    let token = cookie_value(res.headers(), "TOKEN").unwrap();
    assert_eq!(verify(server, &token).await, StatusCode::NO_CONTENT);
    token
}

/// `tessera sessions end --user`, `tessera import` (blocking an account) and `tessera
/// sessions end --all`, each run as its own process on the same database, reach a running
/// server that holds the sessions in its cache: the ended tokens are refused there within
/// a poll or so, and the others keep working. The CLI no longer warns that a restart is
/// needed.
async fn cli_revocations_reach_a_running_server(engine: Engine) {
    let Some(db) = ChildDatabase::fresh(engine).await else {
        return;
    };
    let emails = ["zoe@example.com", "yan@example.com", "xia@example.com"];
    for email in emails {
        db.cli(&["user", "add", "--email", email, "--password", PASSWORD]);
    }
    let server = ServerProcess::start(&db, &[]).await;
    let mut tokens = Vec::new();
    for email in emails {
        tokens.push(cached_session(&server, email).await);
    }

    let out = db
        .command()
        .args(["sessions", "end", "--user", "zoe@example.com"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("ended 1 session of zoe@example.com"),
        "{stdout}"
    );
    assert!(!stderr.contains("restart"), "stale caveat: {stderr}");
    assert_eq!(
        refused_soon(&server, &tokens[0]).await,
        StatusCode::UNAUTHORIZED,
        "the server still accepts an ended session:\n{}",
        server.log_tail()
    );
    assert_eq!(verify(&server, &tokens[1]).await, StatusCode::NO_CONTENT);
    assert_eq!(verify(&server, &tokens[2]).await, StatusCode::NO_CONTENT);

    let rows = db.dir.path().join("blocked.jsonl");
    std::fs::write(
        &rows,
        "{\"email\": \"yan@example.com\", \"status\": \"blocked\"}\n",
    )
    .unwrap();
    let out = db.cli(&["import", rows.to_str().unwrap()]);
    assert!(out.contains("1 updated"), "{out}");
    assert_eq!(
        refused_soon(&server, &tokens[1]).await,
        StatusCode::UNAUTHORIZED,
        "the server still accepts a session the import ended:\n{}",
        server.log_tail()
    );
    assert_eq!(verify(&server, &tokens[2]).await, StatusCode::NO_CONTENT);

    let out = db.cli(&["sessions", "end", "--all", "--yes"]);
    assert!(out.contains("ended 1 session of every account"), "{out}");
    assert_eq!(
        refused_soon(&server, &tokens[2]).await,
        StatusCode::UNAUTHORIZED,
        "the server still accepts a session ended with --all:\n{}",
        server.log_tail()
    );
    drop(server);
    db.cleanup().await;
}

on_both_engines!(cli_revocations_reach_a_running_server);
