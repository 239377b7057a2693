//! Unencrypted password-manager exports, each entry with a password a `PlaintextSecret` for its
//! URL or system, owned by the exporter (`super::home_login`):
//!
//! - KeePass 2 "KeePass XML (2.x)" export: `<KeePassFile>`, `<Entry>` elements with
//!   `<String><Key>Title|UserName|Password|URL</Key><Value>…</Value></String>`; entries inside
//!   `<History>` are earlier versions of the same entry and are not read (the current one is);
//!   a `Protected="True"` value is still encrypted with the database's inner stream (a raw
//!   KDBX dump, not an export) and is not a clear-text password;
//! - KeePassXC CSV: header `"Group","Title","Username","Password","URL","Notes"` (newer versions
//!   add `"TOTP","Icon","Last Modified","Created"`);
//! - Bitwarden JSON (`{"encrypted": false, "folders": […], "items": […]}`, items with
//!   `login.username`, `login.password`, `login.uris[].uri`); an encrypted export
//!   (`"encrypted": true`) is claimed and holds nothing readable;
//! - Bitwarden CSV: header `folder,favorite,type,name,notes,fields,reprompt,login_uri,
//!   login_username,login_password,login_totp` (organisation exports: `collections` for
//!   `folder`);
//! - 1Password 8 CSV: header `Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes`.
//!
//! CSV recognition is by the header's column names (case-insensitive, any order for Bitwarden and
//! 1Password); nothing else is claimed as an export.

use super::Store;
use crate::diag::{Diagnostic, Severity};
use crate::inventory::{Credential, CredentialKind, CredentialStatus, Evidence, OwnerRef, Record};
use crate::source::json::Doc;
use crate::source::registry::Sniff;
use crate::source::secret_id::FileSecrets;
use crate::source::values::is_placeholder;
use crate::source::Output;

impl Store {
    fn vendor(self) -> &'static str {
        match self {
            Store::KeePassXml => "KeePass XML export",
            Store::KeePassXcCsv => "KeePassXC CSV export",
            Store::BitwardenJson => "Bitwarden JSON export",
            Store::BitwardenCsv => "Bitwarden CSV export",
            Store::OnePasswordCsv => "1Password CSV export",
            Store::Htpasswd => "htpasswd",
            Store::GppXml => "Group Policy Preferences",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Store::KeePassXml => "keepass-xml",
            Store::KeePassXcCsv => "keepassxc-csv",
            Store::BitwardenJson => "bitwarden-json",
            Store::BitwardenCsv => "bitwarden-csv",
            Store::OnePasswordCsv => "1password-csv",
            Store::Htpasswd => "htpasswd",
            Store::GppXml => "gpp",
        }
    }
}

/// The lower-cased, unquoted column names of the first line.
fn header(head: &str) -> Vec<String> {
    let first = head.lines().next().unwrap_or("");
    first
        .split(',')
        .map(|c| c.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect()
}

pub(super) fn sniff(file: &Sniff<'_>) -> Option<Store> {
    let head = file.lower_head();
    if head.starts_with('<') {
        return (head.contains("<keepassfile>") && head.contains("<root>")
            || head.contains("<keepassfile>") && head.contains("<meta>"))
        .then_some(Store::KeePassXml);
    }
    if file.looks_like_json() {
        let after_brace = file.body_head().get(1..).unwrap_or("").trim_start();
        let bitwarden = after_brace.starts_with("\"encrypted\"")
            && ["folders", "items", "collections", "passwordProtected"]
                .iter()
                .any(|k| crate::source::json::has_key(file.head, k));
        return bitwarden.then_some(Store::BitwardenJson);
    }
    let cols = header(file.head);
    let has = |c: &str| cols.iter().any(|x| x == c);
    if cols.len() >= 6 && cols[..6] == ["group", "title", "username", "password", "url", "notes"] {
        return Some(Store::KeePassXcCsv);
    }
    if has("login_uri") && has("login_username") && has("login_password") && has("name") {
        return Some(Store::BitwardenCsv);
    }
    if has("title")
        && (has("url") || has("website"))
        && has("username")
        && has("password")
        && (has("otpauth") || has("archived"))
    {
        return Some(Store::OnePasswordCsv);
    }
    None
}

/// One entry of an export that holds a password.
struct Entry<'a> {
    line: u32,
    title: &'a str,
    username: &'a str,
    url: &'a str,
    password: &'a str,
}

fn emit(out: &mut Output, names: &mut FileSecrets<'_>, store: Store, path: &str, e: &Entry<'_>) {
    let password = e.password.trim();
    if password.is_empty() || is_placeholder(password) {
        return;
    }
    let (title, username, url) = (e.title.trim(), e.username.trim(), e.url.trim());
    let n = names.name(
        &format!("{}\0{title}\0{url}\0{username}", store.tag()),
        password,
    );
    let target = [url, title]
        .into_iter()
        .find(|s| !s.is_empty())
        .map(|s| format!(" for {}", clip(s)))
        .unwrap_or_default();
    let of = if username.is_empty() {
        String::new()
    } else {
        format!(" of {}", clip(username))
    };
    let label = format!("password{of}{target} ({})", store.vendor());
    let mut c = Credential::new(
        CredentialKind::PlaintextSecret,
        &n.id,
        &label,
        Evidence::at(path, e.line),
    );
    c.owner = super::home_login(path).map(|login| OwnerRef {
        system: None,
        login,
    });
    c.status = CredentialStatus::Active;
    c.same_secret = Some(n.matcher);
    c.detail = Some(format!("pwexport:{}", store.tag()));
    out.record(Record::Credential(c));
}

/// At most 80 characters of a name, on one line.
fn clip(s: &str) -> String {
    let one: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    one
}

pub(super) fn parse(store: Store, path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    match store {
        Store::KeePassXml => keepass_xml(path, text, names),
        Store::BitwardenJson => bitwarden_json(path, text, names),
        _ => csv_export(store, path, text, names),
    }
}

fn keepass_xml(path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let doc = match roxmltree::Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let mut d = Diagnostic::malformed(
                path,
                e.pos().row,
                "KeePass XML export is not well-formed; its entries were not read",
            );
            d.severity = Severity::Error;
            out.diag(d);
            return out;
        }
    };
    let entries = doc.descendants().filter(|n| {
        n.has_tag_name("Entry") && !n.ancestors().skip(1).any(|a| a.has_tag_name("History"))
    });
    for entry in entries {
        let mut fields: Vec<(&str, &str, Option<roxmltree::Node<'_, '_>>, bool)> = Vec::new();
        for s in entry.children().filter(|c| c.has_tag_name("String")) {
            let key = s
                .children()
                .find(|c| c.has_tag_name("Key"))
                .and_then(|k| k.text())
                .unwrap_or("");
            let value = s.children().find(|c| c.has_tag_name("Value"));
            let protected = value
                .and_then(|v| v.attribute("Protected"))
                .is_some_and(|p| p.eq_ignore_ascii_case("true"));
            fields.push((
                key,
                value.and_then(|v| v.text()).unwrap_or(""),
                value,
                protected,
            ));
        }
        let get = |k: &str| fields.iter().find(|f| f.0 == k).map_or("", |f| f.1);
        let Some(pw) = fields.iter().find(|f| f.0 == "Password") else {
            continue;
        };
        if pw.3 {
            continue;
        }
        let line = doc
            .text_pos_at(pw.2.map_or(entry.range().start, |v| v.range().start))
            .row;
        emit(
            &mut out,
            names,
            Store::KeePassXml,
            path,
            &Entry {
                line,
                title: get("Title"),
                username: get("UserName"),
                url: get("URL"),
                password: pw.1,
            },
        );
    }
    out
}

fn bitwarden_json(path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let doc = Doc::parse(path, text);
    for top in &doc.values {
        if top.get("encrypted").and_then(|v| v.as_bool()) != Some(false) {
            continue;
        }
        let Some(items) = top.get("items").and_then(|i| i.items()) else {
            continue;
        };
        for item in items {
            let Some(login) = item.get("login").filter(|l| l.is_obj()) else {
                continue;
            };
            let Some(password) = login.get_str("password") else {
                continue;
            };
            let url = login
                .get("uris")
                .and_then(|u| u.items())
                .and_then(|u| u.iter().find_map(|x| x.get_str("uri")))
                .unwrap_or("");
            emit(
                &mut out,
                names,
                Store::BitwardenJson,
                path,
                &Entry {
                    line: doc.key_line(login, "password"),
                    title: item.get_str("name").unwrap_or(""),
                    username: login.get_str("username").unwrap_or(""),
                    url,
                    password,
                },
            );
        }
    }
    doc.report_breaks(&mut out);
    out
}

fn csv_export(store: Store, path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let (title, user, pass, url): (&[&str], &str, &str, &[&str]) = match store {
        Store::KeePassXcCsv => (&["title"], "username", "password", &["url"]),
        Store::BitwardenCsv => (
            &["name"],
            "login_username",
            "login_password",
            &["login_uri"],
        ),
        _ => (&["title"], "username", "password", &["url", "website"]),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let cols: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(_) => return out,
    };
    let idx = |names: &[&str]| names.iter().find_map(|n| cols.iter().position(|c| c == n));
    let (Some(pi), ti, ui, li) = (idx(&[pass]), idx(title), idx(&[user]), idx(url)) else {
        return out;
    };
    let mut cut = crate::source::text::CsvCut::new(cols.len());
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as u32);
                out.diag(Diagnostic::malformed(
                    path,
                    line,
                    "password-manager export row is not valid CSV; the rest of the file was not read",
                ));
                break;
            }
        };
        let line = rec.position().map_or(0, |p| p.line() as u32);
        cut.see(&rec, line);
        let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");
        // Bitwarden lists several URIs of one login separated by commas inside the cell.
        let url = field(li).split(',').next().unwrap_or("");
        emit(
            &mut out,
            names,
            store,
            path,
            &Entry {
                line,
                title: field(ti),
                username: field(ui),
                url,
                password: field(Some(pi)),
            },
        );
    }
    if let Some(d) = cut.diagnostic(path, text) {
        out.diag(d);
    }
    out
}
