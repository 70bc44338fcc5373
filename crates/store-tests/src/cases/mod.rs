//! The conformance cases: one async function per store behaviour, each given a fresh,
//! empty, migrated store. Every engine must pass every case.
//!
//! These functions are tests that live in a library so each engine can run them; a
//! failed expectation must panic, hence the opt-out from the unwrap/expect lints here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod codes;
mod credentials;
mod erasure;
mod files;
mod identities;
mod invites;
mod keys;
mod lockout;
mod outbox;
mod roles;
mod search;
mod sessions;
mod todos;
mod tokens;
mod users;

pub use audit::*;
pub use codes::*;
pub use credentials::*;
pub use erasure::*;
pub use files::*;
pub use identities::*;
pub use invites::*;
pub use keys::*;
pub use lockout::*;
pub use outbox::*;
pub use roles::*;
pub use search::*;
pub use sessions::*;
pub use todos::*;
pub use tokens::*;
pub use users::*;
