//! Tessera's account core.
//!
//! Every business rule lives here exactly once: accounts, credentials, sessions,
//! one-time codes, lockout, TOTP, audit and the mail/SMS outbox. The core talks to the
//! world only through ports (traits in [`store`] and [`ports`]), so the HTTP dialects
//! stay thin and the storage engine is chosen once at start-up. Time and randomness are
//! injected ([`clock`]) so expiry and lockout are tested by moving a clock, not sleeping.

pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod ports;
pub mod security;
pub mod services;
pub mod store;

pub use error::{CoreError, CoreResult};
