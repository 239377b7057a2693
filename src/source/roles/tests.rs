//! Tests of the role-assignment reader on the fixtures and on broken input.

use super::*;
use crate::source::registry::Sniff;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fixtures/sources/roles/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn lines(out: &Output) -> Vec<String> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::ResetRight(r) => Some(format!(
                "{} {}{} [{}] {:?} {} @{}",
                r.system,
                r.holder,
                if r.holder_is_group { "(group)" } else { "" },
                r.holder_sid.as_deref().unwrap_or(""),
                r.target,
                r.detail.as_deref().unwrap_or(""),
                r.evidence.line.unwrap_or(0)
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn sniffs_both_exports_and_nothing_else() {
    let e = fixture("entra-roleAssignments.json");
    assert_eq!(sniff(&Sniff::new("e.json", &e)), Some(RoleExport::Entra));
    let o = fixture("okta-user-roles.json");
    assert_eq!(sniff(&Sniff::new("o.json", &o)), Some(RoleExport::Okta));
    assert_eq!(
        sniff(&Sniff::new(
            "x.json",
            r#"{"value":[{"userPrincipalName":"a@b"}]}"#
        )),
        None
    );
    assert_eq!(
        sniff(&Sniff::new("x.txt", "roleDefinitionId directoryScopeId")),
        None
    );
}

#[test]
fn entra_reset_roles_with_scope() {
    let out = parse(
        RoleExport::Entra,
        "e.json",
        &fixture("entra-roleAssignments.json"),
    );
    assert_eq!(
        lines(&out),
        vec![
            "example.test alice@example.test [4ab0b690-479b-47ff-af8f-2576cf521872] Scope(\"*\") Global Administrator @5",
            "example.test sam@example.test [7c804aea-d0aa-4101-a350-6b146d927d43] Scope(\"*\") Privileged Authentication Administrator @23",
            "example.test Helpdesk EU(group) [5b2c9f01-7e3d-4c8a-9b61-2f0e4d7a1c33] Scope(\"/administrativeUnits/0b1f6c5e-3d2a-4e8f-9a7b-6c5d4e3f2a10\") Helpdesk Administrator @41",
        ]
    );
    // Directory Readers is not a reset role; the assignment without principal is located.
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].location.line, Some(68));
    assert!(out.diagnostics[0].message.contains("principalId"));
}

#[test]
fn okta_reset_roles_named_by_assignee() {
    let out = parse(RoleExport::Okta, "o.json", &fixture("okta-user-roles.json"));
    assert_eq!(
        lines(&out),
        vec![
            "example.okta.com 00u1a2b3c4D5e6F7g8h9 [00u1a2b3c4D5e6F7g8h9] Scope(\"*\") Help Desk Administrator; group targets not exported @5",
            "example.okta.com 00u1a2b3c4D5e6F7g8h9 [00u1a2b3c4D5e6F7g8h9] Scope(\"*\") Organization Administrator, through a group assignment @33",
        ]
    );
    assert!(out.diagnostics.is_empty());
    // Without any assignee link, nothing is guessed.
    let bare = r#"[{"id":"ra1","label":"Super Administrator","type":"SUPER_ADMIN","status":"ACTIVE","assignmentType":"USER"}]"#;
    let out = parse(RoleExport::Okta, "o.json", bare);
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].severity, Severity::Warning);
}

#[test]
fn broken_json_is_an_error_and_complete_items_are_kept() {
    let text = fixture("entra-roleAssignments.json");
    let cut = &text[..text.find("Helpdesk EU").unwrap()];
    let out = parse(RoleExport::Entra, "e.json", cut);
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error));
}
