//! Roles and their assignment to accounts. Permission ids are stored as a JSON array in
//! TEXT; names are unique by their lowercase form (`roles_name_norm_key`).

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_core::domain::{NewRole, Role, UserId};
use tessera_core::store::{RoleStore, StoreError, StoreResult};

use crate::codec::{db_err, get, micros, truncate, ts};
use crate::SqliteStore;

/// Columns of `roles`, as [`role_from_row`] reads them.
const ROLE_COLUMNS: &str = "id, name, permissions, enabled, created_at, updated_at";

fn role_from_row(row: &SqliteRow) -> StoreResult<Role> {
    let permissions: String = get(row, "permissions")?;
    Ok(Role {
        id: get(row, "id")?,
        name: get(row, "name")?,
        permissions: serde_json::from_str(&permissions)
            .map_err(|e| StoreError::Backend(format!("stored permissions: {e}")))?,
        enabled: get(row, "enabled")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

fn permissions_text(permissions: &[i32]) -> StoreResult<String> {
    serde_json::to_string(permissions)
        .map_err(|e| StoreError::Backend(format!("encoding permissions: {e}")))
}

#[async_trait]
impl RoleStore for SqliteStore {
    async fn create_role(&self, role: &NewRole) -> StoreResult<Role> {
        let created_at = truncate(role.created_at);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO roles (name, name_norm, permissions, enabled, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
        )
        .bind(&role.name)
        .bind(role.name.to_lowercase())
        .bind(permissions_text(&role.permissions)?)
        .bind(role.enabled)
        .bind(micros(created_at))
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(Role {
            id,
            name: role.name.clone(),
            permissions: role.permissions.clone(),
            enabled: role.enabled,
            created_at,
            updated_at: created_at,
        })
    }

    async fn update_role(&self, role: &Role) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE roles SET name = ?2, name_norm = ?3, permissions = ?4, enabled = ?5, \
             updated_at = ?6 WHERE id = ?1",
        )
        .bind(role.id)
        .bind(&role.name)
        .bind(role.name.to_lowercase())
        .bind(permissions_text(&role.permissions)?)
        .bind(role.enabled)
        .bind(micros(role.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Assignments go with the role (`ON DELETE CASCADE`).
    async fn delete_role(&self, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM roles WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn role_by_id(&self, id: i64) -> StoreResult<Option<Role>> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles WHERE id = ?1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(role_from_row).transpose()
    }

    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM roles ORDER BY id");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(role_from_row).collect()
    }

    /// A missing account or role fails the foreign key, which maps to `NotFound`.
    async fn assign_role(&self, user: UserId, role: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO user_roles (user_id, role_id) VALUES (?1, ?2) \
             ON CONFLICT (user_id, role_id) DO NOTHING",
        )
        .bind(user.0)
        .bind(role)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn unassign_role(&self, user: UserId, role: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM user_roles WHERE user_id = ?1 AND role_id = ?2")
            .bind(user.0)
            .bind(role)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn user_roles(&self, user: UserId) -> StoreResult<Vec<Role>> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, r.permissions, r.enabled, r.created_at, r.updated_at \
             FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
             WHERE ur.user_id = ?1 ORDER BY r.id",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(role_from_row).collect()
    }
}
