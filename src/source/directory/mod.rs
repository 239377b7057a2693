//! Directory sources (Active Directory and OpenLDAP): LDIF exports and live LDAP.
//!
//! STUB in the `wip-live` branch: the LDIF parser (`ldif`, `ad`, `openldap`) is written on
//! another branch; only the API used by `live` is stubbed here so the branch compiles.

pub mod live;

use super::Output;

/// Parses an LDIF export (RFC 2849) into records. Stub: returns nothing.
pub fn parse_ldif(path: &str, reader: impl std::io::BufRead) -> Output {
    let _ = (path, reader);
    Output::default()
}

/// Whether a file prefix looks like LDIF. Stub: never.
pub fn sniff_ldif(prefix: &str) -> bool {
    let _ = prefix;
    false
}
