//! The demo estate (`fixtures/estate`, described in its README): every expected finding, with
//! its level, evidence line and account, and nothing on the near misses.

use crate::common::{resetgap, scan_json, summarize, AS_OF};

/// Each finding of the demo estate and why it must be there.
const EXPECTED: &[&str] = &[
    // r.tanaka: signing certificate from 2021 and key from 2023 survive the April reset.
    "RG101 warning aws/credential-report.csv:7 r.tanaka",
    // m.okafor: key issued 2025-11-20, reset 2026-08-03, used 2026-08-19: error.
    "RG101 error aws/list-access-keys.json:5 m.okafor",
    "RG101 warning aws/list-access-keys.json:41 r.tanaka",
    // m.okafor's IAM SSH key (CodeCommit) predates her reset.
    "RG102 warning aws/list-ssh-public-keys.json:5 m.okafor",
    // alice: locked on 2025-01-01, key file from 2023 (manifest): both keys survived and still log in.
    "RG102 warning hosts/web01/home/alice/.ssh/authorized_keys:2 alice",
    "RG102 warning hosts/web01/home/alice/.ssh/authorized_keys:3 alice",
    // m.okafor on web01: key file 2026-01-15 predates her AD reset (cross-source identity).
    "RG102 warning hosts/web01/home/m.okafor/.ssh/authorized_keys:1 m.okafor",
    // root: key file 2025-01-01, root's password changed 2026-02-01.
    "RG102 warning hosts/web01/root/.ssh/authorized_keys:1 root",
    // AD: mokafor's key credential (2026-07-20) predates her AD reset (2026-08-05); used 08-18.
    "RG103 error directory/corp-ad.ldif:31 mokafor",
    // AD: hd.temp's pwdLastSet was refreshed without a password change.
    "RG104 error directory/corp-ad.ldif:148 hd.temp",
    // WS01 caches 25 domain logons: her old password still opens it off the network.
    "RG110 warning windows/WS01/reg/winlogon.reg:5 WS01",
    // CodeCommit credential from 2024, before the reset and over 90 days.
    "RG201 warning aws/list-service-specific-credentials.json:8 m.okafor",
    // AD: krbtgt last rotated 2025-01-10 (over twice 180 days); svc-backup never expires and is
    // Kerberoastable with a 2021 password.
    "RG203 error directory/corp-ad.ldif:103 krbtgt",
    "RG204 warning directory/corp-ad.ldif:108 svc-backup",
    "RG206 warning directory/corp-ad.ldif:108 svc-backup",
    // Local admins of web01: docker member, UID 0, primary GID sudo, sudoers via alias, @includedir file.
    "RG301 warning hosts/web01/etc/group:5 svc_backup",
    "RG301 error hosts/web01/etc/passwd:3 toor",
    "RG301 warning hosts/web01/etc/passwd:5 bob",
    "RG301 warning hosts/web01/etc/sudoers:7 alice",
    "RG301 warning hosts/web01/etc/sudoers.d/10-dave:1 dave",
    // core-sw1: Mara's device-local privilege-15 user, which her AD reset did not change.
    "RG301 warning network/core-sw1.cfg:21 mokafor",
    // WS01 (m.okafor's workstation), members of S-1-5-32-544 by SID: a local IT support account
    // and Domain Admins, named with its member from the AD export.
    "RG301 warning windows/WS01/local-admins.json:16 itsupport",
    "RG301 warning windows/WS01/local-admins.json:25 CORP\\Domain Admins",
    // AD: a Domain Admin (primary group 512) with a 2024 password; WS01 has no LAPS.
    "RG302 warning directory/corp-ad.ldif:83 a.admin",
    "RG304 warning directory/corp-ad.ldif:152 WS01$",
    // WS01 itself: the built-in Administrator (RID 500) is enabled and no LAPS root is set.
    "RG304 warning windows/WS01/local-users.json:2 Administrator",
    // legacy01: auditd runs but writes nothing (write_logs = no) and watches nothing (Debian's
    // shipped rules.d); PAM accepts empty passwords and counts no failures; rsyslog keeps auth
    // only on the host.
    "RG401 warning hosts/legacy01/etc/audit/auditd.conf:5 legacy01",
    "RG401 warning hosts/legacy01/etc/audit/rules.d/audit.rules legacy01",
    "RG401 note hosts/legacy01/etc/pam.d/common-auth legacy01",
    "RG401 note hosts/legacy01/etc/pam.d/common-auth:5 legacy01",
    "RG401 note hosts/legacy01/etc/rsyslog.conf:10 legacy01",
    // sshd Match block for backup at QUIET; sudo !syslog for the OPS alias.
    "RG401 warning hosts/web01/etc/ssh/sshd_config:9 web01",
    "RG401 warning hosts/web01/etc/sudoers:3 alice",
    // WS01 does not audit User Account Management: the help desk's reset (4724) left no event.
    "RG401 error windows/WS01/auditpol.csv:5 WS01",
    // legacy01: telnet from xinetd (a block with no `disable` line in a file not named telnet).
    "RG402 error hosts/legacy01/etc/xinetd.d/warehouse:2 legacy01",
    // WS01 still sends LM and NTLM responses (LmCompatibilityLevel 1; default 3 since Vista): one
    // captured logon gives away m.okafor's new password.
    "RG402 error windows/WS01/reg/lsa.reg:4 WS01",
    // A report script's password for m.okafor written (manifest) before her reset: error.
    "RG501 error hosts/web01/opt/reports/settings.ini:5 m.okafor",
    // The committed .env: key id joined to m.okafor through list-access-keys, and its secret.
    "RG501 warning repos/billing-api/.env:4 m.okafor",
    "RG501 warning repos/billing-api/.env:5 m.okafor",
    // database.yml production password, with the user name beside it.
    "RG501 warning repos/billing-api/config/database.yml:6 billing_svc",
    // WS01 auto-logs on as mokafor: her password in Winlogon DefaultPassword, readable in the
    // registry whatever her AD reset did.
    "RG501 warning windows/WS01/reg/winlogon.reg:8 mokafor",
];

#[test]
fn estate_findings_are_exactly_the_expected_ones() {
    let (code, report, stderr) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summarize(&report), EXPECTED);
    // Mara's identity spans AWS, web01 and AD; her AD reset is the related evidence everywhere.
    for f in report["findings"].as_array().unwrap() {
        if f["account"] == "m.okafor" && f["rule"] != "RG501"
            || f["location"]["path"] == "hosts/web01/opt/reports/settings.ini"
        {
            let related: Vec<&str> = f["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["location"]["path"].as_str().unwrap())
                .collect();
            assert!(related.contains(&"directory/corp-ad.ldif"), "{f}");
        }
    }
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        0,
        "the estate is clean input"
    );
}

#[test]
fn near_misses_do_not_fire() {
    let (_, report, _) = scan_json(&["fixtures/estate", "--as-of", AS_OF]);
    // Every account, host, credential and file the findings name.
    let mut named = std::collections::BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        for key in ["account", "host", "credential"] {
            if let Some(v) = f[key].as_str() {
                named.insert(v.to_string());
            }
        }
        let path = f["location"]["path"].as_str().unwrap();
        named.extend(path.split('/').map(str::to_string));
    }
    for quiet in [
        "s.ibrahim",   // key issued after the reset; inactive old key
        "j.lindqvist", // only the initial password, which is not a reset
        "ci-deploy",   // service user without a password: no reset to survive
        "carol",       // key newer than her reset; adm is not an admin group; limited sudo
        "eve",         // sudoers.d/20.eve and 30-mallory~ are ignored by sudo
        "db01", // first-value-wins LogLevel INFO, syslog re-enabled, expired/pending accounts
        "production.yml",
        "ci.properties",
        "OPERATIONS.md",
        "AKIAZZEXAMPLEQQQQQQC", // the inactive key of m.okafor
        "sibrahim",             // AD account of s.ibrahim: nothing predates her reset
        "WS02$",                // LAPS password rotating
        "helpdesk",             // core-sw1: a level-1 user
        "emergency",            // core-sw1: a privilege-15 user written in the banner text
    ] {
        assert!(
            !named.contains(quiet),
            "{quiet} must not appear in any finding: {named:?}"
        );
    }
}

#[test]
fn text_report_snapshot() {
    let out = resetgap()
        .args(["scan", "fixtures/estate", "--as-of", AS_OF, "--no-progress"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("estate_text", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn identities_file_links_differently_named_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.yml");
    // carol on web01 is the AWS user s.ibrahim (a made-up mapping): s.ibrahim's reset (2026-07-01)
    // is later than carol's key file (2026-05-01), so the key now survives a reset.
    std::fs::write(&ids, "carol-diaz:\n  - web01:carol\n  - aws:s.ibrahim\n").unwrap();
    let (_, report, _) = scan_json(&[
        "fixtures/estate",
        "--as-of",
        AS_OF,
        "--select",
        "RG102",
        "--identities",
        ids.to_str().unwrap(),
    ]);
    let got = summarize(&report);
    assert!(
        got.contains(
            &"RG102 warning hosts/web01/home/carol/.ssh/authorized_keys:1 carol".to_string()
        ),
        "{got:#?}"
    );
}
