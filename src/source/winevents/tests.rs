//! Tests of the Windows event reader on the synthetic exports under
//! `fixtures/sources/winevents/`.

use super::*;
use crate::inventory::Account;
use crate::source::testing::t;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/fixtures/sources/winevents/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("{path}"));
    crate::source::decode_text(&bytes).into_owned()
}

fn run(name: &str, text: &str) -> Output {
    let sniff = Sniff::new(name, text);
    match super::sniff(&sniff).unwrap_or_else(|| panic!("{name} not sniffed")) {
        Kind::Xml => xml::parse(name, sniff.text),
        Kind::PowerShellJson => powershell::parse(name, sniff.text),
    }
}

fn events(out: &Output) -> Vec<&Event> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn wevtutil_output_in_utf16_is_read_event_by_event() {
    let text = fixture("wevtutil-security.xml");
    let out = run("wevtutil-security.xml", &text);
    let ev = events(&out);
    assert_eq!(ev.len(), 6, "{ev:#?}");
    let reset = ev[0];
    assert_eq!(reset.kind, EventKind::PasswordReset);
    assert_eq!(reset.action, "4724");
    assert_eq!(reset.target, "m.okafor");
    assert_eq!(reset.actor.as_deref(), Some("helpdesk.kim"));
    assert_eq!(reset.system, "corp.example.test");
    assert_eq!(reset.source, SourceKind::ActiveDirectory);
    assert_eq!(reset.outcome, Outcome::Success);
    assert_eq!(reset.at, t("2026-08-03T14:22:51.3378545Z"));
    assert_eq!(
        reset.event_id.as_deref(),
        Some("dc01.corp.example.test/881201")
    );
    assert_eq!(reset.evidence, Evidence::at("wevtutil-security.xml", 1));
    assert_eq!(
        reset.target_sid.as_deref(),
        Some("S-1-5-21-1004336348-1177238915-682003330-1107")
    );
    // 4738: the changed attributes are named, the UAC values only when the new one is set.
    let changed = ev[1];
    assert_eq!(changed.kind, EventKind::AccountChanged);
    assert_eq!(
        changed.detail.as_deref(),
        Some("changed PasswordLastSet, NewUacValue")
    );
    assert_eq!(changed.evidence.line, Some(2));
    // The 4624 on line 3 is counted, not read.
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.message.contains("(4624)") && d.location.line == Some(3)));
    let change = ev[2];
    assert_eq!(change.kind, EventKind::PasswordChange);
    assert_eq!(change.actor.as_deref(), Some("t.berg"));
    let failed = ev[3];
    assert_eq!(failed.outcome, Outcome::Failure);
    assert_eq!(failed.target, "svc-backup");
    // 4740: the domain is the subject's; TargetDomainName is the caller computer.
    let locked = ev[4];
    assert_eq!(locked.kind, EventKind::AccountLocked);
    assert_eq!(locked.system, "corp.example.test");
    assert_eq!(locked.detail.as_deref(), Some("caller computer WS07"));
    assert_eq!(ev[5].kind, EventKind::AccountUnlocked);
    assert!(out.diagnostics.iter().all(|d| d.severity == Severity::Note));
}

#[test]
fn evtx_dump_output_and_local_accounts() {
    let text = fixture("evtx-dump-ws01.xml");
    let out = run("evtx-dump-ws01.xml", &text);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    // TargetDomainName equal to the computer: a local account of WS01.
    assert_eq!(ev[0].system, "WS01");
    assert_eq!(ev[0].source, SourceKind::WindowsHost);
    assert_eq!(ev[0].target, "Administrator");
    // The line of `<Event`, after `Record 1` and the XML declaration.
    assert_eq!(ev[0].evidence.line, Some(3));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn saved_events_with_a_dns_domain_and_zone_less_time() {
    let text = fixture("saved-events.xml");
    let out = run("saved-events.xml", &text);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].system, "corp.example.test");
    assert_eq!(ev[0].at, t("2026-08-06T08:15:30.25Z"));
    assert_eq!(ev[0].evidence.line, Some(3));
}

#[test]
fn broken_events_cost_only_themselves() {
    let text = fixture("broken-events.xml");
    let out = run("broken-events.xml", &text);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].target, "ok.user");
    let messages: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.location, d.message))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("broken-events.xml:1:") && m.contains("not well-formed")),
        "{messages:?}"
    );
    assert!(messages
        .iter()
        .any(|m| m.starts_with("broken-events.xml:2:") && m.contains("TargetUserName")));
    assert!(messages
        .iter()
        .any(|m| m.starts_with("broken-events.xml:4:") && m.contains("truncated")));
}

#[test]
fn powershell_51_json_reads_properties_by_position() {
    let text = fixture("get-winevent-ps51.json");
    let out = run("get-winevent-ps51.json", &text);
    let ev = events(&out);
    assert_eq!(ev.len(), 2, "{:?}", out.diagnostics);
    assert_eq!(ev[0].kind, EventKind::PasswordReset);
    assert_eq!(ev[0].target, "m.okafor");
    assert_eq!(ev[0].actor.as_deref(), Some("helpdesk.kim"));
    assert_eq!(ev[0].at, t("2026-08-03T14:22:51.337Z"));
    assert_eq!(ev[0].outcome, Outcome::Success);
    assert_eq!(ev[0].system, "corp.example.test");
    assert_eq!(ev[0].evidence.line, Some(2));
    // Keywords -9218868437227405312 = 0x8010000000000000: Audit Failure. The localised
    // KeywordsDisplayNames and Message are not read.
    assert_eq!(ev[1].kind, EventKind::PasswordChange);
    assert_eq!(ev[1].outcome, Outcome::Failure);
    assert_eq!(
        ev[1].event_id.as_deref(),
        Some("dc01.corp.example.test/881378")
    );
}

#[test]
fn powershell_7_single_object_with_offset_time() {
    let text = fixture("get-winevent-ps7.json");
    let out = run("get-winevent-ps7.json", &text);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].at, t("2026-08-05T10:00:00Z"));
    assert_eq!(ev[0].system, "WS01");
    assert_eq!(ev[0].source, SourceKind::WindowsHost);
}

#[test]
fn powershell_json_cut_by_depth_is_a_located_problem() {
    let text = r#"[{"Id": 4724, "TimeCreated": "\/Date(1785766971337)\/", "RecordId": 1,
  "MachineName": "DC01.corp.example.test",
  "Properties": ["System.Diagnostics.Eventing.Reader.EventProperty"]},
 {"Id": "x", "TimeCreated": "2026-01-01T00:00:00Z", "Properties": []}]"#;
    let out = run("shallow.json", text);
    assert!(events(&out).is_empty());
    let messages: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.location, d.message))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("shallow.json:1:") && m.contains("-Depth 4")),
        "{messages:?}"
    );
    assert!(messages
        .iter()
        .any(|m| m.starts_with("shallow.json:4:") && m.contains("numeric `Id`")));
}

#[test]
fn sniff_is_content_based_and_narrow() {
    let s = |text: &str| super::sniff(&Sniff::new("f", text));
    assert_eq!(s("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4724</EventID>"), Some(Kind::Xml));
    assert_eq!(s("<Groups><User name='x'/></Groups>"), None);
    assert_eq!(
        s(r#"{"Id": 1, "TimeCreated": "x", "Properties": []}"#),
        Some(Kind::PowerShellJson)
    );
    assert_eq!(s(r#"{"Name": "x", "SID": "S-1-5-21-1-2-3-500"}"#), None);
    // Nothing selected: `Properties` comes after the first 4 KB, `ProviderName` does not.
    assert_eq!(
        s(
            r#"{"Id": 4724, "RecordId": 1, "ProviderName": "Microsoft-Windows-Security-Auditing", "TimeCreated": "x"}"#
        ),
        Some(Kind::PowerShellJson)
    );
    assert_eq!(s("plain text"), None);
}

#[test]
fn system_of_tells_local_dns_and_netbios_apart() {
    assert_eq!(
        system_of("CORP", Some("DC01.corp.example.test")),
        ("corp.example.test".to_string(), SourceKind::ActiveDirectory)
    );
    assert_eq!(
        system_of("ws01", Some("WS01.corp.example.test")),
        ("WS01".to_string(), SourceKind::WindowsHost)
    );
    assert_eq!(
        system_of("CONTOSO.LOCAL", None),
        ("contoso.local".to_string(), SourceKind::ActiveDirectory)
    );
    // A NetBIOS name unlike the computer's DNS domain is kept for the join.
    assert_eq!(
        system_of("FABRIKAM", Some("DC9.ad.fabrikam-corp.test")),
        ("FABRIKAM".to_string(), SourceKind::ActiveDirectory)
    );
    assert_eq!(keywords("0x8020000000000000"), Some(0x8020_0000_0000_0000));
    assert_eq!(
        keywords("-9214364837600034816"),
        Some(0x8020_0000_0000_0000)
    );
    assert_eq!(keywords("soon"), None);
}

#[test]
fn join_names_the_dns_domain_when_the_inventory_holds_the_account() {
    let ev = |system: &str, target: &str| {
        Record::Event(Event {
            at: t("2026-08-03T14:22:51Z"),
            system: system.to_string(),
            source: SourceKind::ActiveDirectory,
            kind: EventKind::PasswordReset,
            target: target.to_string(),
            actor: None,
            outcome: Outcome::Success,
            action: "4724".to_string(),
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: None,
            evidence: Evidence::at("e.xml", 1),
        })
    };
    let acct = |system: &str, login: &str| {
        Record::Account(Account::new(
            SourceKind::ActiveDirectory,
            system,
            login,
            Evidence::at("ad.ldif", 1),
        ))
    };
    let mut records = vec![
        acct("fabrikam.example", "M.Okafor"),
        acct("fabrikam.other", "someone"),
        ev("FABRIKAM", "m.okafor"),
        ev("FABRIKAM", "nobody"),
        ev("corp.example.test", "x"),
    ];
    join(&mut records);
    let systems: Vec<(String, String)> = events(&Output {
        records,
        diagnostics: Vec::new(),
    })
    .iter()
    .map(|e| (e.system.clone(), e.target.clone()))
    .collect();
    assert_eq!(
        systems,
        vec![
            ("fabrikam.example".to_string(), "M.Okafor".to_string()),
            ("FABRIKAM".to_string(), "nobody".to_string()),
            ("corp.example.test".to_string(), "x".to_string()),
        ]
    );
}

#[test]
fn target_sids_are_kept_in_string_form_only() {
    assert!(is_sid("S-1-5-21-1004336348-1177238915-682003330-1107"));
    assert!(is_sid("s-1-5-32-544"));
    assert!(!is_sid("S-1-0-0"), "NULL SID");
    assert!(!is_sid("S-1-5-21-x-1107"));
    assert!(!is_sid("S-1-"));
    assert!(!is_sid("%{S-1-5-21-1-2-3-4}"));
    assert!(!is_sid("CORP\\m.okafor"));
}

#[test]
fn join_places_an_event_by_its_target_sid() {
    let sid = "S-1-5-21-1004336348-1177238915-682003330-1107";
    let mut event = Event {
        at: t("2026-08-03T14:22:51Z"),
        system: "CORP".to_string(),
        source: SourceKind::ActiveDirectory,
        kind: EventKind::PasswordReset,
        // The name before a rename: no account of that login, in any domain.
        target: "m.okafor".to_string(),
        target_sid: Some(sid.to_string()),
        actor: None,
        outcome: Outcome::Success,
        action: "4724".to_string(),
        credential: None,
        detail: None,
        strong_auth: None,
        event_id: None,
        evidence: Evidence::at("e.xml", 1),
    };
    let mut renamed = Account::new(
        SourceKind::ActiveDirectory,
        "corp.example.test",
        "m.okafor-adm",
        Evidence::at("ad.ldif", 1),
    );
    renamed.sid = Some(sid.to_string());
    let mut other = event.clone();
    other.target_sid = Some("S-1-5-21-1-2-3-1107".to_string());
    event.event_id = Some("a".into());
    let mut records = vec![
        Record::Account(renamed),
        Record::Event(event),
        Record::Event(other),
    ];
    join(&mut records);
    let got: Vec<(String, String)> = events(&Output {
        records,
        diagnostics: Vec::new(),
    })
    .iter()
    .map(|e| (e.system.clone(), e.target.clone()))
    .collect();
    assert_eq!(
        got,
        vec![
            // The account's domain; the target keeps the name the log wrote.
            ("corp.example.test".to_string(), "m.okafor".to_string()),
            // A SID of another domain, and no account of that name: as written.
            ("CORP".to_string(), "m.okafor".to_string()),
        ]
    );
}
