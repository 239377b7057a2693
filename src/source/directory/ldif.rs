//! A streaming RFC 2849 LDIF reader, for the files `ldapsearch` (`-LLL`, `-LL`, plain with its
//! `# extended LDIF` / `# search result` / `# numEntries` comments, `-o ldif_wrap=no`) and
//! Windows `ldifde` write.
//!
//! Owns the syntax only: `version: 1`, `#` comments (folded ones too), folded lines (a line that
//! starts with ONE space continues the previous line, minus that space), `attr: value`,
//! `attr:: base64` (binary allowed), attribute options (`userCertificate;binary`,
//! `member;range=0-1499`), `dn::`, CRLF, one or more blank lines between entries, `changetype:`
//! records (`add` is read as an entry, as `ldifde` writes every entry; other change records are
//! skipped with a note), and the `search:`/`result:` trailer of plain `ldapsearch` (ignored; a
//! non-zero result code is reported as an incomplete export).
//!
//! `attr:< URL` is refused with a diagnostic: the reader never fetches a URL or opens a local
//! file named by its input. Memory is bounded by one entry at a time: `LdifReader` is an iterator
//! over any `BufRead`. Nothing here knows Active Directory or OpenLDAP attributes.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use base64::Engine;
use std::borrow::Cow;
use std::io::{BufRead, Read};

/// A logical line longer than this (after unfolding) is truncated with a diagnostic.
const MAX_LINE: usize = 16 << 20;
/// Diagnostics per file; the rest are counted in one summary diagnostic.
const MAX_DIAGS: usize = 200;

/// One attribute value and the 1-based line its `attr:` line starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub bytes: Vec<u8>,
    pub line: u32,
}

impl Value {
    /// The value as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// One attribute description with its values, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    /// As written, options included (`userCertificate;binary`).
    pub name: String,
    pub values: Vec<Value>,
}

impl Attr {
    /// The attribute type without options.
    pub fn base(&self) -> &str {
        self.name.split(';').next().unwrap_or("")
    }

    /// The options after `;` (`binary`, `range=0-1499`, language tags).
    pub fn options(&self) -> impl Iterator<Item = &str> {
        self.name.split(';').skip(1)
    }
}

#[cfg(test)]
thread_local! {
    /// Attribute types looked up on entries by this thread: a test checks them against the list
    /// a live search requests (`super::attributes`).
    pub(crate) static LOOKED_UP: std::cell::RefCell<std::collections::BTreeSet<String>> =
        std::cell::RefCell::default();
}

/// One directory entry.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Entry {
    pub dn: String,
    /// 1-based line of the `dn:` line.
    pub line: u32,
    pub attrs: Vec<Attr>,
}

impl Entry {
    /// Adds a value under `name` (grouped with earlier values of the same description,
    /// compared case-insensitively).
    pub fn push(&mut self, name: &str, value: Value) {
        match self
            .attrs
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        {
            Some(a) => a.values.push(value),
            None => self.attrs.push(Attr {
                name: name.to_string(),
                values: vec![value],
            }),
        }
    }

    /// The attributes of type `base` (case-insensitive, any options).
    pub fn attrs_of<'a>(&'a self, base: &'a str) -> impl Iterator<Item = &'a Attr> + 'a {
        #[cfg(test)]
        LOOKED_UP.with(|l| {
            l.borrow_mut().insert(base.to_ascii_lowercase());
        });
        // Hot path (dozens of lookups per entry): compare the name's prefix in place instead of
        // splitting off the options of every attribute.
        self.attrs.iter().filter(move |a| {
            let name = a.name.as_bytes();
            name.len() >= base.len()
                && (name.len() == base.len() || name[base.len()] == b';')
                && name[..base.len()].eq_ignore_ascii_case(base.as_bytes())
        })
    }

    /// All values of type `base` (case-insensitive, any options), in file order per description.
    pub fn values<'a>(&'a self, base: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.attrs_of(base).flat_map(|a| a.values.iter())
    }

    pub fn first<'a>(&'a self, base: &'a str) -> Option<&'a Value> {
        self.values(base).next()
    }

    pub fn has<'a>(&'a self, base: &'a str) -> bool {
        self.first(base).is_some()
    }

    /// Whether `objectClass` has `class` (case-insensitive).
    pub fn has_class(&self, class: &str) -> bool {
        self.values("objectClass").any(|v| {
            let b = v.bytes.as_slice();
            // ASCII without a vertical tab (which `str::trim` trims and `trim_ascii` keeps):
            // compared in place, without building the text.
            if b.is_ascii() && !b.contains(&0x0b) {
                b.trim_ascii().eq_ignore_ascii_case(class.as_bytes())
            } else {
                v.text().trim().eq_ignore_ascii_case(class)
            }
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Content,
}

struct Logical {
    bytes: Vec<u8>,
    line: u32,
    kind: Kind,
}

/// The value part of an `attr:` line.
#[derive(Debug, PartialEq, Eq)]
enum Spec<'a> {
    Plain(&'a [u8]),
    Base64(&'a [u8]),
    Url,
}

/// Splits a logical line into the attribute description and its value.
fn parse_line(bytes: &[u8]) -> Result<(&str, Spec<'_>), &'static str> {
    let colon = memchr::memchr(b':', bytes).ok_or("line is not `attribute: value` (no colon)")?;
    let name = bytes.get(..colon).unwrap_or_default();
    let valid = !name.is_empty()
        && name.first().is_some_and(u8::is_ascii_alphanumeric)
        && name.iter().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b';' | b'.' | b'=' | b'_' | b'*')
        });
    if !valid {
        return Err("invalid attribute name before the colon");
    }
    let name = std::str::from_utf8(name).map_err(|_| "invalid attribute name")?;
    let rest = bytes.get(colon + 1..).unwrap_or_default();
    let spec = match rest.first() {
        Some(b':') => Spec::Base64(rest.get(1..).unwrap_or_default()),
        Some(b'<') => Spec::Url,
        _ => {
            let start = rest.iter().take_while(|b| **b == b' ').count();
            Spec::Plain(rest.get(start..).unwrap_or_default())
        }
    };
    Ok((name, spec))
}

/// Decodes an LDIF base64 value (padding optional, embedded whitespace ignored).
pub fn decode_base64(raw: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&clean)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&clean))
        .ok()
}

/// Streams entries from LDIF; problems are collected as diagnostics (`take_diagnostics`).
pub struct LdifReader<R> {
    reader: R,
    path: String,
    line_no: u32,
    lookahead: Option<(Vec<u8>, u32)>,
    pushback: Option<Logical>,
    eof: bool,
    diags: Vec<Diagnostic>,
    emitted: usize,
    suppressed: usize,
    finished: bool,
    /// The last physical line ended without a newline (a file cut short).
    cut: Option<u32>,
    /// `ldapsearch` output (`# extended LDIF`) and whether its closing summary was seen.
    ldapsearch: bool,
    summary: bool,
}

impl<R: BufRead> LdifReader<R> {
    /// `path` is the evidence path (relative to the scan root) used in diagnostics.
    pub fn new(path: &str, reader: R) -> Self {
        LdifReader {
            reader,
            path: path.to_string(),
            line_no: 0,
            lookahead: None,
            pushback: None,
            eof: false,
            diags: Vec::new(),
            emitted: 0,
            suppressed: 0,
            finished: false,
            cut: None,
            ldapsearch: false,
            summary: false,
        }
    }

    /// The diagnostics collected since the last call.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diags)
    }

    fn diag(&mut self, d: Diagnostic) {
        if self.emitted < MAX_DIAGS {
            self.emitted += 1;
            self.diags.push(d);
        } else {
            self.suppressed += 1;
        }
    }

    fn malformed(&mut self, line: u32, msg: impl Into<String>) {
        let d = Diagnostic::malformed(&self.path, line, msg);
        self.diag(d);
    }

    fn read_phys(&mut self) -> Option<(Vec<u8>, u32)> {
        if self.eof {
            return None;
        }
        let mut buf = Vec::new();
        let limit = MAX_LINE as u64 + 1;
        match (&mut self.reader).take(limit).read_until(b'\n', &mut buf) {
            Ok(0) => {
                self.eof = true;
                None
            }
            Ok(_) => {
                self.line_no = self.line_no.saturating_add(1);
                if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
                    // Drop the rest of an absurdly long physical line.
                    let mut sink = Vec::new();
                    let mut ended = false;
                    loop {
                        sink.clear();
                        match (&mut self.reader)
                            .take(MAX_LINE as u64)
                            .read_until(b'\n', &mut sink)
                        {
                            Ok(0) | Err(_) => break,
                            Ok(_) if sink.last() == Some(&b'\n') => {
                                ended = true;
                                break;
                            }
                            Ok(_) => {}
                        }
                    }
                    buf.truncate(MAX_LINE);
                    // A long line that ends in a newline was not cut (issue 13's 100 MB
                    // value was reported as a truncated file).
                    if ended {
                        buf.push(b'\n');
                    }
                    let line = self.line_no;
                    self.malformed(line, "line longer than 16 MiB; truncated");
                }
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                } else if !buf.iter().all(u8::is_ascii_whitespace) {
                    self.cut = Some(self.line_no);
                }
                if self.line_no == 1 && buf.starts_with(b"# extended LDIF") {
                    self.ldapsearch = true;
                }
                if buf.starts_with(b"# numEntries:") || buf.starts_with(b"# numResponses:") {
                    self.summary = true;
                }
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
                if self.line_no == 1 {
                    if let Some(rest) = buf.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
                        buf = rest.to_vec();
                    }
                }
                Some((buf, self.line_no))
            }
            Err(e) => {
                self.eof = true;
                let d = Diagnostic::new(
                    DiagKind::Unreadable,
                    Severity::Error,
                    Evidence::at(&self.path, self.line_no.saturating_add(1)),
                    format!("read error: {}", e.kind()),
                );
                self.diag(d);
                None
            }
        }
    }

    /// The next logical line: continuation lines unfolded, comments (folded too) marked.
    fn next_logical(&mut self) -> Option<Logical> {
        if let Some(l) = self.pushback.take() {
            return Some(l);
        }
        loop {
            let (first, line) = match self.lookahead.take() {
                Some(p) => p,
                None => self.read_phys()?,
            };
            if first.is_empty() {
                return Some(Logical {
                    bytes: first,
                    line,
                    kind: Kind::Blank,
                });
            }
            if first.first() == Some(&b' ') {
                if first.iter().all(|b| *b == b' ' || *b == b'\t') {
                    return Some(Logical {
                        bytes: Vec::new(),
                        line,
                        kind: Kind::Blank,
                    });
                }
                self.malformed(line, "continuation line with no line to continue");
                continue;
            }
            let mut bytes = first;
            let mut truncated = false;
            loop {
                match self.read_phys() {
                    Some((p, _)) if p.first() == Some(&b' ') => {
                        let more = p.get(1..).unwrap_or_default();
                        if bytes.len().saturating_add(more.len()) <= MAX_LINE {
                            bytes.extend_from_slice(more);
                        } else {
                            truncated = true;
                        }
                    }
                    Some(p) => {
                        self.lookahead = Some(p);
                        break;
                    }
                    None => break,
                }
            }
            if truncated {
                self.malformed(line, "folded line longer than 16 MiB; truncated");
            }
            let kind = if bytes.first() == Some(&b'#') {
                Kind::Comment
            } else {
                Kind::Content
            };
            return Some(Logical { bytes, line, kind });
        }
    }

    /// Skips to the end of the current record.
    fn skip_record(&mut self) {
        while let Some(l) = self.next_logical() {
            if l.kind == Kind::Blank {
                return;
            }
        }
    }

    /// The `search:`/`result:` trailer of plain ldapsearch; a non-zero result means the
    /// server stopped early (size limit, no paging), so the export is incomplete.
    fn skip_trailer(&mut self, first: Logical) {
        let mut next = Some(first);
        while let Some(l) = next {
            if l.kind == Kind::Blank {
                return;
            }
            if let Ok((name, Spec::Plain(v))) = parse_line(&l.bytes) {
                if name.eq_ignore_ascii_case("result") {
                    let text = String::from_utf8_lossy(v);
                    let code = text.split_whitespace().next().unwrap_or("");
                    if code != "0" {
                        let reason: String = text
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                            .take(60)
                            .collect();
                        let d = Diagnostic::new(
                            DiagKind::Incomplete,
                            Severity::Warning,
                            Evidence::at(&self.path, l.line),
                            format!(
                                "ldapsearch ended with result {}: the export may be incomplete",
                                reason.trim()
                            ),
                        );
                        self.diag(d);
                    }
                }
            }
            next = self.next_logical();
        }
    }

    /// Reads the attribute lines of an entry whose `dn:` was just read. `None` for a change
    /// record other than `add` (skipped with a note).
    fn read_entry(&mut self, dn: String, line: u32) -> Option<Entry> {
        let mut entry = Entry {
            dn,
            line,
            attrs: Vec::new(),
        };
        let mut skipped = false;
        while let Some(l) = self.next_logical() {
            match l.kind {
                Kind::Blank => break,
                Kind::Comment => continue,
                Kind::Content => {}
            }
            let parsed = parse_line(&l.bytes);
            if matches!(&parsed, Ok((n, _)) if n.eq_ignore_ascii_case("dn")) {
                self.malformed(
                    l.line,
                    "dn: line without a blank line before it; read as a new entry",
                );
                self.pushback = Some(l);
                break;
            }
            if skipped {
                continue;
            }
            let (name, spec) = match parsed {
                Ok(p) => p,
                Err(why) => {
                    self.malformed(l.line, why);
                    continue;
                }
            };
            if name.eq_ignore_ascii_case("changetype") {
                let v = match spec {
                    Spec::Plain(v) => String::from_utf8_lossy(v).trim().to_ascii_lowercase(),
                    _ => String::new(),
                };
                if v != "add" {
                    skipped = true;
                    let kind: String = v
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .take(20)
                        .collect();
                    let d = Diagnostic::new(
                        DiagKind::Incomplete,
                        Severity::Note,
                        Evidence::at(&self.path, l.line),
                        format!(
                            "change record (changetype: {kind}) skipped; only entries are read"
                        ),
                    );
                    self.diag(d);
                }
                continue;
            }
            if name.eq_ignore_ascii_case("control") && entry.attrs.is_empty() {
                continue;
            }
            match spec {
                Spec::Plain(v) => entry.push(
                    name,
                    Value {
                        bytes: v.to_vec(),
                        line: l.line,
                    },
                ),
                Spec::Base64(raw) => match decode_base64(raw) {
                    Some(bytes) => entry.push(
                        name,
                        Value {
                            bytes,
                            line: l.line,
                        },
                    ),
                    None => {
                        let msg = format!("attribute {name}: invalid base64 value; value skipped");
                        self.malformed(l.line, msg);
                    }
                },
                Spec::Url => {
                    let d = Diagnostic::new(
                        DiagKind::Incomplete,
                        Severity::Warning,
                        Evidence::at(&self.path, l.line),
                        format!(
                            "attribute {name}: value given by URL reference (`:<`) is not fetched"
                        ),
                    );
                    self.diag(d);
                }
            }
        }
        if skipped {
            None
        } else {
            Some(entry)
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            // Tools end every line with a newline, and ldapsearch ends with a summary: without
            // them the export was cut short, and entries after the cut are missing.
            let truncated = match self.cut {
                Some(line) => Some((line, "the file ends in the middle of a line")),
                None if self.ldapsearch && !self.summary => Some((
                    self.line_no.max(1),
                    "ldapsearch output without its closing `# numEntries` summary",
                )),
                None => None,
            };
            if let Some((line, why)) = truncated {
                self.diags.push(Diagnostic::new(
                    DiagKind::Unparseable,
                    Severity::Error,
                    Evidence::at(&self.path, line),
                    format!("{why} (truncated?): the entries before it were read, any after it are missing"),
                ));
            }
            if self.suppressed > 0 {
                let d = Diagnostic::malformed(
                    &self.path,
                    self.line_no.max(1),
                    format!(
                        "{} further problems in this file not shown",
                        self.suppressed
                    ),
                );
                self.diags.push(d);
            }
        }
    }
}

impl<R: BufRead> Iterator for LdifReader<R> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        loop {
            let Some(l) = self.next_logical() else {
                self.finish();
                return None;
            };
            if l.kind != Kind::Content {
                continue;
            }
            let (name, spec) = match parse_line(&l.bytes) {
                Ok(p) => p,
                Err(why) => {
                    self.malformed(l.line, format!("{why}; record skipped"));
                    self.skip_record();
                    continue;
                }
            };
            // `version: 1` opens a file; concatenated exports repeat it between records.
            if name.eq_ignore_ascii_case("version") {
                let ok = matches!(spec, Spec::Plain(v) if v.trim_ascii() == b"1");
                if !ok {
                    self.malformed(l.line, "unsupported LDIF version (expected `version: 1`)");
                }
                continue;
            }
            if name.eq_ignore_ascii_case("dn") {
                let dn = match spec {
                    Spec::Plain(v) => String::from_utf8_lossy(v).trim_end().to_string(),
                    Spec::Base64(raw) => match decode_base64(raw) {
                        Some(b) => String::from_utf8_lossy(&b).into_owned(),
                        None => {
                            self.malformed(l.line, "dn:: is not valid base64; entry skipped");
                            self.skip_record();
                            continue;
                        }
                    },
                    Spec::Url => {
                        self.malformed(l.line, "dn given by URL reference; entry skipped");
                        self.skip_record();
                        continue;
                    }
                };
                if let Some(e) = self.read_entry(dn, l.line) {
                    return Some(e);
                }
                continue;
            }
            if name.eq_ignore_ascii_case("search")
                || name.eq_ignore_ascii_case("result")
                || name.eq_ignore_ascii_case("ref")
            {
                self.skip_trailer(l);
                continue;
            }
            let msg = format!("attribute {name} before the entry's dn: line; record skipped");
            self.malformed(l.line, msg);
            self.skip_record();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Entry>, Vec<Diagnostic>) {
        let mut r = LdifReader::new("x.ldif", text.as_bytes());
        let entries: Vec<Entry> = r.by_ref().collect();
        (entries, r.take_diagnostics())
    }

    fn val(e: &Entry, a: &str) -> Vec<String> {
        e.values(a).map(|v| v.text().into_owned()).collect()
    }

    /// Object classes match ignoring case and the spacing `str::trim` removes, the ASCII fast
    /// path included (a vertical tab, no-break space and invalid UTF-8 take the slow one).
    #[test]
    fn object_classes_match_as_trimmed_text() {
        let mut e = Entry {
            dn: "uid=a,dc=x".into(),
            line: 1,
            attrs: Vec::new(),
        };
        for (i, class) in [
            &b" inetOrgPerson "[..],
            b"Person\x0b",
            "\u{a0}posixAccount".as_bytes(),
            b"sh\xffadow",
        ]
        .into_iter()
        .enumerate()
        {
            e.push(
                "objectClass",
                Value {
                    bytes: class.to_vec(),
                    line: i as u32 + 2,
                },
            );
        }
        for class in ["inetorgperson", "person", "POSIXACCOUNT", "sh\u{fffd}adow"] {
            assert!(e.has_class(class), "{class}");
        }
        for class in ["organizationalPerson", "", "posix", "shadow"] {
            assert!(!e.has_class(class), "{class}");
        }
    }

    #[test]
    fn ldapsearch_lll_entries_and_lines() {
        let (e, d) = read("dn: uid=a,dc=x\nuid: a\nmail: a@x\n\n\ndn: uid=b,dc=x\nuid: b\n");
        assert!(d.is_empty());
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dn, "uid=a,dc=x");
        assert_eq!(e[0].line, 1);
        assert_eq!(e[1].line, 6);
        assert_eq!(val(&e[0], "MAIL"), ["a@x"]);
        assert_eq!(e[0].first("mail").unwrap().line, 3);
    }

    #[test]
    fn plain_ldapsearch_comments_version_and_trailer() {
        let text = "# extended LDIF\n#\n# LDAPv3\n# base <dc=x> with scope subtree\n# filter: (objectclass=*)\n# requesting: ALL\n#\n\nversion: 1\n\n# a, x\ndn: uid=a,dc=x\nuid: a\n\n# search result\nsearch: 2\nresult: 0 Success\n\n# numResponses: 2\n# numEntries: 1\n";
        let (e, d) = read(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e.len(), 1);
        assert_eq!(val(&e[0], "uid"), ["a"]);
    }

    #[test]
    fn version_directly_followed_by_dn() {
        let (e, d) = read("version: 1\ndn: cn=a\ncn: a\n");
        assert!(d.is_empty());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 2);
    }

    #[test]
    fn concatenated_exports_repeat_version() {
        let (e, d) = read("version: 1\n\ndn: cn=a\n\nversion: 1\n\ndn: cn=b\n\nversion: 3\n");
        assert_eq!(e.len(), 2);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].location.line, Some(9));
    }

    #[test]
    fn referrals_and_paged_trailers_are_ignored() {
        let text = "# search reference\nref: ldap://ForestDnsZones.corp.example.test/DC=ForestDnsZones,DC=corp,DC=example,DC=test\n\n# search result\nsearch: 2\nresult: 0 Success\ncontrol: 1.2.840.113556.1.4.319 false MAQCAQAEAA==\n# pagedresults: cookie=\n\ndn: cn=a\ncn: a\n";
        let (e, d) = read(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn nonzero_result_is_incomplete() {
        let (_, d) = read("dn: cn=a\ncn: a\n\nsearch: 2\nresult: 4 Size limit exceeded\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiagKind::Incomplete);
        assert!(d[0].message.contains("4 Size limit exceeded"));
        assert_eq!(d[0].location.line, Some(5));
    }

    #[test]
    fn folded_lines_and_folded_comments() {
        let text = "# a comment that is\n  folded\ndn: cn=very long na\n me,dc=x\ndescription: ab\n cd\n  ef\n";
        let (e, d) = read(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e[0].dn, "cn=very long name,dc=x");
        assert_eq!(val(&e[0], "description"), ["abcd ef"]);
        assert_eq!(e[0].line, 3);
    }

    #[test]
    fn crlf_and_base64_binary() {
        let text = "dn: cn=a\r\nobjectSid:: AQUAAAAAAAU=\r\ncn:: w6lsw6g=\r\n\r\n";
        let (e, d) = read(text);
        assert!(d.is_empty());
        assert_eq!(
            e[0].first("objectsid").unwrap().bytes,
            vec![1, 5, 0, 0, 0, 0, 0, 5]
        );
        assert_eq!(val(&e[0], "cn"), ["élè"]);
    }

    #[test]
    fn base64_dn() {
        let (e, _) = read("dn:: Y249w6lsw6gsZGM9eA==\ncn: x\n");
        assert_eq!(e[0].dn, "cn=élè,dc=x");
    }

    #[test]
    fn options_and_case_insensitive_names() {
        let text = "dn: cn=g\nmember;range=0-1: cn=a\nmember;range=0-1: cn=b\nuserCertificate;binary:: AAE=\nMEMBER: cn=c\n";
        let (e, _) = read(text);
        assert_eq!(val(&e[0], "member"), ["cn=a", "cn=b", "cn=c"]);
        let ranged = e[0].attrs_of("member").next().unwrap();
        assert_eq!(ranged.options().collect::<Vec<_>>(), ["range=0-1"]);
        assert_eq!(e[0].first("usercertificate").unwrap().bytes, vec![0, 1]);
    }

    #[test]
    fn url_values_are_refused_not_read() {
        let (e, d) = read("dn: cn=a\njpegPhoto:< file:///etc/shadow\ncn: a\n");
        assert_eq!(e.len(), 1);
        assert!(!e[0].has("jpegPhoto"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiagKind::Incomplete);
        assert_eq!(d[0].location.line, Some(2));
    }

    #[test]
    fn changetype_add_is_an_entry_others_skipped() {
        let text = "dn: cn=a\nchangetype: add\ncn: a\n\ndn: cn=b\nchangetype: modify\nreplace: cn\ncn: b\n-\n\ndn: cn=c\nchangetype: delete\n\ndn: cn=d\ncn: d\n";
        let (e, d) = read(text);
        let dns: Vec<&str> = e.iter().map(|e| e.dn.as_str()).collect();
        assert_eq!(dns, ["cn=a", "cn=d"]);
        assert!(!e[0].has("changetype"));
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|d| d.severity == Severity::Note));
    }

    #[test]
    fn malformed_lines() {
        let text = "cn: orphan\nsn: orphan\n\ndn: cn=a\nno colon here\nbad name: x\nphoto:: !!!notbase64\ncn: a\n\n continuation orphan\ndn: cn=b\n";
        let (e, d) = read(text);
        assert_eq!(e.len(), 2);
        assert_eq!(val(&e[0], "cn"), ["a"]);
        let lines: Vec<Option<u32>> = d.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, [Some(1), Some(5), Some(6), Some(7), Some(10)]);
        assert!(d.iter().all(|d| d.kind == DiagKind::Malformed));
    }

    #[test]
    fn missing_blank_line_between_entries() {
        let (e, d) = read("dn: cn=a\ncn: a\ndn: cn=b\ncn: b\n");
        assert_eq!(e.len(), 2);
        assert_eq!(val(&e[1], "cn"), ["b"]);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn empty_values_and_bom() {
        let (e, d) = read("\u{feff}dn: cn=a\ndescription:\ncn: a\n");
        assert!(d.is_empty());
        assert_eq!(val(&e[0], "description"), [""]);
    }

    #[test]
    fn diagnostics_are_capped() {
        let mut text = String::from("dn: cn=a\n");
        for _ in 0..500 {
            text.push_str("garbage\n");
        }
        let (_, d) = read(&text);
        assert_eq!(d.len(), MAX_DIAGS + 1);
        assert!(d.last().unwrap().message.contains("300 further"));
    }

    #[test]
    fn never_panics_on_garbage() {
        let inputs: [&[u8]; 6] = [
            b"\xff\xfe\x00dn",
            b":",
            b"dn::\n::\n:<\n",
            b" \n \n\n",
            b"dn: a\n \n",
            b"\x00\x01\x02\n\n\n#",
        ];
        for i in inputs {
            let mut r = LdifReader::new("x", i);
            let _ = r.by_ref().count();
            let _ = r.take_diagnostics();
        }
    }

    #[test]
    fn streams_large_input_lazily() {
        // An endless reader: the iterator must yield entries without reading everything.
        struct Endless(u64);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let rec = format!("dn: uid=u{},dc=x\nuid: u{}\n\n", self.0, self.0);
                self.0 += 1;
                let n = rec.len().min(buf.len());
                buf[..n].copy_from_slice(&rec.as_bytes()[..n]);
                Ok(n)
            }
        }
        let r = LdifReader::new("x", std::io::BufReader::new(Endless(0)));
        let first: Vec<Entry> = r.take(3).collect();
        assert_eq!(first.len(), 3);
    }
}
