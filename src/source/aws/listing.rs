//! The CLI listings `list-access-keys`, `list-service-specific-credentials` and
//! `list-ssh-public-keys` (formats-cloud-saas.md §1.3).
//!
//! A file may hold one response object, a JSON array of them, JSON Lines, or pretty-printed
//! objects one after another (`for u in ...; do aws iam list-access-keys --user-name $u; done >>`),
//! with items of several users. Each item becomes a `Credential` owned by its `UserName`.
//!
//! Evidence is the line of the item's id value (`"AccessKeyId": "AKIA..."`), found textually in
//! the item's own byte range; minified JSON therefore points at line 1 (or the JSON Lines line).
//! A problem with a field points at that field's line.
//!
//! A JSON value that does not parse is reported at its line; parsing resumes at the next line that
//! starts (column 0) with `{` or `[`, and complete item objects inside the broken value (a
//! truncated file) are still used.

use super::report::json_error_kind;
use super::{find_key, Lines, SYSTEM};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use crate::source::Output;
use serde_json::{Map, Value};

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
    let parser = Parser {
        path,
        text,
        lines: Lines::new(text),
    };
    let mut out = Output::default();
    parser.values(&mut out);
    out
}

struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    lines: Lines,
}

impl Parser<'_> {
    /// Reads every top-level JSON value, resynchronising after broken ones.
    fn values(&self, out: &mut Output) {
        let mut pos = if self.text.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        while pos < self.text.len() {
            let Some(rest) = self.text.get(pos..) else {
                return;
            };
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            let mut resume = None;
            loop {
                let before = pos + stream.byte_offset();
                match stream.next() {
                    None => break,
                    Some(Ok(value)) => {
                        let end = pos + stream.byte_offset();
                        let start = skip_ws(self.text, before);
                        self.top_value(&value, start, end, out);
                    }
                    Some(Err(e)) => {
                        let start = skip_ws(self.text, before);
                        let start_line = self.lines.line_of(start);
                        // serde_json counts lines from `rest`, which starts at a line start.
                        let error_line = self
                            .lines
                            .line_of(pos)
                            .saturating_add(u32::try_from(e.line()).unwrap_or(u32::MAX))
                            .saturating_sub(1)
                            .max(start_line);
                        let next = self.next_value_start(start_line);
                        let salvaged = self.salvage(start, next.unwrap_or(self.text.len()), out);
                        let mut message = format!(
                            "{}; the JSON value starting at line {start_line} was skipped",
                            json_error_kind(&e)
                        );
                        if salvaged > 0 {
                            message.push_str(&format!(
                                " except {salvaged} complete credential item(s) inside it"
                            ));
                        }
                        out.diag(Diagnostic::malformed(self.path, error_line, message));
                        resume = next;
                        break;
                    }
                }
            }
            match resume {
                Some(next) if next > pos => pos = next,
                _ => return,
            }
        }
    }

    /// The first line after `line` that starts with `{` or `[` in column 0.
    fn next_value_start(&self, line: u32) -> Option<usize> {
        (line.saturating_add(1)..=self.lines.count()).find_map(|l| {
            let start = self.lines.start_of(l)?;
            let first = self.text.as_bytes().get(start)?;
            matches!(first, b'{' | b'[').then_some(start)
        })
    }

    fn top_value(&self, value: &Value, start: usize, end: usize, out: &mut Output) {
        match value {
            Value::Object(obj) => self.response(obj, start, end, out),
            Value::Array(items) => {
                let ranges = object_ranges(self.text, start, end, 1);
                let mut ranges = ranges.into_iter();
                for item in items {
                    match item {
                        Value::Object(obj) => {
                            let (s, e) = ranges.next().unwrap_or((start, end));
                            self.response(obj, s, e, out);
                        }
                        _ => out.diag(Diagnostic::malformed(
                            self.path,
                            self.lines.line_of(start),
                            "array element is not a listing object; skipped",
                        )),
                    }
                }
            }
            _ => out.diag(Diagnostic::malformed(
                self.path,
                self.lines.line_of(start),
                "JSON value is not a listing object or array; skipped",
            )),
        }
    }

    /// One CLI response object, found in `text[start..end]`.
    fn response(&self, obj: &Map<String, Value>, start: usize, end: usize, out: &mut Output) {
        let mut seen = false;
        for listing in &LISTINGS {
            let Some(items) = obj.get(listing.key) else {
                continue;
            };
            seen = true;
            let key_pos = find_key(self.text, start, end, listing.key, None).unwrap_or(start);
            let Value::Array(items) = items else {
                out.diag(Diagnostic::malformed(
                    self.path,
                    self.lines.line_of(key_pos),
                    format!("`{}` is not an array; skipped", listing.key),
                ));
                continue;
            };
            let elements = array_elements(self.text, key_pos, end);
            for (index, item) in items.iter().enumerate() {
                let range = elements.get(index).copied().unwrap_or((key_pos, end));
                self.item(listing, item, range, out);
            }
        }
        if obj.get("IsTruncated") == Some(&Value::Bool(true)) {
            let at = find_key(self.text, start, end, "IsTruncated", None).unwrap_or(start);
            out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                Evidence::at(self.path, self.lines.line_of(at)),
                "listing is truncated (`IsTruncated` is true): later pages are missing; \
                 re-run the CLI without `--max-items`",
            ));
        }
        if !seen {
            out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                Evidence::at(self.path, self.lines.line_of(start)),
                "JSON object holds no IAM credential listing; ignored",
            ));
        }
    }

    /// One listed credential, found in `text[range]`.
    fn item(
        &self,
        listing: &Listing,
        item: &Value,
        (start, end): (usize, usize),
        out: &mut Output,
    ) {
        let here = self.lines.line_of(start);
        let Value::Object(item) = item else {
            out.diag(Diagnostic::malformed(
                self.path,
                here,
                format!("`{}` item is not an object; skipped", listing.key),
            ));
            return;
        };
        let field_line = |field: &str| {
            find_key(self.text, start, end, field, None)
                .map(|p| self.lines.line_of(p))
                .unwrap_or(here)
        };
        let id = match item.get(listing.id_field) {
            Some(Value::String(id)) if valid_id(id) => id.as_str(),
            Some(Value::String(_)) => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    field_line(listing.id_field),
                    format!("`{}` is not a valid IAM id; item skipped", listing.id_field),
                ));
                return;
            }
            Some(_) => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    field_line(listing.id_field),
                    format!("`{}` is not a string; item skipped", listing.id_field),
                ));
                return;
            }
            None => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    here,
                    format!(
                        "`{}` item has no `{}`; skipped",
                        listing.key, listing.id_field
                    ),
                ));
                return;
            }
        };
        let needle = format!("\"{id}\"");
        let line = match self.text.get(start..end).and_then(|h| h.find(&needle)) {
            Some(found) => self.lines.line_of(start + found),
            None => here,
        };
        let mut problems = Vec::new();
        let cred = self.credential(listing, id, item, line, &mut problems);
        for (field, problem) in problems {
            let at = if field == "UserName" && !item.contains_key(field) {
                line
            } else {
                field_line(field)
            };
            out.diag(Diagnostic::malformed(
                self.path,
                at,
                format!("`{}` item: {problem}", listing.key),
            ));
        }
        out.record(Record::Credential(cred));
    }

    /// Builds the credential from a parsed item, noting problems per field.
    fn credential(
        &self,
        listing: &Listing,
        id: &str,
        item: &Map<String, Value>,
        line: u32,
        problems: &mut Vec<(&'static str, String)>,
    ) -> Credential {
        let service = match item.get("ServiceName") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
            Some(Value::String(_)) | None => None,
            Some(_) => {
                problems.push(("ServiceName", "`ServiceName` is not a string".into()));
                None
            }
        };
        let label = match (listing.kind, service) {
            (CredentialKind::AccessKey, _) => "AWS access key".to_string(),
            (CredentialKind::SshKey, _) => "AWS IAM SSH public key".to_string(),
            (_, Some(s)) => format!("{s} service-specific credential"),
            (_, None) => "AWS service-specific credential".to_string(),
        };
        let mut cred = Credential::new(listing.kind, id, &label, Evidence::at(self.path, line));
        match item.get("UserName") {
            Some(Value::String(u)) if !u.is_empty() => {
                cred.owner = Some(OwnerRef {
                    system: Some(SYSTEM.to_string()),
                    login: u.clone(),
                })
            }
            Some(Value::String(_)) | None => {
                problems.push(("UserName", "no `UserName`; owner unknown".into()))
            }
            Some(_) => problems.push((
                "UserName",
                "`UserName` is not a string; owner unknown".into(),
            )),
        }
        cred.status = match item.get("Status") {
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "active" => CredentialStatus::Active,
                "inactive" => CredentialStatus::Inactive,
                "expired" => CredentialStatus::Expired,
                _ => {
                    problems.push((
                        "Status",
                        "`Status` is not Active, Inactive or Expired".into(),
                    ));
                    CredentialStatus::Unknown
                }
            },
            None => CredentialStatus::Unknown,
            Some(_) => {
                problems.push(("Status", "`Status` is not a string".into()));
                CredentialStatus::Unknown
            }
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

    /// Parses complete credential items inside a broken value; returns how many were used.
    fn salvage(&self, start: usize, end: usize, out: &mut Output) -> usize {
        let mut used = 0;
        for (s, e) in object_ranges(self.text, start, end, usize::MAX) {
            let Some(Ok(Value::Object(obj))) =
                self.text.get(s..e).map(serde_json::from_str::<Value>)
            else {
                continue;
            };
            let Some(listing) = LISTINGS.iter().find(|l| obj.contains_key(l.id_field)) else {
                continue;
            };
            self.item(listing, &Value::Object(obj), (s, e), out);
            used += 1;
        }
        used
    }
}

/// A date field: `None` when absent or `null`; a problem noted when it is not a date.
fn date(
    item: &Map<String, Value>,
    field: &'static str,
    problems: &mut Vec<(&'static str, String)>,
) -> Option<When> {
    match item.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match When::parse_instant(s) {
            Some(w) => Some(w),
            None => {
                problems.push((
                    field,
                    format!("`{field}` is not a date; treated as unknown"),
                ));
                Some(When::Unknown)
            }
        },
        Some(_) => {
            problems.push((
                field,
                format!("`{field}` is not a string; treated as unknown"),
            ));
            Some(When::Unknown)
        }
    }
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while bytes.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    pos
}

/// Byte ranges of the JSON objects in `text[start..end]`, scanning strings correctly. With
/// `depth` 1 only the objects directly inside the outermost array or object are returned (in
/// order); with `usize::MAX`, every object that closes (innermost first).
fn object_ranges(text: &str, start: usize, end: usize, depth: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut ranges = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut i = start;
    while i < end {
        let b = bytes.get(i).copied().unwrap_or(b' ');
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => stack.push((b, i)),
                b'}' | b']' => {
                    if let Some((open, at)) = stack.pop() {
                        let level = stack.len();
                        if open == b'{' && b == b'}' && (depth == usize::MAX || level == depth) {
                            ranges.push((at, i + 1));
                        }
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    ranges
}

/// Byte ranges of the elements of the JSON array that follows `from` (the array's key), in
/// order; each range runs from the element's first byte to the `,` or `]` after it.
fn array_elements(text: &str, from: usize, end: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut elements = Vec::new();
    let Some(open) = bytes
        .get(from..end)
        .and_then(|b| b.iter().position(|c| *c == b'['))
        .map(|p| from + p)
    else {
        return elements;
    };
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut current: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate().take(end).skip(open + 1) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if depth == 0 && current.is_none() && !b.is_ascii_whitespace() && b != b']' {
            current = Some(i);
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b']' if depth == 0 => {
                if let Some(s) = current.take() {
                    elements.push((s, i));
                }
                break;
            }
            b']' => depth -= 1,
            b',' if depth == 0 => {
                if let Some(s) = current.take() {
                    elements.push((s, i));
                }
            }
            _ => {}
        }
    }
    elements
}
