//! Tests of the command-line tokenizer, the readers' grammars and history timestamps.

use super::*;

fn words(line: &str) -> Vec<(String, bool)> {
    commands(tokenize(line, false))
        .into_iter()
        .flatten()
        .map(|w| (w.text, w.expands))
        .collect()
}

fn read(reader: Reader, line: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    if reader == Reader::AuthHeader {
        read_headers(line, &mut out);
    } else {
        read_line(reader, line, 0, &mut out);
    }
    out.into_iter().map(|f| (f.secret, f.user)).collect()
}

fn one(secret: &str, user: Option<&str>) -> Vec<(String, Option<String>)> {
    vec![(secret.to_string(), user.map(str::to_string))]
}

#[test]
fn tokenizer_quotes_escapes_and_operators() {
    let w = |s: &str, e: bool| (s.to_string(), e);
    assert_eq!(
        words(r#"a 'b c' "d \"e\" $f" g\ h $'i\'j' k>out 2>&1 | l"#),
        vec![
            w("a", false),
            w("b c", false),
            w("d \"e\" $f", true),
            w("g h", false),
            w("i'j", false),
            w("k", false),
            w("l", false),
        ]
    );
    assert_eq!(words("x # comment -pZz"), vec![w("x", false)]);
    assert_eq!(
        words("a;b&&c||d"),
        vec![w("a", false), w("b", false), w("c", false), w("d", false)]
    );
    assert_eq!(words(""), vec![]);
    // Windows mode keeps backslashes.
    let win: Vec<String> = commands(tokenize(r#"net use \\srv\share "a b" /user:D\u"#, true))
        .into_iter()
        .flatten()
        .map(|w| w.text)
        .collect();
    assert_eq!(win, ["net", "use", r"\\srv\share", "a b", r"/user:D\u"]);
}

#[test]
fn mysql_forms() {
    assert_eq!(
        read(Reader::Mysql, "mysql -uroot -pZz1x"),
        one("Zz1x", Some("root"))
    );
    assert_eq!(
        read(Reader::Mysql, "mysqldump --user app --password=Zz2x db"),
        one("Zz2x", Some("app"))
    );
    assert!(read(Reader::Mysql, "mysql -u root -p db").is_empty());
    assert!(read(Reader::Mysql, "mysql -u root --password").is_empty());
    assert!(read(Reader::Mysql, "mysql -u root -p$PW").is_empty());
    // The port option is not the password.
    assert!(read(Reader::Mysql, "mysql -P 3306 -u root").is_empty());
    // Not a mysql command at all.
    assert!(read(Reader::Mysql, "echo -pZz3x mysql_table").is_empty());
}

#[test]
fn curl_sshpass_ldap_env() {
    assert_eq!(
        read(Reader::Curl, "curl -u a:Zz1x http://h"),
        one("Zz1x", Some("a"))
    );
    assert_eq!(
        read(Reader::Curl, "curl --user=a:Zz1x http://h"),
        one("Zz1x", Some("a"))
    );
    assert!(read(Reader::Curl, "curl -u a http://h").is_empty());
    assert!(read(Reader::Curl, "curl -u a: http://h").is_empty());
    assert_eq!(
        read(Reader::Sshpass, "sshpass -p Zz1x rsync -a d/ bk@nas:/d"),
        one("Zz1x", Some("bk"))
    );
    assert_eq!(
        read(Reader::Sshpass, "sshpass -p Zz1x ssh -o User=ops h"),
        one("Zz1x", Some("ops"))
    );
    assert_eq!(
        read(
            Reader::Ldap,
            "ldapwhoami -x -D uid=jo,ou=people,dc=x -w Zz1x"
        ),
        one("Zz1x", Some("jo"))
    );
    assert_eq!(
        read(
            Reader::EnvPassword,
            "PGPASSWORD='Zz1x' pg_dump --username=rep db"
        ),
        one("Zz1x", Some("rep"))
    );
    assert!(read(Reader::EnvPassword, "PGPASSWORD=\"$X\" psql").is_empty());
    assert!(read(Reader::EnvPassword, "echo PGPASSWORD is unset").is_empty());
}

#[test]
fn headers_net_and_powershell() {
    // base64("jo:Zz1x-basic")
    assert_eq!(
        read(
            Reader::AuthHeader,
            "curl -H 'Authorization: Basic am86WnoxeC1iYXNpYw==' h"
        ),
        one("Zz1x-basic", Some("jo"))
    );
    // Not base64 of user:pass: the blob itself.
    assert_eq!(
        read(Reader::AuthHeader, "Authorization: Basic Zz1xNotBase64!"),
        one("Zz1xNotBase64!", None)
    );
    assert!(read(Reader::AuthHeader, "Authorization: Bearer ${TOKEN}").is_empty());
    assert_eq!(
        read(Reader::NetUse, r"net.exe use * \\fs\s Zz1x /u:D\jo"),
        one("Zz1x", Some(r"D\jo"))
    );
    assert!(read(Reader::NetUse, r"net view \\fs").is_empty());
    assert_eq!(
        read(
            Reader::PowerShell,
            "$p = ConvertTo-SecureString 'Zz1x' -AsPlainText -Force"
        ),
        one("Zz1x", None)
    );
    assert!(read(
        Reader::PowerShell,
        "$p = ConvertTo-SecureString \"$x\" -AsPlainText"
    )
    .is_empty());
}

#[test]
fn zsh_and_bash_history_times() {
    let zsh = ": 1700000000:0;ls\n: 1700000100:2;mysql -pX \\\n-u a\nnot a stamp\n";
    assert_eq!(
        history_times("home/a/.zsh_history", zsh),
        Some(vec![
            Some(1_700_000_000),
            Some(1_700_000_100),
            Some(1_700_000_100),
            Some(1_700_000_100),
            Some(1_700_000_100)
        ])
    );
    let bash = "#1700000000\nls\n#1700000200\ncurl -u a:b h\n";
    let t = history_times("root/.bash_history", bash).unwrap();
    assert_eq!(t.get(3), Some(&Some(1_700_000_200)));
    // Not a history file, or a history without stamps.
    assert_eq!(history_times("etc/cron.d/x", zsh), None);
    assert_eq!(history_times(".bash_history", "ls\nmysql -pX\n"), None);
    assert_eq!(strip_zsh_prefix(": 17:0;cmd"), Some((17, "cmd")));
    assert_eq!(strip_zsh_prefix(": x:0;cmd"), None);
}
