//! Sign-in, verification, token refresh and sign-out.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde_json::json;
use tessera_core::domain::Password;
use tessera_core::services::{SessionOptions, SignedIn};

use super::cookies;
use super::errors::{Ctx, OrWx, WxError};
use super::guard::Authed;
use super::DIALECT;
use crate::body::{Body, Check, Fields};
use crate::client::Client;
use crate::AppState;

fn options(state: &AppState) -> SessionOptions {
    SessionOptions {
        single_per_user: state.config.weplanx.single_session,
        idle_timeout_secs: None,
        lifetime_secs: None,
    }
}

/// 204 with the new session's access token in `TOKEN`.
fn signed_in(
    state: &AppState,
    client: &Client,
    jar: CookieJar,
    s: &SignedIn,
) -> Result<Response, WxError> {
    let token = state.core.issue_access_token(s.auth()).or_wx(Ctx::Login)?;
    let secure = client.secure_cookies(state.config.cookie_secure);
    Ok((
        cookies::set_token(jar, token, secure),
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

fn fields(body: Body) -> Result<Fields, WxError> {
    body.0.map_err(WxError::body)
}

/// `POST /login` `{email, password}`.
pub async fn login(
    State(st): State<AppState>,
    client: Client,
    jar: CookieJar,
    body: Body,
) -> Result<Response, WxError> {
    let f = fields(body)?;
    let mut c = Check::new();
    let email = c.take(f.req_str("email"));
    let password = c.take(f.req_str("password"));
    if !password.is_empty() && password.chars().count() < 8 {
        c.push("password", "min");
    }
    c.finish().map_err(|e| WxError::validation(&e))?;
    let s = st
        .core
        .sign_in_password(
            &email,
            &Password::new(password),
            &client.context(DIALECT),
            options(&st),
        )
        .await
        .or_wx(Ctx::Login)?;
    signed_in(&st, &client, jar, &s)
}

/// `GET /login/sms?phone=`.
pub async fn sms_code(
    State(st): State<AppState>,
    client: Client,
    RawQuery(q): RawQuery,
) -> Result<StatusCode, WxError> {
    let phone = Fields::from_query(q.as_deref())
        .req_str("phone")
        .map_err(|e| WxError::validation(&[e]))?;
    st.core
        .request_sms_login_code(&phone, &client.context(DIALECT))
        .await
        .or_wx(Ctx::Sms)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /login/sms` `{phone, code}`.
pub async fn sms_login(
    State(st): State<AppState>,
    client: Client,
    jar: CookieJar,
    body: Body,
) -> Result<Response, WxError> {
    let f = fields(body)?;
    let mut c = Check::new();
    let phone = c.take(f.req_str("phone"));
    let code = c.take(f.req_str("code"));
    c.finish().map_err(|e| WxError::validation(&e))?;
    let s = st
        .core
        .sign_in_sms(&phone, &code, &client.context(DIALECT), options(&st))
        .await
        .or_wx(Ctx::Sms)?;
    signed_in(&st, &client, jar, &s)
}

/// `POST /login/totp` `{email, code}`.
pub async fn totp_login(
    State(st): State<AppState>,
    client: Client,
    jar: CookieJar,
    body: Body,
) -> Result<Response, WxError> {
    let f = fields(body)?;
    let mut c = Check::new();
    let email = c.take(f.req_str("email"));
    let code = c.take(f.req_str("code"));
    c.finish().map_err(|e| WxError::validation(&e))?;
    let s = st
        .core
        .sign_in_totp(&email, &code, &client.context(DIALECT), options(&st))
        .await
        .or_wx(Ctx::Login)?;
    signed_in(&st, &client, jar, &s)
}

/// `GET /verify`: 204 while the session lives, 401 (and the cookie cleared) otherwise.
pub async fn verify(_auth: Authed) -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `GET /refresh_code`: a single-use code, valid 15 s, for `POST /refresh_token`.
pub async fn refresh_code(
    State(st): State<AppState>,
    Authed(auth): Authed,
) -> Result<Response, WxError> {
    let code = st.core.issue_refresh_code(auth).await.or_wx(Ctx::Refresh)?;
    Ok(Json(json!({ "code": code })).into_response())
}

/// `POST /refresh_token` `{code}`: a new `TOKEN` for the same session.
pub async fn refresh_token(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    jar: CookieJar,
    body: Body,
) -> Result<Response, WxError> {
    let f = fields(body)?;
    let code = f.req_str("code").map_err(|e| WxError::validation(&[e]))?;
    let token = st
        .core
        .redeem_refresh_code(auth, &code)
        .await
        .or_wx(Ctx::Refresh)?;
    let secure = client.secure_cookies(st.config.cookie_secure);
    Ok((
        cookies::set_token(jar, token, secure),
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// `POST /logout`: ends the session and clears `TOKEN`.
pub async fn logout(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    jar: CookieJar,
) -> Result<Response, WxError> {
    st.core
        .sign_out(auth, &client.context(DIALECT))
        .await
        .or_wx(Ctx::General)?;
    Ok((cookies::clear_token(jar), StatusCode::NO_CONTENT).into_response())
}
