//! RG402 legacy-auth-enabled: a service on a host that authenticates in a way a password reset
//! cannot govern or that exposes the password: telnet/rsh/rlogin/rexec/tftp from inetd or
//! xinetd, vsftpd logins without TLS, SNMP v1/v2c communities, Samba SMB1/NTLMv1/LM, and
//! PostgreSQL `trust`/`password` in pg_hba.conf. Reads the settings `source::linux::services`
//! resolves; absent settings carry their documented default (evidence without a line).

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
