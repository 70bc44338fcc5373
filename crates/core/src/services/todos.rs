//! To-do items of the signed-in user (the clumsy-tools dialect's `/todo` resource), with
//! the rules Tessera defines for them in `specs/COMPAT.md`.
//!
//! - Every operation is scoped to the caller: another user's item and a missing one are
//!   the same `NotFound`. Only unfinished items are visible (get, list, update, finish).
//! - `nextDate` is computed, never stored: it depends on "today", which is the client's
//!   local date when the dialect has it and the server's UTC date otherwise. A serial
//!   item stores only `done_through`, the last occurrence marked done.
//! - Finishing a one-off item sets `finished`; finishing a serial item marks the
//!   occurrence on its `nextDate` done, so the series stays open and moves on.
//! - An edit that changes the schedule (start date or recurrence) forgets which
//!   occurrences were done; an edit of text or of unknown detail keys keeps it.
//! - Each user may hold at most [`MAX_OPEN_TODOS`] unfinished items. Past that, creating
//!   one fails with `InvalidInput` (`task`, tag `limit`); the check is not transactional,
//!   so a burst of concurrent creates may overshoot it by a few, which is harmless.

use serde_json::{Map, Value};
use time::{Date, OffsetDateTime, UtcOffset};

use super::sessions::AuthContext;
use super::Core;
use crate::domain::{NewTodoItem, RepeatMode, RepeatStrategy, TodoChange, TodoItem, TodoKind};
use crate::error::{CoreError, CoreResult, FieldError};

/// Longest task, in characters (the API document's limit).
pub const MAX_TASK_CHARS: usize = 200;
/// Longest `moreInfo`, in characters.
pub const MAX_MORE_INFO_CHARS: usize = 2000;
/// Largest detail object, in bytes of compact JSON (unknown keys are stored verbatim).
pub const MAX_DETAIL_BYTES: usize = 2048;
/// Unfinished items one user may hold.
pub const MAX_OPEN_TODOS: i64 = 10_000;
/// Earliest year accepted for `date`: the wire format is `yyyy-MM-dd`, and every engine
/// can store every day of years 1..=9999.
const MIN_YEAR: i32 = 1;
/// Latest year accepted for `date`, and of a computed `nextDate`.
const MAX_YEAR: i32 = 9999;

/// A repeat strategy as received, before validation, so that a missing or unknown mode
/// and a missing detail object are reported by the core like any other field error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepeatInput {
    /// `repeatStrategy.repeatMode` (`PERIOD`, `DAYS_OF_WEEK`, `DAY_IN_MONTH`).
    pub mode: Option<String>,
    /// `repeatStrategy.modeDetail`; must be a JSON object.
    pub detail: Option<Value>,
}

/// The fields a client sends to create or replace an item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TodoInput {
    /// Required; trimmed; 1..=200 characters.
    pub task: Option<String>,
    /// Optional; at most 2000 characters; kept as given.
    pub more_info: Option<String>,
    /// The day to do it, or the start of a series (required for a serial item).
    pub date: Option<Date>,
    /// Makes the item serial.
    pub repeat: Option<RepeatInput>,
}

/// An item as clients see it: the stored item plus what is computed from it.
#[derive(Debug, Clone, PartialEq)]
pub struct TodoView {
    /// The stored item.
    pub item: TodoItem,
    /// Next occurrence still to do (serial items only; may be today).
    pub next_date: Option<Date>,
    /// `NORMAL` or `SERIAL`.
    pub kind: TodoKind,
}

impl TodoView {
    fn new(item: TodoItem, today: Date) -> Self {
        Self {
            next_date: next_date(&item, today),
            kind: item.kind(),
            item,
        }
    }

    /// The date the list is sorted by: `nextDate` for serial items, `date` otherwise.
    pub fn effective_date(&self) -> Option<Date> {
        match self.kind {
            TodoKind::Serial => self.next_date,
            TodoKind::Normal => self.item.date,
        }
    }
}

/// The item's next date, hidden past year 9999 (the wire cannot carry it).
fn next_date(item: &TodoItem, today: Date) -> Option<Date> {
    item.next_date(today).filter(|d| d.year() <= MAX_YEAR)
}

/// A validated input.
struct Valid {
    task: String,
    more_info: Option<String>,
    date: Option<Date>,
    repeat: Option<RepeatStrategy>,
}

fn err(field: &'static str, tag: &'static str) -> FieldError {
    FieldError { field, tag }
}

/// Checks every field and reports every problem at once.
fn validate(input: TodoInput) -> CoreResult<Valid> {
    let mut errors = Vec::new();
    let task = input.task.as_deref().map(str::trim).unwrap_or_default();
    if task.is_empty() {
        errors.push(err("task", "required"));
    } else if task.chars().count() > MAX_TASK_CHARS {
        errors.push(err("task", "max"));
    }
    if let Some(info) = &input.more_info {
        if info.chars().count() > MAX_MORE_INFO_CHARS {
            errors.push(err("moreInfo", "max"));
        }
    }
    if let Some(date) = input.date {
        if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
            errors.push(err("date", "range"));
        }
    }
    let repeat = match input.repeat {
        Some(repeat) => {
            if input.date.is_none() {
                errors.push(err("date", "required"));
            }
            parse_repeat(repeat, &mut errors)
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(CoreError::InvalidInput(errors));
    }
    Ok(Valid {
        task: task.to_owned(),
        more_info: input.more_info,
        date: input.date,
        repeat,
    })
}

fn parse_repeat(input: RepeatInput, errors: &mut Vec<FieldError>) -> Option<RepeatStrategy> {
    let mode = match input.mode.as_deref() {
        None => {
            errors.push(err("repeatStrategy.repeatMode", "required"));
            None
        }
        Some(name) => {
            let mode = RepeatMode::parse(name);
            if mode.is_none() {
                errors.push(err("repeatStrategy.repeatMode", "format"));
            }
            mode
        }
    };
    let detail: Option<Map<String, Value>> = match input.detail {
        None | Some(Value::Null) => {
            errors.push(err("repeatStrategy.modeDetail", "required"));
            None
        }
        Some(Value::Object(map)) => {
            let size = serde_json::to_vec(&map).map_or(usize::MAX, |v| v.len());
            if size > MAX_DETAIL_BYTES {
                errors.push(err("repeatStrategy.modeDetail", "max"));
                None
            } else {
                Some(map)
            }
        }
        Some(_) => {
            errors.push(err("repeatStrategy.modeDetail", "format"));
            None
        }
    };
    match RepeatStrategy::parse(mode?, detail?) {
        Ok(strategy) => Some(strategy),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// Stored timestamps keep microseconds; rounding here makes a returned view equal to the
/// same item read back later.
fn stored_precision(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

impl Core {
    /// "Today" for next-date computations: the client's local date when the dialect
    /// received one, else the server's date in UTC.
    fn todo_today(&self, client_today: Option<Date>) -> Date {
        client_today.unwrap_or_else(|| self.now().to_offset(UtcOffset::UTC).date())
    }

    async fn open_todo(&self, auth: AuthContext, id: i64) -> CoreResult<TodoItem> {
        match self.inner.store.todo_by_id(auth.user_id, id).await? {
            Some(item) if !item.finished => Ok(item),
            _ => Err(CoreError::NotFound),
        }
    }

    /// Creates an item for the caller. Fails with `InvalidInput` on bad fields or when the
    /// caller already holds [`MAX_OPEN_TODOS`] unfinished items.
    pub async fn create_todo(
        &self,
        auth: AuthContext,
        input: TodoInput,
        client_today: Option<Date>,
    ) -> CoreResult<TodoView> {
        let valid = validate(input)?;
        self.unrestricted_user(auth).await?;
        let store = &self.inner.store;
        if store.count_open_todos(auth.user_id).await? >= MAX_OPEN_TODOS {
            return Err(CoreError::field("task", "limit"));
        }
        let now = stored_precision(self.now());
        let new = NewTodoItem {
            user_id: auth.user_id,
            task: valid.task,
            more_info: valid.more_info,
            date: valid.date,
            repeat: valid.repeat,
            created_at: now,
        };
        let id = store.insert_todo(&new).await?;
        let item = TodoItem {
            id,
            user_id: new.user_id,
            task: new.task,
            more_info: new.more_info,
            date: new.date,
            repeat: new.repeat,
            finished: false,
            done_through: None,
            created_at: now,
            updated_at: now,
        };
        Ok(TodoView::new(item, self.todo_today(client_today)))
    }

    /// Replaces the fields of one of the caller's unfinished items. Occurrences marked
    /// done are kept unless the start date or the schedule changed.
    pub async fn update_todo(
        &self,
        auth: AuthContext,
        id: i64,
        input: TodoInput,
        client_today: Option<Date>,
    ) -> CoreResult<TodoView> {
        let valid = validate(input)?;
        self.unrestricted_user(auth).await?;
        let mut item = self.open_todo(auth, id).await?;
        let schedule = |date: Option<Date>, repeat: Option<&RepeatStrategy>| {
            (date, repeat.map(RepeatStrategy::recurrence))
        };
        let reset = schedule(item.date, item.repeat.as_ref())
            != schedule(valid.date, valid.repeat.as_ref());
        let change = TodoChange {
            task: valid.task,
            more_info: valid.more_info,
            date: valid.date,
            repeat: valid.repeat,
            reset_done_through: reset,
            updated_at: stored_precision(self.now()),
        };
        if !self
            .inner
            .store
            .update_todo(auth.user_id, id, &change)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        item.task = change.task;
        item.more_info = change.more_info;
        item.date = change.date;
        item.repeat = change.repeat;
        if reset {
            item.done_through = None;
        }
        item.updated_at = change.updated_at;
        Ok(TodoView::new(item, self.todo_today(client_today)))
    }

    /// One of the caller's unfinished items.
    pub async fn get_todo(
        &self,
        auth: AuthContext,
        id: i64,
        client_today: Option<Date>,
    ) -> CoreResult<TodoView> {
        let item = self.open_todo(auth, id).await?;
        Ok(TodoView::new(item, self.todo_today(client_today)))
    }

    /// The caller's unfinished items, by effective date (`nextDate` for serial items,
    /// `date` otherwise) ascending, items without one last, then by id.
    pub async fn list_todos(
        &self,
        auth: AuthContext,
        client_today: Option<Date>,
    ) -> CoreResult<Vec<TodoView>> {
        let today = self.todo_today(client_today);
        let items = self.inner.store.list_open_todos(auth.user_id).await?;
        let mut views: Vec<TodoView> = items
            .into_iter()
            .map(|item| TodoView::new(item, today))
            .collect();
        views.sort_by_key(|v| (v.effective_date().is_none(), v.effective_date(), v.item.id));
        Ok(views)
    }

    /// Finishes one of the caller's unfinished items: a one-off item is done; for a
    /// serial item the occurrence on its `nextDate` is done and the series moves on (a
    /// series with no occurrence left is finished).
    pub async fn finish_todo(
        &self,
        auth: AuthContext,
        id: i64,
        client_today: Option<Date>,
    ) -> CoreResult<()> {
        self.unrestricted_user(auth).await?;
        let item = self.open_todo(auth, id).await?;
        let now = stored_precision(self.now());
        let store = &self.inner.store;
        let next = match item.kind() {
            TodoKind::Normal => None,
            TodoKind::Serial => next_date(&item, self.todo_today(client_today)),
        };
        let changed = match next {
            Some(day) => {
                // A concurrent finish of the same occurrence already did the work.
                store
                    .set_todo_done_through(auth.user_id, id, day, now)
                    .await?
                    || store
                        .todo_by_id(auth.user_id, id)
                        .await?
                        .is_some_and(|t| !t.finished && t.done_through.is_some_and(|d| d >= day))
            }
            None => store.finish_todo(auth.user_id, id, now).await?,
        };
        if changed {
            Ok(())
        } else {
            Err(CoreError::NotFound)
        }
    }
}

#[cfg(test)]
#[path = "todos_tests.rs"]
mod tests;
