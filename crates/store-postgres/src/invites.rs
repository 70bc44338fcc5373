//! Invite codes and per-inviter quotas. A code's owner and use limit never change after it
//! is created, so spending a use is a read followed by one conditional update: concurrent
//! registrations can never overspend.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use tessera_core::domain::{InviteCode, InviteTake, UserId};
use tessera_core::store::{InviteStore, StoreResult};

use crate::codec::{db_err, get, truncate};
use crate::PgStore;

fn invite_from_row(row: &PgRow) -> StoreResult<InviteCode> {
    let owner: Option<uuid::Uuid> = get(row, "owner_id")?;
    Ok(InviteCode {
        code_hash: get(row, "code_hash")?,
        owner: owner.map(UserId),
        uses_left: get(row, "uses_left")?,
        created_at: get(row, "created_at")?,
    })
}

#[async_trait]
impl InviteStore for PgStore {
    async fn insert_invite(&self, code: &InviteCode) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO invite_codes (code_hash, owner_id, uses_left, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&code.code_hash)
        .bind(code.owner.map(|u| u.0))
        .bind(code.uses_left)
        .bind(truncate(code.created_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn list_invites(&self) -> StoreResult<Vec<InviteCode>> {
        let rows = sqlx::query(
            "SELECT code_hash, owner_id, uses_left, created_at FROM invite_codes \
             ORDER BY created_at, code_hash",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(invite_from_row).collect()
    }

    async fn set_invite_quota(&self, user: UserId, remaining: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO invite_quotas (user_id, remaining) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET remaining = excluded.remaining",
        )
        .bind(user.0)
        .bind(remaining)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn invite_quota(&self, user: UserId) -> StoreResult<i64> {
        let row = sqlx::query("SELECT remaining FROM invite_quotas WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map_or(Ok(0), |r| get(&r, "remaining"))
    }

    async fn take_invite(&self, code_hash: &str) -> StoreResult<InviteTake> {
        let row = sqlx::query(
            "SELECT code_hash, owner_id, uses_left, created_at FROM invite_codes \
             WHERE code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(code) = row.as_ref().map(invite_from_row).transpose()? else {
            return Ok(InviteTake::Unknown);
        };
        if let Some(owner) = code.owner {
            let spent = sqlx::query(
                "UPDATE invite_quotas SET remaining = \
                 CASE WHEN remaining < 0 THEN remaining ELSE remaining - 1 END \
                 WHERE user_id = $1 AND remaining <> 0",
            )
            .bind(owner.0)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
            return Ok(if spent.rows_affected() == 1 {
                InviteTake::Taken(Some(owner))
            } else {
                InviteTake::OwnerExhausted
            });
        }
        if code.uses_left.is_none() {
            return Ok(InviteTake::Taken(None));
        }
        let spent = sqlx::query(
            "UPDATE invite_codes SET uses_left = uses_left - 1 \
             WHERE code_hash = $1 AND uses_left > 0",
        )
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(if spent.rows_affected() == 1 {
            InviteTake::Taken(None)
        } else {
            InviteTake::UsedUp
        })
    }

    async fn return_invite(&self, code_hash: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE invite_quotas SET remaining = remaining + 1 WHERE remaining >= 0 \
             AND user_id = (SELECT owner_id FROM invite_codes WHERE code_hash = $1)",
        )
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "UPDATE invite_codes SET uses_left = uses_left + 1 \
             WHERE code_hash = $1 AND owner_id IS NULL AND uses_left IS NOT NULL",
        )
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }
}
