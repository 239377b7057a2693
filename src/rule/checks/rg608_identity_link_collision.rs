//! RG608 identity-link-collision: a name of one account that names another account of the same
//! system, so that correlation, or a system that maps people by name, joins two different
//! accounts (issue 12).
//!
//! Within one system (the same source and system name) logins are unique, so two of its accounts
//! are two principals. Three collisions are reported, one finding per account whose name claims
//! another's:
//! - a UPN or mail address of one account whose local part (or whole value, for an AD UPN
//!   without a suffix) is another account's login (sAMAccountName): the KDC maps a certificate
//!   whose UPN it cannot find by that name to the account with the sAMAccountName (ESC9/ESC10),
//!   and correlation joins the two;
//! - one mail address (or UPN) held by two accounts (`mail`, `proxyAddresses`, Okta
//!   `profile.email`): an application that keys users on the email claim signs one in as the
//!   other;
//! - any two accounts of one system that correlation joined into one identity by a name
//!   (`correlate::LinkBasis`), whatever the path.
//!
//! Not here: links across systems (that is what correlation is for; `--emit-inventory` marks the
//! weak ones), and identities from the `--identities` file (the user's word).

use super::rg606_reset_rights_outside_tier0::privileged_reason;
use crate::correlate::{account_names, normalized_login, Name, NameForm};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{Account, AccountScope, Inventory, SourceKind};
use crate::rule::Context;
use foldhash::{HashMap, HashMapExt as _};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Pairs of one system within one identity examined at most (an identity of thousands of
/// same-named accounts is reported by its first pairs).
const MAX_PAIRS: usize = 200;

/// One account's names (its login first, as `account_names` lists them), with what the checks
/// compare of each. Borrowed from the account where no change of case is needed, so a directory
/// of 100,000 accounts costs no string copies here.
struct MemberNames<'a> {
    names: Vec<MemberName<'a>>,
}

struct MemberName<'a> {
    name: Name<'a>,
    /// `normalize_login` of the name.
    key: Cow<'a, str>,
    /// `Name::address`.
    address: Option<Cow<'a, str>>,
}

impl<'a> MemberNames<'a> {
    fn of(a: &'a Account) -> Self {
        let names = account_names(a)
            .into_iter()
            .map(|name| MemberName {
                key: normalized_login(name.text),
                address: name.address(),
                name,
            })
            .collect();
        MemberNames { names }
    }

    /// The normalised login: the first name's key.
    fn login(&self) -> &str {
        self.names.first().map_or("", |n| &n.key)
    }
}

/// The members that hold one name: most names have one, which needs no allocation.
struct Holders<T> {
    first: T,
    more: Vec<T>,
}

impl<T: Copy> Holders<T> {
    fn new(first: T) -> Self {
        Holders {
            first,
            more: Vec::new(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        std::iter::once(&self.first).chain(&self.more)
    }

    fn len(&self) -> usize {
        1 + self.more.len()
    }
}

/// What one account's name does to another's.
#[derive(Default)]
struct Collision {
    reasons: BTreeSet<String>,
    /// An AD UPN without a suffix equal to the other's sAMAccountName.
    bare_upn: bool,
    /// Correlation joined the two into this identity.
    joined: Option<String>,
}

fn form_name(form: NameForm) -> &'static str {
    match form {
        NameForm::Login => "login",
        NameForm::Upn => "user principal name",
        NameForm::Mail => "mail address",
    }
}

/// A UPN or mail of one member naming another member's login: (claimant, other) -> what
/// collides. `names` are the members' names, in `members` order.
fn login_claims(
    inv: &Inventory,
    members: &[usize],
    names: &[MemberNames],
) -> BTreeMap<(usize, usize), Collision> {
    // A hash map: the claims are an ordered map, so the order it is walked in does not matter.
    let mut by_login: HashMap<&str, Holders<usize>> = HashMap::with_capacity(members.len());
    for (&i, own) in members.iter().zip(names) {
        by_login
            .entry(own.login())
            .and_modify(|h| h.more.push(i))
            .or_insert_with(|| Holders::new(i));
    }
    let mut claims: BTreeMap<(usize, usize), Collision> = BTreeMap::new();
    for (&i, own_names) in members.iter().zip(names) {
        let own = own_names.login();
        for member in own_names.names.iter().filter(|m| !m.name.is_login) {
            let n = &member.name;
            if member.key == own {
                continue;
            }
            let holders = by_login.get(member.key.as_ref());
            for &j in holders.into_iter().flat_map(Holders::iter).filter(|&&j| j != i) {
                let other = &inv.accounts[j];
                // The same full address on both is the shared-address case.
                let same = member.address.as_deref().is_some_and(|addr| {
                    account_names(other).iter().any(|m| m.address().as_deref() == Some(addr))
                });
                if same {
                    continue;
                }
                let c = claims.entry((i, j)).or_default();
                let bare = n.form == NameForm::Upn && !n.text.contains('@');
                c.bare_upn |= bare;
                c.reasons.insert(if bare {
                    format!(
                        "its user principal name `{}` has no suffix and is {}'s sAMAccountName",
                        n.text, other.login
                    )
                } else {
                    format!(
                        "the local part of its {} `{}` is {}{}'s login",
                        form_name(n.form),
                        n.text,
                        if other.login.contains('@') { "the local part of " } else { "" },
                        other.login
                    )
                });
            }
        }
    }
    claims
}

/// One address held by several members: the holder whose login or UPN it is keeps it; every
/// other holder claims it. Each claim is ((claimant, holder), reason).
fn address_claims(
    inv: &Inventory,
    members: &[usize],
    names: &[MemberNames],
) -> Vec<((usize, usize), String)> {
    // A hash map: the claims are merged into an ordered map, whatever order they come in.
    let mut by_address: HashMap<&str, Holders<(usize, NameForm, bool)>> =
        HashMap::with_capacity(members.len());
    for (&i, own) in members.iter().zip(names) {
        for member in &own.names {
            if let Some(addr) = member.address.as_deref() {
                let held = (i, member.name.form, member.name.is_login);
                by_address
                    .entry(addr)
                    .and_modify(|list| {
                        if !list.iter().any(|(j, ..)| *j == i) {
                            list.more.push(held);
                        }
                    })
                    .or_insert_with(|| Holders::new(held));
            }
        }
    }
    let mut claims = Vec::new();
    for (addr, holders) in &by_address {
        if holders.len() < 2 {
            continue;
        }
        let owner = holders
            .iter()
            .min_by_key(|(j, form, is_login)| {
                (!is_login, *form != NameForm::Upn, inv.accounts[*j].login.to_lowercase())
            })
            .map(|(j, form, is_login)| (*j, if *is_login { "login" } else { form_name(*form) }));
        let Some((owner, owner_form)) = owner else {
            continue;
        };
        for &(j, form, _) in holders.iter().filter(|(j, ..)| *j != owner) {
            claims.push((
                (j, owner),
                format!(
                    "its {} `{addr}` is also {}'s {owner_form}",
                    form_name(form),
                    inv.accounts[owner].login,
                ),
            ));
        }
    }
    claims
}

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    // Grouped by the system as spelled, then by its lower case: one `to_lowercase` per spelling.
    let mut spelled: HashMap<(SourceKind, &str), Vec<usize>> = HashMap::new();
    for (i, a) in inv.accounts.iter().enumerate() {
        if a.scope == AccountScope::Domain {
            spelled.entry((a.source, a.system.as_str())).or_default().push(i);
        }
    }
    let mut systems: BTreeMap<(SourceKind, String), Vec<usize>> = BTreeMap::new();
    for ((source, system), members) in spelled {
        systems
            .entry((source, system.to_lowercase()))
            .or_default()
            .extend(members);
    }
    // In account order, whatever order the spellings were met in.
    for members in systems.values_mut() {
        members.sort_unstable();
    }
    // (claimant, other) -> what collides.
    let mut collisions: BTreeMap<(usize, usize), Collision> = BTreeMap::new();
    for members in systems.values() {
        // Each member's names, worked out once, on every core.
        let names: Vec<MemberNames> = members
            .par_iter()
            .map(|&i| MemberNames::of(&inv.accounts[i]))
            .collect();
        // The two kinds of claim side by side; a claim's reasons are a set, so which kind is
        // merged first does not reach the findings.
        let (by_login, by_address) = rayon::join(
            || login_claims(inv, members, &names),
            || address_claims(inv, members, &names),
        );
        for (pair, claim) in by_login {
            let c = collisions.entry(pair).or_default();
            c.bare_upn |= claim.bare_upn;
            c.reasons.extend(claim.reasons);
        }
        for (pair, reason) in by_address {
            collisions.entry(pair).or_default().reasons.insert(reason);
        }
    }
    // Correlation joined two accounts of one system.
    // (An identity of one account joins nothing.)
    for id in ctx
        .correlation
        .identities
        .iter()
        .filter(|id| !id.explicit && id.accounts.len() > 1)
    {
        let mut by_system: BTreeMap<(SourceKind, String), Vec<usize>> = BTreeMap::new();
        for &i in &id.accounts {
            let a = &inv.accounts[i];
            by_system
                .entry((a.source, a.system.to_lowercase()))
                .or_default()
                .push(i);
        }
        let mut pairs = 0;
        for list in by_system.values().filter(|l| l.len() > 1) {
            for (x, &i) in list.iter().enumerate() {
                for &j in &list[x + 1..] {
                    if pairs >= MAX_PAIRS {
                        break;
                    }
                    pairs += 1;
                    let key = if collisions.contains_key(&(j, i)) {
                        (j, i)
                    } else {
                        (i, j)
                    };
                    let c = collisions.entry(key).or_default();
                    c.joined = Some(id.key.clone());
                    if c.reasons.is_empty() {
                        c.reasons.insert(format!(
                            "correlation joined it with {} by the name `{}` alone",
                            inv.accounts[key.1].login, id.key
                        ));
                    }
                }
            }
        }
    }
    // One finding per claimant.
    let mut by_claimant: BTreeMap<usize, Vec<(usize, Collision)>> = BTreeMap::new();
    for ((i, j), c) in collisions {
        by_claimant.entry(i).or_default().push((j, c));
    }
    for (i, list) in by_claimant {
        let a = &inv.accounts[i];
        let mut parts = Vec::new();
        let mut level = Level::Warning;
        let mut joined = BTreeSet::new();
        let mut bare = false;
        let mut privileged = Vec::new();
        let mut others = Vec::new();
        for (j, c) in &list {
            let other = &inv.accounts[*j];
            parts.extend(c.reasons.iter().cloned());
            others.push(other.login.as_str());
            if let Some(k) = &c.joined {
                joined.insert(k.clone());
            }
            bare |= c.bare_upn;
            for acct in [a, other] {
                if let Some(why) = privileged_reason(acct) {
                    privileged.push(format!("{} is privileged ({why})", acct.login));
                }
            }
        }
        privileged.sort();
        privileged.dedup();
        if bare || !privileged.is_empty() {
            level = Level::Error;
        }
        let mut message = format!(
            "{} in {} carries another account's name: {}. They are different accounts of {} ({} and {}).",
            a.login,
            a.system,
            parts.join("; "),
            a.system,
            a.login,
            others.join(", "),
        );
        if !joined.is_empty() {
            message.push_str(&format!(
                " resetgap joined them into identity {}, so each is judged by the other's reset: \
                 a credential that survived one person's reset hides behind the other's later \
                 one. Name them apart in an --identities file.",
                joined.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        if bare {
            message.push_str(
                " The KDC maps a certificate whose UPN it does not find to the account with that \
                 sAMAccountName (UPN mapping, ESC9/ESC10): whoever can set this UPN can \
                 authenticate as the other account.",
            );
        } else {
            message.push_str(
                " Whoever can set this name (a SaaS admin, a user editing their own profile, a \
                 principal with write on the attribute) is signed in as the other account by any \
                 system that maps people by UPN or email claim.",
            );
        }
        if !privileged.is_empty() {
            message.push_str(&format!(" {}.", privileged.join("; ")));
        }
        let mut f = out
            .finding(
                level,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                a.evidence.clone(),
                message,
            )
            .account(&a.login);
        for (j, _) in &list {
            let other = &inv.accounts[*j];
            f = f.related(other.evidence.clone(), format!("{}'s entry", other.login));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::inventory::{Account, AccountScope, Evidence, Record, SourceKind};

    fn account(system: &str, login: &str, mail: &[&str], line: u32) -> Record {
        let mut a = Account::new(
            SourceKind::OpenLdap,
            system,
            login,
            Evidence::at("people.ldif", line),
        );
        a.scope = AccountScope::Domain;
        a.mail = mail.iter().map(|m| m.to_string()).collect();
        Record::Account(a)
    }

    fn claimants(records: Vec<Record>) -> Vec<(String, String)> {
        let as_of = jiff::Timestamp::from_second(1_800_000_000).expect("as-of");
        super::super::run_check("RG608", super::check, records, as_of)
            .iter()
            .map(|f| (f.location.to_string(), f.message.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    #[test]
    fn one_system_spelled_in_two_cases_is_one_system() {
        // The same directory, its name spelled two ways by two exports: the mail address of
        // `ana` names `bo`'s login, and `carol` holds `ana`'s address too.
        let found = claimants(vec![
            account("dc=Example,dc=Test", "ana", &["bo@example.test"], 1),
            account("dc=example,dc=test", "bo", &[], 2),
            account("dc=EXAMPLE,dc=test", "carol", &["bo@example.test"], 3),
        ]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].0.ends_with(":1"), "{found:?}");
        assert!(found[0].1.contains("bo's login"), "{found:?}");
        assert!(found[1].0.ends_with(":3"), "{found:?}");
        // Another system is another namespace.
        let apart = claimants(vec![
            account("dc=one,dc=test", "ana", &["bo@example.test"], 1),
            account("dc=two,dc=test", "bo", &[], 2),
        ]);
        assert!(apart.is_empty(), "{apart:?}");
    }
}
