//! To-do items: ids, per-user scoping, round trips, the open/finished filter and the
//! conditional writes. Ordering by next date is the core's job, not the store's.

use serde_json::{json, Value};
use tessera_core::domain::{NewTodoItem, RepeatMode, RepeatStrategy, TodoChange, TodoItem, UserId};
use tessera_core::store::{SharedStore, StoreError};
use time::macros::date;
use time::Date;

use crate::fixtures::{new_user, race, t};

async fn user(store: &SharedStore, email: &str) -> UserId {
    store
        .insert_user(&new_user(email, None, 0), &[])
        .await
        .unwrap()
        .id
}

fn strategy(mode: RepeatMode, detail: Value) -> RepeatStrategy {
    let Value::Object(map) = detail else {
        panic!("detail must be an object")
    };
    RepeatStrategy::parse(mode, map).unwrap()
}

fn plain(user: UserId, task: &str, created: i64) -> NewTodoItem {
    NewTodoItem {
        user_id: user,
        task: task.to_owned(),
        more_info: None,
        date: None,
        repeat: None,
        created_at: t(created),
    }
}

fn weekly(user: UserId, task: &str, created: i64) -> NewTodoItem {
    NewTodoItem {
        user_id: user,
        task: task.to_owned(),
        more_info: Some("Notes: ünïcødé, 'quotes' and \"doubles\"\nsecond line".to_owned()),
        date: Some(date!(2024 - 02 - 29)),
        repeat: Some(strategy(
            RepeatMode::DaysOfWeek,
            json!({
                "daysOfWeek": ["MONDAY", "FRIDAY", "MONDAY"],
                "extra": {"nested": [1, -2, 2.5, null, true, "x"], "empty": {}},
                "zeta": "kept",
            }),
        )),
        created_at: t(created),
    }
}

/// What a freshly inserted item reads back as.
fn stored(id: i64, new: &NewTodoItem) -> TodoItem {
    TodoItem {
        id,
        user_id: new.user_id,
        task: new.task.clone(),
        more_info: new.more_info.clone(),
        date: new.date,
        repeat: new.repeat.clone(),
        finished: false,
        done_through: None,
        created_at: new.created_at,
        updated_at: new.created_at,
    }
}

fn change(task: &str, reset: bool, at: i64) -> TodoChange {
    TodoChange {
        task: task.to_owned(),
        more_info: None,
        date: None,
        repeat: None,
        reset_done_through: reset,
        updated_at: t(at),
    }
}

/// Every field reads back exactly, the detail object with its unknown keys included,
/// and dates at both ends of the accepted range.
pub async fn todo_round_trips_every_field(store: SharedStore) {
    let u = user(&store, "todo@example.com").await;
    let full = weekly(u, "Gym", 10);
    let id = store.insert_todo(&full).await.unwrap();
    assert_eq!(
        store.todo_by_id(u, id).await.unwrap(),
        Some(stored(id, &full))
    );
    let min = plain(u, "", 11);
    let min_id = store.insert_todo(&min).await.unwrap();
    assert_eq!(
        store.todo_by_id(u, min_id).await.unwrap(),
        Some(stored(min_id, &min))
    );
    for (i, (day, mode, detail)) in [
        (
            date!(0001 - 01 - 01),
            RepeatMode::Period,
            json!({"period": 1000, "unit": "YEAR"}),
        ),
        (
            date!(9999 - 12 - 31),
            RepeatMode::DayInMonth,
            json!({"dayInMonth": 31, "big": 18_446_744_073_709_551_615_u64}),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let edge = NewTodoItem {
            date: Some(day),
            more_info: Some(String::new()),
            repeat: Some(strategy(mode, detail)),
            ..plain(u, "edge", 20 + i64::try_from(i).unwrap())
        };
        let id = store.insert_todo(&edge).await.unwrap();
        assert_eq!(
            store.todo_by_id(u, id).await.unwrap(),
            Some(stored(id, &edge))
        );
        assert!(store
            .set_todo_done_through(u, id, day, t(30))
            .await
            .unwrap());
        let read = store.todo_by_id(u, id).await.unwrap().unwrap();
        assert_eq!(read.done_through, Some(day));
        assert_eq!(read.updated_at, t(30));
    }
}

/// Ids increase with every insert, across users, and are never reused.
pub async fn todo_ids_increase(store: SharedStore) {
    let a = user(&store, "a@example.com").await;
    let b = user(&store, "b@example.com").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let owner = if i % 2 == 0 { a } else { b };
        ids.push(store.insert_todo(&plain(owner, "t", i)).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(ids[0] > 0);
    let last = *ids.last().unwrap();
    assert!(store.finish_todo(b, last, t(10)).await.unwrap());
    let next = store.insert_todo(&plain(a, "t", 11)).await.unwrap();
    assert!(next > last);
}

/// Inserting for an account that does not exist is `NotFound`.
pub async fn todo_insert_for_unknown_user_is_not_found(store: SharedStore) {
    let e = store.insert_todo(&plain(UserId::new(), "t", 0)).await;
    assert!(matches!(e, Err(StoreError::NotFound)), "{e:?}");
}

/// Another user's item is never returned, listed, counted or changed.
pub async fn todo_scoped_by_user(store: SharedStore) {
    let a = user(&store, "a@example.com").await;
    let b = user(&store, "b@example.com").await;
    let item = weekly(a, "mine", 1);
    let id = store.insert_todo(&item).await.unwrap();
    assert_eq!(store.todo_by_id(b, id).await.unwrap(), None);
    assert!(store.list_open_todos(b).await.unwrap().is_empty());
    assert_eq!(store.count_open_todos(b).await.unwrap(), 0);
    assert!(!store
        .update_todo(b, id, &change("theirs", true, 2))
        .await
        .unwrap());
    assert!(!store.finish_todo(b, id, t(3)).await.unwrap());
    assert!(!store
        .set_todo_done_through(b, id, date!(2024 - 03 - 04), t(4))
        .await
        .unwrap());
    assert_eq!(
        store.todo_by_id(a, id).await.unwrap(),
        Some(stored(id, &item)),
        "unchanged"
    );
    assert_eq!(store.todo_by_id(a, id + 1).await.unwrap(), None);
}

/// Lists and counts hold only unfinished items (by id); a finished item can be read by
/// id but no longer edited, finished or advanced.
pub async fn todo_list_excludes_finished(store: SharedStore) {
    let u = user(&store, "l@example.com").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(store.insert_todo(&weekly(u, "t", i)).await.unwrap());
    }
    assert_eq!(store.count_open_todos(u).await.unwrap(), 4);
    assert!(store.finish_todo(u, ids[1], t(10)).await.unwrap());
    assert!(!store.finish_todo(u, ids[1], t(11)).await.unwrap(), "once");
    let listed: Vec<i64> = store
        .list_open_todos(u)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(listed, vec![ids[0], ids[2], ids[3]]);
    assert_eq!(store.count_open_todos(u).await.unwrap(), 3);
    let done = store.todo_by_id(u, ids[1]).await.unwrap().unwrap();
    assert!(done.finished);
    assert_eq!(done.updated_at, t(10));
    assert!(!store
        .update_todo(u, ids[1], &change("again", false, 12))
        .await
        .unwrap());
    assert!(!store
        .set_todo_done_through(u, ids[1], date!(2024 - 03 - 04), t(13))
        .await
        .unwrap());
    assert_eq!(store.todo_by_id(u, ids[1]).await.unwrap(), Some(done));
}

/// An update replaces the editable fields, keeps `created_at`, and clears `done_through`
/// only when asked.
pub async fn todo_update_replaces_fields(store: SharedStore) {
    let u = user(&store, "u@example.com").await;
    let id = store.insert_todo(&weekly(u, "old", 1)).await.unwrap();
    let through = date!(2024 - 03 - 04);
    assert!(store
        .set_todo_done_through(u, id, through, t(2))
        .await
        .unwrap());

    let monthly = strategy(
        RepeatMode::Period,
        json!({"period": 2, "unit": "MONTH", "note": "kept"}),
    );
    let keep = TodoChange {
        task: "new".to_owned(),
        more_info: Some("more".to_owned()),
        date: Some(date!(2024 - 01 - 31)),
        repeat: Some(monthly.clone()),
        reset_done_through: false,
        updated_at: t(3),
    };
    assert!(store.update_todo(u, id, &keep).await.unwrap());
    let read = store.todo_by_id(u, id).await.unwrap().unwrap();
    assert_eq!(read.task, "new");
    assert_eq!(read.more_info.as_deref(), Some("more"));
    assert_eq!(read.date, Some(date!(2024 - 01 - 31)));
    assert_eq!(read.repeat, Some(monthly));
    assert_eq!(read.done_through, Some(through), "kept");
    assert_eq!(read.created_at, t(1));
    assert_eq!(read.updated_at, t(3));
    assert!(!read.finished);

    assert!(store
        .update_todo(u, id, &change("plain", true, 4))
        .await
        .unwrap());
    let read = store.todo_by_id(u, id).await.unwrap().unwrap();
    assert_eq!(
        read,
        TodoItem {
            id,
            user_id: u,
            task: "plain".to_owned(),
            more_info: None,
            date: None,
            repeat: None,
            finished: false,
            done_through: None,
            created_at: t(1),
            updated_at: t(4),
        }
    );
}

/// `done_through` only moves forward.
pub async fn todo_done_through_moves_forward(store: SharedStore) {
    let u = user(&store, "d@example.com").await;
    let id = store.insert_todo(&weekly(u, "t", 1)).await.unwrap();
    let days: [Date; 3] = [
        date!(2024 - 03 - 01),
        date!(2024 - 03 - 04),
        date!(2025 - 01 - 06),
    ];
    assert!(store
        .set_todo_done_through(u, id, days[1], t(2))
        .await
        .unwrap());
    assert!(!store
        .set_todo_done_through(u, id, days[0], t(3))
        .await
        .unwrap());
    assert!(!store
        .set_todo_done_through(u, id, days[1], t(4))
        .await
        .unwrap());
    let read = store.todo_by_id(u, id).await.unwrap().unwrap();
    assert_eq!(read.done_through, Some(days[1]));
    assert_eq!(read.updated_at, t(2), "refused writes change nothing");
    assert!(store
        .set_todo_done_through(u, id, days[2], t(5))
        .await
        .unwrap());
    assert_eq!(
        store.todo_by_id(u, id).await.unwrap().unwrap().done_through,
        Some(days[2])
    );
}

/// An item is finished once, however many callers race.
pub async fn todo_finish_once_under_race(store: SharedStore) {
    let u = user(&store, "r@example.com").await;
    let id = store.insert_todo(&plain(u, "t", 1)).await.unwrap();
    let wins = race(&store, 16, move |st, i| async move {
        st.finish_todo(u, id, t(10 + i64::try_from(i).unwrap()))
            .await
            .unwrap()
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
    assert_eq!(store.count_open_todos(u).await.unwrap(), 0);
}
