//! `authorized_keys` files (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"):
//! `[options] keytype base64 [comment]`.
//!
//! Owns line parsing (quote-aware options with `\"` escapes, key type as the first token or
//! after the options, `#` comments only at line start), blob validation, the SHA256
//! fingerprint `ssh-keygen -l` prints, `expiry-time=` and a secret-free summary of the options.
//! Broken lines become located diagnostics and parsing goes on (ssh-keygen skips them). The
//! comment is free text and never used, so a date in it is never trusted.

use base64::Engine;

/// Key types sshd accepts in authorized_keys (plus any `*-cert-v01@openssh.com`).
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-xmss@openssh.com",
];

/// Options whose values are safe to show (addresses, principal names, dates, ports).
const SHOWN_VALUES: &[&str] = &[
    "from",
    "principals",
    "expiry-time",
    "permitopen",
    "permitlisten",
    "tunnel",
];

fn is_key_type(t: &str) -> bool {
    KEY_TYPES.contains(&t) || t.ends_with("-cert-v01@openssh.com")
}

/// One valid key line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyLine {
    pub(crate) key_type: String,
    /// `SHA256:<unpadded base64>`.
    pub(crate) fingerprint: String,
    /// (lower-case name, value) in line order.
    pub(crate) options: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Empty line or comment.
    Skip,
    Key(KeyLine),
    /// Why the line is unusable (never quotes the line).
    Malformed(&'static str),
}

/// Splits the options field (up to the first unquoted whitespace) into options; returns the
/// options and the rest of the line.
fn split_options(s: &str) -> (Vec<(String, Option<String>)>, &str) {
    let mut opts = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut end = s.len();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if in_quotes => {
                // `\"` inside quotes is a literal quote; other escapes are kept as written.
                if let Some(&(_, '"')) = chars.peek() {
                    chars.next();
                    cur.push('"');
                } else {
                    cur.push('\\');
                }
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push('"');
            }
            ',' if !in_quotes => opts.push(std::mem::take(&mut cur)),
            c if c.is_whitespace() && !in_quotes => {
                end = i;
                break;
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        opts.push(cur);
    }
    let opts = opts
        .into_iter()
        .filter(|o| !o.is_empty())
        .map(|o| match o.split_once('=') {
            Some((name, value)) => {
                let v = value
                    .strip_prefix('"')
                    .map(|v| v.strip_suffix('"').unwrap_or(v))
                    .unwrap_or(value);
                (name.to_ascii_lowercase(), Some(v.to_string()))
            }
            None => (o.to_ascii_lowercase(), None),
        })
        .collect();
    (opts, s.get(end..).unwrap_or(""))
}

/// Decodes the key blob and checks that it names the same key type as the line.
fn decode_blob(key_type: &str, b64: &str) -> Result<Vec<u8>, &'static str> {
    let blob = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64))
        .map_err(|_| "key data is not valid base64")?;
    let len = blob
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .ok_or("key data is too short")?;
    let name = usize::try_from(len)
        .ok()
        .and_then(|l| blob.get(4..4usize.checked_add(l)?))
        .ok_or("key data is truncated")?;
    if name != key_type.as_bytes() {
        return Err("key data does not match the key type");
    }
    Ok(blob)
}

pub(crate) fn parse_line(line: &str) -> Parsed {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return Parsed::Skip;
    }
    let first = t.split_whitespace().next().unwrap_or("");
    let (options, rest) = if is_key_type(first) {
        (Vec::new(), t)
    } else {
        split_options(t)
    };
    let mut words = rest.split_whitespace();
    let Some(key_type) = words.next() else {
        return Parsed::Malformed("no key after the options");
    };
    if !is_key_type(key_type) {
        return Parsed::Malformed("unknown or missing key type");
    }
    let Some(b64) = words.next() else {
        return Parsed::Malformed("key type without key data");
    };
    match decode_blob(key_type, b64) {
        Ok(blob) => Parsed::Key(KeyLine {
            key_type: key_type.to_string(),
            fingerprint: crate::source::ids::ssh_fingerprint(&blob),
            options,
        }),
        Err(why) => Parsed::Malformed(why),
    }
}

impl KeyLine {
    #[cfg(test)]
    pub(crate) fn has_option(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    /// `expiry-time="YYYYMMDD[HHMM[SS]][Z]"`. sshd reads it in the host's local time unless
    /// `Z` is given; the host's zone is not collected, so it is taken as UTC (at most a day off).
    pub(crate) fn expiry(&self) -> Option<Result<jiff::Timestamp, ()>> {
        let v = self
            .options
            .iter()
            .find(|(n, _)| n == "expiry-time")?
            .1
            .as_deref()?;
        Some(parse_expiry(v))
    }

    /// The options, with values only where they hold no secret (`command` and `environment`
    /// values are dropped).
    pub(crate) fn summary(&self) -> Option<String> {
        if self.options.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .options
            .iter()
            .map(|(n, v)| match v {
                Some(v) if SHOWN_VALUES.contains(&n.as_str()) => format!("{n}=\"{v}\""),
                _ => n.clone(),
            })
            .collect();
        Some(parts.join(","))
    }
}

fn parse_expiry(v: &str) -> Result<jiff::Timestamp, ()> {
    let v = v.trim();
    let digits = v.strip_suffix('Z').unwrap_or(v);
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i16, ()> {
        digits
            .get(r)
            .map_or(Ok(0), |s| s.parse::<i16>().map_err(|_| ()))
    };
    let dt = jiff::civil::DateTime::new(
        num(0..4)?,
        i8::try_from(num(4..6)?).map_err(|_| ())?,
        i8::try_from(num(6..8)?).map_err(|_| ())?,
        i8::try_from(num(8..10)?).map_err(|_| ())?,
        i8::try_from(num(10..12)?).map_err(|_| ())?,
        i8::try_from(num(12..14)?).map_err(|_| ())?,
        0,
    )
    .map_err(|_| ())?;
    jiff::tz::TimeZone::UTC.to_timestamp(dt).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIdBzKC5y8qp5Xz/hfnwWahZLZ7XMxDkujblTuY2uRAf alice@laptop-2022";
    const DEPLOY: &str = r#"from="10.0.0.0/8,!10.6.6.6",command="/usr/local/bin/backup --dest \"/srv/bk, nightly\"",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHMkckxGwBPFg+cbuLqcnBs/1F3vGAkMVVhh5qdeEknz deploy@ci added 2021-03-04"#;
    const CA: &str = r#"cert-authority,principals="alice,ops" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO5KGtZgtWWSivgxeDtco+RS4ZA7I1KgilxvLW56fqm5 corp-user-ca"#;

    fn key(line: &str) -> KeyLine {
        match parse_line(line) {
            Parsed::Key(k) => k,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fingerprints_match_ssh_keygen_prefixes() {
        assert!(key(ALICE).fingerprint.starts_with("SHA256:psJyK2SC"));
        assert!(key(DEPLOY).fingerprint.starts_with("SHA256:aZPHk5su"));
        assert!(key(CA).fingerprint.starts_with("SHA256:uNUUnywd"));
        assert!(!key(ALICE).fingerprint.ends_with('='));
    }

    #[test]
    fn quoted_options_with_commas_spaces_and_escapes() {
        let k = key(DEPLOY);
        assert_eq!(k.options.len(), 3);
        assert_eq!(
            k.options[0],
            ("from".into(), Some("10.0.0.0/8,!10.6.6.6".into()))
        );
        assert_eq!(
            k.options[1],
            (
                "command".into(),
                Some(r#"/usr/local/bin/backup --dest "/srv/bk, nightly""#.into())
            )
        );
        assert_eq!(k.options[2], ("no-pty".into(), None));
        assert_eq!(
            k.summary().as_deref(),
            Some(r#"from="10.0.0.0/8,!10.6.6.6",command,no-pty"#)
        );
        let ca = key(CA);
        assert!(ca.has_option("cert-authority"));
        assert_eq!(
            ca.summary().as_deref(),
            Some(r#"cert-authority,principals="alice,ops""#)
        );
        assert_eq!(key(ALICE).summary(), None);
    }

    #[test]
    fn broken_and_skipped_lines() {
        assert_eq!(parse_line("   # managed"), Parsed::Skip);
        assert_eq!(parse_line("\t"), Parsed::Skip);
        assert_eq!(
            parse_line("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ-truncated broken-line"),
            Parsed::Malformed("key data is not valid base64")
        );
        assert_eq!(
            parse_line("no-pty,command=\"x\" just-words here"),
            Parsed::Malformed("unknown or missing key type")
        );
        assert_eq!(
            parse_line("ssh-ed25519"),
            Parsed::Malformed("key type without key data")
        );
        // An ed25519 blob announced as RSA.
        assert_eq!(
            parse_line(
                "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIdBzKC5y8qp5Xz/hfnwWahZLZ7XMxDkujblTuY2uRAf"
            ),
            Parsed::Malformed("key data does not match the key type")
        );
        assert_eq!(
            parse_line("ssh-ed25519 AAAA"),
            Parsed::Malformed("key data is too short")
        );
        assert_eq!(
            parse_line("ssh-ed25519 AAAAAQ=="),
            Parsed::Malformed("key data is truncated")
        );
    }

    #[test]
    fn expiry_time() {
        let k = key(&format!("expiry-time=\"20300101\",restrict {ALICE}"));
        assert_eq!(
            k.expiry().unwrap().unwrap().to_string(),
            "2030-01-01T00:00:00Z"
        );
        let k = key(&format!("EXPIRY-TIME=\"202601021304Z\" {ALICE}"));
        assert_eq!(
            k.expiry().unwrap().unwrap().to_string(),
            "2026-01-02T13:04:00Z"
        );
        let k = key(&format!("expiry-time=\"2030\" {ALICE}"));
        assert_eq!(k.expiry(), Some(Err(())));
        assert_eq!(key(ALICE).expiry(), None);
    }
}
