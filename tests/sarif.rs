//! The SARIF contract (see README, "SARIF output"): structure checked field by field, a snapshot of
//! the whole log for the demo estate, and validation with `shared/tools/validate-sarif` (the
//! official schema and GitHub's ingestion rules) when `../shared` is present.

use crate::common::{resetgap, sarif_validator, AS_OF};
use serde_json::Value;

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
        assert!(fp["primaryLocationLineHash"].is_string() && fp["resetgap/v1"].is_string());
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

#[test]
fn fingerprints_survive_moving_files() {
    let dir = tempfile::tempdir().unwrap();
    let src = crate::common::root().join("fixtures/rules/RG101/fail-used-after-reset/input");
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
    let fps = |path: &std::path::Path| -> Vec<String> {
        let out = resetgap()
            .arg("scan")
            .arg(path)
            .args(["--as-of", AS_OF, "--format", "sarif", "--no-progress"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut f: Vec<String> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["resetgap/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        f.sort();
        f
    };
    let before = fps(&src);
    assert!(!before.is_empty());
    assert_eq!(before, fps(dir.path()));
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
