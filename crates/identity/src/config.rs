//! Configuration of the social identity providers, as read from the `[identity.google]` and
//! `[identity.facebook]` sections of the server config. Every type rejects unknown keys so a
//! typo is an error at start-up; every field has a default, and both providers are off by
//! default, so an empty config starts a server without social sign-in. The endpoint URLs
//! are configurable so tests can point them at a local fake provider.

use secrecy::SecretString;
use serde::Deserialize;

/// The `[identity]` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// Google Sign-In (`identity.google`).
    pub google: GoogleConfig,
    /// Facebook Login (`identity.facebook`).
    pub facebook: FacebookConfig,
}

/// The `[identity.google]` section: OAuth clients registered in the Google console.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleConfig {
    /// Turns Google sign-in on.
    pub enabled: bool,
    /// Client id of the "desktop app" OAuth client (audience of desktop ID tokens). Empty:
    /// desktop clients are not supported.
    pub desktop_client_id: String,
    /// Secret of the desktop client, needed for the desktop code flow.
    pub desktop_client_secret: Option<SecretString>,
    /// Client id of the "web application" OAuth client (required when enabled).
    pub web_client_id: String,
    /// Secret of the web client, needed for the web code flow.
    pub web_client_secret: Option<SecretString>,
    /// Audience of ID tokens from mobile apps. Empty: the web client id, as the original did.
    pub mobile_client_id: String,
    /// Accepted `iss` values.
    pub issuers: Vec<String>,
    /// Where Google publishes its signing keys (JWKS).
    pub jwks_url: String,
    /// Google's OAuth token endpoint, for the code flow.
    pub token_url: String,
    /// Limit for each request to Google, in seconds.
    pub timeout_secs: u64,
}

impl Default for GoogleConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            desktop_client_id: String::new(),
            desktop_client_secret: None,
            web_client_id: String::new(),
            web_client_secret: None,
            mobile_client_id: String::new(),
            issuers: vec![
                "https://accounts.google.com".to_owned(),
                "accounts.google.com".to_owned(),
            ],
            jwks_url: "https://www.googleapis.com/oauth2/v3/certs".to_owned(),
            token_url: "https://oauth2.googleapis.com/token".to_owned(),
            timeout_secs: 10,
        }
    }
}

impl GoogleConfig {
    /// The audience expected for mobile ID tokens: `mobile_client_id`, or the web client id
    /// when that is empty.
    pub fn effective_mobile_client_id(&self) -> &str {
        if self.mobile_client_id.trim().is_empty() {
            &self.web_client_id
        } else {
            &self.mobile_client_id
        }
    }
}

/// The `[identity.facebook]` section: the Facebook app.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FacebookConfig {
    /// Turns Facebook sign-in on.
    pub enabled: bool,
    /// The app id (required when enabled).
    pub app_id: String,
    /// The app secret (required when enabled): signs every Graph call (`appsecret_proof`)
    /// and authenticates the code exchange.
    pub app_secret: Option<SecretString>,
    /// Base URL of the Graph API, version included.
    pub graph_url: String,
    /// Limit for each request to Facebook, in seconds.
    pub timeout_secs: u64,
}

impl Default for FacebookConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            app_id: String::new(),
            app_secret: None,
            graph_url: "https://graph.facebook.com/v2.11".to_owned(),
            timeout_secs: 10,
        }
    }
}
