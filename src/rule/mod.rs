//! Rules: the catalog (metadata from `rules/checks/*.yml`), the selection of enabled rules, and
//! the evaluation of each rule's Rust logic over the correlated inventory, in parallel.
//!
//! One file per rule in `checks/`, looked up by code. Rules never print; they return findings.

pub mod allow;
pub mod checks;
pub mod meta;

use crate::correlate::Correlation;
use crate::finding::Finding;
use crate::inventory::Inventory;
use jiff::Timestamp;
use rayon::prelude::*;

pub use allow::AdminAllowList;
pub use meta::RuleMeta;

/// Options the rules read.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// "Now" for every age computation; never the wall clock inside rules.
    pub as_of: Timestamp,
    pub max_credential_age_days: i64,
    /// Tolerance when comparing a credential time with a reset time (AWS records key use at
    /// most every 15 minutes; clocks differ).
    pub skew_seconds: i64,
    pub allow_admins: AdminAllowList,
    /// RG203: krbtgt password age (Maester AD-KRBTGT-01: 180 days).
    pub krbtgt_max_age_days: i64,
    /// RG302: privileged password age (Purple Knight: 180 days).
    pub privileged_max_age_days: i64,
    /// RG206: Kerberoastable / AS-REP-roastable password age.
    pub service_max_age_days: i64,
    /// RG207: how long a forced change may stay pending.
    pub pending_reset_max_age_days: i64,
    /// RG304: days past a LAPS expiration before it counts as stale.
    pub laps_grace_days: i64,
    /// RG106: how far behind a directory reset a synchronised store may be.
    pub sync_interval_minutes: i64,
    /// RG202: longest acceptable validity of application secrets and certificates.
    pub max_secret_lifetime_days: i64,
}

impl RuleOptions {
    pub fn new(as_of: Timestamp) -> Self {
        RuleOptions {
            as_of,
            max_credential_age_days: 90,
            skew_seconds: 300,
            allow_admins: AdminAllowList::default(),
            krbtgt_max_age_days: 180,
            privileged_max_age_days: 180,
            service_max_age_days: 365,
            pending_reset_max_age_days: 7,
            laps_grace_days: 30,
            sync_interval_minutes: 120,
            max_secret_lifetime_days: 365,
        }
    }
}

/// What a rule's logic sees.
pub struct Context<'a> {
    pub inventory: &'a Inventory,
    pub correlation: &'a Correlation,
    pub options: &'a RuleOptions,
}

type CheckFn = fn(&Context<'_>) -> Vec<Finding>;

/// A rule: its metadata and its logic.
pub struct Rule {
    pub meta: RuleMeta,
    check: CheckFn,
}

/// The rule catalog, sorted by code.
pub struct Catalog {
    pub rules: Vec<Rule>,
}

impl Catalog {
    /// Loads the bundled metadata and binds each rule to its logic. Every problem is reported.
    pub fn bundled() -> Result<Catalog, Vec<String>> {
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        for (file, text) in meta::BUNDLED {
            match meta::parse(file, text) {
                Ok(meta) => match checks::lookup(&meta.code) {
                    Some(check) => rules.push(Rule { meta, check }),
                    None => problems.push(format!(
                        "{file}:1:1: no logic is registered for rule {}",
                        meta.code
                    )),
                },
                Err(p) => problems.extend(p),
            }
        }
        rules.sort_by(|a, b| a.meta.code.cmp(&b.meta.code));
        for pair in rules.windows(2) {
            if pair[0].meta.code == pair[1].meta.code || pair[0].meta.name == pair[1].meta.name {
                problems.push(format!(
                    "duplicate rule {} / {}",
                    pair[0].meta.code, pair[1].meta.name
                ));
            }
        }
        if problems.is_empty() {
            Ok(Catalog { rules })
        } else {
            Err(problems)
        }
    }

    /// A rule by code (`RG101`) or name (`token-survives-reset`), case-insensitive.
    pub fn find(&self, code_or_name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            r.meta.code.eq_ignore_ascii_case(code_or_name)
                || r.meta.name.eq_ignore_ascii_case(code_or_name)
        })
    }

    /// Keeps the selected rules (all when `select` is empty) minus the ignored ones.
    pub fn select(mut self, select: &[String], ignore: &[String]) -> Result<Catalog, String> {
        for wanted in select.iter().chain(ignore) {
            if self.find(wanted).is_none() {
                return Err(format!("unknown rule `{wanted}` (see `resetgap rules`)"));
            }
        }
        let hit = |r: &Rule, list: &[String]| {
            list.iter()
                .any(|w| r.meta.code.eq_ignore_ascii_case(w) || r.meta.name.eq_ignore_ascii_case(w))
        };
        self.rules
            .retain(|r| (select.is_empty() || hit(r, select)) && !hit(r, ignore));
        Ok(self)
    }

    /// Runs every enabled rule in parallel and returns the findings sorted.
    pub fn evaluate(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut findings: Vec<Finding> = self
            .rules
            .par_iter()
            .flat_map_iter(|r| (r.check)(ctx))
            .collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup_by(|a, b| {
            a.rule == b.rule && a.fingerprint == b.fingerprint && a.location == b.location
        });
        findings
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.meta.code == code)
    }
}
