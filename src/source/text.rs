//! The one text toolkit every source adapter shares: byte offset to 1-based line number
//! ([`LineIndex`]), a character-safe prefix for sniff windows ([`prefix`]), numbered lines that
//! tolerate CRLF ([`numbered_lines`]), the host of a URL ([`url_host`]) and the check that a CSV
//! export was cut mid-row ([`CsvCut`]).
//!
//! It owns nothing format-specific: JSON reading is `source::json`, BOM handling is
//! `source::decode_text`. Before this module each adapter kept its own copy of these helpers (six
//! line indexes, seven prefixes); see issue 7.

use std::cell::OnceCell;

/// Whether a CSV export ends in the middle of a row (issue 13: truncated exports were dropped
/// silently). Each reader feeds it its records; at the end, a file with no newline after its last
/// row is cut when that row has fewer fields than the header or ends inside a quoted field. A last
/// row that merely lacks its newline is complete and not reported; a header-only file is not cut.
pub struct CsvCut {
    header: usize,
    /// The last non-empty record: its line, field count and byte offset in the text.
    last: Option<(u32, usize, usize)>,
}

impl CsvCut {
    /// The message every CSV reader gives for a cut file.
    pub const MESSAGE: &'static str =
        "the file ends in the middle of a row (truncated?): the rows before it were read, any after it are missing";

    /// A check for a file whose header has `header` fields.
    pub fn new(header: usize) -> Self {
        CsvCut { header, last: None }
    }

    /// Notes one record at `line` (blank records are ignored).
    pub fn see(&mut self, record: &csv::StringRecord, line: u32) {
        if record.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        let at = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(0);
        self.last = Some((line, record.len(), at));
    }

    /// The line of the cut row, when `text` (what the reader read) was cut mid-row.
    pub fn cut(&self, text: &str) -> Option<u32> {
        if text.ends_with('\n') {
            return None;
        }
        let (line, fields, at) = self.last?;
        let tail = text.as_bytes().get(at..).unwrap_or_default();
        let open_quote = memchr::memchr_iter(b'"', tail).count() % 2 == 1;
        (fields < self.header || open_quote).then_some(line)
    }

    /// The located error for a cut file (the scan is incomplete), if `text` was cut.
    pub fn diagnostic(&self, path: &str, text: &str) -> Option<crate::diag::Diagnostic> {
        self.cut(text)
            .map(|line| crate::diag::Diagnostic::unparseable(path, Some(line), Self::MESSAGE))
    }
}

/// Maps byte offsets of one text to 1-based line numbers. The index of line starts is built on
/// first use, so a file that never needs a line (most files a secret scan reads) costs nothing.
pub struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of the start of every line (the first is 0).
    starts: OnceCell<Vec<usize>>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        LineIndex {
            text,
            starts: OnceCell::new(),
        }
    }

    fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1));
            starts
        })
    }

    /// The text this index is of.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// 1-based line of a byte offset (an offset past the end is on the last line).
    pub fn line_of(&self, byte: usize) -> u32 {
        let line = self.starts().partition_point(|&s| s <= byte);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }

    /// Byte offset where the 1-based `line` starts, if the text has it.
    pub fn start_of(&self, line: u32) -> Option<usize> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        self.starts().get(index).copied()
    }

    /// How many lines the text has (a text without newline has one).
    pub fn count(&self) -> u32 {
        u32::try_from(self.starts().len()).unwrap_or(u32::MAX)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: u32) -> Option<&'t str> {
        let start = self.start_of(line)?;
        let end = self
            .start_of(line.saturating_add(1))
            .map_or(self.text.len(), |next| next - 1);
        let l = self.text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

/// The first `max` bytes of `text`, cut back to a character boundary.
pub fn prefix(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Iterates lines with 1-based numbers, tolerating CRLF.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n').enumerate().map(|(i, l)| {
        (
            u32::try_from(i + 1).unwrap_or(u32::MAX),
            l.strip_suffix('\r').unwrap_or(l),
        )
    })
}

/// The host of an `https://host/...` URL, lower-cased, without port or credentials.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::CsvCut;

    /// The cut line of a CSV text, fed the way the readers feed [`CsvCut`].
    fn cut_of(text: &str) -> Option<u32> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().unwrap().len();
        let mut cut = CsvCut::new(header);
        for r in reader.records() {
            let r = r.unwrap();
            let line = r.position().unwrap().line() as u32;
            cut.see(&r, line);
        }
        cut.cut(text)
    }

    #[test]
    fn csv_cut_mid_row() {
        let full = "user,arn,created\nalice,arn:a,2026-01-01\nbob,arn:b,2026-02-01\n";
        assert_eq!(cut_of(full), None);
        // The last row without its newline is complete.
        assert_eq!(cut_of(full.trim_end()), None);
        // Header only, with and without a newline; empty.
        assert_eq!(cut_of("user,arn,created\n"), None);
        assert_eq!(cut_of("user,arn,created"), None);
        assert_eq!(cut_of(""), None);
        // Cut in the second field of the last row.
        assert_eq!(
            cut_of("user,arn,created\nalice,arn:a,2026-01-01\nbob,ar"),
            Some(3)
        );
        // Cut in the last field, inside quotes.
        assert_eq!(
            cut_of("user,arn,created\nalice,arn:a,\"2026-01-01\"\nbob,arn:b,\"2026-0"),
            Some(3)
        );
        // An escaped quote is not an open one.
        assert_eq!(cut_of("user,note\nalice,\"say \"\"hi\"\"\""), None);
        // Blank lines at the end after a full row.
        assert_eq!(cut_of("user,arn\nalice,arn:a\n\n"), None);
    }

    use super::*;

    #[test]
    fn lines_of_offsets() {
        let text = "ab\ncd\r\n\nlast";
        let li = LineIndex::new(text);
        assert_eq!(li.line_of(0), 1);
        assert_eq!(li.line_of(2), 1, "the newline belongs to its line");
        assert_eq!(li.line_of(3), 2);
        assert_eq!(li.line_of(7), 3);
        assert_eq!(li.line_of(8), 4);
        assert_eq!(li.line_of(10_000), 4);
        assert_eq!(li.count(), 4);
        assert_eq!(li.start_of(2), Some(3));
        assert_eq!(li.start_of(0), None);
        assert_eq!(li.start_of(5), None);
        assert_eq!(li.line(2), Some("cd"));
        assert_eq!(li.line(3), Some(""));
        assert_eq!(li.line(4), Some("last"));
        assert_eq!(li.line(5), None);
        let empty = LineIndex::new("");
        assert_eq!((empty.line_of(0), empty.count()), (1, 1));
    }

    #[test]
    fn prefix_cuts_at_a_character_boundary() {
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(prefix("abc", 10), "abc");
        assert_eq!(prefix("", 4), "");
    }

    #[test]
    fn numbered_lines_strip_cr() {
        let got: Vec<_> = numbered_lines("a\r\nb\n").collect();
        assert_eq!(got, [(1, "a"), (2, "b"), (3, "")]);
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://u:p@Example.okta.com:443/api"),
            Some("example.okta.com".into())
        );
        assert_eq!(url_host("nope"), None);
        assert_eq!(url_host("https:///x"), None);
    }
}
