//! Directory API listings as JSON: `users.list`, `asps.list`, `tokens.list` (formats-cloud-saas.md
//! §3.2). Items are recognised by their fields (`primaryEmail`, `codeId`, `clientId`), inside a
//! response object (`users`, `items`), a bare array, or alone, so API pages, GAM `formatjson`
//! output and hand-merged files all read.
//!
//! Records:
//! - user -> `Account` (password_last_set Unknown: the Directory API has no such field; the
//!   Reports file provides the reset), plus `RecoveryMethod` credentials for `recoveryEmail`,
//!   `recoveryPhone` (ids are hashes: the address is personal data) and 2-Step Verification
//!   enrolment (`isEnrolledIn2Sv`); none of them has an issue date in this export;
//! - ASP -> `AppPassword` `asp:<codeId>`, issued = `creationTime`, last used = `lastTimeUsed`
//!   (epoch-ms strings, `"0"` = unknown / never), no expiry;
//! - token -> `OAuthGrant` with the client id as id, issue and use unknown; `detail` tells the
//!   scopes and whether a mail scope is among them (Google revokes only those on a password change).

use super::{ms_time, owner_of, short_hash, system_of, user_key, MsTime};
use crate::diag::Diagnostic;
use crate::inventory::{
    Account, AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis,
    OwnerRef, PasswordState, Record, SourceKind, When,
};
use crate::source::json::field::{bool_field, id_field, str_field, time_field};
use crate::source::json::{Doc, Field, Item, Node, Shape};
use crate::source::Output;

fn is_user(o: &Node<'_>) -> bool {
    o.has("primaryEmail")
}
fn is_asp(o: &Node<'_>) -> bool {
    o.has("codeId")
}
fn is_token(o: &Node<'_>) -> bool {
    o.has("clientId")
}

pub(super) fn parse(path: &str, text: &str) -> Output {
    let doc = Doc::parse(path, text);
    let mut out = Output::default();
    let is_item = |o: &Node<'_>| is_user(o) || is_asp(o) || is_token(o);
    let shape = Shape {
        list_keys: &["users", "items"],
        is_item: &is_item,
        what: "Google Workspace users, app passwords or tokens",
    };
    for item in doc.items(&shape, &mut out) {
        if is_user(item.node) {
            user(&doc, &item, &mut out);
        } else if is_asp(item.node) {
            asp(&doc, &item, &mut out);
        } else if is_token(item.node) {
            token(&doc, &item, &mut out);
        } else {
            out.diag(doc.malformed_at(
                item.node,
                "kind",
                "item has no `primaryEmail`, `codeId` or `clientId`; skipped",
            ));
        }
    }
    doc.report_breaks(&mut out);
    out
}

fn user(doc: &Doc<'_>, item: &Item<'_, '_>, out: &mut Output) {
    let o = item.node;
    let email = match str_field(o, "primaryEmail") {
        Field::Ok(e) if !e.trim().is_empty() => e.trim(),
        _ => {
            out.diag(doc.malformed_at(
                o,
                "primaryEmail",
                "user `primaryEmail` is empty or not a string; user skipped",
            ));
            return;
        }
    };
    let system = system_of(email);
    let line = doc.key_line(o, "primaryEmail");
    let mut a = Account::new(
        SourceKind::GoogleWorkspace,
        &system,
        email,
        Evidence::at(doc.path, line),
    );
    a.kind = AccountKind::Unknown;
    match id_field(o, "id") {
        Field::Ok(id) => a.aliases.push(id),
        Field::Absent | Field::Null => {}
        Field::WrongType | Field::Invalid => {
            out.diag(doc.malformed_at(o, "id", "user `id` is not a numeric id"))
        }
    }
    if let Some(aliases) = o.get("aliases").and_then(Node::items) {
        a.aliases
            .extend(aliases.iter().filter_map(Node::str).map(str::to_string));
    }
    let mut flag = |key: &str| match bool_field(o, key) {
        Field::Ok(b) => Some(b),
        Field::Absent | Field::Null => None,
        Field::WrongType | Field::Invalid => {
            out.diag(doc.malformed_at(o, key, format!("user `{key}` is not a boolean")));
            None
        }
    };
    let suspended = flag("suspended");
    let archived = flag("archived");
    let must_change = flag("changePasswordAtNextLogin");
    let two_sv = flag("isEnrolledIn2Sv");
    let enforced = flag("isEnforcedIn2Sv");
    // `isAdmin` has no place in the model (privilege weighting); validated only.
    let _admin = flag("isAdmin");
    a.enabled = match (suspended, archived) {
        (Some(true), _) | (_, Some(true)) => Some(false),
        (Some(false), _) | (_, Some(false)) => Some(true),
        (None, None) => None,
    };
    a.password = match must_change {
        Some(true) => PasswordState::PendingChange,
        Some(false) => PasswordState::Set,
        None => PasswordState::Unknown,
    };
    // Workspace accounts do not expire.
    a.expires = When::Never;
    let created = time_field(o, "creationTime", When::parse_instant);
    if let Some(problem) = created.time_problem("creationTime") {
        out.diag(doc.malformed_at(o, "creationTime", format!("user {problem}")));
    }
    a.created = created.ok().unwrap_or(When::Unknown);
    // `lastLoginTime` (1970-01-01 = never) has no place in the model; validated only.
    if let Field::Ok(s) = str_field(o, "lastLoginTime") {
        if When::parse_instant(s).is_none() {
            out.diag(doc.malformed_at(o, "lastLoginTime", "user `lastLoginTime` is not a date"));
        }
    }
    let owner = OwnerRef {
        system: Some(system.clone()),
        login: email.to_string(),
    };
    for (key, prefix, label) in [
        ("recoveryEmail", "recoveryEmail", "Google recovery email"),
        ("recoveryPhone", "recoveryPhone", "Google recovery phone"),
    ] {
        match str_field(o, key) {
            Field::Ok(v) if !v.trim().is_empty() => {
                let norm = if key == "recoveryPhone" {
                    v.chars()
                        .filter(|c| c.is_ascii_digit() || *c == '+')
                        .collect()
                } else {
                    v.trim().to_lowercase()
                };
                let id = format!("{prefix}:{}", short_hash(&norm));
                let mut c = recovery(doc, o, key, &id, label, &owner);
                c.detail = Some(format!("{key} set; registration date not exported"));
                out.record(Record::Credential(c));
            }
            Field::WrongType | Field::Invalid => {
                out.diag(doc.malformed_at(o, key, format!("user `{key}` is not a string")))
            }
            _ => {}
        }
    }
    if two_sv == Some(true) {
        let mut c = recovery(
            doc,
            o,
            "isEnrolledIn2Sv",
            "2sv",
            "Google 2-Step Verification",
            &owner,
        );
        c.detail = Some(
            match enforced {
                Some(true) => "enrolled, enforced; enrolment date not exported",
                _ => "enrolled, not enforced; enrolment date not exported",
            }
            .to_string(),
        );
        out.record(Record::Credential(c));
    }
    out.record(Record::Account(a));
}

fn recovery(
    doc: &Doc<'_>,
    o: &Node<'_>,
    key: &str,
    id: &str,
    label: &str,
    owner: &OwnerRef,
) -> Credential {
    let mut c = Credential::new(
        CredentialKind::RecoveryMethod,
        id,
        label,
        Evidence::at(doc.path, doc.key_line(o, key)),
    );
    c.owner = Some(owner.clone());
    c.expires = When::Never;
    c.status = CredentialStatus::Active;
    c
}

fn asp(doc: &Doc<'_>, item: &Item<'_, '_>, out: &mut Output) {
    let o = item.node;
    let code = match id_field(o, "codeId") {
        Field::Ok(c) => c,
        _ => {
            out.diag(doc.malformed_at(o, "codeId", "ASP `codeId` is not an integer; item skipped"));
            return;
        }
    };
    let line = doc.key_line(o, "codeId");
    let mut c = Credential::new(
        CredentialKind::AppPassword,
        &format!("asp:{code}"),
        "Google app password",
        Evidence::at(doc.path, line),
    );
    match user_key(o, item.wrapper) {
        Some(k) => c.owner = Some(owner_of(&k)),
        None => out.diag(Diagnostic::malformed(
            doc.path,
            line,
            "ASP has no `userKey`; owner unknown",
        )),
    }
    c.issued = match ms_time(o.get("creationTime")) {
        MsTime::Date(w) => w,
        MsTime::Zero | MsTime::Missing => When::Unknown,
        MsTime::Bad(why) => {
            out.diag(doc.malformed_at(
                o,
                "creationTime",
                format!("ASP `creationTime` {why}; treated as unknown"),
            ));
            When::Unknown
        }
    };
    c.issued_basis = if c.issued.is_known() {
        IssuedBasis::Recorded
    } else {
        IssuedBasis::Unknown
    };
    c.last_used = match ms_time(o.get("lastTimeUsed")) {
        MsTime::Date(w) => w,
        MsTime::Zero => When::Never,
        MsTime::Missing => When::Unknown,
        MsTime::Bad(why) => {
            out.diag(doc.malformed_at(
                o,
                "lastTimeUsed",
                format!("ASP `lastTimeUsed` {why}; treated as unknown"),
            ));
            When::Unknown
        }
    };
    // App passwords never expire; Google revokes them when the Google password changes.
    c.expires = When::Never;
    c.status = CredentialStatus::Active;
    if let Field::Ok(name) = str_field(o, "name") {
        if !name.trim().is_empty() {
            c.detail = Some(format!("name: {}", name.trim()));
        }
    }
    out.record(Record::Credential(c));
}

/// Scopes Google revokes on a password change (Gmail).
fn is_mail_scope(scope: &str) -> bool {
    scope.starts_with("https://mail.google.com")
        || scope.contains("/auth/gmail")
        || scope == "email.gmail"
}

fn token(doc: &Doc<'_>, item: &Item<'_, '_>, out: &mut Output) {
    let o = item.node;
    let client = match str_field(o, "clientId") {
        Field::Ok(c) if !c.trim().is_empty() => c.trim(),
        _ => {
            out.diag(doc.malformed_at(
                o,
                "clientId",
                "token `clientId` is empty or not a string; item skipped",
            ));
            return;
        }
    };
    let line = doc.key_line(o, "clientId");
    let mut c = Credential::new(
        CredentialKind::OAuthGrant,
        client,
        "Google OAuth grant",
        Evidence::at(doc.path, line),
    );
    match user_key(o, item.wrapper) {
        Some(k) => c.owner = Some(owner_of(&k)),
        None => out.diag(Diagnostic::malformed(
            doc.path,
            line,
            "token has no `userKey`; owner unknown",
        )),
    }
    let scopes: Vec<&str> = match o.get("scopes") {
        Some(s) if s.is_arr() => s
            .items()
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::str)
            .collect(),
        None => Vec::new(),
        Some(s) if s.is_null() => Vec::new(),
        Some(_) => {
            out.diag(doc.malformed_at(o, "scopes", "token `scopes` is not an array"));
            Vec::new()
        }
    };
    let mail = scopes.iter().any(|s| is_mail_scope(s));
    let short: Vec<&str> = scopes
        .iter()
        .map(|s| {
            s.strip_prefix("https://www.googleapis.com/auth/")
                .unwrap_or(s)
        })
        .collect();
    let mut detail = Vec::new();
    if let Field::Ok(app) = str_field(o, "displayText") {
        if !app.trim().is_empty() {
            detail.push(format!("app: {}", app.trim()));
        }
    }
    detail.push(format!("mail scope: {}", if mail { "yes" } else { "no" }));
    if !short.is_empty() {
        detail.push(format!("scopes: {}", short.join(" ")));
    }
    if bool_field(o, "anonymous").is_true() {
        detail.push("anonymous (unregistered) app".into());
    }
    if bool_field(o, "nativeApp").is_true() {
        detail.push("native app".into());
    }
    c.detail = Some(detail.join("; "));
    c.mail_scope = mail;
    // tokens.list has no dates at all (issue time only from Reports `token` `authorize` events).
    c.status = CredentialStatus::Active;
    out.record(Record::Credential(c));
}
