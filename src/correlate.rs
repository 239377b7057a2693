//! Correlation: links accounts of the same person or service across systems into identities, and
//! finds each identity's last reset with the evidence that proves it.
//!
//! Heuristic: the normalised login (case-folded; `DOMAIN\user`, `user@domain` and `user` compare
//! on the local part). Root accounts and Unix system accounts (UID below 1000) are never linked
//! across systems: `root` on two hosts is two accounts. An `--identities` file overrides the
//! heuristic for the accounts it names.
//!
//! Every link records why it was made (`Link`, `LinkBasis`): the identities file, a synced
//! account naming its on-premises login, the same full UPN or mail address, or only a name (a
//! bare login, or the local part of an address on another domain). A link that rests on a name
//! alone is weak: each system lets its own admins, and some let users, choose it (RG608).

use crate::inventory::{Account, AccountKind, AccountScope, Inventory, OwnerRef, TimePrecision};
use foldhash::{HashMap, HashMapExt};
use jiff::Timestamp;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The `--identities` file: identity name → list of `system:login` (system is a host name, `aws`,
/// or a source family `linux` meaning every Linux host).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct IdentityMap(pub BTreeMap<String, Vec<String>>);

impl IdentityMap {
    pub fn parse(file: &str, text: &str) -> Result<IdentityMap, String> {
        let map: IdentityMap = crate::yaml::from_str(text).map_err(|e| format!("{file}:{e}"))?;
        let mut problems = Vec::new();
        for (name, members) in &map.0 {
            for m in members {
                if !m.contains(':') || m.starts_with(':') || m.ends_with(':') {
                    problems.push(format!(
                        "{file}: identity `{name}`: `{m}` must be written `system:login` (e.g. `web01:alice`, `aws:a.smith`)"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The latest password change of an identity.
#[derive(Debug, Clone, Copy)]
pub struct Reset {
    pub at: Timestamp,
    /// The account whose record proves it.
    pub account: usize,
    /// The record has day granularity (shadow `lastchg`): `at` is the start of that UTC day.
    pub day_granular: bool,
}

#[derive(Debug)]
pub struct Identity {
    /// Normalised login, or the name from the identities file.
    pub key: String,
    pub accounts: Vec<usize>,
    pub last_reset: Option<Reset>,
    /// Why the accounts were linked: one link per pair of accounts the correlation joined
    /// directly (a spanning set, not every pair), strongest basis first within a pair.
    pub links: Vec<Link>,
    /// Made from the `--identities` file.
    pub explicit: bool,
}

impl Identity {
    /// Whether some link of this identity rests on a name alone.
    pub fn has_weak_link(&self) -> bool {
        self.links.iter().any(|l| l.weak)
    }
}

/// Why two accounts were linked, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkBasis {
    /// Named together in the `--identities` file.
    IdentityMap,
    /// A synchronised account names the other as its on-premises login (Entra
    /// `onPremisesSamAccountName`).
    SyncedFrom,
    /// The same user principal name (or login address), domain included.
    Upn,
    /// The same mail address, domain included.
    Mail,
    /// The local part of one account's UPN (or login address) equals the other's login or
    /// local part; the domains differ or one side has none. Weak.
    UpnLocalPart,
    /// The local part of one account's mail address equals the other's login or local part.
    /// Weak.
    MailLocalPart,
    /// The same bare login (case-folded, `DOMAIN\` dropped). Weak.
    Login,
}

impl LinkBasis {
    /// Whether the basis is a name alone, which each system lets its own admins (and some let
    /// users) choose.
    pub fn is_weak(self) -> bool {
        matches!(
            self,
            LinkBasis::UpnLocalPart | LinkBasis::MailLocalPart | LinkBasis::Login
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            LinkBasis::IdentityMap => "named together in the identities file",
            LinkBasis::SyncedFrom => "synchronised from the on-premises account",
            LinkBasis::Upn => "the same user principal name",
            LinkBasis::Mail => "the same mail address",
            LinkBasis::UpnLocalPart => "the local part of a user principal name only",
            LinkBasis::MailLocalPart => "the local part of a mail address only",
            LinkBasis::Login => "the same bare login only",
        }
    }
}

/// One link between two accounts of an identity (indices into `Inventory::accounts`, `a < b`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    pub basis: LinkBasis,
    /// The shared key: the normalised login, the address, or the identity's name.
    pub key: String,
    pub weak: bool,
}

/// What kind of name of an account a `Name` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameForm {
    /// The login without `@` (sAMAccountName, a Unix or IAM user name).
    Login,
    /// A user principal name: a login that is an address (Entra, Okta), an AD/LDAP UPN, or an AD
    /// UPN without a suffix.
    Upn,
    /// A mail address (`Account::mail`).
    Mail,
}

/// One name an account answers to, as correlation and RG608 compare them, borrowed from the
/// account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name<'a> {
    pub form: NameForm,
    /// As the export spells it.
    pub text: &'a str,
    /// The account's own login (not an alias or mail).
    pub is_login: bool,
}

impl<'a> Name<'a> {
    /// The name with its domain, lower-cased, when it is an address.
    pub fn address(&self) -> Option<Cow<'a, str>> {
        self.text
            .contains('@')
            .then(|| lower_case(self.text.trim()))
    }
}

/// `text` in lower case (`str::to_lowercase`), borrowed when it already is: ASCII without a
/// capital (most names), which spares an allocation per name over a whole directory.
fn lower_case(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// A SID (`S-1-5-21-…`) or a GUID: an id some source adds as an alias, never a principal name.
fn looks_like_id(alias: &str) -> bool {
    let sid = alias
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("S-1-"));
    let guid = alias.len() == 36
        && alias.bytes().filter(|&b| b == b'-').count() == 4
        && alias.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit());
    sid || guid
}

/// An alias that is an address, not a DN, ARN, SID or URL.
fn is_address_alias(alias: &str) -> bool {
    alias.contains('@') && !alias.contains(['=', ':', '/', ','])
}

/// Every name of `a` that correlation or a relying system may match on: its login, its UPNs and
/// mail addresses (aliases that are addresses; for AD also a UPN without a suffix) and its
/// `mail` list.
pub fn account_names(a: &Account) -> Vec<Name<'_>> {
    let is_mail = |t: &str| a.mail.iter().any(|m| m.eq_ignore_ascii_case(t));
    let mut out = vec![Name {
        form: if a.login.contains('@') {
            NameForm::Upn
        } else {
            NameForm::Login
        },
        text: &a.login,
        is_login: true,
    }];
    for alias in &a.aliases {
        let bare_upn = a.source == crate::inventory::SourceKind::ActiveDirectory
            && !alias.contains(['@', '=', ':', '/', ',', '\\'])
            && !alias.trim().is_empty()
            && !looks_like_id(alias);
        if is_address_alias(alias) || bare_upn {
            let form = if is_mail(alias) {
                NameForm::Mail
            } else {
                NameForm::Upn
            };
            out.push(Name {
                form,
                text: alias,
                is_login: false,
            });
        }
    }
    for m in &a.mail {
        if !out.iter().any(|n| n.text.eq_ignore_ascii_case(m)) {
            out.push(Name {
                form: NameForm::Mail,
                text: m,
                is_login: false,
            });
        }
    }
    out
}

/// The strongest basis on which accounts `x` and `y`, both holding link key `key`, are linked.
fn link_basis(x: &Account, y: &Account, key: &str) -> (LinkBasis, String) {
    let synced = |s: &Account, d: &Account| {
        s.synced_from
            .as_deref()
            .is_some_and(|f| !f.is_empty() && normalize_login(f) == normalize_login(&d.login))
            && d.directory.is_some()
    };
    if synced(x, y) || synced(y, x) {
        return (LinkBasis::SyncedFrom, key.to_string());
    }
    // Only the names that produced the link key count (`link_keys`).
    let names = |a| -> Vec<Name<'_>> {
        account_names(a)
            .into_iter()
            .filter(|n| {
                (n.is_login || (a.directory.is_some() && is_address_alias(n.text)))
                    && normalized_login(n.text) == key
            })
            .collect()
    };
    let (nx, ny) = (names(x), names(y));
    let mut best: Option<(LinkBasis, String)> = None;
    for p in &nx {
        for q in &ny {
            let basis = match (p.address(), q.address()) {
                (Some(u), Some(v)) if u == v => {
                    if p.form == NameForm::Mail && q.form == NameForm::Mail {
                        (LinkBasis::Mail, u.into_owned())
                    } else {
                        (LinkBasis::Upn, u.into_owned())
                    }
                }
                _ if p.form == NameForm::Upn || q.form == NameForm::Upn => {
                    (LinkBasis::UpnLocalPart, key.to_string())
                }
                _ if p.form == NameForm::Mail || q.form == NameForm::Mail => {
                    (LinkBasis::MailLocalPart, key.to_string())
                }
                _ => (LinkBasis::Login, key.to_string()),
            };
            if best.as_ref().is_none_or(|b| basis.0 < b.0) {
                best = Some(basis);
            }
        }
    }
    best.unwrap_or((LinkBasis::Login, key.to_string()))
}

#[derive(Debug)]
pub struct Correlation {
    pub identities: Vec<Identity>,
    /// Identity index of each account.
    pub of_account: Vec<usize>,
    /// Linkable identities by normalised login.
    by_key: HashMap<String, usize>,
}

/// `DOMAIN\User`, `user@example.org` and `USER` all normalise to `user`.
pub fn normalize_login(login: &str) -> String {
    normalized_login(login).into_owned()
}

/// `normalize_login`, borrowed from `login` when that needs no change of case.
pub fn normalized_login(login: &str) -> Cow<'_, str> {
    let local = login.rsplit('\\').next().unwrap_or(login);
    let local = local.split('@').next().unwrap_or(local);
    lower_case(local.trim())
}

/// The keys an account is linked by: its normalised login, and for directory accounts the local
/// part of UPN and mail aliases.
fn link_keys(a: &Account) -> Vec<String> {
    let mut keys = vec![normalize_login(&a.login)];
    if a.directory.is_some() {
        for alias in &a.aliases {
            if is_address_alias(alias) {
                keys.push(normalize_login(alias));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

fn linkable(a: &Account) -> bool {
    match a.kind {
        AccountKind::Root => false,
        // A service account local to one machine (`www-data`) is not the same-named service
        // account of another system.
        AccountKind::Service => a.scope != AccountScope::Local,
        AccountKind::Human | AccountKind::Unknown => true,
    }
}

/// A password change that counts as a reset: a known time that is not the initial password set
/// when the account was created (AWS sets `password_last_changed` at creation too).
fn reset_time(a: &Account) -> Option<Timestamp> {
    if a.password_is_initial() {
        return None;
    }
    a.password_last_set.known()
}

impl Correlation {
    pub fn build(inv: &Inventory, overrides: &IdentityMap) -> Correlation {
        // At most one identity per account and per name of the identities file: reserved at
        // once, since growing by doubling copies them all (memory not used is not touched).
        let mut identities: Vec<Identity> =
            Vec::with_capacity(overrides.0.len() + inv.accounts.len());
        let mut of_account = vec![usize::MAX; inv.accounts.len()];
        // The explicit identities' names, in file order: they win over the heuristic's keys.
        let mut explicit_keys: Vec<(String, usize)> = Vec::new();

        // Explicit identities first: they win over the heuristic.
        for (name, members) in &overrides.0 {
            let idx = identities.len();
            identities.push(Identity {
                key: name.clone(),
                accounts: Vec::new(),
                last_reset: None,
                links: Vec::new(),
                explicit: true,
            });
            for m in members {
                // Systems and logins may both hold `:` (`entra:example.org`,
                // `system:serviceaccount:ns:sa`), so match the whole `system:login` text, or a
                // source family followed by the login (`linux:alice` on every Linux host).
                for (i, a) in inv.accounts.iter().enumerate() {
                    let exact = m
                        .get(..a.system.len())
                        .is_some_and(|s| s.eq_ignore_ascii_case(&a.system))
                        && m[a.system.len()..].strip_prefix(':') == Some(a.login.as_str());
                    let family = m.split_once(':').is_some_and(|(fam, login)| {
                        fam.eq_ignore_ascii_case(a.source.as_str()) && login == a.login
                    });
                    if (exact || family) && of_account[i] == usize::MAX {
                        of_account[i] = idx;
                        identities[idx].accounts.push(i);
                    }
                }
            }
            explicit_keys.push((name.to_lowercase(), idx));
        }
        // Heuristic links: accounts that share a normalised login, or (for directory accounts) the
        // local part of a UPN or mail alias, form one identity (union-find).
        let n = inv.accounts.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        // Becomes `by_key` (each key's account turned into its identity).
        let mut first_with_key: HashMap<String, usize> = HashMap::with_capacity(n);
        // (first account with the key, this account, key): the links made, one per key holder.
        let mut edges: Vec<(usize, usize, String)> = Vec::new();
        // Each linkable account's keys, worked out on every core; an account that is not linked
        // by the heuristic has none.
        let keys: Vec<Vec<String>> = inv
            .accounts
            .par_iter()
            .zip(&of_account)
            .map(|(a, &explicit)| {
                if explicit != usize::MAX || !linkable(a) {
                    return Vec::new();
                }
                link_keys(a)
            })
            .collect();
        for (i, keys) in keys.into_iter().enumerate() {
            for key in keys {
                match first_with_key.get(&key) {
                    Some(&j) => {
                        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                        parent[ri.max(rj)] = ri.min(rj);
                        edges.push((j, i, key));
                    }
                    None => {
                        first_with_key.insert(key, i);
                    }
                }
            }
        }
        let mut identity_of_root: Vec<usize> = vec![usize::MAX; n];
        for (i, a) in inv.accounts.iter().enumerate() {
            if of_account[i] != usize::MAX {
                continue;
            }
            let idx = if linkable(a) {
                let root = find(&mut parent, i);
                if identity_of_root[root] == usize::MAX {
                    identities.push(Identity {
                        key: normalize_login(&inv.accounts[root].login),
                        accounts: Vec::new(),
                        last_reset: None,
                        links: Vec::new(),
                        explicit: false,
                    });
                    identity_of_root[root] = identities.len() - 1;
                }
                identity_of_root[root]
            } else {
                identities.push(Identity {
                    key: format!("{}:{}", a.system, a.login),
                    accounts: Vec::new(),
                    last_reset: None,
                    links: Vec::new(),
                    explicit: false,
                });
                identities.len() - 1
            };
            of_account[i] = idx;
            identities[idx].accounts.push(i);
        }
        drop(identity_of_root);
        let mut by_key = first_with_key;
        for identity in by_key.values_mut() {
            *identity = of_account[*identity];
        }
        for (key, idx) in explicit_keys {
            by_key.insert(key, idx);
        }
        // Why each pair was linked: the strongest basis over the keys the pair shares.
        let mut best: BTreeMap<(usize, usize), (LinkBasis, String)> = BTreeMap::new();
        for (j, i, key) in edges {
            let (a, b) = (j.min(i), j.max(i));
            let basis = link_basis(&inv.accounts[a], &inv.accounts[b], &key);
            match best.get(&(a, b)) {
                Some(old) if *old <= basis => {}
                _ => {
                    best.insert((a, b), basis);
                }
            }
        }
        for ((a, b), (basis, key)) in best {
            identities[of_account[a]].links.push(Link {
                a,
                b,
                basis,
                key,
                weak: basis.is_weak(),
            });
        }
        for (name, id) in overrides.0.keys().zip(identities.iter_mut()) {
            if let Some((&first, rest)) = id.accounts.split_first() {
                for &b in rest {
                    id.links.push(Link {
                        a: first.min(b),
                        b: first.max(b),
                        basis: LinkBasis::IdentityMap,
                        key: name.clone(),
                        weak: false,
                    });
                }
            }
        }
        // Accounts named in the identities file are found by their own logins too.
        for (idx, id) in identities.iter().enumerate().take(overrides.0.len()) {
            for &i in &id.accounts {
                by_key
                    .entry(normalize_login(&inv.accounts[i].login))
                    .or_insert(idx);
            }
        }
        for id in &mut identities {
            for &i in &id.accounts {
                let a = &inv.accounts[i];
                if let Some(at) = reset_time(a) {
                    if id.last_reset.is_none_or(|r| at > r.at) {
                        id.last_reset = Some(Reset {
                            at,
                            account: i,
                            day_granular: a.password_precision == TimePrecision::Day,
                        });
                    }
                }
            }
        }
        Correlation {
            identities,
            of_account,
            by_key,
        }
    }

    pub fn identity_of(&self, account: usize) -> &Identity {
        &self.identities[self.of_account[account]]
    }

    /// The accounts an owner reference points at: the exact account when the system is known,
    /// else the accounts of the identity with that normalised login.
    /// A reference whose system has no such account (an app password listed without the users
    /// export, a Vault token of a user Vault has no record of) falls back to the login.
    pub fn owner_accounts(&self, inv: &Inventory, owner: &OwnerRef) -> Vec<usize> {
        if let Some(i) = owner
            .system
            .as_deref()
            .and_then(|s| inv.account(s, &owner.login))
        {
            return vec![i];
        }
        self.by_key
            .get(&normalize_login(&owner.login))
            .map(|&i| self.identities[i].accounts.clone())
            .unwrap_or_default()
    }

    /// The identity an owner reference belongs to, if any (same fallback as `owner_accounts`).
    pub fn owner_identity(&self, inv: &Inventory, owner: &OwnerRef) -> Option<&Identity> {
        self.owner_identity_index(inv, owner)
            .map(|i| &self.identities[i])
    }

    /// The linkable identity with this normalised login (`normalize_login`), if any: the
    /// fallback of `owner_identity_index` for a name with no account of its own.
    pub fn identity_of_key(&self, normalized: &str) -> Option<usize> {
        self.by_key.get(normalized).copied()
    }

    /// The index in `identities` of `owner_identity`.
    pub fn owner_identity_index(&self, inv: &Inventory, owner: &OwnerRef) -> Option<usize> {
        self.resolve_owner(inv, owner).1
    }

    /// The owner's account on its system, if the inventory has it, and the owner's identity:
    /// that account's, else the identity its normalised login links to.
    pub fn resolve_owner(
        &self,
        inv: &Inventory,
        owner: &OwnerRef,
    ) -> (Option<usize>, Option<usize>) {
        match owner
            .system
            .as_deref()
            .and_then(|s| inv.account(s, &owner.login))
        {
            Some(i) => (Some(i), self.of_account.get(i).copied()),
            None => (None, self.identity_of_key(&normalize_login(&owner.login))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Evidence, Record, SourceKind, When};

    /// The borrowed form is `to_lowercase` of the local part, borrowed only when nothing changes.
    #[test]
    fn normalised_logins_borrow_only_what_needs_no_change() {
        for (login, want, borrowed) in [
            ("alice", "alice", true),
            (" corp\\bob ", "bob", true),
            ("carol@example.org", "carol", true),
            ("Dave@Example.org", "dave", false),
            ("CORP\\Erin", "erin", false),
            ("ÅSA", "åsa", false),
            ("åsa", "åsa", false),
            ("ǅemal", "ǆemal", false),
        ] {
            let got = normalized_login(login);
            assert_eq!(got, want, "{login}");
            assert_eq!(
                got,
                login
                    .rsplit('\\')
                    .next()
                    .unwrap()
                    .split('@')
                    .next()
                    .unwrap()
                    .trim()
                    .to_lowercase()
            );
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{login}");
            assert_eq!(normalize_login(login), want);
        }
        let upn = Name {
            form: NameForm::Upn,
            text: " Mixed@Example.ORG",
            is_login: false,
        };
        assert_eq!(upn.address().as_deref(), Some("mixed@example.org"));
        let plain = Name {
            text: "x@example.org",
            ..upn
        };
        assert!(matches!(
            plain.address(),
            Some(Cow::Borrowed("x@example.org"))
        ));
    }

    fn account(system: &str, login: &str, kind: AccountKind, reset: Option<&str>) -> Record {
        let mut a = Account::new(SourceKind::AwsIam, system, login, Evidence::at("x", 1));
        a.kind = kind;
        if let Some(r) = reset {
            a.password_last_set = When::parse_instant(r).unwrap();
        }
        Record::Account(a)
    }

    #[test]
    fn normalizes_domain_forms() {
        assert_eq!(normalize_login("CORP\\M.Okafor"), "m.okafor");
        assert_eq!(normalize_login("m.okafor@example.org"), "m.okafor");
        assert_eq!(normalize_login("M.OKAFOR"), "m.okafor");
    }

    #[test]
    fn links_by_login_and_takes_latest_reset() {
        let inv = Inventory::from_records(vec![
            account(
                "aws",
                "m.okafor",
                AccountKind::Human,
                Some("2026-08-03T14:22:51Z"),
            ),
            account(
                "web01",
                "M.Okafor",
                AccountKind::Human,
                Some("2026-01-01T00:00:00Z"),
            ),
            account(
                "aws",
                "root",
                AccountKind::Root,
                Some("2026-09-01T00:00:00Z"),
            ),
            account("web01", "root", AccountKind::Root, None),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let aws = inv.account("aws", "m.okafor").unwrap();
        let web = inv.account("web01", "M.Okafor").unwrap();
        assert_eq!(c.of_account[aws], c.of_account[web]);
        let r = c.identity_of(web).last_reset.unwrap();
        assert_eq!(r.account, aws);
        let r1 = inv.account("aws", "root").unwrap();
        let r2 = inv.account("web01", "root").unwrap();
        assert_ne!(c.of_account[r1], c.of_account[r2], "roots are never linked");
    }

    #[test]
    fn identity_file_overrides_heuristic() {
        let inv = Inventory::from_records(vec![
            account("aws", "mara", AccountKind::Human, None),
            account(
                "web01",
                "mokafor",
                AccountKind::Human,
                Some("2026-01-01T00:00:00Z"),
            ),
        ]);
        let map = IdentityMap::parse("ids.yml", "mara-okafor:\n  - aws:mara\n  - web01:mokafor\n")
            .unwrap();
        let c = Correlation::build(&inv, &map);
        let a = inv.account("aws", "mara").unwrap();
        assert_eq!(c.identity_of(a).key, "mara-okafor");
        assert!(c.identity_of(a).last_reset.is_some());
        assert!(IdentityMap::parse("ids.yml", "x:\n  - nocolon\n").is_err());
    }

    #[test]
    fn names_find_identities_explicit_first_then_heuristic_then_member_logins() {
        let inv = Inventory::from_records(vec![
            account("aws", "mara", AccountKind::Human, None),
            account("web01", "ops", AccountKind::Human, None),
            account("web02", "ops", AccountKind::Human, None),
            account("web03", "Mara-Okafor", AccountKind::Human, None),
            account("web04", "sam", AccountKind::Human, None),
        ]);
        let map =
            IdentityMap::parse("ids.yml", "Mara-Okafor:\n  - aws:mara\n  - web01:ops\n").unwrap();
        let c = Correlation::build(&inv, &map);
        let key_of = |name: &str| {
            c.identity_of_key(name)
                .map(|i| c.identities[i].key.as_str())
        };
        // The identities file's name wins over the same-named account's heuristic identity.
        assert_eq!(key_of("mara-okafor"), Some("Mara-Okafor"));
        // A member's own login finds the file's identity, unless the heuristic links that
        // name to an identity of its own (`ops` on web02).
        assert_eq!(key_of("mara"), Some("Mara-Okafor"));
        assert_eq!(key_of("ops"), Some("ops"));
        assert_eq!(key_of("sam"), Some("sam"));
        assert_eq!(key_of("nobody"), None);
    }

    #[test]
    fn directory_upn_links_a_different_login() {
        let mut ad = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            "mokafor",
            Evidence::at("ad.ldif", 1),
        );
        ad.kind = AccountKind::Human;
        ad.aliases = vec![
            "m.okafor@corp.example.test".into(),
            "CN=Mara Okafor,DC=corp,DC=example,DC=test".into(),
        ];
        ad.directory = Some(Box::new(crate::inventory::DirectoryAccount {
            dn: "CN=Mara Okafor,DC=corp,DC=example,DC=test".into(),
            object: crate::inventory::DirectoryObject::User,
            uac: Some(0x200),
            flags: crate::inventory::DirectoryFlags::default(),
            pwd_last_set: When::Unknown,
            must_change: false,
            password_changed: When::Unknown,
            pwd_last_set_written: When::Unknown,
            spns: vec![],
            admin_count: false,
            privileged_groups: vec![],
            last_logon: When::Unknown,
            laps: crate::inventory::Laps::NotApplicable,
            readable_password_attributes: vec![],
            locked: false,
        }));
        let inv = Inventory::from_records(vec![
            Record::Account(ad),
            account(
                "aws",
                "m.okafor",
                AccountKind::Human,
                Some("2026-08-03T14:22:51Z"),
            ),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let a = inv.account("corp.example.test", "mokafor").unwrap();
        let b = inv.account("aws", "m.okafor").unwrap();
        assert_eq!(c.of_account[a], c.of_account[b]);
        // A user name captured beside a secret finds the identity by either name.
        let by_upn = OwnerRef {
            system: None,
            login: "m.okafor".into(),
        };
        let by_sam = OwnerRef {
            system: None,
            login: "MOKAFOR".into(),
        };
        assert_eq!(c.owner_accounts(&inv, &by_upn).len(), 2);
        assert_eq!(c.owner_accounts(&inv, &by_sam).len(), 2);
    }

    fn directory(login: &str, upn: &str, mail: &[&str]) -> Account {
        let mut a = Account::new(
            SourceKind::ActiveDirectory,
            "corp.example.test",
            login,
            Evidence::at("ad.ldif", 1),
        );
        a.kind = AccountKind::Human;
        a.aliases = vec![upn.to_string()];
        a.aliases.extend(mail.iter().map(|m| m.to_string()));
        a.aliases
            .push(format!("CN={login},DC=corp,DC=example,DC=test"));
        a.mail = mail.iter().map(|m| m.to_string()).collect();
        a.directory = Some(Box::new(crate::inventory::DirectoryAccount {
            dn: format!("CN={login},DC=corp,DC=example,DC=test"),
            object: crate::inventory::DirectoryObject::User,
            uac: Some(0x200),
            flags: crate::inventory::DirectoryFlags::default(),
            pwd_last_set: When::Unknown,
            must_change: false,
            password_changed: When::Unknown,
            pwd_last_set_written: When::Unknown,
            spns: vec![],
            admin_count: false,
            privileged_groups: vec![],
            last_logon: When::Unknown,
            laps: crate::inventory::Laps::NotApplicable,
            readable_password_attributes: vec![],
            locked: false,
        }));
        a
    }

    fn basis_between(
        c: &Correlation,
        inv: &Inventory,
        x: (&str, &str),
        y: (&str, &str),
    ) -> (LinkBasis, String, bool) {
        let (i, j) = (
            inv.account(x.0, x.1).unwrap(),
            inv.account(y.0, y.1).unwrap(),
        );
        let l = c
            .identity_of(i)
            .links
            .iter()
            .find(|l| (l.a, l.b) == (i.min(j), i.max(j)))
            .expect("linked directly");
        (l.basis, l.key.clone(), l.weak)
    }

    #[test]
    fn every_link_records_its_basis_and_weakness() {
        let mut entra = Account::new(
            SourceKind::EntraId,
            "entra:example.org",
            "m.okafor@corp.example.test",
            Evidence::at("users.json", 3),
        );
        entra.kind = AccountKind::Human;
        let mut synced = Account::new(
            SourceKind::EntraId,
            "entra:example.org",
            "tberg@example.org",
            Evidence::at("users.json", 9),
        );
        synced.kind = AccountKind::Human;
        synced.synced_from = Some("TBerg".into());
        let mut okta = Account::new(
            SourceKind::Okta,
            "okta",
            "m.okafor@partner.example",
            Evidence::at("okta.json", 2),
        );
        okta.kind = AccountKind::Human;
        let inv = Inventory::from_records(vec![
            Record::Account(directory(
                "mokafor",
                "m.okafor@corp.example.test",
                &["mara@corp.example.test"],
            )),
            Record::Account(directory("tberg", "tberg@corp.example.test", &[])),
            Record::Account(entra),
            Record::Account(synced),
            Record::Account(okta),
            account("aws", "mara", AccountKind::Human, None),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let ad = ("corp.example.test", "mokafor");
        assert_eq!(
            basis_between(
                &c,
                &inv,
                ad,
                ("entra:example.org", "m.okafor@corp.example.test")
            ),
            (LinkBasis::Upn, "m.okafor@corp.example.test".into(), false),
            "the same UPN with its domain is strong"
        );
        assert_eq!(
            basis_between(
                &c,
                &inv,
                ("corp.example.test", "tberg"),
                ("entra:example.org", "tberg@example.org")
            ),
            (LinkBasis::SyncedFrom, "tberg".into(), false)
        );
        assert_eq!(
            basis_between(&c, &inv, ad, ("aws", "mara")),
            (LinkBasis::MailLocalPart, "mara".into(), true),
            "a mail's local part against a bare login is a name alone"
        );
        // The Okta login's local part meets the UPN's: linked, but only by a name.
        let okta = inv.account("okta", "m.okafor@partner.example").unwrap();
        assert!(c.identity_of(okta).has_weak_link());
        assert!(c
            .identity_of(okta)
            .links
            .iter()
            .any(|l| l.basis == LinkBasis::UpnLocalPart && l.weak));

        let map = IdentityMap::parse(
            "ids.yml",
            "mara-okafor:\n  - aws:mara\n  - okta:m.okafor@partner.example\n",
        )
        .unwrap();
        let c = Correlation::build(&inv, &map);
        let id = c.identity_of(okta);
        assert!(id.explicit);
        assert_eq!(id.links.len(), 1);
        assert_eq!(
            (id.links[0].basis, id.links[0].weak),
            (LinkBasis::IdentityMap, false)
        );
    }

    #[test]
    fn names_tell_upn_from_mail_and_find_a_bare_upn() {
        let mut a = directory("mallory", "Administrator", &["jsmith@corp.example.test"]);
        a.aliases.push("S-1-5-21-1-2-3-1104".into());
        let names = account_names(&a);
        let forms: Vec<(NameForm, &str)> = names.iter().map(|n| (n.form, n.text)).collect();
        assert_eq!(
            forms,
            [
                (NameForm::Login, "mallory"),
                (NameForm::Upn, "Administrator"),
                (NameForm::Mail, "jsmith@corp.example.test"),
            ]
        );
    }

    /// Scope and precision are facts of the account, whatever its source.
    #[test]
    fn local_service_accounts_stay_apart_and_day_precision_carries_to_the_reset() {
        let service = |system: &str, scope: AccountScope| {
            let mut a = Account::new(SourceKind::Vault, system, "backup", Evidence::at("x", 1));
            a.kind = AccountKind::Service;
            a.scope = scope;
            a
        };
        let mut dated = service("host-b", AccountScope::Local);
        dated.password_last_set = When::parse_instant("2026-08-01T00:00:00Z").unwrap();
        dated.password_precision = TimePrecision::Day;
        let inv = Inventory::from_records(vec![
            Record::Account(service("host-a", AccountScope::Local)),
            Record::Account(dated),
            Record::Account(service("cloud", AccountScope::Domain)),
            Record::Account(service("tenant", AccountScope::Domain)),
        ]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        let of = |system: &str| c.of_account[inv.account(system, "backup").unwrap()];
        assert_ne!(
            of("host-a"),
            of("host-b"),
            "local service accounts never link"
        );
        assert_ne!(of("host-a"), of("cloud"));
        assert_eq!(
            of("cloud"),
            of("tenant"),
            "domain service accounts link by login"
        );
        let reset = c.identities[of("host-b")].last_reset.unwrap();
        assert!(reset.day_granular);
    }

    #[test]
    fn initial_password_is_not_a_reset() {
        let mut a = Account::new(SourceKind::AwsIam, "aws", "j", Evidence::at("x", 1));
        a.created = When::parse_instant("2026-05-12T09:30:00Z").unwrap();
        a.password_last_set = When::parse_instant("2026-05-12T09:30:05Z").unwrap();
        let inv = Inventory::from_records(vec![Record::Account(a)]);
        let c = Correlation::build(&inv, &IdentityMap::default());
        assert!(c.identities[0].last_reset.is_none());
    }
}
