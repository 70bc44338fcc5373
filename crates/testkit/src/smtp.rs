//! `SmtpSink`: a real SMTP server for tests. It speaks enough of RFC 5321 for real clients
//! (lettre, the server under test): EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET,
//! NOOP, VRFY, QUIT, and AUTH PLAIN/LOGIN (advertised and accepted with any credentials, the
//! user name being recorded, so SMTP auth config can be tested). It offers no STARTTLS.
//! Received mails are parsed with `mail-parser`, so tests read decoded text bodies (a code
//! sent quoted-printable or base64 comes out as plain text).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::background::{self, Background};
pub use crate::received::ReceivedMail;

/// Longest command line accepted (RFC 5321 allows 512; be generous).
const MAX_COMMAND_LINE: usize = 4096;
/// Longest DATA line accepted (RFC 5321 allows 1000).
const MAX_DATA_LINE: usize = 64 * 1024;
/// Largest message accepted, in bytes.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;
/// Commands per connection before the sink hangs up (a runaway client must not spin forever).
const MAX_COMMANDS: usize = 10_000;
/// A connection idle this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Name the sink announces.
const HOSTNAME: &str = "tessera-testkit.localhost";

/// What the sink's connections share with the test.
#[derive(Debug, Default)]
struct Shared {
    inbox: Mutex<Inbox>,
    arrived: Notify,
    reject: AtomicBool,
}

/// Received mails and, per mail, the (lower-cased) recipients for which `wait_for_mail`
/// has already handed it out.
#[derive(Debug, Default)]
struct Inbox {
    mails: Vec<ReceivedMail>,
    claimed: Vec<HashSet<String>>,
}

impl Shared {
    /// Locks the inbox; a panic elsewhere while holding the lock does not hide the mails.
    fn inbox(&self) -> std::sync::MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a mail and wakes every waiter.
    fn deliver(&self, mail: ReceivedMail) {
        {
            let mut inbox = self.inbox();
            inbox.mails.push(mail);
            inbox.claimed.push(HashSet::new());
        }
        self.arrived.notify_waiters();
    }

    /// Hands out the oldest mail addressed to `to` not yet handed out for `to`.
    fn claim(&self, to: &str) -> Option<ReceivedMail> {
        let to = to.to_ascii_lowercase();
        let mut inbox = self.inbox();
        let Inbox { mails, claimed } = &mut *inbox;
        let index = mails
            .iter()
            .zip(claimed.iter())
            .position(|(mail, claimed)| {
                !claimed.contains(&to) && mail.to.iter().any(|r| r.eq_ignore_ascii_case(&to))
            })?;
        claimed[index].insert(to);
        Some(mails[index].clone())
    }
}

/// A real SMTP server on `127.0.0.1:<port()>`, collecting every mail it accepts. Point the
/// mailer under test at it with plain (unencrypted) SMTP. Stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    _server: Background,
}

impl SmtpSink {
    /// Binds a free loopback port and starts serving; ready to accept connections on return.
    /// Works from sync and async code alike.
    pub fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let server_shared = Arc::clone(&shared);
        let (server, port) = background::spawn("smtp-sink", move |listener| {
            accept_loop(listener, server_shared)
        });
        Self {
            port,
            shared,
            _server: server,
        }
    }

    /// The port to connect to (host `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host to connect to.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// Every mail received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.inbox().mails.clone()
    }

    /// Waits up to `timeout` for a mail to `to` (case-insensitive) that no earlier call of
    /// this method for the same address returned, and returns the oldest such mail; `None` on
    /// timeout. Calling it twice thus yields the first and then the second mail to an address,
    /// and a mail to two recipients is handed out once for each.
    pub async fn wait_for_mail(&self, to: &str, timeout: Duration) -> Option<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            tokio::pin!(arrived);
            // Register before checking, so a mail stored in between still wakes us.
            arrived.as_mut().enable();
            if let Some(mail) = self.shared.claim(to) {
                return Some(mail);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.shared.claim(to);
            }
        }
    }

    /// When `true`, the sink answers `550` to every `RCPT TO` and `DATA`, as a server that
    /// refuses the recipient would; lets tests check permanent-failure handling.
    pub fn set_reject(&self, reject: bool) {
        self.shared.reject.store(reject, Ordering::SeqCst);
    }
}

/// Accepts connections until the runtime is shut down, one task per connection.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    // A broken connection only ends that connection.
                    let _ = Session::new(shared).run(stream).await;
                });
            }
            // Transient accept errors (e.g. too many open files): back off briefly.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Why a connection ended early.
#[derive(Debug)]
enum End {
    /// Socket error or timeout.
    Io,
    /// The client closed the connection.
    Closed,
}

impl From<std::io::Error> for End {
    fn from(_: std::io::Error) -> Self {
        Self::Io
    }
}

/// Reads one line (up to and including `\n`), at most `max` bytes, within the idle timeout.
/// Returns it without the line ending; `End::Closed` at end of stream.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R, max: usize) -> Result<Vec<u8>, End> {
    let read = async {
        let mut line = Vec::new();
        loop {
            let buf = reader.fill_buf().await?;
            if buf.is_empty() {
                return Err(End::Closed);
            }
            if let Some(nl) = buf.iter().position(|&b| b == b'\n') {
                line.extend_from_slice(&buf[..nl]);
                reader.consume(nl + 1);
                break;
            }
            let n = buf.len();
            line.extend_from_slice(buf);
            reader.consume(n);
            if line.len() > max {
                return Err(End::Io);
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(line)
    };
    tokio::time::timeout(IDLE_TIMEOUT, read)
        .await
        .map_err(|_| End::Io)?
}

/// One SMTP connection's state.
struct Session {
    shared: Arc<Shared>,
    from: Option<String>,
    to: Vec<String>,
    auth_user: Option<String>,
}

impl Session {
    fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            from: None,
            to: Vec::new(),
            auth_user: None,
        }
    }

    /// Drops the current transaction (after RSET, HELO, or a finished DATA).
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    async fn run(mut self, stream: TcpStream) -> Result<(), End> {
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        reply(
            &mut write,
            &format!("220 {HOSTNAME} ESMTP tessera-testkit ready"),
        )
        .await?;
        for _ in 0..MAX_COMMANDS {
            let line = read_line(&mut reader, MAX_COMMAND_LINE).await?;
            let line = String::from_utf8_lossy(&line).into_owned();
            let (verb, arg) = match line.split_once(' ') {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_owned()),
                None => (line.trim().to_ascii_uppercase(), String::new()),
            };
            match verb.as_str() {
                "EHLO" => {
                    self.reset();
                    let lines = [
                        format!("250-{HOSTNAME} greets {arg}"),
                        "250-8BITMIME".to_owned(),
                        "250-SMTPUTF8".to_owned(),
                        "250-AUTH PLAIN LOGIN".to_owned(),
                        format!("250 SIZE {MAX_MESSAGE}"),
                    ];
                    reply(&mut write, &lines.join("\r\n")).await?;
                }
                "HELO" => {
                    self.reset();
                    reply(&mut write, &format!("250 {HOSTNAME}")).await?;
                }
                "MAIL" => match path_arg(&arg, "FROM:") {
                    Some(addr) => {
                        self.reset();
                        self.from = Some(addr);
                        reply(&mut write, "250 2.1.0 OK").await?;
                    }
                    None => reply(&mut write, "501 5.5.4 Syntax: MAIL FROM:<address>").await?,
                },
                "RCPT" => {
                    if self.from.is_none() {
                        reply(&mut write, "503 5.5.1 MAIL first").await?;
                    } else if self.shared.reject.load(Ordering::SeqCst) {
                        reply(
                            &mut write,
                            "550 5.1.1 Mailbox unavailable (test sink set to reject)",
                        )
                        .await?;
                    } else {
                        match path_arg(&arg, "TO:") {
                            Some(addr) if !addr.is_empty() => {
                                self.to.push(addr);
                                reply(&mut write, "250 2.1.5 OK").await?;
                            }
                            _ => reply(&mut write, "501 5.5.4 Syntax: RCPT TO:<address>").await?,
                        }
                    }
                }
                "DATA" => self.data(&mut reader, &mut write).await?,
                "RSET" => {
                    self.reset();
                    reply(&mut write, "250 2.0.0 OK").await?;
                }
                "NOOP" => reply(&mut write, "250 2.0.0 OK").await?,
                "VRFY" => {
                    reply(&mut write, "252 2.5.2 Cannot verify, will attempt delivery").await?
                }
                "AUTH" => self.auth(&arg, &mut reader, &mut write).await?,
                "QUIT" => {
                    reply(&mut write, "221 2.0.0 Bye").await?;
                    return Ok(());
                }
                _ => reply(&mut write, "502 5.5.2 Command not implemented").await?,
            }
        }
        reply(&mut write, "421 4.7.0 Too many commands, closing").await?;
        Ok(())
    }

    /// Handles DATA: reads the message up to the lone `.`, dot-unstuffs it, stores it.
    async fn data<R: AsyncBufRead + Unpin>(
        &mut self,
        reader: &mut R,
        write: &mut OwnedWriteHalf,
    ) -> Result<(), End> {
        if self.from.is_none() {
            return reply(write, "503 5.5.1 MAIL first").await;
        }
        if self.to.is_empty() {
            return reply(write, "554 5.5.1 No valid recipients").await;
        }
        if self.shared.reject.load(Ordering::SeqCst) {
            return reply(write, "550 5.7.1 Message refused (test sink set to reject)").await;
        }
        reply(write, "354 End data with <CR><LF>.<CR><LF>").await?;
        let mut raw = String::new();
        let mut too_big = false;
        loop {
            let line = read_line(reader, MAX_DATA_LINE).await?;
            if line == b"." {
                break;
            }
            let line = line.strip_prefix(b".").unwrap_or(&line);
            if raw.len() + line.len() + 2 > MAX_MESSAGE {
                too_big = true;
                continue;
            }
            raw.push_str(&String::from_utf8_lossy(line));
            raw.push_str("\r\n");
        }
        if too_big {
            self.reset();
            return reply(write, "552 5.3.4 Message too big").await;
        }
        if self.shared.reject.load(Ordering::SeqCst) {
            self.reset();
            return reply(write, "550 5.7.1 Message refused (test sink set to reject)").await;
        }
        let from = self.from.take().unwrap_or_default();
        let to = std::mem::take(&mut self.to);
        self.shared
            .deliver(ReceivedMail::parse(from, to, raw, self.auth_user.clone()));
        reply(write, "250 2.0.0 OK queued").await
    }

    /// Handles AUTH PLAIN and AUTH LOGIN, accepting any credentials and recording the user.
    async fn auth<R: AsyncBufRead + Unpin>(
        &mut self,
        arg: &str,
        reader: &mut R,
        write: &mut OwnedWriteHalf,
    ) -> Result<(), End> {
        let (mechanism, initial) = match arg.split_once(' ') {
            Some((m, i)) => (m.to_ascii_uppercase(), Some(i.trim().to_owned())),
            None => (arg.to_ascii_uppercase(), None),
        };
        let user = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(i) if i != "=" => i,
                    Some(_) => String::new(),
                    None => {
                        reply(write, "334 ").await?;
                        read_text_line(reader).await?
                    }
                };
                // authzid \0 authcid \0 password
                decode_b64(&response).and_then(|d| d.split('\0').nth(1).map(str::to_owned))
            }
            "LOGIN" => {
                let user = match initial {
                    Some(i) => i,
                    None => {
                        reply(write, "334 VXNlcm5hbWU6").await?;
                        read_text_line(reader).await?
                    }
                };
                reply(write, "334 UGFzc3dvcmQ6").await?;
                let password = read_text_line(reader).await?;
                decode_b64(&user).filter(|_| decode_b64(&password).is_some())
            }
            _ => return reply(write, "504 5.5.4 Unrecognized authentication type").await,
        };
        match user {
            Some(user) => {
                self.auth_user = Some(user);
                reply(write, "235 2.7.0 Authentication successful").await
            }
            None => reply(write, "501 5.5.2 Cannot decode response").await,
        }
    }
}

/// Reads one command-sized line as text.
async fn read_text_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> Result<String, End> {
    let line = read_line(reader, MAX_COMMAND_LINE).await?;
    Ok(String::from_utf8_lossy(&line).trim().to_owned())
}

/// Decodes a base64 SASL response to text; `None` if it is not base64 (or is `*`, a cancel).
fn decode_b64(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Extracts the address from `FROM:<a@b> PARAMS` / `TO:<a@b>` (prefix case-insensitive).
fn path_arg(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>').map(|(addr, _)| addr.to_owned()),
        None => rest.split_whitespace().next().map(str::to_owned),
    }
}

/// Sends one (possibly multi-line) reply, CRLF-terminated.
async fn reply(write: &mut OwnedWriteHalf, text: &str) -> Result<(), End> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.extend_from_slice(b"\r\n");
    tokio::time::timeout(IDLE_TIMEOUT, write.write_all(&bytes))
        .await
        .map_err(|_| End::Io)??;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn path_arg_parses_addresses() {
        assert_eq!(
            path_arg("FROM:<a@b.c> SIZE=10", "FROM:").as_deref(),
            Some("a@b.c")
        );
        assert_eq!(path_arg("from: <a@b.c>", "FROM:").as_deref(), Some("a@b.c"));
        assert_eq!(path_arg("FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(path_arg("TO:x@y", "TO:").as_deref(), Some("x@y"));
        assert_eq!(path_arg("<x@y>", "TO:"), None);
    }
}
