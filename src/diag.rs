//! Non-fatal problems met while scanning: skipped, unreadable and malformed inputs.
//!
//! Every problem is located (file, and line when there is one), reported once on stderr and as a
//! SARIF `toolExecutionNotification`, counted, and reflected in the exit code: an `Error` makes
//! the scan incomplete (exit 3 when nothing else gates). Diagnostics never contain secret values:
//! messages name fields and lines, never their content.

use crate::inventory::Evidence;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
