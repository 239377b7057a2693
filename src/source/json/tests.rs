use super::*;
use crate::diag::Severity;

fn shape_items(text: &str) -> (Vec<String>, Output) {
    let is_item = |o: &Node<'_>| o.has("codeId");
    let shape = Shape {
        list_keys: &["items"],
        is_item: &is_item,
        what: "test items",
    };
    let doc = Doc::parse("f.json", text);
    let mut out = Output::default();
    let ids = doc
        .items(&shape, &mut out)
        .iter()
        .filter_map(|i| i.node.get("codeId")?.num().map(str::to_string))
        .collect();
    doc.report_breaks(&mut out);
    (ids, out)
}

#[test]
fn key_lines_come_from_parsing() {
    let text = "{\n \"items\": [\n  {\"owner\": {\"codeId\": 9},\n   \"codeId\": 1},\n  {\"codeId\": 2}\n ]\n}\n";
    let doc = Doc::parse("f.json", text);
    let is_item = |o: &Node<'_>| o.has("codeId");
    let shape = Shape {
        list_keys: &["items"],
        is_item: &is_item,
        what: "test items",
    };
    let mut out = Output::default();
    let items = doc.items(&shape, &mut out);
    assert!(out.diagnostics.is_empty());
    assert_eq!(items.len(), 2);
    // The nested `codeId` of `owner` (line 3) is not the item's key (line 4).
    assert_eq!(doc.key_line(items[0].node, "codeId"), 4);
    assert_eq!(doc.key_line(items[1].node, "codeId"), 5);
    assert_eq!(doc.id_line(items[0].node, &["nope", "owner", "codeId"]), 3);
    assert_eq!(doc.key_line(items[0].node, "nope"), 3);
    assert!(items[0].wrapper.is_some_and(|w| w.has("items")));
}

#[test]
fn truncated_value_keeps_complete_items_and_reading_resumes() {
    let text = "[\n{\"codeId\": 1},\n{\"codeId\": 2, \"x\": \n{\"codeId\": 3}\n";
    let (ids, out) = shape_items(text);
    // Item 1 is kept from the broken array, item 2 is cut; `{"codeId": 3}` at column 0 stands
    // alone and is read again.
    assert_eq!(ids, ["1", "3"]);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert!(d.makes_incomplete());
    assert!(d.message.contains("starting at line 1"), "{}", d.message);
}

#[test]
fn pages_of_arrays_and_json_lines() {
    let (ids, out) = shape_items("[[{\"codeId\":1}],[{\"codeId\":2}]]\n{\"codeId\":3}\n");
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(out.diagnostics.is_empty());
    let (ids, out) = shape_items("[1, \"x\"]");
    assert!(ids.is_empty());
    assert_eq!(out.diagnostics.len(), 2);
    let (_, out) = shape_items("{\"other\": 1}\n{\"items\": 5}\n");
    let kinds: Vec<_> = out.diagnostics.iter().map(|d| d.severity).collect();
    assert_eq!(kinds, [Severity::Note, Severity::Warning]);
}

#[test]
fn sniff_helpers() {
    assert!(has_key("{\"a\" : 1}", "a"));
    assert!(!has_key("{\"x\": \"a\"}", "a"));
    assert_eq!(key_value_after("{\"k\":  \"v\"}", "k"), Some("\"v\"}"));
}

// ---- one broken-input policy, checked through every JSON-reading adapter ----

use crate::diag::DiagKind;
use crate::inventory::Record;
use crate::source::registry::Sniff;
use crate::source::{aws, credfiles, entra, github, google, kubernetes, okta, stores, vault};

/// The adapter that claims `full` (the complete fixture of `source`), run on `text` (a prefix of
/// it). `None` when no JSON adapter of that source claims the fixture.
fn run_as(source: &str, full: &str, text: &str) -> Option<Output> {
    let p = "p";
    let options = crate::source::SourceOptions::default();
    let file = Sniff::new(
        if source == "credfiles" {
            "config.json"
        } else {
            p
        },
        full,
    );
    Some(match source {
        "aws" => aws::parse(aws::sniff(&file)?, p, text),
        "entra" => entra::parse(entra::sniff(&file)?, p, text),
        "okta" => okta::parse(okta::sniff(&file)?, p, text),
        "google" => google::parse(google::sniff(&file)?, p, text),
        "github" => github::parse(github::sniff(&file)?, p, text),
        "vault" => vault::parse(vault::sniff(&file)?, p, text),
        "kubernetes" => kubernetes::parse(kubernetes::sniff(&file)?, p, text, &options),
        "credfiles" => credfiles::parse(credfiles::sniff(&file)?, p, text, &options),
        "stores" => stores::parse(stores::sniff(&file)?, p, text, &options),
        _ => return None,
    })
}

/// What a record is about, to compare the records of a prefix with those of the whole file.
fn subject(r: &Record) -> Option<String> {
    match r {
        Record::Credential(c) => Some(format!("credential {}", c.id)),
        Record::Account(a) => Some(format!("account {}:{}", a.system, a.login)),
        _ => None,
    }
}

fn subjects(out: &Output) -> Vec<String> {
    let mut s: Vec<String> = out.records.iter().filter_map(subject).collect();
    s.sort();
    s.dedup();
    s
}

/// Whether serde_json (an independent reader) finds the text broken.
fn serde_says_broken(text: &str) -> bool {
    serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'))
        .into_iter::<serde_json::Value>()
        .any(|v| v.is_err())
}

fn json_fixtures() -> Vec<(String, String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources");
    let mut all = Vec::new();
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let source = dir.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                if let Ok(text) = std::fs::read_to_string(file.path()) {
                    all.push((source.clone(), name, text));
                }
            }
        }
    }
    all.sort();
    all
}

/// Every prefix of every JSON fixture, through the adapter that claims the whole fixture: no
/// panic, every diagnostic located in the prefix, a break that serde_json also sees is an error
/// that makes the scan incomplete, and no record is invented.
#[test]
fn every_prefix_of_every_json_fixture() {
    let fixtures = json_fixtures();
    assert!(
        fixtures.len() >= 40,
        "fixtures not found: {}",
        fixtures.len()
    );
    let mut claimed = 0;
    for (source, name, full) in &fixtures {
        let Some(whole) = run_as(source, full, full) else {
            continue;
        };
        claimed += 1;
        let whole = subjects(&whole);
        let step = (full.len() / 400).max(1);
        for cut in (0..full.len())
            .step_by(step)
            .filter(|c| full.is_char_boundary(*c))
        {
            let text = &full[..cut];
            let Some(out) = run_as(source, full, text) else {
                continue;
            };
            let lines = u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX);
            for d in &out.diagnostics {
                assert_eq!(d.location.path, "p", "{source}/{name} cut at {cut}: {d}");
                assert!(
                    d.location.line.is_none_or(|l| (1..=lines).contains(&l)),
                    "{source}/{name} cut at {cut}: {d} outside 1..={lines}"
                );
            }
            if serde_says_broken(text) && !text.trim().is_empty() {
                assert!(
                    out.diagnostics.iter().any(|d| d.makes_incomplete()
                        && d.location.line.is_some()
                        && matches!(d.kind, DiagKind::Malformed | DiagKind::Unparseable)),
                    "{source}/{name} cut at {cut}: a break that is not an error: {:?}",
                    out.diagnostics
                );
            }
            for s in subjects(&out) {
                assert!(
                    whole.contains(&s),
                    "{source}/{name} cut at {cut}: {s} is not in the whole file"
                );
            }
        }
    }
    assert!(claimed >= 35, "only {claimed} fixtures claimed");
}

/// A truncated export of each JSON source: the same severity and kind for every source, at the
/// line of the break, and every record of the items before the break kept.
#[test]
fn truncated_exports_of_every_source_give_the_same_diagnostic() {
    // (source, fixture, cut 3 bytes after the last occurrence of, subjects of the whole file
    // that the cut item alone holds)
    let cases: [(&str, &str, &str, usize); 6] = [
        ("google", "tokens-m.okafor.json", "\"clientId\"", 1),
        (
            "vault",
            "token-lookups-loop.json",
            "Kq3vN8xZ2bH5mJ7wP0tR9sLd",
            1,
        ),
        (
            "aws",
            "list-access-keys-all-users.json",
            "\"AccessKeyId\"",
            1,
        ),
        ("okta", "api-tokens.json", "\"clientName\"", 1),
        ("entra", "users-page.json", "\"userPrincipalName\"", 1),
        ("github", "deploy-keys.json", "\"key\"", 2),
    ];
    let fixtures = json_fixtures();
    let mut seen = Vec::new();
    for (source, name, marker, lost) in cases {
        let full = &fixtures
            .iter()
            .find(|(s, n, _)| s == source && n == name)
            .unwrap_or_else(|| panic!("no fixture {source}/{name}"))
            .2;
        let cut = full.rfind(marker).expect("marker") + marker.len() + 3;
        let text = &full[..cut];
        let whole = run_as(source, full, full).expect("claimed");
        let out = run_as(source, full, text).expect("claimed");
        let breaks: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| d.makes_incomplete())
            .collect();
        assert_eq!(breaks.len(), 1, "{source}: {:?}", out.diagnostics);
        let d = breaks[0];
        let break_line = u32::try_from(text.trim_end().split('\n').count()).unwrap_or(0);
        assert_eq!(d.location.line, Some(break_line), "{source}: {d}");
        assert!(d.message.contains("truncated"), "{source}: {d}");
        seen.push((d.severity, d.kind));
        let (kept, all) = (subjects(&out), subjects(&whole));
        assert!(kept.iter().all(|s| all.contains(s)), "{source}: {kept:?}");
        assert_eq!(
            kept.len() + lost,
            all.len(),
            "{source}: kept {kept:?} of {all:?}"
        );
    }
    seen.dedup();
    assert_eq!(seen, [(Severity::Error, DiagKind::Malformed)]);
}

/// Throughput of the located reader against serde_json's `Value` (what the old AWS, Vault and
/// Google readers parsed before searching the text again). Run with
/// `cargo test --release --lib json_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
#[allow(clippy::print_stderr)]
fn json_throughput() {
    use std::fmt::Write as _;
    let mut text = String::from("{\n  \"kind\": \"admin#directory#users\",\n  \"users\": [\n");
    for i in 0..40_000 {
        let _ = write!(
            text,
            "    {{\n      \"kind\": \"admin#directory#user\",\n      \"id\": \"1043218765432{i:08}\",\n      \"primaryEmail\": \"user{i}@example.org\",\n      \"name\": {{\"givenName\": \"U\\u00e9{i}\", \"familyName\": \"Test\"}},\n      \"isAdmin\": false,\n      \"suspended\": {},\n      \"creationTime\": \"2024-02-12T16:00:00.000Z\",\n      \"aliases\": [\"a{i}@example.org\", \"b{i}@example.org\"],\n      \"recoveryEmail\": \"r{i}@example.net\"\n    }}{}\n",
            i % 7 == 0,
            if i + 1 < 40_000 { "," } else { "" }
        );
    }
    text.push_str("  ]\n}\n");
    let best = |f: &dyn Fn() -> usize| {
        (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let serde = best(&|| {
        serde_json::from_str::<serde_json::Value>(&text)
            .map(|v| v.as_object().map_or(0, |o| o.len()))
            .unwrap_or(0)
    });
    let located = best(&|| Doc::parse("u.json", &text).values.len());
    let adapter = best(&|| {
        google::parse(google::GoogleExport::Users, "u.json", &text)
            .records
            .len()
    });
    eprintln!(
        "{} MB: serde_json Value {serde:?}, source::json Doc {located:?}, google users adapter {adapter:?}",
        text.len() / 1_000_000
    );
}
