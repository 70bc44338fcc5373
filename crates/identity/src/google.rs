//! Google Sign-In: verifies ID tokens (RS256 against Google's published keys, issuer,
//! audience per client type, expiry) and exchanges authorization codes for ID tokens.
//!
//! Audiences follow the original: desktop tokens are issued to the desktop OAuth client,
//! web and mobile tokens to the web client (mobile may be given its own id). The code flow
//! exists for desktop (redirect `urn:ietf:wg:oauth:2.0:oob` by default) and web (redirect
//! `postmessage` by default); mobile apps get their ID token directly.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tessera_core::clock::Clock;
use tessera_core::ports::{ClientType, ExternalIdentity, IdentityError, IdentityProvider};

use crate::config::GoogleConfig;
use crate::http::{self, check_url, short};
use crate::jwks::JwksCache;

/// Tolerated clock difference between Google and us when checking `exp` and `iat`.
const LEEWAY_SECS: i64 = 60;
/// Longest token or code accepted; real ones are one or two kilobytes.
const MAX_INPUT_LEN: usize = 16 * 1024;
/// Default redirect URI of the desktop code flow.
const DESKTOP_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Default redirect URI of the web code flow (Google's JavaScript popup flow).
const WEB_REDIRECT: &str = "postmessage";

/// The claims of a Google ID token this adapter reads (signature, `iss` and `aud` are
/// checked by `jsonwebtoken`).
#[derive(Debug, Deserialize)]
struct IdTokenClaims {
    sub: String,
    exp: i64,
    iat: Option<i64>,
    email: Option<String>,
    /// A boolean; very old tokens carried the string `"true"`.
    email_verified: Option<serde_json::Value>,
    name: Option<String>,
}

/// Verifies Google ID tokens and exchanges Google authorization codes.
pub struct GoogleProvider {
    client: reqwest::Client,
    desktop_client_id: String,
    desktop_client_secret: Option<SecretString>,
    web_client_id: String,
    web_client_secret: Option<SecretString>,
    mobile_client_id: String,
    issuers: Vec<String>,
    token_url: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    jwks: JwksCache,
}

impl std::fmt::Debug for GoogleProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleProvider")
            .field("desktop_client_id", &self.desktop_client_id)
            .field("web_client_id", &self.web_client_id)
            .field("mobile_client_id", &self.mobile_client_id)
            .field("issuers", &self.issuers)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl GoogleProvider {
    /// Validates `cfg` and builds the provider on the shared `client`; `clock` decides
    /// token expiry and when the key cache may refetch.
    ///
    /// # Errors
    /// A message naming the bad `identity.google.*` key.
    pub fn new(
        cfg: &GoogleConfig,
        client: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        validate(cfg)?;
        let timeout = Duration::from_secs(cfg.timeout_secs);
        Ok(Self {
            jwks: JwksCache::new(
                client.clone(),
                cfg.jwks_url.trim().to_owned(),
                timeout,
                Arc::clone(&clock),
            ),
            client,
            desktop_client_id: cfg.desktop_client_id.trim().to_owned(),
            desktop_client_secret: non_empty(cfg.desktop_client_secret.as_ref()),
            web_client_id: cfg.web_client_id.trim().to_owned(),
            web_client_secret: non_empty(cfg.web_client_secret.as_ref()),
            mobile_client_id: cfg.effective_mobile_client_id().trim().to_owned(),
            issuers: cfg
                .issuers
                .iter()
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect(),
            token_url: cfg.token_url.trim().to_owned(),
            timeout,
            clock,
        })
    }

    /// The client id ID tokens of `client` must be issued to.
    fn audience(&self, client: ClientType) -> Result<&str, IdentityError> {
        let id = match client {
            ClientType::Desktop => &self.desktop_client_id,
            ClientType::Web => &self.web_client_id,
            ClientType::Mobile => &self.mobile_client_id,
        };
        if id.is_empty() {
            return Err(IdentityError::Unsupported(format!(
                "google sign-in is not configured for {client} clients"
            )));
        }
        Ok(id)
    }

    /// Client id, secret and default redirect URI of the code flow for `client`.
    fn code_client(
        &self,
        client: ClientType,
    ) -> Result<(&str, &SecretString, &'static str), IdentityError> {
        let (id, secret, redirect) = match client {
            ClientType::Desktop => (
                &self.desktop_client_id,
                &self.desktop_client_secret,
                DESKTOP_REDIRECT,
            ),
            ClientType::Web => (&self.web_client_id, &self.web_client_secret, WEB_REDIRECT),
            ClientType::Mobile => {
                return Err(IdentityError::Unsupported(
                    "google + mobile does not support the authorization code flow".to_owned(),
                ))
            }
        };
        match secret {
            Some(secret) if !id.is_empty() => Ok((id, secret, redirect)),
            _ => Err(IdentityError::Unsupported(format!(
                "the google code flow is not configured for {client} clients"
            ))),
        }
    }

    /// Verifies an ID token issued to `client`'s audience.
    async fn verify_id_token(
        &self,
        client: ClientType,
        token: &str,
    ) -> Result<ExternalIdentity, IdentityError> {
        let audience = self.audience(client)?;
        let token = token.trim();
        if token.is_empty() || token.len() > MAX_INPUT_LEN {
            return Err(invalid("not a google ID token"));
        }
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| invalid("not a google ID token"))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid("google ID token is not signed with RS256"));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("google ID token names no signing key"))?;
        let key = self.jwks.key(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&self.issuers);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        // Time is checked below against the injected clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<IdTokenClaims>(token, &key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::InvalidSignature => invalid("bad google ID token signature"),
                    ErrorKind::InvalidAudience => {
                        invalid("google ID token was issued to another client")
                    }
                    ErrorKind::InvalidIssuer => invalid("google ID token has a foreign issuer"),
                    _ => IdentityError::Invalid(format!("bad google ID token: {e}")),
                }
            })?
            .claims;

        let now = self.clock.now().unix_timestamp();
        if claims.exp.saturating_add(LEEWAY_SECS) < now {
            return Err(invalid("google ID token has expired"));
        }
        let iat = claims
            .iat
            .ok_or_else(|| invalid("google ID token has no issue time"))?;
        if iat > now.saturating_add(LEEWAY_SECS) || iat > claims.exp {
            return Err(invalid("google ID token has an impossible issue time"));
        }
        if claims.sub.trim().is_empty() {
            return Err(invalid("google ID token has no subject"));
        }
        let email = claims
            .email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .ok_or(IdentityError::NoEmail)?;
        let email_verified = match claims.email_verified {
            Some(serde_json::Value::Bool(b)) => b,
            Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        Ok(ExternalIdentity {
            provider: "google".to_owned(),
            subject: claims.sub,
            email,
            email_verified,
            name: claims.name.filter(|n| !n.trim().is_empty()),
        })
    }
}

#[async_trait]
impl IdentityProvider for GoogleProvider {
    fn name(&self) -> &'static str {
        "google"
    }

    async fn verify_token(
        &self,
        client: ClientType,
        token: &str,
    ) -> Result<ExternalIdentity, IdentityError> {
        self.verify_id_token(client, token).await
    }

    async fn exchange_code(
        &self,
        client: ClientType,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<ExternalIdentity, IdentityError> {
        let (client_id, secret, default_redirect) = self.code_client(client)?;
        let code = code.trim();
        if code.is_empty() || code.len() > MAX_INPUT_LEN {
            return Err(invalid("the authorization code must not be empty"));
        }
        let redirect_uri = redirect_uri
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(default_redirect);
        let form = [
            ("code", code),
            ("client_id", client_id),
            ("client_secret", secret.expose_secret()),
            ("redirect_uri", redirect_uri),
            ("grant_type", "authorization_code"),
        ];
        let request = self.client.post(&self.token_url).form(&form);
        let answer = http::send(request, self.timeout, "google token endpoint").await?;
        let body = answer.json();
        if !answer.status.is_success() {
            let error = body["error"].as_str().unwrap_or_default();
            let detail = short(&format!(
                "{} {}",
                error,
                body["error_description"].as_str().unwrap_or_default()
            ));
            return Err(if answer.is_transient() {
                IdentityError::Unavailable(format!(
                    "google token endpoint answered {}",
                    answer.status
                ))
            } else if matches!(error, "invalid_client" | "unauthorized_client")
                || (error.is_empty() && answer.status == reqwest::StatusCode::UNAUTHORIZED)
            {
                IdentityError::Misconfigured(format!(
                    "google rejected the {client} client credentials: {}",
                    detail.trim()
                ))
            } else {
                IdentityError::Invalid(format!(
                    "google refused the authorization code: {}",
                    detail.trim()
                ))
            });
        }
        let id_token = body["id_token"].as_str().ok_or_else(|| {
            invalid("google returned no id_token (was the openid scope granted?)")
        })?;
        self.verify_id_token(client, id_token).await
    }
}

/// Checks the `[identity.google]` section of an enabled provider.
fn validate(cfg: &GoogleConfig) -> Result<(), String> {
    if cfg.web_client_id.trim().is_empty() {
        return Err(
            "identity.google.web_client_id is required when identity.google.enabled = true"
                .to_owned(),
        );
    }
    if cfg.desktop_client_id.trim().is_empty()
        && non_empty(cfg.desktop_client_secret.as_ref()).is_some()
    {
        return Err(
            "identity.google.desktop_client_id is required when identity.google.desktop_client_secret is set"
                .to_owned(),
        );
    }
    if cfg.issuers.iter().all(|i| i.trim().is_empty()) {
        return Err("identity.google.issuers must name at least one issuer".to_owned());
    }
    check_url("identity.google.jwks_url", &cfg.jwks_url)?;
    check_url("identity.google.token_url", &cfg.token_url)?;
    if cfg.timeout_secs == 0 {
        return Err("identity.google.timeout_secs must be greater than 0".to_owned());
    }
    Ok(())
}

/// The secret, unless absent or blank.
pub(crate) fn non_empty(secret: Option<&SecretString>) -> Option<SecretString> {
    secret
        .filter(|s| !s.expose_secret().trim().is_empty())
        .cloned()
}

/// Shorthand for [`IdentityError::Invalid`].
fn invalid(message: &str) -> IdentityError {
    IdentityError::Invalid(message.to_owned())
}
