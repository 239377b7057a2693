//! Joins credential-report access key slots with `list-access-keys` entries.
//!
//! The report has no key ids and numbers keys by slot, and a slot can change after a key is
//! deleted (formats-cloud-saas.md §1.5), so the slot is never an identity. A key cannot be rotated
//! in place: the report's `access_key_N_last_rotated` is the key's creation time, which is the
//! listing's `CreateDate`. Same user + same creation time (within a second) = same key.

use crate::inventory::{Credential, CredentialKind, Record, When};

/// Tolerance between `last_rotated` and `CreateDate`.
const SAME_KEY_SECS: i64 = 1;

fn aws_owner(cred: &Credential) -> Option<&str> {
    let owner = cred.owner.as_ref()?;
    (owner.system.as_deref() == Some(super::SYSTEM)).then_some(owner.login.as_str())
}

fn access_key(record: &Record) -> Option<&Credential> {
    match record {
        Record::Credential(c) if c.kind == CredentialKind::AccessKey => Some(c),
        _ => None,
    }
}

pub(super) fn join(records: &mut Vec<Record>) {
    let mut slots = Vec::new();
    let mut listed = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let Some(cred) = access_key(record) else {
            continue;
        };
        if aws_owner(cred).is_none() {
            continue;
        }
        // A report slot (`aws:<user>:access_key_<n>`) is a placeholder; a listed key is not.
        if cred.placeholder {
            slots.push(index);
        } else {
            listed.push(index);
        }
    }

    // The listed keys of each user, so a slot is compared with its own user's keys only.
    let mut listed_of: foldhash::HashMap<&str, Vec<usize>> = Default::default();
    for &i in &listed {
        if let Some(owner) = records.get(i).and_then(access_key).and_then(aws_owner) {
            listed_of.entry(owner).or_default().push(i);
        }
    }

    // Decide every merge first (reads only), then apply them.
    let mut merges: Vec<(usize, usize)> = Vec::new();
    for &slot_index in &slots {
        let Some(slot) = records.get(slot_index).and_then(access_key) else {
            continue;
        };
        let (Some(owner), Some(issued)) = (aws_owner(slot), slot.issued.known()) else {
            continue;
        };
        let target = listed_of
            .get(owner)
            .into_iter()
            .flatten()
            .filter_map(|&i| Some((i, records.get(i).and_then(access_key)?)))
            .filter(|(_, key)| {
                key.issued
                    .known()
                    .is_some_and(|t| (t.as_second() - issued.as_second()).abs() <= SAME_KEY_SECS)
            })
            .min_by(|(_, a), (_, b)| (&a.id, &a.evidence).cmp(&(&b.id, &b.evidence)))
            .map(|(i, _)| i);
        if let Some(target) = target {
            merges.push((slot_index, target));
        }
    }
    if merges.is_empty() {
        return;
    }

    let mut remove = vec![false; records.len()];
    for &(slot_index, target) in &merges {
        let Some(slot) = records.get(slot_index).and_then(access_key).cloned() else {
            continue;
        };
        let Some(Record::Credential(key)) = records.get_mut(target) else {
            continue;
        };
        key.last_used = match (key.last_used, slot.last_used) {
            (current, When::Unknown) => current,
            (When::Unknown, reported) => reported,
            (current, reported) => current.latest(reported),
        };
        key.related.push(slot.evidence);
        key.related.extend(slot.related);
        key.related.sort();
        key.related.dedup();
        if key.detail.is_none() {
            key.detail = slot.detail;
        }
        if let Some(flag) = remove.get_mut(slot_index) {
            *flag = true;
        }
    }
    let mut index = 0;
    records.retain(|_| {
        let keep = !remove.get(index).copied().unwrap_or(false);
        index += 1;
        keep
    });
}
