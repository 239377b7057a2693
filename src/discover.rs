//! Discovery: walks every scan root in parallel and hands each readable text file to the per-file
//! parse step, collecting host roots for the host adapter.
//!
//! Hidden and gitignored files are scanned on purpose (secrets live in `.env`); only the `.git`
//! directory's internals are skipped. Symlinks are never followed; one that points outside its
//! root is reported. Files over the size limit and binary files are skipped and each skip is
//! reported. Classification is by content sniffing, not by extension; the one exception is a
//! gzip-compressed JSON export (`.json.gz`, CloudTrail's S3 objects), decompressed with a bound
//! ([`gzip`]) and then sniffed like any file.
//!
//! Every evidence file is opened by [`read_evidence`] (also used for host trees): no symlink is
//! followed at the last component (`O_NOFOLLOW`), a FIFO never blocks the open (`O_NONBLOCK`),
//! and what was opened is checked after the open, not before: a regular file (`fstat`), inside
//! the scanned root (the open descriptor's path, on Linux), within the size limit. So a file
//! swapped for a symlink or a FIFO during the crawl is not followed (issue 13). Only the first
//! 8 KiB are read before the binary check.

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
    ///
    /// Two roots never share a prefix (issue 13: `/x/a/etc` and `/y/b/etc` both became `etc`):
    /// an absolute root is named by as many of its last components as tell it apart from the
    /// others (`a/etc`, `b/etc`), and a root given twice gets `~2`, `~3` in argument order.
    pub fn from_args(paths: &[PathBuf]) -> Vec<Root> {
        let single_dir = paths.len() == 1 && paths[0].is_dir();
        let mut roots: Vec<Root> = paths
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
            .collect();
        if roots.len() > 1 {
            distinct_prefixes(&mut roots);
        }
        roots
    }

    /// The roots of one shard of an estate (`scan PART... --relative-to ROOT`): each part is
    /// reported by its path under `root`, so its files get the paths `scan ROOT` gives them
    /// (`hosts/web01/etc/passwd`). A part that is not `root` itself nor below it is an error,
    /// and so is a part inside a host tree (a host is scanned as one unit: split above it).
    pub fn relative_to(paths: &[PathBuf], root: &Path) -> Result<Vec<Root>, String> {
        let estate = std::fs::canonicalize(root)
            .map_err(|e| format!("--relative-to {}: {e}", root.display()))?;
        if !estate.is_dir() {
            return Err(format!("--relative-to {}: not a directory", root.display()));
        }
        paths
            .iter()
            .map(|p| {
                let abs = std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()))?;
                let rel = abs.strip_prefix(&estate).map_err(|_| {
                    format!(
                        "{} is not inside --relative-to {}",
                        p.display(),
                        root.display()
                    )
                })?;
                let mut up = abs.parent();
                while let Some(dir) = up.filter(|d| d.starts_with(&estate)) {
                    if crate::source::linux::is_host_root(dir) {
                        return Err(format!(
                            "{} is inside the host tree {}: a shard holds whole host trees (give {} or a directory above it)",
                            p.display(),
                            slash_path(dir.strip_prefix(&estate).unwrap_or(dir)),
                            slash_path(dir.strip_prefix(&estate).unwrap_or(dir)),
                        ));
                    }
                    up = dir.parent();
                }
                Ok(Root {
                    path: p.clone(),
                    prefix: slash_path(rel),
                })
            })
            .collect()
    }

    /// The parts of shard `k` of `n` of the estate at `root` (`scan ROOT --shard K/N`): the
    /// estate's entries, each directory that is not a host tree split once more into its own
    /// entries (`hosts/web01`, `repos/billing-api`, `aws/credential-report.csv`), each assigned
    /// to a shard by a hash of its path, so every file falls in exactly one shard whatever the
    /// machine, and adding an entry moves no other. `.git` is skipped as the walk skips it; a
    /// symbolic link is refused (the walk would follow a link given as a part).
    pub fn shard_parts(root: &Path, k: u32, n: u32) -> Result<Vec<PathBuf>, String> {
        use sha2::{Digest, Sha256};
        let entries = |dir: &Path| -> Result<Vec<PathBuf>, String> {
            let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().is_none_or(|n| n != ".git"))
                .collect();
            v.sort();
            Ok(v)
        };
        if crate::source::linux::is_host_root(root) {
            return Ok(if k == 0 {
                vec![root.to_path_buf()]
            } else {
                Vec::new()
            });
        }
        let mut units = Vec::new();
        for e in entries(root)? {
            let meta =
                std::fs::symlink_metadata(&e).map_err(|err| format!("{}: {err}", e.display()))?;
            if meta.is_dir() && !crate::source::linux::is_host_root(&e) {
                units.extend(entries(&e)?);
            } else {
                units.push(e);
            }
        }
        let mut parts = Vec::new();
        for u in units {
            if std::fs::symlink_metadata(&u).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(format!(
                    "{} is a symbolic link: --shard cannot place it; list each shard's parts with --relative-to",
                    u.display()
                ));
            }
            let rel = slash_path(u.strip_prefix(root).unwrap_or(&u));
            let digest = Sha256::digest(rel.as_bytes());
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            if u64::from_be_bytes(first) % u64::from(n) == u64::from(k) {
                parts.push(u);
            }
        }
        Ok(parts)
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

/// Makes the roots' prefixes distinct (see [`Root::from_args`]).
fn distinct_prefixes(roots: &mut [Root]) {
    let parts = |r: &Root| -> Vec<String> {
        r.path
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    };
    let suffix = |p: &[String], k: usize| p[p.len().saturating_sub(k)..].join("/");
    let all: Vec<(bool, Vec<String>)> = roots
        .iter()
        .map(|r| (r.path.is_absolute(), parts(r)))
        .collect();
    let relative: Vec<String> = roots
        .iter()
        .filter(|r| !r.path.is_absolute())
        .map(|r| r.prefix.clone())
        .collect();
    for (i, root) in roots.iter_mut().enumerate() {
        let (absolute, mine) = &all[i];
        if !absolute {
            continue;
        }
        // The fewest last components that differ from every other absolute root's (a root
        // given twice aside) and from every relative root's name.
        let k = (1..=mine.len())
            .find(|&k| {
                let s = suffix(mine, k);
                !relative.contains(&s)
                    && all.iter().enumerate().all(|(j, (abs, other))| {
                        j == i || !abs || other == mine || suffix(other, k) != s
                    })
            })
            .unwrap_or(mine.len());
        root.prefix = suffix(mine, k);
    }
    // The same root given twice (or relative and absolute names that still meet).
    for i in 1..roots.len() {
        let base = roots[i].prefix.clone();
        let mut n = 1;
        while roots[..i].iter().any(|r| r.prefix == roots[i].prefix) {
            n += 1;
            roots[i].prefix = format!("{base}~{n}");
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
    /// A symlink counts as leaving its root when it leaves this directory instead: the estate
    /// root of a shard (`--relative-to`), so a link to another shard's part is treated as the
    /// whole scan would treat it. `None`: each root.
    pub boundary: Option<PathBuf>,
}

/// How much of a file is sniffed for binary content.
const SNIFF_BYTES: usize = 8192;

/// Looks like binary content: a NUL in the first 8 KiB, unless it is UTF-16 (a BOM, or the
/// NUL-byte pattern of UTF-16 text without one, see [`crate::source::utf16_without_bom`]).
pub fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    memchr::memchr(0, head).is_some() && crate::source::utf16_without_bom(head).is_none()
}

/// Why [`read_evidence`] did not give a text file.
#[derive(Debug)]
pub enum ReadFailure {
    /// The open or a read failed (vanished, permissions; `ELOOP`: the path is now a symlink).
    Io(std::io::Error),
    /// Not a regular file once opened (a FIFO, a device, a directory).
    NotRegular,
    /// The opened file lies outside the scanned root (a directory was swapped for a symlink).
    Outside,
    /// Larger than the limit (bytes seen so far).
    TooLarge(u64),
    Binary,
    /// A `.json.gz` whose decompressed text is over the limit (a gzip bomb, or a large export).
    GzipTooLarge,
    /// A `.json.gz` that is not a well-formed gzip stream (what the decoder said).
    GzipCorrupt(String),
}

impl ReadFailure {
    /// A message without any path of the scanning machine.
    pub fn message(&self, limit: u64) -> String {
        match self {
            ReadFailure::Io(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                "is a symbolic link (changed during the scan?); not followed".into()
            }
            ReadFailure::Io(e) => format!("cannot read: {}", strip_path(&e.to_string())),
            ReadFailure::NotRegular => "not a regular file; not read".into(),
            ReadFailure::Outside => {
                "resolves outside the scanned root (changed during the scan?); not read".into()
            }
            ReadFailure::TooLarge(n) => {
                format!("skipped: {n} bytes is over --max-file-size ({limit} bytes)")
            }
            ReadFailure::Binary => "skipped: binary content".into(),
            ReadFailure::GzipTooLarge => format!(
                "skipped: the decompressed text is over --max-file-size ({limit} bytes); a gzip \
                 bomb, or raise --max-file-size"
            ),
            ReadFailure::GzipCorrupt(what) => format!("{what}: not read"),
        }
    }

    /// The diagnostic kind of this failure.
    pub fn kind(&self) -> DiagKind {
        match self {
            ReadFailure::Io(e) if e.raw_os_error() == Some(libc::ELOOP) => DiagKind::SymlinkEscape,
            ReadFailure::Io(_) | ReadFailure::NotRegular => DiagKind::Unreadable,
            ReadFailure::Outside => DiagKind::SymlinkEscape,
            ReadFailure::TooLarge(_) => DiagKind::TooLarge,
            ReadFailure::Binary => DiagKind::Binary,
            ReadFailure::GzipTooLarge => DiagKind::TooLarge,
            ReadFailure::GzipCorrupt(_) => DiagKind::Unparseable,
        }
    }
}

/// Reads the evidence file at `path` into `buf` (cleared first): opened without following a
/// final symlink and without blocking on a FIFO, then checked (regular file, inside
/// `canonical_root`, at most `limit` bytes), the first 8 KiB sniffed for binary content and only
/// then the rest read. Returns the opened file's metadata.
pub fn read_evidence(
    path: &Path,
    canonical_root: &Path,
    limit: u64,
    buf: &mut Vec<u8>,
) -> Result<std::fs::Metadata, ReadFailure> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    buf.clear();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(ReadFailure::Io)?;
    let meta = file.metadata().map_err(ReadFailure::Io)?;
    if !meta.is_file() {
        return Err(ReadFailure::NotRegular);
    }
    if !opened_inside(&file, canonical_root) {
        return Err(ReadFailure::Outside);
    }
    if meta.len() > limit {
        return Err(ReadFailure::TooLarge(meta.len()));
    }
    if gzip::is_gzip_json(path) {
        // The size check above bounds the compressed file; this bounds its text.
        return match gzip::gunzip_from(std::io::BufReader::new(file), limit, buf) {
            Ok(()) if looks_binary(buf) => Err(ReadFailure::Binary),
            Ok(()) => Ok(meta),
            Err(gzip::GunzipError::Io(e)) => Err(ReadFailure::Io(std::io::Error::other(e))),
            Err(gzip::GunzipError::TooLarge(_)) => Err(ReadFailure::GzipTooLarge),
            Err(gzip::GunzipError::Corrupt(what)) => Err(ReadFailure::GzipCorrupt(what)),
        };
    }
    // The sniffed prefix first: most binaries end here.
    let mut head = file.take(SNIFF_BYTES as u64);
    head.read_to_end(buf).map_err(ReadFailure::Io)?;
    if looks_binary(buf) {
        return Err(ReadFailure::Binary);
    }
    if buf.len() == SNIFF_BYTES {
        buf.reserve(
            usize::try_from(meta.len())
                .unwrap_or(0)
                .saturating_sub(SNIFF_BYTES)
                + 1,
        );
        // Never more than the limit, even when the file grew since `fstat`.
        let mut rest = head
            .into_inner()
            .take(limit.saturating_sub(SNIFF_BYTES as u64) + 1);
        rest.read_to_end(buf).map_err(ReadFailure::Io)?;
        if buf.len() as u64 > limit {
            return Err(ReadFailure::TooLarge(buf.len() as u64));
        }
    }
    Ok(meta)
}

/// Whether the open file lies inside `canonical_root`, from the kernel's name for the open
/// descriptor (`/proc/self/fd/N`). True where that name is not available.
fn opened_inside(file: &std::fs::File, canonical_root: &Path) -> bool {
    use std::os::fd::AsRawFd;
    match std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(real) => real.starts_with(canonical_root),
        Err(_) => true,
    }
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
        let bounded = opts.boundary.as_ref().unwrap_or(&root.path);
        let canonical_root = std::fs::canonicalize(bounded).unwrap_or_else(|_| bounded.clone());
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
                    // A FIFO, socket or device named like evidence is never opened (a FIFO
                    // would block, a device never end), but said (issue 13).
                    if !ft.is_dir() {
                        on_diag(Diagnostic::new(
                            DiagKind::Unreadable,
                            Severity::Note,
                            Evidence::new(root.uri(path), None),
                            "not a regular file (a FIFO, socket or device); not read",
                        ));
                    }
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
                if buf.capacity() > KEEP_BUFFER {
                    buf = Vec::new();
                }
                let meta = match read_evidence(path, canonical_root, opts.max_file_size, &mut buf) {
                    Ok(m) => m,
                    Err(failure) => {
                        let severity = match &failure {
                            ReadFailure::Io(e) if e.raw_os_error() != Some(libc::ELOOP) => Severity::Error,
                            ReadFailure::TooLarge(_) | ReadFailure::GzipTooLarge => Severity::Warning,
                            ReadFailure::GzipCorrupt(_) => Severity::Error,
                            _ => Severity::Note,
                        };
                        if matches!(failure, ReadFailure::Binary) {
                            counters.files.fetch_add(1, Ordering::Relaxed);
                        }
                        // A FIFO or device that was a regular file at listing time: not evidence.
                        if !matches!(failure, ReadFailure::NotRegular) {
                            on_diag(Diagnostic::new(failure.kind(), severity, Evidence::new(uri, None), failure.message(opts.max_file_size)));
                        }
                        return WalkState::Continue;
                    }
                };
                let bytes = buf.as_slice();
                counters.files.fetch_add(1, Ordering::Relaxed);
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
pub(crate) fn strip_path(msg: &str) -> String {
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
    fn roots_with_the_same_base_name_get_distinct_prefixes() {
        let roots = Root::from_args(&[
            PathBuf::from("/srv/a/etc"),
            PathBuf::from("/srv/b/etc"),
            PathBuf::from("/srv/b/etc"),
            PathBuf::from("/opt/a/etc"),
            PathBuf::from("/srv/web"),
        ]);
        let prefixes: Vec<&str> = roots.iter().map(|r| r.prefix.as_str()).collect();
        assert_eq!(
            prefixes,
            ["srv/a/etc", "b/etc", "b/etc~2", "opt/a/etc", "web"]
        );
        assert_eq!(roots[1].uri(Path::new("/srv/b/etc/shadow")), "b/etc/shadow");
    }

    #[test]
    fn binary_detection_allows_utf16() {
        assert!(looks_binary(b"ab\0cd"));
        assert!(!looks_binary(&[0xFF, 0xFE, b'a', 0]));
        assert!(!looks_binary(b"plain text"));
    }
}

#[cfg(test)]
mod open_tests {
    use super::*;

    /// What a file swapped during the crawl turns into: a symlink (not followed), a FIFO (no
    /// hang), a file reached through a directory swapped for a link out of the root.
    #[test]
    fn read_evidence_checks_what_it_opened() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("shadow"), "root:SECRET:1:::::\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("ok.txt"), "hello\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("shadow"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("etc")).unwrap();
        let fifo = root.join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let mut buf = Vec::new();
        assert!(read_evidence(&root.join("ok.txt"), &root, 100, &mut buf).is_ok());
        assert_eq!(buf, b"hello\n");
        let err = read_evidence(&root.join("link"), &root, 100, &mut buf).unwrap_err();
        assert!(matches!(&err, ReadFailure::Io(e) if e.raw_os_error() == Some(libc::ELOOP)));
        assert_eq!(err.kind(), DiagKind::SymlinkEscape);
        assert!(matches!(
            read_evidence(&fifo, &root, 100, &mut buf),
            Err(ReadFailure::NotRegular)
        ));
        assert!(matches!(
            read_evidence(&root.join("etc/shadow"), &root, 100, &mut buf),
            Err(ReadFailure::Outside)
        ));
        assert!(buf.is_empty());
        // Listed, then deleted before it is read (the crawl's race, made certain here): an
        // unreadable file whose message names no path of this machine.
        std::fs::write(root.join("gone.env"), "DB_PASSWORD=x\n").unwrap();
        std::fs::remove_file(root.join("gone.env")).unwrap();
        let err = read_evidence(&root.join("gone.env"), &root, 100, &mut buf).unwrap_err();
        assert!(matches!(&err, ReadFailure::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
        assert_eq!(err.kind(), DiagKind::Unreadable);
        let message = err.message(100);
        assert!(message.starts_with("cannot read: "), "{message}");
        assert!(!message.contains(root.to_str().unwrap()), "{message}");
        // Limits: over the size, and binary after the first 8 KiB is never read.
        std::fs::write(root.join("big"), "x".repeat(101)).unwrap();
        assert!(matches!(
            read_evidence(&root.join("big"), &root, 100, &mut buf),
            Err(ReadFailure::TooLarge(101))
        ));
        let mut binary = vec![b'a'; 100];
        binary.push(0);
        binary.extend(vec![b'b'; 1 << 20]);
        std::fs::write(root.join("bin"), &binary).unwrap();
        assert!(matches!(
            read_evidence(&root.join("bin"), &root, 1 << 30, &mut buf),
            Err(ReadFailure::Binary)
        ));
        assert_eq!(buf.len(), SNIFF_BYTES);
    }

    #[test]
    fn utf16_without_bom_is_text() {
        let le: Vec<u8> = "user,mail\nalice,a@example.test\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "user,mail\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(!looks_binary(&le));
        assert!(!looks_binary(&be));
        assert_eq!(
            crate::source::decode_text(&le),
            "user,mail\nalice,a@example.test\n"
        );
        assert_eq!(crate::source::decode_text(&be), "user,mail\n");
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"));
    }
}
