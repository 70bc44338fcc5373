//! Social identities: (provider, subject) bound to one account, at most one subject per
//! account and provider, refusals that write nothing, an account created together with
//! its binding or not at all, an account's bindings listed (for the GDPR export), erasure
//! removing the bindings, and races that leave exactly one winner.

use tessera_core::domain::{Email, User, UserId, UserStatus};
use tessera_core::store::{
    BindOutcome, Erasure, ExternalBinding, SharedStore, StoreError, UniqueField,
};

use crate::fixtures::{new_user, race, t};

fn binding(provider: &str, subject: &str, user: UserId, at: i64) -> ExternalBinding {
    ExternalBinding {
        provider: provider.to_owned(),
        subject: subject.to_owned(),
        user_id: user,
        created_at: t(at),
    }
}

async fn user(store: &SharedStore, email: &str) -> UserId {
    store
        .insert_user(&new_user(email, None, 0), &[])
        .await
        .unwrap()
        .id
}

async fn bound_to(store: &SharedStore, provider: &str, subject: &str) -> Option<UserId> {
    store.user_by_external(provider, subject).await.unwrap()
}

/// A bind stores the pair; binding it again to the same account is a no-op success; the
/// subject cannot go to a second account, nor the account take a second subject of the
/// provider, and neither refusal writes anything. Providers are separate namespaces, and
/// subjects compare exactly. An unknown account is `NotFound`.
pub async fn identity_bind_lookup_and_uniqueness(store: SharedStore) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    assert_eq!(bound_to(&store, "google", "g-1").await, None);

    let bind = |b: ExternalBinding| {
        let store = store.clone();
        async move { store.bind_external(&b).await.unwrap() }
    };
    assert_eq!(
        bind(binding("google", "g-1", alice, 1)).await,
        BindOutcome::Bound
    );
    assert_eq!(bound_to(&store, "google", "g-1").await, Some(alice));
    assert_eq!(
        bind(binding("google", "g-1", alice, 2)).await,
        BindOutcome::Bound,
        "the same binding again is a success"
    );
    assert_eq!(
        bind(binding("google", "g-1", bob, 3)).await,
        BindOutcome::SubjectTaken(alice)
    );
    assert_eq!(
        bind(binding("google", "g-2", alice, 4)).await,
        BindOutcome::AccountBound
    );
    assert_eq!(
        bound_to(&store, "google", "g-2").await,
        None,
        "a refused bind writes nothing"
    );
    assert_eq!(bound_to(&store, "google", "g-1").await, Some(alice));

    // The same subject text at another provider is another identity.
    assert_eq!(
        bind(binding("facebook", "g-1", bob, 5)).await,
        BindOutcome::Bound
    );
    assert_eq!(
        bind(binding("facebook", "fb-a", alice, 6)).await,
        BindOutcome::Bound
    );
    assert_eq!(
        bind(binding("google", "g-b", bob, 7)).await,
        BindOutcome::Bound
    );
    assert_eq!(bound_to(&store, "facebook", "g-1").await, Some(bob));
    assert_eq!(bound_to(&store, "facebook", "fb-a").await, Some(alice));
    assert_eq!(bound_to(&store, "google", "g-b").await, Some(bob));
    assert_eq!(bound_to(&store, "google", "G-1").await, None, "exact match");
    assert_eq!(
        bound_to(&store, "google", "g-1 ").await,
        None,
        "exact match"
    );

    let err = store
        .bind_external(&binding("google", "g-9", UserId::new(), 8))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(bound_to(&store, "google", "g-9").await, None);
}

/// An account inserted with its binding is stored with it; when the subject is bound
/// already (`Conflict(Other)`) or the address is taken (`Conflict(Email)`), neither the
/// account nor the binding is written.
pub async fn identity_insert_external_user_is_all_or_nothing(store: SharedStore) {
    let mut carol = new_user("carol@example.com", None, 1);
    carol.password_hash = None;
    let created = store
        .insert_external_user(&carol, "google", "g-carol")
        .await
        .unwrap();
    assert_eq!(
        store.user_by_id(carol.id).await.unwrap().as_ref(),
        Some(&created)
    );
    assert_eq!(bound_to(&store, "google", "g-carol").await, Some(carol.id));

    let dave = new_user("dave@example.com", None, 2);
    let err = store
        .insert_external_user(&dave, "google", "g-carol")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Other)),
        "{err:?}"
    );
    assert!(store.user_by_id(dave.id).await.unwrap().is_none());
    assert!(store
        .user_by_email("dave@example.com")
        .await
        .unwrap()
        .is_none());
    assert_eq!(bound_to(&store, "google", "g-carol").await, Some(carol.id));

    let twin = new_user("Carol@Example.com", None, 3);
    let err = store
        .insert_external_user(&twin, "google", "g-twin")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Email)),
        "{err:?}"
    );
    assert_eq!(bound_to(&store, "google", "g-twin").await, None);
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// Erasure deletes the account's bindings (the subject is personal data) and no other
/// account's; an erased account cannot be bound again, and its former subject is free.
pub async fn identity_erasure_removes_the_accounts_bindings(store: SharedStore) {
    let alice = store
        .insert_user(&new_user("alice@example.com", None, 0), &[])
        .await
        .unwrap();
    let bob = user(&store, "bob@example.com").await;
    for b in [
        binding("google", "g-alice", alice.id, 1),
        binding("facebook", "fb-alice", alice.id, 1),
        binding("google", "g-bob", bob, 1),
    ] {
        assert_eq!(store.bind_external(&b).await.unwrap(), BindOutcome::Bound);
    }
    let erased = User {
        email: Email::from_trusted(format!("{}@erased.invalid", alice.id)),
        name: String::new(),
        status: UserStatus::Blocked,
        updated_at: t(100),
        deleted_at: Some(t(100)),
        ..alice.clone()
    };
    store
        .erase_user(&Erasure {
            user: erased,
            code_subjects: vec![],
            recipients: vec![],
            now: t(100),
        })
        .await
        .unwrap();
    assert_eq!(bound_to(&store, "google", "g-alice").await, None);
    assert_eq!(bound_to(&store, "facebook", "fb-alice").await, None);
    assert_eq!(
        bound_to(&store, "google", "g-bob").await,
        Some(bob),
        "another account's binding stays"
    );

    let err = store
        .bind_external(&binding("google", "g-alice", alice.id, 101))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    let carol = user(&store, "carol@example.com").await;
    assert_eq!(
        store
            .bind_external(&binding("google", "g-alice", carol, 102))
            .await
            .unwrap(),
        BindOutcome::Bound
    );
    assert_eq!(bound_to(&store, "google", "g-alice").await, Some(carol));
}

/// An account's bindings are listed (oldest first, whole and exact), both those made by a
/// bind and the one made with the account; refused binds and other accounts' bindings are
/// not; an unknown account has none, and after erasure the erased account has none while
/// the others' stay.
pub async fn identity_bindings_of_a_user_are_listed_until_erasure(store: SharedStore) {
    let alice = store
        .insert_user(&new_user("alice@example.com", None, 0), &[])
        .await
        .unwrap();
    let bob = user(&store, "bob@example.com").await;
    assert!(store.identities_of_user(alice.id).await.unwrap().is_empty());

    let facebook = binding("facebook", "fb-alice", alice.id, 5);
    let google = binding("google", "g-alice", alice.id, 2);
    let bobs = binding("google", "g-bob", bob, 1);
    for b in [&facebook, &google, &bobs] {
        assert_eq!(store.bind_external(b).await.unwrap(), BindOutcome::Bound);
    }
    // Refused: the subject is Bob's, and Alice has a google subject already.
    assert_eq!(
        store
            .bind_external(&binding("google", "g-bob", alice.id, 6))
            .await
            .unwrap(),
        BindOutcome::SubjectTaken(bob)
    );
    assert_eq!(
        store
            .bind_external(&binding("google", "g-other", alice.id, 7))
            .await
            .unwrap(),
        BindOutcome::AccountBound
    );
    assert_eq!(
        store.identities_of_user(alice.id).await.unwrap(),
        vec![google.clone(), facebook.clone()],
        "oldest first, with their times to the microsecond"
    );
    assert_eq!(
        store.identities_of_user(bob).await.unwrap(),
        vec![bobs.clone()]
    );
    assert!(store
        .identities_of_user(UserId::new())
        .await
        .unwrap()
        .is_empty());

    // Same time: by provider.
    let mut carol = new_user("carol@example.com", None, 9);
    carol.password_hash = None;
    let carol = store
        .insert_external_user(&carol, "google", "g-carol")
        .await
        .unwrap();
    let carols_fb = binding("facebook", "fb-carol", carol.id, 9);
    assert_eq!(
        store.bind_external(&carols_fb).await.unwrap(),
        BindOutcome::Bound
    );
    assert_eq!(
        store.identities_of_user(carol.id).await.unwrap(),
        vec![carols_fb, binding("google", "g-carol", carol.id, 9)],
        "the binding made with the account has the account's time"
    );

    let erased = User {
        email: Email::from_trusted(format!("{}@erased.invalid", alice.id)),
        name: String::new(),
        status: UserStatus::Blocked,
        updated_at: t(100),
        deleted_at: Some(t(100)),
        ..alice.clone()
    };
    store
        .erase_user(&Erasure {
            user: erased,
            code_subjects: vec![],
            recipients: vec![],
            now: t(100),
        })
        .await
        .unwrap();
    assert!(store.identities_of_user(alice.id).await.unwrap().is_empty());
    assert_eq!(
        store.identities_of_user(bob).await.unwrap(),
        vec![bobs],
        "another account's bindings stay"
    );
}

/// Concurrent binds of one subject to many accounts: exactly one wins, every other is
/// told whose it is. Concurrent binds of many subjects to one account: exactly one wins,
/// every other is told the account is bound.
pub async fn identity_concurrent_binds_leave_one_winner(store: SharedStore) {
    let mut users = Vec::new();
    for i in 0..12 {
        users.push(user(&store, &format!("u{i}@example.com")).await);
    }
    let contenders = users.clone();
    let outcomes = race(&store, users.len(), move |store, i| {
        let b = binding("google", "g-race", contenders[i], 10);
        async move { store.bind_external(&b).await.unwrap() }
    })
    .await;
    let winners: Vec<UserId> = outcomes
        .iter()
        .zip(&users)
        .filter(|(o, _)| **o == BindOutcome::Bound)
        .map(|(_, u)| *u)
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    let winner = winners[0];
    for o in &outcomes {
        assert!(
            *o == BindOutcome::Bound || *o == BindOutcome::SubjectTaken(winner),
            "{outcomes:?}"
        );
    }
    assert_eq!(bound_to(&store, "google", "g-race").await, Some(winner));

    let account = users[0];
    let outcomes = race(&store, 12, move |store, i| {
        let b = binding("facebook", &format!("fb-{i}"), account, 20);
        async move { store.bind_external(&b).await.unwrap() }
    })
    .await;
    let bound: Vec<usize> = (0..outcomes.len())
        .filter(|i| outcomes[*i] == BindOutcome::Bound)
        .collect();
    assert_eq!(bound.len(), 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| *o == BindOutcome::Bound || *o == BindOutcome::AccountBound),
        "{outcomes:?}"
    );
    for i in 0..outcomes.len() {
        let expected = (i == bound[0]).then_some(account);
        assert_eq!(
            bound_to(&store, "facebook", &format!("fb-{i}")).await,
            expected
        );
    }
}

/// Concurrent first sign-ins of one subject, each creating its own account (different
/// addresses): exactly one account is created, bound to the subject; the others leave
/// nothing behind.
pub async fn identity_concurrent_external_inserts_leave_one_account(store: SharedStore) {
    let outcomes = race(&store, 12, |store, i| async move {
        let mut u = new_user(&format!("first{i}@example.com"), None, 30);
        u.password_hash = None;
        store
            .insert_external_user(&u, "google", "g-first")
            .await
            .map(|created| created.id)
    })
    .await;
    let created: Vec<UserId> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .copied()
        .collect();
    assert_eq!(created.len(), 1, "{outcomes:?}");
    for o in &outcomes {
        if let Err(e) = o {
            assert!(
                matches!(e, StoreError::Conflict(UniqueField::Other)),
                "{outcomes:?}"
            );
        }
    }
    assert_eq!(store.count_users().await.unwrap(), 1);
    assert_eq!(
        bound_to(&store, "google", "g-first").await,
        Some(created[0])
    );
}
