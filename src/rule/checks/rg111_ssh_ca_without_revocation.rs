//! RG111 ssh-ca-without-revocation: sshd trusts a user CA (`TrustedUserCAKeys`) with no
//! `RevokedKeys` (the default is none), so every certificate the CA signed logs in until it
//! expires, whatever happens to the password. A note when the KRL file was not collected.

use crate::finding::{Emit, Level, Subject};
use crate::inventory::{Honoured, TrustKind};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for t in ctx
        .inventory
        .trusts
        .iter()
        .filter(|t| t.kind == TrustKind::UnrevokedCa)
    {
        let level = match t.honoured {
            Honoured::Yes => Level::Warning,
            Honoured::Unknown => Level::Note,
            Honoured::No => continue,
        };
        let message = match t.honoured {
            Honoured::Yes => format!(
                "sshd on {} trusts user certificates signed by the CA in {} with {}: a \
                 certificate keeps logging in until it expires, and no password reset or key \
                 removal revokes it.",
                t.system, t.entry, t.why
            ),
            _ => format!(
                "sshd on {} trusts user certificates signed by the CA in {}, and whether any can \
                 be revoked is unknown: {}.",
                t.system, t.entry, t.why
            ),
        };
        let mut f = out
            .finding(
                level,
                Subject::Setting {
                    host: &t.system,
                    setting: "sshd:trustedusercakeys",
                    scope: &t.entry,
                },
                t.evidence.clone(),
                message,
            )
            .host(Some(&t.system));
        for ev in &t.honoured_by {
            f = f.related(ev.clone(), "RevokedKeys");
        }
        out.push(f);
    }
}
