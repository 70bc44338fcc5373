//! Configuration of the mail and SMS transports, as read from the `[mail]` and `[sms]`
//! sections of the server config. Every type rejects unknown keys so that a typo is an error
//! at start-up instead of a silently ignored setting; every field has a default so that an
//! empty config gives a working development setup (mail to files, SMS to the log).

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// Which mail transport to use (`mail.transport`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// Write each mail as an `.eml` file (the development default: nothing leaves the host).
    #[default]
    File,
    /// Deliver through an SMTP relay (production).
    Smtp,
    /// Log the mail, body included (development only).
    Log,
}

impl MailTransportKind {
    /// The config spelling, for error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Smtp => "smtp",
            Self::Log => "log",
        }
    }
}

/// The `[mail]` section: how the outbox dispatcher sends e-mail.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `file`, `smtp` or `log`.
    pub transport: MailTransportKind,
    /// The `From:` mailbox, e.g. `Tessera <no-reply@example.com>`.
    pub from: String,
    /// Directory for the file transport; `None` means `<data dir>/mail`.
    pub file_dir: Option<PathBuf>,
    /// SMTP relay settings, used when `transport = "smtp"`.
    pub smtp: SmtpConfig,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransportKind::default(),
            from: "Tessera <no-reply@localhost>".to_owned(),
            file_dir: None,
            smtp: SmtpConfig::default(),
        }
    }
}

/// How the SMTP connection is secured (`mail.smtp.security`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Implicit TLS from the first byte (SMTPS, port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which is required (submission, port 587).
    #[default]
    Starttls,
    /// No encryption at all: only for a relay on the same host or a test sink.
    Plain,
}

impl SmtpSecurity {
    /// The conventional port for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Tls => 465,
            Self::Starttls => 587,
            Self::Plain => 25,
        }
    }
}

/// The `[mail.smtp]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Relay host name (required for the SMTP transport).
    pub host: String,
    /// Relay port; `None` means the default for `security` (465, 587 or 25).
    pub port: Option<u16>,
    /// `tls`, `starttls` or `plain`.
    pub security: SmtpSecurity,
    /// User name for SMTP AUTH; no authentication when absent.
    pub username: Option<String>,
    /// Password for SMTP AUTH (a secret: its `Debug` is redacted).
    pub password: Option<SecretString>,
    /// Limit for connecting and for each SMTP command, in seconds.
    pub timeout_secs: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: None,
            security: SmtpSecurity::default(),
            username: None,
            password: None,
            timeout_secs: 10,
        }
    }
}

impl SmtpConfig {
    /// The port to connect to: the configured one or the default for the security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.security.default_port())
    }
}

/// Which SMS transport to use (`sms.transport`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsTransportKind {
    /// Log the text, codes included (the development default).
    #[default]
    Log,
    /// POST (or PUT/GET) a JSON body to an SMS gateway.
    Http,
}

/// The `[sms]` section: how the outbox dispatcher sends text messages.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsConfig {
    /// `log` or `http`.
    pub transport: SmsTransportKind,
    /// Gateway settings, used when `transport = "http"`.
    pub http: HttpSmsConfig,
}

/// HTTP method used to call the SMS gateway (`sms.http.method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpSmsMethod {
    /// Send the rendered template as the JSON body.
    #[default]
    Post,
    /// Send the rendered template as the JSON body.
    Put,
    /// Send the top-level fields of the rendered template as query parameters (in key order).
    Get,
}

/// The `[sms.http]` section: a generic JSON-over-HTTP SMS gateway.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSmsConfig {
    /// Gateway endpoint (required for the HTTP transport), `http://` or `https://`.
    pub url: String,
    /// `POST` (default), `PUT` or `GET`.
    pub method: HttpSmsMethod,
    /// Name of the header carrying the credential, e.g. `Authorization`.
    pub auth_header: Option<String>,
    /// Value of that header, e.g. `Bearer ...` (a secret: its `Debug` is redacted).
    pub auth_value: Option<SecretString>,
    /// JSON body with `{{to}}`, `{{text}}` and `{{param.NAME}}` placeholders; substituted
    /// values are JSON-string-escaped, so placeholders belong inside quotes.
    pub body_template: String,
    /// Limit for the whole request, in seconds.
    pub timeout_secs: u64,
}

impl Default for HttpSmsConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            method: HttpSmsMethod::default(),
            auth_header: None,
            auth_value: None,
            body_template: r#"{"to":"{{to}}","text":"{{text}}"}"#.to_owned(),
            timeout_secs: 10,
        }
    }
}
