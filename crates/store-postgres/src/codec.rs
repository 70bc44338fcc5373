//! Conversions between domain values and PostgreSQL column values, and the mapping of
//! engine errors to [`StoreError`] by constraint name.

use sqlx::error::ErrorKind;
use sqlx::postgres::PgRow;
use sqlx::Row;
use tessera_core::store::{StoreError, StoreResult, UniqueField};
use time::OffsetDateTime;

/// Maps an engine error: unique violations become `Conflict` by constraint name,
/// foreign-key violations `NotFound` (the referenced row is missing), anything else
/// `Backend` with the text.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            ErrorKind::UniqueViolation => {
                return StoreError::Conflict(unique_field(db.constraint().unwrap_or_default()))
            }
            ErrorKind::ForeignKeyViolation => return StoreError::NotFound,
            _ => {}
        }
    }
    StoreError::Backend(e.to_string())
}

/// Which domain field a unique constraint guards (names from the migrations).
fn unique_field(constraint: &str) -> UniqueField {
    match constraint {
        "users_email_norm_key" => UniqueField::Email,
        "users_username_norm_key" => UniqueField::Username,
        "users_phone_key" => UniqueField::Phone,
        _ => UniqueField::Other,
    }
}

/// An instant at the precision the store keeps (microseconds, rounded down), so a value
/// read back equals the value written, on both engines.
pub(crate) fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// Optional instant at stored precision.
pub(crate) fn truncate_opt(t: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    t.map(truncate)
}

/// The least string above every string that starts with `prefix`, in code point order
/// (the "C" collation compares UTF-8 bytes, which is the same order), so a prefix match is
/// the index-friendly range `prefix <= x < bound`. None when no string is above them all
/// (an empty prefix, or one made only of U+10FFFF).
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

/// Reads a column.
pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(db_err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_map_to_fields() {
        assert_eq!(unique_field("users_email_norm_key"), UniqueField::Email);
        assert_eq!(
            unique_field("users_username_norm_key"),
            UniqueField::Username
        );
        assert_eq!(unique_field("users_phone_key"), UniqueField::Phone);
        assert_eq!(unique_field("sessions_pkey"), UniqueField::Other);
        assert_eq!(unique_field("roles_name_norm_key"), UniqueField::Other);
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
    }

    #[test]
    fn truncate_rounds_down_to_micros() {
        let t = time::macros::datetime!(1990-05-06 07:08:09.123_456_789 UTC);
        assert_eq!(
            truncate(t),
            time::macros::datetime!(1990-05-06 07:08:09.123_456 UTC)
        );
    }
}
