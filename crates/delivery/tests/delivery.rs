//! Black-box tests of the delivery adapters against the testkit's real SMTP sink and fake SMS
//! gateway: what goes over the wire, how failures are classified, and how config errors read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tessera_core::domain::{OutboxChannel, OutboxMessage};
use tessera_core::ports::{SharedMail, SharedSms};
use tessera_delivery::{build_mailer, build_sms, MailConfig, SmsConfig};
use tessera_testkit::{FakeSmsGateway, SmtpSink};
use time::OffsetDateTime;

const WAIT: Duration = Duration::from_secs(5);

fn mail(to: &str, html: bool) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Mail,
        to,
        "Your code",
        "Your code is 123456.\nIt expires in 10 minutes. Café ✓",
        OffsetDateTime::now_utc(),
    );
    if html {
        m.body_html = Some("<p>Your code is <b>123456</b>.</p>".to_owned());
    }
    m
}

fn sms(text: &str, params: serde_json::Value) -> OutboxMessage {
    let mut m = OutboxMessage::new(
        OutboxChannel::Sms,
        "+15550001111",
        "",
        text,
        OffsetDateTime::now_utc(),
    );
    m.params = params;
    m
}

fn mail_config(value: serde_json::Value) -> MailConfig {
    serde_json::from_value(value).unwrap()
}

fn sms_config(value: serde_json::Value) -> SmsConfig {
    serde_json::from_value(value).unwrap()
}

fn smtp_mailer(port: u16, extra: serde_json::Value) -> SharedMail {
    let mut smtp =
        json!({"host": "127.0.0.1", "port": port, "security": "plain", "timeout_secs": 5});
    if let (Some(smtp), Some(extra)) = (smtp.as_object_mut(), extra.as_object()) {
        smtp.extend(extra.clone());
    }
    let cfg = mail_config(
        json!({"transport": "smtp", "from": "Tessera <no-reply@tessera.test>", "smtp": smtp}),
    );
    build_mailer(&cfg, Path::new("/nonexistent")).unwrap()
}

fn http_sms(url: &str, extra: serde_json::Value) -> SharedSms {
    let mut http = json!({"url": url, "timeout_secs": 5});
    if let (Some(http), Some(extra)) = (http.as_object_mut(), extra.as_object()) {
        http.extend(extra.clone());
    }
    build_sms(&sms_config(json!({"transport": "http", "http": http}))).unwrap()
}

/// `build_*` returns `Arc<dyn ..>`, which is not `Debug`: pull out the error text.
fn mail_err(cfg: serde_json::Value) -> String {
    match build_mailer(&mail_config(cfg), Path::new("/nonexistent")) {
        Ok(_) => panic!("config accepted"),
        Err(e) => e,
    }
}

fn sms_err(cfg: serde_json::Value) -> String {
    match build_sms(&sms_config(cfg)) {
        Ok(_) => panic!("config accepted"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn smtp_plain_delivers_multipart_with_auth() {
    let sink = SmtpSink::start();
    let mailer = smtp_mailer(
        sink.port(),
        json!({"username": "relay-user", "password": "relay-pass"}),
    );
    mailer
        .send_mail(&mail("alice@example.com", true))
        .await
        .unwrap();

    let got = sink
        .wait_for_mail("alice@example.com", WAIT)
        .await
        .expect("mail delivered");
    assert_eq!(got.to, ["alice@example.com"]);
    assert_eq!(got.from, "no-reply@tessera.test");
    assert_eq!(got.subject, "Your code");
    assert!(
        got.text_body.contains("Your code is 123456."),
        "{}",
        got.text_body
    );
    assert!(
        got.text_body.contains("Café ✓"),
        "decoded text: {}",
        got.text_body
    );
    assert!(got.html_body.as_deref().unwrap().contains("<b>123456</b>"));
    assert!(got.raw.contains("multipart/alternative"));
    assert_eq!(got.auth_user.as_deref(), Some("relay-user"));
}

#[tokio::test]
async fn smtp_text_only_without_auth() {
    let sink = SmtpSink::start();
    let mailer = smtp_mailer(sink.port(), json!({}));
    mailer
        .send_mail(&mail("bob@example.com", false))
        .await
        .unwrap();
    let got = sink
        .wait_for_mail("bob@example.com", WAIT)
        .await
        .expect("mail delivered");
    assert!(got.text_body.contains("123456"));
    assert_eq!(got.html_body, None);
    assert!(!got.raw.contains("multipart"));
    assert_eq!(got.auth_user, None);
}

#[tokio::test]
async fn smtp_550_is_permanent() {
    let sink = SmtpSink::start();
    sink.set_reject(true);
    let err = smtp_mailer(sink.port(), json!({}))
        .send_mail(&mail("carol@example.com", true))
        .await
        .unwrap_err();
    assert!(err.permanent, "{err:?}");
    assert!(err.message.contains("550"), "{}", err.message);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn smtp_connection_refused_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = smtp_mailer(port, json!({}))
        .send_mail(&mail("dan@example.com", false))
        .await
        .unwrap_err();
    assert!(!err.permanent, "{err:?}");
}

#[tokio::test]
async fn smtp_bad_recipient_is_permanent() {
    let sink = SmtpSink::start();
    let err = smtp_mailer(sink.port(), json!({}))
        .send_mail(&mail("not an address", false))
        .await
        .unwrap_err();
    assert!(err.permanent, "{err:?}");
    assert!(err.message.contains("recipient"), "{}", err.message);
}

#[tokio::test]
async fn file_mailer_writes_a_readable_eml_under_the_data_dir() {
    let data = tempfile::tempdir().unwrap();
    let mailer = build_mailer(&MailConfig::default(), data.path()).unwrap();
    mailer
        .send_mail(&mail("erin@example.com", true))
        .await
        .unwrap();

    let files: Vec<_> = std::fs::read_dir(data.path().join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert!(raw.contains("To: erin@example.com"), "{raw}");
    assert!(raw.contains("Subject: Your code"), "{raw}");
    assert!(raw.contains("From: Tessera <no-reply@localhost>"), "{raw}");
    assert!(raw.contains("text/html"), "{raw}");
}

#[tokio::test]
async fn file_mailer_honours_file_dir() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("outbox/mails");
    let cfg = mail_config(json!({"transport": "file", "file_dir": target}));
    build_mailer(&cfg, Path::new("/nonexistent"))
        .unwrap()
        .send_mail(&mail("f@example.com", false))
        .await
        .unwrap();
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);
}

#[tokio::test]
async fn log_transports_accept_everything() {
    let mailer = build_mailer(
        &mail_config(json!({"transport": "log"})),
        Path::new("/nonexistent"),
    )
    .unwrap();
    mailer
        .send_mail(&mail("g@example.com", true))
        .await
        .unwrap();
    let sms_sender = build_sms(&SmsConfig::default()).unwrap();
    sms_sender
        .send_sms(&sms("code 1", json!(null)))
        .await
        .unwrap();
}

#[tokio::test]
async fn http_sms_renders_template_with_escaping_and_sends_auth_header() {
    let gateway = FakeSmsGateway::start();
    let sender = http_sms(
        &format!("{}/v1/messages", gateway.url()),
        json!({
            "auth_header": "Authorization",
            "auth_value": "Bearer s3cret",
            "body_template": r#"{"to":"{{to}}","text":"{{text}}","template":"{{param.template}}","code":"{{param.code}}"}"#,
        }),
    );
    let text = "Your \"code\" is 123456\nDo not share it \\ {{to}}";
    sender
        .send_sms(&sms(text, json!({"template": "otp", "code": 123456})))
        .await
        .unwrap();

    let request = gateway
        .wait_for_request(WAIT)
        .await
        .expect("gateway called");
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.body,
        json!({"to": "+15550001111", "text": text, "template": "otp", "code": "123456"}),
        "raw body: {}",
        request.body_text
    );
}

#[tokio::test]
async fn http_sms_default_template_and_get_method() {
    let gateway = FakeSmsGateway::start();
    http_sms(&gateway.url(), json!({}))
        .send_sms(&sms("hi", json!(null)))
        .await
        .unwrap();
    let post = gateway.wait_for_request(WAIT).await.unwrap();
    assert_eq!(post.body, json!({"to": "+15550001111", "text": "hi"}));
    assert_eq!(post.header("authorization"), None);

    http_sms(&format!("{}/get", gateway.url()), json!({"method": "GET"}))
        .send_sms(&sms("a b&c", json!(null)))
        .await
        .unwrap();
    let get = gateway.wait_for_request(WAIT).await.unwrap();
    assert_eq!(get.method, "GET");
    // Query parameters come in key order.
    assert_eq!(get.query.as_deref(), Some("text=a+b%26c&to=%2B15550001111"));
}

#[tokio::test]
async fn http_sms_classifies_gateway_answers() {
    let gateway = FakeSmsGateway::start();
    let sender = http_sms(&gateway.url(), json!({}));
    let msg = sms("x", json!(null));

    gateway.fail_next(1, 500);
    let err = sender.send_sms(&msg).await.unwrap_err();
    assert!(!err.permanent, "500 must be transient: {err:?}");
    assert!(err.message.contains("500"), "{}", err.message);

    gateway.fail_next(1, 400);
    let err = sender.send_sms(&msg).await.unwrap_err();
    assert!(err.permanent, "400 must be permanent: {err:?}");

    gateway.fail_next(1, 429);
    assert!(
        !sender.send_sms(&msg).await.unwrap_err().permanent,
        "429 is worth retrying"
    );

    sender.send_sms(&msg).await.unwrap();
    assert_eq!(gateway.requests().len(), 4);
}

#[tokio::test]
async fn http_sms_network_failures_are_transient() {
    let port = {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = http_sms(&format!("http://127.0.0.1:{port}/"), json!({}))
        .send_sms(&sms("x", json!(null)))
        .await
        .unwrap_err();
    assert!(!err.permanent, "{err:?}");

    // A gateway that accepts the connection but never answers: the timeout applies.
    let silent = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let err = http_sms(&url, json!({"timeout_secs": 1}))
        .send_sms(&sms("x", json!(null)))
        .await
        .unwrap_err();
    assert!(!err.permanent, "{err:?}");
}

#[tokio::test]
async fn http_sms_missing_param_is_permanent() {
    let gateway = FakeSmsGateway::start();
    let sender = http_sms(
        &gateway.url(),
        json!({"body_template": r#"{"c":"{{param.code}}"}"#}),
    );
    let err = sender
        .send_sms(&sms("x", json!({"other": 1})))
        .await
        .unwrap_err();
    assert!(err.permanent, "{err:?}");
    assert!(err.message.contains("code"), "{}", err.message);
    assert!(gateway.requests().is_empty());
}

#[test]
fn mail_config_errors_name_the_key() {
    let cases = [
        (
            json!({"transport": "smtp"}),
            "mail.smtp.host is required when mail.transport = smtp",
        ),
        (
            json!({"transport": "smtp", "smtp": {"host": "h", "username": "u"}}),
            "mail.smtp.password",
        ),
        (
            json!({"transport": "smtp", "smtp": {"host": "h", "password": "p"}}),
            "mail.smtp.username",
        ),
        (
            json!({"transport": "smtp", "smtp": {"host": "h", "timeout_secs": 0}}),
            "mail.smtp.timeout_secs",
        ),
        (
            json!({"transport": "smtp", "smtp": {"host": "h", "port": 0}}),
            "mail.smtp.port",
        ),
        (json!({"from": "not a mailbox"}), "mail.from"),
    ];
    for (cfg, expected) in cases {
        let err = mail_err(cfg.clone());
        assert!(err.contains(expected), "{cfg}: {err}");
    }
}

#[test]
fn sms_config_errors_name_the_key() {
    let cases = [
        (
            json!({"transport": "http"}),
            "sms.http.url is required when sms.transport = http",
        ),
        (
            json!({"transport": "http", "http": {"url": "not a url"}}),
            "sms.http.url",
        ),
        (
            json!({"transport": "http", "http": {"url": "ftp://x/"}}),
            "sms.http.url",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "auth_header": "Authorization"}}),
            "sms.http.auth_value",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "auth_value": "k"}}),
            "sms.http.auth_header",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "auth_header": "bad header", "auth_value": "k"}}),
            "sms.http.auth_header",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "body_template": "{{nope}}"}}),
            "sms.http.body_template",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "body_template": "{\"a\":{{text}}}"}}),
            "sms.http.body_template",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "method": "GET", "body_template": "[\"{{to}}\"]"}}),
            "sms.http.body_template",
        ),
        (
            json!({"transport": "http", "http": {"url": "http://x/", "timeout_secs": 0}}),
            "sms.http.timeout_secs",
        ),
    ];
    for (cfg, expected) in cases {
        let err = sms_err(cfg.clone());
        assert!(err.contains(expected), "{cfg}: {err}");
    }
}

#[test]
fn config_rejects_unknown_keys_and_bad_values() {
    let unknown = serde_json::from_value::<MailConfig>(json!({"smtp": {"hots": "x"}}))
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("unknown field `hots`"), "{unknown}");
    let unknown = serde_json::from_value::<SmsConfig>(json!({"http": {"header": "x"}}))
        .unwrap_err()
        .to_string();
    assert!(unknown.contains("unknown field `header`"), "{unknown}");
    assert!(serde_json::from_value::<MailConfig>(json!({"transport": "carrier-pigeon"})).is_err());
    assert!(serde_json::from_value::<SmsConfig>(json!({"http": {"method": "DELETE"}})).is_err());
}

#[test]
fn config_defaults_and_redaction() {
    let mail = MailConfig::default();
    assert_eq!(mail.from, "Tessera <no-reply@localhost>");
    assert_eq!(mail.smtp.timeout_secs, 10);
    let port = |security: &str| {
        mail_config(json!({"smtp": {"security": security}}))
            .smtp
            .effective_port()
    };
    assert_eq!(
        (port("tls"), port("starttls"), port("plain")),
        (465, 587, 25)
    );
    assert_eq!(
        mail_config(json!({"smtp": {"security": "tls", "port": 2465}}))
            .smtp
            .effective_port(),
        2465
    );

    let secret = mail_config(json!({"smtp": {"password": "hunter2"}}));
    assert!(!format!("{secret:?}").contains("hunter2"));
    let secret = sms_config(json!({"http": {"auth_value": "Bearer hunter2"}}));
    assert!(!format!("{secret:?}").contains("hunter2"));
    assert_eq!(
        secret.http.body_template,
        r#"{"to":"{{to}}","text":"{{text}}"}"#
    );
}
