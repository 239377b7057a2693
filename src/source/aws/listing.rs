//! The CLI listings `list-access-keys`, `list-service-specific-credentials` and
//! `list-ssh-public-keys` (formats-cloud-saas.md §1.3).
//!
//! A file may hold one response object, a JSON array of them, JSON Lines, or pretty-printed
//! objects one after another (`for u in ...; do aws iam list-access-keys --user-name $u; done >>`),
//! with items of several users. Each item becomes a `Credential` owned by its `UserName`.
//!
//! Evidence is the line of the item's id value (`"AccessKeyId": "AKIA..."`), as the JSON reader
//! (`source::json`) located it; minified JSON therefore points at line 1 (or the JSON Lines line).
//! A problem with a field points at that field's line.
//!
//! Broken JSON follows the reader's one policy: the break is an error at its line, the complete
//! items before it are used, and reading resumes at the next top-level value.

use super::SYSTEM;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use crate::source::json::field::time_field;
use crate::source::json::{Doc, Node};
use crate::source::Output;

/// One listing key and how its items read.
struct Listing {
    key: &'static str,
    kind: CredentialKind,
    id_field: &'static str,
    date_field: &'static str,
}

const LISTINGS: [Listing; 3] = [
    Listing {
        key: "AccessKeyMetadata",
        kind: CredentialKind::AccessKey,
        id_field: "AccessKeyId",
        date_field: "CreateDate",
    },
    Listing {
        key: "ServiceSpecificCredentials",
        kind: CredentialKind::AppPassword,
        id_field: "ServiceSpecificCredentialId",
        date_field: "CreateDate",
    },
    Listing {
        key: "SSHPublicKeys",
        kind: CredentialKind::SshKey,
        id_field: "SSHPublicKeyId",
        date_field: "UploadDate",
    },
];

/// IAM ids are upper-case alphanumerics (`AKIA…`, `ACCA…`, `APKA…`), 16 to 128 characters.
fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    for value in &doc.values {
        top_value(&doc, value, &mut out);
    }
    doc.report_breaks(&mut out);
    out
}

fn top_value(doc: &Doc<'_>, value: &Node<'_>, out: &mut Output) {
    if value.is_obj() {
        response(doc, value, out);
    } else if let Some(elements) = value.items() {
        for element in elements {
            if element.is_obj() {
                response(doc, element, out);
            } else {
                out.diag(Diagnostic::malformed(
                    doc.path,
                    doc.line(value),
                    "array element is not a listing object; skipped",
                ));
            }
        }
    } else {
        out.diag(Diagnostic::malformed(
            doc.path,
            doc.line(value),
            "JSON value is not a listing object or array; skipped",
        ));
    }
}

/// One CLI response object (complete, or cut by a break: then its complete items are used).
fn response(doc: &Doc<'_>, obj: &Node<'_>, out: &mut Output) {
    let mut seen = false;
    for listing in &LISTINGS {
        let Some(items) = obj.get(listing.key) else {
            continue;
        };
        seen = true;
        let Some(items) = items.items() else {
            out.diag(doc.malformed_at(
                obj,
                listing.key,
                format!("`{}` is not an array; skipped", listing.key),
            ));
            continue;
        };
        for item in items {
            self::item(doc, listing, item, out);
        }
    }
    if obj.get("IsTruncated").and_then(Node::as_bool) == Some(true) {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Warning,
            Evidence::at(doc.path, doc.key_line(obj, "IsTruncated")),
            "listing is truncated (`IsTruncated` is true): later pages are missing; \
             re-run the CLI without `--max-items`",
        ));
    }
    if !seen && !obj.partial {
        out.diag(Diagnostic::new(
            DiagKind::Malformed,
            Severity::Note,
            doc.evidence(obj),
            "JSON object holds no IAM credential listing; ignored",
        ));
    }
}

/// One listed credential.
fn item(doc: &Doc<'_>, listing: &Listing, item: &Node<'_>, out: &mut Output) {
    if item.partial {
        // Cut by a break, reported once for the file.
        return;
    }
    let here = doc.line(item);
    if !item.is_obj() {
        out.diag(Diagnostic::malformed(
            doc.path,
            here,
            format!("`{}` item is not an object; skipped", listing.key),
        ));
        return;
    }
    let (id, line) = match item.get(listing.id_field) {
        Some(id) => match id.str() {
            Some(s) if valid_id(s) => (s, doc.line(id)),
            Some(_) => {
                out.diag(doc.malformed_at(
                    item,
                    listing.id_field,
                    format!("`{}` is not a valid IAM id; item skipped", listing.id_field),
                ));
                return;
            }
            None => {
                out.diag(doc.malformed_at(
                    item,
                    listing.id_field,
                    format!("`{}` is not a string; item skipped", listing.id_field),
                ));
                return;
            }
        },
        None => {
            out.diag(Diagnostic::malformed(
                doc.path,
                here,
                format!(
                    "`{}` item has no `{}`; skipped",
                    listing.key, listing.id_field
                ),
            ));
            return;
        }
    };
    let mut problems = Vec::new();
    let cred = credential(doc, listing, id, item, line, &mut problems);
    for (field, problem) in problems {
        let at = if field == "UserName" && !item.has(field) {
            line
        } else {
            doc.key_line(item, field)
        };
        out.diag(Diagnostic::malformed(
            doc.path,
            at,
            format!("`{}` item: {problem}", listing.key),
        ));
    }
    out.record(Record::Credential(cred));
}

/// A non-empty string field: `Ok(None)` when absent or empty, `Err` when not a string (`null`
/// included: the CLI never writes it).
fn text_field<'n>(item: &'n Node<'_>, key: &str) -> Result<Option<&'n str>, ()> {
    match item.get(key) {
        None => Ok(None),
        Some(v) => v.str().map(|s| (!s.is_empty()).then_some(s)).ok_or(()),
    }
}

/// Builds the credential from a parsed item, noting problems per field.
fn credential(
    doc: &Doc<'_>,
    listing: &Listing,
    id: &str,
    item: &Node<'_>,
    line: u32,
    problems: &mut Vec<(&'static str, String)>,
) -> Credential {
    let service = text_field(item, "ServiceName").unwrap_or_else(|()| {
        problems.push(("ServiceName", "`ServiceName` is not a string".into()));
        None
    });
    let label = match (listing.kind, service) {
        (CredentialKind::AccessKey, _) => "AWS access key".to_string(),
        (CredentialKind::SshKey, _) => "AWS IAM SSH public key".to_string(),
        (_, Some(s)) => format!("{s} service-specific credential"),
        (_, None) => "AWS service-specific credential".to_string(),
    };
    let mut cred = Credential::new(listing.kind, id, &label, Evidence::at(doc.path, line));
    match text_field(item, "UserName") {
        Ok(Some(u)) => {
            cred.owner = Some(OwnerRef {
                system: Some(SYSTEM.to_string()),
                login: u.to_string(),
            })
        }
        Ok(None) => problems.push(("UserName", "no `UserName`; owner unknown".into())),
        Err(()) => problems.push((
            "UserName",
            "`UserName` is not a string; owner unknown".into(),
        )),
    }
    cred.status = match item.get("Status") {
        None => CredentialStatus::Unknown,
        Some(v) => match v.str().map(str::to_ascii_lowercase).as_deref() {
            Some("active") => CredentialStatus::Active,
            Some("inactive") => CredentialStatus::Inactive,
            Some("expired") => CredentialStatus::Expired,
            Some(_) => {
                problems.push((
                    "Status",
                    "`Status` is not Active, Inactive or Expired".into(),
                ));
                CredentialStatus::Unknown
            }
            None => {
                problems.push(("Status", "`Status` is not a string".into()));
                CredentialStatus::Unknown
            }
        },
    };
    cred.issued = date(item, listing.date_field, problems).unwrap_or(When::Unknown);
    cred.issued_basis = if cred.issued.is_known() {
        IssuedBasis::Recorded
    } else {
        IssuedBasis::Unknown
    };
    cred.expires = match listing.kind {
        // Present only for keys created with an expiry (Bedrock, CloudWatch Logs).
        CredentialKind::AppPassword => {
            date(item, "ExpirationDate", problems).unwrap_or(When::Never)
        }
        // Access keys and SSH keys do not expire.
        _ => When::Never,
    };
    if listing.kind == CredentialKind::AppPassword {
        cred.detail = service.map(str::to_string);
    }
    cred
}

/// A date field: `None` when absent or `null`; a problem noted (in the reader's one wording)
/// when it is not a date.
fn date(
    item: &Node<'_>,
    field: &'static str,
    problems: &mut Vec<(&'static str, String)>,
) -> Option<When> {
    let value = time_field(item, field, When::parse_instant);
    if let Some(problem) = value.time_problem(field) {
        problems.push((field, problem));
        return Some(When::Unknown);
    }
    value.ok()
}
