//! HashiCorp Vault exports (formats-cloud-saas.md §5): what `vault ... -format=json` and the HTTP
//! API print for
//! - token lookups (`vault token lookup -format=json [-accessor A]`, `auth/token/lookup-accessor`),
//! - token accessor listings (`vault list -format=json auth/token/accessors`),
//! - KV v2 metadata (`vault kv metadata get -format=json`),
//! - AppRole secret-id accessor lookups (`auth/approle/role/R/secret-id-accessor/lookup`).
//!
//! This module owns recognising those files by content ([`sniff`]) and turning them into
//! `Credential` records ([`parse`]). It does not decide findings and emits no `Account`: Vault
//! keeps no password timestamp (a userpass change is visible only in the audit log, read by
//! [`audit`] as ledger events).
//!
//! A file may hold one response, a JSON array of them (`jq -s`), JSON Lines, or pretty-printed
//! responses one after another (a shell loop with `>>`). Both the full response (`{"data": {...}}`)
//! and the bare `data` object (`jq .data`) are accepted.
//!
//! Records:
//! - token lookup -> `VaultToken` `vault:accessor:<accessor>`. The token itself (`id`) is secret
//!   and never read. Owner: `meta.username`, else `display_name` minus the auth mount prefix
//!   (`ldap-m.okafor` -> `m.okafor`) for human auth methods; token-store, AppRole and other machine
//!   tokens have no owner (their entity id is in `detail`). `issued` = `issue_time` (RFC 3339,
//!   nanoseconds, server offset), else `creation_time` (epoch seconds); `expires` = `expire_time`,
//!   `null` = never; `last_used` = the last renewal (`last_renewal_time`/`last_renewal`), the only
//!   trace of use a lookup shows (an admin may also renew by accessor: `detail` says so).
//!   Batch tokens have no accessor and cannot be identified: a note.
//! - AppRole secret-id lookup -> `VaultToken` `vault:secret-id-accessor:<accessor>`;
//!   `expiration_time` `0001-01-01T00:00:00Z` (Go zero time, `secret_id_ttl` 0) = never.
//! - accessor listing -> no record (a listing has no dates or owners): a note with the count of
//!   accessors not looked up in the same file.
//! - KV v2 metadata -> nothing, unless `custom_metadata` names an owner (`owner`, `owned_by`,
//!   `owner_email`, `username`, `user`): then a `PlaintextSecret` `vault:kv:<file>#<n>` (the
//!   output does not carry the secret's path) issued when the current version was written.
//!
//! Every owner is `OwnerRef { system: "vault", login }` except KV owners, which are free text
//! from custom metadata (`system: None`).
//!
//! The file audit device's log (JSON lines) is read by [`audit`] into reset-ledger events
//! (sign-ins, token creation and revocation, userpass password changes, token use).

mod audit;
#[cfg(test)]
mod tests;

use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use crate::source::json::field::unknown_because;
use crate::source::json::{Doc, Member, Node};
use crate::source::registry::{BySniff, ParseInput, Sniff};
use serde_json::{Map, Value};

/// The Vault exports this module understands (a file may mix them; `parse` reads all shapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultExport {
    TokenLookup,
    AccessorList,
    KvMetadata,
    SecretIdLookup,
    /// The file audit device's JSON lines ([`audit`]).
    AuditLog,
}

/// The owner system of Vault tokens.
pub const SYSTEM: &str = "vault";

/// Auth methods whose login names a person (display name `<mount>-<user>`).
const HUMAN_METHODS: [&str; 8] = [
    "userpass", "ldap", "okta", "radius", "oidc", "jwt", "github", "kerberos",
];

/// Custom-metadata keys that name an owner.
const OWNER_KEYS: [&str; 5] = ["owner", "owned_by", "owner_email", "username", "user"];

/// Recognises a Vault export by content. The path only breaks the tie for a bare JSON array of
/// accessors (`vault list -format=json auth/token/accessors`), which says nothing about Vault by
/// itself: it is taken when the file name mentions `accessor`.
pub fn sniff(file: &Sniff<'_>) -> Option<VaultExport> {
    let (path, body, head) = (file.uri, file.text, file.body_head());
    if !file.looks_like_json() {
        return None;
    }
    if audit::sniff(head) {
        return Some(VaultExport::AuditLog);
    }
    let has = |key: &str| head.contains(&format!("\"{key}\""));
    if has("secret_id_accessor") && (has("secret_id_ttl") || has("expiration_time")) {
        return Some(VaultExport::SecretIdLookup);
    }
    if has("accessor")
        && (has("creation_ttl") || has("explicit_max_ttl"))
        && (has("policies") || has("display_name"))
    {
        return Some(VaultExport::TokenLookup);
    }
    if has("current_version") && has("oldest_version") && has("versions") {
        return Some(VaultExport::KvMetadata);
    }
    if has("request_id") && has("lease_id") && has("keys") {
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(body) {
            if listed_accessors(&o).is_some_and(|k| !k.is_empty()) {
                return Some(VaultExport::AccessorList);
            }
        }
    }
    if head.starts_with('[') && path.to_ascii_lowercase().contains("accessor") {
        if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(body) {
            if !items.is_empty()
                && items
                    .iter()
                    .all(|v| v.as_str().is_some_and(looks_like_accessor))
            {
                return Some(VaultExport::AccessorList);
            }
        }
    }
    None
}

/// HashiCorp Vault exports (token lookups, accessors, AppRole, KV metadata). KV metadata may carry copied secrets in its custom metadata, so those files are also secret-scanned.
pub static SOURCE: BySniff<VaultExport> = BySniff {
    name: "vault",
    sniff,
    read,
    join: crate::source::registry::no_join,
    dated_by_file_time: false,
};

fn read(kind: VaultExport, input: &ParseInput<'_>) -> Output {
    let mut out = parse(kind, input.uri, input.text);
    if kind == VaultExport::KvMetadata {
        out.extend(input.scan_secrets());
    }
    out
}

/// Parses one file; `path` is relative to the scan root. An audit log is read line by line;
/// any other file: every JSON value is read by its shape, whatever `kind` says.
pub fn parse(kind: VaultExport, path: &str, text: &str) -> Output {
    if kind == VaultExport::AuditLog {
        return audit::parse(path, text);
    }
    let doc = Doc::parse(path, text);
    let mut parser = Parser {
        doc: &doc,
        kv_count: 0,
        listed: Vec::new(),
        looked_up: Vec::new(),
    };
    let mut out = Output::default();
    for value in &doc.values {
        parser.top_value(value, &mut out);
    }
    doc.report_breaks(&mut out);
    parser.listing_note(&mut out);
    out
}

struct Parser<'d, 'a> {
    doc: &'d Doc<'a>,
    kv_count: usize,
    /// Accessors listed (with the listing's line), and accessors looked up, in this file.
    listed: Vec<(String, u32)>,
    looked_up: Vec<String>,
}

/// Problems of one item: (field, message). Reported at the field's line.
type Problems = Vec<(&'static str, String)>;

impl Parser<'_, '_> {
    fn path(&self) -> &str {
        self.doc.path
    }

    fn top_value(&mut self, value: &Node<'_>, out: &mut Output) {
        if value.is_obj() {
            self.response(value, out);
            return;
        }
        let Some(items) = value.items() else {
            out.diag(Diagnostic::malformed(
                self.path(),
                self.doc.line(value),
                "JSON value is not a Vault response; skipped",
            ));
            return;
        };
        if items.iter().all(Node::is_str) {
            let line = self.doc.line(value);
            for a in items.iter().filter_map(Node::str) {
                if looks_like_accessor(a) {
                    self.listed.push((a.to_string(), line));
                }
            }
            return;
        }
        for item in items {
            if item.is_obj() {
                self.response(item, out);
            } else {
                out.diag(Diagnostic::malformed(
                    self.path(),
                    self.doc.line(value),
                    "array element is not a Vault response object; skipped",
                ));
            }
        }
    }

    /// One response (`{"data": {...}}`) or a bare `data` object.
    fn response(&mut self, obj: &Node<'_>, out: &mut Output) {
        let data = match obj.get("data") {
            Some(d) if d.is_obj() => d,
            Some(d) if d.is_null() && obj.has("request_id") => {
                out.diag(Diagnostic::new(
                    DiagKind::Malformed,
                    Severity::Note,
                    self.doc.evidence(obj),
                    "Vault response has no data; ignored",
                ));
                return;
            }
            _ => obj,
        };
        if data.partial {
            // Cut by a break, reported once for the file.
            return;
        }
        if data.has("secret_id_accessor") {
            self.secret_id(data, out);
        } else if data.has("accessor") && (data.has("creation_time") || data.has("policies")) {
            self.token(data, out);
        } else if data.has("current_version") && data.has("versions") {
            self.kv_metadata(data, out);
        } else if let Some(keys) = listed_in(obj) {
            let line = self.doc.line(obj);
            self.listed.extend(keys.into_iter().map(|k| (k, line)));
        } else if !obj.partial {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                self.doc.evidence(obj),
                "JSON object is not a Vault token, secret-id or KV metadata response; ignored",
            ));
        }
    }

    /// Each problem at the line of its field in `data`, else at `here`.
    fn report(&self, problems: Problems, data: &Node<'_>, here: u32, out: &mut Output) {
        for (field, message) in problems {
            let line = data
                .member(field)
                .map_or(here, |m| self.doc.line_at(m.key_at));
            out.diag(Diagnostic::malformed(self.path(), line, message));
        }
    }

    fn token(&mut self, data: &Node<'_>, out: &mut Output) {
        let doc = self.doc;
        let accessor_line = doc.key_line(data, "accessor");
        let Some(accessor_node) = data.get("accessor") else {
            return;
        };
        let accessor = match accessor_node.str() {
            Some(a) if looks_like_accessor(a) => a,
            Some("") => {
                let batch = data.get("type").and_then(Node::str) == Some("batch");
                out.diag(Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Note,
                    Evidence::at(doc.path, accessor_line),
                    if batch {
                        "Vault batch token: it has no accessor, so it cannot be identified \
                         without the token itself; not recorded"
                    } else {
                        "Vault token lookup has an empty `accessor`; not recorded"
                    },
                ));
                return;
            }
            Some(_) => {
                out.diag(Diagnostic::malformed(
                    doc.path,
                    accessor_line,
                    "Vault token `accessor` is not an accessor (a token? never export tokens); \
                     item skipped",
                ));
                return;
            }
            None => {
                out.diag(Diagnostic::malformed(
                    doc.path,
                    accessor_line,
                    "Vault token `accessor` is not a string; item skipped",
                ));
                return;
            }
        };
        let line = doc.line(accessor_node);
        self.looked_up.push(accessor.to_string());
        let mut problems = Problems::new();
        let id = format!("vault:accessor:{accessor}");
        let policies = string_list(data, "policies", &mut problems);
        let identity_policies = string_list(data, "identity_policies", &mut problems);
        let root = policies
            .iter()
            .chain(&identity_policies)
            .any(|p| p == "root");
        let token_type = data
            .get("type")
            .and_then(Node::str)
            .filter(|t| !t.is_empty())
            .unwrap_or("service");
        let label = if root {
            "Vault root token".to_string()
        } else {
            format!("Vault {token_type} token")
        };
        let mut cred = Credential::new(
            CredentialKind::VaultToken,
            &id,
            &label,
            Evidence::at(doc.path, line),
        );
        cred.status = CredentialStatus::Active;
        cred.owner = token_owner(data).map(|login| OwnerRef {
            system: Some(SYSTEM.to_string()),
            login,
        });

        let issue_time = text_time(data, "issue_time", &mut problems);
        let creation_time = epoch_time(data, "creation_time", &mut problems);
        cred.issued = match (issue_time, creation_time) {
            (Some(w @ When::Known(_)), _) => w,
            (_, Some(w)) => w,
            (Some(w), None) => w,
            (None, None) => When::Unknown,
        };
        cred.issued_basis = basis(cred.issued);

        let ttl = int(data, "ttl", &mut problems);
        let creation_ttl = int(data, "creation_ttl", &mut problems);
        cred.expires = match data.get("expire_time") {
            Some(e) if e.is_null() => When::Never,
            None if creation_ttl == Some(0) => When::Never,
            None => When::Unknown,
            Some(_) => text_time(data, "expire_time", &mut problems).unwrap_or(When::Unknown),
        };

        let renewal = match data.get("last_renewal_time") {
            Some(r) if !r.is_null() => epoch_time(data, "last_renewal_time", &mut problems),
            _ => text_time(data, "last_renewal", &mut problems),
        };
        let mut detail = Vec::new();
        if let Some(w @ When::Known(_)) = renewal {
            cred.last_used = w;
            detail.push(format!(
                "last use = last renewal {w} (renew-self, or an admin by accessor)"
            ));
        }
        if root {
            detail.push("root policy".to_string());
        }
        if !policies.is_empty() {
            detail.push(format!("policies: {}", policies.join(", ")));
        }
        if !identity_policies.is_empty() {
            detail.push(format!(
                "identity policies: {}",
                identity_policies.join(", ")
            ));
        }
        if let Some(p) = data.get("path").and_then(Node::str) {
            if !p.is_empty() {
                detail.push(format!("created by {p}"));
            }
        }
        detail.push(format!("type {token_type}"));
        if data.get("orphan").and_then(Node::as_bool) == Some(true) {
            detail.push("orphan (survives revocation of its parent)".to_string());
        }
        if let Some(period) = int(data, "period", &mut problems).filter(|p| *p > 0) {
            detail.push(format!("periodic ({period} s): renewable without limit"));
        }
        if ttl == Some(0) && creation_ttl.is_none_or(|c| c == 0) {
            detail.push("no TTL".to_string());
        }
        if let Some(max) = int(data, "explicit_max_ttl", &mut problems).filter(|m| *m > 0) {
            detail.push(format!("explicit max TTL {max} s"));
        }
        if let Some(uses) = int(data, "num_uses", &mut problems).filter(|n| *n > 0) {
            detail.push(format!("{uses} uses left"));
        }
        if let Some(e) = data.get("entity_id").and_then(Node::str) {
            if !e.is_empty() {
                detail.push(format!("entity {e}"));
            }
        }
        if let Some(meta) = data.get("meta").filter(|m| m.is_obj()) {
            for key in [
                "role_name",
                "role",
                "service_account_namespace",
                "service_account_name",
            ] {
                if let Some(v) = meta.get(key).and_then(Node::str) {
                    detail.push(format!("{key} {v}"));
                }
            }
        }
        cred.detail = Some(detail.join("; "));
        self.report(problems, data, line, out);
        out.record(Record::Credential(cred));
    }

    fn secret_id(&mut self, data: &Node<'_>, out: &mut Output) {
        let doc = self.doc;
        let accessor_node = data.get("secret_id_accessor");
        let Some((accessor, accessor_node)) =
            accessor_node.and_then(|n| n.str().filter(|a| looks_like_accessor(a)).map(|a| (a, n)))
        else {
            out.diag(Diagnostic::malformed(
                doc.path,
                doc.key_line(data, "secret_id_accessor"),
                "AppRole `secret_id_accessor` is missing or not an accessor; item skipped",
            ));
            return;
        };
        let line = doc.line(accessor_node);
        let mut problems = Problems::new();
        let id = format!("vault:secret-id-accessor:{accessor}");
        let mut cred = Credential::new(
            CredentialKind::VaultToken,
            &id,
            "Vault AppRole secret id",
            Evidence::at(doc.path, line),
        );
        cred.status = CredentialStatus::Active;
        cred.issued = if data.get("creation_time").is_some_and(|n| n.num().is_some()) {
            epoch_time(data, "creation_time", &mut problems)
        } else {
            text_time(data, "creation_time", &mut problems)
        }
        .unwrap_or(When::Unknown);
        cred.issued_basis = basis(cred.issued);
        let ttl = int(data, "secret_id_ttl", &mut problems);
        let expiration = data.get("expiration_time");
        cred.expires = match expiration.and_then(Node::str) {
            Some(s) if is_go_zero(s) => {
                if ttl.is_none_or(|t| t == 0) {
                    When::Never
                } else {
                    When::Unknown
                }
            }
            _ if expiration.is_none_or(Node::is_null) => match ttl {
                Some(0) => When::Never,
                _ => When::Unknown,
            },
            _ => text_time(data, "expiration_time", &mut problems).unwrap_or(When::Unknown),
        };
        let mut detail = Vec::new();
        match int(data, "secret_id_num_uses", &mut problems) {
            Some(0) => detail.push("unlimited uses".to_string()),
            Some(n) => detail.push(format!("{n} uses left")),
            None => {}
        }
        if ttl == Some(0) {
            detail.push("no TTL".to_string());
        }
        if let Some(s) = data.get("last_updated_time").and_then(Node::str) {
            if let Some(w @ When::Known(_)) = When::parse_instant(s) {
                detail.push(format!("last updated {w}"));
            }
        }
        for key in ["cidr_list", "token_bound_cidrs"] {
            if let Some(a) = data.get(key).and_then(Node::items) {
                if !a.is_empty() {
                    detail.push(format!("{key} bound"));
                }
            }
        }
        if let Some(meta) = data.get("metadata").filter(|m| m.is_obj()) {
            cred.owner = owner_hint(meta).map(|login| OwnerRef {
                system: Some(SYSTEM.to_string()),
                login,
            });
            let mut keys: Vec<&str> = meta.members().iter().map(|m| m.key.as_ref()).collect();
            keys.sort_unstable();
            keys.dedup();
            if !keys.is_empty() {
                detail.push(format!("metadata keys: {}", keys.join(", ")));
            }
        }
        cred.detail = Some(detail.join("; "));
        self.report(problems, data, line, out);
        out.record(Record::Credential(cred));
    }

    fn kv_metadata(&mut self, data: &Node<'_>, out: &mut Output) {
        let doc = self.doc;
        self.kv_count += 1;
        let n = self.kv_count;
        let Some(owner) = data
            .get("custom_metadata")
            .filter(|m| m.is_obj())
            .and_then(owner_hint)
        else {
            return;
        };
        let line = doc.key_line(data, "custom_metadata");
        let mut problems = Problems::new();
        let id = format!("vault:kv:{}#{n}", doc.path);
        let mut cred = Credential::new(
            CredentialKind::PlaintextSecret,
            &id,
            "Vault KV v2 secret",
            Evidence::at(doc.path, line),
        );
        cred.owner = Some(OwnerRef {
            system: None,
            login: owner,
        });
        let current = int(data, "current_version", &mut problems);
        let versions = data.get("versions").filter(|v| v.is_obj());
        let current_key = current.map(|c| c.to_string());
        let current_version = current_key
            .as_deref()
            .and_then(|c| versions?.get(c))
            .filter(|v| v.is_obj());
        let written = current_version
            .and_then(|v| v.get("created_time"))
            .and_then(Node::str)
            .and_then(When::parse_instant);
        cred.issued = match written {
            Some(w) => w,
            None => text_time(data, "updated_time", &mut problems).unwrap_or(When::Unknown),
        };
        cred.issued_basis = basis(cred.issued);
        cred.status = if current_version.is_some_and(is_deleted) {
            CredentialStatus::Revoked
        } else {
            CredentialStatus::Active
        };
        cred.expires = match data.get("delete_version_after").and_then(Node::str) {
            Some(d) => match go_duration_secs(d) {
                Some(0) => When::Never,
                Some(secs) => cred
                    .issued
                    .known()
                    .and_then(|t| t.checked_add(jiff::SignedDuration::from_secs(secs)).ok())
                    .map_or(When::Unknown, When::Known),
                None => When::Unknown,
            },
            None => When::Never,
        };
        let mut detail = Vec::new();
        if let Some(c) = current {
            detail.push(format!("current version {c}"));
        }
        if let Some(v) = versions {
            let readable = v
                .members()
                .iter()
                .filter(|m| Some(m.key.as_ref()) != current_key.as_deref())
                .filter(|m| !is_deleted(&m.value))
                .count();
            if readable > 0 {
                detail.push(format!("{readable} older version(s) still readable"));
            }
        }
        cred.detail = Some(detail.join("; "));
        self.report(problems, data, line, out);
        out.record(Record::Credential(cred));
    }

    /// A note for accessors listed but not looked up in this file.
    fn listing_note(&self, out: &mut Output) {
        let Some(&(_, line)) = self.listed.first() else {
            return;
        };
        let missing = self
            .listed
            .iter()
            .filter(|(a, _)| !self.looked_up.contains(a))
            .count();
        if missing == 0 {
            return;
        }
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::at(self.path(), line),
            format!(
                "{missing} Vault accessor(s) listed without a lookup: a listing has no dates or \
                 owners; run `vault token lookup -format=json -accessor <accessor>` for each"
            ),
        ));
    }
}

/// A KV version that is destroyed or deleted (`deletion_time` set).
fn is_deleted(version: &Node<'_>) -> bool {
    version.get("destroyed").and_then(Node::as_bool) == Some(true)
        || version
            .get("deletion_time")
            .and_then(Node::str)
            .is_some_and(|d| !d.is_empty())
}

/// The owner login of a token, never from the token id.
fn token_owner(data: &Node<'_>) -> Option<String> {
    if let Some(u) = data
        .get("meta")
        .and_then(|m| m.get("username"))
        .and_then(Node::str)
    {
        if !u.trim().is_empty() {
            return Some(u.trim().to_string());
        }
    }
    let path = data.get("path").and_then(Node::str).unwrap_or("");
    let display = data.get("display_name").and_then(Node::str).unwrap_or("");
    // `auth/<mount>/login[/<user>]`, `auth/oidc/oidc/callback`: the mount is everything between
    // `auth/` and the login endpoint.
    let mount = path.strip_prefix("auth/").and_then(|rest| {
        ["/login", "/oidc/callback", "/callback"]
            .iter()
            .find_map(|end| rest.find(end).map(|i| rest.get(..i).unwrap_or("")))
    });
    if path.starts_with("auth/token/") || display == "token" || display.starts_with("token-") {
        return None;
    }
    if let Some(mount) = mount.filter(|m| !m.is_empty()) {
        let prefix = format!("{}-", mount.replace('/', "-"));
        let method = HUMAN_METHODS.iter().any(|m| {
            mount == *m
                || mount.starts_with(&format!("{m}-"))
                || mount.starts_with(&format!("{m}/"))
        });
        if let Some(rest) = display.strip_prefix(&prefix) {
            if !rest.is_empty() && (method || !is_machine_method(mount)) {
                return Some(rest.to_string());
            }
        }
        if method {
            // userpass/ldap/okta/radius put the user name at the end of the login path.
            if let Some(user) = path
                .strip_prefix(&format!("auth/{mount}/login/"))
                .filter(|u| !u.is_empty() && !u.contains('/'))
            {
                return Some(user.to_string());
            }
        }
        return None;
    }
    HUMAN_METHODS.iter().find_map(|m| {
        display
            .strip_prefix(m)
            .and_then(|r| r.strip_prefix('-'))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    })
}

fn is_machine_method(mount: &str) -> bool {
    [
        "approle",
        "kubernetes",
        "aws",
        "gcp",
        "azure",
        "cert",
        "token",
        "alicloud",
        "oci",
    ]
    .iter()
    .any(|m| mount == *m || mount.starts_with(&format!("{m}-")))
}

/// An owner named in custom or secret-id metadata.
fn owner_hint(meta: &Node<'_>) -> Option<String> {
    let mut members: Vec<&Member<'_>> = meta.members().iter().collect();
    members.sort_by(|a, b| a.key.cmp(&b.key));
    OWNER_KEYS.iter().find_map(|want| {
        members.iter().find_map(|m| {
            if !m.key.eq_ignore_ascii_case(want) {
                return None;
            }
            m.value
                .str()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
    })
}

/// [`listed_accessors`] over the located tree.
fn listed_in(obj: &Node<'_>) -> Option<Vec<String>> {
    let keys = obj.get("data")?.get("keys")?.items()?;
    keys.iter()
        .map(|k| {
            k.str()
                .filter(|a| looks_like_accessor(a))
                .map(str::to_string)
        })
        .collect()
}

/// The `keys` of a list response (`{"data": {"keys": [...]}}`) when they all look like accessors
/// (for [`sniff`]; parsing uses [`listed_in`]).
fn listed_accessors(obj: &Map<String, Value>) -> Option<Vec<String>> {
    let keys = obj.get("data")?.as_object()?.get("keys")?.as_array()?;
    keys.iter()
        .map(|k| {
            k.as_str()
                .filter(|a| looks_like_accessor(a))
                .map(str::to_string)
        })
        .collect()
}

/// A Vault accessor: a UUID (before 1.10) or 24 base62 characters, possibly with a namespace
/// suffix (`.<ns id>`). Never a token (`hvs.`, `hvb.`, `s.`, `b.` prefixes).
fn looks_like_accessor(a: &str) -> bool {
    let token_prefix = ["hvs.", "hvb.", "hvr.", "s.", "b.", "r."]
        .iter()
        .any(|p| a.starts_with(p));
    (8..=128).contains(&a.len())
        && !token_prefix
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

/// Go's zero time, what Vault prints for "no expiration".
fn is_go_zero(s: &str) -> bool {
    s.trim().starts_with("0001-01-01")
}

fn basis(w: When) -> IssuedBasis {
    if w.is_known() {
        IssuedBasis::Recorded
    } else {
        IssuedBasis::Unknown
    }
}

/// An RFC 3339 time field; `None` when absent or null. Go zero time and 9999-12-31 mean never.
fn text_time(data: &Node<'_>, field: &'static str, problems: &mut Problems) -> Option<When> {
    let value = data.get(field).filter(|v| !v.is_null())?;
    let Some(s) = value.str() else {
        problems.push((field, unknown_because(field, "a string")));
        return Some(When::Unknown);
    };
    if s.trim().is_empty() {
        return None;
    }
    if is_go_zero(s) || s.trim().starts_with("9999-12-31") {
        return Some(When::Never);
    }
    match When::parse_instant(s) {
        Some(w) => Some(w),
        None => {
            problems.push((field, unknown_because(field, "an RFC 3339 time")));
            Some(When::Unknown)
        }
    }
}

/// An epoch-seconds field (an integer, or an integer in a string); 0 is unknown.
fn epoch_time(data: &Node<'_>, field: &'static str, problems: &mut Problems) -> Option<When> {
    let value = data.get(field).filter(|v| !v.is_null())?;
    let secs = match value.str() {
        Some(s) => s.trim().parse::<i64>().ok(),
        None => value.as_i64(),
    };
    match secs.and_then(When::from_epoch_seconds) {
        Some(w) => Some(w),
        None => {
            problems.push((field, unknown_because(field, "epoch seconds")));
            Some(When::Unknown)
        }
    }
}

/// An integer field (seconds, counts); `None` when absent, null or not an integer.
fn int(data: &Node<'_>, field: &'static str, problems: &mut Problems) -> Option<i64> {
    let value = data.get(field).filter(|v| !v.is_null())?;
    // The generated client schema types some of these as strings.
    let n = match value.str() {
        Some(s) => s.trim().parse().ok(),
        None => value.as_i64(),
    };
    if n.is_none() {
        problems.push((field, unknown_because(field, "an integer")));
    }
    n
}

fn string_list(data: &Node<'_>, field: &'static str, problems: &mut Problems) -> Vec<String> {
    let Some(value) = data.get(field).filter(|v| !v.is_null()) else {
        return Vec::new();
    };
    let Some(items) = value.items() else {
        problems.push((field, format!("`{field}` is not a list; ignored")));
        return Vec::new();
    };
    let mut list: Vec<String> = items
        .iter()
        .filter_map(Node::str)
        .map(str::to_string)
        .collect();
    if list.len() != items.len() {
        problems.push((
            field,
            format!("`{field}` holds non-string entries; they are ignored"),
        ));
    }
    list.dedup();
    list
}

/// Seconds of a Go duration as Vault prints it (`0s`, `768h`, `1h30m`, `3600s`, or bare seconds).
fn go_duration_secs(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(n);
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let value: f64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            'd' => 86400.0,
            _ => return None,
        };
        total = total.checked_add((value * unit) as i64)?;
    }
    number.is_empty().then_some(total)
}
