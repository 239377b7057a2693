use super::*;
use crate::inventory::Record;
use crate::source::registry::claimants;
use crate::source::secret_id::SecretIdScheme;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/fixtures/sources/netdev/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn parse(kind: DeviceConfig, name: &str) -> (Output, String) {
    let text = fixture(name);
    let scheme = SecretIdScheme::default();
    let path = format!("net/{name}");
    let mut names = scheme.file(&path);
    let out = match kind {
        DeviceConfig::Ios => ios::parse(&path, &text, &mut names),
        DeviceConfig::Junos => junos::parse(&path, &text, &mut names),
    };
    (out, text)
}

fn settings(out: &Output) -> Vec<String> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Setting(s) => Some(format!(
                "{} {} [{}] = {} @{}",
                s.system,
                s.key,
                match &s.scope {
                    Scope::Global => "global".to_string(),
                    Scope::Conditional(c) => c.clone(),
                },
                s.value,
                s.evidence
                    .as_ref()
                    .and_then(|e| e.line)
                    .map_or("-".into(), |l| l.to_string())
            )),
            _ => None,
        })
        .collect()
}

fn admins(out: &Output) -> Vec<String> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Membership(m) if m.grants.is_some() => Some(format!(
                "{}:{} {} @{}",
                m.system,
                m.member,
                m.group,
                m.evidence.line.unwrap_or(0)
            )),
            _ => None,
        })
        .collect()
}

fn secrets(out: &Output) -> Vec<String> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(format!(
                "{} owner={} @{}",
                c.label,
                c.owner.as_ref().map_or("-", |o| o.login.as_str()),
                c.evidence.line.unwrap_or(0)
            )),
            _ => None,
        })
        .collect()
}

/// No record or diagnostic holds a secret of the fixture (clear, encoded or decoded).
fn assert_no_secret(out: &Output, secrets: &[&str]) {
    let all = format!(
        "{}{:?}",
        serde_json::to_string(&out.records).unwrap(),
        out.diagnostics
    );
    for s in secrets {
        assert!(!all.contains(s), "secret {s} leaked");
    }
}

#[test]
fn sniffs_ios_and_junos_by_content_and_nothing_else() {
    let ios = fixture("edge01-ios.cfg");
    let junos = fixture("core-fw1-junos.set");
    // The secret extractors claim every file; the netdev source comes first.
    assert_eq!(claimants("a/x.txt", &ios)[0], "netdev");
    assert_eq!(claimants("a/x.txt", &junos)[0], "netdev");
    assert_eq!(
        sniff(&Sniff::new("x", &ios)),
        Some(DeviceConfig::Ios),
        "IOS"
    );
    assert_eq!(sniff(&Sniff::new("x", &junos)), Some(DeviceConfig::Junos));
    // Look-alikes: a shell script that sets a host name, an INI, a single set line.
    for other in [
        "#!/bin/sh\nhostname web01\necho done\n",
        "[main]\nhostname = web01\nversion = 15.2\n",
        "set system host-name x\n",
        "set system host-name x\nset system services ssh\necho hi\n",
        "hostname web01\n",
    ] {
        assert_eq!(sniff(&Sniff::new("x", other)), None, "{other}");
    }
}

#[test]
fn ios_running_config_facts() {
    let (out, _) = parse(DeviceConfig::Ios, "edge01-ios.cfg");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // Admins: privilege 15 only; the banner and the interface description declare nobody.
    assert_eq!(
        admins(&out),
        vec![
            "edge01:backup privilege 15 @22",
            "edge01:netops privilege 15 @20"
        ]
    );
    let accounts: Vec<&str> = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => {
                assert_eq!(a.scope, AccountScope::Local);
                assert_eq!(a.source, SourceKind::NetworkDevice);
                Some(a.login.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(accounts, vec!["backup", "helpdesk", "legacy", "netops"]);
    assert_eq!(
        secrets(&out),
        vec![
            "Cisco IOS enable password, type 7 (reversible: as good as clear text) on edge01 owner=- @18",
            "Cisco IOS local user password, type 7 (reversible: as good as clear text) on edge01 owner=netops @20",
            "Cisco IOS local user password, type 0 (clear text) on edge01 owner=legacy @23",
            "Cisco IOS `line vty 0 4` password, type 7 (reversible: as good as clear text) on edge01 owner=- @51",
        ]
    );
    assert_eq!(
        settings(&out),
        vec![
            "edge01 logging buffered [global] = true @17",
            "edge01 enable password [global] = type 7 @18",
            "edge01 username password type [username netops] = 7 @20",
            "edge01 username secret type [username helpdesk] = 9 @21",
            "edge01 username secret type [username backup] = 5 @22",
            "edge01 username password type [username legacy] = 0 @23",
            "edge01 ip http server [global] = true @36",
            "edge01 snmp-server community [community #1] = RO @38",
            "edge01 snmp-server community [community #2] = RW @39",
            "edge01 line vty transport input [line vty 0 4] = telnet ssh @53",
            "edge01 line vty transport input [line vty 5 15] = default @54",
            "edge01 aaa new-model [global] = false @-",
            "edge01 aaa accounting [global] = none @-",
            // The `logging host` lines sit inside banners: not configuration.
            "edge01 logging host [global] = none @-",
        ]
    );
    let hosts: Vec<(&str, &str)> = out
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Host(h) => Some((h.name.as_str(), h.root.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(hosts, vec![("edge01", "net/edge01-ios.cfg")]);
    assert_no_secret(
        &out,
        &[
            "Synth",
            "047E05070D2D49033A000B031A5C",
            "08125B1F1D1A0D5A21120210227830213074",
            "Sw1tch",
            "Enable-Synth7",
            "$9$SYNTH",
        ],
    );
}

#[test]
fn ios_type7_secret_joins_the_same_password_elsewhere() {
    // The decoded type 7 value is the matcher's input: the same password in clear text in
    // another file is the same secret.
    let scheme = SecretIdScheme::default();
    let mut names = scheme.file("r1.cfg");
    let text = "hostname r1\n!\nusername a privilege 15 password 7 08125B1F1D1A0D5A21120210227830213074\nend\n";
    let out = ios::parse("r1.cfg", text, &mut names);
    let m = out
        .records
        .iter()
        .find_map(|r| match r {
            Record::Credential(c) => c.same_secret,
            _ => None,
        })
        .unwrap();
    assert_eq!(m, scheme.matcher("Sw1tch-Synth3tic!"));
}

#[test]
fn ios_logging_and_accounting_present() {
    let text = "version 17.9\nhostname r2\n!\naaa new-model\naaa accounting exec default start-stop group tacacs+\naaa accounting commands 15 default start-stop group tacacs+\nno logging on\nlogging 10.0.0.5\nline vty 0 4\n transport input ssh\n!\nend\n";
    let scheme = SecretIdScheme::default();
    let mut names = scheme.file("r2.cfg");
    let out = ios::parse("r2.cfg", text, &mut names);
    assert_eq!(
        settings(&out),
        vec![
            "r2 logging on [global] = false @7",
            "r2 line vty transport input [line vty 0 4] = ssh @10",
            "r2 aaa new-model [global] = true @4",
            "r2 aaa accounting [global] = exec, commands 15 @5",
            "r2 logging host [global] = set @8",
        ]
    );
    assert!(admins(&out).is_empty());
}

#[test]
fn junos_set_format_facts() {
    let (out, _) = parse(DeviceConfig::Junos, "core-fw1-junos.set");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // super-user and a class with `permissions all`; the deleted user is gone; read-only is not.
    assert_eq!(
        admins(&out),
        vec![
            "core-fw1:netops class super-user @8",
            "core-fw1:noc1 class noc @11"
        ]
    );
    assert_eq!(
        secrets(&out),
        vec![
            "Junos local user password, $9$ (reversible: as good as clear text) on core-fw1 owner=noc1 @12",
            "Junos `system radius-server 10.0.0.9 secret`, $9$ (reversible: as good as clear text) on core-fw1 owner=- @20",
        ]
    );
    assert_eq!(
        settings(&out),
        vec![
            "core-fw1 login user encrypted-password [user netops] = $6$ @9",
            "core-fw1 login user encrypted-password [user noc1] = $9$ @12",
            "core-fw1 login user encrypted-password [user viewer] = $1$ @15",
            "core-fw1 system services telnet [global] = enabled @19",
            "core-fw1 snmp community [community #1] = read-only @26",
            "core-fw1 snmp community [community #2] = read-write @27",
            // The syslog host is deactivated, and the group that sets one is not applied.
            "core-fw1 system syslog host [global] = none @-",
            "core-fw1 system accounting [global] = none @-",
        ]
    );
    assert_no_secret(
        &out,
        &["SyNtHeTiC", "Synth Community", "SynthRW", "SYNTHETIC"],
    );
}

#[test]
fn junos_apply_groups_and_quotes() {
    let text = "set system host-name r3\nset groups LOG system syslog host 10.0.0.7 any info\nset apply-groups LOG\nset system login user \"a b\" class super-user\nset system login user x authentication encrypted-password \"unterminated\n";
    let scheme = SecretIdScheme::default();
    let mut names = scheme.file("r3.set");
    let out = junos::parse("r3.set", text, &mut names);
    assert!(settings(&out).contains(&"r3 system syslog host [global] = set @2".to_string()));
    assert_eq!(admins(&out), vec!["r3:a b class super-user @4"]);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
}

#[test]
fn hostless_configs_are_named_by_file() {
    assert_eq!(name_from_path("net/sw9.cfg"), "sw9");
    assert_eq!(name_from_path("sw9"), "sw9");
    assert_eq!(name_from_path(".cfg"), ".cfg");
}
