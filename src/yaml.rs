//! The one place that knows which YAML library we use (`serde_yaml_ng`), so swapping it touches
//! one file. Errors carry the line and column where the library reports them.
//!
//! Hostile input (issue 13) is stopped here, before and while the library runs:
//! - nesting: libyaml's scanner spends time in proportion to the open flow collections for
//!   every token, so a file of `[[[[…` costs quadratic time and memory before serde's recursion
//!   limit (128) is ever reached. [`check_nesting`] measures the nesting lexically (flow brackets
//!   outside quotes, comments and block scalars, plus block indentation levels and compact `- `
//!   entries) and refuses past [`MAX_NESTING`] levels with the line where it got there;
//! - aliases: the library replays an anchored node at every alias, and its own limit counts
//!   alias uses, not the nodes they produce, so one large anchor aliased many times builds
//!   gigabytes. [`value_from_str`] builds the value itself and stops once the nodes and scalar
//!   bytes built pass twice the document's size plus [`ALIAS_SLACK`] (a document without
//!   aliases never comes near), located at the anchored node being replayed.

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;

/// Deepest nesting [`check_nesting`] lets through (the library itself refuses past 128).
pub const MAX_NESTING: usize = 512;

/// Nodes and scalar bytes an alias-expanded document may build beyond twice its own size.
pub const ALIAS_SLACK: usize = 100_000;

/// A YAML error located as `line:col` (1-based) when the parser knows where.
#[derive(Debug, thiserror::Error)]
#[error("{location}{message}")]
pub struct YamlError {
    pub location: String,
    pub message: String,
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_nesting(text)?;
    serde_yaml_ng::from_str(text).map_err(located)
}

/// A YAML document as a JSON value, with the nesting and alias-expansion limits.
pub fn value_from_str(text: &str) -> Result<serde_json::Value, YamlError> {
    check_nesting(text)?;
    let budget = Cell::new(text.len().saturating_mul(2).saturating_add(ALIAS_SLACK));
    let de = serde_yaml_ng::Deserializer::from_str(text);
    Budgeted(&budget).deserialize(de).map_err(|e| {
        let mut e = located(e);
        // Without the path and position the library adds (the path names keys of the file).
        if e.message.contains(ALIAS_BOMB) {
            e.message = ALIAS_BOMB.to_string();
        }
        e
    })
}

fn located(e: serde_yaml_ng::Error) -> YamlError {
    let location = e
        .location()
        .map(|l| format!("{}:{}: ", l.line(), l.column()))
        .unwrap_or_default();
    YamlError {
        location,
        message: e.to_string(),
    }
}

/// The message of a document whose aliases expand past the budget.
pub const ALIAS_BOMB: &str = "YAML aliases expand to more than twice the size of the document";

/// Builds a `serde_json::Value` as `serde_json`'s own visitor does, spending one unit per node
/// and one per scalar byte from a shared budget.
#[derive(Clone, Copy)]
struct Budgeted<'b>(&'b Cell<usize>);

impl Budgeted<'_> {
    fn spend<E: serde::de::Error>(self, units: usize) -> Result<(), E> {
        let left = self.0.get();
        if units > left {
            return Err(E::custom(ALIAS_BOMB));
        }
        self.0.set(left - units);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Budgeted<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Budgeted<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.spend(1)?;
        Ok(v.into())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.spend(1)?;
        Ok(v.into())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.spend(1)?;
        Ok(v.into())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.spend(1)?;
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.spend(v.len().saturating_add(1))?;
        Ok(v.into())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.spend(v.len().saturating_add(1))?;
        Ok(v.into())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.spend(1)?;
        Ok(serde_json::Value::Null)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.spend(1)?;
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.spend(1)?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        self.spend(1)?;
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.spend(key.len().saturating_add(1))?;
            let value = map.next_value_seed(self)?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Refuses a document nested deeper than [`MAX_NESTING`] before the library reads it (see the
/// module header). The measure is lexical and errs high only on unbalanced brackets inside
/// plain scalars.
pub fn check_nesting(text: &str) -> Result<(), YamlError> {
    let too_deep = |line: usize| YamlError {
        location: format!("{line}:1: "),
        message: format!("YAML nested more than {MAX_NESTING} levels deep"),
    };
    // Open flow collections, and the quote a scalar is open in (across lines).
    let mut flow = 0usize;
    let mut quote: Option<u8> = None;
    // Block levels: the indentation of each open block node.
    let mut indents: Vec<usize> = Vec::new();
    // Lines indented deeper than this belong to a block scalar (`|`, `>`).
    let mut block_scalar: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let blank = indent == bytes.len() || bytes.get(indent) == Some(&b'#');
        if let Some(parent) = block_scalar {
            if blank || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        let mut i = indent;
        if flow == 0 && quote.is_none() {
            if blank {
                continue;
            }
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
            // Compact nested entries on one line: `- - - x`, `? - x`.
            while i + 1 < bytes.len() && matches!(bytes[i], b'-' | b'?') && bytes[i + 1] == b' ' {
                indents.push(i + 1);
                i += 2;
                while bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            if indents.len() > MAX_NESTING {
                return Err(too_deep(line_no));
            }
        }
        let key_col = i;
        let mut prev = if i == 0 { b' ' } else { bytes[i - 1] };
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(b'"') => {
                    if b == b'\\' {
                        i += 1;
                    } else if b == b'"' {
                        quote = None;
                    }
                }
                Some(_) => {
                    if b == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            quote = None;
                        }
                    }
                }
                None => match b {
                    b'#' if prev == b' ' || prev == b'\t' => break,
                    b'"' | b'\'' if matches!(prev, b' ' | b'\t' | b'[' | b'{' | b',' | b':') => {
                        quote = Some(b);
                    }
                    b'[' | b'{' => {
                        flow += 1;
                        if flow + indents.len() > MAX_NESTING {
                            return Err(too_deep(line_no));
                        }
                    }
                    b']' | b'}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            prev = b;
            i += 1;
        }
        // `key: |`, `- >-`, `|2+`: the lines below, indented deeper, are the scalar's text.
        if flow == 0 && quote.is_none() {
            if let Some(at) = block_scalar_header(line) {
                // `- |`: deeper than the `-`; `key: |`: deeper than the key.
                block_scalar = Some(if at == key_col {
                    key_col.saturating_sub(2)
                } else {
                    key_col
                });
            }
        }
    }
    Ok(())
}

/// Where a line's block scalar header (`|`, `>`, with chomping and indentation indicators)
/// starts, when the line ends with one after a key (`key: |`) or an entry (`- >-`).
fn block_scalar_header(line: &str) -> Option<usize> {
    let body = line.find(" #").map_or(line, |i| &line[..i]).trim_end();
    let start = body.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let word = &body[start..];
    let mut chars = word.chars();
    let is_header = matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+' | '1'..='9'));
    let before = body[..start].trim_end();
    (is_header && (before.is_empty() || before.ends_with([':', '-', '?']))).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` on a thread; fails past `secs` (a quadratic parse would hang, not fail).
    fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(secs))
            .unwrap_or_else(|_| panic!("did not finish within {secs} s"))
    }

    fn refused(text: String) -> String {
        within(20, move || value_from_str(&text).map(|_| ()))
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn deep_flow_and_block_nesting_is_refused_quickly() {
        let n = 100_000;
        let msg = "YAML nested more than 512 levels deep";
        let flow = refused(format!(
            "kind: List\nitems: {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        ));
        assert_eq!(flow, format!("2:1: {msg}"));
        let maps = refused(format!("a:\n  b: {}1{}\n", "{a: ".repeat(n), "}".repeat(n)));
        assert_eq!(maps, format!("2:1: {msg}"));
        let block = refused(format!("x: 1\ny:\n{}z\n", "- ".repeat(n)));
        assert_eq!(block, format!("3:1: {msg}"));
        let mut indented = String::new();
        for i in 0..600 {
            indented.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert_eq!(refused(indented), format!("513:1: {msg}"));
        // Typed loading has the same guard.
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(within(20, move || from_str::<serde_json::Value>(&text).is_err()));
    }

    #[test]
    fn nesting_ignores_quotes_comments_and_block_scalars() {
        let opens = "[{".repeat(600);
        let text = format!(
            "a: \"{opens}\"\nb: '{opens} it''s'\nc: 1 # {opens}\nd: |\n  {opens}\n  more {opens}\ne:\n  - >-\n    {opens}\n  - key: |2\n      {opens}\n    next: [1, [2]]\nf: x[y]\n"
        );
        let v = value_from_str(&text).expect("accepted");
        assert_eq!(v["e"][1]["next"], serde_json::json!([1, [2]]));
        assert_eq!(v["f"], "x[y]");
        assert!(v["d"].as_str().is_some_and(|d| d.starts_with("[{[{")));
    }

    #[test]
    fn alias_expansion_is_bounded() {
        // One large anchor aliased many times: about 1 MB of text.
        let mut big = String::from("kind: List\nbase: &b [");
        for i in 0..20_000 {
            big.push_str(&format!("x{i},"));
        }
        big.push_str("]\nrefs: [");
        for _ in 0..100_000 {
            big.push_str("*b,");
        }
        big.push_str("]\n");
        assert!(big.len() > 400_000);
        let err = refused(big);
        // Located at the anchored node being replayed.
        assert!(err.starts_with("2:"), "{err}");
        assert!(err.ends_with(&format!(": {ALIAS_BOMB}")), "{err}");
        // Billion laughs: nine levels of nine.
        let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..9 {
            let p = i - 1;
            laughs.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(refused(laughs).ends_with(ALIAS_BOMB));
    }

    #[test]
    fn ordinary_aliases_and_values_are_as_serde_json_builds_them() {
        let text = "defaults: &d {image: app, replicas: 2, ratio: 0.5, on: true, none: ~}\n\
                    web: *d\nlist: [*d, 1, -3, \"s\"]\n";
        let got = value_from_str(text).unwrap();
        let want: serde_json::Value = serde_yaml_ng::from_str(text).unwrap();
        assert_eq!(got, want);
        assert_eq!(got["web"]["replicas"], 2);
    }
}
