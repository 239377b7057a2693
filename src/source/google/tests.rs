//! Tests of the Google Workspace adapter on the synthetic exports under
//! `fixtures/sources/google/` (storyline: m.okafor reset 2026-08-03T14:22:51Z).

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<GoogleExport> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::diag::{DiagKind, Severity};
use crate::inventory::ledger::EventKind;
use crate::inventory::{
    Account, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, PasswordState,
};
use crate::source::testing::{cred, creds, t};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/google/", $name))
    };
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

fn account<'a>(records: &'a [Record], login: &str) -> &'a Account {
    accounts(records)
        .into_iter()
        .find(|a| a.login == login)
        .unwrap_or_else(|| panic!("no account {login}"))
}

fn run(name: &str, text: &str) -> Output {
    let kind = sniff(name, text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text)
}

fn owner(system: &str, login: &str) -> Option<OwnerRef> {
    Some(OwnerRef {
        system: Some(system.into()),
        login: login.into(),
    })
}

#[test]
fn sniffs_by_content() {
    assert_eq!(
        sniff("x", fixture!("users.json")),
        Some(GoogleExport::Users)
    );
    assert_eq!(
        sniff("x", fixture!("users-gam.jsonl")),
        Some(GoogleExport::Users)
    );
    assert_eq!(
        sniff("x", fixture!("asps-scanner-relay.json")),
        Some(GoogleExport::Asps)
    );
    assert_eq!(
        sniff("x", fixture!("tokens-m.okafor.json")),
        Some(GoogleExport::Tokens)
    );
    assert_eq!(
        sniff("x", fixture!("reports-admin.json")),
        Some(GoogleExport::Activities)
    );
    assert_eq!(
        sniff("x", fixture!("gam-print-asps.csv")),
        Some(GoogleExport::GamAspsCsv)
    );
    assert_eq!(sniff("x", "{\"value\": []}"), None);
    assert_eq!(sniff("x", "user,arn,user_creation_time\n"), None);
    assert_eq!(sniff("x", ""), None);
}

#[test]
fn users_list() {
    let out = run("google/users.json", fixture!("users.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let r = &out.records;
    let mara = account(r, "m.okafor@example.org");
    assert_eq!(mara.source, SourceKind::GoogleWorkspace);
    assert_eq!(mara.system, "google:example.org");
    assert_eq!(mara.evidence, Evidence::at("google/users.json", 9));
    assert_eq!(
        mara.aliases,
        vec!["104321876543210987654", "mara.okafor@example.org"]
    );
    assert_eq!(mara.enabled, Some(true));
    assert_eq!(mara.password, PasswordState::Set);
    // The Directory API has no password-change field: the Reports file provides it.
    assert_eq!(mara.password_last_set, When::Unknown);
    assert_eq!(mara.password_evidence, None);
    assert_eq!(mara.created, t("2021-03-01T09:00:00Z"));
    assert_eq!(mara.expires, When::Never);

    let relay = account(r, "scanner-relay@example.org");
    assert_eq!(relay.password, PasswordState::PendingChange);
    assert_eq!(account(r, "j.lindqvist@example.org").enabled, Some(false));
    let archived = account(r, "p.aldana@corp.example.com");
    assert_eq!(archived.enabled, Some(false));
    assert_eq!(archived.system, "google:corp.example.com");
    assert_eq!(archived.password, PasswordState::Unknown);
}

#[test]
fn recovery_methods_are_hashed_and_dateless() {
    let out = run("u.json", fixture!("users.json"));
    let r = &out.records;
    let recovery: Vec<_> = creds(r)
        .into_iter()
        .filter(|c| c.kind == CredentialKind::RecoveryMethod)
        .collect();
    // Mara: email, phone, 2SV; scanner-relay: 2SV only; others: none.
    assert_eq!(recovery.len(), 4);
    let email = recovery
        .iter()
        .find(|c| c.id.starts_with("recoveryEmail:"))
        .unwrap();
    assert_eq!(email.id.len(), "recoveryEmail:".len() + 12);
    assert_eq!(
        email.owner,
        owner("google:example.org", "m.okafor@example.org")
    );
    assert_eq!(email.issued, When::Unknown);
    assert_eq!(email.evidence, Evidence::at("u.json", 21));
    let phone = recovery
        .iter()
        .find(|c| c.id.starts_with("recoveryPhone:"))
        .unwrap();
    assert_eq!(phone.evidence.line, Some(22));
    // Never the address or number itself.
    let json = serde_json::to_string(&out.records).unwrap();
    assert!(!json.contains("mara.okafor.home"));
    assert!(!json.contains("5555550143"));
    let relay_2sv = recovery
        .iter()
        .find(|c| {
            c.id == "2sv" && c.owner == owner("google:example.org", "scanner-relay@example.org")
        })
        .unwrap();
    assert!(relay_2sv
        .detail
        .as_deref()
        .unwrap()
        .contains("not enforced"));
    // The hash is stable and case-insensitive for emails.
    assert_eq!(short_hash("a@b.c"), short_hash("a@b.c"));
}

#[test]
fn asps_epoch_millisecond_strings_and_zero() {
    let out = run("asps.json", fixture!("asps-scanner-relay.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let r = &out.records;
    let mfp = cred(r, "asp:48213");
    assert_eq!(mfp.kind, CredentialKind::AppPassword);
    assert_eq!(mfp.issued, t("2024-02-12T16:00:00Z"));
    assert_eq!(mfp.issued_basis, IssuedBasis::Recorded);
    assert_eq!(mfp.last_used, t("2026-08-20T21:14:05Z"));
    assert_eq!(mfp.expires, When::Never);
    assert_eq!(mfp.status, CredentialStatus::Active);
    assert_eq!(mfp.evidence, Evidence::at("asps.json", 8));
    assert_eq!(
        mfp.detail.as_deref(),
        Some("name: MFP scan-to-mail 3rd floor")
    );
    // Numeric userKey: owner resolved by `join`.
    assert_eq!(
        mfp.owner,
        Some(OwnerRef {
            system: None,
            login: "104321876543210912345".into()
        })
    );
    let tb = cred(r, "asp:48377");
    assert_eq!(tb.issued, t("2025-01-06T08:30:00Z"));
    assert_eq!(tb.last_used, When::Never);
    let caldav = cred(r, "asp:48390");
    assert_eq!(caldav.issued, When::Unknown);
    assert_eq!(caldav.issued_basis, IssuedBasis::Unknown);
    assert_eq!(caldav.last_used, When::Never);
}

#[test]
fn asps_bad_values_are_located() {
    let out = run("a.json", fixture!("asps-m.okafor.json"));
    let r = &out.records;
    let phone = cred(r, "asp:51002");
    assert_eq!(phone.issued, t("2026-05-11T09:00:00Z"));
    assert_eq!(phone.last_used, t("2026-08-19T06:40:00Z"));
    assert_eq!(
        phone.owner,
        owner("google:example.org", "m.okafor@example.org")
    );
    // Epoch seconds where milliseconds belong: not a 1970 date, unknown with a diagnostic.
    let secs = cred(r, "asp:51003");
    assert_eq!(secs.issued, When::Unknown);
    assert_eq!(secs.last_used, When::Unknown);
    assert_eq!(creds(r).len(), 2);
    let lines: Vec<_> = out
        .diagnostics
        .iter()
        .map(|d| (d.location.line, d.message.as_str()))
        .collect();
    assert!(lines
        .iter()
        .any(|(l, m)| *l == Some(19) && m.contains("creationTime") && m.contains("plausible")));
    assert!(lines
        .iter()
        .any(|(l, m)| *l == Some(20) && m.contains("lastTimeUsed")));
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == Some(26) && m.contains("codeId")),
        "{:?}",
        out.diagnostics
    );
    assert_eq!(out.diagnostics.len(), 3, "{:?}", out.diagnostics);
}

#[test]
fn truncated_asps_keep_complete_items() {
    let out = run("t.json", fixture!("asps-truncated.json"));
    assert_eq!(creds(&out.records).len(), 1);
    assert_eq!(cred(&out.records, "asp:60001").evidence.line, Some(6));
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("starting at line 1"));
    // The one wording of `source::json` for every source's broken input.
    assert!(d
        .message
        .contains("complete items before this point were used"));
    assert_eq!(d.location.line, Some(16), "the line of the break");
}

#[test]
fn tokens_have_no_dates_and_flag_mail_scopes() {
    let out = run("tok.json", fixture!("tokens-m.okafor.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let r = &out.records;
    let crm = cred(
        r,
        "123456789012-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.apps.googleusercontent.com",
    );
    assert_eq!(crm.kind, CredentialKind::OAuthGrant);
    assert_eq!(crm.issued, When::Unknown);
    assert_eq!(crm.last_used, When::Unknown);
    assert_eq!(crm.evidence.line, Some(8));
    let detail = crm.detail.as_deref().unwrap();
    assert!(detail.contains("app: Acme CRM Sync"));
    assert!(detail.contains("mail scope: no"));
    assert!(detail.contains("calendar drive.readonly"));
    let mail = cred(
        r,
        "987654321098-zz9yy8xx7ww6vv5uu4tt3ss2rr1qq0pp.apps.googleusercontent.com",
    );
    assert!(mail.detail.as_deref().unwrap().contains("mail scope: yes"));
    assert!(mail.detail.as_deref().unwrap().contains("native app"));
}

#[test]
fn reports_give_the_latest_password_change_per_user() {
    let out = run("rep.json", fixture!("reports-user-accounts.json"));
    let r = &out.records;
    let mara = account(r, "m.okafor@example.org");
    assert_eq!(mara.system, "google:example.org");
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51.204Z"));
    // The line of the `password_edit` event of the latest change.
    assert_eq!(mara.password_evidence, Some(Evidence::at("rep.json", 11)));
    // No `id.time`: located diagnostic, no account for r.osei.
    assert_eq!(accounts(r).len(), 1);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(27));
}

#[test]
fn admin_change_password_targets_user_email() {
    let out = run("adm.json", fixture!("reports-admin.json"));
    let r = &out.records;
    assert_eq!(accounts(r).len(), 1);
    let relay = account(r, "scanner-relay@example.org");
    assert_eq!(relay.password_last_set, t("2026-07-30T11:05:42Z"));
    assert_eq!(relay.password_evidence.as_ref().unwrap().line, Some(11));
    // The admin (actor) gets no password change; the event without USER_EMAIL is reported.
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(25));
}

#[test]
fn reports_without_password_events_say_so() {
    let out = run("login.json", fixture!("reports-login.json"));
    assert!(accounts(&out.records).is_empty());
    // The sign-in is a ledger event, not a password change.
    let e = ledger(&out);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].kind, EventKind::SignIn);
    assert_eq!(e[0].detail.as_deref(), Some("login_type google_password"));
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Incomplete);
    assert!(out.diagnostics[0].message.contains("180 days"));
}

#[test]
fn gam_csv_asps() {
    let out = run("gam.csv", fixture!("gam-print-asps.csv"));
    let r = &out.records;
    let mfp = cred(r, "asp:48213");
    assert_eq!(
        mfp.owner,
        owner("google:example.org", "scanner-relay@example.org")
    );
    assert_eq!(mfp.issued, t("2024-02-12T16:00:00Z"));
    assert_eq!(mfp.last_used, t("2026-08-20T21:14:05Z"));
    assert_eq!(mfp.evidence, Evidence::at("gam.csv", 2));
    // GAM's timezone offset is honoured; `Never` is never used.
    let tb = cred(r, "asp:48377");
    assert_eq!(tb.issued, t("2025-01-06T08:30:00Z"));
    assert_eq!(tb.last_used, When::Never);
    // `Unknown` creation; raw epoch milliseconds still read.
    let phone = cred(r, "asp:51002");
    assert_eq!(phone.issued, When::Unknown);
    assert_eq!(phone.last_used, t("2026-08-19T06:40:00Z"));
    assert_eq!(phone.evidence.line, Some(3));
    assert_eq!(creds(r).len(), 3);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(4));
}

#[test]
fn gam_csv_without_code_column_is_unparseable() {
    assert_eq!(sniff("x", "User,name\nx@y.z,n\n"), None);
    let out = parse(GoogleExport::GamAspsCsv, "g.csv", "User,name\nx@y.z,n\n");
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
}

#[test]
fn wrong_types_are_located_and_the_rest_kept() {
    let out = run("w.json", fixture!("users-wrong-types.json"));
    let r = &out.records;
    let brandt = account(r, "t.brandt@example.org");
    assert!(brandt.aliases.is_empty());
    assert_eq!(brandt.created, When::Unknown);
    assert_eq!(brandt.enabled, None);
    // "false" as a string is still read as a boolean.
    assert_eq!(brandt.password, PasswordState::Set);
    assert!(account(r, "r.osei@example.org").enabled == Some(true));
    assert_eq!(accounts(r).len(), 2);
    let lines: Vec<_> = out.diagnostics.iter().map(|d| d.location.line).collect();
    // id (5), creationTime (7), lastLoginTime (8), suspended (9), recoveryEmail (12),
    // null primaryEmail (16), the string element (18).
    for l in [5, 7, 8, 9, 12, 16, 18] {
        assert!(
            lines.contains(&Some(l)),
            "no diagnostic at {l}: {:?}",
            out.diagnostics
        );
    }
    assert_eq!(out.diagnostics.len(), 7);
}

#[test]
fn json_lines_and_fallback_system() {
    let out = run("u.jsonl", fixture!("users-gam.jsonl"));
    assert!(out.diagnostics.is_empty());
    assert_eq!(
        account(&out.records, "m.okafor@example.org").evidence.line,
        Some(1)
    );
    assert_eq!(account(&out.records, "no-domain").system, "google");
    assert_eq!(account(&out.records, "no-domain").evidence.line, Some(2));
}

#[test]
fn join_resolves_user_ids_and_folds_the_reset() {
    let mut records = Vec::new();
    records.extend(run("users.json", fixture!("users.json")).records);
    records.extend(run("asps.json", fixture!("asps-scanner-relay.json")).records);
    records.extend(run("tok.json", fixture!("tokens-m.okafor.json")).records);
    records.extend(run("rep.json", fixture!("reports-user-accounts.json")).records);
    records.extend(run("adm.json", fixture!("reports-admin.json")).records);
    join(&mut records);
    let mara: Vec<_> = accounts(&records)
        .into_iter()
        .filter(|a| a.login == "m.okafor@example.org")
        .collect();
    assert_eq!(mara.len(), 1);
    assert_eq!(mara[0].evidence.path, "users.json");
    assert_eq!(mara[0].password_last_set, t("2026-08-03T14:22:51.204Z"));
    assert_eq!(
        mara[0].password_evidence,
        Some(Evidence::at("rep.json", 11))
    );
    assert_eq!(mara[0].password, PasswordState::Set);
    let relay = account(&records, "scanner-relay@example.org");
    assert_eq!(relay.password_last_set, t("2026-07-30T11:05:42Z"));
    assert_eq!(relay.password, PasswordState::PendingChange);
    assert_eq!(accounts(&records).len(), 4);
    assert_eq!(
        cred(&records, "asp:48213").owner,
        owner("google:example.org", "scanner-relay@example.org")
    );
    assert_eq!(
        cred(
            &records,
            "123456789012-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.apps.googleusercontent.com"
        )
        .owner,
        owner("google:example.org", "m.okafor@example.org")
    );
}

#[test]
fn join_keeps_reports_account_without_users_list() {
    let mut records = run("rep.json", fixture!("reports-user-accounts.json")).records;
    let mut older = Account::new(
        SourceKind::GoogleWorkspace,
        "google:example.org",
        "M.Okafor@example.org",
        Evidence::at("old.json", 3),
    );
    older.password_last_set = t("2026-01-01T00:00:00Z");
    older.password_evidence = Some(Evidence::at("old.json", 3));
    records.push(Record::Account(older));
    join(&mut records);
    let all = accounts(&records);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].password_last_set, t("2026-08-03T14:22:51.204Z"));
}

#[test]
fn epoch_ms_edges() {
    assert_eq!(ms_text("0"), MsTime::Zero);
    assert_eq!(ms_text("Never"), MsTime::Zero);
    assert_eq!(ms_text("Unknown"), MsTime::Missing);
    assert_eq!(ms_text(""), MsTime::Missing);
    assert_eq!(ms_text("1970-01-01T00:00:00.000Z"), MsTime::Zero);
    assert!(matches!(ms_text("99999999999999999999999"), MsTime::Bad(_)));
    assert!(matches!(ms_text("-5"), MsTime::Bad(_)));
    let (values, _) = crate::source::json::tree::parse_stream("[true, 1707753600000, 1.5, null]");
    let v = values[0].items().unwrap_or(&[]);
    assert!(matches!(ms_time(v.first()), MsTime::Bad(_)));
    assert_eq!(ms_time(v.get(1)), MsTime::Date(t("2024-02-12T16:00:00Z")));
    assert!(matches!(ms_time(v.get(2)), MsTime::Bad(_)));
    assert_eq!(ms_time(v.get(3)), MsTime::Missing);
}

#[test]
fn garbage_never_panics() {
    for text in [
        "{",
        "[",
        "{\"users\": 5}",
        "{\"items\": [null, 1, {\"codeId\": {}}]}",
        "{\"primaryEmail\": [\"x\"]}",
        "[{\"events\": 3, \"id\": {}}]",
        "{\"items\": [{\"id\": {\"time\": 5}, \"events\": [{\"name\": \"password_edit\"}]}]}",
        "\u{feff}{\"codeId\": 1, \"creationTime\": \"\u{e9}\u{e9}\"}",
        "User,codeId\n\"unterminated",
    ] {
        for kind in [
            GoogleExport::Users,
            GoogleExport::Activities,
            GoogleExport::GamAspsCsv,
        ] {
            let out = parse(kind, "g", text);
            let _ = out.records.len();
        }
    }
    let out = parse(GoogleExport::Users, "g", "{\"users\": 5}");
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(1));
}

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
fn reports_feed_the_reset_ledger() {
    let out = run("adm.json", fixture!("reports-admin-ledger.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let e = ledger(&out);
    let kinds: Vec<(EventKind, &str, u32)> = e
        .iter()
        .map(|e| (e.kind, e.action.as_str(), e.evidence.line.unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::PasswordReset, "CHANGE_PASSWORD", 13),
            (EventKind::SessionsRevoked, "RESET_SIGNIN_COOKIES", 18),
            (EventKind::CredentialDeleted, "REVOKE_3LO_TOKEN", 30),
            (EventKind::MethodChanged, "CHANGE_RECOVERY_EMAIL", 35),
            (EventKind::MethodChanged, "2sv_enroll", 49),
        ]
    );
    let reset = e[0];
    assert_eq!(reset.system, "google:example.org");
    assert_eq!(reset.target, "m.okafor@example.org");
    assert_eq!(reset.actor.as_deref(), Some("t.nakamura@example.org"));
    assert_eq!(reset.at, t("2026-08-20T10:15:02Z"));
    assert_eq!(reset.strong_auth, None);
    assert_eq!(
        reset.event_id.as_deref(),
        Some("2026-08-20T10:15:02.000Z/-2233445566778899001/CHANGE_PASSWORD")
    );
    assert!(e[2]
        .detail
        .as_deref()
        .unwrap()
        .starts_with("OAuth grant 1234"));
    // The user's own enrolment: actor and target are the user.
    assert_eq!(e[4].target, "m.okafor@example.org");
    assert_eq!(e[4].actor.as_deref(), Some("m.okafor@example.org"));
    // The admin reset also dates the account's password.
    assert_eq!(
        account(&out.records, "m.okafor@example.org").password_last_set,
        t("2026-08-20T10:15:02Z")
    );
}

#[test]
fn user_password_edit_is_a_change_by_the_user() {
    let out = run("rep.json", fixture!("reports-user-accounts.json"));
    let e = ledger(&out);
    let changes: Vec<_> = e
        .iter()
        .filter(|e| e.kind == EventKind::PasswordChange)
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.actor.as_deref() == Some(c.target.as_str())));
    assert!(e
        .iter()
        .any(|e| e.kind == EventKind::MethodChanged && e.action == "recovery_email_edit"));
}

#[test]
fn sign_ins_are_kept_once_per_user() {
    let item = |t: &str, q: u32| {
        format!(
            r#"{{"id": {{"time": "{t}", "uniqueQualifier": "{q}", "applicationName": "login"}}, "actor": {{"email": "a@example.org"}}, "events": [{{"type": "login", "name": "login_success"}}]}}"#
        )
    };
    let text = format!(
        "{{\"items\": [{}, {}, {}]}}",
        item("2026-08-01T00:00:00Z", 1),
        item("2026-08-03T00:00:00Z", 2),
        item("2026-08-02T00:00:00Z", 3)
    );
    let out = run("login.json", &text);
    let e = ledger(&out);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].at, t("2026-08-03T00:00:00Z"));
}

#[test]
fn the_latest_app_password_sign_in_is_kept_beside_the_latest_sign_in() {
    let item = |t: &str, q: u32, login_type: &str| {
        format!(
            r#"{{"id": {{"time": "{t}", "uniqueQualifier": "{q}", "applicationName": "login"}}, "actor": {{"email": "a@example.org"}}, "events": [{{"type": "login", "name": "login_success", "parameters": [{{"name": "login_type", "value": "{login_type}"}}]}}]}}"#
        )
    };
    let text = format!(
        "{{\"items\": [{}, {}, {}, {}]}}",
        item("2026-08-01T00:00:00Z", 1, "application_specific_password"),
        item("2026-08-03T00:00:00Z", 2, "google_password"),
        item("2026-08-02T00:00:00Z", 3, "APPLICATION_SPECIFIC_PASSWORD"),
        item("2026-08-02T12:00:00Z", 4, "saml"),
    );
    let out = run("login.json", &text);
    let e = ledger(&out);
    let got: Vec<(String, Option<&str>)> = e
        .iter()
        .map(|e| (e.at.to_string(), e.detail.as_deref()))
        .collect();
    assert_eq!(e.len(), 2, "{got:?}");
    let asp: Vec<_> = e
        .iter()
        .filter(|e| {
            e.detail
                .as_deref()
                .is_some_and(super::reports::is_app_password_sign_in)
        })
        .collect();
    assert_eq!(asp.len(), 1);
    assert_eq!(asp[0].at, t("2026-08-02T00:00:00Z"));
    assert!(e.iter().any(|e| e.at == t("2026-08-03T00:00:00Z")));
    // Only the exact login_type value counts; a sign-in without one is not an app password.
    assert!(super::reports::is_app_password_sign_in(
        "login_type application_specific_password"
    ));
    assert!(!super::reports::is_app_password_sign_in(
        "login_type google_password"
    ));
    assert!(!super::reports::is_app_password_sign_in(
        "application_specific_password"
    ));
    assert!(!super::reports::is_app_password_sign_in("IMAP4"));
}
