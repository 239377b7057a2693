//! PAM (`etc/pam.d/*`, Linux-PAM): the auth stacks every login reads — `common-auth` (Debian),
//! `system-auth` and `password-auth` (RHEL) — with `@include FILE` (Debian), and `include` /
//! `substack` controls followed recursively (`-type` lines, whose module may be missing, count).
//! Emits, per stack file present, `pam:nullok` (`yes` with the `pam_unix.so … nullok` line: an
//! account with an empty password logs in without one) and `pam:lockout` (`none` when no
//! `pam_faillock.so` or `pam_tally2.so` is in the stack: failed attempts are neither counted nor
//! recorded in a tally). Also `login.defs` (`etc/login.defs`, `KEY value`, last wins):
//! `login.defs:faillog_enab` when `FAILLOG_ENAB no` is set (shadow-utils: default yes where
//! the key is supported).

use super::{content_lines, emit, text};
use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::HostFs;
use crate::source::Output;

const STACKS: &[&str] = &["common-auth", "system-auth", "password-auth"];

struct Line {
    module: String,
    args: Vec<String>,
    ev: Evidence,
}

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    for stack in STACKS {
        let path = format!("/etc/pam.d/{stack}");
        let mut lines = Vec::new();
        if !auth_lines(fs, &path, 0, &mut lines, out) {
            continue;
        }
        let scope = Scope::Conditional(format!("pam.d/{stack}"));
        let file_ev = Evidence::new(fs.evidence_path(&path), None);
        if let Some(l) = lines
            .iter()
            .find(|l| l.module == "pam_unix.so" && l.args.iter().any(|a| a == "nullok"))
        {
            emit(
                out,
                system,
                "pam",
                "nullok",
                "yes",
                scope.clone(),
                l.ev.clone(),
            );
        }
        if !lines
            .iter()
            .any(|l| l.module == "pam_faillock.so" || l.module == "pam_tally2.so")
        {
            emit(out, system, "pam", "lockout", "none", scope, file_ev);
        }
    }
}

/// Appends the `auth` lines of `path` (includes expanded); `false` when the file is absent.
fn auth_lines(fs: &HostFs, path: &str, depth: u32, acc: &mut Vec<Line>, out: &mut Output) -> bool {
    if depth > 8 {
        return true;
    }
    let Some(t) = text(fs, path, out) else {
        return false;
    };
    let shown = fs.evidence_path(path);
    for (n, line) in content_lines(&t) {
        let line = line.split(" #").next().unwrap_or(line);
        if let Some(inc) = line.strip_prefix("@include") {
            let f = pam_path(inc.trim());
            auth_lines(fs, &f, depth + 1, acc, out);
            continue;
        }
        let toks: Vec<&str> = line.split_whitespace().collect();
        let [ty, rest @ ..] = toks.as_slice() else {
            continue;
        };
        if !ty.trim_start_matches('-').eq_ignore_ascii_case("auth") {
            continue;
        }
        // The control is a word or a bracketed `[value=action ...]` list.
        let (control, rest) = if rest.first().is_some_and(|c| c.starts_with('[')) {
            let end = rest.iter().position(|t| t.ends_with(']')).unwrap_or(0);
            (rest[..=end].join(" "), &rest[end + 1..])
        } else {
            match rest.split_first() {
                Some((c, r)) => (c.to_string(), r),
                None => continue,
            }
        };
        let Some((module, args)) = rest.split_first() else {
            continue;
        };
        if control == "include" || control == "substack" {
            auth_lines(fs, &pam_path(module), depth + 1, acc, out);
            continue;
        }
        let module = module.rsplit('/').next().unwrap_or(module).to_string();
        acc.push(Line {
            module,
            args: args.iter().map(|a| a.to_string()).collect(),
            ev: Evidence::at(&shown, n),
        });
    }
    true
}

fn pam_path(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/etc/pam.d/{name}")
    }
}

pub(super) fn login_defs(fs: &HostFs, system: &str, out: &mut Output) {
    let path = "/etc/login.defs";
    let Some(t) = text(fs, path, out) else { return };
    let shown = fs.evidence_path(path);
    let mut faillog = None;
    for (n, line) in content_lines(&t) {
        let mut it = line.split_whitespace();
        if it.next() == Some("FAILLOG_ENAB") {
            faillog = it
                .next()
                .map(|v| (v.to_ascii_lowercase(), Evidence::at(&shown, n)));
        }
    }
    if let Some((v, ev)) = faillog {
        if v == "no" {
            emit(
                out,
                system,
                "login.defs",
                "faillog_enab",
                v,
                Scope::Global,
                ev,
            );
        }
    }
}
