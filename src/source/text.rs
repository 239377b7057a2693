//! The one text toolkit every source adapter shares: byte offset to 1-based line number
//! ([`LineIndex`]), a character-safe prefix for sniff windows ([`prefix`]), numbered lines that
//! tolerate CRLF ([`numbered_lines`]) and the host of a URL ([`url_host`]).
//!
//! It owns nothing format-specific: JSON reading is `source::json`, BOM handling is
//! `source::decode_text`. Before this module each adapter kept its own copy of these helpers (six
//! line indexes, seven prefixes); see issue 7.

use std::cell::OnceCell;

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
