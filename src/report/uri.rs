//! Where SARIF artifact URIs are relative to (`%SRCROOT%`): the root of the git work tree that
//! holds every scanned path, so GitHub code scanning finds the files of `scan evidence/` at
//! `evidence/...`; otherwise the scanned directory, as the other formats report paths.
//!
//! The work tree is found by walking up from each scanned path to a `.git` entry (a directory,
//! or a file as in worktrees and submodules); no git binary is needed. Reported paths are made by
//! `discover::Root` (relative to the scanned directory, or starting with each root's prefix);
//! `UriBase::rebase` swaps that prefix for the root's path in the work tree.

use crate::discover::Root;
use std::path::{Path, PathBuf};

/// How SARIF URIs are rooted: `auto` (the git work tree when every scanned path is inside one)
/// or `scanned` (always the scanned directory).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum UriRoot {
    #[default]
    Auto,
    Scanned,
}

/// The `%SRCROOT%` of a SARIF log and how reported paths map onto it.
#[derive(Clone, Debug, Default)]
pub struct UriBase {
    /// (root prefix as reported, the root's path relative to the work tree), longest prefix first.
    /// Empty: paths are used as reported.
    rebased: Vec<(String, String)>,
    /// Files outside the roots (saved LDIF), by reported path: their path in the work tree.
    files: Vec<(String, String)>,
    /// The work tree, when URIs are relative to it.
    tree: Option<PathBuf>,
}

impl UriBase {
    /// Paths stay relative to the scanned directory.
    pub fn scanned() -> UriBase {
        UriBase::default()
    }

    /// The work-tree base for these roots, when every root is inside one and the same work tree.
    pub fn for_roots(roots: &[Root], mode: UriRoot) -> UriBase {
        if mode == UriRoot::Scanned || roots.is_empty() {
            return UriBase::scanned();
        }
        let mut top: Option<PathBuf> = None;
        let mut rebased = Vec::new();
        for r in roots {
            let Ok(abs) = std::fs::canonicalize(&r.path) else {
                return UriBase::scanned();
            };
            let Some(tree) = git_root(&abs) else {
                return UriBase::scanned();
            };
            if top.as_ref().is_some_and(|t| *t != tree) {
                return UriBase::scanned();
            }
            let rel = abs
                .strip_prefix(&tree)
                .map(crate::discover::slash_path)
                .unwrap_or_default();
            rebased.push((r.prefix.clone(), rel));
            top = Some(tree);
        }
        rebased.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        UriBase {
            rebased,
            files: Vec::new(),
            tree: top,
        }
    }

    /// Adds files reported outside the scan roots (the LDIF saved from a live directory), as
    /// (reported path, path on disk): inside the work tree they get their path in it, else they
    /// keep the reported path.
    pub fn with_files(mut self, files: &[(String, PathBuf)]) -> UriBase {
        let Some(tree) = &self.tree else { return self };
        for (reported, path) in files {
            let rel = std::fs::canonicalize(path)
                .ok()
                .and_then(|abs| abs.strip_prefix(tree).ok().map(crate::discover::slash_path))
                .unwrap_or_else(|| reported.clone());
            self.files.push((reported.clone(), rel));
        }
        self
    }

    /// Where the one scanned directory sits in its work tree, when URIs are rebased onto one
    /// (a shard's header keeps it for `correlate`, which has no tree to look at).
    pub fn scanned_dir_in_tree(&self) -> Option<&str> {
        match self.rebased.as_slice() {
            [(prefix, rel)] if prefix.is_empty() => Some(rel),
            _ => None,
        }
    }

    /// The base `for_roots` gives one scanned directory at `rel` in a work tree (see
    /// `scanned_dir_in_tree`).
    pub fn scanned_dir_at(rel: String) -> UriBase {
        UriBase {
            rebased: vec![(String::new(), rel)],
            files: Vec::new(),
            tree: None,
        }
    }

    /// True when URIs are relative to a git work tree's root.
    pub fn is_git(&self) -> bool {
        !self.rebased.is_empty()
    }

    /// The `originalUriBaseIds` description of `%SRCROOT%`.
    pub fn description(&self) -> &'static str {
        if self.is_git() {
            "The root of the git work tree that holds the scanned paths."
        } else {
            "The scanned directory."
        }
    }

    /// A reported path as a path from `%SRCROOT%`.
    pub fn rebase(&self, path: &str) -> String {
        if let Some((_, rel)) = self.files.iter().find(|(reported, _)| reported == path) {
            return rel.clone();
        }
        for (prefix, rel) in &self.rebased {
            let rest = if prefix.is_empty() {
                Some(path)
            } else if path == prefix {
                Some("")
            } else {
                path.strip_prefix(prefix.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            };
            if let Some(rest) = rest {
                return match (rel.is_empty(), rest.is_empty()) {
                    (true, _) => rest.to_string(),
                    (false, true) => rel.clone(),
                    (false, false) => format!("{rel}/{rest}"),
                };
            }
        }
        path.to_string()
    }
}

/// The nearest ancestor of `path` (itself included) holding a `.git` directory or file.
pub fn git_root(path: &Path) -> Option<PathBuf> {
    let mut dir = if path.is_dir() { path } else { path.parent()? };
    loop {
        if dir.join(".git").exists() {
            return Some(dir.to_path_buf());
        }
        dir = dir.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebases_single_directory_and_file_roots() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("evidence/aws")).unwrap();
        std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
        std::fs::write(repo.join("evidence/aws/keys.json"), "{}").unwrap();
        let roots = Root::from_args(&[repo.join("evidence")]);
        let base = UriBase::for_roots(&roots, UriRoot::Auto);
        assert!(base.is_git());
        assert_eq!(base.rebase("aws/keys.json"), "evidence/aws/keys.json");
        let scanned = UriBase::for_roots(&roots, UriRoot::Scanned);
        assert_eq!(scanned.rebase("aws/keys.json"), "aws/keys.json");

        // A saved LDIF beside the evidence, reported relative to the current directory.
        std::fs::write(repo.join("ldap.ldif"), "dn: x\n").unwrap();
        let with = base
            .clone()
            .with_files(&[("ldap.ldif".to_string(), repo.join("ldap.ldif"))]);
        assert_eq!(with.rebase("ldap.ldif"), "ldap.ldif");
        assert_eq!(with.rebase("aws/keys.json"), "evidence/aws/keys.json");

        let file = repo.join("evidence/aws/keys.json");
        let roots = Root::from_args(std::slice::from_ref(&file));
        let base = UriBase::for_roots(&roots, UriRoot::Auto);
        assert_eq!(base.rebase("keys.json"), "evidence/aws/keys.json");
    }

    #[test]
    fn outside_a_work_tree_paths_stay() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("e")).unwrap();
        // A temp dir may itself be under a repository; only assert when it is not.
        if git_root(dir.path()).is_none() {
            let roots = Root::from_args(&[dir.path().join("e")]);
            let base = UriBase::for_roots(&roots, UriRoot::Auto);
            assert!(!base.is_git());
            assert_eq!(base.rebase("a/b"), "a/b");
        }
    }
}
