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
