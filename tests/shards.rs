//! Shards (issue 13, part 1): an estate scanned whole and scanned in parts
//! (`scan PART --relative-to ROOT --emit-inventory FILE`) then merged by `resetgap correlate`
//! gives the same report, byte for byte; shards that do not belong together, and files that are
//! not shards of this format, are refused with a located message.

use crate::common::{resetgap, root, AS_OF};
use std::path::{Path, PathBuf};

/// The demo estate in four shards: every top-level entry in exactly one.
const ESTATE_SHARDS: [&[&str]; 4] = [
    &["hosts/web01", "hosts/db01"],
    &["hosts/legacy01", "windows"],
    &["aws", "directory", "network"],
    &["repos", "README.md"],
];

/// A key for the tests' HMACs; not a secret.
const KEY: &str = "shards test key 0123456789abcdef";

fn run(args: &[&str], key: Option<&str>) -> (i32, Vec<u8>, String) {
    let mut cmd = resetgap();
    cmd.args(args);
    if let Some(k) = key {
        cmd.env("RESETGAP_SECRET_ID_KEY", k);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Scans `estate` whole into `out/whole.FORMAT` for each format.
fn whole(estate: &Path, out: &Path, key: Option<&str>, formats: &[&str]) {
    for f in formats {
        let file = out.join(format!("whole.{f}"));
        let (code, _, err) = run(
            &[
                "scan",
                estate.to_str().unwrap(),
                "--as-of",
                AS_OF,
                "--format",
                f,
                "-o",
                file.to_str().unwrap(),
                "--fail-on",
                "none",
                "--no-progress",
            ],
            key,
        );
        assert_eq!(code, 0, "{err}");
    }
}

/// Writes one shard per entry of `parts` and returns their files.
fn shards(estate: &Path, parts: &[&[&str]], out: &Path, key: Option<&str>) -> Vec<PathBuf> {
    parts
        .iter()
        .enumerate()
        .map(|(k, part)| {
            let file = out.join(format!("part-{k}.jsonl"));
            let mut args = vec!["scan".to_string()];
            args.extend(part.iter().map(|p| estate.join(p).display().to_string()));
            args.extend(
                [
                    "--relative-to",
                    estate.to_str().unwrap(),
                    "--emit-inventory",
                    file.to_str().unwrap(),
                    "--as-of",
                    AS_OF,
                    "--no-progress",
                    "-q",
                ]
                .map(String::from),
            );
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, stdout, err) = run(&args, key);
            assert_eq!(code, 0, "shard {k}: {err}");
            assert!(stdout.is_empty(), "a shard writes no report");
            file
        })
        .collect()
}

fn correlate(files: &[PathBuf], extra: &[&str], key: Option<&str>) -> (i32, Vec<u8>, String) {
    let mut args = vec!["correlate".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args, key)
}

/// `correlate` of `files` into `out/correlated.FORMAT` for each format.
fn correlated(files: &[PathBuf], out: &Path, key: Option<&str>, formats: &[&str]) {
    for f in formats {
        let file = out.join(format!("correlated.{f}"));
        let (code, _, err) = correlate(
            files,
            &[
                "--format",
                f,
                "-o",
                file.to_str().unwrap(),
                "--fail-on",
                "none",
            ],
            key,
        );
        assert_eq!(code, 0, "{err}");
    }
}

fn same_bytes(out: &Path, format: &str) {
    let a = std::fs::read(out.join(format!("whole.{format}"))).unwrap();
    let b = std::fs::read(out.join(format!("correlated.{format}"))).unwrap();
    assert!(!a.is_empty());
    if a != b {
        let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        let first = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "{format} differs at line {}:\n whole:      {}\n correlated: {}",
            first + 1,
            a.lines().nth(first).unwrap_or(""),
            b.lines().nth(first).unwrap_or("")
        );
    }
}

const FORMATS: [&str; 3] = ["sarif", "text", "json"];

#[test]
fn demo_estate_in_four_shards_gives_the_same_sarif_text_and_json() {
    let out = tempfile::tempdir().unwrap();
    let estate = root().join("fixtures/estate");
    whole(&estate, out.path(), Some(KEY), &FORMATS);
    let files = shards(&estate, &ESTATE_SHARDS, out.path(), Some(KEY));
    correlated(&files, out.path(), Some(KEY), &FORMATS);
    for f in FORMATS {
        same_bytes(out.path(), f);
    }
    // SARIF URIs are rooted at the git work tree as the whole scan roots them.
    let sarif = std::fs::read_to_string(out.path().join("correlated.sarif")).unwrap();
    assert!(sarif.contains("\"uri\": \"fixtures/estate/hosts/web01/etc/passwd\""));

    // The order of the shards on the command line does not matter.
    let reversed: Vec<PathBuf> = files.iter().rev().cloned().collect();
    let (code, stdout, err) = correlate(
        &reversed,
        &["--format", "sarif", "--fail-on", "none"],
        Some(KEY),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        stdout,
        std::fs::read(out.path().join("whole.sarif")).unwrap()
    );

    // The merged inventory (hosts and their roots, settings' systems, every record, identities)
    // is the whole scan's too.
    let inv = |name: &str| out.path().join(name).display().to_string();
    let (code, _, err) = run(
        &[
            "scan",
            estate.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--emit-inventory",
            &inv("whole-inventory.jsonl"),
            "--fail-on",
            "none",
            "-q",
            "-o",
            "/dev/null",
        ],
        Some(KEY),
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = correlate(
        &files,
        &[
            "--emit-inventory",
            &inv("correlated-inventory.jsonl"),
            "--fail-on",
            "none",
            "-o",
            "/dev/null",
        ],
        Some(KEY),
    );
    assert_eq!(code, 0, "{err}");
    let whole_inv = std::fs::read_to_string(inv("whole-inventory.jsonl")).unwrap();
    assert!(whole_inv.contains("\"record\":\"host\""));
    assert_eq!(
        whole_inv,
        std::fs::read_to_string(inv("correlated-inventory.jsonl")).unwrap()
    );

    // The exit code gates the same way (warnings and errors in the estate).
    let (code, _, _) = correlate(&files, &["--format", "json", "-o", "/dev/null"], Some(KEY));
    assert_eq!(code, 1);
}

/// `scan ROOT --shard K/N` (the recipes' form): resetgap splits the estate itself.
#[test]
fn shard_k_of_n_covers_the_estate_once() {
    let out = tempfile::tempdir().unwrap();
    let estate = root().join("fixtures/estate");
    whole(&estate, out.path(), Some(KEY), &["sarif"]);
    let files: Vec<PathBuf> = (0..4)
        .map(|k| {
            let file = out.path().join(format!("shard-{k}.jsonl"));
            let (code, stdout, err) = run(
                &[
                    "scan",
                    estate.to_str().unwrap(),
                    "--shard",
                    &format!("{k}/4"),
                    "--emit-inventory",
                    file.to_str().unwrap(),
                    "--as-of",
                    AS_OF,
                    "-q",
                ],
                Some(KEY),
            );
            assert_eq!(code, 0, "{err}");
            assert!(stdout.is_empty());
            file
        })
        .collect();
    correlated(&files, out.path(), Some(KEY), &["sarif"]);
    same_bytes(out.path(), "sarif");
    let (code, _, err) = run(
        &[
            "scan",
            "fixtures/estate",
            "--shard",
            "4/4",
            "--emit-inventory",
            "x.jsonl",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("is not K/N"), "{err}");
}

#[test]
fn demo_estate_without_a_key_says_once_what_shards_cannot_join() {
    let out = tempfile::tempdir().unwrap();
    let estate = root().join("fixtures/estate");
    let files = shards(&estate, &ESTATE_SHARDS, out.path(), None);
    let (code, stdout, _) = correlate(&files, &["--format", "json", "--fail-on", "none"], None);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let notes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["message"].as_str())
        .filter(|m| m.contains("--secret-id-key"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("RESETGAP_SECRET_ID_KEY"), "{}", notes[0]);
    // Shard files are named, never by a path of the machine.
    assert!(!notes[0].contains('/'), "{}", notes[0]);
}

/// RG504's fixture: the same root password hash, SSH key and `.pgpass` secret on two hosts,
/// each host in its own shard.
#[test]
fn secrets_shared_across_shards_join_with_a_key_and_only_with_it() {
    let estate = root().join("fixtures/rules/RG504/fail-copied-root-password-and-key/input");
    let parts: [&[&str]; 2] = [&["web01"], &["db01"]];
    let out = tempfile::tempdir().unwrap();
    whole(&estate, out.path(), Some(KEY), &["sarif", "text"]);
    let files = shards(&estate, &parts, out.path(), Some(KEY));
    correlated(&files, out.path(), Some(KEY), &["sarif", "text"]);
    same_bytes(out.path(), "sarif");
    same_bytes(out.path(), "text");
    let sarif = std::fs::read_to_string(out.path().join("correlated.sarif")).unwrap();
    let rg504 = |s: &str| s.matches("\"ruleId\": \"RG504\"").count();
    assert_eq!(
        rg504(&sarif),
        3,
        "the copied password, key and .pgpass secret"
    );
    // The digests in the shard reveal neither the hash nor the secret.
    let shard = std::fs::read_to_string(&files[0]).unwrap();
    let shadow = std::fs::read_to_string(estate.join("web01/etc/shadow")).unwrap();
    let hash = shadow.lines().next().unwrap().split(':').nth(1).unwrap();
    assert!(hash.len() > 20 && !shard.contains(hash));
    assert!(shard.contains("\"password_match\":\""));

    // Without the key the same shards lose the cross-shard joins (keys by fingerprint still
    // join) and say why.
    let plain = tempfile::tempdir().unwrap();
    let files = shards(&estate, &parts, plain.path(), None);
    let (_, stdout, _) = correlate(&files, &["--format", "sarif", "--fail-on", "none"], None);
    let sarif = String::from_utf8(stdout).unwrap();
    assert!(rg504(&sarif) < 3, "{}", rg504(&sarif));
    assert!(sarif.contains("scanned without --secret-id-key"));

    // Shards scanned with two different keys are refused.
    let mixed = tempfile::tempdir().unwrap();
    let a = shards(&estate, &parts[..1], mixed.path(), Some(KEY));
    let b = shards(
        &estate,
        &parts[1..],
        &mixed.path().join("b").tap_mkdir(),
        Some("another shards test key 0123456789"),
    );
    let (code, _, err) = correlate(&[a[0].clone(), b[0].clone()], &[], Some(KEY));
    assert_eq!(code, 2);
    assert!(err.contains("the --secret-id-key differs"), "{err}");
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

#[test]
fn unknown_versions_and_malformed_lines_are_refused_with_file_and_line() {
    let out = tempfile::tempdir().unwrap();
    let estate = root().join("fixtures/estate");
    let files = shards(&estate, &[&["aws"]], out.path(), None);
    let text = std::fs::read_to_string(&files[0]).unwrap();

    let v9 = out.path().join("v9.jsonl");
    std::fs::write(&v9, text.replacen("\"version\":1", "\"version\":9", 1)).unwrap();
    let (code, _, err) = correlate(std::slice::from_ref(&v9), &[], None);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{}:1: format version 9", v9.display())),
        "{err}"
    );

    let broken = out.path().join("broken.jsonl");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{\"record\":\"credential\",\"kind\":";
    std::fs::write(&broken, lines.join("\n")).unwrap();
    let (code, _, err) = correlate(std::slice::from_ref(&broken), &[], None);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{}:3: not JSON", broken.display())),
        "{err}"
    );

    // A whole scan's inventory (with its header) is not a shard.
    let merged = out.path().join("merged.jsonl");
    let (code, _, err) = run(
        &[
            "scan",
            estate.join("aws").to_str().unwrap(),
            "--emit-inventory",
            merged.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--fail-on",
            "none",
            "-q",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let first = std::fs::read_to_string(&merged).unwrap();
    let header: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], "resetgap-inventory");
    assert_eq!(header["kind"], "inventory");
    let (code, _, err) = correlate(std::slice::from_ref(&merged), &[], None);
    assert_eq!(code, 2);
    assert!(err.contains(":1: a whole scan's merged inventory"), "{err}");
}

#[test]
fn shards_that_do_not_belong_together_are_refused() {
    let out = tempfile::tempdir().unwrap();
    let estate = root().join("fixtures/estate");
    let a = shards(&estate, &[&["aws"]], out.path(), None);
    let other = out.path().join("other").tap_mkdir();
    // Scanned at another as-of time.
    let late = other.join("late.jsonl");
    let (code, _, err) = run(
        &[
            "scan",
            estate.join("network").to_str().unwrap(),
            "--relative-to",
            estate.to_str().unwrap(),
            "--emit-inventory",
            late.to_str().unwrap(),
            "--as-of",
            "2026-09-01T00:00:00Z",
            "-q",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = correlate(&[a[0].clone(), late.clone()], &[], None);
    assert_eq!(code, 2);
    assert!(err.contains("the as-of time differs"), "{err}");
    assert!(err.contains("give correlate --as-of"), "{err}");
    // Told otherwise: correlate's --as-of decides.
    let (code, stdout, err) = correlate(
        &[a[0].clone(), late],
        &["--as-of", AS_OF, "--format", "json", "--fail-on", "none"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(report["scope"]["asOf"], AS_OF);

    // The same part twice.
    let (code, _, err) = correlate(&[a[0].clone(), a[0].clone()], &[], None);
    assert_eq!(code, 2);
    assert!(err.contains("overlap"), "{err}");

    // A crawl option given to correlate.
    let (code, _, err) = correlate(&a, &["--max-file-size", "1M"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("--max-file-size belongs to the shard scans"),
        "{err}"
    );
}

#[test]
fn relative_to_checks_its_parts() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("p.jsonl");
    let f = file.to_str().unwrap();
    let shard = |part: &'static str| -> Vec<&str> {
        vec![
            "scan",
            part,
            "--relative-to",
            "fixtures/estate",
            "--emit-inventory",
            f,
        ]
    };
    // (arguments, what the usage error says)
    let refused: [(Vec<&str>, &str); 4] = [
        // A part outside the estate.
        (
            shard("fixtures/rules"),
            "fixtures/rules is not inside --relative-to fixtures/estate",
        ),
        // A part inside a host tree.
        (
            shard("fixtures/estate/hosts/web01/etc"),
            "inside the host tree hosts/web01",
        ),
        // A shard writes no report.
        (
            {
                let mut args = shard("fixtures/estate/aws");
                args.extend(["-o", "report.sarif"]);
                args
            },
            "writes no report",
        ),
        // --relative-to without --emit-inventory.
        (
            vec![
                "scan",
                "fixtures/estate/aws",
                "--relative-to",
                "fixtures/estate",
            ],
            "--emit-inventory",
        ),
    ];
    for (args, says) in refused {
        let (code, _, err) = run(&args, None);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// A recipe's command succeeded (else the test shows its stderr).
fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The SARIF a recipe wrote as `dir/resetgap.sarif` is, byte for byte, the SARIF of one scan of
/// the whole estate (written beside it by `whole`).
fn same_as_whole(estate: &Path, dir: &Path) {
    whole(estate, dir, Some(KEY), &["sarif"]);
    assert_eq!(
        std::fs::read(dir.join("resetgap.sarif")).unwrap(),
        std::fs::read(dir.join("whole.sarif")).unwrap()
    );
}

fn yaml(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    resetgap::yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// The Kubernetes recipe's own args, run here for each index with the mounts mapped onto the
/// demo estate and a temporary volume: the correlate Job's SARIF is the whole scan's.
#[test]
fn kubernetes_recipe_runs_as_written() {
    let job = yaml("deploy/kubernetes/scan-job.yaml");
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap();
    assert_eq!(spec["parallelism"].as_u64(), Some(n));
    let container = &spec["template"]["spec"]["containers"][0];
    let env: Vec<&str> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(env, ["RESETGAP_AS_OF", "RESETGAP_SECRET_ID_KEY"]);
    let args = strings(&container["args"]);
    assert!(
        args.contains(&format!("$(JOB_COMPLETION_INDEX)/{n}")),
        "{args:?}"
    );

    let estate = root().join("fixtures/estate");
    let volume = tempfile::tempdir().unwrap();
    let map = |a: &str, k: Option<u64>| -> String {
        let a = match k {
            Some(k) => a.replace("$(JOB_COMPLETION_INDEX)", &k.to_string()),
            None => a.to_string(),
        };
        if a == "/estate" {
            estate.display().to_string()
        } else if let Some(rest) = a.strip_prefix("/inventories/") {
            volume.path().join(rest).display().to_string()
        } else {
            a
        }
    };
    for k in 0..n {
        let args: Vec<String> = args.iter().map(|a| map(a, Some(k))).collect();
        let out = resetgap()
            .args(&args)
            .env("RESETGAP_AS_OF", AS_OF)
            .env("RESETGAP_SECRET_ID_KEY", KEY)
            .output()
            .unwrap();
        succeeded(&out);
    }

    let job = yaml("deploy/kubernetes/correlate-job.yaml");
    let pod = &job["spec"]["template"]["spec"];
    let sarif_args = strings(&pod["initContainers"][0]["args"]);
    let shard_args = sarif_args.iter().filter(|a| a.ends_with(".jsonl")).count() as u64;
    assert_eq!(shard_args, n, "the correlate Job lists every shard");
    for args in [sarif_args, strings(&pod["containers"][0]["args"])] {
        let args: Vec<String> = args.iter().map(|a| map(a, None)).collect();
        let out = resetgap().args(&args).output().unwrap();
        succeeded(&out);
    }
    same_as_whole(&estate, volume.path());
}

/// The GitHub Actions recipe's `run:` scripts, run here with bash as the matrix would run them
/// (`cargo install` and the artefact steps aside): the correlate step's SARIF is the whole
/// scan's.
#[test]
fn github_actions_recipe_runs_as_written() {
    let wf = yaml("deploy/github-actions/shard-scan.yml");
    let step = |job: &str, prefix: &str| -> String {
        wf["jobs"][job]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
            .and_then(|s| s["run"].as_str())
            .unwrap_or_else(|| panic!("{job}: no step {prefix}"))
            .to_string()
    };
    let scan = step("scan", "Scan shard");
    let correlate = step("correlate", "Correlate");
    let bin = assert_cmd::cargo::cargo_bin("resetgap");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let work = tempfile::tempdir().unwrap();
    let shards_dir = work.path().join("shards").tap_mkdir();
    let estate = root().join("fixtures/estate");
    let n = 3;
    for k in 0..n {
        let runner = work.path().join(format!("runner-{k}")).tap_mkdir();
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &scan])
            .current_dir(&runner)
            .env("PATH", &path)
            .env("ESTATE", &estate)
            .env("SHARD", k.to_string())
            .env("SHARDS", n.to_string())
            .env("RESETGAP_AS_OF", AS_OF)
            .env("RESETGAP_SECRET_ID_KEY", KEY)
            .output()
            .unwrap();
        succeeded(&out);
        // download-artifact with merge-multiple: every part in one directory.
        let part = format!("part-{k}.jsonl");
        std::fs::copy(runner.join(&part), shards_dir.join(&part)).unwrap();
    }
    let summary = work.path().join("summary.md");
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &correlate])
        .current_dir(work.path())
        .env("PATH", &path)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("RESETGAP_SECRET_ID_KEY")
        .output()
        .unwrap();
    succeeded(&out);
    assert!(std::fs::read_to_string(&summary).unwrap().starts_with('#'));
    same_as_whole(&estate, work.path());
}

/// The Northwind incident (AD, Entra, Okta, AWS, CloudTrail, DC logs, ServiceNow tickets read
/// through the estate's resetgap.yml): 4 shards by `--shard` give the whole scan's SARIF.
#[test]
fn incident_scenario_in_four_shards_gives_the_same_sarif() {
    let dir = root().join("fixtures/scenarios/northwind-phish");
    let estate = dir.join("input");
    let identities = dir.join("identities.yml");
    let as_of = "2026-12-01T00:00:00Z";
    let out = tempfile::tempdir().unwrap();
    let common = |file: &Path| {
        vec![
            "--identities".to_string(),
            identities.display().to_string(),
            "--as-of".into(),
            as_of.into(),
            "--format".into(),
            "sarif".into(),
            "-o".into(),
            file.display().to_string(),
            "--fail-on".into(),
            "none".into(),
            "-q".into(),
        ]
    };
    let whole_file = out.path().join("whole.sarif");
    let mut args = vec!["scan".to_string(), estate.display().to_string()];
    args.extend(common(&whole_file));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run(&args, Some(KEY));
    assert_eq!(code, 0, "{err}");
    let mut files = Vec::new();
    for k in 0..4 {
        let file = out.path().join(format!("part-{k}.jsonl"));
        let (code, _, err) = run(
            &[
                "scan",
                estate.to_str().unwrap(),
                "--shard",
                &format!("{k}/4"),
                "--as-of",
                as_of,
                "--emit-inventory",
                file.to_str().unwrap(),
                "-q",
            ],
            Some(KEY),
        );
        assert_eq!(code, 0, "{err}");
        files.push(file);
    }
    let correlated = out.path().join("correlated.sarif");
    let (code, _, err) = correlate(
        &files,
        &common(&correlated)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        Some(KEY),
    );
    assert_eq!(code, 0, "{err}");
    let whole = std::fs::read(&whole_file).unwrap();
    assert!(String::from_utf8_lossy(&whole).contains("\"ruleId\": \"RG60"));
    assert_eq!(whole, std::fs::read(&correlated).unwrap());
}
