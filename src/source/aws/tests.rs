//! Tests of the AWS adapter on the synthetic exports under `fixtures/sources/aws/`.

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(text: &str) -> Option<AwsExport> {
    super::sniff(&crate::source::registry::Sniff::new("x", text))
}
use crate::diag::{DiagKind, Severity};
use crate::inventory::{
    AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis,
    PasswordState, When,
};
use crate::source::testing::{account, accounts, cred, creds, t};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/aws/", $name))
    };
}

const REPORT: &str = fixture!("credential-report.csv");
const REPORT_JSON: &str = fixture!("credential-report.json");

fn parse_fixture(name: &str, text: &str) -> Output {
    let kind = sniff(text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text)
}

// ---- sniff -------------------------------------------------------------------------------

#[test]
fn sniffs_every_fixture_by_content() {
    use AwsExport::*;
    let cases = [
        (REPORT, CredentialReportCsv),
        (
            fixture!("credential-report-crlf-bom.csv"),
            CredentialReportCsv,
        ),
        (
            fixture!("credential-report-reordered.csv"),
            CredentialReportCsv,
        ),
        (REPORT_JSON, CredentialReportJson),
        (fixture!("credential-report.b64.txt"), CredentialReportJson),
        (fixture!("list-access-keys.json"), AccessKeys),
        (fixture!("list-access-keys-all-users.json"), AccessKeys),
        (fixture!("list-access-keys-loop.json"), AccessKeys),
        (
            fixture!("list-service-specific-credentials.json"),
            ServiceSpecificCredentials,
        ),
        (fixture!("list-ssh-public-keys.json"), SshPublicKeys),
        (fixture!("list-credentials.jsonl"), AccessKeys),
        (fixture!("list-access-keys-truncated.json"), AccessKeys),
    ];
    for (text, kind) in cases {
        assert_eq!(sniff(text), Some(kind));
    }
}

#[test]
fn sniff_rejects_other_content() {
    assert_eq!(sniff(""), None);
    assert_eq!(sniff("user,name,uid\nroot,root,0\n"), None);
    assert_eq!(sniff("{\"Users\": []}"), None);
    // The key must be a key, with an array value for listings.
    assert_eq!(sniff("{\"note\": \"AccessKeyMetadata\"}"), None);
    assert_eq!(sniff("# AccessKeyMetadata: [\n"), None);
    // `Content` alone is not the report wrapper.
    assert_eq!(sniff("{\"Content\": \"abc\"}"), None);
}

#[test]
fn sniff_tolerates_whitespace_and_case_in_header() {
    let text = "\u{feff}\r\n  USER,ARN,USER_CREATION_TIME,password_enabled\r\n";
    assert_eq!(sniff(text), Some(AwsExport::CredentialReportCsv));
}

#[test]
fn sniff_finds_wrapper_keys_after_a_large_content() {
    let big = "QUJD".repeat(5000);
    let text = format!("{{\n    \"Content\": \"{big}\",\n    \"ReportFormat\": \"text/csv\"\n}}\n");
    assert_eq!(sniff(&text), Some(AwsExport::CredentialReportJson));
}

// ---- credential report -------------------------------------------------------------------

#[test]
fn report_accounts_and_kinds() {
    let out = parse_fixture("credential-report.csv", REPORT);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let logins: Vec<_> = accounts(&out).iter().map(|a| a.login.as_str()).collect();
    assert_eq!(
        logins,
        [
            "<root_account>",
            "m.okafor",
            "ci-deploy",
            "j.lindqvist",
            "r.tanaka"
        ]
    );
    let root = account(&out, "<root_account>");
    assert_eq!(root.kind, AccountKind::Root);
    assert_eq!(root.aliases, ["arn:aws:iam::210987654321:root"]);
    assert_eq!(root.system, "aws");
    assert_eq!(root.source, crate::inventory::SourceKind::AwsIam);
    assert_eq!(account(&out, "ci-deploy").kind, AccountKind::Service);
    assert_eq!(account(&out, "m.okafor").kind, AccountKind::Human);
    assert_eq!(root.evidence, Evidence::at("credential-report.csv", 2));
    assert_eq!(
        account(&out, "r.tanaka").evidence,
        Evidence::at("credential-report.csv", 6)
    );
}

#[test]
fn report_password_states_and_sentinels() {
    let out = parse_fixture("credential-report.csv", REPORT);
    // not_supported (root) -> Unknown, never a date.
    let root = account(&out, "<root_account>");
    assert_eq!(root.password, PasswordState::Unknown);
    assert_eq!(root.password_last_set, When::Unknown);
    assert_eq!(root.created, t("2019-02-11T08:15:02Z"));
    // true + a date.
    let mara = account(&out, "m.okafor");
    assert_eq!(mara.password, PasswordState::Set);
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51Z"));
    assert_eq!(
        mara.password_evidence,
        Some(Evidence::at("credential-report.csv", 3))
    );
    assert_eq!(mara.expires, When::Never);
    // false + N/A -> no password, unknown last set.
    let ci = account(&out, "ci-deploy");
    assert_eq!(ci.password, PasswordState::NoPassword);
    assert_eq!(ci.password_last_set, When::Unknown);
}

#[test]
fn initial_password_is_kept_and_recognisable() {
    let out = parse_fixture("credential-report.csv", REPORT);
    let j = account(&out, "j.lindqvist");
    assert_eq!(j.password_last_set, t("2026-05-12T09:30:05Z"));
    assert_eq!(j.created, t("2026-05-12T09:30:00Z"));
    assert!(j.password_is_initial());
    assert!(!account(&out, "m.okafor").password_is_initial());
    assert!(!account(&out, "ci-deploy").password_is_initial());
}

#[test]
fn report_access_key_slots() {
    let out = parse_fixture("credential-report.csv", REPORT);
    let ids: Vec<_> = creds(&out.records).iter().map(|c| c.id.as_str()).collect();
    // Root has no keys; inactive N/A slots are not emitted.
    assert_eq!(
        ids,
        [
            "aws:m.okafor:access_key_1",
            "aws:ci-deploy:access_key_1",
            "aws:ci-deploy:access_key_2",
            "aws:j.lindqvist:access_key_1",
            "aws:r.tanaka:access_key_1",
            "aws:r.tanaka:cert_1",
        ]
    );
    assert!(
        creds(&out.records).iter().all(|c| c.placeholder),
        "report slots are placeholders: the report has no key ids"
    );
    let k = cred(&out.records, "aws:m.okafor:access_key_1");
    assert_eq!(k.kind, CredentialKind::AccessKey);
    assert_eq!(k.label, "AWS access key");
    assert_eq!(k.status, CredentialStatus::Active);
    assert_eq!(k.issued, t("2025-11-20T09:05:33Z"));
    assert_eq!(k.issued_basis, IssuedBasis::Recorded);
    assert_eq!(k.last_used, t("2026-08-19T23:10:00Z"));
    assert_eq!(k.expires, When::Never);
    let owner = k.owner.as_ref().unwrap();
    assert_eq!(
        (owner.system.as_deref(), owner.login.as_str()),
        (Some("aws"), "m.okafor")
    );
    assert_eq!(k.evidence, Evidence::at("credential-report.csv", 3));
    assert_eq!(
        k.detail.as_deref(),
        Some("credential report access key slot 1; last used with s3 in eu-west-1")
    );
    // Active, N/A last used -> never used.
    assert_eq!(
        cred(&out.records, "aws:ci-deploy:access_key_2").last_used,
        When::Never
    );
    assert_eq!(
        cred(&out.records, "aws:j.lindqvist:access_key_1").last_used,
        When::Never
    );
    // Region N/A (global service) is left out of the detail.
    assert_eq!(
        cred(&out.records, "aws:r.tanaka:access_key_1")
            .detail
            .as_deref(),
        Some("credential report access key slot 1; last used with iam")
    );
    let cert = cred(&out.records, "aws:r.tanaka:cert_1");
    assert_eq!(cert.kind, CredentialKind::SigningCertificate);
    assert_eq!(cert.status, CredentialStatus::Active);
    assert_eq!(cert.issued, t("2021-09-10T11:00:00Z"));
    assert_eq!(cert.last_used, When::Unknown);
}

#[test]
fn last_used_na_rules() {
    let header = REPORT.lines().next().unwrap();
    // Inactive key with a rotation date: emitted, Inactive, N/A last used is Unknown.
    // Active key created before key-use tracking began (2015-04-22): N/A is Unknown.
    let text = format!(
        "{header}\n\
         old,arn:aws:iam::1:user/old,2014-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,\
         FALSE,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,\
         TRUE,2014-06-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let out = parse(AwsExport::CredentialReportCsv, "r.csv", &text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let k1 = cred(&out.records, "aws:old:access_key_1");
    assert_eq!(k1.status, CredentialStatus::Inactive);
    assert_eq!(k1.last_used, When::Unknown);
    let k2 = cred(&out.records, "aws:old:access_key_2");
    assert_eq!(k2.status, CredentialStatus::Active);
    assert_eq!(k2.last_used, When::Unknown);
}

#[test]
fn active_slot_without_rotation_date_is_emitted() {
    let header = REPORT.lines().next().unwrap();
    let text = format!(
        "{header}\n\
         u,arn:aws:iam::1:user/u,2024-01-01T00:00:00+00:00,true,no_information,2024-01-01T00:00:10+00:00,N/A,false,\
         true,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,true,not_supported,false,N/A\n"
    );
    let out = parse(AwsExport::CredentialReportCsv, "r.csv", &text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let k = cred(&out.records, "aws:u:access_key_1");
    assert_eq!(k.issued, When::Unknown);
    assert_eq!(k.issued_basis, IssuedBasis::Unknown);
    assert_eq!(k.last_used, When::Never);
    let c = cred(&out.records, "aws:u:cert_1");
    assert_eq!(c.issued, When::Unknown);
}

#[test]
fn crlf_bom_variant_matches_plain() {
    let plain = parse_fixture("r.csv", REPORT);
    let crlf = parse_fixture("r.csv", fixture!("credential-report-crlf-bom.csv"));
    assert!(crlf.diagnostics.is_empty(), "{:?}", crlf.diagnostics);
    assert_eq!(plain.records, crlf.records);
}

#[test]
fn reordered_and_extra_columns_and_upper_case_booleans() {
    let plain = parse_fixture("r.csv", REPORT);
    let other = parse_fixture("r.csv", fixture!("credential-report-reordered.csv"));
    assert!(other.diagnostics.is_empty(), "{:?}", other.diagnostics);
    assert_eq!(plain.records, other.records);
}

#[test]
fn leading_blank_lines_shift_evidence() {
    let text = format!("\n\n{REPORT}");
    let out = parse(AwsExport::CredentialReportCsv, "r.csv", &text);
    assert_eq!(account(&out, "<root_account>").evidence.line, Some(4));
}

#[test]
fn missing_required_column_makes_file_unparseable() {
    let out = parse_fixture("m.csv", fixture!("credential-report-missing-column.csv"));
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.kind, DiagKind::Unparseable);
    assert_eq!(d.location, Evidence::at("m.csv", 1));
    assert!(
        d.message.contains("`password_last_changed`"),
        "{}",
        d.message
    );
}

#[test]
fn missing_optional_column_is_incomplete_not_fatal() {
    let text = "user,arn,password_enabled,password_last_changed,access_key_1_active,\
                access_key_1_last_rotated,access_key_2_active,access_key_2_last_rotated\n\
                u,arn:aws:iam::1:user/u,true,2025-01-01T00:00:00Z,true,2024-01-01T00:00:00Z,false,N/A\n";
    let out = parse(AwsExport::CredentialReportCsv, "o.csv", text);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Incomplete);
    assert!(out.diagnostics[0].message.contains("`cert_1_active`"));
    let k = cred(&out.records, "aws:u:access_key_1");
    assert_eq!(k.last_used, When::Unknown);
    assert_eq!(account(&out, "u").created, When::Unknown);
}

#[test]
fn bad_rows_are_located_and_the_rest_continues() {
    let out = parse_fixture("bad.csv", fixture!("credential-report-bad-rows.csv"));
    let located: Vec<(u32, DiagKind)> = out
        .diagnostics
        .iter()
        .map(|d| (d.location.line.unwrap(), d.kind))
        .collect();
    assert_eq!(
        located,
        [
            (2, DiagKind::Malformed), // locale date in password_last_changed
            (2, DiagKind::Malformed), // `yes` is not a boolean
            (3, DiagKind::Malformed), // short row
            (4, DiagKind::Malformed), // empty user
        ]
    );
    assert!(out.diagnostics[0]
        .message
        .contains("`password_last_changed`"));
    // Never the cell content in a message.
    assert!(out
        .diagnostics
        .iter()
        .all(|d| !d.message.contains("8/3/2026")));
    let a = account(&out, "a.berg");
    assert_eq!(a.password_last_set, When::Unknown);
    let k = cred(&out.records, "aws:a.berg:access_key_1");
    assert_eq!(k.status, CredentialStatus::Unknown);
    // The good row after the bad ones is still there.
    let ok = account(&out, "k.ok");
    assert_eq!(ok.evidence.line, Some(5));
    assert_eq!(
        cred(&out.records, "aws:k.ok:access_key_1").status,
        CredentialStatus::Inactive
    );
    assert_eq!(accounts(&out).len(), 2);
}

#[test]
fn quoted_multiline_field_keeps_physical_lines() {
    let header = REPORT.lines().next().unwrap();
    let row = "u,arn:aws:iam::1:user/u,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,\
               false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
    let text = format!(
        "{header},note\n{row},\"two\nlines\"\n{}\n",
        row.replacen("u,", "v,", 1)
    );
    let out = parse(AwsExport::CredentialReportCsv, "q.csv", &text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(account(&out, "v").evidence.line, Some(4));
}

// ---- JSON wrapper --------------------------------------------------------------------------

#[test]
fn wrapper_decodes_to_the_same_records_pointing_at_content_line() {
    let out = parse_fixture("credential-report.json", REPORT_JSON);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let plain = parse_fixture("credential-report.json", REPORT);
    assert_eq!(accounts(&out).len(), accounts(&plain).len());
    assert_eq!(creds(&out.records).len(), creds(&plain.records).len());
    for a in accounts(&out) {
        assert_eq!(a.evidence, Evidence::at("credential-report.json", 2));
    }
    let mara = account(&out, "m.okafor");
    assert_eq!(mara.password_last_set, t("2026-08-03T14:22:51Z"));
    let k = cred(&out.records, "aws:m.okafor:access_key_1");
    assert_eq!(k.evidence, Evidence::at("credential-report.json", 2));
    assert_eq!(
        k.detail.as_deref(),
        Some("credential report access key slot 1, decoded report line 3; last used with s3 in eu-west-1")
    );
}

#[test]
fn wrapper_generated_time() {
    assert_eq!(generated_time(REPORT_JSON), Some(t("2026-08-21T06:00:00Z")));
    assert_eq!(generated_time(REPORT), None);
    assert_eq!(generated_time("{\"GeneratedTime\": \"N/A\"}"), None);
}

#[test]
fn bare_base64_content_is_a_report() {
    let out = parse_fixture("c.b64", fixture!("credential-report.b64.txt"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(accounts(&out).len(), 5);
    assert_eq!(
        account(&out, "ci-deploy").evidence,
        Evidence::at("c.b64", 1)
    );
}

#[test]
fn wrapper_tolerates_wrapped_base64() {
    let b64 = fixture!("credential-report.b64.txt").trim();
    let wrapped: Vec<String> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let text = format!(
        "{{\"Content\": \"{}\", \"GeneratedTime\": \"2026-08-21T06:00:00Z\"}}",
        wrapped.join("\\n")
    );
    let out = parse(AwsExport::CredentialReportJson, "w.json", &text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(accounts(&out).len(), 5);
}

#[test]
fn wrapper_errors() {
    let out = parse_fixture("bad.json", fixture!("credential-report-bad-base64.json"));
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
    assert_eq!(out.diagnostics[0].location.line, Some(2));

    let truncated = &REPORT_JSON[..REPORT_JSON.len() / 2];
    let out = parse(AwsExport::CredentialReportJson, "t.json", truncated);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
    assert!(out.diagnostics[0].location.line.is_some());

    let out = parse(
        AwsExport::CredentialReportJson,
        "n.json",
        "{\n  \"Content\": 42,\n  \"GeneratedTime\": \"x\"\n}",
    );
    assert_eq!(out.diagnostics[0].location, Evidence::at("n.json", 2));

    let out = parse(
        AwsExport::CredentialReportJson,
        "f.json",
        "{\"Content\": \"\", \"ReportFormat\": \"application/pdf\"}",
    );
    assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
}

#[test]
fn wrapper_bad_generated_time_is_malformed_but_used() {
    let text = REPORT_JSON.replace("2026-08-21T06:00:00+00:00", "sometime");
    let out = parse(AwsExport::CredentialReportJson, "g.json", &text);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Malformed);
    assert_eq!(out.diagnostics[0].location.line, Some(4));
    assert_eq!(accounts(&out).len(), 5);
}

#[test]
fn wrapper_row_problem_names_decoded_line() {
    let csv = REPORT.replace(
        "2026-08-03T14:22:51+00:00,2026-11-01",
        "03/08/2026,2026-11-01",
    );
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(csv);
    let text = format!("{{\n    \"Content\": \"{b64}\",\n    \"ReportFormat\": \"text/csv\"\n}}\n");
    let out = parse(AwsExport::CredentialReportJson, "w.json", &text);
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.location, Evidence::at("w.json", 2));
    assert!(
        d.message.starts_with("decoded credential report line 3: "),
        "{}",
        d.message
    );
}

// ---- listings ------------------------------------------------------------------------------

#[test]
fn access_key_listing() {
    let out = parse_fixture("lak.json", fixture!("list-access-keys.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let k = cred(&out.records, "AKIAZZEXAMPLE0000001");
    assert_eq!(k.kind, CredentialKind::AccessKey);
    assert_eq!(k.status, CredentialStatus::Active);
    assert_eq!(k.issued, t("2025-11-20T09:05:33Z"));
    assert_eq!(k.issued_basis, IssuedBasis::Recorded);
    assert_eq!(k.last_used, When::Unknown);
    assert_eq!(k.owner.as_ref().unwrap().login, "m.okafor");
    assert_eq!(k.evidence, Evidence::at("lak.json", 5));
}

#[test]
fn service_specific_credentials_listing() {
    let out = parse_fixture(
        "ssc.json",
        fixture!("list-service-specific-credentials.json"),
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let c = cred(&out.records, "ACCAZZEXAMPLE00000001");
    assert_eq!(c.kind, CredentialKind::AppPassword);
    assert_eq!(
        c.label,
        "codecommit.amazonaws.com service-specific credential"
    );
    assert_eq!(c.detail.as_deref(), Some("codecommit.amazonaws.com"));
    assert_eq!(c.expires, When::Never);
    assert_eq!(c.issued, t("2024-09-30T08:00:00Z"));
    assert_eq!(c.evidence.line, Some(8));
    let b = cred(&out.records, "ACCAZZEXAMPLE00000002");
    assert_eq!(b.expires, t("2026-10-01T10:00:00Z"));
    assert_eq!(b.evidence.line, Some(16));
}

#[test]
fn ssh_key_listing() {
    let out = parse_fixture("ssh.json", fixture!("list-ssh-public-keys.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let k = cred(&out.records, "APKAZZEXAMPLE0000001");
    assert_eq!(k.kind, CredentialKind::SshKey);
    assert_eq!(k.issued, t("2025-03-14T12:00:00Z"));
    assert_eq!(k.status, CredentialStatus::Active);
    assert_eq!(k.evidence.line, Some(5));
}

#[test]
fn several_users_in_an_array_with_cli_v1_dates() {
    let out = parse_fixture("all.json", fixture!("list-access-keys-all-users.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let found: Vec<(&str, &str, u32)> = creds(&out.records)
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                c.owner.as_ref().unwrap().login.as_str(),
                c.evidence.line.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("AKIAZZEXAMPLE0000002", "ci-deploy", 6),
            ("AKIAZZEXAMPLE0000003", "ci-deploy", 12),
            ("AKIAZZEXAMPLE0000004", "r.tanaka", 23),
            ("AKIAZZEXAMPLE0000005", "r.tanaka", 29),
        ]
    );
    assert_eq!(
        cred(&out.records, "AKIAZZEXAMPLE0000005").status,
        CredentialStatus::Inactive
    );
    assert_eq!(
        cred(&out.records, "AKIAZZEXAMPLE0000002").issued,
        t("2022-06-01T12:03:10Z")
    );
}

#[test]
fn concatenated_cli_loop_output_with_boto3_dates() {
    let out = parse_fixture("loop.json", fixture!("list-access-keys-loop.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let j = cred(&out.records, "AKIAZZEXAMPLE0000006");
    assert_eq!(j.issued, t("2026-05-12T09:31:40Z"));
    assert_eq!(j.evidence.line, Some(5));
    assert_eq!(
        cred(&out.records, "AKIAZZEXAMPLE0000001").evidence.line,
        Some(20)
    );
}

#[test]
fn json_lines_with_a_broken_line() {
    let out = parse_fixture("c.jsonl", fixture!("list-credentials.jsonl"));
    let ids: Vec<(&str, u32)> = creds(&out.records)
        .iter()
        .map(|c| (c.id.as_str(), c.evidence.line.unwrap()))
        .collect();
    assert_eq!(
        ids,
        [
            ("AKIAZZEXAMPLE0000002", 1),
            ("APKAZZEXAMPLE0000002", 3),
            ("ACCAZZEXAMPLE00000003", 4),
        ]
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Malformed);
    assert!(matches!(out.diagnostics[0].location.line, Some(2 | 3)));
    assert_eq!(
        cred(&out.records, "ACCAZZEXAMPLE00000003").status,
        CredentialStatus::Expired
    );
}

#[test]
fn minified_listing_points_at_line_one() {
    let text = r#"{"AccessKeyMetadata":[{"UserName":"a","AccessKeyId":"AKIAZZEXAMPLE0000030","Status":"Active","CreateDate":"2025-01-01T00:00:00Z"},{"UserName":"b","AccessKeyId":"AKIAZZEXAMPLE0000031","Status":"Active","CreateDate":"2025-01-01T00:00:00Z"}]}"#;
    let out = parse(AwsExport::AccessKeys, "m.json", text);
    assert!(out.diagnostics.is_empty());
    assert_eq!(creds(&out.records).len(), 2);
    assert!(creds(&out.records)
        .iter()
        .all(|c| c.evidence.line == Some(1)));
}

#[test]
fn truncated_listing_keeps_complete_items() {
    let out = parse_fixture("t.json", fixture!("list-access-keys-truncated.json"));
    let ids: Vec<(&str, u32)> = creds(&out.records)
        .iter()
        .map(|c| (c.id.as_str(), c.evidence.line.unwrap()))
        .collect();
    assert_eq!(
        ids,
        [("AKIAZZEXAMPLE0000010", 5), ("AKIAZZEXAMPLE0000011", 11)]
    );
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.kind, DiagKind::Malformed);
    assert!(d.message.contains("truncated"), "{}", d.message);
    // One policy for every JSON source (was a warning here): the scan is incomplete.
    assert_eq!(d.severity, Severity::Error);
    assert!(d.makes_incomplete());
    assert!(
        d.message
            .contains("complete items before this point were used"),
        "{}",
        d.message
    );
}

#[test]
fn wrong_types_and_bad_values() {
    let out = parse_fixture("w.json", fixture!("list-access-keys-wrong-types.json"));
    // Items with a usable id survive with unknown fields; the rest are skipped.
    let ids: Vec<&str> = creds(&out.records).iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["AKIAZZEXAMPLE0000020", "AKIAZZEXAMPLE0000021"]);
    let a = cred(&out.records, "AKIAZZEXAMPLE0000020");
    assert_eq!(a.issued, When::Unknown);
    assert_eq!(a.issued_basis, IssuedBasis::Unknown);
    let b = cred(&out.records, "AKIAZZEXAMPLE0000021");
    assert_eq!(b.status, CredentialStatus::Unknown);
    assert_eq!(b.issued, When::Unknown);
    let kinds: Vec<(DiagKind, Severity)> = out
        .diagnostics
        .iter()
        .map(|d| (d.kind, d.severity))
        .collect();
    // CreateDate number; AccessKeyId number; Status; CreateDate text; non-object; no id;
    // IsTruncated.
    assert_eq!(kinds.len(), 7, "{:?}", out.diagnostics);
    // Each problem points at its field's line, a skipped element at its own first line.
    let lines: Vec<u32> = out
        .diagnostics
        .iter()
        .map(|d| d.location.line.unwrap())
        .collect();
    assert_eq!(lines, [7, 11, 18, 19, 21, 22, 27]);
    assert!(out.diagnostics.iter().all(|d| d.location.line.is_some()));
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagKind::Incomplete && d.message.contains("IsTruncated")));
    assert!(out
        .diagnostics
        .iter()
        .all(|d| !d.message.contains("yesterday")));
}

#[test]
fn ids_that_are_not_iam_ids_are_refused() {
    let text = r#"{"AccessKeyMetadata":[{"UserName":"a","AccessKeyId":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYZZEXAMPLE","Status":"Active"}]}"#;
    let out = parse(AwsExport::AccessKeys, "s.json", text);
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert!(!out.diagnostics[0].message.contains("wJalr"));
}

#[test]
fn listing_edge_inputs_never_panic() {
    for text in [
        "",
        "   \n",
        "{",
        "[",
        "[1, \"x\", null]",
        "null",
        "{\"AccessKeyMetadata\": 5}",
        "{\"AccessKeyMetadata\": [1, [], {}]}",
        "{\"AccessKeyMetadata\": [{\"AccessKeyId\": \"AKIA\\u0041\"}]}",
        "}\n{\n\"SSHPublicKeys\": [\n",
        "\u{feff}{\"SSHPublicKeys\": []}",
        "{\"x\": \"\\\"{\"}\n{\"SSHPublicKeys\": [{\"SSHPublicKeyId\": \"APKAZZ\", \"UserName\": \"é\"}]}",
    ] {
        let out = parse(AwsExport::AccessKeys, "e.json", text);
        assert!(out.diagnostics.iter().all(|d| d.location.line.is_some()));
    }
    let out = parse(
        AwsExport::SshPublicKeys,
        "u.json",
        "{\"SSHPublicKeys\": [{\"SSHPublicKeyId\": \"APKAZZ\"}]}",
    );
    assert_eq!(creds(&out.records).len(), 1);
    assert!(creds(&out.records)[0].owner.is_none());
    assert_eq!(out.diagnostics.len(), 1);
}

#[test]
fn report_edge_inputs_never_panic() {
    for text in [
        "",
        "\u{feff}",
        "user,arn,user_creation_time",
        "\"unterminated",
        "a\nb\n",
    ] {
        let out = parse(AwsExport::CredentialReportCsv, "e.csv", text);
        assert!(out.records.is_empty());
        let out = parse(AwsExport::CredentialReportJson, "e.json", text);
        assert!(out.records.is_empty());
    }
}

// ---- join ----------------------------------------------------------------------------------

fn joined() -> Vec<Record> {
    let mut records = Vec::new();
    for (name, text) in [
        ("credential-report.csv", REPORT),
        ("list-access-keys.json", fixture!("list-access-keys.json")),
        ("all.json", fixture!("list-access-keys-all-users.json")),
        ("loop.json", fixture!("list-access-keys-loop.json")),
    ] {
        records.extend(parse_fixture(name, text).records);
    }
    join(&mut records);
    records
}

#[test]
fn join_folds_report_slots_into_listed_keys() {
    let records = joined();
    let ids: Vec<&str> = creds(&records).iter().map(|c| c.id.as_str()).collect();
    // r.tanaka's cert stays; every report key slot found its listed key.
    assert!(!ids.iter().any(|id| id.contains(":access_key_")), "{ids:?}");
    assert!(ids.contains(&"aws:r.tanaka:cert_1"));
    let k = cred(&records, "AKIAZZEXAMPLE0000002");
    assert!(!k.placeholder, "a listed key is named by its id");
    assert_eq!(k.last_used, t("2026-08-21T02:15:00Z"));
    assert_eq!(k.evidence, Evidence::at("all.json", 6));
    assert_eq!(k.related, [Evidence::at("credential-report.csv", 4)]);
    assert_eq!(
        k.detail.as_deref(),
        Some("credential report access key slot 1; last used with ecr in us-east-1")
    );
    // ci-deploy slot 2 (never used) joined by CreateDate to the second key.
    assert_eq!(
        cred(&records, "AKIAZZEXAMPLE0000003").last_used,
        When::Never
    );
    assert_eq!(
        cred(&records, "AKIAZZEXAMPLE0000004").related,
        [Evidence::at("credential-report.csv", 6)]
    );
    // A key with no report slot is untouched.
    let k5 = cred(&records, "AKIAZZEXAMPLE0000005");
    assert!(k5.related.is_empty());
    assert_eq!(k5.last_used, When::Unknown);
}

#[test]
fn join_matches_every_listed_copy_deterministically() {
    // m.okafor's key is listed twice (two files): the first by (id, evidence) gets the slot.
    let records = joined();
    let copies: Vec<&Credential> = creds(&records)
        .into_iter()
        .filter(|c| c.id == "AKIAZZEXAMPLE0000001")
        .collect();
    assert_eq!(copies.len(), 2);
    let merged: Vec<_> = copies.iter().filter(|c| !c.related.is_empty()).collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].evidence, Evidence::at("list-access-keys.json", 5));
    assert_eq!(merged[0].last_used, t("2026-08-19T23:10:00Z"));
    assert_eq!(joined(), records);
}

#[test]
fn join_needs_same_user_and_time_within_a_second() {
    let mut records = parse_fixture("credential-report.csv", REPORT).records;
    let listing = r#"[
 {"AccessKeyMetadata": [{"UserName": "j.lindqvist", "AccessKeyId": "AKIAZZEXAMPLE0000040", "Status": "Inactive", "CreateDate": "2026-05-12T09:31:41Z"}]},
 {"AccessKeyMetadata": [{"UserName": "m.okafor", "AccessKeyId": "AKIAZZEXAMPLE0000041", "Status": "Active", "CreateDate": "2025-11-20T09:05:35Z"}]},
 {"AccessKeyMetadata": [{"UserName": "someone", "AccessKeyId": "AKIAZZEXAMPLE0000042", "Status": "Active", "CreateDate": "2022-06-01T12:03:10Z"}]}
]"#;
    records.extend(parse(AwsExport::AccessKeys, "l.json", listing).records);
    join(&mut records);
    // Within 1 s: joined; the listing's status wins, last use comes from the report.
    let j = cred(&records, "AKIAZZEXAMPLE0000040");
    assert_eq!(j.related, [Evidence::at("credential-report.csv", 5)]);
    assert_eq!(j.status, CredentialStatus::Inactive);
    assert_eq!(j.last_used, When::Never);
    assert_eq!(j.evidence, Evidence::at("l.json", 2));
    // 2 s apart, or another user: not joined; the slots stay.
    assert!(cred(&records, "AKIAZZEXAMPLE0000041").related.is_empty());
    assert!(cred(&records, "AKIAZZEXAMPLE0000042").related.is_empty());
    cred(&records, "aws:m.okafor:access_key_1");
    cred(&records, "aws:ci-deploy:access_key_1");
    assert!(creds(&records)
        .iter()
        .all(|c| c.id != "aws:j.lindqvist:access_key_1"));
}

#[test]
fn every_sentinel_is_never_a_date() {
    let header = REPORT.lines().next().unwrap();
    for sentinel in [
        "N/A",
        "n/a",
        "no_information",
        "not_supported",
        "NOT_SUPPORTED",
        "",
    ] {
        let s = sentinel;
        // Every time column holds the sentinel; key 1 is active so the slot is emitted.
        let text = format!(
            "{header}\nu,arn:aws:iam::1:user/u,{s},true,{s},{s},{s},false,\
             true,{s},{s},{s},{s},false,{s},{s},{s},{s},true,{s},false,{s}\n"
        );
        let out = parse(AwsExport::CredentialReportCsv, "s.csv", &text);
        assert!(out.diagnostics.is_empty(), "{s}: {:?}", out.diagnostics);
        let a = account(&out, "u");
        assert_eq!(a.password_last_set, When::Unknown, "{s}");
        assert_eq!(a.created, When::Unknown, "{s}");
        let k = cred(&out.records, "aws:u:access_key_1");
        assert_eq!(k.issued, When::Unknown, "{s}");
        // Only `N/A` on an active key means "never used".
        let expected = if s.eq_ignore_ascii_case("N/A") {
            When::Never
        } else {
            When::Unknown
        };
        assert_eq!(k.last_used, expected, "{s}");
        assert_eq!(cred(&out.records, "aws:u:cert_1").issued, When::Unknown);
        assert_eq!(creds(&out.records).len(), 2, "{s}");
    }
}

#[test]
fn not_supported_password_and_epoch_dates() {
    let header = REPORT.lines().next().unwrap();
    let text = format!(
        "{header}\nu,arn:aws:iam::1:user/u,1970-01-01T00:00:00+00:00,not_supported,N/A,\
         1970-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let out = parse(AwsExport::CredentialReportCsv, "e.csv", &text);
    let a = account(&out, "u");
    assert_eq!(a.password, PasswordState::Unknown);
    assert_eq!(a.password_last_set, When::Unknown);
    assert_eq!(a.created, When::Unknown);
    assert!(creds(&out.records).is_empty());
}

#[test]
fn account_kinds_from_arn() {
    use super::report::account_kind;
    assert_eq!(
        account_kind("x", "arn:aws:iam::1:<root_account>"),
        AccountKind::Root
    );
    assert_eq!(
        account_kind("b", "arn:aws:iam::1:user/system/b"),
        AccountKind::Service
    );
    assert_eq!(
        account_kind("b", "arn:aws:iam::1:user/Service/b"),
        AccountKind::Service
    );
    assert_eq!(
        account_kind("b", "arn:aws:iam::1:user/svc-batch/b"),
        AccountKind::Service
    );
    // A service-like user *name* is not a path segment.
    assert_eq!(
        account_kind("svc", "arn:aws:iam::1:user/svc"),
        AccountKind::Human
    );
    assert_eq!(
        account_kind("b", "arn:aws:iam::1:user/eng/b"),
        AccountKind::Human
    );
    assert_eq!(
        account_kind("b", "arn:aws-cn:iam::1:user/b"),
        AccountKind::Human
    );
    assert_eq!(account_kind("b", ""), AccountKind::Unknown);
    assert_eq!(
        account_kind("b", "arn:aws:iam::1:role/b"),
        AccountKind::Unknown
    );
}

#[test]
fn truncated_fixtures_never_panic() {
    let all = [
        REPORT,
        REPORT_JSON,
        fixture!("credential-report-crlf-bom.csv"),
        fixture!("credential-report-bad-rows.csv"),
        fixture!("list-service-specific-credentials.json"),
        fixture!("list-access-keys-all-users.json"),
        fixture!("list-access-keys-wrong-types.json"),
        fixture!("list-credentials.jsonl"),
    ];
    let kinds = [
        AwsExport::CredentialReportCsv,
        AwsExport::CredentialReportJson,
        AwsExport::AccessKeys,
    ];
    for text in all {
        for cut in (0..text.len())
            .step_by(5)
            .filter(|c| text.is_char_boundary(*c))
        {
            let part = &text[..cut];
            let _ = sniff(part);
            for kind in kinds {
                let out = parse(kind, "p", part);
                assert!(out.diagnostics.iter().all(|d| d.location.path == "p"));
            }
        }
    }
}

/// Issue 13: a credential report cut mid-row is an error at the cut (the scan is incomplete);
/// a report whose last row merely lacks a trailing newline is fine.
#[test]
fn credential_report_cut_mid_row_is_an_error() {
    let full = std::fs::read_to_string(format!(
        "{}/fixtures/sources/aws/credential-report.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let cut = &full[..full.len() * 2 / 3];
    let out = parse_fixture("credential-report.csv", cut);
    let errors: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.makes_incomplete())
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("ends in the middle of a row (truncated?)"),
        "{errors:?}"
    );
    let whole = parse_fixture("credential-report.csv", full.trim_end());
    assert!(whole.diagnostics.iter().all(|d| !d.makes_incomplete()));
}
