//! Tests of the Kubernetes adapter on the synthetic exports under `fixtures/sources/kubernetes/`.

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<KubeExport> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::diag::{DiagKind, Severity};
use crate::source::testing::{accounts, t};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/kubernetes/", $name))
    };
}

fn creds(out: &Output) -> Vec<&Credential> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn cred<'a>(out: &'a Output, id: &str) -> &'a Credential {
    creds(out)
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no credential {id} in {:?}", creds(out)))
}

fn owner(system: &str, login: &str) -> Option<OwnerRef> {
    Some(OwnerRef {
        system: Some(system.into()),
        login: login.into(),
    })
}

fn run(name: &str, text: &str) -> Output {
    let kind = sniff(name, text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text, &SourceOptions::default())
}

#[test]
fn sniffs_by_content() {
    assert_eq!(
        sniff("a", fixture!("kubeconfig")),
        Some(KubeExport::Kubeconfig)
    );
    assert_eq!(
        sniff("a", fixture!("secrets-sa-list.yaml")),
        Some(KubeExport::Objects)
    );
    assert_eq!(
        sniff("a", fixture!("secrets-sa.json")),
        Some(KubeExport::Objects)
    );
    assert_eq!(
        sniff("a", fixture!("multi-doc.yaml")),
        Some(KubeExport::Objects)
    );
    let minified = r#"{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"x"}}"#;
    assert_eq!(sniff("a", minified), Some(KubeExport::Objects));
    // Helm templates and unrelated YAML are not ours.
    assert_eq!(sniff("a", fixture!("helm-serviceaccount.yaml")), None);
    assert_eq!(sniff("a", "apiVersion: apps/v1\nkind: Deployment\n"), None);
    assert_eq!(sniff("a", "name: x\nusers: []\n"), None);
    assert_eq!(sniff("a", ""), None);
}

#[test]
fn kubectl_yaml_list_secrets_and_service_accounts() {
    let out = run("k8s/secrets.yaml", fixture!("secrets-sa-list.yaml"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // The Opaque Secret is left to the secrets scanner.
    assert_eq!(creds(&out).len(), 2);
    let c = cred(&out, "k8s:build/ci-deployer-token");
    assert_eq!(c.kind, CredentialKind::ServiceAccountToken);
    assert_eq!(
        c.owner,
        owner("kubernetes", "system:serviceaccount:build:ci-deployer")
    );
    assert_eq!(c.issued, t("2021-11-03T10:20:30Z"));
    assert_eq!(c.issued_basis, IssuedBasis::Recorded);
    // Day-only label: 00:00 UTC of that day.
    assert_eq!(c.last_used, t("2026-08-20T00:00:00Z"));
    assert_eq!(c.expires, When::Never);
    assert_eq!(c.status, CredentialStatus::Active);
    // The Secret's own name line, not the ServiceAccount's `secrets: - name:` reference (line 12).
    assert_eq!(c.evidence, Evidence::at("k8s/secrets.yaml", 26));

    let old = cred(&out, "k8s:payroll/m-okafor-debug-token");
    assert_eq!(old.status, CredentialStatus::Inactive);
    assert_eq!(old.last_used, t("2024-09-30T00:00:00Z"));
    assert!(old
        .detail
        .as_deref()
        .unwrap()
        .contains("invalid since 2025-10-01"));
    assert_eq!(old.evidence.line, Some(53));

    let sa = accounts(&out);
    assert_eq!(sa.len(), 1);
    assert_eq!(sa[0].login, "system:serviceaccount:build:ci-deployer");
    assert_eq!(sa[0].system, "kubernetes");
    assert_eq!(sa[0].kind, AccountKind::Service);
    assert_eq!(sa[0].created, t("2021-11-03T10:20:29Z"));
    assert_eq!(sa[0].evidence.line, Some(7));
}

#[test]
fn kubectl_json_list() {
    let out = run("secrets.json", fixture!("secrets-sa.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let c = cred(&out, "k8s:payroll/report-runner-token");
    assert_eq!(c.evidence.line, Some(31));
    assert_eq!(c.last_used, When::Unknown);
    assert!(c.detail.as_deref().unwrap().contains("no last-used label"));
    assert_eq!(accounts(&out)[0].evidence.line, Some(9));
}

#[test]
fn multi_document_yaml_with_cluster_hint_and_broken_document() {
    let out = run("multi.yaml", fixture!("multi-doc.yaml"));
    let sa = accounts(&out);
    assert_eq!(sa.len(), 1);
    assert_eq!(sa[0].system, "prod");
    assert_eq!(sa[0].login, "system:serviceaccount:ops:backup");
    // An unquoted YAML timestamp is still read.
    assert_eq!(sa[0].created, t("2020-01-15T08:00:00Z"));
    assert_eq!(sa[0].evidence.line, Some(7));

    let c = cred(&out, "k8s:ops/backup-token");
    assert_eq!(c.owner, owner("prod", "system:serviceaccount:ops:backup"));
    assert_eq!(c.issued, When::Unknown);
    assert_eq!(c.last_used, When::Unknown);
    // No namespace: `default`; no annotation: no owner.
    let d = cred(&out, "k8s:default/no-annotation-token");
    assert_eq!(d.owner, None);
    assert_eq!(d.evidence.line, Some(39));

    let diags: Vec<(u32, DiagKind, &str)> = out
        .diagnostics
        .iter()
        .map(|d| (d.location.line.unwrap(), d.kind, d.message.as_str()))
        .collect();
    assert_eq!(diags.len(), 4, "{diags:?}");
    assert!(diags
        .iter()
        .any(|(l, _, m)| *l == 17 && m.contains("creationTimestamp")));
    assert!(diags
        .iter()
        .any(|(l, _, m)| *l == 21 && m.contains("YYYY-MM-DD")));
    assert!(diags.iter().any(|(l, k, m)| (22..=27).contains(l)
        && *k == DiagKind::Malformed
        && m.contains("line 22")));
    assert!(diags
        .iter()
        .any(|(l, _, m)| *l == 39 && m.contains("annotation")));
}

#[test]
fn kubeconfig_users() {
    let out = run("home/m/.kube/config", fixture!("kubeconfig"));
    // Legacy SA JWT: joins its Secret's id; owned by the SA; cluster of the first context.
    let legacy = cred(&out, "k8s:build/ci-deployer-token");
    assert_eq!(
        legacy.owner,
        owner("prod", "system:serviceaccount:build:ci-deployer")
    );
    assert_eq!(legacy.expires, When::Never);
    assert_eq!(legacy.evidence.line, Some(31));
    assert!(legacy
        .detail
        .as_deref()
        .unwrap()
        .contains("also used with clusters staging"));

    // Client certificate: fingerprint prefix of the DER, CN as the owner, validity.
    let cert = cred(&out, "sha256:9af3cb5b7cc3");
    assert_eq!(cert.kind, CredentialKind::DeployKey);
    assert_eq!(cert.owner, owner("prod", "m.okafor"));
    assert_eq!(cert.issued, t("2026-05-04T09:30:00Z"));
    assert_eq!(cert.expires, t("2027-05-04T09:30:00Z"));
    assert_eq!(cert.evidence.line, Some(34));
    let detail = cert.detail.as_deref().unwrap();
    assert!(
        detail.contains("O=payroll-admins") && detail.contains("system:masters"),
        "{detail}"
    );

    // Basic auth: owned by `username`, on the cluster of its context.
    let basic = creds(&out)
        .into_iter()
        .find(|c| c.kind == CredentialKind::PlaintextSecret)
        .unwrap();
    assert_eq!(basic.owner, owner("staging", "admin"));
    assert_eq!(basic.evidence.line, Some(39));
    // Named by its place, never by a digest of the password.
    assert!(
        basic.id.starts_with("loc:") && basic.id.len() == 20,
        "{}",
        basic.id
    );
    assert!(basic.same_secret.is_some());

    // Bound SA token: iat/exp, SA owner; no context uses the user: the file's clusters are two,
    // so the default cluster name.
    let bound = creds(&out)
        .into_iter()
        .find(|c| c.label.contains("bound"))
        .unwrap();
    assert_eq!(
        bound.owner,
        owner("kubernetes", "system:serviceaccount:payroll:report-runner")
    );
    assert_eq!(
        bound.issued,
        When::from_epoch_seconds(1_785_900_000).unwrap()
    );
    assert_eq!(
        bound.expires,
        When::from_epoch_seconds(1_787_000_000).unwrap()
    );
    assert_eq!(bound.evidence.line, Some(42));

    let opaque = creds(&out)
        .into_iter()
        .find(|c| c.label == "kubeconfig static bearer token")
        .unwrap();
    assert_eq!(opaque.owner, owner("kubernetes", "opaque"));
    assert_eq!(opaque.expires, When::Unknown);
    assert!(opaque.id.starts_with("loc:"), "{}", opaque.id);

    // exec: nothing. Broken certificate: a located problem.
    assert_eq!(creds(&out).len(), 5);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].location.line, Some(54));

    // No secret in any record or message.
    let shown = format!("{out:?}");
    for secret in [
        "Invented-Basic-Auth-Pw1",
        "invented0static0bearer",
        "eyJhbGci",
        "LS0tLS1CRUdJTiBQUklW",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked");
    }
}

#[test]
fn kubeconfig_json_and_single_cluster() {
    let text = r#"{
  "apiVersion": "v1",
  "kind": "Config",
  "clusters": [{"name": "edge", "cluster": {"server": "https://edge.example.org"}}],
  "users": [
    {
      "name": "m.okafor",
      "user": {
        "token": "invented-opaque-token"
      }
    }
  ]
}"#;
    let out = run("config.json", text);
    let c = creds(&out);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].owner, owner("edge", "m.okafor"));
    assert_eq!(c[0].evidence.line, Some(9));
}

#[test]
fn unparseable_single_document_is_an_error() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata: [\n";
    let out = parse(
        KubeExport::Objects,
        "bad.yaml",
        text,
        &SourceOptions::default(),
    );
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
    assert_eq!(out.diagnostics[0].severity, Severity::Error);
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n";
    let out = parse(
        KubeExport::Objects,
        "bad.json",
        text,
        &SourceOptions::default(),
    );
    assert!(out.diagnostics[0].message.contains("truncated"));
}

#[test]
fn hostile_yaml_never_panics() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n\
                i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\nkind: List\n";
    let out = parse(
        KubeExport::Objects,
        "bomb.yaml",
        bomb,
        &SourceOptions::default(),
    );
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let deep = format!(
        "kind: List\nitems: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let _ = parse(
        KubeExport::Objects,
        "deep.yaml",
        &deep,
        &SourceOptions::default(),
    );
    for text in [
        "---\n---\n...\n",
        "- 1\n- kind: Secret\n  type: kubernetes.io/service-account-token\n",
        "kind: Secret\ntype: kubernetes.io/service-account-token\nmetadata: {name: 5}\n",
        "kind: List\nitems: 3\n",
        "kind: Config\nusers: [{name: a, user: {token: 5, client-certificate-data: 7}}, 3]\ncontexts: [1]\n",
        "kind: Config\nusers: {a: 1}\n",
        "kind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: x\n  labels:\n    kubernetes.io/legacy-token-last-used: 0000-00-00\n",
        "\u{feff}--- !!str\n",
        "kind: ServiceAccount\nmetadata: {name: \"é\u{301}\"}\n",
    ] {
        let _ = sniff("x", text);
        let _ = parse(KubeExport::Objects, "h.yaml", text, &SourceOptions::default());
    }
}

#[test]
fn documents_split_at_markers() {
    let docs = documents("# c\n---\na: 1\n--- b: 2\n...\n# tail\n---\nc: 3");
    let got: Vec<(u32, u32)> = docs.iter().map(|d| (d.first_line, d.last_line)).collect();
    assert_eq!(got, vec![(2, 3), (4, 4), (7, 8)]);
}

/// Issue 13: an anchor aliased many times and deep nesting end in one located error each, fast,
/// and deep JSON in a `.json` export too.
#[test]
fn alias_bombs_and_deep_nesting_are_located_errors() {
    let mut bomb = String::from("apiVersion: v1\nkind: List\nbase: &b [");
    for i in 0..20_000 {
        bomb.push_str(&format!("x{i},"));
    }
    bomb.push_str("]\nitems: [");
    for _ in 0..100_000 {
        bomb.push_str("*b,");
    }
    bomb.push_str("]\n");
    let deep_yaml = format!(
        "apiVersion: v1\nkind: List\nitems: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\":\n{}{}}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases = [
        ("bomb.yaml", bomb, "bomb.yaml:3: error [unparseable]: invalid YAML: YAML aliases expand to more than twice the size of the document; the document starting at line 1 was skipped"),
        ("deep.yaml", deep_yaml, "deep.yaml:3: error [unparseable]: invalid YAML: YAML nested more than 512 levels deep; the document starting at line 1 was skipped"),
        ("deep.json", deep_json, "deep.json:2: error [unparseable]: JSON nested too deeply; the document starting at line 1 was skipped"),
    ];
    for (name, text, want) in cases {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(parse(
                KubeExport::Objects,
                name,
                &text,
                &SourceOptions::default(),
            ));
        });
        let out = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{name}: not done within 20 s"));
        assert_eq!(out.diagnostics.len(), 1, "{name}: {:?}", out.diagnostics);
        let got = out.diagnostics[0].to_string();
        assert!(got.starts_with(want), "{name}: {got}");
    }
}
