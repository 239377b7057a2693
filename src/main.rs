//! The `resetgap` binary: parse arguments, run, map the outcome to an exit code. Errors are
//! printed once, with their chain; a closed pipe is not an error.

use resetgap::cli::{self, exit, Cli, Command};
use std::process::ExitCode;

/// The scan allocates many small records on several threads at once (LDAP entries, parsed
/// lines); mimalloc keeps that from contending on the system allocator (measured on 100,000
/// live LDAP entries).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process: mimalloc asks for them on its arenas, and a
/// fault in such an arena makes the kernel find and clear a whole 2 MiB page. On the 2-core VMs
/// resetgap is measured on, that tripled the time to build 5M records (13 s instead of 4 s) and
/// made a live LDAP scan of 100,000 entries 2.0–2.4 s instead of 1.5–1.6 s (README,
/// Performance). Linux only; elsewhere, and when the call fails, nothing changes.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> ExitCode {
    no_huge_pages();
    let outcome = match resetgap::config::parse_args(std::env::args_os().collect()) {
        Err(err) => match err.downcast::<clap::Error>() {
            Ok(clap_err) => clap_err.exit(),
            Err(err) => Err(err),
        },
        Ok(Cli { command }) => match &command {
            Command::Scan(args) => cli::scan(args),
            Command::Baseline(args) => cli::baseline(args),
            Command::Closure(args) => cli::closure(args),
            Command::Config(args) => resetgap::config::print(args, &mut std::io::stdout().lock()),
            Command::Diff(args) => cli::diff(args, &mut std::io::stdout().lock()),
            Command::Rules(args) => cli::rules(args, &mut std::io::stdout().lock()),
            Command::Correlate(args) => cli::correlate(args),
        },
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(exit::CLEAN);
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("resetgap: error: {err:#}");
            }
            ExitCode::from(exit::ERROR)
        }
    }
}
