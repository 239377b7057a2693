//! Reports API activities (`activities.list` of the `user_accounts`, `login` and `admin` apps):
//! password changes (formats-cloud-saas.md §3.2 "Reports events relevant to resets").
//!
//! Counted as a password change: events named `password_edit`, `change_password` or
//! `password_change`, or of type `password_change` (user and login apps: the user is
//! `actor.email`), and `CHANGE_PASSWORD` of the admin app (the user is the `USER_EMAIL`
//! parameter). `CHANGE_PASSWORD_ON_NEXT_LOGIN` is not a change and is ignored. The time is
//! `items[].id.time` (RFC 3339, UTC).
//!
//! Output: one `Account` per user with a change (domain of the email as system), whose
//! `password_last_set` is the latest change and `password_evidence` the line of that event's name;
//! [`super::join`] folds it into the users-list account. Other events are ignored silently.

use super::system_of;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Account, Evidence, PasswordState, Record, SourceKind, When};
use crate::source::json::{Doc, Node, Shape};
use crate::source::Output;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Event names that record a password change (compared case-insensitively).
const PASSWORD_EVENTS: [&str; 3] = ["password_edit", "change_password", "password_change"];

fn is_activity(o: &Node<'_>) -> bool {
    o.has("events") && o.get("id").is_some_and(Node::is_obj)
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    let shape = Shape {
        list_keys: &["items"],
        is_item: &is_activity,
        what: "Reports API activities",
    };
    // (system, login) -> (latest change, line of its event)
    let mut changes: BTreeMap<(String, String), (Timestamp, u32)> = BTreeMap::new();
    let mut activities = 0usize;
    for item in doc.items(&shape, &mut out) {
        activities += 1;
        activity(&doc, item.node, &mut changes, &mut out);
    }
    doc.report_breaks(&mut out);
    if activities > 0 && changes.is_empty() {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(path, None),
            format!(
                "{activities} Reports activities, none a password change; \
                 the reports reach back 180 days at most"
            ),
        ));
    }
    for ((system, login), (at, line)) in changes {
        let ev = Evidence::at(path, line);
        let mut a = Account::new(SourceKind::GoogleWorkspace, &system, &login, ev.clone());
        a.password = PasswordState::Set;
        a.password_last_set = When::Known(at);
        a.password_evidence = Some(ev);
        out.record(Record::Account(a));
    }
    out
}

fn activity(
    doc: &Doc<'_>,
    o: &Node<'_>,
    changes: &mut BTreeMap<(String, String), (Timestamp, u32)>,
    out: &mut Output,
) {
    let Some(events) = o.get("events").and_then(Node::items) else {
        out.diag(doc.malformed_at(o, "events", "activity `events` is not an array; skipped"));
        return;
    };
    let app = o
        .get("id")
        .and_then(|i| i.get("applicationName"))
        .and_then(Node::str)
        .unwrap_or("");
    let actor = o
        .get("actor")
        .and_then(|a| a.get("email"))
        .and_then(Node::str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut time: Option<Option<Timestamp>> = None;
    for event in events {
        let name = event.get("name").and_then(Node::str).unwrap_or("");
        let kind = event.get("type").and_then(Node::str).unwrap_or("");
        let admin_change = name == "CHANGE_PASSWORD";
        let user_change = !admin_change
            && (PASSWORD_EVENTS.iter().any(|p| name.eq_ignore_ascii_case(p))
                || kind.eq_ignore_ascii_case("password_change"));
        if !admin_change && !user_change {
            continue;
        }
        // The line of this event's name (positions come from parsing).
        let line = event
            .get("name")
            .map_or_else(|| doc.key_line(o, "events"), |n| doc.line(n));
        let at = *time.get_or_insert_with(|| activity_time(o));
        let Some(at) = at else {
            out.diag(Diagnostic::malformed(
                doc.path,
                doc.key_line(o, "id"),
                "password-change activity has no valid `id.time`; skipped",
            ));
            return;
        };
        let target = parameter(event, "USER_EMAIL");
        let user = if admin_change || app.eq_ignore_ascii_case("admin") {
            target
        } else {
            actor.or(target)
        };
        let Some(user) = user else {
            out.diag(Diagnostic::malformed(
                doc.path,
                line,
                "password-change event names no user (`actor.email` / `USER_EMAIL`); skipped",
            ));
            continue;
        };
        let key = (system_of(user), user.to_string());
        let newer = changes.get(&key).is_none_or(|(prev, _)| at > *prev);
        if newer {
            changes.insert(key, (at, line));
        }
    }
}

fn activity_time(o: &Node<'_>) -> Option<Timestamp> {
    let text = o.get("id")?.get("time")?.str()?;
    When::parse_instant(text)?.known()
}

/// The string value of the event parameter `name`.
fn parameter<'v>(event: &'v Node<'_>, name: &str) -> Option<&'v str> {
    let params = event.get("parameters")?.items()?;
    params
        .iter()
        .find(|p| p.get("name").and_then(Node::str) == Some(name))
        .and_then(|p| p.get("value"))
        .and_then(Node::str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}
