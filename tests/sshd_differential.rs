//! resetgap's sshd_config resolution against the real sshd: `sshd -T -f FILE -C
//! user=U,host=H,addr=A` (OpenSSH 9.2, Debian 12's `openssh-server`).
//!
//! What is compared, per (config, user, host, address): the effective `LogLevel`,
//! `AuthorizedKeysFile`, `PermitRootLogin` and `AuthenticationMethods`, plus whether sshd
//! accepts the configuration at all. resetgap's side is
//! `resetgap::source::linux::sshd::SshdConfig::effective`, the function the host scan emits
//! its settings (RG401) and reads its key files (RG102) from.
//!
//! - Hand-written cases, one per semantic, carry the lines `sshd -T` printed for them; resetgap
//!   is checked against those pins on every run, and the pins against the live sshd when it
//!   can run.
//! - Generated configurations (a seeded generator: `Match` blocks with `key=value` criteria,
//!   `Include` at the top and inside `Match`, keyword case and `=` forms, `~` and `%` paths)
//!   are compared with the live sshd: `SSHD_DIFF_CASES` (default 1000) configurations,
//!   `SSHD_DIFF_SEED` (default 8). A disagreement prints the files and the query.
//!
//! sshd runs inside `unshare --mount` with the run's directory bind-mounted over `/etc/ssh`
//! and its own `/etc/passwd` and `/etc/group`, so `~user` and `Match Group` see the same
//! accounts as resetgap and nothing on the machine changes; throwaway host keys are passed
//! with `-h`. Without sshd, ssh-keygen or unshare the live parts print `SKIPPED` and pass,
//! except with `CI=true`.

use crate::common::env_number;
use resetgap::source::linux::sshd::{
    expand_authorized_keys, normalise, Accounts, Attr, SshdConfig, Tri,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SSHD: &str = "/usr/sbin/sshd";
const KEYS: [&str; 4] = [
    "loglevel",
    "authorizedkeysfile",
    "permitrootlogin",
    "authenticationmethods",
];

/// The accounts every case sees. root's home is not `/root`, so `~` must come from passwd.
const PASSWD: &str = "root:x:0:0:root:/var/roothome:/bin/sh\n\
sshd:x:103:65534::/run/sshd:/usr/sbin/nologin\n\
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n\
alice:x:1000:1000:Alice:/home/alice:/bin/sh\n\
bob:x:1001:1001:Bob:/home/bob:/bin/sh\n\
deploy:x:1002:1002::/srv/deploy:/bin/sh\n";
const GROUP: &str = "root:x:0:\nbackup:x:34:\nalice:x:1000:\nbob:x:1001:\ndeploy:x:1002:\n\
users:x:100:alice,bob\nadmins:x:2000:alice,deploy\nwheel:x:10:deploy\nnogroup:x:65534:\n";

/// One sshd_config with its included files (paths relative to the case directory, which is
/// `/etc/ssh/<case>` for both programs; `@` in contents stands for that directory's name).
struct Case {
    name: String,
    files: Vec<(String, String)>,
    queries: Vec<Query>,
}

struct Query {
    user: String,
    host: String,
    addr: String,
    /// laddr, lport, rdomain.
    local: [&'static str; 3],
    /// What `sshd -T` (OpenSSH 9.2) printed: the `KEYS` lines, or `["REFUSED"]`.
    pinned: Option<Vec<&'static str>>,
}

fn q(user: &str, host: &str, addr: &str, pinned: &[&'static str]) -> Query {
    Query {
        user: user.into(),
        host: host.into(),
        addr: addr.into(),
        local: LOCAL[0],
        pinned: Some(pinned.to_vec()),
    }
}

fn case(name: &str, files: &[(&str, &str)], queries: Vec<Query>) -> Case {
    Case {
        name: name.into(),
        files: files
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect(),
        queries,
    }
}

/// (laddr, lport, rdomain) given to `-C` (sshd 9.2 refuses a `Match` on one it lacks).
const LOCAL: [[&str; 3]; 3] = [
    ["192.168.0.1", "22", "vrf1"],
    ["10.0.0.5", "2222", "default"],
    ["2001:db8::1", "22", "default"],
];

const H: &str = "h.example.com";
const A: &str = "10.1.2.3";

/// One case per semantic. Every pin is the output of `sshd -T -f FILE -C user=U,host=H,addr=A`
/// with OpenSSH 9.2p1 (Debian 12), in this test's accounts.
fn hand_written() -> Vec<Case> {
    let default_akf = "authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2";
    vec![
        // `Match User=backup`, `user = backup` and a tab: strdelim splits on one `=`.
        case(
            "match-user-equals",
            &[(
                "sshd_config",
                "Match User=backup\n  LogLevel QUIET\nMatch user = alice\n  LogLevel=ERROR\n\
                 MATCH\tUSER\tbob\n  LOGLEVEL = fatal\n",
            )],
            vec![
                q("backup", H, A, &["loglevel SILENT", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
                q("alice", H, A, &["loglevel ERROR", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
                q("bob", H, A, &["loglevel FATAL", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
                q("deploy", H, A, &["loglevel INFO", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // An Include inside a Match block is read within it: its own Match blocks apply only
        // when the including block does, and its top lines belong to the including block.
        case(
            "include-inside-match",
            &[
                (
                    "sshd_config",
                    "Match User alice\n  Include @/in.conf\n  AuthenticationMethods publickey,password\n\
                     Match all\n  PermitRootLogin yes\n",
                ),
                (
                    "in.conf",
                    "LogLevel ERROR\nMatch User root\n  PermitRootLogin no\n  LogLevel VERBOSE\n",
                ),
            ],
            vec![
                q("root", H, A, &["loglevel INFO", default_akf, "permitrootlogin yes", "authenticationmethods any"]),
                q("alice", H, A, &["loglevel ERROR", default_akf, "permitrootlogin yes", "authenticationmethods publickey,password"]),
            ],
        ),
        // The same file included at the top: its Match applies to everyone it names.
        case(
            "include-at-top",
            &[
                ("sshd_config", "Include /etc/ssh/@/in*.conf\nLogLevel VERBOSE\n"),
                ("in.conf", "Match User root\n  PermitRootLogin no\n  LogLevel ERROR\n"),
                ("in2.conf", "LogLevel DEBUG\n"),
            ],
            vec![
                q("root", H, A, &["loglevel ERROR", default_akf, "permitrootlogin no", "authenticationmethods any"]),
                // in2.conf comes after in.conf's Match, which ends with its file.
                q("bob", H, A, &["loglevel DEBUG", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // `~` is expanded when sshd reads its configuration: root's home, for every user.
        case(
            "tilde",
            &[(
                "sshd_config",
                "AuthorizedKeysFile ~/.ssh/authorized_keys ~alice/keys ~ ~//x\n\
                 Match User bob\n  AuthorizedKeysFile ~bob/.ssh/k %h/.ssh/%u_%U %%/x\n",
            )],
            vec![
                q("alice", H, A, &["loglevel INFO", "authorizedkeysfile /var/roothome/.ssh/authorized_keys /home/alice/keys /var/roothome/ /var/roothome/x", "permitrootlogin without-password", "authenticationmethods any"]),
                q("bob", H, A, &["loglevel INFO", "authorizedkeysfile /home/bob/.ssh/k %h/.ssh/%u_%U %%/x", "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // `~nosuch` is expanded even in a block that does not apply: sshd refuses to start.
        case(
            "tilde-unknown-user",
            &[("sshd_config", "Match User nobody-here\n  AuthorizedKeysFile ~ghost/k\n")],
            vec![q("alice", H, A, &["REFUSED"])],
        ),
        // First value obtained wins per connection: an earlier matching block beats a later
        // QUIET, and a later global line never beats an earlier one.
        case(
            "first-value-per-connection",
            &[(
                "sshd_config",
                "LogLevel VERBOSE\nLogLevel QUIET\nMatch User backup\n  LogLevel INFO\n\
                 Match User backup,alice\n  LogLevel QUIET\n  PermitRootLogin no\n",
            )],
            vec![
                q("backup", H, A, &["loglevel INFO", default_akf, "permitrootlogin no", "authenticationmethods any"]),
                q("alice", H, A, &["loglevel SILENT", default_akf, "permitrootlogin no", "authenticationmethods any"]),
                q("bob", H, A, &["loglevel VERBOSE", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // `Match all` applies to every connection and overrides the global value.
        case(
            "match-all",
            &[(
                "sshd_config",
                "LogLevel INFO\nMatch User root\n  LogLevel VERBOSE\nMatch All\n  LogLevel ERROR\n  \
                 AuthenticationMethods publickey publickey,keyboard-interactive\n",
            )],
            vec![
                q("root", H, A, &["loglevel VERBOSE", default_akf, "permitrootlogin without-password", "authenticationmethods publickey publickey,keyboard-interactive"]),
                q("bob", H, A, &["loglevel ERROR", default_akf, "permitrootlogin without-password", "authenticationmethods publickey publickey,keyboard-interactive"]),
            ],
        ),
        // A negated group on any of the user's groups fails the whole list.
        case(
            "group-negation",
            &[(
                "sshd_config",
                "Match Group users,!wheel\n  LogLevel ERROR\nMatch Group adm*\n  LogLevel FATAL\n",
            )],
            vec![
                q("alice", H, A, &["loglevel ERROR", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
                q("deploy", H, A, &["loglevel FATAL", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
                q("ghost", H, A, &["loglevel INFO", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // Address lists (CIDR, wildcard, negation) and case-insensitive host patterns.
        case(
            "address-and-host",
            &[(
                "sshd_config",
                "Match Address 10.0.0.0/8,!10.9.9.9\n  PermitRootLogin yes\n\
                 Match Host *.EXAMPLE.com Address 192.168.*\n  LogLevel ERROR\n",
            )],
            vec![
                q("root", H, A, &["loglevel INFO", default_akf, "permitrootlogin yes", "authenticationmethods any"]),
                q("root", H, "10.9.9.9", &["loglevel INFO", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
                q("root", "web.Example.COM", "192.168.1.1", &["loglevel ERROR", default_akf, "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // Tokens, relative paths, several files and `none` are printed as written; `%` is
        // expanded per login later (checked by `key_files_expand_like_sshd` below).
        case(
            "tokens-and-none",
            &[(
                "sshd_config",
                "AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u %h/.ssh/k_%U\n\
                 Match User deploy\n  AuthorizedKeysFile none\n",
            )],
            vec![
                q("alice", H, A, &["loglevel INFO", "authorizedkeysfile .ssh/authorized_keys /etc/ssh/keys/%u %h/.ssh/k_%U", "permitrootlogin without-password", "authenticationmethods any"]),
                q("deploy", H, A, &["loglevel INFO", "authorizedkeysfile none", "permitrootlogin without-password", "authenticationmethods any"]),
            ],
        ),
        // Keyword case, `=` forms, quotes and comments.
        case(
            "keyword-forms",
            &[(
                "sshd_config",
                "  permitrootlogin=Without-Password # legacy\nPERMITROOTLOGIN yes\n\
                 \"LogLevel\" \"verbose\"\nAuthorizedKeysFile \"/etc/ssh/keys dir/%u\" .ssh/a#b\n",
            )],
            vec![q("bob", H, A, &["loglevel VERBOSE", "authorizedkeysfile /etc/ssh/keys dir/%u .ssh/a#b", "permitrootlogin without-password", "authenticationmethods any"])],
        ),
        // sshd refuses these configurations outright.
        case(
            "refused-bad-match",
            &[("sshd_config", "Match User\n  LogLevel ERROR\n")],
            vec![q("bob", H, A, &["REFUSED"])],
        ),
        case(
            "refused-bad-value",
            &[("sshd_config", "Match User alice\n  LogLevel LOUD\n")],
            vec![q("bob", H, A, &["REFUSED"])],
        ),
    ]
}

/// One directory holding every case under `etc/ssh/<case>`, the accounts and a host key.
struct Run {
    dir: tempfile::TempDir,
    accounts: Accounts,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::Builder::new()
            .prefix("resetgap-sshd-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("etc/ssh")).unwrap();
        std::fs::write(dir.path().join("etc/passwd"), PASSWD).unwrap();
        std::fs::write(dir.path().join("etc/group"), GROUP).unwrap();
        let accounts = Accounts::read(dir.path());
        Run { dir, accounts }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a case; returns its main file as a host path.
    fn write(&self, id: &str, case: &Case) -> String {
        let base = self.root().join("etc/ssh").join(id);
        for (rel, content) in &case.files {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content.replace('@', id)).unwrap();
        }
        format!("/etc/ssh/{id}/sshd_config")
    }
}

/// resetgap's view: `None` when it finds a reason for sshd to refuse the file.
fn resetgap_view(run: &Run, config: &str, q: &Query) -> Option<BTreeMap<&'static str, String>> {
    let (cfg, diags) = SshdConfig::read(run.root(), config);
    let refused = diags
        .iter()
        .any(|d| d.message.starts_with("sshd refuses to start"))
        || tilde_refused(&cfg, &run.accounts);
    if refused {
        return None;
    }
    let mut conn = run.accounts.conn(&q.user, Attr::Absent);
    conn.host = Attr::Is(&q.host);
    conn.addr = Attr::Is(&q.addr);
    conn.laddr = Attr::Is(q.local[0]);
    conn.lport = Attr::Is(q.local[1]);
    conn.rdomain = Attr::Is(q.local[2]);
    let view = cfg.effective(&run.accounts, Some(&conn));
    if view.refused.as_ref().is_some_and(|(t, _)| *t == Tri::Yes) {
        return None;
    }
    Some(
        KEYS.iter()
            .map(|k| (*k, view.value(k).unwrap_or_else(|| "<undecided>".into())))
            .collect(),
    )
}

/// `~user` that names no account: checked by the host scan when it emits settings.
fn tilde_refused(cfg: &SshdConfig, accounts: &Accounts) -> bool {
    let mut out = resetgap::source::Output::default();
    cfg.check_for_refusal(accounts, &mut out);
    !out.diagnostics.is_empty()
}

/// sshd's printed lines, normalised as resetgap normalises values.
fn sshd_view(stdout: &str) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    for line in stdout.lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        if let Some(key) = KEYS.iter().find(|key| **key == k) {
            let args: Vec<String> = vec![v.to_string()];
            m.insert(*key, normalise(key, &args));
        }
    }
    m
}

fn pinned_view(pinned: &[&str]) -> Option<BTreeMap<&'static str, String>> {
    if pinned == ["REFUSED"] {
        return None;
    }
    Some(sshd_view(&pinned.join("\n")))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Why the live comparison cannot run here, if it cannot.
fn live_unavailable() -> Option<String> {
    if !Path::new(SSHD).exists() {
        return Some(format!(
            "{SSHD} is not installed (Debian package openssh-server)"
        ));
    }
    let ok = |cmd: &mut Command| cmd.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok(Command::new("ssh-keygen").arg("-?")) && which("ssh-keygen").is_none() {
        return Some("ssh-keygen is not installed".into());
    }
    if !ok(Command::new("unshare").args(["--mount", "true"])) {
        return Some("unshare --mount is not permitted (needs root)".into());
    }
    None
}

fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(prog))
            .find(|p| p.is_file())
    })
}

fn skip_or_fail(what: &str) -> bool {
    match live_unavailable() {
        None => false,
        Some(reason) => {
            if in_ci() {
                panic!("{what} requires sshd in CI: {reason}");
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("SKIPPED {what}: {reason}");
            }
            true
        }
    }
}

/// The sshd version, for the record.
fn sshd_version() -> String {
    let out = Command::new(SSHD).arg("-V").output().unwrap();
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// Runs every `(config, user, host, addr)` through `sshd -T` in two private mount
/// namespaces at once. Returns, per query, sshd's stdout, or its stderr when it refused.
/// Writes each case's files under its id and lists every query with the config it reads.
fn write_cases<'a>(
    run: &Run,
    cases: &'a [Case],
    id: impl Fn(usize) -> String,
) -> (Vec<String>, Vec<(String, &'a Query)>) {
    let ids: Vec<String> = (0..cases.len()).map(id).collect();
    let mut queries = Vec::new();
    for (case, id) in cases.iter().zip(&ids) {
        let config = run.write(id, case);
        for q in &case.queries {
            queries.push((config.clone(), q));
        }
    }
    (ids, queries)
}

fn run_sshd(run: &Run, queries: &[(String, &Query)]) -> Vec<Result<String, String>> {
    let root = run.root();
    let key = root.join("etc/ssh/host_ed25519");
    if !key.exists() {
        let st = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .status()
            .unwrap();
        assert!(st.success(), "ssh-keygen failed");
    }
    // sshd -T checks that its privilege separation directory exists.
    let _ = std::fs::create_dir_all("/run/sshd");
    let out = root.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let workers = 2;
    let mut children = Vec::new();
    for w in 0..workers {
        let mut script = String::new();
        let r = root.display();
        writeln!(script, "set -e").unwrap();
        writeln!(script, "mount --bind '{r}/etc/ssh' /etc/ssh").unwrap();
        writeln!(script, "mount --bind '{r}/etc/passwd' /etc/passwd").unwrap();
        writeln!(script, "mount --bind '{r}/etc/group' /etc/group").unwrap();
        writeln!(script, "set +e").unwrap();
        for (i, (config, q)) in queries.iter().enumerate().filter(|(i, _)| i % workers == w) {
            writeln!(
                script,
                "{SSHD} -T -f '{config}' -h /etc/ssh/host_ed25519 \
                 -C 'user={},host={},addr={},laddr={},lport={},rdomain={}' \
                 >'{r}/out/{i}.out' 2>'{r}/out/{i}.err'; echo $? >'{r}/out/{i}.rc'",
                q.user, q.host, q.addr, q.local[0], q.local[1], q.local[2]
            )
            .unwrap();
        }
        let path = root.join(format!("run{w}.sh"));
        std::fs::write(&path, script).unwrap();
        children.push(
            Command::new("unshare")
                .args(["--mount", "--propagation", "private", "sh"])
                .arg(&path)
                .spawn()
                .unwrap(),
        );
    }
    for mut c in children {
        assert!(c.wait().unwrap().success(), "the sshd runner failed");
    }
    (0..queries.len())
        .map(|i| {
            let read = |ext: &str| std::fs::read_to_string(out.join(format!("{i}.{ext}"))).unwrap();
            if read("rc").trim() == "0" {
                Ok(read("out"))
            } else {
                Err(read("err"))
            }
        })
        .collect()
}

fn show_case(case: &Case, id: &str, q: &Query) -> String {
    let mut s = format!(
        "case {} ({id}), query user={},host={},addr={},laddr={},lport={},rdomain={}\n",
        case.name, q.user, q.host, q.addr, q.local[0], q.local[1], q.local[2]
    );
    for (p, c) in &case.files {
        let _ = writeln!(s, "--- {p}\n{}", c.replace('@', id));
    }
    s
}

fn compare(
    run: &Run,
    cases: &[Case],
    ids: &[String],
    live: &[Result<String, String>],
) -> Vec<String> {
    let mut failures = Vec::new();
    let mut n = 0;
    for (case, id) in cases.iter().zip(ids) {
        let config = format!("/etc/ssh/{id}/sshd_config");
        for q in &case.queries {
            let ours = resetgap_view(run, &config, q);
            let Some(result) = live.get(n) else { break };
            n += 1;
            let theirs = result.as_deref().ok().map(sshd_view);
            if ours != theirs {
                failures.push(format!(
                    "{}resetgap: {ours:?}\nsshd -T:  {theirs:?} {}\n",
                    show_case(case, id, q),
                    result.as_ref().err().map(|e| e.trim()).unwrap_or("")
                ));
            }
        }
    }
    failures
}

#[test]
fn hand_written_cases_match_the_pins_from_sshd() {
    let run = Run::new();
    let cases = hand_written();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let id = format!("h{i:02}");
        let config = run.write(&id, case);
        for q in &case.queries {
            let want = pinned_view(q.pinned.as_deref().unwrap());
            let got = resetgap_view(&run, &config, q);
            if got != want {
                failures.push(format!(
                    "{}resetgap: {got:?}\npinned:   {want:?}\n",
                    show_case(case, &id, q)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hand_written_pins_match_the_live_sshd() {
    if skip_or_fail("sshd differential test (hand-written pins)") {
        return;
    }
    let run = Run::new();
    let cases = hand_written();
    let (_, queries) = write_cases(&run, &cases, |i| format!("h{i:02}"));
    let live = run_sshd(&run, &queries);
    let mut failures = Vec::new();
    for ((config, q), got) in queries.iter().zip(&live) {
        let want = pinned_view(q.pinned.as_deref().unwrap());
        let got = got.as_deref().ok().map(sshd_view);
        if got != want {
            failures.push(format!(
                "{config} user={} host={} addr={}: sshd -T gave {got:?}, pinned {want:?}",
                q.user, q.host, q.addr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the pins no longer match {}:\n{}",
        sshd_version(),
        failures.join("\n")
    );
}

/// `%h %u %U %%` and relative paths per login, as auth2-pubkeyfile.c expands them; the
/// config-level values above are what sshd -T prints before this step.
#[test]
fn key_files_expand_like_sshd() {
    let e = |p: &str| expand_authorized_keys(p, "bob", 1001, "/home/bob");
    assert_eq!(
        e(".ssh/authorized_keys").unwrap(),
        "/home/bob/.ssh/authorized_keys"
    );
    assert_eq!(e("%h/.ssh/k_%U").unwrap(), "/home/bob/.ssh/k_1001");
    assert_eq!(e("/etc/ssh/keys/%u").unwrap(), "/etc/ssh/keys/bob");
    assert_eq!(e("%%/x").unwrap(), "/home/bob/%/x");
    assert_eq!(e("/k/%x").unwrap_err(), "%x");
    assert_eq!(e("/k/%").unwrap_err(), "%");
}

// ---------------------------------------------------------------------------------------------
// Generated configurations.

/// splitmix64: small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    /// A keyword in a random case.
    fn case(&mut self, word: &str) -> String {
        match self.below(4) {
            0 => word.to_string(),
            1 => word.to_ascii_lowercase(),
            2 => word.to_ascii_uppercase(),
            _ => word
                .chars()
                .map(|c| {
                    if self.chance(50) {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
        }
    }
    /// `key value`, `key=value`, `key = value`, a tab.
    fn sep(&mut self) -> &'static str {
        ["  ", " ", "=", " = ", "\t", " =", "= "][self.below(7)]
    }
}

const USERS: &[&str] = &["root", "alice", "bob", "backup", "deploy", "ghost"];
const HOSTS: &[&str] = &["h.example.com", "web01.corp.example", "localhost"];
const ADDRS: &[&str] = &["10.1.2.3", "192.168.7.9", "2001:db8::5", "127.0.0.1"];

/// Lines sshd refuses (wherever they are), now and then.
const INVALID: &[&str] = &[
    "LogLevel QUIET extra",
    "PasswordAuthentication maybe",
    "PermitRootLogin sometimes",
    "AuthenticationMethods any publickey",
    "AuthenticationMethods publickey any",
    "LogLevel \"open",
];

fn directive(r: &mut Rng) -> String {
    if r.chance(1) {
        return r.pick(INVALID).to_string();
    }
    if r.chance(5) {
        return r
            .pick(&["", "# a comment", "   ", "\t# indented comment"])
            .to_string();
    }
    let (kw, value) = match r.below(9) {
        0 | 1 => ("LogLevel", {
            let v = r.pick(&[
                "QUIET", "SILENT", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG3",
            ]);
            r.case(v)
        }),
        2 | 3 => ("PermitRootLogin", {
            let v = r.pick(&[
                "yes",
                "no",
                "prohibit-password",
                "without-password",
                "forced-commands-only",
            ]);
            r.case(v)
        }),
        4 => (
            "AuthenticationMethods",
            r.pick(&[
                "any",
                "publickey",
                "publickey,password",
                "publickey,keyboard-interactive password",
                "hostbased publickey,password",
            ])
            .to_string(),
        ),
        5 | 6 => ("AuthorizedKeysFile", keys_files(r)),
        7 => ("PasswordAuthentication", r.pick(&["yes", "no"]).to_string()),
        _ => ("X11Forwarding", r.pick(&["yes", "no"]).to_string()),
    };
    let comment = if r.chance(10) { " # note" } else { "" };
    format!(
        "{}{}{}{}{comment}",
        r.pick(&["", "  ", "\t"]),
        r.case(kw),
        r.sep(),
        value
    )
}

fn keys_files(r: &mut Rng) -> String {
    if r.chance(10) {
        return r.pick(&["none", "NONE"]).to_string();
    }
    let n = 1 + r.below(3);
    (0..n)
        .map(|_| {
            r.pick(&[
                ".ssh/authorized_keys",
                ".ssh/ak_%u",
                "%h/.ssh/k",
                "/etc/ssh/keys/%u",
                "/etc/ssh/keys/%U",
                "~/.ssh/authorized_keys",
                "~",
                "~alice/keys",
                "~root//k",
                "%%/x",
                "\"/srv/key dir/%u\"",
            ])
            .to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn criterion(r: &mut Rng) -> String {
    let (name, value) = match r.below(7) {
        5 => match r.below(3) {
            0 => ("LocalPort", r.pick(&["22", "2222"])),
            1 => (
                "LocalAddress",
                r.pick(&["192.168.0.0/24", "10.0.0.5,!192.168.0.1", "2001:db8::/64"]),
            ),
            _ => ("RDomain", r.pick(&["vrf*", "default", "!default,*"])),
        },
        6 => ("User", r.pick(&["\"alice\"", "\"al*,bob\"", "ALICE", "*"])),
        0 | 1 => (
            "User",
            r.pick(&[
                "alice",
                "al*",
                "*,!bob",
                "root,backup",
                "b?b",
                "ghost",
                "!root",
                "deploy,alice",
            ]),
        ),
        2 => (
            "Group",
            r.pick(&[
                "admins",
                "users",
                "wheel",
                "*,!wheel",
                "adm*",
                "backup,nogroup",
            ]),
        ),
        3 => (
            "Host",
            r.pick(&[
                "*.example.com",
                "web01*",
                "!localhost,*",
                "LOCALHOST",
                "*.CORP.example",
            ]),
        ),
        _ => (
            "Address",
            r.pick(&[
                "10.0.0.0/8",
                "192.168.0.0/16",
                "10.1.2.*",
                "2001:db8::/32",
                "127.0.0.1",
                "!10.1.2.3,10.0.0.0/8",
                "*",
            ]),
        ),
    };
    format!(
        "{}{}{}",
        r.case(name),
        r.pick(&[" ", "=", " = ", "\t"]),
        value
    )
}

fn match_line(r: &mut Rng) -> String {
    if r.chance(1) {
        return r
            .pick(&[
                "Match User",
                "Match all User alice",
                "Match Address 10.0.0.1/8",
                "Match LocalPort 22,2222",
                "Match Bogus x",
            ])
            .to_string();
    }
    if r.chance(5) {
        return format!("{} # comment", match_line(r));
    }
    if r.chance(12) {
        return format!("{} {}", r.case("Match"), r.case("all"));
    }
    let n = 1 + r.below(2);
    let crit: Vec<String> = (0..n).map(|_| criterion(r)).collect();
    format!("{} {}", r.case("Match"), crit.join(" "))
}

fn include_line(r: &mut Rng, targets: &[usize]) -> String {
    let names: Vec<String> = targets
        .iter()
        .map(|t| match r.below(3) {
            0 => format!("@/inc{t}.conf"),
            1 => format!("/etc/ssh/@/inc{t}.conf"),
            _ => format!("@/inc{t}.c*nf"),
        })
        .collect();
    format!("{} {}", r.case("Include"), names.join(" "))
}

/// A file body: some global lines (with includes of later files), then Match blocks (whose
/// bodies may include later files too).
fn body(r: &mut Rng, me: usize, files: usize, blocks: usize) -> String {
    let later: Vec<usize> = (me + 1..files).collect();
    let mut lines = Vec::new();
    let maybe_include = |r: &mut Rng, lines: &mut Vec<String>| {
        if !later.is_empty() && r.chance(30) {
            let t = later[r.below(later.len())];
            lines.push(include_line(r, &[t]));
        }
    };
    for _ in 0..r.below(4) {
        lines.push(directive(r));
    }
    maybe_include(r, &mut lines);
    for _ in 0..r.below(blocks + 1) {
        lines.push(match_line(r));
        for _ in 0..r.below(4) {
            lines.push(directive(r));
            maybe_include(r, &mut lines);
        }
    }
    // Some files have CRLF line ends.
    let end = if r.chance(10) { "\r\n" } else { "\n" };
    lines.join(end) + end
}

fn generated(r: &mut Rng, n: usize) -> Case {
    let files = 1 + r.below(4);
    let mut out = vec![("sshd_config".to_string(), body(r, 0, files, 4))];
    for i in 1..files {
        out.push((format!("inc{i}.conf"), body(r, i, files, 2)));
    }
    let queries = (0..3)
        .map(|_| Query {
            user: r.pick(USERS).into(),
            host: r.pick(HOSTS).into(),
            addr: r.pick(ADDRS).into(),
            local: LOCAL[r.below(LOCAL.len())],
            pinned: None,
        })
        .collect();
    Case {
        name: format!("generated #{n}"),
        files: out,
        queries,
    }
}

#[test]
fn generated_configs_match_the_live_sshd() {
    if skip_or_fail("sshd differential test (generated)") {
        return;
    }
    let count: usize = env_number("SSHD_DIFF_CASES", 1000);
    let seed: u64 = env_number("SSHD_DIFF_SEED", 8);
    let started = Instant::now();
    let mut r = Rng(seed);
    let run = Run::new();
    let cases: Vec<Case> = (0..count).map(|n| generated(&mut r, n)).collect();
    let (ids, queries) = write_cases(&run, &cases, |i| format!("g{i:05}"));
    let live = run_sshd(&run, &queries);
    let refused = live.iter().filter(|o| o.is_err()).count();
    let failures = compare(&run, &cases, &ids, &live);
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "sshd differential: {count} generated configs, {} sshd -T queries ({refused} refused by sshd), \
             seed {seed}, {} disagreements, {:.1}s ({})",
            queries.len(),
            failures.len(),
            started.elapsed().as_secs_f64(),
            sshd_version()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries disagree; first ones:\n{}",
        failures.len(),
        queries.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The keywords the trust-file and CA rules read (RG109, RG111), per user.
const TRUST_KEYS: [&str; 6] = [
    "hostbasedauthentication",
    "ignorerhosts",
    "trustedusercakeys",
    "revokedkeys",
    "authorizedprincipalsfile",
    "authorizedprincipalscommand",
];

/// Configs for the trust keywords: Match overrides, first value wins across a leading drop-in,
/// `shosts-only`, and nothing set (the defaults).
fn trust_cases() -> Vec<Case> {
    let users = || {
        ["root", "alice", "bob", "deploy"]
            .iter()
            .map(|u| Query {
                user: u.to_string(),
                host: H.into(),
                addr: A.into(),
                local: LOCAL[0],
                pinned: None,
            })
            .collect::<Vec<_>>()
    };
    vec![
        case(
            "hostbased-match",
            &[(
                "sshd_config",
                "HostbasedAuthentication yes\nIgnoreRhosts shosts-only\nMatch User alice\n  \
                 IgnoreRhosts no\nMatch User bob\n  HostbasedAuthentication no\n",
            )],
            users(),
        ),
        case(
            "ca-principals-krl",
            &[(
                "sshd_config",
                "TrustedUserCAKeys /etc/ssh/user_ca.pub\nAuthorizedPrincipalsFile \
                 /etc/ssh/principals/%u\nMatch User deploy\n  RevokedKeys /etc/ssh/revoked_keys\n  \
                 TrustedUserCAKeys /etc/ssh/deploy_ca.pub\nMatch Group admins\n  \
                 AuthorizedPrincipalsCommand /usr/local/bin/principals %u\n  \
                 AuthorizedPrincipalsCommandUser nobody\n",
            )],
            users(),
        ),
        case(
            "dropin-first-wins",
            &[
                (
                    "sshd_config",
                    "Include @/d.conf\nHostbasedAuthentication no\nIgnoreRhosts yes\n\
                     RevokedKeys none\n",
                ),
                (
                    "d.conf",
                    "hostbasedauthentication YES\nignorerhosts NO\nrevokedkeys /etc/ssh/krl\n",
                ),
            ],
            users(),
        ),
        case("defaults", &[("sshd_config", "# nothing set\n")], users()),
    ]
}

fn trust_view(stdout: &str) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    for line in stdout.lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        if let Some(key) = TRUST_KEYS.iter().find(|key| **key == k) {
            m.insert(*key, normalise(key, &[v.to_string()]));
        }
    }
    m
}

#[test]
fn trust_keywords_match_the_live_sshd() {
    if skip_or_fail("sshd differential test (trust keywords)") {
        return;
    }
    let run = Run::new();
    let cases = trust_cases();
    let (_, queries) = write_cases(&run, &cases, |i| format!("t{i:02}"));
    let live = run_sshd(&run, &queries);
    let mut failures = Vec::new();
    for ((config, q), got) in queries.iter().zip(&live) {
        let theirs = got.as_deref().map(trust_view).unwrap_or_default();
        let (cfg, _) = SshdConfig::read(run.root(), config);
        let mut conn = run.accounts.conn(&q.user, Attr::Absent);
        conn.host = Attr::Is(&q.host);
        conn.addr = Attr::Is(&q.addr);
        conn.laddr = Attr::Is(q.local[0]);
        conn.lport = Attr::Is(q.local[1]);
        conn.rdomain = Attr::Is(q.local[2]);
        let view = cfg.effective(&run.accounts, Some(&conn));
        let ours: BTreeMap<&'static str, String> = TRUST_KEYS
            .iter()
            .map(|k| (*k, view.value(k).unwrap_or_else(|| "<undecided>".into())))
            .collect();
        if ours != theirs {
            failures.push(format!(
                "{config} user={}:\n  resetgap: {ours:?}\n  sshd -T:  {theirs:?}",
                q.user
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differs:\n{}",
        sshd_version(),
        failures.join("\n")
    );
}
