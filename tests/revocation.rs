//! The revocation model in findings (issue 8, `src/rule/revocation.rs`): a credential its own
//! system's password change revokes is not reported as surviving it, and messages name the
//! system whose reset does or does not revoke the credential. The cases are rule fixtures
//! (`fixtures/rules/<CODE>/`); `tests/rules.rs` pins their findings, this pins their words.

use crate::common::{root, scan_json};

/// Messages of the findings of one rule fixture case, run as `tests/rules.rs` runs it.
fn messages(code: &str, case: &str, identities: bool) -> Vec<String> {
    let dir = root().join("fixtures/rules").join(code).join(case);
    let input = dir.join("input");
    let ids = dir.join("identities.yml");
    let mut args = vec![
        input.to_str().unwrap(),
        "--select",
        code,
        "--as-of",
        "2026-08-21T12:00:00Z",
    ];
    if identities {
        args.extend(["--identities", ids.to_str().unwrap()]);
    }
    let (_, report, stderr) = scan_json(&args);
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{code}/{case}: {stderr}"))
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn entra_reset_does_not_revoke_an_aws_access_key() {
    let m = messages("RG101", "fail-entra-reset-aws-access-key", true);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].ends_with("A password change in Entra ID does not revoke an AWS access key."),
        "{}",
        m[0]
    );
}

#[test]
fn google_reset_revokes_an_older_app_password() {
    // Google revokes app passwords when the Google password changes: no survivor to report.
    assert!(messages("RG201", "pass-google-reset-revoked-app-password", false).is_empty());
    // An Entra reset alone does not reach Google's app password: still reported, both named.
    let m = messages("RG201", "fail-entra-reset-google-app-password", true);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains("before the password reset of 2026-08-03")
            && m[0]
                .ends_with("A password change in Entra ID does not revoke a Google app password."),
        "{}",
        m[0]
    );
}
