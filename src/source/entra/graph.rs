//! Graph JSON: pages (`{"@odata.context", "value": [...], "@odata.nextLink"}`), bare arrays
//! (`az ad app list`, PowerShell `ConvertTo-Json` of many objects), single objects, and several
//! of those one after another. Every object is classified by its own properties, PascalCase or
//! camelCase, also inside the Graph PowerShell SDK's `AdditionalProperties`:
//! - an `@odata.type` ending in `AuthenticationMethod` is an authentication method;
//! - `passwordCredentials`/`keyCredentials` make an application or service principal;
//! - `userPrincipalName` makes a user (or, in an owners listing, an owner);
//! - `keyId` with start/end times is a bare credential (`az ad app credential list`).
//!
//! Evidence is the line of the item's `id` (`keyId` for app credentials); a field's problem
//! points at that field's line.

use super::EntraOptions;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{
    Account, AccountKind, Credential, CredentialKind, CredentialStatus, Evidence, IssuedBasis,
    Membership, OwnerRef, PasswordState, PerUserMfa, PerUserMfaState, Record, SourceKind, When,
};
use crate::source::json::field::unknown_because;
use crate::source::json::{self, Node, Val};
use crate::source::secret_id::location_id;
use crate::source::text::LineIndex;
use crate::source::time::{self, TimeError};
use crate::source::Output;
use std::collections::BTreeMap;

/// The group name prefix of owner memberships from a separate owners listing.
pub(super) const OWNERS_GROUP: &str = "entra-app-owners:";

/// Every property this adapter knows; an object with none of them is of an unknown schema.
const KNOWN_KEYS: &[&str] = &[
    "@odata.context",
    "@odata.type",
    "@odata.nextLink",
    "value",
    "id",
    "userPrincipalName",
    "userId",
    "accountEnabled",
    "userType",
    "createdDateTime",
    "lastPasswordChangeDateTime",
    "signInSessionsValidFromDateTime",
    "refreshTokensValidFromDateTime",
    "passwordPolicies",
    "onPremisesSyncEnabled",
    "onPremisesSamAccountName",
    "onPremisesLastSyncDateTime",
    "signInActivity",
    "mail",
    "proxyAddresses",
    "appId",
    "passwordCredentials",
    "keyCredentials",
    "owners",
    "keyId",
    "startDateTime",
    "endDateTime",
    "hint",
    "servicePrincipalType",
    "publisherDomain",
    "perUserMfaState",
    "StrongAuthenticationRequirements",
    "ObjectId",
    "AdditionalProperties",
];

pub(super) fn parse(path: &str, text: &str, options: &EntraOptions) -> Output {
    let (values, errors) = json::tree::parse_stream(text);
    // `entra:<domain>`: a Google Workspace or Okta org often has the same domain, and their
    // accounts must stay apart.
    let tenant = tenant_of(&values).map(|domain| format!("entra:{domain}"));
    let mut walker = Walker::new(path, text, options, tenant);
    for value in &values {
        walker.value(value, &Ctx::default(), 0);
    }
    for e in &errors {
        walker.out.diag(json::broken(path, &walker.lines, e));
    }
    walker.finish()
}

/// What the enclosing page or wrapper says about the items inside it.
#[derive(Clone, Default)]
pub(super) struct Ctx {
    /// The user authentication methods belong to.
    user: Option<String>,
    /// The application or service principal (appId or object id) an owners listing or bare
    /// credential list belongs to.
    app: Option<String>,
    owners_listing: bool,
}

pub(super) struct Walker<'a> {
    path: &'a str,
    pub(super) lines: LineIndex<'a>,
    options: EntraOptions,
    tenant: Option<String>,
    pub(super) out: Output,
    recognised: usize,
    /// Objects of no known shape: count and first offset.
    unclassified: (usize, usize),
    unknown_keys_only: usize,
    /// Users exported without `lastPasswordChangeDateTime` (no `$select`): count, first offset.
    no_password_field: (usize, usize),
    methods_without_user: (usize, usize),
    owners_without_app: Option<usize>,
    next_link: Option<usize>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(
        path: &'a str,
        text: &'a str,
        options: &EntraOptions,
        tenant: Option<String>,
    ) -> Self {
        Walker {
            path,
            lines: LineIndex::new(text),
            options: *options,
            tenant,
            out: Output::default(),
            recognised: 0,
            unclassified: (0, 0),
            unknown_keys_only: 0,
            no_password_field: (0, 0),
            methods_without_user: (0, 0),
            owners_without_app: None,
            next_link: None,
        }
    }

    fn line(&self, at: usize) -> u32 {
        self.lines.line_of(at)
    }

    fn here(&self, at: usize) -> Evidence {
        Evidence::at(self.path, self.line(at))
    }

    fn malformed(&mut self, at: usize, message: impl Into<String>) {
        let d = Diagnostic::malformed(self.path, self.line(at), message);
        self.out.diag(d);
    }

    fn system(&self) -> String {
        self.tenant.clone().unwrap_or_else(|| "entra".to_string())
    }

    /// File-level notes, then the output.
    pub(super) fn finish(mut self) -> Output {
        let (n, at) = self.unclassified;
        if n > 0 && self.recognised == 0 {
            let what = if self.unknown_keys_only == n {
                "none of their properties is one resetgap reads"
            } else {
                "none is a user, application, service principal or authentication method"
            };
            let d = Diagnostic::unparseable(
                self.path,
                Some(self.line(at)),
                format!(
                    "Graph export with an unknown schema: {n} object(s), and {what}. \
                     Expected /users (with $select=id,userPrincipalName,accountEnabled,\
                     lastPasswordChangeDateTime,signInSessionsValidFromDateTime,...), \
                     /applications or /servicePrincipals (passwordCredentials, keyCredentials) \
                     or /users/{{id}}/authentication/methods pages"
                ),
            );
            self.out.diag(d);
        } else if n > 0 {
            self.malformed(
                at,
                format!(
                    "{n} object(s) are neither users, applications, service principals nor \
                     authentication methods; skipped (first here)"
                ),
            );
        }
        let (n, at) = self.no_password_field;
        if n > 0 {
            let d = Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                self.here(at),
                format!(
                    "{n} user(s) exported without `lastPasswordChangeDateTime` (Graph returns \
                     it only with $select): their last reset is unknown; export with \
                     $select=id,userPrincipalName,accountEnabled,lastPasswordChangeDateTime,\
                     signInSessionsValidFromDateTime,refreshTokensValidFromDateTime,\
                     onPremisesSyncEnabled,onPremisesSamAccountName,createdDateTime"
                ),
            );
            self.out.diag(d);
        }
        let (n, at) = self.methods_without_user;
        if n > 0 {
            let d = Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                self.here(at),
                format!(
                    "{n} authentication method(s) whose user the file does not name: owner \
                     unknown. Save each user's /users/{{id}}/authentication/methods response as \
                     returned (its @odata.context names the user), or add \"userPrincipalName\" \
                     beside \"value\""
                ),
            );
            self.out.diag(d);
        }
        if let Some(at) = self.owners_without_app {
            let d = Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                self.here(at),
                "owners listing that does not name its application or service principal: \
                 owners not used. Add \"appId\" beside \"value\", or export the applications \
                 with $expand=owners",
            );
            self.out.diag(d);
        }
        if let Some(at) = self.next_link {
            let d = Diagnostic::new(
                DiagKind::Incomplete,
                Severity::Warning,
                self.here(at),
                "the page has `@odata.nextLink`: more results exist; scan the following pages \
                 too (az rest does not follow nextLink; Get-Mg* -All does)",
            );
            self.out.diag(d);
        }
        self.out
    }

    pub(super) fn value(&mut self, node: &Node<'_>, ctx: &Ctx, depth: usize) {
        match &node.val {
            Val::Obj(_) => self.object(node, ctx, depth),
            Val::Arr(items) if depth < 4 => {
                for item in items {
                    self.value(item, ctx, depth + 1);
                }
            }
            _ => self.malformed(
                node.at,
                format!(
                    "{} where a Graph object or array was expected; skipped",
                    node.type_name()
                ),
            ),
        }
    }

    fn object(&mut self, node: &Node<'_>, ctx: &Ctx, depth: usize) {
        let creds =
            field(node, "passwordCredentials").is_some() || field(node, "keyCredentials").is_some();
        let has_value = node.get_ci("value").and_then(Node::items).is_some();
        if has_value && !creds && !is_method(node) && depth < 4 {
            self.page(node, ctx, depth);
            return;
        }
        if node.partial {
            // Cut by a JSON error, reported once for the file.
            return;
        }
        if ctx.owners_listing {
            self.owner_member(node, ctx);
        } else if is_method(node) {
            self.method(node, ctx);
        } else if creds {
            self.app(node);
        } else if field(node, "userPrincipalName").is_some() {
            self.user(node);
        } else if has_mfa_state(node) {
            self.requirements(node);
        } else if node.has_ci("keyId")
            && ["startDateTime", "endDateTime", "hint", "usage"]
                .iter()
                .any(|k| node.has_ci(k))
        {
            self.recognised += 1;
            let app = AppInfo {
                what: "application",
                name: None,
                app_id: ctx.app.clone(),
                object_id: None,
            };
            let kind = if node.has_ci("usage") || node.has_ci("type") {
                CredentialKind::ClientCertificate
            } else {
                CredentialKind::ClientSecret
            };
            self.credential(node, kind, &app, &[]);
        } else if node.get_ci("owners").and_then(Node::items).is_some() {
            let app = node
                .get_str_ci("appId")
                .or(node.get_str_ci("id"))
                .map(str::to_string);
            let inner = Ctx {
                app,
                owners_listing: true,
                ..ctx.clone()
            };
            for owner in node.get_ci("owners").and_then(Node::items).unwrap_or(&[]) {
                self.owner_member(owner, &inner);
            }
        } else {
            if self.unclassified.0 == 0 {
                self.unclassified.1 = node.at;
            }
            self.unclassified.0 += 1;
            let known = node
                .members()
                .iter()
                .any(|m| KNOWN_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&m.key)));
            if !known {
                self.unknown_keys_only += 1;
            }
        }
    }

    /// A page or wrapper: `value` plus what it says about its items.
    fn page(&mut self, node: &Node<'_>, ctx: &Ctx, depth: usize) {
        let mut inner = ctx.clone();
        if let Some(context) = node.get_str_ci("@odata.context") {
            if let Some(user) = entity_key(context, "users") {
                inner.user = Some(user);
            }
            if let Some(app) =
                entity_key(context, "applications").or(entity_key(context, "servicePrincipals"))
            {
                inner.app = Some(app);
            }
            let lower = context.to_ascii_lowercase();
            if lower.contains("#directoryobjects") || lower.contains("/owners") {
                inner.owners_listing = true;
            }
        }
        if let Some(user) = node
            .get_str_ci("userPrincipalName")
            .or(node.get_str_ci("userId"))
        {
            inner.user = Some(user.to_string());
        }
        if let Some(app) = ["appId", "applicationId", "servicePrincipalId"]
            .iter()
            .find_map(|k| node.get_str_ci(k))
        {
            inner.app = Some(app.to_string());
            if !inner.owners_listing && !has_credentials_inside(node) {
                inner.owners_listing = true;
            }
        }
        if let Some(link) = node.get_ci("@odata.nextLink") {
            if link.str().is_some() && self.next_link.is_none() {
                self.next_link = Some(link.at);
            }
        }
        if inner.owners_listing && inner.app.is_none() {
            self.recognised += 1;
            if self.owners_without_app.is_none() {
                self.owners_without_app = Some(node.at);
            }
            return;
        }
        for item in node.get_ci("value").and_then(Node::items).unwrap_or(&[]) {
            self.value(item, &inner, depth + 1);
        }
    }

    pub(super) fn user(&mut self, node: &Node<'_>) {
        self.recognised += 1;
        let Some(upn_node) = field(node, "userPrincipalName") else {
            return;
        };
        let Some(upn) = upn_node.str().filter(|s| !s.trim().is_empty()) else {
            self.malformed(
                upn_node.at,
                format!(
                    "`userPrincipalName` is {}, not a name; user skipped",
                    upn_node.type_name()
                ),
            );
            return;
        };
        // MSOnline (`Get-MsolUser`) names the object id `ObjectId`.
        let id_node = field(node, "id").or_else(|| field(node, "ObjectId"));
        let at = id_node.map_or(upn_node.at, |n| n.at);
        let mut account = Account::new(SourceKind::EntraId, &self.system(), upn, self.here(at));
        account.per_user_mfa = self.per_user_mfa(node);
        // A per-user MFA export (`id`, `userPrincipalName`, `perUserMfaState`) says nothing else
        // about the user: no password warning, no assumed expiry; the join folds it into the
        // users export's account.
        let mfa_only = has_mfa_state(node)
            && !node
                .members()
                .iter()
                .any(|m| USER_PROPS.iter().any(|k| k.eq_ignore_ascii_case(&m.key)));
        if let Some(id) = id_node.and_then(Node::str) {
            if !id.is_empty() && id != upn {
                account.aliases.push(id.to_string());
            }
        }
        account.kind = match field(node, "userType").and_then(Node::str) {
            Some(t) if t.eq_ignore_ascii_case("Member") || t.eq_ignore_ascii_case("Guest") => {
                AccountKind::Human
            }
            _ => AccountKind::Unknown,
        };
        account.enabled = self.boolean(node, "accountEnabled");
        let pwd = self.time(node, "lastPasswordChangeDateTime");
        account.password_last_set = time::not_never(pwd.when);
        if account.password_last_set.is_known() {
            account.password = PasswordState::Set;
        }
        account.password_evidence = pwd.line.map(|l| Evidence::at(self.path, l));
        if field(node, "lastPasswordChangeDateTime").is_none() && !mfa_only {
            if self.no_password_field.0 == 0 {
                self.no_password_field.1 = at;
            }
            self.no_password_field.0 += 1;
        }
        account.created = time::not_never(self.time(node, "createdDateTime").when);
        if !mfa_only {
            account.expires = When::Never;
        }
        let sessions = self.time(node, "signInSessionsValidFromDateTime");
        let refresh = self.time(node, "refreshTokensValidFromDateTime");
        let (s, r) = (
            time::not_never(sessions.when),
            time::not_never(refresh.when),
        );
        let later = match (s.known(), r.known()) {
            (Some(a), Some(b)) if b > a => &refresh,
            (None, Some(_)) => &refresh,
            _ => &sessions,
        };
        account.sessions_valid_from = s.latest(r);
        if account.sessions_valid_from == When::Never {
            account.sessions_valid_from = When::Unknown;
        }
        if account.sessions_valid_from.is_known() {
            account.sessions_evidence = later.line.map(|l| Evidence::at(self.path, l));
        }
        if self.boolean(node, "onPremisesSyncEnabled") == Some(true) {
            let sam = field(node, "onPremisesSamAccountName")
                .and_then(Node::str)
                .unwrap_or("");
            account.synced_from = Some(sam.to_string());
        }
        let mail: Vec<&str> = field(node, "mail")
            .and_then(Node::str)
            .into_iter()
            .collect();
        let proxies: Vec<&str> = field(node, "proxyAddresses")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::str)
            .collect();
        account.mail = crate::source::directory::mail_addresses(mail, proxies);
        self.out.record(Record::Account(account));
        // Methods nested in the user object.
        let nested = ["authenticationMethods", "methods"]
            .iter()
            .find_map(|k| field(node, k))
            .or_else(|| field(node, "authentication").and_then(|a| a.get_ci("methods")));
        if let Some(methods) = nested {
            let ctx = Ctx {
                user: Some(upn.to_string()),
                ..Ctx::default()
            };
            match methods.items() {
                Some(items) => {
                    for m in items {
                        if m.is_obj() && !m.partial {
                            self.method(m, &ctx);
                        }
                    }
                }
                None => self.malformed(methods.at, "authentication methods are not an array"),
            }
        }
    }

    /// The per-user MFA state of a user object: Graph beta `perUserMfaState` (what
    /// `/users/{id}/authentication/requirements` returns, copied beside the user), or MSOnline's
    /// `StrongAuthenticationRequirements` (`Get-MsolUser`: the strongest `State` of its items,
    /// `Enabled` or `Enforced`; an empty list or null is disabled).
    pub(super) fn per_user_mfa(&mut self, node: &Node<'_>) -> Option<PerUserMfa> {
        if let Some(n) = field(node, "perUserMfaState") {
            let state = n.str().and_then(mfa_state);
            if state.is_none() {
                self.malformed(
                    n.at,
                    "`perUserMfaState` is not disabled, enabled or enforced; ignored",
                );
            }
            return state.map(|state| PerUserMfa {
                state,
                evidence: self.here(n.at),
            });
        }
        let n = field(node, "StrongAuthenticationRequirements")?;
        let items: Vec<&Node<'_>> = match &n.val {
            Val::Null => Vec::new(),
            Val::Arr(items) => items.iter().collect(),
            // Windows PowerShell 5.1 may write a one-item list as the item itself.
            Val::Obj(_) => vec![n],
            _ => {
                self.malformed(
                    n.at,
                    "`StrongAuthenticationRequirements` is not a list; ignored",
                );
                return None;
            }
        };
        let mut state = PerUserMfaState::Disabled;
        for item in items {
            match field(item, "State").and_then(Node::str).and_then(mfa_state) {
                Some(s) => state = state.max(s),
                None => {
                    self.malformed(
                        item.at,
                        "`StrongAuthenticationRequirements` item without a State of Enabled or \
                         Enforced; ignored",
                    );
                    return None;
                }
            }
        }
        Some(PerUserMfa {
            state,
            evidence: self.here(n.at),
        })
    }

    /// A bare authentication-requirements response (`GET /beta/users/{id}/authentication/
    /// requirements`, saved as returned): the user is the one its `@odata.context` names.
    fn requirements(&mut self, node: &Node<'_>) {
        self.recognised += 1;
        let user = field(node, "@odata.context")
            .and_then(Node::str)
            .and_then(|c| entity_key(c, "users"))
            .or_else(|| {
                field(node, "userId")
                    .and_then(Node::str)
                    .map(str::to_string)
            });
        let Some(state) = self.per_user_mfa(node) else {
            return;
        };
        let Some(user) = user.filter(|u| !u.trim().is_empty()) else {
            self.malformed(
                node.at,
                "per-user MFA state whose user the file does not name; skipped. Save each \
                 /users/{id}/authentication/requirements response as returned (its \
                 @odata.context names the user), or export a list with id, userPrincipalName \
                 and perUserMfaState",
            );
            return;
        };
        let mut account = Account::new(
            SourceKind::EntraId,
            &self.system(),
            &user,
            state.evidence.clone(),
        );
        account.per_user_mfa = Some(state);
        self.out.record(Record::Account(account));
    }

    fn app(&mut self, node: &Node<'_>) {
        self.recognised += 1;
        let is_sp = [
            "servicePrincipalType",
            "appOwnerOrganizationId",
            "servicePrincipalNames",
        ]
        .iter()
        .any(|k| node.has_ci(k))
            || field(node, "@odata.type")
                .and_then(Node::str)
                .is_some_and(|t| t.to_ascii_lowercase().ends_with("serviceprincipal"));
        let app = AppInfo {
            what: if is_sp {
                "service principal"
            } else {
                "application"
            },
            name: node.get_str_ci("displayName").map(str::to_string),
            app_id: node.get_str_ci("appId").map(str::to_string),
            object_id: node.get_str_ci("id").map(str::to_string),
        };
        if app.app_id.is_none() && app.object_id.is_none() {
            self.malformed(
                node.at,
                format!(
                    "{} without `appId` or `id`: its credentials have no owner",
                    app.what
                ),
            );
        }
        let mut responsible = Vec::new();
        if let Some(owners) = node.get_ci("owners") {
            match owners.items() {
                Some(items) => {
                    for o in items {
                        if let Some(login) = owner_login(o) {
                            responsible.push(OwnerRef {
                                system: self.tenant.clone(),
                                login,
                            });
                        }
                    }
                }
                None if owners.is_null() => {}
                None => self.malformed(owners.at, "`owners` is not an array; ignored"),
            }
        }
        responsible.sort();
        responsible.dedup();
        for (key, kind) in [
            ("passwordCredentials", CredentialKind::ClientSecret),
            ("keyCredentials", CredentialKind::ClientCertificate),
        ] {
            let Some(list) = field(node, key) else {
                continue;
            };
            match &list.val {
                Val::Arr(items) => {
                    for item in items {
                        if item.partial {
                            continue;
                        }
                        if !item.is_obj() {
                            self.malformed(item.at, format!("`{key}` item is not an object"));
                            continue;
                        }
                        self.credential(item, kind, &app, &responsible);
                    }
                }
                Val::Null => {}
                _ => self.malformed(
                    list.at,
                    format!("`{key}` is {}, not an array; skipped", list.type_name()),
                ),
            }
        }
    }

    fn credential(
        &mut self,
        item: &Node<'_>,
        kind: CredentialKind,
        app: &AppInfo,
        responsible: &[OwnerRef],
    ) {
        let key = if kind == CredentialKind::ClientSecret {
            "passwordCredentials"
        } else {
            "keyCredentials"
        };
        let id = match item.get_ci("keyId") {
            Some(n) => match n.str().filter(|s| !s.trim().is_empty()) {
                Some(id) => (id, n.at),
                None => {
                    self.malformed(
                        n.at,
                        format!("`{key}` item: `keyId` is not a string; skipped"),
                    );
                    return;
                }
            },
            None => {
                self.malformed(item.at, format!("`{key}` item has no `keyId`; skipped"));
                return;
            }
        };
        let usage = item.get_str_ci("usage");
        if kind == CredentialKind::ClientCertificate
            && usage.is_some_and(|u| u.eq_ignore_ascii_case("Sign"))
        {
            // A token-signing key (SAML), not a credential the app authenticates with.
            return;
        }
        let key_type = item.get_str_ci("type");
        let label = match (kind, key_type) {
            (CredentialKind::ClientSecret, _) => "Entra client secret",
            (_, Some(t)) if t.eq_ignore_ascii_case("Symmetric") => "Entra symmetric key",
            _ => "Entra client certificate",
        };
        let owner = app
            .app_id
            .as_ref()
            .or(app.object_id.as_ref())
            .map(|l| OwnerRef {
                system: self.tenant.clone(),
                login: l.clone(),
            });
        let mut cred = Credential::new(kind, id.0, label, self.here(id.1));
        cred.owner = owner.clone();
        cred.responsible = responsible.to_vec();
        let start = self.time(item, "startDateTime");
        cred.issued = time::not_never(start.when);
        if cred.issued.is_known() {
            cred.issued_basis = IssuedBasis::Recorded;
        }
        let end = self.time(item, "endDateTime");
        // A null end: no expiry (the Graph API enforces no maximum).
        cred.expires = if end.null { When::Never } else { end.when };
        cred.status = CredentialStatus::Active;
        let mut detail = app.describe();
        if let Some(name) = item.get_str_ci("displayName") {
            detail.push_str(&format!("; displayName \"{name}\""));
        }
        if let Some(t) = key_type {
            detail.push_str(&format!("; type {t}"));
        }
        if let Some(u) = usage {
            detail.push_str(&format!("; usage {u}"));
        }
        cred.detail = Some(detail);
        self.out.record(Record::Credential(cred));
        // A saved `addPassword` response holds the secret itself.
        if let Some(secret) = item.get_ci("secretText") {
            if secret.str().is_some_and(|s| !s.trim().is_empty()) {
                // Named by the credential's keyId, never by the value.
                let mut leak = Credential::new(
                    CredentialKind::PlaintextSecret,
                    &location_id("", &format!("entra secretText {}", id.0), 0),
                    "Entra client secret value (secretText) saved in clear",
                    self.here(secret.at),
                );
                leak.owner = owner;
                leak.responsible = responsible.to_vec();
                leak.issued = cred_issued(start.when);
                leak.status = CredentialStatus::Active;
                leak.detail = Some(format!("keyId {}; {}", id.0, app.describe()));
                self.out.record(Record::Credential(leak));
            }
        }
    }

    fn method(&mut self, node: &Node<'_>, ctx: &Ctx) {
        self.recognised += 1;
        let odata = field(node, "@odata.type").and_then(Node::str).unwrap_or("");
        let short = short_method(odata);
        if short.eq_ignore_ascii_case("password") {
            // The password itself, not a method that survives its reset.
            return;
        }
        let Some(id_node) = field(node, "id") else {
            self.malformed(node.at, "authentication method has no `id`; skipped");
            return;
        };
        let Some(id) = id_node.str().filter(|s| !s.trim().is_empty()) else {
            self.malformed(
                id_node.at,
                "authentication method `id` is not a string; skipped",
            );
            return;
        };
        let mut cred = Credential::new(
            CredentialKind::RecoveryMethod,
            id,
            &format!("Entra {short} authentication method"),
            self.here(id_node.at),
        );
        match &ctx.user {
            Some(user) => {
                cred.owner = Some(OwnerRef {
                    system: self.tenant.clone(),
                    login: user.clone(),
                })
            }
            None => {
                if self.methods_without_user.0 == 0 {
                    self.methods_without_user.1 = id_node.at;
                }
                self.methods_without_user.0 += 1;
            }
        }
        let created = self.time(node, "createdDateTime");
        cred.issued = time::not_never(created.when);
        cred.status = CredentialStatus::Active;
        cred.expires = When::Never;
        if short.eq_ignore_ascii_case("temporaryAccessPass") {
            let start = self.time(node, "startDateTime");
            if !cred.issued.is_known() {
                cred.issued = time::not_never(start.when);
            }
            let minutes = field(node, "lifetimeInMinutes").and_then(|n| match &n.val {
                Val::Num(s) => s.parse::<i64>().ok(),
                _ => None,
            });
            cred.expires = match (start.when.known(), minutes) {
                (Some(t), Some(m)) => t
                    .checked_add(jiff::SignedDuration::from_secs(m.saturating_mul(60)))
                    .map_or(When::Unknown, When::Known),
                _ => When::Unknown,
            };
            if self.boolean(node, "isUsable") == Some(false) {
                cred.status = CredentialStatus::Inactive;
            }
        }
        if cred.issued.is_known() {
            cred.issued_basis = IssuedBasis::Recorded;
        }
        let mut detail = odata.to_string();
        if let Some(name) = field(node, "displayName").and_then(Node::str) {
            detail.push_str(&format!("; device \"{name}\""));
        }
        cred.detail = Some(detail);
        self.out.record(Record::Credential(cred));
    }

    /// One owner of a separate owners listing.
    fn owner_member(&mut self, node: &Node<'_>, ctx: &Ctx) {
        self.recognised += 1;
        if node.partial {
            return;
        }
        let Some(app) = &ctx.app else {
            if self.owners_without_app.is_none() {
                self.owners_without_app = Some(node.at);
            }
            return;
        };
        let Some(login) = owner_login(node) else {
            self.malformed(
                node.at,
                "owner without `userPrincipalName` or `id`; skipped",
            );
            return;
        };
        let at = node.get_ci("id").map_or(node.at, |n| n.at);
        self.out.record(Record::Membership(Membership {
            system: self.system(),
            group: format!("{OWNERS_GROUP}{app}"),
            gid: None,
            member: login,
            primary: false,
            grants: None,
            evidence: self.here(at),
        }));
    }

    /// A boolean property (`true`, or the strings `True`/`False` of a CSV).
    pub(super) fn boolean(&mut self, node: &Node<'_>, key: &str) -> Option<bool> {
        let n = field(node, key)?;
        match &n.val {
            Val::Bool(b) => Some(*b),
            Val::Null => None,
            Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            Val::Str(s) if s.is_empty() => None,
            _ => {
                self.malformed(
                    n.at,
                    format!("`{key}` is {}, not a boolean; ignored", n.type_name()),
                );
                None
            }
        }
    }

    /// A time property.
    pub(super) fn time(&mut self, node: &Node<'_>, key: &str) -> Got {
        let Some(n) = field(node, key) else {
            return Got::default();
        };
        let line = Some(self.line(n.at));
        // Windows PowerShell writes `Get-Date` results as {"value": "/Date(..)/", ...}.
        let inner = if n.is_obj() {
            n.get_ci("value")
        } else {
            Some(n)
        };
        let when = match inner.map(|i| &i.val) {
            Some(Val::Null) => {
                return Got {
                    when: When::Unknown,
                    line,
                    null: true,
                }
            }
            Some(Val::Str(s)) => match time::parse(s, self.options.assume_us_dates) {
                Ok(w) => w,
                Err(TimeError::Locale) => {
                    self.malformed(
                        n.at,
                        format!(
                            "`{key}` is a locale date that is not en-US `M/D/YYYY h:mm:ss AM/PM`; \
                             treated as unknown (export JSON with ConvertTo-Json instead)"
                        ),
                    );
                    When::Unknown
                }
                Err(TimeError::NotATime) => {
                    self.malformed(n.at, unknown_because(key, "a date"));
                    When::Unknown
                }
            },
            _ => {
                self.malformed(n.at, unknown_because(key, "a string"));
                When::Unknown
            }
        };
        Got {
            when,
            line,
            null: false,
        }
    }
}

/// A time property as read: `null` is kept apart from "absent" (a null end date is "never").
#[derive(Default)]
pub(super) struct Got {
    when: When,
    line: Option<u32>,
    null: bool,
}

fn cred_issued(w: When) -> When {
    time::not_never(w)
}

struct AppInfo {
    what: &'static str,
    name: Option<String>,
    app_id: Option<String>,
    object_id: Option<String>,
}

impl AppInfo {
    /// `application "payroll-sync" appId=<guid> objectId=<guid>`: read back by [`join`].
    fn describe(&self) -> String {
        let mut s = self.what.to_string();
        if let Some(n) = &self.name {
            s.push_str(&format!(" \"{n}\""));
        }
        if let Some(a) = &self.app_id {
            s.push_str(&format!(" appId={a}"));
        }
        if let Some(o) = &self.object_id {
            s.push_str(&format!(" objectId={o}"));
        }
        if self.app_id.is_none() && self.object_id.is_none() {
            s.push_str(" (not named by the export)");
        }
        s
    }
}

/// A property, also looked up in the Graph PowerShell SDK's `AdditionalProperties`.
fn field<'n, 'a>(node: &'n Node<'a>, key: &str) -> Option<&'n Node<'a>> {
    node.get_ci(key)
        .or_else(|| node.get_ci("AdditionalProperties")?.get_ci(key))
}

/// Properties of a users export beyond its names: a per-user MFA export has none of them.
const USER_PROPS: &[&str] = &[
    "accountEnabled",
    "userType",
    "createdDateTime",
    "lastPasswordChangeDateTime",
    "signInSessionsValidFromDateTime",
    "refreshTokensValidFromDateTime",
    "onPremisesSyncEnabled",
    "onPremisesSamAccountName",
    "mail",
    "proxyAddresses",
    "passwordPolicies",
];

/// Whether an object carries a per-user MFA state.
fn has_mfa_state(node: &Node<'_>) -> bool {
    field(node, "perUserMfaState").is_some()
        || field(node, "StrongAuthenticationRequirements").is_some()
}

/// A per-user MFA state as Graph (`disabled`, `enabled`, `enforced`) or MSOnline (`Enabled`,
/// `Enforced`) writes it; anything else (`unknownFutureValue`) is `None`.
pub(super) fn mfa_state(text: &str) -> Option<PerUserMfaState> {
    match text.trim().to_ascii_lowercase().as_str() {
        "disabled" => Some(PerUserMfaState::Disabled),
        "enabled" => Some(PerUserMfaState::Enabled),
        "enforced" => Some(PerUserMfaState::Enforced),
        _ => None,
    }
}

fn is_method(node: &Node<'_>) -> bool {
    field(node, "@odata.type")
        .and_then(Node::str)
        .is_some_and(|t| t.to_ascii_lowercase().ends_with("authenticationmethod"))
}

fn has_credentials_inside(page: &Node<'_>) -> bool {
    page.get_ci("value")
        .and_then(Node::items)
        .unwrap_or(&[])
        .iter()
        .any(|i| {
            i.has_ci("keyId")
                || i.has_ci("passwordCredentials")
                || i.has_ci("keyCredentials")
                || is_method(i)
        })
}

/// `#microsoft.graph.fido2AuthenticationMethod` → `fido2`.
fn short_method(odata: &str) -> &str {
    let name = odata.rsplit('.').next().unwrap_or(odata);
    let cut = name.len().saturating_sub("AuthenticationMethod".len());
    match name.get(cut..) {
        Some(tail) if tail.eq_ignore_ascii_case("AuthenticationMethod") && cut > 0 => {
            name.get(..cut).unwrap_or(name)
        }
        _ => name,
    }
}

/// The login of an owner object: UPN, else mail, else appId (a service principal), else id.
fn owner_login(node: &Node<'_>) -> Option<String> {
    ["userPrincipalName", "mail", "appId", "id"]
        .iter()
        .find_map(|k| field(node, k).and_then(Node::str).filter(|s| !s.is_empty()))
        .map(str::to_string)
}

/// The key of `<set>('<key>')` in an `@odata.context`, percent-decoded.
fn entity_key(context: &str, set: &str) -> Option<String> {
    let needle = format!("{set}('");
    let lower = context.to_ascii_lowercase();
    let start = lower.find(&needle.to_ascii_lowercase())? + needle.len();
    let rest = context.get(start..)?;
    let end = rest.find("')")?;
    let key = percent_decode(rest.get(..end)?);
    (!key.is_empty()).then_some(key)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The tenant of a file: the most common domain of member UPNs (ties: alphabetical); else of
/// guests' home-tenant part; else the applications' `publisherDomain`.
pub(super) fn tenant_of(values: &[Node<'_>]) -> Option<String> {
    let mut members: BTreeMap<String, usize> = BTreeMap::new();
    let mut guests: BTreeMap<String, usize> = BTreeMap::new();
    let mut publishers: BTreeMap<String, usize> = BTreeMap::new();
    for v in values {
        collect_domains(v, &mut members, &mut guests, &mut publishers, 0);
    }
    [members, guests, publishers]
        .into_iter()
        .find_map(|counts| {
            counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(d, _)| d)
        })
}

/// Counts one user name's domain.
pub(super) fn count_upn(
    upn: &str,
    members: &mut BTreeMap<String, usize>,
    guests: &mut BTreeMap<String, usize>,
) {
    let Some((_, domain)) = upn.rsplit_once('@') else {
        return;
    };
    if domain.is_empty() {
        return;
    }
    let map = if upn.to_ascii_uppercase().contains("#EXT#") {
        guests
    } else {
        members
    };
    *map.entry(domain.to_ascii_lowercase()).or_default() += 1;
}

fn collect_domains(
    node: &Node<'_>,
    members: &mut BTreeMap<String, usize>,
    guests: &mut BTreeMap<String, usize>,
    publishers: &mut BTreeMap<String, usize>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    match &node.val {
        Val::Obj(list) => {
            for m in list {
                if m.key.eq_ignore_ascii_case("userPrincipalName") {
                    if let Some(upn) = m.value.str() {
                        count_upn(upn, members, guests);
                    }
                } else if m.key.eq_ignore_ascii_case("publisherDomain")
                    && !node.has_ci("servicePrincipalType")
                {
                    if let Some(d) = m.value.str().filter(|d| !d.is_empty()) {
                        *publishers.entry(d.to_ascii_lowercase()).or_default() += 1;
                    }
                } else if m.key.eq_ignore_ascii_case("@odata.context") {
                    if let Some(upn) = m.value.str().and_then(|c| entity_key(c, "users")) {
                        count_upn(&upn, members, guests);
                    }
                } else {
                    collect_domains(&m.value, members, guests, publishers, depth + 1);
                }
            }
        }
        Val::Arr(items) => {
            for i in items {
                collect_domains(i, members, guests, publishers, depth + 1);
            }
        }
        _ => {}
    }
}

/// See [`super::join`].
pub(super) fn join(records: &mut Vec<Record>) {
    let mut owners: BTreeMap<String, Vec<(OwnerRef, Evidence)>> = BTreeMap::new();
    for r in records.iter() {
        if let Record::Membership(m) = r {
            if let Some(app) = m.group.strip_prefix(OWNERS_GROUP) {
                owners.entry(app.to_string()).or_default().push((
                    OwnerRef {
                        system: Some(m.system.clone()),
                        login: m.member.clone(),
                    },
                    m.evidence.clone(),
                ));
            }
        }
    }
    if owners.is_empty() {
        return;
    }
    let mut used: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for r in records.iter_mut() {
        let Record::Credential(c) = r else {
            continue;
        };
        if !matches!(
            c.kind,
            CredentialKind::ClientSecret
                | CredentialKind::ClientCertificate
                | CredentialKind::PlaintextSecret
        ) {
            continue;
        }
        let Some(detail) = &c.detail else {
            continue;
        };
        let keys: Vec<String> = detail
            .split([' ', ';'])
            .filter_map(|t| t.strip_prefix("appId=").or(t.strip_prefix("objectId=")))
            .map(str::to_string)
            .collect();
        for key in keys {
            let Some(list) = owners.get(&key) else {
                continue;
            };
            used.insert(key);
            for (owner, evidence) in list {
                if !c.responsible.contains(owner) {
                    c.responsible.push(owner.clone());
                }
                if !c.related.contains(evidence) {
                    c.related.push(evidence.clone());
                }
            }
            c.responsible.sort();
        }
    }
    records.retain(|r| match r {
        Record::Membership(m) => m
            .group
            .strip_prefix(OWNERS_GROUP)
            .is_none_or(|app| !used.contains(app)),
        _ => true,
    });
}
