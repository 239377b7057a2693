//! journald: `etc/systemd/journald.conf`, then the drop-ins `journald.conf.d/*.conf` from
//! `/usr/lib/systemd`, `/usr/local/lib/systemd`, `/run/systemd` and `/etc/systemd` sorted by file
//! name across the directories (a name in `/etc` masks the same name in `/run`, which masks
//! `/usr/lib`); a later assignment wins (journald.conf(5)). Keys are case-sensitive and live in
//! `[Journal]`. Emitted only when a journald.conf or drop-in was collected: `journald:storage`
//! (default `auto`, systemd 204 onwards), `journald:forward_to_syslog` (default `no` in current
//! systemd), `journald:syslog_routing` (what a collected rsyslog or syslog-ng does with auth
//! messages, the better of the two: `none`, `local`, `remote`, or `absent` when no syslog
//! daemon configuration was collected) and `journald:syslog_daemon` (which daemon decided it).

use super::rsyslog::Routing;
use super::{emit, text};
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::HostFs;
use crate::source::Output;
use std::collections::BTreeMap;

const MAIN: &str = "/etc/systemd/journald.conf";
/// Lowest precedence first.
const DIRS: &[&str] = &[
    "/usr/lib/systemd/journald.conf.d",
    "/usr/local/lib/systemd/journald.conf.d",
    "/run/systemd/journald.conf.d",
    "/etc/systemd/journald.conf.d",
];

pub(super) fn scan(fs: &HostFs, system: &str, syslog: Option<(Routing, &str)>, out: &mut Output) {
    let mut files = Vec::new();
    if text(fs, MAIN, out).is_some() {
        files.push(MAIN.to_string());
    }
    let mut dropins: BTreeMap<String, String> = BTreeMap::new();
    for dir in DIRS {
        for name in fs.list_dir(dir, out).unwrap_or_default() {
            if name.ends_with(".conf") {
                dropins.insert(name.clone(), format!("{dir}/{name}"));
            }
        }
    }
    files.extend(dropins.into_values());
    if files.is_empty() {
        return;
    }
    let anchor = Evidence::new(fs.evidence_path(&files[0]), None);
    let mut storage = ("auto".to_string(), anchor.clone());
    let mut forward = ("no".to_string(), anchor.clone());
    for f in &files {
        let Some(t) = text(fs, f, out) else { continue };
        let shown = fs.evidence_path(f);
        let mut section = String::new();
        for (n, line) in crate::source::numbered_lines(&t) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if line.starts_with('[') {
                section = line.trim_matches(['[', ']']).to_string();
                continue;
            }
            if section != "Journal" {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().to_ascii_lowercase();
            match k.trim() {
                // An empty assignment resets to the default.
                "Storage" => {
                    storage = (
                        if v.is_empty() { "auto".into() } else { v },
                        Evidence::at(&shown, n),
                    )
                }
                "ForwardToSyslog" => {
                    let on = matches!(v.as_str(), "yes" | "true" | "on" | "1");
                    forward = (
                        (if on { "yes" } else { "no" }).into(),
                        Evidence::at(&shown, n),
                    )
                }
                _ => {}
            }
        }
    }
    emit(
        out,
        system,
        "journald",
        "storage",
        storage.0,
        Scope::Global,
        storage.1,
    );
    emit(
        out,
        system,
        "journald",
        "forward_to_syslog",
        forward.0,
        Scope::Global,
        forward.1,
    );
    let routing = syslog.map_or("absent", |(r, _)| r.as_str());
    emit(
        out,
        system,
        "journald",
        "syslog_routing",
        routing,
        Scope::Global,
        anchor.clone(),
    );
    if let Some((_, daemon)) = syslog {
        emit(
            out,
            system,
            "journald",
            "syslog_daemon",
            daemon,
            Scope::Global,
            anchor,
        );
    }
}
