//! One sign-in on one device.

use time::{Duration, OffsetDateTime};

use super::{SessionId, UserId};

/// A server-side session. Access tokens point at it; revoking it kills them at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Id (also the weplanx JWT `jti`).
    pub id: SessionId,
    /// Owner.
    pub user_id: UserId,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last authenticated use (idle timeout counts from here).
    pub last_seen_at: OffsetDateTime,
    /// Absolute end, whatever the activity.
    pub expires_at: OffsetDateTime,
    /// Inactivity after which the session ends, in seconds.
    pub idle_timeout_secs: i64,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
    /// How the user signed in: password / sms / totp / ...
    pub method: String,
    /// Which dialect created it (weplanx, clumsy, ...).
    pub dialect: String,
    /// Set when revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

impl Session {
    /// Whether the session may be used at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none()
            && now < self.expires_at
            && now < self.last_seen_at + Duration::seconds(self.idle_timeout_secs)
    }
}
