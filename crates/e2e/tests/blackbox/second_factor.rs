//! One account, four dialects: a bound second factor is asked on every password pathway
//! (`core.enforce_second_factors`, ASVS V6.3.4), and binding it ends the account's other
//! sessions and mails the owner a notice (ASVS V6.3.7, V7.4.3).

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_api::dialects::ugene::codes as ugene_codes;
use tessera_core::security::totp;
use tessera_e2e::{browser, on_both_engines, Engine, TestApp};

const PW: &str = "Correct-horse-battery-1";

async fn weplanx_login(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .json(&json!({ "email": email, "password": PW }))
        .send()
        .await
        .unwrap()
}

async fn clumsy_login(app: &TestApp, email: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(app.url("/fo/rest/token/new/local"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", PW),
        ])
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn sspanel_login(app: &TestApp, email: &str, code: &str) -> Value {
    reqwest::Client::new()
        .post(app.url("/auth/login"))
        .form(&[("email", email), ("passwd", PW), ("code", code)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn ugene_signin(app: &TestApp, uname: &str, otp: Option<&str>) -> Value {
    let mut args = json!({ "uname": uname, "pass": PW });
    if let Some(otp) = otp {
        args["otp"] = json!(otp);
    }
    reqwest::Client::new()
        .post(app.url("/api"))
        .json(&json!({
            "module": "auth", "param": "signin", "args": args,
            "language": "en", "timestamp": "1",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn weplanx_verify(app: &TestApp, client: &reqwest::Client) -> StatusCode {
    client
        .get(app.url("/verify"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_bound_totp_is_asked_by_every_dialect(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let email = "dana@example.com";
    app.add_user(email, PW).await;

    // Two weplanx browsers; the second binds TOTP.
    let other = browser();
    assert_eq!(
        weplanx_login(&app, &other, email).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        weplanx_login(&app, &app.client, email).await.status(),
        StatusCode::NO_CONTENT
    );
    // weplanx keeps one session per user by default; the first browser signs in again
    // through clumsy-tools, which keeps sessions side by side.
    let (status, tokens) = clumsy_login(&app, email).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let bearer = tokens["access_token"].as_str().unwrap().to_owned();

    let uri = app
        .client
        .get(app.url("/user/totp"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["totp"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = uri.rsplit("secret=").next().unwrap().to_owned();
    let step = totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp());
    let codes = [
        totp::code_at_step(&secret, step - 1).unwrap(),
        totp::code_at_step(&secret, step).unwrap(),
    ];
    let bound = app
        .client
        .post(app.url("/user/totp"))
        .json(&json!({ "totp": uri, "tss": codes }))
        .send()
        .await
        .unwrap();
    assert_eq!(bound.status(), StatusCode::NO_CONTENT);

    // The binding session lives on; the clumsy-tools session ended; the owner was told.
    assert_eq!(
        weplanx_verify(&app, &app.client).await,
        StatusCode::NO_CONTENT
    );
    let guarded = reqwest::Client::new()
        .get(app.url("/fo/rest/token/test/protected-resource"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        guarded.status(),
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    let notice = app.mail_to(email).await;
    assert_eq!(notice.subject, "Your sign-in details changed");
    assert!(
        notice.text_body.contains("authenticator app was bound"),
        "{}",
        notice.text_body
    );

    // weplanx: the password alone is refused with its own error shape, TOTP login works.
    let res = weplanx_login(&app, &browser(), email).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], "system.second_factor_required", "{v}");
    assert_eq!(v["message"], v["msg"]);

    // clumsy-tools: a 400 from the token endpoint, no tokens.
    let (status, v) = clumsy_login(&app, email).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v.get("access_token").is_none(), "{v}");
    assert!(v.to_string().contains("two-step verification"), "{v}");

    // SSPanel: no code or a wrong one is its two-factor message.
    for code in ["", "000000"] {
        let v = sspanel_login(&app, email, code).await;
        assert_eq!(v["ret"], 0, "{v}");
        assert!(
            v["msg"].as_str().unwrap().starts_with("两步验证码错误"),
            "{v}"
        );
    }

    // Ugene: without `otp` its own code; with the authenticator's code, a full session.
    let v = ugene_signin(&app, email, None).await;
    assert_eq!(v["success"], 0, "{v}");
    assert_eq!(v["error"], ugene_codes::TOTP_REQUIRED, "{v}");
    let next = totp::code_at_step(&secret, step + 1).unwrap();
    let v = ugene_signin(&app, email, Some(&next)).await;
    assert_eq!(v["success"], 1, "{v}");
    assert!(v["answer"]["token"].is_string(), "{v}");
    let v = ugene_signin(&app, email, Some(&next)).await;
    assert_eq!(
        v["error"],
        ugene_codes::OTP_INVALID,
        "a code works once: {v}"
    );
    app.stop().await;
}

async fn the_emailed_factor_is_asked_by_every_dialect(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let email = "otto@example.com";
    app.add_user(email, PW).await;
    let v = ugene_signin(&app, email, None).await;
    let token = v["answer"]["token"].as_str().unwrap().to_owned();
    let v: Value = reqwest::Client::new()
        .get(app.url("/api/user/switch-2fa/en"))
        .header("X-Authorization-Token", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["answer"]["data"]["CurrentValue"], "1", "{v}");
    let notice = app.mail_to(email).await;
    assert!(
        notice.text_body.contains("switched on"),
        "{}",
        notice.text_body
    );

    let res = weplanx_login(&app, &browser(), email).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "system.second_factor_required"
    );
    let (status, v) = clumsy_login(&app, email).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let v = sspanel_login(&app, email, "").await;
    assert_eq!(v["ret"], 0);
    assert_eq!(
        v["msg"],
        tessera_api::dialects::sspanel::messages::LOGIN_SECOND_FACTOR,
        "{v}"
    );
    // Ugene asks for the e-mailed code as before.
    let v = ugene_signin(&app, email, None).await;
    assert_eq!(v["answer"]["message"], ugene_codes::OTP_SENT, "{v}");
    app.stop().await;
}

on_both_engines!(
    a_bound_totp_is_asked_by_every_dialect,
    the_emailed_factor_is_asked_by_every_dialect,
);
