use super::*;
use crate::inventory::{Account, Credential, Membership, Record, Setting};
use crate::source::registry::claimants;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sources/windows/");
const GPO: &str = "sysvol/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/";

/// Reads a fixture as discovery does (BOM and UTF-16 decoded) and parses it with the first
/// source that claims it.
fn scan(rel: &str) -> (Vec<Record>, Vec<crate::diag::Diagnostic>, Vec<&'static str>) {
    let bytes = std::fs::read(format!("{ROOT}{rel}")).expect("fixture exists");
    let text = crate::source::decode_text(&bytes).into_owned();
    let who = claimants(rel, &text);
    let out = crate::source::registry::parse_file(
        rel,
        &text,
        crate::inventory::When::Unknown,
        &crate::source::SourceOptions::default(),
        &crate::source::secrets::Extractors::default(),
    );
    (out.records, out.diagnostics, who)
}

fn members(records: &[Record]) -> Vec<(String, String, u32)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Membership(Membership {
                system,
                member,
                evidence,
                ..
            }) => Some((system.clone(), member.clone(), evidence.line.unwrap_or(0))),
            _ => None,
        })
        .collect()
}

fn settings(records: &[Record]) -> Vec<(String, String, String, Option<u32>)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Setting(Setting {
                component,
                key,
                value,
                evidence,
                ..
            }) => Some((
                component.clone(),
                key.clone(),
                value.clone(),
                evidence.as_ref().and_then(|e| e.line),
            )),
            _ => None,
        })
        .collect()
}

fn accounts(records: &[Record]) -> Vec<&Account> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn decode_text_reads_utf16le_and_utf8_with_boms() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "Aliasname Administratoren\r\nüß"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    assert_eq!(
        crate::source::decode_text(&utf16),
        "Aliasname Administratoren\r\nüß"
    );
    let utf8 = [&[0xEF, 0xBB, 0xBF][..], "Mitglieder".as_bytes()].concat();
    assert_eq!(crate::source::decode_text(&utf8), "Mitglieder");
    // An odd trailing byte of a cut UTF-16 file is dropped, not a panic.
    assert_eq!(
        crate::source::decode_text(&[0xFF, 0xFE, b'a', 0, b'b']),
        "a"
    );
}

#[test]
fn ps51_group_members_by_sid_not_name() {
    let (records, diags, who) = scan("hosts/WS01/local-admins.json");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    // RID 500 is left to RG304; the local member by login, the domain group by its name.
    assert_eq!(
        members(&records),
        [
            (s("WS01"), s("helpdesk"), 16),
            (s("WS01"), s("CORP\\Domain Admins"), 25)
        ]
    );
    assert!(records.iter().all(|r| matches!(r, Record::Membership(m)
        if m.group == ADMINISTRATORS && m.grants == Some(crate::inventory::Privilege::Admin))));
}

#[test]
fn csv_group_members_with_the_type_line() {
    let (records, diags, who) = scan("hosts/WS02/local-admins.csv");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        members(&records),
        [
            (s("WS02"), s("support"), 4),
            (s("WS02"), s("CORP\\helpdesk-admins"), 5)
        ]
    );
}

#[test]
fn local_users_ps51_and_ps7_dates() {
    let (records, diags, who) = scan("hosts/WS01/local-users.json");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    let a = accounts(&records);
    let got: Vec<_> = a
        .iter()
        .map(|a| {
            (
                a.login.as_str(),
                a.enabled,
                a.password_last_set.to_string(),
                a.aliases[0].clone(),
            )
        })
        .collect();
    assert_eq!(got[0].0, "Administrator");
    assert_eq!(got[0].1, Some(true));
    assert_eq!(got[0].2, "2024-02-10T09:30:00Z");
    assert!(got[0].3.ends_with("-500"));
    // A date object of 5.1 (`value` + `DateTime`): its value.
    assert_eq!(
        (got[1].0, got[1].2.as_str()),
        ("helpdesk", "2020-01-01T00:00:00Z")
    );
    assert_eq!((got[2].0, got[2].1), ("Guest", Some(false)));
    assert!(a
        .iter()
        .all(|a| a.scope == crate::inventory::AccountScope::Local && a.system == "WS01"));
    // PowerShell 7: one user is an object, the date ISO with the machine's offset.
    let (records, _, _) = scan("hosts/WS02/local-users.json");
    let a = accounts(&records);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].password_last_set.to_string(), "2024-02-10T09:30:00Z");
}

#[test]
fn net_localgroup_in_german_and_english_only_when_named_as_administrators() {
    let (records, diags, who) = scan("hosts/SRV-DE/local-admins.txt");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        members(&records),
        [
            (s("SRV-DE"), s("Administrator"), 7),
            (s("SRV-DE"), s("CORP\\Domänen-Admins"), 8),
            (s("SRV-DE"), s("wartung"), 9),
        ]
    );
    let (records, diags, _) = scan("hosts/SRV-DE/administrators-en.txt");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(members(&records).len(), 3);
    // Another group, and a name that does not say it is the Administrators group: a note.
    let (records, diags, who) = scan("hosts/SRV-DE/remote-desktop.txt");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(records.is_empty());
    assert_eq!(diags.len(), 1);
    assert!(diags[0].message.contains("local-admins.txt"));
}

#[test]
fn auditpol_csv_keyed_by_guid_and_gpo_audit_csv() {
    let (records, diags, who) = scan("hosts/WS01/auditpol.csv");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        settings(&records),
        [
            (
                s("windows-audit"),
                s("logon"),
                s("success-and-failure"),
                Some(4)
            ),
            (
                s("windows-audit"),
                s("credential-validation"),
                s("none"),
                Some(5)
            ),
            (
                s("windows-audit"),
                s("user-account-management"),
                s("none"),
                Some(6)
            ),
            (
                s("windows-audit"),
                s("security-group-management"),
                s("success"),
                Some(7)
            ),
        ]
    );
    let german =
        "Computername,Richtlinienziel,Unterkategorie,Unterkategorie-GUID,Einschluss,Ausschluss\n";
    let _ = german; // auditpol's CSV header is not localised; its names and values are.
    let text = "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting\n\nSRV-DE,System,Benutzerkontenverwaltung,{0CCE9235-69AE-11D9-BED3-505054503030},Keine Überwachung,\n";
    let out = auditpol::parse("x/auditpol.csv", text);
    assert_eq!(settings(&out.records)[0].2, "none");
    match &out.records[0] {
        Record::Setting(st) => assert_eq!(st.system, "SRV-DE", "named by Machine Name"),
        other => panic!("{other:?}"),
    }
    let (records, _, who) = scan(&format!("{GPO}Microsoft/Windows NT/Audit/audit.csv"));
    assert_eq!(who.first(), Some(&"windows"));
    let got = settings(&records);
    assert_eq!(
        got[0],
        (
            s("windows-audit"),
            s("user-account-management"),
            s("none"),
            Some(2)
        )
    );
    assert!(records
        .iter()
        .all(|r| matches!(r, Record::Setting(st) if st.system.starts_with("gpo:{31B2F340"))));
}

#[test]
fn gpttmpl_restricted_groups_and_event_audit() {
    let (records, diags, who) = scan(&format!("{GPO}Microsoft/Windows NT/SecEdit/GptTmpl.inf"));
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    let gpo = s("gpo:{31B2F340-016D-11D2-945F-00C04FB984F9}");
    assert_eq!(
        members(&records),
        [
            (
                gpo.clone(),
                s("Domain Admins (S-1-5-21-4444444444-5555555555-6666666666-512)"),
                12
            ),
            (
                gpo.clone(),
                s("S-1-5-21-4444444444-5555555555-6666666666-1108"),
                12
            ),
            (
                gpo.clone(),
                s("S-1-5-21-4444444444-5555555555-6666666666-1109"),
                13
            ),
        ]
    );
    assert_eq!(
        settings(&records),
        [
            (
                s("windows-audit"),
                s("category:account-management"),
                s("none"),
                Some(7)
            ),
            (
                s("windows-audit"),
                s("category:logon"),
                s("success-and-failure"),
                Some(8)
            ),
            (
                s("windows-audit"),
                s("category:account-logon"),
                s("success"),
                Some(9)
            ),
        ]
    );
}

#[test]
fn gpp_groups_add_members_and_keep_the_cpassword() {
    let (records, diags, who) = scan(&format!("{GPO}Preferences/Groups/Groups.xml"));
    assert_eq!(
        who.first(),
        Some(&"stores"),
        "stores reads it and hands its groups here"
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        members(&records),
        [(
            s("gpo:{31B2F340-016D-11D2-945F-00C04FB984F9}"),
            s("CORP\\helpdesk"),
            6
        )]
    );
    let creds: Vec<&Credential> = records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(creds.len(), 1);
    assert!(creds[0]
        .detail
        .as_deref()
        .unwrap()
        .starts_with("gpp-cpassword:"));
}

#[test]
fn registry_exports_settings_defaults_and_the_winlogon_password() {
    let (records, diags, who) = scan("hosts/WS01/reg/lsa.reg");
    assert_eq!(who.first(), Some(&"windows"));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        settings(&records),
        [
            (s("windows"), s("lmcompatibilitylevel"), s("1"), Some(6)),
            // Not in the export: the documented default, without evidence.
            (s("windows"), s("nolmhash"), s("1"), None),
            (s("windows"), s("smb1"), s("1"), Some(14)),
            (
                s("windows"),
                s("wdigest.uselogoncredential"),
                s("1"),
                Some(11)
            ),
        ]
    );
    let (records, diags, _) = scan("hosts/WS01/reg/winlogon.reg");
    assert!(diags.is_empty(), "{diags:?}");
    let got = settings(&records);
    assert!(got.contains(&(s("windows"), s("cachedlogonscount"), s("25"), Some(6))));
    assert!(got.contains(&(s("windows"), s("autoadminlogon"), s("1"), Some(11))));
    let c = records
        .iter()
        .find_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .expect("the DefaultPassword");
    assert_eq!(c.evidence.line, Some(10));
    let owner = c.owner.as_ref().unwrap();
    assert_eq!(
        (owner.system.as_deref(), owner.login.as_str()),
        (Some("CORP"), "svc-kiosk")
    );
    let shown = format!("{c:?}");
    assert!(
        !shown.contains("Kiosk-Spring"),
        "the password is never kept"
    );
    // LAPS roots: the GPO root decides over the legacy one (RG304 applies the order).
    let (records, _, _) = scan("hosts/WS02/reg/laps.reg");
    assert_eq!(
        settings(&records),
        [
            (s("windows"), s("laps"), s("gpo:ad"), Some(4)),
            (s("windows"), s("laps"), s("legacy:disabled"), Some(8)),
        ]
    );
    let (records, _, _) = scan("hosts/WS01/reg/policies.reg");
    assert!(settings(&records).contains(&(s("windows"), s("laps"), s("legacy:enabled"), Some(10))));
}

#[test]
fn registry_syntax_continuations_deletions_and_control_sets() {
    let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa]\r\n\"A\\\"b\"=\"c:\\\\x\"\r\n\"Bin\"=hex:01,02,\\\r\n  03\r\n@=\"default\"\r\n\"Gone\"=-\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n\"X\"=dword:1\r\n";
    let got = reg::values_for_test(text);
    let key = r"hklm\system\currentcontrolset\control\lsa";
    assert_eq!(
        got,
        [
            (s(key), s("a\"b"), s("Str(\"c:\\\\x\")")),
            (s(key), s("bin"), s("Other")),
            (s(key), s(""), s("Str(\"default\")")),
            (s(key), s("gone"), s("Delete")),
        ]
    );
    // The setting is read case-insensitively, and absent values under a deleted key are not.
    let text = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\LSA]\n\"lmcompatibilitylevel\"=dword:00000005\n";
    let out = reg::parse(
        "windows/H1/reg/x.reg",
        text,
        &crate::source::SourceOptions::default(),
    );
    assert_eq!(
        settings(&out.records)[0],
        (s("windows"), s("lmcompatibilitylevel"), s("5"), Some(4))
    );
    match &out.records[0] {
        Record::Setting(st) => assert_eq!(st.system, "H1"),
        other => panic!("{other:?}"),
    }
    // A later `=-` deletes an earlier assignment: the documented default applies (no line).
    let text = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest]\n\"UseLogonCredential\"=dword:00000001\n\"UseLogonCredential\"=-\n";
    let out = reg::parse(
        "windows/H1/reg/w.reg",
        text,
        &crate::source::SourceOptions::default(),
    );
    assert_eq!(
        settings(&out.records),
        [(s("windows"), s("wdigest.uselogoncredential"), s("0"), None)]
    );
}

#[test]
fn hosts_and_gpos_from_the_layout() {
    assert_eq!(host_of("windows/ws01/local-admins.json", None), "WS01");
    assert_eq!(host_of("x/hosts/web9/reg/a.reg", None), "WEB9");
    assert_eq!(host_of("export/auditpol.csv", Some("dc01")), "DC01");
    assert_eq!(host_of("export/auditpol.csv", None), "EXPORT");
    assert_eq!(host_of("auditpol.csv", None), "WINDOWS-HOST");
    assert_eq!(
        gpo_of("SYSVOL/corp/policies/{6ac1786c-016f-11d2-945f-00c04fb984f9}/Machine/x.inf")
            .as_deref(),
        Some("gpo:{6AC1786C-016F-11D2-945F-00C04FB984F9}")
    );
    assert!(is_builtin_admin("S-1-5-21-1-2-3-500"));
    assert!(!is_builtin_admin("S-1-5-32-500"));
    assert_eq!(rid("nope"), None);
}

#[test]
fn other_json_and_csv_are_not_claimed() {
    assert!(
        !claimants("users.json", r#"[{"userPrincipalName":"a@b","id":"1"}]"#).contains(&"windows")
    );
    assert!(!claimants("x.csv", "Name,SID\nfoo,bar\n").contains(&"windows"));
    assert!(!claimants("a.inf", "[Version]\nsignature=\"$Windows NT$\"\n").contains(&"windows"));
}

#[test]
fn crlf_csv_rows_keep_their_lines() {
    let text = "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting\r\n\r\nDC02,System,B,{0CCE9235-69AE-11D9-BED3-505054503030},Fehler,\r\nDC02,System,S,{0CCE9237-69AE-11D9-BED3-505054503030},Keine Überwachung,\r\n";
    let out = auditpol::parse("windows/DC02/auditpol.csv", text);
    let lines: Vec<_> = settings(&out.records).into_iter().map(|s| s.3).collect();
    assert_eq!(lines, [Some(3), Some(4)]);
}
