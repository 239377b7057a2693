//! Benchmarks the full resetgap scan (discover → parse → inventory → correlate → rules, and the
//! SARIF report) over a deterministic synthetic estate, on a 2-thread rayon pool.
//!
//! `cargo bench --bench scan` runs the criterion benchmarks (about half a minute).
//! `cargo bench --bench scan -- --generate DIR HOSTS FILES_PER_HOST [SEED]` only writes a corpus
//! (used by `benches/compare-rg.sh`) and prints its counts.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "corpus.rs"]
mod corpus;

use criterion::{Criterion, Throughput};
use resetgap::correlate::IdentityMap;
use resetgap::discover::Root;
use resetgap::report::{self, Format};
use resetgap::rule::{Catalog, RuleOptions};
use resetgap::scan::{self, ScanPlan};
use resetgap::source::secrets::Extractors;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const BENCH_HOSTS: usize = 20;
const BENCH_FILES_PER_HOST: usize = 100;
const DEFAULT_SEED: u64 = 0x005E_ED0F_2E5E_76A9;
const THREADS: usize = 2;

/// The plan `resetgap scan DIR` builds with default options (see `cli::plan`).
fn plan(dir: &Path) -> ScanPlan {
    let as_of: jiff::Timestamp = "2026-08-21T00:00:00Z"
        .parse()
        .unwrap_or_else(|_| jiff::Timestamp::now());
    ScanPlan {
        roots: Root::from_args(&[dir.to_path_buf()]),
        max_file_size: 16 << 20,
        threads: THREADS,
        extractors: Extractors::builtin()
            .unwrap_or_else(|p| panic!("extractors: {p:?}"))
            .into(),
        catalog: Catalog::bundled().unwrap_or_else(|p| panic!("catalog: {p:?}")),
        rule_options: RuleOptions::new(as_of),
        identities: IdentityMap::default(),
        progress: false,
        ldap: Vec::new(),
        estate_root: None,
        sources: Default::default(),
    }
}

fn bench_scan(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let counts = corpus::generate(tmp.path(), BENCH_HOSTS, BENCH_FILES_PER_HOST, DEFAULT_SEED)
        .expect("generate corpus");
    eprintln!("corpus: {counts}");
    let plan = plan(tmp.path());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("rayon pool");

    // One untimed run: warms the page cache and reports what the scan sees.
    let first = pool.install(|| scan::run(&plan));
    eprintln!(
        "scan sees: {} files, {} bytes, {} credentials, {} findings, {} diagnostics",
        first.files,
        first.bytes,
        first.inventory.credentials.len(),
        first.findings.len(),
        first.diagnostics.len()
    );

    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Bytes(counts.bytes));
    group.bench_function(
        format!("{BENCH_HOSTS}x{BENCH_FILES_PER_HOST} files, {THREADS} threads"),
        |b| b.iter(|| black_box(pool.install(|| scan::run(&plan)))),
    );
    group.bench_function(
        format!("{BENCH_HOSTS}x{BENCH_FILES_PER_HOST} files + sarif, {THREADS} threads"),
        |b| {
            b.iter(|| {
                let r = pool.install(|| scan::run(&plan));
                let mut sink = std::io::sink();
                let (scope, story, closure) = report::assemble(&plan, &r, vec!["corpus".into()]);
                let full = report::Report {
                    catalog: &plan.catalog,
                    findings: &r.findings,
                    diagnostics: &r.diagnostics,
                    scope: &scope,
                    story: &story,
                    closure: &closure,
                    delivery: &Default::default(),
                };
                report::write(&mut sink, Format::Sarif, &full).expect("sarif");
                black_box(r.files)
            })
        },
    );
    group.finish();
}

/// `--generate DIR HOSTS FILES_PER_HOST [SEED] [--mixed]`: write a corpus (the mixed one with
/// `--mixed`), list the files holding a planted secret in `DIR.planted` (`path<TAB>kind`, one a
/// line; beside the corpus, so it is not scanned) and exit.
fn generate_cmd(args: &[String]) -> ExitCode {
    let usage = "usage: scan --generate DIR HOSTS FILES_PER_HOST [SEED] [--mixed]";
    let mixed = args.iter().any(|a| a == "--mixed");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--mixed").collect();
    let (Some(dir), Some(hosts), Some(files)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let (Ok(hosts), Ok(files)) = (hosts.parse::<usize>(), files.parse::<usize>()) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    // cargo bench appends `--bench`; anything else numeric is the seed.
    let seed = match args.get(3).filter(|a| !a.starts_with('-')) {
        Some(s) => match s.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        },
        None => DEFAULT_SEED,
    };
    let dir = PathBuf::from(dir.as_str());
    match corpus::generate_with(&dir, hosts, files, seed, mixed) {
        Ok((counts, planted)) => {
            let list: String = planted
                .iter()
                .map(|(path, kind)| format!("{path}\t{kind}\n"))
                .collect();
            let mut listing = dir.clone().into_os_string();
            listing.push(".planted");
            if let Err(e) = std::fs::write(&listing, list) {
                eprintln!("cannot write the planted list: {e}");
                return ExitCode::from(1);
            }
            println!("{counts}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot generate corpus in {}: {e}", dir.display());
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        return generate_cmd(args.get(i + 1..).unwrap_or_default());
    }
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .configure_from_args();
    bench_scan(&mut c);
    c.final_summary();
    ExitCode::SUCCESS
}
