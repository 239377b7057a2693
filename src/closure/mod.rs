//! The reset closure report, issue 12's "eviction certificate": after the rules have run, one
//! [`ClosureRecord`] per reset in the ledger, saying whether that reset closed every door.
//!
//! A reset is a successful audit-log event that sets a password (`EventKind::sets_password`:
//! admin reset, self-service reset, password change). The records one reset leaves in several
//! logs (a 4724 and its Entra Connect echo, Entra's two records of one admin reset) are one
//! record when they are about the same identity and each follows the previous within
//! `ledger::BURST_SECONDS`, as the ledger rules count them. Each record lists the identity and
//! its links, the event with its actor, tickets and approval, every account of the identity with
//! its password and sessions after the reset, every credential with its state after the reset,
//! the residual access paths (the open findings of the rules that describe surviving access),
//! the accepted ones (suppressed by an exception), the missing evidence, and a verdict: open,
//! else unprovable, else closed. Items carry CISA Eviction Strategies countermeasures (`cisa`).
//!
//! This module judges nothing the rules judge: residual paths and approval problems are the
//! rules' findings, found again here by identity, credential id and evidence location. It adds
//! only what a per-reset view needs: the state of each account and credential after this reset,
//! and a surviving credential or unrevoked session that no finding names (a reset whose
//! revocation window is still open). Writers (`render`) print it; no secret value is in it.

pub mod cisa;
pub mod render;

use crate::correlate::{normalize_login, LinkBasis};
use crate::finding::{Finding, Suppression};
use crate::inventory::ledger::{Event, EventKind, Outcome, RightTarget, Ticket};
use crate::inventory::{
    Account, AccountScope, Credential, CredentialKind, CredentialStatus, Evidence, OwnerRef,
    PasswordState, SourceKind,
};
use crate::report::scope::Scope;
use crate::rule::checks::ledger::{first_removal, span, AccountIndex, BURST_SECONDS};
use crate::rule::checks::ledger_people::{privileged, tickets_for};
use crate::rule::checks::{answerable, credential_name, owner_login};
use crate::rule::revocation::{self, Held, Revocation};
use crate::rule::Context;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// Rules whose open findings are residual access paths: something that still opens a door
/// after the reset (RG607: a Tier-0 secret, krbtgt or a sync account, not rotated after a Tier-0
/// reset, which forges or replays access whatever the password).
pub const RESIDUAL_RULES: &[&str] = &[
    "RG101", "RG102", "RG103", "RG104", "RG105", "RG106", "RG107", "RG108", "RG109", "RG110",
    "RG111", "RG201", "RG208", "RG504", "RG603", "RG604", "RG606", "RG607",
];

/// Ledger rules whose absence (not assessed for lack of input) leaves a reset unprovable.
const LEDGER_RULES: &[&str] = &[
    "RG601", "RG602", "RG603", "RG604", "RG605", "RG606", "RG607", "RG608",
];

/// Systems whose sign-in sessions outlive a password change unless revoked.
const SESSION_SYSTEMS: &[SourceKind] = &[
    SourceKind::EntraId,
    SourceKind::Okta,
    SourceKind::GoogleWorkspace,
];

/// What the record concludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every door closed, and the evidence shows it.
    Closed,
    /// Residual access paths remain.
    Open,
    /// Nothing is known to remain open, but evidence is missing to prove it.
    Unprovable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Closed => "closed",
            Verdict::Open => "open",
            Verdict::Unprovable => "unprovable",
        }
    }
}

/// One reset and what it closed.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosureRecord {
    pub identity: IdentityInfo,
    /// When the reset happened: its first event.
    pub at: Timestamp,
    pub verdict: Verdict,
    /// What remains (open), what evidence is missing (unprovable), or that all closed.
    pub verdict_reason: String,
    /// The reset's first event.
    pub event: EventInfo,
    /// The other records of the same reset (other logs, other systems), in time order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub echoes: Vec<EventInfo>,
    /// The tickets open at the reset for its target.
    pub tickets: Vec<TicketInfo>,
    /// What RG601 and RG602 said about this reset's events, else the approval the tickets show.
    pub approval: Vec<Item>,
    /// The countermeasure of resetting the reset account's password (CM0033, CM0128, ...).
    pub cisa: Vec<&'static str>,
    pub accounts: Vec<AccountInfo>,
    pub credentials: Vec<CredentialInfo>,
    /// Open access paths: the findings of `RESIDUAL_RULES`, and survivors no finding names.
    pub residual: Vec<Item>,
    /// Residual paths an exception accepts: listed, not counted against the verdict.
    pub accepted: Vec<Accepted>,
    pub missing: Vec<Item>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityInfo {
    /// The identity's name (the `--identities` name, else its linked login); for a reset of an
    /// account no export lists, the target as the log names it.
    pub name: String,
    /// `login@system`, sorted.
    pub accounts: Vec<String>,
    pub links: Vec<LinkInfo>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkInfo {
    pub accounts: [String; 2],
    pub basis: LinkBasis,
    pub key: String,
    pub weak: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventInfo {
    pub at: Timestamp,
    pub system: String,
    pub kind: EventKind,
    /// The vendor's name of the event (`4724`, `Reset password (by admin)`).
    pub action: String,
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strong_auth: Option<bool>,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketInfo {
    pub system: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The approval state as the export writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub evidence: Evidence,
}

/// An account's password after the reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordAfter {
    /// An event of this reset set it.
    ResetByThisEvent,
    /// Its password was set at or after the reset (a later event, or the export's timestamp).
    SetAfter,
    /// Its password was last set before the reset.
    NotReset,
    /// It has no usable password.
    NoPassword,
    /// The export does not say when its password was set.
    Unknown,
}

/// An account's sign-in sessions after the reset (systems with sessions only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionsAfter {
    /// Revoked at or after the reset (an audit event, or the session validity moved).
    Revoked,
    /// The system's own reset revokes them (`revocation`).
    RevokedByReset,
    NotRevoked,
    /// Neither its audit log nor its session validity was given.
    Unknown,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// `login@system`.
    pub account: String,
    pub source: SourceKind,
    pub password: PasswordAfter,
    /// When the password was set (`ResetByThisEvent`, `SetAfter`, `NotReset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_set: Option<Timestamp>,
    /// How long after the reset this system caught up (`ledger::span`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caught_up_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<SessionsAfter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_revoked_at: Option<Timestamp>,
    /// How the sessions' state is known (the event's action, the export's validity field, the
    /// revocation model's fact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_detail: Option<String>,
    pub evidence: Evidence,
    pub cisa: Vec<&'static str>,
}

/// A credential's state after the reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialAfter {
    /// The reset itself revokes it (the revocation model, for the owner's own system).
    RevokedByReset,
    /// Deleted or revoked at or after the reset (an audit event, or the export's status).
    Deleted,
    /// Deleted or deactivated after the reset, and a newer one of the same kind issued.
    Rotated,
    /// Deactivated at or after the reset.
    Deactivated,
    /// Issued at or after the reset.
    IssuedAfter,
    Expired,
    /// Issued before the reset and still valid.
    Survives,
    /// Issued before the reset and used after it.
    UsedAfterReset,
    /// Still valid, and when it was issued is unknown: it cannot be placed before or after.
    Undated,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialInfo {
    pub kind: CredentialKind,
    pub label: String,
    /// The non-secret id reports show (`Credential::shown_id`); never the secret.
    pub id: String,
    /// `login@system` of its owner, as its record names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub state: CredentialAfter,
    /// When the state began (deleted at, issued at, used at), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// Why: the revocation fact, the event's action, the status in the export.
    pub detail: String,
    pub evidence: Evidence,
    pub cisa: Vec<&'static str>,
}

/// A residual path, an approval note or a piece of missing evidence.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The rule whose finding this is; `None` for what the closure report itself found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Evidence>,
    pub cisa: Vec<&'static str>,
}

/// A residual path an exception accepts.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub rule: &'static str,
    pub message: String,
    pub location: Evidence,
    pub exception: Suppression,
    pub cisa: Vec<&'static str>,
}

/// Who a reset event is about: an identity of the correlation, or (no export lists the
/// account) the normalised login the log names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Identity(usize),
    Unlisted(String),
}

/// One event of a reset, with the account it names when an export lists it.
struct Hit<'a> {
    event: &'a Event,
    at: Timestamp,
    account: Option<usize>,
}

/// Builds one record per reset in the ledger, in time order (then identity, then evidence).
/// `findings` are the scan's, exceptions applied; `scope` says which rules were assessed.
pub fn build(ctx: &Context<'_>, findings: &[Finding], scope: &Scope) -> Vec<ClosureRecord> {
    let inv = ctx.inventory;
    let index = AccountIndex::new(inv);
    let mut by_who: BTreeMap<Who, Vec<Hit<'_>>> = BTreeMap::new();
    for e in &inv.events {
        if !e.kind.sets_password() || e.outcome != Outcome::Success {
            continue;
        }
        let Some(at) = e.at.known() else { continue };
        let account = index.find_event(inv, e);
        let identity = match account {
            Some(a) => Some(ctx.correlation.of_account[a]).filter(|&i| i != usize::MAX),
            // A SID the exports do not hold is another account, whatever its name.
            None if e.target_sid.is_some() => None,
            None => ctx.correlation.owner_identity_index(
                inv,
                &OwnerRef {
                    system: Some(e.system.clone()),
                    login: e.target.clone(),
                },
            ),
        };
        let who = match identity {
            Some(i) => Who::Identity(i),
            None => Who::Unlisted(normalize_login(&e.target)),
        };
        by_who.entry(who).or_default().push(Hit {
            event: e,
            at,
            account,
        });
    }
    let mut records = Vec::new();
    for (who, mut hits) in by_who {
        hits.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.event.cmp(b.event)));
        let mut bursts: Vec<Vec<Hit<'_>>> = Vec::new();
        for h in hits {
            match bursts.last_mut() {
                Some(b)
                    if h.at.as_second() - b.last().map_or(0, |l| l.at.as_second())
                        <= BURST_SECONDS =>
                {
                    b.push(h)
                }
                _ => bursts.push(vec![h]),
            }
        }
        for burst in bursts {
            records.push(record(ctx, &index, findings, scope, &who, &burst));
        }
    }
    records.sort_by(|a, b| {
        (a.at, &a.identity.name, &a.event.evidence).cmp(&(
            b.at,
            &b.identity.name,
            &b.event.evidence,
        ))
    });
    records
}

fn event_info(e: &Event, at: Timestamp) -> EventInfo {
    EventInfo {
        at,
        system: e.system.clone(),
        kind: e.kind,
        action: e.action.clone(),
        target: e.target.clone(),
        actor: e.actor.clone(),
        strong_auth: e.strong_auth,
        evidence: e.evidence.clone(),
    }
}

fn name(a: &Account) -> String {
    format!("{}@{}", a.login, a.system)
}

/// Whether `f` is about identity `id`.
fn of_identity(f: &Finding, id: Option<usize>) -> bool {
    id.is_some() && f.identity_index == id
}

/// Whether a finding's primary or related location is one of `places`.
fn at_any(f: &Finding, places: &[&Evidence]) -> bool {
    places.contains(&&f.location) || f.related.iter().any(|r| places.contains(&&r.location))
}

fn item(f: &Finding) -> Item {
    Item {
        rule: Some(f.rule),
        message: f.message.clone(),
        location: Some(f.location.clone()),
        cisa: cisa::for_rule(f.rule),
    }
}

fn accepted(f: &Finding, s: &Suppression) -> Accepted {
    Accepted {
        rule: f.rule,
        message: f.message.clone(),
        location: f.location.clone(),
        exception: s.clone(),
        cisa: cisa::for_rule(f.rule),
    }
}

fn record(
    ctx: &Context<'_>,
    index: &AccountIndex,
    findings: &[Finding],
    scope: &Scope,
    who: &Who,
    burst: &[Hit<'_>],
) -> ClosureRecord {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let first = &burst[0];
    let t0 = first.at;
    let since = t0.as_second() - skew;
    let id = match who {
        Who::Identity(i) => Some(*i),
        Who::Unlisted(_) => None,
    };
    let members: Vec<usize> = id.map_or_else(Vec::new, |i| {
        let mut m = ctx.correlation.identities[i].accounts.clone();
        // The accounts this reset names first, then by name.
        m.sort_by_key(|&a| {
            (
                !burst.iter().any(|h| h.account == Some(a)),
                name(&inv.accounts[a]),
            )
        });
        m
    });
    let places: Vec<&Evidence> = burst.iter().map(|h| &h.event.evidence).collect();

    // The identity.
    let identity = match id {
        Some(i) => {
            let ident = &ctx.correlation.identities[i];
            let mut links: Vec<LinkInfo> = ident
                .links
                .iter()
                .map(|l| LinkInfo {
                    accounts: [name(&inv.accounts[l.a]), name(&inv.accounts[l.b])],
                    basis: l.basis,
                    key: l.key.clone(),
                    weak: l.weak,
                })
                .collect();
            links.sort_by(|a, b| a.accounts.cmp(&b.accounts));
            IdentityInfo {
                name: ident.key.clone(),
                accounts: members.iter().map(|&a| name(&inv.accounts[a])).collect(),
                links,
            }
        }
        None => IdentityInfo {
            name: first.event.target.clone(),
            accounts: Vec::new(),
            links: Vec::new(),
        },
    };

    // The tickets and the approval.
    let mut tickets: Vec<&Ticket> = Vec::new();
    for h in burst {
        for t in tickets_for(ctx, h.event) {
            if !tickets.contains(&t) {
                tickets.push(t);
            }
        }
    }
    tickets.sort();
    let mut approval = Vec::new();
    let mut accepted_items = Vec::new();
    let mut approval_open = Vec::new();
    for f in findings
        .iter()
        .filter(|f| (f.rule == "RG601" || f.rule == "RG602") && places.contains(&&f.location))
    {
        match &f.suppressed {
            Some(s) => accepted_items.push(accepted(f, s)),
            None => {
                approval_open.push(f.rule);
                approval.push(item(f));
            }
        }
    }
    if approval.is_empty() {
        let approved: Vec<String> = tickets
            .iter()
            .filter(|t| !crate::rule::checks::ledger_people::refused(t))
            .filter_map(|t| {
                Some(format!(
                    "approved by {} in {}",
                    t.approved_by.as_deref()?,
                    t.id
                ))
            })
            .collect();
        let own = first.event.kind == EventKind::PasswordChange
            || first
                .event
                .actor
                .as_deref()
                .is_some_and(|a| normalize_login(a) == normalize_login(&first.event.target));
        let message = if !approved.is_empty() {
            approved.join("; ")
        } else if own {
            "a change by the account itself: no approval needed".to_string()
        } else {
            "no approving ticket matched, and RG601 reported nothing about this event".to_string()
        };
        approval.push(Item {
            rule: None,
            message,
            location: None,
            cisa: Vec::new(),
        });
    }

    // Accounts.
    let mut accounts = Vec::new();
    let mut missing: Vec<Item> = Vec::new();
    let mut residual: Vec<Item> = Vec::new();
    let mut reset_accounts: Vec<usize> = Vec::new();
    let session_findings: Vec<&Finding> = findings
        .iter()
        .filter(|f| of_identity(f, id) && (f.rule == "RG105" || f.rule == "RG603"))
        .collect();
    for &ai in &members {
        let a = &inv.accounts[ai];
        let hit = burst.iter().find(|h| h.account == Some(ai));
        let later = inv
            .events
            .iter()
            .filter(|e| e.kind.sets_password() && e.outcome == Outcome::Success)
            .filter_map(|e| Some((e, e.at.known()?)))
            .filter(|(e, t)| t.as_second() >= since && index.find_event(inv, e) == Some(ai))
            .map(|(_, t)| t)
            .min();
        let (password, set) = match (hit, later, a.password_last_set.known()) {
            (Some(h), _, _) => (PasswordAfter::ResetByThisEvent, Some(h.at)),
            (None, Some(t), _) => (PasswordAfter::SetAfter, Some(t)),
            (None, None, _)
                if matches!(
                    a.password,
                    PasswordState::NoPassword | PasswordState::Locked
                ) =>
            {
                (PasswordAfter::NoPassword, None)
            }
            (None, None, Some(p)) if p.as_second() >= since && !a.password_is_initial() => {
                (PasswordAfter::SetAfter, Some(p))
            }
            (None, None, Some(p)) => (PasswordAfter::NotReset, Some(p)),
            (None, None, None) => match a.password {
                PasswordState::NoPassword | PasswordState::Locked => {
                    (PasswordAfter::NoPassword, None)
                }
                _ => (PasswordAfter::Unknown, None),
            },
        };
        if matches!(
            password,
            PasswordAfter::ResetByThisEvent | PasswordAfter::SetAfter
        ) {
            reset_accounts.push(ai);
        }
        if password == PasswordAfter::Unknown {
            missing.push(Item {
                rule: None,
                message: format!(
                    "when the password of {} was last set is unknown: the export does not say",
                    name(a)
                ),
                location: Some(a.evidence.clone()),
                cisa: Vec::new(),
            });
        }
        let caught_up_after = match password {
            PasswordAfter::ResetByThisEvent | PasswordAfter::SetAfter => {
                set.map(|t| span(t.as_second() - t0.as_second()))
            }
            _ => None,
        };
        let (sessions, sessions_at, sessions_detail) = sessions_after(ctx, index, a, ai, since);
        if sessions == Some(SessionsAfter::NotRevoked) && session_findings.is_empty() {
            residual.push(Item {
                rule: None,
                message: format!(
                    "the sign-in sessions of {} were not revoked after the reset",
                    name(a)
                ),
                location: Some(
                    a.sessions_evidence
                        .clone()
                        .unwrap_or_else(|| a.evidence.clone()),
                ),
                cisa: cisa::ids(cisa::sessions(a.source)),
            });
        }
        if sessions == Some(SessionsAfter::Unknown) {
            missing.push(Item {
                rule: None,
                message: format!(
                    "whether the sessions of {} were revoked: neither its audit log nor its session validity was given",
                    name(a)
                ),
                location: Some(a.evidence.clone()),
                cisa: cisa::ids(cisa::sessions(a.source)),
            });
        }
        let mut ids = cisa::ids(cisa::Key::Account(cisa::account_class(a)));
        if sessions.is_some() {
            for c in cisa::ids(cisa::sessions(a.source)) {
                if !ids.contains(&c) {
                    ids.push(c);
                }
            }
        }
        accounts.push(AccountInfo {
            account: name(a),
            source: a.source,
            password,
            password_set: set,
            caught_up_after,
            sessions,
            sessions_revoked_at: sessions_at,
            sessions_detail,
            evidence: a
                .password_evidence
                .clone()
                .unwrap_or_else(|| a.evidence.clone()),
            cisa: ids,
        });
    }

    // Credentials.
    let mut credentials = Vec::new();
    let residual_findings: Vec<&Finding> = findings
        .iter()
        .filter(|f| of_identity(f, id) && RESIDUAL_RULES.contains(&f.rule))
        .collect();
    if let Some(i) = id {
        let ident = &ctx.correlation.identities[i];
        for c in &inv.credentials {
            if c.kind == CredentialKind::PlaintextSecret
                || !answerable(ctx, c)
                    .iter()
                    .any(|(x, _, _)| std::ptr::eq(*x, ident))
            {
                continue;
            }
            let info = credential_after(ctx, c, t0, since, &reset_accounts);
            if matches!(
                info.state,
                CredentialAfter::Survives | CredentialAfter::UsedAfterReset
            ) {
                let named = credential_name(c);
                let covered = residual_findings.iter().any(|f| {
                    f.credential.as_deref() == Some(c.shown_id())
                        || (f.rule == "RG603" && f.message.contains(&named))
                });
                if !covered {
                    residual.push(Item {
                        rule: None,
                        message: format!("{named} {}", info.detail),
                        location: Some(c.evidence.clone()),
                        cisa: info.cisa.clone(),
                    });
                }
            }
            if info.state == CredentialAfter::Undated {
                missing.push(Item {
                    rule: None,
                    message: format!(
                        "{}: when it was issued is unknown, so it cannot be placed before or after the reset",
                        credential_name(c)
                    ),
                    location: Some(c.evidence.clone()),
                    cisa: info.cisa.clone(),
                });
            }
            credentials.push(info);
        }
        // A private key found in clear text whose public half is an authorized key of this
        // identity (`liveness` records the public key's fingerprint; authorized keys are named
        // by theirs): whoever copied the file logs in, whatever the password.
        for pk in inv
            .credentials
            .iter()
            .filter(|c| c.kind == CredentialKind::PlaintextSecret)
        {
            let Some(fp) = pk.facts.iter().find_map(|f| f.strip_prefix("public key ")) else {
                continue;
            };
            for key in inv.credentials.iter().filter(|k| {
                k.kind == CredentialKind::SshKey
                    && k.id == fp
                    && answerable(ctx, k)
                        .iter()
                        .any(|(x, _, _)| std::ptr::eq(*x, ident))
            }) {
                let holder = key.owner.as_ref().map_or_else(
                    || "its owner".to_string(),
                    |o| match &o.system {
                        Some(s) => format!("{}@{s}", owner_login(ctx, o)),
                        None => o.login.clone(),
                    },
                );
                let message = format!(
                    "the private key in clear text at {} is the private half of the {} authorized for {holder} ({}): whoever copied the file logs in, whatever the password",
                    pk.evidence,
                    credential_name(key),
                    key.evidence
                );
                let rg501 = findings
                    .iter()
                    .find(|f| f.rule == "RG501" && f.location == pk.evidence);
                match rg501.and_then(|f| f.suppressed.as_ref().map(|s| (f, s))) {
                    Some((f, s)) => accepted_items.push(Accepted {
                        message,
                        ..accepted(f, s)
                    }),
                    None => residual.push(Item {
                        rule: rg501.map(|f| f.rule),
                        message,
                        location: Some(pk.evidence.clone()),
                        cisa: cisa::ids(cisa::Key::Credential(CredentialKind::SshKey)),
                    }),
                }
            }
        }
        credentials.sort_by(|a, b| {
            (&a.owner, a.kind, &a.id, &a.evidence).cmp(&(&b.owner, b.kind, &b.id, &b.evidence))
        });
    }

    // Residual paths from the rules.
    let systems: Vec<String> = members
        .iter()
        .map(|&a| inv.accounts[a].system.to_lowercase())
        .collect();
    let domain_member = members
        .iter()
        .any(|&a| inv.accounts[a].scope == AccountScope::Domain);
    let right_places: Vec<&Evidence> = inv
        .reset_rights
        .iter()
        .filter(|r| {
            members.iter().any(|&ai| {
                let a = &inv.accounts[ai];
                r.system.eq_ignore_ascii_case(&a.system)
                    && match &r.target {
                        RightTarget::Account(l) => {
                            l.eq_ignore_ascii_case(&a.login)
                                || a.aliases.iter().any(|x| x.eq_ignore_ascii_case(l))
                        }
                        RightTarget::Scope(s) => {
                            s == "*"
                                || a.directory.as_deref().is_some_and(|d| {
                                    d.dn.to_lowercase().ends_with(&s.to_lowercase())
                                })
                        }
                    }
            })
        })
        .map(|r| &r.evidence)
        .collect();
    let host_of_identity = |f: &Finding| {
        f.host
            .as_deref()
            .or(f.system.as_deref())
            .is_some_and(|h| systems.contains(&h.to_lowercase()))
    };
    for f in findings {
        let relevant = match f.rule {
            "RG606" => of_identity(f, id) || right_places.contains(&&f.location),
            "RG110" => {
                of_identity(f, id)
                    || (domain_member && f.identity_index.is_none() && host_of_identity(f))
            }
            r if RESIDUAL_RULES.contains(&r) => of_identity(f, id),
            _ => false,
        };
        if !relevant {
            continue;
        }
        match &f.suppressed {
            Some(s) => accepted_items.push(accepted(f, s)),
            None => residual.push(item(f)),
        }
    }

    // Missing evidence from the rules and the scope.
    let account_places: Vec<&Evidence> = members
        .iter()
        .filter_map(|&a| inv.accounts[a].password_evidence.as_ref())
        .collect();
    for f in findings {
        let relevant = match f.rule {
            // A gap of another identity may cite this reset's event as the edge of the log
            // window it searched: only a gap of no identity is matched by place.
            "RG605" => {
                of_identity(f, id)
                    || (f.identity_index.is_none()
                        && (at_any(f, &places) || at_any(f, &account_places)))
            }
            "RG401" => host_of_identity(f),
            _ => false,
        };
        if !relevant {
            continue;
        }
        match &f.suppressed {
            Some(s) => accepted_items.push(accepted(f, s)),
            None => missing.push(item(f)),
        }
    }
    if !approval_open.is_empty() {
        approval_open.sort();
        approval_open.dedup();
        missing.push(Item {
            rule: None,
            message: format!(
                "the reset's approval or step-up is not proven ({})",
                approval_open.join(", ")
            ),
            location: Some(first.event.evidence.clone()),
            cisa: approval_open
                .iter()
                .flat_map(|r| cisa::for_rule(r))
                .collect(),
        });
    }
    if id.is_none() {
        missing.push(Item {
            rule: None,
            message: format!(
                "{} on {} is in no accounts export: its identity, other accounts and credentials are unknown",
                first.event.target, first.event.system
            ),
            location: Some(first.event.evidence.clone()),
            cisa: Vec::new(),
        });
    }
    let reset_target_privileged =
        privileged(ctx, &first.event.system, &first.event.target).is_some();
    for c in scope.not_assessed() {
        if !LEDGER_RULES.contains(&c.rule) {
            continue;
        }
        let applies = match c.rule {
            "RG601" => first.event.kind != EventKind::PasswordChange,
            "RG602" | "RG607" => reset_target_privileged,
            _ => true,
        };
        if applies {
            missing.push(Item {
                rule: Some(c.rule),
                message: format!("not assessed: it needs {}", c.needs),
                location: None,
                cisa: cisa::for_rule(c.rule),
            });
        }
    }

    let reset_account = first.account.map(|a| &inv.accounts[a]);
    let record_cisa = reset_account
        .map(|a| cisa::ids(cisa::Key::Account(cisa::account_class(a))))
        .unwrap_or_else(|| cisa::ids(cisa::Key::Account(cisa::AccountClass::User)));
    let (verdict, verdict_reason) = verdict(&residual, &missing, &accepted_items);
    ClosureRecord {
        identity,
        at: t0,
        verdict,
        verdict_reason,
        event: event_info(first.event, first.at),
        echoes: burst[1..]
            .iter()
            .map(|h| event_info(h.event, h.at))
            .collect(),
        tickets: tickets
            .iter()
            .map(|t| TicketInfo {
                system: t.system.clone(),
                id: t.id.clone(),
                requested_by: t.requested_by.clone(),
                approved_by: t.approved_by.clone(),
                state: t.approval.clone(),
                evidence: t.evidence.clone(),
            })
            .collect(),
        approval,
        cisa: record_cisa,
        accounts,
        credentials,
        residual,
        accepted: accepted_items,
        missing,
    }
}

/// The verdict and its reason: open when residual paths remain, else unprovable when evidence
/// is missing, else closed.
pub fn verdict(residual: &[Item], missing: &[Item], accepted: &[Accepted]) -> (Verdict, String) {
    // Each item by its rule, or (found by the closure report itself) the first clause of its
    // message.
    let rules = |items: &[Item]| {
        let mut r: Vec<String> = items
            .iter()
            .map(|i| match i.rule {
                Some(rule) => rule.to_string(),
                None => {
                    let clause = i.message.split([':', ';']).next().unwrap_or("").trim();
                    let mut c: String = clause.chars().take(100).collect();
                    if c.len() < clause.len() {
                        c.push('…');
                    }
                    c
                }
            })
            .collect();
        r.sort();
        r.dedup();
        r.join("; ")
    };
    let accepted_note = if accepted.is_empty() {
        String::new()
    } else {
        format!(" ({} accepted by exception)", accepted.len())
    };
    if !residual.is_empty() {
        (
            Verdict::Open,
            format!(
                "{} residual access path{} remain{} ({}){accepted_note}",
                residual.len(),
                if residual.len() == 1 { "" } else { "s" },
                if residual.len() == 1 { "s" } else { "" },
                rules(residual)
            ),
        )
    } else if !missing.is_empty() {
        (
            Verdict::Unprovable,
            format!(
                "no residual access path is known, but {} piece{} of evidence {} missing ({}){accepted_note}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                if missing.len() == 1 { "is" } else { "are" },
                rules(missing)
            ),
        )
    } else {
        (
            Verdict::Closed,
            format!("every account, session and credential of the identity is accounted for{accepted_note}"),
        )
    }
}

/// The sessions of account `a` after the reset (`since` allows for clock skew).
fn sessions_after(
    ctx: &Context<'_>,
    index: &AccountIndex,
    a: &Account,
    ai: usize,
    since: i64,
) -> (Option<SessionsAfter>, Option<Timestamp>, Option<String>) {
    if !SESSION_SYSTEMS.contains(&a.source) {
        return (None, None, None);
    }
    let inv = ctx.inventory;
    let by_event = inv
        .events
        .iter()
        .filter(|e| e.kind == EventKind::SessionsRevoked && e.outcome == Outcome::Success)
        .filter_map(|e| Some((e, e.at.known()?)))
        .filter(|(e, t)| t.as_second() >= since && index.find_event(inv, e) == Some(ai))
        .min_by_key(|(_, t)| *t)
        .map(|(e, t)| (t, format!("{} ({})", e.action, e.evidence)));
    let by_state = a
        .sessions_valid_from
        .known()
        .filter(|t| t.as_second() >= since)
        .map(|t| {
            let ev = a.sessions_evidence.as_ref().unwrap_or(&a.evidence);
            (t, format!("sessions valid from {} ({ev})", render::when(t)))
        });
    let caught = match (by_event, by_state) {
        (Some(x), Some(y)) => Some(if x.0 <= y.0 { x } else { y }),
        (x, y) => x.or(y),
    };
    if let Some((t, how)) = caught {
        return (Some(SessionsAfter::Revoked), Some(t), Some(how));
    }
    if let Some(r) = revocation::row(a.source, Held::Sessions) {
        if r.answer == Revocation::Revokes {
            return (
                Some(SessionsAfter::RevokedByReset),
                None,
                Some(r.fact.to_string()),
            );
        }
    }
    if a.sessions_valid_from.is_known() || inv.events.iter().any(|e| e.system == a.system) {
        let fact = revocation::sessions_sentence(a);
        (Some(SessionsAfter::NotRevoked), None, Some(fact))
    } else {
        (Some(SessionsAfter::Unknown), None, None)
    }
}

/// What became of credential `c` after the reset at `t0` (`since` allows for clock skew);
/// `reset` are the identity's accounts whose password this reset (or a later one) set.
fn credential_after(
    ctx: &Context<'_>,
    c: &Credential,
    t0: Timestamp,
    since: i64,
    reset: &[usize],
) -> CredentialInfo {
    let inv = ctx.inventory;
    let skew = ctx.options.skew_seconds;
    let mut ids = cisa::ids(cisa::Key::Credential(c.kind));
    let after = |t: Timestamp| span(t.as_second() - t0.as_second());
    let removal = first_removal(ctx, &c.id, since);
    let used = ctx
        .events_of_credential(&c.id)
        .iter()
        .map(|&ei| &inv.events[ei as usize])
        .filter(|e| {
            e.kind == EventKind::CredentialUsed
                && e.outcome == Outcome::Success
                && e.credential.as_deref() == Some(c.id.as_str())
        })
        .filter_map(|e| e.at.known())
        .filter(|t| t.as_second() > t0.as_second() + skew)
        .max()
        .or_else(|| {
            c.last_used
                .known()
                .filter(|t| t.as_second() > t0.as_second() + skew)
        });
    let issued = c.issued.known();
    let owner_reset = c.owner.as_ref().and_then(|o| {
        reset.iter().copied().find(|&ai| {
            let a = &inv.accounts[ai];
            o.system
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&a.system))
                && (o.login.eq_ignore_ascii_case(&a.login)
                    || a.aliases.iter().any(|x| x.eq_ignore_ascii_case(&o.login)))
        })
    });
    let revokes = owner_reset.and_then(|ai| {
        let a = &inv.accounts[ai];
        revocation::row(a.source, revocation::held(c))
            .filter(|r| r.answer == Revocation::Revokes)
            .map(|r| (a, r))
    });
    let (state, at, detail) = if let Some(t) = issued.filter(|t| t.as_second() >= since) {
        (
            CredentialAfter::IssuedAfter,
            Some(t),
            format!("issued {} after the reset", after(t)),
        )
    } else if let Some((e, t)) = removal {
        let newer = inv.credentials.iter().any(|o| {
            o.kind == c.kind
                && o.id != c.id
                && o.owner == c.owner
                && o.issued.known().is_some_and(|i| i.as_second() >= since)
        });
        let kind = if newer {
            CredentialAfter::Rotated
        } else if e.kind == EventKind::CredentialDeleted {
            CredentialAfter::Deleted
        } else {
            CredentialAfter::Deactivated
        };
        (
            kind,
            Some(t),
            format!(
                "{} {} after the reset ({}, {})",
                match kind {
                    CredentialAfter::Rotated => "rotated",
                    CredentialAfter::Deleted => "deleted",
                    _ => "deactivated",
                },
                after(t),
                e.action,
                e.evidence
            ),
        )
    } else if let Some((a, r)) = revokes {
        (
            CredentialAfter::RevokedByReset,
            None,
            format!("revoked by the reset of {}: {}", name(a), r.fact),
        )
    } else if c.status == CredentialStatus::Revoked {
        (
            CredentialAfter::Deleted,
            None,
            "revoked (the export's status)".to_string(),
        )
    } else if c.status == CredentialStatus::Inactive {
        (
            CredentialAfter::Deactivated,
            None,
            "inactive (the export's status)".to_string(),
        )
    } else if c.status == CredentialStatus::Expired
        || c.expires.known().is_some_and(|x| x <= ctx.options.as_of)
    {
        (
            CredentialAfter::Expired,
            c.expires.known(),
            "expired".to_string(),
        )
    } else if let Some(u) = used {
        ids.extend(cisa::ids(cisa::Key::UsedAfterReset));
        (
            CredentialAfter::UsedAfterReset,
            Some(u),
            format!(
                "was issued before the reset and used {} after it, at {}",
                after(u),
                render::when(u)
            ),
        )
    } else if issued.is_none() {
        (
            CredentialAfter::Undated,
            None,
            "still valid; when it was issued is unknown".to_string(),
        )
    } else {
        (
            CredentialAfter::Survives,
            issued,
            format!(
                "was issued {} before the reset and is still valid",
                span(t0.as_second() - issued.map_or(0, |i| i.as_second()))
            ),
        )
    };
    CredentialInfo {
        kind: c.kind,
        label: c.label.clone(),
        id: c.shown_id().to_string(),
        owner: c.owner.as_ref().map(|o| match &o.system {
            Some(s) => format!("{}@{s}", owner_login(ctx, o)),
            None => o.login.clone(),
        }),
        state,
        at,
        detail,
        evidence: c.evidence.clone(),
        cisa: ids,
    }
}

#[cfg(test)]
mod tests;
