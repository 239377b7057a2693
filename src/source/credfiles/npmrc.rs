//! `.npmrc` (user `~/.npmrc`, project, global `npmrc`): ini `key = value` lines, `;`/`#`
//! comments, values optionally quoted. Credentials are scoped to a registry by a `//host/path/:`
//! key prefix: `:_authToken` (a bearer token, `npm_…` for npmjs), `:_auth`
//! (`base64(user:password)`), `:_password` (`base64(password)`) with `:username`. The unscoped
//! legacy forms (`_authToken`, `_auth`, `_password`, `username`) apply to `registry`.
//! `${VAR}` is replaced by npm from the environment: the secret is not in the file (a note).

use super::{decode_base64, emit, split_pair, CredFile, Found, Secret};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use crate::source::secret_id::FileSecrets;
use crate::source::{numbered_lines, Output};
use std::collections::BTreeMap;

const FIELDS: [&str; 4] = ["_authtoken", "_auth", "_password", "username"];

/// `(scope, field)` of a credential key: `//host/path/:_authToken` → (`//host/path/`,
/// `_authtoken`); an unscoped `_authToken` → (``, `_authtoken`). `None` for other keys.
fn credential_key(key: &str) -> Option<(&str, String)> {
    let (scope, field) = if key.starts_with("//") {
        key.rsplit_once(':')?
    } else {
        ("", key)
    };
    let field = field.trim().to_ascii_lowercase();
    FIELDS
        .contains(&field.as_str())
        .then_some((scope.trim(), field))
}

/// A `//registry/:_authToken|_auth|_password|username =` line; named `.npmrc`/`npmrc`, also an
/// unscoped `_authToken`/`_auth`/`_password`.
pub(super) fn sniff(head: &str, name: &str) -> bool {
    let named = matches!(name, ".npmrc" | "npmrc");
    // Fast reject: every recognised key is registry-scoped (`//host/:`) or an `_auth*` key.
    if !named && !head.contains("//") && !head.contains("_auth") && !head.contains("_password") {
        return false;
    }
    head.lines().any(|line| {
        let Some((key, _)) = line.trim().split_once('=') else {
            return false;
        };
        match credential_key(key.trim()) {
            Some((scope, field)) => !scope.is_empty() || (named && field != "username"),
            None => false,
        }
    })
}

/// What one registry scope holds.
#[derive(Default)]
struct Scope {
    username: Option<String>,
    password: Option<(String, u32)>,
}

pub(super) fn parse(path: &str, text: &str, namer: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    // `registry` applies to the unscoped settings wherever it is written.
    let default_registry: Option<String> = numbered_lines(text)
        .filter_map(|(_, l)| l.trim().split_once('='))
        .filter(|(k, _)| k.trim() == "registry")
        .map(|(_, v)| registry_name(unquote(v.trim())))
        .last();
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    for (n, line) in numbered_lines(text) {
        let t = line.trim();
        if t.is_empty() || t.starts_with(';') || t.starts_with('#') || t.starts_with('[') {
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            out.diag(Diagnostic::malformed(
                path,
                n,
                "line is not a `key = value` setting",
            ));
            continue;
        };
        let key = key.trim();
        let value = unquote(value.trim());
        let Some((scope, field)) = credential_key(key) else {
            continue;
        };
        let registry = if scope.is_empty() {
            String::new()
        } else {
            registry_name(scope)
        };
        if value.contains("${") {
            if field != "username" {
                out.diag(Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Note,
                    Evidence::at(path, n),
                    format!(
                        "`{field}` of {} comes from environment variable {}; the secret is not in this file",
                        shown(&registry),
                        env_names(value)
                    ),
                ));
            }
            continue;
        }
        match field.as_str() {
            "_authtoken" => {
                let h = host(&registry, &default_registry);
                emit_npm(&mut out, namer, path, n, value, None, &h, "registry token");
            }
            "_auth" => {
                let decoded = decode_base64(value)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .filter(|d| d.contains(':'));
                let Some(decoded) = decoded else {
                    if !value.is_empty() {
                        out.diag(Diagnostic::malformed(
                            path,
                            n,
                            format!(
                                "`_auth` of {} is not base64 of `user:password`",
                                shown(&registry)
                            ),
                        ));
                    }
                    continue;
                };
                let (u, p) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
                let (user, secret) = match split_pair(Some(u), Some(p)) {
                    Secret::Password { user, secret } => (user, secret),
                    Secret::UserToken(token) => (None, token),
                    Secret::None => continue,
                };
                let h = host(&registry, &default_registry);
                emit_npm(
                    &mut out,
                    namer,
                    path,
                    n,
                    secret,
                    user,
                    &h,
                    "registry password",
                );
            }
            "_password" => {
                let decoded = match decode_base64(value) {
                    Some(b) => String::from_utf8_lossy(&b).into_owned(),
                    None => {
                        if !value.is_empty() {
                            out.diag(Diagnostic::malformed(
                                path,
                                n,
                                format!(
                                    "`_password` of {} is not base64 (npm expects the password base64-encoded); reported as written",
                                    shown(&registry)
                                ),
                            ));
                        }
                        value.to_string()
                    }
                };
                scopes.entry(registry).or_default().password = Some((decoded, n));
            }
            _ => {
                scopes.entry(registry).or_default().username = Some(value.to_string());
            }
        }
    }
    for (registry, scope) in &scopes {
        let Some((password, line)) = &scope.password else {
            continue;
        };
        let h = host(registry, &default_registry);
        emit_npm(
            &mut out,
            namer,
            path,
            *line,
            password,
            scope.username.as_deref(),
            &h,
            "registry password",
        );
    }
    out.records.sort_by_key(|r| match r {
        crate::inventory::Record::Credential(c) => c.evidence.line,
        _ => None,
    });
    out
}

#[allow(clippy::too_many_arguments)]
fn emit_npm(
    out: &mut Output,
    namer: &mut FileSecrets<'_>,
    path: &str,
    line: u32,
    secret: &str,
    user: Option<&str>,
    host: &str,
    what: &'static str,
) {
    emit(
        out,
        namer,
        path,
        Found {
            file: CredFile::Npmrc,
            line,
            secret,
            user,
            host: Some(host),
            what,
        },
    );
}

/// A registry scope or URL as labels show it: `//registry.npmjs.org/` → `registry.npmjs.org`,
/// `https://npm.example.org/repo/` → `npm.example.org/repo`.
fn registry_name(scope: &str) -> String {
    let s = scope.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    s.trim_start_matches('/')
        .trim_end_matches('/')
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// The registry of a scope; the unscoped legacy settings use `registry` (npmjs by default).
fn host(registry: &str, default_registry: &Option<String>) -> String {
    if !registry.is_empty() {
        return registry.to_string();
    }
    default_registry
        .clone()
        .unwrap_or_else(|| "registry.npmjs.org".to_string())
}

/// "registry `x`" or "the default registry", for messages.
fn shown(registry: &str) -> String {
    if registry.is_empty() {
        "the default registry".to_string()
    } else {
        format!("registry `{registry}`")
    }
}

/// The `${NAME}` references of a value, as `` `NAME` `` (names only, sanitised).
fn env_names(value: &str) -> String {
    let mut names = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = rest.get(start + 2..).unwrap_or("");
        let end = after.find('}').unwrap_or(after.len());
        let name: String = after
            .get(..end)
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        if !name.is_empty() {
            names.push(format!("`{name}`"));
        }
        rest = after.get(end..).unwrap_or("");
    }
    if names.is_empty() {
        "references".to_string()
    } else {
        names.join(", ")
    }
}

/// Strips one pair of matching surrounding quotes.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}
