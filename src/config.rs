//! Configuration layers for `scan`, `baseline` and `config`: the command line, then `RESETGAP_*`
//! environment variables (every long option, e.g. `RESETGAP_FAIL_ON`; clap's `env`), then the
//! `scan:` section of the config file (`--config FILE`, else `resetgap.yml` in the first scanned
//! directory), then the defaults. The file also holds `exceptions:` (see `exceptions`)
//! and `tickets:` (help-desk exports and their column maps, see `source::tickets::config`).
//!
//! The file layer is merged by re-parsing: each file key whose option came from neither the
//! command line nor the environment is passed to clap as `--key=value`, so file values are
//! validated exactly like flags. The source of every value is kept for `resetgap config`.
//! Secret-bearing variables (`RESETGAP_LDAP_PASSWORD`, `RESETGAP_SECRET_ID_KEY`) are not options
//! and are only ever shown as `(set)`.
//!
//! Also here: the fail-fast check of output paths (`-o`, `--emit-inventory`, `--save-ldif`)
//! before anything is scanned.

use crate::cli::{Cli, ScanArgs};
use crate::exceptions::RawException;
use crate::source::tickets::{RawTicketSource, TicketSources};
use anyhow::{bail, Context as _, Result};
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The config file found at the first scan root when `--config` is not given.
pub const DEFAULT_FILE: &str = "resetgap.yml";

/// Subcommands that take the scan options.
const SCAN_LIKE: [&str; 5] = ["scan", "baseline", "config", "correlate", "closure"];

/// Environment variables that hold secrets: never options, never printed.
const SECRET_VARS: [&str; 2] = ["RESETGAP_LDAP_PASSWORD", "RESETGAP_SECRET_ID_KEY"];

/// A value in the `scan:` section.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum FileValue {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<FileScalar>),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum FileScalar {
    Int(i64),
    Text(String),
}

impl FileScalar {
    fn text(&self) -> String {
        match self {
            FileScalar::Int(i) => i.to_string(),
            FileScalar::Text(t) => t.clone(),
        }
    }
}

/// The config file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    scan: BTreeMap<String, FileValue>,
    #[serde(default)]
    exceptions: Vec<RawException>,
    /// Help-desk ticket exports and their column maps (`source::tickets::config`).
    #[serde(default)]
    tickets: Vec<RawTicketSource>,
}

/// Where an effective value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Cli,
    Env(String),
    File,
    Default,
    Unset,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Cli => f.write_str("cli"),
            Source::Env(v) => write!(f, "env {v}"),
            Source::File => f.write_str("file"),
            Source::Default => f.write_str("default"),
            Source::Unset => f.write_str("unset"),
        }
    }
}

/// One option's effective value and its source.
#[derive(Clone, Debug)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub source: Source,
}

/// What the layers added to the scan options: the config file, its exceptions, the sources.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub file: Option<PathBuf>,
    pub exceptions: Vec<RawException>,
    /// The `tickets:` section, validated.
    pub tickets: TicketSources,
    pub settings: Vec<Setting>,
}

fn env_name(id: &str) -> String {
    match id {
        // RESETGAP_SECRET_ID_KEY holds the key itself (kept as it was); the file option gets its own.
        "secret_id_key" => "RESETGAP_SECRET_ID_KEY_FILE".into(),
        _ => format!("RESETGAP_{}", id.to_ascii_uppercase()),
    }
}

/// `env_name(id)` as clap wants it, `'static`: made once per option per process (interned), so
/// building the command again (tests, the fuzz targets) allocates nothing more.
fn static_env_name(id: &str) -> &'static str {
    static NAMES: std::sync::Mutex<BTreeMap<String, &'static str>> =
        std::sync::Mutex::new(BTreeMap::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    names
        .entry(id.to_string())
        .or_insert_with(|| Box::leak(env_name(id).into_boxed_str()))
}

/// The clap command with the environment layer and the per-subcommand adjustments.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for name in SCAN_LIKE {
        cmd = cmd.mut_subcommand(name, |s| {
            s.mut_args(|a| {
                if a.get_long().is_some() && !a.is_positional() {
                    let env = static_env_name(a.get_id().as_str());
                    // Help stays compact; the variables are named once below and in the README.
                    a.env(env).hide_env(true)
                } else {
                    a
                }
            })
            .after_help(
                "Every option can also be set in a RESETGAP_<OPTION> environment variable \
(RESETGAP_FAIL_ON, RESETGAP_MAX_CREDENTIAL_AGE, ...; --secret-id-key: RESETGAP_SECRET_ID_KEY_FILE) \
or under `scan:` in the config file (resetgap.yml in the first scanned directory, or --config). \
The command line wins over the environment, the environment over the file. `resetgap config` \
shows the effective values and their sources.",
            )
        });
    }
    // `correlate` takes the report options; the crawl's are hidden (and refused by
    // `cli::correlate`), and `--allow-mixed-versions` is its own.
    cmd = cmd.mut_subcommand("correlate", |s| {
        let s = s.mut_arg("paths", |a| {
            a.value_name("SHARD")
                .help("Shard files written by `scan PART --relative-to ROOT --emit-inventory FILE`")
                .required_unless_present(clap::builder::Resettable::<clap::Id>::Reset)
                .required(true)
        });
        crate::cli::CRAWL_ONLY.iter().fold(s, |s, long| {
            let id = long.replace('-', "_");
            s.mut_arg(id, |a| a.hide(true))
        })
    });
    for name in ["scan", "baseline", "config"] {
        cmd = cmd.mut_subcommand(name, |s| {
            s.mut_arg("allow_mixed_versions", |a| a.hide(true))
        });
    }
    cmd.mut_subcommand("baseline", |s| {
        s.mut_arg("output", |a| a.required(true))
            .mut_arg("format", |a| a.default_value("json"))
    })
    .mut_subcommand("closure", |s| {
        s.mut_arg("format", |a| {
            a.help("Output format: text, json or markdown")
                .hide_possible_values(true)
        })
    })
    .mut_subcommand("config", |s| {
        s.mut_arg("paths", |a| {
            a.required_unless_present(clap::builder::Resettable::<clap::Id>::Reset)
        })
    })
}

/// Parses the command line with every layer. Clap's own errors (and `--help`) are returned as
/// `clap::Error` for the caller to print and exit with; config file problems as other errors.
pub fn parse_args(argv: Vec<OsString>) -> Result<Cli> {
    let matches = command().try_get_matches_from(argv.clone())?;
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(Cli::from_arg_matches(&matches)?);
    };
    if !SCAN_LIKE.contains(&name) {
        return Ok(Cli::from_arg_matches(&matches)?);
    }
    let explicit = sub.get_one::<PathBuf>("config").cloned();
    // A shard reads the estate's config file, as `scan ROOT` would.
    let estate = sub.get_one::<PathBuf>("relative_to").cloned();
    let file = match explicit {
        Some(p) => Some(p),
        None if name == "correlate" => None,
        None => estate
            .or_else(|| {
                sub.get_many::<PathBuf>("paths")
                    .and_then(|mut p| p.next().cloned())
            })
            .filter(|p| p.is_dir())
            .map(|p| p.join(DEFAULT_FILE))
            .filter(|p| p.is_file()),
    };
    let (config, tickets) = match &file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the config file {}", p.display()))?;
            let config = crate::yaml::from_str::<FileConfig>(&text)
                .map_err(|e| anyhow::anyhow!("{}:{e}", p.display()))?;
            let tickets = crate::source::tickets::config::build(
                &p.display().to_string(),
                &text,
                &config.tickets,
            )
            .map_err(anyhow::Error::msg)?;
            (config, tickets)
        }
        None => (FileConfig::default(), TicketSources::default()),
    };
    let cmd = command();
    let sub_cmd = cmd.find_subcommand(name).expect("a scan-like subcommand");
    let mut injected = Vec::<OsString>::new();
    let mut from_file = BTreeSet::new();
    for (key, value) in &config.scan {
        let long = key.replace('_', "-");
        let Some(arg) = sub_cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()) && long != "config" && long != "help")
        else {
            bail!(
                "{}: unknown option `{key}` in `scan:` (keys are the long options, e.g. fail-on)",
                file.as_deref().unwrap_or(Path::new("")).display()
            );
        };
        let id = arg.get_id().as_str().to_string();
        if matches!(
            sub.value_source(&id),
            Some(ValueSource::CommandLine) | Some(ValueSource::EnvVariable)
        ) {
            continue;
        }
        let flag = format!("--{long}");
        let takes_values = arg.get_action().takes_values();
        match value {
            FileValue::Bool(b) => {
                if takes_values {
                    bail!("{}: `{key}` takes a value, not true/false", show(&file));
                }
                if *b {
                    injected.push(flag.into());
                }
            }
            _ if !takes_values => {
                bail!("{}: `{key}` is a switch: give true or false", show(&file));
            }
            FileValue::Int(i) => injected.push(format!("{flag}={i}").into()),
            FileValue::Text(t) => injected.push(format!("{flag}={t}").into()),
            FileValue::List(items) => {
                for i in items {
                    injected.push(format!("{flag}={}", i.text()).into());
                }
            }
        }
        from_file.insert(id);
    }
    let matches = if injected.is_empty() {
        matches
    } else {
        let pos = argv.iter().position(|a| a.as_os_str() == name).unwrap_or(1);
        let mut again: Vec<OsString> = argv[..=pos].to_vec();
        again.extend(injected);
        again.extend(argv[pos + 1..].iter().cloned());
        command().try_get_matches_from(again).map_err(|e| {
            let text = e.render().to_string();
            anyhow::anyhow!("{}: in `scan:`: {}", show(&file), text.trim())
        })?
    };
    let mut cli = Cli::from_arg_matches(&matches)?;
    let (_, sub) = matches.subcommand().expect("subcommand");
    let settings = sub_cmd
        .get_arguments()
        .filter(|a| a.get_long().is_some() && a.get_id() != "help")
        .map(|a| {
            let id = a.get_id().as_str();
            let value = sub
                .get_raw(id)
                .map(|v| {
                    v.map(|s| s.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let source = if from_file.contains(id) {
                Source::File
            } else {
                match sub.value_source(id) {
                    Some(ValueSource::CommandLine) => Source::Cli,
                    Some(ValueSource::EnvVariable) => Source::Env(env_name(id)),
                    Some(ValueSource::DefaultValue) => Source::Default,
                    _ => Source::Unset,
                }
            };
            Setting {
                key: a.get_long().unwrap_or(id).to_string(),
                value,
                source,
            }
        })
        .collect();
    let loaded = Loaded {
        file,
        exceptions: config.exceptions,
        tickets,
        settings,
    };
    if let Some(args) = cli.command.scan_args_mut() {
        args.loaded = loaded;
    }
    Ok(cli)
}

fn show(file: &Option<PathBuf>) -> String {
    file.as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// `resetgap config`: every option's effective value and where it came from.
pub fn print(args: &ScanArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.loaded.file {
        Some(f) => writeln!(out, "# config file: {}", f.display())?,
        None => writeln!(
            out,
            "# config file: none ({DEFAULT_FILE} not found, no --config)"
        )?,
    }
    let width = args
        .loaded
        .settings
        .iter()
        .map(|s| s.key.len())
        .max()
        .unwrap_or(0);
    for s in &args.loaded.settings {
        let value = if s.value.is_empty() { "-" } else { &s.value };
        writeln!(out, "{:<width$}  {value}  ({})", s.key, s.source)?;
    }
    for var in SECRET_VARS {
        let state = if std::env::var_os(var).is_some() {
            "(set)"
        } else {
            "(not set)"
        };
        writeln!(out, "{var:<width$}  {state}  (env)")?;
    }
    writeln!(out, "exceptions: {}", args.loaded.exceptions.len())?;
    writeln!(out, "ticket sources: {}", args.loaded.tickets.sources.len())?;
    Ok(crate::cli::exit::CLEAN)
}

/// Checks that each output file can be written, before anything is scanned: its directory
/// exists, it is not a directory, and an existing file is writable. Nothing is truncated.
pub fn check_outputs(args: &ScanArgs) -> Result<()> {
    let outputs = [
        ("-o", args.output.as_ref()),
        ("--emit-inventory", args.emit_inventory.as_ref()),
        ("--save-ldif", args.save_ldif.as_ref()),
    ];
    for (flag, path) in outputs {
        let Some(path) = path else { continue };
        if path.is_dir() {
            bail!("{flag} {}: is a directory", path.display());
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                bail!(
                    "{flag} {}: no such directory {}",
                    path.display(),
                    parent.display()
                );
            }
        }
        if path.exists() {
            std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .with_context(|| format!("{flag} {}: cannot write", path.display()))?;
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("{flag} {}: cannot write", path.display()))?;
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `config` fuzz target (LeakSanitizer): each `command()` leaked every option's
    /// environment variable name again. Names are interned: the same `'static` string each time.
    #[test]
    fn environment_names_are_made_once_per_process() {
        let first = static_env_name("fail_on");
        let second = static_env_name("fail_on");
        assert_eq!(first, "RESETGAP_FAIL_ON");
        assert!(std::ptr::eq(first, second));
        assert_eq!(
            static_env_name("secret_id_key"),
            "RESETGAP_SECRET_ID_KEY_FILE"
        );
    }
}
