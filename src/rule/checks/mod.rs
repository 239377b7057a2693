//! The logic of each rule, one file per rule, declared once in the `rules!` table below (which
//! also embeds each rule's metadata file), plus the few helpers they share (credentials that
//! survived a reset, describing a reset, resolving a credential's owner).

mod directory;
pub(crate) mod ledger;
pub(crate) mod ledger_people;
pub(super) mod shared;

use super::{CheckFn, Context};
use crate::correlate::{Identity, Reset};
use crate::inventory::{
    when::format_day, Credential, CredentialKind, CredentialStatus, Evidence, OwnerRef,
};
use jiff::Timestamp;
use shared::OwnerSlot;

/// One bundled rule: its code, its metadata file (the path messages name, and its text embedded
/// so the binary is self-contained) and its logic.
pub(super) struct Entry {
    pub code: &'static str,
    pub file: &'static str,
    pub yaml: &'static str,
    pub check: CheckFn,
}

/// Declares every rule once: `CODE => module` gives the `mod` line, the table entry and the
/// embedded `rules/checks/CODE.yml` (a missing file fails the build).
macro_rules! rules {
    ($($code:ident => $module:ident,)*) => {
        $(mod $module;)*

        /// Every bundled rule, in code order.
        pub(super) const TABLE: &[Entry] = &[
            $(Entry {
                code: stringify!($code),
                file: concat!("rules/checks/", stringify!($code), ".yml"),
                yaml: include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/rules/checks/",
                    stringify!($code),
                    ".yml"
                )),
                check: $module::check,
            },)*
        ];
    };
}

rules! {
    RG101 => rg101_token_survives_reset,
    RG102 => rg102_ssh_key_survives_reset,
    RG103 => rg103_key_credential_survives_reset,
    RG104 => rg104_password_refreshed_not_changed,
    RG105 => rg105_sessions_not_revoked_at_reset,
    RG106 => rg106_reset_not_propagated,
    RG107 => rg107_recovery_factor_survives_reset,
    RG108 => rg108_secondary_hash_survives_reset,
    RG109 => rg109_trust_file_bypasses_reset,
    RG110 => rg110_cached_credentials_survive_reset,
    RG111 => rg111_ssh_ca_without_revocation,
    RG201 => rg201_app_password_not_rotated,
    RG202 => rg202_credential_without_expiry,
    RG203 => rg203_krbtgt_not_rotated,
    RG204 => rg204_password_never_expires,
    RG205 => rg205_password_not_required,
    RG206 => rg206_roastable_account_old_password,
    RG207 => rg207_reset_pending,
    RG208 => rg208_disabled_account_active_credentials,
    RG301 => rg301_local_admin_account,
    RG302 => rg302_privileged_account_old_password,
    RG303 => rg303_orphaned_admincount,
    RG304 => rg304_laps_missing_or_stale,
    RG305 => rg305_root_credential,
    RG401 => rg401_auth_logging_disabled,
    RG402 => rg402_legacy_auth_enabled,
    RG403 => rg403_sudoers_syntax_error,
    RG501 => rg501_plaintext_credential,
    RG502 => rg502_reversible_password_encryption,
    RG503 => rg503_password_in_readable_attribute,
    RG504 => rg504_shared_credential,
    RG601 => rg601_reset_without_approval,
    RG602 => rg602_privileged_reset_without_step_up,
    RG603 => rg603_revocation_did_not_follow,
    RG604 => rg604_used_after_reset,
    RG605 => rg605_reset_ledger_gap,
    RG606 => rg606_reset_rights_outside_tier0,
    RG607 => rg607_tier0_rotation_missing,
    RG608 => rg608_identity_link_collision,
}

/// A credential that may have survived a password reset: issued before the last reset of an
/// identity answerable for it (or undated, so it may have been), and not known to be inactive,
/// revoked or expired. What RG101, RG103, RG107 and RG108 have in common.
pub(crate) struct Survivor<'a> {
    pub cred: &'a Credential,
    /// The answerable person's login as the evidence spells it.
    pub login: &'a str,
    /// The credential's reference to that person (its owner or a responsible person): what
    /// fingerprints name.
    pub answerable: &'a OwnerRef,
    /// The identity's last reset.
    pub reset: Reset,
    /// When the credential was issued (before `reset`, allowing for skew); `None` when undated.
    pub issued: Option<Timestamp>,
    /// When it was last used, if that was after the reset.
    pub used_after: Option<Timestamp>,
}

/// Every `Survivor` among the credentials of `kinds`, once per answerable identity.
pub(crate) fn survivors<'a>(
    ctx: &'a Context<'_>,
    kinds: &'a [CredentialKind],
) -> impl Iterator<Item = Survivor<'a>> + 'a {
    ctx.inventory
        .credentials
        .iter()
        .filter(move |c| {
            kinds.contains(&c.kind)
                && !matches!(
                    c.status,
                    CredentialStatus::Inactive
                        | CredentialStatus::Revoked
                        | CredentialStatus::Expired
                )
                // Revoked by its own account's password change (`rule::revocation`).
                && super::revocation::revoked_by_own_reset(ctx, c).is_none()
        })
        .flat_map(move |c| {
            answerable(ctx, c)
                .into_iter()
                .filter_map(move |(identity, login, by)| {
                    let reset = identity.last_reset?;
                    let issued = c.issued.known();
                    if issued.is_some_and(|t| !predates(ctx, t, &reset)) {
                        return None;
                    }
                    Some(Survivor {
                        cred: c,
                        login,
                        answerable: by,
                        reset,
                        issued,
                        used_after: c.last_used.known().filter(|u| *u > reset.at),
                    })
                })
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
        let slot = ctx.owner_slot(c, o);
        if let Some(identity) = slot.identity().map(|i| &ctx.correlation.identities[i]) {
            if !out.iter().any(|(i, _, _)| std::ptr::eq(*i, identity)) {
                out.push((identity, slot_login(ctx, slot, o), o));
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
    let slot = ctx.owner_slot(c, owner);
    let identity = &ctx.correlation.identities[slot.identity()?];
    Some((identity, slot_login(ctx, slot, owner)))
}

/// The owner's login as its account spells it when the reference names it by another of its
/// names (an Okta user id, an Entra object id), else as the reference spells it.
pub(crate) fn owner_login<'a>(ctx: &'a Context<'_>, owner: &'a OwnerRef) -> &'a str {
    let account = owner
        .system
        .as_deref()
        .and_then(|system| ctx.inventory.account(system, &owner.login));
    account_login(ctx, account, owner)
}

/// `owner_login` from a resolved `OwnerSlot`.
fn slot_login<'a>(ctx: &'a Context<'_>, slot: OwnerSlot, owner: &'a OwnerRef) -> &'a str {
    account_login(ctx, slot.account(), owner)
}

/// The login of the owner's account, when it was found, else the reference's own.
fn account_login<'a>(ctx: &'a Context<'_>, account: Option<usize>, owner: &'a OwnerRef) -> &'a str {
    account.map_or(owner.login.as_str(), |i| {
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

/// Runs one rule's check over an inventory built from `records` (no identity map), as of
/// `as_of`: the harness of the rules' unit tests.
#[cfg(test)]
pub(crate) fn run_check(
    code: &'static str,
    check: fn(&crate::rule::Context<'_>, &mut crate::finding::Emit),
    records: Vec<crate::inventory::Record>,
    as_of: jiff::Timestamp,
) -> Vec<crate::finding::Finding> {
    let inv = crate::inventory::Inventory::from_records(records);
    let correlation =
        crate::correlate::Correlation::build(&inv, &crate::correlate::IdentityMap::default());
    let options = crate::rule::RuleOptions::new(as_of);
    let ctx = crate::rule::Context::new(&inv, &correlation, &options);
    let mut emit = crate::finding::Emit::new(code);
    check(&ctx, &mut emit);
    emit.into_findings()
}

#[cfg(test)]
mod tests {
    use super::TABLE;
    use std::path::Path;

    /// The catalog test: every table entry has its metadata file, and every YAML file in
    /// `rules/checks/` has a table entry (a rule whose logic was never declared would otherwise
    /// be silently missing from the binary).
    #[test]
    fn every_table_entry_has_its_yaml_and_every_yaml_an_entry() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk: Vec<String> = std::fs::read_dir(root.join("rules/checks"))
            .expect("rules/checks exists")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
            .collect();
        on_disk.sort();
        let declared: Vec<String> = TABLE.iter().map(|e| format!("{}.yml", e.code)).collect();
        assert_eq!(
            on_disk, declared,
            "rules/checks/*.yml and the rules! table differ"
        );
        for e in TABLE {
            let text = std::fs::read_to_string(root.join(e.file)).expect("the entry's file exists");
            assert_eq!(text, e.yaml, "{} embeds its own file", e.code);
        }
        let mut codes: Vec<&str> = TABLE.iter().map(|e| e.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len(), "each code once");
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "the table is in code order"
        );
    }
}
