//! Windows events as XML: `wevtutil qe … /f:xml` (a sequence of `<Event>` elements with no
//! root), `evtx_dump -o xml` (`Record N` and an `<?xml?>` declaration before each event),
//! `<Events>` files (Event Viewer's "Save as XML", python-evtx). Each `<Event …>…</Event>` is cut
//! out of the text and parsed on its own with roxmltree, so whatever lies between events is
//! ignored, a broken event costs only itself, and memory stays one event deep.

use super::{build, keywords, Raw, Tally};
use crate::inventory::When;
use crate::source::text::LineIndex;
use crate::source::Output;

pub(crate) fn parse(path: &str, text: &str) -> Output {
    let mut out = Output::default();
    let mut tally = Tally::default();
    let lines = LineIndex::new(text);
    let mut at = 0;
    while let Some(start) = next_event(text, at) {
        let line = lines.line_of(start);
        let Some(end) = text
            .get(start..)
            .and_then(|t| t.find("</Event>"))
            .map(|e| start + e + "</Event>".len())
        else {
            tally.problem("truncated <Event> element (no </Event>)", line);
            break;
        };
        at = end;
        match read_event(text.get(start..end).unwrap_or(""), line) {
            Ok(raw) => build(&raw, path, &mut tally, &mut out),
            Err(what) => tally.problem(what, line),
        }
    }
    tally.finish(path, &mut out);
    out
}

/// The byte offset of the next `<Event` start tag at or after `from` (not `<EventData>`,
/// `<EventID>` or `<Events>`).
fn next_event(text: &str, mut from: usize) -> Option<usize> {
    loop {
        let found = from + text.get(from..)?.find("<Event")?;
        let after = text.as_bytes().get(found + "<Event".len()).copied();
        if matches!(after, Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')) {
            return Some(found);
        }
        from = found + 1;
    }
}

/// One `<Event>` element's fields.
fn read_event(xml: &str, line: u32) -> Result<Raw, &'static str> {
    let doc =
        roxmltree::Document::parse(xml).map_err(|_| "<Event> element is not well-formed XML")?;
    let event = doc.root_element();
    let system = child(event, "System").ok_or("<Event> without <System>")?;
    let text_of = |name: &str| {
        child(system, name)
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let id = text_of("EventID")
        .and_then(|t| t.parse::<u32>().ok())
        .ok_or("<EventID> is not a number")?;
    let at = child(system, "TimeCreated")
        .and_then(|n| n.attribute("SystemTime"))
        .map_or(When::Unknown, system_time);
    let mut raw = Raw {
        id,
        record: text_of("EventRecordID"),
        computer: text_of("Computer"),
        at,
        keywords: text_of("Keywords").as_deref().and_then(keywords),
        data: Vec::new(),
        line,
    };
    if let Some(data) = child(event, "EventData") {
        // A `<Data>` without `Name` takes its name from the template, by position.
        let names = super::template(id).unwrap_or_default();
        for (i, d) in data
            .children()
            .filter(|n| n.is_element() && n.tag_name().name() == "Data")
            .enumerate()
        {
            let name = d
                .attribute("Name")
                .or_else(|| names.get(i).copied())
                .unwrap_or("")
                .to_string();
            raw.data.push((name, d.text().unwrap_or("").to_string()));
        }
    }
    Ok(raw)
}

/// The first child element of `parent` named `name` (any namespace).
fn child<'a, 'i>(parent: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    parent
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

/// `SystemTime` as wevtutil and evtx_dump write it (`2015-08-22T01:58:21.725864900Z`), or as
/// python-evtx does (`2015-08-22 01:58:21.725864`, UTC without a zone).
pub(crate) fn system_time(text: &str) -> When {
    let t = text.trim();
    if let Some(w) = When::parse_instant(t) {
        return w;
    }
    When::parse_instant(&format!("{t}Z")).unwrap_or(When::Unknown)
}
