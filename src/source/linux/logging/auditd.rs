//! auditd: `etc/audit/auditd.conf` (`key = value`, the last assignment wins, keys and values
//! case-insensitive as auditd compares them), the rules (`etc/audit/rules.d/*.rules` as augenrules
//! merges them, in `ls -v` order, only the `.rules` suffix counting; else `etc/audit/audit.rules`),
//! the kernel command line in `etc/default/grub` (+ `grub.d/*.cfg`, sourced after it), and the
//! service's enablement symlink. Installed means auditd.conf was collected; nothing is emitted
//! otherwise. Settings (component `auditd`):
//! - `write_logs` (`no` disables the log file; default `yes`),
//! - `disk_full_action` / `disk_error_action` (upper-cased; default `SUSPEND`),
//! - `enabled` (the effective `-e` flag: `0` disables auditing; only when set),
//! - `missing_watches` (comma list of identity files and programs no rule watches; only when
//!   some are missing),
//! - `kernel_audit` (`0` when the kernel command line has `audit=0`),
//! - `service` (`not-enabled` when systemd's `multi-user.target.wants/auditd.service` link is
//!   absent from a collected wants directory).

use super::{content_lines, emit, natural_cmp, text};
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::HostFs;
use crate::source::Output;

const CONF: &str = "/etc/audit/auditd.conf";
const RULES_D: &str = "/etc/audit/rules.d";
const AUDIT_RULES: &str = "/etc/audit/audit.rules";
const WANTS: &str = "/etc/systemd/system/multi-user.target.wants";

/// Files whose writes must be watched: a password or sudo change leaves a record.
const FILES: &[&str] = &[
    "/etc/shadow",
    "/etc/passwd",
    "/etc/sudoers",
    "/etc/sudoers.d",
];
/// Programs whose execution must be watched.
const PROGRAMS: &[&str] = &["passwd", "chage", "usermod"];

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    let Some(conf) = text(fs, CONF, out) else {
        return;
    };
    let shown = fs.evidence_path(CONF);
    let mut write_logs = ("yes".to_string(), Evidence::new(&shown, None));
    let mut full = ("SUSPEND".to_string(), Evidence::new(&shown, None));
    let mut error = ("SUSPEND".to_string(), Evidence::new(&shown, None));
    for (n, line) in content_lines(&conf) {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        let ev = Evidence::at(&shown, n);
        match k.as_str() {
            "write_logs" => write_logs = (v.to_ascii_lowercase(), ev),
            "disk_full_action" => full = (first_word(v), ev),
            "disk_error_action" => error = (first_word(v), ev),
            _ => {}
        }
    }
    for (key, (value, ev)) in [
        ("write_logs", write_logs),
        ("disk_full_action", full),
        ("disk_error_action", error),
    ] {
        emit(out, system, "auditd", key, value, Scope::Global, ev);
    }
    rules(fs, system, out);
    grub(fs, system, out);
    if fs.is_dir(WANTS) {
        let names = fs.list_dir(WANTS, out).unwrap_or_default();
        if !names.iter().any(|n| n == "auditd.service") {
            let ev = Evidence::new(fs.evidence_path(&format!("{WANTS}/auditd.service")), None);
            emit(
                out,
                system,
                "auditd",
                "service",
                "not-enabled",
                Scope::Global,
                ev,
            );
        }
    }
}

fn first_word(v: &str) -> String {
    v.split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// One watch a rule sets: a path (file or directory) and whether it records writes/attribute
/// changes and executions.
struct Watch {
    path: String,
    write: bool,
    exec: bool,
}

#[derive(Default)]
struct Rules {
    watches: Vec<Watch>,
    /// Paths excluded by an earlier `-a never,exit -F path=`.
    never: Vec<String>,
    /// `-a never,task`: no task gets an audit context, so no syscall rule or watch fires.
    task_never: Option<Evidence>,
    enabled: Option<(String, Evidence)>,
}

fn rules(fs: &HostFs, system: &str, out: &mut Output) {
    let mut files: Vec<String> = fs
        .list_dir(RULES_D, out)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.ends_with(".rules"))
        .collect();
    files.sort_by(|a, b| natural_cmp(a, b));
    let mut paths: Vec<String> = files.iter().map(|n| format!("{RULES_D}/{n}")).collect();
    let merged = !paths.is_empty();
    if !merged {
        paths.push(AUDIT_RULES.to_string());
    }
    let mut r = Rules::default();
    let mut last_file = None;
    for path in &paths {
        let Some(t) = text(fs, path, out) else {
            continue;
        };
        let shown = fs.evidence_path(path);
        last_file = Some(shown.clone());
        for (n, line) in content_lines(&t) {
            rule_line(line, Evidence::at(&shown, n), merged, &mut r);
        }
    }
    let Some(last_file) = last_file else {
        // No rules collected: nothing loads any, so nothing is watched.
        let ev = Evidence::new(fs.evidence_path(AUDIT_RULES), None);
        let all: Vec<String> = FILES
            .iter()
            .map(|f| f.trim_start_matches('/').to_string())
            .chain(PROGRAMS.iter().map(|p| format!("{p} (execution)")))
            .collect();
        emit(
            out,
            system,
            "auditd",
            "missing_watches",
            all.join(", "),
            Scope::Global,
            ev,
        );
        return;
    };
    if let Some((flag, ev)) = r.enabled.clone() {
        emit(out, system, "auditd", "enabled", flag, Scope::Global, ev);
    }
    let mut missing = Vec::new();
    for f in FILES {
        if r.task_never.is_some() || !r.watches.iter().any(|w| w.write && covers(&w.path, f)) {
            missing.push(f.trim_start_matches('/').to_string());
        }
    }
    for p in PROGRAMS {
        let watched = r
            .watches
            .iter()
            .any(|w| w.exec && w.path.rsplit('/').next() == Some(*p) && !r.never.contains(&w.path));
        if r.task_never.is_some() || !watched {
            missing.push(format!("{p} (execution)"));
        }
    }
    if !missing.is_empty() {
        let ev = r
            .task_never
            .clone()
            .unwrap_or_else(|| Evidence::new(last_file, None));
        emit(
            out,
            system,
            "auditd",
            "missing_watches",
            missing.join(", "),
            Scope::Global,
            ev,
        );
    }
}

/// Whether a watch on `watched` (a file, or a directory watched recursively) covers `target`.
fn covers(watched: &str, target: &str) -> bool {
    watched == target
        || target
            .strip_prefix(watched)
            .is_some_and(|rest| rest.starts_with('/') || watched == "/")
}

fn rule_line(line: &str, ev: Evidence, merged: bool, r: &mut Rules) {
    let toks: Vec<&str> = line.split_whitespace().collect();
    let mut i = 0;
    let mut list_action: Option<String> = None;
    let mut path: Option<String> = None;
    let mut perm: Option<String> = None;
    let mut watch = None;
    let mut has_syscall = false;
    while i < toks.len() {
        let t = toks[i];
        let next = toks.get(i + 1).copied();
        match t {
            "-D" if !merged => {
                *r = Rules {
                    enabled: r.enabled.take(),
                    ..Rules::default()
                }
            }
            "-e" => {
                if let Some(v) = next {
                    r.enabled = Some((v.to_string(), ev.clone()));
                    i += 1;
                }
            }
            "-w" => {
                watch = next.map(clean);
                i += 1;
            }
            "-p" => {
                perm = next.map(str::to_string);
                i += 1;
            }
            "-a" | "-A" => {
                list_action = next.map(|v| v.to_ascii_lowercase());
                i += 1;
            }
            "-S" => {
                has_syscall = true;
                i += 1;
            }
            "-F" => {
                if let Some((k, v)) = next.and_then(|f| f.split_once('=')) {
                    match k {
                        "path" | "dir" | "exe" => path = Some(clean(v)),
                        "perm" => perm = Some(v.to_string()),
                        _ => {}
                    }
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let perms = |p: &Option<String>| {
        let p = p.as_deref().unwrap_or("rwxa");
        (p.contains('w') || p.contains('a'), p.contains('x'))
    };
    if let Some(p) = watch {
        let (write, exec) = perms(&perm);
        if !r.never.contains(&p) {
            r.watches.push(Watch {
                path: p,
                write,
                exec,
            });
        }
        return;
    }
    let Some(la) = list_action else { return };
    let parts: Vec<&str> = la.split(',').collect();
    if parts.contains(&"never") && parts.contains(&"task") {
        r.task_never = Some(ev);
        return;
    }
    let Some(p) = path else { return };
    if parts.contains(&"never") {
        r.never.push(p);
        return;
    }
    if parts.contains(&"always") && parts.contains(&"exit") && !r.never.contains(&p) {
        // Without -S or perm, a path rule applies to every syscall.
        let (write, exec) = if perm.is_none() && has_syscall {
            (true, true)
        } else {
            perms(&perm)
        };
        r.watches.push(Watch {
            path: p,
            write,
            exec,
        });
    }
}

fn clean(p: &str) -> String {
    let p = p.trim_matches('"');
    if p.len() > 1 {
        p.trim_end_matches('/').to_string()
    } else {
        p.to_string()
    }
}

/// `audit=0` on the kernel command line grub builds: `GRUB_CMDLINE_LINUX` then
/// `GRUB_CMDLINE_LINUX_DEFAULT` (a normal boot gets both; the kernel takes the last `audit=`),
/// from `etc/default/grub` and then `etc/default/grub.d/*.cfg`, which grub-mkconfig sources
/// after it (a later assignment wins; `$GRUB_CMDLINE_LINUX` in a value expands).
fn grub(fs: &HostFs, system: &str, out: &mut Output) {
    let mut files = vec!["/etc/default/grub".to_string()];
    files.extend(fs.glob("/etc/default/grub.d/*.cfg", out));
    let mut vars: [(String, Option<Evidence>); 2] = Default::default();
    for f in files {
        let Some(t) = text(fs, &f, out) else { continue };
        let shown = fs.evidence_path(&f);
        for (n, line) in content_lines(&t) {
            let line = line.strip_prefix("export ").unwrap_or(line);
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let idx = match k.trim() {
                "GRUB_CMDLINE_LINUX" => 0,
                "GRUB_CMDLINE_LINUX_DEFAULT" => 1,
                _ => continue,
            };
            let v = unquote(v.trim());
            let expanded = v
                .replace("${GRUB_CMDLINE_LINUX_DEFAULT}", &vars[1].0)
                .replace("$GRUB_CMDLINE_LINUX_DEFAULT", &vars[1].0)
                .replace("${GRUB_CMDLINE_LINUX}", &vars[0].0)
                .replace("$GRUB_CMDLINE_LINUX", &vars[0].0);
            vars[idx] = (expanded, Some(Evidence::at(&shown, n)));
        }
    }
    let mut last: Option<(String, Evidence)> = None;
    for (value, ev) in &vars {
        for w in value.split_whitespace() {
            if let (Some(v), Some(ev)) = (w.strip_prefix("audit="), ev) {
                last = Some((v.to_string(), ev.clone()));
            }
        }
    }
    if let Some((v, ev)) = last {
        if v == "0" || v.eq_ignore_ascii_case("off") {
            emit(
                out,
                system,
                "auditd",
                "kernel_audit",
                "0",
                Scope::Global,
                ev,
            );
        }
    }
}

fn unquote(v: &str) -> String {
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.trim_matches('"').trim_matches('\'').to_string()
}
