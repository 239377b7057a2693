//! What an LDIF that resetgap writes (the live source's saved file) keeps of a secret-bearing
//! attribute: never the value. `userPassword` (and `unixUserPassword`) keep their `{SCHEME}`
//! (with what a shadow field's redaction keeps of a `{CRYPT}` one: its lock `!`, its `$id$`,
//! `$des$` for a DES hash, `*` for no hash), one line per value so the count stays; an empty
//! value stays empty. Password hashes, key material and legacy LAPS cleartext keep only a
//! placeholder that says they were present, except Samba's `NO PASSWORD…`/`XXX…` markers,
//! which hold no secret and are kept as they are.
//!
//! The adapters read these attributes for their presence and count only (RG108, RG304, RG502,
//! RG503), so a redacted file, saved live or given as an export, gives the same findings as the
//! original. Owns the list of secret-bearing attributes; does not decide what is requested
//! (`super::attributes`).

use std::borrow::Cow;

/// The value of a secret-bearing attribute in a saved LDIF: it was there, nothing more.
pub const PRESENT: &str = "(present; value not saved by resetgap)";
/// A Samba hash value that is neither 32 hex digits nor one of Samba's placeholders: Samba
/// reads no hash from it, and neither does resetgap (`openldap::is_samba_hash`).
pub const NOT_A_HASH: &str = "(not a hash; value not saved by resetgap)";
/// A `userPassword` value without a `{SCHEME}` (clear text, or a scheme-less hash).
pub const NO_SCHEME: &str = "(no scheme; value not saved by resetgap)";

/// Attributes whose values keep their `{SCHEME}` only.
const SCHEME_ONLY: &[&str] = &["userPassword", "unixUserPassword"];

/// Attributes whose values are secrets, hashes or wrapped keys: reduced to [`PRESENT`].
pub const PRESENCE_ONLY: &[&str] = &[
    // Active Directory
    "unicodePwd",
    "dBCSPwd",
    "ntPwdHistory",
    "lmPwdHistory",
    "supplementalCredentials",
    "ms-Mcs-AdmPwd",
    "msLAPS-Password",
    "msLAPS-EncryptedPassword",
    "msLAPS-EncryptedPasswordHistory",
    "msLAPS-EncryptedDSRMPassword",
    "msLAPS-EncryptedDSRMPasswordHistory",
    "msDS-ManagedPassword",
    "trustAuthIncoming",
    "trustAuthOutgoing",
    "initialAuthIncoming",
    "initialAuthOutgoing",
    "currentValue",
    "priorValue",
    "msPKIAccountCredentials",
    "msPKIDPAPIMasterKeys",
    "msSFU30Password",
    "os400Password",
    // Samba, Kerberos (MIT/Heimdal LDAP back ends), OpenLDAP
    "sambaNTPassword",
    "sambaLMPassword",
    "sambaPasswordHistory",
    "krbPrincipalKey",
    "krbPwdHistory",
    "krbMKey",
    "pwdHistory",
    "authPassword",
    "userPKCS12",
    "olcRootPW",
];

/// Free-text attributes where administrators write passwords (`super::ad::password_in_text`).
const FREE_TEXT: &[&str] = &["description", "info", "comment"];

/// What replaces a password written in free text: read back, it is still a password there
/// (the same finding), and it is no secret.
pub const TEXT_PASSWORD: &str = "[password-not-saved-by-resetgap]";

/// A free-text value with every password written in it replaced by [`TEXT_PASSWORD`].
fn free_text(value: &[u8]) -> Cow<'_, [u8]> {
    let Ok(text) = std::str::from_utf8(value) else {
        return Cow::Borrowed(value);
    };
    let mut out = text.to_string();
    let mut from = 0;
    // Each pass replaces the first password at or after `from`; the marker itself is skipped.
    while let Some(pw) = out.get(from..).and_then(super::ad::password_in_text) {
        if pw == TEXT_PASSWORD.trim_matches(|c| c == '[' || c == ']') {
            let Some(at) = out.get(from..).and_then(|t| t.find(TEXT_PASSWORD)) else {
                break;
            };
            from += at + TEXT_PASSWORD.len();
            continue;
        }
        let tail = out.get(from..).unwrap_or("");
        let start = from + (pw.as_ptr() as usize - tail.as_ptr() as usize);
        let end = start + pw.len();
        out.replace_range(start..end, TEXT_PASSWORD);
        from = start + TEXT_PASSWORD.len();
    }
    if out == text {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(out.into_bytes())
    }
}

/// What a saved LDIF keeps of `value`, a value of `attribute` (a description: type and options).
pub fn saved<'a>(attribute: &str, value: &'a [u8]) -> Cow<'a, [u8]> {
    Redaction::of(attribute).apply(value)
}

/// What `saved` does to the values of one attribute: decided once per attribute, applied to
/// each of its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redaction {
    /// `userPassword` and the like: the scheme only.
    SchemeOnly,
    /// Samba's NT and LM hashes: their presence, or the placeholder as it is.
    SambaHash,
    /// Password hashes and LAPS passwords: their presence.
    PresenceOnly,
    /// Free text that may hold a password (`free_text`).
    FreeText,
    /// Kept as it is.
    Keep,
}

impl Redaction {
    pub fn of(attribute: &str) -> Self {
        let base = attribute.split(';').next().unwrap_or("");
        let is = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(base));
        if is(SCHEME_ONLY) {
            Redaction::SchemeOnly
        } else if is(&["sambaNTPassword", "sambaLMPassword"]) {
            Redaction::SambaHash
        } else if is(PRESENCE_ONLY) {
            Redaction::PresenceOnly
        } else if is(FREE_TEXT) {
            Redaction::FreeText
        } else {
            Redaction::Keep
        }
    }

    pub fn apply(self, value: &[u8]) -> Cow<'_, [u8]> {
        match self {
            Redaction::SchemeOnly if value.is_empty() => Cow::Borrowed(value),
            Redaction::SchemeOnly => Cow::Owned(
                scheme_of(value)
                    .unwrap_or(Cow::Borrowed(NO_SCHEME))
                    .as_bytes()
                    .to_vec(),
            ),
            Redaction::SambaHash => {
                if super::openldap::is_samba_placeholder(value) {
                    Cow::Borrowed(value)
                } else if super::openldap::is_samba_hash(value) {
                    Cow::Borrowed(PRESENT.as_bytes())
                } else {
                    Cow::Borrowed(NOT_A_HASH.as_bytes())
                }
            }
            Redaction::PresenceOnly => Cow::Borrowed(PRESENT.as_bytes()),
            Redaction::FreeText => free_text(value),
            Redaction::Keep => Cow::Borrowed(value),
        }
    }
}

/// `{SCHEME}` of a `userPassword` value (`{SSHA}`, `{PBKDF2-SHA512}`); for `{CRYPT}`, the
/// scheme and what a redacted shadow field keeps of the crypt(3) field (`reduced_crypt`), so
/// `openldap::user_password_state` reads the reduced value as the original. `None` without a
/// scheme of 1-32 letters, digits, `-`, `_` or `.`, or when nothing follows a scheme other than
/// `{CRYPT}` (a clear-text password written in braces).
fn scheme_of(value: &[u8]) -> Option<Cow<'_, str>> {
    let text = std::str::from_utf8(value).ok()?;
    let close = text.strip_prefix('{')?.find('}')? + 1;
    let name = text.get(1..close)?;
    let rest = text.get(close + 1..)?;
    let name_ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !name_ok {
        return None;
    }
    let scheme = text.get(..=close)?;
    if name.eq_ignore_ascii_case("CRYPT") {
        return Some(Cow::Owned(format!("{scheme}{}", reduced_crypt(rest))));
    }
    (!rest.is_empty()).then_some(Cow::Borrowed(scheme))
}

/// What a redacted copy keeps of a crypt(3) field (as the README's shadow recipe does): `!`
/// for a lock, the `$id$` of a modular hash or `$des$` for a DES one, `*` for anything that is
/// no hash, nothing for an empty field. Read back by `linux::shadow::classify_password`, it
/// gives the state of the original.
fn reduced_crypt(field: &str) -> String {
    use crate::inventory::PasswordState;
    let hash = |h: &str| -> String {
        h.strip_prefix('$')
            .and_then(|r| r.split_once('$'))
            .map(|(id, _)| id)
            .filter(|id| {
                (1..=8).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
            })
            .map_or_else(|| "$des$".to_string(), |id| format!("${id}$"))
    };
    match crate::source::linux::shadow::classify_password(field) {
        PasswordState::Empty => String::new(),
        PasswordState::Set => hash(field),
        PasswordState::Locked => format!("!{}", hash(field.trim_start_matches('!'))),
        _ => "*".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(attribute: &str, value: &str) -> String {
        String::from_utf8(saved(attribute, value.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn free_text_keeps_everything_but_the_password() {
        let red =
            |v: &str| String::from_utf8(saved("description", v.as_bytes()).into_owned()).unwrap();
        assert_eq!(
            red("Temp password: ZZfake-Summer24! (ticket 12)"),
            "Temp password: [password-not-saved-by-resetgap] (ticket 12)"
        );
        assert_eq!(
            red("pw=ZZfake1111; backup pw=ZZfake2222"),
            "pw=[password-not-saved-by-resetgap]; backup pw=[password-not-saved-by-resetgap]"
        );
        assert_eq!(red("File server admins"), "File server admins");
        let again = red("Temp password: ZZfake-Summer24!");
        assert_eq!(red(&again), again);
        assert!(super::super::ad::password_in_text(&again).is_some());
    }

    #[test]
    fn user_password_keeps_its_scheme_only() {
        assert_eq!(
            kept("userPassword", "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="),
            "{SSHA}"
        );
        assert_eq!(kept("USERPASSWORD", "{ssha512}abc"), "{ssha512}");
        assert_eq!(
            kept("userPassword;binary", "{PBKDF2-SHA512}10000$a$b"),
            "{PBKDF2-SHA512}"
        );
        assert_eq!(kept("userPassword", "{CRYPT}$6$salt$hash"), "{CRYPT}$6$");
        assert_eq!(kept("userPassword", "{crypt}$y$j9T$s$h"), "{crypt}$y$");
        assert_eq!(kept("userPassword", "{CRYPT}abcdefghijklm"), "{CRYPT}$des$");
        assert_eq!(kept("unixUserPassword", "{crypt}$1$s$h"), "{crypt}$1$");
        // Locks and non-hashes keep what makes them so; an empty value stays empty.
        assert_eq!(kept("userPassword", "{CRYPT}*"), "{CRYPT}*");
        assert_eq!(kept("userPassword", "{crypt}*LK*"), "{crypt}*");
        assert_eq!(kept("userPassword", "{CRYPT}!$6$salt$hash"), "{CRYPT}!$6$");
        assert_eq!(
            kept("userPassword", "{CRYPT}!!abcdefghijklm"),
            "{CRYPT}!$des$"
        );
        assert_eq!(kept("userPassword", "{CRYPT}!"), "{CRYPT}*");
        assert_eq!(kept("userPassword", "{CRYPT}"), "{CRYPT}");
        assert_eq!(kept("userPassword", ""), "");
        for clear in [
            "Alice-Test-Pass-1",
            "{Summer2024}",
            "{not a scheme}x",
            "*",
            "{}x",
            "{",
        ] {
            assert_eq!(kept("userPassword", clear), NO_SCHEME, "{clear}");
        }
        assert_eq!(
            saved("userPassword", &[0xff, 0xfe]).as_ref(),
            NO_SCHEME.as_bytes()
        );
    }

    #[test]
    fn hashes_and_laps_keep_presence_only() {
        for a in [
            "unicodePwd",
            "sambaNTPassword",
            "sambantpassword",
            "sambaLMPassword",
            "krbPrincipalKey",
            "ms-Mcs-AdmPwd",
            "msLAPS-Password",
            "msLAPS-EncryptedPassword",
            "supplementalCredentials",
            "dBCSPwd",
            "ntPwdHistory",
            "lmPwdHistory",
            "msSFU30Password",
            "os400Password",
            "krbPrincipalKey;binary",
        ] {
            assert_eq!(kept(a, "0123456789ABCDEF0123456789ABCDEF"), PRESENT, "{a}");
        }
    }

    #[test]
    fn samba_placeholders_are_kept_hashes_are_not() {
        for p in [
            "NO PASSWORDXXXXXXXXXXXXXXXXXXXXX",
            "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ] {
            assert_eq!(kept("sambaNTPassword", p), p);
            assert_eq!(kept("sambaLMPassword", p), p);
        }
        assert_eq!(
            kept("sambaNTPassword", "46F260A172F4D47A8A9D5ACEB229D1EB"),
            PRESENT
        );
        assert_eq!(kept("sambaLMPassword", "Summer2024"), NOT_A_HASH);
        // Only Samba's attributes keep the marker.
        assert_eq!(kept("unicodePwd", "XXXXXXXX"), PRESENT);
    }

    /// Each reduced `userPassword` reads as its original (`openldap::user_password_state`).
    #[test]
    fn reduced_user_passwords_read_as_the_original() {
        use crate::source::directory::openldap::user_password_state;
        for v in [
            "",
            "*",
            "secret",
            "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
            "{CRYPT}*",
            "{CRYPT}",
            "{CRYPT}!",
            "{CRYPT}!!",
            "{CRYPT}!*",
            "{CRYPT}!$6$salt$hash",
            "{CRYPT}$6$salt$hash",
            "{crypt}$y$j9T$s$h",
            "{CRYPT}abcdefghijklm",
            "{CRYPT}!abcdefghijklm",
            "{CRYPT}x",
            "{CRYPT}$$",
        ] {
            let reduced = saved("userPassword", v.as_bytes());
            assert_eq!(
                user_password_state(&reduced),
                user_password_state(v.as_bytes()),
                "{v} -> {}",
                String::from_utf8_lossy(&reduced)
            );
        }
    }

    #[test]
    fn other_attributes_are_kept_as_they_are() {
        for (a, v) in [
            ("pwdLastSet", "133000000000000000"),
            ("sshPublicKey", "ssh-ed25519 AAAA k"),
            ("ms-Mcs-AdmPwdExpirationTime", "133000000000000000"),
            ("msLAPS-PasswordExpirationTime", "1"),
        ] {
            assert_eq!(kept(a, v), v, "{a}");
        }
    }
}
