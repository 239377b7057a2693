//! OpenLDAP slapd's logging: whether binds (and the password changes a reset makes) are logged.
//! Reads `etc/ldap` (Debian) and `etc/openldap` (RHEL, source builds): the `cn=config` directory
//! `slapd.d/` when it holds `cn=config.ldif` (slapd reads the config directory first and ignores
//! slapd.conf when a valid one exists, slapd(8)), else `slapd.conf`.
//!
//! - `slapd.conf` (slapd.conf(5)): `#` comments, a line starting with white space continues the
//!   previous one (a comment too), `include FILE` read in place, `loglevel` (repeated directives
//!   accumulate and a `0` clears, wherever they stand, as slapd 2.5's `slaptest -f … -F …`
//!   converts them), and `overlay accesslog` in a database section with its `logops`.
//! - `slapd.d` (slapd-config(5), LDIF as slapd writes it, read with the directory reader's
//!   `LdifReader`: folded lines, base64 values): `olcLogLevel` of `cn=config.ldif`, and
//!   `olcAccessLogOps` of each `cn=config/olcDatabase=*/olcOverlay=*accesslog.ldif`.
//!
//! Log levels are words (`stats`, `acl`, `none`, `any`, case-insensitive), decimal or `0x` hex
//! numbers (`-1` is any), ORed together. Emits (component `openldap`, scope global):
//! - `loglevel`: the level as names (`stats sync`, `none`, `any`), `0` when nothing at all is
//!   logged; absent, the documented default `stats` (slapd.conf(5) and slapd-config(5), OpenLDAP
//!   2.4 to 2.6) with evidence without a line;
//! - `accesslog_ops`: the union of every accesslog overlay's `logops` (`writes`, `bind`,
//!   `session`, `all`, …), or `none` when no accesslog overlay is configured (informational:
//!   RG401 reads it only to know whether binds are recorded there when the log level does not
//!   record them).

use crate::inventory::{Evidence, Scope};
use crate::source::directory::ldif::LdifReader;
use crate::source::linux::fs::{join, parent, HostFs};
use crate::source::linux::logging::{emit, text};
use crate::source::Output;

/// The log level names and bits of slapd.conf(5).
const LEVELS: &[(&str, u32)] = &[
    ("trace", 0x1),
    ("packets", 0x2),
    ("args", 0x4),
    ("conns", 0x8),
    ("ber", 0x10),
    ("filter", 0x20),
    ("config", 0x40),
    ("acl", 0x80),
    ("stats", 0x100),
    ("stats2", 0x200),
    ("shell", 0x400),
    ("parse", 0x800),
    ("sync", 0x4000),
    ("none", 0x8000),
];

/// The normalised form of a `loglevel` / `olcLogLevel` value list, read in order as slapd does:
/// each value is ORed in and a `0` clears the earlier ones. `any`, `0`, or the names of the bits
/// set, in the table's order. `None` when a word is not a level (slapd refuses to start then).
pub(crate) fn normalize_level<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut mask: u32 = 0;
    let mut any = false;
    for w in words {
        let w = w.trim().trim_matches(',');
        if w.is_empty() {
            continue;
        }
        let lower = w.to_ascii_lowercase();
        if lower == "any" || lower == "-1" {
            any = true;
            continue;
        }
        let n = if let Some(hex) = lower.strip_prefix("0x") {
            u32::from_str_radix(hex, 16).ok()
        } else if lower.bytes().all(|b| b.is_ascii_digit()) {
            lower.parse::<u32>().ok()
        } else {
            LEVELS
                .iter()
                .find(|(name, _)| *name == lower)
                .map(|(_, b)| *b)
        };
        // A 0 clears what came before; anything else is ORed in (slapd 2.5's slaptest).
        match n? {
            0 => {
                mask = 0;
                any = false;
            }
            n => mask |= n,
        }
    }
    if any || mask == u32::MAX {
        return Some("any".into());
    }
    if mask == 0 {
        return Some("0".into());
    }
    let names: Vec<&str> = LEVELS
        .iter()
        .filter(|(_, b)| mask & b != 0)
        .map(|(n, _)| *n)
        .collect();
    Some(names.join(" "))
}

/// What was found in one configuration: the level (value, file, line) and the accesslog ops.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Found {
    pub(crate) loglevel: Option<(String, String, u32)>,
    /// Every `loglevel` word of slapd.conf so far, in order: repeated directives accumulate.
    pub(crate) level_words: Vec<String>,
    /// (ops words, file, line) per accesslog overlay.
    pub(crate) accesslog: Vec<(String, String, u32)>,
}

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    for base in ["/etc/ldap", "/etc/openldap"] {
        let dir = format!("{base}/slapd.d");
        let config = format!("{dir}/cn=config.ldif");
        let (found, main) = if let Some(t) = text(fs, &config, out) {
            let mut found = Found::default();
            read_ldif(&fs.evidence_path(&config), &t, &mut found, out);
            let dbs = fs.glob(&format!("{dir}/cn=config/olcDatabase=*/olcOverlay=*"), out);
            for path in dbs
                .iter()
                .filter(|p| p.to_ascii_lowercase().ends_with("accesslog.ldif"))
            {
                if let Some(t) = text(fs, path, out) {
                    let before = found.accesslog.len();
                    read_ldif(&fs.evidence_path(path), &t, &mut found, out);
                    if found.accesslog.len() == before {
                        // An accesslog overlay entry without olcAccessLogOps logs nothing.
                        found
                            .accesslog
                            .push((String::new(), fs.evidence_path(path), 1));
                    }
                }
            }
            (found, config)
        } else {
            let conf = format!("{base}/slapd.conf");
            if text(fs, &conf, &mut Output::default()).is_none() {
                continue;
            }
            let mut found = Found::default();
            let mut load = |p: &str| text(fs, p, &mut Output::default());
            read_conf(&conf, &mut load, 0, &mut Section::Global, &mut found);
            let found = Found {
                loglevel: found.loglevel.map(|(v, p, n)| (v, fs.evidence_path(&p), n)),
                level_words: found.level_words,
                accesslog: found
                    .accesslog
                    .into_iter()
                    .map(|(v, p, n)| (v, fs.evidence_path(&p), n))
                    .collect(),
            };
            (found, conf)
        };
        let file = fs.evidence_path(&main);
        let (level, ev) = match found.loglevel {
            Some((v, p, n)) => (v, Evidence::at(&p, n)),
            None => ("stats".to_string(), Evidence::new(&file, None)),
        };
        emit(
            out,
            system,
            "openldap",
            "loglevel",
            level,
            Scope::Global,
            ev,
        );
        let (ops, ev) = if found.accesslog.is_empty() {
            ("none".to_string(), Evidence::new(&file, None))
        } else {
            let mut words: Vec<String> = Vec::new();
            for (v, _, _) in &found.accesslog {
                for w in v.split_whitespace() {
                    let w = w.to_ascii_lowercase();
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
            }
            let (_, p, n) = &found.accesslog[0];
            let shown = if words.is_empty() {
                "nothing".to_string()
            } else {
                words.join(" ")
            };
            (shown, Evidence::at(p, *n))
        };
        emit(
            out,
            system,
            "openldap",
            "accesslog_ops",
            ops,
            Scope::Global,
            ev,
        );
    }
}

/// Reads a `cn=config` LDIF file: `olcLogLevel` of `cn=config`, `olcAccessLogOps` of an
/// accesslog overlay entry (`objectClass: olcAccessLogConfig`).
pub(crate) fn read_ldif(shown: &str, text: &str, found: &mut Found, out: &mut Output) {
    let mut reader = LdifReader::new(shown, text.as_bytes());
    for entry in reader.by_ref() {
        if entry.dn.eq_ignore_ascii_case("cn=config") {
            let values: Vec<_> = entry.values("olcLogLevel").collect();
            if let Some(first) = values.first() {
                let words: Vec<String> = values.iter().map(|v| v.text().into_owned()).collect();
                let level = normalize_level(words.iter().flat_map(|w| w.split_whitespace()))
                    .unwrap_or_else(|| words.join(" "));
                found.loglevel = Some((level, shown.to_string(), first.line));
            }
        }
        let accesslog = entry
            .values("objectClass")
            .any(|v| v.text().eq_ignore_ascii_case("olcAccessLogConfig"));
        if accesslog {
            let ops: Vec<_> = entry.values("olcAccessLogOps").collect();
            let line = ops.first().map_or(entry.line, |v| v.line);
            let words: Vec<String> = ops.iter().map(|v| v.text().into_owned()).collect();
            found
                .accesslog
                .push((words.join(" "), shown.to_string(), line));
        }
    }
    out.diagnostics.extend(reader.take_diagnostics());
}

/// Where a slapd.conf line is: the global section, a database, or an accesslog overlay in one.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Section {
    Global,
    Database,
    Accesslog,
}

/// Reads slapd.conf (and its includes, through `load`) into `found`.
pub(crate) fn read_conf(
    path: &str,
    load: &mut dyn FnMut(&str) -> Option<String>,
    depth: u32,
    section: &mut Section,
    found: &mut Found,
) {
    if depth > 10 {
        return;
    }
    let Some(t) = load(path) else { return };
    // Logical lines: a line starting with white space continues the previous one, even a
    // comment (the OpenLDAP Administrator's Guide, "Configuration File Format"); blank lines
    // end a logical line.
    let mut lines: Vec<(u32, String)> = Vec::new();
    for (n, raw) in crate::source::numbered_lines(&t) {
        if raw.trim().is_empty() {
            lines.push((n, String::new()));
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            if let Some((_, last)) = lines.last_mut().filter(|(_, l)| !l.is_empty()) {
                last.push(' ');
                last.push_str(raw.trim());
                continue;
            }
        }
        lines.push((n, raw.trim().to_string()));
    }
    for (n, line) in lines {
        if line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line
            .split_whitespace()
            .map(|w| w.trim_matches('"'))
            .collect();
        let Some(key) = words.first().map(|w| w.to_ascii_lowercase()) else {
            continue;
        };
        match key.as_str() {
            "include" => {
                if let Some(f) = words.get(1) {
                    read_conf(&join(&parent(path), f), load, depth + 1, section, found);
                }
            }
            "database" => *section = Section::Database,
            "overlay" => {
                *section = if words
                    .get(1)
                    .is_some_and(|o| o.eq_ignore_ascii_case("accesslog"))
                {
                    found.accesslog.push((String::new(), path.to_string(), n));
                    Section::Accesslog
                } else {
                    Section::Database
                };
            }
            // A global option (slapd.conf(5)); where a database section repeats it, the last
            // one read is taken.
            "loglevel" => {
                found
                    .level_words
                    .extend(words[1..].iter().map(|w| w.to_string()));
                let all = &found.level_words;
                let level = normalize_level(all.iter().map(String::as_str))
                    .unwrap_or_else(|| all.join(" "));
                found.loglevel = Some((level, path.to_string(), n));
            }
            "logops" if *section == Section::Accesslog => {
                if let Some(last) = found.accesslog.last_mut() {
                    *last = (words[1..].join(" "), path.to_string(), n);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn log_levels_by_name_number_and_hex() {
        assert_eq!(normalize_level(["129"]).as_deref(), Some("trace acl"));
        assert_eq!(
            normalize_level(["0x80", "0x1"]).as_deref(),
            Some("trace acl")
        );
        assert_eq!(
            normalize_level(["ACL", "Trace"]).as_deref(),
            Some("trace acl")
        );
        assert_eq!(normalize_level(["256"]).as_deref(), Some("stats"));
        assert_eq!(normalize_level(["none"]).as_deref(), Some("none"));
        assert_eq!(normalize_level(["0"]).as_deref(), Some("0"));
        assert_eq!(normalize_level(["-1"]).as_deref(), Some("any"));
        assert_eq!(normalize_level(["stats", "any"]).as_deref(), Some("any"));
        assert_eq!(normalize_level(["stats", "0"]).as_deref(), Some("0"));
        assert_eq!(normalize_level(["0", "stats"]).as_deref(), Some("stats"));
        assert_eq!(normalize_level(["any", "0x0"]).as_deref(), Some("0"));
        assert_eq!(normalize_level(["statz"]), None);
        assert_eq!(normalize_level(["0xZZ"]), None);
    }

    fn conf_of(files: &[(&str, &str)]) -> Found {
        let map: BTreeMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let mut found = Found::default();
        read_conf(
            files[0].0,
            &mut |p: &str| map.get(p).cloned(),
            0,
            &mut Section::Global,
            &mut found,
        );
        found
    }

    #[test]
    fn slapd_conf_includes_continuations_sections_and_overlays() {
        let main = "include /etc/openldap/schema/core.schema\ninclude log.conf\nloglevel stats\n# loglevel 0\ndatabase mdb\nsuffix \"dc=example,dc=test\"\noverlay syncprov\nlogops all\noverlay accesslog\nlogdb cn=accesslog\nlogops writes\n  bind\n";
        let f = conf_of(&[
            ("/etc/openldap/slapd.conf", main),
            ("/etc/openldap/log.conf", "loglevel 0\n"),
        ]);
        // `loglevel stats` after the include wins; `logops` of syncprov is not accesslog's.
        assert_eq!(
            f.loglevel,
            Some(("stats".into(), "/etc/openldap/slapd.conf".into(), 3))
        );
        assert_eq!(
            f.accesslog,
            [("writes bind".into(), "/etc/openldap/slapd.conf".into(), 11)]
        );
        // A continuation of a comment is comment.
        let f = conf_of(&[(
            "/etc/ldap/slapd.conf",
            "loglevel stats\n# old:\n  loglevel 0\n",
        )]);
        assert_eq!(f.loglevel.map(|l| l.0), Some("stats".into()));
        // Repeated directives accumulate; a 0 clears the earlier ones.
        let f = conf_of(&[(
            "/etc/ldap/slapd.conf",
            "loglevel acl\nloglevel 0\nloglevel sync\nloglevel none\n",
        )]);
        assert_eq!(
            f.loglevel,
            Some(("sync none".into(), "/etc/ldap/slapd.conf".into(), 4))
        );
        // An include loop stops; a bare `loglevel` keeps its (empty) value, never panics.
        let f = conf_of(&[("/etc/ldap/slapd.conf", "include slapd.conf\nloglevel\n")]);
        assert_eq!(f.loglevel.map(|l| l.0), Some("0".into()));
    }

    #[test]
    fn cn_config_ldif_with_folding_base64_and_accesslog() {
        let config = "# AUTO-GENERATED FILE - DO NOT EDIT!! Use ldapmodify.\n# CRC32 8d2b2a14\ndn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcArgsFile: /var/run/slapd/slapd.args\nolcLogLevel: no\n ne\nolcPidFile: /var/run/slapd/slapd.pid\n";
        let mut found = Found::default();
        let mut out = Output::default();
        read_ldif(
            "etc/ldap/slapd.d/cn=config.ldif",
            config,
            &mut found,
            &mut out,
        );
        assert_eq!(
            found.loglevel,
            Some(("none".into(), "etc/ldap/slapd.d/cn=config.ldif".into(), 7))
        );
        // base64 (`c3RhdHM=` is `stats`) and a second value.
        let config = "dn: cn=config\nolcLogLevel:: c3RhdHM=\nolcLogLevel: sync\n";
        let mut found = Found::default();
        read_ldif("c.ldif", config, &mut found, &mut out);
        assert_eq!(found.loglevel.map(|l| l.0), Some("stats sync".into()));
        let overlay = "dn: olcOverlay={0}accesslog\nobjectClass: olcOverlayConfig\nobjectClass: olcAccessLogConfig\nolcOverlay: {0}accesslog\nolcAccessLogDB: cn=accesslog\nolcAccessLogOps: writes\nolcAccessLogPurge: 07+00:00 01+00:00\n";
        let mut found = Found::default();
        read_ldif("o.ldif", overlay, &mut found, &mut out);
        assert_eq!(found.accesslog, [("writes".into(), "o.ldif".into(), 6)]);
        // Garbage never panics.
        let mut found = Found::default();
        read_ldif(
            "g.ldif",
            "olcLogLevel stats\n::\ndn:: !!!\n\u{0}\n",
            &mut found,
            &mut out,
        );
        assert_eq!(found.loglevel, None);
    }
    /// Differential: slapd.conf's log level as this reader computes it equals the `olcLogLevel`
    /// the real `slaptest -f slapd.conf -F dir` (OpenLDAP 2.5 here) writes when it converts the
    /// file to cn=config, read back with this module's LDIF reader.
    #[test]
    #[allow(clippy::print_stderr)]
    fn log_levels_agree_with_slaptest() {
        let Some(slaptest) = ["/usr/sbin/slaptest", "/usr/local/sbin/slaptest"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
        else {
            eprintln!("slaptest not installed: skipping the slapd.conf log level differential");
            return;
        };
        let cases = [
            "loglevel stats\n  sync\n# old:\n  loglevel 0\n",
            "loglevel 0x81\nloglevel none\n",
            "loglevel stats\nloglevel 0\n",
            "loglevel acl\nloglevel 0\nloglevel sync\n",
            "loglevel 256 conns\n",
            "loglevel -1\n",
            "include INC\nloglevel config\n",
        ];
        for (i, case) in cases.iter().enumerate() {
            let dir = tempfile::tempdir().expect("tempdir");
            let inc = dir.path().join("inc.conf");
            std::fs::write(&inc, "loglevel Stats2\n").expect("write");
            let conf = dir.path().join("slapd.conf");
            std::fs::write(&conf, case.replace("INC", &inc.to_string_lossy())).expect("write");
            let out = dir.path().join("slapd.d");
            std::fs::create_dir(&out).expect("mkdir");
            let ran = std::process::Command::new(slaptest)
                .arg("-f")
                .arg(&conf)
                .arg("-F")
                .arg(&out)
                .output()
                .expect("slaptest runs");
            let Ok(ldif) = std::fs::read_to_string(out.join("cn=config.ldif")) else {
                eprintln!(
                    "slaptest wrote no cn=config ({}); skipping case {i}",
                    String::from_utf8_lossy(&ran.stderr)
                );
                continue;
            };
            let mut theirs = Found::default();
            read_ldif("cn=config.ldif", &ldif, &mut theirs, &mut Output::default());
            let mut mine = Found::default();
            read_conf(
                &conf.to_string_lossy(),
                &mut |p: &str| std::fs::read_to_string(p).ok(),
                0,
                &mut Section::Global,
                &mut mine,
            );
            assert!(
                theirs.loglevel.is_some(),
                "case {i}: slaptest wrote no olcLogLevel"
            );
            assert_eq!(
                mine.loglevel.map(|l| l.0),
                theirs.loglevel.map(|l| l.0),
                "case {i}: {case:?}"
            );
        }
    }
}
