//! sudo's decision for one user on this host, from the parsed policy (sudoers(5) 1.9.13 and
//! sudoers' own matching code): the last matching user specification, host, Runas and command
//! wins; within a list the last matching member wins and `!` inverts it; aliases expand
//! recursively.
//!
//! Alias expansion is memoised (an alias's value is a function of the alias and of the user,
//! command or host being matched, so `U2 = U1, U1` costs one expansion of `U1`, not two) and an
//! alias met again while it is being expanded is a loop, handled as sudo's `alias_get` does (it
//! refuses an alias already in use: a user, Runas or host alias then matches as a plain name, a
//! command alias matches nothing). A value computed under a loop depends on which aliases were
//! in use, so only loop-free values are kept. Work is bounded per outermost alias: past
//! [`ALIAS_BUDGET`] expanded members or [`MAX_ALIAS_DEPTH`] nested aliases the evaluation stops
//! with [`Exhausted`], which the caller reports at the alias's line.
//!
//! "Root-equivalent" is answered by probes: invocations that give a root shell (each shell in
//! the usual directories, `su` and `su -`, `env sh`, `sudoedit /etc/sudoers`, a copy of a shell
//! elsewhere, and every shell or directory the file itself names). A user is root-equivalent when
//! sudo would let them run any probe as root.
//!
//! What the collected files cannot tell is an *atom* (a netgroup, an address when the host's
//! addresses are unknown, the FQDN when `etc/hosts` does not give it). The verdict is computed
//! with every atom false (what sudo does where the netgroup does not hold the host), and again
//! under other assignments: when they differ, the verdict is conditional on those atoms.

use super::parse::{
    AliasBody, AliasKind, Binding, CmndItem, HostItem, Member, Param, Privilege, Runas, UserItem,
};
use crate::inventory::Evidence;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Nesting limit for alias expansion: aliases inside aliases this deep stop the evaluation (a
/// loop does not count: it is cut where it closes).
pub(super) const MAX_ALIAS_DEPTH: usize = 128;

/// Alias members expanded for one outermost alias (memoised expansions are free). A file without
/// alias loops never comes near: each alias is expanded at most once per outermost alias.
pub(super) const ALIAS_BUDGET: usize = 1_000_000;

/// An evaluation stopped because an alias's expansion ran past the limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Exhausted {
    /// The outermost alias being expanded.
    pub kind: AliasKind,
    pub name: String,
    /// True when the nesting depth, not the member budget, ran out.
    pub too_deep: bool,
}

/// The host as sudo sees it.
#[derive(Clone, Debug, Default)]
pub(crate) struct HostFacts {
    /// What the host calls itself (etc/hostname).
    pub hostname: String,
    /// The short name (up to the first dot).
    pub short: String,
    /// The fully-qualified name sudo matches dotted patterns against; `None` when unknown.
    pub fqdn: Option<String>,
    /// The host's non-loopback addresses; `None` when none were collected.
    pub addrs: Option<Vec<IpAddr>>,
}

/// A user as sudo's matching sees them.
#[derive(Clone, Debug, Default)]
pub(crate) struct UserFacts {
    pub login: String,
    pub uid: Option<u32>,
    /// Group names (primary and supplementary).
    pub groups: Vec<String>,
    pub gids: Vec<u32>,
}

/// Who a verdict is about.
#[derive(Clone, Copy, Debug)]
pub(super) enum Subject<'a> {
    User(&'a UserFacts),
    /// Any user named by nothing but `ALL`.
    Anyone,
    /// Any member of this netgroup (named by `+netgroup` or `ALL`).
    Netgroup(&'a str),
}

pub(super) struct Spec {
    pub evidence: Evidence,
    pub users: Vec<Member<UserItem>>,
    pub privileges: Vec<Privilege>,
}

pub(super) struct DefaultsEntry {
    pub evidence: Evidence,
    pub binding: Binding,
    pub binding_text: String,
    /// Only the parameters sudo accepts.
    pub params: Vec<Param>,
}

#[derive(Default)]
pub(super) struct Policy {
    pub aliases: BTreeMap<(AliasKind, String), AliasBody>,
    /// Where each alias is defined.
    pub alias_at: BTreeMap<(AliasKind, String), Evidence>,
    pub specs: Vec<Spec>,
    pub defaults: Vec<DefaultsEntry>,
}

/// A command invocation tested against the policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Probe {
    pub path: String,
    pub args: String,
}

/// Shells and shell launchers: running any of them as root is a root shell.
pub(super) const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "csh", "tcsh", "ash", "fish", "busybox",
];
const STD_DIRS: &[&str] = &[
    "/usr/bin",
    "/bin",
    "/usr/sbin",
    "/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];
const SU_ARGS: &[&str] = &[
    "",
    "-",
    "-l",
    "--login",
    "root",
    "- root",
    "-l root",
    "-s /bin/sh",
];
/// A shell copied somewhere only `ALL` (or a wide glob) reaches.
pub(super) const COPIED_SHELL: &str = "/tmp/rootshell";

/// The verdict for one subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Verdict {
    pub root: bool,
    pub nopasswd: bool,
    /// The user specification that decided (the allowed probe's, or the last match seen).
    pub evidence: Option<Evidence>,
    pub hosts: String,
}

/// A verdict plus the unresolvable facts that would change it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Resolved {
    pub verdict: Verdict,
    /// Sorted descriptions of the atoms the root verdict depends on; empty when definite.
    pub conditions: Vec<String>,
    /// When `verdict.root` is false but some assignment of the atoms makes it true: that
    /// assignment's deciding line.
    pub conditional_root: Option<Verdict>,
}

struct Ctx<'a> {
    policy: &'a Policy,
    host: &'a HostFacts,
    root: &'a UserFacts,
    assume: &'a BTreeSet<String>,
    seen: RefCell<BTreeSet<String>>,
    expansion: RefCell<Expansion>,
}

/// The state of alias expansion in one evaluation.
#[derive(Default)]
struct Expansion {
    /// Aliases being expanded, outermost first (sudo's "in use" flag).
    stack: Vec<(AliasKind, String)>,
    /// (kind, name, what is matched) -> the alias's value, for values computed without a loop.
    memo: HashMap<(AliasKind, String, String), Option<bool>>,
    /// The lowest stack position a loop closed on inside the current expansion.
    low: usize,
    /// Members expanded since the outermost alias was entered.
    work: usize,
    exhausted: Option<Exhausted>,
}

/// The value of an alias, or a loop (the alias is already being expanded).
enum Expanded {
    Value(Option<bool>),
    Loop,
}

impl<'a> Ctx<'a> {
    fn new(
        policy: &'a Policy,
        host: &'a HostFacts,
        root: &'a UserFacts,
        assume: &'a BTreeSet<String>,
    ) -> Self {
        Ctx {
            policy,
            host,
            root,
            assume,
            seen: RefCell::new(BTreeSet::new()),
            expansion: RefCell::new(Expansion::default()),
        }
    }

    fn exhausted(&self) -> Option<Exhausted> {
        self.expansion.borrow().exhausted.clone()
    }

    /// Expands alias `name` of `kind` (with `size` members) for the matched thing `key`:
    /// memoised, loop-checked and budgeted. `body` evaluates the alias's members.
    fn expand(
        &self,
        kind: AliasKind,
        name: &str,
        key: &str,
        size: usize,
        body: impl FnOnce() -> Option<bool>,
    ) -> Expanded {
        let pos;
        let outer_low;
        {
            let mut st = self.expansion.borrow_mut();
            if st.exhausted.is_some() {
                return Expanded::Value(None);
            }
            if let Some(q) = st.stack.iter().position(|(k, n)| *k == kind && n == name) {
                st.low = st.low.min(q);
                return Expanded::Loop;
            }
            if let Some(v) = st.memo.get(&(kind, name.to_string(), key.to_string())) {
                return Expanded::Value(*v);
            }
            if st.stack.is_empty() {
                st.work = 0;
            }
            st.work = st.work.saturating_add(size);
            let too_deep = st.stack.len() >= MAX_ALIAS_DEPTH;
            if too_deep || st.work > ALIAS_BUDGET {
                let (kind, name) = st
                    .stack
                    .first()
                    .cloned()
                    .unwrap_or((kind, name.to_string()));
                st.exhausted = Some(Exhausted {
                    kind,
                    name,
                    too_deep,
                });
                return Expanded::Value(None);
            }
            pos = st.stack.len();
            st.stack.push((kind, name.to_string()));
            outer_low = std::mem::replace(&mut st.low, usize::MAX);
        }
        let v = body();
        let mut st = self.expansion.borrow_mut();
        st.stack.pop();
        let low = st.low;
        st.low = outer_low.min(low);
        // A loop that closed on this alias or above it does not depend on the aliases below.
        if low >= pos && st.exhausted.is_none() {
            st.memo.insert((kind, name.to_string(), key.to_string()), v);
        }
        Expanded::Value(v)
    }

    fn atom(&self, name: String) -> Option<bool> {
        let v = self.assume.contains(&name);
        self.seen.borrow_mut().insert(name);
        v.then_some(true)
    }

    fn alias(&self, kind: AliasKind, name: &str) -> Option<&AliasBody> {
        self.policy.aliases.get(&(kind, name.to_string()))
    }

    /// sudo's list rule: the last member that matches decides; `!` inverts.
    fn list<T>(&self, items: &[Member<T>], f: impl Fn(&T) -> Option<bool>) -> Option<bool> {
        items
            .iter()
            .rev()
            .find_map(|m| f(&m.item).map(|r| r != m.neg))
    }

    fn users(&self, items: &[Member<UserItem>], who: Subject<'_>) -> Option<bool> {
        self.list(items, |item| self.user(item, who))
    }

    fn user(&self, item: &UserItem, who: Subject<'_>) -> Option<bool> {
        if let UserItem::Alias(name) = item {
            if let Some(AliasBody::Users(list)) = self.alias(AliasKind::User, name) {
                let key = subject_key(who);
                let body = || self.users(list, who);
                if let Expanded::Value(v) =
                    self.expand(AliasKind::User, name, &key, list.len(), body)
                {
                    return v;
                }
            }
            // sudo: an alias that is not defined, or already being expanded (a loop), is matched
            // as a plain name.
            return self.user(&UserItem::Name(name.clone()), who);
        }
        let hit = match (item, who) {
            (UserItem::All, _) => true,
            (UserItem::Netgroup(n), Subject::Netgroup(m)) => n == m,
            (_, Subject::Anyone | Subject::Netgroup(_)) => false,
            (UserItem::Name(n), Subject::User(u)) => *n == u.login,
            (UserItem::Uid(id), Subject::User(u)) => u.uid.is_some_and(|x| i64::from(x) == *id),
            (UserItem::Group(g), Subject::User(u)) => u.groups.iter().any(|x| x == g),
            (UserItem::Gid(id), Subject::User(u)) => u.gids.iter().any(|x| i64::from(*x) == *id),
            // A group plugin's groups and a user's netgroups cannot be resolved here; a
            // netgroup's members get their own `Subject::Netgroup` verdict.
            (UserItem::NonUnixGroup(_) | UserItem::Netgroup(_), Subject::User(_)) => false,
            (UserItem::Alias(_), _) => false,
        };
        hit.then_some(true)
    }

    /// Whether a Runas user list lets the command run as root.
    fn runas_root(&self, items: &[Member<UserItem>]) -> Option<bool> {
        self.list(items, |item| match item {
            UserItem::Alias(name) => {
                if let Some(AliasBody::Users(list)) = self.alias(AliasKind::Runas, name) {
                    let body = || self.runas_root(list);
                    if let Expanded::Value(v) =
                        self.expand(AliasKind::Runas, name, "", list.len(), body)
                    {
                        return v;
                    }
                }
                // Not defined, or a loop: a plain name.
                self.user(&UserItem::Name(name.clone()), Subject::User(self.root))
            }
            UserItem::Netgroup(n) => self.atom(format!("root is in netgroup +{n}")),
            other => self.user(other, Subject::User(self.root)),
        })
    }

    fn hosts(&self, items: &[Member<HostItem>]) -> Option<bool> {
        self.list(items, |item| self.host_item(item))
    }

    fn host_item(&self, item: &HostItem) -> Option<bool> {
        match item {
            HostItem::All => Some(true),
            HostItem::Alias(name) => match self.alias(AliasKind::Host, name) {
                Some(AliasBody::Hosts(list)) => {
                    let body = || self.hosts(list);
                    match self.expand(AliasKind::Host, name, "", list.len(), body) {
                        Expanded::Value(v) => v,
                        // A loop: matched as a host name, as an undefined alias is.
                        Expanded::Loop => self.host_item(&HostItem::Name(name.clone())),
                    }
                }
                Some(_) => None,
                // sudo: an alias that is not defined is matched as a host name (`WEB01`).
                None => self.host_item(&HostItem::Name(name.clone())),
            },
            HostItem::Netgroup(n) => self.atom(format!(
                "this host is in netgroup +{n} (not resolvable offline)"
            )),
            HostItem::Network(text) => {
                let (net, mask) = parse_network(text)?;
                let Some(addrs) = &self.host.addrs else {
                    return self.atom(format!(
                        "this host has an address in {text} (no address collected)"
                    ));
                };
                match mask {
                    Some(mask) => addrs
                        .iter()
                        .any(|a| masked(a, &mask) == masked(&net, &mask))
                        .then_some(true),
                    None if addrs.contains(&net) => Some(true),
                    // sudo also matches a bare address against each interface's network
                    // address; the collected files give no netmask.
                    None if addrs.iter().any(|a| could_be_network_of(&net, a)) => self.atom(
                        format!("{text} is the network address of one of this host's interfaces"),
                    ),
                    None => None,
                }
            }
            HostItem::Name(pattern) => {
                if pattern.contains('.') {
                    match &self.host.fqdn {
                        Some(fqdn) => host_pattern(pattern, fqdn).then_some(true),
                        None => {
                            let first = pattern.split('.').next().unwrap_or("");
                            if host_pattern(first, &self.host.short) || has_meta(first) {
                                self.atom(format!(
                                    "this host's fully-qualified name matches {pattern} (not in etc/hosts)"
                                ))
                            } else {
                                None
                            }
                        }
                    }
                } else {
                    host_pattern(pattern, &self.host.short).then_some(true)
                }
            }
        }
    }

    fn cmnds(&self, items: &[Member<CmndItem>], probe: &Probe) -> Option<bool> {
        self.list(items, |item| self.cmnd(item, probe))
    }

    fn cmnd(&self, item: &CmndItem, probe: &Probe) -> Option<bool> {
        match item {
            CmndItem::All => Some(true),
            CmndItem::Alias(name) => match self.alias(AliasKind::Cmnd, name) {
                Some(AliasBody::Cmnds(list)) => {
                    let key = format!("{}\0{}", probe.path, probe.args);
                    let body = || self.cmnds(list, probe);
                    match self.expand(AliasKind::Cmnd, name, &key, list.len(), body) {
                        Expanded::Value(v) => v,
                        // sudo: a command alias in a loop matches nothing.
                        Expanded::Loop => None,
                    }
                }
                _ => None,
            },
            CmndItem::Command { path, args } => {
                command_matches(path, args.as_deref(), probe).then_some(true)
            }
        }
    }

    /// sudo's lookup: the last (user spec, privilege, command) that matches decides.
    fn lookup(
        &self,
        who: Subject<'_>,
        probe: &Probe,
        runas_default_root: bool,
    ) -> Option<(bool, Option<bool>, &Spec, &Privilege)> {
        for spec in self.policy.specs.iter().rev() {
            if self.users(&spec.users, who) != Some(true) {
                continue;
            }
            for privilege in spec.privileges.iter().rev() {
                if self.hosts(&privilege.hosts) != Some(true) {
                    continue;
                }
                for c in privilege.cmnds.iter().rev() {
                    let runas_ok = match &c.runas {
                        None => runas_default_root,
                        // `()` and `(:group)`: only as the invoking user.
                        Some(Runas { users: None, .. }) => false,
                        Some(Runas {
                            users: Some(list), ..
                        }) => self.runas_root(list) == Some(true),
                    };
                    if !runas_ok {
                        continue;
                    }
                    if let Some(allowed) =
                        self.list(std::slice::from_ref(&c.cmnd), |item| self.cmnd(item, probe))
                    {
                        return Some((allowed, c.nopasswd, spec, privilege));
                    }
                }
            }
        }
        None
    }

    /// The Defaults in force for `who` (generic, host- and user-bound, in file order; sudo's
    /// single pass): name -> (value, evidence). `!x` is "false", a bare `x` "true".
    fn defaults(&self, who: Subject<'_>) -> BTreeMap<String, (String, Evidence)> {
        let mut set = BTreeMap::new();
        for d in &self.policy.defaults {
            let applies = match &d.binding {
                Binding::Global => true,
                Binding::User(list) => self.users(list, who) == Some(true),
                Binding::Host(list) => self.hosts(list) == Some(true),
                Binding::Cmnd(_) | Binding::Runas(_) => false,
            };
            if !applies {
                continue;
            }
            for p in &d.params {
                set.insert(p.name.clone(), (param_value(p), d.evidence.clone()));
            }
        }
        set
    }

    fn verdict(&self, who: Subject<'_>, probes: &[Probe]) -> Verdict {
        let defaults = self.defaults(who);
        let runas_default_root = defaults
            .get("runas_default")
            .is_none_or(|(v, _)| v == "root" || v == "#0");
        let authenticate = defaults
            .get("authenticate")
            .is_none_or(|(v, _)| v != "false");
        let mut best: Option<(bool, &Spec, &Privilege)> = None;
        for probe in probes {
            let Some((true, tag, spec, privilege)) = self.lookup(who, probe, runas_default_root)
            else {
                continue;
            };
            let nopasswd = tag.unwrap_or(!authenticate);
            match best {
                Some((true, _, _)) => {}
                Some((false, _, _)) if !nopasswd => {}
                _ => best = Some((nopasswd, spec, privilege)),
            }
        }
        match best {
            Some((nopasswd, spec, privilege)) => Verdict {
                root: true,
                nopasswd,
                evidence: Some(spec.evidence.clone()),
                hosts: privilege.hosts_text.clone(),
            },
            None => Verdict {
                root: false,
                nopasswd: false,
                evidence: None,
                hosts: String::new(),
            },
        }
    }
}

/// The key an alias's value is memoised under for `who`.
fn subject_key(who: Subject<'_>) -> String {
    match who {
        Subject::User(u) => format!("user {}", u.login),
        Subject::Anyone => "ALL".into(),
        Subject::Netgroup(n) => format!("+{n}"),
    }
}

/// Evaluates `who` with every unresolvable atom false, then under other assignments of the atoms
/// it met (all of them up to 6 atoms, else all-true) to tell a definite verdict from a
/// conditional one. `Err` when an alias's expansion ran past the limits.
pub(super) fn resolve(
    policy: &Policy,
    host: &HostFacts,
    root: &UserFacts,
    who: Subject<'_>,
    probes: &[Probe],
) -> Result<Resolved, Exhausted> {
    let run = |assume: &BTreeSet<String>| {
        let ctx = Ctx::new(policy, host, root, assume);
        let v = ctx.verdict(who, probes);
        match ctx.exhausted() {
            Some(e) => Err(e),
            None => Ok((v, ctx.seen.into_inner())),
        }
    };
    let (base, seen) = run(&BTreeSet::new())?;
    let atoms: Vec<String> = seen.into_iter().collect();
    let mut conditional_root = None;
    let mut differs = false;
    let assignments: Vec<BTreeSet<String>> = if atoms.len() <= 6 {
        (1u32..(1 << atoms.len()))
            .map(|bits| {
                atoms
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits & (1 << i) != 0)
                    .map(|(_, a)| a.clone())
                    .collect()
            })
            .collect()
    } else {
        vec![atoms.iter().cloned().collect()]
    };
    for assume in assignments {
        let (v, _) = run(&assume)?;
        if v.root != base.root {
            differs = true;
            if v.root && conditional_root.is_none() {
                conditional_root = Some(v);
            }
        }
    }
    Ok(Resolved {
        verdict: base,
        conditions: if differs { atoms } else { Vec::new() },
        conditional_root,
    })
}

/// The Defaults in force for `who` (see `Ctx::defaults`); `Err` when an alias's expansion ran
/// past the limits.
pub(super) fn defaults_for(
    policy: &Policy,
    host: &HostFacts,
    root: &UserFacts,
    who: Subject<'_>,
) -> Result<BTreeMap<String, (String, Evidence)>, Exhausted> {
    let assume = BTreeSet::new();
    let ctx = Ctx::new(policy, host, root, &assume);
    let set = ctx.defaults(who);
    match ctx.exhausted() {
        Some(e) => Err(e),
        None => Ok(set),
    }
}

/// "false" for `!x`, the value for `x=value`, "true" for a bare flag.
pub(super) fn param_value(p: &Param) -> String {
    match (&p.value, p.neg) {
        (_, true) => "false".into(),
        (Some(v), false) => v.clone(),
        (None, false) => "true".into(),
    }
}

/// The probes for this policy: the fixed root-shell invocations plus every shell, `su` and
/// directory the policy's own commands name.
pub(super) fn probes(policy: &Policy) -> Vec<Probe> {
    let mut set: BTreeSet<Probe> = BTreeSet::new();
    let mut dirs: BTreeSet<String> = STD_DIRS.iter().map(|d| d.to_string()).collect();
    let probe = |path: &str, args: &str| Probe {
        path: path.to_string(),
        args: args.to_string(),
    };
    set.insert(probe(COPIED_SHELL, ""));
    set.insert(probe("sudoedit", "/etc/sudoers"));
    set.insert(probe("sudoedit", "/etc/sudoers.d/resetgap"));
    let mut named: Vec<(String, Option<String>)> = Vec::new();
    let mut collect = |items: &[Member<CmndItem>]| {
        for m in items {
            if let CmndItem::Command { path, args } = &m.item {
                named.push((path.clone(), args.clone()));
            }
        }
    };
    for spec in &policy.specs {
        for p in &spec.privileges {
            for c in &p.cmnds {
                collect(std::slice::from_ref(&c.cmnd));
            }
        }
    }
    for body in policy.aliases.values() {
        if let AliasBody::Cmnds(list) = body {
            collect(list);
        }
    }
    for (path, args) in named {
        if !path.starts_with('/') {
            continue;
        }
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", &path));
        if has_meta(dir) {
            continue;
        }
        if base.is_empty() || has_meta(base) {
            dirs.insert(dir.to_string());
            continue;
        }
        if SHELLS.contains(&base) || base == "su" || base == "env" {
            dirs.insert(dir.to_string());
            // A shell with open arguments (`/bin/sh -c *`) runs anything.
            if let Some(a) = args.filter(|a| has_meta(a)) {
                set.insert(probe(&path, &a.replace('*', "root").replace('?', "x")));
            }
        }
    }
    for dir in &dirs {
        let dir = if dir.is_empty() { "" } else { dir.as_str() };
        for s in SHELLS {
            set.insert(probe(&format!("{dir}/{s}"), ""));
        }
        for a in SU_ARGS {
            set.insert(probe(&format!("{dir}/su"), a));
        }
        set.insert(probe(&format!("{dir}/env"), "sh"));
    }
    set.into_iter().collect()
}

/// Whether a sudoers command (path and arguments) matches an invocation, by name (sudo also
/// compares device and inode on the live host; offline, names are all there is).
pub(super) fn command_matches(path: &str, args: Option<&str>, probe: &Probe) -> bool {
    if path == "list" {
        return false;
    }
    if (path == "sudoedit") != (probe.path == "sudoedit") {
        return false;
    }
    let path_ok = if path == "sudoedit" {
        true
    } else if let Some(dir) = path.strip_suffix('/') {
        // A directory: every command directly in it, whatever the arguments.
        return probe
            .path
            .rsplit_once('/')
            .is_some_and(|(d, b)| d == dir && !b.is_empty());
    } else if has_meta(path) {
        fnmatch(path, &probe.path, true, false)
    } else {
        path == probe.path
    };
    path_ok
        && match args {
            None => true,
            Some("") => probe.args.is_empty(),
            Some(a) if a.starts_with('^') && a.ends_with('$') => regex::Regex::new(a)
                .map(|re| re.is_match(&probe.args))
                .unwrap_or(false),
            Some(a) if has_meta(a) => fnmatch(a, &probe.args, false, false),
            Some(a) => a == probe.args,
        }
}

fn host_pattern(pattern: &str, name: &str) -> bool {
    if has_meta(pattern) {
        fnmatch(pattern, name, false, true)
    } else {
        pattern.eq_ignore_ascii_case(name)
    }
}

pub(super) fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', ']'])
}

/// An address or network as sudo reads it: `addr`, `addr/bits`, `addr/dotted-mask`.
pub(crate) fn parse_network(text: &str) -> Option<(IpAddr, Option<IpAddr>)> {
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let bits = match addr {
        IpAddr::V4(_) => 32u32,
        IpAddr::V6(_) => 128,
    };
    let mask = match mask {
        None => None,
        Some(m) => {
            if let Ok(n) = m.parse::<u32>() {
                if n > bits {
                    return None;
                }
                Some(prefix_mask(&addr, n))
            } else {
                let m: IpAddr = m.parse().ok()?;
                if m.is_ipv4() != addr.is_ipv4() {
                    return None;
                }
                Some(m)
            }
        }
    };
    Some((addr, mask))
}

fn prefix_mask(like: &IpAddr, n: u32) -> IpAddr {
    match like {
        IpAddr::V4(_) => {
            let m = if n == 0 { 0 } else { u32::MAX << (32 - n) };
            IpAddr::V4(m.into())
        }
        IpAddr::V6(_) => {
            let m = if n == 0 { 0 } else { u128::MAX << (128 - n) };
            IpAddr::V6(m.into())
        }
    }
}

fn masked(a: &IpAddr, mask: &IpAddr) -> Option<u128> {
    match (a, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => Some(u128::from(u32::from(*a) & u32::from(*m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => Some(u128::from(*a) & u128::from(*m)),
        _ => None,
    }
}

/// Whether `net` is `addr` with its host bits cleared for some prefix length.
fn could_be_network_of(net: &IpAddr, addr: &IpAddr) -> bool {
    if net.is_ipv4() != addr.is_ipv4() {
        return false;
    }
    let bits = if addr.is_ipv4() { 32 } else { 128 };
    let full = masked(net, &prefix_mask(net, bits));
    (1..bits).any(|n| masked(addr, &prefix_mask(addr, n)) == full)
}

/// fnmatch(3) with `FNM_PATHNAME` (wildcards do not match `/`) and `FNM_CASEFOLD` as options;
/// `\` escapes the next character.
pub(super) fn fnmatch(pattern: &str, text: &str, pathname: bool, casefold: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    fn eq(a: char, b: char, fold: bool) -> bool {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    }
    fn go(p: &[char], t: &[char], pathname: bool, fold: bool, budget: &mut u32) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let Some((&c, rest)) = p.split_first() else {
            return t.is_empty();
        };
        match c {
            '*' => {
                let mut i = 0;
                loop {
                    if go(rest, t.get(i..).unwrap_or(&[]), pathname, fold, budget) {
                        return true;
                    }
                    match t.get(i) {
                        Some('/') if pathname => return false,
                        Some(_) => i += 1,
                        None => return false,
                    }
                }
            }
            '?' => match t.split_first() {
                Some((&x, tr)) if !(pathname && x == '/') => go(rest, tr, pathname, fold, budget),
                _ => false,
            },
            '[' => {
                let Some((&x, tr)) = t.split_first() else {
                    return false;
                };
                if pathname && x == '/' {
                    return false;
                }
                let mut j = 0;
                let negate = matches!(rest.first(), Some('!' | '^'));
                if negate {
                    j += 1;
                }
                let mut matched = false;
                let mut first = true;
                loop {
                    let Some(&a) = rest.get(j) else {
                        // No closing bracket: a literal `[`.
                        return eq('[', x, fold) && go(rest, tr, pathname, fold, budget);
                    };
                    if a == ']' && !first {
                        j += 1;
                        break;
                    }
                    first = false;
                    if rest.get(j + 1) == Some(&'-') && rest.get(j + 2).is_some_and(|&b| b != ']') {
                        let b = rest.get(j + 2).copied().unwrap_or(a);
                        let (lo, hi, xx) = if fold {
                            (
                                a.to_ascii_lowercase(),
                                b.to_ascii_lowercase(),
                                x.to_ascii_lowercase(),
                            )
                        } else {
                            (a, b, x)
                        };
                        matched |= lo <= xx && xx <= hi;
                        j += 3;
                    } else {
                        matched |= eq(a, x, fold);
                        j += 1;
                    }
                }
                matched != negate && go(rest.get(j..).unwrap_or(&[]), tr, pathname, fold, budget)
            }
            '\\' if !rest.is_empty() => match (rest.split_first(), t.split_first()) {
                (Some((&e, pr)), Some((&x, tr))) if eq(e, x, fold) => {
                    go(pr, tr, pathname, fold, budget)
                }
                _ => false,
            },
            c => match t.split_first() {
                Some((&x, tr)) if eq(c, x, fold) => go(rest, tr, pathname, fold, budget),
                _ => false,
            },
        }
    }
    let mut budget = 100_000;
    go(&p, &t, pathname, casefold, &mut budget)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(path: &str, args: &str) -> Probe {
        Probe {
            path: path.into(),
            args: args.into(),
        }
    }

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch("/usr/bin/*", "/usr/bin/bash", true, false));
        assert!(!fnmatch("/usr/*", "/usr/bin/bash", true, false));
        assert!(fnmatch("web[0-9]*", "WEB01", false, true));
        assert!(fnmatch("*.example.com", "web01.example.com", false, true));
        assert!(!fnmatch("web0?", "web1", false, false));
        assert!(fnmatch("a\\*b", "a*b", false, false));
        assert!(fnmatch("[!a]x", "bx", false, false));
    }

    #[test]
    fn commands() {
        assert!(command_matches(
            "/usr/bin/",
            None,
            &probe("/usr/bin/bash", "")
        ));
        assert!(!command_matches(
            "/usr/bin/",
            None,
            &probe("/usr/bin/x/bash", "")
        ));
        assert!(command_matches(
            "/usr/bin/su",
            Some("-"),
            &probe("/usr/bin/su", "-")
        ));
        assert!(!command_matches(
            "/usr/bin/su",
            Some("-"),
            &probe("/usr/bin/su", "")
        ));
        assert!(command_matches(
            "/usr/bin/su",
            None,
            &probe("/usr/bin/su", "- root")
        ));
        assert!(!command_matches(
            "/usr/bin/su",
            Some(""),
            &probe("/usr/bin/su", "-")
        ));
        assert!(command_matches(
            "/bin/sh",
            Some("-c *"),
            &probe("/bin/sh", "-c root")
        ));
        assert!(!command_matches(
            "/bin/sh",
            Some("-c /opt/x"),
            &probe("/bin/sh", "")
        ));
        assert!(command_matches(
            "sudoedit",
            Some("/etc/sudoers"),
            &probe("sudoedit", "/etc/sudoers")
        ));
        assert!(!command_matches(
            "/usr/bin/*",
            None,
            &probe("sudoedit", "/etc/sudoers")
        ));
    }

    #[test]
    fn networks() {
        let (a, m) = parse_network("192.0.2.0/255.255.255.0").unwrap();
        let (b, n) = parse_network("192.0.2.0/24").unwrap();
        assert_eq!((a, m), (b, n));
        assert!(parse_network("web01").is_none());
        assert!(parse_network("fe80::/10").is_some());
        let host: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(could_be_network_of(&"192.0.2.0".parse().unwrap(), &host));
        assert!(!could_be_network_of(&"192.0.3.0".parse().unwrap(), &host));
    }
}
