//! Mail transports: SMTP (production), `.eml` files (development default) and the log.
//! Each turns an [`OutboxMessage`] into a MIME message (multipart text + HTML when the
//! message has an HTML body) and says whether a failure is worth retrying.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use tessera_core::domain::OutboxMessage;
use tessera_core::ports::{DeliveryError, MailTransport};

use crate::config::{SmtpConfig, SmtpSecurity};

/// Builds the MIME message for `message`, sent from `from`. A recipient that is not a valid
/// address is a permanent failure: no retry will make it valid.
fn build_message(from: &Mailbox, message: &OutboxMessage) -> Result<Message, DeliveryError> {
    let to: Mailbox = message
        .recipient
        .parse()
        .map_err(|e| DeliveryError::permanent(format!("invalid recipient address: {e}")))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone());
    let built = match &message.body_html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(message.body_text.clone()),
        ),
    };
    built.map_err(|e| DeliveryError::permanent(format!("cannot build the mail: {e}")))
}

/// Sends mail through an SMTP relay with lettre's async transport (one connection per
/// message; the outbox dispatcher sends few enough mails that pooling is not worth its
/// stale-connection failures).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Builds the transport from validated config. Fails only when the TLS setup for `host`
    /// cannot be built.
    ///
    /// # Errors
    /// A message naming `mail.smtp.host` when TLS cannot be set up for it.
    pub fn new(cfg: &SmtpConfig, from: Mailbox) -> Result<Self, String> {
        let builder = match cfg.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host),
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
            }
            SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &cfg.host,
            )),
        }
        .map_err(|e| format!("mail.smtp.host: cannot set up TLS for `{}`: {e}", cfg.host))?;
        let mut builder = builder
            .port(cfg.effective_port())
            .timeout(Some(Duration::from_secs(cfg.timeout_secs)));
        if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

/// Sorts an SMTP failure into permanent (5xx answers: the server refused this message) and
/// transient (everything else: network, timeouts, 4xx). Authentication refusals (530, 534,
/// 535) are 5xx but are a problem of our config, not of the message, so they stay transient:
/// the message should go out once the credentials are fixed.
fn classify_smtp_error(error: &lettre::transport::smtp::Error) -> DeliveryError {
    let message = format!("SMTP delivery failed: {error}");
    let auth_refused = error
        .status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535"));
    if error.is_permanent() && !auth_refused {
        DeliveryError::permanent(message)
    } else {
        DeliveryError::transient(message)
    }
}

#[async_trait]
impl MailTransport for SmtpMailer {
    async fn send_mail(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        let mail = build_message(&self.from, message)?;
        self.transport
            .send(mail)
            .await
            .map_err(|e| classify_smtp_error(&e))?;
        tracing::debug!(outbox_id = %message.id, "mail handed to the SMTP relay");
        Ok(())
    }
}

/// Writes each mail as `<id>.eml` under a directory, for development: open the file to see
/// the mail (and the code in it) without any mail server.
pub struct FileMailer {
    transport: AsyncFileTransport<Tokio1Executor>,
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// Creates `dir` if needed.
    ///
    /// # Errors
    /// A message naming `mail.file_dir` when the directory cannot be created.
    pub fn new(dir: &Path, from: Mailbox) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("mail.file_dir: cannot create `{}`: {e}", dir.display()))?;
        Ok(Self {
            transport: AsyncFileTransport::new(dir),
            dir: dir.to_owned(),
            from,
        })
    }

    /// Where the mails are written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl MailTransport for FileMailer {
    async fn send_mail(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        let mail = build_message(&self.from, message)?;
        let id =
            self.transport.send(mail).await.map_err(|e| {
                DeliveryError::transient(format!("cannot write the mail file: {e}"))
            })?;
        let path = self.dir.join(format!("{id}.eml"));
        tracing::info!(outbox_id = %message.id, to = %message.recipient, path = %path.display(), "mail written to file");
        Ok(())
    }
}

/// Logs each mail at `info` level instead of sending it. **Development only: it logs the
/// whole body, one-time codes and reset links included.**
pub struct LogMailer {
    from: Mailbox,
}

impl LogMailer {
    /// A logger that reports `from` as the sender.
    pub fn new(from: Mailbox) -> Self {
        Self { from }
    }
}

#[async_trait]
impl MailTransport for LogMailer {
    async fn send_mail(&self, message: &OutboxMessage) -> Result<(), DeliveryError> {
        tracing::info!(
            outbox_id = %message.id,
            from = %self.from,
            to = %message.recipient,
            subject = %message.subject,
            body = %message.body_text,
            has_html = message.body_html.is_some(),
            "mail (log transport, not sent)"
        );
        Ok(())
    }
}
