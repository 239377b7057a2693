//! The `--allow-admins` file: accepted local administrators, each with a reason. Findings of
//! RG301 that it matches are kept, marked suppressed with that reason (SARIF `suppressions`), and
//! never gate the exit code.
//!
//! ```yaml
//! - account: alice          # login, exact
//!   host: "web*"            # optional glob on the host name; all hosts when absent
//!   reason: on-call SRE, approved in CHG-1234
//! ```

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    account: String,
    #[serde(default)]
    host: Option<String>,
    reason: String,
}

#[derive(Debug, Clone)]
struct Entry {
    account: String,
    host: Option<GlobMatcher>,
    reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct AdminAllowList {
    entries: Vec<Entry>,
}

impl AdminAllowList {
    pub fn parse(file: &str, text: &str) -> Result<AdminAllowList, String> {
        let raw: Vec<RawEntry> = crate::yaml::from_str(text).map_err(|e| format!("{file}:{e}"))?;
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for (i, r) in raw.into_iter().enumerate() {
            if r.reason.trim().is_empty() {
                problems.push(format!(
                    "{file}: entry {} (`{}`): reason must not be empty",
                    i + 1,
                    r.account
                ));
            }
            let host = match r.host.as_deref().map(Glob::new) {
                None => None,
                Some(Ok(g)) => Some(g.compile_matcher()),
                Some(Err(e)) => {
                    problems.push(format!("{file}: entry {}: bad host glob: {e}", i + 1));
                    None
                }
            };
            entries.push(Entry {
                account: r.account,
                host,
                reason: r.reason.trim().to_string(),
            });
        }
        if problems.is_empty() {
            Ok(AdminAllowList { entries })
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The reason an administrator is accepted, if it is.
    pub fn reason(&self, host: &str, account: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.account == account && e.host.as_ref().is_none_or(|g| g.is_match(host)))
            .map(|e| e.reason.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_account_and_host_glob() {
        let list = AdminAllowList::parse(
            "a.yml",
            "- account: alice\n  host: 'web*'\n  reason: on-call\n- account: ops\n  reason: break-glass\n",
        )
        .unwrap();
        assert_eq!(list.reason("web01", "alice"), Some("on-call"));
        assert_eq!(list.reason("db01", "alice"), None);
        assert_eq!(list.reason("db01", "ops"), Some("break-glass"));
    }

    #[test]
    fn requires_reason_and_known_fields() {
        assert!(AdminAllowList::parse("a.yml", "- account: alice\n  reason: ''\n").is_err());
        assert!(AdminAllowList::parse("a.yml", "- account: alice\n  reasn: x\n").is_err());
    }
}
