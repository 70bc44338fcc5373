//! Store port for uploaded files' metadata (the bytes are in a [`crate::ports::BlobStore`]).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{StoredFile, UserId};

/// Outcome of storing a file row under a quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileInsert {
    /// Stored. For an avatar, the avatar it replaced (whose blob the caller deletes).
    Stored(Option<StoredFile>),
    /// Refused: the owner's files would exceed the quota. Nothing was written.
    OverQuota,
}

/// Files.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Inserts a file row. A `File` is refused when the owner's `File` rows plus this one
    /// would exceed `quota_bytes` (checked and written in one transaction, so concurrent
    /// uploads cannot overshoot). An `Avatar` replaces the owner's previous avatar row,
    /// which is returned. `NotFound` when the owner does not exist or was erased; `Conflict(Other)`
    /// when the id is taken.
    async fn insert_file(&self, file: &StoredFile, quota_bytes: i64) -> StoreResult<FileInsert>;
    /// By public id.
    async fn file_by_id(&self, id: &str) -> StoreResult<Option<StoredFile>>;
    /// The owner's current avatar.
    async fn user_avatar(&self, owner: UserId) -> StoreResult<Option<StoredFile>>;
    /// The owner's files and avatar, oldest first.
    async fn user_files(&self, owner: UserId) -> StoreResult<Vec<StoredFile>>;
    /// Bytes used by the owner's `File` rows.
    async fn user_file_bytes(&self, owner: UserId) -> StoreResult<i64>;
    /// Deletes a row; false when it did not exist.
    async fn delete_file(&self, id: &str) -> StoreResult<bool>;
}
