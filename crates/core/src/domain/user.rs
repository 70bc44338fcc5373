//! The account.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Email, Phone, UserId};

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Normal.
    Active,
    /// Blocked by an administrator: no sign-in, no live sessions.
    Blocked,
}

impl UserStatus {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Blocked => "blocked",
        }
    }

    /// Parses the stored form; anything unknown is treated as blocked (fail closed).
    pub fn from_stored(s: &str) -> Self {
        if s == "active" {
            Self::Active
        } else {
            Self::Blocked
        }
    }
}

/// Where an account came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserSource(pub String);

impl UserSource {
    /// Registered here with a password.
    pub fn local() -> Self {
        Self("local".into())
    }
}

/// An account as stored. Secrets (`password_hash`, `totp_secret`) are a PHC string and a
/// sealed box respectively, never plaintext.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Internal and public id.
    pub id: UserId,
    /// Unique, case-insensitive.
    pub email: Email,
    /// Unique (case-insensitive) when present.
    pub username: Option<String>,
    /// Display name.
    pub name: String,
    /// Avatar URL or file reference.
    pub avatar: String,
    /// Verified phone, unique when present.
    pub phone: Option<Phone>,
    /// PHC string (argon2id, or a legacy format until the next sign-in). None for social-only.
    pub password_hash: Option<String>,
    /// local / google / facebook / lark.
    pub source: UserSource,
    /// When the address was confirmed.
    pub email_verified_at: Option<OffsetDateTime>,
    /// Active or blocked.
    pub status: UserStatus,
    /// Full administrator.
    pub is_admin: bool,
    /// TOTP seed sealed with the server key.
    pub totp_secret: Option<Vec<u8>>,
    /// The last TOTP time step accepted, so a code works once.
    pub totp_last_step: Option<i64>,
    /// Linked Lark profile (weplanx), as JSON.
    pub lark: Option<serde_json::Value>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last profile change.
    pub updated_at: OffsetDateTime,
    /// Last successful sign-in.
    pub last_login_at: Option<OffsetDateTime>,
    /// Processing restricted by the user (GDPR art. 18): only sign-in, reading, export and
    /// erasure remain.
    pub restricted: bool,
    /// Sign-in asks for a one-time code sent by e-mail after the password (Ugene's
    /// two-factor switch).
    pub email_otp: bool,
    /// The administrator who created the account, if one did.
    pub created_by: Option<UserId>,
    /// When the last confirmation mail was queued.
    pub confirmation_sent_at: Option<OffsetDateTime>,
    /// When the account was deleted and its personal data erased; such an account keeps
    /// only its id (for the pseudonymised audit trail) and can never sign in.
    pub deleted_at: Option<OffsetDateTime>,
}

impl User {
    /// Whether the account may be used at all (not blocked, not deleted).
    pub fn is_usable(&self) -> bool {
        self.status == UserStatus::Active && self.deleted_at.is_none()
    }
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Pre-generated id.
    pub id: UserId,
    /// Address.
    pub email: Email,
    /// Optional username.
    pub username: Option<String>,
    /// Display name.
    pub name: String,
    /// PHC string.
    pub password_hash: Option<String>,
    /// Origin.
    pub source: UserSource,
    /// Administrator flag.
    pub is_admin: bool,
    /// Confirmed at creation (e.g. by an admin).
    pub email_verified_at: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Active, or created blocked (an administrator may create a blocked account).
    pub status: UserStatus,
    /// The administrator creating it, if any.
    pub created_by: Option<UserId>,
}

impl NewUser {
    /// The stored account this creates.
    pub fn into_user(self) -> User {
        User {
            id: self.id,
            email: self.email,
            username: self.username,
            name: self.name,
            avatar: String::new(),
            phone: None,
            password_hash: self.password_hash,
            source: self.source,
            email_verified_at: self.email_verified_at,
            status: self.status,
            is_admin: self.is_admin,
            totp_secret: None,
            totp_last_step: None,
            lark: None,
            created_at: self.created_at,
            updated_at: self.created_at,
            last_login_at: None,
            restricted: false,
            email_otp: false,
            created_by: self.created_by,
            confirmation_sent_at: None,
            deleted_at: None,
        }
    }
}
