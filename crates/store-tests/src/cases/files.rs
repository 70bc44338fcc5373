//! File rows: round trips, the per-owner quotas of bytes and of files (checked and written
//! atomically, also under concurrent uploads), and the single current avatar that a new
//! one replaces.

use tessera_core::domain::{FileKind, UserId};
use tessera_core::store::{FileInsert, FileLimits, SharedStore, StoreError, UniqueField};

use crate::fixtures::{new_user, race, stored_file};

async fn user(store: &SharedStore, email: &str) -> UserId {
    store
        .insert_user(&new_user(email, None, 0), &[])
        .await
        .unwrap()
        .id
}

/// Rows read back as written; an owner's files and avatar list oldest first; bytes count
/// only `File` rows; deletes report whether the row existed; an unknown owner is
/// `NotFound` and a taken id `Conflict(Other)`.
pub async fn file_round_trip_and_listing(store: SharedStore) {
    let (alice, bob) = (
        user(&store, "alice@example.com").await,
        user(&store, "bob@example.com").await,
    );
    let late = stored_file(alice, "Zlate00001", FileKind::File, 300, 30);
    let mut early = stored_file(alice, "Aearly0001", FileKind::File, 200, 10);
    early.name = "Résumé (final).pdf".to_owned();
    early.content_type = "application/pdf".to_owned();
    let avatar = stored_file(alice, "Avatar0001", FileKind::Avatar, 5_000, 20);
    let bobs = stored_file(bob, "Bob0000001", FileKind::File, 7, 5);
    for f in [&late, &early, &avatar, &bobs] {
        assert_eq!(
            store
                .insert_file(f, FileLimits::bytes(1_000))
                .await
                .unwrap(),
            FileInsert::Stored(None)
        );
    }
    assert_eq!(
        store.file_by_id("Aearly0001").await.unwrap(),
        Some(early.clone())
    );
    assert!(store.file_by_id("aearly0001").await.unwrap().is_none());
    assert_eq!(
        store.user_files(alice).await.unwrap(),
        vec![early.clone(), avatar.clone(), late.clone()]
    );
    assert_eq!(store.user_avatar(alice).await.unwrap(), Some(avatar));
    assert!(store.user_avatar(bob).await.unwrap().is_none());
    assert_eq!(store.user_file_bytes(alice).await.unwrap(), 500);
    assert_eq!(store.user_file_bytes(bob).await.unwrap(), 7);
    assert_eq!(store.user_file_bytes(UserId::new()).await.unwrap(), 0);

    assert!(matches!(
        store
            .insert_file(
                &stored_file(UserId::new(), "Ghost00001", FileKind::File, 1, 0),
                FileLimits::bytes(1_000)
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let err = store
        .insert_file(
            &stored_file(bob, "Aearly0001", FileKind::File, 1, 40),
            FileLimits::bytes(1_000),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Other)),
        "{err:?}"
    );
    assert_eq!(store.file_by_id("Aearly0001").await.unwrap(), Some(early));

    assert!(store.delete_file("Aearly0001").await.unwrap());
    assert!(!store.delete_file("Aearly0001").await.unwrap());
    assert_eq!(store.user_file_bytes(alice).await.unwrap(), 300);
    assert_eq!(store.user_files(bob).await.unwrap(), vec![bobs]);
}

/// A file that would take the owner past the quota is refused and not written; exactly
/// reaching it is fine; other owners' bytes and avatars do not count, and avatars are
/// never refused for quota.
pub async fn file_quota_refuses_overshoot(store: SharedStore) {
    let (alice, bob) = (
        user(&store, "alice@example.com").await,
        user(&store, "bob@example.com").await,
    );
    store
        .insert_file(
            &stored_file(bob, "Bob0000001", FileKind::File, 900, 0),
            FileLimits::bytes(1_000),
        )
        .await
        .unwrap();
    store
        .insert_file(
            &stored_file(alice, "Avatar0001", FileKind::Avatar, 800, 0),
            FileLimits::bytes(0),
        )
        .await
        .unwrap();
    let first = stored_file(alice, "File000001", FileKind::File, 60, 1);
    assert_eq!(
        store
            .insert_file(&first, FileLimits::bytes(100))
            .await
            .unwrap(),
        FileInsert::Stored(None)
    );
    let too_big = stored_file(alice, "File000002", FileKind::File, 41, 2);
    assert_eq!(
        store
            .insert_file(&too_big, FileLimits::bytes(100))
            .await
            .unwrap(),
        FileInsert::OverQuota
    );
    assert!(store.file_by_id("File000002").await.unwrap().is_none());
    let exact = stored_file(alice, "File000003", FileKind::File, 40, 3);
    assert_eq!(
        store
            .insert_file(&exact, FileLimits::bytes(100))
            .await
            .unwrap(),
        FileInsert::Stored(None)
    );
    assert_eq!(
        store
            .insert_file(
                &stored_file(alice, "File000004", FileKind::File, 1, 4),
                FileLimits::bytes(100)
            )
            .await
            .unwrap(),
        FileInsert::OverQuota
    );
    assert_eq!(
        store
            .insert_file(
                &stored_file(alice, "File000005", FileKind::File, 0, 5),
                FileLimits::bytes(100)
            )
            .await
            .unwrap(),
        FileInsert::Stored(None),
        "an empty file fits a full quota"
    );
    assert_eq!(store.user_file_bytes(alice).await.unwrap(), 100);
    assert_eq!(store.user_files(alice).await.unwrap().len(), 4);
}

/// A new avatar replaces the owner's previous one, which the insert returns (so the
/// caller can delete its blob); other owners' avatars and the owner's files stay.
pub async fn file_avatar_replaces_previous(store: SharedStore) {
    let (alice, bob) = (
        user(&store, "alice@example.com").await,
        user(&store, "bob@example.com").await,
    );
    let first = stored_file(alice, "Avatar0001", FileKind::Avatar, 10, 1);
    let second = stored_file(alice, "Avatar0002", FileKind::Avatar, 20, 2);
    let bobs = stored_file(bob, "Avatar0003", FileKind::Avatar, 30, 3);
    let doc = stored_file(alice, "File000001", FileKind::File, 40, 4);
    store
        .insert_file(&doc, FileLimits::bytes(100))
        .await
        .unwrap();
    store
        .insert_file(&bobs, FileLimits::bytes(100))
        .await
        .unwrap();
    assert_eq!(
        store
            .insert_file(&first, FileLimits::bytes(100))
            .await
            .unwrap(),
        FileInsert::Stored(None)
    );
    assert_eq!(
        store
            .insert_file(&second, FileLimits::bytes(100))
            .await
            .unwrap(),
        FileInsert::Stored(Some(first.clone()))
    );
    assert_eq!(
        store.user_avatar(alice).await.unwrap(),
        Some(second.clone())
    );
    assert!(store.file_by_id("Avatar0001").await.unwrap().is_none());
    assert_eq!(store.user_avatar(bob).await.unwrap(), Some(bobs));
    assert_eq!(store.user_files(alice).await.unwrap(), vec![second, doc]);

    // A refused replacement (its id is taken) keeps the current avatar.
    let clash = stored_file(alice, "File000001", FileKind::Avatar, 1, 5);
    assert!(matches!(
        store.insert_file(&clash, FileLimits::bytes(100)).await,
        Err(StoreError::Conflict(UniqueField::Other))
    ));
    assert_eq!(
        store.user_avatar(alice).await.unwrap().map(|f| f.id),
        Some("Avatar0002".to_owned())
    );
}

/// Ten concurrent 40-byte uploads under a 100-byte quota: exactly two are stored, the
/// rest refused, and the stored bytes never pass the quota.
pub async fn file_quota_holds_under_race(store: SharedStore) {
    let alice = user(&store, "alice@example.com").await;
    let outcomes = race(&store, 10, move |store, i| async move {
        let file = stored_file(alice, &format!("Race{i:06}"), FileKind::File, 40, 1);
        store
            .insert_file(&file, FileLimits::bytes(100))
            .await
            .unwrap()
    })
    .await;
    let stored = outcomes
        .iter()
        .filter(|o| matches!(o, FileInsert::Stored(None)))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, FileInsert::OverQuota))
        .count();
    assert_eq!((stored, refused), (2, 8), "{outcomes:?}");
    assert_eq!(store.user_file_bytes(alice).await.unwrap(), 80);
    assert_eq!(store.user_files(alice).await.unwrap().len(), 2);
}

/// The number of an owner's files is limited with the bytes: at the limit a file is
/// refused (`TooManyFiles`) and not written, even an empty one; a delete frees a slot;
/// other owners' files and avatars do not count, and an avatar replacement is never
/// refused; zero refuses every file and a negative limit is unlimited.
pub async fn file_count_limit_refuses_extra_files(store: SharedStore) {
    let (alice, bob) = (
        user(&store, "alice@example.com").await,
        user(&store, "bob@example.com").await,
    );
    let three = FileLimits {
        max_bytes: 1_000,
        max_files: 3,
    };
    for i in 1..=3 {
        let f = stored_file(bob, &format!("Bob000000{i}"), FileKind::File, 1, i);
        assert_eq!(
            store.insert_file(&f, three).await.unwrap(),
            FileInsert::Stored(None)
        );
    }
    store
        .insert_file(
            &stored_file(alice, "Avatar0001", FileKind::Avatar, 10, 0),
            three,
        )
        .await
        .unwrap();
    for i in 1..=3 {
        let f = stored_file(alice, &format!("File00000{i}"), FileKind::File, 10, i);
        assert_eq!(
            store.insert_file(&f, three).await.unwrap(),
            FileInsert::Stored(None),
            "file {i}: bob's files and alice's avatar do not count"
        );
    }
    let fourth = stored_file(alice, "File000004", FileKind::File, 0, 4);
    assert_eq!(
        store.insert_file(&fourth, three).await.unwrap(),
        FileInsert::TooManyFiles
    );
    assert!(store.file_by_id("File000004").await.unwrap().is_none());
    // At the limit the avatar is still replaced.
    let avatar = stored_file(alice, "Avatar0002", FileKind::Avatar, 10, 5);
    assert!(matches!(
        store.insert_file(&avatar, three).await.unwrap(),
        FileInsert::Stored(Some(old)) if old.id == "Avatar0001"
    ));
    assert!(store.delete_file("File000001").await.unwrap());
    assert_eq!(
        store.insert_file(&fourth, three).await.unwrap(),
        FileInsert::Stored(None),
        "a delete frees a slot"
    );
    let none = FileLimits {
        max_bytes: 1_000,
        max_files: 0,
    };
    assert_eq!(
        store
            .insert_file(&stored_file(bob, "Bob0000009", FileKind::File, 1, 9), none)
            .await
            .unwrap(),
        FileInsert::TooManyFiles
    );
    assert!(
        matches!(
            store
                .insert_file(
                    &stored_file(alice, "Avatar0003", FileKind::Avatar, 10, 9),
                    none
                )
                .await
                .unwrap(),
            FileInsert::Stored(Some(old)) if old.id == "Avatar0002"
        ),
        "avatars are never counted"
    );
    let unlimited = FileLimits {
        max_bytes: 1_000,
        max_files: -1,
    };
    for i in 5..=9 {
        let f = stored_file(alice, &format!("File00000{i}"), FileKind::File, 1, i);
        assert_eq!(
            store.insert_file(&f, unlimited).await.unwrap(),
            FileInsert::Stored(None)
        );
    }
    let alices = store.user_files(alice).await.unwrap();
    assert_eq!(alices.len(), 9, "{alices:?}");
    assert_eq!(
        alices.iter().filter(|f| f.kind == FileKind::Avatar).count(),
        1
    );
    assert_eq!(store.user_files(bob).await.unwrap().len(), 3);
}

/// Ten concurrent 1-byte uploads under a limit of three files (and a roomy byte quota):
/// exactly three are stored, the rest refused, and the owner never has more than three.
pub async fn file_count_limit_holds_under_race(store: SharedStore) {
    let alice = user(&store, "alice@example.com").await;
    let limits = FileLimits {
        max_bytes: 1_000_000,
        max_files: 3,
    };
    let outcomes = race(&store, 10, move |store, i| async move {
        let file = stored_file(alice, &format!("Race{i:06}"), FileKind::File, 1, 1);
        store.insert_file(&file, limits).await.unwrap()
    })
    .await;
    let stored = outcomes
        .iter()
        .filter(|o| matches!(o, FileInsert::Stored(None)))
        .count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, FileInsert::TooManyFiles))
        .count();
    assert_eq!((stored, refused), (3, 7), "{outcomes:?}");
    assert_eq!(store.user_files(alice).await.unwrap().len(), 3);
    assert_eq!(store.user_file_bytes(alice).await.unwrap(), 3);
}
