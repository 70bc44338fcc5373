//! Tests of context-specific words in the password policy (ASVS V6.1.2, V6.2.11) where
//! new passwords are set: registration, change and both kinds of reset refuse a password
//! containing the account's own words; sign-in never applies the policy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::testing::{harness, test_ctx, Harness};
use super::*;
use crate::domain::{Email, NewUser, Password, UserId, UserSource, UserStatus};
use crate::error::CoreError;
use crate::store::UserStore;

const EMAIL: &str = "Marguerite.Dupont@Lumiere.example";

fn create(email: &str, password: &str, username: Option<&str>, name: &str) -> CreateUser {
    CreateUser {
        email: email.into(),
        password: Some(Password::new(password)),
        name: name.into(),
        username: username.map(str::to_owned),
        is_admin: false,
        email_verified: true,
    }
}

fn is_context(r: &CoreResult<impl std::fmt::Debug>) -> bool {
    matches!(r, Err(CoreError::WeakPassword("context")))
}

async fn sign_in(h: &Harness, email: &str, password: &str) -> CoreResult<SignedIn> {
    h.core
        .sign_in_password(
            email,
            &Password::new(password),
            &test_ctx(),
            SessionOptions::default(),
        )
        .await
}

/// The code of the last mail to `to` that carries one.
fn last_code(h: &Harness, to: &str) -> String {
    h.mails_to(to)
        .iter()
        .rev()
        .find_map(|m| m.params["code"].as_str().map(str::to_owned))
        .unwrap()
}

#[tokio::test]
async fn registration_refuses_the_accounts_own_words() {
    let h = harness();
    for (pw, username, name) in [
        ("MARGUERITE-horse-7", None, "M"),
        ("my-lumiere-horse-7", None, "M"),
        ("horse-7-dupont", None, "M"),
        ("horse-battery-kestrel", Some("kestrel"), "M"),
        ("horse-battery-AURÉLIE", None, "Aurélie Vasseur"),
        ("tessera-horse-battery", None, "M"),
    ] {
        let r = h
            .core
            .register(
                create(EMAIL, pw, username, name),
                &test_ctx(),
                SessionOptions::default(),
            )
            .await;
        assert!(is_context(&r), "{pw}: {r:?}");
    }
    assert!(
        h.core.user_by_email(EMAIL).await.unwrap().is_none(),
        "nothing was created"
    );
    h.core
        .register(
            create(EMAIL, "correct-horse-battery", Some("kestrel"), "Aurélie"),
            &test_ctx(),
            SessionOptions::default(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_password_change_refuses_the_accounts_own_words() {
    let h = harness();
    h.core
        .create_user(
            create(EMAIL, "correct-horse-battery", Some("kestrel"), "Test"),
            &test_ctx(),
        )
        .await
        .unwrap();
    let s = sign_in(&h, EMAIL, "correct-horse-battery").await.unwrap();
    for new in ["Marguerite-2026!", "kestrel-horse-7"] {
        let r = h
            .core
            .change_password(
                s.auth(),
                &Password::new("correct-horse-battery"),
                &Password::new(new),
                &test_ctx(),
            )
            .await;
        assert!(is_context(&r), "{new}: {r:?}");
    }
    assert!(sign_in(&h, EMAIL, "correct-horse-battery").await.is_ok());
    h.core
        .change_password(
            s.auth(),
            &Password::new("correct-horse-battery"),
            &Password::new("staple-horse-battery"),
            &test_ctx(),
        )
        .await
        .unwrap();
    assert!(sign_in(&h, EMAIL, "staple-horse-battery").await.is_ok());
}

#[tokio::test]
async fn resets_refuse_the_accounts_own_words_without_spending_the_code() {
    let h = harness();
    h.core
        .create_user(
            create(EMAIL, "correct-horse-battery", Some("kestrel"), "Test"),
            &test_ctx(),
        )
        .await
        .unwrap();
    let to = EMAIL.to_lowercase();
    h.core
        .request_password_reset(EMAIL, None, &test_ctx())
        .await
        .unwrap();
    let code = last_code(&h, EMAIL);
    for new in ["dupont-horse-77", "kestrel-horse-77"] {
        let r = h
            .core
            .reset_password(&to, &code, &Password::new(new), &test_ctx())
            .await;
        assert!(is_context(&r), "{new}: {r:?}");
    }
    h.core
        .reset_password(
            &to,
            &code,
            &Password::new("staple-horse-battery"),
            &test_ctx(),
        )
        .await
        .unwrap();
    assert!(sign_in(&h, EMAIL, "staple-horse-battery").await.is_ok());

    const BASE: &str = "https://app.example/reset/";
    h.core
        .request_password_reset_link(EMAIL, BASE, 600, &test_ctx())
        .await
        .unwrap();
    let link = h
        .mails_to(EMAIL)
        .iter()
        .rev()
        .find_map(|m| m.params["link"].as_str().map(str::to_owned))
        .unwrap();
    let token = link.strip_prefix(BASE).unwrap();
    let r = h
        .core
        .reset_password_with_link(token, &Password::new("Lumiere-horse-7"), &test_ctx())
        .await;
    assert!(is_context(&r), "{r:?}");
    h.core
        .reset_password_with_link(token, &Password::new("fourth-horse-battery"), &test_ctx())
        .await
        .unwrap();
    assert!(sign_in(&h, EMAIL, "fourth-horse-battery").await.is_ok());
}

/// An account whose password predates the rule (imported, or set before an upgrade) still
/// signs in with it: the policy applies only when a password is set.
#[tokio::test]
async fn sign_in_with_an_old_password_containing_the_words_still_works() {
    let h = harness();
    let old = "marguerite.dupont-1";
    let hash = h.core.hasher().hash(&Password::new(old)).await.unwrap();
    h.store
        .insert_user(
            &NewUser {
                id: UserId::new(),
                email: Email::parse(EMAIL).unwrap(),
                username: None,
                name: "Marguerite Dupont".into(),
                password_hash: Some(hash),
                source: UserSource::local(),
                is_admin: false,
                email_verified_at: Some(h.core.now()),
                created_at: h.core.now(),
                status: UserStatus::Active,
                created_by: None,
            },
            &[],
        )
        .await
        .unwrap();
    let s = sign_in(&h, EMAIL, old).await.unwrap();
    // Setting it again is a new password, and refused.
    let r = h
        .core
        .change_password(
            s.auth(),
            &Password::new(old),
            &Password::new(old),
            &test_ctx(),
        )
        .await;
    assert!(is_context(&r), "{r:?}");
    assert!(sign_in(&h, EMAIL, old).await.is_ok());
}
