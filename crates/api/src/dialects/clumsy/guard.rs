//! The resource guard: `Authorization: Bearer <opaque token>`. No header means anonymous
//! (resources that need a user answer 400 "Missing auth token"); a malformed header is a
//! 400; an unknown or revoked token a 401 `invalid_token`; an expired one `expired_token`.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use tessera_core::services::AuthContext;
use tessera_core::CoreError;

use super::errors::ClError;
use crate::AppState;

/// The OAuth2 realm: this dialect's base URI.
pub fn realm(state: &AppState) -> String {
    format!("{}/fo/rest/", state.config.public_url.trim_end_matches('/'))
}

/// A request made with a valid access token.
#[derive(Debug, Clone, Copy)]
pub struct Bearer(pub AuthContext);

async fn check(parts: &Parts, state: &AppState) -> Result<Option<Bearer>, ClError> {
    let realm = realm(state);
    let Some(raw) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Ok(raw) = raw.to_str() else {
        return Err(ClError::guard(
            &realm,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Incorrect authorization method."),
        ));
    };
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let Some(token) = raw.strip_prefix("Bearer ") else {
        return Err(ClError::guard(
            &realm,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Incorrect authorization method."),
        ));
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(ClError::guard(
            &realm,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Missing required parameter."),
        ));
    }
    match state.core.verify_bearer(token).await {
        Ok(auth) => Ok(Some(Bearer(auth))),
        Err(CoreError::TokenExpired) => Err(ClError::guard(
            &realm,
            StatusCode::UNAUTHORIZED,
            "expired_token",
            None,
        )),
        Err(CoreError::Internal(cause)) => Err(ClError::internal(&cause)),
        Err(_) => Err(ClError::guard(
            &realm,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            None,
        )),
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ClError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        check(parts, state).await?.ok_or_else(|| {
            ClError::guard(
                &realm(state),
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("Missing auth token"),
            )
        })
    }
}

impl OptionalFromRequestParts<AppState> for Bearer {
    type Rejection = ClError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        check(parts, state).await
    }
}
