//! The `resetgap` binary: parse arguments, run, map the outcome to an exit code. Errors are
//! printed once, with their chain; a closed pipe is not an error.

use clap::Parser;
use resetgap::cli::{self, exit, Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Scan(args) => cli::scan(args),
        Command::Rules(args) => cli::rules(args, &mut std::io::stdout().lock()),
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
