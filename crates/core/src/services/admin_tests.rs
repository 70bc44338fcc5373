//! Tests of administration (`admin.rs`, `settings.rs`): who may call which admin function,
//! roles, blocking, registration switches, the account listing and the audit of it all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::testing::{harness, harness_with, test_ctx, Harness};
use super::*;
use crate::config::RegistrationMode;
use crate::domain::{AuditEvent, Password, Permission, User, UserId, UserStatus};
use crate::error::CoreError;

const PW: &str = "Correct-horse-1";

async fn sign_in(h: &Harness, login: &str) -> SignedIn {
    match h
        .core
        .sign_in_login_name(
            login,
            &Password::new(PW),
            None,
            &test_ctx(),
            SessionOptions::default(),
        )
        .await
    {
        Ok(PasswordSignIn::Complete(s)) => s,
        other => panic!("expected a sign-in, got {other:?}"),
    }
}

/// A signed-in account.
async fn member(h: &Harness, email: &str, is_admin: bool) -> (User, AuthContext) {
    let u = h.account(email, None, Some(PW), is_admin).await;
    let s = sign_in(h, email).await;
    (u, s.auth())
}

fn role(name: &str, permissions: &[i64], enabled: bool) -> RoleInput {
    RoleInput {
        name: name.into(),
        permissions: permissions.to_vec(),
        enabled,
    }
}

fn page(filter: &str, descending: bool, page: i64, page_size: i64) -> AdminUserQuery {
    AdminUserQuery {
        filter: filter.into(),
        descending,
        page,
        page_size,
    }
}

fn new_account(email: &str) -> CreateUser {
    CreateUser {
        email: email.into(),
        password: Some(Password::new(PW)),
        name: "Made".into(),
        username: None,
        is_admin: false,
        email_verified: false,
    }
}

/// Calls the admin function guarded by `p` as `auth`, with harmless arguments: `target`
/// is another account, `role` an existing role, `n` makes created addresses unique.
async fn call(
    h: &Harness,
    auth: AuthContext,
    p: Permission,
    target: UserId,
    role: i64,
    n: usize,
) -> CoreResult<()> {
    let ctx = test_ctx();
    let c = &h.core;
    match p {
        Permission::ShowUsers | Permission::UsersInfo => c
            .admin_list_users(auth, p, &page("", false, 1, 10), &ctx)
            .await
            .map(drop),
        Permission::AddUser => c
            .admin_add_user(
                auth,
                new_account(&format!("made{n}@example.com")),
                true,
                &ctx,
            )
            .await
            .map(drop),
        Permission::ChangeUserStatus => c.admin_set_status(auth, target, true, &ctx).await,
        Permission::ChangeAdmin => c.admin_set_admin(auth, target, false, &ctx).await,
        Permission::ChangeRegistration => c.admin_set_registration(auth, true, &ctx).await,
        Permission::SwitchConfirmEmail => c.admin_set_email_confirmation(auth, false, &ctx).await,
        Permission::ManageRoles => c.admin_list_roles(auth, &ctx).await.map(drop),
        Permission::AssignRoles => c.admin_assign_role(auth, target, role, &ctx).await,
        Permission::ShowModule => c.admin_show_module(auth, "users", &ctx).await,
        Permission::ReadAudit => c.authorize(auth, p, &ctx).await.map(drop),
    }
}

async fn audit(h: &Harness) -> Vec<AuditEvent> {
    h.core.audit_trail(None, 10_000).await.unwrap()
}

async fn audited_by(h: &Harness, actor: UserId, action: &str) -> Vec<AuditEvent> {
    audit(h)
        .await
        .into_iter()
        .filter(|e| e.actor == Some(actor) && e.action == action)
        .collect()
}

async fn by_actor(h: &Harness, actor: UserId) -> usize {
    audit(h)
        .await
        .iter()
        .filter(|e| e.actor == Some(actor))
        .count()
}

#[tokio::test]
async fn a_plain_user_is_forbidden_every_admin_function_and_each_refusal_is_audited() {
    let h = harness();
    let (_, admin) = member(&h, "admin@example.com", true).await;
    let (plain, auth) = member(&h, "plain@example.com", false).await;
    let target = h.account("target@example.com", None, Some(PW), false).await;
    let r = h
        .core
        .admin_create_role(admin, role("Ops", &[1], true), &test_ctx())
        .await
        .unwrap();
    let ctx = test_ctx();
    let c = &h.core;

    for (i, p) in Permission::ALL.into_iter().enumerate() {
        assert!(
            matches!(
                call(&h, auth, p, target.id, r.id, i).await,
                Err(CoreError::Forbidden)
            ),
            "{}",
            p.name()
        );
    }
    let more: Vec<CoreResult<()>> = vec![
        c.admin_set_status(auth, target.id, false, &ctx).await,
        c.admin_set_admin(auth, target.id, true, &ctx).await,
        c.admin_set_registration(auth, false, &ctx).await,
        c.admin_set_email_confirmation(auth, true, &ctx).await,
        c.admin_create_role(auth, role("Mine", &[1], true), &ctx)
            .await
            .map(drop),
        c.admin_modify_role(auth, r.id, role("Mine", &[1, 2, 3], true), &ctx)
            .await
            .map(drop),
        c.admin_delete_role(auth, r.id, &ctx).await,
        c.admin_assign_role(auth, plain.id, r.id, &ctx).await,
        c.admin_unassign_role(auth, target.id, r.id, &ctx).await,
        c.admin_list_users(auth, Permission::AddUser, &page("", false, 1, 10), &ctx)
            .await
            .map(drop),
    ];
    for (i, r) in more.into_iter().enumerate() {
        assert!(matches!(r, Err(CoreError::Forbidden)), "call {i}: {r:?}");
    }

    // Nothing changed.
    assert_eq!(
        h.core.registration_mode().await.unwrap(),
        RegistrationMode::Open
    );
    assert!(!h.core.email_confirmation_required().await.unwrap());
    let t = h.core.user(target.id).await.unwrap();
    assert!(t.status == UserStatus::Active && !t.is_admin);
    assert!(h
        .core
        .user_by_email("made0@example.com")
        .await
        .unwrap()
        .is_none());
    assert!(h
        .core
        .user_by_email("made2@example.com")
        .await
        .unwrap()
        .is_none());
    let roles = h.core.admin_list_roles(admin, &ctx).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(
        (roles[0].name.as_str(), roles[0].permissions.clone()),
        ("Ops", vec![1])
    );
    assert!(h.core.roles_of(plain.id).await.unwrap().is_empty());
    assert!(h.core.permissions_of(&plain).await.unwrap().is_empty());

    let denied = audited_by(&h, plain.id, "admin.denied").await;
    assert_eq!(
        denied.len(),
        Permission::ALL.len() + 9,
        "every refusal is audited (the non-listing permission is refused before the check)"
    );
    assert!(denied.iter().all(|e| e.outcome == "forbidden"));
    for p in Permission::ALL {
        assert!(
            denied.iter().any(|e| e.detail["permission"] == p.name()),
            "{}",
            p.name()
        );
    }
}

#[tokio::test]
async fn an_administrator_may_use_every_admin_function() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let target = h.account("target@example.com", None, Some(PW), false).await;
    let r = h
        .core
        .admin_create_role(auth, role("Ops", &[1], true), &test_ctx())
        .await
        .unwrap();
    for (i, p) in Permission::ALL.into_iter().enumerate() {
        let got = call(&h, auth, p, target.id, r.id, i).await;
        assert!(got.is_ok(), "{}: {got:?}", p.name());
    }
    assert_eq!(
        h.core.permissions_of(&admin).await.unwrap(),
        Permission::ALL.to_vec()
    );
    assert!(audited_by(&h, admin.id, "admin.denied").await.is_empty());
}

#[tokio::test]
async fn a_role_grants_exactly_its_permission() {
    let h = harness();
    let (_, admin) = member(&h, "admin@example.com", true).await;
    let target = h.account("target@example.com", None, Some(PW), false).await;
    let ctx = test_ctx();
    let mut n = 0;
    for x in Permission::ALL {
        let r = h
            .core
            .admin_create_role(
                admin,
                role(&format!("only {}", x.name()), &[i64::from(x.id())], true),
                &ctx,
            )
            .await
            .unwrap();
        let (delegate, auth) = member(&h, &format!("{}@example.com", x.name()), false).await;
        h.core
            .admin_assign_role(admin, delegate.id, r.id, &ctx)
            .await
            .unwrap();
        assert_eq!(h.core.permissions_of(&delegate).await.unwrap(), vec![x]);
        for p in Permission::ALL {
            n += 1;
            let got = call(&h, auth, p, target.id, r.id, n).await;
            if p == x {
                assert!(got.is_ok(), "{} may call {}: {got:?}", x.name(), p.name());
            } else {
                assert!(
                    matches!(got, Err(CoreError::Forbidden)),
                    "{} may not call {}: {got:?}",
                    x.name(),
                    p.name()
                );
            }
        }
    }
}

#[tokio::test]
async fn disabled_deleted_or_unassigned_roles_grant_nothing() {
    let h = harness();
    let (_, admin) = member(&h, "admin@example.com", true).await;
    let (delegate, auth) = member(&h, "delegate@example.com", false).await;
    let ctx = test_ctx();
    let list = |a: AuthContext| {
        let core = h.core.clone();
        async move {
            core.admin_list_users(
                a,
                Permission::ShowUsers,
                &page("", false, 1, 10),
                &test_ctx(),
            )
            .await
        }
    };
    let r = h
        .core
        .admin_create_role(admin, role("Viewers", &[1], true), &ctx)
        .await
        .unwrap();
    h.core
        .admin_assign_role(admin, delegate.id, r.id, &ctx)
        .await
        .unwrap();
    assert!(list(auth).await.is_ok());

    h.core
        .admin_modify_role(admin, r.id, role("Viewers", &[1], false), &ctx)
        .await
        .unwrap();
    assert!(
        matches!(list(auth).await, Err(CoreError::Forbidden)),
        "disabled"
    );
    assert!(h.core.permissions_of(&delegate).await.unwrap().is_empty());
    h.core
        .admin_modify_role(admin, r.id, role("Viewers", &[1], true), &ctx)
        .await
        .unwrap();
    assert!(list(auth).await.is_ok(), "enabled again");

    h.core
        .admin_unassign_role(admin, delegate.id, r.id, &ctx)
        .await
        .unwrap();
    assert!(
        matches!(list(auth).await, Err(CoreError::Forbidden)),
        "unassigned"
    );
    assert!(matches!(
        h.core
            .admin_unassign_role(admin, delegate.id, r.id, &ctx)
            .await,
        Err(CoreError::NotFound)
    ));
    h.core
        .admin_assign_role(admin, delegate.id, r.id, &ctx)
        .await
        .unwrap();
    assert!(list(auth).await.is_ok());

    h.core.admin_delete_role(admin, r.id, &ctx).await.unwrap();
    assert!(
        matches!(list(auth).await, Err(CoreError::Forbidden)),
        "deleted"
    );
    assert!(h.core.roles_of(delegate.id).await.unwrap().is_empty());
    assert!(matches!(
        h.core.admin_delete_role(admin, r.id, &ctx).await,
        Err(CoreError::NotFound)
    ));
    assert!(
        matches!(
            h.core
                .admin_assign_role(admin, delegate.id, r.id, &ctx)
                .await,
            Err(CoreError::NotFound)
        ),
        "a deleted role cannot be assigned"
    );
}

#[tokio::test]
async fn roles_are_validated() {
    let h = harness();
    let (_, admin) = member(&h, "admin@example.com", true).await;
    let ctx = test_ctx();
    let c = &h.core;
    for bad in [
        role("", &[1], true),
        role("   ", &[1], true),
        role(&"r".repeat(65), &[1], true),
        role("bad\u{7}name", &[1], true),
        role("Zero", &[0], true),
        role("NinetyNine", &[1, 99], true),
        role("Negative", &[-1], true),
    ] {
        let name = bad.name.clone();
        assert!(
            matches!(
                c.admin_create_role(admin, bad, &ctx).await,
                Err(CoreError::InvalidInput(_))
            ),
            "{name:?}"
        );
    }
    assert!(
        c.admin_list_roles(admin, &ctx).await.unwrap().is_empty(),
        "nothing was created"
    );

    let r = c
        .admin_create_role(admin, role("  Editors ", &[3, 1, 3, 11, 1], true), &ctx)
        .await
        .unwrap();
    assert_eq!(r.name, "Editors");
    assert_eq!(r.permissions, vec![1, 3, 11], "deduplicated and sorted");
    assert!(c
        .admin_create_role(admin, role(&"r".repeat(64), &[], false), &ctx)
        .await
        .is_ok());
    assert!(matches!(
        c.admin_create_role(admin, role("editors", &[2], true), &ctx)
            .await,
        Err(CoreError::NameTaken)
    ));
    assert!(matches!(
        c.admin_create_role(admin, role("EDITORS", &[2], true), &ctx)
            .await,
        Err(CoreError::NameTaken)
    ));
    let other = c
        .admin_create_role(admin, role("Viewers", &[2], true), &ctx)
        .await
        .unwrap();
    assert!(matches!(
        c.admin_modify_role(admin, other.id, role("eDiToRs", &[2], true), &ctx)
            .await,
        Err(CoreError::NameTaken)
    ));
    assert!(matches!(
        c.admin_modify_role(admin, other.id, role("Viewers", &[42], true), &ctx)
            .await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        c.admin_modify_role(admin, 9999, role("Ghost", &[2], true), &ctx)
            .await,
        Err(CoreError::NotFound)
    ));
    let renamed = c
        .admin_modify_role(admin, other.id, role("viewers", &[5, 4, 5], false), &ctx)
        .await
        .unwrap();
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.permissions.clone(),
            renamed.enabled
        ),
        ("viewers", vec![4, 5], false),
        "a role may change the case of its own name"
    );
    let stored = c.admin_list_roles(admin, &ctx).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].permissions, vec![1, 3, 11]);
    assert_eq!(stored[2].permissions, vec![4, 5]);
}

#[tokio::test]
async fn blocking_ends_every_session_at_once_and_stops_sign_in() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let target = h
        .account("target@example.com", Some("tango"), Some(PW), false)
        .await;
    let a = sign_in(&h, "tango").await;
    let jwt = h.core.issue_access_token(a.auth()).unwrap();
    let b = h
        .core
        .sign_in_password(
            "target@example.com",
            &Password::new(PW),
            &test_ctx(),
            h.core.token_session_options(false),
        )
        .await
        .unwrap();
    let opaque = h.core.issue_tokens(b, false).await.unwrap();
    assert!(
        h.core.verify_access_token(&jwt).await.is_ok(),
        "cached and live"
    );
    assert!(h.core.verify_bearer(&opaque.access_token).await.is_ok());

    h.core
        .admin_set_status(auth, target.id, false, &test_ctx())
        .await
        .unwrap();
    assert_eq!(
        h.core.user(target.id).await.unwrap().status,
        UserStatus::Blocked
    );
    assert!(
        h.core.verify_access_token(&jwt).await.is_err(),
        "JWT session ended"
    );
    assert!(
        h.core.verify_bearer(&opaque.access_token).await.is_err(),
        "token session ended"
    );
    assert!(h.core.live_sessions(target.id).await.unwrap().is_empty());
    for login in ["tango", "target@example.com"] {
        assert!(matches!(
            h.core
                .sign_in_login_name(
                    login,
                    &Password::new(PW),
                    None,
                    &test_ctx(),
                    SessionOptions::default()
                )
                .await,
            Err(CoreError::InvalidCredentials)
        ));
    }
    assert!(matches!(
        h.core
            .sign_in_password(
                "target@example.com",
                &Password::new(PW),
                &test_ctx(),
                SessionOptions::default()
            )
            .await,
        Err(CoreError::InvalidCredentials)
    ));
    let block = audited_by(&h, admin.id, "admin.block").await;
    assert_eq!(block.len(), 1);
    assert_eq!(block[0].target, Some(target.id));
    assert_eq!(block[0].detail["sessions_revoked"], 2);

    h.core
        .admin_set_status(auth, target.id, true, &test_ctx())
        .await
        .unwrap();
    assert_eq!(
        h.core.user(target.id).await.unwrap().status,
        UserStatus::Active
    );
    sign_in(&h, "tango").await;
    assert!(
        h.core.verify_access_token(&jwt).await.is_err(),
        "unblocking does not revive old sessions"
    );
    assert_eq!(audited_by(&h, admin.id, "admin.unblock").await.len(), 1);
}

#[tokio::test]
async fn administrators_cannot_block_or_demote_themselves() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let ctx = test_ctx();
    assert!(matches!(
        h.core.admin_set_status(auth, admin.id, false, &ctx).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        h.core.admin_set_admin(auth, admin.id, false, &ctx).await,
        Err(CoreError::InvalidInput(_))
    ));
    let me = h.core.user(admin.id).await.unwrap();
    assert!(me.is_admin && me.status == UserStatus::Active);
    assert!(h.core.live_sessions(admin.id).await.unwrap().len() == 1);
    assert!(matches!(
        h.core
            .admin_set_status(auth, UserId::new(), false, &ctx)
            .await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        h.core
            .admin_set_admin(auth, UserId::new(), true, &ctx)
            .await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn change_admin_grants_and_revokes_the_flag() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let (other, other_auth) = member(&h, "other@example.com", false).await;
    let ctx = test_ctx();
    let list = |a: AuthContext| {
        let core = h.core.clone();
        async move {
            core.admin_list_users(
                a,
                Permission::ShowUsers,
                &page("", false, 1, 10),
                &test_ctx(),
            )
            .await
        }
    };
    assert!(matches!(list(other_auth).await, Err(CoreError::Forbidden)));
    h.core
        .admin_set_admin(auth, other.id, true, &ctx)
        .await
        .unwrap();
    assert!(h.core.user(other.id).await.unwrap().is_admin);
    assert!(list(other_auth).await.is_ok(), "effective at once");
    h.core
        .admin_set_admin(auth, other.id, false, &ctx)
        .await
        .unwrap();
    assert!(!h.core.user(other.id).await.unwrap().is_admin);
    assert!(matches!(list(other_auth).await, Err(CoreError::Forbidden)));
    let events = audited_by(&h, admin.id, "admin.set_admin").await;
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.target == Some(other.id)));
}

#[tokio::test]
async fn the_registration_switch_governs_every_client_registration() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let ctx = test_ctx();
    h.core
        .admin_set_registration(auth, false, &ctx)
        .await
        .unwrap();
    assert_eq!(
        h.core.registration_mode().await.unwrap(),
        RegistrationMode::Close
    );
    assert!(matches!(
        h.core
            .register_unconfirmed(new_account("a@example.com"), "https://x/c?t=", 600, &ctx)
            .await,
        Err(CoreError::RegistrationClosed)
    ));
    assert!(matches!(
        h.core
            .register(
                new_account("a@example.com"),
                &ctx,
                SessionOptions::default()
            )
            .await,
        Err(CoreError::RegistrationClosed)
    ));
    assert!(h
        .core
        .user_by_email("a@example.com")
        .await
        .unwrap()
        .is_none());
    let created = h
        .core
        .admin_add_user(auth, new_account("by-admin@example.com"), true, &ctx)
        .await;
    assert!(created.is_ok(), "administrators still create accounts");

    h.core
        .admin_set_registration(auth, true, &ctx)
        .await
        .unwrap();
    assert_eq!(
        h.core.registration_mode().await.unwrap(),
        RegistrationMode::Open
    );
    h.core
        .register_unconfirmed(new_account("a@example.com"), "https://x/c?t=", 600, &ctx)
        .await
        .unwrap();
    h.core
        .register(
            new_account("b@example.com"),
            &ctx,
            SessionOptions::default(),
        )
        .await
        .unwrap();
    let events = audited_by(&h, admin.id, "admin.registration").await;
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn the_switch_overrides_the_configured_mode() {
    let h = harness_with(|c| c.registration.mode = RegistrationMode::Invite);
    let (_, auth) = member(&h, "admin@example.com", true).await;
    let ctx = test_ctx();
    assert!(
        matches!(
            h.core
                .register_unconfirmed(new_account("a@example.com"), "https://x/c?t=", 600, &ctx)
                .await,
            Err(CoreError::InviteRequired)
        ),
        "sign-up without a code is refused in invite mode"
    );
    h.core
        .admin_set_registration(auth, true, &ctx)
        .await
        .unwrap();
    h.core
        .register_unconfirmed(new_account("a@example.com"), "https://x/c?t=", 600, &ctx)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_account_listing_pages_orders_and_filters() {
    let h = harness();
    let (_, auth) = member(&h, "admin@example.com", true).await;
    let ctx = test_ctx();
    let mut made = Vec::new();
    for i in 0..12 {
        h.clock.advance(Duration::seconds(1));
        made.push(
            h.account(
                &format!("m{i:02}@example.com"),
                Some(&format!("user-{i}")),
                None,
                false,
            )
            .await,
        );
    }
    let ids = |v: Vec<User>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
    let list = |q: AdminUserQuery| {
        let core = h.core.clone();
        async move {
            core.admin_list_users(auth, Permission::UsersInfo, &q, &test_ctx())
                .await
        }
    };

    // 13 accounts, oldest first: the admin, then m00..m11.
    let p2 = ids(list(page("", false, 2, 2)).await.unwrap());
    assert_eq!(p2, vec![made[1].id, made[2].id], "page 2 of size 2");
    let newest = ids(list(page("", true, 1, 2)).await.unwrap());
    assert_eq!(newest, vec![made[11].id, made[10].id], "newest first");
    let p2d = ids(list(page("", true, 2, 2)).await.unwrap());
    assert_eq!(p2d, vec![made[9].id, made[8].id]);

    let by_name = ids(list(page("USER-1", false, 1, 10)).await.unwrap());
    assert_eq!(
        by_name,
        vec![made[1].id, made[10].id, made[11].id],
        "prefix of the username, case-insensitive"
    );
    let by_mail = ids(list(page(" m05@", false, 1, 10)).await.unwrap());
    assert_eq!(by_mail, vec![made[5].id], "prefix of the e-mail");
    assert!(
        list(page("example", false, 1, 10))
            .await
            .unwrap()
            .is_empty(),
        "a prefix, not a substring"
    );

    assert_eq!(
        list(page("", false, 1, 0)).await.unwrap().len(),
        10,
        "page size 0 means 10"
    );
    assert_eq!(list(page("", false, 2, 0)).await.unwrap().len(), 3);
    assert_eq!(list(page("", false, 1, 100)).await.unwrap().len(), 13);
    assert!(list(page("", false, 3, 10)).await.unwrap().is_empty());
    for bad in [
        page("", false, 1, 101),
        page("", false, 1, -1),
        page("", false, 0, 10),
    ] {
        assert!(
            matches!(list(bad.clone()).await, Err(CoreError::InvalidInput(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        h.core
            .admin_list_users(auth, Permission::ShowUsers, &page("", false, 1, 101), &ctx)
            .await,
        Err(CoreError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn added_accounts_may_be_created_blocked_and_remember_their_creator() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let ctx = test_ctx();
    let mut req = new_account("blocked@example.com");
    req.is_admin = true;
    let blocked = h.core.admin_add_user(auth, req, false, &ctx).await.unwrap();
    assert_eq!(blocked.status, UserStatus::Blocked);
    assert_eq!(blocked.created_by, Some(admin.id));
    assert!(
        !blocked.is_admin,
        "an added account is never an administrator"
    );
    assert!(
        blocked.email_verified_at.is_some(),
        "its address counts as confirmed"
    );
    let stored = h.core.user(blocked.id).await.unwrap();
    assert_eq!(
        (stored.status, stored.created_by),
        (UserStatus::Blocked, Some(admin.id))
    );
    assert!(matches!(
        h.core
            .sign_in_login_name(
                "blocked@example.com",
                &Password::new(PW),
                None,
                &ctx,
                SessionOptions::default()
            )
            .await,
        Err(CoreError::InvalidCredentials)
    ));

    let active = h
        .core
        .admin_add_user(auth, new_account("active@example.com"), true, &ctx)
        .await
        .unwrap();
    assert_eq!(active.status, UserStatus::Active);
    assert_eq!(active.created_by, Some(admin.id));
    sign_in(&h, "active@example.com").await;
    assert!(matches!(
        h.core
            .admin_add_user(auth, new_account("ACTIVE@example.com"), true, &ctx)
            .await,
        Err(CoreError::EmailTaken)
    ));

    let created = audited_by(&h, admin.id, "account.create").await;
    let targets: Vec<_> = created.iter().map(|e| e.target).collect();
    assert!(targets.contains(&Some(blocked.id)) && targets.contains(&Some(active.id)));
}

#[tokio::test]
async fn every_admin_action_is_audited_with_its_actor() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let target = h.account("target@example.com", None, Some(PW), false).await;
    let ctx = test_ctx();
    let c = &h.core;

    let r = c
        .admin_create_role(auth, role("Ops", &[1], true), &ctx)
        .await
        .unwrap();
    assert_eq!(audited_by(&h, admin.id, "admin.role_create").await.len(), 1);
    c.admin_modify_role(auth, r.id, role("Ops", &[1, 2], true), &ctx)
        .await
        .unwrap();
    assert_eq!(audited_by(&h, admin.id, "admin.role_modify").await.len(), 1);
    c.admin_assign_role(auth, target.id, r.id, &ctx)
        .await
        .unwrap();
    assert_eq!(
        audited_by(&h, admin.id, "admin.role_assign").await[0].target,
        Some(target.id)
    );
    c.admin_unassign_role(auth, target.id, r.id, &ctx)
        .await
        .unwrap();
    assert_eq!(
        audited_by(&h, admin.id, "admin.role_unassign").await[0].target,
        Some(target.id)
    );
    c.admin_set_status(auth, target.id, false, &ctx)
        .await
        .unwrap();
    c.admin_set_email_confirmation(auth, true, &ctx)
        .await
        .unwrap();
    assert_eq!(
        audited_by(&h, admin.id, "admin.confirm_email").await.len(),
        1
    );
    c.admin_show_module(auth, "users", &ctx).await.unwrap();
    assert_eq!(audited_by(&h, admin.id, "admin.show_module").await.len(), 1);
    c.admin_list_users(auth, Permission::ShowUsers, &page("", false, 1, 10), &ctx)
        .await
        .unwrap();
    assert_eq!(audited_by(&h, admin.id, "admin.list_users").await.len(), 1);
    c.admin_delete_role(auth, r.id, &ctx).await.unwrap();
    assert_eq!(audited_by(&h, admin.id, "admin.role_delete").await.len(), 1);
    assert!(audit(&h)
        .await
        .iter()
        .filter(|e| e.action.starts_with("admin."))
        .all(|e| e.actor == Some(admin.id)
            && e.outcome == "ok"
            && e.ip.as_deref() == Some("127.0.0.1")));

    // Each function of the catalogue, called once more, adds an event by the admin.
    let r = c
        .admin_create_role(auth, role("Ops2", &[1], true), &ctx)
        .await
        .unwrap();
    for (i, p) in Permission::ALL.into_iter().enumerate() {
        if matches!(p, Permission::ReadAudit | Permission::ManageRoles) {
            // ReadAudit has no admin function of its own yet; ManageRoles' listing is
            // checked (and currently fails) in `listing_roles_is_audited_like_listing_users`.
            continue;
        }
        let before = by_actor(&h, admin.id).await;
        call(&h, auth, p, target.id, r.id, i).await.unwrap();
        assert!(
            by_actor(&h, admin.id).await > before,
            "{} is audited",
            p.name()
        );
    }
}

/// BUG (admin.rs): `admin_list_roles` writes no audit event, although the module promises
/// that every admin action, allowed or refused, is audited with its actor (and the account
/// listing, another read, is).
#[tokio::test]
async fn listing_roles_is_audited_like_listing_users() {
    let h = harness();
    let (admin, auth) = member(&h, "admin@example.com", true).await;
    let before = by_actor(&h, admin.id).await;
    h.core.admin_list_roles(auth, &test_ctx()).await.unwrap();
    assert_eq!(
        by_actor(&h, admin.id).await,
        before + 1,
        "admin_list_roles leaves an audit event by the admin"
    );
}

#[tokio::test]
async fn a_role_never_gives_power_over_administrators() {
    let h = harness();
    let (admin_user, admin) = member(&h, "admin@example.com", true).await;
    let (other_admin, _) = member(&h, "admin2@example.com", true).await;
    let plain = h.account("plain@example.com", None, Some(PW), false).await;
    let ctx = test_ctx();
    let all: Vec<i64> = Permission::ALL.iter().map(|p| i64::from(p.id())).collect();
    let r = h
        .core
        .admin_create_role(admin, role("staff", &all, true), &ctx)
        .await
        .unwrap();
    let (staff, auth) = member(&h, "staff@example.com", false).await;
    h.core
        .admin_assign_role(admin, staff.id, r.id, &ctx)
        .await
        .unwrap();
    for target in [admin_user.id, other_admin.id] {
        let blocked = h.core.admin_set_status(auth, target, false, &ctx).await;
        assert!(matches!(blocked, Err(CoreError::Forbidden)), "{blocked:?}");
        let demoted = h.core.admin_set_admin(auth, target, false, &ctx).await;
        assert!(matches!(demoted, Err(CoreError::Forbidden)), "{demoted:?}");
        let unassigned = h.core.admin_unassign_role(auth, target, r.id, &ctx).await;
        assert!(
            matches!(unassigned, Err(CoreError::Forbidden)),
            "{unassigned:?}"
        );
    }
    assert_eq!(
        h.core.user(admin_user.id).await.unwrap().status,
        UserStatus::Active
    );
    assert!(h.core.user(other_admin.id).await.unwrap().is_admin);
    // Over ordinary accounts the role works.
    h.core
        .admin_set_status(auth, plain.id, false, &ctx)
        .await
        .unwrap();
    // An administrator may act on another administrator.
    h.core
        .admin_set_status(admin, other_admin.id, false, &ctx)
        .await
        .unwrap();
}
