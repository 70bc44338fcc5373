//! `tessera import` as an operator runs it: JSON Lines and CSV files with one account per
//! legacy hash format and some bad rows, on a fresh SQLite directory. Sign-in with the
//! original passwords through the dialects is covered by the black-box suite
//! (`crates/e2e/tests/blackbox/legacy_import.rs`), which imports the same files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn all_output(o: &Output) -> String {
    format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr))
}

fn import(dir: &Path, args: &[&str]) -> String {
    let mut full = vec!["import"];
    full.extend_from_slice(args);
    let out = tessera(dir, &full);
    assert!(out.status.success(), "{}", all_output(&out));
    stdout(&out)
}

fn users(dir: &Path) -> BTreeMap<String, Value> {
    let out = tessera(dir, &["user", "list", "--json", "--limit", "1000"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let mut map = BTreeMap::new();
    for line in stdout(&out).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let email = v["email"].as_str().unwrap().to_owned();
        assert!(map.insert(email.clone(), v).is_none(), "duplicate {email}");
    }
    map
}

/// Line number → reason, from a rejected-rows report.
fn report(path: &Path) -> BTreeMap<u64, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["line"].as_u64().unwrap(),
                v["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn assert_reasons(got: &BTreeMap<u64, String>, want: &[(u64, &str)]) {
    assert_eq!(
        got.keys().copied().collect::<Vec<_>>(),
        want.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        "{got:#?}"
    );
    for (line, needle) in want {
        assert!(got[line].contains(needle), "line {line}: {}", got[line]);
    }
}

#[test]
fn jsonl_and_csv_imports_are_idempotent_and_report_rejected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let jsonl = fixture("legacy-users.jsonl");
    let csv = fixture("legacy-users.csv");
    let jsonl = jsonl.to_str().unwrap();
    let csv = csv.to_str().unwrap();
    let rep = d.join("rejected.jsonl");
    let rep_s = rep.to_str().unwrap();

    // Dry run: every row checked, nothing written.
    let out = import(d, &[jsonl, "--dry-run", "--report", rep_s]);
    assert!(
        out.contains("dry run (nothing written): 8 created, 0 updated, 0 unchanged, 6 rejected"),
        "{out}"
    );
    assert!(users(d).is_empty(), "a dry run writes nothing");
    let jsonl_rejections = [
        (10, "email: not a valid e-mail address"),
        (11, "hash_format: unknown"),
        (12, "hash_format: required"),
        (13, "password_hash: cost parameters"),
        (14, "invalid JSON"),
        (15, "is_admin: must be a boolean"),
    ];
    assert_reasons(&report(&rep), &jsonl_rejections);

    // The real thing.
    let out = import(d, &[jsonl, "--report", rep_s, "--concurrency", "3"]);
    assert!(
        out.contains("imported: 8 created, 0 updated, 0 unchanged, 6 rejected; 14 rows"),
        "{out}"
    );
    assert!(out.contains("rejected rows: "), "{out}");
    assert_reasons(&report(&rep), &jsonl_rejections);
    let u = users(d);
    assert_eq!(u.len(), 8);
    let wx = &u["weplanx-user@example.com"];
    assert_eq!(wx["name"], "Weplanx User");
    assert_eq!(wx["status"], "active");
    assert_eq!(wx["created_at"], 1_641_092_645, "Mongo $date kept");
    assert_eq!(u["clumsy-user@example.com"]["created_at"], 1_559_383_200);
    assert_eq!(u["sspanel-md5@example.com"]["admin"], true);
    assert_eq!(u["sspanel-md5@example.com"]["created_at"], 1_577_836_800);

    // Again: same accounts, nothing to change, no duplicates.
    let out = import(d, &[jsonl, "--report", rep_s]);
    assert!(
        out.contains("imported: 0 created, 0 updated, 8 unchanged, 6 rejected"),
        "{out}"
    );
    assert_eq!(users(d).len(), 8);

    // CSV (format from the extension), with a quoted name and quoted PHC strings.
    let out = import(d, &[csv, "--report", rep_s]);
    assert!(
        out.contains("imported: 6 created, 0 updated, 0 unchanged, 4 rejected; 10 rows"),
        "{out}"
    );
    assert_reasons(
        &report(&rep),
        &[
            (8, "email: not a valid e-mail address"),
            (9, "status: must be active or blocked"),
            (10, "invite_quota: must be -1"),
            (11, "salt: only md5 and sha256"),
        ],
    );
    let u = users(d);
    assert_eq!(u.len(), 14);
    assert_eq!(u["csv-weplanx@example.com"]["name"], "Doe, Jane");
    assert_eq!(u["csv-sha256@example.com"]["status"], "blocked");
    assert_eq!(u["csv-md5@example.com"]["admin"], true);

    // A changed row updates the account with the same address (in any case).
    let changed = d.join("changed.ndjson");
    std::fs::write(
        &changed,
        "{\"email\":\"Weplanx-User@Example.com\",\"name\":\"Renamed\"}\n\
         {\"email\":\"csv-md5@example.com\",\"is_admin\":false}\n",
    )
    .unwrap();
    let out = import(d, &[changed.to_str().unwrap()]);
    assert!(
        out.contains("imported: 0 created, 2 updated, 0 unchanged, 0 rejected"),
        "{out}"
    );
    let u = users(d);
    assert_eq!(u.len(), 14);
    assert_eq!(u["weplanx-user@example.com"]["name"], "Renamed");
    assert_eq!(u["csv-md5@example.com"]["admin"], false);

    // Without --report, rejected rows go to stderr, and the exit code stays 0.
    let out = tessera(d, &["import", jsonl, "--dry-run"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 13: <hostile@example.com> password_hash"),
        "{err}"
    );
}

#[test]
fn unreadable_files_are_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let missing = tessera(d, &["import", "no-such-file.jsonl"]);
    assert!(!missing.status.success());
    assert!(
        all_output(&missing).contains("cannot open"),
        "{}",
        all_output(&missing)
    );

    let txt = d.join("users.txt");
    std::fs::write(&txt, "{\"email\":\"a@example.com\"}\n").unwrap();
    let unknown = tessera(d, &["import", txt.to_str().unwrap()]);
    assert!(!unknown.status.success());
    assert!(
        all_output(&unknown).contains("--format"),
        "{}",
        all_output(&unknown)
    );
    let forced = tessera(d, &["import", txt.to_str().unwrap(), "--format", "jsonl"]);
    assert!(forced.status.success(), "{}", all_output(&forced));
    assert!(stdout(&forced).contains("1 created"));

    let no_email = d.join("users.csv");
    std::fs::write(&no_email, "mail,name\na@example.com,A\n").unwrap();
    let bad = tessera(d, &["import", no_email.to_str().unwrap()]);
    assert!(!bad.status.success());
    assert!(
        all_output(&bad).contains("no `email` column"),
        "{}",
        all_output(&bad)
    );
}
