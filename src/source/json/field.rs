//! Typed reading of one field of a JSON object, telling absent, `null`, a good value, a value of
//! another JSON type and an unreadable value apart, and one wording for the last two
//! ("`x` is not a string; treated as unknown").

use super::Node;
use crate::inventory::When;

/// A field read: absent, JSON `null`, a value of the expected type, a value of another JSON
/// type, or a value of the right type that cannot be read (a string that is not a date).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field<T> {
    Absent,
    Null,
    Ok(T),
    WrongType,
    Invalid,
}

impl<T> Field<T> {
    pub(crate) fn ok(self) -> Option<T> {
        match self {
            Field::Ok(v) => Some(v),
            _ => None,
        }
    }

    /// The problem of a field read as a time, in the one wording; `None` when there is none.
    pub(crate) fn time_problem(&self, key: &str) -> Option<String> {
        match self {
            Field::WrongType => Some(unknown_because(key, "a string")),
            Field::Invalid => Some(unknown_because(key, "a date")),
            _ => None,
        }
    }
}

impl Field<bool> {
    pub(crate) fn is_true(&self) -> bool {
        matches!(self, Field::Ok(true))
    }
}

/// The one wording of a field that is not what it should be and is taken as unknown:
/// "`key` is not `what`; treated as unknown".
pub(crate) fn unknown_because(key: &str, what: &str) -> String {
    format!("`{key}` is not {what}; treated as unknown")
}

fn read<'n, 'a, T>(
    obj: &'n Node<'a>,
    key: &str,
    f: impl FnOnce(&'n Node<'a>) -> Option<T>,
) -> Field<T> {
    match obj.get(key) {
        None => Field::Absent,
        Some(n) if n.is_null() => Field::Null,
        Some(n) => f(n).map_or(Field::WrongType, Field::Ok),
    }
}

/// A string field.
pub(crate) fn str_field<'n>(obj: &'n Node<'_>, key: &str) -> Field<&'n str> {
    read(obj, key, Node::str)
}

/// A boolean field; `"true"`/`"false"` strings count (GAM CSV turned JSON, PowerShell).
pub(crate) fn bool_field(obj: &Node<'_>, key: &str) -> Field<bool> {
    read(obj, key, |n| {
        n.as_bool().or_else(|| match n.str() {
            Some(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        })
    })
}

/// A numeric id (an integer JSON number, or a string of at most 40 digits) as its decimal text.
pub(crate) fn id_field(obj: &Node<'_>, key: &str) -> Field<String> {
    read(obj, key, |n| {
        if n.is_integer() {
            return n.num().map(str::to_string);
        }
        n.str()
            .filter(|s| !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
    })
}

/// A time field: a string read by `parse` (`Invalid` when it is not a time).
pub(crate) fn time_field(
    obj: &Node<'_>,
    key: &str,
    parse: impl FnOnce(&str) -> Option<When>,
) -> Field<When> {
    match str_field(obj, key) {
        Field::Ok(s) => parse(s).map_or(Field::Invalid, Field::Ok),
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::WrongType => Field::WrongType,
        Field::Invalid => Field::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::tree::parse_stream;

    #[test]
    fn fields_tell_their_cases_apart() {
        let text = r#"{"s": "x", "n": null, "b": "TRUE", "i": 42, "d": "123", "f": 1.5,
            "t": "2026-01-02T03:04:05Z", "bad": "soon", "num": 7}"#;
        let (values, errors) = parse_stream(text);
        assert!(errors.is_empty());
        let o = &values[0];
        assert_eq!(str_field(o, "s"), Field::Ok("x"));
        assert_eq!(str_field(o, "n"), Field::Null);
        assert_eq!(str_field(o, "zz"), Field::Absent);
        assert_eq!(str_field(o, "i"), Field::WrongType);
        assert_eq!(bool_field(o, "b"), Field::Ok(true));
        assert_eq!(bool_field(o, "s"), Field::WrongType);
        assert_eq!(id_field(o, "i"), Field::Ok("42".to_string()));
        assert_eq!(id_field(o, "d"), Field::Ok("123".to_string()));
        assert_eq!(id_field(o, "f"), Field::WrongType);
        assert!(time_field(o, "t", When::parse_instant).ok().is_some());
        let bad = time_field(o, "bad", When::parse_instant);
        assert_eq!(bad, Field::Invalid);
        assert_eq!(
            bad.time_problem("bad").as_deref(),
            Some("`bad` is not a date; treated as unknown")
        );
        assert_eq!(
            time_field(o, "num", When::parse_instant)
                .time_problem("num")
                .as_deref(),
            Some("`num` is not a string; treated as unknown")
        );
        assert_eq!(time_field(o, "n", When::parse_instant), Field::Null);
    }
}
