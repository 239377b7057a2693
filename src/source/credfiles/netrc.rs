//! `~/.netrc` / `_netrc` (ftp(1), curl, Python `netrc`): whitespace-separated tokens,
//! `machine <host>` or `default` starting an entry, then `login`/`user`, `password`/`passwd`,
//! `account`, `port` each followed by a value; entries may span lines or share one.
//! `macdef <name>` defines a macro whose body runs until a blank line. A `#` where a keyword is
//! expected comments out the rest of the line (Python, curl). Values may be double-quoted with
//! backslash escapes (curl 7.84+).
//!
//! One credential per entry with a password (evidence: the password's line), owned by its login.

use super::{emit, split_pair, CredFile, Found, Secret};
use crate::diag::Diagnostic;
use crate::source::secret_id::FileSecrets;
use crate::source::Output;
use std::borrow::Cow;

/// Keywords that take a value inside an entry.
const PAIR_KEYWORDS: [&str; 6] = ["login", "user", "password", "passwd", "account", "port"];

struct Token<'a> {
    text: Cow<'a, str>,
    line: u32,
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn peek_byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_blanks(&mut self) {
        while let Some(b) = self.peek_byte() {
            if !b.is_ascii_whitespace() {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    /// The next token; a quoted token ends at its closing quote (or the end of the line).
    fn next(&mut self) -> Option<Token<'a>> {
        self.skip_blanks();
        let start = self.pos;
        let line = self.line;
        let first = self.peek_byte()?;
        if first == b'"' {
            self.pos += 1;
            let mut value = String::new();
            let mut chars = self.text.get(self.pos..)?.char_indices();
            let mut end = self.text.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = self.pos + i + 1;
                        break;
                    }
                    '\n' => {
                        end = self.pos + i;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, 'r')) => value.push('\r'),
                        Some((_, 't')) => value.push('\t'),
                        Some((_, c)) => value.push(c),
                        None => {}
                    },
                    c => value.push(c),
                }
            }
            self.pos = end;
            return Some(Token {
                text: Cow::Owned(value),
                line,
            });
        }
        while let Some(b) = self.peek_byte() {
            if b.is_ascii_whitespace() {
                break;
            }
            self.pos += 1;
        }
        Some(Token {
            text: Cow::Borrowed(self.text.get(start..self.pos).unwrap_or("")),
            line,
        })
    }

    /// Skips to the start of the next line.
    fn skip_line(&mut self) {
        match self.text.get(self.pos..).and_then(|r| r.find('\n')) {
            Some(i) => {
                self.pos += i + 1;
                self.line += 1;
            }
            None => self.pos = self.text.len(),
        }
    }

    /// Skips a macro body: the rest of the `macdef` line, then lines up to a blank one.
    fn skip_macro(&mut self) {
        self.skip_line();
        while self.pos < self.text.len() {
            let rest = self.text.get(self.pos..).unwrap_or("");
            let line = rest.split('\n').next().unwrap_or("");
            self.skip_line();
            if line.trim_end_matches('\r').is_empty() {
                break;
            }
        }
    }
}

/// Named like a netrc and starting with `machine`/`default`/`macdef`; or, whatever the name,
/// starting with `machine <host>` whose first entry is only keyword-value pairs and has a
/// password.
pub(super) fn sniff(head: &str, name: &str) -> bool {
    let named = matches!(name, ".netrc" | "_netrc" | "netrc") || name.ends_with(".netrc");
    if !named && !head.contains("machine") {
        return false;
    }
    let mut lx = Lexer::new(head);
    let first = loop {
        match lx.next() {
            Some(t) if t.text.starts_with('#') => lx.skip_line(),
            Some(t) => break t,
            None => return false,
        }
    };
    if named {
        return matches!(first.text.as_ref(), "machine" | "default" | "macdef");
    }
    if first.text != "machine" {
        return false;
    }
    let host_like = lx.next().is_some_and(|h| {
        !h.text.is_empty()
            && h.text.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']')
            })
    });
    if !host_like {
        return false;
    }
    let mut password = false;
    while let Some(k) = lx.next() {
        match k.text.as_ref() {
            "machine" | "default" | "macdef" => break,
            kw if PAIR_KEYWORDS.contains(&kw) => {
                if lx.next().is_none() {
                    break;
                }
                password |= matches!(kw, "password" | "passwd");
            }
            _ => return false,
        }
    }
    password
}

#[derive(Default)]
struct Entry<'a> {
    host: Option<Cow<'a, str>>,
    login: Option<Token<'a>>,
    password: Option<Token<'a>>,
}

pub(super) fn parse(path: &str, text: &str, namer: &mut FileSecrets<'_>) -> Output {
    let mut out = Output::default();
    let mut lx = Lexer::new(text);
    let mut entry: Option<Entry<'_>> = None;
    while let Some(t) = lx.next() {
        match t.text.as_ref() {
            "machine" => {
                finish(&mut out, namer, path, entry.take());
                match lx.next() {
                    Some(host) => {
                        entry = Some(Entry {
                            host: Some(host.text),
                            ..Entry::default()
                        })
                    }
                    None => out.diag(Diagnostic::malformed(
                        path,
                        t.line,
                        "`machine` without a host name at the end of the file",
                    )),
                }
            }
            "default" => {
                finish(&mut out, namer, path, entry.take());
                entry = Some(Entry {
                    host: Some(Cow::Borrowed("default")),
                    ..Entry::default()
                });
            }
            "macdef" => {
                finish(&mut out, namer, path, entry.take());
                lx.skip_macro();
            }
            kw if PAIR_KEYWORDS.contains(&kw) => {
                let Some(value) = lx.next() else {
                    out.diag(Diagnostic::malformed(
                        path,
                        t.line,
                        format!("`{kw}` without a value at the end of the file"),
                    ));
                    break;
                };
                let Some(e) = entry.as_mut() else {
                    out.diag(Diagnostic::malformed(
                        path,
                        t.line,
                        format!("`{kw}` before any `machine` or `default`; ignored"),
                    ));
                    continue;
                };
                match kw {
                    "login" | "user" => e.login = Some(value),
                    "password" | "passwd" => e.password = Some(value),
                    _ => {}
                }
            }
            // The lexer stops right after the `#` word, on the comment's line.
            comment if comment.starts_with('#') => lx.skip_line(),
            _ => out.diag(Diagnostic::malformed(
                path,
                t.line,
                "unexpected word where a netrc keyword (machine, default, login, password, account, macdef) was expected; skipped",
            )),
        }
    }
    finish(&mut out, namer, path, entry);
    out
}

fn finish(out: &mut Output, namer: &mut FileSecrets<'_>, path: &str, entry: Option<Entry<'_>>) {
    let Some(e) = entry else {
        return;
    };
    let login = e.login.as_ref().map(|t| t.text.as_ref());
    let password = e.password.as_ref().map(|t| t.text.as_ref());
    let (user, secret, line) = match split_pair(login, password) {
        Secret::Password { user, secret } => {
            (user, secret, e.password.as_ref().map_or(0, |t| t.line))
        }
        Secret::UserToken(token) => (None, token, e.login.as_ref().map_or(0, |t| t.line)),
        Secret::None => return,
    };
    emit(
        out,
        namer,
        path,
        Found {
            file: CredFile::Netrc,
            line,
            secret,
            user,
            host: e.host.as_deref(),
            what: "password",
        },
    );
}
