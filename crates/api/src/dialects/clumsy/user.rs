//! Account endpoints: profile, password change, e-mail verification, forgotten password.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tessera_core::domain::Password;
use tessera_core::CoreError;

use super::errors::{biz_status, ClError};
use super::guard::Bearer;
use super::{empty, json_fields, password_pattern_ok, required, DIALECT, NEW_PASSWORD_PATTERN_TIP};
use crate::body::{Body, Fields};
use crate::client::Client;
use crate::AppState;

/// Reset codes live 10 minutes, as the original.
const RESET_TTL_SECS: i64 = 600;
/// Verification links live 14 days, as the original.
const VERIFY_TTL_SECS: i64 = 14 * 24 * 3600;

/// `GET /user/profile/me`.
pub async fn me(State(st): State<AppState>, Bearer(auth): Bearer) -> Result<Response, ClError> {
    let u = st.core.user(auth.user_id).await.map_err(|_| {
        ClError::guard(
            &super::guard::realm(&st),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Missing auth token"),
        )
    })?;
    let id = st.core.user_number(u.id).await.map_err(ClError::core)?;
    let ms =
        |t: time::OffsetDateTime| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    Ok(Json(json!({
        "id": id,
        "createdAt": ms(u.created_at),
        "updatedAt": ms(u.updated_at),
        "principal": format!("{}:{}", u.source.0, u.email),
        "source": u.source.0,
        "email": u.email.as_str(),
        "emailVerified": u.email_verified_at.is_some(),
        "canVerifyEmail": u.email_verified_at.is_none(),
    }))
    .into_response())
}

/// `POST /user/password/update/local` `{currentPassword, newPassword}`: other sessions end.
pub async fn change_password(
    State(st): State<AppState>,
    client: Client,
    Bearer(auth): Bearer,
    body: Body,
) -> Result<Response, ClError> {
    let f = json_fields(body)?;
    let mut errors = std::collections::BTreeMap::new();
    let current = f
        .opt_str("currentPassword")
        .ok()
        .flatten()
        .filter(|s| !s.is_empty());
    let new = f
        .opt_str("newPassword")
        .ok()
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if current.is_none() {
        errors.insert(
            "currentPassword".to_owned(),
            "Please input current password.".to_owned(),
        );
    }
    match &new {
        None => {
            errors.insert(
                "newPassword".to_owned(),
                "Please input the new password.".to_owned(),
            );
        }
        Some(p) if !password_pattern_ok(p) => {
            errors.insert(
                "newPassword".to_owned(),
                NEW_PASSWORD_PATTERN_TIP.to_owned(),
            );
        }
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(ClError::fields(errors));
    }
    let user = st.core.user(auth.user_id).await.map_err(ClError::core)?;
    if user.password_hash.is_none() {
        return Err(ClError::biz(
            "INVALID_INPUT",
            &format!(
                "You are a {} user and cannot change password",
                user.source.0
            ),
        ));
    }
    st.core
        .change_password(
            auth,
            &Password::new(current.unwrap_or_default()),
            &Password::new(new.unwrap_or_default()),
            &client.context(DIALECT),
        )
        .await
        .map_err(ClError::core)?;
    Ok(empty())
}

/// `POST /user/email-verification-process/new`: mails a confirmation link.
pub async fn verification_new(
    State(st): State<AppState>,
    client: Client,
    Bearer(auth): Bearer,
) -> Result<Response, ClError> {
    let base = format!(
        "{}/fo/rest/user/email-verification-process/verify?d=",
        st.config.public_url.trim_end_matches('/')
    );
    st.core
        .start_email_verification(auth, &base, VERIFY_TTL_SECS, &client.context(DIALECT))
        .await
        .map_err(ClError::core)?;
    Ok(empty())
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
}

/// `GET /user/email-verification-process/verify?d=`: plain text, as the original.
pub async fn verification_verify(
    State(st): State<AppState>,
    client: Client,
    RawQuery(q): RawQuery,
) -> Response {
    let d = Fields::from_query(q.as_deref())
        .opt_str("d")
        .ok()
        .flatten()
        .unwrap_or_default();
    match st
        .core
        .confirm_email(d.trim(), &client.context(DIALECT))
        .await
    {
        Ok(()) => plain(StatusCode::OK, "Email address verified."),
        Err(CoreError::CodeExpired) => plain(biz_status(), "The link has expired."),
        Err(CoreError::Internal(cause)) => {
            tracing::error!(cause, "email verification failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.")
        }
        Err(_) => plain(biz_status(), "Invalid request"),
    }
}

/// `POST /user/password/forget-password-verify-code/new` `{email}`: mails a reset code
/// (same answer for unknown addresses).
pub async fn forget_new(
    State(st): State<AppState>,
    client: Client,
    body: Body,
) -> Result<Response, ClError> {
    let f = json_fields(body)?;
    let email = required(&f, "email", "please input email")?;
    st.core
        .request_password_reset(&email, Some(RESET_TTL_SECS), &client.context(DIALECT))
        .await
        .map_err(ClError::core)?;
    Ok(empty())
}

/// `POST /user/password/forget-password-verify-code/validate` `{email, verifyCode}`.
pub async fn forget_validate(State(st): State<AppState>, body: Body) -> Result<Response, ClError> {
    let f = json_fields(body)?;
    let (email, code) = email_and_code(&f)?;
    st.core
        .check_password_reset_code(&email, &code)
        .await
        .map_err(ClError::core)?;
    Ok(empty())
}

/// `POST /user/password/forget-password-flow/update` `{email, verifyCode, newPassword}`.
pub async fn forget_update(
    State(st): State<AppState>,
    client: Client,
    body: Body,
) -> Result<Response, ClError> {
    let f = json_fields(body)?;
    let new = f
        .opt_str("newPassword")
        .ok()
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    // Bean validation reports every field at once, as the original did.
    let mut errors = std::collections::BTreeMap::new();
    match &new {
        None => {
            errors.insert(
                "newPassword".to_owned(),
                "Please input the new password.".to_owned(),
            );
        }
        Some(p) if !password_pattern_ok(p) => {
            errors.insert(
                "newPassword".to_owned(),
                NEW_PASSWORD_PATTERN_TIP.to_owned(),
            );
        }
        Some(_) => {}
    }
    let (email, code) = email_and_code_with(&f, errors)?;
    st.core
        .reset_password(
            &email,
            &code,
            &Password::new(new.unwrap_or_default()),
            &client.context(DIALECT),
        )
        .await
        .map_err(ClError::core)?;
    Ok(empty())
}

fn email_and_code(f: &Fields) -> Result<(String, String), ClError> {
    email_and_code_with(f, std::collections::BTreeMap::new())
}

/// `email` and `verifyCode`, reported together with the field errors already found.
fn email_and_code_with(
    f: &Fields,
    mut errors: std::collections::BTreeMap<String, String>,
) -> Result<(String, String), ClError> {
    let email = f
        .opt_str("email")
        .ok()
        .flatten()
        .filter(|s| !s.trim().is_empty());
    let code = f
        .opt_str("verifyCode")
        .ok()
        .flatten()
        .filter(|s| !s.trim().is_empty());
    if email.is_none() {
        errors.insert("email".to_owned(), "Please input email.".to_owned());
    }
    if code.is_none() {
        errors.insert(
            "verifyCode".to_owned(),
            "Please input the verification code you received.".to_owned(),
        );
    }
    if !errors.is_empty() {
        return Err(ClError::fields(errors));
    }
    Ok((email.unwrap_or_default(), code.unwrap_or_default()))
}
