//! Validation of raw extractor rules (`syntax::RawRule`) into compiled `Rule`s: the regex
//! compiles and has a `secret` group, keywords are non-empty, globs compile, ids are kebab-case.
//! Every problem is collected as a located `RuleError`; code after this point sees only `Rule`.

use super::syntax::{Pos, RawRule, RuleSyntax};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexBuilder};

/// Capture group names a pattern may use.
const GROUPS: &[&str] = &["secret", "user", "keyid", "key"];

/// Default number of lines searched before and after a secret for a sibling user key.
const DEFAULT_USER_WINDOW: usize = 3;
const MAX_USER_WINDOW: usize = 20;

/// A problem in a rule file, formatted `file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl RuleError {
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        RuleError {
            file: file.to_string(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
        }
    }
}

/// A validated example.
#[derive(Clone, Debug)]
pub struct Example {
    pub text: String,
    pub path: Option<String>,
    pub secret: Option<String>,
    pub user: Option<String>,
    pub keyid: Option<String>,
}

/// Indices of the named groups in the compiled regex.
#[derive(Clone, Copy, Debug)]
pub struct Groups {
    pub secret: usize,
    pub user: Option<usize>,
    pub keyid: Option<usize>,
    pub key: Option<usize>,
}

/// Path globs: matched against the relative path, and globs without `/` also against the file
/// name.
#[derive(Clone, Debug)]
pub struct PathFilter {
    full: GlobSet,
    base: GlobSet,
}

impl PathFilter {
    pub fn is_match(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.full.is_match(path) || self.base.is_match(name)
    }
}

/// A compiled extractor rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub pattern: String,
    pub regex: Regex,
    pub groups: Groups,
    pub keywords: Vec<String>,
    pub paths: Option<PathFilter>,
    pub exclude_paths: Option<PathFilter>,
    pub filter_placeholders: bool,
    /// Lower-case keys whose value names the user of a secret found nearby.
    pub user_keys: Vec<String>,
    pub user_window: usize,
    pub min_length: usize,
    /// Name-part sequences the `key` capture must end with (lower-case; empty = any key).
    pub key_parts: Vec<Vec<String>>,
    /// Name-part sequences of keys whose values must look random (`min_entropy`, 8 characters).
    pub random_key_parts: Vec<Vec<String>>,
    /// Lowest Shannon entropy (bits per character) of a reported secret (0 = no limit).
    pub min_entropy: f64,
    pub skip_value_prefixes: Vec<String>,
    /// Normalised (lower-case, alphanumerics only) keys this rule leaves to family rules.
    pub skip_keys: Vec<String>,
    pub reject_code: bool,
    /// The built-in reader that extracts secrets from the lines `regex` locates.
    pub reader: Option<super::commands::Reader>,
    /// The secret may be written as quoted string literals (`"..\n" + ".."`, JSON `\n` escapes):
    /// its literals are joined, and whitespace removed, before filtering and naming.
    pub split_literals: bool,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<String>,
    /// `file:line:col` of the rule, for `check` messages.
    pub origin: String,
}

impl Rule {
    /// Whether the rule applies to a file at `path` (relative to the scan root).
    pub fn applies_to(&self, path: &str) -> bool {
        self.paths.as_ref().is_none_or(|p| p.is_match(path))
            && !self
                .exclude_paths
                .as_ref()
                .is_some_and(|p| p.is_match(path))
    }
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The useful part of a regex error (the crate's message spans several lines).
fn regex_message(e: &regex::Error) -> String {
    let s = e.to_string();
    let err_lines: Vec<&str> = s
        .lines()
        .filter_map(|l| l.trim().strip_prefix("error:").map(str::trim))
        .collect();
    if err_lines.is_empty() {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        err_lines.join("; ")
    }
}

fn compile_globs(
    file: &str,
    pos: Pos,
    field: &str,
    globs: &[String],
    errors: &mut Vec<RuleError>,
) -> Option<PathFilter> {
    let mut full = GlobSetBuilder::new();
    let mut base = GlobSetBuilder::new();
    let mut ok = true;
    for g in globs {
        match Glob::new(g) {
            Ok(glob) => {
                if !g.contains('/') {
                    base.add(glob.clone());
                }
                full.add(glob);
            }
            Err(e) => {
                ok = false;
                errors.push(RuleError::new(
                    file,
                    pos,
                    format!("{field}: invalid glob {g:?}: {}", e.kind()),
                ));
            }
        }
    }
    if !ok {
        return None;
    }
    match (full.build(), base.build()) {
        (Ok(full), Ok(base)) => Some(PathFilter { full, base }),
        (Err(e), _) | (_, Err(e)) => {
            errors.push(RuleError::new(file, pos, format!("{field}: {e}")));
            None
        }
    }
}

/// Validates one rule; every problem found is returned, not just the first.
pub fn compile(file: &str, syn: &RuleSyntax) -> Result<Rule, Vec<RuleError>> {
    let raw: &RawRule = match &syn.rule {
        Ok(r) => r,
        Err((pos, msg)) => return Err(vec![RuleError::new(file, *pos, msg.clone())]),
    };
    let mut errors = Vec::new();
    let mut err = |field: &str, msg: String| {
        errors.push(RuleError::new(file, syn.field(field), msg));
    };

    if !is_kebab_id(&raw.id) {
        err(
            "id",
            format!(
                "id {:?} must be lower-case kebab-case (a-z, 0-9, single dashes)",
                raw.id
            ),
        );
    }
    if raw.name.trim().is_empty() {
        err("name", "name is empty".into());
    }
    if raw.kind.trim().is_empty() {
        err("kind", "kind is empty".into());
    }

    let regex = RegexBuilder::new(&raw.pattern)
        .size_limit(8 << 20)
        .dfa_size_limit(8 << 20)
        .build();
    let mut groups = None;
    match &regex {
        Err(e) => err(
            "pattern",
            format!("pattern does not compile: {}", regex_message(e)),
        ),
        Ok(re) => {
            let names: Vec<&str> = re.capture_names().flatten().collect();
            for n in &names {
                if !GROUPS.contains(n) {
                    err(
                        "pattern",
                        format!(
                            "pattern has unknown capture group `{n}` (allowed: {})",
                            GROUPS.join(", ")
                        ),
                    );
                }
            }
            let index = |name: &str| re.capture_names().position(|n| n == Some(name));
            match index("secret").or(raw.reader.is_some().then_some(0)) {
                None => err("pattern", "pattern has no `secret` capture group".into()),
                Some(secret) => {
                    groups = Some(Groups {
                        secret,
                        user: index("user"),
                        keyid: index("keyid"),
                        key: index("key"),
                    })
                }
            }
            if re.is_match("") {
                err("pattern", "pattern matches the empty string".into());
            }
        }
    }

    if raw.keywords.is_empty() {
        err(
            "keywords",
            "keywords is empty: give at least one keyword".into(),
        );
    }
    let mut keywords = Vec::new();
    for k in &raw.keywords {
        if k.trim().is_empty() {
            err("keywords", "keywords has an empty keyword".into());
        } else {
            keywords.push(k.clone());
        }
    }

    let mut glob_errors = Vec::new();
    let paths = match &raw.paths {
        None => None,
        Some(p) if p.is_empty() => {
            err("paths", "paths is empty: omit it to scan all files".into());
            None
        }
        Some(p) => compile_globs(file, syn.field("paths"), "paths", p, &mut glob_errors),
    };
    let exclude_paths = if raw.exclude_paths.is_empty() {
        None
    } else {
        compile_globs(
            file,
            syn.field("exclude_paths"),
            "exclude_paths",
            &raw.exclude_paths,
            &mut glob_errors,
        )
    };

    let mut user_keys = Vec::new();
    for k in &raw.user_keys {
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() {
            err("user_keys", "user_keys has an empty key".into());
        } else {
            user_keys.push(k);
        }
    }
    let user_window = raw.user_window.unwrap_or(DEFAULT_USER_WINDOW);
    if user_window > MAX_USER_WINDOW {
        err(
            "user_window",
            format!("user_window {user_window} is larger than {MAX_USER_WINDOW}"),
        );
    }
    if raw.user_window.is_some() && raw.user_keys.is_empty() {
        err("user_window", "user_window needs user_keys".into());
    }

    let mut key_parts = Vec::new();
    let mut random_key_parts = Vec::new();
    for (field, list, out) in [
        ("key_parts", &raw.key_parts, &mut key_parts),
        (
            "random_key_parts",
            &raw.random_key_parts,
            &mut random_key_parts,
        ),
    ] {
        for k in list {
            let parts = super::judge::name_parts(k);
            if parts.is_empty() {
                err(field, format!("{field} has an empty entry {k:?}"));
            } else {
                out.push(parts);
            }
        }
    }
    if !(key_parts.is_empty() && random_key_parts.is_empty())
        && groups.is_some_and(|g| g.key.is_none())
    {
        err("key_parts", "key_parts needs a `key` capture group".into());
    }
    let min_entropy = raw.min_entropy.unwrap_or(0.0);
    if !(0.0..=8.0).contains(&min_entropy) {
        err(
            "min_entropy",
            format!("min_entropy {min_entropy} is not between 0 and 8 bits per character"),
        );
    }
    let reader = match raw.reader.as_deref() {
        None => None,
        Some(name) => {
            let r = super::commands::Reader::from_name(name);
            if r.is_none() {
                err(
                    "reader",
                    format!(
                        "unknown reader {name:?} (known: {})",
                        super::commands::Reader::NAMES.join(", ")
                    ),
                );
            }
            r
        }
    };

    let mut examples = Vec::new();
    for (i, ex) in raw.examples.iter().enumerate() {
        if ex.text.trim().is_empty() {
            err("examples", format!("example {} has an empty text", i + 1));
        }
        examples.push(Example {
            text: ex.text.clone(),
            path: ex.path.clone(),
            secret: ex.secret.clone(),
            user: ex.user.clone(),
            keyid: ex.keyid.clone(),
        });
    }
    for (i, ex) in raw.negative_examples.iter().enumerate() {
        if ex.trim().is_empty() {
            err(
                "negative_examples",
                format!("negative example {} is empty", i + 1),
            );
        }
    }

    errors.extend(glob_errors);
    match (errors.is_empty(), regex, groups) {
        (true, Ok(regex), Some(groups)) => Ok(Rule {
            id: raw.id.clone(),
            name: raw.name.trim().to_string(),
            kind: raw.kind.trim().to_string(),
            pattern: raw.pattern.clone(),
            regex,
            groups,
            keywords,
            paths,
            exclude_paths,
            filter_placeholders: raw.filter_placeholders,
            user_keys,
            user_window,
            min_length: raw.min_length.unwrap_or(1),
            key_parts,
            random_key_parts,
            min_entropy,
            skip_value_prefixes: raw.skip_value_prefixes.clone(),
            skip_keys: raw
                .skip_keys
                .iter()
                .map(|k| {
                    k.chars()
                        .filter(|c| c.is_alphanumeric())
                        .flat_map(char::to_lowercase)
                        .collect()
                })
                .collect(),
            reject_code: raw.reject_code,
            reader,
            split_literals: raw.split_literals,
            examples,
            negative_examples: raw.negative_examples.clone(),
            origin: format!("{file}:{}:{}", syn.at.line, syn.at.col),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax;
    use super::*;

    fn errors_of(yaml: &str) -> Vec<String> {
        let rules = syntax::parse(yaml).unwrap();
        rules
            .iter()
            .flat_map(|r| compile("x.yml", r).err().unwrap_or_default())
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn collects_every_problem_with_positions() {
        let yaml = "rules:\n  - id: Bad_Id\n    name: ''\n    kind: k\n    pattern: '(?P<token>a'\n    keywords: []\n    paths: ['a[']\n";
        let errs = errors_of(yaml);
        assert!(
            errs.iter().any(|e| e.starts_with("x.yml:2:5: id")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("x.yml:3:5: name is empty")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("x.yml:5:5: pattern does not compile")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("x.yml:6:5: keywords is empty")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("x.yml:7:5: paths: invalid glob")),
            "{errs:?}"
        );
        assert!(errs.iter().all(|e| !e.contains('\n')));
    }

    #[test]
    fn requires_secret_group_and_known_groups() {
        let yaml = "rules:\n  - id: a\n    name: A\n    kind: k\n    pattern: '(?P<token>abc)'\n    keywords: [abc]\n";
        let errs = errors_of(yaml);
        assert!(
            errs.iter()
                .any(|e| e.contains("unknown capture group `token`")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains("no `secret` capture group")),
            "{errs:?}"
        );
        let yaml = "rules:\n  - id: a\n    name: A\n    kind: k\n    pattern: '(?P<secret>a*)'\n    keywords: [abc]\n";
        assert!(errors_of(yaml)
            .iter()
            .any(|e| e.contains("matches the empty string")));
    }

    #[test]
    fn paths_filter() {
        let yaml = "rules:\n  - id: a\n    name: A\n    kind: k\n    pattern: '(?P<secret>abc)'\n    keywords: [abc]\n    paths: ['*.env', 'config/**/*.yml']\n    exclude_paths: ['*.md']\n";
        let rules = syntax::parse(yaml).unwrap();
        let rule = compile("x.yml", &rules[0]).unwrap();
        assert!(rule.applies_to(".env"));
        assert!(rule.applies_to("app/prod.env"));
        assert!(rule.applies_to("config/a/b.yml"));
        assert!(!rule.applies_to("other/b.yml"));
        assert!(!rule.applies_to("README.md"));
    }
}
