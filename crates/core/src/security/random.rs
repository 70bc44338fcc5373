//! Random values from the operating system's CSPRNG.

use rand::{rngs::OsRng, Rng, RngCore};

/// `n` random bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    OsRng.fill_bytes(&mut buf);
    buf
}

/// A numeric code of `digits` digits, uniformly distributed (leading zeros kept).
pub fn digits(digits: usize) -> String {
    (0..digits)
        .map(|_| char::from(b'0' + OsRng.gen_range(0..10u8)))
        .collect()
}

/// `len` characters from `[A-Za-z0-9]`, uniformly distributed.
pub fn alphanumeric(len: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(SET[OsRng.gen_range(0..SET.len())]))
        .collect()
}

/// An opaque token: 32 random bytes, URL-safe base64 without padding.
pub fn token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes(32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_digits_of_the_right_length() {
        for _ in 0..100 {
            let c = digits(6);
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(token(), token());
        assert_eq!(alphanumeric(16).len(), 16);
    }
}
