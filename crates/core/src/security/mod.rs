//! Cryptographic building blocks: server keys, keyed hashes for codes and tokens, sealed
//! boxes for TOTP seeds, password hashing, JWTs, TOTP and random values.

pub mod jwt;
pub mod keyed;
pub mod keys;
pub mod passwords;
pub mod random;
pub mod sealed;
pub mod totp;
