//! Delivery ports: how the outbox dispatcher hands a message to the outside world.
//! Adapters (SMTP, file, log, HTTP SMS gateway) live in `tessera-delivery`.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::OutboxMessage;

/// Why a delivery failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// Human-readable cause, for logs and the outbox row.
    pub message: String,
    /// True when a retry cannot succeed (bad address, rejected by the provider).
    pub permanent: bool,
}

impl DeliveryError {
    /// A failure worth retrying (network, 5xx, timeouts).
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure no retry will fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Sends one e-mail (`recipient`, `subject`, `body_text`, optional `body_html`).
#[async_trait]
pub trait MailTransport: Send + Sync {
    /// Delivers the message or says why not.
    async fn send_mail(&self, message: &OutboxMessage) -> Result<(), DeliveryError>;
}

/// Sends one text message (`recipient`, `body_text`, template `params`).
#[async_trait]
pub trait SmsTransport: Send + Sync {
    /// Delivers the message or says why not.
    async fn send_sms(&self, message: &OutboxMessage) -> Result<(), DeliveryError>;
}

/// Shared mail transport.
pub type SharedMail = Arc<dyn MailTransport>;
/// Shared SMS transport.
pub type SharedSms = Arc<dyn SmsTransport>;

// ---------------------------------------------------------------------------------------
// Identity ports: how the core asks an external identity provider (Google, Facebook) who
// a social token or authorization code belongs to. Adapters live in `tessera-identity`.

/// The kind of client that obtained a social token or code; it picks the provider-side
/// client id (and, for the code flow, the secret and the default redirect URI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// An installed application (the original's `googleClientId`).
    Desktop,
    /// A browser application (the original's `googleWebClientId`).
    Web,
    /// A mobile application; it only uses the token flow.
    Mobile,
}

impl ClientType {
    /// Parses the path segment `desktop`, `web` or `mobile` (exact, lower case).
    ///
    /// # Errors
    /// [`IdentityError::Unsupported`] with `unsupported client type: <s>`.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        match s {
            "desktop" => Ok(Self::Desktop),
            "web" => Ok(Self::Web),
            "mobile" => Ok(Self::Mobile),
            other => Err(IdentityError::Unsupported(format!(
                "unsupported client type: {other}"
            ))),
        }
    }

    /// The path spelling: `desktop`, `web` or `mobile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Web => "web",
            Self::Mobile => "mobile",
        }
    }
}

impl std::str::FromStr for ClientType {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl std::fmt::Display for ClientType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who an external provider says the token's holder is. Only built from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// The provider's name: `google` or `facebook`.
    pub provider: String,
    /// The provider's stable user id (Google `sub`, Facebook `id`).
    pub subject: String,
    /// The e-mail address the provider gave.
    pub email: String,
    /// Whether the provider vouches for the address (Google `email_verified`; Facebook only
    /// returns confirmed addresses, so always true there).
    pub email_verified: bool,
    /// Display name, when the provider gave one.
    pub name: Option<String>,
}

/// Why a social token or code could not be turned into an [`ExternalIdentity`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Bad, expired or foreign token or code (wrong signature, audience or issuer). The
    /// client's fault: do not retry with the same input.
    #[error("invalid token or code: {0}")]
    Invalid(String),
    /// The token is valid but carries no e-mail (the client asked for the wrong scope).
    #[error("the provider returned no e-mail address")]
    NoEmail,
    /// The provider did not answer, or answered with a server error: worth retrying.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// A combination this server does not support (mobile + code flow, unknown client type).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The server's own configuration is wrong (e.g. the provider rejects our client secret).
    #[error("identity provider misconfigured: {0}")]
    Misconfigured(String),
}

/// Verifies social tokens and exchanges authorization codes with one external provider.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The provider's name as used in paths and on users: `google` or `facebook`.
    fn name(&self) -> &'static str;

    /// Verifies a token the client obtained itself (Google: ID token; Facebook: access
    /// token) and returns whom it identifies.
    async fn verify_token(
        &self,
        client: ClientType,
        token: &str,
    ) -> Result<ExternalIdentity, IdentityError>;

    /// Exchanges an authorization code (with the redirect URI the client used, or the
    /// client type's default) and returns whom it identifies.
    async fn exchange_code(
        &self,
        client: ClientType,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<ExternalIdentity, IdentityError>;
}

/// Shared identity provider.
pub type SharedIdentityProvider = Arc<dyn IdentityProvider>;

/// Why a blob store or image operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MediaError {
    /// The bytes are not an image of a supported format (or are corrupt or too large to
    /// decode safely).
    #[error("not a supported image: {0}")]
    NotAnImage(String),
    /// Storage failed (I/O); the text is for logs only.
    #[error("blob storage failed: {0}")]
    Storage(String),
}

/// Where uploaded bytes live, by a key the server generated. Local directory today; an
/// object store can implement the same trait.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores bytes under a new key (written completely or not at all).
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError>;
    /// The bytes under a key; None when absent.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, MediaError>;
    /// Removes a key; absent keys are not an error.
    async fn delete(&self, key: &str) -> Result<(), MediaError>;
}

/// Shared blob store.
pub type SharedBlobStore = Arc<dyn BlobStore>;

/// Turns an uploaded picture into a safe avatar: decoded by its content (never its name
/// or declared type), bounded in size, re-encoded so no metadata or trailing payload
/// survives.
#[async_trait]
pub trait AvatarProcessor: Send + Sync {
    /// PNG bytes of the re-encoded image, scaled down to at most `max_side` pixels.
    async fn process_avatar(&self, bytes: Vec<u8>, max_side: u32) -> Result<Vec<u8>, MediaError>;
}

/// Shared avatar processor.
pub type SharedAvatarProcessor = Arc<dyn AvatarProcessor>;

/// A blob store in memory, for unit tests.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
}

impl MemoryBlobStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Vec<u8>>> {
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Number of stored blobs (tests check nothing is left behind).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), MediaError> {
        self.lock().insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, MediaError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn delete(&self, key: &str) -> Result<(), MediaError> {
        self.lock().remove(key);
        Ok(())
    }
}

/// An avatar processor that refuses everything: the default until the server wires the
/// real one, so a misconfigured build can never store an unchecked image.
#[derive(Debug, Default, Clone, Copy)]
pub struct RefuseAvatars;

#[async_trait]
impl AvatarProcessor for RefuseAvatars {
    async fn process_avatar(&self, _bytes: Vec<u8>, _max_side: u32) -> Result<Vec<u8>, MediaError> {
        Err(MediaError::NotAnImage(
            "no avatar processor configured".into(),
        ))
    }
}
