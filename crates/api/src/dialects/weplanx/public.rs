//! Unauthenticated endpoints: ping (sets the XSRF cookies), password recovery, options.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde_json::{json, Value};
use tessera_core::domain::Password;
use tessera_core::security::{keyed, random};
use time::format_description::well_known::Rfc3339;

use super::cookies;
use super::errors::{Ctx, OrWx, WxError};
use super::DIALECT;
use crate::body::{Body, Check, Fields};
use crate::client::Client;
use crate::{AppState, Mode};

/// `GET /`: name, client IP, server time; runtime values (never secrets) in development.
pub async fn ping(State(st): State<AppState>, client: Client, jar: CookieJar) -> Response {
    let salt = random::alphanumeric(8);
    let token = keyed::hmac_hex(&st.core.keys().csrf, salt.as_bytes());
    let secure = client.secure_cookies(st.config.cookie_secure);
    let jar = cookies::set_xsrf(
        jar,
        salt,
        token,
        secure,
        st.config.weplanx.xsrf_domain.as_deref(),
    );
    let now = st.core.now().format(&Rfc3339).unwrap_or_default();
    let mut body = json!({
        "name": st.config.hostname,
        "ip": client.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        "now": now,
    });
    if st.config.mode != Mode::Production {
        let c = st.core.config();
        let ns = |secs: i64| Value::from(secs.saturating_mul(1_000_000_000));
        body["values"] = json!({
            "Mode": "development",
            "Hostname": st.config.hostname,
            "Namespace": c.issuer,
            "SessionTTL": ns(c.session.idle_timeout_secs),
            "LoginTTL": ns(c.lockout.window_secs),
            "LoginFailures": c.lockout.max_failures,
            "Engine": st.core.store().engine(),
        });
    }
    (jar, Json(body)).into_response()
}

/// `GET /forget_code?email=`: e-mails a reset code (the same answer for unknown addresses).
pub async fn forget_code(
    State(st): State<AppState>,
    client: Client,
    RawQuery(q): RawQuery,
) -> Result<StatusCode, WxError> {
    let email = Fields::from_query(q.as_deref())
        .req_str("email")
        .map_err(|e| WxError::validation(&[e]))?;
    st.core
        .request_password_reset(&email, None, &client.context(DIALECT))
        .await
        .or_wx(Ctx::Email)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /forget_reset` `{email, code, password}`.
pub async fn forget_reset(
    State(st): State<AppState>,
    client: Client,
    body: Body,
) -> Result<StatusCode, WxError> {
    let f = body.0.map_err(WxError::body)?;
    let mut c = Check::new();
    let email = c.take(f.req_str("email"));
    let code = c.take(f.req_str("code"));
    let password = c.take(f.req_str("password"));
    c.finish().map_err(|e| WxError::validation(&e))?;
    st.core
        .reset_password(
            &email,
            &code,
            &Password::new(password),
            &client.context(DIALECT),
        )
        .await
        .or_wx(Ctx::Email)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /options?type=upload|collaboration|generate-secret`; `{}` for anything else.
pub async fn options(State(st): State<AppState>, RawQuery(q): RawQuery) -> Json<Value> {
    let kind = Fields::from_query(q.as_deref())
        .opt_str("type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let w = &st.config.weplanx;
    Json(match kind.as_str() {
        "upload" => json!({ "type": "local", "limit": w.upload_limit_kib }),
        "collaboration" => json!({
            "url": "https://open.larksuite.com/open-apis/authen/v1/index",
            "redirect": w.lark_redirect_url,
            "app_id": w.lark_app_id,
        }),
        "generate-secret" => {
            json!({ "id": random::alphanumeric(8), "key": random::alphanumeric(16) })
        }
        _ => json!({}),
    })
}
