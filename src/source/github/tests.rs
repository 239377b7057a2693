//! Tests of the GitHub adapter on the synthetic exports under `fixtures/sources/github/`
//! (storyline: Mara Okafor, GitHub login `mokafor-ex`, reset 2026-08-03T14:22:51Z at the IdP).

use super::*;

/// `sniff` of a file's text, as the registry sees it.
fn sniff(path: &str, text: &str) -> Option<GitHubExport> {
    super::sniff(&crate::source::registry::Sniff::new(path, text))
}
use crate::diag::Severity;
use crate::inventory::{
    CredentialKind, CredentialStatus, IssuedBasis, OwnerRef, PasswordState, When,
};
use crate::source::testing::{cred, creds, t};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/github/", $name))
    };
}

fn accounts(records: &[Record]) -> Vec<&Account> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn run(name: &str, text: &str) -> Output {
    let kind = sniff(name, text).unwrap_or_else(|| panic!("{name} not sniffed"));
    parse(kind, name, text)
}

fn owner(system: &str, login: &str) -> Option<OwnerRef> {
    Some(OwnerRef {
        system: Some(system.into()),
        login: login.into(),
    })
}

#[test]
fn sniffs_by_content() {
    use GitHubExport::*;
    assert_eq!(
        sniff("x", fixture!("personal-access-tokens.json")),
        Some(PersonalAccessTokens)
    );
    assert_eq!(
        sniff("x", fixture!("personal-access-token-requests.json")),
        Some(PersonalAccessTokens)
    );
    assert_eq!(
        sniff("x", fixture!("credential-authorizations.json")),
        Some(CredentialAuthorizations)
    );
    assert_eq!(
        sniff("x", fixture!("credential-authorizations-pages.json")),
        Some(CredentialAuthorizations)
    );
    assert_eq!(sniff("x", fixture!("deploy-keys.json")), Some(Keys));
    assert_eq!(
        sniff("x", fixture!("users/mokafor-ex/keys.json")),
        Some(Keys)
    );
    assert_eq!(sniff("x", fixture!("member-keys-loop.json")), Some(Keys));
    // Other JSON with a `key` field, and non-JSON, are not GitHub exports.
    assert_eq!(sniff("x", "{\"id\": 1, \"key\": \"value\"}"), None);
    assert_eq!(sniff("x", "ssh-ed25519 AAAA x"), None);
    assert_eq!(sniff("x", "{\"AccessKeyMetadata\": []}"), None);
}

#[test]
fn fine_grained_tokens() {
    let out = run("pats.json", fixture!("personal-access-tokens.json"));
    let r = &out.records;
    let bot = cred(r, "github:pat:4471902");
    assert_eq!(bot.kind, CredentialKind::PersonalAccessToken);
    assert_eq!(bot.owner, owner("github", "mokafor-ex"));
    assert_eq!(bot.issued, t("2026-02-10T09:15:00Z"));
    assert_eq!(bot.issued_basis, IssuedBasis::Recorded);
    // `null` expiry: never expires.
    assert_eq!(bot.expires, When::Never);
    assert_eq!(bot.last_used, t("2026-08-20T18:03:27Z"));
    assert_eq!(bot.status, CredentialStatus::Active);
    assert_eq!(bot.evidence.line, Some(3));
    assert!(bot.detail.as_deref().unwrap().contains("name: release-bot"));
    assert!(bot.detail.as_deref().unwrap().contains("approval time"));

    let mirror = cred(r, "github:pat:4471950");
    assert_eq!(mirror.status, CredentialStatus::Expired);
    assert_eq!(mirror.expires, t("2026-05-01T12:00:00Z"));
    assert_eq!(mirror.last_used, When::Never);

    // No token_id: the grant id; bad values are located and unknown.
    let odd = cred(r, "github:pat-grant:25402");
    assert_eq!(odd.issued, When::Unknown);
    assert_eq!(odd.expires, t("2026-12-30T23:00:00Z"));
    assert_eq!(odd.last_used, When::Unknown);
    assert_eq!(odd.status, CredentialStatus::Unknown);
    let lines: Vec<_> = out.diagnostics.iter().map(|d| d.location.line).collect();
    assert_eq!(
        lines,
        vec![Some(32), Some(36), Some(33)],
        "{:?}",
        out.diagnostics
    );

    let accts = accounts(r);
    assert_eq!(accts.len(), 3);
    let bot_account = accts
        .iter()
        .find(|a| a.login == "deploy-helper[bot]")
        .unwrap();
    assert_eq!(bot_account.kind, AccountKind::Service);
    assert_eq!(bot_account.system, "github");
    assert_eq!(bot_account.evidence.line, Some(17));
    let mara = accts.iter().find(|a| a.login == "mokafor-ex").unwrap();
    assert_eq!(mara.password_last_set, When::Unknown);
    assert_eq!(mara.password, PasswordState::Unknown);
}

#[test]
fn pending_requests_are_inactive_and_name_the_org() {
    let out = run("req.json", fixture!("personal-access-token-requests.json"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let req = cred(&out.records, "github:pat:4472001");
    assert_eq!(req.status, CredentialStatus::Inactive);
    assert_eq!(req.issued, t("2026-08-19T08:00:00Z"));
    assert_eq!(req.owner, owner("github:example-org", "mokafor-ex"));
    assert!(req.detail.as_deref().unwrap().contains("pending"));
}

#[test]
fn credential_authorizations() {
    let out = run("auth.json", fixture!("credential-authorizations.json"));
    let r = &out.records;
    let pat = cred(r, "github:last8:9fK2Lq0Z");
    assert_eq!(
        pat.shown_id(),
        "github:…Lq0Z",
        "reports show the last four only"
    );
    assert_eq!(pat.kind, CredentialKind::PersonalAccessToken);
    assert_eq!(pat.owner, owner("github", "mokafor-ex"));
    assert_eq!(pat.issued, t("2025-06-01T08:00:00Z"));
    assert_eq!(pat.last_used, t("2026-08-19T22:41:00Z"));
    assert_eq!(pat.expires, When::Never);
    assert_eq!(pat.evidence.line, Some(4));
    let detail = pat.detail.as_deref().unwrap();
    assert!(detail.contains("note: laptop git"));
    assert!(detail.contains("scopes: repo read:org"));

    let key = cred(r, "SHA256:a2PjfFu7Wn0fmrm6wXg5N+0KdlN0kInuLLDANJ+5oDE");
    assert_eq!(key.kind, CredentialKind::SshKey);
    assert_eq!(key.last_used, When::Never);
    assert_eq!(key.expires, When::Never);
    assert!(key
        .detail
        .as_deref()
        .unwrap()
        .contains("title: old-desktop"));

    let oauth = cred(r, "github:last8:a1B2c3D4");
    assert_eq!(oauth.kind, CredentialKind::OAuthGrant);
    // Field absent (older export): expiry unknown, not never.
    assert_eq!(oauth.expires, When::Unknown);

    let md5 = cred(r, "MD5:1f:2e:3d:4c:5b:6a:79:88:97:a6:b5:c4:d3:e2:f1:00");
    assert_eq!(md5.kind, CredentialKind::SshKey);

    // A bad last-eight with no credential_id: located, skipped, never quoted.
    assert_eq!(creds(r).len(), 4);
    assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
    assert!(out.diagnostics.iter().all(|d| !d.message.contains("ghp_")));
    assert_eq!(out.diagnostics[0].location.line, Some(47));
    assert_eq!(out.diagnostics[1].location.line, Some(44));
    assert_eq!(accounts(r).len(), 2);
}

#[test]
fn paginated_slurp_pages() {
    let out = run(
        "pages.json",
        fixture!("credential-authorizations-pages.json"),
    );
    assert!(out.diagnostics.is_empty());
    let r = &out.records;
    assert_eq!(cred(r, "github:last8:9fK2Lq0Z").evidence.line, Some(3));
    let later = cred(r, "github:last8:Zz99Yy88");
    assert_eq!(later.evidence.line, Some(6));
    assert_eq!(later.expires, t("2026-11-03T10:00:00Z"));
}

#[test]
fn deploy_keys() {
    let out = run("repos/deploy-keys.json", fixture!("deploy-keys.json"));
    let r = &out.records;
    let k = cred(r, "SHA256:luJoNPa9ScqNYlchZI1AAQOeu59Dym+uivbcF6DjLGk");
    assert_eq!(k.kind, CredentialKind::DeployKey);
    assert_eq!(k.label, "GitHub deploy key (ssh-ed25519)");
    assert_eq!(k.owner, None);
    assert_eq!(
        k.responsible,
        vec![OwnerRef {
            system: Some("github:example-org".into()),
            login: "mokafor-ex".into()
        }]
    );
    assert_eq!(k.issued, t("2024-09-02T13:00:00Z"));
    assert_eq!(k.last_used, When::Never);
    assert_eq!(k.status, CredentialStatus::Active);
    let detail = k.detail.as_deref().unwrap();
    assert!(detail.contains("repository: example-org/billing-exports"));
    assert!(detail.contains("read-write"));
    assert_eq!(k.evidence.line, Some(3));
    // An undecodable key falls back to the listing id, disabled -> inactive.
    let broken = cred(r, "github:key:1200345");
    assert_eq!(broken.status, CredentialStatus::Inactive);
    assert_eq!(broken.last_used, t("2026-08-18T02:00:00Z"));
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].location.line, Some(16));
    // The public key itself is never recorded.
    let json = serde_json::to_string(&out.records).unwrap();
    assert!(!json.contains("AAAAC3Nza"));
}

#[test]
fn user_keys_owner_from_the_api_path() {
    let out = run(
        "export/users/mokafor-ex/keys.json",
        fixture!("users/mokafor-ex/keys.json"),
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let r = &out.records;
    let k = cred(r, "SHA256:a2PjfFu7Wn0fmrm6wXg5N+0KdlN0kInuLLDANJ+5oDE");
    assert_eq!(k.kind, CredentialKind::SshKey);
    assert_eq!(k.owner, owner("github", "mokafor-ex"));
    // The public listing has no dates.
    assert_eq!(k.issued, When::Unknown);
    assert_eq!(k.last_used, When::Unknown);
    let ci = cred(r, "SHA256:zE0vbSoG9zh3EP2NJHI7Vl2cRnHNK9Y32LddaO08Isg");
    assert_eq!(ci.label, "GitHub SSH key (ecdsa-sha2-nistp256)");
    assert_eq!(ci.issued, t("2026-08-10T12:00:00Z"));
    assert_eq!(ci.last_used, When::Never);
    // Without an owner anywhere: the key is kept, the gap reported.
    let out = run("keys.json", fixture!("users/mokafor-ex/keys.json"));
    assert_eq!(creds(&out.records).len(), 2);
    assert!(creds(&out.records).iter().all(|c| c.owner.is_none()));
    assert_eq!(out.diagnostics.len(), 2);
}

#[test]
fn member_key_loop_with_a_broken_line() {
    let out = run("loop.json", fixture!("member-keys-loop.json"));
    let r = &out.records;
    let k = cred(r, "SHA256:a2PjfFu7Wn0fmrm6wXg5N+0KdlN0kInuLLDANJ+5oDE");
    assert_eq!(k.owner, owner("github", "mokafor-ex"));
    assert_eq!(k.evidence.line, Some(1));
    // Line 3 is cut off: the parser notices on line 4 (the message names line 3), reading
    // resumes on line 4, whose key has no data: reported, id from the listing.
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location.line, Some(4));
    assert!(errors[0].message.contains("starting at line 3"));
    let tb = cred(r, "github:key:99200");
    assert_eq!(tb.owner, owner("github", "tbrandt"));
    assert_eq!(out.diagnostics.len(), 2, "{:?}", out.diagnostics);
}

#[test]
fn fingerprint_matches_ssh_keygen() {
    let (t, fp) = crate::source::ids::ssh_public_key(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIQaCcmdTEfPC7cUGiumapuD8FL7Y2U9U7/JKZiR7Bq3 c",
    )
    .unwrap();
    assert_eq!(t, "ssh-ed25519");
    assert_eq!(fp, "SHA256:a2PjfFu7Wn0fmrm6wXg5N+0KdlN0kInuLLDANJ+5oDE");
    assert!(crate::source::ids::ssh_public_key("").is_err());
    assert!(crate::source::ids::ssh_public_key("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIQa").is_err());
    assert!(crate::source::ids::ssh_public_key("ssh-ed25519 !!!").is_err());
    assert!(crate::source::ids::ssh_public_key("ssh-ed25519 AAAA").is_err());
}

#[test]
fn org_from_urls() {
    assert_eq!(
        org_in("x https://api.github.com/repos/Example-Org/r/keys/1"),
        Some("example-org".into())
    );
    assert_eq!(
        org_in("https://api.github.com/orgs/acme/x"),
        Some("acme".into())
    );
    assert_eq!(
        org_in("https://api.github.com/organizations/7654321/x"),
        None
    );
    assert_eq!(user_in_path("a/users/bob/keys.json"), Some("bob".into()));
    assert_eq!(user_in_path("a/bob/keys.json"), None);
}

#[test]
fn garbage_never_panics() {
    for text in [
        "[",
        "{}",
        "[{\"credential_id\": {}, \"token_last_eight\": 8}]",
        "[{\"token_id\": \"x\", \"owner\": 5, \"token_expired\": 1}]",
        "[{\"key\": \"ssh-ed25519 \u{e9}\", \"id\": -1}]",
        "{\"keys\": 5, \"login\": []}",
        "[[[[[{\"key\": \"k\"}]]]]]",
        "[null, true, 1.5]",
    ] {
        let out = parse(GitHubExport::Keys, "g.json", text);
        assert!(out.records.iter().all(|r| !matches!(r, Record::Host(_))));
    }
    let out = parse(GitHubExport::Keys, "g.json", "[{\"credential_id\": {}}]");
    assert_eq!(out.records.len(), 0);
    assert_eq!(out.diagnostics.len(), 2);
}
