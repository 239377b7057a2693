//! One listed GitHub item to a `Credential` (see the module doc for ids and systems): fine-grained
//! PAT grants and requests, credential authorizations, SSH keys and deploy keys. Every login met
//! is noted for an `Account`. Problems point at the line of the field.

use super::{account_kind, org_of_url, system_for};
use crate::diag::Diagnostic;
use crate::inventory::{
    AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef,
    Record, When,
};
use crate::source::json::field::{bool_field, id_field, str_field, time_field};
use crate::source::json::{Doc, Field, Item, Node};
use crate::source::Output;
use std::collections::BTreeMap;

pub(super) struct Ctx<'a> {
    pub(super) doc: &'a Doc<'a>,
    pub(super) file_org: Option<&'a str>,
    pub(super) path_user: Option<&'a str>,
    /// (system, login) -> (first line, kind)
    pub(super) accounts: BTreeMap<(String, String), (u32, AccountKind)>,
}

fn is_authorization(o: &Node<'_>) -> bool {
    o.has("credential_id") || o.has("credential_type")
}
fn is_fine_grained(o: &Node<'_>) -> bool {
    o.has("token_expired") || o.has("access_granted_at") || o.has("token_id")
}
fn is_key(o: &Node<'_>) -> bool {
    o.get("key").is_some_and(Node::is_str)
}

pub(super) fn is_item(o: &Node<'_>) -> bool {
    is_authorization(o) || is_fine_grained(o) || is_key(o)
}

pub(super) fn item(ctx: &mut Ctx<'_>, item: &Item<'_, '_>, out: &mut Output) {
    let o = item.node;
    let org = org_of_url(o);
    let system = system_for(org.as_deref().or(ctx.file_org));
    if is_authorization(o) {
        authorization(ctx, &system, item, out);
    } else if is_fine_grained(o) {
        fine_grained(ctx, &system, item, out);
    } else if is_key(o) {
        key(ctx, &system, item, out);
    } else {
        out.diag(ctx.doc.malformed_at(
            o,
            "id",
            "item is not a GitHub token, credential authorization or key; skipped",
        ));
    }
}

impl Ctx<'_> {
    /// Notes the login and returns the owner reference.
    fn login(&mut self, system: &str, login: &str, line: u32, kind: AccountKind) -> OwnerRef {
        self.accounts
            .entry((system.to_string(), login.to_string()))
            .or_insert((line, kind));
        OwnerRef {
            system: Some(system.to_string()),
            login: login.to_string(),
        }
    }

    /// A date field: `null` -> `null_means`; absent -> Unknown; a bad value -> Unknown + diagnostic.
    fn date(&self, o: &Node<'_>, key: &str, null_means: When, out: &mut Output) -> When {
        let field = time_field(o, key, When::parse_instant);
        if let Some(problem) = field.time_problem(key) {
            out.diag(self.doc.malformed_at(o, key, problem));
        }
        match field {
            Field::Ok(w) => w,
            Field::Null => null_means,
            _ => When::Unknown,
        }
    }
}

fn nonempty<'m>(o: &'m Node<'_>, key: &str) -> Option<&'m str> {
    match str_field(o, key) {
        Field::Ok(s) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

/// A login string, or `owner.login`/`user.login`.
fn login_in<'m>(o: &'m Node<'_>, keys: &[&str]) -> Option<(&'static str, &'m str)> {
    for key in ["login", "owner", "user", "added_by"] {
        if !keys.contains(&key) {
            continue;
        }
        let found = match o.get(key) {
            Some(v) if v.is_obj() => v.get("login").and_then(Node::str),
            Some(v) => v.str(),
            None => None,
        };
        if let Some(l) = found.map(str::trim).filter(|l| !l.is_empty()) {
            return Some((key, l));
        }
    }
    None
}

fn fine_grained(ctx: &mut Ctx<'_>, system: &str, item: &Item<'_, '_>, out: &mut Output) {
    let (o, doc) = (item.node, ctx.doc);
    let id = match (id_field(o, "token_id"), id_field(o, "id")) {
        (Field::Ok(t), _) => format!("github:pat:{t}"),
        (_, Field::Ok(g)) => format!("github:pat-grant:{g}"),
        _ => {
            out.diag(doc.malformed_at(
                o,
                "id",
                "fine-grained token has no numeric `token_id` or `id`; skipped",
            ));
            return;
        }
    };
    let id_key = if id.starts_with("github:pat:") {
        "token_id"
    } else {
        "id"
    };
    let line = doc.id_line(o, &["id", id_key]);
    // A pending request has `created_at` (and `reason`) instead of `access_granted_at`.
    let request = !o.has("access_granted_at") && (o.has("created_at") || o.has("reason"));
    let mut c = Credential::new(
        CredentialKind::PersonalAccessToken,
        &id,
        "GitHub fine-grained personal access token",
        Evidence::at(doc.path, line),
    );
    match login_in(o, &["owner"]) {
        Some((_, l)) => {
            let kind = account_kind(o.get("owner"));
            c.owner = Some(ctx.login(system, l, doc.key_line(o, "owner"), kind));
        }
        None => out.diag(Diagnostic::malformed(
            doc.path,
            line,
            "fine-grained token has no `owner.login`; owner unknown",
        )),
    }
    let issued_key = if request {
        "created_at"
    } else {
        "access_granted_at"
    };
    c.issued = ctx.date(o, issued_key, When::Unknown, out);
    c.issued_basis = basis(c.issued);
    c.expires = ctx.date(o, "token_expires_at", When::Never, out);
    c.last_used = ctx.date(o, "token_last_used_at", When::Never, out);
    let expired = match bool_field(o, "token_expired") {
        Field::Ok(b) => Some(b),
        Field::WrongType | Field::Invalid => {
            out.diag(doc.malformed_at(o, "token_expired", "`token_expired` is not a boolean"));
            None
        }
        _ => None,
    };
    c.status = match (expired, request) {
        (Some(true), _) => CredentialStatus::Expired,
        (_, true) => CredentialStatus::Inactive,
        (Some(false), false) => CredentialStatus::Active,
        (None, false) => CredentialStatus::Unknown,
    };
    let mut detail = Vec::new();
    if let Some(name) = nonempty(o, "token_name") {
        detail.push(format!("name: {name}"));
    }
    detail.push(if request {
        "pending access request; issued = request time".to_string()
    } else {
        "issued = org approval time (`access_granted_at`), creation unknown".to_string()
    });
    if let Some(sel) = nonempty(o, "repository_selection") {
        detail.push(format!("repositories: {sel}"));
    }
    c.detail = Some(detail.join("; "));
    out.record(Record::Credential(c));
}

fn authorization(ctx: &mut Ctx<'_>, system: &str, item: &Item<'_, '_>, out: &mut Output) {
    let (o, doc) = (item.node, ctx.doc);
    let ctype = nonempty(o, "credential_type").unwrap_or("");
    let lower = ctype.to_ascii_lowercase();
    let kind = if lower.contains("ssh") {
        CredentialKind::SshKey
    } else if lower.contains("personal access token") || lower == "pat" {
        CredentialKind::PersonalAccessToken
    } else if lower.contains("oauth") || lower.contains("app") {
        CredentialKind::OAuthGrant
    } else {
        CredentialKind::ApiToken
    };
    let credential_id = match id_field(o, "credential_id") {
        Field::Ok(i) => Some(i),
        Field::WrongType | Field::Invalid => {
            out.diag(doc.malformed_at(o, "credential_id", "`credential_id` is not a number"));
            None
        }
        _ => None,
    };
    let last8 = match str_field(o, "token_last_eight") {
        Field::Ok(s) if valid_last8(s) => Some(s),
        Field::Ok(_) | Field::WrongType | Field::Invalid => {
            out.diag(doc.malformed_at(
                o,
                "token_last_eight",
                "`token_last_eight` is not eight token characters; ignored",
            ));
            None
        }
        _ => None,
    };
    let fingerprint = nonempty(o, "fingerprint").and_then(normalise_fingerprint);
    let mut display_id = None;
    let (id, id_key) = match (kind, last8, &fingerprint, &credential_id) {
        (CredentialKind::SshKey, _, Some(fp), _) => (fp.clone(), "fingerprint"),
        (_, Some(l8), _, _) if kind != CredentialKind::SshKey => {
            let (id, shown) = crate::source::ids::github_token_ids(l8);
            display_id = Some(shown);
            (id, "token_last_eight")
        }
        (_, _, _, Some(cid)) => (format!("github:credential:{cid}"), "credential_id"),
        _ => {
            out.diag(doc.malformed_at(
                o,
                "credential_id",
                "credential authorization has no `credential_id`, `token_last_eight` or \
                 `fingerprint`; skipped",
            ));
            return;
        }
    };
    let line = doc.id_line(o, &["credential_id", id_key]);
    let label = match kind {
        CredentialKind::SshKey => "GitHub SSH key (SSO-authorised)".to_string(),
        CredentialKind::PersonalAccessToken => {
            "GitHub personal access token (SSO-authorised)".into()
        }
        _ if ctype.is_empty() => "GitHub credential (SSO-authorised)".into(),
        _ => format!("GitHub {ctype} (SSO-authorised)"),
    };
    let mut c = Credential::new(kind, &id, &label, Evidence::at(doc.path, line));
    c.display_id = display_id;
    match login_in(o, &["login", "user", "owner"]) {
        Some((key, l)) => {
            c.owner = Some(ctx.login(system, l, doc.key_line(o, key), AccountKind::Unknown))
        }
        None => out.diag(Diagnostic::malformed(
            doc.path,
            line,
            "credential authorization has no `login`; owner unknown",
        )),
    }
    c.issued = ctx.date(o, "credential_authorized_at", When::Unknown, out);
    c.issued_basis = basis(c.issued);
    c.last_used = ctx.date(o, "credential_accessed_at", When::Never, out);
    c.expires = match kind {
        // SSH keys do not expire.
        CredentialKind::SshKey => When::Never,
        _ => ctx.date(o, "authorized_credential_expires_at", When::Never, out),
    };
    c.status = CredentialStatus::Active;
    let mut detail = vec!["issued = SSO authorisation time, creation unknown".to_string()];
    if kind == CredentialKind::SshKey && fingerprint.is_none() {
        detail.push("no SHA256 fingerprint in the export".into());
    }
    for (key, name) in [
        ("authorized_credential_title", "title"),
        ("authorized_credential_note", "note"),
    ] {
        if let Some(v) = nonempty(o, key) {
            detail.push(format!("{name}: {v}"));
        }
    }
    if let Some(scopes) = o.get("scopes").and_then(Node::items) {
        let s: Vec<&str> = scopes.iter().filter_map(Node::str).collect();
        if !s.is_empty() {
            detail.push(format!("scopes: {}", s.join(" ")));
        }
    }
    c.detail = Some(detail.join("; "));
    out.record(Record::Credential(c));
}

/// GitHub shows the last eight characters of a token: letters, digits, `_`.
fn valid_last8(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `SHA256:<base64>` kept; colon hex (MD5) written `MD5:…` as ssh-keygen does; else unusable.
fn normalise_fingerprint(fp: &str) -> Option<String> {
    if let Some(rest) = fp.strip_prefix("SHA256:") {
        return (!rest.is_empty()).then(|| fp.to_string());
    }
    let hex = fp.strip_prefix("MD5:").unwrap_or(fp);
    let parts: Vec<&str> = hex.split(':').collect();
    if parts.len() == 16
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Some(format!("MD5:{}", hex.to_ascii_lowercase()));
    }
    None
}

fn key(ctx: &mut Ctx<'_>, system: &str, item: &Item<'_, '_>, out: &mut Output) {
    let (o, doc) = (item.node, ctx.doc);
    let url = nonempty(o, "url").unwrap_or("");
    let deploy = url.contains("/repos/") || o.has("added_by");
    let numeric = match id_field(o, "id") {
        Field::Ok(i) => Some(i),
        _ => None,
    };
    let parsed = crate::source::ids::ssh_public_key(nonempty(o, "key").unwrap_or(""))
        .map_err(|why| format!("key {why}"));
    let (id, key_type) = match (&parsed, &numeric) {
        (Ok((t, fp)), _) => (fp.clone(), Some(t.clone())),
        (Err(why), Some(n)) => {
            out.diag(doc.malformed_at(o, "key", format!("{why}; id from the listing's `id`")));
            (format!("github:key:{n}"), None)
        }
        (Err(why), None) => {
            out.diag(doc.malformed_at(o, "key", format!("{why}, and no numeric `id`; skipped")));
            return;
        }
    };
    let line = doc.id_line(o, &["id", "key"]);
    let what = if deploy { "deploy key" } else { "SSH key" };
    let label = match &key_type {
        Some(t) => format!("GitHub {what} ({t})"),
        None => format!("GitHub {what}"),
    };
    let kind = if deploy {
        CredentialKind::DeployKey
    } else {
        CredentialKind::SshKey
    };
    let mut c = Credential::new(kind, &id, &label, Evidence::at(doc.path, line));
    let mut detail = Vec::new();
    if deploy {
        // A deploy key belongs to the repository; whoever added it answers for it.
        if let Some((key, l)) = login_in(o, &["added_by"]) {
            let who = ctx.login(system, l, doc.key_line(o, key), AccountKind::Unknown);
            c.responsible.push(who);
        }
        if let Some(repo) = repo_of(url) {
            detail.push(format!("repository: {repo}"));
        }
    } else {
        let from_item =
            login_in(o, &["user", "owner", "login"]).map(|(k, l)| (doc.key_line(o, k), l));
        // Only a scalar of the wrapper names the owner (`{"login": …, "keys": [...]}`).
        let from_wrapper = item
            .wrapper
            .and_then(|w| {
                login_in(w, &["login", "user"]).filter(|(k, _)| w.get(k).is_some_and(Node::is_str))
            })
            .map(|(_, l)| (line, l));
        let from_path = ctx.path_user.map(|u| (line, u));
        match from_item.or(from_wrapper).or(from_path) {
            Some((at, l)) => {
                let l = l.to_string();
                c.owner = Some(ctx.login(system, &l, at, AccountKind::Unknown));
            }
            None => out.diag(Diagnostic::malformed(
                doc.path,
                line,
                "SSH key names no owner (no `user`/`login` field, wrapper or `users/<login>/keys` \
                 path); owner unknown",
            )),
        }
    }
    c.issued = ctx.date(o, "created_at", When::Unknown, out);
    c.issued_basis = basis(c.issued);
    c.last_used = ctx.date(o, "last_used", When::Never, out);
    c.expires = When::Never;
    c.status = match bool_field(o, "enabled") {
        Field::Ok(false) => CredentialStatus::Inactive,
        _ => CredentialStatus::Active,
    };
    match bool_field(o, "read_only") {
        Field::Ok(true) => detail.push("read-only".into()),
        Field::Ok(false) => detail.push("read-write".into()),
        _ => {}
    }
    if let Some(title) = nonempty(o, "title") {
        detail.push(format!("title: {title}"));
    }
    if !detail.is_empty() {
        c.detail = Some(detail.join("; "));
    }
    out.record(Record::Credential(c));
}

/// `owner/repo` from `https://api.github.com/repos/<owner>/<repo>/keys/<id>`.
fn repo_of(url: &str) -> Option<String> {
    let rest = url.split("/repos/").nth(1)?;
    let mut parts = rest.split('/');
    let (o, r) = (parts.next()?, parts.next()?);
    (!o.is_empty() && !r.is_empty()).then(|| format!("{o}/{r}"))
}

fn basis(w: When) -> IssuedBasis {
    if w.is_known() {
        IssuedBasis::Recorded
    } else {
        IssuedBasis::Unknown
    }
}
