//! `/etc/passwd` (passwd(5): `name:pw:uid:gid:gecos:home:shell`).
//!
//! Owns line parsing only: NIS compat lines (`+`, `-name`, `+@netgroup`) are skipped, UIDs and
//! GIDs are parsed as integers (`00` is 0), duplicate names keep the first entry (what
//! `getpwnam` returns) with a diagnostic. The password field is classified at once and never
//! kept: a crypt hash here must not travel further.

use super::shadow::classify_password;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, PasswordState};
use crate::source::{numbered_lines, Output};
use std::collections::BTreeMap;

/// What the passwd password field says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PwField {
    /// `x`: look in shadow.
    Shadowed,
    /// Anything else, classified (empty field, crypt hash, `*`...).
    Own(PasswordState),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PasswdEntry {
    pub(crate) login: String,
    pub(crate) pw: PwField,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) home: String,
    pub(crate) line: u32,
}

/// Whether a passwd/group line is a NIS compat entry (`+`, `+name`, `-name`, `+@ng`, `-@ng`).
pub(crate) fn is_nis_compat(line: &str) -> bool {
    line.starts_with('+') || line.starts_with('-')
}

/// Parses an unsigned id as nss_files does (decimal, leading zeros allowed).
pub(crate) fn parse_id(field: &str) -> Option<u32> {
    let f = field.trim();
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    f.parse().ok()
}

/// What a diagnostic says of a login field that holds something else (never the value: a line
/// missing its first field puts the password hash there).
pub(crate) const NOT_A_LOGIN: &str =
    "the login field is not a user name (a password hash or a line missing fields?); line skipped";

/// Whether a passwd or shadow login field can be a user name: not a crypt(3) hash or a locked
/// one (`$id$…`, `!…`, `*…`), and no `/` (crypt's alphabet; never in a name) or `$` except
/// at the end (Samba machine accounts).
pub(crate) fn plausible_login(login: &str) -> bool {
    let body = login.strip_suffix('$').unwrap_or(login);
    !(login.starts_with(['$', '!', '*']) || body.contains(['$', '/']))
}

pub(crate) fn parse(text: &str, shown: &str, out: &mut Output) -> Vec<PasswdEntry> {
    let mut entries: Vec<PasswdEntry> = Vec::new();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() || line.starts_with('#') || is_nis_compat(line) {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 7 {
            out.diag(Diagnostic::malformed(
                shown,
                n,
                format!("expected 7 colon-separated fields, found {}", fields.len()),
            ));
            continue;
        }
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let login = field(0).trim();
        if login.is_empty() {
            out.diag(Diagnostic::malformed(shown, n, "empty login name"));
            continue;
        }
        if !plausible_login(login) {
            out.diag(Diagnostic::malformed(shown, n, NOT_A_LOGIN));
            continue;
        }
        let (Some(uid), Some(gid)) = (parse_id(field(2)), parse_id(field(3))) else {
            out.diag(Diagnostic::malformed(
                shown,
                n,
                format!("UID or GID of '{login}' is not a non-negative integer"),
            ));
            continue;
        };
        if let Some(first) = seen.get(login) {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Warning,
                Evidence::at(shown, n),
                format!("duplicate login '{login}' (first at line {first}); the first entry wins"),
            ));
            continue;
        }
        seen.insert(login.to_string(), n);
        let pw = match field(1) {
            "x" => PwField::Shadowed,
            other => PwField::Own(classify_password(other)),
        };
        entries.push(PasswdEntry {
            login: login.to_string(),
            pw,
            uid,
            gid,
            // Linux reads `/../home/x` as `/home/x`: the home is where the kernel would look.
            home: match field(5).trim() {
                h if h.starts_with('/') => super::fs::normalize_at_root(h),
                h => h.to_string(),
            },
            line: n,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nis_uid00_crlf_bom_and_duplicates() {
        let bytes = b"\xEF\xBB\xBFroot:x:0:0:root:/root:/bin/bash\r\n\
toor:x:00:0:maint:/root:/bin/bash\r\n\
+::::::\r\n-mallory::::::\r\n+@admins::::::\r\n\
svc::1002:1002::/var/backups:/bin/sh\r\n\
broken:x:12\r\n\
neg:x:-1:0::/:/bin/sh\r\n\
root:x:5:5::/x:/bin/sh\r\n\r\n";
        let text = crate::source::decode_text(bytes);
        let mut out = Output::default();
        let e = parse(&text, "h/etc/passwd", &mut out);
        let logins: Vec<&str> = e.iter().map(|p| p.login.as_str()).collect();
        assert_eq!(logins, vec!["root", "toor", "svc"]);
        assert_eq!(e[1].uid, 0);
        assert_eq!(e[1].pw, PwField::Shadowed);
        assert_eq!(e[2].pw, PwField::Own(PasswordState::Empty));
        assert_eq!(e[2].home, "/var/backups");
        assert_eq!(e[2].line, 6);
        let lines: Vec<Option<u32>> = out.diagnostics.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, vec![Some(7), Some(8), Some(9)]);
        assert!(out.diagnostics[2].message.contains("duplicate"));
    }
}
