//! `--emit-inventory`: the merged inventory and the identities as JSON Lines: the header
//! (`crate::shard::Header`, kind `inventory`), one record per
//! line (`{"record": "account", ...}`), in inventory order, then one `identity` line per
//! identity with its linked accounts, why each was linked (`links`: the basis, the shared key,
//! and whether the link rests on a name alone) and its last reset.
//!
//! Owns the file's shape. Not here: what the records hold (`inventory::model`) or how identities
//! are linked (`correlate`).

use super::json_io_error;
use crate::correlate::{Correlation, Identity, LinkBasis};
use crate::inventory::{Evidence, Inventory, When};
use serde::Serialize;
use std::io::Write;

/// An identity as the inventory file lists it: which accounts it links and its last reset.
#[derive(Debug, Serialize)]
struct IdentityRecord<'a> {
    record: &'static str,
    identity: &'a str,
    /// `system:login` of each linked account.
    accounts: Vec<String>,
    /// Some link rests on a name alone (`LinkBasis::is_weak`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    weak: bool,
    /// Why the accounts were linked, one entry per pair joined directly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<LinkRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_reset: Option<ResetRecord>,
}

#[derive(Debug, Serialize)]
struct LinkRecord {
    /// `system:login` of the two accounts.
    accounts: [String; 2],
    by: LinkBasis,
    /// The shared key: a normalised login, an address, or the identities file's name.
    key: String,
    weak: bool,
}

#[derive(Debug, Serialize)]
struct ResetRecord {
    at: When,
    account: String,
    evidence: Evidence,
}

/// Writes the header (`crate::shard::Header`, kind `inventory`, with the counts filled in),
/// every record, then every identity.
pub fn write_jsonl(
    header: &mut crate::shard::Header,
    inv: &Inventory,
    correlation: &Correlation,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    header.records = [
        inv.hosts.len(),
        inv.accounts.len(),
        inv.credentials.len(),
        inv.memberships.len(),
        inv.sudo_grants.len(),
        inv.settings.len(),
        inv.trusts.len(),
        inv.events.len(),
        inv.tickets.len(),
        inv.reset_rights.len(),
    ]
    .iter()
    .sum::<usize>() as u64;
    header.identities = Some(correlation.identities.len() as u64);
    header.collections = inv
        .hosts
        .iter()
        .map(|h| crate::shard::Collection {
            host: h.name.clone(),
            collected_at: h.collected_at,
        })
        .collect();
    header.write(out)?;
    write_records(inv, out)?;
    write_identities(inv, correlation, out)
}

/// Every record as JSON Lines, in inventory order.
fn write_records(inv: &Inventory, out: &mut dyn Write) -> std::io::Result<()> {
    fn line<T: Serialize>(out: &mut dyn Write, kind: &str, v: &T) -> std::io::Result<()> {
        let mut value = serde_json::to_value(v).map_err(json_io_error)?;
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("record".into(), kind.into());
        }
        serde_json::to_writer(&mut *out, &value).map_err(json_io_error)?;
        out.write_all(b"\n")
    }
    for h in &inv.hosts {
        line(out, "host", h)?;
    }
    for a in &inv.accounts {
        line(out, "account", a)?;
    }
    for c in &inv.credentials {
        line(out, "credential", c)?;
    }
    for m in &inv.memberships {
        line(out, "membership", m)?;
    }
    for g in &inv.sudo_grants {
        line(out, "sudo-grant", g)?;
    }
    for s in &inv.settings {
        line(out, "setting", s)?;
    }
    for t in &inv.trusts {
        line(out, "trust", t)?;
    }
    for e in &inv.events {
        line(out, "event", e)?;
    }
    for t in &inv.tickets {
        line(out, "ticket", t)?;
    }
    for r in &inv.reset_rights {
        line(out, "reset-right", r)?;
    }
    Ok(())
}

/// One JSON line per identity, sorted by key.
fn write_identities(
    inv: &Inventory,
    correlation: &Correlation,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut ids: Vec<&Identity> = correlation.identities.iter().collect();
    ids.sort_by(|a, b| a.key.cmp(&b.key));
    for id in ids {
        let rec = IdentityRecord {
            record: "identity",
            identity: &id.key,
            accounts: id
                .accounts
                .iter()
                .map(|&i| format!("{}:{}", inv.accounts[i].system, inv.accounts[i].login))
                .collect(),
            weak: id.has_weak_link(),
            links: id
                .links
                .iter()
                .map(|l| {
                    let name =
                        |i: usize| format!("{}:{}", inv.accounts[i].system, inv.accounts[i].login);
                    LinkRecord {
                        accounts: [name(l.a), name(l.b)],
                        by: l.basis,
                        key: l.key.clone(),
                        weak: l.weak,
                    }
                })
                .collect(),
            last_reset: id.last_reset.map(|r| {
                let a = &inv.accounts[r.account];
                ResetRecord {
                    at: When::Known(r.at),
                    account: format!("{}:{}", a.system, a.login),
                    evidence: a
                        .password_evidence
                        .clone()
                        .unwrap_or_else(|| a.evidence.clone()),
                }
            }),
        };
        serde_json::to_writer(&mut *out, &rec).map_err(json_io_error)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
