//! PostgreSQL: each Debian cluster `etc/postgresql/<version>/<cluster>/postgresql.conf`
//! (`name = value` or `name value`, `#` comments, quoted values; `include`,
//! `include_if_exists`, `include_dir` read in place, a later value wins), then
//! `postgresql.auto.conf` from the cluster's `data_directory` (read last: ALTER SYSTEM wins),
//! and the `pg_hba.conf` its `hba_file` names (default: the cluster directory). Also the RHEL
//! layout `var/lib/pgsql/data/`. pg_hba: the first line matching a connection decides, so a
//! line after an identical or broader earlier one for the same connection type is unreachable;
//! `include`, `include_if_exists` and `include_dir` (PostgreSQL 16+) are read in place.
//! Emits `postgres:hba_method` = `trust`/`password` per reachable line (scoped by its type,
//! database, user and address), and `postgres:log_connections` (default `off`).

use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::{join, parent, HostFs};
use crate::source::linux::logging::{emit, text};
use crate::source::Output;
use std::collections::BTreeMap;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    let mut clusters: Vec<String> = fs
        .glob("/etc/postgresql/*/*/postgresql.conf", out)
        .iter()
        .map(|p| parent(p))
        .collect();
    if fs.is_dir("/var/lib/pgsql/data") {
        clusters.push("/var/lib/pgsql/data".to_string());
    }
    for dir in clusters {
        let conf = format!("{dir}/postgresql.conf");
        let mut vals: BTreeMap<String, (String, Evidence)> = BTreeMap::new();
        conf_file(fs, &conf, 0, &mut vals, out);
        let data = vals
            .get("data_directory")
            .map(|v| v.0.clone())
            .unwrap_or_else(|| dir.clone());
        conf_file(
            fs,
            &format!("{data}/postgresql.auto.conf"),
            0,
            &mut vals,
            out,
        );
        let file_ev = Evidence::new(fs.evidence_path(&conf), None);
        let (log, ev) = vals
            .get("log_connections")
            .cloned()
            .unwrap_or_else(|| ("off".to_string(), file_ev));
        let log = match log.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" | "all" => "on".to_string(),
            "off" | "false" | "no" | "0" | "" => "off".to_string(),
            other => other.to_string(),
        };
        let scope = Scope::Conditional(format!("cluster {}", dir.trim_start_matches('/')));
        emit(out, system, "postgres", "log_connections", log, scope, ev);
        let hba = vals
            .get("hba_file")
            .map(|v| v.0.clone())
            .unwrap_or_else(|| format!("{dir}/pg_hba.conf"));
        let mut lines = Vec::new();
        hba_file(fs, &hba, 0, &mut lines, out);
        let mut seen: Vec<[String; 4]> = Vec::new();
        for (key, method, ev) in lines {
            let shadowed = seen.iter().any(|k| {
                (k[0] == key[0] || (k[0] == "host" && key[0].starts_with("host")))
                    && (k[1] == key[1] || k[1] == "all")
                    && (k[2] == key[2] || k[2] == "all")
                    && (k[3] == key[3]
                        || k[3] == "all"
                        || k[3] == "0.0.0.0/0" && !key[3].contains(':'))
            });
            if !shadowed && (method == "trust" || method == "password") {
                let scope = Scope::Conditional(key.join(" ").trim().to_string());
                emit(out, system, "postgres", "hba_method", method, scope, ev);
            }
            seen.push(key);
        }
    }
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('\'')
        .and_then(|v| v.split('\'').next())
        .unwrap_or_else(|| v.split('#').next().unwrap_or("").trim());
    v.to_string()
}

fn conf_file(
    fs: &HostFs,
    path: &str,
    depth: u32,
    vals: &mut BTreeMap<String, (String, Evidence)>,
    out: &mut Output,
) {
    if depth > 10 {
        return;
    }
    let Some(t) = text(fs, path, out) else { return };
    let shown = fs.evidence_path(path);
    for (n, line) in crate::source::numbered_lines(&t) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = match line.split_once('=') {
            Some((k, v)) if !k.trim().contains(char::is_whitespace) => (k.trim(), v),
            _ => match line.split_once(char::is_whitespace) {
                Some((k, v)) => (k, v),
                None => continue,
            },
        };
        let k = k.to_ascii_lowercase();
        let v = unquote(v);
        match k.as_str() {
            "include" | "include_if_exists" => {
                conf_file(fs, &join(&parent(path), &v), depth + 1, vals, out)
            }
            "include_dir" => {
                let dir = join(&parent(path), &v);
                for name in fs.list_dir(&dir, out).unwrap_or_default() {
                    if name.ends_with(".conf") && !name.starts_with('.') {
                        conf_file(fs, &format!("{dir}/{name}"), depth + 1, vals, out);
                    }
                }
            }
            _ => {
                vals.insert(k, (v, Evidence::at(&shown, n)));
            }
        }
    }
}

type HbaLine = ([String; 4], String, Evidence);

fn hba_file(fs: &HostFs, path: &str, depth: u32, acc: &mut Vec<HbaLine>, out: &mut Output) {
    if depth > 10 {
        return;
    }
    let Some(t) = text(fs, path, out) else { return };
    let shown = fs.evidence_path(path);
    for (n, line) in crate::source::numbered_lines(&t) {
        let line = line.split('#').next().unwrap_or("").trim();
        let f: Vec<String> = line
            .split_whitespace()
            .map(|t| t.trim_matches('"').to_string())
            .collect();
        let Some(ty) = f.first().map(|t| t.to_ascii_lowercase()) else {
            continue;
        };
        match ty.as_str() {
            "include" | "include_if_exists" => {
                if let Some(p) = f.get(1) {
                    hba_file(fs, &join(&parent(path), p), depth + 1, acc, out);
                }
                continue;
            }
            "include_dir" => {
                if let Some(p) = f.get(1) {
                    let dir = join(&parent(path), p);
                    for name in fs.list_dir(&dir, out).unwrap_or_default() {
                        if name.ends_with(".conf") && !name.starts_with('.') {
                            hba_file(fs, &format!("{dir}/{name}"), depth + 1, acc, out);
                        }
                    }
                }
                continue;
            }
            _ => {}
        }
        let (addr, method) = if ty == "local" {
            (String::new(), f.get(3))
        } else if f
            .get(4)
            .is_some_and(|m| m.contains('.') && f.get(3).is_some_and(|a| !a.contains('/')))
        {
            // `address netmask` form.
            (format!("{} {}", f[3], f[4]), f.get(5))
        } else {
            (f.get(3).cloned().unwrap_or_default(), f.get(4))
        };
        let Some(method) = method else { continue };
        let key = [
            ty,
            f.get(1).cloned().unwrap_or_default(),
            f.get(2).cloned().unwrap_or_default(),
            addr,
        ];
        acc.push((key, method.to_ascii_lowercase(), Evidence::at(&shown, n)));
    }
}
