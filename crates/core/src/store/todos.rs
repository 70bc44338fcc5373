//! Store port for to-do items (the clumsy-tools dialect's resource).
//!
//! Every method is scoped by owner: an item of another user behaves exactly like a missing
//! one (never returned, never changed). Writes that only make sense on an open item
//! (edit, finish, mark an occurrence done) are conditional on `finished = false` in the
//! same statement, so they cannot resurrect or double-finish an item under a race. Sorting
//! by the computed next date is the core's job; the store only filters.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use super::StoreResult;
use crate::domain::{NewTodoItem, TodoChange, TodoItem, UserId};

/// To-do items.
#[async_trait]
pub trait TodoStore: Send + Sync {
    /// Inserts an unfinished item and returns its id (increasing, never reused). Errors
    /// with `NotFound` when the owner does not exist.
    async fn insert_todo(&self, item: &NewTodoItem) -> StoreResult<i64>;
    /// The item `id` of `user`, finished or not.
    async fn todo_by_id(&self, user: UserId, id: i64) -> StoreResult<Option<TodoItem>>;
    /// The unfinished items of `user`, by id.
    async fn list_open_todos(&self, user: UserId) -> StoreResult<Vec<TodoItem>>;
    /// How many unfinished items `user` has (for the per-user limit).
    async fn count_open_todos(&self, user: UserId) -> StoreResult<i64>;
    /// Writes the editable fields of the unfinished item `id` of `user` (and clears
    /// `done_through` when asked); false when there is no such item.
    async fn update_todo(&self, user: UserId, id: i64, change: &TodoChange) -> StoreResult<bool>;
    /// Marks the unfinished item `id` of `user` finished; false when there is no such item.
    async fn finish_todo(&self, user: UserId, id: i64, now: OffsetDateTime) -> StoreResult<bool>;
    /// Records that the occurrences of the unfinished serial item `id` of `user` up to
    /// `through` are done. Only moves forward: false when there is no such item or it is
    /// already done through that day or later.
    async fn set_todo_done_through(
        &self,
        user: UserId,
        id: i64,
        through: Date,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}
