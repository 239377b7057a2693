//! RG501 plaintext-credential: a secret found in a file. Names the owner account when the secret
//! belongs to a known one (its id, or the id its producer paired it with, joined to a listed
//! credential such as an AWS key id and its IAM user; or a user name captured beside the secret),
//! and is an error when that account was reset after the file was written.
//!
//! A password every domain user can read (a Group Policy Preferences `cpassword` in SYSVOL,
//! decryptable with Microsoft's published key; a password written in an AD `description`,
//! `info` or `comment`) is an error whatever the reset says: without a later reset it is the
//! live password, after one it is a stale password still handed to everyone.
//!
//! A secret that says itself it has expired (a JWT's `exp`, its certificate's `notAfter`:
//! `Credential::expires`) is a note whatever else holds; what the secret says of itself
//! (`Credential::facts`) is in the message.

use super::describe_reset;
use crate::correlate::Identity;
use crate::finding::{Emit, Level, Subject};
use crate::inventory::{when::format_day, Credential, CredentialKind, IssuedBasis};
use crate::rule::Context;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let inv = ctx.inventory;
    for c in inv
        .credentials
        .iter()
        .filter(|c| c.kind == CredentialKind::PlaintextSecret)
    {
        let (login, identity, listed) = owner(ctx, c);
        let mut level = Level::Warning;
        let mut related = Vec::new();
        let mut extra = String::new();
        let gpp = c
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("gpp-cpassword:"));
        let domain_readable =
            gpp || c.detail.as_deref().is_some_and(|d| d.starts_with("ad-text:"));
        let mut reset_after = false;
        if let Some(l) = listed {
            related.push((
                l.evidence.clone(),
                format!(
                    "the {} export lists it for {} (status {})",
                    l.label,
                    login.unwrap_or("?"),
                    format!("{:?}", l.status).to_lowercase()
                ),
            ));
        }
        if let (Some(identity), Some(written)) = (identity, c.issued.known()) {
            if let Some(reset) = identity.last_reset {
                if reset.at > written {
                    level = Level::Error;
                    reset_after = true;
                    let (ev, text) = describe_reset(ctx, &reset);
                    let when = if c.issued_basis == IssuedBasis::Logged {
                        "the shell history recorded the command holding it"
                    } else {
                        "the file was written"
                    };
                    extra = format!(
                        " The account's password was reset {}, after {when} ({}): the secret outlived the reset.",
                        format_day(reset.at),
                        format_day(written)
                    );
                    related.push((ev, format!("the reset: {text}")));
                }
            }
        }
        if domain_readable {
            level = Level::Error;
            let readable = if gpp {
                " Every domain user can read SYSVOL and decrypt it with Microsoft's published key (MS14-025)"
            } else {
                " Every domain user can read the attribute"
            };
            let last_set = identity.and_then(|i| i.last_reset).map(|r| r.at);
            extra = if reset_after {
                format!("{extra}{readable}: a stale password handed to everyone, which works again wherever it was reused or set back.")
            } else if let (Some(set), Some(_)) = (last_set, c.issued.known()) {
                format!(
                    "{readable}: the account's password was last set {}, before the file was written, so this is the live password.",
                    format_day(set)
                )
            } else {
                match c.issued.known() {
                    Some(w) => format!(
                        "{readable}: unless the password was changed after {}, it is live.",
                        format_day(w)
                    ),
                    None => format!("{readable}: unless the password was changed since, it is live."),
                }
            };
        }
        let mut said = c.facts.join("; ");
        if let Some(expired) = c.expires.known().filter(|e| *e <= ctx.options.as_of) {
            level = Level::Note;
            if !said.contains(&format_day(expired)) {
                said = format!(
                    "{said}{}expired {}",
                    if said.is_empty() { "" } else { "; " },
                    format_day(expired)
                );
            }
            said.push_str(": it has expired, so it should no longer authenticate");
        }
        if !said.is_empty() {
            extra = format!("{extra} The secret itself says: {said}.");
        }
        let whose = match login {
            Some(l) => format!(" for account {l}"),
            None => " (no owner account identified)".to_string(),
        };
        let shown_id = if c.has_secret_id() {
            String::new()
        } else {
            format!(" {}", c.shown_id())
        };
        let message = format!(
            "{}{shown_id}{whose} is stored in clear text in {}.{extra}",
            c.label, c.evidence.path
        );
        let mut f = out.finding(level,
            // The secret's own record only: an export that later names its owner (an IAM key
            // listing) must not change the fingerprint.
            Subject::Credential {
                id: &c.id,
                account: c.owner.as_ref(),
            },
            c.evidence.clone(),
            message,
        )
        .credential(c);
        if let Some(l) = login {
            f = f.account(l);
        }
        for (ev, text) in related {
            f = f.related(ev, text);
        }
        out.push(f);
    }
}

/// The owner login, identity, and the listed credential it was joined to.
fn owner<'a>(
    ctx: &'a Context<'_>,
    c: &'a Credential,
) -> (
    Option<&'a str>,
    Option<&'a Identity>,
    Option<&'a Credential>,
) {
    if let Some(o) = &c.owner {
        let listed = ctx
            .inventory
            .credentials
            .iter()
            .find(|k| k.kind != CredentialKind::PlaintextSecret && k.id == c.id);
        return (
            Some(o.login.as_str()),
            ctx.correlation.owner_identity(ctx.inventory, o),
            listed,
        );
    }
    // The id of a found secret can be the join key of a listed credential (an AWS key id, a
    // GitHub token's last eight characters, a Kubernetes token Secret); a secret its producer
    // paired with another credential (an AWS secret access key with the key id beside it) takes
    // that one's owner. Or it is the same secret as a listed credential (a kubeconfig token), by
    // its in-scan matcher.
    let key_id = c.paired_with.as_deref().unwrap_or(&c.id);
    let listed = ctx.inventory.credentials.iter().find(|k| {
        k.kind != CredentialKind::PlaintextSecret
            && (k.id == key_id || (k.same_secret.is_some() && k.same_secret == c.same_secret))
    });
    match listed.and_then(|k| k.owner.as_ref().map(|o| (k, o))) {
        Some((k, o)) => (
            Some(o.login.as_str()),
            ctx.correlation.owner_identity(ctx.inventory, o),
            Some(k),
        ),
        None => (None, None, None),
    }
}
