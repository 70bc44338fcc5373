//! Store port for roles and their assignment to accounts.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{NewRole, Role, UserId};

/// Roles.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Creates a role with the next numeric id. `Conflict(Other)` when the name (compared
    /// case-insensitively) is taken.
    async fn create_role(&self, role: &NewRole) -> StoreResult<Role>;
    /// Replaces name, permissions, enabled and `updated_at`. `NotFound` for an unknown id,
    /// `Conflict(Other)` for a taken name.
    async fn update_role(&self, role: &Role) -> StoreResult<()>;
    /// Deletes a role and its assignments; false when it did not exist.
    async fn delete_role(&self, id: i64) -> StoreResult<bool>;
    /// By id.
    async fn role_by_id(&self, id: i64) -> StoreResult<Option<Role>>;
    /// Every role, by id.
    async fn list_roles(&self) -> StoreResult<Vec<Role>>;
    /// Gives a role to an account (idempotent). `NotFound` when either does not exist.
    async fn assign_role(&self, user: UserId, role: i64) -> StoreResult<()>;
    /// Takes a role away; false when the account did not hold it.
    async fn unassign_role(&self, user: UserId, role: i64) -> StoreResult<bool>;
    /// The roles an account holds (enabled or not), by id.
    async fn user_roles(&self, user: UserId) -> StoreResult<Vec<Role>>;
}
