//! One-time codes: replace, count attempts down, consume once, delete and purge.

use tessera_core::store::SharedStore;
use uuid::Uuid;

use crate::fixtures::{code, mail, race, t};

/// A new code for the same (purpose, subject) replaces the old one, with its delivery
/// message written in the same transaction; other purposes and subjects are untouched.
pub async fn code_put_replaces_previous(store: SharedStore) {
    assert!(store
        .live_code("sms_login", "+100000")
        .await
        .unwrap()
        .is_none());
    let first = code("sms_login", "+100000", 0);
    let message = mail("+100000", 0);
    store.put_code(&first, Some(&message)).await.unwrap();
    assert_eq!(
        store
            .live_code("sms_login", "+100000")
            .await
            .unwrap()
            .unwrap(),
        first
    );
    assert_eq!(
        store.outbox_message(message.id).await.unwrap().unwrap(),
        message
    );

    let other_purpose = code("phone_bind", "+100000", 1);
    let other_subject = code("sms_login", "+200000", 1);
    store.put_code(&other_purpose, None).await.unwrap();
    store.put_code(&other_subject, None).await.unwrap();

    let mut second = code("sms_login", "+100000", 60);
    second.code_hash = vec![0xCD; 32];
    second.data = None;
    store.put_code(&second, None).await.unwrap();
    assert_eq!(
        store
            .live_code("sms_login", "+100000")
            .await
            .unwrap()
            .unwrap(),
        second
    );
    assert!(
        !store.consume_code(first.id, t(61)).await.unwrap(),
        "the old code is gone"
    );
    assert_eq!(store.spend_code_attempt(first.id).await.unwrap(), None);
    assert_eq!(
        store
            .live_code("phone_bind", "+100000")
            .await
            .unwrap()
            .unwrap(),
        other_purpose
    );
    assert_eq!(
        store
            .live_code("sms_login", "+200000")
            .await
            .unwrap()
            .unwrap(),
        other_subject
    );

    // A consumed code is not live; a new one after it is.
    assert!(store.consume_code(second.id, t(70)).await.unwrap());
    assert!(store
        .live_code("sms_login", "+100000")
        .await
        .unwrap()
        .is_none());
    let third = code("sms_login", "+100000", 80);
    store.put_code(&third, None).await.unwrap();
    assert_eq!(
        store
            .live_code("sms_login", "+100000")
            .await
            .unwrap()
            .unwrap(),
        third
    );
}

/// Each wrong guess spends one attempt; at zero (or for an unknown code) it is `None`.
pub async fn code_spend_attempt_counts_down(store: SharedStore) {
    let c = code("password_reset", "x@example.com", 0);
    store.put_code(&c, None).await.unwrap();
    assert_eq!(store.spend_code_attempt(c.id).await.unwrap(), Some(2));
    assert_eq!(store.spend_code_attempt(c.id).await.unwrap(), Some(1));
    assert_eq!(store.spend_code_attempt(c.id).await.unwrap(), Some(0));
    assert_eq!(store.spend_code_attempt(c.id).await.unwrap(), None);
    assert_eq!(store.spend_code_attempt(c.id).await.unwrap(), None);
    assert_eq!(
        store
            .live_code("password_reset", "x@example.com")
            .await
            .unwrap()
            .unwrap()
            .attempts_left,
        0
    );
    assert_eq!(
        store.spend_code_attempt(Uuid::now_v7()).await.unwrap(),
        None
    );

    // Twenty racing wrong guesses on three attempts: exactly three are counted.
    let d = code("password_reset", "y@example.com", 0);
    store.put_code(&d, None).await.unwrap();
    let id = d.id;
    let left = race(&store, 20, |s, _| async move {
        s.spend_code_attempt(id).await.unwrap()
    })
    .await;
    let mut counted: Vec<i32> = left.into_iter().flatten().collect();
    counted.sort_unstable();
    assert_eq!(counted, vec![0, 1, 2]);
}

/// Twenty concurrent redemptions: exactly one consumes the code.
pub async fn code_consume_once_under_race(store: SharedStore) {
    let c = code("sms_login", "+300000", 0);
    store.put_code(&c, None).await.unwrap();
    let id = c.id;
    let wins = race(&store, 20, |s, _| async move {
        s.consume_code(id, t(5)).await.unwrap()
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    assert!(store
        .live_code("sms_login", "+300000")
        .await
        .unwrap()
        .is_none());
    assert!(!store.consume_code(id, t(6)).await.unwrap());
    assert!(!store.consume_code(Uuid::now_v7(), t(6)).await.unwrap());
}

/// `delete_codes` removes one (purpose, subject); `purge_codes` removes codes that
/// expired before the cut-off and says how many.
pub async fn code_delete_and_purge(store: SharedStore) {
    let keep = code("refresh", "session-1", 0);
    let gone = code("refresh", "session-2", 0);
    store.put_code(&keep, None).await.unwrap();
    store.put_code(&gone, None).await.unwrap();
    store.delete_codes("refresh", "session-2").await.unwrap();
    assert!(store
        .live_code("refresh", "session-2")
        .await
        .unwrap()
        .is_none());
    assert!(store
        .live_code("refresh", "session-1")
        .await
        .unwrap()
        .is_some());
    store.delete_codes("refresh", "never-issued").await.unwrap();

    // Expiry: created at 0 → expires t(600); created at 1000 → t(1600); at 2000 → t(2600).
    let old = code("sms_login", "+1", 0);
    let mid = code("sms_login", "+2", 1_000);
    let new = code("sms_login", "+3", 2_000);
    for c in [&old, &mid, &new] {
        store.put_code(c, None).await.unwrap();
    }
    assert_eq!(
        store.purge_codes(t(600)).await.unwrap(),
        0,
        "expiring exactly then is kept"
    );
    assert_eq!(
        store.purge_codes(t(1_601)).await.unwrap(),
        3,
        "keep, old and mid"
    );
    assert!(store.live_code("sms_login", "+1").await.unwrap().is_none());
    assert!(store.live_code("sms_login", "+2").await.unwrap().is_none());
    assert_eq!(
        store.live_code("sms_login", "+3").await.unwrap().unwrap(),
        new
    );
}
