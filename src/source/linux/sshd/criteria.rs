//! `Match` criteria as OpenSSH 9.2 parses and evaluates them (servconf.c `match_cfg_line`,
//! match.c `match_pattern_list`, groupaccess.c `ga_match_pattern_list`, addrmatch.c
//! `addr_match_list`).
//!
//! Owns the criteria of one `Match` line and their evaluation against a connection whose
//! attributes may be known, absent (as with `sshd -T -C` when the attribute is not given: the
//! criterion fails) or unknown (an offline scan does not know the client's address: the
//! result is `Maybe`). It does not know which block a directive belongs to.

use super::lexer::strdelim;
use std::net::IpAddr;

/// Three-valued truth: `Maybe` when the result depends on what the collection cannot show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tri {
    No,
    Maybe,
    Yes,
}

impl Tri {
    pub(crate) fn and(self, other: Tri) -> Tri {
        self.min(other)
    }
}

/// A connection attribute for `Match`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr<'a> {
    /// Known value.
    Is(&'a str),
    /// Not given (`sshd -T -C` without it): criteria on it fail.
    Absent,
    /// Not known offline: criteria on it are `Maybe`.
    Unknown,
}

/// The group memberships of the connecting user, for `Match Group`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Groups {
    /// The user exists; its group names (primary and supplementary).
    Known(Vec<String>),
    /// `getpwnam` fails: sshd logs "user does not exist" and the criterion fails.
    NoSuchUser,
    /// The user may exist outside the collected files (a directory account).
    Unknown,
}

/// The connection `Match` is evaluated against (`sshd -T -C user=,host=,addr=,laddr=,lport=,rdomain=`).
#[derive(Clone, Debug)]
pub struct Conn<'a> {
    /// `None`: any user not otherwise named (User criteria with wildcards are `Maybe`).
    pub user: Option<&'a str>,
    pub groups: Groups,
    pub host: Attr<'a>,
    pub addr: Attr<'a>,
    pub laddr: Attr<'a>,
    pub lport: Attr<'a>,
    pub rdomain: Attr<'a>,
}

/// One criterion of a `Match` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Criterion {
    All,
    /// (lower-case attribute name, the name as written, pattern list)
    Attr(Kind, String, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
    Host,
    Address,
    LocalAddress,
    LocalPort,
    RDomain,
}

impl Criterion {
    /// As written, for messages and scopes (`User backup`).
    pub(crate) fn text(&self) -> String {
        match self {
            Criterion::All => "All".to_string(),
            Criterion::Attr(_, name, value) => format!("{name} {value}"),
        }
    }
}

/// Parses the criteria after `Match` as `match_cfg_line` does; `Err` is sshd's reason to
/// refuse the whole configuration ("Bad Match condition").
pub(crate) fn parse(rest: &str) -> Result<Vec<Criterion>, String> {
    let mut out = Vec::new();
    let mut cp = Some(rest);
    let mut attributes = 0;
    while let Some(c) = cp {
        let Some((attrib, after)) = strdelim(c) else {
            cp = None;
            break;
        };
        if attrib.is_empty() {
            cp = after;
            break;
        }
        cp = after;
        if attrib.starts_with('#') {
            cp = None;
            break;
        }
        attributes += 1;
        if attrib.eq_ignore_ascii_case("all") {
            let arg = cp.and_then(strdelim);
            let extra = match &arg {
                Some((a, _)) => !a.is_empty() && !a.starts_with('#'),
                None => false,
            };
            if attributes > 1 || extra {
                return Err("'all' cannot be combined with other Match attributes".into());
            }
            return Ok(vec![Criterion::All]);
        }
        let Some((arg, after)) = cp.and_then(strdelim) else {
            return Err(format!("Missing Match criteria for {attrib}"));
        };
        if arg.is_empty() || arg.starts_with('#') {
            return Err(format!("Missing Match criteria for {attrib}"));
        }
        cp = after;
        let kind = match attrib.to_ascii_lowercase().as_str() {
            "user" => Kind::User,
            "group" => Kind::Group,
            "host" => Kind::Host,
            "address" => Kind::Address,
            "localaddress" => Kind::LocalAddress,
            "localport" => Kind::LocalPort,
            "rdomain" => Kind::RDomain,
            _ => return Err(format!("Unsupported Match attribute {attrib}")),
        };
        match kind {
            Kind::Address | Kind::LocalAddress if addr_match_list(None, &arg) != 0 => {
                return Err(format!("Invalid Match {attrib} argument '{arg}'"));
            }
            Kind::LocalPort if a2port(&arg).is_none() => {
                return Err(format!("Invalid LocalPort '{arg}' on Match line"));
            }
            _ => {}
        }
        out.push(Criterion::Attr(kind, attrib, arg));
    }
    if attributes == 0 {
        return Err("One or more attributes required for Match".into());
    }
    if cp.is_some_and(|r| !r.is_empty()) {
        return Err("garbage at end of line".into());
    }
    Ok(out)
}

/// Evaluates the criteria; with `None` (sshd's first pass, no connection) only `All` holds.
/// Returns the result and, when it is `Maybe`, the criteria it depends on (as written).
pub(crate) fn eval(criteria: &[Criterion], conn: Option<&Conn<'_>>) -> (Tri, Vec<String>) {
    let mut result = Tri::Yes;
    let mut undecided = Vec::new();
    for c in criteria {
        let Criterion::Attr(kind, _, list) = c else {
            return (Tri::Yes, Vec::new());
        };
        let Some(conn) = conn else {
            return (Tri::No, Vec::new());
        };
        let r = match kind {
            Kind::User => match conn.user {
                Some(u) => yes_no(match_pattern_list(u, list, false) == 1),
                None => {
                    if could_match_unnamed(list) {
                        Tri::Maybe
                    } else {
                        Tri::No
                    }
                }
            },
            Kind::Group => match &conn.groups {
                Groups::Known(groups) => yes_no(group_match(groups, list)),
                Groups::NoSuchUser => Tri::No,
                Groups::Unknown => Tri::Maybe,
            },
            Kind::Host => attr(conn.host, |h| {
                match_pattern_list(&h.to_ascii_lowercase(), list, true) == 1
            }),
            Kind::Address => attr(conn.addr, |a| addr_match_list(Some(a), list) == 1),
            Kind::LocalAddress => attr(conn.laddr, |a| addr_match_list(Some(a), list) == 1),
            Kind::LocalPort => attr(conn.lport, |p| {
                a2port(p).is_some() && a2port(p) == a2port(list)
            }),
            Kind::RDomain => attr(conn.rdomain, |d| match_pattern_list(d, list, false) == 1),
        };
        match r {
            Tri::No => return (Tri::No, Vec::new()),
            Tri::Maybe => undecided.push(c.text()),
            Tri::Yes => {}
        }
        result = result.and(r);
    }
    (result, undecided)
}

fn yes_no(b: bool) -> Tri {
    if b {
        Tri::Yes
    } else {
        Tri::No
    }
}

fn attr(a: Attr<'_>, f: impl Fn(&str) -> bool) -> Tri {
    match a {
        Attr::Is(v) => yes_no(f(v)),
        Attr::Absent => Tri::No,
        Attr::Unknown => Tri::Maybe,
    }
}

/// Whether a User pattern list can match a user that is not named literally in it: a
/// positive wildcard entry. Literal names are evaluated as subjects of their own.
fn could_match_unnamed(list: &str) -> bool {
    list.split(',')
        .any(|p| !p.starts_with('!') && (p.contains('*') || p.contains('?')))
}

/// The literal (wildcard-free, positive) names of a User pattern list.
pub(crate) fn literal_users(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .filter(|p| !p.is_empty() && !p.starts_with('!') && !p.contains(['*', '?']))
}

/// match.c `match_pattern`: `*` and `?` wildcards.
pub(crate) fn match_pattern(s: &str, pat: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == s.get(si) => {
                si += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|r| r.iter().all(|c| *c == '*'))
}

/// match.c `match_pattern_list`: 1 on a positive match, -1 when a negated entry matches
/// (whatever else matched), 0 otherwise. Entries are not trimmed; `dolower` lower-cases the
/// patterns (the caller lower-cases the string).
pub(crate) fn match_pattern_list(s: &str, list: &str, dolower: bool) -> i32 {
    let mut positive = false;
    for entry in list.split(',') {
        let (negated, pat) = match entry.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, entry),
        };
        let pat = if dolower {
            pat.to_ascii_lowercase()
        } else {
            pat.to_string()
        };
        if pat.len() >= 1023 {
            return 0;
        }
        if match_pattern(s, &pat) {
            if negated {
                return -1;
            }
            positive = true;
        }
    }
    i32::from(positive)
}

/// groupaccess.c `ga_match_pattern_list`: a negated match on any of the user's groups wins.
fn group_match(groups: &[String], list: &str) -> bool {
    let mut found = false;
    for g in groups {
        match match_pattern_list(g, list, false) {
            -1 => return false,
            1 => found = true,
            _ => {}
        }
    }
    found
}

/// misc.c `a2port`: 0..=65535.
fn a2port(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

enum Cidr {
    Net(IpAddr, u32),
    /// Not an address: matched as a wildcard pattern.
    Pattern,
    /// An address with a bad mask or host bits set: sshd refuses the configuration.
    Bad,
}

/// addrmatch.c `addr_pton_cidr`.
fn parse_cidr(s: &str) -> Cidr {
    if s.len() >= 64 {
        return Cidr::Pattern;
    }
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => {
            if !m.starts_with(|c: char| c.is_ascii_digit())
                || !m.bytes().all(|b| b.is_ascii_digit())
            {
                return Cidr::Pattern;
            }
            match m.parse::<u32>() {
                Ok(l) if l <= 128 => (a, Some(l)),
                _ => return Cidr::Pattern,
            }
        }
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return Cidr::Pattern;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = mask.unwrap_or(max);
    if len > max {
        return Cidr::Bad;
    }
    if masked(ip, len) != ip {
        return Cidr::Bad;
    }
    Cidr::Net(ip, len)
}

fn masked(ip: IpAddr, len: u32) -> IpAddr {
    match ip {
        IpAddr::V4(v) => {
            let bits = u32::from(v);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v) => {
            let bits = u128::from(v);
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            IpAddr::V6((bits & mask).into())
        }
    }
}

/// addrmatch.c `addr_match_list`: 1 match, 0 no match, -1 negated match, -2 a bad entry.
pub(crate) fn addr_match_list(addr: Option<&str>, list: &str) -> i32 {
    let try_addr = match addr {
        Some(a) => match a.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) => return 0,
        },
        None => None,
    };
    let mut ret = 0;
    for entry in list.split(',') {
        let (neg, cp) = match entry.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, entry),
        };
        if cp.is_empty() {
            return -2;
        }
        let hit = match parse_cidr(cp) {
            Cidr::Bad => return -2,
            Cidr::Net(net, len) => {
                try_addr.is_some_and(|ip| ip.is_ipv4() == net.is_ipv4() && masked(ip, len) == net)
            }
            Cidr::Pattern => addr.is_some_and(|a| match_pattern(a, cp)),
        };
        if hit {
            if neg {
                return -1;
            }
            ret = 1;
        }
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(user: &str, groups: &[&str]) -> Conn<'static> {
        Conn {
            user: Some(Box::leak(user.to_string().into_boxed_str())),
            groups: Groups::Known(groups.iter().map(|g| g.to_string()).collect()),
            host: Attr::Is("h.example.com"),
            addr: Attr::Is("10.1.2.3"),
            laddr: Attr::Absent,
            lport: Attr::Absent,
            rdomain: Attr::Absent,
        }
    }

    #[test]
    fn criteria_forms() {
        let c = parse("User=backup").unwrap();
        assert_eq!(
            c,
            vec![Criterion::Attr(Kind::User, "User".into(), "backup".into())]
        );
        assert_eq!(parse("user = backup  Address 10.0.0.0/8").unwrap().len(), 2);
        assert_eq!(parse("All").unwrap(), vec![Criterion::All]);
        assert_eq!(parse("all # comment").unwrap(), vec![Criterion::All]);
        assert_eq!(parse("User x # comment").unwrap().len(), 1);
        assert!(parse("All User x").is_err());
        assert!(parse("User x All").is_err());
        assert!(parse("User").is_err());
        assert!(parse("Bogus x").is_err());
        assert!(parse("Address 10.0.0.1/8").is_err(), "host bits set");
        assert!(parse("Address 10.0.0.0/8,").is_err(), "empty entry");
        assert!(parse("LocalPort x").is_err());
    }

    #[test]
    fn evaluation() {
        let alice = conn("alice", &["users", "wheel"]);
        let ev = |s: &str, c: &Conn<'_>| eval(&parse(s).unwrap(), Some(c)).0;
        assert_eq!(ev("User al*", &alice), Tri::Yes);
        assert_eq!(ev("User *,!alice", &alice), Tri::No);
        assert_eq!(
            ev("User ALICE", &alice),
            Tri::No,
            "user names are case-sensitive"
        );
        assert_eq!(
            ev("Host H.EXAMPLE.*", &alice),
            Tri::Yes,
            "host names are not"
        );
        // sshd 9.2 `-C user=root` with root in group root only: `Group *,!root` fails.
        assert_eq!(ev("Group users,!wheel", &alice), Tri::No);
        assert_eq!(ev("Group users", &alice), Tri::Yes);
        assert_eq!(ev("Address 10.0.0.0/8", &alice), Tri::Yes);
        assert_eq!(ev("Address 10.1.2.*", &alice), Tri::Yes);
        assert_eq!(ev("Address 10.0.0.0/8,!10.1.2.3", &alice), Tri::No);
        assert_eq!(ev("Address ::/0", &alice), Tri::No);
        assert_eq!(ev("LocalPort 22", &alice), Tri::No, "absent in -C");
        let offline = Conn {
            addr: Attr::Unknown,
            ..alice.clone()
        };
        assert_eq!(
            eval(
                &parse("User alice Address 10.0.0.0/8").unwrap(),
                Some(&offline)
            ),
            (Tri::Maybe, vec!["Address 10.0.0.0/8".to_string()])
        );
        assert_eq!(eval(&parse("User alice").unwrap(), None).0, Tri::No);
        assert_eq!(eval(&parse("All").unwrap(), None).0, Tri::Yes);
        let other = Conn {
            user: None,
            groups: Groups::Unknown,
            ..alice
        };
        assert_eq!(ev("User alice,bob", &other), Tri::No);
        assert_eq!(ev("User svc-*", &other), Tri::Maybe);
    }

    #[test]
    fn patterns() {
        assert_eq!(match_pattern_list("backup", "back*,x", false), 1);
        assert_eq!(match_pattern_list("backup", "*,!backup", false), -1);
        assert_eq!(match_pattern_list("", "", false), 1);
        assert!(match_pattern("abc", "a?c"));
        assert!(!match_pattern("abcd", "a?c"));
        assert_eq!(literal_users("a,!b,c*,d").collect::<Vec<_>>(), ["a", "d"]);
    }
}
