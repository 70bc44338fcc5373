//! The admin listing with a filter: prefix matches on the normalised e-mail or username
//! (never pattern matching), both orders, paging, and erased accounts left out unless
//! asked for.

use tessera_core::domain::{User, UserId};
use tessera_core::store::{SharedStore, UserQuery};

use crate::fixtures::{new_user, t};

/// Every account, oldest first, first page of 100, without erased ones.
fn query(prefix: Option<&str>) -> UserQuery {
    UserQuery {
        prefix: prefix.map(str::to_owned),
        descending: false,
        offset: 0,
        limit: 100,
        include_deleted: false,
    }
}

async fn add(store: &SharedStore, email: &str, username: Option<&str>, created: i64) -> User {
    store
        .insert_user(&new_user(email, username, created), &[])
        .await
        .unwrap()
}

async fn ids(store: &SharedStore, q: &UserQuery) -> Vec<UserId> {
    store
        .search_users(q)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect()
}

/// A prefix matches the start of the normalised e-mail or of the normalised username;
/// `%`, `_` and `\` are ordinary characters; non-ASCII and the highest code point work.
pub async fn user_search_prefix_matches_email_or_username(store: SharedStore) {
    let alice = add(&store, "Alice@Example.COM", Some("zed"), 1).await;
    let bob = add(&store, "bob@alice.org", Some("Alicia"), 2).await;
    let carol = add(&store, "carol@example.com", None, 3).await;
    let under = add(&store, "a_b@example.com", None, 4).await;
    let axb = add(&store, "axb@example.com", Some("a%c"), 5).await;
    let back = add(&store, "a\\b@example.com", None, 6).await;
    let umlaut = add(&store, "u@example.com", Some("Ünïcode"), 7).await;
    let top = add(&store, "top@example.com", Some("z\u{10FFFF}x"), 8).await;
    let all = vec![
        alice.id, bob.id, carol.id, under.id, axb.id, back.id, umlaut.id, top.id,
    ];

    assert_eq!(ids(&store, &query(None)).await, all);
    assert_eq!(ids(&store, &query(Some(""))).await, all, "empty prefix");
    assert_eq!(
        ids(&store, &query(Some("ali"))).await,
        vec![alice.id, bob.id],
        "e-mail as typed in another case, or username"
    );
    assert_eq!(
        ids(&store, &query(Some("alice@example.com"))).await,
        vec![alice.id],
        "a whole address is its own prefix"
    );
    assert_eq!(ids(&store, &query(Some("zed"))).await, vec![alice.id]);
    assert_eq!(ids(&store, &query(Some("c"))).await, vec![carol.id]);
    assert_eq!(
        ids(&store, &query(Some("a_"))).await,
        vec![under.id],
        "_ is literal"
    );
    assert_eq!(
        ids(&store, &query(Some("a%"))).await,
        vec![axb.id],
        "% is literal"
    );
    assert_eq!(ids(&store, &query(Some("a\\"))).await, vec![back.id]);
    assert_eq!(ids(&store, &query(Some("ün"))).await, vec![umlaut.id]);
    assert_eq!(ids(&store, &query(Some("z\u{10FFFF}"))).await, vec![top.id]);
    assert_eq!(ids(&store, &query(Some("z"))).await, vec![alice.id, top.id]);
    assert!(ids(&store, &query(Some("alicex"))).await.is_empty());
    assert!(ids(&store, &query(Some("%"))).await.is_empty());
    assert!(ids(&store, &query(Some("\u{10FFFF}"))).await.is_empty());
}

/// Oldest or newest first by creation time, then id (both reversed together), with
/// offset and limit applied after the filter.
pub async fn user_search_orders_and_pages(store: SharedStore) {
    let mut expected = Vec::new();
    for (i, created) in [(0, 50), (1, 10), (2, 30), (3, 30), (4, 20), (5, 30)] {
        expected.push(add(&store, &format!("s{i}@example.com"), None, created).await);
    }
    add(&store, "other@example.com", None, 40).await;
    expected.sort_by_key(|u| (u.created_at, u.id));
    let asc: Vec<UserId> = expected.iter().map(|u| u.id).collect();
    let desc: Vec<UserId> = asc.iter().rev().copied().collect();

    let mut q = query(Some("s"));
    assert_eq!(store.search_users(&q).await.unwrap(), expected);
    q.limit = 4;
    assert_eq!(ids(&store, &q).await, asc[..4]);
    q.offset = 4;
    assert_eq!(ids(&store, &q).await, asc[4..]);
    q.offset = 6;
    assert!(ids(&store, &q).await.is_empty());

    q.descending = true;
    q.offset = 0;
    q.limit = 100;
    assert_eq!(ids(&store, &q).await, desc);
    q.offset = 1;
    q.limit = 3;
    assert_eq!(ids(&store, &q).await, desc[1..4]);
    q.limit = 0;
    assert!(ids(&store, &q).await.is_empty());

    let mut everyone = query(None);
    everyone.descending = true;
    everyone.limit = 1;
    let newest = ids(&store, &everyone).await;
    assert_eq!(newest, vec![asc[5]], "created at t(50)");
    assert_eq!(
        store.search_users(&everyone).await.unwrap()[0].created_at,
        t(50)
    );
}

/// Erased accounts (`deleted_at` set) are left out unless `include_deleted`, with and
/// without a prefix, and paging counts only the accounts shown.
pub async fn user_search_excludes_deleted_unless_asked(store: SharedStore) {
    let a = add(&store, "d1@example.com", None, 1).await;
    let b = add(&store, "d2@example.com", None, 2).await;
    let c = add(&store, "d3@example.com", None, 3).await;
    store
        .update_user(&User {
            deleted_at: Some(t(10)),
            ..b.clone()
        })
        .await
        .unwrap();

    assert_eq!(ids(&store, &query(None)).await, vec![a.id, c.id]);
    assert_eq!(ids(&store, &query(Some("d"))).await, vec![a.id, c.id]);
    assert!(ids(&store, &query(Some("d2"))).await.is_empty());
    let mut q = query(Some("d"));
    q.offset = 1;
    assert_eq!(
        ids(&store, &q).await,
        vec![c.id],
        "the erased one is not counted"
    );

    let mut with_deleted = query(None);
    with_deleted.include_deleted = true;
    assert_eq!(ids(&store, &with_deleted).await, vec![a.id, b.id, c.id]);
    with_deleted.prefix = Some("d2".to_owned());
    let found = store.search_users(&with_deleted).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].deleted_at, Some(t(10)));
}
