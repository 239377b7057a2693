//! RG402 legacy-auth-enabled: a service on a host that authenticates in a way a password reset
//! cannot govern or that exposes the password: telnet/rsh/rlogin/rexec/tftp from inetd or
//! xinetd, vsftpd logins without TLS, SNMP v1/v2c communities, Samba SMB1/NTLMv1/LM, and
//! PostgreSQL `trust`/`password` in pg_hba.conf, MySQL/MariaDB `old_passwords = 1` and
//! `secure_auth` off (pre-4.1 password hashes). Reads the settings `source::linux::services`
//! resolves; absent settings carry their documented default (evidence without a line). On
//! network devices (`source::netdev`): IOS `enable password` and user passwords of type 0/7,
//! telnet on `line vty`, SNMP communities; Junos telnet/ftp services, SNMP communities and
//! `$1$`/`$9$`/plain-text user passwords.
//!
//! Windows (`source::windows::reg`, component `windows`; a `reg export` of the key without the
//! value records the documented default, evidence without a line, which never fails):
//! `LmCompatibilityLevel` 0 or 1 (LM and NTLMv1 responses sent; error) or 2 (NTLMv1; warning),
//! default 3 "Send NTLMv2 response only" on Windows Vista / Server 2008 and later; `NoLMHash` 0
//! (an LM hash of each new password is stored; error), default 1 since Windows Vista; the
//! LanmanServer `SMB1` value 1 (warning; the export cannot show whether the SMB 1.0 feature is
//! installed, and an absent value is not judged, since its meaning depends on the release);
//! WDigest `UseLogonCredential` 1 (LSASS keeps each logon's password in clear text for the legacy
//! Digest package; error), default 0 since Windows 8.1 / Server 2012 R2 and with KB2871997
//! before. WDigest is judged here, not by RG501: it is a legacy authentication package exposing
//! every future password on the host, not one stored credential with an owner and a location.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::Scope;
use crate::rule::Context;

const SMB1: &[&str] = &["CORE", "COREPLUS", "LANMAN1", "LANMAN2", "NT1"];

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for s in &ctx.inventory.settings {
        let Some(ev) = &s.evidence else { continue };
        let (h, v) = (s.system.as_str(), s.value.as_str());
        let scope = match &s.scope {
            Scope::Global => "global",
            Scope::Conditional(c) => c.as_str(),
        };
        let default = ev.line.is_none();
        let judged: Option<(Level, String)> = match (s.component.as_str(), s.key.as_str()) {
            ("inetd" | "xinetd", "service") => {
                let name = scope.trim_start_matches("service ");
                let (level, why) = match name {
                    "tftp" => (Level::Warning, "tftp has no authentication at all: anyone who reaches it reads or writes files with no credential to reset"),
                    "telnet" => (Level::Error, "telnet sends the password in clear text, so a reset password is exposed on its next use"),
                    _ => (Level::Error, "it trusts rhosts/hosts.equiv host-based logins or sends the password in clear text: a reset neither stops the trust nor protects the new password"),
                };
                let how = if s.component == "xinetd" { "xinetd (no `disable = yes`, not in defaults' `disabled`)" } else { "inetd (an active inetd.conf line)" };
                Some((level, format!("{name} is served on {h} by {how}: {why}.")))
            }
            ("vsftpd", "cleartext_logins") => Some((Level::Warning, format!(
                "vsftpd on {h} lets local users log in without TLS (`local_enable=YES` with `{v}`{}): FTP sends the password in clear text, including a freshly reset one.",
                if default { "; absent, vsftpd.conf(5) 3.0 default" } else { "" }))),
            ("snmpd", "community") => Some(if v == "rw" {
                (Level::Error, format!("snmpd on {h} grants SNMPv1/v2c write access by community string ({}): a shared password sent in clear, with no identity behind it and untouched by any reset.", scope.split(" #").next().unwrap_or(scope)))
            } else {
                (Level::Warning, format!("snmpd on {h} grants SNMPv1/v2c read access by community string ({}): a shared password sent in clear, with no identity behind it and untouched by any reset.", scope.split(" #").next().unwrap_or(scope)))
            }),
            ("samba", "server_min_protocol") if SMB1.contains(&v) => Some((Level::Warning, format!(
                "Samba on {h} accepts SMB1 (`server min protocol = {v}`; default SMB2_02 since Samba 4.11): SMB1 clients authenticate with NTLMv1/LM-era exchanges that can be relayed or cracked."))),
            ("samba", "ntlm_auth") if v == "ntlmv1-permitted" || v == "yes" => Some((Level::Warning, format!(
                "Samba on {h} accepts NTLMv1 (`ntlm auth = {v}`; default ntlmv2-only since Samba 4.7): an NTLMv1 response yields the NT hash, which a captured login lets an attacker crack or replay until the next reset."))),
            ("samba", "lanman_auth") if v == "yes" => Some((Level::Error, format!(
                "Samba on {h} accepts LANMAN authentication (`lanman auth = yes`; default no): LM hashes are trivially cracked, so a reset password is recovered from one login."))),
            ("postgres", "hba_method") if v == "trust" => Some((Level::Error, format!(
                "pg_hba.conf on {h} lets `{scope}` connect with `trust`: no password is asked, so no reset can lock anyone out."))),
            ("postgres", "hba_method") if v == "password" => Some((Level::Warning, format!(
                "pg_hba.conf on {h} uses `password` for `{scope}`: the password travels in clear text (use scram-sha-256)."))),
            // Network devices (`source::netdev`).
            ("ios", "enable password") if v == "type 0" || v == "type 7" => Some((Level::Error, format!(
                "{h} has an `enable password` ({v}): {} and no directory reset changes it (use `enable algorithm-type scrypt secret`).",
                if v == "type 7" { "type 7 is reversible, as good as clear text" } else { "it is stored in clear text" }))),
            ("ios", "username password type") if v == "0" || v == "7" => Some((Level::Error, format!(
                "`{scope}` on {h} has a type {v} password: {}, and a directory reset never changes a device-local password.",
                if v == "7" { "type 7 is reversible, as good as clear text" } else { "it is stored in clear text" }))),
            ("ios", "line vty transport input") if v.split_whitespace().any(|t| t == "telnet" || t == "all") => Some((Level::Error, format!(
                "`{scope}` on {h} accepts telnet (`transport input {v}`): the password of every administrator crosses the network in clear text."))),
            ("ios", "line vty transport input") if v == "default" => Some((Level::Note, format!(
                "`{scope}` on {h} sets no `transport input`, so the release's default applies; it may accept telnet, which this configuration cannot tell: check with `show line vty`."))),
            ("ios", "snmp-server community") | ("junos", "snmp community") => Some(if v.eq_ignore_ascii_case("rw") || v == "read-write" {
                (Level::Error, format!("{h} grants SNMPv1/v2c write access by community string ({scope}): a shared password sent in clear, with no identity behind it and untouched by any reset."))
            } else {
                (Level::Warning, format!("{h} grants SNMPv1/v2c read access by community string ({scope}): a shared password sent in clear, with no identity behind it and untouched by any reset."))
            }),
            ("junos", key @ ("system services telnet" | "system services ftp")) if v == "enabled" => Some((Level::Error, format!(
                "{h} enables `{}`: logins send the password in clear text.", key.trim_start_matches("system services ")))),
            ("junos", "login user encrypted-password") if v == "$1$" || v == "$9$" || v == "plain-text-password" => Some((Level::Warning, format!(
                "`{scope}` on {h} keeps its password as {}: weak or reversible, and a directory reset never changes a device-local password.",
                match v { "$9$" => "`$9$` (reversible)", "$1$" => "`$1$` MD5-crypt", _ => "a plain-text password statement" }))),
            ("mysql", "old_passwords") if v == "1" || v.eq_ignore_ascii_case("old") => Some((Level::Warning, format!(
                "MySQL/MariaDB on {h} hashes new passwords with the pre-4.1 method (`old_passwords = {v}`; default 0; removed in MySQL 5.7.5): a password set from now on, a reset one included, is stored as a weak hash that is cracked quickly."))),
            ("mysql", "secure_auth") if v == "off" => Some((Level::Warning, format!(
                "MySQL/MariaDB on {h} accepts accounts with pre-4.1 password hashes (`secure_auth` off; default ON since MySQL 5.6.5): their weak hashes and challenge let a captured login or a read of mysql.user recover the password."))),
            ("windows", key) => windows(key, h, v),
            _ => None,
        };
        if let Some((level, message)) = judged {
            let setting = format!("{}:{}", s.component, s.key);
            out.push(
                out.finding(level, Subject::Setting { host: h, setting: &setting, scope }, ev.clone(), message)
                    .host(Some(h)),
            );
        }
    }
}

/// The Windows registry settings (`source::windows::reg`): a recorded default (3, 1, 0) never
/// fails, and an unreadable number is not judged.
fn windows(key: &str, h: &str, v: &str) -> Option<(Level, String)> {
    let n: u32 = v.parse().ok()?;
    Some(match (key, n) {
        ("lmcompatibilitylevel", 0 | 1) => (Level::Error, format!(
            "Windows on {h} sends LM and NTLMv1 responses (`LmCompatibilityLevel` = {n}, \"{}\"; default 3, \"Send NTLMv2 response only\", since Windows Vista / Server 2008): an LM response captured from one network logon is cracked back to the password, the one set by a reset included.",
            if n == 0 { "Send LM & NTLM responses" } else { "Send LM & NTLM - use NTLMv2 session security if negotiated" })),
        ("lmcompatibilitylevel", 2) => (Level::Warning, format!(
            "Windows on {h} sends NTLMv1 responses (`LmCompatibilityLevel` = 2, \"Send NTLM response only\"; default 3, \"Send NTLMv2 response only\", since Windows Vista / Server 2008): an NTLMv1 response captured from one network logon yields the NT hash, which works until the next reset and is cracked to the password.")),
        ("nolmhash", 0) => (Level::Error, format!(
            "Windows on {h} stores LAN Manager hashes (`NoLMHash` = 0; default 1, \"Do not store LAN Manager hash value on next password change\" enabled, since Windows Vista / Server 2008): each password set from now on, a reset one included, is kept in the SAM as an LM hash that is cracked in minutes.")),
        ("smb1", 1) => (Level::Warning, format!(
            "Windows on {h} enables the SMB1 server (`LanmanServer\\Parameters` `SMB1` = 1): SMB1 logons fall back to LM/NTLMv1-era exchanges that are relayed or cracked. The export shows the registry value only; whether the SMB 1.0 feature is installed (it is not by default on Windows 11, Windows Server 2019 and later, and Windows 10 except Home and Pro) needs `Get-WindowsOptionalFeature -FeatureName SMB1Protocol`.")),
        ("wdigest.uselogoncredential", 1) => (Level::Error, format!(
            "Windows on {h} keeps logon passwords in clear text in LSASS memory for WDigest (`UseLogonCredential` = 1; default 0 since Windows 8.1 / Server 2012 R2, and with KB2871997 on earlier releases): whoever gains administrator rights on the host reads the current password of every user who logs on, a freshly reset one included.")),
        _ => return None,
    })
}
