//! Exceptions: accepted findings, each with a reason, an approver, a ticket and an expiry date.
//! They live in the config file (`resetgap.yml` at the first scan root, or `--config FILE`)
//! under `exceptions:`, and match findings by rule, fingerprint, path glob, account glob and host
//! glob (every matcher given must match; at least one is required).
//!
//! A live exception marks the finding suppressed (SARIF `suppressions`, never gating the exit
//! code). An exception holds through its `expires` date (UTC) as of the scan's `--as-of` time,
//! never the wall clock; past it, it stops suppressing and the finding says it expired.
//!
//! ```yaml
//! exceptions:
//!   - rule: RG301                 # code (or name)
//!     account: "svc-*"            # glob on the finding's account
//!     host: "web*"                # glob on its host
//!     path: "hosts/**"            # glob on its evidence path
//!     fingerprint: 0123abcd...    # exact
//!     reason: break-glass account, vaulted
//!     approved_by: j.doe
//!     ticket: CHG-2041
//!     expires: 2026-12-31
//! ```

use crate::finding::{Finding, Suppression};
use crate::rule::Catalog;
use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Deserialize;

/// An exception as written in the file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawException {
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    pub reason: String,
    pub approved_by: String,
    pub ticket: String,
    pub expires: String,
}

#[derive(Clone, Debug)]
struct Exception {
    rule: Option<String>,
    fingerprint: Option<String>,
    path: Option<GlobMatcher>,
    account: Option<GlobMatcher>,
    host: Option<GlobMatcher>,
    /// First instant the exception no longer holds (the day after `expires`, 00:00 UTC).
    ends: Timestamp,
    suppression: Suppression,
}

/// The exceptions of a config file, validated.
#[derive(Clone, Debug, Default)]
pub struct Exceptions {
    entries: Vec<Exception>,
}

/// What applying exceptions did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub suppressed: usize,
    /// (ticket, expiry, findings it no longer suppresses).
    pub expired: Vec<(String, String, usize)>,
}

fn glob(
    file: &str,
    n: usize,
    what: &str,
    g: &Option<String>,
    problems: &mut Vec<String>,
) -> Option<GlobMatcher> {
    let g = g.as_ref()?;
    match Glob::new(g) {
        Ok(g) => Some(g.compile_matcher()),
        Err(e) => {
            problems.push(format!("{file}: exception {n}: bad {what} glob: {e}"));
            None
        }
    }
}

impl Exceptions {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Validates the entries strictly: every problem is reported, none is skipped. `catalog`
    /// resolves rule names (pass every rule, not only the selected ones).
    pub fn build(
        file: &str,
        raw: &[RawException],
        catalog: &Catalog,
    ) -> Result<Exceptions, String> {
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for (i, r) in raw.iter().enumerate() {
            let n = i + 1;
            for (name, v) in [
                ("reason", &r.reason),
                ("approved_by", &r.approved_by),
                ("ticket", &r.ticket),
            ] {
                if v.trim().is_empty() {
                    problems.push(format!("{file}: exception {n}: `{name}` must not be empty"));
                }
            }
            if r.rule.is_none()
                && r.fingerprint.is_none()
                && r.path.is_none()
                && r.account.is_none()
                && r.host.is_none()
            {
                problems.push(format!(
                    "{file}: exception {n}: give at least one of rule, fingerprint, path, account, host"
                ));
            }
            let rule = match &r.rule {
                None => None,
                Some(code) => match catalog.find(code).map(|r| r.meta.code.clone()) {
                    Some(c) => Some(c),
                    None => {
                        problems.push(format!("{file}: exception {n}: unknown rule `{code}`"));
                        None
                    }
                },
            };
            let ends = match r.expires.trim().parse::<Date>() {
                Ok(d) => d
                    .tomorrow()
                    .ok()
                    .and_then(|t| {
                        jiff::tz::TimeZone::UTC
                            .to_timestamp(t.to_datetime(jiff::civil::Time::midnight()))
                            .ok()
                    })
                    .unwrap_or(Timestamp::MAX),
                Err(_) => {
                    problems.push(format!(
                        "{file}: exception {n}: `expires` `{}` is not a date (YYYY-MM-DD)",
                        r.expires
                    ));
                    Timestamp::MIN
                }
            };
            entries.push(Exception {
                rule,
                fingerprint: r.fingerprint.clone(),
                path: glob(file, n, "path", &r.path, &mut problems),
                account: glob(file, n, "account", &r.account, &mut problems),
                host: glob(file, n, "host", &r.host, &mut problems),
                ends,
                suppression: Suppression {
                    reason: r.reason.trim().to_string(),
                    approved_by: Some(r.approved_by.trim().to_string()),
                    ticket: Some(r.ticket.trim().to_string()),
                    expires: Some(r.expires.trim().to_string()),
                },
            });
        }
        if problems.is_empty() {
            Ok(Exceptions { entries })
        } else {
            Err(problems.join("\n"))
        }
    }

    /// Suppresses the findings a live exception matches; marks those only an expired one
    /// matches. Findings already accepted (`--allow-admins`) keep their suppression.
    pub fn apply(&self, findings: &mut [Finding], as_of: Timestamp) -> Applied {
        let mut applied = Applied::default();
        let mut expired_counts = vec![0usize; self.entries.len()];
        for f in findings.iter_mut() {
            if f.suppressed.is_some() {
                continue;
            }
            let mut expired = None;
            for (i, e) in self.entries.iter().enumerate() {
                if !e.matches(f) {
                    continue;
                }
                if as_of < e.ends {
                    f.suppressed = Some(e.suppression.clone());
                    expired = None;
                    applied.suppressed += 1;
                    break;
                }
                expired.get_or_insert(i);
            }
            if let Some(i) = expired {
                let s = &self.entries[i].suppression;
                expired_counts[i] += 1;
                f.message.push_str(&format!(
                    " An exception for this finding ({}) expired on {}.",
                    s.ticket.as_deref().unwrap_or(""),
                    s.expires.as_deref().unwrap_or("")
                ));
                f.expired_exception = Some(s.clone());
            }
        }
        for (e, n) in self.entries.iter().zip(expired_counts) {
            if n > 0 {
                applied.expired.push((
                    e.suppression.ticket.clone().unwrap_or_default(),
                    e.suppression.expires.clone().unwrap_or_default(),
                    n,
                ));
            }
        }
        applied
    }
}

impl Exception {
    fn matches(&self, f: &Finding) -> bool {
        let g = |m: &Option<GlobMatcher>, v: Option<&str>| match m {
            None => true,
            Some(m) => v.is_some_and(|v| m.is_match(v)),
        };
        self.rule.as_deref().is_none_or(|r| r == f.rule)
            && self
                .fingerprint
                .as_deref()
                .is_none_or(|p| p == f.fingerprint)
            && g(&self.path, Some(&f.location.path))
            && g(&self.account, f.account.as_deref())
            && g(&self.host, f.host.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Emit, Level, Subject};
    use crate::inventory::Evidence;

    fn finding(rule: &'static str, account: &str, path: &str) -> Finding {
        let e = Emit::new(rule);
        let subject = Subject::Account {
            system: "web01",
            login: account,
        };
        let location = Evidence {
            path: path.to_string(),
            line: Some(1),
        };
        e.finding(Level::Warning, subject, location, "m.".into())
            .account(account)
            .host(Some("web01"))
    }

    fn raw(yaml: &str) -> Vec<RawException> {
        crate::yaml::from_str(yaml).unwrap()
    }

    const ENTRY: &str = "- rule: RG301\n  account: 'svc-*'\n  path: 'hosts/**'\n  reason: r\n  approved_by: a\n  ticket: T-1\n  expires: 2026-08-20\n";

    #[test]
    fn every_matcher_given_must_match_and_expiry_is_inclusive() {
        let catalog = Catalog::bundled().unwrap();
        let ex = Exceptions::build("x.yml", &raw(ENTRY), &catalog).unwrap();
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let mut fs = vec![
            finding("RG301", "svc-backup", "hosts/web01/etc/group"),
            finding("RG301", "alice", "hosts/web01/etc/group"),
            finding("RG301", "svc-backup", "aws/keys.json"),
            finding("RG302", "svc-backup", "hosts/web01/etc/group"),
        ];
        let applied = ex.apply(&mut fs, t("2026-08-20T23:59:59Z"));
        assert_eq!(applied.suppressed, 1);
        assert_eq!(
            fs[0].suppressed.as_ref().unwrap().ticket.as_deref(),
            Some("T-1")
        );
        assert!(fs[1..].iter().all(|f| f.suppressed.is_none()));

        let mut fs = vec![finding("RG301", "svc-backup", "hosts/web01/etc/group")];
        let applied = ex.apply(&mut fs, t("2026-08-21T00:00:00Z"));
        assert_eq!(applied.suppressed, 0);
        assert_eq!(
            applied.expired,
            vec![("T-1".to_string(), "2026-08-20".to_string(), 1)]
        );
        assert!(fs[0].suppressed.is_none());
        assert!(fs[0].expired_exception.is_some());
        assert!(fs[0].message.ends_with("expired on 2026-08-20."));
    }

    #[test]
    fn invalid_entries_are_errors() {
        let catalog = Catalog::bundled().unwrap();
        for bad in [
            ENTRY.replace("rule: RG301", "rule: RG999"),
            ENTRY.replace("2026-08-20", "soon"),
            ENTRY.replace("reason: r", "reason: ' '"),
            ENTRY.replace("'svc-*'", "'svc-[*'"),
            "- reason: r\n  approved_by: a\n  ticket: T\n  expires: 2026-01-01\n".to_string(),
        ] {
            assert!(
                Exceptions::build("x.yml", &raw(&bad), &catalog).is_err(),
                "{bad}"
            );
        }
        assert!(
            crate::yaml::from_str::<Vec<RawException>>(&ENTRY.replace("ticket", "tiket")).is_err()
        );
    }
}
