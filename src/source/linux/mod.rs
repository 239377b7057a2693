//! Linux host trees: a directory that looks like a host root (has `etc/passwd` or `etc/shadow`).
//!
//! Owns parsing of passwd, shadow, group, sudoers (with includes), sshd_config (with Include and
//! Match) and the authorized_keys files sshd would read, the trust files no reset touches
//! (`trust`: rhosts, hosts.equiv, k5login, certificate principals, SSSD's offline cache), plus
//! the optional collection manifest.
//! Absolute paths inside the host's files resolve against the host root, never against the
//! scanning machine's `/`. Formats: `../shared/reference/formats-host.md` §1.1, §1.3, (b).
//!
//! This file wires the parsers together: it merges passwd and shadow into accounts, emits
//! group memberships (listed and primary-GID), and asks sshd's effective configuration which
//! key files each account has. It decides no findings.

mod authorized_keys;
mod fs;
mod group;
pub(crate) mod logging;
mod manifest;
mod passwd;
mod services;
pub(crate) mod shadow;
pub mod sshd;
mod sudoers;
mod trust;

use self::authorized_keys::Parsed;
use self::fs::{normalize, Fetch, HostFs};
use self::group::GroupEntry;
use self::manifest::Manifest;
use self::passwd::{PasswdEntry, PwField};
use self::shadow::{LastChange, ShadowEntry};
use self::sshd::{Accounts as SshdAccounts, Attr, SshdConfig};
use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Account, AccountKind, AccountScope, Credential, CredentialKind, CredentialStatus, Evidence,
    Host, Membership, OwnerRef, PasswordState, Privilege, Record, SourceKind, TimePrecision, When,
};
use std::collections::BTreeMap;
use std::path::Path;

/// One collected host root to scan.
#[derive(Debug, Clone)]
pub struct HostTree<'a> {
    /// The host root on disk.
    pub root: &'a Path,
    /// The host root relative to the scan root, forward slashes, "" when the scan root is the host.
    pub rel_root: &'a str,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_size: u64,
    /// The scan's naming of secrets: its salt makes the `SecretMatch` of a password hash.
    pub secret_ids: &'a crate::source::secret_id::SecretIdScheme,
}

/// Whether `dir` looks like a collected host root.
pub fn is_host_root(dir: &Path) -> bool {
    dir.join("etc/passwd").is_file() || dir.join("etc/shadow").is_file()
}

const PASSWD: &str = "/etc/passwd";
const SHADOW: &str = "/etc/shadow";
const GROUP: &str = "/etc/group";

/// Parses everything of interest in one host tree.
pub fn scan_host(tree: &HostTree<'_>) -> Output {
    scan_host_with_dates(tree).0
}

/// `scan_host`, plus the manifest dates of the host's collected files keyed by their evidence
/// path (relative to the scan root), so records other adapters found inside the host tree
/// (secrets in config files) are dated the same way as its keys. The manifest is read once.
pub fn scan_host_with_dates(
    tree: &HostTree<'_>,
) -> (Output, Vec<(String, crate::inventory::When)>) {
    let mut out = Output::default();
    let Some(fs) = HostFs::new(tree.root, tree.rel_root, tree.max_file_size, &mut out) else {
        return (out, Vec::new());
    };
    let manifest = Manifest::load(&fs, &mut out);
    if !manifest.present {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(fs.evidence_path(manifest::MANIFEST_PATH), None),
            "no collector manifest: key dates come from the collected files' own times, and a \
             missing file cannot be told from one that was not collected",
        ));
    }

    let passwd = read_with(&fs, PASSWD, &mut out, passwd::parse);
    let shadow = read_with(&fs, SHADOW, &mut out, |text, shown, out| {
        shadow::parse(text, shown, out, tree.secret_ids)
    });
    let groups = read_with(&fs, GROUP, &mut out, group::parse);

    let (system, host_evidence) = host_name(&fs, &manifest, passwd.is_some(), &mut out);
    out.record(Record::Host(Host {
        name: system.clone(),
        root: fs.rel_root().to_string(),
        collected_at: manifest.collected_at,
        evidence: host_evidence,
    }));
    let host_short = system.split('.').next().unwrap_or(&system).to_string();

    for (file, present) in [
        (PASSWD, passwd.is_some()),
        (SHADOW, shadow.is_some()),
        (GROUP, groups.is_some()),
    ] {
        // A file that is there but could not be used already has its error.
        let shown = fs.evidence_path(file);
        let failed = out
            .diagnostics
            .iter()
            .any(|d| d.location.path == shown && d.makes_incomplete());
        if present || failed {
            continue;
        }
        let message = match manifest.status(file) {
            // The manifest's own diagnostic says why it was not collected.
            Some(manifest::FileStatus::Failed(_)) => continue,
            Some(manifest::FileStatus::Absent) => {
                format!("{file} is absent on the host (the collector manifest says so)")
            }
            _ => format!("{file} is not in the collection; its facts are unknown"),
        };
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(fs.evidence_path(file), None),
            message,
        ));
    }
    nsswitch_notes(&fs, &mut out);

    let passwd = passwd.unwrap_or_default();
    let shadow = shadow.unwrap_or_default();
    let groups = groups.unwrap_or_default();
    let uid_min = uid_min(&fs, &mut out);
    accounts(&fs, &system, &passwd, &shadow, uid_min, &mut out);
    memberships(&fs, &system, &passwd, &groups, &mut out);

    let host_facts = host_facts(&fs, &system, &host_short, &mut out);
    sudoers::scan(
        &fs,
        &system,
        &host_facts,
        &user_facts(&passwd, &groups),
        &mut out,
    );

    let sshd = SshdConfig::load(&fs, &mut out);
    let sshd_accounts = SshdAccounts::new(&passwd, &groups, false);
    sshd.emit(&system, &sshd_accounts, &mut out);
    logging::scan(&fs, &system, &mut out);
    services::scan(&fs, &system, &mut out);
    keys(
        &fs,
        &manifest,
        &sshd,
        &sshd_accounts,
        &system,
        &passwd,
        &mut out,
    );
    trust::scan(&fs, &system, &sshd, &sshd_accounts, &passwd, &mut out);
    let dates = manifest
        .dated_files()
        .map(|(path, when)| (fs.evidence_path(path), *when))
        .collect();
    (out, dates)
}

fn read_with<T>(
    fs: &HostFs,
    path: &str,
    out: &mut Output,
    parse: impl FnOnce(&str, &str, &mut Output) -> Vec<T>,
) -> Option<Vec<T>> {
    match fs.read(path, out) {
        Fetch::Text(text) => Some(parse(&text, &fs.evidence_path(path), out)),
        Fetch::Missing | Fetch::Failed => None,
    }
}

/// etc/hostname (first non-empty, non-comment line), else the manifest's host, else the host
/// root's directory name.
fn host_name(
    fs: &HostFs,
    manifest: &Manifest,
    has_passwd: bool,
    out: &mut Output,
) -> (String, Evidence) {
    if let Fetch::Text(text) = fs.read("/etc/hostname", out) {
        let found = crate::source::numbered_lines(&text)
            .map(|(n, l)| (n, l.trim()))
            .find(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        if let Some((n, name)) = found {
            return (
                name.to_string(),
                Evidence::at(&fs.evidence_path("/etc/hostname"), n),
            );
        }
    }
    let fallback = Evidence::new(
        fs.evidence_path(if has_passwd { PASSWD } else { SHADOW }),
        None,
    );
    if let Some(h) = &manifest.host {
        return (
            h.clone(),
            Evidence::new(fs.evidence_path(manifest::MANIFEST_PATH), None),
        );
    }
    let name = fs
        .root_name()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    (name, fallback)
}

/// The host as sudo sees it: its name (etc/hostname, else the host's name), the
/// fully-qualified name sudo's `fqdn` lookup gives through etc/hosts (the first name of the first
/// line that lists the host name), and the non-loopback addresses etc/hosts gives its names (sudo
/// matches address and network entries against the host's interfaces, loopback excluded).
fn host_facts(fs: &HostFs, system: &str, host_short: &str, out: &mut Output) -> sudoers::HostFacts {
    let hostname = match fs.read("/etc/hostname", out) {
        Fetch::Text(text) => crate::source::numbered_lines(&text)
            .map(|(_, l)| l.trim().to_string())
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_else(|| system.to_string()),
        _ => system.to_string(),
    };
    let mut entries: Vec<(std::net::IpAddr, Vec<String>)> = Vec::new();
    if let Fetch::Text(text) = fs.read("/etc/hosts", out) {
        for (_, line) in crate::source::numbered_lines(&text) {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(addr) = words.next().and_then(|a| a.parse().ok()) else {
                continue;
            };
            entries.push((addr, words.map(str::to_string).collect()));
        }
    }
    let names_host = |names: &[String], n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    let fqdn = entries
        .iter()
        .find(|(_, names)| names_host(names, &hostname))
        .and_then(|(_, names)| names.first().cloned())
        .or_else(|| hostname.contains('.').then(|| hostname.clone()));
    let addrs: Vec<std::net::IpAddr> = entries
        .iter()
        .filter(|(a, names)| {
            !a.is_loopback()
                && (names_host(names, &hostname)
                    || fqdn.as_deref().is_some_and(|f| names_host(names, f)))
        })
        .map(|(a, _)| *a)
        .collect();
    sudoers::HostFacts {
        hostname: hostname.clone(),
        short: hostname.split('.').next().unwrap_or(host_short).to_string(),
        fqdn,
        addrs: (!addrs.is_empty()).then_some(addrs),
    }
}

/// Each account with its groups (listed and primary), plus group members without a passwd line.
fn user_facts(passwd: &[PasswdEntry], groups: &[GroupEntry]) -> Vec<sudoers::UserFacts> {
    let mut users: Vec<sudoers::UserFacts> = passwd
        .iter()
        .map(|p| {
            let mine: Vec<&GroupEntry> = groups
                .iter()
                .filter(|g| g.gid == p.gid || g.members.contains(&p.login))
                .collect();
            let mut gids: Vec<u32> = mine.iter().map(|g| g.gid).collect();
            gids.push(p.gid);
            gids.sort_unstable();
            gids.dedup();
            sudoers::UserFacts {
                login: p.login.clone(),
                uid: Some(p.uid),
                groups: mine.iter().map(|g| g.name.clone()).collect(),
                gids,
            }
        })
        .collect();
    for g in groups {
        for m in &g.members {
            if let Some(u) = users.iter_mut().find(|u| u.login == *m) {
                if u.uid.is_none() && !u.groups.contains(&g.name) {
                    u.groups.push(g.name.clone());
                    u.gids.push(g.gid);
                }
                continue;
            }
            users.push(sudoers::UserFacts {
                login: m.clone(),
                uid: None,
                groups: vec![g.name.clone()],
                gids: vec![g.gid],
            });
        }
    }
    users
}

/// `UID_MIN` from login.defs (first account UID for humans), default 1000.
fn uid_min(fs: &HostFs, out: &mut Output) -> u32 {
    let Fetch::Text(text) = fs.read("/etc/login.defs", out) else {
        return 1000;
    };
    crate::source::numbered_lines(&text)
        .filter_map(|(_, l)| {
            let mut w = l.split_whitespace();
            (w.next() == Some("UID_MIN")).then(|| w.next()?.parse().ok())?
        })
        .last()
        .unwrap_or(1000)
}

/// Notes when accounts or sudo rules also come from a directory the files cannot show.
fn nsswitch_notes(fs: &HostFs, out: &mut Output) {
    let Fetch::Text(text) = fs.read("/etc/nsswitch.conf", out) else {
        return;
    };
    let shown = fs.evidence_path("/etc/nsswitch.conf");
    for (n, line) in crate::source::numbered_lines(&text) {
        let line = line.split('#').next().unwrap_or("");
        let Some((db, sources)) = line.split_once(':') else {
            continue;
        };
        let db = db.trim();
        if !["passwd", "group", "shadow", "sudoers"].contains(&db) {
            continue;
        }
        let remote: Vec<&str> = sources
            .split_whitespace()
            .filter(|s| ["ldap", "sss", "nis", "nisplus", "winbind"].contains(s))
            .collect();
        if !remote.is_empty() {
            out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Note,
                Evidence::at(&shown, n),
                format!(
                    "{db} entries also come from {}; only local files were collected",
                    remote.join(", ")
                ),
            ));
        }
    }
}

/// UID 0 is root whatever its name (`toor`); system UIDs and `nobody` are services.
fn account_kind(uid: u32, uid_min: u32) -> AccountKind {
    if uid == 0 {
        AccountKind::Root
    } else if uid < uid_min || uid == 65534 {
        AccountKind::Service
    } else {
        AccountKind::Human
    }
}

/// Applies a shadow entry to an account.
/// Accounts of `/etc/passwd` and `/etc/shadow` exist on this host only, and shadow records the
/// password change as a day number.
fn local_account(acc: &mut Account) {
    acc.scope = AccountScope::Local;
    acc.password_precision = TimePrecision::Day;
}

fn apply_shadow(acc: &mut Account, s: &ShadowEntry, shown: &str) {
    let line = Evidence::at(shown, s.line);
    acc.expires = s.expire;
    acc.password_match = s.matcher;
    match s.lastchg {
        LastChange::Pending => {
            if acc.password == PasswordState::Set {
                acc.password = PasswordState::PendingChange;
            }
            acc.password_last_set = When::Unknown;
            acc.password_evidence = Some(line);
        }
        LastChange::Day(w) => {
            acc.password_last_set = w;
            acc.password_evidence = Some(line);
        }
        LastChange::Unknown => {}
    }
}

fn accounts(
    fs: &HostFs,
    system: &str,
    passwd: &[PasswdEntry],
    shadow: &[ShadowEntry],
    uid_min: u32,
    out: &mut Output,
) {
    let passwd_shown = fs.evidence_path(PASSWD);
    let shadow_shown = fs.evidence_path(SHADOW);
    let mut by_login: BTreeMap<&str, &ShadowEntry> = BTreeMap::new();
    for s in shadow {
        if by_login.contains_key(s.login.as_str()) {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Warning,
                Evidence::at(&shadow_shown, s.line),
                format!("duplicate shadow entry for '{}'; the first wins", s.login),
            ));
            continue;
        }
        by_login.insert(&s.login, s);
    }
    for p in passwd {
        let mut acc = Account::new(
            SourceKind::LinuxHost,
            system,
            &p.login,
            Evidence::at(&passwd_shown, p.line),
        );
        local_account(&mut acc);
        acc.uid = Some(p.uid);
        acc.gid = Some(p.gid);
        acc.home = (!p.home.is_empty()).then(|| p.home.clone());
        acc.kind = account_kind(p.uid, uid_min);
        let s = by_login.get(p.login.as_str());
        acc.password = match (p.pw, s) {
            (PwField::Own(state), _) => state,
            (PwField::Shadowed, Some(s)) => s.password,
            (PwField::Shadowed, None) => PasswordState::Unknown,
        };
        if let Some(s) = s {
            apply_shadow(&mut acc, s, &shadow_shown);
        }
        out.record(Record::Account(acc));
    }
    for s in by_login.values() {
        if passwd.iter().any(|p| p.login == s.login) {
            continue;
        }
        let ev = Evidence::at(&shadow_shown, s.line);
        if !passwd.is_empty() {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                ev.clone(),
                format!("shadow entry '{}' has no passwd line", s.login),
            ));
        }
        let mut acc = Account::new(SourceKind::LinuxHost, system, &s.login, ev);
        local_account(&mut acc);
        acc.password = s.password;
        apply_shadow(&mut acc, s, &shadow_shown);
        out.record(Record::Account(acc));
    }
}

/// Groups whose members are administrators (they may `sudo` by the distributions' default
/// sudoers), and groups whose members are root without being administrators by name (the docker
/// and lxd sockets start a root container with the host mounted; `disk` writes raw devices).
const ADMIN_GROUPS: &[&str] = &["sudo", "wheel", "admin"];
const ROOT_EQUIVALENT_GROUPS: &[&str] = &["docker", "lxd", "disk"];

/// The privilege membership of a group grants on a Linux host.
fn grants(group: &str) -> Option<Privilege> {
    if ADMIN_GROUPS.contains(&group) {
        Some(Privilege::Admin)
    } else if ROOT_EQUIVALENT_GROUPS.contains(&group) {
        Some(Privilege::RootEquivalent)
    } else {
        None
    }
}

fn memberships(
    fs: &HostFs,
    system: &str,
    passwd: &[PasswdEntry],
    groups: &[GroupEntry],
    out: &mut Output,
) {
    let group_shown = fs.evidence_path(GROUP);
    let passwd_shown = fs.evidence_path(PASSWD);
    for g in groups {
        for m in &g.members {
            out.record(Record::Membership(Membership {
                system: system.to_string(),
                group: g.name.clone(),
                gid: Some(g.gid),
                member: m.clone(),
                primary: false,
                grants: grants(&g.name),
                evidence: Evidence::at(&group_shown, g.line),
            }));
        }
    }
    for p in passwd {
        if let Some(g) = groups.iter().find(|g| g.gid == p.gid) {
            out.record(Record::Membership(Membership {
                system: system.to_string(),
                group: g.name.clone(),
                gid: Some(g.gid),
                member: p.login.clone(),
                primary: true,
                grants: grants(&g.name),
                evidence: Evidence::at(&passwd_shown, p.line),
            }));
        }
    }
}

/// The key files sshd would read for one account, as normalised host paths, each with the
/// `AuthorizedKeysFile` line that names it. With `Match` criteria the scan cannot decide
/// (Address, Host), the files of every value sshd may use are read.
fn key_files_for(
    sshd: &SshdConfig,
    accounts: &SshdAccounts,
    p: &PasswdEntry,
    commands: &mut BTreeMap<Evidence, Vec<String>>,
    out: &mut Output,
) -> Vec<(String, Option<Evidence>)> {
    let view = sshd.effective(accounts, Some(&accounts.conn(&p.login, Attr::Unknown)));
    for c in view.candidates("authorizedkeyscommand") {
        if let (Some(ev), Some(first)) = (&c.evidence, c.args.first()) {
            if !first.eq_ignore_ascii_case("none") {
                commands
                    .entry(ev.clone())
                    .or_default()
                    .push(p.login.clone());
            }
        }
    }
    let mut files: Vec<(String, Option<Evidence>)> = Vec::new();
    for c in view.candidates("authorizedkeysfile") {
        for raw in &c.args {
            if raw.eq_ignore_ascii_case("none") {
                continue;
            }
            if raw.starts_with('~') {
                // Left unexpanded: no such account (reported once by the config check).
                continue;
            }
            let expanded = match sshd::expand_authorized_keys(raw, &p.login, p.uid, &p.home) {
                Ok(e) => e,
                Err(token) => {
                    if let Some(ev) = &c.evidence {
                        out.diag(Diagnostic::malformed(
                            &ev.path,
                            ev.line.unwrap_or(0),
                            format!(
                                "AuthorizedKeysFile path has the unknown token '{token}': sshd aborts \
                                 the key login of {} there, so this and later paths are not read",
                                p.login
                            ),
                        ));
                    }
                    break;
                }
            };
            let Some(path) = normalize(&expanded) else {
                continue;
            };
            if !files.iter().any(|(f, _)| *f == path) {
                files.push((path, c.evidence.clone()));
            }
        }
    }
    files
}

/// Credentials from every authorized_keys file sshd would read for each account.
fn keys(
    fs: &HostFs,
    manifest: &Manifest,
    sshd: &SshdConfig,
    accounts: &SshdAccounts,
    system: &str,
    passwd: &[PasswdEntry],
    out: &mut Output,
) {
    let mut commands: BTreeMap<Evidence, Vec<String>> = BTreeMap::new();
    // A file can serve several accounts (root and toor share /root): parse it once.
    let mut cache: BTreeMap<String, Option<Vec<(u32, Parsed)>>> = BTreeMap::new();
    for p in passwd.iter().filter(|p| p.home.starts_with('/')) {
        for (file, setting) in key_files_for(sshd, accounts, p, &mut commands, out) {
            let shown = fs.evidence_path(&file);
            let parsed = cache.entry(file.clone()).or_insert_with(|| {
                let Fetch::Text(text) = fs.read(&file, out) else {
                    return None;
                };
                let lines: Vec<(u32, Parsed)> = crate::source::numbered_lines(&text)
                    .map(|(n, l)| (n, authorized_keys::parse_line(l)))
                    .collect();
                for (n, parsed) in &lines {
                    match parsed {
                        Parsed::Malformed(why) => out.diag(Diagnostic::malformed(
                            &shown,
                            *n,
                            format!("authorized_keys line skipped: {why}"),
                        )),
                        Parsed::Key(k) => {
                            if let Some(Err(())) = k.expiry() {
                                out.diag(Diagnostic::malformed(
                                    &shown,
                                    *n,
                                    "expiry-time is not YYYYMMDD[HHMM[SS]]; expiry unknown",
                                ));
                            }
                        }
                        Parsed::Skip => {}
                    }
                }
                Some(lines)
            });
            let Some(lines) = parsed else {
                continue;
            };
            let (issued, basis) = manifest.file_time(fs, &file);
            for (n, line) in lines.iter() {
                let Parsed::Key(k) = line else {
                    continue;
                };
                let mut c = Credential::new(
                    CredentialKind::SshKey,
                    &k.fingerprint,
                    &format!("{} key", k.key_type),
                    Evidence::at(&shown, *n),
                );
                c.owner = Some(OwnerRef {
                    system: Some(system.to_string()),
                    login: p.login.clone(),
                });
                c.status = CredentialStatus::Active;
                c.issued = issued;
                c.issued_basis = basis;
                c.expires = match k.expiry() {
                    None => When::Never,
                    Some(Ok(ts)) => When::from_timestamp(ts),
                    Some(Err(())) => When::Unknown,
                };
                c.detail = k.summary();
                c.related = setting.iter().cloned().collect();
                out.record(Record::Credential(c));
            }
        }
    }
    for (ev, logins) in commands {
        let shown: Vec<&str> = logins.iter().take(5).map(String::as_str).collect();
        let more = logins.len().saturating_sub(shown.len());
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            ev,
            format!(
                "AuthorizedKeysCommand fetches keys at login time for {}{}; those keys are not in \
                 the collection",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
