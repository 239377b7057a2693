//! `/etc/ssh/sshd_config` as OpenSSH 9.2's sshd resolves it for each connection (servconf.c),
//! checked against `sshd -T -C` by `tests/sshd_differential.rs`.
//!
//! Owns loading (`Include` globs in lexical order, relative paths under `/etc/ssh`, absolute
//! paths against the host root, depth-capped and loop-guarded) into a tree of directives,
//! `Match` lines and includes, and the evaluation sshd performs on that tree:
//!
//! - a first pass with no connection, where only `Match all` blocks apply: the global values;
//! - a second pass per connection, where global lines are skipped and every `Match` is
//!   evaluated; the first value obtained for a keyword wins and replaces the global one;
//! - an `Include` inside a `Match` block is read within it: its lines before its own first
//!   `Match` belong to the including block, and its own `Match` blocks apply only when the
//!   including block does (sshd's `SSHCFG_NEVERMATCH`); a `Match` ends at the end of its file;
//! - `AuthorizedKeysFile` `~` and `~user` are expanded when the configuration is read (to the
//!   home of uid 0, the user sshd runs as, or of that user); `%` tokens later, per login.
//!
//! Criteria on what a scan cannot know (the client's address or host name) evaluate to
//! `Maybe`: such a block's value is reported as conditional. The lexing is in `lexer`, the
//! criteria in `criteria`. The module emits `Setting` records (component `sshd`): the value
//! for connections no `Match` block changes (scope global), and the value for each user (or
//! condition) whose effective value differs; it decides no findings.

mod criteria;
mod lexer;
#[cfg(test)]
mod tests;

pub use self::criteria::{Attr, Conn, Groups, Tri};

use self::criteria::Criterion;
use super::fs::{Fetch, HostFs};
use super::group::GroupEntry;
use super::passwd::PasswdEntry;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Record, Scope, Setting};
use crate::source::{numbered_lines, Output};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub(crate) const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// OpenSSH's READCONF_MAX_DEPTH.
const MAX_DEPTH: usize = 16;

/// Keywords resolved, with the upstream default used when nothing sets them.
pub const TRACKED: &[(&str, &str)] = &[
    ("loglevel", "INFO"),
    ("permitrootlogin", "PROHIBIT-PASSWORD"),
    ("authenticationmethods", "any"),
    ("passwordauthentication", "YES"),
    ("pubkeyauthentication", "YES"),
    ("permitemptypasswords", "NO"),
    ("usepam", "NO"),
    ("hostbasedauthentication", "NO"),
    ("ignorerhosts", "YES"),
    ("syslogfacility", "AUTH"),
    (
        "authorizedkeysfile",
        ".ssh/authorized_keys .ssh/authorized_keys2",
    ),
    ("authorizedkeyscommand", "none"),
    ("authorizedkeyscommanduser", "none"),
    ("authorizedprincipalsfile", "none"),
    ("authorizedprincipalscommand", "none"),
    ("trustedusercakeys", "none"),
    ("revokedkeys", "none"),
];

/// Enumerated values, normalised to upper case.
const ENUMS: &[&str] = &[
    "loglevel",
    "permitrootlogin",
    "passwordauthentication",
    "pubkeyauthentication",
    "permitemptypasswords",
    "usepam",
    "hostbasedauthentication",
    "ignorerhosts",
    "syslogfacility",
];

/// Tracked keywords sshd refuses inside a `Match` block (servconf.c: no `SSHCFG_MATCH`).
const NOT_IN_MATCH: &[&str] = &["usepam", "syslogfacility"];

/// Values `LogLevel` accepts (log.c `log_level_number`, case-insensitive).
const LOG_LEVELS: &[&str] = &[
    "QUIET", "SILENT", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3",
];

/// Values `PermitRootLogin` accepts (servconf.c `multistate_permitrootlogin`).
const ROOT_LOGIN: &[&str] = &[
    "WITHOUT-PASSWORD",
    "PROHIBIT-PASSWORD",
    "FORCED-COMMANDS-ONLY",
    "YES",
    "NO",
];

/// The normalised value of a keyword's arguments: enums upper-cased, `LogLevel` aliases
/// folded (`SILENT` is `QUIET`, `DEBUG1` is `DEBUG`), `without-password` as
/// `PROHIBIT-PASSWORD`; other values joined by single spaces.
pub fn normalise(key: &str, args: &[String]) -> String {
    let v = args.join(" ");
    if !ENUMS.contains(&key) {
        return v;
    }
    let v = v.to_ascii_uppercase();
    match (key, v.as_str()) {
        ("permitrootlogin", "WITHOUT-PASSWORD") => "PROHIBIT-PASSWORD".to_string(),
        ("loglevel", "SILENT") => "QUIET".to_string(),
        ("loglevel", "DEBUG1") => "DEBUG".to_string(),
        _ => v,
    }
}

#[derive(Clone, Debug)]
struct Directive {
    /// Lower-case keyword.
    keyword: String,
    args: Vec<String>,
    evidence: Evidence,
}

#[derive(Clone, Debug)]
enum Item {
    Set(Directive),
    /// `criteria` is `None` when sshd rejects the line (it never matches here).
    Match {
        criteria: Option<Vec<Criterion>>,
        text: String,
    },
    Include(Vec<usize>),
}

/// A loaded configuration: the main file and every file it includes, as item lists.
#[derive(Clone, Debug, Default)]
pub struct SshdConfig {
    /// The main file was collected.
    pub(crate) present: bool,
    files: Vec<Vec<Item>>,
}

/// The accounts of a host, as sshd's `getpwnam`/`getgrouplist` would see them.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    users: Vec<User>,
    /// No account exists beyond these (a test's private passwd). On a scanned host more may
    /// come from a directory, so an unknown user's groups are unknown.
    complete: bool,
}

#[derive(Clone, Debug)]
struct User {
    login: String,
    uid: u32,
    home: String,
    groups: Vec<String>,
}

impl Accounts {
    pub(crate) fn new(passwd: &[PasswdEntry], groups: &[GroupEntry], complete: bool) -> Self {
        let mut users: Vec<User> = Vec::new();
        for p in passwd {
            if users.iter().any(|u| u.login == p.login) {
                continue;
            }
            let mut names: Vec<String> = Vec::new();
            for g in groups {
                if (g.gid == p.gid || g.members.contains(&p.login)) && !names.contains(&g.name) {
                    names.push(g.name.clone());
                }
            }
            users.push(User {
                login: p.login.clone(),
                uid: p.uid,
                home: p.home.clone(),
                groups: names,
            });
        }
        Accounts { users, complete }
    }

    /// Reads `etc/passwd` and `etc/group` under a host root, taking them as complete.
    pub fn read(root: &Path) -> Self {
        let mut out = Output::default();
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default();
        let passwd = super::passwd::parse(&read("etc/passwd"), "etc/passwd", &mut out);
        let groups = super::group::parse(&read("etc/group"), "etc/group", &mut out);
        Accounts::new(&passwd, &groups, true)
    }

    fn get(&self, login: &str) -> Option<&User> {
        self.users.iter().find(|u| u.login == login)
    }

    /// The connection of `login` with every other attribute given by `attr`.
    pub fn conn<'a>(&self, login: &'a str, attr: Attr<'a>) -> Conn<'a> {
        let groups = match self.get(login) {
            Some(u) => Groups::Known(u.groups.clone()),
            None if self.complete => Groups::NoSuchUser,
            None => Groups::Unknown,
        };
        Conn {
            user: Some(login),
            groups,
            host: attr,
            addr: attr,
            laddr: attr,
            lport: attr,
            rdomain: attr,
        }
    }

    /// misc.c `tilde_expand` with sshd's uid 0: `~`, `~/p`, `~user`, `~user/p`. `None` when
    /// the user (or uid 0) does not exist: sshd then refuses to start.
    pub fn tilde_expand(&self, path: &str) -> Option<String> {
        let Some(rest) = path.strip_prefix('~') else {
            return Some(path.to_string());
        };
        let (user, tail) = match rest.strip_prefix('/') {
            Some(t) => (None, Some(t)),
            None if rest.is_empty() => (None, None),
            None => match rest.split_once('/') {
                Some((u, t)) => (Some(u), Some(t)),
                None => (Some(rest), None),
            },
        };
        let tail = tail.map(|t| t.trim_start_matches('/')).unwrap_or("");
        let home = match user {
            Some(u) => &self.get(u)?.home,
            None => &self.users.iter().find(|u| u.uid == 0)?.home,
        };
        let slash = if home.ends_with('/') { "" } else { "/" };
        Some(format!("{home}{slash}{tail}"))
    }
}

/// auth2-pubkeyfile.c `expand_authorized_keys`: `%h %u %U %%` expanded, then a path that is
/// not absolute taken from the home directory. `Err` names the first other token (or a
/// trailing `%`): sshd's `percent_expand` then aborts the login.
pub fn expand_authorized_keys(
    path: &str,
    login: &str,
    uid: u32,
    home: &str,
) -> Result<String, String> {
    let mut s = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            s.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => s.push_str(home),
            Some('u') => s.push_str(login),
            Some('U') => s.push_str(&uid.to_string()),
            Some('%') => s.push('%'),
            Some(other) => return Err(format!("%{other}")),
            None => return Err("%".to_string()),
        }
    }
    if s.starts_with('/') {
        Ok(s)
    } else {
        Ok(format!("{home}/{s}"))
    }
}

/// One value sshd may use for a keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The arguments; `AuthorizedKeysFile` paths with `~` already expanded (a `~user` that
    /// does not exist stays as written).
    pub args: Vec<String>,
    /// Where it is set; `None` for the built-in default.
    pub evidence: Option<Evidence>,
    /// `Yes`: sshd uses it (when no earlier `Maybe` one applies). `Maybe`: only when `when`
    /// holds.
    pub certainty: Tri,
    /// The undecided criteria (as written) this value depends on.
    pub when: Vec<String>,
    /// The `Match` lines (as normalised text, outermost first) around the directive.
    pub block: Vec<String>,
    id: Option<(usize, usize)>,
}

/// What sshd uses for one connection: per tracked keyword, the `Maybe` candidates in order,
/// then the certain one.
#[derive(Clone, Debug, Default)]
pub struct Effective {
    map: BTreeMap<&'static str, Vec<Candidate>>,
    /// sshd drops this connection (`Yes`) or may (`Maybe`) at this line, when it reprocesses
    /// its configuration for it. Refusals of the first pass are `check_for_refusal`'s.
    pub refused: Option<(Tri, Evidence)>,
}

impl Effective {
    pub fn candidates(&self, key: &str) -> &[Candidate] {
        self.map.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The normalised value when it does not depend on anything unknown.
    pub fn value(&self, key: &str) -> Option<String> {
        match self.candidates(key) {
            [only] if only.certainty == Tri::Yes => Some(normalise(key, &only.args)),
            _ => None,
        }
    }
}

/// The Match state while walking: whether lines apply, what that depends on, and the
/// enclosing `Match` lines.
#[derive(Clone, Debug)]
struct State {
    tri: Tri,
    when: Vec<String>,
    block: Vec<String>,
}

impl State {
    fn top() -> State {
        State {
            tri: Tri::Yes,
            when: Vec::new(),
            block: Vec::new(),
        }
    }
    fn off() -> State {
        State {
            tri: Tri::No,
            when: Vec::new(),
            block: Vec::new(),
        }
    }
}

/// servconf.c's include flags for one file.
#[derive(Clone, Debug)]
enum Flags {
    /// `SSHCFG_MATCH_ONLY`: the per-connection pass before the file's first `Match`.
    MatchOnly,
    /// Read within this state of the including file (`SSHCFG_NEVERMATCH` when it is `No`).
    Inside(State),
}

struct Pass {
    map: BTreeMap<&'static str, Vec<Candidate>>,
    refused: Option<(Tri, Evidence)>,
}

/// (directive, certainty, undecided criteria): the users one resolved value applies to.
type GroupKey = (Option<(usize, usize)>, Tri, Vec<String>);

type Visit<'v> = dyn FnMut((usize, usize), &Directive, &State) + 'v;

struct Loader<'a> {
    fs: &'a HostFs,
    stack: Vec<String>,
    files: Vec<Vec<Item>>,
    done: BTreeMap<String, usize>,
}

impl Loader<'_> {
    fn file(&mut self, host_path: &str, text: &str, out: &mut Output) -> usize {
        let idx = self.files.len();
        self.files.push(Vec::new());
        self.stack.push(host_path.to_string());
        let shown = self.fs.evidence_path(host_path);
        let mut items = Vec::new();
        let refuse = |out: &mut Output, n: u32, why: String| {
            out.diag(Diagnostic::malformed(
                &shown,
                n,
                format!("sshd refuses to start with this line: {why}"),
            ));
        };
        for (n, raw) in numbered_lines(text) {
            let (keyword, rest) = match lexer::line(raw) {
                lexer::Line::Skip => continue,
                lexer::Line::BadQuotes => {
                    refuse(out, n, "unmatched quote".into());
                    continue;
                }
                lexer::Line::NoArgument(k) => {
                    refuse(out, n, format!("no argument after keyword '{k}'"));
                    continue;
                }
                lexer::Line::Keyword(k, rest) => (k.to_ascii_lowercase(), rest),
            };
            let evidence = Evidence::at(&shown, n);
            if keyword == "match" {
                match criteria::parse(rest) {
                    Ok(c) => {
                        let text = format!(
                            "Match {}",
                            c.iter().map(Criterion::text).collect::<Vec<_>>().join(" ")
                        );
                        items.push(Item::Match {
                            criteria: Some(c),
                            text,
                        });
                    }
                    Err(why) => {
                        refuse(out, n, why);
                        items.push(Item::Match {
                            criteria: None,
                            text: format!("Match {rest}"),
                        });
                    }
                }
                continue;
            }
            let Some(args) = lexer::argv_split(rest) else {
                refuse(out, n, "invalid quotes".into());
                continue;
            };
            if args.is_empty() {
                refuse(out, n, format!("no argument after keyword '{keyword}'"));
                continue;
            }
            if keyword == "include" {
                let mut subs = Vec::new();
                for arg in &args {
                    self.include(arg, &evidence, &mut subs, out);
                }
                items.push(Item::Include(subs));
                continue;
            }
            if let Some(why) = invalid_value(&keyword, &args) {
                refuse(out, n, why);
            }
            items.push(Item::Set(Directive {
                keyword,
                args,
                evidence,
            }));
        }
        self.stack.pop();
        if let Some(slot) = self.files.get_mut(idx) {
            *slot = items;
        }
        self.done.insert(host_path.to_string(), idx);
        idx
    }

    fn include(&mut self, arg: &str, from: &Evidence, subs: &mut Vec<usize>, out: &mut Output) {
        // servconf.c: a path not starting with `/` or `~` is under /etc/ssh; `~` is not
        // expanded (glob(3) without GLOB_TILDE), so it names a relative path that never exists.
        if arg.starts_with('~') {
            out.diag(Diagnostic::new(
                DiagKind::Include,
                Severity::Note,
                from.clone(),
                format!("Include {arg}: sshd does not expand '~' here, so it matches nothing"),
            ));
            return;
        }
        let pattern = if arg.starts_with('/') {
            arg.to_string()
        } else {
            format!("/etc/ssh/{arg}")
        };
        let files = self.fs.glob(&pattern, out);
        if files.is_empty() {
            out.diag(Diagnostic::new(
                DiagKind::Include,
                Severity::Note,
                from.clone(),
                format!("Include {pattern} matches nothing in the collection"),
            ));
        }
        for f in files {
            if self.stack.contains(&f) {
                out.diag(Diagnostic::new(
                    DiagKind::Include,
                    Severity::Warning,
                    from.clone(),
                    format!(
                        "sshd refuses to start with this line: Include loop ({f} is already being \
                         read; sshd stops at too many recursive includes)"
                    ),
                ));
                continue;
            }
            if self.stack.len() >= MAX_DEPTH {
                out.diag(Diagnostic::new(
                    DiagKind::Include,
                    Severity::Warning,
                    from.clone(),
                    format!(
                        "sshd refuses to start with this line: Include nested deeper than \
                         {MAX_DEPTH}; {f} not read"
                    ),
                ));
                continue;
            }
            if self.fs.is_dir(&f) {
                continue;
            }
            if let Some(&idx) = self.done.get(&f) {
                subs.push(idx);
                continue;
            }
            match self.fs.read(&f, out) {
                Fetch::Text(text) => subs.push(self.file(&f, &text, out)),
                Fetch::Missing | Fetch::Failed => {}
            }
        }
    }
}

/// Tracked keywords that take exactly one argument (more: "extra arguments at end of line").
const SINGLE: &[&str] = &[
    "loglevel",
    "permitrootlogin",
    "passwordauthentication",
    "pubkeyauthentication",
    "permitemptypasswords",
    "usepam",
    "hostbasedauthentication",
    "ignorerhosts",
    "syslogfacility",
    "authorizedkeyscommanduser",
    "authorizedprincipalsfile",
    "trustedusercakeys",
    "revokedkeys",
    "kbdinteractiveauthentication",
    "challengeresponseauthentication",
    "gssapiauthentication",
];

/// yes/no flags (servconf.c `parse_flag`).
const FLAGS: &[&str] = &[
    "passwordauthentication",
    "pubkeyauthentication",
    "permitemptypasswords",
    "usepam",
    "hostbasedauthentication",
    "kbdinteractiveauthentication",
    "challengeresponseauthentication",
    "gssapiauthentication",
];

/// Why sshd would reject a tracked keyword's line wherever it is (sshd parses every line,
/// even in blocks that do not apply), if it would.
fn invalid_value(keyword: &str, args: &[String]) -> Option<String> {
    let first = args
        .first()
        .map(|a| a.to_ascii_uppercase())
        .unwrap_or_default();
    if SINGLE.contains(&keyword) && args.len() > 1 {
        return Some(format!("keyword {keyword} extra arguments at end of line"));
    }
    match keyword {
        "loglevel" if !LOG_LEVELS.contains(&first.as_str()) => {
            Some(format!("unsupported log level '{}'", args.join(" ")))
        }
        "permitrootlogin" if !ROOT_LOGIN.contains(&first.as_str()) => Some(format!(
            "unsupported PermitRootLogin value '{}'",
            args.join(" ")
        )),
        k if FLAGS.contains(&k) && first != "YES" && first != "NO" => {
            Some(format!("unsupported {k} value '{}'", args.join(" ")))
        }
        "ignorerhosts" if !["YES", "NO", "SHOSTS-ONLY"].contains(&first.as_str()) => Some(format!(
            "unsupported IgnoreRhosts value '{}'",
            args.join(" ")
        )),
        // `any` followed by anything; `any` after other methods on a line is the pass's
        // business (it depends on whether the line applies).
        "authenticationmethods" if args.iter().rev().skip(1).any(|a| a == "any") => {
            Some("\"any\" must appear alone in AuthenticationMethods".into())
        }
        _ => None,
    }
}

/// Keywords resolved only to check `AuthenticationMethods` (not emitted), with defaults.
const AUX: &[(&str, &str)] = &[
    ("kbdinteractiveauthentication", "YES"),
    ("gssapiauthentication", "NO"),
];

fn tracked_key(keyword: &str) -> Option<&'static str> {
    let keyword = match keyword {
        // servconf.c: an alias of KbdInteractiveAuthentication since OpenSSH 8.7.
        "challengeresponseauthentication" => "kbdinteractiveauthentication",
        k => k,
    };
    TRACKED
        .iter()
        .chain(AUX)
        .map(|(k, _)| *k)
        .find(|k| *k == keyword)
}

/// The keyword that enables an authentication method (auth2.c `authmethods`).
fn method_switch(method: &str) -> Option<&'static str> {
    match method.split(':').next().unwrap_or("") {
        "publickey" => Some("pubkeyauthentication"),
        "password" => Some("passwordauthentication"),
        "keyboard-interactive" => Some("kbdinteractiveauthentication"),
        "hostbased" => Some("hostbasedauthentication"),
        "gssapi-with-mic" => Some("gssapiauthentication"),
        _ => None,
    }
}

fn default_candidate(key: &str) -> Candidate {
    let default = TRACKED
        .iter()
        .chain(AUX)
        .find(|(k, _)| *k == key)
        .map(|(_, d)| *d)
        .unwrap_or("");
    Candidate {
        args: default.split(' ').map(str::to_string).collect(),
        evidence: None,
        certainty: Tri::Yes,
        when: Vec::new(),
        block: Vec::new(),
        id: None,
    }
}

impl SshdConfig {
    /// Loads `/etc/ssh/sshd_config` of a host tree.
    pub(crate) fn load(fs: &HostFs, out: &mut Output) -> SshdConfig {
        Self::load_from(fs, SSHD_CONFIG, out)
    }

    fn load_from(fs: &HostFs, main: &str, out: &mut Output) -> SshdConfig {
        let mut loader = Loader {
            fs,
            stack: Vec::new(),
            files: Vec::new(),
            done: BTreeMap::new(),
        };
        let present = match fs.read(main, out) {
            Fetch::Text(text) => {
                loader.file(main, &text, out);
                true
            }
            Fetch::Missing | Fetch::Failed => false,
        };
        let cfg = SshdConfig {
            present,
            files: loader.files,
        };
        cfg.check_match_keywords(out);
        cfg
    }

    /// Loads `config` (a path on the host, such as `/etc/ssh/sshd_config`) from the host tree
    /// at `root`, with every diagnostic.
    pub fn read(root: &Path, config: &str) -> (SshdConfig, Vec<Diagnostic>) {
        let mut out = Output::default();
        let Some(fs) = HostFs::new(root, "", u64::MAX, &mut out) else {
            return (SshdConfig::default(), out.diagnostics);
        };
        let cfg = Self::load_from(&fs, config, &mut out);
        (cfg, out.diagnostics)
    }

    fn walk(
        &self,
        f: usize,
        conn: Option<&Conn<'_>>,
        flags: Flags,
        active: &mut State,
        depth: usize,
        visit: &mut Visit<'_>,
    ) {
        let Some(items) = self.files.get(f) else {
            return;
        };
        let mut flags = flags;
        for (i, item) in items.iter().enumerate() {
            match item {
                Item::Set(d) => visit((f, i), d, active),
                Item::Match { criteria, text } => {
                    let outer = match &flags {
                        Flags::MatchOnly => State::top(),
                        Flags::Inside(s) => s.clone(),
                    };
                    *active = if outer.tri == Tri::No {
                        State::off()
                    } else {
                        let (v, undecided) = match criteria {
                            Some(c) => criteria::eval(c, conn),
                            None => (Tri::No, Vec::new()),
                        };
                        let mut s = outer.clone();
                        s.tri = outer.tri.and(v);
                        s.when.extend(undecided);
                        s.block.push(text.clone());
                        s
                    };
                    // The MATCH_ONLY flag applies only until the file's first Match.
                    flags = Flags::Inside(outer);
                }
                Item::Include(subs) => {
                    if depth >= MAX_DEPTH {
                        continue;
                    }
                    let oactive = active.clone();
                    for &sub in subs {
                        let sub_flags = match &flags {
                            Flags::MatchOnly => Flags::MatchOnly,
                            Flags::Inside(_) => Flags::Inside(oactive.clone()),
                        };
                        self.walk(sub, conn, sub_flags, active, depth + 1, visit);
                        *active = oactive.clone();
                    }
                }
            }
        }
    }

    /// One pass: per tracked keyword, the candidates up to the first certain one. The first
    /// pass (no connection) starts active; the per-connection pass starts with global lines
    /// skipped. Also returns where sshd aborts the pass, if it does: `AuthenticationMethods
    /// any` on any line (even one that does not apply) once the pass has obtained a value
    /// (servconf.c checks `options->num_auth_methods`, not the line's own list).
    fn pass(&self, conn: Option<&Conn<'_>>, per_connection: bool) -> Pass {
        let mut map: BTreeMap<&'static str, Vec<Candidate>> = BTreeMap::new();
        let mut refused: Option<(Tri, Evidence)> = None;
        if self.files.is_empty() {
            return Pass { map, refused };
        }
        let (flags, mut active) = if per_connection {
            (Flags::MatchOnly, State::off())
        } else {
            (Flags::Inside(State::top()), State::top())
        };
        let mut visit = |id: (usize, usize), d: &Directive, s: &State| {
            if d.keyword == "authenticationmethods" && d.args.iter().any(|a| a == "any") {
                // servconf.c appends the methods of the line that sets the value straight into
                // the options, so `publickey any` fails there too.
                let set = map
                    .get("authenticationmethods")
                    .and_then(|l| l.iter().map(|c| c.certainty).max());
                let same_line = (d.args.len() > 1)
                    .then_some(s.tri)
                    .filter(|t| *t != Tri::No);
                if let Some(t) = set.max(same_line) {
                    if refused.as_ref().is_none_or(|(r, _)| t > *r) {
                        refused = Some((t, d.evidence.clone()));
                    }
                }
            }
            if s.tri == Tri::No {
                return;
            }
            let Some(key) = tracked_key(&d.keyword) else {
                return;
            };
            let list = map.entry(key).or_default();
            if list.last().is_some_and(|c| c.certainty == Tri::Yes) {
                return;
            }
            list.push(Candidate {
                args: d.args.clone(),
                evidence: Some(d.evidence.clone()),
                certainty: s.tri,
                when: s.when.clone(),
                block: s.block.clone(),
                id: Some(id),
            });
        };
        self.walk(0, conn, flags, &mut active, 0, &mut visit);
        Pass { map, refused }
    }

    /// sshd's first pass sees tracked keywords that are not allowed in `Match` inside a block
    /// that does not apply: it refuses to start.
    fn check_match_keywords(&self, out: &mut Output) {
        if self.files.is_empty() {
            return;
        }
        let mut active = State::top();
        let mut visit = |_: (usize, usize), d: &Directive, s: &State| {
            if s.tri == Tri::No && NOT_IN_MATCH.contains(&d.keyword.as_str()) {
                out.diag(Diagnostic::malformed(
                    &d.evidence.path,
                    d.evidence.line.unwrap_or(0),
                    format!(
                        "sshd refuses to start with this line: '{}' is not allowed within a Match block",
                        d.keyword
                    ),
                ));
            }
        };
        self.walk(
            0,
            None,
            Flags::Inside(State::top()),
            &mut active,
            0,
            &mut visit,
        );
    }

    /// What sshd uses for a connection (`None`: one that no criterion matches, only
    /// `Match all` applies): the per-connection pass, then the first pass's global value, then
    /// the default. `AuthorizedKeysFile` paths get their `~` expanded with `accounts`.
    pub fn effective(&self, accounts: &Accounts, conn: Option<&Conn<'_>>) -> Effective {
        let global = self.pass(None, false).map;
        let Pass { map: per, refused } = self.pass(conn, true);
        let mut map = BTreeMap::new();
        for (key, _) in TRACKED {
            let mut list = per.get(key).cloned().unwrap_or_default();
            if list.last().is_none_or(|c| c.certainty != Tri::Yes) {
                list.push(
                    global
                        .get(key)
                        .and_then(|g| g.first())
                        .cloned()
                        .unwrap_or_else(|| default_candidate(key)),
                );
            }
            if *key == "authorizedkeysfile" || *key == "authorizedprincipalsfile" {
                for c in &mut list {
                    for a in &mut c.args {
                        if let Some(x) = accounts.tilde_expand(a) {
                            *a = x;
                        }
                    }
                }
            }
            map.insert(*key, list);
        }
        Effective { map, refused }
    }

    /// What makes sshd refuse to start that needs the accounts or a whole pass: every `~user`
    /// in an `AuthorizedKeysFile` that is no account of the host (sshd expands them when it
    /// reads the file, even in blocks that do not apply), and a late `AuthenticationMethods
    /// any`.
    pub fn check_for_refusal(&self, accounts: &Accounts, out: &mut Output) {
        let first = self.pass(None, false);
        // sshd.c: at least one global AuthenticationMethods list must use only methods that
        // are enabled globally ("AuthenticationMethods cannot be satisfied by enabled
        // authentication methods"). Match blocks are not checked.
        let global = |key: &str| {
            first
                .map
                .get(key)
                .and_then(|l| l.first())
                .cloned()
                .unwrap_or_else(|| default_candidate(key))
        };
        let methods = global("authenticationmethods");
        if let Some(ev) = &methods.evidence {
            let enabled =
                |m: &str| method_switch(m).is_some_and(|k| normalise(k, &global(k).args) == "YES");
            let satisfiable = methods
                .args
                .iter()
                .any(|list| list == "any" || list.split(',').all(enabled));
            if !satisfiable {
                out.diag(Diagnostic::malformed(
                    &ev.path,
                    ev.line.unwrap_or(0),
                    "sshd refuses to start with this line: AuthenticationMethods cannot be \
                     satisfied by enabled authentication methods",
                ));
            }
        }
        if let Some((_, ev)) = first.refused {
            out.diag(Diagnostic::malformed(
                &ev.path,
                ev.line.unwrap_or(0),
                "sshd refuses to start with this line: \"any\" must appear alone in \
                 AuthenticationMethods, and an earlier line already set it",
            ));
        }
        for d in self.files.iter().flatten().filter_map(|i| match i {
            Item::Set(d) if d.keyword == "authorizedkeysfile" => Some(d),
            _ => None,
        }) {
            for a in d.args.iter().filter(|a| a.starts_with('~')) {
                if accounts.tilde_expand(a).is_none() {
                    out.diag(Diagnostic::malformed(
                        &d.evidence.path,
                        d.evidence.line.unwrap_or(0),
                        format!(
                            "sshd refuses to start with this line: '{a}' names no account of this host"
                        ),
                    ));
                }
            }
        }
    }

    /// The users a per-user view is computed for: the accounts, then the literal names of
    /// `Match User` lines that are no account (directory users), then (when accounts may
    /// exist beyond the files) anyone else.
    fn subjects<'a>(&'a self, accounts: &'a Accounts) -> Vec<Option<&'a str>> {
        let mut names: Vec<Option<&str>> = accounts
            .users
            .iter()
            .map(|u| Some(u.login.as_str()))
            .collect();
        let mut extra = BTreeSet::new();
        for item in self.files.iter().flatten() {
            if let Item::Match {
                criteria: Some(c), ..
            } = item
            {
                for crit in c {
                    if let Criterion::Attr(criteria::Kind::User, _, list) = crit {
                        for u in criteria::literal_users(list) {
                            if accounts.get(u).is_none() {
                                extra.insert(u);
                            }
                        }
                    }
                }
            }
        }
        names.extend(extra.into_iter().map(Some));
        if !accounts.complete {
            names.push(None);
        }
        names
    }

    /// Emits the resolved settings: the value for connections no `Match` block changes
    /// (global scope), then every other value sshd uses for some user, scoped by the
    /// condition that selects it (`Match User alice`, `Match User alice Address 10.0.0.0/8`,
    /// or the block's own condition when it is the same for every user).
    pub(crate) fn emit(&self, system: &str, accounts: &Accounts, out: &mut Output) {
        if !self.present {
            return;
        }
        self.check_for_refusal(accounts, out);
        let setting = |key: &str, c: &Candidate, scope: Scope| {
            Record::Setting(Setting {
                system: system.to_string(),
                component: "sshd".to_string(),
                key: key.to_string(),
                value: normalise(key, &c.args),
                scope,
                evidence: c.evidence.clone(),
            })
        };
        let baseline = self.effective(accounts, None);
        let subjects = self.subjects(accounts);
        let views: Vec<(Option<&str>, Effective)> = subjects
            .iter()
            .map(|s| {
                let conn = match s {
                    Some(login) => accounts.conn(login, Attr::Unknown),
                    None => Conn {
                        user: None,
                        groups: Groups::Unknown,
                        ..accounts.conn("", Attr::Unknown)
                    },
                };
                (*s, self.effective(accounts, Some(&conn)))
            })
            .collect();
        let mut drops: BTreeMap<Evidence, Vec<&str>> = BTreeMap::new();
        for (who, view) in &views {
            if let Some((_, ev)) = &view.refused {
                drops
                    .entry(ev.clone())
                    .or_default()
                    .push(who.unwrap_or("other users"));
            }
        }
        for (ev, who) in drops {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Warning,
                ev,
                format!(
                    "sshd drops connections as {} here: \"any\" must appear alone in \
                     AuthenticationMethods, and a Match block already set it",
                    who.join(", ")
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (key, _) in TRACKED {
            let Some(base) = baseline.candidates(key).last() else {
                continue;
            };
            out.record(setting(key, base, Scope::Global));
            // (directive, certainty, undecided criteria) -> (candidate, users)
            let mut groups: BTreeMap<GroupKey, (Candidate, Vec<Option<&str>>)> = BTreeMap::new();
            for (who, view) in &views {
                for c in view.candidates(key) {
                    if c.certainty == Tri::Yes && c.id == base.id {
                        continue;
                    }
                    groups
                        .entry((c.id, c.certainty, c.when.clone()))
                        .or_insert_with(|| (c.clone(), Vec::new()))
                        .1
                        .push(*who);
                }
            }
            for (c, users) in groups.values() {
                let scopes: Vec<String> = if users.len() == views.len() || c.id.is_none() {
                    vec![c.block.join(" / ")]
                } else {
                    users
                        .iter()
                        .map(|u| {
                            let mut parts = vec!["Match".to_string()];
                            if let Some(u) = u {
                                parts.push(format!("User {u}"));
                            }
                            parts.extend(c.when.iter().cloned());
                            if parts.len() == 1 {
                                c.block.join(" / ")
                            } else {
                                parts.join(" ")
                            }
                        })
                        .collect()
                };
                for scope in scopes {
                    let value = normalise(key, &c.args);
                    if seen.insert((key.to_string(), scope.clone(), value, c.evidence.clone())) {
                        out.record(setting(key, c, Scope::Conditional(scope)));
                    }
                }
            }
        }
    }
}
