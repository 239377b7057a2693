use super::*;
use crate::inventory::Inventory;

fn t(s: &str) -> When {
    When::parse_instant(s).expect("instant")
}

fn entra_user(path: &str, line: u32) -> Account {
    let mut a = Account::new(
        SourceKind::EntraId,
        "entra:example.org",
        "m.okafor@example.org",
        Evidence::at(path, line),
    );
    a.kind = AccountKind::Human;
    a
}

/// The same account in a `$select` export (reset and session times) and a default "get user"
/// response (neither): whatever the files are called and whichever comes first, the known values
/// are kept.
#[test]
fn known_values_win_whatever_the_file_order() {
    let mut full = entra_user("b-select.json", 10);
    full.password_last_set = t("2026-08-03T14:22:51Z");
    full.password_evidence = Some(Evidence::at("b-select.json", 9));
    full.sessions_valid_from = t("2024-03-04T10:00:12Z");
    full.sessions_evidence = Some(Evidence::at("b-select.json", 10));
    full.enabled = Some(true);
    let mut bare = entra_user("a-get-user.json", 3);
    bare.aliases = vec!["00000000-0000-4000-8000-537468058460".into()];
    for records in [
        vec![Record::Account(bare.clone()), Record::Account(full.clone())],
        vec![Record::Account(full.clone()), Record::Account(bare.clone())],
    ] {
        let (inv, notes) = Inventory::merge(records);
        assert_eq!(inv.accounts.len(), 1);
        let a = &inv.accounts[0];
        assert_eq!(a.password_last_set, t("2026-08-03T14:22:51Z"));
        assert_eq!(a.password_evidence, Some(Evidence::at("b-select.json", 9)));
        assert_eq!(a.sessions_valid_from, t("2024-03-04T10:00:12Z"));
        assert_eq!(a.aliases, bare.aliases);
        assert!(notes.is_empty(), "{notes:?}");
    }
}

/// Two known values that disagree: the later change wins (no export is dated), independent of
/// names, and a note names both files.
#[test]
fn conflicts_are_decided_by_content_and_noted() {
    let mut older = entra_user("z.json", 4);
    older.password_last_set = t("2026-01-01T00:00:00Z");
    let mut newer = entra_user("a.json", 7);
    newer.password_last_set = t("2026-08-03T14:22:51Z");
    for records in [
        vec![
            Record::Account(older.clone()),
            Record::Account(newer.clone()),
        ],
        vec![
            Record::Account(newer.clone()),
            Record::Account(older.clone()),
        ],
    ] {
        let (inv, notes) = Inventory::merge(records);
        assert_eq!(inv.accounts[0].password_last_set, newer.password_last_set);
        assert_eq!(inv.accounts[0].evidence, Evidence::at("a.json", 7));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].kind, DiagKind::Conflict);
        assert_eq!(notes[0].severity, Severity::Note);
        assert_eq!(notes[0].location, Evidence::at("a.json", 7));
        assert!(
            notes[0].message.contains("z.json:4"),
            "{}",
            notes[0].message
        );
        assert!(notes[0].message.contains("password change time"));
    }
}

/// A host collected twice: the more recent collection wins even over a later-looking value.
#[test]
fn the_more_recent_collection_wins() {
    let host = |root: &str, at: &str| Host {
        name: "web01".into(),
        root: root.into(),
        collected_at: t(at),
        evidence: Evidence::new(format!("{root}/etc/hostname"), None),
    };
    let account = |root: &str, enabled: bool| {
        let mut a = Account::new(
            SourceKind::LinuxHost,
            "web01",
            "alice",
            Evidence::at(&format!("{root}/etc/passwd"), 3),
        );
        a.enabled = Some(enabled);
        a
    };
    let records = |first_new: bool| {
        let mut r = vec![
            Record::Host(host("2026-07", "2026-07-01T00:00:00Z")),
            Record::Host(host("2026-08", "2026-08-01T00:00:00Z")),
            Record::Account(account("2026-07", true)),
            Record::Account(account("2026-08", false)),
        ];
        if first_new {
            r.reverse();
        }
        r
    };
    for first_new in [false, true] {
        let (inv, notes) = Inventory::merge(records(first_new));
        assert_eq!(inv.accounts.len(), 1);
        assert_eq!(inv.accounts[0].enabled, Some(false));
        assert_eq!(inv.accounts[0].evidence.path, "2026-08/etc/passwd");
        assert_eq!(notes.len(), 1);
    }
}

/// A listed credential seen in two exports is one credential: status and last use merge, the
/// other export's row becomes related evidence; plaintext secrets stay per location.
#[test]
fn credentials_merge_and_plaintext_secrets_stay_apart() {
    let key = |path: &str, status: CredentialStatus, used: When| {
        let mut c = Credential::new(
            CredentialKind::AccessKey,
            "AKIAZZEXAMPLE0000001",
            "AWS access key",
            Evidence::at(path, 2),
        );
        c.owner = Some(OwnerRef {
            system: Some("aws".into()),
            login: "a.lund".into(),
        });
        c.status = status;
        c.last_used = used;
        c
    };
    let listing = key(
        "list-access-keys.json",
        CredentialStatus::Active,
        When::Unknown,
    );
    let report = key(
        "report.csv",
        CredentialStatus::Unknown,
        t("2026-08-10T00:00:00Z"),
    );
    let secret = |path: &str| {
        Credential::new(
            CredentialKind::PlaintextSecret,
            "s1",
            "password",
            Evidence::at(path, 1),
        )
    };
    for flip in [false, true] {
        let mut records = vec![
            Record::Credential(listing.clone()),
            Record::Credential(report.clone()),
            Record::Credential(secret("a.env")),
            Record::Credential(secret("b.env")),
        ];
        if flip {
            records.reverse();
        }
        let (inv, notes) = Inventory::merge(records);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(inv.credentials.len(), 3);
        let k = inv
            .credentials
            .iter()
            .find(|c| c.kind == CredentialKind::AccessKey)
            .unwrap();
        assert_eq!(k.status, CredentialStatus::Active);
        assert_eq!(k.last_used, t("2026-08-10T00:00:00Z"));
        // The record with the known last use is chosen; the other is related evidence.
        assert_eq!(k.evidence.path, "report.csv");
        assert_eq!(k.related, vec![Evidence::at("list-access-keys.json", 2)]);
    }
}

/// The facts adapters record for rules travel with the value they describe: the precision of a
/// password time with that time, a display id and a pairing when one record has them.
#[test]
fn adapter_facts_merge_with_their_values() {
    let mut dated = entra_user("b.json", 2);
    dated.password_last_set = t("2026-08-03T00:00:00Z");
    dated.password_precision = TimePrecision::Day;
    let bare = entra_user("a.json", 1);
    let mut shown = Credential::new(
        CredentialKind::PersonalAccessToken,
        "github:last8:9fK2Lq0Z",
        "GitHub token",
        Evidence::at("b.json", 5),
    );
    shown.display_id = Some("github:…Lq0Z".into());
    let mut plain = shown.clone();
    plain.display_id = None;
    plain.evidence = Evidence::at("a.json", 5);
    for records in [
        vec![
            Record::Account(bare.clone()),
            Record::Account(dated.clone()),
            Record::Credential(plain.clone()),
            Record::Credential(shown.clone()),
        ],
        vec![
            Record::Account(dated.clone()),
            Record::Account(bare.clone()),
            Record::Credential(shown.clone()),
            Record::Credential(plain.clone()),
        ],
    ] {
        let (inv, _) = Inventory::merge(records);
        assert_eq!(inv.accounts.len(), 1);
        assert_eq!(inv.accounts[0].password_precision, TimePrecision::Day);
        assert_eq!(inv.credentials.len(), 1);
        assert_eq!(inv.credentials[0].shown_id(), "github:…Lq0Z");
    }
}

#[test]
fn events_sort_by_time_and_the_same_event_exported_twice_is_kept_once() {
    use crate::inventory::{Event, EventKind, Outcome};
    let event = |at: &str, id: &str, path: &str| {
        Record::Event(Event {
            at: When::parse_instant(at).unwrap(),
            system: "corp.example.test".into(),
            source: SourceKind::ActiveDirectory,
            kind: EventKind::PasswordReset,
            target: "m.okafor".into(),
            actor: Some("helpdesk1".into()),
            outcome: Outcome::Success,
            action: "4724".into(),
            credential: None,
            detail: None,
            strong_auth: None,
            target_sid: None,
            event_id: Some(id.into()),
            evidence: Evidence::at(path, 3),
        })
    };
    let inv = Inventory::from_records(vec![
        event("2026-08-20T10:00:00Z", "2", "b.xml"),
        event("2026-08-19T10:00:00Z", "1", "a.xml"),
        event("2026-08-20T10:00:00Z", "2", "a.xml"),
    ]);
    let ids: Vec<_> = inv
        .events
        .iter()
        .map(|e| e.event_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(inv.events[1].evidence.path, "a.xml");
}

/// The indirect sort gives exactly the stable sort's order, ties kept in arrival order.
#[test]
fn sort_indirect_is_the_stable_sort() {
    let mut seed = 7u64;
    for n in [0usize, 1, 2, 3, 10, 257, 1000] {
        let v: Vec<(u8, usize)> = (0..n)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 60) as u8, i)
            })
            .collect();
        let mut expected = v.clone();
        expected.sort_by_key(|a| a.0);
        let mut got = v;
        super::sort_indirect(&mut got, |a, b| a.0.cmp(&b.0));
        assert_eq!(got, expected, "n = {n}");
    }
}

/// Ranks order like the strings, equal strings share a rank, and sorting by ranks with the
/// index as tie-break is the stable sort by the strings.
#[test]
fn ranks_follow_string_order() {
    let words = ["pear", "apple", "pear", "", "fig", "apple", "Zebra"];
    let r = super::ranks(words.iter().copied());
    assert_eq!(r, [4, 2, 4, 0, 3, 2, 1]);
    let mut keyed: Vec<(u32, u32)> = (0..words.len() as u32)
        .map(|i| (r[i as usize], i))
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<u32> = keyed.iter().map(|k| k.1).collect();
    let mut got: Vec<(&str, usize)> = words.iter().copied().zip(0..).collect();
    super::permute(&mut got, &mut order);
    let mut expected: Vec<(&str, usize)> = words.iter().copied().zip(0..).collect();
    expected.sort_by(|a, b| a.0.cmp(b.0));
    assert_eq!(got, expected);
}

/// Accounts that arrive nearly in order (a directory listed by login, with a few entries
/// elsewhere) and accounts in no order at all take the two ways of `accounts` (the standard
/// stable sort, and the ranks): both give the same accounts in the same order, and the records
/// of one account merge in arrival order either way.
#[test]
fn nearly_ordered_and_shuffled_accounts_merge_alike() {
    let account = |system: &str, login: &str, line: u32| {
        let mut a = Account::new(
            SourceKind::OpenLdap,
            system,
            login,
            Evidence::at("d.ldif", line),
        );
        a.aliases = vec![format!("uid={login},{system}")];
        a
    };
    // 200 logins in order, with two strays and one login exported twice (its later record has
    // a password time); fewer than one descent in 64.
    let mut nearly: Vec<Account> = (0..200)
        .map(|i| account("dc=example,dc=test", &format!("u{i:03}"), i + 10))
        .collect();
    nearly.insert(0, account("dc=example,dc=test", "zz-admin", 1));
    nearly.insert(100, account("dc=a,dc=test", "early", 2));
    let mut twice = account("dc=example,dc=test", "u050", 500);
    twice.password_last_set = t("2026-11-02T10:00:00Z");
    nearly.push(twice);
    // The same records, every other one swapped with its neighbour: many descents.
    let mut shuffled = nearly.clone();
    for pair in shuffled.chunks_mut(2) {
        pair.reverse();
    }
    let merged = |accounts: Vec<Account>| {
        let records = accounts.into_iter().map(Record::Account).collect();
        Inventory::merge(records).0.accounts
    };
    let (a, b) = (merged(nearly), merged(shuffled));
    let logins = |v: &[Account]| {
        v.iter()
            .map(|a| format!("{}/{}", a.system, a.login))
            .collect::<Vec<_>>()
    };
    assert_eq!(logins(&a), logins(&b));
    assert_eq!(a.len(), 202);
    assert_eq!(logins(&a)[0], "dc=a,dc=test/early");
    assert_eq!(logins(&a)[201], "dc=example,dc=test/zz-admin");
    let u050 = a.iter().find(|x| x.login == "u050").expect("u050");
    assert_eq!(u050.password_last_set, t("2026-11-02T10:00:00Z"));
}
