//! The black-box test harness: [`TestApp`] starts the real Tessera application on
//! 127.0.0.1:0 against a fresh temp SQLite file or a fresh PostgreSQL database, with mail
//! going over SMTP to a real SMTP sink and SMS over HTTP to a local fake gateway. Tests
//! talk to it only over HTTP (the core handle is there to seed accounts).
#![allow(clippy::expect_used, clippy::unwrap_used)] // test support: failing loudly is the point

use std::time::Duration;

use reqwest::header::{HeaderMap, SET_COOKIE};
use tessera::app::App;
use tessera::config::Config;
use tessera_core::domain::Password;
use tessera_core::services::{Core, CreateUser};
use tessera_delivery::{HttpSmsMethod, MailTransportKind, SmsTransportKind, SmtpSecurity};
use tessera_testkit::{FakeSmsGateway, ReceivedMail, SmtpSink};
use tokio::sync::oneshot;

pub use tessera_api::Mode;

/// Which store engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A temp SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// How long tests wait for a mail or SMS to arrive (bounded; normally milliseconds).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running Tessera plus its fake surroundings.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A client with its own cookie jar (a browser).
    pub client: reqwest::Client,
    /// The SMTP sink mail is delivered to.
    pub smtp: SmtpSink,
    /// The SMS gateway texts are posted to.
    pub sms: FakeSmsGateway,
    /// The core, for seeding.
    pub core: Core,
    /// The database this node runs on.
    pub database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<Result<(), String>>>,
    dir: Option<tempfile::TempDir>,
    pg: Option<tessera_store_tests::postgres::DropGuard>,
}

/// A new client with its own cookie jar.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// A new client with its own cookie jar, and the jar itself so a test can see what the
/// "browser" holds after a response.
pub fn browser_with_jar() -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    (client, jar)
}

/// The request context used when a test seeds through the core.
pub fn seed_context() -> tessera_core::domain::RequestContext {
    tessera_core::domain::RequestContext {
        ip: None,
        user_agent: None,
        dialect: "test",
    }
}

impl TestApp {
    /// Starts an app with test defaults; `None` when PostgreSQL tests are switched off.
    pub async fn spawn(engine: Engine) -> Option<Self> {
        Self::spawn_with(engine, |_| {}).await
    }

    /// Starts an app after `tweak` adjusted the configuration.
    pub async fn spawn_with(engine: Engine, tweak: impl FnOnce(&mut Config)) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, pg) = match engine {
            Engine::Sqlite => (
                format!("sqlite://{}", dir.path().join("tessera.db").display()),
                None,
            ),
            Engine::Postgres => {
                let (url, guard) = tessera_store_tests::postgres::fresh_postgres_url().await?;
                (url, Some(guard))
            }
        };
        Some(Self::start(dir, db, pg, tweak).await)
    }

    /// Starts a second node on the same database (a cluster of stateless nodes).
    pub async fn spawn_peer(&self) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start(dir, self.database_url.clone(), None, |_| {}).await
    }

    async fn start(
        dir: tempfile::TempDir,
        db: String,
        pg: Option<tessera_store_tests::postgres::DropGuard>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let smtp = SmtpSink::start();
        let sms = FakeSmsGateway::start();
        let mut config = Config::default();
        config.server.data_dir = dir.path().to_path_buf();
        config.server.database_url = db.clone();
        config.server.outbox_poll_secs = 1;
        config.server.shutdown_grace_secs = 2;
        config.http.hostname = "test-node".into();
        // Cheap hashing keeps the suite fast; parameters are honoured whatever they are.
        config.core.password.hash.memory_kib = 1024;
        config.core.password.hash.iterations = 1;
        config.mail.transport = MailTransportKind::Smtp;
        config.mail.smtp.host = "127.0.0.1".into();
        config.mail.smtp.port = Some(smtp.port());
        config.mail.smtp.security = SmtpSecurity::Plain;
        config.mail.from = "Tessera Test <no-reply@tessera.test>".into();
        config.sms.transport = SmsTransportKind::Http;
        config.sms.http.url = format!("{}/send", sms.url());
        config.sms.http.method = HttpSmsMethod::Post;
        config.sms.http.body_template =
            r#"{"to":"{{to}}","text":"{{text}}","code":"{{param.code}}"}"#.into();
        tweak(&mut config);
        let app = App::build(config).await.expect("app builds");
        let core = app.core().clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(listener, async move {
            let _ = rx.await;
        }));
        Self {
            base,
            database_url: db,
            client: browser(),
            smtp,
            sms,
            core,
            shutdown: Some(tx),
            server: Some(server),
            dir: Some(dir),
            pg,
        }
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates an account directly in the core.
    pub async fn add_user(&self, email: &str, password: &str) {
        let ctx = tessera_core::domain::RequestContext {
            ip: None,
            user_agent: None,
            dialect: "test",
        };
        self.core
            .create_user(
                CreateUser {
                    email: email.into(),
                    password: Some(Password::new(password)),
                    name: "Test User".into(),
                    username: None,
                    is_admin: false,
                    email_verified: true,
                },
                &ctx,
            )
            .await
            .expect("seed user");
    }

    /// The id of the account with this e-mail (which must exist).
    pub async fn user_id(&self, email: &str) -> tessera_core::domain::UserId {
        self.core
            .user_by_email(email)
            .await
            .expect("user lookup")
            .unwrap_or_else(|| panic!("no account {email}"))
            .id
    }

    /// The latest mail to `to` (waits for delivery, bounded).
    pub async fn mail_to(&self, to: &str) -> ReceivedMail {
        self.smtp
            .wait_for_mail(to, DELIVERY_TIMEOUT)
            .await
            .unwrap_or_else(|| panic!("no mail reached {to}"))
    }

    /// The code in the `n`-th SMS (1-based) sent to `phone` (waits, bounded).
    pub async fn sms_code(&self, phone: &str, n: usize) -> String {
        let deadline = tokio::time::Instant::now() + DELIVERY_TIMEOUT;
        loop {
            let hits: Vec<String> = self
                .sms
                .requests()
                .into_iter()
                .filter_map(|r| {
                    (r.body["to"] == phone)
                        .then(|| r.body["code"].as_str().unwrap_or_default().to_owned())
                })
                .collect();
            if hits.len() >= n {
                return hits[n - 1].clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "SMS #{n} never reached {phone}"
            );
            let _ = self.sms.wait_for_request(Duration::from_millis(200)).await;
        }
    }

    async fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        }
    }

    /// Stops the server and starts a new one on the same database and data directory (a
    /// restart), with a fresh SMTP sink and SMS gateway and `tweak` applied.
    pub async fn restart(mut self, tweak: impl FnOnce(&mut Config)) -> Self {
        self.halt().await;
        let dir = self.dir.take().expect("data dir");
        let pg = self.pg.take();
        Self::start(dir, self.database_url.clone(), pg, tweak).await
    }

    /// Stops the server gracefully and drops its database.
    pub async fn stop(mut self) {
        self.halt().await;
        if let Some(pg) = self.pg.take() {
            pg.cleanup().await;
        }
    }
}

/// The `Set-Cookie` header for cookie `name`, if any.
pub fn set_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

/// The value of cookie `name` in a `Set-Cookie` header list.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let line = set_cookie(headers, name)?;
    let first = line.split(';').next()?;
    Some(first.split_once('=')?.1.to_owned())
}

/// Runs an async test body on both engines, as two `#[tokio::test]`s named `sqlite` and
/// `postgres` inside a module named after the body.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Engine::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Engine::Postgres).await;
                }
            }
        )*
    };
}
