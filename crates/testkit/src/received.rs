//! `ReceivedMail`: one mail accepted by the SMTP sink, with its envelope and the decoded
//! subject and bodies (parsed with `mail-parser`, so quoted-printable and base64 parts come
//! out as plain text a test can search for a code).

use mail_parser::{MessageParser, PartType};

/// One mail the sink accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// Envelope sender (`MAIL FROM`), without angle brackets; empty for a null sender.
    pub from: String,
    /// Envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The message as received, after dot-unstuffing, lines joined with CRLF.
    pub raw: String,
    /// Decoded `Subject:` header; empty when absent.
    pub subject: String,
    /// Decoded body of the first `text/plain` part; empty when there is none.
    pub text_body: String,
    /// Decoded body of the first `text/html` part, if any.
    pub html_body: Option<String>,
    /// User name given with AUTH on this connection, if the client authenticated.
    pub auth_user: Option<String>,
}

impl ReceivedMail {
    /// Parses the raw message into a `ReceivedMail` with the given envelope.
    pub(crate) fn parse(
        from: String,
        to: Vec<String>,
        raw: String,
        auth_user: Option<String>,
    ) -> Self {
        let mut subject = String::new();
        let mut text_body = None;
        let mut html_body = None;
        if let Some(message) = MessageParser::default().parse(raw.as_bytes()) {
            subject = message.subject().unwrap_or_default().to_owned();
            for part in &message.parts {
                match &part.body {
                    PartType::Text(text) if text_body.is_none() && is_plain(part) => {
                        text_body = Some(text.to_string());
                    }
                    PartType::Html(html) if html_body.is_none() => {
                        html_body = Some(html.to_string())
                    }
                    _ => {}
                }
            }
        }
        Self {
            from,
            to,
            raw,
            subject,
            text_body: text_body.unwrap_or_default(),
            html_body,
            auth_user,
        }
    }
}

/// Whether a text part is `text/plain` (or has no content type, which defaults to it).
fn is_plain(part: &mail_parser::MessagePart<'_>) -> bool {
    use mail_parser::MimeHeaders as _;
    part.content_type().is_none_or(|ct| {
        ct.ctype().eq_ignore_ascii_case("text")
            && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multipart_and_decodes_bodies() {
        let raw = "Subject: =?utf-8?q?Caf=C3=A9?=\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
            --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            code=3D 123456\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
            PGI+MTIzNDU2PC9iPg==\r\n--b--\r\n";
        let mail = ReceivedMail::parse("f@x".into(), vec!["t@x".into()], raw.into(), None);
        assert_eq!(mail.subject, "Café");
        assert_eq!(mail.text_body.trim_end(), "code= 123456");
        assert_eq!(mail.html_body.as_deref(), Some("<b>123456</b>"));
    }
}
