//! The raw syntax of extractor rule files (`rules/extract/*.yml`): plain serde structs, read from
//! YAML, with the text position of every rule and of its top-level fields so that validation
//! errors can point at `file:line:col`.
//!
//! This is the only module that touches the YAML library (`serde_yaml_ng`); swapping it changes
//! this file only. Nothing here validates a rule beyond its shape: see `compile`.

use serde::Deserialize;

/// A 1-based position in a rule file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn new(line: usize, col: usize) -> Self {
        Pos { line, col }
    }
}

/// A rule file: `rules:` then a list of rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<serde_yaml_ng::Value>,
}

/// One extractor rule as written. Field meanings: `rules/README.md` ("Secret extractors").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub pattern: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    #[serde(default)]
    pub exclude_paths: Vec<String>,
    #[serde(default)]
    pub filter_placeholders: bool,
    #[serde(default)]
    pub user_keys: Vec<String>,
    #[serde(default)]
    pub user_window: Option<usize>,
    #[serde(default)]
    pub min_length: Option<usize>,
    /// Name parts the `key` capture must end with (`password`, `api_key`): `db_password`,
    /// `smtpPass` and `X_API_KEY` qualify, `password_min_length` and `bypass` do not.
    #[serde(default)]
    pub key_parts: Vec<String>,
    /// Name parts of keys whose values must look random: at least 8 characters and
    /// `min_entropy` (`token`, `api_key`, `auth`); a key matching either list qualifies.
    #[serde(default)]
    pub random_key_parts: Vec<String>,
    /// Lowest Shannon entropy (bits per character) of a reported secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Values starting with these belong to a token family's rule, which alone judges them
    /// (`ghp_`, `xoxb-`, `AKIA`).
    #[serde(default)]
    pub skip_value_prefixes: Vec<String>,
    /// Keys a family rule owns (`aws_secret_access_key`); compared without case or separators.
    #[serde(default)]
    pub skip_keys: Vec<String>,
    /// Judge the value as code where it may be code: unquoted values in source files, calls,
    /// subscripts, a variable named like its key, type annotations, matches inside comments.
    #[serde(default)]
    pub reject_code: bool,
    /// A built-in reader that extracts the secret instead of the `secret` group (`command-line`
    /// readers: `mysql`, `curl`, ...); `pattern` then only locates the lines it reads.
    #[serde(default)]
    pub reader: Option<String>,
    #[serde(default)]
    pub split_literals: bool,
    #[serde(default)]
    pub examples: Vec<RawExample>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A text the rule must find something in, and optionally what it must capture.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExample {
    pub text: String,
    /// Path the example is scanned as (for rules with `paths`); absent = path filters ignored.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub keyid: Option<String>,
}

/// A rule as read from a file, with where it is.
#[derive(Debug)]
pub struct RuleSyntax {
    /// `Err` holds the shape problem (unknown or missing field, wrong type) and where it is.
    pub rule: Result<RawRule, (Pos, String)>,
    /// Where the rule's list item starts.
    pub at: Pos,
    /// Positions of the rule's top-level keys (`pattern`, `keywords`, ...).
    fields: Vec<(String, Pos)>,
}

impl RuleSyntax {
    /// Where a top-level field of this rule is written; the rule's start when it is not found.
    pub fn field(&self, name: &str) -> Pos {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| *p)
            .unwrap_or(self.at)
    }
}

/// Reads a rule file. Returns the rules found (each possibly malformed) and file-level problems
/// (YAML syntax, unknown top-level keys), which stop the file.
pub fn parse(text: &str) -> Result<Vec<RuleSyntax>, (Pos, String)> {
    let file: RawFile = serde_yaml_ng::from_str(text).map_err(|e| {
        let pos = e
            .location()
            .map(|l| Pos::new(l.line(), l.column()))
            .unwrap_or(Pos::new(1, 1));
        (pos, strip_location(&e.to_string()))
    })?;
    let spans = item_spans(text).filter(|s| s.len() == file.rules.len());
    let fallback = rules_key_pos(text);
    let mut out = Vec::with_capacity(file.rules.len());
    for (i, value) in file.rules.into_iter().enumerate() {
        let (at, fields) = match spans.as_ref().and_then(|s| s.get(i)) {
            Some(span) => (span.at, span.fields.clone()),
            None => (fallback, Vec::new()),
        };
        let mut syn = RuleSyntax {
            rule: Err((at, String::new())),
            at,
            fields,
        };
        syn.rule = RawRule::deserialize(value).map_err(|e| {
            let msg = strip_location(&e.to_string());
            let pos = field_in_message(&msg).map(|f| syn.field(f)).unwrap_or(at);
            (pos, msg)
        });
        out.push(syn);
    }
    Ok(out)
}

/// serde_yaml appends " at line L column C"; the position is reported separately.
fn strip_location(msg: &str) -> String {
    let msg = match msg.find(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg),
        None => msg,
    };
    msg.replace('\n', " ")
}

/// The field named in "unknown field `x`" / "missing field `x`" messages.
fn field_in_message(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg.get(start..)?.find('`')?;
    let name = msg.get(start..start + len)?;
    msg.starts_with("unknown field").then_some(name)
}

#[derive(Debug)]
struct ItemSpan {
    at: Pos,
    fields: Vec<(String, Pos)>,
}

fn rules_key_pos(text: &str) -> Pos {
    text.lines()
        .position(|l| l.starts_with("rules:"))
        .map(|i| Pos::new(i + 1, 1))
        .unwrap_or(Pos::new(1, 1))
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

fn is_insignificant(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
}

/// The top-level key at the start of `rest` (`key:` followed by space or end), if any.
fn key_at(rest: &str) -> Option<&str> {
    let end = rest.find(':')?;
    let key = rest.get(..end)?;
    let after = rest.get(end + 1..).unwrap_or("");
    let ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && (after.is_empty() || after.starts_with([' ', '\t']));
    ok.then_some(key)
}

/// Finds the block-style list items under the top-level `rules:` key and their top-level fields.
/// Flow-style files return `None`, and errors then point at `rules:`.
fn item_spans(text: &str) -> Option<Vec<ItemSpan>> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let start = lines.iter().position(|l| {
        l.strip_prefix("rules:")
            .is_some_and(|r| r.trim().is_empty() || r.trim_start().starts_with('#'))
    })?;
    let mut items: Vec<ItemSpan> = Vec::new();
    let mut item_indent: Option<usize> = None;
    let mut key_indent: Option<usize> = None;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if is_insignificant(line) {
            continue;
        }
        let ind = indent_of(line);
        let rest = line.get(ind..).unwrap_or("");
        let is_dash = rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t");
        let item = *item_indent.get_or_insert(ind);
        if ind < item || (ind == item && !is_dash) {
            break;
        }
        if ind == item && is_dash {
            let after = rest.get(1..).unwrap_or("");
            let pad = indent_of(after);
            let kcol = ind + 1 + pad;
            let mut span = ItemSpan {
                at: Pos::new(i + 1, ind + 1),
                fields: Vec::new(),
            };
            key_indent = None;
            if let Some(k) = key_at(after.get(pad..).unwrap_or("")) {
                key_indent = Some(kcol);
                span.fields.push((k.to_string(), Pos::new(i + 1, kcol + 1)));
            }
            items.push(span);
            continue;
        }
        let k_ind = *key_indent.get_or_insert(ind);
        if ind == k_ind {
            if let (Some(k), Some(span)) = (key_at(rest), items.last_mut()) {
                span.fields.push((k.to_string(), Pos::new(i + 1, ind + 1)));
            }
        }
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_items_and_fields() {
        let text = "# header\nrules:\n  - id: a\n    name: A\n    pattern: |\n      x: y\n    keywords: [a]\n\n  -\n    id: b\n    patern: z\n";
        let rules = parse(text).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].at, Pos::new(3, 3));
        assert_eq!(rules[0].field("id"), Pos::new(3, 5));
        assert_eq!(rules[0].field("pattern"), Pos::new(5, 5));
        assert_eq!(rules[0].field("keywords"), Pos::new(7, 5));
        assert_eq!(rules[1].at, Pos::new(9, 3));
        // `patern` is an unknown field: the error points at it.
        let (pos, msg) = rules[1].rule.as_ref().unwrap_err();
        assert_eq!(*pos, Pos::new(11, 5));
        assert!(msg.contains("unknown field `patern`"), "{msg}");
    }

    #[test]
    fn yaml_syntax_error_is_located() {
        let (pos, msg) = parse("rules:\n  - id: [a\n").unwrap_err();
        assert!(pos.line >= 2, "{pos:?} {msg}");
        assert!(!msg.contains(" at line "));
        let (pos, msg) = parse("rulez: []\n").unwrap_err();
        assert_eq!(pos.line, 1);
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn flow_style_falls_back_to_rules_key() {
        let rules = parse("rules: [{id: a}]\n").unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].at, Pos::new(1, 1));
        assert!(rules[0].rule.is_err());
    }
}
