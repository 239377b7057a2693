//! Secrets in config files: data-driven extractors (`rules/extract/*.yml`) run over text files and
//! turn what they find into `Credential` records of kind `PlaintextSecret`.
//!
//! This module owns loading (`syntax`: YAML → raw rules; `compile`: validation), the rule
//! self-test (`check`), the value filters (`filter`) and the scan (`scan`). It does not decide
//! which files are text or too large (discovery does), nor what a finding is (rules do).
//!
//! The hot path: one pass of a case-insensitive, leftmost-longest Aho-Corasick DFA over the
//! keywords of every rule gives each rule the windows of the text its keywords occur in (the
//! keyword's line, or further for multi-line secrets; see `Reach`); a rule's regex runs only
//! inside its windows, never over a whole file unless the rule's examples need it. Line numbers
//! are computed only when something matched.
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
mod prepared;
mod scan;
mod syntax;

#[cfg(test)]
mod tests;

pub use super::values::is_placeholder;
pub use compile::RuleError;
pub use prepared::PreparedExtractors;

use super::secret_id::{FileSecrets, SecretMatch};
use super::{Output, SourceOptions};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
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
    /// For each automaton pattern, the rules that keyword (or a keyword inside it) belongs to.
    keyword_rules: Vec<Vec<usize>>,
    /// For each rule, how far around a keyword its regex is run (see [`Reach`]).
    reach: Vec<Reach>,
}

/// How much text around a keyword a rule's regex searches. Chosen per rule when the rules are
/// loaded: the narrowest reach under which every example and negative example gives exactly
/// what the whole file gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    /// The keyword's line (with the newline before and after it).
    Line,
    /// From the keyword's line up to [`SPAN_BYTES`] further (multi-line secrets: key blocks).
    Span,
    /// The whole file: the keyword is context, not part of the secret's line (Twilio's
    /// `AC…:secret` under a `twilio` heading).
    File,
}

/// How far past its keyword's line a [`Reach::Span`] window reaches.
const SPAN_BYTES: usize = 1 << 20;

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
        // The automaton reports one keyword per position (the longest): a keyword that holds
        // another (`sshpass` holds `pass`) also stands for the rules of the one inside it.
        let keywords: Vec<String> = by_keyword.keys().cloned().collect();
        let mut keyword_rules: Vec<Vec<usize>> = by_keyword.into_values().collect();
        for (a, outer) in keywords.iter().enumerate() {
            for (b, inner) in keywords.iter().enumerate() {
                if a != b && outer.contains(inner.as_str()) {
                    let extra = keyword_rules.get(b).cloned().unwrap_or_default();
                    if let Some(list) = keyword_rules.get_mut(a) {
                        for r in extra {
                            if !list.contains(&r) {
                                list.push(r);
                            }
                        }
                    }
                }
            }
        }
        for list in &mut keyword_rules {
            list.sort_unstable();
        }
        let automaton = if keywords.is_empty() {
            None
        } else {
            Some(
                // A DFA, ASCII-case-insensitive, leftmost-longest. With this many keywords
                // (over 64) aho-corasick has no SIMD prefilter whatever the case handling, and
                // would pick a contiguous NFA (over 100): the DFA is about 4x faster (measured
                // on benches/compare-rg.sh) and its table is small (keywords are short).
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&keywords)
                    .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
            )
        };
        let n = rules.len();
        let mut ex = Extractors {
            rules,
            automaton,
            keyword_rules,
            reach: vec![Reach::File; n],
        };
        for i in 0..n {
            let reach = ex.narrowest_reach(i);
            if let Some(r) = ex.reach.get_mut(i) {
                *r = reach;
            }
        }
        Ok(ex)
    }

    /// The narrowest reach of rule `i` that finds, in each of its examples and in every rule's
    /// negative examples, exactly what a search of the whole text finds.
    fn narrowest_reach(&self, i: usize) -> Reach {
        let Some(rule) = self.rules.get(i) else {
            return Reach::File;
        };
        let texts: Vec<&str> = rule
            .examples
            .iter()
            .map(|e| e.text.as_str())
            .chain(
                self.rules
                    .iter()
                    .flat_map(|r| r.negative_examples.iter().map(String::as_str)),
            )
            .collect();
        let mut sink = Output::default();
        let mut finds = |text: &str, reach: Reach| {
            let mut lines = LineIndex::new(text);
            self.find_with(None, text, Some(i), Some(reach), &mut lines, &mut sink)
        };
        let whole: Vec<Vec<Found>> = texts.iter().map(|t| finds(t, Reach::File)).collect();
        for reach in [Reach::Line, Reach::Span] {
            if texts.iter().zip(&whole).all(|(t, w)| finds(t, reach) == *w) {
                return reach;
            }
        }
        Reach::File
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

    /// (id, regex source) of every rule, in load order: what `Catalog::rule_set_hash` reads.
    pub fn definitions(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .map(|r| (r.id.clone(), r.pattern.clone()))
            .collect()
    }

    /// `definitions` of the bundled set, read from its rule files without compiling them (the
    /// bundled rules always compile: the secrets tests build them).
    pub fn builtin_definitions() -> Vec<(String, String)> {
        BUILTIN
            .iter()
            .filter_map(|(_, text)| syntax::parse(text).ok())
            .flatten()
            .filter_map(|syn| syn.rule.ok())
            .map(|raw| (raw.id, raw.pattern))
            .collect()
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
        self.find_with(path, text, only, None, lines, out)
    }

    /// [`Extractors::find_all`], every rule searching with `force` instead of its own reach
    /// when given.
    ///
    /// One pass of the keyword automaton over the text gives each rule the
    /// windows its keywords occur in; a rule's regex then runs only inside its windows.
    fn find_with<'t>(
        &self,
        path: Option<&str>,
        text: &'t str,
        only: Option<usize>,
        force: Option<Reach>,
        lines: &mut LineIndex<'t>,
        out: &mut Output,
    ) -> Vec<Found> {
        let mut found = Vec::new();
        let Some(automaton) = &self.automaton else {
            return found;
        };
        let wanted: Vec<bool> = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| only.is_none_or(|o| o == i) && path.is_none_or(|p| r.applies_to(p)))
            .collect();
        if !wanted.contains(&true) {
            return found;
        }
        let windows = self.windows(automaton, text, &wanted, force);
        for (i, rule) in self.rules.iter().enumerate() {
            let Some(win) = windows.get(i).filter(|w| !w.is_empty()) else {
                continue;
            };
            let capped = match rule.reader {
                Some(reader) => commands::find(i, rule, reader, text, win, lines, &mut found),
                None => scan::find(i, rule, path, text, win, lines, &mut found),
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

    /// For each rule, the sorted, disjoint byte ranges of `text` its regex searches: around
    /// every occurrence of one of its keywords, as far as its reach (or `force`) says.
    fn windows(
        &self,
        automaton: &AhoCorasick,
        text: &str,
        wanted: &[bool],
        force: Option<Reach>,
    ) -> Vec<Vec<(usize, usize)>> {
        let bytes = text.as_bytes();
        let len = bytes.len();
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        // The line of the last keyword: [start, end), end at its newline (or the text's end).
        let mut line: Option<(usize, usize)> = None;
        // Leftmost-longest from each position after the last keyword's start: a keyword that
        // starts inside a longer one (`key>` in `api_key>`) is still seen.
        let mut from = 0;
        while let Some(m) = automaton.find(Input::new(bytes).span(from..len)) {
            let at = m.start();
            from = at + 1;
            let (start, end) = match line {
                Some((s, e)) if at < e => (s, e),
                _ => {
                    let back = line.map_or(0, |(_, e)| e.min(at));
                    let s = bytes
                        .get(back..at)
                        .and_then(|b| memchr::memrchr(b'\n', b))
                        .map_or(back, |i| back + i + 1);
                    let e = bytes
                        .get(at..)
                        .and_then(|b| memchr::memchr(b'\n', b))
                        .map_or(len, |i| at + i);
                    line = Some((s, e));
                    (s, e)
                }
            };
            for &r in self
                .keyword_rules
                .get(m.pattern().as_usize())
                .into_iter()
                .flatten()
            {
                if !wanted.get(r).copied().unwrap_or(false) {
                    continue;
                }
                let reach =
                    force.unwrap_or_else(|| self.reach.get(r).copied().unwrap_or(Reach::File));
                let (ws, we) = match reach {
                    Reach::Line => (start.saturating_sub(1), (end + 1).min(len)),
                    Reach::Span => {
                        let mut we = end.saturating_add(SPAN_BYTES).min(len);
                        while we < len && !text.is_char_boundary(we) {
                            we += 1;
                        }
                        (start.saturating_sub(1), we)
                    }
                    Reach::File => (0, len),
                };
                let Some(list) = windows.get_mut(r) else {
                    continue;
                };
                match list.last_mut() {
                    Some(last) if ws <= last.1 => last.1 = last.1.max(we),
                    _ => list.push((ws, we)),
                }
            }
        }
        windows
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
