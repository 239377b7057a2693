//! Times as Graph, `az`, PowerShell and the Okta API write them, shared by the Entra and Okta
//! adapters (formats-cloud-saas.md §0.1, §2):
//! RFC 3339 in UTC with 0 to 7 fraction digits (`2026-08-03T14:22:51.3378545Z`), the Windows
//! PowerShell 5.1 `ConvertTo-Json` form `/Date(1785766971000)/` (epoch milliseconds, optionally
//! with an informational `+0200` offset), PowerShell 7's offset-less `2026-08-03T14:22:51.3378545`
//! (Graph times are UTC, so taken as UTC), and, only when the user says so, the en-US
//! `Export-Csv` text `8/3/2026 2:22:51 PM` (also taken as UTC: the Graph SDK keeps UTC values).
//!
//! Sentinels: `0001-01-01` (.NET `DateTime.MinValue`), the epoch and earlier are `Unknown`;
//! year 9999 (`DateTime.MaxValue`, `9999-12-31T23:59:59.9999999Z`) is `Never`. Callers that read
//! a time that cannot be "never" (a creation time) turn `Never` into `Unknown` with
//! [`not_never`].

use crate::inventory::When;
use jiff::civil::DateTime;
use jiff::Timestamp;

/// Why a time string was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeError {
    /// Not a time in any known form.
    NotATime,
    /// Locale text (`8/3/2026 2:22:51 PM`, `03.08.2026 14:22:51`): ambiguous without the locale.
    Locale,
}

/// Parses one time value. `assume_us` enables `M/D/YYYY h:mm:ss AM/PM` (en-US `Export-Csv`).
pub(crate) fn parse(text: &str, assume_us: bool) -> Result<When, TimeError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(When::Unknown);
    }
    if let Some(ms) = text
        .strip_prefix("/Date(")
        .and_then(|r| r.strip_suffix(")/"))
    {
        return ms_date(ms).ok_or(TimeError::NotATime);
    }
    // `DateTime.MaxValue` and friends: beyond what a timestamp can hold in every offset.
    if text.starts_with("9999-") && text.len() >= 10 {
        return Ok(When::Never);
    }
    if let Some(w) = When::parse_instant(text) {
        return Ok(w);
    }
    // PowerShell 7 writes a DateTime of unspecified kind without an offset.
    if let Ok(dt) = text.parse::<DateTime>() {
        if text.len() >= 19 && text.as_bytes().get(10) == Some(&b'T') {
            return Ok(civil_utc(dt));
        }
    }
    if looks_like_locale(text) {
        if assume_us {
            return us_date(text).ok_or(TimeError::Locale);
        }
        return Err(TimeError::Locale);
    }
    Err(TimeError::NotATime)
}

/// `Never` is not a meaningful value for creation or change times.
pub(crate) fn not_never(w: When) -> When {
    if w == When::Never {
        When::Unknown
    } else {
        w
    }
}

/// Whether `text` is a time in a locale's own notation: digits separated by `/`, `.` or `-`
/// in an order other than ISO's, followed by a clock time.
pub(crate) fn looks_like_locale(text: &str) -> bool {
    let mut parts = text.split_whitespace();
    let Some(date) = parts.next() else {
        return false;
    };
    let Some(clock) = parts.next() else {
        return false;
    };
    let fields: Vec<&str> = date.split(['/', '.', '-']).collect();
    let date_ok = fields.len() == 3
        && fields
            .iter()
            .all(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && fields.first().is_some_and(|f| f.len() <= 2);
    let clock_ok = clock.contains(':')
        && clock
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.');
    date_ok && clock_ok
}

/// `M/D/YYYY h:mm[:ss] AM|PM` or `M/D/YYYY H:mm[:ss]` (en-US), read as UTC.
fn us_date(text: &str) -> Option<When> {
    let mut parts = text.split_whitespace();
    let date = parts.next()?;
    let clock = parts.next()?;
    let meridiem = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let mut d = date.split('/');
    let month: i8 = d.next()?.parse().ok()?;
    let day: i8 = d.next()?.parse().ok()?;
    let year: i16 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1000..=9999).contains(&year) {
        return None;
    }
    let mut c = clock.split(':');
    let mut hour: i8 = c.next()?.parse().ok()?;
    let minute: i8 = c.next()?.parse().ok()?;
    let second: i8 = match c.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if c.next().is_some() {
        return None;
    }
    match meridiem.map(str::to_ascii_uppercase).as_deref() {
        Some("AM") if (1..=12).contains(&hour) => hour %= 12,
        Some("PM") if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        None => {}
        _ => return None,
    }
    let dt = DateTime::new(year, month, day, hour, minute, second, 0).ok()?;
    Some(civil_utc(dt))
}

fn civil_utc(dt: DateTime) -> When {
    if dt.year() >= 9999 {
        return When::Never;
    }
    match jiff::tz::TimeZone::UTC.to_timestamp(dt) {
        Ok(ts) => When::from_timestamp(ts),
        Err(_) => When::Unknown,
    }
}

/// The inside of `/Date(...)/`: signed epoch milliseconds, then an optional `+hhmm`/`-hhmm`.
fn ms_date(inner: &str) -> Option<When> {
    let (sign, digits) = match inner.strip_prefix('-') {
        Some(rest) => (-1i64, rest),
        None => (1, inner),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let (num, offset) = digits.split_at(end);
    if num.is_empty() {
        return None;
    }
    if !offset.is_empty() {
        let ok = offset.len() == 5
            && (offset.starts_with('+') || offset.starts_with('-'))
            && offset.bytes().skip(1).all(|b| b.is_ascii_digit());
        if !ok {
            return None;
        }
    }
    let ms: i64 = num.parse::<i64>().ok()?.checked_mul(sign)?;
    // DateTime.MaxValue is 253402300799999.
    if ms >= 253_402_214_400_000 {
        return Some(When::Never);
    }
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => Some(When::from_timestamp(ts)),
        Err(_) => Some(When::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> When {
        When::parse_instant(s).unwrap_or(When::Unknown)
    }

    #[test]
    fn graph_and_powershell_forms() {
        let reset = t("2026-08-03T14:22:51Z");
        assert_eq!(parse("2026-08-03T14:22:51Z", false), Ok(reset));
        assert_eq!(
            parse("2026-08-03T14:22:51.3378545Z", false).map(|w| w.to_string()),
            Ok("2026-08-03T14:22:51Z".into())
        );
        assert_eq!(parse("/Date(1785766971000)/", false), Ok(reset));
        assert_eq!(parse("/Date(1785766971000+0200)/", false), Ok(reset));
        assert_eq!(
            parse("2026-08-03T14:22:51.3378545", false).map(|w| w.to_string()),
            Ok("2026-08-03T14:22:51Z".into())
        );
        assert_eq!(parse("2026-08-03T16:22:51+02:00", false), Ok(reset));
    }

    #[test]
    fn sentinels() {
        assert_eq!(parse("0001-01-01T00:00:00Z", false), Ok(When::Unknown));
        assert_eq!(parse("1970-01-01T00:00:00Z", false), Ok(When::Unknown));
        assert_eq!(parse("/Date(-62135596800000)/", false), Ok(When::Unknown));
        assert_eq!(parse("/Date(0)/", false), Ok(When::Unknown));
        assert_eq!(
            parse("9999-12-31T23:59:59.9999999Z", false),
            Ok(When::Never)
        );
        assert_eq!(parse("/Date(253402300799999)/", false), Ok(When::Never));
        assert_eq!(parse("", false), Ok(When::Unknown));
        assert_eq!(not_never(When::Never), When::Unknown);
    }

    #[test]
    fn locale_text_needs_the_option() {
        assert_eq!(parse("8/3/2026 2:22:51 PM", false), Err(TimeError::Locale));
        assert_eq!(parse("03.08.2026 14:22:51", false), Err(TimeError::Locale));
        assert_eq!(
            parse("8/3/2026 2:22:51 PM", true),
            Ok(t("2026-08-03T14:22:51Z"))
        );
        assert_eq!(
            parse("8/3/2026 12:05:00 AM", true),
            Ok(t("2026-08-03T00:05:00Z"))
        );
        assert_eq!(parse("13/8/2026 2:22:51 PM", true), Err(TimeError::Locale));
        assert_eq!(parse("03.08.2026 14:22:51", true), Err(TimeError::Locale));
        assert_eq!(parse("yesterday", true), Err(TimeError::NotATime));
        assert_eq!(parse("/Date(abc)/", false), Err(TimeError::NotATime));
        assert_eq!(
            parse("/Date(99999999999999999999)/", false),
            Err(TimeError::NotATime)
        );
    }
}
