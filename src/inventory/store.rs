//! `Inventory`: the merged, sorted and deduplicated records of a scan, with lookup indices.

use super::model::*;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Default, Serialize)]
pub struct Inventory {
    pub hosts: Vec<Host>,
    pub accounts: Vec<Account>,
    pub credentials: Vec<Credential>,
    pub memberships: Vec<Membership>,
    pub sudo_grants: Vec<SudoGrant>,
    /// In each system's evaluation order (file order with includes expanded), systems sorted.
    pub settings: Vec<Setting>,
    #[serde(skip)]
    by_login: HashMap<(String, String), usize>,
}

impl Inventory {
    /// Merges records from every source. Records of one system must arrive in that system's
    /// evaluation order (sources emit a host's records together); the result is deterministic.
    pub fn from_records(records: Vec<Record>) -> Inventory {
        let mut inv = Inventory::default();
        for r in records {
            match r {
                Record::Account(a) => inv.accounts.push(a),
                Record::Credential(c) => inv.credentials.push(c),
                Record::Host(h) => inv.hosts.push(h),
                Record::Membership(m) => inv.memberships.push(m),
                Record::SudoGrant(g) => inv.sudo_grants.push(g),
                Record::Setting(s) => inv.settings.push(s),
            }
        }
        inv.hosts
            .sort_by(|a, b| (&a.name, &a.root).cmp(&(&b.name, &b.root)));
        inv.hosts
            .dedup_by(|a, b| a.name == b.name && a.root == b.root);
        inv.accounts.sort_by(|a, b| {
            (&a.system, &a.login, &a.evidence).cmp(&(&b.system, &b.login, &b.evidence))
        });
        // The same account listed by two exports (a report as CSV and as its JSON wrapper): keep
        // the first by location.
        inv.accounts
            .dedup_by(|a, b| a.system == b.system && a.login == b.login);
        inv.credentials
            .sort_by(|a, b| (&a.evidence, a.kind, &a.id).cmp(&(&b.evidence, b.kind, &b.id)));
        // A listed credential seen in two exports is one credential; a secret found in two files
        // is two findings, so plaintext secrets are kept per location.
        let mut seen = std::collections::HashSet::new();
        inv.credentials.retain(|c| {
            c.kind == CredentialKind::PlaintextSecret
                || seen.insert((c.kind, c.id.clone(), c.owner.clone()))
        });
        inv.memberships.sort();
        inv.memberships.dedup();
        inv.sudo_grants.sort();
        inv.sudo_grants.dedup();
        // Stable: keeps each system's evaluation order.
        inv.settings.sort_by(|a, b| a.system.cmp(&b.system));
        for (i, a) in inv.accounts.iter().enumerate() {
            inv.by_login.insert((a.system.clone(), a.login.clone()), i);
        }
        // Other names of an account in its system (an Okta user id, an Entra object id, an ARN)
        // find it too, unless they name an account of their own.
        for (i, a) in inv.accounts.iter().enumerate() {
            for alias in &a.aliases {
                inv.by_login
                    .entry((a.system.clone(), alias.clone()))
                    .or_insert(i);
            }
        }
        inv
    }

    /// The account `login` on `system`.
    pub fn account(&self, system: &str, login: &str) -> Option<usize> {
        self.by_login
            .get(&(system.to_string(), login.to_string()))
            .copied()
    }

    /// Writes every record as JSON Lines (`{"record": "account", ...}`), in inventory order.
    pub fn write_jsonl(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        fn line<T: Serialize>(
            out: &mut dyn std::io::Write,
            kind: &str,
            v: &T,
        ) -> std::io::Result<()> {
            let mut value = serde_json::to_value(v).map_err(crate::report::json_io_error)?;
            if let serde_json::Value::Object(map) = &mut value {
                map.insert("record".into(), kind.into());
            }
            serde_json::to_writer(&mut *out, &value).map_err(crate::report::json_io_error)?;
            out.write_all(b"\n")
        }
        for h in &self.hosts {
            line(out, "host", h)?;
        }
        for a in &self.accounts {
            line(out, "account", a)?;
        }
        for c in &self.credentials {
            line(out, "credential", c)?;
        }
        for m in &self.memberships {
            line(out, "membership", m)?;
        }
        for g in &self.sudo_grants {
            line(out, "sudo-grant", g)?;
        }
        for s in &self.settings {
            line(out, "setting", s)?;
        }
        Ok(())
    }
}
