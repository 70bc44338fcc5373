//! To-do items. Dates are PostgreSQL `date`s; the repeat detail is `jsonb`, which keeps
//! every key of the client's object.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use tessera_core::domain::{NewTodoItem, RepeatMode, RepeatStrategy, TodoChange, TodoItem, UserId};
use tessera_core::store::{StoreError, StoreResult, TodoStore};
use time::{Date, OffsetDateTime};

use crate::codec::{db_err, get, truncate};
use crate::PgStore;

const COLUMNS: &str = "id, user_id, task, more_info, date, repeat_mode, repeat_detail, \
                       finished, done_through, created_at, updated_at";

/// The stored (mode, detail) pair of an optional strategy.
fn repeat_columns(
    repeat: Option<&RepeatStrategy>,
) -> (Option<&'static str>, Option<serde_json::Value>) {
    match repeat {
        Some(r) => (
            Some(r.mode().as_str()),
            Some(serde_json::Value::Object(r.detail().clone())),
        ),
        None => (None, None),
    }
}

fn repeat_from_row(row: &PgRow) -> StoreResult<Option<RepeatStrategy>> {
    let mode: Option<String> = get(row, "repeat_mode")?;
    let detail: Option<serde_json::Value> = get(row, "repeat_detail")?;
    match (mode, detail) {
        (None, None) => Ok(None),
        (Some(mode), Some(serde_json::Value::Object(detail))) => {
            let mode = RepeatMode::parse(&mode)
                .ok_or_else(|| StoreError::Backend(format!("stored repeat mode {mode:?}")))?;
            RepeatStrategy::parse(mode, detail)
                .map(Some)
                .map_err(|e| StoreError::Backend(format!("stored repeat detail: {e:?}")))
        }
        _ => Err(StoreError::Backend(
            "stored repeat strategy is incomplete".into(),
        )),
    }
}

fn todo_from_row(row: &PgRow) -> StoreResult<TodoItem> {
    Ok(TodoItem {
        id: get(row, "id")?,
        user_id: UserId(get(row, "user_id")?),
        task: get(row, "task")?,
        more_info: get(row, "more_info")?,
        date: get(row, "date")?,
        repeat: repeat_from_row(row)?,
        finished: get(row, "finished")?,
        done_through: get(row, "done_through")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

#[async_trait]
impl TodoStore for PgStore {
    async fn insert_todo(&self, item: &NewTodoItem) -> StoreResult<i64> {
        let (mode, detail) = repeat_columns(item.repeat.as_ref());
        let row = sqlx::query(
            "INSERT INTO todo_items (user_id, task, more_info, date, repeat_mode, \
             repeat_detail, finished, done_through, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, false, NULL, $7, $7) RETURNING id",
        )
        .bind(item.user_id.0)
        .bind(&item.task)
        .bind(&item.more_info)
        .bind(item.date)
        .bind(mode)
        .bind(detail)
        .bind(truncate(item.created_at))
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        get(&row, "id")
    }

    async fn todo_by_id(&self, user: UserId, id: i64) -> StoreResult<Option<TodoItem>> {
        let sql = format!("SELECT {COLUMNS} FROM todo_items WHERE id = $1 AND user_id = $2");
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(todo_from_row).transpose()
    }

    async fn list_open_todos(&self, user: UserId) -> StoreResult<Vec<TodoItem>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM todo_items WHERE user_id = $1 AND NOT finished ORDER BY id"
        );
        let rows = sqlx::query(&sql)
            .bind(user.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(todo_from_row).collect()
    }

    async fn count_open_todos(&self, user: UserId) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM todo_items WHERE user_id = $1 AND NOT finished")
                .bind(user.0)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
        get(&row, "n")
    }

    async fn update_todo(&self, user: UserId, id: i64, change: &TodoChange) -> StoreResult<bool> {
        let (mode, detail) = repeat_columns(change.repeat.as_ref());
        let done = sqlx::query(
            "UPDATE todo_items SET task = $3, more_info = $4, date = $5, repeat_mode = $6, \
             repeat_detail = $7, \
             done_through = CASE WHEN $8 THEN NULL ELSE done_through END, updated_at = $9 \
             WHERE id = $1 AND user_id = $2 AND NOT finished",
        )
        .bind(id)
        .bind(user.0)
        .bind(&change.task)
        .bind(&change.more_info)
        .bind(change.date)
        .bind(mode)
        .bind(detail)
        .bind(change.reset_done_through)
        .bind(truncate(change.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_todo(&self, user: UserId, id: i64, now: OffsetDateTime) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE todo_items SET finished = true, updated_at = $3 \
             WHERE id = $1 AND user_id = $2 AND NOT finished",
        )
        .bind(id)
        .bind(user.0)
        .bind(truncate(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_todo_done_through(
        &self,
        user: UserId,
        id: i64,
        through: Date,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE todo_items SET done_through = $3, updated_at = $4 \
             WHERE id = $1 AND user_id = $2 AND NOT finished \
             AND (done_through IS NULL OR done_through < $3)",
        )
        .bind(id)
        .bind(user.0)
        .bind(through)
        .bind(truncate(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }
}
