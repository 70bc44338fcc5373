//! Lockout counters: count, restart the window, lock at the maximum, stay atomic.

use tessera_core::store::{FailureUpdate, LockoutState, SharedStore};

use crate::fixtures::{race, t};

/// A failure at `t(now)` with a 60 s window, `max` failures, a 300 s lock.
fn failure(now: i64, max: i32) -> FailureUpdate {
    FailureUpdate {
        now: t(now),
        window_cutoff: t(now - 60),
        max_failures: max,
        lock_until: t(now + 300),
    }
}

/// Failures count within the window, the key locks when the count reaches the maximum,
/// and a failure after the window restarts counting at 1.
pub async fn lockout_counts_windows_and_locks(store: SharedStore) {
    let key = "account:abc";
    assert!(store.lockout_get(key).await.unwrap().is_none());
    let s1 = store
        .lockout_record_failure(key, failure(0, 3))
        .await
        .unwrap();
    assert_eq!(
        s1,
        LockoutState {
            failures: 1,
            window_started_at: t(0),
            locked_until: None
        }
    );
    let s2 = store
        .lockout_record_failure(key, failure(10, 3))
        .await
        .unwrap();
    assert_eq!(
        s2,
        LockoutState {
            failures: 2,
            window_started_at: t(0),
            locked_until: None
        }
    );
    let s3 = store
        .lockout_record_failure(key, failure(20, 3))
        .await
        .unwrap();
    assert_eq!(
        s3,
        LockoutState {
            failures: 3,
            window_started_at: t(0),
            locked_until: Some(t(320))
        }
    );
    assert_eq!(store.lockout_get(key).await.unwrap(), Some(s3));
    // Beyond the maximum the lock is renewed from the latest failure.
    let s4 = store
        .lockout_record_failure(key, failure(30, 3))
        .await
        .unwrap();
    assert_eq!((s4.failures, s4.locked_until), (4, Some(t(330))));

    // Window started at t(0); a failure at t(60) has cutoff t(0): the window is over.
    let other = "dest:sms:+100";
    store
        .lockout_record_failure(other, failure(0, 5))
        .await
        .unwrap();
    store
        .lockout_record_failure(other, failure(59, 5))
        .await
        .unwrap();
    let restarted = store
        .lockout_record_failure(other, failure(60, 5))
        .await
        .unwrap();
    assert_eq!(
        restarted,
        LockoutState {
            failures: 1,
            window_started_at: t(60),
            locked_until: None
        }
    );
    // A maximum of 1 locks on the first failure, also for a new key.
    let once = store
        .lockout_record_failure("unknown:x@y.z", failure(0, 1))
        .await
        .unwrap();
    assert_eq!(once.locked_until, Some(t(300)));
    assert_eq!(
        store.lockout_get(key).await.unwrap().unwrap().failures,
        4,
        "keys are apart"
    );
}

/// Twenty concurrent failures within one window all count: the final count is 20 and
/// every count from 1 to 20 was returned once.
pub async fn lockout_is_atomic_under_race(store: SharedStore) {
    let states = race(&store, 20, |s, i| async move {
        let i = i64::try_from(i).unwrap();
        s.lockout_record_failure("account:race", failure(i, 10))
            .await
            .unwrap()
    })
    .await;
    let mut counts: Vec<i32> = states.iter().map(|s| s.failures).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<_>>());
    let last = store.lockout_get("account:race").await.unwrap().unwrap();
    assert_eq!(last.failures, 20);
    assert!(last.locked_until.is_some());
}

/// Clearing forgets the key; clearing an unknown key is fine.
pub async fn lockout_clear_forgets(store: SharedStore) {
    store
        .lockout_record_failure("account:c", failure(0, 1))
        .await
        .unwrap();
    store.lockout_clear("account:c").await.unwrap();
    assert!(store.lockout_get("account:c").await.unwrap().is_none());
    store.lockout_clear("account:never").await.unwrap();
    let fresh = store
        .lockout_record_failure("account:c", failure(5, 3))
        .await
        .unwrap();
    assert_eq!(fresh.failures, 1);
}
