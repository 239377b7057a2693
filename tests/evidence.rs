//! Evidence that leaks nothing (issue 7, item 7): secrets planted in a temporary estate never
//! reach any output, neither as values nor as any 8-hex-digit window of their SHA-1, SHA-256 or
//! MD5; secret ids follow `--secret-id-key` across scans and, without a key, do not depend on
//! the secret; a shadow file redacted by the README's recipe gives byte-identical findings.

use crate::common::{copy_tree, resetgap, root, AS_OF};
use base64::Engine as _;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Secrets planted below; none may appear in any output, in any form.
const SECRETS: &[&str] = &[
    "Qv7-Harbour-Glass-4412",                    // config YAML password
    "Tz9.Lantern!Moss.2207",                     // .env password
    "kT4pWq8ZnR2vLx6mYb3cHd7s",                  // .env API secret
    "Gm3-Orchid-Rail-9054",                      // .git-credentials password
    "Np6-Copper-Field-7731",                     // .netrc password
    "Rw2-Basalt-Tower-1189",                     // .pgpass password
    "Dk8-Willow-Anchor-5530",                    // docker config.json (base64 in `auth`)
    "Hx5/Quartz+Meadow/0062ZZfakeAwsSecretKey0", // AWS secret access key
    "Lp4-Cinder-Vale-3318",                      // LDIF userPassword (clear)
    "Sb1-Ember-Coast-8846",                      // shell history
    "Kc7-Granite-Pier-2475",                     // kubeconfig basic-auth password
    "Vy3-static-kube-token-0f9e8d7c6b5a",        // kubeconfig static token
    "Mf2-Lattice-Brook-6620",                    // .npmrc _password (base64 in the file)
    "Wq4-Juniper-Slate-3071",                    // Bitwarden CSV export
    "Rb6-Thistle-Cove-5182",                     // KeePass XML export
    "Pz3-Cobalt-Ridge-6643",                     // htpasswd plain-text line
    "Yn8-Harrow-Dell-2290",                      // AD description
    "Ze5-Marble-Fjord-7714",                     // GPP cpassword (encrypted in the file)
    "Zq4-Command-Line-Curl-1907",                // zsh history: curl -u
    "Zq6-Basic-Header-Plank-3381",               // zsh history: Authorization: Basic (base64)
    "Zq8-Secure-String-Tide-5524",               // PowerShell ConvertTo-SecureString
];

/// A GPP `cpassword` as Windows writes it (the key Microsoft published, MS-GPPREF 2.2.1.1.4).
fn gpp_cpassword(password: &str) -> String {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
    const KEY: [u8; 32] = [
        0x4e, 0x99, 0x06, 0xe8, 0xfc, 0xb6, 0x6c, 0xc9, 0xfa, 0xf4, 0x93, 0x10, 0x62, 0x0f, 0xfe,
        0xe8, 0xf4, 0x96, 0xe8, 0x06, 0xcc, 0x05, 0x79, 0x90, 0x20, 0x9b, 0x09, 0xa4, 0x33, 0xb6,
        0x6c, 0x1b,
    ];
    let plain: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut buf = vec![0u8; plain.len() + 16];
    buf[..plain.len()].copy_from_slice(&plain);
    let ct = cbc::Encryptor::<aes::Aes256>::new(&KEY.into(), &[0u8; 16].into())
        .encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
        .unwrap();
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(ct)
}

/// Plants every secret of `SECRETS` in `dir`, in the files that usually hold them.
fn plant(dir: &Path) {
    let w = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    w(
        "repos/billing/config/database.yml",
        "production:\n  adapter: postgresql\n  username: billing\n  password: Qv7-Harbour-Glass-4412\n",
    );
    w(
        "repos/billing/.env",
        "DB_USER=billing\nDB_PASSWORD=Tz9.Lantern!Moss.2207\nAPI_SECRET=kT4pWq8ZnR2vLx6mYb3cHd7s\n",
    );
    w(
        "hosts/web01/home/alice/.git-credentials",
        "https://alice:Gm3-Orchid-Rail-9054@git.corp.example.test\n",
    );
    w(
        "hosts/web01/home/bob/.netrc",
        "machine db.corp.example.test login bob password Np6-Copper-Field-7731\n",
    );
    w(
        "hosts/web01/home/carol/.pgpass",
        "db.corp.example.test:5432:billing:carol:Rw2-Basalt-Tower-1189\n",
    );
    w(
        "hosts/web01/home/dave/.docker/config.json",
        &format!(
            "{{\n  \"auths\": {{\n    \"registry.corp.example.test\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}\n",
            b64("dave:Dk8-Willow-Anchor-5530")
        ),
    );
    w(
        "hosts/web01/home/erin/.aws/credentials",
        "[default]\naws_access_key_id = AKIAZZEXAMPLE0000042\naws_secret_access_key = Hx5/Quartz+Meadow/0062ZZfakeAwsSecretKey0\n",
    );
    w(
        "directory/people.ldif",
        "dn: uid=frank,ou=people,dc=corp,dc=example,dc=test\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: frank\ncn: Frank\nsn: F\nuidNumber: 10010\ngidNumber: 10000\nhomeDirectory: /home/frank\nuserPassword: Lp4-Cinder-Vale-3318\nuserPassword: {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
    );
    w(
        "hosts/web01/home/gina/.bash_history",
        "ls -la\nexport PGPASSWORD=Sb1-Ember-Coast-8846\npsql -h db.corp.example.test\n",
    );
    w(
        "hosts/web01/home/hank/.kube/config",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://k8s.corp.example.test\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: hank\nusers:\n- name: hank\n  user:\n    username: hank\n    password: Kc7-Granite-Pier-2475\n- name: ci\n  user:\n    token: Vy3-static-kube-token-0f9e8d7c6b5a\n",
    );
    w(
        "k8s/billing-db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing-db\n  namespace: billing\ntype: Opaque\nstringData:\n  username: billing\n  password: Jw5-Saffron-Dune-4093\n",
    );
    w(
        "hosts/web01/home/ivy/.npmrc",
        &format!(
            "//npm.corp.example.test/:username=ivy\n//npm.corp.example.test/:_password={}\n",
            b64("Mf2-Lattice-Brook-6620")
        ),
    );
    w(
        "hosts/web01/home/jack/bitwarden_export.csv",
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\nWork,,login,Wiki,,,0,https://wiki.corp.example.test/,jack,Wq4-Juniper-Slate-3071,\n",
    );
    w(
        "exports/keepass.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<KeePassFile>\n<Meta><Generator>KeePass</Generator></Meta>\n<Root><Group><Name>x</Name>\n<Entry>\n<String><Key>Title</Key><Value>Wiki</Value></String>\n<String><Key>Password</Key><Value ProtectInMemory=\"True\">Rb6-Thistle-Cove-5182</Value></String>\n</Entry>\n</Group></Root>\n</KeePassFile>\n",
    );
    w(
        "hosts/web01/etc/apache2/.htpasswd",
        "kiosk:Pz3-Cobalt-Ridge-6643\n",
    );
    w(
        "directory/ad.ldif",
        "dn: CN=kim,CN=Users,DC=corp,DC=example,DC=test\nobjectClass: user\ncn: kim\nsAMAccountName: kim\nuserAccountControl: 512\ndescription: Temp password: Yn8-Harrow-Dell-2290\n",
    );
    w(
        "sysvol/corp.example.test/Policies/{00000000-0000-4000-8000-000000000000}/Machine/Preferences/Groups/Groups.xml",
        &format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Groups clsid=\"{{3125E937-EB16-4b4c-9934-544FC6D24D26}}\">\n<User clsid=\"{{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}}\" name=\"CORP\\lee\" changed=\"2024-01-01 00:00:00\">\n<Properties action=\"U\" userName=\"CORP\\lee\" cpassword=\"{}\"/>\n</User>\n</Groups>\n",
            gpp_cpassword("Ze5-Marble-Fjord-7714")
        ),
    );
    w(
        "hosts/web01/home/jack/.zsh_history",
        &format!(
            ": 1717200000:0;curl -u jack:Zq4-Command-Line-Curl-1907 https://ci.corp.example.test/\n: 1717200060:0;curl -H 'Authorization: Basic {}' https://registry.corp.example.test/v2/\n",
            b64("jack:Zq6-Basic-Header-Plank-3381")
        ),
    );
    w(
        "hosts/web01/home/jack/deploy.ps1",
        "$pw = ConvertTo-SecureString 'Zq8-Secure-String-Tide-5524' -AsPlainText -Force\n$c = New-Object PSCredential('jack', $pw)\n",
    );
}

/// Every form of `secret` that must not appear: the value, its base64, and every 8-hex-digit
/// window of its SHA-1, SHA-256 and MD5 (lower-case hex).
fn forbidden(secret: &str) -> Vec<String> {
    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
    let mut out = vec![
        secret.to_string(),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    for digest in [
        hex(&Sha1::digest(secret.as_bytes())),
        hex(&Sha256::digest(secret.as_bytes())),
        hex(&Md5::digest(secret.as_bytes())),
    ] {
        for i in 0..=digest.len() - 8 {
            out.push(digest[i..i + 8].to_string());
        }
    }
    out
}

/// Fails naming the output, the secret and the form found.
fn assert_clean(name: &str, text: &str) {
    let lower = text.to_ascii_lowercase();
    for s in SECRETS {
        for f in forbidden(s) {
            let hay = if f.bytes().all(|b| b.is_ascii_hexdigit()) && f.len() == 8 {
                &lower
            } else {
                text
            };
            assert!(
                !hay.contains(&f),
                "{name}: holds `{f}`, a form of planted secret `{s}`"
            );
        }
    }
}

/// Runs `resetgap scan DIR --as-of AS_OF ARGS`; returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = resetgap()
        .arg("scan")
        .arg(dir)
        .args(["--as-of", AS_OF, "--no-progress"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `(path, credential id)` of every RG501 finding of a JSON report.
fn rg501(report: &str) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(report).unwrap();
    let mut out: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "RG501")
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["credential"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn planted_secrets_reach_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate");
    plant(&estate);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let key = dir.path().join("id.key");
    std::fs::write(&key, "0123456789abcdef0123456789abcdef\n").unwrap();

    let mut checked = Vec::new();
    for (mode, extra) in [("location", None), ("keyed", Some(&key))] {
        for format in ["sarif", "json", "text", "html", "markdown", "csv"] {
            let report = out.join(format!("{mode}.{format}"));
            let inventory = out.join(format!("{mode}-{format}.jsonl"));
            let mut args = vec![
                "--format",
                format,
                "-v",
                "-o",
                report.to_str().unwrap(),
                "--emit-inventory",
                inventory.to_str().unwrap(),
            ];
            if let Some(k) = extra {
                args.extend(["--secret-id-key", k.to_str().unwrap()]);
            }
            let (code, stdout, stderr) = run(&estate, &args);
            assert!(matches!(code, 0 | 1 | 3), "{mode} {format}: {stderr}");
            let report_text = std::fs::read_to_string(&report).unwrap();
            let inventory_text = std::fs::read_to_string(&inventory).unwrap();
            for (what, text) in [
                ("report", &report_text),
                ("inventory", &inventory_text),
                ("stdout", &stdout),
                ("stderr", &stderr),
            ] {
                assert_clean(&format!("{mode} {format} {what}"), text);
            }
            checked.push(format!("{mode} {format}"));
            if format == "json" {
                // The secrets were found (else the test proves nothing): one RG501 finding per
                // planted file that holds a secret the rules report.
                let found = rg501(&report_text);
                let files: std::collections::BTreeSet<&str> =
                    found.iter().map(|(p, _)| p.as_str()).collect();
                for f in [
                    "repos/billing/config/database.yml",
                    "repos/billing/.env",
                    "hosts/web01/home/alice/.git-credentials",
                    "hosts/web01/home/bob/.netrc",
                    "hosts/web01/home/carol/.pgpass",
                    "hosts/web01/home/dave/.docker/config.json",
                    "hosts/web01/home/erin/.aws/credentials",
                    "hosts/web01/home/hank/.kube/config",
                    "hosts/web01/home/ivy/.npmrc",
                    "hosts/web01/home/jack/.zsh_history",
                    "hosts/web01/home/jack/deploy.ps1",
                    "k8s/billing-db.yaml",
                    "hosts/web01/home/jack/bitwarden_export.csv",
                    "exports/keepass.xml",
                    "directory/ad.ldif",
                    "sysvol/corp.example.test/Policies/{00000000-0000-4000-8000-000000000000}/Machine/Preferences/Groups/Groups.xml",
                ] {
                    assert!(files.contains(f), "{mode}: no RG501 for {f}: {found:#?}");
                }
                let prefix = if extra.is_some() { "hmac:" } else { "loc:" };
                for (p, id) in &found {
                    assert!(
                        id.starts_with(prefix) || id.starts_with("AKIA"),
                        "{mode}: {p}: id {id}"
                    );
                }
                // The LDIF's clear userPassword is reported as a readable copy, never quoted.
                assert!(report_text.contains("RG503"), "{mode}: {report_text}");
            }
        }
    }
    assert_eq!(checked.len(), 12);
}

#[test]
#[should_panic(expected = "a form of planted secret")]
fn the_leak_check_sees_a_digest_id() {
    // What ids used to be: `sha256:` + 12 hex digits of the secret's SHA-256.
    let digest: String = Sha256::digest(SECRETS[0].as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_clean(
        "old id",
        &format!("{{\"credential\": \"sha256:{digest}\"}}"),
    );
}

#[test]
fn keyed_ids_recognise_a_secret_across_scans_and_trees() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let w = |p: &Path, text: &str| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        &a.join("app/settings.yml"),
        "password: Qv7-Harbour-Glass-4412\n",
    );
    w(
        &b.join("elsewhere/deep/.netrc"),
        "machine h login u password Qv7-Harbour-Glass-4412\n",
    );
    let key = dir.path().join("k");
    std::fs::write(&key, "a key of more than sixteen bytes").unwrap();
    let ids = |tree: &Path, args: &[&str]| -> Vec<String> {
        let mut all = vec!["--format", "json", "--select", "RG501"];
        all.extend_from_slice(args);
        let (_, stdout, stderr) = run(tree, &all);
        let found = rg501(&stdout);
        assert_eq!(found.len(), 1, "{stdout}\n{stderr}");
        found.into_iter().map(|(_, id)| id).collect()
    };
    let k = ["--secret-id-key", key.to_str().unwrap()];
    let (ia, ib) = (ids(&a, &k), ids(&b, &k));
    assert_eq!(ia, ib, "the same secret in two trees, one key");
    assert!(ia[0].starts_with("hmac:"), "{ia:?}");
    // The environment variable holds the key itself, with the same effect.
    let out = resetgap()
        .env("RESETGAP_SECRET_ID_KEY", "a key of more than sixteen bytes")
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "RG501",
            "--no-progress",
        ])
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(rg501(&String::from_utf8_lossy(&out.stdout)).len(), 1);
    assert_eq!(
        rg501(&String::from_utf8_lossy(&out.stdout))[0].1,
        ia[0],
        "RESETGAP_SECRET_ID_KEY"
    );
    // Another key, another id.
    std::fs::write(&key, "another key of more than sixteen bytes").unwrap();
    assert_ne!(ids(&a, &k), ia);

    // Without a key: the id names the place. Another value at the same place, the same id;
    // the same value elsewhere, another id.
    let unkeyed_a = ids(&a, &[]);
    assert!(unkeyed_a[0].starts_with("loc:"), "{unkeyed_a:?}");
    assert_eq!(ids(&a, &[]), unkeyed_a, "stable across scans");
    w(
        &a.join("app/settings.yml"),
        "password: Zr8-Other-Value-3301\n",
    );
    assert_eq!(ids(&a, &[]), unkeyed_a, "does not depend on the secret");
    assert_ne!(ids(&b, &[]), unkeyed_a);
}

#[test]
fn bad_secret_id_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "Tz9-short").unwrap();
    for (key, expect) in [
        (empty.clone(), "empty"),
        (short, "too short"),
        (dir.path().join("missing"), "cannot read"),
    ] {
        let out = resetgap()
            .args(["scan", "fixtures/estate", "--secret-id-key"])
            .arg(&key)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", key.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--secret-id-key") && err.contains(expect),
            "{err}"
        );
        assert!(!err.contains("Tz9-short"), "{err}");
    }
    let out = resetgap()
        .env("RESETGAP_SECRET_ID_KEY", "")
        .args(["scan", "fixtures/estate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RESETGAP_SECRET_ID_KEY"));
}

/// The README's shadow redaction recipe, exactly as written there.
fn readme_shadow_recipe() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| {
            l.trim_start().starts_with("sed ") && l.ends_with("/etc/shadow > HOST/etc/shadow")
        })
        .expect("README holds the shadow redaction recipe");
    line.trim().to_string()
}

#[test]
fn redacted_shadow_gives_byte_identical_findings() {
    let recipe = readme_shadow_recipe();
    let program = recipe
        .strip_suffix(" /etc/shadow > HOST/etc/shadow")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("estate");
    copy_tree(&root().join("fixtures/estate"), &copy);
    let mut redacted = 0;
    let mut all = String::new();
    for host in std::fs::read_dir(copy.join("hosts")).unwrap() {
        let shadow = host.unwrap().path().join("etc/shadow");
        if !shadow.is_file() {
            continue;
        }
        let original = std::fs::read_to_string(&shadow).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{program} \"$1\""))
            .arg("sh")
            .arg(&shadow)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // Every hash is cut to its state: no `$id$` keeps anything after its scheme.
        assert_eq!(text.lines().count(), original.lines().count());
        assert!(!text.contains("SYNTHETIC"), "{text}");
        all.push_str(&text);
        std::fs::write(&shadow, text).unwrap();
        redacted += 1;
    }
    assert_eq!(redacted, 3, "db01, legacy01 and web01");
    // Set, locked and no-password entries all keep their state.
    for state in [":$y$:", ":!$y$:", ":*:"] {
        assert!(all.contains(state), "{state} in {all}");
    }
    let report = |tree: &Path| {
        // One tree is in the checkout, the copy is not: compare URIs from the scanned directory.
        let (code, stdout, stderr) = run(tree, &["--format", "sarif", "--uri-root", "scanned"]);
        assert!(matches!(code, 0 | 1), "{stderr}");
        stdout
    };
    let original = report(&root().join("fixtures/estate"));
    assert!(original.contains("RG301"), "the hosts produce findings");
    assert_eq!(report(&copy), original);
}
