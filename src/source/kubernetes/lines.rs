//! Locating items in YAML or pretty-printed JSON text by line, since the parsed values carry no
//! positions. A line is read as `key: value` (YAML) or `"key": "value",` (JSON), after its
//! indentation and any `- ` sequence markers; a block is the lines indented deeper than its key.
//!
//! Minified JSON and flow-style YAML put many items on one line; the search then falls back to
//! the nearest line it can prove (the document's first line at worst).

/// The text split into lines (without line ends), numbered from 1.
pub(super) struct TextLines<'a> {
    lines: Vec<&'a str>,
}

/// A `key: value` line: the key's column, the key and the value (unquoted, trailing `,`, `{`
/// and comments kept out).
#[derive(Debug, PartialEq)]
pub(super) struct KeyValue<'a> {
    pub indent: usize,
    pub key: &'a str,
    pub value: &'a str,
}

impl<'a> TextLines<'a> {
    pub fn new(text: &'a str) -> Self {
        TextLines {
            lines: text
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .collect(),
        }
    }

    pub fn count(&self) -> u32 {
        u32::try_from(self.lines.len()).unwrap_or(u32::MAX)
    }

    pub fn get(&self, line: u32) -> Option<&'a str> {
        self.lines
            .get(usize::try_from(line).ok()?.checked_sub(1)?)
            .copied()
    }

    pub fn kv(&self, line: u32) -> Option<KeyValue<'a>> {
        key_value(self.get(line)?)
    }

    /// The first line in `from..=to` whose key is `key` (and whose value is `value`, if given).
    pub fn find_key(&self, from: u32, to: u32, key: &str, value: Option<&str>) -> Option<u32> {
        (from..=to.min(self.count())).find(|&l| {
            self.kv(l)
                .is_some_and(|kv| kv.key == key && value.is_none_or(|v| kv.value == v))
        })
    }

    /// The last line of the block opened by the key on `line`: the lines after it indented
    /// deeper than the key (blank and comment lines included), bounded by `to`.
    pub fn block_end(&self, line: u32, to: u32) -> u32 {
        let Some(open) = self.kv(line) else {
            return line;
        };
        let mut end = line;
        for l in line.saturating_add(1)..=to.min(self.count()) {
            let text = self.get(l).unwrap_or("");
            let trimmed = text.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if indent_of(text) <= open.indent {
                break;
            }
            end = l;
        }
        end
    }

    /// The block that holds `line`: the nearest line above it with a smaller indent, and that
    /// block's end. `(line, line)` when there is none.
    pub fn enclosing_block(&self, line: u32) -> (u32, u32) {
        let Some(inner) = self.get(line) else {
            return (line, line);
        };
        let indent = self
            .kv(line)
            .map_or_else(|| indent_of(inner), |kv| kv.indent);
        let mut l = line;
        while l > 1 {
            l -= 1;
            let text = self.get(l).unwrap_or("");
            let trimmed = text.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let open = self.kv(l).map_or_else(|| indent_of(text), |kv| kv.indent);
            if open < indent {
                return (l, self.block_end(l, self.count()));
            }
        }
        (line, line)
    }

    /// The line of `metadata.name == name` of the next object from `from`: a `metadata` key
    /// whose block holds a `name` key with that value (a flow-style `metadata: {name: x}` line
    /// counts too).
    pub fn metadata_name(&self, from: u32, to: u32, name: &str) -> Option<u32> {
        let mut at = from;
        while let Some(md) = self.find_key(at, to, "metadata", None) {
            let kv = self.kv(md)?;
            if kv.value.starts_with('{') {
                let line = self.get(md).unwrap_or("");
                if line.contains(&format!("name: {name}"))
                    || line.contains(&format!("\"name\": \"{name}\""))
                    || line.contains(&format!("\"name\":\"{name}\""))
                {
                    return Some(md);
                }
            }
            let end = self.block_end(md, to);
            if let Some(found) = self.find_key(md.saturating_add(1), end, "name", Some(name)) {
                return Some(found);
            }
            at = md.saturating_add(1);
        }
        None
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// Reads one line as a key and a scalar value.
pub(super) fn key_value(line: &str) -> Option<KeyValue<'_>> {
    let mut indent = indent_of(line);
    let mut rest = line.get(indent..)?;
    while let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("-\t")) {
        let skipped = rest.len() - r.trim_start().len();
        indent += skipped;
        rest = r.trim_start();
    }
    let (key, after) = if let Some(r) = rest.strip_prefix('"') {
        let close = r.find('"')?;
        (r.get(..close)?, r.get(close + 1..)?)
    } else if let Some(r) = rest.strip_prefix('\'') {
        let close = r.find('\'')?;
        (r.get(..close)?, r.get(close + 1..)?)
    } else {
        let colon = rest
            .match_indices(':')
            .find(|(i, _)| {
                rest.get(i + 1..)
                    .is_none_or(|a| a.is_empty() || a.starts_with([' ', '\t']))
            })?
            .0;
        (rest.get(..colon)?.trim_end(), rest.get(colon..)?)
    };
    let value = after.trim_start().strip_prefix(':')?.trim();
    let value = match value.find(" #") {
        Some(i) if !value.starts_with(['"', '\'']) => value.get(..i).unwrap_or(value).trim_end(),
        _ => value,
    };
    let value = value.strip_suffix(',').unwrap_or(value).trim_end();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    if key.is_empty() {
        return None;
    }
    Some(KeyValue { indent, key, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_and_json_lines() {
        let kv = key_value("  - name: ci-deployer").unwrap();
        assert_eq!((kv.indent, kv.key, kv.value), (4, "name", "ci-deployer"));
        let kv = key_value("      \"name\": \"ci-deployer-token\",").unwrap();
        assert_eq!(
            (kv.indent, kv.key, kv.value),
            (6, "name", "ci-deployer-token")
        );
        let kv = key_value("    kubernetes.io/service-account.name: ci # the SA").unwrap();
        assert_eq!(
            (kv.key, kv.value),
            ("kubernetes.io/service-account.name", "ci")
        );
        let kv = key_value("  server: https://k8s.example.org:6443").unwrap();
        assert_eq!(
            (kv.key, kv.value),
            ("server", "https://k8s.example.org:6443")
        );
        let kv = key_value("metadata:").unwrap();
        assert_eq!((kv.indent, kv.key, kv.value), (0, "metadata", ""));
        assert_eq!(key_value("- just a scalar"), None);
        assert_eq!(key_value(""), None);
        assert_eq!(key_value("\"unterminated"), None);
    }
}
