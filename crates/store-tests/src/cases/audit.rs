//! Login history and the audit trail.

use tessera_core::domain::{AuditEvent, LoginEvent, UserId};
use tessera_core::store::SharedStore;
use uuid::Uuid;

use crate::fixtures::t;

fn login(user: Option<UserId>, at: i64, success: bool) -> LoginEvent {
    LoginEvent {
        id: Uuid::now_v7(),
        user_id: user,
        at: t(at),
        ip: Some("198.51.100.1".to_owned()),
        user_agent: Some("ua".to_owned()),
        method: "password".to_owned(),
        dialect: "clumsy".to_owned(),
        success,
    }
}

fn audit(actor: Option<UserId>, target: Option<UserId>, at: i64, action: &str) -> AuditEvent {
    AuditEvent {
        id: Uuid::now_v7(),
        at: t(at),
        actor,
        action: action.to_owned(),
        target,
        ip: None,
        outcome: "ok".to_owned(),
        detail: serde_json::json!({ "why": action, "list": [1, "two", false] }),
    }
}

/// The summary counts only successful sign-ins and returns the latest one.
pub async fn audit_login_summary_counts_successes(store: SharedStore) {
    let user = UserId::new();
    assert_eq!(store.login_summary(user).await.unwrap(), (0, None));
    let first = login(Some(user), 10, true);
    let latest = login(Some(user), 30, true);
    for e in [
        &first,
        &login(Some(user), 20, false),
        &latest,
        &login(Some(user), 40, false),
    ] {
        store.record_login(e).await.unwrap();
    }
    store.record_login(&login(None, 50, false)).await.unwrap();
    store
        .record_login(&login(Some(UserId::new()), 60, true))
        .await
        .unwrap();
    assert_eq!(store.login_summary(user).await.unwrap(), (2, Some(latest)));
}

/// Audit events list newest first, optionally only those where a user is actor or
/// target, up to the limit.
pub async fn audit_list_newest_first_and_filtered(store: SharedStore) {
    let (admin, alice, bob) = (UserId::new(), UserId::new(), UserId::new());
    let e1 = audit(Some(admin), Some(alice), 10, "user.block");
    let e2 = audit(Some(alice), None, 20, "password.change");
    let e3 = audit(None, Some(bob), 30, "login.failure");
    let e4 = audit(Some(bob), Some(alice), 40, "session.revoke");
    for e in [&e3, &e1, &e4, &e2] {
        store.append_audit(e).await.unwrap();
    }
    let all = store.list_audit(None, 10).await.unwrap();
    assert_eq!(all, vec![e4.clone(), e3.clone(), e2.clone(), e1.clone()]);
    assert_eq!(
        store.list_audit(None, 2).await.unwrap(),
        vec![e4.clone(), e3.clone()]
    );
    assert_eq!(
        store.list_audit(Some(alice), 10).await.unwrap(),
        vec![e4.clone(), e2, e1.clone()]
    );
    assert_eq!(store.list_audit(Some(bob), 10).await.unwrap(), vec![e4, e3]);
    assert_eq!(store.list_audit(Some(admin), 10).await.unwrap(), vec![e1]);
    assert!(store
        .list_audit(Some(UserId::new()), 10)
        .await
        .unwrap()
        .is_empty());
}

/// Purging removes audit and login events older than the cut-off and counts both.
pub async fn audit_purge_by_age(store: SharedStore) {
    let user = UserId::new();
    let keep_audit = audit(Some(user), None, 100, "kept");
    store
        .append_audit(&audit(Some(user), None, 10, "old"))
        .await
        .unwrap();
    store.append_audit(&keep_audit).await.unwrap();
    store
        .record_login(&login(Some(user), 20, true))
        .await
        .unwrap();
    let keep_login = login(Some(user), 100, true);
    store.record_login(&keep_login).await.unwrap();

    assert_eq!(store.purge_audit(t(100)).await.unwrap(), 2);
    assert_eq!(store.list_audit(None, 10).await.unwrap(), vec![keep_audit]);
    assert_eq!(
        store.login_summary(user).await.unwrap(),
        (1, Some(keep_login))
    );
    assert_eq!(store.purge_audit(t(100)).await.unwrap(), 0);
}
