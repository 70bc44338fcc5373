//! The one place core errors become weplanx responses: 400 `{code, msg, message}` for
//! business errors (the original wrote `msg`, the document `message`: both are sent),
//! 400 `system.validation` with field errors, 401 `{code, message}` for authentication.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::cookie::CookieJar;
use serde_json::{json, Value};
use tessera_core::error::{CoreError, FieldError};

use crate::body::BodyError;

/// The original's public messages (its language), in one place for translation.
pub mod messages {
    /// Session missing, expired or revoked.
    pub const AUTH_EXPIRED: &str = "认证过期，请重新登录";
    /// No `TOKEN` cookie at all.
    pub const AUTH_MISSING: &str = "authentication has expired, please log in again";
    /// Account unknown or blocked.
    pub const LOGIN_NOT_EXISTS: &str = "登录账号不存在或被冻结";
    /// Locked after too many failures.
    pub const LOGIN_MAX_FAILURES: &str = "登录失败超出最大次数";
    /// Wrong credentials.
    pub const LOGIN_INVALID: &str = "登录验证无效";
    /// Tessera: the password was right but the account has a second factor that password
    /// sign-in cannot carry; TOTP sign-in (`/login/totp`) still works.
    pub const SECOND_FACTOR: &str = "该账号已开启两步验证，请使用动态口令登录";
    /// Tessera: the change needs a recent sign-in (`core.session.recent_sign_in_secs`).
    pub const REAUTH_REQUIRED: &str = "请重新登录后再进行此修改";
    /// Wrong TOTP code at binding.
    pub const TOTP_INVALID: &str = "口令验证码无效";
    /// Wrong SMS code.
    pub const SMS_INVALID: &str = "短信验证码无效";
    /// Wrong e-mail code.
    pub const EMAIL_INVALID: &str = "邮箱验证码无效";
    /// Tessera: too many requests from this client (a per-IP limit); with `Retry-After`.
    pub const TOO_MANY_REQUESTS: &str = "请求过于频繁，请稍后再试";
    /// Code asked for again too soon.
    pub const CODE_FREQUENTLY: &str = "您的验证码请求频繁，请稍后再试";
    /// Wrong refresh code.
    pub const CAPTCHA_INVALID: &str = "the captcha is invalid";
    /// Wrong current password.
    pub const PASSWORD_MISMATCH: &str = "password does not match hash";
    /// E-mail used by another account (the original answered 500).
    pub const EMAIL_TAKEN: &str = "该邮箱已被使用";
    /// Phone used by another account (the original did not check).
    pub const PHONE_TAKEN: &str = "该手机号已被使用";
    /// Server fault.
    pub const INTERNAL: &str = "internal error";
}

/// Which endpoint family an error comes from, so codes get the original's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Password / TOTP sign-in.
    Login,
    /// SMS sign-in or phone binding.
    Sms,
    /// TOTP binding.
    TotpBind,
    /// E-mail reset code.
    Email,
    /// Refresh code.
    Refresh,
    /// Anything else.
    General,
}

/// A weplanx error response.
#[derive(Debug)]
pub struct WxError {
    status: StatusCode,
    body: Value,
    clear_token: bool,
    retry_after: Option<i64>,
}

impl WxError {
    /// A 400 business error.
    pub fn public(code: &str, msg: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "code": format!("system.{code}"), "msg": msg, "message": msg }),
            clear_token: false,
            retry_after: None,
        }
    }

    /// A 400 validation error naming each bad field (JSON field names).
    pub fn validation(errors: &[FieldError]) -> Self {
        let list: Vec<Value> = errors
            .iter()
            .map(|e| json!({ "field": e.field, "tag": e.tag }))
            .collect();
        let msg = errors
            .iter()
            .map(|e| format!("{} failed on the '{}' rule", e.field, e.tag))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "code": "system.validation", "msg": msg, "message": msg, "errors": list }),
            clear_token: false,
            retry_after: None,
        }
    }

    /// A 401 (clearing the token cookie when one was presented).
    pub fn unauthorized(message: &str, clear_token: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            body: json!({ "code": "session_invalid", "message": message }),
            clear_token,
            retry_after: None,
        }
    }

    /// A body that could not be read.
    pub fn body(err: BodyError) -> Self {
        match err {
            BodyError::TooLarge => Self {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                body: json!({ "code": "system.body_too_large", "msg": "request body too large", "message": "request body too large" }),
                clear_token: false,
                retry_after: None,
            },
            BodyError::Malformed => Self::public("bad_request", "malformed request body"),
            BodyError::NotAnObject => {
                Self::public("bad_request", "request body must be a JSON object")
            }
        }
    }

    /// A core error, worded for the endpoint family.
    pub fn core(err: CoreError, ctx: Ctx) -> Self {
        use messages as m;
        let code = err.code();
        match err {
            CoreError::InvalidInput(fields) => Self::validation(&fields),
            CoreError::WeakPassword(reason) => Self::validation(&[FieldError {
                field: "password",
                tag: match reason {
                    "too_short" => "min",
                    "too_long" => "max",
                    _ => "common",
                },
            }]),
            CoreError::InvalidCredentials | CoreError::TotpNotEnrolled => {
                Self::public(code, m::LOGIN_INVALID)
            }
            CoreError::TotpInvalid if ctx == Ctx::TotpBind => Self::public(code, m::TOTP_INVALID),
            CoreError::TotpInvalid => Self::public(code, m::LOGIN_INVALID),
            CoreError::AccountLocked => Self::public(code, m::LOGIN_MAX_FAILURES),
            CoreError::AccountBlocked => Self::public(code, m::LOGIN_NOT_EXISTS),
            CoreError::CodeInvalid | CoreError::CodeExpired => Self::public(
                code,
                match ctx {
                    Ctx::Sms => m::SMS_INVALID,
                    Ctx::Email => m::EMAIL_INVALID,
                    Ctx::TotpBind => m::TOTP_INVALID,
                    Ctx::Refresh | Ctx::General | Ctx::Login => m::CAPTCHA_INVALID,
                },
            ),
            CoreError::CodeRequestedTooOften | CoreError::RateLimited => {
                Self::public(code, m::CODE_FREQUENTLY)
            }
            CoreError::TooManyRequests(secs) => Self {
                status: StatusCode::TOO_MANY_REQUESTS,
                body: json!({ "code": format!("system.{code}"), "msg": m::TOO_MANY_REQUESTS, "message": m::TOO_MANY_REQUESTS }),
                clear_token: false,
                retry_after: Some(secs),
            },
            CoreError::EmailTaken => Self::public(code, m::EMAIL_TAKEN),
            CoreError::PhoneTaken => Self::public(code, m::PHONE_TAKEN),
            CoreError::UsernameTaken => Self::public(code, "username taken"),
            CoreError::PasswordMismatch => Self::public(code, m::PASSWORD_MISMATCH),
            CoreError::SessionInvalid | CoreError::TokenExpired | CoreError::InvalidGrant => {
                Self::unauthorized(m::AUTH_EXPIRED, true)
            }
            CoreError::WrongSource(_) => Self::public(code, m::LOGIN_INVALID),
            CoreError::AlreadyVerified => Self::public(code, "email already verified"),
            CoreError::ProviderUnavailable => Self::public(code, "identity provider unavailable"),
            CoreError::NotFound => Self::public(code, "not found"),
            CoreError::RegistrationClosed => Self::public(code, "registration is closed"),
            CoreError::InviteRequired | CoreError::InviteInvalid | CoreError::InviteExhausted => {
                Self::public(code, "a valid invite code is required")
            }
            CoreError::EmailNotConfirmed => Self::public(code, "email not confirmed"),
            CoreError::Forbidden => Self::public(code, "forbidden"),
            CoreError::Restricted => Self::public(code, "processing of this account is restricted"),
            CoreError::TooLarge => Self::public(code, "too large"),
            CoreError::QuotaExceeded => Self::public(code, "storage quota exceeded"),
            CoreError::NotAnImage => Self::public(code, "not an image"),
            CoreError::NameTaken => Self::public(code, "name taken"),
            CoreError::OtpRequired => Self::public(code, "one-time code required"),
            CoreError::SecondFactorRequired => Self::public(code, m::SECOND_FACTOR),
            CoreError::ReauthRequired => Self {
                status: StatusCode::UNAUTHORIZED,
                body: json!({ "code": code, "message": m::REAUTH_REQUIRED }),
                clear_token: false,
                retry_after: None,
            },
            CoreError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: json!({ "code": "system.internal", "message": m::INTERNAL }),
                    clear_token: false,
                    retry_after: None,
                }
            }
        }
    }
}

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        let body = Json(self.body);
        if let Some(secs) = self.retry_after {
            let mut res = (self.status, body).into_response();
            crate::ops::set_retry_after(&mut res, secs);
            return res;
        }
        if self.clear_token {
            (
                self.status,
                super::cookies::clear_token(CookieJar::new()),
                body,
            )
                .into_response()
        } else {
            (self.status, body).into_response()
        }
    }
}

/// Shorthand: a core result in an endpoint family.
pub trait OrWx<T> {
    /// Maps the error with the given wording.
    fn or_wx(self, ctx: Ctx) -> Result<T, WxError>;
}

impl<T> OrWx<T> for Result<T, CoreError> {
    fn or_wx(self, ctx: Ctx) -> Result<T, WxError> {
        self.map_err(|e| WxError::core(e, ctx))
    }
}
