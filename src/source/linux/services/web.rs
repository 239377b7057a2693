//! Web servers whose access log is off, per site: Apache httpd 2.4 and nginx. A login to an
//! application behind such a site, or with HTTP Basic credentials the site checks itself,
//! leaves no request record, so the use of a credential that survived a reset cannot be shown.
//!
//! **Apache** (`etc/apache2/apache2.conf`, Debian; `etc/httpd/conf/httpd.conf`, RHEL): directive
//! names case-insensitive, a `\` at line end continues the line (before comments are
//! recognised, as httpd's config reader does), `#` starts a comment line. `Include` and
//! `IncludeOptional` are read in place, relative to `ServerRoot` (default the main file's
//! parent: `/etc/apache2`, `/etc/httpd`), with wildcards in any component in alphabetical
//! order, a directory read whole (recursively). `<IfModule>`/`<IfDefine>` contents are taken
//! as active. mod_log_config has no default access log: a `<VirtualHost>` without `CustomLog`
//! or `TransferLog` inherits the main server's, and `GlobalLog` (2.4.19) logs every host; none
//! in effect means nothing is logged. A log to `/dev/null` is off. `LogLevel` concerns the
//! error log and is not judged. `AuthType Basic` anywhere in a virtual host (or at server
//! level, where `<Location>`/`<Directory>` sections reach every host) marks it as checking
//! Basic credentials.
//!
//! **nginx** (`etc/nginx/nginx.conf`): `#` comments, quoted strings, `include` with globs
//! relative to the configuration prefix (`/etc/nginx`), read in place. Inside `http`, each
//! `server` and its (nested) `location`s: a level with its own `access_log` directives uses
//! them (`off` disables logging there), otherwise it inherits the enclosing level's; with
//! none anywhere the compiled-in default `logs/access.log combined` applies (ngx_http_log_module).
//! `auth_basic` (not `off`) is inherited the same way. `if` and `limit_except` blocks are not
//! followed (conditional).
//!
//! Emits, per site (scope `vhost NAME:PORT` or `server NAME:PORT`, `… location PATH` for an nginx
//! location that turns logging off itself; the Apache main server is `Global` when there is no
//! virtual host): `apache:access_log` / `nginx:access_log` = `on` (evidence: the log line, or
//! for nginx's default the file without a line), `off` (the `access_log off` or `/dev/null`
//! line) or, for Apache, `none` (no log directive in effect: the `<VirtualHost>` line); and
//! `…:basic_auth` = `Basic` with the same scope, at the `AuthType`/`auth_basic` line, where
//! requests reach Basic authentication.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::{join, parent, HostFs};
use crate::source::linux::logging::{emit, text};
use crate::source::Output;
use std::collections::BTreeSet;

const MAX_DEPTH: usize = 16;
const MAX_FILES: usize = 2000;
const MAX_LINES: usize = 1_000_000;
const MAX_NEST: usize = 64;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    for main in ["/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf"] {
        apache(fs, system, main, out);
    }
    nginx(fs, system, out);
}

fn include_diag(out: &mut Output, at: &Evidence, msg: String) {
    out.diag(Diagnostic::new(
        DiagKind::Include,
        Severity::Warning,
        at.clone(),
        msg,
    ));
}

/// Files an include pattern names: a directory's files (recursively, sorted), a glob's
/// matches (sorted), or the file itself when it exists.
fn include_targets(fs: &HostFs, pattern: &str, recursive: bool, out: &mut Output) -> Vec<String> {
    let mut found = Vec::new();
    let bases = if pattern.contains(['*', '?', '[']) {
        fs.glob(pattern, out)
    } else if fs.is_dir(pattern) || matches!(fs.resolve(pattern), Ok(Some(_))) {
        vec![pattern.trim_end_matches('/').to_string()]
    } else {
        Vec::new()
    };
    for b in bases {
        if fs.is_dir(&b) {
            if recursive {
                dir_files(fs, &b, 0, &mut found, out);
            }
        } else {
            found.push(b);
        }
    }
    found
}

fn dir_files(fs: &HostFs, dir: &str, depth: usize, acc: &mut Vec<String>, out: &mut Output) {
    if depth > MAX_DEPTH || acc.len() > MAX_FILES {
        return;
    }
    for name in fs.list_dir(dir, out).unwrap_or_default() {
        let p = format!("{dir}/{name}");
        if fs.is_dir(&p) {
            dir_files(fs, &p, depth + 1, acc, out);
        } else {
            acc.push(p);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Apache
// ---------------------------------------------------------------------------------------------

/// One logical directive line: the name (lower case), its arguments and where it is.
#[derive(Debug)]
struct Directive {
    name: String,
    args: Vec<String>,
    at: Evidence,
}

struct ApacheLoader<'a> {
    fs: &'a HostFs,
    root: String,
    stack: Vec<String>,
    lines: Vec<Directive>,
    files: usize,
}

impl ApacheLoader<'_> {
    fn file(&mut self, path: &str, text_: &str, out: &mut Output) {
        self.files += 1;
        self.stack.push(path.to_string());
        let shown = self.fs.evidence_path(path);
        for (n, line) in apache_lines(text_) {
            if self.lines.len() >= MAX_LINES {
                break;
            }
            let words = split_args(&line);
            let Some(first) = words.first() else { continue };
            let name = first.to_ascii_lowercase();
            let args = words[1..].to_vec();
            let at = Evidence::at(&shown, n);
            match name.as_str() {
                "serverroot" => {
                    if let Some(r) = args.first() {
                        self.root = r.trim_end_matches('/').to_string();
                    }
                }
                "include" | "includeoptional" => {
                    for a in &args {
                        self.include(a, name == "includeoptional", &at, out);
                    }
                    continue;
                }
                _ => {}
            }
            self.lines.push(Directive { name, args, at });
        }
        self.stack.pop();
    }

    fn include(&mut self, pattern: &str, optional: bool, at: &Evidence, out: &mut Output) {
        let target = join(&self.root, pattern);
        if self.stack.len() > MAX_DEPTH {
            include_diag(
                out,
                at,
                format!("include of {target} nests too deep; not followed"),
            );
            return;
        }
        let files = include_targets(self.fs, &target, true, out);
        if files.is_empty() && !optional && !self.fs.is_dir(&target) {
            include_diag(
                out,
                at,
                format!("included file {target} is not in the collection"),
            );
        }
        for f in files {
            if self.files >= MAX_FILES {
                return;
            }
            if self.stack.contains(&f) {
                include_diag(
                    out,
                    at,
                    format!("include loop: {f} is already being read; not followed"),
                );
                continue;
            }
            if let Some(t) = text(self.fs, &f, out) {
                self.file(&f, &t, out);
            }
        }
    }
}

/// Logical lines with the number of their first physical line: `\` at the end joins the next
/// line, then comment and blank lines are dropped.
fn apache_lines(text_: &str) -> Vec<(u32, String)> {
    let mut acc = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (n, raw) in crate::source::numbered_lines(text_) {
        let (start, mut line) = match pending.take() {
            Some((s, mut l)) => {
                l.push_str(raw);
                (s, l)
            }
            None => (n, raw.to_string()),
        };
        if line.ends_with('\\') {
            line.pop();
            pending = Some((start, line));
            continue;
        }
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            acc.push((start, t.to_string()));
        }
    }
    if let Some((s, l)) = pending {
        let t = l.trim();
        if !t.is_empty() && !t.starts_with('#') {
            acc.push((s, t.to_string()));
        }
    }
    acc
}

/// Splits a directive line into words, honouring `"…"` and `'…'` quotes and backslash escapes
/// inside them. A section line `<Name args>` keeps `<Name` as the first word and drops `>`.
fn split_args(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = if line.starts_with('<') {
        line.strip_suffix('>').unwrap_or(line)
    } else {
        line
    };
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' && chars.peek().is_some_and(|d| *d == q || *d == '\\') {
                    if let Some(d) = chars.next() {
                        cur.push(d);
                    }
                } else if c == q {
                    quote = None;
                } else {
                    cur.push(c);
                }
            }
            None => {
                if c.is_whitespace() {
                    if in_word {
                        words.push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                } else if (c == '"' || c == '\'') && !in_word {
                    quote = Some(c);
                    in_word = true;
                } else {
                    cur.push(c);
                    in_word = true;
                }
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// A `CustomLog`/`TransferLog`/`GlobalLog` line and whether it writes somewhere.
struct LogDirective {
    on: bool,
    at: Evidence,
}

#[derive(Default)]
struct Site {
    at: Option<Evidence>,
    addrs: Vec<String>,
    name: Option<String>,
    logs: Vec<LogDirective>,
    auth: Option<Evidence>,
}

fn log_directive(d: &Directive) -> Option<LogDirective> {
    if !matches!(d.name.as_str(), "customlog" | "transferlog" | "globallog") {
        return None;
    }
    let target = d.args.first()?;
    let on = !matches!(target.trim(), "/dev/null" | "|/dev/null" | "||/dev/null");
    Some(LogDirective {
        on,
        at: d.at.clone(),
    })
}

fn apache(fs: &HostFs, system: &str, main: &str, out: &mut Output) {
    let Some(t) = text(fs, main, out) else { return };
    let mut ld = ApacheLoader {
        fs,
        root: parent(&parent(main)),
        stack: Vec::new(),
        lines: Vec::new(),
        files: 0,
    };
    // Debian's ServerRoot is /etc/apache2 (the main file's directory), RHEL's /etc/httpd.
    if main.starts_with("/etc/apache2/") {
        ld.root = "/etc/apache2".to_string();
    }
    ld.file(main, &t, out);
    let component = "apache";
    let mut server = Site::default();
    let mut global: Vec<LogDirective> = Vec::new();
    let mut vhosts: Vec<Site> = Vec::new();
    let mut sections: Vec<String> = Vec::new();
    for d in &ld.lines {
        if let Some(close) = d.name.strip_prefix("</") {
            if let Some(pos) = sections.iter().rposition(|s| s == close) {
                sections.truncate(pos);
            }
            continue;
        }
        if let Some(open) = d.name.strip_prefix('<') {
            if sections.len() < MAX_NEST {
                sections.push(open.to_string());
            }
            if open == "virtualhost" {
                vhosts.push(Site {
                    at: Some(d.at.clone()),
                    addrs: d.args.clone(),
                    ..Site::default()
                });
            }
            continue;
        }
        let in_vhost = sections.iter().any(|s| s == "virtualhost");
        let site = match (in_vhost, vhosts.last_mut()) {
            (true, Some(v)) => v,
            _ => &mut server,
        };
        if d.name == "globallog" {
            global.extend(log_directive(d));
        } else if let Some(l) = log_directive(d) {
            site.logs.push(l);
        } else if d.name == "servername" && site.name.is_none() {
            site.name = d.args.first().cloned();
        } else if d.name == "authtype"
            && d.args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case("basic"))
            && site.auth.is_none()
        {
            site.auth = Some(d.at.clone());
        }
    }
    let file_ev = Evidence::new(fs.evidence_path(main), None);
    let mut judge = |site: &Site, scope: Scope, anchor: Evidence| {
        let own = if site.logs.is_empty() {
            &server.logs
        } else {
            &site.logs
        };
        let effective: Vec<&LogDirective> = own.iter().chain(&global).collect();
        let (value, ev) = match effective.iter().find(|l| l.on) {
            Some(l) => ("on", l.at.clone()),
            None => match effective.first() {
                Some(l) => ("off", l.at.clone()),
                None => ("none", anchor),
            },
        };
        emit(
            out,
            system,
            component,
            "access_log",
            value,
            scope.clone(),
            ev,
        );
        if let Some(a) = site.auth.as_ref().or(server.auth.as_ref()) {
            emit(
                out,
                system,
                component,
                "basic_auth",
                "Basic",
                scope,
                a.clone(),
            );
        }
    };
    if vhosts.is_empty() {
        judge(&server, Scope::Global, file_ev.clone());
    }
    let mut seen = BTreeSet::new();
    for v in &vhosts {
        let addr = v.addrs.first().map(String::as_str).unwrap_or("*");
        let port = addr
            .rsplit_once(':')
            .map(|(_, p)| p)
            .filter(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
            .unwrap_or("80");
        let name = v
            .name
            .as_deref()
            .map(|n| {
                let n = n.split_once("://").map_or(n, |(_, r)| r);
                n.split(':').next().unwrap_or(n)
            })
            .unwrap_or_else(|| addr.rsplit_once(':').map_or(addr, |(h, _)| h));
        let anchor = v.at.clone().unwrap_or_else(|| file_ev.clone());
        let scope = Scope::Conditional(unique(&mut seen, format!("vhost {name}:{port}"), &anchor));
        judge(v, scope, anchor);
    }
}

// ---------------------------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------------------------

const NGINX: &str = "/etc/nginx/nginx.conf";

#[derive(Debug, Clone, PartialEq)]
enum NTok {
    Word(String),
    Open,
    Close,
    Semi,
}

/// An nginx directive with its block, if any.
#[derive(Debug)]
struct Node {
    name: String,
    args: Vec<String>,
    at: Evidence,
    block: Option<Vec<Node>>,
}

fn nginx_tokens(text_: &str, shown: &str, out: &mut Output) -> Vec<(NTok, u32)> {
    let chars: Vec<char> = text_.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut line: u32 = 1;
    while i < chars.len() && toks.len() < MAX_LINES {
        let c = chars[i];
        match c {
            '\n' => {
                line = line.saturating_add(1);
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '{' => {
                toks.push((NTok::Open, line));
                i += 1;
            }
            '}' => {
                toks.push((NTok::Close, line));
                i += 1;
            }
            ';' => {
                toks.push((NTok::Semi, line));
                i += 1;
            }
            '"' | '\'' => {
                let start = line;
                let mut s = String::new();
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    let d = chars[i];
                    if d == '\n' {
                        line = line.saturating_add(1);
                    }
                    if d == '\\' && i + 1 < chars.len() {
                        s.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if d == c {
                        closed = true;
                        break;
                    }
                    s.push(d);
                }
                if !closed {
                    out.diag(Diagnostic::malformed(
                        shown,
                        start,
                        "unterminated string; the rest of the file is ignored",
                    ));
                }
                toks.push((NTok::Word(s), start));
            }
            _ => {
                let mut s = String::new();
                while i < chars.len() {
                    let d = chars[i];
                    if d.is_whitespace() || d == ';' || d == '{' || d == '}' {
                        // `${var}` inside a word is a variable, not a block.
                        if d == '{' && s.ends_with('$') {
                            while i < chars.len() && chars[i] != '}' {
                                s.push(chars[i]);
                                i += 1;
                            }
                            if i < chars.len() {
                                s.push('}');
                                i += 1;
                            }
                            continue;
                        }
                        break;
                    }
                    s.push(d);
                    i += 1;
                }
                toks.push((NTok::Word(s), line));
            }
        }
    }
    toks
}

struct NginxLoader<'a> {
    fs: &'a HostFs,
    prefix: String,
    stack: Vec<String>,
    files: usize,
}

impl NginxLoader<'_> {
    fn file(&mut self, path: &str, depth: usize, out: &mut Output) -> Vec<Node> {
        let Some(t) = text(self.fs, path, out) else {
            return Vec::new();
        };
        self.files += 1;
        self.stack.push(path.to_string());
        let shown = self.fs.evidence_path(path);
        let toks = nginx_tokens(&t, &shown, out);
        let mut pos = 0;
        let nodes = self.block(&toks, &mut pos, &shown, depth, out);
        self.stack.pop();
        nodes
    }

    /// Directives until `}` (consumed) or the end; `include` spliced in place.
    fn block(
        &mut self,
        toks: &[(NTok, u32)],
        pos: &mut usize,
        shown: &str,
        depth: usize,
        out: &mut Output,
    ) -> Vec<Node> {
        let mut nodes = Vec::new();
        while let Some((tok, line)) = toks.get(*pos) {
            match tok {
                NTok::Close => {
                    *pos += 1;
                    return nodes;
                }
                NTok::Semi | NTok::Open => {
                    *pos += 1;
                    if *tok == NTok::Open {
                        // A block without a name: read and drop it.
                        let _ = self.block(toks, pos, shown, depth + 1, out);
                    }
                }
                NTok::Word(name) => {
                    let at = Evidence::at(shown, *line);
                    *pos += 1;
                    let mut args = Vec::new();
                    while let Some((NTok::Word(w), _)) = toks.get(*pos) {
                        args.push(w.clone());
                        *pos += 1;
                    }
                    let block = match toks.get(*pos) {
                        Some((NTok::Open, _)) => {
                            *pos += 1;
                            if depth >= MAX_NEST {
                                skip_block(toks, pos);
                                Some(Vec::new())
                            } else {
                                Some(self.block(toks, pos, shown, depth + 1, out))
                            }
                        }
                        Some((NTok::Semi, _)) => {
                            *pos += 1;
                            None
                        }
                        _ => None,
                    };
                    if name == "include" && block.is_none() {
                        for a in &args {
                            nodes.extend(self.include(a, &at, depth, out));
                        }
                        continue;
                    }
                    nodes.push(Node {
                        name: name.clone(),
                        args,
                        at,
                        block,
                    });
                }
            }
        }
        nodes
    }

    fn include(
        &mut self,
        pattern: &str,
        at: &Evidence,
        depth: usize,
        out: &mut Output,
    ) -> Vec<Node> {
        let target = join(&self.prefix, pattern);
        if self.stack.len() > MAX_DEPTH {
            include_diag(
                out,
                at,
                format!("include of {target} nests too deep; not followed"),
            );
            return Vec::new();
        }
        let files = include_targets(self.fs, &target, false, out);
        if files.is_empty() && !target.contains(['*', '?', '[']) {
            include_diag(
                out,
                at,
                format!("included file {target} is not in the collection"),
            );
        }
        let mut nodes = Vec::new();
        for f in files {
            if self.files >= MAX_FILES {
                break;
            }
            if self.stack.contains(&f) {
                include_diag(
                    out,
                    at,
                    format!("include loop: {f} is already being read; not followed"),
                );
                continue;
            }
            nodes.extend(self.file(&f, depth, out));
        }
        nodes
    }
}

fn skip_block(toks: &[(NTok, u32)], pos: &mut usize) {
    let mut level = 1usize;
    while let Some((t, _)) = toks.get(*pos) {
        *pos += 1;
        match t {
            NTok::Open => level += 1,
            NTok::Close => {
                level -= 1;
                if level == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// The logging and Basic-auth state a level passes down.
#[derive(Clone)]
struct Inherited {
    /// `on`/`off` and the line that decided it (`None`: the compiled-in default).
    log: (bool, Option<Evidence>),
    auth: Option<Evidence>,
}

/// A level's own `access_log` and `auth_basic` directives, applied over the inherited state.
fn apply(level: &[Node], inh: &Inherited) -> (Inherited, bool) {
    let logs: Vec<&Node> = level.iter().filter(|n| n.name == "access_log").collect();
    let mut next = inh.clone();
    let own_log = !logs.is_empty();
    if own_log {
        // `off` cancels every log at its level; otherwise any log writes.
        next.log = match logs
            .iter()
            .find(|n| n.args.first().is_some_and(|a| a == "off"))
        {
            Some(off) => (false, Some(off.at.clone())),
            None => (true, Some(logs[0].at.clone())),
        };
    }
    if let Some(a) = level.iter().rev().find(|n| n.name == "auth_basic") {
        next.auth = match a.args.first().map(String::as_str) {
            Some("off") | None => None,
            Some(_) => Some(a.at.clone()),
        };
    }
    (next, own_log)
}

fn nginx(fs: &HostFs, system: &str, out: &mut Output) {
    if text(fs, NGINX, out).is_none() {
        return;
    }
    let mut ld = NginxLoader {
        fs,
        prefix: "/etc/nginx".to_string(),
        stack: Vec::new(),
        files: 0,
    };
    let top = ld.file(NGINX, 0, out);
    let file_ev = Evidence::new(fs.evidence_path(NGINX), None);
    let root = Inherited {
        log: (true, None),
        auth: None,
    };
    let mut seen = BTreeSet::new();
    for http in top.iter().filter(|n| n.name == "http") {
        let Some(hb) = &http.block else { continue };
        let (inh, _) = apply(hb, &root);
        for server in hb.iter().filter(|n| n.name == "server") {
            let Some(sb) = &server.block else { continue };
            let (s_inh, _) = apply(sb, &inh);
            let scope = unique(&mut seen, server_scope(sb), &server.at);
            let log_ev = s_inh.log.1.clone().unwrap_or_else(|| file_ev.clone());
            let value = if s_inh.log.0 { "on" } else { "off" };
            emit(
                out,
                system,
                "nginx",
                "access_log",
                value,
                Scope::Conditional(scope.clone()),
                log_ev,
            );
            if !s_inh.log.0 {
                if let Some(a) = auth_while_off(sb, &s_inh, 0) {
                    emit(
                        out,
                        system,
                        "nginx",
                        "basic_auth",
                        "Basic",
                        Scope::Conditional(scope.clone()),
                        a,
                    );
                }
            }
            locations(system, sb, &s_inh, &scope, 0, out);
        }
    }
}

/// `location`s that turn logging off themselves while the level above logs.
fn locations(
    system: &str,
    level: &[Node],
    inh: &Inherited,
    scope: &str,
    depth: usize,
    out: &mut Output,
) {
    if depth > MAX_NEST {
        return;
    }
    for loc in level.iter().filter(|n| n.name == "location") {
        let Some(lb) = &loc.block else { continue };
        let (l_inh, own) = apply(lb, inh);
        let path = loc.args.join(" ");
        let l_scope = format!("{scope} location {path}");
        if own && inh.log.0 && !l_inh.log.0 {
            let ev = l_inh.log.1.clone().unwrap_or_else(|| loc.at.clone());
            emit(
                out,
                system,
                "nginx",
                "access_log",
                "off",
                Scope::Conditional(l_scope.clone()),
                ev,
            );
            if let Some(a) = auth_while_off(lb, &l_inh, 0) {
                emit(
                    out,
                    system,
                    "nginx",
                    "basic_auth",
                    "Basic",
                    Scope::Conditional(l_scope.clone()),
                    a,
                );
            }
        }
        if l_inh.log.0 {
            locations(system, lb, &l_inh, &l_scope, depth + 1, out);
        }
    }
}

/// The first `auth_basic` in force where logging is off, at this level or in a nested
/// location that keeps it off.
fn auth_while_off(level: &[Node], inh: &Inherited, depth: usize) -> Option<Evidence> {
    if inh.log.0 || depth > MAX_NEST {
        return None;
    }
    if let Some(a) = &inh.auth {
        return Some(a.clone());
    }
    level
        .iter()
        .filter(|n| n.name == "location")
        .filter_map(|loc| {
            let lb = loc.block.as_ref()?;
            let (l_inh, _) = apply(lb, inh);
            auth_while_off(lb, &l_inh, depth + 1)
        })
        .next()
}

/// The scope, made unique by the block's location when another site already has the name (two
/// virtual hosts on `*:80` without a ServerName, two `server_name _` servers).
fn unique(seen: &mut BTreeSet<String>, scope: String, at: &Evidence) -> String {
    let scope = if seen.contains(&scope) {
        format!("{scope} at {at}")
    } else {
        scope
    };
    seen.insert(scope.clone());
    scope
}

/// `server NAME:PORT` from the first usable `server_name` and the first `listen`.
fn server_scope(level: &[Node]) -> String {
    let name = level
        .iter()
        .filter(|n| n.name == "server_name")
        .flat_map(|n| n.args.iter())
        .find(|a| !a.is_empty() && *a != "_" && *a != "\"\"")
        .cloned();
    let listen = level
        .iter()
        .find(|n| n.name == "listen")
        .and_then(|n| n.args.first())
        .cloned();
    let port = listen
        .as_deref()
        .map(|l| {
            if l.starts_with("unix:") {
                l.to_string()
            } else {
                l.rsplit_once(':').map_or(l, |(_, p)| p).to_string()
            }
        })
        .unwrap_or_else(|| "80".to_string());
    let host = name.unwrap_or_else(|| {
        listen
            .as_deref()
            .and_then(|l| l.rsplit_once(':').map(|(h, _)| h.to_string()))
            .unwrap_or_else(|| "*".to_string())
    });
    format!("server {host}:{port}")
}

#[cfg(test)]
mod tests;
