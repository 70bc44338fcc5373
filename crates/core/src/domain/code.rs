//! Single-use, attempt-limited one-time codes, stored only as keyed hashes.

use time::OffsetDateTime;
use uuid::Uuid;

/// What a code is for; a code for one purpose never works for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    /// SMS sign-in code; subject = phone.
    SmsLogin,
    /// Phone binding code; subject = `<user id>:<phone>`.
    PhoneBind,
    /// Password reset code; subject = normalised e-mail.
    PasswordReset,
    /// Access-token refresh code; subject = session id.
    Refresh,
    /// Pending TOTP enrolment; subject = user id, `data` = sealed secret.
    TotpEnrolment,
    /// E-mailed sign-in code; subject = normalised e-mail.
    LoginCode,
    /// E-mail confirmation link secret; subject = user id.
    EmailVerification,
    /// Password reset link secret; subject = user id.
    PasswordResetLink,
    /// E-mailed code proving an address before registration; subject = normalised e-mail.
    RegistrationEmail,
    /// E-mailed second-factor code at sign-in; subject = user id.
    EmailOtp,
}

impl CodePurpose {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmsLogin => "sms_login",
            Self::PhoneBind => "phone_bind",
            Self::PasswordReset => "password_reset",
            Self::Refresh => "refresh",
            Self::TotpEnrolment => "totp_enrolment",
            Self::LoginCode => "login_code",
            Self::EmailVerification => "email_verification",
            Self::PasswordResetLink => "password_reset_link",
            Self::RegistrationEmail => "registration_email",
            Self::EmailOtp => "email_otp",
        }
    }
}

/// A code as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OneTimeCode {
    /// Row id.
    pub id: Uuid,
    /// Stored form of [`CodePurpose`].
    pub purpose: String,
    /// Whom or what it is for (phone, e-mail, session id ...).
    pub subject: String,
    /// HMAC-SHA256 of the code under the server pepper.
    pub code_hash: Vec<u8>,
    /// Optional payload (e.g. a sealed TOTP secret).
    pub data: Option<Vec<u8>>,
    /// Issue time (resend cooldown counts from here).
    pub created_at: OffsetDateTime,
    /// End of validity.
    pub expires_at: OffsetDateTime,
    /// Wrong guesses still allowed.
    pub attempts_left: i32,
    /// Set when used.
    pub consumed_at: Option<OffsetDateTime>,
}
