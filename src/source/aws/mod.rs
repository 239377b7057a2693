//! AWS IAM exports: the credential report (CSV, or the JSON wrapper of `get-credential-report`)
//! and the JSON of `aws iam list-access-keys`, `list-service-specific-credentials` and
//! `list-ssh-public-keys`. Formats: `../shared/reference/formats-cloud-saas.md` §1.
//!
//! This module owns recognising those exports by content ([`sniff`]), turning them into
//! `Account` and `Credential` records ([`parse`]), and the AWS-only join of credential-report key
//! slots with listed access keys ([`join`]). It does not decide findings (the rules do) and does
//! not know other sources.
//!
//! Layout:
//! - `report`: the credential report, raw CSV or base64 inside the JSON wrapper;
//! - `listing`: the CLI listings, one object, a JSON array of them, JSON Lines or concatenated
//!   pretty-printed objects (what looping the CLI over users with `>>` produces);
//! - `join`: report slot + listed key of the same user with the same creation time.
//!
//! Every time goes through `When`; the report's sentinels (`N/A`, `no_information`,
//! `not_supported`, empty) never become dates.

mod join;
mod listing;
mod report;
#[cfg(test)]
mod tests;

use super::Output;
use crate::inventory::Record;
use crate::source::registry::{BySniff, ParseInput, Sniff};

pub use report::generated_time;

/// The AWS exports this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsExport {
    CredentialReportCsv,
    /// The `get-credential-report` JSON wrapper (`Content` holds the base64 CSV). Also used for a
    /// file holding only the base64 text (`--query Content --output text` without `base64 -d`).
    CredentialReportJson,
    AccessKeys,
    ServiceSpecificCredentials,
    SshPublicKeys,
}

/// The credential report header starts with these columns (AWS IAM User Guide, "Getting
/// credential reports").
const REPORT_HEADER_START: &str = "user,arn,user_creation_time";

/// `REPORT_HEADER_START` in standard base64: a saved `Content` value that was never decoded.
const REPORT_HEADER_BASE64: &str = "dXNlcixhcm4sdXNlcl9jcmVhdGlvbl90aW1l";

/// The listing keys, each an array of credential items.
const LISTING_KEYS: [(&str, AwsExport); 3] = [
    ("AccessKeyMetadata", AwsExport::AccessKeys),
    (
        "ServiceSpecificCredentials",
        AwsExport::ServiceSpecificCredentials,
    ),
    ("SSHPublicKeys", AwsExport::SshPublicKeys),
];

/// Recognises an AWS export by content (not by file name). Only the first and last few KB are
/// looked at, textually; nothing is fully parsed.
pub fn sniff(file: &Sniff<'_>) -> Option<AwsExport> {
    let head = file.body_head();
    if starts_with_ignore_case(head, REPORT_HEADER_START) || is_reordered_report_header(head) {
        return Some(AwsExport::CredentialReportCsv);
    }
    if head.starts_with(REPORT_HEADER_BASE64) {
        return Some(AwsExport::CredentialReportJson);
    }
    if !(head.starts_with('{') || head.starts_with('[')) {
        return None;
    }
    // The listing key that comes first in the file names the export.
    let listing = LISTING_KEYS
        .iter()
        .filter_map(|(key, kind)| find_key(head, 0, head.len(), key, Some('[')).map(|p| (p, *kind)))
        .min_by_key(|(p, _)| *p);
    if let Some((_, kind)) = listing {
        return Some(kind);
    }
    // The CLI prints `Content` first; a large report pushes the other keys past the head.
    if find_key(head, 0, head.len(), "Content", Some('"')).is_some() {
        let tail = file.tail();
        let has = |key: &str| {
            find_key(head, 0, head.len(), key, None).is_some()
                || find_key(tail, 0, tail.len(), key, None).is_some()
        };
        if has("ReportFormat") || has("GeneratedTime") {
            return Some(AwsExport::CredentialReportJson);
        }
    }
    None
}

/// Parses one export; `path` is the file relative to the scan root.
///
/// A listing file is read for all three listing keys whatever `kind` says, so a file that
/// merges several listings loses nothing.
pub fn parse(kind: AwsExport, path: &str, text: &str) -> Output {
    match kind {
        AwsExport::CredentialReportCsv => report::parse_csv(path, text),
        AwsExport::CredentialReportJson => report::parse_wrapper(path, text),
        AwsExport::AccessKeys
        | AwsExport::ServiceSpecificCredentials
        | AwsExport::SshPublicKeys => listing::parse(path, text),
    }
}

/// Joins credential-report key slots with `list-access-keys` entries after all files are parsed.
///
/// A slot (`aws:<user>:access_key_<n>`) whose `issued` (the report's `last_rotated`, i.e. the key's
/// creation time) is within one second of a listed key's `CreateDate` for the same user is folded
/// into that listed key: the listed key keeps its id, status and evidence, takes `last_used` from
/// the report, and gets the report row in `related`. Unmatched slots stay as they are.
pub fn join(records: &mut Vec<Record>) {
    join::join(records);
}

/// AWS IAM exports: the credential report and the `list-*` listings.
pub static SOURCE: BySniff<AwsExport> = BySniff {
    name: "aws",
    sniff,
    read,
    join: join::join,
    dated_by_file_time: false,
};

fn read(kind: AwsExport, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

/// The owner system of every AWS record.
const SYSTEM: &str = "aws";

/// A first line that names the report's leading columns in another order (a re-saved report).
fn is_reordered_report_header(head: &str) -> bool {
    let Some(first) = head.lines().next() else {
        return false;
    };
    let columns: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    ["user", "arn", "user_creation_time", "password_enabled"]
        .iter()
        .all(|name| columns.iter().any(|c| c == name))
}

fn starts_with_ignore_case(s: &str, start: &str) -> bool {
    s.get(..start.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(start))
}

/// Byte position of the JSON key `"key"` (followed by optional whitespace and `:`) in
/// `text[from..to]`; with `value_start`, the value must begin with that character. A textual test
/// for [`sniff`] only: parsing locates keys with `source::json`.
fn find_key(
    text: &str,
    from: usize,
    to: usize,
    key: &str,
    value_start: Option<char>,
) -> Option<usize> {
    let hay = text.get(from..to)?;
    let needle = format!("\"{key}\"");
    let mut at = 0;
    while let Some(found) = hay.get(at..).and_then(|h| h.find(&needle)) {
        let pos = at + found;
        let after = hay.get(pos + needle.len()..).unwrap_or("").trim_start();
        if let Some(value) = after.strip_prefix(':') {
            let value = value.trim_start();
            if value_start.is_none_or(|c| value.starts_with(c)) {
                return Some(from + pos);
            }
        }
        at = pos + needle.len();
    }
    None
}
