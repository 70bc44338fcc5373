//! Password hashing (argon2id on a pool of low-priority threads), verification of legacy hashes
//! imported from the original backends, and the password policy.

mod hasher;
mod legacy;
mod policy;
mod pool;

pub use hasher::{PasswordHasher, Verification};
pub use legacy::{
    encode_imported, ImportHashError, LegacyFormat, MAX_BCRYPT_COST, MAX_PBKDF2_ITERATIONS,
};
pub use policy::{PasswordContext, PasswordPolicy, MIN_CONTEXT_WORD_CHARS};
