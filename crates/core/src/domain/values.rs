//! Validated value types: e-mail, phone number, password.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// An e-mail address as the user typed it (trimmed); compared case-insensitively via
/// [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Longest address accepted (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Parses and validates an address.
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(CoreError::field("email", "required"));
        }
        if s.len() > Self::MAX_LEN || !email_address::EmailAddress::is_valid(s) {
            return Err(CoreError::field("email", "email"));
        }
        let Some((_, domain)) = s.rsplit_once('@') else {
            return Err(CoreError::field("email", "email"));
        };
        // Quoted local parts and IP-literal domains are legal but never real sign-up
        // addresses; refusing them keeps lookups and mail delivery simple.
        if s.starts_with('"') || domain.starts_with('[') || s.chars().any(char::is_whitespace) {
            return Err(CoreError::field("email", "email"));
        }
        Ok(Self(s.to_owned()))
    }

    /// Builds an e-mail from a value already validated and stored (no checks).
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercase form used for uniqueness and lookups.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number: an optional leading `+` and 5 to 20 digits; spaces, dashes, dots and
/// brackets are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number.
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(CoreError::field("phone", "required"));
        }
        let mut out = String::with_capacity(s.len());
        for (i, c) in s.chars().enumerate() {
            match c {
                '+' if i == 0 => out.push('+'),
                '0'..='9' => out.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(CoreError::field("phone", "format")),
            }
        }
        let digits = out.trim_start_matches('+').len();
        if !(5..=20).contains(&digits) {
            return Err(CoreError::field("phone", "format"));
        }
        Ok(Self(out))
    }

    /// Builds a phone from a stored value (no checks).
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password in memory: never printed, compared or stored as such.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password without policy checks (for sign-in; policy applies on set).
    pub fn new(raw: impl Into<String>) -> Self {
        Self(SecretString::from(raw.into()))
    }

    /// The plaintext, for the hasher only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_plain_and_normalizes_case() {
        let e = Email::parse("  Alice@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Alice@Example.COM");
        assert_eq!(e.normalized(), "alice@example.com");
    }

    #[test]
    fn email_rejects_garbage() {
        for bad in ["", "a", "a@", "@b.c", "a b@c.d", "\"q\"@x.y", "a@[1.2.3.4]"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn phone_normalizes_and_bounds() {
        assert_eq!(
            Phone::parse("+86 138-0013-8000").unwrap().as_str(),
            "+8613800138000"
        );
        assert_eq!(Phone::parse("13800138000").unwrap().as_str(), "13800138000");
        for bad in ["", "12", "abc12345", "1+2345678", &"1".repeat(21)] {
            assert!(Phone::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn password_debug_is_redacted() {
        let p = Password::new("hunter22hunter22");
        assert!(!format!("{p:?}").contains("hunter"));
    }
}
