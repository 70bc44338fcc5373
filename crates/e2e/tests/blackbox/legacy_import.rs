//! Accounts imported with `tessera import` from the original backends sign in with their
//! original passwords through every dialect (weplanx, clumsy-tools, SSPanel; Ugene has no
//! dialect yet), and their stored hash is argon2id afterwards.
//! The import runs through the CLI's own file reader on the app's database.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::json;
use tessera::import::{import_file, ImportArgs};
use tessera_core::security::totp;
use tessera_e2e::{browser, on_both_engines, Engine, TestApp};

/// The rows of `legacy-users.jsonl` that import, with their original passwords.
const ACCOUNTS: [(&str, &str, &str); 8] = [
    (
        "weplanx-user@example.com",
        "weplanx-p4-pw",
        "$argon2id$v=19$m=2048,t=2,p=4$",
    ),
    ("clumsy-user@example.com", "dhde8212", "pbkdf2_sha256$"),
    ("sspanel-md5@example.com", "sspanel-pw", "sspanel-md5$"),
    (
        "sspanel-sha256@example.com",
        "sspanel-pw",
        "sspanel-sha256$",
    ),
    ("sspanel-bcrypt@example.com", "php-legacy-pw1", "$2y$10$"),
    ("sspanel-argon2i@example.com", "argon2i-pw", "$argon2i$"),
    (
        "sspanel-argon2id@example.com",
        "php-legacy-pw1",
        "$argon2id$v=19$m=65536,t=4,p=1$",
    ),
    ("ugene-user@example.com", "python-bcrypt-pw", "$2b$05$"),
];

/// What a sign-in with the password alone answers: the weplanx row has a TOTP bound, and
/// a bound factor is asked wherever the password is (`core.enforce_second_factors`), so
/// weplanx and clumsy-tools refuse it after checking (and upgrading) the password.
fn password_alone(email: &str, ok: StatusCode) -> StatusCode {
    if email == ACCOUNTS[0].0 {
        StatusCode::BAD_REQUEST
    } else {
        ok
    }
}

/// The TOTP secret of the weplanx row.
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// What the test app hashes new passwords with.
const CURRENT: &str = "$argon2id$v=19$m=1024,t=1,p=1$";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../server/tests/fixtures/legacy-users.jsonl")
}

async fn import(app: &TestApp, overwrite_passwords: bool) -> tessera::import::Summary {
    let args = ImportArgs {
        file: fixture(),
        format: None,
        dry_run: false,
        report: None,
        concurrency: 4,
        overwrite_passwords,
    };
    import_file(&app.core, &args).await.unwrap()
}

async fn stored_hash(app: &TestApp, email: &str) -> String {
    app.core
        .user_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap()
}

async fn weplanx_login(app: &TestApp, email: &str, password: &str) -> StatusCode {
    browser()
        .post(app.url("/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

async fn clumsy_login(app: &TestApp, email: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/fo/rest/token/new/local"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// SSPanel answers 200 with `ret` 1 on success, 0 on failure.
async fn sspanel_login(app: &TestApp, email: &str, password: &str, code: &str) -> i64 {
    let res = reqwest::Client::new()
        .post(app.url("/auth/login"))
        .form(&[("email", email), ("passwd", password), ("code", code)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<serde_json::Value>().await.unwrap()["ret"]
        .as_i64()
        .unwrap()
}

async fn imported_accounts_sign_in_everywhere_and_are_upgraded(engine: Engine) {
    let Some(app) = TestApp::spawn(engine).await else {
        return;
    };
    let s = import(&app, false).await;
    assert_eq!((s.created, s.rejected), (8, 6), "{s:?}");

    // First sign-in through weplanx: the legacy hash verifies, then is replaced.
    for (email, pw, prefix) in ACCOUNTS {
        assert!(
            stored_hash(&app, email).await.starts_with(prefix),
            "{email}"
        );
        assert_eq!(
            weplanx_login(&app, email, "wrong-password").await,
            StatusCode::BAD_REQUEST,
            "{email}"
        );
        assert_eq!(
            weplanx_login(&app, email, pw).await,
            password_alone(email, StatusCode::NO_CONTENT),
            "{email}"
        );
        let after = stored_hash(&app, email).await;
        assert!(after.starts_with(CURRENT), "{email}: {after}");
        assert_eq!(
            clumsy_login(&app, email, pw).await,
            password_alone(email, StatusCode::OK),
            "{email}"
        );
    }

    // A plain re-run keeps the upgraded hashes; a forced one puts the legacy ones back,
    // so the first sign-in can go through clumsy-tools this time.
    let s = import(&app, false).await;
    assert_eq!((s.created, s.updated, s.unchanged), (0, 0, 8), "{s:?}");
    assert!(stored_hash(&app, ACCOUNTS[0].0).await.starts_with(CURRENT));
    let s = import(&app, true).await;
    assert_eq!((s.created, s.updated), (0, 8), "{s:?}");
    for (email, pw, prefix) in ACCOUNTS {
        assert!(
            stored_hash(&app, email).await.starts_with(prefix),
            "{email}"
        );
        assert_eq!(
            clumsy_login(&app, email, "wrong-password1").await,
            StatusCode::BAD_REQUEST,
            "{email}"
        );
        assert_eq!(
            clumsy_login(&app, email, pw).await,
            password_alone(email, StatusCode::OK),
            "{email}"
        );
        let after = stored_hash(&app, email).await;
        assert!(after.starts_with(CURRENT), "{email}: {after}");
        assert_eq!(
            weplanx_login(&app, email, pw).await,
            password_alone(email, StatusCode::NO_CONTENT),
            "{email}"
        );
    }

    // Once more, first through SSPanel, which also asks for the code of the imported TOTP
    // secret where there is one (its `ga_enable`).
    let step = totp::step_of(app.core.now().unix_timestamp());
    let s = import(&app, true).await;
    assert_eq!((s.created, s.updated), (0, 8), "{s:?}");
    for (email, pw, prefix) in ACCOUNTS {
        let code = if email == ACCOUNTS[0].0 {
            totp::code_at_step(TOTP_SECRET, step).unwrap()
        } else {
            String::new()
        };
        assert!(
            stored_hash(&app, email).await.starts_with(prefix),
            "{email}"
        );
        assert_eq!(
            sspanel_login(&app, email, "wrong-password2", &code).await,
            0,
            "{email}"
        );
        assert_eq!(sspanel_login(&app, email, pw, &code).await, 1, "{email}");
        let after = stored_hash(&app, email).await;
        assert!(after.starts_with(CURRENT), "{email}: {after}");
    }

    // The imported TOTP secret (weplanx kept it in base32) signs in through weplanx too; a
    // code works once, so this one is the next step's (within the accepted skew).
    let code = totp::code_at_step(TOTP_SECRET, step + 1).unwrap();
    let res = browser()
        .post(app.url("/login/totp"))
        .json(&json!({ "email": "weplanx-user@example.com", "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

on_both_engines!(imported_accounts_sign_in_everywhere_and_are_upgraded);
