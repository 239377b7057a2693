//! A small JSON reader that keeps byte positions, shared by the Entra and Okta adapters.
//!
//! serde_json's `Value` forgets where a value was, and evidence must point at the line of an
//! item's id. This reader builds a tree whose every value and key carries its byte offset, reads
//! a stream of top-level values (one document, JSON Lines, or pretty-printed objects one after
//! another as a PowerShell loop with `>>` writes them), and never fails as a whole: on a syntax
//! error or a truncated file it keeps every container built so far, marked `partial`, so the
//! complete items before the break are still used, and resumes at the next line that starts
//! (column 0) with `{` or `[`.
//!
//! Nesting is limited to [`MAX_DEPTH`] so hostile input cannot overflow the stack.

use std::borrow::Cow;

/// Deepest nesting accepted (serde_json's default recursion limit is 128 too).
pub(crate) const MAX_DEPTH: usize = 128;

#[derive(Debug)]
pub(crate) struct Node<'a> {
    /// Byte offset of the value's first character.
    pub at: usize,
    pub val: Val<'a>,
    /// The container was cut short by an error: only its complete children are kept.
    pub partial: bool,
}

#[derive(Debug)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Num(&'a str),
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    Obj(Vec<Member<'a>>),
}

#[derive(Debug)]
pub(crate) struct Member<'a> {
    pub key: Cow<'a, str>,
    pub value: Node<'a>,
}

/// Where and why the text stopped being JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub at: usize,
    pub kind: &'static str,
}

pub(crate) const EOF: &str = "JSON ends early (truncated?)";
const SYNTAX: &str = "invalid JSON syntax";
const TOO_DEEP: &str = "JSON nested too deeply";

impl<'a> Node<'a> {
    pub fn new(at: usize, val: Val<'a>) -> Self {
        Node {
            at,
            val,
            partial: false,
        }
    }

    /// The member `key` of an object: exact spelling first, then ignoring ASCII case
    /// (PowerShell writes `UserPrincipalName` where Graph writes `userPrincipalName`).
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        let Val::Obj(members) = &self.val else {
            return None;
        };
        members
            .iter()
            .find(|m| m.key == key)
            .or_else(|| members.iter().find(|m| m.key.eq_ignore_ascii_case(key)))
            .map(|m| &m.value)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn members(&self) -> &[Member<'a>] {
        match &self.val {
            Val::Obj(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> Option<&[Node<'a>]> {
        match &self.val {
            Val::Arr(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_obj(&self) -> bool {
        matches!(self.val, Val::Obj(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.val, Val::Null)
    }

    pub fn str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A non-empty string member.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.str().filter(|s| !s.trim().is_empty())
    }

    /// What kind of JSON value this is, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.val {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::Arr(_) => "an array",
            Val::Obj(_) => "an object",
        }
    }
}

/// Reads every top-level value of `text`. Returns the values (the last one `partial` when an
/// error cut it) and the errors met, in order.
pub(crate) fn parse_stream(text: &str) -> (Vec<Node<'_>>, Vec<JsonError>) {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
        error: None,
    };
    loop {
        p.skip_ws();
        if p.pos >= p.bytes.len() {
            break;
        }
        let start = p.pos;
        let node = p.value(0);
        match p.error.take() {
            None => values.push(node),
            Some(err) => {
                errors.push(err);
                let resume = next_value_line(text, start);
                if let Some(node) = node_prune(node, resume.unwrap_or(usize::MAX)) {
                    values.push(node);
                }
                match resume {
                    Some(r) if r > start => p.pos = r,
                    _ => break,
                }
            }
        }
    }
    (values, errors)
}

/// The start of the first line after the line of `from` that begins with `{` or `[`.
fn next_value_line(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    loop {
        let nl = memchr::memchr(b'\n', bytes.get(i..)?)?;
        i += nl + 1;
        if matches!(bytes.get(i), Some(b'{') | Some(b'[')) {
            return Some(i);
        }
    }
}

/// Drops every part of a (partial) tree that starts at or after `limit`: that text is read again
/// when parsing resumes there.
fn node_prune(mut node: Node<'_>, limit: usize) -> Option<Node<'_>> {
    if node.at >= limit {
        return None;
    }
    if node.partial {
        match &mut node.val {
            Val::Arr(items) => {
                let kept: Vec<Node<'_>> = std::mem::take(items)
                    .into_iter()
                    .filter_map(|n| node_prune(n, limit))
                    .collect();
                *items = kept;
            }
            Val::Obj(members) => {
                let kept: Vec<Member<'_>> = std::mem::take(members)
                    .into_iter()
                    .filter_map(|m| {
                        node_prune(m.value, limit).map(|value| Member { key: m.key, value })
                    })
                    .collect();
                *members = kept;
            }
            _ => {}
        }
    }
    Some(node)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    error: Option<JsonError>,
}

impl<'a> Parser<'a> {
    fn fail(&mut self, kind: &'static str) {
        if self.error.is_none() {
            let (at, kind) = if self.pos >= self.bytes.len() {
                // Point at the last character there is, not past the end.
                let last = self
                    .bytes
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .unwrap_or(0);
                (last, EOF)
            } else {
                (self.pos, kind)
            };
            self.error = Some(JsonError { at, kind });
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// One value at `pos`. On error, `self.error` is set and the returned node holds what was
    /// complete (containers marked `partial`).
    fn value(&mut self, depth: usize) -> Node<'a> {
        self.skip_ws();
        let at = self.pos;
        if depth >= MAX_DEPTH {
            self.fail(TOO_DEEP);
            return Node::new(at, Val::Null);
        }
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => match self.string() {
                Some(s) => Node::new(at, Val::Str(s)),
                None => Node::new(at, Val::Null),
            },
            Some(b't') => self.literal("true", Val::Bool(true)),
            Some(b'f') => self.literal("false", Val::Bool(false)),
            Some(b'n') => self.literal("null", Val::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => {
                self.fail(SYNTAX);
                Node::new(at, Val::Null)
            }
        }
    }

    fn literal(&mut self, word: &str, val: Val<'a>) -> Node<'a> {
        let at = self.pos;
        let end = at + word.len();
        match self.bytes.get(at..end) {
            Some(b) if b == word.as_bytes() => {
                self.pos = end;
                Node::new(at, val)
            }
            Some(_) => {
                self.fail(SYNTAX);
                Node::new(at, Val::Null)
            }
            None => {
                // A prefix of the word at the end of the text is a truncation.
                let rest = self.text.get(at..).unwrap_or("").trim_end();
                if word.starts_with(rest) {
                    self.pos = self.bytes.len();
                }
                self.fail(SYNTAX);
                Node::new(at, Val::Null)
            }
        }
    }

    fn number(&mut self) -> Node<'a> {
        let at = self.pos;
        while matches!(
            self.bytes.get(self.pos),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.pos += 1;
        }
        let s = self.text.get(at..self.pos).unwrap_or("");
        let valid = s
            .trim_start_matches('-')
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit())
            && s.parse::<f64>().is_ok();
        if !valid {
            self.fail(SYNTAX);
            return Node::new(at, Val::Null);
        }
        Node::new(at, Val::Num(s))
    }

    /// A string at `pos` (which holds `"`); `None` with the error set when it is broken.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        loop {
            match self.bytes.get(self.pos) {
                None => {
                    self.fail(EOF);
                    return None;
                }
                Some(b'"') => {
                    let s = self.text.get(start..self.pos)?;
                    self.pos += 1;
                    return Some(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(b) if *b < 0x20 => {
                    self.fail(SYNTAX);
                    return None;
                }
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(self.text.get(start..self.pos)?);
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                self.fail(EOF);
                return None;
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.bytes.get(self.pos) else {
                        self.fail(EOF);
                        return None;
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            out.push(c);
                        }
                        _ => {
                            self.pos -= 1;
                            self.fail(SYNTAX);
                            return None;
                        }
                    }
                }
                b if b < 0x20 => {
                    self.fail(SYNTAX);
                    return None;
                }
                _ => {
                    // Copy one whole UTF-8 character.
                    let len = utf8_len(b);
                    let ch = self.text.get(self.pos..self.pos + len)?;
                    out.push_str(ch);
                    self.pos += len;
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let Some(h) = self.text.get(self.pos..self.pos + 4) else {
            self.pos = self.bytes.len();
            self.fail(EOF);
            return None;
        };
        match u32::from_str_radix(h, 16) {
            Ok(v) if h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.pos += 4;
                Some(v)
            }
            _ => {
                self.fail(SYNTAX);
                None
            }
        }
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                self.pos += 2;
                let second = self.hex4()?;
                if (0xDC00..0xE000).contains(&second) {
                    let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    return Some(char::from_u32(c).unwrap_or('\u{FFFD}'));
                }
            }
            return Some('\u{FFFD}');
        }
        Some(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn array(&mut self, depth: usize) -> Node<'a> {
        let at = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Node::new(at, Val::Arr(items));
        }
        loop {
            let item = self.value(depth + 1);
            if self.error.is_some() {
                // Keep a partial container child: its complete items are still good.
                if item.partial {
                    items.push(item);
                }
                return Node {
                    at,
                    val: Val::Arr(items),
                    partial: true,
                };
            }
            items.push(item);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Node::new(at, Val::Arr(items));
                }
                _ => {
                    self.fail(SYNTAX);
                    return Node {
                        at,
                        val: Val::Arr(items),
                        partial: true,
                    };
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Node<'a> {
        let at = self.pos;
        self.pos += 1;
        let mut members = Vec::new();
        let partial = |members| Node {
            at,
            val: Val::Obj(members),
            partial: true,
        };
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Node::new(at, Val::Obj(members));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                self.fail(SYNTAX);
                return partial(members);
            }
            let Some(key) = self.string() else {
                return partial(members);
            };
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                self.fail(SYNTAX);
                return partial(members);
            }
            self.pos += 1;
            let value = self.value(depth + 1);
            if self.error.is_some() {
                if value.partial {
                    members.push(Member { key, value });
                }
                return partial(members);
            }
            members.push(Member { key, value });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Node::new(at, Val::Obj(members));
                }
                _ => {
                    self.fail(SYNTAX);
                    return partial(members);
                }
            }
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { starts }
    }

    pub fn line_of(&self, byte: usize) -> u32 {
        let line = match self.starts.binary_search(&byte) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

/// The host of an `https://host/...` URL, lower-cased, without port or credentials.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_decodes_escapes() {
        let text = "{\n  \"a\": \"\\/Date(1)\\/\",\n  \"b\": [1, true, null]\n}";
        let (values, errors) = parse_stream(text);
        assert!(errors.is_empty());
        let v = &values[0];
        assert_eq!(v.get("A").and_then(Node::str), Some("/Date(1)/"));
        let lines = Lines::new(text);
        assert_eq!(lines.line_of(v.get("b").map(|n| n.at).unwrap_or(0)), 3);
        assert_eq!(v.get("b").and_then(Node::items).map(<[_]>::len), Some(3));
    }

    #[test]
    fn truncated_keeps_complete_items() {
        let text = "{\"value\": [{\"id\": \"1\"}, {\"id\": \"2\"}, {\"id\": \"3";
        let (values, errors) = parse_stream(text);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, EOF);
        let items = values[0].get("value").and_then(Node::items).unwrap_or(&[]);
        // The third item is cut: it is kept as partial, its `id` member is not.
        assert_eq!(items.len(), 3);
        assert!(!items[0].partial && !items[1].partial && items[2].partial);
        assert!(items[2].get("id").is_none());
    }

    #[test]
    fn resumes_after_a_broken_line() {
        let text = "{\"a\": 1}\n{\"a\": tru x}\n{\"a\": 3}\n";
        let (values, errors) = parse_stream(text);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, SYNTAX);
        let nums: Vec<_> = values
            .iter()
            .filter_map(|v| match v.get("a").map(|n| &n.val) {
                Some(Val::Num(n)) => Some(*n),
                _ => None,
            })
            .collect();
        assert_eq!(nums, vec!["1", "3"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let deep = "[".repeat(10_000);
        let (_, errors) = parse_stream(&deep);
        assert_eq!(errors[0].kind, TOO_DEEP);
        for text in [
            "\"\\ud800\"",
            "\"\\u12",
            "{\"a\"",
            "-",
            "1e",
            "\"é\\né\"",
            "\u{feff}[]",
            "nul",
            "{,}",
        ] {
            let _ = parse_stream(text);
        }
        assert_eq!(
            url_host("https://Example.okta.com:443/api"),
            Some("example.okta.com".into())
        );
        assert_eq!(url_host("nope"), None);
    }
}
