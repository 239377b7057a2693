//! `Finding`: what a rule reports. One primary location (the evidence line), related locations for
//! the other evidence (the reset record), the account and host it is about, and the `Subject` the
//! stable fingerprint is computed from (never line numbers, file names or correlation clusters).
//!
//! Findings are sorted before output: by rule, primary location, then fingerprint.

use crate::inventory::{Credential, Evidence, OwnerRef};
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
    /// Stable identity of the finding: rule and subject (see `Subject`), never line numbers.
    pub fingerprint: String,
    /// Set when an exception (or `--allow-admins`) accepts the finding: who accepted it and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// The identity the finding belongs to (the `--identities` name, else the linked login);
    /// `None` for host settings and secrets nobody is named for. Filled in after the rules run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The system of the account (`aws`, a host name, `entra`) or of the host setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// What the finding is about, for people: `login@system`, `credential <id>` or
    /// `<setting> on <host>`.
    pub subject: String,
    /// When the credential was used after the reset: someone still holds it (act now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_after_reset: Option<jiff::Timestamp>,
    /// When the credential was issued, if known (orders findings by age).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<jiff::Timestamp>,
    /// The account the subject names, as its record spells it (resolved to `identity`).
    #[serde(skip)]
    pub owner: Option<OwnerRef>,
    /// Index of `identity` in the correlation (identity names need not be unique).
    #[serde(skip)]
    pub identity_index: Option<usize>,
    /// The subject is a host setting: it belongs to the host, whoever it applies to.
    #[serde(skip)]
    pub about_setting: bool,
    /// An exception that matched but has expired as of the scan: it no longer suppresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_exception: Option<Suppression>,
    /// Compared with `--baseline`: `new` or `unchanged` (absent without a baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<BaselineState>,
}

/// Why a finding is accepted: an exception's reason, approver, ticket and expiry date.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Last day the exception holds (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl Suppression {
    /// One line naming reason, approver, ticket and expiry (SARIF `justification`).
    pub fn justification(&self) -> String {
        let mut s = self.reason.clone();
        if let Some(a) = &self.approved_by {
            s.push_str(&format!("; approved by {a}"));
        }
        if let Some(t) = &self.ticket {
            s.push_str(&format!("; ticket {t}"));
        }
        if let Some(e) = &self.expires {
            s.push_str(&format!("; expires {e}"));
        }
        s
    }
}

/// A finding's state against a baseline (SARIF `baselineState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Unchanged,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

/// What a finding is about, as far as its fingerprint goes. Each variant names the subject by the
/// facts of its own record only, so that the fingerprint survives moving or renaming files,
/// adding an export that links the same person (which changes the correlation cluster) and
/// adding an unrelated one (issue 7, part 5).
#[derive(Clone, Copy, Debug)]
pub enum Subject<'a> {
    /// A credential, and the account answerable for it as the credential's own record names it
    /// (its owner or a responsible person): `None` when the record names nobody.
    Credential {
        id: &'a str,
        account: Option<&'a OwnerRef>,
    },
    /// An account, by the system it is unique in and its login.
    Account { system: &'a str, login: &'a str },
    /// A configuration setting of a host: `component:key` and the scope it applies in.
    Setting {
        host: &'a str,
        setting: &'a str,
        scope: &'a str,
    },
}

impl Subject<'_> {
    /// The parts hashed after the rule code. Systems and logins are case-folded (`CORP\Alice`
    /// and `corp\alice` are one account); credential ids keep their case (SSH fingerprints).
    fn parts(&self) -> [String; 4] {
        match *self {
            Subject::Credential { id, account } => [
                "credential".into(),
                id.to_string(),
                account.map_or_else(String::new, |o| {
                    format!("{}:{}", o.system.as_deref().unwrap_or(""), o.login).to_lowercase()
                }),
                String::new(),
            ],
            Subject::Account { system, login } => [
                "account".into(),
                system.to_lowercase(),
                login.to_lowercase(),
                String::new(),
            ],
            Subject::Setting {
                host,
                setting,
                scope,
            } => [
                "setting".into(),
                host.to_lowercase(),
                setting.to_string(),
                scope.to_string(),
            ],
        }
    }
}

/// What a rule's logic reports through: it starts findings stamped with the rule's own code (from
/// the rule table, so a rule cannot report under another's code) and collects them.
#[derive(Debug)]
pub struct Emit {
    rule: &'static str,
    findings: Vec<Finding>,
}

impl Emit {
    /// An emitter for the rule with this code; the catalog makes one per rule.
    pub fn new(rule: &'static str) -> Self {
        Emit {
            rule,
            findings: Vec::new(),
        }
    }

    /// Starts a finding of this rule; `subject` feeds the fingerprint. `push` reports it.
    pub fn finding(
        &self,
        level: Level,
        subject: Subject<'_>,
        location: Evidence,
        message: String,
    ) -> Finding {
        Finding::new(self.rule, level, subject, location, message)
    }

    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

impl Finding {
    /// Starts a finding; `subject` feeds the fingerprint. Rules go through `Emit::finding`.
    fn new(
        rule: &'static str,
        level: Level,
        subject: Subject<'_>,
        location: Evidence,
        message: String,
    ) -> Self {
        let (owner, system, shown) = match subject {
            Subject::Credential { id, account } => (
                account.cloned(),
                account.and_then(|o| o.system.clone()),
                format!("credential {id}"),
            ),
            Subject::Account { system, login } => (
                Some(OwnerRef {
                    system: Some(system.to_string()),
                    login: login.to_string(),
                }),
                Some(system.to_string()),
                format!("{login}@{system}"),
            ),
            Subject::Setting { host, setting, .. } => {
                (None, Some(host.to_string()), format!("{setting} on {host}"))
            }
        };
        Finding {
            rule,
            level,
            message,
            account: None,
            host: None,
            credential: None,
            location,
            related: Vec::new(),
            fingerprint: fingerprint(rule, &subject),
            suppressed: None,
            identity: None,
            system,
            subject: shown,
            used_after_reset: None,
            issued: None,
            owner,
            identity_index: None,
            about_setting: matches!(subject, Subject::Setting { .. }),
            expired_exception: None,
            baseline_state: None,
        }
    }

    /// The credential was used after the reset (`Survivor::used_after`).
    pub fn used_after_reset(mut self, at: Option<jiff::Timestamp>) -> Self {
        self.used_after_reset = at;
        self
    }

    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.to_string());
        self
    }

    pub fn host(mut self, host: Option<&str>) -> Self {
        self.host = host.map(str::to_string);
        self
    }

    /// The credential the finding is about, by the id reports show (`Credential::shown_id`).
    pub fn credential(mut self, c: &Credential) -> Self {
        self.credential = Some(c.shown_id().to_string());
        self.issued = c.issued.known();
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

/// The SARIF `partialFingerprints` key of `fingerprint`; bumped whenever its basis changes.
pub const FINGERPRINT_KEY: &str = "resetgap/v2";

/// `sha256(rule \0 kind \0 part \0 part \0 part)` of the subject, first 16 bytes as hex.
pub fn fingerprint(rule: &str, subject: &Subject<'_>) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    for part in subject.parts() {
        h.update([0]);
        h.update(part.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(system: Option<&str>, login: &str) -> OwnerRef {
        OwnerRef {
            system: system.map(str::to_string),
            login: login.to_string(),
        }
    }

    #[test]
    fn fingerprint_ignores_case_of_account_not_of_credential_id() {
        let o = owner(Some("aws"), "M.Okafor");
        let lower = owner(Some("AWS"), "m.okafor");
        let cred = |id, account| Subject::Credential { id, account };
        let a = fingerprint("RG101", &cred("SHA256:abcD", Some(&o)));
        assert_eq!(a, fingerprint("RG101", &cred("SHA256:abcD", Some(&lower))));
        assert_ne!(a, fingerprint("RG101", &cred("SHA256:abcd", Some(&o))));
        assert_ne!(a, fingerprint("RG102", &cred("SHA256:abcD", Some(&o))));
        assert_ne!(a, fingerprint("RG101", &cred("SHA256:abcD", None)));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn subjects_of_different_kinds_never_collide() {
        let account = Subject::Account {
            system: "web01",
            login: "alice",
        };
        let setting = Subject::Setting {
            host: "web01",
            setting: "alice",
            scope: "",
        };
        let o = owner(Some("web01"), "alice");
        let cred = Subject::Credential {
            id: "web01",
            account: Some(&o),
        };
        let fps = [
            fingerprint("RG301", &account),
            fingerprint("RG301", &setting),
            fingerprint("RG301", &cred),
        ];
        assert_ne!(fps[0], fps[1]);
        assert_ne!(fps[1], fps[2]);
        assert_ne!(fps[0], fps[2]);
    }
}
