//! The command line: clap argument structs (raw), their validation into a `ScanPlan`, and the
//! `scan` and `rules` commands. Exit codes are decided here; `main` only maps them.

use crate::correlate::IdentityMap;
use crate::discover::Root;
use crate::finding::Level;
use crate::report::github::{self, Delivery, SarifSuppressed};
use crate::report::uri::{UriBase, UriRoot};
use crate::report::{self, Format};
use crate::rule::{AdminAllowList, Catalog, RuleOptions};
use crate::scan::{self, ScanPlan};
use crate::source::directory::live;
use crate::source::secret_id::SecretIdScheme;
use crate::source::secrets::{Extractors, PreparedExtractors};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The most worker threads `--jobs` accepts (issue 13: thousands of walker threads hung the
/// crawl, and more than the OS allows panicked).
pub const MAX_JOBS: usize = 256;

/// Exit codes, stable and documented in the README.
pub mod exit {
    /// No findings at or above `--fail-on`, and every input was read.
    pub const CLEAN: u8 = 0;
    /// Findings at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// Usage, rule or configuration error.
    pub const ERROR: u8 = 2;
    /// Some inputs could not be read or parsed, and nothing gates.
    pub const INCOMPLETE: u8 = 3;
}

#[derive(Parser, Debug)]
#[command(
    name = "resetgap",
    version,
    about = "Finds the credentials and access paths that survive a password reset",
    term_width = 100,
    long_about = "Finds the credentials and access paths that survive a password reset: access keys, SSH keys, \
app passwords, local administrators, plaintext secrets and unlogged systems, across host trees, \
cloud exports and config repositories. Reports SARIF 2.1.0, JSON or a readable summary."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan collected evidence (directories or files) for reset gaps.
    Scan(Box<ScanArgs>),
    /// List, explain and check the rules.
    Rules(RulesArgs),
    /// Scan and write a baseline (JSON by default) to -o FILE, for a later `scan --baseline FILE`.
    Baseline(Box<ScanArgs>),
    /// Print the effective scan configuration and where each value came from
    /// (cli, env, file, default).
    Config(Box<ScanArgs>),
    /// Compare two reports written by resetgap (SARIF or JSON): new, fixed and unchanged findings.
    Diff(DiffArgs),
    /// Merge the shards of an estate (`scan PART --relative-to ROOT --emit-inventory FILE`),
    /// correlate and run the rules: the report one `scan ROOT` would write.
    Correlate(Box<ScanArgs>),
    /// Scan, then write the reset closure report: one record per reset in the audit logs, with
    /// what it closed and a verdict (closed, open or unprovable).
    Closure(Box<ClosureArgs>),
}

impl Command {
    /// The scan options of `scan`, `baseline` and `config`.
    pub fn scan_args_mut(&mut self) -> Option<&mut ScanArgs> {
        match self {
            Command::Scan(a)
            | Command::Baseline(a)
            | Command::Config(a)
            | Command::Correlate(a) => Some(a),
            Command::Closure(a) => Some(&mut a.scan),
            _ => None,
        }
    }
}

/// `resetgap closure`: the scan options, and which records to write.
#[derive(Args, Debug)]
pub struct ClosureArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Only the records of this identity (its name, or an account's login or login@system).
    #[arg(long, value_name = "NAME", help_heading = "Closure")]
    pub identity: Option<String>,
    /// Only resets at or after this date (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_name = "DATE", help_heading = "Closure")]
    pub since: Option<String>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier report (SARIF or JSON written by resetgap).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    None,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Directories or files to scan (host trees, exports, config repositories).
    #[arg(required_unless_present = "ldap", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The time the scan is "as of" (RFC 3339), used by every age computation. Default: now.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    /// Lowest level that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// YAML file mapping identities to accounts (`name: [system:login, ...]`); overrides the
    /// login-name heuristic.
    #[arg(long, value_name = "FILE")]
    pub identities: Option<PathBuf>,
    /// RG201: app passwords and service-specific credentials older than this are reported.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 90,
        help_heading = "Rule thresholds"
    )]
    pub max_credential_age: u32,
    /// RG203: maximum krbtgt password age in days (Maester AD-KRBTGT-01; error at twice this).
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 180,
        help_heading = "Rule thresholds"
    )]
    pub krbtgt_max_age: u32,
    /// RG302: maximum password age of privileged directory accounts (Purple Knight).
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 180,
        help_heading = "Rule thresholds"
    )]
    pub privileged_max_age: u32,
    /// RG206: maximum password age of Kerberoastable and AS-REP-roastable users.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 365,
        help_heading = "Rule thresholds"
    )]
    pub service_max_age: u32,
    /// RG207: how long a forced password change may stay pending.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 7,
        help_heading = "Rule thresholds"
    )]
    pub pending_reset_max_age: u32,
    /// RG304: days past a LAPS password's expiration before it counts as stale.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 30,
        help_heading = "Rule thresholds"
    )]
    pub laps_grace: u32,
    /// RG106: minutes a synchronised store may lag behind a directory reset.
    #[arg(
        long,
        value_name = "MINUTES",
        default_value_t = 120,
        help_heading = "Rule thresholds"
    )]
    pub sync_interval: u32,
    /// RG202: longest acceptable validity of application client secrets and certificates.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = 365,
        help_heading = "Rule thresholds"
    )]
    pub max_secret_lifetime: u32,
    /// RG603: hours after a recorded reset by which the identity's other credentials and
    /// sessions must be revoked.
    #[arg(
        long,
        value_name = "HOURS",
        default_value_t = 24,
        help_heading = "Rule thresholds"
    )]
    pub revocation_window: u32,
    /// YAML file of accepted local administrators (account, optional host glob, reason).
    #[arg(long, value_name = "FILE")]
    pub allow_admins: Option<PathBuf>,
    /// Only run these rules (codes or names, comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (codes or names, comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Also load secret extractor rules from the YAML files in DIR (format: rules/README.md).
    #[arg(long = "extractors", value_name = "DIR")]
    pub extractors: Option<PathBuf>,
    /// Read locale dates of PowerShell `Export-Csv` exports in this locale (only `en-US`:
    /// M/D/YYYY h:mm:ss AM/PM, as UTC). Without it such files are refused: prefer ConvertTo-Json.
    #[arg(long, value_name = "LOCALE", value_parser = ["en-US"])]
    pub assume_date_locale: Option<String>,
    /// Name secrets found in clear text by an HMAC with the key in FILE (at least 16 bytes),
    /// so the same secret has the same id across scans and machines. Default: the
    /// RESETGAP_SECRET_ID_KEY environment variable (the key itself), else ids from the
    /// secret's file and place, which reveal nothing of it.
    #[arg(long, value_name = "FILE")]
    pub secret_id_key: Option<PathBuf>,
    /// Skip files larger than this (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Worker threads (default: the number of CPUs).
    #[arg(short, long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_JOBS as u64))]
    pub jobs: Option<usize>,
    /// Also write the inventory (accounts, credentials without values, hosts, memberships, sudo
    /// grants, settings) as JSON Lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub emit_inventory: Option<PathBuf>,
    /// Scan PATHs as a shard of the estate in DIR: write --emit-inventory FILE with paths
    /// relative to DIR (as `scan DIR` reports them) and no report; `resetgap correlate` merges
    /// the shards.
    #[arg(long, value_name = "DIR", requires = "emit_inventory")]
    pub relative_to: Option<PathBuf>,
    /// Scan shard K of N of the one directory PATH (K from 0): its entries, and those of each
    /// directory in it that is not a host tree, split by a hash of their paths. Implies
    /// --relative-to PATH; needs --emit-inventory.
    #[arg(long, value_name = "K/N", requires = "emit_inventory", conflicts_with = "relative_to", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// correlate: combine shards written by different resetgap versions.
    #[arg(long)]
    pub allow_mixed_versions: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Print nothing on stderr but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print scan statistics on stderr.
    #[arg(short, long)]
    pub verbose: bool,

    // ---- Live LDAP (issue "Live LDAP"; branch wip-live) ----
    /// Also read a live directory (ldap://, ldaps:// or ldapi:// URL); repeatable. Runs beside
    /// the file crawl; the fetched entries are saved as LDIF (see --save-ldif).
    #[arg(long = "ldap", value_name = "URL", help_heading = "Live LDAP")]
    pub ldap: Vec<String>,
    /// Search base of each --ldap (paired by position), or one base for all.
    #[arg(
        long = "base",
        value_name = "DN",
        requires = "ldap",
        help_heading = "Live LDAP"
    )]
    pub base: Vec<String>,
    /// Simple bind as DN. The password comes from --bind-password-file or the
    /// RESETGAP_LDAP_PASSWORD environment variable, never from the command line.
    #[arg(long, value_name = "DN", requires = "ldap", help_heading = "Live LDAP")]
    pub bind_dn: Option<String>,
    /// File holding the bind password (one line).
    #[arg(
        long,
        value_name = "FILE",
        requires = "bind_dn",
        help_heading = "Live LDAP"
    )]
    pub bind_password_file: Option<PathBuf>,
    /// Bind with SASL EXTERNAL (e.g. over ldapi://) instead of a simple bind.
    #[arg(
        long,
        requires = "ldap",
        conflicts_with = "bind_dn",
        help_heading = "Live LDAP"
    )]
    pub sasl_external: bool,
    /// Upgrade ldap:// connections with StartTLS before binding (ldaps:// is TLS already).
    #[arg(long, requires = "ldap", help_heading = "Live LDAP")]
    pub starttls: bool,
    /// PEM file with the CA certificate(s) that signed the server certificate. Certificates
    /// are always verified.
    #[arg(
        long,
        value_name = "FILE",
        requires = "ldap",
        help_heading = "Live LDAP"
    )]
    pub ca_file: Option<PathBuf>,
    /// Allow a simple bind over plain ldap:// without StartTLS to a host that is not loopback.
    #[arg(long, requires = "ldap", help_heading = "Live LDAP")]
    pub allow_plaintext_bind: bool,
    /// Seconds for the whole read of one directory: connecting, binding and every page of the
    /// search (each wait for the server gets what remains). Reaching it stops that directory.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 1800,
        help_heading = "Live LDAP"
    )]
    pub ldap_timeout: u64,
    /// Seconds the server may stay silent (or not take what is sent) before that directory is
    /// given up, within --ldap-timeout. Above Active Directory's own 120 s MaxQueryDuration, so
    /// a slow page is waited for, but a stalled server costs minutes, not the whole
    /// --ldap-timeout.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Live LDAP"
    )]
    pub ldap_idle_timeout: u64,
    /// Stop reading a directory after N entries (the scan is then incomplete).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2_000_000,
        value_parser = clap::value_parser!(u64).range(1..),
        help_heading = "Live LDAP"
    )]
    pub ldap_max_entries: u64,
    /// Stop reading a directory after this many bytes from the server (K, M or G suffix); it
    /// also bounds the saved LDIF.
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "8G",
        value_parser = parse_size,
        help_heading = "Live LDAP"
    )]
    pub ldap_max_bytes: u64,
    /// Refuse an LDAP message larger than this (K, M or G suffix), from its length header,
    /// before reading it.
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "64M",
        value_parser = parse_size,
        help_heading = "Live LDAP"
    )]
    pub ldap_max_message: u64,
    /// Entries per page of the paged search (RFC 2696).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        help_heading = "Live LDAP"
    )]
    pub ldap_page_size: u32,
    /// Where to save the fetched entries (LDIF); findings point at its lines. With several
    /// --ldap, FILE gets a -N suffix per server. Default: resetgap-ldap-<host>.ldif in the
    /// directory of --output, or the current directory.
    #[arg(
        long,
        value_name = "FILE",
        requires = "ldap",
        help_heading = "Live LDAP"
    )]
    pub save_ldif: Option<PathBuf>,

    // ---- Delivery: CI, baselines, exceptions, configuration (issue 10, part B) ----
    /// Config file with `scan:` options and `exceptions:`. Default: resetgap.yml in the first
    /// scanned directory, when there is one.
    #[arg(long, value_name = "FILE", help_heading = "CI and configuration")]
    pub config: Option<PathBuf>,
    /// An earlier resetgap report (SARIF or JSON): findings in it are `unchanged` and do not
    /// gate; the text report lists only new findings, and the fixed ones are counted.
    #[arg(long, value_name = "FILE", help_heading = "CI and configuration")]
    pub baseline: Option<PathBuf>,
    /// SARIF `automationDetails.id` = NAME/ (GitHub code scanning's category). Without it the
    /// id is left to the uploader (upload-sarif's `category:`).
    #[arg(long, value_name = "NAME", help_heading = "CI and configuration")]
    pub category: Option<String>,
    /// Whether suppressed findings are written to SARIF (GitHub shows them as open alerts).
    #[arg(long, value_enum, default_value_t = SarifSuppressed::Omit, help_heading = "CI and configuration")]
    pub sarif_suppressed: SarifSuppressed,
    /// Root of SARIF URIs: `auto` is the git work tree holding the scanned paths when there is
    /// one, else the scanned directory; `scanned` is always the scanned directory.
    #[arg(long, value_enum, default_value_t = UriRoot::Auto, help_heading = "CI and configuration")]
    pub uri_root: UriRoot,
    /// With --fail-on none, still exit 3 when some inputs could not be read.
    #[arg(long, help_heading = "CI and configuration")]
    pub fail_on_incomplete: bool,
    /// Filled by the configuration layers (`config::parse_args`).
    #[arg(skip)]
    pub loaded: crate::config::Loaded,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List every rule and secret extractor (the default).
    List,
    /// Print a rule's documentation.
    Explain {
        /// Rule code (RG101) or name (token-survives-reset).
        rule: String,
    },
    /// Validate the rule files and run every extractor example and negative example.
    Check,
    /// Write one Markdown page per rule (`RGxxx.md`, the SARIF `helpUri` target) into DIR.
    Docs {
        /// Output directory (the repository keeps them in `docs/rules`).
        dir: PathBuf,
    },
    /// Print the secret extractors' regular expressions, one per line (for comparisons with grep
    /// tools, e.g. `rg -f`).
    #[command(hide = true)]
    Patterns,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => return Err(format!("unknown size suffix `{c}` (use K, M or G)")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a size"))?
        .checked_mul(mult)
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{text}` is not K/N (shard K of N, 0 <= K < N)");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n) = (
        k.trim().parse::<u32>().map_err(|_| bad())?,
        n.trim().parse::<u32>().map_err(|_| bad())?,
    );
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

fn read_config(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} file {}", path.display()))
}

/// Validates the arguments into a plan. Every problem found is an error (exit 2).
fn plan(args: &ScanArgs) -> Result<ScanPlan> {
    let as_of = match &args.as_of {
        Some(text) => text.parse::<jiff::Timestamp>().with_context(|| {
            format!("--as-of `{text}` is not an RFC 3339 time (e.g. 2026-08-21T00:00:00Z)")
        })?,
        None => jiff::Timestamp::now(),
    };
    let catalog = Catalog::bundled()
        .map_err(|p| anyhow::anyhow!("bundled rules are invalid:\n{}", p.join("\n")))?
        .select(&args.select, &args.ignore)
        .map_err(anyhow::Error::msg)?;
    let extractors = match &args.extractors {
        Some(dir) => Extractors::builtin_and_dir(dir)
            .map_err(|p| anyhow::anyhow!("invalid extractor rules:\n{}", p.join("\n")))?
            .into(),
        // A scan of live directories alone reads no file: no extractor is compiled for it.
        None if args.paths.is_empty() => PreparedExtractors::builtin_on_demand(),
        None => PreparedExtractors::builtin_in_background(),
    };
    let mut rule_options = RuleOptions::new(as_of);
    rule_options.max_credential_age_days = i64::from(args.max_credential_age);
    rule_options.krbtgt_max_age_days = i64::from(args.krbtgt_max_age);
    rule_options.privileged_max_age_days = i64::from(args.privileged_max_age);
    rule_options.service_max_age_days = i64::from(args.service_max_age);
    rule_options.pending_reset_max_age_days = i64::from(args.pending_reset_max_age);
    rule_options.laps_grace_days = i64::from(args.laps_grace);
    rule_options.sync_interval_minutes = i64::from(args.sync_interval);
    rule_options.max_secret_lifetime_days = i64::from(args.max_secret_lifetime);
    rule_options.revocation_window_hours = i64::from(args.revocation_window);
    if let Some(path) = &args.allow_admins {
        let text = read_config(path, "--allow-admins")?;
        rule_options.allow_admins = AdminAllowList::parse(&path.display().to_string(), &text)
            .map_err(anyhow::Error::msg)?;
    }
    let identities = match &args.identities {
        Some(path) => {
            let text = read_config(path, "--identities")?;
            IdentityMap::parse(&path.display().to_string(), &text).map_err(anyhow::Error::msg)?
        }
        None => IdentityMap::default(),
    };
    for p in &args.paths {
        if !p.exists() {
            bail!("{}: no such file or directory", p.display());
        }
    }
    let threads = args
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        })
        .clamp(1, MAX_JOBS);
    let ldap = ldap_sources(args)?;
    Ok(ScanPlan {
        ldap,
        roots: match (&args.relative_to, args.shard, estate_root(args)) {
            (Some(dir), _, _) => Root::relative_to(&args.paths, dir).map_err(anyhow::Error::msg)?,
            (None, Some((k, n)), Some(dir)) => Root::relative_to(
                &Root::shard_parts(&dir, k, n).map_err(anyhow::Error::msg)?,
                &dir,
            )
            .map_err(anyhow::Error::msg)?,
            _ => Root::from_args(&args.paths),
        },
        estate_root: estate_root(args),
        max_file_size: args.max_file_size,
        threads,
        extractors,
        catalog,
        rule_options,
        identities,
        progress: !args.no_progress && !args.quiet,
        sources: crate::source::SourceOptions {
            entra: *crate::source::entra::EntraOptions::default()
                .set_assume_us_dates(args.assume_date_locale.is_some()),
            secret_ids: secret_id_scheme(args)?,
            tickets: args.loaded.tickets.clone(),
        },
    })
}

/// The estate root of a shard scan: `--relative-to DIR`, or the one PATH of `--shard K/N`.
fn estate_root(args: &ScanArgs) -> Option<PathBuf> {
    match (&args.relative_to, args.shard, args.paths.as_slice()) {
        (Some(dir), _, _) => Some(dir.clone()),
        (None, Some(_), [one]) => Some(one.clone()),
        _ => None,
    }
}

/// The naming of clear-text secrets: HMAC with the key of `--secret-id-key FILE` or
/// `RESETGAP_SECRET_ID_KEY` (the key itself), else location ids. The key is never printed.
fn secret_id_scheme(args: &ScanArgs) -> Result<SecretIdScheme> {
    let (key, from) = match &args.secret_id_key {
        Some(path) => (
            std::fs::read(path).with_context(|| {
                format!("cannot read the --secret-id-key file {}", path.display())
            })?,
            format!("--secret-id-key {}", path.display()),
        ),
        None => match std::env::var_os("RESETGAP_SECRET_ID_KEY") {
            Some(v) => (v.into_encoded_bytes(), "RESETGAP_SECRET_ID_KEY".to_string()),
            None => return Ok(SecretIdScheme::default()),
        },
    };
    SecretIdScheme::keyed(&key).map_err(|e| anyhow::anyhow!("{from}: {e}"))
}

// ---- Live LDAP (branch wip-live) ----

/// Validates the live-LDAP options into sources. Every problem is an error (exit 2) before any
/// connection is made; the password is read here and never printed.
fn ldap_sources(args: &ScanArgs) -> Result<Vec<live::LdapSource>> {
    use live::{Bind, LdapSource, Secret};
    if args.ldap.is_empty() {
        return Ok(Vec::new());
    }
    let bases: Vec<&String> = match args.base.len() {
        0 => bail!("--ldap needs --base DN (the search base)"),
        1 => vec![&args.base[0]; args.ldap.len()],
        n if n == args.ldap.len() => args.base.iter().collect(),
        n => bail!(
            "{n} --base for {} --ldap: give one --base for all, or one per --ldap in the same order",
            args.ldap.len()
        ),
    };
    let bind = match (&args.bind_dn, args.sasl_external) {
        (Some(dn), _) => {
            let password = match &args.bind_password_file {
                Some(path) => {
                    let text = read_config(path, "--bind-password-file")?;
                    let line = text.strip_suffix('\n').unwrap_or(&text);
                    line.strip_suffix('\r').unwrap_or(line).to_string()
                }
                None => match std::env::var("RESETGAP_LDAP_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => bail!(
                        "--bind-dn needs a password: --bind-password-file FILE or the RESETGAP_LDAP_PASSWORD environment variable"
                    ),
                },
            };
            if password.is_empty() {
                bail!("the bind password is empty (an empty simple bind is an unauthenticated bind, RFC 4513 5.1.2)");
            }
            Bind::Simple {
                dn: dn.clone(),
                password: Secret::new(password),
            }
        }
        (None, true) => Bind::SaslExternal,
        (None, false) => Bind::Anonymous,
    };
    if let Some(ca) = &args.ca_file {
        if !ca.is_file() {
            bail!("--ca-file {}: no such file", ca.display());
        }
    }
    let several = args.ldap.len() > 1;
    let mut sources = Vec::new();
    for (i, (url, base)) in args.ldap.iter().zip(bases).enumerate() {
        let parsed = live::ParsedUrl::parse(url).map_err(anyhow::Error::msg)?;
        let file = match &args.save_ldif {
            Some(f) => f.clone(),
            None => {
                let host: String = if parsed.scheme == "ldapi" {
                    "ldapi".to_string()
                } else {
                    parsed
                        .host
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect()
                };
                let dir = args
                    .output
                    .as_ref()
                    .filter(|o| !o.exists() || o.is_file())
                    .and_then(|o| o.parent())
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                dir.join(format!("resetgap-ldap-{host}.ldif"))
            }
        };
        let file = if several {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = match file.extension() {
                Some(ext) => format!("{stem}-{}.{}", i + 1, ext.to_string_lossy()),
                None => format!("{stem}-{}", i + 1),
            };
            file.with_file_name(name)
        } else {
            file
        };
        let source = LdapSource {
            url: url.clone(),
            base: base.clone(),
            bind: bind.clone(),
            // StartTLS upgrades ldap:// only; ldaps:// is TLS already, ldapi:// a local socket.
            starttls: args.starttls && parsed.scheme == "ldap",
            ca_file: args.ca_file.clone(),
            allow_plaintext_bind: args.allow_plaintext_bind,
            timeout: std::time::Duration::from_secs(args.ldap_timeout.max(1)),
            idle_timeout: std::time::Duration::from_secs(args.ldap_idle_timeout),
            max_entries: args.ldap_max_entries,
            max_bytes: args.ldap_max_bytes,
            max_message: args.ldap_max_message,
            page_size: args.ldap_page_size,
            evidence_path: crate::discover::report_path(&file),
            save_ldif: file,
        };
        live::validate(&source).map_err(anyhow::Error::msg)?;
        sources.push(source);
    }
    Ok(sources)
}

/// Runs `resetgap scan` and returns the exit code.
pub fn scan(args: &ScanArgs) -> Result<u8> {
    run_scan(args, false)
}

/// Runs `resetgap baseline -o FILE`: a scan whose report is the baseline; findings never gate.
pub fn baseline(args: &ScanArgs) -> Result<u8> {
    run_scan(args, true)
}

/// Runs `resetgap diff OLD NEW`.
pub fn diff(args: &DiffArgs, out: &mut dyn Write) -> Result<u8> {
    let old = crate::baseline::Report::load(&args.old)?;
    let new = crate::baseline::Report::load(&args.new)?;
    let d = crate::baseline::diff(&old, &new);
    match args.format {
        DiffFormat::Text => d.write_text(out)?,
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &d)?;
            writeln!(out)?;
        }
    }
    Ok(exit::CLEAN)
}

/// The exceptions of the config file.
fn exceptions(args: &ScanArgs) -> Result<crate::exceptions::Exceptions> {
    Ok(match &args.loaded.file {
        Some(file) if !args.loaded.exceptions.is_empty() => {
            let all = Catalog::bundled().map_err(|p| anyhow::anyhow!("{}", p.join("\n")))?;
            crate::exceptions::Exceptions::build(
                &file.display().to_string(),
                &args.loaded.exceptions,
                &all,
            )
            .map_err(anyhow::Error::msg)?
        }
        _ => crate::exceptions::Exceptions::default(),
    })
}

fn run_scan(args: &ScanArgs, write_baseline: bool) -> Result<u8> {
    crate::config::check_outputs(args)?;
    if args.allow_mixed_versions {
        bail!("--allow-mixed-versions is an option of `resetgap correlate`");
    }
    if args.shard.is_some() && !(args.paths.len() == 1 && args.paths[0].is_dir()) {
        bail!("--shard K/N splits one directory: give the estate root as the only PATH");
    }
    let plan = plan(args)?;
    if args.relative_to.is_some() || args.shard.is_some() {
        if write_baseline {
            bail!("--relative-to writes a shard, not a baseline: run `resetgap baseline` on the shards' `correlate`");
        }
        return run_shard(args, &plan);
    }
    let reporting = Reporting::load(args)?;
    let started = std::time::Instant::now();
    let result = pool(plan.threads)?.install(|| scan::run(&plan));
    let names = args
        .paths
        .iter()
        .map(|p| report::scope::root_name(p))
        .chain(args.ldap.iter().cloned())
        .collect();
    let view = View {
        catalog: &plan.catalog,
        rule_options: &plan.rule_options,
        as_of: plan.rule_options.as_of,
        rule_set: Catalog::rule_set_hash(&plan.extractors),
        uri_base: UriBase::for_roots(&plan.roots, args.uri_root).with_files(
            &plan
                .ldap
                .iter()
                .map(|l| (l.evidence_path.clone(), l.save_ldif.clone()))
                .collect::<Vec<_>>(),
        ),
        // Names only: an absolute path would leak the machine's layout and make the same
        // evidence scanned from two places give different reports.
        roots: names,
    };
    finish(args, result, &view, reporting, started, write_baseline)
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")
}

/// `scan PART... --relative-to ROOT --emit-inventory FILE`: the map step only. Writes the shard
/// (`crate::shard`) and no report; its findings come from `correlate`. Exit 0 once written (3
/// with --fail-on-incomplete when some input could not be read: `correlate` reports it too).
fn run_shard(args: &ScanArgs, plan: &ScanPlan) -> Result<u8> {
    let (Some(root), Some(path)) = (estate_root(args), &args.emit_inventory) else {
        bail!("--relative-to writes a shard: give --emit-inventory FILE");
    };
    if args.output.is_some() || args.baseline.is_some() {
        bail!("a shard (--relative-to) writes no report: give -o and --baseline to `resetgap correlate`");
    }
    if !plan.ldap.is_empty() {
        bail!("--ldap cannot be a shard's part yet: save the directory with `scan --ldap ... --save-ldif FILE` and put FILE in the estate");
    }
    let started = std::time::Instant::now();
    let collected = pool(plan.threads)?.install(|| scan::collect(plan));
    let mut header = crate::shard::Header::new(
        crate::shard::Kind::Shard,
        plan.rule_options.as_of,
        Catalog::rule_set_hash(&plan.extractors),
    );
    header.estate = Some(report::scope::root_name(&root));
    header.work_tree_path = UriBase::for_roots(
        &[Root {
            path: root.clone(),
            prefix: String::new(),
        }],
        UriRoot::Auto,
    )
    .scanned_dir_in_tree()
    .map(str::to_string);
    header.roots = plan.roots.iter().map(|r| r.prefix.clone()).collect();
    header.secret_key = plan.sources.secret_ids.key_check();
    header.describe(&collected);
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    crate::shard::write(&header, &collected, &mut w)
        .and_then(|_| w.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut err = std::io::stderr().lock();
    if !args.quiet {
        for line in crate::diag::summary_lines(&collected.diagnostics, args.verbose) {
            let _ = writeln!(err, "resetgap: {line}");
        }
    }
    if args.verbose {
        let _ = writeln!(
            err,
            "resetgap: shard {}: {} files ({} bytes) in {:.2}s; {} records, {} diagnostics",
            path.display(),
            collected.files,
            collected.bytes,
            started.elapsed().as_secs_f64(),
            collected.records.len(),
            collected.diagnostics.len()
        );
    }
    let incomplete = collected
        .diagnostics
        .iter()
        .any(crate::diag::Diagnostic::makes_incomplete);
    Ok(if incomplete && args.fail_on_incomplete {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    })
}

/// Options of `scan` that only the crawl reads: `correlate` refuses them (its shards were
/// crawled already), by their long names.
pub const CRAWL_ONLY: [&str; 20] = [
    "max-file-size",
    "shard",
    "extractors",
    "assume-date-locale",
    "relative-to",
    "ldap",
    "base",
    "bind-dn",
    "bind-password-file",
    "sasl-external",
    "starttls",
    "ca-file",
    "allow-plaintext-bind",
    "ldap-timeout",
    "ldap-idle-timeout",
    "ldap-max-entries",
    "ldap-max-bytes",
    "ldap-max-message",
    "ldap-page-size",
    "save-ldif",
];

/// Runs `resetgap correlate SHARD...`: reads the shards, checks they belong together, and runs
/// the reduce step and the report exactly as `scan ROOT` would.
pub fn correlate(args: &ScanArgs) -> Result<u8> {
    crate::config::check_outputs(args)?;
    let given: Vec<String> = args
        .loaded
        .settings
        .iter()
        .filter(|s| {
            CRAWL_ONLY.contains(&s.key.as_str())
                && !matches!(
                    s.source,
                    crate::config::Source::Default | crate::config::Source::Unset
                )
        })
        .map(|s| format!("--{}", s.key))
        .collect();
    if !given.is_empty() {
        bail!(
            "{} {} to the shard scans, not to correlate",
            given.join(", "),
            if given.len() == 1 {
                "belongs"
            } else {
                "belong"
            }
        );
    }
    if args.paths.is_empty() {
        bail!(
            "correlate needs the shard files (scan PART --relative-to ROOT --emit-inventory FILE)"
        );
    }
    let mut plan = plan(args)?;
    let reporting = Reporting::load(args)?;
    let started = std::time::Instant::now();
    let mut shards = Vec::new();
    for p in &args.paths {
        shards.push(crate::shard::read(p)?);
    }
    let estate = crate::shard::combine(
        shards,
        &crate::shard::Combine {
            as_of: args.as_of.as_ref().map(|_| plan.rule_options.as_of),
            allow_mixed_versions: args.allow_mixed_versions,
            secret_key: plan.sources.secret_ids.key_check(),
        },
    )
    .map_err(anyhow::Error::msg)?;
    plan.rule_options.as_of = estate.as_of;
    let result = pool(plan.threads)?.install(|| {
        scan::reduce(
            estate.collected,
            &plan.identities,
            &plan.catalog,
            &plan.rule_options,
        )
    });
    let view = View {
        catalog: &plan.catalog,
        rule_options: &plan.rule_options,
        as_of: estate.as_of,
        rule_set: estate.rule_set,
        uri_base: match (args.uri_root, estate.work_tree_path) {
            (UriRoot::Auto, Some(rel)) => UriBase::scanned_dir_at(rel),
            _ => UriBase::scanned(),
        },
        roots: vec![estate.name],
    };
    finish(args, result, &view, reporting, started, false)
}

/// The baseline and exceptions a report is compared with and filtered by.
struct Reporting {
    baseline: Option<crate::baseline::Report>,
    exceptions: crate::exceptions::Exceptions,
}

impl Reporting {
    fn load(args: &ScanArgs) -> Result<Reporting> {
        let baseline = match &args.baseline {
            Some(path) => Some(crate::baseline::Report::load(path).context("--baseline")?),
            None => None,
        };
        let exceptions = exceptions(args)?;
        Ok(Reporting {
            baseline,
            exceptions,
        })
    }
}

/// What the report says about the scan besides its findings.
struct View<'a> {
    catalog: &'a Catalog,
    /// The rules' options (`as_of` among them), for the closure records.
    rule_options: &'a crate::rule::RuleOptions,
    as_of: jiff::Timestamp,
    rule_set: String,
    uri_base: UriBase,
    /// The roots as reports name them.
    roots: Vec<String>,
}

/// Exceptions, baseline, `--emit-inventory`, stderr, the report and the exit code: the same for
/// a scan and for `correlate`.
fn finish(
    args: &ScanArgs,
    mut result: scan::ScanResult,
    view: &View<'_>,
    reporting: Reporting,
    started: std::time::Instant,
    write_baseline: bool,
) -> Result<u8> {
    let Reporting {
        baseline,
        exceptions,
    } = reporting;
    let catalog = view.catalog;
    let applied = exceptions.apply(&mut result.findings, view.as_of);
    let baseline_summary = baseline
        .as_ref()
        .map(|b| crate::baseline::apply(&mut result.findings, b));

    if let Some(path) = &args.emit_inventory {
        let mut header = crate::shard::Header::new(
            crate::shard::Kind::Inventory,
            view.as_of,
            view.rule_set.clone(),
        );
        header.roots = view.roots.clone();
        header.files = result.files;
        header.bytes = result.bytes;
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        report::inventory::write_jsonl(&mut header, &result.inventory, &result.correlation, &mut w)
            .and_then(|_| w.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut err = std::io::stderr().lock();
    if !args.quiet {
        for line in crate::diag::summary_lines(&result.diagnostics, args.verbose) {
            let _ = writeln!(err, "resetgap: {line}");
        }
    }
    if args.verbose {
        let secs = started.elapsed().as_secs_f64();
        let _ = writeln!(
            err,
            "resetgap: scanned {} files ({} bytes) in {secs:.2}s; {} accounts, {} credentials, {} hosts; {} findings",
            result.files,
            result.bytes,
            result.inventory.accounts.len(),
            result.inventory.credentials.len(),
            result.inventory.hosts.len(),
            result.findings.len()
        );
        for (phase, secs) in &result.timings {
            let _ = writeln!(err, "resetgap:   {phase}: {secs:.2}s");
        }
    }
    let (_, total) = github::select(&result.findings, catalog, args.sarif_suppressed, usize::MAX);
    let truncated = (args.format == Format::Sarif && total > github::MAX_RESULTS)
        .then_some((github::MAX_RESULTS, total));
    if !args.quiet {
        for (ticket, expires, n) in &applied.expired {
            let _ = writeln!(
                err,
                "resetgap: warning: exception {ticket} expired on {expires}; {n} finding(s) no longer suppressed"
            );
        }
        if let Some(b) = &baseline_summary {
            let _ = writeln!(
                err,
                "resetgap: baseline: {} new, {} unchanged, {} fixed",
                b.new, b.unchanged, b.fixed
            );
        }
    }
    if let Some((kept, total)) = truncated {
        let _ = writeln!(
            err,
            "resetgap: warning: {total} results exceed GitHub's limit of {kept} per run; the SARIF keeps the {kept} most severe"
        );
    }
    drop(err);

    let delivery = Delivery {
        category: args.category.clone(),
        uri_base: view.uri_base.clone(),
        truncated,
        baseline: baseline_summary,
        sarif_suppressed: args.sarif_suppressed,
    };
    // With a baseline, the text report lists only the new findings (unchanged ones never gate,
    // so the exit code below is the same either way).
    if baseline_summary.is_some() && args.format == Format::Text {
        result
            .findings
            .retain(|f| f.baseline_state != Some(crate::finding::BaselineState::Unchanged));
    }
    let (scope, story, closure) = report::assemble_with(
        view.rule_options,
        view.rule_set.clone(),
        catalog,
        &result,
        view.roots.clone(),
        args.format.shows_closure(),
    );
    let full = report::Report {
        catalog,
        findings: &result.findings,
        diagnostics: &result.diagnostics,
        scope: &scope,
        story: &story,
        closure: &closure,
        delivery: &delivery,
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            report::write(&mut w, args.format, &full)
                .and_then(|_| w.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            report::write(&mut w, args.format, &full).and_then(|_| w.flush())?;
        }
    }

    let threshold = match args.fail_on {
        _ if write_baseline => None,
        FailOn::Error => Some(Level::Error),
        FailOn::Warning => Some(Level::Warning),
        FailOn::Note => Some(Level::Note),
        FailOn::None => None,
    };
    // Suppressed findings and findings already in the baseline never gate.
    let gating = threshold.is_some_and(|t| {
        result.findings.iter().any(|f| {
            f.suppressed.is_none()
                && f.baseline_state != Some(crate::finding::BaselineState::Unchanged)
                && f.level.rank() >= t.rank()
        })
    });
    // `--fail-on none` never fails, not even on an incomplete scan, unless --fail-on-incomplete.
    let incomplete_fails = args.fail_on_incomplete || (threshold.is_some() && !write_baseline);
    let code = if gating {
        exit::FINDINGS
    } else if result.incomplete() && incomplete_fails {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    };
    // The process ends after the report (only `main` calls this): the kernel takes the
    // inventory's memory back at exit faster than freeing it record by record, which was about
    // 0.1 s of a 1.5 s live scan of 100,000 entries.
    std::mem::forget((result, scope, story, closure));
    Ok(code)
}

/// `--since`: a day (`YYYY-MM-DD`, its start in UTC) or an RFC 3339 time.
fn parse_since(text: &str) -> Result<jiff::Timestamp> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| format!("{d}T00:00:00Z").parse::<jiff::Timestamp>().ok())
        .with_context(|| {
            format!("--since `{text}` is neither a date (2026-08-01) nor an RFC 3339 time")
        })
}

/// Whether record `r` is of the identity `name`: its name, or one of its accounts as `login` or
/// `login@system`, compared ignoring case.
fn of_identity(r: &crate::closure::ClosureRecord, name: &str) -> bool {
    let name = name.trim();
    r.identity.name.eq_ignore_ascii_case(name)
        || r.identity.accounts.iter().any(|a| {
            a.eq_ignore_ascii_case(name)
                || a.rsplit_once('@')
                    .is_some_and(|(login, _)| login.eq_ignore_ascii_case(name))
        })
}

/// Runs `resetgap closure`: a scan, then one closure record per reset in the ledger. Exit 0 when
/// every record is closed (or there is no reset), 1 when one is open or unprovable, 2 on error,
/// 3 when some input could not be read (as `scan` decides it).
pub fn closure(args: &ClosureArgs) -> Result<u8> {
    let s = &args.scan;
    if !matches!(s.format, Format::Text | Format::Json | Format::Markdown) {
        bail!("closure writes text, json or markdown (--format)");
    }
    let since = args.since.as_deref().map(parse_since).transpose()?;
    crate::config::check_outputs(s)?;
    let plan = plan(s)?;
    let exceptions = exceptions(s)?;
    let mut result = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .context("cannot start worker threads")?
        .install(|| scan::run(&plan));
    let applied = exceptions.apply(&mut result.findings, plan.rule_options.as_of);
    if !s.quiet {
        let mut err = std::io::stderr().lock();
        for line in crate::diag::summary_lines(&result.diagnostics, s.verbose) {
            let _ = writeln!(err, "resetgap: {line}");
        }
        for (ticket, expires, n) in &applied.expired {
            let _ = writeln!(
                err,
                "resetgap: warning: exception {ticket} expired on {expires}; {n} finding(s) no longer suppressed"
            );
        }
    }
    let (scope, _, mut records) = report::assemble(
        &plan,
        &result,
        s.paths
            .iter()
            .map(|p| report::scope::root_name(p))
            .chain(s.ldap.iter().cloned())
            .collect(),
    );
    if let Some(name) = &args.identity {
        records.retain(|r| of_identity(r, name));
    }
    if let Some(since) = since {
        records.retain(|r| r.at >= since);
    }
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match s.format {
            Format::Json => crate::closure::render::json(w, &scope, &records),
            Format::Markdown => crate::closure::render::markdown(w, &scope, &records),
            _ => crate::closure::render::text(w, &scope, &records),
        }?;
        w.flush()
    };
    match &s.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            write(&mut std::io::BufWriter::new(file))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))?,
    }
    let unclosed = records
        .iter()
        .any(|r| r.verdict != crate::closure::Verdict::Closed);
    let incomplete_fails = s.fail_on_incomplete || s.fail_on != FailOn::None;
    Ok(if unclosed {
        exit::FINDINGS
    } else if result.incomplete() && incomplete_fails {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    })
}

/// Runs `resetgap rules ...`.
pub fn rules(args: &RulesArgs, out: &mut dyn Write) -> Result<u8> {
    let catalog = Catalog::bundled().map_err(|p| anyhow::anyhow!("{}", p.join("\n")));
    let extractors = Extractors::builtin().map_err(|p| anyhow::anyhow!("{}", p.join("\n")));
    match args.command.as_ref().unwrap_or(&RulesCommand::List) {
        RulesCommand::List => {
            let catalog = catalog?;
            writeln!(
                out,
                "{:<6}  {:<36}  {:<19}  {:>8}  summary",
                "code", "name", "levels", "severity"
            )?;
            for r in &catalog.rules {
                let m = &r.meta;
                writeln!(
                    out,
                    "{:<6}  {:<36}  {:<19}  {:>8}  {}",
                    m.code,
                    m.name,
                    m.levels_text(),
                    m.security_severity,
                    m.summary
                )?;
            }
            let extractors = extractors?;
            writeln!(out)?;
            writeln!(out, "secret extractors (used by RG501):")?;
            for (id, name) in extractors.rules() {
                writeln!(out, "  {id:<28}  {name}")?;
            }
            Ok(exit::CLEAN)
        }
        RulesCommand::Explain { rule } => {
            let catalog = catalog?;
            match catalog.find(rule) {
                Some(r) => {
                    write!(out, "{}", r.meta.help_text())?;
                    Ok(exit::CLEAN)
                }
                None => bail!("unknown rule `{rule}` (see `resetgap rules`)"),
            }
        }
        RulesCommand::Docs { dir } => {
            let catalog = catalog?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for r in &catalog.rules {
                let path = dir.join(format!("{}.md", r.meta.code));
                std::fs::write(&path, r.meta.doc_page())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            let index = dir.join("README.md");
            std::fs::write(&index, crate::rule::meta::docs_index(&catalog))
                .with_context(|| format!("cannot write {}", index.display()))?;
            writeln!(
                out,
                "wrote {} rule pages and README.md to {}",
                catalog.rules.len(),
                dir.display()
            )?;
            Ok(exit::CLEAN)
        }
        RulesCommand::Patterns => {
            for p in extractors?.patterns() {
                writeln!(out, "{p}")?;
            }
            Ok(exit::CLEAN)
        }
        RulesCommand::Check => {
            let mut problems = Vec::new();
            let mut checked = 0;
            match &catalog {
                Ok(c) => checked += c.rules.len(),
                Err(e) => problems.push(e.to_string()),
            }
            match &extractors {
                Ok(x) => {
                    checked += x.rules().len();
                    problems.extend(x.check());
                }
                Err(e) => problems.push(e.to_string()),
            }
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            if problems.is_empty() {
                writeln!(out, "{checked} rules checked: all valid, every example and negative example behaves")?;
                Ok(exit::CLEAN)
            } else {
                writeln!(out, "{} problems", problems.len())?;
                Ok(exit::ERROR)
            }
        }
    }
}
