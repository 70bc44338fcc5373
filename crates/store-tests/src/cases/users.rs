//! Accounts: inserts, lookups, unique conflicts, updates, paging.

use tessera_core::domain::{Email, Phone, User, UserId, UserSource, UserStatus};
use tessera_core::store::{SharedStore, StoreError, UniqueField};

use crate::fixtures::{mail, new_user, t};

/// Inserting returns the stored account; it is then found by id, by e-mail in any case,
/// by username in any case and (once set) by phone; unknown keys find nothing.
pub async fn user_insert_and_lookups(store: SharedStore) {
    let new = new_user("Alice@Example.COM", Some("Alice_1"), 0);
    let created = store.insert_user(&new, &[]).await.unwrap();
    assert_eq!(created, new.clone().into_user());
    assert_eq!(
        created.email.as_str(),
        "Alice@Example.COM",
        "address kept as typed"
    );

    let by_id = store.user_by_id(new.id).await.unwrap().unwrap();
    assert_eq!(by_id, created);
    let by_email = store
        .user_by_email("alice@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, new.id);
    let by_username = store.user_by_username("alice_1").await.unwrap().unwrap();
    assert_eq!(by_username.id, new.id);

    let phone = Phone::parse("+86 138-0013-8000").unwrap();
    assert!(store.user_by_phone(&phone).await.unwrap().is_none());
    let mut user = by_id;
    user.phone = Some(phone.clone());
    store.update_user(&user).await.unwrap();
    assert_eq!(
        store.user_by_phone(&phone).await.unwrap().unwrap().id,
        new.id
    );

    assert!(store.user_by_id(UserId::new()).await.unwrap().is_none());
    assert!(store
        .user_by_email("nobody@example.com")
        .await
        .unwrap()
        .is_none());
    assert!(store.user_by_username("nobody").await.unwrap().is_none());
    assert!(store
        .user_by_phone(&Phone::parse("+1 555 0100").unwrap())
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// The outbox messages of an insert are written with it, and not at all when the insert
/// fails.
pub async fn user_insert_writes_outbox_atomically(store: SharedStore) {
    let welcome = mail("dave@example.com", 0);
    store
        .insert_user(
            &new_user("dave@example.com", None, 0),
            std::slice::from_ref(&welcome),
        )
        .await
        .unwrap();
    assert_eq!(
        store.outbox_message(welcome.id).await.unwrap().unwrap(),
        welcome
    );

    let lost = mail("DAVE@example.com", 1);
    let err = store
        .insert_user(
            &new_user("DAVE@example.com", None, 1),
            std::slice::from_ref(&lost),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Email)),
        "{err:?}"
    );
    assert!(
        store.outbox_message(lost.id).await.unwrap().is_none(),
        "rolled back with the user"
    );
}

/// A second account with the same address in another case is refused as `Email`.
pub async fn user_duplicate_email_conflicts(store: SharedStore) {
    store
        .insert_user(&new_user("bob@example.com", None, 0), &[])
        .await
        .unwrap();
    let err = store
        .insert_user(&new_user("BOB@Example.com", None, 1), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Email)),
        "{err:?}"
    );
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// A second account with the same username in another case is refused as `Username`;
/// several accounts without a username coexist.
pub async fn user_duplicate_username_conflicts(store: SharedStore) {
    store
        .insert_user(&new_user("c1@example.com", Some("Carol"), 0), &[])
        .await
        .unwrap();
    let err = store
        .insert_user(&new_user("c2@example.com", Some("carol"), 1), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Username)),
        "{err:?}"
    );
    store
        .insert_user(&new_user("c3@example.com", None, 2), &[])
        .await
        .unwrap();
    store
        .insert_user(&new_user("c4@example.com", None, 3), &[])
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 3);
}

/// Updates that would duplicate a phone, address or username are refused with the right
/// field and change nothing; updating an unknown account is `NotFound`.
pub async fn user_update_conflicts(store: SharedStore) {
    let a = store
        .insert_user(&new_user("a@example.com", Some("aa"), 0), &[])
        .await
        .unwrap();
    let b = store
        .insert_user(&new_user("b@example.com", Some("bb"), 1), &[])
        .await
        .unwrap();
    let phone = Phone::parse("+4915112345678").unwrap();
    store
        .update_user(&User {
            phone: Some(phone.clone()),
            ..a.clone()
        })
        .await
        .unwrap();

    let err = store
        .update_user(&User {
            phone: Some(phone),
            ..b.clone()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Phone)),
        "{err:?}"
    );
    let email = Email::from_trusted("A@EXAMPLE.COM".to_owned());
    let err = store
        .update_user(&User { email, ..b.clone() })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Email)),
        "{err:?}"
    );
    let err = store
        .update_user(&User {
            username: Some("AA".to_owned()),
            ..b.clone()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Username)),
        "{err:?}"
    );
    assert_eq!(
        store.user_by_id(b.id).await.unwrap().unwrap(),
        b,
        "b unchanged"
    );

    let ghost = User {
        id: UserId::new(),
        ..new_user("ghost@example.com", None, 2).into_user()
    };
    assert!(matches!(
        store.update_user(&ghost).await,
        Err(StoreError::NotFound)
    ));
}

/// `update_user` writes every mutable profile field, and reads give back exactly what was
/// written: bytes, JSON, and timestamps at microsecond precision. (The password hash and
/// the last TOTP step have their own atomic methods; see `user_update_leaves_credentials_alone`.)
pub async fn user_update_round_trips_every_field(store: SharedStore) {
    let created = store
        .insert_user(&new_user("e@example.com", None, 0), &[])
        .await
        .unwrap();
    let changed = User {
        id: created.id,
        email: Email::from_trusted("Eve.New@Example.org".to_owned()),
        username: Some("Eve_Username".to_owned()),
        name: "Eve Ünïcode 名前".to_owned(),
        avatar: "https://cdn.example.org/a.png".to_owned(),
        phone: Some(Phone::parse("+33 6 12 34 56 78").unwrap()),
        password_hash: created.password_hash.clone(),
        source: UserSource("lark".to_owned()),
        email_verified_at: Some(t(10)),
        status: UserStatus::Blocked,
        is_admin: true,
        totp_secret: Some(vec![0, 1, 2, 254, 255, 0, 7]),
        totp_last_step: created.totp_last_step,
        lark: Some(serde_json::json!({ "open_id": "ou_1", "nested": { "n": [1, 2.5, null] } })),
        created_at: created.created_at,
        updated_at: t(20),
        last_login_at: Some(t(30)),
        restricted: true,
        email_otp: true,
        created_by: Some(UserId::new()),
        confirmation_sent_at: Some(t(40)),
        deleted_at: Some(t(50)),
    };
    store.update_user(&changed).await.unwrap();
    assert_eq!(
        store.user_by_id(created.id).await.unwrap().unwrap(),
        changed
    );
    assert_eq!(
        store
            .user_by_email("eve.new@example.org")
            .await
            .unwrap()
            .unwrap(),
        changed
    );
    assert_eq!(
        store
            .user_by_username("eve_username")
            .await
            .unwrap()
            .unwrap(),
        changed
    );

    // And back to the empty forms.
    let cleared = User {
        username: None,
        phone: None,
        email_verified_at: None,
        status: UserStatus::Active,
        is_admin: false,
        totp_secret: None,
        lark: None,
        last_login_at: None,
        restricted: false,
        email_otp: false,
        created_by: None,
        confirmation_sent_at: None,
        deleted_at: None,
        ..changed
    };
    store.update_user(&cleared).await.unwrap();
    assert_eq!(
        store.user_by_id(created.id).await.unwrap().unwrap(),
        cleared
    );
    assert!(store
        .user_by_username("eve_username")
        .await
        .unwrap()
        .is_none());
}

/// An insert stores the status and the creating administrator it is given, and starts
/// with the new flags off and no confirmation, deletion or sign-in time.
pub async fn user_insert_keeps_status_and_creator(store: SharedStore) {
    let admin = store
        .insert_user(&new_user("admin@example.com", None, 0), &[])
        .await
        .unwrap();
    let mut new = new_user("made@example.com", Some("made"), 1);
    new.status = UserStatus::Blocked;
    new.created_by = Some(admin.id);
    let created = store.insert_user(&new, &[]).await.unwrap();
    assert_eq!(created, new.clone().into_user());
    let read = store.user_by_id(new.id).await.unwrap().unwrap();
    assert_eq!(read, created);
    assert_eq!(read.status, UserStatus::Blocked);
    assert_eq!(read.created_by, Some(admin.id));
    assert!(!read.restricted && !read.email_otp);
    assert_eq!(
        (read.confirmation_sent_at, read.deleted_at),
        (None, None),
        "no confirmation or deletion yet"
    );
    assert_eq!(
        store
            .user_by_id(admin.id)
            .await
            .unwrap()
            .unwrap()
            .created_by,
        None
    );
}

/// The store keeps microseconds: sub-microsecond digits are dropped (rounded down), and
/// what `insert_user` returns is what a read gives back.
pub async fn user_timestamps_keep_microseconds(store: SharedStore) {
    let mut new = new_user("f@example.com", None, 0);
    new.created_at = time::macros::datetime!(2024-03-01 12:00:00.987_654_321 UTC);
    new.email_verified_at = Some(time::macros::datetime!(1999-12-31 23:59:59.000_000_999 UTC));
    let created = store.insert_user(&new, &[]).await.unwrap();
    assert_eq!(
        created.created_at,
        time::macros::datetime!(2024-03-01 12:00:00.987_654 UTC)
    );
    assert_eq!(created.updated_at, created.created_at);
    assert_eq!(
        created.email_verified_at,
        Some(time::macros::datetime!(1999-12-31 23:59:59 UTC))
    );
    assert_eq!(store.user_by_id(new.id).await.unwrap().unwrap(), created);

    let offset = time::macros::datetime!(2024-06-01 08:00:00.000_001 +02:00);
    store
        .update_user(&User {
            last_login_at: Some(offset),
            confirmation_sent_at: Some(
                time::macros::datetime!(2024-06-02 00:00:00.000_002_999 UTC),
            ),
            deleted_at: Some(offset),
            ..created.clone()
        })
        .await
        .unwrap();
    let read = store.user_by_id(new.id).await.unwrap().unwrap();
    assert_eq!(
        read.last_login_at,
        Some(offset),
        "same instant whatever the offset"
    );
    assert_eq!(read.deleted_at, Some(offset));
    assert_eq!(
        read.confirmation_sent_at,
        Some(time::macros::datetime!(2024-06-02 00:00:00.000_002 UTC))
    );
}

/// Pages follow creation time, then id; `count_users` counts everyone.
pub async fn user_list_pages_in_creation_order(store: SharedStore) {
    assert!(store.list_users(0, 10).await.unwrap().is_empty());
    assert_eq!(store.count_users().await.unwrap(), 0);
    // Insert out of order; two share a creation time (ordered by id then).
    let mut expected = Vec::new();
    for (i, created) in [(0, 50), (1, 10), (2, 30), (3, 30), (4, 20)] {
        let u = store
            .insert_user(&new_user(&format!("p{i}@example.com"), None, created), &[])
            .await;
        expected.push(u.unwrap());
    }
    expected.sort_by_key(|u| (u.created_at, u.id));
    assert_eq!(store.count_users().await.unwrap(), 5);
    assert_eq!(store.list_users(0, 10).await.unwrap(), expected);
    assert_eq!(store.list_users(0, 2).await.unwrap(), expected[0..2]);
    assert_eq!(store.list_users(2, 2).await.unwrap(), expected[2..4]);
    assert_eq!(store.list_users(4, 2).await.unwrap(), expected[4..5]);
    assert!(store.list_users(5, 2).await.unwrap().is_empty());
}
