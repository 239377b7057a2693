//! Host logging configuration that decides whether a login, a password change or privilege use
//! leaves a trace: auditd, journald, rsyslog/syslog-ng, PAM and login.defs. Each format has its
//! own small parser here; this file owns the shared helpers (emitting a `Record::Setting` with
//! the file and line that decided it) and the order in which the parsers run. Every setting is
//! emitted only for a program whose configuration was collected ("installed"), so a host tree
//! without it is judged by nobody (the coverage table says what RG401 needs). A setting that is
//! absent is emitted with its documented default and evidence without a line; RG401 reads the
//! settings and cites the defaults. Formats: `formats-host.md` §2.2, §2.3, (b).

mod auditd;
mod journald;
mod pam;
mod rsyslog;
mod syslog_ng;

use super::fs::{Fetch, HostFs};
use crate::inventory::{Evidence, Record, Scope, Setting};
use crate::source::Output;

/// Parses every logging configuration on the host and emits its settings.
pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    auditd::scan(fs, system, out);
    let rsyslog = rsyslog::scan(fs, system, out);
    let syslog_ng = syslog_ng::scan(fs, system, out);
    // Both configurations collected (a leftover of the one replaced, or both running): the
    // better routing keeps auth messages, and journald is told which daemon that is.
    let syslog = match (rsyslog, syslog_ng) {
        (Some(a), Some(b)) if a == b => Some((a, "rsyslog and syslog-ng")),
        (Some(a), Some(b)) if a > b => Some((a, "rsyslog")),
        (Some(a), None) => Some((a, "rsyslog")),
        (_, Some(b)) => Some((b, "syslog-ng")),
        (None, None) => None,
    };
    journald::scan(fs, system, syslog, out);
    pam::scan(fs, system, out);
    pam::login_defs(fs, system, out);
}

/// Emits one setting of `component`.
pub(crate) fn emit(
    out: &mut Output,
    system: &str,
    component: &str,
    key: &str,
    value: impl Into<String>,
    scope: Scope,
    evidence: Evidence,
) {
    out.record(Record::Setting(Setting {
        system: system.to_string(),
        component: component.to_string(),
        key: key.to_string(),
        value: value.into(),
        scope,
        evidence: Some(evidence),
    }));
}

/// The text of a host file, `None` when absent or unusable.
pub(crate) fn text(fs: &HostFs, path: &str, out: &mut Output) -> Option<String> {
    match fs.read(path, out) {
        Fetch::Text(t) => Some(t),
        Fetch::Missing | Fetch::Failed => None,
    }
}

/// Compares file names as `ls -v` (GNU version sort) orders them: runs of digits by value.
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let nx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ny = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..nx], &y[..ny]);
                let tx = trim_zeros(dx);
                let ty = trim_zeros(dy);
                let ord = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[nx..];
                y = &y[ny..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|c| **c == b'0').count();
    &d[n.min(d.len().saturating_sub(1))..]
}

/// Lines with their 1-based numbers, `#` comments (at line start, after blanks) and blank lines
/// dropped, trailing `\r` removed.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    crate::source::numbered_lines(text)
        .map(|(n, l)| (n, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

#[cfg(test)]
mod tests;
