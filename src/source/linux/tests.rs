//! End-to-end tests of `scan_host` on the web01 fixture (formats-host.md c1-c6) and on
//! small temporary trees.

use super::*;
use crate::inventory::{
    AccountScope, IssuedBasis, Principal, Privilege, Scope, Setting, SudoGrant, TimePrecision,
};
use crate::source::testing::accounts;
use std::path::PathBuf;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sources/linux/web01")
}

fn scan(root: &Path, rel: &str) -> Output {
    scan_host(&HostTree {
        root,
        rel_root: rel,
        max_file_size: 1 << 20,
        secret_ids: &crate::source::secret_id::SecretIdScheme::default(),
    })
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

fn setting<'a>(out: &'a Output, component: &str, key: &str, scope: &Scope) -> Option<&'a Setting> {
    out.records.iter().find_map(|r| match r {
        Record::Setting(s) if s.component == component && s.key == key && s.scope == *scope => {
            Some(s)
        }
        _ => None,
    })
}

#[test]
fn web01_fixture_end_to_end() {
    let root = fixture();
    assert!(is_host_root(&root));
    let out = scan(&root, "hosts/web01");

    // Host
    let Some(Record::Host(h)) = out.records.first() else {
        panic!("first record is the host");
    };
    assert_eq!(h.name, "web01");
    assert_eq!(h.root, "hosts/web01");
    assert_eq!(h.collected_at.to_string(), "2025-01-15T10:00:00Z");
    assert_eq!(h.evidence.to_string(), "hosts/web01/etc/hostname:1");

    // Accounts (c1 + c2); the NIS line is not an account.
    let acc = accounts(&out);
    let names: Vec<&str> = acc.iter().map(|a| a.login.as_str()).collect();
    assert_eq!(names, vec!["root", "toor", "alice", "bob", "svc_backup"]);
    let by = |n: &str| *acc.iter().find(|a| a.login == n).unwrap();
    assert_eq!(by("toor").kind, AccountKind::Root);
    assert_eq!(by("toor").password, PasswordState::Set);
    assert_eq!(by("root").password, PasswordState::NoPassword);
    assert_eq!(by("alice").kind, AccountKind::Human);
    assert_eq!(by("alice").password, PasswordState::Locked);
    assert_eq!(
        by("alice").password_last_set.to_string(),
        "2025-01-01T00:00:00Z"
    );
    assert_eq!(
        by("alice").password_evidence.as_ref().unwrap().to_string(),
        "hosts/web01/etc/shadow:3"
    );
    assert_eq!(by("alice").expires, When::Never);
    assert_eq!(by("alice").home.as_deref(), Some("/home/alice"));
    assert_eq!(by("bob").gid, Some(27));
    assert_eq!(by("svc_backup").password, PasswordState::Empty);
    assert_eq!(by("svc_backup").kind, AccountKind::Human);
    assert!(acc.iter().all(|a| a.system == "web01"));

    // Memberships: listed and primary (bob via GID 27).
    let mem: Vec<(String, String, bool)> = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Membership(m) => Some((m.group.clone(), m.member.clone(), m.primary)),
            _ => None,
        })
        .collect();
    assert!(mem.contains(&("sudo".into(), "alice".into(), false)));
    assert!(mem.contains(&("sudo".into(), "bob".into(), true)));
    assert!(mem.contains(&("docker".into(), "svc_backup".into(), false)));
    assert!(mem.contains(&("root".into(), "toor".into(), true)));
    // The adapter decides what a group grants; rules never see group names.
    let grants = |group: &str| {
        out.records.iter().find_map(|r| match r {
            Record::Membership(m) if m.group == group => Some(m.grants),
            _ => None,
        })
    };
    assert_eq!(grants("sudo"), Some(Some(Privilege::Admin)));
    assert_eq!(grants("docker"), Some(Some(Privilege::RootEquivalent)));
    assert_eq!(grants("root"), Some(None));
    // Host accounts are local, and shadow dates them by the day.
    assert!(acc
        .iter()
        .all(|a| a.scope == AccountScope::Local && a.password_precision == TimePrecision::Day));

    // Sudo (c4): no eve, no mallory.
    let grants: Vec<&SudoGrant> = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::SudoGrant(g) => Some(g),
            _ => None,
        })
        .collect();
    // sudo -l -U alice / dave (sudo 1.9.13p3, this tree in a private mount namespace): root;
    // alice NOPASSWD. root is not reported, toor and carol get what any other user gets.
    let who: Vec<(&Principal, bool, bool, String)> = grants
        .iter()
        .map(|g| {
            (
                &g.principal,
                g.root_equivalent,
                g.nopasswd,
                g.evidence.to_string(),
            )
        })
        .collect();
    assert_eq!(
        who,
        vec![
            (
                &Principal::User("alice".into()),
                true,
                true,
                "hosts/web01/etc/sudoers:7".into()
            ),
            (
                &Principal::User("dave".into()),
                true,
                false,
                "hosts/web01/etc/sudoers.d/10-dave:1".into()
            ),
        ]
    );
    let alice = Scope::Conditional("user alice".into());
    assert_eq!(
        setting(&out, "sudoers", "syslog", &alice).unwrap().value,
        "false"
    );
    assert_eq!(
        setting(
            &out,
            "sudoers",
            "authenticate",
            &Scope::Conditional("user carol".into())
        )
        .unwrap()
        .value,
        "false"
    );
    assert!(setting(&out, "sudoers", "syslog", &Scope::Global).is_none());
    assert_eq!(
        setting(&out, "sudoers", "timestamp_timeout", &Scope::Global)
            .unwrap()
            .value,
        "-1"
    );

    // sshd (c5)
    let prl = setting(&out, "sshd", "permitrootlogin", &Scope::Global).unwrap();
    assert_eq!(prl.value, "YES");
    assert_eq!(
        prl.evidence.as_ref().unwrap().to_string(),
        "hosts/web01/etc/ssh/sshd_config.d/10-legacy.conf:2"
    );
    let backup = Scope::Conditional("Match User backup".into());
    assert_eq!(
        setting(&out, "sshd", "loglevel", &backup).unwrap().value,
        "QUIET"
    );
    assert_eq!(
        setting(&out, "sshd", "loglevel", &Scope::Global)
            .unwrap()
            .value,
        "INFO"
    );
    assert_eq!(
        setting(&out, "sshd", "revokedkeys", &Scope::Global)
            .unwrap()
            .evidence,
        None
    );

    // Keys (c6): three valid keys for alice dated by the manifest; root's key serves root and toor.
    let c = creds(&out);
    let alice: Vec<&&Credential> = c
        .iter()
        .filter(|c| c.owner.as_ref().unwrap().login == "alice")
        .collect();
    assert_eq!(alice.len(), 3);
    assert!(alice[0].id.starts_with("SHA256:psJyK2SC"));
    assert_eq!(alice[0].label, "ssh-ed25519 key");
    assert_eq!(alice[0].issued.to_string(), "2023-02-10T09:30:00Z");
    assert_eq!(alice[0].issued_basis, IssuedBasis::Manifest);
    assert_eq!(alice[0].status, CredentialStatus::Active);
    assert_eq!(alice[0].expires, When::Never);
    assert_eq!(
        alice[1].evidence.to_string(),
        "hosts/web01/home/alice/.ssh/authorized_keys:3"
    );
    assert_eq!(
        alice[2].detail.as_deref(),
        Some("cert-authority,principals=\"alice,ops\"")
    );
    assert_eq!(
        alice[0].owner.as_ref().unwrap().system.as_deref(),
        Some("web01")
    );
    let root_owned: Vec<&str> = c
        .iter()
        .filter(|c| c.evidence.path == "hosts/web01/root/.ssh/authorized_keys")
        .map(|c| c.owner.as_ref().unwrap().login.as_str())
        .collect();
    assert_eq!(root_owned, vec!["root", "toor"]);
    assert_eq!(c.len(), 5);

    // The broken key line is located; no other warnings or errors.
    let warn: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .map(|d| d.to_string())
        .collect();
    assert_eq!(warn.len(), 1, "{warn:?}");
    assert!(
        warn[0].starts_with("hosts/web01/home/alice/.ssh/authorized_keys:5: warning [malformed]")
    );
    // Nothing secret in any record or diagnostic.
    let json = serde_json::to_string(&out.records).unwrap();
    assert!(!json.contains("SYNTHETIC"));
    assert!(!json.contains("backup --dest"));
    assert!(out
        .diagnostics
        .iter()
        .all(|d| !d.to_string().contains("SYNTHETIC")));
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        let full = dir.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    dir
}

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIdBzKC5y8qp5Xz/hfnwWahZLZ7XMxDkujblTuY2uRAf k";

#[test]
fn match_user_authorized_keys_file_with_tokens_and_file_mtime() {
    let dir = tree(&[
        (
            "etc/passwd",
            "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\nann:x:1005:1005::/home/ann:/bin/sh\n",
        ),
        (
            "etc/ssh/sshd_config",
            "AuthorizedKeysFile .ssh/keys_%U\nMatch User backup\n  AuthorizedKeysFile /etc/ssh/keys/%u\n",
        ),
        ("etc/ssh/keys/backup", KEY),
        ("var/backups/.ssh/keys_34", KEY),
        ("home/ann/.ssh/keys_1005", KEY),
        ("home/ann/.ssh/authorized_keys", KEY),
    ]);
    let f = dir.path().join("etc/ssh/keys/backup");
    filetime::set_file_mtime(&f, filetime::FileTime::from_unix_time(1_700_000_000, 0)).unwrap();
    let out = scan(dir.path(), "");
    let c = creds(&out);
    let got: Vec<(String, String)> = c
        .iter()
        .map(|c| {
            (
                c.owner.as_ref().unwrap().login.clone(),
                c.evidence.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("backup".into(), "etc/ssh/keys/backup:1".into()),
            ("ann".into(), "home/ann/.ssh/keys_1005:1".into()),
        ]
    );
    assert_eq!(c[0].issued.to_string(), "2023-11-14T22:13:20Z");
    assert_eq!(c[0].issued_basis, IssuedBasis::FileModified);
    assert_eq!(c[0].related[0].to_string(), "etc/ssh/sshd_config:3");
    // Host name falls back to the directory name without etc/hostname.
    let Some(Record::Host(h)) = out.records.first() else {
        panic!()
    };
    assert_eq!(h.name, dir.path().file_name().unwrap().to_string_lossy());
    assert_eq!(h.evidence.to_string(), "etc/passwd");
}

#[test]
fn authorized_keys_none_and_missing_sshd_config_uses_defaults() {
    let dir = tree(&[
        ("etc/passwd", "ann:x:1005:1005::/home/ann:/bin/sh\n"),
        ("home/ann/.ssh/authorized_keys2", KEY),
    ]);
    let out = scan(dir.path(), "h");
    assert_eq!(
        creds(&out).len(),
        1,
        "default AuthorizedKeysFile includes authorized_keys2"
    );
    assert!(
        !out.records.iter().any(|r| matches!(r, Record::Setting(_))),
        "no sshd defaults when sshd_config was not collected"
    );
    let dir = tree(&[
        ("etc/passwd", "ann:x:1005:1005::/home/ann:/bin/sh\n"),
        ("etc/ssh/sshd_config", "AuthorizedKeysFile none\n"),
        ("home/ann/.ssh/authorized_keys", KEY),
    ]);
    assert!(creds(&scan(dir.path(), "h")).is_empty());
}

#[test]
fn shadow_only_entries_and_pending_change() {
    let dir = tree(&[
        ("etc/passwd", "ann:x:1005:1005::/home/ann:/bin/sh\n"),
        (
            "etc/shadow",
            "ann:$6$s$SYNTH:0:0:99999:7:::\nghost:*:19000:0:99999:7:::\n",
        ),
        ("etc/hostname", "\n# c\ndb01.example.com\n"),
    ]);
    let out = scan(dir.path(), "");
    let acc = accounts(&out);
    assert_eq!(acc[0].password, PasswordState::PendingChange);
    assert_eq!(acc[0].password_last_set, When::Unknown);
    assert_eq!(acc[1].login, "ghost");
    assert_eq!(acc[1].kind, AccountKind::Unknown);
    assert_eq!(acc[1].system, "db01.example.com");
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.location.to_string() == "etc/shadow:2" && d.message.contains("no passwd")));
}

#[test]
fn oversize_and_binary_safe() {
    let dir = tree(&[("etc/passwd", "root:x:0:0::/root:/bin/sh\n")]);
    std::fs::write(dir.path().join("etc/shadow"), vec![0xffu8; 300]).unwrap();
    let out = scan_host(&HostTree {
        root: dir.path(),
        rel_root: "",
        max_file_size: 100,
        secret_ids: &crate::source::secret_id::SecretIdScheme::default(),
    });
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagKind::TooLarge && d.location.path == "etc/shadow"));
    assert_eq!(accounts(&out).len(), 1);
    // Non-UTF-8 input decodes lossily and never panics.
    std::fs::write(dir.path().join("etc/group"), b"wh\xffeel:x:10:ro\xfeot\n").unwrap();
    let out = scan(dir.path(), "");
    assert!(out
        .records
        .iter()
        .any(|r| matches!(r, Record::Membership(m) if m.gid == Some(10))));
}

/// Prints the fixture's records (run with `--nocapture` to review the inventory by eye).
#[test]
fn web01_records_serialize() {
    let out = scan(&fixture(), "hosts/web01");
    let json = serde_json::to_string_pretty(&out.records).unwrap();
    assert!(json.contains("\"record\": \"credential\""));
    if std::env::var_os("RESETGAP_DUMP").is_some() {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), json.as_bytes());
        for d in &out.diagnostics {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{d}\n").as_bytes());
        }
    }
}

#[test]
fn hostile_input_never_panics() {
    let nasty = [
        "\u{feff}é:ü:ß\n(\"\\\n%\n\"unclosed, (ALL \\\n",
        "a ALL = (\n= = :\n:::\nUser_Alias = \nCmnd_Alias X = X\nX ALL = X\n",
        "Match\nMatch User\nInclude\nAuthorizedKeysFile %q %\nLogLevel\n\"\n",
        "from=\"unterminated ssh-ed25519 AAAA\n,,, ssh-rsa\n\u{1F600} ssh-ed25519 ===\n",
        "@includedir ../../..\n#include /../../etc/passwd\n@include \"\"\n@include %h%\n",
        "x:y:z:w:v:u:t:s:r:q\n:::\n+\n-\n",
    ];
    for text in nasty {
        let dir = tree(&[
            ("etc/passwd", text),
            ("etc/shadow", text),
            ("etc/group", text),
            ("etc/sudoers", text),
            ("etc/ssh/sshd_config", text),
            ("etc/hostname", text),
            ("etc/nsswitch.conf", text),
            ("etc/login.defs", text),
            ("manifest.json", text),
        ]);
        let out = scan(dir.path(), "n");
        assert!(matches!(out.records.first(), Some(Record::Host(_))));
    }
}

const BOMB_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n";

/// Runs `f` on a thread and fails when it takes longer than `secs` (an exponential expansion
/// would otherwise hang the test instead of failing it).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not finish within {secs} s"))
}

fn sudo_grants(out: &Output) -> Vec<&SudoGrant> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::SudoGrant(g) => Some(g),
            _ => None,
        })
        .collect()
}

/// Issue 13: aliases that double at each of 60 levels (2^60 members written out) are expanded
/// once each, for every kind of alias.
#[test]
fn doubling_sudoers_aliases_expand_in_linear_time() {
    let mut s = String::from(
        "User_Alias U0 = alice\nRunas_Alias R0 = root\nHost_Alias H0 = ALL\nCmnd_Alias C0 = /bin/sh\n",
    );
    for i in 1..=60 {
        let p = i - 1;
        s.push_str(&format!(
            "User_Alias U{i} = U{p}, U{p}\nRunas_Alias R{i} = R{p}, R{p}\nHost_Alias H{i} = H{p}, H{p}\nCmnd_Alias C{i} = C{p}, C{p}\n"
        ));
    }
    s.push_str("U60 H60 = (R60) C60\n");
    let dir = tree(&[
        ("etc/passwd", BOMB_PASSWD),
        ("etc/group", "root:x:0:\n"),
        ("etc/sudoers", &s),
    ]);
    let path = dir.path().to_path_buf();
    let out = within(20, move || scan(&path, "bomb"));
    let grants = sudo_grants(&out);
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0].principal, Principal::User("alice".into()));
    assert!(grants[0].root_equivalent);
    assert_eq!(grants[0].evidence.to_string(), "bomb/etc/sudoers:245");
    assert!(
        out.diagnostics.iter().all(|d| !d.makes_incomplete()),
        "{:?}",
        out.diagnostics
    );
}

/// An alias loop that also doubles cannot be memoised: the member budget stops it with an error
/// at the outermost alias's line, no sudo grant is guessed, and the rest of the host is read.
#[test]
fn looping_alias_bomb_ends_in_a_located_error() {
    let mut s = String::from("User_Alias U0 = bob, U40\n");
    for i in 1..=40 {
        let p = i - 1;
        s.push_str(&format!("User_Alias U{i} = U{p}, U{p}\n"));
    }
    s.push_str("U40 ALL = (ALL) ALL\n");
    let dir = tree(&[
        ("etc/passwd", BOMB_PASSWD),
        ("etc/group", "root:x:0:\n"),
        ("etc/sudoers", &s),
    ]);
    let path = dir.path().to_path_buf();
    let out = within(20, move || scan(&path, "bomb"));
    assert!(sudo_grants(&out).is_empty());
    let err: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.makes_incomplete())
        .map(ToString::to_string)
        .collect();
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(
        err[0].starts_with(
            "bomb/etc/sudoers:41: error [unparseable]: User_Alias \"U40\" expands to more than"
        ),
        "{err:?}"
    );
    // The loop itself is a note at the first alias of the cycle.
    assert!(out.diagnostics.iter().any(|d| d.severity == Severity::Note
        && d.to_string()
            .starts_with("bomb/etc/sudoers:1: note [malformed]: cycle in User_Alias \"U0\"")));
    // The accounts are still there.
    assert_eq!(accounts(&out).len(), 3);
}

/// A chain of aliases deeper than the nesting limit stops with an error instead of exhausting
/// the stack.
#[test]
fn alias_chain_deeper_than_the_limit_is_refused() {
    let mut s = String::from("Cmnd_Alias C0 = /bin/sh\n");
    for i in 1..=5000 {
        s.push_str(&format!("Cmnd_Alias C{i} = C{}\n", i - 1));
    }
    s.push_str("alice ALL = (ALL) C5000\n");
    let dir = tree(&[
        ("etc/passwd", BOMB_PASSWD),
        ("etc/group", "root:x:0:\n"),
        ("etc/sudoers", &s),
    ]);
    let path = dir.path().to_path_buf();
    let out = within(20, move || scan(&path, "deep"));
    assert!(sudo_grants(&out).is_empty());
    assert!(out.diagnostics.iter().any(|d| d.to_string()
        == "deep/etc/sudoers:5001: error [unparseable]: Cmnd_Alias \"C5000\" nests aliases more than 128 deep; sudo rights on this host were not evaluated"));
}

/// Issue 13: a home written `/../home/alice` is `/home/alice` to Linux; its keys are read.
#[test]
fn home_with_dot_dot_at_the_root_is_read_where_linux_reads_it() {
    let dir = tree(&[
        (
            "etc/passwd",
            "root:x:0:0:root:/../../root:/bin/bash\nalice:x:1000:1000::/../home/alice:/bin/bash\n",
        ),
        ("home/alice/.ssh/authorized_keys", &format!("{KEY}\n")),
        ("root/.ssh/authorized_keys", &format!("{KEY}\n")),
    ]);
    let out = scan(dir.path(), "h");
    let mut owners: Vec<(String, String)> = creds(&out)
        .iter()
        .map(|c| {
            (
                c.owner
                    .as_ref()
                    .map(|o| o.login.clone())
                    .unwrap_or_default(),
                c.evidence.to_string(),
            )
        })
        .collect();
    owners.sort();
    assert_eq!(
        owners,
        [
            (
                "alice".to_string(),
                "h/home/alice/.ssh/authorized_keys:1".to_string()
            ),
            (
                "root".to_string(),
                "h/root/.ssh/authorized_keys:1".to_string()
            )
        ]
    );
}

/// Issue 13: a binary or oversized `etc/shadow` is not parsed, and the host is incomplete.
#[test]
fn binary_or_oversized_shadow_is_not_parsed_and_makes_the_scan_incomplete() {
    let passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";
    let binary = "alice:$6$FAKEHASHbinary$abc:19000:0:99999:7:::\n\0\0\0";
    let dir = tree(&[("etc/passwd", passwd), ("etc/shadow", binary)]);
    let out = scan(dir.path(), "h");
    let shadow: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.location.path == "h/etc/shadow")
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shadow,
        ["h/etc/shadow: error [binary]: skipped: binary content; this host's facts from it are unknown"]
    );
    let json = serde_json::to_string(&out.records).unwrap();
    assert!(!json.contains("\"password_changed\":\"2022"), "{json}");
    let big = format!("alice:!:19000:0:99999:7:::\n{}", "#\n".repeat(600_000));
    let dir = tree(&[("etc/passwd", passwd), ("etc/shadow", &big)]);
    let out = scan(dir.path(), "h");
    assert!(out.diagnostics.iter().any(|d| d.makes_incomplete()
        && d.to_string().starts_with("h/etc/shadow: error [too-large]: skipped: 1200027 bytes is larger than the limit of 1048576 bytes")));
}

/// An alias used but never defined gives one note, at the first line that uses it, for every
/// place a sudoers line can name an alias: users, hosts, Runas, commands and Defaults bindings.
#[test]
fn undefined_sudoers_aliases_are_noted_by_kind_where_first_used() {
    let sudoers = "User_Alias ADMINS = alice\n\
                   ADMINS, OPS ALL = (RUNNERS) NOPASSWD: CMDS\n\
                   Defaults@WEBHOSTS syslog=auth\n\
                   Defaults!SHELLS !syslog\n\
                   Defaults>TARGETS !syslog\n\
                   alice MISSINGHOST = ALL\n\
                   OPS ALL = ALL\n";
    let dir = tree(&[("etc/passwd", BOMB_PASSWD), ("etc/sudoers", sudoers)]);
    let out = scan(dir.path(), "h");
    let mut notes: Vec<String> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("referenced but not defined"))
        .map(|d| {
            let name = d.message.split(" referenced").next().unwrap_or_default();
            format!("{} {name}", d.location)
        })
        .collect();
    notes.sort();
    assert_eq!(
        notes,
        [
            "h/etc/sudoers:2 Cmnd_Alias \"CMDS\"",
            "h/etc/sudoers:2 Runas_Alias \"RUNNERS\"",
            "h/etc/sudoers:2 User_Alias \"OPS\"",
            "h/etc/sudoers:3 Host_Alias \"WEBHOSTS\"",
            "h/etc/sudoers:4 Cmnd_Alias \"SHELLS\"",
            "h/etc/sudoers:5 Runas_Alias \"TARGETS\"",
            "h/etc/sudoers:6 Host_Alias \"MISSINGHOST\"",
        ]
    );
}
