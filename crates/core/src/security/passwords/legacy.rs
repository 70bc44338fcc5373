//! Password hashes the original backends stored, verified so imported accounts can sign in
//! with their old passwords, and then replaced with argon2id at that sign-in.
//!
//! Stored forms (one string in `users.password_hash`):
//!
//! | format | stored string | from |
//! | --- | --- | --- |
//! | argon2 | `$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>` or `$argon2i$...` (PHC) | weplanx, PHP `password_hash` |
//! | bcrypt | `$2y$NN$<53 chars>` (also `$2a$`, `$2b$`) | PHP `password_hash` (SSPanel) |
//! | pbkdf2_sha256 | `pbkdf2_sha256$<iterations>$<salt>$<base64 key>` (Django's form) | clumsy-tools |
//! | md5 / sha256 | `sspanel-md5$<hex salt>$<hex digest>`, `sspanel-sha256$<hex salt>$<hex digest>` | SSPanel `md5(pass . salt)`, `sha256(pass . salt)` |
//!
//! The SSPanel forms are Tessera's own: SSPanel kept the salt in its configuration, not next
//! to each hash. The salt is written as the lowercase hex of its bytes, so any salt (empty,
//! or containing `$`) round-trips. argon2 strings are checked by the hasher (dryoc verifies
//! argon2i and argon2id with any lane count); this module handles the rest.
//!
//! Every parameter that decides the cost of a check is bounded, like the argon2 bounds: a
//! corrupt or hostile stored hash is refused rather than verified, and never panics.

use md5::Md5;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Highest bcrypt cost verified (2^16 rounds, several seconds); PHP's default is 10.
pub const MAX_BCRYPT_COST: u32 = 16;
/// Lowest bcrypt cost the algorithm defines.
const MIN_BCRYPT_COST: u32 = 4;
/// Highest PBKDF2 iteration count verified (Django 5 uses about 10^6).
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// Longest salt accepted in a Django or SSPanel hash, in bytes.
const MAX_SALT_BYTES: usize = 256;

const PBKDF2_PREFIX: &str = "pbkdf2_sha256$";
const SSPANEL_MD5_PREFIX: &str = "sspanel-md5$";
const SSPANEL_SHA256_PREFIX: &str = "sspanel-sha256$";
const BCRYPT_ALPHABET: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A password-hash format an import file can name in its `hash_format` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyFormat {
    /// argon2i or argon2id PHC string (weplanx; PHP `PASSWORD_ARGON2I`/`PASSWORD_ARGON2ID`).
    Argon2,
    /// bcrypt `$2y$`/`$2a$`/`$2b$` (PHP `PASSWORD_BCRYPT`, SSPanel `pwdMethod = bcrypt`).
    Bcrypt,
    /// Django `pbkdf2_sha256$<iterations>$<salt>$<base64>` (clumsy-tools).
    Pbkdf2Sha256,
    /// SSPanel `md5(password . salt)` as hex.
    Md5,
    /// SSPanel `sha256(password . salt)` as hex.
    Sha256,
}

impl LegacyFormat {
    /// The canonical name used in import files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Argon2 => "argon2",
            Self::Bcrypt => "bcrypt",
            Self::Pbkdf2Sha256 => "pbkdf2_sha256",
            Self::Md5 => "md5",
            Self::Sha256 => "sha256",
        }
    }

    /// The format of a self-describing hash string (argon2, bcrypt, Django pbkdf2).
    /// md5 and sha256 digests carry no marker and must be named.
    pub fn detect(hash: &str) -> Option<Self> {
        if hash.starts_with("$argon2") {
            Some(Self::Argon2)
        } else if hash.starts_with("$2") {
            Some(Self::Bcrypt)
        } else if hash.starts_with(PBKDF2_PREFIX) {
            Some(Self::Pbkdf2Sha256)
        } else {
            None
        }
    }
}

impl std::str::FromStr for LegacyFormat {
    type Err = ImportHashError;

    /// Accepts the canonical names and a few obvious aliases, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "argon2" | "argon2id" | "argon2i" => Ok(Self::Argon2),
            "bcrypt" | "2y" | "2a" | "2b" => Ok(Self::Bcrypt),
            "pbkdf2_sha256" | "pbkdf2-sha256" | "django" => Ok(Self::Pbkdf2Sha256),
            "md5" => Ok(Self::Md5),
            "sha256" => Ok(Self::Sha256),
            _ => Err(ImportHashError::UnknownFormat),
        }
    }
}

/// Why an import row's password hash cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImportHashError {
    /// `hash_format` names no supported format.
    #[error("unknown hash_format (expected argon2, bcrypt, pbkdf2_sha256, md5 or sha256)")]
    UnknownFormat,
    /// The hash carries no marker (a bare hex digest) and `hash_format` is empty.
    #[error("hash_format is required for this hash (md5 and sha256 digests cannot be detected)")]
    FormatRequired,
    /// The hash does not have the shape of its format.
    #[error("password_hash is not a well-formed hash of its hash_format")]
    Malformed,
    /// The hash asks for more work than Tessera verifies (or an unsupported variant/version).
    #[error("password_hash parameters are out of the accepted range")]
    OutOfRange,
    /// A salt was given for a format that keeps its salt inside the hash.
    #[error("salt is only used with md5 and sha256")]
    UnexpectedSalt,
    /// The salt is longer than accepted.
    #[error("salt is too long")]
    SaltTooLong,
}

impl ImportHashError {
    /// The import field the error is about.
    pub fn field(self) -> &'static str {
        match self {
            Self::UnknownFormat | Self::FormatRequired => "hash_format",
            Self::Malformed | Self::OutOfRange => "password_hash",
            Self::UnexpectedSalt | Self::SaltTooLong => "salt",
        }
    }

    /// A validator-style tag for [`crate::error::FieldError`].
    pub fn tag(self) -> &'static str {
        match self {
            Self::UnknownFormat => "unsupported",
            Self::FormatRequired => "required",
            Self::Malformed => "format",
            Self::OutOfRange => "range",
            Self::UnexpectedSalt => "unexpected",
            Self::SaltTooLong => "max",
        }
    }
}

/// Turns an import row's (format, hash, salt) into the string stored in `password_hash`,
/// checking its shape and bounds so that whatever is stored can be verified. An empty
/// `format` means "detect" (works for argon2, bcrypt and Django hashes).
pub fn encode_imported(
    format: &str,
    hash: &str,
    salt: Option<&str>,
) -> Result<String, ImportHashError> {
    let hash = hash.trim();
    let format = if format.trim().is_empty() {
        LegacyFormat::detect(hash).ok_or(ImportHashError::FormatRequired)?
    } else {
        format.parse()?
    };
    let salt = salt.unwrap_or_default();
    if salt.len() > MAX_SALT_BYTES {
        return Err(ImportHashError::SaltTooLong);
    }
    let salted = matches!(format, LegacyFormat::Md5 | LegacyFormat::Sha256);
    if !salted && !salt.is_empty() {
        return Err(ImportHashError::UnexpectedSalt);
    }
    match format {
        LegacyFormat::Argon2 => {
            super::hasher::check_argon2(hash)?;
            Ok(hash.to_owned())
        }
        LegacyFormat::Bcrypt => {
            parse_bcrypt(hash)?;
            Ok(hash.to_owned())
        }
        LegacyFormat::Pbkdf2Sha256 => {
            parse_pbkdf2(hash)?;
            Ok(hash.to_owned())
        }
        LegacyFormat::Md5 | LegacyFormat::Sha256 => {
            let (prefix, len) = if format == LegacyFormat::Md5 {
                (SSPANEL_MD5_PREFIX, 16)
            } else {
                (SSPANEL_SHA256_PREFIX, 32)
            };
            let digest = hex::decode(hash).map_err(|_| ImportHashError::Malformed)?;
            if digest.len() != len {
                return Err(ImportHashError::Malformed);
            }
            Ok(format!(
                "{prefix}{}${}",
                hex::encode(salt.as_bytes()),
                hex::encode(digest)
            ))
        }
    }
}

/// Whether `stored` is one of the legacy (non-argon2) forms this module verifies.
pub(super) fn is_legacy(stored: &str) -> bool {
    stored.starts_with("$2")
        || stored.starts_with(PBKDF2_PREFIX)
        || stored.starts_with(SSPANEL_MD5_PREFIX)
        || stored.starts_with(SSPANEL_SHA256_PREFIX)
}

/// Whether checking `stored` costs far less than an argon2 hash (so the caller should
/// spend a dummy argon2 check to keep sign-in timing uniform).
pub(super) fn is_cheap(stored: &str) -> bool {
    !stored.starts_with("$2")
}

/// Checks `password` against a legacy stored hash. Malformed, unknown or out-of-range
/// hashes never verify.
pub(super) fn verify(password: &str, stored: &str) -> bool {
    let result = if stored.starts_with("$2") {
        verify_bcrypt(password, stored)
    } else if stored.starts_with(PBKDF2_PREFIX) {
        verify_pbkdf2(password, stored)
    } else if let Some(rest) = stored.strip_prefix(SSPANEL_MD5_PREFIX) {
        verify_salted::<Md5>(password, rest)
    } else if let Some(rest) = stored.strip_prefix(SSPANEL_SHA256_PREFIX) {
        verify_salted::<Sha256>(password, rest)
    } else {
        Err(ImportHashError::Malformed)
    };
    match result {
        Ok(ok) => ok,
        Err(ImportHashError::OutOfRange) => {
            tracing::warn!("refusing to verify a stored legacy hash with out-of-range parameters");
            false
        }
        Err(_) => false,
    }
}

/// Checks the shape of a bcrypt string; returns its cost.
fn parse_bcrypt(hash: &str) -> Result<u32, ImportHashError> {
    let b = hash.as_bytes();
    // `$2x$` (PHP's marker for the pre-2011 sign-extension bug) is refused: its results
    // differ from every other variant for 8-bit passwords.
    let variant_ok = matches!(b.get(..4), Some(b"$2a$" | b"$2b$" | b"$2y$"));
    if b.len() != 60 || !variant_ok || b[6] != b'$' {
        return Err(ImportHashError::Malformed);
    }
    if !b[4].is_ascii_digit() || !b[5].is_ascii_digit() {
        return Err(ImportHashError::Malformed);
    }
    if !b[7..].iter().all(|c| BCRYPT_ALPHABET.contains(c)) {
        return Err(ImportHashError::Malformed);
    }
    let cost = u32::from(b[4] - b'0') * 10 + u32::from(b[5] - b'0');
    if !(MIN_BCRYPT_COST..=MAX_BCRYPT_COST).contains(&cost) {
        return Err(ImportHashError::OutOfRange);
    }
    Ok(cost)
}

fn verify_bcrypt(password: &str, stored: &str) -> Result<bool, ImportHashError> {
    parse_bcrypt(stored)?;
    // Passwords past 72 bytes are truncated, as PHP's password_verify does; the crate
    // compares in constant time.
    bcrypt::verify(password, stored).map_err(|_| ImportHashError::Malformed)
}

struct Pbkdf2Parts<'a> {
    iterations: u32,
    salt: &'a str,
    key: Vec<u8>,
}

fn parse_pbkdf2(hash: &str) -> Result<Pbkdf2Parts<'_>, ImportHashError> {
    use base64::Engine;
    let rest = hash
        .strip_prefix(PBKDF2_PREFIX)
        .ok_or(ImportHashError::Malformed)?;
    let mut parts = rest.split('$');
    let (Some(iter), Some(salt), Some(key), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ImportHashError::Malformed);
    };
    if iter.is_empty() || iter.len() > 10 || !iter.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ImportHashError::Malformed);
    }
    let iterations: u32 = iter.parse().map_err(|_| ImportHashError::OutOfRange)?;
    if !(1..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
        return Err(ImportHashError::OutOfRange);
    }
    if salt.is_empty() || salt.len() > MAX_SALT_BYTES {
        return Err(ImportHashError::Malformed);
    }
    let key = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|_| ImportHashError::Malformed)?;
    // Django's pbkdf2_sha256 derives a key as long as one SHA-256 output.
    if key.len() != 32 {
        return Err(ImportHashError::Malformed);
    }
    Ok(Pbkdf2Parts {
        iterations,
        salt,
        key,
    })
}

fn verify_pbkdf2(password: &str, stored: &str) -> Result<bool, ImportHashError> {
    let parts = parse_pbkdf2(stored)?;
    let mut derived = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(
        password.as_bytes(),
        parts.salt.as_bytes(),
        parts.iterations,
        &mut derived,
    );
    Ok(derived.ct_eq(parts.key.as_slice()).into())
}

/// `<hex salt>$<hex digest>` after the `sspanel-*$` prefix: digest(password . salt).
fn verify_salted<D: Digest>(password: &str, rest: &str) -> Result<bool, ImportHashError> {
    let (salt_hex, digest_hex) = rest.split_once('$').ok_or(ImportHashError::Malformed)?;
    if salt_hex.len() > 2 * MAX_SALT_BYTES {
        return Err(ImportHashError::Malformed);
    }
    let salt = hex::decode(salt_hex).map_err(|_| ImportHashError::Malformed)?;
    let expected = hex::decode(digest_hex).map_err(|_| ImportHashError::Malformed)?;
    if expected.len() != <D as Digest>::output_size() {
        return Err(ImportHashError::Malformed);
    }
    let mut d = D::new();
    d.update(password.as_bytes());
    d.update(&salt);
    let got = d.finalize();
    Ok(got.as_slice().ct_eq(expected.as_slice()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DJANGO: [(&str, &str); 2] = [
        (
            "dhde8212",
            "pbkdf2_sha256$10548$qZFRFfsx7E$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=",
        ),
        (
            "Hello@Beckham",
            "pbkdf2_sha256$10191$ZXQ1yh5fWD$K0PXJG3Ro8aG4Vu6sgszszrRssngLVicyLI/ax0hQtA=",
        ),
    ];

    /// PHP 8.2 `password_hash("php-legacy-pw1", PASSWORD_BCRYPT)`.
    const PHP_BCRYPT: &str = "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG";
    /// PHP 8.2 `password_hash("Ünïcødé pässwörd", PASSWORD_BCRYPT, ["cost" => 4])`.
    const PHP_BCRYPT_UNICODE: &str = "$2y$04$.8DywLrcolgh11ueLaNzFuy3AdgBDDUrKg/YJDBcTzg3Fmoqetxba";
    /// Python `bcrypt.hashpw(b"python-bcrypt-pw", bcrypt.gensalt(rounds=5))`.
    const PY_BCRYPT_2B: &str = "$2b$05$d6E95Bta9XMSRqdijGu1jOW3XOjRug0oe.kujOGtFq7IRugtg1CVy";

    #[test]
    fn django_vectors_from_clumsy_tools() {
        for (pw, hash) in DJANGO {
            assert!(is_legacy(hash));
            assert!(verify(pw, hash), "{pw}");
            assert!(!verify("wrong", hash));
            assert!(!verify(&format!("{pw} "), hash));
            assert_eq!(encode_imported("pbkdf2_sha256", hash, None).unwrap(), hash);
            assert_eq!(encode_imported("", hash, None).unwrap(), hash, "detected");
        }
    }

    #[test]
    fn bcrypt_from_php_python_and_the_crate() {
        assert!(verify("php-legacy-pw1", PHP_BCRYPT));
        assert!(!verify("php-legacy-pw2", PHP_BCRYPT));
        assert!(verify("Ünïcødé pässwörd", PHP_BCRYPT_UNICODE));
        assert!(!verify("Unicode passwort", PHP_BCRYPT_UNICODE));
        assert!(verify("python-bcrypt-pw", PY_BCRYPT_2B));
        // $2a$ and $2b$ compute the same as $2y$ for these passwords.
        let as_2a = PY_BCRYPT_2B.replacen("$2b$", "$2a$", 1);
        assert!(verify("python-bcrypt-pw", &as_2a));
        let ours = bcrypt::hash_with_salt("crate-made", 4, [7u8; 16])
            .unwrap()
            .format_for_version(bcrypt::Version::TwoY);
        assert!(verify("crate-made", &ours));
        assert!(!verify("crate-mad", &ours));
        // PHP truncates at 72 bytes; so do we.
        let long = "x".repeat(72);
        let h = bcrypt::hash_with_salt(&long, 4, [1u8; 16])
            .unwrap()
            .format_for_version(bcrypt::Version::TwoY);
        assert!(verify(&format!("{long}and more"), &h));
        for h in [PHP_BCRYPT, PHP_BCRYPT_UNICODE, PY_BCRYPT_2B] {
            assert_eq!(encode_imported("bcrypt", h, None).unwrap(), h);
            assert_eq!(encode_imported("", h, None).unwrap(), h);
        }
    }

    #[test]
    fn sspanel_salted_digests() {
        // python3: hashlib.md5(b"sspanel-pw" + b"s@lt$x").hexdigest() (PHP's md5() agrees).
        let md5_hex = "10eecfff3b3337bd5d4e9862ab86ec89";
        let sha_hex = "35f7c6f826790507380a43d9ce89b09737b615946492fc6f5c30f66c3449f690";
        let md5_stored = encode_imported("md5", md5_hex, Some("s@lt$x")).unwrap();
        assert_eq!(
            md5_stored,
            format!("sspanel-md5${}${md5_hex}", hex::encode("s@lt$x"))
        );
        assert!(verify("sspanel-pw", &md5_stored));
        assert!(!verify("sspanel-pw ", &md5_stored));
        let sha_stored =
            encode_imported("SHA256", &sha_hex.to_uppercase(), Some("s@lt$x")).unwrap();
        assert!(
            sha_stored.ends_with(sha_hex),
            "stored lowercase: {sha_stored}"
        );
        assert!(verify("sspanel-pw", &sha_stored));
        assert!(!verify("sspanel-pv", &sha_stored));
        // SSPanel's default salt is empty: md5("sspanel-pw").
        let unsalted = encode_imported("md5", "ce2236d6d8faad6fe8b42fd08f09aa6f", None).unwrap();
        assert_eq!(unsalted, "sspanel-md5$$ce2236d6d8faad6fe8b42fd08f09aa6f");
        assert!(verify("sspanel-pw", &unsalted));
        // The right digest with another salt does not verify.
        let other_salt = encode_imported("md5", md5_hex, Some("s@lt")).unwrap();
        assert!(!verify("sspanel-pw", &other_salt));
    }

    #[test]
    fn import_shapes_are_checked() {
        use ImportHashError as E;
        let cases: &[(&str, &str, Option<&str>, ImportHashError)] = &[
            ("md4", "abc", None, E::UnknownFormat),
            ("", "10eecfff3b3337bd5d4e9862ab86ec89", None, E::FormatRequired),
            ("md5", "10eecfff3b3337bd5d4e9862ab86ec8", None, E::Malformed),
            ("md5", "zzeecfff3b3337bd5d4e9862ab86ec89", None, E::Malformed),
            (
                "sha256",
                "10eecfff3b3337bd5d4e9862ab86ec89",
                None,
                E::Malformed,
            ),
            ("bcrypt", PHP_BCRYPT, Some("salt"), E::UnexpectedSalt),
            ("bcrypt", "$2x$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG", None, E::Malformed),
            ("bcrypt", "$2y$31$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG", None, E::OutOfRange),
            ("bcrypt", "$2y$03$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG", None, E::OutOfRange),
            ("bcrypt", "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRc", None, E::Malformed),
            ("bcrypt", "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRc!", None, E::Malformed),
            ("pbkdf2_sha256", "pbkdf2_sha256$0$salt$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", None, E::OutOfRange),
            ("pbkdf2_sha256", "pbkdf2_sha256$99999999999$salt$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", None, E::Malformed),
            ("pbkdf2_sha256", "pbkdf2_sha256$10000001$salt$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", None, E::OutOfRange),
            ("pbkdf2_sha256", "pbkdf2_sha256$100$$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", None, E::Malformed),
            ("pbkdf2_sha256", "pbkdf2_sha256$100$salt$GJtb", None, E::Malformed),
            ("pbkdf2_sha256", "pbkdf2_sha1$100$salt$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", None, E::Malformed),
            ("pbkdf2_sha256", "pbkdf2_sha256$-5$salt$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=", None, E::Malformed),
            ("argon2", "$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAA", None, E::Malformed),
            ("argon2", "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None, E::OutOfRange),
            ("argon2", "$argon2id$v=19$m=1024,t=1,p=1$bad$bad", None, E::Malformed),
            ("argon2", "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG", None, E::Malformed),
        ];
        for (format, hash, salt, want) in cases {
            assert_eq!(
                encode_imported(format, hash, *salt),
                Err(*want),
                "{format} {hash}"
            );
        }
        let long_salt = "s".repeat(257);
        assert_eq!(
            encode_imported("md5", "10eecfff3b3337bd5d4e9862ab86ec89", Some(&long_salt)),
            Err(E::SaltTooLong)
        );
    }

    #[test]
    fn malformed_and_hostile_stored_strings_never_verify() {
        let junk = [
            "",
            "$",
            "$2",
            "$2y$",
            "$2y$99$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG",
            "$2y$1é$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcG",
            "$2y$10$8fkA/M8CDD.G3guZJc.G5.JXml/zjNb.EwHc3XIb4dkCMkdH0CRcé",
            "pbkdf2_sha256$",
            "pbkdf2_sha256$$$",
            "pbkdf2_sha256$4294967295$s$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=",
            "pbkdf2_sha256$10548$qZFRFfsx7E$GJtb+sRQipEJnu+ORrwZe8xQE1SQV4pXijFnVl0G5CI=$x",
            "pbkdf2_sha256$10548$qZFRFfsx7E$not base64",
            "sspanel-md5$",
            "sspanel-md5$$",
            "sspanel-md5$zz$10eecfff3b3337bd5d4e9862ab86ec89",
            "sspanel-md5$$10eecfff3b3337bd5d4e9862ab86ec8",
            "sspanel-sha256$$10eecfff3b3337bd5d4e9862ab86ec89",
            "md5$salt$10eecfff3b3337bd5d4e9862ab86ec89",
        ];
        for j in junk {
            assert!(!verify("sspanel-pw", j), "{j:?}");
            assert!(!verify("", j), "{j:?}");
        }
    }

    #[test]
    fn formats_parse_and_detect() {
        for (s, f) in [
            ("argon2", LegacyFormat::Argon2),
            ("ARGON2ID", LegacyFormat::Argon2),
            ("bcrypt", LegacyFormat::Bcrypt),
            ("django", LegacyFormat::Pbkdf2Sha256),
            ("pbkdf2_sha256", LegacyFormat::Pbkdf2Sha256),
            (" md5 ", LegacyFormat::Md5),
            ("sha256", LegacyFormat::Sha256),
        ] {
            assert_eq!(s.parse::<LegacyFormat>(), Ok(f), "{s}");
        }
        assert_eq!(
            "plain".parse::<LegacyFormat>(),
            Err(ImportHashError::UnknownFormat)
        );
        assert_eq!(LegacyFormat::detect(PHP_BCRYPT), Some(LegacyFormat::Bcrypt));
        assert_eq!(LegacyFormat::detect("10eecfff"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_stored_strings_never_panic(s in "\\PC{0,80}", pw in "\\PC{0,20}") {
            let _ = verify(&pw, &s);
            for prefix in ["$2y$10$", "pbkdf2_sha256$", "sspanel-md5$", "sspanel-sha256$"] {
                let _ = verify(&pw, &format!("{prefix}{s}"));
                let _ = encode_imported("", &format!("{prefix}{s}"), None);
            }
            for f in ["argon2", "bcrypt", "pbkdf2_sha256", "md5", "sha256", ""] {
                let _ = encode_imported(f, &s, Some(&pw));
            }
        }
    }
}
