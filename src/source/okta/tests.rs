//! Tests of the Okta adapter on the synthetic exports under `fixtures/sources/okta/`.

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<OktaExport> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::source::testing::t;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/okta/", $name))
    };
}

fn run(name: &str, text: &str) -> Output {
    let kind = sniff(name, text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text)
}

fn account<'a>(out: &'a Output, login: &str) -> &'a Account {
    out.records
        .iter()
        .find_map(|r| match r {
            Record::Account(a) if a.login == login => Some(a),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no account {login}"))
}

fn cred<'a>(out: &'a Output, id: &str) -> &'a Credential {
    out.records
        .iter()
        .find_map(|r| match r {
            Record::Credential(c) if c.id == id => Some(c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no credential {id}"))
}

fn org(login: &str) -> Option<OwnerRef> {
    Some(OwnerRef {
        system: Some("example.okta.com".into()),
        login: login.into(),
    })
}

#[test]
fn sniffs_by_content() {
    assert_eq!(sniff("a", fixture!("users.json")), Some(OktaExport::Users));
    assert_eq!(
        sniff("a", fixture!("api-tokens.json")),
        Some(OktaExport::ApiTokens)
    );
    assert_eq!(
        sniff("a", fixture!("factors.json")),
        Some(OktaExport::Factors)
    );
    for other in [
        "",
        "[]",
        "id,status\n",
        r#"{"value": [{"userPrincipalName": "a@example.org", "accountEnabled": true}]}"#,
        r#"[{"id": "x", "profile": {"name": "y"}}]"#,
    ] {
        assert_eq!(sniff("a", other), None, "{other}");
    }
}

#[test]
fn users_storyline_and_statuses() {
    let out = run("okta/users.json", fixture!("users.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let mara = account(&out, "m.okafor@example.org");
    assert_eq!(mara.source, SourceKind::Okta);
    assert_eq!(mara.system, "example.okta.com");
    assert_eq!(mara.aliases, vec!["00u1a2b3c4D5e6F7g8h9"]);
    assert_eq!(mara.enabled, Some(true));
    assert_eq!(mara.password, PasswordState::Set);
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51Z"));
    assert_eq!(
        mara.password_evidence,
        Some(Evidence::at("okta/users.json", 10))
    );
    assert_eq!(mara.evidence, Evidence::at("okta/users.json", 3));
    assert_eq!(mara.created, t("2023-01-09T10:11:12Z"));
    assert_eq!(mara.sessions_valid_from, When::Unknown);

    let bot = account(&out, "devops-bot@example.org");
    assert_eq!(bot.enabled, Some(false));
    assert_eq!(
        bot.aliases,
        vec!["00u2b3c4d5E6f7G8h9i0", "devops@example.org"]
    );

    let berg = account(&out, "t.berg@example.org");
    assert_eq!(berg.password_last_set, When::Unknown);
    assert_eq!(berg.synced_from.as_deref(), Some(""));

    let j = account(&out, "j.alvarez@example.org");
    assert_eq!(j.password, PasswordState::PendingChange);
    // 1970-01-01 is no date.
    assert_eq!(j.password_last_set, When::Unknown);

    assert_eq!(
        account(&out, "k.nguyen@example.org").password,
        PasswordState::Locked
    );
    assert_eq!(account(&out, "former@example.org").enabled, Some(false));
    let staged = account(&out, "new.hire@example.org");
    assert_eq!(staged.enabled, Some(false));
    assert_eq!(staged.password, PasswordState::NoPassword);
}

#[test]
fn api_tokens_owned_by_user_id_with_inferred_last_use() {
    let out = run("tokens.json", fixture!("api-tokens.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let tok = cred(&out, "00Tz9y8x7w6v5u4t3s2r");
    assert_eq!(tok.kind, CredentialKind::ApiToken);
    assert_eq!(tok.evidence, Evidence::at("tokens.json", 3));
    // `_links` is empty in this item: the file's host (from the other token) is used.
    assert_eq!(tok.owner, org("00u1a2b3c4D5e6F7g8h9"));
    assert_eq!(tok.issued, t("2025-10-01T08:00:00Z"));
    assert_eq!(tok.issued_basis, IssuedBasis::Recorded);
    assert_eq!(tok.expires, t("2026-09-19T21:30:00Z"));
    assert_eq!(tok.last_used, t("2026-08-20T21:30:00Z"));
    assert_eq!(tok.status, CredentialStatus::Active);
    let detail = tok.detail.as_deref().unwrap_or("");
    assert!(detail.contains("userId 00u1a2b3c4D5e6F7g8h9") && detail.contains("inferred"));
    // Expiry = creation + window: no use to infer.
    let fresh = cred(&out, "00Ta1b2c3d4e5f6g7h8i");
    assert_eq!(fresh.last_used, When::Unknown);
}

#[test]
fn token_without_any_host_has_no_owner_system() {
    let text = r#"[{"id": "00T1", "userId": "00u9", "clientName": "Okta API", "expiresAt": null,
  "created": "2026-01-01T00:00:00.000Z"}]"#;
    let out = run("t.json", text);
    let tok = cred(&out, "00T1");
    assert_eq!(
        tok.owner,
        Some(OwnerRef {
            system: None,
            login: "00u9".into()
        })
    );
    assert_eq!(tok.expires, When::Unknown);
}

#[test]
fn factors_owned_by_link_user() {
    let out = run("factors.json", fixture!("factors.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let sms = cred(&out, "ufs1o01OTMGHLAJPVHDZ");
    assert_eq!(sms.kind, CredentialKind::RecoveryMethod);
    assert_eq!(sms.label, "Okta sms factor (OKTA)");
    assert_eq!(sms.owner, org("00u1a2b3c4D5e6F7g8h9"));
    assert_eq!(sms.issued, t("2026-07-30T22:10:41Z"));
    assert_eq!(sms.status, CredentialStatus::Active);
    assert_eq!(sms.evidence, Evidence::at("factors.json", 3));
    // Owner from the self link's path.
    assert_eq!(
        cred(&out, "fwf2b3c4d5e6F7g8H9i0").owner,
        org("00u1a2b3c4D5e6F7g8h9")
    );
    let push = cred(&out, "opf3c4d5e6f7G8h9I0j1");
    assert_eq!(push.status, CredentialStatus::Inactive);
    let all = format!("{:?}", out.records);
    assert!(!all.contains("555-0142") && !all.contains("INVENTED"));
}

#[test]
fn factors_in_a_wrapper_and_without_user() {
    let text = r#"{"userId": "00u1a2b3c4D5e6F7g8h9", "factors": [
  {"id": "sms1", "factorType": "sms", "provider": "OKTA", "status": "ACTIVE", "created": "2026-07-30T22:10:41.000Z"}
]}
[{"id": "sms2", "factorType": "call", "status": "BOGUS"}]
"#;
    let out = run("w.json", text);
    assert_eq!(
        cred(&out, "sms1").owner,
        Some(OwnerRef {
            system: None,
            login: "00u1a2b3c4D5e6F7g8h9".into()
        })
    );
    let orphan = cred(&out, "sms2");
    assert_eq!(orphan.owner, None);
    assert_eq!(orphan.status, CredentialStatus::Unknown);
    assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagKind::Incomplete && d.location.line == Some(4)));
}

#[test]
fn malformed_and_truncated_input() {
    let text = r#"[
  {"id": "00u1", "status": 3, "passwordChanged": "last tuesday", "profile": {"login": 5}},
  {"id": "00u2", "status": "ACTIVE", "created": 17, "profile": {"login": "a@example.org"}},
  {"userId": "00u2", "expiresAt": "2026-09-01T00:00:00.000Z"},
  {"id": "00u3", "status": "ACTIVE", "profile": {"login": "b@exa"#;
    let out = run("m.json", text);
    let a = account(&out, "a@example.org");
    assert_eq!(a.created, When::Unknown);
    assert_eq!(out.records.len(), 1);
    let lines: Vec<(u32, Severity)> = out
        .diagnostics
        .iter()
        .filter_map(|d| Some((d.location.line?, d.severity)))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, Severity::Warning),
            (3, Severity::Warning),
            (4, Severity::Warning),
            (5, Severity::Error)
        ],
        "{:?}",
        out.diagnostics
    );
}

#[test]
fn unknown_schema_is_one_error() {
    let text = r#"[{"statusChanged": "x", "profile": {"name": "app"}, "login": "y"}]"#;
    let out = parse(OktaExport::Users, "u.json", text);
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].severity, Severity::Error);
    assert!(out.diagnostics[0].message.contains("unknown schema"));
}

#[test]
fn garbage_never_panics() {
    for text in [
        "[",
        "{\"factors\": [[[[[[]]]]]]}",
        "[{\"factorType\": 1, \"id\": \"x\", \"_links\": {\"user\": {\"href\": \"/\"}}}]",
        "[{\"userId\": 1, \"tokenWindow\": \"P99999999999999999999D\", \"id\": \"t\", \"expiresAt\": \"2026-01-01T00:00:00Z\"}]",
        "[{\"_links\": {\"self\": {\"href\": \"https://\"}}, \"profile\": {\"login\": \"\"}}]",
    ] {
        let _ = parse(OktaExport::Users, "g", text);
    }
    assert_eq!(window_days("P30D"), Some(30));
    assert_eq!(window_days("PT1H"), None);
    let deep = "[".repeat(100_000);
    let out = parse(OktaExport::Users, "deep.json", &deep);
    assert!(!out.diagnostics.is_empty());
}

// ---- System Log (reset ledger) --------------------------------------------------------------

fn events(out: &Output) -> Vec<&crate::inventory::ledger::Event> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn system_log_becomes_ledger_events() {
    use crate::inventory::ledger::{EventKind, Outcome};
    let text = fixture!("system-log.json");
    assert_eq!(sniff("a", text), Some(OktaExport::SystemLog));
    // A first event so large that `eventType` lies past the sniff window.
    let head = r#"[{"actor": {"id": "00u1", "type": "User", "alternateId": "a@example.org"},
      "client": {}, "device": null, "authenticationContext": {}"#;
    assert_eq!(sniff("a", head), Some(OktaExport::SystemLog));
    let out = run("system-log.json", text);
    let ev = events(&out);
    type Row<'a> = (EventKind, &'a str, Option<&'a str>, Outcome, Option<u32>);
    let summary: Vec<Row<'_>> = ev
        .iter()
        .map(|e| {
            (
                e.kind,
                e.target.as_str(),
                e.actor.as_deref(),
                e.outcome,
                e.evidence.line,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                EventKind::PasswordReset,
                "m.okafor@example.org",
                Some("helpdesk.kim@example.org"),
                Outcome::Success,
                Some(42)
            ),
            (
                EventKind::SignIn,
                "m.okafor@example.org",
                Some("m.okafor@example.org"),
                Outcome::Success,
                Some(64)
            ),
            (
                EventKind::SessionsRevoked,
                "m.okafor@example.org",
                Some("helpdesk.kim@example.org"),
                Outcome::Success,
                Some(75)
            ),
            (
                EventKind::FactorsReset,
                "m.okafor@example.org",
                Some("helpdesk.kim@example.org"),
                Outcome::Success,
                Some(88)
            ),
            (
                EventKind::PasswordChange,
                "t.berg@example.org",
                Some("t.berg@example.org"),
                Outcome::Failure,
                Some(101)
            ),
        ]
    );
    assert_eq!(ev[0].action, "user.account.reset_password");
    assert_eq!(ev[0].at, t("2026-08-03T14:25:03.118Z"));
    assert_eq!(
        ev[0].event_id.as_deref(),
        Some("6f3e1d2c-51a0-11f1-9a3b-2f7c8d9e0a1b")
    );
    assert_eq!(ev[0].system, "okta");
    assert_eq!(ev[1].detail.as_deref(), Some("credentialType PASSWORD"));
    // The group membership change is counted in a note.
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.message.contains("group.user_membership.add") && d.location.line == Some(114)));
}

#[test]
fn system_log_problems_are_located_and_the_rest_is_read() {
    let text = r#"[
 {"eventType": "user.account.reset_password", "published": "soon", "uuid": "a",
  "actor": {"alternateId": "x@example.org"}, "target": [{"type": "User", "alternateId": "y@example.org"}]},
 {"eventType": "user.session.clear", "published": "2026-08-05T09:00:00.000Z", "uuid": "b",
  "actor": {"alternateId": "x@example.org"}, "target": []},
 {"eventType": "user.account.reset_password", "published": "2026-08-05T09:00:00.000Z", "uuid": "c",
  "actor": {"alternateId": "y@example.org"}, "target": [{"type": "User", "alternateId": "y@example.org"}],
  "outcome": {"result": "SUCCESS"}},
 {"eventType": "user.session.start", "published": "2026-08-05T09"#;
    let out = run("log.json", text);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    // Reset by the user themself: self-service.
    assert_eq!(
        ev[0].kind,
        crate::inventory::ledger::EventKind::SelfServiceReset
    );
    let messages: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.location, d.message))
        .collect();
    assert!(messages
        .iter()
        .any(|m| m.starts_with("log.json:2:") && m.contains("published")));
    assert!(messages
        .iter()
        .any(|m| m.starts_with("log.json:4:") && m.contains("target user")));
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error));
}

#[test]
fn join_names_the_org_of_the_exported_user() {
    let mut records = run("users.json", fixture!("users.json")).records;
    records.extend(run("system-log.json", fixture!("system-log.json")).records);
    join(&mut records);
    let ev: Vec<(String, String)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some((e.system.clone(), e.target.clone())),
            _ => None,
        })
        .collect();
    assert!(ev.iter().all(|(s, _)| s == "example.okta.com"), "{ev:?}");
    assert_eq!(ev.len(), 5);
}
