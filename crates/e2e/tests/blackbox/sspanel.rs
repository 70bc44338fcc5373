//! The SSPanel-UIM auth API (`specs/sspanel-auth-api.md`) over HTTP, as its clients use it:
//! a browser with a cookie jar posting forms, and scripts posting JSON. Every answer is HTTP
//! 200 with `{"ret":..,"msg":..}` written PHP-style; a login sets the five cookies of the
//! original. Tessera's deliberate differences (revocable `key`, lockout, policy, invite
//! quotas, single-use reset links) are checked as specified in `specs/COMPAT.md`.

use std::time::Duration;

use reqwest::cookie::CookieStore;
use reqwest::header::{HeaderMap, CONTENT_TYPE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tessera_api::dialects::sspanel::messages as m;
use tessera_core::config::RegistrationMode;
use tessera_core::security::totp;
use tessera_e2e::{
    browser_with_jar, cookie_value, on_both_engines, seed_context, set_cookie, Engine, TestApp,
};

const PW: &str = "correct-horse-battery";
const PW2: &str = "n3w-Secret-pass";
/// A password that passes clumsy-tools' pattern (a digit and a letter) and the policy.
const CLUMSY_PW: &str = "mosaic99x";

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

/// The cookies a login sets.
const LOGIN_COOKIES: [&str; 5] = ["uid", "email", "key", "ip", "expire_in"];
/// The default `http.public_url`, the base of links in mails.
const PUBLIC_URL: &str = "http://127.0.0.1:8080";

// The messages of the original (behaviour notes B.4–B.6), copied literally so a wrong
// constant in the implementation is caught. Tessera's own additions are noted.
const LOGIN_OK: &str = "登录成功";
const LOGIN_WRONG: &str = "邮箱或者密码错误";
const TOTP_WRONG: &str = "两步验证码错误，如果您是丢失了生成器或者错误地设置了这个选项，您可以尝试重置密码，即可取消这个选项。";
/// Tessera: lockout.
const TOO_MANY: &str = "尝试次数过多，请稍后再试。";
const REGISTER_OK: &str = "注册成功！正在进入登录界面";
const REGISTER_CLOSED: &str = "未开放注册。";
const EMAIL_INVALID: &str = "邮箱无效";
const EMAIL_TAKEN: &str = "邮箱已经被注册了";
const PASSWORD_SHORT: &str = "密码请大于8位";
const PASSWORD_MISMATCH: &str = "两次密码输入不符";
const CONTACT_MISSING: &str = "请填上你的联络方式";
/// Tessera: the password policy.
const PASSWORD_WEAK: &str = "密码太弱，请换一个更安全的密码。";
const INVITE_INVALID: &str = "邀请码无效";
const INVITE_EXHAUSTED: &str = "邀请人可用邀请次数为0";
const EMAIL_CODE_WRONG: &str = "您的邮箱验证码不正确";
const SEND_EMPTY: &str = "未填写邮箱";
const SEND_TAKEN: &str = "此邮箱已经注册";
const SEND_OK: &str = "验证码发送成功，请查收邮件。";
const RESET_SENT: &str = "重置邮件已经发送,请检查邮箱.";
const RESET_UNKNOWN: &str = "此邮箱不存在.";
const RESET_MISMATCH: &str = "两次输入不符合";
const RESET_SHORT: &str = "密码太短啦";
const RESET_LINK_INVALID: &str = "链接已经失效，请重新获取";
const RESET_OK: &str = "重置成功";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// `{"ret": ret, "msg": msg}`.
fn answer(ret: u8, msg: &str) -> Value {
    json!({ "ret": ret, "msg": msg })
}

/// The raw body PHP's `json_encode` writes for `{"ret":ret,"msg":msg}`: non-ASCII as
/// lowercase `\uXXXX` (UTF-16 units).
fn php_body(ret: u8, msg: &str) -> String {
    let mut escaped = String::new();
    for c in msg.chars() {
        if c.is_ascii() {
            escaped.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    format!("{{\"ret\":{ret},\"msg\":\"{escaped}\"}}")
}

/// Asserts HTTP 200, a JSON content type, an ASCII-only body (PHP escaping) and exactly the
/// value `want`; returns the headers and the raw body.
async fn expect(res: Response, want: Value) -> (HeaderMap, String) {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "always 200: {text}");
    assert_eq!(
        headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{text}"
    );
    let got: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert_eq!(got, want, "raw body: {text}");
    assert!(text.is_ascii(), "non-ASCII must be \\u-escaped: {text}");
    (headers, text)
}

/// A success (`ret` 1) with `msg`; returns the headers.
async fn expect_ok(res: Response, msg: &str) -> HeaderMap {
    expect(res, answer(1, msg)).await.0
}

/// A failure (`ret` 0) with `msg`, which sets no cookie; returns the raw body.
async fn expect_err(res: Response, msg: &str) -> String {
    let (headers, text) = expect(res, answer(0, msg)).await;
    assert!(
        headers.get(SET_COOKIE).is_none(),
        "a failure sets no cookie: {text}"
    );
    text
}

/// Any failure: 200, `{"ret":0,"msg":<non-empty>}` and nothing else, never a cookie.
async fn expect_some_err(res: Response, label: &str) -> String {
    let status = res.status();
    let has_cookie = res.headers().get(SET_COOKIE).is_some();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{label}: {text}");
    assert!(!has_cookie, "{label}: {text}");
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{label}: not JSON ({e}): {text}"));
    let keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("{label}: {text}"))
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 2, "{label}: {text}");
    assert_eq!(v["ret"], 0, "{label}: {text}");
    let msg = v["msg"].as_str().unwrap_or_default();
    assert!(!msg.is_empty(), "{label}: {text}");
    msg.to_owned()
}

/// A form POST.
async fn form(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> Response {
    client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// A JSON POST.
async fn post_json(client: &reqwest::Client, app: &TestApp, path: &str, body: &Value) -> Response {
    client.post(app.url(path)).json(body).send().await.unwrap()
}

/// A POST with a raw body and content type (hostile clients).
async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Response {
    let mut req = reqwest::Client::new().post(app.url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    req.send().await.unwrap()
}

/// `GET /logout` with exactly the given `Cookie` header (a copied cookie), if any.
async fn logout_with(app: &TestApp, cookie: Option<&str>) -> Response {
    let mut req = reqwest::Client::new().get(app.url("/logout"));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

/// Asserts the exact logout answer `{"ret":1}` (no `msg`); returns the headers.
async fn expect_logged_out(res: Response) -> HeaderMap {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, r#"{"ret":1}"#, "the document's logout answer");
    for name in LOGIN_COOKIES {
        let line = set_cookie(&headers, name).unwrap_or_else(|| panic!("{name} not cleared"));
        assert_eq!(attr(line, "Max-Age"), Some("0"), "{line}");
        assert!(line.contains("1970"), "expired in the past: {line}");
        assert_eq!(attr(line, "Path"), Some("/"), "{line}");
    }
    headers
}

/// A registration form for `email` with password `pw` (both password fields).
fn reg<'a>(email: &'a str, pw: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Alice"),
        ("email", email),
        ("passwd", pw),
        ("repasswd", pw),
        ("imtype", "1"),
        ("wechat", "alice_wx"),
    ]
}

/// `fields` with `key` set to `value` (replaced or added).
fn with<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value));
    fields
}

/// `fields` without `key`.
fn without<'a>(mut fields: Vec<(&'a str, &'a str)>, key: &str) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(k, _)| *k != key);
    fields
}

/// `POST /auth/login` as the bundled login form sends it.
async fn login(app: &TestApp, email: &str, pw: &str, extra: &[(&str, &str)]) -> Response {
    let mut fields = vec![("email", email), ("passwd", pw)];
    fields.extend_from_slice(extra);
    form(&reqwest::Client::new(), app, "/auth/login", &fields).await
}

/// The value of attribute `name` in a `Set-Cookie` line (`Some("")` for a flag).
fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split(';').skip(1).map(str::trim).find_map(|a| {
        let (k, v) = a.split_once('=').unwrap_or((a, ""));
        k.eq_ignore_ascii_case(name).then_some(v)
    })
}

/// Checks the five login cookies of a session lasting `lifetime` seconds for `email`, and
/// returns the `key` (the session token).
fn login_cookies(headers: &HeaderMap, email: &str, lifetime: i64) -> String {
    let want_age = lifetime.to_string();
    for name in LOGIN_COOKIES {
        let line = set_cookie(headers, name).unwrap_or_else(|| panic!("no {name} cookie"));
        assert_eq!(attr(line, "Max-Age"), Some(want_age.as_str()), "{line}");
        assert_eq!(attr(line, "Path"), Some("/"), "{line}");
        assert!(attr(line, "Expires").is_some(), "{line}");
        assert!(attr(line, "Domain").is_none(), "{line}");
        let value = cookie_value(headers, name).unwrap();
        assert!(!value.is_empty(), "{line}");
        if name == "key" {
            assert!(attr(line, "HttpOnly").is_some(), "key is HttpOnly: {line}");
            assert_eq!(attr(line, "SameSite"), Some("Lax"), "{line}");
        } else {
            assert!(
                attr(line, "HttpOnly").is_none(),
                "scripts read {name}: {line}"
            );
        }
    }
    assert_eq!(
        cookie_value(headers, "email").unwrap(),
        email.replace('@', "%40"),
        "the e-mail cookie is URL-encoded"
    );
    assert!(
        cookie_value(headers, "uid")
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 0
    );
    let expire_in: i64 = cookie_value(headers, "expire_in").unwrap().parse().unwrap();
    assert!(
        (expire_in - (now() + lifetime)).abs() <= 10,
        "expire_in {expire_in} is now + {lifetime}"
    );
    cookie_value(headers, "key").unwrap()
}

/// Whether the session named by a `key` cookie is live.
async fn key_is_live(app: &TestApp, key: &str) -> bool {
    app.core.verify_access_token(key).await.is_ok()
}

/// The cookies a jar would send to the app.
fn held_cookies(app: &TestApp, jar: &reqwest::cookie::Jar) -> String {
    let url = reqwest::Url::parse(&app.base).unwrap();
    jar.cookies(&url)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A clumsy-tools password-grant form POST.
async fn clumsy_form(app: &TestApp, path: &str, email: &str, pw: &str) -> Response {
    form(
        &reqwest::Client::new(),
        app,
        &format!("/fo/rest{path}"),
        &[
            ("grant_type", "password"),
            ("username", email),
            ("password", pw),
        ],
    )
    .await
}

/// A clumsy-tools registration, expected to be refused with a 400 `ErrorResult`.
async fn clumsy_register_refused(app: &TestApp, email: &str, message: &str) {
    let res = clumsy_form(app, "/token/new/by-register/local", email, CLUMSY_PW).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "error": "invalid_request",
            "error_description": null,
            "exception_id": null,
            "non_field_error_for_user": message,
            "field_errors_for_user": null,
            "error_description_for_user": message,
        })
    );
}

/// Asserts that no account exists for `email`.
async fn assert_no_account(app: &TestApp, email: &str) {
    assert!(
        app.core.user_by_email(email).await.unwrap().is_none(),
        "{email} must not have been created"
    );
}

/// A TOTP step with at least five seconds left, so codes computed now stay in the server's
/// window for the rest of the test.
async fn settled_step() -> i64 {
    let into = now().rem_euclid(totp::STEP_SECS);
    if into >= totp::STEP_SECS - 5 {
        let wait = u64::try_from(totp::STEP_SECS - into + 1).unwrap();
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
    totp::step_of(now())
}

/// The 64-character token of the reset link in a mail.
fn reset_token(text: &str) -> String {
    let prefix = format!("{PUBLIC_URL}/password/token/");
    let start = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no link under public_url in {text}"))
        + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    token
}

/// The 6-digit registration code in a mail.
fn registration_code(text: &str) -> String {
    let rest = text
        .split("registration code is")
        .nth(1)
        .unwrap_or_else(|| panic!("no code in {text}"));
    let code: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    code
}

// ---------------------------------------------------------------------------------------

/// 1. A browser with a cookie jar registers with a form, logs out, signs in with JSON, and a
///    script registers with JSON; the raw body is PHP's.
async fn browser_register_login_logout(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let (b, jar) = browser_with_jar();
    let res = form(&b, &app, "/auth/register", &reg("  Alice@Example.com ", PW)).await;
    let (headers, raw) = expect(res, answer(1, REGISTER_OK)).await;
    assert_eq!(raw, php_body(1, REGISTER_OK), "PHP json_encode output");
    assert!(raw.starts_with(r#"{"ret":1,"msg":"\u6ce8\u518c"#), "{raw}");
    assert!(raw.find("\"ret\"").unwrap() < raw.find("\"msg\"").unwrap());
    let key = login_cookies(&headers, "alice@example.com", HOUR);
    assert!(key_is_live(&app, &key).await, "registration signs in");
    let held = held_cookies(&app, &jar);
    for name in LOGIN_COOKIES {
        assert!(
            held.contains(&format!("{name}=")),
            "jar holds {name}: {held}"
        );
    }
    let alice = app.core.user_by_email("alice@example.com").await.unwrap();
    let alice = alice.expect("account created");
    assert_eq!(
        alice.email.as_str(),
        "alice@example.com",
        "trimmed, lowercased"
    );
    assert_eq!(alice.name, "Alice");

    // The browser logs out with its cookies.
    expect_logged_out(b.get(app.url("/logout")).send().await.unwrap()).await;
    assert_eq!(held_cookies(&app, &jar), "", "the jar is emptied");
    assert!(!key_is_live(&app, &key).await);

    // Signing in again with a JSON body (a script's client).
    let res = post_json(
        &b,
        &app,
        "/auth/login",
        &json!({"email": " ALICE@example.com ", "passwd": PW}),
    )
    .await;
    let (headers, raw) = expect(res, answer(1, LOGIN_OK)).await;
    assert_eq!(raw, php_body(1, LOGIN_OK));
    let key = login_cookies(&headers, "alice@example.com", DAY);
    assert!(key_is_live(&app, &key).await);
    assert!(held_cookies(&app, &jar).contains("key="));

    // A JSON registration (with the contact type as a number, as a JSON client may send it).
    let res = post_json(
        &b,
        &app,
        "/auth/register",
        &json!({
            "name": "Bob",
            "email": "bob@example.com",
            "passwd": PW,
            "repasswd": PW,
            "imtype": 2,
            "wechat": "123456789",
        }),
    )
    .await;
    let headers = expect_ok(res, REGISTER_OK).await;
    let bob_key = login_cookies(&headers, "bob@example.com", HOUR);
    assert!(key_is_live(&app, &bob_key).await);
    assert!(held_cookies(&app, &jar).contains("email=bob%40example.com"));
    assert_eq!(
        app.core
            .user_by_email("bob@example.com")
            .await
            .unwrap()
            .unwrap()
            .name,
        "Bob"
    );

    // Parameters may also come from the query string (Slim's getParam).
    let res = reqwest::Client::new()
        .post(app.url(&format!("/auth/login?email=bob%40example.com&passwd={PW}")))
        .send()
        .await
        .unwrap();
    login_cookies(&expect_ok(res, LOGIN_OK).await, "bob@example.com", DAY);
    app.stop().await;
}

/// 2. Cookie lifetimes: one day, seven with `remember_me`.
async fn remember_me_lifetimes(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("carol@example.com", PW).await;
    let c = reqwest::Client::new();
    // Forms, as the bundled UI and other browsers send them.
    for (remember, lifetime) in [
        (None, DAY),
        (Some("week"), WEEK),
        (Some("1"), WEEK),
        (Some("on"), WEEK),
        (Some("0"), DAY),
        (Some(""), DAY),
        (Some("false"), DAY),
    ] {
        let mut fields = vec![("email", "carol@example.com"), ("passwd", PW)];
        if let Some(r) = remember {
            fields.push(("remember_me", r));
        }
        let headers = expect_ok(form(&c, &app, "/auth/login", &fields).await, LOGIN_OK).await;
        let key = login_cookies(&headers, "carol@example.com", lifetime);
        assert!(key_is_live(&app, &key).await, "{remember:?}");
    }
    // JSON, as the document types it (boolean).
    for (remember, lifetime) in [
        (json!(true), WEEK),
        (json!(false), DAY),
        (json!(1), WEEK),
        (json!(0), DAY),
        (json!("week"), WEEK),
        (Value::Null, DAY),
    ] {
        let body = json!({"email": "carol@example.com", "passwd": PW, "remember_me": remember});
        let headers = expect_ok(post_json(&c, &app, "/auth/login", &body).await, LOGIN_OK).await;
        login_cookies(&headers, "carol@example.com", lifetime);
    }
    let headers = expect_ok(
        post_json(
            &c,
            &app,
            "/auth/login",
            &json!({"email": "carol@example.com", "passwd": PW}),
        )
        .await,
        LOGIN_OK,
    )
    .await;
    login_cookies(&headers, "carol@example.com", DAY);
    app.stop().await;
}

/// 3. Unknown e-mail, wrong password and empty fields look the same; five failures lock.
async fn login_failures_and_lockout(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("dave@example.com", PW).await;
    app.add_user("erin@example.com", PW).await;
    let unknown = expect_err(
        login(&app, "nobody@example.com", PW, &[]).await,
        LOGIN_WRONG,
    )
    .await;
    let wrong = expect_err(
        login(&app, "dave@example.com", "not-the-password", &[]).await,
        LOGIN_WRONG,
    )
    .await;
    assert_eq!(
        unknown, wrong,
        "unknown address and wrong password look the same"
    );
    assert_eq!(wrong, php_body(0, LOGIN_WRONG));

    let c = reqwest::Client::new();
    for fields in [
        vec![],
        vec![("email", ""), ("passwd", PW)],
        vec![("email", "dave@example.com"), ("passwd", "")],
        vec![("email", "dave@example.com")],
        vec![("passwd", PW)],
        vec![("email", "   "), ("passwd", PW)],
        vec![("email", "not-an-email"), ("passwd", PW)],
    ] {
        expect_err(form(&c, &app, "/auth/login", &fields).await, LOGIN_WRONG).await;
    }
    expect_err(
        post_json(&c, &app, "/auth/login", &json!({})).await,
        LOGIN_WRONG,
    )
    .await;
    let empty = c.post(app.url("/auth/login")).send().await.unwrap();
    expect_err(empty, LOGIN_WRONG).await;

    // Five wrong passwords lock the account; the right one is then refused too.
    for _ in 0..5 {
        expect_err(
            login(&app, "erin@example.com", "not-the-password", &[]).await,
            LOGIN_WRONG,
        )
        .await;
    }
    expect_err(login(&app, "erin@example.com", PW, &[]).await, TOO_MANY).await;
    expect_err(
        login(&app, "ERIN@example.com", PW, &[("remember_me", "week")]).await,
        TOO_MANY,
    )
    .await;
    // The lock is the account's: dave (one failure) still signs in.
    let headers = expect_ok(login(&app, "dave@example.com", PW, &[]).await, LOGIN_OK).await;
    login_cookies(&headers, "dave@example.com", DAY);
    app.stop().await;
}

/// 4. Two-factor sign-in: the code is required once bound, checked, and accepted once.
async fn two_factor_login(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("frank@example.com", PW).await;
    // Without TOTP bound, a code is ignored.
    let headers = expect_ok(
        login(&app, "frank@example.com", PW, &[("code", "123456")]).await,
        LOGIN_OK,
    )
    .await;
    let key = login_cookies(&headers, "frank@example.com", DAY);

    // Bind TOTP through the core, as an authenticator app would.
    let auth = app.core.verify_access_token(&key).await.unwrap();
    let uri = app.core.start_totp_enrolment(auth).await.unwrap();
    let secret = uri
        .rsplit("secret=")
        .next()
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let step = settled_step().await;
    let code = |s: i64| totp::code_at_step(&secret, s).unwrap();
    app.core
        .confirm_totp_enrolment(auth, &uri, &[code(step - 1), code(step)], &seed_context())
        .await
        .unwrap();

    // No code, a wrong code, a code already spent on enrolment. Each counts as a failed
    // sign-in (the lockout allows five), so the cases are kept few.
    let window: Vec<String> = (step - 2..=step + 3).map(code).collect();
    let wrong = (0..)
        .map(|n: u32| format!("{:06}", (n * 7_919) % 1_000_000))
        .find(|c| !window.contains(c))
        .unwrap();
    let raw = expect_err(login(&app, "frank@example.com", PW, &[]).await, TOTP_WRONG).await;
    assert_eq!(raw, php_body(0, TOTP_WRONG));
    expect_err(
        login(&app, "frank@example.com", PW, &[("code", wrong.as_str())]).await,
        TOTP_WRONG,
    )
    .await;
    expect_err(
        login(
            &app,
            "frank@example.com",
            PW,
            &[("code", code(step).as_str())],
        )
        .await,
        TOTP_WRONG,
    )
    .await;
    // A right code with a wrong password is a wrong password.
    let next = code(step + 1);
    expect_err(
        login(
            &app,
            "frank@example.com",
            "not-the-password",
            &[("code", next.as_str())],
        )
        .await,
        LOGIN_WRONG,
    )
    .await;

    // The right code signs in (JSON client this time, remember me).
    let body =
        json!({"email": "frank@example.com", "passwd": PW, "code": next, "remember_me": true});
    let headers = expect_ok(
        post_json(&reqwest::Client::new(), &app, "/auth/login", &body).await,
        LOGIN_OK,
    )
    .await;
    let key = login_cookies(&headers, "frank@example.com", WEEK);
    assert!(key_is_live(&app, &key).await);
    // The same code again is refused, and so is an empty one.
    expect_err(
        login(&app, "frank@example.com", PW, &[("code", next.as_str())]).await,
        TOTP_WRONG,
    )
    .await;
    expect_err(
        login(&app, "frank@example.com", PW, &[("code", "")]).await,
        TOTP_WRONG,
    )
    .await;
    app.stop().await;
}

/// 5. Logout answers `{"ret":1}`, clears the cookies and ends the session for good.
async fn logout_revokes_the_session(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("grace@example.com", PW).await;
    let (b, jar) = browser_with_jar();
    let res = form(
        &b,
        &app,
        "/auth/login",
        &[("email", "grace@example.com"), ("passwd", PW)],
    )
    .await;
    let key = login_cookies(&expect_ok(res, LOGIN_OK).await, "grace@example.com", DAY);
    // A second session (another device).
    let other = login_cookies(
        &expect_ok(login(&app, "grace@example.com", PW, &[]).await, LOGIN_OK).await,
        "grace@example.com",
        DAY,
    );
    assert!(key_is_live(&app, &key).await);
    assert!(key_is_live(&app, &other).await);

    let headers = expect_logged_out(b.get(app.url("/logout")).send().await.unwrap()).await;
    assert_eq!(cookie_value(&headers, "key").unwrap(), "deleted");
    assert_eq!(
        held_cookies(&app, &jar),
        "",
        "the browser forgets the cookies"
    );
    assert!(!key_is_live(&app, &key).await, "the session is revoked");
    assert!(key_is_live(&app, &other).await, "other sessions stay");

    // The old key, kept and sent again: harmless, and still dead.
    expect_logged_out(logout_with(&app, Some(&format!("key={key}"))).await).await;
    assert!(!key_is_live(&app, &key).await);
    assert!(key_is_live(&app, &other).await);
    // Nobody signed in, or a forged key: the same answer.
    expect_logged_out(logout_with(&app, None).await).await;
    expect_logged_out(logout_with(&app, Some("key=forged; uid=1; email=x%40y.z")).await).await;
    assert!(key_is_live(&app, &other).await);

    // Logout with the cookie header alone (no jar) ends that session.
    expect_logged_out(
        logout_with(
            &app,
            Some(&format!(
                "uid=1; email=grace%40example.com; key={other}; ip=x; expire_in=1"
            )),
        )
        .await,
    )
    .await;
    assert!(!key_is_live(&app, &other).await);
    app.stop().await;
}

/// 6. Password reset by an e-mailed link.
async fn password_reset_by_link(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("heidi@example.com", PW).await;
    let before = login_cookies(
        &expect_ok(login(&app, "heidi@example.com", PW, &[]).await, LOGIN_OK).await,
        "heidi@example.com",
        DAY,
    );
    let c = reqwest::Client::new();
    let raw = expect(
        form(
            &c,
            &app,
            "/password/reset",
            &[("email", "nobody@example.com")],
        )
        .await,
        answer(1, RESET_SENT),
    )
    .await
    .1;
    assert_eq!(raw, php_body(1, RESET_SENT));
    expect_ok(
        form(&c, &app, "/password/reset", &[("email", "not-an-email")]).await,
        RESET_SENT,
    )
    .await;
    expect_ok(
        form(
            &c,
            &app,
            "/password/reset",
            &[("email", "Heidi@Example.com")],
        )
        .await,
        RESET_SENT,
    )
    .await;
    let mail = app.mail_to("heidi@example.com").await;
    let token = reset_token(&mail.text_body);
    assert!(token.chars().all(|ch| ch.is_ascii_alphanumeric()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        app.smtp
            .messages()
            .iter()
            .all(|mail| mail.to.iter().all(|to| to.contains("heidi@example.com"))),
        "only the known address gets a mail"
    );
    assert_eq!(app.smtp.messages().len(), 1);

    let path = format!("/password/token/{token}");
    for (pw, again, msg) in [
        (PW2, "something-else-9", RESET_MISMATCH),
        ("abc", "abd", RESET_MISMATCH),
        ("", "x", RESET_MISMATCH),
        ("short1", "short1", RESET_SHORT),
        ("", "", RESET_SHORT),
        ("1234567", "1234567", RESET_SHORT),
        ("password123", "password123", PASSWORD_WEAK),
    ] {
        expect_err(
            form(&c, &app, &path, &[("password", pw), ("repasswd", again)]).await,
            msg,
        )
        .await;
    }
    expect_err(form(&c, &app, &path, &[]).await, RESET_SHORT).await;
    // None of these spent the link; a JSON client completes it.
    expect_ok(
        post_json(&c, &app, &path, &json!({"password": PW2, "repasswd": PW2})).await,
        RESET_OK,
    )
    .await;
    assert!(
        !key_is_live(&app, &before).await,
        "sessions before the reset end"
    );
    expect_err(login(&app, "heidi@example.com", PW, &[]).await, LOGIN_WRONG).await;
    let headers = expect_ok(login(&app, "heidi@example.com", PW2, &[]).await, LOGIN_OK).await;
    login_cookies(&headers, "heidi@example.com", DAY);

    // The link works once; made-up links never.
    let fields = [
        ("password", "an0ther-good-one"),
        ("repasswd", "an0ther-good-one"),
    ];
    expect_err(form(&c, &app, &path, &fields).await, RESET_LINK_INVALID).await;
    let made_up = "Ab3".repeat(21) + "x";
    assert_eq!(made_up.len(), 64);
    let forged_secret = format!("{}{}", &token[..32], "Z".repeat(32));
    for bogus in [
        made_up.as_str(),
        forged_secret.as_str(),
        "short",
        "x".repeat(200).as_str(),
        // Not even text once percent-decoded: still the dialect's answer, not a 400.
        "%FF%FE",
    ] {
        expect_err(
            form(&c, &app, &format!("/password/token/{bogus}"), &fields).await,
            RESET_LINK_INVALID,
        )
        .await;
    }
    // The password is still the reset one.
    expect_ok(login(&app, "heidi@example.com", PW2, &[]).await, LOGIN_OK).await;
    app.stop().await;
}

/// 6b. `reveal_unknown_email` restores the original's answer for an unknown address.
async fn password_reset_reveals_unknown_email_when_configured(engine: Engine) {
    let Some(app) =
        TestApp::spawn_with(engine, |c| c.http.sspanel.reveal_unknown_email = true).await
    else {
        return;
    };
    app.add_user("ivan@example.com", PW).await;
    let c = reqwest::Client::new();
    let raw = expect_err(
        form(
            &c,
            &app,
            "/password/reset",
            &[("email", "nobody@example.com")],
        )
        .await,
        RESET_UNKNOWN,
    )
    .await;
    assert_eq!(raw, php_body(0, RESET_UNKNOWN));
    expect_err(
        form(&c, &app, "/password/reset", &[("email", "not-an-email")]).await,
        RESET_UNKNOWN,
    )
    .await;
    expect_err(form(&c, &app, "/password/reset", &[]).await, RESET_UNKNOWN).await;
    expect_ok(
        post_json(
            &c,
            &app,
            "/password/reset",
            &json!({"email": "ivan@example.com"}),
        )
        .await,
        RESET_SENT,
    )
    .await;
    let mail = app.mail_to("ivan@example.com").await;
    reset_token(&mail.text_body);
    app.stop().await;
}

/// 7. The registration form's checks, in the original's order, with its messages.
async fn registration_checks(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("taken@example.com", PW).await;
    let c = reqwest::Client::new();
    let new = "judy@example.com";

    for bad in [
        "not-an-email",
        "a@",
        "@example.com",
        "a b@example.com",
        "",
        "   ",
    ] {
        expect_err(
            form(&c, &app, "/auth/register", &reg(bad, PW)).await,
            EMAIL_INVALID,
        )
        .await;
    }
    expect_err(
        form(&c, &app, "/auth/register", &without(reg(new, PW), "email")).await,
        EMAIL_INVALID,
    )
    .await;
    for taken in [
        "taken@example.com",
        "TAKEN@Example.com",
        " taken@example.com ",
    ] {
        expect_err(
            form(&c, &app, "/auth/register", &reg(taken, PW)).await,
            EMAIL_TAKEN,
        )
        .await;
    }
    // The document's own example body, byte for byte.
    let raw = expect_err(
        form(&c, &app, "/auth/register", &reg(new, "1234567")).await,
        PASSWORD_SHORT,
    )
    .await;
    assert_eq!(
        raw,
        r#"{"ret":0,"msg":"\u5bc6\u7801\u8bf7\u5927\u4e8e8\u4f4d"}"#
    );
    expect_err(
        form(&c, &app, "/auth/register", &without(reg(new, PW), "passwd")).await,
        PASSWORD_SHORT,
    )
    .await;
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg(new, PW), "repasswd", PW2),
        )
        .await,
        PASSWORD_MISMATCH,
    )
    .await;
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &without(reg(new, PW), "repasswd"),
        )
        .await,
        PASSWORD_MISMATCH,
    )
    .await;
    for fields in [
        with(reg(new, PW), "imtype", ""),
        with(reg(new, PW), "wechat", ""),
        with(reg(new, PW), "wechat", "   "),
        without(reg(new, PW), "imtype"),
        without(reg(new, PW), "wechat"),
    ] {
        expect_err(
            form(&c, &app, "/auth/register", &fields).await,
            CONTACT_MISSING,
        )
        .await;
    }
    for common in ["password123", "12345678", "PASSWORD123"] {
        expect_err(
            form(&c, &app, "/auth/register", &reg(new, common)).await,
            PASSWORD_WEAK,
        )
        .await;
    }
    // The order of the checks: the first failing one answers.
    let order: [(Vec<(&str, &str)>, &str); 4] = [
        (reg("not-an-email", "short"), EMAIL_INVALID),
        (reg("taken@example.com", "short"), EMAIL_TAKEN),
        (with(reg(new, "short"), "repasswd", "other"), PASSWORD_SHORT),
        (
            with(with(reg(new, PW), "repasswd", PW2), "wechat", ""),
            PASSWORD_MISMATCH,
        ),
    ];
    for (fields, msg) in order {
        expect_err(form(&c, &app, "/auth/register", &fields).await, msg).await;
    }
    assert_no_account(&app, new).await;

    // Exactly 8 bytes is enough; the contact type is not restricted to 1..4; the name may
    // be empty.
    let fields = with(with(reg(new, "xk3!pq9z"), "imtype", "9"), "name", "");
    let headers = expect_ok(form(&c, &app, "/auth/register", &fields).await, REGISTER_OK).await;
    login_cookies(&headers, new, HOUR);
    expect_ok(login(&app, new, "xk3!pq9z", &[]).await, LOGIN_OK).await;
    expect_err(
        form(&c, &app, "/auth/register", &reg(new, PW)).await,
        EMAIL_TAKEN,
    )
    .await;

    // E-mail verification is off: `/auth/send` refuses and mails nothing.
    expect_err(
        form(&c, &app, "/auth/send", &[("email", "kate@example.com")]).await,
        m::SEND_DISABLED,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(app.smtp.messages().is_empty(), "no mail is sent");
    app.stop().await;
}

/// 7b. Close mode refuses registration here and in every other dialect; sign-in still works.
async fn closed_registration(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.core.registration.mode = RegistrationMode::Close;
    })
    .await
    else {
        return;
    };
    app.add_user("liam@example.com", PW).await;
    let c = reqwest::Client::new();
    let raw = expect_err(
        form(&c, &app, "/auth/register", &reg("mona@example.com", PW)).await,
        REGISTER_CLOSED,
    )
    .await;
    assert_eq!(raw, php_body(0, REGISTER_CLOSED));
    // Checked before anything else.
    expect_err(
        form(&c, &app, "/auth/register", &reg("not-an-email", "x")).await,
        REGISTER_CLOSED,
    )
    .await;
    let system = app.core.create_invite(None, None).await.unwrap();
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("mona@example.com", PW), "code", &system),
        )
        .await,
        REGISTER_CLOSED,
    )
    .await;
    assert_no_account(&app, "mona@example.com").await;
    clumsy_register_refused(&app, "mona@example.com", "Registration is closed.").await;
    assert_no_account(&app, "mona@example.com").await;
    // Existing accounts sign in as before.
    expect_ok(login(&app, "liam@example.com", PW, &[]).await, LOGIN_OK).await;
    app.stop().await;
}

/// 8. Invite mode: a code with a use left is required; inviters have quotas.
async fn invite_mode(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.core.registration.mode = RegistrationMode::Invite;
    })
    .await
    else {
        return;
    };
    app.add_user("inviter@example.com", PW).await;
    let inviter = app.user_id("inviter@example.com").await;
    let code = app.core.create_invite(Some(inviter), None).await.unwrap();
    assert_eq!(app.core.invite_quota(inviter).await.unwrap(), 0);
    let c = reqwest::Client::new();

    for fields in [
        reg("g1@example.com", PW),
        with(reg("g1@example.com", PW), "code", ""),
        with(reg("g1@example.com", PW), "code", "   "),
        with(reg("g1@example.com", PW), "code", "no-such-code"),
        with(reg("g1@example.com", PW), "code", &"x".repeat(500)),
    ] {
        expect_err(
            form(&c, &app, "/auth/register", &fields).await,
            INVITE_INVALID,
        )
        .await;
    }
    // The form is checked before the code.
    expect_err(
        form(&c, &app, "/auth/register", &reg("not-an-email", PW)).await,
        EMAIL_INVALID,
    )
    .await;
    // The inviter has no invitations left.
    let raw = expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("g1@example.com", PW), "code", &code),
        )
        .await,
        INVITE_EXHAUSTED,
    )
    .await;
    assert_eq!(raw, php_body(0, INVITE_EXHAUSTED));
    assert_no_account(&app, "g1@example.com").await;

    // One invitation: one registration (JSON, code with spaces around it).
    app.core.set_invite_quota(inviter, 1).await.unwrap();
    let body = json!({
        "name": "Guest One", "email": "g1@example.com", "passwd": PW, "repasswd": PW,
        "imtype": "4", "wechat": "@guest1", "code": format!(" {code} "),
    });
    let headers = expect_ok(
        post_json(&c, &app, "/auth/register", &body).await,
        REGISTER_OK,
    )
    .await;
    login_cookies(&headers, "g1@example.com", HOUR);
    assert_eq!(app.core.invite_quota(inviter).await.unwrap(), 0);
    let g1 = app.user_id("g1@example.com").await;
    assert_eq!(
        app.core.invite_quota(g1).await.unwrap(),
        0,
        "default_invite_quota is 0"
    );
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("g2@example.com", PW), "code", &code),
        )
        .await,
        INVITE_EXHAUSTED,
    )
    .await;
    assert_no_account(&app, "g2@example.com").await;

    // A system code with one use. A registration that fails after the code was taken (a
    // weak password) gives the use back.
    let system = app.core.create_invite(None, Some(1)).await.unwrap();
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("g3@example.com", "password123"), "code", &system),
        )
        .await,
        PASSWORD_WEAK,
    )
    .await;
    expect_ok(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("g3@example.com", PW), "code", &system),
        )
        .await,
        REGISTER_OK,
    )
    .await;
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("g4@example.com", PW), "code", &system),
        )
        .await,
        INVITE_INVALID,
    )
    .await;
    assert_no_account(&app, "g4@example.com").await;

    // Other dialects cannot register without a code.
    clumsy_register_refused(&app, "g5@example.com", "Registration needs an invite code.").await;
    assert_no_account(&app, "g5@example.com").await;
    // Invited accounts sign in like any other.
    expect_ok(login(&app, "g3@example.com", PW, &[]).await, LOGIN_OK).await;
    app.stop().await;
}

/// 8b. Open mode: an unknown code is ignored; a known one spends the inviter's quota.
async fn open_mode_invite_codes(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let c = reqwest::Client::new();
    expect_ok(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("nina@example.com", PW), "code", "no-such-code"),
        )
        .await,
        REGISTER_OK,
    )
    .await;
    app.add_user("olaf@example.com", PW).await;
    let olaf = app.user_id("olaf@example.com").await;
    app.core.set_invite_quota(olaf, 2).await.unwrap();
    let code = app.core.create_invite(Some(olaf), None).await.unwrap();
    expect_ok(
        form(
            &c,
            &app,
            "/auth/register",
            &with(reg("pia@example.com", PW), "code", &code),
        )
        .await,
        REGISTER_OK,
    )
    .await;
    assert_eq!(app.core.invite_quota(olaf).await.unwrap(), 1);
    app.stop().await;
}

/// 9. E-mail verification: `/auth/send` mails a code that registration requires.
async fn email_verification(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| c.http.sspanel.email_verify = true).await
    else {
        return;
    };
    app.add_user("taken@example.com", PW).await;
    let c = reqwest::Client::new();
    let send = |fields: Vec<(&'static str, &'static str)>| {
        let c = c.clone();
        let url = app.url("/auth/send");
        async move { c.post(url).form(&fields).send().await.unwrap() }
    };
    let raw = expect_err(send(vec![]).await, SEND_EMPTY).await;
    assert_eq!(raw, php_body(0, SEND_EMPTY));
    expect_err(send(vec![("email", "  ")]).await, SEND_EMPTY).await;
    expect_err(send(vec![("email", "not-an-email")]).await, EMAIL_INVALID).await;
    expect_err(send(vec![("email", "Taken@Example.com")]).await, SEND_TAKEN).await;
    // Hostile bodies get an answer too.
    expect_some_err(
        post_raw(
            &app,
            "/auth/send",
            Some("application/json"),
            b"{\"email\":".to_vec(),
        )
        .await,
        "malformed",
    )
    .await;
    for email in [
        json!(42),
        json!(["a@example.com"]),
        json!({"a": 1}),
        json!(null),
    ] {
        expect_some_err(
            post_json(&c, &app, "/auth/send", &json!({ "email": email })).await,
            "wrong type",
        )
        .await;
    }

    let raw = expect(
        send(vec![("email", " Quinn@Example.com ")]).await,
        answer(1, SEND_OK),
    )
    .await
    .1;
    assert_eq!(raw, php_body(1, SEND_OK));
    let mail = app.mail_to("quinn@example.com").await;
    let code = registration_code(&mail.text_body);
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let form_for = |email: &'static str, emailcode: Option<&'static str>, pw: &'static str| {
        let mut f = reg(email, pw);
        if let Some(ec) = emailcode {
            f.push(("emailcode", ec));
        }
        f
    };
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &form_for("quinn@example.com", None, PW),
        )
        .await,
        EMAIL_CODE_WRONG,
    )
    .await;
    expect_err(
        form(
            &c,
            &app,
            "/auth/register",
            &form_for("quinn@example.com", Some(wrong), PW),
        )
        .await,
        EMAIL_CODE_WRONG,
    )
    .await;
    let mut fields = reg("quinn@example.com", PW);
    // A form error before the code does not spend it.
    fields = with(fields, "passwd", "short");
    fields = with(fields, "repasswd", "short");
    fields.push(("emailcode", code.as_str()));
    expect_err(
        form(&c, &app, "/auth/register", &fields).await,
        PASSWORD_SHORT,
    )
    .await;
    // Nor does a password the policy refuses.
    let weak = with(
        with(fields.clone(), "passwd", "password123"),
        "repasswd",
        "password123",
    );
    expect_err(form(&c, &app, "/auth/register", &weak).await, PASSWORD_WEAK).await;
    assert_no_account(&app, "quinn@example.com").await;
    // A code proves only its own address.
    let other = with(
        with(with(fields.clone(), "passwd", PW), "repasswd", PW),
        "email",
        "rita@example.com",
    );
    expect_err(
        form(&c, &app, "/auth/register", &other).await,
        EMAIL_CODE_WRONG,
    )
    .await;
    assert_no_account(&app, "rita@example.com").await;

    let good = with(with(fields, "passwd", PW), "repasswd", PW);
    let headers = expect_ok(form(&c, &app, "/auth/register", &good).await, REGISTER_OK).await;
    login_cookies(&headers, "quinn@example.com", HOUR);
    let quinn = app
        .core
        .user_by_email("quinn@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(quinn.email_verified_at.is_some(), "the address is proven");
    expect_err(form(&c, &app, "/auth/register", &good).await, EMAIL_TAKEN).await;
    app.stop().await;
}

/// 10. One account store: SSPanel accounts sign in elsewhere and the other way round.
async fn cross_dialect_accounts(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("leo@example.com", PW).await;
    let headers = expect_ok(login(&app, "leo@example.com", PW, &[]).await, LOGIN_OK).await;
    login_cookies(&headers, "leo@example.com", DAY);

    let c = reqwest::Client::new();
    expect_ok(
        form(
            &c,
            &app,
            "/auth/register",
            &reg("Mia@Example.com", CLUMSY_PW),
        )
        .await,
        REGISTER_OK,
    )
    .await;
    // weplanx
    let res = c
        .post(app.url("/login"))
        .json(&json!({"email": "mia@example.com", "password": CLUMSY_PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(cookie_value(res.headers(), "TOKEN").is_some());
    // clumsy-tools
    let res = clumsy_form(&app, "/token/new/local", "MIA@example.com", CLUMSY_PW).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: Value = res.json().await.unwrap();
    assert!(
        tokens["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{tokens}"
    );
    let wrong = clumsy_form(
        &app,
        "/token/new/local",
        "mia@example.com",
        "wr0ng-password",
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);

    // An account registered through clumsy-tools signs in here and cannot register again.
    let res = clumsy_form(
        &app,
        "/token/new/by-register/local",
        "Ned@Example.com",
        CLUMSY_PW,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = expect_ok(
        login(&app, "ned@example.com", CLUMSY_PW, &[]).await,
        LOGIN_OK,
    )
    .await;
    login_cookies(&headers, "Ned@Example.com", DAY);
    expect_err(
        form(&c, &app, "/auth/register", &reg("NED@example.com", PW)).await,
        EMAIL_TAKEN,
    )
    .await;
    app.stop().await;
}

/// 11. Whatever a client sends: HTTP 200, `ret` 0 with a message, nothing created.
async fn hostile_input(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("olga@example.com", PW).await;
    let users_before = app.core.list_users(0, 1000).await.unwrap().len();
    let c = reqwest::Client::new();
    let huge = "x".repeat(70 * 1024);
    let json_ct = Some("application/json");
    let form_ct = Some("application/x-www-form-urlencoded");

    // Unreadable bodies on every POST endpoint.
    let bodies: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("malformed JSON", json_ct, b"{\"email\":".to_vec()),
        (
            "truncated JSON",
            json_ct,
            b"{\"email\":\"olga@example.com\",\"passwd\"".to_vec(),
        ),
        (
            "JSON array",
            json_ct,
            b"[\"olga@example.com\",\"x\"]".to_vec(),
        ),
        ("JSON string", json_ct, b"\"olga@example.com\"".to_vec()),
        ("JSON number", json_ct, b"42".to_vec()),
        ("JSON null", json_ct, b"null".to_vec()),
        (
            "invalid UTF-8",
            json_ct,
            b"{\"email\":\"\xff\xfe\"}".to_vec(),
        ),
        ("no content type", None, b"{\"email\":".to_vec()),
        (
            "binary",
            Some("application/octet-stream"),
            vec![0, 1, 2, 255, 0],
        ),
        (
            "huge JSON",
            json_ct,
            format!(r#"{{"email":"{huge}@example.com","passwd":"{huge}"}}"#).into_bytes(),
        ),
        (
            "huge form",
            form_ct,
            format!("email=olga%40example.com&passwd={huge}").into_bytes(),
        ),
    ];
    let paths = [
        "/auth/login",
        "/auth/register",
        "/auth/send",
        "/password/reset",
        "/password/token/abc",
    ];
    for path in paths {
        for (label, ct, body) in &bodies {
            let msg = expect_some_err(post_raw(&app, path, *ct, body.clone()).await, label).await;
            if path != "/auth/send" {
                assert_eq!(msg, m::BAD_REQUEST, "{path} {label}");
            }
        }
    }

    // Wrong types for the fields of a registration that would otherwise succeed.
    let base = json!({
        "name": "Hostile", "email": "new@example.com", "passwd": PW, "repasswd": PW,
        "imtype": "1", "wechat": "wx",
    });
    let wrong_types: Vec<(&str, Value, &str)> = vec![
        ("email", json!(42), EMAIL_INVALID),
        ("email", json!(["new@example.com"]), EMAIL_INVALID),
        ("email", json!({"$ne": null}), EMAIL_INVALID),
        ("email", json!(true), EMAIL_INVALID),
        ("email", json!(null), EMAIL_INVALID),
        ("email", json!("new\u{0}@example.com"), EMAIL_INVALID),
        (
            "email",
            json!(format!("{}@example.com", "a".repeat(300))),
            EMAIL_INVALID,
        ),
        ("passwd", json!([PW]), PASSWORD_SHORT),
        ("passwd", json!({"a": PW}), PASSWORD_SHORT),
        ("passwd", json!(true), PASSWORD_SHORT),
        ("passwd", json!(1234), PASSWORD_SHORT),
        ("repasswd", json!([PW]), PASSWORD_MISMATCH),
        ("repasswd", json!(null), PASSWORD_MISMATCH),
        ("imtype", json!([1]), CONTACT_MISSING),
        ("wechat", json!({"id": "wx"}), CONTACT_MISSING),
        ("wechat", json!(false), CONTACT_MISSING),
        ("name", json!("Ann\u{0}ie"), m::NAME_INVALID),
        ("name", json!("x".repeat(10_000)), m::NAME_INVALID),
    ];
    for (field, value, msg) in wrong_types {
        let mut body = base.clone();
        body[field] = value;
        expect_err(post_json(&c, &app, "/auth/register", &body).await, msg).await;
    }
    let long_pw = "Lo0ng-".repeat(40);
    let mut body = base.clone();
    body["passwd"] = json!(long_pw);
    body["repasswd"] = json!(long_pw);
    expect_err(
        post_json(&c, &app, "/auth/register", &body).await,
        PASSWORD_WEAK,
    )
    .await;
    // Numbers that spell a common password are read as that password.
    let mut body = base.clone();
    body["passwd"] = json!(12_345_678);
    body["repasswd"] = json!(12_345_678);
    expect_err(
        post_json(&c, &app, "/auth/register", &body).await,
        PASSWORD_WEAK,
    )
    .await;
    // A repeated form key is no single value.
    let res = post_raw(
        &app,
        "/auth/register",
        form_ct,
        format!(
            "email=new%40example.com&email=other%40example.com&passwd={PW}&repasswd={PW}&imtype=1&wechat=wx"
        )
        .into_bytes(),
    )
    .await;
    expect_err(res, EMAIL_INVALID).await;
    // NUL bytes in a form.
    let res = post_raw(
        &app,
        "/auth/register",
        form_ct,
        format!("name=a%00b&email=new%40example.com&passwd={PW}&repasswd={PW}&imtype=1&wechat=wx")
            .into_bytes(),
    )
    .await;
    expect_err(res, m::NAME_INVALID).await;
    let res = post_raw(
        &app,
        "/auth/register",
        form_ct,
        format!("email=new%00%40example.com&passwd={PW}&repasswd={PW}&imtype=1&wechat=wx")
            .into_bytes(),
    )
    .await;
    expect_err(res, EMAIL_INVALID).await;
    assert_no_account(&app, "new@example.com").await;

    // Login with wrong types, injection-shaped objects and NUL bytes.
    for body in [
        json!({"email": 42, "passwd": PW}),
        json!({"email": ["olga@example.com"], "passwd": PW}),
        json!({"email": {"$gt": ""}, "passwd": PW}),
        json!({"email": "olga@example.com", "passwd": {"$ne": null}}),
        json!({"email": "olga@example.com", "passwd": [PW]}),
        json!({"email": "olga@example.com", "passwd": null}),
        json!({"email": "olga@example.com\u{0}", "passwd": PW}),
        json!({"email": "olga@example.com", "passwd": format!("{PW}\u{0}")}),
        json!({"email": "olga@example.com", "passwd": "p".repeat(5000)}),
    ] {
        expect_err(post_json(&c, &app, "/auth/login", &body).await, LOGIN_WRONG).await;
    }
    // None of that locked olga out (at most two counted failures).
    expect_ok(login(&app, "olga@example.com", PW, &[]).await, LOGIN_OK).await;

    // Password reset: wrong types are treated as no address (same answer, no mail).
    for email in [
        json!(["olga@example.com"]),
        json!({"$ne": null}),
        json!(7),
        json!("olga@example.com\u{0}"),
    ] {
        expect_ok(
            post_json(&c, &app, "/password/reset", &json!({ "email": email })).await,
            RESET_SENT,
        )
        .await;
    }
    // Reset links: NUL bytes and wrong types.
    let fields = [("password", PW2), ("repasswd", PW2)];
    expect_err(
        form(
            &c,
            &app,
            &format!("/password/token/{}%00", "a".repeat(63)),
            &fields,
        )
        .await,
        RESET_LINK_INVALID,
    )
    .await;
    expect_err(
        post_json(
            &c,
            &app,
            "/password/token/abc",
            &json!({"password": [PW2], "repasswd": [PW2]}),
        )
        .await,
        RESET_SHORT,
    )
    .await;
    expect_err(
        post_json(
            &c,
            &app,
            "/password/token/abc",
            &json!({"password": PW2, "repasswd": {"x": PW2}}),
        )
        .await,
        RESET_MISMATCH,
    )
    .await;

    // Logout with junk cookies is harmless.
    expect_logged_out(logout_with(&app, Some(&format!("key={}", "k".repeat(4000)))).await).await;
    expect_logged_out(logout_with(&app, Some("key=%00; uid=-1; expire_in=x")).await).await;

    assert_eq!(
        app.core.list_users(0, 1000).await.unwrap().len(),
        users_before,
        "nothing was created"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(app.smtp.messages().is_empty(), "no mail was sent");
    app.stop().await;
}

on_both_engines!(
    browser_register_login_logout,
    remember_me_lifetimes,
    login_failures_and_lockout,
    two_factor_login,
    logout_revokes_the_session,
    password_reset_by_link,
    password_reset_reveals_unknown_email_when_configured,
    registration_checks,
    closed_registration,
    invite_mode,
    open_mode_invite_codes,
    email_verification,
    cross_dialect_accounts,
    hostile_input,
);
