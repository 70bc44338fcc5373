//! Login history and the audit trail of security events.

use time::OffsetDateTime;
use uuid::Uuid;

use super::UserId;

/// Who is asking and from where; passed into every core call that records history.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// Client IP (from the socket, or a trusted proxy header).
    pub ip: Option<String>,
    /// User-Agent header.
    pub user_agent: Option<String>,
    /// Dialect name (weplanx, clumsy, ugene, sspanel, cli).
    pub dialect: &'static str,
}

/// One sign-in attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginEvent {
    /// Row id.
    pub id: Uuid,
    /// The account, when known.
    pub user_id: Option<UserId>,
    /// When.
    pub at: OffsetDateTime,
    /// Client IP.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// password / sms / totp / ...
    pub method: String,
    /// Dialect.
    pub dialect: String,
    /// Whether it succeeded.
    pub success: bool,
}

/// A security-relevant event: who did what to whom, when, from where, and the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Row id.
    pub id: Uuid,
    /// When.
    pub at: OffsetDateTime,
    /// Who acted (None for anonymous requests).
    pub actor: Option<UserId>,
    /// Dotted action name, e.g. `login.success`, `password.change`, `session.revoke`.
    pub action: String,
    /// The account acted upon, if any.
    pub target: Option<UserId>,
    /// Client IP.
    pub ip: Option<String>,
    /// Outcome: `ok` or an error code.
    pub outcome: String,
    /// Extra facts (never secrets).
    pub detail: serde_json::Value,
}
