//! `reg export` files ("Windows Registry Editor Version 5.00", UTF-16LE with a BOM; `REGEDIT4`
//! is read the same way): `[HKEY_…]` sections (`[-…]` deletes a key and is skipped), values
//! `"Name"="string"` (`\\` and `\"` escaped), `"Name"=dword:0000000a`, `hex(2):` (REG_EXPAND_SZ,
//! UTF-16LE bytes), other `hex…:` forms, `@=` for the default value, `"Name"=-` (deletion), and
//! hex data continued over lines ending in `\`. Key and value names are case-insensitive;
//! `ControlSet00N` is read as `CurrentControlSet`.
//!
//! Settings (`component: "windows"`, system the host), each with its documented default when the
//! file exports the key but not the value (evidence `None` then):
//! - `Control\Lsa` `LmCompatibilityLevel` → `lmcompatibilitylevel` (default 3, "Send NTLMv2
//!   response only", Windows Vista / Server 2008 and later) and `NoLMHash` → `nolmhash`
//!   (default 1 since Windows Vista);
//! - `Services\LanmanServer\Parameters` `SMB1` → `smb1` (no default recorded: absent, SMB1
//!   depends on whether the optional feature is installed);
//! - `Control\SecurityProviders\WDigest` `UseLogonCredential` → `wdigest.uselogoncredential`
//!   (default 0 since Windows 8.1 / Server 2012 R2, and with KB2871997 on earlier versions);
//! - `Winlogon` `CachedLogonsCount` → `cachedlogonscount` (default 10) and `AutoAdminLogon` →
//!   `autoadminlogon` (default 0);
//! - `Policies\System` `LocalAccountTokenFilterPolicy` → `localaccounttokenfilterpolicy`
//!   (default 0: remote UAC filters local administrators' network logons);
//! - LAPS: `laps` = `<root>:<state>` for each Windows LAPS policy root that holds a value (`csp`
//!   `Software\Microsoft\Policies\LAPS`, `gpo` `…\CurrentVersion\Policies\LAPS`, `local`
//!   `…\CurrentVersion\LAPS\Config`; state from `BackupDirectory`: 0 `disabled` (the default),
//!   1 `entra`, 2 `ad`) and for the legacy `Software\Policies\Microsoft Services\AdmPwd`
//!   (`legacy:enabled` when `AdmPwdEnabled` is 1, else `legacy:disabled`). Windows LAPS uses
//!   the first of those roots that holds any value; RG304 applies that order. `laps` = `none`
//!   when the file exports a parent of the policy roots (`…\CurrentVersion\Policies` or
//!   `Software\Policies`) and no root has a value.
//!
//! A Winlogon `DefaultPassword` is a plaintext password (RG501), owned by `DefaultUserName`: a
//! local account of the host when `DefaultDomainName` is empty, `.` or the host's name, else the
//! domain account of that login. It is named (`source::secret_id`) and never kept.

use super::host_of;
use crate::diag::Diagnostic;
use crate::inventory::{
    Credential, CredentialKind, CredentialStatus, Evidence, OwnerRef, Record, Scope, Setting,
};
use crate::source::{Output, SourceOptions};

/// A value's data, as far as the settings read need it.
#[derive(Clone, Debug, PartialEq)]
enum Data {
    Str(String),
    Dword(u32),
    Other,
    Delete,
}

/// One value of the file: its key (normalised, lower-case), name (lower-case, "" for `@`).
#[derive(Debug)]
struct Value {
    key: String,
    name: String,
    data: Data,
    line: u32,
}

/// Every key (normalised) that has a section, with its line, and every value.
struct Parsed {
    sections: Vec<(String, u32)>,
    values: Vec<Value>,
}

fn normalize_key(key: &str) -> String {
    let mut k = key.trim().to_lowercase();
    for (long, short) in [
        ("hkey_local_machine", "hklm"),
        ("hkey_current_user", "hkcu"),
    ] {
        if let Some(rest) = k.strip_prefix(long) {
            k = format!("{short}{rest}");
        }
    }
    for n in 1..=9 {
        k = k.replace(&format!("\\controlset00{n}\\"), "\\currentcontrolset\\");
    }
    k
}

/// A quoted string at the start of `s` (after its opening quote was seen): the unescaped text
/// and the rest after the closing quote.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next().map_or('\\', |(_, c)| c)),
            '"' => return Some((out, &s[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

fn data_of(text: &str) -> Data {
    let t = text.trim();
    if t == "-" {
        return Data::Delete;
    }
    if let Some(rest) = t.strip_prefix('"') {
        return quoted(rest).map_or(Data::Other, |(s, _)| Data::Str(s));
    }
    let lower = t.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("dword:") {
        return u32::from_str_radix(hex.trim(), 16).map_or(Data::Other, Data::Dword);
    }
    if let Some(hex) = lower.strip_prefix("hex(2):") {
        let bytes: Option<Vec<u8>> = hex
            .split(',')
            .map(|b| b.trim())
            .filter(|b| !b.is_empty())
            .map(|b| u8::from_str_radix(b, 16).ok())
            .collect();
        if let Some(bytes) = bytes {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let s: String = char::decode_utf16(units)
                .map(|r| r.unwrap_or('\u{FFFD}'))
                .collect();
            return Data::Str(s.trim_end_matches('\0').to_string());
        }
    }
    Data::Other
}

fn parse_text(uri: &str, text: &str, out: &mut Output) -> Parsed {
    let mut parsed = Parsed {
        sections: Vec::new(),
        values: Vec::new(),
    };
    let mut key: Option<String> = None;
    let mut lines = crate::source::numbered_lines(text).peekable();
    while let Some((line, l)) = lines.next() {
        let mut logical = l.trim().to_string();
        // Hex data continues over lines ending in `\`.
        while logical.ends_with('\\') && !logical.ends_with("\"") {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim()),
                None => break,
            }
        }
        let t = logical.as_str();
        if t.is_empty() || t.starts_with(';') || line == 1 {
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            if name.starts_with('-') {
                key = None;
            } else {
                let k = normalize_key(name);
                parsed.sections.push((k.clone(), line));
                key = Some(k);
            }
            continue;
        }
        let Some(k) = &key else { continue };
        let (name, rest) = if let Some(rest) = t.strip_prefix('@') {
            (String::new(), rest)
        } else if let Some(rest) = t.strip_prefix('"') {
            match quoted(rest) {
                Some((n, rest)) => (n.to_lowercase(), rest),
                None => {
                    out.diag(Diagnostic::malformed(
                        uri,
                        line,
                        "registry value name without a closing quote; skipped",
                    ));
                    continue;
                }
            }
        } else {
            out.diag(Diagnostic::malformed(
                uri,
                line,
                "not a registry value line; skipped",
            ));
            continue;
        };
        let Some(data) = rest.trim_start().strip_prefix('=') else {
            out.diag(Diagnostic::malformed(
                uri,
                line,
                "registry value without `=`; skipped",
            ));
            continue;
        };
        parsed.values.push(Value {
            key: k.clone(),
            name,
            data: data_of(data),
            line,
        });
    }
    parsed
}

const LSA: &str = r"hklm\system\currentcontrolset\control\lsa";
const SMB: &str = r"hklm\system\currentcontrolset\services\lanmanserver\parameters";
const WDIGEST: &str = r"hklm\system\currentcontrolset\control\securityproviders\wdigest";
const WINLOGON: &str = r"hklm\software\microsoft\windows nt\currentversion\winlogon";
const POLICIES_SYSTEM: &str = r"hklm\software\microsoft\windows\currentversion\policies\system";

/// (key, value name, setting key, documented default when the key is exported without it).
const SETTINGS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        LSA,
        "lmcompatibilitylevel",
        "lmcompatibilitylevel",
        Some("3"),
    ),
    (LSA, "nolmhash", "nolmhash", Some("1")),
    (SMB, "smb1", "smb1", None),
    (
        WDIGEST,
        "uselogoncredential",
        "wdigest.uselogoncredential",
        Some("0"),
    ),
    (
        WINLOGON,
        "cachedlogonscount",
        "cachedlogonscount",
        Some("10"),
    ),
    (WINLOGON, "autoadminlogon", "autoadminlogon", Some("0")),
    (
        POLICIES_SYSTEM,
        "localaccounttokenfilterpolicy",
        "localaccounttokenfilterpolicy",
        Some("0"),
    ),
];

/// The LAPS policy roots, in the order Windows LAPS consults them.
pub(crate) const LAPS_ROOTS: &[(&str, &str)] = &[
    ("csp", r"hklm\software\microsoft\policies\laps"),
    (
        "gpo",
        r"hklm\software\microsoft\windows\currentversion\policies\laps",
    ),
    (
        "local",
        r"hklm\software\microsoft\windows\currentversion\laps\config",
    ),
    (
        "legacy",
        r"hklm\software\policies\microsoft services\admpwd",
    ),
];

/// Parents of the LAPS roots: a file that exports one of them shows the roots' absence.
const LAPS_PARENTS: &[&str] = &[
    r"hklm\software\microsoft\windows\currentversion\policies",
    r"hklm\software\policies",
];

fn text_of(d: &Data) -> Option<String> {
    match d {
        Data::Str(s) => Some(s.trim().to_string()),
        Data::Dword(n) => Some(n.to_string()),
        Data::Other | Data::Delete => None,
    }
}

pub(crate) fn parse(uri: &str, text: &str, options: &SourceOptions) -> Output {
    let mut out = Output::default();
    let parsed = parse_text(uri, text, &mut out);
    let host = host_of(uri, None);
    // The last line for the value decides: a later `"Name"=-` deletes an earlier assignment.
    let value = |key: &str, name: &str| {
        parsed
            .values
            .iter()
            .rev()
            .find(|v| v.key == key && v.name == name)
            .filter(|v| v.data != Data::Delete)
    };
    let has_section = |key: &str| parsed.sections.iter().any(|(k, _)| k == key);
    let setting = |key: &str, value: String, evidence: Option<Evidence>| {
        Record::Setting(Setting {
            system: host.clone(),
            component: "windows".into(),
            key: key.to_string(),
            value,
            scope: Scope::Global,
            evidence,
        })
    };
    for (key, name, setting_key, default) in SETTINGS {
        match value(key, name) {
            Some(v) => match text_of(&v.data) {
                Some(t) => out.record(setting(setting_key, t, Some(Evidence::at(uri, v.line)))),
                None => out.diag(Diagnostic::malformed(
                    uri,
                    v.line,
                    format!(
                        "`{name}` has a value type this reader does not use; treated as unknown"
                    ),
                )),
            },
            None => {
                if let (Some(d), true) = (default, has_section(key)) {
                    out.record(setting(setting_key, (*d).to_string(), None));
                }
            }
        }
    }
    // LAPS policy roots.
    let mut any_root = false;
    for (root, key) in LAPS_ROOTS {
        let in_root: Vec<&Value> = parsed.values.iter().filter(|v| v.key == *key).collect();
        if in_root.is_empty() {
            continue;
        }
        any_root = true;
        let (state, line) = if *root == "legacy" {
            match value(key, "admpwdenabled") {
                Some(v) if v.data == Data::Dword(1) => ("enabled", v.line),
                Some(v) => ("disabled", v.line),
                None => ("disabled", in_root[0].line),
            }
        } else {
            match value(key, "backupdirectory") {
                Some(v) => match v.data {
                    Data::Dword(1) => ("entra", v.line),
                    Data::Dword(2) => ("ad", v.line),
                    _ => ("disabled", v.line),
                },
                None => ("disabled", in_root[0].line),
            }
        };
        out.record(setting(
            "laps",
            format!("{root}:{state}"),
            Some(Evidence::at(uri, line)),
        ));
    }
    if !any_root
        && parsed.sections.iter().any(|(k, _)| {
            LAPS_PARENTS
                .iter()
                .any(|p| k == p || k.starts_with(&format!("{p}\\")))
        })
    {
        out.record(setting(
            "laps",
            "none".into(),
            Some(Evidence::new(uri, None)),
        ));
    }
    // Winlogon auto-logon password.
    if let Some(v) = value(WINLOGON, "defaultpassword") {
        if let Some(secret) = text_of(&v.data).filter(|s| !s.is_empty()) {
            let user = value(WINLOGON, "defaultusername")
                .and_then(|v| text_of(&v.data))
                .unwrap_or_default();
            let domain = value(WINLOGON, "defaultdomainname")
                .and_then(|v| text_of(&v.data))
                .unwrap_or_default();
            let auto = value(WINLOGON, "autoadminlogon")
                .and_then(|v| text_of(&v.data))
                .is_some_and(|a| a == "1");
            let mut names = options.secret_ids.file(uri);
            let n = names.name(&format!("winlogon\0DefaultPassword\0{user}"), &secret);
            let local = domain.is_empty() || domain == "." || domain.eq_ignore_ascii_case(&host);
            let label = if auto {
                "Winlogon auto-logon password (DefaultPassword, AutoAdminLogon=1)"
            } else {
                "Winlogon DefaultPassword (AutoAdminLogon is off; the password is still stored)"
            };
            let mut c = Credential::new(
                CredentialKind::PlaintextSecret,
                &n.id,
                label,
                Evidence::at(uri, v.line),
            );
            if !user.is_empty() {
                // A domain account is named by its NetBIOS domain, which no directory export
                // spells as its system: the owner joins the identity by login.
                c.owner = Some(OwnerRef {
                    system: Some(if local { host.clone() } else { domain.clone() }),
                    login: user.clone(),
                });
            }
            c.status = CredentialStatus::Active;
            c.same_secret = Some(n.matcher);
            c.detail = Some(if local {
                format!("winlogon-defaultpassword:{host}\\{user}")
            } else {
                format!("winlogon-defaultpassword:{domain}\\{user}")
            });
            if let Some(u) = value(WINLOGON, "defaultusername") {
                c.related.push(Evidence::at(uri, u.line));
            }
            out.record(Record::Credential(c));
        }
    }
    out
}

#[cfg(test)]
pub(super) fn values_for_test(text: &str) -> Vec<(String, String, String)> {
    let mut out = Output::default();
    parse_text("t.reg", text, &mut out)
        .values
        .into_iter()
        .map(|v| (v.key, v.name, format!("{:?}", v.data)))
        .collect()
}
