//! Record lookups shared by the source adapters' unit tests.

use crate::inventory::{Account, Credential, Record, When};
use crate::source::Output;

/// A known instant from RFC 3339 text.
pub fn t(s: &str) -> When {
    When::parse_instant(s).unwrap()
}

pub fn accounts(out: &Output) -> Vec<&Account> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect()
}

pub fn creds(records: &[Record]) -> Vec<&Credential> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Credential(c) => Some(c),
            _ => None,
        })
        .collect()
}

pub fn account<'a>(out: &'a Output, login: &str) -> &'a Account {
    accounts(out)
        .into_iter()
        .find(|a| a.login == login)
        .unwrap_or_else(|| panic!("no account {login}"))
}

pub fn cred<'a>(records: &'a [Record], id: &str) -> &'a Credential {
    creds(records)
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no credential {id}"))
}
