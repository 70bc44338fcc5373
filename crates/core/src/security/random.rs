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

/// An opaque token in UUID shape (`8-4-4-4-12` lower-case hex) whose 128 bits are all
/// random. The clumsy-tools contract and its clients expect UUID-looking tokens; a UUID v4
/// fixes six of those bits, which would leave 122 (ASVS V7.2.3 asks for 128).
pub fn uuid_shaped() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    uuid::Uuid::from_bytes(b).hyphenated().to_string()
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

    #[test]
    fn uuid_shaped_tokens_carry_128_random_bits() {
        // In a v4 UUID the version nibble is always 4 and the variant bits 10; over many
        // tokens every one of the 128 bits must be seen both set and clear.
        let mut ones = [0u32; 128];
        let n = 2000;
        for _ in 0..n {
            let t = uuid_shaped();
            assert_eq!(t.len(), 36);
            assert_eq!(t.matches('-').count(), 4);
            let u = uuid::Uuid::parse_str(&t).unwrap();
            for (i, byte) in u.as_bytes().iter().enumerate() {
                for bit in 0..8 {
                    if byte >> bit & 1 == 1 {
                        ones[i * 8 + bit] += 1;
                    }
                }
            }
        }
        assert!(ones.iter().all(|&c| c > 0 && c < n), "{ones:?}");
    }
}
