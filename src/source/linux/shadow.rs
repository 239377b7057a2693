//! `/etc/shadow` (shadow(5): `name:pw:lastchg:min:max:warn:inactive:expire:reserved`).
//!
//! Owns the password-field markers and the day-count sentinels: `lastchg` `0` is a pending
//! forced change (not 1970), empty means aging is off (unknown), `expire` empty or `-1` is
//! never, `0` is ambiguous per the man page (unknown). The hash itself is classified and
//! dropped at once; a copy redacted to the state of each hash (`!`, `*`, `!!`, empty, or the
//! `$id$` scheme: the README's collection recipe) is read exactly as the original. A complete,
//! usable hash also yields a `SecretMatch` under a per-process salt that is never written, so
//! the same password copied to several hosts can be told (RG504) without keeping the hash.

use crate::diag::Diagnostic;
use crate::inventory::{PasswordState, SecretMatch, When};
use crate::source::secret_id::SecretIdScheme;
use crate::source::{numbered_lines, Output};

/// What `lastchg` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LastChange {
    /// `0`: the user must change the password at next login.
    Pending,
    /// Empty (aging disabled) or unusable.
    Unknown,
    Day(When),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShadowEntry {
    pub(crate) login: String,
    pub(crate) password: PasswordState,
    pub(crate) lastchg: LastChange,
    pub(crate) expire: When,
    pub(crate) line: u32,
    /// Joins equal usable hashes across the hosts of one scan; `None` for locks, markers and
    /// redacted copies.
    pub(crate) matcher: Option<SecretMatch>,
}

/// A matcher for a field that holds a whole usable hash: `$id$[params$]salt$hash` with a
/// non-empty hash part, or a traditional DES hash. A redacted copy (`$6$`) has none. The salt
/// is the scan's (`SecretIdScheme`: random and never written, or derived from
/// `--secret-id-key` so shards scanned apart join).
pub(crate) fn hash_matcher(field: &str, scheme: &SecretIdScheme) -> Option<SecretMatch> {
    if classify_password(field) != PasswordState::Set {
        return None;
    }
    let whole = match field.strip_prefix('$') {
        Some(rest) => {
            let parts: Vec<&str> = rest.split('$').collect();
            parts.len() >= 3 && parts.last().is_some_and(|h| h.len() >= 8)
        }
        None => true,
    };
    whole.then(|| scheme.matcher(field))
}

/// Whether a password field holds something crypt(3) could verify, or the state of one as a
/// redacted copy keeps it (README's shadow recipe): the bare `$id$` scheme (`$6$`, `$y$`,
/// `$2b$`), or `$des$` for a traditional DES hash.
fn looks_like_hash(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('$') {
        return rest.len() > 2
            || (rest.len() == 2 && rest.ends_with('$') && !rest.starts_with('$'));
    }
    let crypt_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
    // Traditional DES (13 chars) and BSDi extended DES (`_` + 19 chars).
    (s.len() == 13 && s.chars().all(crypt_char))
        || (s.len() == 20 && s.starts_with('_') && s.chars().skip(1).all(crypt_char))
}

/// Classifies a passwd/shadow password field without keeping it.
pub(crate) fn classify_password(field: &str) -> PasswordState {
    if field.is_empty() {
        return PasswordState::Empty;
    }
    if let Some(rest) = field.strip_prefix('!') {
        let rest = rest.trim_start_matches('!');
        return if looks_like_hash(rest) {
            PasswordState::Locked
        } else {
            PasswordState::NoPassword
        };
    }
    if looks_like_hash(field) {
        PasswordState::Set
    } else {
        // `*`, `*LK*`, `NP`, `x` without shadow...: nothing crypt(3) can match.
        PasswordState::NoPassword
    }
}

fn parse_days(field: &str) -> Result<Option<i64>, ()> {
    let f = field.trim();
    if f.is_empty() {
        return Ok(None);
    }
    f.parse::<i64>().map(Some).map_err(|_| ())
}

pub(crate) fn parse(
    text: &str,
    shown: &str,
    out: &mut Output,
    scheme: &SecretIdScheme,
) -> Vec<ShadowEntry> {
    let mut entries = Vec::new();
    for (n, line) in numbered_lines(text) {
        if line.trim().is_empty() || line.starts_with('#') || super::passwd::is_nis_compat(line) {
            continue;
        }
        let fields: Vec<&str> = line.split(':').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let login = field(0).trim();
        if fields.len() < 2 || login.is_empty() {
            out.diag(Diagnostic::malformed(shown, n, "not a shadow entry"));
            continue;
        }
        if !super::passwd::plausible_login(login) {
            out.diag(Diagnostic::malformed(shown, n, super::passwd::NOT_A_LOGIN));
            continue;
        }
        if fields.len() != 9 {
            out.diag(Diagnostic::malformed(
                shown,
                n,
                format!(
                    "expected 9 colon-separated fields, found {}; using those present",
                    fields.len()
                ),
            ));
        }
        let lastchg = match parse_days(field(2)) {
            Ok(None) => LastChange::Unknown,
            Ok(Some(0)) => LastChange::Pending,
            Ok(Some(d)) if d > 0 => match When::from_epoch_days(d) {
                Some(w) => LastChange::Day(w),
                None => {
                    out.diag(Diagnostic::malformed(shown, n, "lastchg is out of range"));
                    LastChange::Unknown
                }
            },
            _ => {
                out.diag(Diagnostic::malformed(
                    shown,
                    n,
                    "lastchg is not a day count",
                ));
                LastChange::Unknown
            }
        };
        let expire = match parse_days(field(7)) {
            Ok(None) => When::Never,
            Ok(Some(d)) if !(0..99_999).contains(&d) => When::Never,
            // 0 "should not be used": shadow-utils reads it as no expiry, pam_unix as expired.
            Ok(Some(0)) => When::Unknown,
            Ok(Some(d)) => When::from_epoch_days(d).unwrap_or(When::Unknown),
            Err(()) => {
                out.diag(Diagnostic::malformed(shown, n, "expire is not a day count"));
                When::Unknown
            }
        };
        entries.push(ShadowEntry {
            login: login.to_string(),
            password: classify_password(field(1)),
            lastchg,
            expire,
            line: n,
            matcher: hash_matcher(field(1), scheme),
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_usable_hashes_match() {
        let scheme = SecretIdScheme::default();
        let hash_matcher = |f: &str| hash_matcher(f, &scheme);
        let h = "$6$rounds=5000$saltsalt$0123456789abcdefABCDEF";
        assert!(hash_matcher(h).is_some());
        assert_eq!(hash_matcher(h), hash_matcher(h));
        assert_ne!(
            hash_matcher(h),
            hash_matcher("$6$rounds=5000$saltsalt$0123456789abcdefABCDEX")
        );
        for none in [
            "$6$",
            "$y$",
            "!$6$salt$0123456789abcdef",
            "*",
            "!",
            "",
            "!!",
        ] {
            assert!(hash_matcher(none).is_none(), "{none}");
        }
        assert!(format!("{:?}", hash_matcher(h)).contains(".."));
    }

    #[test]
    fn markers() {
        assert_eq!(classify_password(""), PasswordState::Empty);
        assert_eq!(classify_password("!"), PasswordState::NoPassword);
        assert_eq!(classify_password("!!"), PasswordState::NoPassword);
        assert_eq!(classify_password("!*"), PasswordState::NoPassword);
        assert_eq!(classify_password("*"), PasswordState::NoPassword);
        assert_eq!(classify_password("*LK*"), PasswordState::NoPassword);
        assert_eq!(
            classify_password("!$y$j9T$SYNTHETIC$SYNTHETIC"),
            PasswordState::Locked
        );
        assert_eq!(classify_password("!!$6$salt$abc"), PasswordState::Locked);
        assert_eq!(classify_password("$6$salt$abc"), PasswordState::Set);
        assert_eq!(classify_password("abcdefghijklm"), PasswordState::Set);
    }

    #[test]
    fn redacted_hashes_keep_their_state() {
        // What the README's recipe leaves of a hash: locks and the `$id$` scheme.
        for (full, redacted) in [
            ("$6$salt$abc", "$6$"),
            ("$y$j9T$SYNTHETIC$SYNTHETIC", "$y$"),
            ("$1$salt$abc", "$1$"),
            ("$2b$10$abcdefghijklmnopqrstuv", "$2b$"),
            ("!$6$salt$abc", "!$6$"),
            ("!!$y$j9T$S$S", "!!$y$"),
            ("abcdefghijklm", "$des$"),
            ("!abcdefghijklm", "!$des$"),
            ("*", "*"),
            ("!!", "!!"),
            ("", ""),
        ] {
            assert_eq!(
                classify_password(redacted),
                classify_password(full),
                "{full} -> {redacted}"
            );
        }
        assert_eq!(classify_password("$6$"), PasswordState::Set);
        assert_eq!(classify_password("!$y$"), PasswordState::Locked);
        // Not a scheme: nothing crypt(3) could match.
        assert_eq!(classify_password("$$"), PasswordState::NoPassword);
        assert_eq!(classify_password("$$$"), PasswordState::NoPassword);
        assert_eq!(classify_password("$6"), PasswordState::NoPassword);
    }

    #[test]
    fn sentinels() {
        let text = "root:*:19723:0:99999:7:::\n\
a:!$y$j9T$S$S:20089:0:99999:7:::\n\
b:$y$j9T$S$S:0:0:::::\n\
c:$y$j9T$S$S::0:::::\n\
d::19000:0:99999:7::20500:\n\
e:*:abc:0:99999:7::0:\n\
f:*:19000\n";
        let mut out = Output::default();
        let e = parse(text, "etc/shadow", &mut out, &SecretIdScheme::default());
        assert_eq!(e.len(), 7);
        assert_eq!(e[0].password, PasswordState::NoPassword);
        assert_eq!(e[0].expire, When::Never);
        assert_eq!(e[1].password, PasswordState::Locked);
        assert_eq!(
            e[1].lastchg,
            LastChange::Day(When::from_epoch_days(20089).unwrap())
        );
        assert_eq!(e[2].lastchg, LastChange::Pending);
        assert_eq!(e[3].lastchg, LastChange::Unknown);
        assert_eq!(e[4].password, PasswordState::Empty);
        assert_eq!(e[4].expire.day().unwrap().to_string(), "2026-02-16");
        assert_eq!(e[5].lastchg, LastChange::Unknown);
        assert_eq!(e[5].expire, When::Unknown);
        assert_eq!(e[6].line, 7);
        let lines: Vec<Option<u32>> = out.diagnostics.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, vec![Some(6), Some(7)]);
        // No hash text leaks into diagnostics.
        assert!(out.diagnostics.iter().all(|d| !d.message.contains('$')));
    }
}
