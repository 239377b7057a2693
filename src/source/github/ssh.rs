//! The SHA256 fingerprint of an OpenSSH public key line (`<type> <base64> [comment]`), as
//! `ssh-keygen -l -E sha256` and sshd print it: `SHA256:` + unpadded base64 of SHA-256 over the
//! decoded key blob. Same computation as the Linux `authorized_keys` parser (kept private there),
//! so a key listed by GitHub and found in an `authorized_keys` file has the same id.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Key types OpenSSH accepts (plus any `*-cert-v01@openssh.com`).
pub(super) const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

fn is_key_type(t: &str) -> bool {
    KEY_TYPES.contains(&t) || t.ends_with("-cert-v01@openssh.com")
}

/// `(key type, "SHA256:…")` of a public key line; the error says why (never quotes the key).
pub fn fingerprint_of_public_key(line: &str) -> Result<(String, String), &'static str> {
    let mut words = line.split_whitespace();
    let key_type = words.next().ok_or("key is empty")?;
    if !is_key_type(key_type) {
        return Err("key has an unknown key type");
    }
    let b64 = words.next().ok_or("key type without key data")?;
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
    let digest = Sha256::digest(&blob);
    Ok((
        key_type.to_string(),
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
        ),
    ))
}
