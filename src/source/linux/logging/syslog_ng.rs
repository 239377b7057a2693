//! syslog-ng: `etc/syslog-ng/syslog-ng.conf` read as syslog-ng 3.38/4.x does (syslog-ng OSE
//! Administration Guide, "Including configuration files", "log", "filter functions"), to decide
//! where an `auth` and an `authpriv` message at info from the local system ends up.
//!
//! - `@include "NAME"` is read in place: an absolute path, else the first match along the
//!   include path (`/etc/syslog-ng`, then `/usr/share/syslog-ng/include` where Debian keeps
//!   `scl.conf`); a directory includes its files (not recursively, names starting with `.` or
//!   `~` skipped) in byte order (upper case first, as the guide says); a wildcard in the file
//!   name includes every match in the same order. Nesting stops at 15 levels, as syslog-ng's
//!   does; loops are refused. `` `name` `` in an include is replaced from `@define`. Other
//!   pragmas (`@version`, `@module`, `@requires`) do not change routing and are skipped.
//! - `source`, `destination` and `filter` definitions (a later definition of a name wins, as
//!   with `allow-config-dups`), and `log { … };` paths in file order. A path receives a
//!   message when one of its sources reads local messages (`system()`, `unix-dgram`,
//!   `unix-stream`, `systemd-journal`, …; `flags(catchall)` takes every source) and every
//!   filter before a destination admits it; a path without a filter admits everything.
//!   Filters: `facility(auth, authpriv)` (names or numbers), `level(…)`/`priority(…)` with
//!   lists and `a..b` ranges, `not`, `and` (binding tighter), `or`, parentheses, `filter(NAME)`.
//!   Other filter functions (`program()`, `match()`, …) depend on the message text and are
//!   taken as admitting it (so no finding rests on a guess). `flags(final)` on a path that
//!   certainly admits the message stops later paths; `flags(fallback)` paths get the message
//!   only when no other path admitted it. Nested `log {}`, `junction { channel {}; }` and
//!   `if (…) {} elif (…) {} else {}` are followed.
//! - A destination is `remote` for `network()`, `syslog()`, `tcp()`, `udp()` and the other
//!   network drivers, `none` for `file("/dev/null")`, else `local`.
//!
//! Emits `syslog-ng:auth_routing` = `none`, `local` or `remote` (the worse of auth and
//! authpriv, each the best destination it reaches), with the line that decided it: the
//! destination reference, the `flags(final)` path that discarded the message, or the file
//! without a line when nothing receives it.

use super::rsyslog::Routing;
use super::{emit, text};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::{join, parent, HostFs};
use crate::source::Output;
use std::collections::BTreeMap;

const CONF: &str = "/etc/syslog-ng/syslog-ng.conf";
const INCLUDE_PATH: &[&str] = &["/etc/syslog-ng", "/usr/share/syslog-ng/include"];
/// syslog-ng's own include nesting limit.
const MAX_DEPTH: usize = 15;
/// Bounds on the whole configuration, includes expanded (a diamond of includes can multiply).
const MAX_FILES: usize = 1000;
const MAX_TOKENS: usize = 2_000_000;
/// Nesting of blocks, parentheses and filter references.
const MAX_NEST: u32 = 64;

/// What syslog-ng does with auth messages, `None` when its configuration was not collected.
pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) -> Option<Routing> {
    let conf = text(fs, CONF, out)?;
    let mut lx = Loader {
        fs,
        files: Vec::new(),
        toks: Vec::new(),
        stack: Vec::new(),
        defines: BTreeMap::new(),
        out,
    };
    lx.file(CONF, &conf);
    let Loader { files, toks, .. } = lx;
    let top = Parser::new(&toks).block(0);
    let (routing, at) = route(&top);
    let ev = match at {
        Some((f, n)) => Evidence::at(&files[f], n),
        None => Evidence::new(fs.evidence_path(CONF), None),
    };
    emit(
        out,
        system,
        "syslog-ng",
        "auth_routing",
        routing.as_str(),
        Scope::Global,
        ev,
    );
    Some(routing)
}

/// (file index, line) of a token.
type At = (usize, u32);

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open(char),
    Close(char),
    Semi,
    Comma,
}

/// Reads the main file and its includes into one token stream, as syslog-ng's lexer does.
struct Loader<'a> {
    fs: &'a HostFs,
    /// Evidence paths, indexed by `At.0`.
    files: Vec<String>,
    toks: Vec<(Tok, At)>,
    stack: Vec<String>,
    defines: BTreeMap<String, String>,
    out: &'a mut Output,
}

impl Loader<'_> {
    fn file(&mut self, path: &str, text_: &str) {
        if self.files.len() >= MAX_FILES {
            return;
        }
        let idx = self.files.len();
        let shown = self.fs.evidence_path(path);
        self.files.push(shown.clone());
        self.stack.push(path.to_string());
        let chars: Vec<char> = text_.chars().collect();
        let mut i = 0;
        let mut line: u32 = 1;
        let mut line_start = true;
        while i < chars.len() {
            if self.toks.len() >= MAX_TOKENS {
                break;
            }
            let c = chars[i];
            if c == '\n' {
                line = line.saturating_add(1);
                line_start = true;
                i += 1;
                continue;
            }
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            if c == '@' && line_start {
                let end = chars[i..]
                    .iter()
                    .position(|c| *c == '\n')
                    .map_or(chars.len(), |p| i + p);
                let pragma: String = chars[i + 1..end].iter().collect();
                self.pragma(&shown, line, pragma.trim());
                i = end;
                continue;
            }
            line_start = false;
            let at = (idx, line);
            match c {
                '#' => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '"' | '\'' | '`' => {
                    let start_line = line;
                    let mut s = String::new();
                    i += 1;
                    let mut closed = false;
                    while i < chars.len() {
                        let d = chars[i];
                        if d == '\n' {
                            line = line.saturating_add(1);
                        }
                        if d == c {
                            closed = true;
                            i += 1;
                            break;
                        }
                        if d == '\\' && c == '"' && i + 1 < chars.len() {
                            s.push(chars[i + 1]);
                            i += 2;
                            continue;
                        }
                        s.push(d);
                        i += 1;
                    }
                    if !closed {
                        self.out.diag(Diagnostic::malformed(
                            &shown,
                            start_line,
                            "unterminated string; the rest of the file is ignored",
                        ));
                    }
                    let tok = if c == '`' {
                        Tok::Word(format!("`{s}`"))
                    } else {
                        Tok::Str(s)
                    };
                    self.toks.push((tok, at));
                }
                '{' | '(' => {
                    self.toks.push((Tok::Open(c), at));
                    i += 1;
                }
                '}' | ')' => {
                    self.toks.push((Tok::Close(c), at));
                    i += 1;
                }
                ';' => {
                    self.toks.push((Tok::Semi, at));
                    i += 1;
                }
                ',' => {
                    self.toks.push((Tok::Comma, at));
                    i += 1;
                }
                _ => {
                    let start = i;
                    while i < chars.len()
                        && !chars[i].is_whitespace()
                        && !"{}();,\"'`#".contains(chars[i])
                    {
                        i += 1;
                    }
                    let w: String = chars[start..i].iter().collect();
                    self.toks.push((Tok::Word(w), at));
                }
            }
        }
        self.stack.pop();
    }

    fn pragma(&mut self, shown: &str, n: u32, pragma: &str) {
        let (name, rest) = pragma
            .split_once(|c: char| c.is_whitespace() || c == ':')
            .unwrap_or((pragma, ""));
        let arg = unquote(rest.trim());
        match name {
            "define" => {
                let (k, v) = rest
                    .trim()
                    .split_once(char::is_whitespace)
                    .unwrap_or((rest.trim(), ""));
                self.defines.insert(k.to_string(), unquote(v.trim()));
            }
            "include" => {
                let mut target = arg;
                for (k, v) in &self.defines {
                    target = target.replace(&format!("`{k}`"), v);
                }
                if target.contains('`') {
                    self.diag(
                        shown,
                        n,
                        format!(
                            "include of {target} names an undefined backtick value; not followed"
                        ),
                    );
                    return;
                }
                self.include(shown, n, &target);
            }
            _ => {}
        }
    }

    fn diag(&mut self, shown: &str, n: u32, msg: String) {
        self.out.diag(Diagnostic::new(
            DiagKind::Include,
            Severity::Warning,
            Evidence::at(shown, n),
            msg,
        ));
    }

    fn include(&mut self, shown: &str, n: u32, target: &str) {
        if self.stack.len() > MAX_DEPTH {
            self.diag(
                shown,
                n,
                format!(
                    "include of {target} nests deeper than syslog-ng's 15 levels; not followed"
                ),
            );
            return;
        }
        let candidates: Vec<String> = if target.starts_with('/') {
            vec![target.to_string()]
        } else {
            INCLUDE_PATH.iter().map(|d| join(d, target)).collect()
        };
        for cand in candidates {
            if self.fs.is_dir(&cand) {
                let dir = cand.trim_end_matches('/').to_string();
                let names = self.fs.list_dir(&dir, self.out).unwrap_or_default();
                let files: Vec<String> = names
                    .into_iter()
                    .filter(|n| !n.starts_with('.') && !n.starts_with('~'))
                    .map(|n| format!("{dir}/{n}"))
                    .filter(|p| !self.fs.is_dir(p))
                    .collect();
                self.read_all(shown, n, &files);
                return;
            }
            if cand.contains(['*', '?', '[']) {
                if !self.fs.is_dir(&parent(&cand)) {
                    continue;
                }
                // A wildcard matching nothing is not an error for syslog-ng.
                let found: Vec<String> = self
                    .fs
                    .glob(&cand, self.out)
                    .into_iter()
                    .filter(|p| !self.fs.is_dir(p))
                    .collect();
                self.read_all(shown, n, &found);
                return;
            }
            if matches!(self.fs.resolve(&cand), Ok(Some(_))) {
                self.read_all(shown, n, &[cand]);
                return;
            }
        }
        // scl.conf lives under /usr/share, which no collector copies: it defines blocks only.
        // A wildcard matching nothing is not an error either.
        if target != "scl.conf" && !target.contains(['*', '?', '[']) {
            self.diag(
                shown,
                n,
                format!("included file {target} is not in the collection"),
            );
        }
    }

    fn read_all(&mut self, shown: &str, n: u32, paths: &[String]) {
        for p in paths {
            if self.stack.iter().any(|s| s == p) {
                self.diag(
                    shown,
                    n,
                    format!("include loop: {p} is already being read; not followed"),
                );
                continue;
            }
            if let Some(t) = text(self.fs, p, self.out) {
                self.file(p, &t);
            }
        }
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q) {
            return inner.split(q).next().unwrap_or("").to_string();
        }
    }
    s.split_whitespace().next().unwrap_or("").to_string()
}

/// A generic configuration item: a word or string, with `( … )` arguments and a `{ … }` block
/// of `;`-separated statements.
#[derive(Debug, Default)]
struct Item {
    text: String,
    at: At,
    args: Option<Vec<Item>>,
    block: Option<Vec<Stmt>>,
}

type Stmt = Vec<Item>;

impl Item {
    fn is(&self, word: &str) -> bool {
        self.text.eq_ignore_ascii_case(word)
    }
    fn arg_words(&self) -> Vec<&str> {
        self.args
            .iter()
            .flatten()
            .map(|a| a.text.as_str())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

struct Parser<'t> {
    toks: &'t [(Tok, At)],
    pos: usize,
}

impl<'t> Parser<'t> {
    fn new(toks: &'t [(Tok, At)]) -> Self {
        Parser { toks, pos: 0 }
    }

    fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn at(&self) -> At {
        self.toks.get(self.pos).map_or((0, 0), |t| t.1)
    }

    /// Statements until the closing `}` (consumed) or the end.
    fn block(&mut self, depth: u32) -> Vec<Stmt> {
        let mut stmts = Vec::new();
        loop {
            match self.peek() {
                None => return stmts,
                Some(Tok::Close('}')) => {
                    self.pos += 1;
                    return stmts;
                }
                Some(Tok::Close(_) | Tok::Semi | Tok::Comma) => self.pos += 1,
                Some(_) => {
                    let s = self.sequence(depth);
                    if !s.is_empty() {
                        stmts.push(s);
                    }
                }
            }
        }
    }

    /// Items up to a `;` (consumed) or a closing bracket (left).
    fn sequence(&mut self, depth: u32) -> Stmt {
        let mut seq: Stmt = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Close(_)) => return seq,
                Some(Tok::Semi) => {
                    self.pos += 1;
                    return seq;
                }
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::Open('{')) => {
                    let b = self.group_block(depth);
                    match seq.last_mut() {
                        Some(last) if last.block.is_none() => last.block = Some(b),
                        _ => seq.push(Item {
                            block: Some(b),
                            ..Item::default()
                        }),
                    }
                }
                Some(_) => {
                    let item = self.item(depth);
                    seq.push(item);
                }
            }
        }
    }

    /// `{ … }` at the current position.
    fn group_block(&mut self, depth: u32) -> Vec<Stmt> {
        if depth >= MAX_NEST {
            self.skip_group();
            return Vec::new();
        }
        self.pos += 1;
        self.block(depth + 1)
    }

    /// A word or string with its arguments, or a bare `( … )`.
    fn item(&mut self, depth: u32) -> Item {
        let at = self.at();
        let (text, may_call) = match self.peek() {
            Some(Tok::Word(w)) => {
                self.pos += 1;
                let op = ["and", "or", "not"]
                    .iter()
                    .any(|k| w.eq_ignore_ascii_case(k));
                (w.clone(), !op)
            }
            Some(Tok::Str(s)) => {
                self.pos += 1;
                (s.clone(), true)
            }
            Some(Tok::Open('(')) => (String::new(), true),
            _ => {
                self.pos += 1;
                return Item::default();
            }
        };
        let mut item = Item {
            text,
            at,
            ..Item::default()
        };
        if may_call && self.peek() == Some(&Tok::Open('(')) {
            if depth >= MAX_NEST {
                self.skip_group();
            } else {
                self.pos += 1;
                item.args = Some(self.args(depth + 1));
            }
        }
        item
    }

    /// Items until the closing `)` (consumed).
    fn args(&mut self, depth: u32) -> Vec<Item> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Close('}')) => return items,
                Some(Tok::Close(_)) => {
                    self.pos += 1;
                    return items;
                }
                Some(Tok::Semi | Tok::Comma) => self.pos += 1,
                Some(Tok::Open('{')) => {
                    let b = self.group_block(depth);
                    items.push(Item {
                        block: Some(b),
                        ..Item::default()
                    });
                }
                Some(_) => items.push(self.item(depth)),
            }
        }
    }

    /// Skips a balanced group starting at an opening bracket.
    fn skip_group(&mut self) {
        let mut level = 0usize;
        while let Some(t) = self.peek() {
            self.pos += 1;
            match t {
                Tok::Open(_) => level += 1,
                Tok::Close(_) => {
                    level = level.saturating_sub(1);
                    if level == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Three-valued truth: a filter that depends on the message text is `Unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tri {
    False,
    Unknown,
    True,
}

impl Tri {
    fn and(self, o: Tri) -> Tri {
        use Tri::*;
        match (self, o) {
            (False, _) | (_, False) => False,
            (True, True) => True,
            _ => Unknown,
        }
    }
    fn or(self, o: Tri) -> Tri {
        use Tri::*;
        match (self, o) {
            (True, _) | (_, True) => True,
            (False, False) => False,
            _ => Unknown,
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// The named objects of the configuration, later definitions winning.
#[derive(Default)]
struct Defs<'a> {
    sources: BTreeMap<&'a str, &'a [Stmt]>,
    destinations: BTreeMap<&'a str, &'a [Stmt]>,
    filters: BTreeMap<&'a str, &'a [Stmt]>,
}

#[derive(Clone, Copy)]
struct Msg {
    facility: u8,
    level: u8,
}

const AUTH: u8 = 4;
const AUTHPRIV: u8 = 10;
const INFO: u8 = 6;

/// The worse of auth and authpriv at info, and the place that decided it.
fn route(top: &[Stmt]) -> (Routing, Option<At>) {
    let mut defs = Defs::default();
    let mut logs: Vec<(&Item, &[Stmt])> = Vec::new();
    for s in top {
        let Some(head) = s.first() else { continue };
        if head.is("log") {
            if let Some(b) = &head.block {
                logs.push((head, b));
            }
            continue;
        }
        let Some(named) = s.get(1) else { continue };
        let Some(b) = &named.block else { continue };
        let map = if head.is("source") {
            &mut defs.sources
        } else if head.is("destination") {
            &mut defs.destinations
        } else if head.is("filter") {
            &mut defs.filters
        } else {
            continue;
        };
        map.insert(named.text.as_str(), b.as_slice());
    }
    let auth = Walk {
        defs: &defs,
        msg: Msg {
            facility: AUTH,
            level: INFO,
        },
    }
    .all(&logs);
    let authpriv = Walk {
        defs: &defs,
        msg: Msg {
            facility: AUTHPRIV,
            level: INFO,
        },
    }
    .all(&logs);
    if authpriv.0 < auth.0 {
        authpriv
    } else {
        auth
    }
}

/// What one path did with the message.
#[derive(Default)]
struct Outcome {
    best: Option<(Routing, At)>,
    /// The path certainly admitted it (for `final` and `fallback`).
    matched: bool,
    stopped: Option<At>,
}

impl Outcome {
    fn reach(&mut self, r: Routing, at: At) {
        if self.best.is_none_or(|(b, _)| r > b) {
            self.best = Some((r, at));
        }
    }
    fn merge(&mut self, o: &Outcome) {
        if let Some((r, at)) = o.best {
            self.reach(r, at);
        }
    }
}

struct Walk<'d, 'a> {
    defs: &'d Defs<'a>,
    msg: Msg,
}

impl Walk<'_, '_> {
    /// Top-level paths in order, then the fallback paths when no other path admitted it.
    fn all(&self, logs: &[(&Item, &[Stmt])]) -> (Routing, Option<At>) {
        let mut total = Outcome::default();
        let mut any = false;
        let mut stop = None;
        for fallback in [false, true] {
            if fallback && any {
                break;
            }
            for (head, body) in logs {
                if flags(body).contains(&"fallback".to_string()) != fallback {
                    continue;
                }
                let o = self.path(head, body, None, 0);
                total.merge(&o);
                any |= o.matched;
                if let Some(at) = o.stopped {
                    stop = Some(at);
                    break;
                }
            }
            if stop.is_some() {
                break;
            }
        }
        match total.best {
            Some((r, at)) if r > Routing::None => (r, Some(at)),
            Some((r, at)) => (r, stop.or(Some(at))),
            None => (Routing::None, stop),
        }
    }

    /// One path (top-level when `inherited` is `None`, else nested with the parent's state).
    fn path(&self, head: &Item, body: &[Stmt], inherited: Option<Tri>, depth: u32) -> Outcome {
        let fl = flags(body);
        let mut pass = match inherited {
            Some(p) => p,
            None if fl.iter().any(|f| f == "catchall") => Tri::True,
            None => {
                let srcs: Vec<Tri> = body
                    .iter()
                    .flatten()
                    .filter(|i| i.is("source"))
                    .map(|i| self.source(i))
                    .collect();
                srcs.into_iter().fold(Tri::False, Tri::or)
            }
        };
        let mut o = Outcome::default();
        self.pipeline(body, &mut pass, &mut o, depth);
        o.matched = pass == Tri::True;
        if o.matched && fl.iter().any(|f| f == "final") {
            o.stopped = Some(head.at);
        }
        o
    }

    fn pipeline(&self, body: &[Stmt], pass: &mut Tri, o: &mut Outcome, depth: u32) {
        if depth > MAX_NEST {
            return;
        }
        let mut stopped = false;
        for stmt in body {
            let mut i = 0;
            while let Some(item) = stmt.get(i) {
                i += 1;
                if *pass == Tri::False {
                    return;
                }
                if item.is("filter") {
                    *pass = pass.and(self.filter_item(item, depth));
                } else if item.is("destination") {
                    o.reach(self.destination(item), item.at);
                } else if item.is("log") || item.is("channel") {
                    if stopped {
                        continue;
                    }
                    if let Some(b) = &item.block {
                        let child = self.path(item, b, Some(*pass), depth + 1);
                        o.merge(&child);
                        stopped = child.stopped.is_some();
                    }
                } else if item.is("junction") {
                    if let Some(b) = &item.block {
                        let mut inner = *pass;
                        self.pipeline(b, &mut inner, o, depth + 1);
                    }
                } else if item.is("if") {
                    // if (…) {…} elif (…) {…} else {…}: the first branch whose condition holds;
                    // a condition that depends on the message text lets later branches run too.
                    let start = i - 1;
                    let mut j = start;
                    while let Some(branch) = stmt.get(j) {
                        let cond = if j > start && branch.is("if") {
                            break;
                        } else if branch.is("else") {
                            Tri::True
                        } else if branch.is("if") || branch.is("elif") {
                            branch
                                .args
                                .as_deref()
                                .map_or(Tri::Unknown, |a| self.expr(a, depth + 1))
                        } else {
                            break;
                        };
                        j += 1;
                        let mut inner = pass.and(cond);
                        if inner != Tri::False {
                            if let Some(b) = &branch.block {
                                self.pipeline(b, &mut inner, o, depth + 1);
                            }
                        }
                        if cond == Tri::True {
                            break;
                        }
                    }
                    while stmt.get(j).is_some_and(|b| b.is("elif") || b.is("else")) {
                        j += 1;
                    }
                    i = j;
                }
            }
        }
    }

    /// Whether a `source(NAME)` or inline `source { … }` reads local messages.
    fn source(&self, item: &Item) -> Tri {
        let mut r = Tri::False;
        for body in self.bodies(item, &self.defs.sources) {
            let Some(body) = body else {
                return Tri::Unknown;
            };
            for driver in body.iter().filter_map(|s| s.first()) {
                let d = driver.text.to_ascii_lowercase();
                let t = match d.as_str() {
                    "system"
                    | "unix-dgram"
                    | "unix-stream"
                    | "systemd-journal"
                    | "systemd-syslog"
                    | "sun-streams"
                    | "sun-stream"
                    | "openbsd"
                    | "darwin-oslog"
                    | "darwin-oslog-stream" => Tri::True,
                    "internal"
                    | "network"
                    | "syslog"
                    | "tcp"
                    | "tcp6"
                    | "udp"
                    | "udp6"
                    | "file"
                    | "wildcard-file"
                    | "pipe"
                    | "program"
                    | "stdin"
                    | "default-network-drivers"
                    | "kafka"
                    | "http"
                    | "opentelemetry"
                    | "syslog-ng-otlp"
                    | "mqtt"
                    | "snmptrap"
                    | "python"
                    | "python-fetcher"
                    | "example-msg-generator"
                    | "example-random-generator" => Tri::False,
                    _ => Tri::Unknown,
                };
                r = r.or(t);
            }
        }
        r
    }

    /// The best routing a `destination(NAME)` or inline `destination { … }` gives.
    fn destination(&self, item: &Item) -> Routing {
        let mut r = Routing::None;
        for body in self.bodies(item, &self.defs.destinations) {
            let Some(body) = body else {
                return Routing::Local.max(r);
            };
            for driver in body.iter().filter_map(|s| s.first()) {
                r = r.max(driver_routing(driver));
            }
        }
        r
    }

    /// The bodies an object reference names (`None` for a name not defined in the collected
    /// files, such as one from a `scl` block), or its inline body.
    fn bodies<'s>(
        &'s self,
        item: &'s Item,
        map: &'s BTreeMap<&str, &[Stmt]>,
    ) -> Vec<Option<&'s [Stmt]>> {
        if let Some(b) = &item.block {
            return vec![Some(b.as_slice())];
        }
        item.arg_words()
            .into_iter()
            .map(|name| map.get(name).copied())
            .collect()
    }

    fn filter_item(&self, item: &Item, depth: u32) -> Tri {
        if let Some(b) = &item.block {
            return b
                .iter()
                .map(|s| self.expr(s, depth + 1))
                .fold(Tri::True, Tri::and);
        }
        item.arg_words()
            .into_iter()
            .map(|name| self.named_filter(name, depth))
            .fold(Tri::True, Tri::and)
    }

    fn named_filter(&self, name: &str, depth: u32) -> Tri {
        if depth > MAX_NEST {
            return Tri::Unknown;
        }
        match self.defs.filters.get(name) {
            Some(b) => b
                .iter()
                .map(|s| self.expr(s, depth + 1))
                .fold(Tri::True, Tri::and),
            None => Tri::Unknown,
        }
    }

    /// A filter expression: `or` of `and`s of optionally negated terms.
    fn expr(&self, items: &[Item], depth: u32) -> Tri {
        let mut pos = 0;
        self.or_expr(items, &mut pos, depth)
    }

    fn or_expr(&self, items: &[Item], pos: &mut usize, depth: u32) -> Tri {
        let mut v = self.and_expr(items, pos, depth);
        while items.get(*pos).is_some_and(|i| i.is("or")) {
            *pos += 1;
            v = v.or(self.and_expr(items, pos, depth));
        }
        v
    }

    fn and_expr(&self, items: &[Item], pos: &mut usize, depth: u32) -> Tri {
        let mut v = self.unary(items, pos, depth);
        while items.get(*pos).is_some_and(|i| i.is("and")) {
            *pos += 1;
            v = v.and(self.unary(items, pos, depth));
        }
        v
    }

    fn unary(&self, items: &[Item], pos: &mut usize, depth: u32) -> Tri {
        let Some(item) = items.get(*pos) else {
            return Tri::Unknown;
        };
        *pos += 1;
        if item.is("not") {
            if depth > MAX_NEST {
                return Tri::Unknown;
            }
            return self.unary(items, pos, depth + 1).not();
        }
        let Some(args) = &item.args else {
            return Tri::Unknown;
        };
        if item.text.is_empty() {
            return if depth > MAX_NEST {
                Tri::Unknown
            } else {
                self.expr(args, depth + 1)
            };
        }
        let words = item.arg_words();
        match item.text.to_ascii_lowercase().as_str() {
            "facility" => {
                let hit = words.iter().any(|w| facility(w) == Some(self.msg.facility));
                if hit || words.iter().all(|w| facility(w).is_some()) {
                    bool_tri(hit)
                } else {
                    Tri::Unknown
                }
            }
            "level" | "priority" => levels(&words).map_or(Tri::Unknown, |set| {
                bool_tri(set[usize::from(self.msg.level)])
            }),
            "filter" => words
                .iter()
                .map(|n| self.named_filter(n, depth + 1))
                .fold(Tri::True, Tri::and),
            _ => Tri::Unknown,
        }
    }
}

fn bool_tri(b: bool) -> Tri {
    if b {
        Tri::True
    } else {
        Tri::False
    }
}

/// The `flags(…)` of a path.
fn flags(body: &[Stmt]) -> Vec<String> {
    body.iter()
        .flatten()
        .filter(|i| i.is("flags"))
        .flat_map(|i| i.arg_words())
        .flat_map(|w| w.split(',').map(|f| f.trim().to_ascii_lowercase()))
        .map(|f| f.replace('_', "-"))
        .collect()
}

fn driver_routing(driver: &Item) -> Routing {
    match driver.text.to_ascii_lowercase().as_str() {
        "file" | "pipe" => {
            let target = driver.arg_words().first().copied().unwrap_or("");
            if target == "/dev/null" {
                Routing::None
            } else {
                Routing::Local
            }
        }
        "network" | "syslog" | "tcp" | "tcp6" | "udp" | "udp6" | "syslog-ng" | "http"
        | "elasticsearch-http" | "elasticsearch2" | "opensearch" | "kafka" | "kafka-c"
        | "loggly" | "logmatic" | "splunk-hec-event" | "splunk-hec-raw" | "amqp" | "stomp"
        | "redis" | "mongodb" | "sql" | "riemann" | "graphite" | "smtp" | "loki"
        | "opentelemetry" | "syslog-ng-otlp" | "google-pubsub" | "bigquery" | "logscale"
        | "sumologic-http" | "sumologic-syslog" | "mqtt" | "snmp" | "telegram" | "slack"
        | "collectd" | "openobserve-log" | "clickhouse" => Routing::Remote,
        "" => Routing::None,
        _ => Routing::Local,
    }
}

fn facility(w: &str) -> Option<u8> {
    const NAMES: &[(&str, u8)] = &[
        ("kern", 0),
        ("user", 1),
        ("mail", 2),
        ("daemon", 3),
        ("auth", 4),
        ("security", 4),
        ("syslog", 5),
        ("lpr", 6),
        ("news", 7),
        ("uucp", 8),
        ("cron", 9),
        ("authpriv", 10),
        ("ftp", 11),
        ("ntp", 12),
        ("audit", 13),
        ("alert", 14),
        ("clock", 15),
        ("local0", 16),
        ("local1", 17),
        ("local2", 18),
        ("local3", 19),
        ("local4", 20),
        ("local5", 21),
        ("local6", 22),
        ("local7", 23),
    ];
    let w = w.to_ascii_lowercase();
    NAMES
        .iter()
        .find(|(n, _)| *n == w)
        .map(|(_, v)| *v)
        .or_else(|| w.parse().ok())
}

fn level(w: &str) -> Option<u8> {
    Some(match w.to_ascii_lowercase().as_str() {
        "emerg" | "panic" => 0,
        "alert" => 1,
        "crit" => 2,
        "err" | "error" => 3,
        "warning" | "warn" => 4,
        "notice" => 5,
        "info" => 6,
        "debug" => 7,
        other => other.parse().ok().filter(|n| *n < 8)?,
    })
}

/// The levels a `level(…)` list selects (`info`, `info, notice`, `info..emerg`,
/// `info .. emerg`), `None` when a word is not a level.
fn levels(words: &[&str]) -> Option<[bool; 8]> {
    let mut set = [false; 8];
    let joined = words.join(" ").replace(" ..", "..").replace(".. ", "..");
    let mut any = false;
    for w in joined.split_whitespace() {
        let (a, b) = match w.split_once("..") {
            Some((a, b)) => (level(a)?, level(b)?),
            None => {
                let l = level(w)?;
                (l, l)
            }
        };
        for l in a.min(b)..=a.max(b) {
            set[usize::from(l)] = true;
        }
        any = true;
    }
    any.then_some(set)
}

#[cfg(test)]
mod tests;
