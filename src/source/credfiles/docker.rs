//! Docker `config.json` (and podman/skopeo `auth.json`, a `.dockerconfigjson` Secret payload, the
//! legacy `~/.dockercfg` without the `auths` wrapper).
//!
//! `auths.<registry>.auth` is `base64("user:secret")` (docker splits at the first `:`); entries
//! may instead carry `username`/`password` (other writers), `identitytoken` (an OAuth refresh
//! token, e.g. Azure ACR with the null-GUID user) or `registrytoken` (a bearer token). An empty
//! entry `{}` is what docker writes when a credential store holds the secret. `credsStore` and
//! `credHelpers` mean the secrets are elsewhere: one `Incomplete` note each.

use super::{decode_base64, emit, line_of, split_pair, CredFile, Found, Secret};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use crate::source::secret_id::FileSecrets;
use crate::source::Output;
use serde_json::{Map, Value};

/// `{` … `"auths": {`, or a `credsStore`/`credHelpers` key; a legacy `.dockercfg` by name with an
/// `"auth"` string.
pub(super) fn sniff(head: &str, name: &str) -> bool {
    find_key(head, 0, "auths").is_some_and(|at| value_starts(head, at, "auths", '{'))
        || find_key(head, 0, "credsStore").is_some()
        || find_key(head, 0, "credHelpers")
            .is_some_and(|at| value_starts(head, at, "credHelpers", '{'))
        || (name == ".dockercfg"
            && find_key(head, 0, "auth").is_some_and(|at| value_starts(head, at, "auth", '"')))
}

pub(super) fn parse(path: &str, text: &str, namer: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.diag(Diagnostic::unparseable(
                path,
                u32::try_from(e.line()).ok().filter(|l| *l > 0),
                // serde_json's own message can quote input (a secret): name the category only.
                format!(
                    "docker config is not valid JSON ({}); no registry credential was read",
                    match e.classify() {
                        serde_json::error::Category::Eof => "truncated",
                        serde_json::error::Category::Syntax => "syntax error",
                        serde_json::error::Category::Data => "wrong type",
                        serde_json::error::Category::Io => "read error",
                    }
                ),
            ));
            return out;
        }
    };
    let Some(root) = root.as_object() else {
        out.diag(Diagnostic::unparseable(
            path,
            Some(1),
            "docker config is not a JSON object; no registry credential was read",
        ));
        return out;
    };
    let auths_at = find_key(text, 0, "auths").unwrap_or(0);
    match root.get("auths") {
        Some(Value::Object(auths)) => registries(&mut out, namer, path, text, auths, auths_at),
        Some(Value::Null) | None => {
            if !root.contains_key("credsStore") && !root.contains_key("credHelpers") {
                // Legacy `.dockercfg`: registries at the top level.
                let legacy: Map<String, Value> = root
                    .iter()
                    .filter(|(_, v)| v.get("auth").is_some())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                registries(&mut out, namer, path, text, &legacy, 0);
            }
        }
        Some(_) => out.diag(Diagnostic::malformed(
            path,
            line_of(text, auths_at),
            "`auths` is not an object; no registry credential was read from it",
        )),
    }
    if let Some(store) = root.get("credsStore") {
        let at = find_key(text, 0, "credsStore").unwrap_or(0);
        match store.as_str().filter(|s| !s.is_empty()) {
            Some(helper) => out.diag(note(
                path,
                line_of(text, at),
                format!(
                    "docker keeps its registry credentials in the `{}` credential store (`docker-credential-{}`), not in this file",
                    printable(helper),
                    printable(helper)
                ),
            )),
            None if !store.is_string() => out.diag(Diagnostic::malformed(
                path,
                line_of(text, at),
                "`credsStore` is not a string",
            )),
            None => {}
        }
    }
    if let Some(helpers) = root.get("credHelpers") {
        let at = find_key(text, 0, "credHelpers").unwrap_or(0);
        match helpers.as_object() {
            Some(map) if !map.is_empty() => {
                let mut names: Vec<String> = map.keys().map(|k| printable(&host_of(k))).collect();
                names.sort();
                names.dedup();
                out.diag(note(
                    path,
                    line_of(text, at),
                    format!(
                        "the credentials of {} registr{} ({}) are kept by docker credential helpers, not in this file",
                        names.len(),
                        if names.len() == 1 { "y" } else { "ies" },
                        names.join(", ")
                    ),
                ));
            }
            Some(_) => {}
            None => out.diag(Diagnostic::malformed(
                path,
                line_of(text, at),
                "`credHelpers` is not an object",
            )),
        }
    }
    out
}

/// One credential per secret of each registry entry, in registry order.
fn registries(
    out: &mut Output,
    namer: &mut FileSecrets<'_>,
    path: &str,
    text: &str,
    auths: &Map<String, Value>,
    from: usize,
) {
    let mut names: Vec<&String> = auths.keys().collect();
    names.sort();
    for registry in names {
        let Some(entry) = auths.get(registry) else {
            continue;
        };
        let quoted = serde_json::to_string(registry).unwrap_or_default();
        let reg_at = find_quoted(text, from, &quoted).unwrap_or(from);
        let host = host_of(registry);
        let line_for = |field: &str| line_of(text, find_key(text, reg_at, field).unwrap_or(reg_at));
        let Some(entry) = entry.as_object() else {
            out.diag(Diagnostic::malformed(
                path,
                line_of(text, reg_at),
                format!(
                    "the entry of registry `{}` is not an object",
                    printable(&host)
                ),
            ));
            continue;
        };
        let field = |name: &str| -> Option<&str> { entry.get(name).and_then(Value::as_str) };
        for name in [
            "auth",
            "username",
            "password",
            "identitytoken",
            "registrytoken",
        ] {
            if entry
                .get(name)
                .is_some_and(|v| !v.is_string() && !v.is_null())
            {
                out.diag(Diagnostic::malformed(
                    path,
                    line_for(name),
                    format!(
                        "`{name}` of registry `{}` is not a string",
                        printable(&host)
                    ),
                ));
            }
        }
        // The user from `auth` (or `username`), the owner of every secret of the entry.
        let mut user: Option<String> = field("username")
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        if let Some(auth) = field("auth").filter(|a| !a.trim().is_empty()) {
            let line = line_for("auth");
            match decode_base64(auth) {
                None => out.diag(Diagnostic::malformed(
                    path,
                    line,
                    format!("`auth` of registry `{}` is not base64", printable(&host)),
                )),
                Some(bytes) => {
                    let decoded = String::from_utf8_lossy(&bytes);
                    match decoded.split_once(':') {
                        None => out.diag(Diagnostic::malformed(
                            path,
                            line,
                            format!(
                                "`auth` of registry `{}` does not decode to `user:secret`",
                                printable(&host)
                            ),
                        )),
                        Some((u, secret)) => match split_pair(Some(u), Some(secret)) {
                            Secret::Password { user: u, secret } => {
                                user = u.map(str::to_string);
                                emit_one(
                                    out,
                                    namer,
                                    path,
                                    line,
                                    secret,
                                    u,
                                    &host,
                                    "registry password",
                                );
                            }
                            Secret::UserToken(token) => {
                                user = None;
                                emit_one(
                                    out,
                                    namer,
                                    path,
                                    line,
                                    token,
                                    None,
                                    &host,
                                    "registry token",
                                );
                            }
                            Secret::None => user = Some(u.to_string()),
                        },
                    }
                }
            }
        } else if let Some(password) = field("password").filter(|p| !p.is_empty()) {
            match split_pair(user.as_deref(), Some(password)) {
                Secret::Password { user: u, secret } => emit_one(
                    out,
                    namer,
                    path,
                    line_for("password"),
                    secret,
                    u,
                    &host,
                    "registry password",
                ),
                Secret::UserToken(token) => {
                    emit_one(
                        out,
                        namer,
                        path,
                        line_for("username"),
                        token,
                        None,
                        &host,
                        "registry token",
                    );
                    user = None;
                }
                Secret::None => {}
            }
        }
        for (name, what) in [
            (
                "identitytoken",
                "registry identity token (OAuth refresh token)",
            ),
            ("registrytoken", "registry bearer token"),
        ] {
            if let Some(token) = field(name).filter(|t| !t.is_empty()) {
                emit_one(
                    out,
                    namer,
                    path,
                    line_for(name),
                    token,
                    user.as_deref(),
                    &host,
                    what,
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_one(
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
            file: CredFile::DockerConfig,
            line,
            secret,
            user,
            host: Some(host),
            what,
        },
    );
}

fn note(path: &str, line: u32, message: String) -> Diagnostic {
    Diagnostic::new(
        DiagKind::Incomplete,
        Severity::Note,
        Evidence::at(path, line),
        message,
    )
}

/// The registry host of an `auths` key: `https://index.docker.io/v1/` → `index.docker.io`.
fn host_of(registry: &str) -> String {
    let r = registry.trim();
    let r = r.split_once("://").map_or(r, |(_, rest)| rest);
    r.split('/').next().unwrap_or(r).to_ascii_lowercase()
}

/// A registry or helper name for a message: control characters and over-long names cut.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// Byte position of the JSON key `"key"` followed by `:` at or after `from`.
fn find_key(text: &str, from: usize, key: &str) -> Option<usize> {
    find_quoted(text, from, &format!("\"{key}\""))
}

/// Byte position of `quoted` (a JSON string with its quotes) used as a key at or after `from`.
fn find_quoted(text: &str, from: usize, quoted: &str) -> Option<usize> {
    let mut at = from;
    loop {
        let pos = at + text.get(at..)?.find(quoted)?;
        let after = text.get(pos + quoted.len()..).unwrap_or("").trim_start();
        if after.starts_with(':') {
            return Some(pos);
        }
        at = pos + quoted.len();
    }
}

/// The value of the key found at `at` begins with `c`.
fn value_starts(text: &str, at: usize, key: &str, c: char) -> bool {
    text.get(at + key.len() + 2..)
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .is_some_and(|v| v.trim_start().starts_with(c))
}
