//! vsftpd (`etc/vsftpd.conf`, Debian; else `etc/vsftpd/vsftpd.conf`, RHEL): `option=value`, no
//! blanks around `=`, option names case-sensitive, booleans YES/NO/TRUE/FALSE/1/0 in any case;
//! a later line overrides an earlier one. Defaults per vsftpd.conf(5) 3.0.x: `local_enable` NO,
//! `ssl_enable` NO, `force_local_logins_ssl` YES (only in effect with ssl_enable). Emits
//! `vsftpd:cleartext_logins` with the option that lets local users send their password in clear
//! (`ssl_enable=NO` or `force_local_logins_ssl=NO`; evidence without a line when it is the
//! default) when `local_enable` is YES.

use crate::inventory::{Evidence, Scope};
use crate::source::linux::fs::HostFs;
use crate::source::linux::logging::{content_lines, emit, text};
use crate::source::Output;

pub(super) fn scan(fs: &HostFs, system: &str, out: &mut Output) {
    let Some((path, t)) = ["/etc/vsftpd.conf", "/etc/vsftpd/vsftpd.conf"]
        .iter()
        .find_map(|p| text(fs, p, out).map(|t| (*p, t)))
    else {
        return;
    };
    let shown = fs.evidence_path(path);
    let file = Evidence::new(&shown, None);
    let mut local = (false, file.clone());
    let mut ssl = (false, file.clone());
    let mut force = (true, file.clone());
    for (n, line) in content_lines(&t) {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let on = matches!(v.to_ascii_uppercase().as_str(), "YES" | "TRUE" | "1");
        let ev = Evidence::at(&shown, n);
        match k {
            "local_enable" => local = (on, ev),
            "ssl_enable" => ssl = (on, ev),
            "force_local_logins_ssl" => force = (on, ev),
            _ => {}
        }
    }
    if !local.0 {
        return;
    }
    let (value, ev) = if !ssl.0 {
        ("ssl_enable=NO", ssl.1)
    } else if !force.0 {
        ("force_local_logins_ssl=NO", force.1)
    } else {
        return;
    };
    emit(
        out,
        system,
        "vsftpd",
        "cleartext_logins",
        value,
        Scope::Global,
        ev,
    );
}
