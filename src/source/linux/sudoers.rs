//! `/etc/sudoers` and everything it includes (sudoers(5), sudo 1.9).
//!
//! Owns: include resolution exactly as sudo does it (`@include`, `@includedir`, and the legacy
//! `#include`/`#includedir` that are *not* comments; relative paths from the including file's
//! directory, absolute paths against the host root; includedir skips names containing `.` or
//! ending in `~` and reads the rest in lexical order; `%h` is the short host name; nesting is
//! capped at 128 and loops are refused), `\` continuations, `#` comments (but `#123` is a uid),
//! the four alias kinds (recursive, several definitions per line separated by `:`), user
//! specifications (several per line separated by `:`, Runas and tags inherited along the
//! command list) and `Defaults` lines of interest.
//!
//! Emits one `SudoGrant` per principal per user specification and one `Setting` per
//! occurrence of an interesting Defaults parameter, in file order. It does not decide which
//! entry wins (sudo: the last match); the rules do, from the order and evidence.

use super::fs::{join, normalize, parent, Fetch, HostFs};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Principal, Record, Scope, Setting, SudoGrant};
use crate::source::{numbered_lines, Output};
use std::collections::{BTreeMap, BTreeSet};

/// sudo's include nesting limit.
const MAX_DEPTH: usize = 128;

/// Tags that may precede a command and end in `:`.
const TAGS: &[&str] = &[
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
];

/// Command options (`NAME=value`) that may precede a command.
const CMND_OPTIONS: &[&str] = &[
    "CWD",
    "CHROOT",
    "ROLE",
    "TYPE",
    "TIMEOUT",
    "NOTBEFORE",
    "NOTAFTER",
    "APPARMOR_PROFILE",
    "PRIVS",
    "LIMITPRIVS",
];

const DIGESTS: &[&str] = &["sha224", "sha256", "sha384", "sha512"];

/// Defaults parameters emitted as settings.
const INTERESTING_DEFAULTS: &[&str] = &[
    "syslog",
    "log_allowed",
    "log_denied",
    "authenticate",
    "timestamp_timeout",
    "timestamp_type",
    "logfile",
    "log_input",
    "log_output",
    "log_subcmds",
    "use_pty",
    "targetpw",
    "rootpw",
    "runaspw",
    "runas_default",
];

/// Commands whose grant is as good as `ALL` (a root shell).
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "ksh", "csh", "tcsh", "dash", "ash", "mksh", "fish", "su",
];

/// One logical line (continuations joined, comment removed).
#[derive(Debug, Clone)]
struct Logical {
    path: String,
    line: u32,
    text: String,
}

impl Logical {
    fn evidence(&self) -> Evidence {
        Evidence::at(&self.path, self.line)
    }
}

/// Parses `/etc/sudoers` and its includes; `host_short` replaces `%h`.
pub(crate) fn scan(fs: &HostFs, system: &str, host_short: &str, out: &mut Output) {
    let mut lines = Vec::new();
    let mut loader = Loader {
        fs,
        host_short,
        stack: Vec::new(),
        lines: &mut lines,
    };
    match fs.read("/etc/sudoers", out) {
        Fetch::Text(text) => loader.file("/etc/sudoers", &text, out),
        Fetch::Missing | Fetch::Failed => return,
    }
    evaluate(&lines, system, out);
}

struct Loader<'a, 'b> {
    fs: &'a HostFs,
    host_short: &'a str,
    stack: Vec<String>,
    lines: &'b mut Vec<Logical>,
}

impl Loader<'_, '_> {
    fn file(&mut self, host_path: &str, text: &str, out: &mut Output) {
        self.stack.push(host_path.to_string());
        let shown = self.fs.evidence_path(host_path);
        let mut pending: Option<Logical> = None;
        for (n, raw) in numbered_lines(text) {
            if pending.is_none() {
                if let Some((dir, arg)) = include_directive(raw) {
                    self.include(host_path, &shown, n, dir, arg, out);
                    continue;
                }
            }
            let body = strip_comment(raw);
            let (body, continues) = match body.strip_suffix('\\') {
                Some(b) => (b, true),
                None => (body, false),
            };
            let mut cur = pending.take().unwrap_or(Logical {
                path: shown.clone(),
                line: n,
                text: String::new(),
            });
            if !cur.text.is_empty() {
                cur.text.push(' ');
            }
            cur.text.push_str(body);
            if continues {
                pending = Some(cur);
            } else if !cur.text.trim().is_empty() {
                self.lines.push(cur);
            }
        }
        if let Some(cur) = pending {
            if !cur.text.trim().is_empty() {
                self.lines.push(cur);
            }
        }
        self.stack.pop();
    }

    fn include(
        &mut self,
        from: &str,
        shown: &str,
        n: u32,
        is_dir: bool,
        arg: String,
        out: &mut Output,
    ) {
        let include_diag = |severity, msg: String| {
            Diagnostic::new(DiagKind::Include, severity, Evidence::at(shown, n), msg)
        };
        let expanded = expand_host(&arg, self.host_short);
        let Some(target) = normalize(&join(&parent(from), &expanded)) else {
            out.diag(include_diag(
                Severity::Warning,
                "include path climbs above the host root; not followed".into(),
            ));
            return;
        };
        if self.stack.len() >= MAX_DEPTH {
            out.diag(include_diag(
                Severity::Warning,
                format!("includes nested deeper than {MAX_DEPTH}; {target} not read"),
            ));
            return;
        }
        if !is_dir {
            self.include_file(&target, n, shown, out);
            return;
        }
        let Some(names) = self.fs.list_dir(&target, out) else {
            if !self.fs.is_dir(&target) {
                out.diag(include_diag(
                    Severity::Note,
                    format!("included directory {target} is not in the collection"),
                ));
            }
            return;
        };
        for name in names {
            // sudoers(5): files whose name ends in `~` or contains a `.` are skipped.
            if name.contains('.') || name.ends_with('~') {
                continue;
            }
            let path = format!("{}/{}", target.trim_end_matches('/'), name);
            if self.fs.is_dir(&path) {
                continue;
            }
            self.include_file(&path, n, shown, out);
        }
    }

    fn include_file(&mut self, target: &str, n: u32, shown: &str, out: &mut Output) {
        if self.stack.iter().any(|p| p == target) {
            out.diag(Diagnostic::new(
                DiagKind::Include,
                Severity::Warning,
                Evidence::at(shown, n),
                format!("include loop: {target} is already being read; not followed"),
            ));
            return;
        }
        match self.fs.read(target, out) {
            Fetch::Text(text) => self.file(target, &text, out),
            Fetch::Missing => out.diag(Diagnostic::new(
                DiagKind::Include,
                Severity::Warning,
                Evidence::at(shown, n),
                format!("included file {target} is not in the collection"),
            )),
            Fetch::Failed => {}
        }
    }
}

/// `@include`, `@includedir`, `#include`, `#includedir` at line start: (is_dir, path).
fn include_directive(raw: &str) -> Option<(bool, String)> {
    let t = raw.trim_start();
    let rest = t.strip_prefix('@').or_else(|| t.strip_prefix('#'))?;
    let (is_dir, rest) = if let Some(r) = rest.strip_prefix("includedir") {
        (true, r)
    } else {
        (false, rest.strip_prefix("include")?)
    };
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    let mut path = String::new();
    if let Some(q) = rest.strip_prefix('"') {
        let mut chars = q.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => path.extend(chars.next()),
                '"' => break,
                c => path.push(c),
            }
        }
    } else {
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => path.extend(chars.next()),
                c if c.is_whitespace() => break,
                c => path.push(c),
            }
        }
    }
    (!path.is_empty()).then_some((is_dir, path))
}

/// `%h` is the short host name, `%%` a percent sign.
fn expand_host(path: &str, host_short: &str) -> String {
    let mut s = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.peek() {
                Some('h') => {
                    chars.next();
                    s.push_str(host_short);
                }
                Some('%') => {
                    chars.next();
                    s.push('%');
                }
                _ => s.push('%'),
            }
        } else {
            s.push(c);
        }
    }
    s
}

/// Removes a `#` comment: a `#` outside quotes, not escaped, not followed by a digit (`#1000` is
/// a uid, `%#27` a gid).
fn strip_comment(line: &str) -> &str {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            '#' if !in_quotes => {
                let next = line.get(i + 1..).and_then(|r| r.chars().next());
                if !next.is_some_and(|n| n.is_ascii_digit()) {
                    return line.get(..i).unwrap_or("");
                }
            }
            _ => {}
        }
    }
    line
}

/// Splits at `sep` outside quotes and parentheses, honouring `\` escapes. For `:` a separator
/// preceded by a tag name or digest name (`NOPASSWD:`, `sha256:`) is not a separator.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            cur.push(c);
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                cur.push(c);
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            '(' if !in_quotes => {
                depth += 1;
                cur.push(c);
            }
            ')' if !in_quotes => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            c if c == sep && !in_quotes && depth == 0 => {
                // `NOPASSWD:`, `sha256:` and `%:group` are not separators.
                if sep == ':' && (ends_with_tag_word(&cur) || cur.ends_with('%')) {
                    cur.push(c);
                } else {
                    parts.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

fn ends_with_tag_word(s: &str) -> bool {
    let word: String = s
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    TAGS.contains(&word.as_str()) || DIGESTS.contains(&word.as_str())
}

/// Finds the first `=` outside quotes and parentheses.
fn split_eq(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => depth += 1,
            ')' if !in_quotes => depth = depth.saturating_sub(1),
            '=' if !in_quotes && depth == 0 => {
                return Some((s.get(..i)?, s.get(i + 1..)?));
            }
            _ => {}
        }
    }
    None
}

fn is_alias_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && s != "ALL"
}

/// Removes quotes and backslash escapes from a name.
fn unquote(s: &str) -> String {
    let s = s.trim();
    let inner = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(s);
    let mut outs = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            outs.extend(chars.next());
        } else {
            outs.push(c);
        }
    }
    outs
}

/// A list item with its negation removed (`!alice`, `! alice`, `!!x`).
fn negation(item: &str) -> (bool, &str) {
    let mut neg = false;
    let mut s = item.trim();
    while let Some(r) = s.strip_prefix('!') {
        neg = !neg;
        s = r.trim_start();
    }
    (neg, s)
}

fn list_items(s: &str) -> Vec<String> {
    split_top(s, ',')
        .into_iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum AliasKind {
    User,
    Runas,
    Host,
    Cmnd,
}

type Aliases = BTreeMap<(AliasKind, String), Vec<String>>;

fn alias_kind(word: &str) -> Option<AliasKind> {
    match word {
        "User_Alias" => Some(AliasKind::User),
        "Runas_Alias" => Some(AliasKind::Runas),
        "Host_Alias" => Some(AliasKind::Host),
        "Cmnd_Alias" | "Cmd_Alias" => Some(AliasKind::Cmnd),
        _ => None,
    }
}

fn first_word(s: &str) -> &str {
    s.split(|c: char| c.is_whitespace() || c == '=')
        .next()
        .unwrap_or("")
}

fn is_defaults(text: &str) -> bool {
    text.strip_prefix("Defaults")
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', ':', '@', '!', '>']))
}

fn evaluate(lines: &[Logical], system: &str, out: &mut Output) {
    // Aliases may be used before they are defined: collect them first.
    let mut aliases: Aliases = BTreeMap::new();
    for l in lines {
        let text = l.text.trim();
        let Some(kind) = alias_kind(first_word(text)) else {
            continue;
        };
        let rest = text.get(first_word(text).len()..).unwrap_or("");
        for def in split_top(rest, ':') {
            let Some((name, list)) = split_eq(&def) else {
                out.diag(Diagnostic::malformed(
                    &l.path,
                    l.line,
                    "alias definition without '='",
                ));
                continue;
            };
            let name = name.trim();
            if !is_alias_name(name) {
                out.diag(Diagnostic::malformed(
                    &l.path,
                    l.line,
                    format!("'{name}' is not a valid alias name"),
                ));
                continue;
            }
            let key = (kind, name.to_string());
            if aliases.contains_key(&key) {
                out.diag(Diagnostic::new(
                    DiagKind::Malformed,
                    Severity::Warning,
                    l.evidence(),
                    format!("alias {name} defined again; the first definition is used"),
                ));
                continue;
            }
            aliases.insert(key, list_items(list));
        }
    }
    for l in lines {
        let text = l.text.trim();
        if is_defaults(text) {
            defaults(l, text, system, out);
        } else if alias_kind(first_word(text)).is_none() {
            user_spec(l, text, system, &aliases, out);
        }
    }
}

fn defaults(l: &Logical, text: &str, system: &str, out: &mut Output) {
    let rest = text.get("Defaults".len()..).unwrap_or("");
    let (scope, params) = if rest.starts_with([':', '@', '!', '>']) {
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        let target = rest.get(..end).unwrap_or("");
        (
            Scope::Conditional(format!("Defaults{target}")),
            rest.get(end..).unwrap_or(""),
        )
    } else {
        (Scope::Global, rest)
    };
    for param in list_items(params) {
        let (neg, p) = negation(&param);
        let (key, value) = if let Some((k, v)) = split_eq(p) {
            let k = k.trim().trim_end_matches(['+', '-']).trim();
            (k.to_string(), unquote(v))
        } else {
            (
                p.trim().to_string(),
                if neg { "false" } else { "true" }.to_string(),
            )
        };
        let value = if neg && split_eq(p).is_some() {
            "false".to_string()
        } else {
            value
        };
        if INTERESTING_DEFAULTS.contains(&key.as_str()) {
            out.record(Record::Setting(Setting {
                system: system.to_string(),
                component: "sudoers".to_string(),
                key,
                value,
                scope: scope.clone(),
                evidence: Some(l.evidence()),
            }));
        }
    }
}

/// Expands a User_List into granted principals (negated entries removed).
fn principals(
    items: &[String],
    aliases: &Aliases,
    l: &Logical,
    out: &mut Output,
) -> Vec<Principal> {
    let mut flat: Vec<(bool, Principal)> = Vec::new();
    let mut visiting = BTreeSet::new();
    expand_users(items, false, aliases, &mut visiting, &mut flat, l, out, 0);
    let mut granted: Vec<Principal> = Vec::new();
    for (neg, p) in flat {
        if neg {
            granted.retain(|g| *g != p);
        } else if !granted.contains(&p) {
            granted.push(p);
        }
    }
    granted
}

#[allow(clippy::too_many_arguments)]
fn expand_users(
    items: &[String],
    negated: bool,
    aliases: &Aliases,
    visiting: &mut BTreeSet<String>,
    flat: &mut Vec<(bool, Principal)>,
    l: &Logical,
    out: &mut Output,
    depth: usize,
) {
    for item in items {
        let (neg, name) = negation(item);
        let neg = neg != negated;
        if is_alias_name(name) {
            let Some(list) = aliases.get(&(AliasKind::User, name.to_string())) else {
                out.diag(Diagnostic::malformed(
                    &l.path,
                    l.line,
                    format!("User_Alias {name} is used but not defined"),
                ));
                continue;
            };
            if depth > MAX_DEPTH || !visiting.insert(name.to_string()) {
                out.diag(Diagnostic::malformed(
                    &l.path,
                    l.line,
                    format!("User_Alias {name} refers to itself"),
                ));
                continue;
            }
            expand_users(list, neg, aliases, visiting, flat, l, out, depth + 1);
            visiting.remove(name);
            continue;
        }
        flat.push((neg, principal(name)));
    }
}

fn principal(token: &str) -> Principal {
    let name = unquote(token);
    if name == "ALL" {
        return Principal::All;
    }
    if let Some(g) = name.strip_prefix('%') {
        let g = g.strip_prefix(':').unwrap_or(g);
        if let Some(id) = g.strip_prefix('#') {
            if let Ok(gid) = id.parse() {
                return Principal::Gid(gid);
            }
        }
        return Principal::Group(g.to_string());
    }
    if let Some(id) = name.strip_prefix('#') {
        if let Ok(uid) = id.parse() {
            return Principal::Uid(uid);
        }
    }
    if let Some(ng) = name.strip_prefix('+') {
        return Principal::Netgroup(ng.to_string());
    }
    Principal::User(name)
}

/// Splits `users hosts` (lists may have spaces after commas) into the two lists.
fn split_user_host(left: &str) -> Option<(String, String)> {
    let mut compact = String::new();
    let mut in_quotes = false;
    let chars: Vec<char> = left.trim().chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let c = *c;
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c.is_whitespace() && !in_quotes {
            let prev = compact.chars().last();
            let next = chars.get(i + 1..)?.iter().find(|c| !c.is_whitespace());
            if matches!(prev, Some(',') | Some('!')) || next == Some(&',') {
                continue;
            }
            if prev.is_some_and(char::is_whitespace) {
                continue;
            }
            compact.push(' ');
            continue;
        }
        compact.push(c);
    }
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    for c in compact.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        if c == ' ' && !in_quotes {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    match parts.as_slice() {
        [u, h] if !u.is_empty() && !h.is_empty() => Some((u.clone(), h.clone())),
        _ => None,
    }
}

fn user_spec(l: &Logical, text: &str, system: &str, aliases: &Aliases, out: &mut Output) {
    // Specs separated by `:` share the User_List: `users h1 = cmds : h2 = cmds`.
    let mut segments: Vec<String> = Vec::new();
    for seg in split_top(text, ':') {
        match segments.last_mut() {
            Some(last) if split_eq(&seg).is_none() => {
                // A `:` inside a command, not a separator.
                last.push(':');
                last.push_str(&seg);
            }
            _ => segments.push(seg),
        }
    }
    let mut users: Option<Vec<Principal>> = None;
    for (i, seg) in segments.iter().enumerate() {
        let Some((left, cmnds)) = split_eq(seg) else {
            out.diag(Diagnostic::malformed(
                &l.path,
                l.line,
                "sudoers line is not a user specification (no '=')",
            ));
            return;
        };
        let hosts = if i == 0 {
            let Some((u, h)) = split_user_host(left) else {
                out.diag(Diagnostic::malformed(
                    &l.path,
                    l.line,
                    "cannot split the user list from the host list",
                ));
                return;
            };
            users = Some(principals(&list_items(&u), aliases, l, out));
            h
        } else {
            left.trim().to_string()
        };
        let (root_equivalent, nopasswd) = assess_commands(cmnds, aliases);
        for p in users.iter().flatten() {
            out.record(Record::SudoGrant(SudoGrant {
                system: system.to_string(),
                principal: p.clone(),
                root_equivalent,
                nopasswd,
                hosts: hosts.clone(),
                evidence: l.evidence(),
            }));
        }
    }
}

/// (root_equivalent, nopasswd) of a Cmnd_Spec_List. Runas and tags carry over to the
/// following commands until changed.
fn assess_commands(list: &str, aliases: &Aliases) -> (bool, bool) {
    let mut runas: Option<String> = None;
    let mut nopasswd = false;
    let mut root_eq = false;
    let mut root_nopasswd = false;
    let mut any_nopasswd = false;
    for item in list_items(list) {
        let mut rest = item.as_str();
        if let Some(r) = rest.strip_prefix('(') {
            let end = r.find(')').unwrap_or(r.len());
            runas = Some(r.get(..end).unwrap_or("").to_string());
            rest = r.get(end + 1..).unwrap_or("").trim_start();
        }
        loop {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let after = rest.get(word.len()..).unwrap_or("");
            if TAGS.contains(&word.as_str()) && after.starts_with(':') {
                match word.as_str() {
                    "NOPASSWD" => nopasswd = true,
                    "PASSWD" => nopasswd = false,
                    _ => {}
                }
                rest = after.get(1..).unwrap_or("").trim_start();
            } else if CMND_OPTIONS.contains(&word.as_str()) && after.starts_with('=') {
                let v = after.get(1..).unwrap_or("");
                let end = if v.starts_with('"') {
                    v.get(1..)
                        .and_then(|x| x.find('"'))
                        .map_or(v.len(), |e| e + 2)
                } else {
                    v.find(char::is_whitespace).unwrap_or(v.len())
                };
                rest = v.get(end..).unwrap_or("").trim_start();
            } else {
                break;
            }
        }
        let (neg, cmd) = negation(rest);
        let cmd = skip_digest(cmd);
        if neg || cmd.is_empty() {
            continue;
        }
        any_nopasswd |= nopasswd;
        let mut visiting = BTreeSet::new();
        if runas_covers_root(runas.as_deref(), aliases)
            && command_is_full(cmd, false, aliases, &mut visiting)
        {
            root_eq = true;
            root_nopasswd |= nopasswd;
        }
    }
    if root_eq {
        (true, root_nopasswd)
    } else {
        (false, any_nopasswd)
    }
}

fn skip_digest(cmd: &str) -> &str {
    let mut c = cmd.trim();
    while DIGESTS
        .iter()
        .any(|d| c.strip_prefix(d).is_some_and(|r| r.starts_with(':')))
    {
        let end = c.find(char::is_whitespace).unwrap_or(c.len());
        c = c.get(end..).unwrap_or("").trim_start();
    }
    c
}

/// Whether a Runas_Spec (text inside the parentheses, `None` when absent) lets the command run
/// as root.
fn runas_covers_root(runas: Option<&str>, aliases: &Aliases) -> bool {
    let Some(spec) = runas else {
        return true; // no Runas_Spec: runas_default, root
    };
    let users = spec.split(':').next().unwrap_or("").trim();
    if users.is_empty() {
        // `()` runs as root; `(:group)` runs as the invoking user.
        return spec.trim().is_empty();
    }
    let mut visiting = BTreeSet::new();
    runas_matches_root(&list_items(users), false, aliases, &mut visiting).unwrap_or(false)
}

/// The last matching entry decides (sudo list semantics).
fn runas_matches_root(
    items: &[String],
    negated: bool,
    aliases: &Aliases,
    visiting: &mut BTreeSet<String>,
) -> Option<bool> {
    let mut result = None;
    for item in items {
        let (neg, name) = negation(item);
        let neg = neg != negated;
        let m = if is_alias_name(name) {
            match aliases.get(&(AliasKind::Runas, name.to_string())) {
                Some(list) if visiting.insert(name.to_string()) => {
                    let r = runas_matches_root(list, neg, aliases, visiting);
                    visiting.remove(name);
                    r
                }
                _ => None,
            }
        } else {
            let n = unquote(name);
            (n == "ALL" || n == "root" || n == "#0").then_some(!neg)
        };
        if m.is_some() {
            result = m;
        }
    }
    result
}

/// Whether a command (or Cmnd_Alias) amounts to `ALL`: `ALL` itself, a shell, `su`, a whole
/// binary directory (`/usr/bin/*`) or `sudoedit` of the sudoers files.
fn command_is_full(
    cmd: &str,
    negated: bool,
    aliases: &Aliases,
    visiting: &mut BTreeSet<String>,
) -> bool {
    let cmd = cmd.trim();
    if is_alias_name(cmd) {
        let Some(list) = aliases.get(&(AliasKind::Cmnd, cmd.to_string())) else {
            return false;
        };
        if !visiting.insert(cmd.to_string()) {
            return false;
        }
        let full = list.iter().any(|item| {
            let (neg, c) = negation(item);
            command_is_full(skip_digest(c), neg != negated, aliases, visiting)
        });
        visiting.remove(cmd);
        return full;
    }
    if negated {
        return false;
    }
    if cmd == "ALL" {
        return true;
    }
    let mut words = cmd.split_whitespace();
    let path = words.next().unwrap_or("");
    let args: Vec<&str> = words.collect();
    let base = path.rsplit('/').next().unwrap_or(path);
    let open_args = args.is_empty() || args.iter().any(|a| a.contains('*'));
    if SHELLS.contains(&base) && open_args {
        return true;
    }
    if base == "*" && path.len() > 1 {
        return true; // `/usr/bin/*`: every binary there, shells included
    }
    if base == "sudoedit" {
        return args.iter().any(|a| a.starts_with("/etc/sudoers"));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::linux::fs::HostFs;

    fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (p, c) in files {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, c).unwrap();
        }
        dir
    }

    fn run(files: &[(&str, &str)]) -> Output {
        let dir = host(files);
        let mut out = Output::default();
        let fs = HostFs::new(dir.path(), "h", 1 << 20, &mut out).unwrap();
        scan(&fs, "web01", "web01", &mut out);
        out
    }

    fn grants(out: &Output) -> Vec<&SudoGrant> {
        out.records
            .iter()
            .filter_map(|r| match r {
                Record::SudoGrant(g) => Some(g),
                _ => None,
            })
            .collect()
    }

    fn settings(out: &Output) -> Vec<&Setting> {
        out.records
            .iter()
            .filter_map(|r| match r {
                Record::Setting(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn includedir_skips_dotted_and_tilde_and_alias_continuation() {
        let out = run(&[
            (
                "etc/sudoers",
                "Defaults\tenv_reset\nDefaults\ttimestamp_timeout=-1\n\
Defaults:OPS\t!syslog, !log_allowed\n\
User_Alias\tOPS = alice, \\\n\t\t%wheel\n\
root\tALL=(ALL:ALL) ALL\n\
OPS\tALL=(ALL) NOPASSWD: ALL\n\
Defaults:carol\t!authenticate\n\
carol\tALL=(root) /usr/bin/systemctl\n\
@includedir /etc/sudoers.d\n",
            ),
            ("etc/sudoers.d/10-dave", "dave ALL=(ALL) ALL\n"),
            ("etc/sudoers.d/20.eve", "eve ALL=(ALL) NOPASSWD: ALL\n"),
            (
                "etc/sudoers.d/30-mallory~",
                "mallory ALL=(ALL) NOPASSWD: ALL\n",
            ),
        ]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let g = grants(&out);
        let who: Vec<(Principal, bool, bool, u32)> = g
            .iter()
            .map(|g| {
                (
                    g.principal.clone(),
                    g.root_equivalent,
                    g.nopasswd,
                    g.evidence.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            who,
            vec![
                (Principal::User("root".into()), true, false, 6),
                (Principal::User("alice".into()), true, true, 7),
                (Principal::Group("wheel".into()), true, true, 7),
                (Principal::User("carol".into()), false, false, 9),
                (Principal::User("dave".into()), true, false, 1),
            ]
        );
        assert_eq!(g[4].evidence.path, "h/etc/sudoers.d/10-dave");
        assert_eq!(g[0].hosts, "ALL");
        let s: Vec<(String, String, Scope, u32)> = settings(&out)
            .iter()
            .map(|s| {
                (
                    s.key.clone(),
                    s.value.clone(),
                    s.scope.clone(),
                    s.evidence.as_ref().unwrap().line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            s,
            vec![
                ("timestamp_timeout".into(), "-1".into(), Scope::Global, 2),
                (
                    "syslog".into(),
                    "false".into(),
                    Scope::Conditional("Defaults:OPS".into()),
                    3
                ),
                (
                    "log_allowed".into(),
                    "false".into(),
                    Scope::Conditional("Defaults:OPS".into()),
                    3
                ),
                (
                    "authenticate".into(),
                    "false".into(),
                    Scope::Conditional("Defaults:carol".into()),
                    8
                ),
            ]
        );
    }

    #[test]
    fn include_loop_missing_and_relative() {
        let out = run(&[
            (
                "etc/sudoers",
                "#include sudoers.local\n@include /etc/missing\n# plain comment\n#1000 ALL=(ALL) ALL\n",
            ),
            ("etc/sudoers.local", "@include /etc/sudoers\nbob ALL = ALL\n"),
        ]);
        let kinds: Vec<(DiagKind, String, u32)> = out
            .diagnostics
            .iter()
            .map(|d| (d.kind, d.location.path.clone(), d.location.line.unwrap()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (DiagKind::Include, "h/etc/sudoers.local".into(), 1),
                (DiagKind::Include, "h/etc/sudoers".into(), 2),
            ]
        );
        assert!(out.diagnostics[0].message.contains("loop"));
        let g = grants(&out);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].principal, Principal::User("bob".into()));
        assert!(g[0].root_equivalent);
        assert_eq!(g[1].principal, Principal::Uid(1000));
    }

    #[test]
    fn host_expansion_in_include() {
        let out = run(&[
            ("etc/sudoers", "@include /etc/sudoers.%h\n"),
            ("etc/sudoers.web01", "zed ALL=(ALL) NOPASSWD: /bin/bash\n"),
        ]);
        let g = grants(&out);
        assert_eq!(g.len(), 1);
        assert!(g[0].root_equivalent && g[0].nopasswd);
    }

    #[test]
    fn tags_persist_and_negation() {
        let aliases = Aliases::new();
        assert_eq!(
            assess_commands("NOPASSWD: /usr/bin/a, /usr/bin/b, PASSWD: ALL", &aliases),
            (true, false)
        );
        assert_eq!(
            assess_commands("NOPASSWD: /usr/bin/a, ALL", &aliases),
            (true, true)
        );
        assert_eq!(
            assess_commands("(ALL, !root) NOPASSWD: ALL", &aliases),
            (false, true)
        );
        assert_eq!(assess_commands("(:wheel) ALL", &aliases), (false, false));
        assert_eq!(
            assess_commands("(backup) /usr/bin/rsync, (root) /bin/sh", &aliases),
            (true, false)
        );
        assert_eq!(
            assess_commands("(root) /bin/sh -c /opt/x.sh", &aliases),
            (false, false)
        );
        assert_eq!(
            assess_commands("sudoedit /etc/sudoers", &aliases),
            (true, false)
        );
        assert_eq!(
            assess_commands("CWD=/tmp NOEXEC:NOPASSWD: sha256:abc= /usr/bin/*", &aliases),
            (true, true)
        );
        assert_eq!(assess_commands("!ALL", &aliases), (false, false));
    }

    #[test]
    fn aliases_multi_definitions_negation_and_multi_specs() {
        let out = run(&[(
            "etc/sudoers",
            "User_Alias ADMINS = ann, bea, !cid : OPS2 = ADMINS, cid\n\
Cmnd_Alias SHELLS = /bin/sh, /usr/bin/zsh : SAFE = /usr/bin/id\n\
Runas_Alias ROOTISH = root\n\
OPS2, !bea ALL = (ROOTISH) SAFE : db01 = NOPASSWD: SHELLS\n\
+ng, %#27, %:ad ALL=(ALL) /usr/bin/id # trailing comment\n\
UNDEF ALL = ALL\n\
garbage line\n",
        )]);
        let g = grants(&out);
        let who: Vec<(Principal, bool, bool, &str)> = g
            .iter()
            .map(|g| {
                (
                    g.principal.clone(),
                    g.root_equivalent,
                    g.nopasswd,
                    g.hosts.as_str(),
                )
            })
            .collect();
        assert_eq!(
            who,
            vec![
                (Principal::User("ann".into()), false, false, "ALL"),
                (Principal::User("cid".into()), false, false, "ALL"),
                (Principal::User("ann".into()), true, true, "db01"),
                (Principal::User("cid".into()), true, true, "db01"),
                (Principal::Netgroup("ng".into()), false, false, "ALL"),
                (Principal::Gid(27), false, false, "ALL"),
                (Principal::Group("ad".into()), false, false, "ALL"),
            ]
        );
        let lines: Vec<u32> = out
            .diagnostics
            .iter()
            .map(|d| d.location.line.unwrap())
            .collect();
        assert_eq!(lines, vec![6, 7]);
    }

    #[test]
    fn comment_stripping() {
        assert_eq!(strip_comment("a ALL=ALL # x"), "a ALL=ALL ");
        assert_eq!(strip_comment("#1000 ALL=ALL"), "#1000 ALL=ALL");
        assert_eq!(strip_comment("%#27 ALL=ALL"), "%#27 ALL=ALL");
        assert_eq!(strip_comment("Defaults x=\"a#b\""), "Defaults x=\"a#b\"");
        assert_eq!(
            include_directive("#includedir \"/etc/sudo ers.d\""),
            Some((true, "/etc/sudo ers.d".into()))
        );
        assert_eq!(include_directive("#included"), None);
        assert_eq!(expand_host("/etc/s.%h.%%", "web01"), "/etc/s.web01.%");
    }
}
