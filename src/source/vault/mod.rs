//! HashiCorp Vault exports (formats-cloud-saas.md §5): what `vault ... -format=json` and the HTTP
//! API print for
//! - token lookups (`vault token lookup -format=json [-accessor A]`, `auth/token/lookup-accessor`),
//! - token accessor listings (`vault list -format=json auth/token/accessors`),
//! - KV v2 metadata (`vault kv metadata get -format=json`),
//! - AppRole secret-id accessor lookups (`auth/approle/role/R/secret-id-accessor/lookup`).
//!
//! This module owns recognising those files by content ([`sniff`]) and turning them into
//! `Credential` records ([`parse`]). It does not decide findings and emits no `Account`: Vault
//! keeps no password timestamp (a userpass change is visible only in the audit log, which is not
//! parsed here).
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

#[cfg(test)]
mod tests;

use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use crate::source::registry::Sniff;
use serde_json::{Map, Value};

/// The Vault exports this module understands (a file may mix them; `parse` reads all shapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultExport {
    TokenLookup,
    AccessorList,
    KvMetadata,
    SecretIdLookup,
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
pub struct VaultSource;

impl crate::source::registry::FileSource for VaultSource {
    fn name(&self) -> &'static str {
        "vault"
    }

    fn claim<'s>(
        &'s self,
        file: &crate::source::registry::Sniff<'_>,
    ) -> Option<crate::source::registry::Claim<'s>> {
        let kind = sniff(file)?;
        Some(Box::new(move |input| {
            let mut out = parse(kind, input.uri, input.text);
            if kind == VaultExport::KvMetadata {
                out.extend(input.scan_secrets());
            }
            out
        }))
    }
}

/// Parses one file; `path` is relative to the scan root. Every JSON value of the file is read
/// by its shape, whatever `kind` says.
pub fn parse(_kind: VaultExport, path: &str, text: &str) -> Output {
    let mut parser = Parser {
        path,
        text,
        lines: Lines::new(text),
        cursor: 0,
        kv_count: 0,
        listed: Vec::new(),
        looked_up: Vec::new(),
    };
    let mut out = Output::default();
    parser.values(&mut out);
    parser.listing_note(&mut out);
    out
}

struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    lines: Lines,
    /// Byte offset where the search for the next item's id line starts.
    cursor: usize,
    kv_count: usize,
    /// Accessors listed (with the listing's line), and accessors looked up, in this file.
    listed: Vec<(String, u32)>,
    looked_up: Vec<String>,
}

/// Problems of one item: (field, message). Reported at the field's line.
type Problems = Vec<(&'static str, String)>;

impl Parser<'_> {
    /// Reads every top-level JSON value, resynchronising after broken ones at the next line that
    /// starts (column 0) with `{` or `[`.
    fn values(&mut self, out: &mut Output) {
        let mut pos = if self.text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        while pos < self.text.len() {
            let Some(rest) = self.text.get(pos..) else {
                return;
            };
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let mut resume = None;
            loop {
                let before = pos + stream.byte_offset();
                match stream.next() {
                    None => break,
                    Some(Ok(value)) => {
                        let end = pos + stream.byte_offset();
                        let start = skip_ws(self.text, before);
                        self.top_value(&value, start, end, out);
                    }
                    Some(Err(e)) => {
                        let start = skip_ws(self.text, before);
                        let start_line = self.lines.line_of(start);
                        let error_line = self
                            .lines
                            .line_of(pos)
                            .saturating_add(u32::try_from(e.line()).unwrap_or(u32::MAX))
                            .saturating_sub(1)
                            .max(start_line);
                        out.diag(Diagnostic::malformed(
                            self.path,
                            error_line,
                            format!(
                                "{}; the Vault JSON value starting at line {start_line} was skipped",
                                json_error_kind(&e)
                            ),
                        ));
                        resume = self.next_value_start(start_line);
                        break;
                    }
                }
            }
            match resume {
                Some(next) if next > pos => pos = next,
                _ => return,
            }
        }
    }

    fn next_value_start(&self, line: u32) -> Option<usize> {
        (line.saturating_add(1)..=self.lines.count()).find_map(|l| {
            let start = self.lines.start_of(l)?;
            let first = self.text.as_bytes().get(start)?;
            matches!(first, b'{' | b'[').then_some(start)
        })
    }

    fn top_value(&mut self, value: &Value, start: usize, end: usize, out: &mut Output) {
        self.cursor = self.cursor.max(start);
        match value {
            Value::Object(obj) => self.response(obj, start, end, out),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                let line = self.lines.line_of(start);
                for item in items {
                    if let Some(a) = item.as_str().filter(|a| looks_like_accessor(a)) {
                        self.listed.push((a.to_string(), line));
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(obj) => self.response(obj, self.cursor, end, out),
                        _ => out.diag(Diagnostic::malformed(
                            self.path,
                            self.lines.line_of(start),
                            "array element is not a Vault response object; skipped",
                        )),
                    }
                }
            }
            _ => out.diag(Diagnostic::malformed(
                self.path,
                self.lines.line_of(start),
                "JSON value is not a Vault response; skipped",
            )),
        }
    }

    /// One response (`{"data": {...}}`) or a bare `data` object, in `text[start..end]`.
    fn response(&mut self, obj: &Map<String, Value>, start: usize, end: usize, out: &mut Output) {
        let data = match obj.get("data") {
            Some(Value::Object(d)) => d,
            Some(Value::Null) if obj.contains_key("request_id") => {
                out.diag(Diagnostic::new(
                    DiagKind::Malformed,
                    Severity::Note,
                    Evidence::at(self.path, self.lines.line_of(start)),
                    "Vault response has no data; ignored",
                ));
                return;
            }
            _ => obj,
        };
        let at = self.cursor.max(start);
        if data.contains_key("secret_id_accessor") {
            self.secret_id(data, at, end, out);
        } else if data.contains_key("accessor")
            && (data.contains_key("creation_time") || data.contains_key("policies"))
        {
            self.token(data, at, end, out);
        } else if data.contains_key("current_version") && data.contains_key("versions") {
            self.kv_metadata(data, at, end, out);
        } else if let Some(keys) = listed_accessors(obj) {
            let line = self.lines.line_of(start);
            self.listed.extend(keys.into_iter().map(|k| (k, line)));
        } else {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                Evidence::at(self.path, self.lines.line_of(start)),
                "JSON object is not a Vault token, secret-id or KV metadata response; ignored",
            ));
        }
    }

    /// The line of `"value"` (a JSON string) searched from the cursor; moves the cursor past it.
    fn value_line(&mut self, value: &str, end: usize) -> Option<u32> {
        let needle = format!("\"{value}\"");
        let found = self.text.get(self.cursor..end)?.find(&needle)?;
        let at = self.cursor + found;
        self.cursor = at + needle.len();
        Some(self.lines.line_of(at))
    }

    /// The line of the key `"key"` in `text[from..end]`, if there.
    fn key_line(&self, key: &str, from: usize, end: usize) -> Option<u32> {
        let needle = format!("\"{key}\"");
        let found = self.text.get(from..end)?.find(&needle)?;
        Some(self.lines.line_of(from + found))
    }

    fn report(&self, problems: Problems, from: usize, end: usize, here: u32, out: &mut Output) {
        for (field, message) in problems {
            let line = self.key_line(field, from, end).unwrap_or(here);
            out.diag(Diagnostic::malformed(self.path, line, message));
        }
    }

    fn token(&mut self, data: &Map<String, Value>, from: usize, end: usize, out: &mut Output) {
        let here = self.lines.line_of(from);
        let accessor = match data.get("accessor") {
            Some(Value::String(a)) if looks_like_accessor(a) => a.as_str(),
            Some(Value::String(a)) if a.is_empty() => {
                let batch = data.get("type").and_then(Value::as_str) == Some("batch");
                out.diag(Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Note,
                    Evidence::at(
                        self.path,
                        self.key_line("accessor", from, end).unwrap_or(here),
                    ),
                    if batch {
                        "Vault batch token: it has no accessor, so it cannot be identified \
                         without the token itself; not recorded"
                    } else {
                        "Vault token lookup has an empty `accessor`; not recorded"
                    },
                ));
                return;
            }
            Some(Value::String(_)) => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    self.key_line("accessor", from, end).unwrap_or(here),
                    "Vault token `accessor` is not an accessor (a token? never export tokens); \
                     item skipped",
                ));
                return;
            }
            _ => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    self.key_line("accessor", from, end).unwrap_or(here),
                    "Vault token `accessor` is not a string; item skipped",
                ));
                return;
            }
        };
        let line = self.value_line(accessor, end).unwrap_or(here);
        self.looked_up.push(accessor.to_string());
        let mut problems = Problems::new();
        let id = format!("vault:accessor:{accessor}");
        let policies = string_list(data, "policies", &mut problems);
        let identity_policies = string_list(data, "identity_policies", &mut problems);
        let root = policies
            .iter()
            .chain(&identity_policies)
            .any(|p| p == "root");
        let token_type = match data.get("type") {
            Some(Value::String(t)) if !t.is_empty() => t.as_str(),
            _ => "service",
        };
        let label = if root {
            "Vault root token".to_string()
        } else {
            format!("Vault {token_type} token")
        };
        let mut cred = Credential::new(
            CredentialKind::VaultToken,
            &id,
            &label,
            Evidence::at(self.path, line),
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
            Some(Value::Null) => When::Never,
            None if creation_ttl == Some(0) => When::Never,
            None => When::Unknown,
            Some(_) => match text_time(data, "expire_time", &mut problems) {
                Some(w) => w,
                None => When::Unknown,
            },
        };

        let renewal = match data.get("last_renewal_time") {
            Some(Value::Null) | None => text_time(data, "last_renewal", &mut problems),
            Some(_) => epoch_time(data, "last_renewal_time", &mut problems),
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
        if let Some(Value::String(p)) = data.get("path") {
            if !p.is_empty() {
                detail.push(format!("created by {p}"));
            }
        }
        detail.push(format!("type {token_type}"));
        if data.get("orphan") == Some(&Value::Bool(true)) {
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
        if let Some(Value::String(e)) = data.get("entity_id") {
            if !e.is_empty() {
                detail.push(format!("entity {e}"));
            }
        }
        if let Some(Value::Object(meta)) = data.get("meta") {
            for key in [
                "role_name",
                "role",
                "service_account_namespace",
                "service_account_name",
            ] {
                if let Some(Value::String(v)) = meta.get(key) {
                    detail.push(format!("{key} {v}"));
                }
            }
        }
        cred.detail = Some(detail.join("; "));
        self.report(problems, from, end, line, out);
        out.record(Record::Credential(cred));
    }

    fn secret_id(&mut self, data: &Map<String, Value>, from: usize, end: usize, out: &mut Output) {
        let here = self.lines.line_of(from);
        let accessor = match data.get("secret_id_accessor") {
            Some(Value::String(a)) if looks_like_accessor(a) => a.as_str(),
            _ => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    self.key_line("secret_id_accessor", from, end)
                        .unwrap_or(here),
                    "AppRole `secret_id_accessor` is missing or not an accessor; item skipped",
                ));
                return;
            }
        };
        let line = self.value_line(accessor, end).unwrap_or(here);
        let mut problems = Problems::new();
        let id = format!("vault:secret-id-accessor:{accessor}");
        let mut cred = Credential::new(
            CredentialKind::VaultToken,
            &id,
            "Vault AppRole secret id",
            Evidence::at(self.path, line),
        );
        cred.status = CredentialStatus::Active;
        cred.issued = match data.get("creation_time") {
            Some(Value::Number(_)) => epoch_time(data, "creation_time", &mut problems),
            _ => text_time(data, "creation_time", &mut problems),
        }
        .unwrap_or(When::Unknown);
        cred.issued_basis = basis(cred.issued);
        let ttl = int(data, "secret_id_ttl", &mut problems);
        cred.expires = match data.get("expiration_time") {
            Some(Value::String(s)) if is_go_zero(s) => {
                if ttl.is_none_or(|t| t == 0) {
                    When::Never
                } else {
                    When::Unknown
                }
            }
            Some(Value::Null) | None => match ttl {
                Some(0) => When::Never,
                _ => When::Unknown,
            },
            Some(_) => text_time(data, "expiration_time", &mut problems).unwrap_or(When::Unknown),
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
        if let Some(Value::String(s)) = data.get("last_updated_time") {
            if let Some(w @ When::Known(_)) = When::parse_instant(s) {
                detail.push(format!("last updated {w}"));
            }
        }
        for key in ["cidr_list", "token_bound_cidrs"] {
            if let Some(Value::Array(a)) = data.get(key) {
                if !a.is_empty() {
                    detail.push(format!("{key} bound"));
                }
            }
        }
        if let Some(Value::Object(meta)) = data.get("metadata") {
            cred.owner = owner_hint(meta).map(|login| OwnerRef {
                system: Some(SYSTEM.to_string()),
                login,
            });
            let mut keys: Vec<&str> = meta.keys().map(String::as_str).collect();
            keys.sort_unstable();
            if !keys.is_empty() {
                detail.push(format!("metadata keys: {}", keys.join(", ")));
            }
        }
        cred.detail = Some(detail.join("; "));
        self.report(problems, from, end, line, out);
        out.record(Record::Credential(cred));
    }

    fn kv_metadata(
        &mut self,
        data: &Map<String, Value>,
        from: usize,
        end: usize,
        out: &mut Output,
    ) {
        self.kv_count += 1;
        let n = self.kv_count;
        let owner = match data.get("custom_metadata") {
            Some(Value::Object(meta)) => owner_hint(meta),
            _ => None,
        };
        // Keep the cursor moving so later items of the file find their own lines.
        let here = self.lines.line_of(from);
        let Some(owner) = owner else {
            if let Some(next) = self
                .text
                .get(from..end)
                .and_then(|t| t.find("\"versions\""))
            {
                self.cursor = from + next;
            }
            return;
        };
        let line = self.key_line("custom_metadata", from, end).unwrap_or(here);
        if let Some(next) = self
            .text
            .get(from..end)
            .and_then(|t| t.find("\"versions\""))
        {
            self.cursor = from + next;
        }
        let mut problems = Problems::new();
        let id = format!("vault:kv:{}#{n}", self.path);
        let mut cred = Credential::new(
            CredentialKind::PlaintextSecret,
            &id,
            "Vault KV v2 secret",
            Evidence::at(self.path, line),
        );
        cred.owner = Some(OwnerRef {
            system: None,
            login: owner,
        });
        let current = int(data, "current_version", &mut problems);
        let versions = match data.get("versions") {
            Some(Value::Object(v)) => Some(v),
            _ => None,
        };
        let current_version = current
            .and_then(|c| versions?.get(&c.to_string()))
            .and_then(Value::as_object);
        let written = current_version
            .and_then(|v| v.get("created_time"))
            .and_then(Value::as_str)
            .and_then(When::parse_instant);
        cred.issued = match written {
            Some(w) => w,
            None => text_time(data, "updated_time", &mut problems).unwrap_or(When::Unknown),
        };
        cred.issued_basis = basis(cred.issued);
        let deleted = current_version.is_some_and(|v| {
            v.get("destroyed") == Some(&Value::Bool(true))
                || v.get("deletion_time")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.is_empty())
        });
        cred.status = if deleted {
            CredentialStatus::Revoked
        } else {
            CredentialStatus::Active
        };
        cred.expires = match data.get("delete_version_after") {
            Some(Value::String(d)) => match go_duration_secs(d) {
                Some(0) => When::Never,
                Some(secs) => cred
                    .issued
                    .known()
                    .and_then(|t| t.checked_add(jiff::SignedDuration::from_secs(secs)).ok())
                    .map_or(When::Unknown, When::Known),
                None => When::Unknown,
            },
            _ => When::Never,
        };
        let mut detail = Vec::new();
        if let Some(c) = current {
            detail.push(format!("current version {c}"));
        }
        if let Some(v) = versions {
            let readable = v
                .iter()
                .filter(|(k, _)| Some(k.as_str()) != current.map(|c| c.to_string()).as_deref())
                .filter(|(_, v)| {
                    v.get("destroyed") != Some(&Value::Bool(true))
                        && v.get("deletion_time")
                            .and_then(Value::as_str)
                            .is_none_or(str::is_empty)
                })
                .count();
            if readable > 0 {
                detail.push(format!("{readable} older version(s) still readable"));
            }
        }
        cred.detail = Some(detail.join("; "));
        self.report(problems, from, end, line, out);
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
            Evidence::at(self.path, line),
            format!(
                "{missing} Vault accessor(s) listed without a lookup: a listing has no dates or \
                 owners; run `vault token lookup -format=json -accessor <accessor>` for each"
            ),
        ));
    }
}

/// The owner login of a token, never from the token id.
fn token_owner(data: &Map<String, Value>) -> Option<String> {
    if let Some(Value::Object(meta)) = data.get("meta") {
        if let Some(Value::String(u)) = meta.get("username") {
            if !u.trim().is_empty() {
                return Some(u.trim().to_string());
            }
        }
    }
    let path = data.get("path").and_then(Value::as_str).unwrap_or("");
    let display = data
        .get("display_name")
        .and_then(Value::as_str)
        .unwrap_or("");
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
fn owner_hint(meta: &Map<String, Value>) -> Option<String> {
    let mut keys: Vec<&String> = meta.keys().collect();
    keys.sort();
    OWNER_KEYS.iter().find_map(|want| {
        keys.iter().find_map(|k| {
            if !k.eq_ignore_ascii_case(want) {
                return None;
            }
            meta.get(k.as_str())
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
    })
}

/// The `keys` of a list response (`{"data": {"keys": [...]}}`) when they all look like accessors.
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
fn text_time(
    data: &Map<String, Value>,
    field: &'static str,
    problems: &mut Problems,
) -> Option<When> {
    match data.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) if is_go_zero(s) || s.trim().starts_with("9999-12-31") => {
            Some(When::Never)
        }
        Some(Value::String(s)) => match When::parse_instant(s) {
            Some(w) => Some(w),
            None => {
                problems.push((
                    field,
                    format!("Vault `{field}` is not an RFC 3339 time; treated as unknown"),
                ));
                Some(When::Unknown)
            }
        },
        Some(_) => {
            problems.push((
                field,
                format!("Vault `{field}` is not a string; treated as unknown"),
            ));
            Some(When::Unknown)
        }
    }
}

/// An epoch-seconds field (an integer, or an integer in a string); 0 is unknown.
fn epoch_time(
    data: &Map<String, Value>,
    field: &'static str,
    problems: &mut Problems,
) -> Option<When> {
    let secs = match data.get(field) {
        None | Some(Value::Null) => return None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    match secs.and_then(When::from_epoch_seconds) {
        Some(w) => Some(w),
        None => {
            problems.push((
                field,
                format!("Vault `{field}` is not epoch seconds; treated as unknown"),
            ));
            Some(When::Unknown)
        }
    }
}

/// An integer field (seconds, counts); `None` when absent, null or not an integer.
fn int(data: &Map<String, Value>, field: &'static str, problems: &mut Problems) -> Option<i64> {
    match data.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64().or_else(|| {
            problems.push((field, format!("Vault `{field}` is not an integer")));
            None
        }),
        // The generated client schema types some of these as strings.
        Some(Value::String(s)) => s.trim().parse().ok().or_else(|| {
            problems.push((field, format!("Vault `{field}` is not an integer")));
            None
        }),
        Some(_) => {
            problems.push((field, format!("Vault `{field}` is not an integer")));
            None
        }
    }
}

fn string_list(
    data: &Map<String, Value>,
    field: &'static str,
    problems: &mut Problems,
) -> Vec<String> {
    match data.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => {
            let mut list: Vec<String> = a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if list.len() != a.len() {
                problems.push((field, format!("Vault `{field}` holds non-string entries")));
            }
            list.dedup();
            list
        }
        Some(_) => {
            problems.push((field, format!("Vault `{field}` is not a list")));
            Vec::new()
        }
    }
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

pub(crate) fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "JSON ends early (truncated?)",
        serde_json::error::Category::Syntax => "invalid JSON syntax",
        serde_json::error::Category::Data => "unexpected JSON data",
        serde_json::error::Category::Io => "JSON could not be read",
    }
}

fn skip_ws(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Maps byte offsets to 1-based line numbers.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { starts }
    }

    fn line_of(&self, byte: usize) -> u32 {
        let line = match self.starts.binary_search(&byte) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    fn start_of(&self, line: u32) -> Option<usize> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.starts.get(index).copied()
    }

    fn count(&self) -> u32 {
        u32::try_from(self.starts.len()).unwrap_or(u32::MAX)
    }
}
