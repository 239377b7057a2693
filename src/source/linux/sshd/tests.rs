//! Loading, per-connection resolution and the settings emitted. The semantics pinned against
//! the real sshd are in `tests/sshd_differential.rs`; these check the plumbing around them.

use super::*;

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
alice:x:1000:1000::/home/alice:/bin/sh\n\
bob:x:1001:1001::/home/bob:/bin/sh\n";
const GROUP: &str = "root:x:0:\nalice:x:1000:\nbob:x:1001:\nadmins:x:2000:alice\n";

fn load(files: &[(&str, &str)]) -> (SshdConfig, Accounts, Output) {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        let full = dir.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    let mut out = Output::default();
    let fs = HostFs::new(dir.path(), "", 1 << 20, &mut out).unwrap();
    let cfg = SshdConfig::load(&fs, &mut out);
    let mut o = Output::default();
    let passwd = super::super::passwd::parse(PASSWD, "etc/passwd", &mut o);
    let groups = super::super::group::parse(GROUP, "etc/group", &mut o);
    (cfg, Accounts::new(&passwd, &groups, false), out)
}

fn settings(out: &Output) -> Vec<(String, String, Scope, Option<String>)> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Setting(s) => Some((
                s.key.clone(),
                s.value.clone(),
                s.scope.clone(),
                s.evidence.as_ref().map(|e| e.to_string()),
            )),
            _ => None,
        })
        .collect()
}

fn get(
    s: &[(String, String, Scope, Option<String>)],
    key: &str,
    scope: &str,
) -> Option<(String, Option<String>)> {
    let scope = if scope.is_empty() {
        Scope::Global
    } else {
        Scope::Conditional(scope.to_string())
    };
    s.iter()
        .find(|(k, _, sc, _)| k == key && *sc == scope)
        .map(|(_, v, _, e)| (v.clone(), e.clone()))
}

#[test]
fn include_at_top_wins_and_match_scoping() {
    let (cfg, accounts, mut out) = load(&[
        (
            "etc/ssh/sshd_config",
            "# sshd_config\r\nInclude /etc/ssh/sshd_config.d/*.conf\r\nPermitRootLogin no\r\n\
LogLevel ERROR\r\nLOGLEVEL INFO\r\nUsePAM yes\r\nTrustedUserCAKeys /etc/ssh/user_ca.pub\r\n\
Match User backup\r\n    LogLevel QUIET\r\n    AuthorizedKeysFile /etc/ssh/keys/%u\r\n\
Match Address 10.0.0.0/8\r\n    AuthorizedKeysFile .ssh/other\r\n",
        ),
        (
            "etc/ssh/sshd_config.d/10-legacy.conf",
            "permitrootlogin YES\n",
        ),
        (
            "etc/ssh/sshd_config.d/05-a.conf",
            "pubkeyauthentication=no\n",
        ),
    ]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    cfg.emit("web01", &accounts, &mut out);
    let s = settings(&out);
    assert_eq!(
        get(&s, "permitrootlogin", ""),
        Some((
            "YES".into(),
            Some("etc/ssh/sshd_config.d/10-legacy.conf:1".into())
        )),
        "drop-in included at the top wins"
    );
    assert_eq!(get(&s, "pubkeyauthentication", "").unwrap().0, "NO");
    assert_eq!(get(&s, "loglevel", "").unwrap().0, "ERROR");
    assert_eq!(get(&s, "usepam", "").unwrap().0, "YES");
    assert_eq!(get(&s, "revokedkeys", ""), Some(("none".into(), None)));
    // backup is no local account: a directory user named by the Match line.
    assert_eq!(
        get(&s, "loglevel", "Match User backup"),
        Some(("QUIET".into(), Some("etc/ssh/sshd_config:9".into())))
    );
    assert_eq!(
        get(&s, "authorizedkeysfile", "Match User backup")
            .unwrap()
            .1,
        Some("etc/ssh/sshd_config:10".into())
    );
    // The Address block may apply to anyone: one setting with its own condition.
    assert_eq!(
        get(&s, "authorizedkeysfile", "Match Address 10.0.0.0/8"),
        Some((".ssh/other".into(), Some("etc/ssh/sshd_config:12".into())))
    );
    assert!(get(&s, "loglevel", "Match Address 10.0.0.0/8").is_none());

    let alice = cfg.effective(&accounts, Some(&accounts.conn("alice", Attr::Unknown)));
    let akf = alice.candidates("authorizedkeysfile");
    assert_eq!(akf.len(), 2, "Address block may apply, then the default");
    assert_eq!(akf[0].args, [".ssh/other"]);
    assert_eq!(akf[0].certainty, Tri::Maybe);
    assert_eq!(akf[0].when, ["Address 10.0.0.0/8"]);
    assert_eq!(akf[1].evidence, None);
    assert_eq!(alice.value("authorizedkeysfile"), None);
    assert_eq!(alice.value("loglevel").as_deref(), Some("ERROR"));
}

#[test]
fn earlier_block_wins_per_user() {
    // sshd -T -C user=backup (OpenSSH 9.2): loglevel INFO; -C user=alice: loglevel SILENT.
    let (cfg, accounts, mut out) = load(&[(
        "etc/ssh/sshd_config",
        "Match User backup\n  LogLevel INFO\nMatch User backup,alice\n  LogLevel QUIET\n",
    )]);
    cfg.emit("h", &accounts, &mut out);
    let s = settings(&out);
    assert_eq!(get(&s, "loglevel", ""), Some(("INFO".into(), None)));
    assert_eq!(
        get(&s, "loglevel", "Match User alice"),
        Some(("QUIET".into(), Some("etc/ssh/sshd_config:4".into())))
    );
    assert_eq!(
        get(&s, "loglevel", "Match User backup"),
        Some(("INFO".into(), Some("etc/ssh/sshd_config:2".into())))
    );
    assert!(
        !s.iter().any(|(k, v, sc, _)| k == "loglevel"
            && v == "QUIET"
            && *sc != Scope::Conditional("Match User alice".into())),
        "QUIET is used for alice only: {s:?}"
    );
}

#[test]
fn group_block_for_everyone_keeps_its_condition() {
    let (cfg, accounts, mut out) = load(&[(
        "etc/ssh/sshd_config",
        "Match Group admins\n  LogLevel ERROR\nMatch Host *.example.com\n  LogLevel FATAL\n",
    )]);
    cfg.emit("h", &accounts, &mut out);
    let s = settings(&out);
    // alice is in admins: certain for her.
    assert_eq!(get(&s, "loglevel", "Match User alice").unwrap().0, "ERROR");
    // A directory user may be in admins too.
    assert_eq!(
        get(&s, "loglevel", "Match Group admins").unwrap().0,
        "ERROR"
    );
    // Host is unknown offline for everyone but alice, whose earlier block wins.
    assert_eq!(
        get(&s, "loglevel", "Match User bob Host *.example.com")
            .unwrap()
            .0,
        "FATAL"
    );
    assert!(get(&s, "loglevel", "Match User alice Host *.example.com").is_none());
}

#[test]
fn match_in_included_file_ends_with_file_and_loops() {
    let (cfg, accounts, mut out) = load(&[
        (
            "etc/ssh/sshd_config",
            "Include conf.d/*.conf\nLogLevel VERBOSE\nInclude sshd_config\nInclude /nope/*\n",
        ),
        (
            "etc/ssh/conf.d/a.conf",
            "Match Group admins\nPasswordAuthentication yes\n",
        ),
    ]);
    let kinds: Vec<(Severity, u32)> = out
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.location.line.unwrap()))
        .collect();
    assert_eq!(kinds, vec![(Severity::Warning, 3), (Severity::Note, 4)]);
    cfg.emit("h", &accounts, &mut out);
    let s = settings(&out);
    assert_eq!(
        get(&s, "loglevel", ""),
        Some(("VERBOSE".into(), Some("etc/ssh/sshd_config:2".into()))),
        "the Match of the included file ends with it"
    );
    assert_eq!(
        get(&s, "passwordauthentication", "Match User alice")
            .unwrap()
            .1,
        Some("etc/ssh/conf.d/a.conf:2".into())
    );
    assert!(get(&s, "passwordauthentication", "Match User bob").is_none());
}

#[test]
fn include_inside_match_stays_inside() {
    // sshd -T (OpenSSH 9.2) on the same files: -C user=root gives loglevel INFO and
    // permitrootlogin without-password; -C user=alice gives loglevel ERROR.
    let (cfg, accounts, out) = load(&[
        (
            "etc/ssh/sshd_config",
            "Match User alice\n  Include inc/in.conf\n  AuthenticationMethods publickey,password\n",
        ),
        (
            "etc/ssh/inc/in.conf",
            "LogLevel ERROR\nMatch User root\n  PermitRootLogin no\n",
        ),
    ]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let root = cfg.effective(&accounts, Some(&accounts.conn("root", Attr::Absent)));
    assert_eq!(root.value("loglevel").as_deref(), Some("INFO"));
    assert_eq!(
        root.value("permitrootlogin").as_deref(),
        Some("PROHIBIT-PASSWORD")
    );
    let alice = cfg.effective(&accounts, Some(&accounts.conn("alice", Attr::Absent)));
    assert_eq!(alice.value("loglevel").as_deref(), Some("ERROR"));
    assert_eq!(
        alice.value("authenticationmethods").as_deref(),
        Some("publickey,password")
    );
}

#[test]
fn refusals_are_diagnosed() {
    let (cfg, accounts, mut out) = load(&[(
        "etc/ssh/sshd_config",
        "LogLevel LOUD\nMatch Bogus x\nMatch User x\n  UsePAM yes\nAuthorizedKeysFile ~nosuch/k\n\
         LogLevel QUIET extra\nLogLevel \"open\nLogLevel\n",
    )]);
    cfg.emit("h", &accounts, &mut out);
    let lines: Vec<u32> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("sshd refuses to start"))
        .map(|d| d.location.line.unwrap())
        .collect();
    assert_eq!(lines, vec![1, 2, 6, 7, 8, 4, 5], "{:?}", out.diagnostics);
}

#[test]
fn tilde_expansion() {
    let (_, accounts, _) = load(&[]);
    // sshd -T (OpenSSH 9.2) printed `/root/ /root/ /root/ /root/ /root/ /root/a/b` for
    // `AuthorizedKeysFile ~ ~/ ~// ~root ~root/ ~root//a/b`.
    for (input, want) in [
        ("~", "/root/"),
        ("~/", "/root/"),
        ("~//", "/root/"),
        ("~root", "/root/"),
        ("~root/", "/root/"),
        ("~root//a/b", "/root/a/b"),
        ("~/.ssh/authorized_keys", "/root/.ssh/authorized_keys"),
        ("~alice/k", "/home/alice/k"),
        (".ssh/k", ".ssh/k"),
    ] {
        assert_eq!(
            accounts.tilde_expand(input).as_deref(),
            Some(want),
            "{input}"
        );
    }
    assert_eq!(accounts.tilde_expand("~nosuch/k"), None);
}
