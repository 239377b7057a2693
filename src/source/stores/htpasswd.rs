//! Apache `htpasswd` files (also read by nginx `auth_basic_user_file`): one `user:hash` per line,
//! `#` comments. The hash formats `htpasswd` writes (Apache 2.4 `htpasswd(1)`,
//! `apr_password_validate`): `$apr1$` (MD5, the default), `{SHA}` (base64 SHA-1), bcrypt
//! `$2y$`/`$2a$`/`$2b$` (`-B`), SHA-256/SHA-512 crypt `$5$`/`$6$` (`-2`/`-5`, Apache 2.5), DES
//! crypt (13 characters, `-d`) and plain text (`-p`, honoured on Windows and NetWare only).
//!
//! Owns recognising such a file and one `AppPassword` credential per line, owned by the line's
//! user. Recognition: every complete data line is `user:hash` with exactly one `:`, the user
//! without whitespace; by content alone every hash must be one of the self-describing formats
//! (`$apr1$`, `{SHA}`, bcrypt, `$5$`, `$6$`); with the name `.htpasswd`, `htpasswd` or
//! `*.htpasswd` any value counts (DES crypt, plain). A shadow or passwd file (7 to 9 fields) is
//! never claimed.

use crate::diag::Diagnostic;
use crate::inventory::{Credential, CredentialKind, CredentialStatus, Evidence, OwnerRef, Record};
use crate::source::registry::Sniff;
use crate::source::secret_id::FileSecrets;
use crate::source::Output;

/// The format of one hash field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Apr1,
    Sha1,
    Bcrypt,
    Sha256Crypt,
    Sha512Crypt,
    DesCrypt,
    Plain,
}

impl Format {
    fn tag(self) -> &'static str {
        match self {
            Format::Apr1 => "apr1-md5",
            Format::Sha1 => "sha1",
            Format::Bcrypt => "bcrypt",
            Format::Sha256Crypt => "sha256-crypt",
            Format::Sha512Crypt => "sha512-crypt",
            Format::DesCrypt => "des-crypt",
            Format::Plain => "plain",
        }
    }

    /// Self-describing formats: enough to recognise a file without its name.
    fn is_marked(self) -> bool {
        !matches!(self, Format::DesCrypt | Format::Plain)
    }
}

fn crypt64(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
}

/// The format of a hash field.
pub(super) fn format_of(hash: &str) -> Format {
    if let Some(rest) = hash.strip_prefix("$apr1$") {
        if let Some((salt, h)) = rest.split_once('$') {
            if (1..=8).contains(&salt.len()) && h.len() == 22 && crypt64(h) {
                return Format::Apr1;
            }
        }
    }
    if let Some(b64) = hash.strip_prefix("{SHA}") {
        if b64.len() == 28
            && b64.ends_with('=')
            && b64
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            return Format::Sha1;
        }
    }
    for p in ["$2y$", "$2a$", "$2b$"] {
        if let Some(rest) = hash.strip_prefix(p) {
            if let Some((cost, h)) = rest.split_once('$') {
                if cost.len() == 2 && cost.bytes().all(|b| b.is_ascii_digit()) && h.len() == 53 {
                    return Format::Bcrypt;
                }
            }
        }
    }
    for (p, f, len) in [
        ("$5$", Format::Sha256Crypt, 43),
        ("$6$", Format::Sha512Crypt, 86),
    ] {
        if let Some(rest) = hash.strip_prefix(p) {
            let h = rest.rsplit('$').next().unwrap_or("");
            if h.len() == len && crypt64(h) {
                return f;
            }
        }
    }
    if hash.len() == 13 && crypt64(hash) {
        return Format::DesCrypt;
    }
    Format::Plain
}

fn named(file_name: &str) -> bool {
    let n = file_name.to_ascii_lowercase();
    n == ".htpasswd" || n == "htpasswd" || n.ends_with(".htpasswd")
}

/// `(user, hash)` of a data line with exactly one `:` and a user without whitespace.
fn split(line: &str) -> Option<(&str, &str)> {
    let (user, hash) = line.split_once(':')?;
    (!user.is_empty()
        && !hash.contains(':')
        && !user.chars().any(|c| c.is_whitespace() || c.is_control())
        && !hash.chars().any(char::is_whitespace))
    .then_some((user, hash))
}

fn data_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        let t = l.trim();
        (!t.is_empty() && !t.starts_with('#')).then_some((i as u32 + 1, l))
    })
}

pub(super) fn sniff(file: &Sniff<'_>) -> bool {
    let by_name = named(file.file_name());
    // The last line of a cut head may be incomplete: only complete lines count.
    let complete = if file.is_whole() {
        file.head
    } else {
        file.head
            .rfind('\n')
            .and_then(|i| file.head.get(..i))
            .unwrap_or("")
    };
    let mut any = false;
    for (_, line) in data_lines(complete) {
        let Some((_, hash)) = split(line) else {
            return false;
        };
        if !by_name && !format_of(hash).is_marked() {
            return false;
        }
        any = true;
    }
    any
}

pub(super) fn parse(path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    for (line_no, line) in data_lines(text) {
        let Some((user, rest)) = line.split_once(':') else {
            out.diag(Diagnostic::malformed(
                path,
                line_no,
                "htpasswd line without `user:hash`; skipped",
            ));
            continue;
        };
        // Apache reads the hash up to the next `:` (htdigest-style trailing fields).
        let hash = rest.split(':').next().unwrap_or("").trim();
        let user = user.trim();
        // A hash in the user field (a line missing its user) is not a name to report.
        if user.is_empty()
            || user.starts_with('$')
            || user.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            out.diag(Diagnostic::malformed(
                path,
                line_no,
                "htpasswd line with an empty or invalid user; skipped",
            ));
            continue;
        }
        if hash.is_empty() {
            continue;
        }
        let format = format_of(hash);
        let n = names.name(&format!("htpasswd\0{user}"), hash);
        let label = if format == Format::Plain {
            "web application password in clear text (htpasswd)".to_string()
        } else {
            format!("web application password ({} hash, htpasswd)", format.tag())
        };
        let mut c = Credential::new(
            CredentialKind::AppPassword,
            &n.id,
            &label,
            Evidence::at(path, line_no),
        );
        c.owner = Some(OwnerRef {
            system: None,
            login: user.to_string(),
        });
        c.status = CredentialStatus::Active;
        c.detail = Some(format!("htpasswd:{}", format.tag()));
        if format == Format::Plain {
            c.same_secret = Some(n.matcher);
        }
        out.record(Record::Credential(c));
    }
    out
}
