//! Accounts: insert, lookups, updates, password changes with session revocation, TOTP
//! replay protection, and the admin listing with its prefix filter. Erasure is in
//! [`crate::erasure`].

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Transaction};
use tessera_core::domain::{
    Email, NewUser, OutboxMessage, Phone, SessionId, User, UserId, UserSource, UserStatus,
};
use tessera_core::store::{Erasure, RevokeSessions, StoreError, StoreResult, UserQuery, UserStore};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{db_err, get, prefix_upper_bound, truncate, truncate_opt};
use crate::outbox::insert_outbox;
use crate::PgStore;

/// Columns of `users`, in the order [`user_from_row`] reads them.
const USER_COLUMNS: &str = "id, email, username, name, avatar, phone, password_hash, source, \
     email_verified_at, status, is_admin, totp_secret, totp_last_step, lark, created_at, \
     updated_at, last_login_at, restricted, email_otp, created_by, confirmation_sent_at, \
     deleted_at";

/// Builds a [`User`] from a row selected with [`USER_COLUMNS`].
fn user_from_row(row: &PgRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(get(row, "id")?),
        email: Email::from_trusted(get(row, "email")?),
        username: get(row, "username")?,
        name: get(row, "name")?,
        avatar: get(row, "avatar")?,
        phone: get::<Option<String>>(row, "phone")?.map(Phone::from_trusted),
        password_hash: get(row, "password_hash")?,
        source: UserSource(get(row, "source")?),
        email_verified_at: get(row, "email_verified_at")?,
        status: UserStatus::from_stored(&get::<String>(row, "status")?),
        is_admin: get(row, "is_admin")?,
        totp_secret: get(row, "totp_secret")?,
        totp_last_step: get(row, "totp_last_step")?,
        lark: get(row, "lark")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        last_login_at: get(row, "last_login_at")?,
        restricted: get(row, "restricted")?,
        email_otp: get(row, "email_otp")?,
        created_by: get::<Option<Uuid>>(row, "created_by")?.map(UserId),
        confirmation_sent_at: get(row, "confirmation_sent_at")?,
        deleted_at: get(row, "deleted_at")?,
    })
}

/// Normalised (lowercase) username, the unique key.
fn username_norm(username: Option<&str>) -> Option<String> {
    username.map(str::to_lowercase)
}

impl PgStore {
    /// One user by an equality on `column` (a fixed column name, never user input).
    async fn user_where(&self, column: &str, value: &str) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }
}

/// Revokes a user's unrevoked sessions (all, or all but one) inside `tx`; returns their ids.
pub(crate) async fn revoke_in_tx(
    tx: &mut Transaction<'static, Postgres>,
    user_id: UserId,
    except: Option<SessionId>,
    now: OffsetDateTime,
) -> StoreResult<Vec<SessionId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE sessions SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3) RETURNING id",
    )
    .bind(truncate(now))
    .bind(user_id.0)
    .bind(except.map(|s| s.0))
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(ids.into_iter().map(SessionId).collect())
}

#[async_trait]
impl UserStore for PgStore {
    async fn insert_user(&self, user: &NewUser, outbox: &[OutboxMessage]) -> StoreResult<User> {
        let mut tx = self.begin_write().await?;
        let stored = insert_user_row(&mut *tx, user).await?;
        for message in outbox {
            insert_outbox(&mut *tx, message).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(stored)
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_email(&self, email_normalized: &str) -> StoreResult<Option<User>> {
        self.user_where("email_norm", email_normalized).await
    }

    async fn user_by_phone(&self, phone: &Phone) -> StoreResult<Option<User>> {
        self.user_where("phone", phone.as_str()).await
    }

    async fn user_by_username(&self, username_normalized: &str) -> StoreResult<Option<User>> {
        self.user_where("username_norm", username_normalized).await
    }

    /// `totp_last_step` never moves backward here (only `None` resets it), so writing back
    /// a user read before [`UserStore::advance_totp_step`] cannot reopen a used step.
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        write_user(&self.pool, user, false).await
    }

    async fn set_password_hash(
        &self,
        user_id: UserId,
        hash: &str,
        now: OffsetDateTime,
        revoke: RevokeSessions,
        outbox: &[OutboxMessage],
    ) -> StoreResult<Vec<SessionId>> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                .bind(user_id.0)
                .bind(hash)
                .bind(truncate(now))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let revoked = match revoke {
            RevokeSessions::None => Vec::new(),
            RevokeSessions::All => revoke_in_tx(&mut tx, user_id, None, now).await?,
            RevokeSessions::AllExcept(keep) => {
                revoke_in_tx(&mut tx, user_id, Some(keep), now).await?
            }
        };
        for message in outbox {
            insert_outbox(&mut *tx, message).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(revoked)
    }

    async fn advance_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $2 \
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
        )
        .bind(user_id.0)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        match self.user_by_id(user_id).await? {
            Some(_) => Ok(false),
            None => Err(StoreError::NotFound),
        }
    }

    async fn list_users(&self, offset: i64, limit: i64) -> StoreResult<Vec<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2");
        let rows = sqlx::query(&sql)
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn count_users(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)
    }

    /// The prefix becomes a range on each normalised column (`p <= x < successor(p)`),
    /// compared in the "C" collation, where such a range is exactly the prefix match
    /// whatever the database collation is, and answered from the `*_c_idx` indexes of
    /// migration 0005 (a LIKE with a bound pattern could not use them in a generic plan,
    /// and would need its wildcards escaped).
    async fn search_users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        let prefix = query.prefix.as_deref().filter(|p| !p.is_empty());
        let upper = prefix.and_then(prefix_upper_bound);
        let mut filters = Vec::new();
        if !query.include_deleted {
            filters.push("deleted_at IS NULL");
        }
        match (prefix, &upper) {
            (Some(_), Some(_)) => filters.push(
                "((email_norm COLLATE \"C\" >= $3 AND email_norm COLLATE \"C\" < $4) \
                 OR (username_norm COLLATE \"C\" >= $3 AND username_norm COLLATE \"C\" < $4))",
            ),
            (Some(_), None) => filters
                .push("(email_norm COLLATE \"C\" >= $3 OR username_norm COLLATE \"C\" >= $3)"),
            (None, _) => {}
        }
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", filters.join(" AND "))
        };
        let order = if query.descending {
            "created_at DESC, id DESC"
        } else {
            "created_at, id"
        };
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users {filter} ORDER BY {order} LIMIT $1 OFFSET $2"
        );
        let mut select = sqlx::query(&sql)
            .bind(query.limit.max(0))
            .bind(query.offset.max(0));
        if let Some(prefix) = prefix {
            select = select.bind(prefix);
            if let Some(upper) = upper {
                select = select.bind(upper);
            }
        }
        let rows = select.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn erase_user(&self, erasure: &Erasure) -> StoreResult<Vec<SessionId>> {
        crate::erasure::erase_user(self, erasure).await
    }
}

/// Inserts an account row (inside the caller's transaction) and returns it exactly as a
/// read will give it back: times at microsecond precision.
pub(crate) async fn insert_user_row<'e, E>(executor: E, user: &NewUser) -> StoreResult<User>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let mut stored = user.clone().into_user();
    stored.created_at = truncate(stored.created_at);
    stored.updated_at = stored.created_at;
    stored.email_verified_at = stored.email_verified_at.map(truncate);
    sqlx::query(
        "INSERT INTO users (id, email, email_norm, username, username_norm, name, avatar, \
         phone, password_hash, source, email_verified_at, status, is_admin, totp_secret, \
         totp_last_step, lark, created_at, updated_at, last_login_at, restricted, \
         email_otp, created_by, confirmation_sent_at, deleted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, $12, NULL, NULL, NULL, \
         $13, $13, NULL, $14, $15, $16, NULL, NULL)",
    )
    .bind(stored.id.0)
    .bind(stored.email.as_str())
    .bind(stored.email.normalized())
    .bind(stored.username.as_deref())
    .bind(username_norm(stored.username.as_deref()))
    .bind(&stored.name)
    .bind(&stored.avatar)
    .bind(stored.password_hash.as_deref())
    .bind(&stored.source.0)
    .bind(truncate_opt(stored.email_verified_at))
    .bind(stored.status.as_str())
    .bind(stored.is_admin)
    .bind(truncate(stored.created_at))
    .bind(stored.restricted)
    .bind(stored.email_otp)
    .bind(stored.created_by.map(|u| u.0))
    .execute(executor)
    .await
    .map_err(db_err)?;
    Ok(stored)
}

/// Writes every mutable field of `user` (see [`UserStore::update_user`]); with `erase`,
/// also clears the password hash and the TOTP seed and step, as erasure must. Runs on the
/// pool or inside a transaction.
pub(crate) async fn write_user<'e, E>(executor: E, user: &User, erase: bool) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    let credentials = if erase {
        "password_hash = NULL, totp_secret = NULL, totp_last_step = NULL"
    } else {
        "totp_secret = $13"
    };
    let sql = format!(
        "UPDATE users SET email = $2, email_norm = $3, username = $4, username_norm = $5, \
         name = $6, avatar = $7, phone = $8, source = $9, email_verified_at = $10, \
         status = $11, is_admin = $12, lark = $14, updated_at = $15, last_login_at = $16, \
         restricted = $17, email_otp = $18, created_by = $19, confirmation_sent_at = $20, \
         deleted_at = $21, {credentials} WHERE id = $1"
    );
    let done = sqlx::query(&sql)
        .bind(user.id.0)
        .bind(user.email.as_str())
        .bind(user.email.normalized())
        .bind(user.username.as_deref())
        .bind(username_norm(user.username.as_deref()))
        .bind(&user.name)
        .bind(&user.avatar)
        .bind(user.phone.as_ref().map(Phone::as_str))
        .bind(&user.source.0)
        .bind(truncate_opt(user.email_verified_at))
        .bind(user.status.as_str())
        .bind(user.is_admin)
        .bind(user.totp_secret.as_deref())
        .bind(user.lark.as_ref())
        .bind(truncate(user.updated_at))
        .bind(truncate_opt(user.last_login_at))
        .bind(user.restricted)
        .bind(user.email_otp)
        .bind(user.created_by.map(|u| u.0))
        .bind(truncate_opt(user.confirmation_sent_at))
        .bind(truncate_opt(user.deleted_at))
        .execute(executor)
        .await
        .map_err(db_err)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
