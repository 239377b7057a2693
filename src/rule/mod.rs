//! Rules: the catalog (metadata from `rules/checks/*.yml`), the selection of enabled rules, and
//! the evaluation of each rule's Rust logic over the correlated inventory, in parallel.
//!
//! One file per rule in `checks/`, declared once in its `rules!` table (code, module, embedded
//! metadata). Rules never print; they report findings through an `Emit` stamped with their code.

pub mod allow;
pub mod checks;
pub mod coverage;
pub mod meta;
pub mod revocation;

use crate::correlate::Correlation;
use crate::finding::{Emit, Finding};
use crate::inventory::{Inventory, OwnerRef};
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
    /// RG603: hours after a recorded reset by which every other credential and session of the
    /// identity must be revoked.
    pub revocation_window_hours: i64,
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
            revocation_window_hours: 24,
        }
    }
}

/// What a rule's logic sees.
pub struct Context<'a> {
    pub inventory: &'a Inventory,
    pub correlation: &'a Correlation,
    pub options: &'a RuleOptions,
    /// Lookups several rules share, built once on first use (`checks::shared`).
    shared: checks::shared::Shared,
}

impl<'a> Context<'a> {
    pub fn new(
        inventory: &'a Inventory,
        correlation: &'a Correlation,
        options: &'a RuleOptions,
    ) -> Self {
        Context {
            inventory,
            correlation,
            options,
            shared: Default::default(),
        }
    }
}

type CheckFn = fn(&Context<'_>, &mut Emit);

/// A rule: its metadata and its logic.
pub struct Rule {
    pub meta: RuleMeta,
    /// The code of the rule table (the same as `meta.code`, checked when loading).
    code: &'static str,
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
        for entry in checks::TABLE {
            match meta::parse(entry.file, entry.yaml) {
                Ok(meta) if meta.code == entry.code => rules.push(Rule {
                    meta,
                    code: entry.code,
                    check: entry.check,
                }),
                Ok(meta) => problems.push(format!(
                    "{}:1:1: code `{}` does not match its file and table entry {}",
                    entry.file, meta.code, entry.code
                )),
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
            .flat_map_iter(|r| {
                let mut emit = Emit::new(r.code);
                (r.check)(ctx, &mut emit);
                emit.into_findings()
            })
            .collect();
        findings.par_iter_mut().for_each(|f| attribute(ctx, f));
        // Stable, like `sort_by`: equal keys keep the rules' order.
        findings.par_sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings.dedup_by(|a, b| {
            a.rule == b.rule && a.fingerprint == b.fingerprint && a.location == b.location
        });
        findings
    }

    /// The rule set a report was made with: `sha256:` of every bundled rule's metadata file and
    /// every secret extractor's id and pattern (custom `--extractors` included), first 16 bytes.
    pub fn rule_set_hash(extractors: &crate::source::secrets::PreparedExtractors) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for entry in checks::TABLE {
            h.update(entry.code.as_bytes());
            h.update([0]);
            h.update(entry.yaml.as_bytes());
            h.update([0]);
        }
        for (id, pattern) in extractors.definitions() {
            h.update(id.as_bytes());
            h.update([0]);
            h.update(pattern.as_bytes());
            h.update([0]);
        }
        let hex: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256:{hex}")
    }

    /// Whether each enabled rule could be assessed on this inventory (`coverage`).
    pub fn coverage(&self, inventory: &Inventory, files: u64) -> Vec<coverage::Coverage> {
        coverage::assess(self.rules.iter().map(|r| &r.code), inventory, files)
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.meta.code == code)
    }
}

/// Names the identity and system a finding belongs to, from the account its subject names: the
/// account as its own record spells it (`login@system`), and the identity that account (or, for a
/// reference without a system, the linked login) belongs to.
fn attribute(ctx: &Context<'_>, f: &mut Finding) {
    // A credential whose record names nobody may still be tied to an account by other evidence
    // (the listed key it is paired with): the login the finding names.
    let named;
    let owner = match (&f.owner, &f.account) {
        (Some(o), _) => o,
        (None, Some(login)) if !f.about_setting => {
            named = OwnerRef {
                system: None,
                login: login.clone(),
            };
            &named
        }
        _ => return,
    };
    let account = owner
        .system
        .as_deref()
        .and_then(|s| ctx.inventory.account(s, &owner.login))
        .map(|i| &ctx.inventory.accounts[i]);
    if let Some(i) = ctx.correlation.owner_identity_index(ctx.inventory, owner) {
        f.identity = Some(ctx.correlation.identities[i].key.clone());
        f.identity_index = Some(i);
    }
    let (login, system) = match account {
        Some(a) => (a.login.as_str(), Some(a.system.as_str())),
        None => (owner.login.as_str(), owner.system.as_deref()),
    };
    f.system = system.map(str::to_string);
    f.subject = match system {
        Some(s) => format!("{login}@{s}"),
        None => format!("{login} (system not named by the evidence)"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::{Correlation, IdentityMap};
    use crate::inventory::{Account, Evidence, Record, SourceKind};

    #[test]
    fn every_bundled_rule_loads_under_its_table_code() {
        let catalog = Catalog::bundled().unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(catalog.rules.len(), checks::TABLE.len());
        for r in &catalog.rules {
            assert_eq!(r.code, r.meta.code);
        }
    }

    /// Findings carry the code of the rule whose logic emitted them: the emitter is stamped by
    /// the table, not by the logic.
    #[test]
    fn findings_carry_their_rules_code() {
        let mut a = Account::new(
            SourceKind::ConfigFile,
            "web01",
            "toor",
            Evidence::at("p", 2),
        );
        a.uid = Some(0);
        a.scope = crate::inventory::AccountScope::Local;
        let inv = Inventory::from_records(vec![Record::Account(a)]);
        let correlation = Correlation::build(&inv, &IdentityMap::default());
        let options = RuleOptions::new(Timestamp::UNIX_EPOCH);
        let ctx = Context::new(&inv, &correlation, &options);
        let catalog = Catalog::bundled().unwrap_or_else(|p| panic!("{p:#?}"));
        let findings = catalog.evaluate(&ctx);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].rule, "RG301");
    }
}
