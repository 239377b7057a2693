//! Tests of the Vault adapter on the synthetic exports under `fixtures/sources/vault/`.

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<VaultExport> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::inventory::Credential;
use crate::source::testing::t;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/vault/", $name))
    };
}

fn creds(out: &Output) -> Vec<&Credential> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn cred<'a>(out: &'a Output, id: &str) -> &'a Credential {
    creds(out)
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no credential {id}"))
}

fn run(name: &str, text: &str) -> Output {
    let kind = sniff(name, text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text)
}

#[test]
fn sniffs_by_content() {
    let tok = fixture!("token-lookup-m.okafor.json");
    assert_eq!(sniff("x.json", tok), Some(VaultExport::TokenLookup));
    assert_eq!(
        sniff("x.json", fixture!("kv-metadata-payroll-db.json")),
        Some(VaultExport::KvMetadata)
    );
    assert_eq!(
        sniff("x.json", fixture!("approle-secret-ids.jsonl")),
        Some(VaultExport::SecretIdLookup)
    );
    // A bare array of accessors needs the file name to break the tie.
    let list = fixture!("token-accessors.json");
    assert_eq!(
        sniff("token-accessors.json", list),
        Some(VaultExport::AccessorList)
    );
    assert_eq!(sniff("ids.json", list), None);
    let api_list = r#"{"request_id":"a","lease_id":"","data":{"keys":["2c9f8e7d-6c5b-4a39-8271-605f4e3d2c1b"]}}"#;
    assert_eq!(sniff("l.json", api_list), Some(VaultExport::AccessorList));
    // KV key listings are not accessor listings.
    let kv_list = r#"{"request_id":"a","lease_id":"","data":{"keys":["payroll/","db"]}}"#;
    assert_eq!(sniff("l.json", kv_list), None);
    assert_eq!(sniff("x.json", r#"{"accessor": "x"}"#), None);
    assert_eq!(sniff("x.yaml", "accessor: 1\ncreation_ttl: 2\n"), None);
}

#[test]
fn token_lookup_storyline() {
    let out = run("vault/tok.json", fixture!("token-lookup-m.okafor.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let c = cred(&out, "vault:accessor:2c9f8e7d-6c5b-4a39-8271-605f4e3d2c1b");
    assert_eq!(c.kind, CredentialKind::VaultToken);
    assert_eq!(c.label, "Vault service token");
    assert_eq!(
        c.owner,
        Some(OwnerRef {
            system: Some("vault".into()),
            login: "m.okafor".into()
        })
    );
    // issue_time with nanoseconds and +02:00 == creation_time epoch seconds.
    assert_eq!(c.issued, t("2026-07-28T09:00:00.481516234Z"));
    assert_eq!(c.issued_basis, IssuedBasis::Recorded);
    assert_eq!(c.expires, t("2026-08-29T09:00:00.481516234Z"));
    assert_eq!(c.last_used, t("2026-08-05T07:15:00Z"));
    assert_eq!(c.status, CredentialStatus::Active);
    assert_eq!(c.evidence, Evidence::at("vault/tok.json", 7));
    let detail = c.detail.as_deref().unwrap();
    assert!(
        detail.contains("policies: default, payroll-read"),
        "{detail}"
    );
    assert!(detail.contains("orphan"), "{detail}");
    assert!(detail.contains("entity e1d2c3b4"), "{detail}");
    assert!(!detail.contains("root"), "{detail}");
}

#[test]
fn concatenated_lookups_root_ldap_approle_batch() {
    let out = run("loop.json", fixture!("token-lookups-loop.json"));
    assert_eq!(creds(&out).len(), 3);
    let root = cred(&out, "vault:accessor:FuGFqdUuUcpyqSSWJPQhXWMV");
    assert_eq!(root.label, "Vault root token");
    assert_eq!(root.expires, When::Never);
    assert_eq!(root.owner, None);
    assert_eq!(root.issued.to_string(), "2026-08-03T14:22:51Z");
    assert_eq!(root.last_used, When::Unknown);
    let d = root.detail.as_deref().unwrap();
    assert!(d.contains("root policy") && d.contains("no TTL"), "{d}");
    assert_eq!(root.evidence.line, Some(7));

    // Mount `ldap-corp`: the display-name prefix is the mount, not only the method.
    let ldap = cred(&out, "vault:accessor:7YhQm2KcLw9PzR4sTn6VbX1e");
    assert_eq!(ldap.owner.as_ref().unwrap().login, "m.okafor");
    assert_eq!(ldap.expires, t("2026-09-01T12:00:00.123456789Z"));
    assert_eq!(ldap.issued.to_string(), "2024-06-03T09:00:00Z");
    assert!(ldap
        .detail
        .as_deref()
        .unwrap()
        .contains("periodic (86400 s)"));
    assert_eq!(ldap.evidence.line, Some(32));

    let approle = cred(&out, "vault:accessor:Kq3vN8xZ2bH5mJ7wP0tR9sLd");
    assert_eq!(approle.owner, None);
    assert!(approle.detail.as_deref().unwrap().contains("role_name ci"));

    // The batch token: no accessor, a note, nothing recorded.
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.severity, Severity::Note);
    assert!(d.message.contains("batch token"));
    assert_eq!(d.location.line, Some(80));
}

#[test]
fn accessor_listing_is_a_note_only() {
    let out = run("token-accessors.json", fixture!("token-accessors.json"));
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Incomplete);
    assert!(out.diagnostics[0]
        .message
        .starts_with("5 Vault accessor(s)"));
    // A listing followed by the lookup of its only accessor needs no note.
    let both = format!(
        "[\"2c9f8e7d-6c5b-4a39-8271-605f4e3d2c1b\"]\n{}",
        fixture!("token-lookup-m.okafor.json")
    );
    let out = parse(VaultExport::AccessorList, "both.json", &both);
    assert_eq!(creds(&out).len(), 1);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(creds(&out)[0].evidence.line, Some(8));
}

#[test]
fn kv_metadata_with_owner_only() {
    let out = run(
        "kv/payroll-db.json",
        fixture!("kv-metadata-payroll-db.json"),
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let c = cred(&out, "vault:kv:kv/payroll-db.json#1");
    assert_eq!(c.kind, CredentialKind::PlaintextSecret);
    assert_eq!(
        c.owner,
        Some(OwnerRef {
            system: None,
            login: "m.okafor@example.org".into()
        })
    );
    assert_eq!(c.issued, t("2024-05-10T12:30:00.000000001Z"));
    assert_eq!(c.expires, When::Never);
    assert_eq!(c.status, CredentialStatus::Active);
    assert_eq!(c.evidence.line, Some(10));
    // Version 1 is readable; version 2 is destroyed.
    assert!(c
        .detail
        .as_deref()
        .unwrap()
        .contains("1 older version(s) still readable"));

    let out = run("kv/other.json", fixture!("kv-metadata-no-owner.json"));
    assert!(out.records.is_empty());
    assert!(out.diagnostics.is_empty());
}

#[test]
fn approle_secret_ids_and_sentinels() {
    let out = run("approle.jsonl", fixture!("approle-secret-ids.jsonl"));
    let legacy = cred(
        &out,
        "vault:secret-id-accessor:84f0a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b",
    );
    // 0001-01-01 with ttl 0: never expires, never a year-1 date.
    assert_eq!(legacy.expires, When::Never);
    assert_eq!(legacy.issued, t("2023-01-10T08:00:00.123456789Z"));
    assert_eq!(legacy.owner, None);
    assert_eq!(legacy.evidence, Evidence::at("approle.jsonl", 1));
    let d = legacy.detail.as_deref().unwrap();
    assert!(
        d.contains("unlimited uses") && d.contains("metadata keys: issued_for"),
        "{d}"
    );
    assert!(!d.contains("legacy-batch"), "metadata values stay out: {d}");

    let owned = cred(
        &out,
        "vault:secret-id-accessor:95a1b2c3-d4e5-4f60-8a9b-1c2d3e4f5a6b",
    );
    assert_eq!(owned.owner.as_ref().unwrap().login, "m.okafor");
    assert_eq!(owned.expires, t("2026-08-29T08:00:00.5Z"));
    assert_eq!(owned.evidence.line, Some(2));

    // 1970-01-01 is unknown, a bad expiration and a bad use count are located problems.
    let bad = cred(
        &out,
        "vault:secret-id-accessor:a6b2c3d4-e5f6-4071-8a9b-2c3d4e5f6a7b",
    );
    assert_eq!(bad.issued, When::Unknown);
    assert_eq!(bad.issued_basis, IssuedBasis::Unknown);
    assert_eq!(bad.expires, When::Unknown);
    assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
    assert!(out.diagnostics.iter().all(|d| d.location.line == Some(3)));
}

#[test]
fn malformed_and_truncated_input_keeps_the_rest() {
    let text = fixture!("token-lookup-truncated.json");
    let out = run("trunc.json", text);
    // The first lookup is kept despite wrong types; the truncated second one is reported.
    assert_eq!(creds(&out).len(), 1);
    let c = cred(&out, "vault:accessor:3d0a9f8e-7d6c-4b5a-9382-716a5f4e3d2c");
    assert_eq!(c.issued, When::Unknown);
    assert_eq!(c.expires, When::Unknown);
    // oidc display name: `oidc-` prefix removed.
    assert_eq!(c.owner.as_ref().unwrap().login, "m.okafor@example.org");
    let lines: Vec<(Option<u32>, &str)> = out
        .diagnostics
        .iter()
        .map(|d| (d.location.line, d.message.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == Some(5) && m.contains("creation_time")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == Some(8) && m.contains("expire_time")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == Some(10) && m.contains("policies")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|(_, m)| m.contains("truncated")),
        "{lines:?}"
    );
    for d in &out.diagnostics {
        assert!(!d.message.contains("j.doe"));
    }
}

#[test]
fn never_reads_the_token_and_refuses_token_shaped_accessors() {
    let text = r#"{"data": {"accessor": "hvs.CAESIJ0fakefakefakefake", "id": "hvs.CAESIsecretsecret",
        "creation_time": 1785229200, "creation_ttl": 0, "policies": ["root"], "display_name": "root"}}"#;
    let out = parse(VaultExport::TokenLookup, "t.json", text);
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let shown = format!("{:?}", out);
    assert!(!shown.contains("secretsecret") && !shown.contains("fakefake"));

    let text = r#"{"data": {"accessor": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", "id": "hvs.CAESIsecretsecret",
        "creation_time": 1785229200, "creation_ttl": 0, "policies": ["default"], "display_name": "token"}}"#;
    let out = parse(VaultExport::TokenLookup, "t.json", text);
    assert_eq!(creds(&out).len(), 1);
    assert!(!format!("{:?}", out).contains("secretsecret"));
    // No expire_time and no TTL at creation: never expires. Token-store tokens have no owner.
    assert_eq!(creds(&out)[0].expires, When::Never);
    assert_eq!(creds(&out)[0].owner, None);
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "",
        "{",
        "[",
        "{\"data\": 5}",
        "{\"data\": {\"accessor\": 5, \"creation_time\": 1, \"policies\": []}}",
        "[1, 2, {\"x\": 1}]",
        "{\"data\": {\"current_version\": \"x\", \"versions\": 3, \"custom_metadata\": {\"owner\": \"a\"}, \"delete_version_after\": \"99999999999999999999h\"}}",
        "{\"data\": {\"secret_id_accessor\": \"aaaaaaaa-bbbb\", \"creation_time\": -99999999999999, \"expiration_time\": 3}}",
        "\u{feff}{\"data\": {\"accessor\": \"é\u{301}é\"}}",
    ] {
        let _ = sniff("accessors.json", text);
        let _ = parse(VaultExport::TokenLookup, "h.json", text);
    }
    let out = parse(VaultExport::TokenLookup, "h.json", "{\"data\": {\"current_version\": 1, \"versions\": {}, \"custom_metadata\": {\"Owner\": \"x\"}, \"delete_version_after\": \"1h30m\", \"updated_time\": \"2026-01-01T00:00:00Z\"}}");
    assert_eq!(creds(&out)[0].expires, t("2026-01-01T01:30:00Z"));
}

#[test]
fn go_durations() {
    assert_eq!(go_duration_secs("0s"), Some(0));
    assert_eq!(go_duration_secs("768h"), Some(2_764_800));
    assert_eq!(go_duration_secs("1h30m10s"), Some(5410));
    assert_eq!(go_duration_secs("3600"), Some(3600));
    assert_eq!(go_duration_secs("soon"), None);
    assert_eq!(go_duration_secs("5"), Some(5));
    assert_eq!(go_duration_secs("5x"), None);
}

// ---- audit log ---------------------------------------------------------------------------

fn ledger(out: &Output) -> Vec<&crate::inventory::ledger::Event> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn audit_log_is_sniffed_and_claimed_by_vault_only() {
    let log = fixture!("audit-hmac-accessor-false.log");
    assert_eq!(sniff("audit.log", log), Some(VaultExport::AuditLog));
    assert_eq!(
        crate::source::registry::claimants("audit.log", log).first(),
        Some(&"vault")
    );
    assert_eq!(
        sniff("audit.log", fixture!("audit-default-hmac.log")),
        Some(VaultExport::AuditLog)
    );
}

#[test]
fn audit_log_feeds_the_ledger() {
    use crate::inventory::ledger::{EventKind, Outcome};
    let out = run("audit.log", fixture!("audit-hmac-accessor-false.log"));
    let e = ledger(&out);
    let summary: Vec<(EventKind, &str, Option<&str>, u32)> = e
        .iter()
        .map(|e| {
            (
                e.kind,
                e.target.as_str(),
                e.credential.as_deref(),
                e.evidence.line.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                EventKind::CredentialCreated,
                "m.okafor",
                Some("vault:accessor:Jk8HgF6dS4aP2oI9uY7tR5eW"),
                4
            ),
            (EventKind::PasswordReset, "m.okafor", None, 5),
            (
                EventKind::CredentialDeleted,
                "vault:accessor:Xq3LmN8pR2tV5wY7zA1bC4dE",
                Some("vault:accessor:Xq3LmN8pR2tV5wY7zA1bC4dE"),
                6
            ),
            (
                EventKind::CredentialDeleted,
                "vault:accessor:Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2",
                Some("vault:accessor:Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2"),
                7
            ),
            // The latest sign-in (a failed one) is kept for the user.
            (EventKind::SignIn, "m.okafor", None, 9),
            (
                EventKind::CredentialUsed,
                "m.okafor",
                Some("vault:accessor:Xq3LmN8pR2tV5wY7zA1bC4dE"),
                3
            ),
        ]
    );
    let reset = e[1];
    assert_eq!(reset.actor.as_deref(), Some("t.nakamura"));
    assert_eq!(reset.system, "vault");
    assert_eq!(reset.at, t("2026-08-20T10:15:02.310554Z"));
    assert_eq!(
        reset.event_id.as_deref(),
        Some("b3cd5e6f-7081-4c9d-8e0f-2a3b4c5d6e04/password")
    );
    assert_eq!(e[0].detail.as_deref(), Some("orphan token"));
    assert_eq!(e[3].outcome, Outcome::Failure);
    assert_eq!(e[4].outcome, Outcome::Failure);
    // One located warning for the line that is not JSON, nothing about HMAC.
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].location.line, Some(8));
    assert!(!out.diagnostics[0].message.contains("not json"));
}

#[test]
fn audit_log_with_hmac_accessors_says_they_cannot_be_joined() {
    use crate::inventory::ledger::EventKind;
    let out = run("audit.log", fixture!("audit-default-hmac.log"));
    let e = ledger(&out);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].kind, EventKind::SignIn);
    assert_eq!(e[0].target, "r.osei");
    assert_eq!(e[0].credential, None);
    assert_eq!(e[0].detail.as_deref(), Some("auth method ldap"));
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].message.contains("hmac_accessor=false"));
    // No HMAC value is repeated in a message.
    assert!(!out.diagnostics[0].message.contains("hmac-sha256:"));
}

#[test]
fn audit_log_garbage_is_bounded() {
    let mut text = String::from(
        "{\"time\":\"2026-08-20T09:01:12Z\",\"type\":\"request\",\"request\":{\"path\":\"sys/health\"}}\n",
    );
    for _ in 0..100 {
        text.push_str("{\"broken\n");
    }
    text.push_str("{\"time\":\"nope\",\"type\":\"response\",\"request\":{\"path\":\"x\"}}\n");
    let out = run("audit.log", &text);
    assert!(ledger(&out).is_empty());
    // 20 located lines, one count of the rest, one bad time.
    assert_eq!(out.diagnostics.len(), 22);
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("80 more lines")));
}
