//! Unit tests of the closure records: grouping a reset's echoes, each account and credential
//! state, the verdicts, accepted (suppressed) paths and the CISA ids on items. Every test runs
//! the real rule catalog over a small inventory, then `build`.

use super::*;
use crate::correlate::{Correlation, IdentityMap};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Account, Credential, Inventory, Record, When};
use crate::rule::{Catalog, RuleOptions};

const AS_OF: &str = "2026-08-21T12:00:00Z";

fn at(text: &str) -> When {
    When::parse_instant(text).unwrap()
}

fn ev(
    system: &str,
    source: SourceKind,
    kind: EventKind,
    target: &str,
    time: &str,
    line: u32,
) -> Event {
    Event {
        at: at(time),
        system: system.into(),
        source,
        kind,
        target: target.into(),
        actor: Some("helpdesk.kim".into()),
        outcome: Outcome::Success,
        action: format!("{kind:?}"),
        credential: None,
        detail: None,
        strong_auth: None,
        event_id: Some(format!("e{line}")),
        target_sid: None,
        evidence: Evidence::at("audit.json", line),
    }
}

fn account(source: SourceKind, system: &str, login: &str, set: Option<&str>, line: u32) -> Account {
    let mut a = Account::new(source, system, login, Evidence::at("users.json", line));
    a.scope = AccountScope::Domain;
    a.kind = crate::inventory::AccountKind::Human;
    a.password = PasswordState::Set;
    a.created = at("2024-01-01T00:00:00Z");
    if let Some(s) = set {
        a.password_last_set = at(s);
        a.password_evidence = Some(Evidence::at("users.json", line + 1));
    }
    a
}

fn aws_key(id: &str, login: &str, issued: Option<&str>, line: u32) -> Credential {
    let mut c = Credential::new(
        CredentialKind::AccessKey,
        id,
        "AWS access key",
        Evidence::at("keys.json", line),
    );
    c.owner = Some(OwnerRef {
        system: Some("aws".into()),
        login: login.into(),
    });
    c.status = CredentialStatus::Active;
    if let Some(i) = issued {
        c.issued = at(i);
    }
    c
}

/// Runs every rule, suppresses the findings `suppress` picks, and builds the records; the ledger
/// rules in `ignore` are not selected (so their missing input leaves nothing unprovable).
fn run_with(
    records: Vec<Record>,
    ignore: &[&str],
    suppress: impl Fn(&Finding) -> bool,
) -> Vec<ClosureRecord> {
    let inv = Inventory::from_records(records);
    let correlation = Correlation::build(&inv, &IdentityMap::default());
    let options = RuleOptions::new(AS_OF.parse().unwrap());
    let ctx = Context::new(&inv, &correlation, &options);
    let ignore: Vec<String> = ignore.iter().map(|s| s.to_string()).collect();
    let catalog = Catalog::bundled().unwrap().select(&[], &ignore).unwrap();
    let mut findings = catalog.evaluate(&ctx);
    for f in &mut findings {
        if suppress(f) {
            f.suppressed = Some(Suppression {
                reason: "vaulted key of the backup job".into(),
                approved_by: Some("ciso.office".into()),
                ticket: Some("RISK-7".into()),
                expires: Some("2026-12-31".into()),
            });
        }
    }
    let scope = Scope::build(options.as_of, String::new(), Vec::new(), &catalog, &inv, 1);
    build(&ctx, &findings, &scope)
}

/// The ledger rules whose input these small inventories lack (no Security log, no reset
/// rights, no sign-ins).
const NO_LEDGER_INPUT: &[&str] = &["RG604", "RG605", "RG606", "RG607"];

fn run(records: Vec<Record>) -> Vec<ClosureRecord> {
    run_with(records, NO_LEDGER_INPUT, |_| false)
}

/// An AWS user reset with an approving ticket, and nothing else held.
fn aws_reset(extra: Vec<Record>) -> Vec<Record> {
    let mut r = vec![
        Record::Account(account(
            SourceKind::AwsIam,
            "aws",
            "m.okafor",
            Some("2026-08-03T14:22:51Z"),
            1,
        )),
        Record::Event(ev(
            "aws",
            SourceKind::AwsIam,
            EventKind::PasswordReset,
            "m.okafor",
            "2026-08-03T14:22:51Z",
            1,
        )),
        Record::Ticket(crate::inventory::ledger::Ticket {
            system: "servicenow".into(),
            id: "INC0012345".into(),
            account: Some("m.okafor".into()),
            requested_by: Some("m.okafor".into()),
            approved_by: Some("it.manager".into()),
            reason: None,
            approval: Some("approved".into()),
            opened: at("2026-08-03T13:50:00Z"),
            closed: at("2026-08-03T14:40:00Z"),
            evidence: Evidence::at("incidents.csv", 2),
        }),
    ];
    r.extend(extra);
    r
}

#[test]
fn echoes_of_one_reset_in_several_systems_make_one_record() {
    let mut entra = account(
        SourceKind::EntraId,
        "entra:example.org",
        "m.okafor@example.org",
        Some("2026-08-03T14:24:10Z"),
        5,
    );
    entra.synced_from = Some("m.okafor".into());
    entra.sessions_valid_from = at("2026-08-03T14:30:00Z");
    let mut ad = account(
        SourceKind::ActiveDirectory,
        "corp.example.test",
        "m.okafor",
        Some("2026-08-03T14:22:51Z"),
        1,
    );
    ad.directory = None;
    let records = vec![
        Record::Account(ad),
        Record::Account(entra),
        // The 4724 on the DC, its Entra echo two minutes later, and a chain 14 minutes on.
        Record::Event(ev(
            "corp.example.test",
            SourceKind::ActiveDirectory,
            EventKind::PasswordReset,
            "m.okafor",
            "2026-08-03T14:22:51Z",
            1,
        )),
        Record::Event(ev(
            "entra:example.org",
            SourceKind::EntraId,
            EventKind::PasswordChange,
            "m.okafor@example.org",
            "2026-08-03T14:24:10Z",
            2,
        )),
        Record::Event(ev(
            "corp.example.test",
            SourceKind::ActiveDirectory,
            EventKind::PasswordChange,
            "m.okafor",
            "2026-08-03T14:38:00Z",
            3,
        )),
        // A failed reset and a sign-in are not resets.
        Record::Event(Event {
            outcome: Outcome::Failure,
            ..ev(
                "corp.example.test",
                SourceKind::ActiveDirectory,
                EventKind::PasswordReset,
                "m.okafor",
                "2026-08-10T09:00:00Z",
                4,
            )
        }),
        Record::Event(ev(
            "entra:example.org",
            SourceKind::EntraId,
            EventKind::SignIn,
            "m.okafor@example.org",
            "2026-08-10T09:00:00Z",
            5,
        )),
        // A second reset a week later: its own record.
        Record::Event(ev(
            "corp.example.test",
            SourceKind::ActiveDirectory,
            EventKind::PasswordReset,
            "m.okafor",
            "2026-08-10T10:00:00Z",
            6,
        )),
        // A reset of an account no export lists: a record of its own, by the target's name.
        Record::Event(ev(
            "aws",
            SourceKind::AwsIam,
            EventKind::PasswordReset,
            "ci-deploy",
            "2026-08-05T10:00:00Z",
            7,
        )),
    ];
    let out = run(records);
    let summary: Vec<(String, String, usize)> = out
        .iter()
        .map(|r| {
            (
                r.identity.name.clone(),
                r.event.evidence.to_string(),
                r.echoes.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("m.okafor".to_string(), "audit.json:1".to_string(), 2),
            ("ci-deploy".to_string(), "audit.json:7".to_string(), 0),
            ("m.okafor".to_string(), "audit.json:6".to_string(), 0),
        ]
    );
    let first = &out[0];
    assert_eq!(first.echoes[0].system, "entra:example.org");
    // The Entra account caught up with the echo: reset by this event, 1 min after.
    let entra = first
        .accounts
        .iter()
        .find(|a| a.source == SourceKind::EntraId)
        .unwrap();
    assert_eq!(entra.password, PasswordAfter::ResetByThisEvent);
    assert_eq!(entra.caught_up_after.as_deref(), Some("1 min"));
    assert_eq!(entra.sessions, Some(SessionsAfter::Revoked));
    assert_eq!(entra.cisa, ["CM0033", "CM0077"]);
    // The accounts the reset names come first.
    assert_eq!(first.accounts[0].account, "m.okafor@corp.example.test");
    let orphan = &out[1];
    assert_eq!(orphan.verdict, Verdict::Unprovable);
    assert!(
        orphan
            .missing
            .iter()
            .any(|m| m.message.contains("in no accounts export")),
        "{:?}",
        orphan.missing
    );
}

#[test]
fn each_account_state_after_the_reset() {
    let records = aws_reset(vec![
        // Reset later by its own export's timestamp: caught up after 2 h.
        Record::Account(account(
            SourceKind::GitHub,
            "github",
            "m.okafor",
            Some("2026-08-03T16:22:51Z"),
            10,
        )),
        // Last set before the reset.
        Record::Account(account(
            SourceKind::Okta,
            "example.okta.com",
            "m.okafor",
            Some("2026-07-01T00:00:00Z"),
            20,
        )),
        // No password time at all.
        Record::Account(account(SourceKind::Vault, "vault", "m.okafor", None, 30)),
    ]);
    let out = run(records);
    assert_eq!(out.len(), 1);
    let states: Vec<(&str, PasswordAfter, Option<&str>)> = out[0]
        .accounts
        .iter()
        .map(|a| (a.account.as_str(), a.password, a.caught_up_after.as_deref()))
        .collect();
    assert_eq!(
        states,
        [
            (
                "m.okafor@aws",
                PasswordAfter::ResetByThisEvent,
                Some("0 min")
            ),
            ("m.okafor@example.okta.com", PasswordAfter::NotReset, None),
            ("m.okafor@github", PasswordAfter::SetAfter, Some("2 h")),
            ("m.okafor@vault", PasswordAfter::Unknown, None),
        ]
    );
    // Okta has sessions, but neither its System Log nor a session validity was given.
    let okta = &out[0].accounts[1];
    assert_eq!(okta.sessions, Some(SessionsAfter::Unknown));
    assert_eq!(okta.cisa, ["CM0033", "CM0080"]);
    assert!(out[0]
        .missing
        .iter()
        .any(|m| m.message.contains("sessions of m.okafor@example.okta.com")));
    // AWS and GitHub have no sign-in sessions to judge.
    assert_eq!(out[0].accounts[0].sessions, None);
    // The unknown password time is missing evidence.
    assert!(out[0]
        .missing
        .iter()
        .any(|m| m.message.contains("m.okafor@vault") && m.message.contains("unknown")));
}

#[test]
fn each_credential_state_after_the_reset() {
    let mut deleted = aws_key(
        "AKIADELETED000000001",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        1,
    );
    deleted.status = CredentialStatus::Active;
    let mut used = aws_key(
        "AKIAUSED0000000000002",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        2,
    );
    used.last_used = at("2026-08-10T08:00:00Z");
    let survives = aws_key(
        "AKIASURVIVES00000003",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        3,
    );
    let after = aws_key(
        "AKIANEW0000000000004",
        "m.okafor",
        Some("2026-08-03T15:00:00Z"),
        4,
    );
    let undated = aws_key("AKIAUNDATED000000005", "m.okafor", None, 5);
    let mut expired = aws_key(
        "AKIAEXPIRED000000006",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        6,
    );
    expired.expires = at("2026-08-10T00:00:00Z");
    let mut inactive = aws_key(
        "AKIAINACTIVE00000007",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        7,
    );
    inactive.status = CredentialStatus::Inactive;
    let mut removal = ev(
        "aws",
        SourceKind::AwsIam,
        EventKind::CredentialDeleted,
        "m.okafor",
        "2026-08-03T15:10:00Z",
        9,
    );
    removal.credential = Some("AKIADELETED000000001".into());
    removal.action = "DeleteAccessKey".into();
    let records = aws_reset(vec![
        Record::Credential(deleted),
        Record::Credential(used),
        Record::Credential(survives),
        Record::Credential(after),
        Record::Credential(undated),
        Record::Credential(expired),
        Record::Credential(inactive),
        Record::Event(removal),
    ]);
    let out = run(records);
    let states: BTreeMap<&str, CredentialAfter> = out[0]
        .credentials
        .iter()
        .map(|c| (c.id.as_str(), c.state))
        .collect();
    use CredentialAfter::*;
    assert_eq!(
        states,
        BTreeMap::from([
            ("AKIADELETED000000001", Rotated),
            ("AKIAUSED0000000000002", UsedAfterReset),
            ("AKIASURVIVES00000003", Survives),
            ("AKIANEW0000000000004", IssuedAfter),
            ("AKIAUNDATED000000005", Undated),
            ("AKIAEXPIRED000000006", Expired),
            ("AKIAINACTIVE00000007", Deactivated),
        ])
    );
    let used = out[0]
        .credentials
        .iter()
        .find(|c| c.state == UsedAfterReset)
        .unwrap();
    assert_eq!(used.cisa, ["CM0083", "CM0063"]);
    assert!(
        used.detail.contains("2026-08-10 08:00 UTC"),
        "{}",
        used.detail
    );
    let rotated = out[0]
        .credentials
        .iter()
        .find(|c| c.state == Rotated)
        .unwrap();
    assert!(
        rotated.detail.contains("DeleteAccessKey"),
        "{}",
        rotated.detail
    );
    // The survivors are residual paths (RG101 reports them), the undated one missing evidence.
    assert_eq!(out[0].verdict, Verdict::Open);
    let rules: Vec<Option<&str>> = out[0].residual.iter().map(|i| i.rule).collect();
    assert!(rules.contains(&Some("RG101")), "{rules:?}");
    assert!(out[0]
        .missing
        .iter()
        .any(|m| m.message.contains("AKIAUNDATED000000005")));
}

#[test]
fn a_google_app_password_is_revoked_by_the_google_reset() {
    let mut asp = Credential::new(
        CredentialKind::AppPassword,
        "asp:7",
        "Google app password",
        Evidence::at("asps.json", 3),
    );
    asp.owner = Some(OwnerRef {
        system: Some("example.org".into()),
        login: "m.okafor@example.org".into(),
    });
    asp.issued = at("2026-01-01T00:00:00Z");
    asp.status = CredentialStatus::Active;
    let records = vec![
        Record::Account(account(
            SourceKind::GoogleWorkspace,
            "example.org",
            "m.okafor@example.org",
            Some("2026-08-03T14:22:51Z"),
            1,
        )),
        Record::Event(ev(
            "example.org",
            SourceKind::GoogleWorkspace,
            EventKind::PasswordChange,
            "m.okafor@example.org",
            "2026-08-03T14:22:51Z",
            1,
        )),
        Record::Credential(asp),
    ];
    let out = run(records);
    let c = &out[0].credentials[0];
    assert_eq!(c.state, CredentialAfter::RevokedByReset);
    assert!(c.detail.contains("Google revokes"), "{}", c.detail);
    assert_eq!(c.cisa, ["CM0061"]);
}

#[test]
fn verdicts_open_unprovable_closed() {
    // Closed: the reset approved, nothing else held, every ledger rule with input or not run
    // (RG603 has nothing to judge without credentials or sessions).
    let closed = run_with(
        aws_reset(Vec::new()),
        &["RG603", "RG604", "RG605", "RG606", "RG607"],
        |_| false,
    );
    assert_eq!(closed[0].verdict, Verdict::Closed, "{:#?}", closed[0]);
    assert!(closed[0].residual.is_empty() && closed[0].missing.is_empty());
    assert_eq!(
        closed[0].approval[0].message,
        "approved by it.manager in INC0012345"
    );

    // Unprovable: RG606 runs and has no reset-rights input: who else can reset is unknown.
    let unprovable = run_with(
        aws_reset(Vec::new()),
        &["RG603", "RG604", "RG605", "RG607"],
        |_| false,
    );
    assert_eq!(unprovable[0].verdict, Verdict::Unprovable);
    assert_eq!(unprovable[0].missing[0].rule, Some("RG606"));
    assert_eq!(unprovable[0].missing[0].cisa, ["CM0133", "CM0043"]);
    assert!(
        unprovable[0].verdict_reason.contains("RG606"),
        "{}",
        unprovable[0].verdict_reason
    );

    // Open: a key issued before the reset survives it (RG101).
    let open = run(aws_reset(vec![Record::Credential(aws_key(
        "AKIASURVIVES00000003",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        3,
    ))]));
    assert_eq!(open[0].verdict, Verdict::Open);
    assert_eq!(open[0].residual[0].rule, Some("RG101"));
    assert!(open[0]
        .verdict_reason
        .starts_with("1 residual access path remains (RG101)"));

    // No ticket: RG601 says so, and the approval is missing evidence.
    let mut records = aws_reset(Vec::new());
    records.retain(|r| !matches!(r, Record::Ticket(_)));
    let unapproved = run(records);
    assert_eq!(unapproved[0].approval[0].rule, Some("RG601"));
    assert_eq!(unapproved[0].verdict, Verdict::Unprovable);
}

#[test]
fn suppressed_paths_are_accepted_and_do_not_open_the_record() {
    let records = aws_reset(vec![Record::Credential(aws_key(
        "AKIASURVIVES00000003",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        3,
    ))]);
    let out = run_with(records, NO_LEDGER_INPUT, |f| f.rule == "RG101");
    let r = &out[0];
    assert_eq!(r.verdict, Verdict::Closed, "{r:#?}");
    assert!(r.residual.is_empty());
    assert_eq!(r.accepted.len(), 1);
    assert_eq!(r.accepted[0].rule, "RG101");
    assert_eq!(r.accepted[0].exception.ticket.as_deref(), Some("RISK-7"));
    assert!(r.verdict_reason.contains("1 accepted by exception"));
    // The credential still shows what it is.
    assert_eq!(r.credentials[0].state, CredentialAfter::Survives);
}

#[test]
fn a_surviving_credential_no_rule_reports_is_still_a_residual_path() {
    // RG101 and RG603 not run: the closure report names the survivor itself.
    let records = aws_reset(vec![Record::Credential(aws_key(
        "AKIASURVIVES00000003",
        "m.okafor",
        Some("2026-01-01T00:00:00Z"),
        3,
    ))]);
    let mut ignore = NO_LEDGER_INPUT.to_vec();
    ignore.extend(["RG101", "RG603"]);
    let out = run_with(records, &ignore, |_| false);
    let r = &out[0];
    assert_eq!(r.verdict, Verdict::Open);
    assert_eq!(r.residual.len(), 1, "{:?}", r.residual);
    assert_eq!(r.residual[0].rule, None);
    assert!(r.residual[0]
        .message
        .starts_with("AWS access key AKIASURVIVES00000003 was issued"));
    assert_eq!(r.residual[0].cisa, ["CM0083"]);
}

#[test]
fn verdict_reason_names_items_without_a_rule_by_their_first_clause() {
    let item = |rule, message: &str| Item {
        rule,
        message: message.into(),
        location: None,
        cisa: Vec::new(),
    };
    let (v, why) = verdict(
        &[],
        &[
            item(
                None,
                "ci-deploy on aws is in no accounts export: its identity is unknown",
            ),
            item(Some("RG605"), "x"),
        ],
        &[],
    );
    assert_eq!(v, Verdict::Unprovable);
    assert_eq!(
        why,
        "no residual access path is known, but 2 pieces of evidence are missing (RG605; ci-deploy on aws is in no accounts export)"
    );
    assert_eq!(verdict(&[], &[], &[]).0, Verdict::Closed);
}

#[test]
fn a_leaked_private_key_whose_public_half_is_authorized_is_a_residual_path() {
    let mut key = Credential::new(
        CredentialKind::SshKey,
        "SHA256:vE7UVAvHH3brYfTNP2u9c4oZJ/X/bTg0uZwXyX5zIfA",
        "ssh-ed25519 key",
        Evidence::at("web01/home/m.okafor/.ssh/authorized_keys", 1),
    );
    key.owner = Some(OwnerRef {
        system: Some("aws".into()),
        login: "m.okafor".into(),
    });
    key.issued = at("2026-08-10T00:00:00Z");
    key.status = CredentialStatus::Active;
    let mut leaked = Credential::new(
        CredentialKind::PlaintextSecret,
        "loc:0123456789abcdef",
        "private key",
        Evidence::at("share/old.key", 1),
    );
    leaked.facts = vec!["public key SHA256:vE7UVAvHH3brYfTNP2u9c4oZJ/X/bTg0uZwXyX5zIfA".into()];
    let mut other = leaked.clone();
    other.id = "loc:fedcba9876543210".into();
    other.facts = vec!["public key SHA256:someoneElsesKey".into()];
    other.evidence = Evidence::at("share/other.key", 1);
    let out = run(aws_reset(vec![
        Record::Credential(key),
        Record::Credential(leaked),
        Record::Credential(other),
    ]));
    let r = &out[0];
    // The authorized key itself was issued after the reset; the leaked private half is not.
    assert_eq!(r.credentials[0].state, CredentialAfter::IssuedAfter);
    let leak: Vec<&Item> = r
        .residual
        .iter()
        .filter(|i| i.message.starts_with("the private key in clear text"))
        .collect();
    assert_eq!(leak.len(), 1, "{:?}", r.residual);
    assert_eq!(leak[0].rule, Some("RG501"));
    assert_eq!(leak[0].location, Some(Evidence::at("share/old.key", 1)));
    assert_eq!(leak[0].cisa, ["CM0032"]);
    assert_eq!(r.verdict, Verdict::Open);
}
