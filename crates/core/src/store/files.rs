//! Store port for uploaded files' metadata (the bytes are in a [`crate::ports::BlobStore`]).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{StoredFile, UserId};

/// What one owner's `File` rows may add up to. Both limits are checked with the insert,
/// in one transaction, so concurrent uploads cannot overshoot either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    /// Total bytes of the owner's files.
    pub max_bytes: i64,
    /// Number of the owner's files; negative: unlimited.
    pub max_files: i64,
}

impl FileLimits {
    /// A byte quota with no limit on the number of files.
    pub fn bytes(max_bytes: i64) -> Self {
        Self {
            max_bytes,
            max_files: -1,
        }
    }

    /// True when an owner with `count` files may store one more.
    pub fn allows_another(&self, count: i64) -> bool {
        self.max_files < 0 || count < self.max_files
    }
}

/// Outcome of storing a file row under a quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileInsert {
    /// Stored. For an avatar, the avatar it replaced (whose blob the caller deletes).
    Stored(Option<StoredFile>),
    /// Refused: the owner's files would exceed the byte quota. Nothing was written.
    OverQuota,
    /// Refused: the owner already has the most files allowed. Nothing was written.
    TooManyFiles,
}

/// Files.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Inserts a file row. A `File` is refused (`TooManyFiles`) when the owner already has
    /// `limits.max_files` `File` rows, or (`OverQuota`) when those rows plus this one would
    /// exceed `limits.max_bytes`; both are checked and written in one transaction, so
    /// concurrent uploads cannot overshoot. An `Avatar` is never limited: it replaces the
    /// owner's previous avatar row, which is returned. `NotFound` when the owner does not
    /// exist or was erased; `Conflict(Other)` when the id is taken.
    async fn insert_file(&self, file: &StoredFile, limits: FileLimits) -> StoreResult<FileInsert>;
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
