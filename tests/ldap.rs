//! Live LDAP against a real OpenLDAP slapd (ppolicy, memberof, StartTLS, ldaps) started on
//! 127.0.0.1 by `tests/ldap/start-slapd.sh`. Each test starts its own server and stops it (by
//! pid) when it ends, even on failure. When slapd cannot be started the tests fail in CI
//! (`CI=true`) and are skipped locally with the reason on stderr.

use crate::common::{resetgap, summarize, AS_OF};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Flip to `true` when the real LDIF parser (`source::directory::parse_ldif`) is merged: the
/// inventory assertions below describe its contract and fail against the stub.
const LDIF_PARSER_MERGED: bool = true;

/// Fixture whose file-crawl findings must survive any LDAP failure.
const FILE_FIXTURE: &str = "fixtures/rules/RG501/fail-secrets-in-config/input";

struct Slapd {
    env: std::collections::HashMap<String, String>,
    workdir: PathBuf,
}

impl Slapd {
    /// Starts a server; `None` (test skipped) only outside CI.
    fn start(extra: &[(&str, &str)]) -> Option<Slapd> {
        let script = crate::common::root().join("tests/ldap/start-slapd.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .envs(extra.iter().copied())
            .output();
        let reason = match &out {
            Ok(o) if o.status.success() => {
                let stdout = String::from_utf8_lossy(&o.stdout);
                let env_file = stdout.lines().last().unwrap_or("").trim().to_string();
                match std::fs::read_to_string(&env_file) {
                    Ok(text) => {
                        let env = text
                            .lines()
                            .filter_map(|l| l.strip_prefix("export "))
                            .filter_map(|l| l.split_once('='))
                            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
                            .collect::<std::collections::HashMap<_, _>>();
                        let workdir = PathBuf::from(&env["SLAPD_WORKDIR"]);
                        return Some(Slapd { env, workdir });
                    }
                    Err(e) => format!("no env file `{env_file}`: {e}"),
                }
            }
            Ok(o) => format!(
                "start-slapd.sh failed ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => format!("cannot run bash: {e}"),
        };
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("slapd is required in CI but could not be started: {reason}");
        }
        #[allow(clippy::print_stderr)]
        {
            eprintln!("SKIPPED live LDAP test: {reason}");
        }
        None
    }

    fn var(&self, k: &str) -> &str {
        &self.env[k]
    }

    /// A file holding the admin password (never on a command line).
    fn password_file(&self, dir: &Path) -> PathBuf {
        let p = dir.join("bind.pw");
        // No newline: `ldapsearch -y` uses the whole file.
        std::fs::write(&p, self.var("LDAP_BINDPW")).unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }

    fn port(&self) -> u16 {
        self.var("LDAP_URI")
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(crate::common::root().join("tests/ldap/start-slapd.sh"))
            .arg("stop")
            .arg(&self.workdir)
            .status();
    }
}

struct Run {
    code: i32,
    report: serde_json::Value,
    stderr: String,
}

/// `resetgap scan --format json` with the given args; the report goes to `dir/report.json`.
fn scan(dir: &Path, args: &[&str]) -> Run {
    let report = dir.join("report.json");
    let out = resetgap()
        .arg("scan")
        .args(["--format", "json", "--no-progress", "--as-of", AS_OF])
        .arg("-o")
        .arg(&report)
        .args(args)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    Run {
        code: out.status.code().unwrap_or(-1),
        report: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Findings as `RULE level account`, without their paths (the live file and the export differ).
fn findings_without_paths(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{} {} {}",
                        f["rule"].as_str().unwrap_or("?"),
                        f["level"].as_str().unwrap_or("?"),
                        f["account"].as_str().unwrap_or("-")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// DNs of an LDIF file (unfolded `dn:` lines; base64 DNs kept encoded).
fn dns(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.replace("\n ", "")
        .lines()
        .filter(|l| l.starts_with("dn:"))
        .map(str::to_string)
        .collect()
}

/// Inventory lines without evidence locations, for comparing two scans of the same data.
fn inventory_without_paths(path: &Path) -> Vec<serde_json::Value> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.retain(|k, _| {
                    !matches!(
                        k.as_str(),
                        "evidence" | "password_evidence" | "path" | "line"
                    )
                });
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut v: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        // The header says what was scanned (a file, a server), not what was found.
        .filter(|v| v["record"] != "header")
        .map(|mut v| {
            strip(&mut v);
            v
        })
        .collect();
    v.sort_by_key(|x| x.to_string());
    v
}

/// Passwords the seed script sets (tests/ldap/start-slapd.sh).
const SEEDED_PASSWORDS: &[&str] = &[
    "Alice-Test-Pass-1",
    "Bob-Test-Pass-1",
    "Carol-Test-Pass-1",
    "Reset-bob-Test-2",
    "Reset-carol-Test-2",
];

/// The saved LDIF holds no secret-bearing value (no seeded password, no userPassword hash of the
/// export, in clear or base64), keeps each userPassword's scheme, and is private (mode 0600).
fn assert_saved_ldif_is_safe(name: &str, saved: &Path, text: &str, export: &Path, bind_pw: &str) {
    use base64::Engine as _;
    let b64 = |v: &[u8]| base64::engine::general_purpose::STANDARD.encode(v);
    let mut forbidden: Vec<String> = Vec::new();
    for pw in SEEDED_PASSWORDS.iter().chain([&bind_pw]) {
        forbidden.push(pw.to_string());
        forbidden.push(b64(pw.as_bytes()));
    }
    // The hashes ldapsearch saw (`userPassword:: <base64>` or `userPassword: {SCHEME}...`).
    let export_text = std::fs::read_to_string(export).unwrap();
    let mut hashes = 0;
    for line in export_text.lines() {
        let value = if let Some(v) = line.strip_prefix("userPassword:: ") {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .unwrap()
        } else if let Some(v) = line.strip_prefix("userPassword: ") {
            v.as_bytes().to_vec()
        } else {
            continue;
        };
        hashes += 1;
        let value = String::from_utf8(value).unwrap();
        let hash = value.split_once('}').map_or(value.as_str(), |(_, h)| h);
        forbidden.extend([value.clone(), b64(value.as_bytes()), hash.to_string()]);
    }
    assert!(hashes >= 3, "{name}: the export holds the seeded hashes");
    for f in &forbidden {
        assert!(!text.contains(f.as_str()), "{name}: saved LDIF holds `{f}`");
    }
    assert!(
        text.contains("userPassword: {SSHA}\n"),
        "{name}: the scheme is kept"
    );
    assert_eq!(
        text.matches("userPassword: ").count(),
        hashes,
        "{name}: one line per value"
    );
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(saved).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{name}: saved LDIF mode {mode:o}");
}

#[test]
fn live_scan_matches_ldif_export() {
    let Some(slapd) = Slapd::start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pw = slapd.password_file(d);
    let pw = pw.to_str().unwrap();
    let base = slapd.var("LDAP_BASE");
    let (binddn, ca) = (slapd.var("LDAP_BINDDN"), slapd.var("LDAP_CA"));

    // The same data dumped by ldapsearch (paged, every user and operational attribute).
    let export = d.join("export.ldif");
    let dump = std::process::Command::new("ldapsearch")
        .args([
            "-LLL",
            "-o",
            "ldif_wrap=no",
            "-x",
            "-ZZ",
            "-E",
            "pr=1000/noprompt",
        ])
        .args([
            "-H",
            slapd.var("LDAP_URI"),
            "-D",
            binddn,
            "-y",
            pw,
            "-b",
            base,
        ])
        .args(["(objectClass=*)", "*", "+"])
        .env("LDAPTLS_CACERT", ca)
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    std::fs::write(&export, &dump.stdout).unwrap();
    let file = scan(
        d,
        &[
            export.to_str().unwrap(),
            "--emit-inventory",
            d.join("inv-file.jsonl").to_str().unwrap(),
        ],
    );
    assert!(matches!(file.code, 0 | 1), "{}", file.stderr);

    let cases: [(&str, &str, &[&str]); 2] = [
        ("starttls", slapd.var("LDAP_URI"), &["--starttls"]),
        ("ldaps", slapd.var("LDAPS_URI"), &[]),
    ];
    for (name, url, extra) in cases {
        let saved = d.join(format!("{name}.ldif"));
        let inv = d.join(format!("inv-{name}.jsonl"));
        let mut args = vec!["--ldap", url, "--base", base, "--bind-dn", binddn];
        args.extend_from_slice(&["--bind-password-file", pw, "--ca-file", ca]);
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--save-ldif", saved.to_str().unwrap()]);
        args.extend_from_slice(&["--emit-inventory", inv.to_str().unwrap()]);
        let live = scan(d, &args);
        assert!(matches!(live.code, 0 | 1), "{name}: {}", live.stderr);
        assert!(
            live.report["diagnostics"].as_array().unwrap().is_empty(),
            "{name}: {}",
            live.report
        );
        assert!(
            !live.stderr.contains(slapd.var("LDAP_BINDPW")),
            "password leaked"
        );
        // Every entry, exactly those ldapsearch saw.
        let got = dns(&saved);
        assert_eq!(got, dns(&export), "{name}");
        for uid in ["alice", "bob", "carol", "dave"] {
            assert!(
                got.contains(&format!("dn: uid={uid},ou=people,{base}")),
                "{name}: {uid}"
            );
        }
        let text = std::fs::read_to_string(&saved).unwrap();
        assert_saved_ldif_is_safe(name, &saved, &text, &export, slapd.var("LDAP_BINDPW"));
        assert!(
            text.contains("pwdReset: TRUE"),
            "{name}: operational attributes requested"
        );
        assert!(text.contains("memberOf: cn=ldap-admins"), "{name}");
        assert!(text.contains("sshPublicKey: ssh-ed25519 "), "{name}");
        assert!(!text.contains(slapd.var("LDAP_BINDPW")));
        // Same findings as the export (paths differ: they point at each file's lines), and as
        // the saved file scanned again.
        assert_eq!(
            findings_without_paths(&live.report),
            findings_without_paths(&file.report),
            "{name}"
        );
        let again = scan(d, &[saved.to_str().unwrap()]);
        assert_eq!(
            findings_without_paths(&again.report),
            findings_without_paths(&live.report),
            "{name}: the saved LDIF re-read"
        );
        for f in summarize(&live.report) {
            let path = f.split(' ').nth(2).unwrap_or("");
            // Saved outside the working directory: reported by file name, never absolute.
            assert!(
                path.starts_with(&format!("{name}.ldif:")),
                "{name}: finding not in the saved LDIF: {f}"
            );
        }
        if LDIF_PARSER_MERGED {
            // Contract of the real parser: the same inventory from both, OpenLDAP accounts for
            // every seeded user, SSH keys for alice and carol.
            let live_inv = inventory_without_paths(&inv);
            assert_eq!(
                live_inv,
                inventory_without_paths(&d.join("inv-file.jsonl")),
                "{name}"
            );
            let logins: BTreeSet<&str> = live_inv
                .iter()
                .filter(|r| r["record"] == "account" && r["source"] == "open-ldap")
                .filter_map(|r| r["login"].as_str())
                .collect();
            for uid in ["alice", "bob", "carol", "dave"] {
                assert!(
                    logins.contains(uid),
                    "{name}: account {uid} missing: {logins:?}"
                );
            }
            let keys = live_inv
                .iter()
                .filter(|r| r["record"] == "credential")
                .count();
            assert!(keys >= 2, "{name}: SSH keys of alice and carol");
        }
    }

    // SASL EXTERNAL over the private socket, with the default save location (output dir).
    let out_dir = d.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let report = out_dir.join("r.json");
    let run = resetgap()
        .args([
            "scan",
            "--format",
            "json",
            "--no-progress",
            "--ldap",
            slapd.var("LDAPI_URI"),
        ])
        .args([
            "--sasl-external",
            "--base",
            base,
            "-o",
            report.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(dns(&out_dir.join("resetgap-ldap-ldapi.ldif")), dns(&export));
}

#[test]
fn ldap_failures_are_clear_and_keep_file_findings() {
    let Some(slapd) = Slapd::start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pw = slapd.password_file(d);
    let wrong = d.join("wrong.pw");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    let base = slapd.var("LDAP_BASE");
    let binddn = slapd.var("LDAP_BINDDN");
    let ca = slapd.var("LDAP_CA");
    let saved = d.join("s.ldif");
    let saved = saved.to_str().unwrap();

    let alone = scan(d, &[FILE_FIXTURE, "--fail-on", "none"]);
    let expected = summarize(&alone.report);
    assert!(!expected.is_empty());

    // A closed port: nothing listens there.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed_url = format!("ldap://127.0.0.1:{closed}");
    // A server that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("ldap://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let ldaps = slapd.var("LDAPS_URI");

    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "wrong password",
            vec![
                "--ldap",
                ldaps,
                "--ca-file",
                ca,
                "--bind-dn",
                binddn,
                "--bind-password-file",
                wrong.to_str().unwrap(),
            ],
            "invalid credentials",
        ),
        (
            "unreachable",
            // A bound: another test may take the freed port and never answer.
            vec!["--ldap", &closed_url, "--ldap-timeout", "20"],
            "connection refused",
        ),
        (
            "certificate not verified",
            vec![
                "--ldap",
                ldaps,
                "--bind-dn",
                binddn,
                "--bind-password-file",
                pw.to_str().unwrap(),
            ],
            "certificate verification failed; pass --ca-file",
        ),
        (
            "no answer",
            vec!["--ldap", &silent_url, "--ldap-timeout", "2"],
            "no answer",
        ),
        (
            "missing base",
            vec![
                "--ldap",
                ldaps,
                "--ca-file",
                ca,
                "--bind-dn",
                binddn,
                "--bind-password-file",
                pw.to_str().unwrap(),
            ],
            "does not exist",
        ),
    ];
    for (name, ldap_args, message) in cases {
        let base_arg = if name == "missing base" {
            "ou=missing,dc=example,dc=test"
        } else {
            base
        };
        let mut args = vec![
            FILE_FIXTURE,
            "--fail-on",
            "none",
            "--fail-on-incomplete",
            "--base",
            base_arg,
            "--save-ldif",
            saved,
        ];
        args.extend(ldap_args);
        let run = scan(d, &args);
        assert_eq!(run.code, 3, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(message),
            "{name}: stderr lacks `{message}`:\n{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains(slapd.var("LDAP_BINDPW")),
            "{name}: password leaked"
        );
        assert_eq!(
            summarize(&run.report),
            expected,
            "{name}: file-crawl findings kept"
        );
        let diags = run.report["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), 1, "{name}: one clear diagnostic: {diags:?}");
    }
    drop(silent);

    // Plain simple bind to a host that is not loopback: refused before connecting.
    let out = resetgap()
        .args([
            "scan",
            FILE_FIXTURE,
            "--ldap",
            "ldap://ldap.invalid",
            "--base",
            base,
        ])
        .args([
            "--bind-dn",
            binddn,
            "--bind-password-file",
            pw.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--allow-plaintext-bind") && stderr.contains("--starttls"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing scanned");

    // A bind DN with no password anywhere: usage error.
    let out = resetgap()
        .args([
            "scan",
            FILE_FIXTURE,
            "--ldap",
            slapd.var("LDAP_URI"),
            "--base",
            base,
            "--bind-dn",
            binddn,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RESETGAP_LDAP_PASSWORD"));

    // The password from the environment works.
    let out = resetgap()
        .args([
            "scan",
            "--format",
            "json",
            "--ldap",
            ldaps,
            "--ca-file",
            ca,
            "--base",
            base,
        ])
        .args(["--bind-dn", binddn, "--save-ldif", saved])
        .env("RESETGAP_LDAP_PASSWORD", slapd.var("LDAP_BINDPW"))
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dns(Path::new(saved)).contains(&format!("dn: uid=bob,ou=people,{base}")));
}

/// Forwards one connection to `upstream` and closes both sides after `limit` bytes of the
/// server's answer.
fn cutting_proxy(upstream: u16, limit: usize) -> (u16, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = c_in.read(&mut buf) {
                if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
        let (mut s_in, mut c_out) = (server, client);
        let mut sent = 0;
        let mut buf = [0u8; 512];
        while sent < limit {
            match s_in.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let n = n.min(limit - sent);
                    if c_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                }
            }
        }
        let _ = c_out.shutdown(std::net::Shutdown::Both);
        let _ = s_in.shutdown(std::net::Shutdown::Both);
        sent
    });
    (port, handle)
}

#[test]
fn server_closing_mid_page_keeps_partial_entries() {
    let Some(slapd) = Slapd::start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pw = slapd.password_file(d);
    // About half of the answer (the bind, then ten entries of the attributes resetgap reads
    // come to about 2,900 bytes).
    let (port, proxy) = cutting_proxy(slapd.port(), 1500);
    let saved = d.join("partial.ldif");
    let url = format!("ldap://127.0.0.1:{port}");
    let run = scan(
        d,
        &[
            FILE_FIXTURE,
            "--fail-on",
            "none",
            "--fail-on-incomplete",
            "--ldap",
            &url,
            "--base",
            slapd.var("LDAP_BASE"),
            "--bind-dn",
            slapd.var("LDAP_BINDDN"),
            "--bind-password-file",
            pw.to_str().unwrap(),
            "--ldap-page-size",
            "2",
            "--ldap-timeout",
            "10",
            "--save-ldif",
            saved.to_str().unwrap(),
        ],
    );
    let sent = proxy.join().unwrap();
    assert_eq!(sent, 1500, "the proxy cut the answer");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("during the search"), "{}", run.stderr);
    assert!(run.stderr.contains("read only in part"), "{}", run.stderr);
    let got = dns(&saved);
    assert!(
        !got.is_empty() && got.len() < 10,
        "partial entries kept: {got:?}"
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("# incomplete"), "{text}");
    assert!(
        !summarize(&run.report).is_empty(),
        "file-crawl findings kept"
    );
}

#[test]
fn garbage_binary_values_are_saved_safely() {
    let Some(slapd) = Slapd::start(&[("SLAPD_GARBAGE", "1")]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pw = slapd.password_file(d);
    let saved = d.join("g.ldif");
    let run = scan(
        d,
        &[
            "--ldap",
            slapd.var("LDAPS_URI"),
            "--ca-file",
            slapd.var("LDAP_CA"),
            "--base",
            slapd.var("LDAP_BASE"),
            "--bind-dn",
            slapd.var("LDAP_BINDDN"),
            "--bind-password-file",
            pw.to_str().unwrap(),
            "--save-ldif",
            saved.to_str().unwrap(),
            "--fail-on",
            "none",
            "--fail-on-incomplete",
        ],
    );
    // No crash: the values are saved base64-encoded (RFC 2849) and handed to the parser, which
    // reports what it cannot use as a located diagnostic.
    // The garbage SSH key cannot be evaluated: a located error, and the scan is incomplete.
    assert_eq!(run.code, 3, "{}", run.stderr);
    let diags = run.report["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["severity"] == "error"
            && d["location"]["path"] == "g.ldif"
            && d["location"]["line"].is_u64()
            && d["message"].as_str().unwrap_or("").contains("sshPublicKey")),
        "{diags:?}"
    );
    assert!(
        run.stderr.contains("g.ldif:"),
        "the message is on stderr too: {}",
        run.stderr
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    let eve = text
        .split("\n\n")
        .find(|e| e.contains("dn: uid=eve,"))
        .expect("eve saved");
    assert!(eve.contains("\nsshPublicKey:: "), "{eve}");
    // No adapter reads a photo: it is not requested, so not saved.
    assert!(!eve.contains("jpegPhoto"), "{eve}");
    for e in text.split("\n\n") {
        for line in e.lines() {
            assert!(line.is_ascii(), "every saved line is ASCII: {line:?}");
        }
    }
}

/// `crypt(3)` SHA-512 of `Edge-Test-Pass-1` with salt `saltsalt` (`openssl passwd -6 -salt
/// saltsalt Edge-Test-Pass-1`): a throwaway test value.
const EDGE_SHA512: &str = "$6$saltsalt$z8aTH381WFrIeggAG6AIB7ANZ8BAWavgmffIJRWXVOIVyR8yuf0U3Dq4eE1QXrx9jFAIMvG6cJWgAn9Y0nNsr.";
const EDGE_PASSWORD: &str = "Edge-Test-Pass-1";

/// Issue 8: what resetgap reads from each `userPassword` form (and each person or account
/// class) agrees with what slapd does with it. Each entry is added to a real slapd as written,
/// a simple bind (`ldapwhoami`) is tried with the passwords that could match, and resetgap's
/// reading of the same LDIF must be `set` exactly when one of them binds. The expected bind
/// verdicts below are slapd's (2.5.13 on Debian 12), pinned so a change in either shows.
#[test]
fn user_password_forms_read_as_slapd_binds_them() {
    let Some(slapd) = Slapd::start(&[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let admin_pw = slapd.password_file(d);
    let base = slapd.var("LDAP_BASE").to_string();
    // OpenLDAPperson comes from OpenLDAP's own openldap.schema (not loaded by the script).
    let schema = std::process::Command::new("ldapadd")
        .args(["-Q", "-Y", "EXTERNAL", "-H", slapd.var("LDAPI_URI"), "-f"])
        .arg("/etc/ldap/schema/openldap.ldif")
        .output()
        .unwrap();
    assert!(
        schema.status.success(),
        "{}",
        String::from_utf8_lossy(&schema.stderr)
    );
    let crypt = format!("{{CRYPT}}{EDGE_SHA512}");
    let locked = format!("{{CRYPT}}!{EDGE_SHA512}");
    // (uid, object classes, userPassword values, passwords tried, does slapd bind, resetgap)
    #[allow(clippy::type_complexity)]
    let cases: &[(&str, &[&str], Vec<&str>, &[&str], bool, &str)] = &[
        // ldapwhoami -w Edge-Test-Pass-1 (slapd 2.5.13): binds
        (
            "bjensen",
            &["OpenLDAPperson"],
            vec![EDGE_PASSWORD],
            &[EDGE_PASSWORD],
            true,
            "set",
        ),
        // ldapwhoami -w '*' (slapd 2.5.13): binds. No scheme is clear text, `*` included.
        ("pilot", &["pilotPerson"], vec!["*"], &["*"], true, "set"),
        // ldapwhoami -w '*' / -w '' (slapd 2.5.13): invalid credentials / unauthenticated bind refused
        (
            "host1",
            &["account", "simpleSecurityObject"],
            vec!["{CRYPT}*"],
            &["*", ""],
            false,
            "no-password",
        ),
        // ldapwhoami -w Edge-Test-Pass-1 (slapd 2.5.13): binds (crypt is supported)
        (
            "cryptok",
            &["inetOrgPerson"],
            vec![crypt.as_str()],
            &[EDGE_PASSWORD],
            true,
            "set",
        ),
        // ldapwhoami -w Edge-Test-Pass-1 (slapd 2.5.13): invalid credentials
        (
            "locked",
            &["residentialPerson", "uidObject"],
            vec![locked.as_str()],
            &[EDGE_PASSWORD],
            false,
            "locked",
        ),
        // ldapwhoami -w '' (slapd 2.5.13): unwilling to perform (unauthenticated bind)
        (
            "empty",
            &["inetOrgPerson"],
            vec![""],
            &[""],
            false,
            "no-password",
        ),
        // ldapwhoami -w '' / -w x (slapd 2.5.13): refused / invalid credentials
        (
            "cryptempty",
            &["inetOrgPerson"],
            vec!["{CRYPT}"],
            &["", "x"],
            false,
            "no-password",
        ),
        // Two values (one `{crypt}*`, one hash) cannot be added here: ppolicy refuses them
        // ("Password policy only allows one password value"); the unit test
        // `openldap_edge_fixture` pins that any set value makes the password set.
    ];
    let mut ldif = format!("dn: ou=hosts,{base}\nobjectClass: organizationalUnit\nou: hosts\n\n");
    let dn = |uid: &str| {
        let ou = if uid == "host1" { "hosts" } else { "people" };
        format!("uid={uid},ou={ou},{base}")
    };
    for (uid, classes, values, _, _, _) in cases {
        ldif.push_str(&format!("dn: {}\n", dn(uid)));
        for c in *classes {
            ldif.push_str(&format!("objectClass: {c}\n"));
        }
        ldif.push_str(&format!("uid: {uid}\n"));
        if !classes.contains(&"account") {
            ldif.push_str(&format!("cn: {uid}\nsn: {uid}\n"));
        }
        if classes.contains(&"residentialPerson") {
            ldif.push_str("l: Somewhere\n");
        }
        for v in values {
            ldif.push_str(&format!("userPassword: {v}\n"));
        }
        ldif.push('\n');
    }
    let file = d.join("edge.ldif");
    std::fs::write(&file, &ldif).unwrap();
    let add = std::process::Command::new("ldapadd")
        .args([
            "-x",
            "-H",
            slapd.var("LDAP_URI"),
            "-D",
            slapd.var("LDAP_BINDDN"),
            "-y",
        ])
        .arg(&admin_pw)
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );

    // resetgap's reading of the same LDIF.
    let inv = d.join("inv.jsonl");
    let run = scan(
        d,
        &[
            file.to_str().unwrap(),
            "--emit-inventory",
            inv.to_str().unwrap(),
        ],
    );
    assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
    let states: std::collections::HashMap<String, String> = std::fs::read_to_string(&inv)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["record"] == "account")
        .map(|v| {
            (
                v["login"].as_str().unwrap_or("").to_string(),
                v["password"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();

    let pw_file = d.join("try.pw");
    for (uid, _, _, tried, binds, read) in cases {
        let mut bound = false;
        for pw in *tried {
            std::fs::write(&pw_file, pw).unwrap();
            let who = std::process::Command::new("ldapwhoami")
                .args(["-x", "-H", slapd.var("LDAP_URI"), "-D", &dn(uid), "-y"])
                .arg(&pw_file)
                .output()
                .unwrap();
            bound |= who.status.success();
        }
        assert_eq!(bound, *binds, "{uid}: slapd's bind verdict changed");
        assert_eq!(
            states.get(*uid).map(String::as_str),
            Some(*read),
            "{uid}: resetgap's reading"
        );
        assert_eq!(
            *read == "set",
            bound,
            "{uid}: resetgap disagrees with slapd"
        );
    }
}
