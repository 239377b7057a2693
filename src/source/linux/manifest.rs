//! The optional collector manifest `<host root>/manifest.json` (formats-host.md §1.3; written by
//! `collect/collect-linux.sh`, format in the README's "Collecting evidence"): host name,
//! collection time, whether file times were preserved, and per file its `mtime` and `status`:
//! `collected`, `absent` (not on the host: the setting is the program's default) or `failed`
//! (not collected: its facts are unknown, said as an `Incomplete` diagnostic). A file without
//! a status is `collected`, as older manifests wrote it.
//!
//! Owns the one place where a collected file gets a date: [`Manifest::file_time`]. A manifest
//! mtime is preferred (basis `Manifest`); otherwise the collected file's own mtime (basis
//! `FileModified`), unless the manifest says times were *not* preserved, in which case the
//! file's mtime is the collection time, not the host's, and the date is unknown.

use super::fs::{normalize, HostFs};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, IssuedBasis, When};
use crate::source::Output;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The raw manifest as the collector writes it; unknown fields are ignored on purpose (the
/// collector contract is still open and carries much more than we read).
#[derive(Debug, Default, Deserialize)]
struct RawManifest {
    host: Option<String>,
    collected_at: Option<String>,
    times_preserved: Option<bool>,
    #[serde(default)]
    files: Vec<RawFile>,
}

#[derive(Debug, Deserialize)]
struct RawFile {
    path: Option<String>,
    mtime: Option<String>,
    status: Option<String>,
    error: Option<String>,
}

/// What the collector says of one host path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FileStatus {
    Collected,
    /// Not on the host.
    Absent,
    /// On the host but not collected, with the collector's error.
    Failed(String),
}

/// The validated manifest.
#[derive(Debug, Default)]
pub(crate) struct Manifest {
    pub(crate) present: bool,
    pub(crate) host: Option<String>,
    pub(crate) collected_at: When,
    /// `Some(false)` only when the manifest says so explicitly.
    pub(crate) times_preserved: Option<bool>,
    /// Normalised host path -> recorded mtime.
    mtimes: BTreeMap<String, When>,
    /// Normalised host path -> what the collector did with it.
    statuses: BTreeMap<String, FileStatus>,
}

pub(crate) const MANIFEST_PATH: &str = "/manifest.json";

impl Manifest {
    /// Loads `manifest.json` from the host root, if it is there.
    pub(crate) fn load(fs: &HostFs, out: &mut Output) -> Manifest {
        match fs.read(MANIFEST_PATH, out) {
            super::fs::Fetch::Text(text) => {
                Self::parse(&text, &fs.evidence_path(MANIFEST_PATH), out)
            }
            _ => Manifest::default(),
        }
    }

    pub(crate) fn parse(text: &str, shown: &str, out: &mut Output) -> Manifest {
        let raw: RawManifest = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                out.diag(Diagnostic::new(
                    DiagKind::Unparseable,
                    Severity::Warning,
                    Evidence::new(shown, u32::try_from(e.line()).ok().filter(|l| *l > 0)),
                    format!("collector manifest is not valid JSON ({}); file dates fall back to file times", format!("{:?}", e.classify()).to_lowercase()),
                ));
                return Manifest::default();
            }
        };
        let mut m = Manifest {
            present: true,
            host: raw
                .host
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty()),
            times_preserved: raw.times_preserved,
            ..Manifest::default()
        };
        if let Some(c) = raw.collected_at {
            match When::parse_instant(&c) {
                Some(w) => m.collected_at = w,
                None => out.diag(Diagnostic::new(
                    DiagKind::Malformed,
                    Severity::Warning,
                    Evidence::new(shown, None),
                    "manifest collected_at is not an RFC 3339 instant",
                )),
            }
        }
        for f in raw.files {
            let Some(norm) = f.path.as_deref().and_then(normalize) else {
                continue;
            };
            let status = match f.status.as_deref() {
                None | Some("collected") => FileStatus::Collected,
                Some("absent") => FileStatus::Absent,
                Some("failed") => {
                    FileStatus::Failed(f.error.unwrap_or_else(|| "no error given".to_string()))
                }
                Some(other) => {
                    out.diag(Diagnostic::new(
                        DiagKind::Malformed,
                        Severity::Warning,
                        Evidence::new(shown, None),
                        format!("manifest status of {norm} is `{other}`, not collected, absent or failed"),
                    ));
                    continue;
                }
            };
            if let FileStatus::Failed(error) = &status {
                out.diag(Diagnostic::new(
                    DiagKind::Incomplete,
                    Severity::Warning,
                    Evidence::new(shown, None),
                    format!("{norm} is on the host but was not collected ({error}): its facts are unknown, not defaults"),
                ));
            }
            m.statuses.insert(norm.clone(), status);
            let Some(mtime) = f.mtime else {
                continue;
            };
            match When::parse_instant(&mtime) {
                Some(w) => {
                    m.mtimes.insert(norm, w);
                }
                None => out.diag(Diagnostic::new(
                    DiagKind::Malformed,
                    Severity::Warning,
                    Evidence::new(shown, None),
                    format!("manifest mtime of {norm} is not an RFC 3339 instant"),
                )),
            }
        }
        m
    }

    /// What the collector says of `host_path`, when the manifest lists it.
    pub(crate) fn status(&self, host_path: &str) -> Option<&FileStatus> {
        self.statuses.get(&normalize(host_path)?)
    }

    /// Every dated file: (normalised host path, mtime), unless times were not preserved.
    pub(crate) fn dated_files(&self) -> impl Iterator<Item = (&String, &When)> {
        let usable = self.times_preserved != Some(false);
        self.mtimes
            .iter()
            .filter(move |(_, w)| usable && w.is_known())
    }

    /// When the host file `host_path` was last modified, and how we know.
    pub(crate) fn file_time(&self, fs: &HostFs, host_path: &str) -> (When, IssuedBasis) {
        let norm = normalize(host_path).unwrap_or_default();
        if self.times_preserved != Some(false) {
            if let Some(w) = self.mtimes.get(&norm) {
                if w.is_known() {
                    return (*w, IssuedBasis::Manifest);
                }
            }
        }
        if self.times_preserved == Some(false) {
            return (When::Unknown, IssuedBasis::Unknown);
        }
        match fs.mtime(&norm).map(When::from_timestamp) {
            Some(w @ When::Known(_)) => (w, IssuedBasis::FileModified),
            _ => (When::Unknown, IssuedBasis::Unknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_mtime_preferred_and_not_preserved_means_unknown() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("home/a/.ssh")).unwrap();
        let f = dir.path().join("home/a/.ssh/authorized_keys");
        std::fs::write(&f, "x").unwrap();
        filetime::set_file_mtime(&f, filetime::FileTime::from_unix_time(1_600_000_000, 0)).unwrap();
        let mut out = Output::default();
        let fs = HostFs::new(dir.path(), "", 1 << 20, &mut out).unwrap();
        let text = r#"{"host":"h","collected_at":"2025-01-15T10:00:00Z","times_preserved":true,
            "files":[{"path":"/home/a/.ssh/authorized_keys","mtime":"2023-02-10T09:30:00Z"}]}"#;
        let m = Manifest::parse(text, "manifest.json", &mut out);
        let (w, b) = m.file_time(&fs, "/home/a/.ssh/authorized_keys");
        assert_eq!(w.to_string(), "2023-02-10T09:30:00Z");
        assert_eq!(b, IssuedBasis::Manifest);
        assert_eq!(m.collected_at.to_string(), "2025-01-15T10:00:00Z");

        let none = Manifest::default();
        let (w, b) = none.file_time(&fs, "/home/a/.ssh/authorized_keys");
        assert_eq!(w.to_string(), "2020-09-13T12:26:40Z");
        assert_eq!(b, IssuedBasis::FileModified);

        let text = r#"{"times_preserved":false,
            "files":[{"path":"/home/a/.ssh/authorized_keys","mtime":"2023-02-10T09:30:00Z"}]}"#;
        let m = Manifest::parse(text, "manifest.json", &mut out);
        assert_eq!(
            m.file_time(&fs, "/home/a/.ssh/authorized_keys"),
            (When::Unknown, IssuedBasis::Unknown)
        );
        assert!(out.diagnostics.is_empty());

        // Statuses: collected (also by default), absent, failed with its error (a diagnostic).
        let text = r#"{"files":[{"path":"/etc/passwd","mtime":"2023-02-10T09:30:00Z"},
            {"path":"/etc/sudoers","status":"absent"},
            {"path":"/etc/shadow","status":"failed","error":"Permission denied"},
            {"path":"/etc/x","status":"lost"}]}"#;
        let m = Manifest::parse(text, "h/manifest.json", &mut out);
        assert_eq!(m.status("/etc/passwd"), Some(&FileStatus::Collected));
        assert_eq!(m.status("/etc/sudoers"), Some(&FileStatus::Absent));
        assert_eq!(
            m.status("/etc/shadow"),
            Some(&FileStatus::Failed("Permission denied".into()))
        );
        assert_eq!(m.status("/etc/x"), None);
        assert_eq!(m.status("/etc/group"), None);
        assert_eq!(out.diagnostics.len(), 2);
        assert_eq!(out.diagnostics[0].kind, DiagKind::Incomplete);
        assert!(out.diagnostics[0].message.contains("/etc/shadow"));
        assert_eq!(out.diagnostics[1].kind, DiagKind::Malformed);
        out.diagnostics.clear();

        let bad = Manifest::parse("{not json", "h/manifest.json", &mut out);
        assert!(!bad.present);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
    }
}
