//! sshd_config lines split the way OpenSSH 9.2 splits them (servconf.c
//! `process_server_config_line_depth`, misc.c `strdelim` and `argv_split`).
//!
//! Owns only the lexing: the keyword (`strdelim`: whitespace or one `=` ends it, `"` quotes),
//! the arguments of ordinary keywords (`argv_split`: spaces and tabs separate, `'` and `"`
//! quote, `\` escapes only a quote, a backslash or (outside quotes) a space, `#` at the start
//! of an argument ends the line) and the criteria of `Match` (`strdelim` again, so `User=backup`
//! and `User = backup` are one criterion and its value). What the words mean is decided by
//! the module root.

/// OpenSSH's WHITESPACE for `strdelim`.
const WS: [char; 4] = [' ', '\t', '\r', '\n'];

fn skip_ws(s: &str) -> &str {
    s.trim_start_matches(WS)
}

/// misc.c `strdelim` (split on `=` too). `None` is C's NULL token (an unmatched quote); the
/// second value is the rest of the line, `None` when nothing is left (C's NULL).
pub(crate) fn strdelim(s: &str) -> Option<(String, Option<&str>)> {
    let Some(i) = s.find(|c: char| WS.contains(&c) || c == '"' || c == '=') else {
        return Some((s.to_string(), None));
    };
    let head = s.get(..i)?;
    let tail = s.get(i + 1..)?;
    if s.as_bytes().get(i) == Some(&b'"') {
        // The quote is removed and the token runs to the matching quote.
        let j = tail.find('"')?;
        let token = format!("{head}{}", tail.get(..j)?);
        return Some((token, Some(skip_ws(tail.get(j + 1..)?))));
    }
    let was_equals = s.as_bytes().get(i) == Some(&b'=');
    let mut rest = skip_ws(tail);
    if !was_equals {
        // Only one `=` may separate two tokens.
        if let Some(r) = rest.strip_prefix('=') {
            rest = skip_ws(r);
        }
    }
    Some((head.to_string(), Some(rest)))
}

/// misc.c `argv_split(s, .., terminate_on_comment = 1)`. `None` on an unterminated quote
/// (sshd: "invalid quotes").
pub(crate) fn argv_split(s: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = s.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        if c == ' ' || c == '\t' {
            i += 1;
            continue;
        }
        if c == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.get(i) {
            let next = chars.get(i + 1).copied();
            if c == '\\' {
                match next {
                    Some(n @ ('\'' | '"' | '\\')) => {
                        arg.push(n);
                        i += 1;
                    }
                    Some(' ') if quote.is_none() => {
                        arg.push(' ');
                        i += 1;
                    }
                    _ => arg.push('\\'),
                }
            } else if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            } else if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote.is_some() {
            return None;
        }
        args.push(arg);
    }
    Some(args)
}

/// One lexed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// Empty or a comment.
    Skip,
    /// The keyword (as written) and the rest of the line after it.
    Keyword(String, &'a str),
    /// A keyword with nothing after it (sshd: "no argument after keyword").
    NoArgument(String),
    /// An unmatched quote in the keyword.
    BadQuotes,
}

/// Splits off the keyword as servconf.c does: trailing whitespace and form feeds are cut,
/// leading whitespace is skipped, a keyword starting with `#` is a comment.
pub(crate) fn line(raw: &str) -> Line<'_> {
    let line = raw.trim_end_matches([' ', '\t', '\r', '\n', '\x0c']);
    let Some((mut keyword, mut rest)) = strdelim(line) else {
        return Line::BadQuotes;
    };
    if keyword.is_empty() {
        let Some(r) = rest else { return Line::Skip };
        let Some((k, r2)) = strdelim(r) else {
            return Line::BadQuotes;
        };
        keyword = k;
        rest = r2;
    }
    if keyword.is_empty() || keyword.starts_with('#') {
        return Line::Skip;
    }
    match rest {
        Some(r) if !r.is_empty() => Line::Keyword(keyword, r),
        _ => Line::NoArgument(keyword),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(mut s: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let Some((t, rest)) = strdelim(s) else {
                out.push("<NULL>".into());
                return out;
            };
            if t.is_empty() {
                return out;
            }
            out.push(t);
            match rest {
                Some(r) => s = r,
                None => return out,
            }
        }
    }

    #[test]
    fn strdelim_splits_like_openssh() {
        assert_eq!(toks("User=backup"), ["User", "backup"]);
        assert_eq!(
            toks("User = backup  Host  *"),
            ["User", "backup", "Host", "*"]
        );
        assert_eq!(toks("User =backup"), ["User", "backup"]);
        assert_eq!(toks("User= backup"), ["User", "backup"]);
        // Only one `=` is a separator: the second starts an empty token.
        assert_eq!(toks("User==backup"), ["User"]);
        assert_eq!(toks("User \"a b\" x"), ["User", "a b", "x"]);
        assert_eq!(toks("User \"open"), ["User", "<NULL>"]);
    }

    #[test]
    fn argv_split_escapes_and_comments() {
        assert_eq!(
            argv_split(r#"/etc/a#b "/x y" \%u\ z 'q"q' # c"#).unwrap(),
            ["/etc/a#b", "/x y", r"\%u z", "q\"q"]
        );
        assert_eq!(argv_split(r#""unterminated"#), None);
        assert_eq!(argv_split("  \t ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn keyword_forms() {
        assert_eq!(
            line("LogLevel=quiet"),
            Line::Keyword("LogLevel".into(), "quiet")
        );
        assert_eq!(
            line("  LogLevel = quiet \x0c"),
            Line::Keyword("LogLevel".into(), "quiet")
        );
        assert_eq!(
            line("\"LogLevel\" quiet"),
            Line::Keyword("LogLevel".into(), "quiet")
        );
        assert_eq!(line("  # c"), Line::Skip);
        assert_eq!(line("#LogLevel quiet"), Line::Skip);
        assert_eq!(line(""), Line::Skip);
        assert_eq!(line("LogLevel"), Line::NoArgument("LogLevel".into()));
        assert_eq!(line("LogLevel   "), Line::NoArgument("LogLevel".into()));
    }
}
