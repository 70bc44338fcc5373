//! Domain types shared by every service and port. Constructors parse, so a value that
//! exists is valid ("parse, don't validate").

mod audit;
mod code;
mod file;
mod ids;
mod invite;
mod outbox;
mod role;
mod session;
mod todo;
mod token;
mod user;
mod values;

pub use audit::{AuditEvent, LoginEvent, RequestContext};
pub use code::{CodePurpose, OneTimeCode};
pub use file::{FileKind, StoredFile};
pub use ids::{SessionId, UserId};
pub use invite::{InviteCode, InviteTake};
pub use outbox::{OutboxChannel, OutboxMessage};
pub use role::{NewRole, Permission, Role};
pub use session::Session;
pub use todo::{
    next_occurrence, NewTodoItem, PeriodUnit, Recurrence, RepeatMode, RepeatStrategy, TodoChange,
    TodoItem, TodoKind, WeekdaySet, MAX_PERIOD,
};
pub use token::TokenPair;
pub use user::{NewUser, User, UserSource, UserStatus};
pub use values::{Email, Password, Phone};
