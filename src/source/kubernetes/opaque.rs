//! The values of Kubernetes Secrets that are not service-account tokens (`Opaque`,
//! `kubernetes.io/basic-auth`, `dockerconfigjson`, ...): a Secret is where copied passwords live,
//! so its values are secret-scanned like any config file. `stringData` values are plain text and
//! are found by scanning the file; `data` values are base64 (as `kubectl get -o yaml|json`
//! prints every Secret) and are decoded first, each reported at the line of its key.
//!
//! Not here: service-account tokens (`super`), which are credentials of their own.

use crate::inventory::{Evidence, Record};
use crate::source::registry::ParseInput;
use crate::source::Output;
use base64::Engine as _;

/// Keys of a service-account token Secret, which `super` reads as a credential of its own.
const TOKEN_SECRET_KEYS: [&str; 3] = ["token", "ca.crt", "namespace"];

/// Adds what the secret extractors find in the file's Secret values to `out`.
pub(super) fn scan_secret_values(input: &ParseInput<'_>, out: &mut Output) {
    if !input.text.contains("Secret") {
        return;
    }
    // One text with every `data` value decoded in place (line numbers kept), so `stringData`,
    // decoded values and their sibling keys (`username` beside `password`) read as one config.
    let (text, files) = decoded_copy(input.text);
    // One namer for the file: the secrets of its values get distinct ids.
    let names = &mut input.options.secret_ids.file(input.uri);
    let found = input.extractors.scan_named(
        input.uri,
        &text,
        input.modified,
        crate::inventory::IssuedBasis::FileModified,
        names,
    );
    out.records.extend(found.records);
    // A file held in a Secret (`application.properties`, `.env`) is scanned as itself, and what
    // it holds is reported at its key's line.
    for (line, key, decoded) in files {
        let found = input.extractors.scan_named(
            input.uri,
            &decoded,
            input.modified,
            crate::inventory::IssuedBasis::FileModified,
            names,
        );
        for mut r in found.records {
            if let Record::Credential(c) = &mut r {
                c.evidence = Evidence::at(input.uri, line);
                c.detail = Some(match c.detail.take() {
                    Some(d) => format!("{d}; in Secret data `{key}`"),
                    None => format!("in Secret data `{key}`"),
                });
            }
            out.records.push(r);
        }
    }
}

/// The file with each single-line `data` value replaced by its decoded text (same line), and the
/// multi-line decoded values apart, with their key's line. Service-account token keys are left
/// as they are (`super` reads those Secrets).
fn decoded_copy(text: &str) -> (String, Vec<(u32, String, String)>) {
    let entries = data_values(text);
    let mut files = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut next = entries.iter().peekable();
    for (n, line) in crate::source::numbered_lines(text) {
        if n > 1 {
            out.push('\n');
        }
        let entry = next.next_if(|(l, _, _)| *l == n);
        let decoded = entry
            .filter(|(_, key, _)| !TOKEN_SECRET_KEYS.contains(key))
            .and_then(|(_, key, value)| Some((*key, decode(value)?)));
        match decoded {
            Some((key, value)) if value.trim_end().contains('\n') => {
                files.push((n, key.to_string(), value));
                out.push_str(line);
            }
            Some((key, value)) => {
                let indent = &line[..line.len() - line.trim_start().len()];
                out.push_str(indent);
                if line.trim_start().starts_with('"') {
                    let v = serde_json::Value::String(value.trim_end().to_string());
                    out.push_str(&format!("\"{key}\": {v},"));
                } else {
                    out.push_str(&format!("{key}: {}", value.trim_end()));
                }
            }
            None => out.push_str(line),
        }
    }
    (out, files)
}

/// Base64 text that decodes to UTF-8 text without control characters (other than whitespace).
fn decode(value: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    (printable && !text.trim().is_empty()).then_some(text)
}

/// The `(line, key, base64 value)` entries of every `data` map in the file, YAML block style or
/// JSON as `kubectl` prints it (one entry per line). Lines are 1-based.
fn data_values(text: &str) -> Vec<(u32, &str, &str)> {
    let mut out = Vec::new();
    // The indentation of the `data:` key whose entries follow, while inside one.
    let mut data_indent: Option<usize> = None;
    let mut json_data = false;
    for (n, line) in crate::source::numbered_lines(text) {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if json_data {
            if t.starts_with('}') {
                json_data = false;
                continue;
            }
            if let Some((k, v)) = json_entry(t) {
                out.push((n, k, v));
            }
            continue;
        }
        if t.starts_with("\"data\"") && t.ends_with('{') {
            json_data = true;
            continue;
        }
        if let Some(d) = data_indent {
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if indent <= d {
                data_indent = None;
            } else {
                if let Some((k, v)) = t.split_once(':') {
                    let v = v.trim().trim_matches(['"', '\'']);
                    if !v.is_empty() {
                        out.push((n, k.trim().trim_matches(['"', '\'']), v));
                    }
                }
                continue;
            }
        }
        let key = t.strip_prefix("- ").unwrap_or(t);
        if key == "data:" {
            data_indent = Some(indent + (t.len() - key.len()));
        }
    }
    out
}

/// `"key": "value",` → (key, value).
fn json_entry(t: &str) -> Option<(&str, &str)> {
    let (k, v) = t.split_once(':')?;
    let k = k.trim().strip_prefix('"')?.strip_suffix('"')?;
    let v = v.trim().trim_end_matches(',').trim();
    let v = v.strip_prefix('"')?.strip_suffix('"')?;
    Some((k, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_values_yaml_and_json() {
        let yaml = "apiVersion: v1\nkind: Secret\ndata:\n  password: czNjcjN0\n  user: YWRtaW4=\ntype: Opaque\n";
        assert_eq!(
            data_values(yaml),
            vec![(4, "password", "czNjcjN0"), (5, "user", "YWRtaW4=")]
        );
        let list = "items:\n- apiVersion: v1\n  data:\n    password: czNjcjN0\n  kind: Secret\n";
        assert_eq!(data_values(list), vec![(4, "password", "czNjcjN0")]);
        let json = "{\n  \"kind\": \"Secret\",\n  \"data\": {\n    \"password\": \"czNjcjN0\",\n    \"user\": \"YWRtaW4=\"\n  },\n  \"type\": \"Opaque\"\n}\n";
        assert_eq!(
            data_values(json),
            vec![(4, "password", "czNjcjN0"), (5, "user", "YWRtaW4=")]
        );
        assert!(data_values("metadata:\n  name: x\n").is_empty());
    }

    #[test]
    fn decoded_copy_keeps_lines() {
        let yaml = "kind: Secret\ndata:\n  username: bWFpbGVy\n  password: czNjcjN0\n  token: eHl6\n  app.env: QT0xCkI9Mgo=\ntype: Opaque\n";
        let (text, files) = decoded_copy(yaml);
        assert_eq!(
            text,
            "kind: Secret\ndata:\n  username: mailer\n  password: s3cr3t\n  token: eHl6\n  app.env: QT0xCkI9Mgo=\ntype: Opaque\n"
        );
        assert_eq!(
            files,
            vec![(6, "app.env".to_string(), "A=1\nB=2\n".to_string())]
        );
        let json = "{\n  \"data\": {\n    \"password\": \"czNjcjN0\"\n  }\n}";
        assert_eq!(
            decoded_copy(json).0,
            "{\n  \"data\": {\n    \"password\": \"s3cr3t\",\n  }\n}"
        );
    }

    #[test]
    fn decode_keeps_text_only() {
        assert_eq!(decode("czNjcjN0").as_deref(), Some("s3cr3t"));
        assert_eq!(decode("AAEC"), None); // binary
        assert_eq!(decode("not base64!"), None);
    }
}
