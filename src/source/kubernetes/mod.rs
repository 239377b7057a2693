//! Kubernetes exports (formats-cloud-saas.md §6.1): `kubectl get secrets,sa -A -o yaml|json`
//! (single objects, `kind: List`/`SecretList`/`ServiceAccountList` with `items`, bare arrays,
//! multi-document YAML) and kubeconfig files (`kind: Config`).
//!
//! This module owns recognising those files by content ([`sniff`]) and turning them into records
//! ([`parse`]):
//! - a Secret of type `kubernetes.io/service-account-token` -> `ServiceAccountToken`
//!   `k8s:<namespace>/<secret>`, owned by `system:serviceaccount:<ns>:<sa>` (annotation
//!   `kubernetes.io/service-account.name`), issued at `creationTimestamp`, never expiring, last
//!   used on the day of the `kubernetes.io/legacy-token-last-used` label (a date only: 00:00 UTC of
//!   that day, so a use on the reset day is never claimed to be after the reset), `Inactive` when
//!   `kubernetes.io/legacy-token-invalid-since` is set. Other Secrets are left to the secrets
//!   scanner.
//! - a ServiceAccount -> `Account` (kind Service, login `system:serviceaccount:<ns>:<name>`).
//! - kubeconfig users (see `kubeconfig`): static tokens, client certificates, basic auth.
//!
//! The cluster (`system` of every record) is not in kubectl output: it is taken from a comment
//! `# cluster: <name>` (or `# context: <name>`) in the file's first lines, else `kubernetes`.
//! In a kubeconfig it is the cluster of the contexts that use the user. A missing namespace is
//! `default`, as `kubectl apply` would place the object.
//!
//! Helm templates (`{{ ... }}`) are not Kubernetes objects yet and are not recognised. YAML goes
//! through `crate::yaml::value_from_str` (nesting and alias-expansion limits, issue 13); each
//! `---` document is parsed on its own, so one broken document loses nothing else.

mod kubeconfig;
mod lines;
mod opaque;
#[cfg(test)]
mod tests;
mod x509;

use super::secret_id::FileSecrets;
use super::{Output, SourceOptions};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Account, AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis,
    OwnerRef, PasswordState, Record, SourceKind, When,
};
use crate::source::registry::{BySniff, ParseInput, Sniff};
use lines::{key_value, TextLines};
use serde_json::{Map, Value};

/// The Kubernetes files this module understands (`parse` reads every document by its `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeExport {
    /// Secrets, ServiceAccounts and Lists of them, as `kubectl get -o yaml|json` prints them.
    Objects,
    /// A kubeconfig (`kind: Config`).
    Kubeconfig,
}

/// The cluster name when the file does not say.
pub const DEFAULT_CLUSTER: &str = "kubernetes";

const SA_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const LAST_USED_LABEL: &str = "kubernetes.io/legacy-token-last-used";
const INVALID_SINCE_LABEL: &str = "kubernetes.io/legacy-token-invalid-since";
const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";
const SA_UID_ANNOTATION: &str = "kubernetes.io/service-account.uid";

/// Object kinds that make a file ours.
const KINDS: [&str; 5] = [
    "Secret",
    "ServiceAccount",
    "SecretList",
    "ServiceAccountList",
    "List",
];

/// Recognises Kubernetes objects or a kubeconfig by content (the path is not used).
pub fn sniff(file: &Sniff<'_>) -> Option<KubeExport> {
    let head = file.head;
    // Fast reject (this runs on every file of a crawl): every recognised shape names
    // `apiVersion`, or is a kubeconfig with its `clusters` and `users` lists.
    let maybe_kube =
        head.contains("apiVersion") || (head.contains("clusters") && head.contains("users"));
    if !maybe_kube {
        return None;
    }
    if head.contains("{{") {
        return None;
    }
    let mut api_version = false;
    let mut kinds = Vec::new();
    let mut keys = Vec::new();
    let mut top_keys = Vec::new();
    let mut sa_token_type = false;
    // Minified JSON is one line: split it at commas and braces too.
    for piece in head.split(['\n', ',', '{']) {
        let Some(kv) = key_value(piece) else { continue };
        match kv.key {
            "apiVersion" => api_version = true,
            "kind" => kinds.push(kv.value),
            "type" if kv.value == SA_TOKEN_TYPE => sa_token_type = true,
            _ => {}
        }
        if kv.indent == 0 {
            top_keys.push(kv.key);
        }
        keys.push(kv.key);
    }
    let config_keys = ["users", "clusters", "contexts"];
    let is_config = kinds.contains(&"Config") && keys.iter().any(|k| config_keys.contains(k));
    // A kubeconfig without `kind` (hand-written YAML): all three lists at the top level.
    if is_config || config_keys.iter().all(|k| top_keys.contains(k)) {
        return Some(KubeExport::Kubeconfig);
    }
    if api_version && (sa_token_type || kinds.iter().any(|k| KINDS.contains(k))) {
        return Some(KubeExport::Objects);
    }
    None
}

/// Kubernetes objects (Secrets, ServiceAccounts, Lists) and kubeconfigs. Service-account tokens become credentials; every other Secret value (`stringData`, and `data` decoded from base64) is secret-scanned, since a Secret is where copied passwords live.
pub static SOURCE: BySniff<KubeExport> = BySniff {
    name: "kubernetes",
    sniff,
    read,
    join: crate::source::registry::no_join,
    dated_by_file_time: true,
};

fn read(kind: KubeExport, input: &ParseInput<'_>) -> Output {
    let mut out = parse(kind, input.uri, input.text, input.options);
    if kind == KubeExport::Objects {
        opaque::scan_secret_values(input, &mut out);
    }
    out
}

/// Parses one file; `path` is relative to the scan root. Static tokens and passwords of a
/// kubeconfig are named by `options.secret_ids`.
pub fn parse(_kind: KubeExport, path: &str, text: &str, options: &SourceOptions) -> Output {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = TextLines::new(text);
    let mut parser = Parser {
        path,
        names: options.secret_ids.file(path),
        lines: &lines,
        cluster: cluster_hint(&lines).unwrap_or_else(|| DEFAULT_CLUSTER.to_string()),
        cursor: 1,
        doc_end: lines.count(),
    };
    let mut out = Output::default();
    let docs = documents(text);
    let single = docs.len() == 1;
    for doc in docs {
        parser.cursor = doc.first_line;
        parser.doc_end = doc.last_line;
        match parse_document(doc.text) {
            Ok(Value::Null) => {}
            Ok(value) => parser.value(&value, doc.first_line, &mut out),
            Err((line, message)) => {
                let line = doc.first_line.saturating_add(line.saturating_sub(1));
                let message = format!(
                    "{message}; the document starting at line {} was skipped",
                    doc.first_line
                );
                out.diag(if single {
                    Diagnostic::unparseable(path, Some(line), message)
                } else {
                    Diagnostic::malformed(path, line, message)
                });
            }
        }
    }
    out
}

/// One `---` document: its text and its first and last line in the file.
struct Document<'a> {
    text: &'a str,
    first_line: u32,
    last_line: u32,
}

/// Splits at `---` document markers (column 0; a marker may carry content after it) and `...`
/// end markers. Documents with nothing but comments and directives are dropped.
fn documents<'a>(text: &'a str) -> Vec<Document<'a>> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut first_line = 1u32;
    let mut line_no = 1u32;
    let mut offset = 0usize;
    let push = |start: usize, end: usize, first: u32, last: u32, docs: &mut Vec<Document<'a>>| {
        let Some(doc) = text.get(start..end) else {
            return;
        };
        let has_content = doc.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('%') && t != "---"
        });
        if has_content {
            docs.push(Document {
                text: doc,
                first_line: first,
                last_line: last.max(first),
            });
        }
    };
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_start = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
        let is_end = bare == "..." || bare.starts_with("... ");
        if is_start || is_end {
            push(
                start,
                offset,
                first_line,
                line_no.saturating_sub(1),
                &mut docs,
            );
            // A start marker's line belongs to the new document (it may carry content).
            start = if is_start {
                offset
            } else {
                offset + line.len()
            };
            first_line = if is_start { line_no } else { line_no + 1 };
        }
        offset += line.len();
        line_no = line_no.saturating_add(1);
    }
    push(
        start,
        text.len(),
        first_line,
        line_no.saturating_sub(1),
        &mut docs,
    );
    docs
}

/// Parses one document (JSON when it starts with `{` or `[`) into a JSON value; errors are
/// (1-based line within the document, message without any value).
fn parse_document(doc: &str) -> Result<Value, (u32, String)> {
    let trimmed = doc.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(doc).map_err(|e| {
            let line = u32::try_from(e.line()).unwrap_or(u32::MAX).max(1);
            (line, crate::source::json::serde_error_kind(&e).to_string())
        });
    }
    crate::yaml::value_from_str(doc).map_err(|e| {
        let line = e
            .location
            .split(':')
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
            .unwrap_or(1)
            .max(1);
        // Library messages may quote the offending scalar: keep only value-free wording.
        let message = e.message.split(" at line ").next().unwrap_or("").trim();
        let message = if message.is_empty() || message.contains(['"', '\'', '`']) {
            "invalid YAML".to_string()
        } else {
            format!("invalid YAML: {message}")
        };
        (line, message)
    })
}

/// `# cluster: <name>` or `# context: <name>` among the first comment lines.
fn cluster_hint(lines: &TextLines<'_>) -> Option<String> {
    (1..=lines.count().min(20)).find_map(|l| {
        let text = lines.get(l)?.trim();
        let comment = text.strip_prefix('#')?.trim();
        let (key, value) = comment.split_once(':')?;
        let value = value.trim();
        (["cluster", "context"].contains(&key.trim().to_ascii_lowercase().as_str())
            && !value.is_empty()
            && !value.contains(char::is_whitespace))
        .then(|| value.to_string())
    })
}

struct Parser<'a> {
    path: &'a str,
    /// Names the static secrets of a kubeconfig.
    names: FileSecrets<'a>,
    lines: &'a TextLines<'a>,
    cluster: String,
    /// The line where the search for the next object's name starts.
    cursor: u32,
    doc_end: u32,
}

impl Parser<'_> {
    fn value(&mut self, value: &Value, doc_line: u32, out: &mut Output) {
        match value {
            Value::Array(items) => {
                for item in items {
                    self.object(item, doc_line, out);
                }
            }
            Value::Object(_) => self.object(value, doc_line, out),
            _ => out.diag(Diagnostic::new(
                DiagKind::Malformed,
                Severity::Note,
                Evidence::at(self.path, doc_line),
                "YAML document is not a Kubernetes object; ignored",
            )),
        }
    }

    fn object(&mut self, value: &Value, doc_line: u32, out: &mut Output) {
        let Value::Object(obj) = value else {
            out.diag(Diagnostic::malformed(
                self.path,
                doc_line,
                "list item is not a Kubernetes object; skipped",
            ));
            return;
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        match kind {
            "Secret" => self.secret(obj, doc_line, out),
            "ServiceAccount" => self.service_account(obj, doc_line, out),
            "Config" => kubeconfig::parse(self, obj, doc_line, out),
            _ if kind == "List" || kind.ends_with("List") => match obj.get("items") {
                Some(Value::Array(items)) => {
                    for item in items {
                        self.object(item, doc_line, out);
                    }
                }
                Some(Value::Null) | None => {}
                Some(_) => out.diag(Diagnostic::malformed(
                    self.path,
                    self.lines
                        .find_key(doc_line, self.doc_end, "items", None)
                        .unwrap_or(doc_line),
                    format!("`{kind}` has `items` that is not a list; skipped"),
                )),
            },
            "" if obj.contains_key("users") && obj.contains_key("clusters") => {
                kubeconfig::parse(self, obj, doc_line, out)
            }
            _ => {}
        }
    }

    /// Namespace and name of an object, and the line of its name.
    fn identity<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        what: &str,
        doc_line: u32,
        out: &mut Output,
    ) -> Option<(&'v Map<String, Value>, String, &'v str, u32)> {
        let Some(Value::Object(meta)) = obj.get("metadata") else {
            out.diag(Diagnostic::malformed(
                self.path,
                self.lines
                    .find_key(self.cursor, self.doc_end, "kind", Some(what))
                    .unwrap_or(doc_line),
                format!("{what} has no `metadata`; skipped"),
            ));
            return None;
        };
        let Some(name) = meta
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| valid_name(n))
        else {
            out.diag(Diagnostic::malformed(
                self.path,
                self.lines
                    .find_key(self.cursor, self.doc_end, "metadata", None)
                    .unwrap_or(doc_line),
                format!("{what} has no valid `metadata.name`; skipped"),
            ));
            return None;
        };
        let namespace = match meta.get("namespace") {
            Some(Value::String(ns)) if valid_name(ns) => ns.clone(),
            _ => "default".to_string(),
        };
        let line = match self.lines.metadata_name(self.cursor, self.doc_end, name) {
            Some(l) => {
                self.cursor = l.saturating_add(1);
                l
            }
            None => doc_line,
        };
        Some((meta, namespace, name, line))
    }

    fn secret(&mut self, obj: &Map<String, Value>, doc_line: u32, out: &mut Output) {
        if obj.get("type").and_then(Value::as_str) != Some(SA_TOKEN_TYPE) {
            return;
        }
        let Some((meta, ns, name, line)) = self.identity(obj, "Secret", doc_line, out) else {
            return;
        };
        let id = format!("k8s:{ns}/{name}");
        let mut cred = Credential::new(
            CredentialKind::ServiceAccountToken,
            &id,
            "Kubernetes legacy service-account token",
            Evidence::at(self.path, line),
        );
        cred.expires = When::Never;
        cred.status = CredentialStatus::Active;
        let (md_start, md_end) = self.lines.enclosing_block(line);
        let field_line = |key: &str| {
            self.lines
                .find_key(md_start, md_end, key, None)
                .unwrap_or(line)
        };
        let annotations = map_of(meta, "annotations");
        let labels = map_of(meta, "labels");
        match annotations.and_then(|a| a.get(SA_NAME_ANNOTATION)).and_then(Value::as_str) {
            Some(sa) if valid_name(sa) => {
                cred.owner = Some(OwnerRef {
                    system: Some(self.cluster.clone()),
                    login: format!("system:serviceaccount:{ns}:{sa}"),
                })
            }
            _ => out.diag(Diagnostic::malformed(
                self.path,
                line,
                format!("service-account token Secret has no `{SA_NAME_ANNOTATION}` annotation; owner unknown"),
            )),
        }
        if let Some(ts) = meta.get("creationTimestamp") {
            cred.issued = self.instant(
                ts,
                "creationTimestamp",
                field_line("creationTimestamp"),
                out,
            );
            if cred.issued.is_known() {
                cred.issued_basis = IssuedBasis::Recorded;
            }
        }
        let mut detail = vec!["legacy token: no expiry".to_string()];
        if let Some(v) = labels.and_then(|l| l.get(LAST_USED_LABEL)) {
            cred.last_used = self.label_day(v, LAST_USED_LABEL, field_line(LAST_USED_LABEL), out);
            if cred.last_used.is_known() {
                detail.push("last used: day only".to_string());
            }
        } else {
            detail.push(
                "no last-used label (not used since tracking began, or tracking off)".to_string(),
            );
        }
        if let Some(v) = labels.and_then(|l| l.get(INVALID_SINCE_LABEL)) {
            let since =
                self.label_day(v, INVALID_SINCE_LABEL, field_line(INVALID_SINCE_LABEL), out);
            cred.status = CredentialStatus::Inactive;
            match since.day() {
                Some(day) => detail.push(format!("invalid since {day}")),
                None => detail.push("marked invalid".to_string()),
            }
        }
        if let Some(uid) = annotations
            .and_then(|a| a.get(SA_UID_ANNOTATION))
            .and_then(Value::as_str)
        {
            detail.push(format!("service account uid {uid}"));
        }
        if map_of(obj, "data").is_none_or(|d| !d.contains_key("token")) {
            detail.push("token not populated".to_string());
        }
        cred.detail = Some(detail.join("; "));
        out.record(Record::Credential(cred));
    }

    fn service_account(&mut self, obj: &Map<String, Value>, doc_line: u32, out: &mut Output) {
        let Some((meta, ns, name, line)) = self.identity(obj, "ServiceAccount", doc_line, out)
        else {
            return;
        };
        let login = format!("system:serviceaccount:{ns}:{name}");
        let mut account = Account::new(
            SourceKind::Kubernetes,
            &self.cluster,
            &login,
            Evidence::at(self.path, line),
        );
        account.kind = AccountKind::Service;
        account.password = PasswordState::NoPassword;
        account.expires = When::Never;
        if let Some(ts) = meta.get("creationTimestamp") {
            let (md_start, md_end) = self.lines.enclosing_block(line);
            let at = self
                .lines
                .find_key(md_start, md_end, "creationTimestamp", None)
                .unwrap_or(line);
            account.created = self.instant(ts, "creationTimestamp", at, out);
        }
        out.record(Record::Account(account));
    }

    /// An RFC 3339 instant; a located problem and `Unknown` when it is not one.
    fn instant(&self, value: &Value, field: &str, line: u32, out: &mut Output) -> When {
        match value {
            Value::Null => When::Unknown,
            Value::String(s) => match When::parse_instant(s) {
                Some(w) => w,
                None => {
                    out.diag(Diagnostic::malformed(
                        self.path,
                        line,
                        format!("`{field}` is not an RFC 3339 time; treated as unknown"),
                    ));
                    When::Unknown
                }
            },
            _ => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    line,
                    format!("`{field}` is not a string; treated as unknown"),
                ));
                When::Unknown
            }
        }
    }

    /// A `YYYY-MM-DD` label (UTC day) as 00:00 UTC of that day.
    fn label_day(&self, value: &Value, label: &str, line: u32, out: &mut Output) -> When {
        let day = value
            .as_str()
            .and_then(|s| s.trim().parse::<jiff::civil::Date>().ok())
            .filter(|_| value.as_str().is_some_and(|s| s.trim().len() == 10));
        let midnight = day.and_then(|d| {
            jiff::tz::TimeZone::UTC
                .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .ok()
        });
        match midnight {
            Some(ts) => When::from_timestamp(ts),
            None => {
                out.diag(Diagnostic::malformed(
                    self.path,
                    line,
                    format!("label `{label}` is not a YYYY-MM-DD date; treated as unknown"),
                ));
                When::Unknown
            }
        }
    }
}

fn map_of<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Map<String, Value>> {
    obj.get(key).and_then(Value::as_object)
}

/// A Kubernetes object name or namespace: DNS-subdomain characters, at most 253.
fn valid_name(name: &str) -> bool {
    (1..=253).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'@'))
}
