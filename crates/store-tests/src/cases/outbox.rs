//! The outbox: claim due messages with a lease, mark them sent or failed.

use std::collections::HashSet;

use tessera_core::domain::{OutboxChannel, OutboxMessage};
use tessera_core::store::{SharedStore, StoreError};
use uuid::Uuid;

use crate::fixtures::{mail, race, t};

/// Only due, unsent, live messages are claimed, oldest first, up to the limit; a claim
/// moves `next_attempt_at` to the lease end so a second claim gets nothing until then.
pub async fn outbox_claim_due_leases(store: SharedStore) {
    let early = mail("a@example.com", 0);
    let due = mail("b@example.com", 5);
    let mut sms = OutboxMessage::new(OutboxChannel::Sms, "+15550100", "", "code 1", t(6));
    sms.params = serde_json::Value::Null;
    let future = mail("c@example.com", 100);
    let sent = mail("d@example.com", 1);
    let dead = mail("e@example.com", 2);
    for m in [&future, &due, &early, &sms, &sent, &dead] {
        store.enqueue(m).await.unwrap();
    }
    assert_eq!(store.outbox_message(sms.id).await.unwrap().unwrap(), sms);
    store.mark_sent(sent.id, t(3)).await.unwrap();
    store
        .mark_failed(dead.id, "550 no such user", t(4), true)
        .await
        .unwrap();

    let claimed = store.claim_due(t(10), t(70), 2).await.unwrap();
    assert_eq!(ids(&claimed), vec![early.id, due.id]);
    assert_eq!(
        claimed[0],
        OutboxMessage {
            next_attempt_at: t(70),
            ..early.clone()
        }
    );
    let rest = store.claim_due(t(10), t(70), 10).await.unwrap();
    assert_eq!(ids(&rest), vec![sms.id]);
    assert!(
        store.claim_due(t(10), t(70), 10).await.unwrap().is_empty(),
        "all leased"
    );
    assert!(
        store.claim_due(t(69), t(130), 10).await.unwrap().is_empty(),
        "lease holds"
    );
    assert_eq!(
        store
            .outbox_message(due.id)
            .await
            .unwrap()
            .unwrap()
            .next_attempt_at,
        t(70),
        "lease recorded"
    );

    // After the lease the unsent ones come back, together with the now-due future one.
    let again = store.claim_due(t(100), t(160), 10).await.unwrap();
    assert_eq!(
        ids(&again).into_iter().collect::<HashSet<_>>(),
        HashSet::from([early.id, due.id, sms.id, future.id])
    );
    assert!(store.claim_due(t(100), t(160), 0).await.unwrap().is_empty());
}

/// `mark_sent` stops delivery; `mark_failed` counts the attempt, keeps the error and
/// reschedules, or gives up for good. Unknown ids are `NotFound`.
pub async fn outbox_mark_sent_and_failed(store: SharedStore) {
    let m = mail("f@example.com", 0);
    store.enqueue(&m).await.unwrap();
    store
        .mark_failed(m.id, "timeout", t(30), false)
        .await
        .unwrap();
    let read = store.outbox_message(m.id).await.unwrap().unwrap();
    assert_eq!(
        (read.attempts, read.last_error.as_deref()),
        (1, Some("timeout"))
    );
    assert_eq!(
        (read.next_attempt_at, read.dead, read.sent_at),
        (t(30), false, None)
    );
    assert!(store.claim_due(t(29), t(90), 10).await.unwrap().is_empty());
    assert_eq!(
        ids(&store.claim_due(t(30), t(90), 10).await.unwrap()),
        vec![m.id]
    );

    store
        .mark_failed(m.id, "refused", t(200), true)
        .await
        .unwrap();
    let read = store.outbox_message(m.id).await.unwrap().unwrap();
    assert_eq!(
        (read.attempts, read.last_error.as_deref(), read.dead),
        (2, Some("refused"), true)
    );
    assert_eq!(read.body_text, "", "a dead message keeps no body either");
    assert!(
        store
            .claim_due(t(1_000), t(1_100), 10)
            .await
            .unwrap()
            .is_empty(),
        "dead"
    );

    let n = mail("g@example.com", 0);
    store.enqueue(&n).await.unwrap();
    store.mark_sent(n.id, t(5)).await.unwrap();
    let sent = store.outbox_message(n.id).await.unwrap().unwrap();
    assert_eq!(sent.sent_at, Some(t(5)));
    assert_eq!(
        (
            sent.body_text.as_str(),
            sent.body_html.as_deref(),
            &sent.params
        ),
        ("", None, &serde_json::json!({})),
        "a delivered message keeps no body: it may hold a code or a password"
    );
    assert_eq!(
        (sent.recipient.as_str(), sent.subject.as_str()),
        (n.recipient.as_str(), n.subject.as_str())
    );
    assert!(
        store
            .claim_due(t(1_000), t(1_100), 10)
            .await
            .unwrap()
            .is_empty(),
        "sent"
    );

    assert!(matches!(
        store.mark_sent(Uuid::now_v7(), t(1)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.mark_failed(Uuid::now_v7(), "x", t(1), false).await,
        Err(StoreError::NotFound)
    ));
    assert!(store
        .outbox_message(Uuid::now_v7())
        .await
        .unwrap()
        .is_none());
}

/// Many dispatchers claiming at once never get the same message twice, and together
/// they get every due message.
pub async fn outbox_claims_never_overlap(store: SharedStore) {
    let mut all = HashSet::new();
    for i in 0..30 {
        let m = mail(&format!("r{i}@example.com"), i);
        store.enqueue(&m).await.unwrap();
        all.insert(m.id);
    }
    let batches = race(&store, 8, |s, _| async move {
        let mut mine = Vec::new();
        loop {
            let got = s.claim_due(t(100), t(400), 3).await.unwrap();
            if got.is_empty() {
                return mine;
            }
            mine.extend(got.into_iter().map(|m| m.id));
        }
    })
    .await;
    let claimed: Vec<Uuid> = batches.into_iter().flatten().collect();
    let unique: HashSet<Uuid> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), unique.len(), "a message was claimed twice");
    assert_eq!(unique, all);
}

fn ids(messages: &[OutboxMessage]) -> Vec<Uuid> {
    messages.iter().map(|m| m.id).collect()
}
