//! `~/.aws/credentials` and credentials written into `~/.aws/config`: INI as botocore reads it
//! (Python `configparser`: `[section]`, `key = value` or `key: value`, keys case-insensitive,
//! `#`/`;` comment lines, indented continuation lines). In `config` a section is
//! `[profile name]`; in `credentials` it is `[name]`.
//!
//! Per profile: the access key id becomes a credential whose id is the key id itself (the
//! correlation joins it to `list-access-keys`), the secret access key one with an id from
//! `source::secret_id` (profile and key name) and `detail` `aws-secret-access-key`. The two point at each other through `related`, so they pair
//! even when lines lie between them. `ASIA…` ids are temporary STS keys (status `Unknown`: the
//! file does not say when they expire); `credential_process` means the secret is elsewhere.

use super::is_placeholder;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Credential, CredentialKind, CredentialStatus, Evidence, Record};
use crate::source::secret_id::FileSecrets;
use crate::source::{numbered_lines, Output};
use std::collections::BTreeSet;

/// The keys that make an INI file an AWS credentials file.
const KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "credential_process",
];

/// The AWS documentation's example key pair: never a real credential.
const DOC_EXAMPLE_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const DOC_EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A `[section]` line, then one of `KEYS` as a key.
pub(super) fn sniff(head: &str) -> bool {
    // Fast reject: this runs on most files of a crawl.
    if !(head.contains("aws_") || head.contains("AWS_") || head.contains("credential_process")) {
        return false;
    }
    let mut in_section = false;
    for line in head.lines() {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            in_section = true;
        } else if in_section {
            if let Some((key, _)) = split_key(t) {
                if KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    return true;
                }
            }
        }
    }
    false
}

/// `key = value` or `key: value`, split at the first delimiter as configparser does.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let at = line.find(['=', ':'])?;
    let key = line.get(..at)?.trim();
    let value = line.get(at + 1..)?.trim();
    (!key.is_empty()).then_some((key, value))
}

/// What one profile holds (values are borrowed, never stored in records).
#[derive(Default)]
struct Profile<'a> {
    name: &'a str,
    key_id: Option<(&'a str, u32)>,
    secret: Option<(&'a str, u32)>,
    session_token: bool,
    process: Option<u32>,
}

pub(super) fn parse(path: &str, text: &str, namer: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let mut profiles: Vec<Profile<'_>> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut after_key = false;
    for (n, raw) in numbered_lines(text) {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        // configparser: an indented line after a key continues its value (or is a nested
        // `s3 =` sub-setting in `config`); nothing of ours lives there.
        if after_key && raw.starts_with([' ', '\t']) {
            continue;
        }
        if let Some(inner) = t.strip_prefix('[') {
            after_key = false;
            let Some(inner) = inner.strip_suffix(']') else {
                out.diag(Diagnostic::malformed(
                    path,
                    n,
                    "section header without a closing `]`; the lines below are read as part of the previous profile",
                ));
                continue;
            };
            let inner = inner.trim();
            let name = inner.strip_prefix("profile ").map_or(inner, str::trim);
            if !seen.insert(name) {
                out.diag(Diagnostic::malformed(
                    path,
                    n,
                    format!("profile `{name}` is defined twice; the AWS CLI refuses such a file"),
                ));
            }
            profiles.push(Profile {
                name,
                ..Profile::default()
            });
            continue;
        }
        let Some((key, value)) = split_key(t) else {
            out.diag(Diagnostic::malformed(
                path,
                n,
                "line is neither a `[profile]` header nor a `key = value` setting",
            ));
            after_key = false;
            continue;
        };
        after_key = true;
        let key = key.to_ascii_lowercase();
        if !KEYS.contains(&key.as_str()) {
            continue;
        }
        let Some(profile) = profiles.last_mut() else {
            out.diag(Diagnostic::malformed(
                path,
                n,
                format!("`{key}` before any `[profile]` header; the AWS CLI refuses such a file"),
            ));
            continue;
        };
        match key.as_str() {
            "aws_access_key_id" => profile.key_id = Some((value, n)),
            "aws_secret_access_key" => profile.secret = Some((value, n)),
            "aws_session_token" => profile.session_token = !value.is_empty(),
            _ => profile.process = Some(n),
        }
    }
    for p in &profiles {
        emit_profile(&mut out, namer, path, p);
    }
    out
}

fn emit_profile(out: &mut Output, namer: &mut FileSecrets<'_>, path: &str, p: &Profile<'_>) {
    let key = p
        .key_id
        .filter(|(v, _)| !is_placeholder(v) && *v != DOC_EXAMPLE_KEY_ID);
    let key = key.and_then(|(v, line)| {
        if is_key_id(v) {
            Some((v, line))
        } else {
            out.diag(Diagnostic::malformed(
                path,
                line,
                format!(
                    "`aws_access_key_id` of profile `{}` is not an access key id (16-128 upper-case letters and digits)",
                    p.name
                ),
            ));
            None
        }
    });
    let secret = p
        .secret
        .filter(|(v, _)| !is_placeholder(v) && *v != DOC_EXAMPLE_SECRET);
    if let Some((id, line)) = key {
        let temporary = id.starts_with("ASIA");
        let mut c = Credential::new(
            CredentialKind::PlaintextSecret,
            id,
            "AWS access key id (credentials file)",
            Evidence::at(path, line),
        );
        c.status = if temporary {
            CredentialStatus::Unknown
        } else {
            CredentialStatus::Active
        };
        c.detail = Some(
            match (temporary, p.session_token) {
                (false, _) => "aws-access-key-id",
                (true, true) => "aws-access-key-id temporary-sts session-token",
                (true, false) => "aws-access-key-id temporary-sts",
            }
            .to_string(),
        );
        if let Some((_, sl)) = secret {
            c.related.push(Evidence::at(path, sl));
        }
        out.record(Record::Credential(c));
    }
    if let Some((value, line)) = secret {
        let named = namer.name(
            &format!("aws-credentials\0[{}]\0aws_secret_access_key", p.name),
            value.trim(),
        );
        let mut c = Credential::new(
            CredentialKind::PlaintextSecret,
            &named.id,
            "AWS secret access key (credentials file)",
            Evidence::at(path, line),
        );
        c.same_secret = Some(named.matcher);
        c.status = CredentialStatus::Active;
        c.detail = Some("aws-secret-access-key".to_string());
        if let Some((id, kl)) = key {
            c.related.push(Evidence::at(path, kl));
            // The key id of the same profile names this secret (and, listed, its owner).
            c.paired_with = Some(id.to_string());
        }
        out.record(Record::Credential(c));
    }
    if let Some(line) = p.process {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::at(path, line),
            format!(
                "profile `{}` gets its credentials from `credential_process`; the secret is not in this file",
                p.name
            ),
        ));
    }
}

/// An IAM access key id: 16-128 upper-case letters and digits (`AKIA…`, `ASIA…`).
fn is_key_id(v: &str) -> bool {
    (16..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
