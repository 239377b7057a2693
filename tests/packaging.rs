//! Packaging and rule docs (issue 10, items 7 and 9): the JUnit and GitLab SAST outputs checked
//! structurally against their schemas, the GitHub Action and pre-commit manifests, the generated
//! rule pages (`docs/rules`, the SARIF `helpUri` targets), every rule's declared levels against
//! what its fixtures emit, and rule docs free of internal references.

use crate::common::{resetgap, root, scan_json, AS_OF};
use resetgap::rule::Catalog;
use std::collections::BTreeSet;

fn scan_format(format: &str, args: &[&str]) -> String {
    let out = resetgap()
        .args(["scan", "fixtures/estate", "--as-of", AS_OF, "--no-progress"])
        .args(["--format", format, "--fail-on", "none"])
        .args(args)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn estate_findings() -> Vec<serde_json::Value> {
    let (_, json, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF, "--fail-on", "none"]);
    json["findings"].as_array().expect("findings").clone()
}

fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> lacks {name}", n.tag_name().name()))
}

fn count(n: roxmltree::Node<'_, '_>, name: &str) -> usize {
    attr(n, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a count"))
}

/// The structure the common JUnit schemas (Jenkins' junit.xsd, Ant's) require and CI parsers read:
/// `<testsuites>` of `<testsuite name tests failures errors skipped>` of `<testcase name
/// classname>`, each with at most one of failure/error/skipped; counts that add up.
#[test]
fn junit_output_is_well_formed_and_counts_add_up() {
    let xml = scan_format("junit", &[]);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root_el = doc.root_element();
    assert_eq!(root_el.tag_name().name(), "testsuites");
    let catalog = Catalog::bundled().expect("rules");
    let suites: Vec<_> = root_el.children().filter(|n| n.is_element()).collect();
    assert!(suites.iter().all(|s| s.tag_name().name() == "testsuite"));
    // One suite per rule (plus input problems when there are any).
    let rule_suites = suites
        .iter()
        .filter(|s| attr(**s, "name").starts_with("RG"))
        .count();
    assert_eq!(rule_suites, catalog.rules.len());
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    let mut names = BTreeSet::new();
    for s in &suites {
        let cases: Vec<_> = s.children().filter(|n| n.is_element()).collect();
        assert!(cases.iter().all(|c| c.tag_name().name() == "testcase"));
        assert_eq!(count(*s, "tests"), cases.len(), "{}", attr(*s, "name"));
        let outcome = |kind: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|x| x.tag_name().name() == kind))
                .count()
        };
        assert_eq!(count(*s, "failures"), outcome("failure"));
        assert_eq!(count(*s, "errors"), outcome("error"));
        assert_eq!(count(*s, "skipped"), outcome("skipped"));
        for c in &cases {
            assert!(!attr(*c, "classname").is_empty());
            assert!(
                names.insert(attr(*c, "name").to_string()),
                "duplicate test case name"
            );
            let verdicts: Vec<_> = c
                .children()
                .filter(|x| ["failure", "error", "skipped"].contains(&x.tag_name().name()))
                .collect();
            assert!(verdicts.len() <= 1);
            for v in verdicts.iter().filter(|v| v.tag_name().name() != "skipped") {
                assert!(!attr(*v, "message").is_empty());
                assert!(!attr(*v, "type").is_empty());
            }
        }
        tests += cases.len();
        failures += count(*s, "failures");
        errors += count(*s, "errors");
        skipped += count(*s, "skipped");
    }
    assert_eq!(count(root_el, "tests"), tests);
    assert_eq!(count(root_el, "failures"), failures);
    assert_eq!(count(root_el, "errors"), errors);
    assert_eq!(count(root_el, "skipped"), skipped);
    // Every error and warning is a failure; notes pass.
    let findings = estate_findings();
    let failing = findings
        .iter()
        .filter(|f| f["suppressed"].is_null() && f["level"] != "note")
        .count();
    assert!(failing > 0);
    assert_eq!(failures, failing);
    // A rule without findings is one passing case.
    let rg105 = suites
        .iter()
        .find(|s| attr(**s, "name").starts_with("RG105"))
        .expect("RG105 suite");
    assert_eq!(count(*rg105, "tests"), 1);
    assert_eq!(count(*rg105, "failures"), 0);
}

#[test]
fn junit_marks_suppressed_findings_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("allow.yml");
    std::fs::write(
        &list,
        "- account: svc_backup\n  host: \"*\"\n  reason: backup agent, ticket SEC-1\n",
    )
    .unwrap();
    let xml = scan_format("junit", &["--allow-admins", list.to_str().unwrap()]);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let skipped: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "skipped")
        .collect();
    assert!(!skipped.is_empty(), "{xml}");
    assert!(skipped
        .iter()
        .all(|s| s.attribute("message") == Some("backup agent, ticket SEC-1")));
}

/// The requirements of GitLab's `sast-report-format.json` (security-report-schemas 15.x) that a
/// producer must meet; the schema file itself was not available to vendor, so they are written
/// out here: required top-level, scan and vulnerability fields, the time pattern, the severity
/// enumeration, non-empty identifiers, and ids that are unique.
#[test]
fn gitlab_output_meets_the_sast_report_schema() {
    let text = scan_format("gitlab", &[]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["version"], "15.2.1");
    assert!(v["schema"]
        .as_str()
        .unwrap()
        .ends_with("/v15.2.1/dist/sast-report-format.json"));
    let scan = &v["scan"];
    for tool in ["analyzer", "scanner"] {
        for key in ["id", "name", "version"] {
            assert!(
                scan[tool][key].as_str().is_some_and(|s| !s.is_empty()),
                "{tool}.{key}"
            );
        }
        assert!(scan[tool]["vendor"]["name"].is_string());
    }
    assert_eq!(scan["type"], "sast");
    assert!(["success", "failure"].contains(&scan["status"].as_str().unwrap()));
    let time = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$").unwrap();
    for key in ["start_time", "end_time"] {
        assert!(time.is_match(scan[key].as_str().unwrap()), "{key}");
    }
    let vulns = v["vulnerabilities"].as_array().expect("vulnerabilities");
    let unsuppressed = estate_findings()
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .count();
    assert_eq!(vulns.len(), unsuppressed);
    let severities = ["Info", "Unknown", "Low", "Medium", "High", "Critical"];
    let mut ids = BTreeSet::new();
    for x in vulns {
        let id = x["id"].as_str().expect("id");
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(x["name"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(x["description"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(severities.contains(&x["severity"].as_str().unwrap()));
        assert!(x["location"]["file"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        if let Some(line) = x["location"].get("start_line") {
            assert!(line.as_u64().is_some_and(|l| l >= 1));
        }
        let idents = x["identifiers"].as_array().expect("identifiers");
        assert!(!idents.is_empty());
        for i in idents {
            for key in ["type", "name", "value"] {
                assert!(
                    i[key].as_str().is_some_and(|s| !s.is_empty()),
                    "identifier {key}"
                );
            }
        }
        // Fields removed from vulnerabilities in schema 15 must not appear.
        for gone in ["message", "cve", "scanner", "category"] {
            assert!(x.get(gone).is_none(), "{gone} is not in schema 15");
        }
    }
    // The key used after the reset is critical or high.
    assert!(vulns.iter().any(|x| x["severity"] == "High"));
}

fn yaml(path: &str) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(root().join(path)).expect(path);
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn github_action_manifest_is_complete() {
    let a = yaml("action.yml");
    for key in ["name", "description", "inputs", "runs"] {
        assert!(a.get(key).is_some(), "action.yml lacks {key}");
    }
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    for input in ["paths", "category", "fail-on", "args", "version"] {
        let i = &a["inputs"][input];
        assert!(
            i["description"].is_string(),
            "input {input} lacks a description"
        );
    }
    let steps = a["runs"]["steps"].as_sequence().expect("steps");
    for s in steps {
        assert!(
            s.get("uses").is_some() || s["shell"].as_str() == Some("bash"),
            "composite run steps need a shell"
        );
    }
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(
        upload["with"]["category"].as_str(),
        Some("${{ inputs.category }}")
    );
    let scan = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("scan"))
        .expect("a scan step");
    let run = scan["run"].as_str().unwrap();
    assert!(run.contains("--format sarif") && run.contains("--fail-on none"));
}

/// The action's shell steps pass shellcheck (when installed; `.ci/run` installs it). `${{ }}`
/// expressions are only used in `env:`, never inside scripts (script injection).
#[test]
fn github_action_scripts_pass_shellcheck() {
    let a = yaml("action.yml");
    let scripts: Vec<String> = a["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_string))
        .collect();
    assert!(scripts.len() >= 3);
    for s in &scripts {
        assert!(!s.contains("${{"), "expression inside a script:\n{s}");
    }
    if std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("SKIPPED shellcheck of action.yml: shellcheck is not installed");
        }
        return;
    }
    for s in &scripts {
        let mut child = std::process::Command::new("shellcheck")
            .args(["--shell=bash", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "shellcheck:\n{}\n{s}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn pre_commit_hook_manifest_is_complete() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    let h = hooks
        .iter()
        .find(|h| h["id"].as_str() == Some("resetgap"))
        .expect("hook resetgap");
    for key in ["name", "entry", "language"] {
        assert!(h[key].is_string(), "hook lacks {key}");
    }
    assert!(["rust", "system"].contains(&h["language"].as_str().unwrap()));
    assert_eq!(h["pass_filenames"].as_bool(), Some(false));
    assert!(h["entry"].as_str().unwrap().starts_with("resetgap scan"));
}

#[test]
fn rule_pages_are_generated_and_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = resetgap()
        .args(["rules", "docs"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed = root().join("docs/rules");
    let mut stale = Vec::new();
    let mut generated: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    generated.sort();
    for name in &generated {
        let new = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let old = std::fs::read_to_string(committed.join(name)).unwrap_or_default();
        if new != old {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    let committed_names = std::fs::read_dir(&committed)
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(
        stale.is_empty() && committed_names == generated.len(),
        "docs/rules is out of date ({stale:?}): run `resetgap rules docs docs/rules`"
    );
    // Every rule has a page, linked from SARIF as helpUri.
    let catalog = Catalog::bundled().unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&scan_format("sarif", &[])).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), catalog.rules.len());
    for r in rules {
        let id = r["id"].as_str().unwrap();
        let uri = r["helpUri"].as_str().expect("helpUri");
        assert_eq!(
            uri,
            format!("https://github.com/resetgap/resetgap/blob/main/docs/rules/{id}.md")
        );
        assert!(committed.join(format!("{id}.md")).is_file());
    }
}

/// `rules` lists every level a rule can emit; no fixture may produce another.
#[test]
fn fixtures_emit_only_declared_levels() {
    let catalog = Catalog::bundled().unwrap();
    let mut problems = Vec::new();
    let mut seen = 0;
    for entry in walk(&root().join("fixtures/rules")) {
        if entry.file_name().and_then(|n| n.to_str()) != Some("expect.yml") {
            continue;
        }
        let text = std::fs::read_to_string(&entry).unwrap();
        let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        for f in v["findings"].as_sequence().into_iter().flatten() {
            let mut words = f.as_str().unwrap_or_default().split_whitespace();
            let (code, level) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let Some(rule) = catalog.find(code) else {
                continue;
            };
            seen += 1;
            if !rule.meta.levels.iter().any(|l| l.as_str() == level) {
                problems.push(format!(
                    "{}: {code} emits {level}, not in its levels {}",
                    entry.display(),
                    rule.meta.levels_text()
                ));
            }
        }
    }
    assert!(seen > 50, "only {seen} expected findings read");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let list = resetgap().arg("rules").output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("error/warning/note"), "{text}");
    // The negative: a level outside the list is rejected when the rule files are loaded.
    let bad = std::fs::read_to_string(root().join("rules/checks/RG303.yml"))
        .unwrap()
        .replace("levels: [note]", "levels: [warning]");
    let err = resetgap::rule::meta::parse("RG303.yml", &bad).unwrap_err();
    assert!(err.iter().any(|e| e.contains("default level")), "{err:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Rule docs reach users (SARIF help, `rules explain`, docs/rules): no research notes or
/// repository-internal files they do not have, and 800-63B always with its revision.
#[test]
fn rule_docs_cite_only_public_sources() {
    let issue = regex::Regex::new(r"(?i)\bissue #?\d").unwrap();
    for e in walk(&root().join("rules/checks")) {
        let all = std::fs::read_to_string(&e).unwrap();
        // URLs are public by definition; the prose around them is what is checked.
        let text: String = all
            .lines()
            .filter(|l| !l.contains("://"))
            .collect::<Vec<_>>()
            .join("\n");
        for internal in ["formats-", "reviews/", "shared/", "reference/"] {
            assert!(
                !text.contains(internal),
                "{} mentions `{internal}`",
                e.display()
            );
        }
        assert!(
            !issue.is_match(&text),
            "{} cites a project issue",
            e.display()
        );
        assert!(
            !text.contains("nist-sp-800-63b:"),
            "{}: name the 800-63B revision (nist-sp-800-63b-4)",
            e.display()
        );
    }
}

/// The README's rule table is one unbroken Markdown table (a blank line inside it ends the table
/// on GitHub) with one row per rule, whose level column lists the rule's levels.
#[test]
fn readme_rule_table_is_whole_and_matches_the_catalog() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("| Code | Name | Level | What it finds |")
        .expect("rule table header");
    let rows: Vec<&str> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let catalog = Catalog::bundled().unwrap();
    let mut problems = Vec::new();
    for r in &catalog.rules {
        let m = &r.meta;
        match rows
            .iter()
            .find(|l| l.starts_with(&format!("| {} |", m.code)))
        {
            None => problems.push(format!("{} has no row in the table", m.code)),
            Some(row) => {
                let cells: Vec<&str> = row.split(" | ").collect();
                let levels = cells.get(2).map(|c| c.replace(' ', "")).unwrap_or_default();
                if levels != m.levels_text() {
                    problems.push(format!(
                        "{}: README says {levels}, the rule emits {}",
                        m.code,
                        m.levels_text()
                    ));
                }
            }
        }
    }
    assert_eq!(rows.len(), catalog.rules.len(), "rows: {rows:#?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
