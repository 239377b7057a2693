//! Source adapters: each turns collected input into inventory records and diagnostics.
//!
//! Adapters never panic and never print. A malformed line becomes a located `Diagnostic` and the
//! adapter goes on; an unusable file becomes one `Diagnostic` of severity error.
//!
//! What lives here: the `Output` every adapter returns, and the adapters themselves
//! (`linux` host trees, `aws` IAM exports, `secrets` in config files). Discovery (which file goes
//! to which adapter) is in `discover`.

pub mod aws;
pub mod bloodhound;
pub mod cloudtrail;
pub mod credfiles;
pub mod directory;
pub mod entra;
pub mod github;
pub mod google;
pub mod ids;
pub mod json;
pub mod kubernetes;
pub mod linux;
pub mod netdev;
pub mod okta;
pub mod options;
pub mod registry;
pub mod roles;
pub mod secret_id;
pub mod secrets;
pub mod stores;
#[cfg(test)]
pub(crate) mod testing;
pub mod text;
pub mod tickets;
pub mod time;
pub mod values;
pub mod vault;
pub mod windows;
pub mod winevents;

use crate::diag::Diagnostic;
use crate::inventory::Record;
pub use options::SourceOptions;
pub use text::numbered_lines;

/// What an adapter produced from one input.
#[derive(Debug, Default)]
pub struct Output {
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Output {
    pub fn record(&mut self, record: Record) {
        self.records.push(record);
    }

    pub fn diag(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Appends `other`; into an empty output it moves the vectors instead of copying them (a
    /// live directory's 100,000 records are moved twice on their way to the scan).
    pub fn extend(&mut self, other: Output) {
        if self.records.is_empty() {
            self.records = other.records;
        } else {
            self.records.extend(other.records);
        }
        if self.diagnostics.is_empty() {
            self.diagnostics = other.diagnostics;
        } else {
            self.diagnostics.extend(other.diagnostics);
        }
    }
}

/// UTF-16 text without a byte-order mark (PowerShell's `Out-File -Encoding Unicode` without a
/// BOM, `iconv -t UTF-16LE`): `Some(true)` for little-endian, `Some(false)` for big-endian, told
/// by the NUL-byte pattern of mostly-ASCII text in the first 512 bytes (at least nine pairs in
/// ten with exactly one NUL, on the same side). Text without NULs is never UTF-16 here.
pub fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let head = &bytes[..bytes.len().min(512) & !1];
    let pairs = head.len() / 2;
    // UTF-16 of ASCII has a NUL in its first pair; UTF-8 text never does.
    if pairs < 2 || (head[0] != 0 && head[1] != 0) {
        return None;
    }
    let (mut le, mut be) = (0usize, 0usize);
    for c in head.chunks_exact(2) {
        match (c[0] == 0, c[1] == 0) {
            (false, true) => le += 1,
            (true, false) => be += 1,
            (true, true) => return None,
            (false, false) => {}
        }
    }
    if le * 10 >= pairs * 9 {
        Some(true)
    } else if be * 10 >= pairs * 9 {
        Some(false)
    } else {
        None
    }
}

/// Where a file that is neither UTF-16 nor valid UTF-8 first breaks: the located note for it
/// (issue 13: invalid bytes were replaced silently). `decode_text` replaced them with U+FFFD and
/// the parsers read on; the note says which line may hold wrong values.
pub fn invalid_utf8(path: &str, bytes: &[u8]) -> Option<crate::diag::Diagnostic> {
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if body.starts_with(&[0xFF, 0xFE])
        || body.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(body).is_some()
    {
        return None;
    }
    let err = std::str::from_utf8(body).err()?;
    let before = &body[..err.valid_up_to()];
    let line =
        1 + u32::try_from(memchr::memchr_iter(b'\n', before).count()).unwrap_or(u32::MAX - 1);
    Some(crate::diag::Diagnostic::malformed(
        path,
        line,
        "invalid UTF-8 from this line on: the bytes were replaced with U+FFFD and the file was read on; values there may be wrong",
    ))
}

/// Decodes input text: strips a UTF-8 BOM, decodes UTF-16 with a BOM (PowerShell and Windows
/// exports), and replaces invalid UTF-8 sequences. Line endings are left to the parsers, which
/// accept CRLF.
pub fn decode_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest);
    }
    let utf16 = |le: bool, rest: &[u8]| {
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        Cow::Owned(
            char::decode_utf16(units)
                .map(|r| r.unwrap_or('\u{FFFD}'))
                .collect(),
        )
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, rest);
    }
    if let Some(le) = utf16_without_bom(bytes) {
        return utf16(le, bytes);
    }
    // Valid UTF-8 is the common case and `from_utf8` checks it several times faster than the
    // lossy decoder (measured in benches: about 15% of a scan).
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}
