//! HTTP-level settings: mode, proxies, cookies, limits and per-dialect options.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Development relaxes CSRF and shows runtime values on the weplanx ping; production
/// enforces CSRF and hides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Local trials (the default with no configuration).
    #[default]
    Development,
    /// Real deployments.
    Production,
}

/// When cookies get the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CookieSecure {
    /// When the request came over HTTPS (directly, or per a trusted proxy's header).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never (plain-HTTP development only).
    Never,
}

/// weplanx dialect options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeplanxConfig {
    /// One live session per user, as the original: a new sign-in ends the previous one.
    pub single_session: bool,
    /// Domain attribute of the `XSRF-TOKEN` cookie (the original's `XDOMAIN`), if any.
    pub xsrf_domain: Option<String>,
    /// Lark app id answered by `/options?type=collaboration`.
    pub lark_app_id: String,
    /// Redirect URL answered by `/options?type=collaboration`.
    pub lark_redirect_url: String,
    /// Upload limit answered by `/options?type=upload`, in KiB.
    pub upload_limit_kib: u64,
}

impl Default for WeplanxConfig {
    fn default() -> Self {
        Self {
            single_session: true,
            xsrf_domain: None,
            lark_app_id: String::new(),
            lark_redirect_url: String::new(),
            upload_limit_kib: 10 * 1024,
        }
    }
}

/// clumsy-tools dialect options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClumsyConfig {
    /// Origins allowed by CORS, `;`-separated (`*` for any), as the original's
    /// `corsAllowedOrigins`; empty = no CORS headers.
    pub cors_allowed_origins: String,
}

/// SSPanel dialect options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SspanelConfig {
    /// Cookie lifetime with `remember_me`, in days (the original's `rememberMeDuration`).
    pub remember_me_days: i64,
    /// Registration needs a code e-mailed by `POST /auth/send` (`Enable_email_verify`).
    pub email_verify: bool,
    /// Lifetime of a registration code (seconds; the original's `Email_verify_ttl`).
    pub registration_code_ttl_secs: i64,
    /// Lifetime of a password reset link (seconds; the original used a day).
    pub reset_link_ttl_secs: i64,
    /// Answer "此邮箱不存在." to a reset request for an unknown address, as the original did.
    /// Off by default: that answer tells anyone which addresses have accounts.
    pub reveal_unknown_email: bool,
}

impl Default for SspanelConfig {
    fn default() -> Self {
        Self {
            remember_me_days: 7,
            email_verify: false,
            registration_code_ttl_secs: 3600,
            reset_link_ttl_secs: 3600,
            reveal_unknown_email: false,
        }
    }
}

/// Ugene dialect options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UgeneConfig {
    /// Access-token lifetime and session idle timeout in seconds (the original's 7200:
    /// `session_exp` slides this far ahead of every authenticated call).
    pub session_secs: i64,
    /// Lifetime of an e-mail confirmation link, in seconds.
    pub confirm_link_ttl_secs: i64,
    /// Lifetime of a password restore link, in seconds (the original used a day; an hour
    /// is Tessera's default).
    pub restore_link_ttl_secs: i64,
    /// Answer `001404` to a restore request for an unknown name, as the document shows.
    /// Off by default: that answer tells anyone which accounts exist.
    pub reveal_unknown_login: bool,
    /// `App.app-name` in `general/status`.
    pub app_name: String,
    /// `App.default-language` in `general/status`, and the language of answers to
    /// requests that name none.
    pub default_language: String,
}

impl Default for UgeneConfig {
    fn default() -> Self {
        Self {
            session_secs: 7200,
            confirm_link_ttl_secs: 86_400,
            restore_link_ttl_secs: 3600,
            reveal_unknown_login: false,
            app_name: "Ugene".into(),
            default_language: "en".into(),
        }
    }
}

/// Everything the HTTP layer reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Development or production.
    pub mode: Mode,
    /// Name reported by pings (defaults to the host name).
    pub hostname: String,
    /// Peers whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Secure attribute on cookies.
    pub cookie_secure: CookieSecure,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Public base URL of this server (links in mails, OAuth2 realms), no trailing slash.
    pub public_url: String,
    /// weplanx dialect.
    pub weplanx: WeplanxConfig,
    /// clumsy-tools dialect.
    pub clumsy: ClumsyConfig,
    /// SSPanel dialect.
    pub sspanel: SspanelConfig,
    /// Ugene dialect.
    pub ugene: UgeneConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Development,
            hostname: String::new(),
            trusted_proxies: Vec::new(),
            cookie_secure: CookieSecure::Auto,
            max_body_bytes: 64 * 1024,
            public_url: "http://127.0.0.1:8080".into(),
            weplanx: WeplanxConfig::default(),
            clumsy: ClumsyConfig::default(),
            sspanel: SspanelConfig::default(),
            ugene: UgeneConfig::default(),
        }
    }
}
