//! Entry points for the cargo-fuzz targets in `fuzz/` (hidden; not a public API), and the replay
//! of their seeds and past crashes as ordinary tests.
//!
//! Each takes raw bytes and drives the code a scan runs on a file: the text decoding, the source
//! that claims the file (or the host-tree reader), then the whole reduce step (cross-file joins,
//! inventory merge, correlation and every rule), so a record no parser should emit also reaches
//! the rules. Host files are written to a private temporary host tree, since includes, homes and
//! key files are read through the host's file system exactly as a scan reads them.

use crate::correlate::IdentityMap;
use crate::inventory::When;
use crate::rule::{Catalog, RuleOptions};
use crate::scan::Collected;
use crate::source::linux::{scan_host, HostTree};
use crate::source::secret_id::SecretIdScheme;
use crate::source::{decode_text, registry, secrets::Extractors, Output, SourceOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn extractors() -> &'static Extractors {
    static E: OnceLock<Extractors> = OnceLock::new();
    E.get_or_init(|| Extractors::builtin().expect("builtin extractors"))
}

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::bundled().expect("bundled rules"))
}

fn as_of() -> jiff::Timestamp {
    "2026-12-01T00:00:00Z".parse().expect("as-of")
}

/// Runs the reduce step (joins, merge, correlation, rules) over one parse's output.
fn reduce(out: Output) {
    reduce_collected(Collected {
        records: out.records,
        diagnostics: out.diagnostics,
        files: 1,
        bytes: 0,
        timings: Vec::new(),
    });
}

/// The scan's reduce step (inventory, correlation, rules) over `collected`, as `scan` runs it.
fn reduce_collected(collected: Collected) {
    let result = crate::scan::reduce(
        collected,
        &IdentityMap::default(),
        catalog(),
        &RuleOptions::new(as_of()),
    );
    std::hint::black_box(result.findings.len());
}

/// One evidence file at `uri` (its name picks the source, as in a scan), parsed and reduced.
pub fn file(uri: &str, bytes: &[u8]) {
    let text = decode_text(bytes);
    let out = registry::parse_file(
        uri,
        &text,
        When::Unknown,
        &SourceOptions::default(),
        extractors(),
    );
    reduce(out);
}

/// A fuzz input of the file targets: its first line names the file (as a path relative to the
/// scan root; the seeds take theirs from the fixtures), the rest is the file. The name is given
/// `extension` when it lacks it, so each target stays on its own kind of file while the fuzzer
/// still varies the names sources sniff (`credential-report.csv`, `auditpol.csv`, ...).
pub fn named_file(data: &[u8], extension: &str) {
    let (name, body) = split_name(data);
    let mut uri = if name.is_empty() {
        "fuzz".to_string()
    } else {
        name
    };
    if !uri.ends_with(extension) {
        uri.push_str(extension);
    }
    file(&uri, body);
}

/// The secret extractors alone over a named file, as they read every file no structured source
/// claims (and the text structured sources pass them).
pub fn secrets(data: &[u8]) {
    let (name, body) = split_name(data);
    let text = decode_text(body);
    let out = extractors().scan(
        if name.is_empty() { "fuzz.conf" } else { &name },
        &text,
        When::Unknown,
        crate::inventory::IssuedBasis::FileModified,
        &SourceOptions::default(),
    );
    reduce(out);
}

/// The first line (at most 256 bytes, made a safe relative path) and the rest.
fn split_name(data: &[u8]) -> (String, &[u8]) {
    let Some(nl) = data.iter().take(257).position(|&b| b == b'\n') else {
        return (String::new(), data);
    };
    let name: String = String::from_utf8_lossy(&data[..nl])
        .split('/')
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .collect::<Vec<_>>()
        .join("/");
    (name, &data[nl + 1..])
}

/// A host tree made of `base` files plus `files` (host paths such as `/etc/sudoers`), read by
/// the host-tree reader and reduced. Later entries replace earlier ones of the same path.
pub fn host(files: &[(&str, &[u8])]) {
    let root = scratch_dir("host");
    let _ = std::fs::remove_dir_all(&root);
    for (path, bytes) in BASE_HOST
        .iter()
        .map(|(p, b)| (*p, b.as_bytes()))
        .chain(files.iter().map(|(p, b)| (*p, *b)))
    {
        let target = root.join(path.trim_start_matches('/'));
        if let Some(parent) = target.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&target, bytes);
    }
    let scheme = SecretIdScheme::default();
    let tree = HostTree {
        root: &root,
        rel_root: "fuzz01",
        max_file_size: 1 << 20,
        secret_ids: &scheme,
    };
    let out = scan_host(&tree);
    let _ = std::fs::remove_dir_all(&root);
    reduce(out);
}

/// The files every fuzzed host starts with: two users with homes and keys, an admin group and
/// a manifest, so the fuzzed file meets the rest of a real host.
const BASE_HOST: &[(&str, &str)] = &[
    (
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n\
         alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
         deploy:x:1001:1001::/srv/deploy:/bin/sh\n",
    ),
    (
        "/etc/shadow",
        "root:!:20000:0:99999:7:::\n\
         alice:$6$abcdefgh$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:20100:0:99999:7:::\n\
         deploy:*:20000:0:99999:7:::\n",
    ),
    ("/etc/group", "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n"),
    ("/etc/hostname", "fuzz01.example.internal\n"),
    ("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n"),
    (
        "/etc/ssh/sshd_config",
        "PermitRootLogin prohibit-password\nAuthorizedKeysFile .ssh/authorized_keys\n",
    ),
    (
        "/home/alice/.ssh/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzz alice@laptop\n",
    ),
];

/// A shard inventory (`correlate`'s input), read, combined and reduced.
pub fn inventory(bytes: &[u8]) {
    let Ok(shard) = crate::shard::read_from("fuzz.jsonl", bytes) else {
        return;
    };
    let combine = crate::shard::Combine {
        as_of: Some(as_of()),
        allow_mixed_versions: true,
        secret_key: None,
    };
    if let Ok(estate) = crate::shard::combine(vec![shard], &combine) {
        reduce_collected(estate.collected);
    }
}

/// A config file (`--config`): its `scan:` options, `tickets:` and `exceptions:` sections, read
/// as the command line reads them, then the exceptions built against the rule catalog.
pub fn config(bytes: &[u8]) {
    let dir = scratch_dir("config");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("resetgap.yml");
    if std::fs::write(&file, bytes).is_err() {
        return;
    }
    let argv = vec![
        "resetgap".into(),
        "scan".into(),
        "--config".into(),
        file.clone().into_os_string(),
        dir.clone().into_os_string(),
    ];
    let parsed = crate::config::parse_args(argv);
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(mut cli) = parsed else {
        return;
    };
    if let Some(args) = cli.command.scan_args_mut() {
        let _ = crate::exceptions::Exceptions::build(
            &file.display().to_string(),
            &args.loaded.exceptions,
            catalog(),
        );
    }
}

/// A directory of this process's own under the temporary directory (`/dev/shm` when present,
/// so fuzzing does not wear a disk).
fn scratch_dir(what: &str) -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    base.join(format!(
        "resetgap-fuzz-{}-{thread}-{what}",
        std::process::id()
    ))
}

/// Runs `data` through the entry point of fuzz target `target` (the names of `fuzz/Cargo.toml`).
/// Returns false for an unknown target.
pub fn run_target(target: &str, data: &[u8]) -> bool {
    match target {
        "ldif" => named_file(data, ".ldif"),
        "json" => named_file(data, ".json"),
        "csv" => named_file(data, ".csv"),
        "secrets" => secrets(data),
        "inventory" => inventory(data),
        "config" => config(data),
        "passwd" => host(&[("/etc/passwd", data)]),
        "shadow" => host(&[("/etc/shadow", data)]),
        "group" => host(&[("/etc/group", data)]),
        "sudoers" => host(&[("/etc/sudoers", data)]),
        "sshd_config" => host(&[("/etc/ssh/sshd_config", data)]),
        "authorized_keys" => host(&[("/home/alice/.ssh/authorized_keys", data)]),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every committed seed and every past crash (`fuzz/regressions/TARGET/`) runs through its
    /// target's entry point without a panic: the fuzz targets' regression suite, run by
    /// `cargo test` with no nightly toolchain.
    #[test]
    fn seeds_and_regressions_replay() {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut ran = std::collections::BTreeMap::new();
        for kind in ["seeds", "regressions"] {
            let Ok(targets) = std::fs::read_dir(fuzz.join(kind)) else {
                continue;
            };
            for target in targets.flatten() {
                let name = target.file_name().to_string_lossy().into_owned();
                for input in std::fs::read_dir(target.path()).unwrap().flatten() {
                    let data = std::fs::read(input.path()).unwrap();
                    assert!(run_target(&name, &data), "unknown fuzz target {name}");
                    *ran.entry(name.clone()).or_insert(0) += 1;
                }
            }
        }
        // Every target of fuzz/Cargo.toml has seeds.
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
        for line in manifest.lines() {
            if let Some(name) = line
                .strip_prefix("name = \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                if name != "resetgap-fuzz" {
                    assert!(
                        ran.get(name).copied().unwrap_or(0) > 0,
                        "no seeds for {name}"
                    );
                }
            }
        }
        assert!(ran.len() >= 12, "{ran:?}");
    }

    #[test]
    fn file_names_are_made_safe_relative_paths() {
        assert_eq!(split_name(b"a/../b/./c.csv\nbody").0, "a/b/c.csv");
        assert_eq!(split_name(b"/etc/passwd\nx").0, "etc/passwd");
        assert_eq!(split_name(b"no newline").0, "");
        let long = [b'a'; 300];
        assert_eq!(split_name(&long).1.len(), 300);
    }
}
