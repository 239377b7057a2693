//! Linux host trees: a directory that looks like a host root (has `etc/passwd` or `etc/shadow`).
//!
//! Owns parsing of passwd, shadow, group, sudoers (with includes), sshd_config (with Include and
//! Match) and the authorized_keys files sshd would read, plus the optional collection manifest.
//! Absolute paths inside the host's files resolve against the host root, never against the
//! scanning machine's `/`.

use super::Output;
use std::path::Path;

/// One collected host root to scan.
#[derive(Debug, Clone)]
pub struct HostTree<'a> {
    /// The host root on disk.
    pub root: &'a Path,
    /// The host root relative to the scan root, forward slashes, "" when the scan root is the host.
    pub rel_root: &'a str,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_size: u64,
}

/// Whether `dir` looks like a collected host root.
pub fn is_host_root(dir: &Path) -> bool {
    dir.join("etc/passwd").is_file() || dir.join("etc/shadow").is_file()
}

/// Parses everything of interest in one host tree.
pub fn scan_host(_tree: &HostTree<'_>) -> Output {
    Output::default()
}
