//! Password recovery by an e-mailed link: `POST /password/reset` and
//! `POST /password/token/{token}`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use tessera_core::domain::Password;
use tessera_core::CoreError;

use super::messages as m;
use super::{reply, Params, DIALECT};
use crate::body::Body;
use crate::client::Client;
use crate::AppState;

/// `POST /password/reset` `{email}`: mails a reset link. The same answer for every address
/// unless `http.sspanel.reveal_unknown_email` is on.
pub async fn reset(
    State(st): State<AppState>,
    client: Client,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let Some(p) = Params::new(body, query.as_deref()) else {
        return reply(0, m::BAD_REQUEST);
    };
    let email = p.trimmed("email").unwrap_or_default();
    let cfg = &st.config.sspanel;
    if cfg.reveal_unknown_email {
        match st.core.user_by_email(&email).await {
            Ok(Some(_)) => {}
            Ok(None) | Err(CoreError::InvalidInput(_)) => return reply(0, m::RESET_UNKNOWN),
            Err(e) => {
                tracing::error!(error = %e, "sspanel: reset lookup failed");
                return reply(0, m::UNKNOWN_ERROR);
            }
        }
    }
    let link_base = format!(
        "{}/password/token/",
        st.config.public_url.trim_end_matches('/')
    );
    match st
        .core
        .request_password_reset_link(
            &email,
            &link_base,
            cfg.reset_link_ttl_secs,
            &client.context(DIALECT),
        )
        .await
    {
        // An invalid address cannot have an account: the same answer as an unknown one.
        Ok(()) | Err(CoreError::InvalidInput(_)) => reply(1, m::RESET_SENT),
        Err(CoreError::CodeRequestedTooOften | CoreError::RateLimited) => {
            reply(0, m::RESET_TOO_OFTEN)
        }
        Err(CoreError::TooManyRequests(secs)) => super::limited(m::RESET_TOO_OFTEN, secs),
        Err(e) => {
            tracing::error!(error = %e, "sspanel: reset request failed");
            reply(0, m::UNKNOWN_ERROR)
        }
    }
}

/// `POST /password/token/{token}` `{password, repasswd}`: sets the new password; the link
/// works once and every session of the account ends.
pub async fn token(
    State(st): State<AppState>,
    client: Client,
    token: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    // A token that is not even text (e.g. `%FF`) is as invalid as an unknown one.
    let Ok(Path(token)) = token else {
        return reply(0, m::RESET_LINK_INVALID);
    };
    let Some(p) = Params::new(body, query.as_deref()) else {
        return reply(0, m::BAD_REQUEST);
    };
    // Absent fields compare as empty, as PHP's `null != null` did: an empty form is "too
    // short", not "mismatch".
    let password = p.get("password").unwrap_or_default();
    if password != p.get("repasswd").unwrap_or_default() {
        return reply(0, m::RESET_MISMATCH);
    }
    if password.len() < 8 {
        return reply(0, m::RESET_SHORT);
    }
    match st
        .core
        .reset_password_with_link(&token, &Password::new(password), &client.context(DIALECT))
        .await
    {
        Ok(()) => reply(1, m::RESET_OK),
        Err(CoreError::WeakPassword(_)) => reply(0, m::PASSWORD_WEAK),
        Err(CoreError::AccountLocked | CoreError::RateLimited) => reply(0, m::TOO_MANY_ATTEMPTS),
        Err(CoreError::TooManyRequests(secs)) => super::limited(m::TOO_MANY_ATTEMPTS, secs),
        Err(CoreError::Internal(cause)) => {
            tracing::error!(cause, "sspanel: reset failed");
            reply(0, m::UNKNOWN_ERROR)
        }
        Err(_) => reply(0, m::RESET_LINK_INVALID),
    }
}
