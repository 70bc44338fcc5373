//! Tests of uploads and downloads (`files.rs`) on a memory blob store, with a fake avatar
//! processor, so each test sees exactly which bytes are left behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;

use super::testing::{harness_with_media, test_ctx, Harness};
use super::*;
use crate::config::CoreConfig;
use crate::domain::{FileKind, SessionId, User};
use crate::error::CoreError;
use crate::ports::{AvatarProcessor, BlobStore, MediaError, MemoryBlobStore};
use crate::store::FileStore;

/// Accepts bytes starting with `IMG` and "re-encodes" them as `PNG` + the rest.
pub(crate) struct FakeAvatars;

#[async_trait]
impl AvatarProcessor for FakeAvatars {
    async fn process_avatar(&self, bytes: Vec<u8>, max_side: u32) -> Result<Vec<u8>, MediaError> {
        assert!(max_side > 0);
        match bytes.strip_prefix(b"IMG") {
            Some(rest) => Ok([b"PNG".as_slice(), rest].concat()),
            None => Err(MediaError::NotAnImage("no IMG header".into())),
        }
    }
}

/// A harness storing uploads in the returned memory blob store.
pub(crate) fn media_harness(
    tweak: impl FnOnce(&mut CoreConfig),
) -> (Harness, Arc<MemoryBlobStore>) {
    let blobs = Arc::new(MemoryBlobStore::default());
    let h = harness_with_media(
        tweak,
        Media {
            blobs: blobs.clone(),
            avatars: Arc::new(FakeAvatars),
        },
    );
    (h, blobs)
}

/// An account and a request identity for it (file rules only look at the account).
async fn owner(h: &Harness, email: &str, is_admin: bool) -> (User, AuthContext) {
    let u = h.account(email, None, None, is_admin).await;
    let auth = AuthContext {
        user_id: u.id,
        session_id: SessionId::new(),
    };
    (u, auth)
}

const HELLO_SHA256: &str = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

#[tokio::test]
async fn an_upload_within_the_limits_comes_back_byte_for_byte() {
    let (h, blobs) = media_harness(|_| {});
    let (u, auth) = owner(&h, "a@example.com", false).await;
    let f = h
        .core
        .upload_file(
            auth,
            "../../notes.txt",
            Some("text/plain"),
            b"hello world",
            &test_ctx(),
        )
        .await
        .unwrap();
    assert_eq!(f.owner, u.id);
    assert_eq!(f.kind, FileKind::File);
    assert_eq!(f.name, "notes.txt");
    assert_eq!(f.content_type, "text/plain");
    assert_eq!(f.size, 11);
    assert_eq!(f.sha256, HELLO_SHA256);
    assert!(f.id.len() == 10 && f.id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(
        !f.blob_key.contains("notes"),
        "the key is the server's, not the client's"
    );
    assert_eq!(blobs.len(), 1);

    let d = h.core.download_file(auth, &f.id).await.unwrap();
    assert_eq!(d.bytes, b"hello world");
    assert_eq!(d.file.sha256, HELLO_SHA256);
    assert_eq!(d.file, f);
    assert!(h
        .core
        .audit_trail(Some(u.id), 100)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "file.upload" && e.detail["file"] == f.id.as_str()));

    assert!(matches!(
        h.core
            .upload_file(auth, "empty", None, b"", &test_ctx())
            .await,
        Err(CoreError::InvalidInput(_))
    ));
    assert_eq!(blobs.len(), 1, "an empty upload stores nothing");
}

#[tokio::test]
async fn only_the_owner_or_an_administrator_downloads() {
    let (h, _) = media_harness(|_| {});
    let (_, auth) = owner(&h, "a@example.com", false).await;
    let (_, other) = owner(&h, "b@example.com", false).await;
    let (_, admin) = owner(&h, "admin@example.com", true).await;
    let f = h
        .core
        .upload_file(auth, "secret.txt", None, b"hello world", &test_ctx())
        .await
        .unwrap();
    assert!(
        matches!(
            h.core.download_file(other, &f.id).await,
            Err(CoreError::NotFound)
        ),
        "another account"
    );
    assert!(
        matches!(
            h.core.download_file(other, "zzzzzzzzzz").await,
            Err(CoreError::NotFound)
        ),
        "the same answer as for no file"
    );
    for bad in ["", "../x", &"a".repeat(65)] {
        assert!(matches!(
            h.core.download_file(auth, bad).await,
            Err(CoreError::NotFound)
        ));
    }
    let d = h.core.download_file(admin, &f.id).await.unwrap();
    assert_eq!(d.bytes, b"hello world");
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_and_stores_nothing() {
    let (h, blobs) = media_harness(|c| c.files.max_file_bytes = 16);
    let (u, auth) = owner(&h, "a@example.com", false).await;
    assert!(matches!(
        h.core
            .upload_file(auth, "big", None, &[7u8; 17], &test_ctx())
            .await,
        Err(CoreError::TooLarge)
    ));
    assert!(blobs.is_empty());
    assert!(h.store.user_files(u.id).await.unwrap().is_empty());
    h.core
        .upload_file(auth, "fits", None, &[7u8; 16], &test_ctx())
        .await
        .unwrap();
    assert_eq!(blobs.len(), 1, "exactly the limit is allowed");
}

#[tokio::test]
async fn a_file_over_the_quota_is_refused_and_its_bytes_removed() {
    let (h, blobs) = media_harness(|c| {
        c.files.max_file_bytes = 16;
        c.files.user_quota_bytes = 20;
    });
    let (u, auth) = owner(&h, "a@example.com", false).await;
    let (_, other) = owner(&h, "b@example.com", false).await;
    let first = h
        .core
        .upload_file(auth, "one", None, &[1u8; 12], &test_ctx())
        .await
        .unwrap();
    assert!(matches!(
        h.core
            .upload_file(auth, "two", None, &[2u8; 12], &test_ctx())
            .await,
        Err(CoreError::QuotaExceeded)
    ));
    assert_eq!(blobs.len(), 1, "the refused upload's bytes were removed");
    assert_eq!(h.store.user_file_bytes(u.id).await.unwrap(), 12);
    assert_eq!(h.store.user_files(u.id).await.unwrap(), vec![first.clone()]);
    h.core
        .upload_file(auth, "three", None, &[3u8; 8], &test_ctx())
        .await
        .unwrap();
    assert_eq!(blobs.len(), 2, "up to the quota exactly");
    h.core
        .upload_avatar(auth, b"IMG avatars do not count".to_vec(), &test_ctx())
        .await
        .unwrap();
    h.core
        .upload_file(other, "theirs", None, &[4u8; 12], &test_ctx())
        .await
        .unwrap();
    assert_eq!(
        blobs.len(),
        4,
        "the quota is per account; avatars are outside it"
    );
}

/// ASVS V5.2.4: besides the bytes, the number of an account's files is limited
/// (`core.files.max_files_per_user`); one more is `QuotaExceeded` and leaves no bytes
/// behind, a delete frees a slot, and avatars are replaced however many files there are.
#[tokio::test]
async fn a_file_over_the_count_limit_is_refused_but_avatars_still_replace() {
    let (h, blobs) = media_harness(|c| c.files.max_files_per_user = 2);
    let (u, auth) = owner(&h, "a@example.com", false).await;
    let (_, other) = owner(&h, "b@example.com", false).await;
    let first = h
        .core
        .upload_file(auth, "one", None, b"1", &test_ctx())
        .await
        .unwrap();
    h.core
        .upload_file(auth, "two", None, b"2", &test_ctx())
        .await
        .unwrap();
    assert!(matches!(
        h.core
            .upload_file(auth, "three", None, b"3", &test_ctx())
            .await,
        Err(CoreError::QuotaExceeded)
    ));
    assert_eq!(blobs.len(), 2, "the refused upload's bytes were removed");
    assert_eq!(h.store.user_files(u.id).await.unwrap().len(), 2);
    let avatar = h
        .core
        .upload_avatar(auth, b"IMG first".to_vec(), &test_ctx())
        .await
        .unwrap();
    let replaced = h
        .core
        .upload_avatar(auth, b"IMG second".to_vec(), &test_ctx())
        .await
        .unwrap();
    assert_eq!(
        h.store.user_avatar(u.id).await.unwrap().map(|f| f.id),
        Some(replaced.id)
    );
    assert!(h.store.file_by_id(&avatar.id).await.unwrap().is_none());
    assert_eq!(blobs.len(), 3, "two files and the current avatar");
    h.core
        .upload_file(other, "theirs", None, b"4", &test_ctx())
        .await
        .unwrap();
    assert!(h.store.delete_file(&first.id).await.unwrap());
    h.core
        .upload_file(auth, "three", None, b"3", &test_ctx())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_default_count_limit_is_a_thousand_and_negative_is_unlimited() {
    assert_eq!(CoreConfig::default().files.max_files_per_user, 1000);
    let (h, _blobs) = media_harness(|c| c.files.max_files_per_user = -1);
    let (u, auth) = owner(&h, "a@example.com", false).await;
    for i in 0..5 {
        h.core
            .upload_file(auth, &format!("f{i}"), None, b"x", &test_ctx())
            .await
            .unwrap();
    }
    assert_eq!(h.store.user_files(u.id).await.unwrap().len(), 5);
    let (h, _blobs) = media_harness(|c| c.files.max_files_per_user = 0);
    let (_, auth) = owner(&h, "a@example.com", false).await;
    assert!(matches!(
        h.core.upload_file(auth, "f", None, b"x", &test_ctx()).await,
        Err(CoreError::QuotaExceeded)
    ));
    h.core
        .upload_avatar(auth, b"IMG still fine".to_vec(), &test_ctx())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_avatar_the_processor_refuses_is_not_an_image_and_stores_nothing() {
    let (h, blobs) = media_harness(|c| c.files.max_avatar_bytes = 32);
    let (u, auth) = owner(&h, "a@example.com", false).await;
    assert!(matches!(
        h.core
            .upload_avatar(auth, b"GIF89a not ours".to_vec(), &test_ctx())
            .await,
        Err(CoreError::NotAnImage)
    ));
    assert!(matches!(
        h.core
            .upload_avatar(auth, [b"IMG".as_slice(), &[0u8; 30]].concat(), &test_ctx())
            .await,
        Err(CoreError::TooLarge)
    ));
    assert!(matches!(
        h.core.upload_avatar(auth, Vec::new(), &test_ctx()).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(blobs.is_empty());
    assert!(h.store.user_avatar(u.id).await.unwrap().is_none());
    assert!(matches!(
        h.core.avatar(auth, None).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_new_avatar_replaces_the_old_one_and_its_bytes() {
    let (h, blobs) = media_harness(|_| {});
    let (u, auth) = owner(&h, "a@example.com", false).await;
    let first = h
        .core
        .upload_avatar(auth, b"IMG first".to_vec(), &test_ctx())
        .await
        .unwrap();
    assert_eq!(first.kind, FileKind::Avatar);
    assert_eq!(first.content_type, "image/png");
    assert_eq!(
        blobs.get(&first.blob_key).await.unwrap().unwrap(),
        b"PNG first"
    );
    let second = h
        .core
        .upload_avatar(auth, b"IMG second".to_vec(), &test_ctx())
        .await
        .unwrap();
    assert_eq!(blobs.len(), 1, "one avatar's bytes");
    assert!(
        blobs.get(&first.blob_key).await.unwrap().is_none(),
        "the first avatar's bytes are gone"
    );
    let mine = h.core.avatar(auth, None).await.unwrap();
    assert_eq!(mine.file, second);
    assert_eq!(mine.bytes, b"PNG second");
    assert_eq!(h.store.user_files(u.id).await.unwrap(), vec![second]);
}

#[tokio::test]
async fn avatars_are_shown_to_any_signed_in_account() {
    let (h, _) = media_harness(|_| {});
    let (alice, a) = owner(&h, "a@example.com", false).await;
    let (bob, b) = owner(&h, "b@example.com", false).await;
    let f = h
        .core
        .upload_avatar(a, b"IMG alice".to_vec(), &test_ctx())
        .await
        .unwrap();
    h.core
        .upload_avatar(b, b"IMG bob".to_vec(), &test_ctx())
        .await
        .unwrap();
    assert_eq!(h.core.avatar(a, None).await.unwrap().bytes, b"PNG alice");
    assert_eq!(h.core.avatar(b, None).await.unwrap().bytes, b"PNG bob");
    assert_eq!(
        h.core.avatar(b, Some(alice.id)).await.unwrap().bytes,
        b"PNG alice"
    );
    assert_eq!(
        h.core.avatar(a, Some(bob.id)).await.unwrap().bytes,
        b"PNG bob"
    );
    assert!(matches!(
        h.core.avatar(a, Some(crate::domain::UserId::new())).await,
        Err(CoreError::NotFound)
    ));
    assert!(
        matches!(
            h.core.download_file(a, &f.id).await,
            Err(CoreError::NotFound)
        ),
        "avatars are not files"
    );
}
