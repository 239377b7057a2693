//! `/etc/sudoers` and everything it includes (sudoers(5), sudo 1.9.13), resolved as sudo resolves
//! it on this host.
//!
//! Owns: include resolution exactly as sudo does it (`@include`, `@includedir`, and the legacy
//! `#include`/`#includedir` that are *not* comments; relative paths from the including file's
//! directory, absolute paths against the host root; includedir skips names containing `.` or
//! ending in `~` and reads the rest in lexical order; `%h` is the short host name; nesting is
//! capped at 128 and loops are refused), `\` continuations and `#` comments (but `#123` is a
//! uid); the grammar (`parse`), syntax errors and sudo's error recovery; the Defaults sudo
//! ignores with a warning (`params`); and sudo's decision per user (`eval`).
//!
//! Emits, per host:
//! - one `SudoGrant` per user whose verdict (root or not, NOPASSWD, the deciding line, the
//!   conditions it rests on) differs from that of "any other user" (`Principal::All`, written
//!   when root or conditional), plus one per user netgroup that is root;
//! - the Defaults of interest as sudo applies them (in file order across global, host- and
//!   user-bound entries): `Scope::Global` for any other user, `Scope::Conditional("user NAME")`
//!   where a user's value or deciding line differs, and the Runas- and command-bound entries
//!   as `Scope::Conditional("Defaults>…"/"Defaults!…")` (last per binding);
//! - `syntax_error` settings (one per line sudo rejects, in load order, value = the error) and
//!   `error_recovery` (`false` when `/etc/sudo.conf` turns sudoers' error recovery off, so that
//!   sudo refuses to run at all); a syntax error's line contributes nothing else, as in sudo.
//!
//! Problems sudo tolerates (a Defaults entry it ignores, a missing include, an alias used but
//! not defined) are diagnostics, never findings.

#[cfg(test)]
mod cvtsudoers_tests;
mod eval;
mod params;
mod parse;

pub(crate) use self::eval::{HostFacts, UserFacts};
use self::eval::{Policy, Subject};
use self::parse::{AliasBody, AliasKind, Binding, CmndItem, Entry, HostItem, Member, UserItem};
use super::fs::{join, normalize, parent, Fetch, HostFs};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Principal, Record, Scope, Setting, SudoGrant};
use crate::source::{numbered_lines, Output};
use std::collections::{BTreeMap, BTreeSet};

/// sudo's include nesting limit.
const MAX_DEPTH: usize = 128;

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

/// sudo's built-in value of a parameter, where a rule needs it to compare.
fn builtin(key: &str) -> Option<&'static str> {
    match key {
        "syslog" => Some("authpriv"),
        "log_allowed" | "log_denied" | "authenticate" => Some("true"),
        _ => None,
    }
}

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

/// Parses `/etc/sudoers` and its includes and resolves them for `host` and `users` (the host's
/// accounts with their groups); `host.short` replaces `%h`.
pub(crate) fn scan(
    fs: &HostFs,
    system: &str,
    host: &HostFacts,
    users: &[UserFacts],
    out: &mut Output,
) {
    let mut lines = Vec::new();
    let mut loader = Loader {
        fs,
        host_short: &host.short,
        stack: Vec::new(),
        lines: &mut lines,
    };
    match fs.read("/etc/sudoers", out) {
        Fetch::Text(text) => loader.file("/etc/sudoers", &text, out),
        Fetch::Missing | Fetch::Failed => return,
    }
    if let Some((on, ev)) = error_recovery(fs, out) {
        out.record(Record::Setting(Setting {
            system: system.to_string(),
            component: "sudoers".into(),
            key: "error_recovery".into(),
            value: on.to_string(),
            scope: Scope::Global,
            evidence: Some(ev),
        }));
    }
    evaluate(&lines, system, host, users, out);
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

/// A user specification, Defaults entry or alias line with its location, in file order.
fn evaluate(
    lines: &[Logical],
    system: &str,
    host: &HostFacts,
    users: &[UserFacts],
    out: &mut Output,
) {
    let mut policy = Policy::default();
    let mut errors: Vec<(Evidence, String)> = Vec::new();
    for l in lines {
        let ev = l.evidence();
        let entry = match parse::line(&l.text) {
            Ok(e) => Some(e),
            Err((e, partial)) => {
                errors.push((ev.clone(), e.message));
                partial
            }
        };
        match entry {
            Some(Entry::Alias(kind, defs)) => {
                for (name, body) in defs {
                    let key = (kind, name.clone());
                    if policy.aliases.contains_key(&key) {
                        // sudo: a redefinition is a syntax error; the rest of the line is lost.
                        errors.push((ev.clone(), format!("alias \"{name}\" already defined")));
                        break;
                    }
                    policy.alias_at.insert(key.clone(), ev.clone());
                    policy.aliases.insert(key, body);
                }
            }
            Some(Entry::Defaults {
                binding,
                binding_text,
                params,
            }) => {
                let params = params
                    .into_iter()
                    .filter(|p| match check_param(p) {
                        Ok(()) => true,
                        Err(why) => {
                            out.diag(Diagnostic::new(
                                DiagKind::Malformed,
                                Severity::Warning,
                                ev.clone(),
                                format!("{why}: sudo ignores it and visudo -c rejects the file"),
                            ));
                            false
                        }
                    })
                    .collect();
                policy.defaults.push(eval::DefaultsEntry {
                    evidence: ev,
                    binding,
                    binding_text,
                    params,
                });
            }
            Some(Entry::Spec { users, privileges }) => policy.specs.push(eval::Spec {
                evidence: ev,
                users,
                privileges,
            }),
            None => {}
        }
    }
    undefined_aliases(&policy, out);
    alias_loops(&policy, out);
    // `Defaults !fqdn` (an early default): dotted host patterns are matched against the host
    // name itself, without an etc/hosts lookup.
    let unresolved;
    let early = match eval::defaults_for(&policy, host, &root_facts(users), Subject::Anyone) {
        Ok(d) => d,
        Err(e) => return exhausted(&policy, &e, out),
    };
    let host = if early.get("fqdn").is_some_and(|(v, _)| v == "false") {
        unresolved = HostFacts {
            fqdn: Some(host.hostname.clone()),
            ..host.clone()
        };
        &unresolved
    } else {
        host
    };
    for (ev, message) in &errors {
        out.record(Record::Setting(Setting {
            system: system.to_string(),
            component: "sudoers".into(),
            key: "syntax_error".into(),
            value: message.clone(),
            scope: Scope::Global,
            evidence: Some(ev.clone()),
        }));
    }
    let result = grants(&policy, system, host, users, out)
        .and_then(|()| settings(&policy, system, host, users, out));
    if let Err(e) = result {
        exhausted(&policy, &e, out);
    }
}

/// Reports an evaluation stopped by an alias's expansion: sudo's decisions on this host are
/// unknown, so the scan is incomplete.
fn exhausted(policy: &Policy, e: &eval::Exhausted, out: &mut Output) {
    let at = policy
        .alias_at
        .get(&(e.kind, e.name.clone()))
        .cloned()
        .unwrap_or_else(|| Evidence::new("etc/sudoers", None));
    let why = if e.too_deep {
        format!("nests aliases more than {} deep", eval::MAX_ALIAS_DEPTH)
    } else {
        format!(
            "expands to more than {} members through nested aliases",
            eval::ALIAS_BUDGET
        )
    };
    out.diag(Diagnostic::new(
        DiagKind::Unparseable,
        Severity::Error,
        at,
        format!(
            "{} \"{}\" {why}; sudo rights on this host were not evaluated",
            e.kind.name(),
            e.name
        ),
    ));
}

/// A note for each alias that contains itself through other aliases (`visudo -c -s`, strict,
/// rejects the file with "cycle in User_Alias"; plain `visudo -c` accepts it, and sudo refuses
/// the alias where the loop closes and matches its name as a plain name). Tarjan's strongly connected components, linear in the aliases.
fn alias_loops(policy: &Policy, out: &mut Output) {
    type Key = (AliasKind, String);
    let keys: Vec<&Key> = policy.aliases.keys().collect();
    let index: BTreeMap<&Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let edges: Vec<Vec<usize>> = keys
        .iter()
        .map(|(kind, name)| {
            let refs: Vec<&str> = match &policy.aliases[&(*kind, name.clone())] {
                AliasBody::Users(l) => l
                    .iter()
                    .filter_map(|m| match &m.item {
                        UserItem::Alias(a) => Some(a.as_str()),
                        _ => None,
                    })
                    .collect(),
                AliasBody::Hosts(l) => l
                    .iter()
                    .filter_map(|m| match &m.item {
                        HostItem::Alias(a) => Some(a.as_str()),
                        _ => None,
                    })
                    .collect(),
                AliasBody::Cmnds(l) => l
                    .iter()
                    .filter_map(|m| match &m.item {
                        CmndItem::Alias(a) => Some(a.as_str()),
                        _ => None,
                    })
                    .collect(),
            };
            let mut to: Vec<usize> = refs
                .into_iter()
                .filter_map(|a| index.get(&(*kind, a.to_string())).copied())
                .collect();
            to.sort_unstable();
            to.dedup();
            to
        })
        .collect();
    for component in strongly_connected(&edges) {
        let looped = component.len() > 1 || edges[component[0]].contains(&component[0]);
        if !looped {
            continue;
        }
        let first = component.iter().map(|&i| keys[i]).min();
        let Some((kind, name)) = first else { continue };
        let mut names: Vec<&str> = component.iter().map(|&i| keys[i].1.as_str()).collect();
        names.sort_unstable();
        let more = names.len().saturating_sub(8);
        names.truncate(8);
        let names = if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        };
        out.diag(Diagnostic::new(
            DiagKind::Malformed,
            Severity::Note,
            policy.alias_at[&(*kind, name.clone())].clone(),
            format!(
                "cycle in {} \"{name}\" (through {}): visudo -c -s rejects the file; sudo refuses the alias where the loop closes and matches it as a plain name",
                kind.name(),
                names
            ),
        ));
    }
}

/// The strongly connected components of a graph given as adjacency lists (Tarjan's algorithm,
/// iterative so a long alias chain cannot exhaust the stack).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if index[start] != UNSEEN {
            continue;
        }
        // (node, next edge to follow)
        let mut work = vec![(start, 0usize)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// Whether sudo applies a Defaults parameter (`Err`: why it ignores it).
fn check_param(p: &parse::Param) -> Result<(), String> {
    use self::params::Kind;
    let name = &p.name;
    let Some(def) = params::lookup(name) else {
        return Err(format!("unknown defaults entry \"{name}\""));
    };
    if p.neg && !def.boolean {
        return Err(format!("option \"{name}\" cannot be negated"));
    }
    let Some(v) = &p.value else {
        return if def.kind == Kind::Flag || def.boolean {
            Ok(())
        } else {
            Err(format!("option \"{name}\" requires a value"))
        };
    };
    let ok = match def.kind {
        Kind::Flag => {
            if def.flag_values.is_empty() {
                return Err(format!("option \"{name}\" does not take a value"));
            }
            def.flag_values.contains(&v.as_str())
        }
        Kind::Str => true,
        Kind::Num => v.parse::<f64>().is_ok(),
        Kind::Path => v.starts_with('/'),
        Kind::Enum(values) => values.contains(&v.as_str()),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("value is invalid for option \"{name}\""))
    }
}

/// A note for each alias used but never defined (visudo warns; sudo matches nothing there).
fn undefined_aliases(policy: &Policy, out: &mut Output) {
    let mut missing: BTreeMap<(AliasKind, String), Evidence> = BTreeMap::new();
    let mut need = |kind: AliasKind, name: &str, ev: &Evidence| {
        if !policy.aliases.contains_key(&(kind, name.to_string())) {
            missing
                .entry((kind, name.to_string()))
                .or_insert_with(|| ev.clone());
        }
    };
    /// Calls `f` with each alias a list names, as an alias of `kind`.
    fn named<T: parse::AliasName>(
        list: &[Member<T>],
        kind: AliasKind,
        f: &mut dyn FnMut(AliasKind, &str),
    ) {
        for m in list {
            if let Some(n) = m.item.alias_name() {
                f(kind, n);
            }
        }
    }
    for s in &policy.specs {
        let mut f = |k: AliasKind, n: &str| need(k, n, &s.evidence);
        named(&s.users, AliasKind::User, &mut f);
        for p in &s.privileges {
            named(&p.hosts, AliasKind::Host, &mut f);
            for c in &p.cmnds {
                named(std::slice::from_ref(&c.cmnd), AliasKind::Cmnd, &mut f);
                if let Some(r) = &c.runas {
                    named(r.users.as_deref().unwrap_or(&[]), AliasKind::Runas, &mut f);
                    named(r.groups.as_deref().unwrap_or(&[]), AliasKind::Runas, &mut f);
                }
            }
        }
    }
    for d in &policy.defaults {
        let mut f = |k: AliasKind, n: &str| need(k, n, &d.evidence);
        match &d.binding {
            Binding::Global => {}
            Binding::User(l) => named(l, AliasKind::User, &mut f),
            Binding::Runas(l) => named(l, AliasKind::Runas, &mut f),
            Binding::Host(l) => named(l, AliasKind::Host, &mut f),
            Binding::Cmnd(l) => named(l, AliasKind::Cmnd, &mut f),
        }
    }
    // References inside alias bodies are not checked: sudo reports those at the alias
    // definition's line, which the policy does not keep.
    for ((kind, name), ev) in missing {
        out.diag(Diagnostic::new(
            DiagKind::Malformed,
            Severity::Note,
            ev,
            format!(
                "{} \"{name}\" referenced but not defined; sudo matches it as a plain name (a command alias: nothing)",
                kind.name()
            ),
        ));
    }
}

/// The users to resolve: every account, every group member and every name a line grants to.
fn subjects(policy: &Policy, users: &[UserFacts]) -> (Vec<UserFacts>, Vec<String>) {
    let mut all: Vec<UserFacts> = users.to_vec();
    let mut netgroups: BTreeSet<String> = BTreeSet::new();
    // Each alias is walked once (the names are a set): linear in the file, loops included. An
    // alias met again while it is being walked is a loop, which sudo matches as a plain name.
    let mut names = BTreeSet::new();
    let mut walked: BTreeSet<&str> = BTreeSet::new();
    let mut work: Vec<&[Member<UserItem>]> = policy.specs.iter().map(|s| &s.users[..]).collect();
    while let Some(list) = work.pop() {
        for m in list {
            match &m.item {
                UserItem::Name(n) if !m.neg => {
                    names.insert(n.clone());
                }
                UserItem::Netgroup(n) if !m.neg => {
                    netgroups.insert(n.clone());
                }
                UserItem::Alias(a) => match policy.aliases.get(&(AliasKind::User, a.clone())) {
                    Some(AliasBody::Users(l)) if walked.insert(a) => work.push(l),
                    Some(AliasBody::Users(_)) => {
                        names.insert(a.clone());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    for n in names {
        if !all.iter().any(|u| u.login == n) {
            all.push(UserFacts {
                login: n,
                ..UserFacts::default()
            });
        }
    }
    (all, netgroups.into_iter().collect())
}

fn root_facts(users: &[UserFacts]) -> UserFacts {
    users
        .iter()
        .find(|u| u.login == "root")
        .cloned()
        .unwrap_or_else(|| UserFacts {
            login: "root".into(),
            uid: Some(0),
            groups: vec!["root".into()],
            gids: vec![0],
        })
}

fn grants(
    policy: &Policy,
    system: &str,
    host: &HostFacts,
    users: &[UserFacts],
    out: &mut Output,
) -> Result<(), eval::Exhausted> {
    if policy.specs.is_empty() {
        return Ok(());
    }
    let probes = eval::probes(policy);
    let root = root_facts(users);
    let (subjects, netgroups) = subjects(policy, users);
    let resolve = |who: Subject<'_>| eval::resolve(policy, host, &root, who, &probes);
    let anyone = resolve(Subject::Anyone)?;
    // Every verdict first, so an evaluation stopped half-way records nothing.
    let mut found = Vec::new();
    let record = |principal: Principal, r: &eval::Resolved| -> Option<SudoGrant> {
        let v = if r.verdict.root {
            &r.verdict
        } else {
            r.conditional_root.as_ref().unwrap_or(&r.verdict)
        };
        Some(SudoGrant {
            system: system.to_string(),
            principal,
            root_equivalent: r.verdict.root,
            nopasswd: v.nopasswd,
            hosts: v.hosts.clone(),
            evidence: v.evidence.clone()?,
            conditions: r.conditions.clone(),
        })
    };
    let anyone_grant = if anyone.verdict.root || anyone.conditional_root.is_some() {
        record(Principal::All, &anyone)
    } else {
        None
    };
    for u in subjects.iter().filter(|u| u.login != "root") {
        let r = resolve(Subject::User(u))?;
        if r == anyone {
            continue;
        }
        let g = record(Principal::User(u.login.clone()), &r).or_else(|| {
            // Not root where any other user is: the exception is a record too.
            anyone_grant.as_ref().map(|a| SudoGrant {
                principal: Principal::User(u.login.clone()),
                root_equivalent: false,
                nopasswd: false,
                conditions: Vec::new(),
                ..a.clone()
            })
        });
        found.extend(g);
    }
    for n in &netgroups {
        let r = resolve(Subject::Netgroup(n))?;
        if r != anyone && (r.verdict.root || r.conditional_root.is_some()) {
            found.extend(record(Principal::Netgroup(n.clone()), &r));
        }
    }
    found.extend(anyone_grant);
    for g in found {
        out.record(Record::SudoGrant(g));
    }
    Ok(())
}

fn settings(
    policy: &Policy,
    system: &str,
    host: &HostFacts,
    users: &[UserFacts],
    out: &mut Output,
) -> Result<(), eval::Exhausted> {
    let root = root_facts(users);
    let (subjects, _) = subjects(policy, users);
    let setting = |key: &str, value: &str, scope: Scope, ev: Option<&Evidence>| {
        Record::Setting(Setting {
            system: system.to_string(),
            component: "sudoers".into(),
            key: key.to_string(),
            value: value.to_string(),
            scope,
            evidence: ev.cloned(),
        })
    };
    let global = eval::defaults_for(policy, host, &root, Subject::Anyone)?;
    // Every user's Defaults first, so an evaluation stopped half-way records nothing.
    let mut mine_all = Vec::new();
    for u in &subjects {
        mine_all.push(eval::defaults_for(policy, host, &root, Subject::User(u))?);
    }
    for key in INTERESTING_DEFAULTS {
        if let Some((v, ev)) = global.get(*key) {
            out.record(setting(key, v, Scope::Global, Some(ev)));
        }
    }
    for (u, mine) in subjects.iter().zip(mine_all) {
        for key in INTERESTING_DEFAULTS {
            let (m, g) = (mine.get(*key), global.get(*key));
            if m == g {
                continue;
            }
            let scope = Scope::Conditional(format!("user {}", u.login));
            match m {
                Some((v, ev)) => out.record(setting(key, v, scope, Some(ev))),
                None => {
                    if let Some(b) = builtin(key) {
                        out.record(setting(key, b, scope, None));
                    }
                }
            }
        }
    }
    // Runas- and command-bound entries apply when running as that user or that command, after
    // the others: the last per binding.
    let mut bound: BTreeMap<(String, String), (String, Evidence)> = BTreeMap::new();
    for d in &policy.defaults {
        if matches!(d.binding, Binding::Cmnd(_) | Binding::Runas(_)) {
            for p in &d.params {
                if INTERESTING_DEFAULTS.contains(&p.name.as_str()) {
                    bound.insert(
                        (d.binding_text.clone(), p.name.clone()),
                        (eval::param_value(p), d.evidence.clone()),
                    );
                }
            }
        }
    }
    for ((binding, key), (v, ev)) in bound {
        out.record(setting(&key, &v, Scope::Conditional(binding), Some(&ev)));
    }
    Ok(())
}

/// Whether `/etc/sudo.conf` turns sudoers' error recovery off (then sudo refuses to run at all
/// on a syntax error). sudo.conf(5): `Plugin sudoers_policy sudoers.so error_recovery=false`.
fn error_recovery(fs: &HostFs, out: &mut Output) -> Option<(bool, Evidence)> {
    let Fetch::Text(text) = fs.read("/etc/sudo.conf", out) else {
        return None;
    };
    let shown = fs.evidence_path("/etc/sudo.conf");
    let mut found = None;
    for (n, line) in numbered_lines(&text) {
        let mut w = line.split('#').next().unwrap_or("").split_whitespace();
        if w.next() != Some("Plugin") || w.next() != Some("sudoers_policy") {
            continue;
        }
        let _ = w.next();
        for arg in w {
            if let Some(v) = arg.strip_prefix("error_recovery=") {
                let on = !matches!(v, "false" | "off" | "no" | "0");
                found = Some((on, Evidence::at(&shown, n)));
            }
        }
    }
    found
}
