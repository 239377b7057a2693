//! The scan pipeline, one way: discover → parse → inventory → correlate → rules. Reporting is the
//! caller's (one writer). `ScanPlan` is validated input; nothing here reads raw CLI arguments.

use crate::correlate::{Correlation, IdentityMap};
use crate::diag::Diagnostic;
use crate::discover::{self, Counters, FileInput, Root, WalkOptions};
use crate::finding::Finding;
use crate::inventory::{Inventory, IssuedBasis, Record, When};
use crate::progress::Progress;
use crate::rule::{Catalog, Context, RuleOptions};
use crate::source::directory::live::{self, LdapSource};
use crate::source::{self, linux, registry, secrets::PreparedExtractors, Output};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// Everything a scan needs, validated.
pub struct ScanPlan {
    pub roots: Vec<Root>,
    pub max_file_size: u64,
    pub threads: usize,
    /// Compiled beside the start of the scan (`PreparedExtractors`).
    pub extractors: PreparedExtractors,
    pub catalog: Catalog,
    pub rule_options: RuleOptions,
    pub identities: IdentityMap,
    pub progress: bool,
    /// Options of the file sources (`--assume-date-locale`, ...).
    pub sources: source::SourceOptions,
    /// Live directories, read beside the file crawl (branch wip-live).
    pub ldap: Vec<LdapSource>,
    /// The estate root of a shard (`--relative-to`): symlinks are judged against it.
    pub estate_root: Option<std::path::PathBuf>,
}

pub struct ScanResult {
    pub inventory: Inventory,
    pub correlation: Correlation,
    pub findings: Vec<Finding>,
    /// Sorted and deduplicated.
    pub diagnostics: Vec<Diagnostic>,
    pub files: u64,
    pub bytes: u64,
    /// Seconds spent in each phase (for `-v`; never in reports).
    pub timings: Vec<(&'static str, f64)>,
}

impl ScanResult {
    /// Some input could not be read or parsed.
    pub fn incomplete(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::makes_incomplete)
    }
}

/// Parses one file with the source that claims it (see `source::registry`).
fn parse_file(plan: &ScanPlan, file: &FileInput<'_>) -> Output {
    let text = source::decode_text(file.bytes);
    let mut out = registry::parse_file(
        file.uri,
        &text,
        file.modified,
        &plan.sources,
        &plan.extractors,
    );
    // Valid UTF-8 is borrowed as is: only a decoded (owned) text can hold replacements.
    if matches!(text, std::borrow::Cow::Owned(_)) {
        if let Some(d) = source::invalid_utf8(file.uri, file.bytes) {
            out.diag(d);
        }
    }
    out
}

pub fn run(plan: &ScanPlan) -> ScanResult {
    reduce(
        collect(plan),
        &plan.identities,
        &plan.catalog,
        &plan.rule_options,
    )
}

/// What the map step (crawl and parse) found, before any cross-file join or merge: what a shard
/// writes (`crate::shard`) and `correlate` reads back. Records are in `stable_order` and dated
/// by their hosts' manifests; diagnostics are sorted and deduplicated.
#[derive(Debug, Default)]
pub struct Collected {
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: u64,
    pub bytes: u64,
    pub timings: Vec<(&'static str, f64)>,
}

/// The map step: discovers and parses every root (and live directory).
pub fn collect(plan: &ScanPlan) -> Collected {
    let started = std::time::Instant::now();
    let counters = std::sync::Arc::new(Counters::default());
    let progress = Progress::new(plan.progress, counters.clone());
    let records = Mutex::new(Vec::<Record>::new());
    let diagnostics = Mutex::new(Vec::<Diagnostic>::new());
    let keep = |out: Output| {
        if !out.records.is_empty() {
            let mut all = records.lock().unwrap_or_else(|e| e.into_inner());
            if all.is_empty() {
                // A large output (a live directory) is taken whole, not copied.
                *all = out.records;
            } else {
                all.extend(out.records);
            }
        }
        if !out.diagnostics.is_empty() {
            diagnostics
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(out.diagnostics);
        }
    };

    // ---- Live LDAP (branch wip-live): each directory on its own thread, started before the
    // file walk and joined after it. The saved LDIF files are not also parsed by the walk.
    let ldap_threads: Vec<_> = plan
        .ldap
        .iter()
        .map(|src| {
            let src = src.clone();
            let url = src.url.clone();
            (url, std::thread::spawn(move || live::scan(&src)))
        })
        .collect();
    let saved_ldif = SavedLdif::new(&plan.ldap);

    // Each file's records, kept apart until the walk ends: files are parsed in any order, and
    // records of one system from several files (a Windows host's registry exports) must come
    // out in one order, by file, whatever the walk's.
    let file_batches = Mutex::new(Vec::<(String, Vec<Record>)>::new());

    // 1-2. Discover and parse files in parallel.
    let walk_opts = WalkOptions {
        max_file_size: plan.max_file_size,
        threads: plan.threads,
        boundary: plan.estate_root.clone(),
    };
    let hosts = discover::walk(
        &plan.roots,
        &walk_opts,
        &counters,
        |file| {
            if !saved_ldif.is(file.path) {
                let out = parse_file(plan, file);
                if !out.records.is_empty() {
                    file_batches
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((file.uri.to_string(), out.records));
                }
                keep(Output {
                    records: Vec::new(),
                    diagnostics: out.diagnostics,
                })
            }
        },
        |d| {
            diagnostics
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(d)
        },
    );
    // Host trees need several files together; each host is one unit of work.
    let host_outputs: Vec<(Output, Vec<(String, When)>)> = hosts
        .par_iter()
        .filter(|h| linux::is_host_root(&h.path))
        .map(|h| {
            let tree = linux::HostTree {
                root: &h.path,
                rel_root: &h.uri,
                max_file_size: plan.max_file_size,
                secret_ids: &plan.sources.secret_ids,
            };
            linux::scan_host_with_dates(&tree)
        })
        .collect();
    let mut manifest_times = HashMap::new();
    for (out, times) in host_outputs {
        keep(out);
        manifest_times.extend(times);
    }
    progress.finish();
    let mut timings = vec![("crawl and parse files", started.elapsed().as_secs_f64())];
    for (url, handle) in ldap_threads {
        match handle.join() {
            Ok(out) => keep(out),
            Err(_) => keep(Output {
                records: Vec::new(),
                diagnostics: vec![Diagnostic::unreadable(
                    &url,
                    "internal error while reading the directory; the directory was not scanned",
                )],
            }),
        }
    }

    if !plan.ldap.is_empty() {
        timings.push((
            "live LDAP (beside the crawl)",
            started.elapsed().as_secs_f64(),
        ));
    }
    let mut file_batches = file_batches.into_inner().unwrap_or_else(|e| e.into_inner());
    file_batches.sort_by(|a, b| a.0.cmp(&b.0));
    let others = records.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut records: Vec<Record> = file_batches.into_iter().flat_map(|(_, r)| r).collect();
    // Then the host trees (in host order) and the live directories. A scan of a live directory
    // alone takes its records as they are: appending 100,000 accounts to an empty vector would
    // copy them (45 MB) into fresh memory.
    if records.is_empty() {
        records = others;
    } else {
        records.extend(others);
    }
    // Walk order is not deterministic; host records arrive as whole blocks, in host order.
    stable_order(&mut records);
    date_by_manifest(&mut records, &manifest_times);
    let mut diagnostics = diagnostics.into_inner().unwrap_or_else(|e| e.into_inner());
    diagnostics.sort();
    diagnostics.dedup();
    Collected {
        records,
        diagnostics,
        files: counters.files.load(Ordering::Relaxed),
        bytes: counters.bytes.load(Ordering::Relaxed),
        timings,
    }
}

/// The reduce step: cross-file joins, the order-independent merge, correlation and rules over
/// what one or several map steps collected. Several shards' records may arrive concatenated in
/// any order: they are put in `stable_order` again, which is all the merge needs (records of one
/// file or host never span shards).
pub fn reduce(
    collected: Collected,
    identities: &IdentityMap,
    catalog: &Catalog,
    options: &RuleOptions,
) -> ScanResult {
    let Collected {
        mut records,
        mut diagnostics,
        files,
        bytes,
        mut timings,
    } = collected;
    // 3. Inventory.
    let started = std::time::Instant::now();
    stable_order(&mut records);
    registry::join_all(&mut records);
    let (inventory, merge_notes) = Inventory::merge(records);
    timings.push(("inventory", started.elapsed().as_secs_f64()));

    // 4. Correlate. 5. Rules.
    let analysis = analyse(&inventory, identities, catalog, options);
    timings.push(("correlate", analysis.correlate_seconds));
    timings.push(("rules", analysis.rules_seconds));
    let Analysis {
        correlation,
        findings,
        ..
    } = analysis;

    diagnostics.extend(merge_notes);
    diagnostics.sort();
    diagnostics.dedup();
    ScanResult {
        inventory,
        correlation,
        findings,
        diagnostics,
        files,
        bytes,
        timings,
    }
}

/// What correlation and the rules make of an inventory, and the time each took.
pub struct Analysis {
    pub correlation: Correlation,
    pub findings: Vec<Finding>,
    pub correlate_seconds: f64,
    pub rules_seconds: f64,
}

/// Correlates the accounts of `inventory` and runs the rules of `catalog`, while the
/// inventory's login index is built beside them: the correlation looks no login up, and a rule
/// that does before the index is ready waits for it (`Inventory::account`).
pub fn analyse(
    inventory: &Inventory,
    identities: &IdentityMap,
    catalog: &Catalog,
    options: &RuleOptions,
) -> Analysis {
    rayon::join(
        || inventory.index_logins(),
        || {
            let started = std::time::Instant::now();
            let correlation = Correlation::build(inventory, identities);
            let correlated = std::time::Instant::now();
            let findings = catalog.evaluate(&Context::new(inventory, &correlation, options));
            Analysis {
                correlation,
                findings,
                correlate_seconds: (correlated - started).as_secs_f64(),
                rules_seconds: correlated.elapsed().as_secs_f64(),
            }
        },
    )
    .1
}

/// The LDIF files live LDAP sources write (branch wip-live): the walk skips them, since the
/// live source parses them itself. Compared by file name first, so only same-named files pay
/// for canonicalization.
struct SavedLdif {
    files: Vec<(std::ffi::OsString, Option<std::path::PathBuf>)>,
}

impl SavedLdif {
    fn new(sources: &[LdapSource]) -> Self {
        let files = sources
            .iter()
            .filter_map(|s| {
                let name = s.save_ldif.file_name()?.to_os_string();
                let dir = match s.save_ldif.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => std::path::PathBuf::from("."),
                };
                Some((name, std::fs::canonicalize(dir).ok()))
            })
            .collect();
        SavedLdif { files }
    }

    fn is(&self, path: &std::path::Path) -> bool {
        let Some(name) = path.file_name() else {
            return false;
        };
        self.files.iter().any(|(n, dir)| {
            n == name
                && dir.as_deref().is_some_and(|d| {
                    path.parent()
                        .and_then(|p| std::fs::canonicalize(p).ok())
                        .is_some_and(|p| p == d)
                })
        })
    }
}

/// A secret found in a file of a collected host is dated by the host's manifest, like its keys.
fn date_by_manifest(records: &mut [Record], times: &HashMap<String, When>) {
    for r in records.iter_mut() {
        if let Record::Credential(c) = r {
            if c.issued_basis == IssuedBasis::FileModified {
                if let Some(w) = times.get(&c.evidence.path) {
                    c.issued = *w;
                    c.issued_basis = IssuedBasis::Manifest;
                }
            }
        }
    }
}

/// Orders records deterministically without reordering records of one system among themselves
/// (sudoers and sshd settings depend on their order).
pub fn stable_order(records: &mut [Record]) {
    fn key(r: &Record) -> (&str, &str) {
        match r {
            Record::Account(a) => (a.system.as_str(), a.evidence.path.as_str()),
            Record::Credential(c) => ("", c.evidence.path.as_str()),
            Record::Host(h) => (h.name.as_str(), h.evidence.path.as_str()),
            Record::Membership(m) => (m.system.as_str(), m.evidence.path.as_str()),
            Record::SudoGrant(g) => (g.system.as_str(), g.evidence.path.as_str()),
            Record::Setting(s) => (s.system.as_str(), ""),
            Record::Trust(t) => (t.system.as_str(), t.evidence.path.as_str()),
            Record::Event(e) => (e.system.as_str(), e.evidence.path.as_str()),
            Record::Ticket(t) => (t.system.as_str(), t.evidence.path.as_str()),
            Record::ResetRight(r) => (r.system.as_str(), r.evidence.path.as_str()),
        }
    }
    // Records already in order (the reduce step after this run's own map step, one live
    // directory) stay as they are: the stable sort of a sorted sequence leaves it unchanged.
    if records.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
        return;
    }
    // By the ranks of the strings (see `merge::ranks`), ties in arrival order: the stable sort
    // by `key`, without comparing records' heap strings millions of times.
    use crate::inventory::merge::{permute, ranks};
    use rayon::slice::ParallelSliceMut as _;
    let (system, path) = rayon::join(
        || ranks(records.iter().map(|r| key(r).0)),
        || ranks(records.iter().map(|r| key(r).1)),
    );
    let mut keyed: Vec<(u32, u32, u32)> = (0..records.len())
        .map(|i| (system[i], path[i], i as u32))
        .collect();
    drop((system, path));
    // The index makes every key distinct: any sort gives this one order.
    keyed.par_sort_unstable();
    let mut order: Vec<u32> = keyed.into_iter().map(|k| k.2).collect();
    permute(records, &mut order);
}
