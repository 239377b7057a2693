//! Tests of the credential-file adapter on the synthetic files under
//! `fixtures/sources/credfiles/` (storyline: Mara Okafor, `m.okafor`).

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<CredFile> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::diag::{DiagKind, Severity};
use crate::inventory::{Credential, CredentialStatus, IssuedBasis, When};
use crate::source::secret_id::SecretIdScheme;
use std::sync::OnceLock;

/// Options whose secret ids are HMACs under a test key, so a test can check which secret was
/// read by its id.
fn keyed() -> &'static SourceOptions {
    static OPTS: OnceLock<SourceOptions> = OnceLock::new();
    OPTS.get_or_init(|| SourceOptions {
        secret_ids: SecretIdScheme::keyed(b"credfiles test key, not a secret").unwrap(),
        ..SourceOptions::default()
    })
}

fn parse(kind: CredFile, path: &str, text: &str) -> Output {
    super::parse(kind, path, text, keyed())
}

/// The id `parse` gives `secret`.
fn fingerprint(secret: &str) -> String {
    keyed().secret_ids.file("").name("", secret).id
}

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/credfiles/", $name))
    };
}

const AWS_CREDENTIALS: &str = fixture!("aws-credentials");
const AWS_CONFIG: &str = fixture!("aws-config");
const DOCKER: &str = fixture!("docker-config.json");
const DOCKER_BAD: &str = fixture!("docker-config-bad.json");
const DOCKER_TRUNCATED: &str = fixture!("docker-config-truncated.json");
const DOCKERCFG: &str = fixture!("dockercfg-legacy");
const GIT: &str = fixture!("git-credentials");
const NETRC: &str = fixture!("netrc");
const PGPASS: &str = fixture!("pgpass");
const NPMRC: &str = fixture!("npmrc");

/// Every secret value written in the fixtures (decoded forms included): none may reach output.
const SECRETS: &[&str] = &[
    "zzEXAMPLEfakeOkaforSecret/0123456789+abc",
    "zzEXAMPLEfakeTempSecret/9876543210+zyxwvu",
    "IQoJb3JpZ2luX2VjEZZfakeSessionToken",
    "zzEXAMPLEfakePayrollSecret/0123456789+ab",
    "ghp_ZZfakeOkaforToken0000000000a1b2c3d45",
    "ZZfakeOkaforToken",
    "dckr_pat_ZZfakeOkaforDockerHub0000001",
    "glpat-ZZfakeOkaforGitLab01",
    "npm_ZZfakeOkaforNpmToken000000000000009f3e",
    "Harbour-Lights-2024",
    "ZZfakeAcrRefreshToken",
    "eyJwYXlsb2FkIjoiWlpmYWtlRWNyVG9rZW4ifQ",
    "Quarry-Delta-8841",
    "github_pat_11ZZFAKE",
    "ZZfakeFineGrainedPatForOkafor",
    "ghs_ZZfakeInstallToken",
    "Tide",
    "Quoted",
    "Ledger",
    "Stream-Slot-2231",
    "Report-Only-0099",
    "Nexus-Gate-5512",
    "TmV4dXMtR2F0ZS01NTEy",
    "m.okafor@example.org",
];

fn creds(out: &Output) -> Vec<&Credential> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn at_line(out: &Output, line: u32) -> &Credential {
    creds(out)
        .into_iter()
        .find(|c| c.evidence.line == Some(line))
        .unwrap_or_else(|| panic!("no credential at line {line}"))
}

fn owner(c: &Credential) -> Option<&str> {
    c.owner.as_ref().map(|o| o.login.as_str())
}

fn parse_as(path: &str, text: &str, expected: CredFile) -> Output {
    let kind = sniff(path, text).unwrap_or_else(|| panic!("{path} not sniffed"));
    assert_eq!(kind, expected, "{path}");
    let out = parse(kind, path, text);
    assert_no_secret(&out);
    out
}

/// Nothing of a secret in records or diagnostics, and the common fields of every credential.
fn assert_no_secret(out: &Output) {
    let records = serde_json::to_string(&out.records).unwrap();
    let diags = format!("{:?}", out.diagnostics);
    for s in SECRETS {
        assert!(!records.contains(s), "secret {s} in records: {records}");
        assert!(!diags.contains(s), "secret {s} in diagnostics: {diags}");
    }
    for c in creds(out) {
        assert_eq!(c.kind, CredentialKind::PlaintextSecret);
        assert_eq!(c.issued, When::Unknown);
        assert_eq!(c.issued_basis, IssuedBasis::Unknown);
        assert!(c.owner.as_ref().is_none_or(|o| o.system.is_none()));
        assert!(
            c.id.starts_with("hmac:")
                || c.id.starts_with("github:last8:")
                || c.id.starts_with("AKIA")
                || c.id.starts_with("ASIA"),
            "{}",
            c.id
        );
    }
}

// --- AWS ---------------------------------------------------------------------------------------

#[test]
fn aws_credentials_profiles() {
    let out = parse_as(
        "home/m.okafor/.aws/credentials",
        AWS_CREDENTIALS,
        CredFile::AwsCredentials,
    );
    let c = creds(&out);
    assert_eq!(c.len(), 5, "{c:#?}");

    let key = at_line(&out, 3);
    assert_eq!(key.id, "AKIAZZEXAMPLEOKAFOR7");
    assert_eq!(key.label, "AWS access key id (credentials file)");
    assert_eq!(key.owner, None);
    assert_eq!(key.status, CredentialStatus::Active);
    assert_eq!(key.detail.as_deref(), Some("aws-access-key-id"));
    assert_eq!(
        key.related,
        vec![Evidence::at("home/m.okafor/.aws/credentials", 4)]
    );

    let secret = at_line(&out, 4);
    assert_eq!(
        secret.id,
        fingerprint("zzEXAMPLEfakeOkaforSecret/0123456789+abc")
    );
    assert_eq!(secret.detail.as_deref(), Some("aws-secret-access-key"));
    assert_eq!(secret.owner, None);
    assert_eq!(
        secret.paired_with.as_deref(),
        Some(key.id.as_str()),
        "the profile's key id names the secret"
    );
    assert_eq!(key.paired_with, None);
    assert_eq!(
        secret.related,
        vec![Evidence::at("home/m.okafor/.aws/credentials", 3)]
    );

    // ASIA + session token: temporary STS key, paired with its secret two lines below.
    let temp = at_line(&out, 8);
    assert_eq!(temp.id, "ASIAZZEXAMPLETEMP234");
    assert_eq!(temp.status, CredentialStatus::Unknown);
    assert_eq!(
        temp.detail.as_deref(),
        Some("aws-access-key-id temporary-sts session-token")
    );
    assert_eq!(
        temp.related,
        vec![Evidence::at("home/m.okafor/.aws/credentials", 10)]
    );
    assert_eq!(
        at_line(&out, 10).detail.as_deref(),
        Some("aws-secret-access-key")
    );

    // `Key: value`, mixed-case key, no secret in the profile.
    let legacy = at_line(&out, 24);
    assert_eq!(legacy.id, "AKIAZZEXAMPLELEGACY2");
    assert!(legacy.related.is_empty());

    // `${VAR}` and the AWS documentation example are not credentials.
    assert!(c.iter().all(|c| c.id != "AKIAIOSFODNN7EXAMPLE"));
    assert!(c
        .iter()
        .all(|c| !(17..=21).contains(&c.evidence.line.unwrap())));

    // credential_process: the secret is elsewhere.
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!((d.kind, d.severity), (DiagKind::Incomplete, Severity::Note));
    assert_eq!(d.location.line, Some(13));
    assert!(d.message.contains("`sso-helper`"), "{}", d.message);
}

#[test]
fn aws_config_profile_prefix_and_nested_settings() {
    let out = parse_as(
        "home/m.okafor/.aws/config",
        AWS_CONFIG,
        CredFile::AwsCredentials,
    );
    let c = creds(&out);
    assert_eq!(c.len(), 2, "{c:#?}");
    assert_eq!(at_line(&out, 9).id, "AKIAZZEXAMPLEPAYROLL");
    assert_eq!(
        at_line(&out, 10).detail.as_deref(),
        Some("aws-secret-access-key")
    );
    // The indented `aws_access_key_id` under `s3 =` is a nested setting, not read.
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn aws_malformed_lines_and_crlf_bom() {
    let text = "\u{feff}aws_access_key_id = AKIAZZEXAMPLEORPHAN1\r\n[default]\r\nthis is not a setting\r\naws_access_key_id = not-a-key-id-zzEXAMPLEfake/abc\r\naws_secret_access_key = zzEXAMPLEfakeCrlfSecret/0123456789+abcd\r\n[default]\r\n[broken\r\n";
    let path = "h/.aws/credentials";
    let out = parse(
        sniff(path, text).expect("sniffed despite BOM and CRLF"),
        path,
        text,
    );
    let c = creds(&out);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].evidence.line, Some(5));
    assert_eq!(
        c[0].id,
        fingerprint("zzEXAMPLEfakeCrlfSecret/0123456789+abcd")
    );
    let lines: Vec<(u32, DiagKind)> = out
        .diagnostics
        .iter()
        .map(|d| (d.location.line.unwrap(), d.kind))
        .collect();
    assert_eq!(
        lines,
        vec![
            (1, DiagKind::Malformed), // key before any section
            (3, DiagKind::Malformed), // not key = value
            (6, DiagKind::Malformed), // duplicate profile
            (7, DiagKind::Malformed), // unclosed header
            (4, DiagKind::Malformed), // key id of the wrong shape
        ]
    );
    let dbg = format!("{:?}", out.diagnostics);
    assert!(!dbg.contains("zzEXAMPLEfake") && !dbg.contains("not-a-key-id"));
}

// --- docker ------------------------------------------------------------------------------------

#[test]
fn docker_config_auths() {
    let path = "home/m.okafor/.docker/config.json";
    let out = parse_as(path, DOCKER, CredFile::DockerConfig);
    let c = creds(&out);
    assert_eq!(c.len(), 6, "{c:#?}");

    let hub = at_line(&out, 4);
    assert_eq!(
        hub.label,
        "Docker Hub personal access token for index.docker.io (docker config.json)"
    );
    assert_eq!(owner(hub), Some("m.okafor"));
    assert_eq!(hub.detail.as_deref(), Some("docker-config:docker-token"));
    assert_eq!(hub.id, fingerprint("dckr_pat_ZZfakeOkaforDockerHub0000001"));

    let ghcr = at_line(&out, 7);
    assert_eq!(ghcr.id, "github:last8:1b2c3d45");
    assert_eq!(owner(ghcr), Some("m-okafor"));
    assert_eq!(
        ghcr.label,
        "GitHub personal access token for ghcr.io (docker config.json)"
    );

    let pw = at_line(&out, 10);
    assert_eq!(
        pw.label,
        "registry password for registry.example.org (docker config.json)"
    );
    assert_eq!(pw.detail.as_deref(), Some("docker-config:password"));
    assert_eq!(pw.id, fingerprint("Harbour-Lights-2024"));
    assert_eq!(pw.status, CredentialStatus::Active);

    // ACR: the null-GUID user is no owner; the identity token is the secret.
    let acr = at_line(&out, 14);
    assert!(
        acr.label.starts_with("registry identity token"),
        "{}",
        acr.label
    );
    assert_eq!(acr.owner, None);

    // ECR: user `AWS` is no owner.
    let ecr = at_line(&out, 17);
    assert!(ecr
        .label
        .contains("210987654321.dkr.ecr.eu-west-1.amazonaws.com"));
    assert_eq!(ecr.owner, None);

    let gitlab = at_line(&out, 20);
    assert_eq!(
        gitlab.label,
        "GitLab personal access token for gitlab.example.org:5050 (docker config.json)"
    );
    assert_eq!(owner(gitlab), Some("ci-bot"));

    // credsStore and credHelpers: notes, the secrets are elsewhere.
    let notes: Vec<&str> = out
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagKind::Incomplete && d.severity == Severity::Note)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(notes.len(), 2, "{:?}", out.diagnostics);
    assert!(notes.iter().any(|m| m.contains("`desktop`")));
    assert!(notes
        .iter()
        .any(|m| m.contains("2 registries (gcr.io, public.ecr.aws)")));
}

#[test]
fn docker_bad_entries_are_located_and_the_rest_kept() {
    let out = parse_as("h/.docker/config.json", DOCKER_BAD, CredFile::DockerConfig);
    let c = creds(&out);
    assert_eq!(c.len(), 1);
    assert_eq!(owner(c[0]), Some("svc-build"));
    assert_eq!(c[0].evidence.line, Some(14));
    let mut lines: Vec<u32> = out
        .diagnostics
        .iter()
        .inspect(|d| assert_eq!(d.kind, DiagKind::Malformed))
        .map(|d| d.location.line.unwrap())
        .collect();
    lines.sort();
    assert_eq!(lines, vec![4, 7, 9, 11]);
}

#[test]
fn docker_truncated_is_unparseable() {
    let out = parse_as(
        "h/.docker/config.json",
        DOCKER_TRUNCATED,
        CredFile::DockerConfig,
    );
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!(
        (d.kind, d.severity),
        (DiagKind::Unparseable, Severity::Error)
    );
    assert!(d.message.contains("truncated"), "{}", d.message);
    assert!(d.location.line.is_some());
}

#[test]
fn docker_legacy_dockercfg_by_name() {
    assert_eq!(sniff("h/dockercfg-legacy", DOCKERCFG), None);
    let out = parse_as(
        "home/m.okafor/.dockercfg",
        DOCKERCFG,
        CredFile::DockerConfig,
    );
    let c = creds(&out);
    assert_eq!(c.len(), 1);
    assert_eq!(owner(c[0]), Some("m.okafor"));
    assert!(c[0].label.contains("index.docker.io"));
}

// --- git-credentials ---------------------------------------------------------------------------

#[test]
fn git_credentials_lines() {
    let path = "home/m.okafor/.git-credentials";
    let out = parse_as(path, GIT, CredFile::GitCredentials);
    let c = creds(&out);
    assert_eq!(c.len(), 5, "{c:#?}");

    let pat = at_line(&out, 1);
    assert_eq!(pat.id, "github:last8:1b2c3d45");
    assert_eq!(
        pat.shown_id(),
        "github:…3d45",
        "reports show four characters"
    );
    assert_eq!(owner(pat), Some("m-okafor"));
    assert_eq!(
        pat.label,
        "GitHub personal access token for github.com (.git-credentials)"
    );
    assert_eq!(pat.detail.as_deref(), Some("git-credentials:github-token"));

    // A token as the user: the secret, never an owner.
    let fine = at_line(&out, 2);
    assert_eq!(fine.id, "github:last8:mnopqrst");
    assert_eq!(fine.owner, None);
    assert!(fine.label.starts_with("GitHub fine-grained"));

    let app = at_line(&out, 3);
    assert_eq!(app.owner, None, "x-access-token is no owner");
    assert!(app.label.starts_with("GitHub app installation token"));

    // Percent-decoded password, hashed decoded.
    let pw = at_line(&out, 4);
    assert_eq!(pw.id, fingerprint("Tide:Pool@Harbour/7"));
    assert_eq!(owner(pw), Some("m.okafor"));
    assert_eq!(pw.label, "password for git.example.org (.git-credentials)");

    let gl = at_line(&out, 5);
    assert!(gl
        .label
        .starts_with("GitLab personal access token for gitlab.example.org"));

    // `${GIT_PASSWORD}` (encoded) is no secret; the user-only line holds none.
    assert!(c.iter().all(|c| c.evidence.line < Some(6)));
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(7));
}

#[test]
fn git_credentials_sniff_by_content_alone() {
    let text = "https://m.okafor:Tide%3APool@git.example.org\nhttp://svc:Quarry-Delta-8841@10.0.0.5:8080/\n";
    assert_eq!(
        sniff("backup/creds.txt", text),
        Some(CredFile::GitCredentials)
    );
    // A connection string is not a git-credentials file.
    assert_eq!(
        sniff(
            "backup/db.txt",
            "postgres://app:Quarry-Delta-8841@db:5432/app\n"
        ),
        None
    );
    // With a stray line, only the conventional name decides.
    assert_eq!(sniff("backup/creds.txt", GIT), None);
    assert_eq!(
        sniff("backup/.git-credentials", GIT),
        Some(CredFile::GitCredentials)
    );
}

#[test]
fn url_parsing_follows_git() {
    let u = git::parse_url("https://a:b@c@host.example/p@q").unwrap();
    assert_eq!((u.user.as_str(), u.password.as_deref()), ("a", Some("b")));
    assert_eq!(u.host, "c@host.example");
    assert_eq!(git::parse_url("https://host.example/u:p@x"), None);
    assert_eq!(git::parse_url("no scheme:p@x"), None);
    assert_eq!(git::parse_url("https://u:p@"), None);
    assert_eq!(git::percent_decode("a%2"), "a%2");
    assert_eq!(git::percent_decode("%+1x%41"), "%+1xA");
}

// --- netrc -------------------------------------------------------------------------------------

#[test]
fn netrc_entries() {
    let out = parse_as("home/m.okafor/.netrc", NETRC, CredFile::Netrc);
    let c = creds(&out);
    assert_eq!(c.len(), 4, "{c:#?}");

    // Entry spanning lines: evidence is the password's line.
    let gh = at_line(&out, 4);
    assert_eq!(gh.id, "github:last8:1b2c3d45");
    assert_eq!(owner(gh), Some("m-okafor"));
    assert_eq!(
        gh.label,
        "GitHub personal access token for github.com (.netrc)"
    );

    // Token as login with the `x-oauth-basic` companion: the login is the secret.
    let fine = at_line(&out, 6);
    assert_eq!(fine.id, "github:last8:mnopqrst");
    assert_eq!(fine.owner, None);

    // Quoted password with escapes.
    let quoted = at_line(&out, 8);
    assert_eq!(quoted.id, fingerprint("Quoted \"Pass\" 2024"));
    assert_eq!(owner(quoted), Some("m.okafor"));

    // After the macro body; `account` ignored.
    let db = at_line(&out, 16);
    assert_eq!(owner(db), Some("svc-report"));
    assert_eq!(db.label, "password for db.example.org (.netrc)");

    // Anonymous FTP, the macro body and `default … changeme` are no credentials.
    assert!(c
        .iter()
        .all(|c| ![7, 10, 17].contains(&c.evidence.line.unwrap())));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn netrc_sniff_rules() {
    // Content alone: `machine host` + keyword pairs with a password.
    assert_eq!(sniff("x/creds", NETRC), Some(CredFile::Netrc));
    assert_eq!(
        sniff(
            "x/creds",
            "machine ftp.example.org login m.okafor password Tide-Pool-77\n"
        ),
        Some(CredFile::Netrc)
    );
    // Prose is not a netrc, even with the right words.
    assert_eq!(
        sniff(
            "x/notes.txt",
            "machine learning login is fun and the password is long\n"
        ),
        None
    );
    assert_eq!(
        sniff("x/notes.txt", "machine ftp.example.org login m.okafor\n"),
        None
    );
    // By name: a `default` entry is enough.
    assert_eq!(
        sniff(
            "C:\\Users\\mo\\_netrc",
            "default login m.okafor password Tide-Pool-77"
        ),
        Some(CredFile::Netrc)
    );
}

#[test]
fn netrc_malformed_tokens() {
    let text = "login early\nmachine a.example.org login u1 bogus password Tide-Pool-77 # comment password zz\nmachine";
    let out = parse(CredFile::Netrc, ".netrc", text);
    let c = creds(&out);
    assert_eq!(c.len(), 1);
    assert_eq!(owner(c[0]), Some("u1"));
    let lines: Vec<u32> = out
        .diagnostics
        .iter()
        .map(|d| d.location.line.unwrap())
        .collect();
    assert_eq!(lines, vec![1, 2, 3]);
    assert!(!format!("{:?}", out.diagnostics).contains("bogus"));
}

// --- pgpass ------------------------------------------------------------------------------------

#[test]
fn pgpass_lines() {
    let out = parse_as("home/m.okafor/.pgpass", PGPASS, CredFile::Pgpass);
    let c = creds(&out);
    assert_eq!(c.len(), 3, "{c:#?}");

    let first = at_line(&out, 2);
    assert_eq!(first.id, fingerprint("Ledger:Nine\\4410"));
    assert_eq!(owner(first), Some("m.okafor"));
    assert_eq!(
        first.label,
        "PostgreSQL password for db.example.org:5432/payroll (.pgpass)"
    );
    assert_eq!(first.detail.as_deref(), Some("pgpass:password"));

    assert_eq!(owner(at_line(&out, 3)), Some("replicator"));
    assert_eq!(
        at_line(&out, 3).label,
        "PostgreSQL password for *:*/* (.pgpass)"
    );

    // Escaped IPv6 host, wildcard user: no owner.
    let v6 = at_line(&out, 4);
    assert_eq!(v6.owner, None);
    assert!(
        v6.label.contains("[2001:db8::10]:5433/reporting"),
        "{}",
        v6.label
    );

    // Empty password and `changeme` are skipped; the 3-field line is malformed.
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(6));
    assert_eq!(out.diagnostics[0].kind, DiagKind::Malformed);
}

#[test]
fn pgpass_sniff_rules() {
    let clean = "db.example.org:5432:payroll:m.okafor:Ledger-Nine\n*:*:*:replicator:Stream\n";
    assert_eq!(sniff("backup/pw.txt", clean), Some(CredFile::Pgpass));
    // Malformed lines: only the conventional name decides.
    assert_eq!(sniff("backup/pw.txt", PGPASS), None);
    assert_eq!(
        sniff(
            "C:\\Users\\mo\\AppData\\Roaming\\postgresql\\pgpass.conf",
            PGPASS
        ),
        Some(CredFile::Pgpass)
    );
    // Colon-separated files that are not pgpass.
    assert_eq!(
        sniff("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
        None
    );
    assert_eq!(sniff("etc/group", "wheel:x:10:m.okafor\n"), None);
    assert_eq!(
        sniff("log.txt", "2026-08-03 14:22:51: user m.okafor: reset: ok\n"),
        None
    );
}

// --- npmrc -------------------------------------------------------------------------------------

#[test]
fn npmrc_forms() {
    let out = parse_as("home/m.okafor/.npmrc", NPMRC, CredFile::Npmrc);
    let c = creds(&out);
    assert_eq!(c.len(), 4, "{c:#?}");

    let npm = at_line(&out, 3);
    assert_eq!(
        npm.label,
        "npm access token for registry.npmjs.org (.npmrc)"
    );
    assert_eq!(npm.detail.as_deref(), Some("npmrc:npm-token"));
    assert_eq!(npm.owner, None);

    let gh = at_line(&out, 4);
    assert_eq!(gh.id, "github:last8:1b2c3d45", "quotes stripped");
    assert!(gh.label.contains("npm.pkg.github.com"));

    let auth = at_line(&out, 6);
    assert_eq!(owner(auth), Some("m.okafor"));
    assert_eq!(auth.id, fingerprint("Harbour-Lights-2024"));
    assert!(auth
        .label
        .contains("npm.example.org/repository/npm-private"));

    // `_password` (base64) pairs with the `username` of the same scope.
    let nexus = at_line(&out, 8);
    assert_eq!(owner(nexus), Some("m.okafor"));
    assert_eq!(nexus.id, fingerprint("Nexus-Gate-5512"));

    let diags: Vec<(u32, DiagKind, Severity)> = out
        .diagnostics
        .iter()
        .map(|d| (d.location.line.unwrap(), d.kind, d.severity))
        .collect();
    assert_eq!(
        diags,
        vec![
            (9, DiagKind::Incomplete, Severity::Note),
            (12, DiagKind::Malformed, Severity::Warning)
        ]
    );
    assert!(out.diagnostics[0].message.contains("`NPM_TOKEN`"));
}

#[test]
fn npmrc_legacy_unscoped_and_bad_base64() {
    let text = "_auth = \"bm90LWJhc2U2NA\"\n_authToken=npm_ZZfakeLegacyToken0000000000000000000001\n//r.example.org/:_password=***not base64***x\n//r.example.org/:_password=Tmp\nregistry = https://npm.example.org/repo/\n";
    assert_eq!(sniff("proj/.npmrc", text), Some(CredFile::Npmrc));
    let out = parse(CredFile::Npmrc, "proj/.npmrc", text);
    let c = creds(&out);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(
        c[0].label,
        "npm access token for npm.example.org/repo (.npmrc)"
    );
    let lines: Vec<u32> = out
        .diagnostics
        .iter()
        .map(|d| d.location.line.unwrap())
        .collect();
    assert_eq!(lines, vec![1, 3, 4]);
    // An unscoped `_authToken` alone is not an npmrc without the name.
    assert_eq!(sniff("proj/settings.ini", "_authToken=npm_ZZfake\n"), None);
}

// --- shared ------------------------------------------------------------------------------------

#[test]
fn classification_by_prefix() {
    let c = |s: &str| classify(s).map(|c| c.tag);
    assert_eq!(
        c("ghp_ZZfakeOkaforToken0000000000a1b2c3d45"),
        Some("github-token")
    );
    assert_eq!(
        c("dckr_pat_ZZfakeOkaforDockerHub0000001"),
        Some("docker-token")
    );
    assert_eq!(c("glpat-ZZfakeOkaforGitLab01"), Some("gitlab-token"));
    assert_eq!(
        c("npm_ZZfakeOkaforNpmToken000000000000009f3e"),
        Some("npm-token")
    );
    assert_eq!(c("npm_cache"), None, "too short to be a token");
    assert_eq!(c("ghp_with spaces in it 0000000000"), None);
    assert_eq!(c("Harbour-Lights-2024"), None);
    assert_eq!(
        last8("ghp_ZZfakeOkaforToken0000000000a1b2c3d45"),
        "1b2c3d45"
    );
    assert_eq!(last8("short"), "short");
    assert_eq!(fingerprint("x").len(), "hmac:".len() + 16);
}

#[test]
fn owners_and_pairs() {
    assert_eq!(owner_ref(Some("m.okafor")).unwrap().login, "m.okafor");
    for pseudo in [
        "x-access-token",
        "OAuth2",
        "AWS",
        "__token__",
        "",
        "  ",
        "${USER}",
        "a b",
    ] {
        assert_eq!(owner_ref(Some(pseudo)), None, "{pseudo}");
    }
    assert_eq!(
        owner_ref(Some("ghp_ZZfakeOkaforToken0000000000a1b2c3d45")),
        None
    );
    let tok = "ghp_ZZfakeOkaforToken0000000000a1b2c3d45";
    assert_eq!(split_pair(Some(tok), None), Secret::UserToken(tok));
    assert_eq!(
        split_pair(Some(tok), Some("x-oauth-basic")),
        Secret::UserToken(tok)
    );
    assert_eq!(
        split_pair(Some("m"), Some("pw-1234")),
        Secret::Password {
            user: Some("m"),
            secret: "pw-1234"
        }
    );
    assert_eq!(split_pair(Some("m"), Some("")), Secret::None);
}

#[test]
fn file_kind_hints() {
    for yes in [
        "home/m.okafor/.aws/credentials",
        "home/m.okafor/.aws/config",
        "home/m.okafor/.docker/config.json",
        "run/user/1000/containers/auth.json",
        "home/m.okafor/.git-credentials",
        "home/m.okafor/.config/git/credentials",
        "home/m.okafor/.netrc",
        "C:\\Users\\mo\\_netrc",
        "home/m.okafor/.pgpass",
        "C:\\Users\\mo\\AppData\\Roaming\\postgresql\\PGPASS.CONF",
        "srv/app/.npmrc",
        "home/m.okafor/.dockercfg",
    ] {
        assert!(file_kind_hint(yes), "{yes}");
    }
    for no in [
        "srv/app/config.json",
        "srv/app/credentials",
        "home/m.okafor/.bashrc",
        "etc/netrc.d/readme",
        "srv/app/.env",
    ] {
        assert!(!file_kind_hint(no), "{no}");
    }
}

#[test]
fn sniff_rejects_other_files() {
    for (path, text) in [
        ("srv/app/.env", "AWS_ACCESS_KEY_ID=AKIAZZEXAMPLEOKAFOR7\n"),
        (
            "srv/app/package.json",
            "{\n  \"name\": \"payroll\",\n  \"auth\": \"x\"\n}\n",
        ),
        (
            "home/m/.gitconfig",
            "[user]\n\tname = Mara Okafor\n[credential]\n\thelper = store\n",
        ),
        (
            "notes.md",
            "See https://github.com/example/payroll for details.\n",
        ),
        ("empty", ""),
        ("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
    ] {
        assert_eq!(sniff(path, text), None, "{path}");
    }
    // A cut head: the incomplete last line does not spoil a content match.
    let mut big = String::new();
    while big.len() < crate::source::registry::SNIFF_WINDOW + 100 {
        big.push_str("db.example.org:5432:payroll:m.okafor:Ledger-Nine-4410\n");
    }
    assert_eq!(sniff("backup/pw", &big), Some(CredFile::Pgpass));
}

#[test]
fn no_panic_on_any_prefix_of_any_fixture() {
    let all = [
        AWS_CREDENTIALS,
        AWS_CONFIG,
        DOCKER,
        DOCKER_BAD,
        DOCKERCFG,
        GIT,
        NETRC,
        PGPASS,
        NPMRC,
    ];
    let kinds = [
        CredFile::AwsCredentials,
        CredFile::DockerConfig,
        CredFile::GitCredentials,
        CredFile::Netrc,
        CredFile::Pgpass,
        CredFile::Npmrc,
    ];
    for text in all {
        for end in (0..=text.len()).filter(|e| text.is_char_boundary(*e)) {
            let cut = &text[..end];
            let _ = sniff("x/.netrc", cut);
            for kind in kinds {
                let out = parse(kind, "x", cut);
                assert_no_secret(&out);
            }
        }
    }
    // Odd bytes and multi-byte characters where tokens are expected.
    for kind in kinds {
        let out = parse(kind, "x", "\u{0}\u{feff}é:\"\\\n\"machine ü \\");
        assert!(out.records.is_empty());
    }
}
