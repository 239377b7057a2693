//! Live LDAP: reads a directory over the network (`ldap://` + StartTLS, `ldaps://`, `ldapi://`)
//! and saves what it fetched as an LDIF file, which the LDIF parser then reads.
//!
//! Owns: connecting (TLS through rustls with certificate checks always on: the system trust
//! store plus an optional CA file), binding
//! (anonymous, simple, SASL EXTERNAL), refusing a simple bind in clear text to anything but
//! loopback, paged searching (RFC 2696), and streaming every entry to the saved LDIF (RFC 2849)
//! so memory stays bounded whatever the directory's size. The protocol itself is `wire`, under
//! the limits of issue 13 (a hostile server): one deadline for the whole read
//! (`--ldap-timeout`), the longest wait for the server (`--ldap-idle-timeout`), entries
//! (`--ldap-max-entries`), bytes read and saved (`--ldap-max-bytes`) and the size of one message
//! (`--ldap-max-message`); reaching one is one diagnostic naming it. The saved file is the
//! evidence: records and SARIF locations point at its lines, so results upload like any other
//! file's. Only the attributes the adapters read are requested (`super::attributes`); the file
//! is created mode 0600 and keeps no secret value (`super::redact`: `userPassword` keeps its
//! scheme, password hashes and LAPS passwords their presence), and the entries are parsed as
//! written, so the live findings are those of the saved file.
//!
//! Does not own: what the entries mean (that is `parse_ldif`), nor the command line (`cli`).
//! Every failure is one `Diagnostic` located at the URL (never a credential); entries written
//! before a failure are still parsed, and the scan is marked incomplete.
//!
//! Issue: "Live LDAP" (`resetgap scan --ldap URL --base DN`).

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::inventory::Evidence;
use crate::source::Output;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wire::{Conn, Endpoint, WireError};

mod wire;

/// A password that never appears in `Debug` output, logs or messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the bind request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How to authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bind {
    Anonymous,
    Simple {
        dn: String,
        password: Secret,
    },
    /// SASL EXTERNAL: the identity of the transport (`ldapi://` peer credentials).
    SaslExternal,
}

/// One live directory to read.
#[derive(Clone, Debug)]
pub struct LdapSource {
    /// `ldap://`, `ldaps://` or `ldapi://` URL (no credentials; they are refused in URLs).
    pub url: String,
    /// Search base DN.
    pub base: String,
    pub bind: Bind,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    pub starttls: bool,
    /// PEM file with the CA certificate(s) that signed the server certificate.
    pub ca_file: Option<PathBuf>,
    /// Allow a simple bind in clear text to a host that is not loopback.
    pub allow_plaintext_bind: bool,
    /// The whole read of the directory: connect, bind and every page (`--ldap-timeout`). Each
    /// wait for the server is bounded by what remains of it.
    pub timeout: Duration,
    /// The longest wait for the server to send or take anything, within `timeout`
    /// (`--ldap-idle-timeout`).
    pub idle_timeout: Duration,
    /// Entries saved at most (`--ldap-max-entries`).
    pub max_entries: u64,
    /// Bytes of LDAP messages read from the server at most (`--ldap-max-bytes`).
    pub max_bytes: u64,
    /// Bytes of one LDAP message at most, checked from its length header (`--ldap-max-message`).
    pub max_message: u64,
    /// Entries per page (RFC 2696).
    pub page_size: u32,
    /// Where the fetched entries are written (LDIF).
    pub save_ldif: PathBuf,
    /// How the saved file is named in reports (relative, forward slashes).
    pub evidence_path: String,
}

/// What a fetch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Entries written to the saved LDIF.
    pub entries: u64,
    /// Continuation references (referrals) met and not followed.
    pub referrals: u64,
    /// Attributes dropped because their name is not a valid attribute description.
    pub bad_attributes: u64,
    /// Entries dropped because their BER does not decode as a SearchResultEntry.
    pub bad_entries: u64,
}

/// A failed fetch: the one diagnostic to report, and what was saved before the failure.
#[derive(Debug)]
pub struct FetchError {
    pub diagnostic: Diagnostic,
    pub partial: FetchStats,
}

/// The parts of an LDAP URL the checks need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedUrl {
    /// `ldap`, `ldaps` or `ldapi`, lower case.
    pub scheme: String,
    /// Host without brackets; for `ldapi` the percent-encoded socket path (may be empty).
    pub host: String,
    pub port: Option<u16>,
}

impl ParsedUrl {
    /// Parses `scheme://host[:port][/...]`. Userinfo (`user:pw@`) is refused: credentials never
    /// go in a URL, which is printed in messages.
    pub fn parse(url: &str) -> Result<ParsedUrl, String> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            format!("`{url}` is not an LDAP URL (expected ldap://, ldaps:// or ldapi://)")
        })?;
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "ldap" | "ldaps" | "ldapi") {
            return Err(format!(
                "unsupported URL scheme `{scheme}` (expected ldap://, ldaps:// or ldapi://)"
            ));
        }
        let hostport = rest.split(['/', '?']).next().unwrap_or("");
        if hostport.contains('@') {
            return Err(
                "credentials are not accepted in the LDAP URL; use --bind-dn and --bind-password-file"
                    .to_string(),
            );
        }
        if scheme == "ldapi" {
            return Ok(ParsedUrl {
                scheme,
                host: hostport.to_string(),
                port: None,
            });
        }
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("`{url}`: unclosed `[` in the host"))?;
            (h, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(format!("`{url}` names no host"));
        }
        let port = match port {
            None | Some("") => None,
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("`{url}`: `{p}` is not a port number"))?,
            ),
        };
        Ok(ParsedUrl {
            scheme,
            host: host.to_string(),
            port,
        })
    }

    /// Loopback: 127.0.0.0/8, ::1, `localhost`, or a local socket (`ldapi`).
    pub fn is_loopback(&self) -> bool {
        if self.scheme == "ldapi" {
            return true;
        }
        let h = self.host.trim_end_matches('.');
        if h.eq_ignore_ascii_case("localhost") {
            return true;
        }
        match h.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => false,
        }
    }
}

/// Checks a source before anything connects: a bad URL, StartTLS on the wrong scheme, or a
/// simple bind that would send the password in clear text to a host that is not loopback.
pub fn validate(src: &LdapSource) -> Result<(), String> {
    let url = ParsedUrl::parse(&src.url)?;
    if src.starttls && url.scheme != "ldap" {
        return Err(format!(
            "{}: --starttls applies to ldap:// URLs only ({}:// is already {})",
            src.url,
            url.scheme,
            if url.scheme == "ldaps" {
                "TLS"
            } else {
                "a local socket"
            }
        ));
    }
    if src.page_size == 0 || src.page_size > i32::MAX as u32 {
        return Err("--ldap-page-size must be at least 1".to_string());
    }
    if src.max_bytes == 0 || src.max_message == 0 {
        return Err("--ldap-max-bytes and --ldap-max-message must be at least 1".to_string());
    }
    if matches!(src.bind, Bind::Simple { .. })
        && url.scheme == "ldap"
        && !src.starttls
        && !url.is_loopback()
        && !src.allow_plaintext_bind
    {
        return Err(format!(
            "{}: refusing a simple bind over plain ldap:// without TLS (the password would cross the network in clear text); use ldaps://, add --starttls, or pass --allow-plaintext-bind",
            src.url
        ));
    }
    Ok(())
}

/// Reads the directory and parses what was fetched. Always returns the parsed records of every
/// entry saved (all of them, or those before a failure) and at most one error diagnostic.
pub fn scan(src: &LdapSource) -> Output {
    let mut out = Output::default();
    // Entries are parsed as they stream in (beside the network reads), with the line numbers
    // they get in the saved LDIF, so findings point at that file without reading it back.
    let mut collected = Output::default();
    let fetched = fetch(src, &mut collected);
    let (saved, failure) = match fetched {
        Ok(stats) => (stats, None),
        Err(e) => (e.partial, Some(e.diagnostic)),
    };
    out.extend(collected);
    if saved.referrals > 0 {
        // AD returns continuation references for its other naming contexts (Configuration,
        // DomainDnsZones) on every subtree search of the domain: worth knowing, not a gap in
        // the requested base.
        out.diag(Diagnostic::new(
            DiagKind::Incomplete,
            Severity::Note,
            location(src),
            format!(
                "the server returned {} continuation reference(s) (referrals, e.g. to other naming contexts) that were not followed; to scan those, add --ldap with their URL and --base",
                saved.referrals
            ),
        ));
    }
    if saved.bad_attributes > 0 {
        out.diag(Diagnostic::new(
            DiagKind::Malformed,
            Severity::Warning,
            location(src),
            format!(
                "{} attribute(s) with an invalid name were not saved",
                saved.bad_attributes
            ),
        ));
    }
    if saved.bad_entries > 0 {
        out.diag(Diagnostic::new(
            DiagKind::Malformed,
            Severity::Warning,
            location(src),
            format!(
                "{} entries whose BER does not decode were not saved",
                saved.bad_entries
            ),
        ));
    }
    if let Some(d) = failure {
        out.diag(d);
    }
    out
}

/// The URL as shown in messages (it never holds credentials: `validate` refuses them).
fn location(src: &LdapSource) -> Evidence {
    Evidence::new(src.url.clone(), None)
}

fn fail(src: &LdapSource, partial: FetchStats, message: String) -> FetchError {
    FetchError {
        diagnostic: Diagnostic::new(
            DiagKind::Unreadable,
            Severity::Error,
            location(src),
            message,
        ),
        partial,
    }
}

/// The certificates in a PEM file (`None` when it holds none or one is malformed).
fn pem_certificates(pem: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .ok()?;
    (!certs.is_empty()).then_some(certs)
}

/// The rustls client configuration: the system trust store (read by `rustls-native-certs` from
/// the platform's CA files, so the internal CA that signed a directory server is trusted as it is
/// by `ldapsearch`) plus every `--ca-file` certificate. Unparsable system certificates are skipped
/// one by one. The crypto provider is ring's, named explicitly so that no process default is
/// needed. rustls 0.23.48 deprecated it for lacking post-quantum key exchange, which directory
/// servers do not offer; ring builds with a C compiler alone (aws-lc-rs needs a larger C build),
/// which keeps the static and Docker builds simple.
#[allow(deprecated)]
fn tls_config(extra: Vec<CertificateDer<'static>>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    for cert in extra {
        roots
            .add(cert)
            .map_err(|e| format!("--ca-file holds a certificate rustls rejects: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Where a URL connects: host and default port, or the decoded socket path of `ldapi://`.
fn endpoint_path(url: &ParsedUrl) -> Result<Option<String>, String> {
    if url.scheme != "ldapi" {
        return Ok(None);
    }
    if url.host.is_empty() {
        return Err(
            "the ldapi:// URL names no socket path (e.g. ldapi://%2Fvar%2Frun%2Fslapd%2Fldapi)"
                .to_string(),
        );
    }
    Ok(Some(percent_decode(&url.host)))
}

/// `%2F` and friends (RFC 3986), as ldapi:// URLs write socket paths.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connects, binds, and streams every entry under the base into `save_ldif`, within the limits
/// of the source: the deadline covers all of it.
pub fn fetch(src: &LdapSource, collected: &mut Output) -> Result<FetchStats, FetchError> {
    let none = FetchStats::default();
    validate(src).map_err(|m| fail(src, none, m))?;
    let limits = wire::Limits {
        deadline: Instant::now() + src.timeout,
        idle: src.idle_timeout,
        max_bytes: src.max_bytes,
        max_message: src.max_message,
    };
    let url = ParsedUrl::parse(&src.url).map_err(|m| fail(src, none, m))?;
    let extra = match &src.ca_file {
        None => Vec::new(),
        Some(ca) => {
            let pem = std::fs::read(ca).map_err(|e| {
                fail(
                    src,
                    none,
                    format!("cannot read --ca-file {}: {}", ca.display(), e.kind()),
                )
            })?;
            pem_certificates(&pem).ok_or_else(|| {
                fail(
                    src,
                    none,
                    format!(
                        "--ca-file {} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
                        ca.display()
                    ),
                )
            })?
        }
    };
    let tls = if url.scheme == "ldaps" || src.starttls {
        Some(tls_config(extra).map_err(|m| fail(src, none, m))?)
    } else {
        None
    };
    let socket = endpoint_path(&url).map_err(|m| fail(src, none, m))?;
    let endpoint = match &socket {
        Some(path) => Endpoint::Unix(path),
        None => Endpoint::Tcp {
            host: &url.host,
            port: url
                .port
                .unwrap_or(if url.scheme == "ldaps" { 636 } else { 389 }),
            tls: url.scheme == "ldaps",
        },
    };
    let mut conn = Conn::connect(&endpoint, src.starttls, tls, limits)
        .map_err(|e| fail(src, none, connect_message(src, &e, Phase::Connect)))?;

    let bound = match &src.bind {
        Bind::Anonymous => Ok(None),
        Bind::Simple { dn, password } => conn.bind(dn, Some(password.expose())).map(Some),
        Bind::SaslExternal => conn.bind("", None).map(Some),
    };
    match bound {
        Ok(None) => {}
        Ok(Some(res)) if res.rc == 0 => {}
        Ok(Some(res)) => return Err(fail(src, none, bind_message(src, res.rc, &res.text))),
        Err(e) => return Err(fail(src, none, connect_message(src, &e, Phase::Bind))),
    }

    let file = create_private(&src.save_ldif).map_err(|e| {
        fail(
            src,
            none,
            format!(
                "cannot write the LDIF file {}: {}",
                src.save_ldif.display(),
                e.kind()
            ),
        )
    })?;
    let mut w = Counting {
        inner: BufWriter::with_capacity(1 << 16, file),
        written: 0,
    };
    let mut stats = FetchStats::default();
    // A collector thread turns entries into records while this one waits on the network, and
    // hands each entry back to be written over.
    let (tx, rx) = crossbeam_channel::bounded::<super::ldif::Entry>(512);
    let (back, recycled) = crossbeam_channel::bounded::<super::ldif::Entry>(512);
    let evidence = src.evidence_path.clone();
    let collector = std::thread::spawn(move || {
        let mut c = super::Collector::new(&evidence);
        for entry in rx {
            c.add(&entry);
            if worth_recycling(&entry) {
                let _ = back.try_send(entry);
            }
        }
        c.finish()
    });
    let handoff = Handoff {
        entries: &tx,
        recycled: &recycled,
    };
    let result = stream_entries(src, &mut conn, &mut w, &mut stats, &handoff, &limits);
    drop(tx);
    match collector.join() {
        Ok(output) => collected.extend(output),
        Err(_) => collected.diag(Diagnostic::new(
            DiagKind::Unparseable,
            Severity::Error,
            location(src),
            "the entries of this directory could not be processed (internal error); the saved LDIF can be scanned as a file",
        )),
    }
    let trailer = match &result {
        Ok(()) => writeln!(w, "# end: {} entries", stats.entries),
        Err(_) => writeln!(
            w,
            "# incomplete: the search stopped after {} entries",
            stats.entries
        ),
    };
    let flushed = trailer.and_then(|_| w.flush());
    conn.unbind();
    result.map_err(|m| fail(src, stats, m))?;
    flushed.map_err(|e| {
        fail(
            src,
            stats,
            format!(
                "cannot write the LDIF file {}: {}",
                src.save_ldif.display(),
                e.kind()
            ),
        )
    })?;
    Ok(stats)
}

/// Creates (or truncates) the saved LDIF readable by its owner only (mode 0600, also when the
/// file already existed with wider permissions).
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

/// A writer that counts the bytes written, so the saved LDIF is bounded like the bytes read.
struct Counting<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// At least the bytes `write_entry` writes for this entry: each line's name, separator and
/// newline, the value in base64 (the longer form), or the redaction marker when longer.
fn ldif_size_bound(dn: &[u8], attributes: &[Attribute<'_>]) -> u64 {
    let line = |name: usize, value: usize| {
        let value = value.max(super::redact::PRESENT.len() + super::redact::NO_SCHEME.len());
        (name + 4 + value.div_ceil(3) * 4) as u64
    };
    let values: u64 = attributes
        .iter()
        .map(|(name, values)| {
            values
                .iter()
                .map(|v| line(name.len(), v.len()))
                .sum::<u64>()
        })
        .sum();
    line(2, dn.len()) + values + 1
}

/// Where `stream_entries` sends the entries it writes, and where the collector hands them back.
struct Handoff<'a> {
    entries: &'a crossbeam_channel::Sender<super::ldif::Entry>,
    recycled: &'a crossbeam_channel::Receiver<super::ldif::Entry>,
}

/// Runs the paged search and writes each entry as it arrives, until the last page, a failure,
/// or a limit.
fn stream_entries(
    src: &LdapSource,
    conn: &mut Conn,
    w: &mut Counting<impl Write>,
    stats: &mut FetchStats,
    handoff: &Handoff<'_>,
    limits: &wire::Limits,
) -> Result<(), String> {
    let write_err = |e: std::io::Error| {
        format!(
            "cannot write the LDIF file {}: {}",
            src.save_ldif.display(),
            e.kind()
        )
    };
    writeln!(
        w,
        "# resetgap: entries of {} under {}, fetched live; only the attributes resetgap reads, and no secret value (userPassword keeps its scheme, password hashes their presence)",
        src.url,
        safe_comment(&src.base)
    )
    .map_err(write_err)?;
    // The next line number of the saved file (the comment above is line 1).
    let mut line: u32 = 2;
    let kind =
        server_kind(conn, limits).map_err(|e| search_message(src, &e, 0, conn.bytes_read))?;
    let attrs = super::attributes_for(kind);
    let page = i32::try_from(src.page_size).unwrap_or(1000);
    let mut cookie = Vec::new();
    loop {
        let controls = [
            wire::Control {
                oid: wire::PAGED_OID.to_string(),
                critical: false,
                value: Some(wire::paged_value(page, &cookie)),
            },
            sd_flags_control(),
        ];
        let id = conn
            .search(
                &src.base,
                wire::Scope::Subtree,
                &attrs,
                server_time_limit(limits),
                &controls,
            )
            .map_err(|e| search_message(src, &e, stats.entries, conn.bytes_read))?;
        loop {
            let msg = conn
                .recv(id)
                .map_err(|e| search_message(src, &e, stats.entries, conn.bytes_read))?;
            match wire::search_item(&msg)
                .map_err(|e| search_message(src, &e, stats.entries, conn.bytes_read))?
            {
                wire::SearchItem::Reference => stats.referrals += 1,
                wire::SearchItem::Intermediate => {}
                wire::SearchItem::Entry(content) => {
                    if stats.entries >= src.max_entries {
                        return Err(format!(
                            "stopped after {} entries (--ldap-max-entries){}",
                            stats.entries,
                            kept_text(src, stats.entries)
                        ));
                    }
                    match wire::parse_entry(content) {
                        Ok((dn, attributes)) => {
                            // Names repeat on every value line in LDIF, so many empty values
                            // under a long name would make the file far larger than the bytes
                            // read: the saved file has the byte limit too, checked before.
                            let bound = ldif_size_bound(dn, &attributes);
                            if w.written.saturating_add(bound) > src.max_bytes {
                                return Err(format!(
                                    "stopped after {} entries: the saved LDIF would pass the --ldap-max-bytes limit of {}{}",
                                    stats.entries,
                                    short_size(src.max_bytes),
                                    kept_text(src, stats.entries)
                                ));
                            }
                            let mut entry = handoff.recycled.try_recv().unwrap_or_default();
                            write_entry_into(w, dn, attributes, stats, &mut line, &mut entry)
                                .map_err(write_err)?;
                            stats.entries += 1;
                            // The collector only stops when this sender is dropped.
                            let _ = handoff.entries.send(entry);
                        }
                        Err(_) => stats.bad_entries += 1,
                    }
                }
                wire::SearchItem::Done => {
                    let res = msg
                        .result()
                        .map_err(|e| search_message(src, &e, stats.entries, conn.bytes_read))?;
                    stats.referrals += res.referrals;
                    if res.rc != 0 {
                        return Err(result_message(src, res.rc, &res.text, stats.entries));
                    }
                    // No control (a server that ignores paging) or an empty cookie: the end.
                    cookie = match msg.control(wire::PAGED_OID) {
                        Ok(Some(value)) => wire::paged_cookie(value)
                            .map_err(|e| search_message(src, &e, stats.entries, conn.bytes_read))?,
                        Ok(None) => Vec::new(),
                        Err(e) => {
                            return Err(search_message(src, &e, stats.entries, conn.bytes_read))
                        }
                    };
                    break;
                }
            }
        }
        if cookie.is_empty() {
            return Ok(());
        }
    }
}

/// The server's own time limit for one request: what remains of ours, in whole seconds.
fn server_time_limit(limits: &wire::Limits) -> i64 {
    let left = limits
        .deadline
        .saturating_duration_since(Instant::now())
        .as_secs()
        .max(1);
    i64::try_from(left).unwrap_or(i64::from(i32::MAX))
}

/// The arc of Microsoft's LDAP capabilities ([MS-ADTS] 3.1.1.3.4.3): AD DS and Samba AD list
/// `LDAP_CAP_ACTIVE_DIRECTORY_OID` (`.800`), AD LDS `..._ADAM_OID` (`.1851`). Any of them marks
/// a directory with AD's attributes, so it is asked for all of them.
const AD_CAPABILITY_ARC: &[u8] = b"1.2.840.113556.1.4.";

/// Reads the root DSE (RFC 4512 5.1: base "", scope base) to tell AD from other directories,
/// which decides the attributes the search asks for (`super::attributes_for`). A server that
/// refuses it or returns no entry is `Unknown` (every attribute is requested, as before the
/// probe). The answer is bounded like the search: the deadline and byte limits hold, a second
/// entry or more than 16 references is malformed.
fn server_kind(conn: &mut Conn, limits: &wire::Limits) -> Result<super::ServerKind, WireError> {
    use super::ServerKind;
    let id = conn.search(
        "",
        wire::Scope::Base,
        &["supportedCapabilities"],
        server_time_limit(limits),
        &[],
    )?;
    let mut kind = ServerKind::Unknown;
    let (mut entries, mut others) = (0u32, 0u32);
    loop {
        let msg = conn.recv(id)?;
        match wire::search_item(&msg)? {
            wire::SearchItem::Entry(content) => {
                entries += 1;
                if entries > 1 {
                    return Err(WireError::Malformed("more than one root DSE"));
                }
                let (_, attributes) = wire::parse_entry(content)?;
                let ad = attributes.iter().any(|(name, values)| {
                    name.eq_ignore_ascii_case(b"supportedCapabilities")
                        && values
                            .iter()
                            .any(|v| v.trim_ascii().starts_with(AD_CAPABILITY_ARC))
                });
                kind = if ad {
                    ServerKind::ActiveDirectory
                } else {
                    ServerKind::Other
                };
            }
            wire::SearchItem::Reference | wire::SearchItem::Intermediate => {
                others += 1;
                if others > 16 {
                    return Err(WireError::Malformed("endless answers to the root DSE read"));
                }
            }
            wire::SearchItem::Done => {
                return Ok(if msg.result()?.rc == 0 {
                    kind
                } else {
                    ServerKind::Unknown
                });
            }
        }
    }
}

/// LDAP_SERVER_SD_FLAGS_OID asking for the owner, group and DACL of `nTSecurityDescriptor` (7),
/// so a bind that is not an administrator still reads the DACL (without the control AD also
/// asks for the SACL, which needs SeSecurityPrivilege, and returns no descriptor at all). Not
/// critical: a directory that does not know it (OpenLDAP) ignores it instead of failing the
/// search. The paged-results adapter keeps it on every page.
fn sd_flags_control() -> wire::Control {
    wire::Control {
        oid: super::acl::SD_FLAGS_OID.to_string(),
        critical: false,
        value: Some(super::acl::SD_FLAGS_OWNER_GROUP_DACL.to_vec()),
    }
}

/// One attribute and its raw values, in the order the server sent them.
type Attribute<'a> = (&'a [u8], Vec<&'a [u8]>);

/// Writes one entry as an LDIF content record (RFC 2849), one line per value (not folded: a
/// parser must accept long lines), then a blank line; returns it with the line numbers it has
/// in the file. `line` is the next line to be written.
#[cfg(test)]
fn write_entry(
    w: &mut impl Write,
    dn: &[u8],
    attributes: Vec<Attribute>,
    stats: &mut FetchStats,
    line: &mut u32,
) -> std::io::Result<super::ldif::Entry> {
    let mut entry = super::ldif::Entry::default();
    write_entry_into(w, dn, attributes, stats, line, &mut entry)?;
    Ok(entry)
}

/// `write_entry` into `entry`, an entry the collector is done with: its strings and vectors
/// are overwritten, so a steady stream of entries allocates next to nothing per entry (and
/// frees nothing across threads). On an error `entry` is left half written.
fn write_entry_into(
    w: &mut impl Write,
    dn: &[u8],
    attributes: Vec<Attribute>,
    stats: &mut FetchStats,
    line: &mut u32,
    entry: &mut super::ldif::Entry,
) -> std::io::Result<()> {
    use super::ldif::{Attr, Value};
    entry.dn.clear();
    entry.dn.push_str(&String::from_utf8_lossy(dn));
    entry.line = *line;
    write_value(w, b"dn", dn)?;
    *line = line.saturating_add(1);
    let mut kept = 0;
    for (name, values) in attributes {
        if !is_attribute_description(name) {
            stats.bad_attributes += 1;
            continue;
        }
        if kept == entry.attrs.len() {
            entry.attrs.push(Attr {
                name: String::new(),
                values: Vec::with_capacity(values.len()),
            });
        }
        let attr = &mut entry.attrs[kept];
        kept += 1;
        attr.name.clear();
        attr.name.push_str(&String::from_utf8_lossy(name));
        let redaction = super::redact::Redaction::of(&attr.name);
        let mut filled = 0;
        for v in values {
            // What is written is what is parsed: the live findings are the saved file's.
            let v = redaction.apply(v);
            write_value(w, name, &v)?;
            if filled == attr.values.len() {
                attr.values.push(Value {
                    bytes: Vec::new(),
                    line: 0,
                });
            }
            let slot = &mut attr.values[filled];
            filled += 1;
            slot.bytes.clear();
            slot.bytes.extend_from_slice(&v);
            slot.line = *line;
            *line = line.saturating_add(1);
        }
        attr.values.truncate(filled);
    }
    entry.attrs.truncate(kept);
    w.write_all(b"\n")?;
    *line = line.saturating_add(1);
    Ok(())
}

/// Whether an entry the collector is done with goes back to the fetch thread to be written
/// over: not when it holds much memory (large values, or very many attributes or values, whose
/// vectors count too), which the pool would keep held.
fn worth_recycling(entry: &super::ldif::Entry) -> bool {
    use super::ldif::{Attr, Value};
    use std::mem::size_of;
    const MAX_KEPT: usize = 64 * 1024;
    let held: usize = entry
        .attrs
        .iter()
        .map(|a| {
            a.name.capacity()
                + a.values.capacity() * size_of::<Value>()
                + a.values.iter().map(|v| v.bytes.capacity()).sum::<usize>()
        })
        .sum();
    held + entry.attrs.capacity() * size_of::<Attr>() + entry.dn.capacity() <= MAX_KEPT
}

fn write_value(w: &mut impl Write, name: &[u8], value: &[u8]) -> std::io::Result<()> {
    w.write_all(name)?;
    if value.is_empty() {
        return w.write_all(b":\n");
    }
    if is_safe_string(value) {
        w.write_all(b": ")?;
        w.write_all(value)?;
    } else {
        // Encoded as it is written, so a large value is not held twice.
        w.write_all(b":: ")?;
        let mut enc =
            base64::write::EncoderWriter::new(&mut *w, &base64::engine::general_purpose::STANDARD);
        enc.write_all(value)?;
        enc.finish()?;
    }
    w.write_all(b"\n")
}

/// RFC 2849 SAFE-STRING, and no trailing space (which the RFC says should be base64 too, since
/// readers may strip it).
pub fn is_safe_string(v: &[u8]) -> bool {
    let Some((&first, _)) = v.split_first() else {
        return true;
    };
    if matches!(first, b' ' | b':' | b'<') || v.last() == Some(&b' ') {
        return false;
    }
    v.iter()
        .all(|&b| b != 0 && b != b'\n' && b != b'\r' && b < 0x80)
}

/// RFC 4512 attribute description: a descriptor or OID, then `;options`.
fn is_attribute_description(name: &[u8]) -> bool {
    !name.is_empty()
        && name.first().is_some_and(u8::is_ascii_alphanumeric)
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b';' | b'.'))
}

/// A DN shown in a comment of the saved file: one line, ASCII.
fn safe_comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// A size for messages: `2.0 MiB`, or bytes when small.
fn short_size(bytes: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (MIB * 1024.0))
    } else if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A size for messages, exact too: `2.0 MiB (2097152 bytes)`.
fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} ({bytes} bytes)", short_size(bytes))
    } else {
        short_size(bytes)
    }
}

/// The message of a limit reached, whatever the phase.
fn limit_message(src: &LdapSource, e: &WireError) -> Option<String> {
    match e {
        WireError::Deadline => Some(format!(
            "stopped after {}s (--ldap-timeout, the limit on the whole read of one directory)",
            src.timeout.as_secs()
        )),
        WireError::Idle => Some(format!(
            "stopped: the server sent nothing for {}s (--ldap-idle-timeout, the longest wait for the server)",
            src.idle_timeout.as_secs()
        )),
        WireError::TooLarge(announced) => Some(format!(
            "stopped: the server announced a message of {}, over the --ldap-max-message limit of {}",
            size_text(*announced),
            short_size(src.max_message)
        )),
        WireError::TooManyBytes(read) => Some(format!(
            "stopped after reading {} from the directory: the next message would pass the --ldap-max-bytes limit of {}",
            size_text(*read),
            short_size(src.max_bytes)
        )),
        _ => None,
    }
}

fn tls_hint(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    if t.contains("certificate") {
        Some("certificate verification failed; pass --ca-file with the CA that signed the server certificate (and check that the certificate names this host)")
    } else {
        None
    }
}

/// When a failure happened, for its message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connect,
    Bind,
}

/// A server that never answered (`what`: "" or " to the bind"), for a time limit reached; `None`
/// for any other failure.
fn no_answer(src: &LdapSource, e: &WireError, what: &str) -> Option<String> {
    let (secs, option) = match e {
        WireError::Deadline => (src.timeout.as_secs(), "--ldap-timeout"),
        WireError::Idle => (src.idle_timeout.as_secs(), "--ldap-idle-timeout"),
        _ => return None,
    };
    Some(format!(
        "no answer from the server within {secs}s ({option}){what}; check the host, port and firewall"
    ))
}

/// A failure before or during connect and bind.
fn connect_message(src: &LdapSource, e: &WireError, phase: Phase) -> String {
    let what = match phase {
        Phase::Connect => "",
        Phase::Bind => " to the bind",
    };
    match e {
        WireError::Deadline | WireError::Idle => no_answer(src, e, what).unwrap_or_default(),
        WireError::Io(source) => match source.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "cannot connect: connection refused; check the URL and that the server is running"
                    .to_string()
            }
            k => format!("cannot connect: {k} ({source})"),
        },
        WireError::Resolve(text) => format!(
            "cannot resolve the host `{}`: {text}",
            safe_comment(&ParsedUrl::parse(&src.url).map(|u| u.host).unwrap_or_default())
        ),
        WireError::Tls(text) => match tls_hint(text) {
            Some(hint) => hint.to_string(),
            None => format!(
                "the TLS handshake failed ({}); check that the port speaks TLS for ldaps:// (or use ldap:// with --starttls)",
                safe_comment(text)
            ),
        },
        WireError::StartTls(res) => format!(
            "the server refused StartTLS (LDAP {}){}",
            res.rc,
            server_text(&res.text)
        ),
        WireError::Closed(notice) => format!(
            "the server closed the connection before the bind completed{}",
            notice.as_deref().map(server_text).unwrap_or_default()
        ),
        WireError::Malformed(what) => format!(
            "the server's answer {} is not valid LDAP ({what})",
            if phase == Phase::Connect {
                "to StartTLS"
            } else {
                "to the bind"
            }
        ),
        WireError::TooLarge(_) | WireError::TooManyBytes(_) => {
            limit_message(src, e).unwrap_or_default()
        }
    }
}

fn bind_message(src: &LdapSource, rc: u32, text: &str) -> String {
    let who = match &src.bind {
        Bind::Simple { dn, .. } => format!(" as {dn}"),
        Bind::SaslExternal => " with SASL EXTERNAL".to_string(),
        Bind::Anonymous => " anonymously".to_string(),
    };
    let server = server_text(text);
    match rc {
        49 => format!("bind refused{who}: invalid credentials (LDAP 49); check --bind-dn and the password (--bind-password-file or RESETGAP_LDAP_PASSWORD){server}"),
        8 | 13 => format!("the server requires a protected connection (LDAP {rc}); use ldaps:// or --starttls{server}"),
        7 => format!("the server does not support this bind method (LDAP 7){server}"),
        50 => format!("bind refused{who}: insufficient access (LDAP 50){server}"),
        _ => format!("bind failed{who}: LDAP result {rc}{server}"),
    }
}

/// The server's diagnostic text, which never holds the password, shortened to one line.
fn server_text(text: &str) -> String {
    let t: String = safe_comment(text.trim()).chars().take(200).collect();
    if t.is_empty() {
        String::new()
    } else {
        format!(" (server: {t})")
    }
}

fn search_message(src: &LdapSource, e: &WireError, entries: u64, bytes_read: u64) -> String {
    let kept = kept_text(src, entries);
    if bytes_read == 0 {
        if let Some(message) = no_answer(src, e, "") {
            return format!("{message}{kept}");
        }
    }
    let what = match e {
        WireError::Closed(notice) => format!(
            "the server closed the connection during the search{}",
            notice.as_deref().map(server_text).unwrap_or_default()
        ),
        WireError::Io(source) => {
            format!("the connection failed during the search: {}", source.kind())
        }
        WireError::Malformed(what) => {
            format!("the server sent a message that is not valid LDAP during the search ({what})")
        }
        WireError::Tls(text) => format!("TLS failed during the search ({})", safe_comment(text)),
        _ => match limit_message(src, e) {
            Some(m) => m,
            None => "the search failed".to_string(),
        },
    };
    format!("{what}{kept}")
}

fn result_message(src: &LdapSource, rc: u32, text: &str, entries: u64) -> String {
    let server = server_text(text);
    let kept = kept_text(src, entries);
    let what = match rc {
        32 => format!("the search base `{}` does not exist on the server (LDAP 32); check --base", safe_comment(&src.base)),
        3 => "the server's time limit ended the search (LDAP 3); raise --ldap-timeout or the server's limit".to_string(),
        4 => "the server's size limit ended the search (LDAP 4); the server may not support paged results".to_string(),
        11 => "the server's administrative limit ended the search (LDAP 11); try a smaller --ldap-page-size".to_string(),
        12 => "the server does not support paged results (LDAP 12)".to_string(),
        50 => "the bound identity may not search this base (LDAP 50)".to_string(),
        _ => format!("the search ended with LDAP result {rc}"),
    };
    format!("{what}{server}{kept}")
}

/// What was saved before a failure: the scan goes on with it.
fn kept_text(src: &LdapSource, entries: u64) -> String {
    if entries > 0 {
        format!(
            "; the directory was read only in part: the {entries} entries received before were kept in {}",
            src.evidence_path
        )
    } else {
        "; nothing was read from the directory".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(url: &str, bind: Bind) -> LdapSource {
        LdapSource {
            url: url.to_string(),
            base: "dc=example,dc=test".to_string(),
            bind,
            starttls: false,
            ca_file: None,
            allow_plaintext_bind: false,
            timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(2),
            max_entries: 10,
            max_bytes: 1 << 20,
            max_message: 1 << 16,
            page_size: 1000,
            save_ldif: PathBuf::from("/nonexistent/out.ldif"),
            evidence_path: "out.ldif".to_string(),
        }
    }

    fn simple() -> Bind {
        Bind::Simple {
            dn: "cn=admin,dc=example,dc=test".to_string(),
            password: Secret::new("hunter2-not-real"),
        }
    }

    #[test]
    fn secret_is_never_debug_printed() {
        let s = src("ldaps://h", simple());
        let text = format!("{s:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("redacted"));
    }

    #[test]
    fn url_parsing() {
        let u = ParsedUrl::parse("LDAPS://Host.Example:6360/dc=x").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port),
            ("ldaps", "Host.Example", Some(6360))
        );
        let u = ParsedUrl::parse("ldap://[::1]:389").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", Some(389)));
        assert!(u.is_loopback());
        assert!(ParsedUrl::parse("http://x").is_err());
        assert!(ParsedUrl::parse("ldap://").is_err());
        assert!(ParsedUrl::parse("ldap://h:99999").is_err());
        assert!(ParsedUrl::parse("ldap://h:port").is_err());
        assert!(ParsedUrl::parse("ldap://[::1").is_err());
        assert!(ParsedUrl::parse("nothing").is_err());
        let e = ParsedUrl::parse("ldap://user:pw@h").unwrap_err();
        assert!(!e.contains("pw@"), "{e}");
        assert!(ParsedUrl::parse("ldapi://%2Ftmp%2Fs")
            .unwrap()
            .is_loopback());
    }

    #[test]
    fn loopback_detection() {
        for h in [
            "ldap://127.0.0.1",
            "ldap://127.9.8.7:3890",
            "ldap://localhost",
            "ldap://LOCALHOST.:1",
            "ldap://[::1]",
        ] {
            assert!(ParsedUrl::parse(h).unwrap().is_loopback(), "{h}");
        }
        for h in [
            "ldap://10.0.0.1",
            "ldap://ldap.invalid",
            "ldap://128.0.0.1",
            "ldap://localhost.example",
            "ldap://[::2]",
        ] {
            assert!(!ParsedUrl::parse(h).unwrap().is_loopback(), "{h}");
        }
    }

    #[test]
    fn plaintext_simple_bind_is_refused_off_loopback() {
        let s = src("ldap://ldap.invalid", simple());
        let e = validate(&s).unwrap_err();
        assert!(
            e.contains("--allow-plaintext-bind") && e.contains("--starttls"),
            "{e}"
        );
        assert!(!e.contains("hunter2"));
        let mut ok = s.clone();
        ok.starttls = true;
        assert!(validate(&ok).is_ok());
        let mut ok = s.clone();
        ok.allow_plaintext_bind = true;
        assert!(validate(&ok).is_ok());
        assert!(validate(&src("ldaps://ldap.invalid", simple())).is_ok());
        assert!(validate(&src("ldap://127.0.0.1:3890", simple())).is_ok());
        assert!(validate(&src("ldap://ldap.invalid", Bind::Anonymous)).is_ok());
    }

    #[test]
    fn starttls_only_on_ldap_scheme() {
        let mut s = src("ldaps://h", Bind::Anonymous);
        s.starttls = true;
        assert!(validate(&s).unwrap_err().contains("--starttls"));
        s.page_size = 0;
        s.starttls = false;
        assert!(validate(&s).is_err());
    }

    #[test]
    fn safe_strings_follow_rfc2849() {
        assert!(is_safe_string(b"uid=bob,ou=people"));
        assert!(is_safe_string(b""));
        for v in [
            &b" lead"[..],
            b":colon",
            b"<url",
            b"trail ",
            b"a\nb",
            b"a\rb",
            b"a\0b",
            "caf\u{e9}".as_bytes(),
            &[0xff, 0xfe],
        ] {
            assert!(!is_safe_string(v), "{v:?}");
        }
    }

    #[test]
    fn entries_are_written_as_ldif() {
        let mut out = Vec::new();
        let mut stats = FetchStats::default();
        let attrs: Vec<Attribute> = vec![
            (b"cn", vec![b"Bob", b" spaced"]),
            (b"objectSid", vec![&[1, 5, 0, 0, 0xff]]),
            (b"description", vec![b""]),
            (b"bad name\n", vec![b"x"]),
            (b"userCertificate;binary", vec![b"ok"]),
        ];
        let mut line = 1;
        let bob = write_entry(
            &mut out,
            "cn=Bob,dc=x".as_bytes(),
            attrs,
            &mut stats,
            &mut line,
        )
        .unwrap();
        let jose = write_entry(
            &mut out,
            "cn=Jos\u{e9},dc=x".as_bytes(),
            Vec::new(),
            &mut stats,
            &mut line,
        )
        .unwrap();
        // The returned entries carry the line numbers they have in the written text.
        assert_eq!((bob.line, jose.line, line), (1, 8, 10));
        assert_eq!(bob.attrs[0].values[1].line, 3);
        assert_eq!(bob.attrs.last().unwrap().values[0].line, 6);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "dn: cn=Bob,dc=x\ncn: Bob\ncn:: IHNwYWNlZA==\nobjectSid:: AQUAAP8=\ndescription:\nuserCertificate;binary: ok\n\ndn:: Y249Sm9zw6ksZGM9eA==\n\n"
        );
        assert_eq!(stats.bad_attributes, 1);
    }

    #[test]
    fn an_entry_written_over_is_the_entry_written_afresh() {
        let big = vec![b'v'; 70 * 1024];
        let first: Vec<Attribute> = vec![
            (b"cn", vec![b"Bob", b"Robert", b"Bobby"]),
            (b"mail", vec![b"bob@example.test"]),
            (b"userPassword", vec![b"{SSHA}c2VjcmV0"]),
            (b"description", vec![&big]),
        ];
        // Fewer attributes, fewer values, a redacted value where a plain one was, a bad name.
        let second = || -> Vec<Attribute> {
            vec![
                (b"uid", vec![b"carol"]),
                (b"userPassword", vec![b"{CRYPT}$6$x$y"]),
                (b"bad name", vec![b"x"]),
            ]
        };
        let (mut stats, mut line) = (FetchStats::default(), 1);
        let mut reused = super::super::ldif::Entry::default();
        let mut sink = Vec::new();
        write_entry_into(
            &mut sink,
            b"cn=Bob,dc=x",
            first,
            &mut stats,
            &mut line,
            &mut reused,
        )
        .unwrap();
        assert_eq!(reused.attrs.len(), 4);
        // An entry holding a large value is not kept for reuse; a small one is.
        assert!(!worth_recycling(&reused));
        let at = line;
        let mut written_over = Vec::new();
        write_entry_into(
            &mut written_over,
            b"uid=carol,dc=x",
            second(),
            &mut stats,
            &mut line,
            &mut reused,
        )
        .unwrap();
        let mut fresh_out = Vec::new();
        let fresh = write_entry(
            &mut fresh_out,
            b"uid=carol,dc=x",
            second(),
            &mut FetchStats::default(),
            &mut at.clone(),
        )
        .unwrap();
        assert_eq!(reused, fresh);
        assert_eq!(written_over, fresh_out);
        assert_eq!(reused.attrs.len(), 2);
        assert_eq!(reused.attrs[1].values.len(), 1);
        // Redacted over the plain value that was there: no byte of the hash is left.
        assert!(reused.attrs[1].values[0].bytes.starts_with(b"{CRYPT}"));
        assert!(!reused.attrs[1].values[0].bytes.ends_with(b"$x$y"));
        assert!(worth_recycling(&fresh));
        assert_eq!(stats.bad_attributes, 1);
        // Many empty values hold memory in their vector alone: not kept either.
        let empties = vec![&b""[..]; 4096];
        let many = write_entry(
            &mut Vec::new(),
            b"cn=x,dc=y",
            vec![(b"description", empties)],
            &mut FetchStats::default(),
            &mut 1,
        )
        .unwrap();
        assert!(!worth_recycling(&many));
    }

    #[test]
    fn the_size_bound_covers_what_is_written() {
        let long = vec![b'x'; 1000];
        let binary = vec![0xffu8; 1001];
        let many_empty = vec![&b""[..]; 500];
        let cases: Vec<Vec<Attribute>> = vec![
            vec![],
            vec![
                (b"cn", vec![b"Bob"]),
                (b"description", vec![&long, &binary]),
            ],
            vec![(b"userPassword", vec![b"{SSHA}abc", b"clear"])],
            vec![(b"sambaNTPassword", vec![b""])],
            vec![(&[b'a'; 300], many_empty)],
        ];
        for attrs in cases {
            let bound = ldif_size_bound(b"cn=x,dc=y", &attrs);
            let mut out = Vec::new();
            let mut line = 1;
            write_entry(
                &mut out,
                b"cn=x,dc=y",
                attrs,
                &mut FetchStats::default(),
                &mut line,
            )
            .unwrap();
            assert!(out.len() as u64 <= bound, "{} > {bound}", out.len());
            assert!(
                bound <= out.len() as u64 * 2 + 200,
                "{bound} for {}",
                out.len()
            );
        }
    }

    #[test]
    fn saved_entries_keep_no_secret_value() {
        let mut out = Vec::new();
        let mut stats = FetchStats::default();
        let attrs: Vec<Attribute> = vec![
            (
                b"userPassword",
                vec![b"{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", b"Clear-Text-Pass-1"],
            ),
            (
                b"sambaNTPassword",
                vec![b"0123456789ABCDEF0123456789ABCDEF"],
            ),
            (b"ms-Mcs-AdmPwd", vec![b"Laps-Clear-1"]),
            (b"uid", vec![b"bob"]),
        ];
        let mut line = 1;
        let entry = write_entry(&mut out, b"uid=bob,dc=x", attrs, &mut stats, &mut line).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            format!(
                "dn: uid=bob,dc=x\nuserPassword: {{SSHA}}\nuserPassword: {}\nsambaNTPassword: {p}\nms-Mcs-AdmPwd: {p}\nuid: bob\n\n",
                super::super::redact::NO_SCHEME,
                p = super::super::redact::PRESENT
            )
        );
        // The parsed entry is the written one: two userPassword values, NT hash present.
        assert_eq!(entry.values("userPassword").count(), 2);
        assert!(entry.has("sambaNTPassword"));
        assert!(!format!("{entry:?}").contains("0123456789ABCDEF"));
    }

    #[test]
    #[cfg(unix)]
    fn the_saved_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("saved.ldif");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        for _ in 0..2 {
            drop(create_private(&p).unwrap());
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            assert_eq!(std::fs::read(&p).unwrap(), b"");
            std::fs::remove_file(&p).unwrap();
        }
    }

    #[test]
    fn sd_flags_control_asks_for_owner_group_and_dacl() {
        let c = sd_flags_control();
        assert_eq!(c.oid, "1.2.840.113556.1.4.801");
        assert!(!c.critical);
        // BER SEQUENCE { INTEGER 7 }: the value `ldapsearch -E '!1.2.840.113556.1.4.801=::MAMCAQc='`
        // sends.
        use base64::Engine as _;
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(c.value.unwrap()),
            "MAMCAQc="
        );
    }

    #[test]
    fn unreachable_server_is_one_clear_diagnostic() {
        // A port on loopback that nothing listens on: bind one, drop it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut s = src(&format!("ldap://127.0.0.1:{port}"), simple());
        s.save_ldif = dir.path().join("x.ldif");
        let out = scan(&s);
        assert!(out.records.is_empty());
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        let d = &out.diagnostics[0];
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.location.path, s.url);
        assert!(d.message.contains("connection refused"), "{}", d.message);
        assert!(!d.message.contains("hunter2"));
    }

    #[test]
    fn unreadable_ca_file_is_reported() {
        let mut s = src("ldaps://127.0.0.1:1", Bind::Anonymous);
        s.ca_file = Some(PathBuf::from("/nonexistent/ca.pem"));
        let e = fetch(&s, &mut Output::default()).unwrap_err();
        assert!(
            e.diagnostic.message.contains("--ca-file"),
            "{}",
            e.diagnostic.message
        );
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate").unwrap();
        s.ca_file = Some(ca);
        let e = fetch(&s, &mut Output::default()).unwrap_err();
        assert!(
            e.diagnostic.message.contains("no PEM certificate"),
            "{}",
            e.diagnostic.message
        );
    }
}
