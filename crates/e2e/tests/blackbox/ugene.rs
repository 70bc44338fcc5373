//! The Ugene API (`specs/ugene-api.txt`) over HTTP, as its clients use it: the
//! `{module, param, args, language, timestamp}` envelope on `POST /api`, the GET calls with
//! the language in the path, multipart uploads on `PUT /api`, and the
//! `X-Authorization-Token: Bearer …` header. Every answer is HTTP 200 with
//! `{success, answer|error, timestamp, language, session}`. Tessera's decisions from
//! `specs/COMPAT.md` (pending sessions for two-factor, rotation, 1 h restore links, roles,
//! GDPR erasure, upload checks) are checked as specified.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_api::dialects::ugene::codes as c;
use tessera_core::domain::Password;
use tessera_core::services::CreateUser;
use tessera_core::store::{BindOutcome, ExternalBinding};
use tessera_e2e::{on_both_engines, seed_context, Engine, TestApp};

/// The document's example password (digits, lower and upper case).
const PW: &str = "Francis1992";
/// The document's example admin.
const ADMIN: &str = "admin";
const ADMIN_EMAIL: &str = "vucongthanh92@gmail.com";
const ADMIN_PW: &str = "IWremVw4LH";
/// The default `http.public_url`, the base of links in mails.
const PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// A 1×1 PNG.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
    0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `POST /api` with the envelope, optionally authenticated.
async fn call(app: &TestApp, token: Option<&str>, module: &str, param: &str, args: Value) -> Value {
    call_lang(app, token, module, param, args, "en").await
}

async fn call_lang(
    app: &TestApp,
    token: Option<&str>,
    module: &str,
    param: &str,
    args: Value,
    lang: &str,
) -> Value {
    let mut req = reqwest::Client::new().post(app.url("/api")).json(&json!({
        "module": module,
        "param": param,
        "args": args,
        "language": lang,
        "timestamp": "123456789",
    }));
    if let Some(t) = token {
        req = req.header("X-Authorization-Token", format!("Bearer {t}"));
    }
    envelope(req.send().await.unwrap()).await
}

/// `GET /api/{module}/{param}/{lang}{query}`.
async fn get(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(t) = token {
        req = req.header("X-Authorization-Token", format!("Bearer {t}"));
    }
    envelope(req.send().await.unwrap()).await
}

/// Checks the envelope's invariants and returns it.
async fn envelope(res: reqwest::Response) -> Value {
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "envelope answers are HTTP 200"
    );
    assert!(res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
    let v: Value = res.json().await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let ts = v["timestamp"]
        .as_i64()
        .expect("timestamp is the server's unix time");
    assert!((ts - now).abs() < 60, "{v}");
    assert!(v["language"].is_string(), "{v}");
    assert!(v["session"].is_object(), "{v}");
    match v["success"].as_u64() {
        Some(1) => assert!(v["answer"].is_object() && v.get("error").is_none(), "{v}"),
        Some(0) => assert!(v["error"].is_string() && v.get("answer").is_none(), "{v}"),
        _ => panic!("success must be 0 or 1: {v}"),
    }
    v
}

fn ok(v: &Value, message: &str) {
    assert_eq!(v["success"], 1, "{v}");
    assert_eq!(v["answer"]["message"], message, "{v}");
}

fn err(v: &Value, code: &str) {
    assert_eq!(v["success"], 0, "{v}");
    assert_eq!(v["error"], code, "{v}");
}

/// The path and query of a link mailed to `to` that starts with `prefix` (an absolute
/// URL on the default public URL).
async fn mailed_link(app: &TestApp, to: &str, prefix: &str) -> String {
    let mail = app.mail_to(to).await;
    let start = mail
        .text_body
        .find(&format!("{PUBLIC_URL}{prefix}"))
        .unwrap_or_else(|| panic!("no {prefix} link in: {}", mail.text_body));
    let rest = &mail.text_body[start + PUBLIC_URL.len()..];
    rest.split_whitespace().next().unwrap().to_owned()
}

/// A 6-digit code in the `n`-th (1-based) mail to `to` whose subject contains `subject`.
async fn mailed_code(app: &TestApp, to: &str, subject: &str, n: usize) -> String {
    let deadline = tokio::time::Instant::now() + tessera_e2e::DELIVERY_TIMEOUT;
    loop {
        let codes: Vec<String> = app
            .smtp
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
            .filter_map(|m| {
                m.text_body
                    .split(|ch: char| !ch.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .map(str::to_owned)
            })
            .collect();
        if codes.len() >= n {
            return codes[n - 1].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "mail #{n} never reached {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn mails_to(app: &TestApp, to: &str, subject: &str) -> usize {
    app.smtp
        .messages()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
        .count()
}

async fn seed(app: &TestApp, username: &str, email: &str, password: &str, admin: bool) {
    app.core
        .create_user(
            CreateUser {
                email: email.into(),
                password: Some(Password::new(password)),
                name: username.into(),
                username: Some(username.into()),
                is_admin: admin,
                email_verified: true,
            },
            &seed_context(),
        )
        .await
        .expect("seed user");
}

/// Signs in and returns the access token.
async fn signin(app: &TestApp, uname: &str, pass: &str) -> String {
    let v = call(
        app,
        None,
        "auth",
        "signin",
        json!({ "uname": uname, "pass": pass }),
    )
    .await;
    assert_eq!(v["success"], 1, "sign-in of {uname}: {v}");
    v["answer"]["token"].as_str().unwrap().to_owned()
}

async fn admin_token(app: &TestApp) -> String {
    seed(app, ADMIN, ADMIN_EMAIL, ADMIN_PW, true).await;
    signin(app, ADMIN, ADMIN_PW).await
}

async fn uid_of(app: &TestApp, email: &str) -> String {
    app.user_id(email).await.to_simple()
}

fn confirmation_on(cfg: &mut tessera::config::Config) {
    cfg.core.require_email_confirmation = true;
}

async fn signup_confirm_signin_profile(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, confirmation_on).await else {
        return;
    };
    let email = "vucongthanh93@gmail.com";
    let args = json!({ "uname": "user01", "pass": PW, "email": email });
    let v = call(&app, None, "reg", "signup", args.clone()).await;
    ok(&v, c::OK);
    assert_eq!(v["session"], json!({}), "no session before sign-in");
    assert_eq!(v["language"], "en");

    // The same e-mail or username again, and the password rule.
    err(&call(&app, None, "reg", "signup", args).await, c::EXISTS);
    let other = json!({ "uname": "user01", "pass": PW, "email": "x@example.com" });
    err(&call(&app, None, "reg", "signup", other).await, c::EXISTS);
    for weak in ["francis1992", "FRANCIS1992", "Francisabcd", "Fr1"] {
        let args = json!({ "uname": "weak", "pass": weak, "email": "weak@example.com" });
        err(
            &call(&app, None, "reg", "signup", args).await,
            c::WEAK_PASSWORD,
        );
    }
    assert!(app
        .core
        .user_by_email("weak@example.com")
        .await
        .unwrap()
        .is_none());

    // Confirmation is required: the password is checked first, then the address.
    let bad = call(
        &app,
        None,
        "auth",
        "signin",
        json!({ "uname": "user01", "pass": "Wrong1234" }),
    )
    .await;
    err(&bad, c::WRONG_CREDENTIALS);
    let early = call(
        &app,
        None,
        "auth",
        "signin",
        json!({ "uname": "user01", "pass": PW }),
    )
    .await;
    err(&early, c::EMAIL_NOT_CONFIRMED);

    let link = mailed_link(&app, email, "/api/reg/confirm-email/en?hash=").await;
    ok(&get(&app, None, &link).await, c::EMAIL_CONFIRMED);
    err(
        &get(&app, None, "/api/reg/confirm-email/vi?hash=foiWt1").await,
        c::BAD_INPUT,
    );

    // Sign-in by username and by e-mail; the token is an HS256 JWT with `exp`.
    let v = call_lang(
        &app,
        None,
        "auth",
        "signin",
        json!({ "uname": email, "pass": PW }),
        "vi",
    )
    .await;
    assert_eq!(v["language"], "vi", "the request's language is echoed");
    let token = v["answer"]["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert!(v["answer"]["refresh_token"].is_string(), "{v}");
    let s = &v["session"];
    assert_eq!(s["completed"], 1);
    assert_eq!(s["is_admin"], 0);
    assert_eq!(s["uid"], uid_of(&app, email).await);
    assert_eq!(
        s["session_exp"].as_i64().unwrap(),
        v["timestamp"].as_i64().unwrap() + 7200
    );

    let p = get(&app, Some(token), "/api/user/profile/en").await;
    assert_eq!(p["success"], 1, "{p}");
    let data = p["answer"]["data"].as_object().unwrap();
    let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "admin",
            "completed",
            "created_at",
            "deleted",
            "email",
            "logged_at",
            "mailconfirmed",
            "mailsent",
            "restricted",
            "status",
            "uid",
            "updated_at",
            "username"
        ]
    );
    assert_eq!(data["username"], "user01");
    assert_eq!(data["email"], email);
    assert_eq!(data["admin"], false);
    assert_eq!(data["completed"], true);
    assert_eq!(data["status"], true);
    assert!(data["mailsent"].as_i64().unwrap() > 0);
    assert!(data["mailconfirmed"].as_i64().unwrap() >= data["mailsent"].as_i64().unwrap());
    assert!(data["logged_at"].as_i64().unwrap() > 0);
    assert_eq!(p["session"]["uid"], data["uid"]);

    // Without or with a wrong token: 004004 and an empty session.
    let none = get(&app, None, "/api/user/profile/en").await;
    err(&none, c::TOKEN_WRONG);
    assert_eq!(none["session"], json!({}));
    err(
        &get(
            &app,
            Some("eyJhbGciOiJIUzI1NiJ9.e30.x"),
            "/api/user/profile/en",
        )
        .await,
        c::TOKEN_WRONG,
    );

    // The account works in the other dialects.
    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .json(&json!({ "email": email, "password": PW }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "weplanx sign-in");
    app.stop().await;
}

async fn two_factor_by_email(engine: Engine) {
    let Some(app) =
        TestApp::spawn_with(engine, |cfg| cfg.core.codes.resend_cooldown_secs = 0).await
    else {
        return;
    };
    let email = "otp@example.com";
    seed(&app, "otpuser", email, PW, false).await;
    let token = signin(&app, "otpuser", PW).await;
    let v = get(&app, Some(&token), "/api/user/switch-2fa/en").await;
    let row = &v["answer"]["data"];
    assert_eq!(row["ConfigKey"], "auth_two_factor");
    assert_eq!(row["CurrentValue"], "1");
    assert_eq!(row["DefaultValue"], "0");
    assert_eq!(row["ConfigGroup"], "security");
    assert_eq!(row["UID"], uid_of(&app, email).await);

    // No otp: one mail, a pending token with completed 0, nothing else.
    let before = mails_to(&app, email, "sign-in code");
    let v = call(
        &app,
        None,
        "auth",
        "signin",
        json!({ "uname": "otpuser", "pass": PW }),
    )
    .await;
    assert_eq!(v["success"], 1, "{v}");
    assert_eq!(v["answer"]["message"], c::OTP_SENT);
    assert_eq!(v["session"]["completed"], 0);
    let pending = v["answer"]["token"].as_str().unwrap().to_owned();
    let first = mailed_code(&app, email, "sign-in code", before + 1).await;
    for path in [
        "/api/user/profile/en",
        "/api/gdpr/show-data/en",
        "/api/user/switch-2fa/en",
    ] {
        err(&get(&app, Some(&pending), path).await, c::OTP_REQUIRED);
    }
    let res = reqwest::Client::new()
        .get(app.url("/verify"))
        .header("cookie", format!("TOKEN={pending}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "not a session in weplanx either"
    );

    // resend-otp: a new code; the previous one stops working.
    let r = get(&app, Some(&pending), "/api/user/resend-otp/en").await;
    ok(&r, c::OTP_SENT);
    assert_eq!(r["session"]["completed"], 0);
    let second = mailed_code(&app, email, "sign-in code", before + 2).await;
    if first != second {
        let stale = json!({ "uname": "otpuser", "pass": PW, "otp": first });
        err(
            &call(&app, None, "auth", "signin", stale).await,
            c::OTP_INVALID,
        );
    }
    let good = json!({ "uname": "otpuser", "pass": PW, "otp": second });
    let v = call(&app, None, "auth", "signin", good.clone()).await;
    assert_eq!(v["session"]["completed"], 1, "{v}");
    let full = v["answer"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&app, Some(&full), "/api/user/profile/en").await["success"],
        1
    );
    // The code works once; a full session has nothing to resend.
    err(
        &call(&app, None, "auth", "signin", good).await,
        c::OTP_INVALID,
    );
    err(
        &get(&app, Some(&full), "/api/user/resend-otp/en").await,
        c::FUNCTION_FAILED,
    );
    app.stop().await;
}

async fn refresh_rotates_and_logout(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    seed(&app, "rot", "rot@example.com", PW, false).await;
    let v = call(
        &app,
        None,
        "auth",
        "signin",
        json!({ "uname": "rot", "pass": PW }),
    )
    .await;
    let refresh = v["answer"]["refresh_token"].as_str().unwrap().to_owned();
    let args = json!({ "refresh-token": refresh });
    let r = call(&app, None, "auth", "refresh-session", args).await;
    assert_eq!(r["success"], 1, "{r}");
    let access = r["answer"]["access-token"].as_str().unwrap().to_owned();
    let rotated = r["answer"]["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, refresh, "the refresh token rotates");
    assert_eq!(r["session"]["completed"], 1);
    assert_eq!(
        get(&app, Some(&access), "/api/user/profile/en").await["success"],
        1
    );
    let bad = call(
        &app,
        None,
        "auth",
        "refresh-session",
        json!({ "refresh-token": "Be0CZUzxeWUChLMkgG" }),
    )
    .await;
    err(&bad, c::REFRESH_INVALID);
    assert_eq!(bad["session"], json!({}));

    // Plain logout ends this session only.
    let other = signin(&app, "rot", PW).await;
    ok(
        &get(&app, Some(&access), "/api/user/logout/en").await,
        c::LOGGED_OUT,
    );
    err(
        &get(&app, Some(&access), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );
    assert_eq!(
        get(&app, Some(&other), "/api/user/profile/en").await["success"],
        1
    );
    let refreshed = call(
        &app,
        None,
        "auth",
        "refresh-session",
        json!({ "refresh-token": rotated }),
    )
    .await;
    err(&refreshed, c::REFRESH_INVALID);

    // With ?refresh-token= every session ends.
    let third = signin(&app, "rot", PW).await;
    ok(
        &get(
            &app,
            Some(&other),
            "/api/user/logout/en?refresh-token=OpxoDHhyPLuPq7GDWa",
        )
        .await,
        c::LOGGED_OUT,
    );
    err(
        &get(&app, Some(&third), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );
    err(
        &get(&app, Some(&other), "/api/user/logout/en").await,
        c::TOKEN_WRONG,
    );
    app.stop().await;
}

async fn restore_password(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let email = "restore@example.com";
    seed(&app, "restorer", email, PW, false).await;
    let old_session = signin(&app, "restorer", PW).await;
    ok(
        &call(
            &app,
            None,
            "auth",
            "restore-pwd",
            json!({ "uname": "restorer" }),
        )
        .await,
        c::RESTORE_SENT,
    );
    let link = mailed_link(&app, email, "/api/auth/verify-pwd/en?hash=").await;
    ok(&get(&app, None, &link).await, c::PASSWORD_RESTORED);
    let mail = app.mail_to(email).await;
    assert!(mail.subject.contains("new password"), "{}", mail.subject);
    let new_pw = mail
        .text_body
        .split_whitespace()
        .find(|w| w.len() == 16 && w.chars().all(|ch| ch.is_ascii_alphanumeric()))
        .expect("the generated password is in the mail")
        .to_owned();
    signin(&app, "restorer", &new_pw).await;
    err(
        &call(
            &app,
            None,
            "auth",
            "signin",
            json!({ "uname": "restorer", "pass": PW }),
        )
        .await,
        c::WRONG_CREDENTIALS,
    );
    err(
        &get(&app, Some(&old_session), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );
    err(&get(&app, None, &link).await, c::BAD_INPUT);

    // An unknown name answers like a known one (no enumeration), and sends nothing.
    let mails = app.smtp.messages().len();
    ok(
        &call(
            &app,
            None,
            "auth",
            "restore-pwd",
            json!({ "uname": "nobody" }),
        )
        .await,
        c::RESTORE_SENT,
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.smtp.messages().len(), mails);
    app.stop().await;

    let Some(app) =
        TestApp::spawn_with(engine, |cfg| cfg.http.ugene.reveal_unknown_login = true).await
    else {
        return;
    };
    err(
        &call(
            &app,
            None,
            "auth",
            "restore-pwd",
            json!({ "uname": "nobody" }),
        )
        .await,
        c::WRONG_CREDENTIALS,
    );
    app.stop().await;
}

async fn admin_roles_and_permissions(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let admin = admin_token(&app).await;
    seed(&app, "user02", "vucongthanh95@gmail.com", PW, false).await;
    let plain = signin(&app, "user02", PW).await;
    let list = json!({ "sort": "desc", "filter": "", "pagesize": 10, "pageno": "1" });

    err(
        &call(&app, Some(&plain), "admin", "show-users", list.clone()).await,
        c::LISTING_REFUSED,
    );
    err(
        &call(&app, None, "admin", "show-users", list.clone()).await,
        c::LISTING_REFUSED,
    );
    let v = call(&app, Some(&admin), "admin", "show-users", list.clone()).await;
    let rows = v["answer"]["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["username"], "user02", "newest first with desc");
    assert_eq!(rows[1]["is_admin"], true);
    assert!(rows[0]["id"].is_i64());
    let filtered = json!({ "sort": "asc", "filter": "vucongthanh95", "pagesize": 10, "pageno": 1 });
    let v = call(&app, Some(&admin), "admin", "show-users", filtered).await;
    assert_eq!(v["answer"]["data"].as_array().unwrap().len(), 1, "{v}");

    // A role with exactly show-users (1).
    let v = call(
        &app,
        Some(&admin),
        "admin",
        "create-role",
        json!({ "name": "role 1", "permissions": [1], "status": true }),
    )
    .await;
    ok(&v, c::ROLE_SAVED);
    let role = v["answer"]["id"].as_i64().unwrap();
    let bad = json!({ "name": "role 2", "permissions": [4, 99], "status": true });
    err(
        &call(&app, Some(&admin), "admin", "create-role", bad).await,
        c::ROLE_INVALID,
    );
    let dup = json!({ "name": "ROLE 1", "permissions": [2], "status": true });
    err(
        &call(&app, Some(&admin), "admin", "create-role", dup).await,
        c::ROLE_INVALID,
    );
    err(
        &call(
            &app,
            Some(&plain),
            "admin",
            "create-role",
            json!({ "name": "mine", "permissions": [1,2,3,4,5,6,7,8,9] }),
        )
        .await,
        c::FORBIDDEN,
    );

    // A malformed modify-role is refused; it never reads as "only an id" (a delete).
    for args in [
        json!({ "id": role, "name": 5 }),
        json!({ "id": role, "status": "yes" }),
        json!({ "id": role, "permissions": "1" }),
    ] {
        err(
            &call(&app, Some(&admin), "admin", "modify-role", args).await,
            c::ROLE_INVALID,
        );
    }
    let user02 = uid_of(&app, "vucongthanh95@gmail.com").await;
    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "assign-role",
            json!({ "uid": user02, "role_id": role }),
        )
        .await,
        c::ROLE_ASSIGNED,
    );
    assert_eq!(
        call(&app, Some(&plain), "admin", "show-users", list.clone()).await["success"],
        1
    );
    err(
        &call(&app, Some(&plain), "admin", "users-info", list.clone()).await,
        c::LISTING_REFUSED,
    );
    let add = json!({ "uname": "user04", "pass": "Francis@1992", "email": "vucongthanh97@gmail.com", "status": true });
    err(
        &call(&app, Some(&plain), "admin", "add-user", add.clone()).await,
        c::FORBIDDEN,
    );
    let admin_uid = uid_of(&app, ADMIN_EMAIL).await;
    err(
        &call(
            &app,
            Some(&plain),
            "admin",
            "change-user-status",
            json!({ "uid": admin_uid, "status": false }),
        )
        .await,
        c::FORBIDDEN,
    );

    // The admin adds a user; users-info shows its creator and settings.
    ok(
        &call(&app, Some(&admin), "admin", "add-user", add.clone()).await,
        c::OK,
    );
    err(
        &call(&app, Some(&admin), "admin", "add-user", add).await,
        c::EXISTS,
    );
    let v = call(
        &app,
        Some(&admin),
        "admin",
        "users-info",
        json!({ "sort": "desc", "pagesize": 1, "pageno": 1 }),
    )
    .await;
    let row = &v["answer"]["data"][0];
    assert_eq!(row["username"], "user04");
    assert_eq!(row["creator_id"], admin_uid);
    assert_eq!(row["config"][0]["ConfigKey"], "auth_two_factor");
    signin(&app, "user04", "Francis@1992").await;

    // Disabling the role takes the permission away; delete-role as the document sends it.
    let off = json!({ "id": role, "name": "role 1", "permissions": [1], "status": false });
    ok(
        &call(&app, Some(&admin), "admin", "modify-role", off).await,
        c::ROLE_SAVED,
    );
    err(
        &call(&app, Some(&plain), "admin", "show-users", list.clone()).await,
        c::LISTING_REFUSED,
    );
    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "modify-role",
            json!({ "id": role }),
        )
        .await,
        c::ROLE_DELETED,
    );
    err(
        &call(
            &app,
            Some(&admin),
            "admin",
            "delete-role",
            json!({ "id": role }),
        )
        .await,
        c::ROLE_NOT_FOUND,
    );

    // change-admin, and the module description.
    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-admin",
            json!({ "uid": user02, "is_admin": true }),
        )
        .await,
        c::ADMIN_CHANGED,
    );
    err(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-admin",
            json!({ "uid": admin_uid, "is_admin": false }),
        )
        .await,
        c::ACTION_REFUSED,
    );
    let v = call(
        &app,
        Some(&plain),
        "admin",
        "show-module",
        json!({ "module": "admin" }),
    )
    .await;
    assert_eq!(v["answer"]["data"]["name"], "Module Admin", "{v}");
    err(
        &call(
            &app,
            Some(&plain),
            "admin",
            "show-module",
            json!({ "module": "nope" }),
        )
        .await,
        c::UNKNOWN_MODULE,
    );

    // Every admin action is audited with its actor.
    let admin_id = app.user_id(ADMIN_EMAIL).await;
    let trail = app.core.audit_trail(Some(admin_id), 200).await.unwrap();
    for action in [
        "admin.role_create",
        "admin.role_assign",
        "admin.role_modify",
        "admin.role_delete",
        "admin.set_admin",
        "admin.list_users",
    ] {
        assert!(
            trail
                .iter()
                .any(|e| e.action == action && e.actor == Some(admin_id)),
            "{action} audited"
        );
    }
    let denied = app
        .core
        .audit_trail(Some(app.user_id("vucongthanh95@gmail.com").await), 200)
        .await
        .unwrap();
    assert!(denied.iter().any(|e| e.action == "admin.denied"));
    app.stop().await;
}

async fn blocking_ends_sessions_in_every_dialect(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let email = "blocked@example.com";
    seed(&app, "blocked", email, PW, false).await;
    let token = signin(&app, "blocked", PW).await;
    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .json(&json!({ "email": email, "password": PW }))
        .send()
        .await
        .unwrap();
    let cookie = tessera_e2e::cookie_value(res.headers(), "TOKEN").expect("weplanx TOKEN");
    let uid = uid_of(&app, email).await;

    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-user-status",
            json!({ "uid": uid, "status": false }),
        )
        .await,
        c::OK,
    );
    err(
        &get(&app, Some(&token), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );
    let res = reqwest::Client::new()
        .get(app.url("/verify"))
        .header("cookie", format!("TOKEN={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "weplanx session ended too"
    );
    err(
        &call(
            &app,
            None,
            "auth",
            "signin",
            json!({ "uname": "blocked", "pass": PW }),
        )
        .await,
        c::WRONG_CREDENTIALS,
    );
    err(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-user-status",
            json!({ "uid": "nope", "status": false }),
        )
        .await,
        c::STATUS_FAILED,
    );
    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-user-status",
            json!({ "uid": uid, "status": true }),
        )
        .await,
        c::OK,
    );
    signin(&app, "blocked", PW).await;
    app.stop().await;
}

async fn registration_switch_applies_everywhere(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let status = get(&app, None, "/api/general/status/en").await;
    assert_eq!(
        status["answer"]["data"]["Config"]["allow-registration"],
        true
    );
    assert_eq!(
        status["answer"]["data"]["Config"]["comfirmation-email"],
        false
    );
    assert_eq!(status["answer"]["data"]["App"]["default-language"], "en");

    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-registration",
            json!({ "status": false }),
        )
        .await,
        c::CONFIG_UPDATED,
    );
    let status = get(&app, None, "/api/general/status/en").await;
    assert_eq!(
        status["answer"]["data"]["Config"]["allow-registration"],
        false
    );
    let args = json!({ "uname": "late", "pass": PW, "email": "late@example.com" });
    err(
        &call(&app, None, "reg", "signup", args.clone()).await,
        c::REGISTRATION_CLOSED,
    );
    let res = reqwest::Client::new()
        .post(app.url("/auth/register"))
        .json(&json!({ "name": "Late", "email": "late2@example.com", "passwd": "correct-horse-battery", "repasswd": "correct-horse-battery", "imtype": 1, "wechat": "x" }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["ret"], 0, "SSPanel registration closed too: {body}");

    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "switch-confirm-email",
            json!({ "status": true }),
        )
        .await,
        c::CONFIG_UPDATED,
    );
    ok(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-registration",
            json!({ "status": true }),
        )
        .await,
        c::CONFIG_UPDATED,
    );
    ok(&call(&app, None, "reg", "signup", args).await, c::OK);
    mailed_link(&app, "late@example.com", "/api/reg/confirm-email/en?hash=").await;
    err(
        &call(
            &app,
            Some(&admin),
            "admin",
            "change-registration",
            json!({ "status": "maybe" }),
        )
        .await,
        c::CONFIG_FAILED,
    );
    app.stop().await;
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    param: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Value {
    let kind = if param == "upload-avatar" {
        "avatar"
    } else {
        "file"
    };
    let form = Form::new()
        .part(
            "source",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .text("type", kind)
        .text("module", "user")
        .text("param", param.to_owned());
    let mut req = reqwest::Client::new().put(app.url("/api")).multipart(form);
    if let Some(t) = token {
        req = req.header("X-Authorization-Token", format!("Bearer {t}"));
    }
    envelope(req.send().await.unwrap()).await
}

async fn files_and_avatars(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |cfg| {
        cfg.core.files.max_file_bytes = 4096;
        cfg.core.files.max_avatar_bytes = 2048;
        cfg.core.files.user_quota_bytes = 6000;
    })
    .await
    else {
        return;
    };
    let admin = admin_token(&app).await;
    seed(&app, "owner", "owner@example.com", PW, false).await;
    seed(&app, "other", "other@example.com", PW, false).await;
    let owner = signin(&app, "owner", PW).await;
    let other = signin(&app, "other", PW).await;
    let owner_id = app.user_id("owner@example.com").await;

    let content = b"demo file \x00\x01 contents".to_vec();
    let v = upload(
        &app,
        Some(&owner),
        "upload-file",
        "../../demo.txt",
        content.clone(),
    )
    .await;
    ok(&v, c::OK);
    let id = v["answer"]["fileid"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 10);

    let res = reqwest::Client::new()
        .get(app.url(&format!("/download/file/{id}")))
        .header("X-Authorization-Token", format!("Bearer {owner}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("demo.txt")
            && !disposition.contains(".."),
        "{disposition}"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().to_vec(), content);

    // Not yours: the same answer as a file that does not exist. An admin may download.
    let path = format!("/download/file/{id}");
    err(&get(&app, Some(&other), &path).await, c::FILE_NOT_FOUND);
    err(
        &get(&app, Some(&other), "/download/file/42COG9mX6z").await,
        c::FILE_NOT_FOUND,
    );
    err(&get(&app, None, &path).await, c::TOKEN_WRONG);
    let res = reqwest::Client::new()
        .get(app.url(&path))
        .header("X-Authorization-Token", format!("Bearer {admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), content);

    // Refused uploads leave nothing behind.
    let stored = |app: &TestApp| {
        let store = app.core.store().clone();
        async move { store.user_files(owner_id).await.unwrap().len() }
    };
    assert_eq!(stored(&app).await, 1);
    err(
        &upload(&app, Some(&owner), "upload-file", "big.bin", vec![7; 5000]).await,
        c::FILE_TOO_LARGE,
    );
    ok(
        &upload(&app, Some(&owner), "upload-file", "a.bin", vec![1; 4000]).await,
        c::OK,
    );
    err(
        &upload(&app, Some(&owner), "upload-file", "b.bin", vec![2; 4000]).await,
        c::QUOTA_EXCEEDED,
    );
    err(
        &upload(
            &app,
            Some(&owner),
            "upload-avatar",
            "x.png",
            b"<svg onload=alert(1)>".to_vec(),
        )
        .await,
        c::NOT_AN_IMAGE,
    );
    let mut big_png = PNG_1X1.to_vec();
    big_png.resize(3000, 0);
    err(
        &upload(&app, Some(&owner), "upload-avatar", "big.png", big_png).await,
        c::FILE_TOO_LARGE,
    );
    assert_eq!(
        stored(&app).await,
        2,
        "only the accepted uploads are stored"
    );
    let anon = upload(&app, None, "upload-file", "a.txt", b"x".to_vec()).await;
    err(&anon, c::ACTION_REFUSED);
    assert_eq!(anon["session"], json!({}));
    let res = reqwest::Client::new()
        .put(app.url("/api"))
        .header("X-Authorization-Token", format!("Bearer {owner}"))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nunterminated")
        .send()
        .await
        .unwrap();
    err(&envelope(res).await, c::BAD_UPLOAD);
    assert_eq!(stored(&app).await, 2);

    // A real image becomes the avatar, re-encoded as PNG; anyone signed in can see it.
    ok(
        &upload(
            &app,
            Some(&owner),
            "upload-avatar",
            "me.png",
            PNG_1X1.to_vec(),
        )
        .await,
        c::OK,
    );
    for (token, path) in [
        (&owner, "/image/user/avatar".to_owned()),
        (
            &other,
            format!("/image/user/avatar/{}", owner_id.to_simple()),
        ),
    ] {
        let res = reqwest::Client::new()
            .get(app.url(&path))
            .header("X-Authorization-Token", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        assert!(res.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    err(
        &get(&app, Some(&other), "/image/user/avatar").await,
        c::FILE_NOT_FOUND,
    );
    app.stop().await;
}

/// A Google subject (`sub`) bound to the account whose data is shown, exported and erased.
const SUBJECT: &str = "110248495921238986420";

async fn gdpr_show_export_restrict_forget(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let email = "subject@example.com";
    seed(&app, "subject", email, PW, false).await;
    let token = signin(&app, "subject", PW).await;
    ok(
        &upload(
            &app,
            Some(&token),
            "upload-file",
            "notes.txt",
            b"private".to_vec(),
        )
        .await,
        c::OK,
    );
    // A social sign-in's subject bound to the account is personal data too.
    let uid = app.user_id(email).await;
    let linked_at = app.core.now();
    let bound = app
        .core
        .store()
        .bind_external(&ExternalBinding {
            provider: "google".into(),
            subject: SUBJECT.into(),
            user_id: uid,
            created_at: linked_at,
        })
        .await
        .unwrap();
    assert_eq!(bound, BindOutcome::Bound);

    let v = get(&app, Some(&token), "/api/gdpr/show-data/en").await;
    let data = &v["answer"]["data"];
    assert_eq!(data["user-info"]["email"], email);
    assert_eq!(data["user-config"][0]["config-key"], "auth_two_factor");
    assert_eq!(data["user-hash"], json!([]));
    assert_eq!(data["export"]["account"]["email"], email);
    assert_eq!(data["export"]["files"][0]["name"], "notes.txt");
    assert_eq!(
        data["export"]["external_identities"],
        json!([{
            "provider": "google",
            "subject": SUBJECT,
            "created_at": linked_at.unix_timestamp(),
        }])
    );
    assert!(
        !v.to_string().contains("$argon2"),
        "no password hash is shown"
    );

    ok(
        &get(&app, Some(&token), "/api/gdpr/export-data/en").await,
        c::GDPR_DONE,
    );
    let mail = app.mail_to(email).await;
    assert!(mail.subject.contains("export"), "{}", mail.subject);
    assert!(mail.text_body.contains(email) && mail.text_body.contains("notes.txt"));
    assert!(
        mail.text_body.contains("external_identities") && mail.text_body.contains(SUBJECT),
        "the mailed export lists the bound subject"
    );

    ok(
        &get(&app, Some(&token), "/api/gdpr/restrict/en").await,
        c::RESTRICTED,
    );
    err(
        &call(
            &app,
            Some(&token),
            "user",
            "change-email",
            json!({ "email": "new@example.com" }),
        )
        .await,
        c::PROCESSING_RESTRICTED,
    );
    err(
        &upload(&app, Some(&token), "upload-file", "more.txt", b"x".to_vec()).await,
        c::PROCESSING_RESTRICTED,
    );
    assert_eq!(
        get(&app, Some(&token), "/api/user/profile/en").await["answer"]["data"]["restricted"],
        true
    );

    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .json(&json!({ "email": email, "password": PW }))
        .send()
        .await
        .unwrap();
    let cookie = tessera_e2e::cookie_value(res.headers(), "TOKEN").expect("weplanx TOKEN");
    ok(
        &get(&app, Some(&token), "/api/gdpr/forget-me/en").await,
        c::GDPR_DONE,
    );
    let res = reqwest::Client::new()
        .get(app.url("/verify"))
        .header("cookie", format!("TOKEN={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "forgetting ends the weplanx session too"
    );
    err(
        &get(&app, Some(&token), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );
    let gone = get(&app, None, "/api/gdpr/forget-me/en").await;
    err(&gone, c::ACTION_REFUSED);
    assert_eq!(gone["session"], json!({}));
    err(
        &call(
            &app,
            None,
            "auth",
            "signin",
            json!({ "uname": "subject", "pass": PW }),
        )
        .await,
        c::WRONG_CREDENTIALS,
    );
    assert!(app.core.store().user_files(uid).await.unwrap().is_empty());
    assert!(
        app.core
            .store()
            .identities_of_user(uid)
            .await
            .unwrap()
            .is_empty(),
        "the bound subject is erased"
    );
    assert_eq!(
        app.core
            .store()
            .user_by_external("google", SUBJECT)
            .await
            .unwrap(),
        None
    );
    assert!(
        app.core.user_by_email(email).await.unwrap().is_none(),
        "the address is released"
    );
    let trail = app.core.audit_trail(Some(uid), 100).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "account.erase"));
    assert!(
        trail.iter().all(|e| e.ip.is_none()),
        "the audit trail keeps no address of the erased user"
    );
    // The address can register again, as a new account.
    ok(
        &call(
            &app,
            None,
            "reg",
            "signup",
            json!({ "uname": "subject", "pass": PW, "email": email }),
        )
        .await,
        c::OK,
    );
    app.stop().await;
}

async fn account_changes(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, confirmation_on).await else {
        return;
    };
    seed(&app, "changer", "changer@example.com", PW, false).await;
    seed(&app, "taken", "taken@example.com", PW, false).await;
    let token = signin(&app, "changer", PW).await;
    let second = signin(&app, "changer", PW).await;
    err(
        &call(
            &app,
            Some(&token),
            "user",
            "change-email",
            json!({ "email": "taken@example.com" }),
        )
        .await,
        c::EXISTS,
    );
    ok(
        &call(
            &app,
            Some(&token),
            "user",
            "change-email",
            json!({ "email": "vucongthanh94@gmail.com" }),
        )
        .await,
        c::EMAIL_CHANGED,
    );
    let p = get(&app, Some(&token), "/api/user/profile/en").await;
    assert_eq!(
        p["answer"]["data"]["mailconfirmed"], 0,
        "the new address needs confirming"
    );
    assert_eq!(p["answer"]["data"]["completed"], false);
    mailed_link(
        &app,
        "vucongthanh94@gmail.com",
        "/api/reg/confirm-email/en?hash=",
    )
    .await;

    let wrong = json!({ "current-pwd": "VdtYttuHgr1", "new-pwd": "Francis1993" });
    err(
        &call(&app, Some(&token), "user", "change-pwd", wrong).await,
        c::CHANGE_PASSWORD_FAILED,
    );
    let weak = json!({ "current-pwd": PW, "new-pwd": "alllowercase1" });
    err(
        &call(&app, Some(&token), "user", "change-pwd", weak).await,
        c::CHANGE_PASSWORD_FAILED,
    );
    let good = json!({ "current-pwd": PW, "new-pwd": "Francis1993" });
    ok(
        &call_lang(&app, Some(&token), "user", "change-pwd", good, "chi").await,
        c::PASSWORD_CHANGED,
    );
    assert_eq!(
        get(&app, Some(&token), "/api/user/profile/en").await["success"],
        1,
        "this session stays"
    );
    err(
        &get(&app, Some(&second), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );

    ok(
        &get(&app, Some(&token), "/api/user/delete-account/en").await,
        c::ACCOUNT_DELETED,
    );
    err(
        &get(&app, Some(&token), "/api/user/profile/en").await,
        c::TOKEN_WRONG,
    );
    app.stop().await;
}

async fn hostile_requests(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    seed(&app, "victim", "victim@example.com", PW, false).await;
    let token = signin(&app, "victim", PW).await;
    let raw = |body: String| {
        let app_url = app.url("/api");
        async move {
            reqwest::Client::new()
                .post(app_url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    err(&envelope(raw("{not json".into()).await).await, c::BAD_INPUT);
    err(&envelope(raw("[1,2]".into()).await).await, c::BAD_INPUT);
    err(
        &envelope(raw(r#"{"module":"reg","param":"signup","args":"x"}"#.into()).await).await,
        c::BAD_INPUT,
    );
    err(
        &envelope(raw(r#"{"module":5,"param":"signup"}"#.into()).await).await,
        c::BAD_INPUT,
    );
    let huge = format!(
        r#"{{"module":"reg","param":"signup","args":{{"uname":"{}"}}}}"#,
        "x".repeat(100_000)
    );
    err(&envelope(raw(huge).await).await, c::BODY_TOO_LARGE);
    err(
        &call(&app, None, "nope", "x", json!({})).await,
        c::UNKNOWN_MODULE,
    );
    err(
        &call(&app, None, "user", "nope", json!({})).await,
        c::UNKNOWN_PARAM,
    );
    err(&get(&app, None, "/api/nope/x/en").await, c::UNKNOWN_MODULE);
    for args in [
        json!({ "uname": 5, "pass": PW, "email": "a@b.c" }),
        json!({ "uname": ["x"], "pass": PW, "email": "a@b.c" }),
        json!({ "uname": "ok", "pass": PW, "email": "not-an-email" }),
        json!({ "uname": "../../x", "pass": PW, "email": "a2@b.c" }),
    ] {
        err(&call(&app, None, "reg", "signup", args).await, c::BAD_INPUT);
    }
    err(
        &call(
            &app,
            None,
            "auth",
            "signin",
            json!({ "uname": {}, "pass": PW }),
        )
        .await,
        c::BAD_INPUT,
    );
    err(
        &get(&app, None, "/api/reg/confirm-email/en").await,
        c::BAD_INPUT,
    );
    err(
        &get(
            &app,
            None,
            &format!("/api/auth/verify-pwd/en?hash={}", "A".repeat(64)),
        )
        .await,
        c::BAD_INPUT,
    );
    // A plain user cannot act on another account.
    let victim = uid_of(&app, "victim@example.com").await;
    err(
        &call(
            &app,
            Some(&token),
            "admin",
            "change-admin",
            json!({ "uid": victim, "is_admin": true }),
        )
        .await,
        c::FORBIDDEN,
    );
    err(
        &call(
            &app,
            Some(&token),
            "admin",
            "assign-role",
            json!({ "uid": victim, "role_id": 1 }),
        )
        .await,
        c::FORBIDDEN,
    );
    // Lockout is shared with the other dialects.
    for _ in 0..10 {
        let _ = call(
            &app,
            None,
            "auth",
            "signin",
            json!({ "uname": "victim", "pass": "Wrong1234x" }),
        )
        .await;
    }
    err(
        &call(
            &app,
            None,
            "auth",
            "signin",
            json!({ "uname": "victim", "pass": PW }),
        )
        .await,
        c::LOCKED,
    );
    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .json(&json!({ "email": "victim@example.com", "password": PW }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "weplanx sees the same lock"
    );
    app.stop().await;
}

on_both_engines!(
    signup_confirm_signin_profile,
    two_factor_by_email,
    refresh_rotates_and_logout,
    restore_password,
    admin_roles_and_permissions,
    blocking_ends_sessions_in_every_dialect,
    registration_switch_applies_everywhere,
    files_and_avatars,
    gdpr_show_export_restrict_forget,
    account_changes,
    hostile_requests,
);

/// The document's request bodies, sent literally (timestamps as strings or numbers,
/// `language` missing in some), in the order a client would: each gets the documented
/// success code and shape.
async fn the_documents_examples_work_as_written(engine: Engine) {
    let Some(app) =
        TestApp::spawn_with(engine, |cfg| cfg.core.codes.resend_cooldown_secs = 0).await
    else {
        return;
    };
    seed(&app, ADMIN, ADMIN_EMAIL, ADMIN_PW, true).await;
    let post = |token: Option<String>, body: &'static str| {
        let url = app.url("/api");
        async move {
            let mut req = reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .body(body);
            if let Some(t) = token {
                req = req.header("X-Authorization-Token", format!("Bearer {t}"));
            }
            envelope(req.send().await.unwrap()).await
        }
    };
    // 1. Sign up (the document's literal body).
    let v = post(None, r#"{"module":"reg","param":"signup","args":{"uname":"user01","pass":"Francis1992","email":"vucongthanh92@example.com"},"language":"en","timestamp":"111111"}"#).await;
    ok(&v, "100100");
    assert_eq!(v["session"], json!({}));
    let v = post(None, r#"{"module":"reg","param":"signup","args":{"uname":"user09","pass":"Francis1992","email":"vucongthanh92@gmail.com"},"language":"en","timestamp":"111111"}"#).await;
    err(&v, "001402");
    // 2. Resend the confirmation (language vi is echoed).
    let v = post(None, r#"{"module":"reg","param":"resend-confirm","args":{"email":"vucongthanh92@example.com"},"language":"vi","timestamp":"123456789"}"#).await;
    ok(&v, "100007");
    assert_eq!(v["language"], "vi");
    // 4. Sign in as the document's admin, with its (ignored) otp.
    let v = post(None, r#"{"module":"auth","param":"signin","args":{"uname":"admin","pass":"IWremVw4LH","otp":"991805"},"language":"ru","timestamp":"123456789"}"#).await;
    assert_eq!(v["success"], 1, "{v}");
    assert_eq!(v["language"], "ru");
    let token = v["answer"]["token"].as_str().unwrap().to_owned();
    let refresh = v["answer"]["refresh_token"].as_str().unwrap().to_owned();
    let v = post(None, r#"{"module":"auth","param":"signin","args":{"uname":"admin","pass":"wrong-Pass1"},"language":"ru","timestamp":"123456789"}"#).await;
    err(&v, "001404");
    // 5. Refresh (timestamp as a number).
    let body = format!(
        r#"{{"module":"auth","param":"refresh-session","args":{{"refresh-token":"{refresh}"}},"language":"en","timestamp":1614053290}}"#
    );
    let res = reqwest::Client::new()
        .post(app.url("/api"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let v = envelope(res).await;
    assert!(
        v["answer"]["access-token"].is_string() && v["answer"]["refresh_token"].is_string(),
        "{v}"
    );
    assert_eq!(v["session"]["is_admin"], 1);
    let v = post(None, r#"{"module":"auth","param":"refresh-session","args":{"refresh-token":"Be0CZUzxeWUChLMkgG"},"language":"en","timestamp":1614053290}"#).await;
    err(&v, "001416");
    // 8. Change e-mail (no language: the default is answered).
    let v = post(Some(token.clone()), r#"{ "module": "user", "param": "change-email", "args": { "email": "vucongthanh94@example.com" }, "timestamp": "123456789" }"#).await;
    ok(&v, "100008");
    assert_eq!(v["language"], "en");
    // 15–25. Admin functions as written.
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"show-users","args":{"sort":"desc","filter":"","pagesize":10,"pageno":"1"},"language":"en","timestamp":"123456789"}"#).await;
    assert_eq!(v["answer"]["data"].as_array().unwrap().len(), 2, "{v}");
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"add-user","args":{"uname":"user04","pass":"Francis@1992","email":"vucongthanh97@gmail.com","status":true},"language":"en","timestamp":"123456789"}"#).await;
    ok(&v, "100100");
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"users-info","args":{"sort":"desc","filter":"","pagesize":10,"pageno":"1"},"language":"en","timestamp":"123456789"}"#).await;
    assert_eq!(v["answer"]["data"][0]["username"], "user04", "{v}");
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"change-registration","args":{"status":true},"language":"en","timestamp":"123456789"}"#).await;
    ok(&v, "100016");
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"switch-confirm-email","args":{"status":false},"language":"en","timestamp":"123456789"}"#).await;
    ok(&v, "100016");
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"create-role","args":{"name":"role 1","permissions":[4,3,1,7,6],"status":false},"language":"en","timestamp":"123456789"}"#).await;
    ok(&v, "100018");
    let id = v["answer"]["id"].as_i64().unwrap();
    let body: &'static str = Box::leak(format!(r#"{{"module":"admin","param":"modify-role","args":{{"id":{id},"name":"role 2 updated","permissions":[1,2,4],"status":true}},"language":"en","timestamp":"123456789"}}"#).into_boxed_str());
    ok(&post(Some(token.clone()), body).await, "100018");
    let body: &'static str = Box::leak(format!(r#"{{"module":"admin","param":"modify-role","args":{{"id":{id}}},"language":"en","timestamp":"123456789"}}"#).into_boxed_str());
    ok(&post(Some(token.clone()), body).await, "100021");
    let v = post(Some(token.clone()), r#"{"module":"admin","param":"show-module","args":{"module":"admin"},"language":"en","timestamp":"123456789"}"#).await;
    assert_eq!(v["answer"]["data"]["name"], "Module Admin");
    assert_eq!(v["answer"]["data"]["description"], "This is a module");
    // 26. Status, no token.
    let v = get(&app, None, "/api/general/status/en").await;
    assert_eq!(v["answer"]["data"]["App"]["app-name"], "Ugene");
    assert_eq!(v["session"], json!({}));
    // 9. Change password, then 6. restore without a language.
    let v = post(Some(token.clone()), r#"{"module":"user","param":"change-pwd","args":{"current-pwd":"IWremVw4LH","new-pwd":"Francis1992"},"language":"chi","timestamp":"123456789"}"#).await;
    ok(&v, "100009");
    assert_eq!(v["language"], "chi");
    let v = post(None, r#"{"module":"auth","param":"restore-pwd","args":{"uname":"admin"},"timestamp":"123456789"}"#).await;
    ok(&v, "100003");
    app.stop().await;
}

on_both_engines!(the_documents_examples_work_as_written);
