//! RG201 app-password-not-rotated: an active app or service-specific password issued before the
//! identity's last reset, or older than `--max-credential-age`. The age limit applies even when
//! the owner appears in no collected export.

use super::{credential_name, describe_reset, owner_of, predates};
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, CredentialKind, CredentialStatus};
use crate::rule::revocation::{revoked_by_own_reset, verdict};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for c in &ctx.inventory.credentials {
        if c.kind != CredentialKind::AppPassword || c.status != CredentialStatus::Active {
            continue;
        }
        let Some(issued) = c.issued.known() else {
            continue;
        };
        let Some(owner) = &c.owner else { continue };
        // A password change of its own account revoked it (a Google app password after a Google
        // password change): it is neither a survivor nor still in use (`rule::revocation`).
        if revoked_by_own_reset(ctx, c).is_some() {
            continue;
        }
        let login = owner.login.as_str();
        let identity = owner_of(ctx, c).map(|(identity, _)| identity);
        let mut reasons = Vec::new();
        let mut related = None;
        let mut revocation = "A password reset does not revoke it.".to_string();
        if let Some(reset) = identity.and_then(|i| i.last_reset) {
            revocation = verdict(ctx, &reset, c).sentence;
            if predates(ctx, issued, &reset) {
                reasons.push(format!(
                    "was issued {}, before the password reset of {}",
                    format_day(issued),
                    format_day(reset.at)
                ));
                related = Some(describe_reset(ctx, &reset));
            }
        }
        let age = c.issued.days_until(ctx.options.as_of).unwrap_or(0);
        if age > ctx.options.max_credential_age_days {
            reasons.push(format!(
                "is {age} days old, over the maximum of {} days",
                ctx.options.max_credential_age_days
            ));
        }
        if reasons.is_empty() {
            continue;
        }
        // One short first sentence (GitHub's alert title), the age in a sentence of its own.
        let mut message = format!(
            "{} of {login} is still active and {}.",
            credential_name(c),
            reasons[0]
        );
        if let Some(more) = reasons.get(1) {
            message.push_str(&format!(" It {more}."));
        }
        message.push(' ');
        message.push_str(&revocation);
        let mut f = out.finding(Level::Warning,
            Subject::Credential {
                id: &c.id,
                account: Some(owner),
            },
            c.evidence.clone(),
            message,
        )
        .account(login)
        .credential(c);
        if let Some((ev, text)) = related {
            f = f.related(ev, format!("the reset: {text}"));
        }
        out.push(f);
    }
}
