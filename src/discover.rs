//! Discovery: walks every scan root in parallel and hands each readable text file to the per-file
//! parse step, collecting host roots for the host adapter.
//!
//! Hidden and gitignored files are scanned on purpose (secrets live in `.env`); only the `.git`
//! directory's internals are skipped. Symlinks are never followed; one that points outside its
//! root is reported. Files over the size limit and binary files are skipped and each skip is
//! reported. Classification is by content sniffing, not by extension; the one exception is a
//! gzip-compressed JSON export (`.json.gz`, CloudTrail's S3 objects), decompressed with a bound
//! ([`gzip`]) and then sniffed like any file.

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, When};
use ignore::{WalkBuilder, WalkState};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub mod gzip;

/// A root given on the command line and the prefix its files get in reported paths.
#[derive(Debug, Clone)]
pub struct Root {
    pub path: PathBuf,
    /// Prefix of reported paths: "" when one directory is scanned, else the root as given.
    pub prefix: String,
}

impl Root {
    /// Builds the roots; reported paths are relative to the scanned directory when there is one,
    /// otherwise they start with the root as given (relative, forward slashes).
    pub fn from_args(paths: &[PathBuf]) -> Vec<Root> {
        let single_dir = paths.len() == 1 && paths[0].is_dir();
        paths
            .iter()
            .map(|p| {
                let prefix = if single_dir {
                    String::new()
                } else if p.is_file() && paths.len() == 1 {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                } else {
                    display_relative(p)
                };
                Root {
                    path: p.clone(),
                    prefix,
                }
            })
            .collect()
    }

    /// The reported path of `file` under this root.
    pub fn uri(&self, file: &Path) -> String {
        let rel = file.strip_prefix(&self.path).unwrap_or(file);
        let rel = slash_path(rel);
        match (self.prefix.is_empty(), rel.is_empty()) {
            (true, _) => rel,
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}/{}", self.prefix, rel),
        }
    }
}

/// A path as forward-slash text, without `.` components; an absolute path keeps only its last
/// component so no path of the scanning machine is ever reported.
fn display_relative(p: &Path) -> String {
    if p.is_absolute() {
        return p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    slash_path(p)
}

/// How a file outside the scan roots (a saved LDIF) is named in reports: relative to the current
/// directory when it is below it, else by its file name, never by an absolute path.
pub fn report_path(p: &Path) -> String {
    if p.is_relative() {
        return slash_path(p);
    }
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = p.strip_prefix(&cwd) {
            return slash_path(rel);
        }
    }
    display_relative(p)
}

pub fn slash_path(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// A readable text file, as the per-file step sees it.
pub struct FileInput<'a> {
    pub path: &'a Path,
    /// Reported path (relative, forward slashes).
    pub uri: &'a str,
    pub bytes: &'a [u8],
    pub modified: When,
}

/// A directory that holds `etc/passwd` or `etc/shadow`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostCandidate {
    pub path: PathBuf,
    pub uri: String,
}

/// Counters shared by the walker threads (for progress and the closing summary).
#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

pub struct WalkOptions {
    pub max_file_size: u64,
    pub threads: usize,
}

/// How much of a file is sniffed for binary content.
const SNIFF_BYTES: usize = 8192;

/// Looks like binary content: a NUL in the first 8 KiB, unless it starts with a UTF-16 BOM.
pub fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    memchr::memchr(0, &bytes[..bytes.len().min(SNIFF_BYTES)]).is_some()
}

/// Walks all roots in parallel. `on_file` runs on walker threads for every readable text file;
/// `on_diag` for every skip or error; host candidates are returned sorted.
pub fn walk<F, D>(
    roots: &[Root],
    opts: &WalkOptions,
    counters: &Counters,
    on_file: F,
    on_diag: D,
) -> Vec<HostCandidate>
where
    F: Fn(&FileInput<'_>) + Sync,
    D: Fn(Diagnostic) + Sync,
{
    let hosts = std::sync::Mutex::new(Vec::new());
    for root in roots {
        if !root.path.exists() {
            on_diag(Diagnostic::new(
                DiagKind::Unreadable,
                Severity::Error,
                Evidence::new(root.prefix.clone(), None),
                "scan root does not exist",
            ));
            continue;
        }
        let canonical_root =
            std::fs::canonicalize(&root.path).unwrap_or_else(|_| root.path.clone());
        let walker = WalkBuilder::new(&root.path)
            .standard_filters(false)
            .hidden(false)
            .follow_links(false)
            .threads(opts.threads.max(1))
            .filter_entry(|e| {
                !(e.file_name() == ".git" && e.file_type().is_some_and(|t| t.is_dir()))
            })
            .build_parallel();
        walker.run(|| {
            // One read buffer per walker thread, reused for every file: no fresh (kernel-zeroed)
            // allocation per file.
            let mut buf: Vec<u8> = Vec::new();
            let on_file = &on_file;
            let on_diag = &on_diag;
            let hosts = &hosts;
            let canonical_root = &canonical_root;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        let path = error_path(&err).map(|p| root.uri(&p)).unwrap_or_else(|| root.prefix.clone());
                        on_diag(Diagnostic::unreadable(&path, format!("cannot read: {}", strip_path(&err.to_string()))));
                        return WalkState::Continue;
                    }
                };
                let Some(ft) = entry.file_type() else { return WalkState::Continue };
                let path = entry.path();
                if ft.is_symlink() {
                    let escapes = std::fs::canonicalize(path).map(|t| !t.starts_with(canonical_root)).unwrap_or(true);
                    if escapes {
                        on_diag(Diagnostic::new(
                            DiagKind::SymlinkEscape,
                            Severity::Note,
                            Evidence::new(root.uri(path), None),
                            "symbolic link points outside the scanned root (or nowhere); not followed",
                        ));
                    }
                    return WalkState::Continue;
                }
                if !ft.is_file() {
                    return WalkState::Continue;
                }
                let uri = root.uri(path);
                if path.file_name().is_some_and(|n| n == "passwd" || n == "shadow")
                    && path.parent().and_then(Path::file_name).is_some_and(|n| n == "etc")
                {
                    // A host root above the scanned directory (scanning `web01/etc` alone) is not
                    // read: only what the user pointed at is scanned.
                    match path.parent().and_then(Path::parent) {
                        Some(host) if host.starts_with(&root.path) => {
                            let host_uri = root.uri(host);
                            hosts.lock().unwrap_or_else(|e| e.into_inner()).push(HostCandidate { path: host.to_path_buf(), uri: host_uri });
                        }
                        _ => on_diag(Diagnostic::new(
                            DiagKind::Incomplete,
                            Severity::Note,
                            Evidence::new(root.uri(path), None),
                            "this host file is not read as part of a host tree: scan the directory that holds `etc/` to evaluate the host",
                        )),
                    }
                }
                let meta = match entry.metadata() {
                    Ok(m) => m,
                    Err(err) => {
                        on_diag(Diagnostic::unreadable(&uri, format!("cannot stat: {}", strip_path(&err.to_string()))));
                        return WalkState::Continue;
                    }
                };
                if meta.len() > opts.max_file_size {
                    on_diag(Diagnostic::new(
                        DiagKind::TooLarge,
                        Severity::Warning,
                        Evidence::new(uri, None),
                        format!("skipped: {} bytes is over --max-file-size ({} bytes)", meta.len(), opts.max_file_size),
                    ));
                    return WalkState::Continue;
                }
                let read = if gzip::is_gzip_json(path) {
                    // The size check above bounds the compressed file; this bounds its text.
                    read_gzip(path, opts.max_file_size, &mut buf)
                } else {
                    read_text(path, meta.len(), &mut buf).map_err(|err| {
                        Diagnostic::unreadable(&uri, format!("cannot read: {err}"))
                    })
                };
                let text = match read {
                    Ok(t) => t,
                    Err(mut d) => {
                        d.location = Evidence::new(uri.clone(), None);
                        on_diag(d);
                        return WalkState::Continue;
                    }
                };
                let bytes = buf.as_slice();
                counters.files.fetch_add(1, Ordering::Relaxed);
                if !text {
                    counters.bytes.fetch_add(meta.len(), Ordering::Relaxed);
                    on_diag(Diagnostic::new(DiagKind::Binary, Severity::Note, Evidence::new(uri, None), "skipped: binary content"));
                    return WalkState::Continue;
                }
                counters.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| jiff::Timestamp::try_from(t).ok())
                    .map(When::from_timestamp)
                    .unwrap_or(When::Unknown);
                on_file(&FileInput { path, uri: &uri, bytes, modified });
                WalkState::Continue
            })
        });
    }
    let mut hosts = hosts.into_inner().unwrap_or_else(|e| e.into_inner());
    hosts.sort();
    hosts.dedup();
    hosts
}

/// A buffer that grew past this for one large file is given back afterwards.
const KEEP_BUFFER: usize = 4 << 20;

/// Reads the file at `path` into `buf` (cleared first), reusing its capacity, and tells whether
/// it is text. A binary file (see [`looks_binary`]) is not read past its first 8 KiB. `size`
/// (from the metadata) is a hint: a file that grew or shrank since is still read whole.
fn read_text(path: &Path, size: u64, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    use std::io::Read;
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    }
    buf.clear();
    let file = std::fs::File::open(path)?;
    buf.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // The sniffed prefix first: most binaries end here.
    let mut head = file.take(SNIFF_BYTES as u64);
    head.read_to_end(buf)?;
    if looks_binary(buf) {
        return Ok(false);
    }
    let mut file = head.into_inner();
    if buf.len() == SNIFF_BYTES {
        file.read_to_end(buf)?;
    }
    Ok(true)
}

/// Decompresses a `.json.gz` into `buf` and tells whether it is text, as [`read_text`] does; a
/// problem comes back as the diagnostic to report (its location is set by the caller).
fn read_gzip(path: &Path, limit: u64, buf: &mut Vec<u8>) -> Result<bool, Diagnostic> {
    if buf.capacity() > KEEP_BUFFER {
        *buf = Vec::new();
    }
    let here = Evidence::new(String::new(), None);
    match gzip::gunzip(path, limit, buf) {
        Ok(()) => Ok(!looks_binary(buf)),
        Err(gzip::GunzipError::Io(e)) => Err(Diagnostic::new(
            DiagKind::Unreadable,
            Severity::Error,
            here,
            format!("cannot read: {}", strip_path(&e)),
        )),
        Err(gzip::GunzipError::TooLarge(limit)) => Err(Diagnostic::new(
            DiagKind::TooLarge,
            Severity::Warning,
            here,
            format!(
                "skipped: the decompressed text is over --max-file-size ({limit} bytes); a gzip \
                 bomb, or raise --max-file-size"
            ),
        )),
        Err(gzip::GunzipError::Corrupt(what)) => Err(Diagnostic::new(
            DiagKind::Unparseable,
            Severity::Error,
            here,
            format!("{what}: not read"),
        )),
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// Drops an absolute path prefix from an I/O error text (`/abs/path: Permission denied`).
fn strip_path(msg: &str) -> String {
    match msg.rsplit_once(": ") {
        Some((head, tail)) if head.starts_with('/') => tail.to_string(),
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_with_forward_slashes() {
        let one = Root::from_args(&[PathBuf::from("src")]);
        assert_eq!(one[0].uri(Path::new("src/a/b.txt")), "a/b.txt");
        let two = Root {
            path: PathBuf::from("./fixtures/estate"),
            prefix: display_relative(Path::new("./fixtures/estate")),
        };
        assert_eq!(
            two.uri(Path::new("./fixtures/estate/x/y")),
            "fixtures/estate/x/y"
        );
        assert_eq!(display_relative(Path::new("/abs/secret/place")), "place");
    }

    #[test]
    fn binary_detection_allows_utf16() {
        assert!(looks_binary(b"ab\0cd"));
        assert!(!looks_binary(&[0xFF, 0xFE, b'a', 0]));
        assert!(!looks_binary(b"plain text"));
    }
}
