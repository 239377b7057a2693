//! Tests of the extractor set as a whole: bundled rules self-test, formats, filters, output.

use super::*;
use std::sync::OnceLock;

fn builtin() -> &'static Extractors {
    static EX: OnceLock<Extractors> = OnceLock::new();
    EX.get_or_init(|| Extractors::builtin().unwrap_or_else(|e| panic!("{e:#?}")))
}

fn modified() -> When {
    When::parse_instant("2025-02-03T04:05:06Z").unwrap()
}

fn creds(out: &Output) -> Vec<&Credential> {
    out.records
        .iter()
        .map(|r| match r {
            Record::Credential(c) => c,
            other => panic!("unexpected record {other:?}"),
        })
        .collect()
}

/// (line, rule id, owner login) of every credential.
fn summary(out: &Output) -> Vec<(u32, String, Option<String>)> {
    creds(out)
        .iter()
        .map(|c| {
            (
                c.evidence.line.unwrap(),
                c.detail.clone().unwrap(),
                c.owner.as_ref().map(|o| o.login.clone()),
            )
        })
        .collect()
}

fn scan(path: &str, text: &str) -> Output {
    builtin().scan(
        path,
        text,
        modified(),
        IssuedBasis::FileModified,
        &SourceOptions::default(),
    )
}

/// Options whose secret ids are HMACs under a test key.
fn keyed() -> SourceOptions {
    SourceOptions {
        secret_ids: crate::source::secret_id::SecretIdScheme::keyed(b"test key, not a real one")
            .unwrap(),
        ..SourceOptions::default()
    }
}

/// The id `keyed()` gives `secret`.
fn keyed_id(options: &SourceOptions, secret: &str) -> String {
    options.secret_ids.file("").name("", secret).id
}

fn fixture(name: &str) -> (String, Output) {
    fixture_with(name, &SourceOptions::default())
}

fn fixture_with(name: &str, options: &SourceOptions) -> (String, Output) {
    let file = format!(
        "{}/fixtures/sources/secrets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&file).unwrap();
    let text = crate::source::decode_text(&bytes).into_owned();
    let out = builtin().scan(name, &text, modified(), IssuedBasis::FileModified, options);
    (text, out)
}

fn row(line: u32, rule: &str, user: Option<&str>) -> (u32, String, Option<String>) {
    (line, rule.to_string(), user.map(str::to_string))
}

#[test]
fn bundled_rules_pass_their_self_test() {
    let problems = builtin().check();
    assert!(problems.is_empty(), "{problems:#?}");
    // Every bundled rule has examples and negative examples.
    for r in &builtin().rules {
        assert!(
            !r.examples.is_empty() && !r.negative_examples.is_empty(),
            "{}",
            r.id
        );
    }
}

#[test]
fn yaml_fixture() {
    let (_, out) = fixture("app.yaml");
    assert_eq!(
        summary(&out),
        vec![
            row(10, "generic-password-assignment", Some("app_rw")),
            // The replica object has no user: the database object's user must not leak into it.
            row(14, "generic-password-assignment", None),
            row(18, "url-credentials", Some("cache_svc")),
            row(28, "generic-password-assignment", Some("ops")),
            // The second list item has no login; the first item's must not be used.
            row(30, "generic-password-assignment", None),
        ]
    );
    assert!(out.diagnostics.is_empty());
}

#[test]
fn json_fixture_with_connection_string() {
    let (_, out) = fixture("appsettings.json");
    assert_eq!(
        summary(&out),
        vec![
            row(4, "connection-string-password", Some("hr_app")),
            row(10, "generic-password-quoted-key", Some("notifier")),
        ]
    );
}

#[test]
fn ini_fixture_sections_bound_the_user() {
    let (_, out) = fixture("my.cnf");
    assert_eq!(
        summary(&out),
        vec![
            row(4, "generic-password-assignment", Some("backup")),
            // [mysqldump] has no user; [client]'s is behind a section header.
            row(7, "generic-password-assignment", None),
        ]
    );
}

#[test]
fn env_fixture() {
    let (_, out) = fixture("prod.env");
    assert_eq!(
        summary(&out),
        vec![
            row(3, "generic-password-assignment", Some("svc_orders")),
            row(9, "generic-password-assignment", None),
            row(10, "github-token", None),
            row(11, "slack-token", None),
        ]
    );
    let c = creds(&out);
    assert_eq!(c[2].label, "GitHub token");
    assert_eq!(c[3].label, "Slack token");
}

#[test]
fn properties_fixture() {
    let (_, out) = fixture("application.properties");
    assert_eq!(
        summary(&out),
        vec![
            row(5, "generic-password-assignment", Some("inventory")),
            row(7, "url-query-password", Some("shop_rw")),
        ]
    );
}

#[test]
fn aws_credentials_fixture() {
    let (_, out) = fixture("credentials");
    let c = creds(&out);
    let ids: Vec<(&str, u32, &str)> = c
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                c.evidence.line.unwrap(),
                c.detail.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    // The key id is the credential id; owner stays empty so the lead joins it to IAM.
    assert_eq!(ids[0], ("AKIAZZEXAMPLE7777777", 2, "aws-access-key-id"));
    assert!(c[0].owner.is_none());
    assert_eq!(c[0].label, "AWS access key id");
    assert_eq!(ids[1].1, 3);
    assert_eq!(ids[1].2, "aws-secret-access-key");
    assert!(ids[1].0.starts_with("loc:") && ids[1].0.len() == 4 + 16);
    assert_eq!(ids[2], ("AKIAZZEXAMPLE3333333", 6, "aws-access-key-id"));
    // The secret is paired with the nearer key id (one line above, not three below).
    assert_eq!(c[1].paired_with.as_deref(), Some("AKIAZZEXAMPLE7777777"));
    assert_eq!(c[0].paired_with, None, "only secrets are paired");
}

#[test]
fn aws_secret_pairs_with_the_nearest_key_id_within_three_lines() {
    let at = |id: &str, line: u32, detail: &str| {
        let mut c = Credential::new(
            CredentialKind::PlaintextSecret,
            id,
            "x",
            Evidence::at("f", line),
        );
        c.detail = Some(detail.to_string());
        c
    };
    let mut creds = vec![
        at("AKIAZZEXAMPLE0000001", 1, "aws-access-key-id"),
        at("loc:000000000001", 4, "aws-secret-access-key"),
        at("AKIAZZEXAMPLE0000002", 7, "aws-access-key-id"),
        at("loc:000000000002", 21, "aws-secret-access-key"),
        at("loc:000000000003", 22, "generic-password"),
        at("ASIAZZEXAMPLE0000003", 24, "aws-access-key-id"),
    ];
    pair_aws_secret_keys(&mut creds);
    let paired: Vec<Option<&str>> = creds.iter().map(|c| c.paired_with.as_deref()).collect();
    assert_eq!(
        paired,
        vec![
            None,
            // Three lines from both: the earlier line wins.
            Some("AKIAZZEXAMPLE0000001"),
            None,
            Some("ASIAZZEXAMPLE0000003"),
            None,
            None,
        ]
    );
    let mut far = vec![
        at("AKIAZZEXAMPLE0000001", 1, "aws-access-key-id"),
        at("loc:000000000001", 5, "aws-secret-access-key"),
    ];
    pair_aws_secret_keys(&mut far);
    assert_eq!(far[1].paired_with, None, "four lines away is too far");
}

#[test]
fn url_fixture_and_cross_rule_dedup() {
    let (_, out) = fixture("git-credentials");
    assert_eq!(
        summary(&out),
        vec![
            row(1, "url-credentials", Some("deploy")),
            // Found by github-token and url-credentials: one credential, the specific rule's;
            // `x-access-token` is a pseudo-user, not an owner.
            row(2, "github-token", None),
        ]
    );
}

#[test]
fn private_key_in_pem_and_json_has_one_id() {
    // With a key: one id. Without: ids of two places, one secret within the scan.
    for options in [keyed(), SourceOptions::default()] {
        let (_, pem) = fixture_with("id_ed25519", &options);
        let (_, json) = fixture_with("service-account.json", &options);
        let (p, j) = (creds(&pem), creds(&json));
        assert_eq!(p.len(), 1);
        assert_eq!(j.len(), 1);
        assert_eq!(p[0].evidence.line, Some(1));
        assert_eq!(j[0].evidence.line, Some(5));
        assert_eq!(p[0].id == j[0].id, options.secret_ids.is_keyed());
        assert_eq!(p[0].same_secret, j[0].same_secret);
        assert!(p[0].same_secret.is_some());
        assert_eq!(p[0].label, "private key");
    }
}

#[test]
fn placeholders_are_not_credentials() {
    let (_, out) = fixture("placeholders.yaml");
    assert!(out.records.is_empty(), "{:?}", summary(&out));
    for v in [
        "${X}",
        "$X",
        "{{ x }}",
        "%(x)s",
        "<your-token>",
        "changeme",
        "****",
        "ENC(abcd)",
    ] {
        assert!(is_placeholder(v), "{v}");
    }
}

#[test]
fn prose_and_markdown_do_not_fire() {
    let (_, out) = fixture("notes.txt");
    assert!(out.records.is_empty(), "{:?}", summary(&out));
    // Markdown docs are excluded from the generic rules even when they show an assignment.
    let (_, out) = fixture("README.md");
    assert!(out.records.is_empty(), "{:?}", summary(&out));
    // The same text in a config file is found.
    let out = scan("config.yml", "password: Zz-fake-docs-example-1\n");
    assert_eq!(out.records.len(), 1);
}

#[test]
fn crlf_line_endings() {
    let (text, out) = fixture("crlf.ini");
    assert!(text.contains("\r\n"));
    assert_eq!(
        summary(&out),
        vec![
            row(3, "generic-password-assignment", Some("crlf_user")),
            row(6, "generic-password-assignment", None),
        ]
    );
    // The same secret as with LF endings: no `\r` in the captured secret.
    let opts = keyed();
    let run = |t: &str| builtin().scan("crlf.ini", t, modified(), IssuedBasis::Unknown, &opts);
    let ids = |o: &Output| creds(o).iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&run(&text)), ids(&run(&text.replace("\r\n", "\n"))));
    assert_eq!(creds(&run(&text))[0].id, keyed_id(&opts, "Zz-fake-crlf-1"));
    // Without a key the ids name the place, not the secret.
    let lf = scan("crlf.ini", &text.replace("\r\n", "\n"));
    assert_eq!(ids(&out), ids(&lf));
    assert!(ids(&out).iter().all(|i| i.starts_with("loc:")));
}

#[test]
fn records_carry_time_status_and_evidence() {
    let out = builtin().scan(
        "etc/app/db.yml",
        "db:\n  username: app\n  password: Zz-fake-Value-1\n",
        modified(),
        IssuedBasis::Manifest,
        &keyed(),
    );
    let c = creds(&out);
    assert_eq!(c.len(), 1);
    let c = c[0];
    assert_eq!(c.kind, CredentialKind::PlaintextSecret);
    assert_eq!(c.id, keyed_id(&keyed(), "Zz-fake-Value-1"));
    assert!(c.same_secret.is_some());
    assert_eq!(c.label, "password in config");
    assert_eq!(c.issued, modified());
    assert_eq!(c.issued_basis, IssuedBasis::Manifest);
    assert_eq!(c.status, CredentialStatus::Active);
    assert_eq!(c.evidence, Evidence::at("etc/app/db.yml", 3));
    assert_eq!(c.detail.as_deref(), Some("generic-password-assignment"));
    assert_eq!(
        c.owner,
        Some(OwnerRef {
            system: None,
            login: "app".into()
        })
    );
    assert_eq!(c.expires, When::Unknown);
}

#[test]
fn no_secret_in_debug_or_serde_output() {
    let secrets = [
        "Zz-fake-Passw0rd-1",
        "Zz-fake-conn-7",
        "Zz-fake-json-Secret-2",
        "Zz fake ini 3",
        "Zz-fake-env-4",
        "Zz-fake-props-5",
        "zzEXAMPLEfakeSecretKey/0123456789+abcdef",
        "ghp_ZZfakeGitHubTokenForTests00000000001",
        "xoxb-000000000000-0000000000000-ZZfakeSlackBotToken00001",
        "Zz-fake-http-8",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
        "Zz-fake-jdbc-9",
        // The token families' fixtures: every token there has this part.
        "ZZfakeTahqx4BJRYfnv2",
        "d4b2907e5c3a18f6d4b2907e5c3a18f6",
        "MIIEowIBAAKCAQEA",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj",
        "lFgEZZfake",
        "eyJzdWIiOiJzdmMtcmVwb3J0cyIs",
    ];
    let mut all = String::new();
    let mut count = 0;
    for name in [
        "app.yaml",
        "appsettings.json",
        "my.cnf",
        "prod.env",
        "application.properties",
        "credentials",
        "git-credentials",
        "id_ed25519",
        "service-account.json",
        "saas-tokens.env",
        "pipeline.yml",
        "gcp-invoicer-key.json",
        "KeyHolder.java",
        "release-signing.asc",
        "admin.ppk",
    ] {
        let (_, out) = fixture(name);
        count += out.records.len();
        all.push_str(&format!("{out:?}"));
        all.push_str(&serde_json::to_string(&out.records).unwrap());
        all.push_str(&format!("{:?}", out.diagnostics));
    }
    assert!(count >= 15, "{count}");
    for s in secrets {
        assert!(!all.contains(s), "secret {s:?} leaked");
    }
    // Internal finds redact too.
    let found = Found {
        rule: 0,
        line: 1,
        secret: "Zz-fake-Passw0rd-1".into(),
        user: None,
        keyid: None,
    };
    assert!(!format!("{found:?}").contains("Zz-fake"));
}

#[test]
fn duplicates_on_one_line_are_merged() {
    let out = scan(
        "a.env",
        "A=AKIAZZEXAMPLE7777777 B=AKIAZZEXAMPLE7777777\nC=AKIAZZEXAMPLE7777777\n",
    );
    let lines: Vec<u32> = creds(&out)
        .iter()
        .map(|c| c.evidence.line.unwrap())
        .collect();
    assert_eq!(lines, vec![1, 2]);
}

#[test]
fn yaml_list_items_and_json_arrays_bound_the_user() {
    let yaml = "users:\n  - login: first\n    pwd: Zz-fake-1111\n  - pwd: Zz-fake-2222\n    login: second\n";
    assert_eq!(
        summary(&scan("u.yml", yaml)),
        vec![
            row(3, "generic-password-assignment", Some("first")),
            row(4, "generic-password-assignment", Some("second")),
        ]
    );
    let json = "[\n  {\n    \"user\": \"a1\",\n    \"password\": \"Zz-fake-3333\"\n  },\n  {\n    \"password\": \"Zz-fake-4444\"\n  }\n]\n";
    assert_eq!(
        summary(&scan("u.json", json)),
        vec![
            row(4, "generic-password-quoted-key", Some("a1")),
            row(7, "generic-password-quoted-key", None),
        ]
    );
}

#[test]
fn user_rules_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("corp.yml"),
        "rules:\n  - id: corp-token\n    name: Corp token\n    kind: Corp API token\n    pattern: '(?P<secret>corp_[a-z0-9]{12})'\n    keywords: [corp_]\n    paths: ['*.cfg']\n    examples:\n      - text: 'key = corp_zzfake000001'\n        secret: corp_zzfake000001\n    negative_examples:\n      - 'key = corp_short'\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a rule file").unwrap();
    let ex = Extractors::load_dir(dir.path()).unwrap();
    assert_eq!(ex.rules(), vec![("corp-token", "Corp token")]);
    assert_eq!(ex.keywords(), vec!["corp_".to_string()]);
    assert_eq!(
        ex.patterns(),
        vec!["(?P<secret>corp_[a-z0-9]{12})".to_string()]
    );
    assert!(ex.check().is_empty(), "{:?}", ex.check());
    let t = "key = corp_zzfake000001\n";
    assert_eq!(
        ex.scan(
            "a.cfg",
            t,
            When::Unknown,
            IssuedBasis::Unknown,
            &SourceOptions::default()
        )
        .records
        .len(),
        1
    );
    // Path globs restrict the rule.
    assert!(ex
        .scan(
            "a.txt",
            t,
            When::Unknown,
            IssuedBasis::Unknown,
            &SourceOptions::default()
        )
        .records
        .is_empty());
    // Combined with the bundled rules.
    let both = Extractors::builtin_and_dir(dir.path()).unwrap();
    assert_eq!(both.rules().len(), builtin().rules().len() + 1);
}

#[test]
fn rule_file_errors_are_all_reported_and_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.yml"),
        "rules:\n  - id: dup\n    name: A\n    kind: k\n    pattern: '(?P<secret>a+'\n    keywords: [a]\n  - id: ok-one\n    name: B\n    kind: k\n    pattern: '(?P<secret>b+)'\n    keywords: []\n    colour: red\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.yml"), "rules:\n  - id: [oops\n").unwrap();
    std::fs::write(
        dir.path().join("c.yaml"),
        "rules:\n  - id: dup\n    name: C\n    kind: k\n    pattern: '(?P<secret>c+)'\n    keywords: [c]\n  - id: dup\n    name: D\n    kind: k\n    pattern: '(?P<secret>d+)'\n    keywords: [d]\n",
    )
    .unwrap();
    let errs = Extractors::load_dir(dir.path()).unwrap_err();
    let a = dir.path().join("a.yml").display().to_string();
    let c = dir.path().join("c.yaml").display().to_string();
    let b = dir.path().join("b.yml").display().to_string();
    assert!(
        errs.iter()
            .any(|e| e.starts_with(&format!("{a}:5:5: pattern does not compile"))),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with(&format!("{a}:12:5: unknown field `colour`"))),
        "{errs:#?}"
    );
    assert!(
        errs.iter().any(|e| e.starts_with(&format!("{b}:"))),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with(&format!("{c}:7:5: duplicate rule id \"dup\""))),
        "{errs:#?}"
    );
    assert_eq!(errs.len(), 4, "{errs:#?}");
    assert!(Extractors::load_dir(&dir.path().join("missing")).is_err());
}

#[test]
fn check_reports_failing_examples() {
    let yaml = "rules:\n  - id: t\n    name: T\n    kind: k\n    pattern: '(?P<secret>tok_[a-z]{6})'\n    keywords: [zzz]\n    examples:\n      - text: 'tok_abcdef'\n      - text: 'zzz tok_abcdef'\n        secret: tok_zzzzzz\n    negative_examples:\n      - 'zzz tok_qwerty'\n";
    let ex = Extractors::from_sources([("t.yml".to_string(), yaml.to_string())]).unwrap();
    let p = ex.check();
    assert_eq!(p.len(), 3, "{p:#?}");
    assert!(
        p[0].starts_with("t.yml:2:3: rule t: example 1 is not found"),
        "{p:#?}"
    );
    assert!(p[1].contains("example 2: no find captures"), "{p:#?}");
    assert!(
        p[2].contains("negative example 1 produces a credential"),
        "{p:#?}"
    );
    // Messages never echo the captured secret.
    assert!(p
        .iter()
        .all(|m| !m.contains("tok_qwerty") && !m.contains("tok_abcdef")));
}

#[test]
fn keywords_and_patterns_for_benchmarks() {
    let k = builtin().keywords();
    assert!(k.contains(&"akia".to_string()) && k.contains(&"password".to_string()));
    assert!(k.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    assert_eq!(builtin().patterns().len(), builtin().rules().len());
    let ids: Vec<&str> = builtin().rules().iter().map(|(id, _)| *id).collect();
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "github-token",
        "github-fine-grained-pat",
        "slack-token",
        "slack-app-token",
        "private-key",
        "url-credentials",
        "url-query-password",
        "connection-string-password",
        "generic-password-assignment",
        "generic-password-quoted-key",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
}

#[test]
fn files_without_keywords_or_with_junk_are_harmless() {
    assert!(scan("a.txt", "").records.is_empty());
    assert!(scan("a.txt", "nothing to see here\n").records.is_empty());
    // Binary-ish input and a huge single line must not panic or blow up.
    let junk: String = (0u32..200_000)
        .map(|i| char::from_u32((i * 7919) % 0xD7FF).unwrap_or('x'))
        .collect();
    let _ = scan("junk.bin", &junk);
    let mut line = "password=".to_string();
    line.push_str(&"A".repeat(2_000_000));
    line.push_str(" user=x ");
    line.push_str(&"\"password\": \"Zz-fake-Long-1\", ".repeat(10));
    let out = scan("huge.json", &line);
    assert!(!out.records.is_empty());
    let lone_begin = format!("-----BEGIN PRIVATE KEY-----\n{}", "QUJD\n".repeat(100_000));
    assert!(scan("k.pem", &lone_begin).records.is_empty());
}

#[test]
fn finds_per_rule_are_capped_with_a_warning() {
    let mut text = String::new();
    for i in 0..(MAX_FINDS_PER_RULE + 5) {
        text.push_str(&format!("k{i}_password=Zz-fake-cap-{i:05}\n"));
    }
    let out = scan("many.env", &text);
    assert_eq!(out.records.len(), MAX_FINDS_PER_RULE);
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(d.kind, DiagKind::Incomplete);
    assert_eq!(
        d.location,
        Evidence::at("many.env", MAX_FINDS_PER_RULE as u32 + 1)
    );
    assert!(!d.message.contains("Zz-fake"));
}

#[test]
fn output_is_deterministic_and_sorted() {
    let (text, a) = fixture("prod.env");
    let b = scan("prod.env", &text);
    assert_eq!(summary(&a), summary(&b));
    let lines: Vec<u32> = creds(&a).iter().map(|c| c.evidence.line.unwrap()).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn texts_of_one_file_share_a_namer_and_get_distinct_ids() {
    // A Kubernetes Secret's values are scanned one by one under the file's path.
    let options = SourceOptions::default();
    let names = &mut options.secret_ids.file("k8s/app.yaml");
    let id = |names: &mut _, text: &str| {
        let out = builtin().scan_named(
            "k8s/app.yaml",
            text,
            modified(),
            IssuedBasis::Unknown,
            names,
        );
        creds(&out)[0].id.clone()
    };
    let a = id(names, "password=Zz-fake-first-1\n");
    let b = id(names, "password=Zz-fake-second-2\n");
    assert_ne!(a, b);
    // Alone, each text would have had the first id of its extractor.
    let alone = |text: &str| {
        creds(&builtin().scan(
            "k8s/app.yaml",
            text,
            modified(),
            IssuedBasis::Unknown,
            &options,
        ))[0]
            .id
            .clone()
    };
    assert_eq!(alone("password=Zz-fake-second-2\n"), a);
}

/// (line, rule id, owner, issued basis) of every credential of a fixture.
fn dated(name: &str) -> Vec<(u32, String, Option<String>, IssuedBasis)> {
    let (_, out) = fixture(name);
    creds(&out)
        .iter()
        .map(|c| {
            (
                c.evidence.line.unwrap(),
                c.detail.clone().unwrap(),
                c.owner.as_ref().map(|o| o.login.clone()),
                c.issued_basis,
            )
        })
        .collect()
}

fn drow(
    line: u32,
    rule: &str,
    user: Option<&str>,
    basis: IssuedBasis,
) -> (u32, String, Option<String>, IssuedBasis) {
    (line, rule.to_string(), user.map(str::to_string), basis)
}

#[test]
fn shell_histories_name_owners_and_zsh_dates_them() {
    use IssuedBasis::{FileModified as F, Logged as L};
    assert_eq!(
        dated(".bash_history"),
        vec![
            // `mysql -u root -p` (line 3) prompts: no secret.
            drow(4, "command-mysql-password", Some("app_rw"), F),
            drow(5, "command-mysql-password", Some("backup"), F),
            drow(6, "command-curl-credentials", Some("deploy"), F),
            // Line 7 passes `$GITHUB_TOKEN`; line 8's Basic header decodes to deploy:….
            drow(8, "command-authorization-header", Some("deploy"), F),
            drow(9, "command-sshpass-password", Some("ops"), F),
            drow(10, "command-env-password", Some("reporting"), F),
            // Line 11 exports `$(cat …)`; line 13 prompts (`-W`).
            drow(12, "command-ldap-bind-password", Some("svc-ldap"), F),
            drow(14, "generic-password-assignment", None, F),
        ]
    );
    assert_eq!(
        dated(".zsh_history"),
        vec![
            drow(2, "command-mysql-password", Some("root"), L),
            // A `\` continuation: the secret is on the command's first line.
            drow(3, "command-curl-credentials", Some("svc-ci"), L),
            drow(7, "command-sshpass-password", Some("archive"), L),
        ]
    );
    let (_, out) = fixture(".zsh_history");
    let issued: Vec<String> = creds(&out).iter().map(|c| c.issued.to_string()).collect();
    assert_eq!(
        issued,
        [
            "2024-06-01T00:01:00Z",
            "2024-06-01T00:02:00Z",
            "2024-06-02T00:00:00Z"
        ]
    );
    assert_eq!(
        dated("histtimeformat.bash_history"),
        vec![drow(4, "command-curl-credentials", Some("admin"), L)]
    );
}

#[test]
fn command_lines_in_scripts_units_ci_and_powershell() {
    let f = IssuedBasis::FileModified;
    assert_eq!(
        dated("code/Dockerfile"),
        vec![
            drow(2, "generic-password-assignment", None, f),
            drow(3, "command-env-password", None, f),
            drow(4, "command-mysql-password", Some("root"), f),
        ]
    );
    assert_eq!(
        dated("code/report.service"),
        vec![
            drow(5, "command-env-password", Some("reporter"), f),
            drow(6, "command-mysql-password", Some("report"), f),
        ]
    );
    assert_eq!(
        dated("code/backup.cron"),
        vec![
            drow(2, "generic-password-assignment", None, f),
            drow(3, "command-mysql-password", Some("backup"), f),
            drow(4, "command-sshpass-password", Some("archive"), f),
        ]
    );
    assert_eq!(
        dated("code/.gitlab-ci.yml"),
        vec![
            // Line 5 passes `$MIGRATOR_PASSWORD`.
            drow(4, "command-curl-credentials", Some("ci-bot"), f),
            drow(6, "command-ldap-bind-password", Some("ci-ldap"), f),
        ]
    );
    assert_eq!(
        dated("code/deploy.ps1"),
        vec![
            drow(
                1,
                "command-powershell-plaintext-password",
                Some("CORP\\svc_deploy"),
                f
            ),
            drow(4, "command-net-use-password", Some("CORP\\svc_build"), f),
        ]
    );
}

#[test]
fn generic_assignments_across_syntaxes() {
    assert_eq!(
        summary(&fixture("code/Web.config").1),
        vec![
            // appSettings; `PasswordMinLength` is not a secret key, the comment is not data.
            row(6, "generic-xml-key-value", None),
            row(11, "connection-string-password", Some("hr_web")),
        ]
    );
    assert_eq!(
        summary(&fixture("code/wp-config.php").1),
        vec![
            row(4, "generic-php-define", None),
            row(7, "generic-secret-literal", None),
            row(8, "generic-password-quoted-key", Some("mailer")),
            // `$_POST['password']` and the `//` comment are code.
        ]
    );
    assert_eq!(
        summary(&fixture("code/settings.py").1),
        vec![
            // `os.environ[...]`, `api_key: SecretStr`, `password: str = ""`,
            // `password=password`, `urllib.parse.quote(user)` and the comment are code.
            row(5, "generic-password-assignment", None),
            row(19, "generic-secret-literal", Some("etl")),
        ]
    );
    assert_eq!(
        summary(&fixture("code/main.tf").1),
        vec![row(4, "generic-password-assignment", Some("orders_admin"))]
    );
    assert_eq!(
        summary(&fixture("code/config.toml").1),
        vec![
            row(3, "generic-password-assignment", Some("ledger")),
            // `token_url` and `max_tokens` are not secret keys.
            row(8, "generic-password-assignment", None),
        ]
    );
    assert_eq!(
        summary(&fixture("code/client.ts").1),
        vec![
            row(1, "generic-secret-literal", None),
            row(3, "generic-secret-literal", None),
        ]
    );
}

#[test]
fn token_families_fixture() {
    let (_, out) = fixture("saas-tokens.env");
    assert_eq!(
        summary(&out),
        vec![
            row(2, "gitlab-token", None),
            row(3, "google-api-key", None),
            row(4, "npm-token", None),
            row(6, "docker-hub-pat", Some("zzfakebuilder")),
            row(7, "stripe-secret-key", None),
            row(8, "sendgrid-api-key", None),
            row(9, "twilio-auth-token", None),
            row(10, "slack-webhook-url", None),
            row(11, "vault-token", None),
            row(12, "okta-api-token", None),
            row(13, "azure-entra-client-secret", None),
            row(14, "heroku-api-key", None),
            // Lines 16-18: AWS's documented example pair and a truncated PyPI token.
        ]
    );
    let (_, out) = fixture("pipeline.yml");
    assert_eq!(
        summary(&out),
        vec![
            row(4, "jwt", None),
            row(5, "jwt", None),
            row(6, "terraform-cloud-token", None),
            row(7, "azure-storage-account-key", None),
            row(8, "slack-rotating-token", None),
        ]
    );
}

#[test]
fn gcp_key_file_is_one_credential_named_by_its_key_id_and_owned_by_its_account() {
    let (_, out) = fixture("gcp-invoicer-key.json");
    assert_eq!(
        summary(&out),
        vec![row(
            5,
            "gcp-service-account-key",
            Some("invoicer@zz-fake-billing.iam.gserviceaccount.com")
        )]
    );
    // Found by `private-key` too: one credential, the specific rule's, with the key id.
    assert_eq!(
        creds(&out)[0].id,
        "7f3e1c0a9b8d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"
    );
}

#[test]
fn private_key_formats_and_split_literals() {
    for (name, line, rule) in [
        ("KeyHolder.java", 5, "private-key"),
        ("release-signing.asc", 1, "pgp-private-key"),
        ("admin.ppk", 8, "putty-private-key"),
    ] {
        let (_, out) = fixture(name);
        assert_eq!(summary(&out), vec![row(line, rule, None)], "{name}");
    }
    // The key split over Java literals and the same key in a PEM file are one secret.
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAZZfakeTahqx4BJRYfnv29GPWdkt07EMUbiry5CKSZgpw3AHQXemu\nZZfakeTahqx4BJRYfnv29GPWdkt07EMUbiry5CKSZgpw3AHQXemu18FNVcjsz6DLTah\n-----END RSA PRIVATE KEY-----\n";
    let options = keyed();
    let (_, java) = fixture_with("KeyHolder.java", &options);
    let file = builtin().scan(
        "id_rsa",
        pem,
        modified(),
        IssuedBasis::FileModified,
        &options,
    );
    assert_eq!(creds(&java)[0].id, creds(&file)[0].id);
}

fn reach_of(id: &str) -> Option<Reach> {
    let ex = builtin();
    let i = ex.rules.iter().position(|r| r.id == id)?;
    ex.reach.get(i).copied()
}

#[test]
fn each_rule_searches_the_narrowest_reach_its_examples_allow() {
    // Single-line families search the keyword's line only.
    assert_eq!(reach_of("github-token"), Some(Reach::Line));
    assert_eq!(reach_of("aws-access-key-id"), Some(Reach::Line));
    // Key blocks run over several lines.
    assert_eq!(reach_of("private-key"), Some(Reach::Span));
    // No rule needs less than its examples show, and most need only the line.
    let ex = builtin();
    let lines = ex.reach.iter().filter(|r| **r == Reach::Line).count();
    assert!(lines * 2 > ex.reach.len(), "{lines} of {}", ex.reach.len());
}

#[test]
fn windows_cover_the_keyword_lines_only() {
    let ex = builtin();
    let Some(automaton) = &ex.automaton else {
        panic!("no automaton");
    };
    let i = ex
        .rules
        .iter()
        .position(|r| r.id == "github-token")
        .unwrap();
    let text = "a = 1\nx = ghp_ZZfake\nb = 2\nc = 3\n";
    let wanted: Vec<bool> = (0..ex.rules.len()).map(|r| r == i).collect();
    let w = ex.windows(automaton, text, &wanted, None);
    // From the newline before the line to the newline after it.
    assert_eq!(w[i], vec![(5, 21)]);
    assert!(w.iter().enumerate().all(|(r, w)| r == i || w.is_empty()));
    let w = ex.windows(automaton, text, &wanted, Some(Reach::File));
    assert_eq!(w[i], vec![(0, text.len())]);
}

#[test]
fn a_keyword_starting_inside_a_longer_one_is_seen() {
    // `api_key` is found first at the same text as `key>`: the XML element rule still runs.
    let ex = builtin();
    let text = "<config>\n  <api_key>Zz7fakeQ2xv9LmT4pR8s</api_key>\n</config>\n";
    let out = ex.scan(
        "app/config.xml",
        text,
        modified(),
        IssuedBasis::FileModified,
        &Default::default(),
    );
    assert_eq!(creds(&out).len(), 1, "{:?}", summary(&out));
}

#[test]
fn a_secret_off_the_keyword_line_is_not_searched_for() {
    // A GitHub token's keyword is its prefix: a line without one is never searched.
    let ex = builtin();
    let mut lines = LineIndex::new("ghp_\nnothing here\n");
    let found = ex.find_all(
        None,
        "ghp_\nnothing here\n",
        None,
        &mut lines,
        &mut Output::default(),
    );
    assert!(found.is_empty());
}
