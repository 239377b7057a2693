//! The order-independent merge: records of the same subject seen in several exports (an account
//! in a Graph "get user" response and in a `$select` users export; an access key in a listing
//! and in the credential report; a host collected twice) become one record, field by field, by a
//! documented precedence that never depends on file names or walk order:
//!
//! 1. a known value beats an unknown one (`When::Unknown`, `None`, `PasswordState::Unknown`, ...);
//! 2. between known values, the one from the most recent evidence: the collection time of the
//!    host tree the file belongs to (its manifest's `collected_at`), when known;
//! 3. then a fixed tie-break on content: the later password change (accounts) or last use
//!    (credentials), then the record's own content (with every file location left out).
//!
//! Two known values that disagree are a real conflict: the value chosen by the precedence is
//! kept and a note names both files. List fields (aliases, related evidence, responsible owners)
//! are unions. Which file's location a merged record points at is the chosen record's.
//!
//! Not here: which records are the same subject across *systems* (`correlate`), and cross-file
//! joins of a source's own records (each source's `join`).

use super::model::*;
use super::When;
use crate::diag::{DiagKind, Diagnostic, Severity};
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::hash::BuildHasher;

/// Sorts `v` stably by `cmp`, moving each element once: the sort orders indices, then the
/// elements are permuted in place. For large records (an `Account`, a `Record`) this avoids the
/// merge sort's repeated moves of whole elements.
#[cfg(test)]
pub(crate) fn sort_indirect<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let mut idx: Vec<u32> = (0..v.len()).map(index_u32).collect();
    idx.sort_by(|&a, &b| cmp(&v[a as usize], &v[b as usize]));
    permute(v, &mut idx);
}

/// An index as `u32`: the merge's sort keys hold indices in 4 bytes (an inventory of 4 billion
/// records would not fit in memory anyway).
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 records")
}

/// Puts `v` in the order `order` names (`order[k]` is the index of the element that belongs at
/// `k`), moving each element once by following the permutation's cycles. `order` is consumed
/// (left as the identity).
pub(crate) fn permute<T>(v: &mut [T], order: &mut [u32]) {
    for start in 0..order.len() {
        let mut cur = start;
        loop {
            let next = order[cur] as usize;
            order[cur] = index_u32(cur);
            if next == start || next == cur {
                break;
            }
            v.swap(cur, next);
            cur = next;
        }
    }
}

/// The rank of each of `items` among the distinct strings of `items`, in string order (equal
/// strings, equal ranks). Sorting by ranks is sorting by the strings, but each distinct string
/// is compared only once, and the sort that follows compares small integers in one array
/// instead of chasing each record's heap strings (which, over millions of records, is mostly
/// cache misses).
pub(crate) fn ranks<'a>(items: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut ids: HashMap<&'a str, u32> = HashMap::new();
    let mut distinct: Vec<&'a str> = Vec::new();
    let mut out: Vec<u32> = Vec::with_capacity(items.size_hint().0);
    for s in items {
        let id = *ids.entry(s).or_insert_with(|| {
            distinct.push(s);
            index_u32(distinct.len() - 1)
        });
        out.push(id);
    }
    drop(ids);
    let mut by_string: Vec<u32> = (0..distinct.len()).map(index_u32).collect();
    by_string.sort_unstable_by(|&a, &b| distinct[a as usize].cmp(distinct[b as usize]));
    let mut rank = vec![0u32; distinct.len()];
    for (r, &id) in by_string.iter().enumerate() {
        rank[id as usize] = index_u32(r);
    }
    for x in &mut out {
        *x = rank[*x as usize];
    }
    out
}

/// When the evidence at a path was collected: the `collected_at` of the host tree it lies in.
pub struct Observed {
    /// (host root with a trailing `/`, or "" for a scan of the host itself; collection time)
    roots: Vec<(String, When)>,
}

impl Observed {
    pub fn from_hosts(hosts: &[Host]) -> Self {
        let mut roots: Vec<(String, When)> = hosts
            .iter()
            .filter(|h| h.collected_at.is_known())
            .map(|h| {
                let root = if h.root.is_empty() {
                    String::new()
                } else {
                    format!("{}/", h.root.trim_end_matches('/'))
                };
                (root, h.collected_at)
            })
            .collect();
        // Longest root first: a host tree nested in another belongs to the inner one.
        roots.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Observed { roots }
    }

    pub fn of(&self, path: &str) -> When {
        self.roots
            .iter()
            .find(|(root, _)| path.starts_with(root.as_str()))
            .map_or(When::Unknown, |(_, w)| *w)
    }
}

/// Newest known first; unknown last.
fn newest_first(a: When, b: When) -> Ordering {
    match (a.known(), b.known()) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// `group` in merge precedence: the most recent collection first, then the later change
/// (`changed`), then content (`content`, with every file location left out). The content key is
/// only built when there is something to order.
fn by_precedence<T>(
    mut group: Vec<T>,
    observed: &Observed,
    path: impl Fn(&T) -> &str,
    changed: impl Fn(&T) -> When,
    content: impl Fn(&T) -> String,
) -> Vec<T> {
    if group.len() < 2 {
        return group;
    }
    let mut keyed: Vec<((When, When, String), T)> = group
        .drain(..)
        .map(|r| ((observed.of(path(&r)), changed(&r), content(&r)), r))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        newest_first(a.0, b.0)
            .then(newest_first(a.1, b.1))
            .then(b.2.cmp(&a.2))
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}

/// An account's content with every file location left out, for the last tie-break.
fn account_content(a: &Account) -> String {
    let mut c = a.clone();
    c.evidence = Evidence::new("", None);
    c.password_evidence = None;
    c.sessions_evidence = None;
    serde_json::to_string(&c).unwrap_or_default()
}

fn credential_content(c: &Credential) -> String {
    let mut c = c.clone();
    c.evidence = Evidence::new("", None);
    c.related.clear();
    serde_json::to_string(&c).unwrap_or_default()
}

/// Collects conflict notes.
struct Conflicts<'a> {
    notes: &'a mut Vec<Diagnostic>,
}

impl Conflicts<'_> {
    fn note(&mut self, subject: &str, field: &str, kept: &Evidence, other: &Evidence) {
        self.notes.push(Diagnostic::new(
            DiagKind::Conflict,
            Severity::Note,
            kept.clone(),
            format!(
                "{other} disagrees on the {field} of {subject}; the value here is used (the \
                 more recent export, or the later change when neither export is dated)"
            ),
        ));
    }
}

/// Fills `into` from `from` where `into` is unknown; notes a conflict where both are known and
/// differ. `unknown` says whether a value is unknown.
fn fill<T: PartialEq + Clone>(
    into: &mut T,
    from: &T,
    unknown: impl Fn(&T) -> bool,
    on_conflict: &mut dyn FnMut(),
) -> bool {
    if unknown(from) {
        return false;
    }
    if unknown(into) {
        *into = from.clone();
        return true;
    }
    if into != from {
        on_conflict();
    }
    false
}

fn when_unknown(w: &When) -> bool {
    *w == When::Unknown
}

fn none<T>(o: &Option<T>) -> bool {
    o.is_none()
}

/// Merges the accounts of one `(system, login)`.
fn merge_accounts(
    group: Vec<Account>,
    observed: &Observed,
    notes: &mut Vec<Diagnostic>,
) -> Option<Account> {
    let mut rest = by_precedence(
        group,
        observed,
        |a: &Account| &a.evidence.path,
        |a| a.password_last_set,
        account_content,
    )
    .into_iter();
    let mut m = rest.next()?;
    let subject = format!("account {} on {}", m.login, m.system);
    let mut c = Conflicts { notes };
    for o in rest {
        // Exhaustive: a new field must say how it merges.
        let Account {
            source: _,
            system: _,
            login: _,
            // Decided by the adapter of the system, so the records of one account agree.
            scope: _,
            aliases,
            mail,
            kind,
            enabled,
            password,
            password_last_set,
            password_precision,
            password_evidence,
            expires,
            uid,
            gid,
            home,
            created,
            evidence,
            sessions_valid_from,
            sessions_evidence,
            synced_from,
            directory,
            sid,
            per_user_mfa,
            password_match,
        } = o;
        let (kept, other) = (m.evidence.clone(), evidence);
        let mut conflict = |field: &str| c.note(&subject, field, &kept, &other);
        for alias in aliases {
            if !m.aliases.contains(&alias) {
                m.aliases.push(alias);
            }
        }
        for address in mail {
            if !m.mail.iter().any(|x| x.eq_ignore_ascii_case(&address)) {
                m.mail.push(address);
            }
        }
        fill(
            &mut m.kind,
            &kind,
            |k| *k == AccountKind::Unknown,
            &mut || {},
        );
        fill(&mut m.enabled, &enabled, none, &mut || {
            conflict("enabled state")
        });
        fill(
            &mut m.password,
            &password,
            |p| *p == PasswordState::Unknown,
            &mut || conflict("password state"),
        );
        if fill(
            &mut m.password_last_set,
            &password_last_set,
            when_unknown,
            &mut || conflict("password change time"),
        ) {
            m.password_evidence = password_evidence.or_else(|| Some(other.clone()));
            m.password_precision = password_precision;
        }
        fill(&mut m.expires, &expires, when_unknown, &mut || {
            conflict("expiry")
        });
        fill(&mut m.uid, &uid, none, &mut || conflict("uid"));
        fill(&mut m.gid, &gid, none, &mut || {});
        fill(&mut m.home, &home, none, &mut || {});
        fill(&mut m.created, &created, when_unknown, &mut || {});
        if fill(
            &mut m.sessions_valid_from,
            &sessions_valid_from,
            when_unknown,
            &mut || conflict("session revocation time"),
        ) {
            m.sessions_evidence = sessions_evidence.or_else(|| Some(other.clone()));
        }
        fill(&mut m.synced_from, &synced_from, none, &mut || {});
        fill(&mut m.directory, &directory, none, &mut || {});
        fill(&mut m.sid, &sid, none, &mut || conflict("SID"));
        // The state alone decides a conflict: two exports citing different lines agree.
        match (&m.per_user_mfa, per_user_mfa) {
            (None, Some(p)) => m.per_user_mfa = Some(p),
            (Some(kept), Some(p)) if kept.state != p.state => conflict("per-user MFA state"),
            _ => {}
        }
        fill(&mut m.password_match, &password_match, none, &mut || {});
    }
    m.aliases.sort();
    Some(m)
}

/// Merges the records of one listed credential (same kind, id and owner).
fn merge_credentials(
    group: Vec<Credential>,
    observed: &Observed,
    notes: &mut Vec<Diagnostic>,
) -> Option<Credential> {
    let mut rest = by_precedence(
        group,
        observed,
        |c: &Credential| &c.evidence.path,
        |c| c.last_used,
        credential_content,
    )
    .into_iter();
    let mut m = rest.next()?;
    let subject = format!("{} {}", m.kind.describe(), m.id);
    let mut c = Conflicts { notes };
    for o in rest {
        let Credential {
            kind: _,
            id: _,
            // Same kind and id: the same placeholder state.
            placeholder: _,
            display_id,
            paired_with,
            label: _,
            owner: _,
            issued,
            issued_basis,
            expires,
            last_used,
            status,
            evidence,
            related,
            responsible,
            detail,
            mail_scope,
            facts,
            same_secret,
        } = o;
        let (kept, other) = (m.evidence.clone(), evidence);
        let mut conflict = |field: &str| c.note(&subject, field, &kept, &other);
        if fill(&mut m.issued, &issued, when_unknown, &mut || {
            conflict("creation time")
        }) {
            m.issued_basis = issued_basis;
        }
        fill(&mut m.expires, &expires, when_unknown, &mut || {
            conflict("expiry")
        });
        fill(&mut m.last_used, &last_used, when_unknown, &mut || {});
        fill(
            &mut m.status,
            &status,
            |s| *s == CredentialStatus::Unknown,
            &mut || conflict("status"),
        );
        fill(&mut m.detail, &detail, none, &mut || {});
        m.mail_scope |= mail_scope;
        for f in facts {
            if !m.facts.contains(&f) {
                m.facts.push(f);
            }
        }
        fill(&mut m.same_secret, &same_secret, none, &mut || {});
        fill(&mut m.display_id, &display_id, none, &mut || {});
        fill(&mut m.paired_with, &paired_with, none, &mut || {});
        if other != m.evidence && !m.related.contains(&other) {
            m.related.push(other);
        }
        for r in related {
            if r != m.evidence && !m.related.contains(&r) {
                m.related.push(r);
            }
        }
        for r in responsible {
            if !m.responsible.contains(&r) {
                m.responsible.push(r);
            }
        }
    }
    m.related.sort();
    m.responsible.sort();
    Some(m)
}

/// Merges every account of the same `(system, login)` into one; the result is sorted by
/// `(system, login)`.
pub fn accounts(
    accounts: Vec<Account>,
    observed: &Observed,
    notes: &mut Vec<Diagnostic>,
) -> Vec<Account> {
    let mut accounts = accounts;
    // Stable: the records of one account keep their arrival order (the index breaks ties).
    fn key(a: &Account) -> (&str, &str) {
        (a.system.as_str(), a.login.as_str())
    }
    // Counted until there are too many for the standard sort to be the better way.
    let few = accounts.len() / 64;
    let mut descents = 0;
    for w in accounts.windows(2) {
        if key(&w[0]) > key(&w[1]) {
            descents += 1;
            if descents > few {
                break;
            }
        }
    }
    if descents > 0 {
        let mut order: Vec<u32> = if descents <= few {
            // Nearly in order (a directory listed by login, with a few entries elsewhere): the
            // standard stable sort finds the long runs and merges them, comparing few strings.
            let mut order: Vec<u32> = (0..accounts.len()).map(index_u32).collect();
            order.sort_by(|&x, &y| key(&accounts[x as usize]).cmp(&key(&accounts[y as usize])));
            order
        } else {
            let (system, login) = rayon::join(
                || ranks(accounts.iter().map(|a| a.system.as_str())),
                || ranks(accounts.iter().map(|a| a.login.as_str())),
            );
            let mut keyed: Vec<(u32, u32, u32)> = (0..accounts.len())
                .map(|i| (system[i], login[i], index_u32(i)))
                .collect();
            drop((system, login));
            // The index makes every key distinct: any sort gives this one order.
            keyed.par_sort_unstable();
            keyed.into_iter().map(|k| k.2).collect()
        };
        permute(&mut accounts, &mut order);
    }
    // Each run of one (system, login) merges into its first slot, in place (a merge never
    // gives more accounts than it takes): no second vector of accounts is allocated.
    let runs: Vec<usize> = accounts
        .chunk_by(|a, b| a.system == b.system && a.login == b.login)
        .map(<[Account]>::len)
        .collect();
    if runs.len() == accounts.len() {
        // Every account in one record (one export of each system): nothing to merge, and no
        // pass of the accounts through slots.
        for a in &mut accounts {
            a.aliases.sort();
        }
        return accounts;
    }
    let mut slots: Vec<Option<Account>> = accounts.into_iter().map(Some).collect();
    let mut start = 0;
    for run in runs {
        let end = start + run;
        if run == 1 {
            // The common case: one record, nothing to merge (only its aliases to sort).
            if let Some(a) = &mut slots[start] {
                a.aliases.sort();
            }
        } else {
            let group: Vec<Account> = slots[start..end]
                .iter_mut()
                .filter_map(Option::take)
                .collect();
            slots[start] = merge_accounts(group, observed, notes);
        }
        start = end;
    }
    #[allow(
        clippy::filter_map_identity,
        reason = "filter_map collects in place into the slots' memory; flatten would allocate"
    )]
    slots.into_iter().filter_map(|a| a).collect()
}

/// Merges listed credentials seen in several exports (same kind, id and owner) into one; a
/// secret found in two files is two credentials (two places to clean), so plaintext secrets are
/// kept per location. The result is sorted by evidence, kind and id; ties (the same line listing
/// one id for two owners) by owner, and plaintext secrets in arrival order.
///
/// The records of one credential are found by hashing their key (kind, id, owner) and compared
/// exactly within a hash, so a collision only costs a comparison; each group merges in arrival
/// order. Everything happens in place: no second vector of credentials.
pub fn credentials(
    credentials: Vec<Credential>,
    observed: &Observed,
    notes: &mut Vec<Diagnostic>,
) -> Vec<Credential> {
    let mut creds = credentials;
    let listed = |c: &Credential| c.kind != CredentialKind::PlaintextSecret;
    let hasher = foldhash::fast::FixedState::with_seed(0x5EED);
    let mut hashed: Vec<(u64, u32)> = creds
        .par_iter()
        .enumerate()
        .filter(|(_, c)| listed(c))
        .map(|(i, c)| (hasher.hash_one((c.kind, &c.id, &c.owner)), index_u32(i)))
        .collect();
    // The index makes every pair distinct: any sort gives this one order.
    hashed.par_sort_unstable();
    let same =
        |a: &Credential, b: &Credential| a.kind == b.kind && a.id == b.id && a.owner == b.owner;
    let mut removed = vec![false; creds.len()];
    let placeholder = || {
        Credential::new(
            CredentialKind::PlaintextSecret,
            "",
            "",
            Evidence::new("", None),
        )
    };
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        if let [(_, only)] = run {
            // One record: nothing to merge (only its lists to sort, as the merge does).
            let m = &mut creds[*only as usize];
            m.related.sort();
            m.responsible.sort();
            continue;
        }
        // Indices in arrival order; split by the exact key (a hash collision is two groups).
        let mut pending: Vec<usize> = run.iter().map(|&(_, i)| i as usize).collect();
        while let Some((&first, rest)) = pending.split_first() {
            let (group, others): (Vec<usize>, Vec<usize>) =
                rest.iter().partition(|&&j| same(&creds[first], &creds[j]));
            if group.is_empty() {
                let m = &mut creds[first];
                m.related.sort();
                m.responsible.sort();
            } else {
                let mut records = Vec::with_capacity(group.len() + 1);
                records.push(std::mem::replace(&mut creds[first], placeholder()));
                for &j in &group {
                    records.push(std::mem::replace(&mut creds[j], placeholder()));
                    removed[j] = true;
                }
                match merge_credentials(records, observed, notes) {
                    Some(m) => creds[first] = m,
                    None => removed[first] = true,
                }
            }
            pending = others;
        }
    }
    drop(hashed);
    let mut k = 0;
    creds.retain(|_| {
        k += 1;
        !removed[k - 1]
    });
    drop(removed);
    // Sort by (evidence, kind, id), then owner for listed credentials, then arrival order: the
    // evidence path by rank, so most comparisons never leave the key array.
    let path = ranks(creds.iter().map(|c| c.evidence.path.as_str()));
    let mut keyed: Vec<(u32, Option<u32>, CredentialKind, u32)> = creds
        .iter()
        .enumerate()
        .map(|(i, c)| (path[i], c.evidence.line, c.kind, index_u32(i)))
        .collect();
    drop(path);
    // The index breaks every tie: any sort gives this one order.
    keyed.par_sort_unstable_by(|a, b| {
        (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
            let (x, y) = (&creds[a.3 as usize], &creds[b.3 as usize]);
            x.id.cmp(&y.id)
                .then_with(|| {
                    if listed(x) {
                        x.owner.cmp(&y.owner)
                    } else {
                        Ordering::Equal
                    }
                })
                .then(a.3.cmp(&b.3))
        })
    });
    let mut order: Vec<u32> = keyed.into_iter().map(|k| k.3).collect();
    permute(&mut creds, &mut order);
    creds
}

#[cfg(test)]
mod tests;
