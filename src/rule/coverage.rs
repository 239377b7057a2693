//! Coverage: whether each rule could be assessed on the evidence given. A rule that found nothing
//! because no input of the kind it reads was given is *not assessed*, never a pass: reports say
//! which kind of input it needs. Decided from the inventory (which sources contributed records),
//! not from the findings.

use crate::inventory::ledger::EventKind;
use crate::inventory::{CredentialKind, Inventory, SourceKind};
use serde::Serialize;

/// One rule's coverage in a scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub rule: &'static str,
    pub assessed: bool,
    /// The kind of input the rule reads, as users would export it.
    pub needs: &'static str,
}

/// What a rule reads, as a test over the inventory.
struct Needs {
    what: &'static str,
    test: fn(&Facts) -> bool,
}

/// What the scan had, computed once.
struct Facts<'a> {
    inventory: &'a Inventory,
    files: u64,
    resets: bool,
    /// The sources of the accounts and the kinds of the credentials, each once: a rule's test
    /// asks for a source, and asking the 100,000 accounts of a directory again for each rule
    /// was most of the report's time.
    account_sources: Vec<SourceKind>,
    credential_kinds: Vec<CredentialKind>,
}

/// The distinct values of `items`, in order of first sight (there are a few).
fn distinct<T: Copy + PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if out.last() != Some(&item) && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

impl Facts<'_> {
    fn source(&self, kinds: &[SourceKind]) -> bool {
        self.account_sources.iter().any(|s| kinds.contains(s))
    }
    fn credentials(&self, kinds: &[CredentialKind]) -> bool {
        self.credential_kinds.iter().any(|k| kinds.contains(k))
    }
    fn hosts(&self) -> bool {
        !self.inventory.hosts.is_empty()
    }
    /// A successful password reset or change in an audit log, about an exported account (logins
    /// compared ignoring case, as the ledger rules do).
    fn ledger_reset(&self) -> bool {
        let resets: Vec<(String, String)> = self
            .inventory
            .events
            .iter()
            .filter(|e| {
                e.kind.sets_password() && e.outcome == crate::inventory::ledger::Outcome::Success
            })
            .map(|e| (e.system.to_lowercase(), e.target.to_lowercase()))
            .collect();
        if resets.is_empty() {
            return false;
        }
        let accounts: std::collections::HashSet<(String, String)> = self
            .inventory
            .accounts
            .iter()
            .flat_map(|a| {
                std::iter::once(&a.login)
                    .chain(&a.aliases)
                    .map(|l| (a.system.to_lowercase(), l.to_lowercase()))
            })
            .collect();
        resets.iter().any(|r| accounts.contains(r))
    }
    fn ad(&self) -> bool {
        self.source(&[SourceKind::ActiveDirectory])
    }
}

use CredentialKind as C;
use SourceKind as S;

const BEARER: &[CredentialKind] = &[
    C::AccessKey,
    C::SigningCertificate,
    C::PersonalAccessToken,
    C::ApiToken,
    C::OAuthGrant,
    C::ClientSecret,
    C::ClientCertificate,
    C::VaultToken,
    C::ServiceAccountToken,
    C::DeployKey,
];

const AD: &str = "an Active Directory export (LDIF or live LDAP)";

/// The needs of a rule by code; `None` for a code not in the table (a test keeps it complete).
fn needs(code: &str) -> Option<Needs> {
    let n = |what, test| Some(Needs { what, test });
    match code {
        "RG101" => n(
            "bearer credentials (AWS IAM, GitHub, Okta, Vault, Kubernetes, Entra ID or Google exports) and a password-change record",
            |f| f.resets && (f.credentials(BEARER) || f.source(&[S::AwsIam, S::GitHub, S::Okta, S::Vault, S::Kubernetes, S::EntraId, S::GoogleWorkspace])),
        ),
        "RG102" => n(
            "host trees (authorized_keys, shadow) with a password-change record",
            |f| f.resets && (f.hosts() || f.credentials(&[C::SshKey])),
        ),
        "RG103" => n(AD, |f| f.ad()),
        "RG104" => n(AD, |f| f.ad()),
        "RG105" => n(
            "an Entra ID or Okta users export (session validity)",
            |f| f.source(&[S::EntraId, S::Okta]),
        ),
        "RG106" => n(
            "an export of directory-synchronised users (Entra ID, Okta) beside the directory",
            |f| f.inventory.accounts.iter().any(|a| a.synced_from.is_some()),
        ),
        "RG107" => n(
            "an Entra ID, Okta or Google Workspace export of authentication methods",
            |f| f.credentials(&[C::RecoveryMethod]) || f.source(&[S::EntraId, S::Okta, S::GoogleWorkspace]),
        ),
        "RG108" => n(
            "an OpenLDAP export with Samba or Kerberos attributes",
            |f| f.credentials(&[C::SecondaryHash]) || f.source(&[S::OpenLdap]),
        ),
        "RG109" => n(
            "host trees (.rhosts, .shosts, hosts.equiv, .k5login, sshd_config and principals files)",
            |f| f.hosts(),
        ),
        "RG110" => n(
            "host trees (etc/sssd/sssd.conf and conf.d) or a Windows Winlogon registry export",
            |f| f.hosts() || f.inventory.settings.iter().any(|s| s.component == "windows" && s.key == "cachedlogonscount"),
        ),
        "RG111" => n("host trees (sshd_config)", |f| f.hosts()),
        "RG201" => n(
            "app passwords (Google Workspace ASPs, AWS service-specific credentials, .htpasswd, password-manager exports)",
            |f| f.credentials(&[C::AppPassword]) || f.source(&[S::GoogleWorkspace, S::AwsIam]),
        ),
        "RG202" => n(
            "tokens or application credentials (GitHub, Vault, Kubernetes, Entra ID, Okta, AWS exports)",
            |f| f.credentials(BEARER) || f.source(&[S::GitHub, S::Vault, S::Kubernetes, S::EntraId, S::Okta]),
        ),
        "RG203" | "RG206" | "RG302" | "RG303" | "RG502" => n(AD, |f| f.ad()),
        "RG304" => n(
            "an Active Directory export (LDIF or live LDAP) or Windows local users (Get-LocalUser)",
            |f| f.ad() || f.source(&[S::WindowsHost]),
        ),
        "RG204" | "RG205" => n(
            "a directory export (Active Directory or OpenLDAP)",
            |f| f.source(&[S::ActiveDirectory, S::OpenLdap]),
        ),
        "RG207" => n(
            "a directory export or host trees (pwdLastSet, pwdReset, shadow)",
            |f| f.hosts() || f.source(&[S::ActiveDirectory, S::OpenLdap]),
        ),
        "RG208" => n(
            "accounts with an enabled state and their credentials (directory or cloud exports)",
            |f| f.inventory.accounts.iter().any(|a| a.source != S::LinuxHost) && !f.inventory.credentials.is_empty(),
        ),
        "RG301" => n(
            "host trees (passwd, group, sudoers) or local group exports",
            |f| f.hosts() || f.inventory.memberships.iter().any(|m| m.grants.is_some()),
        ),
        "RG305" => n("an AWS IAM or Vault export", |f| f.source(&[S::AwsIam, S::Vault]) || f.credentials(&[C::AccessKey, C::VaultToken])),
        "RG401" => n(
            "host trees (sshd_config, sudoers, auditd, journald, rsyslog, syslog-ng, PAM, smb.conf, postgresql.conf, my.cnf, slapd.conf/slapd.d, Apache, nginx) or Windows audit policy (auditpol /r, audit.csv, GptTmpl.inf)",
            |f| f.hosts() || f.inventory.settings.iter().any(|s| s.component == "windows-audit"),
        ),
        "RG402" => n(
            "host trees (inetd/xinetd, vsftpd, snmpd, smb.conf, pg_hba.conf, my.cnf; a service whose configuration is absent is not installed) or Windows registry exports (reg export of Lsa, LanmanServer, WDigest)",
            |f| f.hosts() || f.inventory.settings.iter().any(|s| s.component == "windows" && matches!(s.key.as_str(), "lmcompatibilitylevel" | "nolmhash" | "smb1" | "wdigest.uselogoncredential")),
        ),
        "RG403" => n("host trees (sudoers)", |f| f.hosts()),
        "RG501" => n("files of any kind", |f| f.files > 0),
        "RG504" => n(
            "host trees from several hosts (shadow, authorized_keys) or files holding secrets",
            |f| f.hosts() || !f.inventory.credentials.is_empty(),
        ),
        "RG606" => n(
            "Active Directory security descriptors (LDIF with nTSecurityDescriptor) or BloodHound JSON",
            |f| !f.inventory.reset_rights.is_empty(),
        ),
        "RG605" => n(
            "an Active Directory export beside the domain controllers' Security logs (4723/4724) or their audit policy, or cloud reset events of synchronised accounts",
            |f| f.ad() && (f.inventory.events.iter().any(|e| e.source == S::ActiveDirectory) || f.inventory.settings.iter().any(|s| s.component == "windows-audit")),
        ),
        "RG607" => n(
            "reset events (Windows Security log, Entra directory audits, Okta System Log, CloudTrail, Google Reports) beside an Active Directory export or a Vault export",
            |f| !f.inventory.events.is_empty() && (f.ad() || f.source(&[S::Vault]) || f.credentials(&[C::VaultToken])),
        ),
        "RG608" => n(
            "accounts of a directory or SaaS tenant with their UPNs and mail (AD/LDAP LDIF, Entra ID or Okta users)",
            |f| f.inventory.accounts.iter().any(|a| a.scope == crate::inventory::AccountScope::Domain),
        ),
        "RG503" => n(
            "a directory export (Active Directory or OpenLDAP)",
            |f| f.source(&[S::ActiveDirectory, S::OpenLdap]),
        ),
        "RG601" => n(
            "reset events (AWS CloudTrail, Google Reports, the Vault audit log, Windows, Entra ID or Okta audit logs) and help-desk ticket exports",
            |f| f.inventory.events.iter().any(|e| matches!(e.kind, EventKind::PasswordReset | EventKind::SelfServiceReset)),
        ),
        "RG602" => n(
            "reset events (AWS CloudTrail, Google Reports, the Vault audit log, Windows, Entra ID or Okta audit logs) and a directory export that shows privilege",
            |f| f.inventory.events.iter().any(|e| e.kind == EventKind::PasswordReset) && (f.ad() || f.inventory.memberships.iter().any(|m| m.grants.is_some())),
        ),
        "RG603" => n(
            "a recorded reset (Windows 4723/4724 events, Entra directory audits, the Okta System Log, Google Reports, CloudTrail or the Vault audit log) of an account in the accounts export, with the identity's sessions or credentials",
            |f| f.ledger_reset() && (!f.inventory.credentials.is_empty() || f.source(&[S::EntraId, S::Okta, S::GoogleWorkspace])),
        ),
        "RG604" => n(
            "a recorded reset (Windows 4723/4724 events, Entra directory audits, the Okta System Log, Google Reports, CloudTrail or the Vault audit log) of an account in the accounts export, and Entra sign-ins, Google login reports or credential use",
            |f| f.ledger_reset() && (f.inventory.events.iter().any(|e| matches!(e.kind, EventKind::SignIn | EventKind::CredentialUsed)) || f.inventory.credentials.iter().any(|c| c.last_used.is_known())),
        ),
        _ => None,
    }
}

/// The coverage of each code in `codes`, in that order.
pub fn assess<'a>(
    codes: impl IntoIterator<Item = &'a &'static str>,
    inventory: &Inventory,
    files: u64,
) -> Vec<Coverage> {
    let facts = Facts {
        inventory,
        files,
        resets: inventory
            .accounts
            .iter()
            .any(|a| !a.password_is_initial() && a.password_last_set.is_known()),
        account_sources: distinct(inventory.accounts.iter().map(|a| a.source)),
        credential_kinds: distinct(inventory.credentials.iter().map(|c| c.kind)),
    };
    codes
        .into_iter()
        .map(|&rule| match needs(rule) {
            Some(n) => Coverage {
                rule,
                assessed: (n.test)(&facts),
                needs: n.what,
            },
            None => Coverage {
                rule,
                assessed: true,
                needs: "any input",
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Account, Evidence, Record, When};

    #[test]
    fn every_bundled_rule_says_what_it_needs() {
        for entry in super::super::checks::TABLE {
            assert!(
                needs(entry.code).is_some(),
                "{} has no coverage entry",
                entry.code
            );
        }
    }

    #[test]
    fn cloud_rules_are_not_assessed_without_their_exports() {
        let mut a = Account::new(
            S::LinuxHost,
            "web01",
            "alice",
            Evidence::at("etc/shadow", 3),
        );
        a.password_last_set = When::parse_instant("2026-01-02T00:00:00Z").unwrap();
        let inv = Inventory::from_records(vec![Record::Account(a)]);
        let codes = ["RG105", "RG107", "RG108", "RG501"];
        let cov = assess(codes.iter(), &inv, 3);
        let assessed: Vec<bool> = cov.iter().map(|c| c.assessed).collect();
        assert_eq!(assessed, [false, false, false, true]);
        assert!(cov[0].needs.contains("Entra ID"));

        let mut e = Account::new(
            S::EntraId,
            "entra",
            "bob@example.org",
            Evidence::at("users.json", 4),
        );
        e.password_last_set = When::parse_instant("2026-01-02T00:00:00Z").unwrap();
        let inv = Inventory::from_records(vec![Record::Account(e)]);
        let cov = assess(codes.iter(), &inv, 0);
        let assessed: Vec<bool> = cov.iter().map(|c| c.assessed).collect();
        assert_eq!(assessed, [true, true, false, false]);
    }
}
