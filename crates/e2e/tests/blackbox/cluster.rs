//! Several stateless nodes on one PostgreSQL database.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::{cookie_value, Engine, TestApp};

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
