//! PostgreSQL password file (`~/.pgpass`, `%APPDATA%\postgresql\pgpass.conf`), as libpq's
//! `passwordFromFile` reads it: `hostname:port:database:username:password`, `*` matching
//! anything in the first four fields, `\:` and `\\` escapes, lines starting with `#` ignored.
//! The password runs to the next unescaped `:` (anything after it is ignored by libpq).
//!
//! One credential per line with a password, owned by the username unless it is `*`.

use super::{emit, CredFile, Found};
use crate::diag::Diagnostic;
use crate::source::secret_id::FileSecrets;
use crate::source::{numbered_lines, Output};

/// The `:`-separated fields of a line, unescaped.
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => push(&mut out, next),
                None => push(&mut out, '\\'),
            },
            ':' => out.push(String::new()),
            c => push(&mut out, c),
        }
    }
    out
}

fn push(fields: &mut [String], c: char) {
    if let Some(last) = fields.last_mut() {
        last.push(c);
    }
}

/// A line exactly shaped `host:port:db:user:password`: the first four fields non-empty and
/// without whitespace, the port `*` or 1-5 digits, a password.
fn strict_shape(f: &[String]) -> bool {
    let port_ok =
        |p: &str| p == "*" || ((1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    f.len() == 5
        && f.iter()
            .take(4)
            .all(|x| !x.is_empty() && !x.contains(char::is_whitespace))
        && f.get(1).is_some_and(|p| port_ok(p))
        && f.get(4).is_some_and(|p| !p.is_empty())
}

fn is_comment_or_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Named `.pgpass`/`pgpass.conf` with a 5-field line; or every complete data line strictly
/// shaped (at least one).
pub(super) fn sniff(head: &str, name: &str) -> bool {
    let named = matches!(name, ".pgpass" | "pgpass.conf" | "pgpass");
    let mut good = 0usize;
    for line in head.lines().filter(|l| !is_comment_or_blank(l)) {
        let f = fields(line.trim_end_matches('\r'));
        if strict_shape(&f) || (named && f.len() >= 5) {
            good += 1;
        } else if !named {
            return false;
        }
    }
    good > 0
}

pub(super) fn parse(path: &str, text: &str, namer: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    for (n, line) in numbered_lines(text) {
        if is_comment_or_blank(line) {
            continue;
        }
        let f = fields(line);
        let (Some(host), Some(port), Some(db), Some(user), Some(password)) =
            (f.first(), f.get(1), f.get(2), f.get(3), f.get(4))
        else {
            out.diag(Diagnostic::malformed(
                path,
                n,
                format!(
                    "expected `hostname:port:database:username:password`, found {} field{}",
                    f.len(),
                    if f.len() == 1 { "" } else { "s" }
                ),
            ));
            continue;
        };
        if password.is_empty() {
            continue;
        }
        let target = format!("{}:{}/{}", printable(host), printable(port), printable(db));
        emit(
            &mut out,
            namer,
            path,
            Found {
                file: CredFile::Pgpass,
                line: n,
                secret: password,
                user: Some(user.as_str()).filter(|u| *u != "*"),
                host: Some(&target),
                what: "PostgreSQL password",
            },
        );
    }
    out
}

/// A field for a label: control characters removed, cut at 100 characters.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(100).collect()
}
