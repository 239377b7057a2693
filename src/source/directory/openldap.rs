//! OpenLDAP (and other RFC 4512 directories) semantics of directory entries
//! (`../shared/reference/formats-directory.md` §1.3).
//!
//! Owns: which entries are login accounts (a `uid` with a person or account class, or with a
//! password of its own; entries with a `uid` it cannot classify are noted, not dropped), what
//! a `userPassword` value lets a bind do (`user_password_state`: empty, `{CRYPT}*` and
//! `{CRYPT}!…` are not usable passwords), ppolicy operational attributes (`pwdChangedTime`
//! — absent does NOT mean never changed —, `pwdReset`, `pwdAccountLockedTime`, `pwdEndTime`,
//! `pwdLastSuccess`), the nis shadow attributes (`shadowLastChange`, `shadowExpire`, days),
//! credentials that live beside the password (`sshPublicKey`, `sambaNTPassword`/`sambaLMPassword`
//! with `sambaPwdLastSet` (Samba's `NO PASSWORD…`/`XXX…` placeholders are no hash),
//! `krbPrincipalKey` with `krbLastPwdChange`), and groups
//! (`groupOfNames`/`member`, `groupOfUniqueNames`/`uniqueMember`, `posixGroup`/`memberUid`).
//! `userPassword` is the account's own password here, so it is not a "readable copy" unless
//! it holds several values (an old hash survives next to the new one). Decides no findings.

use super::ldif::{Entry, Value};
use super::{generalized_time, AccountFacts, Collector, GroupFacts};
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
    "sambaAcctFlags",
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

/// Structural and auxiliary classes of people: `person` (RFC 4519 §3.12) and its subclasses
/// `organizationalPerson` (§3.13), `residentialPerson` (§3.14), `inetOrgPerson` (RFC 2798),
/// `pilotPerson`/`newPilotPerson` (RFC 1274, OpenLDAP `cosine.schema`) and `OpenLDAPperson`
/// (OpenLDAP `openldap.schema`, `SUP (pilotPerson $ inetOrgPerson) MUST (uid $ cn)`). Every one
/// may hold `userPassword`: with a `uid`, such an entry is a person's login account.
const PERSON_CLASSES: &[&str] = &[
    "person",
    "organizationalPerson",
    "residentialPerson",
    "inetOrgPerson",
    "pilotPerson",
    "newPilotPerson",
    "OpenLDAPperson",
];
/// Classes that make an entry with a `uid` a login account that is not (known to be) a
/// person's: RFC 2307 `posixAccount` and `shadowAccount` (`MUST uid`, `MAY userPassword`),
/// RFC 4524 `account` (`MUST uid`: a computer or service account), RFC 4519 `uidObject`,
/// `simpleSecurityObject` (RFC 1274, `MUST userPassword`: an entry that binds), Samba's
/// `sambaSamAccount` (`MUST (uid $ sambaSID)`), `inetUser` (Sun/389 DS) and openssh-lpk's
/// `ldapPublicKey` (`MUST uid`, SSH keys for a login).
const ACCOUNT_CLASSES: &[&str] = &[
    "posixAccount",
    "shadowAccount",
    "account",
    "uidObject",
    "simpleSecurityObject",
    "sambaSamAccount",
    "inetUser",
    "ldapPublicKey",
];
const GROUP_CLASSES: &[&str] = &[
    "groupOfNames",
    "groupOfUniqueNames",
    "posixGroup",
    "groupOfMembers",
];

/// Whether an entry is an OpenLDAP-style account or group: a group class, or a `uid` with an
/// account or person class, or a `uid` with a password of its own (`userPassword`,
/// `pwdChangedTime`, `shadowLastChange`) whatever its classes say, since such an entry binds.
pub fn is_openldap(entry: &Entry) -> bool {
    is_group(entry) || (has_uid(entry) && (is_account_class(entry) || has_own_password(entry)))
}

/// An entry with a `uid` that is neither an account nor a group by the rules above (an
/// unknown schema's class without a password): what `Collector::add` notes instead of
/// dropping silently.
pub fn is_unclassified_uid(entry: &Entry) -> bool {
    has_uid(entry) && !is_openldap(entry)
}

fn is_group(entry: &Entry) -> bool {
    GROUP_CLASSES.iter().any(|c| entry.has_class(c))
}

fn has_uid(entry: &Entry) -> bool {
    entry.values("uid").any(|v| !v.text().trim().is_empty())
}

fn is_account_class(entry: &Entry) -> bool {
    PERSON_CLASSES
        .iter()
        .chain(ACCOUNT_CLASSES)
        .any(|c| entry.has_class(c))
}

fn has_own_password(entry: &Entry) -> bool {
    entry.has("userPassword") || entry.has("pwdChangedTime") || entry.has("shadowLastChange")
}

/// The note for an entry with a `uid` that no rule classifies: it is not read as an account.
pub(crate) fn note_unclassified(col: &mut Collector, entry: &Entry) {
    let classes: Vec<String> = entry
        .values("objectClass")
        .map(text)
        .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("top"))
        .collect();
    let classes = if classes.is_empty() {
        "no object class".to_string()
    } else {
        format!("object classes {}", classes.join(", "))
    };
    let d = crate::diag::Diagnostic::new(
        crate::diag::DiagKind::Incomplete,
        crate::diag::Severity::Note,
        col.evidence(entry.line),
        format!(
            "entry has a uid but {classes}, none of them a person or login-account class, and no password of its own: not read as an account"
        ),
    );
    col.diag(d);
}

/// What one `userPassword` value lets a simple bind do, as slapd decides it (`lutil_passwd`):
///
/// - empty: no password. An empty password makes a simple bind unauthenticated (RFC 4513
///   §5.1.2), and slapd refuses it ("unauthenticated bind (DN with no password) disallowed").
/// - `{CRYPT}` + a crypt(3) field: read like a shadow password field
///   (`linux::shadow::classify_password`): `{CRYPT}*` and other non-hashes are no valid
///   password, `{CRYPT}!<hash>` is locked, a `$id$` or DES hash is set. An empty field after
///   `{CRYPT}` is no valid password too: slapd's `chk_crypt` never matches it.
/// - any other `{SCHEME}` (a hash, or a saved LDIF's scheme-only value): set.
/// - no scheme: a clear-text password, set, whatever it says. `userPassword: *` is the
///   one-character password `*` (slapd 2.5.13 accepts a bind with it), not a lock.
///
/// The reduced forms `super::redact` writes read the same way.
pub fn user_password_state(value: &[u8]) -> PasswordState {
    if value.is_empty() {
        return PasswordState::NoPassword;
    }
    let Ok(text) = std::str::from_utf8(value) else {
        return PasswordState::Set;
    };
    match crypt_field(text) {
        Some("") => PasswordState::NoPassword,
        Some(field) => match crate::source::linux::shadow::classify_password(field) {
            PasswordState::Empty => PasswordState::NoPassword,
            other => other,
        },
        None => PasswordState::Set,
    }
}

/// The crypt(3) field of a `{CRYPT}` value (scheme compared case-insensitively).
pub(crate) fn crypt_field(text: &str) -> Option<&str> {
    let head = text.get(..7)?;
    head.eq_ignore_ascii_case("{CRYPT}").then(|| &text[7..])
}

/// The state of all `userPassword` values: slapd accepts a bind that matches any value, so
/// one set value makes the password set; else one locked value makes it locked.
fn user_passwords_state<'a>(values: impl Iterator<Item = &'a Value>) -> Option<PasswordState> {
    let mut best: Option<PasswordState> = None;
    for v in values {
        let s = user_password_state(&v.bytes);
        best = Some(match (best, s) {
            (Some(PasswordState::Set), _) | (_, PasswordState::Set) => PasswordState::Set,
            (Some(PasswordState::Locked), _) | (_, PasswordState::Locked) => PasswordState::Locked,
            _ => s,
        });
    }
    best
}

/// Whether a `sambaNTPassword`/`sambaLMPassword` value is one of the placeholders Samba writes
/// instead of a hash (`pdb_sethexpwd`, source3/passdb/passdb.c): `NO PASSWORD` followed by `X`s
/// for an account that needs no password (ACB_PWNOTREQ), 32 `X`s when no hash is stored.
pub fn is_samba_placeholder(value: &[u8]) -> bool {
    let t = value.trim_ascii();
    t.get(..11)
        .is_some_and(|h| h.eq_ignore_ascii_case(b"NO PASSWORD"))
        || (!t.is_empty() && t.iter().all(|b| b.eq_ignore_ascii_case(&b'X')))
}

/// Whether a Samba hash value is a hash Samba reads: 32 hex digits (`pdb_gethexpwd`, which
/// upper-cases each digit), or a saved LDIF's presence marker for one.
pub(crate) fn is_samba_hash(value: &[u8]) -> bool {
    let t = value.trim_ascii();
    (t.len() == 32 && t.iter().all(u8::is_ascii_hexdigit)) || t == super::redact::PRESENT.as_bytes()
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
    // The DN, parsed once for the system, the RDN and the key.
    let rdns = super::parse_dn(&entry.dn);
    let system = super::system_of_parsed(&rdns);
    let dn_key = super::key_of(&rdns);
    let rdn = rdns.into_iter().next().and_then(|r| r.into_iter().next());
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
            dn_key,
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
    // A forced change is pending on a password that exists (as shadow's `lastchg` 0 is): a
    // locked or invalid one stays what it is.
    let password = match user_passwords_state(entry.values("userPassword")) {
        Some(PasswordState::Set) | None if must_change => PasswordState::PendingChange,
        Some(state) => state,
        None if password_line.is_some() => PasswordState::Set,
        None => PasswordState::Unknown,
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
    account.mail = super::mail_addresses(entry.values("mail").map(text), Vec::<String>::new());
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
        flags: entry
            .first("sambaAcctFlags")
            .map(|v| samba_acct_flags(&text(v)))
            .unwrap_or_default(),
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

    // Made for each credential: most entries have none.
    let owner = || OwnerRef {
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
                c.owner = Some(owner());
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
        if is_samba_placeholder(&v.bytes) {
            // Samba's "no hash stored" marker: no credential (pdb_gethexpwd rejects it).
            continue;
        }
        if !is_samba_hash(&v.bytes) {
            col.diag(crate::diag::Diagnostic::malformed(
                col.path(),
                v.line,
                format!(
                    "{attr} is neither 32 hex digits nor a Samba placeholder: not read as a hash"
                ),
            ));
            continue;
        }
        let issued = samba_set.and_then(|(n, l)| {
            (n > 0).then(|| (When::from_epoch_seconds(n).unwrap_or(When::Unknown), l))
        });
        push_hash(col, owner(), attr, label, v.line, issued);
    }
    if let Some(v) = entry.first("krbPrincipalKey") {
        let issued = gtime(col, entry, "krbLastPwdChange");
        push_hash(
            col,
            owner(),
            "krbPrincipalKey",
            "krbPrincipalKey (Kerberos keys)",
            v.line,
            issued,
        );
    }

    col.accounts.push(Box::new(AccountFacts {
        account,
        dn_key,
        sid: None,
        primary_group: None,
        member_of: entry
            .values("memberOf")
            .map(|v| (v.text().into_owned(), v.line))
            .collect(),
        gid_line: gid.map(|(_, l)| l),
    }));
}

fn push_hash(
    col: &mut Collector,
    owner: OwnerRef,
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
    c.owner = Some(owner);
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

/// Samba's account control flags (`sambaAcctFlags: [NUX        ]`, pdbedit(8) `-c`): `D`
/// disabled, `N` no password required, `X` password does not expire. Other letters (`U` user,
/// `W` workstation trust, `L` auto-locked, ...) are not flags the rules read.
pub(crate) fn samba_acct_flags(value: &str) -> DirectoryFlags {
    let inner = value
        .trim()
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or("");
    DirectoryFlags {
        disabled: inner.contains('D'),
        password_not_required: inner.contains('N'),
        password_never_expires: inner.contains('X'),
        ..DirectoryFlags::default()
    }
}

#[cfg(test)]
mod samba_flag_tests {
    use super::*;

    #[test]
    fn samba_acct_flags_decode_as_pdbedit_documents() {
        let f = samba_acct_flags("[NU         ]");
        assert!(f.password_not_required && !f.disabled && !f.password_never_expires);
        let f = samba_acct_flags("[DUX        ]");
        assert!(f.disabled && f.password_never_expires && !f.password_not_required);
        assert!(samba_acct_flags("[U          ]").is_empty());
        assert!(samba_acct_flags("garbage").is_empty());
    }
}
