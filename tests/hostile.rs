//! Hostile and broken input files (issue 13, part 2), through the binary: each case is built in
//! a temporary directory, and each asserts the exit code and a located diagnostic.

use crate::common::{resetgap, scan_json, AS_OF};
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// The diagnostics of a JSON report as `path: severity [kind]: message` lines.
fn diagnostics(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            let loc = &d["location"];
            let at = match loc["line"].as_u64() {
                Some(l) => format!("{}:{l}", loc["path"].as_str().unwrap_or("")),
                None => loc["path"].as_str().unwrap_or("").to_string(),
            };
            format!(
                "{at}: {} [{}]: {}",
                d["severity"].as_str().unwrap_or(""),
                d["kind"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn jobs_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes.txt", b"nothing here\n");
    for j in ["0", "257", "2000", "100000"] {
        let out = resetgap()
            .args(["scan", dir.path().to_str().unwrap(), "-j", j])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "-j {j}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--jobs"), "-j {j}: {err}");
    }
    let (code, _, _) = scan_json(&[dir.path().to_str().unwrap(), "-j", "256", "--as-of", AS_OF]);
    assert_eq!(code, 0);
}

#[test]
fn roots_with_the_same_base_name_keep_distinct_paths() {
    let dir = tempfile::tempdir().unwrap();
    let bin = b"\x7fELF\x02\x01\x01\0\0\0\0\0";
    write(dir.path(), "a/etc/blob.bin", bin);
    write(dir.path(), "b/etc/blob.bin", bin);
    let a = dir.path().join("a/etc");
    let b = dir.path().join("b/etc");
    let (_, report, _) = scan_json(&[a.to_str().unwrap(), b.to_str().unwrap(), "--as-of", AS_OF]);
    let d = diagnostics(&report);
    assert!(
        d.contains(&"a/etc/blob.bin: note [binary]: skipped: binary content".to_string()),
        "{d:?}"
    );
    assert!(
        d.contains(&"b/etc/blob.bin: note [binary]: skipped: binary content".to_string()),
        "{d:?}"
    );
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";

#[test]
fn binary_or_oversized_host_shadow_makes_the_scan_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web01/etc/passwd", PASSWD.as_bytes());
    write(
        dir.path(),
        "web01/etc/shadow",
        b"alice:$6$FAKEHASHzz$abc:19000::::::\n\0\0\0\0",
    );
    let (code, report, _) = scan_json(&[dir.path().to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(code, 3);
    let d = diagnostics(&report);
    assert!(d.contains(&"web01/etc/shadow: error [binary]: skipped: binary content; this host's facts from it are unknown".to_string()), "{d:?}");
    assert!(!report.to_string().contains("FAKEHASH"));

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web01/etc/passwd", PASSWD.as_bytes());
    write(
        dir.path(),
        "web01/etc/shadow",
        "alice:!:19000::::::\n".repeat(100).as_bytes(),
    );
    let (code, report, _) = scan_json(&[
        dir.path().to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--max-file-size",
        "1K",
    ]);
    assert_eq!(code, 3);
    let d = diagnostics(&report);
    assert!(
        d.iter()
            .any(|l| l.starts_with("web01/etc/shadow: error [too-large]: skipped: 2000 bytes")),
        "{d:?}"
    );
}

#[test]
fn symlinks_out_of_the_root_are_never_read() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "creds.env",
        b"AWS_SECRET_ACCESS_KEY=OUTSIDEwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes.txt", b"nothing\n");
    std::os::unix::fs::symlink(
        outside.path().join("creds.env"),
        dir.path().join("creds.env"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
    let (_, report, _) = scan_json(&[dir.path().to_str().unwrap(), "--as-of", AS_OF]);
    assert!(!report.to_string().contains("OUTSIDE"));
    let d = diagnostics(&report);
    assert!(
        d.iter()
            .any(|l| l.starts_with("creds.env: note [symlink-escape]")),
        "{d:?}"
    );
}

/// UTF-16 exports without a BOM (PowerShell, iconv) are decoded, not skipped as binary.
#[test]
fn utf16_exports_without_bom_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let keys = fs::read_to_string(
        crate::common::root().join("fixtures/sources/aws/list-access-keys.json"),
    )
    .unwrap();
    let le: Vec<u8> = keys.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = keys.encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(dir.path(), "le/keys.json", &le);
    write(dir.path(), "be/keys.json", &be);
    let inv = dir.path().join("inv.jsonl");
    let (_, report, _) = scan_json(&[
        dir.path().join("le").to_str().unwrap(),
        dir.path().join("be").to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--emit-inventory",
        inv.to_str().unwrap(),
    ]);
    let d = diagnostics(&report);
    assert!(d.iter().all(|l| !l.contains("[binary]")), "{d:?}");
    let inv = fs::read_to_string(inv).unwrap();
    let per_root = |root: &str| {
        inv.lines()
            .filter(|l| {
                l.contains("\"record\":\"credential\"")
                    && l.contains(&format!("\"path\":\"{root}/keys.json\""))
            })
            .count()
    };
    assert!(per_root("le") > 0, "{inv}");
    assert_eq!(per_root("le"), per_root("be"));
}

/// Hash fragments from malformed shadow, passwd, LDIF and htpasswd lines never reach a
/// diagnostic, the SARIF log or the inventory: a diagnostic names the field, never its value.
#[test]
fn hash_fragments_are_never_echoed() {
    const MARK: &str = "ZQXFAKEHASHQZ";
    let h = format!("$6$salt{MARK}$abcdefghijklmnop");
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "web01/etc/passwd",
        format!("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n{h}:x:1001:1001::/:/bin/sh\nbob:{h}:notanumber:1::/home/bob:/bin/sh\n").as_bytes(),
    );
    write(
        dir.path(),
        "web01/etc/shadow",
        format!(
            "root:*:19000:0:99999:7:::\nalice:{h}:notanumber:0:99999:7:::\n{h}:19000:0:99999:7:::\n\
             alice2:{h}\ncarol:{h}:19000:x{MARK}:99999:7:::extra:{MARK}\n:{h}:19000::::::\n{h}\n"
        )
        .as_bytes(),
    );
    write(
        dir.path(),
        "ldap/people.ldif",
        format!(
            "dn: uid=dave,ou=people,dc=example,dc=test\nobjectClass: posixAccount\nuid: dave\n\
             userPassword:: {MARK}!!notbase64\nuserPassword: {{SSHA}}{MARK}\npwdChangedTime: {MARK}\n\
             shadowLastChange: {MARK}\n{MARK}\n{MARK}: x\n"
        )
        .as_bytes(),
    );
    write(
        dir.path(),
        "www/.htpasswd",
        format!(
            "frank:$apr1$ab{MARK}$xyz\n$apr1$ab{MARK}$xyz\n$apr1$cd{MARK}$xyz:\n gina :{MARK}\n"
        )
        .as_bytes(),
    );
    let sarif = dir.path().join("out.sarif");
    let inv = dir.path().join("inv.jsonl");
    let out = resetgap()
        .args([
            "scan",
            "--no-progress",
            "--as-of",
            AS_OF,
            "-v",
            "--format",
            "sarif",
            "-o",
        ])
        .arg(&sarif)
        .arg("--emit-inventory")
        .arg(&inv)
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(MARK), "stderr: {stderr}");
    let sarif = fs::read_to_string(sarif).unwrap();
    let inv = fs::read_to_string(inv).unwrap();
    for (what, text) in [("SARIF", &sarif), ("inventory", &inv)] {
        let leaks: Vec<&str> = text.lines().filter(|l| l.contains(MARK)).collect();
        assert!(leaks.is_empty(), "{what}: {leaks:#?}");
    }
    // The malformed lines were reported.
    assert!(stderr.contains("web01/etc/shadow:3"), "{stderr}");
}

/// A file name with a line break, an ANSI escape and Markdown/HTML forges nothing: not a line of
/// the text report or stderr, not a Markdown table row, not a CSV row, not HTML markup.
#[test]
fn hostile_names_forge_no_output() {
    let name = "x\n== forged (file): 0 open findings ==\u{1b}[2J|<b>bold<b>\r.env";
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        crate::common::root().join("fixtures/estate/repos/billing-api/.env"),
        dir.path().join(name),
    )
    .unwrap();
    fs::write(dir.path().join(format!("{name}.bin")), b"\x7fELF\0\0\0\0").unwrap();
    let run = |format: &str| {
        let out = resetgap()
            .args([
                "scan",
                "--no-progress",
                "--fail-on",
                "none",
                "-v",
                "--as-of",
                AS_OF,
            ])
            .args(["--format", format])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (text, stderr) = run("text");
    for (what, out) in [("text", &text), ("stderr", &stderr)] {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r'),
            "{what}: {out}"
        );
        assert!(
            !out.lines().any(|l| l.starts_with("== forged")),
            "{what}: {out}"
        );
    }
    assert!(
        text.contains("x\\n== forged (file): 0 open findings ==\\u{1b}[2J|<b>bold<b>\\r.env"),
        "{text}"
    );
    assert!(stderr.contains(".env.bin: note [binary]"), "{stderr}");
    let (md, _) = run("markdown");
    assert!(!md.contains("<b>") && !md.contains('\u{1b}'), "{md}");
    assert!(!md.lines().any(|l| l.starts_with("== forged")), "{md}");
    let (csv, _) = run("csv");
    let (_, json, _) = scan_json(&[dir.path().to_str().unwrap(), "--as-of", AS_OF]);
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
    assert_eq!(rows, json["findings"].as_array().unwrap().len());
    assert!(rows > 0);
    let (html, _) = run("html");
    assert!(!html.contains("<b>bold"), "raw markup in HTML");
}
