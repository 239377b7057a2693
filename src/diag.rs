//! Non-fatal problems met while scanning: skipped, unreadable and malformed inputs.
//!
//! Every problem is located (file, and line when there is one), reported once on stderr and as a
//! SARIF `toolExecutionNotification`, counted, and reflected in the exit code: an `Error` makes
//! the scan incomplete (exit 3 when nothing else gates). Diagnostics never contain secret values:
//! messages name fields and lines, never their content.

use crate::inventory::Evidence;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Input that could not be read or understood: the scan is incomplete.
    Error,
    /// Input read in part, or deliberately skipped (too large, binary).
    Warning,
    /// Worth knowing, changes nothing (an ignored include, a comment-only file).
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A short stable code per kind of problem, so users can filter and tests can assert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagKind {
    /// The file could not be read (permissions, I/O error, vanished).
    Unreadable,
    /// Skipped because it is larger than `--max-file-size`.
    TooLarge,
    /// Skipped because it looks binary.
    Binary,
    /// A symlink pointing outside the scanned root, or a loop.
    SymlinkEscape,
    /// A line or record that does not follow the format; the rest of the file was used.
    Malformed,
    /// The whole file could not be parsed as the format it was recognised as.
    Unparseable,
    /// An include that could not be followed (missing, loop, too deep, outside the root).
    Include,
    /// Something the collected files cannot show (keys fetched by a command, sudoers in LDAP).
    Incomplete,
    /// Two exports disagree about the same record; the inventory's merge precedence chose.
    Conflict,
}

impl DiagKind {
    pub fn code(self) -> &'static str {
        match self {
            DiagKind::Unreadable => "unreadable",
            DiagKind::TooLarge => "too-large",
            DiagKind::Binary => "binary",
            DiagKind::SymlinkEscape => "symlink-escape",
            DiagKind::Malformed => "malformed",
            DiagKind::Unparseable => "unparseable",
            DiagKind::Include => "include",
            DiagKind::Incomplete => "incomplete",
            DiagKind::Conflict => "conflict",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Where; `path` is relative to the scan root (or names the live source).
    pub location: Evidence,
    pub severity: Severity,
    pub kind: DiagKind,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        kind: DiagKind,
        severity: Severity,
        location: Evidence,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            location,
            severity,
            kind,
            message: message.into(),
        }
    }

    /// A line that does not parse; the rest of the file is still used.
    pub fn malformed(path: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(
            DiagKind::Malformed,
            Severity::Warning,
            Evidence::at(path, line),
            message,
        )
    }

    /// A file that could not be used at all: the scan is incomplete.
    pub fn unparseable(path: &str, line: Option<u32>, message: impl Into<String>) -> Self {
        Self::new(
            DiagKind::Unparseable,
            Severity::Error,
            Evidence::new(path, line),
            message,
        )
    }

    pub fn unreadable(path: &str, message: impl Into<String>) -> Self {
        Self::new(
            DiagKind::Unreadable,
            Severity::Error,
            Evidence::new(path, None),
            message,
        )
    }

    /// Whether this problem means some input was not scanned at all.
    pub fn makes_incomplete(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} [{}]: {}",
            self.location,
            self.severity.as_str(),
            self.kind.code(),
            self.message
        )
    }
}

/// A control character other than a tab, or a Unicode bidirectional control (see [`printable`]).
pub fn unprintable(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from the evidence made safe for a terminal line (issue 13): control characters (a line
/// break, a carriage return, ANSI escape sequences) and the Unicode bidirectional controls that
/// reorder what is displayed are written as escapes (`\n`, `\u{1b}`), so a file or account name
/// cannot forge a line or repaint the screen. Tabs stay.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = unprintable;
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The lines stderr shows for `diagnostics` (sorted): every problem with `all` (`-v`), else
/// problems of one kind and message that recur are one line with a count, and a kind with many
/// different messages shows its first few and a count. Never hides that a problem exists.
pub fn summary_lines(diagnostics: &[Diagnostic], all: bool) -> Vec<String> {
    summary_lines_raw(diagnostics, all)
        .into_iter()
        .map(|l| printable(&l).into_owned())
        .collect()
}

fn summary_lines_raw(diagnostics: &[Diagnostic], all: bool) -> Vec<String> {
    const SHOWN_PER_KIND: usize = 5;
    if all {
        return diagnostics.iter().map(ToString::to_string).collect();
    }
    let mut lines = Vec::new();
    let mut kinds: Vec<(Severity, DiagKind)> =
        diagnostics.iter().map(|d| (d.severity, d.kind)).collect();
    kinds.sort();
    kinds.dedup();
    for (severity, kind) in kinds {
        let of_kind: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.severity == severity && d.kind == kind)
            .collect();
        // Recurring messages (the same note for every file of a kind) first, once each.
        let mut messages: Vec<(&str, usize)> = Vec::new();
        for d in &of_kind {
            match messages.iter_mut().find(|(m, _)| *m == d.message) {
                Some((_, n)) => *n += 1,
                None => messages.push((&d.message, 1)),
            }
        }
        let mut shown = 0;
        let mut hidden = 0;
        for (message, n) in &messages {
            if *n > 1 {
                let first = of_kind
                    .iter()
                    .find(|d| d.message == *message)
                    .map(|d| &d.location);
                lines.push(format!(
                    "{} [{}]: {n} inputs: {message} (first: {})",
                    severity.as_str(),
                    kind.code(),
                    first.map(ToString::to_string).unwrap_or_default()
                ));
                shown += 1;
            }
        }
        for d in of_kind
            .iter()
            .filter(|d| messages.iter().any(|(m, n)| *n == 1 && *m == d.message))
        {
            if shown < SHOWN_PER_KIND {
                lines.push(d.to_string());
                shown += 1;
            } else {
                hidden += 1;
            }
        }
        if hidden > 0 {
            lines.push(format!(
                "{} [{}]: {hidden} more like these; -v lists them, and every report format records them",
                severity.as_str(),
                kind.code()
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_line_breaks_ansi_and_bidi() {
        assert_eq!(printable("web01/etc/passwd"), "web01/etc/passwd");
        assert_eq!(printable("a\tb"), "a\tb");
        assert_eq!(
            printable("x\nresetgap: error: forged\r\u{1b}[2J\u{202e}gpj.exe"),
            "x\\nresetgap: error: forged\\r\\u{1b}[2J\\u{202e}gpj.exe"
        );
        let d = Diagnostic::new(
            DiagKind::Binary,
            Severity::Note,
            Evidence::new("a\nb\u{1b}[31m", None),
            "skipped: binary content",
        );
        let lines = summary_lines(&[d], true);
        assert_eq!(
            lines,
            ["a\\nb\\u{1b}[31m: note [binary]: skipped: binary content"]
        );
    }
}
