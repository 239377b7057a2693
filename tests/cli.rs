//! CLI behaviour: help text, exit codes (0 clean, 1 findings, 2 usage/config error, 3 incomplete),
//! and that bad input is reported without losing the rest of the scan.

use crate::common::{resetgap, scan_json, summarize, AS_OF};
use std::fs;

#[test]
fn help_is_stable() {
    let top = resetgap().arg("--help").output().unwrap();
    assert!(top.status.success());
    insta::assert_snapshot!("help", String::from_utf8_lossy(&top.stdout));
    let scan = resetgap().args(["scan", "--help"]).output().unwrap();
    assert!(scan.status.success());
    insta::assert_snapshot!("scan_help", String::from_utf8_lossy(&scan.stdout));
}

#[test]
fn clean_input_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "nothing to see here\n").unwrap();
    let (code, report, _) = scan_json(&[dir.path().to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn findings_gate_by_fail_on() {
    let estate = "fixtures/estate";
    let (code, report, _) = scan_json(&[estate, "--as-of", AS_OF]);
    assert_eq!(code, 1, "warnings and errors gate by default");
    assert!(!report["findings"].as_array().unwrap().is_empty());
    let (code, _, _) = scan_json(&[estate, "--as-of", AS_OF, "--fail-on", "none"]);
    assert_eq!(code, 0);
    // Only RG102 notes/warnings selected, gate on error only: RG102 has no errors in the estate.
    let (code, _, _) = scan_json(&[
        estate,
        "--as-of",
        AS_OF,
        "--select",
        "RG102",
        "--fail-on",
        "error",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn usage_and_config_errors_exit_two() {
    for args in [
        vec!["scan", "--no-such-flag", "."],
        vec!["scan"],
        vec!["scan", "fixtures/estate", "--as-of", "last tuesday"],
        vec!["scan", "does/not/exist"],
        vec!["scan", "fixtures/estate", "--select", "RG999"],
        vec!["scan", "fixtures/estate", "--max-file-size", "12Q"],
        vec!["rules", "explain", "no-such-rule"],
    ] {
        let out = resetgap().args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.yml");
    fs::write(&ids, "mara:\n  - no-colon-here\n").unwrap();
    let out = resetgap()
        .args([
            "scan",
            "fixtures/estate",
            "--identities",
            ids.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("system:login"));
}

#[test]
fn unparseable_input_is_incomplete_and_work_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    // A credential report missing required columns: unusable, so the scan is incomplete.
    fs::write(
        dir.path().join("credential-report.csv"),
        "user,arn,user_creation_time\nx,arn:aws:iam::1:user/x,2020-01-01T00:00:00+00:00\n",
    )
    .unwrap();
    let (code, report, stderr) = scan_json(&[dir.path().to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(code, 3, "incomplete without gating findings: {stderr}");
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["severity"] == "error" && d["location"]["path"] == "credential-report.csv"),
        "{diags:?}"
    );
    assert!(
        stderr.contains("credential-report.csv"),
        "reported on stderr too: {stderr}"
    );

    // The same broken file beside real findings: findings still reported, exit 1 wins.
    let (code, report, _) = scan_json(&[
        dir.path().to_str().unwrap(),
        "fixtures/rules/RG101/fail-used-after-reset/input",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(code, 1);
    assert!(summarize(&report)
        .iter()
        .any(|f| f.starts_with("RG101 error")));
}

#[test]
fn binary_and_oversized_files_are_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("blob.bin"),
        b"\x7fELF\0\0\0password=hunter2hunter2\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("big.env"),
        format!("DB_PASSWORD=Correct-Horse-Battery-9\n{}", "#".repeat(4096)),
    )
    .unwrap();
    let (code, report, _) = scan_json(&[
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--max-file-size",
        "1K",
    ]);
    assert_eq!(code, 0, "skips are not errors");
    let kinds: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"binary"), "{kinds:?}");
    assert!(kinds.contains(&"too-large"), "{kinds:?}");
}

#[test]
fn no_secret_value_in_any_output() {
    let secrets = [
        "zZ9EXAMPLEfakeSecretKey000000000000000x1",
        "Wint3r-Billing-42",
        "Summer2025!reports",
        "SYNTHETICSYNTHETIC",
    ];
    for format in ["text", "json", "sarif"] {
        let dir = tempfile::tempdir().unwrap();
        let inv = dir.path().join("inventory.jsonl");
        let out = resetgap()
            .args([
                "scan",
                "fixtures/estate",
                "--as-of",
                AS_OF,
                "--no-progress",
                "-v",
                "--format",
                format,
                "--emit-inventory",
            ])
            .arg(&inv)
            .output()
            .unwrap();
        let inventory = fs::read_to_string(&inv).unwrap();
        for text in [
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            inventory,
        ] {
            for s in secrets {
                assert!(!text.contains(s), "{format}: secret {s} leaked");
            }
        }
    }
}

#[test]
fn output_is_deterministic() {
    let run = |jobs: &str| {
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
                "-j",
                jobs,
            ])
            .output()
            .unwrap()
            .stdout
    };
    let a = run("2");
    let b = run("2");
    let c = run("1");
    assert!(!a.is_empty());
    assert_eq!(a, b, "two runs give identical bytes");
    assert_eq!(a, c, "thread count does not change the output");
}

#[test]
fn inventory_lists_every_record_kind() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.jsonl");
    resetgap()
        .args([
            "scan",
            "fixtures/estate",
            "--as-of",
            AS_OF,
            "--fail-on",
            "none",
            "--emit-inventory",
        ])
        .arg(&inv)
        .assert()
        .success();
    let text = fs::read_to_string(&inv).unwrap();
    for kind in [
        "host",
        "account",
        "credential",
        "membership",
        "sudo-grant",
        "setting",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!("\"record\":\"{kind}\""))),
            "no {kind} record"
        );
    }
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
    // m.okafor's accounts on AWS, web01, AD (by UPN) and core-sw1 are one identity; its last reset is AD's.
    let mara = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["record"] == "identity" && v["identity"] == "m.okafor")
        .expect("identity m.okafor");
    let accounts: Vec<&str> = mara["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        accounts,
        [
            "aws:m.okafor",
            "core-sw1:mokafor",
            "corp.example.test:mokafor",
            "web01:m.okafor"
        ]
    );
    assert_eq!(mara["last_reset"]["at"], "2026-08-05T16:40:00Z");
    assert_eq!(
        mara["last_reset"]["evidence"]["path"],
        "directory/corp-ad.ldif"
    );
    // Each link says why it was made; every one of m.okafor's rests on a name alone.
    assert_eq!(mara["weak"], true);
    let links: Vec<(String, String)> = mara["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                format!(
                    "{} {}",
                    l["accounts"][0].as_str().unwrap(),
                    l["accounts"][1].as_str().unwrap()
                ),
                format!(
                    "{} {} {}",
                    l["by"].as_str().unwrap(),
                    l["key"].as_str().unwrap(),
                    l["weak"]
                ),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            (
                "aws:m.okafor corp.example.test:mokafor".into(),
                "upn-local-part m.okafor true".into()
            ),
            (
                "aws:m.okafor web01:m.okafor".into(),
                "login m.okafor true".into()
            ),
            (
                "core-sw1:mokafor corp.example.test:mokafor".into(),
                "login mokafor true".into()
            ),
        ]
    );
}

#[test]
fn rules_commands() {
    let list = resetgap().arg("rules").output().unwrap();
    assert!(list.status.success());
    insta::assert_snapshot!("rules_list", String::from_utf8_lossy(&list.stdout));
    let explain = resetgap()
        .args(["rules", "explain", "ssh-key-survives-reset"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&explain.stdout);
    for section in ["What it does", "Why is this bad", "How to fix", "RG102"] {
        assert!(text.contains(section), "explain shows {section}");
    }
    let check = resetgap().args(["rules", "check"]).output().unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn a_huge_export_is_skipped_with_a_clear_message_and_bounded_memory() {
    // A 1 GiB Graph export (sparse: costs no disk) is never read: it is skipped by size, reported,
    // and the rest of the scan goes on.
    let dir = tempfile::tempdir().unwrap();
    let huge = std::fs::File::create(dir.path().join("graph-users.json")).unwrap();
    huge.set_len(1 << 30).unwrap();
    fs::write(
        dir.path().join(".env"),
        "DB_PASSWORD=Correct-Horse-Battery-9\n",
    )
    .unwrap();
    let (code, report, stderr) = scan_json(&[dir.path().to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(code, 1, "the .env finding still gates: {stderr}");
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["kind"] == "too-large"
            && d["location"]["path"] == "graph-users.json"
            && d["message"].as_str().unwrap().contains("--max-file-size")),
        "{diags:?}"
    );
    assert_eq!(summarize(&report).len(), 1);
}

#[test]
fn host_files_above_the_scan_root_are_not_read() {
    // Pointing at `web01/etc` must not read `web01/home` (outside what the user asked for); the
    // report says how to evaluate the host instead.
    let (code, report, _) = scan_json(&["fixtures/estate/hosts/web01/etc", "--as-of", AS_OF]);
    assert_eq!(code, 0);
    assert!(report["findings"].as_array().unwrap().is_empty());
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["location"]["path"] == "passwd" && d["kind"] == "incomplete"),
        "{diags:?}"
    );
}

#[test]
fn verbose_names_only_the_phases_that_ran() {
    let out = resetgap()
        .args([
            "scan",
            "fixtures/sources/aws",
            "--as-of",
            AS_OF,
            "-v",
            "--no-progress",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("resetgap:   crawl and parse files: "),
        "{stderr}"
    );
    assert!(stderr.contains("resetgap:   rules: "), "{stderr}");
    assert!(
        !stderr.contains("live LDAP"),
        "no --ldap was given: {stderr}"
    );
}

#[test]
fn cloudtrail_gzip_objects_are_read_and_bombs_and_broken_ones_reported() {
    use std::io::Write;
    let fixture = "fixtures/rules/RG602/fail-cloudtrail-s3-gzip/input";
    let day = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/08/20";
    let good = format!("{day}/111122223333_CloudTrail_us-east-1_20260820T1020Z_d4e5f6.json.gz");
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(day)).unwrap();
    fs::copy(
        format!("{fixture}/directory.ldif"),
        dir.path().join("directory.ldif"),
    )
    .unwrap();
    let bytes = fs::read(format!("{fixture}/{good}")).unwrap();
    fs::write(dir.path().join(&good), &bytes).unwrap();
    // Cut in half: a truncated delivery.
    let truncated =
        format!("{day}/111122223333_CloudTrail_us-east-1_20260820T1025Z_e5f6a7.json.gz");
    fs::write(dir.path().join(&truncated), &bytes[..bytes.len() / 2]).unwrap();
    // 8 MiB of spaces compress to a few KiB: over a 1 MiB --max-file-size once decompressed.
    let bomb = format!("{day}/111122223333_CloudTrail_us-east-1_20260820T1030Z_f6a7b8.json.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"{\"Records\":[").unwrap();
    enc.write_all(&vec![b' '; 8 << 20]).unwrap();
    enc.write_all(b"]}").unwrap();
    let bomb_bytes = enc.finish().unwrap();
    assert!(bomb_bytes.len() < 64 << 10);
    fs::write(dir.path().join(&bomb), bomb_bytes).unwrap();

    let (code, report, stderr) = scan_json(&[
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--max-file-size",
        "1M",
        "--select",
        "RG602",
    ]);
    // The finding from the good object gates; the broken one makes the scan incomplete.
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        summarize(&report),
        vec![format!("RG602 error {good}:1 m.okafor")]
    );
    let diags = report["diagnostics"].as_array().unwrap();
    let at = |path: &str| {
        diags
            .iter()
            .find(|d| d["location"]["path"] == path)
            .unwrap_or_else(|| panic!("no diagnostic at {path}: {diags:?}"))
    };
    let b = at(&bomb);
    assert_eq!(b["kind"], "too-large");
    assert!(
        b["message"].as_str().unwrap().contains("decompressed"),
        "{b}"
    );
    let t = at(&truncated);
    assert_eq!(t["severity"], "error");
    assert!(t["message"].as_str().unwrap().contains("truncated"), "{t}");
}
