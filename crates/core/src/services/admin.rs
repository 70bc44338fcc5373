//! Administration: who may do what, and the admin functions themselves.
//!
//! An administrator (the `is_admin` flag) may use every admin function. Anyone else may
//! use exactly the functions whose permission one of their enabled roles holds. Every
//! admin action, allowed or refused, is audited with its actor.

use super::accounts::CreateUser;
use super::sessions::AuthContext;
use super::Core;
use crate::config::RegistrationMode;
use crate::domain::{NewRole, Permission, RequestContext, Role, User, UserId, UserStatus};
use crate::error::{CoreError, CoreResult};
use crate::store::{StoreError, UniqueField, UserQuery};

/// Longest role name.
const MAX_ROLE_NAME_CHARS: usize = 64;
/// Largest page of the account listings.
pub const MAX_PAGE_SIZE: i64 = 100;

/// A page request of the account listings.
#[derive(Debug, Clone, Default)]
pub struct AdminUserQuery {
    /// Text the e-mail or username starts with (case-insensitive); empty for all.
    pub filter: String,
    /// Newest first.
    pub descending: bool,
    /// Page number from 1.
    pub page: i64,
    /// Rows per page (1..=100).
    pub page_size: i64,
}

/// A role as an administrator describes it.
#[derive(Debug, Clone)]
pub struct RoleInput {
    /// Name (1..=64 characters, unique case-insensitively).
    pub name: String,
    /// Permission ids from the published catalogue.
    pub permissions: Vec<i64>,
    /// Whether the role grants anything.
    pub enabled: bool,
}

impl Core {
    /// The permissions an account holds through its enabled roles (administrators hold
    /// them all).
    pub async fn permissions_of(&self, user: &User) -> CoreResult<Vec<Permission>> {
        if user.is_admin {
            return Ok(Permission::ALL.to_vec());
        }
        let roles = self.inner.store.user_roles(user.id).await?;
        Ok(Permission::ALL
            .into_iter()
            .filter(|p| {
                roles
                    .iter()
                    .any(|r| r.enabled && r.permissions.contains(&p.id()))
            })
            .collect())
    }

    /// The signed-in account if it may use `permission`; `Forbidden` (audited) otherwise.
    pub async fn authorize(
        &self,
        auth: AuthContext,
        permission: Permission,
        ctx: &RequestContext,
    ) -> CoreResult<User> {
        let actor = self.current_user(auth).await?;
        if !actor.is_usable() {
            return Err(CoreError::SessionInvalid);
        }
        if self.permissions_of(&actor).await?.contains(&permission) {
            return Ok(actor);
        }
        self.audit(
            Some(actor.id),
            "admin.denied",
            None,
            ctx,
            "forbidden",
            serde_json::json!({ "permission": permission.name() }),
        )
        .await;
        Err(CoreError::Forbidden)
    }

    async fn admin_audit(
        &self,
        actor: &User,
        action: &str,
        target: Option<UserId>,
        ctx: &RequestContext,
        detail: serde_json::Value,
    ) {
        self.audit(Some(actor.id), action, target, ctx, "ok", detail)
            .await;
    }

    /// A page of accounts (`ShowUsers` or `UsersInfo`), ordered by creation time.
    pub async fn admin_list_users(
        &self,
        auth: AuthContext,
        permission: Permission,
        query: &AdminUserQuery,
        ctx: &RequestContext,
    ) -> CoreResult<Vec<User>> {
        if !matches!(permission, Permission::ShowUsers | Permission::UsersInfo) {
            return Err(CoreError::Forbidden);
        }
        let actor = self.authorize(auth, permission, ctx).await?;
        let page_size = match query.page_size {
            0 => 10,
            n if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => return Err(CoreError::field("pagesize", "max")),
        };
        if query.page < 1 || query.page > 1_000_000 {
            return Err(CoreError::field("pageno", "min"));
        }
        let filter = query.filter.trim().to_lowercase();
        if filter.chars().count() > 254 || filter.chars().any(char::is_control) {
            return Err(CoreError::field("filter", "max"));
        }
        let users = self
            .inner
            .store
            .search_users(&UserQuery {
                prefix: (!filter.is_empty()).then_some(filter),
                descending: query.descending,
                offset: (query.page - 1) * page_size,
                limit: page_size,
                include_deleted: false,
            })
            .await?;
        self.admin_audit(
            &actor,
            "admin.list_users",
            None,
            ctx,
            serde_json::json!({ "page": query.page, "rows": users.len() }),
        )
        .await;
        Ok(users)
    }

    /// The settings rows shown with each account in `users-info`: its roles.
    pub async fn roles_of(&self, user: UserId) -> CoreResult<Vec<Role>> {
        Ok(self.inner.store.user_roles(user).await?)
    }

    /// Creates an account as an administrator (active or blocked, address confirmed).
    pub async fn admin_add_user(
        &self,
        auth: AuthContext,
        mut req: CreateUser,
        active: bool,
        ctx: &RequestContext,
    ) -> CoreResult<User> {
        let actor = self.authorize(auth, Permission::AddUser, ctx).await?;
        req.is_admin = false;
        req.email_verified = true;
        let status = if active {
            UserStatus::Active
        } else {
            UserStatus::Blocked
        };
        self.create_user_as(req, status, Some(actor.id), ctx).await
    }

    /// The account an admin function acts on. Nobody acts on themselves (blocking or
    /// demoting oneself locks the last administrator out), and only an administrator acts
    /// on an administrator: a role grants a function over ordinary accounts, never power
    /// over the people who hand out roles.
    async fn admin_target(&self, actor: &User, target: UserId) -> CoreResult<User> {
        if target == actor.id {
            return Err(CoreError::field("uid", "self"));
        }
        let user = self
            .inner
            .store
            .user_by_id(target)
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(CoreError::NotFound)?;
        if user.is_admin && !actor.is_admin {
            return Err(CoreError::Forbidden);
        }
        Ok(user)
    }

    /// Blocks or unblocks an account. Blocking ends all its sessions at once, in every
    /// dialect and on every node.
    pub async fn admin_set_status(
        &self,
        auth: AuthContext,
        target: UserId,
        active: bool,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self
            .authorize(auth, Permission::ChangeUserStatus, ctx)
            .await?;
        let mut user = self.admin_target(&actor, target).await?;
        user.status = if active {
            UserStatus::Active
        } else {
            UserStatus::Blocked
        };
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        let ended = if active {
            0
        } else {
            self.revoke_user_sessions(user.id, None).await?
        };
        self.admin_audit(
            &actor,
            if active {
                "admin.unblock"
            } else {
                "admin.block"
            },
            Some(user.id),
            ctx,
            serde_json::json!({ "sessions_revoked": ended }),
        )
        .await;
        Ok(())
    }

    /// Grants or revokes the administrator flag.
    pub async fn admin_set_admin(
        &self,
        auth: AuthContext,
        target: UserId,
        is_admin: bool,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self.authorize(auth, Permission::ChangeAdmin, ctx).await?;
        let mut user = self.admin_target(&actor, target).await?;
        user.is_admin = is_admin;
        user.updated_at = self.now();
        self.inner.store.update_user(&user).await?;
        self.admin_audit(
            &actor,
            "admin.set_admin",
            Some(user.id),
            ctx,
            serde_json::json!({ "admin": is_admin }),
        )
        .await;
        Ok(())
    }

    /// Opens or closes registration for every dialect.
    pub async fn admin_set_registration(
        &self,
        auth: AuthContext,
        open: bool,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self
            .authorize(auth, Permission::ChangeRegistration, ctx)
            .await?;
        let mode = if open {
            RegistrationMode::Open
        } else {
            RegistrationMode::Close
        };
        self.store_registration_mode(mode, ctx, actor.id).await
    }

    /// Requires or waives e-mail confirmation before sign-in.
    pub async fn admin_set_email_confirmation(
        &self,
        auth: AuthContext,
        required: bool,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self
            .authorize(auth, Permission::SwitchConfirmEmail, ctx)
            .await?;
        self.store_email_confirmation(required, ctx, actor.id).await
    }

    /// Checks that the caller may describe modules (the description itself is the
    /// dialect's).
    pub async fn admin_show_module(
        &self,
        auth: AuthContext,
        module: &str,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self.authorize(auth, Permission::ShowModule, ctx).await?;
        self.admin_audit(
            &actor,
            "admin.show_module",
            None,
            ctx,
            serde_json::json!({ "module": module.chars().take(32).collect::<String>() }),
        )
        .await;
        Ok(())
    }

    /// Creates a role.
    pub async fn admin_create_role(
        &self,
        auth: AuthContext,
        input: RoleInput,
        ctx: &RequestContext,
    ) -> CoreResult<Role> {
        let actor = self.authorize(auth, Permission::ManageRoles, ctx).await?;
        let (name, permissions) = check_role(&input)?;
        let role = self
            .inner
            .store
            .create_role(&NewRole {
                name,
                permissions,
                enabled: input.enabled,
                created_at: self.now(),
            })
            .await
            .map_err(role_conflict)?;
        self.admin_audit(
            &actor,
            "admin.role_create",
            None,
            ctx,
            serde_json::json!({ "role": role.id, "permissions": role.permissions }),
        )
        .await;
        Ok(role)
    }

    /// Replaces a role's name, permissions and status.
    pub async fn admin_modify_role(
        &self,
        auth: AuthContext,
        id: i64,
        input: RoleInput,
        ctx: &RequestContext,
    ) -> CoreResult<Role> {
        let actor = self.authorize(auth, Permission::ManageRoles, ctx).await?;
        let (name, permissions) = check_role(&input)?;
        let mut role = self
            .inner
            .store
            .role_by_id(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        role.name = name;
        role.permissions = permissions;
        role.enabled = input.enabled;
        role.updated_at = self.now();
        self.inner
            .store
            .update_role(&role)
            .await
            .map_err(role_conflict)?;
        self.admin_audit(
            &actor,
            "admin.role_modify",
            None,
            ctx,
            serde_json::json!({ "role": role.id, "permissions": role.permissions, "enabled": role.enabled }),
        )
        .await;
        Ok(role)
    }

    /// Deletes a role (and takes it from everyone who held it).
    pub async fn admin_delete_role(
        &self,
        auth: AuthContext,
        id: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self.authorize(auth, Permission::ManageRoles, ctx).await?;
        if !self.inner.store.delete_role(id).await? {
            return Err(CoreError::NotFound);
        }
        self.admin_audit(
            &actor,
            "admin.role_delete",
            None,
            ctx,
            serde_json::json!({ "role": id }),
        )
        .await;
        Ok(())
    }

    /// The audit trail, newest first, optionally about one account (`ReadAudit`).
    pub async fn admin_audit_trail(
        &self,
        auth: AuthContext,
        about: Option<UserId>,
        limit: i64,
        ctx: &RequestContext,
    ) -> CoreResult<Vec<crate::domain::AuditEvent>> {
        self.authorize(auth, Permission::ReadAudit, ctx).await?;
        self.audit_trail(about, limit.clamp(1, 1000)).await
    }

    /// Every role.
    pub async fn admin_list_roles(
        &self,
        auth: AuthContext,
        ctx: &RequestContext,
    ) -> CoreResult<Vec<Role>> {
        let actor = self.authorize(auth, Permission::ManageRoles, ctx).await?;
        let roles = self.inner.store.list_roles().await?;
        self.admin_audit(
            &actor,
            "admin.list_roles",
            None,
            ctx,
            serde_json::json!({ "rows": roles.len() }),
        )
        .await;
        Ok(roles)
    }

    /// Gives a role to an account.
    pub async fn admin_assign_role(
        &self,
        auth: AuthContext,
        target: UserId,
        role: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self.authorize(auth, Permission::AssignRoles, ctx).await?;
        let user = self.admin_target(&actor, target).await?;
        self.inner.store.assign_role(user.id, role).await?;
        self.admin_audit(
            &actor,
            "admin.role_assign",
            Some(user.id),
            ctx,
            serde_json::json!({ "role": role }),
        )
        .await;
        Ok(())
    }

    /// Takes a role away from an account.
    pub async fn admin_unassign_role(
        &self,
        auth: AuthContext,
        target: UserId,
        role: i64,
        ctx: &RequestContext,
    ) -> CoreResult<()> {
        let actor = self.authorize(auth, Permission::AssignRoles, ctx).await?;
        let user = self.admin_target(&actor, target).await?;
        if !self.inner.store.unassign_role(user.id, role).await? {
            return Err(CoreError::NotFound);
        }
        self.admin_audit(
            &actor,
            "admin.role_unassign",
            Some(user.id),
            ctx,
            serde_json::json!({ "role": role }),
        )
        .await;
        Ok(())
    }
}

fn role_conflict(e: StoreError) -> CoreError {
    match e {
        StoreError::Conflict(UniqueField::Other) => CoreError::NameTaken,
        other => other.into(),
    }
}

fn check_role(input: &RoleInput) -> CoreResult<(String, Vec<i32>)> {
    let name = input.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_ROLE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(CoreError::field("name", "format"));
    }
    let mut ids = Vec::with_capacity(input.permissions.len());
    for &raw in &input.permissions {
        let p = Permission::from_id(raw).ok_or(CoreError::field("permissions", "oneof"))?;
        ids.push(p.id());
    }
    ids.sort_unstable();
    ids.dedup();
    Ok((name.to_owned(), ids))
}
