//! One integration test binary (ripgrep's `autotests = false` pattern). Each module covers one
//! concern; they all drive the real `resetgap` binary.

mod common;

/// Live LDAP against a real slapd started on loopback (tests/ldap/start-slapd.sh).
mod ldap;
/// Live LDAP against hostile in-process servers: time, size and memory limits (issue 13).
mod ldap_hostile;
/// Live Active Directory against a throwaway Samba AD DC (tests/ldap/start-samba-ad.sh; root only).
mod samba;

/// CLI behaviour: help, exit codes, argument validation, broken input.
mod cli;
/// `resetgap closure`: the reset closure report pinned on `fixtures/closure`.
mod closure;
/// The Linux collector (collect/collect-linux.sh) against a synthetic root and this machine's root.
mod collector;
/// Delivery: git-root SARIF URIs, the result cap, baselines, exceptions, diff, configuration.
mod delivery;
/// The demo estate: every expected finding and every near miss.
mod estate;
/// Evidence that leaks nothing: planted secrets in every output, secret ids, shadow redaction.
mod evidence;
/// HTML, Markdown and CSV reports: parsed back, escaped, deterministic.
mod formats;
/// Hostile and broken input files: bombs, races, binary and oversized evidence (issue 13).
mod hostile;
/// The HTML report in a real headless Chromium (skips without chromium unless CI=true).
mod html;
/// Issue 12's combined incident across AD, Entra, Okta, AWS and a ticket export.
mod incident;
/// The bad-input matrix: every hostile or broken input kind in one table (issue 13).
mod matrix;
/// The inventory merge does not depend on file names.
mod merge;
/// Packaging and rule docs: JUnit and GitLab outputs, the Action and pre-commit manifests, rule
/// pages and levels.
mod packaging;
/// Identity-first reports: story groups, urgency order, scope and coverage, quiet stderr.
mod report;
/// The revocation model in messages: what a reset in each system revokes.
mod revocation;
/// Every rule's `fail/` and `pass/` fixtures under `fixtures/rules/`.
mod rules;
/// SARIF contract: snapshot, structure, validation with `shared/tools/validate-sarif`.
mod sarif;
/// The combined cloud/SaaS reset scenario and locale refusal.
mod scenario;
/// Shards: an estate scanned in parts and merged by `correlate` reports as one scan.
mod shards;
/// sshd_config resolution against the real `sshd -T -C` (hand-written pins and generated files).
mod sshd_differential;
/// sudoers semantics against the real sudo, visudo and a private mount namespace.
mod sudo_differential;
