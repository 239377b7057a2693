//! Microsoft Entra ID exports (formats-cloud-saas.md §2): Graph JSON as `az rest`,
//! `az ad app|sp list` and `Get-Mg* | ConvertTo-Json` write it, and PowerShell `Export-Csv` of
//! users.
//!
//! This module owns recognising those exports by content ([`sniff`]) and turning them into
//! records ([`parse`], [`parse_with`]):
//! - users → `Account` (login = `userPrincipalName`, alias = object `id`; password, session
//!   validity = the later of `signInSessionsValidFromDateTime` and
//!   `refreshTokensValidFromDateTime`, `onPremisesSyncEnabled` → `synced_from`);
//! - applications and service principals → a `ClientSecret` per `passwordCredentials` item and a
//!   `ClientCertificate` per `keyCredentials` item used for client authentication (`usage`
//!   `Verify`), id = `keyId` (never the `hint`), owned by the app (`appId`), with the app's
//!   `owners` (from `$expand=owners`) as `responsible`;
//! - separate owners listings (`/applications/{id}/owners` with the application named by the
//!   `@odata.context` or an `appId` beside `value`) → `Membership` records of the group
//!   `entra-app-owners:<id>`, folded into the credentials' `responsible` by [`join`];
//! - authentication methods (`/users/{id}/authentication/methods`) → `RecoveryMethod`
//!   credentials of the user the file names (`@odata.context` `users('…')`, a top-level
//!   `userPrincipalName`/`userId` beside `value`, or methods nested in a user object);
//! - directory audits and sign-ins (`auditLogs/directoryAudits`, `auditLogs/signIns`) → reset
//!   ledger `Event`s ([`audit`]);
//! - per-user MFA states (`perUserMfaState`, MSOnline `StrongAuthenticationRequirements`) →
//!   `Account::per_user_mfa`, on the users export's account after the join ([`mfa`]).
//!
//! The `system` of every record is the tenant: the most common domain of the member UPNs in the
//! file (guests' `#EXT#` names excluded), else the applications' `publisherDomain`; owner
//! references whose tenant the file does not show have no system (joined by login/alias).
//!
//! Not here: findings (rules), other sources, the per-user MFA app passwords Entra cannot export
//! (see [`APP_PASSWORDS_NOT_EXPORTABLE`]).

pub mod audit;
mod csv;
mod graph;
mod mfa;
#[cfg(test)]
mod tests;

use super::Output;
use crate::inventory::Record;
use crate::source::registry::{BySniff, ParseInput, Sniff};

/// What an Entra export file holds, as far as its first few KB tell. Every JSON kind is read the
/// same way (each object by its own properties), so a file mixing them loses nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntraExport {
    /// `/users` pages, `Get-MgUser` JSON.
    Users,
    /// `/applications`, `/servicePrincipals`, `az ad app|sp list`, `az ad app credential list`.
    Applications,
    /// `/users/{id}/authentication/methods` pages.
    AuthenticationMethods,
    /// `/applications/{id}/owners` (directory objects).
    Owners,
    /// Another Graph page (recognised by `@odata.context`); read, and reported if unknown.
    GraphPage,
    /// PowerShell `Export-Csv` of users (locale dates: see [`EntraOptions`]).
    PowerShellCsv,
    /// `auditLogs/directoryAudits` and `auditLogs/signIns` (reset-ledger events, [`audit`]).
    AuditLogs,
    /// Per-user MFA states: users with `perUserMfaState` (Graph beta
    /// `/users/{id}/authentication/requirements`) or MSOnline `StrongAuthenticationRequirements`
    /// (`Get-MsolUser`), or bare requirements responses ([`mfa`]).
    PerUserMfa,
}

/// Options of the Entra parser the user can set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntraOptions {
    /// Read `M/D/YYYY h:mm:ss AM/PM` cells of a PowerShell `Export-Csv` as en-US dates in UTC
    /// (`--assume-date-locale en-US`). Off: such a file is refused, since `8/3/2026` may be
    /// 3 August or 8 March.
    pub assume_us_dates: bool,
}

impl EntraOptions {
    pub fn set_assume_us_dates(&mut self, on: bool) -> &mut Self {
        self.assume_us_dates = on;
        self
    }
}

/// What to tell the user about Entra legacy per-user MFA app passwords (§2.4).
pub const APP_PASSWORDS_NOT_EXPORTABLE: &str = "Entra ID legacy per-user MFA app passwords \
cannot be exported: Microsoft Graph lists no app-password authentication method and gives no \
creation or last-use time, so whether any survive a password reset cannot be checked offline. \
Users with per-user MFA enabled or enforced may hold app passwords that keep working after a \
reset; delete them (per-user MFA page: \"delete all existing app passwords\") or block legacy \
authentication.";

/// Recognises an Entra export by content; the path is not used (the content always decides).
pub fn sniff(file: &Sniff<'_>) -> Option<EntraExport> {
    let raw = file.body_head();
    if !file.looks_like_json() {
        // The CSV check reads the header (after an optional `#TYPE` line): lower-case only
        // those two lines, since this runs on most files of a crawl.
        let header = raw
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_lowercase();
        return csv::sniff(&header).then_some(EntraExport::PowerShellCsv);
    }
    let head = file.lower_head();
    let has = |needle: &str| head.contains(needle);
    let graph = has("graph.microsoft.com") || has("\"@odata.type\": \"#microsoft.graph.");
    // Role assignments are the `roles` source's (who may reset whom).
    if has("\"roledefinitionid\"") && has("\"directoryscopeid\"") {
        return None;
    }
    // Audit logs name users too: test them before users.
    if (has("\"activitydisplayname\"") && (has("\"initiatedby\"") || has("\"targetresources\"")))
        || has("\"clientappused\"")
        || has("$metadata#auditlogs/")
    {
        return Some(EntraExport::AuditLogs);
    }
    // Before users: the export names users too.
    if has("\"perusermfastate\"") || has("\"strongauthenticationrequirements\"") {
        return Some(EntraExport::PerUserMfa);
    }
    if has("authenticationmethod\"") && has("#microsoft.graph.") {
        return Some(EntraExport::AuthenticationMethods);
    }
    if has("\"passwordcredentials\"") || has("\"keycredentials\"") {
        return Some(EntraExport::Applications);
    }
    // `az ad app credential list`: bare passwordCredential objects.
    if has("\"keyid\"") && has("\"enddatetime\"") && has("\"startdatetime\"") {
        return Some(EntraExport::Applications);
    }
    if has("$metadata#directoryobjects") || (has("/owners") && graph) {
        return Some(EntraExport::Owners);
    }
    let user_props = [
        "\"lastpasswordchangedatetime\"",
        "\"accountenabled\"",
        "\"signinsessionsvalidfromdatetime\"",
        "\"onpremisessyncenabled\"",
        "\"usertype\"",
        // `az ad user list` default output (no $select): read, and noted as incomplete.
        "\"businessphones\"",
    ];
    if has("\"userprincipalname\"") && (graph || user_props.iter().any(|p| has(p))) {
        return Some(EntraExport::Users);
    }
    if has("\"@odata.context\"") && graph {
        return Some(EntraExport::GraphPage);
    }
    None
}

/// Parses one export with default options.
pub fn parse(kind: EntraExport, path: &str, text: &str) -> Output {
    parse_with(kind, path, text, &EntraOptions::default())
}

/// Parses one export; `path` is the file relative to the scan root.
pub fn parse_with(kind: EntraExport, path: &str, text: &str, options: &EntraOptions) -> Output {
    match kind {
        EntraExport::PowerShellCsv => csv::parse(path, text, options),
        EntraExport::AuditLogs => audit::parse(path, text),
        _ => graph::parse(path, text, options),
    }
}

/// After all files are parsed: folds the owners listings (`Membership` of
/// `entra-app-owners:<id>`) into the `responsible` of the credentials of that application or
/// service principal (matched by `appId` or object id), then drops those memberships. Owners of
/// an application no credential of the scan belongs to stay as memberships.
pub fn join(records: &mut Vec<Record>) {
    graph::join(records);
    mfa::join(records);
}

/// Microsoft Entra ID exports (Graph pages, `az` and PowerShell output).
pub static SOURCE: BySniff<EntraExport> = BySniff {
    name: "entra",
    sniff,
    read,
    join,
    dated_by_file_time: false,
};

fn read(kind: EntraExport, input: &ParseInput<'_>) -> Output {
    let mut out = parse_with(kind, input.uri, input.text, &input.options.entra);
    if kind == EntraExport::Users {
        // Legacy per-user MFA app passwords exist but no export shows them: say so rather than
        // pass in silence.
        out.diag(crate::diag::Diagnostic::new(
            crate::diag::DiagKind::Incomplete,
            crate::diag::Severity::Note,
            crate::inventory::Evidence::new(input.uri, None),
            APP_PASSWORDS_NOT_EXPORTABLE,
        ));
    }
    out
}
