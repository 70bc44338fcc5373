//! Authenticated encryption (XChaCha20-Poly1305) for secrets that must be read back, such
//! as TOTP seeds. The nonce is random and stored in front of the ciphertext.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::error::CoreError;

const NONCE_LEN: usize = 24;

/// Encrypts `plain` under a 32-byte key.
pub fn seal(key: &[u8], plain: &[u8]) -> Result<Vec<u8>, CoreError> {
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(CoreError::internal)?;
    let nonce_bytes = super::random::bytes(NONCE_LEN);
    let nonce = XNonce::from_slice(&nonce_bytes);
    let mut out = nonce_bytes.clone();
    out.extend(cipher.encrypt(nonce, plain).map_err(CoreError::internal)?);
    Ok(out)
}

/// Decrypts what [`seal`] produced; fails on a wrong key or any tampering.
pub fn open(key: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CoreError> {
    if sealed.len() < NONCE_LEN {
        return Err(CoreError::internal("sealed value too short"));
    }
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(CoreError::internal)?;
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    cipher
        .decrypt(XNonce::from_slice(nonce), body)
        .map_err(|_| CoreError::internal("sealed value failed authentication"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let key = [7u8; 32];
        let s = seal(&key, b"JBSWY3DPEHPK3PXP").unwrap();
        assert_ne!(&s[24..], b"JBSWY3DPEHPK3PXP");
        assert_eq!(open(&key, &s).unwrap(), b"JBSWY3DPEHPK3PXP");
        let mut bad = s.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(open(&key, &bad).is_err());
        assert!(open(&[8u8; 32], &s).is_err());
        assert!(open(&key, b"short").is_err());
    }
}
