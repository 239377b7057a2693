//! The bad-input matrix (issue 13, part 2): one table, one row per hostile or broken input.
//!
//! Every row builds a small estate in a temporary directory: the good inputs (a host tree whose
//! RG301 findings are known and an AWS credential report with RG101 findings) beside the bad
//! input under `bad/`. It runs the real binary on it and asserts, for the row:
//! - no panic: the exit code is a documented one and stderr says nothing of a panic;
//! - bounded memory: the child's peak RSS stays under the row's bound. It is read from
//!   `/proc/PID/status` `VmHWM` (the kernel's high-water mark of resident memory) every 5 ms
//!   while the child runs. The mark only grows, so the last sample is the peak but for what the
//!   child allocates in its last 5 ms. `wait4`'s `ru_maxrss` would be exact, but needs `unsafe`
//!   (the crate forbids it) or a new dependency, and `RUSAGE_CHILDREN` mixes in the other tests'
//!   children;
//! - no hang: a row's child is killed at its timeout and the row fails;
//! - a located diagnostic for the bad file (path, and line where the format has lines), in the
//!   JSON report's `diagnostics` (the same list as SARIF's `toolExecutionNotifications`);
//! - the good inputs' findings are all there;
//! - the documented exit code. The good inputs' findings gate (exit 1) whatever else happened
//!   (README "Exit codes": 3 only when no finding gates), so rows run with `--fail-on none
//!   --fail-on-incomplete`: 3 exactly when an input could not be read, 0 when every input was.
//!   The `control` row runs with the default `--fail-on` and expects 1.
//!
//! Cases that take long in a debug build (GiB files, a million objects, a 100 MB LDIF value,
//! 200k files) are in the ignored test `matrix_slow`, run by `.ci/run`. The LDAP server cases
//! are in tests/ldap_hostile.rs.

use crate::common::{root, say, SCAN_JSON_AS_OF};
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;

/// What a row expects of the scan.
#[derive(Clone)]
struct Expect {
    /// Whether the scan is incomplete (exit 3) or not (exit 0); `None`: either (a race).
    incomplete: Option<bool>,
    /// A diagnostic at this path (relative to the scan root) and, when given, line.
    diag: Option<(String, Option<u32>)>,
    /// Its severity, when it matters (`note`, `warning`, `error`).
    severity: Option<&'static str>,
    /// Records read from this file must be in the inventory (it was read, not dropped).
    records_from: Option<String>,
    /// Text that must appear nowhere: stdout, stderr, the inventory.
    absent: Vec<String>,
    /// Peak resident memory bound, MiB.
    max_rss_mib: u64,
    /// The child is killed and the row fails after this long.
    timeout: Duration,
}

impl Expect {
    /// A located diagnostic for `path` (at `line` if given).
    fn diag(path: &str, line: Option<u32>, incomplete: bool) -> Self {
        Expect {
            incomplete: Some(incomplete),
            diag: Some((path.to_string(), line)),
            severity: None,
            records_from: None,
            absent: Vec::new(),
            max_rss_mib: 256,
            timeout: Duration::from_secs(120),
        }
    }

    /// The bad-looking file is read (UTF-16, CRLF): its findings are there, the scan complete.
    fn read(path: &str) -> Self {
        Expect {
            incomplete: Some(false),
            diag: None,
            severity: None,
            records_from: Some(path.to_string()),
            absent: Vec::new(),
            max_rss_mib: 256,
            timeout: Duration::from_secs(120),
        }
    }

    fn severity(mut self, s: &'static str) -> Self {
        self.severity = Some(s);
        self
    }

    fn absent(mut self, text: &str) -> Self {
        self.absent.push(text.to_string());
        self
    }

    fn rss(mut self, mib: u64) -> Self {
        self.max_rss_mib = mib;
        self
    }

    fn timeout(mut self, secs: u64) -> Self {
        self.timeout = Duration::from_secs(secs);
        self
    }
}

type Build = Box<dyn Fn(&Path) -> Result<(), String> + Send + Sync>;
type During = Box<dyn Fn(&Path) + Send + Sync>;

/// One row of the matrix.
struct Case {
    name: String,
    /// Writes the bad input under the estate root (the good inputs are already there); `Err` is
    /// a reason to skip the row on this machine.
    build: Build,
    args: Vec<String>,
    expect: Expect,
    /// Run the child as an unprivileged user (unreadable files when the test runs as root).
    unprivileged: bool,
    /// Called once the child is running (files that disappear mid-scan).
    during: Option<During>,
}

fn case(
    name: &str,
    build: impl Fn(&Path) -> Result<(), String> + Send + Sync + 'static,
    expect: Expect,
) -> Case {
    Case {
        name: name.to_string(),
        build: Box::new(build),
        args: Vec::new(),
        expect,
        unprivileged: false,
        during: None,
    }
}

impl Case {
    fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|a| (*a).to_string()).collect();
        self
    }
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn fixture(rel: &str) -> Vec<u8> {
    fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The good inputs' findings (`RULE path:line`), present in every row.
const GOOD_FINDINGS: &[&str] = &[
    "RG101 good/aws/credential-report.csv:2",
    "RG101 good/aws/credential-report.csv:3",
    "RG301 good/adm01/etc/passwd:2",
    "RG301 good/adm01/etc/sudoers:4",
];

fn build_good(root: &Path) {
    crate::common::copy_tree(
        &crate::common::root().join("fixtures/rules/RG301/fail-uid0-groups-sudoers/input/adm01"),
        &root.join("good/adm01"),
    );
    write(
        root,
        "good/aws/credential-report.csv",
        &fixture("fixtures/rules/RG101/fail-used-after-reset/input/credential-report.csv"),
    );
}

/// What one run gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    inventory: String,
    peak: u64,
    elapsed: Duration,
    timed_out: bool,
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// How to run a child as `nobody` when this test runs as root, if this machine can.
fn unprivileged_prefix() -> Result<Vec<String>, String> {
    let uid = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
        })
        .unwrap_or_default();
    if uid != "0" {
        return Ok(Vec::new());
    }
    let candidates: [&[&str]; 2] = [
        &[
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--",
        ],
        &["runuser", "-u", "nobody", "--"],
    ];
    for c in candidates {
        let ok = Command::new(c[0])
            .args(&c[1..])
            .args(["test", "!", "-r", "/etc/shadow"])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(c.iter().map(|s| (*s).to_string()).collect());
        }
    }
    Err("running as root and neither setpriv nor runuser can drop to nobody".into())
}

fn run(case: &Case, dir: &Path, estate: &Path, prefix: &[String]) -> Run {
    let inventory = dir.join("out/inventory.jsonl");
    let bin = env!("CARGO_BIN_EXE_resetgap");
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.current_dir(dir)
        .env_remove("RESETGAP_LDAP_PASSWORD")
        .env_remove("RESETGAP_SECRET_ID_KEY")
        .args(SCAN_JSON_AS_OF)
        .arg("--emit-inventory")
        .arg(&inventory);
    if case.name != "control" {
        cmd.args(["--fail-on", "none", "--fail-on-incomplete"]);
    }
    cmd.args(&case.args)
        .arg(estate)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawns the binary");
    let pid = child.id();
    // Drain the pipes on threads so a large report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut b).ok();
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut b).ok();
        b
    });
    let mut peak = 0;
    let mut during_done = case.during.is_none();
    let mut timed_out = false;
    let status = loop {
        if let Some(p) = vm_hwm(pid) {
            peak = peak.max(p);
        }
        if !during_done && start.elapsed() > Duration::from_millis(150) {
            (case.during.as_ref().unwrap())(estate);
            during_done = true;
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > case.expect.timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        inventory: fs::read_to_string(&inventory).unwrap_or_default(),
        peak,
        elapsed,
        timed_out,
    }
}

/// Runs one row: its one-line summary and its failure, if any.
fn run_case(case: &Case) -> (String, Option<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let estate = dir.join("estate");
    fs::create_dir_all(dir.join("out")).unwrap();
    build_good(&estate);
    if let Err(why) = (case.build)(&estate) {
        return (format!("matrix {}: SKIPPED: {why}", case.name), None);
    }
    let prefix = if case.unprivileged {
        match unprivileged_prefix() {
            Ok(p) => p,
            Err(why) => return (format!("matrix {}: SKIPPED: {why}", case.name), None),
        }
    } else {
        Vec::new()
    };
    if !prefix.is_empty() {
        // `nobody` must reach the estate and write the inventory.
        for p in [dir, &estate] {
            fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::set_permissions(dir.join("out"), fs::Permissions::from_mode(0o777)).unwrap();
    }
    let r = run(case, dir, &estate, &prefix);
    let problems = check(case, &r);
    if std::env::var_os("MATRIX_OBSERVE").is_some() {
        observe(&case.name, &r);
    }
    let summary = format!(
        "matrix {}: exit {:?}, {:.1}s, peak {} MiB{}",
        case.name,
        r.code,
        r.elapsed.as_secs_f64(),
        r.peak / MIB,
        if problems.is_empty() { "" } else { ", FAILED" }
    );
    let failure = (!problems.is_empty()).then(|| {
        format!(
            "{}:\n  {}\n  stderr: {}",
            case.name,
            problems.join("\n  "),
            r.stderr.chars().take(3000).collect::<String>()
        )
    });
    (summary, failure)
}

/// Runs every row (`threads` at a time) and fails with every failed row's problems.
fn run_matrix(cases: Vec<Case>, threads: usize) {
    let total = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let (summary, failure) = run_case(case);
                say(&summary);
                results.lock().unwrap().push((i, failure));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    let failures: Vec<String> = results.into_iter().filter_map(|(_, f)| f).collect();
    say(&format!(
        "matrix: {} rows in {:.1}s",
        cases.len(),
        total.elapsed().as_secs_f64()
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Prints what a run gave for `bad/` (`MATRIX_OBSERVE=1`, when writing a row).
fn observe(name: &str, r: &Run) {
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    say(&format!("  {name}:"));
    for d in report["diagnostics"].as_array().into_iter().flatten() {
        if d["location"]["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("bad"))
        {
            say(&format!("    diag {d}"));
        }
    }
    for f in report["findings"].as_array().into_iter().flatten() {
        if f["location"]["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("bad"))
        {
            say(&format!("    finding {} {}", f["rule"], f["location"]));
        }
    }
}

fn check(case: &Case, r: &Run) -> Vec<String> {
    let e = &case.expect;
    let mut p = Vec::new();
    if r.timed_out {
        p.push(format!("hung: killed after {:?}", e.timeout));
        return p;
    }
    if r.stderr.contains("panicked") {
        p.push("panicked".into());
    }
    let code = r.code.unwrap_or(-1);
    let expected: &[i32] = match (case.name.as_str(), e.incomplete) {
        ("control", _) => &[1],
        (_, Some(true)) => &[3],
        (_, Some(false)) => &[0],
        (_, None) => &[0, 3],
    };
    if !expected.contains(&code) {
        p.push(format!("exit {code}, expected one of {expected:?}"));
    }
    if r.peak == 0 {
        p.push("peak memory was not sampled".into());
    } else if r.peak > e.max_rss_mib * MIB {
        p.push(format!(
            "peak memory {} MiB over {} MiB",
            r.peak / MIB,
            e.max_rss_mib
        ));
    }
    let report: serde_json::Value = match serde_json::from_str(&r.stdout) {
        Ok(v) => v,
        Err(err) => {
            p.push(format!("stdout is not a JSON report: {err}"));
            return p;
        }
    };
    let findings: Vec<String> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let loc = &f["location"];
            format!(
                "{} {}:{}",
                f["rule"].as_str().unwrap_or(""),
                loc["path"].as_str().unwrap_or(""),
                loc["line"].as_u64().unwrap_or(0)
            )
        })
        .collect();
    for g in GOOD_FINDINGS {
        if !findings.iter().any(|f| f == g) {
            p.push(format!("good finding missing: {g}"));
        }
    }
    if let Some(path) = &e.records_from {
        if !r.inventory.contains(&format!("\"path\":\"{path}")) {
            p.push(format!("no record from {path} in the inventory"));
        }
    }
    let diags: Vec<(String, Option<u64>, String, String)> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["location"]["path"].as_str().unwrap_or("").to_string(),
                d["location"]["line"].as_u64(),
                d["severity"].as_str().unwrap_or("").to_string(),
                d["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    if let Some((path, line)) = &e.diag {
        let hit = diags.iter().any(|(dp, dl, sev, _)| {
            dp == path
                && line.is_none_or(|l| *dl == Some(u64::from(l)))
                && e.severity.is_none_or(|s| s == sev)
        });
        if !hit {
            p.push(format!(
                "no {}diagnostic at {path}{}: {diags:?}",
                e.severity.map(|s| format!("{s} ")).unwrap_or_default(),
                line.map(|l| format!(":{l}")).unwrap_or_default()
            ));
        }
    }
    // An incomplete scan names the input it could not read.
    if code == 3
        && !diags
            .iter()
            .any(|(dp, _, sev, _)| sev == "error" && !dp.is_empty())
    {
        p.push("exit 3 without a located error".into());
    }
    for text in &e.absent {
        for (what, out) in [
            ("stdout", &r.stdout),
            ("stderr", &r.stderr),
            ("inventory", &r.inventory),
        ] {
            if out.contains(text.as_str()) {
                p.push(format!("{what} holds `{text}`"));
            }
        }
    }
    p
}

// ---------------------------------------------------------------------------------------------
// The inputs.

/// One evidence format: where it sits in an estate and a valid sample of it.
struct Format {
    name: &'static str,
    path: &'static str,
    sample: fn() -> Vec<u8>,
    /// The line the corruption goes on (and the diagnostic points at, when it has lines).
    line: u32,
}

const HOST: &str = "fixtures/rules/RG301/fail-uid0-groups-sudoers/input/adm01";

/// A second host tree, `h1`, beside the good one (its own host name, so its records stay apart).
fn bad_host(root: &Path) {
    crate::common::copy_tree(&crate::common::root().join(HOST), &root.join("bad/h1"));
    write(root, "bad/h1/etc/hostname", b"h1\n");
}

/// The good credential report with other users (so its records stay apart from the good ones).
fn other_report() -> Vec<u8> {
    String::from_utf8(fixture(
        "fixtures/rules/RG101/fail-used-after-reset/input/credential-report.csv",
    ))
    .unwrap()
    .replace("a.lund", "c.roe")
    .replace("b.ode", "d.kim")
    .into_bytes()
}

fn host_file(rel: &str) -> Vec<u8> {
    fixture(&format!("{HOST}/{rel}"))
}

fn formats() -> Vec<Format> {
    vec![
        Format {
            name: "passwd",
            path: "bad/h1/etc/passwd",
            sample: || host_file("etc/passwd"),
            line: 2,
        },
        Format {
            name: "shadow",
            path: "bad/h1/etc/shadow",
            sample: || host_file("etc/shadow"),
            line: 1,
        },
        Format {
            name: "group",
            path: "bad/h1/etc/group",
            sample: || host_file("etc/group"),
            line: 2,
        },
        Format {
            name: "sudoers",
            path: "bad/h1/etc/sudoers",
            sample: || host_file("etc/sudoers"),
            line: 2,
        },
        Format {
            name: "sshd_config",
            path: "bad/h1/etc/ssh/sshd_config",
            sample: || {
                b"PermitRootLogin prohibit-password\nPasswordAuthentication no\nAuthorizedKeysFile .ssh/authorized_keys\n".to_vec()
            },
            line: 2,
        },
        Format {
            name: "authorized_keys",
            path: "bad/h1/home/bob/.ssh/authorized_keys",
            sample: || {
                b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bob@laptop\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJm bob@desk\n".to_vec()
            },
            line: 2,
        },
        Format {
            name: "ldif",
            path: "bad/directory.ldif",
            sample: || fixture("fixtures/rules/RG302/fail-old-admin-password/input/directory.ldif"),
            line: 3,
        },
        Format {
            name: "aws-json",
            path: "bad/list-access-keys.json",
            sample: || fixture("fixtures/sources/aws/list-access-keys.json"),
            line: 3,
        },
        Format {
            name: "aws-csv",
            path: "bad/aws/credential-report.csv",
            sample: other_report,
            line: 2,
        },
        Format {
            name: "servicenow-csv",
            path: "bad/servicenow/incidents.csv",
            sample: || fixture("fixtures/sources/tickets/servicenow-incidents.csv"),
            line: 2,
        },
        Format {
            name: "jira-csv",
            path: "bad/jira/HD-export.csv",
            sample: || fixture("fixtures/sources/tickets/jira-export.csv"),
            line: 2,
        },
        Format {
            name: "auditpol-csv",
            path: "bad/windows/WS02/auditpol.csv",
            sample: || fixture("fixtures/estate/windows/WS01/auditpol.csv"),
            line: 3,
        },
        Format {
            name: "keepassxc-csv",
            path: "bad/home/m.okafor/Downloads/keepassxc.csv",
            sample: || fixture("fixtures/sources/stores/home/m.okafor/Downloads/keepassxc.csv"),
            line: 2,
        },
        Format {
            name: "bitwarden-csv",
            path: "bad/home/m.okafor/Downloads/bitwarden_export.csv",
            sample: || {
                fixture("fixtures/sources/stores/home/m.okafor/Downloads/bitwarden_export.csv")
            },
            line: 2,
        },
        Format {
            name: "gam-csv",
            path: "bad/google/gam-print-asps.csv",
            sample: || fixture("fixtures/sources/google/gam-print-asps.csv"),
            line: 2,
        },
        Format {
            name: "entra-csv",
            path: "bad/entra/users.csv",
            sample: || {
                b"UserPrincipalName,DisplayName,AccountEnabled,LastPasswordChangeDateTime\n\
                  m.okafor@example.org,Mara Okafor,True,2026-08-01T10:00:00Z\n\
                  r.osei@example.org,Ric Osei,True,2026-07-01T10:00:00Z\n"
                    .to_vec()
            },
            line: 2,
        },
        Format {
            name: "localgroup-csv",
            path: "bad/windows/WS03/local-admins.csv",
            sample: || {
                b"\"ObjectClass\",\"Name\",\"PrincipalSource\",\"SID\"\n\
                  \"User\",\"WS03\\\\Administrator\",\"Local\",\"S-1-5-21-1-2-3-500\"\n\
                  \"User\",\"CORP\\\\r.osei\",\"ActiveDirectory\",\"S-1-5-21-4-5-6-1104\"\n"
                    .to_vec()
            },
            line: 2,
        },
        Format {
            name: "docker-config",
            path: "bad/home/bob/.docker/config.json",
            sample: || fixture("fixtures/sources/credfiles/docker-config.json"),
            line: 3,
        },
        Format {
            name: "kubernetes-yaml",
            path: "bad/k8s/secrets.yaml",
            sample: || fixture("fixtures/sources/kubernetes/secrets-sa-list.yaml"),
            line: 3,
        },
        Format {
            name: "dotenv",
            path: "bad/app/prod.env",
            sample: || fixture("fixtures/sources/secrets/prod.env"),
            line: 2,
        },
    ]
}

/// The byte offset of the start of 1-based `line`.
fn line_start(text: &[u8], line: u32) -> usize {
    let mut at = 0;
    for _ in 1..line {
        at += text[at..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
    }
    at
}

/// `sample` with `junk` put in the middle of `line`.
fn with_junk(sample: &[u8], line: u32, junk: &[u8]) -> Vec<u8> {
    let start = line_start(sample, line);
    let len = sample[start..]
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(sample.len() - start);
    let at = start + len / 2;
    [&sample[..at], junk, &sample[at..]].concat()
}

/// What a corrupted format gives: a located diagnostic (observed behaviour, pinned).
fn corrupt_expect(f: &Format, how: &str) -> Expect {
    // A host tree's file that cannot be read leaves the host's facts unknown: incomplete.
    let host = f.path.starts_with("bad/h1/");
    match how {
        // Skipped as binary (a NUL byte is binary): a note, or an error for a host file.
        "binary" | "nul" => {
            Expect::diag(f.path, None, host).severity(if host { "error" } else { "note" })
        }
        // Read with U+FFFD in place of the bad bytes, and a warning at the line (JSON: the
        // replaced bytes break the syntax there, an error).
        _ => Expect::diag(f.path, Some(f.line), f.name == "aws-json"),
    }
}

/// Binary content, NUL bytes and invalid UTF-8 in every text format.
fn encoding_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for f in formats() {
        for (how, junk) in [
            (
                "binary",
                &b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0"[..],
            ),
            ("nul", &b"\0"[..]),
            ("invalid-utf8", &b"\xff\xfe\xc3\x28\x80"[..]),
        ] {
            let expect = corrupt_expect(&f, how);
            let sample = (f.sample)();
            let bytes = if how == "binary" {
                [junk, &sample[..]].concat()
            } else {
                with_junk(&sample, f.line, junk)
            };
            let Format { path, .. } = f;
            let path = path.to_string();
            let shadow_host = path.starts_with("bad/h1/");
            cases.push(case(
                &format!("{how}/{}", f.name),
                move |root| {
                    if shadow_host {
                        bad_host(root);
                    }
                    write(root, &path, &bytes);
                    Ok(())
                },
                expect,
            ));
        }
    }
    cases
}

/// UTF-16LE/BE with and without a BOM, and CRLF line ends: read like UTF-8 with LF.
fn encoding_read_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for f in formats() {
        if !matches!(
            f.name,
            "aws-json"
                | "aws-csv"
                | "ldif"
                | "servicenow-csv"
                | "keepassxc-csv"
                | "kubernetes-yaml"
        ) {
            continue;
        }
        let text = String::from_utf8((f.sample)()).unwrap();
        let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (how, bytes) in [
            ("utf16le-bom", [&b"\xff\xfe"[..], &le].concat()),
            ("utf16le", le.clone()),
            ("utf16be-bom", [&b"\xfe\xff"[..], &be].concat()),
            ("utf16be", be.clone()),
            ("crlf", crlf.into_bytes()),
        ] {
            let path = f.path;
            cases.push(case(
                &format!("{how}/{}", f.name),
                move |root| {
                    write(root, path, &bytes);
                    Ok(())
                },
                Expect::read(path),
            ));
        }
    }
    // A host tree with CRLF: its passwd and sudoers findings, at their lines.
    cases.push(case(
        "crlf/host-tree",
        |root| {
            bad_host(root);
            for f in ["etc/passwd", "etc/sudoers", "etc/group", "etc/shadow"] {
                let p = root.join("bad/h1").join(f);
                let t = fs::read_to_string(&p).unwrap().replace('\n', "\r\n");
                fs::write(p, t).unwrap();
            }
            Ok(())
        },
        Expect::read("bad/h1/etc/passwd"),
    ));
    cases
}

/// The number of the last line of `text` (where a cut ends).
fn last_line(text: &[u8]) -> u32 {
    1 + u32::try_from(text.iter().filter(|b| **b == b'\n').count()).unwrap()
}

/// Truncated, empty and header-only files of every export kind.
fn export_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut kinds = formats();
    kinds.retain(|f| {
        !matches!(
            f.name,
            "passwd"
                | "shadow"
                | "group"
                | "sudoers"
                | "sshd_config"
                | "authorized_keys"
                | "dotenv"
        )
    });
    kinds.push(Format {
        name: "ldapsearch",
        path: "bad/ldap/people.ldif",
        sample: || fixture("fixtures/sources/directory/openldap-example.ldif"),
        // In the last entry, before the closing summary.
        line: 170,
    });
    for f in kinds {
        let sample = (f.sample)();
        // Cut in the middle of the line after `f.line`: mid-row, mid-entry, mid-value.
        let start = line_start(&sample, f.line + 1);
        let len = sample[start..]
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(sample.len() - start);
        let cut = sample[..start + len / 2].to_vec();
        let cut_line = last_line(&cut);
        let header = sample[..line_start(&sample, 2)].to_vec();
        let path = f.path;
        let cut_expect = if f.name == "kubernetes-yaml" {
            // YAML has no end marker: a document cut mid-line is a shorter valid document (here
            // cut in its metadata, before any item). Read, not refused; nothing to report.
            empty_expect(f.name, path)
        } else {
            Expect::diag(path, Some(cut_line), true).severity("error")
        };
        let (b1, b2) = (cut.clone(), header.clone());
        cases.push(case(
            &format!("truncated/{}", f.name),
            move |root| {
                write(root, path, &b1);
                Ok(())
            },
            cut_expect,
        ));
        cases.push(case(
            &format!("empty/{}", f.name),
            move |root| {
                write(root, path, b"");
                Ok(())
            },
            empty_expect(f.name, path),
        ));
        // A header line only means something for CSV and LDIF.
        if !(f.path.ends_with(".csv") || f.path.ends_with(".ldif")) {
            continue;
        }
        cases.push(case(
            &format!("header-only/{}", f.name),
            move |root| {
                write(root, path, &b2);
                Ok(())
            },
            header_expect(f.name, path),
        ));
    }
    cases
}

/// An empty export has no record to lose: read, nothing said, the scan complete.
fn empty_expect(_kind: &str, _path: &str) -> Expect {
    Expect {
        diag: None,
        ..Expect::diag("", None, false)
    }
}

/// A header-only CSV (or LDIF with only its version line) is a valid export of nothing: no
/// error, as the AWS credential report.
fn header_expect(_kind: &str, _path: &str) -> Expect {
    empty_expect(_kind, _path)
}

/// Deep nesting and alias bombs.
fn bomb_cases() -> Vec<Case> {
    const DEPTH: usize = 100_000;
    let mut cases = Vec::new();
    cases.push(case(
        "deep/json-100k",
        |root| {
            let mut t = String::from("{\"AccessKeyMetadata\": ");
            t.push_str(&"[".repeat(DEPTH));
            t.push_str(&"]".repeat(DEPTH));
            t.push_str("}\n");
            write(root, "bad/list-access-keys.json", t.as_bytes());
            Ok(())
        },
        Expect::diag("bad/list-access-keys.json", Some(1), true),
    ));
    cases.push(case(
        "deep/yaml-flow-100k",
        |root| {
            let mut t =
                String::from("apiVersion: v1\nkind: Secret\nmetadata:\n  name: deep\ndata: ");
            t.push_str(&"[".repeat(DEPTH));
            t.push_str(&"]".repeat(DEPTH));
            t.push('\n');
            write(root, "bad/k8s/deep.yaml", t.as_bytes());
            Ok(())
        },
        Expect::diag("bad/k8s/deep.yaml", None, true),
    ));
    cases.push(case(
        "deep/yaml-block-100k",
        |root| {
            // Block sequences nested on one line (`- - - x`): 100k levels in 200 KB.
            let mut t = String::from("apiVersion: v1\nkind: List\nitems:\n  ");
            t.push_str(&"- ".repeat(DEPTH));
            t.push_str("x\n");
            write(root, "bad/k8s/deep-block.yaml", t.as_bytes());
            Ok(())
        },
        Expect::diag("bad/k8s/deep-block.yaml", None, true).severity("error"),
    ));
    cases.push(case(
        "bomb/yaml-aliases",
        |root| {
            // One 20,000-item anchor aliased 100,000 times (2e9 items expanded), and the
            // billion laughs (nine aliases of nine, nine levels).
            let mut t = String::from("apiVersion: v1\nkind: List\nbase: &b [");
            for i in 0..20_000 {
                t.push_str(&format!("x{i},"));
            }
            t.push_str("]\nitems: [");
            t.push_str(&"*b,".repeat(100_000));
            t.push_str("]\n");
            write(root, "bad/k8s/bomb.yaml", t.as_bytes());
            let mut lol = String::from(
                "apiVersion: v1\nkind: List\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n",
            );
            let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
            for w in names.windows(2) {
                let refs = vec![format!("*{}", w[0]); 9].join(",");
                lol.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
            }
            lol.push_str("items: [*j]\n");
            write(root, "bad/k8s/lol.yaml", lol.as_bytes());
            Ok(())
        },
        Expect::diag("bad/k8s/bomb.yaml", Some(3), true).severity("error"),
    ));
    cases
}

/// Symlinks: loops, and links out of the root (their targets are never read).
fn link_cases() -> Vec<Case> {
    use std::os::unix::fs::symlink;
    const MARK: &str = "OUTSIDEMARKERwJalrXUtnFEMI";
    vec![
        case(
            "symlink/loops",
            |root| {
                fs::create_dir_all(root.join("bad/loop")).unwrap();
                symlink("b.csv", root.join("bad/loop/a.csv")).unwrap();
                symlink("a.csv", root.join("bad/loop/b.csv")).unwrap();
                symlink("..", root.join("bad/loop/up")).unwrap();
                symlink(".", root.join("bad/loop/self")).unwrap();
                symlink("self.ldif", root.join("bad/loop/self.ldif")).unwrap();
                Ok(())
            },
            Expect::diag("bad/loop/a.csv", None, false),
        ),
        case(
            "symlink/out-of-root",
            |root| {
                let outside = root.parent().unwrap().join("outside");
                write(
                    &outside,
                    "creds.env",
                    format!("AWS_SECRET_ACCESS_KEY={MARK}/K7MDENG/bPxRfiCYEXAMPLEKEY\n").as_bytes(),
                );
                write(
                    &outside,
                    "etc/passwd",
                    format!("{MARK}:x:0:0::/root:/bin/sh\n").as_bytes(),
                );
                fs::create_dir_all(root.join("bad/h1/etc")).unwrap();
                symlink(outside.join("creds.env"), root.join("bad/creds.env")).unwrap();
                symlink(&outside, root.join("bad/linked")).unwrap();
                symlink(
                    "../../../../outside/etc/passwd",
                    root.join("bad/h1/etc/passwd"),
                )
                .unwrap();
                Ok(())
            },
            Expect::diag("bad/creds.env", None, false)
                .severity("note")
                .absent(MARK),
        ),
    ]
}

/// Include and path traversal in host trees.
fn traversal_cases() -> Vec<Case> {
    const MARK: &str = "TRAVERSALMARKER";
    let host = |root: &Path| {
        bad_host(root);
        let outside = root.parent().unwrap();
        write(
            outside,
            "outside-sudoers",
            format!("{MARK} ALL=(ALL) NOPASSWD: ALL\n").as_bytes(),
        );
        write(
            outside,
            "etc/shadow",
            format!("root:$6${MARK}$x:19000::::::\n").as_bytes(),
        );
    };
    vec![
        case(
            "traversal/sudoers-include",
            move |root| {
                host(root);
                let p = root.join("bad/h1/etc/sudoers");
                let mut t = fs::read_to_string(&p).unwrap();
                t.push_str("@include ../../../../outside-sudoers\n@includedir ../../../..\n");
                fs::write(p, t).unwrap();
                Ok(())
            },
            Expect::diag("bad/h1/etc/sudoers", None, false).absent(MARK),
        ),
        case(
            "traversal/sshd-include-etc-ssh",
            move |root| {
                host(root);
                write(
                    root,
                    "bad/h1/etc/ssh/sshd_config",
                    b"Include /etc/ssh/*\nInclude ../../../../../etc/*\nPermitRootLogin yes\n",
                );
                Ok(())
            },
            Expect::diag("bad/h1/etc/ssh/sshd_config", None, false).absent(MARK),
        ),
        case(
            "traversal/passwd-home",
            move |root| {
                host(root);
                let p = root.join("bad/h1/etc/passwd");
                let mut t = fs::read_to_string(&p).unwrap();
                t.push_str("sneaky:x:0:0::/../../root:/bin/sh\n");
                fs::write(p, t).unwrap();
                write(
                    root,
                    "bad/h1/root/.ssh/authorized_keys",
                    b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@jump\n",
                );
                Ok(())
            },
            Expect::read("bad/h1/root/.ssh/authorized_keys").absent(MARK),
        ),
        case(
            "traversal/authorized-keys-file-shadow",
            move |root| {
                host(root);
                write(
                    root,
                    "bad/h1/etc/ssh/sshd_config",
                    b"AuthorizedKeysFile /etc/shadow ../../../../etc/shadow\n",
                );
                let p = root.join("bad/h1/etc/shadow");
                let mut t = fs::read_to_string(&p).unwrap();
                t.push_str(&format!("mallory:$6${MARK}salt$hash:19000::::::\n"));
                fs::write(p, t).unwrap();
                Ok(())
            },
            // sshd reads the tree's own /etc/shadow as keys: confined to the host root, and
            // every line it rejects is located, never echoed.
            Expect::diag("bad/h1/etc/shadow", Some(1), false).absent(MARK),
        ),
    ]
}

/// Unreadable files (as `nobody` when root), FIFOs and device nodes named like evidence.
fn special_file_cases() -> Vec<Case> {
    let mut unreadable = case(
        "unreadable/shadow-and-report",
        |root| {
            bad_host(root);
            write(root, "bad/aws/credential-report.csv", &other_report());
            for f in ["bad/h1/etc/shadow", "bad/aws/credential-report.csv"] {
                fs::set_permissions(root.join(f), fs::Permissions::from_mode(0o000)).unwrap();
            }
            Ok(())
        },
        Expect::diag("bad/aws/credential-report.csv", None, true).severity("error"),
    );
    unreadable.unprivileged = true;
    vec![
        unreadable,
        case(
            "special/fifo-and-devices",
            |root| {
                bad_host(root);
                fs::remove_file(root.join("bad/h1/etc/shadow")).unwrap();
                fs::create_dir_all(root.join("bad/aws")).unwrap();
                for f in ["bad/h1/etc/shadow", "bad/aws/credential-report.csv"] {
                    let ok = Command::new("mkfifo")
                        .arg(root.join(f))
                        .status()
                        .is_ok_and(|s| s.success());
                    if !ok {
                        return Err("mkfifo failed".into());
                    }
                }
                // Device nodes need root (CI); elsewhere the FIFOs are tested alone.
                for (f, minor) in [("bad/directory.ldif", "5"), ("bad/app/prod.env", "8")] {
                    fs::create_dir_all(root.join(f).parent().unwrap()).unwrap();
                    let ok = Command::new("mknod")
                        .arg(root.join(f))
                        .args(["c", "1", minor])
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success());
                    if !ok {
                        say("matrix special/fifo-and-devices: no device nodes (mknod needs root)");
                    }
                }
                Ok(())
            },
            // The host's shadow is needed and not read: incomplete. The others are notes.
            Expect::diag("bad/aws/credential-report.csv", None, true)
                .severity("note")
                .timeout(60),
        ),
        {
            let mut c = case(
                "race/files-disappear",
                |root| {
                    for i in 0..3000 {
                        write(
                            root,
                            &format!("bad/many/{:02}/app{i}.env", i % 50),
                            format!("DB_PASSWORD=Zfake-{i}-Secret\n").as_bytes(),
                        );
                    }
                    Ok(())
                },
                Expect {
                    incomplete: None,
                    ..Expect::diag("bad/many", None, false)
                },
            );
            // Which files the deletion beats the crawl to is a race, so no diagnostic is
            // asserted here: `discover::open_tests` checks the one a vanished file gets.
            c.expect.diag = None;
            c.during = Some(Box::new(|root: &Path| {
                let _ = fs::remove_dir_all(root.join("bad/many"));
            }));
            c
        },
    ]
}

#[test]
fn matrix() {
    let mut cases = vec![case("control", |_| Ok(()), Expect::read("good/"))];
    cases.extend(encoding_cases());
    cases.extend(encoding_read_cases());
    cases.extend(export_cases());
    cases.extend(bomb_cases());
    cases.extend(link_cases());
    cases.extend(traversal_cases());
    cases.extend(special_file_cases());
    if let Ok(only) = std::env::var("MATRIX_ONLY") {
        cases.retain(|c| c.name.contains(&only));
    }
    run_matrix(cases, 3);
}

/// A file of `len` bytes: sparse (a hole) when `fill` is None, else `fill` streamed.
fn big_file(path: &Path, len: u64, fill: Option<u8>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = fs::File::create(path).unwrap();
    match fill {
        None => f.set_len(len).unwrap(),
        Some(b) => {
            let mut w = std::io::BufWriter::new(f);
            let chunk = vec![b; 1 << 20];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len() as u64);
                w.write_all(&chunk[..n as usize]).unwrap();
                left -= n;
            }
            w.flush().unwrap();
        }
    }
}

const GIB: u64 = 1024 * MIB;

/// The cases that take long in a debug build: run by `.ci/run` (`-- --ignored matrix`).
fn slow_cases() -> Vec<Case> {
    vec![
        case(
            "huge/1gib-line",
            |root| {
                big_file(&root.join("bad/app/big.env"), GIB, Some(b'a'));
                Ok(())
            },
            Expect::diag("bad/app/big.env", None, false)
                .severity("warning")
                .timeout(300),
        ),
        case(
            "huge/1gib-line-max-raised",
            |root| {
                big_file(&root.join("bad/app/big.env"), GIB, Some(b'a'));
                Ok(())
            },
            // Read whole (memory about its size); secrets searched in its first 64 MiB.
            Expect::diag("bad/app/big.env", None, false)
                .severity("warning")
                .rss(2600)
            .timeout(600),
        )
        .args(&["--max-file-size", "2G"]),
        case(
            "huge/sparse-2gib",
            |root| {
                big_file(&root.join("bad/directory.ldif"), 2 * GIB, None);
                Ok(())
            },
            Expect::diag("bad/directory.ldif", None, false)
                .severity("warning")
                .timeout(300),
        ),
        case(
            "huge/sparse-2gib-max-raised",
            |root| {
                big_file(&root.join("bad/directory.ldif"), 2 * GIB, None);
                Ok(())
            },
            // Read to its head, then skipped as binary (all NUL).
            Expect::diag("bad/directory.ldif", None, false)
                .severity("note")
                .timeout(600),
        )
        .args(&["--max-file-size", "3G"]),
        case(
            "huge/json-1m-objects",
            |root| {
                let p = root.join("bad/list-access-keys.json");
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                let mut w = std::io::BufWriter::new(fs::File::create(&p).unwrap());
                w.write_all(b"{\n    \"AccessKeyMetadata\": [\n").unwrap();
                for i in 0..1_000_000u32 {
                    write!(
                        w,
                        "{}        {{\"UserName\": \"u{i}\", \"AccessKeyId\": \"AKIA{i:016}\", \"Status\": \"Active\", \"CreateDate\": \"2025-01-01T00:00:00+00:00\"}}",
                        if i == 0 { "" } else { ",\n" }
                    )
                    .unwrap();
                }
                w.write_all(b"\n    ]\n}\n").unwrap();
                Ok(())
            },
            Expect::read("bad/list-access-keys.json").rss(2048).timeout(600),
        )
        .args(&["--max-file-size", "1G"]),
        case(
            "huge/ldif-100mb-value",
            |root| {
                let p = root.join("bad/directory.ldif");
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                let mut w = std::io::BufWriter::new(fs::File::create(&p).unwrap());
                w.write_all(
                    b"version: 1\n\ndn: uid=big,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: big\ndescription: ",
                )
                .unwrap();
                let chunk = vec![b'x'; 1 << 20];
                for _ in 0..100 {
                    w.write_all(&chunk).unwrap();
                }
                w.write_all(b"\n\ndn: uid=small,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: small\n").unwrap();
                w.flush().unwrap();
                Ok(())
            },
            // The value is cut at 16 MiB with a warning at its line; the entry after it is read.
            Expect {
                records_from: Some("bad/directory.ldif".into()),
                ..Expect::diag("bad/directory.ldif", Some(6), false)
            }
            .severity("warning")
            .rss(1024)
            .timeout(600),
        )
        .args(&["--max-file-size", "200M"]),
        case(
            "many/200k-empty-files",
            |root| {
                for d in 0..200 {
                    let dir = root.join(format!("bad/empty/{d:03}"));
                    fs::create_dir_all(&dir).unwrap();
                    for i in 0..1000 {
                        fs::File::create(dir.join(format!("f{i}.env"))).unwrap();
                    }
                }
                Ok(())
            },
            Expect {
                diag: None,
                ..Expect::diag("bad/empty", None, false)
            }
            .rss(1024)
            .timeout(600),
        ),
    ]
}

#[test]
#[ignore = "slow: CI only (.ci/run runs ignored matrix tests)"]
fn matrix_slow() {
    let mut cases = slow_cases();
    if let Ok(only) = std::env::var("MATRIX_ONLY") {
        cases.retain(|c| c.name.contains(&only));
    }
    // One at a time: each row's memory and disk are large.
    run_matrix(cases, 1);
}
