//! Roles: numeric ids, case-insensitive unique names, updates, deletion with its
//! assignments, and idempotent assignment to existing accounts only.

use tessera_core::domain::{Role, UserId};
use tessera_core::store::{SharedStore, StoreError, UniqueField};

use crate::fixtures::{new_role, new_user, t};

async fn user(store: &SharedStore, email: &str) -> UserId {
    store
        .insert_user(&new_user(email, None, 0), &[])
        .await
        .unwrap()
        .id
}

fn ids(roles: &[Role]) -> Vec<i64> {
    roles.iter().map(|r| r.id).collect()
}

/// Created roles read back as returned, listed by id; ids increase and are not reused
/// after a delete; an update replaces name, permissions, enabled and `updated_at` only.
pub async fn role_round_trip_and_ids(store: SharedStore) {
    assert!(store.list_roles().await.unwrap().is_empty());
    let mut new = new_role("Editors", &[1, 3, 8], 0);
    new.created_at = time::macros::datetime!(2024-03-01 12:00:00.123_456_789 UTC);
    let editors = store.create_role(&new).await.unwrap();
    assert_eq!(editors.name, "Editors");
    assert_eq!(editors.permissions, vec![1, 3, 8]);
    assert!(editors.enabled);
    assert_eq!(
        editors.created_at,
        time::macros::datetime!(2024-03-01 12:00:00.123_456 UTC),
        "microseconds, as everywhere"
    );
    assert_eq!(editors.updated_at, editors.created_at);
    let mut none = new_role("Nobody", &[], 1);
    none.enabled = false;
    let nobody = store.create_role(&none).await.unwrap();
    assert!(nobody.id > editors.id);
    assert!(nobody.permissions.is_empty() && !nobody.enabled);
    assert_eq!(
        store.role_by_id(editors.id).await.unwrap(),
        Some(editors.clone())
    );
    assert_eq!(
        store.list_roles().await.unwrap(),
        vec![editors.clone(), nobody.clone()]
    );

    let changed = Role {
        name: "Writers".to_owned(),
        permissions: vec![2, 11],
        enabled: false,
        updated_at: t(50),
        ..editors.clone()
    };
    store.update_role(&changed).await.unwrap();
    assert_eq!(store.role_by_id(editors.id).await.unwrap(), Some(changed));
    let ghost = Role {
        id: nobody.id + 100,
        ..nobody.clone()
    };
    assert!(matches!(
        store.update_role(&ghost).await,
        Err(StoreError::NotFound)
    ));

    assert!(store.delete_role(nobody.id).await.unwrap());
    assert!(!store.delete_role(nobody.id).await.unwrap());
    assert!(store.role_by_id(nobody.id).await.unwrap().is_none());
    let later = store
        .create_role(&new_role("Later", &[4], 2))
        .await
        .unwrap();
    assert!(later.id > nobody.id, "ids are not reused");
    assert_eq!(
        ids(&store.list_roles().await.unwrap()),
        vec![editors.id, later.id]
    );
}

/// A name taken in any case is refused as `Conflict(Other)`, on create and on update,
/// and nothing changes; a role may change the case of its own name.
pub async fn role_name_conflicts_case_insensitively(store: SharedStore) {
    let editors = store
        .create_role(&new_role("Editors", &[1], 0))
        .await
        .unwrap();
    let err = store
        .create_role(&new_role("eDITORS", &[2], 1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Other)),
        "{err:?}"
    );
    let viewers = store
        .create_role(&new_role("Viewers", &[1], 2))
        .await
        .unwrap();
    let err = store
        .update_role(&Role {
            name: "EDITORS".to_owned(),
            ..viewers.clone()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(UniqueField::Other)),
        "{err:?}"
    );
    assert_eq!(
        store.role_by_id(viewers.id).await.unwrap(),
        Some(viewers.clone())
    );
    let recased = Role {
        name: "EDITORS".to_owned(),
        ..editors.clone()
    };
    store.update_role(&recased).await.unwrap();
    assert_eq!(store.role_by_id(editors.id).await.unwrap(), Some(recased));
    assert_eq!(store.list_roles().await.unwrap().len(), 2);
}

/// Assignment is idempotent and needs both the account and the role; `user_roles` lists
/// held roles by id, disabled ones included; unassigning reports whether it was held;
/// deleting a role takes it from everyone.
pub async fn role_assignments(store: SharedStore) {
    let (alice, bob) = (
        user(&store, "alice@example.com").await,
        user(&store, "bob@example.com").await,
    );
    let a = store.create_role(&new_role("A", &[1], 0)).await.unwrap();
    let mut off = new_role("B", &[2], 1);
    off.enabled = false;
    let b = store.create_role(&off).await.unwrap();
    assert!(store.user_roles(alice).await.unwrap().is_empty());

    store.assign_role(alice, b.id).await.unwrap();
    store.assign_role(alice, a.id).await.unwrap();
    store.assign_role(alice, a.id).await.unwrap();
    store.assign_role(bob, a.id).await.unwrap();
    assert_eq!(
        store.user_roles(alice).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert!(matches!(
        store.assign_role(UserId::new(), a.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.assign_role(alice, b.id + 100).await,
        Err(StoreError::NotFound)
    ));

    assert!(store.unassign_role(alice, b.id).await.unwrap());
    assert!(!store.unassign_role(alice, b.id).await.unwrap());
    assert!(!store.unassign_role(alice, b.id + 100).await.unwrap());
    assert_eq!(ids(&store.user_roles(alice).await.unwrap()), vec![a.id]);

    assert!(store.delete_role(a.id).await.unwrap());
    assert!(store.user_roles(alice).await.unwrap().is_empty());
    assert!(store.user_roles(bob).await.unwrap().is_empty());
    assert!(
        !store.unassign_role(bob, a.id).await.unwrap(),
        "the assignment went with the role"
    );
}
