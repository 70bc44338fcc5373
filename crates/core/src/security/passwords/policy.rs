//! The password policy: length bounds and a bundled list of common passwords.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use crate::config::PasswordConfig;
use crate::domain::Password;
use crate::error::CoreError;

/// Common passwords, one per line, lowercase (see `common-passwords.txt` for its source).
const COMMON: &str = include_str!("common-passwords.txt");

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Checks new passwords (sign-in never applies the policy, so old accounts still work).
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    config: Arc<PasswordConfig>,
}

impl PasswordPolicy {
    /// A policy from configuration.
    pub fn new(config: PasswordConfig) -> Self {
        Self {
            config: Arc::new(config),
        }
    }

    /// Number of entries in the bundled common-password list.
    pub fn common_list_len() -> usize {
        common_set().len()
    }

    /// Refuses a password that is too short, too long, or common.
    pub fn check(&self, password: &Password) -> Result<(), CoreError> {
        let pw = password.expose();
        let chars = pw.chars().count();
        if chars == 0 {
            return Err(CoreError::field("password", "required"));
        }
        if chars < self.config.min_length {
            return Err(CoreError::WeakPassword("too_short"));
        }
        if chars > self.config.max_length {
            return Err(CoreError::WeakPassword("too_long"));
        }
        if self.config.refuse_common && common_set().contains(pw.to_lowercase().as_str()) {
            return Err(CoreError::WeakPassword("common"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_common_list() {
        let p = PasswordPolicy::new(PasswordConfig::default());
        assert!(PasswordPolicy::common_list_len() > 100);
        assert!(matches!(
            p.check(&Password::new("short")),
            Err(CoreError::WeakPassword("too_short"))
        ));
        assert!(matches!(
            p.check(&Password::new("x".repeat(129))),
            Err(CoreError::WeakPassword("too_long"))
        ));
        assert!(matches!(
            p.check(&Password::new("Password123")),
            Err(CoreError::WeakPassword("common"))
        ));
        assert!(p.check(&Password::new("tessera-horse-battery")).is_ok());
        assert!(p.check(&Password::new("")).is_err());
    }

    /// ASVS V6.2.9: passwords of at least 64 characters are accepted (here up to the
    /// configured 128), and any character may be used, spaces and Unicode included.
    #[test]
    fn long_and_unicode_passwords_are_accepted() {
        let p = PasswordPolicy::new(PasswordConfig::default());
        assert!(PasswordConfig::default().max_length >= 64);
        let sixty_four: String = "correct horse battery staple "
            .repeat(3)
            .chars()
            .take(64)
            .collect();
        assert!(p.check(&Password::new(sixty_four)).is_ok());
        assert!(p.check(&Password::new("ü".repeat(128))).is_ok());
        assert!(p
            .check(&Password::new("пароль с пробелами 🐎 и символами"))
            .is_ok());
    }
}
