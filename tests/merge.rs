//! The merge does not depend on file names: the same exports under every permutation of names
//! (`fixtures/scenarios/merge-order`: an Entra `$select` users export and a default "get user"
//! response of the same person, and an AWS credential report as CSV and as its JSON wrapper
//! beside the key listing) give the same findings, fingerprints and related evidence. Renaming
//! a file used to decide which export's record was kept, turning an RG105 finding on and off.

use crate::common::{resetgap, SCAN_JSON_AS_OF};
use std::collections::BTreeMap;
use std::fs;

const DIR: &str = "fixtures/scenarios/merge-order";
const FILES: [&str; 5] = [
    "users-select.json",
    "get-user.json",
    "credential-report.csv",
    "credential-report.json",
    "list-access-keys.json",
];

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for i in 0..=p.len() {
            let mut q = p.clone();
            q.insert(i, n - 1);
            out.push(q);
        }
    }
    out
}

/// Findings with every path mapped back to the original file name.
fn scan_renamed(names: &BTreeMap<String, String>, dir: &std::path::Path) -> Vec<String> {
    let out = resetgap()
        .args(SCAN_JSON_AS_OF)
        .arg(dir)
        .output()
        .expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let back = |p: &serde_json::Value| {
        let p = p.as_str().unwrap_or("?");
        names.get(p).cloned().unwrap_or_else(|| p.to_string())
    };
    let mut findings: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let mut related: Vec<String> = f["related"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .map(|x| {
                            format!("{}:{}", back(&x["location"]["path"]), x["location"]["line"])
                        })
                        .collect()
                })
                .unwrap_or_default();
            related.sort();
            format!(
                "{} {} {}:{} {} {} {} | {}",
                f["rule"],
                f["level"],
                back(&f["location"]["path"]),
                f["location"]["line"],
                f["account"],
                f["fingerprint"],
                f["message"],
                related.join(" ")
            )
        })
        .collect();
    findings.sort();
    findings
}

#[test]
fn every_permutation_of_file_names_gives_the_same_findings() {
    let names: Vec<String> = (0..FILES.len())
        .map(|i| format!("export-{i}.json"))
        .collect();
    let mut first: Option<Vec<String>> = None;
    for perm in permutations(FILES.len()) {
        let tmp = tempfile::tempdir().unwrap();
        let mut back = BTreeMap::new();
        for (file, &slot) in FILES.iter().zip(&perm) {
            fs::copy(format!("{DIR}/{file}"), tmp.path().join(&names[slot])).unwrap();
            back.insert(names[slot].clone(), file.to_string());
        }
        let findings = scan_renamed(&back, tmp.path());
        match &first {
            None => {
                assert!(
                    findings.iter().any(|f| f.starts_with("\"RG105\"")),
                    "the reset with stale sessions is found: {findings:#?}"
                );
                assert!(
                    findings.iter().any(|f| f.starts_with("\"RG101\"")),
                    "the key listed in two exports is found: {findings:#?}"
                );
                first = Some(findings);
            }
            Some(expected) => assert_eq!(&findings, expected, "names {perm:?}"),
        }
    }
}
