//! Tests of the CloudTrail adapter on the synthetic logs under `fixtures/sources/cloudtrail/`.

use super::*;
use crate::source::testing::t;

const S3: &str = include_str!("../../../fixtures/sources/cloudtrail/s3-delivery.json");
const LOOKUP: &str = include_str!("../../../fixtures/sources/cloudtrail/lookup-events.json");

fn sniffed(text: &str) -> Option<TrailExport> {
    sniff(&Sniff::new("x.json", text))
}

fn events(out: &Output) -> Vec<&Event> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn by_action<'a>(out: &'a Output, action: &str) -> &'a Event {
    events(out)
        .into_iter()
        .find(|e| e.action == action)
        .unwrap_or_else(|| panic!("no {action}"))
}

#[test]
fn sniffs_both_shapes_and_nothing_else() {
    assert_eq!(sniffed(S3), Some(TrailExport::Records));
    assert_eq!(sniffed(LOOKUP), Some(TrailExport::Lookup));
    assert_eq!(sniffed(r#"{"Users": [{"UserName": "a"}]}"#), None);
    assert_eq!(sniffed("eventName,eventSource\n"), None);
    // The registry hands the file to this source, not to the IAM listings.
    assert_eq!(
        crate::source::registry::claimants("x.json", S3).first(),
        Some(&"cloudtrail")
    );
}

#[test]
fn s3_delivery_reads_resets_changes_and_key_events() {
    let out = parse(TrailExport::Records, "trail/s3.json", S3);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let reset = by_action(&out, "UpdateLoginProfile");
    assert_eq!(reset.kind, EventKind::PasswordReset);
    assert_eq!(reset.system, "aws");
    assert_eq!(reset.target, "m.okafor");
    assert_eq!(reset.actor.as_deref(), Some("t.nakamura@example.org"));
    assert_eq!(reset.strong_auth, Some(false));
    assert_eq!(reset.outcome, Outcome::Success);
    assert_eq!(reset.at, t("2026-08-20T10:15:02Z"));
    assert_eq!(
        reset.detail.as_deref(),
        Some("password reset required at next sign-in")
    );
    assert_eq!(
        reset.event_id.as_deref(),
        Some("0d3c2b1a-9f8e-4d7c-a6b5-c4d3e2f1a0b9")
    );
    assert_eq!(reset.evidence, Evidence::at("trail/s3.json", 1));

    let change = by_action(&out, "ChangePassword");
    assert_eq!(change.kind, EventKind::PasswordChange);
    assert_eq!(change.target, "m.okafor");
    assert_eq!(change.actor.as_deref(), Some("m.okafor"));
    assert_eq!(change.strong_auth, Some(true));

    let created = by_action(&out, "CreateAccessKey");
    assert_eq!(created.kind, EventKind::CredentialCreated);
    assert_eq!(created.target, "ci-deploy");
    assert_eq!(created.actor.as_deref(), Some("ops-admin"));
    assert_eq!(created.credential.as_deref(), Some("AKIAEXAMPLECIDEPLOY2"));

    let updated = by_action(&out, "UpdateAccessKey");
    assert_eq!(updated.kind, EventKind::CredentialUpdated);
    assert_eq!(updated.credential.as_deref(), Some("AKIAEXAMPLECIDEPLOY1"));
    assert_eq!(updated.detail.as_deref(), Some("status Inactive"));

    let deleted = by_action(&out, "DeleteAccessKey");
    assert_eq!(deleted.kind, EventKind::CredentialDeleted);
    assert_eq!(deleted.outcome, Outcome::Failure);
}

#[test]
fn key_use_is_one_event_per_key_at_the_latest_call() {
    let out = parse(TrailExport::Records, "s3.json", S3);
    let used: Vec<&Event> = events(&out)
        .into_iter()
        .filter(|e| e.kind == EventKind::CredentialUsed)
        .collect();
    assert_eq!(used.len(), 1, "{used:?}");
    assert_eq!(used[0].credential.as_deref(), Some("AKIAEXAMPLEOKAFOR001"));
    assert_eq!(used[0].target, "m.okafor");
    assert_eq!(used[0].action, "ListBuckets");
    assert_eq!(used[0].at, t("2026-08-20T11:40:17Z"));
    // A long-term key carries no MFA.
    assert_eq!(used[0].strong_auth, Some(false));
    // Session keys (ASIA…) are not recorded as key use.
    assert!(events(&out)
        .iter()
        .all(|e| e.credential.as_deref() != Some("ASIAEXAMPLESESSION01")));
}

#[test]
fn lookup_events_reads_the_embedded_record_at_the_entry_line() {
    let out = parse(TrailExport::Lookup, "lookup.json", LOOKUP);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let all = events(&out);
    assert_eq!(all.len(), 2);
    let reset = by_action(&out, "UpdateLoginProfile");
    assert_eq!(reset.target, "m.okafor");
    assert_eq!(reset.evidence, Evidence::at("lookup.json", 4));
    // The same event from S3 and from lookup-events is one event in the inventory.
    let mut records = parse(TrailExport::Records, "s3.json", S3).records;
    records.extend(out.records);
    let inv = crate::inventory::Inventory::from_records(records);
    assert_eq!(
        inv.events
            .iter()
            .filter(|e| e.action == "UpdateLoginProfile")
            .count(),
        1
    );
}

#[test]
fn json_lines_and_bare_arrays_are_read() {
    let record = r#"{"eventVersion":"1.09","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accessKeyId":"AKIAEXAMPLEROOTKEY01"},"eventTime":"2026-08-01T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","eventID":"e1"}"#;
    let lines = format!("{record}\n{record}\n");
    let out = parse(TrailExport::Records, "x.jsonl", &lines);
    let e = events(&out);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].target, "<root_account>");
    let array = format!("[{record}]");
    assert_eq!(sniffed(&array), Some(TrailExport::Records));
    assert_eq!(events(&parse(TrailExport::Records, "x", &array)).len(), 1);
}

#[test]
fn malformed_input_is_located_and_skipped() {
    let text = "{\"Records\":[\n{\"eventName\":\"UpdateLoginProfile\",\"eventSource\":\"iam.amazonaws.com\",\"eventTime\":\"yesterday\"},\n{\"eventName\":\"UpdateLoginProfile\",\"eventSource\":\"iam.amazonaws.com\",\"eventTime\":\"2026-08-20T10:15:02Z\",\"userIdentity\":{\"type\":\"AssumedRole\"}},\n{\"eventName\":\"ChangePassword\",\"eventSource\":\"iam.amazonaws.com\",\"eventTime\":\"2026-08-20T10:15:02Z\",\"requestParameters\":{\"userName\":\"x\"}},\n{\"eventName\":\"UpdateLoginProfile\",\"eventSource\":\"iam.amazonaws.com\",\"eventTime\":\"2026-08-20T10:15:02Z\",\"requestParameters\":{\"userName\":\"ok\"}},\n{\"eventName\":";
    let out = parse(TrailExport::Records, "bad.json", text);
    let lines: Vec<Option<u32>> = out.diagnostics.iter().map(|d| d.location.line).collect();
    assert!(lines.contains(&Some(2)), "{:?}", out.diagnostics);
    assert!(lines.contains(&Some(3)), "{:?}", out.diagnostics);
    assert!(lines.contains(&Some(4)), "{:?}", out.diagnostics);
    // The truncated end is an error; the complete events before it are used.
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error));
    let e = events(&out);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].target, "ok");
    assert_eq!(e[0].actor, None);
    assert_eq!(e[0].strong_auth, None);
    // A lookup entry whose embedded event is not JSON.
    let bad = r#"{"Events":[{"EventId":"a","EventName":"UpdateLoginProfile","CloudTrailEvent":"{not json"}]}"#;
    let out = parse(TrailExport::Lookup, "l.json", bad);
    assert!(events(&out).is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    // No secret or input text in messages.
    assert!(!out.diagnostics[0].message.contains("not json"));
}
