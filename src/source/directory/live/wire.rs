//! The LDAP wire for the live reader: the transport (TCP, TLS through rustls, a Unix socket),
//! BER framing and the few LDAPv3 operations a scan needs (RFC 4511: bind, StartTLS, a paged
//! search, unbind), under hard limits that a hostile server cannot move.
//!
//! Owns: one deadline for the whole conversation with a directory (every socket read and write
//! waits at most until it, so a server that drips one byte a second cannot stretch it), the
//! longest wait for any one read or write (`--ldap-idle-timeout`: a server that goes quiet is
//! given up on long before the whole read's deadline), the
//! count of bytes read (`--ldap-max-bytes`), and the cap on one message, checked from its length
//! header before any buffer is allocated (`--ldap-max-message`). Malformed BER is an error, never
//! a panic. A message is read into a buffer that grows with the bytes that actually arrive, so
//! a length header that promises 4 GiB costs nothing until the bytes come, and they are counted.
//!
//! Does not own: what the entries mean, the LDIF that is saved, or the messages users read
//! (`super`). Issue 13, part 2 ("A hostile LDAP server gets unbounded memory and time").

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The limits of one directory's read.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// When the whole read (connect, bind, every page) must be over.
    pub deadline: Instant,
    /// The longest wait for one read or write (connect included), within the deadline.
    pub idle: Duration,
    /// Bytes of LDAP messages read from the server, in all.
    pub max_bytes: u64,
    /// Bytes of one LDAP message, from its length header.
    pub max_message: u64,
}

/// Why talking to the server stopped.
#[derive(Debug)]
pub enum WireError {
    /// The deadline passed (`--ldap-timeout`).
    Deadline,
    /// The server sent nothing, or took nothing, for the idle limit (`--ldap-idle-timeout`).
    Idle,
    /// The server closed the connection (or sent a Notice of Disconnection, with its text).
    Closed(Option<String>),
    /// A message announced more bytes than `--ldap-max-message` (the announced length).
    TooLarge(u64),
    /// The next message would pass `--ldap-max-bytes` (the bytes read so far).
    TooManyBytes(u64),
    /// The server sent something that is not a valid LDAP message.
    Malformed(&'static str),
    /// TLS failed (the rustls error, as text).
    Tls(String),
    /// The server refused StartTLS (its result).
    StartTls(LdapResult),
    /// The host name did not resolve.
    Resolve(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for WireError {
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind;
        if e.get_ref().is_some_and(|inner| inner.is::<IdleWait>()) {
            return WireError::Idle;
        }
        match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => WireError::Deadline,
            ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe => WireError::Closed(None),
            _ => match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                Some(tls) => WireError::Tls(tls.to_string()),
                None => WireError::Io(e),
            },
        }
    }
}

type Result<T> = std::result::Result<T, WireError>;

/// The marker of a wait that ended by the idle limit, not the deadline (an `io::Error`'s inner
/// error, so it passes through rustls unchanged).
#[derive(Debug)]
struct IdleWait;

impl std::fmt::Display for IdleWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no byte within the idle limit")
    }
}

impl std::error::Error for IdleWait {}

/// The longest wait allowed now: what remains before `deadline`, at most `idle`; and whether
/// the idle limit is the shorter (so a timeout of this wait is the idle limit's).
fn wait_limit(deadline: Instant, idle: Duration) -> std::io::Result<(Duration, bool)> {
    let left = remaining(deadline)?;
    Ok((left.min(idle), idle < left))
}

/// A wait that timed out, marked as the idle limit's when that limit bounded it (`wait_limit`);
/// otherwise it is the deadline's.
fn timed_out(e: std::io::Error, by_idle: bool) -> std::io::Error {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock if by_idle => {
            std::io::Error::new(ErrorKind::TimedOut, IdleWait)
        }
        _ => e,
    }
}

/// The time left before `deadline`, or a timeout error when none is.
fn remaining(deadline: Instant) -> std::io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(std::io::ErrorKind::TimedOut.into())
    } else {
        Ok(left)
    }
}

enum Socket {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

/// A socket whose every read and write waits at most until the deadline, and at most the idle
/// limit: the per-call timeout is the shorter of the two, set again before each call.
struct Timed {
    socket: Socket,
    deadline: Instant,
    idle: Duration,
}

impl Timed {
    /// Sets the wait of the next read or write; returns whether the idle limit bounds it.
    fn arm(&self, read: bool) -> std::io::Result<bool> {
        let (wait, by_idle) = wait_limit(self.deadline, self.idle)?;
        let left = Some(wait);
        match (&self.socket, read) {
            (Socket::Tcp(s), true) => s.set_read_timeout(left),
            (Socket::Tcp(s), false) => s.set_write_timeout(left),
            #[cfg(unix)]
            (Socket::Unix(s), true) => s.set_read_timeout(left),
            #[cfg(unix)]
            (Socket::Unix(s), false) => s.set_write_timeout(left),
        }?;
        Ok(by_idle)
    }

    fn shutdown(&self) {
        let _ = match &self.socket {
            Socket::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            #[cfg(unix)]
            Socket::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let by_idle = self.arm(true)?;
        match &mut self.socket {
            Socket::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Socket::Unix(s) => s.read(buf),
        }
        .map_err(|e| timed_out(e, by_idle))
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let by_idle = self.arm(false)?;
        match &mut self.socket {
            Socket::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Socket::Unix(s) => s.write(buf),
        }
        .map_err(|e| timed_out(e, by_idle))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Stream {
    Plain(Timed),
    Tls(Box<StreamOwned<ClientConnection, Timed>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The scope of a search (RFC 4511 4.5.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The base entry only (the root DSE).
    Base = 0,
    /// The base and everything under it.
    Subtree = 2,
}

/// Where to connect.
pub enum Endpoint<'a> {
    /// Host and port; `tls` wraps the connection in TLS at once (ldaps://).
    Tcp { host: &'a str, port: u16, tls: bool },
    /// A Unix socket path (ldapi://).
    Unix(&'a str),
}

/// Message ids and tags of RFC 4511.
mod tag {
    pub const SEQUENCE: u8 = 0x30;
    pub const INTEGER: u8 = 0x02;
    pub const OCTETS: u8 = 0x04;
    pub const BOOLEAN: u8 = 0x01;
    pub const ENUMERATED: u8 = 0x0a;
    pub const SET: u8 = 0x31;
    pub const BIND_REQUEST: u8 = 0x60;
    pub const BIND_RESPONSE: u8 = 0x61;
    pub const UNBIND_REQUEST: u8 = 0x42;
    pub const SEARCH_REQUEST: u8 = 0x63;
    pub const SEARCH_ENTRY: u8 = 0x64;
    pub const SEARCH_DONE: u8 = 0x65;
    pub const SEARCH_REFERENCE: u8 = 0x73;
    pub const EXTENDED_REQUEST: u8 = 0x77;
    pub const EXTENDED_RESPONSE: u8 = 0x78;
    pub const INTERMEDIATE: u8 = 0x79;
    pub const CONTROLS: u8 = 0xa0;
    pub const SIMPLE_AUTH: u8 = 0x80;
    pub const SASL_AUTH: u8 = 0xa3;
    pub const REFERRAL: u8 = 0xa3;
    pub const PRESENT_FILTER: u8 = 0x87;
    pub const EXTENDED_NAME: u8 = 0x80;
}

/// StartTLS (RFC 4511 4.14).
const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";
/// Simple Paged Results (RFC 2696).
pub const PAGED_OID: &str = "1.2.840.113556.1.4.319";

/// BER encoding of the requests (definite lengths, as RFC 4511 5.1 requires).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 10);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn integer(tag: u8, v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    // The shortest two's complement form.
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    tlv(tag, &bytes[start..])
}

/// One control of a request (RFC 4511 4.1.11).
#[derive(Clone, Debug)]
pub struct Control {
    pub oid: String,
    pub critical: bool,
    pub value: Option<Vec<u8>>,
}

fn encode_control(c: &Control) -> Vec<u8> {
    let mut body = tlv(tag::OCTETS, c.oid.as_bytes());
    if c.critical {
        body.extend(tlv(tag::BOOLEAN, &[0xff]));
    }
    if let Some(v) = &c.value {
        body.extend(tlv(tag::OCTETS, v));
    }
    tlv(tag::SEQUENCE, &body)
}

/// The value of a paged-results request control: SEQUENCE { size INTEGER, cookie OCTET STRING }.
pub fn paged_value(size: i32, cookie: &[u8]) -> Vec<u8> {
    let mut body = integer(tag::INTEGER, i64::from(size));
    body.extend(tlv(tag::OCTETS, cookie));
    tlv(tag::SEQUENCE, &body)
}

/// A BER reader over bytes already received; every step checks the lengths.
#[derive(Clone, Copy)]
pub struct Ber<'a>(&'a [u8]);

impl<'a> Ber<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Ber(bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next element's tag and content.
    pub fn next(&mut self) -> Result<(u8, &'a [u8])> {
        let (&t, rest) = self
            .0
            .split_first()
            .ok_or(WireError::Malformed("an element is missing"))?;
        if t & 0x1f == 0x1f {
            return Err(WireError::Malformed("a multi-byte tag"));
        }
        let (len, header) = length(rest)?.ok_or(WireError::Malformed("a truncated length"))?;
        let rest = &rest[header..];
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= rest.len())
            .ok_or(WireError::Malformed("an element longer than its container"))?;
        let (content, after) = rest.split_at(len);
        self.0 = after;
        Ok((t, content))
    }

    /// The next element, which must have tag `want`.
    pub fn expect(&mut self, want: u8, what: &'static str) -> Result<&'a [u8]> {
        match self.next() {
            Ok((t, c)) if t == want => Ok(c),
            _ => Err(WireError::Malformed(what)),
        }
    }

    /// The next element if it has tag `want`.
    pub fn optional(&mut self, want: u8) -> Result<Option<&'a [u8]>> {
        if self.0.first() == Some(&want) {
            self.next().map(|(_, c)| Some(c))
        } else {
            Ok(None)
        }
    }
}

/// A definite BER length at the start of `bytes`: `(length, header bytes)`, `None` when more
/// bytes are needed. Indefinite lengths (forbidden by RFC 4511 5.1) and lengths over 8 bytes
/// are malformed.
fn length(bytes: &[u8]) -> Result<Option<(u64, usize)>> {
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };
    if first < 0x80 {
        return Ok(Some((u64::from(first), 1)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 {
        return Err(WireError::Malformed("an indefinite length"));
    }
    if n > 8 {
        return Err(WireError::Malformed("a length of more than 8 bytes"));
    }
    if bytes.len() < 1 + n {
        return Ok(None);
    }
    let len = bytes[1..=n]
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Ok(Some((len, 1 + n)))
}

/// A signed BER integer of at most 8 bytes.
pub fn parse_int(content: &[u8]) -> Result<i64> {
    if content.is_empty() || content.len() > 8 {
        return Err(WireError::Malformed("an integer of the wrong size"));
    }
    let init: i64 = if content[0] & 0x80 != 0 { -1 } else { 0 };
    Ok(content
        .iter()
        .fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

/// An LDAPResult (RFC 4511 4.1.9): the code, the server's text, and referral URIs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LdapResult {
    pub rc: u32,
    pub text: String,
    pub referrals: u64,
}

fn parse_result(body: &mut Ber<'_>) -> Result<LdapResult> {
    let rc = parse_int(body.expect(tag::ENUMERATED, "a result without a code")?)?;
    body.expect(tag::OCTETS, "a result without a matched DN")?;
    let text = body.expect(tag::OCTETS, "a result without a diagnostic message")?;
    let referrals = match body.optional(tag::REFERRAL)? {
        Some(uris) => {
            let mut uris = Ber::new(uris);
            let mut n = 0;
            while !uris.is_empty() {
                uris.expect(tag::OCTETS, "a referral that is not a URI")?;
                n += 1;
            }
            n
        }
        None => 0,
    };
    Ok(LdapResult {
        rc: u32::try_from(rc).unwrap_or(u32::MAX),
        text: String::from_utf8_lossy(text).into_owned(),
        referrals,
    })
}

/// One message from the server: its id, the protocol operation's tag and content, and the
/// controls' content (empty when none). The bytes are owned by the message.
pub struct Message {
    bytes: Vec<u8>,
    pub id: i64,
    pub op: u8,
    op_range: std::ops::Range<usize>,
    controls_range: std::ops::Range<usize>,
}

impl Message {
    /// Splits a received LDAPMessage (the content of its outer SEQUENCE).
    fn parse(bytes: Vec<u8>) -> Result<Message> {
        let base = bytes.as_ptr() as usize;
        let range = |s: &[u8]| {
            let start = s.as_ptr() as usize - base;
            start..start + s.len()
        };
        let mut ber = Ber::new(&bytes);
        let id = parse_int(ber.expect(tag::INTEGER, "a message without an id")?)?;
        let (op, content) = ber.next()?;
        let op_range = range(content);
        let controls_range = match ber.optional(tag::CONTROLS)? {
            Some(c) => range(c),
            None => 0..0,
        };
        // AD puts the name of a Notice of Disconnection after the operation; anything else
        // after it is ignored, as RFC 4511 4.1.1 asks of unknown trailing elements.
        Ok(Message {
            id,
            op,
            op_range,
            controls_range,
            bytes,
        })
    }

    pub fn op_content(&self) -> &[u8] {
        &self.bytes[self.op_range.clone()]
    }

    /// The value of the response control `oid`, if the server sent it.
    pub fn control(&self, oid: &str) -> Result<Option<&[u8]>> {
        let mut controls = Ber::new(&self.bytes[self.controls_range.clone()]);
        while !controls.is_empty() {
            let mut c =
                Ber::new(controls.expect(tag::SEQUENCE, "a control that is not a sequence")?);
            let ctype = c.expect(tag::OCTETS, "a control without a type")?;
            c.optional(tag::BOOLEAN)?;
            if ctype == oid.as_bytes() {
                return c.optional(tag::OCTETS);
            }
        }
        Ok(None)
    }

    /// The result of a BindResponse, SearchResultDone or ExtendedResponse.
    pub fn result(&self) -> Result<LdapResult> {
        parse_result(&mut Ber::new(self.op_content()))
    }
}

/// The DN and attributes of a SearchResultEntry (RFC 4511 4.5.2), borrowed from the message.
pub type EntryParts<'a> = (&'a [u8], Vec<(&'a [u8], Vec<&'a [u8]>)>);

/// Decodes a SearchResultEntry's content.
pub fn parse_entry(content: &[u8]) -> Result<EntryParts<'_>> {
    let mut ber = Ber::new(content);
    let dn = ber.expect(tag::OCTETS, "an entry without a DN")?;
    let mut list = Ber::new(ber.expect(tag::SEQUENCE, "an entry without an attribute list")?);
    let mut attributes = Vec::new();
    while !list.is_empty() {
        let mut attr = Ber::new(list.expect(tag::SEQUENCE, "an attribute that is not a sequence")?);
        let name = attr.expect(tag::OCTETS, "an attribute without a name")?;
        let mut vals = Ber::new(attr.expect(tag::SET, "an attribute without a value set")?);
        let mut values = Vec::new();
        while !vals.is_empty() {
            values.push(vals.expect(tag::OCTETS, "a value that is not an octet string")?);
        }
        attributes.push((name, values));
    }
    Ok((dn, attributes))
}

/// A connection to one directory.
pub struct Conn {
    stream: BufReader<Stream>,
    limits: Limits,
    /// Bytes of LDAP messages read so far.
    pub bytes_read: u64,
    next_id: i64,
}

/// Resolves a host name, waiting at most until the deadline (the resolver itself cannot be
/// told when to give up, so it runs on a thread of its own that is left behind on a timeout).
fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((name.as_str(), port).to_socket_addrs().map(Vec::from_iter));
    });
    match rx.recv_timeout(remaining(deadline)?) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(WireError::Resolve("no address".into())),
        Ok(Err(e)) => Err(WireError::Resolve(e.to_string())),
        Err(_) => Err(WireError::Deadline),
    }
}

fn tls_wrap(
    socket: Timed,
    host: &str,
    config: Arc<ClientConfig>,
) -> Result<StreamOwned<ClientConnection, Timed>> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| WireError::Tls(format!("`{host}` is not a valid TLS server name")))?;
    let conn = ClientConnection::new(config, name).map_err(|e| WireError::Tls(e.to_string()))?;
    let mut tls = StreamOwned::new(conn, socket);
    while tls.conn.is_handshaking() {
        let (read, _) = tls.conn.complete_io(&mut tls.sock)?;
        if read == 0 && tls.conn.is_handshaking() && tls.conn.wants_read() {
            return Err(WireError::Tls(
                "the server closed the connection during the handshake".into(),
            ));
        }
    }
    Ok(tls)
}

impl Conn {
    /// Connects, and sets up TLS (ldaps:// at once, or StartTLS when `starttls`).
    pub fn connect(
        endpoint: &Endpoint<'_>,
        starttls: bool,
        tls: Option<Arc<ClientConfig>>,
        limits: Limits,
    ) -> Result<Conn> {
        let deadline = limits.deadline;
        let (socket, host, tls_now) = match *endpoint {
            Endpoint::Tcp { host, port, tls } => {
                let mut last = WireError::Deadline;
                let mut stream = None;
                for addr in resolve(host, port, deadline)? {
                    let (wait, by_idle) = wait_limit(deadline, limits.idle)?;
                    match TcpStream::connect_timeout(&addr, wait) {
                        Ok(s) => {
                            stream = Some(s);
                            break;
                        }
                        Err(e) => last = timed_out(e, by_idle).into(),
                    }
                }
                let s = stream.ok_or(last)?;
                let _ = s.set_nodelay(true);
                (Socket::Tcp(s), host, tls)
            }
            #[cfg(unix)]
            Endpoint::Unix(path) => (Socket::Unix(UnixStream::connect(path)?), "", false),
            #[cfg(not(unix))]
            Endpoint::Unix(_) => {
                return Err(WireError::Io(std::io::Error::other(
                    "ldapi:// needs Unix sockets",
                )))
            }
        };
        let timed = Timed {
            socket,
            deadline,
            idle: limits.idle,
        };
        let config = || {
            tls.clone()
                .ok_or_else(|| WireError::Tls("no TLS configuration".into()))
        };
        let stream = if tls_now {
            Stream::Tls(Box::new(tls_wrap(timed, host, config()?)?))
        } else {
            Stream::Plain(timed)
        };
        let mut conn = Conn {
            stream: BufReader::with_capacity(1 << 16, stream),
            limits,
            bytes_read: 0,
            next_id: 1,
        };
        if starttls {
            let id = conn.send(
                &tlv(
                    tag::EXTENDED_REQUEST,
                    &tlv(tag::EXTENDED_NAME, STARTTLS_OID.as_bytes()),
                ),
                &[],
            )?;
            let msg = conn.recv(id)?;
            if msg.op != tag::EXTENDED_RESPONSE {
                return Err(WireError::Malformed(
                    "an answer to StartTLS that is not one",
                ));
            }
            let res = msg.result()?;
            if res.rc != 0 {
                return Err(WireError::StartTls(res));
            }
            if !conn.stream.buffer().is_empty() {
                return Err(WireError::Malformed("data after the StartTLS answer"));
            }
            let Stream::Plain(timed) = conn.stream.into_inner() else {
                return Err(WireError::Tls("TLS is already on".into()));
            };
            let tls = tls_wrap(timed, host, config()?)?;
            conn.stream = BufReader::with_capacity(1 << 16, Stream::Tls(Box::new(tls)));
        }
        Ok(conn)
    }

    /// Sends one request (its protocol operation, encoded) with `controls`; returns its id.
    pub fn send(&mut self, op: &[u8], controls: &[Control]) -> Result<i64> {
        let id = self.next_id;
        self.next_id = if id >= i64::from(i32::MAX) { 1 } else { id + 1 };
        let mut body = integer(tag::INTEGER, id);
        body.extend_from_slice(op);
        if !controls.is_empty() {
            let list: Vec<u8> = controls.iter().flat_map(encode_control).collect();
            body.extend(tlv(tag::CONTROLS, &list));
        }
        let stream = self.stream.get_mut();
        stream.write_all(&tlv(tag::SEQUENCE, &body))?;
        stream.flush()?;
        Ok(id)
    }

    /// Reads the next message, which must answer request `id` (a Notice of Disconnection, id 0,
    /// ends the conversation).
    pub fn recv(&mut self, id: i64) -> Result<Message> {
        let msg = self.read_message()?;
        if msg.id == 0 && msg.op == tag::EXTENDED_RESPONSE {
            let text = msg.result().map(|r| r.text).unwrap_or_default();
            return Err(WireError::Closed(Some(text)));
        }
        if msg.id != id {
            return Err(WireError::Malformed(
                "an answer to a request that was not sent",
            ));
        }
        Ok(msg)
    }

    /// Reads one LDAPMessage: the header first, then (after the limits allow its length) the
    /// content, into a buffer that grows only as bytes arrive.
    fn read_message(&mut self) -> Result<Message> {
        remaining(self.limits.deadline)?;
        let mut header = [0u8; 10];
        self.stream.read_exact(&mut header[..1]).map_err(eof)?;
        if header[0] != tag::SEQUENCE {
            return Err(WireError::Malformed("a message that is not a BER sequence"));
        }
        let mut have = 1;
        let (len, header_len) = loop {
            if let Some(l) = length(&header[1..have])? {
                break l;
            }
            self.stream
                .read_exact(&mut header[have..have + 1])
                .map_err(eof)?;
            have += 1;
        };
        let total = 1 + header_len as u64;
        if len > self.limits.max_message {
            return Err(WireError::TooLarge(len));
        }
        if self.bytes_read.saturating_add(total).saturating_add(len) > self.limits.max_bytes {
            return Err(WireError::TooManyBytes(self.bytes_read));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(len.min(1 << 16)).unwrap_or(1 << 16));
        let got = (&mut self.stream).take(len).read_to_end(&mut bytes)?;
        self.bytes_read += total + got as u64;
        if (got as u64) < len {
            return Err(WireError::Closed(None));
        }
        Message::parse(bytes)
    }

    /// Simple bind (RFC 4511 4.2) or, with `sasl_external`, SASL EXTERNAL (RFC 4422 appendix A).
    pub fn bind(&mut self, dn: &str, password: Option<&str>) -> Result<LdapResult> {
        let mut body = integer(tag::INTEGER, 3);
        body.extend(tlv(tag::OCTETS, dn.as_bytes()));
        match password {
            Some(p) => body.extend(tlv(tag::SIMPLE_AUTH, p.as_bytes())),
            // An empty initial response: the identity of the transport, no other authzid (an
            // absent one makes slapd ask for it with saslBindInProgress).
            None => body.extend(tlv(
                tag::SASL_AUTH,
                &[tlv(tag::OCTETS, b"EXTERNAL"), tlv(tag::OCTETS, b"")].concat(),
            )),
        }
        let id = self.send(&tlv(tag::BIND_REQUEST, &body), &[])?;
        let msg = self.recv(id)?;
        if msg.op != tag::BIND_RESPONSE {
            return Err(WireError::Malformed(
                "an answer to the bind that is not a bind response",
            ));
        }
        msg.result()
    }

    /// Sends a search of `base` for every entry (`(objectClass=*)`) in `scope`, asking for
    /// `attributes`.
    pub fn search(
        &mut self,
        base: &str,
        scope: Scope,
        attributes: &[&str],
        time_limit: i64,
        controls: &[Control],
    ) -> Result<i64> {
        let mut body = tlv(tag::OCTETS, base.as_bytes());
        body.extend(integer(tag::ENUMERATED, scope as i64));
        body.extend(integer(tag::ENUMERATED, 0)); // neverDerefAliases
        body.extend(integer(tag::INTEGER, 0)); // no size limit
        body.extend(integer(tag::INTEGER, time_limit));
        body.extend(tlv(tag::BOOLEAN, &[0]));
        body.extend(tlv(tag::PRESENT_FILTER, b"objectClass"));
        let list: Vec<u8> = attributes
            .iter()
            .flat_map(|a| tlv(tag::OCTETS, a.as_bytes()))
            .collect();
        body.extend(tlv(tag::SEQUENCE, &list));
        self.send(&tlv(tag::SEARCH_REQUEST, &body), controls)
    }

    /// Says goodbye (RFC 4511 4.3) and closes, without waiting.
    pub fn unbind(mut self) {
        let _ = self.send(&[tag::UNBIND_REQUEST, 0], &[]);
        match self.stream.into_inner() {
            Stream::Plain(s) => s.shutdown(),
            Stream::Tls(mut s) => {
                s.conn.send_close_notify();
                let _ = s.conn.complete_io(&mut s.sock);
                s.sock.shutdown();
            }
        }
    }
}

/// A connection that ends in the middle of a message is a close, not an I/O failure.
fn eof(e: std::io::Error) -> WireError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        WireError::Closed(None)
    } else {
        e.into()
    }
}

/// What a message of a search is.
pub enum SearchItem<'a> {
    Entry(&'a [u8]),
    Reference,
    Intermediate,
    Done,
}

/// Classifies a message of a search.
pub fn search_item(msg: &Message) -> Result<SearchItem<'_>> {
    Ok(match msg.op {
        tag::SEARCH_ENTRY => SearchItem::Entry(msg.op_content()),
        tag::SEARCH_REFERENCE => SearchItem::Reference,
        tag::INTERMEDIATE => SearchItem::Intermediate,
        tag::SEARCH_DONE => SearchItem::Done,
        _ => {
            return Err(WireError::Malformed(
                "an answer to the search that is not one",
            ))
        }
    })
}

/// The cookie of a paged-results response control value.
pub fn paged_cookie(value: &[u8]) -> Result<Vec<u8>> {
    let mut outer = Ber::new(value);
    let mut seq = Ber::new(outer.expect(
        tag::SEQUENCE,
        "a paged-results control that is not a sequence",
    )?);
    seq.expect(tag::INTEGER, "a paged-results control without a size")?;
    Ok(seq
        .expect(tag::OCTETS, "a paged-results control without a cookie")?
        .to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wait is the idle limit's only when that limit is shorter than what remains of the
    /// deadline, so a timeout at the end of the whole read is the deadline's even if it fires a
    /// moment early. Other errors pass unchanged.
    #[test]
    fn timeouts_tell_the_idle_limit_from_the_deadline() {
        use std::io::{Error, ErrorKind};
        let idle = Duration::from_secs(5);
        let ahead = Instant::now() + Duration::from_secs(60);
        assert_eq!(wait_limit(ahead, idle).unwrap(), (idle, true));
        let near = Instant::now() + Duration::from_secs(2);
        let (wait, by_idle) = wait_limit(near, idle).unwrap();
        assert!(wait <= Duration::from_secs(2) && !by_idle);
        assert!(wait_limit(Instant::now(), idle).is_err(), "nothing left");
        for kind in [ErrorKind::TimedOut, ErrorKind::WouldBlock] {
            assert!(matches!(
                WireError::from(timed_out(Error::from(kind), true)),
                WireError::Idle
            ));
            assert!(matches!(
                WireError::from(timed_out(Error::from(kind), false)),
                WireError::Deadline
            ));
        }
        assert!(matches!(
            WireError::from(timed_out(Error::from(ErrorKind::ConnectionReset), true)),
            WireError::Closed(None)
        ));
    }

    #[test]
    fn integers_round_trip_in_shortest_form() {
        for (v, bytes) in [
            (0i64, &[2u8, 1, 0][..]),
            (127, &[2, 1, 127]),
            (128, &[2, 2, 0, 128]),
            (-1, &[2, 1, 0xff]),
            (-129, &[2, 2, 0xff, 0x7f]),
            (1000, &[2, 2, 0x03, 0xe8]),
        ] {
            let enc = integer(tag::INTEGER, v);
            assert_eq!(enc, bytes, "{v}");
            let (_, content) = Ber::new(&enc).next().unwrap();
            assert_eq!(parse_int(content).unwrap(), v);
        }
        assert!(parse_int(&[]).is_err());
        assert!(parse_int(&[1; 9]).is_err());
    }

    #[test]
    fn long_lengths_are_encoded_and_checked() {
        let big = vec![7u8; 300];
        let enc = tlv(tag::OCTETS, &big);
        assert_eq!(&enc[..4], &[4, 0x82, 1, 44]);
        assert_eq!(Ber::new(&enc).next().unwrap().1.len(), 300);
        assert_eq!(
            length(&[0x84, 0xff, 0xff, 0xff, 0xff]).unwrap(),
            Some((0xffff_ffff, 5))
        );
        assert_eq!(length(&[0x84, 0xff]).unwrap(), None);
        assert!(length(&[0x80]).is_err());
        assert!(length(&[0x89]).is_err());
        // An element that claims more than its container holds.
        assert!(Ber::new(&[4, 5, 1, 2]).next().is_err());
        assert!(Ber::new(&[0x1f, 1, 0]).next().is_err());
        assert!(Ber::new(&[]).next().is_err());
    }

    #[test]
    fn entries_decode_and_malformed_ones_are_errors() {
        let value = |v: &[u8]| tlv(tag::OCTETS, v);
        let attr = [
            value(b"cn"),
            tlv(tag::SET, &[value(b"Bob"), value(b"")].concat()),
        ]
        .concat();
        let entry = [
            value(b"cn=Bob,dc=x"),
            tlv(tag::SEQUENCE, &tlv(tag::SEQUENCE, &attr)),
        ]
        .concat();
        let (dn, attrs) = parse_entry(&entry).unwrap();
        assert_eq!(dn, b"cn=Bob,dc=x");
        assert_eq!(attrs, vec![(&b"cn"[..], vec![&b"Bob"[..], &b""[..]])]);
        for bad in [
            &[][..],
            &[4, 1, b'x'],
            &[4, 0, 0x30, 3, 0x30, 1, 4],
            &[2, 1, 0, 0x30, 0],
            &[4, 0, 0x30, 4, 0x30, 2, 4, 0],
        ] {
            assert!(parse_entry(bad).is_err(), "{bad:?}");
        }
        let (_, attrs) = parse_entry(&[4, 0, 0x30, 0]).unwrap();
        assert!(attrs.is_empty());
    }

    #[test]
    fn messages_split_into_id_operation_and_controls() {
        let done = [
            integer(tag::ENUMERATED, 0),
            tlv(tag::OCTETS, b""),
            tlv(tag::OCTETS, b"fine"),
        ]
        .concat();
        let paged = encode_control(&Control {
            oid: PAGED_OID.into(),
            critical: false,
            value: Some(paged_value(0, b"next")),
        });
        let body = [
            integer(tag::INTEGER, 7),
            tlv(tag::SEARCH_DONE, &done),
            tlv(tag::CONTROLS, &paged),
        ]
        .concat();
        let msg = Message::parse(body).unwrap();
        assert_eq!((msg.id, msg.op), (7, tag::SEARCH_DONE));
        let res = msg.result().unwrap();
        assert_eq!((res.rc, res.text.as_str(), res.referrals), (0, "fine", 0));
        let cookie = paged_cookie(msg.control(PAGED_OID).unwrap().unwrap()).unwrap();
        assert_eq!(cookie, b"next");
        assert!(msg.control("1.2.3").unwrap().is_none());
        assert!(Message::parse(vec![4, 0]).is_err());
        assert!(Message::parse(integer(tag::INTEGER, 1)).is_err());
    }
}
