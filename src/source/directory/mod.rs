//! Directory sources: Active Directory and OpenLDAP (any RFC 4512 directory) read from LDIF
//! exports (`ldapsearch`, `ldifde`). Formats: `../shared/reference/formats-directory.md` §1, §1.3.
//!
//! This file owns the public entry points (`sniff_ldif`, `parse_ldif`, `parse_ldif_text`), DN
//! handling (the `system` of a record is the DNS domain of its DN's `DC=` components), the
//! GeneralizedTime decoder both directories use, and the two phases every directory source runs:
//! while entries stream in, `Collector::add` keeps compact per-entry facts (accounts, groups,
//! credentials); `Collector::finish` then resolves group membership (direct, primary group,
//! nesting with cycle guard) and privileged groups by RID. A live LDAP client can feed the same
//! `Collector` with `ldif::Entry` values it builds from search results.
//!
//! It also owns the list of attributes the adapters read ([`attributes`]: what a live search
//! requests, composed of `ad::ATTRIBUTES` and `openldap::ATTRIBUTES`).
//!
//! Not here: the LDIF syntax (`ldif`), AD attribute semantics (`ad`), OpenLDAP semantics
//! (`openldap`), the live client (`live`), what of a secret-bearing value a saved LDIF keeps
//! (`redact`), and any finding.

pub mod acl;
pub mod ad;
pub mod ldif;
pub mod live;
pub mod openldap;
pub mod redact;

use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Account, Credential, Evidence, Membership, Privilege, Record, SourceKind};
use jiff::Timestamp;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;

/// Attributes every directory entry is read for (`Entry::has_class`).
const SHARED_ATTRIBUTES: &[&str] = &["objectClass"];

/// What a live server is, from its root DSE: it decides which attribute names a search asks
/// for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    /// Active Directory or Samba AD: the root DSE lists `LDAP_CAP_ACTIVE_DIRECTORY_OID`.
    ActiveDirectory,
    /// Any other directory (OpenLDAP, 389 Directory Server): its schema defines none of AD's
    /// attribute types, so no entry can hold them.
    Other,
    /// The root DSE could not be read.
    Unknown,
}

/// Every attribute the AD and OpenLDAP adapters read, once each, in a fixed order: what a live
/// search of an unknown server requests (nothing else is fetched or saved).
pub fn attributes() -> Vec<&'static str> {
    attributes_for(ServerKind::Unknown)
}

/// The attributes a live search of a `kind` server requests. A directory that is not AD gets
/// the OpenLDAP adapter's names only: a name the server does not define costs slapd about a
/// quarter of a microsecond per entry each (the 37 AD names tripled slapd's CPU time on 100,000
/// entries, issue 13 part 3), and an entry cannot hold a type its server does not define. AD
/// gets every name: it defines the RFC 2307 ones (`uid`, `uidNumber`, `memberUid`) that the
/// OpenLDAP adapter reads of entries that are not AD security principals.
pub fn attributes_for(kind: ServerKind) -> Vec<&'static str> {
    let lists: &[&[&str]] = match kind {
        ServerKind::Other => &[SHARED_ATTRIBUTES, openldap::ATTRIBUTES],
        ServerKind::ActiveDirectory | ServerKind::Unknown => {
            &[SHARED_ATTRIBUTES, ad::ATTRIBUTES, openldap::ATTRIBUTES]
        }
    };
    let mut seen = std::collections::HashSet::new();
    lists
        .iter()
        .flat_map(|l| l.iter())
        .copied()
        .filter(|a| seen.insert(a.to_ascii_lowercase()))
        .collect()
}

/// Whether text looks like LDIF: the first line that is not blank and not a comment (folded
/// comments included) is `dn:`/`dn::`, or `version: 1` followed by such a line or by nothing
/// but comments (RFC 2849: the version line precedes the first record; an empty `ldapsearch`
/// result has only its trailer comments). A YAML file that starts with `version: 1` and goes on
/// with other keys (a Python `logging` dictConfig, a Compose file) is not LDIF. Looks at the
/// given prefix only.
/// An account's mail addresses from its `mail` values and its `proxyAddresses` (AD, Entra):
/// `SMTP:` (primary) and `smtp:` (secondary) entries without the prefix; other address types
/// (`X500:`, `SIP:`) are not mail. Trimmed, empty values dropped, each address once
/// (case-insensitively), in the order given.
pub fn mail_addresses<S: AsRef<str>>(
    mail: impl IntoIterator<Item = S>,
    proxy: impl IntoIterator<Item = S>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let proxies = proxy.into_iter().filter_map(|p| {
        let p = p.as_ref().trim();
        p.get(..5)
            .filter(|t| t.eq_ignore_ascii_case("smtp:"))
            .map(|_| p[5..].trim().to_string())
    });
    for m in mail
        .into_iter()
        .map(|m| m.as_ref().trim().to_string())
        .chain(proxies)
    {
        if !m.is_empty() && !out.iter().any(|x| x.eq_ignore_ascii_case(&m)) {
            out.push(m);
        }
    }
    out
}

pub fn sniff_ldif(text_prefix: &str) -> bool {
    let text = text_prefix.strip_prefix('\u{feff}').unwrap_or(text_prefix);
    let mut in_comment = false;
    let mut saw_version = false;
    let mut saw_other = false;
    for line in text.split('\n').take(200) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with(' ') && in_comment {
            continue;
        }
        in_comment = false;
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('#') {
            in_comment = true;
            continue;
        }
        let head = |n: usize| line.get(..n).map(str::to_ascii_lowercase);
        if head(3).as_deref() == Some("dn:") {
            return true;
        }
        if saw_version {
            // After `version: 1`, LDIF may hold junk before its first `dn:` (reported by the
            // parser); YAML never has a `dn:` line.
            saw_other = true;
            continue;
        }
        if head(8).as_deref() == Some("version:") && line.get(8..).map(str::trim) == Some("1") {
            saw_version = true;
            continue;
        }
        return false;
    }
    saw_version && !saw_other
}

/// LDIF exports (`ldapsearch`, `ldifde`): Active Directory and OpenLDAP entries.
pub struct LdifSource;

impl super::registry::FileSource for LdifSource {
    fn name(&self) -> &'static str {
        "ldif"
    }

    fn claim<'s>(
        &'s self,
        file: &super::registry::Sniff<'_>,
    ) -> Option<super::registry::Claim<'s>> {
        sniff_ldif(file.head).then(|| -> super::registry::Claim<'s> {
            Box::new(|input| {
                run(
                    input.uri,
                    input.text.as_bytes(),
                    Some(&input.options.secret_ids),
                )
            })
        })
    }
}

/// Parses an LDIF export streamed from `reader`; `path` is the evidence path relative to the
/// scan root. Memory grows with the records produced, not with the file.
pub fn parse_ldif(path: &str, mut reader: impl BufRead) -> Output {
    // `ldifde -u` writes UTF-16LE with a BOM: decode it whole (rare, and never streamed).
    let utf16 = match reader.fill_buf() {
        Ok(head) => head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]),
        Err(_) => false,
    };
    if utf16 {
        let mut bytes = Vec::new();
        if let Err(e) = reader.read_to_end(&mut bytes) {
            let mut out = Output::default();
            out.diag(Diagnostic::unreadable(
                path,
                format!("read error: {}", e.kind()),
            ));
            return out;
        }
        let text = super::decode_text(&bytes).into_owned();
        return run(path, text.as_bytes(), None);
    }
    run(path, reader, None)
}

/// `parse_ldif` over text already in memory.
pub fn parse_ldif_text(path: &str, text: &str) -> Output {
    run(path, text.as_bytes(), None)
}

/// Reads an LDIF; `secret_ids` names the passwords found in free-text attributes (else they
/// get a location id).
fn run(
    path: &str,
    reader: impl BufRead,
    secret_ids: Option<&super::secret_id::SecretIdScheme>,
) -> Output {
    let mut entries = ldif::LdifReader::new(path, reader);
    let mut col = Collector::new(path);
    col.secret_ids = secret_ids.cloned();
    let mut seen = 0usize;
    while let Some(entry) = entries.next() {
        seen += 1;
        col.add(&entry);
        col.diagnostics.extend(entries.take_diagnostics());
    }
    col.diagnostics.extend(entries.take_diagnostics());
    if seen == 0 && col.diagnostics.is_empty() {
        col.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(path, None),
            "LDIF file holds no entries",
        ));
    }
    col.finish()
}

/// An account and what phase two needs to resolve its groups.
pub(crate) struct AccountFacts {
    pub(crate) account: Account,
    pub(crate) dn_key: String,
    /// `objectSid` as `S-1-5-21-…` (AD).
    pub(crate) sid: Option<String>,
    /// `primaryGroupID` and its line (AD).
    pub(crate) primary_group: Option<(u32, u32)>,
    /// `memberOf` values and their lines.
    pub(crate) member_of: Vec<(String, u32)>,
    /// Line of `gidNumber` (OpenLDAP posix primary group).
    pub(crate) gid_line: Option<u32>,
}

/// A group entry, kept for membership resolution.
pub(crate) struct GroupFacts {
    pub(crate) source: SourceKind,
    pub(crate) dn_key: String,
    pub(crate) name: String,
    pub(crate) system: String,
    pub(crate) sid: Option<String>,
    /// `gidNumber` of a posixGroup.
    pub(crate) gid: Option<u32>,
    /// `member`/`uniqueMember` DNs with their lines.
    pub(crate) members: Vec<(String, u32)>,
    /// `memberUid` logins with their lines.
    pub(crate) member_uids: Vec<(String, u32)>,
    /// `memberOf` DNs (nesting seen from the child).
    pub(crate) member_of: Vec<String>,
}

/// Phase one and two of a directory source: feed entries with `add`, then `finish`.
pub struct Collector {
    path: String,
    /// Names passwords found in free text (`ad::password_in_text`); `None`: location ids.
    pub(crate) secret_ids: Option<super::secret_id::SecretIdScheme>,
    /// Boxed: a vector of 600-byte facts that grows by doubling copies them all into fresh
    /// memory each time, which was a seventh of the live collector's time on 100,000 entries.
    #[allow(clippy::vec_box)]
    pub(crate) accounts: Vec<Box<AccountFacts>>,
    pub(crate) groups: Vec<GroupFacts>,
    pub(crate) credentials: Vec<Credential>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Rights read from security descriptors, resolved in `finish` (`acl`).
    pub(crate) acl: acl::AclFacts,
}

impl Collector {
    /// `path` names the evidence (a file relative to the scan root, or the live source).
    pub fn new(path: &str) -> Self {
        Collector {
            path: path.to_string(),
            secret_ids: None,
            accounts: Vec::new(),
            groups: Vec::new(),
            credentials: Vec::new(),
            diagnostics: Vec::new(),
            acl: acl::AclFacts::default(),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn diag(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// A value a rule depends on (a time, SID, UAC, key credential, metadata) that cannot be
    /// decoded: the entry is still used, but the rules that need the value could not be evaluated
    /// for it, so the scan is incomplete (severity error, exit 3 when nothing gates).
    pub(crate) fn malformed(&mut self, line: u32, msg: impl Into<String>) {
        let mut d = Diagnostic::malformed(&self.path, line, msg);
        d.severity = Severity::Error;
        self.diagnostics.push(d);
    }

    pub(crate) fn evidence(&self, line: u32) -> Evidence {
        Evidence::at(&self.path, line)
    }

    /// Phase one: keeps what one entry contributes. Entries that are neither AD nor OpenLDAP
    /// accounts or groups are ignored, except one with a `uid` that no rule classifies: that
    /// one gets a note, never silence.
    pub fn add(&mut self, entry: &ldif::Entry) {
        for a in &entry.attrs {
            let partial = a.options().any(|o| {
                o.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("range=")) && !o.ends_with("-*")
            });
            if partial {
                let line = a.values.first().map_or(entry.line, |v| v.line);
                let d = Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Warning,
                    self.evidence(line),
                    format!(
                        "attribute {}: ranged retrieval returned only part of the values",
                        a.base()
                    ),
                );
                self.diag(d);
            }
        }
        if entry.has_class("attributeSchema") {
            acl::schema_entry(self, entry);
        } else if ad::is_ad(entry) {
            ad::collect(self, entry);
        } else if openldap::is_openldap(entry) {
            openldap::collect(self, entry);
        } else if openldap::is_unclassified_uid(entry) {
            openldap::note_unclassified(self, entry);
        }
    }

    /// Phase two: resolves memberships and privileged groups, and returns every record.
    pub fn finish(self) -> Output {
        let Collector {
            path,
            mut accounts,
            groups,
            credentials,
            mut diagnostics,
            secret_ids: _,
            acl,
        } = self;
        let mut out = Output::default();

        // Security-descriptor trustees by objectSid: the exported accounts and groups.
        let mut names: HashMap<String, (String, bool)> = HashMap::new();
        for a in &accounts {
            if let Some(s) = &a.sid {
                names.insert(s.to_ascii_uppercase(), (a.account.login.clone(), false));
            }
        }
        for g in &groups {
            if let Some(s) = &g.sid {
                names.insert(s.to_ascii_uppercase(), (g.name.clone(), true));
            }
        }
        acl::finish(acl, &path, &names, &mut out, &mut diagnostics);

        let mut group_by_dn: foldhash::HashMap<&str, usize> = Default::default();
        let mut group_by_sid: foldhash::HashMap<String, usize> = Default::default();
        for (i, g) in groups.iter().enumerate() {
            group_by_dn.insert(g.dn_key.as_str(), i);
            if let Some(s) = &g.sid {
                group_by_sid.insert(s.to_ascii_uppercase(), i);
            }
        }
        // Nesting: children[p] = groups that are direct members of p.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
        let mut member_index: foldhash::HashMap<String, Vec<(usize, u32)>> = Default::default();
        let mut uid_index: foldhash::HashMap<(&str, &str), Vec<(usize, u32)>> = Default::default();
        for (gi, g) in groups.iter().enumerate() {
            for (dn, line) in &g.members {
                let k = dn_key(dn);
                if let Some(&c) = group_by_dn.get(k.as_str()) {
                    children[gi].push(c);
                }
                member_index.entry(k).or_default().push((gi, *line));
            }
            for (uid, line) in &g.member_uids {
                uid_index
                    .entry((g.system.as_str(), uid.as_str()))
                    .or_default()
                    .push((gi, *line));
            }
            for dn in &g.member_of {
                if let Some(&p) = group_by_dn.get(dn_key(dn).as_str()) {
                    children[p].push(gi);
                }
            }
        }
        // reach[g] = privileged groups g is nested into (itself included), by RID.
        let mut reach: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); groups.len()];
        for (p, g) in groups.iter().enumerate() {
            if !g.sid.as_deref().is_some_and(ad::privileged_sid) {
                continue;
            }
            let mut seen = vec![false; groups.len()];
            let mut stack = vec![p];
            while let Some(g) = stack.pop() {
                if std::mem::replace(&mut seen[g], true) {
                    continue;
                }
                reach[g].insert(p);
                stack.extend(children[g].iter().copied().filter(|c| !seen[*c]));
            }
        }
        let mut gid_index: foldhash::HashMap<(&str, u32), Vec<usize>> = Default::default();
        for (gi, g) in groups.iter().enumerate() {
            if let Some(gid) = g.gid {
                gid_index
                    .entry((g.system.as_str(), gid))
                    .or_default()
                    .push(gi);
            }
        }

        // Membership of a group nested into a privileged group makes its members administrators
        // of the directory.
        let grants = |gi: usize| (!reach[gi].is_empty()).then_some(Privilege::Admin);
        // (system, member, group key) -> membership; the keys borrow the accounts' and groups'
        // names where they can (a directory's primary groups make one membership per account).
        type Key<'k> = (&'k str, Cow<'k, str>, Cow<'k, str>);
        let mut memberships: BTreeMap<Key<'_>, Membership> = BTreeMap::new();
        for a in &mut accounts {
            // Split borrows: the account's names are read while its directory part is written.
            let AccountFacts {
                account,
                dn_key: own_key,
                sid,
                primary_group,
                member_of,
                gid_line,
            } = &mut **a;
            let Account {
                system,
                login,
                gid,
                directory,
                ..
            } = account;
            let (system, login): (&str, &str) = (system, login);
            let mut privileged: BTreeSet<String> = BTreeSet::new();
            let add = |key,
                       group: String,
                       gid: Option<u32>,
                       grants: Option<Privilege>,
                       line: u32,
                       memberships: &mut BTreeMap<_, Membership>| {
                memberships
                    .entry((system, Cow::Borrowed(login), key))
                    .or_insert_with(|| Membership {
                        system: system.to_string(),
                        group,
                        gid,
                        member: login.to_string(),
                        primary: false,
                        grants,
                        evidence: Evidence::at(&path, line),
                    });
            };
            for (dn, line) in member_of.iter() {
                let k = dn_key(dn);
                match group_by_dn.get(k.as_str()) {
                    Some(&gi) => {
                        let g = &groups[gi];
                        privileged.extend(reach[gi].iter().map(|p| groups[*p].name.clone()));
                        add(
                            Cow::Owned(k),
                            g.name.clone(),
                            g.gid,
                            grants(gi),
                            *line,
                            &mut memberships,
                        );
                    }
                    None => {
                        let name = first_rdn_value(dn).unwrap_or_else(|| dn.clone());
                        add(Cow::Owned(k), name, None, None, *line, &mut memberships);
                    }
                }
            }
            if let Some(list) = member_index.get(own_key.as_str()) {
                for (gi, line) in list {
                    let g = &groups[*gi];
                    privileged.extend(reach[*gi].iter().map(|p| groups[*p].name.clone()));
                    add(
                        Cow::Borrowed(g.dn_key.as_str()),
                        g.name.clone(),
                        g.gid,
                        grants(*gi),
                        *line,
                        &mut memberships,
                    );
                }
            }
            if let Some(list) = uid_index.get(&(system, login)) {
                for (gi, line) in list {
                    let g = &groups[*gi];
                    add(
                        Cow::Borrowed(g.dn_key.as_str()),
                        g.name.clone(),
                        g.gid,
                        grants(*gi),
                        *line,
                        &mut memberships,
                    );
                }
            }
            if let (Some(gid), Some(line)) = (*gid, *gid_line) {
                for gi in gid_index.get(&(system, gid)).into_iter().flatten() {
                    let g = &groups[*gi];
                    // A primary membership replaces a listed one for the same group.
                    memberships.insert(
                        (
                            system,
                            Cow::Borrowed(login),
                            Cow::Borrowed(g.dn_key.as_str()),
                        ),
                        Membership {
                            system: system.to_string(),
                            group: g.name.clone(),
                            gid: Some(gid),
                            member: login.to_string(),
                            primary: true,
                            grants: grants(*gi),
                            evidence: Evidence::at(&path, line),
                        },
                    );
                }
            }
            if let Some((rid, line)) = *primary_group {
                let group_sid = sid
                    .as_deref()
                    .and_then(ad::domain_sid)
                    .map(|d| format!("{d}-{rid}").to_ascii_uppercase());
                let found = group_sid.and_then(|s| group_by_sid.get(&s).copied());
                let (key, name, privilege) = match found {
                    Some(gi) => {
                        privileged.extend(reach[gi].iter().map(|p| groups[*p].name.clone()));
                        (
                            Cow::Borrowed(groups[gi].dn_key.as_str()),
                            groups[gi].name.clone(),
                            grants(gi),
                        )
                    }
                    None => (
                        Cow::Owned(format!("rid:{rid}")),
                        ad::well_known_group_name(rid),
                        ad::privileged_domain_rid(rid).then_some(Privilege::Admin),
                    ),
                };
                if ad::privileged_domain_rid(rid) && found.is_none() {
                    privileged.insert(name.clone());
                }
                memberships
                    .entry((system, Cow::Borrowed(login), key))
                    .and_modify(|m| m.primary = true)
                    .or_insert_with(|| Membership {
                        system: system.to_string(),
                        group: name,
                        gid: None,
                        member: login.to_string(),
                        primary: true,
                        grants: privilege,
                        evidence: Evidence::at(&path, line),
                    });
            }
            if let Some(d) = directory.as_mut() {
                d.privileged_groups = privileged.into_iter().collect();
            }
        }
        // Listed members the export has no account entry for (OpenLDAP `uid=` DNs, memberUid).
        for (gi, g) in groups.iter().enumerate() {
            if g.source != SourceKind::OpenLdap {
                continue;
            }
            let from_dns = g.members.iter().filter_map(|(dn, line)| {
                let rdns = parse_dn(dn);
                let (ty, v) = rdns.first()?.first()?.clone();
                (ty == "uid").then_some((v, *line))
            });
            let listed: Vec<(String, u32)> =
                from_dns.chain(g.member_uids.iter().cloned()).collect();
            for (login, line) in listed {
                memberships
                    .entry((
                        g.system.as_str(),
                        Cow::Owned(login.clone()),
                        Cow::Borrowed(g.dn_key.as_str()),
                    ))
                    .or_insert_with(|| Membership {
                        system: g.system.clone(),
                        group: g.name.clone(),
                        gid: g.gid,
                        member: login,
                        primary: false,
                        grants: grants(gi),
                        evidence: Evidence::at(&path, line),
                    });
            }
        }

        let mut ms: Vec<Membership> = memberships.into_values().collect();
        ms.sort();
        // Reserved at once: a record is large, and growing by doubling copies them all into
        // fresh memory each time (page faults were half of the live collector's time).
        out.records
            .reserve(accounts.len() + credentials.len() + ms.len());
        // Credentials first: `scan::stable_order` puts them before accounts (their system is
        // empty), so a directory of one domain comes out already in that order and is not
        // permuted again.
        for c in credentials {
            out.record(Record::Credential(c));
        }
        // Moved on every core: 100,000 accounts are 45 MB of records to write and fault in, on
        // the way from a live directory's last entry to its report.
        use rayon::iter::{IntoParallelIterator as _, ParallelExtend as _, ParallelIterator as _};
        out.records
            .par_extend(accounts.into_par_iter().map(|a| Record::Account(a.account)));
        for m in ms {
            out.record(Record::Membership(m));
        }
        diagnostics.sort_by_key(|d| d.location.line);
        out.diagnostics = diagnostics;
        out
    }
}

/// A DN split into RDNs, each a list of (lower-case type, unescaped value) AVAs.
/// Handles `\,`, `\2C` hex escapes, `"quoted"` values and multi-valued RDNs (`+`).
pub fn parse_dn(dn: &str) -> Vec<Vec<(String, String)>> {
    fn finish_ava(ty: &mut Vec<u8>, val: &mut Vec<u8>, avas: &mut Vec<(String, String)>) {
        let t = String::from_utf8_lossy(ty).trim().to_ascii_lowercase();
        let v = String::from_utf8_lossy(val).trim().to_string();
        if !t.is_empty() || !v.is_empty() {
            avas.push((t, v));
        }
        ty.clear();
        val.clear();
    }
    let mut rdns = Vec::new();
    let mut avas = Vec::new();
    let (mut ty, mut val) = (Vec::new(), Vec::new());
    let mut in_val = false;
    let mut quoted = false;
    let bytes = dn.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        let target = if in_val { &mut val } else { &mut ty };
        match b {
            b'\\' => {
                let hex = bytes
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(h) = hex {
                    target.push(h);
                    i += 2;
                } else if let Some(&c) = bytes.get(i) {
                    target.push(c);
                    i += 1;
                }
            }
            b'"' => quoted = !quoted,
            b'=' if !in_val && !quoted => in_val = true,
            b',' | b';' if !quoted => {
                finish_ava(&mut ty, &mut val, &mut avas);
                if !avas.is_empty() {
                    rdns.push(std::mem::take(&mut avas));
                }
                in_val = false;
            }
            b'+' if !quoted && in_val => {
                finish_ava(&mut ty, &mut val, &mut avas);
                in_val = false;
            }
            _ => target.push(b),
        }
    }
    finish_ava(&mut ty, &mut val, &mut avas);
    if !avas.is_empty() {
        rdns.push(avas);
    }
    rdns
}

/// A normalised DN for matching (`member`, `memberOf`): types and values lower-cased,
/// spacing and escaping made uniform.
pub fn dn_key(dn: &str) -> String {
    key_of(&parse_dn(dn))
}

/// `dn_key` of a DN already parsed (`parse_dn`), written into one string.
pub(crate) fn key_of(rdns: &[Vec<(String, String)>]) -> String {
    fn esc(o: &mut String, s: &str) {
        for c in s.chars().flat_map(char::to_lowercase) {
            if matches!(c, ',' | '+' | '=' | '\\' | ';') {
                o.push('\\');
            }
            o.push(c);
        }
    }
    let mut o = String::with_capacity(
        rdns.iter()
            .flatten()
            .map(|(t, v)| t.len() + v.len() + 2)
            .sum(),
    );
    for (i, rdn) in rdns.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        for (j, (t, v)) in rdn.iter().enumerate() {
            if j > 0 {
                o.push('+');
            }
            esc(&mut o, t);
            o.push('=');
            esc(&mut o, v);
        }
    }
    o
}

/// The `system` of an entry: its DN's `DC=` components as a lower-case DNS domain
/// (`DC=corp,DC=example,DC=test` -> `corp.example.test`), else the DN's last RDN value.
pub fn system_of(dn: &str) -> String {
    system_of_parsed(&parse_dn(dn))
}

/// `system_of` a DN already parsed (`parse_dn`).
pub(crate) fn system_of_parsed(rdns: &[Vec<(String, String)>]) -> String {
    let dcs: Vec<String> = rdns
        .iter()
        .flatten()
        .filter(|(t, _)| t == "dc" || t == "0.9.2342.19200300.100.1.25")
        .map(|(_, v)| v.to_lowercase())
        .collect();
    if !dcs.is_empty() {
        return dcs.join(".");
    }
    rdns.last()
        .and_then(|r| r.first())
        .map(|(_, v)| v.to_lowercase())
        .unwrap_or_default()
}

/// The value of a DN's first RDN (`CN=Domain Admins,CN=Users,…` -> `Domain Admins`).
pub fn first_rdn_value(dn: &str) -> Option<String> {
    first_rdn_value_parsed(&parse_dn(dn))
}

/// `first_rdn_value` of a DN already parsed (`parse_dn`).
pub(crate) fn first_rdn_value_parsed(rdns: &[Vec<(String, String)>]) -> Option<String> {
    rdns.first()?.first().map(|(_, v)| v.clone())
}

/// RFC 4517 GeneralizedTime: `YYYYMMDDHH[MM[SS]][(.|,)fraction](Z|(+|-)HH[MM])`, the fraction
/// applying to the last unit given (`20240101120000.0Z`, `20240101120000.123+0200`). Leap
/// second 60 is read as 59. `None` when the text is not such a time.
pub fn generalized_time(text: &str) -> Option<Timestamp> {
    let s = text.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if !matches!(digits, 10 | 12 | 14) {
        return None;
    }
    let num = |i: usize, n: usize| -> Option<i64> { s.get(i..i + n)?.parse().ok() };
    let year = num(0, 4)?;
    let month = num(4, 2)?;
    let day = num(6, 2)?;
    let hour = num(8, 2)?;
    let minute = if digits >= 12 { num(10, 2)? } else { 0 };
    let second = if digits == 14 { num(12, 2)?.min(59) } else { 0 };
    let mut rest = s.get(digits..)?;
    let mut frac_nanos: i128 = 0;
    if let Some(r) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let f = r.get(..n.min(18))?;
        let numer: i128 = f.parse().ok()?;
        let denom: i128 = 10i128.checked_pow(u32::try_from(f.len()).ok()?)?;
        let unit: i128 = match digits {
            10 => 3600,
            12 => 60,
            _ => 1,
        };
        frac_nanos = unit * 1_000_000_000 * numer / denom;
        rest = r.get(n..)?;
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let z = rest.get(1..)?;
            if !z.bytes().all(|b| b.is_ascii_digit()) || !matches!(z.len(), 2 | 4) {
                return None;
            }
            let h: i64 = z.get(..2)?.parse().ok()?;
            let m: i64 = if z.len() == 4 {
                z.get(2..4)?.parse().ok()?
            } else {
                0
            };
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let dt = jiff::civil::DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()?;
    let ts = jiff::tz::TimeZone::UTC.to_timestamp(dt).ok()?;
    let nanos = ts.as_nanosecond() - i128::from(offset_secs) * 1_000_000_000 + frac_nanos;
    Timestamp::from_nanosecond(nanos).ok()
}

#[cfg(test)]
mod tests;
