//! Tests of the ticket exports on the fixtures under `fixtures/sources/tickets/`.

use super::config::{build, RawTicketSource};
use super::*;
use crate::source::testing::t;
use crate::source::SourceOptions;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../fixtures/sources/tickets/", $name))
    };
}

fn tickets(out: &Output) -> Vec<&Ticket> {
    out.records
        .iter()
        .filter_map(|r| match r {
            Record::Ticket(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn config(yaml: &str) -> Result<TicketSources, String> {
    #[derive(serde::Deserialize)]
    struct File {
        tickets: Vec<RawTicketSource>,
    }
    let raw: File = crate::yaml::from_str(yaml).map_err(|e| format!("resetgap.yml:{e}"))?;
    build("resetgap.yml", yaml, &raw.tickets)
}

/// Parses a file as the registry would, with these options.
fn scan(uri: &str, text: &str, options: &SourceOptions) -> Output {
    let sniff = Sniff::new(uri, text).with_options(options);
    let claim = SOURCE
        .claim(&sniff)
        .unwrap_or_else(|| panic!("{uri} not claimed"));
    let extractors = crate::source::secrets::Extractors::builtin().unwrap();
    claim(&ParseInput {
        uri,
        text,
        modified: When::Unknown,
        options,
        extractors: &extractors,
    })
}

#[test]
fn default_exports_are_claimed_without_config() {
    let none = SourceOptions::default();
    for (name, text, tool) in [
        (
            "a.csv",
            fixture!("servicenow-incidents.csv"),
            Tool::Servicenow,
        ),
        (
            "b.json",
            fixture!("servicenow-table-api.json"),
            Tool::Servicenow,
        ),
        ("c.csv", fixture!("jira-export.csv"), Tool::Jira),
        ("d.json", fixture!("jira-search.json"), Tool::Jira),
    ] {
        let sniff = Sniff::new(name, text).with_options(&none);
        assert_eq!(pick(&sniff, &[]), Some(Pick::Default(tool)), "{name}");
        let claimants = crate::source::registry::claimants(name, text);
        assert_eq!(claimants.first(), Some(&"tickets"), "{name}");
    }
    for other in [
        "user,arn,user_creation_time\n",
        "number,name\n1,a\n",
        r#"{"result": [{"name": "x"}]}"#,
        "",
    ] {
        assert_eq!(pick(&Sniff::new("x", other), &[]), None, "{other}");
    }
}

#[test]
fn servicenow_csv_with_defaults() {
    let out = scan(
        "exports/incidents.csv",
        fixture!("servicenow-incidents.csv"),
        &SourceOptions::default(),
    );
    let all = tickets(&out);
    assert_eq!(all.len(), 3);
    let first = all[0];
    assert_eq!(first.system, "servicenow");
    assert_eq!(first.id, "INC0012345");
    assert_eq!(first.account.as_deref(), Some("m.okafor"));
    assert_eq!(first.requested_by.as_deref(), Some("t.nakamura"));
    assert_eq!(first.approved_by.as_deref(), Some("j.lindqvist"));
    assert_eq!(first.approval.as_deref(), Some("approved"));
    assert_eq!(
        first.reason.as_deref(),
        Some("Password reset - locked out after travel")
    );
    assert_eq!(first.opened, t("2026-08-20T09:58:40Z"));
    assert_eq!(first.closed, t("2026-08-20T10:40:12Z"));
    assert_eq!(first.evidence, Evidence::at("exports/incidents.csv", 2));
    // Still open: closed unknown.
    assert_eq!(all[1].closed, When::Unknown);
    // The row without a number and the foreign date are located.
    let lines: Vec<Option<u32>> = out.diagnostics.iter().map(|d| d.location.line).collect();
    assert_eq!(lines, [Some(4), Some(5)], "{:?}", out.diagnostics);
    assert_eq!(all[2].opened, When::Unknown);
}

#[test]
fn timezone_and_date_format_are_applied() {
    let cfg = config(
        "tickets:\n  - system: servicenow\n    files: [\"exports/*.csv\"]\n    timezone: Europe/Berlin\n    date_format: \"%d.%m.%Y %H:%M\"\n",
    )
    .unwrap();
    let options = SourceOptions {
        tickets: cfg,
        ..SourceOptions::default()
    };
    let out = scan(
        "exports/incidents.csv",
        fixture!("servicenow-incidents.csv"),
        &options,
    );
    let all = tickets(&out);
    // With a date format only dates of that format read; Berlin is UTC+2 in August.
    assert_eq!(all[2].opened, t("2026-08-20T09:07:00Z"));
    assert_eq!(all[0].opened, When::Unknown);
}

#[test]
fn servicenow_table_api_reads_display_values_and_utc_times() {
    let out = scan(
        "api.json",
        fixture!("servicenow-table-api.json"),
        &SourceOptions::default(),
    );
    let all = tickets(&out);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, "INC0012345");
    assert_eq!(all[0].account.as_deref(), Some("m.okafor"));
    assert_eq!(all[0].requested_by.as_deref(), Some("t.nakamura"));
    assert_eq!(all[0].approval.as_deref(), Some("Approved"));
    // `value` is UTC; the display value (11:58:40) is the user's zone.
    assert_eq!(all[0].opened, t("2026-08-20T09:58:40Z"));
    assert_eq!(all[0].evidence.line, Some(4));
    assert_eq!(all[1].closed, When::Unknown);
    // A reference without a display value: a sys_id, and a note saying how to export.
    assert_eq!(
        all[1].account.as_deref(),
        Some("46d44a23a9fe19810012d100cca80666")
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].message.contains("sysparm_display_value"));
}

#[test]
fn jira_csv_joins_repeated_columns_and_reads_its_dates() {
    let out = scan(
        "jira.csv",
        fixture!("jira-export.csv"),
        &SourceOptions::default(),
    );
    let all = tickets(&out);
    assert_eq!(all.len(), 3, "{:?}", out.diagnostics);
    assert_eq!(all[0].system, "jira");
    assert_eq!(all[0].id, "HD-481");
    assert_eq!(all[0].account.as_deref(), Some("m.okafor@example.org"));
    assert_eq!(
        all[0].requested_by.as_deref(),
        Some("t.nakamura@example.org")
    );
    assert_eq!(
        all[0].approved_by.as_deref(),
        Some("j.lindqvist@example.org")
    );
    assert_eq!(all[0].opened, t("2026-08-20T09:58:00Z"));
    assert_eq!(all[0].closed, t("2026-08-20T10:40:00Z"));
    assert_eq!(
        all[1].approved_by.as_deref(),
        Some("a.admin@example.org, t.nakamura@example.org")
    );
    assert_eq!(
        all[1].reason.as_deref(),
        Some("Reset admin password, urgent")
    );
    assert_eq!(all[1].opened, t("2026-08-20T13:05:00Z"));
    assert_eq!(all[2].opened, When::Unknown);
    assert!(out.diagnostics.is_empty());
}

#[test]
fn jira_search_json_with_a_column_map() {
    let cfg = config(
        "tickets:\n  - system: jira\n    columns: {account: fields.customfield_10050, approved_by: fields.customfield_10060}\n",
    )
    .unwrap();
    let options = SourceOptions {
        tickets: cfg,
        ..SourceOptions::default()
    };
    let out = scan("search.json", fixture!("jira-search.json"), &options);
    let all = tickets(&out);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, "HD-481");
    assert_eq!(all[0].account.as_deref(), Some("m.okafor@example.org"));
    assert_eq!(
        all[0].approved_by.as_deref(),
        Some("j.lindqvist@example.org")
    );
    assert_eq!(
        all[0].requested_by.as_deref(),
        Some("t.nakamura@example.org")
    );
    assert_eq!(all[0].opened, t("2026-08-20T09:58:40Z"));
    assert_eq!(all[0].closed, t("2026-08-20T10:40:12Z"));
    assert_eq!(all[0].evidence.line, Some(11));
}

#[test]
fn a_custom_tool_needs_its_columns_and_globs_pick_files() {
    let err = config("tickets:\n  - system: freshservice\n").unwrap_err();
    assert!(err.contains("resetgap.yml:2:"), "{err}");
    assert!(err.contains("map column `id`"), "{err}");
    // A typo in a column key is located by the YAML reader.
    let err = config("tickets:\n  - system: jira\n    columns: {acount: x}\n").unwrap_err();
    assert!(err.starts_with("resetgap.yml:3:"), "{err}");
    let err = config("tickets:\n  - system: jira\n    timezone: Mars/Olympus\n").unwrap_err();
    assert!(err.contains("resetgap.yml:3:15"), "{err}");
    let err = config("tickets:\n  - system: jira\n    files: [\"a[\"]\n").unwrap_err();
    assert!(err.contains("bad glob"), "{err}");
    let cfg = config(
        "tickets:\n  - system: freshservice\n    files: [\"helpdesk/**/*.csv\"]\n    columns: {id: Ticket Id, opened: Created Date, account: Requester Email}\n",
    )
    .unwrap();
    let options = SourceOptions {
        tickets: cfg,
        ..SourceOptions::default()
    };
    let text = "Ticket Id,Created Date,Requester Email\n#77,2026-08-20 10:00:00,a@example.org\n";
    let out = scan("helpdesk/2026/aug.csv", text, &options);
    let all = tickets(&out);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].system, "freshservice");
    assert_eq!(all[0].id, "#77");
    // Outside the glob the same text is not a ticket export.
    let elsewhere = Sniff::new("other/aug.csv", text).with_options(&options);
    assert!(SOURCE.claim(&elsewhere).is_none());
    // Matched by header when the entry has no glob.
    let cfg = config(
        "tickets:\n  - system: freshservice\n    columns: {id: Ticket Id, opened: Created Date}\n",
    )
    .unwrap();
    let sniff = Sniff::new("x.csv", text);
    assert_eq!(pick(&sniff, &cfg.sources), Some(Pick::Configured(0)));
}

#[test]
fn dates_in_every_export_format() {
    use jiff::tz::TimeZone;
    let utc = TimeZone::UTC;
    let ok = |s: &str| dates::parse(s, &utc, None).unwrap();
    assert_eq!(ok("2026-08-20 10:15:02"), t("2026-08-20T10:15:02Z"));
    assert_eq!(ok("2026-08-20 10:15"), t("2026-08-20T10:15:00Z"));
    assert_eq!(
        ok("2026-08-20T10:15:02.000+0200"),
        t("2026-08-20T08:15:02Z")
    );
    assert_eq!(ok("2026-08-20T10:15:02Z"), t("2026-08-20T10:15:02Z"));
    assert_eq!(ok("20/Aug/26 10:15 AM"), t("2026-08-20T10:15:00Z"));
    assert_eq!(ok("20/Aug/26 12:15 AM"), t("2026-08-20T00:15:00Z"));
    assert_eq!(ok("20/aug/2026 10:15 PM"), t("2026-08-20T22:15:00Z"));
    assert_eq!(ok("20/Aug/26 22:15"), t("2026-08-20T22:15:00Z"));
    assert_eq!(ok(""), When::Unknown);
    let ny = TimeZone::get("America/New_York").unwrap();
    assert_eq!(
        dates::parse("2026-08-20 10:15:02", &ny, None).unwrap(),
        t("2026-08-20T14:15:02Z")
    );
    for bad in [
        "08/20/2026 10:15:02",
        "20/Foo/26 10:15 AM",
        "20/Aug/26 13:15 PM",
        "soon",
    ] {
        assert!(dates::parse(bad, &utc, None).is_err(), "{bad}");
    }
    assert_eq!(
        dates::parse("08/20/2026 10:15:02", &utc, Some("%m/%d/%Y %H:%M:%S")).unwrap(),
        t("2026-08-20T10:15:02Z")
    );
}

#[test]
fn broken_files_never_panic() {
    let options = SourceOptions::default();
    for text in [
        "number,opened_at,short_description\n\"unterminated",
        "number,opened_at,short_description\n",
        "{\"result\": [{\"number\": \"INC1\", \"opened_at\": ",
        "{\"result\": [{\"number\": 5, \"opened_at\": [1, {\"a\": null}]}]}",
        "\"Issue key\",Created\nHD-1,\u{0}\n",
    ] {
        let sniff = Sniff::new("x", text).with_options(&options);
        if let Some(claim) = SOURCE.claim(&sniff) {
            let extractors = crate::source::secrets::Extractors::builtin().unwrap();
            let _ = claim(&ParseInput {
                uri: "x",
                text,
                modified: When::Unknown,
                options: &options,
                extractors: &extractors,
            });
        }
    }
    let out = parse(
        &TicketSource::default_for(Tool::Servicenow),
        "x.json",
        "{\"result\": [{\"number\": \"INC1\", \"opened_at\": ",
    );
    assert!(out
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error));
    // A CSV without an id column is unusable as a whole.
    let out = parse(
        &TicketSource::default_for(Tool::Jira),
        "x.csv",
        "Summary,Created\na,b\n",
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(out.diagnostics[0].kind, DiagKind::Unparseable);
}
