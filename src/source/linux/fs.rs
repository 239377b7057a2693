//! Safe access to files inside one collected host tree.
//!
//! Every path a host's files mention (`/etc/sudoers.d`, `Include /etc/ssh/sshd_config.d/*.conf`,
//! `%h/.ssh/authorized_keys`) is a path *on that host*: it resolves against the host root, never
//! against the scanning machine's `/`. Collections are untrusted input, so a `..` that climbs
//! above the host root is refused, and a symlink whose target (after resolution on disk) lies
//! outside the host root is refused with a `SymlinkEscape` diagnostic. Size limits and
//! unreadable files become diagnostics too. Nothing here parses file contents.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::discover::ReadFailure;
use crate::inventory::Evidence;
use crate::source::{decode_text, Output};
use std::path::{Path, PathBuf};

/// The outcome of reading one host file.
#[derive(Debug)]
pub(crate) enum Fetch {
    Text(String),
    /// The file is not in the collection (no diagnostic: absence is the caller's business).
    Missing,
    /// The file exists but could not be used; a diagnostic was emitted.
    Failed,
}

/// One host root on disk and how its paths are named in evidence.
#[derive(Debug)]
pub(crate) struct HostFs {
    root: PathBuf,
    canon_root: PathBuf,
    rel_root: String,
    max_file_size: u64,
}

/// Lexically normalises a host path to `/a/b/c` (no `.`, no `..`, no double slashes).
/// Relative paths are taken from `/`. `None` when `..` would climb above the host root.
pub(crate) fn normalize(host_path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for comp in host_path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Lexically normalises an absolute host path as the kernel resolves it: `..` at the root
/// stays at the root (`/../home/x` is `/home/x`), so it never fails.
pub(crate) fn normalize_at_root(host_path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for comp in host_path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The directory part of a normalised host path (`/etc/sudoers.d/x` -> `/etc/sudoers.d`).
pub(crate) fn parent(host_path: &str) -> String {
    match host_path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => host_path.get(..i).unwrap_or("/").to_string(),
    }
}

/// Joins `rel` onto the host directory `dir` unless `rel` is absolute.
pub(crate) fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        rel.to_string()
    } else {
        format!("{}/{}", dir.trim_end_matches('/'), rel)
    }
}

fn has_glob_meta(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

impl HostFs {
    /// `None` (with a diagnostic in `out`) when the root itself cannot be resolved.
    pub(crate) fn new(
        root: &Path,
        rel_root: &str,
        max_file_size: u64,
        out: &mut Output,
    ) -> Option<HostFs> {
        let rel_root = rel_root.trim_matches('/').to_string();
        match std::fs::canonicalize(root) {
            Ok(canon_root) => Some(HostFs {
                root: root.to_path_buf(),
                canon_root,
                rel_root,
                max_file_size,
            }),
            Err(e) => {
                let shown = if rel_root.is_empty() {
                    ".".to_string()
                } else {
                    rel_root.clone()
                };
                out.diag(Diagnostic::unreadable(
                    &shown,
                    format!("host root cannot be resolved: {}", e.kind()),
                ));
                None
            }
        }
    }

    /// The host root relative to the scan root ("" when the scan root is the host).
    pub(crate) fn rel_root(&self) -> &str {
        &self.rel_root
    }

    /// The last component of the host root on disk (fallback host name).
    pub(crate) fn root_name(&self) -> Option<String> {
        self.canon_root
            .file_name()
            .or_else(|| self.root.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    }

    /// Evidence path of a host path: rel_root joined with the path inside the host.
    pub(crate) fn evidence_path(&self, host_path: &str) -> String {
        let inner = host_path.trim_start_matches('/');
        if self.rel_root.is_empty() {
            inner.to_string()
        } else {
            format!("{}/{}", self.rel_root, inner)
        }
    }

    fn escape_diag(&self, host_path: &str, message: &str) -> Diagnostic {
        Diagnostic::new(
            DiagKind::SymlinkEscape,
            Severity::Warning,
            Evidence::new(self.evidence_path(host_path), None),
            message,
        )
    }

    /// Resolves a host path on disk. `Ok(None)` when it does not exist; `Err` with a
    /// diagnostic when it escapes the host root or cannot be resolved.
    pub(crate) fn resolve(&self, host_path: &str) -> Result<Option<PathBuf>, Diagnostic> {
        let Some(norm) = normalize(host_path) else {
            return Err(self.escape_diag(host_path, "path climbs above the host root; refused"));
        };
        let disk = self.canon_root.join(norm.trim_start_matches('/'));
        match std::fs::canonicalize(&disk) {
            Ok(canon) if canon.starts_with(&self.canon_root) => Ok(Some(canon)),
            Ok(_) => {
                Err(self.escape_diag(&norm, "symlink points outside the host root; not followed"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A dangling symlink is simply absent; nothing was read outside the root.
                Ok(None)
            }
            // ELOOP on Linux: a symlink cycle.
            Err(e) if cfg!(target_os = "linux") && e.raw_os_error() == Some(40) => {
                Err(self.escape_diag(&norm, "symlink loop; not followed"))
            }
            Err(e) => Err(Diagnostic::unreadable(
                &self.evidence_path(&norm),
                format!("cannot resolve path: {}", e.kind()),
            )),
        }
    }

    /// Reads a host file as text (BOM stripped, invalid UTF-8 replaced).
    pub(crate) fn read(&self, host_path: &str, out: &mut Output) -> Fetch {
        let disk = match self.resolve(host_path) {
            Ok(Some(p)) => p,
            Ok(None) => return Fetch::Missing,
            Err(d) => {
                out.diag(d);
                return Fetch::Failed;
            }
        };
        let shown = self.evidence_path(&normalize(host_path).unwrap_or_default());
        // Opened without following a symlink swapped in since `resolve`, checked after the open
        // (regular, inside the host root, within the limit, not binary): a host file that
        // cannot be used leaves the host's facts unknown, so the scan is incomplete.
        let mut buf = Vec::new();
        match crate::discover::read_evidence(&disk, &self.canon_root, self.max_file_size, &mut buf)
        {
            Ok(_) => {
                if let Some(d) = crate::source::invalid_utf8(&shown, &buf) {
                    out.diag(d);
                }
                Fetch::Text(decode_text(&buf).into_owned())
            }
            Err(failure) => {
                let message = match &failure {
                    ReadFailure::TooLarge(n) => format!(
                        "skipped: {n} bytes is larger than the limit of {} bytes (--max-file-size); this host's facts from it are unknown",
                        self.max_file_size
                    ),
                    ReadFailure::Binary => {
                        "skipped: binary content; this host's facts from it are unknown".into()
                    }
                    other => other.message(self.max_file_size),
                };
                out.diag(Diagnostic::new(
                    failure.kind(),
                    Severity::Error,
                    Evidence::new(shown, None),
                    message,
                ));
                Fetch::Failed
            }
        }
    }

    /// Whether the host path is an existing directory inside the root (no diagnostics).
    pub(crate) fn is_dir(&self, host_path: &str) -> bool {
        matches!(self.resolve(host_path), Ok(Some(p)) if p.is_dir())
    }

    /// Entry names of a host directory, sorted bytewise. `None` when it is missing or unusable
    /// (diagnostics emitted for unusable).
    pub(crate) fn list_dir(&self, host_path: &str, out: &mut Output) -> Option<Vec<String>> {
        let disk = match self.resolve(host_path) {
            Ok(Some(p)) => p,
            Ok(None) => return None,
            Err(d) => {
                out.diag(d);
                return None;
            }
        };
        let rd = match std::fs::read_dir(&disk) {
            Ok(rd) => rd,
            Err(e) => {
                out.diag(Diagnostic::unreadable(
                    &self.evidence_path(host_path),
                    format!("cannot list directory: {}", e.kind()),
                ));
                return None;
            }
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Some(names)
    }

    /// Expands a glob(3)-style pattern (`*`, `?`, `[...]` per component; `*` does not match a
    /// leading dot) against the host tree. Returns host paths of existing entries, sorted.
    pub(crate) fn glob(&self, pattern: &str, out: &mut Output) -> Vec<String> {
        let Some(norm) = normalize(pattern) else {
            out.diag(self.escape_diag(pattern, "path climbs above the host root; refused"));
            return Vec::new();
        };
        let mut current: Vec<String> = vec![String::new()];
        for comp in norm.split('/').filter(|c| !c.is_empty()) {
            let mut next = Vec::new();
            for base in &current {
                if !has_glob_meta(comp) {
                    next.push(format!("{base}/{comp}"));
                    continue;
                }
                let dir = if base.is_empty() { "/" } else { base.as_str() };
                let Ok(glob) = globset::GlobBuilder::new(comp)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                else {
                    continue;
                };
                let matcher = glob.compile_matcher();
                for name in self.list_dir(dir, out).unwrap_or_default() {
                    if name.starts_with('.') && !comp.starts_with('.') {
                        continue;
                    }
                    if matcher.is_match(&name) {
                        next.push(format!("{base}/{name}"));
                    }
                }
            }
            current = next;
        }
        let mut found: Vec<String> = current
            .into_iter()
            .filter(|p| !p.is_empty())
            .filter(|p| match self.resolve(p) {
                Ok(Some(_)) => true,
                Ok(None) => false,
                Err(d) => {
                    out.diag(d);
                    false
                }
            })
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// The collected file's own modification time, if it can be read.
    pub(crate) fn mtime(&self, host_path: &str) -> Option<jiff::Timestamp> {
        let disk = self.resolve(host_path).ok()??;
        let modified = std::fs::metadata(disk).ok()?.modified().ok()?;
        jiff::Timestamp::try_from(modified).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_refuses_escape() {
        assert_eq!(
            normalize("/etc/../etc/./ssh//x").as_deref(),
            Some("/etc/ssh/x")
        );
        assert_eq!(normalize("etc/passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(normalize("/../etc/passwd"), None);
        assert_eq!(normalize("/etc/../../x"), None);
        assert_eq!(parent("/etc/sudoers"), "/etc");
        assert_eq!(parent("/x"), "/");
        assert_eq!(join("/etc", "sudoers.d"), "/etc/sudoers.d");
        assert_eq!(join("/etc", "/opt/x"), "/opt/x");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn symlink_outside_root_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        let host = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(host.path().join("etc")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret"),
            host.path().join("etc/passwd"),
        )
        .unwrap();
        std::os::unix::fs::symlink("loop2", host.path().join("etc/loop1")).unwrap();
        std::os::unix::fs::symlink("loop1", host.path().join("etc/loop2")).unwrap();
        std::fs::write(host.path().join("etc/real"), "ok").unwrap();
        std::os::unix::fs::symlink("real", host.path().join("etc/rel")).unwrap();
        let mut out = Output::default();
        let fs = HostFs::new(host.path(), "hosts/h", 1000, &mut out).unwrap();
        assert!(matches!(fs.read("/etc/passwd", &mut out), Fetch::Failed));
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].kind, DiagKind::SymlinkEscape);
        assert_eq!(out.diagnostics[0].location.path, "hosts/h/etc/passwd");
        assert!(matches!(fs.read("/etc/loop1", &mut out), Fetch::Failed));
        assert_eq!(out.diagnostics[1].kind, DiagKind::SymlinkEscape);
        assert!(matches!(fs.read("/etc/rel", &mut out), Fetch::Text(t) if t == "ok"));
        assert!(matches!(fs.read("/etc/missing", &mut out), Fetch::Missing));
        assert!(matches!(fs.read("/../etc/real", &mut out), Fetch::Failed));
        assert_eq!(out.diagnostics[2].kind, DiagKind::SymlinkEscape);
    }

    #[test]
    fn too_large_and_glob_order() {
        let host = tempfile::tempdir().unwrap();
        let d = host.path().join("etc/ssh/sshd_config.d");
        std::fs::create_dir_all(&d).unwrap();
        for n in ["b.conf", "a.conf", ".hidden.conf", "c.txt"] {
            std::fs::write(d.join(n), "0123456789").unwrap();
        }
        let mut out = Output::default();
        let fs = HostFs::new(host.path(), "", 5, &mut out).unwrap();
        let found = fs.glob("/etc/ssh/sshd_config.d/*.conf", &mut out);
        assert_eq!(
            found,
            vec![
                "/etc/ssh/sshd_config.d/a.conf".to_string(),
                "/etc/ssh/sshd_config.d/b.conf".to_string()
            ]
        );
        assert!(matches!(
            fs.read("/etc/ssh/sshd_config.d/a.conf", &mut out),
            Fetch::Failed
        ));
        assert_eq!(out.diagnostics[0].kind, DiagKind::TooLarge);
        assert_eq!(
            out.diagnostics[0].location.path,
            "etc/ssh/sshd_config.d/a.conf"
        );
    }
}
