//! Security headers on every response of every dialect (answers, errors, unknown routes)
//! and the flags of every session cookie, over plain HTTP and behind a trusted HTTPS proxy.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tessera_e2e::{on_both_engines, set_cookie, Engine, TestApp};

const PW: &str = "Correct-horse-9";

fn assert_security_headers(what: &str, h: &HeaderMap) {
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert!(
        get("cache-control").contains("no-store"),
        "{what}: token and account answers are never cached: {:?}",
        get("cache-control")
    );
}

async fn every_response_carries_the_security_headers(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("h@example.com", PW).await;
    let c = reqwest::Client::new();
    let requests: Vec<(Method, &str, Option<serde_json::Value>)> = vec![
        // weplanx: success, validation error, unauthenticated.
        (
            Method::POST,
            "/login",
            Some(json!({ "email": "h@example.com", "password": PW })),
        ),
        (Method::POST, "/login", Some(json!({ "email": "nope" }))),
        (Method::GET, "/verify", None),
        // clumsy-tools: token endpoint success and error, guarded resource.
        (
            Method::POST,
            "/fo/rest/token/new/local",
            Some(json!({ "principalName": "h@example.com", "password": PW })),
        ),
        (Method::GET, "/fo/rest/token/new/local", None),
        (Method::GET, "/fo/rest/user/current", None),
        // SSPanel.
        (
            Method::POST,
            "/auth/login",
            Some(json!({ "email": "h@example.com", "passwd": PW })),
        ),
        (Method::GET, "/logout", None),
        // Ugene: success, error, file route.
        (
            Method::POST,
            "/api",
            Some(
                json!({ "module": "auth", "param": "signin", "args": { "uname": "h@example.com", "pass": PW } }),
            ),
        ),
        (Method::GET, "/api/user/profile/en", None),
        (Method::GET, "/download/file/abc", None),
        // Operations and unknown routes.
        (Method::GET, "/healthz", None),
        (Method::GET, "/openapi/ugene.json", None),
        (Method::GET, "/no/such/route", None),
    ];
    for (method, path, body) in requests {
        let mut req = c.request(method.clone(), app.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        assert!(
            res.status() != StatusCode::INTERNAL_SERVER_ERROR,
            "{method} {path}"
        );
        assert_security_headers(&format!("{method} {path}"), res.headers());
    }
    app.stop().await;
}

fn attrs(line: &str) -> Vec<String> {
    line.split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

fn has(line: &str, attr: &str) -> bool {
    attrs(line)
        .iter()
        .any(|a| a == attr || a.starts_with(&format!("{attr}=")))
}

/// Logs in through weplanx and SSPanel and returns their session cookie lines.
async fn session_cookies(app: &TestApp, https: bool) -> (String, String) {
    let c = reqwest::Client::new();
    let mut req = c
        .post(app.url("/login"))
        .json(&json!({ "email": "c@example.com", "password": PW }));
    if https {
        req = req.header("x-forwarded-proto", "https");
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let token = set_cookie(res.headers(), "TOKEN").unwrap().to_owned();
    let mut req = c
        .post(app.url("/auth/login"))
        .json(&json!({ "email": "c@example.com", "passwd": PW }));
    if https {
        req = req.header("x-forwarded-proto", "https");
    }
    let res = req.send().await.unwrap();
    let key = set_cookie(res.headers(), "key").unwrap().to_owned();
    (token, key)
}

async fn session_cookies_are_httponly_samesite_and_secure_over_https(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |cfg| {
        cfg.http.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    app.add_user("c@example.com", PW).await;
    let (token, key) = session_cookies(&app, false).await;
    for line in [&token, &key] {
        assert!(has(line, "httponly"), "{line}");
        assert!(has(line, "samesite"), "{line}");
        assert!(
            !has(line, "secure"),
            "plain HTTP: no Secure, or the browser drops it: {line}"
        );
    }
    let (token, key) = session_cookies(&app, true).await;
    for line in [&token, &key] {
        assert!(has(line, "httponly"), "{line}");
        assert!(has(line, "samesite"), "{line}");
        assert!(has(line, "secure"), "behind an HTTPS proxy: {line}");
    }
    app.stop().await;

    // An untrusted peer cannot claim HTTPS (nor anything else) with the header.
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("c@example.com", PW).await;
    let (token, _) = session_cookies(&app, true).await;
    assert!(!has(&token, "secure"), "{token}");
    app.stop().await;
}

on_both_engines!(
    every_response_carries_the_security_headers,
    session_cookies_are_httponly_samesite_and_secure_over_https,
);
