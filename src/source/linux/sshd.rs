//! `/etc/ssh/sshd_config` as sshd itself resolves it (sshd_config(5), OpenSSH 9.x).
//!
//! Owns: `Include` (globs in lexical order, relative paths under `/etc/ssh`, absolute paths
//! against the host root, expanded in place, depth-capped and loop-guarded), case-insensitive
//! keywords, `keyword value` and `keyword=value` forms, quoted arguments, **first value wins**
//! for each keyword, and `Match` blocks (until the next `Match` or the end of the file that
//! holds it; first value wins among the blocks that apply). It emits the effective settings of
//! interest (defaults with no evidence when unset) and answers which `AuthorizedKeysFile`
//! applies to a given user. It does not evaluate `Host`/`Address` criteria: those blocks are
//! reported as conditional.

use super::fs::{Fetch, HostFs};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Record, Scope, Setting};
use crate::source::{numbered_lines, Output};
use std::collections::BTreeMap;

pub(crate) const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// OpenSSH's READCONF_MAX_DEPTH.
const MAX_DEPTH: usize = 16;

/// Settings emitted, with the upstream default used when nothing sets them. `true` marks an
/// enum value that is normalised to upper case.
const TRACKED: &[(&str, &str, bool)] = &[
    ("loglevel", "INFO", true),
    ("permitrootlogin", "PROHIBIT-PASSWORD", true),
    ("passwordauthentication", "YES", true),
    ("pubkeyauthentication", "YES", true),
    ("permitemptypasswords", "NO", true),
    ("usepam", "NO", true),
    ("hostbasedauthentication", "NO", true),
    ("ignorerhosts", "YES", true),
    ("syslogfacility", "AUTH", true),
    (
        "authorizedkeysfile",
        ".ssh/authorized_keys .ssh/authorized_keys2",
        false,
    ),
    ("authorizedkeyscommand", "none", false),
    ("authorizedprincipalsfile", "none", false),
    ("authorizedprincipalscommand", "none", false),
    ("trustedusercakeys", "none", false),
    ("revokedkeys", "none", false),
];

pub(crate) const DEFAULT_AUTHORIZED_KEYS: &[&str] =
    &[".ssh/authorized_keys", ".ssh/authorized_keys2"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) args: Vec<String>,
    pub(crate) evidence: Evidence,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MatchBlock {
    /// `Match User backup`, as written (arguments single-spaced).
    pub(crate) condition: String,
    criteria: Vec<String>,
    settings: BTreeMap<String, Entry>,
}

/// Whether a Match block applies to a user, as far as the collection tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applies {
    Yes,
    No,
    /// Depends on Host/Address/port criteria that cannot be evaluated offline.
    Maybe,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct SshdConfig {
    /// `sshd_config` was collected.
    pub(crate) present: bool,
    global: BTreeMap<String, Entry>,
    pub(crate) blocks: Vec<MatchBlock>,
}

/// Splits a config line into the keyword and its arguments (quotes honoured, `#` at the start
/// of an argument ends the line).
fn tokenize(line: &str) -> Option<(String, Vec<String>)> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let end = t
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(t.len());
    let keyword = t.get(..end)?.to_ascii_lowercase();
    let mut rest = t.get(end..).unwrap_or("").trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    let mut args = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match (c, quote) {
                ('\\', _) => {
                    chars.next();
                    if let Some(n) = chars.next() {
                        arg.push(n);
                    }
                    continue;
                }
                ('"' | '\'', None) => quote = Some(c),
                (c, Some(q)) if c == q => quote = None,
                (c, None) if c.is_whitespace() => break,
                (c, _) => arg.push(c),
            }
            chars.next();
        }
        args.push(arg);
    }
    Some((keyword, args))
}

struct Parser<'a> {
    fs: &'a HostFs,
    stack: Vec<String>,
    cfg: SshdConfig,
}

impl Parser<'_> {
    fn file(&mut self, host_path: &str, text: &str, mut block: Option<usize>, out: &mut Output) {
        self.stack.push(host_path.to_string());
        let shown = self.fs.evidence_path(host_path);
        for (n, line) in numbered_lines(text) {
            let Some((keyword, args)) = tokenize(line) else {
                continue;
            };
            let evidence = Evidence::at(&shown, n);
            match keyword.as_str() {
                "include" => {
                    if args.is_empty() {
                        out.diag(Diagnostic::malformed(&shown, n, "Include without a path"));
                    }
                    for arg in &args {
                        self.include(arg, block, &evidence, out);
                    }
                }
                "match" => {
                    self.cfg.blocks.push(MatchBlock {
                        condition: format!("Match {}", args.join(" ")),
                        criteria: args,
                        settings: BTreeMap::new(),
                    });
                    block = Some(self.cfg.blocks.len() - 1);
                }
                _ => {
                    if args.is_empty() {
                        out.diag(Diagnostic::malformed(
                            &shown,
                            n,
                            format!("keyword '{keyword}' has no value"),
                        ));
                        continue;
                    }
                    let map = match block.and_then(|b| self.cfg.blocks.get_mut(b)) {
                        Some(b) => &mut b.settings,
                        None => &mut self.cfg.global,
                    };
                    // For each keyword the first value obtained is used.
                    map.entry(keyword).or_insert(Entry { args, evidence });
                }
            }
        }
        self.stack.pop();
    }

    fn include(&mut self, arg: &str, block: Option<usize>, from: &Evidence, out: &mut Output) {
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
                    format!("Include loop: {f} is already being read; not followed"),
                ));
                continue;
            }
            if self.stack.len() >= MAX_DEPTH {
                out.diag(Diagnostic::new(
                    DiagKind::Include,
                    Severity::Warning,
                    from.clone(),
                    format!("Include nested deeper than {MAX_DEPTH}; {f} not read"),
                ));
                continue;
            }
            if self.fs.is_dir(&f) {
                continue;
            }
            match self.fs.read(&f, out) {
                Fetch::Text(text) => self.file(&f, &text, block, out),
                Fetch::Missing | Fetch::Failed => {}
            }
        }
    }
}

/// Wildcard match with `*` and `?` (OpenSSH `match_pattern`).
fn wildcard(s: &str, pat: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == s.get(si) => {
                si += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|r| r.iter().all(|c| *c == '*'))
}

/// OpenSSH `match_pattern_list`: a negated match fails the whole list.
fn pattern_list(s: &str, list: &str) -> bool {
    let mut positive = false;
    for pat in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match pat.strip_prefix('!') {
            Some(neg) if wildcard(s, neg) => return false,
            Some(_) => {}
            None => positive |= wildcard(s, pat),
        }
    }
    positive
}

impl MatchBlock {
    /// Evaluates the `User` and `Group` criteria for one account; others make it `Maybe`.
    pub(crate) fn applies_to(&self, login: &str, groups: &[String]) -> Applies {
        let mut result = Applies::Yes;
        let mut it = self.criteria.iter();
        while let Some(kind) = it.next() {
            let kind = kind.to_ascii_lowercase();
            if kind == "all" {
                continue;
            }
            let Some(value) = it.next() else {
                return Applies::No; // sshd rejects a criterion without a value
            };
            match kind.as_str() {
                "user" => {
                    if !pattern_list(login, value) {
                        return Applies::No;
                    }
                }
                "group" => {
                    if !groups.iter().any(|g| pattern_list(g, value)) {
                        return Applies::No;
                    }
                }
                _ => result = Applies::Maybe,
            }
        }
        result
    }
}

fn normalise(key: &str, args: &[String], upper: bool) -> String {
    let v = args.join(" ");
    if !upper {
        return v;
    }
    let v = v.to_ascii_uppercase();
    if key == "permitrootlogin" && v == "WITHOUT-PASSWORD" {
        "PROHIBIT-PASSWORD".to_string()
    } else {
        v
    }
}

impl SshdConfig {
    pub(crate) fn load(fs: &HostFs, out: &mut Output) -> SshdConfig {
        let mut p = Parser {
            fs,
            stack: Vec::new(),
            cfg: SshdConfig::default(),
        };
        if let Fetch::Text(text) = fs.read(SSHD_CONFIG, out) {
            p.cfg.present = true;
            p.file(SSHD_CONFIG, &text, None, out);
        }
        p.cfg
    }

    /// The effective settings of interest, then one per Match block that sets them.
    pub(crate) fn emit(&self, system: &str, out: &mut Output) {
        if !self.present {
            return;
        }
        let setting = |key: &str, value: String, scope: Scope, evidence: Option<Evidence>| {
            Record::Setting(Setting {
                system: system.to_string(),
                component: "sshd".to_string(),
                key: key.to_string(),
                value,
                scope,
                evidence,
            })
        };
        for (key, default, upper) in TRACKED {
            match self.global.get(*key) {
                Some(e) => out.record(setting(
                    key,
                    normalise(key, &e.args, *upper),
                    Scope::Global,
                    Some(e.evidence.clone()),
                )),
                None => out.record(setting(key, default.to_string(), Scope::Global, None)),
            }
        }
        for b in &self.blocks {
            for (key, _, upper) in TRACKED {
                if let Some(e) = b.settings.get(*key) {
                    out.record(setting(
                        key,
                        normalise(key, &e.args, *upper),
                        Scope::Conditional(b.condition.clone()),
                        Some(e.evidence.clone()),
                    ));
                }
            }
        }
        for key in ["authorizedkeyscommand", "authorizedprincipalscommand"] {
            let uses = self
                .global
                .get(key)
                .into_iter()
                .chain(self.blocks.iter().filter_map(|b| b.settings.get(key)))
                .find(|e| {
                    e.args
                        .first()
                        .is_some_and(|a| !a.eq_ignore_ascii_case("none"))
                });
            if let Some(e) = uses {
                out.diag(Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Note,
                    e.evidence.clone(),
                    format!("{key} fetches keys at login time; they are not in the collection"),
                ));
            }
        }
    }

    /// The `AuthorizedKeysFile` values sshd may use for this account: the first applicable
    /// Match block's value (or the global one, or the default), plus the values of earlier
    /// blocks that may apply depending on the connection. Each entry is (paths, evidence).
    pub(crate) fn authorized_keys_files(
        &self,
        login: &str,
        groups: &[String],
    ) -> Vec<(Vec<String>, Option<Evidence>)> {
        let mut found = Vec::new();
        for b in &self.blocks {
            let Some(e) = b.settings.get("authorizedkeysfile") else {
                continue;
            };
            match b.applies_to(login, groups) {
                Applies::Yes => {
                    found.push((e.args.clone(), Some(e.evidence.clone())));
                    return found;
                }
                Applies::Maybe => found.push((e.args.clone(), Some(e.evidence.clone()))),
                Applies::No => {}
            }
        }
        match self.global.get("authorizedkeysfile") {
            Some(e) => found.push((e.args.clone(), Some(e.evidence.clone()))),
            None => found.push((
                DEFAULT_AUTHORIZED_KEYS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                None,
            )),
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> (SshdConfig, Output) {
        let dir = tempfile::tempdir().unwrap();
        for (p, c) in files {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, c).unwrap();
        }
        let mut out = Output::default();
        let fs = HostFs::new(dir.path(), "", 1 << 20, &mut out).unwrap();
        let cfg = SshdConfig::load(&fs, &mut out);
        (cfg, out)
    }

    fn settings(out: &Output) -> Vec<(String, String, Scope, Option<String>)> {
        out.records
            .iter()
            .filter_map(|r| match r {
                Record::Setting(s) => Some((
                    s.key.clone(),
                    s.value.clone(),
                    s.scope.clone(),
                    s.evidence.as_ref().map(|e| e.to_string()),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn include_at_top_wins_and_match_scoping() {
        let (cfg, mut out) = load(&[
            (
                "etc/ssh/sshd_config",
                "# sshd_config\r\nInclude /etc/ssh/sshd_config.d/*.conf\r\nPermitRootLogin no\r\n\
LogLevel ERROR\r\nLOGLEVEL INFO\r\nUsePAM yes\r\nTrustedUserCAKeys /etc/ssh/user_ca.pub\r\n\
Match User backup\r\n    LogLevel QUIET\r\n    AuthorizedKeysFile /etc/ssh/keys/%u\r\n\
Match Address 10.0.0.0/8\r\n    AuthorizedKeysFile .ssh/other\r\n",
            ),
            (
                "etc/ssh/sshd_config.d/10-legacy.conf",
                "permitrootlogin YES\n",
            ),
            (
                "etc/ssh/sshd_config.d/05-a.conf",
                "pubkeyauthentication=no\n",
            ),
        ]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        cfg.emit("web01", &mut out);
        let s = settings(&out);
        let get = |k: &str, scope: &Scope| {
            s.iter()
                .find(|(key, _, sc, _)| key == k && sc == scope)
                .cloned()
        };
        let g = Scope::Global;
        assert_eq!(
            get("permitrootlogin", &g).unwrap().1,
            "YES",
            "drop-in included at the top wins"
        );
        assert_eq!(
            get("permitrootlogin", &g).unwrap().3.as_deref(),
            Some("etc/ssh/sshd_config.d/10-legacy.conf:1")
        );
        assert_eq!(get("pubkeyauthentication", &g).unwrap().1, "NO");
        assert_eq!(get("loglevel", &g).unwrap().1, "ERROR");
        assert_eq!(get("usepam", &g).unwrap().1, "YES");
        assert_eq!(
            get("revokedkeys", &g).unwrap(),
            ("revokedkeys".into(), "none".into(), g.clone(), None)
        );
        let backup = Scope::Conditional("Match User backup".into());
        assert_eq!(get("loglevel", &backup).unwrap().1, "QUIET");
        assert_eq!(
            get("authorizedkeysfile", &backup).unwrap().3.as_deref(),
            Some("etc/ssh/sshd_config:10")
        );
        assert!(get(
            "loglevel",
            &Scope::Conditional("Match Address 10.0.0.0/8".into())
        )
        .is_none());

        let backup_files = cfg.authorized_keys_files("backup", &[]);
        assert_eq!(backup_files.len(), 1);
        assert_eq!(backup_files[0].0, vec!["/etc/ssh/keys/%u".to_string()]);
        let alice = cfg.authorized_keys_files("alice", &[]);
        assert_eq!(alice.len(), 2, "Address block may apply, then the default");
        assert_eq!(alice[0].0, vec![".ssh/other".to_string()]);
        assert_eq!(alice[1].1, None);
    }

    #[test]
    fn match_in_included_file_ends_with_file_and_loops() {
        let (cfg, mut out) = load(&[
            (
                "etc/ssh/sshd_config",
                "Include conf.d/*.conf\nLogLevel VERBOSE\nInclude sshd_config\nInclude /nope/*\n",
            ),
            (
                "etc/ssh/conf.d/a.conf",
                "Match Group admins\nPasswordAuthentication yes\n",
            ),
        ]);
        cfg.emit("h", &mut out);
        let s = settings(&out);
        assert!(s.contains(&(
            "loglevel".into(),
            "VERBOSE".into(),
            Scope::Global,
            Some("etc/ssh/sshd_config:2".into())
        )));
        assert!(s.contains(&(
            "passwordauthentication".into(),
            "YES".into(),
            Scope::Conditional("Match Group admins".into()),
            Some("etc/ssh/conf.d/a.conf:2".into())
        )));
        let kinds: Vec<(Severity, u32)> = out
            .diagnostics
            .iter()
            .map(|d| (d.severity, d.location.line.unwrap()))
            .collect();
        assert_eq!(kinds, vec![(Severity::Warning, 3), (Severity::Note, 4)]);
        assert_eq!(
            cfg.blocks[0].applies_to("x", &["admins".to_string()]),
            Applies::Yes
        );
        assert_eq!(cfg.blocks[0].applies_to("x", &[]), Applies::No);
    }

    #[test]
    fn tokenizer_and_patterns() {
        assert_eq!(
            tokenize("AuthorizedKeysFile \"/etc/my keys/%u\" .ssh/k # c"),
            Some((
                "authorizedkeysfile".into(),
                vec!["/etc/my keys/%u".into(), ".ssh/k".into()]
            ))
        );
        assert_eq!(
            tokenize("LogLevel=quiet"),
            Some(("loglevel".into(), vec!["quiet".into()]))
        );
        assert_eq!(tokenize("  # comment"), None);
        assert!(pattern_list("backup", "back*,x"));
        assert!(!pattern_list("backup", "*,!backup"));
        assert!(wildcard("abc", "a?c"));
        assert!(!wildcard("abcd", "a?c"));
    }
}
