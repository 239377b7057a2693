//! Delivery to CI and auditors (issue 10, part B): SARIF URIs from the git root, the category,
//! the 25,000-result cap, suppressed results in SARIF, exit codes of incomplete scans, baselines,
//! exceptions with expiry, `diff`, the configuration layers and `resetgap config`, and output
//! paths checked before the scan.

use crate::common::{copy_tree, resetgap, root, sarif_validator, say, AS_OF};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `resetgap` with no RESETGAP_* variable of the caller's environment.
fn cmd() -> assert_cmd::Command {
    let mut c = resetgap();
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("RESETGAP_") {
            c.env_remove(k);
        }
    }
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = cmd().current_dir(dir).args(args).output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Runs validate-sarif on FILE (extra args first); skips with a message when ../shared is absent.
fn validate(file: &Path, extra: &[&str]) {
    let Some(validator) = sarif_validator() else {
        say("SKIPPED: ../shared/tools/validate-sarif is not beside this checkout; SARIF not validated");
        return;
    };
    let out = std::process::Command::new("bash")
        .arg(&validator)
        .args(extra)
        .arg("-q")
        .arg(file)
        .output()
        .expect("validator runs");
    assert!(
        out.status.success(),
        "validate-sarif rejected {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every artifact URI of a SARIF log: results, related locations and notifications.
fn uris(log: &Value) -> Vec<String> {
    let run = &log["runs"][0];
    let mut out = Vec::new();
    let mut take = |locs: &Value| {
        for l in locs.as_array().into_iter().flatten() {
            if let Some(u) = l["physicalLocation"]["artifactLocation"]["uri"].as_str() {
                out.push(u.to_string());
            }
        }
    };
    for r in run["results"].as_array().unwrap() {
        take(&r["locations"]);
        take(&r["relatedLocations"]);
    }
    for n in run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
    {
        take(&n["locations"]);
    }
    out
}

/// A temporary git work tree (a `.git` directory is all it takes) holding the estate at
/// `evidence/`.
fn repo_with_evidence() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    copy_tree(&root().join("fixtures/estate"), &repo.join("evidence"));
    (dir, repo)
}

#[test]
fn sarif_uris_are_relative_to_the_git_root() {
    let (_dir, repo) = repo_with_evidence();
    let r = run(
        &repo,
        &[
            "scan",
            "evidence",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
            "-o",
            "out.sarif",
            "--category",
            "prod",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let log = json(&std::fs::read_to_string(repo.join("out.sarif")).unwrap());
    let all = uris(&log);
    assert!(all.len() > 20, "{all:?}");
    for u in &all {
        assert!(u.starts_with("evidence/"), "{u}");
        assert!(
            repo.join(u).is_file(),
            "{u} names no file from the repository root"
        );
    }
    let run0 = &log["runs"][0];
    assert_eq!(run0["automationDetails"]["id"], "prod/");
    assert!(
        run0["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
            .as_str()
            .unwrap()
            .contains("git work tree")
    );
    validate(&repo.join("out.sarif"), &[]);

    // From inside evidence/ as well, and for a single file.
    let r = run(
        &repo.join("evidence"),
        &[
            "scan",
            "aws/list-access-keys.json",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
        ],
    );
    for u in uris(&json(&r.stdout)) {
        assert!(repo.join(&u).is_file(), "{u}");
    }

    // --uri-root scanned, or no work tree: relative to the scanned directory, no category.
    std::fs::remove_dir(repo.join(".git")).unwrap();
    let r = run(
        &repo,
        &[
            "scan",
            "evidence",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
        ],
    );
    let log = json(&r.stdout);
    if crate::common::root().join(".git").exists() && repo.starts_with(root()) {
        return; // the temp dir is inside this checkout; nothing more to tell
    }
    for u in uris(&log) {
        assert!(!u.starts_with("evidence/"), "{u}");
        assert!(repo.join("evidence").join(&u).is_file(), "{u}");
    }
    assert!(log["runs"][0].get("automationDetails").is_none());
}

#[test]
fn sarif_keeps_the_most_severe_25000_results() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev");
    copy_tree(&root().join("fixtures/estate"), &ev);
    // 26 files of 1,000 distinct AWS access key ids: 26,000 RG501 warnings.
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".chars().collect();
    let mut n: u64 = 0x9E37_79B9;
    std::fs::create_dir_all(ev.join("bulk")).unwrap();
    for f in 0..26 {
        let mut text = String::new();
        for i in 0..1000 {
            let key: String = (0..16)
                .map(|_| {
                    n = n
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(n >> 59) as usize]
                })
                .collect();
            text.push_str(&format!("AWS_ACCESS_KEY_ID_{i}=AKIA{key}\n"));
        }
        std::fs::write(ev.join(format!("bulk/app{f}.env")), text).unwrap();
    }
    let out = dir.path().join("out.sarif");
    let r = run(
        dir.path(),
        &[
            "scan",
            "ev",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
            "--fail-on",
            "none",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("exceed GitHub's limit of 25000"),
        "{}",
        r.stderr
    );
    let log = json(&std::fs::read_to_string(&out).unwrap());
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes
        .iter()
        .any(|n| n["descriptor"]["id"] == "results-truncated"
            && n["message"]["text"].as_str().unwrap().contains("26")));
    // Every error of the full scan is kept (the estate's errors outrank the bulk warnings).
    let full = run(
        dir.path(),
        &[
            "scan",
            "ev",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--no-progress",
        ],
    );
    let full = json(&full.stdout);
    let errors = |v: &[Value], key: &str| v.iter().filter(|f| f[key] == "error").count();
    let full_errors = errors(full["findings"].as_array().unwrap(), "level");
    assert!(full_errors > 0);
    assert_eq!(errors(results, "level"), full_errors);
    assert!(full["findings"].as_array().unwrap().len() > 25_000);
    validate(&out, &["--no-multitool"]);
}

fn allow_admins(dir: &Path) -> PathBuf {
    let p = dir.join("allow.yml");
    std::fs::write(
        &p,
        "- account: alice\n  host: 'web*'\n  reason: platform on-call, CHG-2041\n",
    )
    .unwrap();
    p
}

#[test]
fn sarif_suppressed_omit_and_include() {
    let dir = tempfile::tempdir().unwrap();
    let allow = allow_admins(dir.path());
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "fixtures/estate",
            "--as-of",
            AS_OF,
            "--format",
            "sarif",
            "--no-progress",
            "--allow-admins",
            allow.to_str().unwrap(),
        ];
        args.extend(extra);
        let r = run(&root(), &args);
        assert_eq!(r.code, 1, "{}", r.stderr);
        json(&r.stdout)
    };
    let alice = |log: &Value| -> Vec<Value> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["ruleId"] == "RG301" && r["properties"]["account"] == "alice")
            .cloned()
            .collect()
    };
    let omitted = scan(&[]);
    assert!(
        alice(&omitted).is_empty(),
        "suppressed results are omitted by default"
    );
    let included = scan(&["--sarif-suppressed", "include"]);
    let a = alice(&included);
    assert_eq!(a.len(), 1);
    let s = &a[0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert!(s["justification"].as_str().unwrap().contains("CHG-2041"));
    assert_eq!(
        included["runs"][0]["results"].as_array().unwrap().len(),
        omitted["runs"][0]["results"].as_array().unwrap().len() + 1
    );
}

#[test]
fn fail_on_none_never_fails_even_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/sources/entra/users-export-locale.csv"),
        dir.path().join("users.csv"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let base = [
        "scan",
        d,
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--no-progress",
    ];
    let code = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        run(&root(), &a).code
    };
    assert_eq!(code(&["--fail-on", "none"]), 0);
    assert_eq!(code(&["--fail-on", "none", "--fail-on-incomplete"]), 3);
    assert_eq!(
        code(&[]),
        3,
        "a gating threshold keeps exit 3 for an incomplete scan"
    );
}

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev");
    copy_tree(&root().join("fixtures/estate"), &ev);
    let scan = ["scan", "ev", "--as-of", AS_OF, "--no-progress"];
    let r = run(
        dir.path(),
        &[
            "baseline",
            "ev",
            "--as-of",
            AS_OF,
            "--no-progress",
            "-o",
            "base.json",
        ],
    );
    assert_eq!(r.code, 0, "findings never gate a baseline: {}", r.stderr);
    let base = json(&std::fs::read_to_string(dir.path().join("base.json")).unwrap());
    let total = base["findings"].as_array().unwrap().len();
    assert!(total > 10);

    // Unchanged evidence: nothing new, exit 0 although findings remain.
    let mut args = scan.to_vec();
    args.extend(["--baseline", "base.json", "--format", "json"]);
    let r = run(dir.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        json(&r.stdout)["baseline"],
        serde_json::json!({"new": 0, "unchanged": total, "fixed": 0})
    );

    // One secret added, one file with one finding removed.
    std::fs::write(
        ev.join("repos/billing-api/.env.local"),
        "AWS_ACCESS_KEY_ID=AKIAQRSTUVWXYZ234567\n",
    )
    .unwrap();
    std::fs::remove_file(ev.join("repos/billing-api/config/database.yml")).unwrap();
    let r = run(dir.path(), &args);
    assert_eq!(r.code, 1, "the new warning gates: {}", r.stderr);
    let report = json(&r.stdout);
    assert_eq!(
        report["baseline"],
        serde_json::json!({"new": 1, "unchanged": total - 1, "fixed": 1})
    );
    let states: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["baseline_state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "new").count(), 1);
    assert!(r.stderr.contains("1 new, "), "{}", r.stderr);

    // The text report lists only the new finding; SARIF marks every result.
    let mut text = scan.to_vec();
    text.extend(["--baseline", "base.json"]);
    let r = run(dir.path(), &text);
    assert!(r.stdout.contains(".env.local"), "{}", r.stdout);
    assert!(!r.stdout.contains("corp-ad.ldif"), "{}", r.stdout);
    let mut sarif = scan.to_vec();
    sarif.extend([
        "--baseline",
        "base.json",
        "--format",
        "sarif",
        "-o",
        "new.sarif",
    ]);
    assert_eq!(run(dir.path(), &sarif).code, 1);
    let log = json(&std::fs::read_to_string(dir.path().join("new.sarif")).unwrap());
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results
            .iter()
            .filter(|r| r["baselineState"] == "new")
            .count(),
        1
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| r["baselineState"] == "unchanged")
            .count(),
        total - 1
    );
    validate(&dir.path().join("new.sarif"), &[]);

    // A SARIF baseline works the same way.
    let mut again = scan.to_vec();
    again.extend(["--baseline", "new.sarif", "--format", "json"]);
    let r = run(dir.path(), &again);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json(&r.stdout)["baseline"]["new"], 0);

    // diff OLD NEW, as text and JSON.
    let r = run(dir.path(), &["diff", "base.json", "new.sarif"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with(&format!("1 new, 1 fixed, {} unchanged", total - 1)),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("new:\n  RG501"), "{}", r.stdout);
    assert!(
        r.stdout.contains("database.yml"),
        "the fixed one is listed: {}",
        r.stdout
    );
    let r = run(
        dir.path(),
        &["diff", "base.json", "new.sarif", "--format", "json"],
    );
    let d = json(&r.stdout);
    assert_eq!(
        d["summary"],
        serde_json::json!({"new": 1, "unchanged": total - 1, "fixed": 1})
    );
    assert!(d["fixed"][0]["location"]
        .as_str()
        .unwrap()
        .contains("database.yml"));
    // Not a resetgap report: exit 2.
    std::fs::write(dir.path().join("other.json"), "{\"x\": 1}").unwrap();
    assert_eq!(
        run(dir.path(), &["diff", "base.json", "other.json"]).code,
        2
    );
}

const EXCEPTIONS: &str = "exceptions:
  - rule: RG101
    account: 'm.*'
    reason: key rotation scheduled
    approved_by: j.doe
    ticket: CHG-7
    expires: 2026-08-20
";

#[test]
fn exceptions_suppress_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev");
    copy_tree(&root().join("fixtures/estate"), &ev);
    std::fs::write(ev.join("resetgap.yml"), EXCEPTIONS).unwrap();
    let scan = |as_of: &str| {
        let r = run(
            dir.path(),
            &[
                "scan",
                "ev",
                "--as-of",
                as_of,
                "--format",
                "json",
                "--no-progress",
                "--select",
                "RG101",
            ],
        );
        (r.code, json(&r.stdout), r.stderr)
    };
    let okafor = |v: &Value| -> Vec<Value> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["account"] == "m.okafor")
            .cloned()
            .collect()
    };
    // Live through its expiry date (UTC).
    let (_, live, _) = scan("2026-08-20T23:59:00Z");
    let f = okafor(&live);
    assert!(!f.is_empty());
    for f in &f {
        assert_eq!(f["suppressed"]["ticket"], "CHG-7");
        assert_eq!(f["suppressed"]["approved_by"], "j.doe");
        assert_eq!(f["suppressed"]["expires"], "2026-08-20");
        assert!(f.get("expired_exception").is_none());
    }
    // Expired the day after: no longer suppressed, and the finding says so.
    let (code, expired, stderr) = scan(AS_OF);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("exception CHG-7 expired on 2026-08-20"),
        "{stderr}"
    );
    for f in okafor(&expired) {
        assert!(f.get("suppressed").is_none());
        assert_eq!(f["expired_exception"]["ticket"], "CHG-7");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("expired on 2026-08-20"),
            "{f}"
        );
    }
    // In SARIF (included): kind external, status accepted, a justification naming all four.
    let r = run(
        dir.path(),
        &[
            "scan",
            "ev",
            "--as-of",
            "2026-08-01T00:00:00Z",
            "--format",
            "sarif",
            "--no-progress",
            "--select",
            "RG101",
            "--sarif-suppressed",
            "include",
        ],
    );
    let log = json(&r.stdout);
    let s = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["account"] == "m.okafor")
        .unwrap()["suppressions"][0]
        .clone();
    assert_eq!(s["status"], "accepted");
    let j = s["justification"].as_str().unwrap();
    for part in ["key rotation scheduled", "j.doe", "CHG-7", "2026-08-20"] {
        assert!(j.contains(part), "{j}");
    }
    // An entry without its ticket, or with a bad date, is an error (exit 2).
    std::fs::write(
        ev.join("resetgap.yml"),
        EXCEPTIONS.replace("    ticket: CHG-7\n", ""),
    )
    .unwrap();
    let r = run(dir.path(), &["scan", "ev", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("ticket"), "{}", r.stderr);
    std::fs::write(
        ev.join("resetgap.yml"),
        EXCEPTIONS.replace("2026-08-20", "next week"),
    )
    .unwrap();
    let r = run(dir.path(), &["scan", "ev", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a date"), "{}", r.stderr);
}

#[test]
fn config_precedence_file_env_cli() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev");
    copy_tree(&root().join("fixtures/estate"), &ev);
    std::fs::write(
        ev.join("resetgap.yml"),
        "scan:\n  fail-on: none\n  max-credential-age: 30\n  krbtgt-max-age: 100\n  no-progress: true\n  select: [RG101, RG102]\n",
    )
    .unwrap();
    let config = |env: &[(&str, &str)], extra: &[&str]| {
        let mut c = cmd();
        c.current_dir(dir.path()).args(["config", "ev"]).args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let line = |text: &str, key: &str| -> String {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("{key} in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let out = config(
        &[
            ("RESETGAP_MAX_CREDENTIAL_AGE", "60"),
            ("RESETGAP_KRBTGT_MAX_AGE", "200"),
            ("RESETGAP_LDAP_PASSWORD", "hunter2-secret"),
        ],
        &["--krbtgt-max-age", "300"],
    );
    assert!(out.contains("resetgap.yml"), "{out}");
    assert_eq!(line(&out, "fail-on"), "fail-on none (file)");
    assert_eq!(
        line(&out, "max-credential-age"),
        "max-credential-age 60 (env RESETGAP_MAX_CREDENTIAL_AGE)"
    );
    assert_eq!(line(&out, "krbtgt-max-age"), "krbtgt-max-age 300 (cli)");
    assert_eq!(
        line(&out, "service-max-age"),
        "service-max-age 365 (default)"
    );
    assert_eq!(line(&out, "select"), "select RG101,RG102 (file)");
    assert_eq!(
        line(&out, "RESETGAP_LDAP_PASSWORD"),
        "RESETGAP_LDAP_PASSWORD (set) (env)"
    );
    assert!(!out.contains("hunter2"), "a secret is never printed");

    // The layers decide the scan too: file says none (exit 0), env says warning, cli says none.
    let scan = |env: &[(&str, &str)], extra: &[&str]| {
        let mut c = cmd();
        c.current_dir(dir.path())
            .args(["scan", "ev", "--as-of", AS_OF, "--format", "json"])
            .args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap().status.code().unwrap()
    };
    assert_eq!(scan(&[], &[]), 0);
    assert_eq!(scan(&[("RESETGAP_FAIL_ON", "warning")], &[]), 1);
    assert_eq!(
        scan(&[("RESETGAP_FAIL_ON", "warning")], &["--fail-on", "none"]),
        0
    );
    // --config FILE replaces the default file; an unknown key is an error.
    std::fs::write(dir.path().join("other.yml"), "scan:\n  fail-on: warning\n").unwrap();
    assert_eq!(scan(&[], &["--config", "other.yml"]), 1);
    std::fs::write(dir.path().join("bad.yml"), "scan:\n  fail-onn: warning\n").unwrap();
    let r = run(dir.path(), &["scan", "ev", "--config", "bad.yml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown option `fail-onn`"),
        "{}",
        r.stderr
    );
    std::fs::write(dir.path().join("bad.yml"), "scan:\n  fail-on: sometimes\n").unwrap();
    assert_eq!(
        run(dir.path(), &["scan", "ev", "--config", "bad.yml"]).code,
        2
    );
}

#[test]
fn outputs_and_inputs_are_checked_before_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for bad in [d.join("missing/x.sarif"), d.to_path_buf()] {
        let r = run(
            &root(),
            &[
                "scan",
                "fixtures/estate",
                "-v",
                "--no-progress",
                "-o",
                bad.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("-o "), "{}", r.stderr);
        assert!(
            !r.stderr.contains("scanned"),
            "failed before crawling: {}",
            r.stderr
        );
    }
    let r = run(
        &root(),
        &[
            "scan",
            "fixtures/estate",
            "-v",
            "--emit-inventory",
            d.join("no/inv.jsonl").to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("scanned"), "{}", r.stderr);
    // A good -o is not left behind by the check when the scan then fails on an input.
    let out = d.join("ok.sarif");
    let r = run(
        &root(),
        &[
            "scan",
            "fixtures/estate",
            "-o",
            out.to_str().unwrap(),
            "--baseline",
            "no-such.json",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(!out.exists());
    // --baseline is an option of its own now, not a misspelt --base.
    assert!(!r.stderr.contains("--base "), "{}", r.stderr);
    assert!(r.stderr.contains("no-such.json"), "{}", r.stderr);
}

#[test]
fn tickets_config_problems_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev");
    std::fs::create_dir_all(&ev).unwrap();
    // A misspelt column key: the YAML reader locates it.
    std::fs::write(
        ev.join("resetgap.yml"),
        "tickets:\n  - system: servicenow\n    columns: {id: number, acount: u_target_user}\n",
    )
    .unwrap();
    let r = run(dir.path(), &["scan", "ev", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("resetgap.yml:3:"), "{}", r.stderr);
    assert!(r.stderr.contains("acount"), "{}", r.stderr);
    // Every semantic problem, each at its value.
    std::fs::write(
        ev.join("resetgap.yml"),
        "tickets:\n  - system: servicenow\n    timezone: Mars/Olympus\n  - system: freshservice\n    files: [\"a/*.csv\"]\n",
    )
    .unwrap();
    let r = run(dir.path(), &["scan", "ev", "--no-progress"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("resetgap.yml:3:15: unknown `timezone`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("resetgap.yml:4:13:"), "{}", r.stderr);
    assert!(r.stderr.contains("map column `id`"), "{}", r.stderr);
    // `resetgap config` counts the ticket sources.
    std::fs::write(
        ev.join("resetgap.yml"),
        "tickets:\n  - system: jira\n    files: [\"jira/*.csv\"]\n",
    )
    .unwrap();
    let r = run(dir.path(), &["config", "ev"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("ticket sources: 1"), "{}", r.stdout);
}
