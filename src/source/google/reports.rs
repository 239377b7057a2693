//! Reports API activities (`activities.list` of the `user_accounts`, `login` and `admin` apps):
//! password changes (formats-cloud-saas.md §3.2 "Reports events relevant to resets"), and the
//! reset ledger's events (issue 12).
//!
//! Counted as a password change: events named `password_edit`, `change_password` or
//! `password_change`, or of type `password_change` (user and login apps: the user is
//! `actor.email`), and `CHANGE_PASSWORD` of the admin app (the user is the `USER_EMAIL`
//! parameter). `CHANGE_PASSWORD_ON_NEXT_LOGIN` is not a change and is ignored. The time is
//! `items[].id.time` (RFC 3339, UTC).
//!
//! Output:
//! - one `Account` per user with a change (domain of the email as system), whose
//!   `password_last_set` is the latest change and `password_evidence` the line of that event's
//!   name; [`super::join`] folds it into the users-list account;
//! - one ledger `Event` per event below, `system` = `google:<domain>` of the user acted on (as
//!   the users list spells it), `actor` = `actor.email`, `event_id` = `id.time` +
//!   `id.uniqueQualifier` + the event name (the qualifier is unique only within one time), at
//!   the line of the event's name:
//!   - user apps (the user acts on their own account): the password events above →
//!     `PasswordChange`; `2sv_enroll`, `2sv_disable`, `recovery_email_edit`,
//!     `recovery_phone_edit`, `recovery_secret_qa_edit`, `titanium_enroll`, `titanium_unenroll`
//!     (Advanced Protection) → `MethodChanged`; `login_success` → `SignIn` (`login_type` in
//!     `detail`), one per user per file, the latest, to bound a login report's size, and
//!     besides it the latest sign-in with an app password (`login_type`
//!     `application_specific_password`, [`is_app_password_sign_in`]: RG604's proof that an app
//!     password outlived a reset). Google's Login Audit reference lists `google_password`,
//!     `reauth`, `saml`, `exchange` and `unknown` as `login_type` values and documents no
//!     app-password value; the value is read when an export carries it, and an app-password
//!     sign-in logged under another value is not recognised;
//!   - admin app (user settings, the user is `USER_EMAIL`): `CHANGE_PASSWORD` → `PasswordReset`;
//!     `CHANGE_RECOVERY_EMAIL`, `CHANGE_RECOVERY_PHONE`, `GENERATE_2SV_SCRATCH_CODES`,
//!     `DELETE_2SV_SCRATCH_CODES` ([`ADMIN_METHOD_EVENTS`]) → `MethodChanged`;
//!     `RESET_SIGNIN_COOKIES` → `SessionsRevoked`; `REVOKE_3LO_TOKEN` and
//!     `REVOKE_3LO_DEVICE_TOKENS` → `CredentialDeleted` (the OAuth grant's `APP_ID` in
//!     `detail`). The 2SV scratch-code and 3LO names are checked against Google's "Admin Audit
//!     Activity Events - User Settings" page; `CHANGE_RECOVERY_EMAIL`, `CHANGE_RECOVERY_PHONE`
//!     and `RESET_SIGNIN_COOKIES` are to be confirmed against it (an unknown name is ignored).
//!
//! The Reports API says nothing about how the admin authenticated: `strong_auth` is `None`.
//! Other events are ignored silently.

use super::system_of;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Account, Evidence, PasswordState, Record, SourceKind, When};
use crate::source::json::{Doc, Node, Shape};
use crate::source::Output;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Event names that record a password change (compared case-insensitively).
const PASSWORD_EVENTS: [&str; 3] = ["password_edit", "change_password", "password_change"];

/// User-app events that change an authentication or recovery method.
const USER_METHOD_EVENTS: [&str; 7] = [
    "2sv_enroll",
    "2sv_disable",
    "recovery_email_edit",
    "recovery_phone_edit",
    "recovery_secret_qa_edit",
    "titanium_enroll",
    "titanium_unenroll",
];

/// Admin user-settings events that change a user's authentication or recovery method.
const ADMIN_METHOD_EVENTS: [&str; 4] = [
    "CHANGE_RECOVERY_EMAIL",
    "CHANGE_RECOVERY_PHONE",
    "GENERATE_2SV_SCRATCH_CODES",
    "DELETE_2SV_SCRATCH_CODES",
];

fn is_activity(o: &Node<'_>) -> bool {
    o.has("events") && o.get("id").is_some_and(Node::is_obj)
}

/// What one file yields besides diagnostics.
#[derive(Default)]
struct Found {
    /// (system, login) -> (latest change, line of its event)
    changes: BTreeMap<(String, String), (Timestamp, u32)>,
    events: Vec<Event>,
    /// (system, login, with an app password) -> the latest sign-in of that kind.
    sign_ins: BTreeMap<(String, String, bool), Event>,
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    let shape = Shape {
        list_keys: &["items"],
        is_item: &is_activity,
        what: "Reports API activities",
    };
    let mut found = Found::default();
    let mut activities = 0usize;
    for item in doc.items(&shape, &mut out) {
        activities += 1;
        activity(&doc, item.node, &mut found, &mut out);
    }
    doc.report_breaks(&mut out);
    if activities > 0 && found.changes.is_empty() {
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
    for ((system, login), (at, line)) in found.changes {
        let ev = Evidence::at(path, line);
        let mut a = Account::new(SourceKind::GoogleWorkspace, &system, &login, ev.clone());
        a.password = PasswordState::Set;
        a.password_last_set = When::Known(at);
        a.password_evidence = Some(ev);
        out.record(Record::Account(a));
    }
    for e in found.events.into_iter().chain(found.sign_ins.into_values()) {
        out.record(Record::Event(e));
    }
    out
}

/// What an event is, for the ledger.
enum Class {
    /// A password change (account record and ledger event).
    Password(EventKind),
    Other(EventKind),
    SignIn,
}

fn classify(app: &str, name: &str, kind: &str) -> Option<Class> {
    if name == "CHANGE_PASSWORD" {
        return Some(Class::Password(EventKind::PasswordReset));
    }
    if PASSWORD_EVENTS.iter().any(|p| name.eq_ignore_ascii_case(p))
        || kind.eq_ignore_ascii_case("password_change")
    {
        return Some(Class::Password(EventKind::PasswordChange));
    }
    if app.eq_ignore_ascii_case("admin") {
        return match name {
            n if ADMIN_METHOD_EVENTS.contains(&n) => Some(Class::Other(EventKind::MethodChanged)),
            "RESET_SIGNIN_COOKIES" => Some(Class::Other(EventKind::SessionsRevoked)),
            "REVOKE_3LO_TOKEN" | "REVOKE_3LO_DEVICE_TOKENS" => {
                Some(Class::Other(EventKind::CredentialDeleted))
            }
            _ => None,
        };
    }
    if USER_METHOD_EVENTS
        .iter()
        .any(|m| name.eq_ignore_ascii_case(m))
    {
        return Some(Class::Other(EventKind::MethodChanged));
    }
    if name.eq_ignore_ascii_case("login_success") {
        return Some(Class::SignIn);
    }
    None
}

fn activity(doc: &Doc<'_>, o: &Node<'_>, found: &mut Found, out: &mut Output) {
    let Some(events) = o.get("events").and_then(Node::items) else {
        out.diag(doc.malformed_at(o, "events", "activity `events` is not an array; skipped"));
        return;
    };
    let id = o.get("id");
    let app = id
        .and_then(|i| i.get("applicationName"))
        .and_then(Node::str)
        .unwrap_or("");
    let actor = o
        .get("actor")
        .and_then(|a| a.get("email"))
        .and_then(Node::str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let qualifier = id
        .and_then(|i| i.get("uniqueQualifier"))
        .and_then(|q| q.str().map(str::to_string).or(q.num().map(str::to_string)));
    let time_text = id.and_then(|i| i.get("time")).and_then(Node::str);
    let mut time: Option<Option<Timestamp>> = None;
    for event in events {
        let name = event.get("name").and_then(Node::str).unwrap_or("");
        let kind = event.get("type").and_then(Node::str).unwrap_or("");
        let Some(class) = classify(app, name, kind) else {
            continue;
        };
        let is_password = matches!(class, Class::Password(_));
        // The line of this event's name (positions come from parsing).
        let line = event
            .get("name")
            .map_or_else(|| doc.key_line(o, "events"), |n| doc.line(n));
        let at = *time.get_or_insert_with(|| activity_time(o));
        let Some(at) = at else {
            let what = if is_password {
                "password-change activity"
            } else {
                "activity"
            };
            out.diag(Diagnostic::malformed(
                doc.path,
                doc.key_line(o, "id"),
                format!("{what} has no valid `id.time`; skipped"),
            ));
            return;
        };
        let target = parameter(event, "USER_EMAIL");
        let admin = name == "CHANGE_PASSWORD" || app.eq_ignore_ascii_case("admin");
        let user = if admin { target } else { actor.or(target) };
        let Some(user) = user else {
            let what = if is_password {
                "password-change event"
            } else {
                "event"
            };
            out.diag(Diagnostic::malformed(
                doc.path,
                line,
                format!("{what} names no user (`actor.email` / `USER_EMAIL`); skipped"),
            ));
            continue;
        };
        let key = (system_of(user), user.to_string());
        let event_kind = match class {
            Class::Password(k) | Class::Other(k) => k,
            Class::SignIn => EventKind::SignIn,
        };
        let detail = match event_kind {
            EventKind::SignIn => parameter(event, "login_type").map(|t| format!("login_type {t}")),
            EventKind::CredentialDeleted => parameter(event, "APP_ID")
                .or(parameter(event, "DEVICE_TYPE"))
                .map(|a| format!("OAuth grant {a}")),
            EventKind::MethodChanged => Some(name.to_string()),
            _ => None,
        };
        let record = Event {
            at: When::Known(at),
            system: key.0.clone(),
            source: SourceKind::GoogleWorkspace,
            kind: event_kind,
            target: user.to_string(),
            actor: actor.map(str::to_string),
            outcome: Outcome::Success,
            action: name.to_string(),
            credential: None,
            detail,
            strong_auth: None,
            target_sid: None,
            event_id: qualifier
                .as_ref()
                .map(|q| format!("{}/{q}/{name}", time_text.unwrap_or(""))),
            evidence: Evidence::at(doc.path, line),
        };
        match class {
            Class::SignIn => {
                let asp = parameter(event, "login_type").is_some_and(is_app_password_login_type);
                let key = (key.0, key.1, asp);
                let newer = found
                    .sign_ins
                    .get(&key)
                    .is_none_or(|prev| prev.at.sort_key() < record.at.sort_key());
                if newer {
                    found.sign_ins.insert(key, record);
                }
                continue;
            }
            Class::Other(_) => {
                found.events.push(record);
                continue;
            }
            Class::Password(_) => found.events.push(record),
        }
        let newer = found.changes.get(&key).is_none_or(|(prev, _)| at > *prev);
        if newer {
            found.changes.insert(key, (at, line));
        }
    }
}

/// The `login_type` of a sign-in made with an app password (application-specific password).
pub const APP_PASSWORD_LOGIN_TYPE: &str = "application_specific_password";

/// Whether a `login_success` `login_type` says an app password signed in.
pub fn is_app_password_login_type(login_type: &str) -> bool {
    login_type
        .trim()
        .eq_ignore_ascii_case(APP_PASSWORD_LOGIN_TYPE)
}

/// Whether a ledger sign-in read here was made with an app password (its `detail` is
/// `login_type <value>`).
pub fn is_app_password_sign_in(detail: &str) -> bool {
    detail
        .strip_prefix("login_type ")
        .is_some_and(is_app_password_login_type)
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
