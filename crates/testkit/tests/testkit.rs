//! Tests of the test harness itself: the SMTP sink spoken to over a raw socket (so the
//! protocol details are checked exactly) and the fake SMS gateway spoken to with reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tessera_testkit::{FakeSmsGateway, SmtpSink};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(5);

/// A minimal SMTP client: send a line, read the (possibly multi-line) reply code.
struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(sink: &SmtpSink) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", sink.port()))
            .await
            .unwrap();
        let (r, w) = stream.into_split();
        let mut client = Self {
            reader: BufReader::new(r),
            writer: w,
        };
        assert_eq!(client.reply().await.0, 220);
        client
    }

    async fn reply(&mut self) -> (u16, String) {
        let mut all = String::new();
        for _ in 0..50 {
            let mut line = String::new();
            tokio::time::timeout(WAIT, self.reader.read_line(&mut line))
                .await
                .unwrap()
                .unwrap();
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return (line[..3].parse().unwrap(), all);
            }
        }
        panic!("reply too long: {all}");
    }

    async fn cmd(&mut self, line: &str) -> (u16, String) {
        self.send(line).await;
        self.reply().await
    }

    async fn send(&mut self, raw: &str) {
        self.writer.write_all(raw.as_bytes()).await.unwrap();
        if !raw.ends_with('\n') {
            self.writer.write_all(b"\r\n").await.unwrap();
        }
    }
}

#[tokio::test]
async fn two_messages_on_one_connection_with_dot_unstuffing() {
    let sink = SmtpSink::start();
    let mut c = Client::connect(&sink).await;
    let (code, ehlo) = c.cmd("EHLO test").await;
    assert_eq!(code, 250);
    assert!(ehlo.contains("AUTH PLAIN LOGIN"), "{ehlo}");
    assert!(!ehlo.contains("STARTTLS"));

    assert_eq!(c.cmd("MAIL FROM:<sender@example.com>").await.0, 250);
    assert_eq!(c.cmd("RCPT TO:<One@Example.com>").await.0, 250);
    assert_eq!(c.cmd("RCPT TO:<two@example.com>").await.0, 250);
    assert_eq!(c.cmd("DATA").await.0, 354);
    c.send("Subject: first\r\n\r\nline one\r\n..leading dot\r\n...\r\n.\r\n")
        .await;
    assert_eq!(c.reply().await.0, 250);

    assert_eq!(c.cmd("NOOP").await.0, 250);
    assert_eq!(c.cmd("MAIL FROM:<x@example.com>").await.0, 250);
    assert_eq!(c.cmd("RSET").await.0, 250);
    assert_eq!(
        c.cmd("RCPT TO:<one@example.com>").await.0,
        503,
        "RSET drops the transaction"
    );
    assert_eq!(c.cmd("MAIL FROM:<>").await.0, 250);
    assert_eq!(c.cmd("RCPT TO:<one@example.com>").await.0, 250);
    assert_eq!(c.cmd("DATA").await.0, 354);
    c.send("Subject: second\r\n\r\nbody two\r\n.\r\n").await;
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(c.cmd("QUIT").await.0, 221);

    let first = sink.wait_for_mail("one@example.com", WAIT).await.unwrap();
    assert_eq!(first.from, "sender@example.com");
    assert_eq!(first.to, ["One@Example.com", "two@example.com"]);
    assert_eq!(first.subject, "first");
    assert_eq!(
        first.raw,
        "Subject: first\r\n\r\nline one\r\n.leading dot\r\n..\r\n"
    );
    assert_eq!(first.text_body, "line one\r\n.leading dot\r\n..\r\n");
    assert_eq!(first.auth_user, None);

    let second = sink.wait_for_mail("ONE@example.com", WAIT).await.unwrap();
    assert_eq!(second.from, "");
    assert_eq!(second.subject, "second");
    assert_eq!(sink.messages().len(), 2);
    assert!(
        sink.wait_for_mail("one@example.com", Duration::from_millis(50))
            .await
            .is_none(),
        "each mail is handed out once"
    );
    assert_eq!(
        sink.wait_for_mail("two@example.com", WAIT)
            .await
            .unwrap()
            .subject,
        "first"
    );
}

#[tokio::test]
async fn wait_for_mail_is_woken_by_a_later_delivery() {
    let sink = SmtpSink::start();
    let port = sink.port();
    let sender = tokio::spawn(async move {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (r, w) = stream.into_split();
        let mut c = Client {
            reader: BufReader::new(r),
            writer: w,
        };
        c.reply().await;
        c.cmd("HELO x").await;
        c.cmd("MAIL FROM:<a@x>").await;
        c.cmd("RCPT TO:<late@x>").await;
        c.cmd("DATA").await;
        c.send("Subject: late\r\n\r\nhi\r\n.\r\n").await;
        c.reply().await
    });
    let mail = sink
        .wait_for_mail("late@x", WAIT)
        .await
        .expect("mail arrives");
    assert_eq!(mail.subject, "late");
    assert_eq!(sender.await.unwrap().0, 250);
}

#[tokio::test]
async fn reject_switch_answers_550_and_auth_is_recorded() {
    let sink = SmtpSink::start();
    let mut c = Client::connect(&sink).await;
    c.cmd("EHLO test").await;
    // AUTH PLAIN with an initial response: \0user\0secret
    assert_eq!(c.cmd("AUTH PLAIN AHVzZXIAc2VjcmV0").await.0, 235);
    sink.set_reject(true);
    assert_eq!(c.cmd("MAIL FROM:<a@x>").await.0, 250);
    let (code, text) = c.cmd("RCPT TO:<b@x>").await;
    assert_eq!(code, 550, "{text}");
    sink.set_reject(false);
    assert_eq!(c.cmd("RCPT TO:<b@x>").await.0, 250);
    assert_eq!(c.cmd("DATA").await.0, 354);
    c.send("Subject: s\r\n\r\nx\r\n.\r\n").await;
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(sink.messages()[0].auth_user.as_deref(), Some("user"));

    // AUTH LOGIN in steps.
    let mut c = Client::connect(&sink).await;
    c.cmd("EHLO test").await;
    assert_eq!(c.cmd("AUTH LOGIN").await.0, 334);
    assert_eq!(c.cmd("bG9naW4=").await.0, 334);
    assert_eq!(c.cmd("cHc=").await.0, 235);
    assert_eq!(c.cmd("STARTTLS").await.0, 502);
}

#[tokio::test]
async fn gateway_records_requests_and_fails_on_demand() {
    let gateway = FakeSmsGateway::start();
    let client = reqwest::Client::new();
    let send = |text: &'static str| {
        client
            .post(format!("{}/v1/sms?x=1", gateway.url()))
            .header("Authorization", "Bearer k")
            .json(&serde_json::json!({"to": "+1555", "text": text}))
            .send()
    };

    let ok = send("one").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"ok": true})
    );

    gateway.fail_next(2, 503);
    assert_eq!(send("two").await.unwrap().status(), 503);
    assert_eq!(send("three").await.unwrap().status(), 503);
    assert_eq!(send("four").await.unwrap().status(), 200);

    let first = gateway.wait_for_request(WAIT).await.unwrap();
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/v1/sms");
    assert_eq!(first.query.as_deref(), Some("x=1"));
    assert_eq!(first.header("authorization"), Some("Bearer k"));
    assert_eq!(
        first.body,
        serde_json::json!({"to": "+1555", "text": "one"})
    );
    assert_eq!(
        gateway.wait_for_request(WAIT).await.unwrap().body["text"],
        "two"
    );
    let texts: Vec<_> = gateway
        .requests()
        .iter()
        .map(|r| r.body["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["one", "two", "three", "four"]);
}

#[tokio::test]
async fn wait_for_request_times_out_and_is_woken() {
    let gateway = FakeSmsGateway::start();
    assert!(gateway
        .wait_for_request(Duration::from_millis(50))
        .await
        .is_none());
    let url = gateway.url();
    let sender = tokio::spawn(async move {
        reqwest::Client::new()
            .get(format!("{url}/ping"))
            .send()
            .await
    });
    let request = gateway
        .wait_for_request(WAIT)
        .await
        .expect("request arrives");
    assert_eq!(request.method, "GET");
    assert_eq!(request.body, serde_json::Value::Null);
    assert_eq!(sender.await.unwrap().unwrap().status(), 200);
}

#[test]
fn servers_start_outside_a_runtime() {
    let sink = SmtpSink::start();
    let gateway = FakeSmsGateway::start();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", sink.port())).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut greeting = [0u8; 3];
    std::io::Read::read_exact(&mut stream, &mut greeting).unwrap();
    assert_eq!(&greeting, b"220");
    assert!(gateway.url().starts_with("http://127.0.0.1:"));
}
