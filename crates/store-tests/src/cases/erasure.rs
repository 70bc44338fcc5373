//! GDPR erasure: one call blanks the account and removes or pseudonymises everything
//! that belongs to the person, and touches nothing of anyone else's; a refused erasure
//! changes nothing.

use tessera_core::domain::{
    AuditEvent, Email, FileKind, LoginEvent, NewTodoItem, SessionId, TokenPair, User, UserId,
    UserStatus,
};
use tessera_core::store::{Erasure, FileLimits, SharedStore, StoreError, UniqueField};
use uuid::Uuid;

use crate::fixtures::{code, mail, new_role, new_user, session, stored_file, t};

/// What [`seed`] gave one account, to check afterwards.
struct Seeded {
    user: User,
    live_sessions: Vec<SessionId>,
    revoked_session: SessionId,
    pair: TokenPair,
    todo: i64,
    role: i64,
    file_ids: Vec<String>,
    subjects: Vec<String>,
}

fn login(user: UserId, at: i64) -> LoginEvent {
    LoginEvent {
        id: Uuid::now_v7(),
        user_id: Some(user),
        at: t(at),
        ip: Some("198.51.100.9".to_owned()),
        user_agent: Some("ua".to_owned()),
        method: "password".to_owned(),
        dialect: "ugene".to_owned(),
        success: true,
    }
}

fn audit(actor: Option<UserId>, target: Option<UserId>, at: i64) -> AuditEvent {
    AuditEvent {
        id: Uuid::now_v7(),
        at: t(at),
        actor,
        action: "user.update".to_owned(),
        target,
        ip: Some("203.0.113.5".to_owned()),
        outcome: "ok".to_owned(),
        detail: serde_json::json!({ "n": at }),
    }
}

/// An account with one of everything erasure deals with; `tag` keeps ids and hashes
/// apart between accounts.
async fn seed(store: &SharedStore, email: &str, tag: u8) -> Seeded {
    let user = store
        .insert_user(&new_user(email, Some(&format!("user{tag}")), 0), &[])
        .await
        .unwrap();
    assert!(store.advance_totp_step(user.id, 1_000).await.unwrap());
    let live = [session(user.id, 1), session(user.id, 2)];
    let old = session(user.id, 3);
    for s in live.iter().chain([&old]) {
        store.create_session(s, false).await.unwrap();
    }
    assert!(store.revoke_session(old.id, t(4)).await.unwrap());
    let pair = TokenPair {
        id: Uuid::now_v7(),
        session_id: live[0].id,
        user_id: user.id,
        access_hash: vec![b'a', tag],
        refresh_hash: vec![b'r', tag],
        lifespan_secs: 3_600,
        created_at: t(5),
        access_expires_at: t(3_605),
        refresh_expires_at: t(30_000),
        spent_at: None,
    };
    store.insert_token_pair(&pair).await.unwrap();
    let subjects = vec![user.id.to_string(), user.email.normalized()];
    for (purpose, subject) in [
        ("email_otp", &subjects[0]),
        ("password_reset", &subjects[1]),
    ] {
        store
            .put_code(&code(purpose, subject, 6), None)
            .await
            .unwrap();
    }
    let todo = store
        .insert_todo(&NewTodoItem {
            user_id: user.id,
            task: format!("task {tag}"),
            more_info: None,
            date: None,
            repeat: None,
            created_at: t(7),
        })
        .await
        .unwrap();
    let role = store
        .create_role(&new_role(&format!("role {tag}"), &[1, 2], 8))
        .await
        .unwrap()
        .id;
    store.assign_role(user.id, role).await.unwrap();
    let file_ids = vec![format!("avatar{tag}"), format!("file{tag}")];
    for (id, kind) in file_ids.iter().zip([FileKind::Avatar, FileKind::File]) {
        store
            .insert_file(
                &stored_file(user.id, id, kind, 10, 9),
                FileLimits::bytes(1_000),
            )
            .await
            .unwrap();
    }
    store.record_login(&login(user.id, 10)).await.unwrap();
    store.set_invite_quota(user.id, 5).await.unwrap();
    Seeded {
        user,
        live_sessions: live.iter().map(|s| s.id).collect(),
        revoked_session: old.id,
        pair,
        todo,
        role,
        file_ids,
        subjects,
    }
}

/// The blanked account row a service would write.
fn blanked(user: &User) -> User {
    User {
        email: Email::from_trusted(format!("{}@erased.invalid", user.id)),
        username: None,
        name: String::new(),
        avatar: String::new(),
        phone: None,
        email_verified_at: None,
        status: UserStatus::Blocked,
        lark: None,
        updated_at: t(100),
        restricted: false,
        email_otp: false,
        deleted_at: Some(t(100)),
        ..user.clone()
    }
}

/// Asserts that everything [`seed`] gave `s` is still there, as it was.
async fn assert_intact(store: &SharedStore, s: &Seeded) {
    let user = store.user_by_id(s.user.id).await.unwrap().unwrap();
    assert_eq!(user.email, s.user.email);
    assert!(user.password_hash.is_some() && user.totp_last_step == Some(1_000));
    let live: Vec<SessionId> = store
        .list_user_sessions(s.user.id)
        .await
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(live, s.live_sessions);
    assert_eq!(
        store
            .token_by_access_hash(&s.pair.access_hash)
            .await
            .unwrap(),
        Some(s.pair.clone())
    );
    assert!(store
        .live_code("email_otp", &s.subjects[0])
        .await
        .unwrap()
        .is_some());
    assert!(store
        .live_code("password_reset", &s.subjects[1])
        .await
        .unwrap()
        .is_some());
    assert!(store.todo_by_id(s.user.id, s.todo).await.unwrap().is_some());
    let roles: Vec<i64> = store
        .user_roles(s.user.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(roles, vec![s.role]);
    let files: Vec<String> = store
        .user_files(s.user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(files, s.file_ids);
    assert_eq!(store.login_summary(s.user.id).await.unwrap().0, 1);
    assert_eq!(store.invite_quota(s.user.id).await.unwrap(), 5);
}

/// Erasure writes the blanked row and clears the password and TOTP state, revokes the
/// live sessions (returning exactly them), deletes token pairs, the codes for the given
/// subjects, to-dos, role assignments, file rows, login history and the invite quota,
/// and removes the IP from audit events about the account, which stay. Another
/// account's data is untouched.
pub async fn user_erase_removes_everything_listed(store: SharedStore) {
    let alice = seed(&store, "alice@example.com", 1).await;
    let bob = seed(&store, "bob@example.com", 2).await;
    let unrelated_code = code("email_verification", "carol@example.com", 6);
    store.put_code(&unrelated_code, None).await.unwrap();
    let events = [
        audit(Some(alice.user.id), None, 11),
        audit(Some(bob.user.id), Some(alice.user.id), 12),
        audit(Some(bob.user.id), Some(bob.user.id), 13),
        audit(None, None, 14),
    ];
    for e in &events {
        store.append_audit(e).await.unwrap();
    }
    let to_alice = [mail("alice@example.com", 1), mail("alice@example.com", 2)];
    let to_bob = mail("bob@example.com", 3);
    for m in to_alice.iter().chain([&to_bob]) {
        store.enqueue(m).await.unwrap();
    }
    store.mark_sent(to_alice[0].id, t(5)).await.unwrap();

    let mut erased = blanked(&alice.user);
    erased.totp_secret = Some(vec![9, 9, 9]);
    let erasure = Erasure {
        user: erased.clone(),
        code_subjects: alice.subjects.clone(),
        recipients: vec!["alice@example.com".to_owned()],
        now: t(100),
    };
    let mut revoked = store.erase_user(&erasure).await.unwrap();
    revoked.sort();
    let mut expected = alice.live_sessions.clone();
    expected.sort();
    assert_eq!(
        revoked, expected,
        "the live sessions, not the one revoked before"
    );

    let row = store.user_by_id(alice.user.id).await.unwrap().unwrap();
    assert_eq!(
        row,
        User {
            password_hash: None,
            totp_secret: None,
            totp_last_step: None,
            ..erased
        }
    );
    assert!(store
        .user_by_email("alice@example.com")
        .await
        .unwrap()
        .is_none());
    assert!(store.user_by_username("user1").await.unwrap().is_none());
    for id in &alice.live_sessions {
        let s = store.session_by_id(*id).await.unwrap().unwrap();
        assert_eq!(s.revoked_at, Some(t(100)));
        assert_eq!((s.ip, s.user_agent), (None, None), "no address kept");
    }
    for m in &to_alice {
        assert!(
            store.outbox_message(m.id).await.unwrap().is_none(),
            "mail to the erased address, sent or not, is gone"
        );
    }
    assert!(store.outbox_message(to_bob.id).await.unwrap().is_some());
    let old = store
        .session_by_id(alice.revoked_session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        old.revoked_at,
        Some(t(4)),
        "already revoked: left as it was"
    );
    assert!(store
        .list_user_sessions(alice.user.id)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .token_by_access_hash(&alice.pair.access_hash)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .token_by_refresh_hash(&alice.pair.refresh_hash)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .live_code("email_otp", &alice.subjects[0])
        .await
        .unwrap()
        .is_none());
    assert!(store
        .live_code("password_reset", &alice.subjects[1])
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .live_code("email_verification", "carol@example.com")
            .await
            .unwrap(),
        Some(unrelated_code)
    );
    assert!(store
        .todo_by_id(alice.user.id, alice.todo)
        .await
        .unwrap()
        .is_none());
    assert!(store.user_roles(alice.user.id).await.unwrap().is_empty());
    assert!(
        store.role_by_id(alice.role).await.unwrap().is_some(),
        "the role itself stays"
    );
    assert!(store.user_files(alice.user.id).await.unwrap().is_empty());
    for id in &alice.file_ids {
        assert!(store.file_by_id(id).await.unwrap().is_none());
    }
    assert_eq!(store.user_file_bytes(alice.user.id).await.unwrap(), 0);
    assert!(store.user_avatar(alice.user.id).await.unwrap().is_none());
    assert_eq!(store.login_summary(alice.user.id).await.unwrap(), (0, None));
    assert_eq!(store.invite_quota(alice.user.id).await.unwrap(), 0);

    let about_alice = store.list_audit(Some(alice.user.id), 10).await.unwrap();
    assert_eq!(about_alice.len(), 2, "audit events stay");
    assert!(about_alice.iter().all(|e| e.ip.is_none()));
    let all = store.list_audit(None, 10).await.unwrap();
    assert_eq!(all.len(), 4);
    for e in &events[2..] {
        assert!(all.contains(e), "events not about alice keep their IP");
    }

    assert_intact(&store, &bob).await;
}

/// Erasing an unknown account is `NotFound`; an erasure whose row would take another
/// account's address is refused as `Conflict(Email)`. Either way nothing changes.
pub async fn user_erase_refused_changes_nothing(store: SharedStore) {
    let alice = seed(&store, "alice@example.com", 1).await;
    let bob = seed(&store, "bob@example.com", 2).await;

    let ghost = Erasure {
        user: blanked(&new_user("ghost@example.com", None, 0).into_user()),
        code_subjects: alice.subjects.clone(),
        recipients: Vec::new(),
        now: t(100),
    };
    assert!(matches!(
        store.erase_user(&ghost).await,
        Err(StoreError::NotFound)
    ));

    let clash = Erasure {
        user: User {
            email: bob.user.email.clone(),
            ..blanked(&alice.user)
        },
        code_subjects: alice.subjects.clone(),
        recipients: Vec::new(),
        now: t(100),
    };
    let err = store.erase_user(&clash).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Email)),
        "{err:?}"
    );
    assert_intact(&store, &alice).await;
    assert_intact(&store, &bob).await;
    assert_eq!(
        store.user_by_id(alice.user.id).await.unwrap().unwrap(),
        User {
            totp_last_step: Some(1_000),
            ..alice.user.clone()
        }
    );
}
