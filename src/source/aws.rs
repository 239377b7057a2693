//! AWS IAM exports: the credential report (CSV, or the JSON wrapper of `get-credential-report`)
//! and the JSON of `aws iam list-access-keys`, `list-service-specific-credentials` and
//! `list-ssh-public-keys`. Formats: `../shared/reference/formats-cloud-saas.md` §1.

use super::Output;
use crate::inventory::Record;

/// The AWS exports this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwsExport {
    CredentialReportCsv,
    CredentialReportJson,
    AccessKeys,
    ServiceSpecificCredentials,
    SshPublicKeys,
}

/// Recognises an AWS export by content (not by file name).
pub fn sniff(_text: &str) -> Option<AwsExport> {
    None
}

/// Parses one export; `path` is the file relative to the scan root.
pub fn parse(_kind: AwsExport, _path: &str, _text: &str) -> Output {
    Output::default()
}

/// Joins credential-report key slots with `list-access-keys` entries after all files are parsed.
pub fn join(_records: &mut Vec<Record>) {}
