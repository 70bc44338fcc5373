//! Uploads: files (size limit, per-account quota of bytes and of files) and avatars
//! (checked by content and re-encoded), stored under server-generated keys; downloads only
//! by the owner or an administrator.
//!
//! The bytes are written before the row and removed again if the row is refused (quota,
//! a race, a store error), so a failed upload leaves nothing behind.

use sha2::{Digest, Sha256};

use super::sessions::AuthContext;
use super::Core;
use crate::domain::{FileKind, RequestContext, StoredFile, UserId};
use crate::error::{CoreError, CoreResult};
use crate::ports::MediaError;
use crate::security::random;
use crate::store::{FileInsert, FileLimits};

/// Length of a public file id (as in Ugene's download URLs).
const FILE_ID_LEN: usize = 10;
/// Longest stored file name.
const MAX_NAME_CHARS: usize = 200;

/// A file to hand to a client.
#[derive(Debug, Clone)]
pub struct Download {
    /// Its metadata.
    pub file: StoredFile,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A file name safe to echo in a header: no path, no control or quote characters.
fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A declared media type kept only when it is a plain `type/subtype` token; downloads are
/// served as attachments with `nosniff`, so the type is informational.
fn clean_type(declared: Option<&str>) -> String {
    let ok = |s: &str| {
        s.len() <= 100
            && s.split_once('/').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '+' | '-'))
            })
    };
    match declared.map(str::trim) {
        Some(t) if ok(t) => t.to_ascii_lowercase(),
        _ => "application/octet-stream".to_owned(),
    }
}

fn media_error(e: MediaError) -> CoreError {
    match e {
        MediaError::NotAnImage(_) => CoreError::NotAnImage,
        MediaError::Storage(msg) => CoreError::Internal(msg),
    }
}

impl Core {
    async fn store_upload(
        &self,
        owner: UserId,
        kind: FileKind,
        name: String,
        content_type: String,
        bytes: &[u8],
        ctx: &RequestContext,
    ) -> CoreResult<StoredFile> {
        let file = StoredFile {
            id: random::alphanumeric(FILE_ID_LEN),
            owner,
            kind,
            name,
            content_type,
            size: i64::try_from(bytes.len()).map_err(CoreError::internal)?,
            sha256: hex::encode(Sha256::digest(bytes)),
            blob_key: format!(
                "{}/{}/{}",
                kind.as_str(),
                owner.to_simple(),
                random::alphanumeric(32)
            ),
            created_at: self.now(),
        };
        let blobs = &self.inner.media.blobs;
        blobs
            .put(&file.blob_key, bytes)
            .await
            .map_err(media_error)?;
        let limits = FileLimits {
            max_bytes: self.inner.config.files.user_quota_bytes,
            max_files: self.inner.config.files.max_files_per_user,
        };
        let outcome = self.inner.store.insert_file(&file, limits).await;
        let replaced = match outcome {
            Ok(FileInsert::Stored(replaced)) => replaced,
            Ok(FileInsert::OverQuota | FileInsert::TooManyFiles) => {
                self.discard_blob(&file.blob_key).await;
                return Err(CoreError::QuotaExceeded);
            }
            Err(e) => {
                self.discard_blob(&file.blob_key).await;
                return Err(e.into());
            }
        };
        if let Some(old) = replaced {
            self.discard_blob(&old.blob_key).await;
        }
        self.audit(
            Some(owner),
            "file.upload",
            Some(owner),
            ctx,
            "ok",
            serde_json::json!({ "file": file.id, "kind": kind.as_str(), "size": file.size }),
        )
        .await;
        Ok(file)
    }

    async fn discard_blob(&self, key: &str) {
        if let Err(e) = self.inner.media.blobs.delete(key).await {
            tracing::error!(error = %e, key, "could not delete an orphaned upload");
        }
    }

    /// Stores a file for the signed-in account within the size limit and its quota (of
    /// bytes and of files: `QuotaExceeded` for either).
    pub async fn upload_file(
        &self,
        auth: AuthContext,
        name: &str,
        declared_type: Option<&str>,
        bytes: &[u8],
        ctx: &RequestContext,
    ) -> CoreResult<StoredFile> {
        let user = self.unrestricted_user(auth).await?;
        let limits = &self.inner.config.files;
        if bytes.is_empty() {
            return Err(CoreError::field("source", "required"));
        }
        if i64::try_from(bytes.len()).unwrap_or(i64::MAX) > limits.max_file_bytes {
            return Err(CoreError::TooLarge);
        }
        self.store_upload(
            user.id,
            FileKind::File,
            clean_name(name),
            clean_type(declared_type),
            bytes,
            ctx,
        )
        .await
    }

    /// Replaces the signed-in account's avatar with a re-encoded copy of an image.
    pub async fn upload_avatar(
        &self,
        auth: AuthContext,
        bytes: Vec<u8>,
        ctx: &RequestContext,
    ) -> CoreResult<StoredFile> {
        let user = self.unrestricted_user(auth).await?;
        let limits = &self.inner.config.files;
        if bytes.is_empty() {
            return Err(CoreError::field("source", "required"));
        }
        if i64::try_from(bytes.len()).unwrap_or(i64::MAX) > limits.max_avatar_bytes {
            return Err(CoreError::TooLarge);
        }
        let png = self
            .inner
            .media
            .avatars
            .process_avatar(bytes, limits.avatar_max_side)
            .await
            .map_err(media_error)?;
        self.store_upload(
            user.id,
            FileKind::Avatar,
            "avatar.png".to_owned(),
            "image/png".to_owned(),
            &png,
            ctx,
        )
        .await
    }

    async fn read_blob(&self, file: StoredFile) -> CoreResult<Download> {
        let bytes = self
            .inner
            .media
            .blobs
            .get(&file.blob_key)
            .await
            .map_err(media_error)?
            .ok_or_else(|| CoreError::Internal(format!("blob of file {} is missing", file.id)))?;
        Ok(Download { file, bytes })
    }

    /// A file, for its owner or an administrator. Anyone else gets `NotFound`, exactly as
    /// for a file that does not exist.
    pub async fn download_file(&self, auth: AuthContext, id: &str) -> CoreResult<Download> {
        let user = self.current_user(auth).await?;
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CoreError::NotFound);
        }
        let file = self
            .inner
            .store
            .file_by_id(id)
            .await?
            .filter(|f| f.kind == FileKind::File && (f.owner == user.id || user.is_admin))
            .ok_or(CoreError::NotFound)?;
        self.read_blob(file).await
    }

    /// An account's avatar, for any signed-in account (avatars are profile pictures).
    /// `None` for the caller's own.
    pub async fn avatar(&self, auth: AuthContext, of: Option<UserId>) -> CoreResult<Download> {
        let user = self.current_user(auth).await?;
        let owner = of.unwrap_or(user.id);
        let file = self
            .inner
            .store
            .user_avatar(owner)
            .await?
            .ok_or(CoreError::NotFound)?;
        self.read_blob(file).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_header_breakers() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_name("a\"b;c\r\n.txt"), "abc.txt");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(""), "file");
        assert_eq!(clean_name(&"x".repeat(500)).len(), MAX_NAME_CHARS);
    }

    #[test]
    fn only_plain_media_types_are_kept() {
        assert_eq!(clean_type(Some("text/plain")), "text/plain");
        assert_eq!(clean_type(Some("Image/PNG")), "image/png");
        assert_eq!(
            clean_type(Some("text/html; charset=utf-8")),
            "application/octet-stream"
        );
        assert_eq!(clean_type(Some("nonsense")), "application/octet-stream");
        assert_eq!(clean_type(None), "application/octet-stream");
    }
}
