//! Stable, non-secret ids of public material shared by every source adapter, so the same key gets
//! the same id whichever export it is found in (an SSH key listed by GitHub, stored in LDAP and
//! written in `authorized_keys`). Secrets found in clear text are named by `source::secret_id`.
//! (`prefix` now lives in `source::text` and is re-exported here.)

use base64::Engine;
use sha2::{Digest, Sha256};

/// Moved to the text toolkit; kept here so older callers still compile.
pub use super::text::prefix;

/// `sha256:` + the first 12 hex digits of the SHA-256 of `bytes`: the id of public material (a
/// certificate). Never of a secret: a digest of a secret lets anyone verify a guess of it;
/// secrets are named by `source::secret_id`.
pub fn short_digest(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut id = String::with_capacity(19);
    id.push_str("sha256:");
    for b in digest.iter().take(6) {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// The id and the shown id of a GitHub token known by its last eight characters (an export's
/// `token_last_eight`, or the tail of a token found in a file): `github:last8:<eight>` joins the
/// two, and reports show only the last four, `github:…<four>`.
pub fn github_token_ids(last8: &str) -> (String, String) {
    let chars: Vec<char> = last8.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    (format!("github:last8:{last8}"), format!("github:…{last4}"))
}

/// The SHA256 fingerprint of an SSH public key blob as `ssh-keygen -l` and sshd print it.
pub fn ssh_fingerprint(blob: &[u8]) -> String {
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(blob))
    )
}

/// Key types OpenSSH accepts (plus any `*-cert-v01@openssh.com`).
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

pub fn is_ssh_key_type(word: &str) -> bool {
    KEY_TYPES.contains(&word) || word.ends_with("-cert-v01@openssh.com")
}

/// `(key type, "SHA256:…")` of a public key line `[options] type base64 [comment]` (options
/// without spaces, as LDAP `sshPublicKey` values and listings hold them). The error says what is
/// wrong and never quotes the key; callers name the field.
pub fn ssh_public_key(line: &str) -> Result<(String, String), &'static str> {
    let mut words = line.split_whitespace();
    let key_type = words
        .find(|w| is_ssh_key_type(w))
        .ok_or("has no known key type")?;
    let b64 = words.next().ok_or("has no key data")?;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64))
        .map_err(|_| "key data is not base64")?;
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
        return Err("key data does not match its key type");
    }
    Ok((key_type.to_string(), ssh_fingerprint(&blob)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_digest_is_short_and_stable() {
        assert_eq!(short_digest(b"cert"), short_digest(b"cert"));
        assert_ne!(short_digest(b"cert"), short_digest(b"cert2"));
        assert_eq!(short_digest(b"x").len(), "sha256:".len() + 12);
    }

    #[test]
    fn ssh_public_key_checks_the_blob_against_its_type() {
        // ssh-ed25519 blob of 32 zero bytes.
        let mut blob = Vec::new();
        for part in [&b"ssh-ed25519"[..], &[0u8; 32][..]] {
            blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
            blob.extend_from_slice(part);
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(&blob);
        let (t, fp) = ssh_public_key(&format!("no-pty ssh-ed25519 {b64} c")).unwrap();
        assert_eq!(t, "ssh-ed25519");
        assert_eq!(fp, ssh_fingerprint(&blob));
        assert_eq!(
            ssh_public_key(&format!("ssh-rsa {b64}")),
            Err("key data does not match its key type")
        );
        assert_eq!(
            ssh_public_key("ssh-ed25519 !!!"),
            Err("key data is not base64")
        );
        assert_eq!(
            ssh_public_key("ssh-ed25519 AAAA"),
            Err("key data is too short")
        );
        assert_eq!(ssh_public_key("hello world"), Err("has no known key type"));
    }
}
