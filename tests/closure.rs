//! `resetgap closure` on `fixtures/closure/input`: an AD reset that Entra and Okta caught up with
//! (Okta sessions never cleared, an SSH key on web01 whose private half lies on a file share:
//! open; the Okta API token accepted by exception), an Entra admin
//! reset logged twice with its sessions revoked ten minutes later (closed), and a CloudTrail
//! reset of an IAM user no export lists (unprovable). The text and JSON are pinned; filters,
//! exit codes, the no-reset message and the absence of secret values are checked.

use crate::common::{resetgap, AS_OF};

const INPUT: &str = "fixtures/closure/input";
/// The invented Okta API token in `scripts/hr-export.sh`.
const SECRET: &str = "00ZZclosureHr7x4BJRYfnv29GPWdkt07EMUbiQ3k";
/// The invented private key on the file share.
const PRIVATE_KEY: &str = "fixtures/closure/input/shares/it-handover/web01-mokafor.key";

fn closure(args: &[&str]) -> (i32, String, String) {
    let out = resetgap()
        .arg("closure")
        .args(["--no-progress", "--as-of", AS_OF])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn closure_text_is_pinned() {
    let (code, text, stderr) = closure(&[INPUT]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!("closure_text", text);
}

#[test]
fn closure_json_is_pinned_and_structured() {
    let (code, text, stderr) = closure(&[INPUT, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let verdicts: Vec<(&str, &str)> = json["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["identity"]["name"].as_str().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("mokafor", "open"),
            ("r.ndiaye", "closed"),
            ("ci-deploy", "unprovable")
        ]
    );
    assert_eq!(json["summary"]["open"], 1);
    assert_eq!(
        json["records"][0]["accepted"][0]["exception"]["ticket"],
        "RISK-42"
    );
    assert_eq!(
        json["records"][1]["echoes"][0]["action"],
        "Reset password (by admin)"
    );
    insta::assert_snapshot!("closure_json", text);
}

#[test]
fn identity_and_since_filter_the_records() {
    let (code, text, _) = closure(&[
        INPUT,
        "--identity",
        "R.Ndiaye@example.org",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["records"].as_array().unwrap().len(), 1);
    assert_eq!(json["records"][0]["verdict"], "closed");
    // Only closed records: exit 0.
    assert_eq!(code, 0);
    let (code, text, _) = closure(&[INPUT, "--since", "2026-08-15"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("== ci-deploy · 2026-08-20 10:15 UTC · UNPROVABLE =="),
        "{text}"
    );
    assert!(!text.contains("mokafor"), "{text}");
    let (code, _, stderr) = closure(&[INPUT, "--since", "last week"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--since `last week`"), "{stderr}");
}

#[test]
fn no_reset_says_so_and_names_the_missing_ledger_inputs() {
    let (code, text, stderr) =
        closure(&["fixtures/rules/RG102/fail-key-predates-reset-or-locked/input"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.contains("no reset events in the ledger; export audit logs: see README"),
        "{text}"
    );
    assert!(
        text.contains("Ledger inputs missing:") && text.contains("RG601 needs"),
        "{text}"
    );
}

#[test]
fn closure_refuses_formats_it_does_not_write() {
    let (code, _, stderr) = closure(&[INPUT, "--format", "sarif"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("text, json or markdown"), "{stderr}");
}

#[test]
fn markdown_and_html_carry_the_closure_records() {
    let (code, md, _) = closure(&[INPUT, "--format", "markdown"]);
    assert_eq!(code, 1);
    assert!(md.starts_with("# Reset closure\n"), "{md}");
    assert!(
        md.contains("## r.ndiaye · 2026-08-12 09:15 UTC · **closed**"),
        "{md}"
    );
    let out = resetgap()
        .args([
            "scan",
            "--no-progress",
            "-q",
            "--as-of",
            AS_OF,
            "--format",
            "html",
            INPUT,
        ])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("<section id=\"closure\"><h2>Reset closure</h2>"));
    assert!(html.contains("<span class=\"badge unprovable\">unprovable</span> ci-deploy"));
    assert!(html.contains("<a href=\"#closure\">Reset closure</a>"));
}

#[test]
fn no_secret_value_in_any_closure_output() {
    let key = std::fs::read_to_string(crate::common::root().join(PRIVATE_KEY)).unwrap();
    let key_lines: Vec<&str> = key.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(key_lines.len() > 3);
    let clean = |format: &str, text: &str| {
        assert!(!text.contains(SECRET), "{format}: the token");
        // Not even a long piece of it.
        assert!(
            !text.contains(&SECRET[4..24]),
            "{format}: part of the token"
        );
        assert!(!text.contains("PRIVATE KEY-----"), "{format}: a key block");
        for l in &key_lines {
            assert!(!text.contains(l), "{format}: a line of the private key");
        }
    };
    for format in ["text", "json", "markdown"] {
        let (_, text, stderr) = closure(&[INPUT, "--format", format]);
        clean(format, &text);
        clean(format, &stderr);
    }
    for format in ["html", "markdown", "json", "text", "sarif"] {
        let out = resetgap()
            .args([
                "scan",
                "--no-progress",
                "--as-of",
                AS_OF,
                "--format",
                format,
                INPUT,
            ])
            .output()
            .unwrap();
        clean(format, &String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn a_leaked_private_key_is_joined_to_the_key_it_opens() {
    let (_, text, _) = closure(&[INPUT, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let residual = json["records"][0]["residual"].as_array().unwrap();
    let leak = residual
        .iter()
        .find(|i| i["location"]["path"] == "shares/it-handover/web01-mokafor.key")
        .expect("the leaked key is a residual path");
    assert_eq!(leak["rule"], "RG501");
    assert_eq!(leak["cisa"], serde_json::json!(["CM0032"]));
    assert!(leak["message"].as_str().unwrap().contains(
        "SHA256:vE7UVAvHH3brYfTNP2u9c4oZJ/X/bTg0uZwXyX5zIfA authorized for mokafor@web01"
    ));
}
