//! Per-IP request limits in every dialect: the client IP comes from the socket, or from
//! `X-Forwarded-For` only when the peer is a trusted proxy; the limit is shared by all
//! dialects; a refused request gets the dialect's own error body and `Retry-After`.

use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tessera_core::config::Limit;
use tessera_e2e::{on_both_engines, Engine, TestApp};

const PW: &str = "Correct-horse-9";

fn from(req: RequestBuilder, ip: &str) -> RequestBuilder {
    req.header("x-forwarded-for", ip)
}

fn retry_after(res: &Response) -> Option<i64> {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

async fn weplanx_login(app: &TestApp, ip: &str, pw: &str) -> Response {
    from(reqwest::Client::new().post(app.url("/login")), ip)
        .json(&json!({ "email": "r@example.com", "password": pw }))
        .send()
        .await
        .unwrap()
}

async fn clumsy_login(app: &TestApp, ip: &str) -> Response {
    from(
        reqwest::Client::new().post(app.url("/fo/rest/token/new/local")),
        ip,
    )
    .form(&[
        ("grant_type", "password"),
        ("username", "r@example.com"),
        ("password", "wrong-password-1"),
    ])
    .send()
    .await
    .unwrap()
}

async fn sspanel_login(app: &TestApp, ip: &str) -> Response {
    from(reqwest::Client::new().post(app.url("/auth/login")), ip)
        .json(&json!({ "email": "r@example.com", "passwd": "wrong-password-1" }))
        .send()
        .await
        .unwrap()
}

async fn ugene_call(app: &TestApp, ip: &str, module: &str, param: &str, args: Value) -> Response {
    from(reqwest::Client::new().post(app.url("/api")), ip)
        .json(&json!({ "module": module, "param": param, "args": args }))
        .send()
        .await
        .unwrap()
}

async fn each_dialect_refuses_in_its_own_format_with_retry_after(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |cfg| {
        cfg.http.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        cfg.core.rate_limits.sign_in = Limit {
            max: 3,
            window_secs: 600,
        };
        cfg.core.rate_limits.register = Limit {
            max: 2,
            window_secs: 3600,
        };
        // Lockout must not be what refuses here.
        cfg.core.lockout.max_failures = 1000;
    })
    .await
    else {
        return;
    };
    app.add_user("r@example.com", PW).await;

    // weplanx: three attempts are answered as usual, the fourth is 429.
    for _ in 0..3 {
        let res = weplanx_login(&app, "198.51.100.1", "wrong-password-1").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(retry_after(&res), None);
    }
    let res = weplanx_login(&app, "198.51.100.1", PW).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password"
    );
    let wait = retry_after(&res).expect("Retry-After");
    assert!((1..=600).contains(&wait), "{wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "system.too_many_requests", "{body}");
    assert!(body["message"].is_string() && body["msg"] == body["message"]);
    // Another client (another forwarded address) is not affected.
    assert_eq!(
        weplanx_login(&app, "198.51.100.2", PW).await.status(),
        StatusCode::NO_CONTENT
    );

    // The limit is per IP across dialects: this address already used it up.
    let res = clumsy_login(&app, "198.51.100.1").await;
    assert!(retry_after(&res).is_some(), "clumsy: {}", res.status());
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error_description_for_user"], "Too many attempts. Please try again later.",
        "{body}"
    );
    let res = sspanel_login(&app, "198.51.100.1").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(retry_after(&res).is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["ret"], 0);
    let args = json!({ "uname": "r@example.com", "pass": PW });
    let res = ugene_call(&app, "198.51.100.1", "auth", "signin", args.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(retry_after(&res).is_some());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "001408", "{body}");

    // Fresh addresses per dialect: each gets its own three.
    for (i, ip) in ["198.51.100.3", "198.51.100.4", "198.51.100.5"]
        .into_iter()
        .enumerate()
    {
        for _ in 0..3 {
            let res = match i {
                0 => clumsy_login(&app, ip).await,
                1 => sspanel_login(&app, ip).await,
                _ => ugene_call(&app, ip, "auth", "signin", args.clone()).await,
            };
            assert!(retry_after(&res).is_none(), "{ip}: not limited yet");
        }
        let res = match i {
            0 => clumsy_login(&app, ip).await,
            1 => sspanel_login(&app, ip).await,
            _ => ugene_call(&app, ip, "auth", "signin", args.clone()).await,
        };
        assert!(retry_after(&res).is_some(), "{ip}: limited");
    }

    // Registrations have their own budget.
    for n in 0..2 {
        let args = json!({ "uname": format!("reg{n}"), "pass": "Francis1992", "email": format!("reg{n}@example.com") });
        let v: Value = ugene_call(&app, "198.51.100.9", "reg", "signup", args)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["success"], 1, "{v}");
    }
    let args = json!({ "uname": "reg9", "pass": "Francis1992", "email": "reg9@example.com" });
    let res = ugene_call(&app, "198.51.100.9", "reg", "signup", args).await;
    assert!(retry_after(&res).is_some());
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"], "001408", "{v}");
    assert!(app
        .core
        .user_by_email("reg9@example.com")
        .await
        .unwrap()
        .is_none());
    app.stop().await;
}

/// Without a trusted proxy, `X-Forwarded-For` is ignored: a client cannot escape its
/// limit by inventing addresses.
async fn forwarded_addresses_from_untrusted_peers_are_ignored(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |cfg| {
        cfg.core.rate_limits.sign_in = Limit {
            max: 2,
            window_secs: 600,
        };
        cfg.core.lockout.max_failures = 1000;
    })
    .await
    else {
        return;
    };
    app.add_user("r@example.com", PW).await;
    for n in 0..2 {
        let res = weplanx_login(&app, &format!("203.0.113.{n}"), "wrong-password-1").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    let res = weplanx_login(&app, "203.0.113.77", PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

on_both_engines!(
    each_dialect_refuses_in_its_own_format_with_retry_after,
    forwarded_addresses_from_untrusted_peers_are_ignored,
);
