//! Tests of the security-descriptor decoder and the rights it yields, on descriptors built here
//! byte by byte from MS-DTYP 2.4 (the fixture LDIFs were cross-checked with impacket's
//! `ldaptypes.SR_SECURITY_DESCRIPTOR`, see `fixtures/sources/directory/make_acl_fixtures.py`).

use super::*;
use crate::source::directory::parse_ldif_text;

const DOM: &str = "S-1-5-21-1004336348-1177238915-682003330";

/// A SID's binary form (MS-DTYP 2.4.2.2).
pub(crate) fn sid(s: &str) -> Vec<u8> {
    let parts: Vec<u64> = s[2..].split('-').map(|p| p.parse().unwrap()).collect();
    let mut b = vec![parts[0] as u8, (parts.len() - 2) as u8];
    b.extend_from_slice(&parts[1].to_be_bytes()[2..]);
    for sub in &parts[2..] {
        b.extend_from_slice(&(*sub as u32).to_le_bytes());
    }
    b
}

/// A GUID's mixed-endian binary form.
pub(crate) fn guid(g: &str) -> Vec<u8> {
    let h: String = g.chars().filter(|c| *c != '-').collect();
    let raw: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut b = Vec::new();
    b.extend(raw[0..4].iter().rev());
    b.extend(raw[4..6].iter().rev());
    b.extend(raw[6..8].iter().rev());
    b.extend(&raw[8..16]);
    b
}

/// An ACE: type 0/1 plain, 5/6 object.
pub(crate) fn ace(
    ty: u8,
    flags: u8,
    mask: u32,
    ot: Option<&str>,
    iot: Option<&str>,
    who: &str,
) -> Vec<u8> {
    let mut body = mask.to_le_bytes().to_vec();
    if ty == 5 || ty == 6 {
        let f = u32::from(ot.is_some()) | (u32::from(iot.is_some()) << 1);
        body.extend(f.to_le_bytes());
        body.extend(ot.map(guid).unwrap_or_default());
        body.extend(iot.map(guid).unwrap_or_default());
    }
    body.extend(sid(who));
    let size = (4 + body.len()) as u16;
    let mut b = vec![ty, flags];
    b.extend(size.to_le_bytes());
    b.extend(body);
    b
}

pub(crate) fn acl(aces: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = aces.concat();
    let mut b = vec![4, 0];
    b.extend(((8 + body.len()) as u16).to_le_bytes());
    b.extend((aces.len() as u16).to_le_bytes());
    b.extend([0, 0]);
    b.extend(body);
    b
}

/// A self-relative descriptor: header, owner, group, DACL.
pub(crate) fn sd(owner: &str, group: &str, dacl: &[u8]) -> Vec<u8> {
    let (o, g) = (sid(owner), sid(group));
    let o_off = 20u32;
    let g_off = o_off + o.len() as u32;
    let d_off = g_off + g.len() as u32;
    let mut b = vec![1, 0];
    b.extend((0x8004u16 | 0x1000).to_le_bytes()); // self-relative, DACL present, protected
    b.extend(o_off.to_le_bytes());
    b.extend(g_off.to_le_bytes());
    b.extend(0u32.to_le_bytes());
    b.extend(d_off.to_le_bytes());
    b.extend(o);
    b.extend(g);
    b.extend(dacl);
    b
}

fn da() -> String {
    format!("{DOM}-512")
}

fn rid(r: u32) -> String {
    format!("{DOM}-{r}")
}

#[test]
fn guid_is_mixed_endian() {
    let b = guid(GUID_FORCE_CHANGE_PASSWORD);
    assert_eq!(b[0], 0x70, "first field little-endian");
    assert_eq!(guid_at(&b, 0).as_deref(), Some(GUID_FORCE_CHANGE_PASSWORD));
    assert_eq!(guid_at(&b, 1), None);
}

#[test]
fn decodes_owner_group_and_every_ace_form() {
    let d = acl(&[
        ace(0x01, 0, 0x100, None, None, &rid(1105)),
        ace(0x00, 0x12, 0x000F_01FF, None, None, &da()),
        ace(
            0x05,
            0,
            0x100,
            Some(GUID_FORCE_CHANGE_PASSWORD),
            None,
            &rid(1104),
        ),
        ace(
            0x06,
            0x02,
            0x20,
            Some(GUID_KEY_CREDENTIAL_LINK),
            Some("bf967aba-0de6-11d0-a285-00aa003049e2"),
            &rid(1105),
        ),
        // SYSTEM_AUDIT_ACE: skipped, not an error.
        ace(0x02, 0, 0x20, None, None, "S-1-1-0"),
    ]);
    let got = decode_descriptor(&sd(&da(), &rid(513), &d)).unwrap();
    assert_eq!(got.owner.as_deref(), Some(da().as_str()));
    assert_eq!(got.group.as_deref(), Some(rid(513).as_str()));
    assert_eq!(got.skipped_aces, 1);
    let aces = got.dacl.unwrap();
    assert_eq!(aces.len(), 4);
    assert!(!aces[0].allow && aces[0].mask == 0x100 && aces[0].sid == rid(1105));
    assert!(aces[1].inherited() && aces[1].flags == 0x12);
    assert_eq!(
        aces[2].object_type.as_deref(),
        Some(GUID_FORCE_CHANGE_PASSWORD)
    );
    assert_eq!(aces[2].inherited_object_type, None);
    assert_eq!(
        aces[3].object_type.as_deref(),
        Some(GUID_KEY_CREDENTIAL_LINK)
    );
    assert_eq!(
        aces[3].inherited_object_type.as_deref(),
        Some("bf967aba-0de6-11d0-a285-00aa003049e2")
    );
}

#[test]
fn hostile_descriptors_are_errors_never_panics() {
    let good = sd(
        &da(),
        &rid(513),
        &acl(&[ace(0, 0, 0x100, None, None, &rid(1104))]),
    );
    // Every truncation, and every single-byte corruption of every position, decodes or fails
    // cleanly.
    for n in 0..good.len() {
        let _ = decode_descriptor(&good[..n]);
        assert!(decode_descriptor(&good[..n]).is_err(), "truncated at {n}");
    }
    for i in 0..good.len() {
        for v in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut b = good.clone();
            b[i] = v;
            let _ = decode_descriptor(&b);
        }
    }
    let mut bad = good.clone();
    bad[4..8].copy_from_slice(&9999u32.to_le_bytes());
    assert!(decode_descriptor(&bad)
        .unwrap_err()
        .contains("owner SID offset 9999"));
    // An ACE count far beyond what the ACL's size can hold.
    let mut bad = good.clone();
    let d_off = u32::from_le_bytes(good[16..20].try_into().unwrap()) as usize;
    bad[d_off + 4..d_off + 6].copy_from_slice(&0xFFFFu16.to_le_bytes());
    assert!(decode_descriptor(&bad)
        .unwrap_err()
        .contains("claims 65535 ACEs"));
    // An ACE whose size runs past the ACL.
    let mut bad = good.clone();
    bad[d_off + 8 + 2..d_off + 8 + 4].copy_from_slice(&0x0400u16.to_le_bytes());
    assert!(decode_descriptor(&bad)
        .unwrap_err()
        .contains("runs past the ACL"));
    // A SID claiming 200 sub-authorities.
    let mut bad = good.clone();
    bad[21] = 200;
    assert!(decode_descriptor(&bad)
        .unwrap_err()
        .contains("sub-authorities"));
    // Not self-relative.
    let mut bad = good.clone();
    bad[3] &= 0x7f;
    assert!(decode_descriptor(&bad)
        .unwrap_err()
        .contains("self-relative"));
    assert!(decode_descriptor(&[]).is_err());
    assert!(decode_descriptor(&vec![0u8; MAX_DESCRIPTOR + 1]).is_err());
    // An object ACE whose GUID flags claim more than its size holds.
    let short = acl(&[{
        let mut a = ace(5, 0, 0x100, None, None, &rid(1104));
        a[8] = 3; // both GUIDs "present", none there
        a
    }]);
    assert!(decode_descriptor(&sd(&da(), &rid(513), &short)).is_err());
}

#[test]
fn no_dacl_is_none() {
    let mut b = sd(&da(), &rid(513), &[]);
    b[2] = 0x00; // DACL not present
    b[16..20].copy_from_slice(&0u32.to_le_bytes());
    let got = decode_descriptor(&b).unwrap();
    assert_eq!(got.dacl, None);
}

fn a(mask: u32, ot: Option<&str>) -> Ace {
    Ace {
        allow: true,
        flags: 0,
        mask,
        object_type: ot.map(str::to_string),
        inherited_object_type: None,
        sid: rid(1104),
    }
}

fn kinds(g: Vec<Grant>) -> Vec<RightKind> {
    g.into_iter()
        .filter_map(|g| match g {
            Grant::Right(k, _) => Some(k),
            _ => None,
        })
        .collect()
}

#[test]
fn masks_map_to_rights() {
    use RightKind::*;
    let u = ObjectClass::User;
    assert_eq!(kinds(grants(&a(0x1000_0000, None), u)), vec![GenericAll]);
    assert_eq!(kinds(grants(&a(0x000F_01FF, None), u)), vec![GenericAll]);
    assert_eq!(kinds(grants(&a(0x0004_0000, None), u)), vec![WriteDacl]);
    assert_eq!(kinds(grants(&a(0x0008_0000, None), u)), vec![WriteOwner]);
    // .NET GenericWrite = READ_CONTROL | WRITE_PROP | SELF.
    assert_eq!(kinds(grants(&a(0x0002_0028, None), u)), vec![GenericWrite]);
    assert_eq!(kinds(grants(&a(0x4000_0000, None), u)), vec![GenericWrite]);
    assert_eq!(
        kinds(grants(&a(0x20, Some(GUID_KEY_CREDENTIAL_LINK)), u)),
        vec![WriteKeyCredentialLink]
    );
    assert_eq!(
        kinds(grants(&a(0x100, Some(GUID_FORCE_CHANGE_PASSWORD)), u)),
        vec![ForceChangePassword]
    );
    assert_eq!(kinds(grants(&a(0x100, None), u)), vec![ForceChangePassword]);
    // Read-only rights, other extended rights, other properties: nothing.
    assert!(grants(&a(0x0002_0094, None), u).is_empty());
    assert!(grants(&a(0x100, Some(GUID_GET_CHANGES)), u).is_empty());
    assert!(grants(&a(0x20, Some("bf967a68-0de6-11d0-a285-00aa003049e2")), u).is_empty());
    let laps = ObjectClass::Computer { laps: true };
    assert_eq!(
        kinds(grants(&a(0x100, None), laps)),
        vec![ForceChangePassword, ReadLapsPassword]
    );
    assert_eq!(
        grants(
            &a(0x110, Some("e1f6b2f9-0000-4000-8000-00000000aaaa")),
            laps
        ),
        vec![Grant::MaybeLaps(
            "e1f6b2f9-0000-4000-8000-00000000aaaa".into()
        )]
    );
    assert!(grants(
        &a(0x110, Some("e1f6b2f9-0000-4000-8000-00000000aaaa")),
        ObjectClass::Computer { laps: false }
    )
    .is_empty());
    let d = ObjectClass::Domain;
    assert_eq!(
        grants(&a(0x100, Some(GUID_GET_CHANGES)), d),
        vec![Grant::GetChanges]
    );
    assert_eq!(
        grants(&a(0x100, None), d),
        vec![Grant::GetChanges, Grant::GetChangesAll]
    );
    assert_eq!(
        grants(&a(0x000F_01FF, None), d),
        vec![Grant::GetChanges, Grant::GetChangesAll]
    );
}

#[test]
fn well_known_sids() {
    assert_eq!(
        well_known("S-1-5-32-548"),
        Some(("Account Operators".into(), true))
    );
    assert_eq!(
        well_known("S-1-5-11"),
        Some(("Authenticated Users".into(), true))
    );
    assert_eq!(well_known("S-1-1-0"), Some(("Everyone".into(), true)));
    assert_eq!(
        well_known(&rid(519)),
        Some(("Enterprise Admins".into(), true))
    );
    assert_eq!(
        well_known(&rid(527)),
        Some(("Enterprise Key Admins".into(), true))
    );
    assert_eq!(well_known(&rid(1104)), None);
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn rights(text: &str) -> (Vec<ResetRight>, Vec<String>) {
    let out = parse_ldif_text("d.ldif", text);
    let rs = out
        .records
        .into_iter()
        .filter_map(|r| match r {
            Record::ResetRight(r) => Some(r),
            _ => None,
        })
        .collect();
    let ds = out
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{} {}",
                d.location.line.unwrap_or(0),
                d.severity.as_str(),
                d.message
            )
        })
        .collect();
    (rs, ds)
}

fn line(r: &ResetRight) -> String {
    format!(
        "{} {}{} {:?} {:?} {}{} @{}",
        r.system,
        r.holder,
        if r.holder_is_group { "(group)" } else { "" },
        r.right,
        r.target,
        r.detail.as_deref().unwrap_or(""),
        if r.inherited { " inherited" } else { "" },
        r.evidence.line.unwrap_or(0)
    )
}

#[test]
fn ldif_rights_resolved_through_object_sid() {
    let user_sd = sd(
        &da(),
        &rid(513),
        &acl(&[
            // helpdesk may not reset carol: the deny comes first and wins over its allow.
            ace(
                6,
                0,
                0x100,
                Some(GUID_FORCE_CHANGE_PASSWORD),
                None,
                &rid(1105),
            ),
            ace(
                5,
                0,
                0x100,
                Some(GUID_FORCE_CHANGE_PASSWORD),
                None,
                &rid(1104),
            ),
            ace(
                5,
                0,
                0x100,
                Some(GUID_FORCE_CHANGE_PASSWORD),
                None,
                &rid(1105),
            ),
            ace(
                5,
                0x12,
                0x20,
                Some(GUID_KEY_CREDENTIAL_LINK),
                None,
                &rid(1106),
            ),
            // Inherit-only: applies to children, not to this entry.
            ace(0, 0x0A, 0x000F_01FF, None, None, "S-1-5-11"),
            // For computers only: not for this user.
            ace(
                5,
                0x12,
                0x000F_01FF,
                None,
                Some("bf967a86-0de6-11d0-a285-00aa003049e2"),
                "S-1-1-0",
            ),
            ace(0, 0x12, 0x000F_01FF, None, None, "S-1-5-32-548"),
            ace(0, 0, 0x0002_0094, None, None, "S-1-5-11"),
        ]),
    );
    let dom_sd = sd(
        &rid(512),
        &rid(512),
        &acl(&[
            ace(5, 0, 0x100, Some(GUID_GET_CHANGES), None, &rid(1107)),
            ace(5, 0, 0x100, Some(GUID_GET_CHANGES_ALL), None, &rid(1107)),
            ace(5, 0, 0x100, Some(GUID_GET_CHANGES), None, "S-1-5-9"),
            // Only half of DCSync.
            ace(5, 0, 0x100, Some(GUID_GET_CHANGES), None, &rid(1104)),
        ]),
    );
    let text = format!(
        "dn: DC=corp,DC=example,DC=test\nobjectClass: domainDNS\nobjectSid:: {}\nnTSecurityDescriptor:: {}\n\n\
dn: CN=Domain Admin Alice,CN=Users,DC=corp,DC=example,DC=test\nobjectClass: user\nsAMAccountName: alice\nobjectSid:: {}\nnTSecurityDescriptor:: {}\n\n\
dn: CN=Helpdesk,OU=Groups,DC=corp,DC=example,DC=test\nobjectClass: group\nsAMAccountName: Helpdesk\nobjectSid:: {}\n\n\
dn: CN=Carol,CN=Users,DC=corp,DC=example,DC=test\nobjectClass: user\nsAMAccountName: carol\nobjectSid:: {}\n\n\
dn: CN=svc-sync,CN=Users,DC=corp,DC=example,DC=test\nobjectClass: user\nsAMAccountName: svc-sync\nobjectSid:: {}\n\n",
        b64(&sid(DOM)),
        b64(&dom_sd),
        b64(&sid(&rid(1100))),
        b64(&user_sd),
        b64(&sid(&rid(1104))),
        b64(&sid(&rid(1105))),
        b64(&sid(&rid(1107))),
    );
    let (rs, ds) = rights(&text);
    assert!(ds.is_empty(), "{ds:?}");
    let got: Vec<String> = rs.iter().map(line).collect();
    assert_eq!(
        got,
        vec![
            "corp.example.test svc-sync DcSync Scope(\"*\") DS-Replication-Get-Changes and -Get-Changes-All @4",
            "corp.example.test Domain Admins(group) Owner Account(\"alice\") owner @10",
            "corp.example.test Helpdesk(group) ForceChangePassword Account(\"alice\") User-Force-Change-Password @10",
            format!("corp.example.test {}-1106 WriteKeyCredentialLink Account(\"alice\") write msDS-KeyCredentialLink inherited @10", DOM).as_str(),
            "corp.example.test Account Operators(group) GenericAll Account(\"alice\") full control inherited @10",
        ]
    );
    assert_eq!(rs[2].holder_sid.as_deref(), Some(rid(1104).as_str()));
}

#[test]
fn bad_descriptor_is_located_and_entry_still_read() {
    let text = format!(
        "dn: CN=Bob,CN=Users,DC=corp,DC=example,DC=test\nobjectClass: user\nsAMAccountName: bob\nobjectSid:: {}\nnTSecurityDescriptor:: {}\n\n",
        b64(&sid(&rid(1110))),
        b64(&[1, 0, 4, 0x80, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
    let out = parse_ldif_text("d.ldif", &text);
    assert!(out
        .records
        .iter()
        .any(|r| matches!(r, Record::Account(a) if a.login == "bob")));
    assert!(!out
        .records
        .iter()
        .any(|r| matches!(r, Record::ResetRight(_))));
    let d = &out.diagnostics[0];
    assert_eq!(d.location.line, Some(5));
    assert!(
        d.message
            .contains("nTSecurityDescriptor: owner SID offset 65535"),
        "{}",
        d.message
    );
}

#[test]
fn laps_read_through_schema_and_gmsa_readers() {
    let laps_guid = "3a7c5c12-4b1e-4d2a-9a55-0f3e5b8f2c11";
    let pc_sd = sd(
        &da(),
        &rid(513),
        &acl(&[ace(5, 0x12, 0x110, Some(laps_guid), None, &rid(1104))]),
    );
    let gmsa_sd = sd(
        "S-1-5-32-544",
        "S-1-5-32-544",
        &acl(&[ace(0, 0, 0x000F_01FF, None, None, &rid(1120))]),
    );
    let entries = format!(
        "dn: CN=WS01,OU=Workstations,DC=corp,DC=example,DC=test\nobjectClass: computer\nsAMAccountName: WS01$\nobjectSid:: {}\nms-Mcs-AdmPwdExpirationTime: 134100000000000000\nnTSecurityDescriptor:: {}\n\n\
dn: CN=gmsa-web,CN=Managed Service Accounts,DC=corp,DC=example,DC=test\nobjectClass: computer\nobjectClass: msDS-GroupManagedServiceAccount\nsAMAccountName: gmsa-web$\nobjectSid:: {}\nmsDS-GroupMSAMembership:: {}\n\n",
        b64(&sid(&rid(1200))),
        b64(&pc_sd),
        b64(&sid(&rid(1201))),
        b64(&gmsa_sd),
    );
    // Without the schema: a note, and no LAPS right.
    let (rs, ds) = rights(&entries);
    assert!(!rs.iter().any(|r| r.right == RightKind::ReadLapsPassword));
    assert_eq!(ds.len(), 1);
    assert!(
        ds[0].starts_with("6:note ") && ds[0].contains("attributeSchema"),
        "{ds:?}"
    );
    let gmsa: Vec<String> = rs
        .iter()
        .filter(|r| r.right == RightKind::ReadGmsaPassword)
        .map(line)
        .collect();
    assert_eq!(
        gmsa,
        vec![format!("corp.example.test {DOM}-1120 ReadGmsaPassword Account(\"gmsa-web$\") msDS-GroupMSAMembership @13")]
    );
    // With the schema entry naming the GUID ms-Mcs-AdmPwd.
    let schema = format!(
        "dn: CN=ms-Mcs-AdmPwd,CN=Schema,CN=Configuration,DC=corp,DC=example,DC=test\nobjectClass: attributeSchema\nlDAPDisplayName: ms-Mcs-AdmPwd\nschemaIDGUID:: {}\n\n",
        b64(&guid(laps_guid))
    );
    let (rs, ds) = rights(&format!("{entries}{schema}"));
    assert!(ds.is_empty(), "{ds:?}");
    let laps: Vec<String> = rs
        .iter()
        .filter(|r| r.right == RightKind::ReadLapsPassword)
        .map(line)
        .collect();
    assert_eq!(
        laps,
        vec![format!("corp.example.test {DOM}-1104 ReadLapsPassword Account(\"WS01$\") read ms-Mcs-AdmPwd inherited @6")]
    );
}

#[test]
fn source_fixture_every_right() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sources/directory/ad-acl.ldif"
    ))
    .unwrap();
    let (rs, ds) = rights(&text);
    assert!(ds.is_empty(), "{ds:?}");
    let got: Vec<String> = rs.iter().map(line).collect();
    assert_eq!(
        got,
        [
            "corp.example.test SYSTEM DcSync Scope(\"*\") DS-Replication-Get-Changes and -Get-Changes-All @11",
            // All extended rights on the domain head.
            "corp.example.test svc-repl DcSync Scope(\"*\") DS-Replication-Get-Changes and -Get-Changes-All @11",
            "corp.example.test Administrators(group) DcSync Scope(\"*\") DS-Replication-Get-Changes and -Get-Changes-All @11",
            "corp.example.test Enterprise Domain Controllers(group) DcSync Scope(\"*\") DS-Replication-Get-Changes and -Get-Changes-All @11",
            // Domain Controllers (only -All) and 1411 (only Get-Changes) hold half of DCSync: none.
            "corp.example.test S-1-5-21-1004336348-1177238915-682003330-1407 Owner Account(\"dana\") owner @41",
            "corp.example.test SYSTEM GenericAll Account(\"dana\") full control @41",
            "corp.example.test S-1-5-21-1004336348-1177238915-682003330-1408 WriteDacl Account(\"dana\") WRITE_DAC @41",
            "corp.example.test S-1-5-21-1004336348-1177238915-682003330-1409 WriteOwner Account(\"dana\") WRITE_OWNER @41",
            "corp.example.test Server Admins(group) GenericWrite Account(\"dana\") write all properties @41",
            "corp.example.test Password Resetters(group) ForceChangePassword Account(\"dana\") User-Force-Change-Password inherited @41",
            // The inherit-only ACE and the one for computers give Authenticated Users nothing here.
            "corp.example.test Account Operators(group) GenericAll Account(\"dana\") full control inherited @41",
            "corp.example.test Domain Admins(group) Owner Account(\"WS07$\") owner @69",
            "corp.example.test Server Admins(group) ReadLapsPassword Account(\"WS07$\") read ms-Mcs-AdmPwd inherited @69",
            // The deny ACE for Authenticated Users grants nothing.
            "corp.example.test Web Servers(group) ReadGmsaPassword Account(\"gmsa-web$\") msDS-GroupMSAMembership @85",
            "corp.example.test Domain Admins(group) Owner Account(\"svc-repl\") owner @141",
            "corp.example.test SYSTEM GenericAll Account(\"svc-repl\") full control @141",
            "corp.example.test Account Operators(group) GenericAll Account(\"svc-repl\") full control inherited @141",
        ]
    );
}

#[test]
fn random_and_mutated_descriptors_never_panic() {
    // A fixed linear congruential generator: the same 20,000 inputs on every run.
    let mut state: u64 = 0x5eed_1234_abcd_0001;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let good = sd(
        &da(),
        &rid(513),
        &acl(&[
            ace(
                5,
                0x12,
                0x130,
                Some(GUID_KEY_CREDENTIAL_LINK),
                Some("bf967aba-0de6-11d0-a285-00aa003049e2"),
                &rid(1104),
            ),
            ace(1, 0, 0x100, None, None, &rid(1105)),
        ]),
    );
    let mut decoded = 0;
    for i in 0..20_000 {
        let bytes: Vec<u8> = if i % 2 == 0 {
            // Random bytes behind a plausible header (revision 1, self-relative, DACL present).
            let n = (next() % 200) as usize;
            let mut b = vec![1, 0, 0x04, 0x80];
            b.extend((0..n).map(|_| next() as u8));
            b
        } else {
            // The good descriptor with up to four bytes changed.
            let mut b = good.clone();
            for _ in 0..=(next() % 4) {
                let at = next() as usize % b.len();
                b[at] = next() as u8;
            }
            b
        };
        if decode_descriptor(&bytes).is_ok() {
            decoded += 1;
        }
    }
    // Most mutations of a valid descriptor still decode (they hit masks, GUIDs, SIDs' values).
    assert!(decoded > 1_000, "{decoded}");
}
