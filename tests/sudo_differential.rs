//! resetgap's sudoers semantics against the real sudo (verified with sudo 1.9.13p3, Debian 12).
//!
//! For each case (a host tree: passwd, group, sudoers and includes, hosts, hostname), resetgap
//! scans the tree (`--emit-inventory`, through the binary) and the real programs judge the same
//! files:
//! - `visudo -c -f /etc/sudoers`: valid or not; resetgap must report a syntax error (RG403's
//!   record) or a problem sudo tolerates (a warning diagnostic) exactly when visudo rejects;
//! - sudo itself, in a private mount, UTS and network namespace (`unshare --mount --uts --net
//!   --propagation private`) with the case's files bind-mounted over /etc, the host name set and
//!   the host's addresses on a veth interface, /usr/bin overlaid so that every probe is `true`:
//!   for each user and each root-shell probe, whether sudo lets the user run it as root
//!   (`sudo -l -U USER -u root PROBE`, or run as the user with `sudo -k -n`/`-S` in full mode)
//!   and whether it asks for a password; and `sudo -l -U USER`'s "Matching Defaults entries"
//!   for the effective `syslog` and `log_allowed`.
//!
//! The hand-written cases are `fixtures/sudo/<case>/` (one per semantic of issue 8), each with
//! the verdicts the real sudo gave pinned in `expect.yml`: resetgap is checked against the pins
//! always, and the pins against the real sudo when it can run. The generated cases come from a
//! seeded generator of valid sudoers files (`RESETGAP_SUDO_CASES`, default 1000;
//! `RESETGAP_SUDO_SEED`); a disagreement prints the case's files so it can be pinned.
//!
//! Without sudo, visudo, unshare, setpriv, ip or root, the tests print `SKIPPED: <reason>` and
//! pass, except under `CI=true`, where that is a failure.

use crate::common::{env_number, resetgap, root, say};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// sha512-crypt of "pw" (`openssl passwd -6 -salt resetgap pw`): every case user's password, so
/// that full mode can authenticate with `sudo -S`.
const HASH: &str =
    "$6$resetgap$dMoMLLMotqvbmps4CPsQ7/DNBEDWvVotxbDWtVrQlIa6I/8ZjRTiuc7JUmjrbQcoikxRJIv7akuYMiiD6aiE31";

/// Root-shell probes run against sudo: one per class of resetgap's probes that the cases can
/// tell apart (the generator names no other shell, directory or `su` form).
const PROBES: &[(&str, &str)] = &[
    ("/usr/bin/bash", ""),
    ("/usr/bin/sh", ""),
    ("/usr/bin/dash", ""),
    ("/usr/bin/busybox", ""),
    ("/usr/bin/su", ""),
    ("/usr/bin/su", "-"),
    ("/usr/bin/su", "-l"),
    ("/usr/bin/env", "sh"),
    ("/tmp/rootshell", ""),
];

/// Why the real programs cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root (unshare and bind mounts need root)".into());
    }
    for tool in ["sudo", "visudo", "unshare", "setpriv", "ip", "mount"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{tool} is not installed"));
        }
    }
    let probe = Command::new("unshare")
        .args([
            "--mount",
            "--uts",
            "--net",
            "--propagation",
            "private",
            "true",
        ])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return Some("unshare --mount --uts --net does not work here".into());
    }
    None
}

/// `Some(())` when the real programs can run; otherwise skips (or fails under CI=true).
fn require_sudo(what: &str) -> Option<()> {
    match unavailable() {
        None => Some(()),
        Some(reason) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but the sudo differential test cannot run: {reason}");
            }
            say(&format!("SKIPPED: sudo differential ({what}): {reason}"));
            None
        }
    }
}

/// One host to judge.
#[derive(Clone, Debug)]
struct Case {
    name: String,
    hostname: String,
    /// Paths under the host root (`etc/passwd`, `etc/sudoers.d/10-x`) and contents.
    files: BTreeMap<String, String>,
    /// Addresses (with prefix) of the namespace's interface.
    addrs: Vec<String>,
    users: Vec<String>,
}

impl Case {
    fn print(&self) -> String {
        let mut s = format!("case {} (host {}):\n", self.name, self.hostname);
        for (p, c) in &self.files {
            s.push_str(&format!("--- {p}\n{c}"));
            if !c.ends_with('\n') {
                s.push('\n');
            }
        }
        s.push_str(&format!("--- addresses: {:?}\n", self.addrs));
        s
    }
}

/// What one side says about one user on one host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserVerdict {
    root: bool,
    #[serde(default)]
    nopasswd: bool,
    #[serde(default = "yes")]
    syslog: bool,
    #[serde(default = "yes")]
    log_allowed: bool,
    /// sudo listed no Defaults for this user (they may run nothing here): logging not compared.
    #[serde(skip)]
    unlisted: bool,
}

impl UserVerdict {
    /// Whether two verdicts agree; logging only where sudo listed the user's Defaults.
    fn agrees(&self, sudo: &UserVerdict) -> bool {
        self.root == sudo.root
            && self.nopasswd == sudo.nopasswd
            && (sudo.unlisted
                || (self.syslog == sudo.syslog && self.log_allowed == sudo.log_allowed))
    }
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct HostVerdict {
    valid: bool,
    users: BTreeMap<String, UserVerdict>,
}

/// resetgap's view of every case (scanned together: host names are unique), through the binary
/// and its `--emit-inventory` records.
fn resetgap_verdicts(cases: &[Case], work: &Path) -> BTreeMap<String, HostVerdict> {
    let scan_root = work.join("scan");
    let _ = std::fs::remove_dir_all(&scan_root);
    for c in cases {
        for (p, content) in &c.files {
            let path = scan_root.join(&c.hostname).join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, content).expect("write");
        }
    }
    let inv_path = work.join("inventory.jsonl");
    let out = resetgap()
        .args([
            "scan",
            "--no-progress",
            "--format",
            "json",
            "--emit-inventory",
        ])
        .arg(&inv_path)
        .arg(&scan_root)
        .output()
        .expect("resetgap runs");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("report JSON: {e}"));
    let inv = std::fs::read_to_string(&inv_path).expect("inventory written");
    // (system, user or "*") -> (root, nopasswd); (system, key, "user NAME" or "*") -> value.
    let mut grants: BTreeMap<(String, String), (bool, bool)> = BTreeMap::new();
    let mut settings: BTreeMap<(String, String, String), String> = BTreeMap::new();
    let mut invalid: std::collections::BTreeSet<String> = Default::default();
    for line in inv.lines() {
        let r: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let system = r["system"].as_str().unwrap_or("").to_string();
        match r["record"].as_str() {
            Some("sudo-grant") => {
                let who = match r["principal"]["type"].as_str() {
                    Some("user") => r["principal"]["name"].as_str().unwrap_or("").to_string(),
                    Some("all") => "*".to_string(),
                    _ => continue,
                };
                grants.insert(
                    (system, who),
                    (
                        r["root_equivalent"].as_bool().unwrap_or(false),
                        r["nopasswd"].as_bool().unwrap_or(false),
                    ),
                );
            }
            Some("setting") if r["component"] == "sudoers" => {
                let scope = match r["scope"]["type"].as_str() {
                    Some("global") => "*".to_string(),
                    _ => r["scope"]["condition"].as_str().unwrap_or("").to_string(),
                };
                let key = r["key"].as_str().unwrap_or("").to_string();
                if key == "syntax_error" {
                    invalid.insert(system.clone());
                }
                settings.insert(
                    (system, key, scope),
                    r["value"].as_str().unwrap_or("").into(),
                );
            }
            _ => {}
        }
    }
    // Problems sudo tolerates but visudo rejects: warning diagnostics on a sudoers file.
    for d in report["diagnostics"].as_array().into_iter().flatten() {
        let path = d["location"]["path"].as_str().unwrap_or("");
        if path.contains("/etc/sudoers") && d["severity"] != "note" {
            invalid.insert(path.split('/').next().unwrap_or("").to_string());
        }
    }
    let mut out = BTreeMap::new();
    for c in cases {
        let system = c.hostname.as_str();
        let mut h = HostVerdict {
            valid: !invalid.contains(system),
            users: BTreeMap::new(),
        };
        for user in &c.users {
            let (root, nopasswd) = grants
                .get(&(system.to_string(), user.clone()))
                .or_else(|| grants.get(&(system.to_string(), "*".to_string())))
                .copied()
                .unwrap_or((false, false));
            let flag = |key: &str| {
                settings
                    .get(&(system.to_string(), key.to_string(), format!("user {user}")))
                    .or_else(|| settings.get(&(system.to_string(), key.to_string(), "*".into())))
                    .is_none_or(|v| v != "false")
            };
            h.users.insert(
                user.clone(),
                UserVerdict {
                    root,
                    nopasswd: root && nopasswd,
                    syslog: flag("syslog"),
                    log_allowed: flag("log_allowed"),
                    unlisted: false,
                },
            );
        }
        out.insert(system.to_string(), h);
    }
    out
}

/// The real sudo's verdicts. `full`: each user runs sudo as themselves (`-k -n`, then `-S` with
/// the password); otherwise `sudo -l -U USER -u root` decides "allowed" and only NOPASSWD is run
/// as the user (faster; the cases then avoid `()` and user-bound `runas_default`, whose `-U`
/// reading is the invoking root's).
fn sudo_verdicts(cases: &[Case], work: &Path, full: bool) -> BTreeMap<String, HostVerdict> {
    let cases_dir = work.join("cases");
    let _ = std::fs::remove_dir_all(work.join("ovl"));
    let _ = std::fs::remove_dir_all(&cases_dir);
    for (i, c) in cases.iter().enumerate() {
        let d = cases_dir.join(format!("{i:05}"));
        std::fs::create_dir_all(d.join("sudoers.d")).expect("mkdir");
        let get = |p: &str| c.files.get(p).cloned().unwrap_or_default();
        let passwd = get("etc/passwd");
        let shadow: String = passwd
            .lines()
            .filter_map(|l| l.split(':').next())
            .filter(|l| !l.is_empty())
            .map(|u| format!("{u}:{HASH}:19000:0:99999:7:::\n"))
            .collect();
        std::fs::write(d.join("passwd"), passwd).expect("w");
        std::fs::write(d.join("shadow"), shadow).expect("w");
        std::fs::write(d.join("group"), get("etc/group")).expect("w");
        std::fs::write(d.join("sudoers"), get("etc/sudoers")).expect("w");
        std::fs::write(d.join("hosts"), get("etc/hosts")).expect("w");
        std::fs::write(d.join("hostname"), format!("{}\n", c.hostname)).expect("w");
        std::fs::write(d.join("name"), &c.hostname).expect("w");
        for (p, content) in &c.files {
            if let Some(f) = p.strip_prefix("etc/sudoers.d/") {
                std::fs::write(d.join("sudoers.d").join(f), content).expect("w");
            }
        }
        std::fs::write(d.join("addrs"), c.addrs.join("\n") + "\n").expect("w");
        std::fs::write(d.join("users"), c.users.join("\n") + "\n").expect("w");
    }
    let probes: String = PROBES.iter().map(|(p, a)| format!("{p}|{a}\n")).collect();
    std::fs::write(work.join("probes"), probes).expect("w");
    let script = work.join("driver.sh");
    std::fs::write(&script, DRIVER).expect("w");
    let out = Command::new("unshare")
        .args([
            "--mount",
            "--uts",
            "--net",
            "--propagation",
            "private",
            "bash",
        ])
        .arg(&script)
        .arg(work)
        .arg(if full { "full" } else { "fast" })
        .output()
        .expect("unshare runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "sudo driver failed ({}):\n{}\n{}",
        out.status,
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut hosts: BTreeMap<String, HostVerdict> = BTreeMap::new();
    let mut listed: std::collections::BTreeSet<(String, String)> = Default::default();
    for line in stdout.lines() {
        let mut w = line.splitn(4, ' ');
        let (kind, host) = (w.next().unwrap_or(""), w.next().unwrap_or("").to_string());
        let h = hosts.entry(host).or_default();
        match kind {
            "V" => h.valid = w.next() == Some("0"),
            "P" => {
                let user = w.next().unwrap_or("").to_string();
                let rest = w.next().unwrap_or("");
                let u = h.users.entry(user).or_insert_with(|| UserVerdict {
                    syslog: true,
                    log_allowed: true,
                    ..UserVerdict::default()
                });
                let mut f = rest.split(' ');
                let _probe = f.next();
                let allowed = f.next() == Some("1");
                let nopasswd = f.next() == Some("1");
                u.root |= allowed;
                u.nopasswd |= allowed && nopasswd;
            }
            "D" => {
                let user = w.next().unwrap_or("").to_string();
                listed.insert((
                    line.split(' ').nth(1).unwrap_or("").to_string(),
                    user.clone(),
                ));
                let list = w.next().unwrap_or("");
                let u = h.users.entry(user).or_insert_with(|| UserVerdict {
                    syslog: true,
                    log_allowed: true,
                    ..UserVerdict::default()
                });
                for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let name = item
                        .trim_start_matches('!')
                        .split(['=', '+', '-'])
                        .next()
                        .unwrap_or("");
                    let on = !item.starts_with('!');
                    match name {
                        "syslog" => u.syslog = on,
                        "log_allowed" => u.log_allowed = on,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    // A user sudo lists no Defaults for (one who may run nothing here): logging not compared.
    for (host, h) in hosts.iter_mut() {
        for (user, u) in h.users.iter_mut() {
            if !listed.contains(&(host.clone(), user.clone())) {
                u.syslog = true;
                u.log_allowed = true;
                u.unlisted = true;
            }
        }
    }
    hosts
}

/// Runs inside the namespace: `driver.sh WORK MODE`. Prints `V host rc` (visudo), `P host user
/// probe allowed nopasswd` and `D host user <Matching Defaults entries>`.
const DRIVER: &str = r#"set -u
W=$1; MODE=$2; S=$W/stage
mkdir -p "$S/sudoers.d" "$W/ovl/u" "$W/ovl/w"
for f in passwd group shadow sudoers hosts hostname; do : > "$S/$f"; mount --bind "$S/$f" "/etc/$f" || exit 90; done
mkdir -p /etc/sudoers.d && mount --bind "$S/sudoers.d" /etc/sudoers.d || exit 91
mkdir -p /run/sudo && mount -t tmpfs tmpfs /run/sudo || exit 92
mount -t tmpfs tmpfs /tmp || exit 93
mount -t overlay overlay -o "lowerdir=/usr/bin,upperdir=$W/ovl/u,workdir=$W/ovl/w" /usr/bin || exit 94
TRUE=$W/true; cp /usr/bin/true "$TRUE"
for b in bash sh dash busybox su env; do cp "$TRUE" "/usr/bin/$b.rg" && mv -f "/usr/bin/$b.rg" "/usr/bin/$b"; done
cp "$TRUE" /tmp/rootshell
ip link set lo up; ip link add v0 type veth peer name v1 || exit 95
ip link set v0 up; ip link set v1 up
for C in "$W"/cases/*; do
  n=$(cat "$C/name")
  for f in passwd group shadow hosts hostname; do cat "$C/$f" > "$S/$f"; done
  cat "$C/sudoers" > "$S/sudoers"; chmod 0440 "$S/sudoers"
  rm -f "$S"/sudoers.d/*
  for f in "$C"/sudoers.d/*; do [ -f "$f" ] && cp "$f" "$S/sudoers.d/" && chmod 0440 "$S/sudoers.d/$(basename "$f")"; done
  hostname "$n"
  ip addr flush dev v0
  while read -r a; do [ -n "$a" ] && ip addr add "$a" dev v0; done < "$C/addrs"
  visudo -c -q -f /etc/sudoers >/dev/null 2>&1; echo "V $n $?"
  while read -r u; do
    [ -n "$u" ] || continue
    g=$(id -g "$u" 2>/dev/null) || continue
    i=0
    while IFS='|' read -r p a; do
      i=$((i+1)); al=0; np=0
      if [ "$MODE" = full ]; then
        if setpriv --reuid="$u" --regid="$g" --init-groups sudo -k -n -u root $p $a </dev/null >/dev/null 2>&1; then al=1; np=1
        elif echo pw | setpriv --reuid="$u" --regid="$g" --init-groups sudo -k -S -u root $p $a >/dev/null 2>&1; then al=1; fi
      else
        if sudo -l -U "$u" -u root $p $a >/dev/null 2>&1; then al=1
          setpriv --reuid="$u" --regid="$g" --init-groups sudo -k -n -u root $p $a </dev/null >/dev/null 2>&1 && np=1
        fi
      fi
      echo "P $n $u $i $al $np"
    done < "$W/probes"
    # sudo -l prints the matching Defaults only for a user who may run something here.
    l=$(sudo -l -U "$u" 2>/dev/null)
    case "$l" in *"may run the following"*)
      echo "D $n $u $(printf '%s\n' "$l" | awk '/^Matching Defaults entries/{f=1;next} /^$/{f=0} f' | tr '\n' ' ')";;
    esac
  done < "$C/users"
done
"#;

fn work_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sudo-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("work dir");
    d
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// `visudo -c` accepts the file.
    valid: bool,
    #[serde(default)]
    addresses: Vec<String>,
    users: BTreeMap<String, UserVerdict>,
    /// Run each user's sudo as that user (`()` and user-bound Defaults need it).
    #[serde(default)]
    full: bool,
}

fn fixture_cases() -> Vec<(Case, Expect)> {
    let dir = root().join("fixtures/sudo");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/sudo")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    let mut out = Vec::new();
    for case_dir in names {
        let expect: Expect = serde_yaml_ng::from_str(
            &std::fs::read_to_string(case_dir.join("expect.yml")).expect("expect.yml"),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case_dir.display()));
        let input = case_dir.join("input");
        let host_dir = std::fs::read_dir(&input)
            .expect("input")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.is_dir())
            .expect("one host");
        let hostname = host_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files = BTreeMap::new();
        for entry in walk(&host_dir) {
            let rel = entry
                .strip_prefix(&host_dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(rel, std::fs::read_to_string(&entry).expect("read"));
        }
        let case = Case {
            name: case_dir.file_name().unwrap().to_string_lossy().into_owned(),
            hostname,
            files,
            addrs: expect.addresses.clone(),
            users: expect.users.keys().cloned().collect(),
        };
        out.push((case, expect));
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v.sort();
    v
}

/// Every hand-written case: resetgap agrees with the pinned verdicts of the real sudo.
#[test]
fn handwritten_cases_match_pinned_sudo_verdicts() {
    let cases = fixture_cases();
    assert!(cases.len() >= 10, "one case per semantic");
    let work = work_dir("pinned");
    let only: Vec<Case> = cases.iter().map(|(c, _)| c.clone()).collect();
    let got = resetgap_verdicts(&only, &work);
    let mut failures = Vec::new();
    for (c, e) in &cases {
        let h = got.get(&c.hostname).cloned().unwrap_or_default();
        if h.valid != e.valid {
            failures.push(format!(
                "{}: valid {} (pinned {})",
                c.name, h.valid, e.valid
            ));
        }
        for (u, want) in &e.users {
            let have = h.users.get(u).cloned().unwrap_or_default();
            if have != *want {
                failures.push(format!("{}: {u}: resetgap {have:?}, sudo {want:?}", c.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The pins themselves: the real sudo still gives them.
#[test]
fn handwritten_pins_match_the_real_sudo() {
    if require_sudo("hand-written cases").is_none() {
        return;
    }
    let cases = fixture_cases();
    let mut failures = Vec::new();
    for full in [false, true] {
        let batch: Vec<&(Case, Expect)> = cases.iter().filter(|(_, e)| e.full == full).collect();
        if batch.is_empty() {
            continue;
        }
        let work = work_dir(if full { "pins-full" } else { "pins-fast" });
        let only: Vec<Case> = batch.iter().map(|(c, _)| c.clone()).collect();
        let got = sudo_verdicts(&only, &work, full);
        for (c, e) in batch {
            let h = got.get(&c.hostname).cloned().unwrap_or_default();
            if h.valid != e.valid {
                failures.push(format!(
                    "{}: visudo valid {} (pinned {})",
                    c.name, h.valid, e.valid
                ));
            }
            for (u, want) in &e.users {
                let have = h.users.get(u).cloned().unwrap_or_default();
                if !want.agrees(&have) || (have.unlisted && !(want.syslog && want.log_allowed)) {
                    failures.push(format!("{}: {u}: sudo {have:?}, pinned {want:?}", c.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// One generated valid sudoers case for host `g{n}`.
fn generate(rng: &mut Rng, n: usize) -> Case {
    let host = format!("g{n:04}");
    let fqdn = format!("{host}.example.test");
    let own_ip = format!("192.0.2.{}", 1 + n % 250);
    let has_hosts = rng.chance(80);
    let mut hosts = "127.0.0.1 localhost\n".to_string();
    if has_hosts {
        hosts.push_str(&format!("{own_ip} {fqdn} {host}\n"));
    }
    hosts.push_str("198.51.100.7 db9.example.test db9\n");
    let wheel_root = rng.chance(50);
    let passwd = "root:x:0:0:root:/root:/bin/bash\noperator:x:37:37::/:/bin/false\n\
u1:x:1001:1001::/home/u1:/bin/bash\nu2:x:1002:1002::/home/u2:/bin/bash\n";
    let group = format!(
        "root:x:0:\nwheel:x:10:{}u1\nops:x:20:u2\nu1:x:1001:\nu2:x:1002:\n",
        if wheel_root { "root," } else { "" }
    );
    let host_items: Vec<String> = vec![
        "ALL".into(),
        host.clone(),
        fqdn.clone(),
        "db9".into(),
        "g*".into(),
        "*.example.test".into(),
        own_ip.clone(),
        "192.0.2.0/24".into(),
        "192.0.2.0/255.255.255.0".into(),
        "198.51.100.0/24".into(),
        host.to_uppercase(),
        "HOSTS".into(),
    ];
    let hosts_items: Vec<&str> = host_items.iter().map(String::as_str).collect();
    let users = [
        "u1", "u2", "%wheel", "%ops", "ALL", "#1002", "ADMINS", "%#20",
    ];
    let runas = [
        "",
        "",
        "(ALL)",
        "(root)",
        "(ALL:ALL)",
        "(%wheel)",
        "(operator)",
        "(RUNAS)",
        "(ALL, !root)",
        "(%#10)",
    ];
    let tags = ["", "", "NOPASSWD: ", "PASSWD: "];
    let cmnds = [
        "ALL",
        "/usr/bin/bash",
        "/usr/bin/sh",
        "/usr/bin/su",
        "/usr/bin/su -",
        "/usr/bin/su \"\"",
        "/usr/bin/id",
        "/usr/bin/",
        "/usr/bin/*",
        "/usr/bin/*sh",
        "/usr/bin/b*",
        "/usr/bin/su -l",
        "SHELLS",
        "EVERYTHING",
    ];
    let list = |rng: &mut Rng, items: &[&str], max: usize, neg: usize| -> String {
        let k = 1 + rng.below(max);
        (0..k)
            .map(|i| {
                let it = rng.pick(items);
                if i > 0 && rng.chance(neg) {
                    format!("!{it}")
                } else {
                    it.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::new();
    s.push_str(&format!(
        "Host_Alias HOSTS = {}\n",
        list(rng, &hosts_items[..11], 3, 30)
    ));
    s.push_str(&format!(
        "User_Alias ADMINS = {}\n",
        list(rng, &users[..6], 2, 20)
    ));
    s.push_str("Runas_Alias RUNAS = root, operator\n");
    s.push_str(&format!(
        "Cmnd_Alias SHELLS = {}\n",
        list(rng, &cmnds[1..11], 3, 20)
    ));
    s.push_str("Cmnd_Alias EVERYTHING = ALL\n");
    let lines = 1 + rng.below(6);
    for _ in 0..lines {
        match rng.below(10) {
            0..=2 => {
                let binding = match rng.below(4) {
                    0 => String::new(),
                    1 => format!(":{}", rng.pick(&["u1", "u2", "%wheel", "ADMINS", "ALL"])),
                    2 => format!("@{}", rng.pick(&hosts_items)),
                    _ => ":u1, u2".into(),
                };
                let mut params = vec![rng
                    .pick(&[
                        "!syslog",
                        "syslog",
                        "syslog=local2",
                        "!log_allowed",
                        "log_allowed",
                        "!authenticate",
                        "authenticate",
                    ])
                    .to_string()];
                if binding.is_empty() && rng.chance(15) {
                    params.push("runas_default=operator".into());
                }
                if rng.chance(30) {
                    params.push(rng.pick(&["!syslog", "log_allowed", "env_reset"]).into());
                }
                s.push_str(&format!("Defaults{binding} {}\n", params.join(", ")));
            }
            _ => {
                let u = list(rng, &users, 2, 25);
                let h = list(rng, &hosts_items, 2, 30);
                let k = 1 + rng.below(3);
                let mut specs = Vec::new();
                for _ in 0..k {
                    let neg = if rng.chance(20) { "!" } else { "" };
                    specs.push(format!(
                        "{}{}{neg}{}",
                        match rng.pick(&runas) {
                            "" => String::new(),
                            r => format!("{r} "),
                        },
                        rng.pick(&tags),
                        rng.pick(&cmnds)
                    ));
                }
                s.push_str(&format!("{u} {h} = {}\n", specs.join(", ")));
            }
        }
    }
    let mut files = BTreeMap::new();
    files.insert("etc/passwd".to_string(), passwd.to_string());
    files.insert("etc/group".to_string(), group);
    files.insert("etc/sudoers".to_string(), s);
    files.insert("etc/hosts".to_string(), hosts);
    files.insert("etc/hostname".to_string(), format!("{host}\n"));
    Case {
        name: host.clone(),
        hostname: host,
        files,
        addrs: if has_hosts {
            vec![format!("{own_ip}/24")]
        } else {
            Vec::new()
        },
        users: vec!["u1".into(), "u2".into()],
    }
}

/// Generated valid sudoers files: resetgap and the real sudo agree on every user's verdict and
/// visudo accepts what resetgap accepts.
#[test]
fn generated_cases_agree_with_the_real_sudo() {
    if require_sudo("generated cases").is_none() {
        return;
    }
    let count: usize = env_number("RESETGAP_SUDO_CASES", 1000);
    let seed: u64 = env_number("RESETGAP_SUDO_SEED", 0x5EED_0008);
    let started = std::time::Instant::now();
    let mut rng = Rng(seed | 1);
    let cases: Vec<Case> = (0..count).map(|n| generate(&mut rng, n)).collect();
    let work = work_dir("generated");
    let mine = resetgap_verdicts(&cases, &work);
    // Two namespaces in parallel, one per core.
    let (a, b) = cases.split_at(cases.len() / 2);
    let (wa, wb) = (work.join("a"), work.join("b"));
    std::fs::create_dir_all(&wa).expect("mkdir");
    std::fs::create_dir_all(&wb).expect("mkdir");
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| sudo_verdicts(a, &wa, false));
        let hb = s.spawn(|| sudo_verdicts(b, &wb, false));
        (ha.join().expect("a"), hb.join().expect("b"))
    });
    let mut theirs = ra;
    theirs.extend(rb);
    let mut failures = Vec::new();
    for c in &cases {
        let m = mine.get(&c.hostname).cloned().unwrap_or_default();
        let t = theirs.get(&c.hostname).cloned().unwrap_or_default();
        let agree = m.valid == t.valid
            && c.users.iter().all(|u| {
                let (a, b) = (m.users.get(u), t.users.get(u));
                matches!((a, b), (Some(a), Some(b)) if a.agrees(b))
            });
        if !agree {
            failures.push(format!("{}resetgap: {m:?}\nsudo:     {t:?}\n", c.print()));
        }
    }
    let verdicts: Vec<&UserVerdict> = theirs.values().flat_map(|h| h.users.values()).collect();
    let root = verdicts.iter().filter(|v| v.root).count();
    let nopasswd = verdicts.iter().filter(|v| v.nopasswd).count();
    let quiet = verdicts
        .iter()
        .filter(|v| !(v.unlisted || (v.syslog && v.log_allowed)))
        .count();
    say(&format!(
        "sudo differential: {count} generated cases (seed {seed:#x}), {} users ({root} root, \
         {nopasswd} NOPASSWD, {quiet} with logging off), {} disagreements, {:.1}s",
        verdicts.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    ));
    assert!(
        failures.is_empty(),
        "{} of {count} generated cases disagree; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
