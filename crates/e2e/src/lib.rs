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
        // Every test talks from 127.0.0.1: per-IP limits would throttle the suite, so they
        // are lifted here; the rate-limit tests set their own.
        let lifted = tessera_core::config::Limit {
            max: 1_000_000,
            window_secs: 60,
        };
        config.core.rate_limits = tessera_core::config::RateLimitConfig {
            sign_in: lifted,
            register: lifted,
            send_code: lifted,
            reset: lifted,
            refresh: lifted,
        };
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

// ---------------------------------------------------------------------------------------
// The real `tessera` binary as a child process, for tests that must kill it (SIGKILL) and
// start it again on the same database. [`TestApp`] runs the application in-process, where
// a crash cannot be simulated.

/// The `tessera` binary built in this target directory (`target/<profile>/tessera`, next
/// to the `deps` directory this test executable lives in).
///
/// Cargo builds a package's binaries only for that package's own integration tests, so
/// `cargo test -p tessera-e2e` alone does not build it. `scripts/test` (`cargo test
/// --workspace`) does: `crates/server` is a workspace member whose integration tests use the
/// binary. Panics with what to run when the binary is missing; prints a notice when a source
/// file of the server's crates changed after it was built (a stale binary).
pub fn tessera_binary() -> std::path::PathBuf {
    static STALE_NOTICE: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps directory");
    let profile_dir = deps.parent().expect("target profile directory");
    let bin = profile_dir.join(format!("tessera{}", std::env::consts::EXE_SUFFIX));
    let Ok(meta) = std::fs::metadata(&bin) else {
        panic!(
            "the tessera binary is missing at {}: run `cargo build -p tessera` first \
             (scripts/test builds it as part of `cargo test --workspace`)",
            bin.display()
        );
    };
    // The sources the binary is built from; one edited after the build makes it stale.
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let newest_source = [
        "server",
        "core",
        "api",
        "store-sqlite",
        "store-postgres",
        "delivery",
        "media",
        "identity",
    ]
    .iter()
    .flat_map(|c| ["src", "migrations", "Cargo.toml"].map(|part| crates.join(c).join(part)))
    .filter_map(|path| newest_mtime(&path))
    .max();
    if let (Some(source), Ok(built)) = (newest_source, meta.modified()) {
        if source > built {
            STALE_NOTICE.call_once(|| {
                eprintln!(
                    "notice: {} is older than the server's sources; run `cargo build -p \
                     tessera` so this test runs the current code",
                    bin.display()
                );
            });
        }
    }
    bin
}

/// The modification time of a file, or the newest of the files under a directory.
fn newest_mtime(path: &std::path::Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

/// A database and data directory for [`ServerProcess`]: a temp SQLite file, or a fresh
/// PostgreSQL database (dropped by [`ChildDatabase::cleanup`]).
pub struct ChildDatabase {
    /// The data directory (mail files, the SQLite file, server logs).
    pub dir: tempfile::TempDir,
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
    /// The engine.
    pub engine: Engine,
    pg: Option<tessera_store_tests::postgres::DropGuard>,
}

impl ChildDatabase {
    /// A fresh database; `None` when PostgreSQL tests are switched off.
    pub async fn fresh(engine: Engine) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg) = match engine {
            Engine::Sqlite => (
                format!("sqlite://{}", dir.path().join("tessera.db").display()),
                None,
            ),
            Engine::Postgres => {
                let (url, guard) = tessera_store_tests::postgres::fresh_postgres_url().await?;
                (url, Some(guard))
            }
        };
        Some(Self {
            dir,
            url,
            engine,
            pg,
        })
    }

    /// The SQLite file (for [`Engine::Sqlite`]).
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        self.dir.path().join("tessera.db")
    }

    /// A `tessera` command configured for this database, with no inherited `TESSERA_*`
    /// variables (the test harness's own, e.g. `TESSERA_TEST_POSTGRES`, are not config keys).
    pub fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(tessera_binary());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("TESSERA_") {
                cmd.env_remove(&name);
            }
        }
        cmd.current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .env("TESSERA_SERVER__DATA_DIR", self.dir.path())
            .env("TESSERA_SERVER__DATABASE_URL", &self.url)
            .env("TESSERA_SERVER__LOG_LEVEL", "warn")
            .env("TESSERA_CORE__PASSWORD__HASH__MEMORY_KIB", "1024")
            .env("TESSERA_CORE__PASSWORD__HASH__ITERATIONS", "1")
            .env("TESSERA_MAIL__TRANSPORT", "file")
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Runs a CLI command (e.g. `user list --json`) against this database; panics with its
    /// output unless it succeeds. Returns standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().expect("run tessera");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "tessera {args:?} failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Drops the PostgreSQL database (the temp directory goes with `self`).
    pub async fn cleanup(mut self) {
        if let Some(pg) = self.pg.take() {
            pg.cleanup().await;
        }
    }
}

/// `tessera serve` running as a child process on a free loopback port. Dropping it kills
/// the process, so a failing test leaves nothing running.
pub struct ServerProcess {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    child: std::process::Child,
    log: std::path::PathBuf,
}

/// How long a started server gets to answer `/readyz` (a debug build on a busy machine).
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);

impl ServerProcess {
    /// Starts `tessera serve` on `db` with `env` added, and waits (bounded) until `/readyz`
    /// answers 200. Stderr goes to a numbered log file in the data directory.
    pub async fn start(db: &ChildDatabase, env: &[(&str, &str)]) -> Self {
        let mut last_log = String::new();
        // A port picked from the kernel may be taken again before the child binds it:
        // try a few.
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let log = (0..)
                .map(|n| db.dir.path().join(format!("server-{n}.log")))
                .find(|p| !p.exists())
                .expect("log file name");
            let stderr = std::fs::File::create(&log).expect("server log file");
            let mut cmd = db.command();
            cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .stdout(std::process::Stdio::null())
                .stderr(stderr);
            for (k, v) in env {
                cmd.env(k, v);
            }
            let child = cmd.spawn().expect("spawn tessera serve");
            let mut server = Self {
                base: format!("http://127.0.0.1:{port}"),
                child,
                log,
            };
            if server.wait_ready().await {
                return server;
            }
            last_log = server.log_tail();
            server.kill();
        }
        panic!("tessera serve did not become ready: {last_log}");
    }

    async fn wait_ready(&mut self) -> bool {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http client");
        let deadline = tokio::time::Instant::now() + SERVER_START_TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if let Ok(res) = client.get(self.url("/readyz")).send().await {
                if res.status() == reqwest::StatusCode::OK {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (no shutdown code runs) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process has exited.
    pub fn has_exited(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    /// The last lines of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A client (no cookie jar) whose connections come from `ip`, e.g. `127.1.2.3`: on Linux
/// the whole of 127.0.0.0/8 is the loopback interface, so a test can be many clients, each
/// with its own address, as many users are (per-IP request limits then count each alone).
pub fn client_from(ip: std::net::Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(ip))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}
