//! RG403 sudoers-syntax-error: a host whose sudoers (or an included file) has a line sudo's parser
//! rejects. One finding per host at the first such line (in sudo's load order), the others
//! related. Error when the host's sudo.conf turns error recovery off (sudo then refuses to run
//! at all); warning otherwise (sudo 1.9.3+ discards the entry on that line and goes on).

use crate::finding::{Emit, Level, Subject};
use crate::rule::Context;
use std::collections::BTreeMap;

pub fn check(ctx: &Context<'_>, out: &mut Emit) {
    let mut by_host: BTreeMap<&str, Vec<&crate::inventory::Setting>> = BTreeMap::new();
    let mut recovery_off: BTreeMap<&str, &crate::inventory::Setting> = BTreeMap::new();
    for s in ctx
        .inventory
        .settings
        .iter()
        .filter(|s| s.component == "sudoers")
    {
        match s.key.as_str() {
            "syntax_error" if s.evidence.is_some() => {
                by_host.entry(s.system.as_str()).or_default().push(s)
            }
            "error_recovery" if s.value == "false" => {
                recovery_off.insert(s.system.as_str(), s);
            }
            _ => {}
        }
    }
    for (host, errors) in by_host {
        let Some(first) = errors.first().and_then(|s| s.evidence.clone()) else {
            continue;
        };
        let refuses = recovery_off.get(host);
        let (level, effect) = match refuses {
            Some(_) => (
                Level::Error,
                "error recovery is off, so sudo refuses to run at all: it grants nothing on this host and break-glass through sudo fails",
            ),
            None => (
                Level::Warning,
                "sudo discards the whole entry on that line (a grant or Defaults written there does not exist) and reports the error on every run; with error_recovery=false, or before sudo 1.9.3, it would refuse to run at all",
            ),
        };
        let more = if errors.len() > 1 {
            format!(" ({} lines in all)", errors.len())
        } else {
            String::new()
        };
        let what = match errors[0].value.as_str() {
            "syntax error" => String::new(),
            other => format!(" ({other})"),
        };
        let message = format!("sudoers on {host} has a syntax error{what}{more}: {effect}.");
        let mut f = out
            .finding(
                level,
                Subject::Setting {
                    host,
                    setting: "sudoers:syntax",
                    scope: "global",
                },
                first,
                message,
            )
            .host(Some(host));
        for s in errors.iter().skip(1) {
            if let Some(ev) = &s.evidence {
                f = f.related(ev.clone(), format!("also rejected: {}", s.value));
            }
        }
        if let Some(ev) = refuses.and_then(|s| s.evidence.clone()) {
            f = f.related(ev, "sudo.conf sets error_recovery=false");
        }
        out.push(f);
    }
}
