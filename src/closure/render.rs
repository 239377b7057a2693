//! Writers of the closure report (`resetgap closure`): text for auditors (one block per record,
//! headed by identity, date and verdict), Markdown, and JSON (`ClosureReport`, a stable serde
//! structure documented in the README). The HTML section lives with the HTML report
//! (`report::html`). Dates read `YYYY-MM-DD HH:MM UTC`.

use super::{
    AccountInfo, ClosureRecord, CredentialAfter, CredentialInfo, Item, PasswordAfter,
    SessionsAfter, Verdict,
};
use crate::report::markdown;
use crate::report::scope::Scope;
use jiff::Timestamp;
use serde::Serialize;
use std::io::Write;

/// `2026-08-20 14:22 UTC`.
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// What the JSON format writes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosureReport<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub as_of: Timestamp,
    pub summary: Summary,
    pub records: &'a [ClosureRecord],
    /// Ledger rules not assessed for lack of input, with the input each needs.
    pub not_assessed: Vec<NotAssessed>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub records: usize,
    pub open: usize,
    pub unprovable: usize,
    pub closed: usize,
}

#[derive(Serialize)]
pub struct NotAssessed {
    pub rule: &'static str,
    pub needs: &'static str,
}

pub fn summary(records: &[ClosureRecord]) -> Summary {
    let n = |v: Verdict| records.iter().filter(|r| r.verdict == v).count();
    Summary {
        records: records.len(),
        open: n(Verdict::Open),
        unprovable: n(Verdict::Unprovable),
        closed: n(Verdict::Closed),
    }
}

/// The ledger rules the scope did not assess.
pub fn not_assessed(scope: &Scope) -> Vec<NotAssessed> {
    scope
        .not_assessed()
        .filter(|c| c.rule.starts_with("RG60"))
        .map(|c| NotAssessed {
            rule: c.rule,
            needs: c.needs,
        })
        .collect()
}

pub const NO_RESETS: &str = "no reset events in the ledger; export audit logs: see README";

pub fn json(out: &mut dyn Write, scope: &Scope, records: &[ClosureRecord]) -> std::io::Result<()> {
    let report = ClosureReport {
        tool: "resetgap",
        version: env!("CARGO_PKG_VERSION"),
        as_of: scope.as_of,
        summary: summary(records),
        records,
        not_assessed: not_assessed(scope),
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(crate::report::json_io_error)?;
    out.write_all(b"\n")
}

fn cisa(ids: &[&str]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" [{}]", ids.join(", "))
    }
}

pub fn password_text(a: &AccountInfo) -> String {
    let at = a.password_set.map(when).unwrap_or_default();
    let caught = a
        .caught_up_after
        .as_deref()
        .map(|s| format!(", caught up after {s}"))
        .unwrap_or_default();
    match a.password {
        PasswordAfter::ResetByThisEvent => format!("reset by this event at {at}{caught}"),
        PasswordAfter::SetAfter => format!("password set at {at}{caught}"),
        PasswordAfter::NotReset => {
            format!("not reset (password last set at {at}, before the reset)")
        }
        PasswordAfter::NoPassword => "has no usable password".to_string(),
        PasswordAfter::Unknown => {
            "unknown (the export does not say when its password was set)".to_string()
        }
    }
}

pub fn sessions_text(a: &AccountInfo, reset: Timestamp) -> Option<String> {
    let detail = a
        .sessions_detail
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    Some(match a.sessions? {
        SessionsAfter::Revoked => match a.sessions_revoked_at {
            Some(t) => format!(
                "sessions revoked at {}, {} after the reset{detail}",
                when(t),
                super::span(t.as_second() - reset.as_second())
            ),
            None => format!("sessions revoked{detail}"),
        },
        SessionsAfter::RevokedByReset => format!("sessions revoked by the reset{detail}"),
        SessionsAfter::NotRevoked => format!("sessions NOT revoked{detail}"),
        SessionsAfter::Unknown => {
            "sessions: unknown (no audit log or session validity given)".to_string()
        }
    })
}

pub fn state_text(c: &CredentialInfo) -> &'static str {
    match c.state {
        CredentialAfter::RevokedByReset => "revoked by the reset",
        CredentialAfter::Deleted => "deleted",
        CredentialAfter::Rotated => "rotated",
        CredentialAfter::Deactivated => "deactivated",
        CredentialAfter::IssuedAfter => "issued after the reset",
        CredentialAfter::Expired => "expired",
        CredentialAfter::Survives => "SURVIVES",
        CredentialAfter::UsedAfterReset => "USED AFTER THE RESET",
        CredentialAfter::Undated => "undated",
    }
}

fn item_line(i: &Item) -> String {
    let mut s = String::new();
    if let Some(r) = i.rule {
        s.push_str(r);
        s.push(' ');
    }
    if let Some(l) = &i.location {
        s.push_str(&format!("{l}: "));
    }
    s.push_str(&i.message);
    s.push_str(&cisa(&i.cisa));
    s
}

/// The event line: "password reset of mokafor on corp.example.test by CORP\helpdesk.kim (4724)".
pub fn event_text(r: &ClosureRecord) -> String {
    let e = &r.event;
    let by = match &e.actor {
        Some(a) if !a.eq_ignore_ascii_case(&e.target) => format!(" by {a}"),
        _ => String::new(),
    };
    let strong = match e.strong_auth {
        Some(true) => ", strong authentication",
        Some(false) => ", no strong authentication",
        None => "",
    };
    format!(
        "{} of {} on {} at {}{by} ({}{strong})",
        e.kind.describe(),
        e.target,
        e.system,
        when(e.at),
        e.action
    )
}

pub fn text(out: &mut dyn Write, scope: &Scope, records: &[ClosureRecord]) -> std::io::Result<()> {
    let s = summary(records);
    if records.is_empty() {
        writeln!(
            out,
            "resetgap closure as of {}: {NO_RESETS}",
            when(scope.as_of)
        )?;
        let missing = not_assessed(scope);
        if !missing.is_empty() {
            writeln!(out, "Ledger inputs missing:")?;
            for m in &missing {
                writeln!(out, "  {} needs {}", m.rule, m.needs)?;
            }
        }
        return Ok(());
    }
    writeln!(
        out,
        "resetgap closure as of {}: {} reset{} ({} open, {} unprovable, {} closed)",
        when(scope.as_of),
        s.records,
        if s.records == 1 { "" } else { "s" },
        s.open,
        s.unprovable,
        s.closed
    )?;
    for r in records {
        writeln!(out)?;
        writeln!(
            out,
            "== {} · {} · {} ==",
            r.identity.name,
            when(r.at),
            r.verdict.as_str().to_uppercase()
        )?;
        writeln!(out, "Verdict: {}: {}", r.verdict.as_str(), r.verdict_reason)?;
        writeln!(out, "Event: {}{}", event_text(r), cisa(&r.cisa))?;
        writeln!(out, "  evidence: {}", r.event.evidence)?;
        for e in &r.echoes {
            writeln!(
                out,
                "  also logged: {} on {} at {} ({})",
                e.action,
                e.system,
                when(e.at),
                e.evidence
            )?;
        }
        if r.tickets.is_empty() {
            writeln!(out, "Tickets: none matched")?;
        } else {
            writeln!(out, "Tickets:")?;
            for t in &r.tickets {
                writeln!(
                    out,
                    "  {} ({}): requested by {}, approved by {}, state {} ({})",
                    t.id,
                    t.system,
                    t.requested_by.as_deref().unwrap_or("-"),
                    t.approved_by.as_deref().unwrap_or("-"),
                    t.state.as_deref().unwrap_or("-"),
                    t.evidence
                )?;
            }
        }
        writeln!(out, "Approval:")?;
        for i in &r.approval {
            writeln!(out, "  {}", item_line(i))?;
        }
        writeln!(out, "Identity: {}", r.identity.name)?;
        for l in &r.identity.links {
            writeln!(
                out,
                "  link {} <-> {}: {} ({}){}",
                l.accounts[0],
                l.accounts[1],
                l.basis.describe(),
                l.key,
                if l.weak { ", WEAK" } else { "" }
            )?;
        }
        writeln!(out, "Accounts:")?;
        if r.accounts.is_empty() {
            writeln!(out, "  none exported")?;
        }
        for a in &r.accounts {
            writeln!(
                out,
                "  {}: {}{}",
                a.account,
                password_text(a),
                cisa(&a.cisa)
            )?;
            if let Some(s) = sessions_text(a, r.at) {
                writeln!(out, "    {s}")?;
            }
        }
        writeln!(out, "Credentials:")?;
        if r.credentials.is_empty() {
            writeln!(out, "  none exported")?;
        }
        for c in &r.credentials {
            writeln!(
                out,
                "  {} {} ({}): {}: {}{}",
                c.label,
                c.id,
                c.owner.as_deref().unwrap_or("no owner named"),
                state_text(c),
                c.detail,
                cisa(&c.cisa)
            )?;
            writeln!(out, "    evidence: {}", c.evidence)?;
        }
        writeln!(out, "Residual access paths:")?;
        if r.residual.is_empty() {
            writeln!(out, "  none")?;
        }
        for i in &r.residual {
            writeln!(out, "  {}", item_line(i))?;
        }
        if !r.accepted.is_empty() {
            writeln!(out, "Accepted by exception:")?;
            for a in &r.accepted {
                writeln!(
                    out,
                    "  {} {}: {}{}",
                    a.rule,
                    a.location,
                    a.message,
                    cisa(&a.cisa)
                )?;
                writeln!(out, "    accepted: {}", a.exception.justification())?;
            }
        }
        writeln!(out, "Missing evidence:")?;
        if r.missing.is_empty() {
            writeln!(out, "  none")?;
        }
        for i in &r.missing {
            writeln!(out, "  {}", item_line(i))?;
        }
    }
    Ok(())
}

pub fn markdown(
    out: &mut dyn Write,
    scope: &Scope,
    records: &[ClosureRecord],
) -> std::io::Result<()> {
    writeln!(out, "# Reset closure\n")?;
    writeln!(out, "As of {}.\n", when(scope.as_of))?;
    section(out, records, &not_assessed(scope), "##")
}

/// The closure records as Markdown under headings of `level` (`##` for the closure command,
/// `###` inside the scan's Markdown report).
pub fn section(
    out: &mut dyn Write,
    records: &[ClosureRecord],
    missing_inputs: &[NotAssessed],
    level: &str,
) -> std::io::Result<()> {
    let t = markdown::text;
    let c = markdown::cell;
    if records.is_empty() {
        writeln!(out, "{}.\n", t(NO_RESETS))?;
        for m in missing_inputs {
            writeln!(out, "- {} needs {}", m.rule, t(m.needs))?;
        }
        if !missing_inputs.is_empty() {
            writeln!(out)?;
        }
        return Ok(());
    }
    let s = summary(records);
    writeln!(
        out,
        "{} resets: {} open, {} unprovable, {} closed.\n",
        s.records, s.open, s.unprovable, s.closed
    )?;
    for r in records {
        writeln!(
            out,
            "{level} {} · {} · **{}**\n",
            t(&r.identity.name),
            when(r.at),
            r.verdict.as_str()
        )?;
        writeln!(
            out,
            "- Verdict: **{}**: {}",
            r.verdict.as_str(),
            t(&r.verdict_reason)
        )?;
        writeln!(
            out,
            "- Event: {} ({}){}",
            t(&event_text(r)),
            t(&r.event.evidence.to_string()),
            t(&cisa(&r.cisa))
        )?;
        for e in &r.echoes {
            writeln!(
                out,
                "- Also logged: {} on {} at {} ({})",
                t(&e.action),
                t(&e.system),
                when(e.at),
                t(&e.evidence.to_string())
            )?;
        }
        for tk in &r.tickets {
            writeln!(
                out,
                "- Ticket {} ({}): requested by {}, approved by {}, state {}",
                t(&tk.id),
                t(&tk.system),
                t(tk.requested_by.as_deref().unwrap_or("-")),
                t(tk.approved_by.as_deref().unwrap_or("-")),
                t(tk.state.as_deref().unwrap_or("-"))
            )?;
        }
        for i in &r.approval {
            writeln!(out, "- Approval: {}", t(&item_line(i)))?;
        }
        for l in r.identity.links.iter().filter(|l| l.weak) {
            writeln!(
                out,
                "- Weak link: {} and {} ({})",
                t(&l.accounts[0]),
                t(&l.accounts[1]),
                t(l.basis.describe())
            )?;
        }
        writeln!(
            out,
            "\n| account | password after the reset | sessions | CISA |"
        )?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for a in &r.accounts {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                c(&a.account),
                c(&password_text(a)),
                c(&sessions_text(a, r.at).unwrap_or_else(|| "-".into())),
                a.cisa.join(", ")
            )?;
        }
        if !r.credentials.is_empty() {
            writeln!(out, "\n| credential | owner | state | detail | CISA |")?;
            writeln!(out, "| --- | --- | --- | --- | --- |")?;
            for cr in &r.credentials {
                writeln!(
                    out,
                    "| {} {} | {} | {} | {} | {} |",
                    c(&cr.label),
                    c(&cr.id),
                    c(cr.owner.as_deref().unwrap_or("-")),
                    state_text(cr),
                    c(&cr.detail),
                    cr.cisa.join(", ")
                )?;
            }
        }
        for (title, items) in [
            ("Residual access paths", &r.residual),
            ("Missing evidence", &r.missing),
        ] {
            if items.is_empty() {
                continue;
            }
            writeln!(out, "\n{title}:\n")?;
            for i in items {
                writeln!(out, "- {}", t(&item_line(i)))?;
            }
        }
        if !r.accepted.is_empty() {
            writeln!(out, "\nAccepted by exception:\n")?;
            for a in &r.accepted {
                writeln!(
                    out,
                    "- {} {}: {} (accepted: {})",
                    a.rule,
                    t(&a.location.to_string()),
                    t(&a.message),
                    t(&a.exception.justification())
                )?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}
