//! Entra legacy per-user MFA states, joined onto the users export's accounts (issue 12, "Who
//! can reset whom": per-user MFA state).
//!
//! Read by `graph` from three shapes, each giving an `Account` of the tenant with
//! `per_user_mfa` set and nothing else:
//! - a list of users with `id`, `userPrincipalName` and `perUserMfaState` (what the README's
//!   Graph PowerShell loop over `GET /beta/users/{id}/authentication/requirements` writes);
//! - bare requirements responses saved as returned (`{"@odata.context": "…/$metadata#users('…')/
//!   authentication/requirements/$entity", "perUserMfaState": "enforced"}`): the user is the one
//!   the context names, a UPN or an object id;
//! - MSOnline `Get-MsolUser | Select-Object UserPrincipalName, ObjectId,
//!   StrongAuthenticationRequirements | ConvertTo-Json`: the strongest `State` of the list
//!   (`Enabled`, `Enforced`), an empty list or null being disabled.
//!
//! Owns [`join`]: such an account ("MFA-only": no password, enablement or creation facts) is
//! folded into the tenant's account with the same login or object id (an alias), also when its
//! own file could not tell the tenant (system `entra`), and dropped. One that matches no account
//! stays: an Entra account known only by its MFA state. Not here: what the state means for a
//! reset (RG602, RG606, `rule::checks::ledger_people`).

use crate::inventory::{Account, PasswordState, Record, SourceKind};
use std::collections::HashMap;

/// The system of Entra records whose file does not show the tenant.
const NO_TENANT: &str = "entra";

/// Whether the account holds only a per-user MFA state.
fn mfa_only(a: &Account) -> bool {
    a.source == SourceKind::EntraId
        && a.per_user_mfa.is_some()
        && a.password == PasswordState::Unknown
        && a.enabled.is_none()
        && !a.created.is_known()
        && !a.password_last_set.is_known()
}

/// The names an account answers to, lower-cased: its login and aliases (the object id).
fn keys(a: &Account) -> impl Iterator<Item = String> + '_ {
    std::iter::once(&a.login)
        .chain(a.aliases.iter())
        .map(|n| n.to_lowercase())
}

/// Folds MFA-only accounts into the account they name (see the module header).
pub(super) fn join(records: &mut Vec<Record>) {
    if !records
        .iter()
        .any(|r| matches!(r, Record::Account(a) if mfa_only(a)))
    {
        return;
    }
    // (system, name) and name alone -> the first Entra account (record order) with that name.
    let mut by_system: HashMap<(String, String), usize> = HashMap::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let Record::Account(a) = r else { continue };
        if a.source != SourceKind::EntraId || mfa_only(a) {
            continue;
        }
        for k in keys(a) {
            by_system.entry((a.system.clone(), k.clone())).or_insert(i);
            by_name.entry(k).or_insert(i);
        }
    }
    let mut folded: Vec<(usize, usize)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let Record::Account(a) = r else { continue };
        if !mfa_only(a) {
            continue;
        }
        let target = keys(a).find_map(|k| {
            if a.system == NO_TENANT {
                by_name.get(&k).copied()
            } else {
                by_system.get(&(a.system.clone(), k)).copied()
            }
        });
        if let Some(t) = target {
            folded.push((i, t));
        }
    }
    for &(m, t) in &folded {
        let state = match &records[m] {
            Record::Account(a) => a.per_user_mfa.clone(),
            _ => None,
        };
        if let Record::Account(a) = &mut records[t] {
            // A state the users export already carries is kept.
            if a.per_user_mfa.is_none() {
                a.per_user_mfa = state;
            }
        }
    }
    let drop: std::collections::HashSet<usize> = folded.into_iter().map(|(m, _)| m).collect();
    let mut at = 0;
    records.retain(|_| {
        at += 1;
        !drop.contains(&(at - 1))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Evidence, PerUserMfa, PerUserMfaState, When};

    fn user(system: &str, login: &str, id: &str) -> Account {
        let mut a = Account::new(
            SourceKind::EntraId,
            system,
            login,
            Evidence::at("users.json", 3),
        );
        a.aliases.push(id.to_string());
        a.password = PasswordState::Set;
        a.password_last_set = When::parse_instant("2026-08-01T00:00:00Z").unwrap();
        a
    }

    fn mfa(system: &str, login: &str, state: PerUserMfaState, line: u32) -> Account {
        let mut a = Account::new(
            SourceKind::EntraId,
            system,
            login,
            Evidence::at("mfa.json", line),
        );
        a.per_user_mfa = Some(PerUserMfa {
            state,
            evidence: Evidence::at("mfa.json", line),
        });
        a
    }

    fn states(records: &[Record]) -> Vec<(String, Option<PerUserMfaState>)> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::Account(a) => {
                    Some((a.login.clone(), a.per_user_mfa.as_ref().map(|p| p.state)))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn states_fold_by_login_by_object_id_and_across_an_unknown_tenant() {
        let t = "entra:example.org";
        let mut records = vec![
            Record::Account(user(
                t,
                "a.admin@example.org",
                "11111111-1111-4111-8111-111111111111",
            )),
            Record::Account(user(
                t,
                "b.ops@example.org",
                "22222222-2222-4222-8222-222222222222",
            )),
            Record::Account(user(
                t,
                "c.dev@example.org",
                "33333333-3333-4333-8333-333333333333",
            )),
            // By login in the same tenant, in another case.
            Record::Account(mfa(t, "A.Admin@example.org", PerUserMfaState::Enforced, 4)),
            // By object id, from a requirements response whose file shows no tenant.
            Record::Account(mfa(
                "entra",
                "22222222-2222-4222-8222-222222222222",
                PerUserMfaState::Disabled,
                1,
            )),
            // Another tenant's user of the same name: not folded.
            Record::Account(mfa(
                "entra:other.example",
                "c.dev@example.org",
                PerUserMfaState::Enabled,
                2,
            )),
            // Nobody of that name: kept as it is.
            Record::Account(mfa(t, "ghost@example.org", PerUserMfaState::Enabled, 9)),
        ];
        join(&mut records);
        assert_eq!(
            states(&records),
            vec![
                (
                    "a.admin@example.org".to_string(),
                    Some(PerUserMfaState::Enforced)
                ),
                (
                    "b.ops@example.org".to_string(),
                    Some(PerUserMfaState::Disabled)
                ),
                ("c.dev@example.org".to_string(), None),
                (
                    "c.dev@example.org".to_string(),
                    Some(PerUserMfaState::Enabled)
                ),
                (
                    "ghost@example.org".to_string(),
                    Some(PerUserMfaState::Enabled)
                ),
            ]
        );
        // The state keeps the line of the MFA export.
        let Record::Account(a) = &records[0] else {
            unreachable!()
        };
        assert_eq!(
            a.per_user_mfa.as_ref().unwrap().evidence,
            Evidence::at("mfa.json", 4)
        );
    }

    #[test]
    fn a_state_already_on_the_users_export_is_kept() {
        let t = "entra:example.org";
        let mut full = user(t, "a.admin@example.org", "1");
        full.per_user_mfa = Some(PerUserMfa {
            state: PerUserMfaState::Enforced,
            evidence: Evidence::at("users.json", 5),
        });
        let mut records = vec![
            Record::Account(full),
            Record::Account(mfa("entra", "1", PerUserMfaState::Disabled, 1)),
        ];
        join(&mut records);
        assert_eq!(
            states(&records),
            vec![(
                "a.admin@example.org".to_string(),
                Some(PerUserMfaState::Enforced)
            )]
        );
    }
}
