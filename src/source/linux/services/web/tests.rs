//! Apache and nginx: Debian's shipped files and the traps around them (inheritance, include
//! order, case, continuation lines, malformed input).

use super::*;
use crate::inventory::Record;

const APACHE2_CONF: &str = include_str!("apache2.conf");
const DEFAULT_SITE: &str = include_str!("000-default.conf");
const OTHER_VHOSTS: &str = include_str!("other-vhosts-access-log.conf");
const PORTS: &str = include_str!("ports.conf");
const INTRANET: &str = include_str!("intranet.conf");
const NGINX_CONF: &str = include_str!("nginx.conf");
const NGINX_DEFAULT: &str = include_str!("default");

/// (component, key, value, scope, evidence) of every setting the scan emits.
type Got = Vec<(String, String, String, String, String)>;

fn run(files: &[(&str, &str)]) -> (Got, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        let full = dir.path().join(p.trim_start_matches('/'));
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    let mut out = Output::default();
    let fs = HostFs::new(dir.path(), "w", 1 << 20, &mut out).unwrap();
    scan(&fs, "w", &mut out);
    let got = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Setting(s) => Some((
                s.component.clone(),
                s.key.clone(),
                s.value.clone(),
                match &s.scope {
                    Scope::Global => "global".to_string(),
                    Scope::Conditional(c) => c.clone(),
                },
                s.evidence
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
            )),
            _ => None,
        })
        .collect();
    let diags = out.diagnostics.iter().map(|d| d.message.clone()).collect();
    (got, diags)
}

fn row(
    c: &str,
    k: &str,
    v: &str,
    scope: &str,
    ev: &str,
) -> (String, String, String, String, String) {
    (c.into(), k.into(), v.into(), scope.into(), ev.into())
}

fn debian(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("/etc/apache2/apache2.conf", APACHE2_CONF),
        ("/etc/apache2/ports.conf", PORTS),
        ("/etc/apache2/sites-enabled/000-default.conf", DEFAULT_SITE),
        ("/etc/apache2/sites-enabled/intranet.conf", INTRANET),
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn debian_vhost_without_customlog_inherits_other_vhosts_log() {
    let (got, diags) = run(&debian(&[(
        "/etc/apache2/conf-enabled/other-vhosts-access-log.conf",
        OTHER_VHOSTS,
    )]));
    assert_eq!(
        got,
        [
            row(
                "apache",
                "access_log",
                "on",
                "vhost *:80",
                "w/etc/apache2/sites-enabled/000-default.conf:10"
            ),
            row(
                "apache",
                "access_log",
                "on",
                "vhost intranet.example:80",
                "w/etc/apache2/conf-enabled/other-vhosts-access-log.conf:2"
            ),
            row(
                "apache",
                "basic_auth",
                "Basic",
                "vhost intranet.example:80",
                "w/etc/apache2/sites-enabled/intranet.conf:5"
            ),
        ]
    );
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn debian_vhost_without_any_log_is_none() {
    let (got, _) = run(&debian(&[]));
    assert!(got.contains(&row(
        "apache",
        "access_log",
        "none",
        "vhost intranet.example:80",
        "w/etc/apache2/sites-enabled/intranet.conf:1"
    )));
    assert!(got.contains(&row(
        "apache",
        "access_log",
        "on",
        "vhost *:80",
        "w/etc/apache2/sites-enabled/000-default.conf:10"
    )));
}

#[test]
fn rhel_layout_case_continuations_and_dev_null() {
    let httpd = "ServerRoot \"/etc/httpd\"\nListen 80\nInclude conf.modules.d/*.conf\n\
<IfModule log_config_module>\n    LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common\n    customlog \\\n      \"logs/access_log\" combined\n</IfModule>\n\
# A comment line ending in a backslash swallows the next line too \\\nCustomLog /dev/null common\n\
IncludeOptional conf.d/*.conf\n";
    let quiet = "<virtualhost 10.0.0.5:8443>\n  SERVERNAME https://quiet.example:8443\n  TransferLog /dev/null\n  <Directory /srv/quiet>\n    AUTHTYPE basic\n  </Directory>\n</VIRTUALHOST>\n\
<VirtualHost *:80>\n  ServerName loud.example\n</VirtualHost>\n";
    let (got, diags) = run(&[
        ("/etc/httpd/conf/httpd.conf", httpd),
        (
            "/etc/httpd/conf.modules.d/00-base.conf",
            "LoadModule log_config_module modules/mod_log_config.so\n",
        ),
        ("/etc/httpd/conf.d/quiet.conf", quiet),
    ]);
    assert_eq!(
        got,
        [
            row(
                "apache",
                "access_log",
                "off",
                "vhost quiet.example:8443",
                "w/etc/httpd/conf.d/quiet.conf:3"
            ),
            row(
                "apache",
                "basic_auth",
                "Basic",
                "vhost quiet.example:8443",
                "w/etc/httpd/conf.d/quiet.conf:5"
            ),
            row(
                "apache",
                "access_log",
                "on",
                "vhost loud.example:80",
                "w/etc/httpd/conf/httpd.conf:6"
            ),
        ]
    );
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn apache_main_server_global_log_and_include_order() {
    // No virtual host: the main server is judged globally; absent CustomLog is `none`.
    let (got, _) = run(&[(
        "/etc/httpd/conf/httpd.conf",
        "Listen 80\nDocumentRoot /var/www/html\n",
    )]);
    assert_eq!(
        got,
        [row(
            "apache",
            "access_log",
            "none",
            "global",
            "w/etc/httpd/conf/httpd.conf"
        )]
    );
    // Two virtual hosts with the same address and no ServerName stay apart.
    let (got, _) = run(&[(
        "/etc/httpd/conf/httpd.conf",
        "<VirtualHost *:80>\n</VirtualHost>\n<VirtualHost *:80>\nCustomLog logs/x common\n</VirtualHost>\n",
    )]);
    assert_eq!(
        got,
        [
            row(
                "apache",
                "access_log",
                "none",
                "vhost *:80",
                "w/etc/httpd/conf/httpd.conf:1"
            ),
            row(
                "apache",
                "access_log",
                "on",
                "vhost *:80 at w/etc/httpd/conf/httpd.conf:3",
                "w/etc/httpd/conf/httpd.conf:4"
            ),
        ]
    );
    // GlobalLog logs a virtual host that has its own /dev/null log.
    let (got, _) = run(&[(
        "/etc/httpd/conf/httpd.conf",
        "GlobalLog logs/all_access combined\n<VirtualHost *:80>\nCustomLog /dev/null common\n</VirtualHost>\n",
    )]);
    assert_eq!(
        got,
        [row(
            "apache",
            "access_log",
            "on",
            "vhost *:80",
            "w/etc/httpd/conf/httpd.conf:1"
        )]
    );
    // A directory include reads its files (and subdirectories) in alphabetical order: the
    // first ServerName seen wins, so 10-b.conf's name comes after 01-a.conf's.
    let (got, _) = run(&[
        (
            "/etc/httpd/conf/httpd.conf",
            "<VirtualHost *:80>\nInclude vh.d\n</VirtualHost>\n",
        ),
        ("/etc/httpd/vh.d/01-a.conf", "ServerName a.example\n"),
        (
            "/etc/httpd/vh.d/10-b.conf",
            "ServerName b.example\nCustomLog logs/b combined\n",
        ),
        ("/etc/httpd/vh.d/sub/x.conf", "AuthType Basic\n"),
    ]);
    assert_eq!(
        got,
        [
            row(
                "apache",
                "access_log",
                "on",
                "vhost a.example:80",
                "w/etc/httpd/vh.d/10-b.conf:2"
            ),
            row(
                "apache",
                "basic_auth",
                "Basic",
                "vhost a.example:80",
                "w/etc/httpd/vh.d/sub/x.conf:1"
            ),
        ]
    );
}

#[test]
fn apache_malformed_input_never_panics() {
    let cases = [
        "",
        "</VirtualHost>\n</VirtualHost>\n",
        "<VirtualHost\nCustomLog\n",
        "CustomLog \"unterminated\n<VirtualHost *:80>\n",
        "\\\n\\\n\\",
        &"<IfModule x>\n".repeat(5000),
        "Include /etc/httpd/conf/httpd.conf\nInclude /nowhere/x.conf\nIncludeOptional /nowhere/*.conf\n",
    ];
    for c in cases {
        let _ = run(&[("/etc/httpd/conf/httpd.conf", c)]);
    }
    let (_, diags) = run(&[("/etc/httpd/conf/httpd.conf", cases[6])]);
    assert!(
        diags.iter().any(|d| d.contains("include loop")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.contains("/nowhere/x.conf is not in the collection")),
        "{diags:?}"
    );
    assert_eq!(
        diags.len(),
        2,
        "IncludeOptional of nothing is silent: {diags:?}"
    );
}

#[test]
fn nginx_debian_default_logs_at_http_level() {
    let (got, diags) = run(&[
        ("/etc/nginx/nginx.conf", NGINX_CONF),
        (
            "/etc/nginx/mime.types",
            "types {\n    text/html html htm shtml;\n}\n",
        ),
        ("/etc/nginx/sites-enabled/default", NGINX_DEFAULT),
    ]);
    assert_eq!(
        got,
        [row(
            "nginx",
            "access_log",
            "on",
            "server *:80",
            "w/etc/nginx/nginx.conf:37"
        )]
    );
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn nginx_absent_access_log_is_the_compiled_default() {
    let conf = "events {}\nhttp {\n  server {\n    listen 8080;\n    server_name app.example www.app.example;\n  }\n}\n";
    let (got, _) = run(&[("/etc/nginx/nginx.conf", conf)]);
    assert_eq!(
        got,
        [row(
            "nginx",
            "access_log",
            "on",
            "server app.example:8080",
            "w/etc/nginx/nginx.conf"
        )]
    );
}

#[test]
fn nginx_inheritance_overrides_and_basic_auth() {
    let conf = "http {\n\
  access_log off;\n\
  auth_basic \"Staff only\";\n\
  include conf.d/*.conf;\n\
}\n";
    let a = "server {\n  listen 443 ssl;\n  server_name a.example;\n  access_log /var/log/nginx/a.log combined;\n}\n";
    let b = "server {\n  listen 80;\n  server_name b.example;\n  location /public { auth_basic off; }\n}\n";
    let c = "server {\n  listen [::]:8081;\n  server_name c.example;\n  auth_basic off;\n  location /admin {\n    auth_basic \"x\";\n    auth_basic_user_file /etc/nginx/htpasswd;\n  }\n}\n";
    let (got, _) = run(&[
        ("/etc/nginx/nginx.conf", conf),
        ("/etc/nginx/conf.d/a.conf", a),
        ("/etc/nginx/conf.d/b.conf", b),
        ("/etc/nginx/conf.d/c.conf", c),
    ]);
    assert_eq!(
        got,
        [
            row(
                "nginx",
                "access_log",
                "on",
                "server a.example:443",
                "w/etc/nginx/conf.d/a.conf:4"
            ),
            row(
                "nginx",
                "access_log",
                "off",
                "server b.example:80",
                "w/etc/nginx/nginx.conf:2"
            ),
            row(
                "nginx",
                "basic_auth",
                "Basic",
                "server b.example:80",
                "w/etc/nginx/nginx.conf:3"
            ),
            row(
                "nginx",
                "access_log",
                "off",
                "server c.example:8081",
                "w/etc/nginx/nginx.conf:2"
            ),
            row(
                "nginx",
                "basic_auth",
                "Basic",
                "server c.example:8081",
                "w/etc/nginx/conf.d/c.conf:6"
            ),
        ]
    );
}

#[test]
fn nginx_location_turning_logging_off_with_basic_auth() {
    // The reference's case c18, one line, with a `#` inside a quoted realm and `${var}`.
    let admin = "server { listen 80; server_name admin.example; set $x \"${host}#1\"; location /admin { auth_basic \"x # y\"; auth_basic_user_file /etc/nginx/htpasswd; access_log off; } location /ok { access_log off; } }\n";
    let (got, diags) = run(&[
        ("/etc/nginx/nginx.conf", NGINX_CONF),
        ("/etc/nginx/conf.d/admin.conf", admin),
    ]);
    assert_eq!(
        got,
        [
            row(
                "nginx",
                "access_log",
                "on",
                "server admin.example:80",
                "w/etc/nginx/nginx.conf:37"
            ),
            row(
                "nginx",
                "access_log",
                "off",
                "server admin.example:80 location /admin",
                "w/etc/nginx/conf.d/admin.conf:1"
            ),
            row(
                "nginx",
                "basic_auth",
                "Basic",
                "server admin.example:80 location /admin",
                "w/etc/nginx/conf.d/admin.conf:1"
            ),
            row(
                "nginx",
                "access_log",
                "off",
                "server admin.example:80 location /ok",
                "w/etc/nginx/conf.d/admin.conf:1"
            ),
        ]
    );
    // mime.types is not collected: a plain include that is missing is reported.
    assert!(
        diags
            .iter()
            .any(|d| d.contains("mime.types is not in the collection")),
        "{diags:?}"
    );
}

#[test]
fn nginx_malformed_input_never_panics() {
    let cases = [
        "",
        "}}}}",
        "http { server { listen 80;",
        "http { server { access_log \"unterminated; } }",
        "http { include nginx.conf; }",
        &"http { ".repeat(10_000),
        "{ { } } http { server { location { } } }",
        "http { server { location /a { location /b { access_log off; auth_basic x; } } } }",
    ];
    for c in cases {
        let _ = run(&[("/etc/nginx/nginx.conf", c)]);
    }
    let (got, _) = run(&[("/etc/nginx/nginx.conf", cases[7])]);
    assert_eq!(
        got.len(),
        3,
        "server on, nested location off with auth: {got:?}"
    );
    let (_, diags) = run(&[("/etc/nginx/nginx.conf", cases[4])]);
    assert!(
        diags.iter().any(|d| d.contains("include loop")),
        "{diags:?}"
    );
}
