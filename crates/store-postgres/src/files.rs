//! Uploaded files' metadata. An insert locks the owner's `users` row first, then checks
//! the quotas (bytes and number of files) and writes in the same transaction, so
//! concurrent uploads of one owner queue on that lock (and each sees the others' committed
//! rows) and cannot overshoot either.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use tessera_core::domain::{FileKind, StoredFile, UserId};
use tessera_core::store::{FileInsert, FileLimits, FileStore, StoreError, StoreResult};

use crate::codec::{db_err, get, truncate};
use crate::PgStore;

/// Columns of `files`, as [`file_from_row`] reads them.
const FILE_COLUMNS: &str =
    "id, owner_id, kind, name, content_type, size, sha256, blob_key, created_at";

fn file_from_row(row: &PgRow) -> StoreResult<StoredFile> {
    let kind: String = get(row, "kind")?;
    Ok(StoredFile {
        id: get(row, "id")?,
        owner: UserId(get(row, "owner_id")?),
        kind: FileKind::from_stored(&kind)
            .ok_or_else(|| StoreError::Backend(format!("stored file kind {kind:?}")))?,
        name: get(row, "name")?,
        content_type: get(row, "content_type")?,
        size: get(row, "size")?,
        sha256: get(row, "sha256")?,
        blob_key: get(row, "blob_key")?,
        created_at: get(row, "created_at")?,
    })
}

#[async_trait]
impl FileStore for PgStore {
    async fn insert_file(&self, file: &StoredFile, limits: FileLimits) -> StoreResult<FileInsert> {
        let mut tx = self.begin_write().await?;
        // NO KEY UPDATE excludes other uploads (and erasure) of this owner, but not the
        // key-share locks that inserting sessions or tokens for the owner takes.
        let owner = sqlx::query(
            "SELECT deleted_at IS NULL AS live FROM users WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(file.owner.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        // An erased owner is gone for uploads too (an upload that waited on the lock
        // while the erasure ran must not add a file afterwards).
        let live: bool = match owner {
            Some(row) => get(&row, "live")?,
            None => false,
        };
        if !live {
            return Err(StoreError::NotFound);
        }
        let replaced = match file.kind {
            FileKind::File => {
                let (used, count): (i64, i64) = sqlx::query_as(
                    "SELECT COALESCE(SUM(size), 0)::bigint, COUNT(*) FROM files \
                     WHERE owner_id = $1 AND kind = $2",
                )
                .bind(file.owner.0)
                .bind(FileKind::File.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                if !limits.allows_another(count) {
                    return Ok(FileInsert::TooManyFiles);
                }
                if used.saturating_add(file.size) > limits.max_bytes {
                    return Ok(FileInsert::OverQuota);
                }
                None
            }
            FileKind::Avatar => {
                let sql = format!(
                    "DELETE FROM files WHERE owner_id = $1 AND kind = $2 RETURNING {FILE_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(file.owner.0)
                    .bind(FileKind::Avatar.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err)?;
                row.as_ref().map(file_from_row).transpose()?
            }
        };
        sqlx::query(
            "INSERT INTO files (id, owner_id, kind, name, content_type, size, sha256, \
             blob_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&file.id)
        .bind(file.owner.0)
        .bind(file.kind.as_str())
        .bind(&file.name)
        .bind(&file.content_type)
        .bind(file.size)
        .bind(&file.sha256)
        .bind(&file.blob_key)
        .bind(truncate(file.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(FileInsert::Stored(replaced))
    }

    async fn file_by_id(&self, id: &str) -> StoreResult<Option<StoredFile>> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(file_from_row).transpose()
    }

    async fn user_avatar(&self, owner: UserId) -> StoreResult<Option<StoredFile>> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE owner_id = $1 AND kind = $2");
        let row = sqlx::query(&sql)
            .bind(owner.0)
            .bind(FileKind::Avatar.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(file_from_row).transpose()
    }

    async fn user_files(&self, owner: UserId) -> StoreResult<Vec<StoredFile>> {
        let sql =
            format!("SELECT {FILE_COLUMNS} FROM files WHERE owner_id = $1 ORDER BY created_at, id");
        let rows = sqlx::query(&sql)
            .bind(owner.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(file_from_row).collect()
    }

    async fn user_file_bytes(&self, owner: UserId) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COALESCE(SUM(size), 0)::bigint FROM files \
             WHERE owner_id = $1 AND kind = $2",
        )
        .bind(owner.0)
        .bind(FileKind::File.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)
    }

    async fn delete_file(&self, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM files WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }
}
