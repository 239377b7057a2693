//! Routing decisions on Debian's shipped syslog-ng.conf and on the traps around it: include
//! order, filter logic, `final`/`fallback`/`catchall`, inline objects and malformed input.

use super::*;
use crate::inventory::Record;

/// Debian 12's shipped `/etc/syslog-ng/syslog-ng.conf` (syslog-ng 3.38), shortened to the
/// parts that route messages.
const DEBIAN: &str = include_str!("debian.conf");

/// Runs the scan on a host tree of `files`; returns the routing, the emitted evidence and the
/// diagnostics' messages.
fn run(files: &[(&str, &str)]) -> (Option<Routing>, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        let full = dir.path().join(p.trim_start_matches('/'));
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    let mut out = Output::default();
    let fs = HostFs::new(dir.path(), "h", 1 << 20, &mut out).unwrap();
    let r = scan(&fs, "h", &mut out);
    let ev = out
        .records
        .iter()
        .find_map(|r| match r {
            Record::Setting(s) if s.component == "syslog-ng" && s.key == "auth_routing" => {
                s.evidence.as_ref().map(|e| e.to_string())
            }
            _ => None,
        })
        .unwrap_or_default();
    let diags = out.diagnostics.iter().map(|d| d.message.clone()).collect();
    (r, ev, diags)
}

fn routing(conf: &str) -> Routing {
    run(&[(CONF, conf)]).0.unwrap()
}

const HEAD: &str = "@version: 4.3\nsource s_src { system(); internal(); };\ndestination d_auth { file(\"/var/log/auth.log\"); };\n";

#[test]
fn debian_default_keeps_auth_in_auth_log() {
    let (r, ev, diags) = run(&[(CONF, DEBIAN)]);
    assert_eq!(r, Some(Routing::Local));
    assert_eq!(ev, "h/etc/syslog-ng/syslog-ng.conf:100");
    assert!(
        diags.is_empty(),
        "scl.conf is expected to be missing: {diags:?}"
    );
    assert_eq!(run(&[]).0, None, "not collected: not judged");
}

#[test]
fn drop_in_forwarding_auth_is_remote() {
    let fwd =
        "destination d_net { network(\"logs.example.net\" transport(\"tcp\") port(514)); };\n\
               log { source(s_src); filter(f_auth); destination(d_net); };\n";
    let (r, ev, _) = run(&[
        (CONF, DEBIAN),
        ("/etc/syslog-ng/conf.d/50-forward.conf", fwd),
    ]);
    assert_eq!(r, Some(Routing::Remote));
    assert_eq!(ev, "h/etc/syslog-ng/conf.d/50-forward.conf:2");
}

#[test]
fn final_path_stops_later_paths_only() {
    let drop = "log { source(s_src); filter(f_auth); flags(final); };\n";
    // Debian includes conf.d at the end: a final path there comes after auth.log's path.
    let (r, _, _) = run(&[(CONF, DEBIAN), ("/etc/syslog-ng/conf.d/00-drop.conf", drop)]);
    assert_eq!(r, Some(Routing::Local));
    // Included before the shipped paths, the same drop-in discards auth messages.
    let early = DEBIAN.replace(
        "@include \"scl.conf\"",
        "@include \"scl.conf\"\n@include \"/etc/syslog-ng/early.d\"",
    );
    // Objects are resolved after the whole file is read: the drop-in may name s_src first.
    let (r, ev, _) = run(&[
        (CONF, &early),
        ("/etc/syslog-ng/early.d/00-drop.conf", drop),
    ]);
    assert_eq!(r, Some(Routing::None));
    assert_eq!(ev, "h/etc/syslog-ng/early.d/00-drop.conf:1");
}

#[test]
fn directory_includes_in_byte_order_skipping_dot_and_tilde() {
    // B.conf (upper case first) forwards; a.conf then drops with final; ~x and .y are skipped.
    let main =
        format!("{HEAD}@include \"conf.d\"\nlog {{ source(s_src); destination(d_auth); }};\n");
    let files = [
        (CONF, main.as_str()),
        (
            "/etc/syslog-ng/conf.d/B.conf",
            "log { source(s_src); destination { udp(\"10.0.0.9\"); }; };\n",
        ),
        (
            "/etc/syslog-ng/conf.d/a.conf",
            "log { source(s_src); flags(final); };\n",
        ),
        ("/etc/syslog-ng/conf.d/~x.conf", "garbage {{{"),
        ("/etc/syslog-ng/conf.d/.y.conf", "garbage {{{"),
    ];
    let (r, ev, _) = run(&files);
    assert_eq!(r, Some(Routing::Remote));
    assert_eq!(ev, "h/etc/syslog-ng/conf.d/B.conf:1");
    // In the other order (a.conf first, as lower case sorts after upper case only by byte),
    // the final path would win: rename B to c.
    let files = [
        (CONF, main.as_str()),
        (
            "/etc/syslog-ng/conf.d/c.conf",
            "log { source(s_src); destination { udp(\"10.0.0.9\"); }; };\n",
        ),
        (
            "/etc/syslog-ng/conf.d/a.conf",
            "log { source(s_src); flags(final); };\n",
        ),
    ];
    let (r, ev, _) = run(&files);
    assert_eq!(r, Some(Routing::None));
    assert_eq!(ev, "h/etc/syslog-ng/conf.d/a.conf:1");
}

#[test]
fn facility_and_level_filters() {
    let path = |filter: &str| {
        routing(&format!(
            "{HEAD}filter f {{ {filter} }};\nlog {{ source(s_src); filter(f); destination(d_auth); }};\n"
        ))
    };
    assert_eq!(path("facility(auth,authpriv);"), Routing::Local);
    assert_eq!(path("facility(auth);"), Routing::None, "authpriv is lost");
    assert_eq!(path("facility(security, 10);"), Routing::Local);
    assert_eq!(path("level(err..emerg);"), Routing::None);
    assert_eq!(path("level(info .. emerg);"), Routing::Local);
    assert_eq!(path("level(debug, info);"), Routing::Local);
    assert_eq!(path("priority(notice);"), Routing::None);
    assert_eq!(path("not facility(auth, authpriv, mail);"), Routing::None);
    assert_eq!(
        path("facility(mail) or facility(auth) and facility(authpriv);"),
        Routing::None,
        "and binds tighter than or"
    );
    assert_eq!(
        path("(facility(mail) or facility(auth, authpriv)) and level(info);"),
        Routing::Local
    );
    assert_eq!(path("NOT Facility(kern) AND level(info);"), Routing::Local);
    assert_eq!(
        path("program(\"sshd\") or facility(authpriv);"),
        Routing::Local,
        "a filter on the message text is given the benefit of the doubt"
    );
    assert_eq!(path("filter(f_missing);"), Routing::Local);
    assert_eq!(
        path("facility(auth, authpriv) and not filter(f);"),
        Routing::Local,
        "a self-reference is bounded"
    );
}

#[test]
fn unfiltered_fallback_and_catchall_paths() {
    // A path with no filter receives everything from its source.
    assert_eq!(
        routing(&format!(
            "{HEAD}log {{ source(s_src); destination(d_auth); }};\n"
        )),
        Routing::Local
    );
    // A fallback path gets only what no other path took.
    let fb = format!(
        "{HEAD}destination d_net {{ syslog(\"10.1.1.1\"); }};\n\
         log {{ source(s_src); filter {{ facility(kern); }}; destination(d_auth); }};\n\
         log {{ source(s_src); destination(d_net); flags(fallback); }};\n"
    );
    assert_eq!(routing(&fb), Routing::Remote);
    let taken = fb.replace("facility(kern)", "facility(auth, authpriv)");
    assert_eq!(routing(&taken), Routing::Local);
    // Only network sources: local auth messages never enter the path, unless catchall.
    let net = "source s_net { network(port(514)); };\ndestination d { file(\"/var/log/all\"); };\n\
               log { source(s_net); destination(d); };\n";
    assert_eq!(routing(net), Routing::None);
    let all =
        "destination d { file(\"/var/log/all\"); };\nlog { destination(d); flags(catchall); };\n";
    assert_eq!(routing(all), Routing::Local);
    // A null file and a final path.
    let null = format!(
        "{HEAD}destination d_null {{ file(\"/dev/null\"); }};\n\
         log {{ source(s_src); destination(d_null); flags(final); }};\n\
         log {{ source(s_src); destination(d_auth); }};\n"
    );
    let (r, ev, _) = run(&[(CONF, &null)]);
    assert_eq!(r, Some(Routing::None));
    assert_eq!(ev, "h/etc/syslog-ng/syslog-ng.conf:5");
}

#[test]
fn nested_paths_junctions_and_if() {
    let nested = format!(
        "{HEAD}log {{ source(s_src);\n  log {{ filter {{ facility(kern); }}; destination(d_auth); }};\n  log {{ filter {{ facility(auth, authpriv); }}; destination {{ tcp(\"10.0.0.2\" port(601)); }}; }};\n}};\n"
    );
    assert_eq!(routing(&nested), Routing::Remote);
    let final_first = nested.replace(
        "log { filter { facility(kern); }; destination(d_auth); };",
        "log { destination(d_auth); flags(final); };",
    );
    assert_eq!(routing(&final_first), Routing::Local);
    let junction = format!(
        "{HEAD}log {{ source(s_src); junction {{ channel {{ filter {{ facility(mail); }}; destination(d_auth); }}; channel {{ destination {{ network(\"x\"); }}; }}; }}; }};\n"
    );
    assert_eq!(routing(&junction), Routing::Remote);
    let iff = format!(
        "{HEAD}log {{ source(s_src); if (facility(auth, authpriv)) {{ destination(d_auth); }} else {{ destination {{ network(\"x\"); }}; }}; }};\n"
    );
    assert_eq!(
        routing(&iff),
        Routing::Local,
        "the else branch is not taken"
    );
}

#[test]
fn defines_backticks_loops_and_missing_includes() {
    let main = format!(
        "{HEAD}@define confdir \"/etc/syslog-ng/extra\"\n@include \"`confdir`/x.conf\"\n@include \"`undefined`/y.conf\"\n@include \"/etc/syslog-ng/none.conf\"\n@include \"/etc/syslog-ng/syslog-ng.conf\"\n"
    );
    let (r, _, diags) = run(&[
        (CONF, &main),
        (
            "/etc/syslog-ng/extra/x.conf",
            "log { source(s_src); destination(d_auth); };\n",
        ),
    ]);
    assert_eq!(r, Some(Routing::Local));
    assert!(
        diags.iter().any(|d| d.contains("undefined backtick")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.contains("none.conf is not in the collection")),
        "{diags:?}"
    );
    assert!(
        diags.iter().any(|d| d.contains("include loop")),
        "{diags:?}"
    );
}

#[test]
fn malformed_input_never_panics() {
    let cases = [
        "",
        "{{{{{{",
        "}}}})))",
        "log { source(s_src); filter(",
        "log { source(\"unterminated); destination(d); };",
        "filter f { not not not };\nlog { source { system(); }; filter(f); destination { file(\"/x\"); }; };",
        "log { source { system(); }; if { } elif else ; destination(); };",
        "@include\n@define\n@\nlog",
        &"(".repeat(10_000),
        &"log { ".repeat(5_000),
        &"filter f { not ".repeat(1000),
        "filter f { level(info..bogus); };\nlog { source { system(); }; filter(f); destination { file(\"/x\"); }; };",
    ];
    for c in cases {
        let _ = routing(c);
    }
    let (_, _, diags) = run(&[(CONF, "log { source(\"x); };")]);
    assert!(diags.iter().any(|d| d.contains("unterminated string")));
    assert_eq!(
        routing("filter f { level(info..bogus); };\nlog { source { system(); }; filter(f); destination { file(\"/x\"); }; };"),
        Routing::Local,
        "an unknown level makes the filter unknown, not false"
    );
}

#[test]
fn authpriv_dropped_is_none_even_if_auth_is_kept() {
    let conf = format!(
        "{HEAD}log {{ source(s_src); filter {{ facility(authpriv); }}; flags(final); }};\n\
         log {{ source(s_src); filter {{ facility(auth, authpriv); }}; destination(d_auth); }};\n"
    );
    let (r, ev, _) = run(&[(CONF, &conf)]);
    assert_eq!(r, Some(Routing::None));
    assert_eq!(ev, "h/etc/syslog-ng/syslog-ng.conf:4");
}

#[test]
fn fedora_layout_splits_auth_and_authpriv() {
    // Fedora's shipped file: authpriv to /var/log/secure, auth (not excluded) to messages.
    let fedora = "@version: 4.15\n@include \"scl.conf\"\n\
options { flush_lines (0); time_reopen (10); log_fifo_size (1000); chain_hostnames (off); };\n\
source s_sys { system(); internal(); # udp(ip(0.0.0.0) port(514));\n};\n\
destination d_cons { file(\"/dev/console\"); };\n\
destination d_mesg { file(\"/var/log/messages\"); };\n\
destination d_auth { file(\"/var/log/secure\"); };\n\
filter f_kernel     { facility(kern); };\n\
filter f_default    { level(info..emerg) and\n                        not (facility(mail)\n                        or facility(authpriv)\n                        or facility(cron)); };\n\
filter f_auth       { facility(authpriv); };\n\
log { source(s_sys); filter(f_kernel); destination(d_cons); };\n\
log { source(s_sys); filter(f_default); destination(d_mesg); };\n\
log { source(s_sys); filter(f_auth); destination(d_auth); };\n\
@include \"/etc/syslog-ng/conf.d/*.conf\"\n";
    assert_eq!(routing(fedora), Routing::Local);
    let no_secure = fedora.replace(
        "log { source(s_sys); filter(f_auth); destination(d_auth); };",
        "",
    );
    assert_eq!(
        routing(&no_secure),
        Routing::None,
        "authpriv is excluded from messages"
    );
}
