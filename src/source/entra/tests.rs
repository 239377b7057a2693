//! Tests of the Entra adapter on the synthetic exports under `fixtures/sources/entra/`.

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<EntraExport> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::diag::{DiagKind, Severity};
use crate::inventory::{
    AccountKind, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, PasswordState,
    When,
};
use crate::source::testing::{account, accounts, cred, creds, t};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/entra/", $name))
    };
}

fn run(name: &str, text: &str) -> Output {
    let kind = sniff(name, text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text)
}

fn tenant_ref(login: &str) -> Option<OwnerRef> {
    Some(OwnerRef {
        system: Some("entra:example.org".into()),
        login: login.into(),
    })
}

// ---- sniff -------------------------------------------------------------------------------

#[test]
fn sniffs_every_fixture_by_content() {
    use EntraExport::*;
    let cases = [
        (fixture!("users-page.json"), Users),
        (fixture!("users-powershell51.json"), Users),
        (fixture!("users-truncated.json"), Users),
        (fixture!("applications.json"), Applications),
        (fixture!("service-principals-page.json"), Applications),
        (fixture!("app-credential-list.json"), Applications),
        (fixture!("app-owners.json"), Owners),
        (fixture!("app-owners-unnamed.json"), Owners),
        (fixture!("auth-methods.json"), AuthenticationMethods),
        (
            fixture!("auth-methods-powershell.json"),
            AuthenticationMethods,
        ),
        (fixture!("auth-methods-no-user.json"), AuthenticationMethods),
        (fixture!("unknown-schema.json"), GraphPage),
        (fixture!("users-export-locale.csv"), PowerShellCsv),
        (fixture!("directory-audits-page.json"), AuditLogs),
        (fixture!("directory-audits-powershell.json"), AuditLogs),
        (fixture!("signins-page.json"), AuditLogs),
    ];
    for (text, kind) in cases {
        assert_eq!(sniff("x", text), Some(kind));
    }
}

#[test]
fn does_not_sniff_other_exports() {
    for text in [
        "",
        "{}",
        "[1,2,3]",
        "user,arn,user_creation_time,password_last_used\n",
        r#"{"AccessKeyMetadata": [{"UserName": "a", "AccessKeyId": "AKIA"}]}"#,
        r#"[{"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@example.org"}}]"#,
        r#"{"kind": "admin#directory#users", "users": [{"primaryEmail": "a@example.org"}]}"#,
        "name,userPrincipalName\nx,y\n",
    ] {
        assert_eq!(sniff("x", text), None, "{text}");
    }
}

// ---- users -------------------------------------------------------------------------------

#[test]
fn users_page_storyline() {
    let out = run("entra/users.json", fixture!("users-page.json"));
    assert_eq!(accounts(&out).len(), 5);
    let mara = account(&out, "m.okafor@example.org");
    assert_eq!(mara.source, crate::inventory::SourceKind::EntraId);
    assert_eq!(mara.system, "entra:example.org");
    assert_eq!(mara.aliases, vec!["6f1c2d3e-0a1b-4c5d-8e9f-112233445566"]);
    assert_eq!(mara.kind, AccountKind::Human);
    assert_eq!(mara.enabled, Some(true));
    assert_eq!(mara.password, PasswordState::Set);
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51Z"));
    assert_eq!(
        mara.password_evidence,
        Some(Evidence::at("entra/users.json", 10))
    );
    assert_eq!(mara.evidence, Evidence::at("entra/users.json", 5));
    assert_eq!(mara.created, t("2024-03-04T10:00:12Z"));
    assert_eq!(mara.sessions_valid_from, t("2024-03-04T10:00:12Z"));
    assert!(mara.sessions_evidence.is_some());
    assert_eq!(mara.synced_from, None);
    assert_eq!(mara.expires, When::Never);
}

#[test]
fn sessions_valid_from_is_the_later_of_both_and_seven_digits() {
    let out = run("u.json", fixture!("users-page.json"));
    let berg = account(&out, "t.berg@example.org");
    // 7 fraction digits read; signInSessions (16:06:02) is later than refreshTokens (16:05:11).
    assert_eq!(berg.password_last_set.to_string(), "2026-06-30T16:05:10Z");
    assert_eq!(berg.sessions_valid_from, t("2026-06-30T16:06:02Z"));
    assert_eq!(berg.sessions_evidence, Some(Evidence::at("u.json", 46)));
    assert_eq!(berg.synced_from.as_deref(), Some("tberg"));
    // The guest: refreshTokens is the later one.
    let guest = account(
        &out,
        "r.iyer_partner.example#EXT#@exampleorg.onmicrosoft.com",
    );
    assert_eq!(guest.system, "entra:example.org");
    assert_eq!(guest.sessions_valid_from, t("2026-01-10T08:30:00Z"));
    assert_eq!(guest.sessions_evidence, Some(Evidence::at("u.json", 75)));
}

#[test]
fn sentinels_never_become_dates() {
    let out = run("u.json", fixture!("users-page.json"));
    let j = account(&out, "j.alvarez@example.org");
    assert_eq!(j.enabled, Some(false));
    // 0001-01-01, 1970-01-01 and null.
    assert_eq!(j.password_last_set, When::Unknown);
    assert_eq!(j.password, PasswordState::Unknown);
    assert_eq!(j.sessions_valid_from, When::Unknown);
    assert_eq!(j.sessions_evidence, None);
    // Was synced, no longer.
    assert_eq!(j.synced_from, None);
    let svc = account(&out, "svc-scanner@example.org");
    assert_eq!(svc.password_last_set, svc.created);
}

#[test]
fn next_link_is_reported() {
    let out = run("u.json", fixture!("users-page.json"));
    let d: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagKind::Incomplete)
        .collect();
    assert_eq!(d.len(), 1, "{:?}", out.diagnostics);
    assert!(d[0].message.contains("nextLink"));
    assert_eq!(d[0].location, Evidence::at("u.json", 82));
    assert_eq!(out.diagnostics.len(), 1);
}

#[test]
fn windows_powershell_json_dates_and_casing() {
    let out = run("ps.json", fixture!("users-powershell51.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let mara = account(&out, "m.okafor@example.org");
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51Z"));
    assert_eq!(mara.sessions_valid_from, t("2024-03-04T10:00:12Z"));
    assert_eq!(mara.evidence, Evidence::at("ps.json", 9));
    assert_eq!(mara.password_evidence, Some(Evidence::at("ps.json", 10)));
    let berg = account(&out, "t.berg@example.org");
    // `/Date(-62135596800000)/` (DateTime.MinValue) is no date; the other one wins.
    assert_eq!(berg.sessions_valid_from, t("2026-06-30T16:06:02Z"));
    assert_eq!(berg.synced_from.as_deref(), Some("tberg"));
}

#[test]
fn users_without_select_are_noted() {
    let text = r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
"value": [{"id": "1", "userPrincipalName": "a@example.org", "displayName": "A"}]}"#;
    let out = run("u.json", text);
    assert_eq!(accounts(&out).len(), 1);
    assert_eq!(
        account(&out, "a@example.org").password_last_set,
        When::Unknown
    );
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagKind::Incomplete && d.message.contains("$select")));
}

#[test]
fn powershell7_single_object_without_offset() {
    let text = r#"{
  "Id": "6f1c2d3e-0a1b-4c5d-8e9f-112233445566",
  "UserPrincipalName": "m.okafor@example.org",
  "AccountEnabled": true,
  "LastPasswordChangeDateTime": "2026-08-03T14:22:51.3378545",
  "SignInSessionsValidFromDateTime": "2024-03-04T10:00:12Z"
}"#;
    let out = run("one.json", text);
    let mara = account(&out, "m.okafor@example.org");
    assert_eq!(mara.password_last_set.to_string(), "2026-08-03T14:22:51Z");
    assert_eq!(mara.evidence, Evidence::at("one.json", 2));
}

// ---- applications ------------------------------------------------------------------------

#[test]
fn application_secrets_and_certificates() {
    let out = run("apps.json", fixture!("applications.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let all = creds(&out.records);
    assert_eq!(all.len(), 5);
    let secret = cred(&out.records, "0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f");
    assert_eq!(secret.kind, CredentialKind::ClientSecret);
    assert_eq!(secret.issued, t("2025-02-01T10:00:00Z"));
    assert_eq!(secret.issued_basis, IssuedBasis::Recorded);
    // The portal's far date is a real date, left to the policy rule.
    assert_eq!(secret.expires, t("2299-12-31T05:00:00Z"));
    assert_eq!(secret.status, CredentialStatus::Active);
    assert_eq!(secret.evidence, Evidence::at("apps.json", 33));
    assert_eq!(
        secret.owner,
        tenant_ref("9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b")
    );
    assert_eq!(
        secret.responsible,
        vec![tenant_ref("m.okafor@example.org").unwrap()]
    );
    let detail = secret.detail.as_deref().unwrap_or("");
    assert!(detail.contains("application \"payroll-sync\""), "{detail}");
    assert!(detail.contains("appId=9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b"));
    // The hint (first 3 characters of the secret) is never kept.
    let json = format!("{:?}", out.records);
    assert!(!json.contains("Q7x") && !json.contains("k2P"));

    let no_end = cred(&out.records, "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091");
    assert_eq!(no_end.expires, When::Never);
    assert_eq!(no_end.issued.to_string(), "2026-07-20T09:00:00Z");
    let max = cred(&out.records, "3c4d5e6f-7081-4923-8b4c-5d6e7f809102");
    assert_eq!(max.expires, When::Never);
    assert_eq!(max.issued, When::Unknown);
    assert_eq!(max.issued_basis, IssuedBasis::Unknown);

    let cert = cred(&out.records, "7e6d5c4b-3a29-4810-9f8e-7d6c5b4a3928");
    assert_eq!(cert.kind, CredentialKind::ClientCertificate);
    assert_eq!(cert.expires, t("2026-09-05T00:00:00Z"));
    assert!(cert
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("usage Verify"));
    // wiki-bot has no owners in this export.
    assert!(cred(&out.records, "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d")
        .responsible
        .is_empty());
}

#[test]
fn service_principals_skip_signing_keys() {
    let out = run("sp.json", fixture!("service-principals-page.json"));
    let ids: Vec<&str> = creds(&out.records).iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a",
            "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"
        ]
    );
    let c = cred(&out.records, "0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a");
    assert!(c
        .detail
        .as_deref()
        .unwrap_or("")
        .starts_with("service principal"));
    // No user names, no publisherDomain: the tenant is not shown.
    assert_eq!(c.owner.as_ref().and_then(|o| o.system.clone()), None);
}

#[test]
fn bare_credential_list() {
    let out = run("cred.json", fixture!("app-credential-list.json"));
    let c = cred(&out.records, "0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f");
    assert_eq!(c.kind, CredentialKind::ClientSecret);
    assert_eq!(c.owner, None);
    assert_eq!(c.expires, t("2299-12-31T05:00:00Z"));
}

#[test]
fn owners_listing_is_joined_into_responsible() {
    let apps = run("apps.json", fixture!("applications.json"));
    let owners = run("owners.json", fixture!("app-owners.json"));
    assert!(owners.diagnostics.is_empty(), "{:?}", owners.diagnostics);
    assert_eq!(owners.records.len(), 2);
    let mut records = apps.records;
    records.extend(owners.records);
    join(&mut records);
    assert!(!records.iter().any(|r| matches!(r, Record::Membership(_))));
    let c = cred(&records, "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d");
    assert_eq!(
        c.responsible,
        vec![
            tenant_ref("m.okafor@example.org").unwrap(),
            tenant_ref("t.berg@example.org").unwrap()
        ]
    );
    assert_eq!(c.related.len(), 2);
    assert_eq!(c.related[0], Evidence::at("owners.json", 7));
}

#[test]
fn owners_listing_without_application_is_noted() {
    let out = run("owners.json", fixture!("app-owners-unnamed.json"));
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].message.contains("appId"));
}

#[test]
fn secret_text_is_fingerprinted_never_kept() {
    let text = r#"{"appId": "9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b", "passwordCredentials": [
 {"keyId": "0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f", "hint": "Q7x",
  "secretText": "Q7x8Q~INVENTEDinventedINVENTED0000000000",
  "startDateTime": "2026-08-21T10:00:00Z", "endDateTime": "2027-02-21T10:00:00Z"}]}"#;
    let out = run("add.json", text);
    let leak = creds(&out.records)
        .into_iter()
        .find(|c| c.kind == CredentialKind::PlaintextSecret)
        .expect("secretText credential");
    // Named by the keyId, never by a digest of the value.
    assert_eq!(
        leak.id,
        crate::source::secret_id::location_id(
            "",
            "entra secretText 0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f",
            0
        )
    );
    assert_eq!(leak.evidence, Evidence::at("add.json", 3));
    assert!(!format!("{:?}", out).contains("INVENTED"));
}

// ---- authentication methods ----------------------------------------------------------------

#[test]
fn authentication_methods_owned_by_the_user_of_the_context() {
    let out = run("m.json", fixture!("auth-methods.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let all = creds(&out.records);
    // The password method is the password itself, not a surviving method.
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|c| c.kind == CredentialKind::RecoveryMethod
        && c.owner == tenant_ref("m.okafor@example.org")));
    let app = cred(&out.records, "b7f1e2d3-c4a5-4b69-8e7f-0a1b2c3d4e5f");
    assert_eq!(
        app.label,
        "Entra microsoftAuthenticator authentication method"
    );
    assert_eq!(app.issued.to_string(), "2026-07-29T22:41:07Z");
    assert_eq!(app.issued_basis, IssuedBasis::Recorded);
    assert_eq!(app.evidence, Evidence::at("m.json", 12));
    let phone = cred(&out.records, "3179e48a-750b-4051-897c-87b9720928f7");
    assert_eq!(phone.issued, When::Unknown);
    assert!(!format!("{:?}", out.records).contains("2065550142"));
    let tap = cred(&out.records, "6c5f1d8a-2b3c-4d4e-9f5a-6b7c8d9e0f1a");
    assert_eq!(tap.expires, t("2026-08-03T15:30:00Z"));
    assert_eq!(tap.status, CredentialStatus::Inactive);
    assert_eq!(
        cred(&out.records, "-2_GRUg2-HYz6_1YG4YRAQ2").issued,
        t("2024-03-05T09:12:00Z")
    );
}

#[test]
fn authentication_methods_powershell_wrapper_by_user_id() {
    let out = run("m.json", fixture!("auth-methods-powershell.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let all = creds(&out.records);
    assert_eq!(all.len(), 2);
    // Only the user id is known: no tenant in the file, joined by the account's alias.
    let owner = OwnerRef {
        system: None,
        login: "6f1c2d3e-0a1b-4c5d-8e9f-112233445566".into(),
    };
    assert!(all.iter().all(|c| c.owner.as_ref() == Some(&owner)));
    let whfb = cred(&out.records, "f0e1d2c3-b4a5-4697-8877-665544332210");
    assert_eq!(
        whfb.label,
        "Entra windowsHelloForBusiness authentication method"
    );
    assert_eq!(
        whfb.issued,
        When::from_epoch_seconds(1_785_000_000).unwrap()
    );
    assert!(!format!("{:?}", out.records).contains("mara.private"));
}

#[test]
fn methods_nested_in_a_user_object() {
    let text = r##"[{"id": "6f1c2d3e-0a1b-4c5d-8e9f-112233445566", "userPrincipalName": "m.okafor@example.org",
  "lastPasswordChangeDateTime": "2026-08-03T14:22:51Z",
  "authentication": {"methods": [{"@odata.type": "#microsoft.graph.fido2AuthenticationMethod",
     "id": "key-1", "createdDateTime": "2026-08-01T00:00:00Z"}]}}]"##;
    let out = run("n.json", text);
    assert_eq!(accounts(&out).len(), 1);
    let c = cred(&out.records, "key-1");
    assert_eq!(c.owner, tenant_ref("m.okafor@example.org"));
    assert_eq!(c.evidence, Evidence::at("n.json", 4));
}

#[test]
fn methods_without_a_user_are_noted() {
    let out = run("m.json", fixture!("auth-methods-no-user.json"));
    let c = cred(&out.records, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
    assert_eq!(c.owner, None);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Incomplete);
    assert!(out.diagnostics[0].message.contains("owner"));
}

// ---- bad input ----------------------------------------------------------------------------

#[test]
fn unknown_schema_is_one_clear_error() {
    let out = run("devices.json", fixture!("unknown-schema.json"));
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.kind, DiagKind::Unparseable);
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.location, Evidence::at("devices.json", 4));
    assert!(d.message.contains("unknown schema"));
}

#[test]
fn truncated_json_keeps_complete_users() {
    let out = run("t.json", fixture!("users-truncated.json"));
    assert_eq!(accounts(&out).len(), 1);
    assert_eq!(
        account(&out, "m.okafor@example.org").password_last_set,
        t("2026-08-03T14:22:51Z")
    );
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location.line, Some(13));
    assert!(errors[0].message.contains("truncated"));
}

#[test]
fn wrong_types_are_located() {
    let text = r#"{"value": [
  {"id": "1", "userPrincipalName": "a@example.org", "accountEnabled": "maybe",
   "lastPasswordChangeDateTime": 12345},
  {"id": "2", "userPrincipalName": 7},
  {"appId": "x", "passwordCredentials": [{"displayName": "no id"}, 5, {"keyId": "k", "endDateTime": "soon"}]},
  {"appId": "y", "keyCredentials": "oops"}
]}"#;
    let out = run("w.json", text);
    let a = account(&out, "a@example.org");
    assert_eq!(a.enabled, None);
    assert_eq!(a.password_last_set, When::Unknown);
    assert_eq!(accounts(&out).len(), 1);
    let k = cred(&out.records, "k");
    assert_eq!(k.expires, When::Unknown);
    let lines: Vec<u32> = out
        .diagnostics
        .iter()
        .filter_map(|d| d.location.line)
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 5, 5, 6], "{:?}", out.diagnostics);
    assert!(out
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning));
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "{\"value\": [",
        "{\"@odata.context\": \"https://graph.microsoft.com/x\", \"value\": [1, \"a\", null, [[]]]}",
        "[{\"userPrincipalName\": \"a@b\", \"createdDateTime\": {\"value\": \"/Date(1)/\"}}]",
        "[{\"@odata.type\": \"#microsoft.graph.phoneAuthenticationMethod\"}]",
        "{\"appId\": \"a\", \"owners\": [1, {\"id\": 2}], \"passwordCredentials\": null}",
        "\u{feff}[{\"keyId\": \"k\", \"startDateTime\": \"/Date(-99999999999999999)/\"}]",
        "{\"userPrincipalName\": \"@\", \"refreshTokensValidFromDateTime\": \"12/31/9999 11:59:59 PM\"}",
    ];
    for text in samples {
        for kind in [EntraExport::Users, EntraExport::PowerShellCsv] {
            let _ = parse(kind, "g", text);
            let _ = parse_with(
                kind,
                "g",
                text,
                EntraOptions::default().set_assume_us_dates(true),
            );
        }
    }
    let mut deep = String::from("{\"value\": ");
    deep.push_str(&"[".repeat(5000));
    let out = parse(EntraExport::Users, "deep.json", &deep);
    assert!(out.records.is_empty());
    assert!(!out.diagnostics.is_empty());
}

// ---- PowerShell CSV -----------------------------------------------------------------------

#[test]
fn locale_csv_is_refused_naming_the_option() {
    let out = run("users.csv", fixture!("users-export-locale.csv"));
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.location, Evidence::at("users.csv", 3));
    assert!(d.message.contains("ConvertTo-Json"));
    assert!(d.message.contains("--assume-date-locale en-US"));
}

#[test]
fn locale_csv_read_as_en_us_when_asked() {
    let mut options = EntraOptions::default();
    options.set_assume_us_dates(true);
    let text = fixture!("users-export-locale.csv");
    let kind = sniff("users.csv", text).unwrap();
    let out = parse_with(kind, "users.csv", text, &options);
    let mara = account(&out, "m.okafor@example.org");
    assert_eq!(mara.system, "entra:example.org");
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51Z"));
    assert_eq!(mara.sessions_valid_from, t("2024-03-04T10:00:12Z"));
    assert_eq!(mara.enabled, Some(true));
    assert_eq!(mara.evidence, Evidence::at("users.csv", 3));
    let berg = account(&out, "t.berg@example.org");
    assert_eq!(berg.password_last_set, t("2026-06-30T16:05:10Z"));
    assert_eq!(berg.synced_from.as_deref(), Some("tberg"));
    let j = account(&out, "j.alvarez@example.org");
    assert_eq!(j.enabled, Some(false));
    // A de-DE cell is not en-US: reported on its row, unknown.
    assert_eq!(j.password_last_set, When::Unknown);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].location, Evidence::at("users.csv", 5));
}

#[test]
fn app_passwords_note_says_why() {
    assert!(APP_PASSWORDS_NOT_EXPORTABLE.contains("cannot be exported"));
    assert!(APP_PASSWORDS_NOT_EXPORTABLE.contains("per-user MFA"));
}

#[test]
fn az_ad_user_list_default_output_is_read_and_noted() {
    let text = r#"[
  {
    "businessPhones": [],
    "displayName": "Mara Okafor",
    "id": "6f1c2d3e-0a1b-4c5d-8e9f-112233445566",
    "mail": "m.okafor@example.org",
    "userPrincipalName": "m.okafor@example.org"
  }
]"#;
    assert_eq!(sniff("x", text), Some(EntraExport::Users));
    let out = run("az.json", text);
    assert_eq!(
        account(&out, "m.okafor@example.org").password_last_set,
        When::Unknown
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Incomplete);
}

// ---- audit logs (reset ledger) -------------------------------------------------------------

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
fn directory_audits_become_ledger_events() {
    use crate::inventory::ledger::{EventKind, Outcome};
    let out = run("audits.json", fixture!("directory-audits-page.json"));
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
                Some(5)
            ),
            (
                EventKind::PasswordReset,
                "m.okafor@example.org",
                Some("helpdesk.kim@example.org"),
                Outcome::Success,
                Some(41)
            ),
            (
                EventKind::SessionsRevoked,
                "t.berg@example.org",
                Some("Microsoft Graph"),
                Outcome::Success,
                Some(75)
            ),
            (
                EventKind::MethodChanged,
                "m.okafor@example.org",
                Some("m.okafor@example.org"),
                Outcome::Success,
                Some(108)
            ),
            (
                EventKind::PasswordChange,
                "t.berg@example.org",
                Some("t.berg@example.org"),
                Outcome::Failure,
                Some(158)
            ),
        ]
    );
    let first = ev[0];
    assert_eq!(first.system, "entra:example.org");
    assert_eq!(first.source, crate::inventory::SourceKind::EntraId);
    assert_eq!(first.action, "Reset user password");
    assert_eq!(first.detail.as_deref(), Some("Core Directory"));
    assert_eq!(first.at, t("2026-08-03T14:22:51.3378545Z"));
    assert_eq!(
        first.event_id.as_deref(),
        Some("Directory_6b9f2e4c-4d7a-4f0e-9c1b-2a8e5d3f7c10_NTXQ2_41503210")
    );
    // The group change is counted in a note; the next page is a warning.
    assert!(out.diagnostics.iter().any(|d| d.severity == Severity::Note
        && d.message.contains("Add member to group")
        && d.location.line == Some(142)));
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagKind::Incomplete && d.message.contains("nextLink")));
}

#[test]
fn powershell_audit_objects_and_self_service_resets() {
    use crate::inventory::ledger::EventKind;
    let out = run("ps.json", fixture!("directory-audits-powershell.json"));
    let ev = events(&out);
    assert_eq!(ev.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(ev[0].kind, EventKind::SelfServiceReset);
    assert_eq!(ev[0].target, "r.patel@example.org");
    assert_eq!(ev[0].at, t("2026-08-03T14:22:51.337Z"));
    assert_eq!(ev[0].system, "entra:example.org");
    // The line of `Id`.
    assert_eq!(ev[0].evidence.line, Some(9));
    assert_eq!(
        audit::activity_kind("Reset user password."),
        Some(EventKind::PasswordReset)
    );
    assert_eq!(audit::activity_kind("Update user"), None);
}

#[test]
fn sign_ins_carry_client_outcome_and_strength() {
    use crate::inventory::ledger::{EventKind, Outcome};
    let out = run("signins.json", fixture!("signins-page.json"));
    let ev = events(&out);
    assert_eq!(ev.len(), 3);
    assert!(ev.iter().all(|e| e.kind == EventKind::SignIn));
    let imap = ev[0];
    assert_eq!(imap.detail.as_deref(), Some("IMAP4"));
    assert_eq!(imap.outcome, Outcome::Success);
    assert_eq!(imap.strong_auth, Some(false));
    assert_eq!(imap.evidence.line, Some(5));
    assert!(audit::is_legacy_client("IMAP4"));
    let browser = ev[1];
    assert_eq!(browser.strong_auth, Some(true));
    assert!(!audit::is_legacy_client("Browser"));
    assert!(!audit::is_legacy_client("Mobile Apps and Desktop clients"));
    let smtp = ev[2];
    assert_eq!(smtp.outcome, Outcome::Failure);
    assert!(audit::is_legacy_client("authenticated smtp"));
    // "yesterday" is not a date: located, item skipped.
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.message.contains("not a date") && d.location.line == Some(56)));
}

#[test]
fn broken_audit_page_keeps_complete_items() {
    let text = &fixture!("signins-page.json")[..1800];
    let out = run("cut.json", text);
    assert_eq!(events(&out).len(), 1);
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.kind == DiagKind::Malformed));
}

// ---- per-user MFA --------------------------------------------------------------------------

fn mfa_states(out: &Output) -> Vec<(String, Option<&'static str>, Option<u32>)> {
    accounts(out)
        .iter()
        .map(|a| {
            (
                a.login.clone(),
                a.per_user_mfa.as_ref().map(|p| p.state.as_str()),
                a.per_user_mfa.as_ref().and_then(|p| p.evidence.line),
            )
        })
        .collect()
}

#[test]
fn per_user_mfa_list_from_graph_beta() {
    let text = fixture!("per-user-mfa.json");
    assert_eq!(
        sniff("per-user-mfa.json", text),
        Some(EntraExport::PerUserMfa)
    );
    let out = run("per-user-mfa.json", text);
    assert_eq!(
        mfa_states(&out),
        vec![
            ("a.admin@example.org".into(), Some("enforced"), Some(5)),
            (
                "helpdesk.kim@example.org".into(),
                Some("disabled"),
                Some(10)
            ),
            ("m.okafor@example.org".into(), Some("enabled"), Some(15)),
            // unknownFutureValue: the user is kept, the state is not.
            ("t.berg@example.org".into(), None, None),
        ]
    );
    for a in accounts(&out) {
        assert_eq!(a.system, "entra:example.org");
        // Nothing but the names and the state: no assumed expiry, no password warning.
        assert_eq!(a.expires, When::Unknown);
        assert_eq!(a.password, PasswordState::Unknown);
    }
    assert_eq!(
        account(&out, "a.admin@example.org").aliases,
        vec!["8d1c2b3a-4e5f-4a6b-9c7d-0e1f2a3b4c5d".to_string()]
    );
    let d: Vec<String> = out.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].contains("per-user-mfa.json:20") && d[0].contains("perUserMfaState"),
        "{d:?}"
    );
}

#[test]
fn per_user_mfa_requirements_response_names_its_user_by_context() {
    let text = fixture!("per-user-mfa-requirements.json");
    assert_eq!(sniff("r.json", text), Some(EntraExport::PerUserMfa));
    let out = run("r.json", text);
    // No UPN in the file: the tenant is unknown, the login is the object id (the join folds
    // it into the users export's account by alias).
    let a = accounts(&out);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].system, "entra");
    assert_eq!(a[0].login, "8d1c2b3a-4e5f-4a6b-9c7d-0e1f2a3b4c5d");
    assert_eq!(
        a[0].per_user_mfa
            .as_ref()
            .map(|p| (p.state.as_str(), p.evidence.line)),
        Some(("enforced", Some(3)))
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // Without a context naming the user: located and skipped.
    let out = run("r.json", r#"{"perUserMfaState": "enforced"}"#);
    assert!(accounts(&out).is_empty());
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.message.contains("does not name")));
}

#[test]
fn msonline_strong_authentication_requirements() {
    let text = fixture!("msol-strong-auth.json");
    assert_eq!(sniff("msol.json", text), Some(EntraExport::PerUserMfa));
    let out = run("msol.json", text);
    assert_eq!(
        mfa_states(&out),
        vec![
            ("a.admin@example.org".into(), Some("enforced"), Some(5)),
            // An empty list is disabled.
            (
                "helpdesk.kim@example.org".into(),
                Some("disabled"),
                Some(16)
            ),
            ("m.okafor@example.org".into(), Some("enabled"), Some(23)),
            // A string where the list belongs: located, no state.
            ("t.berg@example.org".into(), None, None),
        ]
    );
    assert_eq!(
        account(&out, "m.okafor@example.org").aliases,
        vec!["0c3f6a2e-8b1d-4f5a-9e7c-1d2b3a4c5e60".to_string()]
    );
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].location.line, Some(34));
    // An item without a State, and null (disabled).
    let out = run(
        "msol.json",
        r#"[{"UserPrincipalName": "x@example.org", "StrongAuthenticationRequirements": [{"RelyingParty": "*"}]},
            {"UserPrincipalName": "y@example.org", "StrongAuthenticationRequirements": null}]"#,
    );
    assert_eq!(
        mfa_states(&out)
            .into_iter()
            .map(|(l, s, _)| (l, s))
            .collect::<Vec<_>>(),
        vec![
            ("x@example.org".to_string(), None),
            ("y@example.org".to_string(), Some("disabled")),
        ]
    );
}

#[test]
fn a_users_export_may_carry_the_state_itself() {
    let text = r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": [
        {"id": "1", "userPrincipalName": "a@example.org", "accountEnabled": true,
         "lastPasswordChangeDateTime": "2026-08-01T00:00:00Z", "perUserMfaState": "Enforced"}]}"#;
    let out = run("users.json", text);
    let a = account(&out, "a@example.org");
    assert_eq!(
        a.per_user_mfa.as_ref().map(|p| p.state.as_str()),
        Some("enforced")
    );
    assert_eq!(a.expires, When::Never);
    assert!(a.password_last_set.is_known());
}
