//! OpenLDAP (and other RFC 4512 directories) semantics of directory entries
//! (`../shared/reference/formats-directory.md` §1.3).
//!
//! Owns: posix/inetOrgPerson accounts (`uid`), ppolicy operational attributes (`pwdChangedTime`
//! — absent does NOT mean never changed —, `pwdReset`, `pwdAccountLockedTime`, `pwdEndTime`,
//! `pwdLastSuccess`), the nis shadow attributes (`shadowLastChange`, `shadowExpire`, days),
//! credentials that live beside the password (`sshPublicKey`, `sambaNTPassword`/`sambaLMPassword`
//! with `sambaPwdLastSet`, `krbPrincipalKey` with `krbLastPwdChange`), and groups
//! (`groupOfNames`/`member`, `groupOfUniqueNames`/`uniqueMember`, `posixGroup`/`memberUid`).
//! `userPassword` is the account's own password here, so it is not a "readable copy" unless
//! it holds several values (an old hash survives next to the new one). Decides no findings.

use super::ldif::{Entry, Value};
use super::{generalized_time, system_of, AccountFacts, Collector, GroupFacts};
use crate::inventory::{
    Account, AccountKind, AccountScope, Credential, CredentialKind, CredentialStatus,
    DirectoryAccount, DirectoryFlags, DirectoryObject, Evidence, IssuedBasis, Laps, OwnerRef,
    PasswordState, SourceKind, When,
};

/// Every attribute this module reads: what a live search requests for OpenLDAP-style entries
/// (`super::ATTRIBUTES` adds the shared ones). A unit test checks that every lookup is listed.
/// `userPassword` is counted, `sambaNTPassword`, `sambaLMPassword` and `krbPrincipalKey` are
/// read for their presence only; the saved LDIF keeps no value of them (`super::redact`).
pub const ATTRIBUTES: &[&str] = &[
    "uid",
    "cn",
    "gidNumber",
    "member",
    "uniqueMember",
    "memberUid",
    "memberOf",
    "pwdChangedTime",
    "createTimestamp",
    "pwdReset",
    "shadowLastChange",
    "userPassword",
    "pwdEndTime",
    "shadowExpire",
    "pwdLastSuccess",
    "authTimestamp",
    "pwdAccountLockedTime",
    "mail",
    "uidNumber",
    "homeDirectory",
    "sshPublicKey",
    "sambaPwdLastSet",
    "sambaNTPassword",
    "sambaLMPassword",
    "krbPrincipalKey",
    "krbLastPwdChange",
];

const ACCOUNT_CLASSES: &[&str] = &[
    "posixAccount",
    "shadowAccount",
    "inetOrgPerson",
    "organizationalPerson",
    "person",
    "account",
];
const PERSON_CLASSES: &[&str] = &["inetOrgPerson", "organizationalPerson", "person"];
const GROUP_CLASSES: &[&str] = &[
    "groupOfNames",
    "groupOfUniqueNames",
    "posixGroup",
    "groupOfMembers",
];

/// Whether an entry is an OpenLDAP-style account or group.
pub fn is_openldap(entry: &Entry) -> bool {
    is_group(entry)
        || (entry.has("uid")
            && (ACCOUNT_CLASSES.iter().any(|c| entry.has_class(c))
                || entry.has("pwdChangedTime")
                || entry.has("shadowLastChange")))
}

fn is_group(entry: &Entry) -> bool {
    GROUP_CLASSES.iter().any(|c| entry.has_class(c))
}

fn text(v: &Value) -> String {
    v.text().trim().to_string()
}

fn gtime(col: &mut Collector, entry: &Entry, attr: &str) -> Option<(When, u32)> {
    let v = entry.first(attr)?;
    match generalized_time(&v.text()) {
        Some(ts) => Some((When::from_timestamp(ts), v.line)),
        None => {
            col.malformed(v.line, format!("{attr} is not a GeneralizedTime"));
            None
        }
    }
}

fn int(col: &mut Collector, entry: &Entry, attr: &str) -> Option<(i64, u32)> {
    let v = entry.first(attr)?;
    match v.text().trim().parse::<i64>() {
        Ok(n) => Some((n, v.line)),
        Err(_) => {
            col.malformed(v.line, format!("{attr} is not an integer"));
            None
        }
    }
}

/// Phase one for an OpenLDAP entry.
pub(crate) fn collect(col: &mut Collector, entry: &Entry) {
    let system = system_of(&entry.dn);
    let rdn = super::parse_dn(&entry.dn)
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next());
    if is_group(entry) {
        let name = entry
            .first("cn")
            .map(text)
            .or_else(|| rdn.map(|(_, v)| v))
            .unwrap_or_default();
        let gid = int(col, entry, "gidNumber").and_then(|(n, _)| u32::try_from(n).ok());
        let members = entry
            .values("member")
            .chain(entry.values("uniqueMember"))
            .map(|v| {
                // nameAndOptionalUID: `DN#'0101'B`
                let t = v.text();
                let dn = match t.rfind("#'") {
                    Some(i) if t.ends_with("'B") => t.get(..i).unwrap_or(&t).to_string(),
                    _ => t.into_owned(),
                };
                (dn, v.line)
            })
            .collect();
        col.groups.push(GroupFacts {
            source: SourceKind::OpenLdap,
            dn_key: super::dn_key(&entry.dn),
            name,
            system,
            sid: None,
            gid,
            members,
            member_uids: entry
                .values("memberUid")
                .map(|v| (text(v), v.line))
                .filter(|(u, _)| !u.is_empty())
                .collect(),
            member_of: entry.values("memberOf").map(text).collect(),
        });
        return;
    }
    let uids: Vec<String> = entry
        .values("uid")
        .map(text)
        .filter(|u| !u.is_empty())
        .collect();
    let login = match rdn {
        Some((t, v)) if t == "uid" && uids.iter().any(|u| u == &v) => v,
        _ => match uids.first() {
            Some(u) => u.clone(),
            None => return,
        },
    };

    let changed = gtime(col, entry, "pwdChangedTime");
    let created = gtime(col, entry, "createTimestamp").map_or(When::Unknown, |(w, _)| w);
    let pwd_reset = entry
        .first("pwdReset")
        .is_some_and(|v| v.text().trim().eq_ignore_ascii_case("TRUE"));
    let shadow = int(col, entry, "shadowLastChange");
    let shadow_zero = matches!(shadow, Some((0, _)));
    let must_change = pwd_reset || shadow_zero;
    // `pwdChangedTime` when ppolicy wrote it; else the shadow date clients maintain. Absent
    // both: unknown (ppolicy only writes it on add when the policy ages passwords).
    let (password_last_set, password_line) = match (changed, shadow) {
        (Some((w, l)), _) if w.is_known() => (w, Some(l)),
        (_, Some((days, l))) if days > 0 => (
            When::from_epoch_days(days).unwrap_or(When::Unknown),
            Some(l),
        ),
        _ => (When::Unknown, None),
    };
    let password_values = entry.values("userPassword").count();
    let password = if must_change {
        PasswordState::PendingChange
    } else if password_values > 0 || password_line.is_some() {
        PasswordState::Set
    } else {
        PasswordState::Unknown
    };
    let expires = match gtime(col, entry, "pwdEndTime") {
        Some((w, _)) => w,
        None => match int(col, entry, "shadowExpire") {
            Some((n, _)) if n < 0 => When::Never,
            Some((n, _)) => When::from_epoch_days(n).unwrap_or(When::Unknown),
            None => When::Unknown,
        },
    };
    let last_logon = gtime(col, entry, "pwdLastSuccess")
        .or_else(|| gtime(col, entry, "authTimestamp"))
        .map_or(When::Unknown, |(w, _)| w);
    let locked = entry.has("pwdAccountLockedTime");
    let person = PERSON_CLASSES.iter().any(|c| entry.has_class(c));

    let mut account = Account::new(
        SourceKind::OpenLdap,
        &system,
        &login,
        col.evidence(entry.line),
    );
    let mut aliases: Vec<String> = uids.into_iter().filter(|u| u != &login).collect();
    for m in entry.values("mail").map(text) {
        if !m.is_empty() && !aliases.contains(&m) {
            aliases.push(m);
        }
    }
    aliases.push(entry.dn.clone());
    account.aliases = aliases;
    account.kind = if person {
        AccountKind::Human
    } else {
        AccountKind::Unknown
    };
    account.password = password;
    account.password_last_set = password_last_set;
    account.password_evidence = password_line.map(|l| col.evidence(l));
    account.expires = expires;
    account.created = created;
    account.scope = AccountScope::Domain;
    account.uid = int(col, entry, "uidNumber").and_then(|(n, _)| u32::try_from(n).ok());
    let gid = int(col, entry, "gidNumber");
    account.gid = gid.and_then(|(n, _)| u32::try_from(n).ok());
    account.home = entry
        .first("homeDirectory")
        .map(text)
        .filter(|h| !h.is_empty());
    let pwd_changed = changed.map_or(When::Unknown, |(w, _)| w);
    let mut readable = Vec::new();
    if password_values > 1 {
        readable.push(format!("userPassword ({password_values} values)"));
    }
    account.directory = Some(Box::new(DirectoryAccount {
        dn: entry.dn.clone(),
        object: if person {
            DirectoryObject::User
        } else {
            DirectoryObject::Other
        },
        uac: None,
        flags: DirectoryFlags::default(),
        pwd_last_set: pwd_changed,
        must_change,
        password_changed: pwd_changed,
        pwd_last_set_written: When::Unknown,
        spns: Vec::new(),
        admin_count: false,
        privileged_groups: Vec::new(),
        last_logon,
        laps: Laps::NotApplicable,
        readable_password_attributes: readable,
        locked,
    }));

    let owner = OwnerRef {
        system: Some(system.clone()),
        login: login.clone(),
    };
    for v in entry.values("sshPublicKey") {
        let t = v.text();
        if t.trim().is_empty() {
            continue;
        }
        match crate::source::ids::ssh_public_key(&t) {
            Ok((key_type, fp)) => {
                let mut c = Credential::new(
                    CredentialKind::SshKey,
                    &fp,
                    &format!("{key_type} key"),
                    col.evidence(v.line),
                );
                c.owner = Some(owner.clone());
                c.status = CredentialStatus::Active;
                c.detail = Some("sshPublicKey".to_string());
                col.credentials.push(c);
            }
            Err(why) => col.malformed(v.line, format!("sshPublicKey {why}")),
        }
    }
    let samba_set = int(col, entry, "sambaPwdLastSet");
    for (attr, label) in [
        ("sambaNTPassword", "sambaNTPassword (Samba NT hash)"),
        ("sambaLMPassword", "sambaLMPassword (LAN Manager hash)"),
    ] {
        let Some(v) = entry.first(attr) else {
            continue;
        };
        let issued = samba_set.and_then(|(n, l)| {
            (n > 0).then(|| (When::from_epoch_seconds(n).unwrap_or(When::Unknown), l))
        });
        push_hash(col, &owner, attr, label, v.line, issued);
    }
    if let Some(v) = entry.first("krbPrincipalKey") {
        let issued = gtime(col, entry, "krbLastPwdChange");
        push_hash(
            col,
            &owner,
            "krbPrincipalKey",
            "krbPrincipalKey (Kerberos keys)",
            v.line,
            issued,
        );
    }

    col.accounts.push(AccountFacts {
        account,
        dn_key: super::dn_key(&entry.dn),
        sid: None,
        primary_group: None,
        member_of: entry
            .values("memberOf")
            .map(|v| (v.text().into_owned(), v.line))
            .collect(),
        gid_line: gid.map(|(_, l)| l),
    });
}

fn push_hash(
    col: &mut Collector,
    owner: &OwnerRef,
    attr: &str,
    label: &str,
    line: u32,
    issued: Option<(When, u32)>,
) {
    let mut c = Credential::new(
        CredentialKind::SecondaryHash,
        &format!("{attr}:{}", owner.login),
        label,
        col.evidence(line),
    );
    c.owner = Some(owner.clone());
    c.status = CredentialStatus::Active;
    if let Some((w, l)) = issued {
        c.issued = w;
        c.issued_basis = if w.is_known() {
            IssuedBasis::Recorded
        } else {
            IssuedBasis::Unknown
        };
        c.related.push(Evidence::at(col.path(), l));
    }
    col.credentials.push(c);
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    #[test]
    fn ssh_fingerprint_matches_ssh_keygen_form() {
        // blob = string "ssh-ed25519" + string 32 zero bytes
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[0; 32]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
        let (t, fp) =
            crate::source::ids::ssh_public_key(&format!("ssh-ed25519 {b64} alice@laptop")).unwrap();
        assert_eq!(t, "ssh-ed25519");
        assert!(fp.starts_with("SHA256:") && !fp.ends_with('='));
        let expect = base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(&blob));
        assert_eq!(fp, format!("SHA256:{expect}"));
        assert!(crate::source::ids::ssh_public_key(&format!("ssh-rsa {b64}")).is_err());
        assert!(crate::source::ids::ssh_public_key("ssh-ed25519 !!!").is_err());
        assert!(crate::source::ids::ssh_public_key("hello").is_err());
        assert!(crate::source::ids::ssh_public_key("ssh-ed25519 AAAA").is_err());
    }
}
