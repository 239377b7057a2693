//! SYSVOL Group Policy Preferences XML with a `cpassword` attribute: `Groups.xml` (local users),
//! `Services.xml` (service accounts), `ScheduledTasks.xml` (run-as accounts), `DataSources.xml`,
//! `Drives.xml` and `Printers.xml` (connection credentials), under
//! `\\<domain>\SYSVOL\<domain>\Policies\{GUID}\{Machine,User}\Preferences\…`.
//!
//! The password is AES-256-CBC encrypted with the key Microsoft published (MS-GPPREF §2.2.1.1.4),
//! an IV of zeros, PKCS#7 padding, base64 without its padding, the plaintext UTF-16LE. Anyone who
//! can read SYSVOL (every authenticated domain user) can decrypt it (MS14-025). This module
//! decrypts it in memory only to name it (`source::secret_id`: the same password elsewhere in
//! the scan joins it) and to tell an empty one; the value is never kept, printed or compared with
//! anything outside the scan.
//!
//! Owns: recognising GPP XML (a GPP root element with `clsid`, and either a `cpassword` or one of
//! the six conventional file names), one `PlaintextSecret` per non-empty `cpassword`, owned by the
//! account the preference names (`userName`, `runAs`, `accountName`, `username`; see the module
//! above for local accounts), dated by the item's `changed` attribute (UTC, basis `Recorded`).

use crate::diag::Diagnostic;
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis, OwnerRef, Record, When,
};
use crate::source::registry::Sniff;
use crate::source::secret_id::FileSecrets;
use crate::source::Output;

/// The AES-256 key of every GPP `cpassword`, published by Microsoft in MS-GPPREF §2.2.1.1.4
/// "Password Encryption".
pub(super) const KEY: [u8; 32] = [
    0x4e, 0x99, 0x06, 0xe8, 0xfc, 0xb6, 0x6c, 0xc9, 0xfa, 0xf4, 0x93, 0x10, 0x62, 0x0f, 0xfe, 0xe8,
    0xf4, 0x96, 0xe8, 0x06, 0xcc, 0x05, 0x79, 0x90, 0x20, 0x9b, 0x09, 0xa4, 0x33, 0xb6, 0x6c, 0x1b,
];

const FILE_NAMES: &[&str] = &[
    "groups.xml",
    "services.xml",
    "scheduledtasks.xml",
    "datasources.xml",
    "drives.xml",
    "printers.xml",
];

const ROOTS: &[&str] = &[
    "<groups",
    "<ntservices",
    "<scheduledtasks",
    "<datasources",
    "<drives",
    "<printers",
];

/// Attributes that name the account a preference's password belongs to.
const NAME_ATTRS: &[&str] = &["userName", "runAs", "accountName", "username"];

pub(super) fn sniff(file: &Sniff<'_>) -> bool {
    let head = file.lower_head();
    if !head.starts_with('<') || !head.contains("clsid=") {
        return false;
    }
    if !ROOTS.iter().any(|r| head.contains(r)) {
        return false;
    }
    let name = file.file_name().to_ascii_lowercase();
    FILE_NAMES.contains(&name.as_str()) || head.contains("cpassword=")
}

/// Decrypts a `cpassword` value; `None` when it is not base64, not a whole number of blocks,
/// badly padded, or not UTF-16LE.
pub(super) fn decrypt(cpassword: &str) -> Option<String> {
    use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let mut b64: String = cpassword
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .collect();
    // GPP strips the base64 padding; put it back.
    while b64.len() % 4 != 0 {
        b64.push('=');
    }
    let mut buf = STANDARD.decode(b64.as_bytes()).ok()?;
    let dec = cbc::Decryptor::<aes::Aes256>::new(&KEY.into(), &[0u8; 16].into());
    let plain = dec.decrypt_padded_mut::<Pkcs7>(&mut buf).ok()?;
    if plain.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = plain
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// What the item holding the password is, by its element name.
fn what(tag: &str) -> &'static str {
    match tag {
        "User" => "local user password",
        "NTService" => "service account password",
        "Task" | "TaskV2" | "ImmediateTask" | "ImmediateTaskV2" => "scheduled task run-as password",
        "DataSource" => "data source password",
        "Drive" => "mapped drive password",
        "SharedPrinter" | "PortPrinter" | "LocalPrinter" => "printer connection password",
        _ => "password",
    }
}

/// The owner a preference names: a domain account (`DOMAIN\user`, `user@domain`, or a bare
/// name outside Groups.xml), or `None` for a local account (`.\user`, `BUILTIN\…`, a Groups.xml
/// `<User>` without a domain) and for well-known service identities.
fn owner_of(name: &str, item_tag: &str) -> Option<OwnerRef> {
    let name = name.trim();
    if name.is_empty() || name.contains('%') {
        return None;
    }
    let login = match name.split_once('\\') {
        Some((domain, user)) => {
            let d = domain.to_ascii_uppercase();
            if matches!(d.as_str(), "." | "BUILTIN" | "NT AUTHORITY" | "NT SERVICE") {
                return None;
            }
            user
        }
        None if name.contains('@') => name,
        None if item_tag == "User" => return None,
        None => name,
    };
    let lower = login.to_ascii_lowercase();
    if login.is_empty()
        || login.chars().any(|c| c.is_whitespace() || c.is_control())
        || matches!(
            lower.as_str(),
            "system" | "localsystem" | "localservice" | "networkservice"
        )
    {
        return None;
    }
    Some(OwnerRef {
        system: None,
        login: login.to_string(),
    })
}

/// `changed="2013-07-04 00:07:13"` (UTC) of the item or its nearest ancestor that has one.
fn changed(node: roxmltree::Node<'_, '_>) -> When {
    node.ancestors()
        .find_map(|n| n.attribute("changed"))
        .and_then(|c| {
            let c = c.trim();
            let iso = if c.len() == 19 {
                format!("{}Z", c.replacen(' ', "T", 1))
            } else {
                c.to_string()
            };
            When::parse_instant(&iso)
        })
        .unwrap_or(When::Unknown)
}

pub(super) fn parse(path: &str, text: &str, names: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let doc = match roxmltree::Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.pos().row;
            let mut d = Diagnostic::malformed(
                path,
                line,
                "Group Policy Preferences XML is not well-formed; its passwords were not read",
            );
            d.severity = crate::diag::Severity::Error;
            out.diag(d);
            return out;
        }
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        let Some(cpassword) = node.attribute("cpassword") else {
            continue;
        };
        if cpassword.trim().is_empty() {
            continue;
        }
        let line = doc.text_pos_at(node.range().start).row;
        let Some(secret) = decrypt(cpassword) else {
            out.diag(Diagnostic::malformed(
                path,
                line,
                "cpassword does not decrypt with the published Group Policy Preferences key; skipped",
            ));
            continue;
        };
        if secret.is_empty() {
            continue;
        }
        // The item is the `Properties` element's parent (`<User>`, `<NTService>`, ...).
        let item = node
            .parent_element()
            .filter(|_| node.tag_name().name() == "Properties")
            .unwrap_or(node);
        let tag = item.tag_name().name();
        let account = NAME_ATTRS
            .iter()
            .find_map(|a| node.attribute(*a).filter(|v| !v.trim().is_empty()))
            .unwrap_or("");
        let n = names.name(&format!("gpp\0{tag}\0{account}"), &secret);
        let owner = owner_of(account, tag);
        let whose = match (&owner, account.trim()) {
            (None, a) if !a.is_empty() => format!(" of local account {a}"),
            _ => String::new(),
        };
        let label = format!(
            "Group Policy Preferences {}{whose} (cpassword, decryptable with Microsoft's published key)",
            what(tag)
        );
        let mut c = Credential::new(
            CredentialKind::PlaintextSecret,
            &n.id,
            &label,
            Evidence::at(path, line),
        );
        c.owner = owner;
        c.status = CredentialStatus::Active;
        c.same_secret = Some(n.matcher);
        c.detail = Some(format!("gpp-cpassword:{tag}"));
        let when = changed(node);
        if when.is_known() {
            c.issued = when;
            c.issued_basis = IssuedBasis::Recorded;
        }
        out.record(Record::Credential(c));
    }
    out
}
