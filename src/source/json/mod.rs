//! The one located JSON reader every JSON-reading source uses (Entra, Okta, Google Workspace,
//! GitHub, AWS listings and the credential-report wrapper, Vault).
//!
//! Owns:
//! - the positioned tree ([`tree`]): every value and key keeps its byte offset, a file is a
//!   stream of top-level values, a broken value keeps its complete children and reading resumes
//!   at the next top-level value;
//! - [`Doc`]: one file parsed once, with its path and line index, the line of any node or key,
//!   and the one broken-input policy ([`Doc::report_breaks`]);
//! - the walk from response objects to items ([`items`]: list keys, bare arrays, pages of arrays,
//!   wrapper objects);
//! - typed field readers with one wording for their problems ([`field`]);
//! - cheap textual sniff helpers ([`has_key`], [`key_value_after`]; whether a file starts like
//!   JSON is `registry::Sniff::looks_like_json`).
//!
//! It does not know any source's fields: adapters classify items and build records.
//!
//! **Broken input, one policy for every source:** a JSON value that breaks (invalid syntax, a
//! truncated file, nesting too deep) is an error diagnostic of kind `malformed` at the line of the
//! break, so the scan is incomplete (exit 3); every complete item before the break is still used,
//! and reading goes on at the next top-level value. Diagnostics never quote the input.
//!
//! Why our own parser and not serde_json or jsonc-parser: evidence needs the line of every item
//! and key, and recovery needs the complete part of a broken value; serde_json keeps neither,
//! and the resynchronisation policy would be ours either way.

pub(crate) mod field;
pub(crate) mod items;
pub(crate) mod tree;

pub(crate) use field::Field;
pub(crate) use items::{Item, Shape};
pub(crate) use tree::{JsonError, Member, Node, Val};

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use crate::source::text::LineIndex;
use crate::source::Output;

/// One JSON file read once: its path (relative to the scan root), line index, top-level
/// values and the breaks met.
pub(crate) struct Doc<'a> {
    pub(crate) path: &'a str,
    pub(crate) lines: LineIndex<'a>,
    pub(crate) values: Vec<Node<'a>>,
    pub(crate) errors: Vec<JsonError>,
}

impl<'a> Doc<'a> {
    /// Parses `text` (every top-level value; never fails as a whole).
    pub(crate) fn parse(path: &'a str, text: &'a str) -> Self {
        let (values, errors) = tree::parse_stream(text);
        Doc {
            path,
            lines: LineIndex::new(text),
            values,
            errors,
        }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_at(&self, byte: usize) -> u32 {
        self.lines.line_of(byte)
    }

    /// The line where `node` starts.
    pub(crate) fn line(&self, node: &Node<'_>) -> u32 {
        self.line_at(node.at)
    }

    /// Evidence at the line where `node` starts.
    pub(crate) fn evidence(&self, node: &Node<'_>) -> Evidence {
        Evidence::at(self.path, self.line(node))
    }

    /// The line of the key `key` of the object `obj` (exact spelling), else the object's first
    /// line.
    pub(crate) fn key_line(&self, obj: &Node<'_>, key: &str) -> u32 {
        self.line_at(obj.member(key).map_or(obj.at, |m| m.key_at))
    }

    /// The earliest line among the keys `keys` present in `obj`, else its first line (the line of
    /// an item's id).
    pub(crate) fn id_line(&self, obj: &Node<'_>, keys: &[&str]) -> u32 {
        keys.iter()
            .filter_map(|k| obj.member(k).map(|m| m.key_at))
            .min()
            .map_or_else(|| self.line(obj), |p| self.line_at(p))
    }

    /// A malformed-input warning at the line of `key` in the object `obj`.
    pub(crate) fn malformed_at(
        &self,
        obj: &Node<'_>,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::malformed(self.path, self.key_line(obj, key), message)
    }

    /// The one broken-input policy: each break becomes an error (the scan is incomplete) at the
    /// line of the break. Call once per file.
    pub(crate) fn report_breaks(&self, out: &mut Output) {
        for e in &self.errors {
            out.diag(broken(self.path, &self.lines, e));
        }
    }
}

/// The diagnostic of one break, in the one wording: what broke, where the broken value started,
/// and that what came before the break was used.
pub(crate) fn broken(path: &str, lines: &LineIndex<'_>, e: &JsonError) -> Diagnostic {
    let start = lines.line_of(e.value_at);
    Diagnostic::new(
        DiagKind::Malformed,
        Severity::Error,
        Evidence::at(path, lines.line_of(e.at)),
        format!(
            "{}; the JSON value starting at line {start} was read only up to here (complete \
             items before this point were used)",
            e.kind
        ),
    )
}

/// serde_json's error reduced to one of the reader's categories (its message may quote input).
/// For the few places that still deserialise with serde_json (Kubernetes manifests).
pub(crate) fn serde_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => tree::EOF,
        // serde_json's recursion limit (128) is a syntax error to it; say what it is.
        serde_json::error::Category::Syntax
            if e.to_string().starts_with("recursion limit exceeded") =>
        {
            tree::TOO_DEEP
        }
        serde_json::error::Category::Syntax => tree::SYNTAX,
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

#[cfg(test)]
mod tests;
