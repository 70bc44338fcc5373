//! Opaque token pairs and numeric user ids.

use std::collections::HashSet;

use tessera_core::domain::{SessionId, TokenPair, UserId};
use tessera_core::store::SharedStore;
use uuid::Uuid;

use crate::fixtures::{new_user, race, session, t};

async fn user_with_session(store: &SharedStore, email: &str) -> (UserId, SessionId) {
    let user = store
        .insert_user(&new_user(email, None, 0), &[])
        .await
        .unwrap();
    let s = session(user.id, 0);
    store.create_session(&s, false).await.unwrap();
    (user.id, s.id)
}

fn pair(user: UserId, session: SessionId, tag: u8, created: i64) -> TokenPair {
    TokenPair {
        id: Uuid::now_v7(),
        session_id: session,
        user_id: user,
        access_hash: vec![b'a', tag, 1, 2, 3],
        refresh_hash: vec![b'r', tag, 1, 2, 3],
        lifespan_secs: 3_600,
        created_at: t(created),
        access_expires_at: t(created + 3_600),
        refresh_expires_at: t(created + 3_600 + 28_800),
        spent_at: None,
    }
}

/// A pair is found by either hash and reads back exactly; hashes are unique.
pub async fn token_pair_round_trip(store: SharedStore) {
    let (user, s) = user_with_session(&store, "tok@example.com").await;
    let p = pair(user, s, 1, 10);
    store.insert_token_pair(&p).await.unwrap();
    assert_eq!(
        store.token_by_access_hash(&p.access_hash).await.unwrap(),
        Some(p.clone())
    );
    assert_eq!(
        store.token_by_refresh_hash(&p.refresh_hash).await.unwrap(),
        Some(p.clone())
    );
    assert_eq!(
        store.token_by_access_hash(&p.refresh_hash).await.unwrap(),
        None
    );
    assert_eq!(store.token_by_refresh_hash(b"nope").await.unwrap(), None);
    let dup = TokenPair {
        id: Uuid::now_v7(),
        refresh_hash: vec![9],
        ..p.clone()
    };
    assert!(
        store.insert_token_pair(&dup).await.is_err(),
        "access hashes are unique"
    );
}

/// A refresh token is spent once, however many callers race; the time is recorded.
pub async fn token_spend_once_under_race(store: SharedStore) {
    let (user, s) = user_with_session(&store, "race@example.com").await;
    let p = pair(user, s, 2, 10);
    store.insert_token_pair(&p).await.unwrap();
    let id = p.id;
    let wins = race(&store, 20, move |st, _| async move {
        st.spend_refresh_token(id, t(20)).await.unwrap()
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
    let read = store
        .token_by_refresh_hash(&p.refresh_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.spent_at, Some(t(20)));
    assert!(!store.spend_refresh_token(id, t(30)).await.unwrap());
}

/// Pairs whose refresh token ended are purged; live ones stay.
pub async fn token_purge_by_refresh_expiry(store: SharedStore) {
    let (user, s) = user_with_session(&store, "purge@example.com").await;
    let old = pair(user, s, 3, 0);
    let fresh = pair(user, s, 4, 100_000);
    store.insert_token_pair(&old).await.unwrap();
    store.insert_token_pair(&fresh).await.unwrap();
    assert_eq!(store.purge_token_pairs(t(50_000)).await.unwrap(), 1);
    assert!(store
        .token_by_access_hash(&old.access_hash)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .token_by_access_hash(&fresh.access_hash)
        .await
        .unwrap()
        .is_some());
}

/// Numeric user ids are positive, distinct, stable, and agree under concurrent first calls.
pub async fn user_numbers_are_stable_and_distinct(store: SharedStore) {
    let a = store
        .insert_user(&new_user("n1@example.com", None, 0), &[])
        .await
        .unwrap()
        .id;
    let b = store
        .insert_user(&new_user("n2@example.com", None, 1), &[])
        .await
        .unwrap()
        .id;
    let got = race(&store, 10, move |st, _| async move {
        st.user_number(a).await.unwrap()
    })
    .await;
    let first = got[0];
    assert!(first > 0);
    assert!(got.iter().all(|n| *n == first), "{got:?}");
    let nb = store.user_number(b).await.unwrap();
    assert_ne!(nb, first);
    assert_eq!(store.user_number(a).await.unwrap(), first);
    let set: HashSet<i64> = [first, nb].into_iter().collect();
    assert_eq!(set.len(), 2);
}
