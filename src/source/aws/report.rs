//! The IAM credential report: the raw CSV, or the `get-credential-report` JSON wrapper whose
//! `Content` is that CSV in base64 (formats-cloud-saas.md §1.1, §1.2).
//!
//! Columns are found by header name, so reordered and extra columns are fine. Each row becomes an
//! `Account`, plus one `Credential` per access key slot and signing certificate slot that exists.
//!
//! Evidence: for the CSV, the physical line of the row (header = line 1, CRLF and quoted newlines
//! counted as the csv crate counts them). For the JSON wrapper every record points at the wrapper
//! line that holds `"Content"` (the decoded rows have no line of their own in the file); the
//! decoded row's line goes into credential `detail` and diagnostic messages.
//!
//! Initial password: `password_last_changed` is set by any password set, including the first at
//! user creation. The value is kept as `password_last_set` as the report states it, and `created`
//! is always filled from `user_creation_time`, so a rule can tell the initial password from a reset
//! with `Account::password_is_initial` (within a minute of creation).

use super::SYSTEM;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Account, AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis,
    OwnerRef, PasswordState, Record, SourceKind, When,
};
use crate::source::json::{tree, Doc};
use crate::source::text::LineIndex;
use crate::source::{decode_text, Output};
use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine as _;

/// The `GeneratedTime` of a credential report JSON wrapper: the report's as-of time. `None` when
/// the text is not such a wrapper or the time is absent or not a date.
pub fn generated_time(text: &str) -> Option<When> {
    let (values, errors) = tree::parse_stream(text);
    if !errors.is_empty() || values.len() != 1 {
        return None;
    }
    When::parse_instant(values.first()?.get("GeneratedTime")?.str()?)
}

/// Columns without which a row says nothing useful about a reset gap: the file is unparseable.
const REQUIRED: [&str; 8] = [
    "user",
    "arn",
    "password_enabled",
    "password_last_changed",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
];

/// Columns that feed records but whose absence only loses detail (reported once as incomplete).
const OPTIONAL: [&str; 11] = [
    "user_creation_time",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// ARN path segments that mark a machine identity (`user/svc/ci-deploy`).
const SERVICE_PATH_SEGMENTS: [&str; 18] = [
    "svc",
    "service",
    "services",
    "service-account",
    "service-accounts",
    "serviceaccount",
    "serviceaccounts",
    "system",
    "systems",
    "automation",
    "bot",
    "bots",
    "machine",
    "machines",
    "ci",
    "cicd",
    "app",
    "apps",
];

/// `last_used_date` of `N/A` also covers "used before tracking began" (2015-04-22).
const KEY_USE_TRACKING_START: i64 = 1_429_660_800;

pub(super) fn parse_csv(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let ctx = Ctx {
        path,
        wrapper_line: None,
    };
    ctx.rows(text, &mut out);
    out
}

pub(super) fn parse_wrapper(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let body = text.trim_start_matches('\u{feff}');
    let trimmed = body.trim_start();
    let lines = LineIndex::new(body);
    let first_line = lines.line_of(body.len() - trimmed.len());

    let (content, content_line) = if trimmed.starts_with('{') {
        let doc = Doc::parse(path, body);
        // The wrapper is one object: a break anywhere leaves the report unusable.
        let value = match (doc.values.first(), doc.errors.first()) {
            (Some(v), None) if v.is_obj() => v,
            (_, Some(e)) => {
                out.diag(Diagnostic::unparseable(
                    path,
                    Some(doc.line_at(e.at)),
                    format!("credential report wrapper: {}", e.kind),
                ));
                return out;
            }
            _ => {
                out.diag(Diagnostic::unparseable(
                    path,
                    Some(first_line),
                    "credential report wrapper is not a JSON object",
                ));
                return out;
            }
        };
        let content_line = doc.key_line(value, "Content");
        let content = match value.get("Content") {
            Some(c) => match c.str() {
                Some(s) => s.to_string(),
                None => {
                    out.diag(Diagnostic::unparseable(
                        path,
                        Some(content_line),
                        "credential report wrapper: `Content` is not a string",
                    ));
                    return out;
                }
            },
            None => {
                out.diag(Diagnostic::unparseable(
                    path,
                    Some(first_line),
                    "credential report wrapper has no `Content`",
                ));
                return out;
            }
        };
        if let Some(format) = value.get("ReportFormat") {
            if !format
                .str()
                .is_some_and(|f| f.trim().eq_ignore_ascii_case("text/csv"))
            {
                out.diag(Diagnostic::unparseable(
                    path,
                    Some(doc.key_line(value, "ReportFormat")),
                    "credential report wrapper: `ReportFormat` is not `text/csv`",
                ));
                return out;
            }
        }
        if let Some(time) = value.get("GeneratedTime") {
            if time.str().and_then(When::parse_instant).is_none() {
                out.diag(Diagnostic::malformed(
                    path,
                    doc.key_line(value, "GeneratedTime"),
                    "credential report wrapper: `GeneratedTime` is not a date; the as-of time is \
                     unknown",
                ));
            }
        }
        (content, content_line)
    } else {
        // The bare base64 of `--query Content --output text`.
        (trimmed.to_string(), first_line)
    };

    let compact: Vec<u8> = content
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let decoded = match engine.decode(&compact) {
        Ok(d) => d,
        Err(_) => {
            out.diag(Diagnostic::unparseable(
                path,
                Some(content_line),
                "credential report wrapper: `Content` is not valid base64",
            ));
            return out;
        }
    };
    let csv = decode_text(&decoded);
    let ctx = Ctx {
        path,
        wrapper_line: Some(content_line),
    };
    ctx.rows(&csv, &mut out);
    out
}

/// What a report cell holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell {
    Date(When),
    /// `N/A`: no password / no key / (for last-used) never used or before tracking.
    NotApplicable,
    /// `no_information`, `not_supported`, empty, absent column: the report does not tell.
    NoInfo,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Flag {
    True,
    False,
    /// `not_supported`, empty, absent column, or a value that is not a boolean.
    Unknown,
}

/// Where the rows come from: a CSV file, or the decoded `Content` of a wrapper.
struct Ctx<'a> {
    path: &'a str,
    /// The wrapper's `"Content"` line, when the CSV was decoded from a wrapper.
    wrapper_line: Option<u32>,
}

/// One data row with its column lookup.
struct Row<'r> {
    record: &'r csv::StringRecord,
    columns: &'r [(&'static str, Option<usize>)],
    /// The row's line in the (decoded) CSV.
    line: u32,
}

impl Row<'_> {
    fn get(&self, column: &str) -> Option<&str> {
        let index = self
            .columns
            .iter()
            .find(|(name, _)| *name == column)
            .and_then(|(_, i)| *i)?;
        self.record.get(index)
    }
}

impl Ctx<'_> {
    fn evidence(&self, line: u32) -> Evidence {
        Evidence::at(self.path, self.wrapper_line.unwrap_or(line))
    }

    /// Message prefix naming the decoded row when the file is a wrapper.
    fn locate(&self, line: u32) -> String {
        match self.wrapper_line {
            Some(_) => format!("decoded credential report line {line}: "),
            None => String::new(),
        }
    }

    fn malformed(&self, out: &mut Output, line: u32, message: &str) {
        out.diag(Diagnostic::malformed(
            self.path,
            self.wrapper_line.unwrap_or(line),
            format!("{}{message}", self.locate(line)),
        ));
    }

    fn rows(&self, text: &str, out: &mut Output) {
        let body = text.trim_start_matches('\u{feff}');
        let trimmed = body.trim_start();
        let skipped = body.get(..body.len() - trimmed.len()).unwrap_or("");
        let lead = u32::try_from(memchr::memchr_iter(b'\n', skipped.as_bytes()).count())
            .unwrap_or(u32::MAX);
        let header_line = lead.saturating_add(1);
        // csv's `Position::line` lags by one after a CRLF terminator, so lines come from the
        // record's byte offset instead (skipping the terminator it may point at).
        let lines = LineIndex::new(trimmed);
        let line_at = |byte: u64| -> u32 {
            let mut at = usize::try_from(byte).unwrap_or(usize::MAX);
            while trimmed
                .as_bytes()
                .get(at)
                .is_some_and(|b| *b == b'\r' || *b == b'\n')
            {
                at += 1;
            }
            lines.line_of(at).saturating_add(lead)
        };

        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(trimmed.as_bytes());
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h
                .iter()
                .map(|c| c.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
                .collect(),
            Err(_) => {
                out.diag(Diagnostic::unparseable(
                    self.path,
                    Some(self.wrapper_line.unwrap_or(header_line)),
                    format!(
                        "{}credential report header cannot be read",
                        self.locate(header_line)
                    ),
                ));
                return;
            }
        };
        let columns: Vec<(&'static str, Option<usize>)> = REQUIRED
            .iter()
            .chain(OPTIONAL.iter())
            .map(|name| (*name, header.iter().position(|h| h == name)))
            .collect();
        let missing = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter(|n| columns.iter().any(|(c, i)| c == *n && i.is_none()))
                .map(|n| format!("`{n}`"))
                .collect()
        };
        let missing_required = missing(&REQUIRED);
        if !missing_required.is_empty() {
            out.diag(Diagnostic::unparseable(
                self.path,
                Some(self.wrapper_line.unwrap_or(header_line)),
                format!(
                    "{}not a usable credential report: header lacks {}",
                    self.locate(header_line),
                    missing_required.join(", ")
                ),
            ));
            return;
        }
        let missing_optional = missing(&OPTIONAL);
        if !missing_optional.is_empty() {
            out.diag(Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                self.evidence(header_line),
                format!(
                    "{}credential report header lacks {}; those values are unknown",
                    self.locate(header_line),
                    missing_optional.join(", ")
                ),
            ));
        }

        // The last row, when it has fewer fields than the header: with no newline after it, the
        // file was cut mid-row (issue 13) and the rows after it are missing.
        let mut short_last: Option<u32> = None;
        for result in reader.records() {
            short_last = None;
            let record = match result {
                Ok(r) => r,
                Err(e) => {
                    let line = e
                        .position()
                        .map(|p| line_at(p.byte()))
                        .unwrap_or(header_line);
                    self.malformed(out, line, "row cannot be read as CSV; skipped");
                    continue;
                }
            };
            let line = record
                .position()
                .map(|p| line_at(p.byte()))
                .unwrap_or(header_line);
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() < header.len() {
                short_last = Some(line);
            }
            // Short rows are fine as long as every column we read is there.
            let needed = columns.iter().filter_map(|(_, i)| *i).max().unwrap_or(0);
            if record.len() <= needed {
                self.malformed(
                    out,
                    line,
                    &format!(
                        "row has {} fields but the header has {}; row skipped",
                        record.len(),
                        header.len()
                    ),
                );
                continue;
            }
            let row = Row {
                record: &record,
                columns: &columns,
                line,
            };
            self.row(&row, out);
        }
        if let Some(line) = short_last.filter(|_| !trimmed.ends_with('\n')) {
            out.diag(Diagnostic::new(
                DiagKind::Unparseable,
                Severity::Error,
                self.evidence(line),
                format!(
                    "{}the file ends in the middle of a row (truncated?): the rows before it were read, any after it are missing",
                    self.locate(line)
                ),
            ));
        }
    }

    fn row(&self, row: &Row<'_>, out: &mut Output) {
        let user = row.get("user").unwrap_or("");
        if user.is_empty() {
            self.malformed(out, row.line, "row has an empty `user`; skipped");
            return;
        }
        let arn = row.get("arn").unwrap_or("");
        let evidence = self.evidence(row.line);

        let mut account = Account::new(SourceKind::AwsIam, SYSTEM, user, evidence.clone());
        if !arn.is_empty() {
            account.aliases.push(arn.to_string());
        }
        account.kind = account_kind(user, arn);
        account.password = match self.flag(row, "password_enabled", out) {
            Flag::True => PasswordState::Set,
            Flag::False => PasswordState::NoPassword,
            Flag::Unknown => PasswordState::Unknown,
        };
        account.password_last_set = match self.cell(row, "password_last_changed", out) {
            Cell::Date(w) => w,
            Cell::NotApplicable | Cell::NoInfo => When::Unknown,
        };
        account.password_evidence = Some(evidence.clone());
        account.created = match self.cell(row, "user_creation_time", out) {
            Cell::Date(w) => w,
            Cell::NotApplicable | Cell::NoInfo => When::Unknown,
        };
        // IAM users have no expiry date.
        account.expires = When::Never;
        out.record(Record::Account(account));

        for slot in 1..=2 {
            self.access_key(row, user, slot, &evidence, out);
        }
        for slot in 1..=2 {
            self.certificate(row, user, slot, &evidence, out);
        }
    }

    fn access_key(
        &self,
        row: &Row<'_>,
        user: &str,
        slot: u8,
        evidence: &Evidence,
        out: &mut Output,
    ) {
        let active = self.flag(row, &format!("access_key_{slot}_active"), out);
        let rotated = self.cell(row, &format!("access_key_{slot}_last_rotated"), out);
        let issued = match rotated {
            Cell::Date(w) => w,
            _ => When::Unknown,
        };
        if active != Flag::True && !issued.is_known() {
            return;
        }
        let mut cred = Credential::new(
            CredentialKind::AccessKey,
            &format!("aws:{user}:access_key_{slot}"),
            "AWS access key",
            evidence.clone(),
        );
        // The report has no key ids: the slot stands in until the join finds the listed key.
        cred.placeholder = true;
        cred.owner = Some(owner(user));
        cred.status = status(active);
        cred.issued = issued;
        cred.issued_basis = basis(issued);
        cred.expires = When::Never;
        cred.last_used = match self.cell(row, &format!("access_key_{slot}_last_used_date"), out) {
            Cell::Date(w) => w,
            // `N/A` for an existing active key means never used, unless the key predates
            // last-used tracking.
            Cell::NotApplicable
                if active == Flag::True
                    && issued
                        .known()
                        .is_none_or(|t| t.as_second() >= KEY_USE_TRACKING_START) =>
            {
                When::Never
            }
            Cell::NotApplicable | Cell::NoInfo => When::Unknown,
        };
        let mut detail = format!("credential report access key slot {slot}");
        if self.wrapper_line.is_some() {
            detail.push_str(&format!(", decoded report line {}", row.line));
        }
        let known = |v: Option<&str>| {
            v.filter(|s| !s.is_empty() && !is_sentinel(s))
                .map(str::to_string)
        };
        let service = known(row.get(&format!("access_key_{slot}_last_used_service")));
        let region = known(row.get(&format!("access_key_{slot}_last_used_region")));
        match (service, region) {
            (Some(s), Some(r)) => detail.push_str(&format!("; last used with {s} in {r}")),
            (Some(s), None) => detail.push_str(&format!("; last used with {s}")),
            (None, Some(r)) => detail.push_str(&format!("; last used in {r}")),
            (None, None) => {}
        }
        cred.detail = Some(detail);
        out.record(Record::Credential(cred));
    }

    fn certificate(
        &self,
        row: &Row<'_>,
        user: &str,
        slot: u8,
        evidence: &Evidence,
        out: &mut Output,
    ) {
        let active = self.flag(row, &format!("cert_{slot}_active"), out);
        let issued = match self.cell(row, &format!("cert_{slot}_last_rotated"), out) {
            Cell::Date(w) => w,
            _ => When::Unknown,
        };
        if active != Flag::True && !issued.is_known() {
            return;
        }
        let mut cred = Credential::new(
            CredentialKind::SigningCertificate,
            &format!("aws:{user}:cert_{slot}"),
            "AWS signing certificate",
            evidence.clone(),
        );
        cred.placeholder = true;
        cred.owner = Some(owner(user));
        cred.status = status(active);
        cred.issued = issued;
        cred.issued_basis = basis(issued);
        let mut detail = format!("credential report signing certificate slot {slot}");
        if self.wrapper_line.is_some() {
            detail.push_str(&format!(", decoded report line {}", row.line));
        }
        cred.detail = Some(detail);
        out.record(Record::Credential(cred));
    }

    /// A boolean column; anything but `true`/`false`/`not_supported`/empty is reported.
    fn flag(&self, row: &Row<'_>, column: &str, out: &mut Output) -> Flag {
        let value = row.get(column).unwrap_or("");
        if value.eq_ignore_ascii_case("true") {
            Flag::True
        } else if value.eq_ignore_ascii_case("false") {
            Flag::False
        } else {
            if !value.is_empty() && !is_sentinel(value) {
                self.malformed(
                    out,
                    row.line,
                    &format!("column `{column}` is not `true` or `false`; treated as unknown"),
                );
            }
            Flag::Unknown
        }
    }

    /// A time column; a value that is neither a date nor a sentinel is reported.
    fn cell(&self, row: &Row<'_>, column: &str, out: &mut Output) -> Cell {
        let value = row.get(column).unwrap_or("");
        if value.eq_ignore_ascii_case("N/A") {
            return Cell::NotApplicable;
        }
        if value.is_empty() || is_sentinel(value) {
            return Cell::NoInfo;
        }
        match When::parse_instant(value) {
            Some(w) => Cell::Date(w),
            None => {
                self.malformed(
                    out,
                    row.line,
                    &format!("column `{column}` is neither a date nor a known sentinel; treated as unknown"),
                );
                Cell::NoInfo
            }
        }
    }
}

fn is_sentinel(value: &str) -> bool {
    ["N/A", "no_information", "not_supported"]
        .iter()
        .any(|s| value.eq_ignore_ascii_case(s))
}

fn owner(user: &str) -> OwnerRef {
    OwnerRef {
        system: Some(SYSTEM.to_string()),
        login: user.to_string(),
    }
}

fn status(active: Flag) -> CredentialStatus {
    match active {
        Flag::True => CredentialStatus::Active,
        Flag::False => CredentialStatus::Inactive,
        Flag::Unknown => CredentialStatus::Unknown,
    }
}

fn basis(issued: When) -> IssuedBasis {
    if issued.is_known() {
        IssuedBasis::Recorded
    } else {
        IssuedBasis::Unknown
    }
}

/// Root for the root row; Service when the user's ARN path has a service-like segment
/// (`arn:aws:iam::123:user/svc/ci-deploy`); Human for other user ARNs; Unknown otherwise.
pub(super) fn account_kind(user: &str, arn: &str) -> AccountKind {
    // Moto writes the root ARN as `...:<root_account>`; the real one ends in `:root`.
    if user == "<root_account>" || arn.ends_with(":root") || arn.ends_with(":<root_account>") {
        return AccountKind::Root;
    }
    let Some(resource) = arn.splitn(6, ':').nth(5) else {
        return AccountKind::Unknown;
    };
    let Some(path) = resource.strip_prefix("user/") else {
        return AccountKind::Unknown;
    };
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop(); // the user name
    let service = segments.iter().any(|seg| {
        let seg = seg.to_ascii_lowercase();
        SERVICE_PATH_SEGMENTS.contains(&seg.as_str())
            || seg.starts_with("svc-")
            || seg.starts_with("service-")
    });
    if service {
        AccountKind::Service
    } else {
        AccountKind::Human
    }
}
