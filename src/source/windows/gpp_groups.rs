//! Group Policy Preferences local group changes: SYSVOL
//! `Policies/{GUID}/Machine/Preferences/Groups/Groups.xml` `<Group>` items. A `<Group>` whose
//! `Properties` `groupSid` is `S-1-5-32-544` (or, without a SID, whose `groupName` is the GPP
//! editor's fixed `Administrators (built-in)`) with action `C`, `U` or `R` adds each
//! `<Member action="ADD">` to the Administrators group of every computer in the GPO's scope
//! (`gpo:{GUID}`; the links are not in the file). `REMOVE` members and `D` (delete) items grant
//! nothing. The same file's `cpassword`s are read by `source::stores`.

use super::{admin_membership, gpo_of, host_of, is_builtin_admin, member_name, ADMINISTRATORS_SID};
use crate::diag::Diagnostic;
use crate::inventory::Evidence;
use crate::source::Output;

pub(crate) fn parse(uri: &str, text: &str) -> Output {
    let mut out = Output::default();
    let Ok(doc) = roxmltree::Document::parse(text) else {
        // `source::stores` reports the broken XML once.
        return out;
    };
    let system = gpo_of(uri).unwrap_or_else(|| host_of(uri, None));
    for group in doc.descendants().filter(|n| n.has_tag_name("Group")) {
        let Some(props) = group.children().find(|n| n.has_tag_name("Properties")) else {
            continue;
        };
        let sid = props.attribute("groupSid").unwrap_or("").trim();
        let name = props.attribute("groupName").unwrap_or("").trim();
        let admins = if sid.is_empty() {
            name.eq_ignore_ascii_case("Administrators (built-in)")
        } else {
            sid.eq_ignore_ascii_case(ADMINISTRATORS_SID)
        };
        if !admins {
            continue;
        }
        let action = props
            .attribute("action")
            .unwrap_or("U")
            .trim()
            .to_ascii_uppercase();
        if action == "D" {
            continue;
        }
        for m in props.descendants().filter(|n| n.has_tag_name("Member")) {
            let line = doc.text_pos_at(m.range().start).row;
            if !m
                .attribute("action")
                .unwrap_or("")
                .eq_ignore_ascii_case("ADD")
            {
                continue;
            }
            let msid = m.attribute("sid").map(str::trim).filter(|s| !s.is_empty());
            if msid.is_some_and(is_builtin_admin) {
                continue;
            }
            let member = member_name(m.attribute("name").unwrap_or(""), msid, &system, false);
            if member.is_empty() {
                out.diag(Diagnostic::malformed(
                    uri,
                    line,
                    "GPP group member without name or SID; skipped",
                ));
                continue;
            }
            out.record(admin_membership(&system, member, Evidence::at(uri, line)));
        }
    }
    out
}
