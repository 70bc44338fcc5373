//! To-do items (the clumsy-tools dialect's resource) and their recurrence rules.
//!
//! The original backend's repeat details were never published, so Tessera defines them
//! (see `specs/COMPAT.md`): a [`RepeatStrategy`] is a mode plus a free-form detail object
//! that is stored and echoed back verbatim, and from which a typed [`Recurrence`] is
//! parsed once. Recurrence arithmetic is pure and total over the whole [`Date`] range:
//! past the last representable date there is simply no next occurrence.

use serde_json::{Map, Value};
use time::{Date, Month, OffsetDateTime, Weekday};

use super::UserId;
use crate::error::FieldError;

/// Wire name of the detail field, used in validation errors.
const DETAIL_FIELD: &str = "repeatStrategy.modeDetail";

/// Largest `period` accepted: keeps series meaningful and arithmetic far from overflow.
pub const MAX_PERIOD: u32 = 1000;

/// How a serial item repeats, by the wire's `repeatMode` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepeatMode {
    /// Every n days, weeks, months or years from the start date.
    Period,
    /// On given weekdays.
    DaysOfWeek,
    /// On one day of every month.
    DayInMonth,
}

impl RepeatMode {
    /// The wire name (`PERIOD`, `DAYS_OF_WEEK`, `DAY_IN_MONTH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Period => "PERIOD",
            Self::DaysOfWeek => "DAYS_OF_WEEK",
            Self::DayInMonth => "DAY_IN_MONTH",
        }
    }

    /// Parses a wire name, exactly (the wire is upper case).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "PERIOD" => Some(Self::Period),
            "DAYS_OF_WEEK" => Some(Self::DaysOfWeek),
            "DAY_IN_MONTH" => Some(Self::DayInMonth),
            _ => None,
        }
    }
}

/// The unit of a `PERIOD` series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    /// Days.
    Day,
    /// Weeks (7 days).
    Week,
    /// Calendar months, counted from the start date (clamped to short months).
    Month,
    /// Calendar years, counted from the start date (Feb 29 becomes Feb 28).
    Year,
}

impl PeriodUnit {
    /// The wire name (`DAY`, `WEEK`, `MONTH`, `YEAR`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "DAY",
            Self::Week => "WEEK",
            Self::Month => "MONTH",
            Self::Year => "YEAR",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "DAY" => Some(Self::Day),
            "WEEK" => Some(Self::Week),
            "MONTH" => Some(Self::Month),
            "YEAR" => Some(Self::Year),
            _ => None,
        }
    }
}

/// A set of weekdays, so duplicates in the wire list are harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WeekdaySet(u8);

impl WeekdaySet {
    /// Adds a day.
    #[must_use]
    pub fn with(self, day: Weekday) -> Self {
        Self(self.0 | (1 << day.number_days_from_monday()))
    }

    /// Whether the set holds `day`.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.number_days_from_monday()) != 0
    }

    /// Whether no day is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The typed schedule of a serial item, parsed from its mode and detail object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recurrence {
    /// `start + k·period units`, k = 0, 1, 2, …
    Period {
        /// 1..=[`MAX_PERIOD`].
        period: u32,
        /// The unit.
        unit: PeriodUnit,
    },
    /// Every day (on or after the start) whose weekday is in the set (never empty).
    DaysOfWeek(WeekdaySet),
    /// Day N (1..=31) of every month, or the month's last day when it is shorter.
    DayInMonth(u8),
}

/// A repeat strategy as the client sent it: the mode, the detail object (kept verbatim,
/// unknown keys included, so clients get back exactly what they stored) and the schedule
/// parsed from them. Built only by [`RepeatStrategy::parse`], so it is always valid.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatStrategy {
    mode: RepeatMode,
    detail: Map<String, Value>,
    recurrence: Recurrence,
}

impl RepeatStrategy {
    /// Parses the detail object for `mode`. Errors name `repeatStrategy.modeDetail` with
    /// tag `format` (wrong shape or names), `min` or `max` (numbers out of range).
    pub fn parse(mode: RepeatMode, detail: Map<String, Value>) -> Result<Self, FieldError> {
        let recurrence = match mode {
            RepeatMode::Period => parse_period(&detail)?,
            RepeatMode::DaysOfWeek => parse_days_of_week(&detail)?,
            RepeatMode::DayInMonth => parse_day_in_month(&detail)?,
        };
        Ok(Self {
            mode,
            detail,
            recurrence,
        })
    }

    /// The mode.
    pub fn mode(&self) -> RepeatMode {
        self.mode
    }

    /// The detail object exactly as given.
    pub fn detail(&self) -> &Map<String, Value> {
        &self.detail
    }

    /// The schedule.
    pub fn recurrence(&self) -> Recurrence {
        self.recurrence
    }
}

fn detail_err(tag: &'static str) -> FieldError {
    FieldError {
        field: DETAIL_FIELD,
        tag,
    }
}

/// An integer member, distinguishing "not an integer" from "out of range".
fn int_member(
    detail: &Map<String, Value>,
    key: &str,
    min: i64,
    max: i64,
) -> Result<i64, FieldError> {
    let value = detail.get(key).ok_or(detail_err("format"))?;
    let n = match (value.as_i64(), value.as_u64()) {
        (Some(n), _) => n,
        (None, Some(_)) => return Err(detail_err("max")),
        (None, None) => return Err(detail_err("format")),
    };
    if n < min {
        return Err(detail_err("min"));
    }
    if n > max {
        return Err(detail_err("max"));
    }
    Ok(n)
}

fn parse_period(detail: &Map<String, Value>) -> Result<Recurrence, FieldError> {
    let period = int_member(detail, "period", 1, i64::from(MAX_PERIOD))?;
    let unit = detail
        .get("unit")
        .and_then(Value::as_str)
        .and_then(PeriodUnit::parse)
        .ok_or(detail_err("format"))?;
    let period = u32::try_from(period).map_err(|_| detail_err("max"))?;
    Ok(Recurrence::Period { period, unit })
}

fn parse_days_of_week(detail: &Map<String, Value>) -> Result<Recurrence, FieldError> {
    let days = detail
        .get("daysOfWeek")
        .and_then(Value::as_array)
        .ok_or(detail_err("format"))?;
    let mut set = WeekdaySet::default();
    for day in days {
        let day = day
            .as_str()
            .and_then(parse_weekday)
            .ok_or(detail_err("format"))?;
        set = set.with(day);
    }
    if set.is_empty() {
        return Err(detail_err("min"));
    }
    Ok(Recurrence::DaysOfWeek(set))
}

fn parse_day_in_month(detail: &Map<String, Value>) -> Result<Recurrence, FieldError> {
    let n = int_member(detail, "dayInMonth", 1, 31)?;
    let n = u8::try_from(n).map_err(|_| detail_err("max"))?;
    Ok(Recurrence::DayInMonth(n))
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "MONDAY" => Weekday::Monday,
        "TUESDAY" => Weekday::Tuesday,
        "WEDNESDAY" => Weekday::Wednesday,
        "THURSDAY" => Weekday::Thursday,
        "FRIDAY" => Weekday::Friday,
        "SATURDAY" => Weekday::Saturday,
        "SUNDAY" => Weekday::Sunday,
        _ => return None,
    })
}

/// The first occurrence, on or after `on_or_after`, of the series `strategy` that started
/// at `start`. `None` when it would lie past the last representable date.
pub fn next_occurrence(strategy: &RepeatStrategy, start: Date, on_or_after: Date) -> Option<Date> {
    strategy.recurrence.next_occurrence(start, on_or_after)
}

impl Recurrence {
    /// See [`next_occurrence`].
    pub fn next_occurrence(self, start: Date, on_or_after: Date) -> Option<Date> {
        let from = start.max(on_or_after);
        match self {
            Self::Period { period, unit } => match unit {
                PeriodUnit::Day => by_days(start, from, i64::from(period)),
                PeriodUnit::Week => by_days(start, from, 7 * i64::from(period)),
                PeriodUnit::Month => by_months(start, from, i64::from(period)),
                PeriodUnit::Year => by_months(start, from, 12 * i64::from(period)),
            },
            Self::DaysOfWeek(set) => {
                let mut day = from;
                // Seven consecutive days cover every weekday; the set is never empty.
                for _ in 0..7 {
                    if set.contains(day.weekday()) {
                        return Some(day);
                    }
                    day = day.next_day()?;
                }
                None
            }
            Self::DayInMonth(n) => {
                let here = month_day(month_index(from), n)?;
                if here >= from {
                    Some(here)
                } else {
                    month_day(month_index(from) + 1, n)
                }
            }
        }
    }
}

/// `start + k·step` days with the smallest k ≥ 0 that reaches `from` (≥ `start`).
fn by_days(start: Date, from: Date, step: i64) -> Option<Date> {
    let gap = i64::from(from.to_julian_day()) - i64::from(start.to_julian_day());
    let k = (gap + step - 1).div_euclid(step);
    let day = i64::from(start.to_julian_day()) + k * step;
    Date::from_julian_day(i32::try_from(day).ok()?).ok()
}

/// `start` plus k·step calendar months (each counted from `start`, clamped to the month's
/// last day, so the series never drifts), with the smallest k ≥ 0 that reaches `from`.
fn by_months(start: Date, from: Date, step: i64) -> Option<Date> {
    let first = month_index(start);
    let gap = month_index(from) - first;
    // Occurrences in months before `from`'s month are too early; the first one in or
    // after that month is too early only when it falls in that month before `from`.
    let k = (gap + step - 1).div_euclid(step).max(0);
    let candidate = month_day(first + k * step, start.day())?;
    if candidate >= from {
        Some(candidate)
    } else {
        month_day(first + (k + 1) * step, start.day())
    }
}

/// Months since year 0, so month arithmetic is integer arithmetic.
fn month_index(d: Date) -> i64 {
    i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1
}

/// Day `n` of the month with index `index`, or its last day when the month is shorter.
fn month_day(index: i64, n: u8) -> Option<Date> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    Date::from_calendar_date(year, month, n.min(month.length(year))).ok()
}

/// Whether an item is one-off or serial (the wire's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TodoKind {
    /// No repeat strategy.
    Normal,
    /// Has a repeat strategy.
    Serial,
}

impl TodoKind {
    /// The wire name (`NORMAL`, `SERIAL`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Serial => "SERIAL",
        }
    }
}

/// A stored to-do item.
#[derive(Debug, Clone, PartialEq)]
pub struct TodoItem {
    /// Numeric id (the wire's `id` is an int64), assigned by the store in increasing order.
    pub id: i64,
    /// The owner; every operation is scoped to it.
    pub user_id: UserId,
    /// What to do (trimmed, 1..=200 characters).
    pub task: String,
    /// Optional notes (at most 2000 characters).
    pub more_info: Option<String>,
    /// The day to do it, or the start of a series.
    pub date: Option<Date>,
    /// Present for serial items.
    pub repeat: Option<RepeatStrategy>,
    /// Set when a one-off item is done (serial items stay open).
    pub finished: bool,
    /// The last occurrence of a serial item marked done: the next one is after it.
    pub done_through: Option<Date>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change (edit or finish).
    pub updated_at: OffsetDateTime,
}

impl TodoItem {
    /// `Serial` when the item has a repeat strategy.
    pub fn kind(&self) -> TodoKind {
        if self.repeat.is_some() {
            TodoKind::Serial
        } else {
            TodoKind::Normal
        }
    }

    /// The next occurrence still to do, seen on `today`: the first occurrence on or after
    /// both `today` and the day after `done_through`. One-off items have none.
    pub fn next_date(&self, today: Date) -> Option<Date> {
        let repeat = self.repeat.as_ref()?;
        let start = self.date?;
        let from = match self.done_through {
            Some(done) => today.max(done.next_day()?),
            None => today,
        };
        next_occurrence(repeat, start, from)
    }
}

/// A to-do item to insert; the store assigns the id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTodoItem {
    /// The owner.
    pub user_id: UserId,
    /// What to do.
    pub task: String,
    /// Optional notes.
    pub more_info: Option<String>,
    /// The day to do it, or the start of a series.
    pub date: Option<Date>,
    /// Present for serial items.
    pub repeat: Option<RepeatStrategy>,
    /// Creation time (also the first `updated_at`).
    pub created_at: OffsetDateTime,
}

/// The editable fields of an unfinished item, written together by an update.
#[derive(Debug, Clone, PartialEq)]
pub struct TodoChange {
    /// What to do.
    pub task: String,
    /// Optional notes.
    pub more_info: Option<String>,
    /// The day to do it, or the start of a series.
    pub date: Option<Date>,
    /// Present for serial items.
    pub repeat: Option<RepeatStrategy>,
    /// Forget which occurrences were done (the schedule changed).
    pub reset_done_through: bool,
    /// Time of the change.
    pub updated_at: OffsetDateTime,
}
