//! To-do items (`/todo/items`): create, update, get one, list the unfinished ones, finish.
//! The rules (validation, repeat strategies, `nextDate`, list order, finishing a series) are
//! the core's; this module only decodes the wire shapes of COMPAT.md and encodes `ToDoItem`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tessera_core::services::{RepeatInput, TodoInput, TodoView};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::errors::ClError;
use super::guard::Bearer;
use super::{empty, json_fields};
use crate::body::{Body, Fields};
use crate::AppState;

/// The header carrying the client's local date-time (no zone).
const CLIENT_TIME_HEADER: &str = "clientCurrentDateTime";
/// The wire format of `date` and `nextDate`.
const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");
/// `yyyy-MM-ddTHH:mm:ss`, as the document shows.
const DATE_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
/// The same with fractional seconds, which Java's `LocalDateTime.parse` also accepts.
const DATE_TIME_FRACTION: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
/// The same without seconds (`LocalDateTime.parse` accepts `2011-12-03T10:15`).
const DATE_TIME_MINUTES: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]");

/// `GET /todo/items`: the caller's unfinished items; `clientCurrentDateTime` is required.
pub async fn list(
    State(st): State<AppState>,
    Bearer(auth): Bearer,
    headers: HeaderMap,
) -> Result<Response, ClError> {
    let today = client_today(&headers)?.ok_or_else(|| {
        ClError::biz(
            "INVALID_INPUT",
            "Please send the clientCurrentDateTime header (yyyy-MM-ddTHH:mm:ss).",
        )
    })?;
    let views = st
        .core
        .list_todos(auth, Some(today))
        .await
        .map_err(ClError::core)?;
    let user = st
        .core
        .user_number(auth.user_id)
        .await
        .map_err(ClError::core)?;
    let items: Vec<Value> = views.iter().map(|v| item_json(v, user)).collect();
    Ok(Json(Value::Array(items)).into_response())
}

/// `POST /todo/items`: creates an item.
pub async fn create(
    State(st): State<AppState>,
    Bearer(auth): Bearer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    let today = client_today(&headers)?;
    let input = decode(&json_fields(body)?)?;
    let view = st
        .core
        .create_todo(auth, input, today)
        .await
        .map_err(ClError::core)?;
    respond(&st, auth, &view).await
}

/// `GET /todo/items/{itemId}`: one unfinished item of the caller.
pub async fn get_one(
    State(st): State<AppState>,
    Bearer(auth): Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ClError> {
    let id = item_id(&id)?;
    let today = client_today(&headers)?;
    let view = st
        .core
        .get_todo(auth, id, today)
        .await
        .map_err(ClError::core)?;
    respond(&st, auth, &view).await
}

/// `POST /todo/items/{itemId}`: replaces an unfinished item's fields.
pub async fn update(
    State(st): State<AppState>,
    Bearer(auth): Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ClError> {
    let id = item_id(&id)?;
    let today = client_today(&headers)?;
    let input = decode(&json_fields(body)?)?;
    let view = st
        .core
        .update_todo(auth, id, input, today)
        .await
        .map_err(ClError::core)?;
    respond(&st, auth, &view).await
}

/// `POST /todo/items/{itemId}/finish`: a one-off item is done; a series moves on.
pub async fn finish(
    State(st): State<AppState>,
    Bearer(auth): Bearer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ClError> {
    let id = item_id(&id)?;
    let today = client_today(&headers)?;
    st.core
        .finish_todo(auth, id, today)
        .await
        .map_err(ClError::core)?;
    Ok(empty())
}

/// A path id that is not an int64 does not name a resource (JAX-RS answered 404).
fn item_id(raw: &str) -> Result<i64, ClError> {
    raw.parse::<i64>().map_err(|_| ClError::not_found())
}

/// The date part of `clientCurrentDateTime`, when sent. A malformed value is an error
/// rather than a silent fall-back to the server's date.
fn client_today(headers: &HeaderMap) -> Result<Option<Date>, ClError> {
    let Some(raw) = headers.get(CLIENT_TIME_HEADER) else {
        return Ok(None);
    };
    let bad = || {
        ClError::biz(
            "INVALID_INPUT",
            "clientCurrentDateTime must look like 2011-12-03T10:15:30.",
        )
    };
    let raw = raw.to_str().map_err(|_| bad())?.trim();
    [DATE_TIME, DATE_TIME_FRACTION, DATE_TIME_MINUTES]
        .iter()
        .find_map(|format| PrimitiveDateTime::parse(raw, format).ok())
        .map(|t| Some(t.date()))
        .ok_or_else(bad)
}

/// Decodes `NewToDoItemRequest` / `UpdateToDoItemRequest`. Wrong JSON types are reported
/// here; everything about values is the core's to judge.
fn decode(f: &Fields) -> Result<TodoInput, ClError> {
    let mut errors = BTreeMap::new();
    let mut string = |name: &'static str| match f.value(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.insert(name.to_owned(), format!("{name} must be a string"));
            None
        }
    };
    let task = string("task");
    let more_info = string("moreInfo");
    let date_text = string("date");
    let date = date_text.and_then(|s| match Date::parse(s.trim(), DATE) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(
                "date".to_owned(),
                "date must look like 2011-12-03".to_owned(),
            );
            None
        }
    });
    let repeat = match f.value("repeatStrategy") {
        None | Some(Value::Null) => None,
        Some(Value::Object(strategy)) => {
            let mode = match strategy.get("repeatMode") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
            };
            Some(RepeatInput {
                mode,
                detail: strategy.get("modeDetail").cloned(),
            })
        }
        Some(_) => {
            errors.insert(
                "repeatStrategy".to_owned(),
                "repeatStrategy must be an object".to_owned(),
            );
            None
        }
    };
    if !errors.is_empty() {
        return Err(ClError::fields(errors));
    }
    Ok(TodoInput {
        task,
        more_info,
        date,
        repeat,
    })
}

async fn respond(
    st: &AppState,
    auth: tessera_core::services::AuthContext,
    view: &TodoView,
) -> Result<Response, ClError> {
    let user = st
        .core
        .user_number(auth.user_id)
        .await
        .map_err(ClError::core)?;
    Ok(Json(item_json(view, user)).into_response())
}

fn epoch_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

fn date_json(d: Option<Date>) -> Value {
    d.and_then(|d| d.format(DATE).ok())
        .map_or(Value::Null, Value::String)
}

/// The `ToDoItem` model, every key present (nulls included) as the original's mapper wrote.
fn item_json(view: &TodoView, user_number: i64) -> Value {
    let item = &view.item;
    let repeat = item.repeat.as_ref().map_or(Value::Null, |r| {
        json!({
            "repeatMode": r.mode().as_str(),
            "modeDetail": Value::Object(r.detail().clone()),
        })
    });
    json!({
        "id": item.id,
        "createdAt": epoch_ms(item.created_at),
        "updatedAt": epoch_ms(item.updated_at),
        "userId": user_number,
        "task": item.task,
        "moreInfo": item.more_info,
        "date": date_json(item.date),
        "nextDate": date_json(view.next_date),
        "finished": item.finished,
        "repeatStrategy": repeat,
        "type": view.kind.as_str(),
    })
}
