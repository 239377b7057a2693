//! The members of the local Administrators group (`S-1-5-32-544`), in the three forms a host
//! gives them:
//! - `Get-LocalGroupMember -SID S-1-5-32-544 | ConvertTo-Json` (Windows PowerShell 5.1 writes the
//!   SID as an object and `PrincipalSource` as a number; PowerShell 7 writes strings; one member
//!   is an object, not an array);
//! - the same piped to `Export-Csv` (5.1 adds a `#TYPE Microsoft.PowerShell.Commands.LocalPrincipal`
//!   line unless `-NoTypeInformation`);
//! - `net localgroup <name>` text, whose labels and group name are localised (English, German,
//!   French and Spanish are recognised) and which has no SIDs. Such a text is read as the
//!   Administrators group only when its file name says so (`local-admins.txt`, or a name holding
//!   `S-1-5-32-544` or `administrators`): the collector resolves the group's name from its SID
//!   (`(Get-LocalGroup -SID S-1-5-32-544).Name`) and names the file. Without SIDs the built-in
//!   Administrator cannot be told from other local members, so it is listed like them.
//!
//! The built-in Administrator (RID 500) is not recorded as a member: like root on Linux it is
//! the host's own administrator, and RG304 judges whether LAPS manages its password. Domain
//! principals are recorded by their qualified name (`CORP\Domain Admins`), local ones by login.

use super::{
    admin_membership, host_of, is_builtin_admin, member_name, ps_enum, ps_objects, ps_sid,
};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use crate::source::json::Doc;
use crate::source::Output;

/// One member as an export gives it.
struct Member {
    name: String,
    sid: Option<String>,
    source: Option<String>,
    line: u32,
}

fn record(uri: &str, members: Vec<Member>, out: &mut Output) {
    // The host: the layout, else the `HOST\` prefix of a local member.
    let named = members
        .iter()
        .find(|m| {
            m.source
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("local"))
        })
        .and_then(|m| m.name.split_once('\\').map(|(h, _)| h.to_string()));
    let host = host_of(uri, named.as_deref());
    for m in members {
        if m.sid.as_deref().is_some_and(is_builtin_admin) {
            continue;
        }
        let local = m
            .source
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("local"));
        let member = member_name(&m.name, m.sid.as_deref(), &host, local);
        if member.is_empty() {
            continue;
        }
        out.record(admin_membership(&host, member, Evidence::at(uri, m.line)));
    }
}

pub(crate) fn parse_json(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    let doc = Doc::parse(uri, text);
    let members = ps_objects(&doc, &mut out)
        .into_iter()
        .map(|o| Member {
            name: o.get_str_ci("Name").unwrap_or("").to_string(),
            sid: ps_sid(o),
            source: ps_enum(o, "PrincipalSource", super::PRINCIPAL_SOURCES),
            line: doc.line(o),
        })
        .collect();
    record(uri, members, &mut out);
    out
}

pub(crate) fn parse_csv(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(_) => {
            out.diag(Diagnostic::unparseable(
                uri,
                Some(1),
                "no CSV header; the Administrators members were not read",
            ));
            return out;
        }
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (name, sid, source) = (col("name"), col("sid"), col("principalsource"));
    let mut members = Vec::new();
    let lines = crate::source::text::LineIndex::new(text);
    let mut cut = crate::source::text::CsvCut::new(headers.len());
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(1, |p| super::csv_row_line(&lines, p.byte()));
                out.diag(Diagnostic::malformed(
                    uri,
                    line,
                    "unreadable CSV row; skipped",
                ));
                continue;
            }
        };
        let line = row
            .position()
            .map_or(1, |p| super::csv_row_line(&lines, p.byte()));
        cut.see(&row, line);
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map(|c| c.trim().to_string());
        members.push(Member {
            name: cell(name).unwrap_or_default(),
            sid: cell(sid).filter(|s| !s.is_empty()),
            source: cell(source),
            line,
        });
    }
    if let Some(d) = cut.diagnostic(uri, text) {
        out.diag(d);
    }
    record(uri, members, &mut out);
    out
}

/// The first label of `net localgroup` output, lower-cased, per language.
const ALIAS_LABELS: &[&str] = &["alias name", "aliasname", "nom d'alias", "nombre de alias"];

/// The last line of a successful `net` command, per language.
const COMPLETED: &[&str] = &[
    "The command completed successfully.",
    "Der Befehl wurde erfolgreich ausgeführt.",
    "La commande s'est terminée correctement.",
    "Se ha completado el comando correctamente.",
];

/// Whether a lower-cased head looks like `net localgroup` output: an alias label first and a
/// rule of dashes before the members.
pub(crate) fn looks_like_net(head: &str) -> bool {
    let first = head.lines().next().unwrap_or("").trim_start();
    ALIAS_LABELS.iter().any(|l| first.starts_with(l))
        && head
            .lines()
            .any(|l| l.trim().len() >= 20 && l.trim().chars().all(|c| c == '-'))
}

/// Whether the file name marks a `net localgroup` text as the Administrators group.
fn names_administrators(uri: &str) -> bool {
    let name = uri.rsplit('/').next().unwrap_or(uri).to_ascii_lowercase();
    name.contains("local-admins")
        || name.contains("s-1-5-32-544")
        || name.contains("administrators")
}

pub(crate) fn parse_net(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    if !names_administrators(uri) {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(uri, Some(1)),
            "`net localgroup` output has no SIDs and its group name is localised: it is read as \
             the Administrators group (S-1-5-32-544) only when the file is named local-admins.txt \
             (or its name holds S-1-5-32-544 or administrators); skipped",
        ));
        return out;
    }
    let mut members = Vec::new();
    let mut in_members = false;
    let mut completed = false;
    for (line, l) in crate::source::numbered_lines(text) {
        let t = l.trim();
        if !in_members {
            in_members = t.len() >= 20 && t.chars().all(|c| c == '-');
            continue;
        }
        if t.is_empty() {
            continue;
        }
        if is_completion(t) {
            completed = true;
            break;
        }
        members.push(Member {
            name: t.to_string(),
            sid: None,
            source: None,
            line,
        });
    }
    if !completed {
        out.diag(Diagnostic::malformed(
            uri,
            1,
            "`net localgroup` output does not end with the command's completion line; it may be cut short",
        ));
    }
    record(uri, members, &mut out);
    out
}

/// The completion line: a known translation, or (for other languages) a sentence: it ends with a
/// full stop, has several words and no `\` (a member name with spaces is `DOMAIN\Some Group`).
fn is_completion(line: &str) -> bool {
    COMPLETED.iter().any(|c| c.eq_ignore_ascii_case(line))
        || (line.ends_with('.') && line.split_whitespace().count() >= 3 && !line.contains('\\'))
}
