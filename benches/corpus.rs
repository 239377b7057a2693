//! Deterministic synthetic estate for benchmarks: N Linux host trees full of config files of
//! mixed kinds, a few AWS IAM exports, and planted (invented) secrets at a known rate.
//!
//! Same `(hosts, files_per_host, seed)` → byte-identical tree. The PRNG is splitmix64; no
//! `rand` crate. Every value is random and invented: nothing here is a real credential.
//!
//! Layout under `dir`:
//! - `hosts/<name>/` — `etc/{passwd,shadow,group,sudoers,hostname}`, `etc/ssh/sshd_config`,
//!   `home/<user>/.ssh/authorized_keys` (ed25519 keys), `manifest.json`, then config files
//!   (YAML, JSON, INI, .env, .properties, shell, logs, markdown) until the host holds
//!   `files_per_host` files (at least the fixed ones);
//! - `aws/credential-report.csv`, `aws/list-access-keys.json`.
//!
//! About one config file in [`PLANT_EVERY`] holds exactly one planted secret: an AWS access key
//! id, a `password:` assignment with a user sibling, a GitHub token or a private key block.
//! Filler text never contains a secret-like assignment (its keys avoid password/secret words).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// One config file in this many holds a planted secret (on average).
pub const PLANT_EVERY: u64 = 50;

/// What was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub hosts: u64,
    pub files: u64,
    pub bytes: u64,
    /// Planted secrets in config files (one per planted file), by kind.
    pub planted_aws_key_ids: u64,
    pub planted_passwords: u64,
    pub planted_github_tokens: u64,
    pub planted_private_keys: u64,
    /// `mysql -p…` command lines planted in shell histories (mixed corpus only).
    pub planted_history_passwords: u64,
    /// Access keys listed in `aws/list-access-keys.json` (AKIA ids, not planted secrets).
    pub aws_listed_keys: u64,
    /// ed25519 keys in authorized_keys files.
    pub ssh_keys: u64,
}

impl Counts {
    pub fn planted(&self) -> u64 {
        self.planted_aws_key_ids
            + self.planted_passwords
            + self.planted_github_tokens
            + self.planted_private_keys
            + self.planted_history_passwords
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "hosts={} files={} bytes={} planted={} (aws_key_ids={} passwords={} github_tokens={} \
             private_keys={} history_passwords={}) aws_listed_keys={} ssh_keys={}",
            self.hosts,
            self.files,
            self.bytes,
            self.planted(),
            self.planted_aws_key_ids,
            self.planted_passwords,
            self.planted_github_tokens,
            self.planted_private_keys,
            self.planted_history_passwords,
            self.aws_listed_keys,
            self.ssh_keys
        )
    }
}

/// splitmix64: tiny, fast, good enough for synthetic data, fully deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; tiny modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| *self.pick(alphabet) as char)
            .collect::<String>()
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// Log-uniform size in `lo..=hi` (many small files, a tail of larger ones).
    pub fn log_size(&mut self, lo: u64, hi: u64) -> usize {
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        (l + (h - l) * u).exp() as usize
    }
}

const UPPER_B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const HASH_CHARS: &[u8] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Standard base64 with padding (self-contained so this module needs no crate).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The base64 wire blob of a random ssh-ed25519 public key.
pub fn ed25519_blob(rng: &mut Rng) -> String {
    let mut blob = Vec::with_capacity(51);
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend_from_slice(&rng.bytes(32));
    base64(&blob)
}

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki", "zane",
    "amara", "bilal", "chen", "dmitri", "esra", "farid", "gita", "hana", "ines", "jonas",
];
const LAST: &[&str] = &[
    "okafor",
    "lindqvist",
    "ibrahim",
    "novak",
    "tanaka",
    "garcia",
    "mueller",
    "rossi",
    "kowalski",
    "haddad",
    "silva",
    "nguyen",
    "kim",
    "dubois",
    "jensen",
    "moreau",
];
const APPS: &[&str] = &[
    "billing",
    "orders",
    "inventory",
    "reports",
    "gateway",
    "auth",
    "search",
    "mailer",
    "ledger",
    "catalog",
    "scheduler",
    "metrics",
    "exporter",
    "notifier",
    "checkout",
    "payroll",
    "crm",
];
const ROLES: &[&str] = &[
    "web", "db", "app", "cache", "queue", "batch", "edge", "bastion",
];
const ENVS: &[&str] = &["prod", "staging", "dev", "qa"];
const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2"];
/// Filler keys: deliberately free of password/secret/token words.
const KEYS: &[&str] = &[
    "host",
    "port",
    "timeout",
    "retries",
    "pool_size",
    "log_level",
    "listen",
    "workers",
    "max_connections",
    "cache_ttl",
    "region",
    "bucket",
    "queue_name",
    "enabled",
    "endpoint",
    "batch_size",
    "interval",
    "threshold",
    "replicas",
    "namespace",
    "path",
    "format",
    "level",
    "buffer",
    "compression",
    "locale",
    "timezone",
    "feature_flag",
    "upstream",
    "backoff",
];
const WORDS: &[&str] = &[
    "the",
    "service",
    "restarts",
    "after",
    "deploy",
    "and",
    "reads",
    "its",
    "configuration",
    "from",
    "this",
    "file",
    "on",
    "every",
    "host",
    "operators",
    "should",
    "check",
    "that",
    "logs",
    "rotate",
    "nightly",
    "when",
    "disk",
    "usage",
    "grows",
    "beyond",
    "limit",
    "queue",
    "workers",
    "drain",
    "before",
    "shutdown",
    "metrics",
    "are",
    "exported",
    "to",
    "collector",
    "a",
    "of",
    "in",
    "is",
    "with",
    "for",
    "backup",
    "window",
    "runs",
    "at",
    "midnight",
    "UTC",
    "cluster",
    "node",
    "replica",
    "lag",
    "alerts",
    "page",
    "on-call",
    "engineer",
    "runbook",
];
/// Prose that mentions credentials without assigning any (keyword pre-filters fire, rules must not).
const CRED_PROSE: &[&str] = &[
    "Rotate the password for the service account after every incident.",
    "Never commit a secret to this repository; use the vault instead.",
    "The access key is issued by the platform team on request.",
    "Reset your password through the self-service portal.",
];
const LOG_MSGS: &[&str] = &[
    "request completed",
    "connection established",
    "cache miss",
    "retrying upstream",
    "job finished",
    "health check ok",
    "slow query detected",
    "user session started",
    "authentication succeeded",
    "rotating log file",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Yaml,
    Json,
    Ini,
    Env,
    Properties,
    Shell,
    Log,
    Markdown,
}

const KINDS: &[Kind] = &[
    Kind::Yaml,
    Kind::Yaml,
    Kind::Json,
    Kind::Ini,
    Kind::Env,
    Kind::Properties,
    Kind::Shell,
    Kind::Log,
    Kind::Log,
    Kind::Markdown,
];

#[derive(Clone, Copy, Debug)]
enum Plant {
    AwsKeyId,
    Password,
    GithubToken,
    PrivateKey,
}

struct Writer<'a> {
    counts: &'a mut Counts,
    /// The corpus root: planted paths are recorded relative to it.
    root: &'a Path,
    /// (path relative to the root, kind) of every file holding a planted secret.
    planted: Vec<(String, &'static str)>,
}

impl Writer<'_> {
    fn write(&mut self, path: &Path, content: &str) -> io::Result<()> {
        self.write_bytes(path, content.as_bytes())
    }

    fn write_bytes(&mut self, path: &Path, content: &[u8]) -> io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, content)?;
        self.counts.files += 1;
        self.counts.bytes += content.len() as u64;
        Ok(())
    }

    fn plant(&mut self, path: &Path, kind: &'static str) {
        let rel = path.strip_prefix(self.root).unwrap_or(path);
        self.planted
            .push((rel.to_string_lossy().replace('\\', "/"), kind));
    }
}

fn word_line(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let word: &str = rng.pick::<&str>(WORDS);
        s.push_str(word);
    }
    s
}

fn value(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => rng.range(1, 65535).to_string(),
        1 => (*rng.pick(&["true", "false"])).to_string(),
        2 => format!("{}.internal", rng.pick(APPS)),
        3 => rng.string(HEX, 12),
        4 => format!("/var/lib/{}/{}", rng.pick(APPS), rng.pick(KEYS)),
        _ => (*rng.pick(REGIONS)).to_string(),
    }
}

fn user_name(rng: &mut Rng) -> String {
    format!("{}.{}", rng.pick(FIRST), rng.pick(LAST))
}

fn aws_key_id(rng: &mut Rng) -> String {
    format!("AKIA{}", rng.string(UPPER_B32, 16))
}

fn github_token(rng: &mut Rng) -> String {
    format!("ghp_{}", rng.string(ALNUM, 36))
}

fn password_value(rng: &mut Rng) -> String {
    format!("{}-{}", rng.string(ALNUM, 10), rng.string(ALNUM, 6))
}

fn private_key_block(rng: &mut Rng) -> String {
    let len = rng.range(300, 600) as usize;
    let body = base64(&rng.bytes(len));
    let mut s = String::from("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for chunk in body.as_bytes().chunks(70) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        s.push('\n');
    }
    s.push_str("-----END OPENSSH PRIVATE KEY-----\n");
    s
}

/// The planted secret in the syntax of `kind`.
fn planted_text(rng: &mut Rng, kind: Kind, plant: Plant) -> String {
    let user = format!("svc_{}", rng.pick(APPS));
    match plant {
        Plant::AwsKeyId => match kind {
            Kind::Yaml => format!("aws_access_key_id: {}\n", aws_key_id(rng)),
            Kind::Json => format!("  \"AccessKeyId\": \"{}\",\n", aws_key_id(rng)),
            Kind::Env | Kind::Shell => format!("export AWS_ACCESS_KEY_ID={}\n", aws_key_id(rng)),
            Kind::Log => format!(
                "2026-08-01T10:00:00Z INFO using credentials {}\n",
                aws_key_id(rng)
            ),
            Kind::Markdown => format!("Use key `{}` for the uploader.\n", aws_key_id(rng)),
            _ => format!("aws_access_key_id = {}\n", aws_key_id(rng)),
        },
        Plant::Password => {
            let pw = password_value(rng);
            match kind {
                Kind::Yaml => format!("database:\n  username: {user}\n  password: {pw}\n"),
                // Prose and logs: a URL with credentials (password rules skip `*.md`).
                Kind::Markdown | Kind::Log => {
                    format!("Connect with postgres://{user}:{pw}@db.internal:5432/app\n")
                }
                Kind::Json => format!("  \"username\": \"{user}\",\n  \"password\": \"{pw}\",\n"),
                Kind::Ini => format!("[client]\nuser = {user}\npassword = {pw}\n"),
                Kind::Env | Kind::Shell => format!("DB_USER={user}\nDB_PASSWORD={pw}\n"),
                Kind::Properties => {
                    format!("spring.datasource.username={user}\nspring.datasource.password={pw}\n")
                }
            }
        }
        Plant::GithubToken => match kind {
            Kind::Json => format!("  \"github_token\": \"{}\",\n", github_token(rng)),
            Kind::Yaml => format!("github_token: {}\n", github_token(rng)),
            Kind::Ini | Kind::Properties => format!("github.token={}\n", github_token(rng)),
            _ => format!("GITHUB_TOKEN={}\n", github_token(rng)),
        },
        Plant::PrivateKey => private_key_block(rng),
    }
}

/// A config file of `kind` of about `size` bytes; `plant` goes somewhere in the middle.
fn config_file(rng: &mut Rng, kind: Kind, size: usize, plant: Option<Plant>) -> String {
    let mut s = String::with_capacity(size + 1024);
    let plant_at = size / 3 + rng.below((size / 3).max(1) as u64) as usize;
    let mut planted = plant.is_none();
    // JSON needs a frame; plants are emitted as object members.
    if kind == Kind::Json {
        s.push_str("{\n");
    }
    let mut section = 0u32;
    let mut ts = 1_785_000_000u64 + rng.below(10_000_000);
    while s.len() < size || !planted {
        if !planted && s.len() >= plant_at {
            if let Some(p) = plant {
                if matches!(p, Plant::PrivateKey) && kind == Kind::Json {
                    // A key block in JSON is an escaped string.
                    let _ = writeln!(
                        s,
                        "  \"ssh_private_key\": \"{}\",",
                        private_key_block(rng).replace('\n', "\\n")
                    );
                } else {
                    s.push_str(&planted_text(rng, kind, p));
                }
            }
            planted = true;
            continue;
        }
        match kind {
            Kind::Yaml => {
                if rng.chance(8) {
                    let _ = writeln!(s, "{}_{}:", rng.pick(APPS), section);
                    section += 1;
                } else if rng.chance(10) {
                    let _ = writeln!(s, "# {}", word_line(rng, 8));
                } else {
                    let _ = writeln!(s, "  {}: {}", rng.pick(KEYS), value(rng));
                }
            }
            Kind::Json => {
                let _ = writeln!(
                    s,
                    "  \"{}_{}\": \"{}\",",
                    rng.pick(KEYS),
                    section,
                    value(rng)
                );
                section += 1;
            }
            Kind::Ini => {
                if rng.chance(8) {
                    let _ = writeln!(s, "\n[{}]", rng.pick(APPS));
                } else if rng.chance(12) {
                    let _ = writeln!(s, "; {}", word_line(rng, 6));
                } else {
                    let _ = writeln!(s, "{} = {}", rng.pick(KEYS), value(rng));
                }
            }
            Kind::Env => {
                let _ = writeln!(
                    s,
                    "{}_{}={}",
                    rng.pick(APPS).to_uppercase(),
                    rng.pick(KEYS).to_uppercase(),
                    value(rng)
                );
            }
            Kind::Properties => {
                let _ = writeln!(
                    s,
                    "{}.{}.{}={}",
                    rng.pick(APPS),
                    rng.pick(KEYS),
                    section,
                    value(rng)
                );
                section += 1;
            }
            Kind::Shell => {
                if s.is_empty() {
                    s.push_str("#!/bin/sh\nset -eu\n");
                }
                match rng.below(4) {
                    0 => {
                        let _ = writeln!(s, "# {}", word_line(rng, 7));
                    }
                    1 => {
                        let _ = writeln!(
                            s,
                            "if [ -f /etc/{}/{}.conf ]; then\n  . /etc/{0}/{1}.conf\nfi",
                            rng.pick(APPS),
                            rng.pick(KEYS)
                        );
                    }
                    2 => {
                        let _ = writeln!(
                            s,
                            "{}=\"${{{}:-{}}}\"",
                            rng.pick(KEYS).to_uppercase(),
                            rng.pick(KEYS).to_uppercase(),
                            value(rng)
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            s,
                            "/usr/bin/systemctl restart {}.service || echo \"{}\" >&2",
                            rng.pick(APPS),
                            word_line(rng, 4)
                        );
                    }
                }
            }
            Kind::Log => {
                ts += rng.below(30);
                let _ = writeln!(
                    s,
                    "{} {} [{}] {} id={} latency_ms={} user={}",
                    format_ts(ts),
                    rng.pick(&["INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"]),
                    rng.pick(APPS),
                    rng.pick(LOG_MSGS),
                    rng.string(HEX, 16),
                    rng.below(2000),
                    user_name(rng)
                );
            }
            Kind::Markdown => {
                if rng.chance(6) {
                    let _ = writeln!(s, "\n## {}\n", word_line(rng, 3));
                } else if rng.chance(8) {
                    let _ = writeln!(s, "{}", rng.pick(CRED_PROSE));
                } else {
                    let n = rng.range(8, 30) as usize;
                    let _ = writeln!(s, "{}.", word_line(rng, n));
                }
            }
        }
    }
    if kind == Kind::Json {
        s.push_str("  \"version\": 1\n}\n");
    }
    s
}

/// `YYYY-MM-DDTHH:MM:SSZ` from unix seconds (civil-from-days, no time crate).
fn format_ts(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn ext(kind: Kind) -> &'static str {
    match kind {
        Kind::Yaml => "yml",
        Kind::Json => "json",
        Kind::Ini => "ini",
        Kind::Env => "env",
        Kind::Properties => "properties",
        Kind::Shell => "sh",
        Kind::Log => "log",
        Kind::Markdown => "md",
    }
}

fn config_path(rng: &mut Rng, kind: Kind, i: usize) -> String {
    let app = rng.pick(APPS);
    match kind {
        Kind::Env => format!("srv/{app}-{i}/.env"),
        Kind::Log => format!("var/log/{app}/{app}-{i}.log"),
        Kind::Markdown => format!("usr/share/doc/{app}/NOTES-{i}.md"),
        Kind::Shell => format!("opt/{app}/bin/run-{i}.sh"),
        Kind::Ini => format!("etc/{app}/{app}-{i}.ini"),
        _ => format!("opt/{app}/conf/{app}-{i}.{}", ext(kind)),
    }
}

fn host_tree(
    w: &mut Writer<'_>,
    rng: &mut Rng,
    root: &Path,
    name: &str,
    files_per_host: usize,
) -> io::Result<()> {
    let n_users = rng.range(3, 8) as usize;
    let mut users: Vec<String> = Vec::new();
    while users.len() < n_users {
        let u = format!("{}{}", rng.pick(FIRST), rng.below(100));
        if !users.contains(&u) {
            users.push(u);
        }
    }
    let mut passwd = String::from(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
         bin:x:2:2:bin:/bin:/usr/sbin/nologin\nsshd:x:110:65534::/run/sshd:/usr/sbin/nologin\n",
    );
    let mut shadow = String::new();
    let _ = writeln!(
        shadow,
        "root:$y$j9T${}${}:{}:0:99999:7:::",
        rng.string(HASH_CHARS, 22),
        rng.string(HASH_CHARS, 43),
        rng.range(19_000, 20_600)
    );
    shadow.push_str(
        "daemon:*:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n",
    );
    for (i, u) in users.iter().enumerate() {
        let _ = writeln!(
            passwd,
            "{u}:x:{}:{}::/home/{u}:/bin/bash",
            1000 + i,
            1000 + i
        );
        let lock = if rng.chance(6) { "!" } else { "" };
        let _ = writeln!(
            shadow,
            "{u}:{lock}$y$j9T${}${}:{}:0:99999:7:::",
            rng.string(HASH_CHARS, 22),
            rng.string(HASH_CHARS, 43),
            rng.range(19_000, 20_600)
        );
    }
    let sudoers_users: Vec<&String> = users.iter().filter(|_| rng.chance(3)).collect();
    let mut group = String::from("root:x:0:\ndaemon:x:1:\n");
    let _ = writeln!(
        group,
        "sudo:x:27:{}",
        sudoers_users
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    for (i, u) in users.iter().enumerate() {
        let _ = writeln!(group, "{u}:x:{}:", 1000 + i);
    }
    let mut sudoers = String::from(
        "Defaults\tenv_reset\nDefaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"\n\
         root\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n",
    );
    if let Some(u) = users.last() {
        let _ = writeln!(
            sudoers,
            "{u}\tALL=(root) NOPASSWD: /usr/bin/systemctl restart {}",
            rng.pick(APPS)
        );
    }
    let sshd = format!(
        "# Managed by config management.\nPort 22\nPermitRootLogin {}\nPasswordAuthentication {}\n\
         LogLevel {}\nUsePAM yes\nX11Forwarding no\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
        rng.pick(&["no", "prohibit-password", "yes"]),
        rng.pick(&["no", "yes"]),
        rng.pick(&["INFO", "VERBOSE", "QUIET"])
    );
    let mut manifest_files = Vec::new();
    w.write(&root.join("etc/passwd"), &passwd)?;
    w.write(&root.join("etc/shadow"), &shadow)?;
    w.write(&root.join("etc/group"), &group)?;
    w.write(&root.join("etc/sudoers"), &sudoers)?;
    w.write(&root.join("etc/hostname"), &format!("{name}\n"))?;
    w.write(&root.join("etc/ssh/sshd_config"), &sshd)?;
    let mut written = 6usize;
    for u in &users {
        let mut keys = String::from("# managed by config mgmt\n");
        for k in 0..rng.range(1, 3) {
            let opts = if rng.chance(5) {
                "from=\"10.0.0.0/8\",no-pty "
            } else {
                ""
            };
            let _ = writeln!(
                keys,
                "{opts}ssh-ed25519 {} {u}@laptop-{}",
                ed25519_blob(rng),
                2020 + k + rng.below(6)
            );
            w.counts.ssh_keys += 1;
        }
        let rel = format!("home/{u}/.ssh/authorized_keys");
        w.write(&root.join(&rel), &keys)?;
        manifest_files.push(rel);
        written += 1;
    }
    let mut i = 0usize;
    // Keep one slot for the manifest.
    while written + 1 < files_per_host {
        let kind = *rng.pick(KINDS);
        let size = if rng.chance(200) {
            rng.log_size(64 * 1024, 1024 * 1024)
        } else {
            rng.log_size(512, 20 * 1024)
        };
        let plant = if rng.chance(PLANT_EVERY) {
            let p = *rng.pick(&[
                Plant::AwsKeyId,
                Plant::Password,
                Plant::GithubToken,
                Plant::PrivateKey,
            ]);
            match p {
                Plant::AwsKeyId => w.counts.planted_aws_key_ids += 1,
                Plant::Password => w.counts.planted_passwords += 1,
                Plant::GithubToken => w.counts.planted_github_tokens += 1,
                Plant::PrivateKey => w.counts.planted_private_keys += 1,
            }
            Some(p)
        } else {
            None
        };
        let rel = config_path(rng, kind, i);
        let text = config_file(rng, kind, size, plant);
        w.write(&root.join(&rel), &text)?;
        if let Some(p) = plant {
            w.plant(&root.join(&rel), plant_name(p));
        }
        written += 1;
        i += 1;
    }
    let mut manifest = format!(
        "{{\n  \"host\": \"{name}\",\n  \"os\": \"debian 12\",\n  \"collected_at\": \"2026-08-21T06:00:00Z\",\n  \
         \"collector\": \"resetgap-collect 0.1\",\n  \"times_preserved\": true,\n  \"files\": [\n"
    );
    let entries: Vec<String> = ["etc/passwd", "etc/shadow"]
        .iter()
        .map(|s| s.to_string())
        .chain(manifest_files)
        .map(|p| {
            format!(
                "    {{\"path\": \"/{p}\", \"mtime\": \"{}\"}}",
                format_ts(1_700_000_000 + rng.below(80_000_000))
            )
        })
        .collect();
    manifest.push_str(&entries.join(",\n"));
    manifest.push_str("\n  ]\n}\n");
    w.write(&root.join("manifest.json"), &manifest)?;
    Ok(())
}

fn plant_name(p: Plant) -> &'static str {
    match p {
        Plant::AwsKeyId => "aws-key-id",
        Plant::Password => "password",
        Plant::GithubToken => "github-token",
        Plant::PrivateKey => "private-key",
    }
}

const COMMANDS: &[&str] = &[
    "ls -la",
    "cd /var/log",
    "sudo systemctl restart nginx",
    "journalctl -u nginx --since today",
    "git pull --rebase",
    "git status",
    "vim /etc/hosts",
    "tail -f /var/log/syslog",
    "df -h",
    "kubectl get pods -n default",
    "docker ps -a",
    "curl -s https://status.example.test/health",
    "grep -r timeout /etc/nginx",
    "top",
    "ssh web01.example.test",
    "history | tail",
];

/// A shell history: everyday commands, one in `PLANT_EVERY` histories with a `mysql -p` line.
fn shell_history(w: &mut Writer<'_>, rng: &mut Rng, path: &Path, user: &str) -> io::Result<()> {
    let n = rng.range(100, 1500);
    let plant_at = rng.chance(5).then(|| rng.below(n));
    let mut s = String::new();
    for i in 0..n {
        if Some(i) == plant_at {
            let _ = writeln!(
                s,
                "mysql -h db01.example.test -u {user} -p{} {}",
                password_value(rng),
                rng.pick(APPS)
            );
        } else {
            let _ = writeln!(s, "{}", rng.pick(COMMANDS));
        }
    }
    w.write(path, &s)?;
    if plant_at.is_some() {
        w.counts.planted_history_passwords += 1;
        w.plant(path, "history-password");
    }
    Ok(())
}

/// A syslog-style log of `size` bytes (no secrets).
fn big_log(rng: &mut Rng, size: usize) -> String {
    let mut s = String::with_capacity(size + 200);
    let mut t = 1_750_000_000 + rng.below(1_000_000);
    while s.len() < size {
        t += rng.below(5);
        let _ = writeln!(
            s,
            "{} {} {}[{}]: {} {}",
            format_ts(t),
            rng.pick(APPS),
            rng.pick(APPS),
            rng.range(100, 65000),
            word_line(rng, 6),
            value(rng)
        );
    }
    s
}

/// Binary content: a format's magic, then random bytes (with NULs).
fn binary(rng: &mut Rng, magic: &[u8], size: usize) -> Vec<u8> {
    let mut b = magic.to_vec();
    b.push(0);
    b.extend(rng.bytes(size));
    b
}

/// A `.git` directory: text metadata and binary objects, as a repository checkout leaves it.
fn git_dir(w: &mut Writer<'_>, rng: &mut Rng, dir: &Path, app: &str) -> io::Result<()> {
    w.write(&dir.join("HEAD"), "ref: refs/heads/main\n")?;
    w.write(
        &dir.join("config"),
        &format!(
            "[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n\turl = https://git.example.test/ops/{app}.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
        ),
    )?;
    w.write(&dir.join("description"), "Unnamed repository.\n")?;
    let mut refs = String::from("# pack-refs with: peeled fully-peeled sorted\n");
    for b in ["main", "develop", "release"] {
        let _ = writeln!(refs, "{} refs/remotes/origin/{b}", rng.string(HEX, 40));
    }
    w.write(&dir.join("packed-refs"), &refs)?;
    let mut log = String::new();
    for _ in 0..rng.range(5, 60) {
        let _ = writeln!(
            log,
            "{} {} {} <{}@example.test> {} +0000\tpull: Fast-forward",
            rng.string(HEX, 40),
            rng.string(HEX, 40),
            rng.pick(FIRST),
            rng.pick(FIRST),
            1_700_000_000 + rng.below(80_000_000)
        );
    }
    w.write(&dir.join("logs/HEAD"), &log)?;
    let index_size = rng.range(2_000, 40_000) as usize;
    w.write_bytes(&dir.join("index"), &binary(rng, b"DIRC", index_size))?;
    for _ in 0..rng.range(5, 30) {
        let id = rng.string(HEX, 40);
        let size = rng.log_size(200, 64 * 1024);
        let (a, b) = id.split_at(2);
        w.write_bytes(
            &dir.join("objects").join(a).join(b),
            &binary(rng, b"x\x01", size),
        )?;
    }
    Ok(())
}

/// The mixed corpus's extra files of one host: shell histories, a large log, jars and an
/// executable, and a checked-out repository with its `.git` directory.
fn mixed_extras(w: &mut Writer<'_>, rng: &mut Rng, root: &Path) -> io::Result<()> {
    for _ in 0..rng.range(1, 3) {
        let u = format!("{}{}", rng.pick(FIRST), rng.below(100));
        shell_history(w, rng, &root.join(format!("home/{u}/.bash_history")), &u)?;
    }
    let size = rng.log_size(128 * 1024, 2 * 1024 * 1024);
    let app = *rng.pick(APPS);
    w.write(
        &root.join(format!("var/log/{app}/{app}.log.1")),
        &big_log(rng, size),
    )?;
    for j in 0..rng.range(1, 3) {
        let size = rng.log_size(16 * 1024, 1024 * 1024);
        w.write_bytes(
            &root.join(format!("opt/{app}/lib/{app}-core-{j}.jar")),
            &binary(rng, b"PK\x03\x04", size),
        )?;
    }
    let size = rng.log_size(64 * 1024, 2 * 1024 * 1024);
    w.write_bytes(
        &root.join(format!("usr/local/bin/{app}d")),
        &binary(rng, b"\x7fELF\x02\x01\x01", size),
    )?;
    let repo = root.join(format!("srv/{app}-src"));
    w.write(
        &repo.join("README.md"),
        &format!("# {app}\n\n{}\n", word_line(rng, 30)),
    )?;
    git_dir(w, rng, &repo.join(".git"), app)
}

/// Large directory and identity exports (no secrets): an LDIF of `entries` people and the same
/// people as a JSON array.
fn big_exports(w: &mut Writer<'_>, rng: &mut Rng, dir: &Path, entries: usize) -> io::Result<()> {
    let mut ldif = String::from("version: 1\n\n");
    let mut json = String::from("[\n");
    for i in 0..entries {
        let (f, l) = (*rng.pick(FIRST), *rng.pick(LAST));
        let uid = format!("{f}.{l}{i}");
        let _ = write!(
            ldif,
            "dn: uid={uid},ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n\
             uid: {uid}\ncn: {f} {l}\nsn: {l}\nmail: {uid}@example.test\nuidNumber: {}\ngidNumber: 100\n\
             homeDirectory: /home/{uid}\ndescription: {}\n\n",
            10_000 + i,
            word_line(rng, 8)
        );
        let _ = write!(
            json,
            "{}  {{\"id\": \"{}\", \"userName\": \"{uid}@example.test\", \"displayName\": \"{f} {l}\", \"department\": \"{}\", \"active\": {}, \"notes\": \"{}\"}}",
            if i == 0 { "" } else { ",\n" },
            rng.string(HEX, 24),
            rng.pick(APPS),
            rng.chance(2),
            word_line(rng, 10)
        );
    }
    json.push_str("\n]\n");
    w.write(&dir.join("exports/directory.ldif"), &ldif)?;
    w.write(&dir.join("exports/people.json"), &json)?;
    Ok(())
}

fn aws_exports(w: &mut Writer<'_>, rng: &mut Rng, dir: &Path, users: usize) -> io::Result<()> {
    let mut csv = String::from(
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,\
password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,\
access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,\
access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,\
access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,\
cert_2_active,cert_2_last_rotated\n",
    );
    let account = format!("{:012}", rng.below(1_000_000_000_000));
    let _ = writeln!(
        csv,
        "<root_account>,arn:aws:iam::{account}:root,2019-02-11T08:15:02+00:00,not_supported,\
         2026-07-30T06:12:44+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,\
         N/A,N/A,N/A,N/A,false,N/A,false,N/A"
    );
    let mut listed = Vec::new();
    for _ in 0..users {
        let u = user_name(rng);
        let created = 1_600_000_000 + rng.below(150_000_000);
        let changed = created + rng.below(40_000_000);
        let k1 = created + rng.below(20_000_000);
        let used = k1 + rng.below(10_000_000);
        let has_key = !rng.chance(4);
        let ts = |t: u64| format_ts(t).replace('Z', "+00:00");
        let _ = writeln!(
            csv,
            "{u},arn:aws:iam::{account}:user/{u},{},true,{},{},N/A,{},{},{},{},{},s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            ts(created),
            ts(used),
            ts(changed),
            rng.chance(2),
            has_key,
            if has_key { ts(k1) } else { "N/A".into() },
            if has_key { ts(used) } else { "N/A".into() },
            if has_key { *rng.pick(REGIONS) } else { "N/A" },
        );
        if has_key {
            listed.push(format!(
                "        {{\n            \"UserName\": \"{u}\",\n            \"AccessKeyId\": \"{}\",\n            \
                 \"Status\": \"Active\",\n            \"CreateDate\": \"{}\"\n        }}",
                aws_key_id(rng),
                ts(k1)
            ));
        }
    }
    w.counts.aws_listed_keys += listed.len() as u64;
    w.write(&dir.join("aws/credential-report.csv"), &csv)?;
    let json = format!(
        "{{\n    \"AccessKeyMetadata\": [\n{}\n    ],\n    \"IsTruncated\": false\n}}\n",
        listed.join(",\n")
    );
    w.write(&dir.join("aws/list-access-keys.json"), &json)?;
    Ok(())
}

/// Writes the corpus under `dir` (created if missing; existing files are overwritten, others
/// left alone) and returns what was written.
pub fn generate(dir: &Path, hosts: usize, files_per_host: usize, seed: u64) -> io::Result<Counts> {
    generate_with(dir, hosts, files_per_host, seed, false).map(|(c, _)| c)
}

/// [`generate`], with the mixed corpus's extra files when `mixed` (each host: shell histories, a
/// large log, jars, an executable and a `.git` directory; at the root: a large LDIF and JSON
/// export). Also returns (path, kind) of every file with a planted secret.
pub fn generate_with(
    dir: &Path,
    hosts: usize,
    files_per_host: usize,
    seed: u64,
    mixed: bool,
) -> io::Result<(Counts, Vec<(String, &'static str)>)> {
    let mut counts = Counts::default();
    let mut rng = Rng::new(seed);
    let mut w = Writer {
        counts: &mut counts,
        root: dir,
        planted: Vec::new(),
    };
    for h in 0..hosts {
        let name = format!("{}-{}{:02}", rng.pick(ROLES), rng.pick(ENVS), h % 100);
        let name = format!("{name}-{h:04}");
        // Each host its own stream: host k is the same whatever `hosts` is.
        let mut host_rng = Rng::new(seed ^ (h as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
        let root = dir.join("hosts").join(&name);
        host_tree(&mut w, &mut host_rng, &root, &name, files_per_host)?;
        if mixed {
            mixed_extras(&mut w, &mut host_rng, &root)?;
        }
        w.counts.hosts += 1;
    }
    aws_exports(&mut w, &mut rng, dir, (hosts / 2).clamp(4, 500))?;
    if mixed {
        big_exports(&mut w, &mut rng, dir, hosts * 80)?;
    }
    let planted = w.planted;
    Ok((counts, planted))
}
