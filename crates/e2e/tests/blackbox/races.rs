//! Race safety: many clients doing the same thing at the same moment. One e-mail registered
//! twenty times at once, through two dialects and in several spellings, makes exactly one
//! account; a single-use code or link fired twenty times at once works exactly once, and
//! what it changed (password, sessions, notices, audit) happened once.

use std::future::Future;
use std::net::Ipv4Addr;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tessera_api::dialects::sspanel::messages as m;
use tessera_api::dialects::ugene::codes as uc;
use tessera_core::domain::Password;
use tessera_core::services::CreateUser;
use tessera_e2e::{client_from, cookie_value, on_both_engines, seed_context, Engine, TestApp};

/// Racers per test.
const RACERS: usize = 20;
/// The default `http.public_url`, the base of links in mails.
const PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// Subject of the notice a password change sends.
const CHANGED_SUBJECT: &str = "Your password was changed";
const PW: &str = "correct-horse-battery";

/// How one racer fared.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// It won; with the session token it got, if any.
    Won(Option<String>),
    /// It was refused with the dialect's answer for "already taken / already used".
    Refused,
    /// Anything else: a failure of the test (a 5xx, a wrong message).
    Other(String),
}

/// A distinct password per racer (a digit and a letter, 6–20 characters: every dialect's
/// rule and the policy, which refuses the addresses' local parts such as "race"), so the
/// account's final password names the winner.
fn password(i: usize) -> String {
    format!("lap-{i:02}-Pass9")
}

/// Runs `RACERS` copies of `attempt(i)` released at the same moment; results in order.
async fn at_once<F, Fut>(attempt: F) -> Vec<Outcome>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let handles: Vec<_> = (0..RACERS)
        .map(|i| {
            let (start, run) = (start.clone(), attempt(i));
            tokio::spawn(async move {
                start.wait().await;
                run.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(RACERS);
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// The one winner (its index and token); panics unless exactly one racer won and every other
/// was refused.
fn single_winner(outcomes: &[Outcome], what: &str) -> (usize, Option<String>) {
    let others: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Other(_)))
        .collect();
    assert!(others.is_empty(), "{what}: unexpected answers {others:?}");
    let winners: Vec<(usize, Option<String>)> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Outcome::Won(t) => Some((i, t.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{what}: exactly one of {RACERS} concurrent attempts must succeed: {outcomes:?}"
    );
    winners.into_iter().next().unwrap()
}

async fn json_of(res: reqwest::Response) -> (StatusCode, Value, String) {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, v, text)
}

/// Racer `i`'s own client: its connections come from 127.0.1.<i+1>, so the racers are
/// twenty clients, as in life, and per-IP request limits (not the subject here) stay out of
/// the way.
fn racer(i: usize) -> reqwest::Client {
    client_from(Ipv4Addr::new(127, 0, 1, u8::try_from(i + 1).unwrap()))
}

/// A form POST.
async fn post_form(
    c: &reqwest::Client,
    url: String,
    fields: Vec<(&'static str, String)>,
) -> reqwest::Response {
    c.post(url).form(&fields).send().await.unwrap()
}

/// clumsy-tools: 200 with tokens; "This email already exists" (400) when taken.
async fn clumsy_register(c: &reqwest::Client, base: String, email: &str, pw: String) -> Outcome {
    let res = post_form(
        c,
        format!("{base}/fo/rest/token/new/by-register/local"),
        vec![
            ("grant_type", "password".into()),
            ("username", email.into()),
            ("password", pw),
        ],
    )
    .await;
    match json_of(res).await {
        (StatusCode::OK, v, _) if v["access_token"].is_string() => {
            Outcome::Won(v["access_token"].as_str().map(str::to_owned))
        }
        (StatusCode::BAD_REQUEST, v, _)
            if v["error_description_for_user"] == "This email already exists" =>
        {
            Outcome::Refused
        }
        (status, _, text) => Outcome::Other(format!("clumsy {email}: {status} {text}")),
    }
}

/// SSPanel: `{"ret":1}` with the login cookies; `{"ret":0,"msg":EMAIL_TAKEN}` when taken.
async fn sspanel_register(c: &reqwest::Client, base: String, email: &str, pw: String) -> Outcome {
    let res = post_form(
        c,
        format!("{base}/auth/register"),
        vec![
            ("name", "Racer".into()),
            ("email", email.into()),
            ("passwd", pw.clone()),
            ("repasswd", pw),
            ("imtype", "1".into()),
            ("wechat", "racer_wx".into()),
        ],
    )
    .await;
    let key = cookie_value(res.headers(), "key");
    match json_of(res).await {
        (StatusCode::OK, v, _)
            if v == json!({"ret": 1, "msg": m::REGISTER_OK}) && key.is_some() =>
        {
            Outcome::Won(key)
        }
        (StatusCode::OK, v, _) if v == json!({"ret": 0, "msg": m::EMAIL_TAKEN}) => Outcome::Refused,
        (status, _, text) => Outcome::Other(format!("sspanel {email}: {status} {text}")),
    }
}

/// weplanx `POST /login`: the `TOKEN` cookie, if the sign-in worked.
async fn weplanx_login(app: &TestApp, email: &str, pw: &str) -> Option<String> {
    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .json(&json!({"email": email, "password": pw}))
        .send()
        .await
        .unwrap();
    (res.status() == StatusCode::NO_CONTENT)
        .then(|| cookie_value(res.headers(), "TOKEN"))
        .flatten()
}

async fn weplanx_verify(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url("/verify"))
        .header("cookie", format!("TOKEN={token}"))
        .send()
        .await
        .unwrap()
        .status()
}

/// How many `action` audit events the account has.
async fn audited(app: &TestApp, email: &str, action: &str) -> usize {
    let id = app.user_id(email).await;
    app.core
        .store()
        .list_audit(Some(id), 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

/// Mails to `to` whose subject contains `subject`.
fn mails(app: &TestApp, to: &str, subject: &str) -> usize {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
        .count()
}

/// Waits (bounded) until at least one mail to `to` with `subject` arrived.
async fn await_mail(app: &TestApp, to: &str, subject: &str) {
    let deadline = tokio::time::Instant::now() + tessera_e2e::DELIVERY_TIMEOUT;
    while mails(app, to, subject) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {subject:?} mail reached {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// 20 registrations of one e-mail at once, half through clumsy-tools and half through
/// SSPanel, in four spellings: one account, one success, 19 "taken", no 5xx; the account's
/// password is the winner's.
async fn one_email_registered_concurrently_makes_one_account(engine: Engine) {
    const SPELLINGS: [&str; 4] = [
        "Race@Example.com",
        "race@example.com",
        "RACE@EXAMPLE.COM",
        "race@Example.COM",
    ];
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let base = app.base.clone();
    let outcomes = at_once(|i| {
        let base = base.clone();
        // Each dialect sees every spelling.
        let email = SPELLINGS[(i / 2) % SPELLINGS.len()];
        async move {
            if i % 2 == 0 {
                clumsy_register(&racer(i), base, email, password(i)).await
            } else {
                sspanel_register(&racer(i), base, email, password(i)).await
            }
        }
    })
    .await;
    let (winner, _) = single_winner(&outcomes, "registration");
    assert_eq!(app.core.store().count_users().await.unwrap(), 1);
    let account = app
        .core
        .user_by_email("rAcE@eXaMpLe.CoM")
        .await
        .unwrap()
        .expect("the account");
    assert_eq!(account.email.as_str().to_lowercase(), "race@example.com");
    assert!(
        weplanx_login(&app, "race@example.com", &password(winner))
            .await
            .is_some(),
        "the winner's password signs in"
    );
    let loser = (winner + 1) % RACERS;
    assert!(
        weplanx_login(&app, "race@example.com", &password(loser))
            .await
            .is_none(),
        "a refused registration set no password"
    );
    app.stop().await;
}

/// An SSPanel reset link posted 20 times at once, each with another password: one
/// "reset", 19 "link invalid"; the password is the winner's, the old session is gone, one
/// reset is audited and one notice mailed.
async fn reset_link_used_concurrently_works_once(engine: Engine) {
    // Racers arriving after the link is spent count as failed attempts, and by default
    // five of those lock the account for a while, which would hide the checks below
    // (the lockout is right, and checked elsewhere; single use is the subject here).
    let Some(app) = TestApp::spawn_with(engine, |c| c.core.lockout.max_failures = 1000).await
    else {
        return;
    };
    let email = "reset@example.com";
    app.add_user(email, PW).await;
    let old = weplanx_login(&app, email, PW).await.expect("signed in");
    let res = post_form(
        &reqwest::Client::new(),
        app.url("/password/reset"),
        vec![("email", email.into())],
    )
    .await;
    assert_eq!(
        json_of(res).await.1,
        json!({"ret": 1, "msg": m::RESET_SENT})
    );
    let mail = app.mail_to(email).await;
    let prefix = format!("{PUBLIC_URL}/password/token/");
    let start = mail.text_body.find(&prefix).expect("a reset link") + prefix.len();
    let token: String = mail.text_body[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();

    let base = app.base.clone();
    let outcomes = at_once(|i| {
        let url = format!("{base}/password/token/{token}");
        async move {
            let pw = password(i);
            let fields = vec![("password", pw.clone()), ("repasswd", pw)];
            let res = post_form(&racer(i), url, fields).await;
            match json_of(res).await {
                (StatusCode::OK, v, _) if v == json!({"ret": 1, "msg": m::RESET_OK}) => {
                    Outcome::Won(None)
                }
                (StatusCode::OK, v, _) if v == json!({"ret": 0, "msg": m::RESET_LINK_INVALID}) => {
                    Outcome::Refused
                }
                (status, _, text) => Outcome::Other(format!("{status} {text}")),
            }
        }
    })
    .await;
    let (winner, _) = single_winner(&outcomes, "reset link");
    assert_eq!(audited(&app, email, "password.reset").await, 1);
    assert_eq!(
        weplanx_verify(&app, &old).await,
        StatusCode::UNAUTHORIZED,
        "the reset ended the old session"
    );
    assert!(weplanx_login(&app, email, &password(winner))
        .await
        .is_some());
    assert!(weplanx_login(&app, email, &password((winner + 1) % RACERS))
        .await
        .is_none());
    assert!(weplanx_login(&app, email, PW).await.is_none());
    await_mail(&app, email, CHANGED_SUBJECT).await;
    assert_eq!(
        mails(&app, email, CHANGED_SUBJECT),
        1,
        "one change, one notice"
    );
    app.stop().await;
}

/// A weplanx e-mailed reset code posted 20 times at once: one 204, 19 "code invalid", one
/// password change.
async fn reset_code_used_concurrently_works_once(engine: Engine) {
    // As above: late racers count as failed attempts; keep the lockout out of the way.
    let Some(app) = TestApp::spawn_with(engine, |c| c.core.lockout.max_failures = 1000).await
    else {
        return;
    };
    let email = "code@example.com";
    app.add_user(email, PW).await;
    let res = reqwest::get(app.url("/forget_code?email=code%40example.com"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let mail = app.mail_to(email).await;
    let code: String = mail
        .text_body
        .split("code is:")
        .nth(1)
        .expect("a code")
        .trim()
        .chars()
        .take(6)
        .collect();

    let url = app.url("/forget_reset");
    let outcomes = at_once(|i| {
        let (url, code) = (url.clone(), code.clone());
        async move {
            let res = racer(i)
                .post(url)
                .json(&json!({"email": email, "code": code, "password": password(i)}))
                .send()
                .await
                .unwrap();
            match json_of(res).await {
                (StatusCode::NO_CONTENT, _, _) => Outcome::Won(None),
                (StatusCode::BAD_REQUEST, v, _) if v["msg"] == "邮箱验证码无效" => {
                    Outcome::Refused
                }
                (status, _, text) => Outcome::Other(format!("{status} {text}")),
            }
        }
    })
    .await;
    let (winner, _) = single_winner(&outcomes, "reset code");
    assert_eq!(audited(&app, email, "password.reset").await, 1);
    assert!(weplanx_login(&app, email, &password(winner))
        .await
        .is_some());
    assert!(weplanx_login(&app, email, &password((winner + 1) % RACERS))
        .await
        .is_none());
    await_mail(&app, email, CHANGED_SUBJECT).await;
    assert_eq!(
        mails(&app, email, CHANGED_SUBJECT),
        1,
        "one change, one notice"
    );
    app.stop().await;
}

/// `POST /api` with Ugene's envelope.
async fn ugene(
    c: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    module: &str,
    param: &str,
    args: Value,
) -> Value {
    let mut req = c.post(format!("{base}/api")).json(&json!({
        "module": module,
        "param": param,
        "args": args,
        "language": "en",
        "timestamp": "123456789",
    }));
    if let Some(t) = token {
        req = req.header("X-Authorization-Token", format!("Bearer {t}"));
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "Ugene answers are HTTP 200");
    res.json().await.unwrap()
}

async fn ugene_get(app: &TestApp, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(app.url(path))
        .header("X-Authorization-Token", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Ugene sign-in with two-factor on: the e-mailed code sent with 20 sign-ins at once makes
/// exactly one session. The default lockout stays on: late racers may see "locked" instead
/// of "code invalid", but never a second session.
async fn email_otp_used_concurrently_signs_in_once(engine: Engine) {
    const UGENE_PW: &str = "Francis1992";
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let email = "otp-race@example.com";
    app.core
        .create_user(
            CreateUser {
                email: email.into(),
                password: Some(Password::new(UGENE_PW)),
                name: "Racer".into(),
                username: Some("otpracer".into()),
                is_admin: false,
                email_verified: true,
            },
            &seed_context(),
        )
        .await
        .unwrap();
    let creds = json!({"uname": "otpracer", "pass": UGENE_PW});
    let v = ugene(
        &reqwest::Client::new(),
        &app.base,
        None,
        "auth",
        "signin",
        creds.clone(),
    )
    .await;
    let token = v["answer"]["token"].as_str().expect("signed in").to_owned();
    let v = ugene_get(&app, &token, "/api/user/switch-2fa/en").await;
    assert_eq!(
        v["answer"]["data"]["CurrentValue"], "1",
        "two-factor on: {v}"
    );
    let v = ugene(
        &reqwest::Client::new(),
        &app.base,
        None,
        "auth",
        "signin",
        creds,
    )
    .await;
    assert_eq!(v["answer"]["message"], uc::OTP_SENT, "{v}");
    // Switching the factor on also mailed a notice of the change; skip it.
    let mut mail = app.mail_to(email).await;
    if mail.subject == "Your sign-in details changed" {
        mail = app.mail_to(email).await;
    }
    assert!(mail.subject.contains("sign-in code"), "{}", mail.subject);
    let otp = mail
        .text_body
        .split(|ch: char| !ch.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code")
        .to_owned();

    let base = app.base.clone();
    let outcomes = at_once(|i| {
        let (base, otp) = (base.clone(), otp.clone());
        async move {
            let args = json!({"uname": "otpracer", "pass": UGENE_PW, "otp": otp});
            let v = ugene(&racer(i), &base, None, "auth", "signin", args).await;
            if v["success"] == 1 && v["session"]["completed"] == 1 {
                Outcome::Won(v["answer"]["token"].as_str().map(str::to_owned))
            } else if v["success"] == 0
                && (v["error"] == uc::OTP_INVALID || v["error"] == uc::LOCKED)
            {
                Outcome::Refused
            } else {
                Outcome::Other(v.to_string())
            }
        }
    })
    .await;
    let (_, won) = single_winner(&outcomes, "e-mailed sign-in code");
    let id = app.user_id(email).await;
    let now = time::OffsetDateTime::now_utc();
    let by_code: Vec<_> = app
        .core
        .store()
        .list_user_sessions(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.method.contains("otp"))
        .collect();
    assert_eq!(by_code.len(), 1, "one session from the code: {by_code:?}");
    assert!(by_code[0].is_live(now));
    let v = ugene_get(
        &app,
        won.as_deref().expect("a token"),
        "/api/user/profile/en",
    )
    .await;
    assert_eq!(v["success"], 1, "the winner's session works: {v}");
    app.stop().await;
}

on_both_engines!(
    one_email_registered_concurrently_makes_one_account,
    reset_link_used_concurrently_works_once,
    reset_code_used_concurrently_works_once,
    email_otp_used_concurrently_signs_in_once,
);
