//! clumsy-tools social sign-in over HTTP against a local fake Google + Facebook that signs
//! real tokens: the by-token and by-auth-code flows, the original's error answers, and the
//! e-mail duplication cases of the original's acceptance list (behaviour notes §A.5).

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera::config::Config;
use tessera_e2e::{on_both_engines, Engine, TestApp};
use tessera_testkit::FakeIdentityProvider;

const DESKTOP_ID: &str = "desktop-client.apps.googleusercontent.com";
const WEB_ID: &str = "web-client.apps.googleusercontent.com";
const FB_APP: &str = "fb-app-1";
const FB_SECRET: &str = "fb-app-secret";

fn configure(c: &mut Config, idp: &FakeIdentityProvider) {
    let g = &mut c.identity.google;
    g.enabled = true;
    g.desktop_client_id = DESKTOP_ID.into();
    g.desktop_client_secret = Some("desktop-secret".into());
    g.web_client_id = WEB_ID.into();
    g.web_client_secret = Some("web-secret".into());
    g.jwks_url = idp.jwks_url();
    g.token_url = idp.google_token_url();
    let f = &mut c.identity.facebook;
    f.enabled = true;
    f.app_id = FB_APP.into();
    f.app_secret = Some(FB_SECRET.into());
    f.graph_url = idp.graph_url();
}

async fn app(engine: Engine) -> Option<(TestApp, FakeIdentityProvider)> {
    let idp = FakeIdentityProvider::start();
    let app = TestApp::spawn_with(engine, |c| configure(c, &idp)).await?;
    Some((app, idp))
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A by-token sign-in with `token` in `username`, as the document describes.
async fn by_token(app: &TestApp, source: &str, client: &str, token: &str) -> (StatusCode, Value) {
    post_form(
        app,
        &format!("/fo/rest/token/new/social/by-token/{source}/{client}"),
        &[
            ("grant_type", "password"),
            ("username", token),
            ("password", "x"),
            ("long_session", "false"),
        ],
    )
    .await
}

async fn by_code(
    app: &TestApp,
    source: &str,
    client: &str,
    code: &str,
    redirect: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "password"),
        ("username", code),
        ("password", "x"),
        ("long_session", "false"),
    ];
    if let Some(r) = redirect {
        form.push(("redirectUri", r));
    }
    post_form(
        app,
        &format!("/fo/rest/token/new/social/by-auth-code/{source}/{client}"),
        &form,
    )
    .await
}

async fn me(app: &TestApp, access_token: &str) -> Value {
    let res = reqwest::Client::new()
        .get(app.url("/fo/rest/user/profile/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn dev_error(body: &Value) -> &str {
    body["error_description"].as_str().unwrap_or_default()
}

fn user_error(body: &Value) -> &str {
    body["non_field_error_for_user"]
        .as_str()
        .unwrap_or_default()
}

async fn google_new_user_then_existing_user(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-1", "Gina@Example.com");
    let (status, first) = by_token(&app, "google", "web", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 3600);
    let principal = first["user_principal"].as_str().unwrap();
    assert!(
        principal.eq_ignore_ascii_case("google:gina@example.com"),
        "{principal}"
    );
    let profile = me(&app, first["access_token"].as_str().unwrap()).await;
    assert_eq!(profile["source"], "google");
    assert_eq!(
        profile["emailVerified"], true,
        "social registration is verified"
    );

    // Mobile ID tokens use the web client id as audience (as the original).
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-1", "gina@example.com");
    let (status, second) = by_token(&app, "google", "mobile", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(
        me(&app, second["access_token"].as_str().unwrap()).await["id"],
        profile["id"],
        "an existing social user signs in to the same account"
    );

    // Desktop tokens carry the desktop client id.
    let claims = FakeIdentityProvider::google_claims(DESKTOP_ID, "g-1", "gina@example.com");
    let (status, _) = by_token(&app, "google", "desktop", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::OK);

    // A social account has no password: local sign-in fails.
    let (status, _) = post_form(
        &app,
        "/fo/rest/token/new/local",
        &[
            ("grant_type", "password"),
            ("username", "gina@example.com"),
            ("password", "anything1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
on_both_engines!(google_new_user_then_existing_user);

async fn facebook_new_user_then_existing_user(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    idp.facebook_require_appsecret_proof(FB_SECRET);
    idp.facebook_user("fb-token-1", "fb-1", "Fred", Some("fred@example.com"));
    let (status, first) = by_token(&app, "facebook", "mobile", "fb-token-1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["user_principal"], "facebook:fred@example.com");
    let graph = idp.requests_to("/facebook/me");
    assert!(!graph.is_empty());
    assert!(
        graph.iter().all(|r| r.param("appsecret_proof").is_some()),
        "every Graph call is signed with appsecret_proof"
    );
    let (status, second) = by_token(&app, "facebook", "web", "fb-token-1").await;
    assert_eq!(status, StatusCode::OK);
    let a = me(&app, first["access_token"].as_str().unwrap()).await;
    let b = me(&app, second["access_token"].as_str().unwrap()).await;
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["emailVerified"], true);
}
on_both_engines!(facebook_new_user_then_existing_user);

async fn the_same_email_is_never_linked_across_sources(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    // Register A locally, then social login with A.
    let (status, _) = post_form(
        &app,
        "/fo/rest/token/new/by-register/local",
        &[
            ("grant_type", "password"),
            ("username", "anna@example.com"),
            ("password", "abc123xyz"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-anna", "anna@example.com");
    let (status, body) = by_token(&app, "google", "web", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        user_error(&body),
        "A user with the same email (anna@example.com) already exists."
    );

    // Facebook login, then Google login with the same email.
    idp.facebook_user("fb-bob", "fb-2", "Bob", Some("bob@example.com"));
    assert_eq!(
        by_token(&app, "facebook", "web", "fb-bob").await.0,
        StatusCode::OK
    );
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-bob", "bob@example.com");
    let (status, body) = by_token(&app, "google", "web", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        user_error(&body),
        "A user with the same email (bob@example.com) already exists."
    );

    // Facebook login, then register the same email.
    let (status, body) = post_form(
        &app,
        "/fo/rest/token/new/by-register/local",
        &[
            ("grant_type", "password"),
            ("username", "bob@example.com"),
            ("password", "abc123xyz"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(user_error(&body), "This email already exists");
}
on_both_engines!(the_same_email_is_never_linked_across_sources);

async fn bad_tokens_get_the_originals_answers(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    let good = FakeIdentityProvider::google_claims(WEB_ID, "g-1", "x@example.com");

    let (status, body) = by_token(&app, "github", "web", "t").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(dev_error(&body), "unsupported source: github");

    for token in [
        idp.google_id_token_signed_by_unpublished_key(&good),
        idp.google_id_token_with_kid(&good, "unknown-kid"),
        idp.google_id_token(&FakeIdentityProvider::google_claims(
            "someone-else",
            "g-1",
            "x@example.com",
        )),
        idp.google_id_token(&{
            let mut c = good.clone();
            // Expired an hour ago: well past any clock-skew leeway.
            c["exp"] = json!(c["iat"].as_i64().unwrap() - 3600);
            c["iat"] = json!(c["iat"].as_i64().unwrap() - 7200);
            c
        }),
        idp.google_id_token(&{
            let mut c = good.clone();
            c["iss"] = json!("https://evil.example.com");
            c
        }),
        "not-a-jwt".to_owned(),
    ] {
        let (status, body) = by_token(&app, "google", "web", &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{token}: {body}");
        assert_eq!(dev_error(&body), "invalid google open id token");
    }

    let mut no_email = good.clone();
    no_email.as_object_mut().unwrap().remove("email");
    let (status, body) = by_token(&app, "google", "web", &idp.google_id_token(&no_email)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dev_error(&body),
        "cannot extract email from this open id token. please check the scope used for google sign-in"
    );

    let mut unverified = good.clone();
    unverified["email_verified"] = json!(false);
    let (status, body) = by_token(&app, "google", "web", &idp.google_id_token(&unverified)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(user_error(&body).contains("not verified"), "{body}");

    let (status, body) = by_token(&app, "facebook", "web", "unknown-fb-token").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(dev_error(&body), "invalid facebook access token");

    idp.facebook_user("fb-no-mail", "fb-3", "Nomail", None);
    let (status, body) = by_token(&app, "facebook", "web", "fb-no-mail").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dev_error(&body),
        "cannot extract email from this facebook access token. please check the scope used for facebook connect"
    );

    idp.facebook_user("fb-ok", "fb-4", "Ok", Some("ok@example.com"));
    idp.fail_next(5, 503);
    let (status, body) = by_token(&app, "facebook", "web", "fb-ok").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "ERR_BUT_CAN_RETRY");
    assert_eq!(
        user_error(&body),
        "Facebook didn't response. Please try again."
    );

    // None of the refusals created an account.
    let (status, _) = post_form(
        &app,
        "/fo/rest/token/new/by-register/local",
        &[
            ("grant_type", "password"),
            ("username", "x@example.com"),
            ("password", "abc123xyz"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
on_both_engines!(bad_tokens_get_the_originals_answers);

async fn authorization_codes_are_exchanged(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    idp.google_code(
        "g-code-web",
        FakeIdentityProvider::google_claims(WEB_ID, "g-7", "carol@example.com"),
    );
    let (status, body) = by_code(&app, "google", "web", "g-code-web", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_principal"], "google:carol@example.com");
    let exchange = idp.requests_to("/google/token");
    assert_eq!(exchange.len(), 1);
    assert_eq!(exchange[0].param("redirect_uri"), Some("postmessage"));
    assert_eq!(exchange[0].param("code"), Some("g-code-web"));

    // A code works once at the provider: replaying it is refused.
    let (status, _) = by_code(&app, "google", "web", "g-code-web", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    idp.facebook_code("fb-code", "fb-token-dave");
    idp.facebook_user("fb-token-dave", "fb-9", "Dave", Some("dave@example.com"));
    let (status, body) = by_code(&app, "facebook", "desktop", "fb-code", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_principal"], "facebook:dave@example.com");

    let (status, body) = by_code(&app, "facebook", "web", "fb-code-2", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        dev_error(&body),
        "redirect uri must not be empty for facebook + web "
    );

    let (status, body) = by_code(&app, "google", "tablet", "c", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(dev_error(&body), "unsupported client type: tablet");

    let (status, body) = by_code(&app, "google", "mobile", "c", None).await;
    assert_eq!(status.as_u16(), 460, "{body}");
    assert_eq!(body["error"], "UNKNOWN_SERVER_ERROR");
}
on_both_engines!(authorization_codes_are_exchanged);

async fn disabled_providers_and_malformed_requests(engine: Engine) {
    // Social sign-in is off unless configured.
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let (status, body) = by_token(&app, "google", "web", "t").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(dev_error(&body).starts_with("unsupported source: google"));

    let (status, body) = post_form(
        &app,
        "/fo/rest/token/new/social/by-token/google/web",
        &[("grant_type", "password"), ("password", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "Missing parameters: username");

    let res = reqwest::Client::new()
        .post(app.url("/fo/rest/token/new/social/by-token/google/web"))
        .json(&json!({"grant_type": "password", "username": "t", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}
on_both_engines!(disabled_providers_and_malformed_requests);

async fn social_users_cannot_use_password_flows(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    idp.facebook_user("fb-eve", "fb-5", "Eve", Some("eve@example.com"));
    let (_, tokens) = by_token(&app, "facebook", "web", "fb-eve").await;
    let token = tokens["access_token"].as_str().unwrap();

    // Change password: a social user has none to change.
    let res = reqwest::Client::new()
        .post(app.url("/fo/rest/user/password/update/local"))
        .bearer_auth(token)
        .json(&json!({"currentPassword": "whatever1", "newPassword": "abc123xyz"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 460);

    // E-mail verification: social accounts start verified.
    let res = reqwest::Client::new()
        .post(app.url("/fo/rest/user/email-verification-process/new"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 460);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "ILLEGAL_STATUS");

    // A random sign-in code never signs a social user in.
    let (status, _) = post_form(
        &app,
        "/fo/rest/token/new/by-random-code/local",
        &[
            ("grant_type", "password"),
            ("username", "eve@example.com"),
            ("password", "000000"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
on_both_engines!(social_users_cannot_use_password_flows);

/// The Google `sub` is the identity (ASVS 5.0 V10.5.2): the same `sub` reporting a new
/// address signs in to the same account, whose address stays; another `sub` reporting
/// the bound account's address is refused in the original's format.
async fn the_google_subject_is_the_identity_not_the_address(engine: Engine) {
    let Some((app, idp)) = app(engine).await else {
        return;
    };
    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-moves", "first@example.com");
    let (status, first) = by_token(&app, "google", "web", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let before = me(&app, first["access_token"].as_str().unwrap()).await;

    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-moves", "moved@example.com");
    let (status, moved) = by_token(&app, "google", "web", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["user_principal"], "google:first@example.com");
    let after = me(&app, moved["access_token"].as_str().unwrap()).await;
    assert_eq!(after["id"], before["id"], "same sub, same account");
    assert_eq!(
        after["email"], before["email"],
        "the address is not changed"
    );

    let claims = FakeIdentityProvider::google_claims(WEB_ID, "g-other", "first@example.com");
    let (status, body) = by_token(&app, "google", "web", &idp.google_id_token(&claims)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        user_error(&body),
        "A user with the same email (first@example.com) already exists."
    );
}
on_both_engines!(the_google_subject_is_the_identity_not_the_address);
