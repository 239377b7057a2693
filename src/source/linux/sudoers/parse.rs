//! The sudoers grammar of sudoers(5) 1.9.13, one logical line at a time: alias definitions,
//! `Defaults` entries (with their `:user`, `@host`, `!cmnd` and `>runas` bindings) and user
//! specifications, with sudo's tokenisation (whitespace separates nothing but commands from their
//! arguments; `\` escapes; `"…"` quotes names; tags and Runas carry over along a command list).
//!
//! A line that does not follow the grammar is a `SyntaxError`: sudo (1.9.3 and later, unless
//! `error_recovery=false`) discards that whole entry and goes on with the next line, except that
//! the alias definitions completed before the error on an alias line stay defined. The error
//! kinds and their positions follow what `visudo -c` and sudo print for the same input.

/// A list member with its negation (`!` may be repeated: `!!x` is `x`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Member<T> {
    pub neg: bool,
    pub item: T,
}

/// The alias an item of a user, host or command list names, if it names one.
pub(super) trait AliasName {
    fn alias_name(&self) -> Option<&str>;
}

impl AliasName for UserItem {
    fn alias_name(&self) -> Option<&str> {
        match self {
            UserItem::Alias(n) => Some(n),
            _ => None,
        }
    }
}

impl AliasName for HostItem {
    fn alias_name(&self) -> Option<&str> {
        match self {
            HostItem::Alias(n) => Some(n),
            _ => None,
        }
    }
}

impl AliasName for CmndItem {
    fn alias_name(&self) -> Option<&str> {
        match self {
            CmndItem::Alias(n) => Some(n),
            _ => None,
        }
    }
}

/// A member of a User_List or Runas_List.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum UserItem {
    All,
    Alias(String),
    Name(String),
    Uid(i64),
    Group(String),
    Gid(i64),
    /// `%:group`, `%:#gid`: a group only a group plugin can resolve.
    NonUnixGroup(String),
    Netgroup(String),
}

/// A member of a Host_List.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum HostItem {
    All,
    Alias(String),
    Netgroup(String),
    /// An address or network: `192.0.2.1`, `192.0.2.0/24`, `192.0.2.0/255.255.255.0`, IPv6.
    Network(String),
    /// A host name, possibly a glob (`web*`, `*.example.com`).
    Name(String),
}

/// A member of a Cmnd_List.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum CmndItem {
    All,
    Alias(String),
    /// A path (file, glob or directory ending in `/`), `sudoedit` or `list`; `args` is `None`
    /// when any arguments are allowed and `Some("")` for `""` (none allowed).
    Command {
        path: String,
        args: Option<String>,
    },
}

/// `(users:groups)`; `None` lists mean the part was absent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(super) struct Runas {
    pub users: Option<Vec<Member<UserItem>>>,
    pub groups: Option<Vec<Member<UserItem>>>,
}

/// One command of a Cmnd_Spec_List, with the Runas_Spec and tags in force for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct CmndSpec {
    /// `None`: no Runas_Spec so far in this list (runs as `runas_default`).
    pub runas: Option<Runas>,
    /// `Some(true)` after `NOPASSWD:`, `Some(false)` after `PASSWD:`.
    pub nopasswd: Option<bool>,
    pub cmnd: Member<CmndItem>,
}

/// `Host_List = Cmnd_Spec_List`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Privilege {
    pub hosts: Vec<Member<HostItem>>,
    /// The Host_List as written.
    pub hosts_text: String,
    pub cmnds: Vec<CmndSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum AliasKind {
    User,
    Runas,
    Host,
    Cmnd,
}

impl AliasKind {
    pub fn name(self) -> &'static str {
        match self {
            AliasKind::User => "User_Alias",
            AliasKind::Runas => "Runas_Alias",
            AliasKind::Host => "Host_Alias",
            AliasKind::Cmnd => "Cmnd_Alias",
        }
    }
}

/// The members of an alias, by kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum AliasBody {
    Users(Vec<Member<UserItem>>),
    Hosts(Vec<Member<HostItem>>),
    Cmnds(Vec<Member<CmndItem>>),
}

/// What a `Defaults` entry is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Binding {
    Global,
    User(Vec<Member<UserItem>>),
    Host(Vec<Member<HostItem>>),
    Cmnd(Vec<Member<CmndItem>>),
    Runas(Vec<Member<UserItem>>),
}

/// One parameter of a `Defaults` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Param {
    pub name: String,
    /// `!name`.
    pub neg: bool,
    /// `=value` (also `+=`/`-=`), unquoted.
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Entry {
    /// Alias definitions, in order.
    Alias(AliasKind, Vec<(String, AliasBody)>),
    Defaults {
        binding: Binding,
        /// The binding as written (`Defaults:OPS`), for scopes.
        binding_text: String,
        params: Vec<Param>,
    },
    Spec {
        users: Vec<Member<UserItem>>,
        privileges: Vec<Privilege>,
    },
}

/// Why a line is not sudoers, and the 1-based column sudo reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub column: usize,
    pub message: String,
}

/// A parsed line, or the error and what was completed before it (alias definitions only).
pub(super) type Parsed = Result<Entry, (SyntaxError, Option<Entry>)>;

/// Tags that end in `:` before a command.
pub(super) const TAGS: &[&str] = &[
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
];

/// Command options (`NAME=value`) that may precede the tags.
const CMND_OPTIONS: &[&str] = &[
    "CWD",
    "CHROOT",
    "ROLE",
    "TYPE",
    "TIMEOUT",
    "NOTBEFORE",
    "NOTAFTER",
    "APPARMOR_PROFILE",
    "PRIVS",
    "LIMITPRIVS",
];

const DIGESTS: &[&str] = &["sha224", "sha256", "sha384", "sha512"];

/// Whether `s` is an alias name: `[A-Z][A-Z0-9_]*`, not `ALL`.
pub(super) fn is_alias_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && s != "ALL"
}

/// Parses one logical line (continuations joined, comment removed, not blank).
pub(super) fn line(text: &str) -> Parsed {
    let mut p = P {
        s: text.chars().collect(),
        i: 0,
    };
    p.ws();
    let word = p.peek_word();
    let kind = match word.as_str() {
        "User_Alias" => Some(AliasKind::User),
        "Runas_Alias" => Some(AliasKind::Runas),
        "Host_Alias" => Some(AliasKind::Host),
        "Cmnd_Alias" | "Cmd_Alias" => Some(AliasKind::Cmnd),
        _ => None,
    };
    if let Some(kind) = kind {
        p.i += word.chars().count();
        return p.aliases(kind);
    }
    if word == "Defaults" {
        let after = p.s.get(p.i + 8).copied();
        if after.is_none_or(|c| c.is_whitespace() || ":@!>".contains(c)) {
            p.i += 8;
            return p.defaults().map_err(|e| (e, None));
        }
    }
    p.spec().map_err(|e| (e, None))
}

struct P {
    s: Vec<char>,
    i: usize,
}

type R<T> = Result<T, SyntaxError>;

/// Characters that end a name outside quotes.
fn is_special(c: char) -> bool {
    c.is_whitespace() || ",:=()!\"".contains(c)
}

impl P {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.ws();
        self.i >= self.s.len()
    }

    fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(SyntaxError {
            column: self.i + 1,
            message: message.into(),
        })
    }

    fn syntax<T>(&self) -> R<T> {
        self.err("syntax error")
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// The run of `[A-Za-z0-9_]` at the cursor (not consumed).
    fn peek_word(&self) -> String {
        self.s
            .get(self.i..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect()
    }

    /// Negations before a member: (negated, count > 0).
    fn nots(&mut self) -> bool {
        let mut neg = false;
        loop {
            self.ws();
            if self.peek() == Some('!') {
                neg = !neg;
                self.i += 1;
            } else {
                return neg;
            }
        }
    }

    /// A name: unquoted characters up to a special one (honouring `\` escapes), or a quoted
    /// string. `extra_stop` adds stop characters. Returns (text, quoted).
    fn name(&mut self, allow_colon: bool) -> R<(String, bool)> {
        self.ws();
        let start = self.i;
        if self.peek() == Some('"') {
            self.i += 1;
            let mut s = String::new();
            loop {
                match self.peek() {
                    None => return self.err("unterminated string"),
                    Some('"') => {
                        self.i += 1;
                        break;
                    }
                    Some('\\') => {
                        self.i += 1;
                        match self.peek() {
                            Some(c) => {
                                s.push(c);
                                self.i += 1;
                            }
                            None => return self.err("unterminated string"),
                        }
                    }
                    Some(c) => {
                        s.push(c);
                        self.i += 1;
                    }
                }
            }
            if s.is_empty() {
                self.i = start + 1;
                return self.err("empty string");
            }
            return Ok((s, true));
        }
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                match self.s.get(self.i + 1) {
                    Some(&n) if n != '\n' => {
                        s.push(n);
                        self.i += 2;
                        continue;
                    }
                    _ => break,
                }
            }
            if c == ':' && allow_colon {
                s.push(c);
                self.i += 1;
                continue;
            }
            if is_special(c) {
                break;
            }
            s.push(c);
            self.i += 1;
        }
        if s.is_empty() {
            return self.syntax();
        }
        Ok((s, false))
    }

    fn user_item(&mut self) -> R<Member<UserItem>> {
        let neg = self.nots();
        self.ws();
        let start = self.i;
        // `%:group` keeps its colon.
        let prefix_colon = self.s.get(self.i..self.i + 2) == Some(&['%', ':']);
        if prefix_colon {
            self.i += 2;
        }
        let (name, quoted) = self.name(false)?;
        let item = if prefix_colon {
            let n = name;
            UserItem::NonUnixGroup(n.strip_prefix('#').map(str::to_string).unwrap_or(n))
        } else if quoted {
            UserItem::Name(name)
        } else if name == "ALL" {
            UserItem::All
        } else if is_alias_name(&name) {
            UserItem::Alias(name)
        } else if let Some(g) = name.strip_prefix('%') {
            match g.strip_prefix('#').map(str::parse::<i64>) {
                Some(Ok(gid)) => UserItem::Gid(gid),
                Some(Err(_)) => {
                    self.i = start;
                    return self.syntax();
                }
                None if g.is_empty() => {
                    self.i = start;
                    return self.syntax();
                }
                None => UserItem::Group(g.to_string()),
            }
        } else if let Some(id) = name.strip_prefix('#') {
            match id.parse::<i64>() {
                Ok(uid) => UserItem::Uid(uid),
                Err(_) => {
                    self.i = start;
                    return self.syntax();
                }
            }
        } else if let Some(ng) = name.strip_prefix('+') {
            UserItem::Netgroup(ng.to_string())
        } else {
            UserItem::Name(name)
        };
        Ok(Member { neg, item })
    }

    fn host_item(&mut self) -> R<Member<HostItem>> {
        let neg = self.nots();
        self.ws();
        let (name, quoted) = self.name(true)?;
        let item = if quoted {
            HostItem::Name(name)
        } else if name == "ALL" {
            HostItem::All
        } else if is_alias_name(&name) {
            HostItem::Alias(name)
        } else if let Some(ng) = name.strip_prefix('+') {
            HostItem::Netgroup(ng.to_string())
        } else if super::eval::parse_network(&name).is_some() {
            HostItem::Network(name)
        } else if name.contains(':') {
            return self.syntax();
        } else {
            HostItem::Name(name)
        };
        Ok(Member { neg, item })
    }

    /// `item (, item)*`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        let mut v = vec![item(self)?];
        while self.eat(',') {
            v.push(item(self)?);
        }
        Ok(v)
    }

    fn aliases(&mut self, kind: AliasKind) -> Parsed {
        let mut defs: Vec<(String, AliasBody)> = Vec::new();
        let partial = |defs: &Vec<(String, AliasBody)>| {
            (!defs.is_empty()).then(|| Entry::Alias(kind, defs.clone()))
        };
        loop {
            self.ws();
            let name = self.peek_word();
            if name.is_empty() || !is_alias_name(&name) {
                return Err((self.syntax::<()>().unwrap_err(), partial(&defs)));
            }
            self.i += name.chars().count();
            if !self.eat('=') {
                return Err((self.syntax::<()>().unwrap_err(), partial(&defs)));
            }
            let body = match kind {
                AliasKind::User | AliasKind::Runas => {
                    self.list(Self::user_item).map(AliasBody::Users)
                }
                AliasKind::Host => self.list(Self::host_item).map(AliasBody::Hosts),
                AliasKind::Cmnd => self.list(|p| p.cmnd_item(false)).map(AliasBody::Cmnds),
            };
            let body = body.map_err(|e| (e, partial(&defs)))?;
            if defs.iter().any(|(n, _)| *n == name) {
                let e = SyntaxError {
                    column: self.i + 1,
                    message: format!("alias \"{name}\" already defined"),
                };
                return Err((e, partial(&defs)));
            }
            defs.push((name, body));
            if self.at_end() {
                return Ok(Entry::Alias(kind, defs));
            }
            if !self.eat(':') {
                return Err((self.syntax::<()>().unwrap_err(), partial(&defs)));
            }
        }
    }

    fn defaults(&mut self) -> R<Entry> {
        let start = self.i;
        let binding = match self.peek() {
            Some(':') => {
                self.i += 1;
                Binding::User(self.list(Self::user_item)?)
            }
            Some('@') => {
                self.i += 1;
                Binding::Host(self.list(Self::host_item)?)
            }
            Some('!') => {
                self.i += 1;
                Binding::Cmnd(self.list(|p| p.cmnd_item(false))?)
            }
            Some('>') => {
                self.i += 1;
                Binding::Runas(self.list(Self::user_item)?)
            }
            _ => Binding::Global,
        };
        let binding_text: String = format!(
            "Defaults{}",
            self.s
                .get(start..self.i)
                .unwrap_or(&[])
                .iter()
                .collect::<String>()
                .trim_end()
        );
        let params = self.list(Self::param)?;
        if !self.at_end() {
            return self.syntax();
        }
        Ok(Entry::Defaults {
            binding,
            binding_text,
            params,
        })
    }

    fn param(&mut self) -> R<Param> {
        let neg = self.nots();
        self.ws();
        let name = self.peek_word();
        if name.is_empty() {
            return self.syntax();
        }
        self.i += name.chars().count();
        self.ws();
        let op = match (self.peek(), self.s.get(self.i + 1)) {
            (Some('='), _) => 1,
            (Some('+' | '-'), Some('=')) => 2,
            _ => 0,
        };
        if op == 0 {
            return Ok(Param {
                name,
                neg,
                value: None,
            });
        }
        if neg {
            return self.syntax();
        }
        self.i += op;
        self.ws();
        let value = if self.peek() == Some('"') {
            self.name(true)?.0
        } else {
            let mut s = String::new();
            while let Some(c) = self.peek() {
                if c == '\\' {
                    if let Some(&n) = self.s.get(self.i + 1) {
                        s.push(n);
                        self.i += 2;
                        continue;
                    }
                }
                if c.is_whitespace() || c == ',' || c == '"' {
                    break;
                }
                s.push(c);
                self.i += 1;
            }
            if s.is_empty() {
                return self.syntax();
            }
            s
        };
        Ok(Param {
            name,
            neg,
            value: Some(value),
        })
    }

    fn spec(&mut self) -> R<Entry> {
        let users = self.list(Self::user_item)?;
        let mut privileges = Vec::new();
        loop {
            self.ws();
            let hosts_start = self.i;
            let hosts = self.list(Self::host_item)?;
            let hosts_text: String = self
                .s
                .get(hosts_start..self.i)
                .unwrap_or(&[])
                .iter()
                .collect::<String>()
                .trim()
                .to_string();
            if !self.eat('=') {
                return self.syntax();
            }
            let mut cmnds: Vec<CmndSpec> = Vec::new();
            loop {
                let (runas, nopasswd) = match cmnds.last() {
                    Some(prev) => (prev.runas.clone(), prev.nopasswd),
                    None => (None, None),
                };
                cmnds.push(self.cmnd_spec(runas, nopasswd)?);
                if !self.eat(',') {
                    break;
                }
            }
            privileges.push(Privilege {
                hosts,
                hosts_text,
                cmnds,
            });
            if self.at_end() {
                return Ok(Entry::Spec { users, privileges });
            }
            if !self.eat(':') {
                return self.syntax();
            }
        }
    }

    fn cmnd_spec(&mut self, runas: Option<Runas>, nopasswd: Option<bool>) -> R<CmndSpec> {
        let mut runas = runas;
        let mut nopasswd = nopasswd;
        if self.eat('(') {
            let mut r = Runas::default();
            self.ws();
            if !matches!(self.peek(), Some(':' | ')')) {
                r.users = Some(self.list(Self::user_item)?);
            }
            if self.eat(':') {
                self.ws();
                // `(:)` is allowed, `(root:)` is not.
                if self.peek() != Some(')') || r.users.is_some() {
                    r.groups = Some(self.list(Self::user_item)?);
                }
            }
            if !self.eat(')') {
                return self.syntax();
            }
            runas = Some(r);
        }
        // Options (`CWD=/tmp`), then tags (`NOPASSWD:`).
        loop {
            self.ws();
            let word = self.peek_word();
            let after = self.i + word.chars().count();
            if CMND_OPTIONS.contains(&word.as_str()) && self.s.get(after) == Some(&'=') {
                self.i = after + 1;
                self.name(true)?;
                continue;
            }
            break;
        }
        loop {
            self.ws();
            let word = self.peek_word();
            if !TAGS.contains(&word.as_str()) {
                break;
            }
            let save = self.i;
            self.i += word.chars().count();
            if !self.eat(':') {
                self.i = save;
                break;
            }
            match word.as_str() {
                "NOPASSWD" => nopasswd = Some(true),
                "PASSWD" => nopasswd = Some(false),
                _ => {}
            }
        }
        let cmnd = self.cmnd_item(true)?;
        Ok(CmndSpec {
            runas,
            nopasswd,
            cmnd,
        })
    }

    /// `[digests] !* (ALL | ALIAS | path [args] | sudoedit args | list)`.
    fn cmnd_item(&mut self, digests_allowed: bool) -> R<Member<CmndItem>> {
        let _ = digests_allowed;
        // Digests: `sha256:… [, sha512:…]`.
        loop {
            self.ws();
            let word = self.peek_word();
            let after = self.i + word.chars().count();
            if DIGESTS.contains(&word.as_str()) && self.s.get(after) == Some(&':') {
                self.i = after + 1;
                let mut n = 0;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
                {
                    self.i += 1;
                    n += 1;
                }
                if n == 0 {
                    return self.syntax();
                }
                // Another digest may follow after a comma.
                let save = self.i;
                if self.eat(',') {
                    self.ws();
                    let next = self.peek_word();
                    let after = self.i + next.chars().count();
                    if DIGESTS.contains(&next.as_str()) && self.s.get(after) == Some(&':') {
                        continue;
                    }
                }
                self.i = save;
                continue;
            }
            break;
        }
        let neg = self.nots();
        self.ws();
        let start = self.i;
        match self.peek() {
            Some('/') => {}
            Some('"') | None => return self.syntax(),
            _ => {
                let (word, _) = self.name(false)?;
                let item = if word == "ALL" {
                    CmndItem::All
                } else if is_alias_name(&word) {
                    CmndItem::Alias(word)
                } else if word == "sudoedit" || word == "list" {
                    let args = self.args();
                    if word == "list" && args.is_some() {
                        return self.syntax();
                    }
                    CmndItem::Command { path: word, args }
                } else {
                    self.i = start;
                    return self.err("expected a fully-qualified path name");
                };
                return Ok(Member { neg, item });
            }
        }
        let mut path = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                if let Some(&n) = self.s.get(self.i + 1) {
                    // Glob escapes stay for matching; separators are unescaped.
                    if !",:= \t#\\".contains(n) {
                        path.push('\\');
                    }
                    path.push(n);
                    self.i += 2;
                    continue;
                }
            }
            if c.is_whitespace() || c == ',' || c == ':' || c == '=' {
                break;
            }
            path.push(c);
            self.i += 1;
        }
        let args = self.args();
        Ok(Member {
            neg,
            item: CmndItem::Command { path, args },
        })
    }

    /// Command arguments: up to an unescaped `,` or `:`; whitespace runs become one space.
    fn args(&mut self) -> Option<String> {
        let save = self.i;
        self.ws();
        if self.peek().is_none_or(|c| c == ',' || c == ':') {
            self.i = save;
            return None;
        }
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                if let Some(&n) = self.s.get(self.i + 1) {
                    if !",:= \t#\\".contains(n) {
                        s.push('\\');
                    }
                    s.push(n);
                    self.i += 2;
                    continue;
                }
            }
            if c == ',' || c == ':' {
                break;
            }
            if c.is_whitespace() {
                if !s.ends_with(' ') {
                    s.push(' ');
                }
            } else {
                s.push(c);
            }
            self.i += 1;
        }
        let s = s.trim_end().to_string();
        Some(if s == "\"\"" { String::new() } else { s })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Entry {
        line(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    fn bad(s: &str) -> usize {
        match line(s) {
            Ok(e) => panic!("{s} parsed: {e:?}"),
            Err((e, _)) => e.column,
        }
    }

    // Each column below is the one `visudo -c` (sudo 1.9.13p3) printed for the same line.
    #[test]
    fn syntax_errors_at_visudo_columns() {
        assert_eq!(bad("bob ALL"), 8);
        assert_eq!(bad("bob ALL=(root ALL"), 15);
        assert_eq!(bad("User_Alias foo = bob"), 12);
        assert_eq!(bad("bob ALL=bash"), 9);
        assert_eq!(bad("Defaults !authenticate=1"), 23);
        assert_eq!(bad("bob ALL=(ALL)"), 14);
        assert_eq!(bad("bob ALL = ALL, "), 16);
        assert_eq!(bad("\"\" ALL = ALL"), 2);
        assert_eq!(bad("bob ALL = (root:) ALL"), 17);
        assert_eq!(bad("Defaults env_keep += A B"), 24);
    }

    // Each of these `visudo -c` (sudo 1.9.13p3) reported "parsed OK".
    #[test]
    fn valid_lines() {
        for s in [
            "bob ALL = /bin/echo a=b",
            "Defaults timestamp_timeout = 5",
            "Defaults:alice, bob !syslog",
            "Defaults: alice !syslog",
            "alice , bob ALL = ALL",
            "alice bob = ALL",
            "bob ALL = (root) NOPASSWD:ALL",
            "bob ALL=NOPASSWD : ALL",
            "\"bob\" ALL = ALL",
            "b\\\"ob ALL = ALL",
            "\"b\\\"ob\" ALL = ALL",
            "b\\ ob ALL = ALL",
            "bob ALL = sudoedit",
            "bob ALL = list",
            "bob ALL = /usr/bin/",
            "bob 192.0.2.0/24, ::1, fe80::/10 = ALL",
            "bob ALL = ! ALL",
            "bob ALL = !!/bin/ls",
            "bob,ALL ALL = ALL",
            "bob ALL = ALL : ALL = ALL",
            "bob ALL = /bin/ls \"\" ",
            "bob ALL = (:) ALL",
            "bob ALL = () ALL",
        ] {
            ok(s);
        }
    }

    #[test]
    fn escaped_quote_keeps_the_user_host_split() {
        let Entry::Spec { users, privileges } = ok("b\\\"ob web01 = ALL") else {
            panic!()
        };
        assert_eq!(users[0].item, UserItem::Name("b\"ob".into()));
        assert_eq!(privileges[0].hosts_text, "web01");
        let Entry::Spec { users, .. } = ok("\"x y\\\"z\",%wheel ALL = ALL") else {
            panic!()
        };
        assert_eq!(users[0].item, UserItem::Name("x y\"z".into()));
        assert_eq!(users[1].item, UserItem::Group("wheel".into()));
    }

    #[test]
    fn runas_and_tags_carry_over() {
        let Entry::Spec { privileges, .. } =
            ok("bob ALL = (root) NOPASSWD: /bin/a, /bin/b arg\\,x, PASSWD: /bin/c : db = ALL")
        else {
            panic!()
        };
        let c = &privileges[0].cmnds;
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].nopasswd, Some(true));
        assert!(c[1].runas.is_some());
        assert_eq!(
            c[1].cmnd.item,
            CmndItem::Command {
                path: "/bin/b".into(),
                args: Some("arg,x".into())
            }
        );
        assert_eq!(c[2].nopasswd, Some(false));
        assert_eq!(privileges[1].hosts_text, "db");
    }

    #[test]
    fn alias_line_keeps_definitions_before_the_error() {
        let Err((e, Some(Entry::Alias(AliasKind::User, defs)))) =
            line("User_Alias A = bob : b = alice")
        else {
            panic!()
        };
        assert_eq!(e.column, 22);
        assert_eq!(defs.len(), 1);
    }
}
