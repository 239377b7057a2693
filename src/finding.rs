//! `Finding`: what a rule reports. One primary location (the evidence line), related locations for
//! the other evidence (the reset record), the account and host it is about, and the identity and
//! credential the stable fingerprint is computed from (never line numbers).
//!
//! Findings are sorted before output: by rule, primary location, then fingerprint.

use crate::inventory::Evidence;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "note" => Some(Level::Note),
            _ => None,
        }
    }

    /// Higher is more severe.
    pub fn rank(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warning => 2,
            Level::Note => 1,
        }
    }
}

/// Another piece of evidence, with what it shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Related {
    pub location: Evidence,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule code (`RG101`).
    pub rule: &'static str,
    pub level: Level,
    /// First sentence stands alone and names the account.
    pub message: String,
    /// The login as the primary evidence spells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Non-secret id of the credential or setting the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    pub location: Evidence,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// Stable identity of the finding: rule, identity and credential, never line numbers.
    pub fingerprint: String,
    /// Set when an allow list accepts the finding: the reason given there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

impl Finding {
    /// Starts a finding; `identity` and `subject` feed the fingerprint.
    pub fn new(
        rule: &'static str,
        level: Level,
        identity: &str,
        subject: &str,
        location: Evidence,
        message: String,
    ) -> Self {
        Finding {
            rule,
            level,
            message,
            account: None,
            host: None,
            credential: None,
            location,
            related: Vec::new(),
            fingerprint: fingerprint(rule, identity, subject),
            suppressed: None,
        }
    }

    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.to_string());
        self
    }

    pub fn host(mut self, host: Option<&str>) -> Self {
        self.host = host.map(str::to_string);
        self
    }

    pub fn credential(mut self, id: &str) -> Self {
        self.credential = Some(display_id(id));
        self
    }

    pub fn related(mut self, location: Evidence, message: impl Into<String>) -> Self {
        let r = Related {
            location,
            message: message.into(),
        };
        if r.location != self.location && !self.related.iter().any(|x| x.location == r.location) {
            self.related.push(r);
        }
        self
    }

    /// The sort key of output: rule, location, fingerprint.
    pub fn sort_key(&self) -> (&str, &Evidence, &str) {
        (self.rule, &self.location, &self.fingerprint)
    }
}

/// A credential id as reports show it. Ids are non-secret by construction, except that a
/// GitHub token's join key holds its last eight characters: reports show only the last four.
pub fn display_id(id: &str) -> String {
    match id.strip_prefix("github:last8:") {
        Some(last8) => {
            let keep = last8.len().saturating_sub(4);
            format!("github:…{}", last8.get(keep..).unwrap_or(""))
        }
        None => id.to_string(),
    }
}

/// `sha256(rule \0 identity \0 subject)`, first 16 bytes as hex.
pub fn fingerprint(rule: &str, identity: &str, subject: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(identity.to_lowercase().as_bytes());
    h.update([0]);
    h.update(subject.as_bytes());
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_location_and_case_of_identity() {
        let a = fingerprint("RG101", "M.Okafor", "AKIAZZEXAMPLE0000001");
        let b = fingerprint("RG101", "m.okafor", "AKIAZZEXAMPLE0000001");
        let c = fingerprint("RG102", "m.okafor", "AKIAZZEXAMPLE0000001");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 32);
    }
}
