//! Helpers shared by the integration tests.

use assert_cmd::Command;
use std::path::PathBuf;

pub const AS_OF: &str = "2026-08-21T12:00:00Z";

/// The start of a scan whose report tests read: JSON, no progress bar, the tests' as-of time.
pub const SCAN_JSON_AS_OF: [&str; 6] = [
    "scan",
    "--format",
    "json",
    "--no-progress",
    "--as-of",
    AS_OF,
];

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn resetgap() -> Command {
    let mut c = Command::cargo_bin("resetgap").expect("binary built");
    c.current_dir(root());
    c.env_remove("RESETGAP_LDAP_PASSWORD");
    c.env_remove("RESETGAP_SECRET_ID_KEY");
    c
}

/// Runs a scan with `--format json` and returns (exit code, parsed report, stderr).
pub fn scan_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = resetgap()
        .arg("scan")
        .args(["--format", "json", "--no-progress"])
        .args(args)
        .output()
        .expect("runs");
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        code,
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A finding reduced to what tests compare: `RULE level path:line account`.
pub fn summarize(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let loc = &f["location"];
            let line = loc["line"]
                .as_u64()
                .map(|l| format!(":{l}"))
                .unwrap_or_default();
            format!(
                "{} {} {}{} {}{}",
                f["rule"].as_str().unwrap_or("?"),
                f["level"].as_str().unwrap_or("?"),
                loc["path"].as_str().unwrap_or("?"),
                line,
                f["account"].as_str().or(f["host"].as_str()).unwrap_or("-"),
                if f["suppressed"].is_object() {
                    " suppressed"
                } else {
                    ""
                },
            )
        })
        .collect()
}

/// `shared/tools/validate-sarif` beside the checkout, if present.
pub fn sarif_validator() -> Option<PathBuf> {
    let p = root().join("../shared/tools/validate-sarif");
    p.is_file().then_some(p)
}

/// Writes to the real stderr: unlike `eprintln!`, not captured by the test harness, so a skip is
/// visible in CI logs.
pub fn say(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// A number from the environment (generated-case counts and seeds), else `default`.
pub fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Copies a fixture tree, keeping modification times (some findings are dated by them).
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
            // Keep the modification time: some findings are dated by it.
            let m = std::fs::metadata(e.path()).unwrap().modified().unwrap();
            filetime::set_file_mtime(&target, filetime::FileTime::from_system_time(m)).unwrap();
        }
    }
}
