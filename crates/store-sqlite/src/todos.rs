//! To-do items. Dates are stored as Julian day numbers (INTEGER), which sort and compare
//! as numbers over the whole calendar; the repeat detail is JSON TEXT, kept verbatim.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_core::domain::{NewTodoItem, RepeatMode, RepeatStrategy, TodoChange, TodoItem, UserId};
use tessera_core::store::{StoreError, StoreResult, TodoStore};
use time::{Date, OffsetDateTime};

use crate::codec::{db_err, get, json_opt, json_text, micros, ts};
use crate::SqliteStore;

const COLUMNS: &str = "id, user_id, task, more_info, date, repeat_mode, repeat_detail, \
                       finished, done_through, created_at, updated_at";

fn day_number(d: Date) -> i64 {
    i64::from(d.to_julian_day())
}

fn day_number_opt(d: Option<Date>) -> Option<i64> {
    d.map(day_number)
}

fn date_opt(row: &SqliteRow, column: &str) -> StoreResult<Option<Date>> {
    let n: Option<i64> = get(row, column)?;
    n.map(|n| {
        i32::try_from(n)
            .ok()
            .and_then(|n| Date::from_julian_day(n).ok())
            .ok_or_else(|| StoreError::Backend(format!("stored day number {n} out of range")))
    })
    .transpose()
}

/// The stored (mode, detail) pair of an optional strategy.
fn repeat_columns(
    repeat: Option<&RepeatStrategy>,
) -> StoreResult<(Option<&'static str>, Option<String>)> {
    match repeat {
        Some(r) => Ok((
            Some(r.mode().as_str()),
            Some(json_text(&serde_json::Value::Object(r.detail().clone()))?),
        )),
        None => Ok((None, None)),
    }
}

fn repeat_from_row(row: &SqliteRow) -> StoreResult<Option<RepeatStrategy>> {
    let mode: Option<String> = get(row, "repeat_mode")?;
    let detail = json_opt(row, "repeat_detail")?;
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

fn todo_from_row(row: &SqliteRow) -> StoreResult<TodoItem> {
    Ok(TodoItem {
        id: get(row, "id")?,
        user_id: UserId(get(row, "user_id")?),
        task: get(row, "task")?,
        more_info: get(row, "more_info")?,
        date: date_opt(row, "date")?,
        repeat: repeat_from_row(row)?,
        finished: get(row, "finished")?,
        done_through: date_opt(row, "done_through")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

#[async_trait]
impl TodoStore for SqliteStore {
    async fn insert_todo(&self, item: &NewTodoItem) -> StoreResult<i64> {
        let (mode, detail) = repeat_columns(item.repeat.as_ref())?;
        let row = sqlx::query(
            "INSERT INTO todo_items (user_id, task, more_info, date, repeat_mode, \
             repeat_detail, finished, done_through, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, NULL, ?7, ?7) RETURNING id",
        )
        .bind(item.user_id.0)
        .bind(&item.task)
        .bind(&item.more_info)
        .bind(day_number_opt(item.date))
        .bind(mode)
        .bind(detail)
        .bind(micros(item.created_at))
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        get(&row, "id")
    }

    async fn todo_by_id(&self, user: UserId, id: i64) -> StoreResult<Option<TodoItem>> {
        let sql = format!("SELECT {COLUMNS} FROM todo_items WHERE id = ?1 AND user_id = ?2");
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
            "SELECT {COLUMNS} FROM todo_items WHERE user_id = ?1 AND finished = 0 ORDER BY id"
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
            sqlx::query("SELECT COUNT(*) AS n FROM todo_items WHERE user_id = ?1 AND finished = 0")
                .bind(user.0)
                .fetch_one(&self.pool)
                .await
                .map_err(db_err)?;
        get(&row, "n")
    }

    async fn update_todo(&self, user: UserId, id: i64, change: &TodoChange) -> StoreResult<bool> {
        let (mode, detail) = repeat_columns(change.repeat.as_ref())?;
        let done = sqlx::query(
            "UPDATE todo_items SET task = ?3, more_info = ?4, date = ?5, repeat_mode = ?6, \
             repeat_detail = ?7, \
             done_through = CASE WHEN ?8 THEN NULL ELSE done_through END, updated_at = ?9 \
             WHERE id = ?1 AND user_id = ?2 AND finished = 0",
        )
        .bind(id)
        .bind(user.0)
        .bind(&change.task)
        .bind(&change.more_info)
        .bind(day_number_opt(change.date))
        .bind(mode)
        .bind(detail)
        .bind(change.reset_done_through)
        .bind(micros(change.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_todo(&self, user: UserId, id: i64, now: OffsetDateTime) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE todo_items SET finished = 1, updated_at = ?3 \
             WHERE id = ?1 AND user_id = ?2 AND finished = 0",
        )
        .bind(id)
        .bind(user.0)
        .bind(micros(now))
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
            "UPDATE todo_items SET done_through = ?3, updated_at = ?4 \
             WHERE id = ?1 AND user_id = ?2 AND finished = 0 \
             AND (done_through IS NULL OR done_through < ?3)",
        )
        .bind(id)
        .bind(user.0)
        .bind(day_number(through))
        .bind(micros(now))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }
}
