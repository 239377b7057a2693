//! Google Workspace exports (Admin SDK): Directory `users.list`, `asps.list` (app passwords),
//! `tokens.list` (OAuth grants), Reports API activities (password changes), and GAM's
//! `print asps` CSV. Formats: `../shared/reference/formats-cloud-saas.md` §3.
//!
//! This module owns recognising those exports by content ([`sniff`]), turning them into
//! `Account` and `Credential` records ([`parse`]), and the Google-only fix-ups after all files are
//! parsed ([`join`]): numeric `userKey` owners resolved to the user's email, and the password
//! change found in a Reports file folded into the users-list account. It does not decide
//! findings and does not know other sources.
//!
//! Identity: `system` is the Workspace domain (the domain of the email, lower-case), `login` the
//! email as the export spells it. The Directory API has no "password last changed" field, so a
//! users-list account has `password_last_set` Unknown; the reset comes from a Reports file
//! (`password_edit`/`change_password` events of the `user_accounts`/`login` apps, `CHANGE_PASSWORD`
//! of the `admin` app), which yields an account record per user with the latest change.
//! Reports reach back 180 days at most: no event is not "never reset".
//!
//! Layout: `directory` (users, ASPs, tokens), `reports` (activities), `gam` (GAM CSV); JSON is
//! read with `source::json`. Times: RFC 3339 with millis, epoch-millisecond strings (`"0"` = unknown creation / never used), `1970-01-01…` = never.

mod directory;
mod gam;
pub mod reports;
#[cfg(test)]
mod tests;

use super::json::{self, Node};
use super::Output;
use crate::inventory::{Record, SourceKind, When};
use crate::source::registry::{BySniff, ParseInput, Sniff};
use std::collections::BTreeMap;

/// The Google Workspace exports this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoogleExport {
    /// Directory API `users.list` (`users` array), a bare array or a single user object.
    Users,
    /// `asps.list` (`items` of `admin#directory#asp`).
    Asps,
    /// `tokens.list` (`items` of `admin#directory#token`).
    Tokens,
    /// Reports API `activities.list` (`items` of `admin#reports#activity`).
    Activities,
    /// GAM `print asps` CSV (`User,asps,asps.0.codeId,…` or one ASP per row).
    GamAspsCsv,
}

/// The system of an account whose email has no domain.
const FALLBACK_SYSTEM: &str = "google";

/// Recognises a Google Workspace export by content; the path is not used. Only the first few KB
/// are looked at, textually.
pub fn sniff(file: &Sniff<'_>) -> Option<GoogleExport> {
    let head = file.body_head();
    if !file.looks_like_json() {
        return gam::sniff(head);
    }
    let has = |k: &str| json::has_key(head, k);
    if head.contains("admin#reports#activit")
        || (has("applicationName") && has("events"))
        || (has("events") && has("uniqueQualifier"))
    {
        return Some(GoogleExport::Activities);
    }
    if head.contains("\"admin#directory#asp") || (has("codeId") && has("lastTimeUsed")) {
        return Some(GoogleExport::Asps);
    }
    if head.contains("\"admin#directory#token")
        || (has("clientId") && (has("displayText") || has("nativeApp")))
    {
        return Some(GoogleExport::Tokens);
    }
    if head.contains("\"admin#directory#user") || has("primaryEmail") {
        return Some(GoogleExport::Users);
    }
    None
}

/// Google Workspace exports (Admin SDK, Reports API, GAM).
pub static SOURCE: BySniff<GoogleExport> = BySniff {
    name: "google",
    sniff,
    read,
    join,
    dated_by_file_time: false,
};

fn read(kind: GoogleExport, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

/// Parses one export; `path` is the file relative to the scan root.
///
/// A JSON file is read for every Directory item shape whatever `kind` says (items are recognised
/// by their fields), so a file merging several listings loses nothing; Reports activities are
/// read only for [`GoogleExport::Activities`].
pub fn parse(kind: GoogleExport, path: &str, text: &str) -> Output {
    match kind {
        GoogleExport::Users | GoogleExport::Asps | GoogleExport::Tokens => {
            directory::parse(path, text)
        }
        GoogleExport::Activities => reports::parse(path, text),
        GoogleExport::GamAspsCsv => gam::parse(path, text),
    }
}

/// Google fix-ups after all files are parsed (call once on all records, before the inventory is
/// built):
/// - credentials owned by a numeric `userKey` (the user's id, as `asps.list`/`tokens.list` write
///   it) get the owner's email and domain from the users-list account that has that id as alias;
/// - an account from a Reports file (it has `password_evidence`) is folded into the users-list
///   account of the same domain and email (case-insensitive): that account takes the latest
///   password change and its evidence, and the Reports record is dropped. Reports accounts of
///   the same user from several files are merged into the latest. Without a users-list account the
///   Reports account stays.
pub fn join(records: &mut Vec<Record>) {
    // 1. user id -> (domain, email)
    let mut by_id: BTreeMap<String, (String, String)> = BTreeMap::new();
    for r in records.iter() {
        if let Record::Account(a) = r {
            if a.source == SourceKind::GoogleWorkspace {
                for alias in a.aliases.iter().filter(|x| is_user_id(x)) {
                    by_id
                        .entry(alias.clone())
                        .or_insert_with(|| (a.system.clone(), a.login.clone()));
                }
            }
        }
    }
    for r in records.iter_mut() {
        let Record::Credential(c) = r else { continue };
        let Some(owner) = c.owner.as_mut() else {
            continue;
        };
        if owner.system.is_none() {
            if let Some((system, login)) = by_id.get(&owner.login) {
                owner.system = Some(system.clone());
                owner.login = login.clone();
            }
        }
    }
    // 2. fold Reports accounts.
    let key = |system: &str, login: &str| (system.to_ascii_lowercase(), login.to_lowercase());
    let mut reset: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut listed: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let Record::Account(a) = r else { continue };
        if a.source != SourceKind::GoogleWorkspace {
            continue;
        }
        let k = key(&a.system, &a.login);
        if a.password_evidence.is_some() {
            let better = match reset.get(&k).and_then(|&j| account_at(records, j)) {
                Some(prev) => later(a.password_last_set, prev.password_last_set),
                None => true,
            };
            if better {
                reset.insert(k, i);
            }
        } else {
            listed.entry(k).or_default().push(i);
        }
    }
    let mut drop = vec![false; records.len()];
    for (i, r) in records.iter().enumerate() {
        if let Record::Account(a) = r {
            if a.source == SourceKind::GoogleWorkspace && a.password_evidence.is_some() {
                let k = key(&a.system, &a.login);
                let best = reset.get(&k) == Some(&i);
                drop[i] = !best || listed.contains_key(&k);
            }
        }
    }
    for (k, &from) in &reset {
        let Some(targets) = listed.get(k) else {
            continue;
        };
        let Some(src) = account_at(records, from) else {
            continue;
        };
        let (at, evidence) = (src.password_last_set, src.password_evidence.clone());
        // Every users-list copy of the account (several users files) gets the reset.
        for &to in targets {
            if let Some(Record::Account(dst)) = records.get_mut(to) {
                dst.password_last_set = at;
                dst.password_evidence = evidence.clone();
            }
        }
    }
    let mut index = 0;
    records.retain(|_| {
        let keep = !drop.get(index).copied().unwrap_or(false);
        index += 1;
        keep
    });
}

fn account_at(records: &[Record], i: usize) -> Option<&crate::inventory::Account> {
    match records.get(i) {
        Some(Record::Account(a)) => Some(a),
        _ => None,
    }
}

/// Strictly later, when `a` is known and `b` is not or is earlier.
fn later(a: When, b: When) -> bool {
    match (a.known(), b.known()) {
        (Some(x), Some(y)) => x > y,
        (Some(_), None) => true,
        _ => false,
    }
}

/// A Google user id: all digits (`104321876543210987654`).
fn is_user_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The Workspace domain of an email (lower-case), or the fallback system.
fn system_of(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
            // `google:<domain>`: Entra and Okta often serve the same domain.
            format!("google:{}", domain.trim().to_ascii_lowercase())
        }
        _ => FALLBACK_SYSTEM.to_string(),
    }
}

/// The owner of a credential from a `userKey` (an email or the numeric user id).
fn owner_of(user_key: &str) -> crate::inventory::OwnerRef {
    if user_key.contains('@') {
        crate::inventory::OwnerRef {
            system: Some(system_of(user_key)),
            login: user_key.to_string(),
        }
    } else {
        // Resolved to the email by `join` when the users list is scanned too.
        crate::inventory::OwnerRef {
            system: None,
            login: user_key.to_string(),
        }
    }
}

/// The owner key of an item: its `userKey`, else a user field of its wrapper object.
fn user_key(item: &Node<'_>, wrapper: Option<&Node<'_>>) -> Option<String> {
    let pick = |m: &Node<'_>| {
        ["userKey", "user", "primaryEmail"].iter().find_map(|k| {
            m.get(k)
                .and_then(|v| match (v.str(), v.num()) {
                    (Some(s), _) => Some(s.trim().to_string()),
                    (_, Some(n)) => Some(n.to_string()),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
        })
    };
    pick(item).or_else(|| wrapper.and_then(pick))
}

/// Earliest plausible epoch-millisecond value: 2004-01-01 (before Google Apps existed, a
/// value is a unit mistake or a sentinel).
const PLAUSIBLE_MS_FROM: i64 = 1_072_915_200_000;
/// Latest plausible: 2200-01-01.
const PLAUSIBLE_MS_TO: i64 = 7_258_118_400_000;

/// What an ASP time cell holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum MsTime {
    Date(When),
    /// `"0"`: unknown (creationTime) or never (lastTimeUsed); GAM writes `Unknown`/`Never`.
    Zero,
    /// Absent or `null`.
    Missing,
    Bad(&'static str),
}

/// Reads an `asps` time: epoch milliseconds as a JSON string or number, or RFC 3339 (GAM with
/// timezone conversion), or GAM's `Never`/`Unknown`.
fn ms_time(value: Option<&Node<'_>>) -> MsTime {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return MsTime::Missing;
    };
    if value.num().is_some() {
        return match value.as_i64() {
            Some(ms) => ms_value(ms),
            None => MsTime::Bad("is not an integer number of milliseconds"),
        };
    }
    match value.str() {
        Some(s) => ms_text(s),
        None => MsTime::Bad("is not a string or number"),
    }
}

fn ms_text(s: &str) -> MsTime {
    let s = s.trim();
    if s.is_empty() {
        return MsTime::Missing;
    }
    // GAM prints `"0"` as `Never` (lastTimeUsed) or `Unknown` (creationTime).
    if s.eq_ignore_ascii_case("never") {
        return MsTime::Zero;
    }
    if s.eq_ignore_ascii_case("unknown") {
        return MsTime::Missing;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<i64>() {
            Ok(ms) => ms_value(ms),
            Err(_) => MsTime::Bad("is out of range"),
        };
    }
    match When::parse_instant(s) {
        Some(When::Known(t)) => MsTime::Date(When::Known(t)),
        // 1970-01-01 and earlier: the sentinel written as a date.
        Some(_) => MsTime::Zero,
        None => MsTime::Bad("is not epoch milliseconds or a date"),
    }
}

fn ms_value(ms: i64) -> MsTime {
    if ms == 0 {
        return MsTime::Zero;
    }
    if !(PLAUSIBLE_MS_FROM..=PLAUSIBLE_MS_TO).contains(&ms) {
        return MsTime::Bad("is not a plausible epoch-millisecond time (seconds instead of ms?)");
    }
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => MsTime::Date(When::Known(t)),
        Err(_) => MsTime::Bad("is out of range"),
    }
}

/// `sha256(text)` as 12 lower-case hex digits: a non-reversible handle for a recovery address.
fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}
