//! The matching engine: runs one compiled rule's regex over a whole text, filters the captured
//! values, and finds the user a secret belongs to (a `user` capture, or a sibling user key in the
//! same object, section or nearby lines).
//!
//! It returns raw finds that still hold the secret; `mod.rs` turns them into records that hold
//! only a fingerprint. The keyword pre-filter is in `mod.rs` (one automaton for all rules).

use super::compile::Rule;
use super::judge;
use crate::source::values::{
    is_code_expression, is_placeholder, looks_like_code, unescape_double_quoted, unquote,
    valid_user,
};
use regex::Regex;
use std::sync::OnceLock;

/// One secret found by one rule. Holds the secret: never leaves this module family.
#[derive(Clone, PartialEq, Eq)]
pub struct Found {
    pub rule: usize,
    /// 1-based line of the secret's first character.
    pub line: u32,
    pub secret: String,
    pub user: Option<String>,
    pub keyid: Option<String>,
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Found")
            .field("rule", &self.rule)
            .field("line", &self.line)
            .field("secret", &"<redacted>")
            .field("user", &self.user)
            .field("keyid", &self.keyid)
            .finish()
    }
}

/// Line numbers for byte offsets, built on first use (most files have no match at all): the
/// shared text toolkit's index.
pub use crate::source::text::LineIndex;

/// A captured user that names an account: a login, never a code expression
/// (`urllib.parse.quote(user)`, `{user}`, `$user`).
pub fn user_ok(user: &str) -> bool {
    valid_user(user) && !is_code_expression(user)
}

/// The matches of `regex` inside `windows` (sorted, disjoint byte ranges of `text`), in order.
/// Offsets are the text's: each window is searched as `text[..end]` from its start, so
/// look-behind context (`^`, `\b`, the character before) is the text's own.
pub struct WindowMatches<'r, 't> {
    regex: &'r Regex,
    text: &'t str,
    windows: &'r [(usize, usize)],
    next: usize,
    at: usize,
}

impl<'r, 't> WindowMatches<'r, 't> {
    pub fn new(regex: &'r Regex, text: &'t str, windows: &'r [(usize, usize)]) -> Self {
        WindowMatches {
            regex,
            text,
            windows,
            next: 0,
            at: 0,
        }
    }
}

impl<'t> Iterator for WindowMatches<'_, 't> {
    type Item = regex::Captures<'t>;

    fn next(&mut self) -> Option<regex::Captures<'t>> {
        loop {
            let &(start, end) = self.windows.get(self.next)?;
            self.at = self.at.max(start);
            let found = self
                .text
                .get(..end)
                .filter(|_| self.at <= end)
                .and_then(|hay| self.regex.captures_at(hay, self.at));
            let Some(caps) = found else {
                self.next += 1;
                continue;
            };
            let all = caps.get(0)?;
            self.at = if all.end() > all.start() {
                all.end()
            } else {
                // An empty match: step over one character.
                let rest = self.text.get(all.end()..).unwrap_or("");
                all.end() + rest.chars().next().map_or(1, char::len_utf8)
            };
            return Some(caps);
        }
    }
}

/// Runs `rule` over the `windows` of `text`, appending finds to `out`. Stops after
/// `MAX_FINDS_PER_RULE` finds and then returns
/// the byte offset of the first match not reported. `path` (absent for rule examples) tells
/// source code from config for `reject_code`.
pub fn find(
    rule_index: usize,
    rule: &Rule,
    path: Option<&str>,
    text: &str,
    windows: &[(usize, usize)],
    lines: &mut LineIndex<'_>,
    out: &mut Vec<Found>,
) -> Option<usize> {
    let limit = super::MAX_FINDS_PER_RULE;
    let mut count = 0usize;
    let in_code = rule.reject_code && path.is_some_and(judge::is_source_code);
    for caps in WindowMatches::new(&rule.regex, text, windows) {
        let Some(m) = caps.get(rule.groups.secret) else {
            continue;
        };
        let key = rule
            .groups
            .key
            .and_then(|g| caps.get(g))
            .map(|k| k.as_str());
        // Keys in `random_key_parts` (tokens, API keys) need random-looking values.
        let mut random = rule.key_parts.is_empty() && rule.random_key_parts.is_empty();
        if !random || rule.min_entropy > 0.0 {
            match key {
                Some(k) if judge::key_matches_some(k, &rule.key_parts) => random = false,
                Some(k) if judge::key_matches_some(k, &rule.random_key_parts) => random = true,
                _ if rule.key_parts.is_empty() && rule.random_key_parts.is_empty() => {}
                _ => continue,
            }
        }
        let joined;
        let (mut value, quote) = if rule.split_literals {
            joined = join_literals(m.as_str());
            (joined.as_str(), None)
        } else {
            unquote(m.as_str())
        };
        let mut comma = false;
        if quote.is_none() && rule.filter_placeholders {
            // `password: process.env.DB_PASS,` in JavaScript objects.
            if let Some(v) = value.strip_suffix(',') {
                value = v;
                comma = true;
            }
        }
        if random
            && !rule.random_key_parts.is_empty()
            && (value.chars().count() < 8 || value.contains(char::is_whitespace))
        {
            continue;
        }
        if rule
            .skip_value_prefixes
            .iter()
            .any(|p| value.starts_with(p.as_str()))
            || key.is_some_and(|k| rule.skip_keys.contains(&norm_key(k)))
        {
            continue;
        }
        if value.is_empty() || value.chars().count() < rule.min_length {
            continue;
        }
        // Code (`self.password`) is told from data only where a rule reads any value of a key;
        // a token of a fixed format (`hvs.…`, a JWT) is never code.
        if rule.filter_placeholders
            && (is_placeholder(value)
                || (quote.is_none() && rule.groups.key.is_some() && looks_like_code(value)))
        {
            continue;
        }
        if rule.reject_code {
            let start = caps.get(0).map_or(m.start(), |all| all.start());
            // An unquoted identifier before a comma is an argument or object value.
            let ident = value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if (quote.is_none() && (judge::unquoted_is_code(key, value, in_code) || comma && ident))
                || judge::in_comment(text, start)
            {
                continue;
            }
        }
        if random && rule.min_entropy > 0.0 && judge::entropy(value) < rule.min_entropy {
            continue;
        }
        if count >= limit {
            return Some(m.start());
        }
        count += 1;
        let secret = match quote {
            Some('"') => unescape_double_quoted(value).into_owned(),
            Some(_) if value.contains("''") => value.replace("''", "'"), // YAML single quotes
            _ => value.to_string(),
        };
        let line = usize::try_from(lines.line_of(m.start())).unwrap_or(usize::MAX);
        let mut user = rule
            .groups
            .user
            .and_then(|g| caps.get(g))
            .map(|u| unquote(u.as_str()).0)
            .filter(|u| user_ok(u))
            .map(str::to_string);
        if user.is_none() && !rule.user_keys.is_empty() {
            let key = rule
                .groups
                .key
                .and_then(|g| caps.get(g))
                .map(|k| k.as_str());
            user = sibling_user(rule, lines, line, (m.start(), m.end()), key);
        }
        let keyid = rule
            .groups
            .keyid
            .and_then(|g| caps.get(g))
            .map(|k| k.as_str().to_string());
        out.push(Found {
            rule: rule_index,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            secret,
            user,
            keyid,
        });
    }
    None
}

/// A secret written across string literals, as one string: whitespace, the escapes `\n`, `\r`,
/// `\t`, the joins of adjacent literals (`" + "`, `" "`, `' + '`) and any quote left are removed
/// (`"-----BEGIN…\n" + "MIIE…\n" + …` and a PEM file give the same body). Base64's own `+` is
/// kept: only a `+` between two quotes is a join.
pub fn join_literals(raw: &str) -> String {
    let compact: Vec<char> = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::with_capacity(compact.len());
    let mut i = 0;
    while let Some(&c) = compact.get(i) {
        let next = compact.get(i + 1).copied();
        match c {
            '\\' if matches!(next, Some('n' | 'r' | 't')) => i += 2,
            '"' | '\'' => {
                i += 1;
                // `"+"`: the `+` joins two literals.
                if compact.get(i) == Some(&'+') && matches!(compact.get(i + 1), Some('"' | '\'')) {
                    i += 1;
                }
            }
            '(' | ')' => i += 1,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The `key =`, `key:`, `"key":`, `key =>` starts of assignments anywhere in a line (connection
/// strings, one-line JSON, URL query strings). The match stops before the value, so assignments
/// nested in a value (`"Conn": "Server=x;User Id=y"`, `url: jdbc:...?user=y`) are found too.
fn inline_assignments() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?i)(?:^|[\s{,;"'(&?])["']?(?P<k>user[ ]id|[a-z_][a-z0-9_.\-]*)["']?[ \t]*(?:=>|[:=])[ \t]*"#,
        )
        .expect("static regex compiles")
    })
}

/// The value at the start of `rest`, still quoted: a quoted string, or up to a delimiter.
fn inline_value(rest: &str) -> Option<&str> {
    let v = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let end = rest.get(1..)?.find(q)?;
            rest.get(..end + 2)?
        }
        _ => {
            let end = rest
                .find(|c: char| c.is_whitespace() || ";,\"'}&)?#".contains(c))
                .unwrap_or(rest.len());
            rest.get(..end)?
        }
    };
    (!v.is_empty()).then_some(v)
}

/// Lines longer than this are searched for a sibling user only near the secret.
const MAX_SIBLING_LINE: usize = 2048;

/// A `key: value` line (YAML, JSON, INI, properties, .env).
#[derive(Debug, PartialEq, Eq)]
struct LineAssign<'a> {
    /// Column of the key (after indentation and a YAML `- `).
    indent: usize,
    /// The line starts a YAML list item (`- key: value`).
    dash: bool,
    key: &'a str,
    /// The value, still quoted; `None` when it is not a single token (prose, nested object).
    value: Option<&'a str>,
}

fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t']).len()
}

fn parse_assignment(line: &str) -> Option<LineAssign<'_>> {
    let ws = leading_ws(line);
    let mut rest = line.get(ws..)?;
    let mut indent = ws;
    let mut dash = false;
    if let Some(r) = rest.strip_prefix("- ") {
        let pad = leading_ws(r);
        indent += 2 + pad;
        rest = r.get(pad..)?;
        dash = true;
    }
    if let Some(r) = rest.strip_prefix("export ") {
        rest = r.trim_start();
    }
    let (key, after) = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let inner = rest.get(1..)?;
            let end = inner.find(q)?;
            (inner.get(..end)?, inner.get(end + 1..)?)
        }
        _ => {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                .unwrap_or(rest.len());
            (rest.get(..end)?, rest.get(end..)?)
        }
    };
    if key.is_empty() {
        return None;
    }
    let after = after.trim_start();
    let after = after
        .strip_prefix("=>")
        .or_else(|| after.strip_prefix(':'))
        .or_else(|| after.strip_prefix('='))?;
    let v = after.trim();
    let value = match v.chars().next() {
        Some(q @ ('"' | '\'')) => v
            .get(1..)
            .and_then(|inner| inner.find(q))
            .and_then(|end| v.get(..end + 2)),
        _ => {
            let v = match v.find(" #").or_else(|| v.find(" ;")) {
                Some(i) => v.get(..i).unwrap_or(v).trim_end(),
                None => v,
            };
            let v = v.strip_suffix(',').unwrap_or(v);
            (!v.is_empty() && !v.contains(char::is_whitespace)).then_some(v)
        }
    };
    Some(LineAssign {
        indent,
        dash,
        key,
        value,
    })
}

enum Seen<'a> {
    Skip,
    Stop,
    Candidate(LineAssign<'a>),
}

/// What a neighbouring line means for the sibling search from a key at column `indent`.
fn classify(line: &str, indent: usize) -> Seen<'_> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
        return Seen::Skip;
    }
    if t.starts_with('[') && t.ends_with(']') && !t.contains(['=', ':']) {
        return Seen::Stop; // INI section header
    }
    let assign = parse_assignment(line);
    let ind = assign.as_ref().map_or(leading_ws(line), |a| a.indent);
    if ind < indent {
        return Seen::Stop;
    }
    match assign {
        Some(a) if ind == indent => Seen::Candidate(a),
        _ => Seen::Skip,
    }
}

/// A key compared without case and separators: `smtpUser`, `SMTP_USER` and `smtp.user` are one.
fn norm_key(key: &str) -> String {
    key.trim_matches(['"', '\''])
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The normalised keys that name the user of a secret assigned to `key`: the rule's
/// `user_keys`, and each of them behind the key's prefix (`DB_PASSWORD` → `db_user`,
/// `spring.datasource.password` → `spring.datasource.username`, `smtpPass` → `smtpUser`).
fn user_key_candidates(rule: &Rule, key: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = rule.user_keys.iter().map(|u| norm_key(u)).collect();
    if let Some(key) = key {
        let parts = judge::name_parts(key.trim_matches(['"', '\'']));
        if parts.len() >= 2 {
            let stem: String = parts.get(..parts.len() - 1).unwrap_or(&[]).concat();
            out.extend(
                rule.user_keys
                    .iter()
                    .map(|u| format!("{stem}{}", norm_key(u))),
            );
        }
    }
    out
}

fn user_value(candidates: &[String], key: &str, value: Option<&str>) -> Option<String> {
    if !candidates.contains(&norm_key(key)) {
        return None;
    }
    let (v, _) = unquote(value?);
    user_ok(v).then(|| v.to_string())
}

/// Finds the user of the secret at `span` on `line_no`: first a user key on the same line (the
/// nearest one), then on lines up to `user_window` before and after, staying inside the same
/// YAML/JSON object (same indentation, no parent or next list item in between) and INI section.
fn sibling_user(
    rule: &Rule,
    lines: &mut LineIndex<'_>,
    line_no: usize,
    span: (usize, usize),
    key: Option<&str>,
) -> Option<String> {
    let candidates = user_key_candidates(rule, key);
    let line = lines.line(u32::try_from(line_no).ok()?)?;
    let line_start = lines.start_of(u32::try_from(line_no).ok()?)?;
    let (s, e) = (
        span.0.saturating_sub(line_start),
        span.1.saturating_sub(line_start),
    );
    // Same line, limited to a window around the secret on very long lines.
    let (from, to) = if line.len() > MAX_SIBLING_LINE {
        let mut from = s.saturating_sub(MAX_SIBLING_LINE / 2);
        while from > 0 && !line.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (e + MAX_SIBLING_LINE / 2).min(line.len());
        while to < line.len() && !line.is_char_boundary(to) {
            to += 1;
        }
        (from, to)
    } else {
        (0, line.len())
    };
    let hay = line.get(from..to).unwrap_or("");
    let mut best: Option<(usize, String)> = None;
    for caps in inline_assignments().captures_iter(hay) {
        let (Some(k), Some(all)) = (caps.name("k"), caps.get(0)) else {
            continue;
        };
        let Some(v) = hay.get(all.end()..).and_then(inline_value) else {
            continue;
        };
        let (ks, ve) = (k.start() + from, all.end() + v.len() + from);
        if ks < e && ve > s {
            continue; // the secret's own assignment
        }
        if let Some(u) = user_value(&candidates, k.as_str(), Some(v)) {
            let dist = if ks >= e { ks - e } else { s - ve.min(s) };
            if best.as_ref().is_none_or(|(d, _)| dist < *d) {
                best = Some((dist, u));
            }
        }
    }
    if let Some((_, u)) = best {
        return Some(u);
    }

    let (indent, dash) =
        parse_assignment(line).map_or((leading_ws(line), false), |a| (a.indent, a.dash));
    let mut up = !dash; // a `- key:` line starts its item: lines above are another item
    let mut down = true;
    for d in 1..=rule.user_window {
        if up {
            match line_no
                .checked_sub(d)
                .filter(|&n| n > 0)
                .and_then(|n| lines.line(u32::try_from(n).ok()?))
            {
                None => up = false,
                Some(l) if l.len() > MAX_SIBLING_LINE => {}
                Some(l) => match classify(l, indent) {
                    Seen::Skip => {}
                    Seen::Stop => up = false,
                    Seen::Candidate(a) => {
                        if let Some(u) = user_value(&candidates, a.key, a.value) {
                            return Some(u);
                        }
                        up = !a.dash;
                    }
                },
            }
        }
        if down {
            match u32::try_from(line_no + d).ok().and_then(|n| lines.line(n)) {
                None => down = false,
                Some(l) if l.len() > MAX_SIBLING_LINE => {}
                Some(l) => match classify(l, indent) {
                    Seen::Skip => {}
                    Seen::Stop => down = false,
                    Seen::Candidate(a) if a.dash => down = false,
                    Seen::Candidate(a) => {
                        if let Some(u) = user_value(&candidates, a.key, a.value) {
                            return Some(u);
                        }
                    }
                },
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_joined() {
        assert_eq!(join_literals("\\nMIIE\\nAB+c\\n"), "MIIEAB+c");
        assert_eq!(
            join_literals("\\n\" +\n    \"MIIE+/\\n\" +\n    \"ABCD==\\n\" +\n    \""),
            "MIIE+/ABCD=="
        );
        assert_eq!(join_literals("\\n\"\n    \"MHc\\n\"\n    \""), "MHc");
        assert_eq!(join_literals("\nMIIE\nABCD\n"), "MIIEABCD");
        assert_eq!(
            join_literals("Proc-Type: 4,ENCRYPTED\n\nAB"),
            "Proc-Type:4,ENCRYPTEDAB"
        );
    }

    #[test]
    fn line_index() {
        let text = "a\r\nbb\n\nccc";
        let li = LineIndex::new(text);
        assert_eq!(li.line_of(0), 1);
        assert_eq!(li.line_of(3), 2);
        assert_eq!(li.line_of(6), 3);
        assert_eq!(li.line_of(7), 4);
        assert_eq!(li.line(1), Some("a"));
        assert_eq!(li.line(2), Some("bb"));
        assert_eq!(li.line(3), Some(""));
        assert_eq!(li.line(4), Some("ccc"));
        assert_eq!(li.line(5), None);
        assert_eq!(li.line(0), None);
    }

    #[test]
    fn assignments() {
        let a = parse_assignment("  - user: bob # admin").unwrap();
        assert_eq!(
            (a.indent, a.dash, a.key, a.value),
            (4, true, "user", Some("bob"))
        );
        let a = parse_assignment("    \"username\": \"app\",").unwrap();
        assert_eq!((a.indent, a.key, a.value), (4, "username", Some("\"app\"")));
        let a = parse_assignment("export DB_USER=app").unwrap();
        assert_eq!((a.key, a.value), ("DB_USER", Some("app")));
        let a = parse_assignment("spring.datasource.username = app").unwrap();
        assert_eq!(
            (a.key, a.value),
            ("spring.datasource.username", Some("app"))
        );
        assert_eq!(
            parse_assignment("user: the admin team").unwrap().value,
            None
        );
        assert_eq!(parse_assignment("# user: x"), None);
        assert_eq!(parse_assignment("just prose here"), None);
        assert_eq!(parse_assignment(""), None);
        assert_eq!(parse_assignment("\"unterminated: x"), None);
    }
}
