//! Tests of social sign-in by provider subject (`external.rs`, ASVS 5.0 V10.5.2): the
//! subject finds the account whatever address the provider reports, a bound account's
//! address does not let another subject in, accounts made before subjects were kept are
//! bound on first use, and erasure removes the binding. Memory store, manual clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use super::testing::{harness, test_ctx, Harness};
use super::*;
use crate::domain::{Email, NewUser, User, UserId, UserSource, UserStatus};
use crate::error::CoreError;
use crate::ports::ExternalIdentity;
use crate::store::{AuditStore, IdentityStore, UserStore};

fn google(subject: &str, email: &str) -> ExternalIdentity {
    ExternalIdentity {
        provider: "google".into(),
        subject: subject.into(),
        email: email.into(),
        email_verified: true,
        name: Some("G User".into()),
    }
}

async fn sign_in(h: &Harness, identity: &ExternalIdentity) -> CoreResult<SignedIn> {
    h.core
        .sign_in_external(identity, &test_ctx(), SessionOptions::default())
        .await
}

/// A google account as accounts were made before subjects were kept: no binding.
async fn legacy_google_account(h: &Harness, email: &str) -> User {
    let now = h.core.now();
    h.store
        .insert_user(
            &NewUser {
                id: UserId::new(),
                email: Email::parse(email).unwrap(),
                username: None,
                name: "Legacy".into(),
                password_hash: None,
                source: UserSource("google".into()),
                is_admin: false,
                email_verified_at: Some(now),
                created_at: now,
                status: UserStatus::Active,
                created_by: None,
            },
            &[],
        )
        .await
        .unwrap()
}

async fn audit_outcomes(h: &Harness, user: UserId, action: &str) -> Vec<String> {
    h.store
        .list_audit(Some(user), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.outcome)
        .collect()
}

#[tokio::test]
async fn the_same_subject_with_a_changed_address_signs_in_to_the_same_account() {
    let h = harness();
    let first = sign_in(&h, &google("sub-1", "Gina@Example.com"))
        .await
        .unwrap();
    assert_eq!(
        h.store.user_by_external("google", "sub-1").await.unwrap(),
        Some(first.user.id),
        "a new account is bound to its subject at creation"
    );

    let moved = sign_in(&h, &google("sub-1", "gina.new@example.com"))
        .await
        .unwrap();
    assert_eq!(moved.user.id, first.user.id, "same subject, same account");
    let stored = h.core.user(first.user.id).await.unwrap();
    assert_eq!(
        stored.email.as_str(),
        "Gina@Example.com",
        "the account's address is not changed by what the provider reports"
    );
    assert!(
        h.store
            .user_by_email("gina.new@example.com")
            .await
            .unwrap()
            .is_none(),
        "no second account for the new address"
    );

    // Even an address that is another account's now: the subject decides, and the other
    // account is not entered.
    let other = h
        .account("someone@example.com", None, Some("Correct-horse-1"), false)
        .await;
    let again = sign_in(&h, &google("sub-1", "someone@example.com"))
        .await
        .unwrap();
    assert_eq!(again.user.id, first.user.id);
    assert_ne!(again.user.id, other.id);
    assert_eq!(h.store.count_users().await.unwrap(), 2);
}

#[tokio::test]
async fn a_different_subject_presenting_a_bound_accounts_address_is_refused() {
    let h = harness();
    let owner = sign_in(&h, &google("sub-owner", "owner@example.com"))
        .await
        .unwrap();
    let refused = sign_in(&h, &google("sub-intruder", "owner@example.com")).await;
    assert!(
        matches!(refused, Err(CoreError::EmailTaken)),
        "{:?}",
        refused.map(|s| s.user.id)
    );
    assert_eq!(
        h.store
            .user_by_external("google", "sub-intruder")
            .await
            .unwrap(),
        None,
        "the refused subject is not bound"
    );
    assert_eq!(h.store.count_users().await.unwrap(), 1);
    assert_eq!(
        audit_outcomes(&h, owner.user.id, "login.failure").await,
        vec!["subject_mismatch".to_owned()]
    );
    // The owner still gets in, with their subject.
    let back = sign_in(&h, &google("sub-owner", "owner@example.com"))
        .await
        .unwrap();
    assert_eq!(back.user.id, owner.user.id);

    // The same subject at the other provider is another identity: facebook's account of
    // this address is another source, refused as before.
    let mut fb = google("sub-owner", "owner@example.com");
    fb.provider = "facebook".into();
    assert!(matches!(sign_in(&h, &fb).await, Err(CoreError::EmailTaken)));
}

#[tokio::test]
async fn accounts_made_before_subjects_were_kept_are_bound_on_first_use() {
    let h = harness();
    let legacy = legacy_google_account(&h, "old@example.com").await;
    assert_eq!(
        h.store.user_by_external("google", "sub-old").await.unwrap(),
        None
    );

    let first = sign_in(&h, &google("sub-old", "OLD@example.com"))
        .await
        .unwrap();
    assert_eq!(first.user.id, legacy.id, "found by address, as before");
    assert_eq!(
        h.store.user_by_external("google", "sub-old").await.unwrap(),
        Some(legacy.id),
        "and bound now"
    );
    assert_eq!(
        audit_outcomes(&h, legacy.id, "identity.bind").await,
        vec!["ok".to_owned()]
    );

    // From now on the subject is the identity.
    assert!(matches!(
        sign_in(&h, &google("sub-other", "old@example.com")).await,
        Err(CoreError::EmailTaken)
    ));
    let moved = sign_in(&h, &google("sub-old", "renamed@example.com"))
        .await
        .unwrap();
    assert_eq!(moved.user.id, legacy.id);
    assert_eq!(h.store.count_users().await.unwrap(), 1);
}

#[tokio::test]
async fn a_bound_but_unusable_account_is_refused_even_under_a_new_address() {
    let h = harness();
    let s = sign_in(&h, &google("sub-b", "blocked@example.com"))
        .await
        .unwrap();
    let blocked = User {
        status: UserStatus::Blocked,
        ..h.core.user(s.user.id).await.unwrap()
    };
    h.store.update_user(&blocked).await.unwrap();
    assert!(matches!(
        sign_in(&h, &google("sub-b", "fresh@example.com")).await,
        Err(CoreError::InvalidCredentials)
    ));
    assert!(
        h.store
            .user_by_email("fresh@example.com")
            .await
            .unwrap()
            .is_none(),
        "a refused sign-in creates nothing"
    );
}

#[tokio::test]
async fn erasure_removes_the_binding() {
    let h = harness();
    let s = sign_in(&h, &google("sub-e", "erase@example.com"))
        .await
        .unwrap();
    h.core
        .erase_own_account(s.auth(), &test_ctx())
        .await
        .unwrap();
    assert_eq!(
        h.store.user_by_external("google", "sub-e").await.unwrap(),
        None,
        "the subject is personal data and goes with the account"
    );
    // The person can come back: a new account, bound anew; the erased one stays erased.
    let again = sign_in(&h, &google("sub-e", "erase@example.com"))
        .await
        .unwrap();
    assert_ne!(again.user.id, s.user.id);
    assert_eq!(
        h.store.user_by_external("google", "sub-e").await.unwrap(),
        Some(again.user.id)
    );
    assert!(h.core.user(s.user.id).await.unwrap().deleted_at.is_some());
}

#[tokio::test]
async fn an_identity_without_a_subject_is_refused() {
    let h = harness();
    assert!(matches!(
        sign_in(&h, &google("  ", "nosub@example.com")).await,
        Err(CoreError::Internal(_))
    ));
    assert_eq!(h.store.count_users().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_sign_ins_of_one_subject_make_one_account() {
    let h = Arc::new(harness());
    let start = Arc::new(tokio::sync::Barrier::new(12));
    // Half report one address, half another (the address changed at the provider while
    // the requests were in flight): still one account, and every sign-in reaches it.
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (h, start) = (h.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let email = if i % 2 == 0 {
                    "race@example.com"
                } else {
                    "race.new@example.com"
                };
                sign_in(&h, &google("sub-race", email))
                    .await
                    .map(|s| s.user.id)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap());
    }
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(h.store.count_users().await.unwrap(), 1);
    assert_eq!(
        h.store
            .user_by_external("google", "sub-race")
            .await
            .unwrap(),
        Some(ids[0])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_uses_of_a_legacy_account_bind_one_subject() {
    let h = Arc::new(harness());
    let legacy = legacy_google_account(&h, "shared@example.com").await;
    let start = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (h, start) = (h.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let subject = format!("sub-{}", i % 2);
                sign_in(&h, &google(&subject, "shared@example.com"))
                    .await
                    .map(|s| (subject, s.user.id))
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok((subject, id)) => {
                assert_eq!(id, legacy.id);
                winners.push(subject);
            }
            Err(e) => assert!(matches!(e, CoreError::EmailTaken), "{e:?}"),
        }
    }
    winners.sort();
    winners.dedup();
    assert_eq!(winners.len(), 1, "one subject won: {winners:?}");
    assert_eq!(
        h.store
            .user_by_external("google", &winners[0])
            .await
            .unwrap(),
        Some(legacy.id)
    );
    assert_eq!(h.store.count_users().await.unwrap(), 1);
}
