//! RG402 legacy-auth-enabled: a service on a host that authenticates in a way a password reset
//! cannot govern or that exposes the password: telnet/rsh/rlogin/rexec/tftp from inetd or
//! xinetd, vsftpd logins without TLS, SNMP v1/v2c communities, Samba SMB1/NTLMv1/LM, and
//! PostgreSQL `trust`/`password` in pg_hba.conf. Reads the settings `source::linux::services`
//! resolves; absent settings carry their documented default (evidence without a line). On
//! network devices (`source::netdev`): IOS `enable password` and user passwords of type 0/7,
//! telnet on `line vty`, SNMP communities; Junos telnet/ftp services, SNMP communities and
//! `$1$`/`$9$`/plain-text user passwords.

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
