//! Sessions: creation (optionally one per user), touch, revocation, listing.

use std::collections::HashSet;

use tessera_core::domain::{SessionId, UserId};
use tessera_core::store::{SharedStore, StoreError};

use crate::fixtures::{new_user, race, session, t};

/// A session reads back exactly as written.
pub async fn session_round_trip(store: SharedStore) {
    let user = store
        .insert_user(&new_user("s@example.com", None, 0), &[])
        .await
        .unwrap();
    let s = session(user.id, 1);
    assert!(store.create_session(&s, false).await.unwrap().is_empty());
    assert_eq!(store.session_by_id(s.id).await.unwrap().unwrap(), s);
    let mut bare = session(user.id, 2);
    bare.ip = None;
    bare.user_agent = None;
    store.create_session(&bare, false).await.unwrap();
    assert_eq!(store.session_by_id(bare.id).await.unwrap().unwrap(), bare);
    assert!(store
        .session_by_id(SessionId::new())
        .await
        .unwrap()
        .is_none());
}

/// With `single_per_user`, creating a session revokes (and returns) the user's other
/// unrevoked sessions, and nobody else's.
pub async fn session_single_per_user_revokes_others(store: SharedStore) {
    let user = store
        .insert_user(&new_user("s1@example.com", None, 0), &[])
        .await
        .unwrap();
    let other = store
        .insert_user(&new_user("s2@example.com", None, 0), &[])
        .await
        .unwrap();
    let (a, b) = (session(user.id, 1), session(user.id, 2));
    let already = session(user.id, 3);
    let foreign = session(other.id, 4);
    for s in [&a, &b, &already, &foreign] {
        store.create_session(s, false).await.unwrap();
    }
    assert!(store.revoke_session(already.id, t(5)).await.unwrap());

    let single = session(user.id, 10);
    let revoked = store.create_session(&single, true).await.unwrap();
    assert_eq!(
        revoked.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([a.id, b.id])
    );
    let live: Vec<SessionId> = store
        .list_user_sessions(user.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, vec![single.id]);
    assert_eq!(
        store.session_by_id(a.id).await.unwrap().unwrap().revoked_at,
        Some(t(10))
    );
    assert_eq!(
        store
            .session_by_id(already.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(t(5)),
        "an earlier revocation keeps its time"
    );
    assert_eq!(store.list_user_sessions(other.id).await.unwrap().len(), 1);
}

/// Twenty concurrent single-session sign-ins of one user leave exactly one live session,
/// and every other one was reported as revoked by some sign-in.
pub async fn session_single_per_user_race_leaves_one(store: SharedStore) {
    let user = store
        .insert_user(&new_user("s5@example.com", None, 0), &[])
        .await
        .unwrap();
    let uid = user.id;
    let results = race(&store, 20, |s, i| async move {
        let new = session(uid, i64::try_from(i).unwrap());
        let revoked = s.create_session(&new, true).await.unwrap();
        (new.id, revoked)
    })
    .await;
    let live = store.list_user_sessions(uid).await.unwrap();
    assert_eq!(live.len(), 1, "{live:?}");
    let revoked: HashSet<SessionId> = results
        .iter()
        .flat_map(|(_, r)| r.iter().copied())
        .collect();
    let created: HashSet<SessionId> = results.iter().map(|(id, _)| *id).collect();
    assert_eq!(revoked.len(), 19);
    assert!(!revoked.contains(&live[0].id));
    assert!(revoked.iter().all(|id| created.contains(id)));
}

/// `touch_session` moves `last_seen_at` forward only.
pub async fn session_touch_never_moves_backward(store: SharedStore) {
    let user = store
        .insert_user(&new_user("s3@example.com", None, 0), &[])
        .await
        .unwrap();
    let s = session(user.id, 100);
    store.create_session(&s, false).await.unwrap();
    store.touch_session(s.id, t(200)).await.unwrap();
    assert_eq!(
        store
            .session_by_id(s.id)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        t(200)
    );
    store.touch_session(s.id, t(150)).await.unwrap();
    assert_eq!(
        store
            .session_by_id(s.id)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        t(200)
    );
    store.touch_session(s.id, t(200)).await.unwrap();
    store.touch_session(s.id, t(201)).await.unwrap();
    assert_eq!(
        store
            .session_by_id(s.id)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        t(201)
    );
    store.touch_session(SessionId::new(), t(300)).await.unwrap();
}

/// One session is revoked once; a user's sessions are revoked all at once, optionally
/// but one; listing shows only unrevoked sessions, oldest first.
pub async fn session_revoke_one_and_all(store: SharedStore) {
    let user = store
        .insert_user(&new_user("s4@example.com", None, 0), &[])
        .await
        .unwrap();
    let sessions: Vec<_> = (1..=4).map(|i| session(user.id, i)).collect();
    for s in &sessions {
        store.create_session(s, false).await.unwrap();
    }
    let ids: Vec<SessionId> = sessions.iter().map(|s| s.id).collect();
    assert_eq!(
        store
            .list_user_sessions(user.id)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        ids
    );

    assert!(store.revoke_session(ids[0], t(10)).await.unwrap());
    assert!(
        !store.revoke_session(ids[0], t(11)).await.unwrap(),
        "already revoked"
    );
    assert!(
        !store.revoke_session(SessionId::new(), t(11)).await.unwrap(),
        "unknown"
    );
    assert_eq!(
        store
            .session_by_id(ids[0])
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(t(10))
    );

    let revoked = store
        .revoke_user_sessions(user.id, Some(ids[3]), t(20))
        .await
        .unwrap();
    assert_eq!(
        revoked.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([ids[1], ids[2]])
    );
    let live: Vec<SessionId> = store
        .list_user_sessions(user.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live, vec![ids[3]]);

    let revoked = store
        .revoke_user_sessions(user.id, None, t(30))
        .await
        .unwrap();
    assert_eq!(revoked, vec![ids[3]]);
    assert!(store.list_user_sessions(user.id).await.unwrap().is_empty());
    assert!(store
        .revoke_user_sessions(user.id, None, t(40))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .session_by_id(ids[3])
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(t(30))
    );
}

/// A session for an account that does not exist is refused as `NotFound`.
pub async fn session_unknown_user_is_not_found(store: SharedStore) {
    let err = store
        .create_session(&session(UserId::new(), 1), false)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

/// The single-session rule applies within a dialect: other dialects' sessions survive.
pub async fn session_single_per_user_spares_other_dialects(store: SharedStore) {
    let user = store
        .insert_user(&new_user("dialects@example.com", None, 0), &[])
        .await
        .unwrap();
    let mut other = session(user.id, 1);
    other.dialect = "clumsy".to_owned();
    store.create_session(&other, false).await.unwrap();
    let first = session(user.id, 2);
    store.create_session(&first, true).await.unwrap();
    let second = session(user.id, 3);
    let revoked = store.create_session(&second, true).await.unwrap();
    assert_eq!(revoked, vec![first.id]);
    let live: Vec<SessionId> = store
        .list_user_sessions(user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(live.contains(&other.id) && live.contains(&second.id) && !live.contains(&first.id));
}

/// Ending "every session" of one user or of everyone revokes exactly the unrevoked
/// sessions not past their absolute end (idle-looking ones included), returns their ids,
/// keeps earlier revocation times, and leaves other users alone when scoped to one.
pub async fn session_revoke_unexpired_of_one_user_or_everyone(store: SharedStore) {
    let a = store
        .insert_user(&new_user("end-a@example.com", None, 0), &[])
        .await
        .unwrap();
    let b = store
        .insert_user(&new_user("end-b@example.com", None, 0), &[])
        .await
        .unwrap();
    let now = 10_000;
    // `session(_, c)` ends at c + 86 400 and idles out at c + 3 600.
    let a_live = session(a.id, now - 10);
    let a_idle = session(a.id, 0);
    let a_revoked = session(a.id, 1);
    let a_expired = session(a.id, now - 86_400);
    let b_live = session(b.id, now - 20);
    let b_other = session(b.id, now - 30);
    for s in [&a_live, &a_idle, &a_revoked, &a_expired, &b_live, &b_other] {
        store.create_session(s, false).await.unwrap();
    }
    assert!(store.revoke_session(a_revoked.id, t(5)).await.unwrap());

    let ended = store
        .revoke_unexpired_sessions(Some(a.id), t(now))
        .await
        .unwrap();
    assert_eq!(
        ended.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([a_live.id, a_idle.id])
    );
    let revoked_at = |id: SessionId| {
        let store = store.clone();
        async move { store.session_by_id(id).await.unwrap().unwrap().revoked_at }
    };
    assert_eq!(revoked_at(a_live.id).await, Some(t(now)));
    assert_eq!(revoked_at(a_revoked.id).await, Some(t(5)), "kept its time");
    assert_eq!(
        revoked_at(a_expired.id).await,
        None,
        "past its end: untouched"
    );
    assert_eq!(
        store.list_user_sessions(b.id).await.unwrap().len(),
        2,
        "other users keep their sessions"
    );
    assert!(store
        .revoke_unexpired_sessions(Some(a.id), t(now + 1))
        .await
        .unwrap()
        .is_empty());

    let c = store
        .insert_user(&new_user("end-c@example.com", None, 0), &[])
        .await
        .unwrap();
    let c_live = session(c.id, now);
    store.create_session(&c_live, false).await.unwrap();
    let ended = store
        .revoke_unexpired_sessions(None, t(now + 2))
        .await
        .unwrap();
    assert_eq!(
        ended.iter().copied().collect::<HashSet<_>>(),
        HashSet::from([b_live.id, b_other.id, c_live.id])
    );
    for user in [a.id, b.id, c.id] {
        assert!(store
            .list_user_sessions(user)
            .await
            .unwrap()
            .iter()
            .all(|s| s.id == a_expired.id));
    }
    assert_eq!(revoked_at(c_live.id).await, Some(t(now + 2)));
    assert!(store
        .revoke_unexpired_sessions(None, t(now + 3))
        .await
        .unwrap()
        .is_empty());
}
