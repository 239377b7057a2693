//! RG503 password-in-readable-attribute: password copies in readable attributes.

use crate::finding::{Emit, Level, Subject};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    for a in &ctx.inventory.accounts {
        let Some(d) = a.directory.as_deref() else {
            continue;
        };
        if d.readable_password_attributes.is_empty() {
            continue;
        }
        let message = format!(
            "{} in {} keeps a password copy in {}, which a password reset does not change.",
            a.login,
            a.system,
            d.readable_password_attributes.join(", ")
        );
        out.push(
            out.finding(Level::Warning,
                Subject::Account {
                    system: &a.system,
                    login: &a.login,
                },
                a.evidence.clone(),
                message,
            )
            .account(&a.login),
        );
    }
}
