//! Runs every rule fixture: `fixtures/rules/<CODE>/<case>/` holds an input tree and an
//! `expect.yml` (as-of time, extra arguments, and the exact findings expected with only that rule
//! selected). Cases named `fail*` must have findings; cases named `pass*` must have none.
//! Adding a rule or a case needs no new test code.

use crate::common::{resetgap, root, scan_json, summarize};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    as_of: String,
    #[serde(default)]
    args: Vec<String>,
    findings: Vec<String>,
}

#[test]
fn every_rule_has_fail_and_pass_fixtures_that_behave() {
    let rules_dir = root().join("fixtures/rules");
    let mut codes: Vec<_> = std::fs::read_dir(&rules_dir)
        .expect("fixtures/rules exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    codes.sort();
    // Every rule in the catalog has fixtures.
    let listed = resetgap().arg("rules").output().expect("runs");
    let listing = String::from_utf8_lossy(&listed.stdout);
    for line in listing.lines().filter(|l| l.starts_with("RG")) {
        let code = line.split_whitespace().next().unwrap_or_default();
        assert!(
            rules_dir.join(code).is_dir(),
            "rule {code} has no fixtures in fixtures/rules/{code}"
        );
    }
    let mut failures = Vec::new();
    let mut cases = 0;
    for code_dir in codes {
        let code = code_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut kinds = (false, false);
        let mut case_dirs: Vec<_> = std::fs::read_dir(&code_dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        case_dirs.sort();
        for case in case_dirs.into_iter().filter(|p| p.is_dir()) {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let expect_text = std::fs::read_to_string(case.join("expect.yml"))
                .unwrap_or_else(|_| panic!("{code}/{name}: missing expect.yml"));
            let expect: Expect = serde_yaml_ng::from_str(&expect_text)
                .unwrap_or_else(|e| panic!("{code}/{name}/expect.yml: {e}"));
            let input = case.join("input");
            let mut args = vec![
                input.to_string_lossy().into_owned(),
                "--select".into(),
                code.clone(),
                "--as-of".into(),
                expect.as_of.clone(),
            ];
            args.extend(
                expect
                    .args
                    .iter()
                    .map(|a| a.replace("{case}", &case.to_string_lossy())),
            );
            let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let (_, report, stderr) = scan_json(&arg_refs);
            let got = summarize(&report);
            if name.starts_with("fail") {
                kinds.0 = true;
                if expect.findings.is_empty() {
                    failures.push(format!("{code}/{name}: a fail case must expect findings"));
                }
            } else if name.starts_with("pass") {
                kinds.1 = true;
                if !expect.findings.is_empty() {
                    failures.push(format!(
                        "{code}/{name}: a pass case must expect no findings"
                    ));
                }
            }
            if got != expect.findings {
                failures.push(format!(
                    "{code}/{name}:\n  expected: {:#?}\n  got:      {:#?}\n  stderr: {stderr}",
                    expect.findings, got
                ));
            }
            cases += 1;
        }
        if !(kinds.0 && kinds.1) {
            failures.push(format!(
                "{code}: needs at least one fail* and one pass* case"
            ));
        }
    }
    assert!(
        cases >= 12,
        "expected fixtures for every rule, found {cases} cases"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
