//! The logic of each rule, one file per rule, registered by code in `lookup`, plus the few helpers
//! they share (describing a reset, resolving a credential's owner).

mod directory;
mod rg101_token_survives_reset;
mod rg102_ssh_key_survives_reset;
mod rg103_key_credential_survives_reset;
mod rg104_password_refreshed_not_changed;
mod rg105_sessions_not_revoked_at_reset;
mod rg106_reset_not_propagated;
mod rg107_recovery_factor_survives_reset;
mod rg108_secondary_hash_survives_reset;
mod rg201_app_password_not_rotated;
mod rg202_credential_without_expiry;
mod rg203_krbtgt_not_rotated;
mod rg204_password_never_expires;
mod rg205_password_not_required;
mod rg206_roastable_account_old_password;
mod rg207_reset_pending;
mod rg208_disabled_account_active_credentials;
mod rg301_local_admin_account;
mod rg302_privileged_account_old_password;
mod rg303_orphaned_admincount;
mod rg304_laps_missing_or_stale;
mod rg305_root_credential;
mod rg401_auth_logging_disabled;
mod rg501_plaintext_credential;
mod rg502_reversible_password_encryption;
mod rg503_password_in_readable_attribute;

use super::{CheckFn, Context};
use crate::correlate::{Identity, Reset};
use crate::inventory::{when::format_day, Credential, Evidence, OwnerRef};
use jiff::Timestamp;

pub(super) fn lookup(code: &str) -> Option<CheckFn> {
    Some(match code {
        "RG101" => rg101_token_survives_reset::check,
        "RG102" => rg102_ssh_key_survives_reset::check,
        "RG103" => rg103_key_credential_survives_reset::check,
        "RG104" => rg104_password_refreshed_not_changed::check,
        "RG105" => rg105_sessions_not_revoked_at_reset::check,
        "RG106" => rg106_reset_not_propagated::check,
        "RG107" => rg107_recovery_factor_survives_reset::check,
        "RG108" => rg108_secondary_hash_survives_reset::check,
        "RG201" => rg201_app_password_not_rotated::check,
        "RG202" => rg202_credential_without_expiry::check,
        "RG203" => rg203_krbtgt_not_rotated::check,
        "RG204" => rg204_password_never_expires::check,
        "RG205" => rg205_password_not_required::check,
        "RG206" => rg206_roastable_account_old_password::check,
        "RG207" => rg207_reset_pending::check,
        "RG208" => rg208_disabled_account_active_credentials::check,
        "RG301" => rg301_local_admin_account::check,
        "RG302" => rg302_privileged_account_old_password::check,
        "RG303" => rg303_orphaned_admincount::check,
        "RG304" => rg304_laps_missing_or_stale::check,
        "RG305" => rg305_root_credential::check,
        "RG401" => rg401_auth_logging_disabled::check,
        "RG501" => rg501_plaintext_credential::check,
        "RG502" => rg502_reversible_password_encryption::check,
        "RG503" => rg503_password_in_readable_attribute::check,
        _ => return None,
    })
}

/// The evidence of a reset and a sentence describing it, for related locations and messages.
pub(crate) fn describe_reset(ctx: &Context<'_>, reset: &Reset) -> (Evidence, String) {
    let a = &ctx.inventory.accounts[reset.account];
    let evidence = a
        .password_evidence
        .clone()
        .unwrap_or_else(|| a.evidence.clone());
    let what = format!(
        "password of {} on {} last set {}",
        a.login,
        a.system,
        format_day(reset.at)
    );
    (evidence, what)
}

/// Whether `issued` is strictly before the reset, allowing for clock skew, and for day-granular
/// reset records (shadow) only when it is before that day began.
pub(crate) fn predates(ctx: &Context<'_>, issued: Timestamp, reset: &Reset) -> bool {
    let margin = if reset.day_granular {
        0
    } else {
        ctx.options.skew_seconds
    };
    issued.as_second() < reset.at.as_second() - margin
}

/// Every identity answerable for a credential: its owner's, and those of the people responsible
/// for it (the owners of the application a client secret belongs to), each with the login as the
/// evidence spells it and the credential's reference to that person (what fingerprints use).
/// Deduplicated by identity.
pub(crate) fn answerable<'a>(
    ctx: &'a Context<'_>,
    c: &'a Credential,
) -> Vec<(&'a Identity, &'a str, &'a OwnerRef)> {
    let mut out: Vec<(&Identity, &str, &OwnerRef)> = Vec::new();
    for o in c.owner.iter().chain(&c.responsible) {
        if let Some(identity) = ctx.correlation.owner_identity(ctx.inventory, o) {
            if !out.iter().any(|(i, _, _)| std::ptr::eq(*i, identity)) {
                out.push((identity, owner_login(ctx, o), o));
            }
        }
    }
    out
}

/// The identity that owns a credential, and the owner's login as the evidence spells it.
pub(crate) fn owner_of<'a>(
    ctx: &'a Context<'_>,
    c: &'a Credential,
) -> Option<(&'a Identity, &'a str)> {
    let owner = c.owner.as_ref()?;
    let identity = ctx.correlation.owner_identity(ctx.inventory, owner)?;
    Some((identity, owner_login(ctx, owner)))
}

/// The owner's login as its account spells it when the reference names it by another of its
/// names (an Okta user id, an Entra object id), else as the reference spells it.
pub(crate) fn owner_login<'a>(ctx: &'a Context<'_>, owner: &'a OwnerRef) -> &'a str {
    owner
        .system
        .as_deref()
        .and_then(|system| ctx.inventory.account(system, &owner.login))
        .map_or(owner.login.as_str(), |i| {
            ctx.inventory.accounts[i].login.as_str()
        })
}

/// "AWS access key AKIA…": label plus shown id, unless the id is a placeholder (an unjoined
/// credential report slot).
pub(crate) fn credential_name(c: &Credential) -> String {
    if c.placeholder {
        c.label.clone()
    } else {
        format!("{} {}", c.label, c.shown_id())
    }
}
