//! Social identities: (provider, subject) bound to an account. The primary key makes a
//! subject one account's, `external_identities_user_provider_key` gives an account one
//! subject per provider. A bind checks and writes in one write transaction (SQLite has a
//! single writer), so the conflicting row it reports is the one that refused it.

use async_trait::async_trait;
use tessera_core::domain::{NewUser, User, UserId};
use tessera_core::store::{BindOutcome, ExternalBinding, IdentityStore, StoreError, StoreResult};
use uuid::Uuid;

use crate::codec::{db_err, get, micros, ts};
use crate::users::insert_user_row;
use crate::SqliteStore;

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn user_by_external(&self, provider: &str, subject: &str) -> StoreResult<Option<UserId>> {
        let id: Option<Uuid> = sqlx::query_scalar(
            "SELECT user_id FROM external_identities WHERE provider = ?1 AND subject = ?2",
        )
        .bind(provider)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(id.map(UserId))
    }

    async fn identities_of_user(&self, user_id: UserId) -> StoreResult<Vec<ExternalBinding>> {
        let rows = sqlx::query(
            "SELECT provider, subject, user_id, created_at FROM external_identities \
             WHERE user_id = ?1 ORDER BY created_at, provider",
        )
        .bind(user_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                Ok(ExternalBinding {
                    provider: get(row, "provider")?,
                    subject: get(row, "subject")?,
                    user_id: UserId(get(row, "user_id")?),
                    created_at: ts(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn bind_external(&self, binding: &ExternalBinding) -> StoreResult<BindOutcome> {
        let mut tx = self.begin_write().await?;
        let live: Option<bool> =
            sqlx::query_scalar("SELECT deleted_at IS NULL FROM users WHERE id = ?1")
                .bind(binding.user_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        if live != Some(true) {
            return Err(StoreError::NotFound);
        }
        let done = sqlx::query(
            "INSERT INTO external_identities (provider, subject, user_id, created_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )
        .bind(&binding.provider)
        .bind(&binding.subject)
        .bind(binding.user_id.0)
        .bind(micros(binding.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 1 {
            tx.commit().await.map_err(db_err)?;
            return Ok(BindOutcome::Bound);
        }
        // Refused by one of the two unique keys; nothing was written.
        let owner: Option<Uuid> = sqlx::query_scalar(
            "SELECT user_id FROM external_identities WHERE provider = ?1 AND subject = ?2",
        )
        .bind(&binding.provider)
        .bind(&binding.subject)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        Ok(match owner {
            Some(id) if id == binding.user_id.0 => BindOutcome::Bound,
            Some(id) => BindOutcome::SubjectTaken(UserId(id)),
            None => BindOutcome::AccountBound,
        })
    }

    async fn insert_external_user(
        &self,
        user: &NewUser,
        provider: &str,
        subject: &str,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let stored = insert_user_row(&mut *tx, user).await?;
        sqlx::query(
            "INSERT INTO external_identities (provider, subject, user_id, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(provider)
        .bind(subject)
        .bind(stored.id.0)
        .bind(micros(stored.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }
}
