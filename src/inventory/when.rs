//! `When`: the one time type of the inventory.
//!
//! Exports are full of sentinels that look like dates or numbers (`N/A`, `no_information`,
//! `not_supported`, shadow `0` and `99999`, `1970-01-01`, Go's `0001-01-01`). A naive parse turns
//! them into very old dates and silently creates "older than N days" findings. Every time in the
//! inventory is therefore a `When` with explicit states, and every parser decides which state a
//! sentinel means (see `../shared/reference/formats-cloud-saas.md` §0.1).
//!
//! This module owns the type and the date parsers shared by several sources. It does not know any
//! source's sentinels; those live in the source adapters.

use jiff::{civil::Date, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;

/// A point in time as an export states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum When {
    /// A real, known instant (UTC).
    Known(Timestamp),
    /// The export says explicitly that this never happened (never used, never expires).
    Never,
    /// The export does not tell (field absent, `no_information`, sentinel, unparseable).
    #[default]
    Unknown,
}

impl When {
    pub fn known(self) -> Option<Timestamp> {
        match self {
            When::Known(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_known(self) -> bool {
        matches!(self, When::Known(_))
    }

    /// The later of two known instants; a known instant beats `Never`/`Unknown`.
    pub fn latest(self, other: When) -> When {
        match (self, other) {
            (When::Known(a), When::Known(b)) => When::Known(a.max(b)),
            (When::Known(a), _) | (_, When::Known(a)) => When::Known(a),
            (When::Never, _) | (_, When::Never) => When::Never,
            _ => When::Unknown,
        }
    }

    /// Strictly before `other`, when both are known.
    pub fn before(self, other: When) -> Option<bool> {
        Some(self.known()? < other.known()?)
    }

    /// Parses an RFC 3339 / ISO-8601 instant as AWS, Graph and most APIs write it:
    /// `2026-08-03T14:22:51+00:00`, `...Z`, fractional seconds, or boto3's space separator.
    /// Returns `None` when the text is not such an instant (the caller decides what that means).
    pub fn parse_instant(text: &str) -> Option<When> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Ok(ts) = text.parse::<Timestamp>() {
            return Some(Self::from_timestamp(ts));
        }
        // boto3's str(datetime): `2026-08-03 14:22:51+00:00`
        if text.len() > 10 && text.as_bytes()[10] == b' ' {
            let mut fixed = text.to_string();
            fixed.replace_range(10..11, "T");
            if let Ok(ts) = fixed.parse::<Timestamp>() {
                return Some(Self::from_timestamp(ts));
            }
        }
        None
    }

    /// A known instant, except the epoch and earlier, which exporters use as "never/unset".
    pub fn from_timestamp(ts: Timestamp) -> When {
        if ts <= Timestamp::UNIX_EPOCH {
            When::Unknown
        } else {
            When::Known(ts)
        }
    }

    /// Days since 1970-01-01 (shadow(5) `lastchg`, `expire`) to the start of that UTC day.
    pub fn from_epoch_days(days: i64) -> Option<When> {
        let secs = days.checked_mul(86_400)?;
        let ts = Timestamp::from_second(secs).ok()?;
        Some(Self::from_timestamp(ts))
    }

    pub fn from_epoch_seconds(secs: i64) -> Option<When> {
        Some(Self::from_timestamp(Timestamp::from_second(secs).ok()?))
    }

    /// The calendar day (UTC) of a known instant.
    pub fn day(self) -> Option<Date> {
        Some(jiff::tz::TimeZone::UTC.to_datetime(self.known()?).date())
    }

    /// Whole days from `self` to `as_of` (negative when `self` is later).
    pub fn days_until(self, as_of: Timestamp) -> Option<i64> {
        let t = self.known()?;
        Some((as_of.as_second() - t.as_second()).div_euclid(86_400))
    }
}

impl When {
    /// A total order for sorting records: known instants by time, then `Never`, then `Unknown`.
    pub fn sort_key(self) -> (u8, Option<Timestamp>) {
        match self {
            When::Known(t) => (0, Some(t)),
            When::Never => (1, None),
            When::Unknown => (2, None),
        }
    }
}

impl PartialOrd for When {
    /// Only known instants are ordered; anything else is incomparable.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (When::Known(a), When::Known(b)) => Some(a.cmp(b)),
            _ if self == other => Some(Ordering::Equal),
            _ => None,
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Known(t) => write!(f, "{}", format_instant(*t)),
            When::Never => f.write_str("never"),
            When::Unknown => f.write_str("unknown"),
        }
    }
}

impl Serialize for When {
    /// Reports write whole seconds (`format_instant`); inside `exact` (the shard files of
    /// `crate::shard`) a known instant keeps its fraction, so a shard read back compares, sorts
    /// and dedups exactly as the scan that wrote it.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            When::Known(t) if EXACT.with(Cell::get) => s.collect_str(t),
            _ => s.collect_str(self),
        }
    }
}

thread_local! {
    static EXACT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with `When` serialized to the nanosecond (RFC 3339 with the fraction it has) on this
/// thread: for files read back by resetgap itself, never for reports.
pub fn exact<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            EXACT.with(|e| e.set(self.0));
        }
    }
    let _reset = Reset(EXACT.with(|e| e.replace(true)));
    f()
}

impl<'de> Deserialize<'de> for When {
    /// `never`, `unknown`, or an RFC 3339 instant (as `Serialize` writes them). The instant is
    /// taken as written: the epoch sentinels were decided when the record was made.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<When, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        match text.as_ref() {
            "never" => Ok(When::Never),
            "unknown" => Ok(When::Unknown),
            t => t.parse::<Timestamp>().map(When::Known).map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{t}` is not a time (RFC 3339, `never` or `unknown`)"
                ))
            }),
        }
    }
}

/// RFC 3339 in UTC with second precision (`2026-08-03T14:22:51Z`): stable across platforms.
pub fn format_instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A day as `2026-08-03`.
pub fn format_day(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// Two times for prose, compared in one sentence: as days (`2026-08-03`), or with the time of
/// day (`2026-08-03 14:22 UTC`) when they fall on the same day and the day alone would not tell
/// them apart. Fields of reports carry full RFC 3339 (`format_instant`).
pub fn format_pair(a: Timestamp, b: Timestamp) -> (String, String) {
    if format_day(a) == format_day(b) {
        let f = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M UTC").to_string();
        (f(a), f(b))
    } else {
        (format_day(a), format_day(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_show_the_time_only_when_the_day_is_the_same() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            format_pair(t("2026-08-03T14:22:51Z"), t("2026-08-04T01:00:00Z")),
            ("2026-08-03".to_string(), "2026-08-04".to_string())
        );
        assert_eq!(
            format_pair(t("2026-08-03T14:22:51Z"), t("2026-08-03T16:00:00Z")),
            (
                "2026-08-03 14:22 UTC".to_string(),
                "2026-08-03 16:00 UTC".to_string()
            )
        );
    }

    #[test]
    fn round_trips_through_json_exactly() {
        let t = "2026-08-03T14:22:51.3378545Z".parse::<Timestamp>().unwrap();
        for w in [When::Known(t), When::Never, When::Unknown] {
            let text = exact(|| serde_json::to_string(&w).unwrap());
            assert_eq!(serde_json::from_str::<When>(&text).unwrap(), w, "{text}");
        }
        // Reports keep whole seconds; `exact` ends with its closure.
        assert_eq!(
            serde_json::to_string(&When::Known(t)).unwrap(),
            "\"2026-08-03T14:22:51Z\""
        );
        assert_eq!(
            exact(|| serde_json::to_string(&When::Known(t)).unwrap()),
            "\"2026-08-03T14:22:51.3378545Z\""
        );
        assert!(serde_json::from_str::<When>("\"yesterday\"").is_err());
    }

    #[test]
    fn parses_aws_and_graph_forms() {
        let a = When::parse_instant("2026-08-03T14:22:51+00:00").unwrap();
        let b = When::parse_instant("2026-08-03T14:22:51Z").unwrap();
        let c = When::parse_instant("2026-08-03 14:22:51+00:00").unwrap();
        let d = When::parse_instant("2026-08-03T14:22:51.3378545Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(d.to_string(), "2026-08-03T14:22:51Z");
    }

    #[test]
    fn sentinels_are_not_dates() {
        assert_eq!(When::parse_instant("N/A"), None);
        assert_eq!(When::parse_instant(""), None);
        assert_eq!(
            When::parse_instant("1970-01-01T00:00:00Z"),
            Some(When::Unknown)
        );
        assert_eq!(When::from_epoch_days(0), Some(When::Unknown));
    }

    #[test]
    fn shadow_days() {
        let w = When::from_epoch_days(20089).unwrap();
        assert_eq!(w.to_string(), "2025-01-01T00:00:00Z");
        assert_eq!(
            When::from_epoch_days(19500)
                .unwrap()
                .day()
                .unwrap()
                .to_string(),
            "2023-05-23"
        );
    }

    #[test]
    fn ordering_only_for_known() {
        let a = When::parse_instant("2024-01-01T00:00:00Z").unwrap();
        let b = When::parse_instant("2025-01-01T00:00:00Z").unwrap();
        assert!(a < b);
        assert_eq!(a.before(b), Some(true));
        assert_eq!(When::Unknown.before(b), None);
        assert_eq!(When::Never.partial_cmp(&a), None);
        assert_eq!(a.latest(When::Unknown), a);
        assert_eq!(a.latest(b), b);
    }
}
