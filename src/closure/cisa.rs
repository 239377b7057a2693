//! The mapping of reset-closure items to CISA's Eviction Strategies Tool (COUN7ER)
//! countermeasures: one table, [`TABLE`], keyed by rule code, credential kind or kind of
//! account. The closure report (`closure`), the rule YAML `frameworks:
//! cisa-eviction-strategies` entries and the README's table are this table; tests keep them in
//! step. Countermeasure ids and titles: <https://www.cisa.gov/eviction-strategies-tool>.
//!
//! Not here: deciding what an item is (`closure`), the countermeasures' text (CISA's).

use crate::inventory::{Account, AccountKind, CredentialKind, DirectoryObject, SourceKind};

/// What a row of the table maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// The findings of a rule.
    Rule(&'static str),
    /// A credential of this kind.
    Credential(CredentialKind),
    /// A kind of account whose password is reset.
    Account(AccountClass),
    /// Sign-in sessions and refresh tokens of a Microsoft 365 / Entra ID account.
    EntraSessions,
    /// Sign-in sessions of another system (Okta, Google).
    OtherSessions,
    /// A credential or sign-in used after the reset.
    UsedAfterReset,
}

/// Kinds of account whose reset CISA names a countermeasure for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountClass {
    User,
    Service,
    /// In a Tier-0 group (Domain Admins, Enterprise Admins, ...).
    Tier0,
    /// A host's local administrator or root.
    LocalAdmin,
    Krbtgt,
    /// `AZUREADSSOACC$`, the Seamless SSO computer account.
    SeamlessSso,
    /// `MSOL_…` / `Sync_…`, the Entra Connect AD DS connector account.
    Connector,
    /// An interdomain trust account.
    Trust,
}

/// One row: what, the countermeasures, and what the row means (README).
pub struct Row {
    pub key: Key,
    pub ids: &'static [&'static str],
    pub what: &'static str,
}

const fn row(key: Key, ids: &'static [&'static str], what: &'static str) -> Row {
    Row { key, ids, what }
}

use AccountClass as A;
use CredentialKind as C;
use Key::*;

/// Every mapping. A key absent here maps to nothing.
pub const TABLE: &[Row] = &[
    // Kinds of account reset.
    row(Account(A::User), &["CM0033"], "a user account's password"),
    row(
        Account(A::Service),
        &["CM0028"],
        "a service account's password",
    ),
    row(
        Account(A::Tier0),
        &["CM0128"],
        "a Tier-0 / domain or global administrator's password (twice)",
    ),
    row(
        Account(A::LocalAdmin),
        &["CM0126"],
        "a local administrator or root password, LAPS (twice)",
    ),
    row(Account(A::Krbtgt), &["CM0050"], "krbtgt (twice)"),
    row(
        Account(A::SeamlessSso),
        &["CM0092"],
        "AZUREADSSOACC (Entra Seamless SSO)",
    ),
    row(
        Account(A::Connector),
        &["CM0079"],
        "the Entra Connect AD DS connector account (MSOL_)",
    ),
    row(
        Account(A::Trust),
        &["CM0145"],
        "interdomain trust account keys",
    ),
    // Sessions and use.
    row(
        EntraSessions,
        &["CM0077"],
        "Microsoft 365 / Entra ID sessions and refresh tokens",
    ),
    row(
        OtherSessions,
        &["CM0080"],
        "sessions and tokens of other systems (Okta, Google)",
    ),
    row(
        UsedAfterReset,
        &["CM0063"],
        "a credential or sign-in used after the reset: investigate",
    ),
    // Credentials by kind.
    row(Credential(C::AccessKey), &["CM0083"], "access keys"),
    row(
        Credential(C::SigningCertificate),
        &["CM0083"],
        "IAM signing certificates",
    ),
    row(Credential(C::ApiToken), &["CM0083"], "API tokens"),
    row(Credential(C::SshKey), &["CM0032"], "SSH keys"),
    row(
        Credential(C::DeployKey),
        &["CM0032"],
        "deploy keys and static client credentials",
    ),
    row(
        Credential(C::AppPassword),
        &["CM0061"],
        "app passwords, service-specific credentials",
    ),
    row(
        Credential(C::PersonalAccessToken),
        &["CM0080"],
        "personal access tokens",
    ),
    row(Credential(C::OAuthGrant), &["CM0080"], "OAuth grants"),
    row(Credential(C::VaultToken), &["CM0080"], "Vault tokens"),
    row(
        Credential(C::ClientSecret),
        &["CM0076"],
        "application and service-principal secrets",
    ),
    row(
        Credential(C::ClientCertificate),
        &["CM0076"],
        "application and service-principal certificates",
    ),
    row(
        Credential(C::ServiceAccountToken),
        &["CM0099"],
        "Kubernetes service-account tokens",
    ),
    row(
        Credential(C::RecoveryMethod),
        &["CM0071"],
        "MFA and recovery methods",
    ),
    row(
        Credential(C::KeyCredential),
        &["CM0064"],
        "key credentials (msDS-KeyCredentialLink)",
    ),
    row(
        Credential(C::IdentityMapping),
        &["CM0064"],
        "certificate mappings (altSecurityIdentities)",
    ),
    row(
        Credential(C::SecondaryHash),
        &["CM0033"],
        "secondary password hashes",
    ),
    // Rules.
    row(
        Rule("RG101"),
        &["CM0080", "CM0083"],
        "token or key survives a reset",
    ),
    row(Rule("RG102"), &["CM0032"], "SSH key survives a reset"),
    row(
        Rule("RG103"),
        &["CM0064"],
        "key credential survives a reset",
    ),
    row(
        Rule("RG104"),
        &["CM0033"],
        "password refreshed, not changed",
    ),
    row(
        Rule("RG105"),
        &["CM0077", "CM0080"],
        "sessions not revoked at the reset",
    ),
    row(
        Rule("RG106"),
        &["CM0033", "CM0079"],
        "reset not propagated to a synchronised store",
    ),
    row(
        Rule("RG107"),
        &["CM0071"],
        "recovery factor survives a reset",
    ),
    row(
        Rule("RG108"),
        &["CM0033"],
        "secondary hash survives a reset",
    ),
    row(Rule("RG109"), &["CM0032"], "trust file bypasses the reset"),
    row(
        Rule("RG110"),
        &["CM0102", "CM0072"],
        "cached logons survive the reset",
    ),
    row(Rule("RG111"), &["CM0032"], "SSH CA without revocation"),
    row(Rule("RG201"), &["CM0061"], "app password not rotated"),
    row(
        Rule("RG202"),
        &["CM0076", "CM0083"],
        "credential without expiry",
    ),
    row(Rule("RG203"), &["CM0050"], "krbtgt not rotated"),
    row(Rule("RG204"), &["CM0033"], "password never expires"),
    row(Rule("RG205"), &["CM0033"], "password not required"),
    row(
        Rule("RG206"),
        &["CM0028"],
        "roastable account with an old password",
    ),
    row(Rule("RG207"), &["CM0033"], "reset pending"),
    row(
        Rule("RG208"),
        &["CM0112", "CM0080"],
        "disabled account with active credentials",
    ),
    row(Rule("RG301"), &["CM0126"], "local administrator account"),
    row(
        Rule("RG302"),
        &["CM0128"],
        "privileged account with an old password",
    ),
    row(Rule("RG303"), &["CM0125"], "orphaned adminCount"),
    row(Rule("RG304"), &["CM0126"], "LAPS missing or stale"),
    row(Rule("RG305"), &["CM0083", "CM0118"], "root credential"),
    row(
        Rule("RG401"),
        &["CM0140"],
        "authentication logging disabled",
    ),
    row(Rule("RG402"), &["CM0061"], "legacy authentication enabled"),
    row(
        Rule("RG501"),
        &["CM0122", "CM0144"],
        "plaintext credential (SYSVOL / GPP passwords)",
    ),
    row(Rule("RG502"), &["CM0033"], "reversible password encryption"),
    row(
        Rule("RG503"),
        &["CM0033"],
        "password in a readable attribute",
    ),
    row(Rule("RG504"), &["CM0032", "CM0126"], "shared credential"),
    row(Rule("RG601"), &["CM0064"], "reset without approval"),
    row(
        Rule("RG602"),
        &["CM0128"],
        "privileged reset without step-up",
    ),
    row(
        Rule("RG603"),
        &["CM0077", "CM0080"],
        "revocation did not follow the reset",
    ),
    row(Rule("RG604"), &["CM0063"], "used after the reset"),
    row(Rule("RG605"), &["CM0140"], "reset ledger gap"),
    row(
        Rule("RG606"),
        &["CM0133", "CM0043"],
        "reset rights outside Tier 0",
    ),
    row(
        Rule("RG607"),
        &["CM0050", "CM0092", "CM0079", "CM0145", "CM0126"],
        "Tier-0 rotation missing",
    ),
];

/// The countermeasures of `key`; empty when none applies.
pub fn ids(key: Key) -> Vec<&'static str> {
    TABLE
        .iter()
        .find(|r| r.key == key)
        .map(|r| r.ids.to_vec())
        .unwrap_or_default()
}

/// The countermeasures of a rule's findings.
pub fn for_rule(code: &str) -> Vec<&'static str> {
    TABLE
        .iter()
        .find(|r| matches!(r.key, Rule(c) if c == code))
        .map(|r| r.ids.to_vec())
        .unwrap_or_default()
}

/// What kind of account `a` is, for the countermeasure of resetting its password.
pub fn account_class(a: &Account) -> AccountClass {
    let login = a.login.to_ascii_lowercase();
    if let Some(d) = a.directory.as_deref() {
        match d.object {
            DirectoryObject::Krbtgt => return A::Krbtgt,
            DirectoryObject::Trust => return A::Trust,
            _ => {}
        }
        if login.starts_with("azureadssoacc") {
            return A::SeamlessSso;
        }
        if login.starts_with("msol_") || login.starts_with("sync_") {
            return A::Connector;
        }
        if !d.privileged_groups.is_empty() {
            return A::Tier0;
        }
    }
    match a.kind {
        AccountKind::Root => A::LocalAdmin,
        AccountKind::Service => A::Service,
        _ => A::User,
    }
}

/// The countermeasure of the sessions of an account of `source`.
pub fn sessions(source: SourceKind) -> Key {
    if source == SourceKind::EntraId {
        EntraSessions
    } else {
        OtherSessions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Evidence;

    #[test]
    fn every_id_is_in_the_catalogue_and_every_key_once() {
        let catalogue = include_str!("cisa.txt");
        for (i, r) in TABLE.iter().enumerate() {
            assert!(!r.ids.is_empty(), "{:?}", r.key);
            for id in r.ids {
                assert!(
                    id.len() == 6 && id.starts_with("CM") && catalogue.contains(id),
                    "{id} is not a COUN7ER countermeasure id"
                );
            }
            assert!(
                !TABLE[..i].iter().any(|o| o.key == r.key),
                "{:?} twice",
                r.key
            );
        }
    }

    /// The README's "CISA Eviction Strategies mapping" is this table.
    #[test]
    fn the_readme_table_is_this_table() {
        let readme = include_str!("../../README.md");
        for r in TABLE {
            let row = format!(" | {} | {} |", r.what, r.ids.join(", "));
            assert!(readme.contains(&row), "README lacks the row `{row}`");
        }
    }

    /// The rule YAML's `frameworks: cisa-eviction-strategies` is this table, rule by rule.
    #[test]
    fn rule_metadata_carries_the_table_s_countermeasures() {
        let catalog = crate::rule::Catalog::bundled().unwrap();
        for rule in &catalog.rules {
            let yaml: Vec<&str> = rule
                .meta
                .frameworks
                .get("cisa-eviction-strategies")
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(yaml, for_rule(&rule.meta.code), "{}", rule.meta.code);
        }
    }

    #[test]
    fn the_brief_s_examples_map_as_cisa_names_them() {
        assert_eq!(ids(Credential(C::SshKey)), ["CM0032"]);
        assert_eq!(ids(EntraSessions), ["CM0077"]);
        assert_eq!(ids(Credential(C::AccessKey)), ["CM0083"]);
        assert_eq!(ids(Credential(C::ClientSecret)), ["CM0076"]);
        assert_eq!(ids(Credential(C::RecoveryMethod)), ["CM0071"]);
        assert_eq!(ids(Credential(C::AppPassword)), ["CM0061"]);
        assert_eq!(ids(Credential(C::ServiceAccountToken)), ["CM0099"]);
        assert_eq!(ids(UsedAfterReset), ["CM0063"]);
        assert_eq!(for_rule("RG110"), ["CM0102", "CM0072"]);
        assert_eq!(for_rule("RG606"), ["CM0133", "CM0043"]);
        assert!(for_rule("RG608").is_empty());
        assert!(for_rule("RG999").is_empty());
    }

    #[test]
    fn special_accounts_get_their_own_countermeasure() {
        let mut a = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            "AZUREADSSOACC$",
            Evidence::at("ad.ldif", 1),
        );
        a.directory = Some(Box::new(crate::inventory::DirectoryAccount {
            dn: "CN=AZUREADSSOACC,DC=corp".into(),
            object: DirectoryObject::Computer,
            uac: None,
            flags: Default::default(),
            pwd_last_set: crate::inventory::When::Unknown,
            must_change: false,
            password_changed: crate::inventory::When::Unknown,
            pwd_last_set_written: crate::inventory::When::Unknown,
            spns: Vec::new(),
            admin_count: false,
            privileged_groups: Vec::new(),
            last_logon: crate::inventory::When::Unknown,
            laps: crate::inventory::Laps::NotApplicable,
            readable_password_attributes: Vec::new(),
            locked: false,
        }));
        assert_eq!(ids(Account(account_class(&a))), ["CM0092"]);
        a.login = "MSOL_0123abcd".into();
        assert_eq!(ids(Account(account_class(&a))), ["CM0079"]);
        a.login = "adm.kim".into();
        a.directory.as_mut().unwrap().privileged_groups = vec!["Domain Admins".into()];
        assert_eq!(ids(Account(account_class(&a))), ["CM0128"]);
        a.directory.as_mut().unwrap().object = DirectoryObject::Krbtgt;
        assert_eq!(ids(Account(account_class(&a))), ["CM0050"]);
        a.directory = None;
        a.kind = AccountKind::Root;
        assert_eq!(ids(Account(account_class(&a))), ["CM0126"]);
        a.kind = AccountKind::Human;
        assert_eq!(ids(Account(account_class(&a))), ["CM0033"]);
    }
}
