//! Social identities: (provider, subject) bound to an account. The primary key makes a
//! subject one account's, `external_identities_user_provider_key` gives an account one
//! subject per provider; concurrent binds of one subject queue on the key and all but one
//! find it taken.

use async_trait::async_trait;
use tessera_core::domain::{NewUser, User, UserId};
use tessera_core::store::{BindOutcome, ExternalBinding, IdentityStore, StoreError, StoreResult};
use uuid::Uuid;

use crate::codec::{db_err, get, truncate};
use crate::users::insert_user_row;
use crate::PgStore;

/// Inserts tried by one bind. An insert is refused without a conflicting row to show only
/// when that row went between the two statements (its account was erased), which cannot
/// repeat for long.
const BIND_ATTEMPTS: usize = 3;

#[async_trait]
impl IdentityStore for PgStore {
    async fn user_by_external(&self, provider: &str, subject: &str) -> StoreResult<Option<UserId>> {
        let id: Option<Uuid> = sqlx::query_scalar(
            "SELECT user_id FROM external_identities WHERE provider = $1 AND subject = $2",
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
             WHERE user_id = $1 ORDER BY created_at, provider",
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
                    created_at: get(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn bind_external(&self, binding: &ExternalBinding) -> StoreResult<BindOutcome> {
        let mut tx = self.begin_write().await?;
        // The account's row lock keeps erasure (which updates the row first) out until the
        // commit, and makes a bind that waited on an erasure see the account erased: an
        // erased account never keeps a binding. The foreign key alone would not wait.
        let live: Option<bool> = sqlx::query_scalar(
            "SELECT deleted_at IS NULL FROM users WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(binding.user_id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        if live != Some(true) {
            return Err(StoreError::NotFound);
        }
        for _ in 0..BIND_ATTEMPTS {
            // Waits for a concurrent uncommitted insert of either key, then does nothing
            // if that one committed.
            let done = sqlx::query(
                "INSERT INTO external_identities (provider, subject, user_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(&binding.provider)
            .bind(&binding.subject)
            .bind(binding.user_id.0)
            .bind(truncate(binding.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if done.rows_affected() == 1 {
                tx.commit().await.map_err(db_err)?;
                return Ok(BindOutcome::Bound);
            }
            // Each statement sees what committed before it started (READ COMMITTED), so
            // the row that refused the insert is visible now.
            let owner: Option<Uuid> = sqlx::query_scalar(
                "SELECT user_id FROM external_identities WHERE provider = $1 AND subject = $2",
            )
            .bind(&binding.provider)
            .bind(&binding.subject)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            match owner {
                Some(id) if id == binding.user_id.0 => return Ok(BindOutcome::Bound),
                Some(id) => return Ok(BindOutcome::SubjectTaken(UserId(id))),
                None => {}
            }
            // Only this transaction (holding the account's lock) could remove the
            // account's own binding, so this answer is stable.
            let account_bound: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM external_identities \
                 WHERE user_id = $1 AND provider = $2)",
            )
            .bind(binding.user_id.0)
            .bind(&binding.provider)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            if account_bound {
                return Ok(BindOutcome::AccountBound);
            }
        }
        Err(StoreError::Backend(format!(
            "binding a {} subject kept conflicting with rows that vanished",
            binding.provider
        )))
    }

    async fn insert_external_user(
        &self,
        user: &NewUser,
        provider: &str,
        subject: &str,
    ) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let stored = insert_user_row(&mut *tx, user).await?;
        // A concurrent insert of the same subject makes this wait, then fail with
        // `Conflict(Other)`; dropping the transaction takes the account row back too.
        sqlx::query(
            "INSERT INTO external_identities (provider, subject, user_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(provider)
        .bind(subject)
        .bind(stored.id.0)
        .bind(stored.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }
}
