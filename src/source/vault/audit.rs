//! The Vault audit log as the file audit device writes it (`vault audit enable file
//! file_path=...`): one JSON object per line, `type` `request` or `response`, `time` (RFC 3339,
//! nanoseconds), `auth` (the caller's token: `accessor`, `display_name`, `metadata`,
//! `policies`), `request` (`id`, `operation`, `path`, `data`), `response` (`auth` of a token it
//! issued) and `error`. Schema: Vault's "Audit log entry schema" documentation.
//!
//! Owns turning response entries into reset-ledger events (issue 12); request entries are the
//! same calls without their outcome and are skipped. Lines are read one at a time (each parsed
//! alone), so a huge log costs one line of JSON at a time plus the events kept:
//! - `auth/<mount>/login[/<user>]`, `auth/<mount>/oidc/callback`, `.../callback` → `SignIn` of
//!   the user the new token names (`response.auth.metadata.username`, else the user in the
//!   path, else its `display_name` minus `<mount>-`), the new token's accessor as `credential`;
//!   one per user per file (the latest) to bound memory;
//! - `auth/token/create*` → `CredentialCreated` (the new token), target the caller;
//! - `auth/token/revoke-self` → `CredentialDeleted` of the caller's own token;
//!   `auth/token/revoke`, `revoke-accessor`, `revoke-orphan` → `CredentialDeleted` of the token
//!   named by `request.data.accessor` when it is not HMAC'd; the log does not say whose token it
//!   was, so the target is the accessor's credential id;
//! - `auth/<mount>/users/<user>/password` (update), or `auth/<mount>/users/<user>` written with a
//!   `password` → `PasswordChange` when the caller is that user, else `PasswordReset` (userpass
//!   keeps no password time, so this log is the only record of a reset);
//! - every other response whose caller token's accessor is readable → `CredentialUsed` of that
//!   token, one per accessor per file (the latest).
//!
//! **HMAC'd accessors.** By default the audit device HMACs every string, accessors included
//! (`hmac-sha256:…`): such an accessor cannot be joined with `vault token lookup` output or a
//! revocation, so the event carries no `credential` and a note says how many were seen. Enable
//! the device with `hmac_accessor=false` to make them joinable (`log_raw` is never needed and
//! would write tokens in clear).
//!
//! `system` is `vault`; credential ids are `vault:accessor:<accessor>` as the token lookups spell
//! them. The caller is `auth.metadata.username`, else `display_name` minus the auth method
//! (`userpass-m.okafor` → `m.okafor`), `root` for the root token. `error` → `Failure`.
//! `strong_auth` stays `None`: the log does not show login MFA. `event_id` = `request.id` and the
//! kind.

use super::{looks_like_accessor, HUMAN_METHODS, SYSTEM};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Evidence, Record, SourceKind, When};
use crate::source::Output;
use serde_json::Value;
use std::collections::BTreeMap;

/// What an HMAC'd value starts with.
const HMAC: &str = "hmac-sha256:";

/// Unreadable lines reported one by one, then counted.
const MAX_LINE_DIAGNOSTICS: usize = 20;

/// Events kept per file beyond the per-user and per-accessor ones; past it, a note.
const MAX_EVENTS: usize = 100_000;

/// Whether the head of a file looks like the file audit device's output.
pub(super) fn sniff(head: &str) -> bool {
    let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let has = |k: &str| crate::source::json::has_key(first, k);
    first.trim_start().starts_with('{')
        && has("time")
        && has("type")
        && has("request")
        && (first.contains("\"type\":\"request\"") || first.contains("\"type\":\"response\""))
}

/// Parses one audit log file, line by line.
pub(super) fn parse(path: &str, text: &str) -> Output {
    let mut reader = Reader {
        path,
        events: Vec::new(),
        sign_ins: BTreeMap::new(),
        used: BTreeMap::new(),
        hmac: 0,
        bad: 0,
        dropped: 0,
    };
    let mut out = Output::default();
    for (i, line) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(entry)) => reader.entry(&Value::Object(entry), n, &mut out),
            Ok(_) | Err(_) => {
                reader.bad += 1;
                if reader.bad <= MAX_LINE_DIAGNOSTICS {
                    out.diag(Diagnostic::malformed(
                        path,
                        n,
                        "line is not a Vault audit entry (one JSON object per line); skipped",
                    ));
                }
            }
        }
    }
    reader.finish(&mut out);
    out
}

struct Reader<'p> {
    path: &'p str,
    events: Vec<Event>,
    /// User → latest sign-in.
    sign_ins: BTreeMap<String, Event>,
    /// Accessor → latest use.
    used: BTreeMap<String, Event>,
    hmac: usize,
    bad: usize,
    dropped: usize,
}

impl Reader<'_> {
    fn entry(&mut self, e: &Value, line: u32, out: &mut Output) {
        if e.get("type").and_then(Value::as_str) != Some("response") {
            return;
        }
        let Some(at) = e
            .get("time")
            .and_then(Value::as_str)
            .and_then(When::parse_instant)
            .filter(|w| w.is_known())
        else {
            out.diag(Diagnostic::malformed(
                self.path,
                line,
                "Vault audit entry has no valid `time`; skipped",
            ));
            return;
        };
        let request = e.get("request");
        let path = request
            .and_then(|r| r.get("path"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_start_matches('/');
        let operation = request
            .and_then(|r| r.get("operation"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let request_id = request
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let failed = e
            .get("error")
            .is_some_and(|v| v.as_str().is_none_or(|s| !s.is_empty()) && !v.is_null());
        let auth = e.get("auth");
        let caller = auth.and_then(user_of);
        let caller_accessor = auth.and_then(|a| self.accessor(a.get("accessor")));
        let new_auth = e.get("response").and_then(|r| r.get("auth"));
        let mut event = Event {
            at,
            system: SYSTEM.to_string(),
            source: SourceKind::Vault,
            kind: EventKind::CredentialUsed,
            target: String::new(),
            actor: caller.clone(),
            outcome: if failed {
                Outcome::Failure
            } else {
                Outcome::Success
            },
            action: if operation.is_empty() {
                path.to_string()
            } else {
                format!("{operation} {path}")
            },
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: None,
            evidence: Evidence::at(self.path, line),
        };
        let id = |kind: &str| request_id.map(|r| format!("{r}/{kind}"));

        if let Some(mount) = login_mount(path) {
            let user = new_auth
                .and_then(user_of_login(mount))
                .or_else(|| path_user(path, mount));
            let Some(user) = user else { return };
            event.kind = EventKind::SignIn;
            event.actor = Some(user.clone());
            event.target = user.clone();
            event.credential = new_auth
                .and_then(|a| self.accessor(a.get("accessor")))
                .map(credential_id);
            event.detail = Some(format!("auth method {mount}"));
            event.event_id = id("sign-in");
            let newer = self
                .sign_ins
                .get(&user)
                .is_none_or(|p| p.at.sort_key() < event.at.sort_key());
            if newer {
                self.sign_ins.insert(user, event);
            }
            return;
        }
        if let Some(rest) = path.strip_prefix("auth/token/create") {
            let Some(target) = caller.clone() else { return };
            event.kind = EventKind::CredentialCreated;
            event.target = target;
            event.credential = new_auth
                .and_then(|a| self.accessor(a.get("accessor")))
                .map(credential_id);
            if rest.starts_with("-orphan")
                || new_auth
                    .and_then(|a| a.get("orphan"))
                    .and_then(Value::as_bool)
                    == Some(true)
            {
                event.detail = Some("orphan token".into());
            }
            event.event_id = id("created");
            self.push(event);
            return;
        }
        if path == "auth/token/revoke-self" {
            let Some(target) = caller.clone() else { return };
            event.kind = EventKind::CredentialDeleted;
            event.target = target;
            event.credential = caller_accessor.map(credential_id);
            event.event_id = id("deleted");
            self.push(event);
            return;
        }
        if matches!(
            path,
            "auth/token/revoke" | "auth/token/revoke-accessor" | "auth/token/revoke-orphan"
        ) {
            let data = request.and_then(|r| r.get("data"));
            let Some(accessor) = self.accessor(data.and_then(|d| d.get("accessor"))) else {
                return;
            };
            let cred = credential_id(accessor);
            event.kind = EventKind::CredentialDeleted;
            event.target = cred.clone();
            event.credential = Some(cred);
            event.event_id = id("deleted");
            self.push(event);
            return;
        }
        if let Some(user) = password_target(path, operation, request) {
            event.kind = if caller.as_deref() == Some(user.as_str()) {
                EventKind::PasswordChange
            } else {
                EventKind::PasswordReset
            };
            event.target = user;
            event.event_id = id("password");
            self.push(event);
            return;
        }
        let Some(accessor) = caller_accessor else {
            return;
        };
        event.target = caller
            .or_else(|| {
                auth.and_then(|a| a.get("display_name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        event.credential = Some(credential_id(accessor));
        event.event_id = id("used");
        let newer = self
            .used
            .get(accessor)
            .is_none_or(|p| p.at.sort_key() < event.at.sort_key());
        if newer {
            self.used.insert(accessor.to_string(), event);
        }
    }

    /// A readable accessor; an HMAC'd one is counted.
    fn accessor<'v>(&mut self, v: Option<&'v Value>) -> Option<&'v str> {
        let a = v?.as_str()?;
        if a.starts_with(HMAC) {
            self.hmac += 1;
            return None;
        }
        looks_like_accessor(a).then_some(a)
    }

    fn push(&mut self, event: Event) {
        if self.events.len() >= MAX_EVENTS {
            self.dropped += 1;
        } else {
            self.events.push(event);
        }
    }

    fn finish(self, out: &mut Output) {
        if self.bad > MAX_LINE_DIAGNOSTICS {
            out.diag(Diagnostic::malformed(
                self.path,
                1,
                format!(
                    "{} more lines are not Vault audit entries; skipped",
                    self.bad - MAX_LINE_DIAGNOSTICS
                ),
            ));
        }
        if self.hmac > 0 {
            out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Note,
                Evidence::new(self.path, None),
                format!(
                    "{} token accessor values in this audit log are HMAC'd (the audit device's \
                     default), so they cannot be joined with token lookups or revocations; \
                     enable the device with hmac_accessor=false",
                    self.hmac
                ),
            ));
        }
        if self.dropped > 0 {
            out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                Evidence::new(self.path, None),
                format!(
                    "{} audit events past the first {MAX_EVENTS} of this file were not kept; \
                     split the log",
                    self.dropped
                ),
            ));
        }
        for e in self
            .events
            .into_iter()
            .chain(self.sign_ins.into_values())
            .chain(self.used.into_values())
        {
            out.record(Record::Event(e));
        }
    }
}

fn credential_id(accessor: &str) -> String {
    format!("vault:accessor:{accessor}")
}

/// The mount of a login path: `auth/<mount>/login[/...]`, `auth/<mount>/oidc/callback`,
/// `auth/<mount>/callback`.
fn login_mount(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("auth/")?;
    if rest.starts_with("token/") {
        return None;
    }
    ["/login", "/oidc/callback", "/callback"]
        .iter()
        .find_map(|end| {
            let i = rest.find(end)?;
            let after = &rest[i + end.len()..];
            (after.is_empty() || after.starts_with('/')).then(|| &rest[..i])
        })
        .filter(|m| !m.is_empty())
}

/// The user at the end of `auth/<mount>/login/<user>` (userpass, ldap, okta, radius).
fn path_user(path: &str, mount: &str) -> Option<String> {
    path.strip_prefix(&format!("auth/{mount}/login/"))
        .filter(|u| !u.is_empty() && !u.contains('/') && !u.starts_with(HMAC))
        .map(str::to_string)
}

/// The user a login's new token names.
fn user_of_login(mount: &str) -> impl Fn(&Value) -> Option<String> + '_ {
    move |a: &Value| {
        metadata_user(a).or_else(|| {
            let display = a.get("display_name").and_then(Value::as_str)?;
            let prefix = format!("{}-", mount.replace('/', "-"));
            display
                .strip_prefix(&prefix)
                .filter(|u| !u.is_empty())
                .map(str::to_string)
        })
    }
}

fn metadata_user(a: &Value) -> Option<String> {
    let m = a.get("metadata")?;
    ["username", "user", "email"].iter().find_map(|k| {
        m.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.starts_with(HMAC))
            .map(str::to_string)
    })
}

/// The person behind a caller's token.
fn user_of(a: &Value) -> Option<String> {
    if let Some(u) = metadata_user(a) {
        return Some(u);
    }
    let display = a.get("display_name").and_then(Value::as_str)?;
    if display == "root" {
        return Some("root".into());
    }
    HUMAN_METHODS.iter().find_map(|m| {
        display
            .strip_prefix(m)
            .and_then(|r| r.strip_prefix('-'))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    })
}

/// The userpass user whose password a request sets.
fn password_target(path: &str, operation: &str, request: Option<&Value>) -> Option<String> {
    if !matches!(operation, "update" | "create") {
        return None;
    }
    let rest = path.strip_prefix("auth/")?;
    let (_, after) = rest.split_once("/users/")?;
    if let Some(user) = after.strip_suffix("/password") {
        return (!user.is_empty() && !user.contains('/')).then(|| user.to_string());
    }
    let sets_password = request
        .and_then(|r| r.get("data"))
        .and_then(|d| d.get("password"))
        .is_some();
    (sets_password && !after.is_empty() && !after.contains('/')).then(|| after.to_string())
}
