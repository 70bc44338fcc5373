//! Roles and the permission catalogue: an administrator delegates single admin functions
//! to non-admin users by giving them a role that holds those permissions.

use time::OffsetDateTime;

/// One admin function that a role can grant. The numbers are the wire ids (Ugene's
/// `permissions` arrays) and are published; they never change meaning once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// List accounts (`show-users`).
    ShowUsers,
    /// List accounts with their settings (`users-info`).
    UsersInfo,
    /// Create accounts (`add-user`).
    AddUser,
    /// Block and unblock accounts (`change-user-status`).
    ChangeUserStatus,
    /// Grant and revoke the administrator flag (`change-admin`).
    ChangeAdmin,
    /// Open and close registration (`change-registration`).
    ChangeRegistration,
    /// Require or waive e-mail confirmation (`switch-confirm-email`).
    SwitchConfirmEmail,
    /// Create, modify and delete roles.
    ManageRoles,
    /// Assign and unassign roles.
    AssignRoles,
    /// Describe modules (`show-module`).
    ShowModule,
    /// Read the audit trail.
    ReadAudit,
}

impl Permission {
    /// Every permission, in id order.
    pub const ALL: [Permission; 11] = [
        Self::ShowUsers,
        Self::UsersInfo,
        Self::AddUser,
        Self::ChangeUserStatus,
        Self::ChangeAdmin,
        Self::ChangeRegistration,
        Self::SwitchConfirmEmail,
        Self::ManageRoles,
        Self::AssignRoles,
        Self::ShowModule,
        Self::ReadAudit,
    ];

    /// The published id.
    pub fn id(self) -> i32 {
        match self {
            Self::ShowUsers => 1,
            Self::UsersInfo => 2,
            Self::AddUser => 3,
            Self::ChangeUserStatus => 4,
            Self::ChangeAdmin => 5,
            Self::ChangeRegistration => 6,
            Self::SwitchConfirmEmail => 7,
            Self::ManageRoles => 8,
            Self::AssignRoles => 9,
            Self::ShowModule => 10,
            Self::ReadAudit => 11,
        }
    }

    /// The permission with this id.
    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| i64::from(p.id()) == id)
    }

    /// A short stable name, for the catalogue and the audit trail.
    pub fn name(self) -> &'static str {
        match self {
            Self::ShowUsers => "show-users",
            Self::UsersInfo => "users-info",
            Self::AddUser => "add-user",
            Self::ChangeUserStatus => "change-user-status",
            Self::ChangeAdmin => "change-admin",
            Self::ChangeRegistration => "change-registration",
            Self::SwitchConfirmEmail => "switch-confirm-email",
            Self::ManageRoles => "manage-roles",
            Self::AssignRoles => "assign-roles",
            Self::ShowModule => "show-module",
            Self::ReadAudit => "read-audit",
        }
    }
}

/// A named set of permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Numeric id (the wire id).
    pub id: i64,
    /// Name, unique case-insensitively.
    pub name: String,
    /// Permission ids, sorted, without duplicates.
    pub permissions: Vec<i32>,
    /// A disabled role grants nothing.
    pub enabled: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// A role to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRole {
    /// Name.
    pub name: String,
    /// Permission ids, sorted, without duplicates.
    pub permissions: Vec<i32>,
    /// Enabled.
    pub enabled: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
}
