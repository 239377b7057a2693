//! The parser against sudo's own: every user specification resetgap parses is compared, command
//! by command (users, hosts, Runas users and groups, the authenticate tag, the command), with
//! what `cvtsudoers -f json` (sudo 1.9.13p3) prints for the same file, over hand-written lines
//! and seeded generated files (`RESETGAP_CVTSUDOERS_CASES`, default 1000;
//! `RESETGAP_CVTSUDOERS_SEED`). A file cvtsudoers refuses must be one resetgap finds a syntax
//! error in, and the reverse. Skipped with `SKIPPED:` where cvtsudoers is not installed, except
//! under `CI=true`.

use super::parse::{self, CmndItem, Entry, HostItem, Member, UserItem};
use super::strip_comment;
use std::io::Write as _;
use std::process::Command;

/// Which list a user member is in: cvtsudoers names the same item differently in each.
#[derive(Clone, Copy)]
enum List {
    Users,
    RunasUsers,
    RunasGroups,
}

fn user(m: &Member<UserItem>, list: List) -> String {
    let item = match (&m.item, list) {
        (UserItem::All, List::RunasGroups) => "usergroup:ALL".to_string(),
        (UserItem::All, _) => "username:ALL".to_string(),
        (UserItem::Alias(a), List::Users) => format!("useralias:{a}"),
        (UserItem::Alias(a), _) => format!("runasalias:{a}"),
        (UserItem::Name(n), List::RunasGroups) => format!("usergroup:{n}"),
        (UserItem::Name(n), _) => format!("username:{n}"),
        (UserItem::Uid(i), _) => format!("userid:{i}"),
        (UserItem::Group(g), _) => format!("usergroup:{g}"),
        (UserItem::Gid(i), _) => format!("usergid:{i}"),
        (UserItem::NonUnixGroup(g), _) => format!("nonunixgroup:{g}"),
        (UserItem::Netgroup(n), _) => format!("netgroup:{n}"),
    };
    if m.neg {
        format!("!{item}")
    } else {
        item
    }
}

fn host(m: &Member<HostItem>) -> String {
    let item = match &m.item {
        HostItem::All => "hostname:ALL".to_string(),
        HostItem::Alias(a) => format!("hostalias:{a}"),
        HostItem::Netgroup(n) => format!("netgroup:{n}"),
        HostItem::Network(n) => format!("networkaddr:{n}"),
        HostItem::Name(n) => format!("hostname:{n}"),
    };
    if m.neg {
        format!("!{item}")
    } else {
        item
    }
}

fn command(m: &Member<CmndItem>) -> String {
    let item = match &m.item {
        CmndItem::All => "command:ALL".to_string(),
        CmndItem::Alias(a) => format!("cmndalias:{a}"),
        CmndItem::Command { path, args: None } => format!("command:{path}"),
        CmndItem::Command {
            path,
            args: Some(a),
        } if a.is_empty() => format!("command:{path} \"\""),
        CmndItem::Command {
            path,
            args: Some(a),
        } => format!("command:{path} {a}"),
    };
    if m.neg {
        format!("!{item}")
    } else {
        item
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// resetgap's rows: one per command of every user specification, in file order; `Err` when a
/// line is a syntax error.
fn ours(text: &str) -> Result<Vec<String>, String> {
    let mut rows = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let l = strip_comment(raw).trim();
        if l.is_empty() {
            continue;
        }
        match parse::line(l) {
            Ok(Entry::Spec { users, privileges }) => {
                let users = join(users.iter().map(|u| user(u, List::Users)));
                for p in &privileges {
                    let hosts = join(p.hosts.iter().map(host));
                    for c in &p.cmnds {
                        let (ru, rg) = match &c.runas {
                            None => ("-".to_string(), "-".to_string()),
                            // `()`: sudo keeps an empty user name ("run as yourself").
                            Some(r) if r.users.is_none() && r.groups.is_none() => {
                                ("username:".to_string(), "-".to_string())
                            }
                            Some(r) => (
                                r.users.as_ref().map_or("-".to_string(), |u| {
                                    if u.is_empty() {
                                        "username:".to_string()
                                    } else {
                                        join(u.iter().map(|x| user(x, List::RunasUsers)))
                                    }
                                }),
                                r.groups.as_ref().map_or("-".to_string(), |g| {
                                    join(g.iter().map(|x| user(x, List::RunasGroups)))
                                }),
                            ),
                        };
                        let auth = match c.nopasswd {
                            Some(true) => "false",
                            Some(false) => "true",
                            None => "-",
                        };
                        rows.push(format!(
                            "{users}|{hosts}|ru={ru}|rg={rg}|auth={auth}|{}",
                            command(&c.cmnd)
                        ));
                    }
                }
            }
            Ok(_) => {}
            Err((e, _)) => return Err(format!("line {}: {}", n + 1, e.message)),
        }
    }
    Ok(rows)
}

fn member(v: &serde_json::Value) -> String {
    let obj = v.as_object().cloned().unwrap_or_default();
    let neg = obj.get("negated").and_then(|n| n.as_bool()) == Some(true);
    let (k, val) = obj
        .iter()
        .find(|(k, _)| *k != "negated")
        .map(|(k, v)| {
            let val = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), val)
        })
        .unwrap_or_default();
    format!("{}{k}:{val}", if neg { "!" } else { "" })
}

fn list(v: Option<&serde_json::Value>) -> String {
    match v.and_then(|v| v.as_array()) {
        Some(items) => join(items.iter().map(member)),
        None => "-".to_string(),
    }
}

/// cvtsudoers' rows in the same shape; `Err` when it refuses the file.
fn theirs(path: &std::path::Path) -> Result<Vec<String>, String> {
    let out = Command::new("cvtsudoers")
        .args(["-f", "json"])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cvtsudoers output: {e}"))?;
    let mut rows = Vec::new();
    for spec in json["User_Specs"].as_array().into_iter().flatten() {
        let users = list(spec.get("User_List"));
        let hosts = list(spec.get("Host_List"));
        for cs in spec["Cmnd_Specs"].as_array().into_iter().flatten() {
            let ru = list(cs.get("runasusers"));
            let rg = list(cs.get("runasgroups"));
            let auth = cs["Options"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|o| o.get("authenticate").and_then(|a| a.as_bool()))
                .map_or("-".to_string(), |a| a.to_string());
            for c in cs["Commands"].as_array().into_iter().flatten() {
                rows.push(format!(
                    "{users}|{hosts}|ru={ru}|rg={rg}|auth={auth}|{}",
                    member(c)
                ));
            }
        }
    }
    Ok(rows)
}

fn cvtsudoers_available() -> bool {
    let found = Command::new("cvtsudoers").arg("-V").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cvtsudoers is required in CI (Debian package sudo)"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: cvtsudoers comparison: cvtsudoers is not installed (Debian package sudo)"
        );
    }
    found
}

/// Compares one file; returns a description of the disagreement. `rows` counts the commands
/// compared (0 when both refuse the file).
fn compare(text: &str, rows: &mut usize) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sudoers");
    std::fs::write(&path, text).expect("write");
    match (ours(text), theirs(&path)) {
        (Ok(a), Ok(b)) if a == b => {
            *rows += a.len();
            None
        }
        (Err(_), Err(_)) => None,
        (a, b) => Some(format!(
            "file:\n{text}\nresetgap: {a:#?}\ncvtsudoers: {b:#?}"
        )),
    }
}

/// One line per semantic of the User_Spec grammar; each expected structure is what cvtsudoers
/// (sudo 1.9.13p3) printed for it.
const HAND_WRITTEN: &[&str] = &[
    "root ALL=(ALL:ALL) ALL\n",
    "%sudo ALL=(ALL:ALL) ALL\n",
    "User_Alias ADMINS = alice, %wheel\nHost_Alias WEB = web01, 192.0.2.0/24\nADMINS WEB = (root) NOPASSWD: /usr/bin/id, !/bin/sh\n",
    "bob ALL, !WEB = (ALL:ALL) ALL\n",
    "+ng ALL = ALL\n#1001 ALL = ALL\n%#1000 ALL = ALL\n%:nonunix ALL = ALL\n",
    "alice web*,+hg = (bob,%ops : wheel) PASSWD: /bin/ls \"\", sudoedit /etc/x, (root) /usr/bin/\n",
    "Cmnd_Alias C = /bin/a\nalice ALL = !C, NOPASSWD: ALL\n",
    "Runas_Alias OP = root, operator\nbob ALL = (OP) ALL\n",
    "carol ALL = () /bin/id\ndan ALL = (:ALL) /bin/id\nerin ALL = (#0, %#10, !root) /bin/id\n",
    "frank ALL = /bin/id : web01 = NOPASSWD: /bin/ls\n",
    "\"john doe\" ALL = /bin/id\n",
    "alice ALL = /usr/bin/su -, /bin/kill -HUP 1\n",
    "\"\" ALL = ALL\n",
    "alice ALL = (root\n",
];

#[test]
fn hand_written_specs_parse_as_cvtsudoers_parses_them() {
    if !cvtsudoers_available() {
        return;
    }
    let mut rows = 0;
    let problems: Vec<String> = HAND_WRITTEN
        .iter()
        .filter_map(|t| compare(t, &mut rows))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(rows >= 20, "only {rows} commands compared");
}

/// A small deterministic generator (xorshift) of valid-looking sudoers files.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn list(&mut self, items: &[&str], max: u64, neg: bool) -> String {
        let n = 1 + self.next() % max;
        (0..n)
            .map(|_| {
                let item = self.pick(items);
                if neg && self.chance(20) {
                    format!("!{item}")
                } else {
                    item.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn file(&mut self) -> String {
        const USERS: &[&str] = &[
            "alice",
            "bob",
            "%wheel",
            "%sudo",
            "#1001",
            "%#1000",
            "+admins",
            "ALL",
            "ADMINS",
            "\"ops user\"",
            "carol\\,x",
        ];
        const RUNAS: &[&str] = &["root", "ALL", "operator", "#0", "%wheel", "OP"];
        const GROUPS: &[&str] = &["wheel", "ALL", "adm"];
        const HOSTS: &[&str] = &[
            "ALL",
            "web01",
            "web*",
            "192.0.2.0/24",
            "10.0.0.1",
            "+biglab",
            "SERVERS",
            "db01.example.com",
            "10.1.0.0/255.255.0.0",
        ];
        const CMDS: &[&str] = &[
            "ALL",
            "/bin/sh",
            "/usr/bin/",
            "/usr/bin/*",
            "/usr/bin/su -",
            "/bin/ls \"\"",
            "sudoedit /etc/hosts",
            "EVERYTHING",
            "/usr/sbin/reboot",
            "/bin/kill -HUP 1",
        ];
        const TAGS: &[&str] = &[
            "",
            "",
            "NOPASSWD: ",
            "PASSWD: ",
            "NOEXEC: ",
            "NOPASSWD:SETENV: ",
        ];
        let mut s = String::from(
            "User_Alias ADMINS = alice, %wheel\nRunas_Alias OP = root, operator\n\
             Host_Alias SERVERS = web01, db01\nCmnd_Alias EVERYTHING = ALL\n",
        );
        for _ in 0..(1 + self.next() % 6) {
            let users = self.list(USERS, 3, true);
            let mut privileges = Vec::new();
            for _ in 0..(1 + self.next() % 2) {
                let hosts = self.list(HOSTS, 3, true);
                let mut cmds = Vec::new();
                for _ in 0..(1 + self.next() % 3) {
                    let runas = match self.next() % 6 {
                        0 => format!("({}) ", self.list(RUNAS, 2, true)),
                        1 => format!(
                            "({} : {}) ",
                            self.list(RUNAS, 2, false),
                            self.list(GROUPS, 2, false)
                        ),
                        2 => format!("(:{}) ", self.list(GROUPS, 1, false)),
                        3 => "() ".to_string(),
                        _ => String::new(),
                    };
                    let tag = self.pick(TAGS);
                    let neg = if self.chance(15) { "!" } else { "" };
                    cmds.push(format!("{runas}{tag}{neg}{}", self.pick(CMDS)));
                }
                privileges.push(format!("{hosts} = {}", cmds.join(", ")));
            }
            s.push_str(&format!("{users} {}\n", privileges.join(" : ")));
        }
        s
    }
}

#[test]
fn generated_specs_parse_as_cvtsudoers_parses_them() {
    if !cvtsudoers_available() {
        return;
    }
    let cases: u64 = std::env::var("RESETGAP_CVTSUDOERS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let seed: u64 = std::env::var("RESETGAP_CVTSUDOERS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_cafe);
    let mut gen = Gen(seed | 1);
    let mut problems = Vec::new();
    let mut rows = 0;
    for _ in 0..cases {
        let text = gen.file();
        if let Some(p) = compare(&text, &mut rows) {
            problems.push(p);
            if problems.len() >= 3 {
                break;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagreement(s) with cvtsudoers (seed {seed}):\n{}",
        problems.len(),
        problems.join("\n\n")
    );
    // The generator writes valid files: nearly every case is compared command by command.
    assert!(
        rows as u64 >= cases * 3,
        "only {rows} commands compared over {cases} files"
    );
    let _ = writeln!(
        std::io::stderr(),
        "cvtsudoers comparison: {cases} generated files, {rows} commands, 0 disagreements"
    );
}
