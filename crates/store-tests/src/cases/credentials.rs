//! Credentials on the account: password changes with session revocation and outbox,
//! and TOTP replay protection.

use std::collections::HashSet;

use tessera_core::domain::{SessionId, User, UserId};
use tessera_core::store::{RevokeSessions, SharedStore, StoreError};

use crate::fixtures::{mail, new_user, race, session, t};

/// `set_password_hash` revokes none, all, or all but one of the user's sessions, returns
/// the ids it revoked, and writes its outbox messages in the same transaction.
pub async fn user_set_password_hash_revokes_as_asked(store: SharedStore) {
    let user = store
        .insert_user(&new_user("g@example.com", None, 0), &[])
        .await
        .unwrap();
    let other = store
        .insert_user(&new_user("h@example.com", None, 0), &[])
        .await
        .unwrap();
    let (s1, s2, s3) = (
        session(user.id, 1),
        session(user.id, 2),
        session(user.id, 3),
    );
    let foreign = session(other.id, 4);
    for s in [&s1, &s2, &s3, &foreign] {
        store.create_session(s, false).await.unwrap();
    }

    let note = mail("g@example.com", 10);
    let revoked = store
        .set_password_hash(
            user.id,
            "hash-1",
            t(10),
            RevokeSessions::None,
            std::slice::from_ref(&note),
        )
        .await
        .unwrap();
    assert!(revoked.is_empty());
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.password_hash.as_deref(), Some("hash-1"));
    assert_eq!(store.outbox_message(note.id).await.unwrap().unwrap(), note);
    assert_eq!(store.list_user_sessions(user.id).await.unwrap().len(), 3);

    let note2 = mail("g@example.com", 20);
    let revoked = store
        .set_password_hash(
            user.id,
            "hash-2",
            t(20),
            RevokeSessions::AllExcept(s1.id),
            std::slice::from_ref(&note2),
        )
        .await
        .unwrap();
    assert_eq!(as_set(&revoked), as_set(&[s2.id, s3.id]));
    assert!(store.outbox_message(note2.id).await.unwrap().is_some());
    let live: Vec<SessionId> = store
        .list_user_sessions(user.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, vec![s1.id]);
    assert_eq!(
        store
            .session_by_id(s2.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(t(20))
    );

    let revoked = store
        .set_password_hash(user.id, "hash-3", t(30), RevokeSessions::All, &[])
        .await
        .unwrap();
    assert_eq!(revoked, vec![s1.id]);
    assert!(store.list_user_sessions(user.id).await.unwrap().is_empty());
    assert_eq!(
        store.list_user_sessions(other.id).await.unwrap().len(),
        1,
        "others untouched"
    );
    assert_eq!(
        store
            .user_by_id(user.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("hash-3")
    );

    let lost = mail("nobody@example.com", 40);
    let err = store
        .set_password_hash(
            UserId::new(),
            "x",
            t(40),
            RevokeSessions::All,
            std::slice::from_ref(&lost),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert!(store.outbox_message(lost.id).await.unwrap().is_none());
}

/// A TOTP step is accepted once: the same or an older step is a replay.
pub async fn user_advance_totp_step_refuses_replays(store: SharedStore) {
    let user = store
        .insert_user(&new_user("i@example.com", None, 0), &[])
        .await
        .unwrap();
    assert!(store.advance_totp_step(user.id, 100).await.unwrap());
    assert!(!store.advance_totp_step(user.id, 100).await.unwrap());
    assert!(!store.advance_totp_step(user.id, 99).await.unwrap());
    assert!(store.advance_totp_step(user.id, 101).await.unwrap());
    assert_eq!(
        store
            .user_by_id(user.id)
            .await
            .unwrap()
            .unwrap()
            .totp_last_step,
        Some(101)
    );
    assert!(matches!(
        store.advance_totp_step(UserId::new(), 1).await,
        Err(StoreError::NotFound)
    ));
}

/// Twenty concurrent uses of the same step: exactly one wins.
pub async fn user_advance_totp_step_is_atomic(store: SharedStore) {
    let user = store
        .insert_user(&new_user("j@example.com", None, 0), &[])
        .await
        .unwrap();
    let id = user.id;
    let wins = race(&store, 20, |s, _| async move {
        s.advance_totp_step(id, 5_000).await.unwrap()
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
}

/// `update_user` never writes the password hash or the last TOTP step: writing back an
/// account read before a password change or a TOTP sign-in can neither restore the old
/// password nor reopen a used step.
pub async fn user_update_leaves_credentials_alone(store: SharedStore) {
    let user = store
        .insert_user(&new_user("k@example.com", None, 0), &[])
        .await
        .unwrap();
    let stale = user.clone();
    store
        .set_password_hash(user.id, "$argon2id$new", t(5), RevokeSessions::None, &[])
        .await
        .unwrap();
    assert!(store.advance_totp_step(user.id, 11).await.unwrap());
    store
        .update_user(&User {
            name: "renamed".to_owned(),
            password_hash: Some("$argon2id$attacker".to_owned()),
            totp_last_step: Some(3),
            ..stale.clone()
        })
        .await
        .unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.name, "renamed");
    assert_eq!(read.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(read.totp_last_step, Some(11));
    store
        .update_user(&User {
            totp_last_step: None,
            ..read
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_id(user.id)
            .await
            .unwrap()
            .unwrap()
            .totp_last_step,
        Some(11)
    );
    assert!(!store.advance_totp_step(user.id, 11).await.unwrap());
}

/// Session ids as a set, since revocation order is not part of the contract.
fn as_set(ids: &[SessionId]) -> HashSet<SessionId> {
    ids.iter().copied().collect()
}
