//! From top-level JSON values to items: the walk shared by every API export (a response object
//! whose list key holds the items, a bare array, a bare item, `--paginate --slurp` arrays of
//! pages, JSON Lines). The caller says how items and wrappers look ([`Shape`]); items cut by a
//! break are left out (the break is reported once by [`super::Doc::report_breaks`]).

use super::{Doc, Node, Val};
use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::source::Output;

/// How a caller recognises items and wrappers.
pub(crate) struct Shape<'s> {
    /// Keys of a response object whose array value holds the items (`users`, `items`).
    pub(crate) list_keys: &'s [&'s str],
    /// Whether a bare object (not inside a list key) is an item.
    pub(crate) is_item: &'s dyn Fn(&Node<'_>) -> bool,
    /// What the items are, for messages ("Google Workspace items").
    pub(crate) what: &'s str,
}

/// One complete item object and the response object (wrapper) whose list held it, if any.
#[derive(Clone, Copy)]
pub(crate) struct Item<'n, 'a> {
    pub(crate) node: &'n Node<'a>,
    pub(crate) wrapper: Option<&'n Node<'a>>,
}

/// Arrays of arrays are followed this deep (pages of items).
const MAX_ARRAY_DEPTH: usize = 3;

impl<'a> Doc<'a> {
    /// Every complete item of the file, in file order. Values of no known shape become
    /// diagnostics in `out`.
    pub(crate) fn items<'n>(&'n self, shape: &Shape<'_>, out: &mut Output) -> Vec<Item<'n, 'a>> {
        let mut items = Vec::new();
        for value in &self.values {
            self.collect(value, 0, None, shape, &mut items, out);
        }
        items
    }

    fn collect<'n>(
        &'n self,
        value: &'n Node<'a>,
        depth: usize,
        wrapper: Option<&'n Node<'a>>,
        shape: &Shape<'_>,
        items: &mut Vec<Item<'n, 'a>>,
        out: &mut Output,
    ) {
        match &value.val {
            Val::Obj(_) => {
                if (shape.is_item)(value) {
                    if !value.partial {
                        items.push(Item {
                            node: value,
                            wrapper,
                        });
                    }
                    return;
                }
                let present: Vec<&str> = shape
                    .list_keys
                    .iter()
                    .copied()
                    .filter(|k| value.has(k))
                    .collect();
                if present.is_empty() {
                    if !value.partial {
                        out.diag(Diagnostic::new(
                            DiagKind::Malformed,
                            Severity::Note,
                            self.evidence(value),
                            format!("JSON object holds no {}; ignored", shape.what),
                        ));
                    }
                    return;
                }
                for key in present {
                    let Some(list) = value.get(key) else { continue };
                    let Some(elements) = list.items() else {
                        if !list.is_null() {
                            out.diag(self.malformed_at(
                                value,
                                key,
                                format!("`{key}` is not an array; skipped"),
                            ));
                        }
                        continue;
                    };
                    for element in elements {
                        if element.is_obj() {
                            if !element.partial {
                                items.push(Item {
                                    node: element,
                                    wrapper: Some(value),
                                });
                            }
                        } else {
                            out.diag(Diagnostic::malformed(
                                self.path,
                                self.line(element),
                                format!("`{key}` element is not an object; skipped"),
                            ));
                        }
                    }
                }
            }
            Val::Arr(elements) if depth < MAX_ARRAY_DEPTH => {
                for element in elements {
                    if element.is_obj() || element.is_arr() {
                        self.collect(element, depth + 1, wrapper, shape, items, out);
                    } else {
                        out.diag(Diagnostic::malformed(
                            self.path,
                            self.line(element),
                            format!("array element is not an object of {}; skipped", shape.what),
                        ));
                    }
                }
            }
            _ => out.diag(Diagnostic::malformed(
                self.path,
                self.line(value),
                format!(
                    "JSON value is not an object or array of {}; skipped",
                    shape.what
                ),
            )),
        }
    }
}
