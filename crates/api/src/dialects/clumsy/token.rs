//! The OAuth2 token endpoints (password grant; form bodies), logout and the test resource.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tessera_core::domain::Password;
use tessera_core::services::{CreateUser, IssuedTokens};
use tessera_core::CoreError;

use super::errors::{ClError, TOO_MANY, WEAK_PASSWORD};
use super::guard::Bearer;
use super::{password_pattern_ok, DIALECT, PASSWORD_PATTERN_TIP};
use crate::body::{Body, BodyError, Fields};
use crate::client::Client;
use crate::AppState;

/// Lifetime of an e-mailed sign-in code, as the original (30 min).
const LOGIN_CODE_TTL_SECS: i64 = 1800;

/// Form fields of a token request, trimmed with empty values dropped (as the original).
pub(super) struct TokenForm(Fields);

impl TokenForm {
    pub(super) fn get(&self, name: &'static str) -> Option<String> {
        self.0
            .opt_str(name)
            .ok()
            .flatten()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }
}

pub(super) fn form(headers: &HeaderMap, body: Body) -> Result<TokenForm, ClError> {
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(ClError::oauth(
            "invalid_request",
            "Bad request content type. Expecting: application/x-www-form-urlencoded",
        ));
    }
    match body.0 {
        Ok(f) => Ok(TokenForm(f)),
        Err(BodyError::TooLarge) => {
            Err(ClError::oauth("invalid_request", "Request body too large"))
        }
        Err(_) => Err(ClError::oauth("invalid_request", "Malformed form body")),
    }
}

/// Oltu's checks for a password-grant request: grant type, then required parameters.
pub(super) fn password_grant(
    f: &TokenForm,
    extra: &[&'static str],
) -> Result<(String, String), ClError> {
    let Some(grant) = f.get("grant_type") else {
        return Err(ClError::oauth(
            "invalid_request",
            "Missing grant_type parameter value",
        ));
    };
    if !matches!(
        grant.as_str(),
        "password" | "authorization_code" | "refresh_token"
    ) {
        return Err(ClError::oauth(
            "invalid_request",
            "Invalid grant_type parameter value",
        ));
    }
    let missing: Vec<&str> = ["username", "password"]
        .iter()
        .chain(extra.iter())
        .copied()
        .filter(|k| f.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ClError::oauth(
            "invalid_request",
            &format!("Missing parameters: {}", missing.join(" ")),
        ));
    }
    if grant != "password" {
        return Err(ClError::oauth(
            "unsupported_grant_type",
            "the grant_type has to be 'password' ",
        ));
    }
    Ok((
        f.get("username").unwrap_or_default(),
        f.get("password").unwrap_or_default(),
    ))
}

pub(super) async fn token_result(st: &AppState, t: IssuedTokens) -> Result<Response, ClError> {
    let _ = st;
    Ok(Json(json!({
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "expires_in": t.expires_in,
        "token_type": "Bearer",
        "user_principal": format!("{}:{}", t.user.source.0, t.user.email),
    }))
    .into_response())
}

/// The password was right, but the account has a second factor this protocol cannot carry.
const SECOND_FACTOR: &str =
    "This account uses two-step verification; sign in with a client that asks for the code.";

/// Maps sign-in failures on token endpoints (400 ErrorResult, user messages).
fn sign_in_error(e: CoreError) -> ClError {
    match e {
        CoreError::InvalidCredentials | CoreError::InvalidInput(_) | CoreError::WrongSource(_) => {
            ClError::token_user("Email or password wrong")
        }
        CoreError::AccountLocked | CoreError::RateLimited => ClError::token_user(TOO_MANY),
        CoreError::TooManyRequests(secs) => ClError::token_user(TOO_MANY).retry_after(secs),
        CoreError::CodeInvalid => ClError::token_user("Invalid login code."),
        CoreError::CodeExpired => ClError::token_user("Login code expired."),
        CoreError::SecondFactorRequired => ClError::token_user(SECOND_FACTOR),
        CoreError::Internal(cause) => ClError::internal(&cause),
        other => ClError::token_user(&other.to_string()),
    }
}

/// `POST /token/new/local`: e-mail and password; `long_session=true` for 14 days.
pub async fn new_local(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    let f = form(&headers, body)?;
    let (email, password) = password_grant(&f, &[])?;
    let long = f.get("long_session").as_deref() == Some("true");
    let opts = st.core.token_session_options(long);
    let s = st
        .core
        .sign_in_password(
            &email,
            &Password::new(password),
            &client.context(DIALECT),
            opts,
        )
        .await
        .map_err(sign_in_error)?;
    let t = st.core.issue_tokens(s, long).await.map_err(ClError::core)?;
    token_result(&st, t).await
}

/// `POST /token/new/by-register/local`: creates a local account and signs it in.
pub async fn register(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    let f = form(&headers, body)?;
    let (email, password) = password_grant(&f, &[])?;
    if !password_pattern_ok(&password) {
        return Err(token_field("password", PASSWORD_PATTERN_TIP));
    }
    let ctx = client.context(DIALECT);
    let opts = st.core.token_session_options(false);
    let req = CreateUser {
        email,
        password: Some(Password::new(password)),
        name: String::new(),
        username: None,
        is_admin: false,
        email_verified: false,
    };
    let s = st
        .core
        .register(req, &ctx, opts)
        .await
        .map_err(|e| match e {
            CoreError::InvalidInput(_) => ClError::token_user("Please input a valid email"),
            CoreError::EmailTaken => ClError::token_user("This email already exists"),
            CoreError::RegistrationClosed => ClError::token_user("Registration is closed."),
            CoreError::InviteRequired | CoreError::InviteInvalid | CoreError::InviteExhausted => {
                ClError::token_user("Registration needs an invite code.")
            }
            CoreError::WeakPassword(_) => token_field("password", WEAK_PASSWORD),
            other => sign_in_error(other),
        })?;
    let t = st
        .core
        .issue_tokens(s, false)
        .await
        .map_err(ClError::core)?;
    token_result(&st, t).await
}

fn token_field(field: &str, message: &str) -> ClError {
    let mut m = std::collections::BTreeMap::new();
    m.insert(field.to_owned(), message.to_owned());
    let body = super::errors::error_result("invalid_request", None, None, &m);
    ClError::raw(axum::http::StatusCode::BAD_REQUEST, body)
}

/// `POST /token/random-code/new/local` `{email}`: e-mails a sign-in code (same answer for
/// unknown addresses).
pub async fn new_random_code(
    State(st): State<AppState>,
    client: Client,
    body: Body,
) -> Result<Response, ClError> {
    let f = super::json_fields(body)?;
    let email = super::required(&f, "email", "Please input email")?;
    st.core
        .request_login_code(&email, LOGIN_CODE_TTL_SECS, &client.context(DIALECT))
        .await
        .map_err(ClError::core)?;
    Ok(super::empty())
}

/// `POST /token/new/by-random-code/local`: e-mail and the e-mailed code.
pub async fn by_random_code(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    let f = form(&headers, body)?;
    let (email, code) = password_grant(&f, &[])?;
    let opts = st.core.token_session_options(false);
    let s = st
        .core
        .sign_in_login_code(&email, &code, &client.context(DIALECT), opts)
        .await
        .map_err(sign_in_error)?;
    let t = st
        .core
        .issue_tokens(s, false)
        .await
        .map_err(ClError::core)?;
    token_result(&st, t).await
}

/// Any other method on a token endpoint: Oltu's answer.
pub async fn not_post() -> ClError {
    ClError::oauth("invalid_request", "Method not set to POST.")
}

/// `POST /token/refresh`: `grant_type=refresh_token&refresh_token=...`; rotates both tokens.
pub async fn refresh(
    State(st): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    let f = form(&headers, body)?;
    let Some(grant) = f.get("grant_type") else {
        return Err(ClError::oauth(
            "invalid_request",
            "Missing grant_type parameter value",
        ));
    };
    if !matches!(
        grant.as_str(),
        "password" | "authorization_code" | "refresh_token"
    ) {
        return Err(ClError::oauth(
            "invalid_request",
            "Invalid grant_type parameter value",
        ));
    }
    let Some(refresh_token) = f.get("refresh_token") else {
        return Err(ClError::oauth(
            "invalid_request",
            "Missing parameters: refresh_token",
        ));
    };
    if grant != "refresh_token" {
        return Err(ClError::oauth(
            "unsupported_grant_type",
            "the grant_type has to be 'refresh_token' ",
        ));
    }
    match st
        .core
        .refresh_tokens(&refresh_token, &client.context(DIALECT))
        .await
    {
        Ok(t) => token_result(&st, t).await,
        Err(CoreError::Internal(cause)) => Err(ClError::internal(&cause)),
        Err(_) => Err(ClError::token_dev("invalid refresh token")),
    }
}

/// `POST /token/delete`: ends the token's session; silent without a token.
pub async fn delete(
    State(st): State<AppState>,
    client: Client,
    bearer: Option<Bearer>,
) -> Result<Response, ClError> {
    if let Some(Bearer(auth)) = bearer {
        st.core
            .sign_out(auth, &client.context(DIALECT))
            .await
            .map_err(ClError::core)?;
    }
    Ok(super::empty())
}

/// `GET /token/test/protected-resource`.
pub async fn protected(_b: Bearer) -> Response {
    super::empty()
}
