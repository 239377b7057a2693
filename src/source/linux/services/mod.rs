//! Services that speak legacy authentication (a password in clear text, a shared community
//! string, no password at all) or log too little: inetd/xinetd, vsftpd, Net-SNMP, Samba,
//! PostgreSQL, MySQL/MariaDB, OpenLDAP slapd and the Apache/nginx web servers, one small parser
//! each. Each emits `Record::Setting`s only when the service's
//! configuration was collected; RG402 (legacy auth) and RG401 (logging) read them. Formats:
//! `formats-host.md` §2.4–2.9, (b).

mod inetd;
mod mysql;
mod openldap;
mod postgres;
pub(crate) mod samba;
mod snmp;
mod vsftpd;
mod web;

use super::fs::HostFs;
use crate::source::Output;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    inetd::scan(fs, system, out);
    vsftpd::scan(fs, system, out);
    snmp::scan(fs, system, out);
    samba::scan(fs, system, out);
    postgres::scan(fs, system, out);
    mysql::scan(fs, system, out);
    openldap::scan(fs, system, out);
    web::scan(fs, system, out);
}

/// The legacy remote-login and file services: inetd service name, xinetd server basename, and
/// the name findings use.
pub(crate) const LEGACY: &[(&str, &str, &str)] = &[
    ("telnet", "in.telnetd", "telnet"),
    ("shell", "in.rshd", "rsh"),
    ("login", "in.rlogind", "rlogin"),
    ("exec", "in.rexecd", "rexec"),
    ("tftp", "in.tftpd", "tftp"),
];
