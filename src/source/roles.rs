//! Admin role assignments that may reset passwords (issue 12, "Who can reset whom"), as
//! `ResetRight` records of kind `ResetRole`:
//! - Microsoft Entra: Graph `GET /roleManagement/directory/roleAssignments?$expand=principal`
//!   (with `roleDefinition` expanded, or a `roleDefinitionId` that is a built-in template id),
//!   each assignment's `directoryScopeId` (`/` the tenant, `/administrativeUnits/{id}` an
//!   administrative unit) as the scope. Roles read (built-in template ids): Global
//!   Administrator `62e90394-…`, Privileged Authentication Administrator `7be44c8a-…`,
//!   Authentication Administrator `c4e39bd9-…`, User Administrator `fe930be7-…`, Helpdesk
//!   Administrator `729827e3-…`, Password Administrator `966707d0-…`. The system is the tenant
//!   as the Entra users source spells it: the most common domain of the principals' UPNs.
//! - Okta: `GET /api/v1/users/{userId}/roles` (a bare array of role assignments; the user is
//!   named by each item's `_links.assignee.href`, or the file's single user), roles that may
//!   reset passwords: `SUPER_ADMIN`, `ORG_ADMIN`, `USER_ADMIN` (Group Administrator),
//!   `HELP_DESK_ADMIN`. Their group targets are another call (`/roles/{id}/targets/groups`),
//!   so the scope is the org (`*`) and the detail says the targets were not read. The system is
//!   the org host of the `_links` hrefs, as the Okta source spells it.
//!
//! Inactive assignments (`status` `INACTIVE`) are skipped. Per-user MFA state
//! (`perUserMfaState`) is not read here.
//!
//! Not here: whether a role holder is Tier 0 (RG606).

use super::json::{self, Node};
use super::registry::{BySniff, ParseInput, Sniff};
use super::Output;
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::{Evidence, Record, ResetRight, RightKind, RightTarget, SourceKind};
use std::collections::BTreeMap;

/// Entra built-in roles that may reset passwords, by template id.
pub const ENTRA_RESET_ROLES: &[(&str, &str)] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
];

/// Okta standard roles that may reset passwords, with their labels.
pub const OKTA_RESET_ROLES: &[(&str, &str)] = &[
    ("SUPER_ADMIN", "Super Administrator"),
    ("ORG_ADMIN", "Organization Administrator"),
    ("USER_ADMIN", "Group Administrator"),
    ("HELP_DESK_ADMIN", "Help Desk Administrator"),
];

/// Which vendor's assignments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleExport {
    Entra,
    Okta,
}

fn sniff(file: &Sniff<'_>) -> Option<RoleExport> {
    if !file.looks_like_json() {
        return None;
    }
    let head = file.lower_head();
    let has = |n: &str| head.contains(n);
    if has("\"roledefinitionid\"") && has("\"directoryscopeid\"") {
        return Some(RoleExport::Entra);
    }
    if has("\"assignmenttype\"") && has("\"type\"") && has("\"label\"") && has("_admin\"") {
        return Some(RoleExport::Okta);
    }
    None
}

/// Entra and Okta admin role assignments.
pub static SOURCE: BySniff<RoleExport> = BySniff {
    name: "roles",
    sniff,
    read,
    join: super::registry::no_join,
    dated_by_file_time: false,
};

fn read(kind: RoleExport, input: &ParseInput<'_>) -> Output {
    parse(kind, input.uri, input.text)
}

/// Every object item of the file: a bare array's items, a Graph page's `value`, or one object.
fn items<'a, 'b>(doc: &'b json::Doc<'a>) -> Vec<&'b Node<'a>> {
    let mut out = Vec::new();
    for v in &doc.values {
        if let Some(list) = v.items() {
            out.extend(list.iter().filter(|n| n.is_obj()));
        } else if let Some(list) = v.get("value").and_then(Node::items) {
            out.extend(list.iter().filter(|n| n.is_obj()));
        } else if v.is_obj() {
            out.push(v);
        }
    }
    out
}

fn str_of<'n>(n: Option<&'n Node<'_>>) -> Option<&'n str> {
    n.and_then(Node::str).filter(|s| !s.is_empty())
}

/// Parses one export; `path` is the file relative to the scan root.
pub fn parse(kind: RoleExport, path: &str, text: &str) -> Output {
    let doc = json::Doc::parse(path, text);
    let mut out = Output::default();
    doc.report_breaks(&mut out);
    match kind {
        RoleExport::Entra => entra(&doc, &mut out),
        RoleExport::Okta => okta(&doc, &mut out),
    }
    out
}

fn entra(doc: &json::Doc<'_>, out: &mut Output) {
    let items = items(doc);
    // The tenant: the most common domain of the principals' UPNs (ties: alphabetical).
    let mut domains: BTreeMap<String, usize> = BTreeMap::new();
    for a in &items {
        if let Some(upn) = str_of(a.get("principal").and_then(|p| p.get("userPrincipalName"))) {
            if let Some((_, d)) = upn.rsplit_once('@').filter(|_| !upn.contains("#EXT#")) {
                *domains.entry(d.to_ascii_lowercase()).or_default() += 1;
            }
        }
    }
    let tenant = domains
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(d, _)| d.clone())
        .unwrap_or_else(|| "entra".to_string());
    for a in items {
        let def = a.get("roleDefinition");
        let template = str_of(def.and_then(|d| d.get("templateId")))
            .or_else(|| str_of(a.get("roleDefinitionId")))
            .map(str::to_ascii_lowercase);
        let Some(template) = template else {
            out.diag(doc.malformed_at(
                a,
                "roleDefinitionId",
                "role assignment without roleDefinitionId",
            ));
            continue;
        };
        let Some((_, role)) = ENTRA_RESET_ROLES.iter().find(|(id, _)| *id == template) else {
            continue;
        };
        let name = str_of(def.and_then(|d| d.get("displayName"))).unwrap_or(role);
        let principal = a.get("principal");
        let principal_id =
            str_of(a.get("principalId")).or_else(|| str_of(principal.and_then(|p| p.get("id"))));
        let Some(principal_id) = principal_id else {
            out.diag(doc.malformed_at(a, "principalId", "role assignment without principalId"));
            continue;
        };
        let holder = str_of(principal.and_then(|p| p.get("userPrincipalName")))
            .or_else(|| str_of(principal.and_then(|p| p.get("displayName"))))
            .unwrap_or(principal_id);
        let holder_is_group = str_of(principal.and_then(|p| p.get("@odata.type")))
            .is_some_and(|t| t.eq_ignore_ascii_case("#microsoft.graph.group"));
        let scope = str_of(a.get("directoryScopeId")).unwrap_or("/");
        out.record(Record::ResetRight(ResetRight {
            system: tenant.clone(),
            source: SourceKind::EntraId,
            holder: holder.to_string(),
            holder_sid: Some(principal_id.to_string()),
            target_sid: None,
            holder_is_group,
            target: RightTarget::Scope(if scope == "/" {
                "*".to_string()
            } else {
                scope.to_string()
            }),
            right: RightKind::ResetRole,
            detail: Some(name.to_string()),
            inherited: false,
            evidence: Evidence::at(doc.path, doc.id_line(a, &["id", "principalId"])),
        }));
    }
}

/// The Okta org host and user id of an `…/api/v1/users/{id}` href.
fn okta_user_of(href: &str) -> Option<(String, String)> {
    let rest = href.split_once("://")?.1;
    let (host, path) = rest.split_once('/')?;
    let id = path.strip_prefix("api/v1/users/")?.split('/').next()?;
    (!id.is_empty()).then(|| (host.to_ascii_lowercase(), id.to_string()))
}

fn okta(doc: &json::Doc<'_>, out: &mut Output) {
    let items = items(doc);
    // A file of one user's roles names the user in each item's links; keep the first one seen
    // for items whose links leave it out.
    let file_user = items.iter().find_map(|i| {
        let links = i.get("_links")?;
        let href = str_of(links.get("assignee").and_then(|a| a.get("href")))?;
        okta_user_of(href)
    });
    let mut missing_user: Option<u32> = None;
    for r in items {
        let Some(ty) = str_of(r.get("type")) else {
            continue;
        };
        let Some((_, label)) = OKTA_RESET_ROLES
            .iter()
            .find(|(t, _)| t.eq_ignore_ascii_case(ty))
        else {
            continue;
        };
        if str_of(r.get("status")).is_some_and(|s| s.eq_ignore_ascii_case("INACTIVE")) {
            continue;
        }
        let user = str_of(
            r.get("_links")
                .and_then(|l| l.get("assignee"))
                .and_then(|a| a.get("href")),
        )
        .and_then(okta_user_of)
        .or_else(|| file_user.clone());
        let Some((org, id)) = user else {
            missing_user.get_or_insert(doc.key_line(r, "type"));
            continue;
        };
        let group =
            str_of(r.get("assignmentType")).is_some_and(|t| t.eq_ignore_ascii_case("GROUP"));
        let scoped = matches!(ty, "USER_ADMIN" | "HELP_DESK_ADMIN");
        out.record(Record::ResetRight(ResetRight {
            system: org,
            source: SourceKind::Okta,
            holder: id.clone(),
            holder_sid: Some(id),
            target_sid: None,
            holder_is_group: false,
            target: RightTarget::Scope("*".to_string()),
            right: RightKind::ResetRole,
            detail: Some(format!(
                "{}{}{}",
                str_of(r.get("label")).unwrap_or(label),
                if group {
                    ", through a group assignment"
                } else {
                    ""
                },
                if scoped {
                    "; group targets not exported"
                } else {
                    ""
                }
            )),
            inherited: group,
            evidence: Evidence::at(doc.path, doc.key_line(r, "type")),
        }));
    }
    if let Some(line) = missing_user {
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Warning,
            Evidence::at(doc.path, line),
            "Okta role assignments without an assignee link (`_links.assignee.href`): the user \
             they belong to is unknown, so they were not read",
        ));
    }
}

#[cfg(test)]
mod tests;
