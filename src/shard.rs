//! The inventory file (`--emit-inventory`, format `resetgap-inventory`, version 1) and the
//! shards of an estate scanned on several machines (issue 13, part 1): `scan PART
//! --relative-to ROOT --emit-inventory part-K.jsonl` writes a shard, `correlate part-*.jsonl`
//! reads them back and writes the report one `scan ROOT` would.
//!
//! Owns the header line, the shard's lines (writer and reader, with `file:line` errors) and the
//! checks that a set of shards belongs together. Not here: the records themselves
//! (`inventory::model`), the merged inventory's record and identity lines
//! (`report::inventory`), the reduce step (`scan::reduce`).
//!
//! # Raw records, not merged ones
//! A shard holds what its map step collected (`scan::Collected`): every record as its source
//! emitted it, before the cross-file joins (`registry::join_all`) and the merge, plus its
//! diagnostics. `correlate` concatenates the shards' records and runs the same reduce step
//! `scan` runs, so the merge, its conflict notes and every join see exactly the records one
//! scan of the estate would. A shard of merged records would need
//! `merge(merge(A) ∪ merge(B)) == merge(A ∪ B)` for every field precedence, every conflict note
//! and every join of every source, and would break again with each new source; the raw records
//! cost some duplicate lines (an account exported twice is written twice) and need no proof.
//!
//! # Secret matches
//! `Account::password_match` and `Credential::same_secret` join a password hash or clear-text
//! secret found twice. They are written as `password_match` / `same_secret` (32 hex digits):
//! with `--secret-id-key` an HMAC under a salt derived from the key (the same on every machine
//! with the key), else under a random salt the shard never wrote. Either way they verify no
//! guess without the key. Without a key, two shards' digests never meet: `correlate` says so
//! once, in a note.
//!
//! # The lines
//! Line 1 is the header (`Header`, `"record": "header"`); then, for `kind: "shard"`, one line
//! per record (`"record": "account"`, `"credential"`, `"host"`, ... as `inventory::Record`
//! tags them) in the map step's order, then one `"record": "diagnostic"` line per diagnostic.
//! The header counts both, so a truncated file is refused. Times are RFC 3339 with the
//! fraction they have (`when::exact`).

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Record, SecretMatch, When};
use crate::scan::Collected;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

/// The `format` of the header.
pub const FORMAT: &str = "resetgap-inventory";
/// The version this build writes and the only one it reads.
pub const VERSION: u32 = 1;
/// Longest line the reader accepts (a record is a few hundred bytes).
pub const MAX_LINE: usize = 16 << 20;

/// What the lines after the header are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// One part of an estate, raw records and diagnostics: what `correlate` reads.
    Shard,
    /// A whole scan's merged inventory and identities (`scan --emit-inventory` without
    /// `--relative-to`): for people and tools, not read back.
    Inventory,
}

/// When the evidence of one host tree was collected (its manifest), as the header lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    pub host: String,
    pub collected_at: When,
}

/// The first line of an inventory file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always `header`.
    pub record: String,
    /// Always `resetgap-inventory`.
    pub format: String,
    pub version: u32,
    pub kind: Kind,
    /// The resetgap version that wrote it.
    pub resetgap: String,
    /// The scan's as-of time.
    pub as_of: Timestamp,
    /// How reports name the scanned estate: the `--relative-to` directory's name (`estate`), as
    /// `scan ROOT` would list it among its roots. `None` for a whole scan's inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estate: Option<String>,
    /// The estate root's path in the git work tree that holds it, when one does (SARIF URIs
    /// with `--uri-root auto`, as `scan ROOT` would root them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_tree_path: Option<String>,
    /// The parts scanned, as reported paths under the estate root (`hosts/web01`); for a whole
    /// scan's inventory, the roots as reports name them.
    pub roots: Vec<String>,
    /// Files and bytes read by the crawl.
    pub files: u64,
    pub bytes: u64,
    /// Record lines and diagnostic lines that follow (a whole scan's inventory also counts its
    /// identity lines in `identities`).
    pub records: u64,
    #[serde(default)]
    pub diagnostics: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identities: Option<u64>,
    /// `sha256:` of the rule definitions and extractor patterns the crawl used.
    pub rule_set: String,
    /// `hmac:` check of the `--secret-id-key` (`SecretIdScheme::key_check`), or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Host trees and when their evidence was collected.
    #[serde(default)]
    pub collections: Vec<Collection>,
}

impl Header {
    /// A header with this build's format, version and resetgap version.
    pub fn new(kind: Kind, as_of: Timestamp, rule_set: String) -> Header {
        Header {
            record: "header".into(),
            format: FORMAT.into(),
            version: VERSION,
            kind,
            resetgap: env!("CARGO_PKG_VERSION").into(),
            as_of,
            estate: None,
            work_tree_path: None,
            roots: Vec::new(),
            files: 0,
            bytes: 0,
            records: 0,
            diagnostics: 0,
            identities: None,
            rule_set,
            secret_key: None,
            collections: Vec::new(),
        }
    }

    /// Fills the counts and collection times of `collected`.
    pub fn describe(&mut self, collected: &Collected) {
        self.files = collected.files;
        self.bytes = collected.bytes;
        self.records = collected.records.len() as u64;
        self.diagnostics = collected.diagnostics.len() as u64;
        self.collections = collected
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Host(h) => Some(Collection {
                    host: h.name.clone(),
                    collected_at: h.collected_at,
                }),
                _ => None,
            })
            .collect();
    }

    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, self).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    }
}

/// Writes a shard: the header, every record, every diagnostic.
pub fn write(header: &Header, collected: &Collected, out: &mut dyn Write) -> std::io::Result<()> {
    header.write(out)?;
    crate::inventory::when::exact(|| {
        for r in &collected.records {
            let mut value = serde_json::to_value(r).map_err(std::io::Error::other)?;
            if let serde_json::Value::Object(map) = &mut value {
                let (field, m) = match r {
                    Record::Account(a) => ("password_match", a.password_match),
                    Record::Credential(c) => ("same_secret", c.same_secret),
                    _ => ("", None),
                };
                if let Some(m) = m {
                    map.insert(field.into(), m.to_hex().into());
                }
            }
            serde_json::to_writer(&mut *out, &value).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        for d in &collected.diagnostics {
            let mut value = serde_json::to_value(d).map_err(std::io::Error::other)?;
            if let serde_json::Value::Object(map) = &mut value {
                map.insert("record".into(), "diagnostic".into());
            }
            serde_json::to_writer(&mut *out, &value).map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Why an inventory file could not be read: always located (`file:line: message`).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ReadError {
    pub file: String,
    /// 1-based; the line after the last for a truncated file.
    pub line: u64,
    pub message: String,
}

/// One shard read back.
#[derive(Debug)]
pub struct Shard {
    /// The file as given.
    pub file: String,
    pub header: Header,
    pub collected: Collected,
}

/// Reads a shard file.
pub fn read(path: &Path) -> Result<Shard, ReadError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| ReadError {
        file: name.clone(),
        line: 0,
        message: format!("cannot open: {e}"),
    })?;
    read_from(&name, std::io::BufReader::new(file))
}

/// Reads a shard from `input`, named `name` in errors.
pub fn read_from(name: &str, mut input: impl BufRead) -> Result<Shard, ReadError> {
    let err = |line: u64, message: String| ReadError {
        file: name.to_string(),
        line,
        message,
    };
    let mut buf = Vec::new();
    let mut n = 0u64;
    let input: &mut dyn BufRead = &mut input;
    let mut next_line = |buf: &mut Vec<u8>, n: &mut u64| -> Result<bool, ReadError> {
        buf.clear();
        *n += 1;
        let read = std::io::Read::take(&mut *input, MAX_LINE as u64 + 1)
            .read_until(b'\n', buf)
            .map_err(|e| err(*n, format!("cannot read: {e}")))?;
        if read == 0 {
            return Ok(false);
        }
        if buf.len() > MAX_LINE && !buf.ends_with(b"\n") {
            return Err(err(
                *n,
                format!("line longer than {MAX_LINE} bytes: not an inventory file"),
            ));
        }
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        Ok(true)
    };

    if !next_line(&mut buf, &mut n)? {
        return Err(err(1, "empty file: no header".into()));
    }
    let header = parse_header(&buf).map_err(|m| err(1, m))?;
    if header.kind != Kind::Shard {
        return Err(err(
            1,
            "a whole scan's merged inventory (`scan --emit-inventory` without --relative-to); \
             correlate reads shards (`scan PART --relative-to ROOT --emit-inventory FILE`)"
                .into(),
        ));
    }

    let mut collected = Collected {
        files: header.files,
        bytes: header.bytes,
        ..Collected::default()
    };
    while next_line(&mut buf, &mut n)? {
        if buf.iter().all(u8::is_ascii_whitespace) {
            return Err(err(n, "empty line".into()));
        }
        let value: serde_json::Value =
            serde_json::from_slice(&buf).map_err(|e| err(n, format!("not JSON: {e}")))?;
        let serde_json::Value::Object(mut map) = value else {
            return Err(err(n, "not a JSON object".into()));
        };
        let kind = match map.get("record") {
            Some(serde_json::Value::String(k)) => k.clone(),
            _ => return Err(err(n, "no `record` field".into())),
        };
        if kind == "diagnostic" {
            if (collected.diagnostics.len() as u64) >= header.diagnostics {
                return Err(err(
                    n,
                    format!("more diagnostics than the header's {}", header.diagnostics),
                ));
            }
            map.remove("record");
            let d = Diagnostic::deserialize(serde_json::Value::Object(map))
                .map_err(|e| err(n, format!("invalid diagnostic: {e}")))?;
            collected.diagnostics.push(d);
            continue;
        }
        if !collected.diagnostics.is_empty() {
            return Err(err(n, format!("a `{kind}` record after the diagnostics")));
        }
        if (collected.records.len() as u64) >= header.records {
            return Err(err(
                n,
                format!("more records than the header's {}", header.records),
            ));
        }
        let field = match kind.as_str() {
            "account" => "password_match",
            "credential" => "same_secret",
            _ => "",
        };
        let matcher = match map.remove(field) {
            None => None,
            Some(serde_json::Value::String(h)) => Some(
                SecretMatch::from_hex(&h)
                    .ok_or_else(|| err(n, format!("`{field}` is not 32 hex digits")))?,
            ),
            Some(_) => return Err(err(n, format!("`{field}` is not a string"))),
        };
        let mut record = Record::deserialize(serde_json::Value::Object(map))
            .map_err(|e| err(n, format!("invalid `{kind}` record: {e}")))?;
        match &mut record {
            Record::Account(a) => a.password_match = matcher,
            Record::Credential(c) => c.same_secret = matcher,
            _ => {}
        }
        collected.records.push(record);
    }
    if collected.records.len() as u64 != header.records
        || collected.diagnostics.len() as u64 != header.diagnostics
    {
        return Err(err(
            n,
            format!(
                "the file ends after {} of {} records and {} of {} diagnostics: truncated",
                collected.records.len(),
                header.records,
                collected.diagnostics.len(),
                header.diagnostics
            ),
        ));
    }
    Ok(Shard {
        file: name.to_string(),
        header,
        collected,
    })
}

/// The header line: the format and version first, so a file of another format or version is
/// named as such rather than as a missing field.
fn parse_header(line: &[u8]) -> Result<Header, String> {
    let value: serde_json::Value = serde_json::from_slice(line)
        .map_err(|_| "not a resetgap inventory file (the first line is not JSON)".to_string())?;
    let field = |k: &str| value.get(k);
    if field("record").and_then(|v| v.as_str()) != Some("header") {
        return Err(
            "not a resetgap inventory file with a header (written before format version 1, or another file)"
                .into(),
        );
    }
    match field("format").and_then(|v| v.as_str()) {
        Some(FORMAT) => {}
        Some(other) => return Err(format!("format `{other}` is not `{FORMAT}`")),
        None => return Err(format!("the header has no `format` (expected `{FORMAT}`)")),
    }
    let by = field("resetgap")
        .and_then(|v| v.as_str())
        .map(|v| format!(" (written by resetgap {v})"))
        .unwrap_or_default();
    match field("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(format!(
                "format version {v}{by} is not known to resetgap {}, which reads version {VERSION}",
                env!("CARGO_PKG_VERSION")
            ))
        }
        None => return Err("the header has no numeric `version`".into()),
    }
    Header::deserialize(value).map_err(|e| format!("invalid header: {e}"))
}

/// What `correlate` may override when shards disagree.
#[derive(Clone, Debug, Default)]
pub struct Combine {
    /// `correlate --as-of`: the report's as-of, whatever the shards say.
    pub as_of: Option<Timestamp>,
    /// `correlate --allow-mixed-versions`: shards written by other resetgap versions.
    pub allow_mixed_versions: bool,
    /// The `hmac:` check of the key given to `correlate`, to compare with the shards'.
    pub secret_key: Option<String>,
}

/// Shards that belong together, combined for the reduce step.
#[derive(Debug)]
pub struct Estate {
    pub collected: Collected,
    pub as_of: Timestamp,
    /// As reports name the scanned root.
    pub name: String,
    pub work_tree_path: Option<String>,
    pub rule_set: String,
}

/// Checks that `shards` are parts of one estate scanned alike and concatenates them. Every
/// disagreement is an error naming the shards, unless `combine` overrides it.
pub fn combine(mut shards: Vec<Shard>, combine: &Combine) -> Result<Estate, String> {
    let Some(first) = shards.first() else {
        return Err("no shard files given".into());
    };
    let mut problems = Vec::new();
    let differ = |what: &str, f: &dyn Fn(&Header) -> String| -> Option<String> {
        let v0 = f(&first.header);
        let other = shards.iter().find(|s| f(&s.header) != v0)?;
        Some(format!(
            "{what} differs: {} has {}, {} has {}",
            first.file,
            v0,
            other.file,
            f(&other.header)
        ))
    };
    if !combine.allow_mixed_versions {
        if let Some(p) = differ("the resetgap version", &|h| h.resetgap.clone()) {
            problems.push(format!(
                "{p} (--allow-mixed-versions to combine them anyway)"
            ));
        } else if first.header.resetgap != env!("CARGO_PKG_VERSION") {
            problems.push(format!(
                "{} was written by resetgap {}, this is {} (--allow-mixed-versions to read it anyway)",
                first.file,
                first.header.resetgap,
                env!("CARGO_PKG_VERSION")
            ));
        }
    }
    if combine.as_of.is_none() {
        if let Some(p) = differ("the as-of time", &|h| {
            crate::inventory::when::format_instant(h.as_of)
        }) {
            problems.push(format!(
                "{p} (scan every shard with the same --as-of, or give correlate --as-of)"
            ));
        }
    }
    if let Some(p) = differ("the estate", &|h| {
        h.estate.clone().unwrap_or_else(|| "(none)".into())
    }) {
        problems.push(p);
    }
    if let Some(p) = differ("the rule set", &|h| h.rule_set.clone()) {
        problems.push(format!("{p} (scan every shard with the same --extractors)"));
    }
    if let Some(p) = differ("the --secret-id-key", &|h| {
        h.secret_key.clone().unwrap_or_else(|| "no key".into())
    }) {
        problems.push(format!(
            "{p}: secrets and password hashes would not join; scan every shard with the same key"
        ));
    } else if let Some(k) = &combine.secret_key {
        if first.header.secret_key.as_ref() != Some(k) {
            problems.push(format!(
                "the --secret-id-key given to correlate is not the one {} was scanned with",
                first.file
            ));
        }
    }
    // Two shards holding the same files would count and report them twice.
    let mut roots: Vec<(&str, &str)> = shards
        .iter()
        .flat_map(|s| s.header.roots.iter().map(|r| (r.as_str(), s.file.as_str())))
        .collect();
    roots.sort();
    for (i, (a, fa)) in roots.iter().enumerate() {
        for (b, fb) in &roots[i + 1..] {
            let under =
                a.is_empty() || b == a || b.strip_prefix(a).is_some_and(|r| r.starts_with('/'));
            if under {
                problems.push(format!(
                    "{fa} (part `{a}`) and {fb} (part `{b}`) overlap: their files would be counted twice"
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let as_of = combine.as_of.unwrap_or(first.header.as_of);
    let name = first.header.estate.clone().unwrap_or_default();
    let rule_set = first.header.rule_set.clone();
    let work_tree_path = first.header.work_tree_path.clone();
    let work_tree_path = shards
        .iter()
        .all(|s| s.header.work_tree_path == work_tree_path)
        .then_some(work_tree_path)
        .flatten();
    let keyed = first.header.secret_key.is_some();
    // Shards with digests to join: by file name (never a path of this machine) and first part.
    let with_matches: Vec<(String, String)> = shards
        .iter()
        .filter(|s| {
            s.collected.records.iter().any(|r| match r {
                Record::Account(a) => a.password_match.is_some(),
                Record::Credential(c) => c.same_secret.is_some(),
                _ => false,
            })
        })
        .map(|s| {
            let name = Path::new(&s.file)
                .file_name()
                .map_or_else(|| s.file.clone(), |n| n.to_string_lossy().into_owned());
            (name, s.header.roots.first().cloned().unwrap_or_default())
        })
        .collect();
    let mut note = None;
    if !keyed && with_matches.len() > 1 {
        let names: Vec<&str> = with_matches.iter().map(|(n, _)| n.as_str()).collect();
        note = Some(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            Evidence::new(with_matches[0].1.clone(), None),
            format!(
                "the shards {} hold password hashes or clear-text secrets but were scanned \
                 without --secret-id-key: the same password or secret in two shards is not \
                 joined (RG504 and paired secrets see each shard alone). Set \
                 RESETGAP_SECRET_ID_KEY on every shard scan",
                names.join(", ")
            ),
        ));
    }
    let mut collected = Collected::default();
    for s in &mut shards {
        let c = std::mem::take(&mut s.collected);
        collected.records.extend(c.records);
        collected.diagnostics.extend(c.diagnostics);
        collected.files += c.files;
        collected.bytes += c.bytes;
    }
    collected.diagnostics.extend(note);
    Ok(Estate {
        collected,
        as_of,
        name,
        work_tree_path,
        rule_set,
    })
}

#[cfg(test)]
mod tests;
