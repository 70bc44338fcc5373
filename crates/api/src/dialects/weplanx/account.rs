//! The signed-in user's account: info, profile fields, password, phone, TOTP, unbinding.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::Json;
use serde_json::{json, Value};
use tessera_core::domain::Password;
use tessera_core::services::{ProfileField, UserOverview};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::errors::{Ctx, OrWx, WxError};
use super::guard::Authed;
use super::DIALECT;
use crate::body::{Body, Check, Fields};
use crate::client::Client;
use crate::AppState;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The original's login `source` names.
fn source_name(method: &str) -> &str {
    match method {
        "password" => "email",
        other => other,
    }
}

fn render_user(o: &UserOverview) -> Value {
    let u = &o.user;
    let history = o.last_login.as_ref().map_or(Value::Null, |e| {
        json!({
            "timestamp": rfc3339(e.at),
            "metadata": { "client_ip": e.ip, "version": "tessera", "source": source_name(&e.method) },
            "user_agent": e.user_agent,
            "detail": {},
        })
    });
    let mut body = json!({
        "_id": u.id.to_simple(),
        "email": u.email.as_str(),
        "name": u.name,
        "avatar": u.avatar,
        "phone": if u.phone.is_some() { "*" } else { "" },
        "sessions": o.successful_logins,
        "history": history,
        "totp": if u.totp_secret.is_some() { "*" } else { "" },
        "status": u.status == tessera_core::domain::UserStatus::Active,
        "create_time": rfc3339(u.created_at),
        "update_time": rfc3339(u.updated_at),
    });
    if let Some(lark) = &u.lark {
        body["lark"] = lark.clone();
    }
    body
}

/// `GET /user`.
pub async fn info(
    State(st): State<AppState>,
    Authed(auth): Authed,
) -> Result<Json<Value>, WxError> {
    let o = st.core.overview(auth).await.or_wx(Ctx::General)?;
    Ok(Json(render_user(&o)))
}

/// `PATCH /user` `{key: email|name|avatar (any case), <key>: value}`.
pub async fn set_user(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    body: Body,
) -> Result<StatusCode, WxError> {
    let f = body.0.map_err(WxError::body)?;
    let key = f.req_str("key").map_err(|e| WxError::validation(&[e]))?;
    let field = match key.to_ascii_lowercase().as_str() {
        "email" => ProfileField::Email(f.req_str("email").map_err(|e| WxError::validation(&[e]))?),
        "name" => ProfileField::Name(
            f.opt_str("name")
                .map_err(|e| WxError::validation(&[e]))?
                .unwrap_or_default(),
        ),
        "avatar" => ProfileField::Avatar(
            f.opt_str("avatar")
                .map_err(|e| WxError::validation(&[e]))?
                .unwrap_or_default(),
        ),
        _ => {
            return Err(WxError::validation(&[tessera_core::error::FieldError {
                field: "key",
                tag: "oneof",
            }]))
        }
    };
    st.core
        .set_profile_field(auth, field, &client.context(DIALECT))
        .await
        .or_wx(Ctx::General)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /user/password` `{old, password}`: other sessions end.
pub async fn set_password(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    body: Body,
) -> Result<StatusCode, WxError> {
    let f = body.0.map_err(WxError::body)?;
    let mut c = Check::new();
    let old = c.take(f.req_str("old"));
    let new = c.take(f.req_str("password"));
    if !old.is_empty() && old.chars().count() < 8 {
        c.push("old", "min");
    }
    c.finish().map_err(|e| WxError::validation(&e))?;
    st.core
        .change_password(
            auth,
            &Password::new(old),
            &Password::new(new),
            &client.context(DIALECT),
        )
        .await
        .or_wx(Ctx::General)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /user/phone_code?phone=`.
pub async fn phone_code(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    RawQuery(q): RawQuery,
) -> Result<StatusCode, WxError> {
    let phone = Fields::from_query(q.as_deref())
        .req_str("phone")
        .map_err(|e| WxError::validation(&[e]))?;
    st.core
        .request_phone_bind_code(auth, &phone, &client.context(DIALECT))
        .await
        .or_wx(Ctx::Sms)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /user/phone` `{phone, code}`.
pub async fn bind_phone(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    body: Body,
) -> Result<StatusCode, WxError> {
    let f = body.0.map_err(WxError::body)?;
    let mut c = Check::new();
    let phone = c.take(f.req_str("phone"));
    let code = c.take(f.req_str("code"));
    c.finish().map_err(|e| WxError::validation(&e))?;
    st.core
        .bind_phone(auth, &phone, &code, &client.context(DIALECT))
        .await
        .or_wx(Ctx::Sms)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /user/totp`: a fresh `otpauth://` URI, pending for five minutes.
pub async fn totp_url(
    State(st): State<AppState>,
    Authed(auth): Authed,
) -> Result<Json<Value>, WxError> {
    let uri = st
        .core
        .start_totp_enrolment(auth)
        .await
        .or_wx(Ctx::TotpBind)?;
    Ok(Json(json!({ "totp": uri })))
}

/// `POST /user/totp` `{totp: <uri>, tss: [code, code]}`.
pub async fn bind_totp(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    body: Body,
) -> Result<StatusCode, WxError> {
    let f = body.0.map_err(WxError::body)?;
    let mut c = Check::new();
    let uri = c.take(f.req_str("totp"));
    let tss = c.take(f.str_list("tss")).unwrap_or_default();
    if tss.len() != 2 {
        c.push("tss", "len");
    }
    c.finish().map_err(|e| WxError::validation(&e))?;
    st.core
        .confirm_totp_enrolment(auth, &uri, &tss, &client.context(DIALECT))
        .await
        .or_wx(Ctx::TotpBind)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /user/{phone|totp|lark}`.
pub async fn unset(
    State(st): State<AppState>,
    client: Client,
    Authed(auth): Authed,
    uri: Uri,
) -> Result<StatusCode, WxError> {
    let ctx = client.context(DIALECT);
    let key = uri.path().rsplit('/').next().unwrap_or_default();
    match key {
        "phone" => st.core.unset_phone(auth, &ctx).await,
        "totp" => st.core.unset_totp(auth, &ctx).await,
        "lark" => st.core.unset_lark(auth, &ctx).await,
        _ => {
            return Err(WxError::validation(&[tessera_core::error::FieldError {
                field: "key",
                tag: "oneof",
            }]))
        }
    }
    .or_wx(Ctx::General)?;
    Ok(StatusCode::NO_CONTENT)
}
