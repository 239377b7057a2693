use super::*;
use crate::inventory::{CredentialKind, IssuedBasis, Record};
use crate::source::registry::Sniff;

/// Encrypts `password` as Group Policy Preferences does (UTF-16LE, AES-256-CBC with the
/// published key and a zero IV, PKCS#7, base64 without padding): how the fixtures' cpasswords
/// were made. Fake passwords only.
pub(super) fn gpp_encrypt(password: &str) -> String {
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine;
    let plain: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut buf = vec![0u8; plain.len() + 16];
    buf[..plain.len()].copy_from_slice(&plain);
    let enc = cbc::Encryptor::<aes::Aes256>::new(&gpp::KEY.into(), &[0u8; 16].into());
    let ct = enc
        .encrypt_padded_mut::<Pkcs7>(&mut buf, plain.len())
        .expect("buffer has room for the padding");
    STANDARD_NO_PAD.encode(ct)
}

/// The fake passwords the GPP fixtures hold, in the order they appear across the fixtures.
const FIXTURE_GPP_PASSWORDS: &[&str] = &[
    "ZZfake-LocalAdmin-2019!",
    "ZZfake-SqlSvc-Passw0rd",
    "ZZfake-Backup-Task#7",
    "ZZfake-Report-DSN-11",
    "ZZfake-Drive-Map-42",
    "ZZfake-Printer-Conn-5",
];

fn fixture(rel: &str) -> (String, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources/stores");
    let text = std::fs::read_to_string(root.join(rel)).expect("fixture");
    (format!("stores/{rel}"), text)
}

/// (line, kind, owner login, detail) of every credential, and the diagnostics' count.
/// (line, kind, owner login, detail) of one credential.
type Found = (u32, CredentialKind, Option<String>, String);

fn read(rel: &str) -> (Vec<Found>, usize) {
    let (path, text) = fixture(rel);
    let sniff = Sniff::new(&path, &text);
    let store = sniff_store(&sniff).unwrap_or_else(|| panic!("{rel} not recognised"));
    let out = parse(store, &path, &text, &SourceOptions::default());
    let creds = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some((
                c.evidence.line.unwrap_or(0),
                c.kind,
                c.owner.as_ref().map(|o| o.login.clone()),
                c.detail.clone().unwrap_or_default(),
            )),
            _ => None,
        })
        .collect();
    // No label, id or diagnostic carries a secret of the fixtures.
    let shown = format!("{:?}", out);
    assert!(
        !shown.contains("ZZfake-"),
        "{rel}: a secret leaked into a record"
    );
    (creds, out.diagnostics.len())
}

fn sniff_store(s: &Sniff<'_>) -> Option<Store> {
    sniff(s)
}

fn owned(login: &str) -> Option<String> {
    Some(login.to_string())
}

#[test]
fn htpasswd_every_format_is_an_app_password_of_its_user() {
    let (creds, diags) = read("web/.htpasswd");
    assert_eq!(diags, 0);
    let got: Vec<(u32, Option<String>, String)> = creds
        .iter()
        .map(|c| (c.0, c.2.clone(), c.3.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, owned("m.okafor"), "htpasswd:apr1-md5".into()),
            (3, owned("a.lund"), "htpasswd:sha1".into()),
            (4, owned("deploy"), "htpasswd:bcrypt".into()),
            (5, owned("legacy"), "htpasswd:des-crypt".into()),
            (6, owned("kiosk"), "htpasswd:plain".into()),
        ]
    );
    assert!(creds.iter().all(|c| c.1 == CredentialKind::AppPassword));
}

#[test]
fn htpasswd_by_content_needs_marked_hashes_and_never_takes_shadow_or_passwd() {
    let claims = |name: &str, text: &str| sniff(&Sniff::new(name, text));
    // By content: self-describing hashes only.
    let (_, text) = fixture("web/admin-users");
    assert_eq!(claims("web/admin-users", &text), Some(Store::Htpasswd));
    assert_eq!(claims("x/users", "kiosk:ZZfake-plain\n"), None);
    assert_eq!(
        claims("x/.htpasswd", "kiosk:ZZfake-plain\n"),
        Some(Store::Htpasswd)
    );
    assert_eq!(
        claims("x/site.htpasswd", "legacy:ZZfakeDEScryp\n"),
        Some(Store::Htpasswd)
    );
    // shadow, passwd, YAML, INI, a key-value file: never.
    let shadow = "root:$6$ZZfake$ZZfake:19000:0:99999:7:::\nm.okafor:$apr1$ZZfake01$ZZfakeZZfakeZZfakeZZfa:19000:0:99999:7:::\n";
    assert_eq!(claims("etc/shadow", shadow), None);
    assert_eq!(claims("etc/htpasswd", shadow), None);
    assert_eq!(
        claims("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
        None
    );
    assert_eq!(
        claims(
            "a.yml",
            "password: $2y$10$ZZfakeZZfakeZZfakeZZfakeZZfakeZZfakeZZfakeZZfakeZZfak\n"
        ),
        None
    );
    assert_eq!(claims("x/.htpasswd", ""), None);
    // A cut head: the incomplete last line does not decide.
    let long = format!(
        "{}m.okafor:$ap",
        "a.lund:$apr1$ZZfake01$ZZfakeZZfakeZZfakeZZfa\n".repeat(100)
    );
    assert_eq!(claims("x/users", &long), Some(Store::Htpasswd));
}

#[test]
fn password_manager_exports_are_owned_by_the_home_directory_login() {
    for (rel, tag, want) in [
        (
            "home/m.okafor/Downloads/keepass-export.xml",
            "keepass-xml",
            vec![18],
        ),
        (
            "home/m.okafor/Downloads/keepassxc.csv",
            "keepassxc-csv",
            vec![2],
        ),
        (
            "home/m.okafor/Downloads/bitwarden_export.json",
            "bitwarden-json",
            vec![27],
        ),
        (
            "home/m.okafor/Downloads/bitwarden_export.csv",
            "bitwarden-csv",
            vec![2],
        ),
        (
            "home/m.okafor/Downloads/1password-export.csv",
            "1password-csv",
            vec![2],
        ),
    ] {
        let (creds, diags) = read(rel);
        assert_eq!(diags, 0, "{rel}");
        assert_eq!(creds.iter().map(|c| c.0).collect::<Vec<_>>(), want, "{rel}");
        for c in &creds {
            assert_eq!(c.1, CredentialKind::PlaintextSecret, "{rel}");
            assert_eq!(c.2, owned("m.okafor"), "{rel}");
            assert_eq!(c.3, format!("pwexport:{tag}"), "{rel}");
        }
    }
}

#[test]
fn exporter_is_the_home_directory_login_or_nobody() {
    assert_eq!(
        home_login("home/m.okafor/Downloads/x.csv").as_deref(),
        Some("m.okafor")
    );
    assert_eq!(
        home_login("host1/home/a.lund/x.csv").as_deref(),
        Some("a.lund")
    );
    assert_eq!(
        home_login("C:\\Users\\a.lund\\Desktop\\x.csv").as_deref(),
        Some("a.lund")
    );
    assert_eq!(home_login("Users/Public/x.csv"), None);
    assert_eq!(home_login("root/x.csv"), None);
    assert_eq!(home_login("home/x.csv"), None);
    assert_eq!(home_login("exports/x.csv"), None);
}

#[test]
fn exports_are_recognised_by_their_own_columns_only() {
    let claims = |name: &str, text: &str| sniff(&Sniff::new(name, text));
    assert_eq!(claims("a.csv", "user,password,url\nx,ZZfake-1,y\n"), None);
    assert_eq!(
        claims("a.csv", "Title,Url,Username,Password\nx,y,z,ZZfake-1\n"),
        None
    );
    assert_eq!(
        claims(
            "report.csv",
            "user,arn,user_creation_time,password_enabled,password_last_used\n"
        ),
        None
    );
    assert_eq!(claims("a.json", "{\"items\": [{\"login\": {}}]}"), None);
    // An encrypted Bitwarden export is claimed and yields nothing.
    let enc =
        "{\n  \"encrypted\": true,\n  \"passwordProtected\": true,\n  \"data\": \"2.ZZfake\"\n}\n";
    let store = claims("bw.json", enc);
    assert_eq!(store, Some(Store::BitwardenJson));
    let out = parse(
        Store::BitwardenJson,
        "bw.json",
        enc,
        &SourceOptions::default(),
    );
    assert!(out.records.is_empty() && out.diagnostics.is_empty());
}

#[test]
fn keepass_history_and_protected_values_are_not_clear_text_entries() {
    let xml = "<KeePassFile><Meta/><Root><Group><Entry><String><Key>Password</Key>\
               <Value Protected=\"True\">ZZfakeB64=</Value></String></Entry></Group></Root></KeePassFile>";
    let out = parse(Store::KeePassXml, "k.xml", xml, &SourceOptions::default());
    assert!(out.records.is_empty());
    // The fixture's history holds an older password: one credential, the current one.
    let (creds, _) = read("home/m.okafor/Downloads/keepass-export.xml");
    assert_eq!(creds.len(), 1);
}

const GPP_DIR: &str =
    "sysvol/corp.example.org/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}/Machine/Preferences";

#[test]
fn gpp_fixtures_hold_our_fake_passwords_only() {
    let mut found = Vec::new();
    for f in [
        "Groups/Groups.xml",
        "Services/Services.xml",
        "ScheduledTasks/ScheduledTasks.xml",
        "DataSources/DataSources.xml",
        "Drives/Drives.xml",
        "Printers/Printers.xml",
    ] {
        let (_, text) = fixture(&format!("{GPP_DIR}/{f}"));
        let doc = roxmltree::Document::parse(&text).expect("xml");
        for n in doc.descendants() {
            if let Some(c) = n.attribute("cpassword") {
                found.push(gpp::decrypt(c).expect("decrypts"));
                // A changed fake password: put the value this assertion shows in the fixture.
                assert_eq!(c, gpp_encrypt(found.last().unwrap()), "{f}");
            }
        }
    }
    assert_eq!(found, FIXTURE_GPP_PASSWORDS);
}

#[test]
fn gpp_password_is_owned_by_the_domain_account_it_names_and_dated_by_changed() {
    let cases = [
        ("Groups/Groups.xml", 4, None, "gpp-cpassword:User"),
        (
            "Services/Services.xml",
            4,
            owned("svc-sql"),
            "gpp-cpassword:NTService",
        ),
        (
            "ScheduledTasks/ScheduledTasks.xml",
            4,
            owned("backup-op"),
            "gpp-cpassword:Task",
        ),
        (
            "DataSources/DataSources.xml",
            4,
            owned("report_svc@corp.example.org"),
            "gpp-cpassword:DataSource",
        ),
        (
            "Drives/Drives.xml",
            4,
            owned("m.okafor"),
            "gpp-cpassword:Drive",
        ),
        (
            "Printers/Printers.xml",
            4,
            owned("print-svc"),
            "gpp-cpassword:SharedPrinter",
        ),
    ];
    for (f, line, owner, detail) in cases {
        let (creds, diags) = read(&format!("{GPP_DIR}/{f}"));
        assert_eq!(diags, 0, "{f}");
        assert_eq!(
            creds,
            vec![(
                line,
                CredentialKind::PlaintextSecret,
                owner,
                detail.to_string()
            )],
            "{f}"
        );
    }
    let (path, text) = fixture(&format!("{GPP_DIR}/Groups/Groups.xml"));
    let out = parse(Store::GppXml, &path, &text, &SourceOptions::default());
    let Some(Record::Credential(c)) = out.records.first() else {
        panic!("no credential")
    };
    assert_eq!(c.issued_basis, IssuedBasis::Recorded);
    assert_eq!(
        crate::inventory::when::format_day(c.issued.known().unwrap()),
        "2019-03-04"
    );
    assert!(
        c.label.contains("local account Administrator (built-in)"),
        "{}",
        c.label
    );
}

#[test]
fn gpp_broken_or_empty_cpassword() {
    let o = SourceOptions::default();
    let head = "<Groups clsid=\"{3125E937-EB16-4b4c-9934-544FC6D24D26}\"><User clsid=\"{DF5F1855-51E5-4d24-8B1A-D9BDE98BA1D1}\" name=\"a\">";
    let bad = format!(
        "{head}<Properties userName=\"CORP\\a\" cpassword=\"not-base64!\"/></User></Groups>"
    );
    let out = parse(Store::GppXml, "Groups.xml", &bad, &o);
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    let empty = format!("{head}<Properties userName=\"CORP\\a\" cpassword=\"\"/></User></Groups>");
    let out = parse(Store::GppXml, "Groups.xml", &empty, &o);
    assert!(out.records.is_empty() && out.diagnostics.is_empty());
    let cut = &bad[..bad.len() - 10];
    let out = parse(Store::GppXml, "Groups.xml", cut, &o);
    assert!(out.records.is_empty());
    assert_eq!(out.diagnostics[0].severity, crate::diag::Severity::Error);
    // Recognition: a GPP root with clsid, and a cpassword or the conventional name.
    assert_eq!(
        sniff(&Sniff::new("x/Groups.xml", &empty)),
        Some(Store::GppXml)
    );
    assert_eq!(sniff(&Sniff::new("x/other.xml", &bad)), Some(Store::GppXml));
    assert_eq!(
        sniff(&Sniff::new(
            "x/other.xml",
            "<Groups><User name=\"a\"/></Groups>"
        )),
        None
    );
    assert_eq!(
        sniff(&Sniff::new(
            "x/pom.xml",
            "<project><password>x</password></project>"
        )),
        None
    );
}
