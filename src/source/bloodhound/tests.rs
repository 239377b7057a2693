//! Tests of the BloodHound collection reader on the fixtures and on broken input.

use super::*;
use crate::source::registry::Sniff;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fixtures/sources/bloodhound/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn lines(out: &Output) -> Vec<String> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::ResetRight(r) => Some(format!(
                "{} {}{} {:?} {:?}{} @{}",
                r.system,
                r.holder,
                if r.holder_is_group { "(group)" } else { "" },
                r.right,
                r.target,
                if r.inherited { " inherited" } else { "" },
                r.evidence.line.unwrap_or(0)
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn sniffs_by_the_meta_type_at_the_tail() {
    let users = fixture("20261120093000_users.json");
    assert_eq!(
        sniff(&Sniff::new("u.json", &users)),
        Some(Collection::Users)
    );
    let domains = fixture("20261120093000_domains.json");
    assert_eq!(
        sniff(&Sniff::new("d.json", &domains)),
        Some(Collection::Domains)
    );
    assert_eq!(
        sniff(&Sniff::new(
            "x.json",
            r#"{"data":[],"meta":{"type":"gpos","version":6}}"#
        )),
        None
    );
    assert_eq!(sniff(&Sniff::new("x.json", r#"{"data":[{"id":1}]}"#)), None);
    assert_eq!(
        sniff(&Sniff::new(
            "x.json",
            r#"{"value":[],"meta":{"type":"users","version":5}}"#
        )),
        None
    );
}

#[test]
fn users_aces_become_reset_rights() {
    let out = parse(
        Collection::Users,
        "u.json",
        &fixture("20261120093000_users.json"),
    );
    assert_eq!(
        lines(&out),
        vec![
            "corp.example.test Domain Admins(group) Owner Account(\"alice\") @3",
            "corp.example.test Enterprise Admins(group) GenericAll Account(\"alice\") @4",
            "corp.example.test S-1-5-21-1004336348-1177238915-682003330-1104(group) ForceChangePassword Account(\"alice\") @5",
            "corp.example.test svc-deploy WriteKeyCredentialLink Account(\"alice\") @6",
            "corp.example.test Account Operators(group) GenericAll Account(\"alice\") inherited @8",
            "corp.example.test alice GenericWrite Account(\"svc-deploy\") inherited @11",
            "corp.example.test S-1-5-21-1004336348-1177238915-682003330-1403(group) ReadGmsaPassword Account(\"gmsa-web$\") @14",
        ]
    );
    let ResetRight { holder_sid, .. } = match &out.records[4] {
        Record::ResetRight(r) => r.clone(),
        _ => unreachable!(),
    };
    assert_eq!(holder_sid.as_deref(), Some("S-1-5-32-548"));
    // The target keeps its ObjectIdentifier, so RG606 finds it by SID after a rename.
    let target_sids: Vec<Option<String>> = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::ResetRight(r) => Some(r.target_sid.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        target_sids[0].as_deref(),
        Some("S-1-5-21-1004336348-1177238915-682003330-1301")
    );
    assert_eq!(
        target_sids[6].as_deref(),
        Some("S-1-5-21-1004336348-1177238915-682003330-1402")
    );
    // The ACE without RightName is located; the WriteSPN edge is counted in a note.
    let d: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| format!("{:?} {}", d.location.line, d.message))
        .collect();
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d[0].starts_with("Some(14) ACE without"), "{d:?}");
    assert!(d[1].contains("1 ACE(s)"), "{d:?}");
}

#[test]
fn domains_dcsync_needs_both_rights() {
    let out = parse(
        Collection::Domains,
        "d.json",
        &fixture("20261120093000_domains.json"),
    );
    assert_eq!(
        lines(&out),
        vec![
            "corp.example.test Enterprise Domain Controllers(group) DcSync Scope(\"*\") @4",
            "corp.example.test S-1-5-21-1004336348-1177238915-682003330-1310 DcSync Scope(\"*\") @7",
        ]
    );
    // A domain's rights are over its scope: no target SID.
    assert!(out
        .records
        .iter()
        .all(|r| matches!(r, Record::ResetRight(r) if r.target_sid.is_none())));
}

#[test]
fn broken_json_keeps_what_came_before() {
    let text = fixture("20261120093000_users.json");
    let cut = &text[..text.find("svc-deploy").unwrap()];
    let out = parse(Collection::Users, "u.json", cut);
    assert!(lines(&out).is_empty() || lines(&out).iter().all(|l| l.contains("alice")));
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.kind == DiagKind::Malformed));
}
