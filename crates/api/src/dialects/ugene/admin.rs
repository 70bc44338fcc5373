//! Module `admin`: account listings and management, registration settings, roles, module
//! descriptions. The core decides who may call what (administrators, or holders of an
//! enabled role with the function's permission) and audits every call.

use serde_json::{json, Value};
use tessera_core::domain::{Permission, Role, UserId};
use tessera_core::error::CoreError;
use tessera_core::services::{AdminUserQuery, AuthContext, RoleInput};

use super::envelope::{Call, MODULES};
use super::reg_auth::{creation_code, new_account};
use super::user::{account_fields, completed, two_factor_row};
use super::{code_of, codes, Out};

/// The caller's session, or `unauthenticated`.
fn signed(call: &Call, unauthenticated: &'static str) -> Result<AuthContext, &'static str> {
    call.caller.signed(unauthenticated).map(|(auth, _)| auth)
}

fn uid(call: &Call, fallback: &'static str) -> Result<UserId, &'static str> {
    let raw = call.args.str("uid").map_err(|_| fallback)?;
    UserId::parse(raw.trim()).ok_or(fallback)
}

fn query(call: &Call) -> Result<AdminUserQuery, &'static str> {
    let sort = call.args.opt_str("sort")?.unwrap_or_default();
    let descending = match sort.trim().to_ascii_lowercase().as_str() {
        "" | "asc" => false,
        "desc" => true,
        _ => return Err(codes::BAD_INPUT),
    };
    Ok(AdminUserQuery {
        filter: call.args.opt_str("filter")?.unwrap_or_default(),
        descending,
        page: call.args.opt_int("pageno")?.unwrap_or(1),
        page_size: call.args.opt_int("pagesize")?.unwrap_or(10),
    })
}

async fn list(
    call: &Call,
    permission: Permission,
) -> Result<Vec<tessera_core::domain::User>, &'static str> {
    let auth = signed(call, codes::LISTING_REFUSED)?;
    let q = query(call)?;
    call.st
        .core
        .admin_list_users(auth, permission, &q, &call.ctx())
        .await
        .map_err(|e| match e {
            CoreError::Forbidden | CoreError::SessionInvalid => codes::LISTING_REFUSED,
            other => code_of(&other, codes::LISTING_REFUSED),
        })
}

/// `admin/show-users {sort, filter, pagesize, pageno}`.
pub async fn show_users(call: &Call) -> Out {
    let users = match list(call, Permission::ShowUsers).await {
        Ok(u) => u,
        Err(code) => return Out::error(code),
    };
    let mut rows = Vec::with_capacity(users.len());
    for user in &users {
        let (number, done) = match (
            call.st.core.user_number(user.id).await,
            completed(call, user).await,
        ) {
            (Ok(n), Ok(c)) => (n, c),
            (Err(e), _) => return Out::failed(&e, codes::INTERNAL),
            (_, Err(code)) => return Out::error(code),
        };
        let mut row = serde_json::Map::new();
        row.insert("id".into(), json!(number));
        row.extend(account_fields(user, done, "is_admin"));
        rows.push(Value::Object(row));
    }
    Out::data(Value::Array(rows))
}

/// `admin/users-info {sort, filter, pagesize, pageno}`: accounts with their settings and
/// roles.
pub async fn users_info(call: &Call) -> Out {
    let users = match list(call, Permission::UsersInfo).await {
        Ok(u) => u,
        Err(code) => return Out::error(code),
    };
    let mut rows = Vec::with_capacity(users.len());
    for user in &users {
        let (roles, done) = match (
            call.st.core.roles_of(user.id).await,
            completed(call, user).await,
        ) {
            (Ok(r), Ok(c)) => (r, c),
            (Err(e), _) => return Out::failed(&e, codes::INTERNAL),
            (_, Err(code)) => return Out::error(code),
        };
        let mut row = account_fields(user, done, "admin");
        row.insert(
            "creator_id".into(),
            json!(user.created_by.map(|u| u.to_simple()).unwrap_or_default()),
        );
        let group = roles
            .iter()
            .map(|r| r.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        row.insert("group_id".into(), json!(group));
        let mut config = two_factor_row(user);
        if let Value::Object(m) = &mut config {
            m.insert("user_id".into(), json!(user.id.to_simple()));
        }
        row.insert("config".into(), json!([config]));
        row.insert(
            "roles".into(),
            Value::Array(roles.iter().map(role_json).collect()),
        );
        rows.push(Value::Object(row));
    }
    Out::data(Value::Array(rows))
}

/// `admin/add-user {uname, pass, email, status}`.
pub async fn add_user(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let (req, active) = match (new_account(call), call.args.opt_bool("status")) {
        (Ok(r), Ok(s)) => (r, s.unwrap_or(true)),
        (Err(code), _) | (_, Err(code)) => return Out::error(code),
    };
    match call
        .st
        .core
        .admin_add_user(auth, req, active, &call.ctx())
        .await
    {
        Ok(_) => Out::message(codes::OK),
        Err(e) => Out::error(creation_code(&e)),
    }
}

/// `admin/change-user-status {uid, status}`: blocking ends the account's sessions at once.
pub async fn change_user_status(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let (target, active) = match (uid(call, codes::STATUS_FAILED), call.args.bool("status")) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(code), _) | (_, Err(code)) => return Out::error(code),
    };
    match call
        .st
        .core
        .admin_set_status(auth, target, active, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::OK),
        Err(e @ (CoreError::Forbidden | CoreError::Internal(_))) => {
            Out::failed(&e, codes::STATUS_FAILED)
        }
        Err(_) => Out::error(codes::STATUS_FAILED),
    }
}

/// `admin/change-admin {uid, is_admin}`.
pub async fn change_admin(call: &Call) -> Out {
    let auth = match signed(call, codes::ACTION_REFUSED) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let (target, is_admin) = match (uid(call, codes::ACTION_REFUSED), call.args.bool("is_admin")) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(code), _) | (_, Err(code)) => return Out::error(code),
    };
    match call
        .st
        .core
        .admin_set_admin(auth, target, is_admin, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::ADMIN_CHANGED),
        Err(e @ (CoreError::Forbidden | CoreError::Internal(_))) => {
            Out::failed(&e, codes::ACTION_REFUSED)
        }
        Err(_) => Out::error(codes::ACTION_REFUSED),
    }
}

/// `admin/change-registration {status}`: opens or closes registration in every dialect.
pub async fn change_registration(call: &Call) -> Out {
    let auth = match signed(call, codes::CONFIG_FAILED) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let Ok(open) = call.args.bool("status") else {
        return Out::error(codes::CONFIG_FAILED);
    };
    match call
        .st
        .core
        .admin_set_registration(auth, open, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::CONFIG_UPDATED),
        Err(e) => Out::failed(&e, codes::CONFIG_FAILED),
    }
}

/// `admin/switch-confirm-email {status}`.
pub async fn switch_confirm_email(call: &Call) -> Out {
    let auth = match signed(call, codes::CONFIG_FAILED) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let Ok(required) = call.args.bool("status") else {
        return Out::error(codes::CONFIG_FAILED);
    };
    match call
        .st
        .core
        .admin_set_email_confirmation(auth, required, &call.ctx())
        .await
    {
        Ok(()) => Out::message(codes::CONFIG_UPDATED),
        Err(e) => Out::failed(&e, codes::CONFIG_FAILED),
    }
}

fn role_input(call: &Call) -> Result<RoleInput, &'static str> {
    let name = call.args.str("name").map_err(|_| codes::ROLE_INVALID)?;
    let permissions = call
        .args
        .int_list("permissions")
        .map_err(|_| codes::ROLE_INVALID)?;
    let enabled = call
        .args
        .opt_bool("status")
        .map_err(|_| codes::ROLE_INVALID)?
        .unwrap_or(true);
    Ok(RoleInput {
        name,
        permissions,
        enabled,
    })
}

fn role_json(r: &Role) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "permissions": r.permissions,
        "status": r.enabled,
        "created_at": r.created_at.unix_timestamp(),
        "updated_at": r.updated_at.unix_timestamp(),
    })
}

fn role_error(e: &CoreError, fallback: &'static str) -> &'static str {
    match e {
        CoreError::InvalidInput(_) | CoreError::NameTaken => codes::ROLE_INVALID,
        CoreError::NotFound => codes::ROLE_NOT_FOUND,
        other => code_of(other, fallback),
    }
}

/// `admin/create-role {name, permissions, status}`; the answer carries the new `id`.
pub async fn create_role(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let input = match role_input(call) {
        Ok(i) => i,
        Err(code) => return Out::error(code),
    };
    match call
        .st
        .core
        .admin_create_role(auth, input, &call.ctx())
        .await
    {
        Ok(role) => Out::answer(json!({ "message": codes::ROLE_SAVED, "id": role.id })),
        Err(e) => Out::error(role_error(&e, codes::ROLE_INVALID)),
    }
}

/// `admin/modify-role {id, name, permissions, status}`; `{id}` alone deletes the role
/// (the document's delete example uses this `param`).
pub async fn modify_role(call: &Call) -> Out {
    let only_id = !["name", "permissions", "status"]
        .iter()
        .any(|k| call.args.has(k));
    if only_id {
        return delete_role(call).await;
    }
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let (id, input) = match (call.args.int("id"), role_input(call)) {
        (Ok(id), Ok(i)) => (id, i),
        (Err(_), _) => return Out::error(codes::ROLE_INVALID),
        (_, Err(code)) => return Out::error(code),
    };
    match call
        .st
        .core
        .admin_modify_role(auth, id, input, &call.ctx())
        .await
    {
        Ok(_) => Out::message(codes::ROLE_SAVED),
        Err(e) => Out::error(role_error(&e, codes::ROLE_INVALID)),
    }
}

/// `admin/delete-role {id}`.
pub async fn delete_role(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let Ok(id) = call.args.int("id") else {
        return Out::error(codes::ROLE_NOT_FOUND);
    };
    match call.st.core.admin_delete_role(auth, id, &call.ctx()).await {
        Ok(()) => Out::message(codes::ROLE_DELETED),
        Err(e) => Out::error(role_error(&e, codes::ROLE_NOT_FOUND)),
    }
}

/// `admin/assign-role {uid, role_id}` and `admin/unassign-role {uid, role_id}` (Tessera's).
pub async fn assign_role(call: &Call, assign: bool) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let (target, role) = match (uid(call, codes::USER_NOT_FOUND), call.args.int("role_id")) {
        (Ok(t), Ok(r)) => (t, r),
        (Err(code), _) => return Out::error(code),
        (_, Err(_)) => return Out::error(codes::ROLE_NOT_FOUND),
    };
    let core = &call.st.core;
    let result = if assign {
        core.admin_assign_role(auth, target, role, &call.ctx())
            .await
    } else {
        core.admin_unassign_role(auth, target, role, &call.ctx())
            .await
    };
    match result {
        Ok(()) if assign => Out::message(codes::ROLE_ASSIGNED),
        Ok(()) => Out::message(codes::ROLE_UNASSIGNED),
        // Unknown account, unknown role (or one the account does not hold), oneself.
        Err(CoreError::NotFound) => Out::error(codes::ROLE_NOT_FOUND),
        Err(CoreError::InvalidInput(_)) => Out::error(codes::USER_NOT_FOUND),
        Err(e) => Out::failed(&e, codes::ROLE_NOT_FOUND),
    }
}

/// `admin/show-roles` (Tessera's): every role.
pub async fn show_roles(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    match call.st.core.admin_list_roles(auth, &call.ctx()).await {
        Ok(roles) => Out::data(Value::Array(roles.iter().map(role_json).collect())),
        Err(e) => Out::failed(&e, codes::FUNCTION_FAILED),
    }
}

/// `admin/show-audit {uid?, limit?}` (Tessera's): the audit trail, newest first.
pub async fn show_audit(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let about = match call.args.opt_str("uid") {
        Ok(None) => None,
        Ok(Some(raw)) => match UserId::parse(raw.trim()) {
            Some(id) => Some(id),
            None => return Out::error(codes::USER_NOT_FOUND),
        },
        Err(code) => return Out::error(code),
    };
    let limit = match call.args.opt_int("limit") {
        Ok(l) => l.unwrap_or(100),
        Err(code) => return Out::error(code),
    };
    match call
        .st
        .core
        .admin_audit_trail(auth, about, limit, &call.ctx())
        .await
    {
        Ok(events) => Out::data(Value::Array(
            events
                .iter()
                .map(|e| {
                    json!({
                        "at": e.at.unix_timestamp(),
                        "actor": e.actor.map(|u| u.to_simple()),
                        "action": e.action,
                        "target": e.target.map(|u| u.to_simple()),
                        "ip": e.ip,
                        "outcome": e.outcome,
                        "detail": e.detail,
                    })
                })
                .collect(),
        )),
        Err(e) => Out::failed(&e, codes::FUNCTION_FAILED),
    }
}

/// `admin/show-permissions` (Tessera's): the permission catalogue. Public facts, but only
/// for signed-in callers.
pub async fn show_permissions(call: &Call) -> Out {
    if let Err(code) = signed(call, codes::TOKEN_WRONG) {
        return Out::error(code);
    }
    Out::data(Value::Array(
        Permission::ALL
            .iter()
            .map(|p| json!({ "id": p.id(), "name": p.name() }))
            .collect(),
    ))
}

/// `admin/show-module {module}`.
pub async fn show_module(call: &Call) -> Out {
    let auth = match signed(call, codes::TOKEN_WRONG) {
        Ok(a) => a,
        Err(code) => return Out::error(code),
    };
    let module = call.args.str("module").unwrap_or_default();
    if !MODULES.contains(&module.as_str()) {
        return Out::error(codes::UNKNOWN_MODULE);
    }
    if let Err(e) = call
        .st
        .core
        .admin_show_module(auth, &module, &call.ctx())
        .await
    {
        return Out::failed(&e, codes::UNKNOWN_MODULE);
    }
    let name = match module.as_str() {
        "reg" => "Module Registration",
        "auth" => "Module Authentication",
        "user" => "Module User",
        "admin" => "Module Admin",
        "gdpr" => "Module GDPR",
        _ => "Module General",
    };
    Out::data(json!({
        "description": "This is a module",
        "language": call.lang,
        "name": name,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}
