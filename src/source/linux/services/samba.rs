//! Samba (`etc/samba/smb.conf`, smb.conf(5) 4.17): INI sections, `#` and `;` comments, `\` at
//! line end continues, parameter names case-insensitive with blanks ignored (`NTLMAuth` =
//! `ntlm auth`), the last assignment in `[global]` wins, `include = FILE` read in place (a
//! name with `%` substitutions cannot be resolved offline and is skipped), and the synonyms
//! `min protocol` (= `server min protocol`) and `debuglevel` (= `log level`). Emits
//! `samba:server_min_protocol` (default `SMB2_02` since 4.11), `samba:ntlm_auth` (default
//! `ntlmv2-only` since 4.7; `yes` means `ntlmv1-permitted`, as testparm prints it),
//! `samba:lanman_auth` (default `no`) and `samba:log_level` (the level of the `auth_audit` class:
//! its `auth_audit:N` entry, else the global number; default `0`). Evidence without a line is a default. The effective values are
//! checked against the real `testparm` in this module's tests.

use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::{join, parent, HostFs};
use crate::source::linux::logging::{emit, text};
use crate::source::Output;
use std::collections::BTreeMap;

pub(crate) const KEYS: &[(&str, &str)] = &[
    ("server min protocol", "SMB2_02"),
    ("ntlm auth", "ntlmv2-only"),
    ("lanman auth", "no"),
    ("log level", "0"),
];

/// The effective global values: key → (value, (file, line) that set it).
pub(crate) type Effective = BTreeMap<&'static str, (String, Option<(String, u32)>)>;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    let main = "/etc/samba/smb.conf";
    if text(fs, main, out).is_none() {
        return;
    }
    let mut load = |p: &str| text(fs, p, &mut Output::default());
    let eff = effective(main, &mut load);
    let file = fs.evidence_path(main);
    for (key, (value, at)) in eff {
        let ev = match at {
            Some((p, n)) => Evidence::at(&fs.evidence_path(&p), n),
            None => Evidence::new(&file, None),
        };
        let key = key.replace(' ', "_");
        emit(out, system, "samba", &key, value, Scope::Global, ev);
    }
}

/// Reads `main` (and its includes, through `load`) as smbd does and returns the effective
/// global values of `KEYS`, defaults included.
pub(crate) fn effective(main: &str, load: &mut dyn FnMut(&str) -> Option<String>) -> Effective {
    let mut eff: Effective = KEYS
        .iter()
        .map(|(k, d)| (*k, (d.to_string(), None)))
        .collect();
    let mut global = true;
    read(main, load, 0, &mut global, &mut eff);
    eff
}

fn canonical(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn read(
    path: &str,
    load: &mut dyn FnMut(&str) -> Option<String>,
    depth: u32,
    global: &mut bool,
    eff: &mut Effective,
) {
    if depth > 16 {
        return;
    }
    let Some(t) = load(path) else { return };
    let mut pending: Option<(String, u32)> = None;
    for (n, raw) in crate::source::numbered_lines(&t) {
        let (mut line, start) = match pending.take() {
            Some((acc, start)) => (acc + raw.trim_start(), start),
            None => {
                let l = raw.trim_start();
                if l.starts_with('#') || l.starts_with(';') {
                    continue;
                }
                (l.to_string(), n)
            }
        };
        if line.ends_with('\\') {
            line.pop();
            pending = Some((line, start));
            continue;
        }
        let line = line.trim();
        if line.starts_with('[') {
            let name = line.trim_start_matches('[').split(']').next().unwrap_or("");
            *global = name.trim().eq_ignore_ascii_case("global");
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (canonical(k), v.trim());
        if k == "include" {
            if !v.contains('%') {
                let inc = join(&parent(path), v);
                read(&inc, load, depth + 1, global, eff);
            }
            continue;
        }
        if !*global {
            continue;
        }
        let (key, value) = match k.as_str() {
            "serverminprotocol" | "minprotocol" => ("server min protocol", v.to_ascii_uppercase()),
            "ntlmauth" => ("ntlm auth", ntlm(v)),
            "lanmanauth" => ("lanman auth", boolean(v).to_string()),
            "loglevel" | "debuglevel" => ("log level", auth_audit_level(v)),
            _ => continue,
        };
        eff.insert(key, (value, Some((path.to_string(), start))));
    }
}

/// The level the `auth_audit` class logs at: its own `auth_audit:N` entry, else the leading
/// global number (smb.conf(5) `log level`).
fn auth_audit_level(v: &str) -> String {
    let words: Vec<&str> = v.split_whitespace().collect();
    words
        .iter()
        .find_map(|w| w.strip_prefix("auth_audit:"))
        .or_else(|| words.iter().copied().find(|w| !w.contains(':')))
        .unwrap_or("0")
        .to_string()
}

fn boolean(v: &str) -> &'static str {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "on" => "yes",
        _ => "no",
    }
}

fn ntlm(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "on" => "ntlmv1-permitted".into(),
        "no" | "false" | "0" | "off" => "ntlmv2-only".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eff_of(files: &[(&str, &str)]) -> Effective {
        let map: BTreeMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        effective(files[0].0, &mut |p: &str| map.get(p).cloned())
    }

    const TRAPS: &str = "[global]\n  Server Min Protocol = SMB2\n  ; min protocol = CORE\n  min protocol = NT1\n  NTLMAuth = yes\n  lanman \\\n   auth = yes\n  debuglevel = 1 auth_audit:3\n  include = /etc/samba/extra.conf\n[share]\n  lanman auth = no\n";
    const EXTRA: &str = "# later wins\n ntlm auth = ntlmv2-only\n";

    #[test]
    fn later_assignment_wins_with_synonyms_continuations_and_includes() {
        let e = eff_of(&[
            ("/etc/samba/smb.conf", TRAPS),
            ("/etc/samba/extra.conf", EXTRA),
        ]);
        assert_eq!(e["server min protocol"].0, "NT1");
        assert_eq!(e["lanman auth"].0, "yes", "the share's value is not global");
        assert_eq!(e["lanman auth"].1, Some(("/etc/samba/smb.conf".into(), 6)));
        assert_eq!(e["ntlm auth"].0, "ntlmv2-only");
        assert_eq!(e["log level"].0, "3", "the auth_audit class level counts");
        let d = eff_of(&[("/etc/samba/smb.conf", "[global]\n")]);
        assert_eq!(d["server min protocol"], ("SMB2_02".to_string(), None));
    }

    /// Differential: the values this parser computes equal `testparm --parameter-name` on the
    /// same files (samba 4.17 here). `log level` is left out: testparm prints its own level.
    #[test]
    #[allow(clippy::print_stderr)]
    fn effective_values_agree_with_testparm() {
        let ok = std::process::Command::new("testparm")
            .arg("--version")
            .output();
        if !ok.is_ok_and(|o| o.status.success()) {
            eprintln!("testparm not installed: skipping the smb.conf differential");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let extra = dir.path().join("extra.conf");
        std::fs::write(&extra, EXTRA).expect("write");
        let cases = [
            TRAPS.replace("/etc/samba/extra.conf", &extra.to_string_lossy()),
            "[global]\n".to_string(),
            "[global]\nntlm auth = NO\nlanman auth = True\nmin protocol = LANMAN2\n".to_string(),
            "[global]\nserver min protocol = NT1\n[homes]\nserver min protocol = SMB3\n"
                .to_string(),
        ];
        for (i, case) in cases.iter().enumerate() {
            let main = dir.path().join(format!("smb{i}.conf"));
            std::fs::write(&main, case).expect("write");
            let mine = effective(&main.to_string_lossy(), &mut |p: &str| {
                std::fs::read_to_string(p).ok()
            });
            for (key, _) in KEYS.iter().filter(|(k, _)| *k != "log level") {
                let o = std::process::Command::new("testparm")
                    .args([
                        "-s",
                        "--suppress-prompt",
                        &format!("--parameter-name={key}"),
                    ])
                    .arg(&main)
                    .output()
                    .expect("testparm runs");
                let theirs = String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .to_ascii_lowercase();
                assert_eq!(mine[key].0.to_ascii_lowercase(), theirs, "case {i}: {key}");
            }
        }
    }
}
