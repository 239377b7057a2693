//! Offline liveness: what a found secret says about itself, read without contacting anyone and
//! without verifying anything.
//!
//! - an AWS access key id's account (the account number is bits 21-60 of new-generation key ids,
//!   whose fifth character is `Q`-`Z` or `2`-`7`; older ids do not carry it) and whether it is a
//!   temporary (`ASIA`) key;
//! - a JSON Web Token's `sub`, `iat` and `exp` (the payload is decoded, the signature is not
//!   checked);
//! - a GitHub token's type, by its prefix;
//! - the validity of a PEM certificate written next to a private key (the same file, at most
//!   `CERT_LINES` lines away).
//!
//! The facts go on the credential: `expires` (so rules can tell an expired secret) and `facts`
//! (short sentences for messages). Nothing here ever returns or formats the secret itself.

use crate::inventory::{when::format_day, Credential, When};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jiff::Timestamp;

/// How far (in lines) from a private key a certificate may be written and still be its
/// certificate.
const CERT_LINES: u32 = 60;
/// A JWT payload longer than this is not decoded.
const MAX_JWT_PAYLOAD: usize = 16 << 10;

/// Adds what `secret` (found by the extractor `rule` at `line` of `text`) tells about itself to
/// `cred`.
pub fn annotate(cred: &mut Credential, rule_kind: &str, secret: &str, text: &str, line: u32) {
    if let Some(account) = aws_account(&cred.id) {
        cred.facts.push(format!("AWS account {account}"));
    }
    if cred.id.starts_with("ASIA") && cred.id.len() == 20 {
        cred.facts
            .push("a temporary (STS) key, which expires with its session".into());
    }
    if let Some(kind) = github_token_type(secret) {
        cred.facts.push(kind.to_string());
    }
    if let Some(jwt) = jwt_claims(secret) {
        if let Some(sub) = jwt.sub {
            cred.facts.push(format!("JWT subject {sub}"));
        }
        if let Some(iat) = jwt.iat {
            cred.facts.push(format!("issued {}", format_day(iat)));
        }
        if let Some(exp) = jwt.exp {
            cred.expires = When::Known(exp);
            cred.facts.push(format!("expires {}", format_day(exp)));
        }
    }
    if rule_kind == "private key" {
        if let Some(fp) = openssh_public_fingerprint(secret) {
            cred.facts.push(format!("public key {fp}"));
        }
        if let Some((not_before, not_after)) = adjacent_certificate(text, line) {
            cred.expires = When::Known(not_after);
            cred.facts.push(format!(
                "its certificate is valid from {} to {}",
                format_day(not_before),
                format_day(not_after)
            ));
        }
    }
}

/// The fingerprint (`SHA256:…`, as `ssh-keygen -l` and the `authorized_keys` source write it)
/// of the public half of an OpenSSH private key: the `openssh-key-v1` format (PROTOCOL.key in
/// OpenSSH) stores the public key in clear before the private part, encrypted or not. It joins a
/// leaked private key to the `authorized_keys` entries it opens; it reveals nothing of the
/// private key. `secret` is the PEM body (line breaks, `\n` escapes and split literals allowed).
pub fn openssh_public_fingerprint(secret: &str) -> Option<String> {
    fn string(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let n = usize::try_from(u32::from_be_bytes(b.get(..4)?.try_into().ok()?)).ok()?;
        let end = 4usize.checked_add(n)?;
        Some((b.get(4..end)?, b.get(end..)?))
    }
    let body = super::scan::join_literals(&secret.replace("\\n", "\n"));
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD.decode(body.as_bytes()).ok()?;
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let (_cipher, rest) = string(rest)?;
    let (_kdf, rest) = string(rest)?;
    let (_kdf_options, rest) = string(rest)?;
    let keys = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    if keys == 0 {
        return None;
    }
    let (public, _) = string(rest.get(4..)?)?;
    (!public.is_empty()).then(|| crate::source::ids::ssh_fingerprint(public))
}

/// The 12-digit account of a new-generation AWS access key id (`AKIA`/`ASIA` + 16 base32).
pub fn aws_account(key_id: &str) -> Option<String> {
    let rest = key_id
        .strip_prefix("AKIA")
        .or_else(|| key_id.strip_prefix("ASIA"))?;
    if rest.len() != 16 {
        return None;
    }
    let mut bits: u128 = 0;
    for b in rest.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'2'..=b'7' => b - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u128::from(v);
    }
    // 80 bits; the first is the generation flag, the next 40 the account number.
    if bits >> 79 == 0 {
        return None;
    }
    let account = (bits >> 39) & ((1u128 << 40) - 1);
    (account < 1_000_000_000_000).then(|| format!("{account:012}"))
}

/// What a GitHub token is, by its prefix.
pub fn github_token_type(secret: &str) -> Option<&'static str> {
    const TYPES: &[(&str, &str)] = &[
        ("github_pat_", "a GitHub fine-grained personal access token"),
        ("ghp_", "a GitHub personal access token (classic)"),
        ("gho_", "a GitHub OAuth app access token"),
        (
            "ghu_",
            "a GitHub App user access token (these expire after 8 hours unless expiry is off)",
        ),
        (
            "ghs_",
            "a GitHub App installation token (these expire after 1 hour)",
        ),
        ("ghr_", "a GitHub App refresh token"),
    ];
    TYPES
        .iter()
        .find(|(p, _)| secret.starts_with(p))
        .map(|(_, t)| *t)
}

/// The registered claims of a JWT's payload that say whose it is and when it is valid.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JwtClaims {
    pub sub: Option<String>,
    pub iat: Option<Timestamp>,
    pub exp: Option<Timestamp>,
}

/// Decodes a compact JWT's payload (no verification). `None` when `token` is not one.
pub fn jwt_claims(token: &str) -> Option<JwtClaims> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.len() > MAX_JWT_PAYLOAD || !payload.starts_with("eyJ") {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let obj = value.as_object()?;
    let time = |k: &str| {
        let n = obj.get(k)?;
        let secs = n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?;
        Timestamp::from_second(secs)
            .ok()
            .filter(|t| *t > Timestamp::UNIX_EPOCH)
    };
    let sub = obj
        .get("sub")
        .and_then(|s| s.as_str())
        .filter(|s| !s.is_empty() && s.len() <= 128 && !s.chars().any(|c| c.is_control()))
        .map(str::to_string);
    Some(JwtClaims {
        sub,
        iat: time("iat"),
        exp: time("exp"),
    })
}

/// The validity (notBefore, notAfter) of the PEM certificate nearest to `line` in `text`, if one
/// starts at most `CERT_LINES` lines away.
pub fn adjacent_certificate(text: &str, line: u32) -> Option<(Timestamp, Timestamp)> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut best: Option<(u32, (Timestamp, Timestamp))> = None;
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(BEGIN)) {
        let start = from + i;
        let body_start = start + BEGIN.len();
        let Some(len) = text.get(body_start..).and_then(|t| t.find(END)) else {
            break;
        };
        from = body_start + len + END.len();
        let at =
            1 + u32::try_from(memchr::memchr_iter(b'\n', text.get(..start)?.as_bytes()).count())
                .unwrap_or(u32::MAX);
        let distance = at.abs_diff(line);
        if distance > CERT_LINES || best.as_ref().is_some_and(|(d, _)| *d <= distance) {
            continue;
        }
        let body = super::scan::join_literals(text.get(body_start..body_start + len)?);
        if let Some(validity) = STANDARD
            .decode(body.as_bytes())
            .ok()
            .and_then(|der| certificate_validity(&der))
        {
            best = Some((distance, validity));
        }
    }
    best.map(|(_, v)| v)
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest
            .get(..n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest.get(n..)?)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// `Certificate.tbsCertificate.validity` of an X.509 certificate (RFC 5280 §4.1).
fn certificate_validity(cert: &[u8]) -> Option<(Timestamp, Timestamp)> {
    let (0x30, cert, _) = der(cert)? else {
        return None;
    };
    let (0x30, tbs, _) = der(cert)? else {
        return None;
    };
    let mut rest = tbs;
    let (tag, _, after) = der(rest)?;
    if tag == 0xa0 {
        rest = after; // [0] EXPLICIT version
    }
    let (_serial, _, rest) = der(rest)?;
    let (_signature, _, rest) = der(rest)?;
    let (_issuer, _, rest) = der(rest)?;
    let (0x30, validity, _) = der(rest)? else {
        return None;
    };
    let (t1, nb, rest) = der(validity)?;
    let (t2, na, _) = der(rest)?;
    Some((asn1_time(t1, nb)?, asn1_time(t2, na)?))
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn asn1_time(tag: u8, content: &[u8]) -> Option<Timestamp> {
    let s = std::str::from_utf8(content).ok()?;
    let s = s.strip_suffix('Z')?;
    let full = match (tag, s.len()) {
        (0x17, 12) => {
            let yy: u32 = s.get(..2)?.parse().ok()?;
            format!("{}{s}", if yy < 50 { "20" } else { "19" })
        }
        (0x18, 14) => s.to_string(),
        _ => return None,
    };
    let n = |r: std::ops::Range<usize>| full.get(r)?.parse::<i16>().ok();
    let dt = jiff::civil::DateTime::new(
        n(0..4)?,
        i8::try_from(n(4..6)?).ok()?,
        i8::try_from(n(6..8)?).ok()?,
        i8::try_from(n(8..10)?).ok()?,
        i8::try_from(n(10..12)?).ok()?,
        i8::try_from(n(12..14)?).ok()?,
        0,
    )
    .ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(dt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public half of an OpenSSH private key, as `ssh-keygen -lf` prints it for the
    /// matching `.pub` (`fixtures/closure`, an invented key); nothing for other key formats,
    /// truncated or garbled bodies.
    #[test]
    fn openssh_private_key_names_its_public_half() {
        let pem =
            include_str!("../../../fixtures/closure/input/shares/it-handover/web01-mokafor.key");
        let body = pem
            .trim()
            .trim_start_matches("-----BEGIN OPENSSH PRIVATE KEY-----")
            .trim_end_matches("-----END OPENSSH PRIVATE KEY-----");
        assert_eq!(
            openssh_public_fingerprint(body).as_deref(),
            Some("SHA256:vE7UVAvHH3brYfTNP2u9c4oZJ/X/bTg0uZwXyX5zIfA")
        );
        // The same body written as a JSON string with `\n` escapes.
        let escaped = body.trim().replace('\n', "\\n");
        assert_eq!(
            openssh_public_fingerprint(&escaped).as_deref(),
            Some("SHA256:vE7UVAvHH3brYfTNP2u9c4oZJ/X/bTg0uZwXyX5zIfA")
        );
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(openssh_public_fingerprint(&compact[..60]), None);
        assert_eq!(
            openssh_public_fingerprint("MIIEvZZFAKEZZFAKEZZFAKE0001"),
            None
        );
        assert_eq!(openssh_public_fingerprint("not base64 at all!"), None);
        assert_eq!(openssh_public_fingerprint(""), None);
    }

    #[test]
    fn aws_account_from_key_id() {
        // The decoding's published example (Aidan Steele, Tal Be'ery).
        assert_eq!(
            aws_account("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        // Old-generation ids (fifth character A-P) carry no account.
        assert_eq!(aws_account("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(aws_account("AKIAY34FZKBOKMUTVV7"), None);
        assert_eq!(aws_account("AKIAY34FZKBOKMUTVV7!"), None);
        assert_eq!(aws_account("ghp_Y34FZKBOKMUTVV7A"), None);
    }

    #[test]
    fn github_types() {
        assert_eq!(
            github_token_type("ghp_ZZfake"),
            Some("a GitHub personal access token (classic)")
        );
        assert!(github_token_type("ghs_ZZfake")
            .unwrap()
            .contains("installation"));
        assert_eq!(
            github_token_type("github_pat_11ZZ"),
            Some("a GitHub fine-grained personal access token")
        );
        assert_eq!(github_token_type("glpat-ZZ"), None);
    }

    #[test]
    fn jwt_payload() {
        let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhLmx1bmQiLCJpYXQiOjE3MDQwNjcyMDAsImV4cCI6MTcwNDA3MDgwMH0.ZZfakeSignatureNotReal0123456789abcdefghij";
        let c = jwt_claims(t).unwrap();
        assert_eq!(c.sub.as_deref(), Some("a.lund"));
        assert_eq!(c.iat, Some(Timestamp::from_second(1_704_067_200).unwrap()));
        assert_eq!(c.exp, Some(Timestamp::from_second(1_704_070_800).unwrap()));
        // No exp: none invented.
        let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ6ei1mYWtlLXVzZXIiLCJpYXQiOjE3MzU2ODk2MDB9.ZZfakeSignatureNotReal0123456789abcdefghij";
        assert_eq!(jwt_claims(t).unwrap().exp, None);
        assert_eq!(jwt_claims("eyJ.eyJ!!.x"), None);
        assert_eq!(jwt_claims("a.b"), None);
        assert_eq!(jwt_claims("hvs.ZZfake.x"), None);
    }

    #[test]
    fn certificate_next_to_a_key() {
        let pem = include_str!("../../../fixtures/sources/secrets/tls/server.pem");
        let key_line = pem.lines().position(|l| l.contains("PRIVATE KEY")).unwrap() as u32 + 1;
        let (nb, na) = adjacent_certificate(pem, key_line).unwrap();
        assert_eq!(format_day(nb), "2020-01-01");
        assert_eq!(format_day(na), "2021-01-01");
        // Too far away: not its certificate.
        assert_eq!(adjacent_certificate(pem, key_line + 200), None);
        assert_eq!(adjacent_certificate("no certificate here", 1), None);
        assert_eq!(
            adjacent_certificate(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                1
            ),
            None
        );
    }
}
