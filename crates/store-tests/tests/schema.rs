//! Checks on the schema itself, for both engines' migrations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// Every migration of both engines, as lower-case text.
fn migrations() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for engine in ["store-sqlite", "store-postgres"] {
        let dir = root.join(engine).join("migrations");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sql") {
                let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
                out.push((path.display().to_string(), text));
            }
        }
    }
    out
}

/// ASVS V6.4.2: no password hints or knowledge-based "secret questions". An account holds
/// nothing of the kind, so there is nothing to show a user who forgot the password or to
/// leak; a column for one would have to appear in a migration first.
#[test]
fn no_password_hints_or_secret_questions_are_stored() {
    let all = migrations();
    assert!(all.len() >= 2, "both engines' migrations are read: {all:?}");
    for (path, text) in &all {
        for word in ["hint", "question", "secret_answer", "security_answer"] {
            assert!(!text.contains(word), "{path} mentions {word:?}");
        }
    }
}

/// ASVS V6.2.10: no periodic rotation. Nothing stores a password's age or expiry, so no
/// code path can force a change because of time.
#[test]
fn no_password_expiry_is_stored() {
    for (path, text) in migrations() {
        for word in [
            "password_expires",
            "password_changed_at",
            "must_change_password",
        ] {
            assert!(!text.contains(word), "{path} mentions {word:?}");
        }
    }
}
