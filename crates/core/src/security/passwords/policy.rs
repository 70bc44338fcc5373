//! The password policy: length bounds, a bundled list of common passwords, and
//! context-specific words (the account's own names and the service's), which are the first
//! guesses of anyone targeting one account or one site (ASVS V6.1.2, V6.2.11).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use crate::config::PasswordConfig;
use crate::domain::{Password, User};
use crate::error::CoreError;

/// Common passwords, one per line, lowercase (see `common-passwords.txt` for its source).
const COMMON: &str = include_str!("common-passwords.txt");

/// Context words shorter than this many characters are ignored: shorter ones ("bob",
/// "mx") occur by chance in too many good passwords to refuse them.
pub const MIN_CONTEXT_WORD_CHARS: usize = 4;

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

/// The account a new password is for. Its words are what a guesser who knows the account
/// tries first, so a password containing one is refused. Every field is optional because
/// some callers (a registration form checked before the account exists) know only part.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    /// The e-mail address: its local part and the first label of its domain count.
    pub email: Option<&'a str>,
    /// The username.
    pub username: Option<&'a str>,
    /// The display name.
    pub name: Option<&'a str>,
}

impl<'a> PasswordContext<'a> {
    /// The words of an existing account (password change and reset).
    pub fn of_user(user: &'a User) -> Self {
        Self {
            email: Some(user.email.as_str()),
            username: user.username.as_deref(),
            name: Some(user.name.as_str()),
        }
    }

    /// The lowercase words of the account, each at least [`MIN_CONTEXT_WORD_CHARS`] long.
    fn words(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(email) = self.email {
            let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
            push_words(local, &mut out);
            push_words(domain.split('.').next().unwrap_or_default(), &mut out);
        }
        for text in [self.username, self.name].into_iter().flatten() {
            push_words(text, &mut out);
        }
        out
    }
}

/// Adds `text` lowercased as a whole, its alphanumeric runs ("mary-anne" gives "mary" and
/// "anne") and its alphanumerics run together ("j_doe" gives "jdoe"), so the usual ways
/// of writing a name into a password are all caught. Short words are dropped.
fn push_words(text: &str, out: &mut Vec<String>) {
    let lower = text.trim().to_lowercase();
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    let pieces = lower
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_owned);
    for word in std::iter::once(lower.clone())
        .chain(std::iter::once(squashed))
        .chain(pieces)
    {
        if word.chars().count() >= MIN_CONTEXT_WORD_CHARS && !out.contains(&word) {
            out.push(word);
        }
    }
}

/// Checks new passwords (sign-in never applies the policy, so old accounts still work).
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    config: Arc<PasswordConfig>,
    /// Lowercase words refused for every account: the configured list and the service name.
    service_words: Arc<[String]>,
}

impl PasswordPolicy {
    /// A policy from configuration; its `context_words` are refused in every password.
    pub fn new(config: PasswordConfig) -> Self {
        let mut words = Vec::new();
        for w in &config.context_words {
            let w = w.trim().to_lowercase();
            if w.chars().count() >= MIN_CONTEXT_WORD_CHARS && !words.contains(&w) {
                words.push(w);
            }
        }
        Self {
            config: Arc::new(config),
            service_words: words.into(),
        }
    }

    /// Also refuses the service's name (the issuer users see in their authenticator app),
    /// split into words like an account's names, so a URL-shaped issuer still counts.
    #[must_use]
    pub fn with_service_name(self, name: &str) -> Self {
        let mut words = self.service_words.to_vec();
        push_words(name, &mut words);
        Self {
            config: self.config,
            service_words: words.into(),
        }
    }

    /// Number of entries in the bundled common-password list.
    pub fn common_list_len() -> usize {
        common_set().len()
    }

    /// Refuses a password that is too short, too long, common, or contains one of the
    /// service's words. Prefer [`Self::check_for`] when the account is known.
    pub fn check(&self, password: &Password) -> Result<(), CoreError> {
        self.check_for(password, &PasswordContext::default())
    }

    /// Refuses a password that is too short, too long, common, or contains (ignoring case)
    /// one of the service's words or of the account's: `WeakPassword("context")`.
    pub fn check_for(
        &self,
        password: &Password,
        context: &PasswordContext<'_>,
    ) -> Result<(), CoreError> {
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
        let lower = pw.to_lowercase();
        if self.config.refuse_common && common_set().contains(lower.as_str()) {
            return Err(CoreError::WeakPassword("common"));
        }
        let account_words = context.words();
        if self
            .service_words
            .iter()
            .chain(&account_words)
            .any(|w| lower.contains(w.as_str()))
        {
            return Err(CoreError::WeakPassword("context"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weak(reason: &str, r: Result<(), CoreError>) -> bool {
        matches!(r, Err(CoreError::WeakPassword(why)) if why == reason)
    }

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
        assert!(p.check(&Password::new("mosaic-horse-battery")).is_ok());
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

    /// ASVS V6.2.11: the account's e-mail local part, its domain's first label, its
    /// username and its name are refused anywhere in a new password, in any case, also
    /// piece by piece ("smith" of "Alice Smith") and run together ("alicesmith").
    #[test]
    fn the_accounts_own_words_are_refused() {
        let p = PasswordPolicy::new(PasswordConfig::default());
        let ctx = PasswordContext {
            email: Some("Alice.Smith@Example.org"),
            username: Some("wonder_land"),
            name: Some("Alice Smith"),
        };
        for pw in [
            "xx-alice.smith-xx",
            "my-SMITH-horse-9",
            "aliceinchains-77",
            "AliceSmith-2026!",
            "my-example-pw-99",
            "wonder_land-2026",
            "WonderLand-2026!",
            // "wonder" is a piece of the username.
            "in-the-wonder-of-it",
        ] {
            assert!(
                weak("context", p.check_for(&Password::new(pw), &ctx)),
                "{pw}"
            );
        }
        assert!(p
            .check_for(&Password::new("correct-horse-battery"), &ctx)
            .is_ok());
        // Without the account, the same password is only checked against the service.
        assert!(p.check(&Password::new("xx-alice.smith-xx")).is_ok());
    }

    /// The service's words (the configured list and the issuer) are refused for every
    /// account, in any case; the issuer is split into words like a name.
    #[test]
    fn the_services_words_are_refused_in_any_case() {
        let config = PasswordConfig {
            context_words: vec!["  Blue-Falcon ".to_owned(), "xyz".to_owned()],
            ..PasswordConfig::default()
        };
        let p = PasswordPolicy::new(config).with_service_name("https://Acme.example");
        for pw in [
            "my-BLUE-FALCON-pw",
            "acme-horse-battery",
            "HTTPS-horse-battery",
            "ACME-HORSE-BATTERY",
        ] {
            assert!(weak("context", p.check(&Password::new(pw))), "{pw}");
        }
        // "xyz" is shorter than four characters: ignored. "blue" alone is fine: the
        // configured word is matched whole.
        assert!(p.check(&Password::new("xyz-blue-horse-9")).is_ok());
        // The defaults refuse the product's own name.
        let d = PasswordPolicy::new(PasswordConfig::default()).with_service_name("tessera");
        assert!(weak("context", d.check(&Password::new("Tessera2026!"))));
    }

    /// Words shorter than [`MIN_CONTEXT_WORD_CHARS`] never refuse a password: they occur
    /// by chance in too many good ones.
    #[test]
    fn short_context_words_are_ignored() {
        let p = PasswordPolicy::new(PasswordConfig {
            context_words: Vec::new(),
            ..PasswordConfig::default()
        })
        .with_service_name("ab");
        let ctx = PasswordContext {
            email: Some("bo@mx.io"),
            username: Some("abc"),
            name: Some("Li Wu"),
        };
        assert!(p
            .check_for(&Password::new("bo-mx-li-wu-abc-horse"), &ctx)
            .is_ok());
        // Run together, "Li Wu" is four characters long and counts.
        assert!(weak(
            "context",
            p.check_for(&Password::new("LIWU-horse-battery"), &ctx)
        ));
    }

    /// An empty list, an empty context and an empty name leave only the other rules.
    #[test]
    fn no_words_means_only_the_other_rules() {
        let p = PasswordPolicy::new(PasswordConfig {
            context_words: Vec::new(),
            ..PasswordConfig::default()
        })
        .with_service_name("");
        let ctx = PasswordContext {
            email: Some("x@y.z"),
            username: None,
            name: Some(""),
        };
        assert!(p
            .check_for(&Password::new("tessera-horse-battery"), &ctx)
            .is_ok());
        assert!(weak(
            "common",
            p.check_for(&Password::new("password123"), &ctx)
        ));
    }
}
