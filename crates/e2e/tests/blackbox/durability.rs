//! What must survive a restart.

use reqwest::StatusCode;
use tessera_e2e::{on_both_engines, Engine, TestApp};

/// Mail queued while the SMTP server is unreachable is delivered after a restart: the
/// outbox is a table written with the change, not an in-memory queue.
async fn queued_mail_survives_a_restart(engine: Engine) {
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(app) = TestApp::spawn_with(engine, |c| c.mail.smtp.port = Some(dead_port)).await
    else {
        return;
    };
    app.add_user("olga@example.com", "correct-horse-battery")
        .await;
    let r = reqwest::get(app.url("/forget_code?email=olga%40example.com"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(app.smtp.messages().is_empty());

    let app = app.restart(|_| {}).await;
    let mail = app.mail_to("olga@example.com").await;
    assert!(mail.text_body.contains("reset code"), "{}", mail.text_body);
    // The account and its data came through the restart too.
    let login = reqwest::Client::new()
        .post(app.url("/login"))
        .json(
            &serde_json::json!({"email": "olga@example.com", "password": "correct-horse-battery"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

on_both_engines!(queued_mail_survives_a_restart);
