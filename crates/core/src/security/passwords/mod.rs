//! Password hashing (argon2id on a bounded blocking pool) and the password policy.

mod hasher;
mod policy;

pub use hasher::{PasswordHasher, Verification};
pub use policy::PasswordPolicy;
