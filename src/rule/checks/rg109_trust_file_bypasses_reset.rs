//! RG109 trust-file-bypasses-reset: entries of `.rhosts`, `.shosts`, `hosts.equiv`,
//! `shosts.equiv`, `.k5login` and sshd `AuthorizedPrincipalsFile` that let another host, user or
//! principal log in as an account without its password (the host adapter records them with who
//! honours them). Error for wildcards (`+`, netgroups) that a program honours, warning for other
//! honoured entries, note when only a program the scan does not read (rsh/rlogin from inetd)
//! or an undecidable `Match` could honour them. Entries nothing honours are not reported.

use super::describe_reset;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{Honoured, OwnerRef, TrustKind};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for t in &inv.trusts {
        if t.kind == TrustKind::UnrevokedCa {
            continue;
        }
        let level = match (t.honoured, t.wildcard) {
            (Honoured::No, _) => continue,
            (Honoured::Unknown, _) => Level::Note,
            (Honoured::Yes, true) => Level::Error,
            (Honoured::Yes, false) => Level::Warning,
        };
        let who = match t.kind {
            TrustKind::K5login => format!("Kerberos principal {}", t.entry),
            TrustKind::Principal => format!("certificates naming principal {}", t.entry),
            _ if t.wildcard => format!("`{}` (any host or user, or a netgroup)", t.entry),
            _ => format!("`{}`", t.entry),
        };
        let whom = match &t.account {
            Some(login) => format!("as {login} on {}", t.system),
            None => format!("as any non-root account of the same name on {}", t.system),
        };
        let honoured = match t.honoured {
            Honoured::Yes => format!("honoured: {}", t.why),
            _ => format!("possibly honoured: {}", t.why),
        };
        let message = format!(
            "{} lets {who} log in {whom} without the password, and no password reset touches it \
             ({honoured}).",
            t.kind.describe()
        );
        let scope = format!("{}:{}", t.kind.describe(), t.entry);
        let owner = t.account.as_ref().map(|login| OwnerRef {
            system: Some(t.system.clone()),
            login: login.clone(),
        });
        let mut f = match &owner {
            Some(o) => out.finding(
                level,
                Subject::Credential {
                    id: &scope,
                    account: Some(o),
                },
                t.evidence.clone(),
                message,
            ),
            None => out.finding(
                level,
                Subject::Setting {
                    host: &t.system,
                    setting: "trust",
                    scope: &scope,
                },
                t.evidence.clone(),
                message,
            ),
        }
        .host(Some(&t.system));
        if let Some(login) = &t.account {
            f = f.account(login);
        }
        for ev in &t.honoured_by {
            f = f.related(ev.clone(), "the setting that honours it");
        }
        if let Some(login) = &t.account {
            if let Some(i) = inv.account(&t.system, login) {
                let identity = ctx.correlation.identity_of(i);
                if let Some(reset) = identity.last_reset {
                    let (ev, text) = describe_reset(ctx, &reset);
                    f = f.related(ev, format!("the reset it survives: {text}"));
                }
            }
        }
        out.push(f);
    }
}
