use super::*;
use std::path::{Path, PathBuf};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every regular file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The structured sources (every source but the catch-all secret extractors) claiming a file.
fn structured_claimants(path: &Path) -> Vec<&'static str> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = crate::source::decode_text(&bytes);
    let rel = path
        .strip_prefix(fixtures_root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    claimants(&rel, &text)
        .into_iter()
        .filter(|n| *n != "secrets")
        .collect()
}

/// The source that must claim each file of `fixtures/sources/<dir>/`; `None`: no structured
/// source (host files are read as a tree; the secret fixtures are plain config text).
fn expected_for(dir: &str) -> Option<&'static str> {
    match dir {
        "aws" => Some("aws"),
        "bloodhound" => Some("bloodhound"),
        "cloudtrail" => Some("cloudtrail"),
        "tickets" => Some("tickets"),
        "credfiles" => Some("credfiles"),
        "directory" => Some("ldif"),
        "entra" => Some("entra"),
        "github" => Some("github"),
        "google" => Some("google"),
        "kubernetes" => Some("kubernetes"),
        "netdev" => Some("netdev"),
        "okta" => Some("okta"),
        "roles" => Some("roles"),
        "stores" => Some("stores"),
        "vault" => Some("vault"),
        "windows" => Some("windows"),
        "winevents" => Some("winevents"),
        "linux" | "secrets" => None,
        other => panic!("fixtures/sources/{other}: say which source claims it"),
    }
}

/// Source fixtures whose claimants differ from their directory's on purpose: (file, the
/// structured sources that must claim it, why).
const EXCEPTIONS: &[(&str, &[&str], &str)] = &[
    (
        "windows/to-utf16.sh",
        &[],
        "the script that rewrites the Windows fixtures as UTF-16LE, not an export",
    ),
    (
        "windows/sysvol/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Preferences/Groups/Groups.xml",
        &["stores"],
        "GPP XML is the stores source's; its reader hands `<Group>` items to source::windows",
    ),
    (
        "credfiles/dockercfg-legacy",
        &[],
        "a legacy dockercfg is only recognised by its name `.dockercfg`",
    ),
    (
        "credfiles/git-credentials",
        &[],
        "named as a fixture, not `.git-credentials`; content alone is too weak for this shape",
    ),
    (
        "kubernetes/helm-serviceaccount.yaml",
        &[],
        "a Helm template is not an object until rendered",
    ),
    (
        "secrets/credentials",
        &["credfiles"],
        "an AWS shared credentials file is a credential file wherever it lives",
    ),
    (
        "secrets/git-credentials",
        &["credfiles"],
        "URLs with credentials, one per line, are a git credential store by content",
    ),
    (
        "directory/make_fixtures.py",
        &[],
        "the generator of the directory fixtures",
    ),
];

/// The claim matrix: every fixture of `fixtures/sources/<dir>/` is claimed by `<dir>`'s source
/// and by no other structured source; host and config-text fixtures by none.
#[test]
fn every_source_fixture_is_claimed_by_its_source_only() {
    let root = fixtures_root().join("sources");
    let mut problems = Vec::new();
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).expect("fixtures/sources") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expected = expected_for(&name);
        for file in files_under(&dir) {
            let rel = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.ends_with("README.md") && name != "secrets" {
                continue;
            }
            checked += 1;
            let got = structured_claimants(&file);
            let want: Vec<&str> = match EXCEPTIONS.iter().find(|(p, _, _)| *p == rel) {
                Some((_, claimants, _)) => claimants.to_vec(),
                None => expected.into_iter().collect(),
            };
            if got != want {
                problems.push(format!("{rel}: claimed by {got:?}, expected {want:?}"));
            }
        }
    }
    assert!(checked > 100, "only {checked} fixtures found");
    assert!(
        problems.is_empty(),
        "claim matrix:\n{}",
        problems.join("\n")
    );
}

/// Across every fixture of the repository (rule worlds, the demo estate, scenarios), no file is
/// claimed by two structured sources: precedence never silently decides a real file.
#[test]
fn no_fixture_is_claimed_by_two_sources() {
    let mut problems = Vec::new();
    for file in files_under(&fixtures_root()) {
        let got = structured_claimants(&file);
        if got.len() > 1 {
            problems.push(format!("{}: {got:?}", file.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "claimed twice:\n{}",
        problems.join("\n")
    );
}

#[test]
fn known_collisions_go_to_the_right_source() {
    // A Python logging dictConfig starts with `version: 1`, as LDIF may: it is config text.
    let logging = fixtures_root().join("sources/secrets/logging.yaml");
    assert_eq!(structured_claimants(&logging), Vec::<&str>::new());
    // A Kubernetes Secret with `stringData`/`data` is Kubernetes' (and its values are scanned).
    let opaque = fixtures_root().join("sources/kubernetes/opaque-secrets.yaml");
    assert_eq!(structured_claimants(&opaque), vec!["kubernetes"]);
}

#[test]
fn every_source_has_a_unique_name_and_the_catch_all_is_last() {
    let names: Vec<&str> = FILE_SOURCES.iter().map(|s| s.name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "{names:?}");
    assert_eq!(names.last(), Some(&"secrets"));
    assert_eq!(claimants("x", "anything at all"), vec!["secrets"]);
}

/// Every source survives every prefix of every source fixture (cut at char boundaries, at most
/// 64 cuts per file), whether or not it claims the prefix.
#[test]
fn no_source_panics_on_any_prefix_of_any_fixture() {
    let extractors = Extractors::builtin().expect("extractors");
    let options = SourceOptions::default();
    for file in files_under(&fixtures_root().join("sources")) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = crate::source::decode_text(&bytes);
        let step = (text.len() / 64).max(1);
        let mut cut = 0;
        while cut <= text.len() {
            if let Some(part) = text.get(..cut) {
                let out = parse_file("x", part, When::Unknown, &options, &extractors);
                assert!(
                    !out.diagnostics
                        .iter()
                        .any(|d| d.message.contains("internal error")),
                    "{} cut at {cut}",
                    file.display()
                );
            }
            cut += step;
        }
    }
}

#[test]
fn a_panicking_parser_becomes_a_located_diagnostic() {
    struct Boom;
    impl FileSource for Boom {
        fn name(&self) -> &'static str {
            "boom"
        }
        fn claim<'s>(&'s self, _file: &Sniff<'_>) -> Option<Claim<'s>> {
            Some(Box::new(|_| panic!("bug")))
        }
    }
    let extractors = Extractors::builtin().expect("extractors");
    let options = SourceOptions::default();
    let input = ParseInput {
        uri: "etc/x.conf",
        text: "",
        modified: When::Unknown,
        options: &options,
        extractors: &extractors,
    };
    let out = guarded("etc/x.conf", || {
        let claim = Boom.claim(&Sniff::new("etc/x.conf", "")).expect("claimed");
        claim(&input)
    });
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.location.path, "etc/x.conf");
    assert!(d.makes_incomplete());
    assert!(d.message.contains("internal error"), "{}", d.message);
}

#[test]
fn sniff_exposes_head_tail_and_bom_free_text() {
    let big = format!("\u{feff}  {{\"a\": 1}}{}", "x".repeat(SNIFF_WINDOW * 2));
    let s = Sniff::new("dir/file.json", &big);
    assert!(s.text.starts_with("  {"));
    assert_eq!(s.head.len(), SNIFF_WINDOW);
    assert_eq!(s.tail().len(), SNIFF_WINDOW);
    assert!(!s.is_whole());
    assert!(s.looks_like_json());
    assert_eq!(s.file_name(), "file.json");
    assert!(s.lower_head().starts_with("{\"a\""));
    let small = Sniff::new("f", "dn: cn=a\n");
    assert!(small.is_whole());
    assert!(!small.looks_like_json());
}
