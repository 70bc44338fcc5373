//! Outgoing mail and SMS, written in the same transaction as the change that caused them.

use time::OffsetDateTime;
use uuid::Uuid;

/// Delivery channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxChannel {
    /// E-mail.
    Mail,
    /// Text message.
    Sms,
}

impl OutboxChannel {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::Sms => "sms",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "mail" => Some(Self::Mail),
            "sms" => Some(Self::Sms),
            _ => None,
        }
    }
}

/// A message waiting for (or past) delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Row id.
    pub id: Uuid,
    /// Mail or SMS.
    pub channel: OutboxChannel,
    /// E-mail address or phone number.
    pub recipient: String,
    /// Mail subject (empty for SMS).
    pub subject: String,
    /// Plain-text body (the SMS text).
    pub body_text: String,
    /// Optional HTML body.
    pub body_html: Option<String>,
    /// Template parameters for SMS providers that want them (JSON).
    pub params: serde_json::Value,
    /// Enqueue time.
    pub created_at: OffsetDateTime,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Earliest time of the next attempt.
    pub next_attempt_at: OffsetDateTime,
    /// Delivered at.
    pub sent_at: Option<OffsetDateTime>,
    /// Last delivery error.
    pub last_error: Option<String>,
    /// Given up after too many attempts.
    pub dead: bool,
}

impl OutboxMessage {
    /// A new message due now.
    pub fn new(
        channel: OutboxChannel,
        recipient: impl Into<String>,
        subject: impl Into<String>,
        body_text: impl Into<String>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            channel,
            recipient: recipient.into(),
            subject: subject.into(),
            body_text: body_text.into(),
            body_html: None,
            params: serde_json::Value::Null,
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
            dead: false,
        }
    }
}
