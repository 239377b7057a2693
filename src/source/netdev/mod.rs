//! Network device configurations: Cisco IOS/IOS-XE `show running-config` text ([`ios`]) and
//! Juniper Junos `show configuration | display set` ([`junos`]). Formats:
//! `../shared/reference/formats-host.md` §2.13, §2.14, c23, c24.
//!
//! This module owns recognising those files by content ([`sniff`]) and turning one device's
//! configuration into records: the device as a `Host` (its host name; the file is its root), its
//! local users as `Local` accounts of that host, a `Membership` granting `Admin` for a
//! privilege-15 IOS user or a Junos `super-user` (or a class with `permissions all`), which RG301
//! reads; a `PlaintextSecret` credential for every password stored in clear or reversibly (IOS
//! type 0 and 7, Junos `$9$`), which RG501 reads; and `Setting`s (component `ios` or `junos`)
//! for the logging and legacy-authentication facts RG401 and RG402 judge. A setting the
//! configuration does not state is recorded with the value `none` and no evidence:
//! `show running-config` omits defaults, so absence is the device default, never a parse gap.
//!
//! No secret is ever kept in a record: a reversible password is decoded in memory only to
//! prove it is reversible and to join the same secret elsewhere in the scan.

pub(crate) mod ios;
pub(crate) mod junos;
#[cfg(test)]
mod tests;
pub(crate) mod type7;

use super::secret_id::FileSecrets;
use super::Output;
use crate::inventory::{
    Account, AccountKind, AccountScope, Credential, CredentialKind, CredentialStatus, Evidence,
    Host, Membership, OwnerRef, PasswordState, Privilege, Record, Scope, Setting, SourceKind, When,
};
use crate::source::registry::{BySniff, ParseInput, Sniff};

/// The device configuration formats this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceConfig {
    /// Cisco IOS / IOS-XE running-config.
    Ios,
    /// Junos configuration in `set` format.
    Junos,
}

/// Network device configurations (Cisco IOS running-config, Junos set format), recognised by
/// content. They carry no dates: the file's time dates the secrets found in them.
pub static SOURCE: BySniff<DeviceConfig> = BySniff {
    name: "netdev",
    sniff,
    read,
    join: crate::source::registry::no_join,
    dated_by_file_time: true,
};

/// Recognises a device configuration from the head of the file.
///
/// IOS: a top-level `hostname NAME` line and at least two of: a `version N.N` line, an
/// `interface ` line, a `line vty|con ` line, a `!` separator line, `end` as the last word.
/// Junos: at least two `set system ` lines, and every complete non-blank, non-comment line is a
/// `set`/`delete`/`deactivate`/`activate` statement.
pub fn sniff(file: &Sniff<'_>) -> Option<DeviceConfig> {
    let head = file.head;
    // The last line of a cut head may be incomplete.
    let complete = if file.is_whole() {
        head
    } else {
        head.rfind('\n').and_then(|i| head.get(..i)).unwrap_or("")
    };
    if junos::sniff(complete) {
        return Some(DeviceConfig::Junos);
    }
    if ios::sniff(complete, file.tail()) {
        return Some(DeviceConfig::Ios);
    }
    None
}

fn read(kind: DeviceConfig, input: &ParseInput<'_>) -> Output {
    let mut names = input.options.secret_ids.file(input.uri);
    match kind {
        DeviceConfig::Ios => ios::parse(input.uri, input.text, &mut names),
        DeviceConfig::Junos => junos::parse(input.uri, input.text, &mut names),
    }
}

/// One device's records as a parser collects them.
pub(crate) struct Device<'a, 'n> {
    pub path: &'a str,
    /// `ios` or `junos`: the settings' component.
    pub component: &'static str,
    pub names: &'a mut FileSecrets<'n>,
    pub out: Output,
}

/// A local user as a configuration declares it.
#[derive(Debug)]
pub(crate) struct User {
    pub login: String,
    pub line: u32,
    pub password: PasswordState,
    /// The membership that makes the user an administrator: (group label, line).
    pub admin: Option<(String, u32)>,
}

/// A password stored in clear or reversibly.
pub(crate) struct Exposed<'s> {
    pub line: u32,
    /// What it is, for messages ("type 7 password (reversible)"); never the secret.
    pub label: String,
    /// Where in the file, for the id (never the secret).
    pub context: String,
    /// The secret as the matcher should see it (decoded when reversible and decodable).
    pub secret: &'s str,
    pub owner: Option<&'s str>,
    /// `detail` tag: `ios:type7`, `junos:$9$`.
    pub tag: &'static str,
}

impl<'a, 'n> Device<'a, 'n> {
    pub fn new(path: &'a str, component: &'static str, names: &'a mut FileSecrets<'n>) -> Self {
        Device {
            path,
            component,
            names,
            out: Output::default(),
        }
    }

    pub fn at(&self, line: u32) -> Evidence {
        Evidence::at(self.path, line)
    }

    /// A setting stated on `line` (`None`: absent, the device default applies).
    pub fn setting(&mut self, host: &str, key: &str, value: &str, scope: Scope, line: Option<u32>) {
        let evidence = line.map(|l| self.at(l));
        self.out.record(Record::Setting(Setting {
            system: host.to_string(),
            component: self.component.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            scope,
            evidence,
        }));
    }

    /// A clear or reversible password: a `PlaintextSecret` credential, owned by the local user
    /// it belongs to (when it belongs to one).
    pub fn exposed(&mut self, host: &str, e: Exposed<'_>) {
        if e.secret.is_empty() {
            return;
        }
        let named = self.names.name(&e.context, e.secret);
        let mut c = Credential::new(
            CredentialKind::PlaintextSecret,
            &named.id,
            &format!("{} on {host}", e.label),
            self.at(e.line),
        );
        c.owner = e.owner.map(|login| OwnerRef {
            system: Some(host.to_string()),
            login: login.to_string(),
        });
        c.status = CredentialStatus::Active;
        c.same_secret = Some(named.matcher);
        c.detail = Some(e.tag.to_string());
        self.out.record(Record::Credential(c));
    }

    /// The device, its users and their admin memberships; returns the output.
    pub fn finish(mut self, host: &str, host_line: Option<u32>, users: Vec<User>) -> Output {
        self.out.record(Record::Host(Host {
            name: host.to_string(),
            root: self.path.to_string(),
            collected_at: When::Unknown,
            evidence: Evidence::new(self.path, host_line),
        }));
        for u in users {
            let mut a = Account::new(SourceKind::NetworkDevice, host, &u.login, self.at(u.line));
            a.scope = AccountScope::Local;
            a.kind = if u.login == "root" {
                AccountKind::Root
            } else {
                AccountKind::Unknown
            };
            a.password = u.password;
            if let Some((group, line)) = u.admin {
                self.out.record(Record::Membership(Membership {
                    system: host.to_string(),
                    group,
                    gid: None,
                    member: u.login.clone(),
                    primary: false,
                    grants: Some(Privilege::Admin),
                    evidence: self.at(line),
                }));
            }
            self.out.record(Record::Account(a));
        }
        self.out
    }
}

/// The device name when the configuration states none: the file name without its extension.
pub(crate) fn name_from_path(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file,
    };
    if stem.is_empty() {
        "device".to_string()
    } else {
        stem.to_string()
    }
}
