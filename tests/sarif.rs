//! The SARIF contract (see README, "SARIF output"): structure checked field by field, a snapshot of
//! the whole log for the demo estate, and validation with `shared/tools/validate-sarif` (the
//! official schema and GitHub's ingestion rules) when `../shared` is present.

use crate::common::{resetgap, sarif_validator, AS_OF};
use serde_json::Value;
use std::collections::BTreeMap;

fn estate_sarif() -> (Vec<u8>, Value) {
    let out = resetgap()
        .args([
            "scan",
            "fixtures/estate",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
            // URIs from the scanned directory, so the snapshot does not depend on the checkout
            // being a git work tree (tests/github.rs covers the git root).
            "--uri-root",
            "scanned",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout, v)
}

#[test]
fn sarif_contract() {
    let (_, log) = estate_sarif();
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run");
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "resetgap");
    assert!(
        driver["semanticVersion"]
            .as_str()
            .unwrap()
            .split('.')
            .count()
            == 3
    );
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "rules sorted, each once");
    for code in ["RG101", "RG102", "RG201", "RG301", "RG401", "RG501"] {
        assert!(ids.contains(&code), "{code} listed");
    }
    for r in rules {
        for field in [
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!r[field].is_null(), "{} has {field}", r["id"]);
        }
        assert!(r["help"]["text"].is_string() && r["help"]["markdown"].is_string());
        let props = &r["properties"];
        assert!(props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "security"));
        assert!(props["precision"].is_string());
        let sev: f64 = props["security-severity"]
            .as_str()
            .expect("security-severity is a string")
            .parse()
            .unwrap();
        assert!(sev > 0.0 && sev <= 10.0);
    }
    let results = runs[0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let mut keys = Vec::new();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains('\\') && !uri.contains("://"),
            "relative uri: {uri}"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        let fp = &r["partialFingerprints"];
        assert!(fp["primaryLocationLineHash"].is_string() && fp["resetgap/v2"].is_string());
        let text = r["message"]["text"].as_str().unwrap();
        let first_sentence = text.split(". ").next().unwrap();
        if let Some(account) = r["properties"]["account"].as_str() {
            let name = if account == "ALL" {
                "Every user"
            } else {
                account
            };
            assert!(
                first_sentence.contains(name),
                "first sentence names {account}: {text}"
            );
        } else {
            assert!(
                r["properties"]["host"].is_string(),
                "host-level results name the host"
            );
        }
        keys.push((
            r["ruleId"].as_str().unwrap().to_string(),
            uri.to_string(),
            loc["region"]["startLine"].as_u64().unwrap(),
        ));
    }
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(keys, sorted_keys, "results sorted by rule and location");
    // The reset record is related evidence of a reset finding.
    let rg101 = results
        .iter()
        .find(|r| r["ruleId"] == "RG101" && r["level"] == "error")
        .unwrap();
    let related = rg101["relatedLocations"].as_array().unwrap();
    assert!(related
        .iter()
        .any(|l| l["physicalLocation"]["artifactLocation"]["uri"] == "aws/credential-report.csv"));
    assert!(runs[0]["invocations"][0]["toolExecutionNotifications"].is_array());
}

/// Fingerprints of every result of a scan of `path` (all rules), by what each result is about:
/// rule, account and credential.
fn fingerprints(path: &std::path::Path) -> BTreeMap<(String, String, String), String> {
    let out = resetgap()
        .arg("scan")
        .arg(path)
        .args(["--as-of", AS_OF, "--format", "sarif", "--no-progress"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut map = BTreeMap::new();
    for r in v["runs"][0]["results"].as_array().unwrap() {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let key = (
            text(&r["ruleId"]),
            text(&r["properties"]["account"]),
            text(&r["properties"]["credential"]),
        );
        let fp = text(&r["partialFingerprints"]["resetgap/v2"]);
        assert!(!fp.is_empty(), "every result has a resetgap/v2 fingerprint");
        assert!(
            map.insert(key.clone(), fp).is_none(),
            "{key:?} reported once"
        );
    }
    map
}

/// The RG101 fixture whose fingerprints the tests below follow: two AWS users reset after their
/// keys were issued.
fn rg101_input() -> std::path::PathBuf {
    crate::common::root().join("fixtures/rules/RG101/fail-used-after-reset/input")
}

/// Copies the RG101 fixture into `dir` (each file under the name `rename` gives it) and adds
/// `extra` files.
fn copy_with(dir: &std::path::Path, rename: impl Fn(&str) -> String, extra: &[(&str, &str)]) {
    for f in ["credential-report.csv", "list-access-keys.json"] {
        let to = dir.join(rename(f));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(rg101_input().join(f), to).unwrap();
    }
    for (name, text) in extra {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Every finding of `before` is still reported in `after`, with the same fingerprint.
fn assert_kept(
    before: &BTreeMap<(String, String, String), String>,
    after: &BTreeMap<(String, String, String), String>,
    why: &str,
) {
    assert!(!before.is_empty());
    for (key, fp) in before {
        assert_eq!(
            after.get(key),
            Some(fp),
            "{why}: fingerprint of {key:?} changed"
        );
    }
}

#[test]
fn fingerprints_survive_moving_files() {
    let dir = tempfile::tempdir().unwrap();
    let src = rg101_input();
    let moved = dir.path().join("exports/2026/aws");
    std::fs::create_dir_all(&moved).unwrap();
    for f in ["credential-report.csv", "list-access-keys.json"] {
        // Reordered: an extra blank line shifts every row.
        let text = std::fs::read_to_string(src.join(f)).unwrap();
        std::fs::write(
            moved.join(f),
            if f.ends_with(".json") {
                format!("\n{text}")
            } else {
                text
            },
        )
        .unwrap();
    }
    let before = fingerprints(&src);
    let after = fingerprints(dir.path());
    assert_kept(&before, &after, "moving files");
    assert_eq!(before.len(), after.len());
}

#[test]
fn fingerprints_survive_renaming_files() {
    let dir = tempfile::tempdir().unwrap();
    copy_with(dir.path(), |f| format!("b/{}", f.replace('-', "_")), &[]);
    let before = fingerprints(&rg101_input());
    let after = fingerprints(dir.path());
    assert_kept(&before, &after, "renaming files");
    assert_eq!(before.len(), after.len());
}

/// Issue 7 part 5: an AD export that links a.lund (by the UPN's local part) used to change the
/// identity cluster's key, and with it every fingerprint of a.lund.
#[test]
fn fingerprints_survive_adding_a_linked_export() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = "dn: CN=Anna Lund,CN=Users,DC=ad,DC=example\n\
                objectClass: user\n\
                sAMAccountName: alund\n\
                userPrincipalName: a.lund@ad.example\n";
    copy_with(dir.path(), str::to_string, &[("0-directory.ldif", ldif)]);
    let before = fingerprints(&rg101_input());
    let after = fingerprints(dir.path());
    assert_kept(&before, &after, "adding a linked export");
    // The export was read and linked: the identity now holds the AD account.
    let identities = dir.path().join("inventory.jsonl");
    resetgap()
        .arg("scan")
        .arg(dir.path())
        .args([
            "--as-of",
            AS_OF,
            "--no-progress",
            "--fail-on",
            "none",
            "--emit-inventory",
        ])
        .arg(&identities)
        .assert()
        .success();
    let inventory = std::fs::read_to_string(&identities).unwrap();
    assert!(
        inventory
            .lines()
            .any(|l| l.contains(r#""record":"identity""#)
                && l.contains("ad.example:alund")
                && l.contains("aws:a.lund")),
        "the LDIF entry links a.lund:\n{inventory}"
    );
}

#[test]
fn fingerprints_survive_adding_an_unrelated_export() {
    let dir = tempfile::tempdir().unwrap();
    let ldif = "dn: CN=Aaron Berg,CN=Users,DC=ad,DC=example\n\
                objectClass: user\n\
                sAMAccountName: aberg\n\
                userPrincipalName: aaron.berg@ad.example\n";
    let keys = r#"{"AccessKeyMetadata": [{"UserName": "c.dahl", "AccessKeyId": "AKIAZZFIXTUREQQQQBQD", "Status": "Active", "CreateDate": "2025-03-01T00:00:00+00:00"}], "IsTruncated": false}"#;
    copy_with(
        dir.path(),
        str::to_string,
        &[("0-directory.ldif", ldif), ("0-other-keys.json", keys)],
    );
    let before = fingerprints(&rg101_input());
    let after = fingerprints(dir.path());
    assert_kept(&before, &after, "adding an unrelated export");
}

#[test]
fn sarif_snapshot() {
    let (bytes, _) = estate_sarif();
    insta::assert_snapshot!("estate_sarif", String::from_utf8(bytes).unwrap());
}

#[test]
#[allow(clippy::print_stderr)]
fn sarif_passes_the_validator() {
    let Some(validator) = sarif_validator() else {
        eprintln!("SKIPPED: ../shared/tools/validate-sarif is not beside this checkout; SARIF not validated");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.sarif");
    resetgap()
        .args([
            "scan",
            "fixtures/estate",
            "fixtures/rules",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
            "--fail-on",
            "none",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success();
    let out = std::process::Command::new("bash")
        .arg(&validator)
        .arg("-q")
        .arg(&file)
        .output()
        .expect("validator runs");
    assert!(
        out.status.success(),
        "validate-sarif rejected our SARIF:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
