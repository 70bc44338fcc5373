//! The `tessera` binary as an operator uses it: no configuration, a fresh directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn tessera(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .current_dir(dir)
        .env_remove("TESSERA_CONFIG")
        .env("TESSERA_CORE__PASSWORD__HASH__MEMORY_KIB", "1024")
        .env("TESSERA_CORE__PASSWORD__HASH__ITERATIONS", "1")
        .output()
        .expect("run tessera")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn user_commands_config_and_migrate_work_with_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let out = tessera(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        dir.path().join("data/tessera.db").exists(),
        "SQLite under ./data by default"
    );

    let out = tessera(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "root@example.com",
            "--password",
            "a-long-admin-password",
            "--name",
            "Root",
            "--admin",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("root@example.com"));
    let dup = tessera(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "ROOT@example.com",
            "--password",
            "a-long-admin-password",
        ],
    );
    assert!(!dup.status.success());
    assert!(text(&dup).contains("email taken"), "{}", text(&dup));
    let weak = tessera(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "w@example.com",
            "--password",
            "password1",
        ],
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("weak password"), "{}", text(&weak));

    let list = tessera(dir.path(), &["user", "list", "--json"]);
    assert!(list.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["email"], "root@example.com");
    assert_eq!(rows[0]["admin"], true);

    // The account creations above are in the audit trail, readable by the operator.
    let trail = tessera(
        dir.path(),
        &["audit", "--user", "root@example.com", "--json"],
    );
    assert!(trail.status.success(), "{}", text(&trail));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&trail.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events.iter().any(|e| e["action"] == "account.create"
            && e["target"] == rows[0]["id"]
            && e["outcome"] == "ok"),
        "{events:?}"
    );
    let table = tessera(dir.path(), &["audit", "--limit", "5"]);
    assert!(text(&table).contains("account.create"), "{}", text(&table));
    let unknown = tessera(dir.path(), &["audit", "--user", "nobody@example.com"]);
    assert!(!unknown.status.success());
    let purge = tessera(dir.path(), &["audit", "--purge"]);
    assert!(purge.status.success(), "{}", text(&purge));
    assert!(
        text(&purge).contains("deleted 0"),
        "recent events are kept: {}",
        text(&purge)
    );

    let check = tessera(dir.path(), &["config", "check"]);
    assert!(check.status.success(), "{}", text(&check));
    let example = tessera(dir.path(), &["config", "example"]);
    assert!(String::from_utf8_lossy(&example.stdout).contains("[core.lockout]"));

    let bad = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["config", "check"])
        .current_dir(dir.path())
        .env("TESSERA_CORE__LOCKOUT__MAX_FAILURES", "0")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("core.lockout.max_failures"),
        "errors name the key: {}",
        text(&bad)
    );
    let unknown = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["config", "check"])
        .current_dir(dir.path())
        .env("TESSERA_HTTP__NO_SUCH_KEY", "1")
        .output()
        .unwrap();
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "unknown keys are errors: {}",
        text(&unknown)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn serve_starts_with_no_configuration_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("TESSERA_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/readyz");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ready = false;
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(&url).await {
            ready = r.status().is_success();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !ready {
        let _ = child.kill();
        panic!("server did not become ready");
    }
    let ping: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ping["values"]["Engine"], "sqlite");
    assert!(dir.path().join("data/tessera.db").exists());

    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful shutdown exits 0: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The core of the installation in `dir` (as `tessera` run there opens it), for what the
/// CLI cannot do: signing in. Each call is a fresh process-like core with an empty session
/// cache, so it sees exactly what the database says.
async fn core_in(dir: &Path) -> tessera_core::services::Core {
    let mut config = tessera::config::Config::default();
    config.server.data_dir = dir.join("data");
    config.core.password.hash.memory_kib = 1024;
    config.core.password.hash.iterations = 1;
    tessera::app::build_core(&config).await.unwrap()
}

/// Signs `email` in as a browser would, and returns a token of the new session.
async fn signed_in(core: &tessera_core::services::Core, email: &str) -> String {
    let ctx = tessera_core::domain::RequestContext {
        ip: Some("198.51.100.7".into()),
        user_agent: Some("cli-test/1.0".into()),
        dialect: "weplanx",
    };
    let s = core
        .sign_in_password(
            email,
            &tessera_core::domain::Password::new("a-long-user-password"),
            &ctx,
            tessera_core::services::SessionOptions::default(),
        )
        .await
        .unwrap();
    core.issue_access_token(s.auth()).unwrap()
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn sessions_are_listed_and_ended_per_account_or_all_without_blocking_anyone() {
    let dir = tempfile::tempdir().unwrap();
    for email in ["alice@example.com", "bob@example.com"] {
        let out = tessera(
            dir.path(),
            &[
                "user",
                "add",
                "--email",
                email,
                "--password",
                "a-long-user-password",
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    let core = core_in(dir.path()).await;
    let alice = [
        signed_in(&core, "alice@example.com").await,
        signed_in(&core, "alice@example.com").await,
    ];
    let bob = signed_in(&core, "bob@example.com").await;

    let list = tessera(
        dir.path(),
        &["sessions", "list", "--user", "alice@example.com", "--json"],
    );
    assert!(list.status.success(), "{}", text(&list));
    let rows = json_lines(&list);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in &rows {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "created_at",
                "dialect",
                "expires_at",
                "id",
                "ip",
                "last_seen_at",
                "method",
                "user_agent"
            ]
        );
        assert_eq!(row["ip"], "198.51.100.7");
        assert_eq!(row["user_agent"], "cli-test/1.0");
        assert_eq!(row["method"], "password");
        assert_eq!(row["dialect"], "weplanx");
    }
    for token in &alice {
        assert!(!text(&list).contains(token.as_str()), "never a token");
    }
    let table = tessera(
        dir.path(),
        &["sessions", "list", "--user", "alice@example.com"],
    );
    assert!(table.status.success(), "{}", text(&table));
    assert!(
        text(&table).contains(rows[0]["id"].as_str().unwrap())
            && text(&table).contains("198.51.100.7"),
        "{}",
        text(&table)
    );

    // One of --user and --all, exactly; --all only with --yes. None of these ends anything.
    for args in [
        &["sessions", "end"][..],
        &["sessions", "end", "--user", "alice@example.com", "--all"],
        &["sessions", "end", "--all"],
        &["sessions", "end", "--user", "nobody@example.com"],
    ] {
        let out = tessera(dir.path(), args);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
    }
    let unconfirmed = tessera(dir.path(), &["sessions", "end", "--all"]);
    assert!(
        text(&unconfirmed).contains("--yes"),
        "{}",
        text(&unconfirmed)
    );
    let fresh = core_in(dir.path()).await;
    for token in alice.iter().chain([&bob]) {
        assert!(fresh.verify_access_token(token).await.is_ok());
    }

    let end = tessera(
        dir.path(),
        &["sessions", "end", "--user", "alice@example.com"],
    );
    assert!(end.status.success(), "{}", text(&end));
    assert!(
        String::from_utf8_lossy(&end.stdout).contains("ended 2 sessions of alice@example.com"),
        "{}",
        text(&end)
    );
    let after = core_in(dir.path()).await;
    for token in &alice {
        assert!(matches!(
            after.verify_access_token(token).await,
            Err(tessera_core::CoreError::SessionInvalid)
        ));
    }
    assert!(
        after.verify_access_token(&bob).await.is_ok(),
        "bob keeps his"
    );
    let list = tessera(
        dir.path(),
        &["sessions", "list", "--user", "alice@example.com", "--json"],
    );
    assert!(json_lines(&list).is_empty(), "{}", text(&list));

    let all = tessera(dir.path(), &["sessions", "end", "--all", "--yes"]);
    assert!(all.status.success(), "{}", text(&all));
    assert!(
        String::from_utf8_lossy(&all.stdout).contains("ended 1 session of every account"),
        "{}",
        text(&all)
    );
    let after = core_in(dir.path()).await;
    assert!(after.verify_access_token(&bob).await.is_err());
    // Nobody was blocked: both sign in again.
    for email in ["alice@example.com", "bob@example.com"] {
        let token = signed_in(&after, email).await;
        assert!(after.verify_access_token(&token).await.is_ok());
    }

    let trail = tessera(dir.path(), &["audit", "--json", "--limit", "1000"]);
    assert!(trail.status.success(), "{}", text(&trail));
    let events = json_lines(&trail);
    let alice_id = tessera(dir.path(), &["user", "list", "--json"]);
    let alice_id = json_lines(&alice_id)
        .into_iter()
        .find(|u| u["email"] == "alice@example.com")
        .unwrap()["id"]
        .clone();
    let ends: Vec<_> = events
        .iter()
        .filter(|e| e["action"] == "admin.sessions.end")
        .collect();
    assert_eq!(ends.len(), 2, "{events:?}");
    assert!(ends
        .iter()
        .all(|e| e["actor"].is_null() && e["outcome"] == "ok" && e["detail"]["via"] == "cli"));
    assert_eq!(ends[1]["target"], alice_id);
    assert_eq!(ends[1]["detail"]["scope"], "user");
    assert_eq!(ends[1]["detail"]["sessions"], 2);
    assert!(ends[0]["target"].is_null());
    assert_eq!(ends[0]["detail"]["scope"], "all");
    assert_eq!(ends[0]["detail"]["sessions"], 1);
    assert!(events
        .iter()
        .any(|e| e["action"] == "admin.sessions.list" && e["target"] == alice_id));
}

/// A lost second factor: the operator removes the account's factors; its sessions end,
/// the owner can sign in with the password again, and the change is audited.
#[tokio::test]
async fn reset_factors_removes_second_factors_and_ends_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let email = "lost@example.com";
    let out = tessera(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            email,
            "--password",
            "a-long-user-password",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let core = core_in(dir.path()).await;
    let token = signed_in(&core, email).await;
    let auth = core.verify_access_token(&token).await.unwrap();
    core.toggle_email_otp(
        auth,
        &tessera_core::domain::RequestContext {
            ip: None,
            user_agent: None,
            dialect: "ugene",
        },
    )
    .await
    .unwrap();
    drop(core);

    let out = tessera(dir.path(), &["user", "reset-factors", "--email", email]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("removed: e-mailed sign-in codes"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("1 session(s) ended"), "{}", text(&out));

    let core = core_in(dir.path()).await;
    assert!(
        core.verify_access_token(&token).await.is_err(),
        "the session ended"
    );
    assert!(!core.user_by_email(email).await.unwrap().unwrap().email_otp);
    signed_in(&core, email).await;
    let audit = tessera(dir.path(), &["audit", "--user", email, "--json"]);
    assert!(
        text(&audit).contains("admin.factors.reset"),
        "{}",
        text(&audit)
    );

    let unknown = tessera(
        dir.path(),
        &["user", "reset-factors", "--email", "nobody@example.com"],
    );
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("no account"), "{}", text(&unknown));
}
