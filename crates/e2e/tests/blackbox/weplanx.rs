//! The weplanx Common API over HTTP, as its clients use it.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_core::security::totp;
use tessera_e2e::{browser, cookie_value, on_both_engines, set_cookie, Engine, Mode, TestApp};

const PW: &str = "correct-horse-battery";

async fn app(engine: Engine) -> Option<TestApp> {
    TestApp::spawn(engine).await
}

async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn body(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// A request carrying exactly the given TOKEN cookie (an old token kept by an attacker or a tab).
async fn verify_with(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url("/verify"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn sign_in_and_session_lifecycle(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("alice@example.com", PW).await;

    let ping = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
    let salt = set_cookie(ping.headers(), "XSRF-SALT").unwrap().to_owned();
    assert!(salt.contains("HttpOnly") && salt.contains("SameSite=Strict"));
    let xsrf = set_cookie(ping.headers(), "XSRF-TOKEN").unwrap().to_owned();
    assert!(!xsrf.contains("HttpOnly"), "scripts must read XSRF-TOKEN");
    assert!(set_cookie(ping.headers(), "XSRF_TOKEN").is_some());
    let p = body(ping).await;
    assert_eq!(p["name"], "test-node");
    assert_eq!(p["ip"], "127.0.0.1");
    assert!(p["now"].as_str().unwrap().contains('T'));
    assert!(p["values"].is_object(), "development mode shows values");
    assert!(
        !p["values"].to_string().to_lowercase().contains("key"),
        "never a secret"
    );

    let res = login(&app, &app.client, "Alice@Example.com", PW).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let cookie = set_cookie(res.headers(), "TOKEN").unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "browser-session cookie"
    );
    let token = cookie_value(res.headers(), "TOKEN").unwrap();
    assert_eq!(res.text().await.unwrap(), "", "204 has no body");

    let user = body(app.client.get(app.url("/user")).send().await.unwrap()).await;
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["name"], "Test User");
    assert_eq!(user["phone"], "");
    assert_eq!(user["totp"], "");
    assert_eq!(user["status"], true);
    assert_eq!(user["sessions"], 1);
    assert_eq!(user["history"]["metadata"]["source"], "email");
    assert_eq!(user["history"]["metadata"]["client_ip"], "127.0.0.1");
    assert_eq!(user["_id"].as_str().unwrap().len(), 32);
    for secret in ["password", "password_hash", "totp_secret", "roles"] {
        assert!(
            user.get(secret).is_none(),
            "{secret} must never be returned"
        );
    }
    assert!(user.get("lark").is_none(), "lark only when bound");

    assert_eq!(
        app.client
            .get(app.url("/verify"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(verify_with(&app, &token).await, StatusCode::NO_CONTENT);

    let out = app.client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(set_cookie(out.headers(), "TOKEN")
        .unwrap()
        .contains("Max-Age=0"));
    let after = reqwest::Client::new()
        .get(app.url("/verify"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the old cookie dies at once"
    );
    assert!(
        set_cookie(after.headers(), "TOKEN")
            .unwrap()
            .contains("Max-Age=0"),
        "a dead token is cleared"
    );
    let b = body(after).await;
    assert_eq!(b["message"], "认证过期，请重新登录");
    assert!(b["code"].is_string());

    let none = reqwest::Client::new()
        .get(app.url("/user"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        body(none).await["message"],
        "authentication has expired, please log in again"
    );
    app.stop().await;
}

async fn wrong_password_unknown_account_and_lockout(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("bob@example.com", PW).await;
    let wrong = login(&app, &app.client, "bob@example.com", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let wrong = body(wrong).await;
    assert_eq!(wrong["msg"], "登录验证无效");
    assert_eq!(wrong["message"], "登录验证无效");
    let unknown =
        body(login(&app, &app.client, "nobody@example.com", "not-the-password").await).await;
    assert_eq!(
        unknown, wrong,
        "unknown account and wrong password look the same"
    );

    for _ in 0..4 {
        login(&app, &app.client, "bob@example.com", "not-the-password").await;
    }
    let locked = login(&app, &app.client, "bob@example.com", PW).await;
    assert_eq!(locked.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        body(locked).await["msg"],
        "登录失败超出最大次数",
        "right password refused while locked"
    );
    // TOTP attempts are refused by the same lock.
    let totp = app
        .client
        .post(app.url("/login/totp"))
        .json(&json!({"email": "bob@example.com", "code": "123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(totp).await["msg"], "登录失败超出最大次数");
    app.stop().await;
}

async fn hostile_bodies_get_clear_400s(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("carol@example.com", PW).await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "/login",
            br#"{"email":"carol@example.com"}"#.to_vec(),
            "application/json",
        ),
        (
            "/login",
            br#"{"email":42,"password":true}"#.to_vec(),
            "application/json",
        ),
        (
            "/login",
            br#"{"email":"not-an-email","password":"12345678"}"#.to_vec(),
            "application/json",
        ),
        (
            "/login",
            br#"{"email":"carol@example.com","password":"short"}"#.to_vec(),
            "application/json",
        ),
        ("/login", b"[1,2,3]".to_vec(), "application/json"),
        ("/login", b"{\"email\":".to_vec(), "application/json"),
        ("/login", b"\xff\xfe\x00".to_vec(), "application/json"),
        (
            "/login",
            b"email=%ZZ&&&".to_vec(),
            "application/x-www-form-urlencoded",
        ),
        (
            "/login/sms",
            br#"{"phone":"abc","code":"1"}"#.to_vec(),
            "application/json",
        ),
        (
            "/login/totp",
            br#"{"email":"carol@example.com","code":"1234567"}"#.to_vec(),
            "application/json",
        ),
        (
            "/login/totp",
            r#"{"email":"carol@example.com","code":"١٢٣٤٥٦"}"#.as_bytes().to_vec(),
            "application/json",
        ),
        (
            "/forget_reset",
            br#"{"email":"carol@example.com","code":"","password":"x"}"#.to_vec(),
            "application/json",
        ),
        (
            "/forget_reset",
            br#"{"email":"carol@example.com","code":"000000","password":"validpassword99"}"#
                .to_vec(),
            "application/json",
        ),
    ];
    for (path, payload, ctype) in cases {
        let res = app
            .client
            .post(app.url(path))
            .header("content-type", ctype)
            .body(payload.clone())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let b: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{path} {:?} -> {status} {b}",
            String::from_utf8_lossy(&payload)
        );
        assert!(
            b["code"].is_string() && b["message"].is_string(),
            "{path}: {b}"
        );
    }
    let v = body(
        app.client
            .post(app.url("/login"))
            .json(&json!({"email": 42}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["code"], "system.validation");
    assert_eq!(
        v["errors"],
        json!([{"field": "email", "tag": "string"}, {"field": "password", "tag": "required"}])
    );

    let huge = "x".repeat(200 * 1024);
    let res = app
        .client
        .post(app.url("/login"))
        .json(&json!({"email": huge, "password": huge}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body(res).await["code"], "system.body_too_large");

    // Nothing changed: the account still signs in (three wrong codes above stay under the lock).
    assert_eq!(
        login(&app, &app.client, "carol@example.com", PW)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    app.stop().await;
}

async fn sms_binding_and_sign_in(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("dave@example.com", PW).await;
    login(&app, &app.client, "dave@example.com", PW).await;
    let phone = "+15550001234";
    let r = app
        .client
        .get(app.url(&format!("/user/phone_code?phone={}", "%2B15550001234")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let code = app.sms_code(phone, 1).await;
    assert_eq!(code.len(), 6);
    let wrong = app
        .client
        .post(app.url("/user/phone"))
        .json(&json!({"phone": phone, "code": "999999x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(wrong).await["msg"], "短信验证码无效");
    let ok = app
        .client
        .post(app.url("/user/phone"))
        .json(&json!({"phone": phone, "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        body(app.client.get(app.url("/user")).send().await.unwrap()).await["phone"],
        "*"
    );

    let other = browser();
    let r = other
        .get(app.url("/login/sms?phone=%2B15550001234"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let again = other
        .get(app.url("/login/sms?phone=%2B15550001234"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body(again).await["msg"],
        "您的验证码请求频繁，请稍后再试",
        "resend cooldown"
    );
    let code = app.sms_code(phone, 2).await;
    let gw = app.sms.requests();
    assert!(gw.iter().all(|r| r.method == "POST" && r.path == "/send"));
    assert!(gw.last().unwrap().body["text"]
        .as_str()
        .unwrap()
        .contains(&code));

    // Twenty browsers race with the same code: exactly one gets in.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (url, code) = (app.url("/login/sms"), code.clone());
        tasks.push(tokio::spawn(async move {
            browser()
                .post(url)
                .json(&json!({"phone": "+15550001234", "code": code}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::NO_CONTENT {
            wins += 1;
        }
    }
    assert_eq!(wins, 1, "a code works once, however many race");

    // Unknown phones get the same answer and no SMS.
    let before = app.sms.requests().len();
    let r = other
        .get(app.url("/login/sms?phone=%2B15559999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.sms.requests().len(),
        before,
        "nothing is sent to an unknown phone"
    );
    app.stop().await;
}

async fn totp_binding_login_and_replay(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("erin@example.com", PW).await;
    let no_totp = app
        .client
        .post(app.url("/login/totp"))
        .json(&json!({"email": "erin@example.com", "code": "123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_totp.status(),
        StatusCode::BAD_REQUEST,
        "an account without TOTP cannot use TOTP login"
    );
    assert_eq!(body(no_totp).await["msg"], "登录验证无效");

    login(&app, &app.client, "erin@example.com", PW).await;
    let uri = body(app.client.get(app.url("/user/totp")).send().await.unwrap()).await["totp"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        uri.starts_with("otpauth://totp/tessera:erin@example.com?issuer=tessera&secret="),
        "{uri}"
    );
    let secret = uri.rsplit("secret=").next().unwrap().to_owned();
    let step = totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp());
    let (prev, now) = (
        totp::code_at_step(&secret, step - 1).unwrap(),
        totp::code_at_step(&secret, step).unwrap(),
    );
    let same = app
        .client
        .post(app.url("/user/totp"))
        .json(&json!({"totp": uri, "tss": [now, now]}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(same).await["msg"], "口令验证码无效");
    let bad_uri = app
        .client
        .post(app.url("/user/totp"))
        .json(&json!({"totp": "otpauth://totp/x?secret=AAAA", "tss": [prev, now]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_uri.status(), StatusCode::BAD_REQUEST);
    let ok = app
        .client
        .post(app.url("/user/totp"))
        .json(&json!({"totp": uri, "tss": [prev, now]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        body(app.client.get(app.url("/user")).send().await.unwrap()).await["totp"],
        "*"
    );

    let used = browser()
        .post(app.url("/login/totp"))
        .json(&json!({"email": "erin@example.com", "code": now}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        used.status(),
        StatusCode::BAD_REQUEST,
        "codes spent on enrolment cannot sign in"
    );
    let next = totp::code_at_step(&secret, step + 1).unwrap();
    let b = browser();
    let ok = b
        .post(app.url("/login/totp"))
        .json(&json!({"email": "erin@example.com", "code": next}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        b.get(app.url("/verify")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let replay = browser()
        .post(app.url("/login/totp"))
        .json(&json!({"email": "erin@example.com", "code": next}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body(replay).await["msg"],
        "登录验证无效",
        "a TOTP code is accepted once"
    );

    let unset = b.delete(app.url("/user/totp")).send().await.unwrap();
    assert_eq!(unset.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        body(b.get(app.url("/user")).send().await.unwrap()).await["totp"],
        ""
    );
    let bogus = b.delete(app.url("/user/password")).send().await.unwrap();
    assert_eq!(body(bogus).await["code"], "system.validation");
    app.stop().await;
}

async fn password_reset_by_mail(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("frank@example.com", PW).await;
    let res = login(&app, &app.client, "frank@example.com", PW).await;
    let token = cookie_value(res.headers(), "TOKEN").unwrap();

    let r = browser()
        .get(app.url("/forget_code?email=frank%40example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let mail = app.mail_to("frank@example.com").await;
    assert_eq!(mail.to, vec!["frank@example.com".to_owned()]);
    assert!(mail.html_body.is_some());
    let code: String = mail
        .text_body
        .split("code is:")
        .nth(1)
        .unwrap()
        .trim()
        .chars()
        .take(6)
        .collect();
    assert!(
        code.chars().all(|c| c.is_ascii_digit()),
        "{}",
        mail.text_body
    );

    let unknown = browser()
        .get(app.url("/forget_code?email=ghost%40example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        StatusCode::NO_CONTENT,
        "no enumeration through the reset request"
    );

    let wrong = browser().post(app.url("/forget_reset")).json(&json!({"email": "frank@example.com", "code": "000000", "password": "brand-new-password-1"})).send().await.unwrap();
    assert_eq!(body(wrong).await["msg"], "邮箱验证码无效");
    let weak = browser()
        .post(app.url("/forget_reset"))
        .json(&json!({"email": "frank@example.com", "code": code, "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body(weak).await["errors"][0]["field"],
        "password",
        "common passwords refused"
    );
    let ok = browser().post(app.url("/forget_reset")).json(&json!({"email": "frank@example.com", "code": code, "password": "brand-new-password-1"})).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        verify_with(&app, &token).await,
        StatusCode::UNAUTHORIZED,
        "a reset ends every session"
    );
    let again = browser().post(app.url("/forget_reset")).json(&json!({"email": "frank@example.com", "code": code, "password": "another-new-password-2"})).send().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "reset codes work once"
    );
    assert_eq!(
        login(&app, &browser(), "frank@example.com", PW)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        login(
            &app,
            &browser(),
            "frank@example.com",
            "brand-new-password-1"
        )
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    app.stop().await;
}

async fn password_change_and_profile(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("gina@example.com", PW).await;
    app.add_user("taken@example.com", PW).await;
    let other = browser();
    let first = login(&app, &other, "gina@example.com", PW).await;
    let old_token = cookie_value(first.headers(), "TOKEN").unwrap();
    // Single session per user: signing in again ends the first session.
    login(&app, &app.client, "gina@example.com", PW).await;
    assert_eq!(
        verify_with(&app, &old_token).await,
        StatusCode::UNAUTHORIZED
    );

    let bad = app
        .client
        .post(app.url("/user/password"))
        .json(&json!({"old": "wrong-password", "password": "new-password-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(bad).await["msg"], "password does not match hash");
    let ok = app
        .client
        .post(app.url("/user/password"))
        .json(&json!({"old": PW, "password": "new-password-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.client
            .get(app.url("/verify"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT,
        "the changing session stays"
    );
    assert!(app
        .mail_to("gina@example.com")
        .await
        .subject
        .contains("password"));

    for (key, field, value) in [
        ("name", "name", "Gina G"),
        ("Avatar", "avatar", "https://example.com/a.png"),
        ("Email", "email", "Gina2@Example.com"),
    ] {
        let r = app
            .client
            .patch(app.url("/user"))
            .json(&json!({"key": key, field: value}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{key}");
    }
    let u = body(app.client.get(app.url("/user")).send().await.unwrap()).await;
    assert_eq!(
        (
            u["name"].as_str(),
            u["avatar"].as_str(),
            u["email"].as_str()
        ),
        (
            Some("Gina G"),
            Some("https://example.com/a.png"),
            Some("Gina2@Example.com")
        )
    );
    let dup = app
        .client
        .patch(app.url("/user"))
        .json(&json!({"key": "email", "email": "TAKEN@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body(dup).await["code"], "system.email_taken");
    let bad_key = app
        .client
        .patch(app.url("/user"))
        .json(&json!({"key": "password", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(bad_key).await["code"], "system.validation");
    assert_eq!(
        login(&app, &browser(), "gina2@example.com", "new-password-77")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    app.stop().await;
}

async fn refresh_code_and_token(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    app.add_user("hank@example.com", PW).await;
    login(&app, &app.client, "hank@example.com", PW).await;
    let code = body(
        app.client
            .get(app.url("/refresh_code"))
            .send()
            .await
            .unwrap(),
    )
    .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .post(app.url("/refresh_token"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let token = cookie_value(res.headers(), "TOKEN").unwrap();
    assert_eq!(verify_with(&app, &token).await, StatusCode::NO_CONTENT);
    let reuse = app
        .client
        .post(app.url("/refresh_token"))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        reuse.status(),
        StatusCode::BAD_REQUEST,
        "refresh codes are single-use"
    );
    let anon = reqwest::Client::new()
        .get(app.url("/refresh_code"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn options_answer_each_type(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.http.weplanx.lark_app_id = "cli_123".into();
        c.http.weplanx.lark_redirect_url = "https://console.example.com/lark".into();
    })
    .await
    else {
        return;
    };
    let get = |t: &'static str| {
        let url = app.url(&format!("/options?type={t}"));
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let up = get("upload").await;
    assert!(up["limit"].as_u64().unwrap() > 0);
    let collab = get("collaboration").await;
    assert_eq!(collab["app_id"], "cli_123");
    assert_eq!(collab["redirect"], "https://console.example.com/lark");
    let s = get("generate-secret").await;
    assert_eq!(
        (
            s["id"].as_str().unwrap().len(),
            s["key"].as_str().unwrap().len()
        ),
        (8, 16)
    );
    assert_eq!(get("nonsense").await, json!({}));
    app.stop().await;
}

async fn production_mode_enforces_csrf(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| c.http.mode = Mode::Production).await else {
        return;
    };
    app.add_user("ivy@example.com", PW).await;
    let c = browser();
    let ping = c.get(app.url("/")).send().await.unwrap();
    let xsrf = cookie_value(ping.headers(), "XSRF-TOKEN").unwrap();
    assert!(
        body(ping).await.get("values").is_none(),
        "no runtime values in production"
    );
    let missing = login(&app, &c, "ivy@example.com", PW).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        body(missing).await["message"],
        "CSRF missing csrf token in header"
    );
    let forged = c
        .post(app.url("/login"))
        .header("x-xsrf-token", "00ff")
        .json(&json!({"email": "ivy@example.com", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(forged).await["message"], "CSRF invalid token");
    let ok = c
        .post(app.url("/login"))
        .header("x-xsrf-token", &xsrf)
        .json(&json!({"email": "ivy@example.com", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    // Another browser's token does not fit this browser's salt.
    let other = browser();
    other.get(app.url("/")).send().await.unwrap();
    let cross = other
        .post(app.url("/login"))
        .header("x-xsrf-token", &xsrf)
        .json(&json!({"email": "ivy@example.com", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn security_headers_and_health(engine: Engine) {
    let Some(app) = app(engine).await else { return };
    let r = reqwest::get(app.url("/user")).await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(
        reqwest::get(app.url("/healthz")).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        reqwest::get(app.url("/readyz")).await.unwrap().status(),
        StatusCode::OK
    );
    let m = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("tessera_http_requests_total"), "{m}");
    assert!(!m.contains("/user/totp?"), "labels are route templates");
    app.stop().await;
}

on_both_engines!(
    sign_in_and_session_lifecycle,
    wrong_password_unknown_account_and_lockout,
    hostile_bodies_get_clear_400s,
    sms_binding_and_sign_in,
    totp_binding_login_and_replay,
    password_reset_by_mail,
    password_change_and_profile,
    refresh_code_and_token,
    options_answer_each_type,
    production_mode_enforces_csrf,
    security_headers_and_health,
);
