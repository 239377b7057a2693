use super::*;
use crate::diag::Severity;

fn shape_items(text: &str) -> (Vec<String>, Output) {
    let is_item = |o: &Node<'_>| o.has("codeId");
    let shape = Shape {
        list_keys: &["items"],
        is_item: &is_item,
        what: "test items",
    };
    let doc = Doc::parse("f.json", text);
    let mut out = Output::default();
    let ids = doc
        .items(&shape, &mut out)
        .iter()
        .filter_map(|i| i.node.get("codeId")?.num().map(str::to_string))
        .collect();
    doc.report_breaks(&mut out);
    (ids, out)
}

#[test]
fn key_lines_come_from_parsing() {
    let text = "{\n \"items\": [\n  {\"owner\": {\"codeId\": 9},\n   \"codeId\": 1},\n  {\"codeId\": 2}\n ]\n}\n";
    let doc = Doc::parse("f.json", text);
    let is_item = |o: &Node<'_>| o.has("codeId");
    let shape = Shape {
        list_keys: &["items"],
        is_item: &is_item,
        what: "test items",
    };
    let mut out = Output::default();
    let items = doc.items(&shape, &mut out);
    assert!(out.diagnostics.is_empty());
    assert_eq!(items.len(), 2);
    // The nested `codeId` of `owner` (line 3) is not the item's key (line 4).
    assert_eq!(doc.key_line(items[0].node, "codeId"), 4);
    assert_eq!(doc.key_line(items[1].node, "codeId"), 5);
    assert_eq!(doc.id_line(items[0].node, &["nope", "owner", "codeId"]), 3);
    assert_eq!(doc.key_line(items[0].node, "nope"), 3);
    assert!(items[0].wrapper.is_some_and(|w| w.has("items")));
}

#[test]
fn truncated_value_keeps_complete_items_and_reading_resumes() {
    let text = "[\n{\"codeId\": 1},\n{\"codeId\": 2, \"x\": \n{\"codeId\": 3}\n";
    let (ids, out) = shape_items(text);
    // Item 1 is kept from the broken array, item 2 is cut; `{"codeId": 3}` at column 0 stands
    // alone and is read again.
    assert_eq!(ids, ["1", "3"]);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert!(d.makes_incomplete());
    assert!(d.message.contains("starting at line 1"), "{}", d.message);
}

#[test]
fn pages_of_arrays_and_json_lines() {
    let (ids, out) = shape_items("[[{\"codeId\":1}],[{\"codeId\":2}]]\n{\"codeId\":3}\n");
    assert_eq!(ids, ["1", "2", "3"]);
    assert!(out.diagnostics.is_empty());
    let (ids, out) = shape_items("[1, \"x\"]");
    assert!(ids.is_empty());
    assert_eq!(out.diagnostics.len(), 2);
    let (_, out) = shape_items("{\"other\": 1}\n{\"items\": 5}\n");
    let kinds: Vec<_> = out.diagnostics.iter().map(|d| d.severity).collect();
    assert_eq!(kinds, [Severity::Note, Severity::Warning]);
}

#[test]
fn sniff_helpers() {
    assert!(looks_like_json("\u{feff}  [1]"));
    assert!(!looks_like_json("a: 1"));
    assert!(has_key("{\"a\" : 1}", "a"));
    assert!(!has_key("{\"x\": \"a\"}", "a"));
    assert_eq!(key_value_after("{\"k\":  \"v\"}", "k"), Some("\"v\"}"));
}
