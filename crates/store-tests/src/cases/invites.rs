//! Invite codes and quotas: round trips, spending and giving back uses, unlimited quotas,
//! and no overspending under concurrent registrations.

use tessera_core::domain::{InviteCode, InviteTake, UserId};
use tessera_core::store::{SharedStore, StoreError};

use crate::fixtures::{new_user, race, t};

async fn user(store: &SharedStore, email: &str) -> UserId {
    store
        .insert_user(&new_user(email, None, 0), &[])
        .await
        .unwrap()
        .id
}

fn code(hash: &str, owner: Option<UserId>, uses: Option<i64>, at: i64) -> InviteCode {
    InviteCode {
        code_hash: hash.to_owned(),
        owner,
        uses_left: uses,
        created_at: t(at),
    }
}

/// Codes read back as written, oldest first; duplicates and unknown owners are refused.
pub async fn invite_round_trip_and_conflicts(store: SharedStore) {
    let alice = user(&store, "alice@example.com").await;
    let owned = code("h-owned", Some(alice), None, 2);
    let system = code("h-system", None, Some(3), 1);
    store.insert_invite(&owned).await.unwrap();
    store.insert_invite(&system).await.unwrap();
    assert_eq!(store.list_invites().await.unwrap(), vec![system, owned]);
    assert!(matches!(
        store.insert_invite(&code("h-owned", None, None, 3)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .insert_invite(&code("h-ghost", Some(UserId::new()), None, 3))
            .await,
        Err(StoreError::NotFound)
    ));
}

/// An owned code spends its owner's quota down to zero; a negative quota is unlimited;
/// giving back restores a use; a missing quota is zero.
pub async fn invite_owner_quota_counts_down(store: SharedStore) {
    let alice = user(&store, "alice@example.com").await;
    store
        .insert_invite(&code("h-a", Some(alice), None, 1))
        .await
        .unwrap();
    assert_eq!(store.invite_quota(alice).await.unwrap(), 0);
    assert_eq!(
        store.take_invite("h-a").await.unwrap(),
        InviteTake::OwnerExhausted
    );
    store.set_invite_quota(alice, 2).await.unwrap();
    assert_eq!(
        store.take_invite("h-a").await.unwrap(),
        InviteTake::Taken(Some(alice))
    );
    assert_eq!(store.invite_quota(alice).await.unwrap(), 1);
    store.return_invite("h-a").await.unwrap();
    assert_eq!(store.invite_quota(alice).await.unwrap(), 2);
    store.take_invite("h-a").await.unwrap();
    store.take_invite("h-a").await.unwrap();
    assert_eq!(
        store.take_invite("h-a").await.unwrap(),
        InviteTake::OwnerExhausted
    );
    store.set_invite_quota(alice, -1).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            store.take_invite("h-a").await.unwrap(),
            InviteTake::Taken(Some(alice))
        );
    }
    assert_eq!(store.invite_quota(alice).await.unwrap(), -1, "unlimited");
    assert_eq!(
        store.take_invite("h-unknown").await.unwrap(),
        InviteTake::Unknown
    );
    assert!(matches!(
        store.set_invite_quota(UserId::new(), 5).await,
        Err(StoreError::NotFound)
    ));
}

/// A system code with a use limit runs out; one without is unlimited.
pub async fn invite_system_code_uses(store: SharedStore) {
    store
        .insert_invite(&code("h-1", None, Some(1), 1))
        .await
        .unwrap();
    store
        .insert_invite(&code("h-inf", None, None, 1))
        .await
        .unwrap();
    assert_eq!(
        store.take_invite("h-1").await.unwrap(),
        InviteTake::Taken(None)
    );
    assert_eq!(store.take_invite("h-1").await.unwrap(), InviteTake::UsedUp);
    store.return_invite("h-1").await.unwrap();
    assert_eq!(
        store.take_invite("h-1").await.unwrap(),
        InviteTake::Taken(None)
    );
    for _ in 0..5 {
        assert_eq!(
            store.take_invite("h-inf").await.unwrap(),
            InviteTake::Taken(None)
        );
    }
}

/// Concurrent uses never spend more than the quota.
pub async fn invite_quota_never_overspent_under_race(store: SharedStore) {
    let alice = user(&store, "alice@example.com").await;
    store
        .insert_invite(&code("h-a", Some(alice), None, 1))
        .await
        .unwrap();
    store.set_invite_quota(alice, 3).await.unwrap();
    let outcomes = race(&store, 16, |store, _| async move {
        store.take_invite("h-a").await.unwrap()
    })
    .await;
    let taken = outcomes
        .iter()
        .filter(|o| matches!(o, InviteTake::Taken(_)))
        .count();
    assert_eq!(taken, 3, "{outcomes:?}");
    assert_eq!(store.invite_quota(alice).await.unwrap(), 0);
}
