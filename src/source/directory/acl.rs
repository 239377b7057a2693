//! Who can reset or take over whom in Active Directory (issue 12, "Who can reset whom"): the
//! `nTSecurityDescriptor` of account and domain entries and the `msDS-GroupMSAMembership`
//! descriptor of gMSAs, read into `ResetRight` records.
//!
//! Owns the decoder of the self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6), its ACL (2.4.5),
//! ACEs (2.4.4: ACCESS_ALLOWED/DENIED and their `_OBJECT` forms with mixed-endian GUIDs) and
//! SIDs (2.4.2.2), every offset and count bounds-checked (a bad descriptor is a located
//! diagnostic, never a panic), and the mapping from access masks and object types to rights
//! (the same reading as BloodHound's SharpHoundCommon `ACLProcessor`):
//! - User-Force-Change-Password (`00299570-246d-11d0-a768-00aa006e0529`) with
//!   ADS_RIGHT_DS_CONTROL_ACCESS, or control access with no object type (all extended rights);
//! - write `msDS-KeyCredentialLink` (`5b47d60f-6090-40b2-9f37-2a4de88f3063`);
//! - GenericAll (GENERIC_ALL or the full 0xF01FF), GenericWrite (GENERIC_WRITE or write of all
//!   properties), WriteDacl (0x40000), WriteOwner (0x80000) and the descriptor's owner;
//! - DCSync: DS-Replication-Get-Changes `1131f6aa-…` and -All `1131f6ad-…` on the domain head;
//! - LAPS read on a computer with LAPS: all extended rights, or control access on an attribute
//!   the export's schema entries name `ms-Mcs-AdmPwd`, `msLAPS-Password` or
//!   `msLAPS-EncryptedPassword` (their schemaIDGUID is per forest: without the schema entries
//!   in the export, only the first form is recognised);
//! - gMSA read: every allow ACE of `msDS-GroupMSAMembership`.
//!
//! A deny ACE removes the rights it covers from the same trustee's later allow ACEs (canonical
//! order puts explicit deny first); deny through a group the trustee belongs to is not applied.
//! Inherit-only ACEs, and ACEs whose inherited object type names another class than the
//! entry's, do not apply to the entry itself.
//!
//! Trustees are resolved in phase two through the `objectSid` of the exported accounts and
//! groups, then by well-known SID; a SID nothing resolves is kept as the holder. Every trustee
//! is kept, Tier 0 included: the rule decides who is Tier 0.
//!
//! Not here: whether a holder is Tier 0 or a target privileged (RG606), group expansion.

use super::ldif::Entry;
use super::Collector;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Record, ResetRight, RightKind, RightTarget, SourceKind};
use std::collections::{BTreeSet, HashMap};

/// The LDAP_SERVER_SD_FLAGS_OID control: which parts of `nTSecurityDescriptor` to return.
pub const SD_FLAGS_OID: &str = "1.2.840.113556.1.4.801";
/// Its value for OWNER | GROUP | DACL (7): BER `SEQUENCE { INTEGER 7 }`, as `ldapsearch -E
/// '!1.2.840.113556.1.4.801=::MAMCAQc='` sends it.
pub const SD_FLAGS_OWNER_GROUP_DACL: [u8; 5] = [0x30, 0x03, 0x02, 0x01, 0x07];

/// User-Force-Change-Password (MS-ADTS 5.1.3.2.1 control access rights).
pub const GUID_FORCE_CHANGE_PASSWORD: &str = "00299570-246d-11d0-a768-00aa006e0529";
/// `msDS-KeyCredentialLink` schemaIDGUID.
pub const GUID_KEY_CREDENTIAL_LINK: &str = "5b47d60f-6090-40b2-9f37-2a4de88f3063";
/// DS-Replication-Get-Changes.
pub const GUID_GET_CHANGES: &str = "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2";
/// DS-Replication-Get-Changes-All.
pub const GUID_GET_CHANGES_ALL: &str = "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2";

/// Class schemaIDGUIDs an inherited object type may name, by `objectClass` value.
const CLASS_GUIDS: &[(&str, &str)] = &[
    ("user", "bf967aba-0de6-11d0-a285-00aa003049e2"),
    ("computer", "bf967a86-0de6-11d0-a285-00aa003049e2"),
    ("group", "bf967a9c-0de6-11d0-a285-00aa003049e2"),
    ("domainDNS", "19195a5a-6da0-11d0-afd3-00c04fd930c9"),
    ("organizationalUnit", "bf967aa5-0de6-11d0-a285-00aa003049e2"),
    ("inetOrgPerson", "4828cc14-1437-45bc-9b07-ad6f015e5f28"),
    (
        "msDS-GroupManagedServiceAccount",
        "7b8b558a-93a5-4af7-adca-c017e67f1057",
    ),
];

/// Property sets read with control access that are not a LAPS attribute: Private-Information
/// (granted to SELF by AD's default computer and user descriptors).
const NOT_LAPS: &[&str] = &["91e647de-d96f-4b70-9557-d63ff4f3ccd8"];

/// LAPS password attributes, matched by name through the export's schema entries.
const LAPS_PASSWORD_ATTRS: &[&str] = &[
    "ms-Mcs-AdmPwd",
    "msLAPS-Password",
    "msLAPS-EncryptedPassword",
];

// Access mask bits (MS-DTYP 2.4.3, MS-ADTS 5.1.3.2).
const DS_SELF: u32 = 0x8;
const DS_READ_PROP: u32 = 0x10;
const DS_WRITE_PROP: u32 = 0x20;
const DS_CONTROL_ACCESS: u32 = 0x100;
const WRITE_DAC: u32 = 0x0004_0000;
const WRITE_OWNER: u32 = 0x0008_0000;
const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
/// Every standard and DS-specific right: what AD stores for "Full control".
const FULL_CONTROL: u32 = 0x000F_01FF;

// ACE flags (MS-DTYP 2.4.4.1).
const INHERIT_ONLY_ACE: u8 = 0x08;
const INHERITED_ACE: u8 = 0x10;

// Descriptor control bits (MS-DTYP 2.4.6).
const SE_DACL_PRESENT: u16 = 0x0004;
const SE_SELF_RELATIVE: u16 = 0x8000;

/// Largest descriptor decoded (AD caps one at 64 KiB plus the header; far beyond any real one).
const MAX_DESCRIPTOR: usize = 1 << 20;

/// A decoded self-relative security descriptor (the parts rights come from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub control: u16,
    pub owner: Option<String>,
    pub group: Option<String>,
    /// `None`: no DACL in the descriptor (not requested, or a NULL DACL).
    pub dacl: Option<Vec<Ace>>,
    /// ACEs of a type that carries no access right read here (audit, callback, …).
    pub skipped_aces: usize,
}

/// One access-allowed or access-denied ACE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ace {
    pub allow: bool,
    pub flags: u8,
    pub mask: u32,
    /// The object type GUID (an extended right, property or property set), lower case.
    pub object_type: Option<String>,
    /// The class the ACE is inherited to, lower case.
    pub inherited_object_type: Option<String>,
    pub sid: String,
}

impl Ace {
    pub fn inherited(&self) -> bool {
        self.flags & INHERITED_ACE != 0
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// A GUID in its string form (first three fields little-endian, MS-DTYP 2.3.4.2).
pub fn guid_at(b: &[u8], at: usize) -> Option<String> {
    let g = b.get(at..at.checked_add(16)?)?;
    Some(format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        u32::from_le_bytes(g[0..4].try_into().ok()?),
        u16::from_le_bytes(g[4..6].try_into().ok()?),
        u16::from_le_bytes(g[6..8].try_into().ok()?),
        g[8],
        g[9],
        g[10],
        g[11],
        g[12],
        g[13],
        g[14],
        g[15]
    ))
}

/// The SID at `at` within `b[..end]` and its length (MS-DTYP 2.4.2.2).
fn sid_at(b: &[u8], at: usize, end: usize) -> Result<(String, usize), &'static str> {
    let count = usize::from(*b.get(at + 1).ok_or("SID past the end")?);
    if count > 15 {
        return Err("SID has more than 15 sub-authorities");
    }
    let len = 8 + 4 * count;
    let stop = at.checked_add(len).ok_or("SID past the end")?;
    if stop > end || stop > b.len() {
        return Err("SID past the end");
    }
    let sid = super::ad::sid_to_string(&b[at..stop]).ok_or("SID revision is not 1")?;
    Ok((sid, len))
}

/// Decodes a self-relative SECURITY_DESCRIPTOR.
pub fn decode_descriptor(b: &[u8]) -> Result<Descriptor, String> {
    if b.len() > MAX_DESCRIPTOR {
        return Err(format!(
            "security descriptor of {} bytes is too large",
            b.len()
        ));
    }
    if b.len() < 20 {
        return Err(format!(
            "security descriptor is {} bytes, shorter than its 20-byte header",
            b.len()
        ));
    }
    if b[0] != 1 {
        return Err(format!("security descriptor revision {} is not 1", b[0]));
    }
    let control = u16_at(b, 2).unwrap_or(0);
    if control & SE_SELF_RELATIVE == 0 {
        return Err("security descriptor is not self-relative (SE_SELF_RELATIVE unset)".into());
    }
    let offset = |i: usize| u32_at(b, 4 + 4 * i).map_or(0, |o| o as usize);
    let (o_owner, o_group, o_dacl) = (offset(0), offset(1), offset(3));
    let sid = |o: usize, what: &str| -> Result<Option<String>, String> {
        if o == 0 {
            return Ok(None);
        }
        if o < 20 || o >= b.len() {
            return Err(format!(
                "{what} offset {o} is outside the descriptor ({} bytes)",
                b.len()
            ));
        }
        sid_at(b, o, b.len())
            .map(|(s, _)| Some(s))
            .map_err(|e| format!("{what}: {e}"))
    };
    let owner = sid(o_owner, "owner SID")?;
    let group = sid(o_group, "group SID")?;
    let mut skipped_aces = 0;
    let dacl = if control & SE_DACL_PRESENT != 0 && o_dacl != 0 {
        if o_dacl < 20 || o_dacl >= b.len() {
            return Err(format!(
                "DACL offset {o_dacl} is outside the descriptor ({} bytes)",
                b.len()
            ));
        }
        let (aces, skipped) = decode_acl(b, o_dacl).map_err(|e| format!("DACL: {e}"))?;
        skipped_aces = skipped;
        Some(aces)
    } else {
        None
    };
    Ok(Descriptor {
        control,
        owner,
        group,
        dacl,
        skipped_aces,
    })
}

/// Decodes the ACL at `at` (MS-DTYP 2.4.5): its ACEs of the allow and deny types, and how many
/// other ACEs it skipped.
fn decode_acl(b: &[u8], at: usize) -> Result<(Vec<Ace>, usize), String> {
    let rev = *b.get(at).ok_or("ACL header past the end")?;
    if !(2..=4).contains(&rev) {
        return Err(format!("ACL revision {rev} is not 2 or 4"));
    }
    let size = usize::from(u16_at(b, at + 2).ok_or("ACL header past the end")?);
    let count = usize::from(u16_at(b, at + 4).ok_or("ACL header past the end")?);
    let end = at + size;
    if size < 8 || end > b.len() {
        return Err(format!(
            "ACL size {size} at offset {at} runs past the descriptor ({} bytes)",
            b.len()
        ));
    }
    // Every ACE is at least 8 bytes: a count that cannot fit is corrupt (and bounds the Vec).
    if count > (size - 8) / 8 {
        return Err(format!("ACL claims {count} ACEs in {size} bytes"));
    }
    let mut aces = Vec::with_capacity(count);
    let mut skipped = 0;
    let mut pos = at + 8;
    for i in 0..count {
        let ty = *b
            .get(pos)
            .ok_or_else(|| format!("ACE {i} past the end of the ACL"))?;
        let flags = *b
            .get(pos + 1)
            .ok_or_else(|| format!("ACE {i} past the end of the ACL"))?;
        let ace_size = usize::from(
            u16_at(b, pos + 2).ok_or_else(|| format!("ACE {i} past the end of the ACL"))?,
        );
        let ace_end = pos + ace_size;
        if ace_size < 8 || ace_end > end {
            return Err(format!(
                "ACE {i} of {ace_size} bytes at offset {pos} runs past the ACL's end ({end})"
            ));
        }
        let bad = |e: &str| format!("ACE {i} at offset {pos}: {e}");
        match ty {
            // ACCESS_ALLOWED_ACE, ACCESS_DENIED_ACE: header, mask, SID.
            0x00 | 0x01 => {
                let mask = u32_at(b, pos + 4).ok_or_else(|| bad("mask past the end"))?;
                let (sid, _) = sid_at(b, pos + 8, ace_end).map_err(&bad)?;
                aces.push(Ace {
                    allow: ty == 0x00,
                    flags,
                    mask,
                    object_type: None,
                    inherited_object_type: None,
                    sid,
                });
            }
            // ACCESS_ALLOWED_OBJECT_ACE, ACCESS_DENIED_OBJECT_ACE: header, mask, flags,
            // [ObjectType], [InheritedObjectType], SID.
            0x05 | 0x06 => {
                let mask = u32_at(b, pos + 4).ok_or_else(|| bad("mask past the end"))?;
                let oflags = u32_at(b, pos + 8).ok_or_else(|| bad("flags past the end"))?;
                let mut p = pos + 12;
                let mut guid = |present: bool| -> Result<Option<String>, String> {
                    if !present {
                        return Ok(None);
                    }
                    if p + 16 > ace_end {
                        return Err(bad("object type GUID runs past the ACE"));
                    }
                    let g = guid_at(b, p);
                    p += 16;
                    Ok(g)
                };
                let object_type = guid(oflags & 0x1 != 0)?;
                let inherited_object_type = guid(oflags & 0x2 != 0)?;
                let (sid, _) = sid_at(b, p, ace_end).map_err(bad)?;
                aces.push(Ace {
                    allow: ty == 0x05,
                    flags,
                    mask,
                    object_type,
                    inherited_object_type,
                    sid,
                });
            }
            _ => skipped += 1,
        }
        pos = ace_end;
    }
    Ok((aces, skipped))
}

/// What kind of object a descriptor protects, for the rights that apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectClass {
    /// A user (or inetOrgPerson) account.
    User,
    /// A computer account; `laps` when it has a LAPS expiry attribute.
    Computer { laps: bool },
    /// The domain head (`domainDNS`).
    Domain,
}

/// A right one ACE grants (before deny and trustee resolution).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Grant {
    Right(RightKind, &'static str),
    /// Control access on an object type the schema may name as a LAPS password attribute.
    MaybeLaps(String),
    GetChanges,
    GetChangesAll,
}

/// The rights an ACE's mask and object type give over an object of `class`.
pub(crate) fn grants(ace: &Ace, class: ObjectClass) -> Vec<Grant> {
    let m = ace.mask;
    let ot = ace.object_type.as_deref();
    let mut out = Vec::new();
    if (m & GENERIC_ALL != 0 || m & FULL_CONTROL == FULL_CONTROL) && ot.is_none() {
        match class {
            ObjectClass::Domain => {
                out.push(Grant::GetChanges);
                out.push(Grant::GetChangesAll);
            }
            ObjectClass::Computer { laps: true } => {
                out.push(Grant::Right(RightKind::GenericAll, "full control"));
                out.push(Grant::Right(RightKind::ReadLapsPassword, "full control"));
            }
            _ => out.push(Grant::Right(RightKind::GenericAll, "full control")),
        }
        return out;
    }
    if class != ObjectClass::Domain {
        if m & WRITE_DAC != 0 {
            out.push(Grant::Right(RightKind::WriteDacl, "WRITE_DAC"));
        }
        if m & WRITE_OWNER != 0 {
            out.push(Grant::Right(RightKind::WriteOwner, "WRITE_OWNER"));
        }
    }
    match class {
        ObjectClass::Domain => {
            if m & DS_CONTROL_ACCESS != 0 {
                match ot {
                    None => {
                        out.push(Grant::GetChanges);
                        out.push(Grant::GetChangesAll);
                    }
                    Some(GUID_GET_CHANGES) => out.push(Grant::GetChanges),
                    Some(GUID_GET_CHANGES_ALL) => out.push(Grant::GetChangesAll),
                    Some(_) => {}
                }
            }
        }
        ObjectClass::User | ObjectClass::Computer { .. } => {
            if m & GENERIC_WRITE != 0 || (m & DS_WRITE_PROP != 0 && ot.is_none()) {
                out.push(Grant::Right(
                    RightKind::GenericWrite,
                    "write all properties",
                ));
            } else if m & (DS_WRITE_PROP | DS_SELF) != 0 && ot == Some(GUID_KEY_CREDENTIAL_LINK) {
                out.push(Grant::Right(
                    RightKind::WriteKeyCredentialLink,
                    "write msDS-KeyCredentialLink",
                ));
            }
            if m & DS_CONTROL_ACCESS != 0 {
                match ot {
                    None => {
                        out.push(Grant::Right(
                            RightKind::ForceChangePassword,
                            "all extended rights",
                        ));
                        if class == (ObjectClass::Computer { laps: true }) {
                            out.push(Grant::Right(
                                RightKind::ReadLapsPassword,
                                "all extended rights",
                            ));
                        }
                    }
                    Some(GUID_FORCE_CHANGE_PASSWORD) => out.push(Grant::Right(
                        RightKind::ForceChangePassword,
                        "User-Force-Change-Password",
                    )),
                    // Reading a confidential attribute takes read-property and control
                    // access on it (what Set-AdmPwdReadPasswordPermission and
                    // Set-LapsADReadPasswordPermission grant); an extended right is CR alone.
                    Some(g)
                        if class == (ObjectClass::Computer { laps: true })
                            && m & DS_READ_PROP != 0
                            && !NOT_LAPS.contains(&g)
                            && ace.sid != "S-1-5-10" =>
                    {
                        out.push(Grant::MaybeLaps(g.to_string()))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    out
}

/// Whether `denied` (rights of deny ACEs for the same trustee) removes `g`.
fn is_denied(g: &Grant, denied: &BTreeSet<Grant>) -> bool {
    if denied.contains(g) {
        return true;
    }
    let denied_right = |k: RightKind| {
        denied
            .iter()
            .any(|d| matches!(d, Grant::Right(r, _) if *r == k))
    };
    match g {
        Grant::Right(RightKind::WriteKeyCredentialLink, _) => {
            denied_right(RightKind::GenericWrite) || denied_right(RightKind::WriteKeyCredentialLink)
        }
        Grant::Right(k, _) => denied_right(*k),
        _ => false,
    }
}

/// Whether an ACE applies to the entry itself: not inherit-only, and any inherited object type
/// is one of the entry's classes.
fn applies(ace: &Ace, entry: &Entry) -> bool {
    if ace.flags & INHERIT_ONLY_ACE != 0 {
        return false;
    }
    match &ace.inherited_object_type {
        None => true,
        Some(g) => CLASS_GUIDS
            .iter()
            .any(|(class, guid)| guid == g && entry.has_class(class)),
    }
}

/// One right an entry's descriptor grants a trustee, waiting for the trustee's resolution.
pub(crate) struct PendingRight {
    pub(crate) system: String,
    pub(crate) sid: String,
    pub(crate) target: RightTarget,
    pub(crate) grant: Grant,
    pub(crate) inherited: bool,
    pub(crate) line: u32,
}

/// What phase one keeps of descriptors for phase two.
#[derive(Default)]
pub(crate) struct AclFacts {
    pub(crate) pending: Vec<PendingRight>,
    /// schemaIDGUID (lower case) → lDAPDisplayName, from `attributeSchema` entries.
    pub(crate) schema: HashMap<String, String>,
}

/// Phase one for an `attributeSchema` entry: its schemaIDGUID and name (for LAPS attributes,
/// whose GUID differs per forest).
pub(crate) fn schema_entry(col: &mut Collector, entry: &Entry) {
    let (Some(g), Some(n)) = (entry.first("schemaIDGUID"), entry.first("lDAPDisplayName")) else {
        return;
    };
    match guid_at(&g.bytes, 0).filter(|_| g.bytes.len() == 16) {
        Some(guid) => {
            col.acl.schema.insert(guid, n.text().trim().to_string());
        }
        None => col.malformed(g.line, "schemaIDGUID is not a 16-byte GUID"),
    }
}

/// Phase one for an AD entry: the rights its `nTSecurityDescriptor` (and, on a gMSA,
/// `msDS-GroupMSAMembership`) grants. `login` is the entry's account name.
pub(crate) fn collect(col: &mut Collector, entry: &Entry, system: &str, login: &str) {
    let is_gmsa = entry.has_class("msDS-GroupManagedServiceAccount");
    let class = if entry.has_class("domainDNS") {
        ObjectClass::Domain
    } else if entry.has_class("group") || entry.has("groupType") {
        return;
    } else if entry.has_class("computer") || is_gmsa {
        ObjectClass::Computer {
            laps: entry.has("ms-Mcs-AdmPwdExpirationTime")
                || entry.has("msLAPS-PasswordExpirationTime"),
        }
    } else if entry.has("sAMAccountName") || entry.has("userAccountControl") {
        ObjectClass::User
    } else {
        return;
    };
    let target = match class {
        ObjectClass::Domain => RightTarget::Scope("*".to_string()),
        _ => RightTarget::Account(login.to_string()),
    };
    if let Some(v) = entry.first("nTSecurityDescriptor") {
        match decode_descriptor(&v.bytes) {
            Err(e) => col.malformed(v.line, format!("nTSecurityDescriptor: {e}")),
            Ok(sd) => {
                let mut push = |sid: &str, grant: Grant, inherited: bool| {
                    col.acl.pending.push(PendingRight {
                        system: system.to_string(),
                        sid: sid.to_string(),
                        target: target.clone(),
                        grant,
                        inherited,
                        line: v.line,
                    })
                };
                if let (Some(owner), false) = (&sd.owner, class == ObjectClass::Domain) {
                    push(owner, Grant::Right(RightKind::Owner, "owner"), false);
                }
                let dacl = sd.dacl.unwrap_or_default();
                let mut denied: HashMap<&str, BTreeSet<Grant>> = HashMap::new();
                // DCSync needs both rights, from any ACEs of the same trustee.
                let mut replication: HashMap<&str, (bool, bool, bool)> = HashMap::new();
                for ace in dacl.iter().filter(|a| applies(a, entry)) {
                    let gs = grants(ace, class);
                    if !ace.allow {
                        denied.entry(&ace.sid).or_default().extend(gs);
                        continue;
                    }
                    let no = denied.get(ace.sid.as_str());
                    for g in gs {
                        if no.is_some_and(|d| is_denied(&g, d)) {
                            continue;
                        }
                        match g {
                            Grant::GetChanges | Grant::GetChangesAll => {
                                let r = replication.entry(&ace.sid).or_insert((false, false, true));
                                if g == Grant::GetChanges {
                                    r.0 = true;
                                } else {
                                    r.1 = true;
                                }
                                r.2 &= ace.inherited();
                            }
                            g => push(&ace.sid, g, ace.inherited()),
                        }
                    }
                }
                let mut dcsync: Vec<(&str, bool)> = replication
                    .into_iter()
                    .filter(|(_, (a, b, _))| *a && *b)
                    .map(|(s, (_, _, inh))| (s, inh))
                    .collect();
                dcsync.sort();
                for (sid, inherited) in dcsync {
                    push(
                        sid,
                        Grant::Right(
                            RightKind::DcSync,
                            "DS-Replication-Get-Changes and -Get-Changes-All",
                        ),
                        inherited,
                    );
                }
            }
        }
    }
    if is_gmsa {
        for v in entry.values("msDS-GroupMSAMembership") {
            match decode_descriptor(&v.bytes) {
                Err(e) => col.malformed(v.line, format!("msDS-GroupMSAMembership: {e}")),
                Ok(sd) => {
                    for ace in sd.dacl.unwrap_or_default().iter().filter(|a| a.allow) {
                        col.acl.pending.push(PendingRight {
                            system: system.to_string(),
                            sid: ace.sid.clone(),
                            target: target.clone(),
                            grant: Grant::Right(
                                RightKind::ReadGmsaPassword,
                                "msDS-GroupMSAMembership",
                            ),
                            inherited: false,
                            line: v.line,
                        });
                    }
                }
            }
        }
    }
}

/// The name of a well-known SID, and whether it is a group (MS-DTYP 2.4.2.4).
pub fn well_known(sid: &str) -> Option<(String, bool)> {
    let upper = sid.to_ascii_uppercase();
    let fixed = match upper.as_str() {
        "S-1-1-0" => Some(("Everyone", true)),
        "S-1-3-0" => Some(("CREATOR OWNER", false)),
        "S-1-3-4" => Some(("OWNER RIGHTS", false)),
        "S-1-5-7" => Some(("ANONYMOUS LOGON", false)),
        "S-1-5-9" => Some(("Enterprise Domain Controllers", true)),
        "S-1-5-10" => Some(("SELF", false)),
        "S-1-5-11" => Some(("Authenticated Users", true)),
        "S-1-5-18" => Some(("SYSTEM", false)),
        "S-1-5-32-544" => Some(("Administrators", true)),
        "S-1-5-32-545" => Some(("Users", true)),
        "S-1-5-32-548" => Some(("Account Operators", true)),
        "S-1-5-32-549" => Some(("Server Operators", true)),
        "S-1-5-32-550" => Some(("Print Operators", true)),
        "S-1-5-32-551" => Some(("Backup Operators", true)),
        "S-1-5-32-554" => Some(("Pre-Windows 2000 Compatible Access", true)),
        "S-1-5-32-560" => Some(("Windows Authorization Access Group", true)),
        "S-1-5-32-561" => Some(("Terminal Server License Servers", true)),
        _ => None,
    };
    if let Some((n, g)) = fixed {
        return Some((n.to_string(), g));
    }
    super::ad::domain_sid(sid)?;
    let name = match super::ad::rid_of(sid)? {
        500 => return Some(("Administrator".into(), false)),
        502 => return Some(("krbtgt".into(), false)),
        498 => "Enterprise Read-only Domain Controllers".to_string(),
        526 => "Key Admins".to_string(),
        527 => "Enterprise Key Admins".to_string(),
        553 => "RAS and IAS Servers".to_string(),
        rid @ 512..=521 => super::ad::well_known_group_name(rid),
        _ => return None,
    };
    Some((name, true))
}

/// Phase two: each pending right with its trustee resolved (exported accounts and groups by
/// `objectSid`, then well-known SIDs, else the SID itself), as `ResetRight` records.
pub(crate) fn finish(
    acl: AclFacts,
    path: &str,
    names: &HashMap<String, (String, bool)>,
    out: &mut crate::source::Output,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut unmatched_laps: Option<u32> = None;
    for p in acl.pending {
        let (right, detail) = match p.grant {
            Grant::Right(r, d) => (r, d.to_string()),
            Grant::MaybeLaps(g) => match acl.schema.get(&g) {
                Some(name)
                    if LAPS_PASSWORD_ATTRS
                        .iter()
                        .any(|l| l.eq_ignore_ascii_case(name)) =>
                {
                    (RightKind::ReadLapsPassword, format!("read {name}"))
                }
                Some(_) => continue,
                None => {
                    if acl.schema.is_empty() {
                        unmatched_laps.get_or_insert(p.line);
                    }
                    continue;
                }
            },
            Grant::GetChanges | Grant::GetChangesAll => continue,
        };
        let key = p.sid.to_ascii_uppercase();
        let (holder, holder_is_group) = names
            .get(&key)
            .cloned()
            .or_else(|| well_known(&p.sid))
            .unwrap_or_else(|| (p.sid.clone(), false));
        out.record(Record::ResetRight(ResetRight {
            system: p.system,
            source: SourceKind::ActiveDirectory,
            holder,
            holder_sid: Some(p.sid),
            target_sid: None,
            holder_is_group,
            target: p.target,
            right,
            detail: Some(detail),
            inherited: p.inherited,
            evidence: Evidence::at(path, p.line),
        }));
    }
    if let Some(line) = unmatched_laps {
        diagnostics.push(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::at(path, line),
            "a computer with LAPS grants control access on an attribute the export does not name: \
             export the schema's attributeSchema entries (schemaIDGUID, lDAPDisplayName) to tell \
             who may read the LAPS password (ms-Mcs-AdmPwd's GUID differs per forest)",
        ));
    }
}

#[cfg(test)]
mod tests;
