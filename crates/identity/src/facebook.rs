//! Facebook Login: verifies a user access token by asking the Graph API who it belongs to
//! (`/me?fields=id,name,email`), and exchanges authorization codes for access tokens.
//!
//! Every Graph call carries `appsecret_proof` (HMAC-SHA256 of the token keyed with the app
//! secret), as Facebook recommends: Facebook checks the proof against the app the token was
//! issued to, so a token obtained by some other app is refused instead of signing its holder
//! in here (the original accepted any valid token).

use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use tessera_core::ports::{ClientType, ExternalIdentity, IdentityError, IdentityProvider};

use crate::config::FacebookConfig;
use crate::google::non_empty;
use crate::http::{self, check_url, short, Answer};

/// Default redirect URI of the desktop code flow.
const DESKTOP_REDIRECT: &str = "https://www.facebook.com/connect/login_success.html";
/// Longest token or code accepted.
const MAX_INPUT_LEN: usize = 8 * 1024;
/// Graph error codes that mean "try again later" (unknown error, service down, rate limits).
const TRANSIENT_GRAPH_CODES: [i64; 7] = [1, 2, 4, 17, 32, 341, 613];

/// Verifies Facebook access tokens and exchanges Facebook authorization codes.
pub struct FacebookProvider {
    client: reqwest::Client,
    app_id: String,
    app_secret: SecretString,
    graph_url: String,
    timeout: Duration,
}

impl std::fmt::Debug for FacebookProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FacebookProvider")
            .field("app_id", &self.app_id)
            .field("graph_url", &self.graph_url)
            .finish_non_exhaustive()
    }
}

impl FacebookProvider {
    /// Validates `cfg` and builds the provider on the shared `client`.
    ///
    /// # Errors
    /// A message naming the bad `identity.facebook.*` key.
    pub fn new(cfg: &FacebookConfig, client: reqwest::Client) -> Result<Self, String> {
        if cfg.app_id.trim().is_empty() {
            return Err(
                "identity.facebook.app_id is required when identity.facebook.enabled = true"
                    .to_owned(),
            );
        }
        let app_secret = non_empty(cfg.app_secret.as_ref()).ok_or_else(|| {
            "identity.facebook.app_secret is required when identity.facebook.enabled = true"
                .to_owned()
        })?;
        check_url("identity.facebook.graph_url", &cfg.graph_url)?;
        if cfg.timeout_secs == 0 {
            return Err("identity.facebook.timeout_secs must be greater than 0".to_owned());
        }
        Ok(Self {
            client,
            app_id: cfg.app_id.trim().to_owned(),
            app_secret,
            graph_url: cfg.graph_url.trim().trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(cfg.timeout_secs),
        })
    }

    /// Hex HMAC-SHA256 of `token` keyed with the app secret.
    fn appsecret_proof(&self, token: &str) -> Result<String, IdentityError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.app_secret.expose_secret().as_bytes())
            .map_err(|_| IdentityError::Misconfigured("unusable facebook app secret".into()))?;
        mac.update(token.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Asks the Graph API whose token this is.
    async fn me(&self, token: &str) -> Result<ExternalIdentity, IdentityError> {
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_INPUT_LEN {
            return Err(invalid_token());
        }
        let proof = self.appsecret_proof(token)?;
        let request = self.client.get(format!("{}/me", self.graph_url)).query(&[
            ("fields", "id,name,email"),
            ("access_token", token),
            ("appsecret_proof", &proof),
        ]);
        let answer = http::send(request, self.timeout, "facebook graph api").await?;
        if !answer.status.is_success() {
            return Err(graph_error(&answer, "facebook refused the access token"));
        }
        let body = answer.json();
        let subject = match &body["id"] {
            serde_json::Value::String(id) if !id.trim().is_empty() => id.trim().to_owned(),
            serde_json::Value::Number(id) => id.to_string(),
            _ => return Err(invalid_token()),
        };
        let email = body["email"]
            .as_str()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or(IdentityError::NoEmail)?;
        Ok(ExternalIdentity {
            provider: "facebook".to_owned(),
            subject,
            email: email.to_owned(),
            // The Graph API only returns confirmed addresses.
            email_verified: true,
            name: body["name"]
                .as_str()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        })
    }
}

#[async_trait]
impl IdentityProvider for FacebookProvider {
    fn name(&self) -> &'static str {
        "facebook"
    }

    async fn verify_token(
        &self,
        _client: ClientType,
        token: &str,
    ) -> Result<ExternalIdentity, IdentityError> {
        self.me(token).await
    }

    async fn exchange_code(
        &self,
        client: ClientType,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<ExternalIdentity, IdentityError> {
        let redirect_uri = redirect_uri.map(str::trim).filter(|r| !r.is_empty());
        let redirect_uri = match client {
            ClientType::Desktop => redirect_uri.unwrap_or(DESKTOP_REDIRECT),
            ClientType::Web => redirect_uri.ok_or_else(|| {
                IdentityError::Invalid("redirect uri must not be empty for facebook + web".into())
            })?,
            ClientType::Mobile => {
                return Err(IdentityError::Unsupported(
                    "facebook + mobile does not support the authorization code flow".to_owned(),
                ))
            }
        };
        let code = code.trim();
        if code.is_empty() || code.len() > MAX_INPUT_LEN {
            return Err(IdentityError::Invalid(
                "the authorization code must not be empty".to_owned(),
            ));
        }
        let request = self
            .client
            .get(format!("{}/oauth/access_token", self.graph_url))
            .query(&[
                ("client_id", self.app_id.as_str()),
                ("client_secret", self.app_secret.expose_secret()),
                ("redirect_uri", redirect_uri),
                ("code", code),
            ]);
        let answer = http::send(request, self.timeout, "facebook oauth endpoint").await?;
        if !answer.status.is_success() {
            return Err(graph_error(
                &answer,
                "facebook refused the authorization code",
            ));
        }
        let body = answer.json();
        let token = body["access_token"]
            .as_str()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                IdentityError::Unavailable("facebook answered the code without a token".into())
            })?;
        self.me(token).await
    }
}

/// Maps a Graph API error answer: server errors, rate limits and errors Facebook marks as
/// transient are `Unavailable`; an app Facebook does not recognise is `Misconfigured`;
/// anything else is the client's token or code being refused.
fn graph_error(answer: &Answer, refused: &str) -> IdentityError {
    let body = answer.json();
    let error = &body["error"];
    let message = short(error["message"].as_str().unwrap_or_default());
    let code = error["code"].as_i64();
    let transient = error["is_transient"].as_bool().unwrap_or(false)
        || code.is_some_and(|c| TRANSIENT_GRAPH_CODES.contains(&c));
    let bad_app = code == Some(101) || message.to_ascii_lowercase().contains("client secret");
    if answer.is_transient() || (transient && !bad_app) {
        IdentityError::Unavailable(format!("facebook answered {}: {message}", answer.status))
    } else if bad_app {
        IdentityError::Misconfigured(format!("facebook rejected the app credentials: {message}"))
    } else {
        IdentityError::Invalid(format!("{refused}: {message}"))
    }
}

/// The original's message for a token Facebook does not know.
fn invalid_token() -> IdentityError {
    IdentityError::Invalid("invalid facebook access token".to_owned())
}
