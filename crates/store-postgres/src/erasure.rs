//! GDPR erasure of an account: one transaction that blanks the row and removes or
//! pseudonymises everything else that belongs to the person.

use tessera_core::domain::SessionId;
use tessera_core::store::{Erasure, StoreResult};

use crate::codec::db_err;
use crate::users::{revoke_in_tx, write_user};
use crate::PgStore;

/// Tables whose rows are the user's own and go entirely, with the column naming the user.
/// (Sessions are revoked instead, so every node's cache learns of it; audit events stay.)
const OWNED_ROWS: [(&str, &str); 7] = [
    ("token_pairs", "user_id"),
    ("todo_items", "user_id"),
    ("user_roles", "user_id"),
    ("files", "owner_id"),
    ("login_events", "user_id"),
    ("invite_quotas", "user_id"),
    ("external_identities", "user_id"),
];

/// See [`tessera_core::store::UserStore::erase_user`]. `NotFound` (and nothing changed)
/// when the account does not exist. The row update comes first, so its lock keeps
/// concurrent single-session sign-ins and uploads of this user out until the commit.
pub(crate) async fn erase_user(store: &PgStore, erasure: &Erasure) -> StoreResult<Vec<SessionId>> {
    let user_id = erasure.user.id;
    let mut tx = store.begin_write().await?;
    write_user(&mut *tx, &erasure.user, true).await?;
    let revoked = revoke_in_tx(&mut tx, user_id, None, erasure.now).await?;
    for (table, column) in OWNED_ROWS {
        sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1"))
            .bind(user_id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    sqlx::query("DELETE FROM one_time_codes WHERE subject = ANY($1)")
        .bind(&erasure.code_subjects)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    sqlx::query("DELETE FROM outbox WHERE recipient = ANY($1)")
        .bind(&erasure.recipients)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    sqlx::query("UPDATE sessions SET ip = NULL, user_agent = NULL WHERE user_id = $1")
        .bind(user_id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    sqlx::query("UPDATE audit_events SET ip = NULL WHERE actor = $1 OR target = $1")
        .bind(user_id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(revoked)
}
