//! `~/.git-credentials` (and `$XDG_CONFIG_HOME/git/credentials`) as git-credential-store writes
//! it: one URL per line, `https://user:pass@host[:port][/path]`, user and password
//! percent-encoded. Parsed as git's `credential_from_url` does: the user part ends at the first
//! `@` before any `/`, `?` or `#`, and the password starts after the first `:` of that part.
//!
//! A token written as the user (`https://ghp_…@github.com`, `https://ghp_…:x-oauth-basic@…`) is
//! the secret and no owner.

use super::{emit, split_pair, CredFile, Found, Secret};
use crate::diag::Diagnostic;
use crate::source::secret_id::FileSecrets;
use crate::source::{numbered_lines, Output};

/// One parsed line.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct CredUrl {
    pub user: String,
    pub password: Option<String>,
    /// `host[:port]`, lower-cased.
    pub host: String,
}

/// Every complete non-blank, non-`#` line is an `http(s)://` credential URL (at least one); with
/// the name `.git-credentials` (or git's XDG `git/credentials`) one URL of any scheme is enough and other lines may be malformed.
/// (`postgres://user:pw@db/app` alone is a connection string, not this file.)
pub(super) fn sniff(head: &str, named: bool) -> bool {
    if !named && !head.contains("://") {
        return false;
    }
    let mut good = 0usize;
    for line in head.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let web = t.starts_with("https://") || t.starts_with("http://");
        let ok = (named || web)
            && parse_url(t).is_some_and(|u| {
                u.password.as_deref().is_some_and(|p| !p.is_empty())
                    || super::classify(&u.user).is_some()
            });
        if ok {
            good += 1;
        } else if !named {
            return false;
        }
    }
    good > 0
}

pub(super) fn parse(path: &str, text: &str, namer: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    for (n, line) in numbered_lines(text) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some(url) = parse_url(t) else {
            out.diag(Diagnostic::malformed(
                path,
                n,
                "line is not a `scheme://user:secret@host` credential URL",
            ));
            continue;
        };
        let (user, secret) = match split_pair(Some(&url.user), url.password.as_deref()) {
            Secret::Password { user, secret } => (user, secret),
            Secret::UserToken(token) => (None, token),
            Secret::None => continue,
        };
        emit(
            &mut out,
            namer,
            path,
            Found {
                file: CredFile::GitCredentials,
                line: n,
                secret,
                user,
                host: Some(&url.host),
                what: "password",
            },
        );
    }
    out
}

/// `scheme://[user[:password]@]host…`; `None` when not such a URL or without a user part.
pub(super) fn parse_url(line: &str) -> Option<CredUrl> {
    let (scheme, rest) = line.split_once("://")?;
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.contains(char::is_whitespace) {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest.find('@').filter(|at| *at < end)?;
    let userinfo = rest.get(..at)?;
    let after = rest.get(at + 1..end)?;
    if after.is_empty() {
        return None;
    }
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(percent_decode(p))),
        None => (userinfo, None),
    };
    Some(CredUrl {
        user: percent_decode(user),
        password,
        host: after.to_ascii_lowercase(),
    })
}

/// Decodes `%XX` escapes; an invalid escape is kept as written.
pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
