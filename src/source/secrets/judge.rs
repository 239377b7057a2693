//! Judgement of a generic assignment beyond its regex: whether the key names a secret (its last
//! name parts, so `db_password` and `smtpPass` do while `password_min_length` and `bypass` do
//! not), whether the value is random enough (Shannon entropy), and whether the match is code or
//! a comment rather than data (`password=password`, `getenv("X")`, `api_key: SecretStr`, a
//! `<!-- -->` or `//` comment, any unquoted right-hand side in a source file).
//!
//! Rules opt in with `key_parts`, `min_entropy` and `reject_code` (`rules/README.md`). Nothing
//! here sees more than the key, the value, the file path and the text around the match.

use crate::source::values::{is_code_expression, is_type_name, looks_like_code};

/// Splits an identifier into lower-case name parts at `_ . - space $ >` and at camelCase
/// boundaries: `smtpPass` → smtp, pass; `DBPassword` → db, password; `X_API_KEY` → x, api, key.
pub fn name_parts(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars.get(i.wrapping_sub(1)).copied().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            if prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next.is_lowercase())
            {
                parts.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Whether `key`'s name parts end with one of `wanted` (each a part sequence). A long single
/// word (six letters or more: `password`, `secret`, `apikey`) may also end a longer part, for
/// keys written without separators (`dbpassword`, `clientsecret`).
pub fn key_matches(key: &str, wanted: &[Vec<String>]) -> bool {
    if wanted.is_empty() {
        return true;
    }
    let parts = name_parts(key);
    wanted.iter().any(|w| {
        if parts.ends_with(w) {
            return true;
        }
        match (w.as_slice(), parts.last()) {
            ([one], Some(last)) => one.len() >= 6 && last.ends_with(one.as_str()),
            _ => false,
        }
    })
}

/// [`key_matches`] for a possibly empty list: an empty list matches nothing.
pub fn key_matches_some(key: &str, wanted: &[Vec<String>]) -> bool {
    !wanted.is_empty() && key_matches(key, wanted)
}

/// Shannon entropy of `s` in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Source files, where an unquoted right-hand side is an expression, never a literal secret.
/// Shell, PowerShell and config formats are not here: their unquoted words are literals.
pub fn is_source_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "py" | "pyi"
            | "js"
            | "mjs"
            | "cjs"
            | "jsx"
            | "ts"
            | "tsx"
            | "java"
            | "kt"
            | "kts"
            | "scala"
            | "groovy"
            | "gradle"
            | "go"
            | "rb"
            | "php"
            | "cs"
            | "vb"
            | "fs"
            | "rs"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "swift"
            | "m"
            | "dart"
            | "lua"
            | "pl"
            | "pm"
            | "ex"
            | "exs"
            | "erl"
            | "clj"
            | "r"
            | "jl"
    )
}

/// Why an unquoted `value` assigned to `key` is code, if it is: `password=password`, a call
/// (`getenv("X")`), a subscript (`os.environ["X"]`), a dotted name (`self.password`), a type
/// (`SecretStr`), a variable (`$pass`, `$section::name`), or any unquoted value in a source
/// file (`in_code`).
pub fn unquoted_is_code(key: Option<&str>, value: &str, in_code: bool) -> bool {
    if in_code || is_code_expression(value) || looks_like_code(value) || is_type_name(value) {
        return true;
    }
    // `password=password`, `PASSWORD=db_password`, `token=api_token`: an identifier named like
    // its key is a variable (or a placeholder), not the secret.
    let ident = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    key.is_some_and(|k| {
        let kp = name_parts(k);
        let vp = name_parts(value);
        ident && !vp.is_empty() && (kp == vp || kp.last().is_some_and(|l| vp.last() == Some(l)))
    })
}

/// Whether byte `at` of `text` is inside a comment: the line (up to `at`) starts with a line
/// comment marker, or `at` is inside an unclosed `<!--` or `/*` before it.
pub fn in_comment(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let head = before.get(line_start..).unwrap_or("").trim_start();
    if [
        "#", "//", "--", ";", "/*", "* ", "<!--", "rem ", "REM ", "::",
    ]
    .iter()
    .any(|m| head.starts_with(m))
        && !head.starts_with("#!")
    {
        return true;
    }
    // A block comment opened before and not closed: look back a bounded distance.
    let from = at.saturating_sub(8192);
    let mut from = from;
    while from > 0 && !text.is_char_boundary(from) {
        from -= 1;
    }
    let window = text.get(from..at).unwrap_or("");
    for (open, close) in [("<!--", "-->"), ("/*", "*/")] {
        if let Some(o) = window.rfind(open) {
            if !window.get(o..).unwrap_or("").contains(close) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(words: &[&str]) -> Vec<Vec<String>> {
        words.iter().map(|w| name_parts(w)).collect()
    }

    #[test]
    fn splits_names() {
        assert_eq!(name_parts("smtpPass"), ["smtp", "pass"]);
        assert_eq!(name_parts("DBPassword"), ["db", "password"]);
        assert_eq!(name_parts("X_API_KEY"), ["x", "api", "key"]);
        assert_eq!(
            name_parts("spring.datasource.password"),
            ["spring", "datasource", "password"]
        );
        assert_eq!(name_parts("apiKey2"), ["api", "key2"]);
    }

    #[test]
    fn keys() {
        let w = parts(&["password", "pass", "pwd", "api_key", "token", "auth"]);
        for k in [
            "password",
            "db_password",
            "smtpPass",
            "X_API_KEY",
            "apiKey",
            "DB_PASS",
            "MYSQL_PWD",
            "auth_token",
            "http-auth",
            "dbpassword",
        ] {
            assert!(key_matches(k, &w), "{k}");
        }
        for k in [
            "password_min_length",
            "bypass",
            "passport",
            "compass",
            "oauth",
            "author",
            "token_url",
            "max_tokens",
            "forgot_password_url",
            "key",
        ] {
            assert!(!key_matches(k, &w), "{k}");
        }
    }

    #[test]
    fn entropy_orders_values() {
        assert!(entropy("aaaaaaaa") < 0.1);
        assert!(entropy("Zx8vQ2pL9rT4") > 3.0);
        assert_eq!(entropy(""), 0.0);
    }

    #[test]
    fn code_values() {
        assert!(unquoted_is_code(Some("password"), "password", false));
        assert!(unquoted_is_code(Some("db_password"), "db_password", false));
        assert!(unquoted_is_code(Some("password"), "getenv(\"DB\")", false));
        assert!(unquoted_is_code(
            Some("password"),
            "os.environ[\"X\"]",
            false
        ));
        assert!(unquoted_is_code(Some("api_key"), "SecretStr", false));
        assert!(unquoted_is_code(Some("password"), "$pass", false));
        assert!(unquoted_is_code(Some("password"), "$req::pw", false));
        assert!(unquoted_is_code(Some("password"), "Zz-fake-9", true));
        assert!(!unquoted_is_code(Some("password"), "Zz-fake-9", false));
        assert!(!unquoted_is_code(Some("password"), "hunter22", false));
    }

    #[test]
    fn comments() {
        let t =
            "a = 1\n# password = x\n<!-- <password>y</password> -->\nr = 1 /* p = 'z' */ q = 'w'\n";
        assert!(in_comment(t, t.find("password = x").unwrap()));
        assert!(in_comment(t, t.find("<password>y").unwrap()));
        assert!(in_comment(t, t.find("p = 'z'").unwrap()));
        assert!(!in_comment(t, t.find("q = 'w'").unwrap()));
        assert!(!in_comment(t, t.find("a = 1").unwrap()));
    }
}
