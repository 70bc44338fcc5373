//! The clumsy-tools API (`specs/clumsy-tools-api.txt`) under `/fo/rest`: OAuth2 password
//! flow with opaque tokens, account endpoints, social sign-in and to-do items. 200 with the
//! model or `{}`, 460 business errors with `ErrorResult`, OAuth2 errors from the token
//! endpoints and the resource guard. Differences from the original: `docs/dialects/clumsy.md`.

mod errors;
mod guard;
pub mod openapi;
mod social;
mod todo;
mod token;
mod user;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub use errors::ClError;

use crate::body::{Body, BodyError, Fields};
use crate::AppState;

/// Name used in login history and audit records.
pub const DIALECT: &str = "clumsy";

/// The original's password rule: 6–20 characters with at least one digit and one letter.
pub fn password_pattern_ok(p: &str) -> bool {
    let n = p.chars().count();
    (6..=20).contains(&n)
        && p.chars().any(|c| c.is_ascii_digit())
        && p.chars().any(|c| c.is_ascii_alphabetic())
}

/// The original's message for that rule.
pub const PASSWORD_PATTERN_TIP: &str =
    "Password should contain at least 1 digit and 1 English letter, and be 6-20 characters long.";
/// The same for a new password.
pub const NEW_PASSWORD_PATTERN_TIP: &str =
    "New password should contain at least 1 digit and 1 English letter, and be 6-20 characters long.";

/// `{}` with 200, the original's answer when there is no model.
pub fn empty() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{}",
    )
        .into_response()
}

/// A JSON request body; a missing one is the original's "Please input the required fields.".
pub fn json_fields(body: Body) -> Result<Fields, ClError> {
    match body.0 {
        Ok(f) if f.is_empty() => Err(ClError::biz(
            "INVALID_INPUT",
            "Please input the required fields.",
        )),
        Ok(f) => Ok(f),
        Err(BodyError::TooLarge) => Err(ClError::biz("INVALID_INPUT", "Request body too large.")),
        Err(_) => Err(ClError::biz(
            "INVALID_INPUT",
            "Please input the required fields.",
        )),
    }
}

/// A required, non-blank string field, with the original's message when missing.
pub fn required(f: &Fields, name: &'static str, message: &str) -> Result<String, ClError> {
    match f.opt_str(name) {
        Ok(Some(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Ok(_) => Err(ClError::field(name, message)),
        Err(_) => Err(ClError::field(name, &format!("{name} must be a string"))),
    }
}

/// Every endpoint of the document under `/fo/rest`.
pub fn router(state: &AppState) -> Router<AppState> {
    let api = Router::new()
        .route(
            "/token/new/local",
            post(token::new_local).fallback(token::not_post),
        )
        .route(
            "/token/new/by-register/local",
            post(token::register).fallback(token::not_post),
        )
        .route("/token/random-code/new/local", post(token::new_random_code))
        .route(
            "/token/new/by-random-code/local",
            post(token::by_random_code).fallback(token::not_post),
        )
        .route(
            "/token/new/social/by-token/{source}/{client_type}",
            post(social::by_token).fallback(token::not_post),
        )
        .route(
            "/token/new/social/by-auth-code/{source}/{client_type}",
            post(social::by_auth_code).fallback(token::not_post),
        )
        .route(
            "/token/refresh",
            post(token::refresh).fallback(token::not_post),
        )
        .route("/token/delete", post(token::delete))
        .route("/token/test/protected-resource", get(token::protected))
        .route("/user/profile/me", get(user::me))
        .route("/user/password/update/local", post(user::change_password))
        .route(
            "/user/email-verification-process/new",
            post(user::verification_new),
        )
        .route(
            "/user/email-verification-process/verify",
            get(user::verification_verify),
        )
        .route(
            "/user/password/forget-password-verify-code/new",
            post(user::forget_new),
        )
        .route(
            "/user/password/forget-password-verify-code/validate",
            post(user::forget_validate),
        )
        .route(
            "/user/password/forget-password-flow/update",
            post(user::forget_update),
        )
        .route("/todo/items", get(todo::list).post(todo::create))
        .route(
            "/todo/items/{item_id}",
            get(todo::get_one).post(todo::update),
        )
        .route("/todo/items/{item_id}/finish", post(todo::finish))
        .fallback(|| async { ClError::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors_and_charset,
        ));
    Router::new().nest("/fo/rest", api)
}

/// CORS as the original configured it, and `;charset=utf-8` on every content type.
async fn cors_and_charset(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let preflight = req.method() == Method::OPTIONS;
    let mut res = if preflight {
        StatusCode::OK.into_response()
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    if let Some(ct) = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        if !ct.to_ascii_lowercase().contains("charset") {
            if let Ok(v) = HeaderValue::from_str(&format!("{ct};charset=utf-8")) {
                h.insert(header::CONTENT_TYPE, v);
            }
        }
    }
    if let Some(allowed) = cors_origin(&st.config.clumsy.cors_allowed_origins, origin.as_deref()) {
        if let Ok(v) = HeaderValue::from_str(&allowed) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS, HEAD"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, Authorization"),
            );
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("WWW-Authenticate"),
            );
            if allowed != "*" {
                h.append(header::VARY, HeaderValue::from_static("Origin"));
            }
        }
    }
    res
}

/// Parses the `;`-separated origin list.
pub fn parse_origins(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The `Access-Control-Allow-Origin` value for a request's origin, if any.
pub fn cors_origin(raw: &str, origin: Option<&str>) -> Option<String> {
    let origin = origin.filter(|o| !o.is_empty())?;
    let list = parse_origins(raw);
    if list.iter().any(|o| o == "*") {
        Some("*".to_owned())
    } else if list.iter().any(|o| o == origin) {
        Some(origin.to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_pattern_matches_the_original_cases() {
        for ok in [
            "abcdef1",
            "ABCDEF1",
            "12345A",
            "12345a",
            "1a!@#$$%$#",
            "abc123",
            "abcdeabcdeabcde12345",
        ] {
            assert!(password_pattern_ok(ok), "{ok}");
        }
        for bad in [
            "abcdef",
            "123456",
            "a!@#$%^",
            "1!@#$%^",
            "abc12",
            "abcdeabcdeabcde123456",
        ] {
            assert!(!password_pattern_ok(bad), "{bad}");
        }
    }

    #[test]
    fn cors_parsing_and_decision_match_the_original() {
        assert!(parse_origins("  ").is_empty());
        assert_eq!(
            parse_origins(" http://foo.com ; https://bar.com:2018 ").len(),
            2
        );
        assert_eq!(parse_origins(" * "), vec!["*".to_owned()]);
        assert_eq!(cors_origin("", Some("http://foo.com")), None);
        assert_eq!(cors_origin("http://foo.com", None), None);
        assert_eq!(cors_origin("http://foo.com", Some("http://bar.com")), None);
        assert_eq!(
            cors_origin("http://x.com;*", Some("http://bar.com")).as_deref(),
            Some("*")
        );
        assert_eq!(
            cors_origin(
                "http://foo.com; https://bar.com:2018",
                Some("https://bar.com:2018")
            )
            .as_deref(),
            Some("https://bar.com:2018")
        );
    }
}
