//! Entra audit logs (issue 12): Graph `auditLogs/directoryAudits` and `auditLogs/signIns`, as
//! `az rest` pages (`{"@odata.context", "value": [...], "@odata.nextLink"}`), bare arrays, or
//! `Get-MgAuditLogDirectoryAudit` / `Get-MgAuditLogSignIn | ConvertTo-Json` (PascalCase keys,
//! Windows PowerShell 5.1 `"\/Date(ms)\/"` dates), as `Event` records.
//!
//! Directory audits: the item's `activityDisplayName` decides the kind (the names are the
//! activities of Microsoft's "audit log categories and activities" reference, services Core
//! Directory, Self-service Password Management and Authentication Methods):
//! - an admin reset logs two items, Core Directory "Reset user password" and SSPR "Reset password
//!   (by admin)": both are `PasswordReset` (rules treat a burst of resets as one); "Reset user
//!   password" initiated by the target itself, and "Reset password (self-service)", are
//!   `SelfServiceReset`;
//! - "Change user password" and "Change password (self-service)" are `PasswordChange`;
//! - "Update StsRefreshTokenValidFrom Timestamp" (what `revokeSignInSessions` and a reset write)
//!   is `SessionsRevoked`;
//! - security-info registrations, updates and deletions (user or admin), FIDO2, Windows Hello and
//!   phone sign-in credentials, and app passwords created or deleted are `MethodChanged`.
//!
//! Other activities are counted in one note. Target: the first `targetResources` item of type
//! `User` (its `userPrincipalName`); actor: `initiatedBy.user.userPrincipalName`, else
//! `initiatedBy.app.displayName`; outcome: `result` (`success`/`failure`); detail: the
//! `loggedByService`.
//!
//! Sign-ins: `SignIn` events of `userPrincipalName`; outcome from `status.errorCode` (0 is
//! success); detail = `clientAppUsed` as Graph spells it (`IMAP4`, `Exchange ActiveSync`,
//! `Browser`…); `strong_auth` from `authenticationRequirement` (`multiFactorAuthentication`).
//!
//! `system` is the tenant as the rest of `source::entra` decides it (`entra:` + the most common
//! domain of the UPNs in the file). Evidence: the line of the item's `id`.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::ledger::{Event, EventKind, Outcome};
use crate::inventory::{Evidence, Record, SourceKind, When};
use crate::source::json::{Doc, Item, Node, Shape};
use crate::source::time;
use crate::source::Output;
use std::collections::BTreeMap;

/// The kind of a directory-audit activity this module reads, by its display name.
pub fn activity_kind(name: &str) -> Option<EventKind> {
    let n = name.trim().trim_end_matches('.');
    Some(match n {
        "Reset password (by admin)" | "Reset user password" | "Reset password" => {
            EventKind::PasswordReset
        }
        "Reset password (self-service)" => EventKind::SelfServiceReset,
        "Change user password" | "Change password (self-service)" => EventKind::PasswordChange,
        "Update StsRefreshTokenValidFrom Timestamp" => EventKind::SessionsRevoked,
        "User registered security info"
        | "Admin registered security info"
        | "User updated security info"
        | "Admin updated security info"
        | "User deleted security info"
        | "Admin deleted security info"
        | "User changed default security info"
        | "User registered all required security info"
        | "Add FIDO2 security key"
        | "Delete FIDO2 security key(s)"
        | "Add Windows Hello for Business credential"
        | "Delete Windows Hello for Business credential"
        | "Add passwordless phone sign-in credential"
        | "Delete passwordless phone sign-in credential"
        | "Create application password for user"
        | "Delete application password for user" => EventKind::MethodChanged,
        _ => return None,
    })
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let doc = Doc::parse(path, text);
    doc.report_breaks(&mut out);
    let tenant = super::graph::tenant_of(&doc.values)
        .map_or_else(|| "entra".to_string(), |d| format!("entra:{d}"));
    let is_item = |n: &Node<'_>| {
        n.has_ci("activityDisplayName") || n.has_ci("clientAppUsed") || n.has_ci("createdDateTime")
    };
    let shape = Shape {
        list_keys: &["value", "Value"],
        is_item: &is_item,
        what: "Entra audit-log items",
    };
    let items = doc.items(&shape, &mut out);
    let mut r = Reader {
        doc: &doc,
        system: tenant,
        out,
        other: BTreeMap::new(),
        problems: BTreeMap::new(),
    };
    let mut next_link = None;
    for item in &items {
        if next_link.is_none() {
            next_link = item
                .wrapper
                .and_then(|w| w.member_ci("@odata.nextLink"))
                .map(|m| m.key_at);
        }
        r.item(item);
    }
    r.finish(path, next_link)
}

struct Reader<'d, 'a> {
    doc: &'d Doc<'a>,
    system: String,
    out: Output,
    /// Activities not read: name → (count, first line).
    other: BTreeMap<String, (usize, u32)>,
    problems: BTreeMap<&'static str, (usize, u32)>,
}

impl Reader<'_, '_> {
    fn problem(&mut self, what: &'static str, line: u32) {
        self.problems.entry(what).or_insert((0, line)).0 += 1;
    }

    fn finish(mut self, path: &str, next_link: Option<usize>) -> Output {
        for (what, (n, line)) in std::mem::take(&mut self.problems) {
            let message = if n == 1 {
                format!("{what}; item skipped")
            } else {
                format!("{what}; {n} items skipped (first here)")
            };
            self.out.diag(Diagnostic::malformed(path, line, message));
        }
        if !self.other.is_empty() {
            let total: usize = self.other.values().map(|v| v.0).sum();
            let line = self.other.values().map(|v| v.1).min().unwrap_or(1);
            let names: Vec<&str> = self.other.keys().take(5).map(String::as_str).collect();
            self.out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                Evidence::at(path, line),
                format!(
                    "{total} audit item(s) of activities the reset ledger does not use ({}{}); \
                     ignored (first here)",
                    names.join(", "),
                    if self.other.len() > 5 { ", …" } else { "" }
                ),
            ));
        }
        if let Some(at) = next_link {
            self.out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                Evidence::at(path, self.doc.line_at(at)),
                "the page has `@odata.nextLink`: more audit items exist; scan the following \
                 pages too (az rest does not follow nextLink; Get-MgAuditLog* -All does)",
            ));
        }
        self.out
    }

    fn item(&mut self, item: &Item<'_, '_>) {
        let node = item.node;
        let line = self.doc.id_line(node, &["id", "Id"]);
        if node.has_ci("activityDisplayName") {
            self.audit(node, line);
        } else if node.has_ci("userPrincipalName") && node.has_ci("createdDateTime") {
            self.sign_in(node, line);
        } else {
            self.problem(
                "Graph item that is neither a directory audit nor a sign-in",
                line,
            );
        }
    }

    fn time(&mut self, node: &Node<'_>, key: &str, line: u32) -> Option<When> {
        let text = node.get_ci(key).and_then(|v| {
            v.str()
                .or_else(|| v.get_str_ci("value"))
                .or_else(|| v.get_str_ci("DateTime"))
        });
        match text.map(|s| time::parse(s, false)) {
            Some(Ok(w)) if w.is_known() => Some(w),
            Some(_) => {
                self.problem("item time is not a date", line);
                None
            }
            None => {
                self.problem("item without a time", line);
                None
            }
        }
    }

    fn audit(&mut self, node: &Node<'_>, line: u32) {
        let name = node.get_str_ci("activityDisplayName").unwrap_or("").trim();
        let Some(mut kind) = activity_kind(name) else {
            let e = self.other.entry(name.to_string()).or_insert((0, line));
            e.0 += 1;
            return;
        };
        let Some(at) = self.time(node, "activityDateTime", line) else {
            return;
        };
        let targets = node
            .get_ci("targetResources")
            .and_then(Node::items)
            .unwrap_or(&[]);
        let target = targets
            .iter()
            .filter(|t| {
                t.get_str_ci("type")
                    .is_none_or(|ty| ty.eq_ignore_ascii_case("user"))
            })
            .find_map(|t| t.get_str_ci("userPrincipalName"))
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let Some(target) = target else {
            self.problem(
                "audit item without a target user (targetResources userPrincipalName)",
                line,
            );
            return;
        };
        let initiated = node.get_ci("initiatedBy");
        let actor = initiated
            .and_then(|i| i.get_ci("user"))
            .and_then(|u| u.get_str_ci("userPrincipalName"))
            .or_else(|| {
                initiated
                    .and_then(|i| i.get_ci("app"))
                    .and_then(|a| a.get_str_ci("displayName"))
            })
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if kind == EventKind::PasswordReset
            && name.starts_with("Reset user password")
            && actor.is_some_and(|a| a.eq_ignore_ascii_case(target))
        {
            kind = EventKind::SelfServiceReset;
        }
        let outcome = match node.get_str_ci("result").map(str::to_ascii_lowercase) {
            Some(r) if r == "success" => Outcome::Success,
            Some(r) if r == "failure" || r == "timeout" => Outcome::Failure,
            _ => Outcome::Unknown,
        };
        let detail = node
            .get_str_ci("loggedByService")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        self.out.record(Record::Event(Event {
            at,
            system: self.system.clone(),
            source: SourceKind::EntraId,
            kind,
            target: target.to_string(),
            actor: actor.map(str::to_string),
            outcome,
            action: name.to_string(),
            credential: None,
            detail,
            strong_auth: None,
            target_sid: None,
            event_id: node.get_str_ci("id").map(str::to_string),
            evidence: Evidence::at(self.doc.path, line),
        }));
    }

    fn sign_in(&mut self, node: &Node<'_>, line: u32) {
        let Some(upn) = node
            .get_str_ci("userPrincipalName")
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            self.problem("sign-in without a userPrincipalName", line);
            return;
        };
        let Some(at) = self.time(node, "createdDateTime", line) else {
            return;
        };
        let code = node
            .get_ci("status")
            .and_then(|s| s.get_ci("errorCode"))
            .and_then(|c| c.as_i64().or_else(|| c.str().and_then(|s| s.parse().ok())));
        let outcome = match code {
            Some(0) => Outcome::Success,
            Some(_) => Outcome::Failure,
            None => Outcome::Unknown,
        };
        let strong_auth = match node.get_str_ci("authenticationRequirement") {
            Some(r) if r.eq_ignore_ascii_case("multiFactorAuthentication") => Some(true),
            Some(r) if r.eq_ignore_ascii_case("singleFactorAuthentication") => Some(false),
            _ => None,
        };
        self.out.record(Record::Event(Event {
            at,
            system: self.system.clone(),
            source: SourceKind::EntraId,
            kind: EventKind::SignIn,
            target: upn.to_string(),
            actor: Some(upn.to_string()),
            outcome,
            action: "signIn".to_string(),
            credential: None,
            detail: node
                .get_str_ci("clientAppUsed")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            strong_auth,
            target_sid: None,
            event_id: node.get_str_ci("id").map(str::to_string),
            evidence: Evidence::at(self.doc.path, line),
        }));
    }
}

/// Entra's `clientAppUsed` values of legacy (basic) authentication: the protocols that
/// authenticate with a password or an app password alone, which Conditional Access groups as
/// "Exchange ActiveSync clients" and "Other clients". `Browser` and `Mobile Apps and Desktop
/// clients` (modern authentication) are not legacy.
pub const LEGACY_CLIENTS: &[&str] = &[
    "Authenticated SMTP",
    "AutoDiscover",
    "Exchange ActiveSync",
    "Exchange Online PowerShell",
    "Exchange Web Services",
    "IMAP4",
    "MAPI Over HTTP",
    "Offline Address Book",
    "Other clients",
    "Outlook Anywhere (RPC over HTTP)",
    "Outlook Service",
    "POP3",
    "Reporting Web Services",
    "Universal Outlook",
];

/// Whether a `clientAppUsed` value is a legacy-authentication client ([`LEGACY_CLIENTS`]).
pub fn is_legacy_client(client: &str) -> bool {
    let c = client.trim();
    LEGACY_CLIENTS.iter().any(|l| l.eq_ignore_ascii_case(c))
}
