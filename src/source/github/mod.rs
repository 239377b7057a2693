//! GitHub organisation exports (REST JSON as `gh api --paginate` writes it):
//! fine-grained PAT grants and requests (`/orgs/{org}/personal-access-tokens[-requests]`), SAML SSO
//! credential authorizations (`/orgs/{org}/credential-authorizations`: classic PATs, SSH keys,
//! OAuth app tokens), user SSH keys (`/users/{u}/keys`, `/user/keys`) and deploy keys
//! (`/repos/{o}/{r}/keys`). Formats: `../shared/reference/formats-cloud-saas.md` §4.1.
//!
//! This module owns recognising those exports by content ([`sniff`]) and turning them into
//! `Credential` records and an `Account` per GitHub login seen ([`parse`]). It does not decide
//! findings and does not know other sources. GitHub has no password-change record of its own (with
//! SSO the password of record is the IdP's): accounts carry `password_last_set` Unknown and link
//! to other systems by login or by `--identities`.
//!
//! Ids (never the token):
//! - a token with `token_last_eight` (credential authorizations): `github:last8:<last eight>`, the
//!   join key for a token found in `.git-credentials`, `.netrc` or a docker `auth` (its last eight
//!   characters); without it `github:credential:<credential_id>`;
//! - a fine-grained PAT: `github:pat:<token_id>` (else `github:pat-grant:<id>`);
//! - SSH and deploy keys: the `SHA256:` fingerprint `ssh-keygen -l` prints, computed from `key`
//!   (or the authorization's `fingerprint`), so a key also found in an `authorized_keys` file is
//!   the same credential; else `github:key:<id>`.
//!
//! System: `github:<org>` when a URL in the export names the org (`/orgs/<org>/`,
//! `/repos/<org>/<repo>/`), else `github` (logins are unique across GitHub).
//!
//! Times: RFC 3339 (`2026-08-03T14:22:51Z`); `null` = never used / no expiry.

mod items;
#[cfg(test)]
mod tests;

use super::json::{self, Doc, Node, Shape};
use super::Output;
use crate::inventory::{Account, AccountKind, Evidence, Record, SourceKind};
use crate::source::registry::{BySniff, ParseInput, Sniff};
use std::collections::BTreeMap;

/// The GitHub exports this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitHubExport {
    /// Fine-grained PAT grants or pending requests of an organisation.
    PersonalAccessTokens,
    /// SAML SSO credential authorizations (classic PATs, SSH keys, OAuth tokens).
    CredentialAuthorizations,
    /// SSH keys of users, or deploy keys of repositories.
    Keys,
}

/// The system when no URL names the organisation.
const SYSTEM: &str = "github";

/// Recognises a GitHub export by content; the path is not used. Only the first few KB are
/// looked at, textually.
pub fn sniff(file: &Sniff<'_>) -> Option<GitHubExport> {
    let head = file.body_head();
    if !file.looks_like_json() {
        return None;
    }
    let has = |k: &str| json::has_key(head, k);
    if has("credential_authorized_at") || has("token_last_eight") || has("credential_type") {
        return Some(GitHubExport::CredentialAuthorizations);
    }
    if has("access_granted_at")
        || (has("token_expired") && (has("token_expires_at") || has("token_id")))
    {
        return Some(GitHubExport::PersonalAccessTokens);
    }
    if has("id") {
        if let Some(v) = json::key_value_after(head, "key") {
            let v = v.trim_start_matches('"');
            let key_type = v.split([' ', '"']).next().unwrap_or("");
            if crate::source::ids::is_ssh_key_type(key_type) {
                return Some(GitHubExport::Keys);
            }
        }
    }
    None
}

/// GitHub organisation exports (PATs, SSO authorisations, keys).
pub static SOURCE: BySniff<GitHubExport> = BySniff {
    name: "github",
    sniff,
    read,
    join: crate::source::registry::no_join,
    dated_by_file_time: false,
};

fn read(kind: GitHubExport, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

/// Parses one export; `path` is the file relative to the scan root. Items are recognised by
/// their fields, so a file that merges several listings loses nothing.
pub fn parse(_kind: GitHubExport, path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    let shape = Shape {
        // `keys` and `credentials` wrap per-member loops (`{"login": …, "keys": [...]}`).
        list_keys: &["keys", "items", "credentials", "personal_access_tokens"],
        is_item: &items::is_item,
        what: "GitHub tokens, credential authorizations or keys",
    };
    let file_org = org_in(text);
    let path_user = user_in_path(path);
    let mut ctx = items::Ctx {
        doc: &doc,
        file_org: file_org.as_deref(),
        path_user: path_user.as_deref(),
        accounts: BTreeMap::new(),
    };
    for item in doc.items(&shape, &mut out) {
        items::item(&mut ctx, &item, &mut out);
    }
    doc.report_breaks(&mut out);
    for ((system, login), (line, kind)) in ctx.accounts {
        let mut a = Account::new(
            SourceKind::GitHub,
            &system,
            &login,
            Evidence::at(path, line),
        );
        a.kind = kind;
        out.record(Record::Account(a));
    }
    out
}

/// The organisation named by the first GitHub API URL in `text` (`/orgs/<org>/`,
/// `/repos/<org>/`), lower-cased as GitHub compares them.
fn org_in(text: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for marker in ["api.github.com/orgs/", "api.github.com/repos/"] {
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|t| t.find(marker)) {
            let at = from + found + marker.len();
            from = at;
            let name: String = text
                .get(at..)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
                .collect();
            if !name.is_empty() {
                if best.as_ref().is_none_or(|(p, _)| at < *p) {
                    best = Some((at, name.to_ascii_lowercase()));
                }
                break;
            }
        }
    }
    best.map(|(_, n)| n)
}

/// The organisation in one URL field of an item.
fn org_of_url(obj: &Node<'_>) -> Option<String> {
    ["url", "repositories_url", "html_url"]
        .iter()
        .filter_map(|k| obj.get(k).and_then(Node::str))
        .find_map(org_in)
}

/// `…/users/<u>/keys…` in the path (the REST route saved as a file path).
fn user_in_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    parts.windows(3).find_map(|w| match w {
        [a, u, k] if a.eq_ignore_ascii_case("users") && k.starts_with("keys") && !u.is_empty() => {
            Some((*u).to_string())
        }
        _ => None,
    })
}

fn system_for(org: Option<&str>) -> String {
    match org {
        Some(o) => format!("{SYSTEM}:{o}"),
        None => SYSTEM.to_string(),
    }
}

/// A GitHub `owner.type` of `Bot` is a service account.
fn account_kind(owner: Option<&Node<'_>>) -> AccountKind {
    match owner.and_then(|o| o.get("type")).and_then(Node::str) {
        Some("Bot") => AccountKind::Service,
        _ => AccountKind::Unknown,
    }
}
