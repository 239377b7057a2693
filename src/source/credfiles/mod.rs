//! Local credential files: `~/.aws/credentials` (and credentials in `~/.aws/config`), docker
//! `config.json` `auths` (also podman `auth.json` and the legacy `.dockercfg`),
//! `.git-credentials`, `.netrc`/`_netrc`, `.pgpass`/`pgpass.conf` and `.npmrc`. Formats:
//! `../shared/reference/formats-cloud-saas.md` §6.2, join keys §0.4.
//!
//! This module owns recognising those files ([`sniff`], by content, the conventional file name
//! only breaking ties), turning each stored secret into a `PlaintextSecret` credential ([`parse`])
//! with the owner the file names, and saying which paths look like such files
//! ([`file_kind_hint`]) so the generic secret extractors can skip them. It does not decide findings
//! and does not join across sources: the correlation joins the ids below.
//!
//! Ids (never a secret): an AWS access key id as written (`AKIA…`/`ASIA…`); `github:last8:` + the
//! last 8 characters of a GitHub token (GitHub's `token_last_eight`); else an id from
//! `source::secret_id` (the file, the field, host and user the secret is stored with, and its
//! occurrence; or, with `--secret-id-key`, an HMAC of the secret, the same id the generic
//! extractors give the same secret). Each record carries the in-scan matcher of its secret.
//!
//! Owners: `OwnerRef { system: None, login }` with the user the file stores next to the secret.
//! `system` stays `None` on purpose: the correlation resolves `Some(system)` to the one account of
//! that system, and a registry or git host (`ghcr.io`, `github.com`) is never an inventory system,
//! so the join would fail; with `None` the login joins the person's identity. The host is in the
//! label instead. Pseudo-users (`x-access-token`, `oauth2`, `AWS`, `__token__`, ...) and users
//! that are themselves tokens are no owner.
//!
//! Times: the files record none; `issued` is `Unknown` (basis `Unknown`) and the caller sets the
//! file's modification time, as for config-file secrets.
//!
//! Recognition rules (the first that matches wins):
//! - docker: JSON object with an `"auths"` object, a `"credsStore"` or `"credHelpers"` key; or a
//!   legacy `.dockercfg` (by name) whose objects hold `"auth"`;
//! - AWS: an INI `[section]` followed by an `aws_access_key_id`, `aws_secret_access_key`,
//!   `aws_session_token` or `credential_process` key;
//! - npmrc: a `//registry/path/:_authToken|_auth|_password|username =` line, or (file named
//!   `.npmrc`/`npmrc`) a top-level `_authToken`/`_auth`/`_password` key;
//! - git-credentials: every complete non-blank line is `http(s)://user:secret@host…` (or a token
//!   as user); with the name `.git-credentials` one such line (any scheme) is enough;
//! - netrc: named `.netrc`/`_netrc`/`netrc` and holding a `machine`/`default` token; or, by content
//!   alone, starting with `machine <host>` whose entry is made only of `login`/`password`/
//!   `account`/`port` keyword-value pairs and has a `password`;
//! - pgpass: named `.pgpass`/`pgpass.conf`/`pgpass` and holding a line of 5 `:`-fields; or, by content
//!   alone, every complete data line has exactly 5 fields, the first four without whitespace
//!   and the port `*` or 1-5 digits.

mod aws;
mod docker;
mod git;
mod netrc;
mod npmrc;
mod pgpass;
#[cfg(test)]
mod tests;

use super::secret_id::FileSecrets;
use super::values::is_placeholder;
use super::{Output, SourceOptions};
use crate::inventory::{Credential, CredentialKind, CredentialStatus, Evidence, OwnerRef, Record};
use crate::source::registry::{BySniff, ParseInput, Sniff};

/// The credential files this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredFile {
    /// `~/.aws/credentials`, or `~/.aws/config` holding keys (INI).
    AwsCredentials,
    /// Docker `config.json` (`auths`, `credsStore`, `credHelpers`), podman `auth.json`,
    /// legacy `.dockercfg`.
    DockerConfig,
    /// `~/.git-credentials` (git-credential-store).
    GitCredentials,
    /// `~/.netrc` / `_netrc`.
    Netrc,
    /// `~/.pgpass` / `%APPDATA%\postgresql\pgpass.conf`.
    Pgpass,
    /// `.npmrc` (user or project).
    Npmrc,
}

impl CredFile {
    /// The file as labels name it.
    fn name(self) -> &'static str {
        match self {
            CredFile::AwsCredentials => "AWS credentials file",
            CredFile::DockerConfig => "docker config.json",
            CredFile::GitCredentials => ".git-credentials",
            CredFile::Netrc => ".netrc",
            CredFile::Pgpass => ".pgpass",
            CredFile::Npmrc => ".npmrc",
        }
    }

    /// The prefix of `Credential::detail`.
    fn tag(self) -> &'static str {
        match self {
            CredFile::AwsCredentials => "aws-credentials",
            CredFile::DockerConfig => "docker-config",
            CredFile::GitCredentials => "git-credentials",
            CredFile::Netrc => "netrc",
            CredFile::Pgpass => "pgpass",
            CredFile::Npmrc => "npmrc",
        }
    }
}

/// Recognises a credential file by content; `path` (relative to the scan root) only breaks ties
/// for the formats that look like ordinary text (netrc, pgpass, git-credentials, npmrc, legacy
/// dockercfg). Only the first 4 KiB are looked at.
pub fn sniff(file: &Sniff<'_>) -> Option<CredFile> {
    let (path, head) = (file.uri, file.head);
    // The last line of a cut head may be incomplete: shape checks ignore it.
    let complete = if !file.is_whole() {
        head.rfind('\n').and_then(|i| head.get(..i)).unwrap_or("")
    } else {
        head
    };
    let name = basename(path);
    if head.trim_start().starts_with('{') {
        return docker::sniff(head, &name).then_some(CredFile::DockerConfig);
    }
    if aws::sniff(head) {
        return Some(CredFile::AwsCredentials);
    }
    if npmrc::sniff(head, &name) {
        return Some(CredFile::Npmrc);
    }
    // git's XDG store `$XDG_CONFIG_HOME/git/credentials` counts as the conventional name.
    let git_named = name == ".git-credentials"
        || (name == "credentials" && file_kind_hint(path) && !path.contains(".aws"));
    if git::sniff(complete, git_named) {
        return Some(CredFile::GitCredentials);
    }
    if netrc::sniff(head, &name) {
        return Some(CredFile::Netrc);
    }
    if pgpass::sniff(complete, &name) {
        return Some(CredFile::Pgpass);
    }
    None
}

/// Local credential files (`~/.aws/credentials`, docker `config.json`, `.git-credentials`, `.netrc`, `.pgpass`, `.npmrc`). They are read by their own format (the secret extractors would report the same secrets again) and carry no dates: the file's time dates them.
pub static SOURCE: BySniff<CredFile> = BySniff {
    name: "credfiles",
    sniff,
    read,
    join: crate::source::registry::no_join,
    dated_by_file_time: true,
};

fn read(kind: CredFile, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text, input.options)
}

/// Parses one credential file; `path` is the file relative to the scan root. Secrets are named
/// by `options.secret_ids`.
pub fn parse(kind: CredFile, path: &str, text: &str, options: &SourceOptions) -> Output {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let names = &mut options.secret_ids.file(path);
    match kind {
        CredFile::AwsCredentials => aws::parse(path, text, names),
        CredFile::DockerConfig => docker::parse(path, text, names),
        CredFile::GitCredentials => git::parse(path, text, names),
        CredFile::Netrc => netrc::parse(path, text, names),
        CredFile::Pgpass => pgpass::parse(path, text, names),
        CredFile::Npmrc => npmrc::parse(path, text, names),
    }
}

/// Whether `path` has the conventional name of a credential file this module reads
/// (`.aws/credentials`, `.aws/config`, `.docker/config.json`, `containers/auth.json`,
/// `.dockercfg`, `.git-credentials`, `git/credentials`, `.netrc`, `_netrc`, `.pgpass`,
/// `pgpass.conf`, `.npmrc`, `npmrc`). Backslashes count as separators; case is ignored.
///
/// Meant for the crawl: when [`sniff`] recognised the file and this says yes, the generic secret
/// extractors can skip it, since this module already reported its secrets with better ids and
/// owners. A conventional name alone is not proof (sniff decides what is parsed).
pub fn file_kind_hint(path: &str) -> bool {
    let norm = path.replace('\\', "/").to_ascii_lowercase();
    let mut parts = norm.rsplit('/');
    let name = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    matches!(
        name,
        ".git-credentials"
            | ".netrc"
            | "_netrc"
            | ".pgpass"
            | "pgpass.conf"
            | ".npmrc"
            | "npmrc"
            | ".dockercfg"
    ) || (parent == ".aws" && matches!(name, "credentials" | "config"))
        || (parent == ".docker" && name == "config.json")
        || (parent == "containers" && name == "auth.json")
        || (parent == "git" && name == "credentials")
}

/// What a secret is, recognised by its documented prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Class {
    /// Machine-readable class for `detail`.
    tag: &'static str,
    label: &'static str,
    /// A GitHub token: id `github:last8:…`.
    github: bool,
}

/// Token prefixes (GitHub, GitLab, Docker Hub, npm, Atlassian): a token survives the owner's
/// password reset, a password does not.
const PREFIXES: &[(&str, Class)] = &[
    (
        "github_pat_",
        Class {
            tag: "github-token",
            label: "GitHub fine-grained personal access token",
            github: true,
        },
    ),
    (
        "ghp_",
        Class {
            tag: "github-token",
            label: "GitHub personal access token",
            github: true,
        },
    ),
    (
        "gho_",
        Class {
            tag: "github-token",
            label: "GitHub OAuth token",
            github: true,
        },
    ),
    (
        "ghu_",
        Class {
            tag: "github-token",
            label: "GitHub user-to-server token",
            github: true,
        },
    ),
    (
        "ghs_",
        Class {
            tag: "github-token",
            label: "GitHub app installation token",
            github: true,
        },
    ),
    (
        "ghr_",
        Class {
            tag: "github-token",
            label: "GitHub refresh token",
            github: true,
        },
    ),
    (
        "glpat-",
        Class {
            tag: "gitlab-token",
            label: "GitLab personal access token",
            github: false,
        },
    ),
    (
        "gldt-",
        Class {
            tag: "gitlab-token",
            label: "GitLab deploy token",
            github: false,
        },
    ),
    (
        "dckr_pat_",
        Class {
            tag: "docker-token",
            label: "Docker Hub personal access token",
            github: false,
        },
    ),
    (
        "dckr_oat_",
        Class {
            tag: "docker-token",
            label: "Docker Hub organization access token",
            github: false,
        },
    ),
    (
        "npm_",
        Class {
            tag: "npm-token",
            label: "npm access token",
            github: false,
        },
    ),
    (
        "ATBB",
        Class {
            tag: "bitbucket-app-password",
            label: "Bitbucket app password",
            github: false,
        },
    ),
    (
        "ATATT",
        Class {
            tag: "atlassian-token",
            label: "Atlassian API token",
            github: false,
        },
    ),
];

/// The class of a token by prefix; `None` for a password or an unrecognised token. The value
/// after the prefix must be long enough to be a token, not a word such as `npm_cache`.
fn classify(secret: &str) -> Option<Class> {
    let s = secret.trim();
    PREFIXES.iter().find_map(|(p, class)| {
        let rest = s.strip_prefix(p)?;
        (rest.len() >= 16
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .then_some(*class)
    })
}

/// User names that identify no person: conventional users of token logins (GitHub
/// `x-access-token`, GitLab `oauth2`, Bitbucket `x-token-auth`, ECR `AWS`, GCR `_json_key`,
/// `oauth2accesstoken`, ACR's null GUID, PyPI `__token__`) and anonymous FTP.
const PSEUDO_USERS: &[&str] = &[
    "x-access-token",
    "x-oauth-basic",
    "x-token-auth",
    "oauth",
    "oauth2",
    "oauth2accesstoken",
    "token",
    "_token",
    "__token__",
    "git",
    "aws",
    "_json_key",
    "_json_key_base64",
    "gitlab-ci-token",
    "personalaccesstoken",
    "pat",
    "00000000-0000-0000-0000-000000000000",
    "anonymous",
    "ftp",
];

/// The owner a stored user name stands for, or `None` for a pseudo-user, a reference, a token,
/// or something that is not a login.
fn owner_ref(user: Option<&str>) -> Option<OwnerRef> {
    let u = user?.trim();
    if u.is_empty()
        || u.len() > 256
        || classify(u).is_some()
        || PREFIXES.iter().any(|(p, _)| u.starts_with(p))
        || PSEUDO_USERS.contains(&u.to_ascii_lowercase().as_str())
        || u.contains("${")
        || u.starts_with('$')
        || u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some(OwnerRef {
        system: None,
        login: u.to_string(),
    })
}

/// Passwords that only go with a token written as the user
/// (`https://ghp_…:x-oauth-basic@github.com`).
const TOKEN_COMPANIONS: &[&str] = &["x-oauth-basic", "x-oauth-token"];

/// Which of a (user, password) pair is the secret.
#[derive(Debug, PartialEq, Eq)]
enum Secret<'a> {
    /// The password field, with the user as owner candidate.
    Password {
        user: Option<&'a str>,
        secret: &'a str,
    },
    /// A token written in the user field (`https://ghp_…@github.com`): no owner.
    UserToken(&'a str),
    None,
}

fn split_pair<'a>(user: Option<&'a str>, password: Option<&'a str>) -> Secret<'a> {
    let password = password.filter(|p| !p.is_empty());
    // A token in the user field is the secret whatever the password is: usually empty or a
    // companion (`x-oauth-basic`), and never a login to report.
    if let Some(u) = user.filter(|u| classify(u).is_some()) {
        return Secret::UserToken(u);
    }
    match password {
        // `x-oauth-basic` only goes with a token in the user field; alone it is nothing.
        Some(p) if TOKEN_COMPANIONS.contains(&p.to_ascii_lowercase().as_str()) => Secret::None,
        Some(secret) => Secret::Password { user, secret },
        None => Secret::None,
    }
}

/// A secret found in a credential file, before it becomes a record.
struct Found<'a> {
    file: CredFile,
    line: u32,
    secret: &'a str,
    user: Option<&'a str>,
    /// Where the secret is used (registry, git host, machine, database), for the label.
    host: Option<&'a str>,
    /// What an unrecognised secret is called ("password", "registry password").
    what: &'static str,
}

/// Turns a found secret into a credential, unless it is a placeholder. Returns whether one was
/// recorded.
fn emit(out: &mut Output, namer: &mut FileSecrets<'_>, path: &str, f: Found<'_>) -> bool {
    let secret = f.secret.trim();
    if is_placeholder(secret) {
        return false;
    }
    let anonymous = f
        .user
        .is_some_and(|u| matches!(u.trim().to_ascii_lowercase().as_str(), "anonymous" | "ftp"));
    if anonymous {
        return false;
    }
    let class = classify(secret);
    let what = class.map_or(f.what, |c| c.label);
    // The place of the secret: file, field, host and user (never the secret).
    let named = namer.name(
        &format!(
            "{}\0{what}\0{}\0{}",
            f.file.tag(),
            f.host.unwrap_or(""),
            f.user.unwrap_or("")
        ),
        secret,
    );
    let (id, display_id) = match class {
        Some(c) if c.github => {
            let (id, shown) = crate::source::ids::github_token_ids(&last8(secret));
            (id, Some(shown))
        }
        _ => (named.id, None),
    };
    let label = match f.host.filter(|h| !h.is_empty()) {
        Some(host) => format!("{what} for {host} ({})", f.file.name()),
        None => format!("{what} ({})", f.file.name()),
    };
    let mut c = Credential::new(
        CredentialKind::PlaintextSecret,
        &id,
        &label,
        Evidence::at(path, f.line),
    );
    c.display_id = display_id;
    c.owner = owner_ref(f.user);
    c.status = CredentialStatus::Active;
    c.same_secret = Some(named.matcher);
    c.detail = Some(format!(
        "{}:{}",
        f.file.tag(),
        class.map_or("password", |c| c.tag)
    ));
    out.record(Record::Credential(c));
    true
}

/// The last 8 characters of a token: what GitHub's credential authorizations list as
/// `token_last_eight`.
fn last8(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    chars
        .get(chars.len().saturating_sub(8)..)
        .unwrap_or(&[])
        .iter()
        .collect()
}

/// Decodes base64 as docker and npm write it (standard, padding optional; URL-safe tolerated).
fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let v = value.trim();
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(v).ok())
}

/// The lower-cased last component of a path (`/` or `\` separated).
fn basename(path: &str) -> String {
    path.rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// 1-based line of a byte offset (the text toolkit's index, for the few lines a docker config
/// reports).
fn line_of(text: &str, byte: usize) -> u32 {
    crate::source::text::LineIndex::new(text).line_of(byte)
}
