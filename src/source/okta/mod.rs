//! Okta exports (formats-cloud-saas.md §4.2): the JSON of `GET /api/v1/users`,
//! `GET /api/v1/api-tokens` and `GET /api/v1/users/{id}/factors`, as arrays, single objects,
//! several responses one after another, or a wrapper `{"userId"|"login": …, "factors": [...]}`.
//!
//! This module owns recognising them by content ([`sniff`]) and turning them into records
//! ([`parse`]):
//! - users → `Account`: login = `profile.login`, aliases = the Okta user id (`00u…`) and
//!   `profile.email` when it differs, `passwordChanged` → `password_last_set`, `status` →
//!   `enabled`/`password`, an `ACTIVE_DIRECTORY`/`LDAP` credentials provider → `synced_from`;
//! - API tokens → `ApiToken` credentials (id `00T…`), owner = the token's `userId`: the users
//!   file is a separate file, so the owner's login is the Okta user id, which every Okta
//!   `Account` carries in `aliases` (join by alias);
//! - factors → `RecoveryMethod` credentials owned by the user id of `_links.user`, of the
//!   `_links.self` path `/users/{id}/factors/…`, or of a wrapper.
//!
//! `system` is the Okta org host from the `_links` hrefs (`example.okta.com`), per item, else the
//! file's most common one; an Account whose file shows no host gets `okta`, an owner reference
//! none. Times are RFC 3339 with milliseconds; `null` is unknown (`passwordChanged` null: never
//! set in Okta, or mastered elsewhere). API tokens have no last-use field: the list holds active
//! tokens only and each use renews `expiresAt` to now + `tokenWindow`, so `last_used` is inferred
//! as `expiresAt − tokenWindow` (said so in `detail`).
//!
//! The System Log (`/api/v1/logs`) is read by [`syslog`] into reset-ledger events; [`join`]
//! names their org.
//!
//! Not here: refresh tokens (`/users/{id}/clients/…/tokens`), findings.

pub mod syslog;
#[cfg(test)]
mod tests;

use super::json::field::unknown_because;
use super::json::{self, Node, Val};
use super::text::{url_host, LineIndex};
use super::time::{self, TimeError};
use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Account, AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis,
    OwnerRef, PasswordState, Record, SourceKind, When,
};
use crate::source::registry::{BySniff, ParseInput, Sniff};
use std::collections::BTreeMap;

/// What an Okta export file holds, by its first few KB. Every kind is read the same way (each
/// object by its own properties).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OktaExport {
    Users,
    ApiTokens,
    Factors,
    /// The System Log (`/api/v1/logs`): reset-ledger events ([`syslog`]).
    SystemLog,
}

/// Recognises an Okta export by content; the path is not used.
pub fn sniff(file: &Sniff<'_>) -> Option<OktaExport> {
    if !file.looks_like_json() {
        return None;
    }
    let head = file.lower_head();
    let has = |k: &str| head.contains(k);
    // A LogEvent may carry factor or user fields in its details: test it first.
    // Okta writes `actor` and `authenticationContext` before `eventType`, which a large first
    // event can push past the sniff window.
    if (has("\"eventtype\"") && has("\"published\"") && (has("\"uuid\"") || has("\"actor\"")))
        || (has("\"actor\"") && has("\"alternateid\"") && has("\"authenticationcontext\""))
    {
        return Some(OktaExport::SystemLog);
    }
    if has("\"factortype\"") {
        return Some(OktaExport::Factors);
    }
    if has("\"tokenwindow\"")
        || (has("\"clientname\"") && has("\"userid\"") && has("\"expiresat\""))
    {
        return Some(OktaExport::ApiTokens);
    }
    if has("\"passwordchanged\"")
        || (has("\"statuschanged\"") && has("\"profile\"") && has("\"login\""))
    {
        return Some(OktaExport::Users);
    }
    None
}

/// Okta exports (users, API tokens, factors).
pub static SOURCE: BySniff<OktaExport> = BySniff {
    name: "okta",
    sniff,
    read,
    join: |records| join(records),
    dated_by_file_time: false,
};

fn read(kind: OktaExport, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

/// Parses one export; `path` is the file relative to the scan root.
pub fn parse(kind: OktaExport, path: &str, text: &str) -> Output {
    if kind == OktaExport::SystemLog {
        return syslog::parse(path, text);
    }
    let (values, errors) = json::tree::parse_stream(text);
    let mut hosts: BTreeMap<String, usize> = BTreeMap::new();
    for v in &values {
        collect_hosts(v, &mut hosts, 0);
    }
    let host = hosts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(h, _)| h);
    let mut p = Parser {
        path,
        lines: LineIndex::new(text),
        host,
        out: Output::default(),
        recognised: 0,
        unclassified: (0, 0),
        factors_without_user: (0, 0),
    };
    for v in &values {
        p.value(v, None, 0);
    }
    for e in &errors {
        p.out.diag(json::broken(path, &p.lines, e));
    }
    p.finish()
}

struct Parser<'a> {
    path: &'a str,
    lines: LineIndex<'a>,
    host: Option<String>,
    out: Output,
    recognised: usize,
    unclassified: (usize, usize),
    factors_without_user: (usize, usize),
}

impl Parser<'_> {
    fn here(&self, at: usize) -> Evidence {
        Evidence::at(self.path, self.lines.line_of(at))
    }

    fn malformed(&mut self, at: usize, message: impl Into<String>) {
        let d = Diagnostic::malformed(self.path, self.lines.line_of(at), message);
        self.out.diag(d);
    }

    fn finish(mut self) -> Output {
        let (n, at) = self.unclassified;
        if n > 0 && self.recognised == 0 {
            let d = Diagnostic::unparseable(
                self.path,
                Some(self.lines.line_of(at)),
                format!(
                    "Okta export with an unknown schema: none of its {n} object(s) is a user \
                     (profile.login), an API token (userId, expiresAt) or a factor (factorType)"
                ),
            );
            self.out.diag(d);
        } else if n > 0 {
            self.malformed(
                at,
                format!(
                    "{n} object(s) are neither Okta users, API tokens nor factors; skipped \
                     (first here)"
                ),
            );
        }
        let (n, at) = self.factors_without_user;
        if n > 0 {
            let d = Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                self.here(at),
                format!(
                    "{n} factor(s) whose user the file does not show (no `_links.user`): owner \
                     unknown; keep the API's `_links`, or wrap the list as \
                     {{\"userId\": \"00u…\", \"factors\": [...]}}"
                ),
            );
            self.out.diag(d);
        }
        self.out
    }

    /// The org host of an item's own links, else the file's.
    fn system_of(&self, node: &Node<'_>) -> Option<String> {
        let mut hosts = BTreeMap::new();
        if let Some(links) = node.get("_links") {
            collect_hosts(links, &mut hosts, 0);
        }
        hosts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(h, _)| h)
            .or_else(|| self.host.clone())
    }

    fn value(&mut self, node: &Node<'_>, user: Option<&str>, depth: usize) {
        match &node.val {
            Val::Arr(items) if depth < 3 => {
                for item in items {
                    self.value(item, user, depth + 1);
                }
            }
            Val::Obj(_) => self.object(node, user, depth),
            _ => self.malformed(
                node.at,
                format!(
                    "{} where an Okta object was expected; skipped",
                    node.type_name()
                ),
            ),
        }
    }

    fn object(&mut self, node: &Node<'_>, user: Option<&str>, depth: usize) {
        // A wrapper: {"userId": "00u…", "factors": [...]} (or "value", "items").
        let list = ["factors", "value", "items"]
            .iter()
            .find_map(|k| node.get(k).filter(|n| n.items().is_some()));
        if let (Some(list), true) = (list, depth < 3 && !node.has("factorType")) {
            let owner = node
                .get_str("userId")
                .or_else(|| node.get("user").and_then(|u| u.get_str("id")))
                .or(node.get_str("login"))
                .or(user);
            self.value(list, owner, depth + 1);
            return;
        }
        if node.partial {
            return;
        }
        if node.has("factorType") {
            self.factor(node, user);
        } else if node.has("userId")
            && ["expiresAt", "tokenWindow", "clientName"]
                .iter()
                .any(|k| node.has(k))
        {
            self.token(node);
        } else if node.get("profile").is_some_and(|p| p.has("login")) {
            self.user(node);
        } else {
            if self.unclassified.0 == 0 {
                self.unclassified.1 = node.at;
            }
            self.unclassified.0 += 1;
        }
    }

    fn user(&mut self, node: &Node<'_>) {
        self.recognised += 1;
        let Some(profile) = node.get("profile") else {
            return;
        };
        let login_node = profile.get("login");
        let Some(login) = login_node
            .and_then(Node::str)
            .filter(|s| !s.trim().is_empty())
        else {
            self.malformed(
                login_node.map_or(node.at, |n| n.at),
                "user `profile.login` is not a name; user skipped",
            );
            return;
        };
        let id_node = node.get("id");
        let at = id_node.or(login_node).map_or(node.at, |n| n.at);
        let system = self.system_of(node).unwrap_or_else(|| "okta".to_string());
        let mut account = Account::new(SourceKind::Okta, &system, login, self.here(at));
        if let Some(id) = id_node.and_then(Node::str).filter(|s| !s.is_empty()) {
            account.aliases.push(id.to_string());
        }
        if let Some(email) = profile.get_str("email") {
            account.mail =
                crate::source::directory::mail_addresses([email], std::iter::empty::<&str>());
            if !email.eq_ignore_ascii_case(login) {
                account.aliases.push(email.to_string());
            }
        }
        account.kind = AccountKind::Human;
        let has_password = node
            .get("credentials")
            .and_then(|c| c.get("password"))
            .is_some();
        let changed = self.time(node, "passwordChanged");
        account.password_last_set = time::not_never(changed.0);
        account.password_evidence = changed.1.map(|at| self.here(at));
        let status = node.get("status");
        let (enabled, password) = match status.and_then(Node::str) {
            Some("ACTIVE") => (
                Some(true),
                if has_password || account.password_last_set.is_known() {
                    PasswordState::Set
                } else {
                    PasswordState::Unknown
                },
            ),
            // A reset was forced (expired) or is under way (recovery link sent).
            Some("PASSWORD_EXPIRED") | Some("RECOVERY") => {
                (Some(true), PasswordState::PendingChange)
            }
            // Password sign-in refused; API tokens and sessions still work.
            Some("LOCKED_OUT") => (Some(true), PasswordState::Locked),
            Some("SUSPENDED") | Some("DEPROVISIONED") => (Some(false), PasswordState::Unknown),
            // Not yet activated: cannot sign in, no password.
            Some("STAGED") | Some("PROVISIONED") => (Some(false), PasswordState::NoPassword),
            Some(_) => {
                if let Some(s) = status {
                    self.malformed(s.at, "user `status` is not an Okta user status; ignored");
                }
                (None, PasswordState::Unknown)
            }
            None => {
                if let Some(s) = status {
                    self.malformed(s.at, "user `status` is not a string; ignored");
                }
                (None, PasswordState::Unknown)
            }
        };
        account.enabled = enabled;
        account.password = password;
        account.created = time::not_never(self.time(node, "created").0);
        account.expires = When::Never;
        let provider = node
            .get("credentials")
            .and_then(|c| c.get("provider"))
            .and_then(|p| p.get_str("type"));
        if provider.is_some_and(|t| t == "ACTIVE_DIRECTORY" || t == "LDAP") {
            account.synced_from = Some(String::new());
        }
        self.out.record(Record::Account(account));
    }

    fn token(&mut self, node: &Node<'_>) {
        self.recognised += 1;
        let Some((id, at)) = self.id(node, "API token") else {
            return;
        };
        let mut cred = Credential::new(
            CredentialKind::ApiToken,
            &id,
            "Okta API token",
            self.here(at),
        );
        let user = node.get("userId");
        match user.and_then(Node::str).filter(|s| !s.is_empty()) {
            Some(u) => {
                cred.owner = Some(OwnerRef {
                    system: self.system_of(node),
                    login: u.to_string(),
                })
            }
            None => self.malformed(
                user.map_or(node.at, |n| n.at),
                "API token `userId` is not a string: owner unknown",
            ),
        }
        cred.issued = time::not_never(self.time(node, "created").0);
        if cred.issued.is_known() {
            cred.issued_basis = IssuedBasis::Recorded;
        }
        cred.expires = self.time(node, "expiresAt").0;
        cred.status = CredentialStatus::Active;
        let window = node.get_str("tokenWindow");
        let mut detail = Vec::new();
        if let Some(n) = node.get_str("name") {
            detail.push(format!("name \"{n}\""));
        }
        if let Some(c) = node.get_str("clientName") {
            detail.push(format!("client \"{c}\""));
        }
        if let Some(u) = user.and_then(Node::str) {
            detail.push(format!("userId {u}"));
        }
        if let Some(w) = window {
            detail.push(format!("tokenWindow {w}"));
        }
        if let Some(c) = node.get("network").and_then(|n| n.get_str("connection")) {
            detail.push(format!("network {c}"));
        }
        if let (Some(expires), Some(days)) = (cred.expires.known(), window.and_then(window_days)) {
            let used = expires.checked_sub(jiff::SignedDuration::from_hours(days * 24));
            if let (Ok(used), Some(issued)) = (used, cred.issued.known()) {
                // Expiry = creation + window: never used since creation.
                if used.as_second() > issued.as_second() + 60 {
                    cred.last_used = When::from_timestamp(used);
                    detail.push("last use inferred from expiresAt − tokenWindow".to_string());
                }
            }
        }
        cred.detail = (!detail.is_empty()).then(|| detail.join("; "));
        self.out.record(Record::Credential(cred));
    }

    fn factor(&mut self, node: &Node<'_>, user: Option<&str>) {
        self.recognised += 1;
        let Some((id, at)) = self.id(node, "factor") else {
            return;
        };
        let factor_type = node.get_str("factorType").unwrap_or("unknown");
        let provider = node.get_str("provider");
        let label = match provider {
            Some(p) => format!("Okta {factor_type} factor ({p})"),
            None => format!("Okta {factor_type} factor"),
        };
        let mut cred = Credential::new(CredentialKind::RecoveryMethod, &id, &label, self.here(at));
        let owner = user.map(str::to_string).or_else(|| link_user(node));
        match owner {
            Some(login) => {
                cred.owner = Some(OwnerRef {
                    system: self.system_of(node),
                    login,
                })
            }
            None => {
                if self.factors_without_user.0 == 0 {
                    self.factors_without_user.1 = at;
                }
                self.factors_without_user.0 += 1;
            }
        }
        cred.issued = time::not_never(self.time(node, "created").0);
        if cred.issued.is_known() {
            cred.issued_basis = IssuedBasis::Recorded;
        }
        cred.expires = When::Never;
        let status = node.get("status");
        cred.status = match status.and_then(Node::str) {
            Some("ACTIVE") | Some("ENROLLED") => CredentialStatus::Active,
            Some("PENDING_ACTIVATION") | Some("NOT_SETUP") | Some("INACTIVE") => {
                CredentialStatus::Inactive
            }
            Some("EXPIRED") => CredentialStatus::Expired,
            None if status.is_none() => CredentialStatus::Unknown,
            _ => {
                if let Some(s) = status {
                    self.malformed(s.at, "factor `status` is not an Okta factor status");
                }
                CredentialStatus::Unknown
            }
        };
        let mut detail = format!("factorType {factor_type}");
        if let Some(p) = provider {
            detail.push_str(&format!("; provider {p}"));
        }
        if let Some(v) = node.get_str("vendorName") {
            detail.push_str(&format!("; vendor {v}"));
        }
        if let Some(name) = node
            .get("profile")
            .and_then(|p| p.get_str("authenticatorName").or(p.get_str("name")))
        {
            detail.push_str(&format!("; device \"{name}\""));
        }
        cred.detail = Some(detail);
        self.out.record(Record::Credential(cred));
    }

    /// The item's `id` and its offset; a diagnostic when missing.
    fn id(&mut self, node: &Node<'_>, what: &str) -> Option<(String, usize)> {
        match node.get("id") {
            Some(n) => match n.str().filter(|s| !s.trim().is_empty()) {
                Some(id) => Some((id.to_string(), n.at)),
                None => {
                    self.malformed(n.at, format!("{what} `id` is not a string; skipped"));
                    None
                }
            },
            None => {
                self.malformed(node.at, format!("{what} has no `id`; skipped"));
                None
            }
        }
    }

    /// A time field and the offset of its value; `null` and absent are unknown.
    fn time(&mut self, node: &Node<'_>, key: &str) -> (When, Option<usize>) {
        let Some(n) = node.get(key) else {
            return (When::Unknown, None);
        };
        match &n.val {
            Val::Null => (When::Unknown, Some(n.at)),
            Val::Str(s) => match time::parse(s, false) {
                Ok(w) => (w, Some(n.at)),
                Err(TimeError::Locale | TimeError::NotATime) => {
                    self.malformed(n.at, unknown_because(key, "a date"));
                    (When::Unknown, Some(n.at))
                }
            },
            _ => {
                self.malformed(n.at, unknown_because(key, "a string"));
                (When::Unknown, Some(n.at))
            }
        }
    }
}

/// The user id of a factor's links: `_links.user.href` `…/users/{id}`, or `_links.self.href`
/// `…/users/{id}/factors/{factorId}`.
fn link_user(node: &Node<'_>) -> Option<String> {
    let links = node.get("_links")?;
    if let Some(href) = links.get("user").and_then(|u| u.get_str("href")) {
        let path = href.split(['?', '#']).next().unwrap_or(href);
        let id = path.trim_end_matches('/').rsplit('/').next()?;
        if !id.is_empty() && path.contains("/users/") {
            return Some(id.to_string());
        }
    }
    let href = links.get("self").and_then(|s| s.get_str("href"))?;
    let after = href.split_once("/users/")?.1;
    let (id, rest) = after.split_once('/')?;
    (rest.starts_with("factors") && !id.is_empty()).then(|| id.to_string())
}

/// `P30D` → 30; other durations are not inferred from.
fn window_days(window: &str) -> Option<i64> {
    let days: i64 = window.strip_prefix('P')?.strip_suffix('D')?.parse().ok()?;
    (1..=3650).contains(&days).then_some(days)
}

/// Counts the hosts of every `href` under `node`.
fn collect_hosts(node: &Node<'_>, hosts: &mut BTreeMap<String, usize>, depth: usize) {
    if depth > 8 {
        return;
    }
    match &node.val {
        Val::Obj(members) => {
            for m in members {
                if m.key == "href" {
                    if let Some(h) = m.value.str().and_then(url_host) {
                        *hosts.entry(h).or_default() += 1;
                    }
                } else {
                    collect_hosts(&m.value, hosts, depth + 1);
                }
            }
        }
        Val::Arr(items) => {
            for i in items {
                collect_hosts(i, hosts, depth + 1);
            }
        }
        _ => {}
    }
}

/// After the crawl: a System Log event names no org host, so it takes the system of the
/// scan's Okta user whose login (or email alias) is the event's target, when exactly one org
/// holds such a user; the target then takes that user's login spelling. Otherwise the event
/// keeps `okta`.
pub fn join(records: &mut [Record]) {
    let mut holders: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in records.iter() {
        if let Record::Account(a) = r {
            if a.source == SourceKind::Okta {
                for name in std::iter::once(&a.login).chain(a.aliases.iter()) {
                    let e = holders.entry(name.to_ascii_lowercase()).or_default();
                    if !e.iter().any(|(s, _)| *s == a.system) {
                        e.push((a.system.clone(), a.login.clone()));
                    }
                }
            }
        }
    }
    if holders.is_empty() {
        return;
    }
    for r in records.iter_mut() {
        let Record::Event(e) = r else { continue };
        if e.source != SourceKind::Okta || e.system != syslog::UNNAMED_ORG {
            continue;
        }
        if let Some([(system, login)]) = holders
            .get(&e.target.to_ascii_lowercase())
            .map(Vec::as_slice)
        {
            e.system = system.clone();
            e.target = login.clone();
        }
    }
}
