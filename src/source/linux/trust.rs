//! Files and settings of a host that let someone log in without the account's password, so a
//! password reset does not reach them (RG109, RG111), and SSSD's offline credential cache
//! (RG110).
//!
//! Owns the reading of:
//! - `~/.rhosts`, `~/.shosts` (per passwd home), `/etc/hosts.equiv`, `/etc/ssh/shosts.equiv`:
//!   `host [user]` lines as OpenSSH's `auth-rhosts.c` and rsh/rlogin's `ruserok(3)` read them
//!   (`-` negates, `+@group`/`@group` names a netgroup; a bare `+` is any host or user, which
//!   sshd ignores ("wild host/user names") but ruserok honours). Who honours each file comes
//!   from the account's effective sshd configuration (`SshdConfig::effective`):
//!   `HostbasedAuthentication yes`, with `IgnoreRhosts no` for `.rhosts`, `no` or
//!   `shosts-only` for `.shosts`; sshd never reads the system files for uid 0 (sshd(8)). rsh and
//!   rlogin (inetd/xinetd) are not assessed here, so `.rhosts` and `hosts.equiv` stay
//!   possibly honoured when sshd ignores them;
//! - `~/.k5login` (k5login(5)): every principal other than the account's own;
//! - the `AuthorizedPrincipalsFile` sshd reads for each account (tokens `%h %u %U %%` as for
//!   `AuthorizedKeysFile`), only while `TrustedUserCAKeys` is set; principals other than the
//!   login;
//! - `TrustedUserCAKeys` without a usable `RevokedKeys` (a missing KRL file makes sshd refuse
//!   every public-key login, sshd_config(5); one that was not collected cannot be judged);
//! - `etc/sssd/sssd.conf` and `etc/sssd/conf.d/*.conf` (sssd.conf(5), SSSD 2.8: INI, `#`/`;`
//!   comment lines, snippets in alphabetical order override the main file and each other):
//!   `Setting`s `sssd` `cache_credentials` per active domain (default FALSE) and `[pam]`
//!   `offline_credentials_expiration` (default 0: no limit).
//!
//! It records `TrustEntry`s and `Setting`s; it decides no findings.

use super::fs::{normalize, Fetch, HostFs};
use super::passwd::PasswdEntry;
use super::sshd::{self, Accounts, Attr, Effective, SshdConfig, Tri};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Honoured, Record, Scope, Setting, TrustEntry, TrustKind};
use crate::source::{numbered_lines, Output};
use std::collections::BTreeMap;

/// One `host [user]` grant of an rhosts-style file, after sshd's and ruserok's reading.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RhostsLine {
    pub(crate) line: u32,
    /// `host` or `host user`, whitespace folded.
    pub(crate) entry: String,
    /// A bare `+` host or user (any), which sshd ignores and ruserok honours.
    pub(crate) wild: bool,
    /// A netgroup (`+@ng`, `@ng`): every member host or user.
    pub(crate) netgroup: bool,
}

/// The granting lines of an rhosts-style file. Negated entries (`-host`, `host -user`) deny and
/// are skipped; lines with more than two words are skipped (sshd: "Found garbage").
pub(crate) fn parse_rhosts(text: &str) -> Vec<RhostsLine> {
    let mut out = Vec::new();
    for (n, raw) in numbered_lines(text) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() > 2 {
            continue;
        }
        let host = words[0];
        let user = words.get(1).copied();
        if host.starts_with('-') || user.is_some_and(|u| u.starts_with('-')) {
            continue;
        }
        let bare = |w: &str| w.strip_prefix('+').unwrap_or(w).is_empty();
        let group = |w: &str| w.strip_prefix('+').unwrap_or(w).starts_with('@');
        out.push(RhostsLine {
            line: n,
            entry: words.join(" "),
            wild: bare(host) || user.is_some_and(bare),
            netgroup: group(host) || user.is_some_and(group),
        });
    }
    out
}

/// The principals of a `.k5login` other than the account's own (`login` or `login@REALM`).
pub(crate) fn parse_k5login(text: &str, login: &str) -> Vec<(u32, String)> {
    numbered_lines(text)
        .map(|(n, l)| (n, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .filter(|(_, p)| {
            let name = p.split('@').next().unwrap_or(p);
            name != login
        })
        .map(|(n, p)| (n, p.to_string()))
        .collect()
}

/// The principals of an `AuthorizedPrincipalsFile` (`[options] principal` per line, `#`
/// comments) other than `login`.
pub(crate) fn parse_principals(text: &str, login: &str) -> Vec<(u32, String)> {
    numbered_lines(text)
        .map(|(n, l)| (n, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|(n, l)| Some((n, l.split_whitespace().last()?.to_string())))
        .filter(|(_, p)| p != login)
        .collect()
}

/// The certain value of a keyword and where it is set, or `None` when a `Match` criterion the
/// scan cannot decide may change it.
fn certain(view: &Effective, key: &str) -> Option<(String, Option<Evidence>)> {
    match view.candidates(key) {
        [only] if only.certainty == Tri::Yes => {
            Some((sshd::normalise(key, &only.args), only.evidence.clone()))
        }
        _ => None,
    }
}

/// Whether sshd uses host-based trust files of `kind` for an account, with why and where.
fn sshd_honours(
    sshd_cfg: &SshdConfig,
    view: &Effective,
    kind: TrustKind,
    root: bool,
) -> (Tri, String, Vec<Evidence>) {
    if !sshd_cfg.present {
        return (
            Tri::Maybe,
            "sshd_config was not collected".to_string(),
            Vec::new(),
        );
    }
    let (Some((hb, hb_ev)), Some((ir, ir_ev))) = (
        certain(view, "hostbasedauthentication"),
        certain(view, "ignorerhosts"),
    ) else {
        return (
            Tri::Maybe,
            "sshd's HostbasedAuthentication/IgnoreRhosts depend on a Match criterion the scan \
             cannot decide"
                .to_string(),
            Vec::new(),
        );
    };
    let shown = |v: &str, ev: &Option<Evidence>| match ev {
        Some(_) => v.to_string(),
        None => format!("{v} (the default)"),
    };
    let mut evs: Vec<Evidence> = hb_ev.iter().cloned().collect();
    if hb != "YES" {
        return (
            Tri::No,
            format!("sshd HostbasedAuthentication {}", shown("no", &hb_ev)),
            evs,
        );
    }
    let uses = match kind {
        TrustKind::Rhosts => ir == "NO",
        TrustKind::Shosts => ir == "NO" || ir == "SHOSTS-ONLY",
        _ => !root,
    };
    let why = match kind {
        TrustKind::Rhosts | TrustKind::Shosts => {
            evs.extend(ir_ev.iter().cloned());
            format!(
                "sshd HostbasedAuthentication yes with IgnoreRhosts {}",
                shown(&ir.to_ascii_lowercase(), &ir_ev)
            )
        }
        _ if root => "sshd HostbasedAuthentication yes, but sshd never reads it for root".into(),
        _ => "sshd HostbasedAuthentication yes".to_string(),
    };
    (if uses { Tri::Yes } else { Tri::No }, why, evs)
}

/// Combines sshd's verdict with rsh/rlogin's for a file and one of its lines.
fn honour(kind: TrustKind, sshd: &(Tri, String, Vec<Evidence>), wild: bool) -> (Honoured, String) {
    let rsh = matches!(kind, TrustKind::Rhosts | TrustKind::HostsEquiv);
    let (tri, why, _) = sshd;
    match (tri, wild) {
        (Tri::Yes, false) => (Honoured::Yes, why.clone()),
        (Tri::Yes, true) if rsh => (
            Honoured::Unknown,
            format!(
                "{why}, but sshd ignores a bare `+`; rsh/rlogin honour it if they run (inetd/xinetd \
                 not assessed)"
            ),
        ),
        (Tri::Maybe, _) if !wild || rsh => (Honoured::Unknown, why.clone()),
        (_, _) if rsh => (
            Honoured::Unknown,
            format!("{why}; rsh/rlogin honour it if they run (inetd/xinetd not assessed)"),
        ),
        _ => (Honoured::No, why.clone()),
    }
}

#[allow(clippy::too_many_arguments)]
fn rhosts_file(
    fs: &HostFs,
    system: &str,
    path: &str,
    kind: TrustKind,
    account: Option<&str>,
    verdict: &(Tri, String, Vec<Evidence>),
    out: &mut Output,
) {
    let Fetch::Text(text) = fs.read(path, out) else {
        return;
    };
    let shown = fs.evidence_path(path);
    for l in parse_rhosts(&text) {
        let (honoured, why) = honour(kind, verdict, l.wild);
        out.record(Record::Trust(TrustEntry {
            system: system.to_string(),
            kind,
            account: account.map(str::to_string),
            entry: l.entry,
            wildcard: l.wild || l.netgroup,
            honoured,
            why,
            honoured_by: if honoured == Honoured::Yes {
                verdict.2.clone()
            } else {
                Vec::new()
            },
            evidence: Evidence::at(&shown, l.line),
        }));
    }
}

/// Reads every trust file and trust setting of one host.
pub(crate) fn scan(
    fs: &HostFs,
    system: &str,
    sshd_cfg: &SshdConfig,
    accounts: &Accounts,
    passwd: &[PasswdEntry],
    out: &mut Output,
) {
    let mut principal_commands: BTreeMap<Evidence, Vec<String>> = BTreeMap::new();
    for p in passwd.iter().filter(|p| p.home.starts_with('/')) {
        let view = sshd_cfg.effective(accounts, Some(&accounts.conn(&p.login, Attr::Unknown)));
        let root = p.uid == 0;
        let home = p.home.trim_end_matches('/');
        let home = if home.is_empty() { "/" } else { home };
        // Two accounts sharing a home (root and toor) each get the entries: both are opened.
        for (name, kind) in [
            (".rhosts", TrustKind::Rhosts),
            (".shosts", TrustKind::Shosts),
        ] {
            let Some(path) = normalize(&format!("{home}/{name}")) else {
                continue;
            };
            let verdict = sshd_honours(sshd_cfg, &view, kind, root);
            rhosts_file(fs, system, &path, kind, Some(&p.login), &verdict, out);
        }
        if let Some(path) = normalize(&format!("{home}/.k5login")) {
            if let Fetch::Text(text) = fs.read(&path, out) {
                let shown = fs.evidence_path(&path);
                for (n, principal) in parse_k5login(&text, &p.login) {
                    out.record(Record::Trust(TrustEntry {
                        system: system.to_string(),
                        kind: TrustKind::K5login,
                        account: Some(p.login.clone()),
                        entry: principal,
                        wildcard: false,
                        honoured: Honoured::Yes,
                        why: "Kerberos logins check it (krb5_kuserok: sshd GSSAPI, ksu, \
                              Kerberos rlogin)"
                            .to_string(),
                        honoured_by: Vec::new(),
                        evidence: Evidence::at(&shown, n),
                    }));
                }
            }
        }
        principals(fs, system, &view, p, &mut principal_commands, out);
    }
    for (path, kind) in [
        ("/etc/hosts.equiv", TrustKind::HostsEquiv),
        ("/etc/ssh/shosts.equiv", TrustKind::ShostsEquiv),
    ] {
        // Host-wide: judged for connections as a non-root user.
        let view = sshd_cfg.effective(accounts, None);
        let verdict = sshd_honours(sshd_cfg, &view, kind, false);
        rhosts_file(fs, system, path, kind, None, &verdict, out);
    }
    for (ev, logins) in principal_commands {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            ev,
            format!(
                "AuthorizedPrincipalsCommand fetches the certificate principals of {} at login \
                 time; they are not in the collection",
                logins.join(", ")
            ),
        ));
    }
    unrevoked_ca(fs, system, sshd_cfg, accounts, passwd, out);
    sssd(fs, system, out);
}

/// The principals sshd accepts in certificates of the `TrustedUserCAKeys` CA for one account.
fn principals(
    fs: &HostFs,
    system: &str,
    view: &Effective,
    p: &PasswdEntry,
    commands: &mut BTreeMap<Evidence, Vec<String>>,
    out: &mut Output,
) {
    let Some(ca) = view.candidates("trustedusercakeys").iter().find(|c| {
        c.args
            .first()
            .is_some_and(|a| !a.eq_ignore_ascii_case("none"))
    }) else {
        return;
    };
    for c in view.candidates("authorizedprincipalscommand") {
        if let (Some(ev), Some(first)) = (&c.evidence, c.args.first()) {
            if !first.eq_ignore_ascii_case("none") {
                commands
                    .entry(ev.clone())
                    .or_default()
                    .push(p.login.clone());
            }
        }
    }
    for c in view.candidates("authorizedprincipalsfile") {
        let Some(raw) = c.args.first() else { continue };
        if raw.eq_ignore_ascii_case("none") || raw.starts_with('~') {
            continue;
        }
        let Ok(expanded) = sshd::expand_authorized_keys(raw, &p.login, p.uid, &p.home) else {
            continue;
        };
        let Some(path) = normalize(&expanded) else {
            continue;
        };
        let Fetch::Text(text) = fs.read(&path, out) else {
            continue;
        };
        let shown = fs.evidence_path(&path);
        let mut by: Vec<Evidence> = ca.evidence.iter().cloned().collect();
        by.extend(c.evidence.iter().cloned());
        for (n, principal) in parse_principals(&text, &p.login) {
            out.record(Record::Trust(TrustEntry {
                system: system.to_string(),
                kind: TrustKind::Principal,
                account: Some(p.login.clone()),
                entry: principal,
                wildcard: false,
                honoured: if c.certainty == Tri::Yes {
                    Honoured::Yes
                } else {
                    Honoured::Unknown
                },
                why: format!(
                    "sshd accepts certificates of the CA in {} naming this principal",
                    ca.args.join(" ")
                ),
                honoured_by: by.clone(),
                evidence: Evidence::at(&shown, n),
            }));
        }
    }
}

/// `TrustedUserCAKeys` set for some connection with no usable `RevokedKeys` for it.
fn unrevoked_ca(
    fs: &HostFs,
    system: &str,
    sshd_cfg: &SshdConfig,
    accounts: &Accounts,
    passwd: &[PasswdEntry],
    out: &mut Output,
) {
    if !sshd_cfg.present {
        return;
    }
    let mut views = vec![sshd_cfg.effective(accounts, None)];
    views.extend(
        passwd
            .iter()
            .map(|p| sshd_cfg.effective(accounts, Some(&accounts.conn(&p.login, Attr::Unknown)))),
    );
    let mut found: BTreeMap<Evidence, TrustEntry> = BTreeMap::new();
    for view in &views {
        for ca in view.candidates("trustedusercakeys") {
            let (Some(ev), Some(first)) = (&ca.evidence, ca.args.first()) else {
                continue;
            };
            if first.eq_ignore_ascii_case("none") || found.contains_key(ev) {
                continue;
            }
            let krl = view.candidates("revokedkeys").last();
            let (honoured, why, by) = match krl {
                Some(k)
                    if k.args
                        .first()
                        .is_some_and(|a| !a.eq_ignore_ascii_case("none")) =>
                {
                    let files: Vec<String> = k
                        .args
                        .iter()
                        .filter_map(|a| normalize(&accounts.tilde_expand(a)?))
                        .collect();
                    let collected = files
                        .iter()
                        .all(|f| matches!(fs.read(f, out), Fetch::Text(_)));
                    if collected {
                        continue;
                    }
                    (
                        Honoured::Unknown,
                        format!(
                            "RevokedKeys {} is not in the collection: if it exists sshd revokes \
                             what it lists, if it is missing sshd refuses every key login",
                            k.args.join(" ")
                        ),
                        k.evidence.iter().cloned().collect(),
                    )
                }
                Some(k) => (
                    Honoured::Yes,
                    match &k.evidence {
                        Some(_) => "RevokedKeys none".to_string(),
                        None => {
                            "no RevokedKeys (sshd_config(5) default none, OpenSSH 9.2)".to_string()
                        }
                    },
                    k.evidence.iter().cloned().collect(),
                ),
                None => continue,
            };
            found.insert(
                ev.clone(),
                TrustEntry {
                    system: system.to_string(),
                    kind: TrustKind::UnrevokedCa,
                    account: None,
                    entry: ca.args.join(" "),
                    wildcard: false,
                    honoured,
                    why,
                    honoured_by: by,
                    evidence: ev.clone(),
                },
            );
        }
    }
    for t in found.into_values() {
        out.record(Record::Trust(t));
    }
}

/// sssd.conf(5)'s defaults for the keys recorded.
const SSSD_CACHE_DEFAULT: &str = "false";
const SSSD_OFFLINE_DEFAULT: &str = "0";

/// An INI value as SSSD reads a bool (`TRUE`/`FALSE`, case-insensitive), else as written.
fn sssd_value(v: &str) -> String {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => "true".into(),
        "false" => "false".into(),
        _ => v.trim().to_string(),
    }
}

/// `etc/sssd/sssd.conf` then `etc/sssd/conf.d/*.conf` (names not starting with a dot, in
/// alphabetical order): a later value of a section's key replaces an earlier one.
fn sssd(fs: &HostFs, system: &str, out: &mut Output) {
    let mut files = vec!["/etc/sssd/sssd.conf".to_string()];
    if let Some(names) = fs.list_dir("/etc/sssd/conf.d", out) {
        files.extend(
            names
                .into_iter()
                .filter(|n| n.ends_with(".conf") && !n.starts_with('.'))
                .map(|n| format!("/etc/sssd/conf.d/{n}")),
        );
    }
    // (section, key) -> (value, evidence)
    let mut values: BTreeMap<(String, String), (String, Evidence)> = BTreeMap::new();
    let mut sections: Vec<String> = Vec::new();
    let mut any = false;
    for file in &files {
        let Fetch::Text(text) = fs.read(file, out) else {
            continue;
        };
        any = true;
        let shown = fs.evidence_path(file);
        let mut section: Option<String> = None;
        for (n, raw) in numbered_lines(&text) {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim().to_string();
                if !sections.contains(&name) {
                    sections.push(name.clone());
                }
                section = Some(name);
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                out.diag(Diagnostic::malformed(
                    &shown,
                    n,
                    "not `key = value`; skipped",
                ));
                continue;
            };
            let Some(section) = &section else {
                out.diag(Diagnostic::malformed(
                    &shown,
                    n,
                    "option outside any section; skipped",
                ));
                continue;
            };
            values.insert(
                (section.clone(), key.trim().to_ascii_lowercase()),
                (sssd_value(value), Evidence::at(&shown, n)),
            );
        }
    }
    if !any {
        return;
    }
    let get = |section: &str, key: &str| values.get(&(section.to_string(), key.to_string()));
    // Active domains: those `[sssd] domains` lists, and those with `enabled = true`.
    let listed: Option<Vec<String>> = get("sssd", "domains").map(|(v, _)| {
        v.split(',')
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect()
    });
    let setting = |key: &str, value: String, scope: Scope, evidence: Option<Evidence>| {
        Record::Setting(Setting {
            system: system.to_string(),
            component: "sssd".into(),
            key: key.into(),
            value,
            scope,
            evidence,
        })
    };
    let mut domains = 0;
    for section in &sections {
        let Some(domain) = section.strip_prefix("domain/") else {
            continue;
        };
        let enabled = get(section, "enabled").map(|(v, _)| v.as_str());
        let active = match (&listed, enabled) {
            (_, Some("true")) => true,
            (_, Some("false")) => false,
            (Some(list), _) => list.iter().any(|d| d == domain),
            (None, _) => true,
        };
        if !active {
            continue;
        }
        domains += 1;
        let (value, ev) = match get(section, "cache_credentials") {
            Some((v, ev)) => (v.clone(), Some(ev.clone())),
            None => (SSSD_CACHE_DEFAULT.to_string(), None),
        };
        out.record(setting(
            "cache_credentials",
            value,
            Scope::Conditional(section.clone()),
            ev,
        ));
    }
    if domains > 0 {
        let (value, ev) = match get("pam", "offline_credentials_expiration") {
            Some((v, ev)) => (v.clone(), Some(ev.clone())),
            None => (SSSD_OFFLINE_DEFAULT.to_string(), None),
        };
        out.record(setting(
            "offline_credentials_expiration",
            value,
            Scope::Global,
            ev,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhosts_lines_as_sshd_and_ruserok_read_them() {
        let text =
            "# c\n\n+ +\ntrusted\nbuild bob\n-evil\nhost -mallory\n+@ops\nh u extra\nhost +\n";
        let got = parse_rhosts(text);
        let entries: Vec<(&str, bool, bool)> = got
            .iter()
            .map(|l| (l.entry.as_str(), l.wild, l.netgroup))
            .collect();
        assert_eq!(
            entries,
            [
                ("+ +", true, false),
                ("trusted", false, false),
                ("build bob", false, false),
                ("+@ops", false, true),
                ("host +", true, false),
            ]
        );
        assert_eq!(got[0].line, 3);
    }

    #[test]
    fn k5login_keeps_other_principals_only() {
        let got = parse_k5login(
            "alice@CORP.EXAMPLE\nbob@CORP.EXAMPLE\nalice/admin@CORP\n\n",
            "alice",
        );
        assert_eq!(
            got,
            [
                (2, "bob@CORP.EXAMPLE".to_string()),
                (3, "alice/admin@CORP".to_string())
            ]
        );
    }

    #[test]
    fn principals_take_the_last_word_and_skip_the_login() {
        let got = parse_principals("# x\nalice\nfrom=\"10.0.0.0/8\" ops\n", "alice");
        assert_eq!(got, [(3, "ops".to_string())]);
    }
}
