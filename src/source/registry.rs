//! The file-source registry: what every source may look at before it claims a file (`Sniff`,
//! computed once per file), what a claimed file's parser receives (`ParseInput`), the
//! `FileSource` trait, and `FILE_SOURCES`, the one table of file sources in precedence order.
//!
//! Owns: which source reads a file, the per-file panic boundary, and running the cross-file
//! joins after the crawl. Not here: the formats themselves (each source's module), host trees
//! (a directory unit, `linux`) and live directories (a network unit, `directory::live`), which
//! keep their own small paths in `scan`.
//!
//! Adding a file source: write its module, add one line to `FILE_SOURCES` (where its precedence
//! belongs) and, if its accounts live in a new family of system, one `SourceKind` variant.

use super::secrets::Extractors;
use super::{Output, SourceOptions};
use crate::diag::Diagnostic;
use crate::inventory::{IssuedBasis, Record, When};
use std::cell::OnceCell;

/// How much of a file sniffers look at, at each end.
pub const SNIFF_WINDOW: usize = 4096;

/// What every file source may look at to decide whether a file is its own, computed once per
/// file. Sniffers must stay cheap: they run on every file of a crawl.
pub struct Sniff<'a> {
    /// The file relative to the scan root, forward slashes.
    pub uri: &'a str,
    /// The whole decoded text (the BOM already removed, UTF-16 decoded).
    pub text: &'a str,
    /// The first `SNIFF_WINDOW` bytes of `text` (cut at a char boundary).
    pub head: &'a str,
    lower: OnceCell<String>,
    /// The scan's source options, for sources whose claims depend on configuration (ticket
    /// exports named by a glob); `None` in tests that build a `Sniff` alone.
    options: Option<&'a SourceOptions>,
}

impl<'a> Sniff<'a> {
    pub fn new(uri: &'a str, text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Sniff {
            uri,
            text,
            head: prefix(text, SNIFF_WINDOW),
            lower: OnceCell::new(),
            options: None,
        }
    }

    /// The same file, with the scan's source options.
    pub fn with_options(mut self, options: &'a SourceOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// The scan's source options, when known.
    pub fn options(&self) -> Option<&'a SourceOptions> {
        self.options
    }

    /// The head with leading whitespace removed.
    pub fn body_head(&self) -> &'a str {
        self.head.trim_start()
    }

    /// The last `SNIFF_WINDOW` bytes of the text (cut at a char boundary).
    pub fn tail(&self) -> &'a str {
        let mut start = self.text.len().saturating_sub(SNIFF_WINDOW);
        while !self.text.is_char_boundary(start) {
            start += 1;
        }
        self.text.get(start..).unwrap_or("")
    }

    /// Whether the head is the whole file.
    pub fn is_whole(&self) -> bool {
        self.head.len() == self.text.len()
    }

    /// The text starts (after whitespace) with `{` or `[`.
    pub fn looks_like_json(&self) -> bool {
        let t = self.body_head();
        t.starts_with('{') || t.starts_with('[')
    }

    /// The head (leading whitespace removed), lower-cased, built once and only when asked.
    pub fn lower_head(&self) -> &str {
        self.lower
            .get_or_init(|| self.body_head().to_ascii_lowercase())
    }

    /// The file name (the last path segment).
    pub fn file_name(&self) -> &'a str {
        self.uri.rsplit('/').next().unwrap_or(self.uri)
    }
}

/// At most the first `max` bytes of `text`, cut at a char boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// What a claimed file's parser receives.
pub struct ParseInput<'a> {
    pub uri: &'a str,
    pub text: &'a str,
    /// The file's modification time (from the file system or a host manifest).
    pub modified: When,
    pub options: &'a SourceOptions,
    /// The secret extractors, for sources that also scan their text for copied secrets.
    pub extractors: &'a Extractors,
}

impl ParseInput<'_> {
    /// Runs the secret extractors over the whole text, dating what they find by the file time.
    pub fn scan_secrets(&self) -> Output {
        self.extractors.scan(
            self.uri,
            self.text,
            self.modified,
            IssuedBasis::FileModified,
            self.options,
        )
    }
}

/// A claimed file's parser: the source's own kind of file stays inside the closure.
pub type Claim<'s> = Box<dyn FnOnce(&ParseInput<'_>) -> Output + 's>;

/// A source of records read from single files.
pub trait FileSource: Sync {
    /// Short name, for `-v`, tests and diagnostics (`aws`, `entra`, ...).
    fn name(&self) -> &'static str;

    /// A parser for the file when it is this source's, else `None`. Claims decide by content.
    fn claim<'s>(&'s self, file: &Sniff<'_>) -> Option<Claim<'s>>;

    /// Runs once after every file is parsed, over all records of the scan (cross-file joins).
    fn join(&self, _records: &mut Vec<Record>) {}
}

/// Most file sources: a sniffer that names the source's kind of file, and a reader of that kind.
/// The kind stays inside the claim; sources whose files carry no dates of their own set
/// `dated_by_file_time`, and their undated credentials take the file's time.
pub struct BySniff<K: 'static> {
    pub name: &'static str,
    pub sniff: fn(&Sniff<'_>) -> Option<K>,
    pub read: fn(K, &ParseInput<'_>) -> Output,
    /// The source's cross-file join (`no_join` when it has none).
    pub join: fn(&mut Vec<Record>),
    pub dated_by_file_time: bool,
}

impl<K: Copy + 'static> FileSource for BySniff<K> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn claim<'s>(&'s self, file: &Sniff<'_>) -> Option<Claim<'s>> {
        let kind = (self.sniff)(file)?;
        Some(Box::new(move |input| {
            let mut out = (self.read)(kind, input);
            if self.dated_by_file_time {
                date_undated(&mut out, input.modified);
            }
            out
        }))
    }

    fn join(&self, records: &mut Vec<Record>) {
        (self.join)(records);
    }
}

/// The join of a source that has none.
pub fn no_join(_records: &mut Vec<Record>) {}

/// Every file source, in precedence order: the first that claims a file reads it. The order
/// matters where formats overlap (an LDIF comment may mention JSON keys; a JSON export of one
/// product may carry another product's field names): the more specific format comes first. The
/// secret extractors come last and read every file no other source claimed.
pub static FILE_SOURCES: &[&dyn FileSource] = &[
    &super::directory::LdifSource,
    &super::bloodhound::SOURCE,
    &super::roles::SOURCE,
    &super::cloudtrail::SOURCE,
    &super::tickets::SOURCE,
    &super::aws::SOURCE,
    &super::entra::SOURCE,
    &super::okta::SOURCE,
    &super::google::SOURCE,
    &super::github::SOURCE,
    &super::vault::SOURCE,
    &super::kubernetes::SOURCE,
    &super::winevents::SOURCE,
    &super::windows::SOURCE,
    &super::stores::SOURCE,
    &super::credfiles::SOURCE,
    &super::netdev::SOURCE,
    &super::secrets::ConfigTextSource,
];

/// Reads one file with the first source that claims it. A panic inside a parser becomes a
/// located diagnostic for that file, and the scan goes on.
pub fn parse_file(
    uri: &str,
    text: &str,
    modified: When,
    options: &SourceOptions,
    extractors: &Extractors,
) -> Output {
    guarded(uri, || {
        let sniff = Sniff::new(uri, text).with_options(options);
        let input = ParseInput {
            uri,
            text: sniff.text,
            modified,
            options,
            extractors,
        };
        FILE_SOURCES
            .iter()
            .find_map(|s| s.claim(&sniff))
            .map(|parse| parse(&input))
            .unwrap_or_default()
    })
}

/// Runs one file's parse; a panic (a bug, never meant to happen) becomes a located diagnostic
/// for that file, as the live LDAP threads' join does for a directory.
fn guarded(uri: &str, parse: impl FnOnce() -> Output) -> Output {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(out) => out,
        Err(_) => Output {
            records: Vec::new(),
            diagnostics: vec![Diagnostic::unreadable(
                uri,
                "internal error while reading this file; it was skipped (please report this)",
            )],
        },
    }
}

/// Runs every source's cross-file join, in table order.
pub fn join_all(records: &mut Vec<Record>) {
    for source in FILE_SOURCES {
        source.join(records);
    }
}

/// Gives credentials found in a file without a date of their own the file's modification time
/// (credential files and Kubernetes objects carry no creation time).
fn date_undated(out: &mut Output, modified: When) {
    if !modified.is_known() {
        return;
    }
    for r in &mut out.records {
        if let Record::Credential(c) = r {
            if c.issued == When::Unknown && c.issued_basis == IssuedBasis::Unknown {
                c.issued = modified;
                c.issued_basis = IssuedBasis::FileModified;
            }
        }
    }
}

/// The names of the sources that would claim a file, in table order (tests, `-v`).
pub fn claimants(uri: &str, text: &str) -> Vec<&'static str> {
    let sniff = Sniff::new(uri, text);
    FILE_SOURCES
        .iter()
        .filter(|s| s.claim(&sniff).is_some())
        .map(|s| s.name())
        .collect()
}

#[cfg(test)]
mod tests;
