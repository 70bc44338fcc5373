//! The Ugene API (`specs/ugene-api.txt`): a module/param RPC. `POST /api` takes
//! `{module, param, args, language, timestamp}`; the read-style calls are also
//! `GET /api/{module}/{param}/{lang}` with their arguments in the query; uploads are a
//! multipart `PUT /api`; files and avatars are served at `/download/file/{id}` and
//! `/image/user/avatar/{uid}`. Every answer is HTTP 200 (500 only for a server fault) with
//! `{success, answer|error, timestamp, language, session}`; the caller authenticates with
//! `X-Authorization-Token: Bearer <token>`. Codes: [`codes`]; differences from the
//! original: `docs/dialects/ugene.md`.

mod admin;
mod args;
mod caller;
pub mod codes;
mod envelope;
mod files;
mod gdpr;
pub mod openapi;
mod reg_auth;
mod user;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use tessera_core::error::CoreError;

use crate::AppState;

pub use caller::Caller;

/// Name used in login history and audit records.
pub const DIALECT: &str = "ugene";

/// Longest accepted language tag; anything else answers in the default language.
const MAX_LANG_LEN: usize = 16;

/// Every endpoint of the document.
pub fn router(state: &AppState) -> Router<AppState> {
    let files = &state.core.config().files;
    let largest = files.max_file_bytes.max(files.max_avatar_bytes);
    // Room for the other form fields and the multipart framing.
    let upload_limit = usize::try_from(largest).unwrap_or(usize::MAX / 2) + 64 * 1024;
    Router::new()
        .route(
            "/api",
            post(envelope::post)
                .merge(put(files::upload).layer(DefaultBodyLimit::max(upload_limit))),
        )
        .route("/api/{module}/{param}/{lang}", get(envelope::get_with_lang))
        .route("/api/{module}/{param}", get(envelope::get_default_lang))
        .route("/download/file/{id}", get(files::download))
        .route("/image/user/avatar/{uid}", get(files::avatar_of))
        .route("/image/user/avatar", get(files::own_avatar))
}

/// A request language: echoed in every answer. Unusable tags fall back to the default.
pub fn language(raw: Option<&str>, default: &str) -> String {
    match raw.map(str::trim) {
        Some(l)
            if !l.is_empty()
                && l.len() <= MAX_LANG_LEN
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            l.to_owned()
        }
        _ => default.to_owned(),
    }
}

/// What a function answers: an `answer` object or an error code, and the `session`.
#[derive(Debug)]
pub struct Out {
    /// `answer` on success, the error code otherwise.
    pub result: Result<Value, &'static str>,
    /// The `session` object; `None` uses the caller's.
    pub session: Option<Value>,
    /// `Retry-After` seconds, for a refusal by a per-IP request limit.
    pub retry_after: Option<i64>,
}

impl Out {
    /// `answer: {"message": code}`.
    pub fn message(code: &'static str) -> Self {
        Self {
            result: Ok(serde_json::json!({ "message": code })),
            session: None,
            retry_after: None,
        }
    }

    /// `answer: {"data": data}`.
    pub fn data(data: Value) -> Self {
        Self {
            result: Ok(serde_json::json!({ "data": data })),
            session: None,
            retry_after: None,
        }
    }

    /// `answer` as given.
    pub fn answer(answer: Value) -> Self {
        Self {
            result: Ok(answer),
            session: None,
            retry_after: None,
        }
    }

    /// An error code.
    pub fn error(code: &'static str) -> Self {
        Self {
            result: Err(code),
            session: None,
            retry_after: None,
        }
    }

    /// A core error as a code (see [`code_of`]), with `Retry-After` when the error has one.
    pub fn failed(e: &CoreError, fallback: &'static str) -> Self {
        let mut out = Self::error(code_of(e, fallback));
        out.retry_after = e.retry_after_secs();
        out
    }

    /// Replaces the `session` object (a sign-in answers with its new session; a
    /// sign-out or erasure with `{}`).
    pub fn with_session(mut self, session: Value) -> Self {
        self.session = Some(session);
        self
    }
}

/// The envelope, in the document's key order.
#[derive(Serialize)]
struct Envelope<'a> {
    success: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    timestamp: i64,
    language: &'a str,
    session: Value,
}

/// Renders an outcome. Only [`codes::INTERNAL`] is not HTTP 200.
pub fn render(out: Out, lang: &str, caller_session: Value, now: i64) -> Response {
    let session = out.session.unwrap_or(caller_session);
    let retry_after = out.retry_after;
    let (status, envelope) = match out.result {
        Ok(answer) => (
            StatusCode::OK,
            Envelope {
                success: 1,
                answer: Some(answer),
                error: None,
                timestamp: now,
                language: lang,
                session,
            },
        ),
        Err(code) => (
            if code == codes::INTERNAL {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            },
            Envelope {
                success: 0,
                answer: None,
                error: Some(code),
                timestamp: now,
                language: lang,
                session,
            },
        ),
    };
    let mut res = (status, Json(envelope)).into_response();
    if let Some(secs) = retry_after {
        crate::ops::set_retry_after(&mut res, secs);
    }
    res
}

/// Maps a core error to a code: the errors every function shares get their own codes,
/// the rest get the function's `fallback` (the code the document shows for it).
pub fn code_of(e: &CoreError, fallback: &'static str) -> &'static str {
    match e {
        CoreError::InvalidInput(_) => codes::BAD_INPUT,
        CoreError::SessionInvalid | CoreError::TokenExpired => codes::TOKEN_WRONG,
        CoreError::Forbidden => codes::FORBIDDEN,
        CoreError::Restricted => codes::PROCESSING_RESTRICTED,
        CoreError::RateLimited
        | CoreError::CodeRequestedTooOften
        | CoreError::TooManyRequests(_) => codes::TOO_OFTEN,
        CoreError::AccountLocked => codes::LOCKED,
        CoreError::ReauthRequired => codes::REAUTH_REQUIRED,
        CoreError::Internal(msg) => {
            tracing::error!(error = %msg, "ugene: request failed");
            codes::INTERNAL
        }
        _ => fallback,
    }
}
