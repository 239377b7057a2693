//! `/etc/group` (group(5): `group:pw:gid:member,member`).
//!
//! Owns line parsing only; memberships (listed members and primary GIDs from passwd) are
//! emitted by the module root, which knows the accounts.

use super::passwd::{is_nis_compat, parse_id};
use crate::diag::Diagnostic;
use crate::source::{numbered_lines, Output};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GroupEntry {
    pub(crate) name: String,
    pub(crate) gid: u32,
    pub(crate) members: Vec<String>,
    pub(crate) line: u32,
}

pub(crate) fn parse(text: &str, shown: &str, out: &mut Output) -> Vec<GroupEntry> {
    let mut entries = Vec::new();
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() || line.starts_with('#') || is_nis_compat(line) {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() != 4 {
            out.diag(Diagnostic::malformed(
                shown,
                n,
                format!("expected 4 colon-separated fields, found {}", fields.len()),
            ));
            continue;
        }
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let name = field(0).trim();
        let Some(gid) = parse_id(field(2)) else {
            out.diag(Diagnostic::malformed(
                shown,
                n,
                "GID is not a non-negative integer",
            ));
            continue;
        };
        if name.is_empty() {
            out.diag(Diagnostic::malformed(shown, n, "empty group name"));
            continue;
        }
        let members = field(3)
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        entries.push(GroupEntry {
            name: name.to_string(),
            gid,
            members,
            line: n,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_malformed() {
        let text = "root:x:0:\r\nsudo:x:027:alice, bob,\r\n+:::\r\nbad:x:zz:\r\nshort:x:1\r\n";
        let mut out = Output::default();
        let g = parse(text, "etc/group", &mut out);
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].gid, 27);
        assert_eq!(g[1].members, vec!["alice".to_string(), "bob".to_string()]);
        assert!(g[0].members.is_empty());
        let lines: Vec<Option<u32>> = out.diagnostics.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, vec![Some(4), Some(5)]);
    }
}
