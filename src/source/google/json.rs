//! Located reading of JSON API exports, shared by the Google Workspace and GitHub adapters.
//!
//! Owns: reading every top-level value of a file (one response object, a bare array, a bare item,
//! JSON Lines, concatenated pretty-printed responses, `gh api --paginate --slurp` arrays of pages),
//! unwrapping list keys (`users`, `items`), the byte span of every item so records can point at the
//! line of a field, and recovery from broken JSON (the error is reported at its line, complete
//! items inside the broken value are still used, reading resumes at the next line that starts with
//! `{` or `[` in column 0). It does not know any source's fields: callers classify items.
//!
//! Diagnostics never quote the input: serde_json's message is reduced to its category.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use crate::source::Output;
use serde_json::{Map, Value};

/// Byte range `[start, end)` of one JSON value in the file text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// How a caller recognises items and wrappers.
pub(crate) struct Shape<'s> {
    /// Keys of a response object whose array value holds the items (`users`, `items`).
    pub(crate) list_keys: &'s [&'s str],
    /// Whether a bare object (not inside a list key) is an item.
    pub(crate) is_item: &'s dyn Fn(&Map<String, Value>) -> bool,
    /// What the items are, for messages ("Google Workspace items").
    pub(crate) what: &'s str,
}

/// One item object with its span and the response object (wrapper) it came from, if any.
pub(crate) struct Item {
    pub(crate) obj: Map<String, Value>,
    pub(crate) span: Span,
    /// Scalar fields of the wrapper object (e.g. a `login` next to a `keys` array).
    pub(crate) wrapper: Option<Map<String, Value>>,
}

/// A file being read: its path (relative to the scan root), text and line index.
pub(crate) struct Doc<'a> {
    pub(crate) path: &'a str,
    pub(crate) text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(path: &'a str, text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Doc { path, text, starts }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, byte: usize) -> u32 {
        let line = match self.starts.binary_search(&byte) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    /// Line of the top-level key `key` of the object in `span`, else the object's first line.
    pub(crate) fn key_line(&self, span: Span, key: &str) -> u32 {
        self.line_of(top_key_pos(self.text, span, key).unwrap_or(span.start))
    }

    /// The earliest line among the top-level keys `keys` present in the object, else its first
    /// line (the line of an item's id).
    pub(crate) fn id_line(&self, span: Span, keys: &[&str]) -> u32 {
        keys.iter()
            .filter_map(|k| top_key_pos(self.text, span, k))
            .min()
            .map(|p| self.line_of(p))
            .unwrap_or_else(|| self.line_of(span.start))
    }

    /// A malformed-input warning at the line of `key` in the item `span`.
    pub(crate) fn malformed_at(
        &self,
        span: Span,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::malformed(self.path, self.key_line(span, key), message)
    }

    /// Every item of the file, in file order. Problems become diagnostics in `out`.
    pub(crate) fn items(&self, shape: &Shape<'_>, out: &mut Output) -> Vec<Item> {
        let mut items = Vec::new();
        let text = self.text;
        let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        while pos < text.len() {
            let Some(rest) = text.get(pos..) else {
                break;
            };
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let mut resume = None;
            loop {
                let before = pos + stream.byte_offset();
                match stream.next() {
                    None => break,
                    Some(Ok(value)) => {
                        let end = pos + stream.byte_offset();
                        let start = skip_ws(text, before);
                        self.collect(value, Span { start, end }, 0, None, shape, &mut items, out);
                    }
                    Some(Err(e)) => {
                        let start = skip_ws(text, before);
                        let start_line = self.line_of(start);
                        let error_line = self
                            .line_of(pos)
                            .saturating_add(u32::try_from(e.line()).unwrap_or(u32::MAX))
                            .saturating_sub(1)
                            .max(start_line);
                        let next = self.resume_point(start_line, error_line);
                        let end = next.unwrap_or(text.len());
                        let salvaged = self.salvage(Span { start, end }, shape, &mut items);
                        let mut message = format!(
                            "{}; the JSON value starting at line {start_line} was skipped",
                            error_kind(&e)
                        );
                        if salvaged > 0 {
                            message.push_str(&format!(
                                " except {salvaged} complete item(s) inside it"
                            ));
                        }
                        out.diag(Diagnostic::new(
                            DiagKind::Malformed,
                            Severity::Error,
                            Evidence::at(self.path, error_line),
                            message,
                        ));
                        resume = next;
                        break;
                    }
                }
            }
            match resume {
                Some(next) if next > pos => pos = next,
                _ => break,
            }
        }
        items
    }

    #[allow(clippy::too_many_arguments)]
    fn collect(
        &self,
        value: Value,
        span: Span,
        depth: usize,
        wrapper: Option<&Map<String, Value>>,
        shape: &Shape<'_>,
        items: &mut Vec<Item>,
        out: &mut Output,
    ) {
        let here = self.line_of(span.start);
        match value {
            Value::Object(mut obj) => {
                if (shape.is_item)(&obj) {
                    items.push(Item {
                        obj,
                        span,
                        wrapper: wrapper.cloned(),
                    });
                    return;
                }
                let present: Vec<&str> = shape
                    .list_keys
                    .iter()
                    .copied()
                    .filter(|k| obj.contains_key(*k))
                    .collect();
                if present.is_empty() {
                    out.diag(Diagnostic::new(
                        DiagKind::Malformed,
                        Severity::Note,
                        Evidence::at(self.path, here),
                        format!("JSON object holds no {}; ignored", shape.what),
                    ));
                    return;
                }
                let lists: Vec<(&str, Value)> = present
                    .iter()
                    .filter_map(|k| obj.remove(*k).map(|v| (*k, v)))
                    .collect();
                let scalars: Map<String, Value> = obj
                    .into_iter()
                    .filter(|(_, v)| !v.is_array() && !v.is_object())
                    .collect();
                for (key, list) in lists {
                    let key_pos = top_key_pos(self.text, span, key).unwrap_or(span.start);
                    let Value::Array(elements) = list else {
                        if !list.is_null() {
                            out.diag(Diagnostic::malformed(
                                self.path,
                                self.line_of(key_pos),
                                format!("`{key}` is not an array; skipped"),
                            ));
                        }
                        continue;
                    };
                    let ranges = array_elements(self.text, key_pos, span.end);
                    for (i, element) in elements.into_iter().enumerate() {
                        let espan = ranges.get(i).copied().unwrap_or(span);
                        match element {
                            Value::Object(o) => items.push(Item {
                                obj: o,
                                span: espan,
                                wrapper: Some(scalars.clone()),
                            }),
                            _ => out.diag(Diagnostic::malformed(
                                self.path,
                                self.line_of(espan.start),
                                format!("`{key}` element is not an object; skipped"),
                            )),
                        }
                    }
                }
            }
            Value::Array(elements) if depth < 3 => {
                let ranges = array_elements(self.text, span.start, span.end);
                for (i, element) in elements.into_iter().enumerate() {
                    let espan = ranges.get(i).copied().unwrap_or(span);
                    if element.is_object() || element.is_array() {
                        self.collect(element, espan, depth + 1, wrapper, shape, items, out);
                    } else {
                        out.diag(Diagnostic::malformed(
                            self.path,
                            self.line_of(espan.start),
                            format!("array element is not an object of {}; skipped", shape.what),
                        ));
                    }
                }
            }
            _ => out.diag(Diagnostic::malformed(
                self.path,
                here,
                format!(
                    "JSON value is not an object or array of {}; skipped",
                    shape.what
                ),
            )),
        }
    }

    /// Where to read on after a value that starts on `start_line` broke on `error_line`: the last
    /// line in `(start_line, error_line]` that starts with `{` or `[` in column 0 (a truncated
    /// value runs into the next one, which then breaks it), else the first such line after the
    /// error. Lines skipped in between belong to the broken value and are only salvaged.
    fn resume_point(&self, start_line: u32, error_line: u32) -> Option<usize> {
        let starts_value =
            |s: &usize| matches!(self.text.as_bytes().get(*s), Some(b'{') | Some(b'['));
        let first = usize::try_from(start_line).ok()?;
        let upto = usize::try_from(error_line).ok()?;
        let upto = upto.min(self.starts.len());
        let before = self
            .starts
            .get(first.min(upto)..upto)
            .unwrap_or(&[])
            .iter()
            .rev()
            .copied()
            .find(starts_value);
        before.or_else(|| self.starts.iter().skip(upto).copied().find(starts_value))
    }

    /// Complete item objects inside a broken value; returns how many were taken.
    fn salvage(&self, span: Span, shape: &Shape<'_>, items: &mut Vec<Item>) -> usize {
        let mut taken: Vec<Span> = Vec::new();
        for s in object_ranges(self.text, span.start, span.end) {
            if taken.iter().any(|t| t.start >= s.start && t.end <= s.end) {
                continue;
            }
            let Some(Ok(Value::Object(obj))) = self
                .text
                .get(s.start..s.end)
                .map(serde_json::from_str::<Value>)
            else {
                continue;
            };
            if (shape.is_item)(&obj) {
                taken.push(s);
                items.push(Item {
                    obj,
                    span: s,
                    wrapper: None,
                });
            }
        }
        taken.len()
    }
}

/// serde_json's error reduced to a category (its message may quote input).
pub(crate) fn error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "JSON ends early (truncated?)",
        serde_json::error::Category::Syntax => "invalid JSON syntax",
        serde_json::error::Category::Data => "unexpected JSON data",
        serde_json::error::Category::Io => "JSON could not be read",
    }
}

/// Whether `"key"` followed by `:` occurs in `text` (a cheap textual test for sniffing).
pub(crate) fn has_key(text: &str, key: &str) -> bool {
    key_value_after(text, key).is_some()
}

/// The text right after `"key":` (whitespace skipped), for the first occurrence that is a key.
pub(crate) fn key_value_after<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let needle = format!("\"{key}\"");
    let mut at = 0;
    while let Some(found) = text.get(at..).and_then(|h| h.find(&needle)) {
        let pos = at + found + needle.len();
        let after = text.get(pos..).unwrap_or("").trim_start();
        if let Some(value) = after.strip_prefix(':') {
            return Some(value.trim_start());
        }
        at = pos;
    }
    None
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    pos
}

/// Byte position of the top-level key `key` of the JSON object in `span` (keys of nested objects
/// are not matched). The key text is compared as written, without unescaping.
pub(crate) fn top_key_pos(text: &str, span: Span, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let end = span.end.min(bytes.len());
    let mut depth = 0usize;
    let mut i = span.start;
    let mut expect_key = false;
    while i < end {
        let b = *bytes.get(i)?;
        match b {
            b'"' => {
                let close = string_end(bytes, i, end)?;
                if depth == 1 && expect_key {
                    if bytes.get(i + 1..close) == Some(key.as_bytes()) {
                        return Some(i);
                    }
                    expect_key = false;
                }
                i = close;
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && b == b'{';
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return None;
                }
            }
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the closing quote of the string opening at `open`.
fn string_end(bytes: &[u8], open: usize, end: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < end {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Spans of every JSON object that closes in `text[start..end]` (innermost first), scanning
/// strings correctly.
fn object_ranges(text: &str, start: usize, end: usize) -> Vec<Span> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut ranges = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut i = start;
    while i < end {
        match bytes.get(i).copied().unwrap_or(b' ') {
            b'"' => match string_end(bytes, i, end) {
                Some(close) => i = close,
                None => break,
            },
            b @ (b'{' | b'[') => stack.push((b, i)),
            b @ (b'}' | b']') => {
                if let Some((open, at)) = stack.pop() {
                    if open == b'{' && b == b'}' {
                        ranges.push(Span {
                            start: at,
                            end: i + 1,
                        });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    ranges
}

/// Spans of the elements of the JSON array that starts at or after `from`, in order; each span
/// runs from the element's first byte to the `,` or `]` after it.
fn array_elements(text: &str, from: usize, end: usize) -> Vec<Span> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut elements = Vec::new();
    let Some(open) = bytes
        .get(from..end)
        .and_then(|b| b.iter().position(|c| *c == b'['))
        .map(|p| from + p)
    else {
        return elements;
    };
    let mut depth = 0usize;
    let mut current: Option<usize> = None;
    let mut i = open + 1;
    while i < end {
        let b = bytes.get(i).copied().unwrap_or(b' ');
        if depth == 0 && current.is_none() && !b.is_ascii_whitespace() && b != b']' && b != b',' {
            current = Some(i);
        }
        match b {
            b'"' => match string_end(bytes, i, end) {
                Some(close) => i = close,
                None => break,
            },
            b'{' | b'[' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b']' if depth == 0 => {
                if let Some(s) = current.take() {
                    elements.push(Span { start: s, end: i });
                }
                break;
            }
            b']' => depth -= 1,
            b',' if depth == 0 => {
                if let Some(s) = current.take() {
                    elements.push(Span { start: s, end: i });
                }
            }
            _ => {}
        }
        i += 1;
    }
    elements
}

// ---- typed field access with located problems ----

/// A field read: absent, JSON `null`, a value of the expected type, or a value of another type.
pub(crate) enum Field<T> {
    Absent,
    Null,
    Ok(T),
    WrongType,
}

pub(crate) fn str_field<'m>(obj: &'m Map<String, Value>, key: &str) -> Field<&'m str> {
    match obj.get(key) {
        None => Field::Absent,
        Some(Value::Null) => Field::Null,
        Some(Value::String(s)) => Field::Ok(s.as_str()),
        Some(_) => Field::WrongType,
    }
}

pub(crate) fn bool_field(obj: &Map<String, Value>, key: &str) -> Field<bool> {
    match obj.get(key) {
        None => Field::Absent,
        Some(Value::Null) => Field::Null,
        Some(Value::Bool(b)) => Field::Ok(*b),
        // Some exporters (GAM CSV turned JSON, PowerShell) write booleans as strings.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Field::Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Field::Ok(false),
        Some(_) => Field::WrongType,
    }
}

/// A numeric id (JSON number or digit string) as its decimal text.
pub(crate) fn id_field(obj: &Map<String, Value>, key: &str) -> Field<String> {
    match obj.get(key) {
        None => Field::Absent,
        Some(Value::Null) => Field::Null,
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Field::Ok(n.to_string()),
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Field::Ok(s.clone())
        }
        Some(_) => Field::WrongType,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_items(text: &str) -> (Vec<Item>, Output) {
        let is_item = |o: &Map<String, Value>| o.contains_key("codeId");
        let shape = Shape {
            list_keys: &["items"],
            is_item: &is_item,
            what: "test items",
        };
        let doc = Doc::new("f.json", text);
        let mut out = Output::default();
        let items = doc.items(&shape, &mut out);
        (items, out)
    }

    #[test]
    fn spans_and_key_lines() {
        let text = "{\n \"items\": [\n  {\"owner\": {\"codeId\": 9},\n   \"codeId\": 1},\n  {\"codeId\": 2}\n ]\n}\n";
        let (items, out) = shape_items(text);
        assert!(out.diagnostics.is_empty());
        assert_eq!(items.len(), 2);
        let doc = Doc::new("f.json", text);
        // The nested `codeId` of `owner` (line 3) is not the item's key (line 4).
        assert_eq!(doc.key_line(items[0].span, "codeId"), 4);
        assert_eq!(doc.key_line(items[1].span, "codeId"), 5);
    }

    #[test]
    fn truncated_value_is_salvaged_and_reading_resumes() {
        let text = "[\n{\"codeId\": 1},\n{\"codeId\": 2, \"x\": \n{\"codeId\": 3}\n";
        let (items, out) = shape_items(text);
        // Item 1 is salvaged from the broken array; `{"codeId": 3}` at column 0 is read again.
        let ids: Vec<_> = items.iter().map(|i| i.obj["codeId"].to_string()).collect();
        assert!(ids.contains(&"1".to_string()));
        assert!(ids.contains(&"3".to_string()));
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].severity, Severity::Error);
    }

    #[test]
    fn pages_of_arrays_and_json_lines() {
        let (items, out) = shape_items("[[{\"codeId\":1}],[{\"codeId\":2}]]\n{\"codeId\":3}\n");
        assert_eq!(items.len(), 3);
        assert!(out.diagnostics.is_empty());
        let (items, out) = shape_items("[1, \"x\"]");
        assert!(items.is_empty());
        assert_eq!(out.diagnostics.len(), 2);
    }
}
