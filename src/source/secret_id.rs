//! How a secret found in clear text is named, so no output can be used to verify a guess of it
//! (issue 7, "Evidence that leaks nothing").
//!
//! Owns the [`SecretIdScheme`] every source that finds a clear-text secret is given (through
//! `SourceOptions`), the id of such a secret, and the in-memory [`SecretMatch`] that tells two
//! finds of the same secret apart from two different secrets. Does not own what a secret is (the
//! extractors and the credential-file parser decide) nor ids of public material (SSH key and
//! certificate fingerprints: `source::ids`).
//!
//! Ids:
//! - without a key, `loc:` + 16 hex digits of SHA-256 over a fixed label, the file's path (as
//!   reports show it), the context of the secret in that file (extractor id or credential-file
//!   field, host and user it is stored with: never the secret) and its occurrence among the
//!   secrets of the same context in the file. Nothing of the secret goes in: the id names where
//!   the secret is, and stays the same on every re-scan of the same file, whatever lines are
//!   added above it. Moving or renaming the file changes it;
//! - with a key (`--secret-id-key FILE` or `RESETGAP_SECRET_ID_KEY`), `hmac:` + 16 hex digits of
//!   HMAC-SHA256(key, secret): the same secret has the same id in every file, scan and machine
//!   that uses the same key, and whoever lacks the key learns nothing from it.
//!
//! Within one scan, finds of the same secret are joined by [`SecretMatch`]: HMAC-SHA256 under a
//! random per-scan salt that is never written anywhere, or, with a key, under a salt derived from
//! the key, so the shards of one estate scanned on several machines join (`crate::shard`). It
//! is compared, written only into shard files (where it verifies no guess without the key),
//! and its `Debug` shows nothing.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

type HmacSha256 = Hmac<Sha256>;

/// Hex digits of an id.
const ID_HEX: usize = 16;
/// Shortest key `--secret-id-key` accepts: a shorter one could be guessed along with the secret.
pub const MIN_KEY_BYTES: usize = 16;

pub use crate::inventory::SecretMatch;

/// The naming scheme of one scan: an optional user key, and the per-scan salt.
#[derive(Clone)]
pub struct SecretIdScheme {
    key: Option<Vec<u8>>,
    salt: [u8; 32],
}

impl std::fmt::Debug for SecretIdScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretIdScheme")
            .field("keyed", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for SecretIdScheme {
    /// Location ids, a fresh salt.
    fn default() -> Self {
        SecretIdScheme {
            key: None,
            salt: fresh_salt(),
        }
    }
}

/// 32 bytes from the operating system's generator. Should it fail (no entropy source), the salt
/// falls back to a hash of the time and process: still never written, only less unpredictable.
fn fresh_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    if getrandom::fill(&mut salt).is_err() {
        let mut h = Sha256::new();
        h.update(format!("{:?}", std::time::SystemTime::now()).as_bytes());
        h.update(std::process::id().to_le_bytes());
        salt.copy_from_slice(&h.finalize());
    }
    salt
}

/// The matcher salt of a keyed scheme: HMAC-SHA256(key, label), the same on every machine
/// with the key, so shards scanned apart join their secrets and password hashes in `correlate`
/// (issue 13). Without the key it is as unknown as a fresh salt.
fn keyed_salt(key: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"resetgap secret match salt v1");
    let mut salt = [0u8; 32];
    salt.copy_from_slice(&mac.finalize().into_bytes());
    salt
}

/// Why a key is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is empty")]
    Empty,
    #[error("the key is too short ({0} bytes; at least {MIN_KEY_BYTES} are needed, e.g. `openssl rand -hex 32`)")]
    TooShort(usize),
}

impl SecretIdScheme {
    /// Ids from HMAC-SHA256 with `key`. Trailing line breaks are not part of the key, so a key
    /// file written by `echo` and the same text in the environment give the same ids.
    pub fn keyed(key: &[u8]) -> Result<Self, KeyError> {
        let mut k = key;
        while let Some(rest) = k.strip_suffix(b"\n").or_else(|| k.strip_suffix(b"\r")) {
            k = rest;
        }
        match k.len() {
            0 => Err(KeyError::Empty),
            n if n < MIN_KEY_BYTES => Err(KeyError::TooShort(n)),
            _ => Ok(SecretIdScheme {
                key: Some(k.to_vec()),
                salt: keyed_salt(k),
            }),
        }
    }

    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// `hmac:` + 16 hex digits of an HMAC of a fixed label under the key: tells whether two
    /// shards were scanned with the same key (their `SecretMatch`es join) and reveals nothing
    /// of it. `None` without a key.
    pub fn key_check(&self) -> Option<String> {
        self.keyed_id("resetgap shard key check v1")
    }

    /// Names the secrets of one file; `path` as reports show it.
    pub fn file<'a>(&'a self, path: &'a str) -> FileSecrets<'a> {
        FileSecrets {
            scheme: self,
            path,
            seen: HashMap::new(),
        }
    }

    /// The in-scan join value of `secret`.
    pub fn matcher(&self, secret: &str) -> SecretMatch {
        let mut mac = HmacSha256::new_from_slice(&self.salt).expect("HMAC takes any key length");
        mac.update(normalize(secret).as_bytes());
        let mut m = [0u8; 16];
        m.copy_from_slice(&mac.finalize().into_bytes()[..16]);
        SecretMatch::new(m)
    }

    /// `hmac:` id of `secret`, when keyed.
    fn keyed_id(&self, secret: &str) -> Option<String> {
        let key = self.key.as_ref()?;
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(normalize(secret).as_bytes());
        Some(format!("hmac:{}", hex(&mac.finalize().into_bytes())))
    }
}

/// `loc:` id of the `occurrence`-th secret of `context` in the file at `path`. Public for sources
/// that name a secret by a unique handle of their own (`path` empty, `context` the handle).
pub fn location_id(path: &str, context: &str, occurrence: u32) -> String {
    let mut h = Sha256::new();
    h.update(b"resetgap secret location v1\0");
    h.update(path.as_bytes());
    h.update([0]);
    h.update(context.as_bytes());
    h.update([0]);
    h.update(occurrence.to_le_bytes());
    format!("loc:{}", hex(&h.finalize()))
}

/// Whether `id` is one this scheme writes (reports do not repeat it in messages).
pub fn is_secret_id(id: &str) -> bool {
    crate::inventory::SECRET_ID_PREFIXES
        .iter()
        .any(|p| id.starts_with(p))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(ID_HEX / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Multi-line secrets (key blocks) without whitespace and `\n` escapes, so a PEM file and its
/// JSON-escaped copy are the same secret.
fn normalize(secret: &str) -> std::borrow::Cow<'_, str> {
    if secret.contains('\n') || secret.contains("\\n") {
        secret
            .replace("\\n", "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .into()
    } else {
        secret.into()
    }
}

/// The id and the in-scan join value of one secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub matcher: SecretMatch,
}

/// Names the secrets of one file, counting occurrences per context. Call [`FileSecrets::name`] in
/// file order.
pub struct FileSecrets<'a> {
    scheme: &'a SecretIdScheme,
    path: &'a str,
    seen: HashMap<String, u32>,
}

impl FileSecrets<'_> {
    /// The in-scan join value of `secret` (see [`SecretIdScheme::matcher`]).
    pub fn matcher(&self, secret: &str) -> SecretMatch {
        self.scheme.matcher(secret)
    }

    /// Names `secret`, found in `context` (what it is and where in the file: extractor id, or
    /// credential-file field with the host and user stored beside it; never the secret).
    pub fn name(&mut self, context: &str, secret: &str) -> Named {
        let n = self.seen.entry(context.to_string()).or_insert(0);
        let occurrence = *n;
        *n += 1;
        let id = self
            .scheme
            .keyed_id(secret)
            .unwrap_or_else(|| location_id(self.path, context, occurrence));
        Named {
            id,
            matcher: self.scheme.matcher(secret),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_ids_do_not_depend_on_the_secret() {
        let s = SecretIdScheme::default();
        let mut a = s.file("app/.env");
        let mut b = s.file("app/.env");
        let x = a.name("generic-password", "hunter2");
        let y = b.name("generic-password", "correct horse");
        assert_eq!(x.id, y.id);
        assert!(
            x.id.starts_with("loc:") && x.id.len() == 4 + ID_HEX,
            "{}",
            x.id
        );
        assert_ne!(x.matcher, y.matcher);
        // The next of the same context is another id; another file, another id.
        assert_ne!(a.name("generic-password", "hunter2").id, x.id);
        assert_ne!(s.file("other/.env").name("generic-password", "x").id, x.id);
        assert_ne!(s.file("app/.env").name("url-password", "x").id, x.id);
        assert!(is_secret_id(&x.id));
    }

    #[test]
    fn keyed_ids_follow_the_secret_and_the_key() {
        let k1 = SecretIdScheme::keyed(b"0123456789abcdef0123\n").unwrap();
        let k1b = SecretIdScheme::keyed(b"0123456789abcdef0123").unwrap();
        let k2 = SecretIdScheme::keyed(b"another key, long enough").unwrap();
        let id = |s: &SecretIdScheme, path, secret| s.file(path).name("ctx", secret).id;
        assert_eq!(id(&k1, "a", "hunter2"), id(&k1b, "b/c", "hunter2"));
        assert_ne!(id(&k1, "a", "hunter2"), id(&k1, "a", "hunter3"));
        assert_ne!(id(&k1, "a", "hunter2"), id(&k2, "a", "hunter2"));
        assert!(id(&k1, "a", "x").starts_with("hmac:"));
        // The key derives the salt (shards scanned apart join, issue 13); another key, another
        // salt: the matcher of one says nothing under the other.
        assert_eq!(k1.matcher("hunter2"), k1b.matcher("hunter2"));
        assert_ne!(k1.matcher("hunter2"), k2.matcher("hunter2"));
        assert_eq!(k1.matcher("hunter2"), k1.matcher("hunter2"));
        assert_eq!(k1.matcher("a\nb"), k1.matcher("a\\nb"));
    }

    #[test]
    fn short_or_empty_keys_are_refused() {
        assert_eq!(SecretIdScheme::keyed(b"\n").unwrap_err(), KeyError::Empty);
        assert_eq!(
            SecretIdScheme::keyed(b"short").unwrap_err(),
            KeyError::TooShort(5)
        );
    }

    #[test]
    fn debug_shows_nothing_secret() {
        let s = SecretIdScheme::keyed(b"0123456789abcdef-key").unwrap();
        let text = format!("{s:?} {:?}", s.matcher("hunter2"));
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert_eq!(text, "SecretIdScheme { keyed: true, .. } SecretMatch(..)");
    }

    #[test]
    fn keyed_matchers_agree_across_processes_with_the_same_key() {
        let key = b"shard test key, not a secret";
        let a = SecretIdScheme::keyed(key).unwrap();
        let b = SecretIdScheme::keyed(key).unwrap();
        let other = SecretIdScheme::keyed(b"another shard key, not a secret").unwrap();
        assert_eq!(a.matcher("hunter2"), b.matcher("hunter2"));
        assert_ne!(a.matcher("hunter2"), other.matcher("hunter2"));
        assert_ne!(a.matcher("hunter2"), a.matcher("hunter3"));
        // Unkeyed schemes keep a fresh salt each.
        assert_ne!(
            SecretIdScheme::default().matcher("hunter2"),
            SecretIdScheme::default().matcher("hunter2")
        );
        let check = a.key_check().unwrap();
        assert_eq!(Some(check.clone()), b.key_check());
        assert_ne!(Some(check.clone()), other.key_check());
        assert!(check.starts_with("hmac:") && !check.contains("shard test key"));
        assert_eq!(SecretIdScheme::default().key_check(), None);
    }
}
