//! Conversions between domain values and SQLite column values, and the mapping of engine
//! errors to [`StoreError`].

use sqlx::error::ErrorKind;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use tessera_core::store::{StoreError, StoreResult, UniqueField};
use time::OffsetDateTime;

/// Prefix of SQLite's unique-violation message; the rest lists `table.column` pairs.
const UNIQUE_PREFIX: &str = "UNIQUE constraint failed: ";

/// Maps an engine error: unique violations become `Conflict` (by the column list SQLite
/// reports, its structured equivalent of a constraint name), foreign-key violations
/// `NotFound` (the referenced row is missing), anything else `Backend` with the text.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            ErrorKind::UniqueViolation => return StoreError::Conflict(unique_field(db.message())),
            ErrorKind::ForeignKeyViolation => return StoreError::NotFound,
            _ => {}
        }
    }
    StoreError::Backend(e.to_string())
}

/// Which domain field a unique-violation message is about.
fn unique_field(message: &str) -> UniqueField {
    let columns = message.strip_prefix(UNIQUE_PREFIX).unwrap_or_default();
    match columns {
        "users.email_norm" => UniqueField::Email,
        "users.username_norm" => UniqueField::Username,
        "users.phone" => UniqueField::Phone,
        _ => UniqueField::Other,
    }
}

/// Stored form of an instant: unix microseconds, rounded down (sub-microsecond digits are
/// dropped, exactly as the PostgreSQL engine does).
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let us = t.unix_timestamp_nanos().div_euclid(1000);
    // `time` without `large-dates` spans ±9999 years, ~3e17 µs: always fits.
    i64::try_from(us).unwrap_or(if us < 0 { i64::MIN } else { i64::MAX })
}

/// An instant at the precision the store keeps (microseconds, rounded down).
pub(crate) fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// Optional instant to its stored form.
pub(crate) fn micros_opt(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(micros)
}

/// Reads a NOT NULL timestamp column.
pub(crate) fn ts(row: &SqliteRow, column: &str) -> StoreResult<OffsetDateTime> {
    let us: i64 = row.try_get(column).map_err(db_err)?;
    from_micros(us)
}

/// Reads a nullable timestamp column.
pub(crate) fn ts_opt(row: &SqliteRow, column: &str) -> StoreResult<Option<OffsetDateTime>> {
    let us: Option<i64> = row.try_get(column).map_err(db_err)?;
    us.map(from_micros).transpose()
}

/// Instant from unix microseconds.
fn from_micros(us: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| StoreError::Backend(format!("stored timestamp {us} out of range: {e}")))
}

/// JSON value to its stored TEXT form.
pub(crate) fn json_text(v: &serde_json::Value) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encoding JSON: {e}")))
}

/// Reads a NOT NULL JSON TEXT column.
pub(crate) fn json(row: &SqliteRow, column: &str) -> StoreResult<serde_json::Value> {
    let text: String = row.try_get(column).map_err(db_err)?;
    parse_json(&text)
}

/// Reads a nullable JSON TEXT column.
pub(crate) fn json_opt(row: &SqliteRow, column: &str) -> StoreResult<Option<serde_json::Value>> {
    let text: Option<String> = row.try_get(column).map_err(db_err)?;
    text.as_deref().map(parse_json).transpose()
}

fn parse_json(text: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Backend(format!("stored JSON: {e}")))
}

/// The least string above every string that starts with `prefix`, in code point order
/// (SQLite's BINARY collation compares UTF-8 bytes, which is the same order), so a prefix
/// match is the index-friendly range `prefix <= x < bound`. None when no string is above
/// them all (an empty prefix, or one made only of U+10FFFF).
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, skipping the surrogate gap.
        if let Some(next) = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Reads any other column.
pub(crate) fn get<'r, T>(row: &'r SqliteRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(db_err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unique_messages_map_to_fields() {
        assert_eq!(
            unique_field("UNIQUE constraint failed: users.email_norm"),
            UniqueField::Email
        );
        assert_eq!(
            unique_field("UNIQUE constraint failed: users.username_norm"),
            UniqueField::Username
        );
        assert_eq!(
            unique_field("UNIQUE constraint failed: users.phone"),
            UniqueField::Phone
        );
        assert_eq!(
            unique_field("UNIQUE constraint failed: sessions.id"),
            UniqueField::Other
        );
        assert_eq!(
            unique_field("UNIQUE constraint failed: roles.name_norm"),
            UniqueField::Other
        );
        assert_eq!(unique_field("something else"), UniqueField::Other);
    }

    #[test]
    fn prefix_bound_is_the_next_string_after_every_extension() {
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(
            prefix_upper_bound("a\u{D7FF}").as_deref(),
            Some("a\u{E000}")
        );
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        assert_eq!(prefix_upper_bound(""), None);
        let bound = prefix_upper_bound("a%_").unwrap();
        for s in ["a%_", "a%_\u{10FFFF}\u{10FFFF}", "a%_zz"] {
            assert!(s >= "a%_" && s < bound.as_str(), "{s}");
        }
        for s in ["a%", "a%`", "a&"] {
            assert!(!(s >= "a%_" && s < bound.as_str()), "{s}");
        }
    }

    #[test]
    fn micros_round_down_and_round_trip() {
        let t = time::macros::datetime!(2024-05-06 07:08:09.123_456_789 UTC);
        let back = from_micros(micros(t)).unwrap();
        assert_eq!(
            back,
            time::macros::datetime!(2024-05-06 07:08:09.123_456 UTC)
        );
        let before_epoch = time::macros::datetime!(1960-01-01 00:00:00.000_000_5 UTC);
        assert_eq!(
            from_micros(micros(before_epoch)).unwrap(),
            time::macros::datetime!(1960-01-01 00:00:00 UTC)
        );
    }
}
