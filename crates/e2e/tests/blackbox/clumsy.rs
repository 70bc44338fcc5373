//! The clumsy-tools API (`/fo/rest`) over HTTP, as its clients use it: OAuth2 password-grant
//! token endpoints (form bodies), account endpoints (JSON bodies), the resource guard and
//! CORS. Covers the original's manual acceptance list (behaviour notes §A.5) except social
//! sign-in and to-dos, with Tessera's deliberate differences (docs/dialects/clumsy.md).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tessera_e2e::{browser, cookie_value, on_both_engines, Engine, TestApp};

/// A password that passes the original's pattern and Tessera's policy.
const PW: &str = "mosaic99x";
/// Another such password.
const PW2: &str = "n3w-secret-pw";
/// The OAuth2 realm: the default `public_url` plus the dialect's base path.
const REALM: &str = "http://127.0.0.1:8080/fo/rest/";

const PATTERN_TIP: &str =
    "Password should contain at least 1 digit and 1 English letter, and be 6-20 characters long.";
const NEW_PATTERN_TIP: &str =
    "New password should contain at least 1 digit and 1 English letter, and be 6-20 characters long.";
const WEAK: &str = "Password is too weak: use at least 8 characters and not a common password.";
const TOO_MANY: &str = "Too many attempts. Please try again later.";

const LOGIN: &str = "/token/new/local";
const REGISTER: &str = "/token/new/by-register/local";
const CODE_LOGIN: &str = "/token/new/by-random-code/local";
const CODE_NEW: &str = "/token/random-code/new/local";
const REFRESH: &str = "/token/refresh";
const LOGOUT: &str = "/token/delete";
const PROTECTED: &str = "/token/test/protected-resource";
const ME: &str = "/user/profile/me";
const CHANGE_PW: &str = "/user/password/update/local";
const VERIFY_NEW: &str = "/user/email-verification-process/new";
const VERIFY: &str = "/user/email-verification-process/verify";
const FORGET_NEW: &str = "/user/password/forget-password-verify-code/new";
const FORGET_VALIDATE: &str = "/user/password/forget-password-verify-code/validate";
const FORGET_UPDATE: &str = "/user/password/forget-password-flow/update";

/// The business-error status of the dialect.
fn biz() -> StatusCode {
    StatusCode::from_u16(460).unwrap()
}

fn cl(app: &TestApp, path: &str) -> String {
    app.url(&format!("/fo/rest{path}"))
}

/// A form POST to a token endpoint.
async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
    reqwest::Client::new()
        .post(cl(app, path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// A JSON POST, with a bearer token when given.
async fn post_json(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Response {
    let mut req = reqwest::Client::new().post(cl(app, path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// A POST with a raw body and content type (hostile clients).
async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Response {
    let mut req = reqwest::Client::new().post(cl(app, path)).body(body);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    req.send().await.unwrap()
}

/// A GET with an optional bearer token.
async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Response {
    let mut req = reqwest::Client::new().get(cl(app, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Asserts the status and a JSON body served as `application/json;charset=utf-8`.
async fn expect(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let ct = res
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    assert_eq!(
        ct.as_deref(),
        Some("application/json;charset=utf-8"),
        "body: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts 200 with the literal `{}`.
async fn expect_empty(res: Response) {
    assert_eq!(expect(res, StatusCode::OK).await, json!({}));
}

/// The full `ErrorResult`, every key present and nulls included.
fn error_result(
    error: &str,
    description: Option<&str>,
    non_field: Option<&str>,
    fields: Option<Value>,
) -> Value {
    let for_user = non_field.map(str::to_owned).or_else(|| {
        fields
            .as_ref()
            .and_then(|f| f.as_object())
            .and_then(|m| m.values().next())
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    });
    json!({
        "error": error,
        "error_description": description,
        "exception_id": null,
        "non_field_error_for_user": non_field,
        "field_errors_for_user": fields,
        "error_description_for_user": for_user,
    })
}

/// A 460 business error with a message not tied to a field.
fn biz_error(error: &str, message: &str) -> Value {
    error_result(error, None, Some(message), None)
}

/// A 460 `INVALID_INPUT` with field messages.
fn field_errors(fields: Value) -> Value {
    error_result("INVALID_INPUT", None, None, Some(fields))
}

/// A 400 application error from a token endpoint, for the user.
fn token_user_error(message: &str) -> Value {
    error_result("invalid_request", None, Some(message), None)
}

/// A 400 from a token endpoint in Apache Oltu's shape (two keys, not an `ErrorResult`).
fn oltu(error: &str, description: &str) -> Value {
    json!({ "error": error, "error_description": description })
}

/// Asserts a resource-guard answer: the status, an empty body and the exact header.
async fn expect_guard(res: Response, status: StatusCode, error: &str, description: Option<&str>) {
    assert_eq!(res.status(), status);
    let mut want = format!("Bearer realm=\"{REALM}\",error=\"{error}\"");
    if let Some(d) = description {
        want.push_str(&format!(",error_description=\"{d}\""));
    }
    assert_eq!(
        res.headers()
            .get(WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap()),
        Some(want.as_str())
    );
    assert_eq!(res.text().await.unwrap(), "", "guard answers have no body");
}

async fn expect_missing_token(res: Response) {
    expect_guard(
        res,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        Some("Missing auth token"),
    )
    .await;
}

async fn expect_invalid_token(res: Response) {
    expect_guard(res, StatusCode::UNAUTHORIZED, "invalid_token", None).await;
}

/// A token pair from a token endpoint.
#[derive(Debug, Clone)]
struct Tokens {
    access: String,
    refresh: String,
    expires_in: i64,
    principal: String,
}

/// Checks an `AuthTokenResult` (RFC 6749 §5.1 plus `user_principal`) and extracts it.
fn tokens_of(v: &Value) -> Tokens {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        vec![
            "access_token",
            "expires_in",
            "refresh_token",
            "token_type",
            "user_principal"
        ],
        "{v}"
    );
    assert_eq!(v["token_type"], "Bearer");
    let access = v["access_token"].as_str().unwrap().to_owned();
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    for t in [&access, &refresh] {
        assert_eq!(t.len(), 36, "UUID-format token: {t}");
        assert_eq!(t.matches('-').count(), 4, "UUID-format token: {t}");
    }
    assert_ne!(access, refresh);
    Tokens {
        access,
        refresh,
        expires_in: v["expires_in"].as_i64().unwrap(),
        principal: v["user_principal"].as_str().unwrap().to_owned(),
    }
}

async fn sign_in_with(app: &TestApp, extra: &[(&str, &str)], email: &str, pw: &str) -> Response {
    let mut fields = vec![
        ("grant_type", "password"),
        ("username", email),
        ("password", pw),
    ];
    fields.extend_from_slice(extra);
    form(app, LOGIN, &fields).await
}

async fn sign_in(app: &TestApp, email: &str, pw: &str) -> Tokens {
    tokens_of(&expect(sign_in_with(app, &[], email, pw).await, StatusCode::OK).await)
}

async fn register_res(app: &TestApp, email: &str, pw: &str) -> Response {
    form(
        app,
        REGISTER,
        &[
            ("grant_type", "password"),
            ("username", email),
            ("password", pw),
        ],
    )
    .await
}

async fn register(app: &TestApp, email: &str, pw: &str) -> Tokens {
    tokens_of(&expect(register_res(app, email, pw).await, StatusCode::OK).await)
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Response {
    form(
        app,
        REFRESH,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

async fn protected_status(app: &TestApp, token: &str) -> StatusCode {
    get(app, PROTECTED, Some(token)).await.status()
}

/// The 6-digit code following `marker` in a mail body.
fn code_after(text: &str, marker: &str) -> String {
    let rest = text
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"));
    let code: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    code
}

async fn reset_code(app: &TestApp, email: &str) -> String {
    let mail = app.mail_to(email).await;
    code_after(&mail.text_body, "password reset code is:")
}

async fn login_code(app: &TestApp, email: &str) -> String {
    let mail = app.mail_to(email).await;
    assert_eq!(mail.subject, "Random Login Code");
    code_after(&mail.text_body, "sign-in code is:")
}

/// The path and query of the verification link in the latest mail to `email`.
async fn verification_link(app: &TestApp, email: &str) -> String {
    let mail = app.mail_to(email).await;
    assert_eq!(mail.subject, "Verify Your Email Address");
    let start = mail
        .text_body
        .find("http://127.0.0.1:8080/fo/rest/user/email-verification-process/verify?d=")
        .unwrap_or_else(|| panic!("no link under public_url in {}", mail.text_body));
    let link: String = mail.text_body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches("http://127.0.0.1:8080/fo/rest")
        .to_owned()
}

/// `GET verify?d=...`: status and the plain-text body.
async fn click(app: &TestApp, path_and_query: &str) -> (StatusCode, String) {
    let res = reqwest::Client::new()
        .get(cl(app, path_and_query))
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(
        res.headers()[CONTENT_TYPE].to_str().unwrap(),
        "text/plain;charset=utf-8",
        "the verification endpoint always answers plain text"
    );
    (status, res.text().await.unwrap())
}

/// An app where a code can be asked for again at once (the original had no cooldown).
async fn app_without_cooldown(engine: Engine) -> Option<TestApp> {
    TestApp::spawn_with(engine, |c| c.core.codes.resend_cooldown_secs = 0).await
}

// ---------------------------------------------------------------------------------------

async fn registration(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    // Empty inputs: Oltu's request checks, in its order and wording.
    assert_eq!(
        expect(form(&app, REGISTER, &[]).await, StatusCode::BAD_REQUEST).await,
        oltu("invalid_request", "Missing grant_type parameter value")
    );
    let blank = form(
        &app,
        REGISTER,
        &[
            ("grant_type", "password"),
            ("username", ""),
            ("password", "   "),
        ],
    )
    .await;
    assert_eq!(
        expect(blank, StatusCode::BAD_REQUEST).await,
        oltu("invalid_request", "Missing parameters: username password"),
        "values are trimmed to nothing"
    );
    let no_pw = form(
        &app,
        REGISTER,
        &[("grant_type", "password"), ("username", "a@example.com")],
    )
    .await;
    assert_eq!(
        expect(no_pw, StatusCode::BAD_REQUEST).await,
        oltu("invalid_request", "Missing parameters: password")
    );
    let bad_grant = form(
        &app,
        REGISTER,
        &[
            ("grant_type", "client_credentials"),
            ("username", "a@example.com"),
            ("password", PW),
        ],
    )
    .await;
    assert_eq!(
        expect(bad_grant, StatusCode::BAD_REQUEST).await,
        oltu("invalid_request", "Invalid grant_type parameter value")
    );
    let other_grant = form(
        &app,
        REGISTER,
        &[
            ("grant_type", "refresh_token"),
            ("username", "a@example.com"),
            ("password", PW),
        ],
    )
    .await;
    assert_eq!(
        expect(other_grant, StatusCode::BAD_REQUEST).await,
        oltu(
            "unsupported_grant_type",
            "the grant_type has to be 'password' "
        )
    );

    // A bad e-mail pattern.
    for bad in ["not-an-email", "a@", "@example.com", "a b@example.com"] {
        assert_eq!(
            expect(register_res(&app, bad, PW).await, StatusCode::BAD_REQUEST).await,
            token_user_error("Please input a valid email"),
            "{bad}"
        );
    }
    // A bad password pattern: a field error, checked before the e-mail (bean validation first).
    for (email, pw) in [
        ("a@example.com", "abcdefgh"),
        ("a@example.com", "12345678"),
        ("not-an-email", "abc"),
    ] {
        assert_eq!(
            expect(register_res(&app, email, pw).await, StatusCode::BAD_REQUEST).await,
            error_result(
                "invalid_request",
                None,
                None,
                Some(json!({ "password": PATTERN_TIP }))
            ),
            "{email} {pw}"
        );
    }
    // The original's pattern passes, Tessera's policy does not (too short, or common).
    for weak in ["abcde1", "abc123"] {
        assert_eq!(
            expect(
                register_res(&app, "a@example.com", weak).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            error_result(
                "invalid_request",
                None,
                None,
                Some(json!({ "password": WEAK }))
            ),
            "{weak}"
        );
    }

    // Success: a short session whatever long_session says, for an unverified local account.
    let res = form(
        &app,
        REGISTER,
        &[
            ("grant_type", "password"),
            ("username", "  Alice@Example.com "),
            ("password", PW),
            ("long_session", "true"),
        ],
    )
    .await;
    let t = tokens_of(&expect(res, StatusCode::OK).await);
    assert_eq!(t.expires_in, 3600, "registration ignores long_session");
    assert_eq!(t.principal, "local:Alice@Example.com", "stored as typed");
    assert_eq!(protected_status(&app, &t.access).await, StatusCode::OK);
    let me = expect(get(&app, ME, Some(&t.access)).await, StatusCode::OK).await;
    assert_eq!(me["principal"], "local:Alice@Example.com");
    assert_eq!(me["source"], "local");
    assert_eq!(me["email"], "Alice@Example.com");
    assert_eq!(me["emailVerified"], false);
    assert_eq!(me["canVerifyEmail"], true);
    assert!(me["id"].as_i64().unwrap() > 0, "{me}");
    for k in ["createdAt", "updatedAt"] {
        assert!(
            me[k].as_i64().unwrap() > 1_600_000_000_000,
            "{k} in epoch milliseconds: {me}"
        );
    }
    assert!(
        me.get("password").is_none(),
        "the password is never exposed"
    );

    // Register A twice (case does not make a new address).
    for again in [
        "Alice@Example.com",
        "alice@example.com",
        "ALICE@EXAMPLE.COM",
    ] {
        assert_eq!(
            expect(
                register_res(&app, again, PW2).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            token_user_error("This email already exists"),
            "{again}"
        );
    }
    // The first registration's password still signs in.
    sign_in(&app, "alice@example.com", PW).await;
    app.stop().await;
}

/// The original's password-pattern vectors (FoConstantsTest), through registration. Tessera's
/// own policy is relaxed here so that only the original's rule decides.
async fn password_pattern_vectors(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.core.password.min_length = 6;
        c.core.password.refuse_common = false;
    })
    .await
    else {
        return;
    };
    let valid = [
        "abcdef1",
        "ABCDEF1",
        "12345A",
        "12345a",
        "1a!@#$$%$#",
        "abc123",
        "abcdeabcdeabcde12345",
    ];
    for (i, pw) in valid.iter().enumerate() {
        let email = format!("valid{i}@example.com");
        let t = register(&app, &email, pw).await;
        assert_eq!(t.principal, format!("local:{email}"));
        sign_in(&app, &email, pw).await;
    }
    let invalid = [
        "abcdef",
        "123456",
        "a!@#$%^",
        "1!@#$%^",
        "abc12",
        "abcdeabcdeabcde123456",
    ];
    for (i, pw) in invalid.iter().enumerate() {
        let email = format!("invalid{i}@example.com");
        assert_eq!(
            expect(
                register_res(&app, &email, pw).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            error_result(
                "invalid_request",
                None,
                None,
                Some(json!({ "password": PATTERN_TIP }))
            ),
            "{pw}"
        );
        assert_eq!(
            expect(
                sign_in_with(&app, &[], &email, pw).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            token_user_error("Email or password wrong"),
            "no account was made for {pw}"
        );
    }
    app.stop().await;
}

async fn local_login(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("bob@example.com", PW).await;
    app.add_user("locked@example.com", PW).await;

    // Empty inputs.
    assert_eq!(
        expect(form(&app, LOGIN, &[]).await, StatusCode::BAD_REQUEST).await,
        oltu("invalid_request", "Missing grant_type parameter value")
    );
    assert_eq!(
        expect(
            form(&app, LOGIN, &[("grant_type", "password")]).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        oltu("invalid_request", "Missing parameters: username password")
    );
    assert_eq!(
        expect(
            sign_in_with(&app, &[], "", PW).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        oltu("invalid_request", "Missing parameters: username")
    );

    // Invalid e-mail, wrong password and an unknown account all answer alike.
    let wrong = token_user_error("Email or password wrong");
    for (email, pw) in [
        ("not-an-email", PW),
        ("bob@example.com", "wrong-password-1"),
        ("nobody@example.com", PW),
    ] {
        assert_eq!(
            expect(
                sign_in_with(&app, &[], email, pw).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            wrong,
            "{email}"
        );
    }

    // Normal login: trimmed, case-insensitive e-mail; 1 h, or 14 days with long_session=true.
    let t = tokens_of(
        &expect(
            sign_in_with(&app, &[], "  BOB@Example.com ", PW).await,
            StatusCode::OK,
        )
        .await,
    );
    assert_eq!(t.expires_in, 3600);
    assert_eq!(t.principal, "local:bob@example.com");
    assert_eq!(protected_status(&app, &t.access).await, StatusCode::OK);
    let long = tokens_of(
        &expect(
            sign_in_with(&app, &[("long_session", "true")], "bob@example.com", PW).await,
            StatusCode::OK,
        )
        .await,
    );
    assert_eq!(long.expires_in, 1_209_600);
    let not_long = tokens_of(
        &expect(
            sign_in_with(&app, &[("long_session", "TRUE")], "bob@example.com", PW).await,
            StatusCode::OK,
        )
        .await,
    );
    assert_eq!(not_long.expires_in, 3600, "long_session is case-sensitive");
    // A user may hold any number of tokens at once.
    for token in [&t.access, &long.access, &not_long.access] {
        assert_eq!(protected_status(&app, token).await, StatusCode::OK);
    }

    // Lockout (a deliberate difference): five failures lock even the right password out.
    for _ in 0..5 {
        sign_in_with(&app, &[], "locked@example.com", "wrong-password-1").await;
    }
    assert_eq!(
        expect(
            sign_in_with(&app, &[], "locked@example.com", PW).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        token_user_error(TOO_MANY)
    );
    app.stop().await;
}

async fn forget_password(engine: Engine) {
    let Some(app) = app_without_cooldown(engine).await else {
        return;
    };
    app.add_user("carol@example.com", PW).await;
    let old_session = sign_in(&app, "carol@example.com", PW).await;

    // Request: empty inputs, a bad address, an unknown address (same answer, no mail), positive.
    let required = biz_error("INVALID_INPUT", "Please input the required fields.");
    assert_eq!(
        expect(post_raw(&app, FORGET_NEW, None, vec![]).await, biz()).await,
        required
    );
    for empty in [
        json!({"email": ""}),
        json!({"email": "  "}),
        json!({"email": null}),
    ] {
        assert_eq!(
            expect(post_json(&app, FORGET_NEW, None, &empty).await, biz()).await,
            field_errors(json!({"email": "please input email"})),
            "{empty}"
        );
    }
    assert_eq!(
        expect(
            post_json(&app, FORGET_NEW, None, &json!({"email": "nope"})).await,
            biz()
        )
        .await,
        field_errors(json!({"email": "Please input a valid email"}))
    );
    expect_empty(
        post_json(
            &app,
            FORGET_NEW,
            None,
            &json!({"email": "ghost@example.com"}),
        )
        .await,
    )
    .await;
    expect_empty(
        post_json(
            &app,
            FORGET_NEW,
            None,
            &json!({"email": "carol@example.com"}),
        )
        .await,
    )
    .await;
    let first = reset_code(&app, "carol@example.com").await;
    assert!(
        app.smtp
            .messages()
            .iter()
            .all(|m| !m.to.iter().any(|t| t.contains("ghost"))),
        "no mail for an unknown address"
    );

    // Validate: empty inputs, unknown address, wrong code, positive (nothing spent).
    assert_eq!(
        expect(post_raw(&app, FORGET_VALIDATE, None, vec![]).await, biz()).await,
        required
    );
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "", "verifyCode": " "})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({
            "email": "Please input email.",
            "verifyCode": "Please input the verification code you received."
        }))
    );
    let invalid_code = biz_error("INVALID_INPUT", "Invalid verification code.");
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "nobody@example.com", "verifyCode": "123456"})
            )
            .await,
            biz()
        )
        .await,
        invalid_code,
        "an address nobody asked a code for"
    );
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "ghost@example.com", "verifyCode": "123456"})
            )
            .await,
            biz()
        )
        .await,
        invalid_code,
        "an unknown address that asked for a code"
    );
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "carol@example.com", "verifyCode": wrong})
            )
            .await,
            biz()
        )
        .await,
        invalid_code
    );
    for _ in 0..2 {
        expect_empty(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "Carol@Example.com", "verifyCode": first}),
            )
            .await,
        )
        .await;
    }

    // Request twice and use the first code: the first was replaced.
    expect_empty(
        post_json(
            &app,
            FORGET_NEW,
            None,
            &json!({"email": "carol@example.com"}),
        )
        .await,
    )
    .await;
    let second = reset_code(&app, "carol@example.com").await;
    if first != second {
        assert_eq!(
            expect(
                post_json(
                    &app,
                    FORGET_VALIDATE,
                    None,
                    &json!({"email": "carol@example.com", "verifyCode": first})
                )
                .await,
                biz()
            )
            .await,
            invalid_code
        );
    }

    // Reset: empty inputs, bad pattern, weak password, wrong code.
    assert_eq!(
        expect(post_raw(&app, FORGET_UPDATE, None, vec![]).await, biz()).await,
        required
    );
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_UPDATE,
                None,
                &json!({"email": "", "verifyCode": "", "newPassword": ""})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({
            "email": "Please input email.",
            "newPassword": "Please input the new password.",
            "verifyCode": "Please input the verification code you received."
        }))
    );
    for (pw, msg) in [("abcdefgh", NEW_PATTERN_TIP), ("abcde1", WEAK)] {
        assert_eq!(
            expect(
                post_json(
                    &app,
                    FORGET_UPDATE,
                    None,
                    &json!({"email": "carol@example.com", "verifyCode": second, "newPassword": pw})
                )
                .await,
                biz()
            )
            .await,
            field_errors(json!({ "newPassword": msg })),
            "{pw}"
        );
    }
    let wrong = if second == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_UPDATE,
                None,
                &json!({"email": "carol@example.com", "verifyCode": wrong, "newPassword": PW2})
            )
            .await,
            biz()
        )
        .await,
        invalid_code,
        "a bad code is INVALID_INPUT, not UNKNOWN_SERVER_ERROR"
    );

    // Positive, followed by a login; every session ends; the code works once.
    expect_empty(
        post_json(
            &app,
            FORGET_UPDATE,
            None,
            &json!({"email": "carol@example.com", "verifyCode": second, "newPassword": PW2}),
        )
        .await,
    )
    .await;
    assert_eq!(
        expect(
            sign_in_with(&app, &[], "carol@example.com", PW).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        token_user_error("Email or password wrong")
    );
    let fresh = sign_in(&app, "carol@example.com", PW2).await;
    assert_eq!(protected_status(&app, &fresh.access).await, StatusCode::OK);
    expect_invalid_token(get(&app, PROTECTED, Some(&old_session.access)).await).await;
    assert_eq!(
        expect(
            refresh(&app, &old_session.refresh).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        error_result("invalid_request", Some("invalid refresh token"), None, None)
    );
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_UPDATE,
                None,
                &json!({"email": "carol@example.com", "verifyCode": second, "newPassword": "an0ther-pw"})
            )
            .await,
            biz()
        )
        .await,
        invalid_code,
        "the code is spent by the reset (deliberate difference)"
    );
    sign_in(&app, "carol@example.com", PW2).await;
    app.stop().await;
}

async fn random_code_login(engine: Engine) {
    let Some(app) = app_without_cooldown(engine).await else {
        return;
    };
    app.add_user("dave@example.com", PW).await;

    // Request: empty inputs, unknown address (same answer), positive.
    assert_eq!(
        expect(post_raw(&app, CODE_NEW, None, vec![]).await, biz()).await,
        biz_error("INVALID_INPUT", "Please input the required fields.")
    );
    assert_eq!(
        expect(
            post_json(&app, CODE_NEW, None, &json!({"email": ""})).await,
            biz()
        )
        .await,
        field_errors(json!({"email": "Please input email"}))
    );
    expect_empty(post_json(&app, CODE_NEW, None, &json!({"email": "ghost@example.com"})).await)
        .await;
    expect_empty(post_json(&app, CODE_NEW, None, &json!({"email": "dave@example.com"})).await)
        .await;
    let code = login_code(&app, "dave@example.com").await;

    let by_code = |email: &'static str, code: String| {
        let app = &app;
        async move {
            form(
                app,
                CODE_LOGIN,
                &[
                    ("grant_type", "password"),
                    ("username", email),
                    ("password", code.as_str()),
                    ("long_session", "true"),
                ],
            )
            .await
        }
    };

    // Login: empty inputs, unknown address, wrong code.
    assert_eq!(
        expect(
            form(&app, CODE_LOGIN, &[("grant_type", "password")]).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        oltu("invalid_request", "Missing parameters: username password")
    );
    let invalid = token_user_error("Invalid login code.");
    assert_eq!(
        expect(
            by_code("ghost@example.com", "123456".into()).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        invalid
    );
    assert_eq!(
        expect(
            by_code("nobody@example.com", "123456".into()).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        invalid
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        expect(
            by_code("dave@example.com", wrong.into()).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        invalid
    );

    // Positive: a 1-hour session (long_session is not read); the code works once.
    let t = tokens_of(
        &expect(
            by_code("dave@example.com", code.clone()).await,
            StatusCode::OK,
        )
        .await,
    );
    assert_eq!(t.expires_in, 3600);
    assert_eq!(t.principal, "local:dave@example.com");
    assert_eq!(protected_status(&app, &t.access).await, StatusCode::OK);
    assert_eq!(
        expect(
            by_code("dave@example.com", code.clone()).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        invalid,
        "a login code works once"
    );

    // Request twice and use the first code: fails; the second works.
    expect_empty(post_json(&app, CODE_NEW, None, &json!({"email": "dave@example.com"})).await)
        .await;
    let first = login_code(&app, "dave@example.com").await;
    expect_empty(post_json(&app, CODE_NEW, None, &json!({"email": "dave@example.com"})).await)
        .await;
    let second = login_code(&app, "dave@example.com").await;
    if first != second {
        assert_eq!(
            expect(
                by_code("dave@example.com", first).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            invalid
        );
    }
    tokens_of(&expect(by_code("dave@example.com", second).await, StatusCode::OK).await);
    app.stop().await;
}

async fn email_verification(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let t = register(&app, "erin@example.com", PW).await;
    let me = expect(get(&app, ME, Some(&t.access)).await, StatusCode::OK).await;
    assert_eq!(
        me["emailVerified"], false,
        "local registration is unverified"
    );

    // Needs a login.
    expect_missing_token(post_json(&app, VERIFY_NEW, None, &json!({})).await).await;

    // Unverified: a mail arrives; asking again sends a new one and the old link dies.
    expect_empty(post_json(&app, VERIFY_NEW, Some(&t.access), &json!({})).await).await;
    let old = verification_link(&app, "erin@example.com").await;
    assert!(old.starts_with("/user/email-verification-process/verify?d="));
    let res = reqwest::Client::new()
        .post(cl(&app, VERIFY_NEW))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    expect_empty(res).await;
    let link = verification_link(&app, "erin@example.com").await;
    assert_ne!(old, link);
    assert_eq!(
        click(&app, &old).await,
        (biz(), "Invalid request".to_owned()),
        "one live link per account"
    );

    // Invalid links.
    for bad in [
        format!("{VERIFY}?d=garbage"),
        format!("{VERIFY}?d="),
        VERIFY.to_owned(),
        format!("{VERIFY}?d={}", "a".repeat(64)),
        format!("{VERIFY}?d={}", "x".repeat(5000)),
    ] {
        assert_eq!(
            click(&app, &bad).await,
            (biz(), "Invalid request".to_owned()),
            "{bad}"
        );
    }

    // A valid link verifies; a second click still answers success.
    for _ in 0..2 {
        assert_eq!(
            click(&app, &link).await,
            (StatusCode::OK, "Email address verified.".to_owned())
        );
    }
    let me = expect(get(&app, ME, Some(&t.access)).await, StatusCode::OK).await;
    assert_eq!(me["emailVerified"], true);
    assert_eq!(me["canVerifyEmail"], false);

    // Verified: asking for a link is an error.
    assert_eq!(
        expect(
            post_json(&app, VERIFY_NEW, Some(&t.access), &json!({})).await,
            biz()
        )
        .await,
        biz_error("ILLEGAL_STATUS", "Your email is already verified.")
    );
    app.add_user("seeded@example.com", PW).await;
    let s = sign_in(&app, "seeded@example.com", PW).await;
    assert_eq!(
        expect(
            post_json(&app, VERIFY_NEW, Some(&s.access), &json!({})).await,
            biz()
        )
        .await,
        biz_error("ILLEGAL_STATUS", "Your email is already verified.")
    );
    app.stop().await;
}

async fn change_password(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("fay@example.com", PW).await;
    let current = sign_in(&app, "fay@example.com", PW).await;
    let other = sign_in(&app, "fay@example.com", PW).await;
    let tok = Some(current.access.as_str());

    // Needs a login.
    expect_missing_token(
        post_json(
            &app,
            CHANGE_PW,
            None,
            &json!({"currentPassword": PW, "newPassword": PW2}),
        )
        .await,
    )
    .await;

    // Empty inputs.
    assert_eq!(
        expect(
            post_json(
                &app,
                CHANGE_PW,
                tok,
                &json!({"currentPassword": "", "newPassword": " "})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({
            "currentPassword": "Please input current password.",
            "newPassword": "Please input the new password."
        }))
    );
    let no_body = reqwest::Client::new()
        .post(cl(&app, CHANGE_PW))
        .bearer_auth(&current.access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect(no_body, biz()).await,
        biz_error("INVALID_INPUT", "Please input the required fields.")
    );
    // Bad pattern; weak by Tessera's policy.
    assert_eq!(
        expect(
            post_json(
                &app,
                CHANGE_PW,
                tok,
                &json!({"currentPassword": PW, "newPassword": "abcdefgh"})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({ "newPassword": NEW_PATTERN_TIP }))
    );
    assert_eq!(
        expect(
            post_json(
                &app,
                CHANGE_PW,
                tok,
                &json!({"currentPassword": PW, "newPassword": "abcde1"})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({ "newPassword": WEAK }))
    );
    // Wrong current password.
    assert_eq!(
        expect(
            post_json(
                &app,
                CHANGE_PW,
                tok,
                &json!({"currentPassword": "wrong-password-1", "newPassword": PW2})
            )
            .await,
            biz()
        )
        .await,
        biz_error("INVALID_INPUT", "The current password you input is wrong")
    );
    assert_eq!(protected_status(&app, &other.access).await, StatusCode::OK);

    // Success: this session lives on, the other one ends (deliberate difference).
    expect_empty(
        post_json(
            &app,
            CHANGE_PW,
            tok,
            &json!({"currentPassword": PW, "newPassword": PW2}),
        )
        .await,
    )
    .await;
    assert_eq!(
        protected_status(&app, &current.access).await,
        StatusCode::OK
    );
    expect_invalid_token(get(&app, PROTECTED, Some(&other.access)).await).await;
    assert_eq!(
        expect(refresh(&app, &other.refresh).await, StatusCode::BAD_REQUEST).await,
        error_result("invalid_request", Some("invalid refresh token"), None, None)
    );
    let rotated = tokens_of(&expect(refresh(&app, &current.refresh).await, StatusCode::OK).await);
    assert_eq!(
        protected_status(&app, &rotated.access).await,
        StatusCode::OK
    );
    assert_eq!(
        expect(
            sign_in_with(&app, &[], "fay@example.com", PW).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        token_user_error("Email or password wrong")
    );
    sign_in(&app, "fay@example.com", PW2).await;
    app.stop().await;
}

async fn protected_resource_and_guard(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("gus@example.com", PW).await;
    let t = sign_in(&app, "gus@example.com", PW).await;

    // Without login: 400 with the header and no body; a blank header counts as none.
    expect_missing_token(get(&app, PROTECTED, None).await).await;
    expect_missing_token(get(&app, ME, None).await).await;
    let blank = reqwest::Client::new()
        .get(cl(&app, PROTECTED))
        .header("authorization", "")
        .send()
        .await
        .unwrap();
    expect_missing_token(blank).await;

    // Malformed headers: 400 invalid_request with Oltu's messages.
    for bad in ["Basic Z3VzOnB3", "bearer abc", "Token abc", "Bearerabc"] {
        let res = reqwest::Client::new()
            .get(cl(&app, PROTECTED))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        expect_guard(
            res,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Incorrect authorization method."),
        )
        .await;
    }

    // Unknown tokens: 401 invalid_token.
    for garbage in [
        "garbage".to_owned(),
        uuid_like(),
        "x".repeat(4096),
        t.refresh.clone(),
    ] {
        expect_invalid_token(get(&app, PROTECTED, Some(&garbage)).await).await;
        expect_invalid_token(get(&app, ME, Some(&garbage)).await).await;
    }

    // With login.
    expect_empty(get(&app, PROTECTED, Some(&t.access)).await).await;

    // Unknown resources.
    assert_eq!(
        expect(
            get(&app, "/no/such/thing", None).await,
            StatusCode::NOT_FOUND
        )
        .await,
        error_result(
            "UNKNOWN_SERVER_ERROR",
            Some("This restful resource doesn't exist"),
            None,
            None
        )
    );
    app.stop().await;

    // Expired tokens: 401 expired_token (lifetime 0 here); refreshing still works.
    let Some(app) = TestApp::spawn_with(engine, |c| c.core.tokens.access_secs = 0).await else {
        return;
    };
    app.add_user("gus@example.com", PW).await;
    let t = sign_in(&app, "gus@example.com", PW).await;
    assert_eq!(t.expires_in, 0);
    expect_guard(
        get(&app, PROTECTED, Some(&t.access)).await,
        StatusCode::UNAUTHORIZED,
        "expired_token",
        None,
    )
    .await;
    expect_guard(
        get(&app, ME, Some(&t.access)).await,
        StatusCode::UNAUTHORIZED,
        "expired_token",
        None,
    )
    .await;
    let r = tokens_of(&expect(refresh(&app, &t.refresh).await, StatusCode::OK).await);
    expect_invalid_token(get(&app, PROTECTED, Some(&t.access)).await).await;
    expect_guard(
        get(&app, PROTECTED, Some(&r.access)).await,
        StatusCode::UNAUTHORIZED,
        "expired_token",
        None,
    )
    .await;
    // Logging out with an expired token is refused like the original (the guard runs first).
    let out = reqwest::Client::new()
        .post(cl(&app, LOGOUT))
        .bearer_auth(&r.access)
        .send()
        .await
        .unwrap();
    expect_guard(out, StatusCode::UNAUTHORIZED, "expired_token", None).await;
    app.stop().await;
}

fn uuid_like() -> String {
    "123e4567-e89b-12d3-a456-426614174000".to_owned()
}

async fn refresh_rotation_and_logout(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("hal@example.com", PW).await;
    let t1 = sign_in(&app, "hal@example.com", PW).await;

    // Request errors, in Oltu's order and wording (400, not the original's 460).
    assert_eq!(
        expect(form(&app, REFRESH, &[]).await, StatusCode::BAD_REQUEST).await,
        oltu("invalid_request", "Missing grant_type parameter value")
    );
    assert_eq!(
        expect(
            form(&app, REFRESH, &[("grant_type", "refresh_token")]).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        oltu("invalid_request", "Missing parameters: refresh_token")
    );
    assert_eq!(
        expect(
            form(
                &app,
                REFRESH,
                &[
                    ("grant_type", "nonsense"),
                    ("refresh_token", t1.refresh.as_str())
                ]
            )
            .await,
            StatusCode::BAD_REQUEST
        )
        .await,
        oltu("invalid_request", "Invalid grant_type parameter value")
    );
    assert_eq!(
        expect(
            form(
                &app,
                REFRESH,
                &[
                    ("grant_type", "password"),
                    ("refresh_token", t1.refresh.as_str())
                ]
            )
            .await,
            StatusCode::BAD_REQUEST
        )
        .await,
        oltu(
            "unsupported_grant_type",
            "the grant_type has to be 'refresh_token' "
        )
    );
    let unknown = error_result("invalid_request", Some("invalid refresh token"), None, None);
    for bad in [uuid_like(), "x".repeat(4096), t1.access.clone()] {
        assert_eq!(
            expect(refresh(&app, &bad).await, StatusCode::BAD_REQUEST).await,
            unknown
        );
    }
    // None of that harmed the session.
    assert_eq!(protected_status(&app, &t1.access).await, StatusCode::OK);

    // Rotation: both tokens are new, the old access token stops at once, the new one works.
    let t2 = tokens_of(&expect(refresh(&app, &t1.refresh).await, StatusCode::OK).await);
    assert_ne!(t2.access, t1.access);
    assert_ne!(t2.refresh, t1.refresh);
    assert_eq!(t2.expires_in, 3600);
    assert_eq!(t2.principal, "local:hal@example.com");
    expect_invalid_token(get(&app, PROTECTED, Some(&t1.access)).await).await;
    assert_eq!(protected_status(&app, &t2.access).await, StatusCode::OK);
    let t3 = tokens_of(&expect(refresh(&app, &t2.refresh).await, StatusCode::OK).await);
    assert_eq!(protected_status(&app, &t3.access).await, StatusCode::OK);

    // A long session stays long.
    let long = tokens_of(
        &expect(
            sign_in_with(&app, &[("long_session", "true")], "hal@example.com", PW).await,
            StatusCode::OK,
        )
        .await,
    );
    let long2 = tokens_of(&expect(refresh(&app, &long.refresh).await, StatusCode::OK).await);
    assert_eq!(long2.expires_in, 1_209_600);

    // Logout: without a token silent; with a garbage one 401; with a real one the session
    // ends at once (access and refresh), other sessions live on.
    let anon = reqwest::Client::new()
        .post(cl(&app, LOGOUT))
        .send()
        .await
        .unwrap();
    expect_empty(anon).await;
    let garbage = reqwest::Client::new()
        .post(cl(&app, LOGOUT))
        .bearer_auth("garbage")
        .send()
        .await
        .unwrap();
    expect_invalid_token(garbage).await;
    let out = reqwest::Client::new()
        .post(cl(&app, LOGOUT))
        .bearer_auth(&t3.access)
        .send()
        .await
        .unwrap();
    expect_empty(out).await;
    expect_invalid_token(get(&app, PROTECTED, Some(&t3.access)).await).await;
    assert_eq!(
        expect(refresh(&app, &t3.refresh).await, StatusCode::BAD_REQUEST).await,
        unknown
    );
    assert_eq!(protected_status(&app, &long2.access).await, StatusCode::OK);
    let again = reqwest::Client::new()
        .post(cl(&app, LOGOUT))
        .bearer_auth(&t3.access)
        .send()
        .await
        .unwrap();
    expect_invalid_token(again).await;
    app.stop().await;
}

/// Fifty refreshes of one refresh token at once (tabs, retries): within the grace window
/// every one gets a working pair and the user stays signed in.
async fn concurrent_refreshes_within_grace(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("ida@example.com", PW).await;
    let t = sign_in(&app, "ida@example.com", PW).await;
    let client = reqwest::Client::new();
    let url = cl(&app, REFRESH);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (client, url, rt) = (client.clone(), url.clone(), t.refresh.clone());
            tokio::spawn(async move {
                let res = client
                    .post(url)
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", &rt)])
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                let body: Value = res.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let mut pairs = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        pairs.push(tokens_of(&body));
    }
    let mut accesses: Vec<&str> = pairs.iter().map(|p| p.access.as_str()).collect();
    accesses.sort_unstable();
    accesses.dedup();
    assert_eq!(accesses.len(), 50, "every refresh got its own pair");

    // Not signed out: the tokens reach the protected resource and refresh on.
    for p in &pairs {
        assert_eq!(protected_status(&app, &p.access).await, StatusCode::OK);
    }
    let last = &pairs[pairs.len() - 1];
    let me = expect(get(&app, ME, Some(&last.access)).await, StatusCode::OK).await;
    assert_eq!(me["email"], "ida@example.com");
    let next = tokens_of(&expect(refresh(&app, &pairs[0].refresh).await, StatusCode::OK).await);
    assert_eq!(protected_status(&app, &next.access).await, StatusCode::OK);
    expect_invalid_token(get(&app, PROTECTED, Some(&t.access)).await).await;
    app.stop().await;
}

/// A spent refresh token presented after the grace window (0 here) is a replay: the whole
/// session is revoked; the user's other sessions are not.
async fn replay_after_grace_revokes_session(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, |c| c.core.tokens.refresh_grace_secs = 0).await
    else {
        return;
    };
    app.add_user("jo@example.com", PW).await;
    let bystander = sign_in(&app, "jo@example.com", PW).await;
    let t1 = sign_in(&app, "jo@example.com", PW).await;
    let t2 = tokens_of(&expect(refresh(&app, &t1.refresh).await, StatusCode::OK).await);
    assert_eq!(protected_status(&app, &t2.access).await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(20)).await;

    let unknown = error_result("invalid_request", Some("invalid refresh token"), None, None);
    assert_eq!(
        expect(refresh(&app, &t1.refresh).await, StatusCode::BAD_REQUEST).await,
        unknown
    );
    expect_invalid_token(get(&app, PROTECTED, Some(&t2.access)).await).await;
    assert_eq!(
        expect(refresh(&app, &t2.refresh).await, StatusCode::BAD_REQUEST).await,
        unknown,
        "the thief's pair dies with the session"
    );
    assert_eq!(
        protected_status(&app, &bystander.access).await,
        StatusCode::OK
    );
    app.stop().await;
}

/// One account store for every dialect.
async fn cross_dialect_accounts(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    register(&app, "Kim@Example.com", PW).await;
    let b = browser();
    let res = b
        .post(app.url("/login"))
        .json(&json!({"email": "kim@example.com", "password": PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(cookie_value(res.headers(), "TOKEN").is_some());
    assert_eq!(
        b.get(app.url("/verify")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let wrong = b
        .post(app.url("/login"))
        .json(&json!({"email": "kim@example.com", "password": PW2}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);

    app.add_user("lee@example.com", PW).await;
    let t = sign_in(&app, "lee@example.com", PW).await;
    assert_eq!(t.principal, "local:lee@example.com");
    let me = expect(get(&app, ME, Some(&t.access)).await, StatusCode::OK).await;
    assert_eq!(me["emailVerified"], true);
    // An account made elsewhere cannot be registered again here.
    assert_eq!(
        expect(
            register_res(&app, "LEE@example.com", PW).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        token_user_error("This email already exists")
    );
    app.stop().await;
}

/// Anything a client can send gets a clear answer in the dialect's format, never a 5xx.
async fn hostile_input(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("max@example.com", PW).await;
    let t = sign_in(&app, "max@example.com", PW).await;
    let bad_ct = oltu(
        "invalid_request",
        "Bad request content type. Expecting: application/x-www-form-urlencoded",
    );
    let creds = json!({"grant_type": "password", "username": "max@example.com", "password": PW});
    let huge = "x".repeat(200 * 1024);

    // Token endpoints want forms.
    for path in [LOGIN, REGISTER, CODE_LOGIN, REFRESH] {
        assert_eq!(
            expect(
                post_json(&app, path, None, &creds).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            bad_ct,
            "{path}: JSON where a form is expected"
        );
        for ct in [
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let res = post_raw(
                &app,
                path,
                ct,
                b"grant_type=password&username=max%40example.com&password=x".to_vec(),
            )
            .await;
            assert_eq!(
                expect(res, StatusCode::BAD_REQUEST).await,
                bad_ct,
                "{path} {ct:?}"
            );
        }
        let big = post_raw(
            &app,
            path,
            Some("application/x-www-form-urlencoded"),
            format!("grant_type=password&username=max%40example.com&password={huge}").into_bytes(),
        )
        .await;
        assert_eq!(
            expect(big, StatusCode::BAD_REQUEST).await,
            oltu("invalid_request", "Request body too large"),
            "{path}"
        );
        for raw in [
            b"grant_type=password&username=%ZZ&password=%".to_vec(),
            b"\xff\xfe\x00=\xff".to_vec(),
            b"grant_type=password&username=a&username=b&password=x".to_vec(),
        ] {
            let res = post_raw(
                &app,
                path,
                Some("application/x-www-form-urlencoded"),
                raw.clone(),
            )
            .await;
            let b = expect(res, StatusCode::BAD_REQUEST).await;
            // Oltu's shape, or an ErrorResult for the user (a lenient decoder may keep "%ZZ").
            let oltu_shape =
                b.as_object().unwrap().len() == 2 && b["error_description"].is_string();
            let for_user = b["error_description_for_user"].is_string();
            assert!(
                b["error"] == "invalid_request" && (oltu_shape || for_user),
                "{path} {:?}: {b}",
                String::from_utf8_lossy(&raw)
            );
        }
    }
    // Odd but well-formed credentials: refused as credentials, never a crash.
    for (email, pw) in [
        ("max@example.com", "\u{0}\u{1}\u{2}"),
        ("max@example.com", "ünïcødé-🔑-pässwörd1"),
        ("max@example.com", huge.get(..2000).unwrap()),
        ("max\u{0}@example.com", PW),
        (huge.get(..300).unwrap(), PW),
    ] {
        assert_eq!(
            expect(
                sign_in_with(&app, &[], email, pw).await,
                StatusCode::BAD_REQUEST
            )
            .await,
            token_user_error("Email or password wrong")
        );
    }

    // JSON endpoints: malformed, wrong types, forms, huge bodies.
    let required = biz_error("INVALID_INPUT", "Please input the required fields.");
    for path in [CODE_NEW, FORGET_NEW, FORGET_VALIDATE, FORGET_UPDATE] {
        for raw in [
            b"[1,2,3]".to_vec(),
            b"{\"email\":".to_vec(),
            b"\xff\xfe\x00".to_vec(),
            b"null".to_vec(),
            b"\"email\"".to_vec(),
        ] {
            let res = post_raw(&app, path, Some("application/json"), raw.clone()).await;
            assert_eq!(
                expect(res, biz()).await,
                required,
                "{path} {:?}",
                String::from_utf8_lossy(&raw)
            );
        }
        let big = post_json(
            &app,
            path,
            None,
            &json!({"email": huge, "verifyCode": huge}),
        )
        .await;
        assert_eq!(
            expect(big, biz()).await,
            biz_error("INVALID_INPUT", "Request body too large."),
            "{path}"
        );
    }
    for path in [CODE_NEW, FORGET_NEW] {
        let b = expect(
            post_json(&app, path, None, &json!({"email": 42})).await,
            biz(),
        )
        .await;
        assert_eq!(b["error"], "INVALID_INPUT");
        assert!(b["field_errors_for_user"]["email"].is_string(), "{b}");
        let b = expect(
            post_json(&app, path, None, &json!({"email": ["max@example.com"]})).await,
            biz(),
        )
        .await;
        assert!(b["field_errors_for_user"]["email"].is_string(), "{b}");
        // A form body is read as well (the original's frameworks accepted both).
        let res = post_raw(
            &app,
            path,
            Some("application/x-www-form-urlencoded"),
            b"email=ghost%40example.com".to_vec(),
        )
        .await;
        expect_empty(res).await;
    }
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "max@example.com", "verifyCode": 123_456})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({"verifyCode": "Please input the verification code you received."}))
    );
    let tok = Some(t.access.as_str());
    assert_eq!(
        expect(
            post_json(
                &app,
                CHANGE_PW,
                tok,
                &json!({"currentPassword": 1, "newPassword": true})
            )
            .await,
            biz()
        )
        .await,
        field_errors(json!({
            "currentPassword": "Please input current password.",
            "newPassword": "Please input the new password."
        }))
    );
    let big = post_json(
        &app,
        CHANGE_PW,
        tok,
        &json!({"currentPassword": huge, "newPassword": huge}),
    )
    .await;
    assert_eq!(
        expect(big, biz()).await,
        biz_error("INVALID_INPUT", "Request body too large.")
    );

    // Strange Authorization headers.
    let res = reqwest::Client::new()
        .get(cl(&app, PROTECTED))
        .header(
            "authorization",
            reqwest::header::HeaderValue::from_bytes(b"Bearer \xe9t\xe9").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().contains_key(WWW_AUTHENTICATE));

    // Wrong methods: Oltu's 400 "Method not set to POST." on token endpoints
    // (docs/dialects/clumsy.md #13); 405 elsewhere.
    for (method, path) in [
        (reqwest::Method::GET, LOGIN),
        (reqwest::Method::GET, REGISTER),
        (reqwest::Method::PUT, REFRESH),
    ] {
        let res = reqwest::Client::new()
            .request(method.clone(), cl(&app, path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            expect(res, StatusCode::BAD_REQUEST).await,
            oltu("invalid_request", "Method not set to POST."),
            "{method} {path}"
        );
    }
    for (method, path) in [
        (reqwest::Method::GET, CHANGE_PW),
        (reqwest::Method::DELETE, ME),
        (reqwest::Method::GET, LOGOUT),
    ] {
        let res = reqwest::Client::new()
            .request(method.clone(), cl(&app, path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }

    // Nothing above harmed the account.
    assert_eq!(protected_status(&app, &t.access).await, StatusCode::OK);
    sign_in(&app, "max@example.com", PW).await;
    app.stop().await;
}

/// Expired codes and links. The lifetimes are the original's (10 min, 30 min, 14 days) and
/// the server runs on the system clock, so the codes are issued here through the core with a
/// lifetime of zero (already expired when they arrive) and redeemed over HTTP.
async fn expired_codes_and_links(engine: Engine) {
    let Some(app) = app_without_cooldown(engine).await else {
        return;
    };
    let ctx = tessera_core::domain::RequestContext {
        ip: None,
        user_agent: None,
        dialect: "test",
    };
    app.add_user("olga@example.com", PW).await;

    // Forget-password code: validate and reset both say it expired; the password stays.
    app.core
        .request_password_reset("olga@example.com", Some(0), &ctx)
        .await
        .unwrap();
    let code = reset_code(&app, "olga@example.com").await;
    let expired = biz_error("INVALID_INPUT", "Verification code expired.");
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_VALIDATE,
                None,
                &json!({"email": "olga@example.com", "verifyCode": code})
            )
            .await,
            biz()
        )
        .await,
        expired
    );
    assert_eq!(
        expect(
            post_json(
                &app,
                FORGET_UPDATE,
                None,
                &json!({"email": "olga@example.com", "verifyCode": code, "newPassword": PW2})
            )
            .await,
            biz()
        )
        .await,
        expired,
        "a reset with an expired code is INVALID_INPUT, not UNKNOWN_SERVER_ERROR"
    );
    sign_in(&app, "olga@example.com", PW).await;

    // Random login code.
    app.core
        .request_login_code("olga@example.com", 0, &ctx)
        .await
        .unwrap();
    let code = login_code(&app, "olga@example.com").await;
    let res = form(
        &app,
        CODE_LOGIN,
        &[
            ("grant_type", "password"),
            ("username", "olga@example.com"),
            ("password", code.as_str()),
        ],
    )
    .await;
    assert_eq!(
        expect(res, StatusCode::BAD_REQUEST).await,
        token_user_error("Login code expired.")
    );

    // E-mail verification link: expired while unverified is an error.
    let t = register(&app, "pia@example.com", PW).await;
    let auth = app.core.verify_bearer(&t.access).await.unwrap();
    app.core
        .start_email_verification(
            auth,
            "http://127.0.0.1:8080/fo/rest/user/email-verification-process/verify?d=",
            0,
            &ctx,
        )
        .await
        .unwrap();
    let link = verification_link(&app, "pia@example.com").await;
    assert_eq!(
        click(&app, &link).await,
        (biz(), "The link has expired.".to_owned())
    );
    let me = expect(get(&app, ME, Some(&t.access)).await, StatusCode::OK).await;
    assert_eq!(me["emailVerified"], false);
    app.stop().await;
}

/// The original's CORS filter: `*`, nothing, one origin, two origins.
async fn cors(engine: Engine) {
    const METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS, HEAD";
    const HEADERS: &str = "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, Authorization";
    async fn acao(app: &TestApp, origin: Option<&str>) -> Option<String> {
        let mut req = reqwest::Client::new().get(cl(app, PROTECTED));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        let h = res.headers();
        let allow = h
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        if allow.is_some() {
            assert_eq!(h["access-control-allow-methods"], METHODS);
            assert_eq!(h["access-control-allow-headers"], HEADERS);
            assert_eq!(h["access-control-expose-headers"], "WWW-Authenticate");
            assert!(
                h.contains_key(WWW_AUTHENTICATE),
                "a guard answer still carries its header"
            );
        } else {
            assert!(!h.contains_key("access-control-allow-methods"));
        }
        allow
    }
    let listed = "http://foo.com";
    let second = "https://bar.com:2018";
    let stranger = "http://baz.example";

    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.http.clumsy.cors_allowed_origins = " * ".into();
    })
    .await
    else {
        return;
    };
    assert_eq!(acao(&app, Some(stranger)).await.as_deref(), Some("*"));
    assert_eq!(acao(&app, None).await, None, "no Origin, no CORS headers");
    let pre = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, cl(&app, LOGIN))
        .header("origin", listed)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), StatusCode::OK, "preflight");
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    assert_eq!(pre.headers()["access-control-allow-methods"], METHODS);
    app.stop().await;

    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.http.clumsy.cors_allowed_origins = "  ".into();
    })
    .await
    else {
        return;
    };
    assert_eq!(
        acao(&app, Some(listed)).await,
        None,
        "an empty list allows none"
    );
    app.stop().await;

    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.http.clumsy.cors_allowed_origins = listed.into();
    })
    .await
    else {
        return;
    };
    assert_eq!(acao(&app, Some(listed)).await.as_deref(), Some(listed));
    assert_eq!(acao(&app, Some(second)).await, None);
    assert_eq!(acao(&app, None).await, None);
    app.stop().await;

    let Some(app) = TestApp::spawn_with(engine, |c| {
        c.http.clumsy.cors_allowed_origins = format!(" {listed} ; {second} ");
    })
    .await
    else {
        return;
    };
    assert_eq!(acao(&app, Some(listed)).await.as_deref(), Some(listed));
    assert_eq!(acao(&app, Some(second)).await.as_deref(), Some(second));
    assert_eq!(acao(&app, Some(stranger)).await, None);
    let res = reqwest::Client::new()
        .get(cl(&app, PROTECTED))
        .header("origin", second)
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Origin")),
        "an echoed origin varies by Origin"
    );
    app.stop().await;
}

/// A standard OAuth2 client library (the `oauth2` crate) obtains tokens with the password
/// grant and refreshes them. The document says client credentials are not validated, so the
/// client may send none (client_id in the body) or HTTP Basic credentials.
async fn standard_oauth2_client(engine: Engine) {
    use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
    use oauth2::{
        AuthType, ClientId, ClientSecret, RequestTokenError, ResourceOwnerPassword,
        ResourceOwnerUsername, TokenResponse, TokenUrl,
    };

    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    app.add_user("ned@example.com", PW).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_url = TokenUrl::new(cl(&app, LOGIN)).unwrap();
    let refresh_url = TokenUrl::new(cl(&app, REFRESH)).unwrap();
    let user = ResourceOwnerUsername::new("ned@example.com".into());
    let password = ResourceOwnerPassword::new(PW.into());

    let public = BasicClient::new(ClientId::new("any-client".into())).set_token_uri(login_url);
    let with_secret = BasicClient::new(ClientId::new("web".into()))
        .set_client_secret(ClientSecret::new("s3cret".into()))
        .set_token_uri(TokenUrl::new(cl(&app, LOGIN)).unwrap());
    let in_body = with_secret.clone().set_auth_type(AuthType::RequestBody);

    let tok = public
        .exchange_password(&user, &password)
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(*tok.token_type(), BasicTokenType::Bearer);
    assert_eq!(tok.expires_in(), Some(Duration::from_secs(3600)));
    let rt = tok.refresh_token().unwrap().clone();
    assert_eq!(
        protected_status(&app, tok.access_token().secret()).await,
        StatusCode::OK
    );
    for client in [&with_secret, &in_body] {
        let t = client
            .exchange_password(&user, &password)
            .request_async(&http)
            .await
            .unwrap();
        assert_eq!(
            protected_status(&app, t.access_token().secret()).await,
            StatusCode::OK
        );
    }

    // Refresh through the library.
    let refresher = BasicClient::new(ClientId::new("any-client".into())).set_token_uri(refresh_url);
    let fresh = refresher
        .exchange_refresh_token(&rt)
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(*fresh.token_type(), BasicTokenType::Bearer);
    assert_eq!(fresh.expires_in(), Some(Duration::from_secs(3600)));
    assert_ne!(fresh.access_token().secret(), tok.access_token().secret());
    assert_ne!(fresh.refresh_token().unwrap().secret(), rt.secret());
    assert_eq!(
        protected_status(&app, fresh.access_token().secret()).await,
        StatusCode::OK
    );
    expect_invalid_token(get(&app, PROTECTED, Some(tok.access_token().secret())).await).await;

    // Errors parse as RFC 6749 §5.2 error responses.
    match public
        .exchange_password(
            &user,
            &ResourceOwnerPassword::new("wrong-password-1".into()),
        )
        .request_async(&http)
        .await
    {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(*e.error(), BasicErrorResponseType::InvalidRequest);
        }
        other => panic!("expected an OAuth2 error response, got {other:?}"),
    }
    match refresher
        .exchange_refresh_token(&oauth2::RefreshToken::new(uuid_like()))
        .request_async(&http)
        .await
    {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(*e.error(), BasicErrorResponseType::InvalidRequest);
            assert_eq!(
                e.error_description().map(String::as_str),
                Some("invalid refresh token")
            );
        }
        other => panic!("expected an OAuth2 error response, got {other:?}"),
    }

    // RFC 6749 §5.1 on the wire: JSON, no caching, the required fields.
    let raw = sign_in_with(&app, &[], "ned@example.com", PW).await;
    assert_eq!(raw.headers()["cache-control"], "no-store");
    let v = expect(raw, StatusCode::OK).await;
    assert!(v["access_token"].is_string());
    assert!(v["token_type"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("bearer"));
    assert!(v["expires_in"].is_u64());
    assert!(v["refresh_token"].is_string());
    app.stop().await;
}

on_both_engines!(
    registration,
    password_pattern_vectors,
    local_login,
    forget_password,
    random_code_login,
    email_verification,
    change_password,
    protected_resource_and_guard,
    refresh_rotation_and_logout,
    concurrent_refreshes_within_grace,
    replay_after_grace_revokes_session,
    cross_dialect_accounts,
    hostile_input,
    expired_codes_and_links,
    cors,
    standard_oauth2_client,
);
