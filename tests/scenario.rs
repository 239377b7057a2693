//! The combined reset scenario of issue 4 (`fixtures/scenarios/mara-reset`): one person reset in
//! Entra ID, with an old AWS key, a GitHub PAT (listed and in `.git-credentials`), a Google app
//! password, a Vault token and an authenticator registered before the reset. Every finding and
//! its related evidence is pinned; the Entra reset record is the related evidence everywhere.

use crate::common::{scan_json, summarize};

const DIR: &str = "fixtures/scenarios/mara-reset";
const AS_OF: &str = "2026-08-21T12:00:00Z";

#[test]
fn one_reset_many_survivors() {
    let input = format!("{DIR}/input");
    let ids = format!("{DIR}/identities.yml");
    let (code, report, stderr) = scan_json(&[&input, "--identities", &ids, "--as-of", AS_OF]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        summarize(&report),
        [
            // Used 2026-08-19, after the Entra reset: errors.
            "RG101 error aws/list-access-keys.json:5 m.okafor",
            "RG101 error github/credential-authorizations.json:4 mokafor-ex",
            // Issued 2026-07-28, before the reset; no use recorded.
            "RG101 warning vault/token-lookup.json:7 m.okafor",
            "RG105 warning entra/users.json:10 m.okafor@example.org",
            "RG107 warning entra/auth-methods.json:12 m.okafor@example.org",
            "RG201 warning google/asps.json:6 m.okafor@example.org",
            "RG202 warning github/credential-authorizations.json:4 mokafor-ex",
            "RG202 warning vault/token-lookup.json:7 m.okafor",
            "RG501 warning home/mara/.git-credentials:1 mokafor-ex",
        ]
    );
    let findings = report["findings"].as_array().unwrap();
    for f in findings {
        let related: Vec<String> = f["related"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|x| {
                        format!(
                            "{}:{}",
                            x["location"]["path"].as_str().unwrap(),
                            x["location"]["line"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        match f["rule"].as_str().unwrap() {
            // Each reset-based finding carries the Entra reset record.
            "RG101" | "RG105" | "RG107" | "RG201" => {
                assert!(related.contains(&"entra/users.json:9".to_string()), "{f}")
            }
            // The PAT in .git-credentials is joined to the GitHub listing by its last eight.
            "RG501" => assert_eq!(related, ["github/credential-authorizations.json:4"], "{f}"),
            _ => {}
        }
    }
    // Entra app passwords cannot be exported: said, not passed over in silence.
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["severity"] == "note"
            && d["location"]["path"] == "entra/users.json"
            && d["message"].as_str().unwrap().contains("app passwords")),
        "{diags:?}"
    );
    // Reports show at most the last four characters of the token.
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("9fK2Lq0Z"), "the token's last eight leaked");
    assert!(
        !text.contains("ZZfakeScenarioTokenForMara"),
        "the token leaked"
    );
}

#[test]
fn without_the_identity_map_the_github_login_stays_apart() {
    let input = format!("{DIR}/input");
    let (_, report, _) = scan_json(&[&input, "--as-of", AS_OF]);
    let got = summarize(&report);
    assert!(
        !got.iter()
            .any(|f| f.starts_with("RG101") && f.contains("mokafor-ex")),
        "{got:#?}"
    );
    // The rest still links by login (m.okafor on AWS, Entra, Google and Vault).
    assert!(
        got.contains(&"RG101 error aws/list-access-keys.json:5 m.okafor".to_string()),
        "{got:#?}"
    );
}

#[test]
fn locale_dates_are_refused_with_the_option_to_set() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "fixtures/sources/entra/users-export-locale.csv",
        dir.path().join("users.csv"),
    )
    .unwrap();
    let (code, report, stderr) = scan_json(&[
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--fail-on",
        "none",
        "--fail-on-incomplete",
    ]);
    assert_eq!(code, 3, "refused: the scan is incomplete: {stderr}");
    assert!(stderr.contains("--assume-date-locale"), "{stderr}");
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["severity"] == "error" && d["location"]["path"] == "users.csv"),
        "{diags:?}"
    );
    // With the option the same file is read.
    let (code, report, stderr) = scan_json(&[
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--fail-on",
        "none",
        "--assume-date-locale",
        "en-US",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["severity"] != "error"));
}
