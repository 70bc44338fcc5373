//! `POST /auth/login`, `POST /auth/register`, `POST /auth/send` and `GET /logout`.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use tessera_core::domain::{Email, Password};
use tessera_core::security::passwords::PasswordContext;
use tessera_core::services::{CreateUser, SessionOptions, SignedIn};
use tessera_core::CoreError;

use super::messages as m;
use super::{cookies, limited, reply, reply_ret_only, Params, DIALECT};
use crate::body::Body;
use crate::client::Client;
use crate::AppState;

/// A day, the original's cookie lifetime without "remember me".
const DAY_SECS: i64 = 86_400;
/// The original's session after registration: one hour.
const REGISTER_SESSION_SECS: i64 = 3_600;

/// PHP truthiness of a form value: absent, `""` and `"0"` are false. Unlike PHP, the
/// string `"false"` is false too (a JSON client's boolean arrives as absent or `"1"`).
fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

fn options(lifetime: i64) -> SessionOptions {
    SessionOptions {
        single_per_user: false,
        idle_timeout_secs: Some(lifetime),
        lifetime_secs: Some(lifetime),
    }
}

/// Sets the login cookies of a new session lasting `lifetime` seconds.
async fn signed_in_cookies(
    st: &AppState,
    client: &Client,
    jar: CookieJar,
    s: &SignedIn,
    lifetime: i64,
) -> Result<CookieJar, CoreError> {
    let key = st.core.issue_session_token(s.auth(), lifetime)?;
    let uid = st.core.user_number(s.user.id).await?;
    Ok(cookies::set_login(
        jar,
        uid,
        s.user.email.as_str(),
        key,
        lifetime,
        s.session.created_at,
        client.secure_cookies(st.config.cookie_secure),
    ))
}

fn unknown(e: &CoreError) -> Response {
    tracing::error!(error = %e, "sspanel: request failed");
    reply(0, m::UNKNOWN_ERROR)
}

/// `POST /auth/login`: `email`, `passwd`, `code` (two-factor, when bound), `remember_me`.
pub async fn login(
    State(st): State<AppState>,
    client: Client,
    jar: CookieJar,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let Some(p) = Params::new(body, query.as_deref()) else {
        return reply(0, m::BAD_REQUEST);
    };
    let email = p.trimmed("email").unwrap_or_default().to_lowercase();
    let passwd = p.get("passwd").unwrap_or_default();
    let code = p.get("code").unwrap_or_default();
    let lifetime = if truthy(p.get("remember_me").as_deref()) {
        DAY_SECS * st.config.sspanel.remember_me_days.max(1)
    } else {
        DAY_SECS
    };
    if email.is_empty() || passwd.is_empty() {
        return reply(0, m::LOGIN_WRONG);
    }
    let signed_in = st
        .core
        .sign_in_password_2fa(
            &email,
            &Password::new(passwd),
            Some(&code),
            &client.context(DIALECT),
            options(lifetime),
        )
        .await;
    let s = match signed_in {
        Ok(s) => s,
        Err(CoreError::TotpInvalid) => return reply(0, m::LOGIN_TOTP_WRONG),
        Err(CoreError::SecondFactorRequired) => return reply(0, m::LOGIN_SECOND_FACTOR),
        Err(CoreError::AccountLocked | CoreError::RateLimited) => {
            return reply(0, m::TOO_MANY_ATTEMPTS)
        }
        Err(CoreError::TooManyRequests(secs)) => return limited(m::TOO_MANY_ATTEMPTS, secs),
        Err(e @ CoreError::Internal(_)) => return unknown(&e),
        Err(_) => return reply(0, m::LOGIN_WRONG),
    };
    match signed_in_cookies(&st, &client, jar, &s, lifetime).await {
        Ok(jar) => (jar, reply(1, m::LOGIN_OK)).into_response(),
        Err(e) => unknown(&e),
    }
}

/// The registration form's own checks, in the original's order (e-mail code last, so a
/// code is only spent by a form that is otherwise acceptable).
async fn check_form(st: &AppState, p: &Params, email: &str) -> Result<(), &'static str> {
    match st.core.registration_mode().await {
        Ok(tessera_core::config::RegistrationMode::Close) => return Err(m::REGISTER_CLOSED),
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = %e, "sspanel: registration mode lookup failed");
            return Err(m::UNKNOWN_ERROR);
        }
    }
    if Email::parse(email).is_err() {
        return Err(m::EMAIL_INVALID);
    }
    match st.core.user_by_email(email).await {
        Ok(Some(_)) => return Err(m::EMAIL_TAKEN),
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "sspanel: registration lookup failed");
            return Err(m::UNKNOWN_ERROR);
        }
    }
    let passwd = p.get("passwd").unwrap_or_default();
    if passwd.len() < 8 {
        return Err(m::PASSWORD_SHORT);
    }
    if p.get("repasswd").as_deref() != Some(passwd.as_str()) {
        return Err(m::PASSWORD_MISMATCH);
    }
    if p.trimmed("imtype").is_none() || p.trimmed("wechat").is_none() {
        return Err(m::CONTACT_MISSING);
    }
    if st.config.sspanel.email_verify {
        // The policy is applied again when the account is created, but checking it first
        // (with the same words of the account: its address and name) keeps a refused
        // password from spending the e-mailed code.
        let name = p.trimmed("name").unwrap_or_default();
        let context = PasswordContext {
            email: Some(email),
            username: None,
            name: Some(&name),
        };
        if st
            .core
            .password_policy()
            .check_for(&Password::new(passwd), &context)
            .is_err()
        {
            return Err(m::PASSWORD_WEAK);
        }
        let code = p.trimmed("emailcode").unwrap_or_default();
        if st
            .core
            .redeem_registration_code(email, &code)
            .await
            .is_err()
        {
            return Err(m::EMAIL_CODE_WRONG);
        }
    }
    Ok(())
}

/// `POST /auth/register`: `name`, `email`, `passwd`, `repasswd`, `code` (invite),
/// `imtype`, `wechat`, `emailcode`. Signs the new account in for an hour.
pub async fn register(
    State(st): State<AppState>,
    client: Client,
    jar: CookieJar,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let Some(p) = Params::new(body, query.as_deref()) else {
        return reply(0, m::BAD_REQUEST);
    };
    let email = p.trimmed("email").unwrap_or_default().to_lowercase();
    if let Err(msg) = check_form(&st, &p, &email).await {
        return reply(0, msg);
    }
    let req = CreateUser {
        email,
        password: Some(Password::new(p.get("passwd").unwrap_or_default())),
        name: p.trimmed("name").unwrap_or_default(),
        username: None,
        is_admin: false,
        email_verified: st.config.sspanel.email_verify,
    };
    let invite = p.trimmed("code");
    let registered = st
        .core
        .register_with_invite(
            req,
            invite.as_deref(),
            &client.context(DIALECT),
            options(REGISTER_SESSION_SECS),
        )
        .await;
    let s = match registered {
        Ok(s) => s,
        Err(CoreError::RegistrationClosed) => return reply(0, m::REGISTER_CLOSED),
        Err(CoreError::InviteRequired | CoreError::InviteInvalid) => {
            return reply(0, m::INVITE_INVALID)
        }
        Err(CoreError::InviteExhausted) => return reply(0, m::INVITE_EXHAUSTED),
        Err(CoreError::EmailTaken) => return reply(0, m::EMAIL_TAKEN),
        Err(CoreError::WeakPassword(_)) => return reply(0, m::PASSWORD_WEAK),
        Err(CoreError::InvalidInput(fields)) => {
            return reply(
                0,
                if fields.iter().any(|f| f.field == "name") {
                    m::NAME_INVALID
                } else {
                    m::EMAIL_INVALID
                },
            )
        }
        Err(CoreError::RateLimited | CoreError::AccountLocked) => {
            return reply(0, m::TOO_MANY_ATTEMPTS)
        }
        Err(CoreError::TooManyRequests(secs)) => return limited(m::TOO_MANY_ATTEMPTS, secs),
        Err(e) => return unknown(&e),
    };
    match signed_in_cookies(&st, &client, jar, &s, REGISTER_SESSION_SECS).await {
        Ok(jar) => (jar, reply(1, m::REGISTER_OK)).into_response(),
        Err(e) => unknown(&e),
    }
}

/// `POST /auth/send`: e-mails a registration code, when e-mail verification is on.
pub async fn send(
    State(st): State<AppState>,
    client: Client,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    if !st.config.sspanel.email_verify {
        return reply(0, m::SEND_DISABLED);
    }
    let Some(p) = Params::new(body, query.as_deref()) else {
        return reply(0, m::BAD_REQUEST);
    };
    let Some(email) = p.trimmed("email") else {
        return reply(0, m::SEND_EMAIL_EMPTY);
    };
    let ttl = st.config.sspanel.registration_code_ttl_secs;
    match st
        .core
        .request_registration_code(&email, ttl, &client.context(DIALECT))
        .await
    {
        Ok(()) => reply(1, m::SEND_OK),
        Err(CoreError::InvalidInput(_)) => reply(0, m::EMAIL_INVALID),
        Err(CoreError::EmailTaken) => reply(0, m::SEND_EMAIL_TAKEN),
        Err(CoreError::CodeRequestedTooOften | CoreError::RateLimited) => {
            reply(0, m::SEND_TOO_OFTEN)
        }
        Err(CoreError::TooManyRequests(secs)) => limited(m::SEND_TOO_OFTEN, secs),
        Err(e) => unknown(&e),
    }
}

/// `GET /logout`: ends the session named by the `key` cookie (if any) and clears the
/// cookies; `{"ret":1}` whether or not anyone was signed in.
pub async fn logout(State(st): State<AppState>, client: Client, jar: CookieJar) -> Response {
    if let Some(key) = jar.get(cookies::KEY).map(|c| c.value().to_owned()) {
        if let Ok(auth) = st.core.verify_access_token(&key).await {
            if let Err(e) = st.core.sign_out(auth, &client.context(DIALECT)).await {
                return unknown(&e);
            }
        }
    }
    (cookies::clear(jar), reply_ret_only(1)).into_response()
}
