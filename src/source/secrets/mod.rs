//! Secrets in config files: data-driven extractors (`rules/extract/*.yml`) run over text files and
//! turn what they find into `Credential` records of kind `PlaintextSecret`.
//!
//! This module owns loading (`syntax`: YAML → raw rules; `compile`: validation), the rule
//! self-test (`check`), the value filters (`filter`) and the scan (`scan`). It does not decide
//! which files are text or too large (discovery does), nor what a finding is (rules do).
//!
//! The hot path: one case-insensitive Aho-Corasick automaton over the keywords of every rule runs
//! once over the whole file; only the rules whose keywords occur (and whose path globs match) then
//! run their regex, once, over the whole text. Line numbers are computed only when something
//! matched.
//!
//! Records never hold a secret, nor anything to verify a guess of it: the credential id is the
//! captured `keyid` (an AWS access key id) or an id from `source::secret_id` (by default from the
//! file, the extractor and the occurrence; with `--secret-id-key`, an HMAC of the secret).
//!
//! Rule file format: `rules/README.md`, section "Secret extractors".

mod commands;
mod compile;
mod judge;
pub mod liveness;
mod scan;
mod syntax;

#[cfg(test)]
mod tests;

pub use super::values::is_placeholder;
pub use compile::RuleError;

use super::secret_id::{FileSecrets, SecretMatch};
use super::{Output, SourceOptions};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use aho_corasick::{AhoCorasick, MatchKind};
use compile::Rule;
use scan::{Found, LineIndex};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The bundled rule files, in load order (earlier rules win when two find the same secret).
const BUILTIN: &[(&str, &str)] = &[
    (
        "rules/extract/aws.yml",
        include_str!("../../../rules/extract/aws.yml"),
    ),
    (
        "rules/extract/github.yml",
        include_str!("../../../rules/extract/github.yml"),
    ),
    (
        "rules/extract/gitlab.yml",
        include_str!("../../../rules/extract/gitlab.yml"),
    ),
    (
        "rules/extract/slack.yml",
        include_str!("../../../rules/extract/slack.yml"),
    ),
    (
        "rules/extract/google.yml",
        include_str!("../../../rules/extract/google.yml"),
    ),
    (
        "rules/extract/azure.yml",
        include_str!("../../../rules/extract/azure.yml"),
    ),
    (
        "rules/extract/hashicorp.yml",
        include_str!("../../../rules/extract/hashicorp.yml"),
    ),
    (
        "rules/extract/saas.yml",
        include_str!("../../../rules/extract/saas.yml"),
    ),
    (
        "rules/extract/jwt.yml",
        include_str!("../../../rules/extract/jwt.yml"),
    ),
    (
        "rules/extract/private-key.yml",
        include_str!("../../../rules/extract/private-key.yml"),
    ),
    (
        "rules/extract/url.yml",
        include_str!("../../../rules/extract/url.yml"),
    ),
    (
        "rules/extract/connection-string.yml",
        include_str!("../../../rules/extract/connection-string.yml"),
    ),
    (
        "rules/extract/commands.yml",
        include_str!("../../../rules/extract/commands.yml"),
    ),
    (
        "rules/extract/generic.yml",
        include_str!("../../../rules/extract/generic.yml"),
    ),
];

/// At most this many finds per rule per file; the rest is reported as a warning.
const MAX_FINDS_PER_RULE: usize = 1000;
/// Only the first this many bytes of a file are searched.
const MAX_SCAN_BYTES: usize = 64 << 20;

/// The compiled set of secret extractors.
#[derive(Default)]
pub struct Extractors {
    rules: Vec<Rule>,
    /// One automaton over the distinct lower-cased keywords of all rules.
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern, the rules that keyword belongs to.
    keyword_rules: Vec<Vec<usize>>,
}

impl std::fmt::Debug for Extractors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractors")
            .field(
                "rules",
                &self.rules.iter().map(|r| &r.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Extractors {
    /// The extractors bundled in `rules/extract/`.
    pub fn builtin() -> Result<Extractors, Vec<String>> {
        Self::from_sources(BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())))
    }

    /// User rules: every `*.yml` / `*.yaml` file of `dir` (sorted by name). All problems of all
    /// files are reported, each as `file:line:col: message`.
    pub fn load_dir(dir: &Path) -> Result<Extractors, Vec<String>> {
        Self::from_sources(read_dir_sources(dir)?)
    }

    /// The bundled rules followed by the user rules of `dir`; ids must be unique across both.
    pub fn builtin_and_dir(dir: &Path) -> Result<Extractors, Vec<String>> {
        let sources = BUILTIN
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .chain(read_dir_sources(dir)?);
        Self::from_sources(sources)
    }

    /// Compiles rule files given as (file name, YAML text).
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Extractors, Vec<String>> {
        let mut errors: Vec<RuleError> = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (file, text) in sources {
            let parsed = match syntax::parse(&text) {
                Ok(p) => p,
                Err((pos, msg)) => {
                    errors.push(RuleError::new(&file, pos, msg));
                    continue;
                }
            };
            for syn in &parsed {
                match compile::compile(&file, syn) {
                    Ok(rule) => {
                        if let Some(first) = seen.get(&rule.id) {
                            errors.push(RuleError::new(
                                &file,
                                syn.field("id"),
                                format!(
                                    "duplicate rule id {:?} (first defined at {first})",
                                    rule.id
                                ),
                            ));
                        } else {
                            seen.insert(rule.id.clone(), rule.origin.clone());
                            rules.push(rule);
                        }
                    }
                    Err(errs) => errors.extend(errs),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors.iter().map(ToString::to_string).collect());
        }
        Self::assemble(rules).map_err(|e| vec![e])
    }

    fn assemble(rules: Vec<Rule>) -> Result<Extractors, String> {
        let mut by_keyword: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, rule) in rules.iter().enumerate() {
            for k in &rule.keywords {
                let list = by_keyword.entry(k.to_ascii_lowercase()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        let automaton = if by_keyword.is_empty() {
            None
        } else {
            Some(
                // Keywords are lower-case and matched against an ASCII-lower-cased copy of the
                // text: a case-sensitive automaton keeps aho-corasick's SIMD prefilter, which a
                // case-insensitive one loses (measured: about 10x on the keyword pass).
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(by_keyword.keys())
                    .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
            )
        };
        Ok(Extractors {
            rules,
            automaton,
            keyword_rules: by_keyword.into_values().collect(),
        })
    }

    /// (id, name) of every rule, in load order (for `resetgap rules`).
    pub fn rules(&self) -> Vec<(&str, &str)> {
        self.rules
            .iter()
            .map(|r| (r.id.as_str(), r.name.as_str()))
            .collect()
    }

    /// Every distinct keyword (lower-case, sorted): the equivalent of the pre-filter for
    /// benchmarks against ripgrep.
    pub fn keywords(&self) -> Vec<String> {
        let mut k: Vec<String> = self
            .rules
            .iter()
            .flat_map(|r| r.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        k.sort();
        k.dedup();
        k
    }

    /// The regex source of every rule, in load order.
    pub fn patterns(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.pattern.clone()).collect()
    }

    /// Scans one text file; `path` is relative to the scan root, `modified` when it was written.
    /// Found secrets are named by `options.secret_ids` (`source::secret_id`).
    pub fn scan(
        &self,
        path: &str,
        text: &str,
        modified: When,
        basis: IssuedBasis,
        options: &SourceOptions,
    ) -> Output {
        self.scan_named(
            path,
            text,
            modified,
            basis,
            &mut options.secret_ids.file(path),
        )
    }

    /// [`Extractors::scan`] with the namer of the file: several texts of one file (the values
    /// of a Kubernetes Secret) share it, so their secrets get distinct ids.
    pub fn scan_named(
        &self,
        path: &str,
        text: &str,
        modified: When,
        basis: IssuedBasis,
        names: &mut FileSecrets<'_>,
    ) -> Output {
        let mut out = Output::default();
        let text = if text.len() > MAX_SCAN_BYTES {
            let mut cut = MAX_SCAN_BYTES;
            while cut > 0 && !text.is_char_boundary(cut) {
                cut -= 1;
            }
            out.diag(Diagnostic::new(
                DiagKind::TooLarge,
                Severity::Warning,
                Evidence::new(path, None),
                format!(
                    "only the first {} MiB were searched for secrets",
                    MAX_SCAN_BYTES >> 20
                ),
            ));
            text.get(..cut).unwrap_or("")
        } else {
            text
        };
        let mut lines = LineIndex::new(text);
        let found = self.find_all(Some(path), text, None, &mut lines, &mut out);

        // One credential per (line, secret): the earlier rule names it, a later one may add the
        // user. The same secret is recognised by its in-scan matcher (or the key id it is).
        #[derive(Clone, PartialEq, Eq, Hash)]
        enum Same {
            KeyId(String),
            Secret(SecretMatch),
        }
        struct Pending {
            rule: usize,
            order: usize,
            keyid: Option<String>,
            secret: String,
            cred: Credential,
        }
        let mut pending: Vec<Pending> = Vec::new();
        let mut index: HashMap<(u32, Same), usize> = HashMap::new();
        for (order, f) in found.into_iter().enumerate() {
            // A secret found with its key id (a GCP key file) and again alone (the same private
            // key by `private-key`) is one credential: both keys lead to it.
            let by_secret = Same::Secret(names.matcher(&f.secret));
            let by_id = f.keyid.clone().map(Same::KeyId);
            let known = by_id
                .iter()
                .chain(std::iter::once(&by_secret))
                .find_map(|k| index.get(&(f.line, k.clone())).copied());
            if let Some(i) = known {
                if let (Some(p), Some(user)) = (pending.get_mut(i), f.user) {
                    if p.cred.owner.is_none() {
                        p.cred.owner = Some(OwnerRef {
                            system: None,
                            login: user,
                        });
                    }
                }
                continue;
            }
            let Some(rule) = self.rules.get(f.rule) else {
                continue;
            };
            let mut c = Credential::new(
                CredentialKind::PlaintextSecret,
                "",
                &rule.kind,
                Evidence::at(path, f.line),
            );
            c.owner = f.user.map(|login| OwnerRef {
                system: None,
                login,
            });
            c.issued = modified;
            c.issued_basis = basis;
            c.status = CredentialStatus::Active;
            c.detail = Some(rule.id.clone());
            if let Some(k) = &f.keyid {
                c.id.clone_from(k); // read by `liveness`; set again below
            }
            liveness::annotate(&mut c, &rule.kind, &f.secret, text, f.line);
            if let Some(k) = by_id {
                index.insert((f.line, k), pending.len());
            }
            index.insert((f.line, by_secret), pending.len());
            pending.push(Pending {
                rule: f.rule,
                order,
                keyid: f.keyid,
                secret: f.secret,
                cred: c,
            });
        }
        // Named in file order, so an id counts the secrets of its extractor above it.
        pending.sort_by_key(|p| (p.cred.evidence.line, p.rule, p.order));
        for p in &mut pending {
            match &p.keyid {
                Some(k) => p.cred.id.clone_from(k),
                None => {
                    let rule = self.rules.get(p.rule).map_or("", |r| r.id.as_str());
                    let named = names.name(rule, &p.secret);
                    p.cred.id = named.id;
                    p.cred.same_secret = Some(named.matcher);
                }
            }
        }
        let mut creds: Vec<Credential> = pending.into_iter().map(|p| p.cred).collect();
        pair_aws_secret_keys(&mut creds);
        if !creds.is_empty() {
            date_by_history(path, text, &mut creds);
        }
        out.records
            .extend(creds.into_iter().map(Record::Credential));
        out
    }

    /// All finds in `text`, in rule order. `path: None` ignores path globs (rule examples);
    /// `only` restricts to one rule.
    fn find_all<'t>(
        &self,
        path: Option<&str>,
        text: &'t str,
        only: Option<usize>,
        lines: &mut LineIndex<'t>,
        out: &mut Output,
    ) -> Vec<Found> {
        let mut found = Vec::new();
        let Some(automaton) = &self.automaton else {
            return found;
        };
        let mut wanted: Vec<bool> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| only.is_none_or(|o| o == i) && path.is_none_or(|p| r.applies_to(p)))
            .collect();
        let mut remaining = wanted.iter().filter(|w| **w).count();
        let mut hit = vec![false; self.rules.len()];
        if remaining > 0 {
            let lowered = text.to_ascii_lowercase();
            for m in automaton.find_overlapping_iter(&lowered) {
                for &r in self
                    .keyword_rules
                    .get(m.pattern().as_usize())
                    .into_iter()
                    .flatten()
                {
                    if let (Some(w), Some(h)) = (wanted.get_mut(r), hit.get_mut(r)) {
                        if *w {
                            *w = false;
                            *h = true;
                            remaining -= 1;
                        }
                    }
                }
                if remaining == 0 {
                    break;
                }
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if !hit.get(i).copied().unwrap_or(false) {
                continue;
            }
            let capped = match rule.reader {
                Some(reader) => {
                    commands::find(i, rule, reader, text, lines, &mut found, MAX_FINDS_PER_RULE)
                }
                None => scan::find(i, rule, path, text, lines, &mut found, MAX_FINDS_PER_RULE),
            };
            if let Some(at) = capped {
                let line = lines.line_of(at);
                out.diag(Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Warning,
                    Evidence::at(path.unwrap_or(""), line),
                    format!(
                        "extractor {} found more than {MAX_FINDS_PER_RULE} secrets; the rest of the file was not reported for it",
                        rule.id
                    ),
                ));
            }
        }
        found
    }

    /// Runs every rule's self-test: each example must be found by its rule (through the keyword
    /// pre-filter) and capture what it says; no negative example may produce a credential from
    /// any rule. Returns the problems, each starting with the rule's `file:line:col`.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut sink = Output::default();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("{}: rule {}", rule.origin, rule.id);
            if rule.examples.is_empty() {
                problems.push(format!("{at}: has no examples"));
            }
            if rule.negative_examples.is_empty() {
                problems.push(format!("{at}: has no negative_examples"));
            }
            for (n, ex) in rule.examples.iter().enumerate() {
                let n = n + 1;
                if let Some(p) = &ex.path {
                    if !rule.applies_to(p) {
                        problems.push(format!(
                            "{at}: example {n}: path {p:?} is not one the rule applies to"
                        ));
                        continue;
                    }
                }
                let mut lines = LineIndex::new(&ex.text);
                let found = self.find_all(None, &ex.text, Some(i), &mut lines, &mut sink);
                if found.is_empty() {
                    problems.push(format!("{at}: example {n} is not found"));
                    continue;
                }
                let ok = found.iter().any(|f| {
                    ex.secret.as_ref().is_none_or(|s| *s == f.secret)
                        && ex.user.as_ref().is_none_or(|u| Some(u) == f.user.as_ref())
                        && ex
                            .keyid
                            .as_ref()
                            .is_none_or(|k| Some(k) == f.keyid.as_ref())
                });
                if !ok {
                    let users: Vec<&str> = found.iter().filter_map(|f| f.user.as_deref()).collect();
                    problems.push(format!(
                        "{at}: example {n}: no find captures the expected secret, user and keyid (users found: {users:?})"
                    ));
                }
            }
            for (n, text) in rule.negative_examples.iter().enumerate() {
                let mut lines = LineIndex::new(text);
                let found = self.find_all(None, text, None, &mut lines, &mut sink);
                for f in found {
                    let by = self.rules.get(f.rule).map_or("?", |r| r.id.as_str());
                    problems.push(format!(
                        "{at}: negative example {} produces a credential (rule {by}, line {})",
                        n + 1,
                        f.line
                    ));
                }
            }
        }
        problems
    }
}

fn read_dir_sources(dir: &Path) -> Result<Vec<(String, String)>, Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![format!(
            "{}: cannot read rule directory: {e}",
            dir.display()
        )]
    })?;
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match std::fs::read(&f) {
            Ok(bytes) => sources.push((
                f.display().to_string(),
                super::decode_text(&bytes).into_owned(),
            )),
            Err(e) => errors.push(format!("{}: cannot read: {e}", f.display())),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// Dates each credential found on a timestamped line of a shell history by that timestamp.
fn date_by_history(path: &str, text: &str, creds: &mut [Credential]) {
    let Some(times) = commands::history_times(path, text) else {
        return;
    };
    for c in creds.iter_mut() {
        let at = c
            .evidence
            .line
            .and_then(|l| times.get(usize::try_from(l).ok()?.checked_sub(1)?).copied())
            .flatten()
            .and_then(When::from_epoch_seconds);
        if let Some(at) = at {
            c.issued = at;
            c.issued_basis = IssuedBasis::Logged;
        }
    }
}

/// The bundled extractors of the secret halves of AWS keys (`rules/extract/aws.yml`): a secret
/// access key, and a session token (paired with its `ASIA` id).
const AWS_SECRET_RULES: &[&str] = &["aws-secret-access-key", "aws-session-token"];
/// How far from its secret an access key id may be written and still name it.
const AWS_PAIR_LINES: u32 = 3;

/// Pairs each AWS secret access key of one file with the access key id written nearest to it
/// (at most `AWS_PAIR_LINES` lines away; the earlier line on a tie): the id names the key, and
/// through a key listing its owner.
fn pair_aws_secret_keys(creds: &mut [Credential]) {
    let key_ids: Vec<(u32, String)> = creds
        .iter()
        .filter(|c| is_aws_key_id(&c.id))
        .filter_map(|c| Some((c.evidence.line?, c.id.clone())))
        .collect();
    for c in creds.iter_mut().filter(|c| {
        c.detail
            .as_deref()
            .is_some_and(|d| AWS_SECRET_RULES.contains(&d))
    }) {
        let Some(line) = c.evidence.line else {
            continue;
        };
        c.paired_with = key_ids
            .iter()
            .map(|(at, id)| (at.abs_diff(line), *at, id))
            .filter(|(distance, _, _)| *distance <= AWS_PAIR_LINES)
            .min()
            .map(|(_, _, id)| id.clone());
    }
}

/// A long-term (`AKIA`) or temporary (`ASIA`) AWS access key id.
fn is_aws_key_id(id: &str) -> bool {
    (id.starts_with("AKIA") || id.starts_with("ASIA")) && id.len() == 20
}

/// Every file no other source claimed: configs, scripts, shell histories, notes. The secret
/// extractors read it; what they find is dated by the file's time.
pub struct ConfigTextSource;

impl super::registry::FileSource for ConfigTextSource {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn claim<'s>(
        &'s self,
        _file: &super::registry::Sniff<'_>,
    ) -> Option<super::registry::Claim<'s>> {
        Some(Box::new(|input| input.scan_secrets()))
    }
}
