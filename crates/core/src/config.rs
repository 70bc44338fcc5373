//! Tunables of the core's rules, with secure defaults. The server fills these from its
//! configuration file and environment.

use serde::{Deserialize, Serialize};

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HashParams {
    /// Memory in KiB (OWASP minimum: 19456).
    pub memory_kib: u32,
    /// Passes (OWASP minimum with 19 MiB: 2).
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Password rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordConfig {
    /// argon2id parameters for new hashes; older hashes are upgraded at sign-in.
    pub hash: HashParams,
    /// Concurrent hashes at most (0 = number of CPUs).
    pub max_concurrent_hashes: usize,
    /// Run hashing threads at the lowest normal priority, so a burst of sign-ins uses idle
    /// CPU without slowing cheap requests (token checks).
    pub hash_low_priority: bool,
    /// Minimum length in characters.
    pub min_length: usize,
    /// Maximum length in characters (bounds hashing cost of hostile input).
    pub max_length: usize,
    /// Refuse passwords on the bundled common-password list.
    pub refuse_common: bool,
    /// Words refused anywhere in a new password, ignoring case (ASVS V6.2.11), on top of
    /// the account's own (e-mail local part and domain label, username, name) and the
    /// `issuer`: the names users know this service by, which a guesser tries first.
    /// Words shorter than four characters are ignored.
    pub context_words: Vec<String>,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        Self {
            hash: HashParams::default(),
            max_concurrent_hashes: 0,
            hash_low_priority: true,
            min_length: 8,
            max_length: 128,
            refuse_common: true,
            context_words: default_context_words(),
        }
    }
}

/// The product's name and the two backends whose panels users may know it as. Generic
/// words such as "password" are left out: the common-password list already refuses the
/// usual variants, and refusing the word anywhere would reject long passphrases.
fn default_context_words() -> Vec<String> {
    ["tessera", "sspanel", "weplanx"]
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Session lifetimes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Inactivity after which a session ends (seconds).
    pub idle_timeout_secs: i64,
    /// Absolute lifetime of a session (seconds).
    pub absolute_lifetime_secs: i64,
    /// Access-token lifetime for JWT dialects (seconds).
    pub access_token_secs: i64,
    /// One live session per user: a new sign-in ends the previous ones.
    pub single_per_user: bool,
    /// How often at most a session's `last_seen_at` is written (seconds).
    pub touch_interval_secs: i64,
    /// Changing the address or adding or removing a second factor needs a session that
    /// signed in at most this long ago (seconds; 0 turns the check off). A stolen or
    /// forgotten session then cannot take over the account's recovery channel or lock
    /// the owner out with an authenticator of its own (ASVS V7.5.1); the client signs in
    /// again and repeats the change.
    pub recent_sign_in_secs: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 3600,
            absolute_lifetime_secs: 30 * 24 * 3600,
            access_token_secs: 2 * 3600,
            single_per_user: true,
            touch_interval_secs: 60,
            recent_sign_in_secs: 15 * 60,
        }
    }
}

/// Lockout after repeated failures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutConfig {
    /// Failures of any factor within the window that lock the account.
    pub max_failures: i32,
    /// Counting window (seconds).
    pub window_secs: i64,
    /// How long a lock lasts (seconds).
    pub lock_secs: i64,
    /// Code requests per destination (phone / e-mail) within the window before refusal.
    pub max_code_requests: i32,
    /// Window for code requests per destination (seconds).
    pub code_request_window_secs: i64,
}

impl Default for LockoutConfig {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_secs: 15 * 60,
            lock_secs: 15 * 60,
            max_code_requests: 5,
            code_request_window_secs: 3600,
        }
    }
}

/// A number of requests allowed per window; zero turns the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Requests allowed in one window.
    pub max: i32,
    /// Window length (seconds); after it, counting starts again.
    pub window_secs: i64,
}

/// Request limits per client IP, per action, in every dialect. They complement the
/// per-account lockout and the per-destination code limits: those stop guessing at one
/// account, these stop one client from spraying many accounts or flooding mail and SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sign-in attempts (any factor).
    pub sign_in: Limit,
    /// Account registrations.
    pub register: Limit,
    /// Requests that send a code or link by mail or SMS (sign-in codes, verification,
    /// resend).
    pub send_code: Limit,
    /// Password reset requests and completions.
    pub reset: Limit,
    /// Token and session refreshes.
    pub refresh: Limit,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            sign_in: Limit {
                max: 60,
                window_secs: 60,
            },
            register: Limit {
                max: 20,
                window_secs: 3600,
            },
            send_code: Limit {
                max: 30,
                window_secs: 3600,
            },
            reset: Limit {
                max: 20,
                window_secs: 3600,
            },
            refresh: Limit {
                max: 300,
                window_secs: 60,
            },
        }
    }
}

/// One-time code lifetimes and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeConfig {
    /// SMS sign-in and phone-binding codes live this long (seconds).
    pub sms_ttl_secs: i64,
    /// Password reset codes live this long (seconds).
    pub reset_ttl_secs: i64,
    /// Refresh codes live this long (seconds).
    pub refresh_ttl_secs: i64,
    /// A new code for the same destination only after this long (seconds).
    pub resend_cooldown_secs: i64,
    /// Wrong guesses allowed per code.
    pub max_attempts: i32,
}

impl Default for CodeConfig {
    fn default() -> Self {
        Self {
            sms_ttl_secs: 120,
            reset_ttl_secs: 15 * 60,
            refresh_ttl_secs: 15,
            resend_cooldown_secs: 60,
            max_attempts: 5,
        }
    }
}

/// Opaque token lifetimes (OAuth2-style dialects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenConfig {
    /// Access-token lifetime (seconds).
    pub access_secs: i64,
    /// Access-token lifetime of a "long session" (seconds).
    pub long_access_secs: i64,
    /// How long after its access token a refresh token still works (seconds).
    pub refresh_extra_secs: i64,
    /// A refresh token presented again within this many seconds of its first use gets a
    /// fresh pair (concurrent refreshes by one client); later, the session is revoked.
    pub refresh_grace_secs: i64,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            access_secs: 3600,
            long_access_secs: 14 * 24 * 3600,
            refresh_extra_secs: 8 * 3600,
            refresh_grace_secs: 30,
        }
    }
}

/// Who may create an account, in every dialect that can register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone; an invite code, if given and known, records the inviter.
    #[default]
    Open,
    /// Only with a valid invite code that has a use left.
    Invite,
    /// Nobody (accounts come from the CLI, an admin or an import).
    Close,
}

/// Registration rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// `open`, `invite` or `close`.
    pub mode: RegistrationMode,
    /// Invitations a newly registered user may hand out (negative: unlimited). SSPanel's
    /// default was 10; Tessera's is 0, so inviting is granted explicitly.
    pub default_invite_quota: i64,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self {
            mode: RegistrationMode::Open,
            default_invite_quota: 0,
        }
    }
}

/// Upload limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// Largest file upload, in bytes.
    pub max_file_bytes: i64,
    /// Largest avatar upload (before re-encoding), in bytes.
    pub max_avatar_bytes: i64,
    /// Total bytes of files one account may keep (avatars not counted: one each).
    pub user_quota_bytes: i64,
    /// Files one account may keep (avatars not counted; negative: unlimited). Bounds the
    /// rows and blobs one account can create with many small uploads, which the byte
    /// quota alone does not (ASVS V5.2.4).
    pub max_files_per_user: i64,
    /// Avatars are scaled down to fit this many pixels per side.
    pub avatar_max_side: u32,
}

impl Default for FileConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024,
            max_avatar_bytes: 5 * 1024 * 1024,
            user_quota_bytes: 100 * 1024 * 1024,
            max_files_per_user: 1000,
            avatar_max_side: 512,
        }
    }
}

/// Everything the core's rules read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoreConfig {
    /// Passwords.
    pub password: PasswordConfig,
    /// Sessions.
    pub session: SessionConfig,
    /// Lockout.
    pub lockout: LockoutConfig,
    /// Per-IP request limits.
    pub rate_limits: RateLimitConfig,
    /// One-time codes.
    pub codes: CodeConfig,
    /// Opaque tokens.
    pub tokens: TokenConfig,
    /// Registration.
    pub registration: RegistrationConfig,
    /// Uploads.
    pub files: FileConfig,
    /// E-mail confirmation is required before sign-in (until an administrator switches
    /// it at run time).
    pub require_email_confirmation: bool,
    /// Account deletion is confirmed to the user by e-mail.
    pub mail_on_delete: bool,
    /// An account with a bound TOTP or the e-mailed code on cannot sign in with its
    /// password alone through a dialect that has no field for the code (weplanx,
    /// clumsy-tools): otherwise every such dialect is a way around the factor (ASVS
    /// V6.3.4). `false` restores the originals' password-alone sign-in.
    pub enforce_second_factors: bool,
    /// Issuer name in JWTs and TOTP URIs.
    pub issuer: String,
    /// Audit and login events are kept this many days.
    pub audit_retention_days: i64,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            password: PasswordConfig::default(),
            session: SessionConfig::default(),
            lockout: LockoutConfig::default(),
            rate_limits: RateLimitConfig::default(),
            codes: CodeConfig::default(),
            tokens: TokenConfig::default(),
            registration: RegistrationConfig::default(),
            files: FileConfig::default(),
            require_email_confirmation: false,
            mail_on_delete: true,
            enforce_second_factors: true,
            issuer: "tessera".into(),
            audit_retention_days: 365,
        }
    }
}
