//! Keyed hashes (HMAC-SHA256 under the server pepper) for one-time codes and opaque
//! tokens: a database leak does not reveal live codes, and comparison is constant-time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `parts` (length-prefixed, so `("ab","c")` differs from `("a","bc")`).
pub fn hash(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    for p in parts {
        mac.update(&(p.len() as u64).to_be_bytes());
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time equality of two byte strings.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Hex HMAC-SHA256 of a single message (the weplanx CSRF token format).
pub fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_keyed_and_framed() {
        let a = hash(b"k1", &[b"ab", b"c"]);
        assert_eq!(a, hash(b"k1", &[b"ab", b"c"]));
        assert_ne!(a, hash(b"k2", &[b"ab", b"c"]));
        assert_ne!(a, hash(b"k1", &[b"a", b"bc"]));
        assert!(equal(&a, &a.clone()));
        assert!(!equal(&a, &a[..16]));
    }

    #[test]
    fn hmac_hex_matches_rfc4231_case_2() {
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
