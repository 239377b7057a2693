//! The shard reader and `combine`: round trips, and every refusal located.

use super::*;
use crate::inventory::{Account, Credential, CredentialKind, Host, SourceKind};
use crate::source::secret_id::SecretIdScheme;

fn as_of() -> Timestamp {
    "2026-08-21T12:00:00Z".parse().unwrap()
}

/// Records of two kinds with secret matches, a fractional time, and a diagnostic.
fn collected(scheme: &SecretIdScheme, host: &str) -> Collected {
    let mut a = Account::new(
        SourceKind::LinuxHost,
        host,
        "root",
        Evidence::at(&format!("hosts/{host}/etc/passwd"), 1),
    );
    a.password_match = Some(scheme.matcher("$6$salt$hashhashhash"));
    a.password_last_set = When::Known("2026-08-03T14:22:51.3378545Z".parse().unwrap());
    let mut c = Credential::new(
        CredentialKind::PlaintextSecret,
        "hmac:0123456789abcdef",
        "password",
        Evidence::at(&format!("hosts/{host}/opt/app/.env"), 3),
    );
    c.same_secret = Some(scheme.matcher("hunter2"));
    c.facts = vec!["a fact".into()];
    let h = Host {
        name: host.into(),
        root: format!("hosts/{host}"),
        collected_at: When::Known("2026-08-20T09:00:00Z".parse().unwrap()),
        evidence: Evidence::new(format!("hosts/{host}/manifest.json"), None),
    };
    Collected {
        records: vec![Record::Host(h), Record::Account(a), Record::Credential(c)],
        diagnostics: vec![Diagnostic::malformed(
            &format!("hosts/{host}/etc/shadow"),
            2,
            "lastchg is not a day count",
        )],
        files: 7,
        bytes: 1234,
        timings: Vec::new(),
    }
}

fn header(c: &Collected, root: &str, scheme: &SecretIdScheme) -> Header {
    let mut h = Header::new(Kind::Shard, as_of(), "sha256:rules".into());
    h.estate = Some("estate".into());
    h.roots = vec![root.into()];
    h.secret_key = scheme.key_check();
    h.describe(c);
    h
}

fn bytes(h: &Header, c: &Collected) -> Vec<u8> {
    let mut out = Vec::new();
    write(h, c, &mut out).unwrap();
    out
}

fn read_text(text: &str) -> Result<Shard, ReadError> {
    read_from("part-0.jsonl", text.as_bytes())
}

fn shard(root: &str, host: &str, scheme: &SecretIdScheme) -> Shard {
    let c = collected(scheme, host);
    let h = header(&c, root, scheme);
    read_from(&format!("{host}.jsonl"), bytes(&h, &c).as_slice()).unwrap()
}

#[test]
fn round_trips_records_matches_times_and_diagnostics() {
    let scheme = SecretIdScheme::keyed(b"shard unit test key, not a secret").unwrap();
    let c = collected(&scheme, "web01");
    let h = header(&c, "hosts/web01", &scheme);
    let text = bytes(&h, &c);
    let back = read_from("part-0.jsonl", text.as_slice()).unwrap();
    assert_eq!(back.header, h);
    assert_eq!(back.collected.records, c.records);
    assert_eq!(back.collected.diagnostics, c.diagnostics);
    assert_eq!((back.collected.files, back.collected.bytes), (7, 1234));
    let text = String::from_utf8(text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with(r#"{"record":"header","format":"resetgap-inventory","version":1"#));
    assert!(lines[2].contains(r#""password_match":""#), "{}", lines[2]);
    assert!(lines[2].contains("14:22:51.3378545Z"), "{}", lines[2]);
    assert!(lines[3].contains(r#""same_secret":""#), "{}", lines[3]);
    assert!(
        lines[4].contains(r#""record":"diagnostic""#),
        "{}",
        lines[4]
    );
    // Neither the secret nor the hash is in the file.
    assert!(!text.contains("hunter2") && !text.contains("hashhash"));
}

fn good_text() -> String {
    let scheme = SecretIdScheme::default();
    let c = collected(&scheme, "web01");
    String::from_utf8(bytes(&header(&c, "hosts/web01", &scheme), &c)).unwrap()
}

fn with_line(text: &str, n: usize, line: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[n - 1] = line.to_string();
    lines.join("\n") + "\n"
}

fn error(text: &str) -> String {
    read_text(text).unwrap_err().to_string()
}

#[test]
fn refuses_unknown_versions_and_formats_at_line_one() {
    let text = good_text();
    let v2 = text.replacen(r#""version":1"#, r#""version":2"#, 1);
    let e = error(&v2);
    assert!(e.starts_with("part-0.jsonl:1: format version 2"), "{e}");
    assert!(e.contains("reads version 1"), "{e}");
    let other = text.replacen("resetgap-inventory", "something-else", 1);
    assert_eq!(
        error(&other),
        "part-0.jsonl:1: format `something-else` is not `resetgap-inventory`"
    );
    // An inventory written before the header existed.
    let e = error("{\"record\":\"account\",\"system\":\"web01\"}\n");
    assert!(
        e.starts_with("part-0.jsonl:1: not a resetgap inventory file with a header"),
        "{e}"
    );
    assert!(error("").starts_with("part-0.jsonl:1: empty file"));
    assert!(error("garbage\n").starts_with("part-0.jsonl:1: not a resetgap inventory file"));
    // A merged inventory is not a shard.
    let merged = text.replacen(r#""kind":"shard""#, r#""kind":"inventory""#, 1);
    assert!(error(&merged).contains("merged inventory"));
    // Unknown header fields are refused (deny_unknown_fields).
    let extra = text.replacen(r#""kind":"shard""#, r#""kind":"shard","colour":"blue""#, 1);
    assert!(
        error(&extra).contains("unknown field `colour`"),
        "{}",
        error(&extra)
    );
}

#[test]
fn refuses_malformed_lines_with_their_line_number() {
    let text = good_text();
    let cases = [
        (3, "{not json", "part-0.jsonl:3: not JSON"),
        (3, "[1,2]", "part-0.jsonl:3: not a JSON object"),
        (
            3,
            r#"{"system":"web01"}"#,
            "part-0.jsonl:3: no `record` field",
        ),
        (
            3,
            r#"{"record":"spaceship","name":"x"}"#,
            "part-0.jsonl:3: invalid `spaceship` record",
        ),
        (
            3,
            r#"{"record":"account","system":"web01"}"#,
            "part-0.jsonl:3: invalid `account` record: missing field",
        ),
        (3, "", "part-0.jsonl:3: empty line"),
        (
            5,
            r#"{"record":"diagnostic","location":{"path":"x"},"severity":"loud","kind":"binary","message":"m"}"#,
            "part-0.jsonl:5: invalid diagnostic",
        ),
    ];
    for (n, line, want) in cases {
        let e = error(&with_line(&text, n, line));
        assert!(e.starts_with(want), "line {n} `{line}`: {e}");
    }
    // A secret match that is not a digest.
    let bad = text.replacen(r#""password_match":""#, r#""password_match":"zz"#, 1);
    assert!(error(&bad).starts_with("part-0.jsonl:3: `password_match` is not 32 hex digits"));
    // A record after the diagnostics.
    let lines: Vec<&str> = text.lines().collect();
    let moved = [lines[0], lines[1], lines[4], lines[2], lines[3]].join("\n");
    assert!(error(&moved).starts_with("part-0.jsonl:4: a `account` record after the diagnostics"));
}

#[test]
fn refuses_truncated_and_overlong_files() {
    let text = good_text();
    let cut: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    let e = error(&cut);
    assert!(
        e.starts_with(
            "part-0.jsonl:4: the file ends after 2 of 3 records and 0 of 1 diagnostics: truncated"
        ),
        "{e}"
    );
    let mut long = text.lines().next().unwrap().to_string();
    long.push('\n');
    long.push_str(&"x".repeat(MAX_LINE + 10));
    assert!(error(&long).starts_with("part-0.jsonl:2: line longer than"));
    let extra = format!("{text}{}\n", text.lines().nth(2).unwrap());
    assert!(
        error(&extra).starts_with("part-0.jsonl:6: more records than the header's 3")
            || error(&extra)
                .starts_with("part-0.jsonl:6: a `account` record after the diagnostics")
    );
}

#[test]
fn combines_shards_of_one_estate_and_refuses_others() {
    let key = SecretIdScheme::keyed(b"shard unit test key, not a secret").unwrap();
    let a = || shard("hosts/web01", "web01", &key);
    let b = || shard("hosts/db01", "db01", &key);
    let estate = combine(vec![a(), b()], &Combine::default()).unwrap();
    assert_eq!(estate.collected.records.len(), 6);
    assert_eq!(estate.collected.files, 14);
    assert_eq!(estate.name, "estate");
    assert_eq!(estate.as_of, as_of());
    // The same key: the two roots' password digests join.
    let matches: Vec<_> = estate
        .collected
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => a.password_match,
            _ => None,
        })
        .collect();
    assert_eq!(matches.len(), 2);
    assert_eq!(matches[0], matches[1]);
    assert!(estate
        .collected
        .diagnostics
        .iter()
        .all(|d| d.kind != DiagKind::Incomplete));

    // Different as-of: refused unless correlate chooses one.
    let mut late = b();
    late.header.as_of = "2026-08-22T00:00:00Z".parse().unwrap();
    let e = combine(vec![a(), late], &Combine::default()).unwrap_err();
    assert!(e.contains("the as-of time differs: web01.jsonl has 2026-08-21T12:00:00Z, db01.jsonl has 2026-08-22T00:00:00Z"), "{e}");
    let mut late = b();
    late.header.as_of = "2026-08-22T00:00:00Z".parse().unwrap();
    let chosen: Timestamp = "2026-09-01T00:00:00Z".parse().unwrap();
    let ok = combine(
        vec![a(), late],
        &Combine {
            as_of: Some(chosen),
            ..Combine::default()
        },
    )
    .unwrap();
    assert_eq!(ok.as_of, chosen);

    // Another resetgap version.
    let mut old = b();
    old.header.resetgap = "0.0.1".into();
    let e = combine(vec![a(), old], &Combine::default()).unwrap_err();
    assert!(
        e.contains("the resetgap version differs") && e.contains("--allow-mixed-versions"),
        "{e}"
    );
    let mut old = b();
    old.header.resetgap = "0.0.1".into();
    let mixed = Combine {
        allow_mixed_versions: true,
        ..Combine::default()
    };
    assert!(combine(vec![a(), old], &mixed).is_ok());

    // Another key, or none.
    let other = SecretIdScheme::keyed(b"another unit test key, not a secret").unwrap();
    let e = combine(
        vec![a(), shard("hosts/db01", "db01", &other)],
        &Combine::default(),
    )
    .unwrap_err();
    assert!(e.contains("the --secret-id-key differs"), "{e}");
    let e = combine(
        vec![a(), shard("hosts/db01", "db01", &SecretIdScheme::default())],
        &Combine::default(),
    )
    .unwrap_err();
    assert!(e.contains("has no key"), "{e}");
    let e = combine(
        vec![a()],
        &Combine {
            secret_key: other.key_check(),
            ..Combine::default()
        },
    )
    .unwrap_err();
    assert!(
        e.contains("not the one web01.jsonl was scanned with"),
        "{e}"
    );

    // Overlapping parts.
    let e = combine(vec![a(), shard("hosts", "db01", &key)], &Combine::default()).unwrap_err();
    assert!(
        e.contains("(part `hosts`) and web01.jsonl (part `hosts/web01`) overlap"),
        "{e}"
    );
    assert!(combine(
        vec![a(), shard("hosts/web01x", "x", &key)],
        &Combine::default()
    )
    .is_ok());
    let e = combine(vec![a(), a()], &Combine::default()).unwrap_err();
    assert!(e.contains("overlap"), "{e}");
    assert!(combine(Vec::new(), &Combine::default()).is_err());
}

#[test]
fn without_a_key_correlate_says_once_that_shards_do_not_join() {
    let a = shard("hosts/web01", "web01", &SecretIdScheme::default());
    let b = shard("hosts/db01", "db01", &SecretIdScheme::default());
    let estate = combine(vec![a, b], &Combine::default()).unwrap();
    let notes: Vec<_> = estate
        .collected
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("--secret-id-key"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].severity, Severity::Note);
    assert!(notes[0].message.contains("RESETGAP_SECRET_ID_KEY"));
    // One shard alone joins within itself: nothing to say.
    let one = combine(
        vec![shard("hosts", "web01", &SecretIdScheme::default())],
        &Combine::default(),
    )
    .unwrap();
    assert!(one
        .collected
        .diagnostics
        .iter()
        .all(|d| !d.message.contains("--secret-id-key")));
}
