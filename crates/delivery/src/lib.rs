//! Mail (SMTP, file, log) and SMS (log, HTTP gateway) transports for the outbox.
//!
//! The core defines the [`MailTransport`](tessera_core::ports::MailTransport) and
//! [`SmsTransport`](tessera_core::ports::SmsTransport) ports; this crate implements them and
//! picks one of each from config, once, at start-up ([`build_mailer`], [`build_sms`]).
//! Config errors name the offending key so `tessera config check` can point at it.

pub mod config;
pub mod mail;
pub mod sms;
mod template;

use std::path::Path;
use std::sync::Arc;

use lettre::message::Mailbox;
use tessera_core::ports::{SharedMail, SharedSms};

pub use config::{
    HttpSmsConfig, HttpSmsMethod, MailConfig, MailTransportKind, SmsConfig, SmsTransportKind,
    SmtpConfig, SmtpSecurity,
};
pub use mail::{FileMailer, LogMailer, SmtpMailer};
pub use sms::{HttpSms, LogSms};

/// Validates `cfg` and builds the mail transport it names. `data_dir` is the server's data
/// directory: the file transport writes under `<data_dir>/mail` unless `mail.file_dir` is set.
///
/// # Errors
/// A message naming the bad key, e.g. `mail.smtp.host is required when mail.transport = smtp`.
pub fn build_mailer(cfg: &MailConfig, data_dir: &Path) -> Result<SharedMail, String> {
    let from: Mailbox = cfg
        .from
        .parse()
        .map_err(|e| format!("mail.from `{}` is not a valid mailbox: {e}", cfg.from))?;
    match cfg.transport {
        MailTransportKind::Smtp => {
            validate_smtp(&cfg.smtp)?;
            Ok(Arc::new(SmtpMailer::new(&cfg.smtp, from)?))
        }
        MailTransportKind::File => {
            let dir = cfg
                .file_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("mail"));
            Ok(Arc::new(FileMailer::new(&dir, from)?))
        }
        MailTransportKind::Log => {
            tracing::warn!(
                "mail.transport = log: mail bodies (codes included) are written to the log"
            );
            Ok(Arc::new(LogMailer::new(from)))
        }
    }
}

/// Checks the `[mail.smtp]` section for the SMTP transport.
fn validate_smtp(smtp: &SmtpConfig) -> Result<(), String> {
    if smtp.host.trim().is_empty() {
        return Err("mail.smtp.host is required when mail.transport = smtp".to_owned());
    }
    if smtp.port == Some(0) {
        return Err("mail.smtp.port must be between 1 and 65535".to_owned());
    }
    if smtp.timeout_secs == 0 {
        return Err("mail.smtp.timeout_secs must be greater than 0".to_owned());
    }
    if smtp.security == SmtpSecurity::Plain && smtp.username.is_some() {
        tracing::warn!("mail.smtp.security = plain with credentials: the SMTP password crosses the network unencrypted");
    }
    match (&smtp.username, &smtp.password) {
        (Some(_), None) => {
            Err("mail.smtp.password is required when mail.smtp.username is set".to_owned())
        }
        (None, Some(_)) => {
            Err("mail.smtp.username is required when mail.smtp.password is set".to_owned())
        }
        _ => Ok(()),
    }
}

/// Validates `cfg` and builds the SMS transport it names.
///
/// # Errors
/// A message naming the bad key, e.g. `sms.http.url is required when sms.transport = http`.
pub fn build_sms(cfg: &SmsConfig) -> Result<SharedSms, String> {
    match cfg.transport {
        SmsTransportKind::Http => Ok(Arc::new(HttpSms::new(&cfg.http)?)),
        SmsTransportKind::Log => {
            tracing::warn!(
                "sms.transport = log: message texts (codes included) are written to the log"
            );
            Ok(Arc::new(LogSms))
        }
    }
}
