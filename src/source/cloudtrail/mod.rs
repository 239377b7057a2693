//! AWS CloudTrail, read into the reset ledger (issue 12): the log files CloudTrail delivers to S3
//! (`{"Records": [...]}`, one object per file) and what `aws cloudtrail lookup-events` prints
//! (`{"Events": [{"EventId", "EventName", "EventTime", "Username", "CloudTrailEvent": "<JSON
//! text>"}]}`), also a bare array of records (`jq '.Records'`) or JSON Lines of records
//! (`jq -c '.Records[]'`, Athena and CloudWatch Logs exports).
//!
//! Owns recognising those files by content ([`sniff`]) and turning IAM password and key events
//! into ledger `Event`s ([`parse`]). It does not decide findings and emits no `Account` or
//! `Credential`: the IAM listings (`source::aws`) do that.
//!
//! **Compressed files:** S3 delivers `.json.gz` (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/
//! DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<id>.json.gz`): the crawl decompresses them
//! (`discover::gzip`, bounded by `--max-file-size`) and this module reads the text as it reads a
//! `.json` file. Evidence is the `.json.gz` file and the line in its decompressed text.
//!
//! Events (field names from the CloudTrail record reference and the IAM API):
//! - `UpdateLoginProfile` → `PasswordReset` of `requestParameters.userName` (an administrator
//!   set the console password; `passwordResetRequired` in `detail`); `CreateLoginProfile` →
//!   `PasswordReset` too (a console password set where there was none: a new user's first
//!   password, or a takeover of a user whose password had been removed);
//! - `ChangePassword` → `PasswordChange` of the caller (`userIdentity.userName`);
//! - `CreateAccessKey` / `DeleteAccessKey` / `UpdateAccessKey` → `CredentialCreated` /
//!   `CredentialDeleted` / `CredentialUpdated` of `requestParameters.userName` (the caller when
//!   absent: a user managing their own keys), the key from `requestParameters.accessKeyId`, or
//!   `responseElements.accessKey.accessKeyId` on create; the new `status` in `detail`;
//! - any other call signed with a long-term access key (`userIdentity.accessKeyId` starting
//!   `AKIA`) → `CredentialUsed` of that key by its user, one per key per file (the latest
//!   call), so a file of millions of calls yields one event per key.
//!
//! `system` is `aws`, as `source::aws` spells it; the root user is `<root_account>` as the
//! credential report names it. The actor is the IAM user name, `<root_account>`, or for an
//! assumed role the session name (an SSO user's name or email), else the ARN.
//! `strong_auth` is `userIdentity.sessionContext.attributes.mfaAuthenticated`; a call signed
//! with a long-term key (`AKIA…`, no session) cannot carry MFA, so it is `Some(false)`; an
//! event that says nothing is `None`. `errorCode` present → `Failure`. `event_id` = `eventID`.
//! Times are `eventTime` (UTC, RFC 3339). S3 log files are a single line: evidence is that line.

#[cfg(test)]
mod tests;

use super::json::{self, Doc, Node, Shape};
use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Evidence, Record, SourceKind, When};
use crate::source::registry::{BySniff, ParseInput, Sniff};
use std::collections::BTreeMap;

/// The CloudTrail shapes this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailExport {
    /// S3 delivery (`Records`), a bare array of records, or JSON Lines of records.
    Records,
    /// `aws cloudtrail lookup-events` (`Events` with `CloudTrailEvent` strings).
    Lookup,
}

/// The system of every IAM account.
const SYSTEM: &str = "aws";

/// The root user as the credential report names it.
const ROOT: &str = "<root_account>";

/// Recognises CloudTrail by content: the head names `eventVersion`/`eventSource` next to
/// `eventName`, or `CloudTrailEvent` next to `EventName`.
pub fn sniff(file: &Sniff<'_>) -> Option<TrailExport> {
    if !file.looks_like_json() {
        return None;
    }
    let head = file.body_head();
    let has = |k: &str| json::has_key(head, k);
    if has("CloudTrailEvent") && (has("EventName") || has("EventId")) {
        return Some(TrailExport::Lookup);
    }
    if has("eventName") && has("eventSource") && (has("eventVersion") || has("eventTime")) {
        return Some(TrailExport::Records);
    }
    None
}

/// AWS CloudTrail log files and `lookup-events` output.
pub static SOURCE: BySniff<TrailExport> = BySniff {
    name: "cloudtrail",
    sniff,
    read,
    join: crate::source::registry::no_join,
    dated_by_file_time: false,
};

fn read(kind: TrailExport, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

fn is_record(o: &Node<'_>) -> bool {
    o.has("eventName") && (o.has("eventTime") || o.has("eventSource"))
}

fn is_lookup(o: &Node<'_>) -> bool {
    o.has("CloudTrailEvent") || (o.has("EventName") && o.has("EventId"))
}

/// Parses one file; both shapes are accepted whatever `kind` says.
pub fn parse(_kind: TrailExport, path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    let shape = Shape {
        list_keys: &["Records", "Events"],
        is_item: &|o| is_record(o) || is_lookup(o),
        what: "CloudTrail events",
    };
    let mut reader = Reader {
        path,
        used: BTreeMap::new(),
    };
    for item in doc.items(&shape, &mut out) {
        let line = doc.id_line(item.node, &["eventName", "EventName", "EventId"]);
        if is_record(item.node) {
            reader.record(item.node, line, &mut out);
        } else if let Some(inner) = item.node.get("CloudTrailEvent") {
            let Some(inner_text) = inner.str() else {
                out.diag(doc.malformed_at(
                    item.node,
                    "CloudTrailEvent",
                    "`CloudTrailEvent` is not a JSON string; event skipped",
                ));
                continue;
            };
            let inner_doc = Doc::parse(path, inner_text);
            match inner_doc.values.first() {
                Some(v) if v.is_obj() && !v.partial && inner_doc.errors.is_empty() => {
                    reader.record(v, line, &mut out)
                }
                _ => out.diag(doc.malformed_at(
                    item.node,
                    "CloudTrailEvent",
                    "`CloudTrailEvent` does not hold one JSON object; event skipped",
                )),
            }
        } else {
            out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Note,
                doc.evidence(item.node),
                "lookup-events entry without `CloudTrailEvent`; skipped",
            ));
        }
    }
    doc.report_breaks(&mut out);
    for (_, e) in std::mem::take(&mut reader.used) {
        out.record(Record::Event(e));
    }
    out
}

struct Reader<'p> {
    path: &'p str,
    /// Key id → the latest call signed with it, in this file.
    used: BTreeMap<String, Event>,
}

impl Reader<'_> {
    fn record(&mut self, r: &Node<'_>, line: u32, out: &mut Output) {
        let Some(name) = r.get_str("eventName").filter(|n| !n.is_empty()) else {
            out.diag(Diagnostic::malformed(
                self.path,
                line,
                "CloudTrail event has no `eventName`; skipped",
            ));
            return;
        };
        let at = match r.get_str("eventTime").and_then(When::parse_instant) {
            Some(w @ When::Known(_)) => w,
            _ => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    line,
                    format!("CloudTrail event `{name}` has no valid `eventTime`; skipped"),
                ));
                return;
            }
        };
        let identity = r.get("userIdentity").filter(|u| u.is_obj());
        let caller = identity.and_then(caller_name);
        let caller_key = identity
            .and_then(|u| u.get_str("accessKeyId"))
            .filter(|k| !k.is_empty());
        let long_term = caller_key.is_some_and(|k| k.starts_with("AKIA"));
        let mfa = identity
            .and_then(|u| u.get("sessionContext"))
            .and_then(|s| s.get("attributes"))
            .and_then(|a| a.get("mfaAuthenticated"))
            .and_then(|m| match (m.str(), m.as_bool()) {
                (Some(s), _) => match s.trim() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                },
                (_, b) => b,
            });
        let strong_auth = mfa.or(long_term.then_some(false));
        let outcome = if r.get("errorCode").is_some_and(|e| !e.is_null()) {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        let req = r.get("requestParameters").filter(|p| p.is_obj());
        let req_str = |k: &str| {
            req.and_then(|p| p.get_str(k))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let event_id = r
            .get_str("eventID")
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let mut event = Event {
            at,
            system: SYSTEM.to_string(),
            source: SourceKind::AwsIam,
            kind: EventKind::CredentialUsed,
            target: String::new(),
            actor: caller.clone(),
            outcome,
            action: name.to_string(),
            credential: None,
            detail: None,
            strong_auth,
            target_sid: None,
            event_id,
            evidence: Evidence::at(self.path, line),
        };
        let own = || identity.and_then(own_user);
        let target = match name {
            "UpdateLoginProfile" | "CreateLoginProfile" => {
                event.kind = EventKind::PasswordReset;
                if req
                    .and_then(|p| p.get("passwordResetRequired"))
                    .and_then(Node::as_bool)
                    == Some(true)
                {
                    event.detail = Some("password reset required at next sign-in".into());
                }
                req_str("userName").map(str::to_string).or_else(own)
            }
            "ChangePassword" => {
                event.kind = EventKind::PasswordChange;
                own()
            }
            "CreateAccessKey" | "DeleteAccessKey" | "UpdateAccessKey" => {
                event.kind = match name {
                    "CreateAccessKey" => EventKind::CredentialCreated,
                    "DeleteAccessKey" => EventKind::CredentialDeleted,
                    _ => EventKind::CredentialUpdated,
                };
                event.credential = req_str("accessKeyId").map(str::to_string).or_else(|| {
                    r.get("responseElements")
                        .and_then(|e| e.get("accessKey"))
                        .and_then(|k| k.get_str("accessKeyId"))
                        .filter(|k| !k.is_empty())
                        .map(str::to_string)
                });
                event.detail = req_str("status").map(|s| format!("status {s}"));
                req_str("userName").map(str::to_string).or_else(own)
            }
            _ => {
                let (Some(key), true) = (caller_key, long_term) else {
                    return;
                };
                let Some(user) = own() else { return };
                event.credential = Some(key.to_string());
                event.target = user;
                // One per key: the latest call (ties: the first in the file).
                let newer = self
                    .used
                    .get(key)
                    .is_none_or(|prev| prev.at.sort_key() < event.at.sort_key());
                if newer {
                    self.used.insert(key.to_string(), event);
                }
                return;
            }
        };
        let Some(target) = target else {
            out.diag(Diagnostic::malformed(
                self.path,
                line,
                format!("CloudTrail `{name}` names no IAM user; skipped"),
            ));
            return;
        };
        event.target = target;
        out.record(Record::Event(event));
    }
}

/// The IAM user the identity is (an IAM user's name, the root user), for calls on oneself.
fn own_user(u: &Node<'_>) -> Option<String> {
    match u.get_str("type") {
        Some("Root") => Some(ROOT.to_string()),
        Some("IAMUser") => u
            .get_str("userName")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        _ => None,
    }
}

/// Who made the call, as a name a ticket or another log could use.
fn caller_name(u: &Node<'_>) -> Option<String> {
    if let Some(own) = own_user(u) {
        return Some(own);
    }
    let arn = u.get_str("arn").filter(|s| !s.is_empty());
    if u.get_str("type") == Some("AssumedRole") {
        // arn:aws:sts::123456789012:assumed-role/<role>/<session name>
        if let Some(session) = arn
            .and_then(|a| a.rsplit_once('/'))
            .map(|(_, s)| s)
            .filter(|s| !s.is_empty())
        {
            return Some(session.to_string());
        }
    }
    arn.map(str::to_string)
        .or_else(|| u.get_str("invokedBy").map(str::to_string))
        .or_else(|| u.get_str("principalId").map(str::to_string))
}
