//! The core's one error type. Each variant has a stable snake_case code that dialects map
//! to their own status codes and bodies in one place each.

use crate::store::StoreError;

/// Result alias for core operations.
pub type CoreResult<T> = Result<T, CoreError>;

/// Which part of a request was wrong, for dialects that report field errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The wire-neutral field name (`email`, `password`, `phone`, `code`, ...).
    pub field: &'static str,
    /// A validator-style tag (`required`, `email`, `min`, `max`, `format`, `common`).
    pub tag: &'static str,
}

/// Everything a core operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input failed validation (`invalid_input`).
    #[error("invalid input: {0:?}")]
    InvalidInput(Vec<FieldError>),
    /// Unknown account or wrong secret; deliberately indistinguishable (`invalid_credentials`).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures; refused even with the right secret until the lock ends (`account_locked`).
    #[error("account locked")]
    AccountLocked,
    /// The account exists but is blocked by an administrator (`account_blocked`).
    #[error("account blocked")]
    AccountBlocked,
    /// A one-time code is wrong, spent, exhausted or unknown (`code_invalid`).
    #[error("code invalid")]
    CodeInvalid,
    /// A one-time code was right but has expired (`code_expired`).
    #[error("code expired")]
    CodeExpired,
    /// A new code was asked for before the resend cooldown ended (`code_requested_too_often`).
    #[error("code requested too often")]
    CodeRequestedTooOften,
    /// A TOTP code was wrong or already used (`totp_invalid`).
    #[error("totp invalid")]
    TotpInvalid,
    /// TOTP sign-in for an account that has not bound TOTP (`totp_not_enrolled`).
    #[error("totp not enrolled")]
    TotpNotEnrolled,
    /// The e-mail address belongs to another account (`email_taken`).
    #[error("email taken")]
    EmailTaken,
    /// The username belongs to another account (`username_taken`).
    #[error("username taken")]
    UsernameTaken,
    /// The phone number belongs to another account (`phone_taken`).
    #[error("phone taken")]
    PhoneTaken,
    /// The new password breaks the policy (`weak_password`).
    #[error("weak password: {0}")]
    WeakPassword(&'static str),
    /// The current password given for a change does not match (`password_mismatch`).
    #[error("password mismatch")]
    PasswordMismatch,
    /// The session or token is unknown, expired or revoked (`session_invalid`).
    #[error("session invalid")]
    SessionInvalid,
    /// The thing asked for does not exist or is not the caller's (`not_found`).
    #[error("not found")]
    NotFound,
    /// An opaque access token is past its lifetime; refresh it or sign in (`token_expired`).
    #[error("token expired")]
    TokenExpired,
    /// A refresh token is unknown, expired, or was replayed after its grace window (`invalid_grant`).
    #[error("invalid grant")]
    InvalidGrant,
    /// The e-mail address is already confirmed (`already_verified`).
    #[error("already verified")]
    AlreadyVerified,
    /// The account signs in through another provider (`wrong_source`); carries the source.
    #[error("account uses another sign-in source: {0}")]
    WrongSource(String),
    /// A social provider did not answer; the client may retry (`provider_unavailable`).
    #[error("identity provider unavailable")]
    ProviderUnavailable,
    /// Too many requests for this key; try later (`rate_limited`).
    #[error("rate limited")]
    RateLimited,
    /// Too many requests of this kind from this client; retry after this many seconds
    /// (`too_many_requests`). Dialects that allow headers send `Retry-After`.
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(i64),
    /// Registration is closed on this server (`registration_closed`).
    #[error("registration closed")]
    RegistrationClosed,
    /// Registration needs an invite code and none was given (`invite_required`).
    #[error("invite code required")]
    InviteRequired,
    /// The invite code is unknown or used up (`invite_invalid`).
    #[error("invite code invalid")]
    InviteInvalid,
    /// The inviter has no invitations left (`invite_exhausted`).
    #[error("inviter has no invitations left")]
    InviteExhausted,
    /// Sign-in refused until the address is confirmed (`email_not_confirmed`).
    #[error("email not confirmed")]
    EmailNotConfirmed,
    /// The caller is signed in but may not do this (`forbidden`).
    #[error("forbidden")]
    Forbidden,
    /// The account restricted processing of its data (`restricted`).
    #[error("processing restricted")]
    Restricted,
    /// An upload is larger than allowed (`too_large`).
    #[error("too large")]
    TooLarge,
    /// An upload would exceed the account's storage quota: its bytes or its number of
    /// files (`quota_exceeded`).
    #[error("quota exceeded")]
    QuotaExceeded,
    /// An avatar is not an image in a supported format (`not_an_image`).
    #[error("not an image")]
    NotAnImage,
    /// A name (of a role) is taken (`name_taken`).
    #[error("name taken")]
    NameTaken,
    /// The e-mailed sign-in code is needed (`otp_required`); carried out with the pending
    /// state, never as a session.
    #[error("one-time code required")]
    OtpRequired,
    /// The password was right, but the account has a second factor this sign-in path
    /// cannot ask for (`second_factor_required`): the user signs in where the factor is
    /// asked, so no dialect becomes a way around it.
    #[error("second factor required")]
    SecondFactorRequired,
    /// The change needs a session that signed in recently (`reauth_required`): the client
    /// signs in again (with every factor) and repeats it.
    #[error("sign in again to make this change")]
    ReauthRequired,
    /// A server fault; the cause is logged, never shown to clients (`internal`).
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    /// The stable snake_case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid_input",
            Self::RegistrationClosed => "registration_closed",
            Self::InviteRequired => "invite_required",
            Self::InviteInvalid => "invite_invalid",
            Self::InviteExhausted => "invite_exhausted",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountLocked => "account_locked",
            Self::AccountBlocked => "account_blocked",
            Self::CodeInvalid => "code_invalid",
            Self::CodeExpired => "code_expired",
            Self::CodeRequestedTooOften => "code_requested_too_often",
            Self::TotpInvalid => "totp_invalid",
            Self::TotpNotEnrolled => "totp_not_enrolled",
            Self::EmailTaken => "email_taken",
            Self::UsernameTaken => "username_taken",
            Self::PhoneTaken => "phone_taken",
            Self::WeakPassword(_) => "weak_password",
            Self::PasswordMismatch => "password_mismatch",
            Self::SessionInvalid => "session_invalid",
            Self::NotFound => "not_found",
            Self::TokenExpired => "token_expired",
            Self::InvalidGrant => "invalid_grant",
            Self::AlreadyVerified => "already_verified",
            Self::WrongSource(_) => "wrong_source",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::RateLimited => "rate_limited",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::EmailNotConfirmed => "email_not_confirmed",
            Self::Forbidden => "forbidden",
            Self::Restricted => "restricted",
            Self::TooLarge => "too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::NotAnImage => "not_an_image",
            Self::NameTaken => "name_taken",
            Self::OtpRequired => "otp_required",
            Self::SecondFactorRequired => "second_factor_required",
            Self::ReauthRequired => "reauth_required",
            Self::Internal(_) => "internal",
        }
    }

    /// Shorthand for a single-field validation error.
    pub fn field(field: &'static str, tag: &'static str) -> Self {
        Self::InvalidInput(vec![FieldError { field, tag }])
    }

    /// Seconds a client should wait before retrying, for errors that have such a time.
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::TooManyRequests(secs) => Some(*secs),
            _ => None,
        }
    }

    /// Wraps any server-side failure; the message is for logs only.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<StoreError> for CoreError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(crate::store::UniqueField::Email) => Self::EmailTaken,
            StoreError::Conflict(crate::store::UniqueField::Username) => Self::UsernameTaken,
            StoreError::Conflict(crate::store::UniqueField::Phone) => Self::PhoneTaken,
            StoreError::Conflict(crate::store::UniqueField::Other) => {
                Self::Internal("unexpected unique conflict".into())
            }
            StoreError::NotFound => Self::NotFound,
            StoreError::Backend(msg) => Self::Internal(msg),
        }
    }
}
