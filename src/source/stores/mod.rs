//! App-password stores read as accounts' credentials: Apache `htpasswd` files, password-manager
//! exports (KeePass 2 XML, KeePassXC CSV, Bitwarden JSON and CSV, 1Password CSV) and SYSVOL Group
//! Policy Preferences XML with a `cpassword` (Groups, Services, ScheduledTasks, DataSources,
//! Drives, Printers).
//!
//! This module owns recognising those files ([`sniff`], by content, the conventional file name
//! only breaking ties for htpasswd) and turning each stored password into a credential linked to
//! the login it belongs to. It does not decide findings (RG201 judges htpasswd passwords as app
//! passwords; RG501 reports the clear-text ones) and never keeps or prints a secret: ids come from
//! `source::secret_id` (place of the secret, or an HMAC with `--secret-id-key`).
//!
//! Owners:
//! - htpasswd: the user of the line (`OwnerRef { system: None, login }`), so the login joins
//!   the person's identity;
//! - password-manager exports: the exporter, which the file does not name. It is the login of
//!   the home directory the export sits in (`home/<user>/…`, `Users/<user>/…`, `root/…` is no
//!   person and gives none); elsewhere the owner is unknown. The entry's own user name is the
//!   account at the remote system and goes into the label, not the owner;
//! - GPP: the account the preference names (`userName`, `runAs`, `accountName`, `username`); a
//!   `DOMAIN\user` or `user@domain` name is that domain account; a Groups.xml `<User>` without a
//!   domain is a local account of every computer the GPO applies to, and has no owner.
//!
//! Times: htpasswd and password-manager exports record none; the file time dates them
//! (`BySniff::dated_by_file_time`). A GPP item carries its own `changed` time (basis `Recorded`).

mod exports;
mod gpp;
mod htpasswd;
#[cfg(test)]
mod tests;

use super::registry::{BySniff, ParseInput, Sniff};
use super::{Output, SourceOptions};

/// The stores this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Htpasswd,
    KeePassXml,
    KeePassXcCsv,
    BitwardenJson,
    BitwardenCsv,
    OnePasswordCsv,
    GppXml,
}

/// Recognises a store by content (only the first 4 KiB are looked at; the file name decides
/// only for htpasswd files that hold no modern hash).
pub fn sniff(file: &Sniff<'_>) -> Option<Store> {
    if let Some(s) = exports::sniff(file) {
        return Some(s);
    }
    if gpp::sniff(file) {
        return Some(Store::GppXml);
    }
    htpasswd::sniff(file).then_some(Store::Htpasswd)
}

/// App-password stores (htpasswd, password-manager exports, GPP `cpassword`).
pub static SOURCE: BySniff<Store> = BySniff {
    name: "stores",
    sniff,
    read,
    join: super::registry::no_join,
    dated_by_file_time: true,
};

fn read(store: Store, input: &ParseInput<'_>) -> Output {
    parse(store, input.uri, input.text, input.options)
}

/// Parses one store; `path` is the file relative to the scan root. Secrets are named by
/// `options.secret_ids`.
pub fn parse(store: Store, path: &str, text: &str, options: &SourceOptions) -> Output {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let names = &mut options.secret_ids.file(path);
    match store {
        Store::Htpasswd => htpasswd::parse(path, text, names),
        Store::GppXml => {
            // Groups.xml also changes local groups: the memberships are `source::windows`'s.
            let mut out = gpp::parse(path, text, names);
            out.extend(super::windows::gpp_groups::parse(path, text));
            out
        }
        other => exports::parse(other, path, text, names),
    }
}

/// The login of the home directory `path` sits in (`home/<user>/…`, `Users/<user>/…` on
/// Windows, `/var/home`, `/export/home`), the exporter of a password-manager export. `root`,
/// `Public`, `Default` and `All Users` are no person.
pub(crate) fn home_login(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let at = parts
        .iter()
        .rposition(|p| p.eq_ignore_ascii_case("home") || p.eq_ignore_ascii_case("users"))?;
    // The user directory must be a directory, not the file itself.
    if at + 2 >= parts.len() {
        return None;
    }
    let user = parts.get(at + 1)?;
    let no_person = [
        "root",
        "public",
        "default",
        "default user",
        "all users",
        "shared",
    ];
    if no_person.contains(&user.to_ascii_lowercase().as_str())
        || user.starts_with('.')
        || user.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some((*user).to_string())
}
