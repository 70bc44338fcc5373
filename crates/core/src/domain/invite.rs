//! Invite codes: registration in `invite` mode needs one. A code belongs to an inviter (whose
//! quota each use spends) or to the system (optionally limited to a number of uses).

use time::OffsetDateTime;

use super::UserId;

/// An invite code as stored: only a keyed hash of the code itself is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteCode {
    /// Keyed hash (hex) of the code; the code is shown once, when created.
    pub code_hash: String,
    /// The inviter, whose quota each use spends; `None` for a system code.
    pub owner: Option<UserId>,
    /// Uses left for a system code; `None` is unlimited. Ignored for owned codes.
    pub uses_left: Option<i64>,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// What happened when a registration tried to use a code (decided atomically by the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteTake {
    /// No such code.
    Unknown,
    /// A system code with no uses left.
    UsedUp,
    /// The inviter's quota is spent (zero).
    OwnerExhausted,
    /// Accepted: one use was spent; carries the inviter.
    Taken(Option<UserId>),
}
