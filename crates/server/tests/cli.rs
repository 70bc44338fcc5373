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
