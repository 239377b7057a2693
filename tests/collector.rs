//! `collect/collect-linux.sh`: run against a synthetic root (everywhere) and against this
//! machine's own root (as root; skipped with a message otherwise, except under `CI=true`), then
//! scanned: every file it should have is there, no password hash survives, the manifest is read
//! and the host is in the inventory with its collection time.

use crate::common::{resetgap, root};
use std::path::Path;
use std::process::Command;

fn collect(from: &Path, out: &Path, name: Option<&str>) -> std::process::Output {
    let mut c = Command::new("sh");
    c.arg(root().join("collect/collect-linux.sh"))
        .arg("-r")
        .arg(from)
        .arg("-o")
        .arg(out);
    if let Some(n) = name {
        c.args(["-n", n]);
    }
    let o = c.output().expect("sh runs");
    assert!(
        o.status.success(),
        "collector failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The inventory's records (JSON Lines) of a scan of `dir`.
fn inventory(dir: &Path) -> Vec<serde_json::Value> {
    let inv = dir.parent().unwrap().join("inventory.jsonl");
    let out = resetgap()
        .args([
            "scan",
            "--no-progress",
            "--format",
            "json",
            "--emit-inventory",
        ])
        .arg(&inv)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&inv)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest written");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("manifest is not JSON ({e}):\n{text}"))
}

fn status<'a>(m: &'a serde_json::Value, path: &str) -> Option<&'a str> {
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .and_then(|f| f["status"].as_str())
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn collects_a_synthetic_root_and_redacts_every_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path().join("root");
    const HASH: &str = "$6$SYNTHsalt$SYNTHETIChashTEXTthatMustNotSurvive0123456789";
    const YESCRYPT: &str = "$y$j9T$SYNTHsalt2$SYNTHETICyescryptTEXTmustNotSurvive";
    const DES: &str = "abSYNTHdes012";
    write(&fake, "etc/hostname", "lab1\n");
    write(
        &fake,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\nold:x:1002:1002::/home/old:/bin/sh\nsvc:x:999:999::/nonexistent:/usr/sbin/nologin\n",
    );
    write(
        &fake,
        "etc/shadow",
        &format!("root:*:20000:0:99999:7:::\nalice:{HASH}:20100:0:99999:7:::\nbob:!{YESCRYPT}:20100::::::\nold:{DES}:19000::::::\nsvc:!!:20000::::::\n"),
    );
    write(&fake, "etc/gshadow", &format!("sudo:{HASH}::alice\n"));
    write(&fake, "etc/group", "root:x:0:\nsudo:x:27:alice\n");
    write(
        &fake,
        "etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\nLogLevel INFO\n",
    );
    write(
        &fake,
        "etc/ssh/sshd_config.d/10-keys.conf",
        "PubkeyAuthentication yes\n",
    );
    write(
        &fake,
        "etc/ssh/ssh_host_ed25519_key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nSYNTHETIC\n",
    );
    write(
        &fake,
        "etc/ssh/ssh_host_ed25519_key.pub",
        "ssh-ed25519 AAAASYNTH host\n",
    );
    write(
        &fake,
        "home/alice/.ssh/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh5ZlNZTlRIRVRJQ0tFWUZPUlRFU1RTMDAwMDAwMDA alice@lab\n",
    );
    write(&fake, "home/bob/.rhosts", "trusted.example.test bob\n");
    let out = tmp.path().join("out");
    collect(&fake, &out, None);

    let dir = out.join("lab1");
    assert!(out.join("lab1.tar").is_file(), "tarball written");
    for f in [
        "etc/passwd",
        "etc/group",
        "etc/shadow",
        "etc/gshadow",
        "etc/hostname",
        "etc/ssh/sshd_config",
        "etc/ssh/sshd_config.d/10-keys.conf",
        "etc/ssh/ssh_host_ed25519_key.pub",
        "home/alice/.ssh/authorized_keys",
        "home/bob/.rhosts",
        "manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} collected");
    }
    assert!(
        !dir.join("etc/ssh/ssh_host_ed25519_key").exists(),
        "host private keys stay on the host"
    );
    let shadow = std::fs::read_to_string(dir.join("etc/shadow")).unwrap();
    assert_eq!(
        shadow,
        "root:*:20000:0:99999:7:::\nalice:$6$:20100:0:99999:7:::\nbob:!$y$:20100::::::\nold:$des$:19000::::::\nsvc:!!:20000::::::\n"
    );
    let gshadow = std::fs::read_to_string(dir.join("etc/gshadow")).unwrap();
    assert_eq!(gshadow, "sudo:$6$::alice\n");
    // Nothing of a hash anywhere in the collection, the tarball included.
    let tar = std::fs::read(out.join("lab1.tar")).unwrap();
    let tar = String::from_utf8_lossy(&tar);
    for secret in ["SYNTHsalt", "SYNTHETIChash", "yescryptTEXT", DES] {
        assert!(!tar.contains(secret), "{secret} left the host");
    }
    let m = manifest(&dir);
    assert_eq!(m["host"], "lab1");
    assert_eq!(m["times_preserved"], true);
    assert_eq!(status(&m, "/etc/shadow"), Some("collected"));
    assert_eq!(status(&m, "/etc/sudoers"), Some("absent"));
    assert_eq!(status(&m, "/etc/ssh/ssh_host_ed25519_key"), None);
    let collected_at = m["collected_at"].as_str().unwrap().to_string();

    let records = inventory(&dir);
    let host = records
        .iter()
        .find(|r| r["record"] == "host")
        .expect("a host");
    assert_eq!(host["name"], "lab1");
    assert_eq!(host["collected_at"], collected_at.as_str());
    // The redacted shadow reads as the original: set, locked, set (DES), no password.
    let pw = |login: &str| {
        records
            .iter()
            .find(|r| r["record"] == "account" && r["login"] == login)
            .map(|r| r["password"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(pw("alice"), "set");
    assert_eq!(pw("bob"), "locked");
    assert_eq!(pw("old"), "set");
    assert_eq!(pw("svc"), "no-password");
    assert!(
        records
            .iter()
            .any(|r| r["record"] == "credential" && r["kind"] == "ssh-key"),
        "alice's key read"
    );
    // A second run refuses to overwrite.
    let again = Command::new("sh")
        .arg(root().join("collect/collect-linux.sh"))
        .arg("-r")
        .arg(&fake)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn collects_this_machines_own_root() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must run the collector test as root"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("SKIPPED collects_this_machines_own_root: needs root to read /etc/shadow");
        }
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    collect(Path::new("/"), &out, Some("self"));
    let dir = out.join("self");
    assert!(out.join("self.tar").is_file());
    let m = manifest(&dir);
    for f in [
        "/etc/passwd",
        "/etc/group",
        "/etc/shadow",
        "/etc/ssh/sshd_config",
    ] {
        let on_host = Path::new(f).exists();
        let expect = if on_host { "collected" } else { "absent" };
        assert_eq!(status(&m, f), Some(expect), "{f}");
        assert_eq!(dir.join(&f[1..]).is_file(), on_host, "{f}");
    }
    // No hash text of the real shadow survives: only the `$id$` scheme or the lock state.
    let real = std::fs::read_to_string("/etc/shadow").unwrap_or_default();
    let copy = std::fs::read_to_string(dir.join("etc/shadow")).unwrap_or_default();
    assert_eq!(real.lines().count(), copy.lines().count());
    for line in real.lines() {
        let field = line.split(':').nth(1).unwrap_or("");
        let bare = field.trim_start_matches(['!', '*']);
        if let Some(rest) = bare.strip_prefix('$') {
            let scheme_end = rest.find('$').map_or(0, |i| i + 2);
            let secret = &bare[scheme_end.min(bare.len())..];
            assert!(
                secret.len() < 4 || !copy.contains(secret),
                "a hash survived"
            );
        }
    }
    let records = inventory(&dir);
    let host = records
        .iter()
        .find(|r| r["record"] == "host")
        .expect("a host");
    assert_eq!(host["collected_at"], m["collected_at"]);
    assert!(records
        .iter()
        .any(|r| r["record"] == "account" && r["login"] == "root"));
}

#[test]
fn collector_is_posix_sh() {
    let script = root().join("collect/collect-linux.sh");
    let dash = Command::new("dash").arg("-n").arg(&script).output();
    if let Ok(o) = dash {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    match Command::new("shellcheck")
        .args(["-s", "sh"])
        .arg(&script)
        .output()
    {
        Ok(o) => assert!(
            o.status.success(),
            "shellcheck -s sh:\n{}",
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI installs shellcheck (.ci/run)"
            );
            #[allow(clippy::print_stderr)]
            {
                eprintln!("SKIPPED collector_is_posix_sh: shellcheck is not installed");
            }
        }
    }
}

/// The collector redacts shadow with the README's recipe, expression for expression.
#[test]
fn collector_uses_the_readme_shadow_recipe() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let recipe = readme
        .lines()
        .find(|l| l.trim_start().starts_with("sed ") && l.ends_with("> HOST/etc/shadow"))
        .expect("README holds the shadow recipe");
    let script = std::fs::read_to_string(root().join("collect/collect-linux.sh")).unwrap();
    let exprs: Vec<&str> = recipe.split('\'').skip(1).step_by(2).collect();
    assert_eq!(exprs.len(), 2, "{recipe}");
    for e in exprs {
        assert!(script.contains(&format!("'{e}'")), "collector lacks {e}");
    }
}
