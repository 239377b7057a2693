//! Tests of the directory source's public API on the fixtures in `fixtures/sources/directory`
//! (regenerate them with `make_fixtures.py` there) and on small inline exports.

use super::*;
use crate::inventory::{
    AccountKind, AccountScope, Credential, CredentialKind, DirectoryAccount, DirectoryFlags,
    DirectoryObject, IssuedBasis, Laps, PasswordState, Privilege, TimePrecision, When,
};

fn fixture(name: &str) -> Output {
    let p = format!(
        "{}/fixtures/sources/directory/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let f = std::fs::File::open(&p).unwrap();
    parse_ldif(name, std::io::BufReader::new(f))
}

fn accounts(o: &Output) -> Vec<&Account> {
    o.records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn account<'a>(o: &'a Output, login: &str) -> &'a Account {
    accounts(o)
        .into_iter()
        .find(|a| a.login == login)
        .unwrap_or_else(|| panic!("no account {login}"))
}

fn dir<'a>(o: &'a Output, login: &str) -> &'a DirectoryAccount {
    account(o, login).directory.as_deref().unwrap()
}

fn creds(o: &Output) -> Vec<&Credential> {
    o.records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn groups_of(o: &Output, login: &str) -> Vec<(String, bool)> {
    o.records
        .iter()
        .filter_map(|r| match r {
            Record::Membership(m) if m.member == login => Some((m.group.clone(), m.primary)),
            _ => None,
        })
        .collect()
}

fn at(s: &str) -> When {
    When::parse_instant(s).unwrap()
}

/// Every LDIF file under `fixtures/`.
fn all_fixture_ldifs() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "ldif") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out.sort();
    out
}

#[test]
fn the_requested_attributes_are_exactly_those_the_adapters_read() {
    ldif::LOOKED_UP.with(|l| l.borrow_mut().clear());
    let files = all_fixture_ldifs();
    assert!(files.len() > 20, "{files:?}");
    for f in &files {
        let text = std::fs::read(f).unwrap();
        let _ = parse_ldif(&f.display().to_string(), &text[..]);
    }
    let looked_up = ldif::LOOKED_UP.with(|l| l.borrow().clone());
    let requested: std::collections::BTreeSet<String> = attributes()
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let missing: Vec<&String> = looked_up.difference(&requested).collect();
    assert!(
        missing.is_empty(),
        "read by an adapter but not requested live: {missing:?} (add them to ad::ATTRIBUTES or openldap::ATTRIBUTES)"
    );
    let unused: Vec<&String> = requested.difference(&looked_up).collect();
    assert!(
        unused.is_empty(),
        "requested live but read by no adapter: {unused:?}"
    );
    assert_eq!(attributes().len(), requested.len(), "listed once each");
    // Nothing secret-bearing is requested except what the adapters count or test for presence.
    for a in redact::PRESENCE_ONLY {
        if requested.contains(&a.to_ascii_lowercase()) {
            assert!(
                [
                    "unicodepwd",
                    "mssfu30password",
                    "os400password",
                    "sambantpassword",
                    "sambalmpassword",
                    "krbprincipalkey"
                ]
                .contains(&a.to_ascii_lowercase().as_str()),
                "{a} is requested"
            );
        }
    }
}

/// AD's own attribute types, which `ad::is_ad` tests for: a directory that is not AD defines none.
const AD_ONLY: [&str; 3] = ["samaccountname", "objectsid", "useraccountcontrol"];

#[test]
fn a_directory_that_is_not_ad_is_asked_for_every_attribute_its_entries_are_read_for() {
    ldif::LOOKED_UP.with(|l| l.borrow_mut().clear());
    let mut read = 0;
    for f in all_fixture_ldifs() {
        let text = std::fs::read(&f).unwrap();
        let lower = String::from_utf8_lossy(&text).to_ascii_lowercase();
        if AD_ONLY.iter().any(|a| lower.contains(a)) || lower.contains("attributeschema") {
            continue;
        }
        read += 1;
        let _ = parse_ldif(&f.display().to_string(), &text[..]);
    }
    assert!(read > 5, "{read} OpenLDAP fixtures");
    let looked_up = ldif::LOOKED_UP.with(|l| l.borrow().clone());
    let requested: std::collections::BTreeSet<String> = attributes_for(ServerKind::Other)
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let missing: Vec<&String> = looked_up
        .iter()
        .filter(|a| !requested.contains(*a) && !AD_ONLY.contains(&a.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "read of an OpenLDAP entry but not requested from a server that is not AD: {missing:?}"
    );
    for a in [
        "objectsid",
        "ntsecuritydescriptor",
        "samaccountname",
        "pwdlastset",
    ] {
        assert!(!requested.contains(a), "{a} is requested from OpenLDAP");
    }
    assert!(requested.contains("objectclass") && requested.contains("pwdchangedtime"));
    // AD and an unknown server get every name, once each.
    assert_eq!(attributes_for(ServerKind::ActiveDirectory), attributes());
    assert_eq!(attributes_for(ServerKind::Unknown), attributes());
}

#[test]
fn redacted_exports_give_the_same_records() {
    // An export whose secret-bearing values were reduced (as the live source saves them) reads
    // exactly as the original: presence, scheme and count are all the adapters use.
    let mut checked = 0;
    for f in all_fixture_ldifs() {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        if text.contains("\n ") || text.contains("\r") {
            continue; // folded or CRLF files: the line-wise reduction below would not apply
        }
        let mut reduced = String::new();
        let mut changed = false;
        for line in text.lines() {
            match line.split_once(':') {
                Some((name, value)) if !name.starts_with('#') && !name.is_empty() => {
                    let (b64, value) = match value.strip_prefix(':') {
                        Some(v) => (true, v.trim()),
                        None => (false, value.trim()),
                    };
                    let bytes = if b64 {
                        ldif::decode_base64(value.as_bytes()).unwrap_or_default()
                    } else {
                        value.as_bytes().to_vec()
                    };
                    let kept = redact::saved(name, &bytes);
                    if kept.as_ref() != bytes.as_slice() {
                        changed = true;
                        reduced.push_str(&format!("{name}: {}\n", String::from_utf8_lossy(&kept)));
                    } else {
                        reduced.push_str(line);
                        reduced.push('\n');
                    }
                }
                _ => {
                    reduced.push_str(line);
                    reduced.push('\n');
                }
            }
        }
        if !changed {
            continue;
        }
        let name = f.display().to_string();
        let strip = |o: Output| format!("{:?}", o.records);
        assert_eq!(
            strip(parse_ldif_text(&name, &reduced)),
            strip(parse_ldif_text(&name, &text)),
            "{name}"
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "fixtures with secret-bearing values: {checked}"
    );
}

#[test]
fn sniffs_ldif_by_content() {
    assert!(sniff_ldif("version: 1\ndn: cn=a\n"));
    assert!(sniff_ldif("version: 1\n\n# comment\ndn: cn=a\n"));
    // A Python logging dictConfig (and any YAML) starting with `version: 1` is not LDIF.
    assert!(!sniff_ldif(
        "version: 1\ndisable_existing_loggers: false\nhandlers:\n  console:\n"
    ));
    assert!(sniff_ldif(
        "version: 1\n\n# search result\n# numResponses: 1\n"
    ));
    assert!(sniff_ldif("dn: CN=x,DC=corp\r\n"));
    assert!(sniff_ldif("DN:: Y249YQ==\n"));
    assert!(sniff_ldif(
        "# extended LDIF\n#\n# LDAPv3\n# base <dc=x> with scope\n  subtree\n\nversion: 1\n"
    ));
    assert!(sniff_ldif("\u{feff}dn: cn=a"));
    assert!(!sniff_ldif("version: 2\n"));
    assert!(!sniff_ldif("username,password\n"));
    assert!(!sniff_ldif("# only comments\n"));
    assert!(!sniff_ldif(" dn: indented\n"));
    assert!(!sniff_ldif(""));
}

#[test]
fn system_is_the_dns_domain_of_the_dn() {
    assert_eq!(
        system_of("CN=Carol,CN=Users,DC=corp,DC=example,DC=test"),
        "corp.example.test"
    );
    assert_eq!(
        system_of("uid=a,ou=people,dc=Example,dc=TEST"),
        "example.test"
    );
    assert_eq!(system_of("cn=a,ou=people,o=Acme"), "acme");
    assert_eq!(system_of(""), "");
}

#[test]
fn dn_parsing_and_keys() {
    let rdns = parse_dn(r"CN=Smith\, John,OU=Sales\2C EU,DC=x");
    assert_eq!(rdns[0][0], ("cn".to_string(), "Smith, John".to_string()));
    assert_eq!(rdns[1][0].1, "Sales, EU");
    assert_eq!(
        dn_key("CN=Domain Admins, CN=Users,DC=Corp"),
        dn_key("cn=domain admins,cn=users,dc=corp")
    );
    assert_ne!(dn_key(r"CN=a\,b,DC=x"), dn_key("CN=a,CN=b,DC=x"));
    assert_eq!(parse_dn("cn=a+uid=b,dc=x")[0].len(), 2);
    // The key's exact form: lower case, RDNs by `,`, AVAs by `+`, specials escaped.
    assert_eq!(
        dn_key(r"CN=A\,B + UID=X\=y,DC=Corp;O=Test"),
        r"cn=a\,b+uid=x\=y,dc=corp,o=test"
    );
    assert_eq!(
        first_rdn_value("CN=Tier0 Operators,OU=Groups,DC=x").unwrap(),
        "Tier0 Operators"
    );
    // never panics
    for dn in ["\\", "=,=,", "\"unterminated", "cn=\\4", ",,,", "+"] {
        let _ = dn_key(dn);
        let _ = system_of(dn);
    }
}

#[test]
fn generalized_time_forms() {
    let g = |s: &str| generalized_time(s).map(When::Known);
    assert_eq!(g("20240101120000.0Z"), Some(at("2024-01-01T12:00:00Z")));
    assert_eq!(g("20240101120000Z"), Some(at("2024-01-01T12:00:00Z")));
    assert_eq!(g("202401011200Z"), Some(at("2024-01-01T12:00:00Z")));
    assert_eq!(g("2024010112Z"), Some(at("2024-01-01T12:00:00Z")));
    assert_eq!(g("20240101120000+0200"), Some(at("2024-01-01T10:00:00Z")));
    assert_eq!(g("20240101120000-05"), Some(at("2024-01-01T17:00:00Z")));
    assert_eq!(g("2024010112.5Z"), Some(at("2024-01-01T12:30:00Z")));
    assert_eq!(
        generalized_time("20240101120000,5Z")
            .unwrap()
            .subsec_nanosecond(),
        500_000_000
    );
    assert_eq!(
        generalized_time("20261030101010.123456Z")
            .unwrap()
            .subsec_nanosecond(),
        123_456_000
    );
    assert_eq!(g("20161231235960Z"), Some(at("2016-12-31T23:59:59Z")));
    // ppolicy's permanent lock: a valid time before the epoch, never a date for rules
    assert_eq!(
        generalized_time("000001010000Z").map(When::from_timestamp),
        Some(When::Unknown)
    );
    for bad in [
        "",
        "2024",
        "20240101120000",
        "20241301120000Z",
        "2024-01-01",
        "20240101120000.Z",
        "20240101120000+2500",
    ] {
        assert_eq!(generalized_time(bad), None, "{bad}");
    }
}

#[test]
fn ad_fixture_accounts() {
    let o = fixture("ad-corp.ldif");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let logins: Vec<&str> = accounts(&o).iter().map(|a| a.login.as_str()).collect();
    assert_eq!(
        logins,
        [
            "Administrator",
            "krbtgt",
            "carol",
            "grace",
            "alice",
            "dave",
            "erin",
            "svc-sql",
            "bob",
            "frank",
            "henry",
            "ivan",
            "WS01$",
            "WS02$",
            "WS03$",
            "DC01$",
            "PARTNER$"
        ]
    );
    for a in accounts(&o) {
        assert_eq!(a.source, SourceKind::ActiveDirectory);
        assert_eq!(a.system, "corp.example.test");
    }

    let carol = account(&o, "carol");
    assert_eq!(carol.kind, AccountKind::Human);
    assert_eq!(carol.enabled, Some(true));
    assert_eq!(carol.password, PasswordState::Set);
    assert_eq!(carol.expires, When::Never);
    assert_eq!(carol.created, at("2021-02-01T09:00:00Z"));
    assert_eq!(carol.password_last_set, at("2026-10-01T08:30:00Z"));
    assert_eq!(carol.evidence, Evidence::at("ad-corp.ldif", 57));
    assert_eq!(
        carol.aliases,
        [
            "carol@corp.example.test",
            "carol@example.test",
            "CN=Carol,CN=Users,DC=corp,DC=example,DC=test"
        ]
    );

    // refreshed 0 then -1: pwdLastSet is recent, the password itself is old
    let grace = dir(&o, "grace");
    assert_eq!(grace.pwd_last_set, at("2026-10-15T14:02:11Z"));
    assert_eq!(grace.password_changed, at("2024-02-10T11:00:00Z"));
    assert_eq!(grace.pwd_last_set_written, at("2026-10-15T14:02:11Z"));
    let ga = account(&o, "grace");
    assert_eq!(ga.password_last_set, at("2024-02-10T11:00:00Z"));
    // the evidence is the replPropertyMetaData line
    assert_eq!(
        ga.password_evidence,
        Some(Evidence::at("ad-corp.ldif", 111))
    );

    // no metadata: pwdLastSet is the last change, proven by its line
    let alice = account(&o, "alice");
    assert_eq!(alice.password_last_set, at("2023-05-01T07:45:00Z"));
    assert_eq!(
        alice.password_evidence,
        Some(Evidence::at("ad-corp.ldif", 130))
    );

    let krbtgt = account(&o, "krbtgt");
    assert_eq!(krbtgt.kind, AccountKind::Service);
    assert_eq!(krbtgt.enabled, Some(false));
    let kd = dir(&o, "krbtgt");
    assert_eq!(kd.object, DirectoryObject::Krbtgt);
    assert_eq!(kd.password_changed, at("2019-06-01T12:00:00Z"));
    assert!(kd.admin_count);
    assert_eq!(kd.spns, ["kadmin/changepw"]);

    let ivan = account(&o, "ivan");
    assert_eq!(ivan.password, PasswordState::PendingChange);
    assert!(dir(&o, "ivan").must_change);
    assert_eq!(dir(&o, "ivan").pwd_last_set, When::Unknown);

    let svc = account(&o, "svc-sql");
    assert_eq!(svc.kind, AccountKind::Service);
    assert_eq!(dir(&o, "svc-sql").spns.len(), 2);
    assert_eq!(dir(&o, "svc-sql").uac, Some(66048));
    assert_eq!(
        dir(&o, "bob").uac.unwrap() & ad::UAC_DONT_REQ_PREAUTH,
        ad::UAC_DONT_REQ_PREAUTH
    );
    assert_eq!(
        dir(&o, "frank").uac.unwrap() & ad::UAC_ENCRYPTED_TEXT_PWD_ALLOWED,
        ad::UAC_ENCRYPTED_TEXT_PWD_ALLOWED
    );
    // Rules read the decoded flags, never the bits.
    assert!(dir(&o, "bob").flags.preauth_not_required);
    assert!(dir(&o, "frank").flags.reversible_encryption);
    assert!(!dir(&o, "frank").flags.preauth_not_required);
    // 66048 = NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
    let svc_flags = dir(&o, "svc-sql").flags;
    assert!(svc_flags.password_never_expires && !svc_flags.disabled);
    assert!(o
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .all(|a| a.scope == AccountScope::Domain && a.password_precision == TimePrecision::Second));
    assert_eq!(
        dir(&o, "henry").readable_password_attributes,
        ["userPassword", "unixUserPassword"]
    );
    assert!(dir(&o, "carol").readable_password_attributes.is_empty());
    assert_eq!(dir(&o, "carol").last_logon, at("2026-10-29T09:00:00Z"));

    assert_eq!(dir(&o, "WS01$").laps, Laps::Missing);
    assert_eq!(dir(&o, "WS01$").object, DirectoryObject::Computer);
    assert_eq!(account(&o, "WS01$").kind, AccountKind::Service);
    assert_eq!(
        dir(&o, "WS02$").laps,
        Laps::Expires(at("2026-06-01T00:00:00Z"))
    );
    assert_eq!(
        dir(&o, "WS03$").laps,
        Laps::Expires(at("2026-11-20T00:00:00Z"))
    );
    assert_eq!(dir(&o, "DC01$").object, DirectoryObject::DomainController);
    assert_eq!(dir(&o, "DC01$").laps, Laps::NotApplicable);
    assert_eq!(dir(&o, "PARTNER$").object, DirectoryObject::Trust);
    assert_eq!(account(&o, "PARTNER$").kind, AccountKind::Service);
}

#[test]
fn ad_fixture_privileged_groups_by_rid() {
    let o = fixture("ad-corp.ldif");
    // direct member
    assert_eq!(
        dir(&o, "Administrator").privileged_groups,
        ["Domain Admins"]
    );
    // primaryGroupID 512, not in memberOf
    assert_eq!(dir(&o, "alice").privileged_groups, ["Domain Admins"]);
    // Tier0 Operators is nested into Domain Admins
    assert_eq!(dir(&o, "dave").privileged_groups, ["Domain Admins"]);
    // builtin S-1-5-32-551
    assert_eq!(dir(&o, "svc-sql").privileged_groups, ["Backup Operators"]);
    // DCs by primary group 516
    assert_eq!(dir(&o, "DC01$").privileged_groups, ["Domain Controllers"]);
    // orphan adminCount: in a Helpdesk <-> Support cycle, nothing privileged
    assert!(dir(&o, "erin").admin_count);
    assert!(dir(&o, "erin").privileged_groups.is_empty());
    assert!(dir(&o, "carol").privileged_groups.is_empty());
}

#[test]
fn ad_fixture_memberships() {
    let o = fixture("ad-corp.ldif");
    assert_eq!(
        groups_of(&o, "alice"),
        [
            ("Domain Admins".to_string(), true),
            ("Domain Users".to_string(), false)
        ]
    );
    assert_eq!(
        groups_of(&o, "dave"),
        [
            ("Domain Users".to_string(), true),
            ("Tier0 Operators".to_string(), false)
        ]
    );
    // direct only: the nesting is in privileged_groups, not in memberships
    assert!(!groups_of(&o, "dave")
        .iter()
        .any(|(g, _)| g == "Domain Admins"));
    let m = o
        .records
        .iter()
        .find_map(|r| match r {
            Record::Membership(m) if m.member == "dave" && !m.primary => Some(m),
            _ => None,
        })
        .unwrap();
    assert_eq!(m.evidence, Evidence::at("ad-corp.ldif", 155));
    assert_eq!(m.system, "corp.example.test");
    // Tier0 Operators is nested into Domain Admins: membership makes dave an administrator of
    // the directory. Domain Users grants nothing.
    assert_eq!(m.grants, Some(Privilege::Admin));
    let grants_of = |login: &str, group: &str| {
        o.records.iter().find_map(|r| match r {
            Record::Membership(m) if m.member == login && m.group == group => Some(m.grants),
            _ => None,
        })
    };
    assert_eq!(
        grants_of("alice", "Domain Admins"),
        Some(Some(Privilege::Admin))
    );
    assert_eq!(grants_of("alice", "Domain Users"), Some(None));
}

#[test]
fn uac_decodes_into_flags() {
    let f = ad::decode_uac(0x2 | 0x20 | 0x80 | 0x10000 | 0x400000);
    assert!(f.disabled && f.password_not_required && f.reversible_encryption);
    assert!(f.password_never_expires && f.preauth_not_required);
    assert_eq!(ad::decode_uac(0x200), DirectoryFlags::default());
    assert!(ad::decode_uac(0x200).is_empty());
}

#[test]
fn ad_fixture_credentials() {
    let o = fixture("ad-corp.ldif");
    let c = creds(&o);
    let carol = c
        .iter()
        .find(|c| c.owner.as_ref().is_some_and(|o| o.login == "carol"))
        .unwrap();
    assert_eq!(carol.kind, CredentialKind::KeyCredential);
    assert!(carol.id.starts_with("KeyID:"));
    assert_eq!(carol.label, "msDS-KeyCredentialLink key (NGC)");
    assert_eq!(carol.issued, at("2025-08-27T22:14:05Z"));
    assert_eq!(carol.issued_basis, IssuedBasis::Recorded);
    assert_eq!(carol.last_used, at("2026-10-28T06:00:00Z"));
    assert_eq!(
        carol.owner.as_ref().unwrap().system.as_deref(),
        Some("corp.example.test")
    );
    assert_eq!(carol.evidence, Evidence::at("ad-corp.ldif", 79));
    // the key predates the reset
    assert_eq!(
        carol.issued.before(account(&o, "carol").password_last_set),
        Some(true)
    );

    let maps: Vec<&&Credential> = c
        .iter()
        .filter(|c| c.kind == CredentialKind::IdentityMapping)
        .collect();
    assert_eq!(maps.len(), 2);
    assert_eq!(maps[0].label, "altSecurityIdentities X509 mapping");
    assert_eq!(maps[0].detail.as_deref(), Some("X509:<I><SR>"));
    assert_eq!(maps[1].label, "altSecurityIdentities Kerberos mapping");
    assert!(maps
        .iter()
        .all(|m| m.id.starts_with("sha256:") && m.id.len() == 19));
    assert!(maps.iter().all(|m| m.issued == When::Unknown));
}

#[test]
fn no_secret_reaches_records_or_diagnostics() {
    for f in [
        "ad-corp.ldif",
        "openldap-example.ldif",
        "malformed.ldif",
        "ad-corp-ldifde.ldif",
    ] {
        let o = fixture(f);
        let json = serde_json::to_string(&o.records).unwrap();
        let diags: String = o.diagnostics.iter().map(|d| d.to_string()).collect();
        for needle in ["Spring-", "{SSHA}", "{crypt}", "{CRYPT}", "$6$", "e1NTSEF9"] {
            assert!(!json.contains(needle), "{f}: {needle}");
            assert!(!diags.contains(needle), "{f}: {needle}");
        }
    }
}

#[test]
fn ldifde_variant_matches_ldapsearch() {
    let a = fixture("ad-corp.ldif");
    let b = fixture("ad-corp-ldifde.ldif");
    assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
    let strip = |o: &Output| {
        o.records
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap();
                strip_evidence(&mut v);
                v
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a), strip(&b));
    assert!(!b.records.is_empty());
}

fn strip_evidence(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("line");
            m.remove("path");
            m.values_mut().for_each(strip_evidence);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_evidence),
        _ => {}
    }
}

#[test]
fn openldap_fixture() {
    let o = fixture("openldap-example.ldif");
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
    let logins: Vec<&str> = accounts(&o).iter().map(|a| a.login.as_str()).collect();
    assert_eq!(
        logins,
        ["alice", "bob", "carol", "dave", "svc-backup", "frank"]
    );
    for a in accounts(&o) {
        assert_eq!(a.source, SourceKind::OpenLdap);
        assert_eq!(a.system, "example.test");
    }
    let alice = account(&o, "alice");
    assert_eq!(alice.password_last_set, at("2026-03-01T10:15:00Z"));
    assert_eq!(
        alice.password_evidence,
        Some(Evidence::at("openldap-example.ldif", 47))
    );
    assert_eq!(alice.uid, Some(10001));
    assert_eq!(alice.home.as_deref(), Some("/home/alice"));
    assert_eq!(alice.aliases[0], "alice@example.test");
    assert_eq!(dir(&o, "alice").last_logon, at("2026-10-31T08:00:00Z"));
    // userPassword is the password itself: not a readable copy
    assert!(dir(&o, "alice").readable_password_attributes.is_empty());

    assert_eq!(account(&o, "bob").password, PasswordState::PendingChange);
    assert!(dir(&o, "bob").must_change);
    assert!(dir(&o, "carol").locked);

    // no pwdChangedTime: unknown, never "never"; createTimestamp is only `created`
    let dave = account(&o, "dave");
    assert_eq!(dave.password_last_set, When::Unknown);
    assert_eq!(dave.password, PasswordState::Unknown);
    assert_eq!(dave.created, at("2025-02-02T02:02:02Z"));

    let frank = account(&o, "frank");
    assert_eq!(frank.password, PasswordState::PendingChange);
    assert_eq!(frank.expires, When::Never);
    assert_eq!(
        dir(&o, "frank").readable_password_attributes,
        ["userPassword (2 values)"]
    );
    assert_eq!(account(&o, "svc-backup").kind, AccountKind::Unknown);

    let c = creds(&o);
    let ssh: Vec<&&Credential> = c
        .iter()
        .filter(|c| c.kind == CredentialKind::SshKey)
        .collect();
    assert_eq!(ssh.len(), 3);
    assert!(ssh
        .iter()
        .all(|k| k.id.starts_with("SHA256:") && k.label == "ssh-ed25519 key"));
    assert_eq!(ssh[0].owner.as_ref().unwrap().login, "alice");
    let nt = c
        .iter()
        .find(|c| c.id == "sambaNTPassword:svc-backup")
        .unwrap();
    assert_eq!(nt.kind, CredentialKind::SecondaryHash);
    assert_eq!(nt.issued, at("2023-04-04T04:04:04Z"));
    assert_eq!(nt.issued_basis, IssuedBasis::Recorded);
    let krb = c
        .iter()
        .find(|c| c.id == "krbPrincipalKey:svc-backup")
        .unwrap();
    assert_eq!(krb.issued, at("2023-04-04T04:04:04Z"));
    // the secondary hash is older than the password
    assert_eq!(
        nt.issued
            .before(account(&o, "svc-backup").password_last_set),
        Some(true)
    );

    assert_eq!(
        groups_of(&o, "alice"),
        [
            ("developers".to_string(), true),
            ("ldap-admins".to_string(), false)
        ]
    );
    // listed members without an account entry are still memberships
    assert_eq!(groups_of(&o, "ghost"), [("developers".to_string(), false)]);
    assert_eq!(
        groups_of(&o, "former"),
        [("ldap-admins".to_string(), false)]
    );
}

/// Issue 8: entries of other person and account classes are accounts, an entry with a `uid`
/// that no class makes an account is noted, `userPassword` sentinels are not set passwords,
/// and Samba's placeholders are no hash (so RG108 has nothing to report for them).
#[test]
fn openldap_edge_fixture() {
    let o = fixture("openldap-edge.ldif");
    let logins: Vec<&str> = accounts(&o).iter().map(|a| a.login.as_str()).collect();
    assert_eq!(
        logins,
        [
            "bjensen",
            "pilot",
            "host1",
            "locked",
            "empty",
            "cryptempty",
            "twovalues",
            "smb-nopw",
            "smb-disabled",
            "custom"
        ]
    );
    // Person classes (RFC 4519, RFC 1274, OpenLDAP's openldap.schema) are people.
    for login in ["bjensen", "pilot", "locked"] {
        assert_eq!(account(&o, login).kind, AccountKind::Human, "{login}");
        assert_eq!(dir(&o, login).object, DirectoryObject::User, "{login}");
    }
    assert_eq!(account(&o, "host1").kind, AccountKind::Unknown);
    // What a simple bind can do with each userPassword (tests/ldap.rs binds to slapd 2.5.13
    // with each of these values: the verdicts below are slapd's).
    let state = |login: &str| account(&o, login).password;
    assert_eq!(state("bjensen"), PasswordState::Set);
    // `*` without a scheme is the clear-text password `*`: slapd accepts a bind with it.
    assert_eq!(state("pilot"), PasswordState::Set);
    // `{CRYPT}*`: crypt(3) never yields `*`, so no bind matches.
    assert_eq!(state("host1"), PasswordState::NoPassword);
    // `{CRYPT}!<hash>`: the right password no longer binds; the hash is kept (shadow's `!`).
    assert_eq!(state("locked"), PasswordState::Locked);
    // An empty value: an empty password is an unauthenticated bind, refused (RFC 4513 §5.1.2).
    assert_eq!(state("empty"), PasswordState::NoPassword);
    assert_eq!(state("cryptempty"), PasswordState::NoPassword);
    // slapd accepts a bind that matches any value.
    assert_eq!(state("twovalues"), PasswordState::Set);
    assert_eq!(state("custom"), PasswordState::Set);
    // Samba's placeholders are no hash; a value that is not 32 hex digits is reported.
    assert!(
        creds(&o)
            .iter()
            .all(|c| c.kind != CredentialKind::SecondaryHash),
        "{:?}",
        creds(&o)
    );
    let notes: Vec<(u32, &str)> = o
        .diagnostics
        .iter()
        .map(|d| (d.location.line.unwrap_or(0), d.message.as_str()))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].0, 74);
    assert!(notes[0]
        .1
        .starts_with("sambaLMPassword is neither 32 hex digits"));
    assert_eq!(notes[1].0, 82);
    assert!(
        notes[1]
            .1
            .contains("object classes exampleDevice, none of them a person or login-account class"),
        "{}",
        notes[1].1
    );
    assert_eq!(o.diagnostics[1].severity, Severity::Note);
}

#[test]
fn malformed_fixture_keeps_going() {
    let o = fixture("malformed.ldif");
    let lines: Vec<u32> = o
        .diagnostics
        .iter()
        .filter_map(|d| d.location.line)
        .collect();
    assert_eq!(
        lines,
        [4, 10, 11, 12, 14, 15, 16, 17, 18, 20, 24, 25, 28, 39, 40]
    );
    let b1 = account(&o, "broken1");
    assert_eq!(dir(&o, "broken1").uac, None);
    assert_eq!(b1.enabled, None);
    assert_eq!(b1.created, When::Unknown);
    assert_eq!(account(&o, "broken2").enabled, Some(false));
    assert_eq!(account(&o, "broken2").expires, When::Unknown);
    assert_eq!(account(&o, "ok").password_last_set, When::Unknown);
    // the truncated key link is still a key credential, of unknown age
    let k = creds(&o)
        .into_iter()
        .find(|c| c.kind == CredentialKind::KeyCredential)
        .unwrap();
    assert_eq!(k.issued, When::Unknown);
    assert!(o
        .diagnostics
        .iter()
        .any(|d| d.message.contains("KeyCredentialLink") && d.message.contains("truncated")));
}

const DOMAIN: &str = "DC=corp,DC=example,DC=test";

fn ad_sid(rid: u32) -> String {
    format!("S-1-5-21-1-2-3-{rid}")
}

#[test]
fn uac_pwdlastset_and_expiry_edge_cases() {
    let text = format!(
        "dn: CN=a,{DOMAIN}\nsAMAccountName: a\nuserAccountControl: 66050\npwdLastSet: 0\naccountExpires: 0\nlockoutTime: 133485408000000000\nlastLogonTimestamp: 0\n\n\
         dn: CN=b,{DOMAIN}\nsAMAccountName: b\nuserAccountControl: 512\naccountExpires: 133485408000000000\nlockoutTime: 0\n\n\
         dn: CN=c,{DOMAIN}\nsAMAccountName: c\nuserAccountControl: 512\npwdLastSet: -1\n"
    );
    let o = parse_ldif_text("t.ldif", &text);
    let a = account(&o, "a");
    assert_eq!(a.enabled, Some(false));
    assert_eq!(a.expires, When::Never);
    // pwdLastSet 0 with DONT_EXPIRE_PASSWORD: no change is forced
    assert!(!dir(&o, "a").must_change);
    assert!(dir(&o, "a").locked);
    assert_eq!(dir(&o, "a").last_logon, When::Never);
    let b = account(&o, "b");
    assert_eq!(b.expires, at("2024-01-01T00:00:00Z"));
    assert!(!dir(&o, "b").locked);
    assert_eq!(b.password, PasswordState::Unknown);
    // -1 is never read back; it is reported, not turned into a date
    assert_eq!(account(&o, "c").password_last_set, When::Unknown);
    assert_eq!(o.diagnostics.len(), 1);
    assert_eq!(o.diagnostics[0].location.line, Some(18));
}

#[test]
fn ranged_member_values_are_reported_incomplete() {
    let text = format!(
        "dn: CN=Big,{DOMAIN}\nobjectClass: group\nsAMAccountName: Big\nmember;range=0-1: CN=a,{DOMAIN}\nmember;range=0-1: CN=b,{DOMAIN}\n\n\
         dn: CN=Last,{DOMAIN}\nobjectClass: group\nsAMAccountName: Last\nmember;range=1500-*: CN=a,{DOMAIN}\n"
    );
    let o = parse_ldif_text("t.ldif", &text);
    assert_eq!(o.diagnostics.len(), 1, "{:?}", o.diagnostics);
    assert_eq!(o.diagnostics[0].kind, DiagKind::Incomplete);
    assert_eq!(o.diagnostics[0].location.line, Some(4));
}

#[test]
fn nesting_cycles_and_builtin_groups() {
    // G1 -> G2 -> G3 -> G1 (cycle), G3 is nested in Administrators (S-1-5-32-544)
    // through member values only; u is in G1 through memberOf.
    let text = format!(
        "dn: CN=u,{DOMAIN}\nsAMAccountName: u\nobjectSid: {u}\nprimaryGroupID: 513\nmemberOf: CN=G1,{DOMAIN}\n\n\
         dn: CN=G1,{DOMAIN}\nobjectClass: group\nsAMAccountName: G1\nobjectSid: {g1}\nmember: CN=G3,{DOMAIN}\n\n\
         dn: CN=G2,{DOMAIN}\nobjectClass: group\nsAMAccountName: G2\nobjectSid: {g2}\nmember: CN=G1,{DOMAIN}\n\n\
         dn: CN=G3,{DOMAIN}\nobjectClass: group\nsAMAccountName: G3\nobjectSid: {g3}\nmember: CN=G2,{DOMAIN}\n\n\
         dn: CN=Administrators,CN=Builtin,{DOMAIN}\nobjectClass: group\nsAMAccountName: Administrateurs\nobjectSid: S-1-5-32-544\nmember: CN=g3,{DOMAIN}\n\n\
         dn: CN=Domain Admins,{DOMAIN}\nobjectClass: group\nsAMAccountName: Domain Admins\nobjectSid: {fake}\nmember: CN=u,{DOMAIN}\n",
        u = ad_sid(1000),
        g1 = ad_sid(1001),
        g2 = ad_sid(1002),
        g3 = ad_sid(1003),
        // named "Domain Admins" but not RID 512: not privileged
        fake = ad_sid(1104),
    );
    let o = parse_ldif_text("t.ldif", &text);
    // localised name, decided by RID
    assert_eq!(dir(&o, "u").privileged_groups, ["Administrateurs"]);
    assert_eq!(
        groups_of(&o, "u"),
        [
            ("Domain Admins".to_string(), false),
            ("Domain Users".to_string(), true),
            ("G1".to_string(), false)
        ]
    );
}

#[test]
fn primary_group_resolved_by_sid() {
    let text = format!(
        "dn: CN=u,{DOMAIN}\nsAMAccountName: u\nobjectSid: {u}\nprimaryGroupID: 512\n\n\
         dn: CN=Admins du domaine,{DOMAIN}\nobjectClass: group\nsAMAccountName: Admins du domaine\nobjectSid: {da}\n",
        u = ad_sid(1000),
        da = ad_sid(512),
    );
    let o = parse_ldif_text("t.ldif", &text);
    assert_eq!(dir(&o, "u").privileged_groups, ["Admins du domaine"]);
    assert_eq!(
        groups_of(&o, "u"),
        [("Admins du domaine".to_string(), true)]
    );
}

#[test]
fn krbtgt_variants_and_msa() {
    let text = format!(
        "dn: CN=krbtgt_12345,{DOMAIN}\nsAMAccountName: krbtgt_12345\nuserAccountControl: 514\n\n\
         dn: CN=x,{DOMAIN}\nsAMAccountName: renamed\nobjectSid: {k}\nuserAccountControl: 514\n\n\
         dn: CN=gmsa,{DOMAIN}\nobjectClass: computer\nobjectClass: msDS-GroupManagedServiceAccount\nsAMAccountName: gmsa$\nuserAccountControl: 4096\n",
        k = ad_sid(502),
    );
    let o = parse_ldif_text("t.ldif", &text);
    assert_eq!(dir(&o, "krbtgt_12345").object, DirectoryObject::Krbtgt);
    assert_eq!(dir(&o, "renamed").object, DirectoryObject::Krbtgt);
    assert_eq!(dir(&o, "gmsa$").laps, Laps::NotApplicable);
}

#[test]
fn seamless_sso_account_is_a_computer_without_laps() {
    // Entra Seamless SSO's computer object (created by Entra Connect in CN=Computers) has no
    // local administrator: LAPS does not apply, unlike a workstation without it.
    let text = format!(
        "dn: CN=AZUREADSSOACC,CN=Computers,{DOMAIN}\nobjectClass: computer\nsAMAccountName: AZUREADSSOACC$\n\
         objectSid: {s}\nuserAccountControl: 4096\npwdLastSet: 133630467000000000\n\
         servicePrincipalName: HTTP/autologon.microsoftazuread-sso.com\n\n\
         dn: CN=WS09,OU=Workstations,{DOMAIN}\nobjectClass: computer\nsAMAccountName: WS09$\n\
         objectSid: {w}\nuserAccountControl: 4096\n",
        s = ad_sid(1105),
        w = ad_sid(1106),
    );
    let o = parse_ldif_text("t.ldif", &text);
    assert_eq!(dir(&o, "AZUREADSSOACC$").object, DirectoryObject::Computer);
    assert_eq!(dir(&o, "AZUREADSSOACC$").laps, Laps::NotApplicable);
    assert_eq!(dir(&o, "WS09$").laps, Laps::Missing);
}

#[test]
fn utf16_ldifde_export() {
    let text = format!("dn: CN=a,{DOMAIN}\r\nchangetype: add\r\nsAMAccountName: a\r\n\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let o = parse_ldif("u.ldif", std::io::Cursor::new(bytes));
    assert_eq!(account(&o, "a").evidence, Evidence::at("u.ldif", 1));
}

#[test]
fn empty_and_non_directory_files() {
    let o = parse_ldif_text("e.ldif", "# nothing\n");
    assert!(o.records.is_empty());
    assert_eq!(o.diagnostics.len(), 1);
    let o = parse_ldif_text("o.ldif", "dn: ou=x,dc=y\nobjectClass: organizationalUnit\n");
    assert!(o.records.is_empty());
    assert!(o.diagnostics.is_empty());
}

#[test]
fn many_entries_stream() {
    // 20,000 OpenLDAP users through a generating reader: no file in memory.
    struct Gen {
        n: u32,
        buf: Vec<u8>,
        pos: usize,
    }
    impl std::io::Read for Gen {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.pos == self.buf.len() {
                if self.n == 0 {
                    return Ok(0);
                }
                self.n -= 1;
                self.buf = format!(
                    "dn: uid=u{n},ou=people,dc=big,dc=test\nobjectClass: posixAccount\nuid: u{n}\nuidNumber: {n}\ngidNumber: 100\nhomeDirectory: /home/u{n}\npwdChangedTime: 20250101000000Z\n\n",
                    n = self.n
                )
                .into_bytes();
                self.pos = 0;
            }
            let n = (self.buf.len() - self.pos).min(out.len());
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    let g = Gen {
        n: 20_000,
        buf: Vec::new(),
        pos: 0,
    };
    let o = parse_ldif("big.ldif", std::io::BufReader::new(g));
    assert_eq!(accounts(&o).len(), 20_000);
    assert!(o.diagnostics.is_empty());
}

#[test]
fn mail_addresses_keep_smtp_proxies_once_and_drop_other_types() {
    let got = super::mail_addresses(
        ["J.Smith@example.org", " "],
        [
            "SMTP:j.smith@example.org",
            "smtp:john.smith@example.org",
            "X500:/o=ExchangeLabs/cn=Recipients/cn=jsmith",
            "sip:j.smith@example.org",
            "smtp:",
            "SMTP",
        ],
    );
    assert_eq!(got, ["J.Smith@example.org", "john.smith@example.org"]);
    assert!(super::mail_addresses(Vec::<&str>::new(), Vec::<&str>::new()).is_empty());
}

#[test]
fn object_sids_are_kept_on_ad_accounts() {
    let o = fixture("ad-corp-ldifde.ldif");
    let admin = accounts(&o)
        .into_iter()
        .find(|a| a.login == "Administrator")
        .expect("Administrator");
    // `objectSid::` base64 of the binary SID, decoded to string form (RID 500).
    assert_eq!(
        admin.sid.as_deref(),
        Some("S-1-5-21-1004336348-1177238915-682003330-500")
    );
    // Every AD account of the export has one; serialised in --emit-inventory.
    assert!(accounts(&o).iter().all(|a| a.sid.is_some()));
    let json = serde_json::to_string(admin).unwrap();
    assert!(json.contains("\"sid\":\"S-1-5-21-1004336348-1177238915-682003330-500\""));
    // OpenLDAP entries have none.
    let ldap = fixture("openldap-example.ldif");
    assert!(accounts(&ldap).iter().all(|a| a.sid.is_none()));
}

#[test]
fn a_malformed_object_sid_is_located_and_left_out() {
    let text =
        "dn: CN=x,CN=Users,DC=corp,DC=example,DC=test\nsAMAccountName: x\nobjectSid:: AQUAAAA=\n\n";
    let o = parse_ldif_text("bad-sid.ldif", text);
    let a = accounts(&o);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].sid, None);
    assert!(o
        .diagnostics
        .iter()
        .any(|d| d.message.contains("objectSid") && d.location.line == Some(3)));
}

/// Issue 13: a 60-level diamond of nested groups (2^60 paths from the user to Domain Admins) is
/// walked once per group, not once per path.
#[test]
fn nested_group_diamond_is_linear() {
    let mut text = format!(
        "dn: CN=Domain Admins,{DOMAIN}\nobjectClass: group\nsAMAccountName: Domain Admins\nobjectSid: {da}\nmember: CN=G1a,{DOMAIN}\nmember: CN=G1b,{DOMAIN}\n",
        da = ad_sid(512)
    );
    for i in 1..=60u32 {
        for (k, s) in ["a", "b"].iter().enumerate() {
            let members = if i < 60 {
                format!(
                    "member: CN=G{n}a,{DOMAIN}\nmember: CN=G{n}b,{DOMAIN}\n",
                    n = i + 1
                )
            } else {
                format!("member: CN=u,{DOMAIN}\n")
            };
            text.push_str(&format!(
                "\ndn: CN=G{i}{s},{DOMAIN}\nobjectClass: group\nsAMAccountName: G{i}{s}\nobjectSid: {sid}\n{members}",
                sid = ad_sid(2000 + 2 * i + k as u32)
            ));
        }
    }
    text.push_str(&format!(
        "\ndn: CN=u,{DOMAIN}\nsAMAccountName: u\nobjectSid: {u}\n",
        u = ad_sid(1000)
    ));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(parse_ldif_text("diamond.ldif", &text));
    });
    let o = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a 60-level diamond of groups is parsed within 20 s");
    assert_eq!(dir(&o, "u").privileged_groups, ["Domain Admins"]);
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
}

/// Issue 13: an LDIF cut mid-line, or ldapsearch output without its closing summary, is an
/// error (the entries after the cut are missing); a complete file is not.
#[test]
fn truncated_ldif_is_an_error() {
    let p = format!(
        "{}/fixtures/sources/directory/openldap-example.ldif",
        env!("CARGO_MANIFEST_DIR")
    );
    let full = std::fs::read_to_string(p).unwrap();
    assert!(parse_ldif_text("x.ldif", &full)
        .diagnostics
        .iter()
        .all(|d| !d.makes_incomplete()));
    let pos = full[..full.len() / 2].rfind('\n').unwrap();
    let cut = &full[..pos + 4];
    let errors: Vec<String> = parse_ldif_text("x.ldif", cut)
        .diagnostics
        .iter()
        .filter(|d| d.makes_incomplete())
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("ends in the middle of a line (truncated?)"),
        "{errors:?}"
    );
    // Cut at a line end: the missing summary tells.
    let at_line = &full[..full.len() / 2];
    let at_line = &at_line[..at_line.rfind('\n').unwrap() + 1];
    let errors: Vec<String> = parse_ldif_text("x.ldif", at_line)
        .diagnostics
        .iter()
        .filter(|d| d.makes_incomplete())
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("without its closing `# numEntries` summary"),
        "{errors:?}"
    );
}

/// Issue 13: a value longer than the 16 MiB line limit is truncated with a warning; a line that
/// ends in its newline is not a cut file, and the entries after it are read. Without the newline
/// it is one.
#[test]
fn a_long_line_is_not_a_cut_file() {
    let long = "x".repeat((16 << 20) + 100);
    let text = format!(
        "version: 1\n\ndn: uid=big,ou=people,dc=example,dc=test\nobjectClass: posixAccount\nuid: big\ndescription: {long}\n\n\
         dn: uid=small,ou=people,dc=example,dc=test\nobjectClass: posixAccount\nuid: small\n"
    );
    let out = parse_ldif_text("x.ldif", &text);
    let diags: Vec<String> = out.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        out.diagnostics.iter().all(|d| !d.makes_incomplete()),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.contains("x.ldif:6") && d.contains("longer than 16 MiB")),
        "{diags:?}"
    );
    assert!(accounts(&out).iter().any(|a| a.login == "small"));
    let cut = &text[..text.find("\n\ndn: uid=small").unwrap()];
    let out = parse_ldif_text("x.ldif", cut);
    let errors: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.makes_incomplete())
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("x.ldif:6"), "{errors:?}");
}
