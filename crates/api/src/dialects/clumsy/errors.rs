//! The one place core errors become clumsy-tools responses: 460 with an `ErrorResult`
//! for business errors, 400 OAuth2 errors from the token endpoints, and the resource
//! guard's 400/401 with `WWW-Authenticate`. `ErrorResult` always carries all six keys
//! (nulls included), as the original's Jackson mapper wrote them.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tessera_core::error::{CoreError, FieldError};

/// The business-error status of the original.
pub fn biz_status() -> StatusCode {
    StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
}

/// An error response of this dialect.
#[derive(Debug)]
pub struct ClError {
    status: StatusCode,
    body: Option<Value>,
    www_authenticate: Option<String>,
    retry_after: Option<i64>,
}

/// Builds an `ErrorResult` body.
pub fn error_result(
    error: &str,
    description: Option<&str>,
    non_field: Option<&str>,
    fields: &BTreeMap<String, String>,
) -> Value {
    let for_user = non_field
        .map(str::to_owned)
        .or_else(|| fields.values().next().cloned());
    json!({
        "error": error,
        "error_description": description,
        "exception_id": Value::Null,
        "non_field_error_for_user": non_field,
        "field_errors_for_user": if fields.is_empty() { Value::Null } else { json!(fields) },
        "error_description_for_user": for_user,
    })
}

impl ClError {
    /// 460 with a user-facing message not tied to a field.
    pub fn biz(error: &str, message: &str) -> Self {
        Self {
            status: biz_status(),
            body: Some(error_result(error, None, Some(message), &BTreeMap::new())),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 460 INVALID_INPUT with field messages.
    pub fn fields(fields: BTreeMap<String, String>) -> Self {
        Self {
            status: biz_status(),
            body: Some(error_result("INVALID_INPUT", None, None, &fields)),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 460 INVALID_INPUT with one field message.
    pub fn field(name: &str, message: &str) -> Self {
        let mut m = BTreeMap::new();
        m.insert(name.to_owned(), message.to_owned());
        Self::fields(m)
    }

    /// 400 from a token endpoint: the OAuth2 request itself is malformed (Oltu's shape).
    pub fn oauth(error: &str, description: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Some(json!({ "error": error, "error_description": description })),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 400 from a token endpoint: an application error for the user, as an ErrorResult.
    pub fn token_user(message: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Some(error_result(
                "invalid_request",
                None,
                Some(message),
                &BTreeMap::new(),
            )),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 400 from a token endpoint: an application error for the developer.
    pub fn token_dev(description: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Some(error_result(
                "invalid_request",
                Some(description),
                None,
                &BTreeMap::new(),
            )),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// The resource guard's answers: 400 `invalid_request` (no or malformed credentials)
    /// or 401 `invalid_token` / `expired_token`, with an empty body.
    pub fn guard(realm: &str, status: StatusCode, error: &str, description: Option<&str>) -> Self {
        let mut h = format!("Bearer realm=\"{realm}\",error=\"{error}\"");
        if let Some(d) = description {
            h.push_str(&format!(",error_description=\"{d}\""));
        }
        Self {
            status,
            body: None,
            www_authenticate: Some(h),
            retry_after: None,
        }
    }

    /// Any status with a prepared body.
    pub fn raw(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 404 for an unknown resource.
    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: Some(error_result(
                "UNKNOWN_SERVER_ERROR",
                Some("This restful resource doesn't exist"),
                None,
                &BTreeMap::new(),
            )),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// A server fault: 460 UNKNOWN_SERVER_ERROR with an exception id for the logs.
    pub fn internal(cause: &str) -> Self {
        let id = format!("tessera-{}", uuid_like());
        tracing::error!(cause, exception_id = %id, "internal error");
        let mut body = error_result(
            "UNKNOWN_SERVER_ERROR",
            Some("internal error"),
            None,
            &BTreeMap::new(),
        );
        body["exception_id"] = Value::String(id);
        Self {
            status: biz_status(),
            body: Some(body),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// Maps a core error met outside the token endpoints (460 family).
    pub fn core(err: CoreError) -> Self {
        match err {
            CoreError::InvalidInput(fields) => Self::fields(field_messages(&fields)),
            CoreError::WeakPassword(_) => Self::field("newPassword", WEAK_PASSWORD),
            CoreError::AccountLocked | CoreError::RateLimited => {
                Self::biz("INVALID_INPUT", TOO_MANY)
            }
            CoreError::TooManyRequests(secs) => {
                Self::biz("INVALID_INPUT", TOO_MANY).retry_after(secs)
            }
            CoreError::CodeRequestedTooOften => Self::biz(
                "INVALID_INPUT",
                "Please wait a minute before asking for another code.",
            ),
            CoreError::CodeInvalid => Self::biz("INVALID_INPUT", "Invalid verification code."),
            CoreError::CodeExpired => Self::biz("INVALID_INPUT", "Verification code expired."),
            CoreError::PasswordMismatch => {
                Self::biz("INVALID_INPUT", "The current password you input is wrong")
            }
            CoreError::AlreadyVerified => {
                Self::biz("ILLEGAL_STATUS", "Your email is already verified.")
            }
            CoreError::NotFound => Self::biz("NO_RECORD", "No such record."),
            CoreError::EmailTaken => {
                Self::biz("RECORD_ALREADY_EXISTS", "This email already exists")
            }
            CoreError::Internal(cause) => Self::internal(&cause),
            other => Self::biz("INVALID_INPUT", &other.to_string()),
        }
    }
}

/// Shown when lockout or rate limits refuse a request.
pub const TOO_MANY: &str = "Too many attempts. Please try again later.";
/// Shown when a new password breaks Tessera's policy (on top of the original's pattern).
pub const WEAK_PASSWORD: &str =
    "Password is too weak: use at least 8 characters and not a common password.";

fn field_messages(fields: &[FieldError]) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|f| {
            let msg = match f.tag {
                "required" => format!("Please input {}.", f.field),
                "email" => "Please input a valid email".to_owned(),
                "string" => format!("{} must be a string", f.field),
                "max" => format!("{} is too long", f.field),
                "min" => format!("{} is too small", f.field),
                "format" => format!("{} is invalid", f.field),
                "range" => format!("{} is out of range", f.field),
                "limit" => "Too many unfinished items; finish some first.".to_owned(),
                other => format!("{} is invalid ({other})", f.field),
            };
            (f.field.to_owned(), msg)
        })
        .collect()
}

fn uuid_like() -> String {
    tessera_core::security::random::alphanumeric(12)
}

impl ClError {
    /// Adds `Retry-After` (a per-IP request limit was reached).
    pub fn retry_after(mut self, secs: i64) -> Self {
        self.retry_after = Some(secs);
        self
    }
}

impl IntoResponse for ClError {
    fn into_response(self) -> Response {
        let mut res = match self.body {
            Some(b) => (self.status, axum::Json(b)).into_response(),
            None => self.status.into_response(),
        };
        if let Some(h) = self
            .www_authenticate
            .and_then(|h| HeaderValue::from_str(&h).ok())
        {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, h);
        }
        if let Some(secs) = self.retry_after {
            crate::ops::set_retry_after(&mut res, secs);
        }
        res
    }
}
