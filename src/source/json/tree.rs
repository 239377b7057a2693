//! The positioned JSON tree: a small parser in which every value and every key keeps its byte
//! offset, so evidence can point at the line of an item's id without searching the text again.
//!
//! [`parse_stream`] reads a stream of top-level values (one document, JSON Lines, pretty-printed
//! objects one after another as a shell or PowerShell loop with `>>` writes them) and never fails
//! as a whole: on a syntax error or a truncated file it keeps every container built so far, marked
//! `partial`, so the complete items before the break are still there, and it resumes at a line
//! that starts (column 0) with `{` or `[` (see [`parse_stream`] for which one).
//!
//! Nesting is limited to [`MAX_DEPTH`] so hostile input cannot overflow the stack. Strings are
//! borrowed from the text unless they hold escapes. Key lookup is exact ([`Node::get`]);
//! PowerShell's case-insensitive spelling is the explicit [`Node::get_ci`].

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
    /// A number as written (validated: it parses as an `f64`).
    Num(&'a str),
    Str(Cow<'a, str>),
    Arr(Vec<Node<'a>>),
    Obj(Vec<Member<'a>>),
}

#[derive(Debug)]
pub(crate) struct Member<'a> {
    /// Byte offset of the key's opening quote.
    pub key_at: usize,
    pub key: Cow<'a, str>,
    pub value: Node<'a>,
}

/// Where and why the text stopped being JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JsonError {
    /// Byte offset of the break (the last character there is, for a truncated text).
    pub at: usize,
    /// Byte offset where the broken top-level value starts.
    pub value_at: usize,
    pub kind: &'static str,
}

pub(crate) const EOF: &str = "JSON ends early (truncated?)";
pub(crate) const SYNTAX: &str = "invalid JSON syntax";
pub(crate) const TOO_DEEP: &str = "JSON nested too deeply";

impl<'a> Node<'a> {
    pub fn new(at: usize, val: Val<'a>) -> Self {
        Node {
            at,
            val,
            partial: false,
        }
    }

    /// The member `key` of an object, spelled exactly (the first one when a key is repeated).
    pub fn member(&self, key: &str) -> Option<&Member<'a>> {
        self.members().iter().find(|m| m.key == key)
    }

    /// The value of the member `key` of an object, spelled exactly.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.member(key).map(|m| &m.value)
    }

    /// The member `key`: exact spelling first, then ignoring ASCII case. Only for exports that
    /// PowerShell writes (`UserPrincipalName` where Graph writes `userPrincipalName`).
    pub fn member_ci(&self, key: &str) -> Option<&Member<'a>> {
        let members = self.members();
        members
            .iter()
            .find(|m| m.key == key)
            .or_else(|| members.iter().find(|m| m.key.eq_ignore_ascii_case(key)))
    }

    /// [`Node::get`] ignoring ASCII case after the exact spelling (see [`Node::member_ci`]).
    pub fn get_ci(&self, key: &str) -> Option<&Node<'a>> {
        self.member_ci(key).map(|m| &m.value)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// [`Node::has`] with the key compared as [`Node::get_ci`] does.
    pub fn has_ci(&self, key: &str) -> bool {
        self.get_ci(key).is_some()
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

    pub fn is_arr(&self) -> bool {
        matches!(self.val, Val::Arr(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.val, Val::Null)
    }

    pub fn is_str(&self) -> bool {
        matches!(self.val, Val::Str(_))
    }

    pub fn str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.val {
            Val::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number as written, if this is a number.
    pub fn num(&self) -> Option<&'a str> {
        match self.val {
            Val::Num(n) => Some(n),
            _ => None,
        }
    }

    /// An integer number (`12`, not `12.0` or `1e2`, as serde_json reads them).
    pub fn as_i64(&self) -> Option<i64> {
        self.num()?.parse().ok()
    }

    /// Whether this is a number written as an integer that fits 64 bits, signed or not.
    pub fn is_integer(&self) -> bool {
        self.num()
            .is_some_and(|n| n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok())
    }

    /// A non-empty string member (exact key).
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.str().filter(|s| !s.trim().is_empty())
    }

    /// A non-empty string member, the key compared as [`Node::get_ci`] does.
    pub fn get_str_ci(&self, key: &str) -> Option<&str> {
        self.get_ci(key)?.str().filter(|s| !s.trim().is_empty())
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

/// Reads every top-level value of `text` (a UTF-8 BOM is skipped). Returns the values (a value
/// cut by an error is kept `partial`, holding its complete children) and the errors met, in
/// order; one break is reported once.
///
/// After a break, reading resumes at a line that starts (column 0) with `{` or `[`: the first
/// such line inside the broken value whose value stands alone (parses completely and is followed
/// by the end of the text or another top-level value: a truncated response that ran into the
/// next one), else the first such line after the break. What the broken value holds from the
/// resume point on is dropped from it, as that text is read again.
pub(crate) fn parse_stream(text: &str) -> (Vec<Node<'_>>, Vec<JsonError>) {
    let mut values = Vec::new();
    let mut errors: Vec<JsonError> = Vec::new();
    let mut p = Parser::new(text, if text.starts_with('\u{feff}') { 3 } else { 0 });
    loop {
        p.skip_ws();
        if p.pos >= p.bytes.len() {
            break;
        }
        let start = p.pos;
        let node = p.value(0);
        match p.error.take() {
            None => values.push(node),
            Some(mut err) => {
                err.value_at = start;
                // Re-reading part of a broken value may meet the same break again: say it once.
                if errors.last().is_none_or(|last| last.at != err.at) {
                    errors.push(err);
                }
                let resume = resume_point(text, start, err.at);
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

/// Where to read on after the value starting at `start` broke at `at` (see [`parse_stream`]).
fn resume_point(text: &str, start: usize, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = start;
    while let Some(nl) = bytes.get(i..).and_then(|rest| memchr::memchr(b'\n', rest)) {
        i += nl + 1;
        if !matches!(bytes.get(i), Some(b'{') | Some(b'[')) {
            continue;
        }
        if i > at || stands_alone(text, i) {
            return Some(i);
        }
    }
    None
}

/// Whether one complete value starts at `from` and is followed by the end of the text or the
/// start of another value (not by the `,` or `]` of an enclosing array).
fn stands_alone(text: &str, from: usize) -> bool {
    let mut p = Parser::new(text, from);
    let _ = p.value(0);
    if p.error.is_some() {
        return false;
    }
    p.skip_ws();
    matches!(p.bytes.get(p.pos), None | Some(b'{') | Some(b'['))
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
                    .filter(|m| m.key_at < limit)
                    .filter_map(|m| {
                        node_prune(m.value, limit).map(|value| Member {
                            key_at: m.key_at,
                            key: m.key,
                            value,
                        })
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
    fn new(text: &'a str, pos: usize) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos,
            error: None,
        }
    }

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
            self.error = Some(JsonError {
                at,
                value_at: 0,
                kind,
            });
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
            let key_at = self.pos;
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
                    members.push(Member { key_at, key, value });
                }
                return partial(members);
            }
            members.push(Member { key_at, key, value });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_decodes_escapes() {
        let text = "{\n  \"a\": \"\\/Date(1)\\/\",\n  \"b\": [1, true, null]\n}";
        let (values, errors) = parse_stream(text);
        assert!(errors.is_empty());
        let v = &values[0];
        assert!(v.get("A").is_none(), "exact keys by default");
        assert_eq!(v.get_ci("A").and_then(Node::str), Some("/Date(1)/"));
        let lines = crate::source::text::LineIndex::new(text);
        assert_eq!(lines.line_of(v.get("b").map(|n| n.at).unwrap_or(0)), 3);
        assert_eq!(
            lines.line_of(v.member("b").map(|m| m.key_at).unwrap_or(0)),
            3
        );
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
    }

    #[test]
    fn a_truncated_value_running_into_the_next_is_reported_once() {
        // Pretty-printed objects one after another; the first is cut, the second starts at
        // column 0 inside what the parser still takes for the first.
        let text = "{\n  \"a\": [1,\n{\n  \"a\": [2]\n}\n{\"a\": [3]}\n";
        let (values, errors) = parse_stream(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].value_at, 0);
        let firsts: Vec<_> = values
            .iter()
            .filter_map(|v| v.get("a")?.items()?.first()?.num())
            .collect();
        assert_eq!(firsts, ["1", "2", "3"]);
        assert!(values[0].partial && !values[1].partial);
        // The same with the cut inside an object: the break is met at the next value.
        let text = "{\n  \"a\": \"x\",\n{\"a\": [2]}\n";
        let (values, errors) = parse_stream(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(values.len(), 2);
        assert!(values[1].get("a").is_some_and(Node::is_arr));
    }

    #[test]
    fn a_broken_item_at_column_0_is_reported_once() {
        let text = "[\n{\"a\": 1},\n{\"a\": 2, \"b\": tru";
        let (values, errors) = parse_stream(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].kind, EOF);
        let complete: Vec<_> = values
            .iter()
            .flat_map(|v| v.items().unwrap_or(std::slice::from_ref(v)))
            .filter(|n| !n.partial)
            .filter_map(|n| n.get("a")?.num())
            .collect();
        assert_eq!(complete, ["1"]);
    }

    #[test]
    fn numbers_and_members() {
        let (values, _) = parse_stream("{\"i\": 12, \"f\": 1.5, \"e\": 1e2, \"b\": false}");
        let v = &values[0];
        assert_eq!(v.get("i").and_then(Node::as_i64), Some(12));
        assert_eq!(v.get("f").and_then(Node::as_i64), None);
        assert!(!v.get("e").is_some_and(Node::is_integer));
        assert_eq!(v.get("b").and_then(Node::as_bool), Some(false));
        assert_eq!(v.member("f").map(|m| m.key_at), Some(10));
    }
}
