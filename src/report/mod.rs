//! Reports: the one writer. SARIF 2.1.0 (`sarif`), a readable summary (`text`) and JSON
//! (`json`: findings and diagnostics as plain serde data), and the `--emit-inventory` JSON Lines
//! (`inventory`). Input arrives sorted.

pub mod inventory;
pub mod sarif;
pub mod text;

use crate::diag::Diagnostic;
use crate::finding::Finding;
use crate::rule::Catalog;
use serde::Serialize;

/// A JSON write error as an I/O error that keeps its kind (so a closed pipe stays `BrokenPipe`).
pub fn json_io_error(e: serde_json::Error) -> std::io::Error {
    match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind),
        None => std::io::Error::other(e),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Sarif,
    Json,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    version: &'static str,
    findings: &'a [Finding],
    diagnostics: &'a [Diagnostic],
}

pub fn write(
    out: &mut dyn std::io::Write,
    format: Format,
    catalog: &Catalog,
    findings: &[Finding],
    diagnostics: &[Diagnostic],
    files: u64,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(out, catalog, findings, diagnostics, files),
        Format::Sarif => sarif::write(out, &sarif::build(catalog, findings, diagnostics)),
        Format::Json => {
            let report = JsonReport {
                tool: "resetgap",
                version: env!("CARGO_PKG_VERSION"),
                findings,
                diagnostics,
            };
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(crate::report::json_io_error)?;
            out.write_all(b"\n")
        }
    }
}
