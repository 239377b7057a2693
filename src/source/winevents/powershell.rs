//! Windows events as `Get-WinEvent … | Select-Object … | ConvertTo-Json` writes them: one object
//! per event (one object, not an array, for a single event) with `Id`, `TimeCreated`,
//! `RecordId`, `MachineName`, `Keywords` and `Properties`, an array of `{"Value": …}` in the
//! event template's order ([`super::template`] names them). A SID value is a string, or Windows
//! PowerShell 5.1's `SecurityIdentifier` object with a `Value`; `Keywords` is a signed 64-bit
//! number; `TimeCreated` is `"\/Date(ms)\/"` (5.1), ISO 8601 (7), or an object with `value`.
//! `Message` (localised) is never read. Evidence: the line of the event's object.

use super::{build, keywords, Raw, Tally};
use crate::source::json::{Doc, Node, Val};
use crate::source::windows::{ps_objects, users::ps_date};
use crate::source::Output;

pub(crate) fn parse(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let mut tally = Tally::default();
    let doc = Doc::parse(path, text);
    for o in ps_objects(&doc, &mut out) {
        let line = doc.line(o);
        match read_event(o, line) {
            Ok(raw) => build(&raw, path, &mut tally, &mut out),
            Err(what) => tally.problem(what, line),
        }
    }
    tally.finish(path, &mut out);
    out
}

fn read_event(o: &Node<'_>, line: u32) -> Result<Raw, &'static str> {
    let id = o
        .get_ci("Id")
        .or_else(|| o.get_ci("EventID"))
        .and_then(scalar)
        .and_then(|t| t.parse::<u32>().ok())
        .ok_or("event object without a numeric `Id`")?;
    let at = ps_date(o, "TimeCreated")
        .ok()
        .flatten()
        .unwrap_or(crate::inventory::When::Unknown);
    let mut raw = Raw {
        id,
        record: o.get_ci("RecordId").and_then(scalar),
        computer: o.get_ci("MachineName").and_then(scalar),
        at,
        keywords: o
            .get_ci("Keywords")
            .and_then(scalar)
            .as_deref()
            .and_then(keywords),
        data: Vec::new(),
        line,
    };
    let Some(names) = super::template(id) else {
        // Not one of ours: `build` counts it.
        return Ok(raw);
    };
    let props = o
        .get_ci("Properties")
        .and_then(Node::items)
        .ok_or("event object without a `Properties` array")?;
    for (i, p) in props.iter().enumerate() {
        let value = match &p.val {
            Val::Obj(_) => p.get_ci("Value"),
            // Cut by ConvertTo-Json's depth: the element is the type name.
            _ => return Err("`Properties` cut by ConvertTo-Json's depth (export with -Depth 4)"),
        };
        let text = value.and_then(|v| scalar(v).or_else(|| v.get_ci("Value").and_then(scalar)));
        if let Some(name) = names.get(i) {
            raw.data
                .push(((*name).to_string(), text.unwrap_or_default()));
        }
    }
    Ok(raw)
}

/// A string or number value as text.
fn scalar(n: &Node<'_>) -> Option<String> {
    n.str()
        .map(str::to_string)
        .or_else(|| n.num().map(str::to_string))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
