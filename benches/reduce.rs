//! Benchmarks the reduce step, what `scan` does after the crawl and what `correlate` does after
//! reading the shards: order, join and merge the records into the inventory, correlate, and run
//! every bundled rule, over a synthetic estate generated in memory (`benches/estate.rs`).
//!
//! `cargo bench --bench reduce` measures 100k accounts with 500k credentials, then 1M accounts
//! with 5M credentials (the target: under 10 s and 4 GiB on a 2-core machine), and prints the
//! growth between them. Each size runs in its own process, so its peak RSS is its own.
//!
//! `cargo bench --bench reduce -- ACCOUNTS:CREDENTIALS ...` measures other sizes;
//! `RUNS=5` (default 3) sets the runs per size, of which the median is reported; `THREADS=N`
//! (default 2) the rayon pool.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "estate.rs"]
mod estate;

use resetgap::correlate::IdentityMap;
use resetgap::inventory::Inventory;
use resetgap::rule::{Catalog, RuleOptions};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The allocator of the `resetgap` binary (`src/main.rs`), so the bench measures what
/// `scan` and `correlate` do.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED: u64 = 0x0005_EED0_F0E5_7A7E;
const CHILD: &str = "RESETGAP_REDUCE_BENCH_SIZE";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmHWM` (peak resident set) or `VmRSS` of this process, in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// User plus system CPU seconds of this process so far (`/proc/self/stat`, clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// One size, in this process: prints one `result` line.
fn child(accounts: usize, credentials: usize) {
    let runs = env_usize("RUNS", 3).max(1);
    let threads = env_usize("THREADS", 2).max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool");
    let catalog = Catalog::bundled().unwrap_or_else(|p| panic!("catalog: {p:?}"));
    let as_of = jiff::Timestamp::from_second(estate::AS_OF).expect("as-of");
    let options = RuleOptions::new(as_of);
    let identities = IdentityMap::default();
    let mut phases: [Vec<f64>; 4] = Default::default();
    let mut totals = Vec::new();
    let mut cpus = Vec::new();
    let mut summary = String::new();
    let mut generated_mib = 0.0_f64;
    for run in 0..runs {
        let t = Instant::now();
        let estate = estate::generate(accounts, credentials, SEED);
        let gen_s = t.elapsed().as_secs_f64();
        generated_mib = generated_mib.max(status_mib("VmRSS:"));
        let mut records = estate.records;
        let cpu0 = cpu_seconds();
        let (inventory, correlation, findings, split) = pool.install(|| {
            let t0 = Instant::now();
            // What `scan::run` does with the crawl's records.
            resetgap::scan::stable_order(&mut records);
            let ordered = t0.elapsed().as_secs_f64();
            resetgap::source::registry::join_all(&mut records);
            let joined = t0.elapsed().as_secs_f64();
            let (inventory, _notes) = Inventory::merge(records);
            let t1 = Instant::now();
            eprintln!(
                "  inventory: order {ordered:.2}s, joins {:.2}s, merge {:.2}s; resident after it {:.0} MiB (peak {:.0})",
                joined - ordered,
                (t1 - t0).as_secs_f64() - joined,
                status_mib("VmRSS:"),
                status_mib("VmHWM:")
            );
            // What `scan::reduce` does next: correlation, then the rules, beside the login index.
            let analysis = resetgap::scan::analyse(&inventory, &identities, &catalog, &options);
            let t2 = t1 + std::time::Duration::from_secs_f64(analysis.correlate_seconds);
            let (correlation, findings) = (analysis.correlation, analysis.findings);
            let t3 = Instant::now();
            let split = [t0, t1, t2, t3]
                .windows(2)
                .map(|w| (w[1] - w[0]).as_secs_f64())
                .collect::<Vec<_>>();
            (inventory, correlation, findings, split)
        });
        let cpu = cpu_seconds() - cpu0;
        cpus.push(cpu);
        let total: f64 = split.iter().sum();
        for (i, s) in split.iter().enumerate() {
            phases[i].push(*s);
        }
        totals.push(total);
        eprintln!(
            "  run {}: {} accounts, {} credentials -> inventory {:.2}s, correlate {:.2}s, rules {:.2}s, total {:.2}s wall, {:.2}s CPU (generated in {:.1}s; load {})",
            run + 1,
            inventory.accounts.len(),
            inventory.credentials.len(),
            split[0],
            split[1],
            split[2],
            total,
            cpu,
            gen_s,
            load_average()
        );
        let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
        for f in &findings {
            *by_rule.entry(f.rule).or_default() += 1;
        }
        let mut by_rule: Vec<(&str, usize)> = by_rule.into_iter().collect();
        by_rule.sort_by_key(|r| std::cmp::Reverse(r.1));
        let top: Vec<String> = by_rule
            .iter()
            .take(6)
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        summary = format!(
            "{} accounts, {} credentials, {} events, {} hosts, {} identities, {} findings ({})",
            estate.accounts,
            estate.credentials,
            estate.events,
            estate.hosts,
            correlation.identities.len(),
            findings.len(),
            top.join(", ")
        );
        let t = Instant::now();
        drop((findings, correlation, inventory));
        phases[3].push(t.elapsed().as_secs_f64());
    }
    println!(
        "result {accounts} {credentials} {:.3} {:.3} {:.3} {:.3} {:.3} {:.0} {:.0} {:.3} | {summary}",
        median(totals),
        median(phases[0].clone()),
        median(phases[1].clone()),
        median(phases[2].clone()),
        median(phases[3].clone()),
        generated_mib,
        status_mib("VmHWM:"),
        median(cpus),
    );
}

fn parse_size(s: &str) -> Option<(usize, usize)> {
    let (a, c) = s.split_once(':')?;
    Some((a.parse().ok()?, c.parse().ok()?))
}

fn main() -> ExitCode {
    // As `src/main.rs` does: transparent huge pages off for this process.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    if let Some((a, c)) = std::env::var(CHILD).ok().as_deref().and_then(parse_size) {
        child(a, c);
        return ExitCode::SUCCESS;
    }
    // `cargo bench` passes `--bench`; other arguments are sizes.
    eprintln!(
        "record sizes (bytes, inline): Record {}, Account {}, Credential {}, Event {}, Host {}",
        std::mem::size_of::<resetgap::inventory::Record>(),
        std::mem::size_of::<resetgap::inventory::Account>(),
        std::mem::size_of::<resetgap::inventory::Credential>(),
        std::mem::size_of::<resetgap::inventory::Event>(),
        std::mem::size_of::<resetgap::inventory::Host>(),
    );
    let mut sizes: Vec<(usize, usize)> = Vec::new();
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
        match parse_size(&arg) {
            Some(s) => sizes.push(s),
            None => {
                eprintln!("usage: reduce [ACCOUNTS:CREDENTIALS ...] (e.g. 1000000:5000000)");
                return ExitCode::from(2);
            }
        }
    }
    if sizes.is_empty() {
        sizes = vec![(100_000, 500_000), (1_000_000, 5_000_000)];
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("reduce: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "reduce step: {} run(s) a size, {} rayon thread(s), {} cores, load average {}",
        env_usize("RUNS", 3).max(1),
        env_usize("THREADS", 2).max(1),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut rows: Vec<(usize, usize, Vec<f64>, String)> = Vec::new();
    for (a, c) in sizes {
        eprintln!("{a} accounts, {c} credentials:");
        let out = Command::new(&exe)
            .env(CHILD, format!("{a}:{c}"))
            .stderr(std::process::Stdio::inherit())
            .output();
        let out = match out {
            Ok(o) if o.status.success() => o,
            Ok(o) => {
                eprintln!("reduce: the run of {a}:{c} failed ({})", o.status);
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("reduce: {e}");
                return ExitCode::FAILURE;
            }
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(line) = text.lines().find(|l| l.starts_with("result ")) else {
            eprintln!("reduce: no result from the run of {a}:{c}");
            return ExitCode::FAILURE;
        };
        let (nums, summary) = line.split_once(" | ").unwrap_or((line, ""));
        let nums: Vec<f64> = nums
            .split_whitespace()
            .skip(3)
            .filter_map(|n| n.parse().ok())
            .collect();
        rows.push((a, c, nums, summary.to_string()));
    }
    println!(
        "{:>9} {:>11} {:>8} {:>6} {:>9} {:>9} {:>7} {:>6} {:>10} {:>9}",
        "accounts",
        "credentials",
        "total s",
        "CPU s",
        "inventory",
        "correlate",
        "rules",
        "drop",
        "input MiB",
        "peak MiB"
    );
    for (a, c, n, _) in &rows {
        if n.len() >= 8 {
            println!(
                "{a:>9} {c:>11} {:>8.2} {:>6.2} {:>9.2} {:>9.2} {:>7.2} {:>6.2} {:>10.0} {:>9.0}",
                n[0], n[7], n[1], n[2], n[3], n[4], n[5], n[6]
            );
        }
    }
    for (a, c, _, s) in &rows {
        println!("{a}:{c}: {s}");
    }
    for pair in rows.windows(2) {
        let (a0, n0) = (pair[0].0, &pair[0].2);
        let (a1, n1) = (pair[1].0, &pair[1].2);
        if n0.len() >= 8 && n1.len() >= 8 {
            println!(
                "growth {a0} -> {a1} accounts ({:.1}x): wall time {:.1}x, CPU time {:.1}x, peak memory {:.1}x",
                a1 as f64 / a0 as f64,
                n1[0] / n0[0],
                n1[7] / n0[7],
                n1[6] / n0[6]
            );
        }
    }
    println!("load average at the end: {}", load_average());
    ExitCode::SUCCESS
}
