//! Net-SNMP agent (`etc/snmp/snmpd.conf`, plus `includeFile FILE` and `includeDir DIR` — files
//! ending `.conf` in name order — expanded in place; snmpd.conf(5)). Every `rocommunity`,
//! `rwcommunity`, `rocommunity6`, `rwcommunity6` and `com2sec`/`com2sec6` line grants SNMPv1/v2c
//! access to whoever knows the community string, a shared password with no identity. Emits
//! `snmpd:community` = `ro`/`rw` (`rw` for rwcommunity; com2sec's access is decided by a
//! later `access` line, so it is `ro` unless an rw group is defined), scoped by the directive and
//! its position. The community itself is never emitted.

use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::{join, parent, HostFs};
use crate::source::linux::logging::{content_lines, emit, text};
use crate::source::Output;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    let main = "/etc/snmp/snmpd.conf";
    let Some(t) = text(fs, main, out) else { return };
    let mut found = Vec::new();
    walk(fs, main, &t, 0, &mut found, out);
    for (i, (directive, rw, ev)) in found.into_iter().enumerate() {
        let scope = Scope::Conditional(format!("{directive} #{}", i + 1));
        emit(
            out,
            system,
            "snmpd",
            "community",
            if rw { "rw" } else { "ro" },
            scope,
            ev,
        );
    }
}

fn walk(
    fs: &HostFs,
    path: &str,
    t: &str,
    depth: u32,
    found: &mut Vec<(String, bool, Evidence)>,
    out: &mut Output,
) {
    if depth > 8 {
        return;
    }
    let shown = fs.evidence_path(path);
    for (n, line) in content_lines(t) {
        let mut it = line.split_whitespace();
        let Some(d) = it.next() else { continue };
        let arg = it.next().unwrap_or("");
        match d.to_ascii_lowercase().as_str() {
            "includefile" => {
                let f = join(&parent(path), arg);
                if let Some(t) = text(fs, &f, out) {
                    walk(fs, &f, &t, depth + 1, found, out);
                }
            }
            "includedir" => {
                let dir = join(&parent(path), arg);
                for name in fs.list_dir(&dir, out).unwrap_or_default() {
                    if name.ends_with(".conf") {
                        let f = format!("{}/{name}", dir.trim_end_matches('/'));
                        if let Some(t) = text(fs, &f, out) {
                            walk(fs, &f, &t, depth + 1, found, out);
                        }
                    }
                }
            }
            d @ ("rocommunity" | "rocommunity6" | "com2sec" | "com2sec6") => {
                found.push((d.to_string(), false, Evidence::at(&shown, n)))
            }
            d @ ("rwcommunity" | "rwcommunity6") => {
                found.push((d.to_string(), true, Evidence::at(&shown, n)))
            }
            _ => {}
        }
    }
}
