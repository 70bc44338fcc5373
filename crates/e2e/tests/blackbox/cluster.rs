//! Several stateless nodes on one PostgreSQL database.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::{cookie_value, ChildDatabase, Engine, ServerProcess, TestApp};

async fn verify(node: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(node.url("/verify"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

/// A session revoked on one node stops working on another node that had it cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_on_one_node_revokes_on_the_others() {
    let Some(a) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    let b = a.spawn_peer().await;
    a.add_user("zoe@example.com", "correct-horse-battery").await;
    let res = a
        .client
        .post(a.url("/login"))
        .json(&json!({"email": "zoe@example.com", "password": "correct-horse-battery"}))
        .send()
        .await
        .unwrap();
    let token = cookie_value(res.headers(), "TOKEN").unwrap();
    // Both nodes accept it (node A has it cached now; B shares the keys through the store).
    assert_eq!(verify(&a, &token).await, StatusCode::NO_CONTENT);
    assert_eq!(verify(&b, &token).await, StatusCode::NO_CONTENT);

    let out = reqwest::Client::new()
        .post(b.url("/logout"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(verify(&b, &token).await, StatusCode::UNAUTHORIZED);
    // Node A learns of it through LISTEN/NOTIFY (milliseconds); without the broadcast its
    // cache would keep accepting the token for the 30 s revalidation interval. Bounded wait.
    let mut status = verify(&a, &token).await;
    for _ in 0..50 {
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = verify(&a, &token).await;
    }
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "node A still accepts a revoked session"
    );
    b.stop().await;
    a.stop().await;
}

/// `GET /verify` on a server process with a weplanx `TOKEN` cookie.
async fn verify_at(server: &ServerProcess, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(server.url("/verify"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

/// Polls (bounded) until the server refuses `token`; the status it last answered.
async fn refused_soon(server: &ServerProcess, token: &str) -> StatusCode {
    let mut status = verify_at(server, token).await;
    for _ in 0..50 {
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = verify_at(server, token).await;
    }
    status
}

/// `tessera sessions end`, run by an operator as its own process on the shared database,
/// reaches a running node that holds the sessions in its cache: one account's tokens stop
/// working there at once and the others' keep working, then `--all` ends the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_sessions_from_the_cli_reaches_running_nodes() {
    let Some(db) = ChildDatabase::fresh(Engine::Postgres).await else {
        return;
    };
    for email in ["zoe@example.com", "yan@example.com"] {
        db.cli(&[
            "user",
            "add",
            "--email",
            email,
            "--password",
            "correct-horse-battery",
        ]);
    }
    let server = ServerProcess::start(&db, &[]).await;
    let mut tokens = Vec::new();
    for email in ["zoe@example.com", "yan@example.com"] {
        let res = reqwest::Client::new()
            .post(server.url("/login"))
            .json(&json!({"email": email, "password": "correct-horse-battery"}))
            .send()
            .await
            .unwrap();
        let token = cookie_value(res.headers(), "TOKEN").unwrap();
        // Verified once, so the node has the session cached.
        assert_eq!(verify_at(&server, &token).await, StatusCode::NO_CONTENT);
        tokens.push(token);
    }

    let out = db.cli(&["sessions", "end", "--user", "zoe@example.com"]);
    assert!(out.contains("ended 1 session of zoe@example.com"), "{out}");
    assert_eq!(
        refused_soon(&server, &tokens[0]).await,
        StatusCode::UNAUTHORIZED,
        "the node still accepts an ended session:\n{}",
        server.log_tail()
    );
    assert_eq!(verify_at(&server, &tokens[1]).await, StatusCode::NO_CONTENT);

    let out = db.cli(&["sessions", "end", "--all", "--yes"]);
    assert!(out.contains("ended 1 session of every account"), "{out}");
    assert_eq!(
        refused_soon(&server, &tokens[1]).await,
        StatusCode::UNAUTHORIZED
    );
    drop(server);
    db.cleanup().await;
}
