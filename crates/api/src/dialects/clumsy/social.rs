//! Social sign-in token endpoints: `/token/new/social/by-token/{source}/{clientType}` (the
//! client already holds a Google ID token or a Facebook access token) and
//! `/token/new/social/by-auth-code/{source}/{clientType}` (the server exchanges an
//! authorization code). Both are password-grant forms whose `username` carries the token or
//! code. The provider adapters live in `tessera-identity`; the account rules (create on first
//! use, never link to an account of another source) in the core.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::collections::BTreeMap;
use tessera_core::ports::{ClientType, ExternalIdentity, IdentityError, SharedIdentityProvider};
use tessera_core::CoreError;

use super::errors::{error_result, ClError, TOO_MANY};
use super::token::{form, password_grant, token_result, TokenForm};
use super::DIALECT;
use crate::body::Body;
use crate::client::Client;
use crate::AppState;

/// The two flows, which differ in what `username` carries and in a few messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Token,
    Code,
}

/// `POST /token/new/social/by-token/{source}/{clientType}`.
pub async fn by_token(
    State(st): State<AppState>,
    Path((source, client_type)): Path<(String, String)>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    social(st, source, client_type, client, headers, body, Flow::Token).await
}

/// `POST /token/new/social/by-auth-code/{source}/{clientType}`.
pub async fn by_auth_code(
    State(st): State<AppState>,
    Path((source, client_type)): Path<(String, String)>,
    client: Client,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    social(st, source, client_type, client, headers, body, Flow::Code).await
}

async fn social(
    st: AppState,
    source: String,
    client_type: String,
    client: Client,
    headers: HeaderMap,
    body: Body,
    flow: Flow,
) -> Result<Response, ClError> {
    let f = form(&headers, body)?;
    let (secret, _password) = password_grant(&f, &[])?;
    let provider = provider(&st, &source)?;
    let client_type = ClientType::parse(&client_type)
        .map_err(|e| ClError::token_dev(&unsupported_message(&e)))?;
    let identity = match flow {
        Flow::Token => provider.verify_token(client_type, &secret).await,
        Flow::Code => {
            let redirect = redirect_uri(&f);
            provider
                .exchange_code(client_type, &secret, redirect.as_deref())
                .await
        }
    }
    .map_err(|e| identity_error(provider.name(), flow, client_type, e))?;
    sign_in(&st, &client, &f, &identity).await
}

fn redirect_uri(f: &TokenForm) -> Option<String> {
    f.get("redirectUri")
}

/// The enabled provider named by the path. An unknown or disabled source is the original's
/// developer error `unsupported source: X`.
fn provider(st: &AppState, source: &str) -> Result<SharedIdentityProvider, ClError> {
    match source {
        "google" | "facebook" => st.identity.get(source).cloned().ok_or_else(|| {
            ClError::token_dev(&format!(
                "unsupported source: {source} (not enabled on this server)"
            ))
        }),
        other => Err(ClError::token_dev(&format!("unsupported source: {other}"))),
    }
}

fn unsupported_message(e: &IdentityError) -> String {
    match e {
        IdentityError::Unsupported(m) | IdentityError::Invalid(m) => m.clone(),
        other => other.to_string(),
    }
}

/// The original's answers for a token or code the provider did not accept.
fn identity_error(
    provider: &str,
    flow: Flow,
    client_type: ClientType,
    e: IdentityError,
) -> ClError {
    tracing::debug!(provider, error = %e, "social sign-in refused by the provider");
    let google = provider == "google";
    match e {
        IdentityError::Invalid(message) => {
            if flow == Flow::Code && message.starts_with("redirect uri") {
                // The original's message has a trailing space.
                ClError::token_dev(&format!("{message} "))
            } else if google {
                ClError::token_dev("invalid google open id token")
            } else {
                ClError::token_dev("invalid facebook access token")
            }
        }
        IdentityError::NoEmail if google => ClError::token_dev(
            "cannot extract email from this open id token. please check the scope used for google sign-in",
        ),
        IdentityError::NoEmail => ClError::token_dev(
            "cannot extract email from this facebook access token. please check the scope used for facebook connect",
        ),
        IdentityError::Unavailable(_) => {
            let who = if google { "Google" } else { "Facebook" };
            ClError::raw(
                StatusCode::BAD_REQUEST,
                error_result(
                    "ERR_BUT_CAN_RETRY",
                    None,
                    Some(&format!("{who} didn't response. Please try again.")),
                    &BTreeMap::new(),
                ),
            )
        }
        IdentityError::Unsupported(message)
            if flow == Flow::Code && client_type == ClientType::Mobile =>
        {
            // The original threw IllegalArgumentException here, which its mapper turned
            // into a 460 UNKNOWN_SERVER_ERROR.
            ClError::raw(
                super::errors::biz_status(),
                error_result(
                    "UNKNOWN_SERVER_ERROR",
                    Some(&message),
                    None,
                    &BTreeMap::new(),
                ),
            )
        }
        IdentityError::Unsupported(message) => ClError::token_dev(&message),
        IdentityError::Misconfigured(cause) => ClError::internal(&cause),
    }
}

async fn sign_in(
    st: &AppState,
    client: &Client,
    f: &TokenForm,
    identity: &ExternalIdentity,
) -> Result<Response, ClError> {
    let long = f.get("long_session").as_deref() == Some("true");
    let opts = st.core.token_session_options(long);
    let signed_in = st
        .core
        .sign_in_external(identity, &client.context(DIALECT), opts)
        .await
        .map_err(|e| match e {
            CoreError::EmailTaken => ClError::token_user(&format!(
                "A user with the same email ({}) already exists.",
                identity.email
            )),
            CoreError::InvalidInput(fields) if fields.iter().any(|f| f.tag == "unverified") => {
                ClError::token_user(&format!(
                    "Your {} e-mail address is not verified. Please verify it with {} first.",
                    identity.provider, identity.provider
                ))
            }
            CoreError::InvalidInput(_) => ClError::token_dev(
                "the e-mail address given by the provider is not a valid address",
            ),
            CoreError::AccountLocked | CoreError::RateLimited => ClError::token_user(TOO_MANY),
            CoreError::TooManyRequests(secs) => ClError::token_user(TOO_MANY).retry_after(secs),
            CoreError::RegistrationClosed => ClError::token_user("Registration is closed."),
            CoreError::InviteRequired | CoreError::InviteInvalid | CoreError::InviteExhausted => {
                ClError::token_user("Registration needs an invite code.")
            }
            CoreError::InvalidCredentials | CoreError::AccountBlocked => {
                ClError::token_user("This account is disabled.")
            }
            CoreError::Internal(cause) => ClError::internal(&cause),
            other => ClError::token_user(&other.to_string()),
        })?;
    let tokens = st
        .core
        .issue_tokens(signed_in, long)
        .await
        .map_err(ClError::core)?;
    token_result(st, tokens).await
}
