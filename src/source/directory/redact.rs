//! What an LDIF that resetgap writes (the live source's saved file) keeps of a secret-bearing
//! attribute: never the value. `userPassword` (and `unixUserPassword`) keep their `{SCHEME}`
//! (with the `$id$` of a `{CRYPT}` hash), one line per value so the count stays; password hashes,
//! key material and legacy LAPS cleartext keep only a placeholder that says they were present.
//!
//! The adapters read these attributes for their presence and count only (RG108, RG304, RG502,
//! RG503), so a redacted file, saved live or given as an export, gives the same findings as the
//! original. Owns the list of secret-bearing attributes; does not decide what is requested
//! (`super::attributes`).

use std::borrow::Cow;

/// The value of a secret-bearing attribute in a saved LDIF: it was there, nothing more.
pub const PRESENT: &str = "(present; value not saved by resetgap)";
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

/// What a saved LDIF keeps of `value`, a value of `attribute` (a description: type and options).
pub fn saved<'a>(attribute: &str, value: &'a [u8]) -> Cow<'a, [u8]> {
    let base = attribute.split(';').next().unwrap_or("");
    let is = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(base));
    if is(SCHEME_ONLY) {
        Cow::Owned(scheme_of(value).unwrap_or(NO_SCHEME).as_bytes().to_vec())
    } else if is(PRESENCE_ONLY) {
        Cow::Borrowed(PRESENT.as_bytes())
    } else {
        Cow::Borrowed(value)
    }
}

/// `{SCHEME}` of a `userPassword` value (`{SSHA}`, `{PBKDF2-SHA512}`), with the `$id$` of a
/// `{CRYPT}` hash (`{CRYPT}$6$`). `None` without a scheme of 1-32 letters, digits, `-`, `_` or
/// `.`, or when nothing follows it (a clear-text password written in braces).
fn scheme_of(value: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(value).ok()?;
    let close = text.strip_prefix('{')?.find('}')? + 1;
    let name = text.get(1..close)?;
    let rest = text.get(close + 1..)?;
    let name_ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !name_ok || rest.is_empty() {
        return None;
    }
    if name.eq_ignore_ascii_case("CRYPT") {
        // `$id$` of a modular crypt hash; nothing of a DES one.
        if let Some(id) = rest
            .strip_prefix('$')
            .and_then(|r| r.split_once('$'))
            .map(|(id, _)| id)
            .filter(|id| {
                (1..=8).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
            })
        {
            return text.get(..close + 1 + id.len() + 2);
        }
    }
    text.get(..=close)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(attribute: &str, value: &str) -> String {
        String::from_utf8(saved(attribute, value.as_bytes()).into_owned()).unwrap()
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
        assert_eq!(kept("userPassword", "{CRYPT}abcdefghijklm"), "{CRYPT}");
        assert_eq!(kept("unixUserPassword", "{crypt}$1$s$h"), "{crypt}$1$");
        for clear in [
            "Alice-Test-Pass-1",
            "{Summer2024}",
            "{not a scheme}x",
            "",
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
