//! Identity-first reports: the story groups, the urgency order, the scope every report states
//! (coverage of each rule, as-of time, rule set), and quiet stderr.

use crate::common::{resetgap, scan_json, AS_OF};
use serde_json::Value;

fn text_of(args: &[&str]) -> (String, String) {
    let out = resetgap()
        .arg("scan")
        .args(args)
        .args(["--as-of", AS_OF, "--no-progress"])
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn text_report_opens_with_mokafors_story_and_the_key_used_after_the_reset() {
    let (text, _) = text_of(&["fixtures/estate"]);
    let story = text.find("\n== ").expect("story groups");
    let first = &text[story + 1..];
    assert!(first.starts_with("== m.okafor: "), "{first}");
    // One header with every linked account, whatever each system calls it, and how they were
    // linked (names only: a weak link).
    let header: String = first.lines().take(4).collect::<Vec<_>>().join("\n");
    for account in [
        "m.okafor@aws",
        "m.okafor@web01",
        "mokafor@corp.example.test",
    ] {
        assert!(header.contains(account), "{header}");
    }
    assert!(header.contains("last reset: 2026-08-05"), "{header}");
    assert!(
        header.contains(
            "linked by:  names only (weak; confirm with --identities): UPN local part m.okafor"
        ),
        "{header}"
    );
    // The first finding under it was used after the reset.
    let item = first
        .lines()
        .find(|l| l.trim_start().starts_with("1. "))
        .unwrap();
    assert!(item.contains("USED AFTER THE RESET"), "{item}");
    // Every finding of m.okafor sits in that one group, under three spellings of the login.
    let group_end = first[3..].find("\n== ").map_or(first.len(), |i| i + 3);
    let group = &first[..group_end];
    let (_, report, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    let of_mara = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["identity"] == "m.okafor")
        .count();
    // Eight survived her reset; the ninth is her privilege-15 user on core-sw1, which it did not
    // reach, and the tenth her password in WS01's Winlogon auto-logon value.
    assert_eq!(of_mara, 10, "the ten things her reset left open");
    assert_eq!(
        group
            .lines()
            .filter(|l| l
                .trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
                && l.contains(". RG"))
            .count(),
        of_mara,
        "{group}"
    );
}

#[test]
fn findings_are_ordered_used_after_reset_then_level_then_age() {
    let (_, report, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    let findings = report["findings"].as_array().unwrap();
    for group in report["story"].as_array().unwrap() {
        let items: Vec<&Value> = group["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &findings[i.as_u64().unwrap() as usize])
            .collect();
        let used: Vec<bool> = items
            .iter()
            .map(|f| f.get("used_after_reset").is_some())
            .collect();
        let mut sorted = used.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(used, sorted, "used-after-reset first in {}", group["name"]);
        let rank = |f: &Value| match f["level"].as_str() {
            Some("error") => 3,
            Some("warning") => 2,
            _ => 1,
        };
        for pair in items.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let same_use =
                a.get("used_after_reset").is_some() == b.get("used_after_reset").is_some();
            assert!(
                !same_use || rank(a) >= rank(b),
                "level order in {}",
                group["name"]
            );
        }
    }
    // Every finding is in exactly one group.
    let mut seen: Vec<u64> = report["story"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            g["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap())
        })
        .collect();
    seen.sort();
    assert_eq!(seen, (0..findings.len() as u64).collect::<Vec<_>>());
}

#[test]
fn findings_carry_identity_system_and_subject() {
    let (_, report, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    let findings = report["findings"].as_array().unwrap();
    let key = findings
        .iter()
        .find(|f| f["rule"] == "RG101" && f["level"] == "error")
        .expect("the AWS key used after the reset");
    assert_eq!(key["identity"], "m.okafor");
    assert_eq!(key["system"], "aws");
    assert_eq!(key["subject"], "m.okafor@aws");
    assert_eq!(key["used_after_reset"], "2026-08-19T23:10:00Z");
    let setting = findings.iter().find(|f| f["rule"] == "RG401").unwrap();
    assert!(setting.get("identity").is_none() || setting["identity"].is_string());
    assert!(
        setting["subject"].as_str().unwrap().contains(" on "),
        "{setting}"
    );
    for f in findings {
        assert!(f["subject"].is_string(), "{f}");
    }
}

#[test]
fn identities_file_name_is_the_identity_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.yml");
    std::fs::write(
        &ids,
        "Mara Okafor:\n  - aws:m.okafor\n  - web01:m.okafor\n  - corp.example.test:mokafor\n",
    )
    .unwrap();
    let ids = ids.to_str().unwrap();
    let (text, _) = text_of(&["fixtures/estate", "--identities", ids]);
    assert!(text.contains("\n== Mara Okafor: "), "{text}");
    let (_, report, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF, "--identities", ids]);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["identity"] == "Mara Okafor"));
}

#[test]
fn rules_without_their_input_are_not_assessed_in_every_format() {
    let (_, report, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    let scope = &report["scope"];
    assert_eq!(scope["asOf"], AS_OF);
    assert!(scope["ruleSet"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(scope["roots"], serde_json::json!(["estate"]));
    let coverage = scope["coverage"].as_array().unwrap();
    let state = |rule: &str| {
        coverage
            .iter()
            .find(|c| c["rule"] == rule)
            .map(|c| c["assessed"].as_bool().unwrap())
    };
    for rule in ["RG105", "RG106", "RG107", "RG108", "RG606"] {
        assert_eq!(state(rule), Some(false), "{rule}");
    }
    for rule in ["RG101", "RG102", "RG301", "RG501"] {
        assert_eq!(state(rule), Some(true), "{rule}");
    }
    // Text: not a row of zeros.
    let (text, _) = text_of(&["fixtures/estate"]);
    let row = text.lines().find(|l| l.starts_with("RG105 ")).unwrap();
    assert!(
        row.contains("not assessed") && !row.contains(" 0 "),
        "{row}"
    );
    assert!(
        text.contains("RG105  needs an Entra ID or Okta users export"),
        "{text}"
    );
    // SARIF: run properties and a notification per rule not assessed.
    let out = resetgap()
        .args([
            "scan",
            "fixtures/estate",
            "--format",
            "sarif",
            "--as-of",
            AS_OF,
            "--no-progress",
        ])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["properties"]["scope"]["asOf"], AS_OF);
    let not_assessed: Vec<&str> = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["descriptor"]["id"] == "not-assessed")
        .map(|n| n["associatedRule"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        not_assessed,
        [
            "RG105", "RG106", "RG107", "RG108", "RG601", "RG602", "RG603", "RG604", "RG606",
            "RG607"
        ]
    );
}

#[test]
fn an_entra_export_makes_the_session_rule_assessed() {
    let (_, report, _) = scan_json(&["fixtures/scenarios/mara-reset/input", "--as-of", AS_OF]);
    let coverage = report["scope"]["coverage"].as_array().unwrap();
    let rg105 = coverage.iter().find(|c| c["rule"] == "RG105").unwrap();
    assert_eq!(rg105["assessed"], true, "{rg105}");
}

#[test]
fn stderr_aggregates_recurring_problems_and_v_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        std::fs::write(
            dir.path().join(format!("blob{i}.bin")),
            [0u8, 159, 146, 150, 0, 1, 2],
        )
        .unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let (_, stderr) = text_of(&[path]);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("[binary]")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("40 inputs"), "{stderr}");
    let (_, verbose) = text_of(&[path, "-v"]);
    assert_eq!(
        verbose.lines().filter(|l| l.contains("[binary]")).count(),
        40,
        "{verbose}"
    );
    // Text reports count the problems but list them on stderr only.
    let (text, _) = text_of(&[path]);
    assert!(text.contains("40 input problems"), "{text}");
    assert!(!text.contains("[binary]"), "{text}");
}
