//! The identity story: findings grouped by the identity they belong to, each group headed by
//! the identity's linked accounts and last reset, the groups and the findings in them ordered by
//! urgency. Findings that belong to no identity (host settings, secrets nobody is named for)
//! follow, grouped by their host or file. Every report format that tells the story reads it here.

use crate::correlate::Correlation;
use crate::finding::Finding;
use crate::inventory::{Evidence, Inventory};
use crate::rule::Catalog;
use jiff::Timestamp;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// The reset that the findings of an identity are judged against.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetRecord {
    /// `login@system` of the account whose record proves it.
    pub account: String,
    pub system: String,
    pub at: Timestamp,
    pub evidence: Evidence,
}

/// One group of the story: an identity, or a host or file for findings without one.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The identity's name (the `--identities` name, else the linked login), or the host or file.
    pub name: String,
    /// `identity`, `host` or `file`.
    pub kind: &'static str,
    /// Linked accounts, `login@system`, sorted (identities only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reset: Option<ResetRecord>,
    /// The names alone that linked some of the accounts (weak links, `correlate::LinkBasis`):
    /// "UPN local part m.okafor", "login mokafor". Empty when every link is strong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weak_links: Vec<String>,
    /// Findings not suppressed: what survived or is open.
    pub open: usize,
    /// Indices into the report's findings, most urgent first.
    pub findings: Vec<usize>,
}

/// Urgency of a finding, most urgent smallest: used after the reset (someone still holds it),
/// then level, then security severity, then age (oldest first, undated last).
pub fn urgency(f: &Finding, catalog: &Catalog) -> impl Ord {
    let severity = catalog
        .index_of(f.rule)
        .and_then(|i| catalog.rules[i].meta.security_severity.parse::<f64>().ok())
        .map_or(0, |s| (s * 10.0) as i64);
    (
        f.suppressed.is_some(),
        f.used_after_reset.is_none(),
        Reverse(f.level.rank()),
        Reverse(severity),
        f.issued.is_none(),
        f.issued,
    )
}

/// Builds the story of `findings`: identity groups first, ordered by their most urgent finding,
/// then the groups of findings without an identity by the same measure. Ties go by name.
pub fn build(
    inventory: &Inventory,
    correlation: &Correlation,
    catalog: &Catalog,
    findings: &[Finding],
) -> Vec<Group> {
    let mut by_identity: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut by_place: BTreeMap<(&'static str, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        match f.identity_index {
            Some(id) => by_identity.entry(id).or_default().push(i),
            None => {
                let place = match (&f.host, &f.system) {
                    (Some(h), _) => ("host", h.clone()),
                    (None, Some(s)) if f.owner.is_none() && f.credential.is_none() => {
                        ("host", s.clone())
                    }
                    _ => ("file", f.location.path.clone()),
                };
                by_place.entry(place).or_default().push(i);
            }
        }
    }
    let order = |list: &mut Vec<usize>| {
        list.sort_by(|&a, &b| {
            urgency(&findings[a], catalog)
                .cmp(&urgency(&findings[b], catalog))
                .then_with(|| findings[a].sort_key().cmp(&findings[b].sort_key()))
        });
    };
    let open = |list: &[usize]| {
        list.iter()
            .filter(|&&i| findings[i].suppressed.is_none())
            .count()
    };

    let mut identities: Vec<Group> = by_identity
        .into_iter()
        .map(|(id, mut list)| {
            order(&mut list);
            let identity = &correlation.identities[id];
            let mut accounts: Vec<String> = identity
                .accounts
                .iter()
                .map(|&a| {
                    let a = &inventory.accounts[a];
                    format!("{}@{}", a.login, a.system)
                })
                .collect();
            accounts.sort();
            accounts.dedup();
            let last_reset = identity.last_reset.map(|r| {
                let a = &inventory.accounts[r.account];
                ResetRecord {
                    account: format!("{}@{}", a.login, a.system),
                    system: a.system.clone(),
                    at: r.at,
                    evidence: a
                        .password_evidence
                        .clone()
                        .unwrap_or_else(|| a.evidence.clone()),
                }
            });
            let mut weak_links: Vec<String> = identity
                .links
                .iter()
                .filter(|l| l.weak)
                .map(|l| {
                    let how = match l.basis {
                        crate::correlate::LinkBasis::UpnLocalPart => "UPN local part",
                        crate::correlate::LinkBasis::MailLocalPart => "mail local part",
                        _ => "login",
                    };
                    format!("{how} {}", l.key)
                })
                .collect();
            weak_links.sort();
            weak_links.dedup();
            Group {
                name: identity.key.clone(),
                kind: "identity",
                accounts,
                last_reset,
                weak_links,
                open: open(&list),
                findings: list,
            }
        })
        .collect();
    let mut places: Vec<Group> = by_place
        .into_iter()
        .map(|((kind, name), mut list)| {
            order(&mut list);
            Group {
                name,
                kind,
                accounts: Vec::new(),
                last_reset: None,
                weak_links: Vec::new(),
                open: open(&list),
                findings: list,
            }
        })
        .collect();
    let head = |g: &Group| g.findings.first().map(|&i| urgency(&findings[i], catalog));
    for groups in [&mut identities, &mut places] {
        groups.sort_by(|a, b| {
            head(a)
                .cmp(&head(b))
                .then_with(|| b.open.cmp(&a.open))
                .then_with(|| a.name.cmp(&b.name))
        });
    }
    identities.extend(places);
    identities
}
