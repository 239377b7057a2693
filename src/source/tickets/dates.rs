//! Ticket times as the help desks write them:
//! - RFC 3339 with an offset (ServiceNow API with `sysparm_display_value=false` writes
//!   `2026-08-20 10:15:02` in UTC; Jira REST writes `2026-08-20T10:15:02.000+0200`, an offset
//!   without a colon);
//! - ServiceNow's `2026-08-20 10:15:02` (or without seconds), the instance's or the exporting
//!   user's time zone;
//! - Jira's CSV `20/Aug/26 10:15 AM` (the default `dd/MMM/yy h:mm a`, also with a four-digit
//!   year or 24-hour time), the exporting user's time zone;
//! - any other format through the source's `date_format` (strftime).
//!
//! A time without an offset is read in the source's `timezone` (UTC unless configured). Numeric
//! day/month orders (`08/20/2026`) are ambiguous and need `date_format`.

use crate::inventory::When;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Reads one cell. `Ok(Unknown)` for an empty cell; `Err` with what was expected otherwise.
pub fn parse(text: &str, tz: &TimeZone, format: Option<&str>) -> Result<When, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(When::Unknown);
    }
    if let Some(format) = format {
        if let Ok(tm) = jiff::fmt::strtime::parse(format, text) {
            if let Ok(ts) = tm.to_timestamp() {
                return Ok(When::from_timestamp(ts));
            }
            if let Ok(dt) = tm.to_datetime() {
                return civil(dt, tz);
            }
        }
        return Err("does not match `date_format`");
    }
    if let Some(w) = When::parse_instant(text) {
        return Ok(w);
    }
    // `+0200` / `-0530` at the end: Jira's REST offset.
    if let Some(fixed) = colon_offset(text) {
        if let Some(w) = When::parse_instant(&fixed) {
            return Ok(w);
        }
    }
    if let Ok(dt) = text.replace(' ', "T").parse::<DateTime>() {
        return civil(dt, tz);
    }
    if let Some(dt) = jira_csv(text) {
        return civil(dt, tz);
    }
    Err("is not a date the export formats use (set `date_format`)")
}

fn civil(dt: DateTime, tz: &TimeZone) -> Result<When, &'static str> {
    tz.to_timestamp(dt)
        .map(When::from_timestamp)
        .map_err(|_| "is out of range")
}

fn colon_offset(text: &str) -> Option<String> {
    let n = text.len();
    let (head, tail) = (text.get(..n.checked_sub(5)?)?, text.get(n - 5..)?);
    let b = tail.as_bytes();
    ((b[0] == b'+' || b[0] == b'-') && b[1..].iter().all(u8::is_ascii_digit))
        .then(|| format!("{head}{}:{}", &tail[..3], &tail[3..]))
}

/// `20/Aug/26 10:15 AM`, `20/Aug/2026 10:15 PM`, `20/Aug/26 22:15`.
fn jira_csv(text: &str) -> Option<DateTime> {
    let mut parts = text.split_whitespace();
    let date = parts.next()?;
    let time = parts.next()?;
    let ampm = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let mut d = date.split('/');
    let day: i8 = d.next()?.parse().ok()?;
    let month_text = d.next()?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == month_text)? as i8 + 1;
    let year_text = d.next()?;
    if d.next().is_some() {
        return None;
    }
    let year: i16 = match year_text.len() {
        2 => 2000 + year_text.parse::<i16>().ok()?,
        4 => year_text.parse().ok()?,
        _ => return None,
    };
    let (h, m) = time.split_once(':')?;
    let (mut hour, minute): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    match ampm.map(str::to_ascii_uppercase).as_deref() {
        Some("AM") if (1..=12).contains(&hour) => hour %= 12,
        Some("PM") if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        None if (0..24).contains(&hour) => {}
        _ => return None,
    }
    let date = Date::new(year, month, day).ok()?;
    let time = Time::new(hour, minute, 0, 0).ok()?;
    Some(date.to_datetime(time))
}
