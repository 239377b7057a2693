//! rsyslog: `etc/rsyslog.conf` with `$IncludeConfig GLOB` and `include(file="GLOB")` expanded in
//! place (files in name order, as rsyslog's glob does), legacy selector lines
//! (`auth,authpriv.* /var/log/auth.log`, `*.*;auth,authpriv.none -/var/log/syslog`, `& stop`)
//! and `action(...)` statements after a selector, spanning lines. Rules apply in order and a
//! `stop` (or legacy `~`) ends processing, so a drop-in read before the shipped rules can drop
//! auth messages before auth.log sees them. Emits `rsyslog:auth_routing` = `none` (nothing
//! receives auth/authpriv at info), `local` (files, pipes or users only) or `remote` (`@host`,
//! `@@host`, `omfwd`, `omrelp`), with the line that decided it. syslog-ng has its own module
//! (`syslog_ng`); `logging::scan` passes the better of the two routings to journald.

use super::{emit, text};
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::{join, HostFs};
use crate::source::Output;

const CONF: &str = "/etc/rsyslog.conf";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Routing {
    None,
    Local,
    Remote,
}

impl Routing {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Routing::None => "none",
            Routing::Local => "local",
            Routing::Remote => "remote",
        }
    }
}

/// What rsyslog does with auth messages: `None` when its configuration was not collected.
pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) -> Option<Routing> {
    let conf = text(fs, CONF, out)?;
    let mut lines = Vec::new();
    expand(fs, CONF, &conf, 0, &mut lines, out);
    let (routing, ev) = route(&lines);
    let ev = ev.unwrap_or_else(|| Evidence::new(fs.evidence_path(CONF), None));
    emit(
        out,
        system,
        "rsyslog",
        "auth_routing",
        routing.as_str(),
        Scope::Global,
        ev,
    );
    Some(routing)
}

/// One logical statement with the evidence of its first line.
type Stmt = (String, Evidence);

fn expand(fs: &HostFs, path: &str, text_: &str, depth: u32, acc: &mut Vec<Stmt>, out: &mut Output) {
    if depth > 16 {
        return;
    }
    let shown = fs.evidence_path(path);
    let mut pending: Option<(String, Evidence)> = None;
    for (n, raw) in crate::source::numbered_lines(text_) {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let (stmt, ev) = match pending.take() {
            Some((mut s, ev)) => {
                s.push(' ');
                s.push_str(line);
                (s, ev)
            }
            None => (line.to_string(), Evidence::at(&shown, n)),
        };
        if stmt.matches('(').count() > stmt.matches(')').count() {
            pending = Some((stmt, ev));
            continue;
        }
        let glob = if let Some(rest) = stmt.strip_prefix("$IncludeConfig") {
            Some(rest.trim().to_string())
        } else if stmt.starts_with("include(") {
            param(&stmt, "file")
        } else {
            None
        };
        match glob {
            Some(g) => {
                let g = join(&crate::source::linux::fs::parent(path), &g);
                let g = if g.ends_with('/') { format!("{g}*") } else { g };
                for f in fs.glob(&g, out) {
                    if let Some(t) = text(fs, &f, out) {
                        expand(fs, &f, &t, depth + 1, acc, out);
                    }
                }
            }
            None => acc.push((stmt, ev)),
        }
    }
}

fn strip_comment(l: &str) -> &str {
    // `#` starts a comment outside quotes.
    let mut quoted = false;
    for (i, c) in l.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &l[..i],
            _ => {}
        }
    }
    l
}

/// `name="value"` inside a RainerScript statement.
fn param(stmt: &str, name: &str) -> Option<String> {
    let lower = stmt.to_ascii_lowercase();
    let at = lower.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = stmt.get(at..)?;
    Some(rest.split('"').next()?.to_string())
}

/// Walks the rules in order for an `auth` and for an `authpriv` message at info (sshd logs to
/// auth by default, sudo and PAM to authpriv): the routing of the worse of the two, each the best
/// it reaches before any `stop`, and the line that decided it.
fn route(lines: &[Stmt]) -> (Routing, Option<Evidence>) {
    let auth = route_one(lines, "auth");
    let authpriv = route_one(lines, "authpriv");
    if authpriv.0 < auth.0 {
        authpriv
    } else {
        auth
    }
}

fn route_one(lines: &[Stmt], facility: &str) -> (Routing, Option<Evidence>) {
    let mut best = (Routing::None, None);
    let mut last_match = false;
    for (stmt, ev) in lines {
        let (matches, action) = if let Some(rest) = stmt.strip_prefix('&') {
            (last_match, rest.trim())
        } else if stmt.starts_with('$')
            || stmt.starts_with("module(")
            || stmt.starts_with("input(")
            || stmt.starts_with("global(")
            || stmt.starts_with("template(")
        {
            continue;
        } else {
            let Some((sel, action)) = split_selector(stmt) else {
                continue;
            };
            last_match = selects(sel, facility);
            (last_match, action)
        };
        if !matches {
            continue;
        }
        let a = action.trim().to_ascii_lowercase();
        if a == "stop" || a == "~" || a.starts_with("stop ") {
            if best.0 == Routing::None {
                best.1 = Some(ev.clone());
            }
            return best;
        }
        let r = if a.starts_with('@') || a.contains("omfwd") || a.contains("omrelp") {
            Routing::Remote
        } else {
            Routing::Local
        };
        if r > best.0 {
            best = (r, Some(ev.clone()));
        }
    }
    best
}

/// Splits `SELECTOR ACTION` (the selector has no blanks, or blanks only after `;`/`,`).
fn split_selector(stmt: &str) -> Option<(&str, &str)> {
    let first = stmt.split_whitespace().next()?;
    if !first.contains('.') || first.starts_with(':') || first.starts_with("if") {
        return None;
    }
    let idx = stmt.find(char::is_whitespace)?;
    Some((&stmt[..idx], &stmt[idx..]))
}

/// Whether `facility.priority;...` selects `facility` (`auth` or `authpriv`; `security` is
/// auth's old name) at info: later parts override earlier ones, as rsyslog applies them.
fn selects(sel: &str, facility: &str) -> bool {
    let mut selected = false;
    for part in sel.split(';') {
        let Some((facs, prio)) = part.rsplit_once('.') else {
            continue;
        };
        let prio = prio.to_ascii_lowercase();
        let on = match prio.trim_start_matches('=') {
            "none" => false,
            "*" | "debug" | "info" => !prio.starts_with('!'),
            _ => continue,
        };
        for f in facs.split(',') {
            let f = f.trim().to_ascii_lowercase();
            if f == "*" || f == facility || (facility == "auth" && f == "security") {
                selected = on;
            }
        }
    }
    selected
}

#[cfg(test)]
pub(super) fn route_text(t: &str) -> Routing {
    let lines: Vec<Stmt> = super::content_lines(t)
        .map(|(n, l)| (l.to_string(), Evidence::at("x", n)))
        .collect();
    route(&lines).0
}
