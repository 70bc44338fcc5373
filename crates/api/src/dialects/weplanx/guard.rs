//! The auth guard (the `TOKEN` cookie, verified against the live session) and the CSRF
//! check (HMAC of the `XSRF-SALT` cookie must equal the `X-XSRF-TOKEN` header).

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde_json::json;
use tessera_core::security::keyed;
use tessera_core::services::AuthContext;

use super::cookies::{TOKEN, XSRF_HEADER, XSRF_SALT};
use super::errors::{messages, WxError};
use crate::{AppState, Mode};

/// A request whose `TOKEN` names a live session.
#[derive(Debug, Clone, Copy)]
pub struct Authed(pub AuthContext);

impl FromRequestParts<AppState> for Authed {
    type Rejection = WxError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = match jar.get(TOKEN).map(|c| c.value().to_owned()) {
            Some(t) if !t.is_empty() => t,
            _ => return Err(WxError::unauthorized(messages::AUTH_MISSING, false)),
        };
        match state.core.verify_access_token(&token).await {
            Ok(ctx) => Ok(Self(ctx)),
            Err(tessera_core::CoreError::Internal(cause)) => Err(WxError::core(
                tessera_core::CoreError::Internal(cause),
                super::errors::Ctx::General,
            )),
            Err(_) => Err(WxError::unauthorized(messages::AUTH_EXPIRED, true)),
        }
    }
}

fn csrf_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "code": "csrf", "msg": message, "message": message })),
    )
        .into_response()
}

/// Refuses unsafe requests without a valid CSRF token, in production mode.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || state.config.mode != Mode::Production {
        return next.run(req).await;
    }
    let Some(header) = req.headers().get(XSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return csrf_error("CSRF missing csrf token in header");
    };
    let jar = CookieJar::from_headers(req.headers());
    let salt = jar
        .get(XSRF_SALT)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if salt.is_empty() {
        return csrf_error("CSRF invalid token");
    }
    let expected = keyed::hmac_hex(&state.core.keys().csrf, salt.as_bytes());
    if !keyed::equal(expected.as_bytes(), header.as_bytes()) {
        return csrf_error("CSRF invalid token");
    }
    next.run(req).await
}
