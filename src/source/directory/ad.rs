//! Active Directory semantics of directory entries (`../shared/reference/formats-directory.md`
//! §1.1, §1.2).
//!
//! Owns the AD encodings: FILETIME large integers (`pwdLastSet`, `accountExpires`,
//! `lastLogonTimestamp`, `lockoutTime`, LAPS expiry), `userAccountControl` bits, binary
//! `objectSid`, `replPropertyMetaData` (16-byte header, 48-byte entries, DSTIME seconds since
//! 1601) and its readable twin `msDS-ReplAttributeMetaData`, `msDS-KeyCredentialLink` DN-Binary
//! blobs (MS-ADTS 2.2.20) and `altSecurityIdentities`; privileged groups by RID (never by
//! localised name); and turning one AD entry into an account, its key credentials and identity
//! mappings, or a group for phase two (`super::Collector::finish`). Decides no findings.

use super::ldif::{Entry, Value};
use super::{generalized_time, AccountFacts, Collector, GroupFacts};
use crate::inventory::{
    Account, AccountKind, AccountScope, Credential, CredentialKind, CredentialStatus,
    DirectoryAccount, DirectoryFlags, DirectoryObject, IssuedBasis, Laps, OwnerRef, PasswordState,
    SourceKind, When,
};
use base64::Engine;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

pub const UAC_ACCOUNTDISABLE: u32 = 0x2;
pub const UAC_PASSWD_NOTREQD: u32 = 0x20;
pub const UAC_ENCRYPTED_TEXT_PWD_ALLOWED: u32 = 0x80;
pub const UAC_NORMAL_ACCOUNT: u32 = 0x200;
pub const UAC_INTERDOMAIN_TRUST_ACCOUNT: u32 = 0x800;
pub const UAC_WORKSTATION_TRUST_ACCOUNT: u32 = 0x1000;
pub const UAC_SERVER_TRUST_ACCOUNT: u32 = 0x2000;
pub const UAC_DONT_EXPIRE_PASSWORD: u32 = 0x10000;
pub const UAC_SMARTCARD_REQUIRED: u32 = 0x40000;
pub const UAC_DONT_REQ_PREAUTH: u32 = 0x400000;

/// The `userAccountControl` flags rules read, decoded (`DirectoryAccount::flags`).
pub fn decode_uac(uac: u32) -> DirectoryFlags {
    DirectoryFlags {
        disabled: uac & UAC_ACCOUNTDISABLE != 0,
        password_not_required: uac & UAC_PASSWD_NOTREQD != 0,
        password_never_expires: uac & UAC_DONT_EXPIRE_PASSWORD != 0,
        reversible_encryption: uac & UAC_ENCRYPTED_TEXT_PWD_ALLOWED != 0,
        preauth_not_required: uac & UAC_DONT_REQ_PREAUTH != 0,
    }
}

/// `replPropertyMetaData` attribute ids.
pub const ATTID_UNICODE_PWD: u32 = 0x9005A;
pub const ATTID_PWD_LAST_SET: u32 = 0x90060;

/// Domain-relative RIDs of privileged groups: Domain Admins, Domain Controllers, Schema
/// Admins, Enterprise Admins, Key Admins, Enterprise Key Admins.
const PRIVILEGED_DOMAIN_RIDS: &[u32] = &[512, 516, 518, 519, 526, 527];
/// `S-1-5-32-*` builtin groups: Administrators, Account/Server/Print/Backup Operators.
const PRIVILEGED_BUILTIN_RIDS: &[u32] = &[544, 548, 549, 550, 551];

/// Attributes that hold a readable copy of a password.
const READABLE_PASSWORD_ATTRS: &[&str] = &[
    "userPassword",
    "unixUserPassword",
    "msSFU30Password",
    "os400Password",
    "unicodePwd",
];

const FILETIME_UNIX_OFFSET_SECS: i64 = 11_644_473_600;

/// Every attribute this module reads: what a live search requests for AD (`super::ATTRIBUTES`
/// adds the shared ones). A unit test checks that every lookup is listed. `unicodePwd` and the
/// other password attributes are read for their presence only; the saved LDIF keeps no value
/// of them (`super::redact`).
pub const ATTRIBUTES: &[&str] = &[
    "objectSid",
    "sAMAccountName",
    "userAccountControl",
    "cn",
    "groupType",
    "member",
    "memberOf",
    "objectCategory",
    "servicePrincipalName",
    "pwdLastSet",
    "replPropertyMetaData",
    "msDS-ReplAttributeMetaData",
    "accountExpires",
    "whenCreated",
    "lastLogonTimestamp",
    "lockoutTime",
    "adminCount",
    "ms-Mcs-AdmPwdExpirationTime",
    "msLAPS-PasswordExpirationTime",
    "userPassword",
    "unixUserPassword",
    "msSFU30Password",
    "os400Password",
    "unicodePwd",
    "userPrincipalName",
    "mail",
    "proxyAddresses",
    "primaryGroupID",
    "msDS-KeyCredentialLink",
    "altSecurityIdentities",
    "description",
    "info",
    "comment",
    "nTSecurityDescriptor",
    "msDS-GroupMSAMembership",
    "schemaIDGUID",
    "lDAPDisplayName",
];

/// Whether an entry is an AD object (it has AD-only attributes).
pub fn is_ad(entry: &Entry) -> bool {
    entry.has("sAMAccountName") || entry.has("objectSid") || entry.has("userAccountControl")
}

/// A FILETIME (100-ns ticks since 1601-01-01 UTC) as an instant; `None` outside jiff's range.
/// Callers decide what 0 and 0x7FFF_FFFF_FFFF_FFFF mean for their attribute.
pub fn filetime(ticks: i64) -> Option<Timestamp> {
    let secs = ticks.div_euclid(10_000_000) - FILETIME_UNIX_OFFSET_SECS;
    let nanos = i32::try_from(ticks.rem_euclid(10_000_000) * 100).ok()?;
    Timestamp::new(secs, nanos).ok()
}

/// A DSTIME (seconds since 1601-01-01 UTC, `replPropertyMetaData`); 0 is unknown.
pub fn dstime(secs: u64) -> When {
    if secs == 0 {
        return When::Unknown;
    }
    i64::try_from(secs)
        .ok()
        .and_then(|s| When::from_epoch_seconds(s - FILETIME_UNIX_OFFSET_SECS))
        .unwrap_or(When::Unknown)
}

/// A binary `objectSid` as `S-1-5-21-…`; also accepts the string form.
pub fn sid_to_string(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"S-1-") {
        let s = std::str::from_utf8(bytes).ok()?.trim();
        let ok = s
            .get(2..)?
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        return ok.then(|| s.to_string());
    }
    let rev = *bytes.first()?;
    let count = usize::from(*bytes.get(1)?);
    if rev != 1 || bytes.len() != 8 + 4 * count {
        return None;
    }
    let auth = bytes
        .get(2..8)?
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut s = format!("S-{rev}-{auth}");
    for i in 0..count {
        let c = bytes.get(8 + 4 * i..12 + 4 * i)?;
        let v = u32::from_le_bytes(<[u8; 4]>::try_from(c).ok()?);
        s.push_str(&format!("-{v}"));
    }
    Some(s)
}

/// The last sub-authority of a SID.
pub fn rid_of(sid: &str) -> Option<u32> {
    sid.rsplit('-').next()?.parse().ok()
}

/// The domain part of an account SID (`S-1-5-21-a-b-c`), for domain SIDs only.
pub fn domain_sid(sid: &str) -> Option<&str> {
    if !sid.to_ascii_uppercase().starts_with("S-1-5-21-") {
        return None;
    }
    sid.rsplit_once('-').map(|(d, _)| d)
}

/// Whether a domain-relative RID is a privileged group.
pub fn privileged_domain_rid(rid: u32) -> bool {
    PRIVILEGED_DOMAIN_RIDS.contains(&rid)
}

/// Whether a group SID is privileged, by RID: a domain group (`S-1-5-21-a-b-c-RID`) or a
/// builtin group (`S-1-5-32-RID`).
pub fn privileged_sid(sid: &str) -> bool {
    let parts: Vec<&str> = sid.split('-').collect();
    let rid = rid_of(sid);
    match parts.as_slice() {
        ["S" | "s", "1", "5", "32", r] => r
            .parse::<u32>()
            .is_ok_and(|r| PRIVILEGED_BUILTIN_RIDS.contains(&r)),
        ["S" | "s", "1", "5", "21", _, _, _, _] => rid.is_some_and(privileged_domain_rid),
        _ => false,
    }
}

/// The usual name of a well-known domain group, for a primary group the export does not hold.
pub fn well_known_group_name(rid: u32) -> String {
    match rid {
        512 => "Domain Admins".into(),
        513 => "Domain Users".into(),
        514 => "Domain Guests".into(),
        515 => "Domain Computers".into(),
        516 => "Domain Controllers".into(),
        518 => "Schema Admins".into(),
        519 => "Enterprise Admins".into(),
        520 => "Group Policy Creator Owners".into(),
        521 => "Read-only Domain Controllers".into(),
        _ => format!("RID {rid}"),
    }
}

/// One `replPropertyMetaData` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetaEntry {
    pub attid: u32,
    pub version: u32,
    pub changed: When,
}

/// Decodes `replPropertyMetaData`: version 1 header (version, reserved, count, reserved; u32
/// LE each), then `count` 48-byte entries (attid u32, version u32, DSTIME u64, invocation GUID,
/// originating USN, local USN). Returns the entries that could be decoded and the problem, if any.
pub fn decode_repl_metadata(bytes: &[u8]) -> (Vec<MetaEntry>, Option<&'static str>) {
    let u32_at = |i: usize| {
        bytes
            .get(i..i + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
    };
    let u64_at = |i: usize| {
        bytes
            .get(i..i + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
    };
    let (Some(version), Some(count)) = (u32_at(0), u32_at(8)) else {
        return (
            Vec::new(),
            Some("replPropertyMetaData is shorter than its header"),
        );
    };
    if version != 1 {
        return (
            Vec::new(),
            Some("replPropertyMetaData has an unknown version"),
        );
    }
    let mut out = Vec::new();
    let mut problem = None;
    for i in 0..usize::try_from(count).unwrap_or(0) {
        let at = 16 + 48 * i;
        if bytes.len() < at + 48 {
            problem = Some("replPropertyMetaData is shorter than its entry count says");
            break;
        }
        if let (Some(attid), Some(v), Some(t)) = (u32_at(at), u32_at(at + 4), u64_at(at + 8)) {
            out.push(MetaEntry {
                attid,
                version: v,
                changed: dstime(t),
            });
        }
    }
    if problem.is_none() && bytes.len() != 16 + 48 * out.len() {
        problem = Some("replPropertyMetaData has trailing bytes after its entries");
    }
    (out, problem)
}

/// `msDS-ReplAttributeMetaData` (readable by normal users): one XML value per attribute;
/// returns (attribute name, last originating change).
pub fn decode_repl_attribute_xml(text: &str) -> Option<(String, When)> {
    let tag = |t: &str| -> Option<&str> {
        let open = format!("<{t}>");
        let close = format!("</{t}>");
        let start = text.find(&open)? + open.len();
        let end = start + text.get(start..)?.find(&close)?;
        text.get(start..end).map(str::trim)
    };
    let name = tag("pszAttributeName")?.to_string();
    let changed = tag("ftimeLastOriginatingChange")
        .and_then(When::parse_instant)
        .unwrap_or(When::Unknown);
    Some((name, changed))
}

/// What a `msDS-KeyCredentialLink` value tells (no key material is kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyCredential {
    pub key_id: Option<Vec<u8>>,
    pub created: When,
    pub last_logon: When,
    pub usage: Option<u8>,
    pub source: Option<u8>,
    pub device_id: Option<String>,
    /// `sha256:<12 hex>` of the whole value, for values without a KeyID.
    pub digest: String,
}

/// Decodes a DN-Binary `B:<hex chars>:<HEX>:<owner DN>` value with a KEYCREDENTIALLINK_BLOB
/// (version 0x00000200, then entries of u16 LE length, u8 identifier, value). Returns what
/// could be decoded and the problem, if any.
pub fn decode_key_credential_link(value: &str) -> (KeyCredential, Option<&'static str>) {
    let mut kc = KeyCredential {
        digest: format!("sha256:{}", short_sha256(value.trim().as_bytes())),
        ..KeyCredential::default()
    };
    let Some(rest) = value
        .trim()
        .strip_prefix("B:")
        .or_else(|| value.trim().strip_prefix("b:"))
    else {
        return (
            kc,
            Some("msDS-KeyCredentialLink is not DN-Binary (B:<n>:<hex>:<DN>)"),
        );
    };
    let Some((count, rest)) = rest.split_once(':') else {
        return (
            kc,
            Some("msDS-KeyCredentialLink is not DN-Binary (B:<n>:<hex>:<DN>)"),
        );
    };
    let mut problem = None;
    let counted = count
        .parse::<usize>()
        .ok()
        .and_then(|n| Some((rest.get(..n)?, rest.get(n..)?)))
        .filter(|(_, dn)| dn.starts_with(':'));
    let hex = match counted {
        Some((hex, _)) => hex,
        None => {
            problem = Some("msDS-KeyCredentialLink length prefix does not match its data");
            rest.split_once(':').map_or(rest, |(h, _)| h)
        }
    };
    // A cut-off value can end in half a byte: decode what is whole.
    let hex = if hex.len() % 2 == 1 {
        problem = Some("msDS-KeyCredentialLink blob is truncated");
        hex.get(..hex.len() - 1).unwrap_or_default()
    } else {
        hex
    };
    let Some(blob) = decode_hex(hex) else {
        return (kc, Some("msDS-KeyCredentialLink binary part is not hex"));
    };
    let version = blob
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes);
    if version != Some(0x200) {
        return (kc, Some("msDS-KeyCredentialLink blob is not version 0x200"));
    }
    let mut at = 4;
    let (mut created, mut last_logon) = (None, None);
    while at < blob.len() {
        let (Some(len), Some(&id)) = (
            blob.get(at..at + 2)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_le_bytes),
            blob.get(at + 2),
        ) else {
            problem = Some("msDS-KeyCredentialLink blob is truncated");
            break;
        };
        let Some(v) = blob.get(at + 3..at + 3 + usize::from(len)) else {
            problem = Some("msDS-KeyCredentialLink blob is truncated");
            break;
        };
        let i64_le = || <[u8; 8]>::try_from(v).ok().map(i64::from_le_bytes);
        match id {
            0x01 => kc.key_id = Some(v.to_vec()),
            0x04 => kc.usage = v.first().copied(),
            0x05 => kc.source = v.first().copied(),
            0x06 => kc.device_id = format_guid(v),
            0x08 => last_logon = i64_le(),
            0x09 => created = i64_le(),
            _ => {}
        }
        at += 3 + usize::from(len);
    }
    // Azure AD keys store .NET DateTime.ToBinary ticks; AD keys store FILETIME (DSInternals).
    let azure = kc.source == Some(1);
    let time = |raw: Option<i64>| -> When {
        let Some(raw) = raw else {
            return When::Unknown;
        };
        let ts = if azure {
            let ticks = raw & 0x3FFF_FFFF_FFFF_FFFF;
            Timestamp::new(
                ticks / 10_000_000 - 62_135_596_800,
                i32::try_from((ticks % 10_000_000) * 100).unwrap_or(0),
            )
            .ok()
        } else if raw <= 0 {
            None
        } else {
            filetime(raw)
        };
        ts.map_or(When::Unknown, When::from_timestamp)
    };
    kc.created = time(created);
    kc.last_logon = time(last_logon);
    (kc, problem)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let b = hex.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks(2)
        .map(|c| {
            std::str::from_utf8(c)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// A 16-byte GUID in its registry form (first three fields little-endian).
fn format_guid(b: &[u8]) -> Option<String> {
    let b: [u8; 16] = b.try_into().ok()?;
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    ))
}

pub(crate) fn short_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn key_usage(u: Option<u8>) -> Option<String> {
    Some(match u? {
        0x00 => "AdminKey".into(),
        0x01 => "NGC".into(),
        0x07 => "FIDO".into(),
        0x08 => "FEK".into(),
        other => format!("usage {other:#04x}"),
    })
}

/// The X.509 mapping form of an `altSecurityIdentities` value (`X509:<I><SR>`), no values.
fn mapping_form(v: &str) -> Option<String> {
    let rest = v
        .get(..5)?
        .eq_ignore_ascii_case("x509:")
        .then(|| v.get(5..))??;
    let mut tags = String::new();
    let mut in_tag = false;
    for c in rest.chars() {
        match c {
            '<' => {
                in_tag = true;
                tags.push(c);
            }
            '>' if in_tag => {
                in_tag = false;
                tags.push(c);
            }
            c if in_tag => tags.push(c.to_ascii_uppercase()),
            _ => {}
        }
    }
    Some(format!("X509:{tags}"))
}

/// A large-integer attribute, with a diagnostic when it is not one.
fn large_int(col: &mut Collector, v: &Value, attr: &str) -> Option<i64> {
    let t = v.text();
    match t.trim().parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            col.malformed(v.line, format!("{attr} is not an integer"));
            None
        }
    }
}

/// A FILETIME attribute where 0 means "never" (`lastLogonTimestamp`, LAPS expiry aside).
fn filetime_attr(col: &mut Collector, entry: &Entry, attr: &str) -> Option<(When, u32)> {
    let v = entry.first(attr)?;
    let n = large_int(col, v, attr)?;
    let when = match n {
        0 => When::Never,
        n if n < 0 => {
            col.malformed(v.line, format!("{attr} is negative"));
            When::Unknown
        }
        n => filetime(n).map_or(When::Unknown, When::from_timestamp),
    };
    Some((when, v.line))
}

fn gtime_attr(col: &mut Collector, entry: &Entry, attr: &str) -> Option<(When, u32)> {
    let v = entry.first(attr)?;
    match generalized_time(&v.text()) {
        Some(ts) => Some((When::from_timestamp(ts), v.line)),
        None => {
            col.malformed(v.line, format!("{attr} is not a GeneralizedTime"));
            None
        }
    }
}

fn text_of(entry: &Entry, attr: &str) -> Option<String> {
    entry
        .first(attr)
        .map(|v| v.text().trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Phase one for an AD entry: an account (with its credentials) or a group.
pub(crate) fn collect(col: &mut Collector, entry: &Entry) {
    // The DN, parsed once for the system, the first RDN's value and the key.
    let rdns = super::parse_dn(&entry.dn);
    let system = super::system_of_parsed(&rdns);
    let dn_key = super::key_of(&rdns);
    let sid = match entry.first("objectSid") {
        Some(v) => {
            let s = sid_to_string(&v.bytes);
            if s.is_none() {
                col.malformed(v.line, "objectSid is not a valid SID");
            }
            s
        }
        None => None,
    };
    let name = text_of(entry, "sAMAccountName")
        .or_else(|| text_of(entry, "cn"))
        .or_else(|| super::first_rdn_value_parsed(&rdns))
        .unwrap_or_default();
    super::acl::collect(col, entry, &system, &name);
    if entry.has_class("group") || entry.has("groupType") {
        col.groups.push(GroupFacts {
            source: SourceKind::ActiveDirectory,
            dn_key,
            name,
            system,
            sid,
            gid: None,
            members: entry
                .values("member")
                .map(|v| (v.text().into_owned(), v.line))
                .collect(),
            member_uids: Vec::new(),
            member_of: entry
                .values("memberOf")
                .map(|v| v.text().into_owned())
                .collect(),
        });
        return;
    }
    if !(entry.has("sAMAccountName") || entry.has("userAccountControl")) {
        return;
    }
    let login = name;
    let uac = entry.first("userAccountControl").and_then(|v| {
        let n = large_int(col, v, "userAccountControl")?;
        match u32::try_from(n).or_else(|_| i32::try_from(n).map(|i| i as u32)) {
            Ok(u) => Some(u),
            Err(_) => {
                col.malformed(v.line, "userAccountControl is out of range");
                None
            }
        }
    });
    let flags = uac.unwrap_or(0);
    let rid = sid.as_deref().and_then(rid_of);
    let lower = login.to_ascii_lowercase();
    let is_msa = entry.has_class("msDS-GroupManagedServiceAccount")
        || entry.has_class("msDS-ManagedServiceAccount");
    let category_is = |c: &str| {
        entry
            .first("objectCategory")
            .and_then(|v| super::first_rdn_value(&v.text()))
            .is_some_and(|v| v.eq_ignore_ascii_case(c))
    };
    let object = if rid == Some(502) || lower == "krbtgt" || lower.starts_with("krbtgt_") {
        DirectoryObject::Krbtgt
    } else if flags & UAC_INTERDOMAIN_TRUST_ACCOUNT != 0 {
        DirectoryObject::Trust
    } else if flags & UAC_SERVER_TRUST_ACCOUNT != 0 {
        DirectoryObject::DomainController
    } else if entry.has_class("computer")
        || category_is("computer")
        || flags & UAC_WORKSTATION_TRUST_ACCOUNT != 0
    {
        DirectoryObject::Computer
    } else if entry.has_class("user")
        || entry.has_class("person")
        || category_is("person")
        || flags & UAC_NORMAL_ACCOUNT != 0
    {
        DirectoryObject::User
    } else {
        DirectoryObject::Other
    };
    let spns: Vec<String> = entry
        .values("servicePrincipalName")
        .map(|v| v.text().trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let kind = match object {
        DirectoryObject::User if spns.is_empty() => AccountKind::Human,
        DirectoryObject::Other if spns.is_empty() => AccountKind::Unknown,
        _ => AccountKind::Service,
    };

    // pwdLastSet: 0 = must change at next logon; -1 is only ever written, never read.
    let mut pwd_last_set = When::Unknown;
    let mut pls_zero = false;
    let mut pls_line = None;
    if let Some(v) = entry.first("pwdLastSet") {
        if let Some(n) = large_int(col, v, "pwdLastSet") {
            pls_line = Some(v.line);
            match n {
                0 => pls_zero = true,
                n if n < 0 => {
                    col.malformed(v.line, "pwdLastSet is negative");
                    pls_line = None;
                }
                n => {
                    pwd_last_set = filetime(n).map_or(When::Unknown, When::from_timestamp);
                }
            }
        }
    }
    let mut password_changed = When::Unknown;
    let mut pwd_last_set_written = When::Unknown;
    let mut meta_line = None;
    if let Some(v) = entry.first("replPropertyMetaData") {
        let (entries, problem) = decode_repl_metadata(&v.bytes);
        if let Some(p) = problem {
            col.malformed(v.line, p);
        }
        for m in entries {
            match m.attid {
                ATTID_UNICODE_PWD => {
                    password_changed = m.changed;
                    meta_line = Some(v.line);
                }
                ATTID_PWD_LAST_SET => pwd_last_set_written = m.changed,
                _ => {}
            }
        }
    }
    for v in entry.values("msDS-ReplAttributeMetaData") {
        let Some((attr, changed)) = decode_repl_attribute_xml(&v.text()) else {
            continue;
        };
        if attr.eq_ignore_ascii_case("unicodePwd") && !password_changed.is_known() {
            password_changed = changed;
            meta_line = Some(v.line);
        } else if attr.eq_ignore_ascii_case("pwdLastSet") && !pwd_last_set_written.is_known() {
            pwd_last_set_written = changed;
        }
    }
    // `pwdLastSet = 0` is ignored when the password never expires (MS-SAMR 3.1.5.14.4 PasswordMustChange).
    let must_change = pls_zero && flags & UAC_DONT_EXPIRE_PASSWORD == 0;
    let (password_last_set, password_line) = if password_changed.is_known() {
        (password_changed, meta_line)
    } else if pwd_last_set.is_known() {
        (pwd_last_set, pls_line)
    } else {
        (When::Unknown, None)
    };
    let password = if must_change {
        PasswordState::PendingChange
    } else if pls_line.is_some() || password_changed.is_known() {
        PasswordState::Set
    } else {
        PasswordState::Unknown
    };

    let expires = match entry.first("accountExpires") {
        Some(v) => match large_int(col, v, "accountExpires") {
            Some(0 | i64::MAX) => When::Never,
            Some(n) if n < 0 => {
                col.malformed(v.line, "accountExpires is negative");
                When::Unknown
            }
            // Past year 9999: a "never" some tools write instead of 0x7FFF_FFFF_FFFF_FFFF.
            Some(n) => filetime(n).map_or(When::Never, When::from_timestamp),
            None => When::Unknown,
        },
        None => When::Unknown,
    };
    let created = gtime_attr(col, entry, "whenCreated").map_or(When::Unknown, |(w, _)| w);
    let last_logon =
        filetime_attr(col, entry, "lastLogonTimestamp").map_or(When::Unknown, |(w, _)| w);
    let locked = entry
        .first("lockoutTime")
        .and_then(|v| large_int(col, v, "lockoutTime"))
        .is_some_and(|n| n > 0);
    let admin_count = entry
        .first("adminCount")
        .and_then(|v| large_int(col, v, "adminCount"))
        .is_some_and(|n| n != 0);

    // Seamless SSO's `AZUREADSSOACC$` is a computer object standing for Entra ID, not a machine:
    // it has no local administrator for LAPS to manage (its Kerberos key is rotated with
    // `Update-AzureADSSOForest`, which RG607 asks for after a Tier-0 reset).
    let seamless_sso = lower == "azureadssoacc$";
    let laps = if object == DirectoryObject::Computer && !is_msa && !seamless_sso {
        let mut found: Option<When> = None;
        for attr in [
            "ms-Mcs-AdmPwdExpirationTime",
            "msLAPS-PasswordExpirationTime",
        ] {
            if let Some(v) = entry.first(attr) {
                let when = match large_int(col, v, attr) {
                    Some(n) if n > 0 => filetime(n).map_or(When::Unknown, When::from_timestamp),
                    _ => When::Unknown,
                };
                found = Some(found.map_or(when, |f| f.latest(when)));
            }
        }
        found.map_or(Laps::Missing, Laps::Expires)
    } else {
        Laps::NotApplicable
    };
    let readable_password_attributes: Vec<String> = READABLE_PASSWORD_ATTRS
        .iter()
        .filter(|a| entry.has(a))
        .map(|a| a.to_string())
        .collect();

    let mut account = Account::new(
        SourceKind::ActiveDirectory,
        &system,
        &login,
        col.evidence(entry.line),
    );
    let mut aliases = Vec::new();
    for v in entry
        .values("userPrincipalName")
        .chain(entry.values("mail"))
    {
        let t = v.text().trim().to_string();
        if !t.is_empty() && !aliases.contains(&t) {
            aliases.push(t);
        }
    }
    aliases.push(entry.dn.clone());
    account.aliases = aliases;
    account.mail = super::mail_addresses(
        entry.values("mail").map(|v| v.text()),
        entry.values("proxyAddresses").map(|v| v.text()),
    );
    account.kind = kind;
    account.sid = sid.clone();
    account.scope = AccountScope::Domain;
    account.enabled = uac.map(|u| u & UAC_ACCOUNTDISABLE == 0);
    account.password = password;
    account.password_last_set = password_last_set;
    account.password_evidence = password_line.map(|l| col.evidence(l));
    account.expires = expires;
    account.created = created;
    account.directory = Some(Box::new(DirectoryAccount {
        dn: entry.dn.clone(),
        object,
        uac,
        flags: uac.map(decode_uac).unwrap_or_default(),
        pwd_last_set,
        must_change,
        password_changed,
        pwd_last_set_written,
        spns,
        admin_count,
        privileged_groups: Vec::new(),
        last_logon,
        laps,
        readable_password_attributes,
        locked,
    }));

    let owner = OwnerRef {
        system: Some(system.clone()),
        login: login.clone(),
    };
    key_credentials(col, entry, &owner);
    identity_mappings(col, entry, &owner);
    passwords_in_text(col, entry, &owner);

    let primary_group = entry.first("primaryGroupID").and_then(|v| {
        let n = large_int(col, v, "primaryGroupID")?;
        u32::try_from(n).ok().map(|r| (r, v.line))
    });
    col.accounts.push(Box::new(AccountFacts {
        account,
        dn_key,
        sid,
        primary_group,
        member_of: entry
            .values("memberOf")
            .map(|v| (v.text().into_owned(), v.line))
            .collect(),
        gid_line: None,
    }));
}

fn key_credentials(col: &mut Collector, entry: &Entry, owner: &OwnerRef) {
    for v in entry.values("msDS-KeyCredentialLink") {
        let text = v.text();
        if text.trim().is_empty() {
            continue;
        }
        let (kc, problem) = decode_key_credential_link(&text);
        if let Some(p) = problem {
            col.malformed(v.line, p);
        }
        let id = match &kc.key_id {
            Some(k) => format!(
                "KeyID:{}",
                base64::engine::general_purpose::STANDARD.encode(k)
            ),
            None => kc.digest.clone(),
        };
        let label = match key_usage(kc.usage) {
            Some(u) => format!("msDS-KeyCredentialLink key ({u})"),
            None => "msDS-KeyCredentialLink key".to_string(),
        };
        let mut c = Credential::new(
            CredentialKind::KeyCredential,
            &id,
            &label,
            col.evidence(v.line),
        );
        c.owner = Some(owner.clone());
        c.issued = kc.created;
        c.issued_basis = if kc.created.is_known() {
            IssuedBasis::Recorded
        } else {
            IssuedBasis::Unknown
        };
        c.last_used = kc.last_logon;
        c.status = CredentialStatus::Active;
        let mut detail = Vec::new();
        match kc.source {
            Some(0) => detail.push("source AD".to_string()),
            Some(1) => detail.push("source Azure AD".to_string()),
            _ => {}
        }
        if let Some(d) = &kc.device_id {
            detail.push(format!("device {d}"));
        }
        c.detail = (!detail.is_empty()).then(|| detail.join(", "));
        col.credentials.push(c);
    }
}

/// Free-text attributes any domain user can read, where administrators write passwords
/// (PingCastle's "password in description" check), with their `replPropertyMetaData` ids
/// (`description` 2.5.4.13; `info` 1.2.840.113556.1.2.81; `comment` 1.2.840.113556.1.4.156).
const TEXT_ATTRS: &[(&str, u32)] = &[
    ("description", 0x0000_000D),
    ("info", 0x0002_0051),
    ("comment", 0x0009_009C),
];

/// A password written into free text: a password word (English, German, French, Spanish,
/// Portuguese, Dutch, Swedish, Finnish), then `:`, `=`, `->` or `is`/`ist`, then the value up to
/// whitespace, `,` or `;`.
static PASSWORD_IN_TEXT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)(?:^|[^\p{L}\d_])(?:password|passwort|kennwort|passwd|pwd|pw|pass|mot de passe|mdp|contrase(?:ñ|n)a|senha|wachtwoord|l(?:ö|o)senord|salasana)\s*(?:[:=]|->|\bis\b|\bist\b)\s*([^\s,;]+)",
    )
    .expect("valid regex")
});

/// Words that follow "password:" in prose without being a password.
const NOT_A_PASSWORD: &[&str] = &[
    "never",
    "none",
    "n/a",
    "unknown",
    "reset",
    "changed",
    "expired",
    "required",
    "stored",
    "see",
    "in",
    "on",
    "at",
    "from",
    "set",
    "the",
    "a",
    "an",
    "not",
    "empty",
    "blank",
    "vault",
    "keepass",
    "cyberark",
    "lastpass",
    "bitwarden",
    "1password",
    "ticket",
    "managed",
    "rotated",
    "laps",
];

/// The password a free-text value holds, if any (never printed: callers keep only its place).
pub(crate) fn password_in_text(text: &str) -> Option<&str> {
    PASSWORD_IN_TEXT.captures_iter(text).find_map(|c| {
        let v = c.get(1)?.as_str().trim_matches(|ch: char| {
            matches!(ch, '"' | '\'' | '.' | ')' | '(' | '[' | ']' | '<' | '>')
        });
        let lower = v.to_ascii_lowercase();
        (!NOT_A_PASSWORD.contains(&lower.as_str()) && !crate::source::values::is_placeholder(v))
            .then_some(v)
    })
}

/// A password written in `description`, `info` or `comment`: a clear-text secret of the account,
/// readable by every domain user, dated by the attribute's last change when the replication
/// metadata tells it.
fn passwords_in_text(col: &mut Collector, entry: &Entry, owner: &OwnerRef) {
    let mut changed: Vec<(u32, When)> = Vec::new();
    let mut changed_by_name: Vec<(String, When)> = Vec::new();
    let mut metadata_read = false;
    for (attr, attid) in TEXT_ATTRS {
        for (occurrence, v) in entry.values(attr).enumerate() {
            let text = v.text();
            if password_in_text(&text).is_none() {
                continue;
            }
            if !metadata_read {
                metadata_read = true;
                if let Some(m) = entry.first("replPropertyMetaData") {
                    changed = decode_repl_metadata(&m.bytes)
                        .0
                        .into_iter()
                        .map(|e| (e.attid, e.changed))
                        .collect();
                }
                changed_by_name = entry
                    .values("msDS-ReplAttributeMetaData")
                    .filter_map(|m| decode_repl_attribute_xml(&m.text()))
                    .collect();
            }
            let when = changed_by_name
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(attr))
                .map(|(_, w)| *w)
                .or_else(|| changed.iter().find(|(a, _)| a == attid).map(|(_, w)| *w))
                .unwrap_or(When::Unknown);
            let context = format!(
                "ad-text-password\0{}\0{}\0{attr}\0{occurrence}",
                owner.system.as_deref().unwrap_or(""),
                owner.login
            );
            let (id, matcher) = match (&col.secret_ids, password_in_text(&text)) {
                (Some(ids), Some(secret)) => {
                    let n = ids.file(col.path()).name(&context, secret);
                    (n.id, Some(n.matcher))
                }
                _ => (
                    crate::source::secret_id::location_id(col.path(), &context, 0),
                    None,
                ),
            };
            let mut c = Credential::new(
                CredentialKind::PlaintextSecret,
                &id,
                &format!(
                    "password written in the AD {attr} attribute (readable by every domain user)"
                ),
                col.evidence(v.line),
            );
            c.owner = Some(owner.clone());
            c.status = CredentialStatus::Active;
            c.detail = Some(format!("ad-text:{attr}"));
            c.same_secret = matcher;
            if when.is_known() {
                c.issued = when;
                c.issued_basis = IssuedBasis::Recorded;
            }
            col.credentials.push(c);
        }
    }
}

fn identity_mappings(col: &mut Collector, entry: &Entry, owner: &OwnerRef) {
    for v in entry.values("altSecurityIdentities") {
        let text = v.text();
        let t = text.trim();
        if t.is_empty() {
            continue;
        }
        let lower = t.to_ascii_lowercase();
        let label = if lower.starts_with("x509:") {
            "altSecurityIdentities X509 mapping"
        } else if lower.starts_with("kerberos:") {
            "altSecurityIdentities Kerberos mapping"
        } else {
            "altSecurityIdentities mapping"
        };
        let mut c = Credential::new(
            CredentialKind::IdentityMapping,
            &format!("sha256:{}", short_sha256(t.as_bytes())),
            label,
            col.evidence(v.line),
        );
        c.owner = Some(owner.clone());
        c.status = CredentialStatus::Active;
        c.detail = mapping_form(t);
        col.credentials.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> When {
        When::parse_instant(s).unwrap()
    }

    #[test]
    fn filetime_conversion() {
        // 2024-01-01T00:00:00Z = 133485408000000000
        let t = filetime(133_485_408_000_000_000).unwrap();
        assert_eq!(When::Known(t), ts("2024-01-01T00:00:00Z"));
        assert_eq!(
            filetime(116_444_736_000_000_000).unwrap(),
            Timestamp::UNIX_EPOCH
        );
        assert!(filetime(i64::MAX).is_none());
    }

    #[test]
    fn dstime_conversion() {
        assert_eq!(dstime(13_348_540_800), ts("2024-01-01T00:00:00Z"));
        assert_eq!(dstime(0), When::Unknown);
        assert_eq!(dstime(u64::MAX), When::Unknown);
    }

    #[test]
    fn sids() {
        let mut b = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
        for v in [21u32, 1_111_111_111, 2_222_222_222, 3_333_333_333, 1104] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let s = sid_to_string(&b).unwrap();
        assert_eq!(s, "S-1-5-21-1111111111-2222222222-3333333333-1104");
        assert_eq!(rid_of(&s), Some(1104));
        assert_eq!(
            domain_sid(&s),
            Some("S-1-5-21-1111111111-2222222222-3333333333")
        );
        assert_eq!(sid_to_string(&b[..b.len() - 1]), None);
        assert_eq!(
            sid_to_string(b"S-1-5-32-544").as_deref(),
            Some("S-1-5-32-544")
        );
        assert_eq!(sid_to_string(b"S-1-x"), None);
        assert_eq!(sid_to_string(&[]), None);
    }

    #[test]
    fn privileged_by_rid_not_name() {
        assert!(privileged_sid("S-1-5-21-1-2-3-512"));
        assert!(privileged_sid("S-1-5-21-1-2-3-527"));
        assert!(privileged_sid("S-1-5-32-544"));
        assert!(privileged_sid("S-1-5-32-551"));
        assert!(!privileged_sid("S-1-5-21-1-2-3-513"));
        assert!(!privileged_sid("S-1-5-32-545"));
        assert!(!privileged_sid("S-1-5-21-1-2-3-4-512"));
        assert!(!privileged_sid("garbage"));
    }

    fn meta(entries: &[(u32, u32, u64)]) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [1u32, 0, entries.len() as u32, 0] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        for (attid, ver, t) in entries {
            b.extend_from_slice(&attid.to_le_bytes());
            b.extend_from_slice(&ver.to_le_bytes());
            b.extend_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&[0xAB; 16]);
            b.extend_from_slice(&7i64.to_le_bytes());
            b.extend_from_slice(&9i64.to_le_bytes());
        }
        b
    }

    #[test]
    fn repl_metadata() {
        let b = meta(&[
            (0x90008, 3, 13_348_540_800),
            (ATTID_UNICODE_PWD, 2, 13_348_540_860),
        ]);
        let (m, p) = decode_repl_metadata(&b);
        assert_eq!(p, None);
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].attid, ATTID_UNICODE_PWD);
        assert_eq!(m[1].version, 2);
        assert_eq!(m[1].changed, ts("2024-01-01T00:01:00Z"));
        // truncated: the first entry survives
        let (m, p) = decode_repl_metadata(&b[..b.len() - 10]);
        assert_eq!(m.len(), 1);
        assert!(p.is_some());
        let (m, p) = decode_repl_metadata(&b[..7]);
        assert!(m.is_empty() && p.is_some());
        let mut bad = b.clone();
        bad[0] = 9;
        assert!(decode_repl_metadata(&bad).1.is_some());
    }

    #[test]
    fn repl_attribute_xml() {
        let x = "<DS_REPL_ATTR_META_DATA>\n\t<pszAttributeName>unicodePwd</pszAttributeName>\n\t<dwVersion>2</dwVersion>\n\t<ftimeLastOriginatingChange>2024-01-01T00:00:00Z</ftimeLastOriginatingChange>\n</DS_REPL_ATTR_META_DATA>";
        let (n, w) = decode_repl_attribute_xml(x).unwrap();
        assert_eq!(n, "unicodePwd");
        assert_eq!(w, ts("2024-01-01T00:00:00Z"));
        assert!(decode_repl_attribute_xml("<x/>").is_none());
    }

    fn kcl(entries: &[(u8, Vec<u8>)]) -> String {
        let mut blob = 0x200u32.to_le_bytes().to_vec();
        for (id, v) in entries {
            blob.extend_from_slice(&(v.len() as u16).to_le_bytes());
            blob.push(*id);
            blob.extend_from_slice(v);
        }
        let hex: String = blob.iter().map(|b| format!("{b:02X}")).collect();
        format!("B:{}:{}:CN=carol,CN=Users,DC=x", hex.len(), hex)
    }

    #[test]
    fn key_credential_link() {
        let ft = 133_485_408_000_000_000i64;
        let v = kcl(&[
            (0x01, vec![7; 32]),
            (0x03, vec![1, 2, 3]),
            (0x04, vec![0x01]),
            (0x05, vec![0x00]),
            (0x06, (0u8..16).collect()),
            (0x08, (ft + 864_000_000_000).to_le_bytes().to_vec()),
            (0x09, ft.to_le_bytes().to_vec()),
        ]);
        let (k, p) = decode_key_credential_link(&v);
        assert_eq!(p, None);
        assert_eq!(k.key_id, Some(vec![7; 32]));
        assert_eq!(k.usage, Some(1));
        assert_eq!(k.created, ts("2024-01-01T00:00:00Z"));
        assert_eq!(k.last_logon, ts("2024-01-02T00:00:00Z"));
        assert_eq!(
            k.device_id.as_deref(),
            Some("03020100-0504-0706-0809-0a0b0c0d0e0f")
        );
    }

    #[test]
    fn key_credential_link_azure_time_and_errors() {
        // .NET ticks for 2024-01-01 with DateTimeKind.Utc (0x4000_0000_0000_0000).
        let ticks = 638_396_640_000_000_000i64 | 0x4000_0000_0000_0000;
        let v = kcl(&[(0x05, vec![1]), (0x09, ticks.to_le_bytes().to_vec())]);
        let (k, p) = decode_key_credential_link(&v);
        assert_eq!(p, None);
        assert_eq!(k.created, ts("2024-01-01T00:00:00Z"));
        assert!(k.key_id.is_none());
        assert!(k.digest.starts_with("sha256:") && k.digest.len() == 19);

        let full = kcl(&[(0x01, vec![7; 32])]);
        // truncated blob with a wrong length prefix
        let cut = format!("B:999:{}:CN=x", &full.split(':').nth(2).unwrap()[..30]);
        let (k, p) = decode_key_credential_link(&cut);
        assert!(p.is_some());
        assert!(k.key_id.is_none());
        assert!(decode_key_credential_link("garbage").1.is_some());
        assert!(decode_key_credential_link("B:4:ZZZZ:CN=x").1.is_some());
        assert!(decode_key_credential_link("B:8:01000000:CN=x").1.is_some());
    }

    #[test]
    fn password_in_free_text() {
        for (text, want) in [
            ("Temp password: ZZfake-Summer24!", Some("ZZfake-Summer24!")),
            (
                "Kennwort=ZZfakeHerbst2024, bitte aendern",
                Some("ZZfakeHerbst2024"),
            ),
            ("svc account; pwd: ZZfake#991", Some("ZZfake#991")),
            ("the password is ZZfakeWinter!", Some("ZZfakeWinter!")),
            ("mot de passe : ZZfakeAutomne9", Some("ZZfakeAutomne9")),
            ("PW=ZZfake4711", Some("ZZfake4711")),
            (
                "Password: [password-not-saved-by-resetgap]",
                Some("password-not-saved-by-resetgap"),
            ),
            ("Password never expires (approved by IT)", None),
            ("Password: see KeePass", None),
            ("password is stored in CyberArk", None),
            ("Password reset on 2024-01-01", None),
            ("Passwort: <set at first logon>", None),
            ("Service account for the passport scanner", None),
            ("bypass: ZZfake-not-a-password-word", None),
            ("Password: changeme", None),
        ] {
            assert_eq!(password_in_text(text), want, "{text}");
        }
    }

    #[test]
    fn x509_mapping_form_drops_values() {
        assert_eq!(
            mapping_form("X509:<I>DC=test,CN=CA<SR>1200ab").as_deref(),
            Some("X509:<I><SR>")
        );
        assert_eq!(mapping_form("Kerberos:a@B"), None);
    }
}
