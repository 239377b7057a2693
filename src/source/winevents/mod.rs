//! Windows Security log events of the reset ledger (issue 12): 4723 (a user changed their own
//! password), 4724 (someone reset an account's password), 4738 (an account was changed), 4740
//! (locked out) and 4767 (unlocked), as `Event` records.
//!
//! Owns recognising the exports by content ([`sniff`]), reading them ([`xml`], [`powershell`]),
//! turning one event's fields into an `Event` ([`build`]) and, after the crawl, naming the AD
//! domain of events that only carry its NetBIOS name ([`join`]). Not here: other event ids (a
//! note counts them), findings.
//!
//! Formats:
//! - `wevtutil qe Security /q:"*[System[(EventID=4724)]]" /f:xml`: `<Event xmlns=…>` elements
//!   one after another with no root (UTF-16LE with a BOM when redirected in PowerShell: decoded
//!   before this module sees it);
//! - an EVTX converted to XML: `evtx_dump -o xml` (`Record N` lines and an `<?xml?>`
//!   declaration before each event), python-evtx or Event Viewer's "Save as XML" (`<Events>`
//!   around them);
//! - `Get-WinEvent … | Select-Object Id, TimeCreated, RecordId, MachineName, Keywords,
//!   Properties | ConvertTo-Json -Depth 4`: `Properties` is an array of `{"Value": …}` in the
//!   event template's order (field names by position, [`template`]); Windows PowerShell 5.1
//!   writes `TimeCreated` as `"\/Date(ms)\/"`, PowerShell 7 as ISO 8601. `Message` is localised
//!   text and is never read.
//!
//! Field orders, from Microsoft's event pages (`windows-itpro-docs` `event-4723.md` …
//! `event-4767.md`): 4723, 4724, 4740 and 4767 start `TargetUserName, TargetDomainName,
//! TargetSid, SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId` (4723 adds
//! `PrivilegeList`); 4738 starts with `Dummy` and goes on to the changed attributes. In 4740,
//! `TargetDomainName` is the *caller computer*, so the locked account's domain is the subject's
//! (the domain controller's own account).
//!
//! The system of an event: a `TargetDomainName` written as a DNS name is that domain; a NetBIOS
//! name equal to the first label of `Computer` is the computer itself (a local account, system =
//! the host name as `source::windows` spells it, upper-case); a NetBIOS name equal to the first
//! label of the domain part of `Computer` (`DC01.corp.example.test` for `CORP`) is that DNS
//! domain; any other NetBIOS name is kept as written and [`join`] maps it to the scan's AD domain
//! whose first label it is, when exactly one such domain holds the target account. Outcome from
//! `Keywords` (Audit Success `0x8020000000000000`, Audit Failure `0x8010000000000000`).
//! `TargetSid` (string form) is kept as `target_sid`: the ledger finds the account by it before
//! its name, so a renamed account is found. The event id is `Computer/EventRecordID` (record ids are per computer: two domain controllers can both
//! write record 175740). Evidence: the line of the `<Event` element or of the JSON item.

pub(crate) mod powershell;
#[cfg(test)]
mod tests;
pub(crate) mod xml;

use super::registry::{BySniff, ParseInput, Sniff};
use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Evidence, Record, SourceKind, When};
use std::collections::{BTreeMap, BTreeSet};

/// The event XML namespace every Windows event carries.
pub const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// Audit Success and Audit Failure bits of `Keywords`.
const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

/// The export formats this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `wevtutil /f:xml`, `evtx_dump -o xml`, `<Events>` files.
    Xml,
    /// `Get-WinEvent | ConvertTo-Json`.
    PowerShellJson,
}

/// Recognises a Windows event export by content.
pub fn sniff(file: &Sniff<'_>) -> Option<Kind> {
    let head = file.body_head();
    if head.starts_with('<') || head.starts_with("Record ") {
        let lower = file.lower_head();
        if lower.contains(EVENT_NS) && lower.contains("<eventid") {
            return Some(Kind::Xml);
        }
        return None;
    }
    if file.looks_like_json() {
        let lower = file.lower_head();
        let has = |k: &str| lower.contains(&format!("\"{k}\""));
        // `Properties` comes last when nothing was selected: `ProviderName` and `RecordId` tell
        // an EventLogRecord too.
        if has("timecreated")
            && (has("properties") || (has("providername") && has("recordid")))
            && (has("id") || has("recordid"))
        {
            return Some(Kind::PowerShellJson);
        }
    }
    None
}

/// Windows Security log exports (XML and `Get-WinEvent` JSON).
pub static SOURCE: BySniff<Kind> = BySniff {
    name: "winevents",
    sniff,
    read,
    join: |records| join(records),
    dated_by_file_time: false,
};

fn read(kind: Kind, input: &ParseInput<'_>) -> Output {
    match kind {
        Kind::Xml => xml::parse(input.uri, input.text),
        Kind::PowerShellJson => powershell::parse(input.uri, input.text),
    }
}

/// The event ids this module reads.
pub const EVENT_IDS: &[u32] = &[4723, 4724, 4738, 4740, 4767];

/// The common start of the 4723, 4724, 4740 and 4767 templates.
const COMMON: [&str; 7] = [
    "TargetUserName",
    "TargetDomainName",
    "TargetSid",
    "SubjectUserSid",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectLogonId",
];

/// 4738's changed-attribute fields after `PrivilegeList`.
const CHANGED_4738: [&str; 18] = [
    "SamAccountName",
    "DisplayName",
    "UserPrincipalName",
    "HomeDirectory",
    "HomePath",
    "ScriptPath",
    "ProfilePath",
    "UserWorkstations",
    "PasswordLastSet",
    "AccountExpires",
    "PrimaryGroupId",
    "AllowedToDelegateTo",
    "OldUacValue",
    "NewUacValue",
    "UserAccountControl",
    "UserParameters",
    "SidHistory",
    "LogonHours",
];

/// The EventData field names of an event id's template, in order (`Get-WinEvent`'s
/// `Properties` carry values only). `None` for ids this module does not read.
pub fn template(id: u32) -> Option<Vec<&'static str>> {
    let mut names: Vec<&'static str> = Vec::new();
    match id {
        4724 | 4740 | 4767 => names.extend(COMMON),
        4723 => {
            names.extend(COMMON);
            names.push("PrivilegeList");
        }
        4738 => {
            names.push("Dummy");
            names.extend(COMMON);
            names.push("PrivilegeList");
            names.extend(CHANGED_4738);
        }
        _ => return None,
    }
    Some(names)
}

/// One event as read from either format, before it becomes an `Event`.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    pub(crate) id: u32,
    pub(crate) record: Option<String>,
    pub(crate) computer: Option<String>,
    pub(crate) at: When,
    pub(crate) keywords: Option<u64>,
    /// EventData as (name, value), in order.
    pub(crate) data: Vec<(String, String)>,
    pub(crate) line: u32,
}

impl Raw {
    /// A data field's value; `-` and empty (the log's "not set") are `None`.
    fn field(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty() && *v != "-")
    }
}

/// Problems met while reading one file, reported once each with a count and the first line.
#[derive(Default)]
pub(crate) struct Tally {
    problems: BTreeMap<&'static str, (usize, u32)>,
    other_ids: BTreeSet<u32>,
    other_count: usize,
    other_line: u32,
    read: usize,
}

impl Tally {
    pub(crate) fn problem(&mut self, what: &'static str, line: u32) {
        let e = self.problems.entry(what).or_insert((0, line));
        e.0 += 1;
    }

    pub(crate) fn other_id(&mut self, id: u32, line: u32) {
        if self.other_count == 0 {
            self.other_line = line;
        }
        self.other_count += 1;
        if self.other_ids.len() < 8 {
            self.other_ids.insert(id);
        }
    }

    /// Reports the tally into `out`.
    pub(crate) fn finish(self, path: &str, out: &mut Output) {
        for (what, (n, line)) in self.problems {
            let message = if n == 1 {
                format!("{what}; event skipped")
            } else {
                format!("{what}; {n} events skipped (first here)")
            };
            out.diag(Diagnostic::malformed(path, line, message));
        }
        if self.other_count > 0 {
            let ids: Vec<String> = self.other_ids.iter().map(u32::to_string).collect();
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                Evidence::at(path, self.other_line),
                format!(
                    "{} event(s) with ids resetgap does not read ({}); ignored (first here). \
                     Read: 4723, 4724, 4738, 4740, 4767",
                    self.other_count,
                    ids.join(", ")
                ),
            ));
        }
        if self.read == 0 && self.other_count == 0 && out.records.is_empty() {
            out.diag(Diagnostic::unparseable(
                path,
                None,
                "Windows event export with no event resetgap could read",
            ));
        }
    }
}

/// `Keywords` as the XML (`0x8020000000000000`) or PowerShell (a signed 64-bit number, or its
/// text) writes it.
pub(crate) fn keywords(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    t.parse::<u64>()
        .ok()
        .or_else(|| t.parse::<i64>().ok().map(|n| n as u64))
}

/// Turns one read event into an `Event` record, or counts why it cannot.
pub(crate) fn build(raw: &Raw, path: &str, tally: &mut Tally, out: &mut Output) {
    let kind = match raw.id {
        4723 => EventKind::PasswordChange,
        4724 => EventKind::PasswordReset,
        4738 => EventKind::AccountChanged,
        4740 => EventKind::AccountLocked,
        4767 => EventKind::AccountUnlocked,
        other => {
            tally.other_id(other, raw.line);
            return;
        }
    };
    let Some(target) = raw.field("TargetUserName") else {
        tally.problem("event without TargetUserName", raw.line);
        return;
    };
    // In 4740 TargetDomainName is the caller computer: the account's domain is the subject's
    // (the domain controller's machine account, or the computer for a local account).
    let domain = if raw.id == 4740 {
        raw.field("SubjectDomainName")
    } else {
        raw.field("TargetDomainName")
    };
    let Some(domain) = domain else {
        tally.problem("event without the target account's domain", raw.line);
        return;
    };
    if !raw.at.is_known() {
        tally.problem("event without a readable TimeCreated", raw.line);
        return;
    }
    tally.read += 1;
    let (system, source) = system_of(domain, raw.computer.as_deref());
    let outcome = match raw.keywords {
        Some(k) if k & AUDIT_FAILURE != 0 => Outcome::Failure,
        Some(k) if k & AUDIT_SUCCESS != 0 => Outcome::Success,
        _ => Outcome::Unknown,
    };
    let mut detail = Vec::new();
    if raw.id == 4738 {
        let changed: Vec<&str> = CHANGED_4738
            .iter()
            .copied()
            .filter(|n| *n != "OldUacValue" && raw.field(n).is_some())
            .collect();
        if !changed.is_empty() {
            detail.push(format!("changed {}", changed.join(", ")));
        }
    }
    if raw.id == 4740 {
        if let Some(caller) = raw.field("TargetDomainName") {
            detail.push(format!("caller computer {caller}"));
        }
    }
    let event_id = raw.record.as_ref().map(|r| match &raw.computer {
        Some(c) => format!("{}/{r}", c.to_ascii_lowercase()),
        None => r.clone(),
    });
    out.record(Record::Event(Event {
        at: raw.at,
        system,
        source,
        kind,
        target: target.to_string(),
        actor: raw.field("SubjectUserName").map(str::to_string),
        outcome,
        action: raw.id.to_string(),
        credential: None,
        detail: (!detail.is_empty()).then(|| detail.join("; ")),
        strong_auth: None,
        target_sid: raw
            .field("TargetSid")
            .filter(|s| is_sid(s))
            .map(str::to_ascii_uppercase),
        event_id,
        evidence: Evidence::at(path, raw.line),
    }));
}

/// Whether a `TargetSid` value is a SID in string form (`S-1-5-21-…`); `NULL SID` (`S-1-0-0`)
/// and unresolved text are not used.
fn is_sid(s: &str) -> bool {
    let up = s.to_ascii_uppercase();
    up != "S-1-0-0"
        && up.strip_prefix("S-1-").is_some_and(|rest| {
            rest.split('-')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The system of the account an event acts on (see the module header).
pub fn system_of(domain: &str, computer: Option<&str>) -> (String, SourceKind) {
    let domain = domain.trim();
    if domain.contains('.') {
        return (domain.to_ascii_lowercase(), SourceKind::ActiveDirectory);
    }
    if let Some(computer) = computer.map(str::trim).filter(|c| !c.is_empty()) {
        let (host, suffix) = computer.split_once('.').unwrap_or((computer, ""));
        if host.eq_ignore_ascii_case(domain) {
            return (domain.to_ascii_uppercase(), SourceKind::WindowsHost);
        }
        let first = suffix.split('.').next().unwrap_or("");
        if !suffix.is_empty() && first.eq_ignore_ascii_case(domain) {
            return (suffix.to_ascii_lowercase(), SourceKind::ActiveDirectory);
        }
    }
    (domain.to_ascii_uppercase(), SourceKind::ActiveDirectory)
}

/// After the crawl: an AD event whose `TargetSid` is the `objectSid` of an exported AD account
/// takes that account's domain (the target keeps the name the log wrote: a renamed account is
/// found by SID, `rule::checks::ledger::AccountIndex`). Otherwise an AD event whose system is
/// still a NetBIOS name (no dot) takes the DNS name of the scan's AD domain whose first label is
/// that name, when exactly one such domain holds an account of the event's target login
/// (otherwise the NetBIOS name stays). The target then takes
/// the account's own spelling (Windows logins are case-insensitive; the inventory's lookup is not).
pub fn join(records: &mut [Record]) {
    let mut domains: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut logins: BTreeMap<(String, String), String> = BTreeMap::new();
    // AD accounts by SID: an event whose `TargetSid` is one of them is on that account's domain.
    let mut by_sid: BTreeMap<String, String> = BTreeMap::new();
    for r in records.iter() {
        if let Record::Account(a) = r {
            if let (SourceKind::ActiveDirectory, Some(sid)) = (a.source, &a.sid) {
                by_sid.insert(sid.to_ascii_uppercase(), a.system.clone());
            }
            if a.source == SourceKind::ActiveDirectory && a.system.contains('.') {
                let first = a
                    .system
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                domains.entry(first).or_default().insert(a.system.clone());
                logins.insert(
                    (a.system.clone(), a.login.to_ascii_lowercase()),
                    a.login.clone(),
                );
            }
        }
    }
    if domains.is_empty() && by_sid.is_empty() {
        return;
    }
    for r in records.iter_mut() {
        let Record::Event(e) = r else { continue };
        if e.source != SourceKind::ActiveDirectory
            || !EVENT_IDS.iter().any(|id| e.action == id.to_string())
        {
            continue;
        }
        if let Some(system) = e.target_sid.as_ref().and_then(|s| by_sid.get(s)) {
            e.system = system.clone();
        }
        let target = e.target.to_ascii_lowercase();
        if !e.system.contains('.') {
            let Some(candidates) = domains.get(&e.system.to_ascii_uppercase()) else {
                continue;
            };
            let holding: Vec<&String> = candidates
                .iter()
                .filter(|d| logins.contains_key(&((*d).clone(), target.clone())))
                .collect();
            if let [only] = holding.as_slice() {
                e.system = (*only).clone();
            }
        }
        if let Some(login) = logins.get(&(e.system.clone(), target)) {
            e.target = login.clone();
        }
    }
}
