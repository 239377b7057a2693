//! The Okta System Log (`GET /api/v1/logs`, issue 12): a JSON array of LogEvent objects (pages
//! one after another when the `Link: rel="next"` pages were saved together, or one event per
//! line), read into reset-ledger `Event`s.
//!
//! LogEvent fields used: `uuid` (the event id), `published` (RFC 3339), `eventType`,
//! `actor{id,type,alternateId}`, `target[]{id,type,alternateId}` (the first of `type` `User` is
//! the account acted on; the actor when there is none, as for a sign-in), `outcome.result`
//! (`SUCCESS`/`ALLOW` succeed, `FAILURE`/`DENY` fail, others unknown),
//! `authenticationContext.credentialType` (detail of a sign-in). Event types read:
//! - `user.account.reset_password` → `PasswordReset` (`SelfServiceReset` when the actor is the
//!   target), `user.account.update_password` → `PasswordChange`;
//! - `user.session.clear` → `SessionsRevoked`, `user.mfa.factor.reset_all` → `FactorsReset`,
//!   `user.mfa.factor.activate|deactivate|update` → `MethodChanged`;
//! - `user.session.start` → `SignIn`, `user.authentication.auth_via_mfa` → `SignIn` with
//!   `strong_auth`;
//! - `user.account.lock` → `AccountLocked`, `user.account.unlock(_by_admin)` →
//!   `AccountUnlocked`.
//!
//! Other event types are counted in one note. A LogEvent names no org host, so its `system` is
//! `okta` (what `source::okta` gives an account whose export shows no host) until
//! [`super::join`] names the org whose exported user has the target's login.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Evidence, Record, SourceKind};
use crate::source::json::{Doc, Node, Shape};
use crate::source::time;
use crate::source::Output;
use std::collections::BTreeMap;

/// The system of System Log events before the join names the org.
pub const UNNAMED_ORG: &str = "okta";

/// The kind of a System Log event type this module reads.
pub fn event_kind(event_type: &str) -> Option<EventKind> {
    Some(match event_type {
        "user.account.reset_password" => EventKind::PasswordReset,
        "user.account.update_password" => EventKind::PasswordChange,
        "user.session.clear" => EventKind::SessionsRevoked,
        "user.mfa.factor.reset_all" => EventKind::FactorsReset,
        "user.mfa.factor.activate" | "user.mfa.factor.deactivate" | "user.mfa.factor.update" => {
            EventKind::MethodChanged
        }
        "user.session.start" | "user.authentication.auth_via_mfa" => EventKind::SignIn,
        "user.account.lock" => EventKind::AccountLocked,
        "user.account.unlock" | "user.account.unlock_by_admin" => EventKind::AccountUnlocked,
        _ => return None,
    })
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let doc = Doc::parse(path, text);
    doc.report_breaks(&mut out);
    let is_item = |n: &Node<'_>| n.has("eventType");
    let shape = Shape {
        list_keys: &[],
        is_item: &is_item,
        what: "Okta System Log events",
    };
    let mut other: BTreeMap<String, (usize, u32)> = BTreeMap::new();
    let mut problems: BTreeMap<&'static str, (usize, u32)> = BTreeMap::new();
    for item in doc.items(&shape, &mut out) {
        let node = item.node;
        let line = doc.id_line(node, &["uuid"]);
        let event_type = node.get_str("eventType").unwrap_or("").trim();
        let Some(mut kind) = event_kind(event_type) else {
            other.entry(event_type.to_string()).or_insert((0, line)).0 += 1;
            continue;
        };
        let at = match node.get_str("published").map(|s| time::parse(s, false)) {
            Some(Ok(w)) if w.is_known() => w,
            _ => {
                problems
                    .entry("event without a readable `published` time")
                    .or_insert((0, line))
                    .0 += 1;
                continue;
            }
        };
        let actor = node
            .get("actor")
            .and_then(|a| a.get_str("alternateId"))
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "unknown");
        let target = node
            .get("target")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter(|t| t.get_str("type") == Some("User"))
            .find_map(|t| t.get_str("alternateId"))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .or(if kind == EventKind::SignIn {
                actor
            } else {
                None
            });
        let Some(target) = target else {
            problems
                .entry("event without a target user (target[] of type User)")
                .or_insert((0, line))
                .0 += 1;
            continue;
        };
        if kind == EventKind::PasswordReset && actor.is_some_and(|a| a.eq_ignore_ascii_case(target))
        {
            kind = EventKind::SelfServiceReset;
        }
        let outcome = match node.get("outcome").and_then(|o| o.get_str("result")) {
            Some("SUCCESS" | "ALLOW") => Outcome::Success,
            Some("FAILURE" | "DENY") => Outcome::Failure,
            _ => Outcome::Unknown,
        };
        let detail = if kind == EventKind::SignIn {
            node.get("authenticationContext")
                .and_then(|c| c.get_str("credentialType"))
                .map(|c| format!("credentialType {c}"))
        } else {
            None
        };
        out.record(Record::Event(Event {
            at,
            system: UNNAMED_ORG.to_string(),
            source: SourceKind::Okta,
            kind,
            target: target.to_string(),
            actor: actor.map(str::to_string),
            outcome,
            action: event_type.to_string(),
            credential: None,
            detail,
            strong_auth: (event_type == "user.authentication.auth_via_mfa").then_some(true),
            target_sid: None,
            event_id: node.get_str("uuid").map(str::to_string),
            evidence: Evidence::at(path, line),
        }));
    }
    for (what, (n, line)) in problems {
        let message = if n == 1 {
            format!("{what}; skipped")
        } else {
            format!("{what}; {n} events skipped (first here)")
        };
        out.diag(Diagnostic::malformed(path, line, message));
    }
    if !other.is_empty() {
        let total: usize = other.values().map(|v| v.0).sum();
        let line = other.values().map(|v| v.1).min().unwrap_or(1);
        let names: Vec<&str> = other.keys().take(5).map(String::as_str).collect();
        out.diag(Diagnostic::new(
            DiagKind::Malformed,
            Severity::Note,
            Evidence::at(path, line),
            format!(
                "{total} System Log event(s) of types the reset ledger does not use ({}{}); \
                 ignored (first here)",
                names.join(", "),
                if other.len() > 5 { ", …" } else { "" }
            ),
        ));
    }
    out
}
