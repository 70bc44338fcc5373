//! Tests of the to-do rules: the service on the in-memory store with a moved clock, and
//! properties of the recurrence arithmetic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{json, Value};
use time::macros::{date, datetime};
use time::{Date, Duration, Month, Weekday};

use super::*;
use crate::domain::{
    next_occurrence, NewTodoItem, PeriodUnit, Recurrence, RepeatMode, RepeatStrategy, SessionId,
    WeekdaySet,
};
use crate::services::testing::{harness, Harness};
use crate::services::CreateUser;
use crate::store::TodoStore;

// ---------------------------------------------------------------------------------------
// Helpers

async fn user(h: &Harness, email: &str) -> AuthContext {
    let ctx = crate::domain::RequestContext {
        ip: None,
        user_agent: None,
        dialect: "test",
    };
    let u = h
        .core
        .create_user(
            CreateUser {
                email: email.into(),
                password: None,
                name: "T".into(),
                username: None,
                is_admin: false,
                email_verified: true,
            },
            &ctx,
        )
        .await
        .unwrap();
    AuthContext {
        user_id: u.id,
        session_id: SessionId::new(),
    }
}

fn normal(task: &str, date: Option<Date>) -> TodoInput {
    TodoInput {
        task: Some(task.into()),
        more_info: None,
        date,
        repeat: None,
    }
}

fn serial(task: &str, date: Date, mode: &str, detail: Value) -> TodoInput {
    TodoInput {
        task: Some(task.into()),
        more_info: Some("notes".into()),
        date: Some(date),
        repeat: Some(RepeatInput {
            mode: Some(mode.into()),
            detail: Some(detail),
        }),
    }
}

fn fields(e: CoreError) -> Vec<(&'static str, &'static str)> {
    match e {
        CoreError::InvalidInput(f) => f.into_iter().map(|f| (f.field, f.tag)).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn strategy(mode: RepeatMode, detail: Value) -> RepeatStrategy {
    let Value::Object(map) = detail else {
        panic!("detail must be an object")
    };
    RepeatStrategy::parse(mode, map).unwrap()
}

fn next(mode: RepeatMode, detail: Value, start: Date, on_or_after: Date) -> Option<Date> {
    next_occurrence(&strategy(mode, detail), start, on_or_after)
}

// ---------------------------------------------------------------------------------------
// Service rules

#[tokio::test]
async fn one_off_items_are_created_read_and_finished() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let created = h
        .core
        .create_todo(a, normal("  Buy milk  ", Some(date!(2026 - 01 - 03))), None)
        .await
        .unwrap();
    assert_eq!(created.item.task, "Buy milk", "task is trimmed");
    assert_eq!(created.kind, TodoKind::Normal);
    assert_eq!(created.next_date, None, "one-off items have no next date");
    assert!(!created.item.finished);
    assert_eq!(created.item.created_at, datetime!(2026-01-01 12:00:00 UTC));
    let read = h.core.get_todo(a, created.item.id, None).await.unwrap();
    assert_eq!(read, created, "the view returned equals the stored item");

    h.clock.advance(Duration::minutes(5));
    h.core.finish_todo(a, created.item.id, None).await.unwrap();
    assert!(matches!(
        h.core.get_todo(a, created.item.id, None).await,
        Err(CoreError::NotFound)
    ));
    assert!(h.core.list_todos(a, None).await.unwrap().is_empty());
    assert!(
        matches!(
            h.core.finish_todo(a, created.item.id, None).await,
            Err(CoreError::NotFound)
        ),
        "a finished item is no longer visible"
    );
    assert!(matches!(
        h.core
            .update_todo(a, created.item.id, normal("again", None), None)
            .await,
        Err(CoreError::NotFound)
    ));
    let stored = h
        .store
        .todo_by_id(a.user_id, created.item.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.finished);
    assert_eq!(stored.updated_at, datetime!(2026-01-01 12:05:00 UTC));
}

#[tokio::test]
async fn items_are_scoped_to_their_owner() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let b = user(&h, "b@example.com").await;
    let item = h
        .core
        .create_todo(a, normal("mine", None), None)
        .await
        .unwrap();
    let id = item.item.id;
    assert!(matches!(
        h.core.get_todo(b, id, None).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        h.core
            .update_todo(b, id, normal("theirs", None), None)
            .await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        h.core.finish_todo(b, id, None).await,
        Err(CoreError::NotFound)
    ));
    assert!(h.core.list_todos(b, None).await.unwrap().is_empty());
    assert!(matches!(
        h.core.get_todo(a, id + 1000, None).await,
        Err(CoreError::NotFound)
    ));
    let still = h.core.get_todo(a, id, None).await.unwrap();
    assert_eq!(still.item.task, "mine", "nothing changed");
}

#[tokio::test]
async fn validation_reports_every_field_and_changes_nothing() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let day = date!(2026 - 02 - 01);
    let d = Some(day);
    let cases: Vec<(TodoInput, Vec<(&str, &str)>)> = vec![
        (TodoInput::default(), vec![("task", "required")]),
        (normal("   ", None), vec![("task", "required")]),
        (normal(&"é".repeat(201), None), vec![("task", "max")]),
        (
            TodoInput {
                more_info: Some("x".repeat(2001)),
                ..normal("t", None)
            },
            vec![("moreInfo", "max")],
        ),
        (
            normal(
                "t",
                Some(Date::from_calendar_date(0, Month::December, 31).unwrap()),
            ),
            vec![("date", "range")],
        ),
        (
            TodoInput {
                date: None,
                ..serial(
                    "t",
                    date!(2026 - 01 - 01),
                    "DAY_IN_MONTH",
                    json!({"dayInMonth": 3}),
                )
            },
            vec![("date", "required")],
        ),
        (
            TodoInput {
                repeat: Some(RepeatInput::default()),
                ..normal("t", d)
            },
            vec![
                ("repeatStrategy.repeatMode", "required"),
                ("repeatStrategy.modeDetail", "required"),
            ],
        ),
        (
            serial("t", day, "WEEKLY", json!({})),
            vec![("repeatStrategy.repeatMode", "format")],
        ),
        (
            serial("t", day, "PERIOD", json!([1, "DAY"])),
            vec![("repeatStrategy.modeDetail", "format")],
        ),
        (
            serial("t", day, "PERIOD", json!({"period": 0, "unit": "DAY"})),
            vec![("repeatStrategy.modeDetail", "min")],
        ),
        (
            serial("t", day, "PERIOD", json!({"period": 1001, "unit": "DAY"})),
            vec![("repeatStrategy.modeDetail", "max")],
        ),
        (
            serial("t", day, "PERIOD", json!({"period": 1.5, "unit": "DAY"})),
            vec![("repeatStrategy.modeDetail", "format")],
        ),
        (
            serial(
                "t",
                day,
                "PERIOD",
                json!({"period": 2, "unit": "FORTNIGHT"}),
            ),
            vec![("repeatStrategy.modeDetail", "format")],
        ),
        (
            serial("t", day, "PERIOD", json!({"unit": "DAY"})),
            vec![("repeatStrategy.modeDetail", "format")],
        ),
        (
            serial("t", day, "DAYS_OF_WEEK", json!({"daysOfWeek": []})),
            vec![("repeatStrategy.modeDetail", "min")],
        ),
        (
            serial("t", day, "DAYS_OF_WEEK", json!({"daysOfWeek": ["FUNDAY"]})),
            vec![("repeatStrategy.modeDetail", "format")],
        ),
        (
            serial("t", day, "DAY_IN_MONTH", json!({"dayInMonth": 32})),
            vec![("repeatStrategy.modeDetail", "max")],
        ),
        (
            serial("t", day, "DAY_IN_MONTH", json!({"dayInMonth": -1})),
            vec![("repeatStrategy.modeDetail", "min")],
        ),
        (
            serial(
                "t",
                day,
                "DAY_IN_MONTH",
                json!({"dayInMonth": 3, "pad": "x".repeat(3000)}),
            ),
            vec![("repeatStrategy.modeDetail", "max")],
        ),
        (
            TodoInput {
                task: None,
                more_info: Some("x".repeat(2001)),
                date: None,
                repeat: Some(RepeatInput {
                    mode: Some("PERIOD".into()),
                    detail: Some(json!({"period": 1, "unit": "DAY"})),
                }),
            },
            vec![
                ("task", "required"),
                ("moreInfo", "max"),
                ("date", "required"),
            ],
        ),
    ];
    for (input, expected) in cases {
        let got = h
            .core
            .create_todo(a, input.clone(), None)
            .await
            .unwrap_err();
        assert_eq!(fields(got), expected, "create {input:?}");
    }
    assert!(h.store.list_open_todos(a.user_id).await.unwrap().is_empty());

    let ok = h
        .core
        .create_todo(a, normal(&"é".repeat(200), None), None)
        .await
        .unwrap();
    let bad = h
        .core
        .update_todo(a, ok.item.id, normal("", Some(date!(2026 - 05 - 05))), None)
        .await
        .unwrap_err();
    assert_eq!(fields(bad), vec![("task", "required")]);
    assert_eq!(
        h.core.get_todo(a, ok.item.id, None).await.unwrap(),
        ok,
        "a refused update changes nothing"
    );
}

#[tokio::test]
async fn mode_detail_is_echoed_verbatim() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let detail = json!({
        "daysOfWeek": ["FRIDAY", "MONDAY", "MONDAY"],
        "label": "gym",
        "nested": {"x": [1, 2.5, null, true]},
    });
    let v = h
        .core
        .create_todo(
            a,
            serial("gym", date!(2026 - 01 - 01), "DAYS_OF_WEEK", detail.clone()),
            None,
        )
        .await
        .unwrap();
    let repeat = v.item.repeat.as_ref().unwrap();
    assert_eq!(repeat.mode(), RepeatMode::DaysOfWeek);
    assert_eq!(Value::Object(repeat.detail().clone()), detail);
    let read = h.core.get_todo(a, v.item.id, None).await.unwrap();
    assert_eq!(
        Value::Object(read.item.repeat.unwrap().detail().clone()),
        detail
    );
    assert_eq!(read.kind, TodoKind::Serial);
    assert_eq!(read.item.more_info.as_deref(), Some("notes"));
}

#[tokio::test]
async fn finishing_a_serial_item_moves_it_to_the_next_occurrence() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    // 2026-01-01 is a Thursday; the server clock says 2026-01-01 12:00 UTC.
    let v = h
        .core
        .create_todo(
            a,
            serial(
                "gym",
                date!(2026 - 01 - 01),
                "DAYS_OF_WEEK",
                json!({"daysOfWeek": ["MONDAY", "WEDNESDAY", "FRIDAY"]}),
            ),
            None,
        )
        .await
        .unwrap();
    let id = v.item.id;
    assert_eq!(v.next_date, Some(date!(2026 - 01 - 02)));
    h.core.finish_todo(a, id, None).await.unwrap();
    assert_eq!(
        h.core.get_todo(a, id, None).await.unwrap().next_date,
        Some(date!(2026 - 01 - 05)),
        "Friday done: next is Monday"
    );
    h.core.finish_todo(a, id, None).await.unwrap();
    let after = h.core.get_todo(a, id, None).await.unwrap();
    assert_eq!(after.next_date, Some(date!(2026 - 01 - 07)));
    assert!(!after.item.finished, "the series stays open");
    assert_eq!(after.item.done_through, Some(date!(2026 - 01 - 05)));
    assert_eq!(h.core.list_todos(a, None).await.unwrap().len(), 1);

    // Two weeks later (a Tuesday) the missed occurrences are not owed.
    h.clock.set(datetime!(2026-01-20 08:00:00 UTC));
    assert_eq!(
        h.core.get_todo(a, id, None).await.unwrap().next_date,
        Some(date!(2026 - 01 - 21))
    );
    // The client's own date wins over the server's.
    assert_eq!(
        h.core
            .get_todo(a, id, Some(date!(2026 - 01 - 19)))
            .await
            .unwrap()
            .next_date,
        Some(date!(2026 - 01 - 19))
    );
    h.core
        .finish_todo(a, id, Some(date!(2026 - 01 - 19)))
        .await
        .unwrap();
    assert_eq!(
        h.core
            .get_todo(a, id, Some(date!(2026 - 01 - 19)))
            .await
            .unwrap()
            .next_date,
        Some(date!(2026 - 01 - 21)),
        "the client's Monday is done"
    );
}

#[tokio::test]
async fn monthly_series_clamp_and_never_drift() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let v = h
        .core
        .create_todo(
            a,
            serial(
                "rent",
                date!(2026 - 01 - 31),
                "PERIOD",
                json!({"period": 1, "unit": "MONTH"}),
            ),
            None,
        )
        .await
        .unwrap();
    let id = v.item.id;
    assert_eq!(
        v.next_date,
        Some(date!(2026 - 01 - 31)),
        "starts on its date"
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        let view = h.core.get_todo(a, id, None).await.unwrap();
        seen.push(view.next_date.unwrap());
        h.core.finish_todo(a, id, None).await.unwrap();
    }
    assert_eq!(
        seen,
        vec![
            date!(2026 - 01 - 31),
            date!(2026 - 02 - 28),
            date!(2026 - 03 - 31),
            date!(2026 - 04 - 30),
        ]
    );
}

#[tokio::test]
async fn edits_keep_done_occurrences_unless_the_schedule_changes() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let input = serial(
        "water plants",
        date!(2026 - 01 - 01),
        "PERIOD",
        json!({"period": 3, "unit": "DAY"}),
    );
    let v = h.core.create_todo(a, input.clone(), None).await.unwrap();
    let id = v.item.id;
    h.core.finish_todo(a, id, None).await.unwrap();
    let done = h.core.get_todo(a, id, None).await.unwrap();
    assert_eq!(done.next_date, Some(date!(2026 - 01 - 04)));

    // Text and unknown detail keys: same schedule, progress kept.
    h.clock.advance(Duration::hours(1));
    let mut edited = input.clone();
    edited.task = Some("water the plants".into());
    edited.repeat = Some(RepeatInput {
        mode: Some("PERIOD".into()),
        detail: Some(json!({"period": 3, "unit": "DAY", "color": "green"})),
    });
    let e = h
        .core
        .update_todo(a, id, edited.clone(), None)
        .await
        .unwrap();
    assert_eq!(e.item.task, "water the plants");
    assert_eq!(e.item.done_through, Some(date!(2026 - 01 - 01)));
    assert_eq!(e.next_date, Some(date!(2026 - 01 - 04)));
    assert_eq!(e.item.updated_at, datetime!(2026-01-01 13:00:00 UTC));
    assert_eq!(e.item.created_at, datetime!(2026-01-01 12:00:00 UTC));
    assert_eq!(h.core.get_todo(a, id, None).await.unwrap(), e);

    // A new period: progress forgotten.
    let mut every_other = edited.clone();
    every_other.repeat = Some(RepeatInput {
        mode: Some("PERIOD".into()),
        detail: Some(json!({"period": 2, "unit": "DAY"})),
    });
    let e = h.core.update_todo(a, id, every_other, None).await.unwrap();
    assert_eq!(e.item.done_through, None);
    assert_eq!(e.next_date, Some(date!(2026 - 01 - 01)));
    h.core.finish_todo(a, id, None).await.unwrap();

    // A new start date: progress forgotten too.
    let mut moved = edited.clone();
    moved.date = Some(date!(2025 - 12 - 31));
    let e = h.core.update_todo(a, id, moved, None).await.unwrap();
    assert_eq!(e.item.done_through, None);
    assert_eq!(e.next_date, Some(date!(2026 - 01 - 03)));

    // No strategy any more: a one-off item.
    let e = h
        .core
        .update_todo(a, id, normal("once", Some(date!(2026 - 02 - 02))), None)
        .await
        .unwrap();
    assert_eq!(e.kind, TodoKind::Normal);
    assert_eq!(e.next_date, None);
    assert!(e.item.repeat.is_none());
    assert_eq!(e.item.more_info, None, "fields are replaced, not merged");
}

#[tokio::test]
async fn list_sorts_by_effective_date_then_id_with_undated_last() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let b = user(&h, "b@example.com").await;
    let mut ids = Vec::new();
    for input in [
        normal("undated 1", None),
        serial(
            "weekly",
            date!(2025 - 06 - 02),
            "DAYS_OF_WEEK",
            json!({"daysOfWeek": ["MONDAY"]}),
        ),
        normal("jan 3", Some(date!(2026 - 01 - 03))),
        normal("jan 5", Some(date!(2026 - 01 - 05))),
        normal("undated 2", None),
        normal("overdue", Some(date!(2025 - 12 - 01))),
        normal("finished", Some(date!(2025 - 01 - 01))),
    ] {
        ids.push(h.core.create_todo(a, input, None).await.unwrap().item.id);
    }
    h.core
        .create_todo(b, normal("b's", None), None)
        .await
        .unwrap();
    h.core.finish_todo(a, ids[6], None).await.unwrap();
    let list = h.core.list_todos(a, None).await.unwrap();
    let got: Vec<i64> = list.iter().map(|v| v.item.id).collect();
    // The weekly series (started in June) sorts by its next date, Monday 2026-01-05,
    // and ties with "jan 5" are broken by id.
    assert_eq!(got, vec![ids[5], ids[2], ids[1], ids[3], ids[0], ids[4]]);
    assert_eq!(list[2].next_date, Some(date!(2026 - 01 - 05)));
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
}

#[tokio::test]
async fn per_user_limit_counts_open_items() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let b = user(&h, "b@example.com").await;
    let now = h.core.now();
    let mut last = 0;
    for i in 0..MAX_OPEN_TODOS {
        last = h
            .store
            .insert_todo(&NewTodoItem {
                user_id: a.user_id,
                task: format!("t{i}"),
                more_info: None,
                date: None,
                repeat: None,
                created_at: now,
            })
            .await
            .unwrap();
    }
    let e = h
        .core
        .create_todo(a, normal("one too many", None), None)
        .await
        .unwrap_err();
    assert_eq!(fields(e), vec![("task", "limit")]);
    assert!(
        h.core.create_todo(b, normal("b", None), None).await.is_ok(),
        "the limit is per user"
    );
    h.core.finish_todo(a, last, None).await.unwrap();
    assert!(
        h.core
            .create_todo(a, normal("now fits", None), None)
            .await
            .is_ok(),
        "finished items do not count"
    );
}

#[tokio::test]
async fn a_series_past_the_last_day_ends_when_finished() {
    let h = harness();
    let a = user(&h, "a@example.com").await;
    let v = h
        .core
        .create_todo(
            a,
            serial(
                "end of time",
                date!(9999 - 12 - 27),
                "PERIOD",
                json!({"period": 1, "unit": "WEEK"}),
            ),
            None,
        )
        .await
        .unwrap();
    let late = Some(date!(9999 - 12 - 30));
    let view = h.core.get_todo(a, v.item.id, late).await.unwrap();
    assert_eq!(view.next_date, None, "no occurrence is left");
    h.core.finish_todo(a, v.item.id, late).await.unwrap();
    assert!(matches!(
        h.core.get_todo(a, v.item.id, None).await,
        Err(CoreError::NotFound)
    ));
}

// ---------------------------------------------------------------------------------------
// Recurrence: fixed cases

#[test]
fn day_in_month_clamps_to_short_months_and_leap_years() {
    let m = RepeatMode::DayInMonth;
    let start = date!(2023 - 01 - 01);
    let on31 = json!({"dayInMonth": 31});
    assert_eq!(
        next(m, on31.clone(), start, date!(2024 - 02 - 01)),
        Some(date!(2024 - 02 - 29))
    );
    assert_eq!(
        next(m, on31.clone(), start, date!(2023 - 02 - 01)),
        Some(date!(2023 - 02 - 28))
    );
    assert_eq!(
        next(m, on31.clone(), start, date!(2024 - 03 - 01)),
        Some(date!(2024 - 03 - 31))
    );
    assert_eq!(
        next(m, on31.clone(), start, date!(2024 - 04 - 30)),
        Some(date!(2024 - 04 - 30))
    );
    assert_eq!(
        next(m, json!({"dayInMonth": 30}), start, date!(2024 - 02 - 15)),
        Some(date!(2024 - 02 - 29))
    );
    assert_eq!(
        next(m, json!({"dayInMonth": 15}), start, date!(2024 - 12 - 16)),
        Some(date!(2025 - 01 - 15)),
        "across a year end"
    );
    assert_eq!(
        next(
            m,
            json!({"dayInMonth": 15}),
            date!(2024 - 06 - 20),
            date!(2024 - 01 - 01)
        ),
        Some(date!(2024 - 07 - 15)),
        "never before the start"
    );
}

#[test]
fn period_months_and_years_count_from_the_start() {
    let p = RepeatMode::Period;
    let monthly = json!({"period": 1, "unit": "MONTH"});
    let jan31 = date!(2024 - 01 - 31);
    assert_eq!(
        next(p, monthly.clone(), jan31, date!(2024 - 01 - 01)),
        Some(jan31)
    );
    assert_eq!(
        next(p, monthly.clone(), jan31, date!(2024 - 02 - 01)),
        Some(date!(2024 - 02 - 29))
    );
    assert_eq!(
        next(p, monthly.clone(), jan31, date!(2024 - 03 - 01)),
        Some(date!(2024 - 03 - 31))
    );
    assert_eq!(
        next(
            p,
            monthly.clone(),
            date!(2023 - 01 - 31),
            date!(2023 - 02 - 01)
        ),
        Some(date!(2023 - 02 - 28))
    );
    assert_eq!(
        next(
            p,
            json!({"period": 2, "unit": "MONTH"}),
            jan31,
            date!(2024 - 02 - 01)
        ),
        Some(date!(2024 - 03 - 31))
    );
    let yearly = json!({"period": 1, "unit": "YEAR"});
    let leap = date!(2024 - 02 - 29);
    assert_eq!(
        next(p, yearly.clone(), leap, date!(2024 - 03 - 01)),
        Some(date!(2025 - 02 - 28))
    );
    assert_eq!(
        next(p, yearly.clone(), leap, date!(2027 - 06 - 01)),
        Some(date!(2028 - 02 - 29))
    );
    assert_eq!(
        next(
            p,
            json!({"period": 2, "unit": "WEEK"}),
            date!(2024 - 12 - 30),
            date!(2025 - 01 - 01)
        ),
        Some(date!(2025 - 01 - 13))
    );
    assert_eq!(
        next(
            p,
            json!({"period": 10, "unit": "DAY"}),
            date!(2024 - 02 - 25),
            date!(2024 - 03 - 06)
        ),
        Some(date!(2024 - 03 - 06))
    );
}

#[test]
fn days_of_week_cross_week_and_year_boundaries() {
    let d = RepeatMode::DaysOfWeek;
    // 2024-12-29 is a Sunday.
    assert_eq!(
        next(
            d,
            json!({"daysOfWeek": ["MONDAY"]}),
            date!(2024 - 12 - 01),
            date!(2024 - 12 - 29)
        ),
        Some(date!(2024 - 12 - 30))
    );
    assert_eq!(
        next(
            d,
            json!({"daysOfWeek": ["SUNDAY"]}),
            date!(2024 - 12 - 01),
            date!(2024 - 12 - 30)
        ),
        Some(date!(2025 - 01 - 05))
    );
    assert_eq!(
        next(
            d,
            json!({"daysOfWeek": ["SUNDAY", "MONDAY"]}),
            date!(2024 - 12 - 01),
            date!(2024 - 12 - 29)
        ),
        Some(date!(2024 - 12 - 29)),
        "today counts"
    );
    assert_eq!(
        next(
            d,
            json!({"daysOfWeek": ["WEDNESDAY"]}),
            date!(2025 - 01 - 02),
            date!(2024 - 01 - 01)
        ),
        Some(date!(2025 - 01 - 08)),
        "never before the start"
    );
}

#[test]
fn the_end_of_the_calendar_has_no_next_occurrence() {
    let max = Date::MAX;
    let cases = [
        (RepeatMode::DayInMonth, json!({"dayInMonth": 1})),
        (RepeatMode::Period, json!({"period": 1000, "unit": "YEAR"})),
        (RepeatMode::Period, json!({"period": 7, "unit": "DAY"})),
    ];
    for (mode, detail) in cases {
        let start = max.previous_day().unwrap();
        assert_eq!(next(mode, detail, start, max), None);
    }
    let other_day = max.weekday().next();
    let name = format!("{other_day:?}").to_uppercase();
    assert_eq!(
        next(
            RepeatMode::DaysOfWeek,
            json!({"daysOfWeek": [name]}),
            max,
            max
        ),
        None
    );
    assert_eq!(
        next(RepeatMode::DayInMonth, json!({"dayInMonth": 31}), max, max),
        Some(max)
    );
}

// ---------------------------------------------------------------------------------------
// Recurrence: properties

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

fn unit_name(u: PeriodUnit) -> &'static str {
    u.as_str()
}

/// The wire detail for a schedule, so every property also exercises parsing.
fn detail_of(r: Recurrence) -> (RepeatMode, Value) {
    match r {
        Recurrence::Period { period, unit } => (
            RepeatMode::Period,
            json!({"period": period, "unit": unit_name(unit)}),
        ),
        Recurrence::DaysOfWeek(set) => {
            let names: Vec<String> = ALL_DAYS
                .iter()
                .filter(|d| set.contains(**d))
                .map(|d| format!("{d:?}").to_uppercase())
                .collect();
            (RepeatMode::DaysOfWeek, json!({"daysOfWeek": names}))
        }
        Recurrence::DayInMonth(n) => (RepeatMode::DayInMonth, json!({"dayInMonth": n})),
    }
}

fn any_unit() -> impl Strategy<Value = PeriodUnit> {
    prop_oneof![
        Just(PeriodUnit::Day),
        Just(PeriodUnit::Week),
        Just(PeriodUnit::Month),
        Just(PeriodUnit::Year),
    ]
}

fn recurrence(max_period: u32) -> impl Strategy<Value = Recurrence> {
    prop_oneof![
        (1..=max_period, any_unit()).prop_map(|(period, unit)| Recurrence::Period { period, unit }),
        (1u8..=127).prop_map(|bits| {
            let set = ALL_DAYS
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .fold(WeekdaySet::default(), |s, (_, d)| s.with(*d));
            Recurrence::DaysOfWeek(set)
        }),
        (1u8..=31).prop_map(Recurrence::DayInMonth),
    ]
}

fn date_between(from: Date, to: Date) -> impl Strategy<Value = Date> {
    (from.to_julian_day()..=to.to_julian_day()).prop_map(|j| Date::from_julian_day(j).unwrap())
}

fn modern() -> impl Strategy<Value = Date> {
    date_between(date!(1900 - 01 - 01), date!(2200 - 12 - 31))
}

fn parsed(r: Recurrence) -> RepeatStrategy {
    let (mode, detail) = detail_of(r);
    let s = strategy(mode, detail);
    assert_eq!(s.recurrence(), r, "detail parses back to the schedule");
    s
}

fn last_day(year: i32, month: Month) -> u8 {
    month.length(year)
}

/// Independent oracle: is `d` a day of the series that started at `start`?
fn is_occurrence(r: Recurrence, start: Date, d: Date) -> bool {
    if d < start {
        return false;
    }
    match r {
        Recurrence::Period { period, unit } => {
            let months = |x: Date| i64::from(x.year()) * 12 + i64::from(x.month() as u8);
            let step_days = match unit {
                PeriodUnit::Day => i64::from(period),
                PeriodUnit::Week => 7 * i64::from(period),
                PeriodUnit::Month | PeriodUnit::Year => 0,
            };
            if step_days > 0 {
                let gap = i64::from(d.to_julian_day() - start.to_julian_day());
                return gap % step_days == 0;
            }
            let step = i64::from(period) * if unit == PeriodUnit::Year { 12 } else { 1 };
            let gap = months(d) - months(start);
            gap % step == 0 && d.day() == start.day().min(last_day(d.year(), d.month()))
        }
        Recurrence::DaysOfWeek(set) => set.contains(d.weekday()),
        Recurrence::DayInMonth(n) => d.day() == n.min(last_day(d.year(), d.month())),
    }
}

/// The occurrence before `got` (itself an occurrence after `start`) of a period series.
fn previous(r: Recurrence, start: Date, got: Date) -> Date {
    let Recurrence::Period { period, unit } = r else {
        unreachable!("period series only")
    };
    let days = match unit {
        PeriodUnit::Day => i64::from(period),
        PeriodUnit::Week => 7 * i64::from(period),
        PeriodUnit::Month | PeriodUnit::Year => {
            let step =
                i32::try_from(period).unwrap() * if unit == PeriodUnit::Year { 12 } else { 1 };
            let index = |x: Date| x.year() * 12 + i32::from(x.month() as u8) - 1;
            let prev = index(got) - step;
            let (year, month) = (prev.div_euclid(12), prev.rem_euclid(12) + 1);
            let month = Month::try_from(u8::try_from(month).unwrap()).unwrap();
            let day = start.day().min(last_day(year, month));
            return Date::from_calendar_date(year, month, day).unwrap();
        }
    };
    got - Duration::days(days)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Against a day-by-day scan: the result is an occurrence, on or after both bounds,
    /// and no occurrence lies between the bounds and the result.
    #[test]
    fn matches_a_day_by_day_scan(
        r in recurrence(12),
        start in modern(),
        on_or_after in modern(),
    ) {
        let s = parsed(r);
        let got = next_occurrence(&s, start, on_or_after).unwrap();
        prop_assert!(got >= start && got >= on_or_after);
        prop_assert!(is_occurrence(r, start, got), "{got} is not an occurrence");
        let mut day = start.max(on_or_after);
        while day < got {
            prop_assert!(!is_occurrence(r, start, day), "skipped {day}");
            day = day.next_day().unwrap();
        }
    }

    /// A result is its own next occurrence, and the one after it is later.
    #[test]
    fn idempotent_and_increasing(
        r in recurrence(1000),
        start in modern(),
        on_or_after in modern(),
    ) {
        let s = parsed(r);
        let got = next_occurrence(&s, start, on_or_after).unwrap();
        prop_assert_eq!(next_occurrence(&s, start, got), Some(got));
        let after = next_occurrence(&s, start, got.next_day().unwrap()).unwrap();
        prop_assert!(after > got);
        prop_assert!(is_occurrence(r, start, got));
    }

    /// Large periods: the occurrence before the result (if any) is before the bound.
    #[test]
    fn large_periods_skip_nothing(
        period in 1u32..=1000,
        unit in any_unit(),
        start in modern(),
        on_or_after in modern(),
    ) {
        let r = Recurrence::Period { period, unit };
        let got = next_occurrence(&parsed(r), start, on_or_after).unwrap();
        prop_assert!(got >= start.max(on_or_after));
        prop_assert!(is_occurrence(r, start, got));
        if got > start {
            prop_assert!(previous(r, start, got) < start.max(on_or_after), "skipped one");
        }
    }

    /// Anywhere in the calendar, nothing panics and a result respects the bounds.
    #[test]
    fn total_over_the_whole_calendar(
        r in recurrence(1000),
        start in date_between(Date::MIN, Date::MAX),
        on_or_after in date_between(Date::MIN, Date::MAX),
    ) {
        let s = parsed(r);
        if let Some(got) = next_occurrence(&s, start, on_or_after) {
            prop_assert!(got >= start && got >= on_or_after);
            prop_assert!(is_occurrence(r, start, got));
        }
    }
}
