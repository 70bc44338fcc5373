//! Uploaded files and avatars: the metadata row; the bytes live in a blob store under a
//! server-generated key, never under a name the client chose.

use time::OffsetDateTime;

use super::UserId;

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The account's picture (one current one per account; re-encoded).
    Avatar,
    /// Any file (counts against the per-user quota).
    File,
}

impl FileKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Avatar => "avatar",
            Self::File => "file",
        }
    }

    /// Parses the stored form.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "avatar" => Some(Self::Avatar),
            "file" => Some(Self::File),
            _ => None,
        }
    }
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Public id (10 alphanumeric characters, as in Ugene's download URLs).
    pub id: String,
    /// Owner.
    pub owner: UserId,
    /// Avatar or file.
    pub kind: FileKind,
    /// The client's file name, sanitised, for the download's Content-Disposition.
    pub name: String,
    /// Media type served on download.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Key in the blob store.
    pub blob_key: String,
    /// Upload time.
    pub created_at: OffsetDateTime,
}
