//! Passwords on command lines: shell histories (`.bash_history`, `.zsh_history`, `.psql_history`,
//! PowerShell's `ConsoleHost_history.txt`), scripts, cron lines, systemd `Environment=` and
//! `ExecStart=`, Dockerfile `ENV`/`RUN`, CI `run:`/`script:` steps.
//!
//! An extractor rule with `reader:` (`rules/extract/commands.yml`) locates lines with its
//! `pattern`; this module reads each logical line (joining `\` continuations, dropping a zsh
//! `: <epoch>:<secs>;` prefix), splits it into shell words as `sh` does (quotes, escapes,
//! `$'..'`, operators; `cmd`/PowerShell quoting for the Windows readers), and applies the
//! reader's grammar: `mysql -pX`/`--password=X`, `curl -u user:pass`, `sshpass -p`,
//! `PGPASSWORD=`/`MYSQL_PWD=`, `Authorization: Basic|Bearer`, `ldapsearch -D dn -w`,
//! `net use … /user:`, PowerShell `ConvertTo-SecureString … -AsPlainText` with the
//! `PSCredential` user. The user in the command is the secret's owner. Words that expand
//! (`$VAR`, `$(cmd)`, backticks) are references, not secrets; an option that prompts (`-p`,
//! `--password`, `-W`, `*`) holds none.
//!
//! `history_times` reads the timestamps of zsh extended history and of bash `HISTTIMEFORMAT`
//! histories (`#<epoch>` lines): they date the credentials found on the lines they stamp.

use super::compile::Rule;
use super::scan::{user_ok, Found, LineIndex};
use crate::source::values::is_placeholder;
use base64::Engine as _;
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The built-in command-line readers a rule may name with `reader:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Mysql,
    Curl,
    Sshpass,
    EnvPassword,
    AuthHeader,
    Ldap,
    NetUse,
    PowerShell,
}

impl Reader {
    pub const NAMES: &'static [&'static str] = &[
        "mysql",
        "curl",
        "sshpass",
        "env-password",
        "auth-header",
        "ldap",
        "net-use",
        "powershell",
    ];

    pub fn from_name(name: &str) -> Option<Reader> {
        Some(match name {
            "mysql" => Reader::Mysql,
            "curl" => Reader::Curl,
            "sshpass" => Reader::Sshpass,
            "env-password" => Reader::EnvPassword,
            "auth-header" => Reader::AuthHeader,
            "ldap" => Reader::Ldap,
            "net-use" => Reader::NetUse,
            "powershell" => Reader::PowerShell,
            _ => return None,
        })
    }

    fn windows(self) -> bool {
        matches!(self, Reader::NetUse | Reader::PowerShell)
    }
}

/// Physical lines joined into one logical line at most.
const MAX_JOINED: usize = 32;
/// Words longer than this are not read again as a nested command line (`sh -c "..."`).
const MAX_NESTED: usize = 4096;
/// Lines around a `ConvertTo-SecureString` searched for its `PSCredential` user.
const PS_USER_WINDOW: u32 = 5;

/// Runs a reader rule over `text`: every line its pattern matches is read once. Same contract
/// as `scan::find`.
pub fn find(
    rule_index: usize,
    rule: &Rule,
    reader: Reader,
    text: &str,
    windows: &[(usize, usize)],
    lines: &mut LineIndex<'_>,
    out: &mut Vec<Found>,
) -> Option<usize> {
    let limit = super::MAX_FINDS_PER_RULE;
    let mut read: HashSet<u32> = HashSet::new();
    let mut count = 0usize;
    for caps in super::scan::WindowMatches::new(&rule.regex, text, windows) {
        let Some(m) = caps.get(0) else {
            continue;
        };
        let first = lines.line_of(m.start());
        if !read.insert(first) {
            continue;
        }
        let (logical, map) = logical_line(lines, first);
        for l in map.iter().map(|&(_, l)| l) {
            read.insert(l);
        }
        let mut finds = Vec::new();
        if reader == Reader::AuthHeader {
            read_headers(&logical, &mut finds);
        } else {
            read_line(reader, &logical, 0, &mut finds);
        }
        if reader == Reader::PowerShell {
            for f in finds.iter_mut().filter(|f| f.user.is_none()) {
                f.user = powershell_user(lines, first);
            }
        }
        for f in finds {
            if rule.filter_placeholders && is_placeholder(&f.secret) {
                continue;
            }
            if f.secret.chars().count() < rule.min_length {
                continue;
            }
            if count >= limit {
                return Some(m.start());
            }
            count += 1;
            let line = map
                .iter()
                .rev()
                .find(|(start, _)| *start <= f.at)
                .map_or(first, |&(_, l)| l);
            out.push(Found {
                rule: rule_index,
                line,
                secret: f.secret,
                user: f.user.filter(|u| user_ok(u)),
                keyid: None,
            });
        }
    }
    None
}

/// The logical line starting at physical line `first`: `\`-continued lines joined, a zsh
/// extended-history prefix removed. Returns it with (offset in it, physical line) pairs.
fn logical_line(lines: &mut LineIndex<'_>, first: u32) -> (String, Vec<(usize, u32)>) {
    let mut out = String::new();
    let mut map = Vec::new();
    let mut n = first;
    for _ in 0..MAX_JOINED {
        let Some(line) = lines.line(n) else { break };
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if n == first {
            strip_zsh_prefix(line).map_or(line, |(_, rest)| rest)
        } else {
            line
        };
        map.push((out.len(), n));
        // A trailing odd run of backslashes continues the line.
        let trailing = line.len() - line.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            out.push_str(line.get(..line.len() - 1).unwrap_or(""));
            out.push(' ');
            n += 1;
        } else {
            out.push_str(line);
            break;
        }
    }
    (out, map)
}

/// `: 1700000000:0;cmd` → (1700000000, "cmd").
fn strip_zsh_prefix(line: &str) -> Option<(i64, &str)> {
    let rest = line.strip_prefix(": ")?;
    let colon = rest.find(':')?;
    let epoch: i64 = rest.get(..colon)?.parse().ok()?;
    let rest = rest.get(colon + 1..)?;
    let semi = rest.find(';')?;
    rest.get(..semi)?
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then_some(())?;
    Some((epoch, rest.get(semi + 1..)?))
}

/// Timestamps of a shell history, by 1-based line: zsh extended history (`: <epoch>:<n>;cmd`,
/// continuation lines take their command's time) and bash with `HISTTIMEFORMAT` (a `#<epoch>`
/// line before each command). `None` when the text is not such a history.
pub fn history_times(path: &str, text: &str) -> Option<Vec<Option<i64>>> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if !name.contains("history") {
        return None;
    }
    let mut times = Vec::new();
    let mut current: Option<i64> = None;
    let mut continued = false;
    let mut any = false;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((t, _)) = strip_zsh_prefix(line) {
            current = Some(t);
            any = true;
        } else if let Some(t) = line
            .strip_prefix('#')
            .filter(|d| (9..=11).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<i64>().ok())
        {
            current = Some(t);
            any = true;
        } else if !continued && line.starts_with(": ") {
            current = None;
        }
        times.push(current);
        continued = line.ends_with('\\');
    }
    any.then_some(times)
}

/// A word of a command line: its text with quotes and escapes resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Word {
    text: String,
    /// Byte offset of the word in the logical line.
    at: usize,
    /// The word holds an unquoted or double-quoted `$`, `$(..)` or backtick: its value is not
    /// known from the text.
    expands: bool,
}

#[derive(Debug)]
enum Tok {
    Word(Word),
    /// `;`, `&&`, `||`, `|`, `&`, `(`, `)`, newline.
    Sep,
    /// `<`, `>`, `>>`, `2>`, ...: the next word is a file name.
    Redirect,
}

/// Splits a command line into words and operators. POSIX `sh` rules, or with `windows` the
/// `cmd`/PowerShell ones (backslashes are literal, a backtick escapes in double quotes).
fn tokenize(line: &str, windows: bool) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut expands = false;
    let mut chars = line.char_indices().peekable();
    let flush = |toks: &mut Vec<Tok>, cur: &mut String, start: &mut Option<usize>, e: &mut bool| {
        if let Some(at) = start.take() {
            toks.push(Tok::Word(Word {
                text: std::mem::take(cur),
                at,
                expands: *e,
            }));
        }
        *e = false;
    };
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\r' => flush(&mut toks, &mut cur, &mut start, &mut expands),
            '\n' | ';' | '|' | '&' | '(' | ')' => {
                // `2>&1`, `&>`: part of a redirection, not a separator.
                flush(&mut toks, &mut cur, &mut start, &mut expands);
                if c == '&' && chars.peek().is_some_and(|&(_, n)| n == '>') {
                    chars.next();
                    toks.push(Tok::Redirect);
                } else {
                    toks.push(Tok::Sep);
                }
            }
            '<' | '>' => {
                // `2>` keeps its digit out of the previous word.
                if cur.bytes().all(|b| b.is_ascii_digit()) {
                    cur.clear();
                    start = None;
                }
                flush(&mut toks, &mut cur, &mut start, &mut expands);
                while chars.peek().is_some_and(|&(_, n)| n == '>' || n == '&') {
                    chars.next();
                }
                // `2>&1`: the target is a descriptor.
                if chars.peek().is_some_and(|&(_, n)| n.is_ascii_digit()) {
                    chars.next();
                } else {
                    toks.push(Tok::Redirect);
                }
            }
            '#' if start.is_none() => break,
            '\'' => {
                start.get_or_insert(i);
                for (_, q) in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                start.get_or_insert(i);
                while let Some((_, q)) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' if !windows => match chars.peek() {
                            Some(&(_, n @ ('"' | '\\' | '$' | '`'))) => {
                                chars.next();
                                cur.push(n);
                            }
                            _ => cur.push('\\'),
                        },
                        '`' if windows => {
                            if let Some((_, n)) = chars.next() {
                                cur.push(n);
                            }
                        }
                        '$' | '`' => {
                            expands = true;
                            cur.push(q);
                        }
                        _ => cur.push(q),
                    }
                }
            }
            '\\' if !windows => {
                start.get_or_insert(i);
                if let Some((_, n)) = chars.next() {
                    if n != '\n' {
                        cur.push(n);
                    }
                }
            }
            '$' if !windows && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                // ANSI-C quoting: `$'a\'b'`.
                start.get_or_insert(i);
                chars.next();
                while let Some((_, q)) = chars.next() {
                    match q {
                        '\'' => break,
                        '\\' => match chars.next() {
                            Some((_, 'n')) => cur.push('\n'),
                            Some((_, 't')) => cur.push('\t'),
                            Some((_, n)) => cur.push(n),
                            None => {}
                        },
                        _ => cur.push(q),
                    }
                }
            }
            '$' | '`' => {
                start.get_or_insert(i);
                expands = true;
                cur.push(c);
            }
            _ => {
                start.get_or_insert(i);
                cur.push(c);
            }
        }
    }
    flush(&mut toks, &mut cur, &mut start, &mut expands);
    toks
}

/// The simple commands of a token list, redirection targets dropped.
fn commands(toks: Vec<Tok>) -> Vec<Vec<Word>> {
    let mut out = vec![Vec::new()];
    let mut skip = false;
    for t in toks {
        match t {
            Tok::Sep => out.push(Vec::new()),
            Tok::Redirect => skip = true,
            Tok::Word(w) => {
                if std::mem::take(&mut skip) {
                    continue;
                }
                if let Some(cmd) = out.last_mut() {
                    cmd.push(w);
                }
            }
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// A secret read from a command line, with its user and where it starts in the logical line.
struct LineFind {
    secret: String,
    user: Option<String>,
    at: usize,
}

fn push(out: &mut Vec<LineFind>, w: &Word, secret: &str, user: Option<String>) {
    if w.expands || secret.is_empty() {
        return;
    }
    out.push(LineFind {
        secret: secret.to_string(),
        user,
        at: w.at,
    });
}

/// A command's name without its directory, `.exe` and case (`/usr/bin/mysql` → `mysql`).
fn command_name(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let base = base.to_ascii_lowercase();
    base.strip_suffix(".exe")
        .map(str::to_string)
        .unwrap_or(base)
}

/// Reads one logical line (and, `depth` permitting, command lines quoted inside its words).
fn read_line(reader: Reader, line: &str, depth: usize, out: &mut Vec<LineFind>) {
    for cmd in commands(tokenize(line, reader.windows())) {
        read_command(reader, &cmd, out);
        if depth < 2 {
            for w in cmd
                .iter()
                .filter(|w| w.text.contains([' ', '\t']) && w.text.len() <= MAX_NESTED)
            {
                let mut inner = Vec::new();
                read_line(reader, &w.text, depth + 1, &mut inner);
                out.extend(inner.into_iter().map(|f| LineFind { at: w.at, ..f }));
            }
        }
    }
}

/// The value of an option at `args[i]`: `-pX` / `--password=X` attached, or with `separate`
/// the next word (`-u root`). Returns the value word (for expansion and offset) and its text.
fn option_value<'a>(
    args: &'a [Word],
    i: usize,
    short: &[&str],
    long: &[&str],
    separate: bool,
) -> Option<(&'a Word, String)> {
    let w = args.get(i)?;
    let t = w.text.as_str();
    for l in long {
        if let Some(v) = t.strip_prefix(l).and_then(|r| r.strip_prefix('=')) {
            return Some((w, v.to_string()));
        }
        if t == *l && separate {
            let n = args.get(i + 1)?;
            return Some((n, n.text.clone()));
        }
    }
    for s in short {
        if let Some(v) = t.strip_prefix(s) {
            if !v.is_empty() {
                return Some((w, v.to_string()));
            }
            if separate {
                let n = args.get(i + 1)?;
                return Some((n, n.text.clone()));
            }
        }
    }
    None
}

/// The user a command logs in as: `-u x`, `-U x`, `--user=x`, `--username x`, `-l x`, `-D dn`,
/// `user@host`, `-o User=x`.
fn command_user(args: &[Word]) -> Option<String> {
    for i in 0..args.len() {
        if let Some((w, v)) = option_value(
            args,
            i,
            &["-u", "-U", "-l"],
            &["--user", "--username", "--login-name"],
            true,
        ) {
            if !w.expands && !v.starts_with('-') {
                return Some(v.split(':').next().unwrap_or(&v).to_string());
            }
        }
        if let Some((w, v)) = option_value(args, i, &["-D"], &["--binddn"], true) {
            if !w.expands {
                return Some(dn_login(&v));
            }
        }
        let w = args.get(i)?;
        if let Some(u) = w.text.strip_prefix("User=") {
            return Some(u.to_string());
        }
    }
    args.iter()
        .filter(|w| !w.text.starts_with('-') && !w.text.contains("://") && !w.expands)
        .find_map(|w| {
            let (user, host) = w.text.split_once('@')?;
            (!user.is_empty() && !host.is_empty() && !user.contains([':', '/']))
                .then(|| user.to_string())
        })
}

/// The login of a bind DN: the value of its first `uid`/`cn`/`sAMAccountName` RDN
/// (`cn=admin,dc=example,dc=test` → `admin`); a UPN or `DOMAIN\user` as written.
fn dn_login(dn: &str) -> String {
    let first = dn.split(',').next().unwrap_or(dn);
    match first.split_once('=') {
        Some((attr, value))
            if ["uid", "cn", "samaccountname"]
                .contains(&attr.trim().to_ascii_lowercase().as_str()) =>
        {
            value.trim().to_string()
        }
        _ => dn.to_string(),
    }
}

const MYSQL: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlimport",
    "mysqlcheck",
    "mysqlshow",
    "mysqlslap",
    "mysqlpump",
    "mysqlbinlog",
    "mysqlsh",
    "mysql_upgrade",
    "mariadb",
    "mariadb-dump",
    "mariadb-admin",
    "mariadb-import",
    "mariadb-check",
    "mariadb-show",
];
const LDAP: &[&str] = &[
    "ldapsearch",
    "ldapmodify",
    "ldapadd",
    "ldapdelete",
    "ldapmodrdn",
    "ldappasswd",
    "ldapwhoami",
    "ldapcompare",
    "ldapexop",
];
const SSH: &[&str] = &["ssh", "scp", "sftp", "rsync", "ssh-copy-id"];
/// Environment variables whose value is a password for the command they run with.
const PASSWORD_ENV: &[&str] = &[
    "PGPASSWORD",
    "MYSQL_PWD",
    "SSHPASS",
    "REDISCLI_AUTH",
    "MONGO_PASSWORD",
    "ISQL_PASSWORD",
    "SQLCMDPASSWORD",
    "LDAPPASSWORD",
    "RSYNC_PASSWORD",
    "SMBPASS",
    "PASSWD",
];

/// Applies `reader` to one simple command.
fn read_command(reader: Reader, cmd: &[Word], out: &mut Vec<LineFind>) {
    match reader {
        Reader::EnvPassword => read_env(cmd, out),
        Reader::AuthHeader => {}
        Reader::NetUse => read_net(cmd, out),
        Reader::PowerShell => read_powershell(cmd, out),
        Reader::Mysql | Reader::Curl | Reader::Sshpass | Reader::Ldap => {
            for (i, w) in cmd.iter().enumerate() {
                let name = command_name(&w.text);
                let args = cmd.get(i + 1..).unwrap_or(&[]);
                match reader {
                    Reader::Mysql if MYSQL.contains(&name.as_str()) => read_mysql(args, out),
                    Reader::Curl if name == "curl" || name == "wget" => read_curl(args, out),
                    Reader::Sshpass if name == "sshpass" => read_sshpass(args, out),
                    Reader::Ldap if LDAP.contains(&name.as_str()) => read_ldap(args, out),
                    _ => continue,
                }
            }
        }
    }
}

/// `mysql -uroot -pX`, `--password=X`, `--user root`. `-p` and `--password` alone prompt.
fn read_mysql(args: &[Word], out: &mut Vec<LineFind>) {
    let user = command_user(args);
    for i in 0..args.len() {
        if let Some((w, v)) = option_value(args, i, &["-p"], &["--password"], false) {
            push(out, w, &v, user.clone());
        }
    }
}

/// `curl -u user:pass`, `--user user:pass`, `--proxy-user`; wget `--password=X`,
/// `--http-password=X` with `--user`/`--http-user`.
fn read_curl(args: &[Word], out: &mut Vec<LineFind>) {
    let mut wget_user = None;
    for i in 0..args.len() {
        if let Some((w, v)) =
            option_value(args, i, &["-u", "-U"], &["--user", "--proxy-user"], true)
        {
            match v.split_once(':') {
                Some((user, pass)) if !pass.is_empty() => {
                    push(out, w, pass, (!user.is_empty()).then(|| user.to_string()));
                }
                _ => wget_user = Some(v),
            }
        }
        if let Some((_, v)) = option_value(args, i, &[], &["--http-user", "--ftp-user"], true) {
            wget_user = Some(v);
        }
    }
    for i in 0..args.len() {
        if let Some((w, v)) = option_value(
            args,
            i,
            &[],
            &[
                "--password",
                "--http-password",
                "--ftp-password",
                "--proxy-password",
            ],
            true,
        ) {
            push(out, w, &v, wget_user.clone());
        }
    }
}

/// `sshpass -p X ssh user@host` (the user from the ssh command it runs).
fn read_sshpass(args: &[Word], out: &mut Vec<LineFind>) {
    let user = args
        .iter()
        .position(|w| SSH.contains(&command_name(&w.text).as_str()))
        .and_then(|i| command_user(args.get(i + 1..).unwrap_or(&[])));
    for i in 0..args.len() {
        if args
            .get(i)
            .is_some_and(|w| SSH.contains(&command_name(&w.text).as_str()))
        {
            break;
        }
        if let Some((w, v)) = option_value(args, i, &["-p"], &[], true) {
            push(out, w, &v, user.clone());
            break;
        }
    }
}

/// `ldapsearch -x -D cn=admin,dc=example,dc=test -w X` (`-W` and `-y file` hold no secret).
fn read_ldap(args: &[Word], out: &mut Vec<LineFind>) {
    let user = command_user(args);
    for i in 0..args.len() {
        if let Some((w, v)) = option_value(args, i, &["-w"], &[], true) {
            push(out, w, &v, user.clone());
        }
    }
}

/// `PGPASSWORD=X psql -U app`, `MYSQL_PWD=X mysql -u app`, `export SSHPASS=X`, Dockerfile
/// `ENV PGPASSWORD X`, systemd `Environment="PGPASSWORD=X"`.
fn read_env(cmd: &[Word], out: &mut Vec<LineFind>) {
    let user = command_user(cmd).or_else(|| {
        cmd.iter().find_map(|w| {
            let (k, v) = w.text.split_once('=')?;
            (["PGUSER", "MYSQL_USER", "USER", "LDAPBINDDN"].contains(&k) && !w.expands)
                .then(|| v.to_string())
        })
    });
    let first = cmd.first().map(|w| w.text.as_str());
    for (i, w) in cmd.iter().enumerate() {
        let mut text = w.text.as_str();
        // systemd: `Environment=PGPASSWORD=x` (the whole assignment may be quoted).
        if let Some(rest) = text.strip_prefix("Environment=") {
            text = rest;
        }
        let (name, value) = match text.split_once('=') {
            Some(kv) => kv,
            // Dockerfile `ENV NAME value`.
            None if i == 1 && first == Some("ENV") && cmd.len() == 3 => match cmd.get(2) {
                Some(v) => {
                    if PASSWORD_ENV.contains(&text) {
                        push(out, v, &v.text, user.clone());
                    }
                    return;
                }
                None => return,
            },
            None => continue,
        };
        let name = name.strip_prefix("export ").unwrap_or(name);
        if PASSWORD_ENV.contains(&name) {
            let value = value.trim_matches(['"', '\'']);
            push(out, w, value, user.clone());
        }
    }
}

/// `-H 'Authorization: Basic …'` (decoded to find the user), `Bearer …`, `Token …`, anywhere in
/// the line (`curl -H`, `wget --header=`, httpie `Authorization:…`, an HTTP request log). A value
/// with `$` or a backtick is a reference.
fn read_headers(line: &str, out: &mut Vec<LineFind>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r#"(?i)(?:proxy-)?authorization[ \t]*:[ \t]*(basic|bearer|token)[ \t]+([^\s'"\\,;]+)"#,
        )
        .expect("static regex compiles")
    });
    for c in re.captures_iter(line) {
        let (Some(scheme), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let word = Word {
            text: String::new(),
            at: value.start(),
            expands: value.as_str().contains(['$', '`', '%']),
        };
        let v = value.as_str();
        if scheme.as_str().eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(v)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match decoded.as_deref().and_then(|d| d.split_once(':')) {
                Some((user, pass)) if !pass.is_empty() => {
                    push(
                        out,
                        &word,
                        pass,
                        (!user.is_empty()).then(|| user.to_string()),
                    );
                }
                _ => push(out, &word, v, None),
            }
        } else if v.len() >= 8 {
            push(out, &word, v, None);
        }
    }
}

/// `net use Z: \\srv\share PASS /user:DOMAIN\user` and `net user NAME PASS /add`.
fn read_net(cmd: &[Word], out: &mut Vec<LineFind>) {
    let Some(i) = cmd.iter().position(|w| command_name(&w.text) == "net") else {
        return;
    };
    let args = cmd.get(i + 1..).unwrap_or(&[]);
    let sub = args.first().map(|w| w.text.to_ascii_lowercase());
    let rest = args.get(1..).unwrap_or(&[]);
    let positional: Vec<&Word> = rest.iter().filter(|w| !w.text.starts_with('/')).collect();
    match sub.as_deref() {
        Some("use") => {
            let user = rest.iter().find_map(|w| {
                let lower = w.text.to_ascii_lowercase();
                let v = lower
                    .strip_prefix("/user:")
                    .or_else(|| lower.strip_prefix("/u:"))?;
                let at = w.text.len() - v.len();
                w.text.get(at..).map(str::to_string)
            });
            // The password follows the share (`\\srv\share`); `*` prompts.
            let share = positional.iter().position(|w| w.text.starts_with("\\\\"));
            if let Some(pw) = share.and_then(|s| positional.get(s + 1)) {
                if pw.text != "*" {
                    push(out, pw, &pw.text, user);
                }
            }
        }
        Some("user") => {
            if let [name, pw, ..] = positional.as_slice() {
                if pw.text != "*" && !name.text.contains('\\') {
                    push(out, pw, &pw.text, Some(name.text.clone()));
                }
            }
        }
        _ => {}
    }
}

/// `ConvertTo-SecureString "…" -AsPlainText -Force` (also `-String "…"`).
fn read_powershell(cmd: &[Word], out: &mut Vec<LineFind>) {
    let Some(i) = cmd
        .iter()
        .position(|w| w.text.eq_ignore_ascii_case("ConvertTo-SecureString"))
    else {
        return;
    };
    let args = cmd.get(i + 1..).unwrap_or(&[]);
    if !args
        .iter()
        .any(|w| w.text.eq_ignore_ascii_case("-AsPlainText"))
    {
        return;
    }
    let value = args
        .iter()
        .filter(|w| !w.text.starts_with('-') || w.text.len() < 2)
        .find(|w| !w.text.eq_ignore_ascii_case("$true"));
    if let Some(w) = value {
        let v = w.text.trim_end_matches(',');
        push(out, w, v, None);
    }
}

/// The user of a `PSCredential` built near line `line`: `New-Object PSCredential("user", …)`,
/// `-ArgumentList "user", …`, `[pscredential]::new('user', …)`.
fn powershell_user(lines: &mut LineIndex<'_>, line: u32) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r#"(?i)pscredential\]?(?:::new)?[ \t]*(?:\([ \t]*|-ArgumentList[ \t]+\(?[ \t]*)["']([^"'$\s]+)["']"#,
        )
        .expect("static regex compiles")
    });
    let from = line.saturating_sub(PS_USER_WINDOW).max(1);
    let mut best: Option<(u32, String)> = None;
    for n in from..=line + PS_USER_WINDOW {
        let Some(l) = lines.line(n) else { break };
        if let Some(c) = re.captures(l) {
            let d = n.abs_diff(line);
            if best.as_ref().is_none_or(|(bd, _)| d < *bd) {
                best = c.get(1).map(|u| (d, u.as_str().to_string()));
            }
        }
    }
    best.map(|(_, u)| u)
}

#[cfg(test)]
mod tests;
